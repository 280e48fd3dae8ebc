#!/usr/bin/env bash
# Logins as a new user tries them, with pamtester and oathtool (issue 3,
# "how it will be checked"), and the replay guard when the host clock is set
# back (item 4), with libfaketime in the PAM process only (slapd keeps the
# real time):
#
#  - a fresh code logs in; the same code again is refused; six wrong codes
#    lock the account; the right code while locked is refused;
#  - with the clock 90 s back, a code never used but of a step below the
#    last accepted one is refused as a replay, and the stored step stays;
#  - a login with the clock 5 min ahead moves the guard there: back at the
#    real time, the codes of the steps in between are refused.
. "$(dirname "$0")/../harness/lib.sh"
t_setup

FAKETIME_SO=$(ls /usr/lib/*/faketime/libfaketime.so.1 2>/dev/null | head -n 1)
N=150102-02-jb01 # the new user
C=150102-02-sh01 # the one whose host clock moves
fx_active 1 0 >"$T/fx.log" 2>&1 && fx_active 1 1 >>"$T/fx.log" 2>&1 ||
	{ echo "Bail out! fixture accounts: $(tail -n 3 "$T/fx.log")"; exit 1; }

step_of() { fx_ldap -b "ou=units,$GPC_BASE" "(uid=$1)" gpcTotpStep | sed -n 's/^gpcTotpStep: //p'; }
last_event() { # EVENT FIELD: FIELD of the audit log's last EVENT line
	python3 -c 'import json, sys
ev = [json.loads(l) for l in open(sys.argv[1]) if json.loads(l)["event"] == sys.argv[2]]
print(ev[-1].get(sys.argv[3], "") if ev else "")' "$T/audit.log" "$1" "$2"
}
last_reason() { last_event login reason; }
# fx_login with the PAM process's clock moved by OFFSET (libfaketime syntax, "-90", "+300")
login_at() { # OFFSET UID PASSWORD CODE
	local off=$1
	shift
	GPC_PAM_PRELOAD=$FAKETIME_SO FAKETIME=$off DONT_FAKE_MONOTONIC=1 fx_login "$@"
}

# keep this file's codes inside one step where it matters
now=$(date +%s)
if [ $((now % 30)) -gt 20 ]; then sleep $((31 - now % 30)); fi
now=$(date +%s)

# --- as a new user tries it ---------------------------------------------------------------
pw=$(cat "$T/pw.$N")
code=$(fx_code "$N")
t_ok "a fresh oathtool code logs in (pamtester)" fx_login "$N" "$pw" "$code"
t_fails "the same code again is refused" fx_login "$N" "$pw" "$code"
t_eq "... as a replay" "$(last_reason)" code_replayed
wrong=$(printf '%06d' $(((10#$code + 500001) % 1000000)))
for i in 1 2 3 4 5 6; do
	fx_login "$N" "$pw" "$wrong"
	t_eq "wrong code $i is refused" "$(last_reason)" $([ "$i" -le 5 ] && echo wrong_code || echo locked)
done
t_ok "after five the account is locked" test -n "$(fx_ldap -b "ou=units,$GPC_BASE" "(uid=$N)" \
    gpcLockedUntil | sed -n 's/^gpcLockedUntil: //p')"
t_eq "... and the audit log says so" "$(last_event lockout uid) $(last_event lockout failures)" "$N 5"
t_fails "the right code while locked is refused" fx_login "$N" "$pw" "$(fx_code "$N" "@$((now + 30))")"
t_eq "... as locked" "$(last_reason)" locked
t_ok "... with the same prompts as any other" grep -q 'Password: Verification code: ' "$T/pam.out"

# --- the host clock set back ----------------------------------------------------------------
pw=$(cat "$T/pw.$C")
t_ok "libfaketime moves the PAM process's clock" test -n "$FAKETIME_SO"
t_ok "a login at the real time" fx_login "$C" "$pw" "$(fx_code "$C" "@$now")"
s=$(step_of "$C")
t_eq "the guard holds the step of that code" "$s" $((now / 30))
t_fails "clock 90 s back: an unused code of an earlier step is refused" \
    login_at -90 "$C" "$pw" "$(fx_code "$C" "@$((now - 90))")"
t_eq "... as a replay" "$(last_reason)" code_replayed
t_eq "... and the guard did not move back" "$(step_of "$C")" "$s"
t_fails "clock 30 s back: the spent code, inside that clock's window, is refused too" \
    login_at -30 "$C" "$pw" "$(fx_code "$C" "@$now")"
t_eq "... as a replay" "$(last_reason)" code_replayed

t_ok "clock 5 min ahead: that step's code logs in" \
    login_at +300 "$C" "$pw" "$(fx_code "$C" "@$((now + 300))")"
t_eq "the guard moved to that step" "$(step_of "$C")" $(((now + 300) / 30))
t_fails "clock back to the real time: the next step's unused code is refused" \
    fx_login "$C" "$pw" "$(fx_code "$C" "@$((now + 30))")"
t_eq "... as a replay" "$(last_reason)" code_replayed
t_eq "... and the guard stays ahead" "$(step_of "$C")" $(((now + 300) / 30))
t_done
