/*
 * Fuzz target: the validators and time parsers every document and directory
 * value goes through (lib/validate.h, lib/util.h).  Each input, up to its
 * first NUL, is given to all of them.  Checks the promises of the headers:
 * "why" is set exactly on failure; a mobile number is also a valid phone; a
 * valid ID number is 18 characters; masks are always terminated; a parsed
 * time (or, from an 8-byte input, any time_t) formats into a terminated
 * string, and one with a 4-digit year parses back to the same instant;
 * gpc_utf8_valid agrees with jansson's UTF-8 check.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "err.h"
#include "fuzz.h"
#include "util.h"
#include "validate.h"

#define NOW ((time_t)1795924800) /* 2026-11-29 12:00 in Shanghai */

/* 1000-01-01T00:00:00Z and 9999-12-31T23:59:59Z: 4-digit years */
#define T_4DIGITS ((time_t)-30610224000LL)
#define T_MAX ((time_t)253402300799LL)

static void
check_validator(int r, const char *why)
{
	FUZZ_CHECK(r == GPC_OK || r == GPC_ERR_FORMAT);
	FUZZ_CHECK(r == GPC_OK ? why == NULL : why != NULL && why[0] != '\0');
}

/* Format t three ways: each output terminated inside its buffer. */
static void
check_format(time_t t)
{
	char buf[21], gen[16], loc[20];

	memset(buf, 'x', sizeof(buf));
	gpc_time_rfc3339(t, buf);
	FUZZ_CHECK(memchr(buf, '\0', sizeof(buf)) != NULL);
	memset(gen, 'x', sizeof(gen));
	gpc_time_generalized(t, gen);
	FUZZ_CHECK(memchr(gen, '\0', sizeof(gen)) != NULL);
	memset(loc, 'x', sizeof(loc));
	gpc_time_generalized_local(t, 8 * 3600, loc);
	FUZZ_CHECK(memchr(loc, '\0', sizeof(loc)) != NULL);
	memset(loc, 'x', sizeof(loc));
	gpc_time_generalized_local(t, -(12 * 3600 + 30 * 60), loc);
	FUZZ_CHECK(memchr(loc, '\0', sizeof(loc)) != NULL);
}

static void
check_times(const char *s)
{
	char buf[21], gen[16];
	time_t t, back;
	int y, m, d;

	/* a parsed time formats, and one with a 4-digit year parses back to itself */
	if (gpc_time_parse_rfc3339(s, &t) == GPC_OK) {
		check_format(t);
		gpc_time_rfc3339(t, buf);
		if (t >= T_4DIGITS && t <= T_MAX)
			FUZZ_CHECK(gpc_time_parse_rfc3339(buf, &back) == GPC_OK && back == t);
	}
	if (gpc_time_parse_generalized(s, &t) == GPC_OK) {
		check_format(t);
		gpc_time_generalized(t, gen);
		if (t >= T_4DIGITS && t <= T_MAX)
			FUZZ_CHECK(gpc_time_parse_generalized(gen, &back) == GPC_OK && back == t);
	}
	if (gpc_date_parse(s, &y, &m, &d) == GPC_OK)
		FUZZ_CHECK(gpc_date_valid(y, m, d) && strlen(s) == 10);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_strndup(data, size);
	char id_mask[19], mobile_mask[12];
	const char *why;
	enum gpc_algo algo;
	json_t *j;
	int r, mobile_ok;

	check_times(s);
	if (size == sizeof(time_t)) { /* any instant at all, for the formatters */
		time_t t;

		memcpy(&t, data, sizeof(t));
		check_format(t);
	}

	why = "unset";
	r = gpc_valid_id_number(s, NOW, &why);
	check_validator(r, why);
	if (r == GPC_OK)
		FUZZ_CHECK(strlen(s) == 18);
	why = "unset";
	r = gpc_valid_uscc(s, &why);
	check_validator(r, why);
	why = "unset";
	r = gpc_valid_mobile(s, &why);
	check_validator(r, why);
	mobile_ok = r == GPC_OK;
	why = "unset";
	r = gpc_valid_phone(s, &why);
	check_validator(r, why);
	FUZZ_CHECK(!mobile_ok || r == GPC_OK);
	why = "unset";
	r = gpc_valid_region(s, &why);
	check_validator(r, why);

	memset(id_mask, 'x', sizeof(id_mask));
	gpc_mask_id(s, id_mask);
	FUZZ_CHECK(memchr(id_mask, '\0', sizeof(id_mask)) != NULL);
	memset(mobile_mask, 'x', sizeof(mobile_mask));
	gpc_mask_mobile(s, mobile_mask);
	FUZZ_CHECK(memchr(mobile_mask, '\0', sizeof(mobile_mask)) != NULL);

	if (gpc_algo_parse(s, &algo) == GPC_OK)
		FUZZ_CHECK(strcmp(gpc_algo_name(algo), s) == 0);

	/* on the raw bytes, NULs included */
	j = json_stringn((const char *)data, size);
	FUZZ_CHECK(gpc_utf8_valid((const char *)data, size) ==
	    (j != NULL && memchr(data, '\0', size) == NULL));
	json_decref(j);
	free(s);
	return 0;
}
