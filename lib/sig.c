/*
 * gpcgate — detached signatures on finance bureaus' decisions: CMS for RSA and
 * ECDSA certificates, raw SM2-with-SM3 for SM2 certificates.  See sig.h.
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/pem.h> /* before cms.h, which declares PEM_read_bio_CMS only after it */
#include <openssl/cms.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "err.h"
#include "sig.h"
#include "util.h"

#define SM2_ID_LEN	(sizeof(GPC_SIG_SM2_ID) - 1)
#define CERT_FILE_MAX	(1024 * 1024)	/* a bureau's PEM file */
#define SIG_MAX		(1024 * 1024)	/* a .p7s or .sig file */
#define KEY_FILE_MAX	(64 * 1024)	/* a PEM private key */

/* Outcome of one verification attempt with one key. */
enum attempt { ATTEMPT_FAIL = 0, ATTEMPT_OK = 1, ATTEMPT_ERROR = -1 };

const char *
gpc_sig_result_code(enum gpc_sig_result r)
{
	switch (r) {
	case GPC_SIG_OK: return "ok";
	case GPC_SIG_MISSING: return "signature_missing";
	case GPC_SIG_MALFORMED: return "signature_malformed";
	case GPC_SIG_BAD: return "signature_bad";
	case GPC_SIG_UNKNOWN_SIGNER: return "signer_unknown";
	case GPC_SIG_EXPIRED: return "certificate_expired";
	case GPC_SIG_NOT_YET_VALID: return "certificate_not_yet_valid";
	case GPC_SIG_NO_CERT: return "bureau_certificate_unreadable";
	case GPC_SIG_CERT_INSECURE: return "bureau_certificate_insecure";
	case GPC_SIG_ERROR: return "signature_check_error";
	}
	return "unknown";
}

/*
 * Passphrase callback that has none: without it OpenSSL would prompt on the
 * controlling terminal of whatever process we live in.
 */
static int
no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return -1;
}

static int
is_sm2_key(const EVP_PKEY *pk)
{
	/* OpenSSL 3.0 decodes an id-ecPublicKey on curve SM2 as key type "SM2". */
	return pk != NULL && EVP_PKEY_is_a(pk, "SM2");
}

/* ASN1_TIME to Unix seconds, without time_t or the local time zone. */
static int
asn1_time_unix(const ASN1_TIME *t, int64_t *out)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1)
		return -1;
	*out = gpc_days_from_civil(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday) * 86400 +
	    (int64_t)tm.tm_hour * 3600 + (int64_t)tm.tm_min * 60 + tm.tm_sec;
	return 0;
}

static enum gpc_sig_result
check_validity(X509 *c, int64_t now)
{
	int64_t not_before, not_after;

	/* A pinned certificate whose dates do not parse is a broken configuration. */
	if (asn1_time_unix(X509_get0_notBefore(c), &not_before) != 0 ||
	    asn1_time_unix(X509_get0_notAfter(c), &not_after) != 0)
		return GPC_SIG_NO_CERT;
	if (not_after < now)
		return GPC_SIG_EXPIRED;
	if (not_before > now)
		return GPC_SIG_NOT_YET_VALID;
	return GPC_SIG_OK;
}

