/*
 * gpcgate — TOTP (RFC 6238) verification, generation, seeds and Key URIs.
 *
 * Why no oath_init()/oath_done(): liboath documents that every user calls
 * oath_init() first, but in Debian's liboath0 2.6.7 (built with gnulib's
 * internal crypto; the library needs only libc) oath_init() is gc_init(),
 * which returns GC_OK and touches nothing, and oath_done() is an empty
 * gc_done() — no reference count, no global state (checked by disassembly
 * and against liboath/global.c and gl/gc-gnulib.c).  HMAC, truncation and
 * base32 run on the caller's stack and the heap.  A liboath built against
 * libgcrypt would make gc_init() initialise libgcrypt's process-global
 * state, which a PAM module inside sshd must not do behind its host's back;
 * oath_done() could tear down state another module (pam_oath) relies on.
 * So this file never calls either.  If liboath is ever built with
 * libgcrypt, initialise it once where the process starts (the daemon, the
 * CLI), not here.
 *
 * liboath leaves the candidate codes and HMAC outputs on its own stack
 * frames without wiping them; nothing can be done about that from outside.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <liboath/oath.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "err.h"
#include "totp.h"
#include "util.h"

/* RFC 6238 Appendix B's T=20000000000 needs a 64-bit time_t and counter. */
_Static_assert(sizeof(time_t) >= 8, "time_t must be 64-bit");

/* Largest `now` for which now + window * period still fits in time_t. */
#define NOW_MAX (INT64_MAX - (int64_t)GPC_TOTP_WINDOW_MAX * GPC_TOTP_PERIOD_MAX)

#define NAME_MAX_BYTES 255

static int
params_ok(const struct gpc_totp_params *p)
{
	if (p == NULL)
		return 0;
	if (p->algorithm != GPC_ALGO_SHA1 && p->algorithm != GPC_ALGO_SHA256 &&
	    p->algorithm != GPC_ALGO_SHA512)
		return 0;
	if (p->digits != 6 && p->digits != 8)
		return 0;
	if (p->period < 1 || p->period > GPC_TOTP_PERIOD_MAX)
		return 0;
	if (p->window < 0 || p->window > GPC_TOTP_WINDOW_MAX)
		return 0;
	return 1;
}

static int
seed_ok(const unsigned char *seed, size_t len)
{
	return seed != NULL && len >= GPC_TOTP_SEED_MIN && len <= GPC_TOTP_SEED_MAX;
}

static int
oath_flags(enum gpc_algo a)
{
	switch (a) {
	case GPC_ALGO_SHA256:
		return OATH_TOTP_HMAC_SHA256;
	case GPC_ALGO_SHA512:
		return OATH_TOTP_HMAC_SHA512;
	case GPC_ALGO_SHA1:
	default:
		return 0;
	}
}

static const char *
uri_algo(enum gpc_algo a)
{
	switch (a) {
	case GPC_ALGO_SHA256:
		return "SHA256";
	case GPC_ALGO_SHA512:
		return "SHA512";
	case GPC_ALGO_SHA1:
	default:
		return "SHA1";
	}
}

int
gpc_totp_code_syntax(const struct gpc_totp_params *p, const char *code)
{
	int i;

	if (!params_ok(p) || code == NULL)
		return GPC_ERR_INVAL;
	/*
	 * Byte by byte, ASCII only: isdigit() would follow the locale, and a
	 * NUL before `digits` bytes stops the loop as a non-digit.  The input
	 * is the user's own typing, so an early exit reveals nothing secret.
	 */
	for (i = 0; i < p->digits; i++) {
		if (code[i] < '0' || code[i] > '9')
			return GPC_ERR_FORMAT;
	}
	if (code[p->digits] != '\0')
		return GPC_ERR_FORMAT;
	return GPC_OK;
}

struct cmp_ctx {
	const char *code;
	size_t len;
};

/* liboath's strcmp-like callback: 0 on match, 1 on mismatch, in constant time. */
static int
cmp_code(void *handle, const char *test_otp)
{
	const struct cmp_ctx *c = handle;

	/* Both sides are exactly c->len digits: liboath writes `digits` and a NUL. */
	return CRYPTO_memcmp(test_otp, c->code, c->len) == 0 ? 0 : 1;
}

/*
 * Whether `code` is the code of absolute step s.  liboath is asked with
 * window 0 at t = s * period, so it tests exactly that one step; its
 * reported counter is checked against s.
 */
