/*
 * Fuzz target: sealed values and stored one-time-secret hashes (lib/seal.h)
 * as they come back from the directory, where whoever can write an entry
 * (or restore an old backup) chooses the bytes.  Input: one byte of flags,
 * then the stored string (up to its first NUL).
 *
 *   bit 0     suite: 0 standard (g1), 1 gm (s1)
 *   bits 1-2  which of four bindings the value is opened for
 *
 * The key directory is fixed: versions 1 and 2 of both kinds, each key 32
 * known bytes, written to a private directory at startup, so seeds sealed
 * with these keys open.  `FUZZ_MKSEEDS=DIR fuzz_seal` writes such seeds
 * (values of both suites and versions, secret hashes) into DIR and exits.
 *
 * Checks: every result is one of the documented codes; an opened value is
 * NUL-terminated after ptlen bytes; a value that opens names the keys' suite
 * and a loaded version; a fresh seal of the opened bytes opens to the same.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "err.h"
#include "fuzz.h"
#include "seal.h"
#include "util.h"

static const char *const bindings[4] = {
	"uid=150102-02-jb01,ou=accounts,o=12150102900079199E,ou=units,dc=gpcloud,dc=example",
	"0b2a3c4d-1111-4a4a-8b8b-0123456789ab",
	"x",
	"uid=150102-02-sh01,ou=accounts,o=12150102900079199E,ou=units,dc=gpcloud,dc=example",
};

static struct gpc_keys *keys[2]; /* [0] standard, [1] gm */

static void
write_key(const char *dir, const char *kind, int version)
{
	unsigned char key[GPC_KEY_LEN];
	char path[128];
	size_t i;

	for (i = 0; i < sizeof(key); i++)
		key[i] = (unsigned char)(kind[0] * 7 + version * 31 + (int)i);
	snprintf(path, sizeof(path), "%s/%s-v%d.key", dir, kind, version);
	fuzz_write_file(path, key, sizeof(key), 0600);
}

static struct gpc_keys *
load(const char *dir, enum gpc_suite suite)
{
	struct gpc_keys *k = NULL;

	if (gpc_keys_load(dir, suite, &k) != GPC_OK)
		fuzz_fail(__FILE__, __LINE__, "gpc_keys_load");
	return k;
}

static void
seed(const char *out, const char *name, int flags, const char *value)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", out, name);
	if ((f = fopen(path, "wb")) == NULL)
		fuzz_fail(__FILE__, __LINE__, path);
	fputc(flags, f);
	fputs(value, f);
	fclose(f);
}

/* FUZZ_MKSEEDS=DIR: sealed values and hashes under the fixed keys. */
static void
make_seeds(const char *keydir, const char *out)
{
	static const char *const names[2] = { "g1", "s1" };
	static const char pt[] = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
	int suite, version;

	for (version = 1; version <= 2; version++) {
		if (version == 2) {
			write_key(keydir, "seal", 2);
			write_key(keydir, "index", 2);
		}
		for (suite = 0; suite < 2; suite++) {
			struct gpc_keys *k = load(keydir, (enum gpc_suite)suite);
			char name[64], *v = NULL;

			if (gpc_seal(k, bindings[0], (const unsigned char *)pt, sizeof(pt) - 1,
			    &v) != GPC_OK)
				fuzz_fail(__FILE__, __LINE__, "gpc_seal");
			snprintf(name, sizeof(name), "sealed-%s-v%d", names[suite], version);
			seed(out, name, suite, v);
			free(v);
			if (gpc_seal(k, bindings[1], NULL, 0, &v) != GPC_OK)
				fuzz_fail(__FILE__, __LINE__, "gpc_seal");
			snprintf(name, sizeof(name), "sealed-%s-v%d-empty", names[suite], version);
			seed(out, name, suite | 2, v);
			free(v);
			if (gpc_secret_hash(k, "recovery", "ABCD-EFGH", &v) != GPC_OK)
				fuzz_fail(__FILE__, __LINE__, "gpc_secret_hash");
			snprintf(name, sizeof(name), "hash-%s-v%d", names[suite], version);
			seed(out, name, suite, v);
			free(v);
			gpc_keys_free(k);
		}
	}
	exit(0);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char dir[64];

	(void)argc;
	(void)argv;
	snprintf(dir, sizeof(dir), "%s/keys", fuzz_tmpdir());
	if (mkdir(dir, 0700) != 0)
		fuzz_fail(__FILE__, __LINE__, "mkdir");
	write_key(dir, "seal", 1);
	write_key(dir, "index", 1);
	if (getenv("FUZZ_MKSEEDS") != NULL)
		make_seeds(dir, getenv("FUZZ_MKSEEDS"));
	write_key(dir, "seal", 2);
	write_key(dir, "index", 2);
	keys[0] = load(dir, GPC_SUITE_STANDARD);
	keys[1] = load(dir, GPC_SUITE_GM);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct gpc_keys *k;
	const char *binding;
	enum gpc_suite suite = (enum gpc_suite)99;
	unsigned char *pt = NULL, *again = NULL;
	size_t ptlen = 7, againlen;
	char *s, *resealed = NULL;
	int r, v;

	if (size < 1)
		return 0;
	k = keys[data[0] & 1];
	binding = bindings[(data[0] >> 1) & 3];
	s = fuzz_strndup(data + 1, size - 1);

	r = gpc_unseal(k, binding, s, &pt, &ptlen);
	FUZZ_CHECK(r == GPC_OK || r == GPC_ERR_FORMAT || r == GPC_ERR_CRYPTO ||
	    r == GPC_ERR_KEY || r == GPC_ERR_BADSEAL || r == GPC_ERR_NOMEM);
	v = gpc_seal_version_of(s);
	FUZZ_CHECK(v == GPC_ERR_FORMAT || (v >= 1 && v <= GPC_KEY_VERSION_MAX));
	if (gpc_seal_suite_of(s, &suite) != GPC_OK)
		FUZZ_CHECK(v == GPC_ERR_FORMAT && r == GPC_ERR_FORMAT);
	if (r != GPC_OK) {
		FUZZ_CHECK(pt == NULL && ptlen == 0);
	} else {
		FUZZ_CHECK(pt != NULL && pt[ptlen] == '\0');
		FUZZ_CHECK(suite == gpc_keys_suite(k) && (v == 1 || v == 2));
		FUZZ_CHECK(gpc_seal(k, binding, pt, ptlen, &resealed) == GPC_OK);
		FUZZ_CHECK(gpc_unseal(k, binding, resealed, &again, &againlen) == GPC_OK);
		FUZZ_CHECK(againlen == ptlen && memcmp(again, pt, ptlen) == 0);
		gpc_freezero(again, againlen + 1);
		free(resealed);
		gpc_freezero(pt, ptlen + 1);
	}

	r = gpc_secret_check(k, "recovery", "ABCD-EFGH", s);
	FUZZ_CHECK(r == GPC_OK || r == GPC_ERR_BADCODE || r == GPC_ERR_FORMAT ||
	    r == GPC_ERR_CRYPTO || r == GPC_ERR_KEY || r == GPC_ERR_NOMEM);
	free(s);
	return 0;
}
