/*
 * gpcgate — detached signatures on finance bureaus' decisions.
 *
 * A decision "<name>.json" arrives with one detached signature by a
 * certificate configured for its bureau (DESIGN.md, "Documents in the spool"):
 *
 *   "<name>.json.p7s"  CMS SignedData (RFC 5652), DER or PEM, content detached,
 *                      exactly one SignerInfo, SHA-2 or stronger: RSA and
 *                      ECDSA certificates.  `openssl cms -sign -binary
 *                      -outform DER` makes one; without -binary the signer
 *                      hashes CRLF line ends, and -stream embeds the content.
 *   "<name>.json.sig"  a raw SM2 signature with SM3 (GB/T 32918.2-2016,
 *                      GM/T 0009-2012), the DER SEQUENCE { r, s }, made with the
 *                      distinguishing ID "1234567812345678": SM2 certificates.
 *                      OpenSSL 3.0 can neither make nor read SM2 in CMS.
 *
 * Trust is by pinning, not by chains: the certificate that verifies the
 * signature must be one of the certificates in the bureau's PEM file, compared
 * by public key and identity, never by name alone and never by a CA store.
 * Certificates carried inside a CMS are only ever used to classify a failure.
 * Validity dates are checked against a caller-supplied time.
 *
 * Nothing here prints, logs, exits or keeps global state; the OpenSSL error
 * queue is left as it was found.  Every function is thread-safe.
 */
#ifndef GPC_SIG_H
#define GPC_SIG_H

#include <stddef.h>
#include <stdint.h>

/* The distinguishing ID of SM2 signatures (GM/T 0009-2012 default), 16 bytes. */
#define GPC_SIG_SM2_ID "1234567812345678"

/* Outcome of gpc_sig_verify(); each has a reason code (gpc_sig_result_code()). */
enum gpc_sig_result {
	GPC_SIG_OK = 0,
	GPC_SIG_MISSING,        /* no .p7s/.sig file */
	GPC_SIG_MALFORMED,      /* signature file unparsable (also: CMS with attached content,
	                         * several signers, or a digest weaker than SHA-256) */
	GPC_SIG_BAD,            /* does not verify over these bytes (tampered, or made for
	                         * another file, or by another key claiming a pinned identity) */
	GPC_SIG_UNKNOWN_SIGNER, /* valid signature but signer is not a configured certificate
	                         * of this bureau */
	GPC_SIG_EXPIRED,        /* signer certificate notAfter < now */
	GPC_SIG_NOT_YET_VALID,  /* signer certificate notBefore > now */
	GPC_SIG_NO_CERT,        /* bureau certificate file unreadable/empty */
	GPC_SIG_CERT_INSECURE,  /* bureau certificate file others may write (or owned by
	                         * someone else): not believed, whatever it holds */
	GPC_SIG_ERROR,          /* out of memory or a library failure: nothing was decided
	                         * about the document; retry later */
};

/* Which detached signature a file holds; the caller knows it from the suffix. */
enum gpc_sig_kind {
	GPC_SIG_KIND_CMS, /* "<name>.json.p7s" */
	GPC_SIG_KIND_SM2, /* "<name>.json.sig" */
};

/*
 * Name a result with a stable snake_case reason code for results and logs:
 * "ok", "signature_missing", "signature_malformed", "signature_bad",
 * "signer_unknown", "certificate_expired", "certificate_not_yet_valid",
 * "bureau_certificate_unreadable", "bureau_certificate_insecure",
 * "signature_check_error"; "unknown" for a
 * value outside the enum.  Returns a static string, never NULL.  Thread-safe.
 */
const char *gpc_sig_result_code(enum gpc_sig_result r);

