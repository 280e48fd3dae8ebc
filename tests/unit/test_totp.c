/*
 * Unit tests for lib/totp.c: RFC 6238 Appendix B, strict code syntax, the
 * replay guard, the window, agreement with oathtool, base32 and the Key URI.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <liboath/oath.h>

#include "err.h"
#include "qr.h"
#include "totp.h"
#include "util.h"

/* RFC 6238 Appendix B keys: "1234567890" repeated to 20, 32 and 64 bytes. */
static const unsigned char seed20[] = "12345678901234567890";
static const unsigned char seed32[] = "12345678901234567890123456789012";
static const unsigned char seed64[] =
    "1234567890123456789012345678901234567890123456789012345678901234";

static const unsigned char *
rfc_seed(enum gpc_algo a, size_t *len)
{
	*len = gpc_totp_seed_len(a);
	switch (a) {
	case GPC_ALGO_SHA256:
		return seed32;
	case GPC_ALGO_SHA512:
		return seed64;
	default:
		return seed20;
	}
}

static const struct {
	int64_t t;
	enum gpc_algo algo;
	const char *code;
} rfc6238[] = {
	{ 59, GPC_ALGO_SHA1, "94287082" },
	{ 59, GPC_ALGO_SHA256, "46119246" },
	{ 59, GPC_ALGO_SHA512, "90693936" },
	{ 1111111109, GPC_ALGO_SHA1, "07081804" },
	{ 1111111109, GPC_ALGO_SHA256, "68084774" },
	{ 1111111109, GPC_ALGO_SHA512, "25091201" },
	{ 1111111111, GPC_ALGO_SHA1, "14050471" },
	{ 1111111111, GPC_ALGO_SHA256, "67062674" },
	{ 1111111111, GPC_ALGO_SHA512, "99943326" },
	{ 1234567890, GPC_ALGO_SHA1, "89005924" },
	{ 1234567890, GPC_ALGO_SHA256, "91819424" },
	{ 1234567890, GPC_ALGO_SHA512, "93441116" },
	{ 2000000000, GPC_ALGO_SHA1, "69279037" },
	{ 2000000000, GPC_ALGO_SHA256, "90698825" },
	{ 2000000000, GPC_ALGO_SHA512, "38618901" },
	{ 20000000000LL, GPC_ALGO_SHA1, "65353130" },
	{ 20000000000LL, GPC_ALGO_SHA256, "77737706" },
	{ 20000000000LL, GPC_ALGO_SHA512, "47863826" },
};

static void
rfc6238_vectors_verify_and_generate(void **state)
{
	size_t i, len;
	char out[9];
	int64_t step;

	(void)state;
	for (i = 0; i < sizeof(rfc6238) / sizeof(rfc6238[0]); i++) {
		struct gpc_totp_params p = { rfc6238[i].algo, 8, 30, 0 };
		const unsigned char *seed = rfc_seed(rfc6238[i].algo, &len);

		assert_int_equal(gpc_totp_generate(&p, seed, len, rfc6238[i].t, out,
		    sizeof(out)), GPC_OK);
		assert_string_equal(out, rfc6238[i].code);
		assert_int_equal(gpc_totp_verify(&p, seed, len, rfc6238[i].code,
		    rfc6238[i].t, -1, &step), GPC_OK);
		assert_int_equal(step, rfc6238[i].t / 30);
		/* The same with a window: still the step of t itself. */
		p.window = 2;
		assert_int_equal(gpc_totp_verify(&p, seed, len, rfc6238[i].code,
		    rfc6238[i].t, -1, &step), GPC_OK);
		assert_int_equal(step, rfc6238[i].t / 30);
	}
}

