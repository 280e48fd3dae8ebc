/*
 * First login and seeds at rest, through the real libpam — issue 3 items 9
 * and 11:
 *
 *  - after approval (and after a handover) the holder types the enrollment
 *    code from the outbox notice at the password prompt; the module asks
 *    for a new password twice (a mismatch and the password policy's answer
 *    are shown), shows the otpauth:// URI (issuer percent-encoded UTF-8), a
 *    QR code that decodes to it and the key in groups of four, asks for
 *    one code from the app, stores everything in one write, shows 10
 *    recovery codes once, and the login succeeds;
 *  - a wrong or expired enrollment code fails like a wrong password and
 *    counts toward the lockout — before the next prompt, which tells a
 *    right code from a wrong one, so a guesser who then drops the
 *    conversation has paid; of guesses made at once no more than the
 *    limit are judged; a locked account's code is not judged (the right one
 *    fails as a wrong one does); nothing that may be an enrollment code is
 *    sent as a password (ppolicy would count it); a locked account does not
 *    enroll; an unconfirmed enrollment stores nothing; the enrollment code
 *    works once;
 *  - a recovery code works once in place of a code;
 *  - seeds are sealed to their entry: a sealed value copied into another
 *    entry does not verify; a dump of the directory (and its database
 *    file) holds no seed, enrollment code or recovery code; the raw seed
 *    is not left in the memory of the process that logged in.
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
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <valgrind/valgrind.h>

#include "err.h"
#include "seal.h"
#include "totp.h"
#include "itest.h"

#define E "150102-02-jb01"   /* enrolls through the module */
#define X "150102-02-sh01"   /* its enrollment code expires */
#define Y "150100-01-jb01"   /* wrong codes, locked, unconfirmed (in Chinese) */
#define Z "150103-03-jb01"   /* enrolled by gpcgatectl; a copied seed; a handover */
#define G "150104-04-jb01"   /* its enrollment code guessed, conversations dropped */
#define P "150104-04-sh01"   /* its enrollment code guessed by many at once */
#define RACERS 10
#define ISSUER_PCT "%E6%94%BF%E5%BA%9C%E9%87%87%E8%B4%AD%E4%BA%91%E5%B9%B3%E5%8F%B0"
#define GOOD_PW "Good-Password-2026"

/* What the scripted holder does and sees during an enrollment. */
struct holder {
	const char *uid;
	char enroll_code[32];
	const char *new_pw[8];   /* answers to the new-password prompts, in order */
	int npw;
	int wrong_confirm;       /* type a wrong code at the enrollment screen */
	char secret[160];        /* from the otpauth:// URI */
	char uri[1024];
	char recovery[16][16];
	int nrecovery;
	int screen;              /* the prompt index of the enrollment screen, -1 */
	char code[16];
};

static struct holder e_holder; /* E's enrollment, for the tests after it */

static int
ends_with(const char *s, const char *tail)
{
	size_t a = strlen(s), b = strlen(tail);

	return a >= b && strcmp(s + a - b, tail) == 0;
}

static void
write_secret(const char *uid, const char *secret)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/secret.%s", it_env("GPC_TESTDIR"), uid);
	if ((f = fopen(path, "w")) != NULL) {
		fprintf(f, "%s\n", secret);
		fclose(f);
	}
}

/* The scripted holder: answers each prompt by what it says. */
static const char *
holder_answers(struct it_conv *c, int n, const char *prompt)
{
	struct holder *h = c->ctx;
	const char *p;
	size_t len;

	if (n == 0)
		return h->enroll_code;
	if (ends_with(prompt, "New password: ") || ends_with(prompt, "Retype new password: ") ||
	    ends_with(prompt, "新密码: ") || ends_with(prompt, "再次输入新密码: "))
		return h->npw < 8 ? h->new_pw[h->npw++] : NULL;
	if ((p = strstr(prompt, "otpauth://")) != NULL) {
		h->screen = n;
		len = strcspn(p, "\n");
		snprintf(h->uri, sizeof(h->uri), "%.*s", (int)len, p);
		if ((p = strstr(h->uri, "secret=")) != NULL)
			snprintf(h->secret, sizeof(h->secret), "%.*s", (int)strcspn(p + 7, "&"),
			    p + 7);
		write_secret(h->uid, h->secret);
		it_code(h->uid, 0, h->code, sizeof(h->code));
		if (h->wrong_confirm)
			snprintf(h->code, sizeof(h->code), "%06d", (atoi(h->code) + 1) % 1000000);
		return h->code;
	}
	/* the recovery codes: "  XXXX-XXXX" lines */
	for (p = prompt; (p = strstr(p, "\n  ")) != NULL && h->nrecovery < 16; p += 3) {
		if (strlen(p + 3) >= 9 && p[3 + 4] == '-')
			snprintf(h->recovery[h->nrecovery++], sizeof(h->recovery[0]), "%.9s", p + 3);
	}
	return "";
}