/*
 * Verify a detached signature over data/len (the decision file's bytes, as
 * read; len 0 allowed, data may then be NULL).
 *
 * sig/sig_len: the contents of the signature file, not retained; sig NULL
 * means the file is missing.  kind: GPC_SIG_KIND_CMS (DER or PEM, detected) or
 * GPC_SIG_KIND_SM2 (DER).  cert_file: the bureau's PEM file, one or more
 * "CERTIFICATE" blocks (other PEM blocks are skipped).  now: Unix seconds.
 *
 * CMS: the single SignerInfo's identifier (issuer and serial, or subject key
 * identifier) selects the candidate pinned certificates, and the signature
 * and message digest must verify with a candidate's own public key.  SM2: the
 * signature has no signer identifier, so every SM2 certificate of the bureau
 * is tried.  Among pinned certificates that verify, one in date wins (a
 * renewed certificate for the same key); otherwise the first one's date error
 * is returned.
 *
 * Checked in this order: GPC_SIG_MISSING; GPC_SIG_NO_CERT (file missing,
 * unreadable, not a regular file, over 1 MiB, a broken certificate block, or
 * no certificate); GPC_SIG_CERT_INSECURE (the file is writable by group or
 * others, or owned by neither root nor this process's user: whoever can
 * write it chooses whom we trust, so it is not read — gpc_read_trusted_file);
 * GPC_SIG_MALFORMED (not DER/PEM of the kind; CMS not SignedData, content
 * attached rather than detached, not exactly one SignerInfo, a digest other
 * than SHA-256/384/512, SHA3-256/384/512 or SM3; SM2 not a
 * canonical DER SEQUENCE of two INTEGERs; empty or over 1 MiB; an unknown
 * kind); then GPC_SIG_BAD, GPC_SIG_UNKNOWN_SIGNER (CMS: no pinned certificate
 * matches the signer identifier — BAD instead if a certificate carried in the
 * CMS names the signer and the signature does not verify with it either; SM2:
 * the bureau has no SM2 certificate at all — with SM2 certificates a signature
 * none of them verifies is GPC_SIG_BAD, as an unknown key and a tampered file
 * look the same), GPC_SIG_EXPIRED, GPC_SIG_NOT_YET_VALID (bounds inclusive:
 * valid while notBefore <= now <= notAfter); GPC_SIG_ERROR (allocation or
 * library failure; also data NULL with len > 0, or len > INT_MAX).
 *
 * On GPC_SIG_OK, if subject is non-NULL and subject_len > 0, the signer
 * certificate's subject is written there for the record: one line, RFC 2253
 * order and escaping, UTF-8 kept as is (escaped as \XX only if the name does
 * not convert to valid UTF-8), truncated at a character boundary to fit
 * subject_len bytes including the NUL.  On any other result subject is "".
 *
 * Never crashes on garbage in sig or data.  Thread-safe; OpenSSL errors raised
 * inside are popped before returning.
 */
enum gpc_sig_result gpc_sig_verify(const unsigned char *data, size_t len,
    const unsigned char *sig, size_t sig_len, enum gpc_sig_kind kind,
    const char *cert_file, int64_t now, char *subject, size_t subject_len);

/* What a verification found out, to explain a failure (gpc_sig_explain). */
struct gpc_sig_detail {
	/* GPC_SIG_EXPIRED, GPC_SIG_NOT_YET_VALID: the dates of the pinned
	 * certificate that verified the signature, Unix seconds; else 0 */
	int64_t not_before, not_after;
	/* GPC_SIG_UNKNOWN_SIGNER (CMS): SHA-256 of the certificate the CMS
	 * carries for its signer, lower-case hex; "" when it carries none */
	char fingerprint[65];
	/* GPC_SIG_NO_CERT: errno of reading the bureau's file (EFBIG: over
	 * 1 MiB); 0 when it was read and holds no usable certificate */
	int cert_errno;
	/* GPC_SIG_NO_CERT, GPC_SIG_CERT_INSECURE: why the file was not used
	 * ("mode 0666, must not be writable by group or others", "not a
	 * regular file", strerror); "" when it was read */
	char cert_why[96];
};

/*
 * gpc_sig_verify() that also fills *det (may be NULL; zeroed on entry)
 * with what a failure needs to be explained.  Same results.
 */
