#!/usr/bin/env bash
# The schema as the private slapd serves it, the .ldif against the .schema,
# the module's exported symbols, and the ACLs of schema/database.ldif.in:
# every gpc attribute type and object class is in the subschema under the
# OID arc; `make schema-check` passes and has teeth; pam_gpcgate.so exports
# pam_sm_* and nothing else (nm -D, and dlopen as a PAM host does); the PAM
# reader cannot read passwords or sealed ID numbers, nor write the lifecycle
# state; an anonymous client sees no account.
. "$(dirname "$0")/../harness/lib.sh"
t_setup

ARC=2.25.99344028510125771263198068109593593982
SCHEMA="$GPC_SRCDIR/schema/gpcgate.schema"

as_root() { ldapsearch -LLL -o ldif-wrap=no -x -H "$GPC_LDAPI_URI" -D "$GPC_ROOTDN" -y "$T/root.pw" "$@"; }
as_reader() { ldapsearch -LLL -o ldif-wrap=no -x -H "$GPC_LDAPI_URI" -D "$GPC_READER" -y "$T/reader.pw" "$@"; }
as_writer() { ldapsearch -LLL -o ldif-wrap=no -x -H "$GPC_LDAPI_URI" -D "$GPC_WRITER" -y "$T/writer.pw" "$@"; }
anonymous() { ldapsearch -LLL -o ldif-wrap=no -x -H "$1" "${@:2}"; }
modify_as() { # DN-OF-BINDER PWFILE < LDIF
	ldapmodify -x -H "$GPC_LDAPI_URI" -D "$1" -y "$2"
}
# Run CMD, pass if it exits with status WANT.
exits_with() { # WANT CMD...
	local want=$1 rc
	shift
	"$@"
	rc=$?
	echo "exit status $rc, want $want"
	[ "$rc" = "$want" ]
}
no_entries() { ! grep -q '^dn:' "$1"; }

# --- the subschema ----------------------------------------------------------------------
# LDIF base64-encodes values that are not ASCII (gpcUnit's DESC is Chinese)
ldif_decode() {
	local line
	while IFS= read -r line; do
		case $line in
		*::\ *) printf '%s: %s\n' "${line%%::*}" "$(printf '%s' "${line#*:: }" | base64 -d)" ;;
		*) printf '%s\n' "$line" ;;
		esac
	done
}
anonymous "$GPC_LDAPI_URI" -b cn=subschema -s base attributeTypes objectClasses 2>&1 |
    ldif_decode >"$T/subschema"
t_ok "the subschema is readable" grep -q '^attributeTypes: ' "$T/subschema"

# "attributetype ( gpcAttr:N NAME 'x'" -> "ARC.1.N x"; objectclass -> "ARC.2.N x"
awk -v arc="$ARC" '
tolower($1) == "attributetype" || tolower($1) == "objectclass" {
	split($3, o, ":")
	base = o[1] == "gpcAttr" ? ".1." : o[1] == "gpcClass" ? ".2." : "?"
	name = $5; gsub(/\047/, "", name)
	print (tolower($1) == "attributetype" ? "attributeTypes" : "objectClasses"), arc base o[2], name
}' "$SCHEMA" >"$T/expected"
t_ok "the .schema defines 40 or more attribute types" \
    test "$(grep -c '^attributeTypes ' "$T/expected")" -ge 40
t_eq "the .schema defines the 6 object classes" \
    "$(grep -c '^objectClasses ' "$T/expected")" 6

missing() { # KIND -> the definitions of that kind not in the subschema with their OID
	while read -r kind oid name; do
		[ "$kind" = "$1" ] || continue
		grep -qF "$kind: ( $oid NAME '$name' " "$T/subschema" || echo "$oid $name"
	done <"$T/expected"
}
missing attributeTypes >"$T/missing.at"
t_ok "every gpc attribute type is in the subschema under $ARC.1" \
    test ! -s "$T/missing.at"
[ -s "$T/missing.at" ] && sed 's/^/# missing: /' "$T/missing.at"
missing objectClasses >"$T/missing.oc"
t_ok "every gpc object class is in the subschema under $ARC.2" test ! -s "$T/missing.oc"
[ -s "$T/missing.oc" ] && sed 's/^/# missing: /' "$T/missing.oc"

# and nothing under the arc that the .schema does not define
grep -oE "^(attributeTypes|objectClasses): \( $ARC\.[12]\.[0-9]+ NAME '[^']+'" "$T/subschema" |
    sed -E "s/^([a-zA-Z]+): \( ([0-9.]+) NAME '([^']+)'/\1 \2 \3/" | sort >"$T/served"
