#!/usr/bin/env bash
# Whoever may submit may put anything into the spool.  What they put there
# must not make the provisioner read a file it should not (a link to a
# notice holding an enrollment code), block it (a FIFO), take a bureau's
# decision id away from the bureau, replace the result of a processed
# document, nor forge a log line; a pinned certificate others may write is
# not believed; a document too large to keep is refused at once.
. "$(dirname "$0")/../harness/lib.sh"
t_setup

SP=$T/spool
U=150102-02-jb01
UNIT=12150102900079199E
state_of() { fx_ldap -b "ou=units,$GPC_BASE" "(uid=$1)" gpcState | sed -n 's/^gpcState: //p'; }
records() { # ID: the keys of the records of this id (gpcDocId has no substring match)
	fx_ldap -b "ou=records,$GPC_BASE" '(objectClass=gpcRecord)' gpcDocId |
	    sed -n 's/^gpcDocId: //p' | grep -E "(^|:)$1\$" | sort | tr '\n' ' ' | sed 's/ $//'
}
field() { # RESULT-NAME KEY: a top-level field of results/NAME.json ("-" when absent)
	python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get(sys.argv[2], "-"))' \
	    "$SP/results/$1.json" "$2" 2>/dev/null
}
said() { grep -q -- "$1" "$T/said"; } # what the last t_fails printed (cp'd to $T/said)
messages() { python3 -c 'import json,sys
print(" | ".join(r["message"] for r in json.load(open(sys.argv[1]))["reasons"]))' \
	    "$SP/results/$1.json" 2>/dev/null; }
put() { # FILE NAME DIR: into the spool by the contract (tmp/, then rename)
	cp "$1" "$SP/tmp/.put" && mv "$SP/tmp/.put" "$SP/$3/$2"
}
beside() { # ID: the one results/ID~*.json there should be
	ls "$SP/results/" | grep -F "$1~" | grep -v '~unreadable' | head -n 1 | sed 's/\.json$//'
}
run_once() { # the provisioner, bounded: a blocked one fails the test instead of hanging it
	timeout -k 5 30 "$GPC_PROVD" -f "$GPC_CONF" --once -d >"$T/once.log" 2>&1
}

fx_active 1 0 || { echo "Bail out! an active account"; exit 1; }
APPROVAL=OK-$U
NOTICE=$T/outbox/$APPROVAL.enrollment.json

# --- a link to a notice ---------------------------------------------------------------------
# The registering unit knows everything in an enrollment notice but the
# code: its SHA-256 in a result would give the code away (10^8 guesses).
cp -p "$NOTICE" "$T/notice.before"
ln -s "$NOTICE" "$SP/applications/peek.json"
run_once
t_eq "a link in the spool is refused" "$(fx_outcome peek) $(fx_reasons peek)" \
    "rejected malformed_json"
t_ok "... as not a regular file, unread" grep -q 'not a regular file' <<<"$(messages peek)"
t_eq "... and its result gives no digest of anything" "$(field peek digest)" -
t_ok "... nor any 64 hex digits" eval "! grep -Eq '[0-9a-f]{64}' '$SP/results/peek.json'"
t_ok "... the link itself is moved to rejected/, not followed" test -L "$SP/rejected/peek.json"
t_ok "... and the notice is untouched" cmp "$NOTICE" "$T/notice.before"

# a hard link is the notice itself under a second name: refused the same way
ln "$NOTICE" "$SP/applications/peek2.json"
run_once
t_eq "a hard link in the spool is refused" "$(fx_outcome peek2) $(fx_reasons peek2)" \
    "rejected malformed_json"
t_eq "... unread: no digest" "$(field peek2 digest)" -
t_ok "... nor any 64 hex digits" eval "! grep -Eq '[0-9a-f]{64}' '$SP/results/peek2.json'"
t_ok "... and the notice stays where it was, untouched" cmp "$NOTICE" "$T/notice.before"

# a decision's signature that is a link (here to a good signature) is not followed either
fx_doc decision suspend 150102 --id D-SIGLINK --unit $UNIT --account $U --reason holder_mismatch \
    --deadline 2099-12-31 --on-deadline notify >"$T/siglink.json"
fx_sign "$T/siglink.json" 150102
ln -s "$T/siglink.json.p7s" "$SP/decisions/D-SIGLINK.json.p7s"
put "$T/siglink.json" D-SIGLINK.json decisions
run_once
t_eq "a signature that is a link is refused, unread" "$(fx_reasons D-SIGLINK)" \
    signature_malformed
t_eq "... nothing is recorded under the decision's id" "$(records D-SIGLINK)" ""
t_eq "... and the account is as it was" "$(state_of $U)" active

# --- FIFOs ----------------------------------------------------------------------------------------
mkfifo "$SP/applications/AAA.json"
fx_doc register 3 0 --id APP-AFTER-FIFO >"$T/after.json" && fx_submit "$T/after.json"
t_ok "a FIFO among the applications does not block the provisioner" run_once
t_eq "... the document behind it is processed" "$(fx_outcome APP-AFTER-FIFO)" pending
t_eq "... the FIFO is refused" "$(fx_reasons AAA)" malformed_json
t_ok "... and moved aside, still a FIFO" test -p "$SP/rejected/AAA.json"

mkfifo "$SP/decisions/DDD.json.p7s"
fx_doc decision suspend 150102 --id DDD --unit $UNIT --account $U --reason holder_mismatch \
    --deadline 2099-12-31 --on-deadline notify >"$T/ddd.json"
put "$T/ddd.json" DDD.json decisions
t_ok "a FIFO as a decision's signature does not block it either" run_once
t_eq "... the decision is refused" "$(fx_reasons DDD)" signature_malformed
t_eq "... and nothing recorded" "$(records DDD)" ""

mkfifo "$T/check.fifo.json"
t_eq "gpcgatectl check of a FIFO refuses it rather than wait" \
    "$(timeout 20 "$GPC_CTL" -f "$GPC_CONF" check "$T/check.fifo.json" >/dev/null 2>&1; echo $?)" 1

# --- a bureau's decision id -----------------------------------------------------------------------
ID=150102-2026-000777
cat >"$T/squat.json" <<JSON
{"type":"gpcgate.decision/1","id":"$ID","issuer":"150102","issued_at":"2026-01-01T00:00:00+08:00","action":"suspend","x":"y"}
JSON
fx_submit "$T/squat.json"
run_once
t_eq "an unsigned, malformed decision is refused" "$(fx_reasons $ID)" \
    "missing_field signature_missing unknown_field"
t_eq "... and nothing is recorded under the bureau's id" "$(records $ID)" ""
fx_doc decision suspend 150102 --id $ID --unit $UNIT --account $U --reason holder_mismatch \
    --deadline 2099-12-31 --on-deadline notify >"$T/real.json"
fx_process "$T/real.json" 150102
t_eq "the bureau's signed decision with that id is applied" "$(fx_outcome $ID)" applied
t_eq "... the account is suspended" "$(state_of $U)" suspended
t_eq "... recorded as a decision's" "$(records $ID)" "d:$ID"
t_eq "... its result where the bureau looks for it; the squatter's moved beside, kept" \
    "$(field $ID untrusted) $(fx_outcome "$(beside $ID)") $(field "$(beside $ID)" untrusted)" \
    "- rejected True"

ID2=150102-2026-000778
fx_doc register 3 1 --id $ID2 >"$T/app2.json" && fx_process "$T/app2.json"
t_eq "an application may use any id, a bureau's next one too" "$(fx_outcome $ID2)" pending
fx_doc decision reinstate 150102 --id $ID2 --unit $UNIT --account $U >"$T/real2.json"
fx_process "$T/real2.json" 150102
t_eq "... the bureau's decision with that id is applied all the same" \
    "$(fx_outcome "$(beside $ID2)")" applied
t_eq "... the account is active again" "$(state_of $U)" active
t_eq "... applications and decisions are recorded apart" \
    "$(records $ID2)" "a:$ID2 d:$ID2"

# a malformed decision the bureau did sign is its own: refused, and its id used
fx_doc decision suspend 150102 --id D-SIGNED-BAD --unit $UNIT --account $U \
    --reason holder_mismatch --deadline 2099-12-31 --on-deadline notify \
    --set extra=1 >"$T/sb.json"
fx_process "$T/sb.json" 150102
t_eq "a signed but malformed decision is refused" "$(fx_reasons D-SIGNED-BAD)" unknown_field
t_eq "... and recorded under its id" "$(records D-SIGNED-BAD)" "d:D-SIGNED-BAD"

# a decision that names no issuer: nobody's, refused at once, and the run goes on
cat >"$T/noissuer.json" <<JSON
{"type":"gpcgate.decision/1","id":"D-NOISSUER","issued_at":"2026-01-01T00:00:00+08:00","action":"reinstate","target":{"unit":"$UNIT","account":"$U"}}
JSON
fx_submit "$T/noissuer.json"
t_ok "a decision without an issuer does not fail the run" run_once
t_eq "... it is refused" "$(fx_outcome D-NOISSUER)" rejected
t_ok "... for the missing issuer" grep -qw missing_field <<<"$(fx_reasons D-NOISSUER)"
t_eq "... nothing is recorded" "$(records D-NOISSUER)" ""
t_ok "... and it is moved out of the spool" test ! -e "$SP/decisions/D-NOISSUER.json"

# --- results of processed documents -----------------------------------------------------------------
cp "$SP/results/$APPROVAL.json" "$T/approval.result"
echo 'not json' >"$T/junk"
put "$T/junk" "$APPROVAL.json" applications
run_once
t_ok "a file that is not JSON, named like a processed document, leaves its result alone" \
    cmp "$SP/results/$APPROVAL.json" "$T/approval.result"
t_eq "... its own result is beside it" "$(fx_outcome "$APPROVAL~unreadable") \
$(fx_reasons "$APPROVAL~unreadable")" "rejected malformed_json"
t_ok "... and the file is in rejected/" test -f "$SP/rejected/$APPROVAL.json"

fx_doc decision approve 150102 --id "$APPROVAL" --app "APP-$U" >"$T/unsigned.json"
fx_submit "$T/unsigned.json" && run_once
t_ok "an unsigned decision under a processed id leaves its result alone" \
    cmp "$SP/results/$APPROVAL.json" "$T/approval.result"
t_eq "... and is refused beside it" "$(fx_reasons "$(beside "$APPROVAL")")" signature_missing

cp "$SP/archive/$APPROVAL.json" "$T/copy.json"
put "$T/copy.json" "$APPROVAL.json" applications
run_once
t_ok "a copy of it among the applications (wrong_type) leaves its result alone" \
    cmp "$SP/results/$APPROVAL.json" "$T/approval.result"
t_eq "... the copy's result is beside it" \
    "$(grep -l wrong_type "$SP/results/$APPROVAL"~*.json | wc -l)" 1

# gpcgatectl results ID shows them all: the first, and the others under that id
n_beside=$(ls "$SP/results/" | grep -c -F "$APPROVAL~")
t_eq "gpcgatectl --json results ID: the first result, the others under \"also\"" \
    "$(ctl --json results "$APPROVAL" | python3 -c 'import json,sys
o = json.load(sys.stdin)
print(o["outcome"], len(o.get("also", [])), sorted(set(a["outcome"] for a in o["also"])))')" \
    "applied $n_beside ['rejected']"
ctl results "$APPROVAL" >"$T/results.txt"
t_ok "... and in words: the others are announced" \
    grep -q "^$n_beside other document(s) came with the id $APPROVAL:" "$T/results.txt"
t_eq "... each of them printed" "$(grep -c '^[^ ].*: rejected' "$T/results.txt")" "$n_beside"
t_fails "... an id with no result exits 1" ctl results NO-SUCH-ID
t_eq "gpcgatectl --json results: every result in results/" \
    "$(ctl --json results | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" \
    "$(ls "$SP/results/" | grep -c '\.json$')"

# --- a pinned certificate others may write ---------------------------------------------------------
chmod 666 "$T/pki/rsa.pem"
t_fails "gpcgate-provisiond -n refuses a pinned certificate others may write" \
    "$GPC_PROVD" -f "$GPC_CONF" -n
cp "$T/t.out" "$T/said"
t_ok "... and says which rule it breaks" \
    said "bureau certificate $T/pki/rsa.pem: mode 0666, must not be writable by group or others"
fx_doc decision suspend 150102 --id D-PIN --unit $UNIT --account $U --reason holder_mismatch \
    --deadline 2099-12-31 --on-deadline notify >"$T/pin.json"
fx_process "$T/pin.json" 150102
t_eq "a decision checked against that certificate is refused" "$(fx_reasons D-PIN)" \
    bureau_certificate_insecure
t_eq "... nothing is recorded and nothing changes" \
    "$(records D-PIN)$(state_of $U)" active
chmod 644 "$T/pki/rsa.pem"
chown 65534 "$T/pki/rsa.pem"
t_fails "... nor one owned by another user" "$GPC_PROVD" -f "$GPC_CONF" -n
cp "$T/t.out" "$T/said"
t_ok "... (said so)" said "owned by uid 65534, must be owned by root or you"
chown 0 "$T/pki/rsa.pem"
t_ok "... and -n passes once it is root's, mode 0644" "$GPC_PROVD" -f "$GPC_CONF" -n
cp "$T/pki/rsa.pem" "$T/ca.pem" && chmod 666 "$T/ca.pem"
sed "s|^  operation_timeout_ms = 5000;|&\n  ca_file = \"$T/ca.pem\";|" "$GPC_CONF" >"$T/ca.conf"
chmod 644 "$T/ca.conf"
t_fails "directory.ca_file others may write is refused by -n" "$GPC_PROVD" -f "$T/ca.conf" -n
cp "$T/t.out" "$T/said"
t_ok "... (said so)" said "directory.ca_file $T/ca.pem: mode 0666"
t_fails "... and by the provisioner" "$GPC_PROVD" -f "$T/ca.conf" --once -d
cp "$T/t.out" "$T/said"
t_ok "... (said so)" said "ca_file.*must not be writable"

# --- too large ------------------------------------------------------------------------------------
export FX
python3 - >"$T/huge.json" <<'EOF'
import json, os, subprocess
d = json.loads(subprocess.check_output(["python3", os.environ["FX"], "register", "5", "0",
                                        "--id", "H-huge"]))
d["unit"]["name"] = "名" * 23000  # about 70 kB
print(json.dumps(d, ensure_ascii=False))
EOF
t_fails "gpcgatectl submit refuses a document over 64 KiB" ctl submit "$T/huge.json"
cp "$T/t.out" "$T/said"
t_ok "... saying so" said "larger than 64 KiB"
put "$T/huge.json" H-huge.json applications
t_ok "one put into the spool is dealt with in one run (exit 0)" run_once
t_eq "... refused at once" "$(fx_outcome H-huge) $(fx_reasons H-huge)" "rejected malformed_json"
t_ok "... as larger than 64 KiB" grep -q "larger than 64 KiB" <<<"$(messages H-huge)"
t_ok "... and not left waiting" test -f "$SP/rejected/H-huge.json"
python3 - >"$T/dollars.json" <<'EOF'
import json, os, subprocess
d = json.loads(subprocess.check_output(["python3", os.environ["FX"], "register", "6", "0",
                                        "--id", "H-dollars"]))
d["unit"]["address"] = "$" * 30000  # 30 kB, three times that once escaped for postalAddress
print(json.dumps(d, ensure_ascii=False))
EOF
fx_submit "$T/dollars.json"
t_ok "a document under 64 KiB asking for changes over 64 KiB is dealt with in one run" run_once
t_eq "... refused" "$(fx_outcome H-dollars) $(fx_reasons H-dollars)" "rejected malformed_json"

# --- what reaches a message ---------------------------------------------------------------------------
fx_doc register 2 0 --id APP-L >"$T/l.json"
IDN=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["account"]["holder"]["id_number"])' \
    "$T/l.json")
