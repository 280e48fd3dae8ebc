/*
 * The state a login keeps in the directory, under concurrency, through the
 * real libpam (pam_wrapper) — issue 3 items 4 and 5:
 *
 *  - replay: a spent step is refused; N processes logging in at once with
 *    one valid code: exactly one succeeds and the stored step is the
 *    accepted one; a step write the directory refuses is a failed login
 *    that looks like a wrong code;
 *  - lockout: N parallel wrong codes record N failures; at the limit the
 *    second factor locks for the configured time and a locked account fails
 *    like any other; the lock passes; a success resets the count; wrong
 *    passwords are not counted.
 *
 * The clock set back is tested in test_auth_clock.sh (libfaketime).
 * This file's configuration sets totp.window = 10 (eleven fresh steps per
 * account while it runs).
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

#include "itest.h"

#define H "150102-02-jb01"   /* replay */
#define L "150102-02-sh01"   /* lockout */
#define RACERS 10

static time_t t0;
static int next_h, next_l;

static char *
password_of(const char *uid)
{
	char name[128];

	snprintf(name, sizeof(name), "pw.%s", uid);
	return it_file_line(name);
}

static void
fresh(const char *uid, char *out, size_t len)
{
	int *k = strcmp(uid, H) == 0 ? &next_h : &next_l;

	it_code(uid, t0 + 30 * (*k)++, out, len);
}

