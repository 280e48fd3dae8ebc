#!/usr/bin/env python3
"""Build a deterministic batch of spool documents for the crash test.

  batch.py OUT --docs N --ctl GPCGATECTL --conf CONF --pki DIR

Writes OUT/applications/*.json and OUT/decisions/*.json (decisions signed
next to them as .p7s or .sig with the bureau keys of DIR, as
tests/harness/fx.sh does), and OUT/manifest.json: one entry per document,
    {"dir": "applications"|"decisions", "file": NAME, "result": RESULT_NAME,
     "expect": OUTCOME, "what": SHORT DESCRIPTION}
where RESULT_NAME is the stem of the results/ file the document must end
in (its id; "<id>~<digest12>" for another document under a used id; the
file's stem when no id can be read) and OUTCOME the outcome it must have.

The batch is at least N documents: account lifecycles ("lanes": register,
approve or deny, suspend, reinstate, terminate, change, handover) in nine
units of tests/data/fixtures.json, a unit-wide suspension and reinstatement
in the tenth, and about one document in six that is refused or replayed:
truncated JSON, not an object, wrong type, unknown field, bad ID check
digit, issued in the future, unsigned, tampered, outside the jurisdiction,
illegal transition, unknown target, identity conflict, separation of
duties, identity flagged after an identity_misuse denial, the same document
twice, another document under a used id.

Times: every document is dated in the past (a few hours ago), so the
engine's order (issued_at / submitted_at) is the order of the lifecycle
whatever the order of the files.  Holders are synthetic people with valid
GB 11643-1999 numbers (region 150104, born 1950-1993, sequence 001/002)
that no fixture uses, so identity_limit = 1 holds across the batch.
"""
import argparse
import datetime
import hashlib
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.environ.get("GPC_TESTDATA", os.path.join(HERE, "..", "data"))
FIX = json.load(open(os.path.join(DATA, "fixtures.json"), encoding="utf-8"))
TZ8 = datetime.timezone(datetime.timedelta(hours=8))
ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
UNIT_WIDE = 9  # fixtures unit reserved for the unit-wide suspension


