/*
 * Filter and DN escaping against the private slapd (run under
 * tests/harness/with-env).  The directory administrator adds, under one
 * unit, accounts whose uids are filter metacharacters, injections, spaces,
 * UTF-8 and an ordinary name — their DNs built by gpc_dir_account_dn(), so
 * the adds themselves prove the RFC 4514 escaping.  Then, through the PAM
 * reader's session and gpc_dir_find_account(), each name must find exactly
 * its own entry: "*" is not a wildcard, ")(uid=*" not an injection, a NUL
 * does not cut the name short, an overlong name is refused without harm,
 * and case variants find the one entry under its canonical spelling.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <ldap.h>

#include "cfg.h"
#include "dir.h"
#include "err.h"
#include "itest.h"
#include "util.h"

#define UNIT "91150102MA0FILT01X"
#define ORDINARY "Ordinary-User"

/* The accounts of the unit, added in this order. */
static const char *const names[] = {
	"*", "(", ")", "\\", ")(uid=*", "zhang san", " lead and trail ",
	"m\xc3\xbcller",          /* müller */
	"\xe5\xbc\xa0\xe4\xb8\x89", /* 张三 */
	ORDINARY,
};
#define NNAMES (sizeof(names) / sizeof(names[0]))

static struct gpc_cfg *cfg;
static struct gpc_dir *dir; /* the PAM reader's session */
static LDAP *admin;         /* the directory administrator's */

/* ---- setup -------------------------------------------------------------- */

static int
add_entry(const char *dn, const char *const *pairs)
{
	LDAPMod mods[8], *modp[9];
	char *vals[8][2];
	size_t i;
	int rc;

	for (i = 0; pairs[2 * i] != NULL && i < 8; i++) {
		vals[i][0] = (char *)pairs[2 * i + 1];
		vals[i][1] = NULL;
		mods[i].mod_op = LDAP_MOD_ADD;
		mods[i].mod_type = (char *)pairs[2 * i];
		mods[i].mod_values = vals[i];
		modp[i] = &mods[i];
	}
	modp[i] = NULL;
	rc = ldap_add_ext_s(admin, dn, modp, NULL, NULL);
	if (rc != LDAP_SUCCESS)
		fprintf(stderr, "# add %s: %s\n", dn, ldap_err2string(rc));
	return rc;
}

static int
setup(void **state)
{
	char err[512], *pw, *dn = NULL;
	struct berval cred;
	int version = LDAP_VERSION3, r;
	size_t i;

	(void)state;
	if ((r = gpc_cfg_load(it_env("GPC_CONF"), &cfg, err, sizeof(err))) != GPC_OK) {
		fprintf(stderr, "# %s\n", err);
		return -1;
	}
	if ((r = gpc_dir_open(cfg, GPC_DIR_READER, NULL, &dir)) != GPC_OK) {
		fprintf(stderr, "# reader session: %s\n", gpc_strerror(r));
		return -1;
	}
	if ((pw = it_file_line("root.pw")) == NULL ||
	    ldap_initialize(&admin, it_env("GPC_LDAPI_URI")) != LDAP_SUCCESS)
		return -1;
	ldap_set_option(admin, LDAP_OPT_PROTOCOL_VERSION, &version);
	cred.bv_val = pw;
	cred.bv_len = strlen(pw);
	r = ldap_sasl_bind_s(admin, it_env("GPC_ROOTDN"), LDAP_SASL_SIMPLE, &cred, NULL, NULL,
	    NULL);
	gpc_freezero_str(pw);
	if (r != LDAP_SUCCESS) {
		fprintf(stderr, "# administrator bind: %s\n", ldap_err2string(r));
		return -1;
	}

	if (gpc_dir_unit_dn(dir, UNIT, &dn) != GPC_OK)
		return -1;
	r = add_entry(dn, (const char *const[]){ "objectClass", "gpcUnit", "gpcUnitCode", UNIT,
	    "o", "过滤测试单位", "gpcRegion", "150102", "gpcState", "active", NULL });
	free(dn);
	if (r != LDAP_SUCCESS)
		return -1;
	for (i = 0; i < NNAMES; i++) {
		if (gpc_dir_account_dn(dir, UNIT, names[i], &dn) != GPC_OK)
			return -1;
		r = add_entry(dn, (const char *const[]){ "objectClass", "gpcAccount", "uid",
		    names[i], "gpcRole", "handler", "gpcState", "active", NULL });
		free(dn);
		if (r != LDAP_SUCCESS)
			return -1;
	}
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	gpc_dir_close(dir);
	gpc_cfg_free(cfg);
	if (admin != NULL)
		ldap_unbind_ext_s(admin, NULL, NULL);
	return 0;
}

