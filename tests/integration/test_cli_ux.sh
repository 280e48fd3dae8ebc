#!/usr/bin/env bash
# What gpcgatectl and gpcgate-provisiond tell a newcomer, from a newcomer's
# evaluation: every message names the file and the real reason (errno's
# words, the mode or owner it has and the one it needs), once; the second
# factor's lockout is shown and `unlock` lifts it, never a suspension's
# lock; a password too short is told the policy's minimum; each signature
# failure says what to do; usage errors say what is missing in one line;
# key generation says what comes next; `check` on a processed document says
# so; the daemon lists its options; the outbox names addressees by kind;
# the enrollment QR code fits a terminal.
. "$(dirname "$0")/../harness/lib.sh"
t_setup

# run a command: its standard error in $out, its exit status in $rc
err() {
	"$@" >"$T/err.out" 2>"$T/err.txt"
	rc=$?
	out=$(cat "$T/err.txt")
}
lines() { grep -c '' <<<"$1"; }
nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
conf_with() { # NAME SED-EXPRESSION: a copy of the configuration, changed
	sed "$2" "$GPC_CONF" >"$T/$1.conf"
	chmod 0644 "$T/$1.conf"
	echo "$T/$1.conf"
}

A=150102-02-jb01
U1=12150102900079199E
fx_active 1 0 || { echo "Bail out! fixture account"; exit 1; }

# --- 1. file errors: the file and the reason, once ------------------------------------------
err ctl audit verify "$T/nonexistent.log"
t_eq "audit verify of a missing file names errno's reason" "$out" \
    "gpcgatectl: $T/nonexistent.log: cannot read: No such file or directory"
err ctl audit verify "$T/keys"
t_eq "... of a directory: Is a directory" "$out" \
    "gpcgatectl: $T/keys: cannot read: Is a directory"
echo '{}' >"$T/unreadable.log"
chmod 0600 "$T/unreadable.log"
chmod o+x "$T" # nobody may reach files in $T, not list them
err nobody "$GPC_CTL" audit verify "$T/unreadable.log"
t_eq "... of a file the user cannot read: Permission denied" "$out" \
    "gpcgatectl: $T/unreadable.log: cannot read: Permission denied"
err ctl report "$T/nonexistent.log"
t_eq "report of a missing file names errno's reason" "$out" \
    "gpcgatectl: $T/nonexistent.log: No such file or directory"

c=$(conf_with nopw "s|writer_password_file = .*|writer_password_file = \"$T/none.pw\";|")
err "$GPC_CTL" -f "$c" account show "$A"
t_eq "a missing writer password file: its name and errno's reason, in one line" "$out" \
    "gpcgatectl: error: service password file $T/none.pw: No such file or directory"
t_eq "... exit 4" "$rc" 4
chmod 0644 "$T/writer.pw"
err ctl account show "$A"
chmod 0600 "$T/writer.pw"
t_eq "a secret file open to others: its mode and the rule, printed once" "$out" \
    "gpcgatectl: error: service password file $T/writer.pw: mode 0644, must not be readable or writable by group or others (chmod 600)"
chmod 0644 "$T/keys/seal-v1.key"
err ctl account show "$A"
chmod 0600 "$T/keys/seal-v1.key"
t_eq "a key file open to others: the key file and its mode" "$out" \
    "gpcgatectl: keys in $T/keys: seal-v1.key: mode 0644, must not be readable or writable by group or others (chmod 600)"
c=$(conf_with nob "s|audit.log|audit-nobody.log|")
err nobody "$GPC_CTL" -f "$c" keys rotate --dry-run
t_eq "a key directory the user cannot read: Permission denied, exit 4" "$out $rc" \
    "gpcgatectl: keys in $T/keys: Permission denied 4"
chmod 0664 "$GPC_CONF"
err ctl account show "$A"
chmod 0644 "$GPC_CONF"
t_eq "a configuration writable by others: which rule, with its mode" "$out" \
    "gpcgatectl: $GPC_CONF: mode 0664, must not be writable by group or others: refused"
c=$(conf_with owned "")
chown 65534 "$c"
err "$GPC_CTL" -f "$c" account show "$A"
t_eq "a configuration owned by someone else: which owner, and who may own it" "$out" \
    "gpcgatectl: $c: owned by uid 65534, must be owned by root or you (uid 0): refused"

