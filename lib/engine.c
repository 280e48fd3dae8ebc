/*
 * The provisioning engine: check, commit, apply (see engine.h).
 */
#include <errno.h>
#include <stdarg.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit.h"
#include "dir.h"
#include "doc.h"
#include "engine.h"
#include "err.h"
#include "rotate.h"
#include "seal.h"
#include "sig.h"
#include "spool.h"
#include "suite.h"
#include "util.h"
#include "validate.h"


struct gpc_engine {
	const struct gpc_cfg *cfg;
	const struct gpc_log *lg;
	struct gpc_dir *dir;
	struct gpc_keys *keys;
	struct gpc_audit *audit;
	time_t (*clock)(void *);
	void *clock_ctx;
	int (*interrupted)(void *); /* gpc_engine_set_interrupt() */
	void *interrupt_ctx;
	int unfinished;             /* a record was left "applying" by a failed apply:
	                             * nothing more is decided until it is finished */
};

/* What the check step decided. */
struct plan {
	const char *outcome;     /* applied | pending | rejected */
	struct gpc_reasons rs;
	json_t *ops;             /* the redo plan */
	json_t *effects;         /* human-readable, no personal data */
	char *target_unit;
	char *target_account;
	char *holder_index;      /* recorded with identity_misuse */
	char *app_kind;          /* approve/deny: the application's kind */
	char *flag;
	int untrusted;           /* signature failed, or in the wrong spool directory:
	                          * record nothing under its id */
	char signer[256];
};

/* ---- small helpers ------------------------------------------------------ */

static time_t
now_of(const struct gpc_engine *e)
{
	return e->clock != NULL ? e->clock(e->clock_ctx) : time(NULL);
}

static const char *
file_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s != NULL ? s + 1 : path;
}

static void
plan_init(struct plan *p)
{
	memset(p, 0, sizeof(*p));
	p->ops = json_array();
	p->effects = json_array();
}

static void
plan_free(struct plan *p)
{
	gpc_reasons_clear(&p->rs);
	json_decref(p->ops);
	json_decref(p->effects);
	free(p->target_unit);
	free(p->target_account);
	free(p->holder_index);
	free(p->app_kind);
	free(p->flag);
}

