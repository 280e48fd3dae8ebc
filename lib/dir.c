/*
 * Directory session: connection, failover (with its memory), timeouts, TLS
 * and the reasons a certificate was refused, binds, searches, the
 * compare-and-swap of the replay guard and the provider that takes it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <lber.h>
#include <ldap.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "dir.h"
#include "doc.h"
#include "err.h"
#include "sigpipe.h"
#include "util.h"

struct gpc_dir {
	const struct gpc_cfg *cfg;
	const struct gpc_log *lg;
	enum gpc_dir_role role;
	LDAP *ld;
	char *uri;
	int64_t deadline;     /* CLOCK_MONOTONIC ms when the failover's time is up, while opening */
	struct gpc_dir *otp;  /* the session on directory.otp_write_uri, opened on first use */
	int otp_err;          /* why opening it failed (not tried again), or GPC_OK */
};

/*
 * Attributes a login or a command reads.  const: the module keeps no
 * mutable static data; libldap's prototypes lack the const, hence the casts.
 */
static const char *const account_attrs[] = {
	"uid", "gpcRole", "gpcState", "gpcStateReason", "gpcStateText", "gpcDeadline",
	"gpcOnDeadline", "gpcLastDecision", "cn", "mobile", "gpcHolderMasked",
	"gpcHolderIndex", "gpcHolderSealed", "gpcHolderSince", "gpcLastLogin",
	"gpcTotpSeed", "gpcTotpStep", "gpcTotpFailures", "gpcTotpDigits", "gpcTotpPeriod",
	"gpcTotpAlgorithm", "gpcLockedUntil", "gpcRecoveryCode", "gpcEnrollCode",
	"gpcEnrollExpires", "pwdAccountLockedTime", NULL
};

static const char *const unit_attrs[] = { "gpcUnitCode", "o", "gpcState", "gpcRegion", NULL };

/* "no attributes" (RFC 4511 §4.5.1.8) */
static const char *const no_attrs[] = { LDAP_NO_ATTRS, NULL };

#define ATTRS(a) ((char **)(a))

int
gpc_dir_err(int rc)
{
	switch (rc) {
	case LDAP_SUCCESS:
		return GPC_OK;
	case LDAP_SERVER_DOWN:
	case LDAP_CONNECT_ERROR:
	case LDAP_UNAVAILABLE:
	case LDAP_BUSY:
	case LDAP_UNWILLING_TO_PERFORM:
		return GPC_ERR_UNAVAIL;
	case LDAP_TIMEOUT:
	case LDAP_TIMELIMIT_EXCEEDED:
		return GPC_ERR_TIMEOUT;
	case LDAP_INVALID_CREDENTIALS:
		return GPC_ERR_BADPASS;
	case LDAP_NO_SUCH_OBJECT:
		return GPC_ERR_NOTFOUND;
	case LDAP_INSUFFICIENT_ACCESS:
	case LDAP_STRONG_AUTH_REQUIRED:
	case LDAP_CONFIDENTIALITY_REQUIRED:
		return GPC_ERR_DENIED;
	case LDAP_ALREADY_EXISTS:
		return GPC_ERR_EXISTS;
	case LDAP_NO_SUCH_ATTRIBUTE:
	case LDAP_TYPE_OR_VALUE_EXISTS:
	case LDAP_ASSERTION_FAILED:
		return GPC_ERR_CONFLICT;
	case LDAP_NO_MEMORY:
		return GPC_ERR_NOMEM;
	}
	return GPC_ERR_LDAP;
}

/* ---- time ------------------------------------------------------------------------ */

static int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Point ld's timeouts (connect, and each synchronous call) at the next step:
 * limit_ms, cut while opening to what is left of the failover's time.  *tv,
 * if not NULL, gets the same.  Returns GPC_OK, GPC_ERR_TIMEOUT (no time
 * left), GPC_ERR_LDAP.
 */
static int
arm(const struct gpc_dir *d, LDAP *ld, long limit_ms, struct timeval *tv)
{
	struct timeval t;
	long ms = limit_ms;

	if (d->deadline != 0 && d->deadline - mono_ms() < ms)
		ms = (long)(d->deadline - mono_ms());
	if (ms <= 0)
		return GPC_ERR_TIMEOUT;
	t.tv_sec = ms / 1000;
	t.tv_usec = (ms % 1000) * 1000;
	if (ldap_set_option(ld, LDAP_OPT_NETWORK_TIMEOUT, &t) != LDAP_OPT_SUCCESS ||
	    ldap_set_option(ld, LDAP_OPT_TIMEOUT, &t) != LDAP_OPT_SUCCESS)
		return GPC_ERR_LDAP;
	if (tv != NULL)
		*tv = t;
	return GPC_OK;
}

/* ---- connections ----------------------------------------------------------------- */

