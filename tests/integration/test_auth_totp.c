/*
 * TOTP parameters through the real libpam — issue 3 item 3: for every
 * combination of HMAC-SHA1/SHA256/SHA512, 6 and 8 digits, 30 and 60 s
 * steps, stored on the account with its seed (not the configuration's), a
 * code from oathtool for the same seed at the same instant is accepted at
 * the edges of the window the configuration sets (here 2 steps), and the
 * code of the first step outside it is refused, on both sides.
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

#define A "150102-02-jb01"
#define WINDOW 2

static const struct combo {
	const char *algo; /* as stored (gpcTotpAlgorithm) */
	const char *oath; /* oathtool --totp= */
	size_t seed_len;  /* RFC 6238 Appendix B key sizes */
	int digits;
	int period;
} combos[] = {
	{ "sha1", "sha1", 20, 6, 30 }, { "sha1", "sha1", 20, 8, 30 },
	{ "sha1", "sha1", 20, 6, 60 }, { "sha1", "sha1", 20, 8, 60 },
	{ "sha256", "sha256", 32, 6, 30 }, { "sha256", "sha256", 32, 8, 30 },
	{ "sha256", "sha256", 32, 6, 60 }, { "sha256", "sha256", 32, 8, 60 },
	{ "sha512", "sha512", 64, 6, 30 }, { "sha512", "sha512", 64, 8, 30 },
	{ "sha512", "sha512", 64, 6, 60 }, { "sha512", "sha512", 64, 8, 60 },
};

static int
setup(void **state)
{
	(void)state;
	/*
	 * pam_wrapper is loaded in this process already; the shells popen()
	 * starts for fixtures must not each take one of its slots.
	 */
	unsetenv("LD_PRELOAD");
	if (it_sh("fx_active 1 0") != 0 ||
	    it_sh("sed -i 's/window = 1;/window = %d;/' $GPC_CONF", WINDOW) != 0) {
		fprintf(stderr, "# fixture account could not be made; see fixture.log\n");
		return -1;
	}
	return 0;
}

/* oathtool's code for the hex seed at Unix time t. */
static void
oathtool(const struct combo *k, const char *hex, time_t t, char *out, size_t len)
{
	char cmd[512];
	FILE *p;

	snprintf(cmd, sizeof(cmd), "env -u LD_PRELOAD oathtool --totp=%s -d %d -s %ds %s "
	    "-N @%lld", k->oath, k->digits, k->period, hex, (long long)t);
	out[0] = '\0';
	if ((p = popen(cmd, "r")) != NULL) {
		if (fgets(out, (int)len, p) == NULL)
			out[0] = '\0';
		pclose(p);
	}
	out[strcspn(out, "\r\n")] = '\0';
}

static int
login(const char *pw, const char *code)
{
	struct it_conv c;

	memset(&c, 0, sizeof(c));
	c.answers[0] = pw;
	c.answers[1] = code;
	return it_pam("gpcgate", A, &c, 0);
}

static void
every_algorithm_digits_and_step_agrees_with_oathtool(void **state)
{
	unsigned char seed[64];
	char hex[129], code[16], *pw = it_file_line("pw." A), *step;
	size_t i, j;
	time_t t;

	(void)state;
	assert_non_null(pw);
	for (i = 0; i < sizeof(combos) / sizeof(combos[0]); i++) {
		const struct combo *k = &combos[i];

		/* the digits of RFC 6238 Appendix B's keys, repeated to the key size */
		for (j = 0; j < k->seed_len; j++) {
			seed[j] = (unsigned char)('0' + (j + 1) % 10);
			snprintf(hex + 2 * j, 3, "%02x", seed[j]);
		}
		assert_int_equal(it_install_seed(A, seed, k->seed_len, k->algo, k->digits,
		    k->period), 0);
		/* one instant for oathtool and the module: well inside a step */
		while ((t = time(NULL)) % k->period > k->period - 4)
			usleep(200000);
		/* outside the window on either side: refused */
		oathtool(k, hex, t - (WINDOW + 1) * k->period, code, sizeof(code));
		assert_int_equal((int)strlen(code), k->digits);
		assert_int_equal(login(pw, code), PAM_AUTH_ERR);
		oathtool(k, hex, t + (WINDOW + 1) * k->period, code, sizeof(code));
		assert_int_equal(login(pw, code), PAM_AUTH_ERR);
		/* the window's edges and the middle: accepted, in rising order */
		oathtool(k, hex, t - WINDOW * k->period, code, sizeof(code));
		assert_int_equal(login(pw, code), PAM_SUCCESS);
		oathtool(k, hex, t, code, sizeof(code));
		assert_int_equal(login(pw, code), PAM_SUCCESS);
		oathtool(k, hex, t + WINDOW * k->period, code, sizeof(code));
		assert_int_equal(login(pw, code), PAM_SUCCESS);
		step = it_ldap_attr(A, "gpcTotpStep");
		assert_non_null(step);
		assert_int_equal(atoll(step), (long long)(t / k->period + WINDOW));
		free(step);
		printf("# %s, %d digits, %d s: oathtool's codes accepted at -%d..+%d steps, "
		    "refused at +-%d\n", k->algo, k->digits, k->period, WINDOW, WINDOW,
		    WINDOW + 1);
	}
	free(pw);
}

static void
a_code_of_other_parameters_is_refused(void **state)
{
	static const struct combo sha1_6_30 = { "sha1", "sha1", 20, 6, 30 };
	unsigned char seed[20];
	char hex[41], code[16], *pw = it_file_line("pw." A);
	size_t j;
	time_t t;

	(void)state;
	/* stored: SHA512, 8 digits, 60 s; typed: the configuration's SHA1/6/30 code */
	for (j = 0; j < sizeof(seed); j++) {
		seed[j] = (unsigned char)('0' + (j + 1) % 10);
		snprintf(hex + 2 * j, 3, "%02x", seed[j]);
	}
	assert_int_equal(it_install_seed(A, seed, sizeof(seed), "sha512", 8, 60), 0);
	t = time(NULL);
	oathtool(&sha1_6_30, hex, t, code, sizeof(code));
	assert_int_equal(login(pw, code), PAM_AUTH_ERR);
	free(pw);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_algorithm_digits_and_step_agrees_with_oathtool),
		cmocka_unit_test(a_code_of_other_parameters_is_refused),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
