/*
 * gpcgate — key files, sealed values, blind indexes, hashed one-time secrets
 * and random codes.
 *
 * A key directory holds seal-v<N>.key and index-v<N>.key (N = 1..9999, no
 * leading zeros), each exactly 32 random bytes, mode 0600, owned by root or
 * the caller.  The current version of a kind is its highest N; older versions
 * stay so that values made under them still open until rotation re-seals
 * them.  Other names are ignored, except that a name starting "seal-" or
 * "index-" which is not exactly of the form above is an error (a stray copy
 * or a typo next to the keys is a mistake to show, not to skip).
 *
 * Two suites, chosen by crypto.suite and fixed for a struct gpc_keys:
 *
 *  standard ("g1", blind index letter "h")
 *	enc = HKDF-SHA256(ikm = seal key, no salt, info = "gpcgate-seal g1 enc"), 32 bytes;
 *	AES-256-GCM under enc, 12-byte random nonce, 16-byte tag, with
 *	AAD = LP("gpcgate-seal") || LP("g1") || BE32(version) || LP(binding);
 *	payload = nonce || ciphertext || tag.
 *  gm ("s1", blind index letter "m")
 *	enc = HKDF-SM3(seal key, info = "gpcgate-seal s1 enc"), 16 bytes;
 *	mac = HKDF-SM3(seal key, info = "gpcgate-seal s1 mac"), 32 bytes;
 *	ciphertext = SM4-CTR under enc with a 16-byte random IV (initial counter
 *	block); then encrypt-then-MAC:
 *	tag = HMAC-SM3(mac, LP("gpcgate-seal") || LP("s1") || BE32(version) ||
 *	    IV || LP(binding) || ciphertext), 32 bytes;
 *	payload = IV || ciphertext || tag.  The tag is checked, in constant time,
 *	before anything is decrypted.
 *
 * where LP(x) = BE32(length of x) || x and BE32 is a 4-byte big-endian
 * unsigned integer.  OpenSSL 3.0 has no SM4-GCM, hence SM4-CTR + HMAC-SM3.
 *
 * A sealed value is printable ASCII for an IA5String attribute:
 *	"<suite tag>$<version>$<base64(payload)>", e.g. "g1$2$q83v...".
 * Base64 is RFC 4648 §4 with padding; only the canonical encoding is
 * accepted (no whitespace, zero padding bits), so a sealed value cannot be
 * altered without the change being noticed.
 *
 * Blind index and one-time-secret hashes use the index key directly as the
 * HMAC key (HMAC-SHA256 for standard, HMAC-SM3 for gm, RFC 2104):
 *	blind index:  HMAC(index key, "gpcgate-blind-index" || 0x00 || purpose || 0x00 || value)
 *	secret hash:  HMAC(index key, "gpcgate-secret-hash" || 0x00 || purpose || 0x00 ||
 *	    salt(16 bytes) || secret)
 * purpose and the labels hold no NUL, so the messages are unambiguous, and a
 * blind index never equals a secret hash.  Callers use distinct purposes
 * ("id", "enroll", "recovery").
 *
 * Nothing here keeps global state or touches OpenSSL's global configuration;
 * every function is thread-safe and reentrant, and a struct gpc_keys may be
 * shared read-only between threads.  OpenSSL errors raised inside a call are
 * popped before it returns (ERR_set_mark/ERR_pop_to_mark), so a host process
 * that also uses OpenSSL (sshd) never sees them in its error queue.
 */
#ifndef GPC_SEAL_H
#define GPC_SEAL_H

#include <stddef.h>

#include "cfg.h"

/* Bytes in every key file. */
#define GPC_KEY_LEN 32

/* Highest key version accepted in a file name. */
#define GPC_KEY_VERSION_MAX 9999

/* Largest plaintext gpc_seal accepts, in bytes. */
#define GPC_SEAL_MAX_PLAINTEXT 65536

/*
 * Longest blind index: letter, version (up to 4 digits), ':', 64 hex.
 * Shorter versions give shorter strings; buffers take GPC_BLIND_INDEX_LEN + 1.
 */
#define GPC_BLIND_INDEX_LEN (1 + 4 + 1 + 64)

/* Buffer for gpc_random_recovery_code's default form "xxxx-xxxx" and its NUL. */
#define GPC_RECOVERY_CODE_SIZE 10

/* The 31 symbols of recovery codes: no 0, O, 1, I, L. */
#define GPC_RECOVERY_ALPHABET "23456789ABCDEFGHJKMNPQRSTUVWXYZ"

