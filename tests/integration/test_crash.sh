#!/usr/bin/env bash
# Exactly once, whatever crashes (issue 4, item 6).  One batch of documents
# (tests/harness/batch.py: registrations, approvals, denials, suspensions,
# reinstatements, terminations, changes, handovers, a unit-wide suspension,
# malformed, unsigned, forged and replayed documents) goes into two private
# installations that share keys and bureau certificates:
#   - B is processed by one clean run (gpcgate-provisiond --once);
#   - A by the daemon, killed with SIGKILL after a random few milliseconds,
#     again and again, then left to finish.
# Then A must equal B: the directory (units, accounts, applications,
# records; values made from the clock or from fresh randomness compared by
# presence), every document's result and outcome, the notices' names and
# contents (without the enrollment codes), the archive, and the audit
# trail's events; every document has exactly one result and one archived
# copy, none is left waiting or half applied.
#
#   GPC_CRASH_DOCS   documents in the batch (default 300)
#   GPC_CRASH_KILLS  SIGKILLs at most (default 40; fewer if the spool empties first)
#   GPC_CRASH_MIN_MS, GPC_CRASH_MAX_MS  the random life of each daemon (3-60)
#   GPC_CRASH_SEED   seed of the random lives (default: the pid; printed)
# `make soak` runs it with 1200 documents and 200 kills.
. "$(dirname "$0")/../harness/lib.sh"
t_setup

DOCS=${GPC_CRASH_DOCS:-300}
KILLS=${GPC_CRASH_KILLS:-40}
MIN_MS=${GPC_CRASH_MIN_MS:-3}
MAX_MS=${GPC_CRASH_MAX_MS:-60}
SEED=${GPC_CRASH_SEED:-$$}
RANDOM=$SEED
cmp_() { python3 "$GPC_SRCDIR/tests/harness/spoolcmp.py" "$@"; }
A=$T
B=$T/b
DPID="" NPID=""
c_cleanup() {
	[ -n "$DPID" ] && kill -KILL "$DPID" 2>/dev/null && wait "$DPID" 2>/dev/null
	[ -n "$NPID" ] && kill "$NPID" 2>/dev/null && wait "$NPID" 2>/dev/null
	gpc_env_teardown "$B" >/dev/null 2>&1
	t_cleanup
}
trap c_cleanup EXIT
echo "# $DOCS documents, up to $KILLS kills after ${MIN_MS}-${MAX_MS} ms, seed $SEED"

# --- two installations, one set of keys and bureau certificates -------------------------------
if ! gpc_env_setup "$B" >"$T/setup-b.log" 2>&1; then
	echo "Bail out! second installation: $(tail -n 5 "$T/setup-b.log")"
	exit 1
