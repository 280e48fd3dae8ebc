# gpcgate — a complete private installation in one directory, for the demo
# and the integration tests: a private slapd, keys, a throwaway bureau PKI,
# a configuration and a spool.  Source this file (bash), then:
#
#   gpc_env_setup DIR     everything below DIR (short: mktemp -d /tmp/g.XXXXXX)
#   gpc_env_teardown DIR  stop slapd
#
# After setup:
#   DIR/gpcgate.conf      the configuration (bureaus 150102 with rsa.pem,
#                         150100 with ec.pem for 1501xx, 150103 with sm2.pem;
#                         159901 and 159902 with an expired and a not yet
#                         valid certificate)
#   DIR/pki/              the PKI of scripts/mkpki
#   DIR/keys/             seal and index keys
#   DIR/spool/, DIR/outbox/
#   DIR/pam.d/            pam_wrapper service files: gpcgate and gpc-review
#                         (auth+account), alt (the same with DIR/alt.conf);
#                         gpc-items, gpc-one, gpc-first, gpc-try, gpc-optout
#                         (auth only, see gpc_env_auth_services); gpc-full,
#                         gpc-passwd, gpc-passwd-retry, gpc-authtok,
#                         gpc-keyauth, gpc-optional (the account, password and
#                         session groups, see gpc_env_stage_services)
# and the variables of scripts/slapd.sh plus GPC_CONF, GPC_CTL, GPC_PROVD,
# GPC_PAM_SO, GPC_PAM_WRAPPER (the libpam_wrapper.so path).

GPC_SRCDIR=${GPC_SRCDIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
# shellcheck source=scripts/slapd.sh
. "$GPC_SRCDIR/scripts/slapd.sh"

gpc_env_paths() {
	local o=${O:-.}
	case $o in /*) ;; *) o="$GPC_SRCDIR/$o" ;; esac
	GPC_CTL="$o/provisioner/gpcgatectl"
	GPC_PROVD="$o/provisioner/gpcgate-provisiond"
	GPC_PAM_SO="$o/pam_module/pam_gpcgate.so"
	GPC_PAM_WRAPPER=$(ls /usr/lib/*/libpam_wrapper.so /usr/lib/libpam_wrapper.so 2>/dev/null |
	    head -n 1)
}

# gpc_env_config DIR [extra settings appended inside groups via sed]
gpc_env_write_config() {
	local dir=$1
	# shellcheck disable=SC1091
	. "$dir/env"
	cat >"$dir/gpcgate.conf" <<EOF
# private gpcgate configuration in $dir
directory = {
  uri = [ "$GPC_LDAPI_URI" ];
  base = "$GPC_BASE";
  reader_dn = "$GPC_READER";
  reader_password_file = "$dir/reader.pw";
  writer_dn = "$GPC_WRITER";
  writer_password_file = "$dir/writer.pw";
  network_timeout_ms = 2000;
  operation_timeout_ms = 5000;
};
totp = {
  digits = 6;
  period = 30;
  algorithm = "sha1";
  window = 1;
  issuer = "政府采购云平台";
  failure_limit = 5;
  lockout_s = 900;
};
crypto = {
  suite = "${GPC_SUITE:-standard}";
  key_dir = "$dir/keys";
};
pam = {
  fail_delay_ms = 0;
  language = "en";
  services = (
    { service = "gpc-review"; roles = [ "reviewer" ]; }
  );
};
provisioner = {
  spool = "$dir/spool";
  outbox = "$dir/outbox";
  time_zone = "Asia/Shanghai";
  hold_s = ${GPC_HOLD_S:-0};
  bureaus = (
    { issuer = "150102"; name = "新城区财政局"; certificate = "$dir/pki/rsa.pem"; },
    { issuer = "150100"; name = "呼和浩特市财政局"; certificate = "$dir/pki/ec.pem";
      jurisdiction = [ "1501" ]; },
    { issuer = "150103"; name = "回民区财政局"; certificate = "$dir/pki/sm2.pem"; },
    { issuer = "159901"; name = "expired certificate"; certificate = "$dir/pki/expired.pem";
      jurisdiction = [ "15" ]; },
    { issuer = "159902"; name = "future certificate"; certificate = "$dir/pki/future.pem";
      jurisdiction = [ "15" ]; }
  );
};
audit = {
  file = "$dir/audit.log";
  syslog = false;
};
EOF
	chmod 0644 "$dir/gpcgate.conf"
}

