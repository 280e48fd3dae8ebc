/*
 * gpcgate — key files, sealed values, blind indexes, hashed one-time secrets
 * and random codes.  The constructions are specified in seal.h.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include "err.h"
#include "seal.h"
#include "util.h"

#define GCM_NONCE_LEN	12
#define GCM_TAG_LEN	16
#define CTR_IV_LEN	16
#define SM4_KEY_LEN	16
#define HMAC_LEN	32	/* HMAC-SHA256 and HMAC-SM3 alike */
#define SALT_LEN	16
#define BINDING_MAX	65536
/* The longest sealed string gpc_seal can make. */
#define SEALED_MAX	(3 + 4 + 1 + 4 * ((GPC_SEAL_MAX_PLAINTEXT + CTR_IV_LEN + HMAC_LEN + 2) / 3))

#define SEAL_LABEL	"gpcgate-seal"
#define BIDX_LABEL	"gpcgate-blind-index"
#define SECRET_LABEL	"gpcgate-secret-hash"
/* LP(label) || LP(tag) || BE32(version) */
#define HDR_LEN		(4 + sizeof(SEAL_LABEL) - 1 + 4 + 2 + 4)

enum kind { KIND_NONE, KIND_SEAL, KIND_INDEX, KIND_BAD };

struct seal_key {
	int version;
	unsigned char enc[GPC_KEY_LEN];	/* AES-256 key; SM4 uses the first 16 bytes */
	unsigned char mac[HMAC_LEN];	/* gm only: the HMAC-SM3 key */
};

struct index_key {
	int version;
	unsigned char key[GPC_KEY_LEN];
};

struct gpc_keys {
	enum gpc_suite suite;
	struct seal_key *seal;		/* ascending versions: the last is current */
	size_t nseal;
	struct index_key *index;	/* ascending versions: the last is current */
	size_t nindex;
};

/* One piece of a message that is MACed piecewise. */
struct piece {
	const void *p;
	size_t len;
};

/* A sealed string split into its parts; b64 points into the string. */
struct sealed {
	enum gpc_suite suite;
	int version;
	const char *b64;
	size_t b64len;
};

static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int
suite_valid(enum gpc_suite s)
{
	return s == GPC_SUITE_STANDARD || s == GPC_SUITE_GM;
}

static const char *
suite_tag(enum gpc_suite s)
{
	return s == GPC_SUITE_GM ? "s1" : "g1";
}

static char
suite_letter(enum gpc_suite s)
{
	return s == GPC_SUITE_GM ? 'm' : 'h';
}

static const char *
suite_digest(enum gpc_suite s)
{
	return s == GPC_SUITE_GM ? "SM3" : "SHA256";
}

static void
put_be32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

/* LP("gpcgate-seal") || LP(tag) || BE32(version) into h (HDR_LEN bytes). */
static void
seal_header(unsigned char *h, const char *tag, int version)
{
	size_t n = 0, l = strlen(SEAL_LABEL);

	put_be32(h + n, (uint32_t)l);
	memcpy(h + n + 4, SEAL_LABEL, l);
	n += 4 + l;
	put_be32(h + n, 2);
	memcpy(h + n + 4, tag, 2);
	n += 4 + 2;
	put_be32(h + n, (uint32_t)version);
}

static int
binding_ok(const char *binding)
{
	return binding != NULL && binding[0] != '\0' &&
	    strnlen(binding, BINDING_MAX + 1) <= BINDING_MAX;
}

/* Canonical decimal 1..GPC_KEY_VERSION_MAX of exactly n characters. */
static int
parse_version(const char *s, size_t n, int *out)
{
	size_t i;
	int v = 0;

	if (n < 1 || n > 4 || s[0] < '1' || s[0] > '9')
		return 0;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 1;
}

static size_t
count_digits(const char *s)
{
	size_t n = 0;

	while (s[n] >= '0' && s[n] <= '9')
		n++;
	return n;
}

/* Which key file a directory entry is: "seal-v<N>.key", "index-v<N>.key". */
static enum kind
key_file_kind(const char *name, int *version)
{
	enum kind kind;
	const char *p;
	size_t n;

	if (strncmp(name, "seal-", 5) == 0) {
		kind = KIND_SEAL;
		p = name + 5;
	} else if (strncmp(name, "index-", 6) == 0) {
		kind = KIND_INDEX;
		p = name + 6;
	} else
		return KIND_NONE;
	if (*p++ != 'v')
		return KIND_BAD;
	n = count_digits(p);
	if (!parse_version(p, n, version) || strcmp(p + n, ".key") != 0)
		return KIND_BAD;
	return kind;
}

static int
push_version(int **v, size_t *n, int version)
{
	int *nv;

	if ((nv = reallocarray(*v, *n + 1, sizeof **v)) == NULL)
		return GPC_ERR_NOMEM;
	nv[(*n)++] = version;
	*v = nv;
	return GPC_OK;
}

static int
cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

