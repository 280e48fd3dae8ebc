/*
 * Directory session: connection, failover, TLS, binds, searches, the
 * compare-and-swap of the replay guard.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <lber.h>
#include <ldap.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "dir.h"
#include "err.h"
#include "util.h"

struct gpc_dir {
	const struct gpc_cfg *cfg;
	const struct gpc_log *lg;
	enum gpc_dir_role role;
	LDAP *ld;
	char *uri;
};

/* Attributes a login or a command reads from an account entry. */
static char *account_attrs[] = {
	"uid", "gpcRole", "gpcState", "gpcStateReason", "gpcStateText", "gpcDeadline",
	"gpcOnDeadline", "gpcLastDecision", "cn", "mobile", "gpcHolderMasked",
	"gpcHolderIndex", "gpcHolderSealed", "gpcHolderSince", "gpcLastLogin",
	"gpcTotpSeed", "gpcTotpStep", "gpcTotpFailures", "gpcTotpDigits", "gpcTotpPeriod",
	"gpcTotpAlgorithm", "gpcLockedUntil", "gpcRecoveryCode", "gpcEnrollCode",
	"gpcEnrollExpires", "pwdAccountLockedTime", NULL
};

static char *unit_attrs[] = { "gpcUnitCode", "o", "gpcState", "gpcRegion", NULL };

/*
 * SIGPIPE: a refused connection in async-connect mode raises it.  Block it in
 * this thread while libldap runs and discard one that arrived, leaving the
 * host process's disposition alone.
 */
struct pipe_guard {
	sigset_t old;
	int active;
};

static void
pipe_block(struct pipe_guard *g)
{
	sigset_t s;

	sigemptyset(&s);
	sigaddset(&s, SIGPIPE);
	g->active = pthread_sigmask(SIG_BLOCK, &s, &g->old) == 0;
}

static void
pipe_restore(struct pipe_guard *g)
{
	sigset_t s, pending;
	struct timespec zero = { 0, 0 };

	if (!g->active)
		return;
	if (!sigismember(&g->old, SIGPIPE)) {
		sigemptyset(&s);
		sigaddset(&s, SIGPIPE);
		if (sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE))
			(void)sigtimedwait(&s, NULL, &zero);
	}
	pthread_sigmask(SIG_SETMASK, &g->old, NULL);
}

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

/*
 * Set the options every handle needs, before its first operation: some
 * (CONNECT_ASYNC, TLS) are read only when the connection is made.
 */
static int
set_options(struct gpc_dir *d, LDAP *ld, const char *uri)
{
	const struct gpc_cfg *c = d->cfg;
	struct timeval net = { c->network_timeout_ms / 1000, (c->network_timeout_ms % 1000) * 1000 };
	struct timeval op = { c->op_timeout_ms / 1000, (c->op_timeout_ms % 1000) * 1000 };
	int v3 = LDAP_VERSION3, demand = LDAP_OPT_X_TLS_DEMAND, zero = 0;

	if (ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &v3) != LDAP_OPT_SUCCESS ||
	    ldap_set_option(ld, LDAP_OPT_REFERRALS, LDAP_OPT_OFF) != LDAP_OPT_SUCCESS ||
	    ldap_set_option(ld, LDAP_OPT_RESTART, LDAP_OPT_ON) != LDAP_OPT_SUCCESS ||
	    ldap_set_option(ld, LDAP_OPT_NETWORK_TIMEOUT, &net) != LDAP_OPT_SUCCESS ||
	    ldap_set_option(ld, LDAP_OPT_TIMEOUT, &op) != LDAP_OPT_SUCCESS)
		return GPC_ERR_LDAP;
	/*
	 * Without async connect an ldaps handshake with a server that accepts
	 * and never answers spins for ever; with it the timeouts above hold.
	 */
	if (ldap_set_option(ld, LDAP_OPT_CONNECT_ASYNC, LDAP_OPT_ON) != LDAP_OPT_SUCCESS)
		return GPC_ERR_LDAP;
	if (strncmp(uri, "ldapi://", 8) == 0)
		return GPC_OK;
	/*
	 * Per-handle TLS settings take effect only with a new context on this
	 * handle; without it they are silently ignored and environment
	 * variables (LDAPTLS_REQCERT=never) win.
	 */
	if (c->ca_file != NULL &&
	    ldap_set_option(ld, LDAP_OPT_X_TLS_CACERTFILE, c->ca_file) != LDAP_OPT_SUCCESS)
		return GPC_ERR_TLS;
	if (ldap_set_option(ld, LDAP_OPT_X_TLS_REQUIRE_CERT, &demand) != LDAP_OPT_SUCCESS ||
	    ldap_set_option(ld, LDAP_OPT_X_TLS_REQUIRE_SAN, &demand) != LDAP_OPT_SUCCESS ||
	    ldap_set_option(ld, LDAP_OPT_X_TLS_NEWCTX, &zero) != LDAP_OPT_SUCCESS)
		return GPC_ERR_TLS;
	return GPC_OK;
}

