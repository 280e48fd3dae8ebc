#!/usr/bin/env bash
# TLS to the directory (issue 3, item 12), over ldaps:// and over StartTLS,
# with a throwaway CA (tests/harness/mkservercerts.sh) and the private slapd's
# certificate swapped between cases: a certificate from directory.ca_file
# naming 127.0.0.1 in its subjectAltName is accepted (and a whole login
# works over it); one naming only other.test (though its CN is 127.0.0.1),
# an expired one and one from an unknown CA are refused, each logged with
# its reason, also when the environment says LDAPTLS_REQCERT=never.
# Cleartext to a remote host is refused before any packet is sent.
. "$(dirname "$0")/../harness/lib.sh"
. "$GPC_SRCDIR/tests/harness/dirtest.sh"
trap 'dt_stop_helpers; t_cleanup' EXIT
t_setup

uid=$(fx_doc get units.1.accounts.0.uid)
fx_active 1 0 || { echo "Bail out! fixture account"; exit 1; }
pki=$T/tls
"$GPC_SRCDIR/tests/harness/mkservercerts.sh" "$pki" ||
    { echo "Bail out! mkservercerts.sh"; exit 1; }
use_cert() { gpc_slapd_setup_tls "$T" "$pki/$1.pem" "$pki/$1.key" "$pki/ca.pem"; }
use_cert good && gpc_slapd_stop "$T" && gpc_slapd_start "$T" ||
    { echo "Bail out! slapd with TLS"; exit 1; }
. "$T/env"
t_ok "slapd listens on ldaps:// once TLS is set up" test -n "${GPC_LDAPS_URI:-}"

dt_conf ldaps "\"$GPC_LDAPS_URI\"" "ca_file=\"$pki/ca.pem\""
dt_conf starttls "\"$GPC_LDAP_URI\"" "ca_file=\"$pki/ca.pem\"" "starttls=true"
dt_conf nocafile "\"$GPC_LDAPS_URI\""

# codes of steps S and S+1 stay valid (window 1) while now is S or S+1
t0=$(date +%s)
n=0
for mode in ldaps starttls; do
	use_cert good
	dt_probe "$mode" -u "$uid" -p "$T/pw.$uid"
	t_eq "$mode: a certificate from ca_file naming 127.0.0.1 in its SAN is accepted" \
	    "$(dt_field open) $(dt_field find) $(dt_field password)" "OK OK OK"
	code=$(fx_code "$uid" "@$((t0 + 30 * n))")
	n=$((n + 1))
	dt_keep_secrets "$code"
	fx_login "$uid" "$(cat "$T/pw.$uid")" "$code" "$mode"
	t_report $? "$mode: a whole login (service bind, user bind, step write) succeeds over it" \
	    "$T/pam.out"

	for bad in other expired unknown; do
		case $bad in
		other) what="a certificate for another host (SAN DNS:other.test, CN 127.0.0.1)"
		       why="certificate is not for host 127.0.0.1 (subjectAltName: DNS:other.test)" ;;
		expired) what="an expired certificate"
		       why="certificate expired on 2021-01-01 00:00:00 UTC" ;;
		unknown) what="a certificate from an unknown CA"
		       why="certificate not issued by a CA in $pki/ca.pem" ;;
		esac
		use_cert "$bad"
		dt_probe "$mode"
		uri=$GPC_LDAPS_URI
		[ "$mode" = starttls ] && uri=$GPC_LDAP_URI
		t_eq "$mode: $what is refused" "$(dt_field open)" TLS
		t_ok "$mode: ... and the log says why: $why" \
		    grep -qF "directory $uri: certificate verification failed: $why" \
		    "$T/probe.log"
		dt_keep "$T/probe.log"
	done
	# per-handle TLS context: the environment cannot lower the bar
	env -u LDAPNOINIT LDAPTLS_REQCERT=never LDAPTLS_REQSAN=never \
	    LDAPTLS_CACERT="$pki/rogue-ca.pem" "$DT_PROBE" -f "$T/$mode.conf" >"$T/probe.out" \
	    2>"$T/probe.log"
	t_eq "$mode: ... also with LDAPTLS_REQCERT=never and the rogue CA in the environment" \
	    "$(dt_field open)" TLS
	printf 'x\n000000\n' | gpc_pam "$T" "$mode" "$uid" authenticate >"$T/pam.out" 2>&1
	t_ok "$mode: a login then gets PAM_AUTHINFO_UNAVAIL, never success" \
	    grep -q "Authentication service cannot retrieve authentication info" "$T/pam.out"
done

# whoever may write ca_file chooses which directory answers the logins
use_cert good
chmod 666 "$pki/ca.pem"
printf '%s\n%s\n' "$(cat "$T/pw.$uid")" "$(fx_code "$uid")" |
    gpc_pam "$T" ldaps "$uid" authenticate >"$T/pam.out" 2>&1
t_ok "a ca_file others may write: a login fails as misconfigured (PAM_SERVICE_ERR)" \
    grep -q "Error in service module" "$T/pam.out"
t_fails "... (not a success)" grep -q "successfully authenticated" "$T/pam.out"
dt_probe ldaps
t_eq "... the session is not opened" "$(dt_field open)" CONFIG
t_ok "... and the log says why" grep -q "directory.ca_file $pki/ca.pem: mode 0666" "$T/probe.log"
chmod 644 "$pki/ca.pem"

dt_probe nocafile
t_eq "without ca_file only the system's trust store counts: our CA is refused" \
    "$(dt_field open)" TLS
t_ok "... logged so" grep -q "not issued by a CA in the system's trust store" "$T/probe.log"

# cleartext: loopback and ldapi are allowed, anything else refused up front
dt_conf remote '"ldap://192.0.2.1:389"'
t0=$(dt_ms)
dt_probe remote
t_eq "cleartext ldap:// to a remote host is refused (require_tls, the default)" \
    "$(dt_field open)" TLS
t_ok "... before any connection attempt (< 100 ms)" test $(($(dt_ms) - t0)) -lt 100
t_ok "... logged so" grep -q "cleartext to a remote host refused" "$T/probe.log"
dt_conf local "\"ldap://localhost:$GPC_LDAP_PORT\""
dt_probe local
t_eq "cleartext ldap:// to localhost is allowed" "$(dt_field open)" OK

dt_keep "$T/slapd.log" "$T/audit.log" "$T/provd.log"
dt_keep_secrets "$(cat "$T/pw.$uid")" "$(cat "$T/secret.$uid")"
t_done
