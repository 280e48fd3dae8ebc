/*
 * The login flow (lib/login.c) driven by a scripted conversation, without
 * PAM and without a directory (its only URI is a closed port), and the
 * texts of lib/i18n.c:
 *
 *  - which prompts each mode asks, and that the directory being down never
 *    skips the code prompt nor passes for success;
 *  - the one-prompt answer is split and handed on; the other modes hand
 *    nothing on;
 *  - an unidentified name is reported only as a keyed hash;
 *  - recovery codes are normalised the way they are hashed;
 *  - the language follows the configuration, then LC_ALL/LC_MESSAGES/LANG,
 *    and every text can be replaced.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <ldap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cfg.h"
#include "err.h"
#include "i18n.h"
#include "login.h"
#include "seal.h"

static char dir[] = "/tmp/gl.XXXXXX";
static struct gpc_cfg *cfg;

/* The scripted holder: answers in order, records the prompts. */
struct script {
	const char *answers[4];
	int n;
	char prompts[4][128];
	int echo[4];
};

static int
ask(void *ctx, int echo, const char *prompt, char **answer)
{
	struct script *s = ctx;

	*answer = NULL;
	if (s->n >= 4 || s->answers[s->n] == NULL)
		return GPC_ERR_IO;
	snprintf(s->prompts[s->n], sizeof(s->prompts[0]), "%s", prompt);
	s->echo[s->n] = echo;
	*answer = strdup(s->answers[s->n++]);
	return *answer != NULL ? GPC_OK : GPC_ERR_NOMEM;
}

static int
setup(void **state)
{
	char path[256], err[512], keys[256];
	FILE *f;
	int v;

	(void)state;
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(keys, sizeof(keys), "%s/keys", dir);
	if (mkdir(keys, 0700) != 0 || gpc_keys_generate(keys, &v) != GPC_OK)
		return -1;
	snprintf(path, sizeof(path), "%s/gpcgate.conf", dir);
	if ((f = fopen(path, "w")) == NULL)
		return -1;
	fprintf(f, "directory = { uri = [ \"ldap://127.0.0.1:9\" ]; base = \"dc=example\";\n"
	    "  network_timeout_ms = 500; state_file = \"%s/failover\"; };\n"
	    "crypto = { key_dir = \"%s\"; };\n"
	    "pam = { language = \"en\"; fail_delay_ms = 0; };\n"
	    "audit = { file = \"%s/audit.log\"; syslog = false; };\n", dir, keys, dir);
	fclose(f);
	chmod(path, 0600);
	if (gpc_cfg_load(path, &cfg, err, sizeof(err)) != GPC_OK) {
		fprintf(stderr, "# %s\n", err);
		return -1;
	}
	return 0;
}

static int
teardown(void **state)
{
	char cmd[300];

	(void)state;
	gpc_cfg_free(cfg);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static int
run(enum gpc_login_mode mode, const char *authtok, struct script *s,
    struct gpc_login_result *res)
{
	struct gpc_login_conv conv = { ask, s };
	struct gpc_login_req req;

	memset(&req, 0, sizeof(req));
	req.user = "150102-02-jb01";
	req.mode = mode;
	req.authtok = authtok;
	req.lang = GPC_LANG_EN;
	return gpc_login_authenticate(cfg, NULL, &conv, &req, res);
}

static void
two_prompts_then_directory_unavailable(void **state)
{
	struct script s = { { "password", "123456" }, 0, { "" }, { 0 } };
	struct gpc_login_result res;

	(void)state;
	assert_int_equal(run(GPC_LOGIN_TWO_PROMPTS, NULL, &s, &res), GPC_ERR_UNAVAIL);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.prompts[0], "Password: ");
	assert_string_equal(s.prompts[1], "Verification code: ");
	assert_int_equal(s.echo[0], 0);
	assert_int_equal(s.echo[1], 0);
	assert_string_equal(res.reason, "directory_unavailable");
	assert_null(res.uid);
	assert_null(res.authtok);
	/* the name only as a keyed hash */
	assert_int_equal(strncmp(res.name_hash, "h1:", 3), 0);
	assert_int_equal(strlen(res.name_hash), 67);
	gpc_login_result_free(&res);
}

static void
one_prompt_splits_and_hands_the_password_on(void **state)
{
	struct script s = { { "my password123456" }, 0, { "" }, { 0 } };
	struct gpc_login_result res;

	(void)state;
	assert_int_equal(run(GPC_LOGIN_ONE_PROMPT, NULL, &s, &res), GPC_ERR_UNAVAIL);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.prompts[0], "Password and verification code: ");
	assert_non_null(res.authtok);
	assert_string_equal(res.authtok, "my password");
	gpc_login_result_free(&res);
	assert_null(res.authtok);
}

