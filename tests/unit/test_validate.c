/*
 * Unit tests for lib/validate.c: every number in tests/data/fixtures.json
 * (valid ones pass, the "invalid" ones are refused), then the edges of
 * GB 11643-1999, GB 32100-2015, the phone formats and the masks.
 *
 * The fixtures are read from $GPC_TESTDATA/fixtures.json, or from
 * tests/data/fixtures.json relative to the working directory (the repository
 * root under `make check`).  Check characters of constructed numbers are
 * computed by the helpers below, written from the standards independently of
 * the code under test, and cross-checked against the standards' own examples.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <jansson.h>

#include "err.h"
#include "util.h"
#include "validate.h"

/* Unix seconds at a wall-clock time in Asia/Shanghai (UTC+8). */
static time_t
shanghai(int y, int m, int d, int h, int mi, int s)
{
	int64_t t = gpc_days_from_civil(y, m, d) * 86400 + h * 3600 + mi * 60 + s;

	return (time_t)(t - 8 * 3600);
}

/* The fixed "now" of these tests: 2026-11-29 12:00 in Shanghai. */
#define NOW shanghai(2026, 11, 29, 12, 0, 0)

/* GB 11643-1999: MOD 11-2 residue of the first 17 digits. */
static int
id_residue(const char *body)
{
	static const int w[17] = { 7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2 };
	int i, sum = 0;

	for (i = 0; i < 17; i++)
		sum += (body[i] - '0') * w[i];
	return sum % 11;
}

/* The check character for each residue 0..10, as tabulated in GB 11643-1999. */
static const char id_check_for_residue[11] = {
	'1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'
};

/* An 18-character identity number from its parts, with the right check character. */
static void
make_id(char out[19], const char *addr6, const char *date8, const char *seq3)
{
	snprintf(out, 19, "%.6s%.8s%.3s?", addr6, date8, seq3);
	out[17] = id_check_for_residue[id_residue(out)];
}