/* Opaque: every seal and index key version of one key directory, one suite. */
struct gpc_keys;

/*
 * Load every seal-v*.key and index-v*.key in dir for `suite`
 * (GPC_SUITE_STANDARD or GPC_SUITE_GM); the seal keys' subkeys are derived
 * here.  dir must be a directory owned by root or the caller and not
 * writable by group or others (or keys could be swapped or removed under
 * us).  On success *out is the caller's, to free with gpc_keys_free(); on
 * failure *out is NULL.  Returns GPC_OK, GPC_ERR_KEY (no key of a kind, a
 * file not exactly GPC_KEY_LEN bytes, a badly named file), GPC_ERR_PERM (a
 * key file or the directory with a wrong mode or owner), GPC_ERR_IO,
 * GPC_ERR_NOMEM, GPC_ERR_CRYPTO (subkey derivation failed), GPC_ERR_INVAL.
 * Thread-safe.
 */
int gpc_keys_load(const char *dir, enum gpc_suite suite, struct gpc_keys **out);

/*
 * gpc_keys_load() that says why it failed: on an error, why (whylen bytes,
 * NUL-terminated; may be NULL) gets the reason for a person, without the
 * directory's path: strerror(errno) of the call that failed, "the directory
 * has mode 0777, must not be writable by group or others", "no seal key
 * (seal-v1.key); ...", "seal-v2.key: mode 0644, must not be readable ...",
 * "index-v1.key: 31 bytes, a key is 32", "NAME: not a key file name ...".
 */
int gpc_keys_load_why(const char *dir, enum gpc_suite suite, struct gpc_keys **out,
    char *why, size_t whylen);

/* Wipe and free loaded keys; NULL is allowed. */
void gpc_keys_free(struct gpc_keys *k);

/*
 * Create the next version of both kinds in dir: N = 1 + the highest version
 * of either kind present (1 in an empty directory), each file GPC_KEY_LEN
 * bytes from RAND_priv_bytes, created O_CREAT|O_EXCL|O_NOFOLLOW mode 0600,
 * fsync'd, then the directory fsync'd.  If the second file cannot be made
 * the first is removed.  dir must exist (same ownership rule as
 * gpc_keys_load).  On success *version is N.  Returns GPC_OK, GPC_ERR_EXISTS
 * (a concurrent generate won), GPC_ERR_KEY (a badly named file, or N would
 * exceed GPC_KEY_VERSION_MAX), GPC_ERR_PERM, GPC_ERR_IO, GPC_ERR_CRYPTO,
 * GPC_ERR_NOMEM, GPC_ERR_INVAL.  Processes that already loaded keys keep
 * using the old version until they load again.
 */
int gpc_keys_generate(const char *dir, int *version);

/* gpc_keys_generate() that says why it failed, as gpc_keys_load_why(). */
int gpc_keys_generate_why(const char *dir, int *version, char *why, size_t whylen);

/* The current (highest) seal key version of k: what gpc_seal uses (GPC_ERR_INVAL for NULL). */
int gpc_keys_seal_version(const struct gpc_keys *k);

/*
 * The current (highest) index key version of k: what gpc_blind_index and
 * gpc_secret_hash use (GPC_ERR_INVAL for NULL).
 */
int gpc_keys_index_version(const struct gpc_keys *k);

/* The suite k (not NULL) was loaded for. */
enum gpc_suite gpc_keys_suite(const struct gpc_keys *k);

/*
 * Seal ptlen bytes at pt (ptlen <= GPC_SEAL_MAX_PLAINTEXT; pt may be NULL
 * when ptlen is 0) under k's current seal key, bound to `binding`: a
 * non-empty string naming the entry the value belongs to (its DN exactly as
 * stored, or its entryUUID, which survives a rename).  The binding goes into
 * the authenticated data, not into the output: gpc_unseal must be given the
 * same bytes.  On success *out (malloc'd, NUL-terminated printable ASCII as
 * described at the top of this file) is the caller's to free; on failure
 * NULL.  Returns GPC_OK, GPC_ERR_INVAL, GPC_ERR_CRYPTO, GPC_ERR_NOMEM.
 * Thread-safe.
 */
int gpc_seal(const struct gpc_keys *k, const char *binding, const unsigned char *pt,
    size_t ptlen, char **out);

