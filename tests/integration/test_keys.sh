#!/usr/bin/env bash
# Key rotation: after `keys generate`, `keys rotate` re-seals every sealed
# value (TOTP seeds, sealed ID copies, redo plans) under the new version and
# recomputes blind indexes from the sealed copies; values on the old
# version keep working while a rotation is under way (it is stopped
# half-way here with --limit), a second run finishes it, a third has
# nothing to do.  Tombstones and processed applications keep their old
# blind index (no sealed copy to recompute it from), and a walk over more
# than slapd's 500-entry size limit still sees every entry.
. "$(dirname "$0")/../harness/lib.sh"
# a sanitized module loaded late into pamtester (make asan)
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
t_setup

A=150102-02-jb01
B=150103-03-jb01
C=150121-06-jb01
fx_active 1 0 && fx_active 2 0 && fx_active 5 0 || echo "# fixture accounts failed"
# a registration waiting for its bureau: a pending account with its sealed ID
fx_doc register 3 0 --id APP-WAIT >"$T/wait.json" && fx_process "$T/wait.json"
t_eq "(an application waits, pending)" "$(fx_outcome APP-WAIT)" pending
# a tombstone: terminated, its sealed ID wiped, its blind index kept
fx_doc decision terminate 150100 --id TERM-C --unit 1215012190039595XG --account "$C" \
    --reason holder_mismatch >"$T/term.json" && fx_process "$T/term.json" 150100
t_eq "(a terminated account)" "$(fx_outcome TERM-C)" applied

# a document being applied: its record holds the sealed redo plan
SEALTOOL="${O:-.}/tests/harness/sealtool"
case $SEALTOOL in /*) ;; *) SEALTOOL="$GPC_SRCDIR/$SEALTOOL" ;; esac
SUITE=${GPC_SUITE:-standard}
RDN="gpcDocId=D-INPROGRESS,ou=records,$GPC_BASE"
gpc_ldap_admin "$T" ldapadd >/dev/null <<EOF
dn: $RDN
objectClass: gpcRecord
gpcDocId: D-INPROGRESS
gpcDocType: decision:suspend
gpcOutcome: applying
gpcPlan: $(echo '[]' | "$SEALTOOL" "$T/keys" "$SUITE" seal "$RDN")
EOF
plan() { fx_ldap -b "$RDN" -s base gpcPlan | sed -n 's/^gpcPlan: //p'; }

sealed() { # every sealed value and blind index of the directory, one per line
	fx_ldap -b "$GPC_BASE" '(|(gpcTotpSeed=*)(gpcHolderSealed=*)(gpcAppSealed=*)(gpcPlan=*)(gpcHolderIndex=*))' \
	    gpcTotpSeed gpcHolderSealed gpcAppSealed gpcPlan gpcHolderIndex |
	    grep -E '^(gpcTotpSeed|gpcHolderSealed|gpcAppSealed|gpcPlan|gpcHolderIndex):'
}
count() { sealed | grep -cE "$1"; }
login() { # UID: a login with the password and the current code
	fx_login "$1" "$(cat "$T/pw.$1")" "$(fx_code "$1")"
}
sealed >"$T/v1"
t_eq "before: no sealed value is on version 2" "$(count '^[a-zA-Z]+: [gs]1\$2\$')" 0
t_eq "before: two seeds and three ID copies (one of the pending account) to rotate" \
    "$(count '^gpcTotpSeed:') $(count '^gpcHolderSealed:')" "2 3"

# --- a new version; a dry run changes nothing -------------------------------------------------
t_ok "keys generate makes version 2" grep -q "key version 2 created" <(ctl keys generate)
out=$(ctl keys rotate --dry-run)
t_eq "a dry run exits 0" "$?" 0
t_ok "... and counts the 6 values (with the plan) and 3 indexes to bring forward" \
    grep -q "6 values to re-seal, 3 blind indexes to recompute" <<<"$out"
sealed >"$T/after-dry"
t_ok "... and writes nothing" cmp -s "$T/v1" "$T/after-dry"

# --- stopped half-way: old and new versions side by side, both open ---------------------------
ctl keys rotate --limit 3 >"$T/out"
t_eq "a rotation stopped by --limit exits 1" "$?" 1
t_ok "... and says to run again" grep -q "run again" "$T/out"
t_eq "half-way, 2 values are on version 2 and 3 still on version 1" \
    "$(count '^(gpcTotpSeed|gpcHolderSealed): [gs]1\$2\$') $(count '^(gpcTotpSeed|gpcHolderSealed): [gs]1\$1\$')" \
    "2 3"
t_ok "half-way, account $A logs in" login "$A"
t_eq "half-way, its ID still opens" "$(ctl reveal "$A" --reason "rotation check 1")" \
    "$(fx_doc get units.1.accounts.0.holder.id_number)"

# --- run again: finished --------------------------------------------------------------------
out=$(ctl keys rotate)
t_eq "the second run finishes, exit 0" "$?" 0
t_ok "the redo plan of the document being applied is on version 2, and opens" \
    test "$(plan | cut -c1-5)" = "$(plan | cut -c1-2)\$2\$" -a \
    "$(plan | "$SEALTOOL" "$T/keys" "$SUITE" open "$RDN")" = "[]"
t_eq "no sealed value is left on version 1" "$(count '^(gpcTotpSeed|gpcHolderSealed|gpcAppSealed|gpcPlan): [gs]1\$1\$')" 0
t_eq "the indexes of the three accounts with a sealed ID are on version 2" \
    "$(count '^gpcHolderIndex: [hm]2:')" 3
t_ok "the tombstone and the four applications keep their version-1 index (no sealed copy)" \
    grep -q "5 blind indexes stay on an older index key" <<<"$out"
t_eq "... it is the tombstone's" \
    "$(fx_ldap -b "ou=units,$GPC_BASE" "(uid=$C)" gpcHolderIndex | sed -n 's/^gpcHolderIndex: [hm]\([0-9]*\):.*/\1/p')" 1
