/*
 * Unit tests for lib/seal.c: key directories, sealed values, blind indexes,
 * hashed one-time secrets and random codes.  The constructions documented in
 * seal.h are re-computed independently with the openssl command line.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <openssl/evp.h>

#include "err.h"
#include "seal.h"
#include "util.h"

#define DN_A "uid=nc-jb01,gpcUnitCode=12150102000000027X,ou=units,dc=gpcloud,dc=example"
#define DN_B "uid=nc-sh01,gpcUnitCode=12150102000000027X,ou=units,dc=gpcloud,dc=example"
#define SEED "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
#define ID_NUMBER "150102198001010014"

struct fx {
	char dir[64];
};

/* ---- helpers ------------------------------------------------------------ */

static void
path_of(char *buf, size_t len, const char *dir, const char *name)
{
	int n = snprintf(buf, len, "%s/%s", dir, name);

	assert_true(n > 0 && (size_t)n < len);
}

static void
write_file(const char *dir, const char *name, const void *data, size_t len, mode_t mode)
{
	char path[256];
	int fd;

	path_of(path, sizeof path, dir, name);
	(void)unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	assert_int_equal(fchmod(fd, mode), 0);
	assert_int_equal(close(fd), 0);
}

static void
remove_file(const char *dir, const char *name)
{
	char path[256];

	path_of(path, sizeof path, dir, name);
	assert_int_equal(unlink(path), 0);
}

static void
chmod_file(const char *dir, const char *name, mode_t mode)
{
	char path[256];

	path_of(path, sizeof path, dir, name);
	assert_int_equal(chmod(path, mode), 0);
}

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);

	if (f == NULL)
		return -1;
	strcpy(f->dir, "/tmp/gpcseal.XXXXXX");
	if (mkdtemp(f->dir) == NULL) {
		free(f);
		return -1;
	}
	*state = f;
	return 0;
}

