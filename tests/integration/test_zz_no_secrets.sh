#!/usr/bin/env bash
# No ID number, phone, name, password, code or seed in anything the whole
# suite wrote (issue 3, item 16).  Runs last (tests/run takes the shell
# tests in name order) and scans, without a directory of its own:
#
#   - every log of this run of the suite: tests/out (or $GPC_TEST_OUT), the
#     TAP output and stderr of each test program;
#   - what tests kept for it under tests/out/keep/ before their private
#     installation went away (tests/harness/dirtest.sh dt_keep: slapd logs
#     at the stats level, audit logs, dirprobe logs, valgrind reports).
#
# for the values of tests/data/fixtures.json (every holder's and spare
# holder's ID number, mobile and name, every unit contact's name and phone)
# and the secrets tests registered in tests/out/keep/secrets.list
# (fx_keep_secrets: the passwords and seeds — also in hex — of every account
# fx_active makes; the directory tests add every TOTP code they typed).  Complements test_zz_no_personal_data.sh, which runs a day of
# activity of its own and scans everything that run wrote.
. "$(dirname "$0")/../harness/lib.sh"

OUT=${GPC_TEST_OUT:-$GPC_SRCDIR/tests/out}
KEEP=$OUT/keep
SELF=integration/$(basename "$0" .sh).log

find "$OUT" -type f ! -path "$KEEP/secrets.list" ! -path "$OUT/$SELF" 2>/dev/null |
    sort >"$T/files"
if [ ! -s "$T/files" ]; then
	t_report 0 "no logs of other tests to scan # SKIP run the whole suite"
	t_done
fi

# scan VALUES FILES...: "file: kind value" for every value found
scan() {
	python3 - "$@" <<'EOF'
import base64, json, re, sys
values = [l.rstrip("\n").split("\t", 1) for l in open(sys.argv[1], encoding="utf-8") if "\t" in l]
# numbers that are no value: fractions (slapd's qtime/etime), valgrind's
# ==pid==, [pid], "pid":N, hexadecimal
NOISE = re.compile(r'\d+\.\d+|==\d+==|\[\d+\]|"pid":\s*\d+|0x[0-9a-fA-F]+|pid=\d+')

def strings(x):
    if isinstance(x, str):
        yield x
    elif isinstance(x, dict):
        for k, v in x.items():
            yield k
            yield from strings(v)
    elif isinstance(x, list):
        for v in x:
            yield from strings(v)

for path in sys.argv[2:]:
    raw = open(path, "rb").read().decode("utf-8", "replace")
    texts = [raw]
    for line in raw.split("\n"):  # JSON lines: the audit log escapes non-ASCII
        start = line.find("{")
        if start >= 0:
            try:
                texts.extend(strings(json.loads(line[start:])))
            except ValueError:
                pass
    plain = [NOISE.sub(" ", t) for t in texts]
    for kind, v in values:
        if len(v) >= 10 or (len(v) >= 9 and not v.isdigit()) or (not v.isascii() and len(v) >= 2):
            hit = any(v in t for t in texts)
        elif len(v) >= 6:
            pat = re.compile(r"(?<![0-9A-Za-z])" + re.escape(v) + r"(?![0-9A-Za-z])")
            hit = any(pat.search(t) for t in plain)
        else:
            hit = False
        if hit:
            print("%s: %s %s" % (path, kind, v))
EOF
}

python3 - "${GPC_TESTDATA:-$GPC_SRCDIR/tests/data}/fixtures.json" "$KEEP/secrets.list" >"$T/values" <<'EOF'
import base64, binascii, json, os, sys
fx = json.load(open(sys.argv[1], encoding="utf-8"))
out = set()
for h in [a["holder"] for u in fx["units"] for a in u["accounts"]] + fx["spare_holders"]:
    out |= {("name", h["name"]), ("id_number", h["id_number"]), ("mobile", h["mobile"])}
for u in fx["units"]:
    out |= {("contact name", u["contact"]["name"]), ("contact phone", u["contact"]["phone"])}
if os.path.exists(sys.argv[2]):
    for v in open(sys.argv[2], encoding="utf-8").read().split("\n"):
        v = v.strip()
        if not v:
            continue
        if v.isdigit() and len(v) in (6, 8):
            out.add(("totp code", v))
            continue
        out.add(("secret", v))
        try:  # a base32 seed is also looked for as hex
            raw = base64.b32decode(v + "=" * (-len(v) % 8))
            if len(raw) >= 10:
                out.add(("seed (hex)", raw.hex()))
        except (binascii.Error, ValueError):
            pass
for kind, v in sorted(out):
    print("%s\t%s" % (kind, v))
EOF
echo "# $(wc -l <"$T/files") files scanned for $(wc -l <"$T/values") values" \
    "($(cut -f1 "$T/values" | sort | uniq -c | awk '{ n = $1; sub(/^ *[0-9]+ /, ""); printf "%s%s %s", s, n, $0; s = ", " }'))"
t_ok "there are values to look for (fixtures and registered secrets)" \
    test "$(wc -l <"$T/values")" -gt 40
if [ -s "$KEEP/secrets.list" ]; then
	t_ok "... the passwords and seeds of the accounts the suite made among them" \
	    test "$(grep -c '^secret' "$T/values")" -gt 20
else
	t_report 0 "... no secrets registered # SKIP run the whole suite"
fi

mapfile -t files <"$T/files"
scan "$T/values" "${files[@]}" >"$T/found"
t_eq "no ID number, phone, name, password, code or seed in any log of the suite" \
    "$(head -n 20 "$T/found")" ""

# the scan finds what is there: one planted value of each kind
{
	grep -m1 '^id_number' "$T/values" | cut -f2
	grep -m1 '^mobile' "$T/values" | cut -f2 | sed 's/^/mobile=/'
	grep -m1 '^totp code' "$T/values" | cut -f2 | sed 's/^/code: /;s/$/ ok/'
	grep -m1 '^secret' "$T/values" | cut -f2
	echo "qtime=0.000006 etime=0.123456 ==123456== [123456]"
} >"$T/planted"
scan "$T/values" "$T/planted" | sed 's/^[^:]*: //' | cut -d' ' -f1 | sort -u >"$T/kinds"
want="id_number mobile "
grep -q '^secret' "$T/values" && want="${want}secret "
grep -q '^totp code' "$T/values" && want="${want}totp "
t_eq "(a planted ID number, mobile, code and secret would be found)" \
    "$(grep -E '^(id_number|mobile|totp|secret)$' "$T/kinds" | tr '\n' ' ')" "$want"
t_done
