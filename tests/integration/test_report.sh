#!/usr/bin/env bash
# `gpcgatectl report` over a synthetic day of audit files from three PAM
# hosts, the provisioner and an old file (tests/harness/auditgen.py): merged
# by time, per account logins/failures/failed codes/hosts/last use, and the
# flags shared (two remote hosts at once), burst, after_handover, dormant and
# locked — in the table, JSON and CSV formats, whose shapes are fixed here.
# Then --unit, --since/--until, a broken chain, the progress indicator on a
# terminal, the directory's accounts (--directory) and the anomaly notices
# to the bureaus (--notify).
. "$(dirname "$0")/../harness/lib.sh"
gpc_env_paths
export TZ=UTC
GEN="$GPC_SRCDIR/tests/harness/auditgen.py"
rep() { "$GPC_CTL" report "$@"; }
D=$T/day
python3 "$GEN" day "$D" --date 2026-11-28 >"$T/expected.json"
FILES=("$D/h1.log" "$D/h2.log" "$D/h3.log" "$D/provd.log" "$D/old.log")

# --- JSON: the flags, account by account --------------------------------------------------------
rep --format json "${FILES[@]}" >"$T/r.json"
t_eq "report exits 0" "$?" 0
t_eq "each account has exactly the flags it should" "$(python3 - "$T/r.json" "$T/expected.json" <<'EOF'
import json, sys
got = {a["uid"]: a["flags"] for a in json.load(open(sys.argv[1]))["accounts"]}
want = json.load(open(sys.argv[2]))
print("same" if got == want else "got %s\nwant %s" % (got, want))
EOF
)" same
t_eq "the model's shape" "$(python3 - "$T/r.json" <<'EOF'
import json, sys
m = json.load(open(sys.argv[1]))
a = {x["uid"]: x for x in m["accounts"]}
s = a["150102-02-sh01"]
print(m["type"], sorted(m), m["period"]["until"], m["summary"])
print(sorted(s), s["hosts"], s["evidence"]["shared"])
print(a["150102-02-jb01"]["logins"], a["150102-02-jb01"]["failed_codes"], a["150102-02-jb01"]["hosts"])
print(a["150103-03-jb01"]["evidence"]["burst"], a["150103-03-jb01"]["evidence"]["locked"])
print(a["150103-03-sh01"]["evidence"]["after_handover"])
print(a["150102-02-jb09"]["evidence"]["dormant"])
print([(u["unit"], u["region"], u["accounts"], u["flagged"]) for u in m["units"]])
print([(f["file"].rsplit("/", 1)[1], f["chain"], f["lines"]) for f in m["files"]])
EOF
)" "gpcgate.report/1 ['accounts', 'files', 'params', 'period', 'summary', 'type', 'units'] 2026-11-28T17:00:00Z {'accounts': 6, 'events': 43, 'flagged': 4, 'unknown_name_failures': 3}
['evidence', 'failed_codes', 'failures', 'flags', 'host_count', 'hosts', 'last_use', 'logins', 'region', 'uid', 'unit'] ['10.1.0.21', '10.9.9.9'] {'at': '2026-11-28T10:30:01Z', 'rhosts': ['10.1.0.21', '10.9.9.9']}
4 1 ['10.1.0.11']
{'at': '2026-11-28T14:04:00Z', 'failures': 6, 'minutes': 10} {'at': '2026-11-28T14:05:01Z'}
{'failures': 2, 'first': '2026-11-28T09:15:00Z', 'handover': '2026-11-28T08:00:00Z'}
{'days': 120, 'since': '2026-07-31T09:00:00Z'}
[('12150102900079199E', '150102', 3, 2), ('121501039001583807', '150103', 3, 2)]
[('h1.log', 'intact', 17), ('h2.log', 'intact', 12), ('h3.log', 'intact', 15), ('provd.log', 'intact', 3), ('old.log', 'intact', 2)]"
rep --format json "$D/old.log" "$D/h3.log" "$D/provd.log" "$D/h2.log" "$D/h1.log" |
    python3 -c 'import json,sys; m=json.load(sys.stdin); print(json.dumps(m["accounts"], sort_keys=True))' >"$T/a1"
python3 -c 'import json,sys; m=json.load(open(sys.argv[1])); print(json.dumps(m["accounts"], sort_keys=True))' \
    "$T/r.json" >"$T/a2"
t_ok "files are merged by time: their order does not matter" cmp -s "$T/a1" "$T/a2"
t_eq "--json is --format json" "$("$GPC_CTL" --json report "${FILES[@]}" | md5sum)" "$(md5sum <"$T/r.json")"

# --- CSV: exactly this ---------------------------------------------------------------------------
t_eq "CSV" "$(rep --format csv "${FILES[@]}")" \
"unit,uid,region,logins,failures,failed_codes,hosts,last_use,flags
12150102900079199E,150102-02-jb01,150102,4,1,1,1,2026-11-28T15:00:01Z,
12150102900079199E,150102-02-jb09,150102,1,0,0,1,2026-07-31T09:00:00Z,dormant
12150102900079199E,150102-02-sh01,150102,2,0,0,2,2026-11-28T10:30:01Z,shared
121501039001583807,150103-03-jb01,150103,0,7,6,0,,burst;locked
121501039001583807,150103-03-jb02,150103,2,3,3,2,2026-11-28T16:30:01Z,
121501039001583807,150103-03-sh01,150103,0,2,0,0,,after_handover"

