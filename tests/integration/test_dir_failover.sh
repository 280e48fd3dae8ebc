#!/usr/bin/env bash
# Failover and timeouts (issue 3, item 13).  URIs are tried in order; a dead
# port costs nothing, a black-holed server (tests/harness/blackhole.py:
# accepts, never answers) costs network_timeout_ms, over ldap:// and ldaps://
# alike, then the next URI is tried; the whole pam_authenticate with every
# server dead ends in PAM_AUTHINFO_UNAVAIL within the configured bound
# (number of URIs x network_timeout_ms, capped by failover_timeout_ms).  A
# wrong password is final: the next URI is never contacted.  The failover
# memory (directory.state_file): a URI found dead is tried last for
# primary_retry_s, then first again; a healthy one is forgotten; a state
# file others could write is ignored.
. "$(dirname "$0")/../harness/lib.sh"
. "$GPC_SRCDIR/tests/harness/dirtest.sh"
trap 'dt_stop_helpers; t_cleanup' EXIT
t_setup

uid=$(fx_doc get units.1.accounts.0.uid)
fx_active 1 0 || { echo "Bail out! fixture account"; exit 1; }
dt_blackhole bh && dt_blackhole bh2 || { echo "Bail out! black hole"; exit 1; }
BH=$(cat "$T/bh.port")
BH2=$(cat "$T/bh2.port")
NET=400
fast="network_timeout_ms=$NET"

# in [lo, hi] milliseconds
within() { [ "$1" -ge "$2" ] && [ "$1" -le "$3" ]; }

# --- one black hole, then the real server ----------------------------------------------
dt_conf fo "\"ldap://127.0.0.1:$BH\", \"$GPC_LDAP_URI\"" "$fast" primary_retry_s=2
dt_probe fo
ms=$(dt_field ms)
echo "# ldap:// black hole first: open took $ms ms (network_timeout_ms $NET)"
t_eq "a black-holed ldap:// server: the next URI is used" "$(dt_field uri)" "$GPC_LDAP_URI"
t_ok "... after network_timeout_ms, not the operation timeout ($ms ms)" within "$ms" $NET 1000
t_eq "... the black hole was tried once" "$(dt_accepts bh)" 1
t_ok "the failover memory names the dead URI" grep -qx "[0-9]* ldap://127.0.0.1:$BH" \
    "$T/fo.failover"
tmps=("$T"/fo.failover.*)
t_eq "... in a file of mode 0644, written by rename (no temporary left)" \
    "$(stat -c %a "$T/fo.failover") ${tmps[0]}" "644 $T/fo.failover.*"
dt_probe fo
ms=$(dt_field ms)
t_eq "within primary_retry_s the dead URI is tried last: not at all when the next answers" \
    "$(dt_accepts bh) $(dt_field uri)" "1 $GPC_LDAP_URI"
t_ok "... so the login does not wait for it ($ms ms)" test "$ms" -lt 300
sleep 2.1
dt_probe fo
ms=$(dt_field ms)
t_eq "after primary_retry_s the first URI is tried first again" "$(dt_accepts bh)" 2
t_ok "... (and costs its timeout again: $ms ms)" within "$ms" $NET 1000

# --- the memory with a live primary -----------------------------------------------------
dt_conf back "\"$GPC_LDAP_URI\", \"$GPC_LDAPI_URI\"" primary_retry_s=2
echo "$(date +%s) $GPC_LDAP_URI" >"$T/back.failover"
dt_probe back
t_eq "a primary found dead just now is passed over for the next" "$(dt_field uri)" \
    "$GPC_LDAPI_URI"
t_ok "... and stays remembered" grep -q "$GPC_LDAP_URI" "$T/back.failover"
echo "$(($(date +%s) - 3)) $GPC_LDAP_URI" >"$T/back.failover"
dt_probe back
t_eq "once primary_retry_s has passed the primary is used again" "$(dt_field uri)" \
    "$GPC_LDAP_URI"
t_fails "... and, having answered, is forgotten (no memory left)" test -e "$T/back.failover"
echo "$(date +%s) $GPC_LDAP_URI" >"$T/back.failover"
chmod 0666 "$T/back.failover"
dt_probe back
t_eq "a state file that others may write is ignored" "$(dt_field uri)" "$GPC_LDAP_URI"
t_ok "... with a warning" grep -q "failover state .*ignored" "$T/probe.log"
rm -f "$T/back.failover"
printf 'garbage\n99999999999999999999 %s\n-5 %s\n' "$GPC_LDAP_URI" "$GPC_LDAP_URI" \
    >"$T/back.failover"
