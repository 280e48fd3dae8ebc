#!/usr/bin/env bash
# The provisioner's main path and its refusals: a registration becomes a
# pending unit and account, a signed approval makes them active and writes an
# enrollment notice; documents with bad signatures, bad check digits or
# missing fields are refused with their reason codes and change nothing.
. "$(dirname "$0")/../harness/lib.sh"
t_setup

snapshot() { fx_ldap -b "ou=units,$GPC_BASE" '*' | sort; }
unchanged() { snapshot >"$T/after" && cmp -s "$T/before" "$T/after"; }
state_of() { fx_ldap -b "ou=units,$GPC_BASE" "(uid=$1)" gpcState | sed -n 's/^gpcState: //p'; }

# --- a registration ------------------------------------------------------------------
fx_doc register 1 0 --id APP-1 >"$T/app1.json"
fx_process "$T/app1.json"
t_eq "registration is pending" "$(fx_outcome APP-1)" pending
t_eq "the account exists, pending" "$(state_of 150102-02-jb01)" pending
t_eq "the unit exists, pending" "$(fx_ldap -b "gpcUnitCode=12150102900079199E,ou=units,$GPC_BASE" \
    -s base gpcState | sed -n 's/^gpcState: //p')" pending
t_fails "no ID number in clear anywhere in the directory" \
    grep -q 150102197904049038 <(fx_ldap -b "$GPC_BASE" '*' '+')
t_ok "the masked ID is stored" grep -q 'gpcHolderMasked: 150102\*\*\*\*\*\*\*\*9038' \
    <(fx_ldap -b "ou=units,$GPC_BASE" '(uid=150102-02-jb01)' gpcHolderMasked)
t_ok "a verification request for bureau 150102 is in the outbox" \
    grep -q '"bureau": "150102"' "$T/outbox/APP-1.verification.json"
t_ok "the document is archived" test -f "$T/spool/archive/APP-1.json"
t_eq "... readable by the provisioner alone (it holds an ID number)" \
    "$(stat -c %a "$T/spool/archive/APP-1.json")" 600

# --- its approval ------------------------------------------------------------------------
fx_doc decision approve 150102 --id D-1 --app APP-1 >"$T/d1.json"
fx_process "$T/d1.json" 150102
t_eq "approval applied" "$(fx_outcome D-1)" applied
t_eq "the account is active" "$(state_of 150102-02-jb01)" active
notice="$T/outbox/D-1.enrollment.json"
t_ok "an enrollment notice is in the outbox" test -f "$notice"
t_eq "the notice is readable by its owner only" "$(stat -c %a "$notice")" 600
code=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["code"])' "$notice")
t_ok "the notice carries an 8-digit code" grep -qE '^[0-9]{8}$' <<<"$code"
t_fails "the enrollment code is stored only hashed" \
    grep -q "$code" <(fx_ldap -b "ou=units,$GPC_BASE" '(uid=150102-02-jb01)' '*')
t_ok "the signer is recorded in the result" grep -q '"signer"' "$T/spool/results/D-1.json"

# --- refusals that change nothing ------------------------------------------------------------
snapshot >"$T/before"

fx_doc register 2 0 --id APP-BADID --set account.holder.id_number=150102198001010015 >"$T/x.json"
fx_process "$T/x.json"
t_eq "a bad ID check digit is refused" "$(fx_reasons APP-BADID)" invalid_id_number
t_ok "... and changes nothing" unchanged

fx_doc register 2 0 --id APP-BADCODE --set unit.code=111501000000000198 >"$T/x.json"
fx_process "$T/x.json"
t_eq "a bad credit code check character is refused" "$(fx_reasons APP-BADCODE)" \
    invalid_credit_code

fx_doc register 2 0 --id APP-MANY --set account.holder.mobile=12800000000 \
    --set unit.contact=null --set unit.extra=1 --set account.holder.id_number=150102800101001 \
    >"$T/x.json"
fx_process "$T/x.json"
t_eq "every reason is reported, not only the first" "$(fx_reasons APP-MANY)" \
    "invalid_id_number invalid_mobile missing_field unknown_field"
t_ok "... and nothing changed" unchanged

printf '{"type": "gpcgate.application/1", "id": "APP-TRUNC", ' >"$T/trunc.json"
fx_submit "$T/trunc.json" 2>/dev/null # refused by submit: not JSON
cp "$T/trunc.json" "$T/spool/applications/trunc.json"
fx_run
t_ok "a file that is not JSON is moved aside" test -f "$T/spool/rejected/trunc.json"
t_ok "... with its result" grep -q malformed_json "$T/spool/results/trunc.json"
t_fails "... and never silently deleted or left waiting" test -e "$T/spool/applications/trunc.json"

# --- signatures --------------------------------------------------------------------------------
fx_doc register 2 0 --id APP-2 >"$T/app2.json"
fx_process "$T/app2.json"
snapshot >"$T/before"

