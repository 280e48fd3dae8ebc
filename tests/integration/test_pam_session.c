/*
 * The session group through the real libpam (pam_wrapper) — issue 5,
 * item 4:
 *
 *  - pam_open_session and pam_close_session append session_open and
 *    session_close (lib/audit.h): uid, unit, region, service, rhost, tty
 *    and one sid (32 hex characters, fresh per session) shared by both;
 *    a close in another process has no sid;
 *  - the last successful login is stored on the account (gpcLastLogin),
 *    written at most once per pam.last_login_interval_s (default 3600 s):
 *    two sessions within it write once; an older value is rewritten;
 *    interval 0 writes every time;
 *  - a session after another module's authentication (an SSH key) is
 *    recorded under the account's canonical uid; a name that is no account
 *    is not ours to record;
 *  - gpcgatectl report reads these lines: two sessions at once from two
 *    remote hosts flag the account as shared.
 *
 * This file's configuration sets totp.window = 10.
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

#define H "150102-02-jb01"
#define R "150102-02-sh01"
#define UNIT "12150102900079199E"

static time_t t0;

static void
fresh(const char *uid, char *out, size_t len)
{
	static int next[2]; /* test code: one process, one thread */
	int i = strcmp(uid, H) == 0 ? 0 : 1;

	assert_true(next[i] <= 10);
	it_code(uid, t0 + 30 * next[i]++, out, len);
}

/* A whole login as sshd runs it: auth, account, open, close. */
static void
full_login(const char *uid, const char *rhost, const char *tty, const char *ops)
{
	struct it_conv c;
	char code[16], name[64], *pw;
	int res[4], n, i;

	snprintf(name, sizeof(name), "pw.%s", uid);
	pw = it_file_line(name);
	assert_non_null(pw);
	fresh(uid, code, sizeof(code));
	memset(&c, 0, sizeof(c));
	c.answers[0] = pw;
	c.answers[1] = code;
	c.rhost = rhost;
	c.tty = tty;
	n = it_pam_seq("gpc-full", uid, &c, ops, res, 4);
	assert_true(n > 0);
	for (i = 0; i < n; i++)
		assert_int_equal(res[i], PAM_SUCCESS);
	free(pw);
}

static const char *
field(json_t *o, const char *k)
{
	const char *v = o != NULL ? json_string_value(json_object_get(o, k)) : NULL;

	return v != NULL ? v : "(none)";
}

/* gpcLastLogin of uid as Unix seconds, 0 if none. */
static time_t
last_login(const char *uid)
{
	char *v = it_ldap_attr(uid, "gpcLastLogin");
	struct tm tm;
	time_t t = 0;

	memset(&tm, 0, sizeof(tm));
	if (v != NULL && strptime(v, "%Y%m%d%H%M%SZ", &tm) != NULL)
		t = timegm(&tm);
	free(v);
	return t;
}

static void
set_last_login(const char *uid, const char *value)
{
	char *dn = it_ldap_attr(uid, "dn");

	assert_non_null(dn);
	if (value != NULL)
		assert_int_equal(it_ldapmodify("dn: %s\nchangetype: modify\nreplace: gpcLastLogin\n"
		    "gpcLastLogin: %s\n-\n", dn, value), 0);
	else
		assert_int_equal(it_ldapmodify("dn: %s\nchangetype: modify\nreplace: gpcLastLogin\n"
		    "-\n", dn), 0);
	free(dn);
}

/* The flags gpcgatectl report gave uid in $T/report.json, space-separated. */
static const char *
flags_of(const char *uid)
{
	static char buf[256]; /* test code: one caller at a time */
	char path[1024];
	json_t *r, *a;
	size_t i, j;

	snprintf(path, sizeof(path), "%s/report.json", it_env("GPC_TESTDIR"));
	snprintf(buf, sizeof(buf), "(no account %s)", uid);
	if ((r = json_load_file(path, 0, NULL)) == NULL)
		return "(no report)";
	json_array_foreach(json_object_get(r, "accounts"), i, a) {
		json_t *f;

		if (strcmp(field(a, "uid"), uid) != 0)
			continue;
		buf[0] = '\0';
		json_array_foreach(json_object_get(a, "flags"), j, f)
			snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%s%s",
			    j > 0 ? " " : "", json_string_value(f));
	}
	json_decref(r);
	return buf;
}

