/*
 * Empty and odd input through the real libpam — issue 3 item 7:
 *
 *  - an empty password is refused before any bind, and does not spend the
 *    code;
 *  - accounts whose uid holds filter or DN syntax or non-ASCII text ("a*b",
 *    "x)(uid=*", "back\slash", "te,cn=admins", "müller", "张三", "sp ace"),
 *    put into the directory by its administrator, each log in to exactly
 *    their own entry; the near misses (wildcards, injections, prefixes,
 *    spaces around, Unicode case, 300 characters) find nothing, see the
 *    same prompts, and nothing crashes;
 *  - names are matched on the canonical uid: ASCII case variants share one
 *    replay guard and one failure count;
 *  - a NUL cannot come through PAM_USER (a C string): its escaping is
 *    checked in the library.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <security/pam_appl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dir.h"
#include "err.h"
#include "seal.h"
#include "totp.h"
#include "itest.h"

#define H "150102-02-jb01"
#define UNIT_DN_FMT "gpcUnitCode=12150102900079199E,ou=units,%s"
#define ODD_PW "Odd-names-pw-2026"

static const char *const odd[] = {
	"a*b", "x)(uid=*", "back\\slash", "te,cn=admins", "m\xc3\xbcller", "\xe5\xbc\xa0\xe4\xb8\x89",
	"sp ace",
};
#define NODD (sizeof(odd) / sizeof(odd[0]))

static unsigned char seeds[NODD][20];
static time_t t0;
static int next_h;

static int
login(const char *user, const char *pw, const char *code, struct it_conv *c)
{
	memset(c, 0, sizeof(*c));
	c->answers[0] = pw;
	c->answers[1] = code;
	return it_pam("gpcgate", user, c, 0);
}

static char *
b64(const char *s)
{
	size_t n = strlen(s);
	char *out = calloc(1, 4 * (n / 3 + 1) + 1);

	if (out != NULL)
		EVP_EncodeBlock((unsigned char *)out, (const unsigned char *)s, (int)n);
	return out;
}

/* An account with an odd uid, made by the directory's administrator. */
static int
add_odd(const char *uid)
{
	char *esc = NULL, *dn = NULL, *dn64 = NULL, *uid64 = NULL;
	const char *base = it_env("GPC_BASE");
	int r = -1;

	if (gpc_dir_dn_escape(uid, &esc) != GPC_OK)
		return -1;
	if (asprintf(&dn, "uid=%s," UNIT_DN_FMT, esc, base) < 0)
		goto out;
	dn64 = b64(dn);
	uid64 = b64(uid);
	r = it_ldapmodify("dn:: %s\nchangetype: add\nobjectClass: gpcAccount\n"
	    "objectClass: gpcOtpToken\nuid:: %s\ngpcRole: handler\ngpcState: active\n"
	    "userPassword: " ODD_PW "\n\n", dn64, uid64);
out:
	free(esc);
	free(dn);
	free(dn64);
	free(uid64);
	return r;
}

static int
setup(void **state)
{
	size_t i;

	(void)state;
	/*
	 * pam_wrapper is loaded in this process already; the shells popen()
	 * starts for fixtures must not each take one of its slots.
	 */
	unsetenv("LD_PRELOAD");
	if (it_sh("fx_active 1 0") != 0 ||
	    it_sh("sed -i 's/window = 1;/window = 10;/' $GPC_CONF") != 0)
		return -1;
	for (i = 0; i < NODD; i++) {
		if (add_odd(odd[i]) != 0 || gpc_random_bytes(seeds[i], 20) != GPC_OK ||
		    it_install_seed(odd[i], seeds[i], 20, "sha1", 6, 30) != 0) {
			fprintf(stderr, "# account %zu could not be made; see fixture.log\n", i);
			return -1;
		}
	}
	t0 = time(NULL);
	return 0;
}

static void
an_empty_password_is_refused_before_any_bind(void **state)
{
	struct it_conv c;
	char code[16], *pw = it_file_line("pw." H);

	(void)state;
	it_code(H, t0 + 30 * next_h++, code, sizeof(code));
	assert_int_equal(login(H, "", code, &c), PAM_AUTH_ERR);
	assert_int_equal(c.nprompts, 2);
	assert_string_equal(it_audit_last_field("login", "reason"), "empty_password");
	/* the code was neither checked nor spent */
	assert_int_equal(login(H, pw, code, &c), PAM_SUCCESS);
	free(pw);
}

