#!/usr/bin/env python3
"""A stand-in for systemd's notification socket (sd_notify(3)).

  notify.py SOCKET LOG

Binds a datagram socket at SOCKET and appends each message it receives to
LOG as one line, its assignments joined by spaces ("READY=1 STATUS=..."),
and to LOG.times the same line after the time it arrived (Unix seconds, ns).
Start it in the background, point the daemon's NOTIFY_SOCKET at SOCKET, and
kill it when done.  It writes LOG.ready once the socket is bound.
"""
import os
import socket
import sys
import time

path, log = sys.argv[1], sys.argv[2]
if os.path.exists(path):
    os.unlink(path)
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
open(log + ".ready", "w").close()
with open(log, "a", encoding="utf-8") as f, open(log + ".times", "a") as ft:
    while True:
        msg = s.recv(65536).decode("utf-8", "replace")
        t = time.time_ns()
        line = " ".join(msg.strip().split("\n"))
        f.write(line + "\n")
        f.flush()
        ft.write("%d.%09d %s\n" % (t // 10**9, t % 10**9, line))
        ft.flush()