static const char uscc_alpha[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";

/* GB 32100-2015: the check value 0..30 of the first 17 characters. */
static int
uscc_check_value(const char *body)
{
	static const int w[17] = {
		1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28
	};
	int i, sum = 0, c;

	for (i = 0; i < 17; i++)
		sum += (int)(strchr(uscc_alpha, body[i]) - uscc_alpha) * w[i];
	c = 31 - sum % 31;
	return c == 31 ? 0 : c;
}

/* An 18-character code from its first 17, with the right check character. */
static void
make_uscc(char out[19], const char *body17)
{
	snprintf(out, 19, "%.17s?", body17);
	out[17] = uscc_alpha[uscc_check_value(out)];
}

/* --- fixtures ----------------------------------------------------------- */

static int
load_fixtures(void **state)
{
	const char *dir = getenv("GPC_TESTDATA");
	char path[4096];
	json_error_t err;
	json_t *root;
	int n;

	if (dir == NULL || *dir == '\0')
		dir = "tests/data";
	n = snprintf(path, sizeof(path), "%s/fixtures.json", dir);
	if (n < 0 || (size_t)n >= sizeof(path)) {
		print_error("fixture path too long\n");
		return -1;
	}
	if ((root = json_load_file(path, 0, &err)) == NULL) {
		print_error("%s:%d: %s\n", path, err.line, err.text);
		return -1;
	}
	*state = root;
	return 0;
}

static int
free_fixtures(void **state)
{
	json_decref(*state);
	*state = NULL;
	return 0;
}

static const char *
str_member(const json_t *obj, const char *key)
{
	const char *v = json_string_value(json_object_get(obj, key));

	if (v == NULL)
		fail_msg("fixture member \"%s\" missing or not a string", key);
	return v;
}

static const json_t *
array_member(const json_t *obj, const char *key)
{
	const json_t *a = json_object_get(obj, key);

	if (!json_is_array(a) || json_array_size(a) == 0)
		fail_msg("fixture member \"%s\" missing or not a non-empty array", key);
	return a;
}

/* Count a valid fixture that was refused, saying why; the test fails at the end. */
static void
check_valid(int r, const char *what, const char *value, const char *why, size_t *bad)
{
	if (r == GPC_OK)
		return;
	print_error("%s %s refused: %s\n", what, value, why != NULL ? why : "(no reason)");
	(*bad)++;
}

static void
fixture_holder_id_numbers_and_mobiles_valid(void **state)
{
	const json_t *root = *state, *unit, *acct, *holder;
	const char *why, *v;
	size_t i, j, bad = 0, n = 0;

	json_array_foreach(array_member(root, "units"), i, unit) {
		json_array_foreach(array_member(unit, "accounts"), j, acct) {
			holder = json_object_get(acct, "holder");
			v = str_member(holder, "id_number");
			check_valid(gpc_valid_id_number(v, NOW, &why), "id_number", v, why,
			    &bad);
			v = str_member(holder, "mobile");
			check_valid(gpc_valid_mobile(v, &why), "mobile", v, why, &bad);
			n++;
		}
	}
	json_array_foreach(array_member(root, "spare_holders"), i, holder) {
		v = str_member(holder, "id_number");
		check_valid(gpc_valid_id_number(v, NOW, &why), "id_number", v, why, &bad);
		v = str_member(holder, "mobile");
		check_valid(gpc_valid_mobile(v, &why), "mobile", v, why, &bad);
		n++;
	}
	assert_int_equal(bad, 0);
	assert_true(n >= 26);
}

static void
fixture_unit_codes_regions_and_phones_valid(void **state)
{
	const json_t *root = *state, *unit;
	const char *why, *v;
	size_t i, bad = 0, n = 0;

	json_array_foreach(array_member(root, "units"), i, unit) {
		v = str_member(unit, "code");
		check_valid(gpc_valid_uscc(v, &why), "uscc", v, why, &bad);
		v = str_member(unit, "region");
		check_valid(gpc_valid_region(v, &why), "region", v, why, &bad);
		v = str_member(json_object_get(unit, "contact"), "phone");
		check_valid(gpc_valid_phone(v, &why), "phone", v, why, &bad);
		n++;
	}
	assert_int_equal(bad, 0);
	assert_true(n >= 10);
}

/* Every entry of invalid.<kind> is refused; each reason is printed. */
static void
check_invalid_list(const json_t *root, const char *kind)
{
	const json_t *e;
	const char *v, *why;
	size_t i, bad = 0;
	int r;

	json_array_foreach(array_member(json_object_get(root, "invalid"), kind), i, e) {
		v = str_member(e, "value");
		why = NULL;
		if (strcmp(kind, "id_number") == 0)
			r = gpc_valid_id_number(v, NOW, &why);
		else if (strcmp(kind, "uscc") == 0)
			r = gpc_valid_uscc(v, &why);
		else
			r = gpc_valid_mobile(v, &why);
		if (r == GPC_OK) {
			print_error("invalid %s %s accepted (fixture: %s)\n", kind, v,
			    str_member(e, "why"));
			bad++;
			continue;
		}
		assert_int_equal(r, GPC_ERR_FORMAT);
		assert_non_null(why);
		print_message("refused %s %s: %s (fixture: %s)\n", kind, v, why,
		    str_member(e, "why"));
	}
	assert_int_equal(bad, 0);
}

static void
fixture_invalid_id_numbers_refused(void **state)
{
	check_invalid_list(*state, "id_number");
}

static void
fixture_invalid_usccs_refused(void **state)
{
	check_invalid_list(*state, "uscc");
}

static void
fixture_invalid_mobiles_refused(void **state)
{
	check_invalid_list(*state, "mobile");
}

/* --- identity numbers --------------------------------------------------- */

static void
assert_id_refused(const char *s, time_t now, const char *expect)
{
	const char *why = NULL;

	assert_int_equal(gpc_valid_id_number(s, now, &why), GPC_ERR_FORMAT);
	assert_non_null(why);
	assert_string_equal(why, expect);
}

static void
assert_id_valid(const char *s, time_t now)
{
	const char *why = "unset";
	int r = gpc_valid_id_number(s, now, &why);

	if (r != GPC_OK)
		fail_msg("%s refused: %s", s, why);
	assert_null(why);
}

static void
id_test_helper_agrees_with_the_standards_examples(void **state)
{
	(void)state;
	/* GB 11643-1999's worked examples. */
	assert_int_equal(id_check_for_residue[id_residue("11010519491231002X")], 'X');
	assert_int_equal(id_check_for_residue[id_residue("440524188001010014")], '4');
	assert_id_valid("11010519491231002X", NOW);
}

static void
id_leap_day_2000_valid_1900_no_such_date(void **state)
{
	char id[19];

	(void)state;
	make_id(id, "150102", "20000229", "001");
	assert_id_valid(id, NOW);
	/* 1900 is divisible by 100 but not by 400: no February 29. */
	make_id(id, "150102", "19000229", "001");
	assert_id_refused(id, NOW, "no such date");
	make_id(id, "150102", "19000228", "001");
	assert_id_valid(id, NOW);
}

static void
id_impossible_dates_refused(void **state)
{
	static const char *dates[] = {
		"19800230", "19800431", "19801301", "19800001", "19800100", "20230229",
		"00000101"
	};
	char id[19];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(dates) / sizeof(dates[0]); i++) {
		make_id(id, "150102", dates[i], "001");
		assert_id_refused(id, NOW, "no such date");
	}
}