static void
effect(struct plan *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
effect(struct plan *p, const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	json_array_append_new(p->effects, json_string(buf));
}

static void
set_str(char **dst, const char *v)
{
	free(*dst);
	*dst = v != NULL ? strdup(v) : NULL;
}

/* attrs: { name: [values] }; a NULL value means "remove the attribute". */
static void
attr(json_t *attrs, const char *name, const char *value)
{
	json_object_set_new(attrs, name, value != NULL ? json_pack("[s]", value) : json_array());
}

static void
attr_time(json_t *attrs, const char *name, time_t t)
{
	char buf[16];

	gpc_time_generalized(t, buf);
	attr(attrs, name, buf);
}

static void
op(struct plan *p, const char *kind, const char *dn, json_t *attrs)
{
	json_t *o = json_pack("{s:s, s:s}", "op", kind, "dn", dn);

	if (attrs != NULL)
		json_object_set_new(o, "attrs", attrs);
	json_array_append_new(p->ops, o);
}

static void
op_notice(struct plan *p, const char *name, json_t *body)
{
	json_array_append_new(p->ops, json_pack("{s:s, s:s, s:o}", "op", "notice", "name", name,
	    "body", body));
}

/* A notice's common fields. */
static json_t *
notice_new(const struct gpc_engine *e, const char *kind, const char *doc_id)
{
	char t[21];

	gpc_time_rfc3339(now_of(e), t);
	return json_pack("{s:s, s:s, s:s, s:s}", "type", "gpcgate.notice/1", "kind", kind,
	    "document", doc_id, "created_at", t);
}

static int
sha256_hex(const char *buf, size_t len, char out[65])
{
	unsigned char md[32];
	unsigned int mdlen = 0;

	if (EVP_Digest(buf, len, md, &mdlen, EVP_sha256(), NULL) != 1 || mdlen != 32)
		return GPC_ERR_CRYPTO;
	gpc_hex(md, 32, out);
	return GPC_OK;
}

/* postalAddress (RFC 4517 §3.3.28): '$' separates lines, so escape it and '\'. */
static char *
postal_escape(const char *s)
{
	size_t i, j = 0, len = strlen(s);
	char *o = malloc(len * 3 + 1);

	if (o == NULL)
		return NULL;
	for (i = 0; i < len; i++) {
		if (s[i] == '$' || s[i] == '\\') {
			j += (size_t)snprintf(o + j, 4, "\\%02X", (unsigned char)s[i]);
		} else
			o[j++] = s[i];
	}
	o[j] = '\0';
	return o;
}

/* ---- directory reads ----------------------------------------------------- */

struct unit {
	char *dn, *code, *state, *region, *name, *contact_phone;
};

static void
unit_free(struct unit *u)
{
	if (u == NULL)
		return;
	free(u->dn);
	free(u->code);
	free(u->state);
	free(u->region);
	free(u->name);
	free(u->contact_phone);
	free(u);
}

/* *out NULL when the unit does not exist. */
static int
load_unit(struct gpc_engine *e, const char *code, struct unit **out)
{
	static char *attrs[] = { "gpcUnitCode", "gpcState", "gpcRegion", "o", "telephoneNumber",
		NULL };
	LDAPMessage *res = NULL, *en;
	struct unit *u = NULL;
	char *dn = NULL;
	int r;

	*out = NULL;
	if ((r = gpc_dir_unit_dn(e->dir, code, &dn)) != GPC_OK)
		return r;
	r = gpc_dir_search(e->dir, dn, LDAP_SCOPE_BASE, "(objectClass=gpcUnit)", attrs, 1, &res);
	if (r == GPC_ERR_NOTFOUND) {
		r = GPC_OK;
		goto out;
	}
	if (r != GPC_OK)
		goto out;
	if ((en = ldap_first_entry(gpc_dir_ldap(e->dir), res)) == NULL)
		goto out;
	if ((u = calloc(1, sizeof(*u))) == NULL) {
		r = GPC_ERR_NOMEM;
		goto out;
	}
	u->dn = dn;
	dn = NULL; /* transferred */
	u->code = gpc_dir_get(e->dir, en, "gpcUnitCode");
	u->state = gpc_dir_get(e->dir, en, "gpcState");
	u->region = gpc_dir_get(e->dir, en, "gpcRegion");
	u->name = gpc_dir_get(e->dir, en, "o");
	u->contact_phone = gpc_dir_get(e->dir, en, "telephoneNumber");
	if (u->state == NULL || u->region == NULL) {
		r = GPC_ERR_LDAP;
		goto out;
	}
	*out = u;
	u = NULL; /* transferred */
out:
	unit_free(u);
	free(dn);
	ldap_msgfree(res);
	return r;
}

/* The accounts of a unit (DN, uid, state), for unit-wide decisions. */
struct member {
	char *dn, *uid, *state;
};

static int
load_members(struct gpc_engine *e, const char *unit_dn, struct member **out, size_t *n)
{
	static char *attrs[] = { "uid", "gpcState", NULL };
	LDAPMessage *res = NULL, *en;
	LDAP *ld = gpc_dir_ldap(e->dir);
	struct member *m = NULL;
	size_t count = 0;
	int r, total;

	*out = NULL;
	*n = 0;
	if ((r = gpc_dir_search(e->dir, unit_dn, LDAP_SCOPE_ONELEVEL, "(objectClass=gpcAccount)",
	    attrs, 0, &res)) != GPC_OK)
		return r;
	total = ldap_count_entries(ld, res);
	if ((m = calloc((size_t)(total > 0 ? total : 1), sizeof(*m))) == NULL) {
		r = GPC_ERR_NOMEM;
		goto out;
	}
	for (en = ldap_first_entry(ld, res); en != NULL; en = ldap_next_entry(ld, en)) {
		char *dn = ldap_get_dn(ld, en);

		m[count].dn = dn != NULL ? strdup(dn) : NULL;
		ldap_memfree(dn);
		m[count].uid = gpc_dir_get(e->dir, en, "uid");
		m[count].state = gpc_dir_get(e->dir, en, "gpcState");
		count++;
		if (m[count - 1].dn == NULL || m[count - 1].state == NULL) {
			r = GPC_ERR_NOMEM;
			goto out;
		}
	}
	*out = m;
	*n = count;
	m = NULL; /* transferred */
	r = GPC_OK;
out:
	if (m != NULL) {
		size_t i;

		for (i = 0; i < count; i++) {
			free(m[i].dn);
			free(m[i].uid);
			free(m[i].state);
		}
		free(m);
	}
	ldap_msgfree(res);
	return r;
}

static void
members_release(struct member *m, size_t n)
{
	size_t i;

	for (i = 0; m != NULL && i < n; i++) {
		free(m[i].dn);
		free(m[i].uid);
		free(m[i].state);
	}
	free(m);
}

/* An application entry of ou=applications. */
struct application {
	char *dn, *kind, *state, *unit, *uid, *region, *sealed, *holder_index;
};

static void
application_free(struct application *a)
{
	if (a == NULL)
		return;
	free(a->dn);
	free(a->kind);
	free(a->state);
	free(a->unit);
	free(a->uid);
	free(a->region);
	free(a->sealed);
	free(a->holder_index);
	free(a);
}

static int
load_application(struct gpc_engine *e, const char *id, struct application **out)
{
	static char *attrs[] = { "gpcAppKind", "gpcState", "gpcTargetUnit", "gpcTargetAccount",
		"gpcRegion", "gpcAppSealed", "gpcHolderIndex", NULL };
	LDAPMessage *res = NULL, *en;
	struct application *a = NULL;
	char *dn = NULL;
	int r;

	*out = NULL;
	if ((r = gpc_dir_application_dn(e->dir, id, &dn)) != GPC_OK)
		return r;
	r = gpc_dir_search(e->dir, dn, LDAP_SCOPE_BASE, "(objectClass=gpcApplication)", attrs, 1,
	    &res);
	if (r == GPC_ERR_NOTFOUND) {
		r = GPC_OK;
		goto out;
	}
	if (r != GPC_OK || (en = ldap_first_entry(gpc_dir_ldap(e->dir), res)) == NULL)
		goto out;
	if ((a = calloc(1, sizeof(*a))) == NULL) {
		r = GPC_ERR_NOMEM;
		goto out;
	}
	a->dn = dn;
	dn = NULL; /* transferred */
	a->kind = gpc_dir_get(e->dir, en, "gpcAppKind");
	a->state = gpc_dir_get(e->dir, en, "gpcState");
	a->unit = gpc_dir_get(e->dir, en, "gpcTargetUnit");
	a->uid = gpc_dir_get(e->dir, en, "gpcTargetAccount");
	a->region = gpc_dir_get(e->dir, en, "gpcRegion");
	a->sealed = gpc_dir_get(e->dir, en, "gpcAppSealed");
	a->holder_index = gpc_dir_get(e->dir, en, "gpcHolderIndex");
	if (a->kind == NULL || a->state == NULL) {
		r = GPC_ERR_LDAP;
		goto out;
	}
	*out = a;
	a = NULL; /* transferred */
out:
	application_free(a);
	free(dn);
	ldap_msgfree(res);
	return r;
}

/* A record of ou=records. */
struct record {
	char *dn;  /* where it is: its plan is sealed to it */
	char *outcome, *digest, *result, *plan;
};

static void
record_free(struct record *rec)
{
	if (rec == NULL)
		return;
	free(rec->dn);
	free(rec->outcome);
	free(rec->digest);
	free(rec->result);
	free(rec->plan);
	free(rec);
}

/* What a record entry holds. */
static char *record_attrs[] = { "gpcDocId", "gpcOutcome", "gpcDocDigest", "gpcResult", "gpcPlan",
	NULL };

/* A record from its entry (searched with record_attrs); *out NULL on error. */
static int
record_from_entry(struct gpc_engine *e, LDAPMessage *en, struct record **out)
{
	struct record *rec;
	char *dn;

	*out = NULL;
	if ((rec = calloc(1, sizeof(*rec))) == NULL)
		return GPC_ERR_NOMEM;
	if ((dn = ldap_get_dn(gpc_dir_ldap(e->dir), en)) != NULL) {
		rec->dn = strdup(dn);
		ldap_memfree(dn);
	}
	rec->outcome = gpc_dir_get(e->dir, en, "gpcOutcome");
	rec->digest = gpc_dir_get(e->dir, en, "gpcDocDigest");
	rec->result = gpc_dir_get(e->dir, en, "gpcResult");
	rec->plan = gpc_dir_get(e->dir, en, "gpcPlan");
	if (rec->dn == NULL || rec->outcome == NULL) {
		record_free(rec);
		return GPC_ERR_LDAP;
	}
	*out = rec;
	return GPC_OK;
}

/* The record whose RDN value is rdn_value, or *out NULL. */
static int
load_record_at(struct gpc_engine *e, const char *rdn_value, struct record **out)
{
	LDAPMessage *res = NULL, *en;
	char *dn = NULL;
	int r;

	*out = NULL;
	if ((r = gpc_dir_record_dn(e->dir, rdn_value, &dn)) != GPC_OK)
		return r;
	r = gpc_dir_search(e->dir, dn, LDAP_SCOPE_BASE, "(objectClass=gpcRecord)", record_attrs,
	    1, &res);
	if (r == GPC_ERR_NOTFOUND)
		r = GPC_OK;
	else if (r == GPC_OK && (en = ldap_first_entry(gpc_dir_ldap(e->dir), res)) != NULL)
		r = record_from_entry(e, en, out);
	free(dn);
	ldap_msgfree(res);
	return r;
}

/*
 * The record of a document by its key (gpc_dir_record_key), or *out NULL.
 * Records written before ids had namespaces are keyed by the bare id: one
 * found there counts as this document's, whatever its kind, so an upgrade
 * never applies an old id a second time.
 */
static int
load_record(struct gpc_engine *e, const char *key, struct record **out)
{
	const char *colon = strrchr(key, ':');
	int r;

	if ((r = load_record_at(e, key, out)) != GPC_OK || *out != NULL || colon == NULL)
		return r;
	return load_record_at(e, colon + 1, out);
}

/* Count the live accounts (not terminated or denied) of one identity. */
struct holding {
	char *uid, *unit, *role;
};

/* idf: a filter matching the identity's blind index under every key version. */
static int
load_holdings(struct gpc_engine *e, const char *idf, struct holding **out, size_t *n)
{
	static char *attrs[] = { "uid", "gpcUnitCode", "gpcRole", NULL };
	LDAPMessage *res = NULL, *en;
	LDAP *ld = gpc_dir_ldap(e->dir);
	struct holding *h = NULL;
	char *filter = NULL, *base = NULL;
	size_t count = 0;
	int r, total;

	*out = NULL;
	*n = 0;
	if (gpc_asprintf(&filter, "(&(objectClass=gpcAccount)%s"
	    "(!(gpcState=terminated))(!(gpcState=denied)))", idf) < 0 ||
	    gpc_asprintf(&base, "ou=units,%s", gpc_dir_base(e->dir)) < 0) {
		r = GPC_ERR_NOMEM;
		goto out;
	}
	if ((r = gpc_dir_search(e->dir, base, LDAP_SCOPE_SUBTREE, filter, attrs, 0, &res)) !=
	    GPC_OK)
		goto out;
	total = ldap_count_entries(ld, res);
	if ((h = calloc((size_t)(total > 0 ? total : 1), sizeof(*h))) == NULL) {
		r = GPC_ERR_NOMEM;
		goto out;
	}
	for (en = ldap_first_entry(ld, res); en != NULL; en = ldap_next_entry(ld, en)) {
		h[count].uid = gpc_dir_get(e->dir, en, "uid");
		h[count].unit = gpc_dir_get(e->dir, en, "gpcUnitCode");
		h[count].role = gpc_dir_get(e->dir, en, "gpcRole");
		count++;
	}
	*out = h;
	*n = count;
	h = NULL; /* transferred */
out:
	free(h);
	ldap_msgfree(res);
	free(filter);
	free(base);
	return r;
}

static void
holdings_free(struct holding *h, size_t n)
{
	size_t i;

	for (i = 0; h != NULL && i < n; i++) {
		free(h[i].uid);
		free(h[i].unit);
		free(h[i].role);
	}
	free(h);
}

/* Whether any entry under base matches filter. */
static int
exists(struct gpc_engine *e, const char *base, const char *filter, int *found)
{
	static char *attrs[] = { "1.1", NULL };
	LDAPMessage *res = NULL;
	int r;

	*found = 0;
	r = gpc_dir_search(e->dir, base, LDAP_SCOPE_SUBTREE, filter, attrs, 1, &res);
	if (r == GPC_OK)
		*found = ldap_count_entries(gpc_dir_ldap(e->dir), res) > 0;
	ldap_msgfree(res);
	return r;
}

/* ---- checks shared by several documents ------------------------------------ */

/*
 * Whether a stored blind index is that of id_number, under the key version
 * the stored value names (a rotation may not have reached it yet).
 */
static int
same_holder(const struct gpc_engine *e, const char *stored, const char *id_number)
{
	char index[GPC_BLIND_INDEX_LEN + 1];
	int version;

	if (stored == NULL || (version = atoi(stored + 1)) <= 0 ||
	    gpc_blind_index_v(e->keys, version, "id", id_number, index) != GPC_OK)
		return 0;
	return strcmp(stored, index) == 0;
}

/*
 * The identity rules for a (new) holder of account uid in unit: not flagged
 * for identity misuse, not holding more accounts than allowed, never both
 * posts of one unit.  except_uid: an account being handed over (its current
 * holder does not count against the new one).  The identity is searched
 * under every index key version: entries a rotation could not re-key
 * (tombstones, flags) still count.
 */
static int
check_identity(struct gpc_engine *e, struct plan *p, const char *id_number, const char *unit,
    const char *role, const char *except_uid)
{
	struct holding *h = NULL;
	char *filter = NULL, *base = NULL, *idf = NULL;
	size_t n = 0, i, live = 0;
	int r, flagged = 0;

	if ((r = gpc_blind_index_filter(e->keys, "gpcHolderIndex", "id", id_number, &idf)) !=
	    GPC_OK)
		return r;
	if (gpc_asprintf(&filter, "(&(objectClass=gpcRecord)(gpcFlag=identity_misuse)%s)",
	    idf) < 0 || gpc_asprintf(&base, "ou=records,%s", gpc_dir_base(e->dir)) < 0) {
		r = GPC_ERR_NOMEM;
		goto out;
	}
	if ((r = exists(e, base, filter, &flagged)) != GPC_OK)
		goto out;
	if (flagged)
		gpc_reasons_add(&p->rs, "identity_flagged", "account.holder.id_number",
		    "a bureau refused an earlier application with this identity as "
		    "identity misuse; apply at the bureau in person");
	if ((r = load_holdings(e, idf, &h, &n)) != GPC_OK)
		goto out;
	for (i = 0; i < n; i++) {
		if (except_uid != NULL && h[i].uid != NULL && strcmp(h[i].uid, except_uid) == 0)
			continue;
		live++;
		/* 分岗设权: handler and reviewer of one unit are two people. */
		if (h[i].unit != NULL && strcmp(h[i].unit, unit) == 0 && h[i].role != NULL &&
		    role != NULL && strcmp(h[i].role, role) != 0)
			/* no uid: the result would tie the ID number submitted to an account */
			gpc_reasons_add(&p->rs, "separation_of_duties", "account.role",
			    "the same person already holds the %s post of this unit", h[i].role);
	}
	if ((int)live >= e->cfg->identity_limit)
		gpc_reasons_add(&p->rs, "identity_conflict", "account.holder.id_number",
		    "this person already holds %zu account(s); the limit is %d", live,
		    e->cfg->identity_limit);
out:
	holdings_free(h, n);
	free(filter);
	free(base);
	free(idf);
	return r;
}

/* Whether region lies in the bureau's jurisdiction (region-code prefixes). */
static int
in_jurisdiction(const struct gpc_bureau *b, const char *region)
{
	size_t i;

	for (i = 0; region != NULL && i < b->njurisdiction; i++)
		if (strncmp(region, b->jurisdiction[i], strlen(b->jurisdiction[i])) == 0)
			return 1;
	return 0;
}

static void
check_jurisdiction(struct plan *p, const struct gpc_bureau *b, const char *region)
{
	if (b != NULL && region != NULL && !in_jurisdiction(b, region))
		gpc_reasons_add(&p->rs, "outside_jurisdiction", "issuer",
		    "bureau %.16s may not decide for region %.16s", b->issuer, region);
}

/* The deadline instant: 24:00 of date in the process's time zone (TZ). */
static int
deadline_instant(const char *date, time_t *t, char local[20])
{
	struct tm tm;
	int y, m, d;

	if (gpc_date_parse(date, &y, &m, &d) != GPC_OK)
		return GPC_ERR_FORMAT;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d + 1; /* 24:00 of d is 00:00 of the next day; mktime normalises */
	tm.tm_isdst = -1;
	if ((*t = mktime(&tm)) == (time_t)-1)
		return GPC_ERR_FORMAT;
	gpc_time_generalized_local(*t, tm.tm_gmtoff, local);
	return GPC_OK;
}

/* The attributes that take away every credential of the current holder. */
static void
revoke_credentials(json_t *a)
{
	attr(a, "userPassword", NULL);
	attr(a, "gpcTotpSeed", NULL);
	attr(a, "gpcTotpStep", NULL);
	attr(a, "gpcTotpFailures", NULL);
	attr(a, "gpcTotpDigits", NULL);
	attr(a, "gpcTotpPeriod", NULL);
	attr(a, "gpcTotpAlgorithm", NULL);
	attr(a, "gpcLockedUntil", NULL);
	attr(a, "gpcRecoveryCode", NULL);
	attr(a, "gpcEnrollCode", NULL);
	attr(a, "gpcEnrollExpires", NULL);
}

/*
 * A new enrollment code for account: its hash goes into attrs, the code
 * itself into a notice for the holder's mobile.
 */
static int
issue_enroll_code(struct gpc_engine *e, struct plan *p, json_t *attrs, const char *doc_id,
    const char *uid, const char *unit, const char *mobile)
{
	char code[9], *hash = NULL, exp[21];
	time_t expires = now_of(e) + e->cfg->enroll_code_ttl_s;
	json_t *n;
	char name[128];
	int r;

	if ((r = gpc_random_digits(code, 8)) != GPC_OK)
		return r;
	if ((r = gpc_secret_hash(e->keys, "enroll", code, &hash)) != GPC_OK) {
		explicit_bzero(code, sizeof(code));
		return r;
	}
	attr(attrs, "gpcEnrollCode", hash);
	attr_time(attrs, "gpcEnrollExpires", expires);
	gpc_time_rfc3339(expires, exp);
	n = notice_new(e, "enrollment_code", doc_id);
	json_object_set_new(n, "to", json_pack("{s:s}", "mobile", mobile != NULL ? mobile : ""));
	json_object_set_new(n, "account", json_string(uid));
	json_object_set_new(n, "unit", json_string(unit));
	json_object_set_new(n, "code", json_string(code));
	json_object_set_new(n, "expires_at", json_string(exp));
	snprintf(name, sizeof(name), "%s.enrollment", doc_id);
	op_notice(p, name, n);
	explicit_bzero(code, sizeof(code));
	free(hash);
	effect(p, "enrollment code issued for %s (valid until %s)", uid, exp);
	return GPC_OK;
}

static void
verification_request(struct gpc_engine *e, struct plan *p, const struct gpc_doc *d,
    const char *region)
{
	const struct gpc_bureau *b = gpc_cfg_bureau_for(e->cfg, region);
	json_t *n = notice_new(e, "verification_request", d->id);
	char name[128];

	json_object_set_new(n, "to", b != NULL ? json_pack("{s:s}", "bureau", b->issuer) :
	    json_pack("{s:s}", "region", region != NULL ? region : ""));
	json_object_set_new(n, "application", json_string(d->id));
	json_object_set_new(n, "kind_of_application", json_string(d->kind));
	json_object_set_new(n, "unit", json_string(d->unit.code));
	if (d->uid != NULL)
		json_object_set_new(n, "account", json_string(d->uid));
	snprintf(name, sizeof(name), "%s.verification", d->id);
	op_notice(p, name, n);
	effect(p, "verification request sent to bureau %s", b != NULL ? b->issuer : "(none "
	    "configured for this region)");
}

/* ---- applications ---------------------------------------------------------- */

static int
plan_register(struct gpc_engine *e, const struct gpc_doc *d, const char *digest,
    struct plan *p)
{
	char index[GPC_BLIND_INDEX_LEN + 1], masked[19], *sealed = NULL, *acct_dn = NULL;
	char *app_dn = NULL, *esc = NULL, *filter = NULL, *base = NULL, *addr = NULL;
	struct unit *u = NULL;
	json_t *a;
	int r, taken = 0, new_unit;

	set_str(&p->target_unit, d->unit.code);
	set_str(&p->target_account, d->uid);
	if ((r = gpc_blind_index(e->keys, "id", d->holder.id_number, index)) != GPC_OK)
		goto out;
	set_str(&p->holder_index, index);
	if ((r = load_unit(e, d->unit.code, &u)) != GPC_OK)
		goto out;
	if (u != NULL && (strcmp(u->state, "terminated") == 0 ||
	    strcmp(u->state, "suspended") == 0))
		gpc_reasons_add(&p->rs, "illegal_transition", "unit.code",
		    "the unit is %s: no new accounts", u->state);
	if (u != NULL && strcmp(u->region, d->unit.region) != 0)
		gpc_reasons_add(&p->rs, "unit_mismatch", "unit.region",
		    "the unit is registered in region %.16s", u->region);
	/* A login name is unique across the platform, tombstones included. */
	if ((r = gpc_dir_filter_escape(d->uid, strlen(d->uid), &esc)) != GPC_OK)
		goto out;
	if (gpc_asprintf(&filter, "(&(objectClass=gpcAccount)(uid=%s))", esc) < 0 ||
	    gpc_asprintf(&base, "ou=units,%s", gpc_dir_base(e->dir)) < 0) {
		r = GPC_ERR_NOMEM;
		goto out;
	}
	if ((r = exists(e, base, filter, &taken)) != GPC_OK)
		goto out;
	if (taken)
		gpc_reasons_add(&p->rs, "uid_taken", "account.uid", "the login name is in use");
	if ((r = check_identity(e, p, d->holder.id_number, d->unit.code, d->role, NULL)) !=
	    GPC_OK)
		goto out;
	if (p->rs.n > 0)
		goto out;

	if ((r = gpc_dir_account_dn(e->dir, d->unit.code, d->uid, &acct_dn)) != GPC_OK ||
	    (r = gpc_dir_application_dn(e->dir, d->id, &app_dn)) != GPC_OK)
		goto out;
	new_unit = u == NULL || strcmp(u->state, "denied") == 0;
	if (new_unit) {
		char *unit_dn = NULL;

		if ((r = gpc_dir_unit_dn(e->dir, d->unit.code, &unit_dn)) != GPC_OK)
			goto out;
		if ((addr = postal_escape(d->unit.address)) == NULL) {
			free(unit_dn);
			r = GPC_ERR_NOMEM;
			goto out;
		}
		a = json_object();
		if (u == NULL) {
			json_object_set_new(a, "objectClass", json_pack("[s]", "gpcUnit"));
			attr(a, "gpcUnitCode", d->unit.code);
			attr(a, "gpcRegion", d->unit.region);
		} else {
			/* a denied unit registered again is no tombstone any more */
			attr(a, "gpcStateReason", NULL);
			attr(a, "gpcPurgeAfter", NULL);
		}
		attr(a, "o", d->unit.name);
		attr(a, "postalAddress", addr);
		attr(a, "gpcAuthority", d->unit.authority);
		attr(a, "gpcContactName", d->unit.contact_name);
		attr(a, "telephoneNumber", d->unit.contact_phone);
		attr(a, "gpcState", "pending");
		attr(a, "gpcLastDecision", d->id);
		op(p, u == NULL ? "add" : "replace", unit_dn, a);
		effect(p, "unit %s: %s", d->unit.code, u == NULL ? "registered, pending" :
		    "registered again after a denial, pending");
		free(unit_dn);
	} else
		effect(p, "unit %s exists (%s); its information is unchanged (a change "
		    "application changes it)", d->unit.code, u->state);

	gpc_mask_id(d->holder.id_number, masked);
	/* The ID copy is sealed to the account's DN: copied elsewhere it does not open. */
	if ((r = gpc_seal(e->keys, acct_dn, (const unsigned char *)d->holder.id_number,
	    strlen(d->holder.id_number), &sealed)) != GPC_OK)
		goto out;
	a = json_object();
	json_object_set_new(a, "objectClass", json_pack("[s, s]", "gpcAccount", "gpcOtpToken"));
	attr(a, "uid", d->uid);
	attr(a, "gpcRole", d->role);
	attr(a, "gpcState", "pending");
	attr(a, "gpcUnitCode", d->unit.code);
	attr(a, "cn", d->holder.name);
	attr(a, "mobile", d->holder.mobile);
	attr(a, "gpcHolderIndex", index);
	attr(a, "gpcHolderMasked", masked);
	attr(a, "gpcHolderSealed", sealed);
	attr(a, "gpcLastDecision", d->id);
	op(p, "add", acct_dn, a);
	effect(p, "account %s (%s): registered, pending", d->uid, d->role);

	a = json_object();
	json_object_set_new(a, "objectClass", json_pack("[s]", "gpcApplication"));
	attr(a, "gpcDocId", d->id);
	attr(a, "gpcAppKind", "register");
	attr(a, "gpcState", "pending");
	attr(a, "gpcTargetUnit", d->unit.code);
	attr(a, "gpcTargetAccount", d->uid);
	attr(a, "gpcRegion", d->unit.region);
	attr(a, "gpcHolderIndex", index);
	attr(a, "gpcDocDigest", digest);
	attr_time(a, "gpcIssuedAt", d->when);
	op(p, "add", app_dn, a);
	verification_request(e, p, d, d->unit.region);
	p->outcome = "pending";
out:
	unit_free(u);
	gpc_freezero_str(sealed);
	free(acct_dn);
	free(app_dn);
	free(esc);
	free(filter);
	free(base);
	free(addr);
	return r;
}

/*
 * change and handover wait for the bureau as entries of ou=applications,
 * holding the document sealed (a handover names a new holder's ID number).
 */
static int
plan_pending_application(struct gpc_engine *e, const struct gpc_doc *d, const char *raw,
    size_t rawlen, const char *digest, struct plan *p)
{
	struct gpc_account *acct = NULL;
	struct unit *u = NULL;
	char index[GPC_BLIND_INDEX_LEN + 1], *app_dn = NULL, *sealed = NULL;
	json_t *a;
	int r, handover = strcmp(d->kind, "handover") == 0;

	set_str(&p->target_unit, d->unit.code);
	set_str(&p->target_account, d->uid);
	if ((r = load_unit(e, d->unit.code, &u)) != GPC_OK)
		goto out;
	if (u == NULL) {
		gpc_reasons_add(&p->rs, "unknown_target", "unit.code", "no such unit");
		goto out;
	}
	if (strcmp(u->state, "terminated") == 0 || strcmp(u->state, "denied") == 0 ||
	    (strcmp(u->state, "pending") == 0 && d->uid == NULL))
		gpc_reasons_add(&p->rs, "illegal_transition", "unit.code", "the unit is %s",
		    u->state);
	if (d->uid != NULL) {
		r = gpc_dir_find_account(e->dir, d->uid, &acct);
		if (r == GPC_ERR_NOTFOUND || (r == GPC_OK && (acct->unit_code == NULL ||
		    strcmp(acct->unit_code, d->unit.code) != 0))) {
			gpc_reasons_add(&p->rs, "unknown_target", "account.uid",
			    "no such account in this unit");
			r = GPC_OK;
			goto out;
		}
		if (r != GPC_OK)
			goto out;
		if (strcmp(acct->state, "active") != 0 && strcmp(acct->state, "suspended") != 0)
			gpc_reasons_add(&p->rs, "illegal_transition", "account.uid",
			    "the account is %s", acct->state);
	}
	if (handover) {
		if ((r = gpc_blind_index(e->keys, "id", d->holder.id_number, index)) != GPC_OK)
			goto out;
		set_str(&p->holder_index, index);
		if (acct != NULL && same_holder(e, acct->holder_index, d->holder.id_number))
			gpc_reasons_add(&p->rs, "invalid_field", "account.holder",
			    "the new holder is the current holder");
		if (acct != NULL && (r = check_identity(e, p, d->holder.id_number, d->unit.code,
		    acct->role, acct->uid)) != GPC_OK)
			goto out;
	}
	if (p->rs.n > 0)
		goto out;
	if ((r = gpc_dir_application_dn(e->dir, d->id, &app_dn)) != GPC_OK)
		goto out;
	if ((r = gpc_seal(e->keys, app_dn, (const unsigned char *)raw, rawlen, &sealed)) !=
	    GPC_OK)
		goto out;
	a = json_object();
	json_object_set_new(a, "objectClass", json_pack("[s]", "gpcApplication"));
	attr(a, "gpcDocId", d->id);
	attr(a, "gpcAppKind", d->kind);
	attr(a, "gpcState", "pending");
	attr(a, "gpcTargetUnit", d->unit.code);
	if (d->uid != NULL)
		attr(a, "gpcTargetAccount", d->uid);
	attr(a, "gpcRegion", u->region);
	attr(a, "gpcAppSealed", sealed);
	attr(a, "gpcDocDigest", digest);
	attr_time(a, "gpcIssuedAt", d->when);
	if (handover)
		attr(a, "gpcHolderIndex", index);
	op(p, "add", app_dn, a);
	effect(p, "%s application for %s%s%s waits for the bureau's decision; nothing "
	    "changes until it is approved", d->kind, d->unit.code, d->uid != NULL ? " / " : "",
	    d->uid != NULL ? d->uid : "");
	verification_request(e, p, d, u->region);
	p->outcome = "pending";
out:
	gpc_account_free(acct);
	unit_free(u);
	gpc_freezero_str(sealed);
	free(app_dn);
	return r;
}

/* ---- decisions --------------------------------------------------------------- */

static void
decided(json_t *a, const struct gpc_doc *d)
{
	attr(a, "gpcLastDecision", d->id);
}

static int
approve_register(struct gpc_engine *e, const struct gpc_doc *d, struct application *app,
    struct plan *p)
{
	struct gpc_account *acct = NULL;
	json_t *a;
	int r;

	if ((r = gpc_dir_find_account(e->dir, app->uid, &acct)) == GPC_ERR_NOTFOUND) {
		gpc_reasons_add(&p->rs, "unknown_target", "application",
		    "the application's account no longer exists");
		return GPC_OK;
	}
	if (r != GPC_OK)
		return r;
	if (strcmp(acct->state, "pending") != 0) {
		gpc_reasons_add(&p->rs, "illegal_transition", "application",
		    "the account is %s, not pending", acct->state);
		goto out;
	}
	if (strcmp(d->action, "approve") == 0 && strcmp(acct->unit_state, "pending") != 0 &&
	    strcmp(acct->unit_state, "active") != 0) {
		gpc_reasons_add(&p->rs, "illegal_transition", "application", "the unit is %s",
		    acct->unit_state);
		goto out;
	}
	a = json_object();
	if (strcmp(d->action, "approve") == 0) {
		if (strcmp(acct->unit_state, "pending") == 0) {
			json_t *ua = json_object();

			attr(ua, "gpcState", "active");
			decided(ua, d);
			op(p, "replace", acct->unit_dn, ua);
			effect(p, "unit %s: pending -> active", acct->unit_code);
		}
		attr(a, "gpcState", "active");
		attr_time(a, "gpcHolderSince", now_of(e));
		decided(a, d);
		if ((r = issue_enroll_code(e, p, a, d->id, acct->uid, acct->unit_code,
		    acct->mobile)) != GPC_OK) {
			json_decref(a);
			goto out;
		}
		op(p, "replace", acct->dn, a);
		effect(p, "account %s: pending -> active", acct->uid);
	} else {
		attr(a, "gpcState", "denied");
		attr(a, "gpcStateReason", d->reason_code);
		attr(a, "gpcStateText", d->reason_text);
		/*
		 * PIPL: the purpose of the holder's data ended with the denial.
		 * The blind index and the masked ID stay (a second attempt is
		 * recognised) until the tombstone's retention ends.
		 */
		attr(a, "cn", NULL);
		attr(a, "mobile", NULL);
		attr(a, "gpcHolderSealed", NULL);
		attr_time(a, "gpcPurgeAfter", now_of(e) +
		    (time_t)e->cfg->retention_days * 86400);
		decided(a, d);
		op(p, "replace", acct->dn, a);
		effect(p, "account %s: pending -> denied (%s)", acct->uid, d->reason_code);
		if (strcmp(acct->unit_state, "pending") == 0) {
			struct member *m = NULL;
			size_t n = 0, i, others = 0;

			if ((r = load_members(e, acct->unit_dn, &m, &n)) != GPC_OK)
				goto out;
			for (i = 0; i < n; i++)
				if (strcmp(m[i].dn, acct->dn) != 0 &&
				    (strcmp(m[i].state, "pending") == 0 ||
				    strcmp(m[i].state, "active") == 0))
					others++;
			members_release(m, n);
			if (others == 0) {
				json_t *ua = json_object();

				attr(ua, "gpcState", "denied");
				attr(ua, "gpcStateReason", d->reason_code);
				attr_time(ua, "gpcPurgeAfter", now_of(e) +
				    (time_t)e->cfg->retention_days * 86400);
				decided(ua, d);
				op(p, "replace", acct->unit_dn, ua);
				effect(p, "unit %s: pending -> denied", acct->unit_code);
			}
		}
	}
	r = GPC_OK;
out:
	gpc_account_free(acct);
	return r;
}

/* Approve a change: apply the sealed application's new values at once. */
static int
approve_change(struct gpc_engine *e, const struct gpc_doc *d, struct application *app,
    struct gpc_doc *ad, struct plan *p)
{
	struct gpc_account *acct = NULL;
	char *unit_dn = NULL, *addr = NULL;
	json_t *a;
	int r = GPC_OK, n = 0;

	(void)app;
	if ((r = gpc_dir_unit_dn(e->dir, ad->unit.code, &unit_dn)) != GPC_OK)
		goto out;
	a = json_object();
	if (ad->unit.name != NULL)
		attr(a, "o", ad->unit.name), n++;
	if (ad->unit.address != NULL) {
		if ((addr = postal_escape(ad->unit.address)) == NULL) {
			json_decref(a);
			r = GPC_ERR_NOMEM;
			goto out;
		}
		attr(a, "postalAddress", addr), n++;
	}
	if (ad->unit.authority != NULL)
		attr(a, "gpcAuthority", ad->unit.authority), n++;
	if (ad->unit.contact_name != NULL)
		attr(a, "gpcContactName", ad->unit.contact_name), n++;
	if (ad->unit.contact_phone != NULL)
		attr(a, "telephoneNumber", ad->unit.contact_phone), n++;
	if (n > 0) {
		decided(a, d);
		op(p, "replace", unit_dn, a);
		effect(p, "unit %s: %d field(s) changed", ad->unit.code, n);
	} else
		json_decref(a);
	if (ad->holder.mobile != NULL && ad->uid != NULL) {
		if ((r = gpc_dir_find_account(e->dir, ad->uid, &acct)) == GPC_ERR_NOTFOUND) {
			gpc_reasons_add(&p->rs, "unknown_target", "application",
			    "the application's account no longer exists");
			r = GPC_OK;
			goto out;
		}
		if (r != GPC_OK)
			goto out;
		if (strcmp(acct->state, "terminated") == 0) {
			gpc_reasons_add(&p->rs, "illegal_transition", "application",
			    "the account is terminated");
			goto out;
		}
		a = json_object();
		attr(a, "mobile", ad->holder.mobile);
		decided(a, d);
		op(p, "replace", acct->dn, a);
		effect(p, "account %s: holder's mobile changed", acct->uid);
	}
out:
	gpc_account_free(acct);
	free(unit_dn);
	free(addr);
	return r;
}

/*
 * Approve a handover: the account passes to the new holder and, in the same
 * Modify, every credential of the old holder goes.
 */
static int
approve_handover(struct gpc_engine *e, const struct gpc_doc *d, struct gpc_doc *ad,
    struct plan *p)
{
	struct gpc_account *acct = NULL;
	char index[GPC_BLIND_INDEX_LEN + 1], masked[19], *sealed = NULL;
	json_t *a;
	int r;

	if ((r = gpc_dir_find_account(e->dir, ad->uid, &acct)) == GPC_ERR_NOTFOUND) {
		gpc_reasons_add(&p->rs, "unknown_target", "application",
		    "the application's account no longer exists");
		return GPC_OK;
	}
	if (r != GPC_OK)
		return r;
	if (strcmp(acct->state, "active") != 0 && strcmp(acct->state, "suspended") != 0) {
		gpc_reasons_add(&p->rs, "illegal_transition", "application", "the account is %s",
		    acct->state);
		goto out;
	}
	if ((r = gpc_blind_index(e->keys, "id", ad->holder.id_number, index)) != GPC_OK)
		goto out;
	/* The rules are checked again: the world may have changed since it was filed. */
	if ((r = check_identity(e, p, ad->holder.id_number, acct->unit_code, acct->role,
	    acct->uid)) != GPC_OK)
		goto out;
	if (p->rs.n > 0)
		goto out;
	gpc_mask_id(ad->holder.id_number, masked);
	if ((r = gpc_seal(e->keys, acct->dn, (const unsigned char *)ad->holder.id_number,
	    strlen(ad->holder.id_number), &sealed)) != GPC_OK)
		goto out;
	a = json_object();
	attr(a, "cn", ad->holder.name);
	attr(a, "mobile", ad->holder.mobile);
	attr(a, "gpcHolderIndex", index);
	attr(a, "gpcHolderMasked", masked);
	attr(a, "gpcHolderSealed", sealed);
	attr_time(a, "gpcHolderSince", now_of(e));
	revoke_credentials(a);
	decided(a, d);
	if ((r = issue_enroll_code(e, p, a, d->id, acct->uid, acct->unit_code,
	    ad->holder.mobile)) != GPC_OK) {
		json_decref(a);
		goto out;
	}
	op(p, "replace", acct->dn, a);
	effect(p, "account %s handed over to a new holder; the old holder's password, "
	    "authenticator, recovery codes and enrollment code are revoked", acct->uid);
	if (strcmp(acct->state, "suspended") == 0)
		effect(p, "account %s stays suspended: the new holder can enroll once it is "
		    "reinstated (the enrollment code's validity counts from now)", acct->uid);
out:
	gpc_account_free(acct);
	gpc_freezero_str(sealed);
	return r;
}

static int
plan_approve_deny(struct gpc_engine *e, const struct gpc_doc *d, const struct gpc_bureau *b,
    struct plan *p)
{
	struct application *app = NULL;
	struct gpc_doc *ad = NULL;
	struct gpc_reasons ars = { 0 };
	unsigned char *raw = NULL;
	size_t rawlen = 0;
	json_t *a;
	int r, approve = strcmp(d->action, "approve") == 0;

	if ((r = load_application(e, d->application, &app)) != GPC_OK)
		goto out;
	if (app == NULL) {
		gpc_reasons_add(&p->rs, "unknown_target", "application", "no such application");
		goto out;
	}
	set_str(&p->target_unit, app->unit);
	set_str(&p->target_account, app->uid);
	set_str(&p->app_kind, app->kind);
	check_jurisdiction(p, b, app->region);
	if (strcmp(app->state, "pending") != 0) {
		gpc_reasons_add(&p->rs, "illegal_transition", "application",
		    "the application is already %s", app->state);
		goto out;
	}
	if (p->rs.n > 0)
		goto out;
	if (strcmp(app->kind, "register") == 0)
		r = approve_register(e, d, app, p);
	else if (!approve) {
		r = GPC_OK;
		effect(p, "%s application %s denied (%s); nothing changes", app->kind,
		    d->application, d->reason_code);
	} else {
		if (app->sealed == NULL ||
		    (r = gpc_unseal(e->keys, app->dn, app->sealed, &raw, &rawlen)) != GPC_OK) {
			gpc_log_msg(e->lg, LOG_ERR, "application %.64s: sealed copy does not "
			    "open: %s", d->application, gpc_strerror(r));
			r = GPC_ERR_CRYPTO;
			goto out;
		}
		/* Parsed with the clock of the decision: a filed application stays valid. */
		r = gpc_doc_parse((const char *)raw, rawlen, GPC_DOC_APPLICATION, d->when, &ad,
		    &ars);
		if (r != GPC_OK) {
			gpc_log_msg(e->lg, LOG_ERR, "application %.64s: stored copy unreadable",
			    d->application);
			r = GPC_ERR_FORMAT;
			goto out;
		}
		r = strcmp(app->kind, "change") == 0 ? approve_change(e, d, app, ad, p) :
		    approve_handover(e, d, ad, p);
	}
	if (r != GPC_OK || p->rs.n > 0)
		goto out;
	a = json_object();
	attr(a, "gpcState", approve ? "approved" : "denied");
	attr(a, "gpcAppSealed", NULL); /* its purpose ended: keep no copy of the ID number */
	decided(a, d);
	op(p, "replace", app->dn, a);
	effect(p, "application %s: %s", d->application, approve ? "approved" : "denied");
	if (!approve && d->reason_code != NULL && strcmp(d->reason_code, "identity_misuse") == 0 &&
	    app->holder_index != NULL) {
		/* Recorded against the blind index: the next attempt is flagged. */
		set_str(&p->holder_index, app->holder_index);
		set_str(&p->flag, "identity_misuse");
		effect(p, "identity flagged for misuse");
	}
	p->outcome = "applied";
out:
	if (raw != NULL)
		gpc_freezero(raw, rawlen);
	gpc_doc_free(ad);
	gpc_reasons_clear(&ars);
	application_free(app);
	return r;
}

/* A rectification notice to the holder (account) or the unit's contact. */
static void
rectification_notice(struct gpc_engine *e, struct plan *p, const struct gpc_doc *d,
    const char *who, const char *phone, const char *kind)
{
	json_t *n = notice_new(e, kind, d->id);
	char name[128];

	json_object_set_new(n, "to", json_pack("{s:s}", "phone", phone != NULL ? phone : ""));
	json_object_set_new(n, "unit", json_string(d->target_unit));
	if (d->target_account != NULL)
		json_object_set_new(n, "account", json_string(d->target_account));
	json_object_set_new(n, "action", json_string(d->action));
	if (d->reason_code != NULL)
		json_object_set_new(n, "reason", json_pack("{s:s, s:s}", "code", d->reason_code,
		    "text", d->reason_text != NULL ? d->reason_text : ""));
	if (d->deadline != NULL) {
		json_object_set_new(n, "deadline", json_string(d->deadline));
		json_object_set_new(n, "on_deadline", json_string(d->on_deadline));
	}
	snprintf(name, sizeof(name), "%s.%s", d->id, who);
	op_notice(p, name, n);
}

/* suspend, reinstate, terminate: an account, or a unit with all its accounts. */
static int
plan_state_change(struct gpc_engine *e, const struct gpc_doc *d, const struct gpc_bureau *b,
    struct plan *p)
{
	struct gpc_account *acct = NULL;
	struct member *m = NULL;
	struct unit *u = NULL;
	size_t n = 0, i;
	char local[20] = "";
	time_t deadline = 0, purge;
	const char *act = d->action, *from;
	json_t *a;
	int r;

	set_str(&p->target_unit, d->target_unit);
	set_str(&p->target_account, d->target_account);
	if ((r = load_unit(e, d->target_unit, &u)) != GPC_OK)
		goto out;
	if (u == NULL) {
		gpc_reasons_add(&p->rs, "unknown_target", "target.unit", "no such unit");
		goto out;
	}
	check_jurisdiction(p, b, u->region);
	if (d->target_account != NULL) {
		r = gpc_dir_find_account(e->dir, d->target_account, &acct);
		if (r == GPC_ERR_NOTFOUND || (r == GPC_OK && strcmp(acct->unit_code,
		    d->target_unit) != 0)) {
			gpc_reasons_add(&p->rs, "unknown_target", "target.account",
			    "no such account in this unit");
			r = GPC_OK;
			goto out;
		}
		if (r != GPC_OK)
			goto out;
	}
	from = acct != NULL ? acct->state : u->state;
	if ((strcmp(act, "suspend") == 0 && strcmp(from, "active") != 0) ||
	    (strcmp(act, "reinstate") == 0 && strcmp(from, "suspended") != 0) ||
	    (strcmp(act, "terminate") == 0 && strcmp(from, "active") != 0 &&
	    strcmp(from, "suspended") != 0))
		gpc_reasons_add(&p->rs, "illegal_transition", "action", "cannot %s %s %s that is %s",
		    act, acct != NULL ? "an account" : "a unit", acct != NULL ? acct->uid : u->code,
		    from);
	if (d->deadline != NULL && (deadline_instant(d->deadline, &deadline, local) != GPC_OK ||
	    deadline <= now_of(e)))
		gpc_reasons_add(&p->rs, "invalid_date", "deadline", "the deadline has passed");
	if (p->rs.n > 0)
		goto out;

	if (acct == NULL && (r = load_members(e, u->dn, &m, &n)) != GPC_OK)
		goto out;
	purge = now_of(e) + (time_t)e->cfg->retention_days * 86400;
	a = json_object();
	if (strcmp(act, "suspend") == 0) {
		attr(a, "gpcState", "suspended");
		attr(a, "gpcStateReason", d->reason_code);
		attr(a, "gpcStateText", d->reason_text);
		attr(a, "gpcStateDecision", d->id);
		attr(a, "gpcDeadline", local);
		attr(a, "gpcOnDeadline", d->on_deadline);
	} else if (strcmp(act, "reinstate") == 0) {
		attr(a, "gpcState", "active");
		attr(a, "gpcStateReason", NULL);
		attr(a, "gpcStateText", NULL);
		attr(a, "gpcStateDecision", NULL);
		attr(a, "gpcDeadline", NULL);
		attr(a, "gpcOnDeadline", NULL);
	} else {
		attr(a, "gpcState", "terminated");
		attr(a, "gpcStateReason", d->reason_code);
		attr(a, "gpcStateText", d->reason_text);
		attr(a, "gpcStateDecision", d->id);
		attr(a, "gpcDeadline", NULL);
		attr(a, "gpcOnDeadline", NULL);
		attr_time(a, "gpcPurgeAfter", purge);
	}
	decided(a, d);
	if (acct != NULL) {
		/*
		 * A plain bind must fail too, not only our module: ppolicy's
		 * administrative lock while suspended; no credentials once
		 * terminated.  Reinstating lifts the lock unless the unit holds it.
		 */
		if (strcmp(act, "reinstate") == 0)
			attr(a, "pwdAccountLockedTime", strcmp(acct->unit_state, "suspended") == 0 ?
			    GPC_PPOLICY_ADMIN_LOCK : NULL);
		else
			attr(a, "pwdAccountLockedTime", GPC_PPOLICY_ADMIN_LOCK);
		if (strcmp(act, "terminate") == 0) {
			revoke_credentials(a);
			attr(a, "gpcHolderSealed", NULL);
			attr(a, "cn", NULL);
			attr(a, "mobile", NULL);
		}
		op(p, "replace", acct->dn, a);
		effect(p, "account %s: %s -> %s", acct->uid, from,
		    json_string_value(json_array_get(json_object_get(a, "gpcState"), 0)));
		if (strcmp(act, "terminate") != 0)
			rectification_notice(e, p, d, "holder", acct->mobile,
			    strcmp(act, "suspend") == 0 ? "rectification_notice" : "reinstated");
	} else {
		op(p, "replace", u->dn, a);
		effect(p, "unit %s: %s -> %s", u->code, from,
		    json_string_value(json_array_get(json_object_get(a, "gpcState"), 0)));
		for (i = 0; i < n; i++) {
			json_t *ma;

			if (strcmp(m[i].state, "terminated") == 0 ||
			    strcmp(m[i].state, "denied") == 0)
				continue;
			ma = json_object();
			if (strcmp(act, "suspend") == 0)
				attr(ma, "pwdAccountLockedTime", GPC_PPOLICY_ADMIN_LOCK);
			else if (strcmp(act, "reinstate") == 0)
				attr(ma, "pwdAccountLockedTime",
				    strcmp(m[i].state, "active") == 0 ? NULL : GPC_PPOLICY_ADMIN_LOCK);
			else {
				attr(ma, "gpcState", "terminated");
				attr(ma, "gpcStateReason", d->reason_code);
				attr_time(ma, "gpcPurgeAfter", purge);
				attr(ma, "pwdAccountLockedTime", GPC_PPOLICY_ADMIN_LOCK);
				revoke_credentials(ma);
				attr(ma, "gpcHolderSealed", NULL);
				attr(ma, "cn", NULL);
				attr(ma, "mobile", NULL);
				decided(ma, d);
			}
			op(p, "replace", m[i].dn, ma);
			effect(p, "account %s: %s", m[i].uid != NULL ? m[i].uid : "?",
			    strcmp(act, "suspend") == 0 ? "locked with its unit" :
			    strcmp(act, "reinstate") == 0 ? "unlocked with its unit" :
			    "terminated with its unit");
		}
		if (strcmp(act, "terminate") != 0)
			rectification_notice(e, p, d, "unit", u->contact_phone,
			    strcmp(act, "suspend") == 0 ? "rectification_notice" : "reinstated");
	}
	p->outcome = "applied";
out:
	gpc_account_free(acct);
	unit_free(u);
	members_release(m, n);
	return r;
}

/* ---- check ----------------------------------------------------------------------- */

/* Whether a reason about this field was recorded already. */
static int
has_field(const struct gpc_reasons *rs, const char *field)
{
	size_t i;

	for (i = 0; i < rs->n; i++)
		if (strcmp(rs->v[i].field, field) == 0)
			return 1;
	return 0;
}

/*
 * Whether the bureau a decision names signed exactly these bytes.  Asked
 * before anything the decision says is believed — its id included, and
 * whether or not it is well formed: an issuer not configured (or not
 * readable), a signature missing, not a regular file, too large or not
 * verifying with a certificate pinned for the issuer makes it untrusted
 * (p->untrusted and the reason).  Trusted: *bureau and p->signer are set.
 * sig_path: the signature to use (gpcgatectl check), or NULL for the
 * spool's (never followed).  Returns GPC_OK whatever the verdict;
 * GPC_ERR_CRYPTO (the check itself failed: nothing decided, try again),
 * GPC_ERR_IO, GPC_ERR_NOMEM.
 */
static int
check_signed(struct gpc_engine *e, const char *path, const char *sig_path,
    const struct gpc_doc *d, const char *raw, size_t len, struct plan *p,
    const struct gpc_bureau **bureau)
{
	const struct gpc_bureau *b;
	unsigned char *sig = NULL;
	size_t siglen = 0;
	int sm2 = 0, r;
	enum gpc_sig_result sr;
	struct gpc_sig_detail det;
	char *buf = NULL, why[160], name[160];

	*bureau = NULL;
	if ((b = gpc_cfg_bureau(e->cfg, d->issuer)) == NULL || !gpc_doc_id_valid(d->issuer)) {
		/* a missing or malformed issuer was said by the parser already */
		if (d->issuer != NULL && !has_field(&p->rs, "issuer"))
			gpc_reasons_add(&p->rs, "issuer_not_configured", "issuer",
			    "no bureau %.16s in provisioner.bureaus", d->issuer);
		p->untrusted = 1;
		return GPC_OK;
	}
	if (sig_path != NULL) {
		size_t sl = strlen(sig_path);

		sm2 = sl > 4 && strcmp(sig_path + sl - 4, ".sig") == 0;
		r = gpc_read_regular_file(sig_path, 64 * 1024, 0, &buf, &siglen);
		if (r == GPC_ERR_IO && errno == ENOENT)
			r = GPC_OK;
		sig = (unsigned char *)buf;
		snprintf(name, sizeof(name), "%.150s", file_name(sig_path));
	} else {
		r = gpc_spool_read_signature(path, &sig, &siglen, &sm2);
		snprintf(name, sizeof(name), "%.140s.%s", file_name(path), sm2 ? "sig" : "p7s");
	}
	if (r == GPC_ERR_INVAL || r == GPC_ERR_PERM) {
		/* No signature is that large, and a link or a FIFO is none: refuse, unread. */
		gpc_reasons_add(&p->rs, "signature_malformed", "signature", "%s %s", name,
		    r == GPC_ERR_INVAL ? "is larger than 64 KiB" :
		    "is not a regular file: it was not read");
		p->untrusted = 1;
		return GPC_OK;
	}
	if (r != GPC_OK)
		return r;
	sr = gpc_sig_verify_detail((const unsigned char *)raw, len, sig, siglen,
	    sm2 ? GPC_SIG_KIND_SM2 : GPC_SIG_KIND_CMS, b->certificate, (int64_t)now_of(e),
	    p->signer, sizeof(p->signer), &det);
	free(sig);
	if (sr == GPC_SIG_ERROR)
		return GPC_ERR_CRYPTO;
	if (sr != GPC_SIG_OK) {
		/* what failed and what to do: "no X.json.p7s or X.json.sig next to ..." */
		gpc_sig_explain(sr, sm2 ? GPC_SIG_KIND_SM2 : GPC_SIG_KIND_CMS, &det,
		    d->issuer, b->certificate, path, sig_path, why, sizeof(why));
		gpc_reasons_add(&p->rs, gpc_sig_result_code(sr), "signature", "%s", why);
		if (sr == GPC_SIG_CERT_INSECURE)
			gpc_log_msg(e->lg, LOG_ERR, "bureau %.16s: %s", d->issuer, why);
		p->untrusted = 1;
		return GPC_OK;
	}
	*bureau = b;
	return GPC_OK;
}

/*
 * Step 1 for a well-formed document (a decision's signature is checked
 * already: b is its bureau).
 */
static int
plan_document(struct gpc_engine *e, const struct gpc_doc *d, const struct gpc_bureau *b,
    const char *raw, size_t len, const char *digest, struct plan *p)
{
	time_t now = now_of(e);

	p->outcome = "rejected";
	if (d->when > now + e->cfg->max_clock_skew_s)
		gpc_reasons_add(&p->rs, "issued_in_future",
		    d->type == GPC_DOC_DECISION ? "issued_at" : "submitted_at",
		    "more than %d s ahead of this host's clock", e->cfg->max_clock_skew_s);
	if (d->type == GPC_DOC_APPLICATION) {
		if (p->rs.n > 0)
			return GPC_OK;
		if (strcmp(d->kind, "register") == 0)
			return plan_register(e, d, digest, p);
		return plan_pending_application(e, d, raw, len, digest, p);
	}
	if (strcmp(d->action, "approve") == 0 || strcmp(d->action, "deny") == 0)
		return plan_approve_deny(e, d, b, p);
	return plan_state_change(e, d, b, p);
}

/* ---- apply ------------------------------------------------------------------------- */

/* LDAPMod array from {attr: [values]}; values point into the JSON. */
static LDAPMod **
mods_from(json_t *attrs, int modop)
{
	size_t n = json_object_size(attrs), i = 0, j;
	LDAPMod **mods = calloc(n + 1, sizeof(LDAPMod *));
	const char *name;
	json_t *vals;

	if (mods == NULL)
		return NULL;
	json_object_foreach(attrs, name, vals) {
		LDAPMod *m = calloc(1, sizeof(*m));
		size_t nv = json_array_size(vals);

		if (m == NULL || (m->mod_values = calloc(nv + 1, sizeof(char *))) == NULL) {
			free(m);
			goto fail;
		}
		m->mod_op = modop;
		m->mod_type = (char *)name;
		for (j = 0; j < nv; j++)
			m->mod_values[j] = (char *)json_string_value(json_array_get(vals, j));
		mods[i++] = m;
	}
	return mods;
fail:
	for (j = 0; j < i; j++) {
		free(mods[j]->mod_values);
		free(mods[j]);
	}
	free(mods);
	return NULL;
}

static void
mods_free(LDAPMod **mods)
{
	size_t i;

	for (i = 0; mods != NULL && mods[i] != NULL; i++) {
		free(mods[i]->mod_values);
		free(mods[i]);
	}
	free(mods);
}

/* Apply one change so that applying it twice is applying it once. */
static int
apply_op(struct gpc_engine *e, json_t *o)
{
	const char *kind = json_string_value(json_object_get(o, "op"));
	const char *dn = json_string_value(json_object_get(o, "dn"));
	LDAPMod **mods = NULL;
	int r;

	if (kind == NULL)
		return GPC_ERR_FORMAT;
	if (strcmp(kind, "notice") == 0)
		return gpc_spool_write_notice(e->cfg->outbox,
		    json_string_value(json_object_get(o, "name")), json_object_get(o, "body"));
	if (dn == NULL)
		return GPC_ERR_FORMAT;
	if (strcmp(kind, "delete") == 0) {
		r = gpc_dir_delete(e->dir, dn);
		return r == GPC_ERR_NOTFOUND ? GPC_OK : r;
	}
	if ((mods = mods_from(json_object_get(o, "attrs"),
	    strcmp(kind, "add") == 0 ? LDAP_MOD_ADD : LDAP_MOD_REPLACE)) == NULL)
		return GPC_ERR_NOMEM;
	if (strcmp(kind, "add") == 0) {
		r = gpc_dir_add(e->dir, dn, mods);
		if (r == GPC_ERR_EXISTS)
			r = GPC_OK; /* added before a crash */
	} else
		r = gpc_dir_modify(e->dir, dn, mods, NULL);
	if (r != GPC_OK)
		gpc_log_msg(e->lg, LOG_ERR, "%s %.200s: %s", kind, dn, gpc_strerror(r));
	mods_free(mods);
	return r;
}

static int
apply_plan(struct gpc_engine *e, json_t *ops)
{
	size_t i;
	json_t *o;
	int r;

	json_array_foreach(ops, i, o)
		if ((r = apply_op(e, o)) != GPC_OK)
			return r;
	return GPC_OK;
}

/* ---- records ------------------------------------------------------------------------- */

static json_t *
result_new(struct gpc_engine *e, const struct gpc_doc *d, const char *file, const char *digest,
    struct plan *p)
{
	char t[21];
	json_t *res;

	gpc_time_rfc3339(now_of(e), t);
	res = json_pack("{s:s, s:s, s:s, s:s, s:s, s:o, s:O}",
	    "id", d->id, "document", d->type == GPC_DOC_APPLICATION ? GPC_APPLICATION_TYPE :
	    GPC_DECISION_TYPE, "outcome", p->outcome, "file", file, "processed_at", t,
	    "reasons", gpc_reasons_json(&p->rs), "effects", p->effects);
	json_object_set_new(res, "digest", json_sprintf("sha256:%s", digest));
	if (d->type == GPC_DOC_APPLICATION && d->kind != NULL)
		json_object_set_new(res, "kind", json_string(d->kind));
	if (d->type == GPC_DOC_DECISION && d->action != NULL)
		json_object_set_new(res, "action", json_string(d->action));
	if (p->signer[0] != '\0')
		json_object_set_new(res, "signer", json_string(p->signer));
	if (p->untrusted)
		json_object_set_new(res, "untrusted", json_true());
	/* what it was about and what it sent: enough to audit it from the result alone */
	if (p->target_unit != NULL)
		json_object_set_new(res, "unit", json_string(p->target_unit));
	if (p->target_account != NULL)
		json_object_set_new(res, "account", json_string(p->target_account));
	if (p->app_kind != NULL)
		json_object_set_new(res, "application_kind", json_string(p->app_kind));
	{
		json_t *notices = json_array(), *o;
		size_t i;

		json_array_foreach(p->ops, i, o) {
			json_t *body = json_object_get(o, "body");

			if (body != NULL)
				json_array_append_new(notices, json_pack("{s:O, s:O?, s:O?, s:O?}",
				    "name", json_object_get(o, "name"), "kind",
				    json_object_get(body, "kind"), "unit", json_object_get(body, "unit"),
				    "account", json_object_get(body, "account")));
		}
		if (json_array_size(notices) > 0)
			json_object_set_new(res, "notices", notices);
		else
			json_decref(notices);
	}
	return res;
}

/* key: the document's record key (gpc_dir_record_key). */
static int
add_record(struct gpc_engine *e, const char *key, const struct gpc_doc *d, const char *digest,
    struct plan *p, json_t *result, const char *outcome, const char *sealed_plan)
{
	char *dn = NULL, *text = NULL, type[64];
	json_t *a = json_object();
	LDAPMod **mods = NULL;
	int r;

	if ((r = gpc_dir_record_dn(e->dir, key, &dn)) != GPC_OK)
		goto out;
	if ((text = json_dumps(result, JSON_COMPACT | JSON_SORT_KEYS)) == NULL) {
		r = GPC_ERR_NOMEM;
		goto out;
	}
	snprintf(type, sizeof(type), "%s:%s", d->type == GPC_DOC_APPLICATION ? "application" :
	    "decision", d->type == GPC_DOC_APPLICATION ? (d->kind ? d->kind : "?") :
	    (d->action ? d->action : "?"));
	json_object_set_new(a, "objectClass", json_pack("[s]", "gpcRecord"));
	attr(a, "gpcDocId", key);
	attr(a, "gpcDocType", type);
	attr(a, "gpcOutcome", outcome);
	attr(a, "gpcDocDigest", digest);
	attr(a, "gpcResult", text);
	attr_time(a, "gpcIssuedAt", d->when);
	if (sealed_plan != NULL)
		attr(a, "gpcPlan", sealed_plan);
	else
		attr_time(a, "gpcProcessedAt", now_of(e));
	if (d->issuer != NULL)
		attr(a, "gpcIssuer", d->issuer);
	if (p->target_unit != NULL)
		attr(a, "gpcTargetUnit", p->target_unit);
	if (p->target_account != NULL)
		attr(a, "gpcTargetAccount", p->target_account);
	if (p->flag != NULL && p->holder_index != NULL) {
		attr(a, "gpcFlag", p->flag);
		attr(a, "gpcHolderIndex", p->holder_index);
	}
	if ((mods = mods_from(a, LDAP_MOD_ADD)) == NULL) {
		r = GPC_ERR_NOMEM;
		goto out;
	}
	r = gpc_dir_add(e->dir, dn, mods);
out:
	mods_free(mods);
	json_decref(a);
	free(text);
	free(dn);
	return r;
}

/* dn: the record's. */
static int
finish_record(struct gpc_engine *e, const char *dn, const char *outcome)
{
	json_t *a = json_object();
	LDAPMod **mods = NULL;
	int r;

	attr(a, "gpcOutcome", outcome);
	attr(a, "gpcPlan", NULL);
	attr_time(a, "gpcProcessedAt", now_of(e));
	if ((mods = mods_from(a, LDAP_MOD_REPLACE)) == NULL) {
		r = GPC_ERR_NOMEM;
		goto out;
	}
	r = gpc_dir_modify(e->dir, dn, mods, NULL);
out:
	mods_free(mods);
	json_decref(a);
	return r;
}

/* Redo a plan left by a crash, then finish its record.  id: for the log. */
static int
redo(struct gpc_engine *e, const char *id, struct record *rec)
{
	unsigned char *text = NULL;
	size_t len = 0;
	json_t *ops = NULL, *result = NULL;
	const char *outcome;
	int r = GPC_OK;

	/* sealed to the record's DN, wherever it is (an old record keeps its bare id) */
	if (rec->plan == NULL ||
	    (r = gpc_unseal(e->keys, rec->dn, rec->plan, &text, &len)) != GPC_OK) {
		gpc_log_msg(e->lg, LOG_ERR, "document %.64s: its redo plan does not open (%s); "
		    "it stays unfinished", id, rec->plan == NULL ? "missing" : gpc_strerror(r));
		r = GPC_ERR_CRYPTO;
		goto out;
	}
	/* a record without its result (gpcResult is optional) finishes as applied */
	if ((ops = json_loadb((const char *)text, len, 0, NULL)) == NULL ||
	    (rec->result != NULL && (result = json_loads(rec->result, 0, NULL)) == NULL)) {
		r = GPC_ERR_FORMAT;
		goto out;
	}
	gpc_log_msg(e->lg, LOG_NOTICE, "document %.64s: finishing after an interruption", id);
	if ((r = apply_plan(e, ops)) != GPC_OK)
		goto out;
	outcome = json_string_value(json_object_get(result, "outcome"));
	r = finish_record(e, rec->dn, outcome != NULL ? outcome : "applied");
out:
	if (text != NULL)
		gpc_freezero(text, len);
	json_decref(ops);
	json_decref(result);
	return r;
}

/*
 * Whether a plan is too large to be sealed into its record
 * (GPC_SEAL_MAX_PLAINTEXT): one that could never be recorded would be
 * retried for ever.  A document under GPC_DOC_MAX can still ask for more
 * (an address of '$', escaped three times over), so this is checked too.
 */
static int
plan_too_large(const struct plan *p)
{
	char *text = json_dumps(p->ops, JSON_COMPACT);
	int big = text == NULL || strlen(text) > GPC_SEAL_MAX_PLAINTEXT;

	gpc_freezero_str(text);
	return big;
}

/*
 * Steps 2 and 3 for a checked document: record it under key (with its
 * sealed plan unless refused), apply the plan, finish the record.
 * GPC_ERR_EXISTS: the key was recorded meanwhile (the caller treats it as a
 * replay).
 */
static int
commit(struct gpc_engine *e, const char *key, const struct gpc_doc *d, const char *digest,
    struct plan *p, json_t *res)
{
	char *plan_text = NULL, *sealed = NULL, *rdn = NULL;
	int r;

	if (strcmp(p->outcome, "rejected") == 0)
		return add_record(e, key, d, digest, p, res, "rejected", NULL);
	if ((plan_text = json_dumps(p->ops, JSON_COMPACT)) == NULL) {
		r = GPC_ERR_NOMEM;
		goto out;
	}
	if ((r = gpc_dir_record_dn(e->dir, key, &rdn)) != GPC_OK)
		goto out;
	/* The plan holds names, phones and sealed IDs: sealed to its record. */
	if ((r = gpc_seal(e->keys, rdn, (const unsigned char *)plan_text, strlen(plan_text),
	    &sealed)) != GPC_OK)
		goto out;
	if ((r = add_record(e, key, d, digest, p, res, "applying", sealed)) != GPC_OK)
		goto out;
	/* The record holds the plan: from here a crash is repaired by redo(). */
	if ((r = apply_plan(e, p->ops)) != GPC_OK ||
	    (r = finish_record(e, rdn, p->outcome)) != GPC_OK)
		e->unfinished = 1; /* half applied: nothing else is decided on it */
out:
	gpc_freezero_str(plan_text);
	free(sealed);
	free(rdn);
	return r;
}

/*
 * One audit line per document, and one per notice it sent, built from its
 * result alone, so every path that finishes a document — first run, redo
 * after a crash, a finished record found again — writes the same lines;
 * "once" keeps a crash from losing or doubling them.  No personal data.
 */
static void
audit_document(struct gpc_engine *e, const struct gpc_doc *d, json_t *res, const char *event)
{
	json_t *f = json_object(), *codes = json_array(), *v;
	const char *digest = json_string_value(json_object_get(res, "digest"));
	char once[160];
	size_t i;

	json_array_foreach(json_object_get(res, "reasons"), i, v)
		json_array_append(codes, json_object_get(v, "code"));
	json_object_set_new(f, "id", json_string(d->id));
	json_object_set_new(f, "doc", json_string(d->type == GPC_DOC_APPLICATION ?
	    "application" : "decision"));
	if (d->kind != NULL)
		json_object_set_new(f, "kind", json_string(d->kind));
	if (d->action != NULL)
		json_object_set_new(f, "action", json_string(d->action));
	if (d->issuer != NULL)
		json_object_set_new(f, "issuer", json_string(d->issuer));
	json_object_set(f, "outcome", json_object_get(res, "outcome"));
	json_object_set_new(f, "reasons", codes);
	if (json_object_get(res, "unit") != NULL)
		json_object_set(f, "unit", json_object_get(res, "unit"));
	if (json_object_get(res, "account") != NULL)
		json_object_set(f, "uid", json_object_get(res, "account"));
	if (json_object_get(res, "application_kind") != NULL)
		json_object_set(f, "application_kind", json_object_get(res, "application_kind"));
	if (json_object_get(res, "cause") != NULL)
		json_object_set(f, "cause", json_object_get(res, "cause"));
	/*
	 * Once per document and verdict: the same bytes can come as an
	 * unsigned copy (refused) and then signed (applied), and each is a
	 * line of its own; a replay of either finds its own line.
	 */
	{
		json_t *v_how = json_pack("[O, O, O, O?]", json_object_get(f, "doc"),
		    json_object_get(res, "outcome"), codes, json_object_get(res, "signer"));
		char *how = v_how != NULL ? json_dumps(v_how, JSON_COMPACT) : NULL;
		char verdict[65] = "";

		if (how == NULL || sha256_hex(how, strlen(how), verdict) != GPC_OK)
			verdict[0] = '\0';
		free(how);
		json_decref(v_how);
		snprintf(once, sizeof(once), "%s:%s:%.12s:%.8s", event, d->id,
		    digest != NULL && strlen(digest) > 7 ? digest + 7 : "", verdict);
	}
	(void)gpc_audit_event_once(e->audit, once, event, f);
	json_decref(f);
	/* each notice sent, by kind and addressee's account, never its content */
	json_array_foreach(json_object_get(res, "notices"), i, v) {
		const char *name = json_string_value(json_object_get(v, "name"));
		json_t *n = json_pack("{s:O?, s:s, s:O?, s:O?}", "kind", json_object_get(v, "kind"),
		    "document", d->id, "unit", json_object_get(v, "unit"), "uid",
		    json_object_get(v, "account"));

		snprintf(once, sizeof(once), "notice:%.140s", name != NULL ? name : "?");
		(void)gpc_audit_event_once(e->audit, once, "notice", n);
		json_decref(n);
	}
}

/* ---- processing ------------------------------------------------------------------------ */

/*
 * If results/<base>.json is the result of an untrusted document (marked
 * "untrusted"), move it beside, to results/<base>~<its digest12>.json (or
 * ~<its digest> if that is taken): never replaced, only moved.  GPC_OK
 * (also when there is nothing to move), GPC_ERR_IO, GPC_ERR_NOMEM.
 */
static int
displace_untrusted(struct gpc_engine *e, const char *base)
{
	json_t *res = NULL;
	const char *have;
	char *from = NULL, *to = NULL;
	struct stat st;
	int r, k;

	if ((r = gpc_spool_read_result(e->cfg->spool, base, &res)) != GPC_OK || res == NULL)
		return r == GPC_ERR_NOTFOUND || r == GPC_ERR_INVAL ? GPC_OK : r;
	have = json_string_value(json_object_get(res, "digest"));
	if (!json_is_true(json_object_get(res, "untrusted")) || have == NULL ||
	    strncmp(have, "sha256:", 7) != 0 || strlen(have) != 71) {
		json_decref(res);
		return GPC_OK;
	}
	r = GPC_ERR_IO;
	for (k = 12; k <= 64; k += 52) {
		free(to);
		to = NULL;
		if (gpc_asprintf(&to, "%s/results/%s~%.*s.json", e->cfg->spool, base, k,
		    have + 7) < 0) {
			r = GPC_ERR_NOMEM;
			break;
		}
		if (lstat(to, &st) == 0 || errno != ENOENT)
			continue;
		if (gpc_asprintf(&from, "%s/results/%s.json", e->cfg->spool, base) < 0) {
			r = GPC_ERR_NOMEM;
			break;
		}
		r = rename(from, to) == 0 ? GPC_OK : GPC_ERR_IO;
		break;
	}
	free(from);
	free(to);
	json_decref(res);
	return r;
}

/*
 * The name of a result in results/.  results/<base>.json belongs to the
 * first document that took it: another document's result goes beside it,
 * as <base>~<digest12>.json (or <base>~<digest>.json should even that be
 * taken), so that no result is ever replaced by another document's.  A
 * document is known by its digest and type; the same one again (a replay,
 * the run after a crash) keeps its name.  A file that could not be read as
 * a document has neither and holds no name against a document: a
 * document's result may replace its result, and its own goes to
 * <base>~unreadable.json when a document holds <base>.  A recorded
 * document (recorded: the result is not "untrusted") takes <base> from a
 * result marked "untrusted" (an unsigned copy, one in the wrong spool
 * directory), which moves beside it: where a bureau looks for its
 * decision's result, it finds that one, not a forgery's.
 * digest: lower-case hex, NULL for an unreadable file; doc_type: the
 * result's "document".  out: 201 bytes.  GPC_OK, GPC_ERR_INVAL (base
 * unusable as a name), GPC_ERR_IO, GPC_ERR_NOMEM.
 */
static int
result_name(struct gpc_engine *e, const char *base, const char *digest, const char *doc_type,
    int recorded, char out[201])
{
	char want[72];
	size_t i, n = 0;
	char cand[3][201];
	int r = GPC_OK;

	if (recorded && digest != NULL && (r = displace_untrusted(e, base)) != GPC_OK)
		return r;

	snprintf(cand[n++], sizeof(cand[0]), "%s", base);
	if (digest != NULL) {
		snprintf(cand[n++], sizeof(cand[0]), "%s~%.12s", base, digest);
		snprintf(cand[n++], sizeof(cand[0]), "%s~%s", base, digest);
		snprintf(want, sizeof(want), "sha256:%s", digest);
	} else
		snprintf(cand[n++], sizeof(cand[0]), "%s~unreadable", base);
	for (i = 0; i < n; i++) {
		json_t *res = NULL;
		const char *have, *type;
		int mine;

		if ((r = gpc_spool_read_result(e->cfg->spool, cand[i], &res)) == GPC_ERR_NOTFOUND) {
			r = GPC_OK;
			break;
		}
		if (r != GPC_OK)
			return r;
		have = json_string_value(json_object_get(res, "digest"));
		type = json_string_value(json_object_get(res, "document"));
		/*
		 * What cannot be read as a result (res NULL) is nobody's to
		 * replace; one without a digest is an unreadable file's.
		 */
		mine = res != NULL && (have == NULL || (digest != NULL && strcmp(have, want) == 0 &&
		    type != NULL && doc_type != NULL && strcmp(type, doc_type) == 0));
		json_decref(res);
		if (mine)
			break;
	}
	snprintf(out, 201, "%s", cand[i < n ? i : n - 1]);
	return r;
}

/*
 * A file that could not be read as a document (not a regular file, too
 * large, not JSON, no usable id): refused and moved to rejected/, its
 * result named after the file (results/<stem>.json).  No digest: the file
 * may be anything — a link to a notice was one — and its hash must not be
 * what answers.  With dry_run only *result is made.
 */
static int
reject_unreadable(struct gpc_engine *e, const char *path, struct gpc_reasons *rs, int dry_run,
    json_t **result)
{
	char stem[129], t[21], rname[201], logname[160];
	const char *name = file_name(path);
	size_t len = strlen(name);
	json_t *res;
	int r;

	*result = NULL;
	if (dry_run) {
		*result = json_pack("{s:s, s:s, s:o}", "file", name, "outcome", "rejected",
		    "reasons", gpc_reasons_json(rs));
		return GPC_OK;
	}
	snprintf(stem, sizeof(stem), "%.*s", (int)(len > 5 ? len - 5 : len), name);
	gpc_time_rfc3339(now_of(e), t);
	res = json_pack("{s:s, s:s, s:s, s:o, s:[]}", "file", name, "outcome", "rejected",
	    "processed_at", t, "reasons", gpc_reasons_json(rs), "effects");
	gpc_log_msg(e->lg, LOG_WARNING, "%s: unreadable document moved to rejected/ (%s)",
	    gpc_log_escape(name, logname, sizeof(logname)), rs->n > 0 ? rs->v[0].code : "?");
	if ((r = result_name(e, stem, NULL, NULL, 0, rname)) == GPC_OK &&
	    (r = gpc_spool_write_result(e->cfg->spool, rname, res)) == GPC_OK)
		r = gpc_spool_archive(e->cfg->spool, path, 1);
	*result = res;
	return r;
}

/*
 * Write a document's result (results/<id>.json, or beside it: result_name)
 * and move the file (path, may be NULL) to archive/ or, with rejected, to
 * rejected/.
 */
static int
finish_file(struct gpc_engine *e, const char *path, const struct gpc_doc *d,
    const char *digest, json_t *res, int rejected)
{
	char name[201], logname[160];
	const char *doc_type = json_string_value(json_object_get(res, "document"));
	int r;

	if ((r = result_name(e, d->id, digest, doc_type,
	    !json_is_true(json_object_get(res, "untrusted")), name)) != GPC_OK ||
	    (r = gpc_spool_write_result(e->cfg->spool, name, res)) != GPC_OK) {
		gpc_log_msg(e->lg, LOG_ERR, "results/%.140s.json: cannot write", name);
		return r;
	}
	if (path != NULL && (r = gpc_spool_archive(e->cfg->spool, path, rejected)) != GPC_OK)
		gpc_log_msg(e->lg, LOG_ERR, "%s: cannot archive",
		    gpc_log_escape(file_name(path), logname, sizeof(logname)));
	return r;
}

static void
log_outcome(struct gpc_engine *e, const struct gpc_doc *d, json_t *res)
{
	const char *outcome = json_string_value(json_object_get(res, "outcome"));
	json_t *reasons = json_object_get(res, "reasons");

	gpc_log_msg(e->lg, LOG_INFO, "%s %.64s: %s%s%s", d->type == GPC_DOC_APPLICATION ?
	    "application" : "decision", d->id, outcome != NULL ? outcome : "?",
	    json_array_size(reasons) > 0 ? ": " : "",
	    json_array_size(reasons) > 0 ?
	    json_string_value(json_object_get(json_array_get(reasons, 0), "code")) : "");
}

/*
 * A document's end: log its outcome, audit it, write its result and move
 * the file (finish_file).  Nothing of it in a dry run.
 */
static int
conclude(struct gpc_engine *e, const char *path, const struct gpc_doc *d, const char *digest,
    json_t *res, int rejected, int dry_run)
{
	if (dry_run)
		return GPC_OK;
	log_outcome(e, d, res);
	audit_document(e, d, res, "document");
	return finish_file(e, path, d, digest, res, rejected);
}

/*
 * Whether a refused document should wait instead: documents can arrive out
 * of order (a suspension before the registration it names is processed, a
 * reinstatement before its suspension).  One refused only because its
 * target is missing or not yet in the right state stays in the spool for
 * provisioner.hold_s after it arrived, and is checked again on each run;
 * after that it is refused for good.
 */
static int
held(struct gpc_engine *e, const char *path, const struct plan *p)
{
	struct stat st;
	char logname[160];
	size_t i;

	if (e->cfg->hold_s <= 0 || p->rs.n == 0 || p->untrusted)
		return 0;
	for (i = 0; i < p->rs.n; i++)
		if (strcmp(p->rs.v[i].code, "unknown_target") != 0 &&
		    strcmp(p->rs.v[i].code, "illegal_transition") != 0)
			return 0;
	if (lstat(path, &st) != 0)
		return 0;
	if (now_of(e) >= st.st_mtime + e->cfg->hold_s)
		return 0;
	gpc_log_msg(e->lg, LOG_INFO, "%s: waits for an earlier document (%s), up to %d s",
	    gpc_log_escape(file_name(path), logname, sizeof(logname)), p->rs.v[0].code,
	    e->cfg->hold_s);
	return 1;
}

/*
 * The same bytes as a recorded document: what was decided stands, whatever
 * changed since (a certificate expired, a bureau left the configuration).
 * Finishes what a crash interrupted and reports the recorded result again.
 */
static int
replayed(struct gpc_engine *e, const char *path, const struct gpc_doc *d, const char *digest,
    struct record *rec, int dry_run, json_t **res)
{
	int r;

	*res = NULL;
	if (strcmp(rec->outcome, "applying") == 0 && !dry_run && (r = redo(e, d->id, rec)) !=
	    GPC_OK)
		return r;
	if ((*res = json_loads(rec->result != NULL ? rec->result : "", 0, NULL)) == NULL)
		return GPC_ERR_FORMAT;
	if (dry_run) {
		/* gpcgatectl check: submitting it again would change nothing */
		json_object_set_new(*res, "already_processed", json_true());
		return GPC_OK;
	}
	/* written once: this finds the line of a run that died after it */
	audit_document(e, d, *res, "document");
	return finish_file(e, path, d, digest, *res, 0);
}

static int
process(struct gpc_engine *e, const char *path, const char *sig_path, enum gpc_doc_type type,
    int dry_run, json_t **result)
{
	const struct gpc_bureau *b = NULL;
	struct gpc_reasons rs = { 0 };
	struct gpc_doc *d = NULL;
	struct record *rec = NULL;
	struct plan p;
	json_t *res = NULL;
	char *raw = NULL, *key = NULL, digest[65], signer[sizeof(p.signer)];
	size_t len = 0, i;
	int r, attempt = 0, checked = 0;

	plan_init(&p);
	if (result != NULL)
		*result = NULL;
	/*
	 * Whoever may submit may put anything here: a link (to a notice that
	 * holds an enrollment code), a FIFO, a device.  Only a regular file is
	 * read, and a link is never followed (gpcgatectl check reads the file
	 * it is given, as its user).
	 */
	r = gpc_read_regular_file(path, GPC_DOC_MAX, !dry_run, &raw, &len);
	if (r == GPC_ERR_PERM || r == GPC_ERR_INVAL || (r == GPC_ERR_IO && errno == EACCES)) {
		/*
		 * Not a document, and never will be (a file its producer left
		 * unreadable to us must be submitted again): refuse it rather
		 * than retry for ever.
		 */
		gpc_reasons_add(&rs, "malformed_json", "", "%s", r == GPC_ERR_INVAL ?
		    "larger than 64 KiB" : r == GPC_ERR_PERM ?
		    "not a regular file (a link, FIFO or device): not read" :
		    "not readable by the provisioner (permission denied)");
		r = reject_unreadable(e, path, &rs, dry_run, &res);
		goto out;
	}
	if (r != GPC_OK)
		goto out;
	if ((r = sha256_hex(raw, len, digest)) != GPC_OK)
		goto out;
	r = gpc_doc_parse(raw, len, type, now_of(e), &d, &rs);
	if (r == GPC_ERR_NOMEM)
		goto out;
	if (d == NULL) {
		r = reject_unreadable(e, path, &rs, dry_run, &res);
		goto out;
	}
	if (gpc_reasons_has(&rs, "wrong_type")) {
		/*
		 * In the wrong spool directory (an application among the
		 * decisions): refused as it stands, without looking up its id —
		 * a processed document's copy must not pass for its replay, and
		 * its result goes beside, never over, that document's.
		 */
		p.outcome = "rejected";
		p.untrusted = 1; /* nothing recorded: it yields its result's name */
		for (i = 0; i < rs.n; i++)
			gpc_reasons_add(&p.rs, rs.v[i].code, rs.v[i].field, "%s", rs.v[i].message);
		res = result_new(e, d, file_name(path), digest, &p);
		r = conclude(e, path, d, digest, res, 1, dry_run);
		goto out;
	}
	/*
	 * The record's key: the id in the namespace of its kind of document
	 * (dir.h), so an application cannot take a decision's id.  (d->id is
	 * valid: gpc_doc_parse() returns no document without one.)  r may
	 * still hold the parse's GPC_ERR_FORMAT: that is in rs, not an error.
	 */
	if ((r = gpc_dir_record_key(d->type == GPC_DOC_APPLICATION ? GPC_RECORD_APPLICATION :
	    GPC_RECORD_DECISION, d->id, &key)) != GPC_OK)
		goto out;
	/* The document's own problems come first in its result. */
	for (i = 0; i < rs.n; i++)
		gpc_reasons_add(&p.rs, rs.v[i].code, rs.v[i].field, "%s", rs.v[i].message);
again:
	record_free(rec);
	rec = NULL;
	if ((r = load_record(e, key, &rec)) != GPC_OK)
		goto out;
	if (rec != NULL && rec->digest != NULL && strcmp(rec->digest, digest) == 0) {
		r = replayed(e, path, d, digest, rec, dry_run, &res);
		goto out;
	}
	/*
	 * A decision counts only if its bureau signed it — its id too, well
	 * formed or not: one that is not signed is refused and nothing is
	 * recorded under its id, which stays the bureau's.
	 */
	if (d->type == GPC_DOC_DECISION && !checked) {
		checked = 1;
		if ((r = check_signed(e, path, sig_path, d, raw, len, &p, &b)) != GPC_OK)
			goto out;
	}
	if (p.untrusted) {
		p.outcome = "rejected";
		res = result_new(e, d, file_name(path), digest, &p);
		r = conclude(e, path, d, digest, res, 0, dry_run);
		goto would;
	}
	if (rec != NULL) {
		/* Another document under a used id: a replay, which changes nothing. */
		json_t *earlier = json_loads(rec->result != NULL ? rec->result : "", 0, NULL);

		gpc_reasons_clear(&p.rs);
		gpc_reasons_add(&p.rs, "duplicate_id", "id", "id already processed (outcome %s)",
		    rec->outcome);
		p.outcome = "rejected";
		res = result_new(e, d, file_name(path), digest, &p);
		if (earlier != NULL)
			json_object_set_new(res, "earlier", earlier);
		r = conclude(e, path, d, digest, res, 0, dry_run);
		goto out;
	}
	/* A malformed document (of a trusted bureau) is refused, and its id recorded. */
	p.outcome = "rejected";
	if (rs.n == 0 && (r = plan_document(e, d, b, raw, len, digest, &p)) != GPC_OK)
		goto out;
	if (p.rs.n == 0 && plan_too_large(&p))
		gpc_reasons_add(&p.rs, "malformed_json", "", "too large: the changes it asks "
		    "for exceed 64 KiB");
	if (p.rs.n > 0) {
		p.outcome = "rejected";
		json_array_clear(p.ops);
		json_array_clear(p.effects);
	}
	res = result_new(e, d, file_name(path), digest, &p);
	if (dry_run) {
		r = GPC_OK;
		goto would;
	}
	if (strcmp(p.outcome, "rejected") == 0 && held(e, path, &p)) {
		r = GPC_ERR_AGAIN;
		goto out;
	}
	if ((r = commit(e, key, d, digest, &p, res)) == GPC_ERR_EXISTS && attempt++ == 0) {
		/* Someone recorded this key meanwhile: look again, as a replay. */
		json_decref(res);
		res = NULL;
		memcpy(signer, p.signer, sizeof(signer));
		plan_free(&p);
		plan_init(&p);
		memcpy(p.signer, signer, sizeof(signer));
		goto again;
	}
	if (r != GPC_OK)
		goto out;
	r = conclude(e, path, d, digest, res, 0, 0);
	goto out;
would:
	if (dry_run) {
		const char *outcome = p.outcome, *would = strcmp(outcome, "applied") == 0 ?
		    "would apply" : strcmp(outcome, "pending") == 0 ? "would be pending" :
		    "rejected";

		json_object_set_new(res, "outcome", json_string(would));
		json_object_del(res, "processed_at");
	}
out:
	if (r == GPC_OK && result != NULL) {
		*result = res;
		res = NULL;
	}
	json_decref(res);
	record_free(rec);
	gpc_doc_free(d);
	gpc_reasons_clear(&rs);
	plan_free(&p);
	free(key);
	if (raw != NULL)
		gpc_freezero(raw, len);
	return r;
}

/* ---- public --------------------------------------------------------------------------- */

int
gpc_engine_new(const struct gpc_cfg *cfg, const struct gpc_log *lg, struct gpc_engine **out)
{
	struct gpc_engine *e;
	char why[512];
	int r;

	*out = NULL;
	if ((e = calloc(1, sizeof(*e))) == NULL)
		return GPC_ERR_NOMEM;
	e->cfg = cfg;
	e->lg = lg;
	if ((r = gpc_keys_load_why(cfg->key_dir, cfg->suite, &e->keys, why, sizeof(why))) !=
	    GPC_OK) {
		gpc_log_msg(lg, LOG_ERR, "keys in %.200s: %s", cfg->key_dir,
		    why[0] != '\0' ? why : gpc_strerror(r));
		goto fail;
	}
	if ((r = gpc_audit_open(cfg->audit_file, program_invocation_short_name,
	    cfg->audit_syslog ? lg : NULL, &e->audit)) != GPC_OK) {
		gpc_log_msg(lg, LOG_ERR, "audit file %.200s: %s", cfg->audit_file,
		    r == GPC_ERR_IO ? strerror(errno) : gpc_strerror(r));
		goto fail;
	}
	if ((r = gpc_dir_open(cfg, GPC_DIR_WRITER, lg, &e->dir)) != GPC_OK)
		goto fail;
	/* A directory sealed under the other suite: refuse before touching a value. */
	if ((r = gpc_suite_check(e->dir, cfg, why, sizeof(why))) != GPC_OK) {
		gpc_log_msg(lg, LOG_ERR, "%s", why[0] != '\0' ? why : gpc_strerror(r));
		goto fail;
	}
	*out = e;
	return GPC_OK;
fail:
	gpc_engine_free(e);
	return r;
}

void
gpc_engine_free(struct gpc_engine *e)
{
	if (e == NULL)
		return;
	gpc_dir_close(e->dir);
	gpc_keys_free(e->keys);
	gpc_audit_close(e->audit);
	free(e);
}

void
gpc_engine_set_clock(struct gpc_engine *e, time_t (*now)(void *), void *ctx)
{
	e->clock = now;
	e->clock_ctx = ctx;
}

void
gpc_engine_set_interrupt(struct gpc_engine *e, int (*interrupted)(void *), void *ctx)
{
	e->interrupted = interrupted;
	e->interrupt_ctx = ctx;
}

struct gpc_dir *
gpc_engine_dir(struct gpc_engine *e)
{
	return e->dir;
}

struct gpc_keys *
gpc_engine_keys(struct gpc_engine *e)
{
	return e->keys;
}

int
gpc_engine_process(struct gpc_engine *e, const char *path, enum gpc_doc_type type,
    json_t **result)
{
	return process(e, path, NULL, type, 0, result);
}

int
gpc_engine_check(struct gpc_engine *e, const char *path, const char *sig_path,
    enum gpc_doc_type type, json_t **result)
{
	return process(e, path, sig_path, type, 1, result);
}

/* Documents sorted by their own time, so the order of arrival does not matter. */
struct queued {
	struct gpc_spool_entry *ent;
	time_t when;
};

static int
cmp_queued(const void *a, const void *b)
{
	const struct queued *x = a, *y = b;

	if (x->when != y->when)
		return x->when < y->when ? -1 : 1;
	if (x->ent->type != y->ent->type)
		return x->ent->type == GPC_DOC_APPLICATION ? -1 : 1;
	return strcmp(x->ent->name, y->ent->name);
}

static time_t
doc_time(const char *path, enum gpc_doc_type type)
{
	json_t *root = NULL;
	const char *s;
	char *buf = NULL;
	size_t len = 0;
	time_t t = 0;

	/* as process() reads it: a link is not followed, a FIFO not waited on */
	if (gpc_read_regular_file(path, GPC_DOC_MAX, 1, &buf, &len) == GPC_OK)
		root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, NULL);
	s = json_string_value(json_object_get(root, type == GPC_DOC_APPLICATION ?
	    "submitted_at" : "issued_at"));
	if (s == NULL || gpc_time_parse_rfc3339(s, &t) != GPC_OK)
		t = 0; /* unreadable documents go first: they are refused at once */
	json_decref(root);
	if (buf != NULL)
		gpc_freezero(buf, len);
	return t;
}