t_eq "the subschema holds exactly the .schema's definitions under the arc" \
    "$(tr '\n' ' ' <"$T/served")" "$(sort "$T/expected" | tr '\n' ' ')"
t_ok "gpcAccount requires uid, gpcRole and gpcState" \
    grep -qE "^objectClasses: \( $ARC\.2\.2 NAME 'gpcAccount' .*MUST \( uid \\$ gpcRole \\$ gpcState \)" \
    "$T/subschema"
t_ok "gpcTotpStep is a single-valued integer" \
    grep -qE "^attributeTypes: \( $ARC\.1\.18 NAME 'gpcTotpStep' .*SYNTAX 1\.3\.6\.1\.4\.1\.1466\.115\.121\.1\.27 SINGLE-VALUE" \
    "$T/subschema"

# --- the .ldif agrees with the .schema ------------------------------------------------------
make -s -C "$GPC_SRCDIR" schema-check >"$T/schema-check.out" 2>&1
t_eq "make schema-check passes" "$?" 0
t_ok "... and says so" grep -q 'schema: .schema and .ldif agree' "$T/schema-check.out"
sed "s/DESC 'lifecycle state'/DESC 'lifecycle states'/" "$SCHEMA" >"$T/changed.schema"
t_fails "a changed .schema no longer agrees with the .ldif (the check has teeth)" \
    bash -c "'$GPC_SRCDIR/scripts/schema2ldif' '$T/changed.schema' | diff -q '$GPC_SRCDIR/schema/gpcgate.ldif' -"

# --- the module's symbols -----------------------------------------------------------------
t_ok "the PAM module exists" test -f "$GPC_PAM_SO"
nm -D --defined-only "$GPC_PAM_SO" >"$T/nm.out" 2>&1
t_ok "nm -D lists the module's defined symbols" grep -q ' pam_sm_authenticate$' "$T/nm.out"
awk '{ print $NF }' "$T/nm.out" | grep -v '^pam_sm_' >"$T/nm.extra"
t_ok "nm -D --defined-only lists only pam_sm_* symbols" test ! -s "$T/nm.extra"
[ -s "$T/nm.extra" ] && head -n 20 "$T/nm.extra" | sed 's/^/# exported: /'
t_ok "pam_sm_acct_mgmt is exported" grep -q ' pam_sm_acct_mgmt$' "$T/nm.out"

# a sanitized module needs the sanitizer runtime in the host program first
san_flags=()
[ "${SAN:-}" = asan ] && san_flags=(-fsanitize=address,undefined)
t_ok "dlsyms compiles" cc "${san_flags[@]}" -o "$T/dlsyms" "$GPC_SRCDIR/tests/harness/dlsyms.c" -ldl
"$T/dlsyms" "$GPC_PAM_SO" pam_sm_authenticate pam_sm_acct_mgmt pam_sm_setcred gpc_dir_open \
    gpc_cfg_load gpc_totp_verify gpc_dir_filter_escape >"$T/dlsyms.out" 2>&1
t_eq "dlopen of the module succeeds" "$?" 0
t_ok "dlsym finds pam_sm_authenticate" grep -qx 'pam_sm_authenticate found' "$T/dlsyms.out"
t_ok "dlsym finds pam_sm_acct_mgmt" grep -qx 'pam_sm_acct_mgmt found' "$T/dlsyms.out"
t_ok "dlsym does not find gpc_dir_open" grep -qx 'gpc_dir_open absent' "$T/dlsyms.out"
t_ok "dlsym does not find gpc_cfg_load, gpc_totp_verify or gpc_dir_filter_escape" \
    test "$(grep -cE '^gpc_(cfg_load|totp_verify|dir_filter_escape) absent$' "$T/dlsyms.out")" = 3

# --- ACLs ---------------------------------------------------------------------------------
UNIT_DN="gpcUnitCode=91150102MA0SCHEM1X,ou=units,$GPC_BASE"
ACCT_DN="uid=acl-probe,$UNIT_DN"
gpc_ldap_admin "$T" ldapadd >"$T/add.out" 2>&1 <<EOF
dn: $UNIT_DN
objectClass: gpcUnit
gpcUnitCode: 91150102MA0SCHEM1X
o: schema test unit
gpcRegion: 150102
gpcState: active

dn: $ACCT_DN
objectClass: gpcAccount
objectClass: gpcOtpToken
uid: acl-probe
gpcRole: handler
gpcState: active
userPassword: Probe-Password-12345
gpcHolderSealed: sealed-probe-value
gpcHolderIndex: h1:00ff00ff
gpcHolderMasked: 150102********9038
gpcTotpStep: 100
EOF
t_eq "the administrator adds a unit and an account" "$?" 0

