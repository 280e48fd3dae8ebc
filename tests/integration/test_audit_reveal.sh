#!/usr/bin/env bash
# `gpcgatectl account show` masks the ID number (150102********0014) and the
# mobile (138****0001); `gpcgatectl reveal UID --reason TEXT` gives the ID
# number back from its sealed copy, for a bureau officer, and only when the
# reveal was first written to the audit log with the reason — never with
# the number.
# A reason must be given and must not itself hold an ID or mobile number; a
# copy moved from another entry does not open; a terminated account keeps
# no copy; without the seal key nothing is revealed.
. "$(dirname "$0")/../harness/lib.sh"
t_setup

U=150102-02-jb01
ID=$(fx_doc get units.1.accounts.0.holder.id_number)
U2=150103-03-jb01
ID2=$(fx_doc get units.2.accounts.0.holder.id_number)
fx_active 1 0 && fx_active 2 0 || echo "# fixture accounts failed"
A=$T/audit.log
reveals() { # the reveal lines as "outcome uid reason [error]"
	python3 - "$A" <<'EOF'
import json, sys
for line in open(sys.argv[1]):
    o = json.loads(line)
    if o.get("event") == "admin" and o.get("command") == "reveal":
        assert o["operator"] != "" and o["prog"] == "gpcgatectl"
        print(o["outcome"], o["uid"], o["reason"], o.get("error", ""))
EOF
}

out=$(ctl reveal "$U" --reason "投诉核查 2026-117号")
t_eq "reveal prints the ID number, exit 0" "$? $out" "0 $ID"
t_eq "the reveal is in the audit log with the reason and the operator" "$(reveals)" \
    "success $U 投诉核查 2026-117号 "
t_fails "the number itself is not in the audit log" grep -q "$ID" "$A"
t_ok "the audit log still verifies" ctl audit verify "$A"
t_eq "--json gives uid and number" \
    "$(ctl --json reveal "$U" --reason "case 18" | python3 -c 'import json,sys; v=json.load(sys.stdin); print(v["uid"], v["id_number"])')" \
    "$U $ID"

# --- account show masks; reveal unmasks ----------------------------------------------------------
R=150102-02-sh01
fx_doc register 1 1 --id APP-R --set account.holder.id_number=150102198001010014 \
    --set account.holder.mobile=13800000001 >"$T/r.json" && fx_process "$T/r.json"
fx_doc decision approve 150102 --id OK-R --app APP-R >"$T/okr.json" && fx_process "$T/okr.json" 150102
t_eq "(the account with the design's example ID and mobile is active)" "$(fx_outcome OK-R)" applied
ctl account show "$R" >"$T/show.txt"
t_ok "account show masks the ID number and the mobile: 150102********0014, 138****0001" \
    grep -qF "ID 150102********0014, mobile 138****0001" "$T/show.txt"
t_eq "... in JSON too" "$(ctl --json account show "$R" | python3 -c 'import json,sys; v=json.load(sys.stdin); print(v["id_number"], v["mobile"], v["holder"])')" \
    "150102********0014 138****0001 吴**"
ctl --json account show "$R" >>"$T/show.txt"
t_fails "... and shows neither in clear, nor the holder's full name" \
    grep -qE "150102198001010014|13800000001|$(fx_doc get units.1.accounts.1.holder.name)" "$T/show.txt"
t_eq "reveal gives the number account show masks" \
    "$(ctl reveal "$R" --reason "case 17b")" 150102198001010014

# --- refusals before anything is read ------------------------------------------------------
n=$(reveals | wc -l)
ctl reveal "$U" 2>/dev/null
t_eq "no --reason: usage, exit 2" "$?" 2
ctl reveal "$U" --reason "ok" 2>/dev/null
t_eq "a reason too short to mean anything: exit 2" "$?" 2
ctl reveal "$U" --reason "check $ID please" 2>"$T/err" >"$T/out"
t_eq "a reason holding an ID number is refused, exit 2" "$?" 2
t_ok "... saying why" grep -q "holds an ID number" "$T/err"
ctl reveal "$U" --reason "call 13800000003 back" 2>/dev/null >/dev/null
t_eq "a reason holding a mobile number is refused, exit 2" "$?" 2
t_eq "... and none of these was revealed or logged" "$(reveals | wc -l) $(cat "$T/out")" "$n "
ctl reveal no-such-user --reason "case 19" 2>/dev/null
t_eq "an unknown account: exit 1" "$?" 1

# --- a sealed copy moved into another entry does not open -----------------------------------
dn2=$(fx_ldap -b "ou=units,$GPC_BASE" "(uid=$U2)" 1.1 | sed -n 's/^dn: //p')
sealed1=$(fx_ldap -b "ou=units,$GPC_BASE" "(uid=$U)" gpcHolderSealed | sed -n 's/^gpcHolderSealed: //p')
gpc_ldap_admin "$T" ldapmodify >/dev/null <<EOF
dn: $dn2
changetype: modify
replace: gpcHolderSealed
gpcHolderSealed: $sealed1
EOF
ctl reveal "$U2" --reason "case 20" >"$T/out" 2>"$T/err"
t_eq "a copy from another entry does not open: exit 1, nothing shown" "$? $(cat "$T/out")" "1 "
t_ok "... saying so" grep -q "belongs to another entry" "$T/err"
t_eq "... and the failed attempt is audited" "$(reveals | tail -n 1)" \
    "failure $U2 case 20 sealed value does not verify"

# --- a terminated account keeps no copy --------------------------------------------------------
fx_doc decision terminate 150103 --id TERM-1 --unit 121501039001583807 --account "$U2" \
    --reason holder_mismatch >"$T/term.json" && fx_process "$T/term.json" 150103
t_eq "(the account is terminated)" "$(fx_outcome TERM-1)" applied
ctl reveal "$U2" --reason "case 21" >"$T/out" 2>"$T/err"
t_eq "a terminated account: exit 1, nothing shown" "$? $(cat "$T/out")" "1 "
t_ok "... saying its copy was wiped" grep -q "terminated: it was wiped" "$T/err"
t_eq "... audited as refused" "$(reveals | tail -n 1)" "refused $U2 case 21 no_sealed_copy"

# --- no seal key, no reveal; no audit, no reveal -------------------------------------------------
mkdir -m 700 "$T/nokeys"
sed "s|key_dir = .*|key_dir = \"$T/nokeys\";|" "$GPC_CONF" >"$T/nokeys.conf"
"$GPC_CTL" -f "$T/nokeys.conf" reveal "$U" --reason "case 22" >"$T/out" 2>/dev/null
t_eq "without the seal key: exit 4, nothing shown" "$? $(cat "$T/out")" "4 "
sed "s|file = \"$A\"|file = \"/dev/full\"|" "$GPC_CONF" >"$T/full.conf"
"$GPC_CTL" -f "$T/full.conf" reveal "$U" --reason "case 23" >"$T/out" 2>"$T/err"
t_eq "when the audit line cannot be written: exit 5, nothing shown" "$? $(cat "$T/out")" "5 "
t_ok "... saying why" grep -q "not revealed: the audit log could not be written" "$T/err"

t_done
