/*
 * The texts of the account stage (lib/acct.c, lib/i18n.c), without PAM or
 * a directory:
 *
 *  - the rectification deadline shown is the day the decision named: the
 *    stored instant is 24:00 of it (the next day's 00:00, with the zone's
 *    offset), read in the value's own offset one second earlier;
 *  - every refusal in both languages: account or unit; pending, denied,
 *    suspended (with and without a deadline, before and after it, terminate
 *    or notify), terminated, an unknown state;
 *  - the bureau's words are made safe to show: no control characters (a
 *    terminal would obey them), bounded, never cut inside a character;
 *  - the post refused a service, the password expiry warning.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acct.h"
#include "err.h"
#include "i18n.h"

static void
the_deadline_shown_is_the_day_the_bureau_named(void **state)
{
	char d[11];
	time_t t;

	(void)state;
	/* 2026-12-31, ending at 24:00 in Asia/Shanghai, as the engine stores it */
	assert_int_equal(gpc_acct_deadline_date("20270101000000+0800", d, &t), GPC_OK);
	assert_string_equal(d, "2026-12-31");
	assert_int_equal(t, 1798732800); /* 2027-01-01T00:00:00+08:00 */
	/* read in the value's offset, whatever the host's zone */
	assert_int_equal(gpc_acct_deadline_date("21000101000000+0800", d, NULL), GPC_OK);
	assert_string_equal(d, "2099-12-31");
	assert_int_equal(gpc_acct_deadline_date("20260301000000-0500", d, NULL), GPC_OK);
	assert_string_equal(d, "2026-02-28");
	assert_int_equal(gpc_acct_deadline_date("20240301000000Z", d, NULL), GPC_OK);
	assert_string_equal(d, "2024-02-29");
	assert_int_equal(gpc_acct_deadline_date("20270101000000.5+0800", d, NULL), GPC_OK);
	assert_string_equal(d, "2026-12-31");
	assert_int_equal(gpc_acct_deadline_date("2027-01-01", d, NULL), GPC_ERR_FORMAT);
	assert_string_equal(d, "");
	assert_int_equal(gpc_acct_deadline_date(NULL, d, NULL), GPC_ERR_FORMAT);
}

static char *
refusal(enum gpc_lang lang, int unit, const char *st, const char *reason, const char *deadline,
    int passed, int terminate)
{
	struct gpc_refusal r = { unit, st, reason, deadline, passed, terminate };
	char *out = NULL;

	assert_int_equal(gpc_i18n_refusal(lang, &r, &out), GPC_OK);
	assert_non_null(out);
	return out;
}

#define CHECK(expr, want) do { \
	char *got_ = (expr); \
	assert_string_equal(got_, want); \
	free(got_); \
} while (0)

static void
a_suspension_says_why_and_until_when_in_both_languages(void **state)
{
	(void)state;
	CHECK(refusal(GPC_LANG_ZH, 0, "suspended", "登记的持有人不是实际使用人", "2026-12-31", 0, 1),
	    "您的账号已被财政部门暂停使用。原因：登记的持有人不是实际使用人。"
	    "请于 2026-12-31 前整改，逾期未整改将终止服务。");
	CHECK(refusal(GPC_LANG_EN, 0, "suspended", "holder is not the user", "2026-12-31", 0, 1),
	    "This account has been suspended by the finance bureau. Reason: holder is not the "
	    "user. Rectify by 2026-12-31, or the service will be terminated.");
	/* notify: no termination follows */
	CHECK(refusal(GPC_LANG_ZH, 1, "suspended", "单位信息不全。", "2026-06-30", 0, 0),
	    "您所在的单位已被财政部门暂停使用。原因：单位信息不全。请于 2026-06-30 前整改。");
	CHECK(refusal(GPC_LANG_EN, 1, "suspended", "incomplete unit data.", "2026-06-30", 0, 0),
	    "Your unit has been suspended by the finance bureau. Reason: incomplete unit data. "
	    "Rectify by 2026-06-30.");
	/* after the deadline, and without one */
	CHECK(refusal(GPC_LANG_ZH, 0, "suspended", "x", "2026-06-30", 1, 0),
	    "您的账号已被财政部门暂停使用。原因：x。"
	    "整改期限（2026-06-30）已过，请尽快联系财政部门。");
	CHECK(refusal(GPC_LANG_EN, 0, "suspended", "x", "2026-06-30", 1, 1),
	    "This account has been suspended by the finance bureau. Reason: x. The rectification "
	    "deadline (2026-06-30) has passed; contact the finance bureau.");
	CHECK(refusal(GPC_LANG_ZH, 0, "suspended", NULL, NULL, 0, 0),
	    "您的账号已被财政部门暂停使用。请联系财政部门。");
	CHECK(refusal(GPC_LANG_EN, 0, "suspended", "", NULL, 0, 0),
	    "This account has been suspended by the finance bureau. Contact the finance bureau.");
}