/* Every CERTIFICATE block of the bureau's PEM file, in file order. */
static enum gpc_sig_result
load_bureau_certs(const char *path, STACK_OF(X509) **out, int *read_errno, char *why,
    size_t whylen)
{
	STACK_OF(X509) *certs = NULL;
	X509 *x = NULL;
	BIO *bio = NULL;
	char *buf = NULL;
	size_t len = 0;
	unsigned long e;
	enum gpc_sig_result r;
	int rc;

	*out = NULL;
	if (path == NULL)
		return GPC_SIG_NO_CERT;
	errno = 0;
	/*
	 * The pin decides whose signatures count: one that others could write
	 * proves nothing, whatever it holds now (the configuration's rule).
	 */
	if ((rc = gpc_read_trusted_file(path, CERT_FILE_MAX, &buf, &len, why, whylen)) !=
	    GPC_OK) {
		/* gpc_read_trusted_file keeps the errno of the call that failed */
		*read_errno = rc == GPC_ERR_IO ? errno : rc == GPC_ERR_INVAL ? EFBIG : 0;
		r = rc == GPC_ERR_NOMEM ? GPC_SIG_ERROR : rc == GPC_ERR_PERM ?
		    GPC_SIG_CERT_INSECURE : GPC_SIG_NO_CERT;
		goto out;
	}
	if ((bio = BIO_new_mem_buf(buf, (int)len)) == NULL ||
	    (certs = sk_X509_new_null()) == NULL) {
		r = GPC_SIG_ERROR;
		goto out;
	}
	for (;;) {
		if ((x = PEM_read_bio_X509(bio, NULL, no_passphrase, NULL)) == NULL) {
			e = ERR_peek_last_error();
			/* No further BEGIN line is the normal end; anything else is a broken block. */
			if (ERR_GET_LIB(e) == ERR_LIB_PEM && ERR_GET_REASON(e) == PEM_R_NO_START_LINE)
				break;
			r = GPC_SIG_NO_CERT;
			goto out;
		}
		if (!sk_X509_push(certs, x)) {
			r = GPC_SIG_ERROR;
			goto out;
		}
		x = NULL; /* transferred */
	}
	if (sk_X509_num(certs) == 0) {
		r = GPC_SIG_NO_CERT;
		goto out;
	}
	*out = certs;
	certs = NULL; /* transferred */
	r = GPC_SIG_OK;
out:
	X509_free(x);
	sk_X509_pop_free(certs, X509_free);
	BIO_free(bio);
	free(buf);
	return r;
}

static int
looks_pem(const unsigned char *p, size_t len)
{
	static const char begin[] = "-----BEGIN";

	while (len > 0 && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')) {
		p++;
		len--;
	}
	return len >= sizeof(begin) - 1 && memcmp(p, begin, sizeof(begin) - 1) == 0;
}

static int
strong_digest(CMS_SignerInfo *si)
{
	const ASN1_OBJECT *obj = NULL;
	X509_ALGOR *dig = NULL;

	CMS_SignerInfo_get0_algs(si, NULL, NULL, &dig, NULL);
	if (dig == NULL)
		return 0;
	X509_ALGOR_get0(&obj, NULL, NULL, dig);
	switch (OBJ_obj2nid(obj)) {
	case NID_sha256:
	case NID_sha384:
	case NID_sha512:
	case NID_sha3_256:
	case NID_sha3_384:
	case NID_sha3_512:
	case NID_sm3:
		return 1;
	}
	return 0;
}

/*
 * Parse a .p7s (DER or PEM) into a SignedData with detached content and
 * exactly one SignerInfo.
 */
static enum gpc_sig_result
parse_cms(const unsigned char *sig, size_t sig_len, CMS_ContentInfo **out)
{
	CMS_ContentInfo *cms = NULL;
	const unsigned char *p = sig;
	BIO *bio = NULL;
	enum gpc_sig_result r;

	*out = NULL;
	if (looks_pem(sig, sig_len)) {
		if ((bio = BIO_new_mem_buf(sig, (int)sig_len)) == NULL) {
			r = GPC_SIG_ERROR;
			goto out;
		}
		cms = PEM_read_bio_CMS(bio, NULL, no_passphrase, NULL);
	} else {
		cms = d2i_CMS_ContentInfo(NULL, &p, (long)sig_len);
		/* Trailing bytes after the DER are not part of any signature we make. */
		if (cms != NULL && p != sig + sig_len) {
			r = GPC_SIG_MALFORMED;
			goto out;
		}
	}
	if (cms == NULL || OBJ_obj2nid(CMS_get0_type(cms)) != NID_pkcs7_signed) {
		r = GPC_SIG_MALFORMED;
		goto out;
	}
	/*
	 * Attached content is refused rather than compared with the file: the
	 * spool's contract is a detached signature, and one rule leaves no room
	 * for "verified the copy inside, applied the file outside".
	 */
	if (CMS_is_detached(cms) != 1) {
		r = GPC_SIG_MALFORMED;
		goto out;
	}
	/* One decision, one signer: no "one of several signers is pinned" games. */
	if (sk_CMS_SignerInfo_num(CMS_get0_SignerInfos(cms)) != 1) {
		r = GPC_SIG_MALFORMED;
		goto out;
	}
	/*
	 * CMS_verify takes MD5 and SHA-1 from a pinned key too; SHA-1 collisions
	 * are within reach, so a document could be swapped for a twin.
	 */
	if (!strong_digest(sk_CMS_SignerInfo_value(CMS_get0_SignerInfos(cms), 0))) {
		r = GPC_SIG_MALFORMED;
		goto out;
	}
	*out = cms;
	cms = NULL; /* transferred */
	r = GPC_SIG_OK;
out:
	CMS_ContentInfo_free(cms);
	BIO_free(bio);
	return r;
}