static int
setup(void **state)
{
	(void)state;
	unsetenv("LD_PRELOAD"); /* the fixtures' shells must not take pam_wrapper's slots */
	if (it_sh("fx_active 1 0 && fx_active 1 1") != 0 ||
	    it_sh("sed -i 's/window = 1;/window = 10;/' $GPC_CONF") != 0) {
		fprintf(stderr, "# fixtures could not be made; see fixture.log\n");
		return -1;
	}
	t0 = time(NULL);
	return 0;
}

static void
a_session_is_recorded_at_open_and_close_under_one_sid(void **state)
{
	json_t *open, *close;
	const char *sid;
	size_t i;

	(void)state;
	full_login(H, "10.1.2.3", "pts/7", "auth acct open close");
	open = it_audit_last("session_open");
	close = it_audit_last("session_close");
	assert_non_null(open);
	assert_non_null(close);
	assert_string_equal(field(open, "uid"), H);
	assert_string_equal(field(open, "unit"), UNIT);
	assert_string_equal(field(open, "region"), "150102");
	assert_string_equal(field(open, "service"), "gpc-full");
	assert_string_equal(field(open, "rhost"), "10.1.2.3");
	assert_string_equal(field(open, "tty"), "pts/7");
	assert_string_equal(field(open, "prog"), "pam_gpcgate");
	sid = field(open, "sid");
	assert_int_equal(strlen(sid), 32);
	for (i = 0; i < 32; i++)
		assert_non_null(strchr("0123456789abcdef", sid[i]));
	assert_string_equal(field(close, "sid"), sid);
	assert_string_equal(field(close, "uid"), H);
	assert_string_equal(field(close, "unit"), UNIT);
	assert_string_equal(field(close, "region"), "150102");
	assert_string_equal(field(close, "service"), "gpc-full");
	assert_string_equal(field(close, "rhost"), "10.1.2.3");
	assert_string_equal(field(close, "tty"), "pts/7");
	json_decref(open);
	json_decref(close);
}

static void
every_session_has_its_own_sid_and_a_console_has_no_remote_host(void **state)
{
	json_t *a, *b;

	(void)state;
	a = it_audit_last("session_open");
	full_login(H, NULL, "tty1", "auth acct open close");
	b = it_audit_last("session_open");
	assert_string_not_equal(field(a, "sid"), field(b, "sid"));
	assert_string_equal(field(b, "rhost"), "");
	assert_string_equal(field(b, "tty"), "tty1");
	json_decref(a);
	json_decref(b);
}

static void
the_last_login_is_written_once_per_interval(void **state)
{
	time_t first, now;

	(void)state;
	set_last_login(R, NULL);
	full_login(R, "10.1.2.4", "pts/1", "auth acct open close");
	first = last_login(R);
	now = time(NULL);
	assert_in_range(first, now - 5, now);
	/* a second login within the interval (3600 s): no write */
	sleep(2);
	full_login(R, "10.1.2.4", "pts/1", "auth acct open close");
	assert_int_equal(last_login(R), first);
	/* a stored login older than the interval is rewritten */
	set_last_login(R, "20200101000000Z");
	full_login(R, "10.1.2.4", "pts/1", "auth acct open close");
	now = time(NULL);
	assert_in_range(last_login(R), now - 5, now);
	/* and one in the future (a clock set back) too */
	set_last_login(R, "20991231000000Z");
	full_login(R, "10.1.2.4", "pts/1", "auth acct open close");
	assert_in_range(last_login(R), now - 5, time(NULL));
}

static void
with_interval_zero_every_session_writes(void **state)
{
	time_t first;

	(void)state;
	assert_int_equal(it_sh("sed -i 's/fail_delay_ms = 0;/fail_delay_ms = 0; "
	    "last_login_interval_s = 0;/' $GPC_CONF"), 0);
	full_login(R, "10.1.2.4", "pts/1", "auth acct open close");
	first = last_login(R);
	sleep(2);
	full_login(R, "10.1.2.4", "pts/1", "auth acct open close");
	assert_true(last_login(R) > first);
	assert_int_equal(it_sh("sed -i 's/ last_login_interval_s = 0;//' $GPC_CONF"), 0);
}