/* why (may be NULL) gets a reason formatted like printf. */
static void
say(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	if (why == NULL || whylen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
}

/*
 * The versions of each kind present in dir, ascending.  Only names are read.
 * The directory itself must be ours and closed to writers other than us.
 * why gets the reason of a failure.
 */
static int
scan_dir(const char *dir, int **seal, size_t *nseal, int **index, size_t *nindex, char *why,
    size_t whylen)
{
	struct dirent *de;
	struct stat st;
	DIR *d = NULL;
	int fd = -1, r, version;

	*seal = *index = NULL;
	*nseal = *nindex = 0;
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		say(why, whylen, "%s", strerror(errno));
		r = GPC_ERR_IO;
		goto out;
	}
	if (fstat(fd, &st) != 0) {
		say(why, whylen, "%s", strerror(errno));
		r = GPC_ERR_IO;
		goto out;
	}
	/* Whoever can write the directory can remove the newest key (a rollback). */
	if (st.st_uid != 0 && st.st_uid != geteuid()) {
		say(why, whylen, "the directory is owned by uid %u, must be owned by root or you "
		    "(uid %u)", (unsigned)st.st_uid, (unsigned)geteuid());
		r = GPC_ERR_PERM;
		goto out;
	}
	if ((st.st_mode & 022) != 0) {
		say(why, whylen, "the directory has mode %04o, must not be writable by group or "
		    "others", (unsigned)(st.st_mode & 07777));
		r = GPC_ERR_PERM;
		goto out;
	}
	if ((d = fdopendir(fd)) == NULL) {
		say(why, whylen, "%s", strerror(errno));
		r = GPC_ERR_IO;
		goto out;
	}
	fd = -1; /* transferred to d */
	for (;;) {
		errno = 0;
		if ((de = readdir(d)) == NULL) {
			if (errno != 0) {
				say(why, whylen, "%s", strerror(errno));
				r = GPC_ERR_IO;
				goto out;
			}
			break;
		}
		switch (key_file_kind(de->d_name, &version)) {
		case KIND_NONE:
			continue;
		case KIND_BAD:
			say(why, whylen, "%.100s: not a key file name (seal-vN.key, index-vN.key)",
			    de->d_name);
			r = GPC_ERR_KEY;
			goto out;
		case KIND_SEAL:
			if ((r = push_version(seal, nseal, version)) != GPC_OK)
				goto out;
			break;
		case KIND_INDEX:
			if ((r = push_version(index, nindex, version)) != GPC_OK)
				goto out;
			break;
		}
	}
	if (*nseal > 0)
		qsort(*seal, *nseal, sizeof **seal, cmp_int);
	if (*nindex > 0)
		qsort(*index, *nindex, sizeof **index, cmp_int);
	r = GPC_OK;
out:
	if (d != NULL)
		closedir(d);
	if (fd >= 0)
		close(fd);
	if (r != GPC_OK) {
		free(*seal);
		free(*index);
		*seal = *index = NULL;
		*nseal = *nindex = 0;
	}
	return r;
}

/* Read "<dir>/<kind>-v<version>.key" into key (GPC_KEY_LEN bytes); why: a failure's reason. */
static int
read_key(const char *dir, const char *kind, int version, unsigned char *key, char *why,
    size_t whylen)
{
	unsigned char *buf = NULL;
	char *path = NULL, file_why[160];
	size_t len = 0;
	int r;

	if (gpc_asprintf(&path, "%s/%s-v%d.key", dir, kind, version) < 0)
		return GPC_ERR_NOMEM;
	/* Raw bytes: a key may well end in 0x0a, so no newline stripping. */
	r = gpc_read_secret_file_why(path, GPC_KEY_LEN, 0, &buf, &len, file_why,
	    sizeof(file_why));
	if (r == GPC_ERR_INVAL) /* longer than a key */
		r = GPC_ERR_KEY;
	if (r != GPC_OK) {
		say(why, whylen, "%s-v%d.key: %s", kind, version, r == GPC_ERR_KEY ?
		    "longer than a key (32 bytes)" : file_why);
		goto out;
	}
	if (len != GPC_KEY_LEN) {
		say(why, whylen, "%s-v%d.key: %zu bytes, a key is %d", kind, version, len,
		    GPC_KEY_LEN);
		r = GPC_ERR_KEY;
		goto out;
	}
	memcpy(key, buf, GPC_KEY_LEN);
	r = GPC_OK;
out:
	gpc_freezero(buf, GPC_KEY_LEN + 1); /* the whole allocation */
	free(path);
	return r;
}

/* HKDF (RFC 5869) with the suite's hash, no salt. */
static int
hkdf(enum gpc_suite suite, const unsigned char *ikm, size_t ikmlen, const char *info,
    unsigned char *out, size_t outlen)
{
	EVP_KDF *kdf = NULL;
	EVP_KDF_CTX *ctx = NULL;
	OSSL_PARAM params[4];
	int r = GPC_ERR_CRYPTO;

	if ((kdf = EVP_KDF_fetch(NULL, OSSL_KDF_NAME_HKDF, NULL)) == NULL ||
	    (ctx = EVP_KDF_CTX_new(kdf)) == NULL)
		goto out;
	/* OSSL_PARAM takes non-const pointers; nothing is written through them. */
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST,
	    (char *)suite_digest(suite), 0);
	params[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)ikm,
	    ikmlen);
	params[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (void *)info,
	    strlen(info));
	params[3] = OSSL_PARAM_construct_end();
	if (EVP_KDF_derive(ctx, out, outlen, params) != 1)
		goto out;
	r = GPC_OK;
out:
	if (r != GPC_OK)
		OPENSSL_cleanse(out, outlen);
	EVP_KDF_CTX_free(ctx); /* wipes the key it copied */
	EVP_KDF_free(kdf);
	return r;
}

/* HMAC (RFC 2104) with the suite's hash over the concatenated pieces. */
static int
hmac(enum gpc_suite suite, const unsigned char *key, size_t keylen, const struct piece *pc,
    size_t npc, unsigned char *out)
{
	EVP_MAC *mac = NULL;
	EVP_MAC_CTX *ctx = NULL;
	OSSL_PARAM params[2];
	size_t i, outl = 0;
	int r = GPC_ERR_CRYPTO;

	if ((mac = EVP_MAC_fetch(NULL, OSSL_MAC_NAME_HMAC, NULL)) == NULL ||
	    (ctx = EVP_MAC_CTX_new(mac)) == NULL)
		goto out;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
	    (char *)suite_digest(suite), 0);
	params[1] = OSSL_PARAM_construct_end();
	if (EVP_MAC_init(ctx, key, keylen, params) != 1)
		goto out;
	for (i = 0; i < npc; i++) {
		if (pc[i].len > 0 && EVP_MAC_update(ctx, pc[i].p, pc[i].len) != 1)
			goto out;
	}
	if (EVP_MAC_final(ctx, out, &outl, HMAC_LEN) != 1 || outl != HMAC_LEN)
		goto out;
	r = GPC_OK;
