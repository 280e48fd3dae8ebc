#!/usr/bin/env python3
"""Feed a batch into a spool and compare what two runs left behind.

  spoolcmp.py feed BATCH SPOOL
      copy BATCH/{applications,decisions}/* into SPOOL by the spool
      contract: into SPOOL/tmp/ first, then rename(2) into place, a
      decision's signature before the document.
  spoolcmp.py ldif < LDIF > NORMALISED
      an ldapsearch -LLL -o ldif-wrap=no dump with the values that differ
      from run to run replaced (see VOLATILE), entries and attributes sorted.
  spoolcmp.py results SPOOL > SUMMARY
      one line per results/*.json: name, outcome, reason codes, effects
      with times masked.
  spoolcmp.py outbox OUTBOX > SUMMARY
      one line per notice: name and body without the code and the times.
  spoolcmp.py audit AUDITLOG > SUMMARY
      the audit log's document, notice and deadline events, one per line,
      sorted, without what differs from run to run (time, pid, chain).
  spoolcmp.py manifest BATCH SPOOL
      every document of BATCH/manifest.json has its result with the outcome
      it must have, is archived (or rejected) exactly once, and nothing is
      left waiting; prints a count per outcome.  Exit 1 on any miss.

Base64 values (attr:: v) are decoded before comparing.
"""
import base64
import json
import os
import re
import shutil
import sys

# Values made from the clock or from fresh randomness: compared by presence.
VOLATILE = {
    "gpcprocessedat", "gpcholdersince", "gpcpurgeafter", "gpcenrollexpires",
    "gpcenrollcode", "gpcholdersealed", "gpcappsealed", "gpctotpseed", "gpcplan",
    "gpcrecoverycode", "userpassword", "createtimestamp", "modifytimestamp",
    "entrycsn", "entryuuid", "gpclockeduntil",
}
# Times written from the documents themselves: compared as they are.
DOC_TIMES = {"gpcissuedat", "gpcdeadline", "pwdaccountlockedtime"}
GENTIME = re.compile(r"^\d{14}(\.\d+)?Z$")
RFC3339 = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)")


def mask_times(s):
    return RFC3339.sub("<time>", s)


def norm_result(obj):
    """A result object without what the clock put in it."""
    obj = dict(obj)
    obj.pop("processed_at", None)
    if "effects" in obj:
        obj["effects"] = [mask_times(e) for e in obj["effects"]]
    if isinstance(obj.get("earlier"), dict):
        obj["earlier"] = norm_result(obj["earlier"])
    return obj


def cmd_feed(batch, spool):
    n = 0
    for sub in ("applications", "decisions"):
        names = sorted(os.listdir(os.path.join(batch, sub)))
        # signatures first: a document that arrives finds its signature there
        names.sort(key=lambda x: 0 if x.endswith((".p7s", ".sig")) else 1)
        for name in names:
            tmp = os.path.join(spool, "tmp", name + ".feed")
            shutil.copyfile(os.path.join(batch, sub, name), tmp)
            os.rename(tmp, os.path.join(spool, sub, name))
            n += name.endswith(".json")
    print(n)


def cmd_ldif():
    entries, cur = [], None
    for line in sys.stdin.read().splitlines():
        if not line.strip():
            if cur:
                entries.append(cur)
            cur = None
            continue
        if line.startswith("#"):
            continue
        name, sep, value = line.partition(":")
        if value.startswith(":"):
            value = base64.b64decode(value[1:].strip()).decode("utf-8", "replace")
        else:
            value = value.strip()
        cur = cur or []
        cur.append((name, value))
    if cur:
        entries.append(cur)
    out = []
    for e in entries:
        dn = [v for n, v in e if n == "dn"][0]
        attrs = []
        for n, v in e:
            if n == "dn":
                continue
            low = n.lower()
            if low in VOLATILE:
                v = "<present>"
            elif low == "gpcresult":
                try:
                    v = json.dumps(norm_result(json.loads(v)), sort_keys=True,
                                   ensure_ascii=False)
                except ValueError:
                    pass
            elif GENTIME.match(v) and low not in DOC_TIMES:
                v = "<time>"  # a clock-made time this list does not know yet
            attrs.append("%s: %s" % (n, v))
        out.append("dn: %s\n%s\n" % (dn, "\n".join(sorted(attrs))))
    sys.stdout.write("\n".join(sorted(out)))


