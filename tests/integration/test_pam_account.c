/*
 * The account stage through the real libpam (pam_wrapper) — issue 5,
 * items 1 and 2:
 *
 *  - pending/denied/suspended/terminated accounts and accounts of units
 *    that are not active are refused, and told why in the holder's
 *    language (for a suspension the bureau's reason and the last day to
 *    rectify) — but only once the holder proved the second factor (a
 *    valid code, spent); a stranger with a wrong code, or a login
 *    authenticated by another module, gets the refusal and no reason;
 *  - auth refuses them too (a stack without `account` is safe); the
 *    account stage says why when auth could not, never twice;
 *  - 分岗设权: a handler is refused on the reviewers' service, with the
 *    reason once proved; a reviewer is let in; a service not listed is
 *    open to both; the account stage enforces it by itself too;
 *  - the account stage takes only the entry whose uid is the name given.
 *
 * This file's configuration sets totp.window = 10 (fresh codes per login).
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

#include "itest.h"

#define H "150102-02-jb01"  /* handler, unit 1 */
#define R "150102-02-sh01"  /* reviewer, unit 1 */
#define S "150103-03-jb01"  /* suspended, deadline 2099-12-31, then terminate */
#define U "150104-04-jb01"  /* its unit suspended, deadline 2099-06-30, then notify */
#define X "150105-05-jb01"  /* terminated (seed kept, to reach the message) */
#define P "150122-07-jb01"  /* registered, pending (unit 6) */
#define D "150123-08-jb01"  /* registered, then denied (unit 7) */

#define SUSPENDED_EN "This account has been suspended by the finance bureau. Reason: " \
	"测试原因 test reason. Rectify by 2099-12-31, or the service will be terminated."
#define SUSPENDED_ZH "您的账号已被财政部门暂停使用。原因：测试原因 test reason。" \
	"请于 2099-12-31 前整改，逾期未整改将终止服务。"
#define UNIT_EN "Your unit has been suspended by the finance bureau. Reason: " \
	"测试原因 test reason. Rectify by 2099-06-30."
#define TERMINATED_EN "This account has been terminated and can no longer be used. " \
	"Reason: identity_misuse."
#define ROLE_EN "Your post (handler) may not use this service (gpc-review)."
#define ROLE_ZH "您的岗位（经办）无权使用此服务（alt）。"

static time_t t0;

/* A code of a step not used yet (window 10: steps t0 .. t0 + 10). */
static void
fresh(const char *uid, char *out, size_t len)
{
	static const char *const uids[] = { H, R, S, U, X };
	static int next[5]; /* test code: one process, one thread */
	size_t i;

	for (i = 0; i < 5 && strcmp(uids[i], uid) != 0; i++)
		;
	assert_true(i < 5 && next[i] <= 10);
	it_code(uid, t0 + 30 * next[i]++, out, len);
}

static char *
password_of(const char *uid)
{
	char name[128];

	snprintf(name, sizeof(name), "pw.%s", uid);
	return it_file_line(name);
}

/* auth (and with `account`, acct_mgmt) with the password and a code. */
static int
login(const char *service, const char *user, const char *code, struct it_conv *c, int account)
{
	char *pw = password_of(user);
	int r;

	memset(c, 0, sizeof(*c));
	c->answers[0] = pw != NULL ? pw : "x";
	c->answers[1] = code;
	r = it_pam(service, user, c, account);
	free(pw);
	return r;
}

