#!/usr/bin/env bash
# The audit log from the command line: eight processes appending 1000 lines
# each through lib/audit.c lose nothing and interleave nothing; `gpcgatectl
# audit verify` says "N lines, chain intact" (exit 0) or names the first
# line that does not verify (exit 1): one changed byte in line K is found at
# line K+1 "...line K was changed...", a removed line where it was, a cut
# head at line 1.  And gpcgatectl's administrative commands leave "admin"
# lines that name the command, its outcome and the operator.
. "$(dirname "$0")/../harness/lib.sh"
t_setup

AW="${O:-.}/tests/harness/auditwrite"
case $AW in /*) ;; *) AW="$GPC_SRCDIR/$AW" ;; esac
L=$T/concurrent.log

# --- eight writers at once -------------------------------------------------------------
pids=()
for w in 0 1 2 3 4 5 6 7; do
	"$AW" "$L" "$w" 1000 &
	pids+=($!)
done
rc=0
for p in "${pids[@]}"; do wait "$p" || rc=1; done
t_eq "eight writers of 1000 lines each all succeed" "$rc" 0
t_eq "the file has exactly 8000 lines and its start line" "$(wc -l <"$L")" 8001
t_ok "every line is one JSON object; each writer's lines are all there, in order" \
    python3 - "$L" <<'EOF'
import json, sys
lines = open(sys.argv[1], encoding="ascii").read().split("\n")
assert lines[-1] == "", "no final newline"
lines = lines[:-1]
assert json.loads(lines[0])["event"] == "audit_start"
nxt = [0] * 8
for text in lines[1:]:
    o = json.loads(text)
    assert isinstance(o, dict) and o["event"] == "test"
    assert o["seq"] == nxt[o["writer"]], "writer %d: %d after %d" % (o["writer"], o["seq"], nxt[o["writer"]])
    nxt[o["writer"]] += 1
assert nxt == [1000] * 8, nxt
EOF
out=$(ctl audit verify "$L")
t_eq "verify: intact, exit 0" "$?" 0
t_ok "verify says how many lines and that the chain is intact" \
    grep -qE "^$L: 8001 lines, chain intact \(last line sha256 [0-9a-f]{64}\)$" <<<"$out"

# --- one changed byte in line K ----------------------------------------------------------
K=4321
python3 - "$L" "$T/changed.log" "$K" <<'EOF'
import sys
lines = open(sys.argv[1], "rb").read().split(b"\n")
k = int(sys.argv[3]) - 1
i = lines[k].index(b'"seq":') + 6
digit = lines[k][i:i + 1]
lines[k] = lines[k][:i] + (b"8" if digit == b"9" else bytes([digit[0] + 1])) + lines[k][i + 1:]
open(sys.argv[2], "wb").write(b"\n".join(lines))
EOF
t_eq "the copy differs from the original in one byte, in line $K" \
    "$(cmp -l "$L" "$T/changed.log" | wc -l) $(diff "$L" "$T/changed.log" | head -n 1)" "1 ${K}c${K}"
out=$(ctl audit verify "$T/changed.log")
t_eq "verify: a changed byte, exit 1" "$?" 1
t_eq "verify names line K+1 as not following line K, and says line K changed" "$out" \
    "$T/changed.log: line $((K + 1)): prev does not match the hash of line $K: line $K was changed, or lines were removed between $K and $((K + 1))"

# --- a removed line ------------------------------------------------------------------------
sed '5000d' "$L" >"$T/removed.log"
out=$(ctl audit verify "$T/removed.log")
t_eq "verify: a removed line, exit 1" "$?" 1
t_ok "verify points where the line was removed" \
    grep -q "line 5000: prev does not match the hash of line 4999" <<<"$out"

# --- a cut head, a cut tail ------------------------------------------------------------------
tail -n +11 "$L" >"$T/head.log"
out=$(ctl audit verify "$T/head.log")
t_eq "verify: a file cut at its head, exit 1" "$?" 1
t_eq "... at line 1, saying the head is missing" "$out" \
    "$T/head.log: line 1: no seed: the file does not start a chain (its head was cut)"
head -c -30 "$L" >"$T/tail.log"
t_ok "a file cut in its last line is reported as cut short" \
    grep -q "line 8001: not terminated" <(ctl audit verify "$T/tail.log")

# --- several files, JSON, errors -------------------------------------------------------------
ctl audit verify "$L" "$T/removed.log" >"$T/two.out"
t_eq "several files: exit 1 when one is broken" "$?" 1
t_eq "... and each file is reported" "$(wc -l <"$T/two.out")" 2
ctl --json audit verify "$T/changed.log" >"$T/v.json"
t_eq "--json gives the bad line" \
    "$(python3 -c 'import json,sys; v=json.load(open(sys.argv[1]))[0]; print(v["intact"], v["bad_line"])' "$T/v.json")" \
    "False $((K + 1))"
ctl audit verify "$T/no-such-file" 2>/dev/null
t_eq "an unreadable file: exit 5" "$?" 5
ctl audit 2>/dev/null
t_eq "no subcommand: usage, exit 2" "$?" 2
: >"$T/empty.log"
t_eq "an empty file verifies" "$(ctl audit verify "$T/empty.log")" "$T/empty.log: 0 lines, chain intact"

# --- gpcgatectl's own lines ----------------------------------------------------------------------
fx_active 1 0 || echo "# fx_active failed"
A=$T/audit.log
admin() { # command -> its admin lines, as "outcome operator uid"
	python3 - "$A" "$1" <<'EOF'
import json, sys
for line in open(sys.argv[1]):
    o = json.loads(line)
    if o.get("event") == "admin" and o.get("command") == sys.argv[2]:
        print(o["outcome"], o["operator"] != "", o.get("uid", "-"), o["prog"])
EOF
}
t_eq "keys generate is audited" "$(admin keys_generate)" "success True - gpcgatectl"
t_eq "submit is audited, once per document" "$(admin submit | sort -u)" "success True - gpcgatectl"
t_eq "... twice here (an application and a decision)" "$(admin submit | wc -l)" 2
t_eq "passwd is audited with the account" "$(admin passwd)" "success True 150102-02-jb01 gpcgatectl"
t_eq "enroll is audited with the account" "$(admin enroll)" "success True 150102-02-jb01 gpcgatectl"
ctl passwd 150102-02-jb01 --password-file "$T/pw.150102-02-jb01" >/dev/null 2>&1 # history
t_eq "a refused passwd is audited as a failure" "$(admin passwd | tail -n 1)" \
    "failure True 150102-02-jb01 gpcgatectl"
t_ok "the installation's audit log verifies" ctl audit verify "$A"
t_fails "no password in the audit log" grep -qF "$(cat "$T/pw.150102-02-jb01")" "$A"

t_done