# --- the table: exactly this ---------------------------------------------------------------------
t_eq "table" "$(rep "${FILES[@]}")" \
"UNIT                UID             LOGINS  FAILURES  FAILED_CODES  HOSTS  LAST_USE              FLAGS
12150102900079199E  150102-02-jb01       4         1             1      1  2026-11-28T15:00:01Z  -
12150102900079199E  150102-02-jb09       1         0             0      1  2026-07-31T09:00:00Z  dormant
12150102900079199E  150102-02-sh01       2         0             0      2  2026-11-28T10:30:01Z  shared
121501039001583807  150103-03-jb01       0         7             6      0  -                     burst,locked
121501039001583807  150103-03-jb02       2         3             3      2  2026-11-28T16:30:01Z  -
121501039001583807  150103-03-sh01       0         2             0      0  -                     after_handover

6 accounts, 4 flagged, period - .. 2026-11-28T17:00:00Z, 5 files, 43 events
  150102-02-jb09  dormant: not used for 120 days, since 2026-07-31T09:00:00Z
  150102-02-sh01  shared: sessions from 10.1.0.21 and 10.9.9.9 at once, 2026-11-28T10:30:01Z
  150103-03-jb01  burst: 6 failed codes within 10 minutes, 2026-11-28T14:04:00Z
  150103-03-jb01  locked: 2026-11-28T14:05:01Z
  150103-03-sh01  after_handover: 2 failed attempts after the handover of 2026-11-28T08:00:00Z, first 2026-11-28T09:15:00Z"

# --- options ----------------------------------------------------------------------------------------------
flags_of() { python3 -c 'import json,sys; print(" ".join("%s=%s" % (a["uid"], ",".join(a["flags"]) or "-") for a in json.load(sys.stdin)["accounts"]))'; }
t_eq "--unit keeps one unit's accounts" "$(rep --format json --unit 121501039001583807 "${FILES[@]}" | flags_of)" \
    "150103-03-jb01=burst,locked 150103-03-jb02=- 150103-03-sh01=after_handover"
t_eq "--since counts only the period; the dormant account stays listed, with no logins" \
    "$(rep --format csv --since 2026-11-28 "${FILES[@]}" | grep jb09)" \
    "12150102900079199E,150102-02-jb09,150102,0,0,0,0,2026-07-31T09:00:00Z,dormant"
t_eq "--until before the overlap: not shared" \
    "$(rep --format json --until 2026-11-28T10:00:00Z "${FILES[@]}" | flags_of | tr ' ' '\n' | grep 02-sh01)" \
    "150102-02-sh01=-"
t_eq "--burst 7/10: six failed codes are no longer a burst" \
    "$(rep --format json --burst 7/10 "${FILES[@]}" | flags_of | tr ' ' '\n' | grep 03-jb01)" \
    "150103-03-jb01=locked"
t_eq "--burst 3/60: three wrong codes in an hour are one" \
    "$(rep --format json --burst 3/60 "${FILES[@]}" | flags_of | tr ' ' '\n' | grep 03-jb02)" \
    "150103-03-jb02=burst"
t_eq "--dormant-days 200: not dormant yet" \
    "$(rep --format json --dormant-days 200 "${FILES[@]}" | flags_of | tr ' ' '\n' | grep jb09)" \
    "150102-02-jb09=-"
t_eq "--handover-days 1 still covers the same morning" \
    "$(rep --format json --handover-days 1 "${FILES[@]}" | flags_of | tr ' ' '\n' | grep 03-sh01)" \
    "150103-03-sh01=after_handover"
rep --format xml "${FILES[@]}" 2>/dev/null
t_eq "an unknown format: exit 2" "$?" 2
rep 2>/dev/null
t_eq "no file: exit 2" "$?" 2
rep "$T/none.log" 2>/dev/null
t_eq "an unreadable file: exit 5" "$?" 5

# --- a broken chain is reported, the report is still made ------------------------------------------------
sed '5d' "$D/h1.log" >"$T/h1-cut.log"
rep "$T/h1-cut.log" "$D/h2.log" >"$T/cut.out"
t_eq "a file with a removed line: the report is made, exit 0" "$?" 0
t_ok "... with a warning naming the file and the line" \
    grep -q "warning: $T/h1-cut.log: line 5: prev does not match" "$T/cut.out"

# --- progress on a terminal only ---------------------------------------------------------------------------
python3 "$GEN" big "$T/big.log" --lines 6000 --date 2026-11-28
t_ok "(the big file is over 1 MiB)" test "$(stat -c %s "$T/big.log")" -gt 1048576
script -qec "'$GPC_CTL' report '$T/big.log' >/dev/null" /dev/null >"$T/tty.out" 2>&1
t_ok "on a terminal, reading a large file shows progress on stderr" \
    grep -q "reading $T/big.log  100%" "$T/tty.out"