static int
enroll(const char *service, struct holder *h, struct it_conv *c)
{
	char name[64], *code;

	snprintf(name, sizeof(name), "enroll.%s", h->uid);
	code = it_file_line(name);
	assert_non_null(code);
	snprintf(h->enroll_code, sizeof(h->enroll_code), "%s", code);
	free(code);
	h->screen = -1;
	memset(c, 0, sizeof(*c));
	c->answer_fn = holder_answers;
	c->ctx = h;
	return it_pam(service, h->uid, c, 0);
}

static int
login(const char *service, const char *user, const char *pw, const char *code,
    struct it_conv *c)
{
	memset(c, 0, sizeof(*c));
	c->answers[0] = pw;
	c->answers[1] = code;
	return it_pam(service, user, c, 0);
}

static int
count_of(const char *uid, const char *attr)
{
	return it_ldap_count(uid, attr);
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
	/* registered and approved: an enrollment code in the outbox, nothing else */
	if (it_sh("enrolling() { local ui=$1 ai=$2 uid region b\n"
	    "  uid=$(fx_doc get units.$ui.accounts.$ai.uid)\n"
	    "  region=$(fx_doc get units.$ui.region); b=$(fx_bureau_of $region)\n"
	    "  fx_doc register $ui $ai --id APP-$uid > $T/APP-$uid.json &&\n"
	    "  fx_process $T/APP-$uid.json &&\n"
	    "  fx_doc decision approve $b --id OK-$uid --app APP-$uid > $T/OK-$uid.json &&\n"
	    "  fx_process $T/OK-$uid.json $b && [ \"$(fx_outcome OK-$uid)\" = applied ] &&\n"
	    "  python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[\"code\"])' \\\n"
	    "      $T/outbox/OK-$uid.enrollment.json > $T/enroll.$uid\n"
	    "}\n"
	    "enrolling 1 0 && enrolling 1 1 && enrolling 0 0 && fx_active 2 0 && "
	    "enrolling 3 0 && enrolling 3 1") != 0 ||
	    it_sh("sed -i 's/window = 1;/window = 10;/' $GPC_CONF") != 0) {
		fprintf(stderr, "# fixture accounts could not be made; see fixture.log\n");
		return -1;
	}
	return 0;
}

static void
a_wrong_enrollment_code_fails_like_a_wrong_password_and_counts(void **state)
{
	struct it_conv c;

	(void)state;
	assert_int_equal(login("gpcgate", Y, "12345678", "", &c), PAM_AUTH_ERR);
	assert_int_equal(c.nprompts, 2);
	assert_string_equal(c.full[0], "Password: ");
	assert_string_equal(c.full[1], "Verification code: ");
	assert_string_equal(it_last_reason(), "wrong_enroll_code");
	assert_int_equal(login("gpcgate", Y, "a-guessed-password", "123456", &c), PAM_AUTH_ERR);
	assert_string_equal(it_last_reason(), "wrong_enroll_code");
	{
		char *n = it_ldap_attr(Y, "gpcTotpFailures");

		assert_non_null(n);
		assert_string_equal(n, "2");
		free(n);
	}
	assert_int_equal(count_of(Y, "gpcEnrollCode"), 1);
}

/* An eight-digit guess that is not the code (k > 0). */
static void
guess_of(const char *code, int k, char *out, size_t len)
{
	snprintf(out, len, "%08d", (atoi(code) + k * 7919) % 100000000);
}

