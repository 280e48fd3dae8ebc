#!/usr/bin/env bash
# The account lifecycle through applications and signed decisions: change,
# handover, identity misuse, suspension and reinstatement (also for plain
# LDAP binds), termination, illegal transitions, dated certificates, order
# of arrival, and what gpcgatectl shows of it.
. "$(dirname "$0")/../harness/lib.sh"
t_setup

state_of() { fx_ldap -b "ou=units,$GPC_BASE" "(uid=$1)" gpcState | sed -n 's/^gpcState: //p'; }
attr_of() { fx_ldap -b "ou=units,$GPC_BASE" "(uid=$1)" "$2" | sed -n "s/^$2: //p"; }
bind_as() { ldapwhoami -x -H "$GPC_LDAPI_URI" -D "$(fx_dn "$1")" -y "$T/pw.$1"; }
decide() { # ID ISSUER ACTION ARGS... -> processed, prints the outcome
	local id=$1 issuer=$2 action=$3
	shift 3
	fx_doc decision "$action" "$issuer" --id "$id" "$@" >"$T/$id.json" &&
	    fx_process "$T/$id.json" "$issuer"
	fx_outcome "$id"
}
refused() { # ID ISSUER ACTION ARGS... -> processed, prints "rejected: reasons"
	local id=$1
	decide "$@" >/dev/null
	echo "$(fx_outcome "$id"): $(fx_reasons "$id")"
}

U0=111501009000000065 # unit 0, region 150100 (bureau 150100)
A0=150100-01-jb01
t_ok "an active account for the tests" fx_active 0 0

# --- change -------------------------------------------------------------------------------
fx_doc change 0 --id CHG-1 --uid "$A0" --mobile 13912345678 \
    --set unit.name=新名称示例局 --set unit.contact.phone=0471-6999999 >"$T/chg.json"
fx_process "$T/chg.json"
t_eq "a change application waits for the bureau" "$(fx_outcome CHG-1)" pending
t_ok "... with a verification request" test -f "$T/outbox/CHG-1.verification.json"
t_eq "... and changes nothing yet" "$(attr_of "$A0" mobile)" 13800000001
t_eq "the bureau approves the change" "$(decide CHG-OK 150100 approve --app CHG-1)" applied
t_eq "... the holder's mobile is changed" "$(attr_of "$A0" mobile)" 13912345678
t_ok "... and the unit's fields" grep -q 0471-6999999 \
    <(fx_ldap -b "gpcUnitCode=$U0,ou=units,$GPC_BASE" -s base telephoneNumber)
fx_doc change 0 --id CHG-2 --set account.holder.name=X --uid "$A0" --mobile 13900000000 >"$T/c2.json"
fx_process "$T/c2.json"
t_eq "a change cannot replace the holder (that is a handover)" "$(fx_reasons CHG-2)" invalid_field

# --- handover -------------------------------------------------------------------------------
old_code=$(fx_code "$A0" "$(date -u -d '+30 seconds' '+%Y-%m-%d %H:%M:%S UTC')")
# recovery codes the old holder kept (as a first login stores them: hashed)
gpc_ldap_admin "$T" ldapmodify >/dev/null <<EOF
dn: $(fx_dn "$A0")
changetype: modify
add: gpcRecoveryCode
gpcRecoveryCode: old-holder-recovery-1
gpcRecoveryCode: old-holder-recovery-2
EOF
t_eq "(the old holder has two recovery codes)" \
    "$(fx_ldap -b "$(fx_dn "$A0")" -s base gpcRecoveryCode | grep -c '^gpcRecoveryCode:')" 2
fx_doc handover 0 0 2 --id HO-1 >"$T/ho.json"
fx_process "$T/ho.json"
t_eq "a handover application waits for the bureau" "$(fx_outcome HO-1)" pending
t_ok "... the old holder still works until it is approved" bind_as "$A0"
t_eq "the bureau approves the handover" "$(decide HO-OK 150100 approve --app HO-1)" applied
t_eq "... the account passed to the new holder" "$(attr_of "$A0" gpcHolderMasked)" \
    "150105********9524"