fi
rm -f "$B"/keys/* "$B"/pki/*
cp -p "$A"/keys/* "$B/keys/"
cp -p "$A"/pki/* "$B/pki/"
. "$A/env" # back to A for fx_ldap and the rest
GPC_CONF=$A/gpcgate.conf
ldap_of() { # DIR BASE-RDN -> the subtree: user attributes and ppolicy's lock
	(. "$1/env" && ldapsearch -LLL -o ldif-wrap=no -x -H "$GPC_LDAPI_URI" -D "$GPC_ROOTDN" \
	    -y "$1/root.pw" -b "$2,$GPC_BASE" '*' pwdAccountLockedTime pwdReset)
}
waiting() { ls "$1/spool/applications" "$1/spool/decisions" | grep -c '\.json$'; }

python3 "$GPC_SRCDIR/tests/harness/batch.py" "$T/batch" --docs "$DOCS" --ctl "$GPC_CTL" \
    --conf "$GPC_CONF" --pki "$A/pki" >"$T/batch.n"
n=$(cat "$T/batch.n")
t_ok "a batch of $n documents (at least $DOCS)" test "$n" -ge "$DOCS"
for d in "$A" "$B"; do
	mkdir -p "$d/spool/tmp" "$d/spool/applications" "$d/spool/decisions"
	cmp_ feed "$T/batch" "$d/spool" >/dev/null
done
t_eq "both spools hold the batch" "$(waiting "$A") $(waiting "$B")" "$n $n"

# --- B: one clean run ------------------------------------------------------------------------------
t0=$(date +%s%N)
t_ok "B: one clean run processes the batch" \
    "$GPC_PROVD" -f "$B/gpcgate.conf" --once -d
t1=$(date +%s%N)
echo "# clean run: $(((t1 - t0) / 1000000)) ms"
t_ok "B: every document has its result and outcome, once" cmp_ manifest "$T/batch" "$B/spool"
grep '^documents' "$T/t.out" | sed 's/^/# B: /'

# --- A: killed again and again -----------------------------------------------------------------------
kills=0 midway=0 before=$n
while [ "$kills" -lt "$KILLS" ] && [ "$before" -gt 0 ]; do
	"$GPC_PROVD" -f "$GPC_CONF" -d >>"$T/crash.log" 2>&1 &
	DPID=$!
	sleep "$(printf '0.%03d' $((MIN_MS + RANDOM % (MAX_MS - MIN_MS + 1))))"
	kill -KILL "$DPID"
	{ wait "$DPID"; } 2>/dev/null
	DPID=""
	kills=$((kills + 1))
	after=$(waiting "$A")
	# killed while it still had work, after it had begun it
	[ "$after" -gt 0 ] && [ "$after" -lt "$before" ] && midway=$((midway + 1))
	before=$after
done
left=$before
# the last one runs until the spool is empty; READY=1 says its signals are set up
python3 "$GPC_SRCDIR/tests/harness/notify.py" "$T/n.sock" "$T/notify.log" &
NPID=$!
for ((i = 0; i < 100; i++)); do [ -f "$T/notify.log.ready" ] && break; sleep 0.05; done
NOTIFY_SOCKET=$T/n.sock "$GPC_PROVD" -f "$GPC_CONF" -d >>"$T/crash.log" 2>&1 &
DPID=$!
for ((i = 0; i < 2400; i++)); do
	grep -q '^READY=1' "$T/notify.log" && [ "$(waiting "$A")" = 0 ] && break
	sleep 0.05
done
kill -TERM "$DPID"
wait "$DPID"
rc=$?
DPID=""
t_eq "A: after the last kill the daemon finishes the batch and stops on SIGTERM" "$rc" 0
redone=$(grep -c 'finishing after an interruption' "$T/crash.log")
cleaned=$(grep -c 'unfinished file' "$T/crash.log")
echo "# survived $kills kills ($midway in the middle of the batch; $left documents left" \
    "for the last run); $redone documents finished after an interruption; $cleaned" \
    "restarts cleaned up a half-written file"
want=$((KILLS < 20 ? KILLS : 20))
t_ok "A: killed $kills times (at least $want), $midway of them in the middle of the batch" \
    test "$kills" -ge "$want" -a "$midway" -ge $((want * 3 / 4))

# --- A equals B ---------------------------------------------------------------------------------------------
t_ok "A: every document has its result and outcome, and is archived once" \
    cmp_ manifest "$T/batch" "$A/spool"
grep '^documents' "$T/t.out" | sed 's/^/# A: /'
t_eq "A: no document is left half applied (no record \"applying\")" \
    "$(fx_ldap -b "ou=records,$GPC_BASE" '(gpcOutcome=applying)' dn | grep -c '^dn:')" 0
for sub in ou=units ou=applications ou=records; do
	ldap_of "$A" "$sub" | cmp_ ldif >"$T/a.$sub"
	ldap_of "$B" "$sub" | cmp_ ldif >"$T/b.$sub"
	t_ok "the directory's $sub after $kills kills equals the clean run's ($(grep -c '^dn:' \
	    "$T/b.$sub") entries)" diff -u "$T/b.$sub" "$T/a.$sub"
done
cmp_ results "$A/spool" >"$T/a.results"
cmp_ results "$B/spool" >"$T/b.results"
t_ok "the results are the same ($(wc -l <"$T/b.results") files): outcomes, reasons, effects" \
    diff -u "$T/b.results" "$T/a.results"
cmp_ outbox "$A/outbox" >"$T/a.outbox"
cmp_ outbox "$B/outbox" >"$T/b.outbox"
t_ok "the notices are the same ($(wc -l <"$T/b.outbox")): names, kinds, addressees" \
    diff -u "$T/b.outbox" "$T/a.outbox"
t_ok "no half-written file is left in the outbox or results/" \
    eval "! ls '$A/outbox' '$A/spool/results' | grep -q '\.tmp\.'"
for sub in archive rejected; do
	t_ok "$sub/ holds the same files" diff -u <(ls "$B/spool/$sub") <(ls "$A/spool/$sub")
done
cmp_ audit "$A/audit.log" >"$T/a.audit"
cmp_ audit "$B/audit.log" >"$T/b.audit"
t_ok "the audit trail holds no event the clean run does not have" \
    diff -u <(sort -u "$T/b.audit") <(sort -u "$T/a.audit" "$T/b.audit")
# Each document's and notice's audit line is written after its work and
# marked "once", so a crash neither loses it (the rerun writes it) nor
# doubles it (the rerun finds it).
t_ok "the audit trail records each document and notice exactly once, as the clean run did" \
    diff -u "$T/b.audit" "$T/a.audit"
lost=$(diff "$T/b.audit" "$T/a.audit" | grep -c '^<')
extra=$(diff "$T/b.audit" "$T/a.audit" | grep -c '^>')
echo "# audit: $lost event(s) lost, $extra written twice"
diff "$T/b.audit" "$T/a.audit" | grep '^>' | cut -c1-200 | sed 's/^>/#   twice:/'
kill "$NPID" 2>/dev/null && wait "$NPID" 2>/dev/null
NPID=""
t_ok "the audit chain of A verifies" "$GPC_CTL" -f "$GPC_CONF" audit verify "$A/audit.log"

t_done
