/*
 * Key rotation: re-seal and re-index under the newest key versions, one
 * compare-and-swap Modify per value.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "dir.h"
#include "err.h"
#include "rotate.h"
#include "seal.h"
#include "util.h"
#include "walk.h"

/* Lost compare-and-swaps on one value before giving up on it. */
#define CAS_TRIES 5

/* A walk stops with this when --limit is reached (never a GPC_ERR_*). */
#define STOP 1

struct run {
	const struct gpc_keys *k;
	int dry_run;
	size_t limit, writes;
	const struct gpc_log *lg;
	struct gpc_rotate_stats *st;
	int tree;       /* the subtree being walked: 0 units, 1 applications, 2 records */
};

/* The version of a blind index "<h|m><version>:<hex>", or -1. */
static int
index_version(const char *ix)
{
	int v = 0;
	size_t i;

	if (ix == NULL || (ix[0] != 'h' && ix[0] != 'm'))
		return -1;
	for (i = 1; ix[i] >= '0' && ix[i] <= '9' && i < 6; i++)
		v = v * 10 + (ix[i] - '0');
	return i > 1 && ix[i] == ':' ? v : -1;
}

/* The current value of attr on dn (malloc'd), or NULL if it has none. */
static int
reread(struct gpc_dir *d, const char *dn, const char *attr, char **out)
{
	char *attrs[2] = { (char *)attr, NULL };
	LDAPMessage *res = NULL, *en;
	int r;

	*out = NULL;
	if ((r = gpc_dir_search(d, dn, LDAP_SCOPE_BASE, "(objectClass=*)", attrs, 1, &res)) !=
	    GPC_OK)
		return r;
	if ((en = ldap_first_entry(gpc_dir_ldap(d), res)) != NULL)
		*out = gpc_dir_get(d, en, attr);
	ldap_msgfree(res);
	return GPC_OK;
}

/* One Modify: delete old, add new.  GPC_ERR_CONFLICT if old is no longer there. */
static int
cas(struct gpc_dir *d, const char *dn, const char *attr, const char *old, const char *new_value)
{
	char *ov[2] = { (char *)old, NULL }, *nv[2] = { (char *)new_value, NULL };
	LDAPMod del = { LDAP_MOD_DELETE, (char *)attr, { .modv_strvals = ov } };
	LDAPMod add = { LDAP_MOD_ADD, (char *)attr, { .modv_strvals = nv } };
	LDAPMod *mods[] = { &del, &add, NULL };

	return gpc_dir_modify(d, dn, mods, NULL);
}

/* Whether this run may write once more (--limit). */
static int
may_write(struct run *run)
{
	if (run->limit != 0 && run->writes >= run->limit) {
		run->st->stopped = 1;
		return 0;
	}
	return 1;
}

/*
 * Bring one sealed value forward.  *pt and *ptlen (may be NULL) receive the
 * plaintext (wipe and free with gpc_freezero(*pt, *ptlen + 1)) whatever the
 * value's version, for recomputing an index from it.  Returns GPC_OK
 * (done, or nothing to do, or failed and counted), STOP, or a directory
 * error.
 */
static int
reseal(struct run *run, struct gpc_dir *d, const char *dn, const char *attr, char *value,
    unsigned char **pt, size_t *ptlen)
{
	unsigned char *clear = NULL;
	size_t len = 0;
	char *fresh = NULL, *now = NULL;
	int newest = gpc_keys_seal_version(run->k), tries, r = GPC_OK, v;

	if (pt != NULL)
		*pt = NULL;
	for (tries = 0; value != NULL && tries < CAS_TRIES; tries++) {
		if ((v = gpc_seal_version_of(value)) < 0) {
			gpc_log_msg(run->lg, LOG_ERR, "%.300s: %s is not a sealed value", dn, attr);
			run->st->failed++;
			goto out;
		}
		if (v == newest && pt == NULL) {
			run->st->current++;
			goto out;
		}
		if ((r = gpc_unseal(run->k, dn, value, &clear, &len)) != GPC_OK) {
			gpc_log_msg(run->lg, LOG_ERR, "%.300s: %s does not open: %s", dn, attr,
			    gpc_strerror(r));
			run->st->failed++;
			r = GPC_OK;
			goto out;
		}
		if (v == newest) {
			run->st->current++;
			goto out;
		}
		if (run->dry_run) {
			run->st->resealed++;
			goto out;
		}
		if (!may_write(run)) {
			r = STOP;
			goto out;
		}
		if ((r = gpc_seal(run->k, dn, clear, len, &fresh)) != GPC_OK) {
			gpc_log_msg(run->lg, LOG_ERR, "%.300s: %s: sealing failed: %s", dn, attr,
			    gpc_strerror(r));
			run->st->failed++;
			r = GPC_OK;
			goto out;
		}
		run->writes++;
		if ((r = cas(d, dn, attr, value, fresh)) == GPC_OK) {
			run->st->resealed++;
			goto out;
		}
		if (r != GPC_ERR_CONFLICT)
			goto out;
		/* Changed meanwhile (a login, a decision): read it again, do it again. */
		run->st->raced++;
		free(fresh);
		fresh = NULL;
		gpc_freezero(clear, len + 1);
		clear = NULL;
		free(now);
		if ((r = reread(d, dn, attr, &now)) != GPC_OK)
			goto out;
		value = now;
	}
	if (value != NULL && tries == CAS_TRIES) {
		gpc_log_msg(run->lg, LOG_ERR, "%.300s: %s keeps changing; left for the next run",
		    dn, attr);
		run->st->failed++;
	}
out:
	if (clear != NULL && pt != NULL && r == GPC_OK) {
		*pt = clear;
		*ptlen = len;
	} else if (clear != NULL)
		gpc_freezero(clear, len + 1);
	free(fresh);
	free(now);
	return r;
}