static void
id_birth_year_before_1900_refused(void **state)
{
	char id[19];

	(void)state;
	/* The standard's own 1880 example is a correct number, but no holder's. */
	assert_id_refused("440524188001010014", NOW, "birth year before 1900");
	make_id(id, "150102", "18991231", "001");
	assert_id_refused(id, NOW, "birth year before 1900");
	make_id(id, "150102", "19000101", "001");
	assert_id_valid(id, NOW);
}

static void
id_birth_tomorrow_refused_today_accepted(void **state)
{
	char id[19];

	(void)state;
	make_id(id, "150102", "20261130", "001");
	assert_id_refused(id, NOW, "birth date in the future");
	make_id(id, "150102", "20261129", "001");
	assert_id_valid(id, NOW);
	make_id(id, "150102", "30000101", "001");
	assert_id_refused(id, NOW, "birth date in the future");
}

static void
id_birth_date_compared_with_shanghai_date(void **state)
{
	char id[19];

	(void)state;
	make_id(id, "150102", "20261129", "001");
	/* 00:30 on the 29th in Shanghai is still the 28th in UTC: born today. */
	assert_id_valid(id, shanghai(2026, 11, 29, 0, 30, 0));
	/* 23:59:59 on the 28th in Shanghai: the 29th is tomorrow. */
	assert_id_refused(id, shanghai(2026, 11, 28, 23, 59, 59), "birth date in the future");
	assert_id_valid(id, shanghai(2026, 11, 29, 0, 0, 0));
}

static void
id_1980_birth_valid_against_the_real_clock(void **state)
{
	char id[19];

	(void)state;
	make_id(id, "110105", "19800615", "123");
	assert_id_valid(id, time(NULL));
}

static void
id_15_digit_legacy_number_refused(void **state)
{
	(void)state;
	assert_id_refused("150102800101001", NOW, "15-digit legacy number: 18 required");
	assert_id_refused("11010580010100X", NOW, "must be 18 characters");
}

static void
id_wrong_lengths_refused(void **state)
{
	(void)state;
	assert_id_refused("", NOW, "must be 18 characters");
	assert_id_refused("15010219800101001", NOW, "must be 18 characters");
	assert_id_refused("1501021980010100140", NOW, "must be 18 characters");
	assert_id_refused("150102198001010014 ", NOW, "must be 18 characters");
	assert_id_refused(" 150102198001010014", NOW, "must be 18 characters");
}

static void
id_x_check_character_accepted(void **state)
{
	char id[19];
	int seq;

	(void)state;
	assert_id_valid("15012319850416915X", NOW);
	for (seq = 0; seq < 1000; seq++) {
		char s[12]; /* fits any int (-Wformat-truncation at -O1) */

		snprintf(s, sizeof(s), "%03d", seq);
		make_id(id, "330106", "19991231", s);
		if (id[17] == 'X')
			break;
	}
	assert_int_equal(id[17], 'X');
	assert_id_valid(id, NOW);
}

static void
id_lowercase_x_refused_with_its_own_phrase(void **state)
{
	char id[19];

	(void)state;
	make_id(id, "150123", "19850416", "915");
	assert_int_equal(id[17], 'X');
	assert_id_valid(id, NOW);
	id[17] = 'x';
	assert_id_refused(id, NOW, "lowercase x: write X");
}

