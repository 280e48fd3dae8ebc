/*
 * Logins through the real libpam (pam_wrapper) against the private slapd:
 * success, replay, wrong code, wrong password (one too long to send is
 * wrong too, not "directory unavailable"), unknown user, suspended account,
 * directory down.  Codes come from oathtool, as an app shows them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <jansson.h>
#include <security/pam_appl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "itest.h"

#define HANDLER "150102-02-jb01"   /* fixtures unit 1, bureau 150102 */
#define SUSPENDED "150103-03-jb01" /* fixtures unit 2, bureau 150103 */

static time_t t0; /* a step start with room before the next */

static char *
password_of(const char *uid)
{
	char name[128];

	snprintf(name, sizeof(name), "pw.%s", uid);
	return it_file_line(name);
}

static int
login(const char *service, const char *user, const char *pw, const char *code,
    struct it_conv *c)
{
	memset(c, 0, sizeof(*c));
	c->answers[0] = pw;
	c->answers[1] = code;
	return it_pam(service, user, c, 1);
}

static int
setup(void **state)
{
	(void)state;
	if (it_sh("fx_active 1 0") != 0 || it_sh("fx_active 2 0") != 0) {
		fprintf(stderr, "# fixture accounts could not be made; see fixture.log\n");
		return -1;
	}
	/* suspend the second account through a signed decision of its bureau */
	if (it_sh("fx_doc decision suspend 150103 --id SUSP-1 --unit 121501039001583807 "
	    "--account %s --reason holder_mismatch --deadline 2099-12-31 --on-deadline "
	    "terminate > $T/susp.json && fx_process $T/susp.json 150103 && "
	    "[ \"$(fx_outcome SUSP-1)\" = applied ]", SUSPENDED) != 0)
		return -1;
	/* a config whose only directory is a dead port */
	if (it_sh("sed 's|uri = .*|uri = [ \"ldap://127.0.0.1:9\" ];|' $GPC_CONF > $T/alt.conf")
	    != 0)
		return -1;
	t0 = time(NULL);
	if (t0 % 30 > 22) { /* keep every code of this file inside one step's window */
		sleep((unsigned)(31 - t0 % 30));
		t0 = time(NULL);
	}
	return 0;
}

static void
login_with_password_and_oathtool_code_succeeds(void **state)
{
	struct it_conv c;
	char code[16], *pw = password_of(HANDLER);

	(void)state;
	it_code(HANDLER, t0, code, sizeof(code));
	assert_int_equal(login("gpcgate", HANDLER, pw, code, &c), PAM_SUCCESS);
	assert_int_equal(c.nprompts, 2);
	assert_string_equal(c.prompts[0], "Password: ");
	assert_string_equal(c.prompts[1], "Verification code: ");
	free(pw);
}

static void
the_same_code_again_is_refused_as_a_replay(void **state)
{
	struct it_conv c;
	char code[16], *pw = password_of(HANDLER);

	(void)state;
	it_code(HANDLER, t0, code, sizeof(code));
	assert_int_equal(login("gpcgate", HANDLER, pw, code, &c), PAM_AUTH_ERR);
	assert_int_equal(c.nprompts, 2);
	free(pw);
}

static void
a_wrong_code_is_refused(void **state)
{
	struct it_conv c;
	char code[16], wrong[16], *pw = password_of(HANDLER);

	(void)state;
	it_code(HANDLER, t0 + 30, code, sizeof(code));
	snprintf(wrong, sizeof(wrong), "%06d", (atoi(code) + 1) % 1000000);
	assert_int_equal(login("gpcgate", HANDLER, pw, wrong, &c), PAM_AUTH_ERR);
	assert_int_equal(c.nprompts, 2);
	free(pw);
}

static void
a_wrong_password_is_refused_and_does_not_spend_the_code(void **state)
{
	struct it_conv c;
	char code[16], *pw = password_of(HANDLER);

	(void)state;
	it_code(HANDLER, t0 + 30, code, sizeof(code));
	assert_int_equal(login("gpcgate", HANDLER, "not-the-password", code, &c), PAM_AUTH_ERR);
	assert_int_equal(c.nprompts, 2);
	/* the code was not checked, let alone spent: it still works once */
	assert_int_equal(login("gpcgate", HANDLER, pw, code, &c), PAM_SUCCESS);
	assert_int_equal(login("gpcgate", HANDLER, pw, code, &c), PAM_AUTH_ERR);
	free(pw);
}

