/*
 * What a holder (and an attacker) sees at the prompts, through the real
 * libpam (pam_wrapper) against the private slapd — issue 3 items 1, 2, 6, 8
 * and 10, and the audit line of every attempt:
 *
 *  - prompt modes: two prompts; one prompt holding password and code (the
 *    password handed to the next module); use_first_pass/try_first_pass
 *    asking only for the code; exactly one code prompt each time;
 *  - codes are fixed-width ASCII digits, anything else refused with no
 *    directory write, and 012345 is a code like any other;
 *  - unknown name, wrong password, wrong code, locked account: the same
 *    prompts in the same order and the same failure delay; a wrong password
 *    never checks or spends the code; an unknown name only as a keyed hash;
 *  - allow_unenrolled gives PAM_IGNORE, never PAM_SUCCESS, and a directory
 *    error is never taken for "not enrolled";
 *  - Chinese or English from the config or the PAM environment's locale,
 *    each text replaceable in the config.
 *
 * This file's configuration sets totp.window = 10, so each account has
 * eleven fresh steps (t0 .. t0+300 s) to spend while the file runs.
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

#include "audit.h"
#include "err.h"
#include "seal.h"
#include "totp.h"
#include "util.h"
#include "itest.h"

#define H "150102-02-jb01"   /* handler of fixtures unit 1: enrolled */
#define R "150102-02-sh01"   /* reviewer of unit 1: enrolled, locked in one test */
#define U "150100-01-jb01"   /* handler of unit 0: active, password, no authenticator */
#define UNIT1 "12150102900079199E"
#define NOBODY "nobody-xyzzy-4711"
#define RHOST "203.0.113.7"
#define TTY "pts/7"

static time_t t0;
static int next_h;     /* H's next fresh step: t0/30 + next_h */
static int calls;      /* pam_authenticate calls made, each one audited */

static char *
password_of(const char *uid)
{
	char name[128];

	snprintf(name, sizeof(name), "pw.%s", uid);
	return it_file_line(name);
}

/* A code of H never used before (steps only go up). */
static void
fresh_h(char *out, size_t len)
{
	it_code(H, t0 + 30 * next_h++, out, len);
}

static int
login(const char *service, const char *user, const char *a0, const char *a1,
    struct it_conv *c)
{
	memset(c, 0, sizeof(*c));
	c->answers[0] = a0;
	c->answers[1] = a1;
	c->rhost = RHOST;
	c->tty = TTY;
	calls++;
	return it_pam(service, user, c, 0);
}

/* The consecutive-failure count stored on uid (0 when absent). */
static int
failures_of(const char *uid)
{
	char *v = it_ldap_attr(uid, "gpcTotpFailures");
	int n = v != NULL ? atoi(v) : 0;

	free(v);
	return n;
}

/* The last login line's field, or "" (the caller frees nothing). */
static const char *
last_field(json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));

	return v != NULL ? v : "";
}

static void
assert_last_login(const char *outcome, const char *reason, const char *uid)
{
	json_t *o = it_audit_last("login");

	assert_non_null(o);
	assert_string_equal(last_field(o, "outcome"), outcome);
	assert_string_equal(last_field(o, "reason"), reason);
	if (uid != NULL)
		assert_string_equal(last_field(o, "uid"), uid);
	json_decref(o);
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
	/* every C library call below reads the locale of the PAM environment only */
	unsetenv("LANG");
	unsetenv("LC_ALL");
	unsetenv("LC_MESSAGES");
	if (it_sh("fx_active 1 0 && fx_active 1 1") != 0 ||
	    it_sh("fx_doc register 0 0 --id APP-U > $T/appu.json && fx_process $T/appu.json && "
	    "fx_doc decision approve 150100 --id OK-U --app APP-U > $T/oku.json && "
	    "fx_process $T/oku.json 150100 && [ \"$(fx_outcome OK-U)\" = applied ] && "
	    "(umask 077; printf 'Pw-U-%%s-long-x\\n' $RANDOM > $T/pw.%s) && "
	    "ctl passwd %s --password-file $T/pw.%s", U, U, U) != 0 ||
	    it_sh("sed -i 's/window = 1;/window = 10;/' $GPC_CONF") != 0) {
		fprintf(stderr, "# fixture accounts could not be made; see fixture.log\n");
		return -1;
	}
	t0 = time(NULL);
	return 0;
}