static void
rm_tree(const char *dir)
{
	char path[512];
	struct dirent *de;
	DIR *d;

	if ((d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
		if (unlink(path) != 0)
			rm_tree(path);
	}
	closedir(d);
	(void)rmdir(dir);
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	rm_tree(f->dir);
	free(f);
	return 0;
}

static struct gpc_keys *
load(const char *dir, enum gpc_suite suite)
{
	struct gpc_keys *k = NULL;

	assert_int_equal(gpc_keys_load(dir, suite, &k), GPC_OK);
	assert_non_null(k);
	return k;
}

static void
generate(const char *dir, int want)
{
	int v = -1;

	assert_int_equal(gpc_keys_generate(dir, &v), GPC_OK);
	assert_int_equal(v, want);
}

static const char *
suite_name(enum gpc_suite s)
{
	return s == GPC_SUITE_GM ? "gm" : "standard";
}

/* The base64 part of a sealed value. */
static const char *
payload_of(const char *sealed)
{
	const char *p = strchr(sealed, '$');

	assert_non_null(p);
	p = strchr(p + 1, '$');
	assert_non_null(p);
	return p + 1;
}

/* Run a shell command, collect its stdout; skip the test without openssl. */
static void
run(const char *cmd, char *out, size_t outlen)
{
	FILE *f;
	size_t n;

	if (system("openssl version >/dev/null 2>&1") != 0)
		skip();
	assert_non_null(f = popen(cmd, "r"));
	n = fread(out, 1, outlen - 1, f);
	out[n] = '\0';
	assert_int_equal(pclose(f), 0);
}

static void
hexstr(const unsigned char *b, size_t n, char *out)
{
	gpc_hex(b, n, out);
}

/* "3A:4B:..." or "3a4b..." (openssl's outputs) into bytes; returns the count. */
static size_t
parse_hex(const char *s, unsigned char *out, size_t max)
{
	size_t n = 0;
	int hi = -1, v;

	for (; *s != '\0' && *s != ' ' && *s != '\n'; s++) {
		if (*s >= '0' && *s <= '9')
			v = *s - '0';
		else if (*s >= 'a' && *s <= 'f')
			v = *s - 'a' + 10;
		else if (*s >= 'A' && *s <= 'F')
			v = *s - 'A' + 10;
		else
			continue;
		if (hi < 0) {
			hi = v;
			continue;
		}
		assert_true(n < max);
		out[n++] = (unsigned char)(hi << 4 | v);
		hi = -1;
	}
	return n;
}

/* openssl kdf HKDF: outlen bytes from ikm with digest and info. */
static void
cli_hkdf(const char *digest, const unsigned char *ikm, const char *info,
    unsigned char *out, size_t outlen)
{
	char hex[65], cmd[512], buf[256];

	hexstr(ikm, 32, hex);
	snprintf(cmd, sizeof cmd, "openssl kdf -keylen %zu -kdfopt digest:%s "
	    "-kdfopt hexkey:%s -kdfopt 'info:%s' HKDF", outlen, digest, hex, info);
	run(cmd, buf, sizeof buf);
	assert_int_equal(parse_hex(buf, out, outlen), outlen);
}

/* openssl dgst HMAC over a file holding msg; 32 bytes into mac. */
static void
cli_hmac(const char *dir, const char *digest, const unsigned char *key,
    const unsigned char *msg, size_t len, unsigned char *mac)
{
	char hex[65], cmd[512], path[256], buf[256];

	write_file(dir, "msg.bin", msg, len, 0600);
	path_of(path, sizeof path, dir, "msg.bin");
	hexstr(key, 32, hex);
	snprintf(cmd, sizeof cmd, "openssl dgst -%s -mac HMAC -macopt hexkey:%s -r %s",
	    digest, hex, path);
	run(cmd, buf, sizeof buf);
	assert_int_equal(parse_hex(buf, mac, 32), 32);
}

/*
 * Known key files of one version: seal = a0..bf, index = 00..1e then 0x0a (a
 * trailing "newline" that must not be stripped).
 */
static void
known_keys(const char *dir, int version, unsigned char *seal, unsigned char *index)
{
	char name[32];
	int i;

	for (i = 0; i < 32; i++) {
		seal[i] = (unsigned char)(0xa0 + i);
		index[i] = (unsigned char)i;
	}
	index[31] = 0x0a;
	snprintf(name, sizeof name, "seal-v%d.key", version);
	write_file(dir, name, seal, 32, 0600);
	snprintf(name, sizeof name, "index-v%d.key", version);
	write_file(dir, name, index, 32, 0600);
}

static size_t
put_lp(unsigned char *p, const void *s, size_t n)
{
	p[0] = (unsigned char)(n >> 24);
	p[1] = (unsigned char)(n >> 16);
	p[2] = (unsigned char)(n >> 8);
	p[3] = (unsigned char)n;
	memcpy(p + 4, s, n);
	return 4 + n;
}

/* The header of seal.h written out by hand: LP(label) LP(tag) BE32(version). */
static size_t
header(unsigned char *p, const char *tag, int version)
{
	size_t n = 0;

	n += put_lp(p + n, "gpcgate-seal", 12);
	n += put_lp(p + n, tag, 2);
	p[n++] = 0;
	p[n++] = 0;
	p[n++] = (unsigned char)(version >> 8);
	p[n++] = (unsigned char)version;
	return n;
}

static unsigned char *
b64dec(const char *s, size_t *len)
{
	size_t n = strlen(s);
	unsigned char *b = malloc(n);
	int l;

	assert_non_null(b);
	l = EVP_DecodeBlock(b, (const unsigned char *)s, (int)n);
	assert_true(l >= 0);
	while (n > 0 && s[n - 1] == '=') {
		l--;
		n--;
	}
	*len = (size_t)l;
	return b;
}

/* ---- key directory ------------------------------------------------------ */

static void
test_generate_and_load(void **state)
{
	struct fx *f = *state;
	struct gpc_keys *k = NULL;
	struct stat st;
	char path[256];

	/* An empty directory has no keys. */
	assert_int_equal(gpc_keys_load(f->dir, GPC_SUITE_STANDARD, &k), GPC_ERR_KEY);
	assert_null(k);
	generate(f->dir, 1);
	path_of(path, sizeof path, f->dir, "seal-v1.key");
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(st.st_size, 32);
	path_of(path, sizeof path, f->dir, "index-v1.key");
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(st.st_size, 32);

	k = load(f->dir, GPC_SUITE_STANDARD);
	assert_int_equal(gpc_keys_seal_version(k), 1);
	assert_int_equal(gpc_keys_index_version(k), 1);
	assert_int_equal(gpc_keys_suite(k), GPC_SUITE_STANDARD);
	gpc_keys_free(k);
	gpc_keys_free(NULL);

	generate(f->dir, 2);
	/* Versions continue after the highest of either kind. */
	remove_file(f->dir, "seal-v2.key");
	generate(f->dir, 3);
	k = load(f->dir, GPC_SUITE_GM);
	assert_int_equal(gpc_keys_seal_version(k), 3);
	assert_int_equal(gpc_keys_index_version(k), 3);
	gpc_keys_free(k);

	assert_int_equal(gpc_keys_generate("/nonexistent/gpcgate", &(int){ 0 }), GPC_ERR_IO);
	assert_int_equal(gpc_keys_load("/nonexistent/gpcgate", GPC_SUITE_STANDARD, &k),
	    GPC_ERR_IO);
	assert_int_equal(gpc_keys_load(f->dir, (enum gpc_suite)7, &k), GPC_ERR_INVAL);
	assert_int_equal(gpc_keys_load(NULL, GPC_SUITE_STANDARD, &k), GPC_ERR_INVAL);
}

static void
test_key_file_mode(void **state)
{
	struct fx *f = *state;
	struct gpc_keys *k = (struct gpc_keys *)1;
	char why[256];

	generate(f->dir, 1);
	chmod_file(f->dir, "seal-v1.key", 0644);
	assert_int_equal(gpc_keys_load(f->dir, GPC_SUITE_STANDARD, &k), GPC_ERR_PERM);
	assert_null(k);
	chmod_file(f->dir, "seal-v1.key", 0600);
	chmod_file(f->dir, "index-v1.key", 0640);
	assert_int_equal(gpc_keys_load(f->dir, GPC_SUITE_STANDARD, &k), GPC_ERR_PERM);
	/* the reason names the file, its mode and the rule */
	assert_int_equal(gpc_keys_load_why(f->dir, GPC_SUITE_STANDARD, &k, why, sizeof(why)),
	    GPC_ERR_PERM);
	assert_string_equal(why, "index-v1.key: mode 0640, must not be readable or writable by "
	    "group or others (chmod 600)");
	chmod_file(f->dir, "index-v1.key", 0600);
	gpc_keys_free(load(f->dir, GPC_SUITE_STANDARD));

	/* A directory others can write lets them remove the newest key. */
	assert_int_equal(chmod(f->dir, 0777), 0);
	assert_int_equal(gpc_keys_load(f->dir, GPC_SUITE_STANDARD, &k), GPC_ERR_PERM);
	assert_int_equal(gpc_keys_generate(f->dir, &(int){ 0 }), GPC_ERR_PERM);
	assert_int_equal(gpc_keys_load_why(f->dir, GPC_SUITE_STANDARD, &k, why, sizeof(why)),
	    GPC_ERR_PERM);
	assert_string_equal(why, "the directory has mode 0777, must not be writable by group or "
	    "others");
	assert_int_equal(gpc_keys_generate_why(f->dir, &(int){ 0 }, why, sizeof(why)),
	    GPC_ERR_PERM);
	assert_string_equal(why, "the directory has mode 0777, must not be writable by group or "
	    "others");
	assert_int_equal(chmod(f->dir, 0755), 0);
	gpc_keys_free(load(f->dir, GPC_SUITE_STANDARD));
	/* errno's words for a directory that cannot be opened */
	assert_int_equal(gpc_keys_load_why("/nonexistent/gpcgate", GPC_SUITE_STANDARD, &k, why,
	    sizeof(why)), GPC_ERR_IO);
	assert_string_equal(why, strerror(ENOENT));
}

static void
test_key_file_size_and_name(void **state)
{
	struct fx *f = *state;
	struct gpc_keys *k = NULL;
	unsigned char b[33] = { 0 };
	static const char *const bad[] = {
		"seal-v01.key", "seal-v0.key", "seal-v1.key.bak", "seal-1.key",
		"index-v.key", "index-v10000.key", "seal-vx.key", "index-v2.KEY",
	};
	size_t i;

	generate(f->dir, 1);
	write_file(f->dir, "seal-v1.key", b, 31, 0600);
	assert_int_equal(gpc_keys_load(f->dir, GPC_SUITE_STANDARD, &k), GPC_ERR_KEY);
	write_file(f->dir, "seal-v1.key", b, 33, 0600);
	assert_int_equal(gpc_keys_load(f->dir, GPC_SUITE_STANDARD, &k), GPC_ERR_KEY);
	write_file(f->dir, "seal-v1.key", b, 0, 0600);
	assert_int_equal(gpc_keys_load(f->dir, GPC_SUITE_GM, &k), GPC_ERR_KEY);
	write_file(f->dir, "seal-v1.key", b, 32, 0600);
	gpc_keys_free(load(f->dir, GPC_SUITE_STANDARD));

	/* Other names are none of ours. */
	write_file(f->dir, "README", "keys", 4, 0644);
	write_file(f->dir, ".seal-v9.key", b, 32, 0644);
	gpc_keys_free(load(f->dir, GPC_SUITE_STANDARD));

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		write_file(f->dir, bad[i], b, 32, 0600);
		assert_int_equal(gpc_keys_load(f->dir, GPC_SUITE_STANDARD, &k), GPC_ERR_KEY);
		assert_int_equal(gpc_keys_generate(f->dir, &(int){ 0 }), GPC_ERR_KEY);
		remove_file(f->dir, bad[i]);
	}

	/* None of a kind. */
	remove_file(f->dir, "index-v1.key");
	assert_int_equal(gpc_keys_load(f->dir, GPC_SUITE_STANDARD, &k), GPC_ERR_KEY);
	assert_null(k);
}