gpc_env_setup() {
	local dir=$1
	gpc_env_paths
	gpc_slapd_setup "$dir" "${GPC_TEST_BASE:-dc=gpcloud,dc=example}" \
	    "${GPC_SUITE:-standard}" || return 1
	gpc_slapd_start "$dir" || return 1
	"$GPC_SRCDIR/scripts/mkpki" "$dir/pki" || return 1
	(umask 077 && mkdir -p "$dir/keys")
	gpc_env_write_config "$dir"
	GPC_CONF="$dir/gpcgate.conf"
	"$GPC_CTL" -f "$GPC_CONF" keys generate >/dev/null || return 1
	mkdir -p "$dir/pam.d"
	cat >"$dir/pam.d/gpcgate" <<EOF
auth     required  $GPC_PAM_SO conf=$GPC_CONF
account  required  $GPC_PAM_SO conf=$GPC_CONF
password required  $GPC_PAM_SO conf=$GPC_CONF
session  required  $GPC_PAM_SO conf=$GPC_CONF
EOF
	cp "$dir/pam.d/gpcgate" "$dir/pam.d/gpc-review"
	# "alt" reads DIR/alt.conf, which a test writes as it needs (pam_wrapper
	# copies the service files when a process starts: they cannot be added later)
	sed "s|conf=[^ ]*|conf=$dir/alt.conf|" "$dir/pam.d/gpcgate" >"$dir/pam.d/alt"
	echo "auth required pam_deny.so" >"$dir/pam.d/other"
	gpc_env_auth_services "$dir"
	gpc_env_stage_services "$dir"
	export GPC_CONF GPC_CTL GPC_PROVD GPC_PAM_SO GPC_PAM_WRAPPER
}

# Services for the prompt-mode tests (tests/integration/test_auth_*): the
# module with one_prompt, use_first_pass, try_first_pass, allow_unenrolled,
# around pam_wrapper's test modules: pam_set_items.so sets PAM_AUTHTOK from
# the process environment before us, pam_get_items.so exports the items
# (PAM_AUTHTOK) after us into the PAM environment, for the test to read.
gpc_env_auth_services() {
	local dir=$1 m pw
	pw="$(dirname "$GPC_PAM_WRAPPER")/pam_wrapper"
	m="$GPC_PAM_SO conf=$GPC_CONF"
	printf 'auth required %s\nauth required %s/pam_get_items.so\n' "$m" "$pw" \
	    >"$dir/pam.d/gpc-items"
	printf 'auth required %s one_prompt\nauth required %s/pam_get_items.so\n' "$m" "$pw" \
	    >"$dir/pam.d/gpc-one"
	printf 'auth required %s/pam_set_items.so\nauth required %s use_first_pass\nauth required %s/pam_get_items.so\n' \
	    "$pw" "$m" "$pw" >"$dir/pam.d/gpc-first"
	printf 'auth required %s/pam_set_items.so\nauth required %s try_first_pass\nauth required %s/pam_get_items.so\n' \
	    "$pw" "$m" "$pw" >"$dir/pam.d/gpc-try"
	# success ends the stack at once; PAM_IGNORE goes on to pam_get_items
	# (whose exported items show that it ran); a failure ends it with our code
	printf 'auth [success=done ignore=ignore default=die] %s allow_unenrolled\nauth required %s/pam_get_items.so\n' \
	    "$m" "$pw" >"$dir/pam.d/gpc-optout"
}

# Services for the account, password and session tests (tests/integration/
# test_pam_*): every group of the module (gpc-full, as sshd's stack); the
# password group alone (gpc-passwd), with retry=3 (gpc-passwd-retry), and
# after pam_set_items.so with use_first_pass use_authtok (gpc-authtok: both
# passwords come from the process environment, nothing is asked); the
# account and session groups after an authentication by another module
# (gpc-keyauth: pam_permit.so standing for an SSH key); our auth as
# "optional" before pam_permit.so (gpc-optional: the account stage decides).
gpc_env_stage_services() {
	local dir=$1 m pw
	pw="$(dirname "$GPC_PAM_WRAPPER")/pam_wrapper"
	m="$GPC_PAM_SO conf=$GPC_CONF"
	printf 'auth required %s\naccount required %s\npassword required %s\nsession required %s\n' \
	    "$m" "$m" "$m" "$m" >"$dir/pam.d/gpc-full"
	printf 'password required %s\n' "$m" >"$dir/pam.d/gpc-passwd"
	printf 'password required %s retry=3\n' "$m" >"$dir/pam.d/gpc-passwd-retry"
	printf 'password required %s/pam_set_items.so\npassword required %s use_first_pass use_authtok\n' \
	    "$pw" "$m" >"$dir/pam.d/gpc-authtok"
	printf 'auth required pam_permit.so\naccount required %s\nsession required %s\n' \
	    "$m" "$m" >"$dir/pam.d/gpc-keyauth"
	printf 'auth optional %s\nauth required pam_permit.so\naccount required %s\n' \
	    "$m" "$m" >"$dir/pam.d/gpc-optional"
}

gpc_env_teardown() {
	gpc_slapd_stop "$1"
}

# pamtester through pam_wrapper with this environment's service files:
#   gpc_pam DIR SERVICE USER OPERATION... < answers
gpc_pam() {
	local dir=$1 service=$2 user=$3
	shift 3
	LD_PRELOAD="${GPC_PAM_PRELOAD:+$GPC_PAM_PRELOAD }$GPC_PAM_WRAPPER" PAM_WRAPPER=1 \
	    PAM_WRAPPER_SERVICE_DIR="$dir/pam.d" pamtester -v "$service" "$user" "$@"
}
