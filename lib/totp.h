/*
 * gpcgate — time-based one-time passwords (RFC 6238 over RFC 4226), seeds,
 * and the otpauth:// enrollment URI.
 *
 * HMAC and truncation are liboath's (2.6.7); this file adds strict code
 * syntax, the replay guard, seed generation and encoding.  Nothing here
 * keeps state between calls: every function is reentrant and thread-safe,
 * and none calls oath_init()/oath_done() (see totp.c for why).
 */
#ifndef GPC_TOTP_H
#define GPC_TOTP_H

#include <stddef.h>
#include <stdint.h>

#include "cfg.h" /* enum gpc_algo */

/* Seed length bounds in bytes: RFC 4226 §4 R6 asks for at least 128 bits. */
#define GPC_TOTP_SEED_MIN 16
#define GPC_TOTP_SEED_MAX 128

/* Bounds checked on every struct gpc_totp_params. */
#define GPC_TOTP_PERIOD_MAX 3600 /* seconds */
#define GPC_TOTP_WINDOW_MAX 10   /* steps either side of now */

/*
 * TOTP parameters of one enrollment.
 * algorithm: HMAC hash.  digits: 6 or 8.  period: time step X in seconds,
 * 1..GPC_TOTP_PERIOD_MAX (30 or 60 in practice).  window: steps accepted
 * either side of the current one, 0..GPC_TOTP_WINDOW_MAX.  T0 is always 0
 * (the Unix epoch).  Anything else is GPC_ERR_INVAL wherever it is passed.
 */
struct gpc_totp_params {
	enum gpc_algo algorithm;
	int digits;
	int period;
	int window;
};

/*
 * Check a code's syntax: exactly p->digits bytes '0'..'9' and then the NUL.
 * Refused: empty, shorter, longer, a sign, spaces, a trailing newline,
 * fullwidth (U+FF10..) or Arabic-Indic (U+0660..) digits — no
 * normalisation is attempted; the prompt layer may do that deliberately.
 * Returns GPC_OK, GPC_ERR_FORMAT, GPC_ERR_INVAL (p invalid or code NULL).
 * Thread-safe; allocates nothing.  The code itself is not copied.
 */
int gpc_totp_code_syntax(const struct gpc_totp_params *p, const char *code);

/*
 * Verify a TOTP code (RFC 6238 §4, §5.2) against the steps
 * now/period - window .. now/period + window, and check the replay guard.
 *
 * seed/seed_len: raw key bytes, GPC_TOTP_SEED_MIN..GPC_TOTP_SEED_MAX, not
 * retained.  code: NUL-terminated, must pass gpc_totp_code_syntax().  now:
 * Unix seconds, >= 0.  last_step: the last accepted absolute time step, or
 * -1 if none.  step: required; set to -1 on entry, and on GPC_OK to the
 * absolute time step T (= floor(t / period)) the code matched — the caller
 * stores it as the new last_step with a compare-and-swap.
 *
 * For a well-formed code every step of the window is computed (2*window+1
 * HMACs) whatever matches, and codes are compared with CRYPTO_memcmp, so
 * the time taken does not depend on the code or on where it matched.
 *
 * A code that matches several steps (a coincidence of truncation, about
 * 2*window/10^digits likely) is accepted if ANY matched step is >
 * last_step; of those, the nearest to now wins, later before earlier at
 * equal distance (liboath's own order: 0, +1, -1, +2, -2 ...).  It is a
 * replay only if every step it matches is <= last_step: a coincidental
 * collision with an old step must not lock out the holder, and accepting a
 * code that is genuinely valid for a fresh step gives an attacker nothing
 * that guessing that step would not.  (liboath alone, asked for the whole
 * window, would stop at the first match in that order and report only it.)
 * Steps before the epoch are skipped.
 *
 * Returns GPC_OK, GPC_ERR_FORMAT (code syntax), GPC_ERR_BADCODE (no step
 * in the window matches), GPC_ERR_REPLAY (matches only steps <= last_step),
 * GPC_ERR_INVAL (p, seed, now, last_step or step unusable), GPC_ERR_CRYPTO
 * (liboath failed).  Thread-safe; allocates nothing.
 */