/* ---- sealing ------------------------------------------------------------ */

static void
roundtrip(const char *dir, enum gpc_suite suite)
{
	static const size_t sizes[] = { 0, 1, 15, 16, 17, 20, 100, 1000,
		GPC_SEAL_MAX_PLAINTEXT };
	struct gpc_keys *k;
	unsigned char *in, *pt = NULL;
	char *s = NULL, *s2 = NULL;
	const char *tag = suite == GPC_SUITE_GM ? "s1$1$" : "g1$1$";
	size_t i, j, len = 1;

	generate(dir, 1);
	k = load(dir, suite);
	assert_non_null(in = malloc(GPC_SEAL_MAX_PLAINTEXT + 1));
	assert_int_equal(gpc_random_bytes(in, GPC_SEAL_MAX_PLAINTEXT + 1), GPC_OK);
	for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		assert_int_equal(gpc_seal(k, DN_A, in, sizes[i], &s), GPC_OK);
		assert_memory_equal(s, tag, 5);
		/* IA5 and printable: what an LDAP attribute and an LDIF line take. */
		for (j = 0; s[j] != '\0'; j++)
			assert_true(s[j] > 0x20 && s[j] < 0x7f);
		assert_int_equal(gpc_unseal(k, DN_A, s, &pt, &len), GPC_OK);
		assert_int_equal(len, sizes[i]);
		if (sizes[i] > 0)
			assert_memory_equal(pt, in, sizes[i]);
		assert_int_equal(pt[len], '\0');
		gpc_freezero(pt, len + 1);
		pt = NULL;
		assert_int_equal(gpc_seal_version_of(s), 1);
		free(s);
		s = NULL;
	}
	/* A fresh nonce each time: the same seed seals differently. */
	assert_int_equal(gpc_seal(k, DN_A, (const unsigned char *)SEED, strlen(SEED), &s),
	    GPC_OK);
	assert_int_equal(gpc_seal(k, DN_A, (const unsigned char *)SEED, strlen(SEED), &s2),
	    GPC_OK);
	assert_string_not_equal(s, s2);
	assert_int_equal(gpc_unseal(k, DN_A, s2, &pt, &len), GPC_OK);
	assert_string_equal((char *)pt, SEED);
	gpc_freezero(pt, len + 1);
	free(s2);

	assert_int_equal(gpc_seal(k, DN_A, in, GPC_SEAL_MAX_PLAINTEXT + 1, &s2),
	    GPC_ERR_INVAL);
	assert_null(s2);
	assert_int_equal(gpc_seal(k, "", in, 1, &s2), GPC_ERR_INVAL);
	assert_int_equal(gpc_seal(k, NULL, in, 1, &s2), GPC_ERR_INVAL);
	assert_int_equal(gpc_seal(k, DN_A, NULL, 1, &s2), GPC_ERR_INVAL);
	assert_int_equal(gpc_unseal(k, "", s, &pt, &len), GPC_ERR_INVAL);
	assert_null(pt);
	assert_int_equal(len, 0);
	free(s);
	free(in);
	gpc_keys_free(k);
}

static void
test_roundtrip_standard(void **state)
{
	roundtrip(((struct fx *)*state)->dir, GPC_SUITE_STANDARD);
}

static void
test_roundtrip_gm(void **state)
{
	roundtrip(((struct fx *)*state)->dir, GPC_SUITE_GM);
}

/* A value copied to another entry does not open there. */
static void
test_binding(void **state)
{
	struct fx *f = *state;
	enum gpc_suite suites[] = { GPC_SUITE_STANDARD, GPC_SUITE_GM };
	unsigned char *pt = NULL;
	struct gpc_keys *k;
	char *s = NULL;
	size_t i, len = 7;

	generate(f->dir, 1);
	for (i = 0; i < 2; i++) {
		k = load(f->dir, suites[i]);
		assert_int_equal(gpc_seal(k, DN_A, (const unsigned char *)ID_NUMBER,
		    strlen(ID_NUMBER), &s), GPC_OK);
		assert_int_equal(gpc_unseal(k, DN_B, s, &pt, &len), GPC_ERR_BADSEAL);
		assert_null(pt);
		assert_int_equal(len, 0);
		/* Near misses of the binding fail as well. */
		assert_int_equal(gpc_unseal(k, DN_A ",", s, &pt, &len), GPC_ERR_BADSEAL);
		assert_int_equal(gpc_unseal(k, DN_A + 1, s, &pt, &len), GPC_ERR_BADSEAL);
		assert_int_equal(gpc_unseal(k, DN_A, s, &pt, &len), GPC_OK);
		assert_string_equal((char *)pt, ID_NUMBER);
		gpc_freezero(pt, len + 1);
		pt = NULL;
		free(s);
		gpc_keys_free(k);
	}
}

/*
 * The last data character before '=' padding carries unused low bits; set
 * any of them and the bytes decode the same.  Such spellings are refused, so
 * a sealed value has exactly one form.
 */