static void
id_x_before_the_last_position_refused(void **state)
{
	(void)state;
	assert_id_refused("1501021980010100X4", NOW, "X allowed only as the check character");
	assert_id_refused("1501021980010100x4", NOW, "X allowed only as the check character");
	assert_id_refused("15010219800101001A", NOW, "check character must be a digit or X");
	assert_id_refused("15010219800101-014", NOW, "first 17 characters must be digits");
	/* A fullwidth digit one (U+FF11) is not an ASCII digit. */
	assert_id_refused("\xef\xbc\x91" "501021980010100", NOW,
	    "first 17 characters must be digits");
}

static void
id_each_residue_has_its_check_character(void **state)
{
	static const char all[] = "0123456789X";
	char id[19], seq[12]; /* fits any int (-Wformat-truncation at -O1) */
	int residue, n, k;

	(void)state;
	for (residue = 0; residue < 11; residue++) {
		/* Find a sequence number giving this residue; 11 consecutive ones cover all. */
		for (n = 0; n < 1000; n++) {
			snprintf(seq, sizeof(seq), "%03d", n);
			make_id(id, "150102", "19800101", seq);
			if (id_residue(id) == residue)
				break;
		}
		assert_true(n < 1000);
		assert_int_equal(id[17], id_check_for_residue[residue]);
		assert_id_valid(id, NOW);
		for (k = 0; all[k] != '\0'; k++) {
			if (all[k] == id_check_for_residue[residue])
				continue;
			id[17] = all[k];
			assert_id_refused(id, NOW, "check character wrong");
		}
	}
}

static void
id_province_codes_are_gbt2260_plus_83(void **state)
{
	static const int known[] = {
		11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37,
		41, 42, 43, 44, 45, 46, 50, 51, 52, 53, 54, 61, 62, 63, 64, 65,
		71, 81, 82, 83
	};
	char id[19], addr[16]; /* fits any int (-Wformat-truncation at -O1) */
	size_t i;
	int p, expect;

	(void)state;
	for (p = 0; p < 100; p++) {
		expect = 0;
		for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
			if (known[i] == p)
				expect = 1;
		snprintf(addr, sizeof(addr), "%02d0000", p);
		make_id(id, addr, "19800101", "001");
		if (expect)
			assert_id_valid(id, NOW);
		else
			assert_id_refused(id, NOW, "province code unknown");
	}
}

static void
id_null_refused(void **state)
{
	(void)state;
	assert_id_refused(NULL, NOW, "no value");
	assert_int_equal(gpc_valid_id_number(NULL, NOW, NULL), GPC_ERR_FORMAT);
}

/* --- unified social credit codes ---------------------------------------- */

static void
assert_uscc_refused(const char *s, const char *expect)
{
	const char *why = NULL;

	assert_int_equal(gpc_valid_uscc(s, &why), GPC_ERR_FORMAT);
	assert_non_null(why);
	assert_string_equal(why, expect);
}

static void
assert_uscc_valid(const char *s)
{
	const char *why = "unset";

	if (gpc_valid_uscc(s, &why) != GPC_OK)
		fail_msg("%s refused: %s", s, why);
	assert_null(why);
}

static void
uscc_named_fixture_codes_valid(void **state)
{
	(void)state;
	assert_uscc_valid("111501009000000065");
	assert_uscc_valid("12150102900079199E");
	assert_uscc_valid("1215012190039595XG");
	assert_int_equal(uscc_alpha[uscc_check_value("1215012190039595XG")], 'G');
}

static void
uscc_each_excluded_letter_refused(void **state)
{
	static const char excluded[] = "IOSVZiosvz";
	char code[19];
	size_t i;

	(void)state;
	for (i = 0; excluded[i] != '\0'; i++) {
		/* as the check character */
		snprintf(code, sizeof(code), "12150102900079199%c", excluded[i]);
		assert_uscc_refused(code, "letter I, O, S, V or Z not allowed");
		/* inside the organisation code */
		snprintf(code, sizeof(code), "1215010290%c079199E", excluded[i]);
		assert_uscc_refused(code, "letter I, O, S, V or Z not allowed");
	}
}

