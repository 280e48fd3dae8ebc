# gpcgate — helpers for the shell integration tests (bash).  Source it from
# a test; it sets up a private installation in $T (scripts/private-env.sh),
# tears it down at exit and prints TAP ("ok N - what" / "not ok N - what").
#
#   t_ok "what" CMD...        passes if CMD succeeds
#   t_fails "what" CMD...     passes if CMD fails
#   t_eq "what" GOT WANT      passes if the strings are equal
#   t_done                    prints the plan; exit status 1 if anything failed
#
# and the fixture helpers of fx.sh.

set -u
GPC_SRCDIR=${GPC_SRCDIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
# shellcheck source=scripts/private-env.sh
. "$GPC_SRCDIR/scripts/private-env.sh"

T_N=0
T_FAILED=0
T=$(mktemp -d /tmp/gt.XXXXXX)
# shellcheck source=tests/harness/fx.sh
. "$GPC_SRCDIR/tests/harness/fx.sh"

t_cleanup() {
	gpc_env_teardown "$T" >/dev/null 2>&1
	if [ "$T_FAILED" = 0 ] || [ -z "${GPC_KEEP_FAILED:-}" ]; then
		rm -rf "$T"
	else
		echo "# kept $T"
	fi
}
trap t_cleanup EXIT

t_report() { # status what [detail-file]
	T_N=$((T_N + 1))
	if [ "$1" = 0 ]; then
		echo "ok $T_N - $2"
	else
		echo "not ok $T_N - $2"
		T_FAILED=$((T_FAILED + 1))
		[ -n "${3:-}" ] && [ -f "$3" ] && sed 's/^/#   /' "$3" | head -n 40
	fi
}

t_ok() {
	local what=$1
	shift
	"$@" >"$T/t.out" 2>&1
	t_report $? "$what" "$T/t.out"
}

t_fails() {
	local what=$1
	shift
	if "$@" >"$T/t.out" 2>&1; then
		t_report 1 "$what (unexpectedly succeeded)" "$T/t.out"
	else
		t_report 0 "$what"
	fi
}

t_eq() {
	if [ "$2" = "$3" ]; then
		t_report 0 "$1"
	else
		printf 'got:  %s\nwant: %s\n' "$2" "$3" >"$T/t.out"
		t_report 1 "$1" "$T/t.out"
	fi
}

t_done() {
	echo "1..$T_N"
	[ "$T_FAILED" = 0 ]
	exit $?
}

t_setup() {
	if ! gpc_env_setup "$T" >"$T/setup.log" 2>&1; then
		echo "Bail out! private installation: $(tail -n 5 "$T/setup.log")"
		exit 1
	fi
	# shellcheck disable=SC1091
	. "$T/env"
}