/*
 * Finish every record a failed apply left "applying" (redo its plan)
 * before anything else is decided: a later document planned on the
 * half-applied state would be undone when the plan is applied again.
 * Clears e->unfinished when all are finished.  GPC_OK or the first error
 * (the records stay as they are: the next run tries again).
 */
static int
finish_unfinished(struct gpc_engine *e)
{
	LDAPMessage *res = NULL, *en;
	LDAP *ld = gpc_dir_ldap(e->dir);
	struct record *rec = NULL;
	char *base = NULL, *rdn = NULL;
	int r;

	if (gpc_asprintf(&base, "ou=records,%s", gpc_dir_base(e->dir)) < 0)
		return GPC_ERR_NOMEM;
	r = gpc_dir_search(e->dir, base, LDAP_SCOPE_ONELEVEL,
	    "(&(objectClass=gpcRecord)(gpcOutcome=applying))", record_attrs, 0, &res);
	free(base);
	if (r != GPC_OK)
		gpc_log_msg(e->lg, LOG_ERR, "documents not processed: half-applied records "
		    "cannot be looked for: %s", gpc_strerror(r));
	for (en = r == GPC_OK ? ldap_first_entry(ld, res) : NULL; en != NULL && r == GPC_OK;
	    en = ldap_next_entry(ld, en)) {
		if ((r = record_from_entry(e, en, &rec)) != GPC_OK)
			break;
		rdn = gpc_dir_get(e->dir, en, "gpcDocId");
		if ((r = redo(e, rdn != NULL ? rdn : rec->dn, rec)) != GPC_OK)
			gpc_log_msg(e->lg, LOG_ERR, "documents not processed: %.80s is half applied "
			    "and cannot be finished: %s", rdn != NULL ? rdn : "a record",
			    gpc_strerror(r));
		free(rdn);
		record_free(rec);
		rec = NULL;
	}
	ldap_msgfree(res);
	e->unfinished = r != GPC_OK;
	return r;
}