static void
uscc_lowercase_letter_refused(void **state)
{
	(void)state;
	assert_uscc_refused("12150102900079199e", "lowercase letter: write capitals");
	assert_uscc_refused("1215012190039595xG", "lowercase letter: write capitals");
	assert_uscc_refused("12150102900079199-", "character outside 0-9 and A-Y");
}

static void
uscc_category_pairs_follow_annex_a(void **state)
{
	/* GB 32100-2015 Annex A with its amendments (A, N). */
	static const char *const allowed[] = {
		"11", "12", "13", "19", "21", "29", "31", "32", "33", "34", "35", "39",
		"41", "49", "51", "52", "53", "59", "61", "62", "69", "71", "72", "79",
		"81", "89", "91", "92", "93", "A1", "A9", "N1", "N2", "N3", "N9", "Y1"
	};
	char body[18], code[19];
	const char *why;
	size_t a, c, i, accepted = 0;
	int expect, r;

	(void)state;
	for (a = 0; uscc_alpha[a] != '\0'; a++) {
		for (c = 0; uscc_alpha[c] != '\0'; c++) {
			snprintf(body, sizeof(body), "%c%c150102900079199", uscc_alpha[a],
			    uscc_alpha[c]);
			make_uscc(code, body);
			expect = 0;
			for (i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
				if (allowed[i][0] == uscc_alpha[a] &&
				    allowed[i][1] == uscc_alpha[c])
					expect = 1;
			why = NULL;
			r = gpc_valid_uscc(code, &why);
			if (expect && r != GPC_OK)
				fail_msg("%s refused: %s", code, why);
			if (!expect && r == GPC_OK)
				fail_msg("%s accepted", code);
			accepted += r == GPC_OK;
		}
	}
	assert_int_equal(accepted, sizeof(allowed) / sizeof(allowed[0]));
	make_uscc(code, "99150102900079199");
	assert_uscc_refused(code, "organisation category not allowed for this authority");
	make_uscc(code, "B1150102900079199");
	assert_uscc_refused(code, "registration authority code unknown");
	make_uscc(code, "01150102900079199");
	assert_uscc_refused(code, "registration authority code unknown");
}

static void
uscc_each_check_value_has_its_character(void **state)
{
	char body[24], code[19]; /* fits any int (-Wformat-truncation at -O1) */
	int want, n, seen = 0;

	(void)state;
	for (want = 0; want < 31; want++) {
		for (n = 0; n < 100000; n++) {
			snprintf(body, sizeof(body), "91150102MA%05dQ1", n);
			if (uscc_check_value(body) == want)
				break;
		}
		assert_true(n < 100000);
		make_uscc(code, body);
		assert_int_equal(code[17], uscc_alpha[want]);
		assert_uscc_valid(code);
		code[17] = uscc_alpha[(want + 1) % 31];
		assert_uscc_refused(code, "check character wrong");
		seen++;
	}
	/* A check value of 31 is written 0: covered by want == 0 above. */
	assert_int_equal(seen, 31);
}

static void
uscc_region_must_be_digits(void **state)
{
	char code[19];

	(void)state;
	make_uscc(code, "1115010A900000006");
	assert_uscc_refused(code, "region code (positions 3-8) must be digits");
	/* Central-level registrations carry 100000. */
	make_uscc(code, "11100000000013127");
	assert_uscc_valid(code);
}

static void
uscc_wrong_length_and_null_refused(void **state)
{
	(void)state;
	assert_uscc_refused("11150100000000019", "must be 18 characters");
	assert_uscc_refused("1115010090000000650", "must be 18 characters");
	assert_uscc_refused("", "must be 18 characters");
	assert_uscc_refused(NULL, "no value");
	assert_int_equal(gpc_valid_uscc(NULL, NULL), GPC_ERR_FORMAT);
}

/* --- mobiles, phones, regions ------------------------------------------- */

static void
mobile_second_digit_must_be_3_to_9(void **state)
{
	char m[22]; /* fits any int (-Wformat-truncation at -O1) */
	const char *why;
	int d;

	(void)state;
	for (d = 0; d <= 9; d++) {
		snprintf(m, sizeof(m), "1%d800000001", d);
		why = "unset";
		if (d >= 3) {
			assert_int_equal(gpc_valid_mobile(m, &why), GPC_OK);
			assert_null(why);
		} else {
			assert_int_equal(gpc_valid_mobile(m, &why), GPC_ERR_FORMAT);
			assert_string_equal(why, "second digit must be 3-9");
		}
	}
}

static void
mobile_with_separators_or_prefix_refused(void **state)
{
	static const char *bad[] = {
		"+8613800000001", "8613800000001", "138 0000 0001", "138-0000-0001",
		"1380000000", "138000000012", "23800000001", "", "13800000001\n", NULL
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(gpc_valid_mobile(bad[i], NULL), GPC_ERR_FORMAT);
	assert_int_equal(gpc_valid_mobile("13800000001", NULL), GPC_OK);
}

static void
phone_accepts_mobiles_and_landlines_with_area_code(void **state)
{
	static const char *good[] = {
		"0471-6000000", "010-62345678", "021-2345678", "0755-88888888",
		"0471-6000000-1", "010-62345678-123456", "13800000001", "19912345678"
	};
	const char *why;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		why = "unset";
		if (gpc_valid_phone(good[i], &why) != GPC_OK)
			fail_msg("%s refused: %s", good[i], why);
		assert_null(why);
	}
}

static void
phone_malformed_landlines_refused(void **state)
{
	static const struct {
		const char *s, *why;
	} bad[] = {
		{ "04716000000", "dash after the area code required" },
		{ "0471 6000000", "dash after the area code required" },
		{ "0-6000000", "area code must be 0 and 2-3 more digits" },
		{ "00471-6000000", "area code must be 0 and 2-3 more digits" },
		{ "001-6000000", "area code must be 0 and 2-3 more digits" },
		{ "0471-600000", "local number must be 7-8 digits" },
		{ "0471-600000000", "local number must be 7-8 digits" },
		{ "0471-1000000", "local number must start with 2-9" },
		{ "0471-0000000", "local number must start with 2-9" },
		/* Local numbers starting 1 are service numbers (12345...), not a line. */
		{ "010-12345678", "local number must start with 2-9" },
		{ "0471-6000000-", "extension must be 1-6 digits" },
		{ "0471-6000000-1234567", "extension must be 1-6 digits" },
		{ "0471-6000000-12a", "extension must be 1-6 digits" },
		{ "0471-6000000 ", "only a dash and an extension may follow the local number" },
		{ "0471-6000000转801",
		    "only a dash and an extension may follow the local number" },
		{ "(0471)6000000", "must be a mobile number or a landline with area code" },
		{ "+86-471-6000000", "must be a mobile number or a landline with area code" },
		{ "12800000000", "second digit must be 3-9" },
		{ "", "must be a mobile number or a landline with area code" },
		{ NULL, "no value" },
	};
	const char *why;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why = NULL;
		if (gpc_valid_phone(bad[i].s, &why) != GPC_ERR_FORMAT)
			fail_msg("%s accepted", bad[i].s);
		assert_non_null(why);
		if (strcmp(why, bad[i].why) != 0)
			fail_msg("%s: \"%s\", expected \"%s\"", bad[i].s, why, bad[i].why);
	}
}