enum gpc_sig_result gpc_sig_verify_detail(const unsigned char *data, size_t len,
    const unsigned char *sig, size_t sig_len, enum gpc_sig_kind kind,
    const char *cert_file, int64_t now, char *subject, size_t subject_len,
    struct gpc_sig_detail *det);

/*
 * One sentence saying what result r means for a decision of bureau
 * `issuer` and what to do, for the "message" of its reason in a result:
 *   signature_missing  "no NAME.json.p7s or NAME.json.sig next to the
 *                      document" (NAME.json: doc_path's last component;
 *                      with sig_path: "no signature file SIG")
 *   signature_bad      "SIG does not verify over this file (changed after
 *                      signing, or made for another file)"
 *   signer_unknown     "signed by a certificate not pinned for bureau X
 *                      (SHA-256 fingerprint F)" (F of the certificate the CMS
 *                      carries, else the pinned file is named) — never the
 *                      stranger's subject, which may name a person or carry
 *                      an ID number; for SM2, that no SM2 certificate is
 *                      pinned
 *   certificate_expired / _not_yet_valid  the date, RFC 3339 UTC
 *   bureau_certificate_unreadable  strerror() and CERT_FILE, or that it
 *                      holds no usable certificate
 *   bureau_certificate_insecure  which rule CERT_FILE breaks (owner, mode)
 * and signature_malformed, signature_check_error likewise.  Each fits a
 * result's 160-byte message with ids and paths of usual lengths (the path
 * comes last, where a cut hurts least).  det may be NULL (what it would
 * add is left out); doc_path, sig_path and cert_file may be NULL.  No
 * personal data: file names, the issuer code, dates and a fingerprint.
 * Into out (len bytes, truncated, always NUL-terminated).  Thread-safe.
 */
void gpc_sig_explain(enum gpc_sig_result r, enum gpc_sig_kind kind,
    const struct gpc_sig_detail *det, const char *issuer, const char *cert_file,
    const char *doc_path, const char *sig_path, char *out, size_t len);

/*
 * Sign data/len for bureau tooling and tests (len 0 allowed, data may then be
 * NULL; at most INT_MAX bytes).  The kind follows the key type:
 *
 *   RSA or EC key: detached CMS SignedData, DER, content hashed as binary
 *   (no MIME canonicalisation), SHA-256, issuer-and-serial signer identifier,
 *   signer certificate included, signed attributes contentType, signingTime
 *   and messageDigest (no S/MIME capabilities) -> *kind_out GPC_SIG_KIND_CMS.
 *   SM2 key: SM2 with SM3 and GPC_SIG_SM2_ID, DER -> GPC_SIG_KIND_SM2.
 *
 * key_file: PEM private key, unencrypted (an encrypted key is refused, never
 * prompted for), read as a secret file (regular, owned by root or the caller,
 * no group/other access); its bytes are wiped after use.  cert_file: PEM, the
 * first certificate is the signer's and must match the key.
 * On success *sig (malloc'd, the caller frees) and *sig_len hold the signature
 * and, if kind_out is non-NULL, *kind_out the file suffix to use; on failure
 * *sig is NULL and *sig_len 0.
 *
 * Returns GPC_OK; GPC_ERR_IO (a file cannot be opened or read); GPC_ERR_PERM
 * (key file open to group/others or owned by someone else); GPC_ERR_KEY (key
 * or certificate unparsable, encrypted or over 64 KiB, key and certificate do
 * not match, key type neither RSA, EC nor SM2); GPC_ERR_CRYPTO (signing
 * failed); GPC_ERR_INVAL (NULL file names, data NULL with len > 0, len too
 * long); GPC_ERR_NOMEM.  Thread-safe; OpenSSL errors are popped before return.
 */
int gpc_sig_sign(const unsigned char *data, size_t len, const char *key_file,
    const char *cert_file, unsigned char **sig, size_t *sig_len, enum gpc_sig_kind *kind_out);

#endif