int
gpc_engine_run_once(struct gpc_engine *e, size_t *done)
{
	struct gpc_spool_entry *v = NULL;
	struct queued *q = NULL;
	size_t n = 0, i, count = 0;
	int r, first = GPC_OK;

	if (done != NULL)
		*done = 0;
	if ((r = finish_unfinished(e)) != GPC_OK)
		return r;
	if ((r = gpc_spool_list(e->cfg->spool, &v, &n)) != GPC_OK)
		return r;
	if (n > 0 && (q = calloc(n, sizeof(*q))) == NULL) {
		gpc_spool_entries_free(v, n);
		return GPC_ERR_NOMEM;
	}
	for (i = 0; i < n; i++) {
		q[i].ent = &v[i];
		q[i].when = doc_time(v[i].path, v[i].type);
	}
	if (n > 1)
		qsort(q, n, sizeof(*q), cmp_queued);
	for (i = 0; i < n; i++) {
		/* Between documents only: the one in hand is always finished. */
		if (e->interrupted != NULL && e->interrupted(e->interrupt_ctx))
			break;
		r = gpc_engine_process(e, q[i].ent->path, q[i].ent->type, NULL);
		if ((r == GPC_ERR_IO && errno == ENOENT) || r == GPC_ERR_AGAIN) {
			r = GPC_OK; /* taken away meanwhile, or waiting for an earlier one */
			continue;
		}
		if (r != GPC_OK) {
			char logname[160];

			gpc_log_msg(e->lg, LOG_ERR, "%s: not processed: %s",
			    gpc_log_escape(q[i].ent->name, logname, sizeof(logname)),
			    gpc_strerror(r));
			/*
			 * The directory went away, or this document is half
			 * applied: the rest waits (a later one must not be
			 * decided on a half-applied state).  Anything else is
			 * this document's: it stays, the others go on.
			 */
			if (r == GPC_ERR_UNAVAIL || r == GPC_ERR_TIMEOUT || e->unfinished)
				break;
			if (first == GPC_OK)
				first = r;
			r = GPC_OK;
			continue;
		}
		count++;
	}
	free(q);
	gpc_spool_entries_free(v, n);
	if (done != NULL)
		*done = count;
	return r != GPC_OK ? r : first;
}

