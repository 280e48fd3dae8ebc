/*
 * Fuzz target: what a holder types at the second prompt (lib/totp.h,
 * lib/login.h): a TOTP code, checked for syntax and then verified, or a
 * recovery code, normalised.  Each input, up to its first NUL, is tried as
 * both.  Checks: the syntax check accepts exactly `digits` ASCII digits; a
 * syntactically valid code verifies to OK, BADCODE or REPLAY only; a
 * normalised recovery code has the "XXXX-XXXX" form over the alphabet, is
 * its own normal form, and matches a reference normalisation; a refused
 * one leaves the output wiped.
 */
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "fuzz.h"
#include "login.h"
#include "seal.h"
#include "totp.h"

#define NOW ((int64_t)1795924800)

/* RFC 6238 Appendix B's SHA1 key */
static const unsigned char seed[] = "12345678901234567890";

static void
check_code(const char *s, enum gpc_algo algo, int digits)
{
	struct gpc_totp_params p = { algo, digits, 30, 1 };
	int64_t step = 0;
	size_t i, len = strlen(s);
	int r, want = len == (size_t)digits;

	for (i = 0; i < len; i++)
		want = want && s[i] >= '0' && s[i] <= '9';
	r = gpc_totp_code_syntax(&p, s);
	FUZZ_CHECK(r == (want ? GPC_OK : GPC_ERR_FORMAT));
	r = gpc_totp_verify(&p, seed, sizeof(seed) - 1, s, NOW, NOW / 30 - 1, &step);
	if (!want)
		FUZZ_CHECK(r == GPC_ERR_FORMAT && step == -1);
	else
		FUZZ_CHECK(r == GPC_ERR_BADCODE || r == GPC_ERR_REPLAY ||
		    (r == GPC_OK && step >= NOW / 30 && step <= NOW / 30 + 1));
}

static void
check_recovery(const char *s)
{
	char out[GPC_RECOVERY_CODE_SIZE], again[GPC_RECOVERY_CODE_SIZE], ref[9];
	size_t i, n = 0;
	int r, want = 1;

	for (i = 0; s[i] != '\0'; i++) {
		char c = s[i];

		if (c == ' ' || c == '-')
			continue;
		if (c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		if (n == 8 || strchr(GPC_RECOVERY_ALPHABET, c) == NULL) {
			want = 0;
			break;
		}
		ref[n++] = c;
	}
	want = want && n == 8;
	memset(out, 'x', sizeof(out));
	r = gpc_login_recovery_canonical(s, out);
	FUZZ_CHECK(r == (want ? GPC_OK : GPC_ERR_FORMAT));
	if (r != GPC_OK) {
		for (i = 0; i < sizeof(out); i++)
			FUZZ_CHECK(out[i] == '\0');
		return;
	}
	FUZZ_CHECK(strlen(out) == 9 && out[4] == '-');
	FUZZ_CHECK(memcmp(out, ref, 4) == 0 && memcmp(out + 5, ref + 4, 4) == 0);
	FUZZ_CHECK(gpc_login_recovery_canonical(out, again) == GPC_OK &&
	    strcmp(again, out) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;

	if (size > 256)
		return 0;
	s = fuzz_strndup(data, size);
	check_code(s, GPC_ALGO_SHA1, 6);
	check_code(s, GPC_ALGO_SHA256, 8);
	check_code(s, GPC_ALGO_SHA512, 6);
	check_recovery(s);
	free(s);
	return 0;
}