static void
non_canonical(const struct gpc_keys *k, const char *s)
{
	static const char b64[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	unsigned char *pt = NULL;
	size_t n = strlen(s), pad, last, len = 0;
	int v, mask;
	char *t;

	pad = s[n - 1] != '=' ? 0 : s[n - 2] == '=' ? 2 : 1;
	if (pad == 0)
		return;
	last = n - pad - 1;
	v = (int)(strchr(b64, s[last]) - b64);
	assert_non_null(t = strdup(s));
	for (mask = 1; mask < (pad == 2 ? 16 : 4); mask++) {
		t[last] = b64[v ^ mask];
		assert_int_equal(gpc_unseal(k, DN_A, t, &pt, &len), GPC_ERR_FORMAT);
		assert_null(pt);
	}
	free(t);
}

static void
tamper(const char *dir, enum gpc_suite suite)
{
	struct gpc_keys *k;
	unsigned char *pt = NULL;
	char *s = NULL, *t;
	size_t i, off, n, len = 0;
	int bit, r;

	generate(dir, 1);
	k = load(dir, suite);
	/* 19, 20, 21 bytes: payloads ending in "=", "==" and no padding, in either suite. */
	for (n = 19; n <= 21; n++) {
		assert_int_equal(gpc_seal(k, DN_A, (const unsigned char *)SEED, n, &s), GPC_OK);
		assert_non_null(t = strdup(s));
		off = (size_t)(payload_of(s) - s);
		for (i = off; s[i] != '\0'; i++) {
			for (bit = 0; bit < 8; bit++) {
				strcpy(t, s);
				t[i] = (char)(t[i] ^ (1 << bit));
				r = gpc_unseal(k, DN_A, t, &pt, &len);
				if (r != GPC_ERR_BADSEAL && r != GPC_ERR_FORMAT)
					fail_msg("byte %zu bit %d of \"%s\": %s", i, bit, s,
					    gpc_strerror(r));
				assert_null(pt);
			}
		}
		non_canonical(k, s);
		/* The header: any change is an error of some kind. */
		for (i = 0; i < off; i++) {
			for (bit = 0; bit < 7; bit++) {
				strcpy(t, s);
				t[i] = (char)(t[i] ^ (1 << bit));
				assert_int_not_equal(gpc_unseal(k, DN_A, t, &pt, &len), GPC_OK);
				assert_null(pt);
			}
		}
		/* Cut short or lengthened. */
		for (i = 0; s[i] != '\0'; i++) {
			strcpy(t, s);
			t[i] = '\0';
			assert_int_not_equal(gpc_unseal(k, DN_A, t, &pt, &len), GPC_OK);
		}
		free(t);
		assert_non_null(t = malloc(strlen(s) + 8));
		sprintf(t, "%sAAAA", s);
		assert_int_not_equal(gpc_unseal(k, DN_A, t, &pt, &len), GPC_OK);
		sprintf(t, "%s=", s);
		assert_int_not_equal(gpc_unseal(k, DN_A, t, &pt, &len), GPC_OK);
		sprintf(t, "%s\n", s);
		assert_int_not_equal(gpc_unseal(k, DN_A, t, &pt, &len), GPC_OK);
		sprintf(t, " %s", s);
		assert_int_equal(gpc_unseal(k, DN_A, t, &pt, &len), GPC_ERR_FORMAT);
		free(t);
		free(s);
	}
	assert_int_equal(gpc_unseal(k, DN_A, "", &pt, &len), GPC_ERR_FORMAT);
	assert_int_equal(gpc_unseal(k, DN_A, "g1$1$", &pt, &len), GPC_ERR_FORMAT);
	assert_int_equal(gpc_unseal(k, DN_A, "g1$1$AAAA", &pt, &len),
	    suite == GPC_SUITE_GM ? GPC_ERR_CRYPTO : GPC_ERR_FORMAT);
	assert_int_equal(gpc_unseal(k, DN_A, "x1$1$AAAA", &pt, &len), GPC_ERR_FORMAT);
	assert_int_equal(gpc_seal_version_of("g1$01$AAAA"), GPC_ERR_FORMAT);
	assert_int_equal(gpc_seal_version_of("g1$10000$AAAA"), GPC_ERR_FORMAT);
	assert_int_equal(gpc_seal_version_of("g1$9999$AAAA"), 9999);
	assert_int_equal(gpc_seal_version_of(NULL), GPC_ERR_FORMAT);
	gpc_keys_free(k);
}

static void
test_tamper_standard(void **state)
{
	tamper(((struct fx *)*state)->dir, GPC_SUITE_STANDARD);
}

static void
test_tamper_gm(void **state)
{
	tamper(((struct fx *)*state)->dir, GPC_SUITE_GM);
}

static void
rotation(const char *dir, enum gpc_suite suite)
{
	struct gpc_keys *k;
	unsigned char *pt = NULL;
	char *old = NULL, *new = NULL;
	size_t len = 0;

	generate(dir, 1);
	k = load(dir, suite);
	assert_int_equal(gpc_seal(k, DN_A, (const unsigned char *)SEED, strlen(SEED), &old),
	    GPC_OK);
	gpc_keys_free(k);

	generate(dir, 2);
	k = load(dir, suite);
	assert_int_equal(gpc_keys_seal_version(k), 2);
	assert_int_equal(gpc_seal(k, DN_A, (const unsigned char *)SEED, strlen(SEED), &new),
	    GPC_OK);
	assert_int_equal(gpc_seal_version_of(old), 1);
	assert_int_equal(gpc_seal_version_of(new), 2);
	assert_non_null(strstr(new, "1$2$"));
	/* The old value still opens under v1. */
	assert_int_equal(gpc_unseal(k, DN_A, old, &pt, &len), GPC_OK);
	assert_string_equal((char *)pt, SEED);
	gpc_freezero(pt, len + 1);
	assert_int_equal(gpc_unseal(k, DN_A, new, &pt, &len), GPC_OK);
	gpc_freezero(pt, len + 1);
	pt = NULL;
	gpc_keys_free(k);

	/* A value that names v2 does not open with v1 bytes relabelled. */
	{
		char *forged = strdup(old);

		assert_non_null(forged);
		forged[3] = '2';
		k = load(dir, suite);
		assert_int_equal(gpc_unseal(k, DN_A, forged, &pt, &len), GPC_ERR_BADSEAL);
		gpc_keys_free(k);
		free(forged);
	}

	/* Rotation done, v1 removed: old values name a key that is gone. */
	remove_file(dir, "seal-v1.key");
	k = load(dir, suite);
	assert_int_equal(gpc_unseal(k, DN_A, old, &pt, &len), GPC_ERR_KEY);
	assert_null(pt);
	assert_int_equal(gpc_unseal(k, DN_A, new, &pt, &len), GPC_OK);
	gpc_freezero(pt, len + 1);
	gpc_keys_free(k);
	free(old);
	free(new);
}

static void
test_rotation_standard(void **state)
{
	rotation(((struct fx *)*state)->dir, GPC_SUITE_STANDARD);
}

static void
test_rotation_gm(void **state)
{
	rotation(((struct fx *)*state)->dir, GPC_SUITE_GM);
}

static void
mismatch(const char *dir, enum gpc_suite made, enum gpc_suite used, const char *want)
{
	struct gpc_keys *km, *ku;
	unsigned char *pt = NULL;
	enum gpc_suite sealed_suite;
	char *s = NULL, msg[128];
	size_t len = 0;
	int r;

	km = load(dir, made);
	ku = load(dir, used);
	assert_int_equal(gpc_seal(km, DN_A, (const unsigned char *)SEED, strlen(SEED), &s),
	    GPC_OK);
	r = gpc_unseal(ku, DN_A, s, &pt, &len);
	assert_int_equal(r, GPC_ERR_CRYPTO);
	assert_null(pt);
	/* What a caller writes on GPC_ERR_CRYPTO. */
	assert_int_equal(gpc_seal_suite_of(s, &sealed_suite), GPC_OK);
	assert_int_equal(sealed_suite, made);
	assert_int_not_equal(sealed_suite, gpc_keys_suite(ku));
	snprintf(msg, sizeof msg, "sealed under the %s suite but crypto.suite is %s",
	    suite_name(sealed_suite), suite_name(gpc_keys_suite(ku)));
	assert_string_equal(msg, want);
	free(s);
	gpc_keys_free(km);
	gpc_keys_free(ku);
}

static void
test_suite_mismatch(void **state)
{
	struct fx *f = *state;
	enum gpc_suite s;

	generate(f->dir, 1);
	mismatch(f->dir, GPC_SUITE_STANDARD, GPC_SUITE_GM,
	    "sealed under the standard suite but crypto.suite is gm");
	mismatch(f->dir, GPC_SUITE_GM, GPC_SUITE_STANDARD,
	    "sealed under the gm suite but crypto.suite is standard");
	assert_int_equal(gpc_seal_suite_of("q1$1$AAAA", &s), GPC_ERR_FORMAT);
	assert_int_equal(gpc_seal_suite_of("s1$1$AAAA", &s), GPC_OK);
	assert_int_equal(s, GPC_SUITE_GM);
}

/* ---- blind index and secret hashes -------------------------------------- */

static void
check_index_form(const char *bi, char letter, int version)
{
	char prefix[16];
	size_t i, n;

	n = (size_t)snprintf(prefix, sizeof prefix, "%c%d:", letter, version);
	assert_memory_equal(bi, prefix, n);
	assert_int_equal(strlen(bi), n + 64);
	assert_true(strlen(bi) <= GPC_BLIND_INDEX_LEN);
	for (i = n; bi[i] != '\0'; i++)
		assert_non_null(strchr("0123456789abcdef", bi[i]));
}

static void
test_blind_index(void **state)
{
	struct fx *f = *state;
	char other[64];
	char a[GPC_BLIND_INDEX_LEN + 1], b[GPC_BLIND_INDEX_LEN + 1];
	char v1[GPC_BLIND_INDEX_LEN + 1], c[GPC_BLIND_INDEX_LEN + 1];
	struct gpc_keys *k, *k2;

	generate(f->dir, 1);
	k = load(f->dir, GPC_SUITE_STANDARD);
	assert_int_equal(gpc_blind_index(k, "id", ID_NUMBER, a), GPC_OK);
	check_index_form(a, 'h', 1);
	assert_int_equal(gpc_blind_index(k, "id", ID_NUMBER, b), GPC_OK);
	assert_string_equal(a, b);
	assert_int_equal(gpc_blind_index_v(k, 1, "id", ID_NUMBER, b), GPC_OK);
	assert_string_equal(a, b);
	/* Another purpose, another value. */
	assert_int_equal(gpc_blind_index(k, "mobile", ID_NUMBER, b), GPC_OK);
	assert_string_not_equal(a + 3, b + 3);
	assert_int_equal(gpc_blind_index(k, "id", "15010219800101001X", b), GPC_OK);
	assert_string_not_equal(a + 3, b + 3);
	/* "i" + "d\0..." must not collide with "id" + "...": the separator holds. */
	assert_int_equal(gpc_blind_index(k, "i", "d" ID_NUMBER, b), GPC_OK);
	assert_string_not_equal(a + 3, b + 3);
	assert_int_equal(gpc_blind_index_v(k, 2, "id", ID_NUMBER, b), GPC_ERR_KEY);
	assert_string_equal(b, "");
	assert_int_equal(gpc_blind_index(k, "", ID_NUMBER, b), GPC_ERR_INVAL);
	assert_int_equal(gpc_blind_index(k, "id", "", b), GPC_ERR_INVAL);
	assert_int_equal(gpc_blind_index(NULL, "id", ID_NUMBER, b), GPC_ERR_INVAL);

	/* The gm suite over the same key file: another hash, another letter. */
	k2 = load(f->dir, GPC_SUITE_GM);
	assert_int_equal(gpc_blind_index(k2, "id", ID_NUMBER, b), GPC_OK);
	check_index_form(b, 'm', 1);
	assert_string_not_equal(a + 3, b + 3);
	gpc_keys_free(k2);
	gpc_keys_free(k);

	/* Another version: different; the old one still computable. */
	memcpy(v1, a, sizeof a);
	generate(f->dir, 2);
	k = load(f->dir, GPC_SUITE_STANDARD);
	assert_int_equal(gpc_blind_index(k, "id", ID_NUMBER, b), GPC_OK);
	check_index_form(b, 'h', 2);
	assert_string_not_equal(v1 + 3, b + 3);
	assert_int_equal(gpc_blind_index_v(k, 1, "id", ID_NUMBER, c), GPC_OK);
	assert_string_equal(c, v1);
	gpc_keys_free(k);

	/* Another key directory: different. */
	strcpy(other, "/tmp/gpcseal2.XXXXXX");
	assert_non_null(mkdtemp(other));
	generate(other, 1);
	k2 = load(other, GPC_SUITE_STANDARD);
	assert_int_equal(gpc_blind_index(k2, "id", ID_NUMBER, c), GPC_OK);
	check_index_form(c, 'h', 1);
	assert_string_not_equal(c, v1);
	gpc_keys_free(k2);
	rm_tree(other);
}

static void
secret_hash(const char *dir, enum gpc_suite suite)
{
	struct gpc_keys *k;
	char *h1 = NULL, *h2 = NULL, *bad;
	char code[9], rc[GPC_RECOVERY_CODE_SIZE], saved;
	size_t i;

	generate(dir, 1);
	k = load(dir, suite);
	assert_int_equal(gpc_random_digits(code, 8), GPC_OK);
	assert_int_equal(gpc_secret_hash(k, "enroll", code, &h1), GPC_OK);
	assert_int_equal(h1[0], suite == GPC_SUITE_GM ? 'm' : 'h');
	assert_memory_equal(h1 + 1, "1$", 2);
	assert_int_equal(strlen(h1), 3 + 32 + 1 + 64);
	assert_int_equal(h1[3 + 32], '$');
	assert_int_equal(gpc_secret_check(k, "enroll", code, h1), GPC_OK);
	/* Salted: the same code hashes differently, and both check. */
	assert_int_equal(gpc_secret_hash(k, "enroll", code, &h2), GPC_OK);
	assert_string_not_equal(h1, h2);
	assert_int_equal(gpc_secret_check(k, "enroll", code, h2), GPC_OK);
	/* Wrong code, wrong purpose. */
	saved = code[7];
	code[7] = saved == '0' ? '1' : '0';
	assert_int_equal(gpc_secret_check(k, "enroll", code, h1), GPC_ERR_BADCODE);
	assert_int_equal(gpc_secret_check(k, "enroll", "", h1), GPC_ERR_BADCODE);
	code[7] = saved;
	assert_int_equal(gpc_secret_check(k, "recovery", code, h1), GPC_ERR_BADCODE);
	/* Any changed character is an error, never a match. */
	assert_non_null(bad = strdup(h1));
	for (i = 0; bad[i] != '\0'; i++) {
		char o = bad[i];

		bad[i] = o == 'a' ? 'b' : 'a';
		assert_int_not_equal(gpc_secret_check(k, "enroll", code, bad), GPC_OK);
		bad[i] = (char)(o ^ 0x20); /* upper-case hex is not canonical */
		assert_int_not_equal(gpc_secret_check(k, "enroll", code, bad), GPC_OK);
		bad[i] = o;
	}
	/* Version 7 is not loaded; the other suite's letter. */
	snprintf(bad, strlen(h1) + 1, "%c7%s", h1[0], h1 + 2);
	assert_int_equal(gpc_secret_check(k, "enroll", code, bad), GPC_ERR_KEY);
	strcpy(bad, h1);
	bad[0] = suite == GPC_SUITE_GM ? 'h' : 'm';
	assert_int_equal(gpc_secret_check(k, "enroll", code, bad), GPC_ERR_CRYPTO);
	bad[strlen(bad) - 1] = '\0';
	assert_int_equal(gpc_secret_check(k, "enroll", code, bad), GPC_ERR_FORMAT);
	assert_int_equal(gpc_secret_check(k, "enroll", code, ""), GPC_ERR_FORMAT);
	assert_int_equal(gpc_secret_check(k, "enroll", code, "h1$$"), GPC_ERR_FORMAT);
	free(bad);
	assert_int_equal(gpc_secret_hash(k, "enroll", "", &bad), GPC_ERR_INVAL);
	assert_null(bad);

	/* A recovery code; a hash made under v1 still checks after v2 exists. */
	assert_int_equal(gpc_random_recovery_code(rc, sizeof rc), GPC_OK);
	free(h2);
	assert_int_equal(gpc_secret_hash(k, "recovery", rc, &h2), GPC_OK);
	gpc_keys_free(k);
	generate(dir, 2);
	k = load(dir, suite);
	assert_int_equal(gpc_secret_check(k, "recovery", rc, h2), GPC_OK);
	assert_int_equal(gpc_secret_check(k, "enroll", code, h1), GPC_OK);
	free(h1);
	assert_int_equal(gpc_secret_hash(k, "recovery", rc, &h1), GPC_OK);
	assert_memory_equal(h1 + 1, "2$", 2);
	free(h1);
	free(h2);
	gpc_keys_free(k);
}

static void
test_secret_hash_standard(void **state)
{
	secret_hash(((struct fx *)*state)->dir, GPC_SUITE_STANDARD);
}

static void
test_secret_hash_gm(void **state)
{
	secret_hash(((struct fx *)*state)->dir, GPC_SUITE_GM);
}

/* ---- random codes ------------------------------------------------------- */

static double
chi_square(const unsigned *count, size_t n, size_t total)
{
	double e = (double)total / (double)n, x = 0;
	size_t i;

	for (i = 0; i < n; i++)
		x += ((double)count[i] - e) * ((double)count[i] - e) / e;
	return x;
}

static void
test_random_digits(void **state)
{
	char code[9], one[2], long_code[65];
	unsigned count[10] = { 0 };
	size_t i, j;

	(void)state;
	/* 10000 draws of 6 digits: 6000 of each expected, sd ~ 73. */
	for (i = 0; i < 10000; i++) {
		memset(code, 'x', sizeof code);
		assert_int_equal(gpc_random_digits(code, 6), GPC_OK);
		assert_int_equal(strlen(code), 6);
		for (j = 0; j < 6; j++) {
			assert_true(code[j] >= '0' && code[j] <= '9');
			count[code[j] - '0']++;
		}
	}
	for (i = 0; i < 10; i++) {
		if (count[i] < 5400 || count[i] > 6600)
			fail_msg("digit %zu drawn %u times of 60000", i, count[i]);
	}
	/*
	 * No modulo bias: 640000 digits, chi-square (9 degrees of freedom)
	 * below 60 (p ~ 1e-9 for a fair source); "byte % 10" without rejection
	 * gives ~234 more.
	 */
	memset(count, 0, sizeof count);
	for (i = 0; i < 10000; i++) {
		assert_int_equal(gpc_random_digits(long_code, 64), GPC_OK);
		for (j = 0; j < 64; j++)
			count[long_code[j] - '0']++;
	}
	assert_true(chi_square(count, 10, 640000) < 60.0);

	assert_int_equal(gpc_random_digits(code, 8), GPC_OK);
	assert_int_equal(strlen(code), 8);
	assert_int_equal(gpc_random_digits(one, 1), GPC_OK);
	assert_int_equal(strlen(one), 1);
	assert_int_equal(gpc_random_digits(code, 0), GPC_ERR_INVAL);
	assert_int_equal(gpc_random_digits(NULL, 6), GPC_ERR_INVAL);
}

static void
test_recovery_code(void **state)
{
	static const char alphabet[] = GPC_RECOVERY_ALPHABET;
	char rc[GPC_RECOVERY_CODE_SIZE], big[22];
	unsigned count[sizeof alphabet - 1] = { 0 };
	size_t i, j;

	(void)state;
	assert_int_equal(strlen(alphabet), 31);
	for (i = 0; alphabet[i] != '\0'; i++)
		assert_null(strchr("0O1IL", alphabet[i]));
	for (i = 0; i < 5000; i++) {
		assert_int_equal(gpc_random_recovery_code(rc, sizeof rc), GPC_OK);
		assert_int_equal(strlen(rc), 9);
		for (j = 0; j < 9; j++) {
			if (j == 4) {
				assert_int_equal(rc[j], '-');
				continue;
			}
			assert_non_null(strchr(alphabet, rc[j]));
			count[strchr(alphabet, rc[j]) - alphabet]++;
		}
	}
	/* 40000 symbols, ~1290 each expected. */
	for (i = 0; i < sizeof count / sizeof count[0]; i++) {
		if (count[i] < 1000 || count[i] > 1600)
			fail_msg("'%c' drawn %u times of 40000", alphabet[i], count[i]);
	}
	/* 22 bytes: four groups fit. */
	memset(count, 0, sizeof count);
	for (i = 0; i < 10000; i++) {
		assert_int_equal(gpc_random_recovery_code(big, sizeof big), GPC_OK);
		assert_int_equal(strlen(big), 19);
		assert_true(big[4] == '-' && big[9] == '-' && big[14] == '-');
		for (j = 0; j < 19; j++) {
			if (j % 5 != 4)
				count[strchr(alphabet, big[j]) - alphabet]++;
		}
	}
	/* No modulo bias: chi-square (30 df) below 100, p ~ 2e-9; "% 31" gives ~450 more. */
	assert_true(chi_square(count, 31, 160000) < 100.0);
	assert_int_equal(gpc_random_recovery_code(rc, 4), GPC_ERR_INVAL);
	assert_int_equal(gpc_random_recovery_code(rc, 5), GPC_OK);
	assert_int_equal(strlen(rc), 4);
}

/* ---- threads ------------------------------------------------------------ */

struct worker {
	const struct gpc_keys *k;
	const char *want_index;	/* blind index of ID_NUMBER, computed before */
	int id;
	int failures;
};

/* cmocka's asserts are not for other threads: count failures instead. */
static void *
work(void *arg)
{
	struct worker *w = arg;
	char binding[96], bi[GPC_BLIND_INDEX_LEN + 1], *s, *h;
	unsigned char *pt;
	size_t len;
	int i;

	for (i = 0; i < 200; i++) {
		s = h = NULL;
		pt = NULL;
		snprintf(binding, sizeof binding, "uid=t%d-%d,ou=units,dc=gpcloud", w->id, i);
		if (gpc_seal(w->k, binding, (const unsigned char *)binding, strlen(binding),
		    &s) != GPC_OK ||
		    gpc_unseal(w->k, binding, s, &pt, &len) != GPC_OK ||
		    len != strlen(binding) || memcmp(pt, binding, len) != 0 ||
		    gpc_unseal(w->k, DN_A, s, &(unsigned char *){ NULL }, &len) !=
		    GPC_ERR_BADSEAL ||
		    gpc_blind_index(w->k, "id", ID_NUMBER, bi) != GPC_OK ||
		    strcmp(bi, w->want_index) != 0 ||
		    gpc_secret_hash(w->k, "enroll", binding, &h) != GPC_OK ||
		    gpc_secret_check(w->k, "enroll", binding, h) != GPC_OK)
			w->failures++;
		if (pt != NULL)
			gpc_freezero(pt, len + 1);
		free(s);
		free(h);
	}
	return NULL;
}

/* One struct gpc_keys shared by 8 threads, read-only, in both suites. */
static void
test_threads(void **state)
{
	struct fx *f = *state;
	enum gpc_suite suites[] = { GPC_SUITE_STANDARD, GPC_SUITE_GM };
	char want[GPC_BLIND_INDEX_LEN + 1];
	struct worker w[8];
	pthread_t t[8];
	struct gpc_keys *k;
	size_t s, i;

	generate(f->dir, 1);
	for (s = 0; s < 2; s++) {
		k = load(f->dir, suites[s]);
		assert_int_equal(gpc_blind_index(k, "id", ID_NUMBER, want), GPC_OK);
		for (i = 0; i < 8; i++) {
			w[i] = (struct worker){ k, want, (int)i, 0 };
			assert_int_equal(pthread_create(&t[i], NULL, work, &w[i]), 0);
		}
		for (i = 0; i < 8; i++) {
			assert_int_equal(pthread_join(t[i], NULL), 0);
			assert_int_equal(w[i].failures, 0);
		}
		gpc_keys_free(k);
	}
}

/* ---- known answers: the constructions of seal.h, recomputed ------------- */

/* HMAC(index key, "gpcgate-blind-index\0" purpose "\0" value) by openssl dgst. */
static void
kat_blind_index(const char *dir, enum gpc_suite suite, const char *digest, char letter)
{
	static const char msg[] = "gpcgate-blind-index\0id\0" ID_NUMBER;
	unsigned char seal[32], index[32], mac[32];
	char bi[GPC_BLIND_INDEX_LEN + 1], want[GPC_BLIND_INDEX_LEN + 1], hex[65];
	struct gpc_keys *k;

	known_keys(dir, 1, seal, index);
	k = load(dir, suite);
	assert_int_equal(gpc_blind_index(k, "id", ID_NUMBER, bi), GPC_OK);
	cli_hmac(dir, digest, index, (const unsigned char *)msg, sizeof msg - 1, mac);
	hexstr(mac, 32, hex);
	snprintf(want, sizeof want, "%c1:%s", letter, hex);
	assert_string_equal(bi, want);
	gpc_keys_free(k);
}

static void
test_kat_blind_index_sha256(void **state)
{
	kat_blind_index(((struct fx *)*state)->dir, GPC_SUITE_STANDARD, "sha256", 'h');
}

static void
test_kat_blind_index_sm3(void **state)
{
	kat_blind_index(((struct fx *)*state)->dir, GPC_SUITE_GM, "sm3", 'm');
}

/* The secret hash: HMAC(index key, label \0 purpose \0 salt secret). */
static void
test_kat_secret_hash(void **state)
{
	struct fx *f = *state;
	unsigned char seal[32], index[32], mac[32], msg[128], salt[16];
	char *h = NULL, hex[65], salthex[33];
	struct gpc_keys *k;
	size_t n = 0;

	known_keys(f->dir, 1, seal, index);
	k = load(f->dir, GPC_SUITE_STANDARD);
	assert_int_equal(gpc_secret_hash(k, "enroll", "12345678", &h), GPC_OK);
	memcpy(salthex, h + 3, 32);
	salthex[32] = '\0';
	assert_int_equal(parse_hex(salthex, salt, 16), 16);
	memcpy(msg + n, "gpcgate-secret-hash\0enroll\0", 27);
	n += 27;
	memcpy(msg + n, salt, 16);
	n += 16;
	memcpy(msg + n, "12345678", 8);
	n += 8;
	cli_hmac(f->dir, "sha256", index, msg, n, mac);
	hexstr(mac, 32, hex);
	assert_string_equal(h + 3 + 32 + 1, hex);
	free(h);
	gpc_keys_free(k);
}

/*
 * The version is authenticated: with the same key bytes filed as v1 and v2
 * (a botched rotation), a v2 value relabelled "$1$" still does not open.
 */
static void
relabel(const struct gpc_keys *k, const char *s)
{
	unsigned char *pt = NULL;
	size_t len = 0;
	char *t;

	assert_non_null(t = strdup(s));
	assert_int_equal(t[3], '2');
	t[3] = '1';
	assert_int_equal(gpc_unseal(k, DN_A, t, &pt, &len), GPC_ERR_BADSEAL);
	assert_null(pt);
	free(t);
}

/* standard: HKDF-SHA256 by openssl kdf, then AES-256-GCM with the documented AAD. */
static void
test_kat_seal_standard(void **state)
{
	struct fx *f = *state;
	unsigned char seal[32], index[32], enc[32], aad[256], *pl, out[64];
	EVP_CIPHER_CTX *ctx;
	struct gpc_keys *k;
	char *s = NULL;
	size_t n, pllen, ctlen;
	int outl;

	known_keys(f->dir, 1, seal, index);
	known_keys(f->dir, 2, seal, index);
	k = load(f->dir, GPC_SUITE_STANDARD);
	assert_int_equal(gpc_seal(k, DN_A, (const unsigned char *)SEED, strlen(SEED), &s),
	    GPC_OK);
	assert_memory_equal(s, "g1$2$", 5);
	relabel(k, s);
	gpc_keys_free(k);
	cli_hkdf("SHA256", seal, "gpcgate-seal g1 enc", enc, 32);

	n = header(aad, "g1", 2);
	n += put_lp(aad + n, DN_A, strlen(DN_A));
	pl = b64dec(payload_of(s), &pllen);
	assert_int_equal(pllen, 12 + strlen(SEED) + 16);
	ctlen = pllen - 28;
	assert_non_null(ctx = EVP_CIPHER_CTX_new());
	assert_int_equal(EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, enc, pl), 1);
	assert_int_equal(EVP_DecryptUpdate(ctx, NULL, &outl, aad, (int)n), 1);
	assert_int_equal(EVP_DecryptUpdate(ctx, out, &outl, pl + 12, (int)ctlen), 1);
	assert_int_equal(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, 16, pl + 12 + ctlen),
	    1);
	assert_int_equal(EVP_DecryptFinal_ex(ctx, out + outl, &outl), 1);
	assert_memory_equal(out, SEED, strlen(SEED));
	EVP_CIPHER_CTX_free(ctx);
	free(pl);
	free(s);
}

