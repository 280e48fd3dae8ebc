#!/usr/bin/env bash
# gpcgate-provisiond as a long-running daemon: its flags; inotify and the
# periodic rescan; sd_notify (READY after the first scan, RELOADING around a
# reload, STOPPING); one instance per spool; SIGHUP with a bad and a good
# configuration; SIGTERM finishing the document in hand; a spool that is
# safe for producers (half-written files never applied, unreadable ones
# moved aside with their result); leftovers of a killed run; the directory
# going away and coming back; the deadline sweep on the periodic rescan;
# the systemd unit.
. "$(dirname "$0")/../harness/lib.sh"
t_setup

SP=$T/spool
NPID="" DPID=""
d_cleanup() {
	[ -n "$DPID" ] && kill -KILL "$DPID" 2>/dev/null && wait "$DPID" 2>/dev/null
	[ -n "$NPID" ] && kill "$NPID" 2>/dev/null && wait "$NPID" 2>/dev/null
	t_cleanup
}
trap d_cleanup EXIT

# poll CMD every 50 ms for up to SECONDS
wait_for() { # SECONDS CMD...
	local n=$(($1 * 20))
	shift
	until "$@"; do
		n=$((n - 1))
		[ "$n" -gt 0 ] || return 1
		sleep 0.05
	done
}
# a copy of the configuration with provisioner.rescan_s (and more lines)
conf_with() { # FILE RESCAN_S [LINE...]
	local f=$1 rescan=$2 line
	shift 2
	sed "/^  time_zone = /i\\  rescan_s = $rescan;" "$GPC_CONF" >"$f"
	for line in "$@"; do
		sed -i "/^  time_zone = /i\\  $line" "$f"
	done
	chmod 0644 "$f"
}
result_exists() { test -f "$SP/results/$1.json"; }
waiting() { ls "$SP/applications" "$SP/decisions" | grep -c '\.json$'; }
alive() { kill -0 "$DPID" 2>/dev/null; }
notified() { grep -q "$1" "$T/notify.log"; }
d_start() { # CONF [ARGS...]: the daemon as a child of this shell, notifying $T/n.sock
	local conf=$1
	shift
	: >"$T/notify.log" # so that a READY=1 seen is this daemon's
	: >"$T/notify.log.times"
	NOTIFY_SOCKET=$T/n.sock "$GPC_PROVD" -f "$conf" "$@" >>"$T/d.log" 2>&1 &
	DPID=$!
}
d_stop() { # SIGNAL -> the daemon's exit status
	local rc
	kill "-$1" "$DPID"
	{ wait "$DPID"; } 2>/dev/null # no "Killed" from the shell
	rc=$?
	DPID=""
	return $rc
}
reg_doc() { # ID UID HOLDER-INDEX -> $T/ID.json, a registration in unit 4
	fx_doc register 4 0 --id "$1" --uid "$2" --holder "$3" >"$T/$1.json"
}

python3 "$GPC_SRCDIR/tests/harness/notify.py" "$T/n.sock" "$T/notify.log" &
NPID=$!
wait_for 5 test -f "$T/notify.log.ready"

# --- flags ------------------------------------------------------------------------------
t_ok "-n accepts a valid configuration and its keys" "$GPC_PROVD" -n -f "$GPC_CONF"
conf_with "$T/bad.conf" 60 "no_such_key = 1;"
"$GPC_PROVD" -n -f "$T/bad.conf" >"$T/n.out" 2>&1
t_eq "-n refuses an unknown key with status 4" "$?" 4
t_ok "... naming the file, the line and the key" \
    grep -qE "bad.conf:[0-9]+.*no_such_key" "$T/n.out"
sed "s|key_dir = .*|key_dir = \"$T/nokeys\";|" "$GPC_CONF" >"$T/nokeys.conf"
chmod 0644 "$T/nokeys.conf"
"$GPC_PROVD" -n -f "$T/nokeys.conf" >"$T/n.out" 2>&1
t_eq "-n refuses a configuration whose keys are missing with status 4" "$?" 4
"$GPC_PROVD" -x >/dev/null 2>&1
t_eq "an unknown flag is a usage error (2)" "$?" 2
"$GPC_PROVD" -f "$GPC_CONF" extra >/dev/null 2>&1
t_eq "an extra argument is a usage error (2)" "$?" 2