static void
use_first_pass_asks_the_code_only_and_nothing_without_a_password(void **state)
{
	struct script s = { { "123456" }, 0, { "" }, { 0 } };
	struct script none = { { NULL }, 0, { "" }, { 0 } };
	struct gpc_login_result res;

	(void)state;
	assert_int_equal(run(GPC_LOGIN_USE_FIRST_PASS, "pw", &s, &res), GPC_ERR_UNAVAIL);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.prompts[0], "Verification code: ");
	assert_null(res.authtok);
	gpc_login_result_free(&res);
	assert_int_equal(run(GPC_LOGIN_USE_FIRST_PASS, NULL, &none, &res), GPC_ERR_BADPASS);
	assert_int_equal(none.n, 0);
	assert_string_equal(res.reason, "no_password");
	gpc_login_result_free(&res);
}

static void
try_first_pass_asks_for_the_password_only_without_one(void **state)
{
	struct script s = { { "123456" }, 0, { "" }, { 0 } };
	struct script both = { { "pw", "123456" }, 0, { "" }, { 0 } };
	struct gpc_login_result res;

	(void)state;
	assert_int_equal(run(GPC_LOGIN_TRY_FIRST_PASS, "pw", &s, &res), GPC_ERR_UNAVAIL);
	assert_int_equal(s.n, 1);
	gpc_login_result_free(&res);
	assert_int_equal(run(GPC_LOGIN_TRY_FIRST_PASS, NULL, &both, &res), GPC_ERR_UNAVAIL);
	assert_int_equal(both.n, 2);
	gpc_login_result_free(&res);
}

static void
a_conversation_that_fails_ends_the_login(void **state)
{
	struct script s = { { "pw" }, 0, { "" }, { 0 } }; /* no answer to the code prompt */
	struct gpc_login_result res;

	(void)state;
	assert_int_equal(run(GPC_LOGIN_TWO_PROMPTS, NULL, &s, &res), GPC_ERR_IO);
	assert_string_equal(res.reason, "conversation_failed");
	gpc_login_result_free(&res);
}

static void
recovery_codes_are_normalised_as_they_are_hashed(void **state)
{
	char out[GPC_RECOVERY_CODE_SIZE];

	(void)state;
	assert_int_equal(gpc_login_recovery_canonical("ABCD-EFGH", out), GPC_OK);
	assert_string_equal(out, "ABCD-EFGH");
	assert_int_equal(gpc_login_recovery_canonical("abcdefgh", out), GPC_OK);
	assert_string_equal(out, "ABCD-EFGH");
	assert_int_equal(gpc_login_recovery_canonical(" ab cd-ef gh ", out), GPC_OK);
	assert_string_equal(out, "ABCD-EFGH");
	assert_int_equal(gpc_login_recovery_canonical("2345-6789", out), GPC_OK);
	/* wrong length, a symbol outside the alphabet (0 O 1 I L), other characters */
	assert_int_equal(gpc_login_recovery_canonical("ABCD-EFG", out), GPC_ERR_FORMAT);
	assert_string_equal(out, "");
	assert_int_equal(gpc_login_recovery_canonical("ABCD-EFGHJ", out), GPC_ERR_FORMAT);
	assert_int_equal(gpc_login_recovery_canonical("ABCD-EFGO", out), GPC_ERR_FORMAT);
	assert_int_equal(gpc_login_recovery_canonical("ABCD-EFG1", out), GPC_ERR_FORMAT);
	assert_int_equal(gpc_login_recovery_canonical("ABCD_EFGH", out), GPC_ERR_FORMAT);
	assert_int_equal(gpc_login_recovery_canonical("", out), GPC_ERR_FORMAT);
	assert_int_equal(gpc_login_recovery_canonical("123456", out), GPC_ERR_FORMAT);
}

static void
the_language_follows_the_configuration_then_the_locale(void **state)
{
	struct gpc_cfg c;

	(void)state;
	memset(&c, 0, sizeof(c));
	c.language = GPC_LANG_AUTO;
	assert_int_equal(gpc_i18n_lang(&c, "zh_CN.UTF-8"), GPC_LANG_ZH);
	assert_int_equal(gpc_i18n_lang(&c, "zh_TW"), GPC_LANG_ZH);
	assert_int_equal(gpc_i18n_lang(&c, "en_US.UTF-8"), GPC_LANG_EN);
	assert_int_equal(gpc_i18n_lang(&c, "C.UTF-8"), GPC_LANG_EN);
	assert_int_equal(gpc_i18n_lang(&c, NULL), GPC_LANG_EN);
	c.language = GPC_LANG_ZH;
	assert_int_equal(gpc_i18n_lang(&c, "en_US.UTF-8"), GPC_LANG_ZH);
	c.language = GPC_LANG_EN;
	assert_int_equal(gpc_i18n_lang(&c, "zh_CN.UTF-8"), GPC_LANG_EN);
}