static void
an_empty_password_is_refused(void **state)
{
	struct it_conv c;
	char code[16];

	(void)state;
	it_code(HANDLER, t0 + 30, code, sizeof(code));
	assert_int_equal(login("gpcgate", HANDLER, "", code, &c), PAM_AUTH_ERR);
}

/* A password of n times 'x', malloc'd. */
static char *
long_password(size_t n)
{
	char *p = malloc(n + 1);

	assert_non_null(p);
	memset(p, 'x', n);
	p[n] = '\0';
	return p;
}

static void
a_password_too_long_is_a_wrong_password_not_a_directory_failure(void **state)
{
	static const size_t sizes[] = { 1025, 300000 };
	struct it_conv c;
	char *pw;
	json_t *o;
	size_t i;

	(void)state;
	/*
	 * Over 1024 bytes nothing is sent: the directory would refuse a bind
	 * over 256 KiB by dropping the connection, and the caller's input
	 * would turn a wrong password into "directory unavailable".
	 */
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		pw = long_password(sizes[i]);
		assert_int_equal(login("gpcgate", HANDLER, pw, "123456", &c), PAM_AUTH_ERR);
		assert_int_equal(c.nprompts, 2);
		assert_non_null(o = it_audit_last("login"));
		assert_string_equal(json_string_value(json_object_get(o, "reason")),
		    "wrong_password");
		json_decref(o);
		/* one prompt, password and code in one answer */
		memset(&c, 0, sizeof(c));
		c.answers[0] = pw;
		assert_int_equal(it_pam("gpc-one", HANDLER, &c, 0), PAM_AUTH_ERR);
		free(pw);
	}
}

static void
an_unknown_user_sees_the_same_prompts_and_fails(void **state)
{
	struct it_conv c;

	(void)state;
	assert_int_equal(login("gpcgate", "no-such-user", "whatever", "123456", &c),
	    PAM_USER_UNKNOWN);
	assert_int_equal(c.nprompts, 2);
	assert_string_equal(c.prompts[0], "Password: ");
	assert_string_equal(c.prompts[1], "Verification code: ");
}

static void
a_filter_injection_in_the_name_finds_nothing(void **state)
{
	struct it_conv c;
	char *pw = password_of(HANDLER);

	(void)state;
	assert_int_equal(login("gpcgate", "*", pw, "123456", &c), PAM_USER_UNKNOWN);
	assert_int_equal(login("gpcgate", "150102-02-jb0*", pw, "123456", &c), PAM_USER_UNKNOWN);
	assert_int_equal(login("gpcgate", HANDLER ")(uid=*", pw, "123456", &c), PAM_USER_UNKNOWN);
	free(pw);
}

static void
a_suspended_account_is_refused(void **state)
{
	struct it_conv c;
	char code[16], *pw = password_of(SUSPENDED);

	(void)state;
	it_code(SUSPENDED, t0, code, sizeof(code));
	assert_int_equal(login("gpcgate", SUSPENDED, pw, code, &c), PAM_AUTH_ERR);
	assert_int_equal(c.nprompts, 2);
	free(pw);
}

static void
an_unreachable_directory_is_authinfo_unavail_never_success(void **state)
{
	struct it_conv c;
	char code[16], *pw = password_of(HANDLER);

	(void)state;
	it_code(HANDLER, t0 + 30, code, sizeof(code));
	assert_int_equal(login("alt", HANDLER, pw, code, &c), PAM_AUTHINFO_UNAVAIL);
	free(pw);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(login_with_password_and_oathtool_code_succeeds),
		cmocka_unit_test(the_same_code_again_is_refused_as_a_replay),
		cmocka_unit_test(a_wrong_code_is_refused),
		cmocka_unit_test(a_wrong_password_is_refused_and_does_not_spend_the_code),
		cmocka_unit_test(an_empty_password_is_refused),
		cmocka_unit_test(a_password_too_long_is_a_wrong_password_not_a_directory_failure),
		cmocka_unit_test(an_unknown_user_sees_the_same_prompts_and_fails),
		cmocka_unit_test(a_filter_injection_in_the_name_finds_nothing),
		cmocka_unit_test(a_suspended_account_is_refused),
		cmocka_unit_test(an_unreachable_directory_is_authinfo_unavail_never_success),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