fx_doc decision approve 150103 --id D-TAMPER --app APP-2 >"$T/dt.json"
fx_sign "$T/dt.json" 150103
sed -i 's/"approve"/"approvf"/' "$T/dt.json" # one byte changed after signing
sed -i 's/"approvf"/"approve"/; s/APP-2"/APP-2" /' "$T/dt.json"
fx_submit "$T/dt.json" "$T/dt.json.sig" && fx_run
t_eq "a decision with a tampered byte is refused" "$(fx_reasons D-TAMPER)" signature_bad
t_ok "... and changes nothing" unchanged

fx_doc decision approve 150102 --id D-WRONG --app APP-2 >"$T/dw.json"
ctl sign "$T/dw.json" --key "$T/pki/other.key" --cert "$T/pki/other.pem" >/dev/null
fx_submit "$T/dw.json" "$T/dw.json.p7s" && fx_run
t_eq "a decision signed by a certificate not configured for its bureau is refused" \
    "$(fx_reasons D-WRONG)" signer_unknown

fx_doc decision approve 150103 --id D-NOSIG --app APP-2 >"$T/dn.json"
fx_submit "$T/dn.json" && fx_run
t_eq "a decision without a signature is refused" "$(fx_reasons D-NOSIG)" signature_missing

fx_doc decision approve 150102 --id D-OTHERFILE --app APP-2 >"$T/do.json"
cp "$T/d1.json.p7s" "$T/do.json.p7s" # the signature of another document
fx_submit "$T/do.json" "$T/do.json.p7s" && fx_run
t_eq "a signature made for another file is refused" "$(fx_reasons D-OTHERFILE)" signature_bad

fx_doc decision approve 150102 --id D-HUGESIG --app APP-2 >"$T/dh.json"
head -c 70000 /dev/urandom >"$T/dh.json.p7s"
fx_submit "$T/dh.json" "$T/dh.json.p7s" && fx_run
t_eq "a signature file larger than any signature is refused, not retried for ever" \
    "$(fx_reasons D-HUGESIG)" signature_malformed
t_fails "... and does not wait in the spool" test -e "$T/spool/decisions/D-HUGESIG.json"

fx_doc decision approve 150102 --id D-JUR --app APP-2 >"$T/dj.json"
fx_process "$T/dj.json" 150102
t_eq "a county bureau deciding for another county is refused" "$(fx_reasons D-JUR)" \
    outside_jurisdiction
t_ok "... and nothing changed" unchanged

fx_doc decision approve 150199 --id D-NOBUREAU --app APP-2 >"$T/dnb.json"
fx_process "$T/dnb.json" 150102
t_eq "an issuer that is not configured is refused" "$(fx_reasons D-NOBUREAU)" \
    issuer_not_configured

# SM2 (raw signature with SM3 and the distinguishing ID) for bureau 150103
fx_doc decision approve 150103 --id D-SM2 --app APP-2 >"$T/ds.json"
fx_process "$T/ds.json" 150103
t_eq "an SM2-signed approval of the 150103 bureau is applied" "$(fx_outcome D-SM2)" applied
t_eq "... and the account is active" "$(state_of 150103-03-jb01)" active

# --- replays ----------------------------------------------------------------------------------------
snapshot >"$T/before"
cp "$T/d1.json" "$T/replay.json"
rm -f "$T/spool/results/D-1.json" # the replay must write it again, from the record
fx_submit "$T/replay.json" "$T/d1.json.p7s" && fx_run
t_eq "the same decision again reports its earlier outcome" "$(fx_outcome D-1)" applied
t_fails "... and is taken out of the spool" test -e "$T/spool/decisions/D-1.json"
t_ok "... and changes nothing" unchanged
fx_doc decision deny 150102 --id D-1 --app APP-1 --reason other >"$T/replay2.json"
fx_process "$T/replay2.json" 150102
t_ok "another document under a used id is refused as duplicate_id" \
    grep -q duplicate_id "$T"/spool/results/D-1~*.json
t_eq "... the first result stands" "$(fx_outcome D-1)" applied
t_ok "... and nothing changed" unchanged

# --- identity rules ---------------------------------------------------------------------------------
fx_doc register 1 1 --id APP-SAME --uid 150102-02-sh09 \
    --set account.holder.id_number=150102197904049038 >"$T/same.json"
fx_process "$T/same.json"
t_eq "the same person as handler and reviewer of one unit is refused" \
    "$(fx_reasons APP-SAME)" "identity_conflict separation_of_duties"
fx_doc register 1 0 --id APP-TAKEN --holder 0 >"$T/taken.json"
fx_process "$T/taken.json"
t_eq "a login name in use is refused" "$(fx_reasons APP-TAKEN)" uid_taken

t_done