/* Whether host (from a URI) is a loopback address or name. */
static int
is_loopback(const char *host)
{
	struct in_addr a4;
	struct in6_addr a6;

	if (host == NULL || *host == '\0')
		return 0;
	if (strcasecmp(host, "localhost") == 0)
		return 1;
	if (inet_pton(AF_INET, host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (inet_pton(AF_INET6, host, &a6) == 1)
		return IN6_IS_ADDR_LOOPBACK(&a6);
	return 0;
}

/* How a URI is reached. */
enum transport { T_LDAPI, T_CLEAR, T_STARTTLS, T_LDAPS };

static enum transport
transport_of(const struct gpc_cfg *c, const LDAPURLDesc *lud)
{
	if (strcasecmp(lud->lud_scheme, "ldapi") == 0)
		return T_LDAPI;
	if (strcasecmp(lud->lud_scheme, "ldaps") == 0)
		return T_LDAPS;
	return c->starttls ? T_STARTTLS : T_CLEAR;
}

/*
 * A new handle for uri with every option set before its first operation:
 * some (CONNECT_ASYNC, TLS) are read only when the connection is made.
 * verify: demand a certificate from ca_file naming the host in its
 * subjectAltName (0 only to fetch a refused certificate for the log).
 * Timeouts: limit_ms, cut to the failover's time while opening.
 * Returns GPC_OK, GPC_ERR_TIMEOUT, GPC_ERR_TLS, GPC_ERR_LDAP, GPC_ERR_NOMEM.
 */
static int
new_handle(const struct gpc_dir *d, const char *uri, enum transport t, int verify,
    long limit_ms, LDAP **out)
{
	const struct gpc_cfg *c = d->cfg;
	int v3 = LDAP_VERSION3, zero = 0;
	int demand = verify ? LDAP_OPT_X_TLS_DEMAND : LDAP_OPT_X_TLS_NEVER;
	LDAP *ld = NULL;
	int r;

	*out = NULL;
	if (ldap_initialize(&ld, uri) != LDAP_SUCCESS)
		return GPC_ERR_NOMEM;
	if (ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &v3) != LDAP_OPT_SUCCESS ||
	    ldap_set_option(ld, LDAP_OPT_REFERRALS, LDAP_OPT_OFF) != LDAP_OPT_SUCCESS ||
	    ldap_set_option(ld, LDAP_OPT_RESTART, LDAP_OPT_ON) != LDAP_OPT_SUCCESS) {
		r = GPC_ERR_LDAP;
		goto out;
	}
	if ((r = arm(d, ld, limit_ms, NULL)) != GPC_OK)
		goto out;
	/*
	 * Without async connect an ldaps handshake with a server that accepts
	 * and never answers spins for ever; with it the timeouts above hold.
	 */
	if (ldap_set_option(ld, LDAP_OPT_CONNECT_ASYNC, LDAP_OPT_ON) != LDAP_OPT_SUCCESS) {
		r = GPC_ERR_LDAP;
		goto out;
	}
	if (t == T_LDAPS || t == T_STARTTLS) {
		/*
		 * Per-handle TLS settings take effect only with a new context on
		 * this handle; without it they are silently ignored and
		 * environment variables (LDAPTLS_REQCERT=never) win.  Without
		 * REQUIRE_SAN a certificate naming the host only in its CN passes.
		 */
		if ((verify && c->ca_file != NULL &&
		    ldap_set_option(ld, LDAP_OPT_X_TLS_CACERTFILE, c->ca_file) != LDAP_OPT_SUCCESS) ||
		    ldap_set_option(ld, LDAP_OPT_X_TLS_REQUIRE_CERT, &demand) != LDAP_OPT_SUCCESS ||
		    ldap_set_option(ld, LDAP_OPT_X_TLS_REQUIRE_SAN, &demand) != LDAP_OPT_SUCCESS ||
		    ldap_set_option(ld, LDAP_OPT_X_TLS_NEWCTX, &zero) != LDAP_OPT_SUCCESS) {
			gpc_log_msg(d->lg, LOG_ERR, "directory %.200s: TLS settings refused "
			    "(ca_file %.200s)", uri, c->ca_file != NULL ? c->ca_file : "default");
			r = GPC_ERR_TLS;
			goto out;
		}
	}
	*out = ld;
	ld = NULL; /* transferred */
	r = GPC_OK;
out:
	if (ld != NULL)
		ldap_unbind_ext_s(ld, NULL, NULL);
	return r;
}

/* ---- why a certificate was refused ------------------------------------------------ */

static void
append(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void
append(char *buf, size_t len, const char *fmt, ...)
{
	size_t used = strlen(buf);
	va_list ap;

	if (used + 3 >= len)
		return;
	if (used > 0) {
		memcpy(buf + used, "; ", 3);
		used += 2;
	}
	va_start(ap, fmt);
	vsnprintf(buf + used, len - used, fmt, ap);
	va_end(ap);
}

static void
asn1_time_str(const ASN1_TIME *t, char *out, size_t len)
{
	struct tm tm;

	if (ASN1_TIME_to_tm(t, &tm) != 1 || strftime(out, len, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
		snprintf(out, len, "?");
}

/* The certificate's subjectAltName entries, e.g. "DNS:other.test, IP:10.0.0.1". */
static void
san_list(X509 *x, char *out, size_t len)
{
	GENERAL_NAMES *gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	char addr[INET6_ADDRSTRLEN];
	size_t used = 0;
	int i, n, w;

	out[0] = '\0';
	n = gens != NULL ? sk_GENERAL_NAME_num(gens) : 0;
	for (i = 0; i < n && used < len; i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
		const char *sep = used > 0 ? ", " : "";

		w = 0;
		if (g->type == GEN_DNS)
			w = snprintf(out + used, len - used, "%sDNS:%.*s", sep,
			    ASN1_STRING_length(g->d.dNSName) > 64 ? 64 :
			    ASN1_STRING_length(g->d.dNSName),
			    (const char *)ASN1_STRING_get0_data(g->d.dNSName));
		else if (g->type == GEN_IPADD &&
		    inet_ntop(ASN1_STRING_length(g->d.iPAddress) == 4 ? AF_INET : AF_INET6,
		    ASN1_STRING_get0_data(g->d.iPAddress), addr, sizeof(addr)) != NULL &&
		    (ASN1_STRING_length(g->d.iPAddress) == 4 ||
		    ASN1_STRING_length(g->d.iPAddress) == 16))
			w = snprintf(out + used, len - used, "%sIP:%s", sep, addr);
		if (w > 0)
			used += (size_t)w;
	}
	if (out[0] == '\0')
		snprintf(out, len, "none");
	GENERAL_NAMES_free(gens);
}

/*
 * Check a server certificate (DER) the way the refused handshake should
 * have: validity dates, issuer against ca_file, host against the
 * subjectAltName.  why: what is wrong, "" if nothing is.
 */
static void
classify_cert(const struct gpc_cfg *c, const struct berval *der, const char *host, char *why,
    size_t len)
{
	const unsigned char *p = (const unsigned char *)der->bv_val;
	X509_STORE *store = NULL;
	X509_STORE_CTX *ctx = NULL;
	X509 *x = NULL;
	char when[40], names[256];
	int ok;

	why[0] = '\0';
	if ((x = d2i_X509(NULL, &p, (long)der->bv_len)) == NULL) {
		append(why, len, "the server's certificate does not parse");
		goto out;
	}
	if (X509_cmp_current_time(X509_get0_notAfter(x)) <= 0) {
		asn1_time_str(X509_get0_notAfter(x), when, sizeof(when));
		append(why, len, "certificate expired on %s", when);
	} else if (X509_cmp_current_time(X509_get0_notBefore(x)) >= 0) {
		asn1_time_str(X509_get0_notBefore(x), when, sizeof(when));
		append(why, len, "certificate not valid before %s", when);
	}
	/* Dates were judged above: the chain alone here. */
	if ((store = X509_STORE_new()) != NULL && (ctx = X509_STORE_CTX_new()) != NULL &&
	    (c->ca_file != NULL ? X509_STORE_load_file(store, c->ca_file) :
	    X509_STORE_set_default_paths(store)) == 1 &&
	    X509_STORE_CTX_init(ctx, store, x, NULL) == 1) {
		X509_STORE_CTX_set_flags(ctx, X509_V_FLAG_NO_CHECK_TIME);
		if (X509_verify_cert(ctx) != 1)
			append(why, len, "certificate not issued by a CA in %.200s (%s)",
			    c->ca_file != NULL ? c->ca_file : "the system's trust store",
			    X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx)));
	} else
		append(why, len, "the CA file %.200s does not load",
		    c->ca_file != NULL ? c->ca_file : "(default)");
	/* As libldap checks it: the URL's host, in the subjectAltName only. */
	if (host != NULL && *host != '\0') {
		struct in6_addr a;

		if (inet_pton(AF_INET, host, &a) == 1 || inet_pton(AF_INET6, host, &a) == 1)
			ok = X509_check_ip_asc(x, host, 0) == 1;
		else
			ok = X509_check_host(x, host, strlen(host),
			    X509_CHECK_FLAG_NEVER_CHECK_SUBJECT, NULL) == 1;
		if (!ok) {
			san_list(x, names, sizeof(names));
			append(why, len, "certificate is not for host %.100s (subjectAltName: %s)",
			    host, names);
		}
	}
out:
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(store);
	X509_free(x);
}

/*
 * libldap reports every refused certificate as "(unknown error code)".  To
 * log why, fetch the server's certificate again over a connection that does
 * not verify it and carries nothing but a StartTLS or an anonymous read of
 * the root DSE, and check it here.  Costs one more connection, only after a
 * failure.
 */
static void
explain_tls_failure(const struct gpc_dir *d, const char *uri, enum transport t,
    const char *host)
{
	struct berval der = { 0, NULL };
	LDAPMessage *res = NULL;
	struct timeval tv;
	LDAP *ld = NULL;
	char why[768];

	why[0] = '\0';
	if (new_handle(d, uri, t, 0, d->cfg->network_timeout_ms, &ld) != GPC_OK ||
	    arm(d, ld, d->cfg->network_timeout_ms, &tv) != GPC_OK)
		goto out;
	if (t == T_STARTTLS)
		(void)ldap_start_tls_s(ld, NULL, NULL);
	else
		(void)ldap_search_ext_s(ld, "", LDAP_SCOPE_BASE, "(objectClass=*)",
		    ATTRS(no_attrs), 0, NULL, NULL, &tv, 1, &res);
	if (ldap_get_option(ld, LDAP_OPT_X_TLS_PEERCERT, &der) != LDAP_OPT_SUCCESS ||
	    der.bv_val == NULL) {
		snprintf(why, sizeof(why), "TLS handshake failed and no certificate could be "
		    "obtained (not a TLS service?)");
		goto out;
	}
	classify_cert(d->cfg, &der, host, why, sizeof(why));
	if (why[0] == '\0')
		snprintf(why, sizeof(why), "TLS handshake failed, yet the certificate checks "
		    "out here (protocol, cipher or key usage?)");
out:
	if (why[0] == '\0')
		snprintf(why, sizeof(why), "reason unknown (the server could not be asked again)");
	gpc_log_msg(d->lg, LOG_ERR, "directory %.200s: certificate verification failed: %s",
	    uri, why);
	ldap_memfree(der.bv_val);
	ldap_msgfree(res);
	if (ld != NULL)
		ldap_unbind_ext_s(ld, NULL, NULL);
}

/*
 * Whether the failure rc of the first TLS step on ld (the StartTLS, or the
 * first operation of ldaps) was the TLS layer's: libldap then leaves the
 * TLS library's message.  A timeout leaves none; a refused or reset
 * connection leaves GnuTLS's "Error in the push/pull function": transport,
 * not TLS.
 */
static int
tls_layer_failed(LDAP *ld, int rc)
{
	char *diag = NULL;
	int r;

	if (rc != LDAP_SERVER_DOWN && rc != LDAP_CONNECT_ERROR)
		return 0;
	if (ldap_get_option(ld, LDAP_OPT_DIAGNOSTIC_MESSAGE, &diag) != LDAP_OPT_SUCCESS)
		return 0;
	r = diag != NULL && *diag != '\0' && strstr(diag, "push function") == NULL &&
	    strstr(diag, "pull function") == NULL;
	ldap_memfree(diag);
	return r;
}

/*
 * Connect to uri's server and, for StartTLS, secure the connection.
 * Parses the URI and refuses cleartext to a remote host.  *t gets the
 * transport, *out the handle.  Returns GPC_OK, GPC_ERR_CONFIG (URI),
 * GPC_ERR_TLS, GPC_ERR_UNAVAIL, GPC_ERR_TIMEOUT, GPC_ERR_LDAP,
 * GPC_ERR_NOMEM.
 */
static int
connect_uri(const struct gpc_dir *d, const char *uri, long limit_ms, enum transport *t,
    LDAP **out)
{
	LDAPURLDesc *lud = NULL;
	LDAP *ld = NULL;
	int r, rc;

	*out = NULL;
	if ((rc = ldap_url_parse(uri, &lud)) != LDAP_URL_SUCCESS) {
		gpc_log_msg(d->lg, LOG_ERR, "directory URI %.200s: unparsable", uri);
		r = GPC_ERR_CONFIG;
		goto out;
	}
	*t = transport_of(d->cfg, lud);
	/* Passwords must not cross a network in clear. */
	if (*t == T_CLEAR && d->cfg->require_tls && !is_loopback(lud->lud_host)) {
		gpc_log_msg(d->lg, LOG_ERR, "directory URI %.200s: cleartext to a remote host "
		    "refused (use ldaps://, starttls, or set require_tls = false)", uri);
		r = GPC_ERR_TLS;
		goto out;
	}
	if ((r = new_handle(d, uri, *t, 1, limit_ms, &ld)) != GPC_OK)
		goto out;
	if (*t == T_STARTTLS && (rc = ldap_start_tls_s(ld, NULL, NULL)) != LDAP_SUCCESS) {
		if (tls_layer_failed(ld, rc)) {
			explain_tls_failure(d, uri, *t, lud->lud_host);
			r = GPC_ERR_TLS;
		} else {
			r = gpc_dir_err(rc);
			gpc_log_msg(d->lg, LOG_WARNING, "directory %.200s: StartTLS failed: %s",
			    uri, ldap_err2string(rc));
			if (r != GPC_ERR_UNAVAIL && r != GPC_ERR_TIMEOUT)
				r = GPC_ERR_TLS; /* the server refused StartTLS */
		}
		goto out;
	}
	*out = ld;
	ld = NULL; /* transferred */
	r = GPC_OK;
out:
	if (ld != NULL)
		ldap_unbind_ext_s(ld, NULL, NULL);
	if (lud != NULL)
		ldap_free_urldesc(lud);
	return r;
}

/*
 * After a failed first bind on an ldaps:// handle: if the TLS layer failed,
 * log why and return GPC_ERR_TLS, else the bind's own code.
 */
static int
bind_failure(const struct gpc_dir *d, LDAP *ld, const char *uri, enum transport t, int rc)
{
	LDAPURLDesc *lud = NULL;

	if (t != T_LDAPS || !tls_layer_failed(ld, rc))
		return gpc_dir_err(rc);
	if (ldap_url_parse(uri, &lud) == LDAP_URL_SUCCESS)
		explain_tls_failure(d, uri, t, lud->lud_host);
	if (lud != NULL)
		ldap_free_urldesc(lud);
	return GPC_ERR_TLS;
}

static int
read_service_password(const struct gpc_dir *d, char **pw)
{
	const char *file = d->role == GPC_DIR_READER ? d->cfg->reader_password_file :
	    d->cfg->writer_password_file;
	unsigned char *buf = NULL;
	size_t len = 0;
	char why[160];
	int r;

	*pw = NULL;
	if (file == NULL)
		return GPC_OK;
	if ((r = gpc_read_secret_file_why(file, 1024, 1, &buf, &len, why, sizeof(why))) !=
	    GPC_OK) {
		gpc_log_msg(d->lg, LOG_ERR, "service password file %.200s: %s", file,
		    why[0] != '\0' ? why : gpc_strerror(r));
		return r == GPC_ERR_PERM ? GPC_ERR_PERM : GPC_ERR_CONFIG;
	}
	if (memchr(buf, '\n', len) != NULL || len == 0) {
		gpc_log_msg(d->lg, LOG_ERR, "service password file %.200s: must hold one "
		    "non-empty line", file);
		gpc_freezero(buf, len);
		return GPC_ERR_CONFIG;
	}
	*pw = (char *)buf;
	return GPC_OK;
}

/*
 * Connect to one URI and bind as the service account (password pw, or SASL
 * EXTERNAL when NULL).  Connecting, securing and binding each get the
 * network timeout: a server that accepts and never answers costs that long.
 */
static int
connect_one(struct gpc_dir *d, const char *uri, const char *pw, LDAP **out)
{
	const char *dn = d->role == GPC_DIR_READER ? d->cfg->reader_dn : d->cfg->writer_dn;
	struct berval cred = { 0, NULL };
	enum transport t = T_CLEAR;
	LDAP *ld = NULL;
	int r, rc;

	*out = NULL;
	if ((r = connect_uri(d, uri, d->cfg->network_timeout_ms, &t, &ld)) != GPC_OK)
		goto out;
	if (dn != NULL) {
		cred.bv_val = (char *)pw;
		cred.bv_len = strlen(pw);
		rc = ldap_sasl_bind_s(ld, dn, LDAP_SASL_SIMPLE, &cred, NULL, NULL, NULL);
	} else
		rc = ldap_sasl_bind_s(ld, NULL, "EXTERNAL", &cred, NULL, NULL, NULL);
	if (rc != LDAP_SUCCESS) {
		r = bind_failure(d, ld, uri, t, rc);
		if (r != GPC_ERR_TLS)
			gpc_log_msg(d->lg, r == GPC_ERR_BADPASS ? LOG_ERR : LOG_WARNING,
			    "directory %.200s: service bind failed: %s", uri, ldap_err2string(rc));
		if (r == GPC_ERR_BADPASS || r == GPC_ERR_DENIED)
			r = GPC_ERR_CONFIG;
		goto out;
	}
	/* From now on each operation gets the operation timeout. */
	if ((r = arm(d, ld, d->cfg->op_timeout_ms, NULL)) != GPC_OK)
		goto out;
	*out = ld;
	ld = NULL; /* transferred */
	r = GPC_OK;
out:
	if (ld != NULL)
		ldap_unbind_ext_s(ld, NULL, NULL);
	return r;
}

/* ---- failover memory ---------------------------------------------------------------- */

/*
 * The module keeps no state in the process, so the time each URI of the
 * failover list was last found dead lives in directory.state_file, one line
 * per URI: "<unix seconds> <uri>".  A URI found dead less than
 * primary_retry_s ago is tried after the others, not skipped: a stale entry
 * never makes a login fail.  The file is a hint: absent, unreadable, owned
 * by another user, writable by others or malformed means no memory, never an
 * error.  It is replaced by rename(2), so a reader sees an old or a new file
 * whole; two hosts' concurrent updates may lose one, which costs at most one
 * more attempt at a dead server.
 */
#define STATE_MAX 8192

static void
state_read(const struct gpc_dir *d, char *const *uris, size_t n, time_t now, time_t *dead)
{
	const char *path = d->cfg->state_file;
	char buf[STATE_MAX + 1], *line, *next, *end;
	struct stat st;
	ssize_t got;
	size_t i, len = 0;
	int fd;

	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return;
	/* Whoever could write it could steer logins between the configured servers. */
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (st.st_mode & (S_IWGRP | S_IWOTH)) ||
	    (st.st_uid != 0 && st.st_uid != geteuid())) {
		gpc_log_msg(d->lg, LOG_WARNING, "failover state %.200s: not a regular file of "
		    "root or this user, or writable by others: ignored", path);
		close(fd);
		return;
	}
	while (len < STATE_MAX && (got = read(fd, buf + len, STATE_MAX - len)) != 0) {
		if (got < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		len += (size_t)got;
	}
	close(fd);
	buf[len] = '\0';
	for (line = buf; line != NULL && *line != '\0'; line = next) {
		long long t;

		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		errno = 0;
		t = strtoll(line, &end, 10);
		if (errno != 0 || end == line || *end != ' ' || t <= 0 || t > (long long)now + 60)
			continue;
		for (i = 0; i < n; i++)
			if (strcmp(end + 1, uris[i]) == 0)
				dead[i] = (time_t)t;
	}
}

static void
state_write(const struct gpc_dir *d, char *const *uris, size_t n, const time_t *dead)
{
	const char *path = d->cfg->state_file;
	char *tmp = NULL, *dir = NULL, *slash, *text = NULL, *p;
	size_t i, cap = 1, len;
	int fd, ok, any = 0;

	for (i = 0; i < n; i++) {
		cap += strlen(uris[i]) + 24;
		any |= dead[i] != 0;
	}
	if (!any) {
		/* Every server answered: no memory needed. */
		if (unlink(path) != 0 && errno != ENOENT)
			gpc_log_msg(d->lg, LOG_DEBUG, "failover state %.200s: %m", path);
		return;
	}
	if ((text = malloc(cap)) == NULL || gpc_asprintf(&tmp, "%s.XXXXXX", path) < 0 ||
	    (dir = strdup(path)) == NULL)
		goto out;
	for (i = 0, p = text; i < n; i++) {
		if (dead[i] == 0)
			continue;
		p += snprintf(p, cap - (size_t)(p - text), "%lld %s\n", (long long)dead[i], uris[i]);
	}
	len = (size_t)(p - text);
	/* The directory may be a fresh tmpfs (/run): make its last component. */
	if ((slash = strrchr(dir, '/')) != NULL && slash != dir) {
		*slash = '\0';
		(void)mkdir(dir, 0755);
	}
	if ((fd = mkostemp(tmp, O_CLOEXEC)) < 0) {
		gpc_log_msg(d->lg, LOG_DEBUG, "failover state %.200s: not written: %m", path);
		goto out;
	}
	ok = fchmod(fd, 0644) == 0 && write(fd, text, len) == (ssize_t)len;
	ok = close(fd) == 0 && ok;
	if (!ok || rename(tmp, path) != 0) {
		gpc_log_msg(d->lg, LOG_DEBUG, "failover state %.200s: not written: %m", path);
		(void)unlink(tmp);
	}
out:
	free(text);
	free(tmp);
	free(dir);
}

/*
 * directory.ca_file chooses which directory is believed, so whoever could
 * write it could answer every login: it must be root's (or ours) and
 * writable by nobody else (gpc_check_trusted_file).  A file that is missing
 * is left to the TLS set-up, which names it.  GPC_OK or GPC_ERR_CONFIG.
 */
static int
check_ca_file(struct gpc_dir *d)
{
	char why[128];

	if (d->cfg->ca_file == NULL ||
	    gpc_check_trusted_file(d->cfg->ca_file, why, sizeof(why)) != GPC_ERR_PERM)
		return GPC_OK;
	gpc_log_msg(d->lg, LOG_ERR, "directory.ca_file %.200s: %s: refused", d->cfg->ca_file,
	    why);
	return GPC_ERR_CONFIG;
}

/*
 * Open a session on the first server of uris that answers, all of them
 * within failover_timeout_ms.  remember: keep and use the failover memory.
 */
static int
open_list(const struct gpc_cfg *cfg, enum gpc_dir_role role, char *const *uris, size_t nuris,
    const struct gpc_log *lg, int remember, struct gpc_dir **out)
{
	struct gpc_dir *d = NULL;
	struct gpc_sigpipe g;
	time_t now = time(NULL), *dead = NULL;
	char *pw = NULL, *later = NULL;
	size_t i, chosen = nuris;
	int r = GPC_ERR_UNAVAIL, last = GPC_ERR_UNAVAIL, pass, changed = 0;

	*out = NULL;
	gpc_sigpipe_block(&g);
	if ((d = calloc(1, sizeof(*d))) == NULL || (dead = calloc(nuris + 1, sizeof(*dead))) ==
	    NULL || (later = calloc(nuris + 1, 1)) == NULL) {
		r = GPC_ERR_NOMEM;
		goto out;
	}
	d->cfg = cfg;
	d->lg = lg;
	d->role = role;
	/*
	 * The failover as a whole is bounded; not the session after it, whose
	 * holder may take a minute to scan a QR code between two operations.
	 */
	d->deadline = cfg->failover_timeout_ms > 0 ? mono_ms() + cfg->failover_timeout_ms : 0;
	remember = remember && nuris > 1 && cfg->state_file != NULL && cfg->primary_retry_s > 0;
	if ((r = check_ca_file(d)) != GPC_OK)
		goto out;
	if (remember)
		state_read(d, uris, nuris, now, dead);
	for (i = 0; i < nuris; i++)
		later[i] = dead[i] != 0 && now - dead[i] < cfg->primary_retry_s;
	if ((r = read_service_password(d, &pw)) != GPC_OK)
		goto out;
	/* Pass 0: the URIs not found dead lately, in order; pass 1: the others. */
	for (pass = 0; pass < 2 && d->ld == NULL; pass++) {
		for (i = 0; i < nuris; i++) {
			if (later[i] != pass)
				continue;
			if (d->deadline != 0 && d->deadline <= mono_ms()) {
				last = GPC_ERR_TIMEOUT;
				break;
			}
			if ((r = connect_one(d, uris[i], pw, &d->ld)) == GPC_OK) {
				changed |= dead[i] != 0;
				dead[i] = 0;
				chosen = i;
				break;
			}
			/* A wrong service password is wrong everywhere: do not hammer on. */
			if (r == GPC_ERR_CONFIG || r == GPC_ERR_PERM || r == GPC_ERR_NOMEM)
				goto out;
			dead[i] = now;
			changed = 1;
			last = r;
			if (nuris > 1)
				gpc_log_msg(lg, LOG_NOTICE, "directory %.200s: %s; trying the next",
				    uris[i], gpc_strerror(r));
		}
	}
	if (remember && changed)
		state_write(d, uris, nuris, dead);
	if (d->ld == NULL) {
		r = last == GPC_ERR_TLS ? GPC_ERR_TLS : GPC_ERR_UNAVAIL;
		goto out;
	}
	if (chosen > 0 || later[chosen])
		gpc_log_msg(lg, LOG_INFO, "directory: using %.200s (URI %zu of %zu)",
		    uris[chosen], chosen + 1, nuris);
	if ((d->uri = strdup(uris[chosen])) == NULL) {
		r = GPC_ERR_NOMEM;
		goto out;
	}
	d->deadline = 0;
	*out = d;
	d = NULL; /* transferred */
	r = GPC_OK;
out:
	gpc_sigpipe_restore(&g);
	gpc_freezero_str(pw);
	free(dead);
	free(later);
	gpc_dir_close(d);
	return r;
}

int
gpc_dir_open(const struct gpc_cfg *cfg, enum gpc_dir_role role, const struct gpc_log *lg,
    struct gpc_dir **out)
{
	return open_list(cfg, role, cfg->uris, cfg->nuris, lg, 1, out);
}

int
gpc_dir_open_uri(const struct gpc_cfg *cfg, enum gpc_dir_role role, const char *uri,
    const struct gpc_log *lg, struct gpc_dir **out)
{
	char *one[1] = { (char *)uri };

	return open_list(cfg, role, one, 1, lg, 0, out);
}

void
gpc_dir_close(struct gpc_dir *d)
{
	struct gpc_sigpipe g;

	if (d == NULL)
		return;
	if (d->ld != NULL) {
		gpc_sigpipe_block(&g);
		ldap_unbind_ext_s(d->ld, NULL, NULL);
		gpc_sigpipe_restore(&g);
	}
	gpc_dir_close(d->otp);
	free(d->uri);
	free(d);
}

int
gpc_dir_otp_writer(struct gpc_dir *d, struct gpc_dir **w)
{
	int r;

	*w = NULL;
	if (d->cfg->otp_write_uri == NULL || strcmp(d->cfg->otp_write_uri, d->uri) == 0) {
		*w = d;
		return GPC_OK;
	}
	/* A provider that did not answer is not waited for twice in one session. */
	if (d->otp_err != GPC_OK)
		return d->otp_err;
	if (d->otp == NULL) {
		/* One provider, no failover: a replica must never take these writes. */
		if ((r = gpc_dir_open_uri(d->cfg, d->role, d->cfg->otp_write_uri, d->lg,
		    &d->otp)) != GPC_OK) {
			gpc_log_msg(d->lg, LOG_ERR, "OTP write provider %.200s: %s: the login "
			    "fails", d->cfg->otp_write_uri, gpc_strerror(r));
			d->otp_err = r;
			return r;
		}
	}
	*w = d->otp;
	return GPC_OK;
}

const char *
gpc_dir_uri(const struct gpc_dir *d)
{
	return d->uri;
}

const char *
gpc_dir_base(const struct gpc_dir *d)
{
	return d->cfg->base;
}

LDAP *
gpc_dir_ldap(struct gpc_dir *d)
{
	/* Whoever takes the handle is about to run an operation. */
	(void)arm(d, d->ld, d->cfg->op_timeout_ms, NULL);
	return d->ld;
}

int
gpc_dir_filter_escape(const char *value, size_t len, char **out)
{
	struct berval in = { len, (char *)value }, esc = { 0, NULL };

	*out = NULL;
	/* libldap's escaper yields no buffer at all for an empty value. */
	if (len == 0)
		return (*out = strdup("")) != NULL ? GPC_OK : GPC_ERR_NOMEM;
	if (ldap_bv2escaped_filter_value(&in, &esc) != 0 || esc.bv_val == NULL)
		return GPC_ERR_NOMEM;
	/* libldap allocates with its own allocator; hand the caller a malloc'd copy. */
	*out = strdup(esc.bv_val);
	ber_memfree(esc.bv_val);
	return *out != NULL ? GPC_OK : GPC_ERR_NOMEM;
}

int
gpc_dir_dn_escape(const char *value, char **out)
{
	size_t len, i, j = 0;
	char *o;

	*out = NULL;
	if (value == NULL || (len = strlen(value)) == 0 || !gpc_utf8_valid(value, len))
		return GPC_ERR_INVAL;
	if ((o = malloc(len * 3 + 1)) == NULL)
		return GPC_ERR_NOMEM;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)value[i];

		if (c == ',' || c == '+' || c == '"' || c == '\\' || c == '<' || c == '>' ||
		    c == ';' || c == '=' || (c == '#' && i == 0) ||
		    (c == ' ' && (i == 0 || i == len - 1))) {
			o[j++] = '\\';
			o[j++] = (char)c;
		} else if (c < 0x20 || c == 0x7f) {
			j += (size_t)snprintf(o + j, 4, "\\%02X", c);
		} else
			o[j++] = (char)c;
	}
	o[j] = '\0';
	*out = o;
	return GPC_OK;
}