/*
 * Bring a blind index forward from the identifier id (NULL: no sealed copy
 * to recompute it from).  The old index must match id under its own
 * version, or the entry is left alone (a mismatch is a fault to show).
 */
static int
reindex(struct run *run, struct gpc_dir *d, const char *dn, char *ix, const char *id)
{
	char want[GPC_BLIND_INDEX_LEN + 1], fresh[GPC_BLIND_INDEX_LEN + 1], *now = NULL;
	int newest = gpc_keys_index_version(run->k), tries, v, r = GPC_OK;

	for (tries = 0; ix != NULL && tries < CAS_TRIES; tries++) {
		if ((v = index_version(ix)) < 0) {
			gpc_log_msg(run->lg, LOG_ERR, "%.300s: gpcHolderIndex is malformed", dn);
			run->st->failed++;
			goto out;
		}
		if (v == newest) {
			run->st->current++;
			goto out;
		}
		if (id == NULL) {
			run->st->kept_index++;
			(*(run->tree == 0 ? &run->st->kept_accounts : run->tree == 1 ?
			    &run->st->kept_applications : &run->st->kept_records))++;
			goto out;
		}
		if (gpc_blind_index_v(run->k, v, "id", id, want) == GPC_OK &&
		    strcmp(want, ix) != 0) {
			gpc_log_msg(run->lg, LOG_ERR, "%.300s: gpcHolderIndex does not match the "
			    "sealed ID; left as it is", dn);
			run->st->failed++;
			goto out;
		}
		if (run->dry_run) {
			run->st->reindexed++;
			goto out;
		}
		if (!may_write(run)) {
			r = STOP;
			goto out;
		}
		if ((r = gpc_blind_index(run->k, "id", id, fresh)) != GPC_OK) {
			run->st->failed++;
			r = GPC_OK;
			goto out;
		}
		run->writes++;
		if ((r = cas(d, dn, "gpcHolderIndex", ix, fresh)) == GPC_OK) {
			run->st->reindexed++;
			goto out;
		}
		if (r != GPC_ERR_CONFLICT)
			goto out;
		run->st->raced++;
		free(now);
		if ((r = reread(d, dn, "gpcHolderIndex", &now)) != GPC_OK)
			goto out;
		ix = now;
	}
	if (ix != NULL && tries == CAS_TRIES) {
		gpc_log_msg(run->lg, LOG_ERR, "%.300s: gpcHolderIndex keeps changing; left for "
		    "the next run", dn);
		run->st->failed++;
	}
out:
	explicit_bzero(want, sizeof(want));
	free(now);
	return r;
}

/* The holder's ID number in a sealed application document, or NULL. */
static char *
application_id_number(const unsigned char *raw, size_t len)
{
	json_t *doc = json_loadb((const char *)raw, len, 0, NULL);
	const char *id = json_string_value(json_object_get(json_object_get(json_object_get(doc,
	    "account"), "holder"), "id_number"));
	char *out = id != NULL ? strdup(id) : NULL;

	/* jansson's copy of the document cannot be wiped; free it at once */
	json_decref(doc);
	return out;
}