static int
setup(void **state)
{
	(void)state;
	unsetenv("LD_PRELOAD"); /* the fixtures' shells must not take pam_wrapper's slots */
	if (it_sh("fx_active 1 0 && fx_active 1 1 && fx_active 2 0 && fx_active 3 0 && "
	    "fx_active 4 0") != 0 ||
	    it_sh("sed -i 's/window = 1;/window = 10;/' $GPC_CONF") != 0)
		goto fail;
	/* suspended by its bureau, with a deadline and termination after it */
	if (it_sh("fx_doc decision suspend 150103 --id SUSP-S --unit 121501039001583807 "
	    "--account %s --reason holder_mismatch --deadline 2099-12-31 --on-deadline terminate "
	    "> $T/s.json && fx_process $T/s.json 150103 && [ \"$(fx_outcome SUSP-S)\" = applied ]",
	    S) != 0)
		goto fail;
	/* a whole unit suspended; after the deadline the bureau is only notified */
	if (it_sh("fx_doc decision suspend 150100 --id SUSP-U --unit 111501049002375725 "
	    "--reason unit_info --deadline 2099-06-30 --on-deadline notify > $T/u.json && "
	    "fx_process $T/u.json 150100 && [ \"$(fx_outcome SUSP-U)\" = applied ]") != 0)
		goto fail;
	/*
	 * Terminated, but (unlike a real termination, which wipes them) with
	 * its seed, so that its holder can still prove the code and reach the
	 * message; locked as the engine locks it.
	 */
	{
		char *dn = it_ldap_attr(X, "dn");

		if (dn == NULL || it_ldapmodify("dn: %s\nchangetype: modify\nreplace: gpcState\n"
		    "gpcState: terminated\n-\nreplace: gpcStateReason\ngpcStateReason: "
		    "identity_misuse\n-\nreplace: pwdAccountLockedTime\npwdAccountLockedTime: "
		    "000001010000Z\n-\n", dn) != 0) {
			free(dn);
			goto fail;
		}
		free(dn);
	}
	/* alt: Chinese by the locale, and a service "alt" for reviewers only */
	if (it_sh("sed -e 's/language = \"en\";/language = \"auto\";/' -e 's/roles = \\[ "
	    "\"reviewer\" \\]; }/roles = [ \"reviewer\" ]; }, { service = \"alt\"; roles = [ "
	    "\"reviewer\" ]; }/' $GPC_CONF > $T/alt.conf && grep -q '\"alt\"' $T/alt.conf") != 0)
		goto fail;
	t0 = time(NULL);
	return 0;
fail:
	fprintf(stderr, "# fixtures could not be made; see fixture.log\n");
	return -1;
}

static void
a_suspended_holder_who_proves_the_code_is_told_why_and_until_when(void **state)
{
	struct it_conv c;
	char code[16];

	(void)state;
	fresh(S, code, sizeof(code));
	assert_int_equal(login("gpcgate", S, code, &c, 1), PAM_AUTH_ERR);
	assert_int_equal(c.nprompts, 2);
	assert_int_equal(c.ninfo, 1);
	assert_int_equal(c.info_styles[0], PAM_ERROR_MSG);
	/* 24:00 of 2099-12-31 is stored as 2100-01-01 00:00 +0800: the day shown is the 31st */
	assert_string_equal(c.info[0], SUSPENDED_EN);
	assert_string_equal(it_last_reason(), "account_not_active");
	/* the code was spent: shown again it proves nothing, and nothing is told */
	assert_int_equal(login("gpcgate", S, code, &c, 1), PAM_AUTH_ERR);
	assert_int_equal(c.ninfo, 0);
	assert_string_equal(it_last_reason(), "code_replayed");
}

static void
the_reason_is_told_in_chinese_when_the_holder_reads_chinese(void **state)
{
	struct it_conv c;
	char code[16], *pw = password_of(S);

	(void)state;
	fresh(S, code, sizeof(code));
	memset(&c, 0, sizeof(c));
	c.answers[0] = pw;
	c.answers[1] = code;
	c.env[0] = "LANG=zh_CN.UTF-8";
	assert_int_equal(it_pam("alt", S, &c, 1), PAM_AUTH_ERR);
	assert_string_equal(c.prompts[0], "密码: ");
	assert_int_equal(c.ninfo, 1);
	assert_string_equal(c.info[0], SUSPENDED_ZH);
	free(pw);
}