/* ---- helpers ------------------------------------------------------------ */

/* The value of the first RDN of dn. */
static void
assert_first_rdn_value(const char *dn, const char *want)
{
	LDAPDN parsed = NULL;
	struct berval *v;

	if (ldap_str2dn(dn, &parsed, LDAP_DN_FORMAT_LDAPV3) != LDAP_SUCCESS)
		fail_msg("the directory returned an unparsable DN \"%s\"", dn);
	v = &parsed[0][0]->la_value;
	if (v->bv_len != strlen(want) || memcmp(v->bv_val, want, v->bv_len) != 0)
		fail_msg("DN \"%s\" is not the entry of \"%s\"", dn, want);
	ldap_dnfree(parsed);
}

static struct gpc_account *
find_ok(const char *uid)
{
	struct gpc_account *a = NULL;
	int r = gpc_dir_find_account(dir, uid, &a);

	if (r != GPC_OK)
		fail_msg("\"%s\": %s", uid, gpc_strerror(r));
	assert_non_null(a);
	return a;
}

static void
assert_not_found(const char *uid)
{
	struct gpc_account *a = (struct gpc_account *)1;
	int r = gpc_dir_find_account(dir, uid, &a);

	if (r != GPC_ERR_NOTFOUND)
		fail_msg("\"%s\" gave %s, want no such entry", uid, gpc_strerror(r));
	assert_null(a);
}

/* Entries under ou=units matching (&(objectClass=gpcAccount)(uid=<value escaped by len>)). */
static int
count_escaped(const char *value, size_t len)
{
	static char *no_attrs[] = { LDAP_NO_ATTRS, NULL };
	char *esc = NULL, *filter = NULL, *base = NULL;
	LDAPMessage *res = NULL;
	int r, n;

	assert_int_equal(gpc_dir_filter_escape(value, len, &esc), GPC_OK);
	assert_true(gpc_asprintf(&filter, "(&(objectClass=gpcAccount)(uid=%s))", esc) > 0);
	assert_true(gpc_asprintf(&base, "ou=units,%s", gpc_dir_base(dir)) > 0);
	r = gpc_dir_search(dir, base, LDAP_SCOPE_SUBTREE, filter, no_attrs, 0, &res);
	if (r != GPC_OK)
		fail_msg("search %s: %s", filter, gpc_strerror(r));
	n = ldap_count_entries(gpc_dir_ldap(dir), res);
	ldap_msgfree(res);
	free(esc);
	free(filter);
	free(base);
	return n;
}

/* ---- tests -------------------------------------------------------------- */

static void
unescaped_wildcard_would_match_every_account(void **state)
{
	/* The control: without escaping, "*" is a presence filter over all of them. */
	static char *no_attrs[] = { LDAP_NO_ATTRS, NULL };
	char *base = NULL;
	LDAPMessage *res = NULL;

	(void)state;
	assert_true(gpc_asprintf(&base, "gpcUnitCode=%s,ou=units,%s", UNIT, gpc_dir_base(dir)) > 0);
	assert_int_equal(gpc_dir_search(dir, base, LDAP_SCOPE_ONELEVEL, "(uid=*)", no_attrs, 0,
	    &res), GPC_OK);
	assert_int_equal(ldap_count_entries(gpc_dir_ldap(dir), res), (int)NNAMES);
	ldap_msgfree(res);
	free(base);
}

static void
each_name_finds_exactly_its_own_entry(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < NNAMES; i++) {
		struct gpc_account *a = find_ok(names[i]);

		assert_string_equal(a->uid, names[i]);
		assert_first_rdn_value(a->dn, names[i]);
		assert_string_equal(a->role, "handler");
		assert_string_equal(a->state, "active");
		assert_non_null(a->unit_code);
		assert_string_equal(a->unit_code, UNIT);
		assert_string_equal(a->unit_state, "active");
		assert_true(gpc_account_usable(a));
		gpc_account_free(a);
		/* and by a direct search: one entry, not several */
		assert_int_equal(count_escaped(names[i], strlen(names[i])), 1);
	}
}

