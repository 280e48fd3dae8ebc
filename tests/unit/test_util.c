/*
 * Unit tests for lib/util.c: RFC 3339 and GeneralizedTime parsing and
 * formatting, the proleptic Gregorian calendar, UTF-8 validation (RFC 3629),
 * secret files (mode and symlinks refused) and atomic writes (no temporary
 * left behind, mode applied).
 *
 * Expected instants were computed independently (Python's calendar.timegm),
 * not with the functions under test.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "err.h"
#include "util.h"

/* 2026-11-07T01:30:00Z */
#define T_2026 ((time_t)1794015000)

static char tmpdir[64];

/* ---- helpers ------------------------------------------------------------ */

static time_t
rfc3339_ok(const char *s)
{
	time_t t = (time_t)-12345;

	if (gpc_time_parse_rfc3339(s, &t) != GPC_OK)
		fail_msg("\"%s\" refused", s);
	return t;
}

static void
rfc3339_refused(const char *s)
{
	time_t t = (time_t)-12345;

	if (gpc_time_parse_rfc3339(s, &t) != GPC_ERR_FORMAT)
		fail_msg("\"%s\" accepted as %lld", s != NULL ? s : "(null)", (long long)t);
}

static time_t
generalized_ok(const char *s)
{
	time_t t = (time_t)-12345;

	if (gpc_time_parse_generalized(s, &t) != GPC_OK)
		fail_msg("\"%s\" refused", s);
	return t;
}

static void
generalized_refused(const char *s)
{
	time_t t = (time_t)-12345;

	if (gpc_time_parse_generalized(s, &t) != GPC_ERR_FORMAT)
		fail_msg("\"%s\" accepted as %lld", s != NULL ? s : "(null)", (long long)t);
}

static char *
in_tmp(const char *name)
{
	char *p = NULL;

	assert_true(gpc_asprintf(&p, "%s/%s", tmpdir, name) > 0);
	return p;
}

static char *
write_file(const char *name, const char *data, mode_t mode)
{
	char *path = in_tmp(name);
	int fd;

	(void)unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, strlen(data)), (ssize_t)strlen(data));
	assert_int_equal(fchmod(fd, mode), 0);
	assert_int_equal(close(fd), 0);
	return path;
}

/* How many entries of the test directory start with prefix. */
static int
count_entries(const char *prefix)
{
	DIR *d = opendir(tmpdir);
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL)
		if (strncmp(e->d_name, prefix, strlen(prefix)) == 0)
			n++;
	closedir(d);
	return n;
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int
group_setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/gpc-util.XXXXXX");
	return mkdtemp(tmpdir) != NULL ? 0 : -1;
}