int
gpc_dir_unit_dn(const struct gpc_dir *d, const char *unit_code, char **out)
{
	char *esc = NULL;
	int r;

	*out = NULL;
	if ((r = gpc_dir_dn_escape(unit_code, &esc)) != GPC_OK)
		return r;
	r = gpc_asprintf(out, "gpcUnitCode=%s,ou=units,%s", esc, d->cfg->base) < 0 ?
	    GPC_ERR_NOMEM : GPC_OK;
	free(esc);
	return r;
}

int
gpc_dir_account_dn(const struct gpc_dir *d, const char *unit_code, const char *uid, char **out)
{
	char *unit = NULL, *esc = NULL;
	int r;

	*out = NULL;
	if ((r = gpc_dir_unit_dn(d, unit_code, &unit)) != GPC_OK)
		goto out;
	if ((r = gpc_dir_dn_escape(uid, &esc)) != GPC_OK)
		goto out;
	r = gpc_asprintf(out, "uid=%s,%s", esc, unit) < 0 ? GPC_ERR_NOMEM : GPC_OK;
out:
	free(unit);
	free(esc);
	return r;
}

static int
doc_dn(const struct gpc_dir *d, const char *ou, const char *doc_id, char **out)
{
	char *esc = NULL;
	int r;

	*out = NULL;
	if ((r = gpc_dir_dn_escape(doc_id, &esc)) != GPC_OK)
		return r;
	r = gpc_asprintf(out, "gpcDocId=%s,ou=%s,%s", esc, ou, d->cfg->base) < 0 ?
	    GPC_ERR_NOMEM : GPC_OK;
	free(esc);
	return r;
}

