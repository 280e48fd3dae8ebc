/*
 * The session stage: audit of open and close, last login.  See session.h.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dir.h"
#include "dir_login.h"
#include "err.h"
#include "login.h"
#include "seal.h"
#include "session.h"
#include "util.h"

void
gpc_session_free(struct gpc_session *s)
{
	if (s == NULL)
		return;
	free(s->uid);
	free(s->unit);
	free(s->region);
	free(s);
}

/* The account of a session; all malloc'd but last_login. */
struct who {
	char *uid, *dn, *unit, *region;
	time_t last_login;
};

static void
who_free(struct who *w)
{
	free(w->uid);
	free(w->dn);
	free(w->unit);
	free(w->region);
	memset(w, 0, sizeof(*w));
}

static char *
dup_or_null(const char *s, int *nomem)
{
	char *c = NULL;

	if (s != NULL && (c = strdup(s)) == NULL)
		*nomem = 1;
	return c;
}

/*
 * Who req->user is: from the note when it names that account, else read as
 * the PAM reader (*d is then left open, for the last-login write).
 */
static int
identify(const struct gpc_cfg *cfg, const struct gpc_log *lg, const char *user,
    const struct gpc_login_note *note, struct gpc_dir **d, struct who *w)
{
	struct gpc_account *a = NULL;
	int r, nomem = 0;

	memset(w, 0, sizeof(*w));
	if (user == NULL || *user == '\0')
		return GPC_ERR_NOTFOUND;
	if (note != NULL && gpc_login_name_matches(note->uid, user)) {
		w->uid = dup_or_null(note->uid, &nomem);
		w->dn = dup_or_null(note->dn, &nomem);
		w->unit = dup_or_null(note->unit, &nomem);
		w->region = dup_or_null(note->region, &nomem);
		w->last_login = note->last_login;
		r = nomem ? GPC_ERR_NOMEM : GPC_OK;
		goto out;
	}
	if ((r = gpc_dir_open(cfg, GPC_DIR_READER, lg, d)) != GPC_OK ||
	    (r = gpc_login_own_entry(gpc_dir_find_account(*d, user, &a), user, &a)) != GPC_OK)
		goto out;
	w->uid = dup_or_null(a->uid, &nomem);
	w->dn = dup_or_null(a->dn, &nomem);
	w->unit = dup_or_null(a->unit_code, &nomem);
	w->region = dup_or_null(a->unit_region, &nomem);
	w->last_login = a->last_login;
	r = nomem ? GPC_ERR_NOMEM : GPC_OK;
out:
	gpc_account_free(a);
	if (r != GPC_OK)
		who_free(w);
	return r;
}

/* One session_open / session_close line; sid may be NULL. */
static void
audit(const struct gpc_cfg *cfg, const struct gpc_log *lg, const char *event,
    const struct gpc_session_req *req, const char *uid, const char *unit, const char *region,
    const char *sid)
{
	json_t *o;

	if ((o = json_object()) == NULL) {
		gpc_log_msg(lg, LOG_ERR, "audit %s: out of memory", event);
		return;
	}
	gpc_login_audit_put(o, "uid", uid);
	gpc_login_audit_put(o, "unit", unit);
	gpc_login_audit_put(o, "region", region);
	gpc_login_audit_put(o, "service", req->service);
	gpc_login_audit_put(o, "rhost", req->rhost != NULL ? req->rhost : "");
	gpc_login_audit_put(o, "tty", req->tty);
	gpc_login_audit_put(o, "sid", sid);
	(void)gpc_login_audit_write(cfg, lg, 1, &event, &o);
	json_decref(o);
}

/* Whether a stored last login is old enough (or odd enough) to be written again. */
static int
last_login_due(const struct gpc_cfg *cfg, time_t stored, time_t now)
{
	return stored <= 0 || stored > now || now - stored >= cfg->last_login_interval_s;
}

int
gpc_session_open(const struct gpc_cfg *cfg, const struct gpc_log *lg,
    const struct gpc_session_req *req, struct gpc_login_note *note, time_t now,
    struct gpc_session **out)
{
	struct gpc_session *s = NULL;
	struct gpc_dir *d = NULL;
	unsigned char rnd[16];
	struct who w;
	int r;

	*out = NULL;
	if ((r = identify(cfg, lg, req->user, note, &d, &w)) != GPC_OK)
		goto out;
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		r = GPC_ERR_NOMEM;
		goto out;
	}
	if ((r = gpc_random_bytes(rnd, sizeof(rnd))) != GPC_OK)
		goto out;
	gpc_hex(rnd, sizeof(rnd), s->sid);
	s->uid = w.uid;
	s->unit = w.unit;
	s->region = w.region;
	w.uid = w.unit = w.region = NULL; /* transferred */
	audit(cfg, lg, "session_open", req, s->uid, s->unit, s->region, s->sid);
	if (w.dn != NULL && last_login_due(cfg, w.last_login, now)) {
		if (d == NULL && (r = gpc_dir_open(cfg, GPC_DIR_READER, lg, &d)) != GPC_OK)
			gpc_log_msg(lg, LOG_WARNING, "account %.64s: last login not recorded: %s",
			    s->uid, gpc_strerror(r));
		else if ((r = gpc_dir_login_touch(d, w.dn, now)) != GPC_OK)
			gpc_log_msg(lg, LOG_WARNING, "account %.64s: last login not recorded: %s",
			    s->uid, gpc_strerror(r));
		else if (note != NULL && gpc_login_note_about(note, s->uid))
			note->last_login = now;
	}
	*out = s;
	s = NULL; /* transferred */
	r = GPC_OK;
out:
	explicit_bzero(rnd, sizeof(rnd));
	gpc_session_free(s);
	who_free(&w);
	gpc_dir_close(d);
	return r;
}

int
gpc_session_close(const struct gpc_cfg *cfg, const struct gpc_log *lg,
    const struct gpc_session_req *req, const struct gpc_session *s,
    const struct gpc_login_note *note)
{
	struct gpc_dir *d = NULL;
	struct who w;
	int r;

	if (s != NULL) {
		audit(cfg, lg, "session_close", req, s->uid, s->unit, s->region, s->sid);
		return GPC_OK;
	}
	if ((r = identify(cfg, lg, req->user, note, &d, &w)) == GPC_OK)
		audit(cfg, lg, "session_close", req, w.uid, w.unit, w.region, NULL);
	who_free(&w);
	gpc_dir_close(d);
	return r;
}