/*
 * One CMS_verify over the detached data.  With pinned non-NULL, only that
 * certificate may be the signer: it matches the identifier, so CMS_verify
 * takes it before looking at the certificates the sender put in the CMS, and
 * CMS_NOINTERN makes sure of it; with pinned NULL the carried ones are used, which
 * only ever classifies a failure.  No chain is built in either case
 * (CMS_NO_SIGNER_CERT_VERIFY): the pin is the trust.  The CMS is parsed afresh
 * each time because CMS_verify caches the signer certificate in the SignerInfo.
 */
static enum attempt
cms_attempt(const unsigned char *data, size_t len, const unsigned char *sig, size_t sig_len,
    X509 *pinned)
{
	CMS_ContentInfo *cms = NULL;
	STACK_OF(X509) *one = NULL;
	BIO *content = NULL;
	unsigned int flags = CMS_BINARY | CMS_NO_SIGNER_CERT_VERIFY;
	enum attempt r;

	if (parse_cms(sig, sig_len, &cms) != GPC_SIG_OK) {
		r = ATTEMPT_ERROR; /* parsed before: only memory can fail now */
		goto out;
	}
	if ((content = BIO_new_mem_buf(len > 0 ? (const void *)data : "", (int)len)) == NULL) {
		r = ATTEMPT_ERROR;
		goto out;
	}
	if (pinned != NULL) {
		if ((one = sk_X509_new_null()) == NULL || !sk_X509_push(one, pinned)) {
			r = ATTEMPT_ERROR;
			goto out;
		}
		flags |= CMS_NOINTERN;
	}
	r = CMS_verify(cms, one, NULL, content, NULL, flags) == 1 ? ATTEMPT_OK : ATTEMPT_FAIL;
out:
	sk_X509_free(one); /* borrowed elements */
	BIO_free(content);
	CMS_ContentInfo_free(cms);
	return r;
}

/*
 * Whether the CMS carries a certificate its SignerInfo names; if so and
 * fingerprint is not NULL, its SHA-256 in lower-case hex goes there.
 */
static int
cms_carries_signer(CMS_ContentInfo *cms, CMS_SignerInfo *si, char fingerprint[65])
{
	STACK_OF(X509) *carried;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	int i, found = 0;

	if ((carried = CMS_get1_certs(cms)) == NULL)
		return 0;
	for (i = 0; i < sk_X509_num(carried) && !found; i++) {
		found = CMS_SignerInfo_cert_cmp(si, sk_X509_value(carried, i)) == 0;
		if (found && fingerprint != NULL &&
		    X509_digest(sk_X509_value(carried, i), EVP_sha256(), md, &mdlen) == 1 &&
		    mdlen == 32)
			gpc_hex(md, 32, fingerprint);
	}
	sk_X509_pop_free(carried, X509_free);
	return found;
}

/* The dates of the certificate a date error is about, for the message. */
static void
note_dates(struct gpc_sig_detail *det, X509 *c)
{
	if (det == NULL)
		return;
	(void)asn1_time_unix(X509_get0_notBefore(c), &det->not_before);
	(void)asn1_time_unix(X509_get0_notAfter(c), &det->not_after);
}