int
gpc_dir_record_key(enum gpc_record_ns ns, const char *id, char **out)
{
	int n;

	*out = NULL;
	/* ids never hold ':', so no two keys can be read alike */
	if (!gpc_doc_id_valid(id))
		return GPC_ERR_INVAL;
	switch (ns) {
	case GPC_RECORD_APPLICATION:
		n = gpc_asprintf(out, "a:%s", id);
		break;
	case GPC_RECORD_DECISION:
		n = gpc_asprintf(out, "d:%s", id);
		break;
	case GPC_RECORD_DEADLINE:
		n = gpc_asprintf(out, "x:%s", id);
		break;
	default:
		return GPC_ERR_INVAL;
	}
	return n < 0 ? GPC_ERR_NOMEM : GPC_OK;
}

int
gpc_dir_record_dn(const struct gpc_dir *d, const char *key, char **out)
{
	return doc_dn(d, "records", key, out);
}

int
gpc_dir_application_dn(const struct gpc_dir *d, const char *doc_id, char **out)
{
	return doc_dn(d, "applications", doc_id, out);
}

int
gpc_dir_search(struct gpc_dir *d, const char *base, int scope, const char *filter,
    char **attrs, int sizelimit, LDAPMessage **res)
{
	struct timeval op;
	struct gpc_sigpipe g;
	int r, rc;

	*res = NULL;
	if ((r = arm(d, d->ld, d->cfg->op_timeout_ms, &op)) != GPC_OK)
		return r;
	gpc_sigpipe_block(&g);
	rc = ldap_search_ext_s(d->ld, base, scope, filter, attrs, 0, NULL, NULL, &op,
	    sizelimit, res);
	gpc_sigpipe_restore(&g);
	if (rc == LDAP_SIZELIMIT_EXCEEDED && *res != NULL)
		return GPC_OK; /* the caller counts the entries */
	if (rc != LDAP_SUCCESS) {
		ldap_msgfree(*res);
		*res = NULL;
		return gpc_dir_err(rc);
	}
	return GPC_OK;
}