static void
enrollment_code_guesses_are_counted_before_the_next_prompt_and_lock(void **state)
{
	struct it_conv c, ref;
	char guess[16], *code = it_file_line("enroll." G), *dn = it_ldap_attr(G, "dn");
	char *until;
	json_t *o;
	int i;

	(void)state;
	assert_non_null(code);
	/*
	 * Each guess is dropped at the prompt after it (the answer to the code
	 * prompt is no answer), where the prompt has told it was wrong: it
	 * was counted already.  totp.failure_limit is 5.
	 */
	for (i = 1; i <= 5; i++) {
		guess_of(code, i, guess, sizeof(guess));
		assert_int_not_equal(login("gpcgate", G, guess, NULL, &c), PAM_SUCCESS);
		assert_int_equal(c.nprompts, 2);
		assert_string_equal(c.full[1], "Verification code: ");
		assert_string_equal(it_last_reason(), "wrong_enroll_code");
		if (i < 5) {
			char *n = it_ldap_attr(G, "gpcTotpFailures");

			assert_non_null(n);
			assert_int_equal(atoi(n), i);
			free(n);
		}
	}
	/* the fifth locked the account, and the audit says so */
	assert_non_null(until = it_ldap_attr(G, "gpcLockedUntil"));
	assert_non_null(o = it_audit_last("lockout"));
	assert_string_equal(json_string_value(json_object_get(o, "uid")), G);
	assert_int_equal(json_integer_value(json_object_get(o, "failures")), 5);
	json_decref(o);
	/* locked: the right code is not judged, and fails as a wrong one does */
	guess_of(code, 6, guess, sizeof(guess));
	assert_int_equal(login("gpcgate", G, guess, "", &ref), PAM_AUTH_ERR);
	assert_string_equal(it_last_reason(), "locked");
	assert_int_equal(login("gpcgate", G, code, "", &c), PAM_AUTH_ERR);
	assert_string_equal(it_last_reason(), "locked");
	assert_int_equal(c.nprompts, ref.nprompts);
	assert_string_equal(c.full[0], ref.full[0]);
	assert_string_equal(c.full[1], ref.full[1]);
	assert_int_equal(login("gpcgate", G, code, NULL, &c), PAM_CONV_ERR);
	assert_string_equal(c.full[1], "Verification code: ");
	assert_int_equal(count_of(G, "gpcTotpSeed"), 0);
	assert_int_equal(count_of(G, "gpcEnrollCode"), 1);
	/* none of it was sent as a password: the password policy saw no failed bind */
	assert_int_equal(count_of(G, "pwdFailureTime"), 0);
	/* the lock lifted, the right code opens the first login, and costs no try */
	assert_int_equal(it_ldapmodify("dn: %s\nchangetype: modify\nreplace: gpcLockedUntil\n-\n",
	    dn), 0);
	assert_int_not_equal(login("gpcgate", G, code, NULL, &c), PAM_SUCCESS);
	assert_string_equal(c.full[1], "First login: choose your password.\nNew password: ");
	{
		char *n = it_ldap_attr(G, "gpcTotpFailures"); /* taken back: "0", or none */

		assert_int_equal(n != NULL ? atoi(n) : 0, 0);
		free(n);
	}
	assert_int_equal(count_of(G, "pwdFailureTime"), 0);
	free(until);
	free(code);
	free(dn);
}

/* What the racers of race_guesses guess at. */
struct guesser {
	const char *user, *code;
};

static int
guesser_login(int i, void *arg)
{
	const struct guesser *g = arg;
	struct it_conv c;
	char guess[16];

	guess_of(g->code, 100 + i, guess, sizeof(guess));
	return login("gpcgate", g->user, guess, NULL, &c);
}

/* n processes log in at once (it_race), each with its own guess; how many succeeded. */
static int
race_guesses(const char *user, const char *code, int n)
{
	struct guesser g = { user, code };
	int ok = it_race(n, guesser_login, &g);

	assert_true(ok >= 0);
	return ok;
}

/* How many login events of uid the audit holds with reason `why`. */
static int
audit_reasons(const char *uid, const char *why)
{
	char *n;
	int k;

	(void)it_sh("grep '\"event\":\"login\"' $T/audit.log | grep '\"uid\":\"%s\"' | "
	    "grep -c '\"reason\":\"%s\"' > $T/n.reasons", uid, why);
	n = it_file_line("n.reasons");
	k = n != NULL ? atoi(n) : -1;
	free(n);
	return k;
}

static void
of_many_enrollment_code_guesses_at_once_no_more_than_the_limit_are_judged(void **state)
{
	char *code = it_file_line("enroll." P);
	int judged, locked;

	(void)state;
	assert_non_null(code);
	assert_int_equal(race_guesses(P, code, RACERS), 0);
	judged = audit_reasons(P, "wrong_enroll_code");
	locked = audit_reasons(P, "locked");
	printf("# %d simultaneous guesses: %d judged, %d refused as locked unjudged\n", RACERS,
	    judged, locked);
	assert_int_equal(judged, 5); /* totp.failure_limit */
	assert_int_equal(judged + locked, RACERS);
	assert_int_equal(count_of(P, "gpcLockedUntil"), 1);
	assert_int_equal(count_of(P, "pwdFailureTime"), 0);
	free(code);
}

static void
an_expired_enrollment_code_fails_and_counts(void **state)
{
	struct it_conv c;
	char *dn = it_ldap_attr(X, "dn"), *code = it_file_line("enroll." X);

	(void)state;
	assert_int_equal(it_ldapmodify("dn: %s\nchangetype: modify\nreplace: gpcEnrollExpires\n"
	    "gpcEnrollExpires: 20200101000000Z\n-\n", dn), 0);
	assert_int_equal(login("gpcgate", X, code, "", &c), PAM_AUTH_ERR);
	assert_int_equal(c.nprompts, 2);
	assert_string_equal(it_last_reason(), "enroll_code_expired");
	assert_int_equal(count_of(X, "gpcTotpFailures"), 1);
	assert_int_equal(count_of(X, "gpcTotpSeed"), 0);
	free(dn);
	free(code);
}

