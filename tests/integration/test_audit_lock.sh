#!/usr/bin/env bash
# A log reader holding a lock on the audit file must not freeze the writers:
# anyone who can open the file can lock it, so writers wait at most 2 s, then
# go on without the line (the syslog copy has it) — a login never hangs on it.
. "$(dirname "$0")/../harness/lib.sh"
t_setup

fx_doc register 1 0 --id APP-L1 >"$T/a1.json"
ctl submit "$T/a1.json" >/dev/null # creates the audit file
chmod 0644 "$T/audit.log"
# a reader (nobody) takes a shared lock for 8 s
python3 - "$T/audit.log" "$T/locked" <<'PY' &
import fcntl, os, sys, time
os.setgid(65534); os.setuid(65534)
f = open(sys.argv[1])
fcntl.flock(f, fcntl.LOCK_SH)
open(sys.argv[2], "w").close() if os.access(os.path.dirname(sys.argv[2]), os.W_OK) else None
time.sleep(8)
PY
holder=$!
chmod 0777 "$T" # the reader signals that it holds the lock
for _ in $(seq 1 100); do [ -e "$T/locked" ] && break; sleep 0.05; done
chmod 0755 "$T"
t_ok "the reader holds a lock on the audit file" test -e "$T/locked"

fx_doc register 2 0 --id APP-L2 >"$T/a2.json"
start=$(date +%s%N)
timeout 6 "$GPC_CTL" -f "$GPC_CONF" submit "$T/a2.json" >"$T/sub.out" 2>&1
rc=$?
ms=$((($(date +%s%N) - start) / 1000000))
echo "# submit with the audit file locked by a reader: exit $rc after $ms ms"
t_eq "a writer does not wait for the reader: the command completes" "$rc" 0
t_ok "... within the bound (< 4 s)" test "$ms" -lt 4000
t_ok "... and says the line was not written" grep -qi "audit" "$T/sub.out"
wait "$holder"
fx_doc register 3 0 --id APP-L3 >"$T/a3.json"
t_ok "once the lock is gone, lines are written again" ctl submit "$T/a3.json"
t_ok "the chain still verifies" ctl audit verify "$T/audit.log"
t_done
