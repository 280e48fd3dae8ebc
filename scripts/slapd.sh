# gpcgate — a private OpenLDAP server for the demo and the tests.
# Source this file (bash), then:
#
#   gpc_slapd_setup DIR [BASE] [SUITE]   build cn=config and the base DIT offline
#   gpc_slapd_start DIR [PORT [LDAPS_PORT]]
#                                        start on ldapi + a loopback port (free
#                                        or the one given; restart on the same)
#   gpc_slapd_stop DIR                   stop and wait
#
# and, optionally:
#
#   gpc_slapd_setup_tls DIR CERT KEY [CA]   serve TLS: StartTLS, and an ldaps://
#                                        listener from the next start
#   gpc_slapd_setup_peer DIR1 DIR2       make DIR2 a second provider of DIR1's
#                                        data (multi-provider replication)
#   gpc_slapd_setup_pair DIR1 DIR2 [BASE] [SUITE]   both at once
#
# DIR should be short (the ldapi socket path must stay under 108 bytes), e.g.
# from `mktemp -d /tmp/g.XXXXXX`.  After start, DIR/env holds shell variables:
# GPC_BASE, GPC_LDAP_URI, GPC_LDAPI_URI, GPC_ROOTDN, GPC_READER, GPC_WRITER,
# GPC_SLAPD_PID, GPC_LDAP_PORT (and with TLS GPC_LDAPS_URI, GPC_LDAPS_PORT);
# the passwords are in DIR/{root,reader,writer}.pw (mode 0600).  slapd runs as
# the caller, in the foreground of a background job of the calling shell, so
# the caller can wait for it; its log is DIR/slapd.log, at the debug level
# GPC_SLAPD_DEBUG (default 32768: fatal errors only; add 256 for one "conn=N
# op=M" line per operation).