int gpc_totp_verify(const struct gpc_totp_params *p, const unsigned char *seed,
    size_t seed_len, const char *code, int64_t now, int64_t last_step, int64_t *step);

/*
 * Generate the code for instant `now` (Unix seconds, >= 0) — for tests and
 * for enrollment tooling; the login path only verifies.  out: outlen bytes,
 * at least p->digits + 1; receives the NUL-terminated code (a secret while
 * its step lasts: wipe it).  On any error out[0] is NUL when outlen > 0.
 * Returns GPC_OK, GPC_ERR_INVAL, GPC_ERR_CRYPTO.  RFC 6238 §4.
 * Thread-safe; allocates nothing.
 */
int gpc_totp_generate(const struct gpc_totp_params *p, const unsigned char *seed,
    size_t seed_len, int64_t now, char *out, size_t outlen);

/*
 * Recommended seed length for an algorithm: the HMAC output size, as in the
 * RFC 6238 Appendix B keys — 20 (SHA1), 32 (SHA256), 64 (SHA512).  0 for
 * an unknown value.  Thread-safe.
 */
size_t gpc_totp_seed_len(enum gpc_algo algo);

/*
 * Fill seed (len bytes, GPC_TOTP_SEED_MIN..GPC_TOTP_SEED_MAX) from OpenSSL's
 * CSPRNG (RAND_bytes).  The caller owns and wipes the buffer.  On failure
 * the buffer is wiped.  Returns GPC_OK, GPC_ERR_INVAL, GPC_ERR_CRYPTO.
 * Thread-safe (OpenSSL 3 initialises itself once, internally locked).
 */
int gpc_totp_seed_new(unsigned char *seed, size_t len);

/*
 * Base32 of a seed (RFC 4648 §6 alphabet, upper case, the '=' padding
 * removed as authenticator apps expect), via liboath's oath_base32_encode.
 * grouped != 0 inserts a space after every 4 characters ("GEZD GNBV ...")
 * for typing by hand; apps ignore the spaces.  seed_len as for
 * gpc_totp_verify.  *out is set to NULL on entry and on success to a
 * malloc'd NUL-terminated string the caller wipes and frees
 * (gpc_freezero_str).  Returns GPC_OK, GPC_ERR_INVAL, GPC_ERR_NOMEM.
 * Thread-safe.
 */
int gpc_totp_base32(const unsigned char *seed, size_t len, int grouped, char **out);

/*
 * Build the enrollment Key URI (Google Authenticator "Key Uri Format"):
 *   otpauth://totp/LABEL?secret=BASE32&issuer=ISSUER
 *       [&algorithm=SHA256|SHA512][&digits=8][&period=N]
 * The label is the account alone, without the optional "ISSUER:" prefix,
 * and a parameter at the format's default (SHA1, 6 digits, 30 s) is left
 * out: the URI is shown as a QR code, and a Chinese issuer percent-encoded
 * twice would make it too large for a terminal.  The apps take the issuer
 * from the issuer parameter.
 * issuer (e.g. "政府采购云平台") and label (an account uid, or a name such
 * as "张三") are UTF-8, 1..255 bytes, without ':' (the format forbids it)
 * or control characters; both are percent-encoded per RFC 3986 §2.1/§2.3:
 * ALPHA DIGIT - . _ ~ kept, every other byte %XX in upper-case hex (a space
 * is %20, '@' is %40).
 * The secret is gpc_totp_base32(seed, seed_len, 0).  *out is NULL on entry
 * and on success a malloc'd NUL-terminated string that holds the secret:
 * the caller wipes and frees it (gpc_freezero_str).
 * Returns GPC_OK, GPC_ERR_INVAL, GPC_ERR_NOMEM.  Thread-safe.
 */
int gpc_totp_uri(const struct gpc_totp_params *p, const char *issuer, const char *label,
    const unsigned char *seed, size_t seed_len, char **out);

#endif