static void
each_odd_name_logs_in_to_exactly_its_own_entry(void **state)
{
	struct gpc_totp_params p = { GPC_ALGO_SHA1, 6, 30, 1 };
	struct it_conv c;
	char code[16];
	size_t i;

	(void)state;
	for (i = 0; i < NODD; i++) {
		assert_int_equal(gpc_totp_generate(&p, seeds[i], 20, (int64_t)time(NULL), code,
		    sizeof(code)), GPC_OK);
		assert_int_equal(login(odd[i], ODD_PW, code, &c), PAM_SUCCESS);
		assert_string_equal(it_audit_last_field("login", "uid"), odd[i]);
		/* another odd account's password and code do not open this one */
		assert_int_equal(login(odd[i], "not-the-password", code, &c), PAM_AUTH_ERR);
	}
}

static void
near_misses_find_nothing_and_see_the_same_prompts(void **state)
{
	char longname[301], longh[301];
	const char *const misses[] = {
		"*", "a*", "*b", "a\\2ab", "x)(uid=", ")(uid=*", "x)(uid=*)(", "*)(uid=*",
		"back", "back\\", "back\\\\slash", "te", ",cn=admins", "te,cn=admins,ou=units",
		"uid=te,cn=admins", "m\xc3\xbcller ", " m\xc3\xbcller", "M\xc3\x9cLLER",
		"\xe5\xbc\xa0", "\xe5\xbc\xa0\xe4\xb8\x89*", "sp  ace", " sp ace", "sp ace ",
		H " ", " " H, H "  ", "150102-02-jb0?", "150102-02-jb0*", "(uid=" H ")",
		"\t" H, longname, longh, "-", ".", "\xff\xfe",
	};
	struct it_conv c;
	size_t i, j;

	(void)state;
	memset(longname, 'a', 300);
	longname[300] = '\0';
	for (j = 0; j + strlen(H) <= 300; j += strlen(H))
		memcpy(longh + j, H, strlen(H));
	longh[j] = '\0';
	for (i = 0; i < sizeof(misses) / sizeof(misses[0]); i++) {
		assert_int_equal(login(misses[i], ODD_PW, "123456", &c), PAM_USER_UNKNOWN);
		assert_int_equal(c.nprompts, 2);
		assert_string_equal(c.full[0], "Password: ");
		assert_string_equal(c.full[1], "Verification code: ");
		assert_string_equal(it_audit_last_field("login", "reason"), "unknown_account");
		assert_string_equal(it_audit_last_field("login", "uid"), "");
	}
}

static void
case_variants_share_one_replay_guard_and_one_failure_count(void **state)
{
	struct it_conv c;
	char code[16], *pw = it_file_line("pw." H), *n;

	(void)state;
	it_code(H, t0 + 30 * next_h++, code, sizeof(code));
	assert_int_equal(login("150102-02-JB01", pw, code, &c), PAM_SUCCESS);
	assert_string_equal(it_audit_last_field("login", "uid"), H); /* the canonical spelling */
	assert_int_equal(login(H, pw, code, &c), PAM_AUTH_ERR);
	assert_string_equal(it_audit_last_field("login", "reason"), "code_replayed");
	assert_int_equal(login("150102-02-Jb01", pw, code, &c), PAM_AUTH_ERR);
	assert_string_equal(it_audit_last_field("login", "reason"), "code_replayed");
	/* wrong codes under three spellings: one count */
	assert_int_equal(login("150102-02-JB01", pw, "000001", &c), PAM_AUTH_ERR);
	assert_int_equal(login("150102-02-jB01", pw, "000002", &c), PAM_AUTH_ERR);
	assert_int_equal(login(H, pw, "000003", &c), PAM_AUTH_ERR);
	n = it_ldap_attr(H, "gpcTotpFailures");
	assert_non_null(n);
	assert_string_equal(n, "3");
	free(n);
	free(pw);
}

static void
a_nul_in_a_name_is_escaped_in_the_filter(void **state)
{
	char *esc = NULL;

	(void)state;
	/* PAM_USER is a C string: "a\0b" reaches the module as "a".  The library escapes it. */
	assert_int_equal(gpc_dir_filter_escape("a\0*)(", 5, &esc), GPC_OK);
	assert_string_equal(esc, "a\\00\\2A\\29\\28");
	free(esc);
	assert_int_equal(gpc_dir_filter_escape("m\xc3\xbcller", 7, &esc), GPC_OK);
	assert_string_equal(esc, "m\\C3\\BCller");
	free(esc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(an_empty_password_is_refused_before_any_bind),
		cmocka_unit_test(each_odd_name_logs_in_to_exactly_its_own_entry),
		cmocka_unit_test(near_misses_find_nothing_and_see_the_same_prompts),
		cmocka_unit_test(case_variants_share_one_replay_guard_and_one_failure_count),
		cmocka_unit_test(a_nul_in_a_name_is_escaped_in_the_filter),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