out:
	if (r != GPC_OK)
		OPENSSL_cleanse(out, HMAC_LEN);
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(mac);
	return r;
}

/*
 * Subkeys of one seal key.  Deriving also for standard keeps every key used
 * for one purpose only, even if one key directory is read under both suites.
 */
static int
derive_seal(enum gpc_suite suite, const unsigned char *raw, struct seal_key *sk)
{
	int r;

	if (suite == GPC_SUITE_GM) {
		if ((r = hkdf(suite, raw, GPC_KEY_LEN, SEAL_LABEL " s1 enc", sk->enc,
		    SM4_KEY_LEN)) != GPC_OK)
			return r;
		return hkdf(suite, raw, GPC_KEY_LEN, SEAL_LABEL " s1 mac", sk->mac, HMAC_LEN);
	}
	return hkdf(suite, raw, GPC_KEY_LEN, SEAL_LABEL " g1 enc", sk->enc, GPC_KEY_LEN);
}

int
gpc_keys_load(const char *dir, enum gpc_suite suite, struct gpc_keys **out)
{
	return gpc_keys_load_why(dir, suite, out, NULL, 0);
}

int
gpc_keys_load_why(const char *dir, enum gpc_suite suite, struct gpc_keys **out, char *why,
    size_t whylen)
{
	unsigned char raw[GPC_KEY_LEN];
	struct gpc_keys *k = NULL;
	int *sv = NULL, *iv = NULL;
	size_t ns = 0, ni = 0, i;
	int r;

	if (out != NULL)
		*out = NULL;
	say(why, whylen, "%s", "");
	if (dir == NULL || out == NULL || !suite_valid(suite))
		return GPC_ERR_INVAL;
	ERR_set_mark();
	if ((r = scan_dir(dir, &sv, &ns, &iv, &ni, why, whylen)) != GPC_OK)
		goto out;
	if (ns == 0 || ni == 0) {
		say(why, whylen, "no %s key (%s-v1.key); make one with `gpcgatectl keys generate`",
		    ns == 0 ? "seal" : "index", ns == 0 ? "seal" : "index");
		r = GPC_ERR_KEY;
		goto out;
	}
	if ((k = calloc(1, sizeof *k)) == NULL ||
	    (k->seal = calloc(ns, sizeof *k->seal)) == NULL ||
	    (k->index = calloc(ni, sizeof *k->index)) == NULL) {
		r = GPC_ERR_NOMEM;
		goto out;
	}
	k->suite = suite;
	k->nseal = ns;
	k->nindex = ni;
	for (i = 0; i < ns; i++) {
		k->seal[i].version = sv[i];
		if ((r = read_key(dir, "seal", sv[i], raw, why, whylen)) != GPC_OK ||
		    (r = derive_seal(suite, raw, &k->seal[i])) != GPC_OK)
			goto out;
	}
	for (i = 0; i < ni; i++) {
		k->index[i].version = iv[i];
		if ((r = read_key(dir, "index", iv[i], k->index[i].key, why, whylen)) != GPC_OK)
			goto out;
	}
	*out = k;
	k = NULL; /* transferred */
	r = GPC_OK;
out:
	OPENSSL_cleanse(raw, sizeof raw);
	gpc_keys_free(k);
	free(sv);
	free(iv);
	ERR_pop_to_mark();
	return r;
}

void
gpc_keys_free(struct gpc_keys *k)
{
	if (k == NULL)
		return;
	if (k->seal != NULL) {
		OPENSSL_cleanse(k->seal, k->nseal * sizeof *k->seal);
		free(k->seal);
	}
	if (k->index != NULL) {
		OPENSSL_cleanse(k->index, k->nindex * sizeof *k->index);
		free(k->index);
	}
	OPENSSL_cleanse(k, sizeof *k);
	free(k);
}

/*
 * Create path with GPC_KEY_LEN bytes of key, durably; nothing is left on
 * failure, and why gets the reason.
 */
static int
write_key_file(const char *path, const unsigned char *key, char *why, size_t whylen)
{
	size_t off = 0;
	ssize_t n;
	int fd, r = GPC_ERR_IO;

	/* O_EXCL: never replace a key, and lose a race to a concurrent generate. */
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0600)) < 0) {
		say(why, whylen, "%s: %s", path, strerror(errno));
		return errno == EEXIST ? GPC_ERR_EXISTS : GPC_ERR_IO;
	}
	while (off < GPC_KEY_LEN) {
		n = write(fd, key + off, GPC_KEY_LEN - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			say(why, whylen, "%s: %s", path, n < 0 ? strerror(errno) : "short write");
			goto out;
		}
		off += (size_t)n;
	}
	if (fsync(fd) != 0) {
		say(why, whylen, "%s: %s", path, strerror(errno));
		goto out;
	}
	r = GPC_OK;
out:
	if (close(fd) != 0 && r == GPC_OK) {
		say(why, whylen, "%s: %s", path, strerror(errno));
		r = GPC_ERR_IO;
	}
	if (r != GPC_OK)
		(void)unlink(path);
	return r;
}

int
gpc_keys_generate(const char *dir, int *version)
{
	return gpc_keys_generate_why(dir, version, NULL, 0);
}

