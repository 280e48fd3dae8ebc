# gpcgate — a private OpenLDAP server for the demo and the tests.
# Source this file (bash), then:
#
#   gpc_slapd_setup DIR [BASE] [SUITE]   build cn=config and the base DIT offline
#   gpc_slapd_start DIR                  start on ldapi + a free loopback port
#   gpc_slapd_stop DIR                   stop and wait
#
# DIR should be short (the ldapi socket path must stay under 108 bytes), e.g.
# from `mktemp -d /tmp/g.XXXXXX`.  After start, DIR/env holds shell variables:
# GPC_BASE, GPC_LDAP_URI, GPC_LDAPI_URI, GPC_ROOTDN, GPC_READER, GPC_WRITER,
# GPC_SLAPD_PID, GPC_LDAP_PORT; the passwords are in DIR/{root,reader,writer}.pw
# (mode 0600).  slapd runs as the caller, in the foreground of a background
# job of the calling shell, so the caller can wait for it.

GPC_SRCDIR=${GPC_SRCDIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
GPC_SLAPD_MODULES=${GPC_SLAPD_MODULES:-/usr/lib/ldap}
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

gpc_random_pw() {
	head -c 24 /dev/urandom | base64 | tr -d '/+=' | head -c 28
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
	sed -e "s|@BASE@|$base|g" -e "s|@DBDIR@|$dir/db|g" \
	    -e "s|@ROOTDN@|cn=admin,$base|g" -e "s|@ROOTPW@|$rootpw_hash|g" \
	    -e "s|@READER@|$reader|g" -e "s|@WRITER@|$writer|g" \
	    "$GPC_SRCDIR/schema/database.ldif.in" | grep -v '^#'
}

gpc_slapd_setup() {
	local dir=$1 base=${2:-dc=gpcloud,dc=example} suite=${3:-standard}
	local dc reader writer rootpw readerpw writerpw
	dc=${base#dc=}
	dc=${dc%%,*}
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
	sed -e "s|@BASE@|$base|g" -e "s|@DC@|$dc|g" -e "s|@SUITE@|$suite|g" \
	    -e "s|@READER@|$reader|g" -e "s|@READER_PW@|$readerpw|g" \
	    -e "s|@WRITER@|$writer|g" -e "s|@WRITER_PW@|$writerpw|g" \
	    "$GPC_SRCDIR/schema/base.ldif.in" >"$dir/base.ldif"
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
	local dir=$1 port tries pid ldapi
	# shellcheck disable=SC1091
	. "$dir/env"
	ldapi=$GPC_LDAPI_URI
	for ((tries = 0; tries < 20; tries++)); do
		# below the ephemeral range, so no client socket holds it
		port=$((10000 + RANDOM % 22000))
		rm -f "$dir/ldapi"
		slapd -d 32768 -F "$dir/slapd.d" -h "ldap://127.0.0.1:$port/ $ldapi" \
		    >"$dir/slapd.log" 2>&1 &
		pid=$!
		if gpc_slapd_wait "$ldapi" "$pid"; then
			cat >>"$dir/env" <<EOF
GPC_SLAPD_PID=$pid
GPC_LDAP_PORT=$port
GPC_LDAP_URI='ldap://127.0.0.1:$port'
EOF
			# shellcheck disable=SC1091
			. "$dir/env"
			return 0
		fi
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
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
	sed -i '/^GPC_SLAPD_PID=/d;/^GPC_LDAP_PORT=/d;/^GPC_LDAP_URI=/d' "$dir/env"
	return 0
}

# ldapadd/ldapmodify as the database administrator.
gpc_ldap_admin() {
	local dir=$1 tool=$2
	shift 2
	# shellcheck disable=SC1091
	. "$dir/env"
	"$tool" -x -H "$GPC_LDAPI_URI" -D "$GPC_ROOTDN" -y "$dir/root.pw" "$@"
}