t_fails "... the old holder's password is revoked at once" bind_as "$A0"
t_fails "... so a login with the old password and code fails" \
    fx_login "$A0" "$(cat "$T/pw.$A0")" "$old_code"
t_eq "... no seed, no recovery codes left" "$(attr_of "$A0" gpcTotpSeed)$(attr_of "$A0" gpcRecoveryCode)" ""
t_ok "... a new enrollment code goes to the new holder's mobile" \
    grep -q '"mobile": "13900000023"' "$T/outbox/HO-OK.enrollment.json"
t_eq "... and the account stays active" "$(state_of "$A0")" active

# --- identity misuse ---------------------------------------------------------------------------
fx_doc register 5 0 --id APP-MIS --holder 3 >"$T/mis.json"
fx_process "$T/mis.json"
t_eq "a bureau denies a registration as identity misuse" \
    "$(decide DENY-MIS 150100 deny --app APP-MIS --reason identity_misuse)" applied
t_eq "... the denied account keeps no name, mobile or sealed ID" \
    "$(fx_ldap -b "ou=units,$GPC_BASE" "(uid=150121-06-jb01)" gpcState cn mobile gpcHolderSealed gpcPurgeAfter | grep -c ':')" 3
fx_doc register 7 0 --id APP-MIS2 --holder 3 >"$T/mis2.json"
fx_process "$T/mis2.json"
t_ok "the same identity is flagged on its next attempt" grep -q identity_flagged \
    <(fx_reasons APP-MIS2)
t_eq "approving a denied application is an illegal transition" \
    "$(refused DENY-AGAIN 150100 approve --app APP-MIS)" \
    "rejected: illegal_transition"

# --- suspension and reinstatement --------------------------------------------------------------
t_ok "an account to suspend" fx_active 1 1
A1=150102-02-sh01
U1=12150102900079199E
t_ok "its holder can bind" bind_as "$A1"
t_eq "reinstating an active account is an illegal transition" \
    "$(refused R-0 150102 reinstate --unit $U1 --account $A1)" \
    "rejected: illegal_transition"
t_eq "the bureau suspends it" "$(decide S-1 150102 suspend --unit $U1 --account $A1 \
    --reason holder_mismatch --deadline 2099-12-31 --on-deadline notify)" applied
t_fails "a plain ldapwhoami with the right password is refused" bind_as "$A1"
t_ok "a rectification notice goes to the holder" test -f "$T/outbox/S-1.holder.json"
t_ok "gpcgatectl shows the reason and the deadline" \
    grep -q 'deadline   2099-12-31 (24:00 Asia/Shanghai), then notify' \
    <(ctl account show "$A1")
t_eq "the bureau reinstates it" "$(decide R-1 150102 reinstate --unit $U1 --account $A1)" applied
t_ok "the holder can bind again" bind_as "$A1"
t_eq "... and the deadline is gone" "$(attr_of "$A1" gpcDeadline)" ""

t_eq "a whole unit is suspended" "$(decide S-U 150102 suspend --unit $U1 --reason unit_info \
    --deadline 2099-12-31 --on-deadline terminate)" applied
t_fails "... its accounts cannot bind" bind_as "$A1"
t_eq "... the unit is reinstated" "$(decide R-U 150102 reinstate --unit $U1)" applied
t_ok "... and its active accounts bind again" bind_as "$A1"

# --- termination --------------------------------------------------------------------------------
t_eq "the bureau terminates the account" "$(decide T-1 150102 terminate --unit $U1 \
    --account $A1 --reason not_rectified)" applied
t_eq "... it is terminated" "$(state_of "$A1")" terminated
t_fails "... cannot bind" bind_as "$A1"
t_eq "... no password or sealed ID copy is left" \
    "$(fx_ldap -b "ou=units,$GPC_BASE" "(uid=$A1)" userPassword gpcHolderSealed cn mobile | grep -c ':')" 1