t_ok "after rotation, account $B logs in" login "$B"
t_eq "after rotation, its ID opens" "$(ctl reveal "$B" --reason "rotation check 2")" \
    "$(fx_doc get units.2.accounts.0.holder.id_number)"
out=$(ctl --json keys rotate)
t_eq "a third run has nothing to do" \
    "$(python3 -c 'import json,sys; v=json.loads(sys.argv[1]); print(v["resealed"], v["reindexed"], v["failed"])' "$out")" \
    "0 0 0"

# --- what the re-keyed indexes are for ------------------------------------------------------------
fx_doc register 7 0 --id APP-DUP --uid 150123-08-dup1 \
    --set account.holder.id_number="$(fx_doc get units.1.accounts.0.holder.id_number)" \
    >"$T/dup.json" && fx_process "$T/dup.json"
t_eq "after rotation, the same person applying again is still found (identity_conflict)" \
    "$(fx_reasons APP-DUP)" identity_conflict
fx_doc decision approve 150100 --id OK-WAIT --app APP-WAIT >"$T/okw.json" &&
    fx_process "$T/okw.json" 150100
t_eq "the registration that waited through the rotation is approved" "$(fx_outcome OK-WAIT)" applied

# --- the audit trail ------------------------------------------------------------------------------------
t_eq "each rotation is audited with its counts" "$(python3 - "$T/audit.log" <<'EOF'
import json, sys
for line in open(sys.argv[1]):
    o = json.loads(line)
    if o.get("command") == "keys_rotate":
        print(o["outcome"], o["resealed"], o["stopped"])
EOF
)" "success 2 True
success 4 False
success 0 False"

# --- more entries than the size limit ------------------------------------------------------------------
python3 - "$GPC_BASE" "$(sed -n 's/^gpcHolderIndex: \([hm]\).*/\1/p' "$T/v1" | head -n 1)" \
    >"$T/many.ldif" <<'EOF'
import sys
for i in range(600):
    print("dn: uid=t%d,ou=units,%s\nobjectClass: gpcAccount\nuid: t%d\ngpcRole: handler\n"
          "gpcState: terminated\ngpcHolderIndex: %s1:%064x\n" % (i, sys.argv[1], i, sys.argv[2], i))
EOF
gpc_ldap_admin "$T" ldapadd -f "$T/many.ldif" >/dev/null
out=$(ctl --json keys rotate)
t_eq "a walk over 600 more entries than slapd's limit sees them all" \
    "$(python3 -c 'import json,sys; v=json.loads(sys.argv[1]); print(v["kept_index"])' "$out")" 605
# without the provisioner's olcLimits, the walk fails instead of ending short
ldapmodify -Y EXTERNAL -H "$GPC_LDAPI_URI" >/dev/null 2>&1 <<EOF
dn: olcDatabase={1}mdb,cn=config
changetype: modify
delete: olcLimits
EOF
ctl keys rotate >/dev/null 2>"$T/err"
t_eq "a directory that cuts the walk at its size limit: rotation fails (exit 1)" "$?" 1
t_ok "... naming the limit and the fix" grep -q "cut the walk .* at 500 entries (size limit)" "$T/err"

t_done