static void
wrong_digit_count_refused_both_ways(void **state)
{
	struct gpc_totp_params p8 = { GPC_ALGO_SHA1, 8, 30, 1 };
	struct gpc_totp_params p6 = { GPC_ALGO_SHA1, 6, 30, 1 };
	char c8[9], c6[7];
	int64_t step, t = 1111111109;

	(void)state;
	assert_int_equal(gpc_totp_generate(&p8, seed20, 20, t, c8, sizeof(c8)), GPC_OK);
	assert_int_equal(gpc_totp_generate(&p6, seed20, 20, t, c6, sizeof(c6)), GPC_OK);
	/* The 6-digit code is the 8-digit one's last six digits: the trap is real. */
	assert_string_equal(c6, c8 + 2);
	assert_int_equal(gpc_totp_verify(&p8, seed20, 20, c6, t, -1, &step), GPC_ERR_FORMAT);
	assert_int_equal(step, -1);
	assert_int_equal(gpc_totp_verify(&p6, seed20, 20, c8, t, -1, &step), GPC_ERR_FORMAT);
	assert_int_equal(gpc_totp_verify(&p6, seed20, 20, c6, t, -1, &step), GPC_OK);
	assert_int_equal(gpc_totp_verify(&p8, seed20, 20, c8, t, -1, &step), GPC_OK);
}

/* Documents why the _callback form is used: validate4 trusts the input length. */
static void
liboath_validate4_takes_digits_from_input(void **state)
{
	struct gpc_totp_params p6 = { GPC_ALGO_SHA1, 6, 30, 0 };
	char c6[7];
	int rc;

	(void)state;
	assert_int_equal(gpc_totp_generate(&p6, seed20, 20, 59, c6, sizeof(c6)), GPC_OK);
	/* A policy of 8 digits cannot be expressed: the 6-digit code passes. */
	rc = oath_totp_validate4((const char *)seed20, 20, 59, 30, 0, 0, NULL, NULL, 0, c6);
	assert_true(rc >= 0);
}

static void
code_syntax_strict(void **state)
{
	struct gpc_totp_params p = { GPC_ALGO_SHA1, 6, 30, 1 };
	static const char *bad[] = {
		"12345", "+12345", " 12345", "1234567", "", "12345\n", "-12345", "12345 ",
		"12 345", "1234a5",
		"\xef\xbc\x90\xef\xbc\x91\xef\xbc\x92\xef\xbc\x93\xef\xbc\x94\xef\xbc\x95", /* ０１２３４５ */
		"\xd9\xa0\xd9\xa1\xd9\xa2\xd9\xa3\xd9\xa4\xd9\xa5", /* ٠١٢٣٤٥ */
		"０１２３４５", "٠١٢３４５", "0x1234",
	};
	size_t i;
	int64_t step;

	(void)state;
	assert_int_equal(gpc_totp_code_syntax(&p, "012345"), GPC_OK);
	assert_int_equal(gpc_totp_code_syntax(&p, "999999"), GPC_OK);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(gpc_totp_code_syntax(&p, bad[i]), GPC_ERR_FORMAT);
		assert_int_equal(gpc_totp_verify(&p, seed20, 20, bad[i], 59, -1, &step),
		    GPC_ERR_FORMAT);
	}
	p.digits = 8;
	assert_int_equal(gpc_totp_code_syntax(&p, "01234567"), GPC_OK);
	assert_int_equal(gpc_totp_code_syntax(&p, "012345"), GPC_ERR_FORMAT);
	assert_int_equal(gpc_totp_code_syntax(&p, NULL), GPC_ERR_INVAL);
	p.digits = 7;
	assert_int_equal(gpc_totp_code_syntax(&p, "0123456"), GPC_ERR_INVAL);
}

static void
replay_guard(void **state)
{
	struct gpc_totp_params p = { GPC_ALGO_SHA1, 6, 30, 1 };
	int64_t now = 1795946400, s = now / 30, step;
	char c[7];

	(void)state;
	assert_int_equal(gpc_totp_generate(&p, seed20, 20, now, c, sizeof(c)), GPC_OK);
	assert_int_equal(gpc_totp_verify(&p, seed20, 20, c, now, -1, &step), GPC_OK);
	assert_int_equal(step, s);
	assert_int_equal(gpc_totp_verify(&p, seed20, 20, c, now, s - 1, &step), GPC_OK);
	assert_int_equal(step, s);
	/* The same code again, with the guard advanced: refused, and *step untouched. */
	assert_int_equal(gpc_totp_verify(&p, seed20, 20, c, now, s, &step), GPC_ERR_REPLAY);
	assert_int_equal(step, -1);
	/* Still a replay 29 s later, inside the same step, and a step later. */
	assert_int_equal(gpc_totp_verify(&p, seed20, 20, c, now + 29, s, &step),
	    GPC_ERR_REPLAY);
	assert_int_equal(gpc_totp_verify(&p, seed20, 20, c, now + 30, s, &step),
	    GPC_ERR_REPLAY);
	/* A guard beyond the step (a later code was used): refused as well. */
	assert_int_equal(gpc_totp_verify(&p, seed20, 20, c, now, s + 1, &step),
	    GPC_ERR_REPLAY);
	/* A wrong code is a wrong code, not a replay. */
	c[0] = c[0] == '9' ? '0' : (char)(c[0] + 1);
	assert_int_equal(gpc_totp_verify(&p, seed20, 20, c, now, s, &step), GPC_ERR_BADCODE);
}

