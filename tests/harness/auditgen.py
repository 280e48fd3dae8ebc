#!/usr/bin/env python3
"""Synthetic audit files for the report tests, hash-chained as lib/audit.c
writes them (audit.h): compact JSON, keys sorted, ASCII, each line's "prev"
the SHA-256 of the line before, the first line an audit_start with its seed.

  auditgen.py day OUTDIR [--date YYYY-MM-DD]
      A day of activity on three PAM hosts (h1.log, h2.log, h3.log), the
      provisioner (provd.log) and an old file (old.log), with one account of
      each kind the report must flag; prints the expected flags as JSON.
  auditgen.py big FILE --lines N [--date YYYY-MM-DD]
      N ordinary login/session lines, for the progress indicator.

The events follow the formats documented in lib/audit.h; no personal data.
"""
import argparse
import datetime
import hashlib
import json
import os
import secrets

UTC = datetime.timezone.utc
U1, R1 = "12150102900079199E", "150102"   # fixtures unit 1, bureau 150102
U2, R2 = "121501039001583807", "150103"   # fixtures unit 2, bureau 150103


def ts(day, hhmm, sec=0, ms=0):
    h, m = hhmm
    t = datetime.datetime.combine(day, datetime.time(h, m, sec, ms * 1000), UTC)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % ms


class Chain:
    def __init__(self, path, host, prog="pam_gpcgate"):
        self.f = open(path, "w", encoding="ascii")
        self.host, self.prog = host, prog
        self.prev = None

    def line(self, obj):
        obj["prev"] = self.prev
        text = json.dumps(obj, separators=(",", ":"), sort_keys=True, ensure_ascii=True)
        self.f.write(text + "\n")
        self.prev = hashlib.sha256(text.encode()).hexdigest()

    def event(self, when, event, **fields):
        if self.prev is None:
            seed = secrets.token_hex(32)
            self.prev = hashlib.sha256(seed.encode()).hexdigest()
            self.line({"event": "audit_start", "ts": when, "host": self.host,
                       "prog": self.prog, "pid": 1, "seed": seed})
        obj = dict(fields)
        obj.update({"event": event, "ts": when, "host": self.host, "prog": self.prog,
                    "pid": 4242})
        self.line(obj)

    def close(self):
        self.f.close()


def login(c, when, uid, unit, region, ok, reason, rhost, service="sshd"):
    c.event(when, "login", uid=uid, unit=unit, region=region,
            outcome="success" if ok else "failure", reason=reason, service=service,
            rhost=rhost, tty="ssh")


def session(c, when, kind, uid, unit, region, rhost, sid, service="sshd", tty="pts/1"):
    fields = dict(uid=uid, unit=unit, region=region, service=service, rhost=rhost, tty=tty)
    if sid:
        fields["sid"] = sid
    c.event(when, "session_" + kind, **fields)