/* alt.conf: this file's configuration with sed expressions applied. */
static void
alt_conf(const char *sed)
{
	assert_int_equal(it_sh("sed %s $GPC_CONF > $T/alt.conf", sed), 0);
}

static void
two_prompts_by_default_and_the_password_is_not_handed_on(void **state)
{
	struct it_conv c;
	char code[16], *pw = password_of(H);

	(void)state;
	fresh_h(code, sizeof(code));
	assert_int_equal(login("gpc-items", H, pw, code, &c), PAM_SUCCESS);
	assert_int_equal(c.nprompts, 2);
	assert_string_equal(c.full[0], "Password: ");
	assert_string_equal(c.full[1], "Verification code: ");
	assert_int_equal(c.styles[0], PAM_PROMPT_ECHO_OFF);
	assert_int_equal(c.styles[1], PAM_PROMPT_ECHO_OFF);
	/* pam_get_items.so ran after us and found no PAM_AUTHTOK */
	assert_true(c.items_exported);
	assert_false(c.authtok_set);
	assert_last_login("success", "ok", H);
	{
		json_t *o = it_audit_last("login");

		assert_string_equal(last_field(o, "service"), "gpc-items");
		assert_string_equal(last_field(o, "rhost"), RHOST);
		assert_string_equal(last_field(o, "tty"), TTY);
		assert_string_equal(last_field(o, "unit"), UNIT1);
		assert_string_equal(last_field(o, "region"), "150102");
		json_decref(o);
	}
	free(pw);
}

static void
one_prompt_holds_password_then_code_and_hands_the_password_on(void **state)
{
	struct it_conv c;
	char code[16], both[256], wrong[16], *pw = password_of(H);

	(void)state;
	fresh_h(code, sizeof(code));
	snprintf(both, sizeof(both), "%s%s", pw, code);
	assert_int_equal(login("gpc-one", H, both, NULL, &c), PAM_SUCCESS);
	assert_int_equal(c.nprompts, 1);
	assert_string_equal(c.full[0], "Password and verification code: ");
	assert_true(c.authtok_set);
	assert_string_equal(c.authtok, pw);
	/* a wrong code in the combined answer: still one prompt, still split */
	fresh_h(code, sizeof(code));
	snprintf(wrong, sizeof(wrong), "%06d", (atoi(code) + 1) % 1000000);
	snprintf(both, sizeof(both), "%s%s", pw, wrong);
	assert_int_equal(login("gpc-one", H, both, NULL, &c), PAM_AUTH_ERR);
	assert_int_equal(c.nprompts, 1);
	assert_string_equal(c.authtok, pw);
	assert_last_login("failure", "wrong_code", H);
	/* the unspent code still works: the wrong one did not spend its step */
	snprintf(both, sizeof(both), "%s%s", pw, code);
	assert_int_equal(login("gpc-one", H, both, NULL, &c), PAM_SUCCESS);
	free(pw);
}

static void
use_first_pass_asks_only_for_the_code(void **state)
{
	struct it_conv c;
	char code[16], *pw = password_of(H);

	(void)state;
	fresh_h(code, sizeof(code));
	setenv("PAM_AUTHTOK", pw, 1); /* pam_set_items.so puts it on the stack */
	assert_int_equal(login("gpc-first", H, code, NULL, &c), PAM_SUCCESS);
	assert_int_equal(c.nprompts, 1);
	assert_string_equal(c.full[0], "Verification code: ");
	/* a wrong password from the earlier module: still only the code prompt */
	setenv("PAM_AUTHTOK", "not-the-password", 1);
	fresh_h(code, sizeof(code));
	assert_int_equal(login("gpc-first", H, code, NULL, &c), PAM_AUTH_ERR);
	assert_int_equal(c.nprompts, 1);
	assert_last_login("failure", "wrong_password", H);
	/* no password at all: nothing to ask, nothing to check */
	unsetenv("PAM_AUTHTOK");
	assert_int_equal(login("gpc-first", H, code, NULL, &c), PAM_AUTH_ERR);
	assert_int_equal(c.nprompts, 0);
	free(pw);
}