char *
gpc_dir_get(struct gpc_dir *d, LDAPMessage *e, const char *attr)
{
	struct berval **v = ldap_get_values_len(d->ld, e, attr);
	char *s = NULL;

	if (v != NULL && v[0] != NULL && (s = malloc(v[0]->bv_len + 1)) != NULL) {
		memcpy(s, v[0]->bv_val, v[0]->bv_len);
		s[v[0]->bv_len] = '\0';
	}
	ldap_value_free_len(v);
	return s;
}

char **
gpc_dir_get_all(struct gpc_dir *d, LDAPMessage *e, const char *attr)
{
	struct berval **v = ldap_get_values_len(d->ld, e, attr);
	char **out = NULL;
	size_t i, n;

	if (v == NULL)
		return NULL;
	n = (size_t)ldap_count_values_len(v);
	if ((out = calloc(n + 1, sizeof(char *))) == NULL)
		goto out;
	for (i = 0; i < n; i++) {
		if ((out[i] = malloc(v[i]->bv_len + 1)) == NULL) {
			gpc_strv_free(out);
			out = NULL;
			goto out;
		}
		memcpy(out[i], v[i]->bv_val, v[i]->bv_len);
		out[i][v[i]->bv_len] = '\0';
	}
out:
	ldap_value_free_len(v);
	return out;
}