/* gm: HKDF-SM3, HMAC-SM3 and SM4-CTR, each by the openssl command line. */
static void
test_kat_seal_gm(void **state)
{
	struct fx *f = *state;
	unsigned char seal[32], index[32], enc[16], mk[32], mac[32], msg[512], *pl;
	char *s = NULL, cmd[512], kh[65], ivh[33], path[256], out[128];
	struct gpc_keys *k;
	size_t n, pllen, ctlen;

	known_keys(f->dir, 1, seal, index);
	known_keys(f->dir, 2, seal, index);
	k = load(f->dir, GPC_SUITE_GM);
	assert_int_equal(gpc_seal(k, DN_A, (const unsigned char *)SEED, strlen(SEED), &s),
	    GPC_OK);
	assert_memory_equal(s, "s1$2$", 5);
	relabel(k, s);
	gpc_keys_free(k);
	cli_hkdf("SM3", seal, "gpcgate-seal s1 enc", enc, 16);
	cli_hkdf("SM3", seal, "gpcgate-seal s1 mac", mk, 32);

	pl = b64dec(payload_of(s), &pllen);
	assert_int_equal(pllen, 16 + strlen(SEED) + 32);
	ctlen = pllen - 48;
	/* tag = HMAC-SM3(mac key, header || IV || LP(binding) || ciphertext) */
	n = header(msg, "s1", 2);
	memcpy(msg + n, pl, 16);
	n += 16;
	n += put_lp(msg + n, DN_A, strlen(DN_A));
	memcpy(msg + n, pl + 16, ctlen);
	n += ctlen;
	cli_hmac(f->dir, "sm3", mk, msg, n, mac);
	assert_memory_equal(mac, pl + 16 + ctlen, 32);

	write_file(f->dir, "ct.bin", pl + 16, ctlen, 0600);
	path_of(path, sizeof path, f->dir, "ct.bin");
	hexstr(enc, 16, kh);
	hexstr(pl, 16, ivh);
	snprintf(cmd, sizeof cmd, "openssl enc -d -sm4-ctr -K %s -iv %s -in %s", kh, ivh,
	    path);
	run(cmd, out, sizeof out);
	assert_string_equal(out, SEED);
	free(pl);
	free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_generate_and_load, setup, teardown),
		cmocka_unit_test_setup_teardown(test_key_file_mode, setup, teardown),
		cmocka_unit_test_setup_teardown(test_key_file_size_and_name, setup, teardown),
		cmocka_unit_test_setup_teardown(test_roundtrip_standard, setup, teardown),
		cmocka_unit_test_setup_teardown(test_roundtrip_gm, setup, teardown),
		cmocka_unit_test_setup_teardown(test_binding, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tamper_standard, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tamper_gm, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rotation_standard, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rotation_gm, setup, teardown),
		cmocka_unit_test_setup_teardown(test_suite_mismatch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_blind_index, setup, teardown),
		cmocka_unit_test_setup_teardown(test_secret_hash_standard, setup, teardown),
		cmocka_unit_test_setup_teardown(test_secret_hash_gm, setup, teardown),
		cmocka_unit_test_setup_teardown(test_threads, setup, teardown),
		cmocka_unit_test(test_random_digits),
		cmocka_unit_test(test_recovery_code),
		cmocka_unit_test_setup_teardown(test_kat_blind_index_sha256, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kat_blind_index_sm3, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kat_secret_hash, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kat_seal_standard, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kat_seal_gm, setup, teardown),
	};

	return cmocka_run_group_tests_name("seal", tests, NULL, NULL);
}