static void
try_first_pass_asks_for_the_password_only_when_there_is_none(void **state)
{
	struct it_conv c;
	char code[16], *pw = password_of(H);

	(void)state;
	fresh_h(code, sizeof(code));
	setenv("PAM_AUTHTOK", pw, 1);
	assert_int_equal(login("gpc-try", H, code, NULL, &c), PAM_SUCCESS);
	assert_int_equal(c.nprompts, 1);
	assert_string_equal(c.full[0], "Verification code: ");
	unsetenv("PAM_AUTHTOK");
	fresh_h(code, sizeof(code));
	assert_int_equal(login("gpc-try", H, pw, code, &c), PAM_SUCCESS);
	assert_int_equal(c.nprompts, 2);
	assert_string_equal(c.full[0], "Password: ");
	assert_string_equal(c.full[1], "Verification code: ");
	free(pw);
}

static void
codes_are_fixed_width_ascii_digits_refused_otherwise_without_a_write(void **state)
{
	static const char *const bad[] = {
		"12345", "+12345", " 12345", "12345 ", "1234567", "",
		"\xef\xbc\x91\xef\xbc\x92\xef\xbc\x93\xef\xbc\x94\xef\xbc\x95\xef\xbc\x96", /* １２３４５６ */
		"\xd9\xa1\xd9\xa2\xd9\xa3\xd9\xa4\xd9\xa5\xd9\xa6", /* ١٢٣٤٥٦ */
		"12 345", "0x1234", "-12345", "123456\n",
	};
	struct it_conv c;
	char *pw = password_of(H), *csn_before, *csn_after;
	size_t i;

	(void)state;
	csn_before = it_ldap_attr(H, "entryCSN");
	assert_non_null(csn_before);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(login("gpcgate", H, pw, bad[i], &c), PAM_AUTH_ERR);
		assert_int_equal(c.nprompts, 2);
		assert_last_login("failure", "malformed_code", H);
	}
	/* no failure counted, nothing written at all */
	csn_after = it_ldap_attr(H, "entryCSN");
	assert_non_null(csn_after);
	assert_string_equal(csn_before, csn_after);
	assert_int_equal(failures_of(H), 0);
	free(csn_before);
	free(csn_after);
	free(pw);
}

static void
a_code_with_a_leading_zero_is_a_code(void **state)
{
	struct gpc_totp_params p = { GPC_ALGO_SHA1, 6, 30, 10 };
	unsigned char seed[20];
	char code[16], *pw = password_of(R);
	struct it_conv c;
	int64_t when = (int64_t)time(NULL) + 30;
	int tries;

	(void)state;
	/* a seed whose code for the next step is "0....." */
	for (tries = 0; tries < 1000; tries++) {
		assert_int_equal(gpc_random_bytes(seed, sizeof(seed)), GPC_OK);
		assert_int_equal(gpc_totp_generate(&p, seed, sizeof(seed), when, code,
		    sizeof(code)), GPC_OK);
		if (code[0] == '0')
			break;
	}
	assert_true(code[0] == '0' && strlen(code) == 6);
	assert_int_equal(it_install_seed(R, seed, sizeof(seed), "sha1", 6, 30), 0);
	assert_int_equal(login("gpcgate", R, pw, code, &c), PAM_SUCCESS);
	assert_last_login("success", "ok", R);
	explicit_bzero(seed, sizeof(seed));
	free(pw);
}

/* Every failure looks alike: prompts, their order, the delay asked of libpam. */
static void
assert_looks_like_any_failure(const struct it_conv *c, const struct it_conv *ref)
{
	int i;

	assert_int_equal(c->nprompts, ref->nprompts);
	for (i = 0; i < c->nprompts; i++) {
		assert_string_equal(c->full[i], ref->full[i]);
		assert_int_equal(c->styles[i], ref->styles[i]);
	}
	/* fail_delay_ms = 1000; libpam randomises it by up to +-50 % */
	assert_int_equal(c->delay_calls, 1);
	assert_int_not_equal(c->delay_status, PAM_SUCCESS);
	assert_in_range(c->delay_us, 500000, 1500000);
}