static void
a_locked_account_does_not_enroll(void **state)
{
	struct it_conv c;
	char *dn = it_ldap_attr(Y, "dn"), *code = it_file_line("enroll." Y);

	(void)state;
	assert_int_equal(it_ldapmodify("dn: %s\nchangetype: modify\nreplace: gpcLockedUntil\n"
	    "gpcLockedUntil: 20991231000000Z\n-\n", dn), 0);
	assert_int_equal(login("gpcgate", Y, code, "", &c), PAM_AUTH_ERR);
	assert_int_equal(c.nprompts, 2);
	assert_string_equal(c.full[1], "Verification code: ");
	assert_string_equal(it_last_reason(), "locked");
	assert_int_equal(it_ldapmodify("dn: %s\nchangetype: modify\nreplace: gpcLockedUntil\n-\n"
	    "replace: gpcTotpFailures\n-\n", dn), 0);
	free(dn);
	free(code);
}

static void
an_unconfirmed_enrollment_stores_nothing_and_speaks_chinese(void **state)
{
	struct holder h = { .uid = Y, .new_pw = { GOOD_PW, GOOD_PW }, .wrong_confirm = 1 };
	struct it_conv c;

	(void)state;
	assert_int_equal(it_sh("sed 's/language = \"en\";/language = \"zh_CN\";/' $GPC_CONF > "
	    "$T/alt.conf"), 0);
	assert_int_equal(enroll("alt", &h, &c), PAM_AUTH_ERR);
	assert_string_equal(it_last_reason(), "enrollment_not_confirmed");
	assert_int_equal(c.nprompts, 4);
	assert_string_equal(c.full[0], "密码: ");
	assert_string_equal(c.full[1], "首次登录：请设置您的密码。\n新密码: ");
	assert_string_equal(c.full[2], "再次输入新密码: ");
	assert_non_null(strstr(c.full[3], "请用身份验证器应用"));
	assert_non_null(strstr(c.full[3], "密钥: "));
	assert_non_null(strstr(c.full[3], "基于时间（TOTP），6 位，每 30 秒，SHA1"));
	assert_true(ends_with(c.full[3], "请输入应用显示的验证码以完成绑定。\n验证码: "));
	/* nothing stored: still waiting for its first login */
	assert_int_equal(count_of(Y, "gpcEnrollCode"), 1);
	assert_int_equal(count_of(Y, "gpcTotpSeed"), 0);
	assert_int_equal(count_of(Y, "gpcRecoveryCode"), 0);
	assert_int_equal(login("gpcgate", Y, GOOD_PW, "123456", &c), PAM_AUTH_ERR);
}

/* Decode the QR code drawn in the prompt (UTF-8 half blocks) with zbarimg. */
static void
assert_qr_decodes_to(const char *screen, const char *uri)
{
	char path[512], cmd[1024], out[1024];
	const char *line = screen, *next;
	int rows[200][200], nrows = 0, ncols = 0, x, y;
	FILE *f, *p;

	memset(rows, 0, sizeof(rows));
	/* lines made only of █ ▀ ▄ and spaces; a glyph is a light module (invert off) */
	for (; line != NULL && *line != '\0'; line = next) {
		const char *end = strchr(line, '\n');
		const unsigned char *s = (const unsigned char *)line;
		int col = 0, ok = 1, drawn = 0;

		next = end != NULL ? end + 1 : NULL;
		end = end != NULL ? end : line + strlen(line);
		while ((const char *)s < end && ok) {
			int up = 0, lo = 0;

			if (*s == ' ') {
				s++;
			} else if (end - (const char *)s >= 3 && s[0] == 0xe2 && s[1] == 0x96 &&
			    (s[2] == 0x88 || s[2] == 0x80 || s[2] == 0x84)) {
				up = s[2] == 0x88 || s[2] == 0x80;
				lo = s[2] == 0x88 || s[2] == 0x84;
				drawn = 1;
				s += 3;
			} else
				ok = 0;
			if (ok && col < 200 && nrows + 1 < 200) {
				rows[nrows][col] = up;
				rows[nrows + 1][col] = lo;
				col++;
			}
		}
		if (!ok || !drawn || col < 21)
			continue;
		ncols = col;
		nrows += 2;
	}
	assert_true(nrows >= 21 && ncols >= 21);
	snprintf(path, sizeof(path), "%s/qr.pbm", it_env("GPC_TESTDIR"));
	assert_non_null(f = fopen(path, "w"));
	fprintf(f, "P1\n%d %d\n", ncols * 4, nrows * 4);
	for (y = 0; y < nrows * 4; y++) {
		for (x = 0; x < ncols * 4; x++)
			fputs(rows[y / 4][x / 4] ? "0 " : "1 ", f); /* 1 = dark */
		fputc('\n', f);
	}
	fclose(f);
	snprintf(cmd, sizeof(cmd), "env -u LD_PRELOAD zbarimg -q --raw '%s' 2>/dev/null", path);
	assert_non_null(p = popen(cmd, "r"));
	out[0] = '\0';
	if (fgets(out, sizeof(out), p) == NULL)
		out[0] = '\0';
	pclose(p);
	out[strcspn(out, "\n")] = '\0';
	assert_string_equal(out, uri);
}