static enum gpc_sig_result
verify_cms(const unsigned char *data, size_t len, const unsigned char *sig, size_t sig_len,
    STACK_OF(X509) *bureau, int64_t now, X509 **signer, struct gpc_sig_detail *det)
{
	CMS_ContentInfo *cms = NULL;
	CMS_SignerInfo *si;
	X509 *c;
	enum gpc_sig_result r, dates, first_dates = GPC_SIG_OK;
	enum attempt a;
	int i, candidates = 0, verified = 0;

	*signer = NULL;
	if ((r = parse_cms(sig, sig_len, &cms)) != GPC_SIG_OK)
		goto out;
	si = sk_CMS_SignerInfo_value(CMS_get0_SignerInfos(cms), 0);
	for (i = 0; i < sk_X509_num(bureau); i++) {
		c = sk_X509_value(bureau, i);
		/*
		 * The identifier only picks candidates: whoever made the CMS chose
		 * it.  What makes the signer ours is that the pinned certificate's
		 * own key verifies the signature.
		 */
		if (CMS_SignerInfo_cert_cmp(si, c) != 0)
			continue;
		candidates++;
		if ((a = cms_attempt(data, len, sig, sig_len, c)) == ATTEMPT_ERROR) {
			r = GPC_SIG_ERROR;
			goto out;
		}
		if (a != ATTEMPT_OK)
			continue;
		verified++;
		if ((dates = check_validity(c, now)) == GPC_SIG_OK) {
			*signer = c;
			r = GPC_SIG_OK;
			goto out;
		}
		if (first_dates == GPC_SIG_OK) {
			first_dates = dates;
			note_dates(det, c);
		}
	}
	if (verified > 0) {
		r = first_dates;
		goto out;
	}
	if (candidates > 0) {
		r = GPC_SIG_BAD;
		goto out;
	}
	/*
	 * Not one of ours.  Say "bad" rather than "unknown signer" only when the
	 * certificate the sender enclosed cannot verify its own signature either.
	 */
	r = GPC_SIG_UNKNOWN_SIGNER;
	if (cms_carries_signer(cms, si, det != NULL ? det->fingerprint : NULL)) {
		if ((a = cms_attempt(data, len, sig, sig_len, NULL)) == ATTEMPT_ERROR)
			r = GPC_SIG_ERROR;
		else if (a == ATTEMPT_FAIL)
			r = GPC_SIG_BAD;
	}
out:
	CMS_ContentInfo_free(cms);
	return r;
}

/* A canonical DER SEQUENCE { r INTEGER, s INTEGER } and nothing after it. */
static enum gpc_sig_result
check_sm2_der(const unsigned char *sig, size_t sig_len)
{
	ECDSA_SIG *es = NULL;
	const unsigned char *p = sig;
	unsigned char *der = NULL;
	enum gpc_sig_result r = GPC_SIG_MALFORMED;
	int n;

	if ((es = d2i_ECDSA_SIG(NULL, &p, (long)sig_len)) == NULL || p != sig + sig_len)
		goto out;
	/* BER that re-encodes differently is a second spelling of one signature. */
	if ((n = i2d_ECDSA_SIG(es, &der)) < 0) {
		r = GPC_SIG_ERROR;
		goto out;
	}
	if ((size_t)n == sig_len && memcmp(der, sig, sig_len) == 0)
		r = GPC_SIG_OK;
out:
	OPENSSL_free(der);
	ECDSA_SIG_free(es);
	return r;
}

/* SM2 with SM3 and the distinguishing ID (GB/T 32918.2 Z value), one key. */
static enum attempt
sm2_attempt(const unsigned char *data, size_t len, const unsigned char *sig, size_t sig_len,
    EVP_PKEY *pk)
{
	EVP_MD_CTX *mctx = NULL;
	EVP_PKEY_CTX *pctx = NULL; /* owned by mctx */
	enum attempt r = ATTEMPT_ERROR;

	if ((mctx = EVP_MD_CTX_new()) == NULL)
		goto out;
	if (EVP_DigestVerifyInit(mctx, &pctx, EVP_sm3(), NULL, pk) != 1)
		goto out;
	/*
	 * OpenSSL's default ID is empty, not the standard's; set it before the
	 * first update, which is when Z is hashed in.
	 */
	if (EVP_PKEY_CTX_set1_id(pctx, GPC_SIG_SM2_ID, SM2_ID_LEN) != 1)
		goto out;
	r = EVP_DigestVerify(mctx, sig, sig_len, len > 0 ? data : (const unsigned char *)"",
	    len) == 1 ? ATTEMPT_OK : ATTEMPT_FAIL;
out:
	EVP_MD_CTX_free(mctx);
	return r;
}