static int
match_step(const struct gpc_totp_params *p, const unsigned char *seed, size_t seed_len,
    const char *code, int64_t s, int *matched)
{
	struct cmp_ctx c = { code, (size_t)p->digits };
	uint64_t counter = UINT64_MAX;
	int pos = -1, rc;

	*matched = 0;
	/*
	 * The _callback form with an explicit digit count: oath_totp_validate4
	 * takes the count from the input's length and would let a 6-digit code
	 * pass where policy says 8.
	 */
	rc = oath_totp_validate4_callback((const char *)seed, seed_len, (time_t)(s * p->period),
	    (unsigned)p->period, 0, (unsigned)p->digits, 0, &pos, &counter,
	    oath_flags(p->algorithm), cmp_code, &c);
	if (rc == OATH_INVALID_OTP)
		return GPC_OK;
	if (rc < 0)
		return GPC_ERR_CRYPTO;
	if (pos != 0 || counter != (uint64_t)s)
		return GPC_ERR_CRYPTO;
	*matched = 1;
	return GPC_OK;
}

int
gpc_totp_verify(const struct gpc_totp_params *p, const unsigned char *seed, size_t seed_len,
    const char *code, int64_t now, int64_t last_step, int64_t *step)
{
	int64_t cur, s, k, found = -1;
	int i, matched, replay = 0, r;

	if (step == NULL)
		return GPC_ERR_INVAL;
	*step = -1;
	if (!params_ok(p) || !seed_ok(seed, seed_len) || code == NULL ||
	    now < 0 || now > NOW_MAX || last_step < -1) {
		r = GPC_ERR_INVAL;
		goto out;
	}
	if ((r = gpc_totp_code_syntax(p, code)) != GPC_OK)
		goto out;

	cur = now / p->period;
	/*
	 * Every step of the window, no early exit: the work done does not
	 * tell where (or whether) the code matched.  Order 0, +1, -1, +2, -2
	 * is liboath's, and decides between fresh steps matching the same
	 * code: nearest to now first.
	 */
	for (i = 0; i <= 2 * p->window; i++) {
		k = (i + 1) / 2;
		s = (i % 2 == 1) ? cur + k : cur - k;
		if (s < 0)
			continue; /* before the epoch: no such step */
		if ((r = match_step(p, seed, seed_len, code, s, &matched)) != GPC_OK)
			goto out;
		if (!matched)
			continue;
		/*
		 * A step at or below the guard makes this a replay only if
		 * no fresh step matches too (see totp.h).
		 */
		if (s > last_step) {
			if (found < 0)
				found = s;
		} else
			replay = 1;
	}
	if (found >= 0) {
		*step = found;
		r = GPC_OK;
	} else if (replay)
		r = GPC_ERR_REPLAY;
	else
		r = GPC_ERR_BADCODE;
out:
	return r;
}

int
gpc_totp_generate(const struct gpc_totp_params *p, const unsigned char *seed, size_t seed_len,
    int64_t now, char *out, size_t outlen)
{
	int r;

	if (out == NULL || outlen == 0)
		return GPC_ERR_INVAL;
	out[0] = '\0';
	if (!params_ok(p) || !seed_ok(seed, seed_len) || now < 0 || now > NOW_MAX ||
	    outlen < (size_t)p->digits + 1) {
		r = GPC_ERR_INVAL;
		goto out;
	}
	if (oath_totp_generate2((const char *)seed, seed_len, (time_t)now, (unsigned)p->period,
	    0, (unsigned)p->digits, oath_flags(p->algorithm), out) != OATH_OK) {
		OPENSSL_cleanse(out, outlen);
		out[0] = '\0';
		r = GPC_ERR_CRYPTO;
		goto out;
	}
	r = GPC_OK;
out:
	return r;
}

size_t
gpc_totp_seed_len(enum gpc_algo algo)
{
	switch (algo) {
	case GPC_ALGO_SHA1:
		return 20;
	case GPC_ALGO_SHA256:
		return 32;
	case GPC_ALGO_SHA512:
		return 64;
	default:
		return 0;
	}
}

int
gpc_totp_seed_new(unsigned char *seed, size_t len)
{
	if (!seed_ok(seed, len))
		return GPC_ERR_INVAL;
	if (RAND_bytes(seed, (int)len) != 1) {
		OPENSSL_cleanse(seed, len);
		return GPC_ERR_CRYPTO;
	}
	return GPC_OK;
}