static void
a_suspended_account_does_not_enroll(void **state)
{
	struct holder h = { .uid = Y, .new_pw = { GOOD_PW, GOOD_PW } };
	struct it_conv c;

	(void)state;
	assert_int_equal(it_sh("fx_doc decision suspend 150100 --id SUSP-Y --unit "
	    "111501009000000065 --account %s --reason holder_mismatch --deadline 2099-12-31 "
	    "--on-deadline terminate > $T/susp.json && fx_process $T/susp.json 150100 && "
	    "[ \"$(fx_outcome SUSP-Y)\" = applied ]", Y), 0);
	/* its valid enrollment code: the usual two prompts, no enrollment */
	assert_int_equal(enroll("gpcgate", &h, &c), PAM_AUTH_ERR);
	assert_int_equal(c.nprompts, 2);
	assert_string_equal(c.full[1], "Verification code: ");
	assert_string_equal(it_last_reason(), "account_not_active");
	assert_int_equal(count_of(Y, "gpcTotpSeed"), 0);
	assert_int_equal(count_of(Y, "gpcEnrollCode"), 1);
}

static void
first_login_sets_a_password_enrolls_the_app_and_shows_recovery_codes(void **state)
{
	struct holder *h = &e_holder;
	struct it_conv c;
	char want[2048], grouped[200], *v;
	int i, j, code_prompts = 0;
	size_t k, n;

	(void)state;
	memset(h, 0, sizeof(*h));
	h->uid = E;
	h->new_pw[0] = "Abc-longpass-1";  /* the two differ */
	h->new_pw[1] = "Abc-longpass-2";
	h->new_pw[2] = "short";           /* the password policy says: too short */
	h->new_pw[3] = "short";
	h->new_pw[4] = GOOD_PW;
	h->new_pw[5] = GOOD_PW;
	assert_int_equal(enroll("gpcgate", h, &c), PAM_SUCCESS);
	assert_string_equal(it_last_reason(), "enrolled");
	assert_int_equal(c.nprompts, 9);
	assert_string_equal(c.full[0], "Password: ");
	assert_string_equal(c.full[1], "First login: choose your password.\nNew password: ");
	assert_string_equal(c.full[2], "Retype new password: ");
	assert_string_equal(c.full[3], "The passwords do not match.\nNew password: ");
	assert_string_equal(c.full[4], "Retype new password: ");
	assert_int_equal(h->screen, 5);
	/* the policy's rule, read from its pwdMinLength (schema/base.ldif.in: 10) */
	assert_string_equal(c.full[6],
	    "The new password was refused: it is too short (at least 10 characters).\n"
	    "New password: ");
	assert_string_equal(c.full[7], "Retype new password: ");
	for (i = 0; i < 8; i++)
		assert_int_equal(c.styles[i], PAM_PROMPT_ECHO_OFF);
	assert_int_equal(c.styles[8], PAM_PROMPT_ECHO_ON);
	assert_true(ends_with(c.full[8], "Press Enter when you have written them down: "));
	/* exactly one code prompt */
	for (i = 0; i < c.nprompts; i++)
		code_prompts += ends_with(c.full[i], "Verification code: ");
	assert_int_equal(code_prompts, 1);

	/* the enrollment screen */
	/* the issuer once, as the parameter; SHA1, 6 digits, 30 s are the defaults */
	snprintf(want, sizeof(want), "otpauth://totp/" E "?secret=%s&issuer=%s", h->secret,
	    ISSUER_PCT);
	assert_string_equal(h->uri, want);
	for (k = n = 0; h->secret[k] != '\0'; k++) {
		if (k > 0 && k % 4 == 0)
			grouped[n++] = ' ';
		grouped[n++] = h->secret[k];
	}
	grouped[n] = '\0';
	snprintf(want, sizeof(want), "\nKey: %s\n", grouped);
	assert_non_null(strstr(c.full[5], want));
	assert_non_null(strstr(c.full[5], "\nAccount: " E "\n"));
	assert_non_null(strstr(c.full[5], "time-based (TOTP), 6 digits, every 30 s, SHA1"));
	assert_true(ends_with(c.full[5], "Enter the code the app shows to finish.\n"
	    "Verification code: "));
	assert_qr_decodes_to(c.full[5], h->uri);

	/* ten recovery codes, distinct, of the recovery alphabet */
	assert_int_equal(h->nrecovery, 10);
	for (i = 0; i < 10; i++) {
		for (k = 0; k < 9; k++)
			assert_true(k == 4 ? h->recovery[i][k] == '-' :
			    strchr("23456789ABCDEFGHJKMNPQRSTUVWXYZ", h->recovery[i][k]) != NULL);
		for (j = 0; j < i; j++)
			assert_string_not_equal(h->recovery[i], h->recovery[j]);
	}

	/* what is stored: one write did it all */
	assert_int_equal(count_of(E, "gpcEnrollCode"), 0);
	assert_int_equal(count_of(E, "gpcEnrollExpires"), 0);
	assert_int_equal(count_of(E, "gpcRecoveryCode"), 10);
	v = it_ldap_attr(E, "gpcTotpSeed");
	assert_non_null(v);
	/* sealed under the installation's suite: AES-256-GCM "g1", or SM4+HMAC-SM3 "s1" */
	assert_true(strncmp(v, it_suite() == GPC_SUITE_GM ? "s1$" : "g1$", 3) == 0);
	assert_null(strstr(v, h->secret));
	free(v);
	v = it_ldap_attr(E, "gpcTotpStep");
	assert_non_null(v);
	assert_in_range(atoll(v), time(NULL) / 30 - 1, time(NULL) / 30 + 1);
	free(v);
}

