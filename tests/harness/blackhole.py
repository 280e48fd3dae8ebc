#!/usr/bin/env python3
"""A black-holed directory server for the failover and timeout tests.

  blackhole.py PORTFILE [LOGFILE]

Listens on 127.0.0.1 (a free port, written to PORTFILE once listening),
accepts every connection and then neither reads nor writes: an ldap://
client waits for its bind response, an ldaps:// client for the server's
TLS hello, for ever.  Each accepted connection appends one line to LOGFILE
("accept <unix-time>"), so a test can tell whether a URI was tried at all.
Runs until SIGTERM; keep it a direct child of the test and wait for it.
"""
import os
import signal
import socket
import sys
import time


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit("usage: blackhole.py PORTFILE [LOGFILE]")
    portfile = sys.argv[1]
    log = open(sys.argv[2], "a", buffering=1) if len(sys.argv) == 3 else None
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0))
    srv.listen(64)
    tmp = portfile + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % srv.getsockname()[1])
    os.rename(tmp, portfile)
    held = []  # accepted sockets stay open and silent
    while True:
        conn, _ = srv.accept()
        held.append(conn)
        if log is not None:
            log.write("accept %.3f\n" % time.time())


main()