t_ok "... the tombstone keeps the blind index and masked ID" grep -q gpcHolderMasked \
    <(fx_ldap -b "ou=units,$GPC_BASE" "(uid=$A1)" gpcHolderMasked gpcHolderIndex gpcPurgeAfter)
t_eq "anything on a terminated account is an illegal transition" \
    "$(refused R-T 150102 reinstate --unit $U1 --account $A1)" \
    "rejected: illegal_transition"

# --- checks -----------------------------------------------------------------------------------------
t_eq "an unknown target is refused" \
    "$(refused S-X 150102 suspend --unit $U1 --account nobody --reason r --deadline 2099-12-31 \
    --on-deadline notify)" "rejected: unknown_target"
t_eq "an issued_at in the future beyond the skew is refused" \
    "$(refused F-1 150102 suspend --unit $U1 --reason r --deadline 2099-12-31 \
    --on-deadline notify --issued-at "$(date -d '+1 hour' -Iseconds)")" \
    "rejected: issued_in_future"
t_eq "a signer certificate that expired is refused" \
    "$(refused E-1 159901 reinstate --unit $U1)" "rejected: certificate_expired"
t_eq "a signer certificate not yet valid is refused" \
    "$(refused E-2 159902 reinstate --unit $U1)" \
    "rejected: certificate_not_yet_valid"
fx_doc decision reinstate 150102 --id D-UNK --unit $U1 --set extra=1 --set reason=null \
    >"$T/unk.json"
fx_process "$T/unk.json" 150102
t_eq "an unknown field is refused" "$(fx_reasons D-UNK)" unknown_field
fx_doc decision suspend 150102 --id D-MISS --unit $U1 >"$T/miss.json"
fx_process "$T/miss.json" 150102
t_eq "missing fields are refused, every one" "$(fx_reasons D-MISS)" missing_field
t_ok "... naming each field" grep -q '"field": "deadline"' "$T/spool/results/D-MISS.json"
wrong_reasons() { # ID: the reason codes of the wrong-directory result of ID
	python3 -c 'import glob, json, sys
f = glob.glob(sys.argv[1] + "~*.json") or glob.glob(sys.argv[1] + ".json")
print(" ".join(sorted({r["code"] for r in json.load(open(f[0]))["reasons"]})) if f else "none")' \
	    "$T/spool/results/$1"
}
fx_doc register 8 0 --id APP-IN-DEC >"$T/spool/decisions/APP-IN-DEC.json"
fx_run
t_eq "an application in decisions/ has the wrong type" "$(wrong_reasons APP-IN-DEC)" wrong_type
t_ok "... and is moved aside" test -f "$T/spool/rejected/APP-IN-DEC.json"
before=$(cat "$T/spool/results/CHG-1.json")
cp "$T/spool/archive/CHG-1.json" "$T/spool/decisions/CHG-1.json"
fx_run
t_eq "a processed application's copy among the decisions has the wrong type" \
    "$(wrong_reasons CHG-1)" wrong_type
t_eq "... and does not pass for a replay: the first result stands" \
    "$(cat "$T/spool/results/CHG-1.json")" "$before"

# --- order -----------------------------------------------------------------------------------------
t_ok "an account for the order tests" fx_active 2 1
A2=150103-03-sh01
U2=121501039001583807
fx_doc decision suspend 150103 --id ORD-B-SUSP --unit $U2 --account $A2 --reason r \
    --deadline 2099-12-31 --on-deadline notify --issued-at "$(date -d '-20 minutes' -Iseconds)" \
    >"$T/o1.json"
fx_doc decision reinstate 150103 --id ORD-A-REIN --unit $U2 --account $A2 \
    --issued-at "$(date -d '-10 minutes' -Iseconds)" >"$T/o2.json"