/*
 * Open a value made by gpc_seal with the key version it names.  On success
 * *pt (malloc'd, *ptlen bytes plus a NUL) is the caller's, to wipe and free
 * with gpc_freezero(*pt, *ptlen + 1); on failure *pt is NULL, *ptlen 0 and
 * no plaintext byte remains in memory.  Returns GPC_OK, GPC_ERR_FORMAT
 * (unparsable), GPC_ERR_CRYPTO (sealed under the other suite — use
 * gpc_seal_suite_of to say "sealed under the gm suite but crypto.suite is
 * standard"), GPC_ERR_KEY (that version's seal key is not loaded),
 * GPC_ERR_BADSEAL (tag or MAC does not verify: tampered, or copied from
 * another entry so the binding differs), GPC_ERR_INVAL, GPC_ERR_NOMEM.
 * Thread-safe.
 */
int gpc_unseal(const struct gpc_keys *k, const char *binding, const char *sealed,
    unsigned char **pt, size_t *ptlen);

/*
 * The suite a sealed value names, without opening it.  Returns GPC_OK with
 * *out set, or GPC_ERR_FORMAT.
 */
int gpc_seal_suite_of(const char *sealed, enum gpc_suite *out);

/* The key version a sealed value names (1..GPC_KEY_VERSION_MAX), or GPC_ERR_FORMAT. */
int gpc_seal_version_of(const char *sealed);

/*
 * Blind index of a normalised identifier (an ID number, upper-case X) for
 * equality searches: HMAC under k's current index key, see the top of this
 * file.  purpose: a non-empty domain label, e.g. "id".  value: non-empty.
 * out (GPC_BLIND_INDEX_LEN + 1 bytes) receives "<h|m><version>:<64 lower-case
 * hex>", e.g. "h1:ab12…".  The same value, purpose and key give the same
 * string.  Returns GPC_OK, GPC_ERR_INVAL, GPC_ERR_CRYPTO; on failure out is
 * "".  Thread-safe.
 */
int gpc_blind_index(const struct gpc_keys *k, const char *purpose, const char *value,
    char *out);

/*
 * gpc_blind_index under index key `version` (to search under old versions
 * during a rotation).  Returns as gpc_blind_index, and GPC_ERR_KEY if that
 * version is not loaded.
 */
int gpc_blind_index_v(const struct gpc_keys *k, int version, const char *purpose,
    const char *value, char *out);

/*
 * Hash a one-time secret (enrollment code, recovery code) for storage, under
 * k's current index key with a fresh random 16-byte salt (two hashes of one
 * secret differ).  secret: non-empty, as the holder will type it (callers
 * normalise case and separators first).  *out (malloc'd) is
 * "<h|m><version>$<32 hex salt>$<64 hex mac>".  Returns GPC_OK,
 * GPC_ERR_INVAL, GPC_ERR_CRYPTO, GPC_ERR_NOMEM.  Thread-safe.
 */
int gpc_secret_hash(const struct gpc_keys *k, const char *purpose, const char *secret,
    char **out);

/*
 * Check a typed secret against a stored gpc_secret_hash string, comparing
 * MACs in constant time.  Returns GPC_OK (match), GPC_ERR_BADCODE (no
 * match, also for another purpose), GPC_ERR_FORMAT (stored is malformed),
 * GPC_ERR_CRYPTO (stored was made under the other suite), GPC_ERR_KEY (its
 * index key version is not loaded), GPC_ERR_INVAL.  Thread-safe.
 */
int gpc_secret_check(const struct gpc_keys *k, const char *purpose, const char *secret,
    const char *stored);

/*
 * n bytes from RAND_priv_bytes (OpenSSL's private DRBG).  Returns GPC_OK,
 * GPC_ERR_CRYPTO, GPC_ERR_INVAL.
 */
int gpc_random_bytes(unsigned char *buf, size_t n);

/*
 * A code of ndigits (>= 1) decimal digits, each uniform (rejection sampling,
 * no modulo bias), into out (ndigits + 1 bytes, NUL-terminated).  Returns
 * GPC_OK, GPC_ERR_CRYPTO, GPC_ERR_INVAL; on failure out is wiped to "".
 */
int gpc_random_digits(char *out, size_t ndigits);

/*
 * A recovery code of uniform symbols from GPC_RECOVERY_ALPHABET in groups of
 * four joined by '-': as many groups as fit in outlen (outlen / 5 groups;
 * GPC_RECOVERY_CODE_SIZE gives "xxxx-xxxx", about 39.6 bits).  outlen >= 5.
 * Returns GPC_OK, GPC_ERR_CRYPTO, GPC_ERR_INVAL; on failure out is wiped to
 * "".
 */
int gpc_random_recovery_code(char *out, size_t outlen);

#endif
