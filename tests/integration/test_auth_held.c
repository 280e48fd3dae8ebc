/*
 * A login held at a prompt while the bureau changes the account, through
 * the real libpam (pam_wrapper), in an auth-only stack — no account stage
 * reads the account again after the code, so only the module itself can
 * refuse.  The write that lets a login through (the step spent, the
 * enrollment stored) asserts the state the login was decided on (RFC 4528:
 * active, no administrative ppolicy lock, the same seed), so:
 *
 *  - a suspension of the account, applied while the holder is at the code
 *    prompt, fails the login like a lost race (the holder is not told the
 *    code was right), and the code is not spent;
 *  - so does a suspension of its unit (which locks each of its accounts);
 *  - a handover approved meanwhile fails the old holder's login, and no
 *    step is written into the entry the new holder will enroll;
 *  - a suspension applied while a first login is at its enrollment screen
 *    stores nothing;
 *  - a login held at the prompt with nothing changed succeeds: the PAM
 *    reader may test the ppolicy lock in the assertion
 *    (schema/database.ldif.in).
 *
 * The conversation applies each change itself, through the fixtures,
 * before it answers the prompt.
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

#define S "150102-02-jb01"   /* suspended at the code prompt (unit 1, bureau 150102) */
#define U "150104-04-jb01"   /* its unit suspended (unit 3, bureau 150100) */
#define H "150103-03-jb01"   /* handed over (unit 2, bureau 150103); no step spent yet */
#define F "150105-05-jb01"   /* first login, suspended at the enrollment screen (unit 4) */
#define G "150105-05-sh01"   /* first login, locked for wrong passwords meanwhile (unit 4) */
#define OK_UID "150102-02-sh01" /* held, nothing changes */
/* scripts/private-env.sh: the module's auth alone (pam_get_items.so after it asks nothing) */
#define AUTH_ONLY "gpc-items"
#define UNIT_S "12150102900079199E"
#define UNIT_U "111501049002375725"
#define UNIT_F "111501059003167640"

/* What the conversation does when the prompt it waits for comes. */
struct held {
	const char *uid;
	const char *answer0;      /* the first answer (password or enrollment code) */
	const char *change;       /* fixture commands applied at the code prompt, or NULL */
	int applied;              /* ... and their exit status was 0 */
	char code[16];
	char secret[160];
	int at_screen;            /* first login: the prompt of the enrollment screen */
};

/* The password, then at the code prompt: the change, then a fresh right code. */
static const char *
held_answers(struct it_conv *c, int n, const char *prompt)
{
	struct held *h = c->ctx;

	(void)prompt;
	if (n == 0)
		return h->answer0;
	if (n == 1) {
		h->applied = h->change == NULL || it_sh("%s", h->change) == 0;
		it_code(h->uid, 0, h->code, sizeof(h->code));
		return h->code;
	}
	return NULL;
}

static int
held_login(const char *service, struct held *h, struct it_conv *c)
{
	memset(c, 0, sizeof(*c));
	c->answer_fn = held_answers;
	c->ctx = h;
	return it_pam(service, h->uid, c, 0);
}

static int
setup(void **state)
{
	(void)state;
	/*
	 * pam_wrapper is loaded in this process already; the shells popen()
	 * starts for fixtures must not each take one of its slots.
	 */
	unsetenv("LD_PRELOAD");
	if (it_sh("fx_active 1 0 && fx_active 1 1 && fx_active 2 0 && fx_active 3 0") != 0 ||
	    /* the first login of F: registered and approved, its code from the notice */
	    it_sh("fx_doc register 4 0 --id APP-F > $T/app-f.json && fx_process $T/app-f.json && "
	    "fx_doc decision approve 150100 --id OK-F --app APP-F > $T/ok-f.json && "
	    "fx_process $T/ok-f.json 150100 && [ \"$(fx_outcome OK-F)\" = applied ] && "
	    "python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[\"code\"])' "
	    "$T/outbox/OK-F.enrollment.json > $T/enroll.%s && "
	    "fx_doc register 4 1 --id APP-G > $T/app-g.json && fx_process $T/app-g.json && "
	    "fx_doc decision approve 150100 --id OK-G --app APP-G > $T/ok-g.json && "
	    "fx_process $T/ok-g.json 150100 && [ \"$(fx_outcome OK-G)\" = applied ] && "
	    "python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[\"code\"])' "
	    "$T/outbox/OK-G.enrollment.json > $T/enroll.%s", F, G) != 0) {
		fprintf(stderr, "# fixture accounts could not be made; see fixture.log\n");
		return -1;
	}
	return 0;
}

