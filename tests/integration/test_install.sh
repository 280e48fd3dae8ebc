#!/usr/bin/env bash
# The README's "Installing on a real directory", end to end, against
# Debian's stock slapd configuration: a copy of /etc/ldap/slapd.d (or, when
# that is missing or no longer stock, the equivalent the slapd package's
# postinst makes: modules back_mdb only, no password hash, olcDatabase={1}mdb
# for dc=nodomain) served by a private slapd on ldapi:// and a loopback port.
# Then, as the README says:
#   make install DESTDIR=...            binaries, scripts, man pages, the unit,
#                                       /etc/gpcgate{,/keys}, /var/{log,spool}/gpcgate;
#                                       an existing gpcgate.conf survives
#   gpcgate-setup-directory             modules, {ARGON2}, schema, a new database
#                                       after dc=nodomain's (which stays {1}),
#                                       the base DIT, service passwords that bind;
#                                       a second run changes nothing
#   its directory group in gpcgate.conf
#   the ownership layout                the daemon's user (nobody stands in for
#                                       gpcgate) owns keys/ and writer.secret:
#                                       `sudo -u gpcgate gpcgatectl keys generate`
#                                       audits the sudo user; root is refused
#                                       those keys with a message naming them;
#                                       the PAM module reads root-owned copies
#                                       through its own pam.conf
#   a registration and an approval through the installed gpcgatectl and
#   gpcgate-provisiond (as the daemon's user), and a login with pamtester
#   through the installed pam_gpcgate.so.
. "$(dirname "$0")/../harness/lib.sh"

if [ "$(id -u)" != 0 ]; then
	echo "1..0 # SKIP needs root (make install, chown, setpriv)"
	exit 0
fi
gpc_env_paths
export LDAPNOINIT=1
chmod 0755 "$T" # the daemon's user must reach the installation below it
BASE=dc=gpcloud,dc=example
R="$T/root" # DESTDIR
SVC=nobody  # stands in for the gpcgate user
SVC_GROUP=$(id -gn "$SVC")
ETC="$R/etc/gpcgate"
CTL="$R/usr/local/bin/gpcgatectl"
PROVD="$R/usr/local/sbin/gpcgate-provisiond"
SETUP="$R/usr/local/sbin/gpcgate-setup-directory"
PAM_SO="$R$(sed -n 's/^PAMDIR *?= *//p' "$GPC_SRCDIR/Makefile")/pam_gpcgate.so"

cfg() { ldapsearch -LLL -o ldif-wrap=no -Y EXTERNAL -Q -H "$GPC_LDAPI_URI" -b cn=config "$@"; }
# gpcgatectl and the daemon as the daemon's user, as `sudo -u gpcgate` would
# run them for the administrator alice
as_svc() { setpriv --reuid="$SVC" --regid="$SVC_GROUP" --clear-groups env SUDO_USER=alice "$@"; }

# --- a stock Debian slapd --------------------------------------------------------------
stock=""
if slapcat -o ldif-wrap=no -n0 -F /etc/ldap/slapd.d -l "$T/stock.ldif" >/dev/null 2>&1 &&
    [ "$(grep -c '^olcSuffix: ' "$T/stock.ldif")" = 1 ] &&
    grep -qx 'olcSuffix: dc=nodomain' "$T/stock.ldif" &&
    ! grep -qiE '^cn: \{[0-9]+\}gpcgate|ppolicy|argon2|^olcPasswordHash' "$T/stock.ldif"; then
	stock="a copy of /etc/ldap/slapd.d"
	sed -i -e "s|^olcArgsFile: .*|olcArgsFile: $T/slapd.args|" \
	    -e "s|^olcPidFile: .*|olcPidFile: $T/slapd.pid|" \
	    -e "s|^olcDbDirectory: .*|olcDbDirectory: $T/nodomain|" "$T/stock.ldif"
else
	stock="the equivalent of the slapd package's postinst"
	cat >"$T/stock.ldif" <<EOF
dn: cn=config
objectClass: olcGlobal
cn: config
olcArgsFile: $T/slapd.args
olcLogLevel: none
olcPidFile: $T/slapd.pid
olcToolThreads: 1

