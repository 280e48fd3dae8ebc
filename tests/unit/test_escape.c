/*
 * Unit tests for the escaping in lib/dir.c: filter values (RFC 4515 §3,
 * len-based, so an embedded NUL is escaped rather than ending the value) and
 * DN attribute values (RFC 4514 §2.4).  Both are checked against exact
 * expected strings and by round trips: a filter value is unescaped by a
 * decoder written here from RFC 4515, a DN value is parsed back by libldap's
 * own ldap_str2dn.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <ldap.h>

#include "dir.h"
#include "err.h"

/* ---- helpers ------------------------------------------------------------ */

static char *
filter_esc(const char *v, size_t len)
{
	char *out = (char *)1;

	assert_int_equal(gpc_dir_filter_escape(v, len, &out), GPC_OK);
	assert_non_null(out);
	return out;
}

#define FILTER_IS(lit, want)                                             \
	do {                                                             \
		char *got_ = filter_esc((lit), sizeof(lit) - 1);         \
		assert_string_equal(got_, (want));                       \
		free(got_);                                              \
	} while (0)

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * RFC 4515 assertion value: every byte is a "normal" one (not NUL, '(', ')',
 * '*', '\') or an escape "\" HEX HEX.  Decodes into out; returns the length,
 * or -1 if the value is not well-formed.
 */
static long
filter_unescape(const char *s, unsigned char *out, size_t max)
{
	size_t n = 0;

	for (; *s != '\0'; s++) {
		int hi, lo;

		if (n == max)
			return -1;
		if (*s == '(' || *s == ')' || *s == '*')
			return -1;
		if (*s != '\\') {
			out[n++] = (unsigned char)*s;
			continue;
		}
		if ((hi = hexval(s[1])) < 0 || (lo = hexval(s[2])) < 0)
			return -1;
		out[n++] = (unsigned char)(hi * 16 + lo);
		s += 2;
	}
	return (long)n;
}

static char *
dn_esc(const char *v)
{
	char *out = (char *)1;

	if (gpc_dir_dn_escape(v, &out) != GPC_OK)
		fail_msg("\"%s\" refused", v);
	assert_non_null(out);
	return out;
}

#define DN_IS(v, want)                                                   \
	do {                                                             \
		char *got_ = dn_esc(v);                                  \
		assert_string_equal(got_, (want));                       \
		free(got_);                                              \
	} while (0)

/* "uid=<escaped>,dc=x" parses back, with libldap, into one RDN holding v. */
static void
assert_dn_round_trip(const char *v)
{
	char *esc = dn_esc(v), dn[1024];
	LDAPDN parsed = NULL;
	LDAPAVA *ava;

	snprintf(dn, sizeof(dn), "uid=%s,dc=x", esc);
	if (ldap_str2dn(dn, &parsed, LDAP_DN_FORMAT_LDAPV3) != LDAP_SUCCESS)
		fail_msg("libldap cannot parse \"%s\"", dn);
	assert_non_null(parsed[0]);
	assert_non_null(parsed[1]);
	assert_null(parsed[2]); /* nothing split off into another RDN */
	assert_null(parsed[0][1]); /* nor into a multi-valued RDN */
	ava = parsed[0][0];
	assert_int_equal(ava->la_attr.bv_len, 3);
	assert_memory_equal(ava->la_attr.bv_val, "uid", 3);
	if (ava->la_value.bv_len != strlen(v) || memcmp(ava->la_value.bv_val, v, strlen(v)) != 0)
		fail_msg("\"%s\" parsed back as \"%.*s\"", dn, (int)ava->la_value.bv_len,
		    ava->la_value.bv_val);
	ldap_dnfree(parsed);
	free(esc);
}

/* ---- filter values ------------------------------------------------------ */

static void
filter_escape_escapes_the_rfc4515_specials(void **state)
{
	(void)state;
	FILTER_IS("*", "\\2A");
	FILTER_IS("(", "\\28");
	FILTER_IS(")", "\\29");
	FILTER_IS("\\", "\\5C");
	FILTER_IS("*)(uid=*", "\\2A\\29\\28uid=\\2A");
	FILTER_IS(")(|(uid=*))", "\\29\\28|\\28uid=\\2A\\29\\29");
	FILTER_IS("a\\2a", "a\\5C2a"); /* an escape in the input stays literal */
}

static void
filter_escape_leaves_ordinary_names_alone(void **state)
{
	(void)state;
	FILTER_IS("150102-02-jb01", "150102-02-jb01");
	FILTER_IS("ordinary.user_1", "ordinary.user_1");
	FILTER_IS("zhang san", "zhang san");
	FILTER_IS("a=b,c+d;e<f>g\"#", "a=b,c+d;e<f>g\"#");
}

static void
filter_escape_escapes_an_embedded_nul_by_length(void **state)
{
	(void)state;
	FILTER_IS("abc\0def", "abc\\00def");
	FILTER_IS("\0", "\\00");
	FILTER_IS("admin\0*", "admin\\00\\2A");
}

static void
filter_escape_escapes_control_bytes(void **state)
{
	(void)state;
	FILTER_IS("a\x01" "b", "a\\01b");
	FILTER_IS("\t\n\r", "\\09\\0A\\0D");
	FILTER_IS("\x1f\x7f", "\\1F\\7F");
}

static void
filter_escape_escapes_every_byte_above_ascii(void **state)
{
	(void)state;
	FILTER_IS("m\xc3\xbcller", "m\\C3\\BCller");                      /* müller */
	FILTER_IS("\xe5\xbc\xa0\xe4\xb8\x89", "\\E5\\BC\\A0\\E4\\B8\\89"); /* 张三 */
	FILTER_IS("\xff", "\\FF"); /* not UTF-8: escaped all the same */
}

static void
filter_escape_of_empty_is_empty(void **state)
{
	char *out = (char *)1;

	(void)state;
	assert_int_equal(gpc_dir_filter_escape("", 0, &out), GPC_OK);
	assert_non_null(out);
	assert_string_equal(out, "");
	free(out);
	/* len 0 means empty whatever the bytes */
	assert_int_equal(gpc_dir_filter_escape("*", 0, &out), GPC_OK);
	assert_string_equal(out, "");
	free(out);
}

static void
filter_escape_round_trips_every_byte(void **state)
{
	unsigned char all[256], back[256];
	char *esc;
	long n;
	size_t i;

	(void)state;
	for (i = 0; i < 256; i++)
		all[i] = (unsigned char)i;
	esc = filter_esc((const char *)all, sizeof(all));
	/* only printable ASCII comes out, and nothing that ends or widens a filter */
	for (i = 0; esc[i] != '\0'; i++)
		assert_true(esc[i] >= 0x20 && esc[i] < 0x7f);
	n = filter_unescape(esc, back, sizeof(back));
	assert_int_equal(n, 256);
	assert_memory_equal(back, all, 256);
	free(esc);
}

static void
filter_escape_of_a_long_value(void **state)
{
	char in[300], *out;
	unsigned char back[300];

	(void)state;
	memset(in, '*', sizeof(in));
	out = filter_esc(in, sizeof(in));
	assert_int_equal(strlen(out), 3 * sizeof(in));
	assert_int_equal(filter_unescape(out, back, sizeof(back)), (long)sizeof(in));
	assert_memory_equal(back, in, sizeof(in));
	free(out);
}

/* ---- DN values ---------------------------------------------------------- */

static void
dn_escape_escapes_the_rfc4514_specials(void **state)
{
	(void)state;
	DN_IS(",", "\\,");
	DN_IS("+", "\\+");
	DN_IS("\"", "\\\"");
	DN_IS("\\", "\\\\");
	DN_IS("<", "\\<");
	DN_IS(">", "\\>");
	DN_IS(";", "\\;");
	DN_IS("=", "\\=");
	DN_IS("a,ou=system", "a\\,ou\\=system");
	DN_IS(",+\"\\<>;=", "\\,\\+\\\"\\\\\\<\\>\\;\\=");
}

static void
dn_escape_escapes_leading_and_trailing_space_only(void **state)
{
	(void)state;
	DN_IS(" lead", "\\ lead");
	DN_IS("trail ", "trail\\ ");
	DN_IS(" both ", "\\ both\\ ");
	DN_IS(" ", "\\ ");
	DN_IS("  ", "\\ \\ ");
	DN_IS("in side", "in side");
}

static void
dn_escape_escapes_a_leading_hash_only(void **state)
{
	(void)state;
	DN_IS("#1", "\\#1");
	DN_IS("a#1", "a#1");
	DN_IS("#", "\\#");
}

static void
dn_escape_keeps_utf8_and_plain_names(void **state)
{
	(void)state;
	DN_IS("150102-02-jb01", "150102-02-jb01");
	DN_IS("m\xc3\xbcller", "m\xc3\xbcller");
	DN_IS("\xe5\xbc\xa0\xe4\xb8\x89", "\xe5\xbc\xa0\xe4\xb8\x89");
	DN_IS("*()", "*()"); /* not special in a DN */
	DN_IS("a\x01" "b", "a\\01b");
}

static void
dn_escape_refuses_empty_null_and_invalid_utf8(void **state)
{
	char *out = (char *)1;

	(void)state;
	assert_int_equal(gpc_dir_dn_escape("", &out), GPC_ERR_INVAL);
	assert_null(out);
	out = (char *)1;
	assert_int_equal(gpc_dir_dn_escape(NULL, &out), GPC_ERR_INVAL);
	assert_null(out);
	out = (char *)1;
	assert_int_equal(gpc_dir_dn_escape("m\xfcller", &out), GPC_ERR_INVAL);
	assert_null(out);
	assert_int_equal(gpc_dir_dn_escape("\xc0\xaf", &out), GPC_ERR_INVAL);
	assert_int_equal(gpc_dir_dn_escape("\xed\xa0\x80", &out), GPC_ERR_INVAL);
}

static void
dn_escape_round_trips_through_libldap(void **state)
{
	static const char *const values[] = {
		"*", "(", ")", "\\", ")(uid=*", " lead", "trail ", " ", "#1", "a#1",
		",+\"\\<>;=", "a,ou=system,dc=x", "uid=x+cn=y", "m\xc3\xbcller",
		"\xe5\xbc\xa0\xe4\xb8\x89", "zhang san", "a\x01\x1f\x7f" "b", "\\2C", "#\\ #",
		"ordinary",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(values) / sizeof(values[0]); i++)
		assert_dn_round_trip(values[i]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(filter_escape_escapes_the_rfc4515_specials),
		cmocka_unit_test(filter_escape_leaves_ordinary_names_alone),
		cmocka_unit_test(filter_escape_escapes_an_embedded_nul_by_length),
		cmocka_unit_test(filter_escape_escapes_control_bytes),
		cmocka_unit_test(filter_escape_escapes_every_byte_above_ascii),
		cmocka_unit_test(filter_escape_of_empty_is_empty),
		cmocka_unit_test(filter_escape_round_trips_every_byte),
		cmocka_unit_test(filter_escape_of_a_long_value),
		cmocka_unit_test(dn_escape_escapes_the_rfc4514_specials),
		cmocka_unit_test(dn_escape_escapes_leading_and_trailing_space_only),
		cmocka_unit_test(dn_escape_escapes_a_leading_hash_only),
		cmocka_unit_test(dn_escape_keeps_utf8_and_plain_names),
		cmocka_unit_test(dn_escape_refuses_empty_null_and_invalid_utf8),
		cmocka_unit_test(dn_escape_round_trips_through_libldap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