static int
read_service_password(const struct gpc_dir *d, char **pw)
{
	const char *file = d->role == GPC_DIR_READER ? d->cfg->reader_password_file :
	    d->cfg->writer_password_file;
	unsigned char *buf = NULL;
	size_t len = 0;
	int r;

	*pw = NULL;
	if (file == NULL)
		return GPC_OK;
	if ((r = gpc_read_secret_file(file, 1024, 1, &buf, &len)) != GPC_OK) {
		gpc_log_msg(d->lg, LOG_ERR, "service password file %.200s: %s", file,
		    gpc_strerror(r));
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

/* Connect to one URI and bind as the service account. */
static int
connect_one(struct gpc_dir *d, const char *uri, LDAP **out)
{
	const char *dn = d->role == GPC_DIR_READER ? d->cfg->reader_dn : d->cfg->writer_dn;
	LDAPURLDesc *lud = NULL;
	LDAP *ld = NULL;
	char *pw = NULL;
	struct berval cred = { 0, NULL };
	int r, rc, cleartext;

	*out = NULL;
	if ((rc = ldap_url_parse(uri, &lud)) != LDAP_URL_SUCCESS) {
		gpc_log_msg(d->lg, LOG_ERR, "directory URI %.200s: unparsable", uri);
		r = GPC_ERR_CONFIG;
		goto out;
	}
	cleartext = strcasecmp(lud->lud_scheme, "ldap") == 0 && !d->cfg->starttls;
	/* Passwords must not cross a network in clear. */
	if (cleartext && d->cfg->require_tls && !is_loopback(lud->lud_host)) {
		gpc_log_msg(d->lg, LOG_ERR, "directory URI %.200s: cleartext to a remote host "
		    "refused (use ldaps://, starttls, or set require_tls = false)", uri);
		r = GPC_ERR_TLS;
		goto out;
	}
	if (ldap_initialize(&ld, uri) != LDAP_SUCCESS) {
		r = GPC_ERR_CONFIG;
		goto out;
	}
	if ((r = set_options(d, ld, uri)) != GPC_OK)
		goto out;
	if (strcasecmp(lud->lud_scheme, "ldap") == 0 && d->cfg->starttls) {
		rc = ldap_start_tls_s(ld, NULL, NULL);
		if (rc != LDAP_SUCCESS) {
			gpc_log_msg(d->lg, LOG_WARNING, "directory %.200s: StartTLS failed: %s",
			    uri, ldap_err2string(rc));
			r = rc == LDAP_SERVER_DOWN || rc == LDAP_TIMEOUT ? gpc_dir_err(rc) :
			    GPC_ERR_TLS;
			goto out;
		}
	}
	if ((r = read_service_password(d, &pw)) != GPC_OK)
		goto out;
	if (dn != NULL) {
		cred.bv_val = pw;
		cred.bv_len = strlen(pw);
		rc = ldap_sasl_bind_s(ld, dn, LDAP_SASL_SIMPLE, &cred, NULL, NULL, NULL);
	} else
		rc = ldap_sasl_bind_s(ld, NULL, "EXTERNAL", &cred, NULL, NULL, NULL);
	if (rc != LDAP_SUCCESS) {
		r = gpc_dir_err(rc);
		if (rc == LDAP_CONNECT_ERROR && strncasecmp(uri, "ldaps", 5) == 0)
			r = GPC_ERR_TLS;
		gpc_log_msg(d->lg, r == GPC_ERR_BADPASS ? LOG_ERR : LOG_WARNING,
		    "directory %.200s: service bind failed: %s", uri, ldap_err2string(rc));
		if (r == GPC_ERR_BADPASS || r == GPC_ERR_DENIED)
			r = GPC_ERR_CONFIG;
		goto out;
	}
	*out = ld;
	ld = NULL; /* transferred */
	r = GPC_OK;
out:
	gpc_freezero_str(pw);
	if (ld != NULL)
		ldap_unbind_ext_s(ld, NULL, NULL);
	if (lud != NULL)
		ldap_free_urldesc(lud);
	return r;
}

static int
open_list(const struct gpc_cfg *cfg, enum gpc_dir_role role, char *const *uris, size_t nuris,
    const struct gpc_log *lg, struct gpc_dir **out)
{
	struct gpc_dir *d = NULL;
	struct pipe_guard g;
	size_t i;
	int r = GPC_ERR_UNAVAIL, last = GPC_ERR_UNAVAIL;

	*out = NULL;
	if ((d = calloc(1, sizeof(*d))) == NULL)
		return GPC_ERR_NOMEM;
	d->cfg = cfg;
	d->lg = lg;
	d->role = role;
	pipe_block(&g);
	for (i = 0; i < nuris; i++) {
		if ((r = connect_one(d, uris[i], &d->ld)) == GPC_OK)
			break;
		/* A wrong service password is wrong everywhere: do not hammer on. */
		if (r == GPC_ERR_CONFIG || r == GPC_ERR_PERM || r == GPC_ERR_NOMEM)
			goto out;
		last = r;
	}
	if (d->ld == NULL) {
		r = last == GPC_ERR_TLS ? GPC_ERR_TLS : GPC_ERR_UNAVAIL;
		goto out;
	}
	if ((d->uri = strdup(uris[i])) == NULL) {
		r = GPC_ERR_NOMEM;
		goto out;
	}
	*out = d;
	d = NULL; /* transferred */
	r = GPC_OK;
out:
	pipe_restore(&g);
	gpc_dir_close(d);
	return r;
}

int
gpc_dir_open(const struct gpc_cfg *cfg, enum gpc_dir_role role, const struct gpc_log *lg,
    struct gpc_dir **out)
{
	return open_list(cfg, role, cfg->uris, cfg->nuris, lg, out);
}

int
gpc_dir_open_uri(const struct gpc_cfg *cfg, enum gpc_dir_role role, const char *uri,
    const struct gpc_log *lg, struct gpc_dir **out)
{
	char *one[1] = { (char *)uri };

	return open_list(cfg, role, one, 1, lg, out);
}

void
gpc_dir_close(struct gpc_dir *d)
{
	struct pipe_guard g;

	if (d == NULL)
		return;
	if (d->ld != NULL) {
		pipe_block(&g);
		ldap_unbind_ext_s(d->ld, NULL, NULL);
		pipe_restore(&g);
	}
	free(d->uri);
	free(d);
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
gpc_dir_record_dn(const struct gpc_dir *d, const char *doc_id, char **out)
{
	return doc_dn(d, "records", doc_id, out);
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
	struct timeval op = { d->cfg->op_timeout_ms / 1000,
		(d->cfg->op_timeout_ms % 1000) * 1000 };
	struct pipe_guard g;
	int rc;

	*res = NULL;
	pipe_block(&g);
	rc = ldap_search_ext_s(d->ld, base, scope, filter, attrs, 0, NULL, NULL, &op,
	    sizelimit, res);
	pipe_restore(&g);
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
static int
read_unit(struct gpc_dir *d, struct gpc_account *a)
{
	LDAPMessage *res = NULL, *e;
	LDAPDN parsed = NULL;
	char *parent = NULL;
	int r;

	if (ldap_str2dn(a->dn, &parsed, LDAP_DN_FORMAT_LDAPV3) != LDAP_SUCCESS ||
	    parsed == NULL || parsed[0] == NULL || parsed[1] == NULL) {
		r = GPC_ERR_LDAP;
		goto out;
	}
	if (ldap_dn2str(&parsed[1], &parent, LDAP_DN_FORMAT_LDAPV3) != LDAP_SUCCESS) {
		r = GPC_ERR_NOMEM;
		goto out;
	}
	if ((r = gpc_dir_search(d, parent, LDAP_SCOPE_BASE, "(objectClass=gpcUnit)",
	    unit_attrs, 1, &res)) != GPC_OK)
		goto out;
	if ((e = ldap_first_entry(d->ld, res)) == NULL) {
		r = GPC_ERR_NOTFOUND;
		goto out;
	}
	if ((a->unit_dn = strdup(parent)) == NULL) {
		r = GPC_ERR_NOMEM;
		goto out;
	}
	a->unit_code = gpc_dir_get(d, e, "gpcUnitCode");
	a->unit_name = gpc_dir_get(d, e, "o");
	a->unit_state = gpc_dir_get(d, e, "gpcState");
	a->unit_region = gpc_dir_get(d, e, "gpcRegion");
	r = a->unit_state != NULL ? GPC_OK : GPC_ERR_LDAP;
out:
	ldap_memfree(parent);
	if (parsed != NULL)
		ldap_dnfree(parsed);
	ldap_msgfree(res);
	return r;
}

int
gpc_dir_find_account(struct gpc_dir *d, const char *uid, struct gpc_account **out)
{
	LDAPMessage *res = NULL, *e;
	struct gpc_account *a = NULL;
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
	if ((r = gpc_dir_search(d, base, LDAP_SCOPE_SUBTREE, filter, account_attrs, 2,
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
	if ((r = account_from_entry(d, e, &a)) != GPC_OK)
		goto out;
	if ((r = read_unit(d, a)) != GPC_OK)
		goto out;
	*out = a;
	a = NULL; /* transferred */
	r = GPC_OK;
out:
	gpc_account_free(a);
	ldap_msgfree(res);
	free(esc);
	free(filter);
	free(base);
	return r;
}

int
gpc_dir_check_password(struct gpc_dir *d, const char *dn, const char *password)
{
	struct berval cred;
	struct pipe_guard g;
	LDAP *ld = NULL;
	int r, rc;

	/* An empty password would be an unauthenticated bind, which "succeeds". */
	if (password == NULL || *password == '\0' || dn == NULL || *dn == '\0')
		return GPC_ERR_BADPASS;
	pipe_block(&g);
	if (ldap_initialize(&ld, d->uri) != LDAP_SUCCESS) {
		r = GPC_ERR_NOMEM;
		goto out;
	}
	if ((r = set_options(d, ld, d->uri)) != GPC_OK)
		goto out;
	if (d->cfg->starttls && strncasecmp(d->uri, "ldap://", 7) == 0 &&
	    (rc = ldap_start_tls_s(ld, NULL, NULL)) != LDAP_SUCCESS) {
		r = rc == LDAP_SERVER_DOWN || rc == LDAP_TIMEOUT ? gpc_dir_err(rc) : GPC_ERR_TLS;
		goto out;
	}
	cred.bv_val = (char *)password;
	cred.bv_len = strlen(password);
	rc = ldap_sasl_bind_s(ld, dn, LDAP_SASL_SIMPLE, &cred, NULL, NULL, NULL);
	r = gpc_dir_err(rc);
	/* Anything but a clear answer is not a success and not a "wrong password". */
	if (r != GPC_OK && r != GPC_ERR_BADPASS && r != GPC_ERR_UNAVAIL && r != GPC_ERR_TIMEOUT)
		r = rc == LDAP_CONNECT_ERROR ? GPC_ERR_TLS : GPC_ERR_BADPASS;
out:
	if (ld != NULL)
		ldap_unbind_ext_s(ld, NULL, NULL);
	pipe_restore(&g);
	return r;
}

int
gpc_dir_advance_step(struct gpc_dir *d, const char *dn, int64_t old_step, int64_t new_step)
{
	char oldv[24], newv[24];
	char *oldvals[2] = { oldv, NULL }, *newvals[2] = { newv, NULL };
	LDAPMod del = { LDAP_MOD_DELETE, "gpcTotpStep", { .modv_strvals = oldvals } };
	LDAPMod add = { LDAP_MOD_ADD, "gpcTotpStep", { .modv_strvals = newvals } };
	LDAPMod *cas[3] = { &del, &add, NULL }, *first[2] = { &add, NULL };
	int r;

	if (new_step < 0 || new_step <= old_step)
		return GPC_ERR_INVAL;
	snprintf(oldv, sizeof(oldv), "%lld", (long long)old_step);
	snprintf(newv, sizeof(newv), "%lld", (long long)new_step);
	/*
	 * delete(old)+add(new) in one Modify is atomic: a stale old value fails
	 * with noSuchAttribute.  The first value is a plain add of a
	 * SINGLE-VALUE attribute: a second adder fails.  replace is no CAS.
	 */
	r = gpc_dir_modify(d, dn, old_step < 0 ? first : cas, NULL);
	if (r == GPC_ERR_CONFLICT || r == GPC_ERR_LDAP)
		return GPC_ERR_CONFLICT; /* 16, 20, or 19 (constraint: second value) */
	return r;
}

int
gpc_dir_modify(struct gpc_dir *d, const char *dn, LDAPMod **mods, LDAPControl **ctrls)
{
	struct pipe_guard g;
	int rc;

	pipe_block(&g);
	rc = ldap_modify_ext_s(d->ld, dn, mods, ctrls, NULL);
	pipe_restore(&g);
	if (rc == LDAP_CONSTRAINT_VIOLATION)
		return GPC_ERR_LDAP;
	return gpc_dir_err(rc);
}

int
gpc_dir_add(struct gpc_dir *d, const char *dn, LDAPMod **mods)
{
	struct pipe_guard g;
	int rc;

	pipe_block(&g);
	rc = ldap_add_ext_s(d->ld, dn, mods, NULL, NULL);
	pipe_restore(&g);
	if (rc != LDAP_SUCCESS)
		gpc_log_msg(d->lg, LOG_DEBUG, "add %.200s: %s", dn, ldap_err2string(rc));
	return gpc_dir_err(rc);
}

int
gpc_dir_delete(struct gpc_dir *d, const char *dn)
{
	struct pipe_guard g;
	int rc;

	pipe_block(&g);
	rc = ldap_delete_ext_s(d->ld, dn, NULL, NULL);
	pipe_restore(&g);
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
	struct timeval op = { d->cfg->op_timeout_ms / 1000,
		(d->cfg->op_timeout_ms % 1000) * 1000 };
	LDAPMessage *res = NULL;
	struct pipe_guard g;
	int rc, msgid, err = LDAP_OTHER, r;

	if (why != NULL)
		*why = NULL;
	if (new_pw == NULL || *new_pw == '\0')
		return GPC_ERR_INVAL;
	user.bv_val = (char *)dn;
	user.bv_len = strlen(dn);
	if (old != NULL) {
		oldb.bv_val = (char *)old;
		oldb.bv_len = strlen(old);
	}
	newb.bv_val = (char *)new_pw;
	newb.bv_len = strlen(new_pw);
	pipe_block(&g);
	rc = ldap_passwd(d->ld, &user, old != NULL ? &oldb : NULL, &newb, sctrls, NULL, &msgid);
	if (rc == LDAP_SUCCESS) {
		rc = ldap_result(d->ld, msgid, LDAP_MSG_ALL, &op, &res);
		if (rc <= 0)
			rc = rc == 0 ? LDAP_TIMEOUT : LDAP_SERVER_DOWN;
		else
			rc = ldap_parse_result(d->ld, res, &err, NULL, NULL, NULL, &rctrls, 0);
	}
	pipe_restore(&g);
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