static void
unknown_wrong_password_wrong_code_and_locked_all_look_alike(void **state)
{
	struct it_conv ref, c;
	char code[16], wrong[16], *pw = password_of(H), *rpw = password_of(R);
	char until[16], hash[GPC_BLIND_INDEX_LEN + 1], keydir[512], *dn;
	struct gpc_keys *k = NULL;
	json_t *o;

	(void)state;
	alt_conf("'s/fail_delay_ms = 0;/fail_delay_ms = 1000;/'");
	/* a wrong password with a valid code: the reference failure */
	fresh_h(code, sizeof(code));
	assert_int_equal(login("alt", H, "not-the-password", code, &ref), PAM_AUTH_ERR);
	assert_int_equal(ref.nprompts, 2);
	assert_string_equal(ref.full[0], "Password: ");
	assert_string_equal(ref.full[1], "Verification code: ");
	assert_last_login("failure", "wrong_password", H);
	/* ... which neither checked nor counted the code: a wrong one is not counted */
	assert_int_equal(login("alt", H, "not-the-password", "000000", &c), PAM_AUTH_ERR);
	assert_int_equal(failures_of(H), 0);
	/* ... nor spent it: it works once with the right password */
	assert_int_equal(login("alt", H, pw, code, &c), PAM_SUCCESS);
	assert_int_equal(login("alt", H, pw, code, &c), PAM_AUTH_ERR);
	assert_last_login("failure", "code_replayed", H);

	/* an unknown name */
	assert_int_equal(login("alt", NOBODY, "whatever", "123456", &c), PAM_USER_UNKNOWN);
	assert_looks_like_any_failure(&c, &ref);
	o = it_audit_last("login");
	assert_string_equal(last_field(o, "reason"), "unknown_account");
	assert_null(json_object_get(o, "uid"));
	snprintf(keydir, sizeof(keydir), "%s/keys", it_env("GPC_TESTDIR"));
	assert_int_equal(gpc_keys_load(keydir, it_suite(), &k), GPC_OK);
	assert_int_equal(gpc_blind_index(k, "login-name", NOBODY, hash), GPC_OK);
	assert_string_equal(last_field(o, "name_hash"), hash);
	gpc_keys_free(k);
	json_decref(o);
	assert_int_equal(it_sh("! grep -q '%s' $T/audit.log", NOBODY), 0);

	/* a wrong code */
	fresh_h(code, sizeof(code));
	snprintf(wrong, sizeof(wrong), "%06d", (atoi(code) + 7) % 1000000);
	assert_int_equal(login("alt", H, pw, wrong, &c), PAM_AUTH_ERR);
	assert_looks_like_any_failure(&c, &ref);
	assert_last_login("failure", "wrong_code", H);
	assert_int_equal(failures_of(H), 1); /* this one; the replay was no guess */
	/* a wrong code does not spend the right one, and a success resets the count */
	assert_int_equal(login("alt", H, pw, code, &c), PAM_SUCCESS);
	assert_int_equal(failures_of(H), 0);

	/* a locked account, with its right password */
	gpc_time_generalized(time(NULL) + 600, until);
	dn = it_ldap_attr(R, "dn");
	assert_non_null(dn);
	assert_int_equal(it_ldapmodify("dn: %s\nchangetype: modify\nreplace: gpcLockedUntil\n"
	    "gpcLockedUntil: %s\n-\n", dn, until), 0);
	assert_int_equal(login("alt", R, rpw, "123456", &c), PAM_AUTH_ERR);
	assert_looks_like_any_failure(&c, &ref);
	assert_last_login("failure", "locked", R);
	assert_int_equal(it_ldapmodify("dn: %s\nchangetype: modify\nreplace: gpcLockedUntil\n-\n",
	    dn), 0);
	free(dn);
	free(pw);
	free(rpw);
}