sed 's/"id_number": "\([0-9X]*\)"/"id_number": "\1/' "$T/l.json" >"$T/l-broken.json"
t_fails "gpcgatectl submit refuses JSON that does not parse" ctl submit "$T/l-broken.json"
cp "$T/t.out" "$T/said"
t_ok "... saying why" said "not JSON"
t_fails "... without quoting the holder's ID number" said "$IDN"
printf 'x' >"$SP/applications/$(printf 'nl\nfake: decision X: applied.json')"
run_once
t_eq "a file name with a newline cannot forge a log line" \
    "$(grep -c '^fake' "$T/once.log")" 0
t_ok "... the name is logged escaped" grep -qF 'nl\x0afake' "$T/once.log"

# --- what the directory would refuse to store ----------------------------------------------------
fx_doc register 5 0 --id APP-KIND --set kind=注册 >"$T/kind.json"
fx_doc register 5 0 --id APP-YEAR1 --set submitted_at=0001-01-01T00:00:00+08:00 >"$T/year1.json"
fx_submit "$T/kind.json" && fx_submit "$T/year1.json"
t_ok "an unknown kind in any script, a year-1 time: the run still ends well" run_once
t_eq "... the kind is refused" "$(fx_outcome APP-KIND) $(fx_reasons APP-KIND)" \
    "rejected invalid_field"