# --- 2. the second factor's lockout, and unlock -----------------------------------------------
for i in 1 2 3 4 5; do fx_login "$A" "$(cat "$T/pw.$A")" 000000; done
show=$(ctl account show "$A")
t_ok "account show tells the codes are locked, until when, and how to unlock" \
    grep -qE "^codes +locked until [0-9T:-]+Z after 5 wrong codes \(gpcgatectl unlock $A\)" <<<"$show"
t_ok "... and that the password is not (binds work)" grep -q "^password   not locked" <<<"$show"
t_eq "... in JSON too" "$(ctl --json account show "$A" | python3 -c 'import json,sys
v = json.load(sys.stdin)
print(v["totp_locked"], v["totp_failure_limit"], "totp_locked_until" in v, v["password_lock"])')" \
    "True 5 True none"
fx_login "$A" "$(cat "$T/pw.$A")" "$(fx_code "$A")"
t_report $((! $?)) "(the right code is refused while locked)" "$T/pam.out"
t_ok "unlock lifts the lockout" grep -q "lockout after wrong codes .* is lifted" \
    <(ctl unlock "$A")
t_ok "... the right code works again" fx_login "$A" "$(cat "$T/pw.$A")" \
    "$(fx_code "$A" "$(date -u -d '+30 seconds' '+%Y-%m-%d %H:%M:%S UTC')")"
t_ok "... and it is audited as an admin event unlock" \
    grep -q '"command":"unlock".*"outcome":"success".*"uid":"'"$A" "$T/audit.log"
bind() { ldapwhoami -x -H "$GPC_LDAPI_URI" -D "$(fx_dn "$A")" -y "$T/pw.$A" >/dev/null 2>&1; }
for i in $(seq 10); do
	ldapwhoami -x -H "$GPC_LDAPI_URI" -D "$(fx_dn "$A")" -w wrong >/dev/null 2>&1
done
t_fails "(ppolicy locks the password after 10 wrong ones)" bind
t_ok "account show says so" grep -q "^password   locked: binds refused after wrong passwords" \
    <(ctl account show "$A")
t_ok "unlock lifts ppolicy's lock after wrong passwords" \
    grep -q "password lock after wrong passwords is lifted" <(ctl unlock "$A")
t_ok "... binds work again" bind
fx_doc decision suspend 150102 --id SUSP-1 --unit $U1 --account "$A" --reason holder_mismatch \
    --deadline 2099-12-31 --on-deadline notify >"$T/susp.json" && fx_process "$T/susp.json" 150102
t_eq "(the bureau suspends the account)" "$(fx_outcome SUSP-1)" applied
out=$(ctl unlock "$A")
t_ok "unlock never lifts a suspension's lock: it says so" grep -q "suspension .* stays" <<<"$out"
t_fails "... and binds stay refused" bind
t_eq "... the administrative lock is still there" "$(fx_ldap -b "$(fx_dn "$A")" -s base \
    pwdAccountLockedTime | sed -n 's/^pwdAccountLockedTime: //p')" 000001010000Z

# --- 3. the password rule ---------------------------------------------------------------------
fx_active 2 0 || echo "# second fixture account failed"
B=150103-03-jb01
printf 'short' >"$T/short.pw" && chmod 0600 "$T/short.pw"
err ctl passwd "$B" --password-file "$T/short.pw"
t_eq "passwd says the policy's minimum length" "$out" \
    "gpcgatectl: password refused: Password is too short for policy (at least 10 characters)"
t_eq "... exit 1" "$rc" 1
chmod 0644 "$T/short.pw"
err ctl passwd "$B" --password-file "$T/short.pw"
t_eq "a password file open to others: its mode" "$out" \
    "gpcgatectl: $T/short.pw: mode 0644, must not be readable or writable by group or others (chmod 600)"