static void
the_enrolled_holder_logs_in_with_the_new_password_and_the_app(void **state)
{
	struct it_conv c;
	char code[16];

	(void)state;
	it_code(E, time(NULL) + 30, code, sizeof(code));
	assert_int_equal(login("gpcgate", E, GOOD_PW, code, &c), PAM_SUCCESS);
	assert_int_equal(c.nprompts, 2);
	/* the confirming code was spent: it does not log in again */
	assert_int_equal(login("gpcgate", E, GOOD_PW, e_holder.code, &c), PAM_AUTH_ERR);
}

static void
the_enrollment_code_works_once(void **state)
{
	struct it_conv c;

	(void)state;
	assert_int_equal(login("gpcgate", E, e_holder.enroll_code, "123456", &c), PAM_AUTH_ERR);
	assert_int_equal(c.nprompts, 2);
	assert_string_equal(it_last_reason(), "wrong_password");
}

static void
once_enrolled_the_pam_reader_can_write_neither_password_nor_seed(void **state)
{
	char *dn = it_ldap_attr(E, "dn");

	(void)state;
	assert_non_null(dn);
	/* the ACL's door is the enrollment state: the Modify that enrolled closed it */
	assert_int_equal(it_sh("env -u LD_PRELOAD ldapmodify -x -H \"$GPC_LDAPI_URI\" "
	    "-D \"$GPC_READER\" -y $T/reader.pw <<'L' 2>&1 | grep -q 'Insufficient access'\n"
	    "dn: %s\nchangetype: modify\nreplace: userPassword\nuserPassword: Reader-set-1234\n"
	    "L", dn), 0);
	assert_int_equal(it_sh("env -u LD_PRELOAD ldapmodify -x -H \"$GPC_LDAPI_URI\" "
	    "-D \"$GPC_READER\" -y $T/reader.pw <<'L' 2>&1 | grep -q 'Insufficient access'\n"
	    "dn: %s\nchangetype: modify\nreplace: gpcTotpSeed\ngpcTotpSeed: g1$1$AAAA\n"
	    "L", dn), 0);
	free(dn);
}

static void
a_recovery_code_works_once_in_place_of_a_code(void **state)
{
	struct it_conv c;
	char typed[16], both[128];
	size_t i, n = 0;

	(void)state;
	/* typed the way people do: lower case, no dash */
	for (i = 0; e_holder.recovery[0][i] != '\0'; i++)
		if (e_holder.recovery[0][i] != '-')
			typed[n++] = (char)(e_holder.recovery[0][i] | 0x20);
	typed[n] = '\0';
	assert_int_equal(login("gpcgate", E, GOOD_PW, typed, &c), PAM_SUCCESS);
	assert_string_equal(it_last_reason(), "recovery_code_used");
	assert_int_equal(count_of(E, "gpcRecoveryCode"), 9);
	assert_int_equal(login("gpcgate", E, GOOD_PW, e_holder.recovery[0], &c), PAM_AUTH_ERR);
	assert_string_equal(it_last_reason(), "wrong_recovery_code");
	/* in the one-prompt mode too, at the end of the answer */
	snprintf(both, sizeof(both), "%s%s", GOOD_PW, e_holder.recovery[1]);
	assert_int_equal(login("gpc-one", E, both, NULL, &c), PAM_SUCCESS);
	assert_string_equal(it_last_reason(), "recovery_code_used");
	assert_int_equal(count_of(E, "gpcRecoveryCode"), 8);
	/* a wrong password never spends one */
	assert_int_equal(login("gpcgate", E, "not-the-password", e_holder.recovery[2], &c),
	    PAM_AUTH_ERR);
	assert_int_equal(count_of(E, "gpcRecoveryCode"), 8);
}