dn: cn=module{0},cn=config
objectClass: olcModuleList
cn: module{0}
olcModulePath: /usr/lib/ldap
olcModuleLoad: {0}back_mdb

dn: cn=schema,cn=config
objectClass: olcSchemaConfig
cn: schema

include: file:///etc/ldap/schema/core.ldif
include: file:///etc/ldap/schema/cosine.ldif
include: file:///etc/ldap/schema/nis.ldif
include: file:///etc/ldap/schema/inetorgperson.ldif

dn: olcDatabase={-1}frontend,cn=config
objectClass: olcDatabaseConfig
objectClass: olcFrontendConfig
olcDatabase: {-1}frontend
olcAccess: {0}to * by dn.exact=gidNumber=0+uidNumber=0,cn=peercred,cn=external,cn=auth manage by * break
olcAccess: {1}to dn.exact="" by * read
olcAccess: {2}to dn.base="cn=Subschema" by * read
olcSizeLimit: 500

dn: olcDatabase={0}config,cn=config
objectClass: olcDatabaseConfig
olcDatabase: {0}config
olcAccess: {0}to * by dn.exact=gidNumber=0+uidNumber=0,cn=peercred,cn=external,cn=auth manage by * break
olcRootDN: cn=admin,cn=config

dn: olcDatabase={1}mdb,cn=config
objectClass: olcDatabaseConfig
objectClass: olcMdbConfig
olcDatabase: {1}mdb
olcDbDirectory: $T/nodomain
olcSuffix: dc=nodomain
olcAccess: {0}to attrs=userPassword by self write by anonymous auth by * none
olcAccess: {1}to attrs=shadowLastChange by self write by * read
olcAccess: {2}to * by * read
olcLastMod: TRUE
olcRootDN: cn=admin,dc=nodomain
olcDbCheckpoint: 512 30
olcDbIndex: objectClass eq
olcDbIndex: cn,uid eq
olcDbIndex: uidNumber,gidNumber eq
olcDbIndex: member,memberUid eq
olcDbMaxSize: 1073741824
EOF
fi
echo "# stock configuration: $stock"
mkdir -p "$T/slapd.d" "$T/nodomain"
if ! slapadd -q -n0 -F "$T/slapd.d" -l "$T/stock.ldif" >"$T/slapadd.log" 2>&1 ||
    ! printf 'dn: dc=nodomain\nobjectClass: top\nobjectClass: dcObject\nobjectClass: organization\no: nodomain\ndc: nodomain\n' |
    slapadd -q -n1 -F "$T/slapd.d" >>"$T/slapadd.log" 2>&1; then
	echo "Bail out! stock configuration: $(tail -n 3 "$T/slapadd.log")"
	exit 1
fi
echo "GPC_LDAPI_URI='ldapi://$(gpc_urlencode_path "$T/ldapi")'" >"$T/env"
if ! gpc_slapd_start "$T" >"$T/start.log" 2>&1; then
	echo "Bail out! slapd: $(tail -n 3 "$T/start.log")"
	exit 1
fi
t_eq "stock slapd: one database, dc=nodomain at {1}mdb" \
    "$(cfg '(olcSuffix=*)' olcSuffix | grep -c '^dn: ')" 1

# --- make install ------------------------------------------------------------------------
t_ok "make install DESTDIR" make -C "$GPC_SRCDIR" --no-print-directory O="$O" install DESTDIR="$R"
modes=""
for d in etc/gpcgate etc/gpcgate/keys var/log/gpcgate var/spool/gpcgate; do
	modes+="$d $(stat -c %a "$R/$d" 2>/dev/null) "
done
t_eq "make install made the directories" "$modes" \
    "etc/gpcgate 755 etc/gpcgate/keys 700 var/log/gpcgate 750 var/spool/gpcgate 750 "
t_ok "make install put in the programs, the module and the setup script" \
    test -x "$CTL" -a -x "$PROVD" -a -x "$SETUP" -a -f "$PAM_SO" \
    -a -f "$R/usr/local/share/gpcgate/gpcgate-ldif.sh" \
    -a -f "$R/usr/local/share/gpcgate/schema/database.ldif.in"