def cmd_results(spool):
    d = os.path.join(spool, "results")
    for name in sorted(os.listdir(d)):
        if not name.endswith(".json"):
            print("%s STRAY" % name)
            continue
        r = norm_result(json.load(open(os.path.join(d, name), encoding="utf-8")))
        print(json.dumps([name, r], sort_keys=True, ensure_ascii=False))


def cmd_outbox(outbox):
    for name in sorted(os.listdir(outbox)):
        if not name.endswith(".json"):
            print("%s STRAY" % name)
            continue
        n = json.load(open(os.path.join(outbox, name), encoding="utf-8"))
        for k in ("code", "created_at", "expires_at"):
            if k in n:
                n[k] = "<%s>" % k
        print(json.dumps([name, n], sort_keys=True, ensure_ascii=False))


def cmd_audit(path):
    lines = []
    for line in open(path, encoding="utf-8"):
        e = json.loads(line)
        if e.get("event") not in ("document", "notice", "deadline"):
            continue  # audit_start and the like: one per process, not per document
        for k in ("ts", "pid", "prev", "host", "prog", "seed"):
            e.pop(k, None)
        lines.append(json.dumps(e, sort_keys=True, ensure_ascii=False))
    print("\n".join(sorted(lines)))


def cmd_manifest(batch, spool):
    man = json.load(open(os.path.join(batch, "manifest.json"), encoding="utf-8"))
    bad = 0
    outcomes = {}
    for sub in ("applications", "decisions"):
        left = [x for x in os.listdir(os.path.join(spool, sub)) if x.endswith(".json")]
        if left:
            print("left waiting in %s/: %s" % (sub, " ".join(sorted(left)[:10])))
            bad += 1
    stored = {}
    for sub in ("archive", "rejected"):
        for x in os.listdir(os.path.join(spool, sub)):
            stored.setdefault(re.sub(r"\.\d+$", "", x), []).append(sub + "/" + x)
    for m in man:
        res = os.path.join(spool, "results", m["result"] + ".json")
        try:
            r = json.load(open(res, encoding="utf-8"))
        except (OSError, ValueError) as e:
            print("%s (%s): no result %s: %s" % (m["file"], m["what"], m["result"], e))
            bad += 1
            continue
        outcomes[r.get("outcome")] = outcomes.get(r.get("outcome"), 0) + 1
        if r.get("outcome") != m["expect"]:
            print("%s (%s): outcome %s, want %s %s" % (m["file"], m["what"],
                  r.get("outcome"), m["expect"],
                  [x.get("code") for x in r.get("reasons", [])]))
            bad += 1
        copies = stored.get(m["file"], [])
        if len(copies) != 1:
            print("%s: stored %d times: %s" % (m["file"], len(copies), copies))
            bad += 1
    print("documents %d: %s" % (len(man), ", ".join(
        "%s %d" % (k, v) for k, v in sorted(outcomes.items(), key=str))))
    sys.exit(1 if bad else 0)


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    c, args = sys.argv[1], sys.argv[2:]
    if c == "feed":
        cmd_feed(*args)
    elif c == "ldif":
        cmd_ldif()
    elif c == "results":
        cmd_results(*args)
    elif c == "outbox":
        cmd_outbox(*args)
    elif c == "audit":
        cmd_audit(*args)
    elif c == "manifest":
        cmd_manifest(*args)
    else:
        sys.exit(__doc__)


main()