static void
a_stranger_with_a_wrong_code_is_told_nothing(void **state)
{
	struct it_conv c, active;
	char code[16], wrong[16];

	(void)state;
	fresh(S, code, sizeof(code));
	snprintf(wrong, sizeof(wrong), "%06d", (atoi(code) + 500001) % 1000000);
	assert_int_equal(login("gpcgate", S, wrong, &c, 1), PAM_AUTH_ERR);
	assert_int_equal(c.ninfo, 0);
	assert_string_equal(it_last_reason(), "wrong_code");
	/* the same prompts as a wrong code of an active account: nothing tells them apart */
	assert_int_equal(login("gpcgate", H, "000000", &active, 1), PAM_AUTH_ERR);
	assert_int_equal(active.ninfo, 0);
	assert_int_equal(c.nprompts, active.nprompts);
	assert_string_equal(c.full[0], active.full[0]);
	assert_string_equal(c.full[1], active.full[1]);
	/* nor a name guessed wrong */
	assert_int_equal(login("gpcgate", "150103-03-jb99", code, &c, 1), PAM_USER_UNKNOWN);
	assert_int_equal(c.ninfo, 0);
	/* the right code was not spent by the wrong one: it still proves */
	assert_int_equal(login("gpcgate", S, code, &c, 1), PAM_AUTH_ERR);
	assert_int_equal(it_conv_says(&c, "Rectify by 2099-12-31"), 1);
}

static void
a_login_authenticated_elsewhere_is_refused_without_a_reason(void **state)
{
	struct it_conv c;
	int res[2];

	(void)state;
	/* pam_permit.so stands for an SSH key: nobody proved our second factor */
	memset(&c, 0, sizeof(c));
	assert_int_equal(it_pam_seq("gpc-keyauth", S, &c, "auth acct", res, 2), 2);
	assert_int_equal(res[0], PAM_SUCCESS);
	assert_int_equal(res[1], PAM_PERM_DENIED);
	assert_int_equal(c.nprompts, 0);
	assert_int_equal(c.ninfo, 0);
	/* an account whose unit is suspended, likewise */
	assert_int_equal(it_pam_seq("gpc-keyauth", U, &c, "auth acct", res, 2), 2);
	assert_int_equal(res[1], PAM_PERM_DENIED);
	assert_int_equal(c.ninfo, 0);
}

static void
pending_and_denied_accounts_are_refused_by_the_account_stage(void **state)
{
	struct it_conv c;
	int res[2];
	char *st;

	(void)state;
	assert_int_equal(it_sh("fx_doc register 6 0 --id APP-P > $T/p.json && "
	    "fx_process $T/p.json && [ \"$(fx_outcome APP-P)\" = pending ] && "
	    "fx_doc register 7 0 --id APP-D > $T/d.json && fx_process $T/d.json && "
	    "fx_doc decision deny 150100 --id NO-D --app APP-D --reason other > $T/nd.json && "
	    "fx_process $T/nd.json 150100 && [ \"$(fx_outcome NO-D)\" = applied ]"), 0);
	st = it_ldap_attr(P, "gpcState");
	assert_non_null(st);
	assert_string_equal(st, "pending");
	free(st);
	st = it_ldap_attr(D, "gpcState");
	assert_non_null(st);
	assert_string_equal(st, "denied");
	free(st);
	/* authenticated by another module: the account stage alone decides */
	memset(&c, 0, sizeof(c));
	assert_int_equal(it_pam_seq("gpc-keyauth", P, &c, "auth acct", res, 2), 2);
	assert_int_equal(res[0], PAM_SUCCESS);
	assert_int_equal(res[1], PAM_PERM_DENIED);
	memset(&c, 0, sizeof(c));
	assert_int_equal(it_pam_seq("gpc-keyauth", D, &c, "auth acct", res, 2), 2);
	assert_int_equal(res[0], PAM_SUCCESS);
	assert_int_equal(res[1], PAM_PERM_DENIED);
	/* an active account on the same stack is let in: the refusal is the state's */
	memset(&c, 0, sizeof(c));
	assert_int_equal(it_pam_seq("gpc-keyauth", H, &c, "auth acct", res, 2), 2);
	assert_int_equal(res[1], PAM_SUCCESS);
}