static void
window_edges(void **state)
{
	struct gpc_totp_params p = { GPC_ALGO_SHA1, 6, 30, 0 };
	int64_t now = 1795946400 + 7, step;
	char c[7];
	int w;

	(void)state;
	for (w = 0; w <= 3; w++) {
		p.window = w;
		/* now - w*period: accepted; one more step back: refused. */
		assert_int_equal(gpc_totp_generate(&p, seed20, 20, now - w * 30, c, sizeof(c)),
		    GPC_OK);
		assert_int_equal(gpc_totp_verify(&p, seed20, 20, c, now, -1, &step), GPC_OK);
		assert_int_equal(step, now / 30 - w);
		assert_int_equal(gpc_totp_generate(&p, seed20, 20, now - (w + 1) * 30, c,
		    sizeof(c)), GPC_OK);
		assert_int_equal(gpc_totp_verify(&p, seed20, 20, c, now, -1, &step),
		    GPC_ERR_BADCODE);
		/* And forward (a clock ahead of ours). */
		assert_int_equal(gpc_totp_generate(&p, seed20, 20, now + w * 30, c, sizeof(c)),
		    GPC_OK);
		assert_int_equal(gpc_totp_verify(&p, seed20, 20, c, now, -1, &step), GPC_OK);
		assert_int_equal(step, now / 30 + w);
		assert_int_equal(gpc_totp_generate(&p, seed20, 20, now + (w + 1) * 30, c,
		    sizeof(c)), GPC_OK);
		assert_int_equal(gpc_totp_verify(&p, seed20, 20, c, now, -1, &step),
		    GPC_ERR_BADCODE);
	}
}

/*
 * With the RFC's SHA1 key, 6 digits, 30 s: steps 59061240 and 59061241
 * share the code 963181, steps 61331809 and 61331811 share 768734 (found by
 * search, confirmed with oathtool).  They prove the documented choice.
 */
static void
colliding_steps_policy(void **state)
{
	struct gpc_totp_params p = { GPC_ALGO_SHA1, 6, 30, 1 };
	const int64_t a = 59061240, b = 59061241, c = 61331809, d = 61331811;
	char code[7];
	int64_t step;

	(void)state;
	assert_int_equal(gpc_totp_generate(&p, seed20, 20, a * 30, code, sizeof(code)), GPC_OK);
	assert_string_equal(code, "963181");
	assert_int_equal(gpc_totp_generate(&p, seed20, 20, b * 30, code, sizeof(code)), GPC_OK);
	assert_string_equal(code, "963181");
	/* Nearest to now wins. */
	assert_int_equal(gpc_totp_verify(&p, seed20, 20, "963181", a * 30, -1, &step), GPC_OK);
	assert_int_equal(step, a);
	assert_int_equal(gpc_totp_verify(&p, seed20, 20, "963181", b * 30, -1, &step), GPC_OK);
	assert_int_equal(step, b);
	/* Matching a used step does not refuse a code that also fits a fresh one. */
	assert_int_equal(gpc_totp_verify(&p, seed20, 20, "963181", a * 30, a, &step), GPC_OK);
	assert_int_equal(step, b);
	/* Every matching step used: a replay. */
	assert_int_equal(gpc_totp_verify(&p, seed20, 20, "963181", a * 30, b, &step),
	    GPC_ERR_REPLAY);

	/* Equal distance: the later step first (liboath's order +1 before -1). */
	assert_int_equal(gpc_totp_verify(&p, seed20, 20, "768734", (c + 1) * 30, -1, &step),
	    GPC_OK);
	assert_int_equal(step, d);
	assert_int_equal(gpc_totp_verify(&p, seed20, 20, "768734", (c + 1) * 30, c, &step),
	    GPC_OK);
	assert_int_equal(step, d);
	assert_int_equal(gpc_totp_verify(&p, seed20, 20, "768734", (c + 1) * 30, d, &step),
	    GPC_ERR_REPLAY);
	p.window = 0;
	assert_int_equal(gpc_totp_verify(&p, seed20, 20, "768734", (c + 1) * 30, -1, &step),
	    GPC_ERR_BADCODE);
}

