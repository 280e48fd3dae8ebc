# shellcheck shell=bash
# gpcgate — helpers for the directory-connection tests (tests/integration/
# test_dir_*.sh).  Source after tests/harness/lib.sh and t_setup.
#
#   dt_conf NAME URIS [KEY=VALUE]...   $T/NAME.conf: the installation's config
#                                      with directory.uri = [ URIS ] and the
#                                      directory keys given (libconfig values,
#                                      strings quoted), plus a PAM service NAME
#                                      that reads it; state_file defaults to
#                                      $T/NAME.failover, never /run
#   dt_probe NAME [ARGS]...            dirprobe -f $T/NAME.conf; stdout in
#                                      $T/probe.out, log in $T/probe.log
#   dt_field KEY                       a KEY=value field of $T/probe.out
#   dt_ms                              milliseconds since the epoch
#   dt_blackhole NAME                  start a black-holed server: port in
#                                      $T/NAME.port, accepts in $T/NAME.accepts
#   dt_accepts NAME                    how many connections it accepted
#   dt_lagproxy NAME PORT              a relay to 127.0.0.1:PORT that delays
#                                      the server's bytes by the milliseconds
#                                      in $T/NAME.delay (tests/harness/
#                                      lagproxy.py); port in $T/NAME.port
#   dt_keep FILE...                    copy files (logs) where the no-secrets
#                                      scan reads them, before $T goes: $DT_KEEP
#   dt_keep_secrets VALUE...           tell that scan what must never appear

DT_PROBE="${O:-.}/tests/harness/dirprobe"
case $DT_PROBE in /*) ;; *) DT_PROBE="$GPC_SRCDIR/$DT_PROBE" ;; esac
DT_PIDS=()
# test_zz_no_secrets.sh scans what the suite's tests leave here
DT_KEEP=${GPC_TEST_OUT:-$GPC_SRCDIR/tests/out}/keep

dt_conf() {
	# Linux-PAM looks a service up by its lower-case name
	case $1 in *[A-Z]*) echo "dt_conf: $1: service names are lower-case" >&2; return 1 ;; esac
	local name=$1 uris=$2 kv
	shift 2
	# every key given replaces the installation's own line, if any
	kv=("state_file=\"$T/$name.failover\"" "$@")
	awk -v uris="$uris" -v kvs="$(printf '%s\n' "${kv[@]}")" '
		BEGIN { n = split(kvs, a, "\n")
			for (i = 1; i <= n; i++) if (a[i] != "") {
				k = substr(a[i], 1, index(a[i], "=") - 1)
				v = substr(a[i], index(a[i], "=") + 1)
				key[k] = v; order[++m] = k } }
		/^directory = \{/ { indir = 1 }
		indir && /^\};/ { indir = 0 }
		indir {
			k = $1
			if (k == "uri") { print "  uri = [ " uris " ];"; next }
			if (k in key) next
			if (k == "base") { print
				for (i = 1; i <= m; i++) print "  " order[i] " = " key[order[i]] ";"
				next }
		}
		{ print }' "$GPC_CONF" >"$T/$name.conf"
	chmod 0644 "$T/$name.conf"
	printf 'auth     required  %s conf=%s\naccount  required  %s conf=%s\n' \
	    "$GPC_PAM_SO" "$T/$name.conf" "$GPC_PAM_SO" "$T/$name.conf" >"$T/pam.d/$name"
}

dt_probe() {
	local name=$1 rc
	shift
	"$DT_PROBE" -f "$T/$name.conf" "$@" >"$T/probe.out" 2>"$T/probe.log"
	rc=$?
	# a sanitized build (make asan): its reports go to stderr
	if grep -q "Sanitizer" "$T/probe.log"; then
		t_report 1 "dirprobe -f $name.conf $*: no sanitizer report" "$T/probe.log"
	fi
	return $rc
}

dt_field() {
	tr ' ' '\n' <"$T/probe.out" | sed -n "s/^$1=//p" | head -n 1
}

dt_ms() {
	echo $(($(date +%s%N) / 1000000))
}

dt_blackhole() {
	local name=$1 i
	rm -f "$T/$name.port"
	: >"$T/$name.accepts"
	python3 "$GPC_SRCDIR/tests/harness/blackhole.py" "$T/$name.port" "$T/$name.accepts" &
	DT_PIDS+=($!)
	for ((i = 0; i < 250; i++)); do
		[ -s "$T/$name.port" ] && return 0
		sleep 0.02
	done
	return 1
}

dt_lagproxy() {
	local name=$1 i
	rm -f "$T/$name.port"
	echo 0 >"$T/$name.delay"
	python3 "$GPC_SRCDIR/tests/harness/lagproxy.py" "$T/$name.port" "$2" "$T/$name.delay" &
	DT_PIDS+=($!)
	for ((i = 0; i < 250; i++)); do
		[ -s "$T/$name.port" ] && return 0
		sleep 0.02
	done
	return 1
}

dt_accepts() {
	wc -l <"$T/$1.accepts" | tr -d ' '
}

dt_stop_helpers() {
	local p
	for p in "${DT_PIDS[@]}"; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	DT_PIDS=()
}

dt_keep() {
	local dest
	dest="$DT_KEEP/$(basename "$0" .sh)"
	mkdir -p "$dest" && cp -p "$@" "$dest/" 2>/dev/null
	return 0
}

dt_keep_secrets() { fx_keep_secrets "$@"; }
