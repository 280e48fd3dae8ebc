#!/usr/bin/env bash
# gpcgate demo: the main job end to end on a private directory.
#
# A purchaser unit registers a handler account; the district finance bureau
# approves it with a signed decision; the holder gets a password and an
# authenticator; the holder logs in through the real libpam with the
# password and a code from oathtool; the same code is refused a second time;
# the bureau suspends the account and the next login is refused.
#
# Every step prints one line.  Exit 0 only if every step behaved.
set -u

GPC_SRCDIR=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/private-env.sh
. "$GPC_SRCDIR/scripts/private-env.sh"

UID_DEMO=150102-02-jb01
DIR=$(mktemp -d /tmp/gpcdemo.XXXXXX)
failed=0
n=0

step() { # step "what happened" — prints "  n. ok  what"
	n=$((n + 1))
	printf '%2d. ok    %s\n' "$n" "$1"
}
fail() {
	n=$((n + 1))
	printf '%2d. FAIL  %s\n' "$n" "$1"
	failed=1
	[ -n "${2:-}" ] && sed 's/^/          /' "$2"
	finish
}
finish() {
	gpc_env_teardown "$DIR" >/dev/null 2>&1
	if [ "$failed" = 0 ]; then
		rm -rf "$DIR"
		echo "demo: every step behaved."
		exit 0
	fi
	echo "demo: failed; the private installation is kept in $DIR"
	exit 1
}
# Whatever ends the demo (a failure, ^C, a closed pipe), slapd stops.
trap 'gpc_env_teardown "$DIR" >/dev/null 2>&1' EXIT
trap 'failed=1; finish' INT TERM HUP
trap 'exit 141' PIPE # nobody is reading: stop without a word (EXIT cleans up)

ctl() { "$GPC_CTL" -f "$GPC_CONF" "$@"; }
provd() { "$GPC_PROVD" -f "$GPC_CONF" --once >"$DIR/provd.log" 2>&1; }
# a document from its template, with times relative to now (Asia/Shanghai)
render() {
	sed -e "s/@SUBMITTED_AT@/$(TZ=Asia/Shanghai date -d '-2 minutes' +%Y-%m-%dT%H:%M:%S+08:00)/" \
	    -e "s/@ISSUED_AT@/$(TZ=Asia/Shanghai date -d '-1 minute' +%Y-%m-%dT%H:%M:%S+08:00)/" \
	    -e "s/@DEADLINE@/$(TZ=Asia/Shanghai date -d '+30 days' +%Y-%m-%d)/" \
	    "$GPC_SRCDIR/scripts/demo/$1" >"$DIR/$1"
}
outcome() { sed -n 's/.*"outcome": "\([a-z ]*\)".*/\1/p' "$DIR/spool/results/$1.json"; }
# log in through libpam (pam_wrapper + pamtester): password, then code
login() {
	printf '%s\n%s\n' "$(cat "$DIR/password")" "$1" |
	    gpc_pam "$DIR" gpcgate "$UID_DEMO" authenticate acct_mgmt >"$DIR/pam.log" 2>&1
}
code_at() { oathtool --totp -b "$(cat "$DIR/secret")" ${1:+-N "$1"}; }
# the reason the audit log gives for the last login attempt
last_reason() { grep '"event":"login"' "$DIR/audit.log" | tail -n 1 | grep -o '"reason":"[a-z_]*"' | cut -d'"' -f4; }

echo "gpcgate demo — private installation in $DIR"
gpc_env_setup "$DIR" >"$DIR/setup.log" 2>&1 || fail "set up the private directory" "$DIR/setup.log"
. "$DIR/env"
DN_DEMO="uid=$UID_DEMO,gpcUnitCode=12150102900079199E,ou=units,$GPC_BASE"
step "private slapd on $GPC_LDAP_URI and ldapi, gpcgate schema loaded, keys and a throwaway bureau CA made"

render register.json
ctl submit "$DIR/register.json" >"$DIR/out" 2>&1 || fail "submit the registration" "$DIR/out"
provd || fail "provisioner run" "$DIR/provd.log"
[ "$(outcome APP-DEMO-0001)" = pending ] || fail "registration pending" "$DIR/spool/results/APP-DEMO-0001.json"
step "unit 12150102900079199E registered account $UID_DEMO (handler): pending, the district bureau is asked to verify"

render approve.json
ctl sign "$DIR/approve.json" --key "$DIR/pki/rsa.key" --cert "$DIR/pki/rsa.pem" >"$DIR/out" 2>&1 ||
    fail "sign the approval" "$DIR/out"