/* ---- deadlines and tombstones ---------------------------------------------------------- */

/*
 * The document id the engine gives the consequence of a passed deadline:
 * derived from the suspension's id and the entry, so a sweep that runs
 * twice (or after a crash) finds its own record and does nothing more.
 */
static int
deadline_id(const char *decision, const char *dn, char out[40])
{
	char *text = NULL, hex[65];
	int r;

	if (gpc_asprintf(&text, "%s\n%s", decision != NULL ? decision : "", dn) < 0)
		return GPC_ERR_NOMEM;
	r = sha256_hex(text, strlen(text), hex);
	free(text);
	if (r == GPC_OK)
		snprintf(out, 40, "deadline-%.24s", hex);
	return r;
}

/* One suspension whose rectification deadline has passed. */
static int
deadline_passed(struct gpc_engine *e, LDAPMessage *en, size_t *done)
{
	struct gpc_doc d;
	struct plan p;
	struct record *rec = NULL;
	json_t *res = NULL;
	char *dn = NULL, *last = NULL, *on = NULL, *uid = NULL, *unit = NULL, *deadline = NULL;
	char id[40], digest[65], text[128], *ldn, *key = NULL;
	int r;

	memset(&d, 0, sizeof(d));
	plan_init(&p);
	if ((ldn = ldap_get_dn(gpc_dir_ldap(e->dir), en)) == NULL)
		return GPC_ERR_LDAP;
	dn = strdup(ldn);
	ldap_memfree(ldn);
	/* the suspension that set the deadline, whatever was decided since */
	if ((last = gpc_dir_get(e->dir, en, "gpcStateDecision")) == NULL)
		last = gpc_dir_get(e->dir, en, "gpcLastDecision");
	on = gpc_dir_get(e->dir, en, "gpcOnDeadline");
	uid = gpc_dir_get(e->dir, en, "uid");
	unit = gpc_dir_get(e->dir, en, "gpcUnitCode");
	deadline = gpc_dir_get(e->dir, en, "gpcDeadline");
	if (dn == NULL || unit == NULL) {
		r = GPC_ERR_LDAP;
		goto out;
	}
	/* its own namespace: no document can take (or have taken) its id */
	if ((r = deadline_id(last, dn, id)) != GPC_OK ||
	    (r = gpc_dir_record_key(GPC_RECORD_DEADLINE, id, &key)) != GPC_OK ||
	    (r = load_record(e, key, &rec)) != GPC_OK ||
	    (r = sha256_hex(id, strlen(id), digest)) != GPC_OK)
		goto out;
	d.type = GPC_DOC_DECISION;
	d.id = id;
	d.when = now_of(e);
	d.target_unit = unit;
	d.target_account = uid;
	d.reason_code = "deadline_passed";
	snprintf(text, sizeof(text), "the rectification deadline of %.64s passed",
	    last != NULL ? last : "the suspension");
	d.reason_text = text;
	d.action = on != NULL && strcmp(on, "terminate") == 0 ? "terminate" : "notify";
	if (rec != NULL) {
		json_t *have = NULL;
		int finished = strcmp(rec->outcome, "applying") != 0;

		/*
		 * Done before (a notified suspension stays suspended: every sweep
		 * finds it again).  Its result is written last, so with the
		 * result there nothing is left; else a crash left its plan, its
		 * audit line or its result to finish.
		 */
		if (finished && gpc_spool_read_result(e->cfg->spool, id, &have) == GPC_OK &&
		    have != NULL) {
			json_decref(have);
			goto out;
		}
		if (!finished && (r = redo(e, id, rec)) != GPC_OK)
			goto out;
		if ((res = json_loads(rec->result != NULL ? rec->result : "", 0, NULL)) != NULL) {
			audit_document(e, &d, res, "deadline");
			r = finish_file(e, NULL, &d, digest, res, 0);
		}
		goto out;
	}
	if (strcmp(d.action, "terminate") == 0) {
		if ((r = plan_state_change(e, &d, NULL, &p)) != GPC_OK)
			goto out;
	} else {
		json_t *n = notice_new(e, "deadline_passed", id);
		char name[96];

		set_str(&p.target_unit, unit);
		set_str(&p.target_account, uid);
		struct unit *u = NULL;
		const struct gpc_bureau *b;

		/* to the bureau whose jurisdiction the unit is in */
		if ((r = load_unit(e, unit, &u)) != GPC_OK) {
			json_decref(n);
			goto out;
		}
		b = gpc_cfg_bureau_for(e->cfg, u != NULL ? u->region : NULL);
		json_object_set_new(n, "to", b != NULL ? json_pack("{s:s}", "bureau", b->issuer) :
		    json_pack("{s:s}", "region", u != NULL ? u->region : ""));
		unit_free(u);
		json_object_set_new(n, "unit", json_string(unit));
		if (uid != NULL)
			json_object_set_new(n, "account", json_string(uid));
		json_object_set_new(n, "suspension", json_string(last != NULL ? last : ""));
		json_object_set_new(n, "deadline", json_string(deadline != NULL ? deadline : ""));
		snprintf(name, sizeof(name), "%s.deadline", id);
		op_notice(&p, name, n);
		effect(&p, "the rectification deadline of %s passed; the account stays suspended "
		    "and the bureau is notified", last != NULL ? last : "?");
		p.outcome = "applied";
	}
	if (p.rs.n > 0)
		p.outcome = "rejected";
	res = result_new(e, &d, "-", digest, &p);
	/* recorded as caused by the suspension */
	json_object_set_new(res, "cause", json_string(last != NULL ? last : ""));
	if ((r = commit(e, key, &d, digest, &p, res)) == GPC_ERR_EXISTS)
		r = GPC_OK;
	if (r != GPC_OK)
		goto out;
	audit_document(e, &d, res, "deadline");
	/*
	 * Like any document it leaves a result, the results directory tells
	 * the story — written last: a result there means nothing is left to do.
	 */
	if ((r = finish_file(e, NULL, &d, digest, res, 0)) != GPC_OK)
		goto out;
	gpc_log_msg(e->lg, LOG_NOTICE, "%s %.64s: deadline of %.64s passed: %s", uid != NULL ?
	    "account" : "unit", uid != NULL ? uid : unit, last != NULL ? last : "?",
	    strcmp(d.action, "notify") == 0 ? "bureau notified" : p.outcome);
	if (done != NULL)
		(*done)++;
out:
	json_decref(res);
	record_free(rec);
	plan_free(&p);
	free(key);
	free(dn);
	free(last);
	free(on);
	free(uid);
	free(unit);
	free(deadline);
	return r;
}