static int
visit(void *ctx, struct gpc_dir *d, LDAPMessage *en, const char *dn)
{
	struct run *run = ctx;
	char *seed = gpc_dir_get(d, en, "gpcTotpSeed");
	char *holder = gpc_dir_get(d, en, "gpcHolderSealed");
	char *app = gpc_dir_get(d, en, "gpcAppSealed");
	char *plan = gpc_dir_get(d, en, "gpcPlan");
	char *ix = gpc_dir_get(d, en, "gpcHolderIndex");
	unsigned char *clear = NULL;
	size_t len = 0;
	char *id = NULL;
	int r;

	run->st->entries++;
	if ((r = reseal(run, d, dn, "gpcTotpSeed", seed, NULL, NULL)) != GPC_OK)
		goto out;
	if ((r = reseal(run, d, dn, "gpcPlan", plan, NULL, NULL)) != GPC_OK)
		goto out;
	/* the two that hold an ID number also give it for the index */
	if (holder != NULL) {
		if ((r = reseal(run, d, dn, "gpcHolderSealed", holder, ix != NULL ? &clear : NULL,
		    &len)) != GPC_OK)
			goto out;
		if (clear != NULL && (id = strndup((const char *)clear, len)) == NULL) {
			r = GPC_ERR_NOMEM;
			goto out;
		}
	} else if (app != NULL) {
		if ((r = reseal(run, d, dn, "gpcAppSealed", app, ix != NULL ? &clear : NULL,
		    &len)) != GPC_OK)
			goto out;
		if (clear != NULL)
			id = application_id_number(clear, len);
	}
	r = reindex(run, d, dn, ix, id);
out:
	if (clear != NULL)
		gpc_freezero(clear, len + 1);
	gpc_freezero_str(id);
	free(seed);
	free(holder);
	free(app);
	free(plan);
	free(ix);
	return r;
}

int
gpc_rotate(struct gpc_dir *d, const struct gpc_keys *k, int dry_run, size_t limit,
    const struct gpc_log *lg, struct gpc_rotate_stats *st)
{
	static const struct {
		const char *ou, *filter;
	} trees[] = {
		{ "ou=units", "(|(gpcTotpSeed=*)(gpcHolderSealed=*)(gpcHolderIndex=*))" },
		{ "ou=applications", "(|(gpcAppSealed=*)(gpcHolderIndex=*))" },
		{ "ou=records", "(|(gpcPlan=*)(gpcHolderIndex=*))" },
	};
	static char *attrs[] = { "gpcTotpSeed", "gpcHolderSealed", "gpcAppSealed", "gpcPlan",
		"gpcHolderIndex", NULL };
	struct run run = { k, dry_run, limit, 0, lg, st };
	size_t i;
	int r = GPC_OK;

	memset(st, 0, sizeof(*st));
	if (d == NULL || k == NULL)
		return GPC_ERR_INVAL;
	for (i = 0; i < sizeof(trees) / sizeof(trees[0]) && r == GPC_OK; i++) {
		char *base = NULL;

		run.tree = (int)i;
		if (gpc_asprintf(&base, "%s,%s", trees[i].ou, gpc_dir_base(d)) < 0)
			return GPC_ERR_NOMEM;
		r = gpc_dir_walk(d, base, trees[i].filter, attrs, 0, visit, &run, NULL, lg);
		free(base);
	}
	return r == STOP ? GPC_OK : r;
}

int
gpc_blind_index_filter(const struct gpc_keys *k, const char *attr, const char *purpose,
    const char *value, char **out)
{
	char ix[GPC_BLIND_INDEX_LEN + 1], *f = NULL, *next = NULL;
	int v, n = 0, r;

	*out = NULL;
	if (k == NULL || attr == NULL)
		return GPC_ERR_INVAL;
	for (v = gpc_keys_index_version(k); v >= 1; v--) {
		r = gpc_blind_index_v(k, v, purpose, value, ix);
		if (r == GPC_ERR_KEY)
			continue;
		if (r != GPC_OK) {
			free(f);
			return r;
		}
		/* an index is letters, digits and ':' only: nothing to escape */
		if (gpc_asprintf(&next, "%s(%s=%s)", f != NULL ? f : "", attr, ix) < 0) {
			free(f);
			return GPC_ERR_NOMEM;
		}
		free(f);
		f = next;
		n++;
	}
	if (n == 0)
		return GPC_ERR_INVAL;
	if (n > 1) {
		if (gpc_asprintf(&next, "(|%s)", f) < 0) {
			free(f);
			return GPC_ERR_NOMEM;
		}
		free(f);
		f = next;
	}
	*out = f;
	return GPC_OK;
}