ctl submit "$DIR/approve.json" --signature "$DIR/approve.json.p7s" >"$DIR/out" 2>&1 ||
    fail "submit the approval" "$DIR/out"
provd || fail "provisioner run" "$DIR/provd.log"
[ "$(outcome 150102-DEMO-000001)" = applied ] || fail "approval applied" "$DIR/spool/results/150102-DEMO-000001.json"
ls "$DIR/outbox"/150102-DEMO-000001.enrollment.json >/dev/null 2>&1 || fail "enrollment notice in the outbox"
step "bureau 150102 signed the approval (CMS, RSA); the account is active and an enrollment notice is in the outbox"

ctl account show "$UID_DEMO" >"$DIR/show" 2>&1 && grep -q '150102\*\*\*\*\*\*\*\*9038' "$DIR/show" &&
    ! grep -q 150102197904049038 "$DIR/show" || fail "account show masks the ID number" "$DIR/show"
step "gpcgatectl account show: state active, ID shown as 150102********9038, never in clear"

(umask 077 && printf 'First-Passw0rd-%s' "$RANDOM" >"$DIR/password0" &&
    printf 'Holder-Passw0rd-%s' "$RANDOM" >"$DIR/password")
ctl passwd "$UID_DEMO" --password-file "$DIR/password0" >"$DIR/out" 2>&1 || fail "set the first password" "$DIR/out"
ldappasswd -x -H "$GPC_LDAPI_URI" -D "$DN_DEMO" -y "$DIR/password0" -t "$DIR/password0" \
    -T "$DIR/password" >"$DIR/out" 2>&1 || fail "the holder changes the first password" "$DIR/out"
ldapwhoami -x -H "$GPC_LDAPI_URI" -D "$DN_DEMO" -y "$DIR/password" >"$DIR/out" 2>&1 ||
    fail "the holder binds with the new password" "$DIR/out"
step "first password set by the bureau administrator, changed by the holder (the password policy allows nothing else first)"

ctl enroll "$UID_DEMO" --no-confirm --secret-file "$DIR/secret" >"$DIR/out" 2>&1 || fail "enroll an authenticator" "$DIR/out"
step "a TOTP seed enrolled (otpauth:// for the phone app), stored sealed in the directory"

code=$(code_at) || fail "oathtool"
login "$code" || fail "login with password and code $code" "$DIR/pam.log"
step "pamtester (real libpam): password + code from oathtool accepted, account check passed (audit: $(last_reason))"

login "$code" && fail "the same code a second time must be refused" "$DIR/pam.log"
grep -q "Authentication failure" "$DIR/pam.log" && [ "$(last_reason)" = code_replayed ] ||
    fail "replay refusal" "$DIR/pam.log"
step "the same code again: refused, its time step is spent (audit: $(last_reason))"

render suspend.json
ctl sign "$DIR/suspend.json" --key "$DIR/pki/rsa.key" --cert "$DIR/pki/rsa.pem" >"$DIR/out" 2>&1 &&
    ctl submit "$DIR/suspend.json" --signature "$DIR/suspend.json.p7s" >"$DIR/out" 2>&1 ||
    fail "sign and submit the suspension" "$DIR/out"
provd || fail "provisioner run" "$DIR/provd.log"
[ "$(outcome 150102-DEMO-000002)" = applied ] || fail "suspension applied" "$DIR/spool/results/150102-DEMO-000002.json"
step "bureau 150102 suspended the account (holder_mismatch, deadline $(sed -n 's/.*"deadline": "\(.*\)".*/\1/p' "$DIR/suspend.json"), then terminate)"

# the next step's code: unused, so only the suspension can refuse it
code=$(code_at "$(date -u -d '+30 seconds' '+%Y-%m-%d %H:%M:%S UTC')")
login "$code" && fail "a suspended account must not log in" "$DIR/pam.log"
why=$(last_reason)
ldapwhoami -x -H "$GPC_LDAPI_URI" -D "$DN_DEMO" -y "$DIR/password" >/dev/null 2>&1 &&
    fail "a plain LDAP bind of the suspended account must fail"
step "next login with a fresh code: refused (audit: $why); a plain ldapwhoami with the right password is refused too"

"$GPC_CTL" -f "$GPC_CONF" audit verify "$DIR/audit.log" >"$DIR/out" 2>&1 || fail "audit chain" "$DIR/out"
step "gpcgatectl audit verify: $(sed 's/^.*audit.log: //; s/ (last line.*//' "$DIR/out"): every attempt and decision above, hash-chained"

gpc_env_teardown "$DIR"
step "private slapd stopped"
finish