int
gpc_keys_generate_why(const char *dir, int *version, char *why, size_t whylen)
{
	unsigned char key[GPC_KEY_LEN];
	char *spath = NULL, *ipath = NULL;
	int *sv = NULL, *iv = NULL;
	size_t ns = 0, ni = 0;
	int r, n = 0, made_seal = 0, made_index = 0, dfd = -1;

	if (version != NULL)
		*version = 0;
	say(why, whylen, "%s", "");
	if (dir == NULL || version == NULL)
		return GPC_ERR_INVAL;
	ERR_set_mark();
	if ((r = scan_dir(dir, &sv, &ns, &iv, &ni, why, whylen)) != GPC_OK)
		goto out;
	/* One N for both kinds, even if someone removed a file of one kind. */
	if (ns > 0)
		n = sv[ns - 1];
	if (ni > 0 && iv[ni - 1] > n)
		n = iv[ni - 1];
	if (n >= GPC_KEY_VERSION_MAX) {
		say(why, whylen, "version %d is the last one there can be", n);
		r = GPC_ERR_KEY;
		goto out;
	}
	n++;
	if (gpc_asprintf(&spath, "%s/seal-v%d.key", dir, n) < 0 ||
	    gpc_asprintf(&ipath, "%s/index-v%d.key", dir, n) < 0) {
		r = GPC_ERR_NOMEM;
		goto out;
	}
	if ((r = gpc_random_bytes(key, sizeof key)) != GPC_OK ||
	    (r = write_key_file(spath, key, why, whylen)) != GPC_OK)
		goto out;
	made_seal = 1;
	if ((r = gpc_random_bytes(key, sizeof key)) != GPC_OK ||
	    (r = write_key_file(ipath, key, why, whylen)) != GPC_OK)
		goto out;
	made_index = 1;
	/* The new names must survive a crash as the contents do. */
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 || fsync(dfd) != 0) {
		say(why, whylen, "%s", strerror(errno));
		r = GPC_ERR_IO;
		goto out;
	}
	*version = n;
	r = GPC_OK;
out:
	if (r != GPC_OK && made_index)
		(void)unlink(ipath);
	if (r != GPC_OK && made_seal)
		(void)unlink(spath);
	if (dfd >= 0)
		close(dfd);
	OPENSSL_cleanse(key, sizeof key);
	free(spath);
	free(ipath);
	free(sv);
	free(iv);
	ERR_pop_to_mark();
	return r;
}

int
gpc_keys_seal_version(const struct gpc_keys *k)
{
	if (k == NULL)
		return GPC_ERR_INVAL;
	return k->seal[k->nseal - 1].version;
}

int
gpc_keys_index_version(const struct gpc_keys *k)
{
	if (k == NULL)
		return GPC_ERR_INVAL;
	return k->index[k->nindex - 1].version;
}

enum gpc_suite
gpc_keys_suite(const struct gpc_keys *k)
{
	return k->suite;
}

static const struct seal_key *
find_seal(const struct gpc_keys *k, int version)
{
	size_t i;

	for (i = 0; i < k->nseal; i++) {
		if (k->seal[i].version == version)
			return &k->seal[i];
	}
	return NULL;
}

static const struct index_key *
find_index(const struct gpc_keys *k, int version)
{
	size_t i;

	for (i = 0; i < k->nindex; i++) {
		if (k->index[i].version == version)
			return &k->index[i];
	}
	return NULL;
}

/* RFC 4648 §4 base64 with padding, NUL-terminated, malloc'd. */
static int
b64_encode(const unsigned char *in, size_t n, char **out)
{
	char *s;
	size_t i, o = 0;
	uint32_t v;

	*out = NULL;
	if ((s = malloc(4 * ((n + 2) / 3) + 1)) == NULL)
		return GPC_ERR_NOMEM;
	for (i = 0; i + 2 < n; i += 3) {
		v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
		s[o++] = b64_alphabet[v >> 18];
		s[o++] = b64_alphabet[(v >> 12) & 63];
		s[o++] = b64_alphabet[(v >> 6) & 63];
		s[o++] = b64_alphabet[v & 63];
	}
	if (n - i == 1) {
		v = (uint32_t)in[i] << 16;
		s[o++] = b64_alphabet[v >> 18];
		s[o++] = b64_alphabet[(v >> 12) & 63];
		s[o++] = '=';
		s[o++] = '=';
	} else if (n - i == 2) {
		v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
		s[o++] = b64_alphabet[v >> 18];
		s[o++] = b64_alphabet[(v >> 12) & 63];
		s[o++] = b64_alphabet[(v >> 6) & 63];
		s[o++] = '=';
	}
	s[o] = '\0';
	*out = s;
	return GPC_OK;
}

static int
b64_value(char c)
{
	const char *p;

	if (c == '\0' || (p = strchr(b64_alphabet, c)) == NULL)
		return -1;
	return (int)(p - b64_alphabet);
}

/*
 * Strict base64: length a multiple of 4, '=' only as final padding, unused
 * bits zero.  Any other spelling of the same bytes is refused, so a sealed
 * value has exactly one form.
 */
static int
b64_decode(const char *s, size_t n, unsigned char **out, size_t *outlen)
{
	unsigned char *b = NULL;
	size_t i, o = 0, pad = 0;
	int v[4], j, r = GPC_ERR_FORMAT;

	*out = NULL;
	*outlen = 0;
	if (n == 0 || n % 4 != 0)
		return GPC_ERR_FORMAT;
	if (s[n - 1] == '=')
		pad = s[n - 2] == '=' ? 2 : 1;
	if ((b = malloc(n / 4 * 3)) == NULL)
		return GPC_ERR_NOMEM;
	for (i = 0; i < n; i += 4) {
		int last = i + 4 == n;

		for (j = 0; j < 4; j++) {
			if (last && (size_t)j >= 4 - pad)
				v[j] = 0;
			else if ((v[j] = b64_value(s[i + (size_t)j])) < 0)
				goto out;
		}
		b[o++] = (unsigned char)(v[0] << 2 | v[1] >> 4);
		if (last && pad == 2) {
			if ((v[1] & 0x0f) != 0)
				goto out;
			break;
		}
		b[o++] = (unsigned char)((v[1] & 0x0f) << 4 | v[2] >> 2);
		if (last && pad == 1) {
			if ((v[2] & 0x03) != 0)
				goto out;
			break;
		}
		b[o++] = (unsigned char)((v[2] & 0x03) << 6 | v[3]);
	}
	*out = b;
	b = NULL; /* transferred */
	*outlen = o;
	r = GPC_OK;
out:
	free(b);
	return r;
}