int64_t
gpc_dir_get_int(struct gpc_dir *d, LDAPMessage *e, const char *attr, int64_t dflt)
{
	char *s = gpc_dir_get(d, e, attr), *end = NULL;
	long long v;

	if (s == NULL)
		return dflt;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0')
		v = dflt;
	free(s);
	return (int64_t)v;
}

time_t
gpc_dir_get_time(struct gpc_dir *d, LDAPMessage *e, const char *attr)
{
	char *s = gpc_dir_get(d, e, attr);
	time_t t = 0;

	if (s != NULL && gpc_time_parse_generalized(s, &t) != GPC_OK)
		t = 0;
	free(s);
	return t;
}

void
gpc_account_free(struct gpc_account *a)
{
	if (a == NULL)
		return;
	free(a->dn);
	free(a->uid);
	free(a->role);
	free(a->state);
	free(a->state_reason);
	free(a->state_text);
	free(a->on_deadline);
	free(a->last_decision);
	free(a->name);
	free(a->mobile);
	free(a->holder_masked);
	free(a->holder_index);
	free(a->holder_sealed);
	free(a->seed_sealed);
	free(a->algorithm);
	gpc_strv_free(a->recovery);
	free(a->enroll_code);
	free(a->unit_dn);
	free(a->unit_code);
	free(a->unit_name);
	free(a->unit_state);
	free(a->unit_region);
	free(a);
}

int
gpc_account_usable(const struct gpc_account *a)
{
	return a->state != NULL && strcmp(a->state, "active") == 0 &&
	    a->unit_state != NULL && strcmp(a->unit_state, "active") == 0;
}

static int
account_from_entry(struct gpc_dir *d, LDAPMessage *e, struct gpc_account **out)
{
	struct gpc_account *a;
	char *dn, *locked;

	*out = NULL;
	if ((a = calloc(1, sizeof(*a))) == NULL)
		return GPC_ERR_NOMEM;
	if ((dn = ldap_get_dn(d->ld, e)) == NULL) {
		free(a);
		return GPC_ERR_LDAP;
	}
	a->dn = strdup(dn);
	ldap_memfree(dn);
	a->uid = gpc_dir_get(d, e, "uid");
	a->role = gpc_dir_get(d, e, "gpcRole");
	a->state = gpc_dir_get(d, e, "gpcState");
	a->state_reason = gpc_dir_get(d, e, "gpcStateReason");
	a->state_text = gpc_dir_get(d, e, "gpcStateText");
	a->deadline = gpc_dir_get_time(d, e, "gpcDeadline");
	a->on_deadline = gpc_dir_get(d, e, "gpcOnDeadline");
	a->last_decision = gpc_dir_get(d, e, "gpcLastDecision");
	a->name = gpc_dir_get(d, e, "cn");
	a->mobile = gpc_dir_get(d, e, "mobile");
	a->holder_masked = gpc_dir_get(d, e, "gpcHolderMasked");
	a->holder_index = gpc_dir_get(d, e, "gpcHolderIndex");
	a->holder_sealed = gpc_dir_get(d, e, "gpcHolderSealed");
	a->holder_since = gpc_dir_get_time(d, e, "gpcHolderSince");
	a->last_login = gpc_dir_get_time(d, e, "gpcLastLogin");
	a->seed_sealed = gpc_dir_get(d, e, "gpcTotpSeed");
	a->step = gpc_dir_get_int(d, e, "gpcTotpStep", -1);
	a->failures = gpc_dir_get_int(d, e, "gpcTotpFailures", -1);
	a->digits = (int)gpc_dir_get_int(d, e, "gpcTotpDigits", 0);
	a->period = (int)gpc_dir_get_int(d, e, "gpcTotpPeriod", 0);
	a->algorithm = gpc_dir_get(d, e, "gpcTotpAlgorithm");
	a->locked_until = gpc_dir_get_time(d, e, "gpcLockedUntil");
	a->recovery = gpc_dir_get_all(d, e, "gpcRecoveryCode");
	a->enroll_code = gpc_dir_get(d, e, "gpcEnrollCode");
	a->enroll_expires = gpc_dir_get_time(d, e, "gpcEnrollExpires");
	locked = gpc_dir_get(d, e, "pwdAccountLockedTime");
	a->pw_locked = locked != NULL;
	free(locked);
	if (a->dn == NULL || a->uid == NULL || a->state == NULL) {
		int r = a->dn == NULL ? GPC_ERR_NOMEM : GPC_ERR_LDAP;

		gpc_account_free(a);
		return r;
	}
	*out = a;
	return GPC_OK;
}