static void
a_login_held_at_the_code_prompt_with_nothing_changed_succeeds(void **state)
{
	struct held h = { .uid = OK_UID };
	struct it_conv c;
	char *pw = it_file_line("pw." OK_UID);

	(void)state;
	h.answer0 = pw;
	assert_int_equal(held_login(AUTH_ONLY, &h, &c), PAM_SUCCESS);
	assert_string_equal(it_last_reason(), "ok");
	free(pw);
}

static void
a_suspension_applied_at_the_code_prompt_fails_the_login(void **state)
{
	struct held h = { .uid = S };
	struct it_conv c;
	char *pw = it_file_line("pw." S), *step;

	(void)state;
	h.answer0 = pw;
	h.change = "fx_doc decision suspend 150102 --id SUSP-S --unit " UNIT_S " --account " S
	    " --reason holder_mismatch --deadline 2099-12-31 --on-deadline terminate "
	    "> $T/susp-s.json && fx_process $T/susp-s.json 150102 && "
	    "[ \"$(fx_outcome SUSP-S)\" = applied ]";
	assert_int_equal(held_login(AUTH_ONLY, &h, &c), PAM_AUTH_ERR);
	assert_true(h.applied);
	/* as a lost race: nothing says the code was right */
	assert_string_equal(it_last_reason(), "code_race_lost");
	assert_int_equal(c.ninfo, 0);
	step = it_ldap_attr(S, "gpcTotpStep");
	assert_null(step);
	free(pw);
}

static void
a_suspension_of_the_unit_applied_at_the_code_prompt_fails_the_login(void **state)
{
	struct held h = { .uid = U };
	struct it_conv c;
	char *pw = it_file_line("pw." U);

	(void)state;
	h.answer0 = pw;
	h.change = "fx_doc decision suspend 150100 --id SUSP-U --unit " UNIT_U
	    " --reason unit_info --deadline 2099-12-31 --on-deadline terminate "
	    "> $T/susp-u.json && fx_process $T/susp-u.json 150100 && "
	    "[ \"$(fx_outcome SUSP-U)\" = applied ]";
	assert_int_equal(held_login(AUTH_ONLY, &h, &c), PAM_AUTH_ERR);
	assert_true(h.applied);
	assert_string_equal(it_last_reason(), "code_race_lost");
	assert_int_equal(it_ldap_count(U, "gpcTotpStep"), 0);
	free(pw);
}

static void
a_handover_approved_at_the_code_prompt_fails_the_old_holder(void **state)
{
	struct held h = { .uid = H };
	struct it_conv c;
	char *pw = it_file_line("pw." H);

	(void)state;
	/* enrolled by gpcgatectl, never logged in: no step to compare and swap */
	assert_int_equal(it_ldap_count(H, "gpcTotpStep"), 0);
	h.answer0 = pw;
	h.change = "fx_doc handover 2 0 0 --id HO-H > $T/ho-h.json && fx_process $T/ho-h.json && "
	    "fx_doc decision approve 150103 --id HOK-H --app HO-H > $T/hok-h.json && "
	    "fx_process $T/hok-h.json 150103 && [ \"$(fx_outcome HOK-H)\" = applied ]";
	assert_int_equal(held_login(AUTH_ONLY, &h, &c), PAM_AUTH_ERR);
	assert_true(h.applied);
	assert_string_equal(it_last_reason(), "code_race_lost");
	/* the entry the new holder will enroll holds nothing of the old one's login */
	assert_int_equal(it_ldap_count(H, "gpcTotpStep"), 0);
	assert_int_equal(it_ldap_count(H, "gpcTotpSeed"), 0);
	assert_int_equal(it_ldap_count(H, "gpcEnrollCode"), 1);
	free(pw);
}