fx_sign "$T/o1.json" 150103 && fx_sign "$T/o2.json" 150103
# the later decision is submitted first and sorts first by name
fx_submit "$T/o2.json" "$T/o2.json.sig" && fx_submit "$T/o1.json" "$T/o1.json.sig"
fx_run
t_eq "documents in one batch apply in issued_at order, not arrival order" \
    "$(fx_outcome ORD-B-SUSP) $(fx_outcome ORD-A-REIN) $(state_of "$A2")" "applied applied active"

sed 's/hold_s = 0;/hold_s = 300;/' "$GPC_CONF" >"$T/hold.conf"
fx_doc decision suspend 150103 --id HOLD-SUSP --unit $U2 --account $A2 --reason r \
    --deadline 2099-12-31 --on-deadline notify --issued-at "$(date -d '-9 minutes' -Iseconds)" \
    >"$T/h1.json"
fx_doc decision reinstate 150103 --id HOLD-REIN --unit $U2 --account $A2 \
    --issued-at "$(date -d '-5 minutes' -Iseconds)" >"$T/h2.json"
fx_sign "$T/h1.json" 150103 && fx_sign "$T/h2.json" 150103
fx_submit "$T/h2.json" "$T/h2.json.sig"
"$GPC_PROVD" -f "$T/hold.conf" --once -d >>"$T/provd.log" 2>&1
t_ok "a reinstatement that arrives before its suspension waits in the spool" \
    test -f "$T/spool/decisions/HOLD-REIN.json"
t_fails "... with no result yet" test -f "$T/spool/results/HOLD-REIN.json"
fx_submit "$T/h1.json" "$T/h1.json.sig"
"$GPC_PROVD" -f "$T/hold.conf" --once -d >>"$T/provd.log" 2>&1
t_eq "when the suspension arrives both apply, in order" \
    "$(fx_outcome HOLD-SUSP) $(fx_outcome HOLD-REIN) $(state_of "$A2")" "applied applied active"

# --- what gpcgatectl shows ---------------------------------------------------------------------------
t_ok "account list filters by unit and state" \
    grep -q "^$A1 .*terminated" <(ctl account list --unit $U1 --state terminated)
t_eq "account list --json is JSON" \
    "$(ctl --json account list --state terminated | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" 1
t_ok "unit show lists its accounts" grep -q "account    $A1" <(ctl unit show $U1)
t_ok "outbox list names the notices, never their codes" \
    bash -c "ctl() { \"\$GPC_CTL\" -f \"\$GPC_CONF\" \"\$@\"; }; ctl outbox list | grep -q 'enrollment_code .*HO-OK' && ! ctl --json outbox list | grep -q '\"code\"'"
fx_doc decision suspend 150103 --id DRY-1 --unit $U2 --account $A2 --reason r \
    --deadline 2099-12-31 --on-deadline notify >"$T/dry.json"
fx_sign "$T/dry.json" 150103
t_ok "check dry-runs a document: it would apply" \
    grep -q 'DRY-1 (suspend): would apply' <(ctl check "$T/dry.json" --signature "$T/dry.json.sig")
t_eq "... and nothing changed" "$(state_of "$A2")" active
t_fails "... and no result was written" test -f "$T/spool/results/DRY-1.json"
t_ok "every document was audited" test "$(grep -c '"event":"document"' "$T/audit.log")" -gt 30
t_ok "the audit chain verifies" python3 - "$T/audit.log" <<'EOF'
import hashlib, json, sys
prev = None
for i, line in enumerate(open(sys.argv[1], encoding="utf-8"), 1):
    line = line.rstrip("\n")
    o = json.loads(line)
    want = hashlib.sha256((o["seed"] if i == 1 else prev).encode()).hexdigest()
    assert o["prev"] == want, i
    prev = line
EOF

# --- a new index key version before any rotation -------------------------------------------------
t_ok "a new key version is generated" ctl keys generate
fx_doc register 9 1 --id APP-OLDKEY --holder 2 >"$T/oldkey.json"
fx_process "$T/oldkey.json"
t_eq "an identity indexed under the old key version is still found" \
    "$(fx_reasons APP-OLDKEY)" identity_conflict

t_done