/* "<g1|s1>$<version>$<base64>" into its parts. */
static int
parse_sealed(const char *s, struct sealed *p)
{
	size_t n;

	if (s == NULL || strnlen(s, SEALED_MAX + 1) > SEALED_MAX)
		return GPC_ERR_FORMAT;
	if (strncmp(s, "g1$", 3) == 0)
		p->suite = GPC_SUITE_STANDARD;
	else if (strncmp(s, "s1$", 3) == 0)
		p->suite = GPC_SUITE_GM;
	else
		return GPC_ERR_FORMAT;
	s += 3;
	n = count_digits(s);
	if (!parse_version(s, n, &p->version) || s[n] != '$')
		return GPC_ERR_FORMAT;
	p->b64 = s + n + 1;
	p->b64len = strlen(p->b64);
	return p->b64len > 0 ? GPC_OK : GPC_ERR_FORMAT;
}

/* AES-256-GCM: payload = nonce || ciphertext || tag. */
static int
seal_gcm(const struct seal_key *sk, const char *binding, const unsigned char *pt,
    size_t ptlen, unsigned char **payload, size_t *paylen)
{
	EVP_CIPHER *c = NULL;
	EVP_CIPHER_CTX *ctx = NULL;
	unsigned char hdr[HDR_LEN], blen[4], *buf = NULL;
	size_t bl = strlen(binding), n = GCM_NONCE_LEN + ptlen + GCM_TAG_LEN;
	int outl = 0, r = GPC_ERR_CRYPTO;

	*payload = NULL;
	*paylen = 0;
	if ((buf = malloc(n)) == NULL)
		return GPC_ERR_NOMEM;
	seal_header(hdr, "g1", sk->version);
	put_be32(blen, (uint32_t)bl);
	/* A random 96-bit nonce per value; keys are rotated long before 2^32 seals. */
	if (RAND_bytes(buf, GCM_NONCE_LEN) != 1)
		goto out;
	if ((c = EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL)) == NULL ||
	    (ctx = EVP_CIPHER_CTX_new()) == NULL ||
	    EVP_EncryptInit_ex2(ctx, c, sk->enc, buf, NULL) != 1)
		goto out;
	if (EVP_EncryptUpdate(ctx, NULL, &outl, hdr, (int)sizeof hdr) != 1 ||
	    EVP_EncryptUpdate(ctx, NULL, &outl, blen, 4) != 1 ||
	    EVP_EncryptUpdate(ctx, NULL, &outl, (const unsigned char *)binding, (int)bl) != 1)
		goto out;
	if (ptlen > 0 && (EVP_EncryptUpdate(ctx, buf + GCM_NONCE_LEN, &outl, pt,
	    (int)ptlen) != 1 || (size_t)outl != ptlen))
		goto out;
	if (EVP_EncryptFinal_ex(ctx, buf + GCM_NONCE_LEN + ptlen, &outl) != 1 || outl != 0)
		goto out;
	if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, GCM_TAG_LEN,
	    buf + GCM_NONCE_LEN + ptlen) != 1)
		goto out;
	*payload = buf;
	buf = NULL; /* transferred */
	*paylen = n;
	r = GPC_OK;
out:
	free(buf); /* nonce and ciphertext only */
	EVP_CIPHER_CTX_free(ctx); /* wipes the key schedule */
	EVP_CIPHER_free(c);
	return r;
}

static int
open_gcm(const struct seal_key *sk, const char *binding, const unsigned char *pl,
    size_t plen, unsigned char **pt, size_t *ptlen)
{
	EVP_CIPHER *c = NULL;
	EVP_CIPHER_CTX *ctx = NULL;
	unsigned char hdr[HDR_LEN], blen[4], tag[GCM_TAG_LEN], *buf = NULL;
	size_t bl = strlen(binding), ctlen;
	int outl = 0, r = GPC_ERR_CRYPTO;

	if (plen < GCM_NONCE_LEN + GCM_TAG_LEN)
		return GPC_ERR_FORMAT;
	ctlen = plen - GCM_NONCE_LEN - GCM_TAG_LEN;
	if ((buf = malloc(ctlen + 1)) == NULL)
		return GPC_ERR_NOMEM;
	memcpy(tag, pl + GCM_NONCE_LEN + ctlen, GCM_TAG_LEN);
	seal_header(hdr, "g1", sk->version);
	put_be32(blen, (uint32_t)bl);
	if ((c = EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL)) == NULL ||
	    (ctx = EVP_CIPHER_CTX_new()) == NULL ||
	    EVP_DecryptInit_ex2(ctx, c, sk->enc, pl, NULL) != 1)
		goto out;
	if (EVP_DecryptUpdate(ctx, NULL, &outl, hdr, (int)sizeof hdr) != 1 ||
	    EVP_DecryptUpdate(ctx, NULL, &outl, blen, 4) != 1 ||
	    EVP_DecryptUpdate(ctx, NULL, &outl, (const unsigned char *)binding, (int)bl) != 1)
		goto out;
	if (ctlen > 0 && (EVP_DecryptUpdate(ctx, buf, &outl, pl + GCM_NONCE_LEN,
	    (int)ctlen) != 1 || (size_t)outl != ctlen))
		goto out;
	if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, GCM_TAG_LEN, tag) != 1)
		goto out;
	/* GCM hands out plaintext before the tag is checked: wiped below if it fails. */
	if (EVP_DecryptFinal_ex(ctx, buf + ctlen, &outl) != 1) {
		r = GPC_ERR_BADSEAL;
		goto out;
	}
	buf[ctlen] = '\0';
	*pt = buf;
	buf = NULL; /* transferred */
	*ptlen = ctlen;
	r = GPC_OK;