/* The unit is the account's parent entry. */

/* The result code libldap recorded on ld after a failed call. */
static int
ld_errno(LDAP *ld)
{
	int rc = LDAP_OTHER;

	(void)ldap_get_option(ld, LDAP_OPT_RESULT_CODE, &rc);
	return rc;
}

/*
 * Wait for the whole answer to msgid on ld, at most the operation timeout.
 * Returns an LDAP result code (of the wait, or of the operation itself) and
 * the answer in *res (ldap_msgfree).
 */
static int
wait_result(struct gpc_dir *d, LDAP *ld, int msgid, LDAPMessage **res)
{
	struct timeval op;
	int rc, err = LDAP_OTHER;

	*res = NULL;
	if (arm(d, ld, d->cfg->op_timeout_ms, &op) != GPC_OK) {
		(void)ldap_abandon_ext(ld, msgid, NULL, NULL);
		return LDAP_TIMEOUT;
	}
	rc = ldap_result(ld, msgid, LDAP_MSG_ALL, &op, res);
	if (rc == 0) {
		(void)ldap_abandon_ext(ld, msgid, NULL, NULL);
		return LDAP_TIMEOUT;
	}
	if (rc < 0)
		return ld_errno(ld);
	if (ldap_parse_result(ld, *res, &err, NULL, NULL, NULL, NULL, 0) != LDAP_SUCCESS)
		return ld_errno(ld);
	return err;
}

/* Start reading the account's unit, its parent entry; *msgid for unit_finish(). */
static int
unit_start(struct gpc_dir *d, struct gpc_account *a, int *msgid)
{
	LDAPDN parsed = NULL;
	char *parent = NULL;
	struct timeval op;
	int r, rc;

	if (ldap_str2dn(a->dn, &parsed, LDAP_DN_FORMAT_LDAPV3) != LDAP_SUCCESS ||
	    parsed == NULL || parsed[0] == NULL || parsed[1] == NULL) {
		r = GPC_ERR_LDAP;
		goto out;
	}
	if (ldap_dn2str(&parsed[1], &parent, LDAP_DN_FORMAT_LDAPV3) != LDAP_SUCCESS ||
	    (a->unit_dn = strdup(parent)) == NULL) {
		r = GPC_ERR_NOMEM;
		goto out;
	}
	if ((r = arm(d, d->ld, d->cfg->op_timeout_ms, &op)) != GPC_OK)
		goto out;
	rc = ldap_search_ext(d->ld, a->unit_dn, LDAP_SCOPE_BASE, "(objectClass=gpcUnit)",
	    ATTRS(unit_attrs), 0, NULL, NULL, &op, 1, msgid);
	r = gpc_dir_err(rc);
out:
	ldap_memfree(parent);
	if (parsed != NULL)
		ldap_dnfree(parsed);
	return r;
}

/* Wait for the unit started by unit_start() and fill a's unit fields. */
static int
unit_finish(struct gpc_dir *d, struct gpc_account *a, int msgid)
{
	LDAPMessage *res = NULL, *e;
	int r, rc;

	if ((rc = wait_result(d, d->ld, msgid, &res)) != LDAP_SUCCESS) {
		r = gpc_dir_err(rc);
		goto out;
	}
	if ((e = ldap_first_entry(d->ld, res)) == NULL) {
		r = GPC_ERR_NOTFOUND;
		goto out;
	}
	a->unit_code = gpc_dir_get(d, e, "gpcUnitCode");
	a->unit_name = gpc_dir_get(d, e, "o");
	a->unit_state = gpc_dir_get(d, e, "gpcState");
	a->unit_region = gpc_dir_get(d, e, "gpcRegion");
	r = a->unit_state != NULL ? GPC_OK : GPC_ERR_LDAP;
out:
	ldap_msgfree(res);
	return r;
}

/* The account entry alone (gpc_dir_find_account without the unit). */
static int
find_entry(struct gpc_dir *d, const char *uid, struct gpc_account **out)
{
	LDAPMessage *res = NULL, *e;
	char *esc = NULL, *filter = NULL, *base = NULL;
	size_t len;
	int r;

	*out = NULL;
	if (uid == NULL || (len = strlen(uid)) == 0 || len > 256)
		return GPC_ERR_INVAL;
	if ((r = gpc_dir_filter_escape(uid, len, &esc)) != GPC_OK)
		goto out;
	if (gpc_asprintf(&filter, "(&(objectClass=gpcAccount)(uid=%s))", esc) < 0 ||
	    gpc_asprintf(&base, "ou=units,%s", d->cfg->base) < 0) {
		r = GPC_ERR_NOMEM;
		goto out;
	}
	if ((r = gpc_dir_search(d, base, LDAP_SCOPE_SUBTREE, filter, ATTRS(account_attrs), 2,
	    &res)) != GPC_OK)
		goto out;
	switch (ldap_count_entries(d->ld, res)) {
	case 0:
		r = GPC_ERR_NOTFOUND;
		goto out;
	case 1:
		break;
	default:
		/* Two entries for one name: refuse rather than pick one. */
		gpc_log_msg(d->lg, LOG_ERR, "uid %.64s matches more than one account", uid);
		r = GPC_ERR_AMBIGUOUS;
		goto out;
	}
	e = ldap_first_entry(d->ld, res);
	r = account_from_entry(d, e, out);
out:
	ldap_msgfree(res);
	free(esc);
	free(filter);
	free(base);
	return r;
}

int
gpc_dir_find_account(struct gpc_dir *d, const char *uid, struct gpc_account **out)
{
	struct gpc_account *a = NULL;
	struct gpc_sigpipe g;
	int r, msgid = -1;

	*out = NULL;
	if ((r = find_entry(d, uid, &a)) != GPC_OK)
		goto out;
	gpc_sigpipe_block(&g);
	if ((r = unit_start(d, a, &msgid)) == GPC_OK)
		r = unit_finish(d, a, msgid);
	gpc_sigpipe_restore(&g);
	if (r != GPC_OK)
		goto out;
	*out = a;
	a = NULL; /* transferred */
out:
	gpc_account_free(a);
	return r;
}

/*
 * A user's bind, in two halves so that other work can run in between: open
 * a second connection to the session's server (its TLS, the network
 * timeout) and send the bind; then wait for the answer.
 */
static int
user_bind_start(struct gpc_dir *d, const char *dn, const char *password, LDAP **ld,
    enum transport *t, int *msgid)
{
	struct berval cred;
	int r, rc;

	*ld = NULL;
	/* Too long to be anyone's password: wrong, whatever the server would make of it. */
	if (strnlen(password, GPC_PASSWORD_MAX + 1) > GPC_PASSWORD_MAX)
		return GPC_ERR_BADPASS;
	if ((r = connect_uri(d, d->uri, d->cfg->network_timeout_ms, t, ld)) != GPC_OK)
		return r;
	cred.bv_val = (char *)password;
	cred.bv_len = strlen(password);
	if ((rc = ldap_sasl_bind(*ld, dn, LDAP_SASL_SIMPLE, &cred, NULL, NULL, msgid)) !=
	    LDAP_SUCCESS)
		return bind_failure(d, *ld, d->uri, *t, rc);
	return GPC_OK;
}

