/*
 * Rectification deadlines and tombstones, with the engine's clock injected:
 * a suspension's deadline ends at 24:00 of its date in Asia/Shanghai; then
 * on_deadline=terminate terminates (caused by the suspension), notify writes
 * one deadline_passed notice; a tombstone is deleted when its retention ends.
 * Each happens once, however often the sweep runs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cfg.h"
#include "dir.h"
#include "engine.h"
#include "err.h"
#include "itest.h"
#include "util.h"

#define TERM_UID "150104-04-jb01"   /* unit 3, bureau 150100 */
#define NOTIFY_UID "150105-05-jb01" /* unit 4, bureau 150100 */
#define UNIT6 "12150122900475140R"  /* unit 6 (region 150122), suspended as a whole */

static struct gpc_cfg *cfg;
static time_t fake_now;

static time_t
clock_fn(void *ctx)
{
	(void)ctx;
	return fake_now;
}

/* 24:00 of 2099-12-31 in Asia/Shanghai = 2099-12-31T16:00:00Z */
static time_t
deadline_instant(void)
{
	return (time_t)(gpc_days_from_civil(2099, 12, 31) * 86400 + 16 * 3600);
}

static struct gpc_engine *
engine(time_t now)
{
	struct gpc_engine *e = NULL;

	assert_int_equal(gpc_engine_new(cfg, NULL, &e), GPC_OK);
	fake_now = now;
	gpc_engine_set_clock(e, clock_fn, NULL);
	return e;
}

static char *
state_of(const char *uid)
{
	struct gpc_engine *e = engine(time(NULL));
	struct gpc_account *a = NULL;
	char *s;

	if (gpc_dir_find_account(gpc_engine_dir(e), uid, &a) != GPC_OK) {
		gpc_engine_free(e);
		return strdup("absent");
	}
	s = strdup(a->state);
	gpc_account_free(a);
	gpc_engine_free(e);
	return s;
}

