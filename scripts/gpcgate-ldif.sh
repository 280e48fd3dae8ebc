# shellcheck shell=bash
# gpcgate — the directory's LDIF from the templates in schema/, shared by
# scripts/slapd.sh (the private directory of the demo and the tests) and
# scripts/gpcgate-setup-directory (a real slapd).  Source it (bash); it needs
# GPC_SCHEMA_DIR, the directory holding database.ldif.in and base.ldif.in
# (default: schema/ next to this file's directory, as in the source tree).
#
#   gpc_random_pw                       28 random letters and digits, no newline
#   gpc_ldif_database DB BASE DBDIR ROOTDN ROOTPW READER WRITER
#                                       the mdb database and its ppolicy overlay
#                                       for cn=config; DB is its RDN value:
#                                       "{1}mdb" for slapadd -n0, "mdb" to let a
#                                       running slapd number it (add the first
#                                       entry, then the overlay under the DN slapd
#                                       gave: gpc_ldif_entry picks them apart);
#                                       an empty ROOTPW leaves olcRootPW out
#   gpc_ldif_base BASE SUITE READER READER_HASH WRITER WRITER_HASH
#                                       the base DIT (hashed service passwords)
#   gpc_ldif_entry N < LDIF             the Nth entry (1, 2, ...) of an LDIF

GPC_SCHEMA_DIR=${GPC_SCHEMA_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../schema" 2>/dev/null && pwd)}

# No newline: slappasswd -T hashes the whole file, the programs read its first
# line without the newline, so a newline in the file makes the two disagree.
# (512 random bytes hold about 124 of them; no pipe is cut short, so this
# also works under set -o pipefail.)
gpc_random_pw() {
	local s
	s=$(head -c 512 /dev/urandom | LC_ALL=C tr -dc 'A-Za-z0-9')
	printf '%s' "${s:0:28}"
}

# sed replacement text: \, & and the delimiter | escaped.
gpc_sed_escape() {
	printf '%s' "$1" | sed -e 's/[\\&|]/\\&/g'
}

gpc_ldif_database() {
	local db base dbdir rootdn rootpw reader writer
	db=$(gpc_sed_escape "$1")
	base=$(gpc_sed_escape "$2")
	dbdir=$(gpc_sed_escape "$3")
	rootdn=$(gpc_sed_escape "$4")
	rootpw=$(gpc_sed_escape "$5")
	reader=$(gpc_sed_escape "$6")
	writer=$(gpc_sed_escape "$7")
	{
		if [ -z "$5" ]; then
			sed -e '/^olcRootPW: @ROOTPW@$/d' "$GPC_SCHEMA_DIR/database.ldif.in"
		else
			cat "$GPC_SCHEMA_DIR/database.ldif.in"
		fi
	} | sed -e "s|@DATABASE@|$db|g" -e "s|@BASE@|$base|g" -e "s|@DBDIR@|$dbdir|g" \
	    -e "s|@ROOTDN@|$rootdn|g" -e "s|@ROOTPW@|$rootpw|g" \
	    -e "s|@READER@|$reader|g" -e "s|@WRITER@|$writer|g" | grep -v '^#'
}

gpc_ldif_base() {
	local base suite reader readerpw writer writerpw dc
	dc=${1#dc=}
	dc=${dc%%,*}
	base=$(gpc_sed_escape "$1")
	suite=$(gpc_sed_escape "$2")
	reader=$(gpc_sed_escape "$3")
	readerpw=$(gpc_sed_escape "$4")
	writer=$(gpc_sed_escape "$5")
	writerpw=$(gpc_sed_escape "$6")
	dc=$(gpc_sed_escape "$dc")
	sed -e "s|@BASE@|$base|g" -e "s|@DC@|$dc|g" -e "s|@SUITE@|$suite|g" \
	    -e "s|@READER@|$reader|g" -e "s|@READER_PW@|$readerpw|g" \
	    -e "s|@WRITER@|$writer|g" -e "s|@WRITER_PW@|$writerpw|g" \
	    "$GPC_SCHEMA_DIR/base.ldif.in"
}

gpc_ldif_entry() {
	awk -v want="$1" '
	/^#/ { next }
	/^$/ { if (inside) { n++; inside = 0 } next }
	{ inside = 1; if (n + 1 == want) print }'
}