static int
user_bind_finish(struct gpc_dir *d, LDAP *ld, enum transport t, int msgid)
{
	LDAPMessage *res = NULL;
	int r, rc;

	rc = wait_result(d, ld, msgid, &res);
	ldap_msgfree(res);
	r = rc == LDAP_SUCCESS ? GPC_OK : bind_failure(d, ld, d->uri, t, rc);
	/* Anything but a clear answer is not a success and not a "wrong password". */
	if (r != GPC_OK && r != GPC_ERR_BADPASS && r != GPC_ERR_UNAVAIL &&
	    r != GPC_ERR_TIMEOUT && r != GPC_ERR_TLS)
		r = GPC_ERR_BADPASS;
	return r;
}

int
gpc_dir_check_password(struct gpc_dir *d, const char *dn, const char *password)
{
	enum transport t = T_CLEAR;
	struct gpc_sigpipe g;
	LDAP *ld = NULL;
	int r, msgid = -1;

	/* An empty password would be an unauthenticated bind, which "succeeds". */
	if (password == NULL || *password == '\0' || dn == NULL || *dn == '\0')
		return GPC_ERR_BADPASS;
	gpc_sigpipe_block(&g);
	if ((r = user_bind_start(d, dn, password, &ld, &t, &msgid)) == GPC_OK)
		r = user_bind_finish(d, ld, t, msgid);
	if (ld != NULL)
		ldap_unbind_ext_s(ld, NULL, NULL);
	gpc_sigpipe_restore(&g);
	return r;
}

int
gpc_dir_find_account_bind(struct gpc_dir *d, const char *uid, const char *password,
    struct gpc_account **out, int *pw_status)
{
	struct gpc_account *a = NULL;
	enum transport t = T_CLEAR;
	struct gpc_sigpipe g;
	LDAP *ld = NULL;
	int r, pr = GPC_ERR_BADPASS, umsg = -1, bmsg = -1;

	*out = NULL;
	*pw_status = GPC_ERR_BADPASS;
	if ((r = find_entry(d, uid, &a)) != GPC_OK)
		return r;
	gpc_sigpipe_block(&g);
	/*
	 * The unit read goes out first; while the server answers it, the
	 * second connection is made (TCP, TLS) and the user's bind sent on it.
	 * An empty password is never sent (an unauthenticated bind "succeeds").
	 */
	r = unit_start(d, a, &umsg);
	if (r == GPC_OK && password != NULL && *password != '\0' &&
	    (pr = user_bind_start(d, a->dn, password, &ld, &t, &bmsg)) == GPC_OK)
		pr = user_bind_finish(d, ld, t, bmsg);
	if (r == GPC_OK)
		r = unit_finish(d, a, umsg);
	if (ld != NULL)
		ldap_unbind_ext_s(ld, NULL, NULL);
	gpc_sigpipe_restore(&g);
	if (r != GPC_OK)
		goto out;
	*pw_status = pr;
	*out = a;
	a = NULL; /* transferred */
out:
	gpc_account_free(a);
	return r;
}

int
gpc_dir_modify(struct gpc_dir *d, const char *dn, LDAPMod **mods, LDAPControl **ctrls)
{
	struct gpc_sigpipe g;
	int r, rc;

	if ((r = arm(d, d->ld, d->cfg->op_timeout_ms, NULL)) != GPC_OK)
		return r;
	gpc_sigpipe_block(&g);
	rc = ldap_modify_ext_s(d->ld, dn, mods, ctrls, NULL);
	gpc_sigpipe_restore(&g);
	if (rc == LDAP_CONSTRAINT_VIOLATION)
		return GPC_ERR_LDAP;
	return gpc_dir_err(rc);
}

int
gpc_dir_add(struct gpc_dir *d, const char *dn, LDAPMod **mods)
{
	struct gpc_sigpipe g;
	int r, rc;

	if ((r = arm(d, d->ld, d->cfg->op_timeout_ms, NULL)) != GPC_OK)
		return r;
	gpc_sigpipe_block(&g);
	rc = ldap_add_ext_s(d->ld, dn, mods, NULL, NULL);
	gpc_sigpipe_restore(&g);
	if (rc != LDAP_SUCCESS)
		gpc_log_msg(d->lg, LOG_DEBUG, "add %.200s: %s", dn, ldap_err2string(rc));
	return gpc_dir_err(rc);
}

int
gpc_dir_delete(struct gpc_dir *d, const char *dn)
{
	struct gpc_sigpipe g;
	int r, rc;

	if ((r = arm(d, d->ld, d->cfg->op_timeout_ms, NULL)) != GPC_OK)
		return r;
	gpc_sigpipe_block(&g);
	rc = ldap_delete_ext_s(d->ld, dn, NULL, NULL);
	gpc_sigpipe_restore(&g);
	return gpc_dir_err(rc);
}

int
gpc_dir_passwd(struct gpc_dir *d, const char *dn, const char *old, const char *new_pw,
    const char **why)
{
	struct berval user = { 0, NULL }, oldb = { 0, NULL }, newb = { 0, NULL };
	LDAPControl ppreq = { (char *)LDAP_CONTROL_PASSWORDPOLICYREQUEST, { 0, NULL }, 0 };
	LDAPControl *sctrls[2] = { &ppreq, NULL }, **rctrls = NULL, *pp;
	LDAPPasswordPolicyError pperr = PP_noError;
	struct timeval op;
	LDAPMessage *res = NULL;
	struct gpc_sigpipe g;
	int rc, msgid, err = LDAP_OTHER, r;

	if (why != NULL)
		*why = NULL;
	if (new_pw == NULL || *new_pw == '\0')
		return GPC_ERR_INVAL;
	/* one no login could ever send (GPC_PASSWORD_MAX) would lock its holder out */
	if (strnlen(new_pw, GPC_PASSWORD_MAX + 1) > GPC_PASSWORD_MAX) {
		if (why != NULL)
			*why = ldap_passwordpolicy_err2txt(PP_passwordTooLong);
		return GPC_ERR_INVAL;
	}
	if ((r = arm(d, d->ld, d->cfg->op_timeout_ms, &op)) != GPC_OK)
		return r;
	user.bv_val = (char *)dn;
	user.bv_len = strlen(dn);
	if (old != NULL) {
		oldb.bv_val = (char *)old;
		oldb.bv_len = strlen(old);
	}
	newb.bv_val = (char *)new_pw;
	newb.bv_len = strlen(new_pw);
	gpc_sigpipe_block(&g);
	rc = ldap_passwd(d->ld, &user, old != NULL ? &oldb : NULL, &newb, sctrls, NULL, &msgid);
	if (rc == LDAP_SUCCESS) {
		rc = ldap_result(d->ld, msgid, LDAP_MSG_ALL, &op, &res);
		if (rc <= 0)
			rc = rc == 0 ? LDAP_TIMEOUT : LDAP_SERVER_DOWN;
		else
			rc = ldap_parse_result(d->ld, res, &err, NULL, NULL, NULL, &rctrls, 0);
	}
	gpc_sigpipe_restore(&g);
	if (rc != LDAP_SUCCESS) {
		r = gpc_dir_err(rc);
		goto out;
	}
	if (rctrls != NULL &&
	    (pp = ldap_control_find(LDAP_CONTROL_PASSWORDPOLICYRESPONSE, rctrls, NULL)) != NULL &&
	    ldap_parse_passwordpolicy_control(d->ld, pp, NULL, NULL, &pperr) == LDAP_SUCCESS &&
	    pperr != PP_noError) {
		if (why != NULL)
			*why = ldap_passwordpolicy_err2txt(pperr);
		r = GPC_ERR_INVAL;
		goto out;
	}
	r = err == LDAP_CONSTRAINT_VIOLATION ? GPC_ERR_INVAL : gpc_dir_err(err);
out:
	ldap_controls_free(rctrls);
	ldap_msgfree(res);
	return r;
}