/*
 * Delete tombstones (terminated or denied) whose retention has ended:
 * accounts first, then units left empty.
 */
static int
purge(struct gpc_engine *e, const char *now, size_t *done)
{
	static char *attrs[] = { "uid", "gpcUnitCode", NULL };
	static const char *const classes[] = { "gpcAccount", "gpcUnit" };
	LDAPMessage *res = NULL, *en;
	LDAP *ld = gpc_dir_ldap(e->dir);
	char *base = NULL, *filter = NULL;
	size_t k;
	int r = GPC_OK;

	if (gpc_asprintf(&base, "ou=units,%s", gpc_dir_base(e->dir)) < 0)
		return GPC_ERR_NOMEM;
	for (k = 0; k < 2 && r == GPC_OK; k++) {
		free(filter);
		if (gpc_asprintf(&filter, "(&(objectClass=%s)(|(gpcState=terminated)"
		    "(gpcState=denied))(gpcPurgeAfter<=%s))", classes[k], now) < 0) {
			r = GPC_ERR_NOMEM;
			break;
		}
		if ((r = gpc_dir_search(e->dir, base, LDAP_SCOPE_SUBTREE, filter, attrs, 0, &res)) !=
		    GPC_OK)
			break;
		for (en = ldap_first_entry(ld, res); en != NULL; en = ldap_next_entry(ld, en)) {
			char *dn = ldap_get_dn(ld, en), *uid = gpc_dir_get(e->dir, en, "uid");
			char *unit = gpc_dir_get(e->dir, en, "gpcUnitCode");
			int dr = dn != NULL ? gpc_dir_delete(e->dir, dn) : GPC_ERR_LDAP;

			/* a unit that still has (younger) tombstones below it waits */
			if (dr == GPC_OK) {
				json_t *f = json_pack("{s:s?, s:s?}", "uid", uid, "unit", unit);

				(void)gpc_audit_event(e->audit, "purge", f);
				json_decref(f);
				if (done != NULL)
					(*done)++;
			} else if (dr != GPC_ERR_NOTFOUND && k == 0)
				r = dr;
			ldap_memfree(dn);
			free(uid);
			free(unit);
		}
		ldap_msgfree(res);
		res = NULL;
	}
	free(filter);
	free(base);
	return r;
}