missing=""
for m in "$GPC_SRCDIR"/man/*.[578]; do
	m=${m##*/}
	[ -f "$R/usr/local/share/man/man${m##*.}/$m" ] || missing+=" $m"
done
t_eq "make install put in every man page" "$missing" ""
UNIT="$R/lib/systemd/system/gpcgate-provisiond.service"
t_ok "make install put in the systemd unit" grep -q '^RuntimeDirectory=gpcgate$' "$UNIT"
if command -v systemd-analyze >/dev/null; then
	# the unit as installed, its programs where DESTDIR put them
	sed "s|/usr/local/sbin/|$R/usr/local/sbin/|g" "$UNIT" >"$T/gpcgate-provisiond.service"
	t_ok "systemd-analyze verify passes on the unit" \
	    env MANPATH="$R/usr/local/share/man" systemd-analyze verify "$T/gpcgate-provisiond.service"
fi
echo "# local change" >>"$ETC/gpcgate.conf"
make -C "$GPC_SRCDIR" --no-print-directory O="$O" install DESTDIR="$R" >"$T/install2.log" 2>&1
t_ok "make install again keeps an existing gpcgate.conf" grep -q '^# local change$' "$ETC/gpcgate.conf"

# --- gpcgate-setup-directory -----------------------------------------------------------------
setup() {
	"$SETUP" --base "$BASE" --ldapi "$GPC_LDAPI_URI" --etc "$ETC" --dbdir "$T/gpcdb" \
	    --service-user "$SVC" "$@"
}
t_ok "gpcgate-setup-directory on the stock slapd" setup
cp "$T/t.out" "$T/setup.out"
sed 's/^/# /' "$T/setup.out"
t_eq "the new database comes after dc=nodomain's, which keeps {1}" \
    "$(cfg '(olcSuffix=*)' olcSuffix | sed -n 's/^olcSuffix: //p;s/^dn: //p' | tr '\n' ' ')" \
    "olcDatabase={1}mdb,cn=config dc=nodomain olcDatabase={2}mdb,cn=config $BASE "
t_ok "dc=nodomain still answers" \
    ldapsearch -x -H "$GPC_LDAPI_URI" -b dc=nodomain -s base -LLL 1.1
t_eq "modules ppolicy and argon2 loaded into cn=module{0}" \
    "$(cfg -s one '(objectClass=olcModuleList)' olcModuleLoad | sed -n 's/^olcModuleLoad: {[0-9]*}//p' | tr '\n' ' ')" \
    "back_mdb ppolicy argon2 "
t_eq "the frontend hashes passwords with {ARGON2}" \
    "$(cfg -b 'olcDatabase={-1}frontend,cn=config' -s base olcPasswordHash | sed -n 's/^olcPasswordHash: //p')" \
    "{ARGON2}"
t_ok "the ppolicy overlay is on the new database" \
    grep -q '^dn: ' <(cfg -b 'olcDatabase={2}mdb,cn=config' -s one '(objectClass=olcPPolicyConfig)' 1.1)
perms() { stat -c '%U %a %s' "$1"; }
t_eq "reader.secret: root's, 0600, 28 characters" "$(perms "$ETC/reader.secret")" "root 600 28"
t_eq "writer.secret: the daemon user's, 0600, 28 characters" "$(perms "$ETC/writer.secret")" \
    "$SVC 600 28"
t_eq "no newline in the password files" \
    "$(cat "$ETC/reader.secret" "$ETC/writer.secret" | tr -dc '\n' | wc -c)" 0
t_ok "the service accounts' passwords are stored {ARGON2}-hashed" \
    test "$(ldapsearch -LLL -o ldif-wrap=no -Y EXTERNAL -Q -H "$GPC_LDAPI_URI" -b "ou=system,$BASE" \
    '(uid=*)' userPassword | sed -n 's/^userPassword:: //p' | base64 -d 2>/dev/null | grep -o '{ARGON2}' |
    wc -l)" = 2
t_ok "the reader binds with reader.secret" \
    ldapwhoami -x -H "$GPC_LDAPI_URI" -D "uid=pam-reader,ou=system,$BASE" -y "$ETC/reader.secret"