static void
region_province_codes_are_gbt2260_without_83(void **state)
{
	const char *why;
	char region[16]; /* fits any int (-Wformat-truncation at -O1) */
	int p, expect;

	(void)state;
	for (p = 0; p < 100; p++) {
		snprintf(region, sizeof(region), "%02d0102", p);
		expect = (p >= 11 && p <= 15) || (p >= 21 && p <= 23) || (p >= 31 && p <= 37) ||
		    (p >= 41 && p <= 46) || (p >= 50 && p <= 54) || (p >= 61 && p <= 65) ||
		    p == 71 || p == 81 || p == 82;
		why = NULL;
		if (expect) {
			assert_int_equal(gpc_valid_region(region, &why), GPC_OK);
			assert_null(why);
		} else {
			assert_int_equal(gpc_valid_region(region, &why), GPC_ERR_FORMAT);
			assert_string_equal(why, "province code unknown");
		}
	}
}

static void
region_must_be_six_digits(void **state)
{
	static const char *bad[] = { "15010", "1501021", "15010a", "15 102", "", NULL };
	const char *why;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why = NULL;
		assert_int_equal(gpc_valid_region(bad[i], &why), GPC_ERR_FORMAT);
		assert_non_null(why);
	}
	assert_int_equal(gpc_valid_region("150102", NULL), GPC_OK);
}

