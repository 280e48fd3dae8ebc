/*
 * Unit tests for lib/sig.c: detached CMS and raw SM2 signatures on decisions,
 * pinned bureau certificates, validity dates, and garbage.
 *
 * A throwaway PKI is made once by scripts/mkpki (found under
 * $GPC_SRCDIR, default ".") in a mkdtemp directory; signatures from the
 * openssl command line are made there too, as a bureau would make them.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <openssl/cms.h>
#include <openssl/err.h>

#include "err.h"
#include "sig.h"
#include "util.h"

/* Test-only state: the PKI directory and the time the tests call "now". */
static char dir[64];
static int64_t now;

/* The decision used throughout: UTF-8, several lines, LF line ends. */
static const char decision[] =
    "{ \"type\": \"gpcgate.decision/1\", \"id\": \"150102-2026-000123\",\n"
    "  \"issuer\": \"150102\", \"issued_at\": \"2026-11-08T10:00:00+08:00\",\n"
    "  \"action\": \"suspend\",\n"
    "  \"target\": { \"unit\": \"12150102000000027X\", \"account\": \"nc-jb01\" },\n"
    "  \"reason\": { \"code\": \"holder_mismatch\", \"text\": \"持有人信息不符\" },\n"
    "  \"deadline\": \"2026-12-31\", \"on_deadline\": \"terminate\" }\n";
static const char other_decision[] =
    "{ \"type\": \"gpcgate.decision/1\", \"id\": \"150102-2026-000124\",\n"
    "  \"issuer\": \"150102\", \"action\": \"reinstate\" }\n";

#define RSA_SUBJECT "CN=新城区财政局 decision signer,O=新城区财政局," \
	"L=呼和浩特市,ST=内蒙古自治区,C=CN"

static void
path(char *buf, size_t len, const char *name)
{
	int n = snprintf(buf, len, "%s/%s", dir, name);

	assert_true(n > 0 && (size_t)n < len);
}

/* Run a shell command inside the PKI directory, quietly; its exit status. */
static int
run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int
run(const char *fmt, ...)
{
	char cmd[2048], body[1800];
	va_list ap;
	int n, st;

	va_start(ap, fmt);
	n = vsnprintf(body, sizeof(body), fmt, ap);
	va_end(ap);
	assert_true(n > 0 && (size_t)n < sizeof(body));
	n = snprintf(cmd, sizeof(cmd), "cd '%s' && { %s ; } </dev/null >/dev/null 2>&1", dir,
	    body);
	assert_true(n > 0 && (size_t)n < sizeof(cmd));
	st = system(cmd);
	assert_true(st != -1 && WIFEXITED(st));
	return WEXITSTATUS(st);
}

static void
slurp(const char *name, unsigned char **buf, size_t *len)
{
	char p[PATH_MAX];
	char *b = NULL;

	path(p, sizeof(p), name);
	assert_int_equal(gpc_read_file(p, 1 << 22, &b, len), GPC_OK);
	*buf = (unsigned char *)b;
}

static void
spit(const char *name, const void *data, size_t len)
{
	char p[PATH_MAX];

	path(p, sizeof(p), name);
	assert_int_equal(gpc_write_file_atomic(p, data, len, 0600), GPC_OK);
}

/* Verify bytes against the signature file sig_name with the bureau file bureau. */
static enum gpc_sig_result
verify_buf(const void *data, size_t len, const char *sig_name, enum gpc_sig_kind kind,
    const char *bureau, int64_t t, char *subject, size_t subject_len)
{
	char cert[PATH_MAX];
	unsigned char *sig = NULL;
	size_t sig_len = 0;
	enum gpc_sig_result r;

	path(cert, sizeof(cert), bureau);
	slurp(sig_name, &sig, &sig_len);
	r = gpc_sig_verify(data, len, sig, sig_len, kind, cert, t, subject, subject_len);
	free(sig);
	return r;
}

static enum gpc_sig_result
verify_decision(const char *sig_name, enum gpc_sig_kind kind, const char *bureau)
{
	return verify_buf(decision, strlen(decision), sig_name, kind, bureau, now, NULL, 0);
}

/* Sign data with NAME.key/NAME.pem through gpc_sig_sign into out_name. */
static void
sign_buf(const void *data, size_t len, const char *who, const char *out_name,
    enum gpc_sig_kind expect)
{
	char key[PATH_MAX], cert[PATH_MAX], name[64];
	unsigned char *sig = NULL;
	size_t sig_len = 0;
	enum gpc_sig_kind kind = (enum gpc_sig_kind)-1;

	snprintf(name, sizeof(name), "%s.key", who);
	path(key, sizeof(key), name);
	snprintf(name, sizeof(name), "%s.pem", who);
	path(cert, sizeof(cert), name);
	assert_int_equal(gpc_sig_sign(data, len, key, cert, &sig, &sig_len, &kind), GPC_OK);
	assert_non_null(sig);
	assert_true(sig_len > 0);
	assert_int_equal(kind, expect);
	spit(out_name, sig, sig_len);
	free(sig);
}