static void
a_sealed_seed_copied_into_another_entry_does_not_verify(void **state)
{
	struct it_conv c;
	char code[16], *sealed = it_ldap_attr(E, "gpcTotpSeed"), *zdn = it_ldap_attr(Z, "dn");
	char *zpw = it_file_line("pw." Z);

	(void)state;
	assert_non_null(sealed);
	assert_int_equal(it_ldapmodify("dn: %s\nchangetype: modify\nreplace: gpcTotpSeed\n"
	    "gpcTotpSeed: %s\n-\nreplace: gpcTotpStep\n-\n", zdn, sealed), 0);
	/* E's code, which that seed makes, does not log in to Z */
	it_code(E, time(NULL) + 90, code, sizeof(code));
	assert_int_equal(login("gpcgate", Z, zpw, code, &c), PAM_AUTH_ERR);
	assert_string_equal(it_last_reason(), "seed_invalid");
	/* nor does Z's own */
	it_code(Z, 0, code, sizeof(code));
	assert_int_equal(login("gpcgate", Z, zpw, code, &c), PAM_AUTH_ERR);
	assert_string_equal(it_last_reason(), "seed_invalid");
	free(sealed);
	free(zdn);
	free(zpw);
}

static void
a_dump_of_the_directory_holds_no_seed_or_one_time_code(void **state)
{
	char path[512];
	FILE *f;
	int i;

	(void)state;
	/* what must not be found: seeds (E's from its screen, Z's), E's one-time codes */
	snprintf(path, sizeof(path), "%s/secrets", it_env("GPC_TESTDIR"));
	assert_non_null(f = fopen(path, "w"));
	fprintf(f, "%s\n%s\n", e_holder.secret, e_holder.enroll_code);
	for (i = 0; i < e_holder.nrecovery; i++)
		fprintf(f, "%s\n%.4s%s\n", e_holder.recovery[i], e_holder.recovery[i],
		    e_holder.recovery[i] + 5);
	fclose(f);
	/*
	 * slapcat of the whole database, every value decoded, and the data of
	 * the database file itself (a sparse file: only its extents are read):
	 * no seed in base32, hex, base64 or raw bytes, no enrollment code, no
	 * recovery code.
	 */
	assert_int_equal(it_sh("cat $T/secret.%s >> $T/secrets && "
	    "env -u LD_PRELOAD slapcat -F $T/slapd.d -b \"$GPC_BASE\" -o ldif-wrap=no "
	    "> $T/dump.ldif 2>/dev/null && python3 - $T/dump.ldif $T/db/data.mdb $T/secrets "
	    "<<'P'\n"
	    "import base64, binascii, os, sys\n"
	    "vals = []\n"
	    "for l in open(sys.argv[1], encoding='utf-8').read().splitlines():\n"
	    "    k, sep, v = l.partition(':')\n"
	    "    if sep:\n"
	    "        vals.append(base64.b64decode(v[2:]) if v.startswith(': ') else v.strip().encode())\n"
	    "blob = b'\\n'.join(vals)\n"
	    "fd, mdb, off = os.open(sys.argv[2], os.O_RDONLY), [], 0\n"
	    "size = os.fstat(fd).st_size\n"
	    "while off < size:\n"
	    "    try:\n"
	    "        start = os.lseek(fd, off, os.SEEK_DATA)\n"
	    "    except OSError:\n"
	    "        break\n"
	    "    end = os.lseek(fd, start, os.SEEK_HOLE)\n"
	    "    mdb.append(os.pread(fd, end - start, start))\n"
	    "    off = end\n"
	    "mdb = b''.join(mdb)\n"
	    "assert len(mdb) > 0\n"
	    "secrets = open(sys.argv[3]).read().split()\n"
	    "for s in secrets:\n"
	    "    forms = [s.encode()]\n"
	    "    if len(s) >= 32:\n"
	    "        raw = base64.b32decode(s + '=' * (-len(s) %% 8))\n"
	    "        forms += [raw, binascii.hexlify(raw), base64.b64encode(raw)]\n"
	    "    for f in forms:\n"
	    "        assert f not in blob, 'a secret in the dump'\n"
	    "        assert f not in mdb, 'a secret in the database file'\n"
	    "print('# dump and database file clean of', len(secrets), 'secrets')\n"
	    "P", Z), 0);
}

/*
 * How often n bytes at needle occur in this process's writable memory,
 * outside [skip, skip + skiplen) (the test's own copy).
 */
static int
memory_holds(const unsigned char *needle, size_t n, const unsigned char *skip, size_t skiplen)
{
	char line[512];
	FILE *f = fopen("/proc/self/maps", "r");
	int found = 0;

	assert_non_null(f);
	while (fgets(line, sizeof(line), f) != NULL) {
		unsigned long lo, hi;
		char perms[8];
		const unsigned char *p, *end;

		if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perms) != 3 || perms[0] != 'r' ||
		    perms[1] != 'w')
			continue;
		p = (const unsigned char *)lo;
		end = (const unsigned char *)hi;
		while (p < end && (p = memmem(p, (size_t)(end - p), needle, n)) != NULL) {
			if (p < skip || p >= skip + skiplen)
				found++;
			p++;
		}
	}
	fclose(f);
	return found;
}