out:
	gpc_freezero(buf, ctlen + 1);
	EVP_CIPHER_CTX_free(ctx);
	EVP_CIPHER_free(c);
	return r;
}

/* SM4-CTR over in (n bytes) into out, the same operation both ways. */
static int
sm4_ctr(const unsigned char *key, const unsigned char *iv, const unsigned char *in,
    size_t n, unsigned char *out)
{
	EVP_CIPHER *c = NULL;
	EVP_CIPHER_CTX *ctx = NULL;
	int outl = 0, r = GPC_ERR_CRYPTO;

	if ((c = EVP_CIPHER_fetch(NULL, "SM4-CTR", NULL)) == NULL ||
	    (ctx = EVP_CIPHER_CTX_new()) == NULL ||
	    EVP_EncryptInit_ex2(ctx, c, key, iv, NULL) != 1)
		goto out;
	if (n > 0 && (EVP_EncryptUpdate(ctx, out, &outl, in, (int)n) != 1 ||
	    (size_t)outl != n))
		goto out;
	if (EVP_EncryptFinal_ex(ctx, out + n, &outl) != 1 || outl != 0)
		goto out;
	r = GPC_OK;
out:
	EVP_CIPHER_CTX_free(ctx);
	EVP_CIPHER_free(c);
	return r;
}

/* HMAC-SM3 of a gm payload: header || IV || LP(binding) || ciphertext. */
static int
gm_tag(const struct seal_key *sk, const char *binding, const unsigned char *iv,
    const unsigned char *ct, size_t ctlen, unsigned char *tag)
{
	unsigned char hdr[HDR_LEN], blen[4];
	size_t bl = strlen(binding);
	struct piece pc[5];

	seal_header(hdr, "s1", sk->version);
	put_be32(blen, (uint32_t)bl);
	pc[0] = (struct piece){ hdr, sizeof hdr };
	pc[1] = (struct piece){ iv, CTR_IV_LEN };
	pc[2] = (struct piece){ blen, sizeof blen };
	pc[3] = (struct piece){ binding, bl };
	pc[4] = (struct piece){ ct, ctlen };
	return hmac(GPC_SUITE_GM, sk->mac, HMAC_LEN, pc, 5, tag);
}

/* SM4-CTR then HMAC-SM3: payload = IV || ciphertext || tag. */
static int
seal_gm(const struct seal_key *sk, const char *binding, const unsigned char *pt,
    size_t ptlen, unsigned char **payload, size_t *paylen)
{
	unsigned char *buf = NULL;
	size_t n = CTR_IV_LEN + ptlen + HMAC_LEN;
	int r = GPC_ERR_CRYPTO;

	*payload = NULL;
	*paylen = 0;
	if ((buf = malloc(n)) == NULL)
		return GPC_ERR_NOMEM;
	/* A random 128-bit initial counter block per value. */
	if (RAND_bytes(buf, CTR_IV_LEN) != 1)
		goto out;
	if ((r = sm4_ctr(sk->enc, buf, pt, ptlen, buf + CTR_IV_LEN)) != GPC_OK ||
	    (r = gm_tag(sk, binding, buf, buf + CTR_IV_LEN, ptlen,
	    buf + CTR_IV_LEN + ptlen)) != GPC_OK)
		goto out;
	*payload = buf;
	buf = NULL; /* transferred */
	*paylen = n;
	r = GPC_OK;
out:
	free(buf); /* IV and ciphertext only */
	return r;
}

static int
open_gm(const struct seal_key *sk, const char *binding, const unsigned char *pl,
    size_t plen, unsigned char **pt, size_t *ptlen)
{
	unsigned char tag[HMAC_LEN], *buf = NULL;
	size_t ctlen;
	int r;

	if (plen < CTR_IV_LEN + HMAC_LEN)
		return GPC_ERR_FORMAT;
	ctlen = plen - CTR_IV_LEN - HMAC_LEN;
	if ((r = gm_tag(sk, binding, pl, pl + CTR_IV_LEN, ctlen, tag)) != GPC_OK)
		goto out;
	/* Encrypt-then-MAC: nothing is decrypted unless the tag matches. */
	if (CRYPTO_memcmp(tag, pl + CTR_IV_LEN + ctlen, HMAC_LEN) != 0) {
		r = GPC_ERR_BADSEAL;
		goto out;
	}
	if ((buf = malloc(ctlen + 1)) == NULL) {
		r = GPC_ERR_NOMEM;
		goto out;
	}
	if ((r = sm4_ctr(sk->enc, pl, pl + CTR_IV_LEN, ctlen, buf)) != GPC_OK)
		goto out;
	buf[ctlen] = '\0';
	*pt = buf;
	buf = NULL; /* transferred */
	*ptlen = ctlen;
	r = GPC_OK;
out:
	gpc_freezero(buf, ctlen + 1);
	return r;
}

int
gpc_seal(const struct gpc_keys *k, const char *binding, const unsigned char *pt,
    size_t ptlen, char **out)
{
	const struct seal_key *sk;
	unsigned char *payload = NULL;
	char *b64 = NULL, *s = NULL;
	size_t paylen = 0;
	int r;

	if (out != NULL)
		*out = NULL;
	if (k == NULL || out == NULL || !binding_ok(binding) || (pt == NULL && ptlen > 0) ||
	    ptlen > GPC_SEAL_MAX_PLAINTEXT)
		return GPC_ERR_INVAL;
	ERR_set_mark();
	sk = &k->seal[k->nseal - 1];
	if (k->suite == GPC_SUITE_GM)
		r = seal_gm(sk, binding, pt, ptlen, &payload, &paylen);
	else
		r = seal_gcm(sk, binding, pt, ptlen, &payload, &paylen);
	if (r != GPC_OK)
		goto out;
	if ((r = b64_encode(payload, paylen, &b64)) != GPC_OK)
		goto out;
	if (gpc_asprintf(&s, "%s$%d$%s", suite_tag(k->suite), sk->version, b64) < 0) {
		r = GPC_ERR_NOMEM;
		goto out;
	}
	*out = s;
	s = NULL; /* transferred */
	r = GPC_OK;
out:
	free(payload);
	free(b64);
	ERR_pop_to_mark();
	return r;
}