static void
wrong_of(const char *code, char *out, size_t len)
{
	snprintf(out, len, "%06d", (atoi(code) + 500001) % 1000000);
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

static long long
int_attr(const char *uid, const char *attr)
{
	char *v = it_ldap_attr(uid, attr);
	long long n = v != NULL ? atoll(v) : -1;

	free(v);
	return n;
}

/* What each racer logs in with. */
struct racer {
	const char *service, *user, *pw, *code;
};

static int
racer_login(int i, void *arg)
{
	const struct racer *r = arg;
	struct it_conv c;

	(void)i;
	return login(r->service, r->user, r->pw, r->code, &c);
}

/* n processes log in at once (it_race); returns how many succeeded. */
static int
race(const char *service, const char *user, const char *pw, const char *code, int n)
{
	struct racer r = { service, user, pw, code };
	int ok = it_race(n, racer_login, &r);

	assert_true(ok >= 0);
	return ok;
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
	if (it_sh("fx_active 1 0 && fx_active 1 1") != 0 ||
	    it_sh("sed -i 's/window = 1;/window = 10;/' $GPC_CONF") != 0) {
		fprintf(stderr, "# fixture accounts could not be made; see fixture.log\n");
		return -1;
	}
	t0 = time(NULL);
	return 0;
}

static void
a_spent_code_is_refused_as_a_replay(void **state)
{
	struct it_conv c;
	char code[16], *pw = password_of(H);

	(void)state;
	fresh(H, code, sizeof(code));
	assert_int_equal(login("gpcgate", H, pw, code, &c), PAM_SUCCESS);
	assert_int_equal(int_attr(H, "gpcTotpStep"), (long long)(t0 / 30));
	assert_int_equal(login("gpcgate", H, pw, code, &c), PAM_AUTH_ERR);
	assert_int_equal(c.nprompts, 2);
	assert_string_equal(it_last_reason(), "code_replayed");
	assert_int_equal(int_attr(H, "gpcTotpStep"), (long long)(t0 / 30));
	/* a code once right is no guess: not counted toward the lockout */
	assert_int_equal(int_attr(H, "gpcTotpFailures"), -1);
	free(pw);
}

static void
of_many_logins_at_once_with_one_code_exactly_one_succeeds(void **state)
{
	char code[16], *pw = password_of(H);
	int round, ok, replayed = 0, raced = 0, before;
	long long step;

	(void)state;
	for (round = 0; round < 2; round++) {
		step = (long long)(t0 / 30) + next_h;
		fresh(H, code, sizeof(code));
		before = it_audit_count("login");
		ok = race("gpcgate", H, pw, code, RACERS);
		printf("# round %d: %d of %d simultaneous logins with one code succeeded\n",
		    round + 1, ok, RACERS);
		assert_int_equal(ok, 1);
		/* the losers were not counted as guesses */
		assert_int_equal(int_attr(H, "gpcTotpFailures"), -1);
		/* the stored step is the one the winner accepted */
		assert_int_equal(int_attr(H, "gpcTotpStep"), step);
		assert_int_equal(it_audit_count("login"), before + RACERS);
		(void)it_sh("grep -c '\"reason\":\"code_replayed\"' $T/audit.log > $T/n.replayed; "
		    "grep -c '\"reason\":\"code_race_lost\"' $T/audit.log > $T/n.raced");
	}
	{
		char *a = it_file_line("n.replayed"), *b = it_file_line("n.raced");

		replayed = a != NULL ? atoi(a) : 0;
		raced = b != NULL ? atoi(b) : 0;
		free(a);
		free(b);
	}
	printf("# losers so far: %d saw the step spent already, %d lost the write\n", replayed,
	    raced);
	free(pw);
}

static void
a_step_write_the_directory_refuses_fails_like_a_wrong_code(void **state)
{
	struct it_conv c, wrong;
	char code[16], bad[16], *pw = password_of(H);

	(void)state;
	fresh(H, code, sizeof(code));
	wrong_of(code, bad, sizeof(bad));
	/* the directory takes no writes: the right code cannot be spent */
	assert_int_equal(it_sh("env -u LD_PRELOAD ldapmodify -Y EXTERNAL -H \"$GPC_LDAPI_URI\" "
	    "<<'E'\ndn: olcDatabase={1}mdb,cn=config\nchangetype: modify\nreplace: olcReadOnly\n"
	    "olcReadOnly: TRUE\nE"), 0);
	assert_int_equal(login("gpcgate", H, pw, code, &c), PAM_AUTH_ERR);
	assert_string_equal(it_last_reason(), "step_write_failed");
	assert_int_equal(login("gpcgate", H, pw, bad, &wrong), PAM_AUTH_ERR);
	assert_string_equal(it_last_reason(), "wrong_code");
	/* the holder cannot tell the right code from the wrong one */
	assert_int_equal(c.nprompts, wrong.nprompts);
	assert_string_equal(c.full[1], wrong.full[1]);
	assert_int_equal(it_sh("env -u LD_PRELOAD ldapmodify -Y EXTERNAL -H \"$GPC_LDAPI_URI\" "
	    "<<'E'\ndn: olcDatabase={1}mdb,cn=config\nchangetype: modify\nreplace: olcReadOnly\n"
	    "olcReadOnly: FALSE\nE"), 0);
	/* it was not spent */
	assert_int_equal(login("gpcgate", H, pw, code, &c), PAM_SUCCESS);
	free(pw);
}

static void
parallel_wrong_codes_are_all_counted(void **state)
{
	char code[16], bad[16], *pw = password_of(L);
	int ok;

	(void)state;
	/* a high limit, so that the count itself is seen */
	assert_int_equal(it_sh("sed 's/failure_limit = 5;/failure_limit = 100;/' $GPC_CONF > "
	    "$T/alt.conf"), 0);
	fresh(L, code, sizeof(code));
	wrong_of(code, bad, sizeof(bad));
	ok = race("alt", L, pw, bad, RACERS);
	assert_int_equal(ok, 0);
	printf("# %d simultaneous wrong codes recorded %lld failures\n", RACERS,
	    int_attr(L, "gpcTotpFailures"));
	assert_int_equal(int_attr(L, "gpcTotpFailures"), RACERS);
	free(pw);
}

static void
a_success_resets_the_count(void **state)
{
	struct it_conv c;
	char code[16], bad[16], *pw = password_of(L);
	int i;

	(void)state;
	fresh(L, code, sizeof(code));
	assert_int_equal(login("alt", L, pw, code, &c), PAM_SUCCESS);
	assert_int_equal(int_attr(L, "gpcTotpFailures"), -1);
	/* with the limit of 5: four wrong, a right one, four wrong again: never locked */
	fresh(L, code, sizeof(code));
	wrong_of(code, bad, sizeof(bad));
	for (i = 0; i < 4; i++)
		assert_int_equal(login("gpcgate", L, pw, bad, &c), PAM_AUTH_ERR);
	assert_int_equal(int_attr(L, "gpcTotpFailures"), 4);
	assert_int_equal(login("gpcgate", L, pw, code, &c), PAM_SUCCESS);
	assert_int_equal(int_attr(L, "gpcTotpFailures"), -1);
	for (i = 0; i < 4; i++)
		assert_int_equal(login("gpcgate", L, pw, "000000", &c), PAM_AUTH_ERR);
	assert_null(it_ldap_attr(L, "gpcLockedUntil"));
	free(pw);
}

static void
wrong_passwords_are_not_counted(void **state)
{
	struct it_conv c;
	int i;

	(void)state;
	for (i = 0; i < 3; i++)
		assert_int_equal(login("gpcgate", L, "not-the-password", "000000", &c),
		    PAM_AUTH_ERR);
	assert_int_equal(int_attr(L, "gpcTotpFailures"), 4);
}

static void
at_the_limit_the_account_locks_and_fails_like_any_other(void **state)
{
	struct it_conv c, ref;
	char code[16], *pw = password_of(L), *until;
	time_t lock_t, now;

	(void)state;
	/* the fifth consecutive wrong code (limit 5, lockout_s 900) */
	assert_int_equal(login("gpcgate", L, pw, "000000", &ref), PAM_AUTH_ERR);
	now = time(NULL);
	until = it_ldap_attr(L, "gpcLockedUntil");
	assert_non_null(until);
	{
		struct tm tm;

		memset(&tm, 0, sizeof(tm));
		assert_non_null(strptime(until, "%Y%m%d%H%M%SZ", &tm));
		lock_t = timegm(&tm);
	}
	assert_in_range(lock_t, now + 900 - 5, now + 900 + 5);
	/* the attempt that locked it is in the audit log, and so is the lock */
	assert_string_equal(it_last_reason(), "wrong_code");
	{
		json_t *o = it_audit_last("lockout");
		char want[32];
		struct tm tm;

		assert_non_null(o);
		assert_string_equal(json_string_value(json_object_get(o, "uid")), L);
		assert_int_equal(json_integer_value(json_object_get(o, "failures")), 5);
		gmtime_r(&lock_t, &tm);
		strftime(want, sizeof(want), "%Y-%m-%dT%H:%M:%SZ", &tm);
		assert_string_equal(json_string_value(json_object_get(o, "until")), want);
		json_decref(o);
	}
	/* the count starts again from zero once the lock is set */
	assert_int_equal(int_attr(L, "gpcTotpFailures"), -1);
	/* the right password and a right code: refused, with the same prompts */
	fresh(L, code, sizeof(code));
	assert_int_equal(login("gpcgate", L, pw, code, &c), PAM_AUTH_ERR);
	assert_int_equal(c.nprompts, ref.nprompts);
	assert_string_equal(c.full[0], ref.full[0]);
	assert_string_equal(c.full[1], ref.full[1]);
	assert_string_equal(it_last_reason(), "locked");
	/* the refused code was not spent: it works once the lock is lifted */
	{
		char *dn = it_ldap_attr(L, "dn");

		assert_int_equal(it_ldapmodify("dn: %s\nchangetype: modify\nreplace: gpcLockedUntil\n"
		    "-\n", dn), 0);
		free(dn);
	}
	assert_int_equal(login("gpcgate", L, pw, code, &c), PAM_SUCCESS);
	free(until);
	free(pw);
}

static void
the_lock_passes_after_the_configured_time(void **state)
{
	struct it_conv c;
	char code[16], *pw = password_of(L);
	int i;

	(void)state;
	assert_int_equal(it_sh("sed -e 's/failure_limit = 5;/failure_limit = 3;/' "
	    "-e 's/lockout_s = 900;/lockout_s = 2;/' $GPC_CONF > $T/alt.conf"), 0);
	for (i = 0; i < 3; i++)
		assert_int_equal(login("alt", L, pw, "000000", &c), PAM_AUTH_ERR);
	fresh(L, code, sizeof(code));
	assert_int_equal(login("alt", L, pw, code, &c), PAM_AUTH_ERR);
	assert_string_equal(it_last_reason(), "locked");
	sleep(3);
	assert_int_equal(login("alt", L, pw, code, &c), PAM_SUCCESS);
	assert_null(it_ldap_attr(L, "gpcLockedUntil")); /* the success clears it */
	free(pw);
}

static void
parallel_wrong_codes_past_the_limit_lock_the_account(void **state)
{
	struct it_conv c;
	char code[16], *pw = password_of(L), *until;

	(void)state;
	assert_int_equal(race("gpcgate", L, pw, "000000", RACERS), 0);
	until = it_ldap_attr(L, "gpcLockedUntil");
	assert_non_null(until);
	/* and a right code racing the lock does not get through afterwards */
	fresh(L, code, sizeof(code));
	assert_int_equal(login("gpcgate", L, pw, code, &c), PAM_AUTH_ERR);
	free(until);
	free(pw);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_spent_code_is_refused_as_a_replay),
		cmocka_unit_test(of_many_logins_at_once_with_one_code_exactly_one_succeeds),
		cmocka_unit_test(a_step_write_the_directory_refuses_fails_like_a_wrong_code),
		cmocka_unit_test(parallel_wrong_codes_are_all_counted),
		cmocka_unit_test(a_success_resets_the_count),
		cmocka_unit_test(wrong_passwords_are_not_counted),
		cmocka_unit_test(at_the_limit_the_account_locks_and_fails_like_any_other),
		cmocka_unit_test(the_lock_passes_after_the_configured_time),
		cmocka_unit_test(parallel_wrong_codes_past_the_limit_lock_the_account),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