int
gpc_totp_base32(const unsigned char *seed, size_t len, int grouped, char **out)
{
	char *b32 = NULL, *g = NULL;
	size_t n = 0, alloc_len = 0, i, j;
	int r;

	if (out == NULL)
		return GPC_ERR_INVAL;
	*out = NULL;
	if (!seed_ok(seed, len)) {
		r = GPC_ERR_INVAL;
		goto out;
	}
	switch (oath_base32_encode((const char *)seed, len, &b32, &n)) {
	case OATH_OK:
		break;
	case OATH_MALLOC_ERROR:
		r = GPC_ERR_NOMEM;
		goto out;
	default:
		r = GPC_ERR_INVAL;
		goto out;
	}
	alloc_len = n;
	/* gnulib's encoder pads to a multiple of 8; Key URIs and apps omit '='. */
	while (n > 0 && b32[n - 1] == '=')
		n--;
	b32[n] = '\0';
	if (!grouped) {
		*out = b32;
		b32 = NULL; /* transferred */
		r = GPC_OK;
		goto out;
	}
	if ((g = malloc(n + (n - 1) / 4 + 1)) == NULL) {
		r = GPC_ERR_NOMEM;
		goto out;
	}
	for (i = j = 0; i < n; i++) {
		if (i > 0 && i % 4 == 0)
			g[j++] = ' ';
		g[j++] = b32[i];
	}
	g[j] = '\0';
	*out = g;
	g = NULL; /* transferred */
	r = GPC_OK;
out:
	if (b32 != NULL)
		gpc_freezero(b32, alloc_len);
	return r;
}

/* RFC 3986 §2.3 unreserved characters. */
static int
unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	    c == '-' || c == '.' || c == '_' || c == '~';
}

static size_t
pct_len(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		n += unreserved((unsigned char)*s) ? 1 : 3;
	return n;
}

static char *
pct_put(char *d, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	unsigned char c;

	for (; *s != '\0'; s++) {
		c = (unsigned char)*s;
		if (unreserved(c))
			*d++ = (char)c;
		else {
			*d++ = '%';
			*d++ = hex[c >> 4];
			*d++ = hex[c & 0x0f];
		}
	}
	return d;
}

static char *
put(char *d, const char *s)
{
	size_t n = strlen(s);

	memcpy(d, s, n);
	return d + n;
}

/* An issuer or label: 1..255 bytes of UTF-8, no controls, no ':'. */
static int
name_ok(const char *s)
{
	size_t n, i;

	if (s == NULL)
		return 0;
	n = strlen(s);
	if (n == 0 || n > NAME_MAX_BYTES || !gpc_utf8_valid(s, n))
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f || c == ':')
			return 0;
	}
	return 1;
}

int
gpc_totp_uri(const struct gpc_totp_params *p, const char *issuer, const char *label,
    const unsigned char *seed, size_t seed_len, char **out)
{
	char *b32 = NULL, *u = NULL, *d;
	char tail[64];
	size_t len;
	int r;

	if (out == NULL)
		return GPC_ERR_INVAL;
	*out = NULL;
	if (!params_ok(p) || !name_ok(issuer) || !name_ok(label)) {
		r = GPC_ERR_INVAL;
		goto out;
	}
	if ((r = gpc_totp_base32(seed, seed_len, 0, &b32)) != GPC_OK)
		goto out;
	/*
	 * Every byte counts: the URI becomes a QR code that should fit a
	 * terminal.  So the issuer (a Chinese one is 63 bytes encoded) appears
	 * once, as the issuer parameter the apps read (Google Authenticator,
	 * Microsoft Authenticator, FreeOTP, Aegis), not also as a label prefix,
	 * which the Key URI format makes optional; and the parameters at their
	 * defaults (SHA1, 6 digits, 30 s) are left out.
	 */
	tail[0] = '\0';
	if (p->algorithm != GPC_ALGO_SHA1)
		snprintf(tail, sizeof(tail), "&algorithm=%s", uri_algo(p->algorithm));
	if (p->digits != 6)
		snprintf(tail + strlen(tail), sizeof(tail) - strlen(tail), "&digits=%d",
		    p->digits);
	if (p->period != 30)
		snprintf(tail + strlen(tail), sizeof(tail) - strlen(tail), "&period=%d",
		    p->period);
	/*
	 * Sized exactly and filled in place: no realloc leaves pieces of
	 * the secret in freed memory.
	 */
	len = strlen("otpauth://totp/") + pct_len(label) + strlen("?secret=") + strlen(b32) +
	    strlen("&issuer=") + pct_len(issuer) + strlen(tail);
	if ((u = malloc(len + 1)) == NULL) {
		r = GPC_ERR_NOMEM;
		goto out;
	}
	d = put(u, "otpauth://totp/");
	d = pct_put(d, label);
	d = put(d, "?secret=");
	d = put(d, b32);
	d = put(d, "&issuer=");
	d = pct_put(d, issuer);
	d = put(d, tail);
	*d = '\0';
	*out = u;
	u = NULL; /* transferred */
	r = GPC_OK;
out:
	gpc_freezero_str(b32);
	return r;
}