dt_probe back
t_eq "malformed lines are ignored" "$(dt_field uri)" "$GPC_LDAP_URI"

# --- ldaps:// black hole and a dead port -------------------------------------------------
dt_conf fos "\"ldaps://127.0.0.1:$BH\", \"$GPC_LDAP_URI\"" "$fast" primary_retry_s=0
dt_probe fos
ms=$(dt_field ms)
echo "# ldaps:// black hole first: open took $ms ms"
t_eq "a black-holed ldaps:// server (TLS hello never answered): the next URI" \
    "$(dt_field uri)" "$GPC_LDAP_URI"
t_ok "... after network_timeout_ms ($ms ms)" within "$ms" $NET 1000
dt_conf dead "\"ldap://127.0.0.1:9\", \"ldaps://127.0.0.1:9\", \"$GPC_LDAP_URI\"" "$fast" \
    primary_retry_s=0
dt_probe dead
ms=$(dt_field ms)
t_eq "dead ports (connection refused, ldap:// and ldaps://): the next URI" \
    "$(dt_field uri)" "$GPC_LDAP_URI"
t_ok "... at once ($ms ms)" test "$ms" -lt 200

# --- every server dead: the bound of a whole pam_authenticate ---------------------------
login_ms() { # SERVICE: a login with any answers; prints its milliseconds
	local t
	t=$(dt_ms)
	printf 'x\n000000\n' | gpc_pam "$T" "$1" "$uid" authenticate >"$T/pam.out" 2>&1
	echo $(($(dt_ms) - t))
}
unavail() { grep -q "Authentication service cannot retrieve authentication info" "$T/pam.out"; }
dt_conf alldead "\"ldap://127.0.0.1:$BH\", \"ldaps://127.0.0.1:$BH\"" "$fast" \
    failover_timeout_ms=5000
ms=$(login_ms alldead)
echo "# every server black-holed (ldap://, ldaps://): pam_authenticate took $ms ms"
t_ok "every server black-holed: PAM_AUTHINFO_UNAVAIL" unavail
t_ok "... within 2 x network_timeout_ms and process overhead ($ms ms)" \
    within "$ms" $((2 * NET)) $((2 * NET + 900))
four="\"ldap://127.0.0.1:$BH\", \"ldaps://127.0.0.1:$BH\", \"ldap://127.0.0.1:$BH\", \"ldaps://127.0.0.1:$BH\""
dt_conf capped "$four" "$fast" failover_timeout_ms=600 primary_retry_s=0
dt_probe capped
ms=$(dt_field ms)
t_eq "four black holes with failover_timeout_ms = 600: no server" "$(dt_field open)" UNAVAIL
t_ok "... after failover_timeout_ms, not 4 x network_timeout_ms ($ms ms)" within "$ms" 580 800
ms=$(login_ms capped)
echo "# four black holes, failover_timeout_ms 600: pam_authenticate took $ms ms"
t_ok "... and a login: PAM_AUTHINFO_UNAVAIL" unavail
t_ok "... within failover_timeout_ms and process overhead, < 4 x $NET ms ($ms ms)" \
    within "$ms" 580 $((4 * NET - 100))

# --- a wrong password is final ----------------------------------------------------------
dt_conf wp "\"$GPC_LDAP_URI\", \"ldap://127.0.0.1:$BH2\"" "$fast"
(umask 077 && echo "not-the-password" >"$T/wrong.pw")
dt_probe wp -u "$uid" -p "$T/wrong.pw"
t_eq "a wrong password: invalid credentials" "$(dt_field password)" BADPASS
t0=$(dt_ms)
fx_login "$uid" "not-the-password" 123456 wp
rc=$?
ms=$(($(dt_ms) - t0))
t_ok "... through PAM: refused ($ms ms)" test "$rc" != 0
t_ok "... as a failure, not as an unavailable directory" grep -q "Authentication failure" \
    "$T/pam.out"
fx_login "no-such-user" "whatever" 123456 wp
t_eq "neither the wrong password nor an unknown name was retried on the next URI" \
    "$(dt_accepts bh2)" 0
code=$(fx_code "$uid")
dt_keep_secrets "$code" "$(cat "$T/pw.$uid")" "$(cat "$T/secret.$uid")"
fx_login "$uid" "$(cat "$T/pw.$uid")" "$code" wp
t_report $? "the right password and code over the same list succeed" "$T/pam.out"
t_eq "... without contacting the next URI either" "$(dt_accepts bh2)" 0

dt_keep "$T/slapd.log" "$T/audit.log" "$T/probe.log" "$T/pam.out"
t_done
