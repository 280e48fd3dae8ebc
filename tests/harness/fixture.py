#!/usr/bin/env python3
"""Make spool documents from tests/data/fixtures.json for the tests.

  fixture.py register UNIT ACCOUNT [--id ID] [--uid UID] [--holder N] [--set k=v]...
  fixture.py decision ACTION ISSUER [--id ID] [--app ID] [--unit CODE]
             [--account UID] [--reason CODE] [--deadline DATE] [--on-deadline X]
             [--issued-at RFC3339] [--set k=v]...
  fixture.py change UNIT [--uid UID] [--mobile M] [--set k=v]...
  fixture.py handover UNIT ACCOUNT SPARE [--id ID]
  fixture.py get PATH          e.g. units.1.accounts.0.uid

UNIT, ACCOUNT: indexes into fixtures.json units[] and units[].accounts[];
--holder N: use spare_holders[N] as the holder; --synthetic N: a made-up
holder N with a valid ID number (volume tests).  --set a.b.c=v overrides a
field (v "null" deletes it).  Prints the document on stdout.
"""
import argparse
import datetime
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.environ.get("GPC_TESTDATA", os.path.join(HERE, "..", "data"))
FIX = json.load(open(os.path.join(DATA, "fixtures.json"), encoding="utf-8"))
TZ8 = datetime.timezone(datetime.timedelta(hours=8))


def now(offset_s=0):
    t = datetime.datetime.now(TZ8) + datetime.timedelta(seconds=offset_s)
    return t.replace(microsecond=0).isoformat()


def override(doc, sets):
    for s in sets or []:
        path, _, value = s.partition("=")
        keys = path.split(".")
        d = doc
        for k in keys[:-1]:
            d = d.setdefault(k, {})
        if value == "null":
            d.pop(keys[-1], None)
        else:
            d[keys[-1]] = value
    return doc


def synthetic_holder(i):
    """A made-up holder with a valid GB 11643-1999 number (for volume tests)."""
    birth = datetime.date(1960, 1, 1) + datetime.timedelta(days=i)
    body = "150102%s%03d" % (birth.strftime("%Y%m%d"), i % 1000)
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    check = "10X98765432"[sum(int(c) * w for c, w in zip(body, weights)) % 11]
    return {"name": "合成%d" % i, "id_number": body + check, "mobile": "139%08d" % i}


def unit_of(i):
    u = dict(FIX["units"][i])
    u.pop("accounts", None)
    return u


def main():
    p = argparse.ArgumentParser()
    p.add_argument("what")
    p.add_argument("args", nargs="*")
    p.add_argument("--id")
    p.add_argument("--uid")
    p.add_argument("--holder", type=int)
    p.add_argument("--synthetic", type=int)
    p.add_argument("--app")
    p.add_argument("--unit")
    p.add_argument("--account")
    p.add_argument("--reason")
    p.add_argument("--deadline")
    p.add_argument("--on-deadline")
    p.add_argument("--mobile")
    p.add_argument("--issued-at")
    p.add_argument("--set", action="append")
    a = p.parse_args()

    if a.what == "get":
        v = FIX
        for k in a.args[0].split("."):
            v = v[int(k)] if isinstance(v, list) else v[k]
        print(v)
        return
    if a.what == "register":
        ui, ai = int(a.args[0]), int(a.args[1])
        acct = dict(FIX["units"][ui]["accounts"][ai])
        if a.holder is not None:
            acct["holder"] = FIX["spare_holders"][a.holder]
        if a.synthetic is not None:
            acct["holder"] = synthetic_holder(a.synthetic)
        if a.uid:
            acct["uid"] = a.uid
        doc = {"type": "gpcgate.application/1",
               "id": a.id or "APP-%s" % acct["uid"],
               "submitted_at": a.issued_at or now(-60), "kind": "register",
               "unit": unit_of(ui), "account": acct}
    elif a.what == "change":
        ui = int(a.args[0])
        doc = {"type": "gpcgate.application/1", "id": a.id or "APP-CHG",
               "submitted_at": a.issued_at or now(-60), "kind": "change",
               "unit": {"code": FIX["units"][ui]["code"]}}
        if a.mobile:
            doc["account"] = {"uid": a.uid, "holder": {"mobile": a.mobile}}
    elif a.what == "handover":
        ui, ai, si = int(a.args[0]), int(a.args[1]), int(a.args[2])
        doc = {"type": "gpcgate.application/1", "id": a.id or "APP-HO",
               "submitted_at": a.issued_at or now(-60), "kind": "handover",
               "unit": {"code": FIX["units"][ui]["code"]},
               "account": {"uid": a.uid or FIX["units"][ui]["accounts"][ai]["uid"],
                           "holder": FIX["spare_holders"][si]}}
    elif a.what == "decision":
        action, issuer = a.args[0], a.args[1]
        doc = {"type": "gpcgate.decision/1", "id": a.id or "DEC-%s" % action,
               "issuer": issuer, "issued_at": a.issued_at or now(-30),
               "action": action}
        if a.app:
            doc["application"] = a.app
        if a.unit:
            doc["target"] = {"unit": a.unit}
            if a.account:
                doc["target"]["account"] = a.account
        if a.reason:
            doc["reason"] = {"code": a.reason, "text": "测试原因 test reason"}
        if a.deadline:
            doc["deadline"] = a.deadline
        if a.on_deadline:
            doc["on_deadline"] = a.on_deadline
    else:
        sys.exit("fixture.py: unknown document kind %s" % a.what)
    json.dump(override(doc, a.set), sys.stdout, ensure_ascii=False, indent=1)
    print()


main()
