#!/usr/bin/env bash
# No ID number, phone, real name, password, code or seed in any log
# (DESIGN: audit; PIPL).  This runs its own day of activity through the
# real programs — registrations (one refused for a bad ID number, one for a
# bad mobile), approvals, passwords, enrollments, logins through pamtester
# with right and wrong passwords and codes, names that are an ID number, a
# mobile or a password typed into the user prompt, a suspension with its
# reason text, a change of mobile, a handover to a new holder, a reveal, a
# report with its notices, a key rotation — and then scans everything the
# system wrote about it for every such value:
#
#   scanned   the audit log (audit.syslog on, so its copies go to syslog
#             too), every syslog(3) message of every program (captured by
#             tests/harness/syslogcap.so), gpcgate-provisiond's log,
#             gpcgatectl's stderr, the results in spool/results/
#   not       the documents themselves (spool/applications, decisions,
#   scanned   archive, rejected, tmp: the inputs), the outbox (enrollment
#             notices carry the mobile and the code by design), the
#             directory (not a log), what pamtester shows the user
#
# The values come from tests/data/fixtures.json (every holder's name, ID
# number and mobile; every unit contact's name and phone), the passwords and
# seeds (base32 and hex) this run set, the enrollment codes of the outbox and
# every TOTP code typed.  Long values are searched as substrings of the raw
# bytes and of every JSON string (the audit escapes non-ASCII as \uXXXX);
# codes (6-8 digits) as whole tokens of those strings.
. "$(dirname "$0")/../harness/lib.sh"
t_setup