/* A first login: the enrollment code, a new password twice, then at the screen the change. */
static const char *
first_login_answers(struct it_conv *c, int n, const char *prompt)
{
	struct held *h = c->ctx;
	const char *p;
	char path[512];
	FILE *f;

	if (n == 0)
		return h->answer0;
	if (h->at_screen > 0)
		return ""; /* the recovery codes, had the enrollment been stored */
	if (strstr(prompt, "otpauth://") == NULL)
		return n <= 2 ? "Held-first-login-2026" : NULL;
	h->at_screen = n;
	if ((p = strstr(prompt, "secret=")) != NULL)
		snprintf(h->secret, sizeof(h->secret), "%.*s", (int)strcspn(p + 7, "&\n"), p + 7);
	snprintf(path, sizeof(path), "%s/secret.%s", it_env("GPC_TESTDIR"), h->uid);
	if ((f = fopen(path, "w")) != NULL) {
		fprintf(f, "%s\n", h->secret);
		fclose(f);
	}
	h->applied = it_sh("%s", h->change) == 0;
	it_code(h->uid, 0, h->code, sizeof(h->code));
	return h->code;
}

static void
a_suspension_applied_at_the_enrollment_screen_stores_nothing(void **state)
{
	struct held h = { .uid = F };
	struct it_conv c;
	char *code = it_file_line("enroll." F);

	(void)state;
	h.answer0 = code;
	h.change = "fx_doc decision suspend 150100 --id SUSP-F --unit " UNIT_F " --account " F
	    " --reason holder_mismatch --deadline 2099-12-31 --on-deadline terminate "
	    "> $T/susp-f.json && fx_process $T/susp-f.json 150100 && "
	    "[ \"$(fx_outcome SUSP-F)\" = applied ]";
	memset(&c, 0, sizeof(c));
	c.answer_fn = first_login_answers;
	c.ctx = &h;
	assert_int_equal(it_pam(AUTH_ONLY, F, &c, 0), PAM_AUTH_ERR);
	assert_int_equal(h.at_screen, 3);
	assert_true(h.applied);
	assert_string_equal(it_last_reason(), "enrollment_failed");
	assert_int_equal(it_ldap_count(F, "gpcTotpSeed"), 0);
	assert_int_equal(it_ldap_count(F, "userPassword"), 0);
	assert_int_equal(it_ldap_count(F, "gpcEnrollCode"), 1);
	free(code);
}

static void
a_lock_for_wrong_passwords_meanwhile_does_not_stop_the_enrollment(void **state)
{
	struct held h = { .uid = G };
	struct it_conv c;
	char *code = it_file_line("enroll." G);

	(void)state;
	/*
	 * Wrong passwords tried on the account lock it for a while: ppolicy
	 * writes the time the lock began.  That lock passes; only a
	 * suspension's (GPC_PPOLICY_ADMIN_LOCK) is asserted against, or the
	 * holder could not enroll until an administrator unlocked the account.
	 */
	h.answer0 = code;
	h.change = "printf 'dn: %s\\nchangetype: modify\\nreplace: pwdAccountLockedTime\\n"
	    "pwdAccountLockedTime: 20260101000000Z\\n' \"$(fx_dn " G ")\" | "
	    "ldapmodify -x -H \"$GPC_LDAPI_URI\" -D \"$GPC_ROOTDN\" -y $T/root.pw >/dev/null";
	memset(&c, 0, sizeof(c));
	c.answer_fn = first_login_answers;
	c.ctx = &h;
	assert_int_equal(it_pam(AUTH_ONLY, G, &c, 0), PAM_SUCCESS);
	assert_true(h.applied);
	assert_string_equal(it_last_reason(), "enrolled");
	assert_int_equal(it_ldap_count(G, "gpcTotpSeed"), 1);
	assert_int_equal(it_ldap_count(G, "gpcEnrollCode"), 0);
	free(code);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_login_held_at_the_code_prompt_with_nothing_changed_succeeds),
		cmocka_unit_test(a_suspension_applied_at_the_code_prompt_fails_the_login),
		cmocka_unit_test(a_suspension_of_the_unit_applied_at_the_code_prompt_fails_the_login),
		cmocka_unit_test(a_handover_approved_at_the_code_prompt_fails_the_old_holder),
		cmocka_unit_test(a_suspension_applied_at_the_enrollment_screen_stores_nothing),
		cmocka_unit_test(a_lock_for_wrong_passwords_meanwhile_does_not_stop_the_enrollment),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