static void
near_epoch(void **state)
{
	struct gpc_totp_params p = { GPC_ALGO_SHA1, 8, 30, 3 };
	int64_t step;

	(void)state;
	/* Steps -1, -2 do not exist: skipped, not wrapped to 2^64-1. */
	assert_int_equal(gpc_totp_verify(&p, seed20, 20, "94287082", 59, -1, &step), GPC_OK);
	assert_int_equal(step, 1);
	assert_int_equal(gpc_totp_verify(&p, seed20, 20, "94287082", 0, -1, &step), GPC_OK);
	assert_int_equal(step, 1);
	assert_int_equal(gpc_totp_verify(&p, seed20, 20, "94287082", 59, 1, &step),
	    GPC_ERR_REPLAY);
}

static void
invalid_arguments(void **state)
{
	struct gpc_totp_params ok = { GPC_ALGO_SHA1, 8, 30, 1 };
	struct gpc_totp_params bad[] = {
		{ GPC_ALGO_SHA1, 7, 30, 1 },
		{ GPC_ALGO_SHA1, 0, 30, 1 },
		{ GPC_ALGO_SHA1, 8, 0, 1 },
		{ GPC_ALGO_SHA1, 8, -30, 1 },
		{ GPC_ALGO_SHA1, 8, GPC_TOTP_PERIOD_MAX + 1, 1 },
		{ GPC_ALGO_SHA1, 8, 30, -1 },
		{ GPC_ALGO_SHA1, 8, 30, GPC_TOTP_WINDOW_MAX + 1 },
		{ (enum gpc_algo)7, 8, 30, 1 },
	};
	unsigned char small[GPC_TOTP_SEED_MIN - 1] = { 0 };
	char out[9];
	size_t i;
	int64_t step = 42;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(gpc_totp_verify(&bad[i], seed20, 20, "94287082", 59, -1, &step),
		    GPC_ERR_INVAL);
		assert_int_equal(step, -1);
		assert_int_equal(gpc_totp_generate(&bad[i], seed20, 20, 59, out, sizeof(out)),
		    GPC_ERR_INVAL);
		assert_string_equal(out, "");
	}
	assert_int_equal(gpc_totp_verify(NULL, seed20, 20, "94287082", 59, -1, &step),
	    GPC_ERR_INVAL);
	assert_int_equal(gpc_totp_verify(&ok, seed20, 20, "94287082", 59, -1, NULL),
	    GPC_ERR_INVAL);
	assert_int_equal(gpc_totp_verify(&ok, NULL, 20, "94287082", 59, -1, &step),
	    GPC_ERR_INVAL);
	assert_int_equal(gpc_totp_verify(&ok, small, sizeof(small), "94287082", 59, -1, &step),
	    GPC_ERR_INVAL);
	assert_int_equal(gpc_totp_verify(&ok, seed20, GPC_TOTP_SEED_MAX + 1, "94287082", 59, -1,
	    &step), GPC_ERR_INVAL);
	assert_int_equal(gpc_totp_verify(&ok, seed20, 20, NULL, 59, -1, &step), GPC_ERR_INVAL);
	assert_int_equal(gpc_totp_verify(&ok, seed20, 20, "94287082", -1, -1, &step),
	    GPC_ERR_INVAL);
	assert_int_equal(gpc_totp_verify(&ok, seed20, 20, "94287082", INT64_MAX, -1, &step),
	    GPC_ERR_INVAL);
	assert_int_equal(gpc_totp_verify(&ok, seed20, 20, "94287082", 59, -2, &step),
	    GPC_ERR_INVAL);
	/* Output buffer one byte short. */
	assert_int_equal(gpc_totp_generate(&ok, seed20, 20, 59, out, 8), GPC_ERR_INVAL);
	assert_int_equal(gpc_totp_generate(&ok, seed20, 20, 59, NULL, 9), GPC_ERR_INVAL);
	assert_int_equal(gpc_totp_generate(&ok, seed20, 20, -5, out, sizeof(out)),
	    GPC_ERR_INVAL);
}