static int
count_notices(const char *suffix)
{
	char path[1024];
	struct dirent *de;
	DIR *d;
	int n = 0;

	snprintf(path, sizeof(path), "%s/outbox", it_env("GPC_TESTDIR"));
	if ((d = opendir(path)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		if (strstr(de->d_name, suffix) != NULL)
			n++;
	closedir(d);
	return n;
}

static int
setup(void **state)
{
	char err[512];

	(void)state;
	if (gpc_cfg_load(it_env("GPC_CONF"), &cfg, err, sizeof(err)) != GPC_OK) {
		fprintf(stderr, "# %s\n", err);
		return -1;
	}
	setenv("TZ", cfg->time_zone, 1);
	tzset();
	if (it_sh("fx_active 3 0 && fx_active 4 0 && fx_active 6 0 && fx_active 6 1") != 0)
		return -1;
	if (it_sh("fx_doc decision suspend 150100 --id S-TERM --unit 111501049002375725 "
	    "--account %s --reason holder_mismatch --deadline 2099-12-31 --on-deadline terminate "
	    "> $T/s1.json && fx_process $T/s1.json 150100 && [ $(fx_outcome S-TERM) = applied ]",
	    TERM_UID) != 0)
		return -1;
	/* a later decision on the suspended account: the deadline's cause stays S-TERM */
	if (it_sh("fx_doc change 3 --id CHG-TERM --uid %s --mobile 13912340000 > $T/c1.json && "
	    "fx_process $T/c1.json && fx_doc decision approve 150100 --id CHG-TERM-OK "
	    "--app CHG-TERM > $T/c1ok.json && fx_process $T/c1ok.json 150100 && "
	    "[ $(fx_outcome CHG-TERM-OK) = applied ]", TERM_UID) != 0)
		return -1;
	if (it_sh("fx_doc decision suspend 150100 --id S-NOTE --unit 111501059003167640 "
	    "--account %s --reason info_incomplete --deadline 2099-12-31 --on-deadline notify "
	    "> $T/s2.json && fx_process $T/s2.json 150100 && [ $(fx_outcome S-NOTE) = applied ]",
	    NOTIFY_UID) != 0)
		return -1;
	if (it_sh("fx_doc decision suspend 150100 --id S-UNIT --unit %s --reason unit_info "
	    "--deadline 2099-12-31 --on-deadline terminate > $T/s3.json && "
	    "fx_process $T/s3.json 150100 && [ $(fx_outcome S-UNIT) = applied ]", UNIT6) != 0)
		return -1;
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	gpc_cfg_free(cfg);
	return 0;
}

static void
nothing_happens_one_second_before_the_deadline(void **state)
{
	struct gpc_engine *e = engine(deadline_instant() - 1);
	size_t done = 99;
	char *s;

	(void)state;
	assert_int_equal(gpc_engine_sweep(e, &done), GPC_OK);
	assert_int_equal(done, 0);
	gpc_engine_free(e);
	s = state_of(TERM_UID);
	assert_string_equal(s, "suspended");
	free(s);
	assert_int_equal(count_notices(".deadline.json"), 0);
}

static void
at_the_deadline_terminate_and_notify_happen_once(void **state)
{
	struct gpc_engine *e = engine(deadline_instant());
	struct gpc_account *a = NULL;
	size_t done = 0;
	int n_audit;
	char *s;

	(void)state;
	assert_int_equal(gpc_engine_sweep(e, &done), GPC_OK);
	/* the account, the notice, the unit */
	assert_int_equal(done, 3);
	s = state_of(TERM_UID);
	assert_string_equal(s, "terminated");
	free(s);
	s = state_of(NOTIFY_UID);
	assert_string_equal(s, "suspended");
	free(s);
	assert_int_equal(count_notices(".deadline.json"), 1);
	/* addressed to the bureau of the unit's region (150105: the city bureau) */
	assert_int_equal(it_sh("grep -q '\"bureau\": \"150100\"' $T/outbox/*.deadline.json"), 0);

	/* the tombstone keeps the blind index and the masked ID, nothing else personal */
	assert_int_equal(gpc_dir_find_account(gpc_engine_dir(e), TERM_UID, &a), GPC_OK);
	assert_non_null(a->holder_index);
	assert_non_null(a->holder_masked);
	assert_null(a->holder_sealed);
	assert_null(a->seed_sealed);
	assert_null(a->name);
	assert_null(a->mobile);
	assert_string_equal(a->state_reason, "deadline_passed");
	gpc_account_free(a);

	/*
	 * again, and a day later: nothing more — the notified suspension is
	 * found by every sweep, but neither its result (the same file, not
	 * written again) nor its audit line comes again
	 */
	n_audit = it_audit_count("deadline");
	assert_int_equal(it_sh("ls -i $T/spool/results/deadline-*.json > $T/ino.before"), 0);
	assert_int_equal(gpc_engine_sweep(e, &done), GPC_OK);
	assert_int_equal(done, 0);
	gpc_engine_set_clock(e, clock_fn, NULL);
	fake_now = deadline_instant() + 86400;
	assert_int_equal(gpc_engine_sweep(e, &done), GPC_OK);
	assert_int_equal(done, 0);
	assert_int_equal(count_notices(".deadline.json"), 1);
	assert_int_equal(it_audit_count("deadline"), n_audit);
	assert_int_equal(it_sh("ls -i $T/spool/results/deadline-*.json | cmp -s - $T/ino.before"),
	    0);
	gpc_engine_free(e);
}

static void
the_termination_is_recorded_as_caused_by_the_suspension(void **state)
{
	(void)state;
	/* the record's result names the suspension; the audit has a deadline event */
	assert_int_equal(it_sh("grep -l '\"cause\": \"S-TERM\"' $T/spool/results/deadline-*.json"),
	    0);
	assert_int_equal(it_sh("grep '\"event\":\"deadline\"' $T/audit.log | "
	    "grep -q '\"cause\":\"S-TERM\"'"), 0);
}

static void
a_suspended_unit_is_terminated_with_all_its_accounts(void **state)
{
	char *s1 = state_of("150122-07-jb01"), *s2 = state_of("150122-07-sh01");

	(void)state;
	assert_string_equal(s1, "terminated");
	assert_string_equal(s2, "terminated");
	free(s1);
	free(s2);
}

static void
a_tombstone_is_deleted_when_its_retention_ends(void **state)
{
	time_t purge = deadline_instant() + (time_t)cfg->retention_days * 86400;
	struct gpc_engine *e = engine(purge - 1);
	size_t done = 0;
	char *s;

	(void)state;
	assert_int_equal(gpc_engine_sweep(e, &done), GPC_OK);
	assert_int_equal(done, 0);
	fake_now = purge;
	assert_int_equal(gpc_engine_sweep(e, &done), GPC_OK);
	/* the terminated account, the unit's two accounts, then the unit */
	assert_int_equal(done, 4);
	gpc_engine_free(e);
	s = state_of(TERM_UID);
	assert_string_equal(s, "absent");
	free(s);
	s = state_of(NOTIFY_UID);
	assert_string_equal(s, "suspended");
	free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(nothing_happens_one_second_before_the_deadline),
		cmocka_unit_test(at_the_deadline_terminate_and_notify_happen_once),
		cmocka_unit_test(the_termination_is_recorded_as_caused_by_the_suspension),
		cmocka_unit_test(a_suspended_unit_is_terminated_with_all_its_accounts),
		cmocka_unit_test(a_tombstone_is_deleted_when_its_retention_ends),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