static void
every_text_has_both_languages_and_can_be_replaced(void **state)
{
	struct gpc_cfg c;
	int m;

	(void)state;
	memset(&c, 0, sizeof(c));
	for (m = 0; m < GPC_MSG_COUNT; m++) {
		assert_true(strlen(gpc_i18n_text(&c, GPC_LANG_ZH, (enum gpc_msg)m)) > 0);
		assert_true(strlen(gpc_i18n_text(&c, GPC_LANG_EN, (enum gpc_msg)m)) > 0);
	}
	/* the stable defaults clients match on */
	assert_string_equal(gpc_i18n_text(NULL, GPC_LANG_ZH, GPC_MSG_PASSWORD), "密码: ");
	assert_string_equal(gpc_i18n_text(NULL, GPC_LANG_ZH, GPC_MSG_CODE), "验证码: ");
	assert_string_equal(gpc_i18n_text(NULL, GPC_LANG_EN, GPC_MSG_PASSWORD), "Password: ");
	assert_string_equal(gpc_i18n_text(NULL, GPC_LANG_EN, GPC_MSG_CODE), "Verification code: ");
	c.prompts.code = "动态口令: ";
	c.prompts.acknowledge = "OK? ";
	assert_string_equal(gpc_i18n_text(&c, GPC_LANG_EN, GPC_MSG_CODE), "动态口令: ");
	assert_string_equal(gpc_i18n_text(&c, GPC_LANG_ZH, GPC_MSG_ACKNOWLEDGE), "OK? ");
	assert_string_equal(gpc_i18n_text(&c, GPC_LANG_ZH, GPC_MSG_PASSWORD), "密码: ");
}

static void
password_policy_answers_are_worded_for_people(void **state)
{
	(void)state;
	assert_string_equal(gpc_i18n_ppolicy(GPC_LANG_EN, PP_passwordTooShort), "it is too short.");
	assert_string_equal(gpc_i18n_ppolicy(GPC_LANG_ZH, PP_passwordTooShort), "密码太短。");
	assert_non_null(strstr(gpc_i18n_ppolicy(GPC_LANG_EN, PP_passwordInHistory), "recently"));
	assert_true(strlen(gpc_i18n_ppolicy(GPC_LANG_EN, -1)) > 0);
}

static void
a_password_too_short_is_told_the_minimum(void **state)
{
	char out[160];

	(void)state;
	gpc_i18n_ppolicy_min(GPC_LANG_EN, PP_passwordTooShort, 10, out, sizeof(out));
	assert_string_equal(out, "it is too short (at least 10 characters).");
	gpc_i18n_ppolicy_min(GPC_LANG_ZH, PP_passwordTooShort, 10, out, sizeof(out));
	assert_string_equal(out, "密码太短（至少 10 个字符）。");
	/* no minimum known, or another refusal: the plain answer */
	gpc_i18n_ppolicy_min(GPC_LANG_EN, PP_passwordTooShort, 0, out, sizeof(out));
	assert_string_equal(out, "it is too short.");
	gpc_i18n_ppolicy_min(GPC_LANG_ZH, PP_passwordInHistory, 10, out, sizeof(out));
	assert_string_equal(out, gpc_i18n_ppolicy(GPC_LANG_ZH, PP_passwordInHistory));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(two_prompts_then_directory_unavailable),
		cmocka_unit_test(one_prompt_splits_and_hands_the_password_on),
		cmocka_unit_test(use_first_pass_asks_the_code_only_and_nothing_without_a_password),
		cmocka_unit_test(try_first_pass_asks_for_the_password_only_without_one),
		cmocka_unit_test(a_conversation_that_fails_ends_the_login),
		cmocka_unit_test(recovery_codes_are_normalised_as_they_are_hashed),
		cmocka_unit_test(the_language_follows_the_configuration_then_the_locale),
		cmocka_unit_test(every_text_has_both_languages_and_can_be_replaced),
		cmocka_unit_test(password_policy_answers_are_worded_for_people),
		cmocka_unit_test(a_password_too_short_is_told_the_minimum),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