# --- start: READY after the first scan -------------------------------------------------------
conf_with "$T/slow.conf" 3600 # no rescans during the test: only inotify brings documents in
reg_doc APP-D1 dm-0001 0
fx_submit "$T/APP-D1.json"
for i in 0 1 2 3 4 5; do # a first scan long enough to tell before from after
	fx_doc register 3 0 --id "APP-EARLY-$i" --uid "early-$i" >"$T/early$i.json"
	fx_submit "$T/early$i.json"
done
d_start "$T/slow.conf" -d
t_ok "READY=1 is sent" wait_for 10 notified '^READY=1'
# every result written (mtime) before READY=1 arrived
ready_after_scan() {
	python3 - "$T/notify.log.times" "$SP/results" <<'EOF'
import os, sys
ready = next(float(l.split()[0]) for l in open(sys.argv[1]) if " READY=1" in l)
names = os.listdir(sys.argv[2])
last = max(os.stat(os.path.join(sys.argv[2], n)).st_mtime for n in names)
print("READY=1 at %.3f, last of %d results at %.3f" % (ready, len(names), last))
sys.exit(0 if last <= ready and len(names) == 7 else 1)
EOF
}
t_ok "... after the first scan: the 7 waiting documents had their results before" \
    ready_after_scan
t_eq "... which are right" "$(fx_outcome APP-D1) $(fx_reasons APP-EARLY-5)" \
    "pending identity_conflict"
t_ok "it stays in the foreground, as the child that was started" alive

# --- inotify ---------------------------------------------------------------------------------
reg_doc APP-D2 dm-0002 1
fx_submit "$T/APP-D2.json"
t_ok "a document renamed in (gpcgatectl submit) is processed at once (inotify)" \
    wait_for 3 result_exists APP-D2
reg_doc APP-D3 dm-0003 2
cat "$T/APP-D3.json" >"$SP/applications/APP-D3.json" # open, write, close in place
t_ok "a document written in place and closed is processed (IN_CLOSE_WRITE)" \
    wait_for 3 result_exists APP-D3
t_eq "... completely" "$(fx_outcome APP-D3)" pending

# --- one instance per spool ----------------------------------------------------------------------
timeout 10 "$GPC_PROVD" -f "$T/slow.conf" -d >"$T/two.out" 2>&1
t_eq "a second daemon on the same spool exits with status 1" "$?" 1
t_ok "... saying another instance runs" grep -q "another instance" "$T/two.out"
timeout 10 "$GPC_PROVD" -f "$T/slow.conf" --once >"$T/two.out" 2>&1
t_eq "... and so does --once" "$?" 1
t_ok "the first one is still running" alive

# --- SIGHUP ----------------------------------------------------------------------------------------
: >"$T/notify.log"
conf_with "$T/hup.conf" 3600 "no_such_key = 1;"
cp "$T/slow.conf" "$T/slow.conf.good"
cp "$T/hup.conf" "$T/slow.conf"
kill -HUP "$DPID"
t_ok "SIGHUP with a bad configuration: the refusal is logged" \
    wait_for 5 grep -q "reload refused" "$T/d.log"
t_ok "... with the reason (file, line, key)" grep -qE "slow.conf:[0-9]+.*no_such_key" "$T/d.log"
t_ok "... RELOADING=1, then READY=1 again" \
    wait_for 3 eval "grep -A1 '^RELOADING=1' '$T/notify.log' | grep -q '^READY=1'"
t_ok "... and the daemon keeps running" alive
reg_doc APP-D4 dm-0004 3
fx_submit "$T/APP-D4.json"
t_ok "... with the old configuration: documents are still processed" \
    wait_for 3 result_exists APP-D4

sed "s|key_dir = .*|key_dir = \"$T/nokeys\";|" "$T/slow.conf.good" >"$T/slow.conf"
kill -HUP "$DPID"
t_ok "SIGHUP with a configuration whose keys do not load is refused too" \
    wait_for 5 eval "[ \$(grep -c 'reload refused' '$T/d.log') -ge 2 ]"
t_ok "... and the daemon keeps running" alive