/* --- masks -------------------------------------------------------------- */

static void
mask_id_keeps_first_6_and_last_4(void **state)
{
	char out[19];

	(void)state;
	gpc_mask_id("150102197302029013", out);
	assert_string_equal(out, "150102********9013");
	gpc_mask_id("15012319850416915X", out);
	assert_string_equal(out, "150123********915X");
}

static void
mask_id_of_wrong_length_is_all_stars(void **state)
{
	char out[19];

	(void)state;
	gpc_mask_id("150102800101001", out);
	assert_string_equal(out, "******");
	gpc_mask_id("1501021973020290130", out);
	assert_string_equal(out, "******");
	gpc_mask_id("", out);
	assert_string_equal(out, "******");
	gpc_mask_id(NULL, out);
	assert_string_equal(out, "******");
}

static void
mask_mobile_keeps_first_3_and_last_4(void **state)
{
	char out[12];

	(void)state;
	gpc_mask_mobile("13800000001", out);
	assert_string_equal(out, "138****0001");
	gpc_mask_mobile("1380000000", out);
	assert_string_equal(out, "****");
	gpc_mask_mobile("138000000012", out);
	assert_string_equal(out, "****");
	gpc_mask_mobile(NULL, out);
	assert_string_equal(out, "****");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(fixture_holder_id_numbers_and_mobiles_valid,
		    load_fixtures, free_fixtures),
		cmocka_unit_test_setup_teardown(fixture_unit_codes_regions_and_phones_valid,
		    load_fixtures, free_fixtures),
		cmocka_unit_test_setup_teardown(fixture_invalid_id_numbers_refused,
		    load_fixtures, free_fixtures),
		cmocka_unit_test_setup_teardown(fixture_invalid_usccs_refused,
		    load_fixtures, free_fixtures),
		cmocka_unit_test_setup_teardown(fixture_invalid_mobiles_refused,
		    load_fixtures, free_fixtures),
		cmocka_unit_test(id_test_helper_agrees_with_the_standards_examples),
		cmocka_unit_test(id_leap_day_2000_valid_1900_no_such_date),
		cmocka_unit_test(id_impossible_dates_refused),
		cmocka_unit_test(id_birth_year_before_1900_refused),
		cmocka_unit_test(id_birth_tomorrow_refused_today_accepted),
		cmocka_unit_test(id_birth_date_compared_with_shanghai_date),
		cmocka_unit_test(id_1980_birth_valid_against_the_real_clock),
		cmocka_unit_test(id_15_digit_legacy_number_refused),
		cmocka_unit_test(id_wrong_lengths_refused),
		cmocka_unit_test(id_x_check_character_accepted),
		cmocka_unit_test(id_lowercase_x_refused_with_its_own_phrase),
		cmocka_unit_test(id_x_before_the_last_position_refused),
		cmocka_unit_test(id_each_residue_has_its_check_character),
		cmocka_unit_test(id_province_codes_are_gbt2260_plus_83),
		cmocka_unit_test(id_null_refused),
		cmocka_unit_test(uscc_named_fixture_codes_valid),
		cmocka_unit_test(uscc_each_excluded_letter_refused),
		cmocka_unit_test(uscc_lowercase_letter_refused),
		cmocka_unit_test(uscc_category_pairs_follow_annex_a),
		cmocka_unit_test(uscc_each_check_value_has_its_character),
		cmocka_unit_test(uscc_region_must_be_digits),
		cmocka_unit_test(uscc_wrong_length_and_null_refused),
		cmocka_unit_test(mobile_second_digit_must_be_3_to_9),
		cmocka_unit_test(mobile_with_separators_or_prefix_refused),
		cmocka_unit_test(phone_accepts_mobiles_and_landlines_with_area_code),
		cmocka_unit_test(phone_malformed_landlines_refused),
		cmocka_unit_test(region_province_codes_are_gbt2260_without_83),
		cmocka_unit_test(region_must_be_six_digits),
		cmocka_unit_test(mask_id_keeps_first_6_and_last_4),
		cmocka_unit_test(mask_id_of_wrong_length_is_all_stars),
		cmocka_unit_test(mask_mobile_keeps_first_3_and_last_4),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