CAP="${O:-.}/tests/harness/syslogcap.so"
case $CAP in /*) ;; *) CAP="$GPC_SRCDIR/$CAP" ;; esac
export GPC_SYSLOG_FILE=$T/syslog.cap
: >"$GPC_SYSLOG_FILE"
sed -i 's/syslog = false;/syslog = true;/' "$GPC_CONF"
export GPC_PAM_PRELOAD="${GPC_PAM_PRELOAD:+$GPC_PAM_PRELOAD }$CAP"
# a sanitized build: the capture library may come before the ASan runtime
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
export PAM_WRAPPER_USE_SYSLOG=1 # else pam_wrapper keeps pam_syslog's messages to itself
ctl() { LD_PRELOAD=$CAP "$GPC_CTL" -f "$GPC_CONF" "$@" 2>>"$T/ctl.err"; }
fx_run() { LD_PRELOAD=$CAP "$GPC_PROVD" -f "$GPC_CONF" --once -d >>"$T/provd.log" 2>&1; }
CODES=$T/codes.used
: >"$CODES"
code_of() { local c; c=$(fx_code "$@"); echo "$c" >>"$CODES"; echo "$c"; }
wrong_code() { # a code that is not the current one
	local c
	c=$(printf '%06d' $(((10#$(fx_code "$1") + 500001) % 1000000)))
	echo "$c" >>"$CODES"
	echo "$c"
}
OPS=(authenticate acct_mgmt)
# the session group too, once the service files have it
grep -q '^session' "$T/pam.d/gpcgate" && OPS+=(open_session close_session)
login() { # UID PASSWORD CODE -> pamtester's exit status
	fx_login "$1" "$2" "$3" gpcgate "${OPS[@]}"
}

# --- a day of activity --------------------------------------------------------------------------------
for a in "0 0" "0 1" "1 0" "1 1" "2 0" "3 0"; do
	# shellcheck disable=SC2086
	fx_active $a || echo "# fx_active $a failed"
done
fx_doc register 4 0 --id APP-BADID --set account.holder.id_number=150102198001010015 \
    >"$T/badid.json" && fx_process "$T/badid.json"
fx_doc register 4 0 --id APP-BADMOB --set account.holder.mobile=12800000000 >"$T/badmob.json" &&
    fx_process "$T/badmob.json"
t_eq "(two registrations are refused for their values)" \
    "$(fx_outcome APP-BADID) $(fx_outcome APP-BADMOB)" "rejected rejected"

J=150102-02-jb01 S=150102-02-sh01 K=150100-01-jb01 M=150103-03-jb01
t_ok "(a login with the right password and code)" login "$J" "$(cat "$T/pw.$J")" "$(code_of "$J")"
login "$S" "$(cat "$T/pw.$S")" "$(wrong_code "$S")"
login "$S" "wrong-$(cat "$T/pw.$S")" "$(code_of "$S")"
login "$K" "$(cat "$T/pw.$J")" "$(code_of "$K")" # another holder's password
for id in "$(fx_doc get units.1.accounts.0.holder.id_number)" \
    "$(fx_doc get units.1.accounts.0.holder.mobile)" "$(cat "$T/pw.$M")" \
    "$(fx_doc get units.2.accounts.0.holder.name)"; do
	# a holder types an ID number, a mobile, a password or a name as the user name
	fx_login "$id" "$(cat "$T/pw.$M")" "$(code_of "$M")"
done
t_ok "(a login of another account)" login "$M" "$(cat "$T/pw.$M")" "$(code_of "$M")"

# a suspension with the bureau's words, a reinstatement
fx_doc decision suspend 150102 --id SUSP-J --unit 12150102900079199E --account "$J" \
    --reason holder_mismatch --deadline 2099-12-31 --on-deadline terminate >"$T/susp.json" &&
    fx_process "$T/susp.json" 150102
t_eq "(a suspension is applied)" "$(fx_outcome SUSP-J)" applied
login "$J" "$(cat "$T/pw.$J")" "$(code_of "$J")"
fx_doc decision reinstate 150102 --id REIN-J --unit 12150102900079199E --account "$J" \
    >"$T/rein.json" && fx_process "$T/rein.json" 150102
# a change of mobile, a handover to a spare holder
fx_doc change 0 --id APP-CHG --uid "$K" --mobile 13900000099 >"$T/chg.json" &&
    fx_process "$T/chg.json"
fx_doc decision approve 150100 --id OK-CHG --app APP-CHG >"$T/okchg.json" &&
    fx_process "$T/okchg.json" 150100
fx_doc handover 0 1 2 --id APP-HO >"$T/ho.json" && fx_process "$T/ho.json"
fx_doc decision approve 150100 --id OK-HO --app APP-HO >"$T/okho.json" &&
    fx_process "$T/okho.json" 150100
t_eq "(the change and the handover are applied)" "$(fx_outcome OK-CHG) $(fx_outcome OK-HO)" \
    "applied applied"
login 150100-01-sh01 "$(cat "$T/pw.150100-01-sh01")" "$(code_of 150100-01-sh01)" # old holder
# a reveal, a report with notices, a rotation
ctl reveal "$K" --reason "核查 2026-31" >/dev/null
ctl report --notify "$T/audit.log" >/dev/null
ctl keys generate >/dev/null && ctl keys rotate >/dev/null
ctl account show "$K" >/dev/null

# --- what the run must have left, or the scan proves nothing ------------------------------------------------
t_ok "the audit log has lines from the provisioner and gpcgatectl" \
    test "$(grep -c '"prog":"gpcgate-provisiond"' "$T/audit.log")" -gt 5 -a \
    "$(grep -c '"event":"admin"' "$T/audit.log")" -gt 10
t_ok "syslog messages were captured, also from the PAM module in pamtester" \
    grep -q pam_gpcgate "$GPC_SYSLOG_FILE"
t_ok "there are results to scan" test "$(ls "$T/spool/results" | wc -l)" -gt 10
t_ok "codes were typed" test "$(wc -l <"$CODES")" -gt 8

# --- the values ------------------------------------------------------------------------------------------------
python3 - "$GPC_TESTDATA/fixtures.json" "$T" >"$T/values" <<'EOF'
import base64, glob, json, os, sys
fx = json.load(open(sys.argv[1], encoding="utf-8"))
T = sys.argv[2]
out = []
def add(kind, v):
    if v:
        out.append((kind, v))
holders = [a["holder"] for u in fx["units"] for a in u["accounts"]] + fx["spare_holders"]
for h in holders:
    add("name", h["name"]); add("id_number", h["id_number"]); add("mobile", h["mobile"])
for u in fx["units"]:
    add("contact name", u["contact"]["name"]); add("contact phone", u["contact"]["phone"])
for v in fx["invalid"]["id_number"] + fx["invalid"]["mobile"]:
    if len(v["value"]) >= 10:
        add("invalid value", v["value"])
add("mobile", "13900000099")
for f in glob.glob(os.path.join(T, "pw.*")):
    add("password", open(f).read().strip())
for f in glob.glob(os.path.join(T, "secret.*")):
    b32 = open(f).read().strip()
    add("seed (base32)", b32)
    raw = base64.b32decode(b32 + "=" * (-len(b32) % 8))
    add("seed (hex)", raw.hex())
for f in glob.glob(os.path.join(T, "outbox", "*.json")):
    n = json.load(open(f))
    for k in ("code", "enrollment_code"):
        if isinstance(n.get(k), str):
            add("enrollment code", n[k])
for c in open(os.path.join(T, "codes.used")).read().split():
    add("totp code", c)
for kind, v in sorted(set(out)):
    print("%s\t%s" % (kind, v))
EOF
t_ok "(values to look for: names, ID numbers, mobiles, passwords, seeds, codes)" \
    test "$(cut -f1 "$T/values" | sort -u | wc -l)" -ge 9

# --- the scan -------------------------------------------------------------------------------------------------------
LOGS=("$T/audit.log" "$GPC_SYSLOG_FILE" "$T/provd.log" "$T/ctl.err" "$T"/spool/results/*.json)
python3 - "$T/values" "${LOGS[@]}" >"$T/found" <<'EOF'
import json, re, sys
values = [l.rstrip("\n").split("\t", 1) for l in open(sys.argv[1], encoding="utf-8")]

def strings(x):
    """Every string in a JSON value, keys included."""
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
    # JSON documents and JSON lines (also inside syslog lines: "audit {...}")
    for chunk in [raw] + raw.split("\n"):
        start = chunk.find("{")
        if start < 0:
            continue
        try:
            texts.extend(strings(json.loads(chunk[start:])))
        except ValueError:
            pass
    # numbers that are not values: pids, and "pid":N in audit copies
    plain = [re.sub(r'"pid":\s*\d+|\[\d+\]', "", t) for t in texts]
    for kind, v in values:
        if len(v) >= 9 and not v.isdigit() or len(v) >= 10:
            hit = any(v in t for t in texts)
        elif len(v) >= 2:
            pat = re.compile(r"(?<![0-9A-Za-z])" + re.escape(v) + r"(?![0-9A-Za-z])")
            hit = any(pat.search(t) for t in plain)
        else:
            hit = False
        if hit:
            print("%s: %s %s" % (path, kind, v))
EOF
t_eq "no name, ID number, phone, password, seed or code in any log" "$(cat "$T/found")" ""
t_ok "(the scan finds a value that is there: it would fail if one leaked)" \
    python3 -c 'import sys; v=open(sys.argv[1]).read(); sys.exit(0 if "150102197904049038" in v else 1)' \
    "$T/spool/archive/APP-$J.json"

t_done