static void
seeds(void **state)
{
	unsigned char a[64], b[64];

	(void)state;
	assert_int_equal(gpc_totp_seed_len(GPC_ALGO_SHA1), 20);
	assert_int_equal(gpc_totp_seed_len(GPC_ALGO_SHA256), 32);
	assert_int_equal(gpc_totp_seed_len(GPC_ALGO_SHA512), 64);
	assert_int_equal(gpc_totp_seed_len((enum gpc_algo)9), 0);
	memset(a, 0, sizeof(a));
	memset(b, 0, sizeof(b));
	assert_int_equal(gpc_totp_seed_new(a, sizeof(a)), GPC_OK);
	assert_int_equal(gpc_totp_seed_new(b, sizeof(b)), GPC_OK);
	assert_memory_not_equal(a, b, sizeof(a));
	assert_int_equal(gpc_totp_seed_new(a, GPC_TOTP_SEED_MIN - 1), GPC_ERR_INVAL);
	assert_int_equal(gpc_totp_seed_new(NULL, 20), GPC_ERR_INVAL);
	explicit_bzero(a, sizeof(a));
	explicit_bzero(b, sizeof(b));
}

static void
base32_forms(void **state)
{
	char *s = NULL;

	(void)state;
	assert_int_equal(gpc_totp_base32(seed20, 20, 0, &s), GPC_OK);
	assert_string_equal(s, "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
	gpc_freezero_str(s);
	assert_int_equal(gpc_totp_base32(seed20, 20, 1, &s), GPC_OK);
	assert_string_equal(s, "GEZD GNBV GY3T QOJQ GEZD GNBV GY3T QOJQ");
	gpc_freezero_str(s);
	/* 32 bytes: liboath pads with "====", which must be gone. */
	assert_int_equal(gpc_totp_base32(seed32, 32, 0, &s), GPC_OK);
	assert_string_equal(s, "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZA");
	gpc_freezero_str(s);
	assert_int_equal(gpc_totp_base32(seed32, 32, 1, &s), GPC_OK);
	assert_string_equal(s, "GEZD GNBV GY3T QOJQ GEZD GNBV GY3T QOJQ GEZD GNBV GY3T QOJQ GEZA");
	gpc_freezero_str(s);
	/* 64 bytes: 103 characters, one '=' dropped; groups end with a short one. */
	assert_int_equal(gpc_totp_base32(seed64, 64, 0, &s), GPC_OK);
	assert_int_equal(strlen(s), 103);
	assert_null(strchr(s, '='));
	gpc_freezero_str(s);
	assert_int_equal(gpc_totp_base32(seed64, 64, 1, &s), GPC_OK);
	assert_int_equal(strlen(s), 103 + 25);
	assert_int_equal(s[strlen(s) - 4], ' ');
	gpc_freezero_str(s);
	s = (char *)1;
	assert_int_equal(gpc_totp_base32(seed20, 3, 0, &s), GPC_ERR_INVAL);
	assert_null(s);
}

/*
 * Whether a program is on PATH, without a shell.
 */
static int
have_program(const char *name)
{
	char buf[4096];
	const char *path = getenv("PATH"), *p, *e;
	size_t n;

	if (path == NULL)
		path = "/usr/bin:/bin";
	for (p = path; *p != '\0'; p = *e != '\0' ? e + 1 : e) {
		e = strchr(p, ':');
		if (e == NULL)
			e = p + strlen(p);
		n = (size_t)(e - p);
		if (n > 0 && n + strlen(name) + 2 < sizeof(buf)) {
			memcpy(buf, p, n);
			buf[n] = '/';
			strcpy(buf + n + 1, name);
			if (access(buf, X_OK) == 0)
				return 1;
		}
	}
	return 0;
}

static void
agrees_with_oathtool(void **state)
{
	static const enum gpc_algo algos[] = { GPC_ALGO_SHA1, GPC_ALGO_SHA256, GPC_ALGO_SHA512 };
	static const char *names[] = { "sha1", "sha256", "sha512" };
	static const int digits[] = { 6, 8 }, periods[] = { 30, 60 };
	const int64_t at = 1795946400; /* 2026-11-29 10:00:00 UTC */
	unsigned char seed[64];
	char hex[129], cmd[512], got[32], mine[9];
	size_t a, d, s, len, n;
	int64_t step;
	FILE *f;

	(void)state;
	if (!have_program("oathtool")) {
		print_message("oathtool not installed (package oathtool): interoperability skipped\n");
		skip();
	}
	for (a = 0; a < 3; a++) {
		for (d = 0; d < 2; d++) {
			for (s = 0; s < 2; s++) {
				struct gpc_totp_params p = { algos[a], digits[d], periods[s], 0 };

				len = gpc_totp_seed_len(algos[a]);
				assert_int_equal(gpc_totp_seed_new(seed, len), GPC_OK);
				gpc_hex(seed, len, hex);
				snprintf(cmd, sizeof(cmd),
				    "oathtool --totp=%s -d %d -s %ds -N '2026-11-29 10:00:00 UTC' %s",
				    names[a], digits[d], periods[s], hex);
				assert_non_null(f = popen(cmd, "r"));
				assert_non_null(fgets(got, sizeof(got), f));
				assert_int_equal(pclose(f), 0);
				n = strcspn(got, "\n");
				got[n] = '\0';
				assert_int_equal(n, (size_t)digits[d]);
				assert_int_equal(gpc_totp_verify(&p, seed, len, got, at, -1, &step),
				    GPC_OK);
				assert_int_equal(step, at / periods[s]);
				assert_int_equal(gpc_totp_generate(&p, seed, len, at, mine,
				    sizeof(mine)), GPC_OK);
				assert_string_equal(mine, got);
				explicit_bzero(seed, sizeof(seed));
				explicit_bzero(hex, sizeof(hex));
			}
		}
	}
}

static int
ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), m = strlen(tail);

	return n >= m && strcmp(s + n - m, tail) == 0;
}