static void
the_account_stage_says_why_when_auth_could_not_and_never_twice(void **state)
{
	struct it_conv c;
	char code[16], *pw = password_of(S);
	int res[2];

	(void)state;
	/* our auth is "optional": the stack goes on to the account stage */
	fresh(S, code, sizeof(code));
	memset(&c, 0, sizeof(c));
	c.answers[0] = pw;
	c.answers[1] = code;
	assert_int_equal(it_pam_seq("gpc-optional", S, &c, "auth acct", res, 2), 2);
	assert_int_equal(res[0], PAM_SUCCESS);
	assert_int_equal(res[1], PAM_PERM_DENIED);
	assert_int_equal(c.ninfo, 1); /* told once, by auth */
	assert_string_equal(c.info_stage[0], "auth");
	assert_string_equal(c.info[0], SUSPENDED_EN);
	/* a client that shows nothing during auth hears it from the account stage */
	fresh(S, code, sizeof(code));
	memset(&c, 0, sizeof(c));
	c.answers[0] = pw;
	c.answers[1] = code;
	c.refuse_messages_in = "auth";
	assert_int_equal(it_pam_seq("gpc-optional", S, &c, "auth acct", res, 2), 2);
	assert_int_equal(res[1], PAM_PERM_DENIED);
	assert_int_equal(c.ninfo, 1);
	assert_string_equal(c.info_stage[0], "acct");
	assert_int_equal(c.info_styles[0], PAM_ERROR_MSG);
	assert_string_equal(c.info[0], SUSPENDED_EN);
	/* and with a wrong code, neither stage says anything */
	memset(&c, 0, sizeof(c));
	c.answers[0] = pw;
	c.answers[1] = "000000";
	c.refuse_messages_in = "auth";
	assert_int_equal(it_pam_seq("gpc-optional", S, &c, "auth acct", res, 2), 2);
	assert_int_equal(res[1], PAM_PERM_DENIED);
	assert_int_equal(c.ninfo, 0);
	free(pw);
}

static void
a_suspended_unit_is_explained_with_its_own_reason_and_deadline(void **state)
{
	struct it_conv c;
	char code[16];

	(void)state;
	fresh(U, code, sizeof(code));
	assert_int_equal(login("gpcgate", U, code, &c, 1), PAM_AUTH_ERR);
	assert_int_equal(c.ninfo, 1);
	assert_string_equal(c.info[0], UNIT_EN);
	assert_string_equal(it_last_reason(), "account_not_active");
}

static void
a_terminated_account_is_told_so_and_expired_in_the_account_stage(void **state)
{
	struct it_conv c;
	char code[16], *pw = password_of(X);
	int res[2];

	(void)state;
	fresh(X, code, sizeof(code));
	memset(&c, 0, sizeof(c));
	c.answers[0] = pw;
	c.answers[1] = code;
	assert_int_equal(it_pam_seq("gpc-optional", X, &c, "auth acct", res, 2), 2);
	assert_int_equal(res[1], PAM_ACCT_EXPIRED);
	assert_int_equal(c.ninfo, 1);
	assert_string_equal(c.info[0], TERMINATED_EN);
	free(pw);
}

static void
the_account_stage_takes_only_the_entry_named_exactly(void **state)
{
	struct it_conv c;
	int res[2];

	(void)state;
	memset(&c, 0, sizeof(c));
	assert_int_equal(it_pam_seq("gpc-keyauth", "150102-02-JB01", &c, "auth acct", res, 2), 2);
	assert_int_equal(res[1], PAM_SUCCESS);
	/* the directory ignores the spaces; the account stage does not */
	assert_int_equal(it_pam_seq("gpc-keyauth", " " H, &c, "auth acct", res, 2), 2);
	assert_int_equal(res[1], PAM_USER_UNKNOWN);
	assert_int_equal(it_pam_seq("gpc-keyauth", H "  ", &c, "auth acct", res, 2), 2);
	assert_int_equal(res[1], PAM_USER_UNKNOWN);
	assert_int_equal(it_pam_seq("gpc-keyauth", "no-such-account", &c, "auth acct", res, 2), 2);
	assert_int_equal(res[1], PAM_USER_UNKNOWN);
}