static int
group_teardown(void **state)
{
	(void)state;
	return nftw(tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* ---- RFC 3339 ----------------------------------------------------------- */

static void
rfc3339_offsets_and_z_name_the_same_instant(void **state)
{
	(void)state;
	assert_int_equal(rfc3339_ok("1970-01-01T00:00:00Z"), 0);
	assert_int_equal(rfc3339_ok("2026-11-07T01:30:00Z"), T_2026);
	assert_int_equal(rfc3339_ok("2026-11-07T09:30:00+08:00"), T_2026);
	assert_int_equal(rfc3339_ok("2026-11-06T20:00:00-05:30"), T_2026);
	assert_int_equal(rfc3339_ok("2026-11-07T01:30:00+00:00"), T_2026);
	assert_int_equal(rfc3339_ok("2026-11-07T01:30:00-00:00"), T_2026);
	/* RFC 3339 §5.6 NOTE: "T" and "Z" may be lower case */
	assert_int_equal(rfc3339_ok("2026-11-07t01:30:00z"), T_2026);
	/* an offset that crosses a day, a month and a year */
	assert_int_equal(rfc3339_ok("2027-01-01T07:59:59+08:00"), (time_t)1798761599);
	assert_int_equal(rfc3339_ok("2026-12-31T23:59:59Z"), (time_t)1798761599);
	assert_int_equal(rfc3339_ok("2026-11-07T01:30:00+23:59"), T_2026 - 23 * 3600 - 59 * 60);
	/* before the epoch */
	assert_int_equal(rfc3339_ok("1969-12-31T23:59:59Z"), -1);
	assert_int_equal(rfc3339_ok("1900-01-01T00:00:00Z"), (time_t)-2208988800LL);
}

static void
rfc3339_fractions_are_allowed_and_ignored(void **state)
{
	(void)state;
	assert_int_equal(rfc3339_ok("2026-11-07T01:30:00.0Z"), T_2026);
	assert_int_equal(rfc3339_ok("2026-11-07T01:30:00.999999999Z"), T_2026);
	assert_int_equal(rfc3339_ok("2026-11-07T09:30:00.5+08:00"), T_2026);
	rfc3339_refused("2026-11-07T01:30:00.Z");
	rfc3339_refused("2026-11-07T01:30:00.+08:00");
	rfc3339_refused("2026-11-07T01:30:00,5Z");
	rfc3339_refused("2026-11-07T01:30:00.5.5Z");
}

static void
rfc3339_leap_day_and_leap_second(void **state)
{
	(void)state;
	assert_int_equal(rfc3339_ok("2024-02-29T23:59:59Z"), (time_t)1709251199);
	assert_int_equal(rfc3339_ok("2000-02-29T00:00:00Z"), (time_t)951782400);
	rfc3339_refused("2023-02-29T00:00:00Z");
	rfc3339_refused("1900-02-29T00:00:00Z");
	rfc3339_refused("2100-02-29T00:00:00Z");
	/* :60 is a leap second; it is read as :59 of the same minute */
	assert_int_equal(rfc3339_ok("2016-12-31T23:59:60Z"), (time_t)1483228799);
	rfc3339_refused("2016-12-31T23:59:61Z");
}

static void
rfc3339_invalid_dates_and_times_are_refused(void **state)
{
	static const char *const bad[] = {
		"2026-04-31T00:00:00Z", "2026-13-01T00:00:00Z", "2026-00-01T00:00:00Z",
		"2026-01-00T00:00:00Z", "2026-01-32T00:00:00Z", "0000-01-01T00:00:00Z",
		"2026-11-07T24:00:00Z", "2026-11-07T23:60:00Z", "2026-11-07T9:30:00Z",
		"2026-11-7T09:30:00Z", "26-11-07T09:30:00Z", "2026/11/07T09:30:00Z",
		"2026-11-07 09:30:00Z", "2026-11-07_09:30:00Z", "2026-11-07T09:30Z",
		"2026-11-07T09:30:00", "2026-11-07T09:30:00+08", "2026-11-07T09:30:00+0800",
		"2026-11-07T09:30:00+8:00", "2026-11-07T09:30:00+08:0", "2026-11-07T09:30:00+24:00",
		"2026-11-07T09:30:00+08:60", "2026-11-07T09:30:00 +08:00", "2026-11-07T09:30:00Z ",
		"2026-11-07T09:30:00ZZ", "2026-11-07T09:30:00+08:00Z", "2026-11-07T09:30:00UTC",
		" 2026-11-07T09:30:00Z", "2026-11-07", "", "+2026-11-07T09:30:00Z",
		"2026-11-07T-9:30:00Z", "2026-11-07T09:30:00\n", "２０２６-11-07T09:30:00Z",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		rfc3339_refused(bad[i]);
	rfc3339_refused(NULL);
}

static void
rfc3339_formatting_round_trips(void **state)
{
	char out[21];
	time_t t;

	(void)state;
	gpc_time_rfc3339(T_2026, out);
	assert_string_equal(out, "2026-11-07T01:30:00Z");
	gpc_time_rfc3339(0, out);
	assert_string_equal(out, "1970-01-01T00:00:00Z");
	for (t = 946684800; t < 4102444800; t += 86400 * 37 + 3607) {
		gpc_time_rfc3339(t, out);
		assert_int_equal(rfc3339_ok(out), t);
	}
}

/* ---- GeneralizedTime ---------------------------------------------------- */

static void
generalized_time_with_z_and_offsets(void **state)
{
	(void)state;
	assert_int_equal(generalized_ok("20261107013000Z"), T_2026);
	assert_int_equal(generalized_ok("20261107093000+0800"), T_2026);
	assert_int_equal(generalized_ok("20261106200000-0530"), T_2026);
	assert_int_equal(generalized_ok("20261107013000+0000"), T_2026);
	assert_int_equal(generalized_ok("20261107013000.123Z"), T_2026);
	assert_int_equal(generalized_ok("20261107093000,5+0800"), T_2026);
	/* 24:00 of a deadline day in Shanghai is 16:00Z the same day */
	assert_int_equal(generalized_ok("20261231235959+0800"), (time_t)1798732799);
	assert_int_equal(generalized_ok("19700101000000Z"), 0);
	assert_int_equal(generalized_ok("20240229120000Z"), (time_t)1709208000);
}

static void
generalized_time_refuses_what_is_not_one(void **state)
{
	static const char *const bad[] = {
		"20261107013000", "2026110701300Z", "202611070130Z", "20261307013000Z",
		"20260229013000Z", "20261107243000Z", "20261107016000Z", "20261107013061Z",
		"20261107093000+08:00", "20261107093000+08", "20261107093000+2400",
		"20261107093000+0860", "20261107093000 +0800", "20261107013000Zx",
		"20261107013000z", "2026-11-07T01:30:00Z", "", "x0261107013000Z",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		generalized_refused(bad[i]);
	generalized_refused(NULL);
}

static void
generalized_local_keeps_the_wall_clock_and_its_offset(void **state)
{
	char out[20];

	(void)state;
	gpc_time_generalized_local(T_2026, 8 * 3600, out);
	assert_string_equal(out, "20261107093000+0800");
	gpc_time_generalized_local(T_2026, -(5 * 3600 + 30 * 60), out);
	assert_string_equal(out, "20261106200000-0530");
	gpc_time_generalized_local(T_2026, 0, out);
	assert_string_equal(out, "20261107013000+0000");
	gpc_time_generalized_local(T_2026, 5 * 3600 + 45 * 60, out);
	assert_string_equal(out, "20261107071500+0545");
	/* 16:00Z on the 31st is 24:00 in Shanghai: the next day's 00:00 */
	gpc_time_generalized_local((time_t)1798732800, 8 * 3600, out);
	assert_string_equal(out, "20270101000000+0800");
}

static void
generalized_formats_round_trip_through_the_parser(void **state)
{
	static const long offsets[] = { 0, 8 * 3600, -5 * 3600 - 1800, 14 * 3600, -12 * 3600 };
	char out[20], z[16];
	time_t t;
	size_t i;

	(void)state;
	gpc_time_generalized(T_2026, z);
	assert_string_equal(z, "20261107013000Z");
	for (t = 946684800; t < 4102444800; t += 86400 * 41 + 1234) {
		gpc_time_generalized(t, z);
		assert_int_equal(generalized_ok(z), t);
		for (i = 0; i < sizeof(offsets) / sizeof(offsets[0]); i++) {
			gpc_time_generalized_local(t, offsets[i], out);
			assert_int_equal(generalized_ok(out), t);
		}
	}
}

/* ---- the calendar ------------------------------------------------------- */

static void
days_from_civil_counts_from_the_epoch(void **state)
{
	(void)state;
	assert_int_equal(gpc_days_from_civil(1970, 1, 1), 0);
	assert_int_equal(gpc_days_from_civil(1970, 1, 2), 1);
	assert_int_equal(gpc_days_from_civil(1969, 12, 31), -1);
	assert_int_equal(gpc_days_from_civil(2000, 3, 1), 11017);
	assert_int_equal(gpc_days_from_civil(2024, 2, 29), 19782);
	assert_int_equal(gpc_days_from_civil(2026, 11, 7), 20764);
	assert_int_equal(gpc_days_from_civil(1600, 3, 1), -135080);
	assert_int_equal(gpc_days_from_civil(1, 1, 1), -719162);
	assert_int_equal(gpc_days_from_civil(9999, 12, 31), 2932896);
	assert_int_equal(gpc_days_from_civil(2038, 1, 19) * 86400 + 3 * 3600 + 14 * 60 + 8,
	    (int64_t)2147483648LL);
}

static void
days_from_civil_is_continuous(void **state)
{
	int64_t prev = gpc_days_from_civil(1899, 12, 31);
	int y, m, d;

	(void)state;
	for (y = 1900; y <= 2400; y++)
		for (m = 1; m <= 12; m++)
			for (d = 1; d <= 31; d++) {
				if (!gpc_date_valid(y, m, d))
					continue;
				if (gpc_days_from_civil(y, m, d) != prev + 1)
					fail_msg("%04d-%02d-%02d does not follow the day before", y,
					    m, d);
				prev++;
			}
}

static void
date_valid_knows_the_gregorian_calendar(void **state)
{
	(void)state;
	assert_true(gpc_date_valid(2024, 2, 29));
	assert_true(gpc_date_valid(2000, 2, 29));
	assert_false(gpc_date_valid(1900, 2, 29));
	assert_false(gpc_date_valid(2100, 2, 29));
	assert_false(gpc_date_valid(2023, 2, 29));
	assert_true(gpc_date_valid(2023, 2, 28));
	assert_false(gpc_date_valid(2026, 4, 31));
	assert_true(gpc_date_valid(2026, 4, 30));
	assert_true(gpc_date_valid(2026, 12, 31));
	assert_false(gpc_date_valid(2026, 12, 32));
	assert_false(gpc_date_valid(2026, 13, 1));
	assert_false(gpc_date_valid(2026, 0, 1));
	assert_false(gpc_date_valid(2026, 1, 0));
	assert_false(gpc_date_valid(2026, -1, 1));
	assert_false(gpc_date_valid(0, 1, 1));
	assert_true(gpc_date_valid(1, 1, 1));
	assert_true(gpc_date_valid(9999, 12, 31));
	assert_false(gpc_date_valid(10000, 1, 1));
}

static void
date_parse_accepts_yyyy_mm_dd_only(void **state)
{
	int y = 0, m = 0, d = 0;

	(void)state;
	assert_int_equal(gpc_date_parse("2026-12-31", &y, &m, &d), GPC_OK);
	assert_int_equal(y, 2026);
	assert_int_equal(m, 12);
	assert_int_equal(d, 31);
	assert_int_equal(gpc_date_parse("2028-02-29", &y, &m, &d), GPC_OK);
	assert_int_equal(gpc_date_parse("2026-02-29", &y, &m, &d), GPC_ERR_FORMAT);
	assert_int_equal(gpc_date_parse("2026-12-1", &y, &m, &d), GPC_ERR_FORMAT);
	assert_int_equal(gpc_date_parse("2026/12/31", &y, &m, &d), GPC_ERR_FORMAT);
	assert_int_equal(gpc_date_parse("20261231", &y, &m, &d), GPC_ERR_FORMAT);
	assert_int_equal(gpc_date_parse("2026-12-31 ", &y, &m, &d), GPC_ERR_FORMAT);
	assert_int_equal(gpc_date_parse("+026-12-31", &y, &m, &d), GPC_ERR_FORMAT);
	assert_int_equal(gpc_date_parse("", &y, &m, &d), GPC_ERR_FORMAT);
	assert_int_equal(gpc_date_parse(NULL, &y, &m, &d), GPC_ERR_FORMAT);
}

/* ---- UTF-8 -------------------------------------------------------------- */

#define UTF8(s) gpc_utf8_valid((s), sizeof(s) - 1)

static void
utf8_valid_accepts_well_formed_text(void **state)
{
	(void)state;
	assert_true(UTF8("plain ascii"));
	assert_true(UTF8("m\xc3\xbcller"));                 /* müller */
	assert_true(UTF8("\xe5\xbc\xa0\xe4\xb8\x89"));       /* 张三 */
	assert_true(UTF8("\xf0\x9d\x84\x9e"));               /* U+1D11E */
	assert_true(UTF8("\xc2\x80"));                       /* U+0080, the first 2-byte */
	assert_true(UTF8("\xdf\xbf"));                       /* U+07FF */
	assert_true(UTF8("\xe0\xa0\x80"));                   /* U+0800, the first 3-byte */
	assert_true(UTF8("\xed\x9f\xbf"));                   /* U+D7FF, before surrogates */
	assert_true(UTF8("\xee\x80\x80"));                   /* U+E000, after them */
	assert_true(UTF8("\xef\xbf\xbf"));                   /* U+FFFF */
	assert_true(UTF8("\xf0\x90\x80\x80"));               /* U+10000 */
	assert_true(UTF8("\xf4\x8f\xbf\xbf"));               /* U+10FFFF, the last */
	assert_true(UTF8("\x01\x1f\x7f\t\n"));               /* controls are allowed */
	assert_true(gpc_utf8_valid("", 0));
	assert_true(gpc_utf8_valid("\xff", 0));              /* nothing to read */
}

static void
utf8_valid_refuses_overlongs(void **state)
{
	(void)state;
	assert_false(UTF8("\xc0\x80"));             /* NUL, two bytes */
	assert_false(UTF8("\xc0\xaf"));             /* '/', two bytes */
	assert_false(UTF8("\xc1\xbf"));
	assert_false(UTF8("\xe0\x80\xaf"));         /* '/', three bytes */
	assert_false(UTF8("\xe0\x9f\xbf"));         /* U+07FF, three bytes */
	assert_false(UTF8("\xf0\x80\x80\xaf"));     /* '/', four bytes */
	assert_false(UTF8("\xf0\x8f\xbf\xbf"));     /* U+FFFF, four bytes */
	assert_false(UTF8("\xf8\x88\x80\x80\x80")); /* five bytes */
	assert_false(UTF8("\xfc\x84\x80\x80\x80\x80"));
}

static void
utf8_valid_refuses_surrogates_and_beyond_u10ffff(void **state)
{
	(void)state;
	assert_false(UTF8("\xed\xa0\x80"));     /* U+D800 */
	assert_false(UTF8("\xed\xad\xbf"));     /* U+DB7F */
	assert_false(UTF8("\xed\xb0\x80"));     /* U+DC00 */
	assert_false(UTF8("\xed\xbf\xbf"));     /* U+DFFF */
	assert_false(UTF8("\xed\xa0\xbd\xed\xb8\x80")); /* a CESU-8 pair */
	assert_false(UTF8("\xf4\x90\x80\x80")); /* U+110000 */
	assert_false(UTF8("\xf5\x80\x80\x80"));
	assert_false(UTF8("\xf7\xbf\xbf\xbf"));
	assert_false(UTF8("\xfe"));
	assert_false(UTF8("\xff"));
}

static void
utf8_valid_refuses_truncated_and_stray_bytes(void **state)
{
	(void)state;
	assert_false(UTF8("\xc3"));
	assert_false(UTF8("m\xc3"));
	assert_false(UTF8("\xe5\xbc"));
	assert_false(UTF8("\xf0\x9d\x84"));
	assert_false(UTF8("\x80"));                 /* a lone continuation byte */
	assert_false(UTF8("a\xbf" "b"));
	assert_false(UTF8("\xc3" "a"));             /* a lead byte without continuation */
	assert_false(UTF8("\xe5\xbc" "a"));
	assert_false(UTF8("\xf0\x9d" "ab"));
	/* len is the bound: a sequence cut by it is truncated */
	assert_false(gpc_utf8_valid("\xe5\xbc\xa0", 2));
	assert_true(gpc_utf8_valid("\xe5\xbc\xa0", 3));
}

static void
utf8_valid_refuses_nul_anywhere(void **state)
{
	(void)state;
	assert_false(UTF8("\0"));
	assert_false(UTF8("ab\0cd"));
	assert_false(UTF8("\xe5\xbc\xa0\0"));
	assert_true(gpc_utf8_valid("ab\0cd", 2));
}

/* ---- secret files ------------------------------------------------------- */

static void
secret_file_0600_is_read_and_newline_stripped(void **state)
{
	char *path = write_file("s-ok", "s3cret\r\n", 0600);
	unsigned char *buf = NULL;
	size_t len = 99;

	(void)state;
	assert_int_equal(gpc_read_secret_file(path, 64, 1, &buf, &len), GPC_OK);
	assert_int_equal(len, 6);
	assert_string_equal((char *)buf, "s3cret");
	gpc_freezero(buf, len);

	assert_int_equal(gpc_read_secret_file(path, 64, 0, &buf, &len), GPC_OK);
	assert_int_equal(len, 8);
	assert_memory_equal(buf, "s3cret\r\n", 8);
	assert_int_equal(buf[8], '\0');
	gpc_freezero(buf, len);

	assert_int_equal(chmod(path, 0400), 0);
	assert_int_equal(gpc_read_secret_file(path, 64, 1, &buf, &len), GPC_OK);
	gpc_freezero(buf, len);
	free(path);
}

static void
secret_file_readable_by_others_is_refused(void **state)
{
	static const mode_t bad[] = { 0644, 0640, 0604, 0660, 0606, 0610, 0601, 0666 };
	char *path = write_file("s-mode", "s3cret\n", 0600), why[128], want[128];
	unsigned char *buf = (unsigned char *)1;
	size_t len = 99, i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(chmod(path, bad[i]), 0);
		if (gpc_read_secret_file(path, 64, 1, &buf, &len) != GPC_ERR_PERM)
			fail_msg("mode %04o not refused", (unsigned)bad[i]);
		assert_null(buf);
		assert_int_equal(len, 0);
		/* the reason names the mode and the rule */
		assert_int_equal(gpc_read_secret_file_why(path, 64, 1, &buf, &len, why,
		    sizeof(why)), GPC_ERR_PERM);
		snprintf(want, sizeof(want), "mode %04o, must not be readable or writable by "
		    "group or others (chmod 600)", (unsigned)bad[i]);
		assert_string_equal(why, want);
	}
	free(path);
}

static void
secret_file_behind_a_symlink_is_refused(void **state)
{
	char *target = write_file("s-target", "s3cret\n", 0600), *link = in_tmp("s-link");
	char why[128];
	unsigned char *buf = (unsigned char *)1;
	size_t len = 99;

	(void)state;
	(void)unlink(link);
	assert_int_equal(symlink(target, link), 0);
	assert_int_not_equal(gpc_read_secret_file(link, 64, 1, &buf, &len), GPC_OK);
	assert_null(buf);
	assert_int_equal(len, 0);
	assert_int_equal(gpc_read_secret_file_why(link, 64, 1, &buf, &len, why, sizeof(why)),
	    GPC_ERR_IO);
	assert_string_equal(why, "a symbolic link: secret files are not followed");
	/* the same through a symlink to the symlink */
	free(target);
	target = in_tmp("s-link2");
	(void)unlink(target);
	assert_int_equal(symlink(link, target), 0);
	assert_int_not_equal(gpc_read_secret_file(target, 64, 1, &buf, &len), GPC_OK);
	assert_null(buf);
	free(target);
	free(link);
}

static void
secret_file_that_is_not_regular_or_missing_or_too_long_is_refused(void **state)
{
	char *path = write_file("s-long", "0123456789abcdef", 0600), *missing = in_tmp("s-none");
	char why[128];
	unsigned char *buf = (unsigned char *)1;
	size_t len = 99;

	(void)state;
	assert_int_equal(gpc_read_secret_file(path, 15, 0, &buf, &len), GPC_ERR_INVAL);
	assert_null(buf);
	assert_int_equal(gpc_read_secret_file(path, 16, 0, &buf, &len), GPC_OK);
	assert_int_equal(len, 16);
	gpc_freezero(buf, len);
	assert_int_equal(gpc_read_secret_file(missing, 64, 0, &buf, &len), GPC_ERR_IO);
	assert_null(buf);
	assert_int_equal(chmod(tmpdir, 0700), 0);
	assert_int_equal(gpc_read_secret_file(tmpdir, 64, 0, &buf, &len), GPC_ERR_PERM);
	assert_null(buf);
	/* each says why: errno's words, or the rule */
	assert_int_equal(gpc_read_secret_file_why(missing, 64, 0, &buf, &len, why, sizeof(why)),
	    GPC_ERR_IO);
	assert_string_equal(why, strerror(ENOENT));
	assert_int_equal(gpc_read_secret_file_why(tmpdir, 64, 0, &buf, &len, why, sizeof(why)),
	    GPC_ERR_PERM);
	assert_string_equal(why, "not a regular file");
	assert_int_equal(gpc_read_secret_file_why(path, 15, 0, &buf, &len, why, sizeof(why)),
	    GPC_ERR_INVAL);
	assert_string_equal(why, "longer than 15 bytes");
	free(path);
	free(missing);
}

static void
secret_file_owned_by_another_user_is_refused(void **state)
{
	char *path = write_file("s-owner", "s3cret\n", 0600), why[128];
	unsigned char *buf = (unsigned char *)1;
	size_t len = 99;

	(void)state;
	if (geteuid() != 0) {
		free(path);
		skip(); /* only root can give a file away */
	}
	assert_int_equal(chown(path, 65534, 65534), 0);
	assert_int_equal(gpc_read_secret_file(path, 64, 1, &buf, &len), GPC_ERR_PERM);
	assert_null(buf);
	assert_int_equal(gpc_read_secret_file_why(path, 64, 1, &buf, &len, why, sizeof(why)),
	    GPC_ERR_PERM);
	assert_string_equal(why, "owned by uid 65534, must be owned by root or you (uid 0)");
	free(path);
}

/* ---- atomic writes ------------------------------------------------------ */

static void
atomic_write_applies_the_mode_and_leaves_no_temporary(void **state)
{
	char *path = in_tmp("w-one");
	char *buf = NULL;
	size_t len = 0;
	struct stat st;
	mode_t old = umask(0);

	(void)state;
	assert_int_equal(gpc_write_file_atomic(path, "hello\n", 6, 0600), GPC_OK);
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(gpc_read_file(path, 64, &buf, &len), GPC_OK);
	assert_int_equal(len, 6);
	assert_string_equal(buf, "hello\n");
	free(buf);
	assert_int_equal(count_entries("w-one.tmp"), 0);

	/* the mode is applied whatever the umask */
	umask(077);
	assert_int_equal(gpc_write_file_atomic(path, "again", 5, 0644), GPC_OK);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);
	umask(old);
	assert_int_equal(gpc_read_file(path, 64, &buf, &len), GPC_OK);
	assert_string_equal(buf, "again"); /* replaced, not appended */
	free(buf);
	assert_int_equal(count_entries("w-one"), 1);
	free(path);
}

static void
atomic_write_replaces_a_symlink_instead_of_following_it(void **state)
{
	char *victim = write_file("w-victim", "untouched", 0600), *path = in_tmp("w-link");
	char *buf = NULL;
	size_t len = 0;
	struct stat st;

	(void)state;
	(void)unlink(path);
	assert_int_equal(symlink(victim, path), 0);
	assert_int_equal(gpc_write_file_atomic(path, "new", 3, 0600), GPC_OK);
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(gpc_read_file(victim, 64, &buf, &len), GPC_OK);
	assert_string_equal(buf, "untouched");
	free(buf);
	free(victim);
	free(path);
}

static void
atomic_write_never_uses_a_planted_temporary_name(void **state)
{
	char *victim = write_file("w-victim2", "untouched", 0600), *path = in_tmp("w-two");
	char *tmp = NULL, *buf = NULL;
	size_t len = 0;

	(void)state;
	/* a symlink where a predictable temporary name would be */
	assert_true(gpc_asprintf(&tmp, "%s.tmp.%ld", path, (long)getpid()) > 0);
	assert_int_equal(symlink(victim, tmp), 0);
	assert_int_equal(gpc_write_file_atomic(path, "evil", 4, 0600), GPC_OK);
	assert_int_equal(gpc_read_file(victim, 64, &buf, &len), GPC_OK);
	assert_string_equal(buf, "untouched");
	free(buf);
	assert_int_equal(gpc_read_file(path, 64, &buf, &len), GPC_OK);
	assert_string_equal(buf, "evil");
	free(buf);
	/* the file and the planted link, no temporary left */
	assert_int_equal(count_entries("w-two"), 2);
	(void)unlink(tmp);
	free(tmp);
	free(victim);
	free(path);
}

static void
atomic_write_into_a_missing_directory_fails_cleanly(void **state)
{
	char *path = in_tmp("no-such-dir/file");

	(void)state;
	assert_int_equal(gpc_write_file_atomic(path, "x", 1, 0600), GPC_ERR_IO);
	assert_int_equal(count_entries("no-such-dir"), 0);
	free(path);
}

static void
atomic_write_of_nothing_makes_an_empty_file(void **state)
{
	char *path = in_tmp("w-empty");
	struct stat st;

	(void)state;
	assert_int_equal(gpc_write_file_atomic(path, "", 0, 0640), GPC_OK);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	assert_int_equal(count_entries("w-empty.tmp"), 0);
	free(path);
}

/* ---- small helpers ------------------------------------------------------ */

static void
hex_and_strv_helpers(void **state)
{
	static const unsigned char in[] = { 0x00, 0x0f, 0xa5, 0xff };
	char out[9];
	char **v = calloc(3, sizeof(char *));

	(void)state;
	gpc_hex(in, sizeof(in), out);
	assert_string_equal(out, "000fa5ff");
	gpc_hex(in, 0, out);
	assert_string_equal(out, "");
	assert_non_null(v);
	v[0] = strdup("a");
	v[1] = strdup("b");
	gpc_strv_free(v);
	gpc_strv_free(NULL);
	gpc_freezero(NULL, 10);
	gpc_freezero_str(NULL);
	gpc_freezero_str(strdup("secret"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rfc3339_offsets_and_z_name_the_same_instant),
		cmocka_unit_test(rfc3339_fractions_are_allowed_and_ignored),
		cmocka_unit_test(rfc3339_leap_day_and_leap_second),
		cmocka_unit_test(rfc3339_invalid_dates_and_times_are_refused),
		cmocka_unit_test(rfc3339_formatting_round_trips),
		cmocka_unit_test(generalized_time_with_z_and_offsets),
		cmocka_unit_test(generalized_time_refuses_what_is_not_one),
		cmocka_unit_test(generalized_local_keeps_the_wall_clock_and_its_offset),
		cmocka_unit_test(generalized_formats_round_trip_through_the_parser),
		cmocka_unit_test(days_from_civil_counts_from_the_epoch),
		cmocka_unit_test(days_from_civil_is_continuous),
		cmocka_unit_test(date_valid_knows_the_gregorian_calendar),
		cmocka_unit_test(date_parse_accepts_yyyy_mm_dd_only),
		cmocka_unit_test(utf8_valid_accepts_well_formed_text),
		cmocka_unit_test(utf8_valid_refuses_overlongs),
		cmocka_unit_test(utf8_valid_refuses_surrogates_and_beyond_u10ffff),
		cmocka_unit_test(utf8_valid_refuses_truncated_and_stray_bytes),
		cmocka_unit_test(utf8_valid_refuses_nul_anywhere),
		cmocka_unit_test(secret_file_0600_is_read_and_newline_stripped),
		cmocka_unit_test(secret_file_readable_by_others_is_refused),
		cmocka_unit_test(secret_file_behind_a_symlink_is_refused),
		cmocka_unit_test(secret_file_that_is_not_regular_or_missing_or_too_long_is_refused),
		cmocka_unit_test(secret_file_owned_by_another_user_is_refused),
		cmocka_unit_test(atomic_write_applies_the_mode_and_leaves_no_temporary),
		cmocka_unit_test(atomic_write_replaces_a_symlink_instead_of_following_it),
		cmocka_unit_test(atomic_write_never_uses_a_planted_temporary_name),
		cmocka_unit_test(atomic_write_into_a_missing_directory_fails_cleanly),
		cmocka_unit_test(atomic_write_of_nothing_makes_an_empty_file),
		cmocka_unit_test(hex_and_strv_helpers),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