int
gpc_unseal(const struct gpc_keys *k, const char *binding, const char *sealed,
    unsigned char **pt, size_t *ptlen)
{
	const struct seal_key *sk;
	unsigned char *payload = NULL;
	size_t paylen = 0;
	struct sealed p;
	int r;

	if (pt != NULL)
		*pt = NULL;
	if (ptlen != NULL)
		*ptlen = 0;
	if (k == NULL || pt == NULL || ptlen == NULL || !binding_ok(binding) || sealed == NULL)
		return GPC_ERR_INVAL;
	ERR_set_mark();
	if ((r = parse_sealed(sealed, &p)) != GPC_OK ||
	    (r = b64_decode(p.b64, p.b64len, &payload, &paylen)) != GPC_OK)
		goto out;
	/* Not a forgery but a configuration mistake: callers name both suites. */
	if (p.suite != k->suite) {
		r = GPC_ERR_CRYPTO;
		goto out;
	}
	if ((sk = find_seal(k, p.version)) == NULL) {
		r = GPC_ERR_KEY;
		goto out;
	}
	if (k->suite == GPC_SUITE_GM)
		r = open_gm(sk, binding, payload, paylen, pt, ptlen);
	else
		r = open_gcm(sk, binding, payload, paylen, pt, ptlen);
out:
	free(payload);
	ERR_pop_to_mark();
	return r;
}

int
gpc_seal_suite_of(const char *sealed, enum gpc_suite *out)
{
	struct sealed p;
	int r;

	if ((r = parse_sealed(sealed, &p)) != GPC_OK)
		return r;
	if (out != NULL)
		*out = p.suite;
	return GPC_OK;
}

int
gpc_seal_version_of(const char *sealed)
{
	struct sealed p;
	int r;

	if ((r = parse_sealed(sealed, &p)) != GPC_OK)
		return r;
	return p.version;
}

int
gpc_blind_index_v(const struct gpc_keys *k, int version, const char *purpose,
    const char *value, char *out)
{
	const struct index_key *ik;
	unsigned char mac[HMAC_LEN];
	char hex[2 * HMAC_LEN + 1];
	struct piece pc[3];
	int r;

	if (out != NULL)
		out[0] = '\0';
	if (k == NULL || out == NULL || purpose == NULL || purpose[0] == '\0' ||
	    value == NULL || value[0] == '\0')
		return GPC_ERR_INVAL;
	if ((ik = find_index(k, version)) == NULL)
		return GPC_ERR_KEY;
	ERR_set_mark();
	/* The strings' own NULs separate label, purpose and value. */
	pc[0] = (struct piece){ BIDX_LABEL, sizeof(BIDX_LABEL) };
	pc[1] = (struct piece){ purpose, strlen(purpose) + 1 };
	pc[2] = (struct piece){ value, strlen(value) };
	if ((r = hmac(k->suite, ik->key, GPC_KEY_LEN, pc, 3, mac)) != GPC_OK)
		goto out;
	gpc_hex(mac, sizeof mac, hex);
	(void)snprintf(out, GPC_BLIND_INDEX_LEN + 1, "%c%d:%s", suite_letter(k->suite),
	    version, hex);
	r = GPC_OK;
out:
	OPENSSL_cleanse(mac, sizeof mac);
	OPENSSL_cleanse(hex, sizeof hex);
	ERR_pop_to_mark();
	return r;
}

int
gpc_blind_index(const struct gpc_keys *k, const char *purpose, const char *value, char *out)
{
	if (k == NULL) {
		if (out != NULL)
			out[0] = '\0';
		return GPC_ERR_INVAL;
	}
	return gpc_blind_index_v(k, gpc_keys_index_version(k), purpose, value, out);
}

static int
secret_mac(const struct gpc_keys *k, const struct index_key *ik, const char *purpose,
    const unsigned char *salt, const char *secret, unsigned char *mac)
{
	struct piece pc[4];

	pc[0] = (struct piece){ SECRET_LABEL, sizeof(SECRET_LABEL) };
	pc[1] = (struct piece){ purpose, strlen(purpose) + 1 };
	pc[2] = (struct piece){ salt, SALT_LEN };
	pc[3] = (struct piece){ secret, strlen(secret) };
	return hmac(k->suite, ik->key, GPC_KEY_LEN, pc, 4, mac);
}

int
gpc_secret_hash(const struct gpc_keys *k, const char *purpose, const char *secret, char **out)
{
	const struct index_key *ik;
	unsigned char salt[SALT_LEN], mac[HMAC_LEN];
	char salthex[2 * SALT_LEN + 1], machex[2 * HMAC_LEN + 1], *s = NULL;
	int r;

	if (out != NULL)
		*out = NULL;
	if (k == NULL || out == NULL || purpose == NULL || purpose[0] == '\0' ||
	    secret == NULL || secret[0] == '\0')
		return GPC_ERR_INVAL;
	ERR_set_mark();
	ik = &k->index[k->nindex - 1];
	/* The salt keeps two holders' equal codes from showing as equal hashes. */
	if (RAND_bytes(salt, sizeof salt) != 1) {
		r = GPC_ERR_CRYPTO;
		goto out;
	}
	if ((r = secret_mac(k, ik, purpose, salt, secret, mac)) != GPC_OK)
		goto out;
	gpc_hex(salt, sizeof salt, salthex);
	gpc_hex(mac, sizeof mac, machex);
	if (gpc_asprintf(&s, "%c%d$%s$%s", suite_letter(k->suite), ik->version, salthex,
	    machex) < 0) {
		r = GPC_ERR_NOMEM;
		goto out;
	}
	*out = s;
	s = NULL; /* transferred */
	r = GPC_OK;
out:
	OPENSSL_cleanse(mac, sizeof mac);
	OPENSSL_cleanse(machex, sizeof machex);
	ERR_pop_to_mark();
	return r;
}

