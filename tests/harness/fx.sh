# gpcgate — fixture helpers: documents from tests/data/fixtures.json pushed
# through the real programs.  Needs $T (a private installation made by
# scripts/private-env.sh) and its variables (GPC_CONF, GPC_CTL, ...).
#
#   fx_doc KIND ARGS... > FILE        tests/harness/fixture.py
#   fx_sign FILE ISSUER               sign as the bureau (150102 rsa, 150100 ec,
#                                     150103 sm2) -> FILE.p7s or FILE.sig
#   fx_submit FILE [SIG]              gpcgatectl submit
#   fx_run                            gpcgate-provisiond --once
#   fx_outcome ID                     the outcome in results/ID.json
#   fx_reasons ID                     the reason codes in results/ID.json
#   fx_active UNIT ACCT [UID]         register+approve+password+enroll;
#                                     password in $T/pw.UID (no newline; the
#                                     holder set it after the administrative
#                                     one), secret in $T/secret.UID
#   fx_keep_secrets VALUE...          for test_zz_no_secrets.sh to look for
#   fx_dn UID                         the account's DN
#   fx_code UID [TIME]                a TOTP code for the account (oathtool)
#   fx_login UID PASSWORD CODE [SERVICE] [OPS]   pamtester; output in $T/pam.out
#   fx_ldap ARGS...                   ldapsearch as the directory administrator


GPC_SRCDIR=${GPC_SRCDIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
FX="$GPC_SRCDIR/tests/harness/fixture.py"

ctl() { "$GPC_CTL" -f "$GPC_CONF" "$@"; }
fx_doc() { python3 "$FX" "$@"; }

fx_sign() {
	local key
	case $2 in
	150102) key=rsa ;;
	150100) key=ec ;;
	150103) key=sm2 ;;
	159901) key=expired ;;
	159902) key=future ;;
	*) key=$2 ;;
	esac
	ctl sign "$1" --key "$T/pki/$key.key" --cert "$T/pki/$key.pem" >/dev/null
}

fx_submit() {
	if [ -n "${2:-}" ]; then
		ctl submit "$1" --signature "$2" >/dev/null
	else
		ctl submit "$1" >/dev/null
	fi
}

fx_run() { "$GPC_PROVD" -f "$GPC_CONF" --once -d >>"$T/provd.log" 2>&1; }

fx_outcome() {
	python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["outcome"])' \
	    "$T/spool/results/$1.json" 2>/dev/null
}

fx_reasons() {
	python3 -c 'import json,sys
print(" ".join(sorted(set(r["code"] for r in json.load(open(sys.argv[1]))["reasons"]))))' \
	    "$T/spool/results/$1.json" 2>/dev/null
}

# A document submitted (and signed when it is a decision) and processed.
fx_process() { # FILE [ISSUER]
	if [ -n "${2:-}" ]; then
		fx_sign "$1" "$2" || return 1
		fx_submit "$1" "$(ls "$1".p7s "$1".sig 2>/dev/null | head -n 1)" || return 1
	else
		fx_submit "$1" || return 1
	fi
	fx_run
}

fx_bureau_of() { # region -> issuer configured for it
	case $1 in
	150102) echo 150102 ;;
	150103) echo 150103 ;;
	*) echo 150100 ;;
	esac
}

# Why a fixture step failed, on stderr (tests print it when they bail out).
fx_fail() {
	echo "fx_active: $1 failed" >&2
	[ -n "${2:-}" ] && [ -f "$T/spool/results/$2.json" ] && cat "$T/spool/results/$2.json" >&2
	tail -n 5 "$T/provd.log" >&2 2>/dev/null
	return 1
}

fx_active() { # UNIT ACCT [UID]
	local ui=$1 ai=$2 uid=${3:-} region app
	[ -n "$uid" ] || uid=$(python3 "$FX" get "units.$ui.accounts.$ai.uid")
	region=$(python3 "$FX" get "units.$ui.region")
	app="APP-$uid"
	fx_doc register "$ui" "$ai" --id "$app" --uid "$uid" >"$T/$app.json" &&
	    fx_process "$T/$app.json" || fx_fail "registration of $uid" || return 1
	[ "$(fx_outcome "$app")" = pending ] || fx_fail "registration of $uid" "$app" || return 1
	fx_doc decision approve "$(fx_bureau_of "$region")" --id "OK-$uid" --app "$app" \
	    >"$T/OK-$uid.json" && fx_process "$T/OK-$uid.json" "$(fx_bureau_of "$region")" ||
	    fx_fail "approval of $uid" || return 1
	[ "$(fx_outcome "OK-$uid")" = applied ] || fx_fail "approval of $uid" "OK-$uid" || return 1
	# an administrative first password, then the holder's own (ppolicy's
	# pwdMustChange: after an administrative set only a change is allowed)
	(umask 077 && printf 'First-%s-%s' "$uid" "$RANDOM" >"$T/pw0.$uid" &&
	    printf 'Pw-%s-%s-x' "$uid" "$RANDOM" >"$T/pw.$uid")
	ctl passwd "$uid" --password-file "$T/pw0.$uid" >/dev/null ||
	    fx_fail "administrative password of $uid" || return 1
	ldappasswd -x -H "$GPC_LDAPI_URI" -D "$(fx_dn "$uid")" -y "$T/pw0.$uid" \
	    -t "$T/pw0.$uid" -T "$T/pw.$uid" >/dev/null || fx_fail "password change of $uid" ||
	    return 1
	rm -f "$T/secret.$uid"
	ctl enroll "$uid" --no-confirm --secret-file "$T/secret.$uid" >/dev/null ||
	    fx_fail "enrollment of $uid" || return 1
	fx_keep_secrets "$(cat "$T/pw0.$uid")" "$(cat "$T/pw.$uid")" "$(cat "$T/secret.$uid")"
}

fx_keep_secrets() { # VALUE...: for test_zz_no_secrets.sh to look for in every log
	local keep=${GPC_TEST_OUT:-$GPC_SRCDIR/tests/out}/keep v
	mkdir -p "$keep" || return 0
	for v in "$@"; do
		[ -n "$v" ] && (umask 077 && printf '%s\n' "$v" >>"$keep/secrets.list")
	done
	return 0
}

fx_dn() { # UID -> the account's DN
	ldapsearch -LLL -o ldif-wrap=no -x -H "$GPC_LDAPI_URI" -D "$GPC_ROOTDN" -y "$T/root.pw" \
	    -b "ou=units,$GPC_BASE" "(uid=$1)" 1.1 | sed -n 's/^dn: //p'
}

fx_code() { # UID [TIME]
	if [ -n "${2:-}" ]; then
		oathtool --totp -b "$(cat "$T/secret.$1")" -N "$2"
	else
		oathtool --totp -b "$(cat "$T/secret.$1")"
	fi
}

fx_login() { # UID PASSWORD CODE [SERVICE] [OPS...]
	local uid=$1 pw=$2 code=$3 service=${4:-gpcgate}
	shift 4 2>/dev/null || shift $#
	[ $# -gt 0 ] || set -- authenticate
	printf '%s\n%s\n' "$pw" "$code" | gpc_pam "$T" "$service" "$uid" "$@" >"$T/pam.out" 2>&1
}

fx_ldap() {
	ldapsearch -LLL -o ldif-wrap=no -x -H "$GPC_LDAPI_URI" -D "$GPC_ROOTDN" -y "$T/root.pw" "$@"
}