as_root -b "$ACCT_DN" -s base userPassword gpcHolderSealed >"$T/root.out" 2>&1
t_ok "the administrator sees userPassword (the control)" grep -q '^userPassword:' "$T/root.out"
as_writer -b "$ACCT_DN" -s base gpcHolderSealed gpcHolderIndex >"$T/writer.out" 2>&1
t_ok "the provisioner reads gpcHolderSealed (the control)" \
    grep -q '^gpcHolderSealed: sealed-probe-value' "$T/writer.out"

as_reader -b "$ACCT_DN" -s base '*' userPassword gpcHolderSealed gpcHolderIndex \
    >"$T/reader.out" 2>&1
t_ok "the reader sees the account" grep -q '^uid: acl-probe' "$T/reader.out"
t_ok "... and its state" grep -q '^gpcState: active' "$T/reader.out"
t_fails "the reader cannot read userPassword" grep -qi '^userPassword:' "$T/reader.out"
t_fails "the reader cannot read gpcHolderSealed" grep -qi '^gpcHolderSealed:' "$T/reader.out"
t_fails "the reader cannot read gpcHolderIndex" grep -qi '^gpcHolderIndex:' "$T/reader.out"
as_reader -b "ou=units,$GPC_BASE" '(gpcHolderSealed=sealed-probe-value)' 1.1 >"$T/probe.out" 2>&1
t_ok "the reader cannot find an account by its sealed value either" no_entries "$T/probe.out"
as_reader -b "ou=units,$GPC_BASE" '(userPassword=*)' 1.1 >"$T/probe.out" 2>&1
t_ok "... nor by the presence of a password" no_entries "$T/probe.out"

t_ok "the reader may write the replay guard (the control)" modify_as "$GPC_READER" \
    "$T/reader.pw" <<EOF
dn: $ACCT_DN
changetype: modify
delete: gpcTotpStep
gpcTotpStep: 100
-
add: gpcTotpStep
gpcTotpStep: 101
EOF
t_ok "the reader cannot write gpcState (insufficient access)" exits_with 50 modify_as \
    "$GPC_READER" "$T/reader.pw" <<EOF
dn: $ACCT_DN
changetype: modify
replace: gpcState
gpcState: suspended
EOF
t_eq "... and the state is unchanged" \
    "$(as_root -b "$ACCT_DN" -s base gpcState | sed -n 's/^gpcState: //p')" active
t_ok "the reader cannot write a unit's gpcState" exits_with 50 modify_as \
    "$GPC_READER" "$T/reader.pw" <<EOF
dn: $UNIT_DN
changetype: modify
replace: gpcState
gpcState: active
EOF
t_ok "the reader cannot write userPassword" exits_with 50 modify_as \
    "$GPC_READER" "$T/reader.pw" <<EOF
dn: $ACCT_DN
changetype: modify
replace: userPassword
userPassword: Reader-Chosen-123
EOF
t_ok "the reader cannot replace gpcHolderSealed" exits_with 50 modify_as \
    "$GPC_READER" "$T/reader.pw" <<EOF
dn: $ACCT_DN
changetype: modify
replace: gpcHolderSealed
gpcHolderSealed: forged
EOF
t_ok "the reader cannot add an account" exits_with 50 bash -c \
    "ldapadd -x -H '$GPC_LDAPI_URI' -D '$GPC_READER' -y '$T/reader.pw' <<EOF
dn: uid=intruder,$UNIT_DN
objectClass: gpcAccount
uid: intruder
gpcRole: handler
gpcState: active
EOF"

# --- anonymous ------------------------------------------------------------------------------
anonymous "$GPC_LDAPI_URI" -b "$GPC_BASE" '(objectClass=gpcAccount)' uid >"$T/anon.out" 2>&1
t_ok "an anonymous search over ldapi sees no account" no_entries "$T/anon.out"
anonymous "$GPC_LDAP_URI" -b "$GPC_BASE" '(uid=*)' uid >"$T/anon.out" 2>&1
t_ok "an anonymous search over TCP sees no account" no_entries "$T/anon.out"
anonymous "$GPC_LDAPI_URI" -b "$ACCT_DN" -s base '*' >"$T/anon.out" 2>&1
t_ok "an anonymous read of the account's DN shows nothing" no_entries "$T/anon.out"
anonymous "$GPC_LDAPI_URI" -b "ou=units,$GPC_BASE" '(objectClass=gpcUnit)' >"$T/anon.out" 2>&1
t_ok "an anonymous search sees no unit" no_entries "$T/anon.out"
t_ok "an anonymous bind may still read the root DSE (the control)" \
    anonymous "$GPC_LDAPI_URI" -b '' -s base namingContexts

t_done