rep "$T/big.log" 2>"$T/notty.err" >/dev/null
t_eq "not on a terminal: no progress" "$(cat "$T/notty.err")" ""

# --- with the directory, and notices to the bureaus ---------------------------------------------------------
t_setup
unset TZ
DAY=$T/day2
python3 "$GEN" day "$DAY" >/dev/null # yesterday
F2=("$DAY"/*.log)
fx_active 0 0 && fx_active 0 1 || echo "# fixture accounts failed"
# 150100-01-jb01 last logged in 200 days ago; 150100-01-sh01 was just approved, never used
old=$(date -u -d '200 days ago' +%Y%m%d%H%M%SZ)
gpc_ldap_admin "$T" ldapmodify >/dev/null <<EOF
dn: $(fx_ldap -b "ou=units,$GPC_BASE" '(uid=150100-01-jb01)' 1.1 | sed -n 's/^dn: //p')
changetype: modify
replace: gpcLastLogin
gpcLastLogin: $old
EOF
ctl report --format json "${F2[@]}" | flags_of >"$T/nodir"
t_fails "without --directory, accounts absent from the files are not known" grep -q 150100 "$T/nodir"
ctl report --format json --directory "${F2[@]}" | flags_of >"$T/dir"
t_ok "with --directory, an active account unused for 200 days is dormant" \
    grep -qw "150100-01-jb01=dormant" "$T/dir"
t_fails "... and one approved today is not listed" grep -q "150100-01-sh01" "$T/dir"

ctl report --notify "${F2[@]}" >/dev/null 2>"$T/notify.err"
t_eq "--notify: exit 0" "$?" 0
t_ok "... says how many notices it wrote" grep -q "2 anomaly notices written" "$T/notify.err"
n1=$(ls "$T"/outbox/anomaly.12150102900079199E.*.json 2>/dev/null)
n2=$(ls "$T"/outbox/anomaly.121501039001583807.*.json 2>/dev/null)
t_ok "one notice per flagged unit" test -f "$n1" -a -f "$n2"
t_eq "... readable by its owner only" "$(stat -c %a "$n1")" 600
t_eq "... to the bureau of each unit's region, with the flagged accounts" "$(python3 - "$n1" "$n2" <<'EOF'
import json, sys
for f in sys.argv[1:]:
    n = json.load(open(f))
    print(n["type"], n["kind"], n["to"], n["unit"], [(a["uid"], a["flags"]) for a in n["accounts"]])
EOF
)" "gpcgate.notice/1 anomaly {'bureau': '150102'} 12150102900079199E [('150102-02-jb09', ['dormant']), ('150102-02-sh01', ['shared'])]
gpcgate.notice/1 anomaly {'bureau': '150103'} 121501039001583807 [('150103-03-jb01', ['burst', 'locked']), ('150103-03-sh01', ['after_handover'])]"
ctl report --notify "${F2[@]}" >/dev/null 2>&1
t_eq "a second run over the same period replaces its notices" "$(ls "$T"/outbox/anomaly.* | wc -l)" 2
t_eq "each --notify run is audited" "$(python3 - "$T/audit.log" <<'EOF'
import json, sys
for line in open(sys.argv[1]):
    o = json.loads(line)
    if o.get("command") == "report_notify":
        print(o["outcome"], o["notices"], o["units"])
EOF
)" "success 2 ['12150102900079199E', '121501039001583807']
success 2 ['12150102900079199E', '121501039001583807']"

# --- the period's last second ---------------------------------------------------------------------
# Two sessions of one account from two hosts, the second opened in the very
# second of the file's last event: both are open at the end, so they overlap.
python3 - "$T/last.log" <<'EOF'
import hashlib, json, sys
def dump(o):
    return json.dumps(o, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
seed = "ab" * 32
prev = hashlib.sha256(seed.encode()).hexdigest()
events = [
    {"event": "audit_start", "seed": seed, "ts": "2026-11-28T09:00:00.000Z"},
    {"event": "session_open", "ts": "2026-11-28T09:00:01.000Z", "uid": "150102-02-jb01",
     "unit": "12150102900079199E", "service": "sshd", "rhost": "10.0.0.1", "tty": "ssh",
     "sid": "1" * 32},
    {"event": "session_open", "ts": "2026-11-28T09:30:00.250Z", "uid": "150102-02-jb01",
     "unit": "12150102900079199E", "service": "sshd", "rhost": "10.0.0.2", "tty": "ssh",
     "sid": "2" * 32},
]
with open(sys.argv[1], "w") as f:
    for e in events:
        e.update({"host": "h1", "prog": "pam_gpcgate", "pid": 1, "prev": prev})
        line = dump(e)
        f.write(line + "\n")
        prev = hashlib.sha256(line.encode()).hexdigest()
EOF
t_ok "a session opened in the last event's second still overlaps one open before it" \
    grep -q '"shared"' <(rep --format json "$T/last.log")

t_done