/* Exactly n lower-case hex digit pairs into out; 0 on anything else. */
static int
unhex(const char *s, size_t n, unsigned char *out)
{
	size_t i;
	int hi, lo;

	for (i = 0; i < n; i++) {
		const char *a = s + 2 * i;

		hi = (a[0] >= '0' && a[0] <= '9') ? a[0] - '0' :
		    (a[0] >= 'a' && a[0] <= 'f') ? a[0] - 'a' + 10 : -1;
		lo = (a[1] >= '0' && a[1] <= '9') ? a[1] - '0' :
		    (a[1] >= 'a' && a[1] <= 'f') ? a[1] - 'a' + 10 : -1;
		if (hi < 0 || lo < 0)
			return 0;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return 1;
}

int
gpc_secret_check(const struct gpc_keys *k, const char *purpose, const char *secret,
    const char *stored)
{
	const struct index_key *ik;
	unsigned char salt[SALT_LEN], want[HMAC_LEN], mac[HMAC_LEN];
	enum gpc_suite suite;
	const char *p;
	size_t n;
	int r, version;

	if (k == NULL || purpose == NULL || purpose[0] == '\0' || secret == NULL ||
	    stored == NULL)
		return GPC_ERR_INVAL;
	ERR_set_mark();
	r = GPC_ERR_FORMAT;
	if (stored[0] == 'h')
		suite = GPC_SUITE_STANDARD;
	else if (stored[0] == 'm')
		suite = GPC_SUITE_GM;
	else
		goto out;
	p = stored + 1;
	n = count_digits(p);
	if (!parse_version(p, n, &version) || p[n] != '$')
		goto out;
	p += n + 1;
	if (strnlen(p, 2 * SALT_LEN + 1) != 2 * SALT_LEN + 1 || p[2 * SALT_LEN] != '$' ||
	    !unhex(p, SALT_LEN, salt))
		goto out;
	p += 2 * SALT_LEN + 1;
	if (strlen(p) != 2 * HMAC_LEN || !unhex(p, HMAC_LEN, want))
		goto out;
	if (suite != k->suite) {
		r = GPC_ERR_CRYPTO;
		goto out;
	}
	if ((ik = find_index(k, version)) == NULL) {
		r = GPC_ERR_KEY;
		goto out;
	}
	if ((r = secret_mac(k, ik, purpose, salt, secret, mac)) != GPC_OK)
		goto out;
	r = CRYPTO_memcmp(mac, want, HMAC_LEN) == 0 ? GPC_OK : GPC_ERR_BADCODE;
out:
	OPENSSL_cleanse(mac, sizeof mac);
	OPENSSL_cleanse(want, sizeof want);
	ERR_pop_to_mark();
	return r;
}

int
gpc_random_bytes(unsigned char *buf, size_t n)
{
	size_t chunk;
	int r = GPC_OK;

	if (buf == NULL && n > 0)
		return GPC_ERR_INVAL;
	ERR_set_mark();
	while (n > 0) {
		chunk = n > 65536 ? 65536 : n;
		if (RAND_priv_bytes(buf, (int)chunk) != 1) {
			r = GPC_ERR_CRYPTO;
			break;
		}
		buf += chunk;
		n -= chunk;
	}
	ERR_pop_to_mark();
	return r;
}

/*
 * n symbols, each uniform over an alphabet of m (<= 256) symbols: bytes at or
 * above the largest multiple of m are drawn again, so there is no modulo bias.
 * pos(i) places symbol i in out.
 */
static int
random_symbols(char *out, size_t n, const char *alphabet, size_t (*pos)(size_t))
{
	unsigned char buf[64];
	size_t m = strlen(alphabet), limit = 256 - 256 % m, i = 0, j;
	int r = GPC_OK;

	while (i < n) {
		if ((r = gpc_random_bytes(buf, sizeof buf)) != GPC_OK)
			break;
		for (j = 0; j < sizeof buf && i < n; j++) {
			if (buf[j] < limit)
				out[pos(i++)] = alphabet[buf[j] % m];
		}
	}
	OPENSSL_cleanse(buf, sizeof buf);
	return r;
}

static size_t
pos_plain(size_t i)
{
	return i;
}

/* Symbol i of "xxxx-xxxx-…": one '-' after every four. */
static size_t
pos_grouped(size_t i)
{
	return i + i / 4;
}

int
gpc_random_digits(char *out, size_t ndigits)
{
	int r;

	if (out == NULL || ndigits == 0)
		return GPC_ERR_INVAL;
	if ((r = random_symbols(out, ndigits, "0123456789", pos_plain)) != GPC_OK) {
		explicit_bzero(out, ndigits + 1);
		return r;
	}
	out[ndigits] = '\0';
	return GPC_OK;
}

int
gpc_random_recovery_code(char *out, size_t outlen)
{
	size_t groups, len, i;
	int r;

	if (out == NULL || outlen < 5)
		return GPC_ERR_INVAL;
	groups = outlen / 5;
	len = groups * 5 - 1;
	for (i = 4; i < len; i += 5)
		out[i] = '-';
	if ((r = random_symbols(out, groups * 4, GPC_RECOVERY_ALPHABET,
	    pos_grouped)) != GPC_OK) {
		explicit_bzero(out, outlen);
		return r;
	}
	out[len] = '\0';
	return GPC_OK;
}