#define ISSUER_ZH "政府采购云平台"
#define ISSUER_PCT "%E6%94%BF%E5%BA%9C%E9%87%87%E8%B4%AD%E4%BA%91%E5%B9%B3%E5%8F%B0"

static void
key_uri(void **state)
{
	struct gpc_totp_params p = { GPC_ALGO_SHA256, 8, 60, 1 };
	char *u = NULL;

	(void)state;
	assert_int_equal(gpc_totp_uri(&p, ISSUER_ZH, "张三 zhang.san@example.cn", seed32, 32, &u),
	    GPC_OK);
	/* the issuer once, as the parameter; the label is the account alone */
	assert_string_equal(u,
	    "otpauth://totp/%E5%BC%A0%E4%B8%89%20zhang.san%40example.cn"
	    "?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZA"
	    "&issuer=" ISSUER_PCT "&algorithm=SHA256&digits=8&period=60");
	gpc_freezero_str(u);

	/* Unreserved characters kept, everything else (ASCII too) escaped; defaults left out. */
	p = (struct gpc_totp_params){ GPC_ALGO_SHA1, 6, 30, 1 };
	assert_int_equal(gpc_totp_uri(&p, "GPC", "Zhang San@gov-cloud_1~/?#&=+%", seed20, 20, &u),
	    GPC_OK);
	assert_string_equal(u,
	    "otpauth://totp/Zhang%20San%40gov-cloud_1~%2F%3F%23%26%3D%2B%25"
	    "?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=GPC");
	gpc_freezero_str(u);

	p.algorithm = GPC_ALGO_SHA512;
	assert_int_equal(gpc_totp_uri(&p, ISSUER_ZH, "u0001", seed64, 64, &u), GPC_OK);
	assert_true(ends_with(u, "&issuer=" ISSUER_PCT "&algorithm=SHA512"));
	/* 64-byte secret: 103 base32 characters, no '=' before the next parameter. */
	assert_int_equal(strcspn(strstr(u, "?secret=") + 8, "=&"), 103);
	gpc_freezero_str(u);

	/* Refused: ':' in either part, empty, bad UTF-8, controls, no seed. */
	u = (char *)1;
	assert_int_equal(gpc_totp_uri(&p, "GPC:x", "u", seed20, 20, &u), GPC_ERR_INVAL);
	assert_null(u);
	assert_int_equal(gpc_totp_uri(&p, "GPC", "a:b", seed20, 20, &u), GPC_ERR_INVAL);
	assert_int_equal(gpc_totp_uri(&p, "", "u", seed20, 20, &u), GPC_ERR_INVAL);
	assert_int_equal(gpc_totp_uri(&p, "GPC", "", seed20, 20, &u), GPC_ERR_INVAL);
	assert_int_equal(gpc_totp_uri(&p, "GPC", "\xe5\xbc", seed20, 20, &u), GPC_ERR_INVAL);
	assert_int_equal(gpc_totp_uri(&p, "GPC", "a\nb", seed20, 20, &u), GPC_ERR_INVAL);
	assert_int_equal(gpc_totp_uri(&p, "GPC", NULL, seed20, 20, &u), GPC_ERR_INVAL);
	assert_int_equal(gpc_totp_uri(&p, "GPC", "u", seed20, 8, &u), GPC_ERR_INVAL);
	assert_null(u);
}