GPC_SRCDIR=${GPC_SRCDIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
GPC_SLAPD_MODULES=${GPC_SLAPD_MODULES:-/usr/lib/ldap}
GPC_SCHEMA_DIR="$GPC_SRCDIR/schema"
# gpc_random_pw and the templates of schema/ (shared with gpcgate-setup-directory)
# shellcheck source=scripts/gpcgate-ldif.sh
. "$GPC_SRCDIR/scripts/gpcgate-ldif.sh"
export LDAPNOINIT=1 # our clients ignore /etc/ldap/ldap.conf and ~/.ldaprc

gpc_urlencode_path() {
	local s=$1 out="" c i
	for ((i = 0; i < ${#s}; i++)); do
		c=${s:i:1}
		case $c in
		[A-Za-z0-9._~-]) out+=$c ;;
		*) out+=$(printf '%%%02X' "'$c") ;;
		esac
	done
	printf '%s' "$out"
}

# gpc_slapd_config DIR BASE: the cn=config LDIF on stdout.
gpc_slapd_config() {
	local dir=$1 base=$2 rootpw_hash=$3 reader=$4 writer=$5
	local uid gid
	uid=$(id -u)
	gid=$(id -g)
	cat <<EOF
dn: cn=config
objectClass: olcGlobal
cn: config
olcPidFile: $dir/slapd.pid

dn: cn=module{0},cn=config
objectClass: olcModuleList
cn: module{0}
olcModulePath: $GPC_SLAPD_MODULES
olcModuleLoad: back_mdb
olcModuleLoad: ppolicy
olcModuleLoad: argon2
olcModuleLoad: syncprov

dn: cn=schema,cn=config
objectClass: olcSchemaConfig
cn: schema

include: file:///etc/ldap/schema/core.ldif
include: file:///etc/ldap/schema/cosine.ldif
include: file:///etc/ldap/schema/inetorgperson.ldif
include: file://$GPC_SRCDIR/schema/gpcgate.ldif

dn: olcDatabase={-1}frontend,cn=config
objectClass: olcDatabaseConfig
objectClass: olcFrontendConfig
olcDatabase: {-1}frontend
olcPasswordHash: {ARGON2}
olcAccess: {0}to dn.base="" by * read
olcAccess: {1}to dn.base="cn=Subschema" by * read

dn: olcDatabase={0}config,cn=config
objectClass: olcDatabaseConfig
olcDatabase: {0}config
olcAccess: {0}to * by dn.exact=gidNumber=$gid+uidNumber=$uid,cn=peercred,cn=external,cn=auth manage by * none

EOF
	gpc_ldif_database '{1}mdb' "$base" "$dir/db" "cn=admin,$base" "$rootpw_hash" \
	    "$reader" "$writer"
}

gpc_slapd_setup() {
	local dir=$1 base=${2:-dc=gpcloud,dc=example} suite=${3:-standard}
	local reader writer rootpw readerpw writerpw
	reader="uid=pam-reader,ou=system,$base"
	writer="uid=provisioner,ou=system,$base"
	mkdir -p "$dir/slapd.d" "$dir/db" || return 1
	(umask 077
	 gpc_random_pw >"$dir/root.pw"
	 gpc_random_pw >"$dir/reader.pw"
	 gpc_random_pw >"$dir/writer.pw")
	rootpw=$(slappasswd -h '{SSHA}' -T "$dir/root.pw")
	readerpw=$(slappasswd -h '{SSHA}' -T "$dir/reader.pw")
	writerpw=$(slappasswd -h '{SSHA}' -T "$dir/writer.pw")
	gpc_slapd_config "$dir" "$base" "$rootpw" "$reader" "$writer" >"$dir/config.ldif"
	slapadd -q -n0 -F "$dir/slapd.d" -l "$dir/config.ldif" >"$dir/slapadd.log" 2>&1 || {
		cat "$dir/slapadd.log" >&2
		return 1
	}
	gpc_ldif_base "$base" "$suite" "$reader" "$readerpw" "$writer" "$writerpw" \
	    >"$dir/base.ldif"
	slapadd -q -n1 -F "$dir/slapd.d" -l "$dir/base.ldif" >>"$dir/slapadd.log" 2>&1 || {
		cat "$dir/slapadd.log" >&2
		return 1
	}
	cat >"$dir/env" <<EOF
GPC_BASE='$base'
GPC_ROOTDN='cn=admin,$base'
GPC_READER='$reader'
GPC_WRITER='$writer'
GPC_LDAPI_URI='ldapi://$(gpc_urlencode_path "$dir/ldapi")'
EOF
}

# Wait until the root DSE answers (20 ms polls, 5 s bound).
gpc_slapd_wait() {
	local uri=$1 pid=$2 i
	for ((i = 0; i < 250; i++)); do
		kill -0 "$pid" 2>/dev/null || return 1
		ldapsearch -x -H "$uri" -b "" -s base -LLL 1.1 >/dev/null 2>&1 && return 0
		sleep 0.02
	done
	return 1
}

gpc_slapd_start() {
	local dir=$1 want=${2:-} want_tls=${3:-} port sport="" tries pid ldapi urls
	# shellcheck disable=SC1091
	. "$dir/env"
	ldapi=$GPC_LDAPI_URI
	for ((tries = 0; tries < 20; tries++)); do
		# below the ephemeral range, so no client socket holds it
		port=${want:-$((10000 + RANDOM % 22000))}
		urls="ldap://127.0.0.1:$port/"
		if [ -e "$dir/tls.on" ]; then
			sport=${want_tls:-$((10000 + RANDOM % 22000))}
			urls+=" ldaps://127.0.0.1:$sport/"
		fi
		rm -f "$dir/ldapi"
		slapd -d "${GPC_SLAPD_DEBUG:-32768}" -F "$dir/slapd.d" -h "$urls $ldapi" \
		    >"$dir/slapd.log" 2>&1 &
		pid=$!
		if gpc_slapd_wait "$ldapi" "$pid"; then
			cat >>"$dir/env" <<EOF
GPC_SLAPD_PID=$pid
GPC_LDAP_PORT=$port
GPC_LDAP_URI='ldap://127.0.0.1:$port'
EOF
			if [ -n "$sport" ]; then
				cat >>"$dir/env" <<EOF
GPC_LDAPS_PORT=$sport
GPC_LDAPS_URI='ldaps://127.0.0.1:$sport'
EOF
			fi
			# shellcheck disable=SC1091
			. "$dir/env"
			return 0
		fi
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		# a port asked for is not traded for another
		[ -n "$want" ] && break
	done
	echo "slapd did not start:" >&2
	cat "$dir/slapd.log" >&2
	return 1
}

gpc_slapd_stop() {
	local dir=$1 pid
	pid=$(sed -n 's/^GPC_SLAPD_PID=//p' "$dir/env" | tail -n 1)
	[ -n "$pid" ] || return 0
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	sed -i '/^GPC_SLAPD_PID=/d;/^GPC_LDAP_PORT=/d;/^GPC_LDAP_URI=/d;/^GPC_LDAPS_/d' "$dir/env"
	return 0
}

# Whether DIR's slapd is running (started by gpc_slapd_start, not stopped).
gpc_slapd_running() {
	local pid
	pid=$(sed -n 's/^GPC_SLAPD_PID=//p' "$1/env" 2>/dev/null | tail -n 1)
	[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null
}

# gpc_slapd_config_change DIR LDIF: apply changes to DIR's cn=config, over
# ldapi when slapd runs (effective at once), else offline.
gpc_slapd_config_change() {
	local dir=$1 ldif=$2
	if gpc_slapd_running "$dir"; then
		# shellcheck disable=SC1091
		. "$dir/env"
		ldapmodify -Y EXTERNAL -Q -H "$GPC_LDAPI_URI" -f "$ldif" >>"$dir/slapadd.log" 2>&1
	else
		slapmodify -q -n0 -F "$dir/slapd.d" -l "$ldif" >>"$dir/slapadd.log" 2>&1
	fi || {
		tail -n 5 "$dir/slapadd.log" >&2
		return 1
	}
}

# gpc_slapd_setup_tls DIR CERT KEY [CA]: serve TLS with this certificate and
# key (PEM, absolute paths): StartTLS on the ldap:// listener and, from the
# next gpc_slapd_start, an ldaps:// listener on a port of its own.  On a
# running slapd the certificate changes at once for new connections, so a
# test can swap certificates without a restart.  CA: the CA certificates
# slapd trusts.
gpc_slapd_setup_tls() {
	local dir=$1 cert=$2 key=$3 ca=${4:-}
	{
		printf 'dn: cn=config\nchangetype: modify\n'
		printf 'replace: olcTLSCertificateFile\nolcTLSCertificateFile: %s\n-\n' "$cert"
		printf 'replace: olcTLSCertificateKeyFile\nolcTLSCertificateKeyFile: %s\n' "$key"
		if [ -n "$ca" ]; then
			printf -- '-\nreplace: olcTLSCACertificateFile\n'
			printf 'olcTLSCACertificateFile: %s\n' "$ca"
		fi
	} >"$dir/tls.ldif"
	gpc_slapd_config_change "$dir" "$dir/tls.ldif" || return 1
	: >"$dir/tls.on"
}

# The changes that make DIR (server ID SID, 1 or 2) a provider that also
# consumes from PEER over PEER's ldapi socket, as the database administrator.
gpc_slapd_replication_ldif() {
	local dir=$1 sid=$2 peer=$3 peer_uri
	peer_uri=$(sed -n "s/^GPC_LDAPI_URI='\(.*\)'$/\1/p" "$peer/env" | tail -n 1)
	# shellcheck disable=SC1091
	. "$dir/env"
	cat <<EOF
dn: cn=config
changetype: modify
replace: olcServerID
olcServerID: $sid

dn: olcOverlay=syncprov,olcDatabase={1}mdb,cn=config
changetype: add
objectClass: olcOverlayConfig
objectClass: olcSyncProvConfig
olcOverlay: syncprov

dn: olcDatabase={1}mdb,cn=config
changetype: modify
add: olcDbIndex
olcDbIndex: entryCSN eq
-
replace: olcSyncrepl
olcSyncrepl: rid=00$((3 - sid)) provider=$peer_uri bindmethod=simple
  binddn="$GPC_ROOTDN" credentials=$(cat "$dir/root.pw") searchbase="$GPC_BASE"
  type=refreshAndPersist retry="1 +" timeout=3
-
replace: olcMultiProvider
olcMultiProvider: TRUE
EOF
}

# gpc_slapd_setup_peer DIR1 DIR2: DIR1 was made by gpc_slapd_setup (and may
# hold data since); with its slapd stopped, make DIR2 a second provider with
# the same schema, configuration and entries — copied with slapcat, so the
# entryUUIDs and change sequence numbers are the same: a replica, not a
# look-alike — and the same service and administrator passwords, and
# configure multi-provider replication between the two (server IDs 1 and 2,
# syncprov, each consuming from the other over its ldapi socket, retry="1 +").
# Then start both with gpc_slapd_start; right after a start each side may
# wait about a second in its retry, so poll for convergence.
gpc_slapd_setup_peer() {
	local one=$1 two=$2 rootpw
	if gpc_slapd_running "$one"; then
		echo "gpc_slapd_setup_peer: stop $one first" >&2
		return 1
	fi
	# shellcheck disable=SC1091
	. "$one/env"
	mkdir -p "$two/slapd.d" "$two/db" || return 1
	(umask 077 && cp "$one/root.pw" "$one/reader.pw" "$one/writer.pw" "$two/") || return 1
	rootpw=$(slappasswd -h '{SSHA}' -T "$two/root.pw")
	gpc_slapd_config "$two" "$GPC_BASE" "$rootpw" "$GPC_READER" "$GPC_WRITER" \
	    >"$two/config.ldif"
	(umask 077 && slapcat -n1 -F "$one/slapd.d" -l "$two/data.ldif") >"$two/slapadd.log" 2>&1 &&
	    slapadd -q -n0 -F "$two/slapd.d" -l "$two/config.ldif" >>"$two/slapadd.log" 2>&1 &&
	    slapadd -q -n1 -F "$two/slapd.d" -l "$two/data.ldif" >>"$two/slapadd.log" 2>&1 || {
		cat "$two/slapadd.log" >&2
		return 1
	}
	rm -f "$two/data.ldif"
	cat >"$two/env" <<EOF
GPC_BASE='$GPC_BASE'
GPC_ROOTDN='$GPC_ROOTDN'
GPC_READER='$GPC_READER'
GPC_WRITER='$GPC_WRITER'
GPC_LDAPI_URI='ldapi://$(gpc_urlencode_path "$two/ldapi")'
EOF
	(umask 077
	 gpc_slapd_replication_ldif "$one" 1 "$two" >"$one/replication.ldif"
	 gpc_slapd_replication_ldif "$two" 2 "$one" >"$two/replication.ldif")
	gpc_slapd_config_change "$one" "$one/replication.ldif" &&
	    gpc_slapd_config_change "$two" "$two/replication.ldif"
}

# gpc_slapd_setup_pair DIR1 DIR2 [BASE] [SUITE]: two providers of one
# directory, ready to start.
gpc_slapd_setup_pair() {
	gpc_slapd_setup "$1" "${3:-}" "${4:-}" && gpc_slapd_setup_peer "$1" "$2"
}

# ldapadd/ldapmodify as the database administrator.
gpc_ldap_admin() {
	local dir=$1 tool=$2
	shift 2
	# shellcheck disable=SC1091
	. "$dir/env"
	"$tool" -x -H "$GPC_LDAPI_URI" -D "$GPC_ROOTDN" -y "$dir/root.pw" "$@"
}