# a document linked in (IN_CREATE only: inotify does not report it) waits for a rescan
reg_doc APP-L1 dm-0011 4
cp "$T/APP-L1.json" "$SP/tmp/APP-L1.json.x"
ln "$SP/tmp/APP-L1.json.x" "$SP/applications/APP-L1.json"
sleep 1.5
t_fails "a document linked in is not seen by inotify" result_exists APP-L1
conf_with "$T/slow.conf" 1
kill -HUP "$DPID"
t_ok "SIGHUP with a good configuration: reloaded" \
    wait_for 5 grep -q "configuration .*slow.conf reloaded" "$T/d.log"
t_ok "... and the spool is scanned again at once" wait_for 3 result_exists APP-L1
reg_doc APP-L2 dm-0012 5
cp "$T/APP-L2.json" "$SP/tmp/APP-L2.json.x"
ln "$SP/tmp/APP-L2.json.x" "$SP/applications/APP-L2.json"
t_ok "... its rescan_s (1 s) is in force: a linked document is found by the rescan" \
    wait_for 4 result_exists APP-L2
rm -f "$SP"/tmp/*.x

# --- spool safety -------------------------------------------------------------------------------
# A large document written slowly under a name that is not a document's
# (".part"), while other documents arrive and rescans run, then renamed.
fx_doc register 5 0 --id APP-SLOW >"$T/slow.json"
python3 - "$T/slow.json" "$T/slow-big.json" <<'EOF'
import sys
doc = open(sys.argv[1], encoding="utf-8").read()
# ~60 KiB of insignificant whitespace after the opening brace: still one
# document, close to the 64 KiB limit
open(sys.argv[2], "w", encoding="utf-8").write(doc.replace("{", "{" + " " * 60000, 1))
EOF
slow_write() { # SRC DST SECONDS: in 20 pieces, SECONDS in all
	python3 - "$@" <<'EOF'
import sys, time
src, dst, secs = sys.argv[1], sys.argv[2], float(sys.argv[3])
data = open(src, "rb").read()
with open(dst, "wb") as f:
    for i in range(20):
        f.write(data[i * len(data) // 20:(i + 1) * len(data) // 20])
        f.flush()
        time.sleep(secs / 20)
EOF
}
slow_write "$T/slow-big.json" "$SP/applications/APP-SLOW.json.part" 2.5 &
wpid=$!
for i in 1 2; do
	sleep 0.6
	fx_doc register 6 $((i - 1)) --id "APP-MEANWHILE-$i" >"$T/mw$i.json"
	fx_submit "$T/mw$i.json"
done
wait "$wpid"
t_ok "documents arriving meanwhile are processed" wait_for 3 result_exists APP-MEANWHILE-2
sleep 1.2 # one more rescan
t_fails "a file being written under a temporary name is never read" \
    eval "ls '$SP/results' '$SP/rejected' | grep -q SLOW"
t_ok "... and stays where its producer put it" test -f "$SP/applications/APP-SLOW.json.part"
mv "$SP/applications/APP-SLOW.json.part" "$SP/applications/APP-SLOW.json"
t_ok "renamed into place, it is processed" wait_for 3 result_exists APP-SLOW
t_eq "... whole (a 60 KiB document)" "$(fx_outcome APP-SLOW)" pending

# A file written in place under its final name, slowly, without a rename
# (the contract says rename): a rescan reads it half-way.
fx_doc register 7 0 --id APP-INPLACE >"$T/inplace.json"
python3 - "$T/inplace.json" "$T/inplace-big.json" <<'EOF'
import sys
doc = open(sys.argv[1], encoding="utf-8").read()
open(sys.argv[2], "w", encoding="utf-8").write(doc.replace("{", "{" + " " * 200000, 1))
EOF
slow_write "$T/inplace-big.json" "$SP/applications/APP-INPLACE.json" 3
t_ok "a file written in place half-way is refused as malformed_json" \
    wait_for 3 eval "grep -q malformed_json '$SP/results/APP-INPLACE.json'"
t_ok "... moved to rejected/, not applied" test -f "$SP/rejected/APP-INPLACE.json"
t_fails "... no record of its id" eval "fx_ldap -b 'ou=records,$GPC_BASE' '(|(gpcDocId=APP-INPLACE)(gpcDocId=a:APP-INPLACE))' dn | grep -q dn:"
t_ok "... and not lost: rejected/ holds every byte its producer wrote" \
    cmp "$T/inplace-big.json" "$SP/rejected/APP-INPLACE.json"
t_fails "... nothing of it is left waiting" test -e "$SP/applications/APP-INPLACE.json"

printf '{"type": "gpcgate.decision/1", "id": "D-CUT", "iss' >"$SP/tmp/cut.json"
mv "$SP/tmp/cut.json" "$SP/decisions/cut.json"
t_ok "an unparseable file is moved to rejected/" wait_for 3 test -f "$SP/rejected/cut.json"
t_ok "... with its result, never deleted" grep -q malformed_json "$SP/results/cut.json"

fx_doc register 8 0 --id APP-HIDDEN >"$SP/applications/.APP-HIDDEN.json"
cp "$T/mw1.json" "$SP/tmp/APP-TMP.json"
sleep 1.5
t_ok "files in tmp/ and names starting with '.' are never read" \
    eval "test -f '$SP/applications/.APP-HIDDEN.json' && test -f '$SP/tmp/APP-TMP.json' &&
        ! ls '$SP/results' | grep -qE 'HIDDEN|APP-TMP'"
rm -f "$SP/applications/.APP-HIDDEN.json" "$SP/tmp/APP-TMP.json"

# --- SIGTERM finishes the document in hand ----------------------------------------------------------
d_stop TERM
t_eq "SIGTERM on an idle daemon: exit status 0" "$?" 0
python3 "$GPC_SRCDIR/tests/harness/batch.py" "$T/batch" --docs 150 --ctl "$GPC_CTL" \
    --conf "$GPC_CONF" --pki "$T/pki" >"$T/batch.n"
python3 "$GPC_SRCDIR/tests/harness/spoolcmp.py" feed "$T/batch" "$SP" >/dev/null
d_start "$T/slow.conf" -d
wait_for 10 eval "ls '$SP/archive' | grep -q '^A0000-reg'"
d_stop TERM
t_eq "SIGTERM in the middle of a batch of $(cat "$T/batch.n"): exit status 0" "$?" 0
t_ok "... STOPPING=1 sent" notified '^STOPPING=1'
left=$(waiting)
t_ok "... it stopped between two documents, before the end ($left left waiting)" \
    test "$left" -gt 0
t_eq "... leaving no document half applied" \
    "$(fx_ldap -b "ou=records,$GPC_BASE" '(gpcOutcome=applying)' dn | grep -c '^dn:')" 0
fx_run
t_ok "... the next run processes the rest: each document once, with its outcome" \
    python3 "$GPC_SRCDIR/tests/harness/spoolcmp.py" manifest "$T/batch" "$SP"

# --- SIGINT, syslog, SIGKILL and the lock --------------------------------------------------------------
: >"$T/d.log"
d_start "$T/slow.conf" # no -d: the log goes to syslog
wait_for 10 notified '^READY=1'
t_ok "without -d it stays in the foreground too" alive
d_stop INT
t_eq "SIGINT: exit status 0" "$?" 0
t_eq "without -d nothing is written to stderr" "$(cat "$T/d.log")" ""

d_start "$T/slow.conf" -d
wait_for 10 notified '^READY=1'
d_stop KILL
d_start "$T/slow.conf" -d
t_ok "after a SIGKILL the lock is free: a new daemon starts" wait_for 10 notified '^READY=1'
d_stop TERM

# --- leftovers of a killed run -----------------------------------------------------------------------------
sleep 0 &
dead=$!
wait "$dead"
echo '{"half' >"$T/outbox/X.notice.json.tmp.$dead"
echo '{"half' >"$SP/results/X.json.tmp.$dead"
echo '{"half' >"$SP/results/Z.json.tmp.Qx9aB2" # mkstemp(3)'s kind of name
echo '{"busy' >"$T/outbox/Y.notice.json.tmp.$$"
d_start "$T/slow.conf" -d
wait_for 10 notified '^READY=1'
t_ok "temporary files a killed run left in the outbox and results/ are removed" \
    eval "! ls '$T/outbox' '$SP/results' | grep -qE '^(X|Z)\..*tmp'"
t_ok "... but not one whose writer is alive" test -e "$T/outbox/Y.notice.json.tmp.$$"
rm -f "$T/outbox/Y.notice.json.tmp.$$"

# --- the directory goes away and comes back ------------------------------------------------------------------
gpc_slapd_stop "$T"
reg_doc APP-D5 dm-0005 0 # the holder of APP-D1: refused, but it needs the directory
fx_submit "$T/APP-D5.json"
t_ok "the directory gone: the daemon keeps running" wait_for 3 grep -q "not processed" "$T/d.log"
t_ok "... and says so" grep -q "directory" "$T/d.log"
t_ok "... the document waits" test -f "$SP/applications/APP-D5.json"
gpc_slapd_start "$T" >/dev/null 2>&1
t_ok "the directory back: the waiting document is processed" wait_for 15 result_exists APP-D5
t_eq "... checked against the directory" "$(fx_reasons APP-D5)" identity_conflict
d_stop TERM

# --- the deadline sweep runs on the periodic rescan --------------------------------------------------------------
fx_doc register 9 0 --id APP-DL >"$T/dl.json" && fx_process "$T/dl.json"
fx_doc decision approve 150100 --id OK-DL --app APP-DL >"$T/okdl.json" &&
    fx_process "$T/okdl.json" 150100
tomorrow=$(TZ=Asia/Shanghai date -d tomorrow +%F)
fx_doc decision suspend 150100 --id SUS-DL --unit 12150125900712716A \
    --account 150125-10-jb01 --reason holder_mismatch --deadline "$tomorrow" \
    --on-deadline terminate >"$T/sus.json" && fx_process "$T/sus.json" 150100
t_eq "a suspension with tomorrow's deadline" "$(fx_outcome SUS-DL)" applied
FT=$(ls /usr/lib/*/faketime/libfaketime.so.1 2>/dev/null | head -n 1)
if [ -n "$FT" ]; then
	: >"$T/notify.log"
	# a sanitized daemon needs its runtime first in the preload list
	[ "${SAN:-}" = asan ] && FT="$(gcc -print-file-name=libasan.so) $FT"
	LD_PRELOAD=$FT FAKETIME="+3d" FAKETIME_DONT_FAKE_MONOTONIC=1 NOTIFY_SOCKET=$T/n.sock \
	    "$GPC_PROVD" -f "$T/slow.conf" -d >>"$T/d.log" 2>&1 &
	DPID=$!
	t_ok "three days later the daemon's periodic scan terminates the account" \
	    wait_for 10 eval "grep -l '\"cause\": \"SUS-DL\"' '$SP'/results/deadline-*.json"
	t_eq "... which is terminated" "$(fx_ldap -b "ou=units,$GPC_BASE" '(uid=150125-10-jb01)' \
	    gpcState | sed -n 's/^gpcState: //p')" terminated
	d_stop TERM