def day(outdir, d):
    os.makedirs(outdir, exist_ok=True)
    h1, h2, h3 = (Chain(os.path.join(outdir, h + ".log"), h) for h in ("h1", "h2", "h3"))
    pv = Chain(os.path.join(outdir, "provd.log"), "pv", "gpcgate-provisiond")
    old = Chain(os.path.join(outdir, "old.log"), "h1")
    sid = lambda: secrets.token_hex(16)

    # dormant: used once, 120 days before, never since
    before = d - datetime.timedelta(days=120)
    login(old, ts(before, (9, 0)), "150102-02-jb09", U1, R1, True, "ok", "10.1.0.40")
    old.close()

    # the handover of 150103-03-sh01 takes effect at 08:00
    pv.event(ts(d, (8, 0)), "document", id="D-HO-1", doc="decision", action="approve",
             application_kind="handover", issuer=R2, outcome="applied", reasons=[],
             unit=U2, uid="150103-03-sh01")
    pv.event(ts(d, (8, 0), 1), "notice", kind="enrollment", document="D-HO-1", unit=U2,
             uid="150103-03-sh01")
    pv.close()

    # ordinary: 150102-02-jb01 logs in four times from one workstation, through two hosts
    for i, (host, hh) in enumerate(((h1, 8), (h2, 10), (h1, 13), (h2, 15))):
        s = sid()
        login(host, ts(d, (hh, 0)), "150102-02-jb01", U1, R1, True, "ok", "10.1.0.11")
        session(host, ts(d, (hh, 0), 1), "open", "150102-02-jb01", U1, R1, "10.1.0.11", s)
        session(host, ts(d, (hh, 50)), "close", "150102-02-jb01", U1, R1, "10.1.0.11", s)
    # one mistyped code, no flag
    login(h1, ts(d, (12, 59)), "150102-02-jb01", U1, R1, False, "wrong_code", "10.1.0.11")

    # shared: 150102-02-sh01 from 10.1.0.21 on h1 09:00-11:00 and from 10.9.9.9 on h2
    # 10:30-10:45; the close on h2 carries no sid (matched by host, service and tty)
    s1 = sid()
    login(h1, ts(d, (9, 0)), "150102-02-sh01", U1, R1, True, "ok", "10.1.0.21")
    session(h1, ts(d, (9, 0), 1), "open", "150102-02-sh01", U1, R1, "10.1.0.21", s1)
    login(h2, ts(d, (10, 30)), "150102-02-sh01", U1, R1, True, "ok", "10.9.9.9")
    session(h2, ts(d, (10, 30), 1), "open", "150102-02-sh01", U1, R1, "10.9.9.9", sid(),
            tty="pts/7")
    session(h2, ts(d, (10, 45)), "close", "150102-02-sh01", U1, R1, "10.9.9.9", None,
            tty="pts/7")
    session(h1, ts(d, (11, 0)), "close", "150102-02-sh01", U1, R1, "10.1.0.21", s1)
    # ... and one after the other from two hosts is not sharing
    s2, s3 = sid(), sid()
    login(h1, ts(d, (16, 0)), "150103-03-jb02", U2, R2, True, "ok", "10.2.0.5")
    session(h1, ts(d, (16, 0), 1), "open", "150103-03-jb02", U2, R2, "10.2.0.5", s2)
    session(h1, ts(d, (16, 30)), "close", "150103-03-jb02", U2, R2, "10.2.0.5", s2)
    login(h3, ts(d, (16, 30)), "150103-03-jb02", U2, R2, True, "ok", "10.2.0.6")
    session(h3, ts(d, (16, 30), 1), "open", "150103-03-jb02", U2, R2, "10.2.0.6", s3)
    session(h3, ts(d, (17, 0)), "close", "150103-03-jb02", U2, R2, "10.2.0.6", s3)

    # burst, then locked: 150103-03-jb01, six wrong codes in five minutes on h3
    for i in range(6):
        login(h3, ts(d, (14, i)), "150103-03-jb01", U2, R2, False, "wrong_code", "10.2.0.9")
    h3.event(ts(d, (14, 5), 1), "lockout", uid="150103-03-jb01", unit=U2, region=R2,
             failures=5, until=ts(d, (14, 20)))
    login(h3, ts(d, (14, 6)), "150103-03-jb01", U2, R2, False, "locked", "10.2.0.9")
    # three wrong codes spread over an hour are no burst
    for m in (0, 25, 50):
        login(h3, ts(d, (11, m)), "150103-03-jb02", U2, R2, False, "wrong_code", "10.2.0.5")

    # after the handover: the old holder's password, twice
    login(h2, ts(d, (9, 15)), "150103-03-sh01", U2, R2, False, "wrong_password", "10.2.0.77")
    login(h2, ts(d, (9, 16)), "150103-03-sh01", U2, R2, False, "wrong_password", "10.2.0.77")

    # names nobody holds: keyed hashes only
    for m in range(3):
        h1.event(ts(d, (7, m)), "login", name_hash="h1:" + secrets.token_hex(32),
                 outcome="failure", reason="unknown_account", service="sshd",
                 rhost="203.0.113.9")
    for c in (h1, h2, h3):
        c.close()
    return {
        "150102-02-jb01": [],
        "150102-02-sh01": ["shared"],
        "150103-03-jb02": [],
        "150103-03-jb01": ["burst", "locked"],
        "150103-03-sh01": ["after_handover"],
        "150102-02-jb09": ["dormant"],
    }


def big(path, lines, d):
    c = Chain(path, "hbig")
    for i in range(lines):
        when = ts(d, (8 + (i // 3600) % 10, (i // 60) % 60), i % 60, i % 1000)
        uid = "150102-02-b%04d" % (i % 500)
        login(c, when, uid, U1, R1, True, "ok", "10.3.%d.%d" % (i % 250, i % 200))
    c.close()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("what", choices=["day", "big"])
    p.add_argument("out")
    p.add_argument("--date")
    p.add_argument("--lines", type=int, default=10000)
    a = p.parse_args()
    d = (datetime.date.fromisoformat(a.date) if a.date else
         datetime.datetime.now(UTC).date() - datetime.timedelta(days=1))
    if a.what == "day":
        print(json.dumps(day(a.out, d), sort_keys=True))
    else:
        big(a.out, a.lines, d)


main()