static void
a_session_after_an_ssh_key_is_recorded_under_the_canonical_uid(void **state)
{
	struct it_conv c;
	json_t *open;
	int res[4];

	(void)state;
	set_last_login(H, "20200101000000Z");
	memset(&c, 0, sizeof(c));
	c.rhost = "10.7.7.7";
	c.tty = "ssh";
	assert_int_equal(it_pam_seq("gpc-keyauth", "150102-02-JB01", &c, "auth acct open close",
	    res, 4), 4);
	assert_int_equal(res[2], PAM_SUCCESS);
	assert_int_equal(res[3], PAM_SUCCESS);
	open = it_audit_last("session_open");
	assert_string_equal(field(open, "uid"), H);
	assert_string_equal(field(open, "rhost"), "10.7.7.7");
	json_decref(open);
	/* read from the directory this time, and written: it was old */
	assert_in_range(last_login(H), time(NULL) - 5, time(NULL));
}

static void
a_close_in_another_process_is_recorded_without_a_sid(void **state)
{
	struct it_conv c;
	json_t *close;
	int res[3];

	(void)state;
	memset(&c, 0, sizeof(c));
	c.rhost = "10.8.8.8";
	c.tty = "pts/9";
	assert_int_equal(it_pam_seq("gpc-keyauth", H, &c, "auth acct open", res, 3), 3);
	assert_int_equal(res[2], PAM_SUCCESS);
	/* another handle (as another process would have) closes it */
	assert_int_equal(it_pam_seq("gpc-keyauth", H, &c, "close", res, 1), 1);
	assert_int_equal(res[0], PAM_SUCCESS);
	close = it_audit_last("session_close");
	assert_string_equal(field(close, "uid"), H);
	assert_string_equal(field(close, "sid"), "(none)");
	assert_string_equal(field(close, "rhost"), "10.8.8.8");
	assert_string_equal(field(close, "tty"), "pts/9");
	assert_string_equal(field(close, "service"), "gpc-keyauth");
	json_decref(close);
}

static void
a_name_that_is_no_account_is_not_recorded(void **state)
{
	struct it_conv c;
	int res[2], before = it_audit_count("session_open");

	(void)state;
	memset(&c, 0, sizeof(c));
	assert_int_equal(it_pam_seq("gpc-keyauth", "root", &c, "open close", res, 2), 2);
	assert_int_not_equal(res[0], PAM_SUCCESS);
	assert_int_equal(it_audit_count("session_open"), before);
	assert_int_equal(it_sh("! grep -q '\"uid\":\"root\"' $T/audit.log"), 0);
}

static void
the_report_reads_the_sessions_two_hosts_at_once_are_shared(void **state)
{
	struct it_conv c;
	int res[4];

	(void)state;
	/* R in two sessions at once, from two remote hosts */
	memset(&c, 0, sizeof(c));
	c.rhost = "10.20.0.1";
	c.tty = "pts/2";
	assert_int_equal(it_pam_seq("gpc-keyauth", R, &c, "auth acct open", res, 4), 3);
	c.rhost = "10.30.0.1";
	assert_int_equal(it_pam_seq("gpc-keyauth", R, &c, "auth acct open", res, 4), 3);
	/*
	 * Both still open at the end of the period: without --until it would
	 * end at the last event's whole second, before these two began.
	 */
	assert_int_equal(it_sh("env -u LD_PRELOAD \"$GPC_CTL\" -f \"$GPC_CONF\" report --format "
	    "json --until \"$(date -u -d '+1 min' +%%Y-%%m-%%dT%%H:%%M:%%SZ)\" $T/audit.log "
	    "> $T/report.json"), 0);
	assert_string_equal(flags_of(R), "shared");
	assert_string_equal(flags_of(H), "");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_session_is_recorded_at_open_and_close_under_one_sid),
		cmocka_unit_test(every_session_has_its_own_sid_and_a_console_has_no_remote_host),
		cmocka_unit_test(the_last_login_is_written_once_per_interval),
		cmocka_unit_test(with_interval_zero_every_session_writes),
		cmocka_unit_test(a_session_after_an_ssh_key_is_recorded_under_the_canonical_uid),
		cmocka_unit_test(a_close_in_another_process_is_recorded_without_a_sid),
		cmocka_unit_test(a_name_that_is_no_account_is_not_recorded),
		cmocka_unit_test(the_report_reads_the_sessions_two_hosts_at_once_are_shared),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