static enum gpc_sig_result
verify_sm2(const unsigned char *data, size_t len, const unsigned char *sig, size_t sig_len,
    STACK_OF(X509) *bureau, int64_t now, X509 **signer, struct gpc_sig_detail *det)
{
	EVP_PKEY *pk;
	X509 *c;
	enum gpc_sig_result r, dates, first_dates = GPC_SIG_OK;
	enum attempt a;
	int i, candidates = 0, verified = 0;

	*signer = NULL;
	if ((r = check_sm2_der(sig, sig_len)) != GPC_SIG_OK)
		return r;
	/* A raw signature names no signer: each SM2 certificate of the bureau is a candidate. */
	for (i = 0; i < sk_X509_num(bureau); i++) {
		c = sk_X509_value(bureau, i);
		if (!is_sm2_key(pk = X509_get0_pubkey(c)))
			continue;
		candidates++;
		if ((a = sm2_attempt(data, len, sig, sig_len, pk)) == ATTEMPT_ERROR)
			return GPC_SIG_ERROR;
		if (a != ATTEMPT_OK)
			continue;
		verified++;
		if ((dates = check_validity(c, now)) == GPC_SIG_OK) {
			*signer = c;
			return GPC_SIG_OK;
		}
		if (first_dates == GPC_SIG_OK) {
			first_dates = dates;
			note_dates(det, c);
		}
	}
	if (verified > 0)
		return first_dates;
	/* With SM2 certificates configured, an unknown key and a tampered file look alike. */
	return candidates > 0 ? GPC_SIG_BAD : GPC_SIG_UNKNOWN_SIGNER;
}

