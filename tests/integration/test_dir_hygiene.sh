#!/usr/bin/env bash
# The module in other people's processes (issue 3, item 16):
#  - no mutable static data: no symbol of pam_gpcgate.so lives in .data,
#    .bss, .tdata or .tbss but the toolchain's own (crtstuff);
#  - every descriptor closed: /proc/self/fd of one process is the same
#    after the first login and after the last of many (pamloop);
#  - no memory lost: GPC_VG_CYCLES (default 300; `make valgrind-loop` runs
#    10,000) pam_start/authenticate/end cycles in one process that does not
#    link libldap itself, under valgrind memcheck: 0 bytes definitely or
#    indirectly lost, no memory error, and what is still reachable at exit
#    does not grow with the number of cycles.
# The cycles mix a success (cycle 1; later ones replay its code), a wrong
# password, an unknown name and a malformed code.
. "$(dirname "$0")/../harness/lib.sh"
. "$GPC_SRCDIR/tests/harness/dirtest.sh"
trap 'dt_stop_helpers; t_cleanup' EXIT
t_setup

N=${GPC_VG_CYCLES:-300}
SMALL=20
LOOP="${O:-.}/tests/harness/pamloop"
case $LOOP in /*) ;; *) LOOP="$GPC_SRCDIR/$LOOP" ;; esac

# --- static data ---------------------------------------------------------------------
so=$GPC_PAM_SO
readelf -SW "$so" | awk 'match($0, /\[ *[0-9]+\] [^ ]+/) {
	split(substr($0, RSTART + 1, RLENGTH - 1), f, "] "); gsub(/ /, "", f[1]); print f[1], f[2] }' \
    >"$T/sections"
readelf -sW "$so" | awk 'NR == FNR { sec[$1] = $2; next }
	($4 == "OBJECT" || $4 == "TLS") && ($7 in sec) && sec[$7] ~ /^\.(data|bss|tdata|tbss)$/ &&
	$8 !~ /^(completed\.[0-9]+|__dso_handle|__TMC_END__)$/ { print sec[$7], $3, $8 }' \
    "$T/sections" - | sort -u >"$T/rw-symbols"
t_ok "pam_gpcgate.so has a symbol table to check (not stripped)" \
    grep -q pam_sm_authenticate <(readelf -sW "$so")
t_eq "no writable static data in pam_gpcgate.so (.data/.bss/.tdata/.tbss symbols)" \
    "$(tr '\n' ';' <"$T/rw-symbols")" ""
sizes=""
while read -r name hex; do
	sizes+="$name $((16#$hex)) bytes, "
done < <(readelf -SW "$so" | sed -n 's/^ *\[ *[0-9]*\] \(\.data\|\.bss\) *[A-Z]* *[0-9a-f]* *[0-9a-f]* \([0-9a-f]*\) .*/\1 \2/p')
echo "# writable sections of the module: ${sizes}holding no symbol of ours"

# --- logins in one process ---------------------------------------------------------------
if [ -n "${SAN:-}" ]; then
	# valgrind and a sanitized module do not mix; the sanitizer checks leaks itself
	t_report 0 "logins in one process under valgrind # SKIP sanitized build (SAN=$SAN)"
	t_done
fi
uid=$(fx_doc get units.1.accounts.0.uid)
fx_active 1 0 || { echo "Bail out! fixture account"; exit 1; }
# The replayed code must stay a replay (not a wrong code, which counts
# toward the lockout) for the whole run: 10,000 cycles take minutes.
sed -i 's/window = [0-9]*;/window = 10;/; s/failure_limit = [0-9]*;/failure_limit = 100;/' \
    "$GPC_CONF"
pw=$(cat "$T/pw.$uid")
t0=$(date +%s)
dt_keep_secrets "$pw" "$(cat "$T/secret.$uid")"
loop() { # CODE CYCLES [valgrind...]: pamloop in pam_wrapper; output in $T/loop.out
	local code=$1 n=$2
	shift 2
	dt_keep_secrets "$code"
	(umask 077 && printf '%s\t%s\t%s\n' "$uid" "$pw" "$code" "$uid" wrong-password "$code" \
	    no-such-user x 000000 "$uid" "$pw" 12345 >"$T/answers")
	LD_PRELOAD="$GPC_PAM_WRAPPER" PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR="$T/pam.d" \
	    "$@" "$LOOP" -n "$n" gpcgate "$T/answers" >"$T/loop.out" 2>&1
}
t_ok "pamloop links libpam, not libldap" \
    test "$(readelf -d "$LOOP" | grep -c 'NEEDED.*libldap')" = 0

loop "$(fx_code "$uid" "@$((t0 - 30))")" 200
rc=$?
echo "# $(grep '^cycles=' "$T/loop.out")"
t_report $rc "200 logins in one process leave no descriptor open" "$T/loop.out"
t_ok "... the first of them succeeded" grep -q "success=1 " "$T/loop.out"
t_ok "... and no descriptor outlives a login at all" \
    grep -Eq "fds_before=([0-9]+) fds_after_first=\1 fds_after=\1$" "$T/loop.out"

# shellcheck disable=SC2054 # the commas belong to valgrind's option
VG=(valgrind --leak-check=full --errors-for-leak-kinds=definite,indirect --error-exitcode=99
    --suppressions="$GPC_SRCDIR/tests/valgrind.supp")
reachable() { sed -n 's/.*still reachable: \([0-9,]*\) bytes.*/\1/p' "$T/loop.out" | tr -d ,; }
loop "$(fx_code "$uid" "@$t0")" $SMALL "${VG[@]}"
rc=$?
small=$(reachable)
t_report $rc "$SMALL cycles under valgrind: no error, nothing lost" "$T/loop.out"
start=$(dt_ms)
loop "$(fx_code "$uid" "@$((t0 + 30))")" "$N" "${VG[@]}"
rc=$?
secs=$((($(dt_ms) - start) / 1000))
cp "$T/loop.out" "$T/valgrind-$N.out"
echo "# $N cycles under valgrind in $secs s: $(grep '^cycles=' "$T/loop.out")"
sed -n 's/^==[0-9]*== *\(definitely\|indirectly\|possibly\) lost/# \1 lost/p;
    s/^==[0-9]*== *still reachable/# still reachable/p' "$T/loop.out"
t_report $rc "$N pam_start/authenticate/end cycles under valgrind: no memory error" \
    "$T/loop.out"
t_ok "... 0 bytes definitely lost" grep -q "definitely lost: 0 bytes in 0 blocks" "$T/loop.out"
t_ok "... 0 bytes indirectly lost" grep -q "indirectly lost: 0 bytes in 0 blocks" "$T/loop.out"
t_ok "... the first cycle succeeded (the whole path ran)" grep -q "success=1 " "$T/loop.out"
t_eq "... still reachable at exit the same after $SMALL and after $N cycles (bytes)" \
    "$(reachable)" "$small"

dt_keep "$T/valgrind-$N.out" "$T/slapd.log" "$T/audit.log"
t_done