static void
the_other_states_each_say_what_they_are(void **state)
{
	(void)state;
	CHECK(refusal(GPC_LANG_ZH, 0, "pending", NULL, NULL, 0, 0),
	    "您的账号正在等待财政部门审核，审核通过后方可登录。");
	CHECK(refusal(GPC_LANG_EN, 1, "pending", NULL, NULL, 0, 0),
	    "Your unit is waiting for the finance bureau's approval; it can be used once "
	    "approved.");
	CHECK(refusal(GPC_LANG_ZH, 0, "denied", "冒用他人身份", NULL, 0, 0),
	    "您的账号注册申请未获财政部门批准。原因：冒用他人身份。");
	CHECK(refusal(GPC_LANG_ZH, 1, "denied", NULL, NULL, 0, 0),
	    "您所在单位的注册申请未获财政部门批准。");
	CHECK(refusal(GPC_LANG_EN, 0, "denied", "identity_misuse", NULL, 0, 0),
	    "This account was not approved by the finance bureau. Reason: identity_misuse.");
	CHECK(refusal(GPC_LANG_ZH, 0, "terminated", "逾期未整改", NULL, 0, 0),
	    "您的账号已被终止服务，不能再登录。原因：逾期未整改。");
	CHECK(refusal(GPC_LANG_EN, 1, "terminated", NULL, NULL, 0, 0),
	    "Your unit has been terminated and can no longer be used.");
	CHECK(refusal(GPC_LANG_EN, 0, "frozen", NULL, NULL, 0, 0),
	    "This account cannot be used (state: frozen).");
}

static void
the_bureaus_words_are_made_safe_to_show(void **state)
{
	char out[32], big[64];

	(void)state;
	gpc_acct_display("  逾期\x1b[2J未整改\r\n\t（第 3 次）  ", big, sizeof(big));
	assert_string_equal(big, "逾期 [2J未整改 （第 3 次）");
	gpc_acct_display("a\xc2\x9b" "b\x7f" "c", out, sizeof(out)); /* C1 CSI, DEL */
	assert_string_equal(out, "a b c");
	gpc_acct_display("bad \xff utf-8", out, sizeof(out));
	assert_string_equal(out, "");
	gpc_acct_display(NULL, out, sizeof(out));
	assert_string_equal(out, "");
	/* 11 characters of 3 bytes do not fit 32 bytes: 10 do, whole */
	gpc_acct_display("一二三四五六七八九十百", out, sizeof(out));
	assert_string_equal(out, "一二三四五六七八九十");
}

static void
a_post_refused_and_an_expiring_password_are_told_in_words(void **state)
{
	char *s = NULL, line[160];

	(void)state;
	assert_int_equal(gpc_i18n_role_refusal(GPC_LANG_ZH, "reviewer", "gpc-handle", &s), GPC_OK);
	assert_string_equal(s, "您的岗位（审核）无权使用此服务（gpc-handle）。");
	free(s);
	assert_int_equal(gpc_i18n_role_refusal(GPC_LANG_EN, "handler", "gpc-review", &s), GPC_OK);
	assert_string_equal(s, "Your post (handler) may not use this service (gpc-review).");
	free(s);
	gpc_i18n_pw_expiring(GPC_LANG_EN, 86400, line, sizeof(line));
	assert_string_equal(line, "Your password expires in 1 day; change it soon.");
	gpc_i18n_pw_expiring(GPC_LANG_EN, 86401, line, sizeof(line));
	assert_string_equal(line, "Your password expires in 2 days; change it soon.");
	gpc_i18n_pw_expiring(GPC_LANG_ZH, 30, line, sizeof(line));
	assert_string_equal(line, "您的密码将在 1 天后过期，请及时修改。");
	assert_string_equal(gpc_i18n_text(NULL, GPC_LANG_ZH, GPC_MSG_PASSWORD_RESET),
	    "管理员已重置您的密码，请立即设置新密码。");
	assert_string_equal(gpc_i18n_text(NULL, GPC_LANG_ZH, GPC_MSG_CURRENT_PASSWORD),
	    "当前密码: ");
}

static void
a_note_is_trusted_only_for_its_own_account(void **state)
{
	struct gpc_login_note *n = gpc_login_note_new();

	(void)state;
	assert_non_null(n);
	assert_int_equal(n->pp.error, -1);
	assert_int_equal(gpc_login_note_may_tell(n, "a"), 0);
	n->uid = strdup("150102-02-jb01");
	n->proved = 1;
	assert_int_equal(gpc_login_note_may_tell(n, "150102-02-jb01"), 1);
	assert_int_equal(gpc_login_note_may_tell(n, "150102-02-JB01"), 0);
	assert_int_equal(gpc_login_note_may_tell(n, "150102-02-sh01"), 0);
	n->told = 1;
	assert_int_equal(gpc_login_note_may_tell(n, "150102-02-jb01"), 0);
	n->password = strdup("secret");
	gpc_login_note_free(n);
	gpc_login_note_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(the_deadline_shown_is_the_day_the_bureau_named),
		cmocka_unit_test(a_suspension_says_why_and_until_when_in_both_languages),
		cmocka_unit_test(the_other_states_each_say_what_they_are),
		cmocka_unit_test(the_bureaus_words_are_made_safe_to_show),
		cmocka_unit_test(a_post_refused_and_an_expiring_password_are_told_in_words),
		cmocka_unit_test(a_note_is_trusted_only_for_its_own_account),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
