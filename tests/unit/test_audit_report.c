/*
 * The report's flags at their edges (lib/report.h): a burst of exactly N
 * failed codes within M minutes and not one fewer or slower; an unclosed
 * session lasting at most 24 hours; a close without session id; no
 * dormancy for a suspended unit; the handover window; the period; lines
 * that are not events; CSV quoting of hostile values.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "report.h"

static char path[64];
static FILE *out;

/* Start a file of events. */
static void
begin(void)
{
	int fd;

	snprintf(path, sizeof(path), "/tmp/gpc-report.XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	out = fdopen(fd, "w");
	assert_non_null(out);
}

/* One event line: ts "2026-11-28THH:MM:SS.000Z" at hh:mm:ss, then the fields. */
static void
ev(const char *hms, const char *event, const char *fields)
{
	fprintf(out, "{\"ts\":\"2026-11-28T%s.000Z\",\"event\":\"%s\",\"host\":\"h1\"%s%s}\n",
	    hms, event, *fields ? "," : "", fields);
}

/* Run the report over the file; the flags of uid as "a,b" ("" if listed without flags, "none" if not listed). */
static void
flags_of(const struct gpc_report_params *p, const char *uid, char *flags, size_t len)
{
	struct gpc_report *r = NULL;
	json_t *m = NULL, *a, *f;
	size_t i, j;

	fclose(out);
	assert_int_equal(gpc_report_new(p, &r), GPC_OK);
	assert_int_equal(gpc_report_read(r, path, NULL, NULL), GPC_OK);
	assert_int_equal(gpc_report_result(r, &m), GPC_OK);
	snprintf(flags, len, "none");
	json_array_foreach(json_object_get(m, "accounts"), i, a) {
		if (strcmp(json_string_value(json_object_get(a, "uid")), uid) != 0)
			continue;
		flags[0] = '\0';
		json_array_foreach(json_object_get(a, "flags"), j, f)
			snprintf(flags + strlen(flags), len - strlen(flags), "%s%s", j ? "," : "",
			    json_string_value(f));
	}
	json_decref(m);
	gpc_report_free(r);
	unlink(path);
}

static const char *
code_fail(char *buf, size_t len, const char *uid)
{
	snprintf(buf, len, "\"uid\":\"%s\",\"unit\":\"U1\",\"outcome\":\"failure\","
	    "\"reason\":\"wrong_code\",\"rhost\":\"10.0.0.1\"", uid);
	return buf;
}

static void
a_burst_is_n_failed_codes_within_m_minutes_and_not_fewer_or_slower(void **state)
{
	struct gpc_report_params p;
	char f[256], flags[64];

	(void)state;
	gpc_report_params_default(&p);
	p.burst_failures = 3;
	p.burst_minutes = 10;
	/* three within exactly ten minutes */
	begin();
	ev("10:00:00", "login", code_fail(f, sizeof(f), "a"));
	ev("10:05:00", "login", code_fail(f, sizeof(f), "a"));
	ev("10:10:00", "login", code_fail(f, sizeof(f), "a"));
	flags_of(&p, "a", flags, sizeof(flags));
	assert_string_equal(flags, "burst");
	/* three over ten minutes and one second */
	begin();
	ev("10:00:00", "login", code_fail(f, sizeof(f), "a"));
	ev("10:05:00", "login", code_fail(f, sizeof(f), "a"));
	ev("10:10:01", "login", code_fail(f, sizeof(f), "a"));
	flags_of(&p, "a", flags, sizeof(flags));
	assert_string_equal(flags, "");
	/* two, and a wrong password (not a code) */
	begin();
	ev("10:00:00", "login", code_fail(f, sizeof(f), "a"));
	ev("10:01:00", "login", code_fail(f, sizeof(f), "a"));
	ev("10:02:00", "login", "\"uid\":\"a\",\"outcome\":\"failure\",\"reason\":\"wrong_password\"");
	flags_of(&p, "a", flags, sizeof(flags));
	assert_string_equal(flags, "");
}

static void
an_unclosed_session_counts_as_open_for_at_most_a_day(void **state)
{
	struct gpc_report_params p;
	char flags[64];

	(void)state;
	gpc_report_params_default(&p);
	begin();
	fprintf(out, "{\"ts\":\"2026-11-27T00:00:00.000Z\",\"event\":\"session_open\","
	    "\"host\":\"h1\",\"uid\":\"a\",\"rhost\":\"10.0.0.1\",\"sid\":\"s1\"}\n");
	ev("00:30:00", "session_open", "\"uid\":\"a\",\"rhost\":\"10.0.0.2\",\"sid\":\"s2\"");
	ev("00:40:00", "session_close", "\"uid\":\"a\",\"rhost\":\"10.0.0.2\",\"sid\":\"s2\"");
	flags_of(&p, "a", flags, sizeof(flags));
	assert_string_equal(flags, "");
	begin();
	fprintf(out, "{\"ts\":\"2026-11-27T01:00:00.000Z\",\"event\":\"session_open\","
	    "\"host\":\"h1\",\"uid\":\"a\",\"rhost\":\"10.0.0.1\",\"sid\":\"s1\"}\n");
	ev("00:30:00", "session_open", "\"uid\":\"a\",\"rhost\":\"10.0.0.2\",\"sid\":\"s2\"");
	ev("00:40:00", "session_close", "\"uid\":\"a\",\"rhost\":\"10.0.0.2\",\"sid\":\"s2\"");
	flags_of(&p, "a", flags, sizeof(flags));
	assert_string_equal(flags, "shared");
}

static void
a_close_without_session_id_closes_the_session_at_the_same_place(void **state)
{
	struct gpc_report_params p;
	char flags[64];

	(void)state;
	gpc_report_params_default(&p);
	begin();
	ev("09:00:00", "session_open", "\"uid\":\"a\",\"rhost\":\"10.0.0.1\",\"service\":\"sshd\","
	    "\"tty\":\"pts/1\",\"sid\":\"s1\"");
	ev("09:10:00", "session_close", "\"uid\":\"a\",\"rhost\":\"10.0.0.1\",\"service\":\"sshd\","
	    "\"tty\":\"pts/1\"");
	ev("09:20:00", "session_open", "\"uid\":\"a\",\"rhost\":\"10.0.0.9\",\"service\":\"sshd\","
	    "\"tty\":\"pts/2\",\"sid\":\"s2\"");
	ev("09:30:00", "session_close", "\"uid\":\"a\",\"rhost\":\"10.0.0.9\",\"sid\":\"s2\"");
	flags_of(&p, "a", flags, sizeof(flags));
	assert_string_equal(flags, "");
}

static void
the_same_remote_host_twice_is_not_sharing(void **state)
{
	struct gpc_report_params p;
	char flags[64];

	(void)state;
	gpc_report_params_default(&p);
	begin();
	ev("09:00:00", "session_open", "\"uid\":\"a\",\"rhost\":\"10.0.0.1\",\"sid\":\"s1\"");
	ev("09:05:00", "session_open", "\"uid\":\"a\",\"rhost\":\"10.0.0.1\",\"sid\":\"s2\"");
	ev("09:10:00", "session_close", "\"uid\":\"a\",\"sid\":\"s1\"");
	ev("09:11:00", "session_close", "\"uid\":\"a\",\"sid\":\"s2\"");
	flags_of(&p, "a", flags, sizeof(flags));
	assert_string_equal(flags, "");
}

static void
accounts_of_a_suspended_unit_are_not_dormant(void **state)
{
	struct gpc_report_params p;
	char flags[64];

	(void)state;
	gpc_report_params_default(&p);
	p.dormant_days = 1;
	begin();
	fprintf(out, "{\"ts\":\"2026-11-01T09:00:00.000Z\",\"event\":\"login\",\"host\":\"h1\","
	    "\"uid\":\"a\",\"unit\":\"U1\",\"outcome\":\"success\",\"reason\":\"ok\"}\n");
	fprintf(out, "{\"ts\":\"2026-11-01T09:00:00.000Z\",\"event\":\"login\",\"host\":\"h1\","
	    "\"uid\":\"b\",\"unit\":\"U2\",\"outcome\":\"success\",\"reason\":\"ok\"}\n");
	ev("08:00:00", "document", "\"action\":\"suspend\",\"outcome\":\"applied\","
	    "\"unit\":\"U1\"");
	ev("09:00:00", "login", "\"uid\":\"c\",\"outcome\":\"success\"");
	flags_of(&p, "a", flags, sizeof(flags));
	assert_string_equal(flags, ""); /* listed (it logged in), not dormant */
	begin();
	fprintf(out, "{\"ts\":\"2026-11-01T09:00:00.000Z\",\"event\":\"login\",\"host\":\"h1\","
	    "\"uid\":\"b\",\"unit\":\"U2\",\"outcome\":\"success\",\"reason\":\"ok\"}\n");
	ev("08:00:00", "document", "\"action\":\"suspend\",\"outcome\":\"applied\","
	    "\"unit\":\"U1\"");
	flags_of(&p, "b", flags, sizeof(flags));
	assert_string_equal(flags, "dormant");
}

static void
failures_long_after_a_handover_are_not_flagged(void **state)
{
	struct gpc_report_params p;
	char flags[64];

	(void)state;
	gpc_report_params_default(&p);
	p.handover_days = 1;
	begin();
	fprintf(out, "{\"ts\":\"2026-11-20T08:00:00.000Z\",\"event\":\"document\",\"host\":\"pv\","
	    "\"action\":\"approve\",\"application_kind\":\"handover\",\"outcome\":\"applied\","
	    "\"uid\":\"a\"}\n");
	ev("09:00:00", "login", "\"uid\":\"a\",\"outcome\":\"failure\",\"reason\":\"wrong_password\"");
	flags_of(&p, "a", flags, sizeof(flags));
	assert_string_equal(flags, "");
	/* a handover that was not applied (rejected) is no handover */
	begin();
	ev("08:00:00", "document", "\"action\":\"approve\",\"application_kind\":\"handover\","
	    "\"outcome\":\"rejected\",\"uid\":\"a\"");
	ev("09:00:00", "login", "\"uid\":\"a\",\"outcome\":\"failure\",\"reason\":\"wrong_password\"");
	flags_of(&p, "a", flags, sizeof(flags));
	assert_string_equal(flags, "");
}

static void
the_period_bounds_what_is_counted(void **state)
{
	struct gpc_report_params p;
	char f[256], flags[64];

	(void)state;
	gpc_report_params_default(&p);
	p.burst_failures = 2;
	p.since = 1795856400; /* 2026-11-28T09:00:00Z */
	begin();
	ev("08:59:00", "login", code_fail(f, sizeof(f), "a"));
	ev("09:00:30", "login", code_fail(f, sizeof(f), "a"));
	flags_of(&p, "a", flags, sizeof(flags));
	assert_string_equal(flags, "");
	p.since = 0;
	begin();
	ev("08:59:00", "login", code_fail(f, sizeof(f), "a"));
	ev("09:00:30", "login", code_fail(f, sizeof(f), "a"));
	flags_of(&p, "a", flags, sizeof(flags));
	assert_string_equal(flags, "burst");
}

static void
lines_that_are_not_events_are_skipped_and_counted(void **state)
{
	struct gpc_report_params p;
	struct gpc_report *r = NULL;
	json_t *m = NULL, *file;

	(void)state;
	gpc_report_params_default(&p);
	begin();
	fprintf(out, "not json\n[1,2]\n{\"event\":\"login\",\"ts\":\"yesterday\",\"uid\":\"a\"}\n");
	ev("09:00:00", "login", "\"uid\":\"a\",\"outcome\":\"success\"");
	fclose(out);
	assert_int_equal(gpc_report_new(&p, &r), GPC_OK);
	assert_int_equal(gpc_report_read(r, path, NULL, NULL), GPC_OK);
	assert_int_equal(gpc_report_result(r, &m), GPC_OK);
	file = json_array_get(json_object_get(m, "files"), 0);
	assert_int_equal(json_integer_value(json_object_get(file, "lines")), 4);
	assert_int_equal(json_integer_value(json_object_get(file, "skipped")), 2);
	assert_int_equal(json_integer_value(json_object_get(file, "events")), 1);
	assert_string_equal(json_string_value(json_object_get(file, "chain")), "broken");
	assert_int_equal(json_array_size(json_object_get(m, "accounts")), 1);
	json_decref(m);
	gpc_report_free(r);
	unlink(path);
	assert_int_equal(gpc_report_new(&p, &r), GPC_OK);
	assert_int_equal(gpc_report_read(r, "/nonexistent/audit.log", NULL, NULL), GPC_ERR_IO);
	gpc_report_free(r);
}

static void
csv_quotes_hostile_values(void **state)
{
	struct gpc_report_params p;
	struct gpc_report *r = NULL;
	json_t *m = NULL;
	char *text = NULL;

	(void)state;
	gpc_report_params_default(&p);
	begin();
	ev("09:00:00", "login", "\"uid\":\"x,y\\\"z\",\"unit\":\"U\\n1\",\"outcome\":\"success\"");
	fclose(out);
	assert_int_equal(gpc_report_new(&p, &r), GPC_OK);
	assert_int_equal(gpc_report_read(r, path, NULL, NULL), GPC_OK);
	assert_int_equal(gpc_report_result(r, &m), GPC_OK);
	assert_int_equal(gpc_report_format(m, GPC_REPORT_CSV, &text), GPC_OK);
	assert_non_null(strstr(text, "\n\"U\n1\",\"x,y\"\"z\",,1,0,0,1,2026-11-28T09:00:00Z,\n"));
	free(text);
	json_decref(m);
	gpc_report_free(r);
	unlink(path);
}

static void
thresholds_below_one_are_refused(void **state)
{
	struct gpc_report_params p;
	struct gpc_report *r = NULL;

	(void)state;
	gpc_report_params_default(&p);
	p.burst_minutes = 0;
	assert_int_equal(gpc_report_new(&p, &r), GPC_ERR_INVAL);
	assert_null(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_burst_is_n_failed_codes_within_m_minutes_and_not_fewer_or_slower),
		cmocka_unit_test(an_unclosed_session_counts_as_open_for_at_most_a_day),
		cmocka_unit_test(a_close_without_session_id_closes_the_session_at_the_same_place),
		cmocka_unit_test(the_same_remote_host_twice_is_not_sharing),
		cmocka_unit_test(accounts_of_a_suspended_unit_are_not_dormant),
		cmocka_unit_test(failures_long_after_a_handover_are_not_flagged),
		cmocka_unit_test(the_period_bounds_what_is_counted),
		cmocka_unit_test(lines_that_are_not_events_are_skipped_and_counted),
		cmocka_unit_test(csv_quotes_hostile_values),
		cmocka_unit_test(thresholds_below_one_are_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