/*
 * The enrollment QR code of the default configuration (SHA1, a 20-byte
 * seed, the Chinese issuer, a uid as long as the platform's) fits an 80x24
 * terminal with its quiet zone: at most 41 modules (version 6), so 49
 * columns and 25 half-block lines at most, and zbarimg reads it back.  With
 * the issuer twice in the URI it was version 9, 61 columns by 31 lines.
 * Version 5 (37 modules) cannot hold it: the issuer alone is 63 bytes
 * percent-encoded.
 */
static void
enrollment_qr_code_fits_a_terminal(void **state)
{
	struct gpc_totp_params p = { GPC_ALGO_SHA1, 6, 30, 1 };
	char *u = NULL, *qr = NULL, cmd[600], got[512], path[] = "/tmp/gpc-qr-XXXXXX";
	size_t lines = 0, cols = 0, col = 0;
	const char *c;
	FILE *f;
	int fd;

	(void)state;
	assert_int_equal(gpc_totp_uri(&p, ISSUER_ZH, "150102-02-jb01", seed20, 20, &u), GPC_OK);
	assert_int_equal(gpc_qr_utf8(u, 0, &qr), GPC_OK);
	for (c = qr; *c != '\0'; c++) {
		if (*c == '\n') {
			lines++;
			cols = col > cols ? col : cols;
			col = 0;
		} else if (((unsigned char)*c & 0xc0) != 0x80)
			col++; /* one column per character, a block or a space */
	}
	if (col > 0) {
		lines++;
		cols = col > cols ? col : cols;
	}
	print_message("# QR code: %zu columns, %zu lines (URI %zu bytes)\n", cols, lines,
	    strlen(u));
	assert_true(cols <= 41 + 2 * GPC_QR_QUIET);
	assert_true(lines <= (41 + 2 * GPC_QR_QUIET + 1) / 2);
	if (system("command -v zbarimg >/dev/null 2>&1") != 0) {
		gpc_freezero_str(u);
		gpc_freezero_str(qr);
		skip();
	}
	assert_true((fd = mkstemp(path)) >= 0);
	close(fd);
	assert_int_equal(gpc_qr_pbm(u, 4, path), GPC_OK);
	snprintf(cmd, sizeof(cmd), "zbarimg --quiet --raw --nodbus '%s' 2>/dev/null", path);
	assert_non_null(f = popen(cmd, "r"));
	assert_non_null(fgets(got, sizeof(got), f));
	pclose(f);
	unlink(path);
	got[strcspn(got, "\n")] = '\0';
	assert_string_equal(got, u);
	explicit_bzero(got, sizeof(got));
	gpc_freezero_str(u);
	gpc_freezero_str(qr);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rfc6238_vectors_verify_and_generate),
		cmocka_unit_test(wrong_digit_count_refused_both_ways),
		cmocka_unit_test(liboath_validate4_takes_digits_from_input),
		cmocka_unit_test(code_syntax_strict),
		cmocka_unit_test(replay_guard),
		cmocka_unit_test(window_edges),
		cmocka_unit_test(colliding_steps_policy),
		cmocka_unit_test(near_epoch),
		cmocka_unit_test(invalid_arguments),
		cmocka_unit_test(seeds),
		cmocka_unit_test(base32_forms),
		cmocka_unit_test(agrees_with_oathtool),
		cmocka_unit_test(key_uri),
		cmocka_unit_test(enrollment_qr_code_fits_a_terminal),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