static void
star_is_not_a_wildcard(void **state)
{
	struct gpc_account *a;

	(void)state;
	a = find_ok("*");
	assert_string_equal(a->uid, "*");
	gpc_account_free(a);
	assert_not_found("**");
	assert_not_found("Ordinary*");
	assert_not_found("*User");
	assert_not_found("*r*");
	assert_not_found("m*ller");
	assert_not_found("\\2a"); /* an escape in the name is literal */
	assert_not_found("\\2A");
}

static void
filter_injections_find_nothing(void **state)
{
	struct gpc_account *a;

	(void)state;
	assert_not_found("*)(uid=*");
	assert_not_found(ORDINARY ")(objectClass=*");
	assert_not_found(ORDINARY ")(|(uid=*)");
	assert_not_found("*))(|(uid=*");
	a = find_ok(")(uid=*");
	assert_string_equal(a->uid, ")(uid=*");
	gpc_account_free(a);
}

static void
embedded_nul_matches_nothing(void **state)
{
	static const char with_nul[] = ORDINARY "\0x";
	static const char star_nul[] = "*\0";
	static const char lone_nul[] = "\0";

	(void)state;
	/* the same search finds the name without its tail */
	assert_int_equal(count_escaped(with_nul, strlen(ORDINARY)), 1);
	assert_int_equal(count_escaped(with_nul, sizeof(with_nul) - 1), 0);
	assert_int_equal(count_escaped(with_nul, strlen(ORDINARY) + 1), 0);
	assert_int_equal(count_escaped(star_nul, sizeof(star_nul) - 1), 0);
	assert_int_equal(count_escaped(lone_nul, sizeof(lone_nul) - 1), 0);
}

static void
overlong_name_finds_nothing_and_does_not_crash(void **state)
{
	char name[301], stars[257];
	struct gpc_account *a = (struct gpc_account *)1;
	int r;

	(void)state;
	memset(name, 'a', 300);
	name[300] = '\0';
	r = gpc_dir_find_account(dir, name, &a);
	if (r != GPC_ERR_INVAL && r != GPC_ERR_NOTFOUND)
		fail_msg("a 300-character name gave %s", gpc_strerror(r));
	assert_null(a);
	memset(name, '*', 300);
	a = (struct gpc_account *)1;
	r = gpc_dir_find_account(dir, name, &a);
	assert_true(r == GPC_ERR_INVAL || r == GPC_ERR_NOTFOUND);
	assert_null(a);
	assert_int_equal(count_escaped(name, 300), 0);
	/* the longest name the lookup takes goes to the directory, and is not there */
	memset(stars, '*', 256);
	stars[256] = '\0';
	assert_not_found(stars);
	/* and the session still works */
	a = find_ok(ORDINARY);
	gpc_account_free(a);
}

static void
empty_name_is_refused_before_the_directory(void **state)
{
	struct gpc_account *a = (struct gpc_account *)1;

	(void)state;
	assert_int_equal(gpc_dir_find_account(dir, "", &a), GPC_ERR_INVAL);
	assert_null(a);
}

static void
case_variants_find_the_entry_under_its_canonical_uid(void **state)
{
	static const char *const variants[] = { "ordinary-user", "ORDINARY-USER",
		"oRdInArY-uSeR" };
	struct gpc_account *first = find_ok(ORDINARY), *a;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(variants) / sizeof(variants[0]); i++) {
		a = find_ok(variants[i]);
		assert_string_equal(a->uid, ORDINARY);
		assert_string_equal(a->dn, first->dn);
		gpc_account_free(a);
	}
	a = find_ok("M\xc3\x9cLLER"); /* MÜLLER */
	assert_string_equal(a->uid, "m\xc3\xbcller");
	gpc_account_free(a);
	a = find_ok("Zhang San");
	assert_string_equal(a->uid, "zhang san");
	gpc_account_free(a);
	gpc_account_free(first);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(unescaped_wildcard_would_match_every_account),
		cmocka_unit_test(each_name_finds_exactly_its_own_entry),
		cmocka_unit_test(star_is_not_a_wildcard),
		cmocka_unit_test(filter_injections_find_nothing),
		cmocka_unit_test(embedded_nul_matches_nothing),
		cmocka_unit_test(overlong_name_finds_nothing_and_does_not_crash),
		cmocka_unit_test(empty_name_is_refused_before_the_directory),
		cmocka_unit_test(case_variants_find_the_entry_under_its_canonical_uid),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