sums=$(md5sum "$ETC/reader.secret" "$ETC/writer.secret")
t_ok "a second run succeeds" setup
cp "$T/t.out" "$T/setup2.out"
t_ok "a second run changes nothing" grep -qx '  nothing to change.' "$T/setup2.out"
t_eq "a second run keeps the service passwords" \
    "$(md5sum "$ETC/reader.secret" "$ETC/writer.secret")" "$sums"
t_eq "a second run adds no database" "$(cfg '(olcSuffix=*)' 1.1 | grep -c '^dn: ')" 2

# --- gpcgate.conf: the installed example with the printed directory group ------------------
"$GPC_SRCDIR/scripts/mkpki" "$T/pki" >"$T/mkpki.log" 2>&1 || echo "# mkpki failed"
CONF="$ETC/gpcgate.conf"
awk '/^directory = \{/,/^\};/' "$T/setup.out" >"$T/directory.group"
t_eq "the setup script printed the directory group" "$(grep -c 'password_file' "$T/directory.group")" 2
awk -v group="$T/directory.group" '
/^directory = \{/ { skip = 1; while ((getline l < group) > 0) print l; next }
skip && /^\};/ { skip = 0; next }
!skip' "$CONF" |
    sed -e "s|\"/etc/gpcgate/|\"$ETC/|g" -e "s|\"/var/spool/gpcgate|\"$R/var/spool/gpcgate|g" \
    -e "s|\"/var/log/gpcgate/|\"$R/var/log/gpcgate/|g" \
    -e 's|syslog = true;|syslog = false;|' -e 's|fail_delay_ms = 2000;|fail_delay_ms = 0;|' \
    >"$T/gpcgate.conf.new"
cat "$T/gpcgate.conf.new" >"$CONF"
# the bureaus' signing certificates where the example names them
install -d "$ETC/bureaus"
install -m 0644 "$T/pki/rsa.pem" "$ETC/bureaus/150102.pem"
install -m 0644 "$T/pki/ec.pem" "$ETC/bureaus/150100.pem"

# --- ownership: the daemon's user holds the keys and the writer's password ------------------
chown "$SVC:$SVC_GROUP" "$ETC/keys" "$R/var/spool/gpcgate" "$R/var/log/gpcgate"
t_ok "the daemon's user makes the keys (sudo -u gpcgate gpcgatectl keys generate)" \
    as_svc "$CTL" -f "$CONF" keys generate
t_eq "the keys are the daemon user's, 0600" "$(stat -c '%U %a' "$ETC"/keys/*.key | sort -u)" "$SVC 600"
t_eq "the audit log names the sudo user as the operator" \
    "$(grep '"keys_generate"' "$R/var/log/gpcgate/audit.log" | tail -n 1 |
    python3 -c 'import json,sys; print(json.loads(sys.stdin.read())["operator"])' 2>&1)" alice
t_ok "the daemon's user checks the configuration and the keys" as_svc "$PROVD" -n -f "$CONF"
"$CTL" -f "$CONF" keys generate >"$T/root-ctl.out" 2>&1
rc=$?
t_eq "root's gpcgatectl is refused the daemon user's keys (exit 4)" "$rc" 4
t_ok "the refusal names the key directory, its owner and what it needs" \
    grep -q "$ETC/keys.*uid $(id -u "$SVC").*root" "$T/root-ctl.out"