static void
allow_unenrolled_is_ignore_never_success(void **state)
{
	struct it_conv c;
	char code[16], *upw = password_of(U), *pw = password_of(H), *dn;

	(void)state;
	/* not enrolled, right password: the module steps aside, the next one decides */
	assert_int_equal(login("gpc-optout", U, upw, "", &c), PAM_SUCCESS);
	assert_true(c.items_exported); /* PAM_IGNORE: the stack went on */
	assert_last_login("failure", "not_enrolled", U);
	/* without the option: refused */
	assert_int_equal(login("gpcgate", U, upw, "123456", &c), PAM_AUTH_ERR);
	assert_int_equal(c.nprompts, 2);
	/* the option changes nothing for a wrong password, or for an enrolled holder */
	assert_int_equal(login("gpc-optout", U, "not-the-password", "", &c), PAM_AUTH_ERR);
	assert_false(c.items_exported);
	fresh_h(code, sizeof(code));
	assert_int_equal(login("gpc-optout", H, pw, code, &c), PAM_SUCCESS);
	assert_false(c.items_exported); /* PAM_SUCCESS from us: done */
	assert_int_equal(login("gpc-optout", H, pw, "000000", &c), PAM_AUTH_ERR);

	/* a directory that cannot be reached is not "not enrolled" */
	alt_conf("-e 's|uri = .*|uri = [ \"ldap://127.0.0.1:9\" ];|' "
	    "-e 's/fail_delay_ms = 0;/fail_delay_ms = 0; allow_unenrolled = true;/'");
	assert_int_equal(login("alt", U, upw, "", &c), PAM_AUTHINFO_UNAVAIL);
	assert_last_login("failure", "directory_unavailable", NULL);
	{
		/* the account was not identified: the name only as a keyed hash */
		json_t *o = it_audit_last("login");

		assert_null(json_object_get(o, "uid"));
		assert_int_equal(strlen(last_field(o, "name_hash")), 67);
		json_decref(o);
	}
	/* nor is a seed the reader cannot see (parameters without a seed) */
	dn = it_ldap_attr(H, "dn");
	assert_non_null(dn);
	{
		char *seed = it_ldap_attr(H, "gpcTotpSeed");

		assert_non_null(seed);
		assert_int_equal(it_ldapmodify("dn: %s\nchangetype: modify\ndelete: gpcTotpSeed\n"
		    "-\n", dn), 0);
		assert_int_equal(login("gpc-optout", H, pw, "123456", &c), PAM_AUTHINFO_UNAVAIL);
		assert_false(c.items_exported);
		assert_last_login("failure", "seed_unreadable", H);
		assert_int_equal(it_ldapmodify("dn: %s\nchangetype: modify\nadd: gpcTotpSeed\n"
		    "gpcTotpSeed: %s\n-\n", dn, seed), 0);
		free(seed);
	}
	free(dn);
	free(upw);
	free(pw);
}