# as UTF-8, or as the \u escapes of a writer that keeps its output ASCII
t_fails "... and not echoed into its result" \
    grep -qiF -e "注册" -e '\u6ce8\u518c' "$SP/results/APP-KIND.json"
t_fails "... nor into the audit" grep -qiF -e "注册" -e '\u6ce8\u518c' "$T/audit.log"
t_eq "... the time is refused" "$(fx_outcome APP-YEAR1) $(fx_reasons APP-YEAR1)" \
    "rejected invalid_time"
t_eq "... both recorded" "$(records APP-KIND) $(records APP-YEAR1)" "a:APP-KIND a:APP-YEAR1"

# --- names at the file system's limit --------------------------------------------------------------
LONG=$(printf 'n%.0s' $(seq 250)).json
echo 'not json' >"$T/junk"
put "$T/junk" "$LONG" applications && run_once
put "$T/junk" "$LONG" applications
t_ok "a second file under a 255-byte name, refused: the run still ends well" run_once
t_eq "... both are kept in rejected/, the second under a cut name" \
    "$(ls "$SP/rejected" | grep -c '^nnnnnnnnnn')" 2
t_eq "... and nothing is left waiting" "$(ls "$SP/applications" | grep -c '^nnnnnnnnnn')" 0

# --- a document half applied holds the later ones back -----------------------------------------------
ts() { date -u -d "$1" +%Y-%m-%dT%H:%M:%SZ; }
locked() { fx_ldap -b "ou=units,$GPC_BASE" "(uid=$U)" pwdAccountLockedTime | grep -c '^pwdAccountLockedTime'; }
fx_doc decision suspend 150102 --id HALF-S1 --unit $UNIT --account $U --reason holder_mismatch \
    --deadline 2099-12-31 --on-deadline notify --issued-at "$(ts '-30 min')" >"$T/h1.json"
