#!/usr/bin/env bash
# Round trips of a login (issue 3, item 15).  Two measures of one successful
# login, each for ldap://, ldaps:// and StartTLS:
#  - operations: slapd's own count (stats log, "conn=N op=M"), and
#    connections;
#  - round trips on the critical path: the login runs through a relay that
#    delays every byte from the server by D ms (tests/harness/lagproxy.py);
#    (time with the delay - time without) / D counts the exchanges the login
#    waited for one after the other; exchanges in flight together (the unit
#    read and the user's bind) count once.
# The numbers established here are the ceiling: the test fails if a change
# makes a login cost more, and prints what it measured.
. "$(dirname "$0")/../harness/lib.sh"
. "$GPC_SRCDIR/tests/harness/dirtest.sh"
trap 'dt_stop_helpers; t_cleanup' EXIT
t_setup

D=250
# the established ceilings, per transport: operations, connections, round trips
declare -A MAX_OPS=([ldap]=5 [ldaps]=5 [starttls]=7)
declare -A MAX_RTT=([ldap]=4 [ldaps]=6 [starttls]=8)
declare -A MAX_ACCT_OPS=([ldap]=3 [ldaps]=3 [starttls]=4)
declare -A MAX_ACCT_RTT=([ldap]=3 [ldaps]=4 [starttls]=5)
MAX_CONNS=2
MAX_ACCT_CONNS=1

declare -A UNIT=([ldap]=1 [ldaps]=2 [starttls]=3)
for tr in ldap ldaps starttls; do
	fx_active "${UNIT[$tr]}" 0 || { echo "Bail out! fixture account"; exit 1; }
done
pki=$T/tls
"$GPC_SRCDIR/tests/harness/mkservercerts.sh" "$pki" &&
    gpc_slapd_setup_tls "$T" "$pki/good.pem" "$pki/good.key" "$pki/ca.pem" &&
    gpc_slapd_stop "$T" && GPC_SLAPD_DEBUG=33024 gpc_slapd_start "$T" ||
    { echo "Bail out! slapd with TLS and the stats log"; exit 1; }
. "$T/env"
dt_lagproxy lag "$GPC_LDAP_PORT" && dt_lagproxy lags "$GPC_LDAPS_PORT" ||
    { echo "Bail out! lagproxy"; exit 1; }
dt_conf ldap "\"ldap://127.0.0.1:$(cat "$T/lag.port")\""
dt_conf ldaps "\"ldaps://127.0.0.1:$(cat "$T/lags.port")\"" "ca_file=\"$pki/ca.pem\""
dt_conf starttls "\"ldap://127.0.0.1:$(cat "$T/lag.port")\"" "ca_file=\"$pki/ca.pem\"" \
    starttls=true

# ops FROM: "OPS CONNS KIND=N..." of slapd's log from byte FROM on
ops() {
	sleep 0.2 # slapd logs the last result after the client has it
	tail -c +"$(($1 + 1))" "$T/slapd.log" | awk '
		/ ACCEPT from / { conns++ }
		match($0, /conn=[0-9]+ op=[0-9]+ [A-Z]+/) {
			split(substr($0, RSTART, RLENGTH), f, " ")
			k = f[1] " " f[2]
			if (f[3] != "UNBIND" && !(k in seen)) { seen[k] = 1; n++; kind[f[3]]++ }
		}
		END { printf "%d %d", n, conns
		      for (k in kind) printf " %s=%d", k, kind[k]; print "" }'
}
# run DELAY_MS PROXY COMMAND...: milliseconds the command took
run() {
	local t
	echo "$1" >"$T/$2.delay"
	shift 2
	t=$(dt_ms)
	"$@"
	echo $(($(dt_ms) - t))
}
auth() { fx_login "$uid" "$(cat "$T/pw.$uid")" "$1" "$tr"; }
acct() { fx_login "$uid" x x "$tr" acct_mgmt; }

# codes of steps S and S+1 stay valid (window 1) while now is S or S+1
t0=$(date +%s)
for tr in ldap ldaps starttls; do
	uid=$(fx_doc get "units.${UNIT[$tr]}.accounts.0.uid")
	proxy=lag
	[ "$tr" = ldaps ] && proxy=lags
	c0=$(fx_code "$uid" "@$t0")
	c1=$(fx_code "$uid" "@$((t0 + 30))")
	dt_keep_secrets "$c0" "$c1" "$(cat "$T/pw.$uid")" "$(cat "$T/secret.$uid")"

	off=$(stat -c %s "$T/slapd.log")
	base=$(run 0 $proxy auth "$c0")
	ok=$(grep -c "successfully authenticated" "$T/pam.out")
	read -r nops nconns kinds <<<"$(ops "$off")"
	slow=$(run $D $proxy auth "$c1")
	ok+=" $(grep -c "successfully authenticated" "$T/pam.out")"
	t_eq "$tr: both logins succeed (direct and delayed)" "$ok" "1 1"
	rtt=$(((slow - base + D / 2) / D))
	echo "# $tr: one successful authenticate = $nops LDAP operations ($kinds) on $nconns" \
	    "connections, $rtt round trips on its critical path (${base} ms direct," \
	    "${slow} ms with $D ms added per server reply)"
	t_ok "$tr: at most ${MAX_OPS[$tr]} operations ($nops)" test "$nops" -le "${MAX_OPS[$tr]}"
	t_ok "$tr: at most $MAX_CONNS connections ($nconns)" test "$nconns" -le $MAX_CONNS
	t_ok "$tr: at most ${MAX_RTT[$tr]} round trips one after the other ($rtt)" \
	    test "$rtt" -le "${MAX_RTT[$tr]}"
	t_ok "$tr: two binds only, the service's and the holder's: no rebinds" \
	    grep -q "BIND=2\b" <<<"$kinds"

	off=$(stat -c %s "$T/slapd.log")
	base=$(run 0 $proxy acct)
	read -r nops nconns kinds <<<"$(ops "$off")"
	slow=$(run $D $proxy acct)
	rtt=$(((slow - base + D / 2) / D))
	echo "# $tr: the account stage (pam_acct_mgmt) = $nops operations ($kinds) on $nconns" \
	    "connection(s), $rtt round trips"
	t_ok "$tr: account stage at most ${MAX_ACCT_OPS[$tr]} operations ($nops), $MAX_ACCT_CONNS connection ($nconns), ${MAX_ACCT_RTT[$tr]} round trips ($rtt)" \
	    test "$nops" -le "${MAX_ACCT_OPS[$tr]}" -a "$nconns" -le $MAX_ACCT_CONNS -a \
	    "$rtt" -le "${MAX_ACCT_RTT[$tr]}"
done

dt_keep "$T/slapd.log" "$T/audit.log" "$T/pam.out"
t_done