static void
prompts_speak_the_configured_or_the_holders_language(void **state)
{
	struct it_conv c;

	(void)state;
	alt_conf("'s/language = \"en\";/language = \"auto\";/'");
	/* unknown names: the prompts are the same for every name */
	memset(&c, 0, sizeof(c));
	c.answers[0] = "x";
	c.answers[1] = "y";
	c.env[0] = "LANG=zh_CN.UTF-8";
	calls++;
	assert_int_equal(it_pam("alt", NOBODY, &c, 0), PAM_USER_UNKNOWN);
	assert_string_equal(c.full[0], "密码: ");
	assert_string_equal(c.full[1], "验证码: ");

	memset(&c, 0, sizeof(c));
	c.answers[0] = "x";
	c.answers[1] = "y";
	c.env[0] = "LANG=zh_CN.UTF-8";
	c.env[1] = "LC_ALL=en_US.UTF-8"; /* LC_ALL wins over LANG */
	calls++;
	assert_int_equal(it_pam("alt", NOBODY, &c, 0), PAM_USER_UNKNOWN);
	assert_string_equal(c.full[0], "Password: ");
	assert_string_equal(c.full[1], "Verification code: ");

	memset(&c, 0, sizeof(c));
	c.answers[0] = "x";
	c.answers[1] = "y";
	c.env[0] = "LC_MESSAGES=zh_CN.GB18030";
	calls++;
	assert_int_equal(it_pam("alt", NOBODY, &c, 0), PAM_USER_UNKNOWN);
	assert_string_equal(c.full[0], "密码: ");

	memset(&c, 0, sizeof(c));
	c.answers[0] = "x";
	c.answers[1] = "y";
	calls++;
	assert_int_equal(it_pam("alt", NOBODY, &c, 0), PAM_USER_UNKNOWN);
	assert_string_equal(c.full[0], "Password: ");

	/* the configuration's language wins over the locale */
	alt_conf("'s/language = \"en\";/language = \"zh_CN\";/'");
	memset(&c, 0, sizeof(c));
	c.answers[0] = "x";
	c.answers[1] = "y";
	c.env[0] = "LANG=en_US.UTF-8";
	calls++;
	assert_int_equal(it_pam("alt", NOBODY, &c, 0), PAM_USER_UNKNOWN);
	assert_string_equal(c.full[0], "密码: ");
	assert_string_equal(c.full[1], "验证码: ");

	/* and each text can be replaced */
	alt_conf("'s/language = \"en\";/language = \"en\"; prompts = { password = \"口令: \"; "
	    "code = \"动态口令: \"; password_and_code = \"口令+动态口令: \"; };/'");
	memset(&c, 0, sizeof(c));
	c.answers[0] = "x";
	c.answers[1] = "y";
	calls++;
	assert_int_equal(it_pam("alt", NOBODY, &c, 0), PAM_USER_UNKNOWN);
	assert_string_equal(c.full[0], "口令: ");
	assert_string_equal(c.full[1], "动态口令: ");
}

static void
every_attempt_is_audited_once_and_the_log_holds_no_secret(void **state)
{
	char path[512], why[256], *pw;
	size_t lines = 0, bad = 0;
	const char *const secrets[] = { "pw." H, "pw." R, "pw." U, "secret." H, "secret." R };
	size_t i;

	(void)state;
	assert_int_equal(it_audit_count("login"), calls);
	snprintf(path, sizeof(path), "%s/audit.log", it_env("GPC_TESTDIR"));
	assert_int_equal(gpc_audit_verify(path, &lines, &bad, why, sizeof(why)), GPC_OK);
	for (i = 0; i < sizeof(secrets) / sizeof(secrets[0]); i++) {
		pw = it_file_line(secrets[i]);
		assert_non_null(pw);
		assert_int_equal(it_sh("! grep -qF -- '%s' $T/audit.log", pw), 0);
		free(pw);
	}
	/* nor any holder's ID number, mobile or name from the fixtures */
	assert_int_equal(it_sh("python3 -c '\n"
	    "import json, sys\n"
	    "log = open(sys.argv[2], encoding=\"utf-8\").read()\n"
	    "log = log.encode().decode(\"unicode_escape\")\n"
	    "fx = json.load(open(sys.argv[1], encoding=\"utf-8\"))\n"
	    "for u in fx[\"units\"]:\n"
	    "    for a in u[\"accounts\"]:\n"
	    "        h = a[\"holder\"]\n"
	    "        for v in (h[\"id_number\"], h[\"mobile\"], h[\"name\"]):\n"
	    "            assert v not in log, \"personal datum in the audit log\"\n"
	    "' $GPC_SRCDIR/tests/data/fixtures.json $T/audit.log"), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(two_prompts_by_default_and_the_password_is_not_handed_on),
		cmocka_unit_test(one_prompt_holds_password_then_code_and_hands_the_password_on),
		cmocka_unit_test(use_first_pass_asks_only_for_the_code),
		cmocka_unit_test(try_first_pass_asks_for_the_password_only_when_there_is_none),
		cmocka_unit_test(codes_are_fixed_width_ascii_digits_refused_otherwise_without_a_write),
		cmocka_unit_test(a_code_with_a_leading_zero_is_a_code),
		cmocka_unit_test(unknown_wrong_password_wrong_code_and_locked_all_look_alike),
		cmocka_unit_test(allow_unenrolled_is_ignore_never_success),
		cmocka_unit_test(prompts_speak_the_configured_or_the_holders_language),
		cmocka_unit_test(every_attempt_is_audited_once_and_the_log_holds_no_secret),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