fx_process "$T/h1.json" 150102
fx_doc decision reinstate 150102 --id HALF-R --unit $UNIT --account $U \
    --issued-at "$(ts '-20 min')" >"$T/hr.json"
fx_doc decision suspend 150102 --id HALF-S2 --unit $UNIT --account $U --reason holder_mismatch \
    --deadline 2099-12-31 --on-deadline notify --issued-at "$(ts '-10 min')" >"$T/h2.json"
for f in hr h2; do fx_sign "$T/$f.json" 150102 && fx_submit "$T/$f.json" "$T/$f.json.p7s"; done
mkdir "$T/outbox/HALF-R.holder.json" # its notice cannot be written: the plan stops half-way
run_once
t_eq "a reinstatement stopped half-way is not finished, and nothing after it is decided" \
    "$(records HALF-R) $(fx_outcome HALF-S2)" "d:HALF-R "
t_ok "... the log says why" grep -q "HALF-R.*half applied\|not processed" "$T/once.log"
rmdir "$T/outbox/HALF-R.holder.json"
run_once
t_eq "once it can be finished, the later suspension applies on it" \
    "$(fx_outcome HALF-R) $(fx_outcome HALF-S2) $(state_of $U) $(locked)" \
    "applied applied suspended 1"

# --- the same bytes, unsigned and then signed: two verdicts, two audit lines ------------------------------
fx_doc decision reinstate 150102 --id D-AUD --unit $UNIT --account $U >"$T/aud.json"
fx_submit "$T/aud.json" && run_once
fx_sign "$T/aud.json" 150102 && fx_submit "$T/aud.json" "$T/aud.json.p7s" && run_once
t_eq "an unsigned copy refused, then the signed document applied: each audited" \
    "$(grep '"event":"document"' "$T/audit.log" | grep '"id":"D-AUD"' |
        sed -n 's/.*"outcome":"\([a-z]*\)".*/\1/p' | tr '\n' ' ')" "rejected applied "
t_eq "... and the account is active" "$(state_of $U)" active

t_done
