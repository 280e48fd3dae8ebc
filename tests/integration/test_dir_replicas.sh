#!/usr/bin/env bash
# Cross-replica replay (issue 3, item 14).  Two providers in multi-provider
# replication on loopback (scripts/slapd.sh gpc_slapd_setup_peer: server IDs
# 1 and 2, syncprov, each consuming from the other); host A reads from
# provider 1, host B from provider 2, and both send the TOTP writes (step,
# failure count, lock) to directory.otp_write_uri = provider 1.  One code is
# then accepted once across both hosts, also when 8 logins race with it;
# the writes of host B land on provider 1; with provider 1 down, host B's
# logins fail closed.  Last, for contrast, the same race without
# otp_write_uri (printed, not asserted: it is the hole the setting closes).
. "$(dirname "$0")/../harness/lib.sh"
. "$GPC_SRCDIR/tests/harness/dirtest.sh"
P=$(mktemp -d /tmp/gp.XXXXXX)
trap 'gpc_slapd_stop "$P" >/dev/null 2>&1; rm -rf "$P"; dt_stop_helpers; t_cleanup' EXIT
t_setup

uid=$(fx_doc get units.1.accounts.0.uid)
fx_active 1 0 || { echo "Bail out! fixture account"; exit 1; }
gpc_slapd_stop "$T"
gpc_slapd_setup_peer "$T" "$P" >"$T/peer.log" 2>&1 &&
    gpc_slapd_start "$P" && P_URI=$GPC_LDAP_URI && P_LDAPI=$GPC_LDAPI_URI &&
    gpc_slapd_start "$T" || { echo "Bail out! replication pair: $(tail -n 3 "$T/peer.log")"; exit 1; }
. "$T/env"
T_URI=$GPC_LDAP_URI
T_PORT=$GPC_LDAP_PORT
echo "# provider 1 $T_URI, provider 2 $P_URI"

admin() { # URI ldapsearch|ldapmodify ARGS...: as the database administrator
	local uri=$1 tool=$2
	shift 2
	[ "$tool" = ldapsearch ] && set -- -LLL -o ldif-wrap=no "$@"
	"$tool" -x -H "$uri" -D "$GPC_ROOTDN" -y "$T/root.pw" "$@"
}
converged() { # URI DN ATTR VALUE: poll until the provider shows it (5 s bound)
	local i
	for ((i = 0; i < 250; i++)); do
		admin "$1" ldapsearch -b "$2" -s base "$3" 2>/dev/null | grep -qx "$3: $4" && return 0
		sleep 0.02
	done
	return 1
}
dn=$(admin "$GPC_LDAPI_URI" ldapsearch -b "ou=units,$GPC_BASE" "(uid=$uid)" dn | sed -n 's/^dn: //p')
step_on() { admin "$1" ldapsearch -b "$dn" -s base gpcTotpStep | sed -n 's/^gpcTotpStep: //p'; }

printf 'dn: %s\nchangetype: modify\nreplace: description\ndescription: from-1\n' \
    "ou=system,$GPC_BASE" | admin "$GPC_LDAPI_URI" ldapmodify >/dev/null
t_ok "replication: a change on provider 1 reaches provider 2" \
    converged "$P_LDAPI" "ou=system,$GPC_BASE" description from-1
printf 'dn: %s\nchangetype: modify\nreplace: description\ndescription: from-2\n' \
    "ou=system,$GPC_BASE" | admin "$P_LDAPI" ldapmodify >/dev/null
t_ok "... and one on provider 2 reaches provider 1" \
    converged "$GPC_LDAPI_URI" "ou=system,$GPC_BASE" description from-2

# Hosts A and B; wrong-code counting must not lock the account mid-test.
dt_conf hosta "\"$T_URI\"" "otp_write_uri=\"$T_URI\""
dt_conf hostb "\"$P_URI\"" "otp_write_uri=\"$T_URI\""
dt_conf hosta0 "\"$T_URI\""
dt_conf hostb0 "\"$P_URI\""
sed -i 's/failure_limit = [0-9]*;/failure_limit = 100;/' "$T"/host*.conf

pw=$(cat "$T/pw.$uid")
dt_keep_secrets "$pw" "$(cat "$T/secret.$uid")"
t0=$(date +%s)
if [ $((t0 % 30)) -gt 26 ]; then # S-1 is spent at once, S and S+1 stay valid to the end
	sleep $((31 - t0 % 30))
	t0=$(date +%s)
fi
S=$((t0 / 30))

# race N CODE SERVICE...: N logins at once, round-robin over the services;
# prints how many succeeded
race() {
	local n=$1 code=$2 i ok=0 pids=()
	shift 2
	local svc=("$@")
	for ((i = 0; i < n; i++)); do
		(printf '%s\n%s\n' "$pw" "$code" |
		    gpc_pam "$T" "${svc[i % ${#svc[@]}]}" "$uid" authenticate >"$T/race.$i" 2>&1) &
		pids+=($!)
	done
	for i in "${pids[@]}"; do
		wait "$i" && ok=$((ok + 1))
	done
	echo "$ok"
}

# --- one code, two hosts, one after the other -------------------------------------------
code=$(fx_code "$uid" "@$(((S - 1) * 30))")
dt_keep_secrets "$code"
fx_login "$uid" "$pw" "$code" hosta
t_report $? "host A (provider 1) accepts a code" "$T/pam.out"
fx_login "$uid" "$pw" "$code" hostb
t_fails "host B (provider 2) refuses the same code" test $? = 0

# --- the same code from 8 logins at once on both hosts --------------------------------
code=$(fx_code "$uid" "@$((S * 30))")
dt_keep_secrets "$code"
ok=$(race 8 "$code" hosta hostb)
echo "# one code, 8 concurrent logins over two replicas, otp_write_uri set: $ok succeeded"
t_eq "8 concurrent logins with one code over both replicas: exactly one succeeds" "$ok" 1
t_eq "the stored step is the accepted one, on provider 1" "$(step_on "$GPC_LDAPI_URI")" "$S"
t_ok "... and replicated to provider 2" converged "$P_LDAPI" "$dn" gpcTotpStep "$S"
csn=$(admin "$P_LDAPI" ldapsearch -b "$dn" -s base entryCSN | sed -n 's/^entryCSN: //p')
t_ok "the account's last change originated on provider 1 (entryCSN $csn)" \
    grep -q '#001#' <<<"$csn"

# --- provider 1 down: host B fails closed ------------------------------------------------
gpc_slapd_stop "$T"
code=$(fx_code "$uid" "@$(((S + 1) * 30))")
dt_keep_secrets "$code"
fx_login "$uid" "$pw" "$code" hostb
t_fails "with the OTP provider down, host B refuses even a valid code" test $? = 0
t_ok "... as a failed login, never success" grep -q "Authentication failure" "$T/pam.out"
t_eq "... and provider 2 did not take the step" "$(step_on "$P_LDAPI")" "$S"
gpc_slapd_start "$T" "$T_PORT" || { echo "Bail out! provider 1 restart"; exit 1; }
. "$T/env"

# --- for contrast: the same race without otp_write_uri ---------------------------------
ok=$(race 8 "$code" hosta0 hostb0)
echo "# the same race without otp_write_uri (each host writes its own replica): $ok of 8 succeeded"
t_ok "without otp_write_uri a login still works" test "$ok" -ge 1

cp "$P/slapd.log" "$T/slapd-provider2.log"
dt_keep "$T/slapd.log" "$T/slapd-provider2.log" "$T/audit.log" "$T/pam.out"
t_done