int
gpc_engine_sweep(struct gpc_engine *e, size_t *done)
{
	static char *attrs[] = { "gpcStateDecision", "gpcLastDecision", "gpcOnDeadline", "uid",
		"gpcUnitCode", "gpcDeadline", NULL };
	LDAPMessage *res = NULL, *en;
	LDAP *ld = gpc_dir_ldap(e->dir);
	char now[16], *base = NULL, *filter = NULL;
	int r;

	if (done != NULL)
		*done = 0;
	if ((r = finish_unfinished(e)) != GPC_OK)
		return r;
	gpc_time_generalized(now_of(e), now);
	if (gpc_asprintf(&base, "ou=units,%s", gpc_dir_base(e->dir)) < 0 ||
	    gpc_asprintf(&filter, "(&(|(objectClass=gpcAccount)(objectClass=gpcUnit))"
	    "(gpcState=suspended)(gpcDeadline<=%s))", now) < 0) {
		r = GPC_ERR_NOMEM;
		goto out;
	}
	if ((r = gpc_dir_search(e->dir, base, LDAP_SCOPE_SUBTREE, filter, attrs, 0, &res)) !=
	    GPC_OK)
		goto out;
	for (en = ldap_first_entry(ld, res); en != NULL; en = ldap_next_entry(ld, en))
		if ((r = deadline_passed(e, en, done)) != GPC_OK)
			goto out;
	r = purge(e, now, done);
out:
	ldap_msgfree(res);
	free(base);
	free(filter);
	return r;
}