# --- 4. signature failures say what to do -----------------------------------------------------
dec() { # ID ISSUER -> $T/ID.json, a reinstatement of unit 1
	fx_doc decision reinstate "$2" --id "$1" --unit $U1 >"$T/$1.json"
}
msg() { python3 -c 'import json,sys
print(json.load(sys.stdin)["reasons"][0]["message"])'; }
dec SIG-NONE 150102
t_eq "no signature: the two files it looks for" "$(ctl --json check "$T/SIG-NONE.json" | msg)" \
    "no SIG-NONE.json.p7s or SIG-NONE.json.sig next to the document"
dec SIG-OTHER 150102
"$GPC_CTL" sign "$T/SIG-OTHER.json" --key "$T/pki/ec.key" --cert "$T/pki/ec.pem" >/dev/null
fp=$(openssl x509 -in "$T/pki/ec.pem" -noout -fingerprint -sha256 | sed 's/.*=//; s/://g' |
    tr A-F a-f)
t_eq "another bureau's certificate: not pinned, with its fingerprint (never its subject)" \
    "$(ctl --json check "$T/SIG-OTHER.json" | msg)" \
    "signed by a certificate not pinned for bureau 150102 (SHA-256 fingerprint $fp)"
dec SIG-BAD 150102
fx_sign "$T/SIG-BAD.json" 150102 && echo >>"$T/SIG-BAD.json"
t_eq "a changed file: changed after signing, or made for another file" \
    "$(ctl --json check "$T/SIG-BAD.json" | msg)" \
    "SIG-BAD.json.p7s does not verify over this file (changed after signing, or made for another file)"
dec SIG-EXP 159901
fx_sign "$T/SIG-EXP.json" 159901
t_ok "an expired certificate: the date it expired" grep -q "which expired at 2021-01-01T00:00:00Z" \
    <(ctl --json check "$T/SIG-EXP.json" | msg)
dec SIG-FUT 159902
fx_sign "$T/SIG-FUT.json" 159902
t_ok "a certificate not yet valid: the date it starts" grep -q "valid only from 2090-01-01T00:00:00Z" \
    <(ctl --json check "$T/SIG-FUT.json" | msg)
c=$(conf_with nocert "s|$T/pki/rsa.pem|$T/pki/gone.pem|")
dec SIG-NOCERT 150102
fx_sign "$T/SIG-NOCERT.json" 150102
t_eq "an unreadable bureau certificate: the path from the configuration and why" \
    "$("$GPC_CTL" -f "$c" --json check "$T/SIG-NOCERT.json" | msg)" \
    "bureau 150102's certificate file cannot be read (No such file or directory): $T/pki/gone.pem"

# --- 5. usage errors: one line, what is missing ------------------------------------------------
err ctl sign "$T/SIG-NONE.json" --key "$T/pki/rsa.key"
t_eq "sign without --cert: says so in one line, exit 2" "$out $rc" \
    "gpcgatectl: sign needs --cert CERT; see gpcgatectl --help 2"
err ctl account show
t_eq "account show without a UID: says so in one line, exit 2" "$out $rc" \
    "gpcgatectl: account show: name the account (account show UID); see gpcgatectl --help 2"
err "$GPC_CTL" account list --json
t_eq "--json after the command: where it goes" "$out $rc" \
    "gpcgatectl: --json is a global option: gpcgatectl --json account list 2"
err ctl account list --state bogus
t_eq "an unknown state is refused with the list of states" "$out $rc" \
    "gpcgatectl: --state bogus: not a state (pending, active, denied, suspended, terminated); see gpcgatectl --help 2"
cp "$T/pki/rsa.key" "$T/open.key" && chmod 0644 "$T/open.key"
err ctl sign "$T/SIG-NONE.json" --key "$T/open.key" --cert "$T/pki/rsa.pem"
t_eq "a signing key open to others: the file and the mode it needs, exit 4" "$out $rc" \
    "gpcgatectl: key $T/open.key: mode 0644, must not be readable or writable by group or others (chmod 600) 4"
err ctl unit show 123
t_eq "unit show with a code that cannot name a unit: exit 2" "$rc" 2
t_ok "... saying why" grep -q "123: not a unit code" <<<"$out"
err ctl unit show "$(fx_doc get units.0.code)" # not registered here
t_eq "unit show of a well-formed code with no unit: exit 1" "$rc" 1

# --- 6. key messages ----------------------------------------------------------------------------
(umask 077 && mkdir "$T/keys2")
c=$(conf_with keys2 "s|$T/keys|$T/keys2|")
out=$("$GPC_CTL" -f "$c" keys generate)
t_ok "the first keys generate: nothing to rotate" grep -q "first version, so there is nothing to rotate" <<<"$out"
t_fails "... and does not ask for a rotation" grep -q "keys rotate" <<<"$out"
out=$("$GPC_CTL" -f "$c" keys generate)
t_ok "a second one: a running daemon reloads (SIGHUP), then keys rotate" \
    grep -q "reload a running gpcgate-provisiond (SIGHUP.*keys rotate" <<<"$out"
t_fails "... no restart" grep -qi "restart" <<<"$out"
ctl keys generate >/dev/null
out=$(ctl keys rotate)
t_ok "keys rotate names what keeps an old blind index: applications" \
    grep -qE "blind indexes stay on an older index key, of [0-9]+ applications? \(" <<<"$out"
t_fails "... not tombstones or identity flags, which there are none of" \
    grep -qE "tombstone|identity flag" <<<"$out"

# --- 7. check on a processed document ------------------------------------------------------------
out=$(ctl check "$T/OK-$A.json")
t_eq "check of a processed document: exit 1" "$?" 1
t_ok "... says it was processed and that submitting it again changes nothing" \
    grep -qE "^OK-$A: already processed \(applied on [0-9T:-]+Z\); submitting it again changes nothing" \
    <<<"$out"
t_eq "... in JSON: already_processed" "$(ctl --json check "$T/OK-$A.json" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["already_processed"])')" True
echo '{"type": "something/1", "id": "JUNK-1"}' >"$T/junk.json"
t_eq "check of a document of another type: what the type must be, no spool directory" \
    "$(ctl --json check "$T/junk.json" | msg)" \
    "the document's type must be gpcgate.application/1 or gpcgate.decision/1"

# --- 8. the daemon's options -------------------------------------------------------------------
out=$("$GPC_PROVD" --help)
t_eq "gpcgate-provisiond --help exits 0" "$?" 0
t_ok "... one line per option" bash -c 'for o in "-d " "-f CONF" "-n " "--once" "--help"; do
	grep -q -- "^  $o\|^  -h, $o" <<<"$1" || exit 1; done' _ "$out"

# --- 9. the outbox's addressees ------------------------------------------------------------------
fx_doc decision suspend 150102 --id SUSP-U --unit $U1 --reason unit_info --deadline 2099-12-31 \
    --on-deadline notify >"$T/suspu.json" && fx_process "$T/suspu.json" 150102
outbox=$(ctl outbox list)
t_ok "outbox: an enrollment code goes to the holder's mobile" \
    grep -qE "^enrollment_code +OK-$A .* holder mobile$" <<<"$outbox"
t_ok "... a holder's rectification notice too (the same words)" \
    grep -qE "^rectification_notice +SUSP-1 .* holder mobile$" <<<"$outbox"
t_ok "... a unit's to the unit's phone" grep -qE "^rectification_notice +SUSP-U .* unit phone$" \
    <<<"$outbox"
t_ok "... a verification request to its bureau" \
    grep -qE "^verification_request .* bureau 150102$" <<<"$outbox"

# --- 10. the enrollment QR code fits an 80x24 terminal ----------------------------------------------
C=150103-03-jb01
ctl enroll "$C" --secret-file "$T/qr.secret" </dev/null >"$T/qr.out" 2>/dev/null
qr=$(grep -E '█|▀|▄' "$T/qr.out")
t_ok "the QR code is at most 49 columns wide (version 6 with its quiet zone)" \
    test "$(python3 -c 'import sys; print(max(len(l) for l in sys.stdin.read().splitlines()))' \
    <<<"$qr")" -le 49
t_ok "... and at most 25 lines high" test "$(lines "$qr")" -le 25

# --- what applicants wrote cannot drive the administrator's terminal ---------------------------
fx_doc register 9 0 --id APP-ESC >"$T/esc.json"
python3 - "$T/esc.json" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
doc["unit"]["name"] = "Evil\x1b]0;pwned\x07\x1b[2J\u202eemaN"
doc["unit"]["address"] = "line\x1b[1A\x1b[2Kover\u2066x\u2069"
json.dump(doc, open(sys.argv[1], "w"), ensure_ascii=False)
PY
fx_process "$T/esc.json"
ctl unit show 12150125900712716A >"$T/esc.out" 2>&1
t_ok "unit show prints the unit" grep -q "Evil" "$T/esc.out"
t_fails "... without its escape sequences" grep -q $'\x1b' "$T/esc.out"
# as bytes: $'\u...' depends on the locale, and CI has none
t_fails "... or its bidirectional overrides" \
    grep -qF -e $'\xe2\x80\xae' -e $'\xe2\x81\xa6' "$T/esc.out"
t_ok "--json keeps the data as it is (escaped by JSON)" \
    grep -qi '\\u001b' <(ctl --json unit show 12150125900712716A)

t_done