static void
copy_truncated_utf8(char *dst, size_t dst_len, const char *src, size_t src_len)
{
	size_t n = src_len < dst_len - 1 ? src_len : dst_len - 1;

	/* Never end on half a character: back up over continuation bytes. */
	if (n < src_len)
		while (n > 0 && ((unsigned char)src[n] & 0xc0) == 0x80)
			n--;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* The signer's subject, RFC 2253, for the record. */
static enum gpc_sig_result
write_subject(X509 *c, char *subject, size_t subject_len)
{
	static const unsigned long utf8 = XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB;
	BIO *bio = NULL;
	char *p;
	long n;
	enum gpc_sig_result r = GPC_SIG_ERROR;

	if ((bio = BIO_new(BIO_s_mem())) == NULL)
		goto out;
	/* 新城区财政局 stays readable; a name that is not valid UTF-8 is escaped instead. */
	if (X509_NAME_print_ex(bio, X509_get_subject_name(c), 0, utf8) < 0 ||
	    (n = BIO_get_mem_data(bio, &p)) < 0 || !gpc_utf8_valid(p, (size_t)n)) {
		BIO_free(bio);
		if ((bio = BIO_new(BIO_s_mem())) == NULL ||
		    X509_NAME_print_ex(bio, X509_get_subject_name(c), 0, XN_FLAG_RFC2253) < 0 ||
		    (n = BIO_get_mem_data(bio, &p)) < 0)
			goto out;
	}
	copy_truncated_utf8(subject, subject_len, p, (size_t)n);
	r = GPC_SIG_OK;
out:
	BIO_free(bio);
	return r;
}

enum gpc_sig_result
gpc_sig_verify(const unsigned char *data, size_t len, const unsigned char *sig, size_t sig_len,
    enum gpc_sig_kind kind, const char *cert_file, int64_t now, char *subject,
    size_t subject_len)
{
	return gpc_sig_verify_detail(data, len, sig, sig_len, kind, cert_file, now, subject,
	    subject_len, NULL);
}

enum gpc_sig_result
gpc_sig_verify_detail(const unsigned char *data, size_t len, const unsigned char *sig,
    size_t sig_len, enum gpc_sig_kind kind, const char *cert_file, int64_t now, char *subject,
    size_t subject_len, struct gpc_sig_detail *det)
{
	STACK_OF(X509) *bureau = NULL;
	X509 *signer = NULL; /* borrowed from bureau */
	enum gpc_sig_result r;
	char cert_why[96] = "";
	int read_errno = 0;

	if (subject != NULL && subject_len > 0)
		subject[0] = '\0';
	if (det != NULL)
		memset(det, 0, sizeof(*det));
	if (sig == NULL)
		return GPC_SIG_MISSING;
	/* Leave the caller's error queue as found, and none of ours behind. */
	ERR_set_mark();
	/* OpenSSL's memory BIOs take an int length. */
	if ((data == NULL && len > 0) || len > INT_MAX) {
		r = GPC_SIG_ERROR;
		goto out;
	}
	if ((r = load_bureau_certs(cert_file, &bureau, &read_errno, cert_why,
	    sizeof(cert_why))) != GPC_SIG_OK) {
		if (det != NULL) {
			det->cert_errno = read_errno;
			snprintf(det->cert_why, sizeof(det->cert_why), "%s", cert_why);
		}
		goto out;
	}
	if (sig_len == 0 || sig_len > SIG_MAX) {
		r = GPC_SIG_MALFORMED;
		goto out;
	}
	switch (kind) {
	case GPC_SIG_KIND_CMS:
		r = verify_cms(data, len, sig, sig_len, bureau, now, &signer, det);
		break;
	case GPC_SIG_KIND_SM2:
		r = verify_sm2(data, len, sig, sig_len, bureau, now, &signer, det);
		break;
	default:
		r = GPC_SIG_MALFORMED;
		break;
	}
	if (r == GPC_SIG_OK && subject != NULL && subject_len > 0)
		r = write_subject(signer, subject, subject_len);
out:
	sk_X509_pop_free(bureau, X509_free);
	ERR_pop_to_mark();
	return r;
}

/* Copy an OpenSSL-allocated DER into a malloc'd buffer the caller can free(). */
static int
dup_out(const unsigned char *der, size_t n, unsigned char **out, size_t *out_len)
{
	if ((*out = malloc(n)) == NULL)
		return GPC_ERR_NOMEM;
	memcpy(*out, der, n);
	*out_len = n;
	return GPC_OK;
}

static int
sign_cms(const unsigned char *data, size_t len, EVP_PKEY *key, X509 *cert,
    unsigned char **out, size_t *out_len)
{
	CMS_ContentInfo *cms = NULL;
	BIO *content = NULL;
	unsigned char *der = NULL;
	int n, r;

	if ((content = BIO_new_mem_buf(len > 0 ? (const void *)data : "", (int)len)) == NULL) {
		r = GPC_ERR_NOMEM;
		goto out;
	}
	/*
	 * BINARY: the file's bytes are hashed as they are, no CRLF translation.
	 * NOSMIMECAP: mail-client cipher preferences say nothing about a decision.
	 */
	if ((cms = CMS_sign(cert, key, NULL, content,
	    CMS_DETACHED | CMS_BINARY | CMS_NOSMIMECAP)) == NULL) {
		r = GPC_ERR_CRYPTO;
		goto out;
	}
	if ((n = i2d_CMS_ContentInfo(cms, &der)) <= 0) {
		r = GPC_ERR_CRYPTO;
		goto out;
	}
	r = dup_out(der, (size_t)n, out, out_len);
out:
	OPENSSL_free(der);
	CMS_ContentInfo_free(cms);
	BIO_free(content);
	return r;
}

static int
sign_sm2(const unsigned char *data, size_t len, EVP_PKEY *key, unsigned char **out,
    size_t *out_len)
{
	EVP_MD_CTX *mctx = NULL;
	EVP_PKEY_CTX *pctx = NULL; /* owned by mctx */
	const unsigned char *d = len > 0 ? data : (const unsigned char *)"";
	unsigned char *s = NULL;
	size_t n = 0;
	int r;

	if ((mctx = EVP_MD_CTX_new()) == NULL) {
		r = GPC_ERR_NOMEM;
		goto out;
	}
	if (EVP_DigestSignInit(mctx, &pctx, EVP_sm3(), NULL, key) != 1 ||
	    EVP_PKEY_CTX_set1_id(pctx, GPC_SIG_SM2_ID, SM2_ID_LEN) != 1 ||
	    EVP_DigestSign(mctx, NULL, &n, d, len) != 1) {
		r = GPC_ERR_CRYPTO;
		goto out;
	}
	if ((s = malloc(n)) == NULL) {
		r = GPC_ERR_NOMEM;
		goto out;
	}
	if (EVP_DigestSign(mctx, s, &n, d, len) != 1) {
		r = GPC_ERR_CRYPTO;
		goto out;
	}
	*out = s;
	s = NULL; /* transferred */
	*out_len = n;
	r = GPC_OK;
out:
	free(s);
	EVP_MD_CTX_free(mctx);
	return r;
}

int
gpc_sig_sign(const unsigned char *data, size_t len, const char *key_file,
    const char *cert_file, unsigned char **sig, size_t *sig_len, enum gpc_sig_kind *kind_out)
{
	unsigned char *kbuf = NULL, *out = NULL;
	char *cbuf = NULL;
	size_t klen = 0, clen = 0, out_len = 0;
	BIO *bio = NULL;
	EVP_PKEY *key = NULL;
	X509 *cert = NULL;
	enum gpc_sig_kind kind = GPC_SIG_KIND_CMS;
	int r;

	*sig = NULL;
	*sig_len = 0;
	ERR_set_mark();
	if (key_file == NULL || cert_file == NULL || (data == NULL && len > 0) ||
	    len > INT_MAX) {
		r = GPC_ERR_INVAL;
		goto out;
	}
	if ((r = gpc_read_secret_file(key_file, KEY_FILE_MAX, 0, &kbuf, &klen)) != GPC_OK) {
		if (r == GPC_ERR_INVAL)
			r = GPC_ERR_KEY; /* too long to be a key */
		goto out;
	}
	if ((r = gpc_read_file(cert_file, CERT_FILE_MAX, &cbuf, &clen)) != GPC_OK) {
		if (r == GPC_ERR_INVAL)
			r = GPC_ERR_KEY;
		goto out;
	}
	if ((bio = BIO_new_mem_buf(kbuf, (int)klen)) == NULL) {
		r = GPC_ERR_NOMEM;
		goto out;
	}
	if ((key = PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL)) == NULL) {
		r = GPC_ERR_KEY;
		goto out;
	}
	BIO_free(bio);
	if ((bio = BIO_new_mem_buf(cbuf, (int)clen)) == NULL) {
		r = GPC_ERR_NOMEM;
		goto out;
	}
	if ((cert = PEM_read_bio_X509(bio, NULL, no_passphrase, NULL)) == NULL ||
	    X509_check_private_key(cert, key) != 1) {
		r = GPC_ERR_KEY;
		goto out;
	}
	if (is_sm2_key(key)) {
		kind = GPC_SIG_KIND_SM2;
		r = sign_sm2(data, len, key, &out, &out_len);
	} else if (EVP_PKEY_is_a(key, "RSA") || EVP_PKEY_is_a(key, "EC")) {
		kind = GPC_SIG_KIND_CMS;
		r = sign_cms(data, len, key, cert, &out, &out_len);
	} else {
		r = GPC_ERR_KEY;
	}
	if (r != GPC_OK)
		goto out;
	*sig = out;
	out = NULL; /* transferred */
	*sig_len = out_len;
	if (kind_out != NULL)
		*kind_out = kind;
out:
	free(out);
	X509_free(cert);
	EVP_PKEY_free(key);
	BIO_free(bio);
	free(cbuf);
	gpc_freezero(kbuf, klen);
	ERR_pop_to_mark();
	return r;
}