static void
a_handler_is_refused_on_the_reviewers_service_and_told_why(void **state)
{
	struct it_conv c;
	char code[16];

	(void)state;
	fresh(H, code, sizeof(code));
	assert_int_equal(login("gpc-review", H, code, &c, 1), PAM_AUTH_ERR);
	assert_int_equal(c.ninfo, 1);
	assert_int_equal(c.info_styles[0], PAM_ERROR_MSG);
	assert_string_equal(c.info[0], ROLE_EN);
	assert_string_equal(it_last_reason(), "role_not_allowed");
	/* a wrong code on the same service: refused, and not told */
	assert_int_equal(login("gpc-review", H, "000000", &c, 1), PAM_AUTH_ERR);
	assert_int_equal(c.ninfo, 0);
}

static void
a_reviewer_may_use_the_reviewers_service(void **state)
{
	struct it_conv c;
	char code[16];

	(void)state;
	fresh(R, code, sizeof(code));
	assert_int_equal(login("gpc-review", R, code, &c, 1), PAM_SUCCESS);
	assert_int_equal(c.ninfo, 0);
	assert_string_equal(it_last_reason(), "ok");
}

static void
a_service_not_listed_is_open_to_both_posts(void **state)
{
	struct it_conv c;
	char code[16];

	(void)state;
	fresh(H, code, sizeof(code));
	assert_int_equal(login("gpcgate", H, code, &c, 1), PAM_SUCCESS);
	fresh(R, code, sizeof(code));
	assert_int_equal(login("gpcgate", R, code, &c, 1), PAM_SUCCESS);
}

static void
the_account_stage_enforces_posts_by_itself(void **state)
{
	struct it_conv c;
	int res[1];

	(void)state;
	/* acct_mgmt alone, as after an SSH key: the post decides, nothing is told */
	memset(&c, 0, sizeof(c));
	assert_int_equal(it_pam_seq("gpc-review", H, &c, "acct", res, 1), 1);
	assert_int_equal(res[0], PAM_PERM_DENIED);
	assert_int_equal(c.ninfo, 0);
	assert_int_equal(it_pam_seq("gpc-review", R, &c, "acct", res, 1), 1);
	assert_int_equal(res[0], PAM_SUCCESS);
	assert_int_equal(it_pam_seq("gpcgate", H, &c, "acct", res, 1), 1);
	assert_int_equal(res[0], PAM_SUCCESS);
}

static void
the_post_is_named_in_chinese(void **state)
{
	struct it_conv c;
	char code[16], *pw = password_of(H);

	(void)state;
	fresh(H, code, sizeof(code));
	memset(&c, 0, sizeof(c));
	c.answers[0] = pw;
	c.answers[1] = code;
	c.env[0] = "LC_ALL=zh_CN.UTF-8";
	assert_int_equal(it_pam("alt", H, &c, 1), PAM_AUTH_ERR);
	assert_int_equal(c.ninfo, 1);
	assert_string_equal(c.info[0], ROLE_ZH);
	free(pw);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_suspended_holder_who_proves_the_code_is_told_why_and_until_when),
		cmocka_unit_test(the_reason_is_told_in_chinese_when_the_holder_reads_chinese),
		cmocka_unit_test(a_stranger_with_a_wrong_code_is_told_nothing),
		cmocka_unit_test(a_login_authenticated_elsewhere_is_refused_without_a_reason),
		cmocka_unit_test(pending_and_denied_accounts_are_refused_by_the_account_stage),
		cmocka_unit_test(the_account_stage_says_why_when_auth_could_not_and_never_twice),
		cmocka_unit_test(a_suspended_unit_is_explained_with_its_own_reason_and_deadline),
		cmocka_unit_test(a_terminated_account_is_told_so_and_expired_in_the_account_stage),
		cmocka_unit_test(the_account_stage_takes_only_the_entry_named_exactly),
		cmocka_unit_test(a_handler_is_refused_on_the_reviewers_service_and_told_why),
		cmocka_unit_test(a_reviewer_may_use_the_reviewers_service),
		cmocka_unit_test(a_service_not_listed_is_open_to_both_posts),
		cmocka_unit_test(the_account_stage_enforces_posts_by_itself),
		cmocka_unit_test(the_post_is_named_in_chinese),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