static int
setup(void **state)
{
	const char *src = getenv("GPC_SRCDIR");
	char cmd[PATH_MAX + 128];
	int st;

	(void)state;
	if (src == NULL || *src == '\0')
		src = ".";
	strcpy(dir, "/tmp/gpcsig.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(cmd, sizeof(cmd), "'%s/scripts/mkpki' '%s'", src, dir);
	if ((st = system(cmd)) == -1 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return -1;
	spit("d.json", decision, strlen(decision));
	spit("e.json", other_decision, strlen(other_decision));
	/* Certificates concatenated as an operator would for a bureau with several. */
	if (run("cat rsa.pem ec.pem > rsa+ec.pem && cat rsa.pem sm2.pem > rsa+sm2.pem && "
	    "cat expired.pem renewed.pem > expired+renewed.pem && "
	    "openssl x509 -in sm2.pem -pubkey -noout > sm2.pub") != 0)
		return -1;
	now = (int64_t)time(NULL);
	return 0;
}

static int
teardown(void **state)
{
	char cmd[128];

	(void)state;
	if (dir[0] == '\0')
		return 0;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void
test_result_codes_are_stable(void **state)
{
	(void)state;
	assert_string_equal(gpc_sig_result_code(GPC_SIG_OK), "ok");
	assert_string_equal(gpc_sig_result_code(GPC_SIG_MISSING), "signature_missing");
	assert_string_equal(gpc_sig_result_code(GPC_SIG_MALFORMED), "signature_malformed");
	assert_string_equal(gpc_sig_result_code(GPC_SIG_BAD), "signature_bad");
	assert_string_equal(gpc_sig_result_code(GPC_SIG_UNKNOWN_SIGNER), "signer_unknown");
	assert_string_equal(gpc_sig_result_code(GPC_SIG_EXPIRED), "certificate_expired");
	assert_string_equal(gpc_sig_result_code(GPC_SIG_NOT_YET_VALID),
	    "certificate_not_yet_valid");
	assert_string_equal(gpc_sig_result_code(GPC_SIG_NO_CERT),
	    "bureau_certificate_unreadable");
	assert_string_equal(gpc_sig_result_code(GPC_SIG_ERROR), "signature_check_error");
	assert_string_equal(gpc_sig_result_code((enum gpc_sig_result)99), "unknown");
}

static void
test_rsa_and_ec_sign_then_verify(void **state)
{
	char subject[256];

	(void)state;
	sign_buf(decision, strlen(decision), "rsa", "d.json.rsa.p7s", GPC_SIG_KIND_CMS);
	sign_buf(decision, strlen(decision), "ec", "d.json.ec.p7s", GPC_SIG_KIND_CMS);
	assert_int_equal(verify_buf(decision, strlen(decision), "d.json.rsa.p7s",
	    GPC_SIG_KIND_CMS, "rsa.pem", now, subject, sizeof(subject)), GPC_SIG_OK);
	/* RFC 2253 order (most specific first), Chinese kept as UTF-8. */
	assert_string_equal(subject, RSA_SUBJECT);
	assert_int_equal(verify_buf(decision, strlen(decision), "d.json.ec.p7s",
	    GPC_SIG_KIND_CMS, "ec.pem", now, subject, sizeof(subject)), GPC_SIG_OK);
	assert_string_equal(subject, "CN=ec decision signer,O=回民区财政局,C=CN");
	/* Our DER is what the command line reads too. */
	assert_int_equal(run("openssl cms -verify -binary -inform DER -in d.json.rsa.p7s "
	    "-content d.json -CAfile ca.pem -purpose any"), 0);
}

static void
test_cli_cms_signatures_verify(void **state)
{
	static const char *who[] = { "rsa", "ec" };
	unsigned char *sig = NULL;
	size_t sig_len = 0, i;

	(void)state;
	for (i = 0; i < sizeof(who) / sizeof(who[0]); i++) {
		/* The line TESTING-NOTES gives bureaus, DER then PEM. */
		assert_int_equal(run("openssl cms -sign -binary -in d.json -signer %s.pem "
		    "-inkey %s.key -outform DER -out d.json.cli.p7s", who[i], who[i]), 0);
		assert_int_equal(verify_decision("d.json.cli.p7s", GPC_SIG_KIND_CMS, "rsa+ec.pem"),
		    GPC_SIG_OK);
		assert_int_equal(run("openssl cms -sign -binary -in d.json -signer %s.pem "
		    "-inkey %s.key -outform PEM -out d.json.cli.p7s", who[i], who[i]), 0);
		slurp("d.json.cli.p7s", &sig, &sig_len);
		assert_memory_equal(sig, "-----BEGIN CMS-----", 19);
		free(sig);
		assert_int_equal(verify_decision("d.json.cli.p7s", GPC_SIG_KIND_CMS, "rsa+ec.pem"),
		    GPC_SIG_OK);
		/* No signed attributes: the signature is over the content digest itself. */
		assert_int_equal(run("openssl cms -sign -binary -noattr -in d.json -signer %s.pem "
		    "-inkey %s.key -outform DER -out d.json.cli.p7s", who[i], who[i]), 0);
		assert_int_equal(verify_decision("d.json.cli.p7s", GPC_SIG_KIND_CMS, "rsa+ec.pem"),
		    GPC_SIG_OK);
		/* SHA-512 is as good. */
		assert_int_equal(run("openssl cms -sign -binary -md sha512 -in d.json -signer %s.pem "
		    "-inkey %s.key -outform DER -out d.json.cli.p7s", who[i], who[i]), 0);
		assert_int_equal(verify_decision("d.json.cli.p7s", GPC_SIG_KIND_CMS, "rsa+ec.pem"),
		    GPC_SIG_OK);
		/* PKCS#7 in PEM, as `openssl smime` writes it, is the same structure. */
		assert_int_equal(run("openssl smime -sign -binary -in d.json -signer %s.pem "
		    "-inkey %s.key -outform PEM -out d.json.cli.p7s", who[i], who[i]), 0);
		slurp("d.json.cli.p7s", &sig, &sig_len);
		assert_memory_equal(sig, "-----BEGIN PKCS7-----", 21);
		free(sig);
		assert_int_equal(verify_decision("d.json.cli.p7s", GPC_SIG_KIND_CMS, "rsa+ec.pem"),
		    GPC_SIG_OK);
	}
}

static void
test_cli_cms_without_binary_is_bad(void **state)
{
	(void)state;
	/* Without -binary the signer hashes CRLF line ends, not the file's LF ones. */
	assert_int_equal(run("openssl cms -sign -in d.json -signer rsa.pem -inkey rsa.key "
	    "-outform DER -out d.json.text.p7s"), 0);
	assert_int_equal(verify_decision("d.json.text.p7s", GPC_SIG_KIND_CMS, "rsa.pem"),
	    GPC_SIG_BAD);
}

static void
test_sm2_sign_then_verify_with_distid(void **state)
{
	char subject[256];

	(void)state;
	sign_buf(decision, strlen(decision), "sm2", "d.json.sig", GPC_SIG_KIND_SM2);
	assert_int_equal(verify_buf(decision, strlen(decision), "d.json.sig", GPC_SIG_KIND_SM2,
	    "sm2.pem", now, subject, sizeof(subject)), GPC_SIG_OK);
	assert_string_equal(subject, "CN=sm2 decision signer,O=赛罕区财政局,C=CN");
	/* Ours verifies on the command line with the standard ID ... */
	assert_int_equal(run("openssl dgst -sm3 -verify sm2.pub -sigopt distid:%s "
	    "-signature d.json.sig d.json", GPC_SIG_SM2_ID), 0);
	/* ... and not with OpenSSL's default (empty) ID: we really set it. */
	assert_int_not_equal(run("openssl dgst -sm3 -verify sm2.pub -signature d.json.sig "
	    "d.json"), 0);
}

static void
test_sm2_cli_signature_needs_distid(void **state)
{
	(void)state;
	assert_int_equal(run("openssl dgst -sm3 -sign sm2.key -sigopt distid:%s "
	    "-out d.json.cli.sig d.json", GPC_SIG_SM2_ID), 0);
	assert_int_equal(verify_decision("d.json.cli.sig", GPC_SIG_KIND_SM2, "sm2.pem"),
	    GPC_SIG_OK);
	assert_int_equal(run("openssl dgst -sm3 -sign sm2.key -out d.json.noid.sig d.json"), 0);
	assert_int_equal(verify_decision("d.json.noid.sig", GPC_SIG_KIND_SM2, "sm2.pem"),
	    GPC_SIG_BAD);
}

static void
test_tampered_document_is_bad(void **state)
{
	char *copy;
	size_t len = strlen(decision);

	(void)state;
	sign_buf(decision, len, "rsa", "t.rsa.p7s", GPC_SIG_KIND_CMS);
	sign_buf(decision, len, "ec", "t.ec.p7s", GPC_SIG_KIND_CMS);
	sign_buf(decision, len, "sm2", "t.sig", GPC_SIG_KIND_SM2);
	assert_non_null(copy = strdup(decision));
	copy[len / 2] ^= 0x01;
	assert_int_equal(verify_buf(copy, len, "t.rsa.p7s", GPC_SIG_KIND_CMS, "rsa.pem", now,
	    NULL, 0), GPC_SIG_BAD);
	assert_int_equal(verify_buf(copy, len, "t.ec.p7s", GPC_SIG_KIND_CMS, "ec.pem", now,
	    NULL, 0), GPC_SIG_BAD);
	assert_int_equal(verify_buf(copy, len, "t.sig", GPC_SIG_KIND_SM2, "sm2.pem", now,
	    NULL, 0), GPC_SIG_BAD);
	/* One byte more or less is a different document too. */
	assert_int_equal(verify_buf(decision, len - 1, "t.rsa.p7s", GPC_SIG_KIND_CMS, "rsa.pem",
	    now, NULL, 0), GPC_SIG_BAD);
	assert_int_equal(verify_buf(decision, len - 1, "t.sig", GPC_SIG_KIND_SM2, "sm2.pem",
	    now, NULL, 0), GPC_SIG_BAD);
	free(copy);
}

static void
test_signature_of_another_file_is_bad(void **state)
{
	(void)state;
	sign_buf(other_decision, strlen(other_decision), "rsa", "e.rsa.p7s", GPC_SIG_KIND_CMS);
	sign_buf(other_decision, strlen(other_decision), "ec", "e.ec.p7s", GPC_SIG_KIND_CMS);
	sign_buf(other_decision, strlen(other_decision), "sm2", "e.sig", GPC_SIG_KIND_SM2);
	assert_int_equal(verify_decision("e.rsa.p7s", GPC_SIG_KIND_CMS, "rsa.pem"), GPC_SIG_BAD);
	assert_int_equal(verify_decision("e.ec.p7s", GPC_SIG_KIND_CMS, "ec.pem"), GPC_SIG_BAD);
	assert_int_equal(verify_decision("e.sig", GPC_SIG_KIND_SM2, "sm2.pem"), GPC_SIG_BAD);
}

static void
test_other_ca_same_subject_is_unknown_signer(void **state)
{
	char subject[64] = "untouched";
	char *copy;

	(void)state;
	/* other.pem has rsa.pem's subject (and serial) under another issuer. */
	sign_buf(decision, strlen(decision), "other", "d.json.other.p7s", GPC_SIG_KIND_CMS);
	assert_int_equal(verify_buf(decision, strlen(decision), "d.json.other.p7s",
	    GPC_SIG_KIND_CMS, "rsa.pem", now, subject, sizeof(subject)), GPC_SIG_UNKNOWN_SIGNER);
	assert_string_equal(subject, "");
	/* A stranger's signature that does not even verify with its own certificate. */
	assert_non_null(copy = strdup(decision));
	copy[0] = '[';
	assert_int_equal(verify_buf(copy, strlen(copy), "d.json.other.p7s", GPC_SIG_KIND_CMS,
	    "rsa.pem", now, NULL, 0), GPC_SIG_BAD);
	free(copy);
	/* Without the stranger's certificate enclosed there is nothing to verify with. */
	assert_int_equal(run("openssl cms -sign -binary -nocerts -in d.json -signer other.pem "
	    "-inkey other.key -outform DER -out d.json.other-nocerts.p7s"), 0);
	assert_int_equal(verify_decision("d.json.other-nocerts.p7s", GPC_SIG_KIND_CMS,
	    "rsa.pem"), GPC_SIG_UNKNOWN_SIGNER);
}

static void
test_impostor_with_pinned_issuer_and_serial_is_bad(void **state)
{
	(void)state;
	/*
	 * impostor.pem copies rsa.pem's issuer name, serial and subject, so its
	 * CMS names the pinned certificate; the pinned key must still refuse it.
	 */
	sign_buf(decision, strlen(decision), "impostor", "d.json.impostor.p7s",
	    GPC_SIG_KIND_CMS);
	assert_int_equal(verify_decision("d.json.impostor.p7s", GPC_SIG_KIND_CMS, "rsa.pem"),
	    GPC_SIG_BAD);
	/* The command line would have trusted the enclosed certificate's key. */
	assert_int_equal(run("openssl cms -verify -binary -noverify -inform DER "
	    "-in d.json.impostor.p7s -content d.json"), 0);
}

static void
test_expired_and_not_yet_valid(void **state)
{
	/* expired.pem: 2020-01-01T00:00:00Z .. 2021-01-01T00:00:00Z */
	const int64_t nb = 1577836800, na = 1609459200;
	/* future.pem: 2090-01-01T00:00:00Z .. */
	const int64_t future_nb = 3786912000;
	const size_t len = strlen(decision);

	(void)state;
	sign_buf(decision, len, "expired", "d.json.expired.p7s", GPC_SIG_KIND_CMS);
	sign_buf(decision, len, "future", "d.json.future.p7s", GPC_SIG_KIND_CMS);
	assert_int_equal(verify_decision("d.json.expired.p7s", GPC_SIG_KIND_CMS, "expired.pem"),
	    GPC_SIG_EXPIRED);
	assert_int_equal(verify_decision("d.json.future.p7s", GPC_SIG_KIND_CMS, "future.pem"),
	    GPC_SIG_NOT_YET_VALID);
	/* now is the caller's: the bounds are inclusive, to the second. */
	assert_int_equal(verify_buf(decision, len, "d.json.expired.p7s", GPC_SIG_KIND_CMS,
	    "expired.pem", nb - 1, NULL, 0), GPC_SIG_NOT_YET_VALID);
	assert_int_equal(verify_buf(decision, len, "d.json.expired.p7s", GPC_SIG_KIND_CMS,
	    "expired.pem", nb, NULL, 0), GPC_SIG_OK);
	assert_int_equal(verify_buf(decision, len, "d.json.expired.p7s", GPC_SIG_KIND_CMS,
	    "expired.pem", na, NULL, 0), GPC_SIG_OK);
	assert_int_equal(verify_buf(decision, len, "d.json.expired.p7s", GPC_SIG_KIND_CMS,
	    "expired.pem", na + 1, NULL, 0), GPC_SIG_EXPIRED);
	assert_int_equal(verify_buf(decision, len, "d.json.future.p7s", GPC_SIG_KIND_CMS,
	    "future.pem", future_nb, NULL, 0), GPC_SIG_OK);
	/* A bad signature is reported as bad whatever the dates. */
	assert_int_equal(verify_buf(other_decision, strlen(other_decision),
	    "d.json.expired.p7s", GPC_SIG_KIND_CMS, "expired.pem", now, NULL, 0), GPC_SIG_BAD);
}

static void
test_renewed_certificate_for_same_key_wins(void **state)
{
	char subject[128];

	(void)state;
	/* Identified by subject key identifier, both certificates of the key match. */
	assert_int_equal(run("openssl cms -sign -binary -keyid -in d.json -signer expired.pem "
	    "-inkey expired.key -outform DER -out d.json.keyid.p7s"), 0);
	assert_int_equal(verify_buf(decision, strlen(decision), "d.json.keyid.p7s",
	    GPC_SIG_KIND_CMS, "expired+renewed.pem", now, subject, sizeof(subject)), GPC_SIG_OK);
	assert_string_equal(subject, "CN=renewed signer,O=gpcgate test,C=CN");
	assert_int_equal(verify_decision("d.json.keyid.p7s", GPC_SIG_KIND_CMS, "expired.pem"),
	    GPC_SIG_EXPIRED);
	/* By issuer and serial only the expired one is named. */
	assert_int_equal(run("openssl cms -sign -binary -in d.json -signer expired.pem "
	    "-inkey expired.key -outform DER -out d.json.ias.p7s"), 0);
	assert_int_equal(verify_decision("d.json.ias.p7s", GPC_SIG_KIND_CMS,
	    "expired+renewed.pem"), GPC_SIG_EXPIRED);
}

static void
test_missing_signature(void **state)
{
	char subject[16] = "untouched";

	(void)state;
	assert_int_equal(gpc_sig_verify((const unsigned char *)decision, strlen(decision), NULL,
	    0, GPC_SIG_KIND_CMS, "/nonexistent/bureau.pem", now, subject, sizeof(subject)),
	    GPC_SIG_MISSING);
	assert_string_equal(subject, "");
	assert_int_equal(gpc_sig_verify((const unsigned char *)decision, strlen(decision), NULL,
	    0, GPC_SIG_KIND_SM2, "/nonexistent/bureau.pem", now, NULL, 0), GPC_SIG_MISSING);
}

static enum gpc_sig_result
verify_mem(const unsigned char *sig, size_t sig_len, enum gpc_sig_kind kind,
    const char *bureau)
{
	char cert[PATH_MAX];

	path(cert, sizeof(cert), bureau);
	return gpc_sig_verify((const unsigned char *)decision, strlen(decision), sig, sig_len,
	    kind, cert, now, NULL, 0);
}

static void
test_garbage_and_truncation_are_malformed(void **state)
{
	static const unsigned char noncanonical[] = { 0x30, 0x81, 0x06, 0x02, 0x01, 0x01,
		0x02, 0x01, 0x01 };
	static const char pem_junk[] = "-----BEGIN CMS-----\nnot base64 at all!\n"
	    "-----END CMS-----\n";
	unsigned char garbage[512], *sig = NULL, *longer;
	size_t sig_len = 0, i;

	(void)state;
	srand(20261108);
	for (i = 0; i < sizeof(garbage); i++)
		garbage[i] = (unsigned char)rand();
	assert_int_equal(verify_mem(garbage, sizeof(garbage), GPC_SIG_KIND_CMS, "rsa.pem"),
	    GPC_SIG_MALFORMED);
	assert_int_equal(verify_mem(garbage, sizeof(garbage), GPC_SIG_KIND_SM2, "sm2.pem"),
	    GPC_SIG_MALFORMED);
	assert_int_equal(verify_mem(garbage, 0, GPC_SIG_KIND_CMS, "rsa.pem"), GPC_SIG_MALFORMED);
	assert_int_equal(verify_mem(garbage, 0, GPC_SIG_KIND_SM2, "sm2.pem"), GPC_SIG_MALFORMED);
	assert_int_equal(verify_mem((const unsigned char *)pem_junk, strlen(pem_junk),
	    GPC_SIG_KIND_CMS, "rsa.pem"), GPC_SIG_MALFORMED);
	/* BER that is not DER is a second spelling of an SM2 signature. */
	assert_int_equal(verify_mem(noncanonical, sizeof(noncanonical), GPC_SIG_KIND_SM2,
	    "sm2.pem"), GPC_SIG_MALFORMED);

	/* Every proper prefix of a good DER CMS, and a byte too many. */
	sign_buf(decision, strlen(decision), "rsa", "g.p7s", GPC_SIG_KIND_CMS);
	slurp("g.p7s", &sig, &sig_len);
	for (i = 1; i < sig_len; i++)
		assert_int_equal(verify_mem(sig, i, GPC_SIG_KIND_CMS, "rsa.pem"),
		    GPC_SIG_MALFORMED);
	assert_non_null(longer = malloc(sig_len + 1));
	memcpy(longer, sig, sig_len);
	longer[sig_len] = 0;
	assert_int_equal(verify_mem(longer, sig_len + 1, GPC_SIG_KIND_CMS, "rsa.pem"),
	    GPC_SIG_MALFORMED);
	/* A CMS handed over as an SM2 signature. */
	assert_int_equal(verify_mem(sig, sig_len, GPC_SIG_KIND_SM2, "sm2.pem"),
	    GPC_SIG_MALFORMED);
	free(longer);
	free(sig);

	sign_buf(decision, strlen(decision), "sm2", "g.sig", GPC_SIG_KIND_SM2);
	slurp("g.sig", &sig, &sig_len);
	for (i = 1; i < sig_len; i++)
		assert_int_equal(verify_mem(sig, i, GPC_SIG_KIND_SM2, "sm2.pem"),
		    GPC_SIG_MALFORMED);
	assert_non_null(longer = malloc(sig_len + 1));
	memcpy(longer, sig, sig_len);
	longer[sig_len] = 0;
	assert_int_equal(verify_mem(longer, sig_len + 1, GPC_SIG_KIND_SM2, "sm2.pem"),
	    GPC_SIG_MALFORMED);
	/* An SM2 signature handed over as a CMS, and a kind that does not exist. */
	assert_int_equal(verify_mem(sig, sig_len, GPC_SIG_KIND_CMS, "sm2.pem"),
	    GPC_SIG_MALFORMED);
	assert_int_equal(verify_mem(sig, sig_len, (enum gpc_sig_kind)7, "sm2.pem"),
	    GPC_SIG_MALFORMED);
	free(longer);
	free(sig);
}

static void
test_cms_shapes_refused(void **state)
{
	(void)state;
	/* Content attached instead of detached: refused, not compared. */
	assert_int_equal(run("openssl cms -sign -binary -nodetach -in d.json -signer rsa.pem "
	    "-inkey rsa.key -outform DER -out d.json.attached.p7s"), 0);
	assert_int_equal(verify_decision("d.json.attached.p7s", GPC_SIG_KIND_CMS, "rsa.pem"),
	    GPC_SIG_MALFORMED);
	/* Two signers, even both pinned. */
	assert_int_equal(run("openssl cms -sign -binary -in d.json -signer rsa.pem "
	    "-inkey rsa.key -signer ec.pem -inkey ec.key -outform DER -out d.json.two.p7s"), 0);
	assert_int_equal(verify_decision("d.json.two.p7s", GPC_SIG_KIND_CMS, "rsa+ec.pem"),
	    GPC_SIG_MALFORMED);
	/* `-stream` with DER output embeds the content although -nodetach is absent. */
	assert_int_equal(run("openssl cms -sign -binary -stream -in d.json -signer rsa.pem "
	    "-inkey rsa.key -outform DER -out d.json.stream.p7s"), 0);
	assert_int_equal(verify_decision("d.json.stream.p7s", GPC_SIG_KIND_CMS, "rsa.pem"),
	    GPC_SIG_MALFORMED);
	/* The CLI's default S/MIME output is mail, not a .p7s. */
	assert_int_equal(run("openssl cms -sign -binary -in d.json -signer rsa.pem "
	    "-inkey rsa.key -out d.json.smime.p7s"), 0);
	assert_int_equal(verify_decision("d.json.smime.p7s", GPC_SIG_KIND_CMS, "rsa.pem"),
	    GPC_SIG_MALFORMED);
	/* SHA-1 (and MD5), even from the pinned key: collisions are affordable. */
	assert_int_equal(run("openssl cms -sign -binary -md sha1 -in d.json -signer rsa.pem "
	    "-inkey rsa.key -outform DER -out d.json.sha1.p7s"), 0);
	assert_int_equal(verify_decision("d.json.sha1.p7s", GPC_SIG_KIND_CMS, "rsa.pem"),
	    GPC_SIG_MALFORMED);
	/* A CMS that is not SignedData. */
	assert_int_equal(run("openssl cms -data_create -in d.json -outform DER "
	    "-out d.json.data.p7s"), 0);
	assert_int_equal(verify_decision("d.json.data.p7s", GPC_SIG_KIND_CMS, "rsa.pem"),
	    GPC_SIG_MALFORMED);
}

static void
test_bureau_with_two_certificates(void **state)
{
	char subject[256];

	(void)state;
	sign_buf(decision, strlen(decision), "ec", "d.json.ec2.p7s", GPC_SIG_KIND_CMS);
	assert_int_equal(verify_buf(decision, strlen(decision), "d.json.ec2.p7s",
	    GPC_SIG_KIND_CMS, "rsa+ec.pem", now, subject, sizeof(subject)), GPC_SIG_OK);
	assert_string_equal(subject, "CN=ec decision signer,O=回民区财政局,C=CN");
	sign_buf(decision, strlen(decision), "rsa", "d.json.rsa2.p7s", GPC_SIG_KIND_CMS);
	assert_int_equal(verify_buf(decision, strlen(decision), "d.json.rsa2.p7s",
	    GPC_SIG_KIND_CMS, "rsa+ec.pem", now, subject, sizeof(subject)), GPC_SIG_OK);
	assert_string_equal(subject, RSA_SUBJECT);
	sign_buf(decision, strlen(decision), "sm2", "d.json.sm2b.sig", GPC_SIG_KIND_SM2);
	assert_int_equal(verify_buf(decision, strlen(decision), "d.json.sm2b.sig",
	    GPC_SIG_KIND_SM2, "rsa+sm2.pem", now, subject, sizeof(subject)), GPC_SIG_OK);
	assert_string_equal(subject, "CN=sm2 decision signer,O=赛罕区财政局,C=CN");
}

static void
test_kind_mismatch_is_refused_cleanly(void **state)
{
	CMS_ContentInfo *cms;
	CMS_SignerInfo *si;
	ASN1_INTEGER *serial = NULL;
	unsigned char *sig = NULL, *der = NULL;
	const unsigned char *p;
	size_t sig_len = 0;
	int n;

	(void)state;
	/* An SM2 bureau and an RSA bureau's CMS; an RSA bureau and an SM2 signature. */
	sign_buf(decision, strlen(decision), "rsa", "k.p7s", GPC_SIG_KIND_CMS);
	assert_int_equal(verify_decision("k.p7s", GPC_SIG_KIND_CMS, "sm2.pem"),
	    GPC_SIG_UNKNOWN_SIGNER);
	sign_buf(decision, strlen(decision), "sm2", "k.sig", GPC_SIG_KIND_SM2);
	assert_int_equal(verify_decision("k.sig", GPC_SIG_KIND_SM2, "rsa.pem"),
	    GPC_SIG_UNKNOWN_SIGNER);
	assert_int_equal(verify_decision("k.sig", GPC_SIG_KIND_SM2, "ec.pem"),
	    GPC_SIG_UNKNOWN_SIGNER);

	/*
	 * A CMS whose signer identifier names the SM2 certificate (same issuer,
	 * serial 4099): the pinned SM2 key is handed to CMS and must say no.
	 */
	sign_buf(decision, strlen(decision), "ec", "k.ec.p7s", GPC_SIG_KIND_CMS);
	slurp("k.ec.p7s", &sig, &sig_len);
	p = sig;
	assert_non_null(cms = d2i_CMS_ContentInfo(NULL, &p, (long)sig_len));
	si = sk_CMS_SignerInfo_value(CMS_get0_SignerInfos(cms), 0);
	assert_int_equal(CMS_SignerInfo_get0_signer_id(si, NULL, NULL, &serial), 1);
	assert_int_equal(ASN1_INTEGER_set(serial, 4099), 1);
	assert_true((n = i2d_CMS_ContentInfo(cms, &der)) > 0);
	spit("k.renamed.p7s", der, (size_t)n);
	OPENSSL_free(der);
	CMS_ContentInfo_free(cms);
	free(sig);
	assert_int_equal(verify_decision("k.renamed.p7s", GPC_SIG_KIND_CMS, "sm2.pem"),
	    GPC_SIG_BAD);
	assert_int_equal(verify_decision("k.renamed.p7s", GPC_SIG_KIND_CMS, "rsa+sm2.pem"),
	    GPC_SIG_BAD);
}

static void
test_bureau_certificate_unreadable(void **state)
{
	(void)state;
	sign_buf(decision, strlen(decision), "rsa", "u.p7s", GPC_SIG_KIND_CMS);
	assert_int_equal(verify_decision("u.p7s", GPC_SIG_KIND_CMS, "no-such.pem"),
	    GPC_SIG_NO_CERT);
	spit("empty.pem", "", 0);
	assert_int_equal(verify_decision("u.p7s", GPC_SIG_KIND_CMS, "empty.pem"),
	    GPC_SIG_NO_CERT);
	/* A key where the certificate should be. */
	assert_int_equal(verify_decision("u.p7s", GPC_SIG_KIND_CMS, "rsa.key"), GPC_SIG_NO_CERT);
	/* A certificate block that breaks halfway, after a good one. */
	assert_int_equal(run("{ cat ec.pem; head -n 5 rsa.pem; } > broken.pem"), 0);
	assert_int_equal(verify_decision("u.p7s", GPC_SIG_KIND_CMS, "broken.pem"),
	    GPC_SIG_NO_CERT);
	/* A directory, and no file name at all. */
	assert_int_equal(verify_decision("u.p7s", GPC_SIG_KIND_CMS, "."), GPC_SIG_NO_CERT);
	assert_int_equal(gpc_sig_verify((const unsigned char *)decision, strlen(decision),
	    (const unsigned char *)"x", 1, GPC_SIG_KIND_CMS, NULL, now, NULL, 0),
	    GPC_SIG_NO_CERT);
	/* Text around the certificate blocks, as in a commented bundle, is fine. */
	assert_int_equal(run("{ echo '# 新城区财政局, 2026'; cat rsa.pem; echo trailer; } "
	    "> commented.pem"), 0);
	assert_int_equal(verify_decision("u.p7s", GPC_SIG_KIND_CMS, "commented.pem"),
	    GPC_SIG_OK);
}

/* verify_buf() with the detail, for gpc_sig_explain(). */
static enum gpc_sig_result
verify_detail(const char *sig_name, enum gpc_sig_kind kind, const char *bureau,
    struct gpc_sig_detail *det)
{
	char cert[PATH_MAX];
	unsigned char *sig = NULL;
	size_t sig_len = 0;
	enum gpc_sig_result r;

	path(cert, sizeof(cert), bureau);
	slurp(sig_name, &sig, &sig_len);
	r = gpc_sig_verify_detail((const unsigned char *)decision, strlen(decision), sig,
	    sig_len, kind, cert, now, NULL, 0, det);
	free(sig);
	return r;
}

static void
test_failures_are_explained(void **state)
{
	struct gpc_sig_detail det;
	char msg[160], want[PATH_MAX + 256], fp[128], cert[PATH_MAX];
	FILE *f;
	size_t i, k;

	(void)state;
	/* no signature: the two names it looks for, from the document's name */
	gpc_sig_explain(GPC_SIG_MISSING, GPC_SIG_KIND_CMS, NULL, "150102", "/etc/b.pem",
	    "/var/spool/gpcgate/decisions/150102-2026-000123.json", NULL, msg, sizeof(msg));
	assert_string_equal(msg, "no 150102-2026-000123.json.p7s or 150102-2026-000123.json.sig "
	    "next to the document");
	gpc_sig_explain(GPC_SIG_MISSING, GPC_SIG_KIND_CMS, NULL, "150102", "/etc/b.pem",
	    "approve.json", "/tmp/approve.sig", msg, sizeof(msg));
	assert_string_equal(msg, "no signature file approve.sig");

	/* a signature over other bytes */
	gpc_sig_explain(GPC_SIG_BAD, GPC_SIG_KIND_CMS, NULL, "150102", "/etc/b.pem",
	    "/spool/decisions/D-1.json", NULL, msg, sizeof(msg));
	assert_string_equal(msg, "D-1.json.p7s does not verify over this file (changed after "
	    "signing, or made for another file)");

	/* a stranger: its fingerprint, never its subject (it may name a person) */
	sign_buf(decision, strlen(decision), "other", "x.other.p7s", GPC_SIG_KIND_CMS);
	assert_int_equal(verify_detail("x.other.p7s", GPC_SIG_KIND_CMS, "rsa.pem", &det),
	    GPC_SIG_UNKNOWN_SIGNER);
	snprintf(want, sizeof(want), "cd '%s' && openssl x509 -in other.pem -noout "
	    "-fingerprint -sha256", dir);
	assert_non_null(f = popen(want, "r"));
	assert_non_null(fgets(want, sizeof(want), f));
	pclose(f);
	/* "sha256 Fingerprint=AB:CD:..." -> "abcd..." */
	for (i = strcspn(want, "=") + 1, k = 0; want[i] != '\0' && want[i] != '\n'; i++)
		if (want[i] != ':')
			fp[k++] = (char)(want[i] >= 'A' && want[i] <= 'F' ? want[i] + 32 : want[i]);
	fp[k] = '\0';
	assert_string_equal(det.fingerprint, fp);
	gpc_sig_explain(GPC_SIG_UNKNOWN_SIGNER, GPC_SIG_KIND_CMS, &det, "150102", "/etc/b.pem",
	    "D-1.json", NULL, msg, sizeof(msg));
	snprintf(want, sizeof(want), "signed by a certificate not pinned for bureau 150102 "
	    "(SHA-256 fingerprint %s)", fp);
	assert_string_equal(msg, want);
	assert_null(strstr(msg, "CN="));
	/* SM2 with no SM2 certificate pinned */
	gpc_sig_explain(GPC_SIG_UNKNOWN_SIGNER, GPC_SIG_KIND_SM2, NULL, "150102", "/etc/b.pem",
	    "D-1.json", NULL, msg, sizeof(msg));
	assert_string_equal(msg, "an SM2 signature, but no SM2 certificate is pinned for bureau "
	    "150102: /etc/b.pem");

	/* the date of a pinned certificate out of date */
	sign_buf(decision, strlen(decision), "expired", "x.expired.p7s", GPC_SIG_KIND_CMS);
	assert_int_equal(verify_detail("x.expired.p7s", GPC_SIG_KIND_CMS, "expired.pem", &det),
	    GPC_SIG_EXPIRED);
	assert_int_equal(det.not_after, 1609459200);
	gpc_sig_explain(GPC_SIG_EXPIRED, GPC_SIG_KIND_CMS, &det, "159901", "/etc/b.pem",
	    "D-1.json", NULL, msg, sizeof(msg));
	assert_string_equal(msg, "signed with bureau 159901's pinned certificate, which expired "
	    "at 2021-01-01T00:00:00Z: sign with its renewal, and pin that");
	sign_buf(decision, strlen(decision), "future", "x.future.p7s", GPC_SIG_KIND_CMS);
	assert_int_equal(verify_detail("x.future.p7s", GPC_SIG_KIND_CMS, "future.pem", &det),
	    GPC_SIG_NOT_YET_VALID);
	gpc_sig_explain(GPC_SIG_NOT_YET_VALID, GPC_SIG_KIND_CMS, &det, "159902", "/etc/b.pem",
	    "D-1.json", NULL, msg, sizeof(msg));
	assert_string_equal(msg, "signed with bureau 159902's pinned certificate, which is valid "
	    "only from 2090-01-01T00:00:00Z");

	/* the bureau's file: why it cannot be read, and which it is */
	assert_int_equal(verify_detail("x.future.p7s", GPC_SIG_KIND_CMS, "no-such.pem", &det),
	    GPC_SIG_NO_CERT);
	path(cert, sizeof(cert), "no-such.pem");
	gpc_sig_explain(GPC_SIG_NO_CERT, GPC_SIG_KIND_CMS, &det, "150102", cert, "D-1.json",
	    NULL, msg, sizeof(msg));
	snprintf(want, sizeof(want), "bureau 150102's certificate file cannot be read (No such "
	    "file or directory): %s", cert);
	assert_string_equal(msg, want);
	spit("empty2.pem", "", 0);
	assert_int_equal(verify_detail("x.future.p7s", GPC_SIG_KIND_CMS, "empty2.pem", &det),
	    GPC_SIG_NO_CERT);
	assert_int_equal(det.cert_errno, 0);
}

static void
test_subject_truncated_on_character_boundary(void **state)
{
	char full[256], small[64];
	size_t n;

	(void)state;
	sign_buf(decision, strlen(decision), "rsa", "s.p7s", GPC_SIG_KIND_CMS);
	assert_int_equal(verify_buf(decision, strlen(decision), "s.p7s", GPC_SIG_KIND_CMS,
	    "rsa.pem", now, full, sizeof(full)), GPC_SIG_OK);
	/* "CN=" then 新 (3 bytes): room for 4 or 5 bytes keeps just "CN=". */
	for (n = 1; n <= 12; n++) {
		assert_int_equal(verify_buf(decision, strlen(decision), "s.p7s", GPC_SIG_KIND_CMS,
		    "rsa.pem", now, small, n), GPC_SIG_OK);
		assert_true(strlen(small) < n);
		assert_true(gpc_utf8_valid(small, strlen(small)));
		assert_memory_equal(small, full, strlen(small));
	}
	assert_int_equal(verify_buf(decision, strlen(decision), "s.p7s", GPC_SIG_KIND_CMS,
	    "rsa.pem", now, small, 6), GPC_SIG_OK);
	assert_string_equal(small, "CN=");
	assert_int_equal(verify_buf(decision, strlen(decision), "s.p7s", GPC_SIG_KIND_CMS,
	    "rsa.pem", now, small, 7), GPC_SIG_OK);
	assert_string_equal(small, "CN=新");
}

static void
test_error_queue_left_as_found(void **state)
{
	unsigned char junk[] = { 0x30, 0x82, 0xff, 0xff, 0x01 };
	unsigned long e;
	char key[PATH_MAX], cert[PATH_MAX];
	unsigned char *sig = NULL;
	size_t sig_len = 0;

	(void)state;
	ERR_clear_error();
	ERR_raise(ERR_LIB_USER, 42);
	assert_int_equal(verify_mem(junk, sizeof(junk), GPC_SIG_KIND_CMS, "rsa.pem"),
	    GPC_SIG_MALFORMED);
	assert_int_equal(verify_mem(junk, sizeof(junk), GPC_SIG_KIND_CMS, "no-such.pem"),
	    GPC_SIG_NO_CERT);
	path(key, sizeof(key), "ec.key");
	path(cert, sizeof(cert), "rsa.pem");
	assert_int_equal(gpc_sig_sign((const unsigned char *)"x", 1, key, cert, &sig, &sig_len,
	    NULL), GPC_ERR_KEY);
	/* The caller's error is still there, alone. */
	e = ERR_get_error();
	assert_int_equal(ERR_GET_LIB(e), ERR_LIB_USER);
	assert_int_equal(ERR_GET_REASON(e), 42);
	assert_int_equal(ERR_get_error(), 0);
}

static void
test_sign_refuses_bad_keys(void **state)
{
	char key[PATH_MAX], cert[PATH_MAX];
	unsigned char *sig = (unsigned char *)"stale";
	size_t sig_len = 99;
	const unsigned char *d = (const unsigned char *)decision;
	size_t len = strlen(decision);

	(void)state;
	path(cert, sizeof(cert), "rsa.pem");
	/* Key and certificate of different holders. */
	path(key, sizeof(key), "ec.key");
	assert_int_equal(gpc_sig_sign(d, len, key, cert, &sig, &sig_len, NULL), GPC_ERR_KEY);
	assert_null(sig);
	assert_int_equal(sig_len, 0);
	/* An encrypted key is refused, never prompted for (stdin is not even looked at). */
	assert_int_equal(run("openssl pkey -in rsa.key -aes-128-cbc -passout pass:secret "
	    "-out rsa-enc.key && chmod 600 rsa-enc.key"), 0);
	path(key, sizeof(key), "rsa-enc.key");
	assert_int_equal(gpc_sig_sign(d, len, key, cert, &sig, &sig_len, NULL), GPC_ERR_KEY);
	/* Missing files. */
	path(key, sizeof(key), "no-such.key");
	assert_int_equal(gpc_sig_sign(d, len, key, cert, &sig, &sig_len, NULL), GPC_ERR_IO);
	path(key, sizeof(key), "rsa.key");
	path(cert, sizeof(cert), "no-such.pem");
	assert_int_equal(gpc_sig_sign(d, len, key, cert, &sig, &sig_len, NULL), GPC_ERR_IO);
	/* A key others can read is no longer the bureau's. */
	assert_int_equal(run("cp rsa.key rsa-open.key && chmod 644 rsa-open.key"), 0);
	path(key, sizeof(key), "rsa-open.key");
	path(cert, sizeof(cert), "rsa.pem");
	assert_int_equal(gpc_sig_sign(d, len, key, cert, &sig, &sig_len, NULL), GPC_ERR_PERM);
	/* A certificate where the key should be, garbage where the certificate should be. */
	path(key, sizeof(key), "rsa.pem");
	assert_int_equal(gpc_sig_sign(d, len, key, cert, &sig, &sig_len, NULL), GPC_ERR_KEY);
	path(key, sizeof(key), "rsa.key");
	path(cert, sizeof(cert), "d.json");
	assert_int_equal(gpc_sig_sign(d, len, key, cert, &sig, &sig_len, NULL), GPC_ERR_KEY);
	/* Neither RSA, EC nor SM2. */
	assert_int_equal(run("openssl genpkey -algorithm ED25519 -out ed.key && "
	    "openssl req -new -x509 -key ed.key -subj /CN=ed -days 1 -out ed.pem"), 0);
	path(key, sizeof(key), "ed.key");
	path(cert, sizeof(cert), "ed.pem");
	assert_int_equal(gpc_sig_sign(d, len, key, cert, &sig, &sig_len, NULL), GPC_ERR_KEY);
	/* Arguments. */
	assert_int_equal(gpc_sig_sign(NULL, 1, key, cert, &sig, &sig_len, NULL), GPC_ERR_INVAL);
	assert_int_equal(gpc_sig_sign(d, len, NULL, cert, &sig, &sig_len, NULL), GPC_ERR_INVAL);
	assert_null(sig);
}

static void
test_empty_document(void **state)
{
	char cert[PATH_MAX];
	unsigned char *sig = NULL;
	size_t sig_len = 0;

	(void)state;
	sign_buf(NULL, 0, "ec", "empty.p7s", GPC_SIG_KIND_CMS);
	sign_buf(NULL, 0, "sm2", "empty.sig", GPC_SIG_KIND_SM2);
	assert_int_equal(verify_buf(NULL, 0, "empty.p7s", GPC_SIG_KIND_CMS, "ec.pem", now, NULL,
	    0), GPC_SIG_OK);
	assert_int_equal(verify_buf(NULL, 0, "empty.sig", GPC_SIG_KIND_SM2, "sm2.pem", now, NULL,
	    0), GPC_SIG_OK);
	assert_int_equal(verify_buf("x", 1, "empty.p7s", GPC_SIG_KIND_CMS, "ec.pem", now, NULL,
	    0), GPC_SIG_BAD);
	/* A caller that passes no bytes but a length has a bug, not a bad signature. */
	slurp("empty.sig", &sig, &sig_len);
	path(cert, sizeof(cert), "sm2.pem");
	assert_int_equal(gpc_sig_verify(NULL, 5, sig, sig_len, GPC_SIG_KIND_SM2, cert, now,
	    NULL, 0), GPC_SIG_ERROR);
	free(sig);
}

/* Flip every byte of good signatures: never a crash, never an internal error. */
static void
test_mutated_signatures_never_crash(void **state)
{
	static const struct {
		const char *who, *file, *bureau;
		enum gpc_sig_kind kind;
	} cases[] = {
		{ "ec", "m.p7s", "rsa+ec.pem", GPC_SIG_KIND_CMS },
		{ "sm2", "m.sig", "rsa+sm2.pem", GPC_SIG_KIND_SM2 },
	};
	unsigned char *sig = NULL;
	size_t sig_len = 0, c, i;
	enum gpc_sig_result r;
	unsigned bit;

	(void)state;
	for (c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		sign_buf(decision, strlen(decision), cases[c].who, cases[c].file, cases[c].kind);
		slurp(cases[c].file, &sig, &sig_len);
		for (i = 0; i < sig_len; i++) {
			bit = 1u << (i % 8);
			sig[i] ^= (unsigned char)bit;
			r = verify_mem(sig, sig_len, cases[c].kind, cases[c].bureau);
			assert_true(r >= GPC_SIG_OK && r < GPC_SIG_ERROR);
			/* SM2 has no unsigned parts: any change must be refused. */
			if (cases[c].kind == GPC_SIG_KIND_SM2)
				assert_int_not_equal(r, GPC_SIG_OK);
			sig[i] ^= (unsigned char)bit;
		}
		assert_int_equal(verify_mem(sig, sig_len, cases[c].kind, cases[c].bureau),
		    GPC_SIG_OK);
		free(sig);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_result_codes_are_stable),
		cmocka_unit_test(test_rsa_and_ec_sign_then_verify),
		cmocka_unit_test(test_cli_cms_signatures_verify),
		cmocka_unit_test(test_cli_cms_without_binary_is_bad),
		cmocka_unit_test(test_sm2_sign_then_verify_with_distid),
		cmocka_unit_test(test_sm2_cli_signature_needs_distid),
		cmocka_unit_test(test_tampered_document_is_bad),
		cmocka_unit_test(test_signature_of_another_file_is_bad),
		cmocka_unit_test(test_other_ca_same_subject_is_unknown_signer),
		cmocka_unit_test(test_impostor_with_pinned_issuer_and_serial_is_bad),
		cmocka_unit_test(test_expired_and_not_yet_valid),
		cmocka_unit_test(test_renewed_certificate_for_same_key_wins),
		cmocka_unit_test(test_missing_signature),
		cmocka_unit_test(test_garbage_and_truncation_are_malformed),
		cmocka_unit_test(test_cms_shapes_refused),
		cmocka_unit_test(test_bureau_with_two_certificates),
		cmocka_unit_test(test_kind_mismatch_is_refused_cleanly),
		cmocka_unit_test(test_bureau_certificate_unreadable),
		cmocka_unit_test(test_failures_are_explained),
		cmocka_unit_test(test_subject_truncated_on_character_boundary),
		cmocka_unit_test(test_error_queue_left_as_found),
		cmocka_unit_test(test_sign_refuses_bad_keys),
		cmocka_unit_test(test_empty_document),
		cmocka_unit_test(test_mutated_signatures_never_crash),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