else
	t_report 0 "# SKIP libfaketime not installed"
fi

# --- the systemd unit --------------------------------------------------------------------------------------------
UNIT=$GPC_SRCDIR/config/gpcgate-provisiond.service
for want in Type=notify User=gpcgate ExecReload=/bin/kill\ -HUP\ \$MAINPID NoNewPrivileges=yes \
    ProtectSystem=strict ProtectHome=yes PrivateTmp=yes CapabilityBoundingSet= \
    SystemCallFilter=@system-service "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6" \
    ReadWritePaths=; do
	t_ok "the unit has $want" grep -q "^$want" "$UNIT"
done
if command -v systemd-analyze >/dev/null; then
	mkdir -p "$T/unit"
	sed "s|/usr/local/sbin/gpcgate-provisiond|$GPC_PROVD|g" "$UNIT" \
	    >"$T/unit/gpcgate-provisiond.service"
	systemd-analyze verify --man=no "$T/unit/gpcgate-provisiond.service" >"$T/verify.out" 2>&1
	t_eq "systemd-analyze verify accepts the unit" "$?" 0
	t_eq "... without a warning" "$(grep -v 'Cannot stat .*generator' "$T/verify.out")" ""
else
	t_report 0 "# SKIP systemd-analyze not installed"
fi

t_done