/* The last component of a path. */
static const char *
base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash != NULL ? slash + 1 : path;
}

void
gpc_sig_explain(enum gpc_sig_result r, enum gpc_sig_kind kind, const struct gpc_sig_detail *det,
    const char *issuer, const char *cert_file, const char *doc_path, const char *sig_path,
    char *out, size_t len)
{
	static const struct gpc_sig_detail none;
	const char *doc = doc_path != NULL ? base_name(doc_path) : "the document";
	const char *cf = cert_file != NULL ? cert_file : "(none configured)";
	char signame[160], when[21];
	int n;

	/* A result's message holds 160 bytes (doc.h): the short forms come first. */
	if (det == NULL)
		det = &none;
	if (issuer == NULL)
		issuer = "?";
	if (sig_path != NULL)
		snprintf(signame, sizeof(signame), "%.150s", base_name(sig_path));
	else
		snprintf(signame, sizeof(signame), "%.140s.%s", doc, kind == GPC_SIG_KIND_SM2 ?
		    "sig" : "p7s");
	switch (r) {
	case GPC_SIG_OK:
		snprintf(out, len, "bureau %.16s signed this document", issuer);
		break;
	case GPC_SIG_MISSING:
		if (sig_path != NULL)
			snprintf(out, len, "no signature file %s", signame);
		else if ((n = snprintf(out, len, "no %s.p7s or %s.sig next to the document", doc,
		    doc)) < 0 || (size_t)n >= 160)
			snprintf(out, len, "no %.140s.p7s or .sig next to it", doc);
		break;
	case GPC_SIG_MALFORMED:
		snprintf(out, len, kind == GPC_SIG_KIND_SM2 ?
		    "%s is not a DER SM2 signature (a SEQUENCE of two INTEGERs)" :
		    "%s is not a detached CMS signature with one signer and SHA-256 or better",
		    signame);
		break;
	case GPC_SIG_BAD:
		snprintf(out, len, "%s does not verify over this file (changed after signing, or "
		    "made for another file)", signame);
		break;
	case GPC_SIG_UNKNOWN_SIGNER:
		/* Never the stranger's subject: it may name a person, even carry an ID number. */
		if (kind == GPC_SIG_KIND_SM2)
			snprintf(out, len, "an SM2 signature, but no SM2 certificate is pinned for "
			    "bureau %.16s: %s", issuer, cf);
		else if (det->fingerprint[0] != '\0')
			snprintf(out, len, "signed by a certificate not pinned for bureau %.16s "
			    "(SHA-256 fingerprint %s)", issuer, det->fingerprint);
		else
			snprintf(out, len, "signed by a certificate not pinned for bureau %.16s "
			    "(pinned: %s)", issuer, cf);
		break;
	case GPC_SIG_EXPIRED:
		gpc_time_rfc3339((time_t)det->not_after, when);
		snprintf(out, len, "signed with bureau %.16s's pinned certificate, which expired "
		    "at %s: sign with its renewal, and pin that", issuer,
		    det->not_after != 0 ? when : "an earlier date");
		break;
	case GPC_SIG_NOT_YET_VALID:
		gpc_time_rfc3339((time_t)det->not_before, when);
		snprintf(out, len, "signed with bureau %.16s's pinned certificate, which is valid "
		    "only from %s", issuer, det->not_before != 0 ? when : "a later date");
		break;
	case GPC_SIG_NO_CERT:
		if (det->cert_errno != 0)
			snprintf(out, len, "bureau %.16s's certificate file cannot be read (%s): %s",
			    issuer, det->cert_why[0] != '\0' ? det->cert_why :
			    strerror(det->cert_errno), cf);
		else
			snprintf(out, len, "bureau %.16s's certificate file holds no usable "
			    "certificate (PEM CERTIFICATE blocks): %s", issuer, cf);
		break;
	case GPC_SIG_CERT_INSECURE:
		snprintf(out, len, "bureau %.16s's certificate file is not trusted (%s): %s",
		    issuer, det->cert_why[0] != '\0' ? det->cert_why :
		    "writable by others, or owned by someone else", cf);
		break;
	default:
		snprintf(out, len, "the signature could not be checked (a library failure); it "
		    "is checked again on the next run");
		break;
	}
}