sed 's/^/# root: /' "$T/root-ctl.out"
# the PAM module's own configuration: root-owned copies of the keys
install -d -m 0700 "$ETC/pam-keys"
install -m 0600 -o root -g root "$ETC"/keys/*.key "$ETC/pam-keys/"
sed -e "s|\"$ETC/keys\"|\"$ETC/pam-keys\"|" \
    -e "s|state_file = \"/run/gpcgate/failover\"|state_file = \"$T/run-pam/failover\"|" \
    "$CONF" >"$ETC/pam.conf"
t_ok "pam.conf names the root-owned copies" grep -q "key_dir = \"$ETC/pam-keys\"" "$ETC/pam.conf"

# --- an account, through the installed gpcgatectl and daemon, as the daemon's user ----------
GPC_CONF=$CONF
ctl() { # sign as a bureau (its key is root's), everything else as the daemon's user
	if [ "$1" = sign ]; then
		"$CTL" -f "$GPC_CONF" "$@"
	else
		as_svc "$CTL" -f "$GPC_CONF" "$@"
	fi
}
fx_run() { as_svc "$PROVD" -f "$GPC_CONF" --once -d >>"$T/provd.log" 2>&1; }
fx_dn() {
	ldapsearch -LLL -o ldif-wrap=no -Y EXTERNAL -Q -H "$GPC_LDAPI_URI" -b "ou=units,$BASE" \
	    "(uid=$1)" 1.1 | sed -n 's/^dn: //p'
}
ln -s "$R/var/spool/gpcgate" "$T/spool" # where fx.sh reads the results
U=150102-02-jb01
fx_doc register 1 0 --id "APP-$U" --uid "$U" >"$T/APP-$U.json" && fx_process "$T/APP-$U.json"
t_eq "the registration waits for its bureau" "$(fx_outcome "APP-$U")" pending
fx_doc decision approve 150102 --id "OK-$U" --app "APP-$U" >"$T/OK-$U.json" &&
    fx_process "$T/OK-$U.json" 150102
t_eq "the bureau's approval is applied" "$(fx_outcome "OK-$U")" applied
(umask 077 && printf 'First-%s-%s' "$U" "$RANDOM" >"$T/pw0.$U" &&
    printf 'Pw-%s-%s-x' "$U" "$RANDOM" >"$T/pw.$U")
chown "$SVC" "$T/pw0.$U" # gpcgatectl reads it as the daemon's user
t_ok "an administrative password (gpcgatectl passwd)" ctl passwd "$U" --password-file "$T/pw0.$U"
t_ok "the holder's own password" ldappasswd -x -H "$GPC_LDAPI_URI" -D "$(fx_dn "$U")" \
    -y "$T/pw0.$U" -t "$T/pw0.$U" -T "$T/pw.$U"
install -d -o "$SVC" -m 0700 "$T/svc"
t_ok "an authenticator (gpcgatectl enroll)" \
    ctl enroll "$U" --no-confirm --secret-file "$T/svc/secret.$U"
cp "$T/svc/secret.$U" "$T/secret.$U"

# --- logging in through the installed module -------------------------------------------------
mkdir -p "$T/pam.d"
echo "auth required pam_deny.so" >"$T/pam.d/other"
printf 'auth     required  %s conf=%s\naccount  required  %s conf=%s\n' \
    "$PAM_SO" "$ETC/pam.conf" "$PAM_SO" "$ETC/pam.conf" >"$T/pam.d/gpcgate"
printf 'auth     required  %s conf=%s\n' "$PAM_SO" "$CONF" >"$T/pam.d/gpc-daemon-keys"
code=$(fx_code "$U")
wrong=$(printf '%06d' $(((10#$code + 1) % 1000000)))
t_fails "a wrong code is refused" fx_login "$U" "$(cat "$T/pw.$U")" "$wrong" gpcgate authenticate
t_ok "... as an authentication failure" grep -q "Authentication failure" "$T/pam.out"
t_ok "the holder logs in (password and code; account)" \
    fx_login "$U" "$(cat "$T/pw.$U")" "$code" gpcgate authenticate acct_mgmt
t_ok "pamtester says so" grep -q "successfully authenticated" "$T/pam.out"
t_fails "root's PAM module is refused the daemon user's keys" \
    fx_login "$U" "$(cat "$T/pw.$U")" "$(fx_code "$U")" gpc-daemon-keys authenticate
t_ok "... as a service error naming them" \
    grep -q "keys in $ETC/keys: .*Error in service module" <(tr '\n' ' ' <"$T/pam.out")
t_ok "the module audited the login in the daemon user's audit log" \
    grep -q "\"event\":\"login\".*\"outcome\":\"success\".*\"uid\":\"$U\"" "$R/var/log/gpcgate/audit.log"
t_ok "its chain, written by root and the daemon's user, verifies" \
    "$CTL" -f "$ETC/pam.conf" audit verify "$R/var/log/gpcgate/audit.log"
t_done