def id_number(n):
    """A GB 11643-1999 number (MOD 11-2 check) unique for n < 16000."""
    born = datetime.date(1950, 1, 1) + datetime.timedelta(days=(n % 8000) * 2)
    body = "150104%s%03d" % (born.strftime("%Y%m%d"), n // 8000 + 1)
    s = sum(int(c) * w for c, w in zip(body, ID_WEIGHTS))
    return body + "10X98765432"[s % 11]


def person(n):
    return {"name": "测试人%d" % n, "id_number": id_number(n),
            "mobile": "137%08d" % n}


def unit_doc(ui):
    u = dict(FIX["units"][ui])
    u.pop("accounts", None)
    return u


def bureau_of(region):
    """The bureau configured for a region by scripts/private-env.sh."""
    return region if region in ("150102", "150103") else "150100"


KEY_OF = {"150102": "rsa", "150100": "ec", "150103": "sm2"}


class Batch:
    def __init__(self, out, spacing, t0, deadline):
        self.out = out
        self.spacing = spacing
        self.t0 = t0
        self.deadline = deadline
        self.docs = []  # (dir, name, obj or bytes, sign issuer, tamper, result, expect, what)

    def when(self, phase, lane, off=0):
        t = self.t0 + datetime.timedelta(seconds=phase * self.spacing + lane * 8 + off)
        return t.replace(microsecond=0).isoformat()

    def add(self, d, name, body, *, issuer=None, tamper=False, result=None, expect,
            what):
        self.docs.append(dict(dir=d, name=name, body=body, issuer=issuer, tamper=tamper,
                              result=result, expect=expect, what=what))

    def application(self, doc_id, when, kind, unit, account=None, *, expect, what,
                    name=None, extra=None, d="applications"):
        doc = {"type": "gpcgate.application/1", "id": doc_id, "submitted_at": when,
               "kind": kind, "unit": unit}
        if account is not None:
            doc["account"] = account
        if extra:
            doc.update(extra)
        self.add(d, (name or doc_id) + ".json", doc, expect=expect, what=what)
        return doc

    def decision(self, doc_id, when, action, issuer, *, app=None, unit=None, account=None,
                 reason=None, reason_text=None, deadline=None, on_deadline=None, expect,
                 what, name=None,
                 sign=True, tamper=False, result=None):
        doc = {"type": "gpcgate.decision/1", "id": doc_id, "issuer": issuer,
               "issued_at": when, "action": action}
        if app is not None:
            doc["application"] = app
        if unit is not None:
            doc["target"] = {"unit": unit}
            if account is not None:
                doc["target"]["account"] = account
        if reason is not None:
            doc["reason"] = {"code": reason, "text": reason_text or "测试原因 crash batch"}
        if deadline is not None:
            doc["deadline"] = deadline
            doc["on_deadline"] = on_deadline
        self.add("decisions", (name or doc_id) + ".json", doc,
                 issuer=issuer if sign else None, tamper=tamper, result=result,
                 expect=expect, what=what)
        return doc


LANE_TYPES = ["approve", "suspend_reinstate", "handover", "deny", "terminate", "change",
              "suspend_terminate", "change_deny", "approve", "misuse"]
LANE_DOCS = {"approve": 2, "deny": 2, "misuse": 3, "terminate": 3, "suspend_reinstate": 4,
             "suspend_terminate": 4, "change": 4, "change_deny": 4, "handover": 4}
EXTRAS = ["truncated", "replay_exact", "conflict", "unsigned", "bad_id", "illegal",
          "replay_conflict", "tampered", "jurisdiction", "sod", "unknown_field",
          "unknown_target", "not_object", "wrong_type", "future"]


def lane(b, k, ltype, ui):
    """One account's lifecycle; returns what extras need to know about it."""
    u = unit_doc(ui)
    code, region = u["code"], u["region"]
    iss = bureau_of(region)
    uid = "cr-%04d" % k
    role = "handler" if k % 2 == 0 else "reviewer"
    holder = person(k)
    reg = "A%04d-reg" % k
    b.application(reg, b.when(1, k), "register", u,
                  {"uid": uid, "role": role, "holder": holder},
                  expect="pending", what="register " + uid)
    info = dict(k=k, type=ltype, ui=ui, code=code, region=region, issuer=iss, uid=uid,
                role=role, holder=holder, reg=reg)
    if ltype in ("deny", "misuse"):
        b.decision("D%04d-2" % k, b.when(2, k), "deny", iss, app=reg,
                   reason="identity_misuse" if ltype == "misuse" else "incomplete_info",
                   expect="applied", what="deny " + uid)
        if ltype == "misuse":
            b.application("A%04d-again" % k, b.when(3, k), "register", u,
                          {"uid": uid + "b", "role": role, "holder": holder},
                          expect="rejected", what="register again after identity_misuse")
        return info
    info["approve"] = "D%04d-2" % k
    b.decision(info["approve"], b.when(2, k), "approve", iss, app=reg, expect="applied",
               what="approve " + uid)
    if ltype == "terminate":
        b.decision("D%04d-3" % k, b.when(3, k), "terminate", iss, unit=code, account=uid,
                   reason="holder_mismatch", expect="applied", what="terminate " + uid)
    elif ltype in ("suspend_reinstate", "suspend_terminate"):
        b.decision("D%04d-3" % k, b.when(3, k), "suspend", iss, unit=code, account=uid,
                   reason="holder_mismatch", deadline=b.deadline,
                   on_deadline="notify" if ltype == "suspend_reinstate" else "terminate",
                   expect="applied", what="suspend " + uid)
        last = "reinstate" if ltype == "suspend_reinstate" else "terminate"
        b.decision("D%04d-4" % k, b.when(4, k), last, iss, unit=code, account=uid,
                   reason=None if last == "reinstate" else "not_rectified",
                   expect="applied", what=last + " " + uid)
    elif ltype in ("change", "change_deny"):
        chg = "A%04d-chg" % k
        if ltype == "change":
            b.application(chg, b.when(3, k), "change", {"code": code},
                          {"uid": uid, "holder": {"mobile": "136%08d" % k}},
                          expect="pending", what="change the mobile of " + uid)
            b.decision("D%04d-4" % k, b.when(4, k), "approve", iss, app=chg,
                       expect="applied", what="approve the change of " + uid)
        else:
            b.application(chg, b.when(3, k), "change",
                          {"code": code, "contact": {"phone": "0471-65%05d" % k}},
                          expect="pending", what="change the contact phone of " + code)
            b.decision("D%04d-4" % k, b.when(4, k), "deny", iss, app=chg,
                       reason="incomplete_info", expect="applied",
                       what="deny the change of " + code)
    elif ltype == "handover":
        ho = "A%04d-ho" % k
        b.application(ho, b.when(3, k), "handover", {"code": code},
                      {"uid": uid, "holder": person(8000 + k)},
                      expect="pending", what="hand over " + uid)
        b.decision("D%04d-4" % k, b.when(4, k), "approve", iss, app=ho, expect="applied",
                   what="approve the handover of " + uid)
    return info


def extra(b, j, kind, lanes, nextra):
    """One refused or replayed document, tied to a lane where it needs one."""
    def pick(types):
        c = [x for x in lanes if x["type"] in types and x["ui"] != UNIT_WIDE]
        return c[(j * 7) % len(c)]

    n = 90000 + j
    if kind == "truncated":
        name = "BAD-%04d" % j
        body = ('{"type": "gpcgate.application/1", "id": "X%04d", "kind": "regis' % j)
        b.add("applications" if j % 2 else "decisions", name + ".json",
              body.encode(), result=name, expect="rejected", what="truncated JSON")
    elif kind == "not_object":
        name = "ARR-%04d" % j
        b.add("applications", name + ".json", b"[1, 2, 3]\n", result=name,
              expect="rejected", what="JSON that is not an object")
    elif kind == "wrong_type":
        x = pick(["approve"])
        doc = {"type": "gpcgate.application/1", "id": "WT%04d" % j,
               "submitted_at": b.when(2, x["k"], 3), "kind": "register",
               "unit": unit_doc(x["ui"]),
               "account": {"uid": "wt-%04d" % j, "role": "handler", "holder": person(n)}}
        b.add("decisions", "WT%04d.json" % j, doc, expect="rejected",
              what="an application in decisions/")
    elif kind == "unknown_field":
        x = pick(["approve"])
        b.application("UF%04d" % j, b.when(1, x["k"], 5), "register", unit_doc(x["ui"]),
                      {"uid": "uf-%04d" % j, "role": "handler", "holder": person(n)},
                      extra={"priority": "high"}, expect="rejected",
                      what="registration with an unknown field")
    elif kind == "bad_id":
        x = pick(["approve"])
        h = person(n)
        h["id_number"] = h["id_number"][:17] + ("0" if h["id_number"][17] != "0" else "1")
        b.application("BI%04d" % j, b.when(1, x["k"], 6), "register", unit_doc(x["ui"]),
                      {"uid": "bi-%04d" % j, "role": "handler", "holder": h},
                      expect="rejected", what="registration with a bad ID check digit")
    elif kind == "future":
        x = pick(["approve"])
        t = (datetime.datetime.now(TZ8) + datetime.timedelta(days=2)).replace(microsecond=0)
        b.decision("FU%04d" % j, t.isoformat(), "suspend", x["issuer"], unit=x["code"],
                   account=x["uid"], reason="holder_mismatch", deadline=b.deadline,
                   on_deadline="notify", expect="rejected", what="issued in the future")
    elif kind == "unsigned":
        x = pick(["approve", "handover"])
        b.decision("US%04d" % j, b.when(2, x["k"], -2), "approve", x["issuer"],
                   app=x["reg"], sign=False, expect="rejected", what="unsigned approval")
    elif kind == "tampered":
        x = pick(["approve", "change"])
        b.decision("TA%04d" % j, b.when(2, x["k"], -3), "approve", x["issuer"],
                   app=x["reg"], tamper=True, expect="rejected",
                   what="approval changed after signing")
    elif kind == "jurisdiction":
        x = [y for y in lanes if y["region"] not in ("150102",) and y["type"] == "approve"
             and y["ui"] != UNIT_WIDE]
        x = x[(j * 7) % len(x)]
        b.decision("JU%04d" % j, b.when(3, x["k"], 2), "suspend", "150102", unit=x["code"],
                   account=x["uid"], reason="holder_mismatch", deadline=b.deadline,
                   on_deadline="notify", expect="rejected",
                   what="a county bureau deciding for another county")
    elif kind == "illegal":
        x = pick(["approve"])
        b.decision("IL%04d" % j, b.when(3, x["k"], 3), "reinstate", x["issuer"],
                   unit=x["code"], account=x["uid"], expect="rejected",
                   what="reinstate an active account")
    elif kind == "unknown_target":
        x = pick(["approve"])
        b.decision("UT%04d" % j, b.when(3, x["k"], 4), "terminate", x["issuer"],
                   unit=x["code"], account="nobody-%04d" % j, reason="holder_mismatch",
                   expect="rejected", what="terminate an account that does not exist")
    elif kind == "conflict":
        x = pick(["approve", "suspend_reinstate"])
        other = (x["ui"] + 1) % UNIT_WIDE
        b.application("IC%04d" % j, b.when(1, x["k"], 1), "register", unit_doc(other),
                      {"uid": "ic-%04d" % j, "role": "handler", "holder": x["holder"]},
                      expect="rejected", what="the same person in a second account")
    elif kind == "sod":
        x = pick(["approve", "change"])
        b.application("SD%04d" % j, b.when(1, x["k"], 2), "register", unit_doc(x["ui"]),
                      {"uid": "sd-%04d" % j,
                       "role": "reviewer" if x["role"] == "handler" else "handler",
                       "holder": x["holder"]},
                      expect="rejected", what="the same person as both posts of one unit")
    elif kind == "replay_exact":
        x = pick(["approve", "terminate", "handover"])
        orig = next(d for d in b.docs if d["name"] == x["approve"] + ".json")
        b.add("decisions", "%s.again%d.json" % (x["approve"], j), orig["body"],
              issuer=orig["issuer"], result=x["approve"], expect="applied",
              what="the same approval submitted twice")
    elif kind == "replay_conflict":
        x = pick(["approve", "suspend_reinstate", "change"])
        b.decision(x["approve"], b.when(6, x["k"], 1), "deny", x["issuer"], app=x["reg"],
                   reason="incomplete_info", reason_text="another decision %d" % j,
                   name="%s.other%d" % (x["approve"], j),
                   result="~", expect="rejected",
                   what="another decision under a used id")
    else:
        sys.exit("batch.py: unknown extra %s" % kind)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("out")
    p.add_argument("--docs", type=int, default=200)
    p.add_argument("--ctl", required=True)
    p.add_argument("--conf", required=True)
    p.add_argument("--pki", required=True)
    a = p.parse_args()

    nextra = max(len(EXTRAS), a.docs // 6)
    want_lane_docs = max(0, a.docs - nextra - 6)
    ltypes, total = [], 0
    while total < want_lane_docs or len(ltypes) < len(LANE_TYPES):
        t = LANE_TYPES[len(ltypes) % len(LANE_TYPES)]
        ltypes.append(t)
        total += LANE_DOCS[t]
    nlanes = len(ltypes) + 2
    spacing = max(4000, nlanes * 8 + 100)
    now = datetime.datetime.now(TZ8)
    t0 = now - datetime.timedelta(seconds=7 * spacing + 600)
    deadline = (now + datetime.timedelta(days=60)).date().isoformat()
    b = Batch(a.out, spacing, t0, deadline)

    lanes = [lane(b, k, t, k % UNIT_WIDE) for k, t in enumerate(ltypes)]
    # the tenth unit: two active accounts, then the whole unit suspended and reinstated
    unit_lanes = [lane(b, len(ltypes) + i, "approve", UNIT_WIDE) for i in range(2)]
    u = unit_doc(UNIT_WIDE)
    iss = bureau_of(u["region"])
    b.decision("UW-suspend", b.when(5, 0), "suspend", iss, unit=u["code"],
               reason="info_noncompliant", deadline=deadline, on_deadline="notify",
               expect="applied", what="suspend a whole unit")
    b.decision("UW-reinstate", b.when(6, 0), "reinstate", iss, unit=u["code"],
               expect="applied", what="reinstate a whole unit")
    lanes += unit_lanes
    for j in range(nextra):
        extra(b, j, EXTRAS[j % len(EXTRAS)], lanes, nextra)

    os.makedirs(os.path.join(a.out, "applications"), exist_ok=True)
    os.makedirs(os.path.join(a.out, "decisions"), exist_ok=True)
    manifest = []
    for d in b.docs:
        path = os.path.join(a.out, d["dir"], d["name"])
        if os.path.exists(path):
            sys.exit("batch.py: two documents named %s" % d["name"])
        body = d["body"]
        raw = body if isinstance(body, bytes) else \
            (json.dumps(body, ensure_ascii=False, indent=1) + "\n").encode()
        with open(path, "wb") as f:
            f.write(raw)
        if d["issuer"] is not None:
            key = KEY_OF[d["issuer"]]
            subprocess.run([a.ctl, "-f", a.conf, "sign", path,
                            "--key", os.path.join(a.pki, key + ".key"),
                            "--cert", os.path.join(a.pki, key + ".pem")],
                           check=True, stdout=subprocess.DEVNULL)
        if d["tamper"]:
            raw = raw.rstrip(b"\n") + b" \n"  # one byte more after signing
            with open(path, "wb") as f:
                f.write(raw)
        result = d["result"]
        if result is None:
            result = body["id"]
        elif result == "~":
            result = "%s~%s" % (body["id"], hashlib.sha256(raw).hexdigest()[:12])
        manifest.append({"dir": d["dir"], "file": d["name"], "result": result,
                         "expect": d["expect"], "what": d["what"]})
    with open(os.path.join(a.out, "manifest.json"), "w", encoding="utf-8") as f:
        json.dump(manifest, f, ensure_ascii=False, indent=1)
    print(len(manifest))


main()