static void
the_raw_seed_is_not_left_in_memory(void **state)
{
	/*
	 * A known SHA512 seed (64 bytes) on E: a copy freed without being
	 * wiped keeps all but the 16 bytes malloc reuses, so every 16-byte
	 * window is looked for, not only the whole seed.  (A freed chunk is
	 * often handed out again and overwritten within the same login, so
	 * this finds copies that survive — kept, leaked, on a long-lived
	 * buffer — more surely than a missed wipe before free.)
	 */
	static unsigned char seed[64];
	struct gpc_totp_params p = { GPC_ALGO_SHA512, 6, 30, 10 };
	struct it_conv c;
	char code[16];
	size_t off;

	(void)state;
#if defined(__SANITIZE_ADDRESS__)
	if (1) {
#else
	if (RUNNING_ON_VALGRIND) {
#endif
		/* reading all of memory is what memcheck and ASan report; the plain run checks */
		printf("# memory scan left out under valgrind and ASan\n");
		return;
	}
	assert_int_equal(gpc_random_bytes(seed, sizeof(seed)), GPC_OK);
	assert_int_equal(it_install_seed(E, seed, sizeof(seed), "sha512", 6, 30), 0);
	assert_int_equal(gpc_totp_generate(&p, seed, sizeof(seed), (int64_t)time(NULL), code,
	    sizeof(code)), GPC_OK);
	/* a login opens E's seed in this process: afterwards it must be gone */
	assert_int_equal(login("gpcgate", E, GOOD_PW, code, &c), PAM_SUCCESS);
	assert_int_equal(memory_holds(seed, sizeof(seed), seed, sizeof(seed)), 0);
	for (off = 0; off + 16 <= sizeof(seed); off += 8)
		assert_int_equal(memory_holds(seed + off, 16, seed, sizeof(seed)), 0);
	explicit_bzero(seed, sizeof(seed));
}

static void
after_a_handover_the_new_holder_enrolls_and_the_old_credentials_are_gone(void **state)
{
	struct holder h = { .uid = Z, .new_pw = { "New-holder-pw-2026", "New-holder-pw-2026" } };
	struct it_conv c;
	char code[16], *old_pw = it_file_line("pw." Z);

	(void)state;
	assert_int_equal(it_sh("fx_doc handover 2 0 0 --id HO-Z > $T/ho.json && "
	    "fx_process $T/ho.json && "
	    "fx_doc decision approve 150103 --id HOK-Z --app HO-Z > $T/hok.json && "
	    "fx_process $T/hok.json 150103 && [ \"$(fx_outcome HOK-Z)\" = applied ] && "
	    "python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[\"code\"])' "
	    "$T/outbox/HOK-Z.enrollment.json > $T/enroll.%s", Z), 0);
	/*
	 * the old holder's password no longer opens the account: in the first
	 * login the handover began, it is judged as an enrollment code
	 */
	assert_int_equal(login("gpcgate", Z, old_pw, "123456", &c), PAM_AUTH_ERR);
	assert_string_equal(it_last_reason(), "wrong_enroll_code");
	assert_int_equal(enroll("gpcgate", &h, &c), PAM_SUCCESS);
	assert_string_equal(it_last_reason(), "enrolled");
	assert_int_equal(h.nrecovery, 10);
	it_code(Z, time(NULL) + 30, code, sizeof(code));
	assert_int_equal(login("gpcgate", Z, "New-holder-pw-2026", code, &c), PAM_SUCCESS);
	free(old_pw);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_wrong_enrollment_code_fails_like_a_wrong_password_and_counts),
		cmocka_unit_test(enrollment_code_guesses_are_counted_before_the_next_prompt_and_lock),
		cmocka_unit_test(of_many_enrollment_code_guesses_at_once_no_more_than_the_limit_are_judged),
		cmocka_unit_test(an_expired_enrollment_code_fails_and_counts),
		cmocka_unit_test(a_locked_account_does_not_enroll),
		cmocka_unit_test(an_unconfirmed_enrollment_stores_nothing_and_speaks_chinese),
		cmocka_unit_test(a_suspended_account_does_not_enroll),
		cmocka_unit_test(first_login_sets_a_password_enrolls_the_app_and_shows_recovery_codes),
		cmocka_unit_test(the_enrolled_holder_logs_in_with_the_new_password_and_the_app),
		cmocka_unit_test(the_enrollment_code_works_once),
		cmocka_unit_test(once_enrolled_the_pam_reader_can_write_neither_password_nor_seed),
		cmocka_unit_test(a_recovery_code_works_once_in_place_of_a_code),
		cmocka_unit_test(a_sealed_seed_copied_into_another_entry_does_not_verify),
		cmocka_unit_test(a_dump_of_the_directory_holds_no_seed_or_one_time_code),
		cmocka_unit_test(the_raw_seed_is_not_left_in_memory),
		cmocka_unit_test(after_a_handover_the_new_holder_enrolls_and_the_old_credentials_are_gone),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
