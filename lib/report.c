/*
 * Usage reports from audit files: events merged by time, per-account
 * counts and anomaly flags (report.h).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "audit.h"
#include "err.h"
#include "report.h"
#include "util.h"

#define NONE UINT32_MAX
#define DAY_MS (86400 * (int64_t)1000)
#define OPEN_SESSION_MAX_MS (24 * 3600 * (int64_t)1000)

enum evtype {
	E_LOGIN, E_OPEN, E_CLOSE, E_LOCKOUT, E_HANDOVER, E_ACTIVATED, E_SUSPENDED,
	E_REINSTATED, E_TERMINATED
};

enum reason { R_OK, R_WRONG_PASSWORD, R_WRONG_CODE, R_OTHER_CODE, R_LOCKED, R_OTHER };

enum state { S_ACTIVE, S_SUSPENDED, S_TERMINATED };

struct ev {
	int64_t ms;
	uint64_t seq;
	uint32_t acct;  /* NONE: an unknown name, or a unit-wide decision */
	uint32_t unit;  /* interned unit code (unit-wide decisions) */
	uint32_t rhost; /* interned remote host key */
	uint32_t sid;   /* interned session id, 0 if none */
	uint32_t place; /* interned host/service/tty, to match a close without sid */
	uint8_t type, ok, reason;
};

struct session {
	int64_t start, end;
	uint32_t rhost, sid, place;
};

struct acct {
	uint32_t uid, unit, region;
	int64_t dir_last, dir_since; /* from the directory, -1 if none */

	/* filled by the analysis */
	int listed, state;
	size_t logins, failures, failed_codes;
	uint32_t *hosts;
	size_t nhosts;
	int64_t last_use, activated, first_seen, handover, locked_at;
	int64_t *fails; /* failed codes in the period, for bursts */
	size_t nfails, fails_head;
	int64_t burst_at;
	size_t burst_max;
	size_t ah_count;
	int64_t ah_first, ah_handover;
	struct session *sessions;
	size_t nsessions;
	int64_t shared_at;
	uint32_t shared_a, shared_b;
};

struct gpc_report {
	struct gpc_report_params p;
	char *unit_filter;
	/* interned strings: index 0 is "" */
	char **str;
	size_t nstr, capstr;
	json_t *str_index; /* string -> index */
	struct acct *acct;
	size_t nacct, capacct;
	json_t *acct_index; /* uid -> index */
	json_t *unit_state; /* unit -> state */
	struct ev *ev;
	size_t nev, capev;
	uint64_t seq;
	json_t *files;
	size_t unknown;
};

void
gpc_report_params_default(struct gpc_report_params *p)
{
	memset(p, 0, sizeof(*p));
	p->burst_failures = 5;
	p->burst_minutes = 10;
	p->dormant_days = 90;
	p->handover_days = 30;
}

int
gpc_report_new(const struct gpc_report_params *p, struct gpc_report **out)
{
	struct gpc_report *r;

	*out = NULL;
	if (p == NULL || p->burst_failures < 1 || p->burst_minutes < 1 || p->dormant_days < 1 ||
	    p->handover_days < 1)
		return GPC_ERR_INVAL;
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return GPC_ERR_NOMEM;
	r->p = *p;
	if ((p->unit != NULL && (r->unit_filter = strdup(p->unit)) == NULL) ||
	    (r->str_index = json_object()) == NULL || (r->acct_index = json_object()) == NULL ||
	    (r->unit_state = json_object()) == NULL || (r->files = json_array()) == NULL) {
		gpc_report_free(r);
		return GPC_ERR_NOMEM;
	}
	r->p.unit = r->unit_filter;
	if ((r->str = calloc(16, sizeof(char *))) == NULL || (r->str[0] = strdup("")) == NULL) {
		gpc_report_free(r);
		return GPC_ERR_NOMEM;
	}
	r->capstr = 16;
	r->nstr = 1;
	*out = r;
	return GPC_OK;
}

void
gpc_report_free(struct gpc_report *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < r->nstr; i++)
		free(r->str[i]);
	free(r->str);
	for (i = 0; i < r->nacct; i++) {
		free(r->acct[i].hosts);
		free(r->acct[i].fails);
		free(r->acct[i].sessions);
	}
	free(r->acct);
	free(r->ev);
	free(r->unit_filter);
	json_decref(r->str_index);
	json_decref(r->acct_index);
	json_decref(r->unit_state);
	json_decref(r->files);
	free(r);
}

/* Grow *v (elements of size sz) to hold n + 1; 0 or -1. */
static int
grow(void **v, size_t *cap, size_t n, size_t sz)
{
	void *nv;
	size_t nc;

	if (n < *cap)
		return 0;
	nc = *cap != 0 ? *cap * 2 : 16;
	if ((nv = realloc(*v, nc * sz)) == NULL)
		return -1;
	*v = nv;
	*cap = nc;
	return 0;
}

static uint32_t
intern(struct gpc_report *r, const char *s)
{
	json_t *ix;
	char *copy;

	if (s == NULL || *s == '\0')
		return 0;
	if ((ix = json_object_get(r->str_index, s)) != NULL)
		return (uint32_t)json_integer_value(ix);
	if (grow((void **)&r->str, &r->capstr, r->nstr, sizeof(char *)) != 0 ||
	    (copy = strdup(s)) == NULL)
		return NONE;
	if (json_object_set_new(r->str_index, s, json_integer((json_int_t)r->nstr)) != 0) {
		free(copy);
		return NONE;
	}
	r->str[r->nstr] = copy;
	return (uint32_t)r->nstr++;
}

static uint32_t
account(struct gpc_report *r, const char *uid)
{
	json_t *ix = json_object_get(r->acct_index, uid);
	struct acct *a;
	uint32_t u;

	if (ix != NULL)
		return (uint32_t)json_integer_value(ix);
	if ((u = intern(r, uid)) == NONE ||
	    grow((void **)&r->acct, &r->capacct, r->nacct, sizeof(*r->acct)) != 0 ||
	    json_object_set_new(r->acct_index, uid, json_integer((json_int_t)r->nacct)) != 0)
		return NONE;
	a = &r->acct[r->nacct];
	memset(a, 0, sizeof(*a));
	a->uid = u;
	a->dir_last = a->dir_since = -1;
	return (uint32_t)r->nacct++;
}

/* "YYYY-MM-DDTHH:MM:SS[.fff]Z" into milliseconds since the epoch. */
static int
parse_ts(const char *s, int64_t *ms)
{
	int y, mo, d, h, mi, sec, frac = 0, n = 0;
	size_t len;

	if (s == NULL || (len = strlen(s)) < 20 ||
	    sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec, &n) != 6 ||
	    n != 19 || !gpc_date_valid(y, mo, d) || h > 23 || mi > 59 || sec > 60)
		return -1;
	if (s[19] == '.') {
		if (len != 24 || s[23] != 'Z' || sscanf(s + 20, "%3d", &frac) != 1)
			return -1;
	} else if (len != 20 || s[19] != 'Z')
		return -1;
	*ms = ((gpc_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec) * 1000) + frac;
	return 0;
}

static const char *
str_of(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static int
eq(const char *a, const char *b)
{
	return a != NULL && strcmp(a, b) == 0;
}

static enum reason
reason_of(const char *s)
{
	if (s == NULL || strcmp(s, "ok") == 0)
		return R_OK;
	if (strcmp(s, "wrong_password") == 0)
		return R_WRONG_PASSWORD;
	if (strcmp(s, "wrong_code") == 0)
		return R_WRONG_CODE;
	/* the second factor failed in another way: still a failed code */
	if (strcmp(s, "code_replayed") == 0 || strcmp(s, "code_race_lost") == 0 ||
	    strcmp(s, "malformed_code") == 0 || strcmp(s, "wrong_recovery_code") == 0 ||
	    strcmp(s, "wrong_enroll_code") == 0 || strcmp(s, "enroll_code_expired") == 0)
		return R_OTHER_CODE;
	if (strcmp(s, "locked") == 0)
		return R_LOCKED;
	return R_OTHER;
}

/* The account's unit and region follow its latest event that names them. */
static void
note_unit(struct gpc_report *r, uint32_t ai, json_t *o)
{
	const char *unit = str_of(o, "unit"), *region = str_of(o, "region");
	uint32_t u;

	if (ai == NONE)
		return;
	if (unit != NULL && *unit != '\0' && (u = intern(r, unit)) != NONE)
		r->acct[ai].unit = u;
	if (region != NULL && *region != '\0' && (u = intern(r, region)) != NONE)
		r->acct[ai].region = u;
}

/*
 * One parsed line into zero or one event.  Returns 1 if kept, 0 if of no
 * interest, -1 on allocation failure.
 */
static int
take(struct gpc_report *r, json_t *o)
{
	const char *event = str_of(o, "event"), *uid = str_of(o, "uid");
	struct ev e;
	int64_t ms;
	char key[600];

	if (event == NULL || parse_ts(str_of(o, "ts"), &ms) != 0)
		return 0;
	memset(&e, 0, sizeof(e));
	e.ms = ms;
	e.acct = NONE;
	if (strcmp(event, "login") == 0) {
		e.type = E_LOGIN;
		e.ok = eq(str_of(o, "outcome"), "success");
		e.reason = (uint8_t)reason_of(str_of(o, "reason"));
	} else if (strcmp(event, "session_open") == 0)
		e.type = E_OPEN;
	else if (strcmp(event, "session_close") == 0)
		e.type = E_CLOSE;
	else if (strcmp(event, "lockout") == 0)
		e.type = E_LOCKOUT;
	else if (strcmp(event, "document") == 0 || strcmp(event, "deadline") == 0) {
		const char *action = str_of(o, "action"), *kind = str_of(o, "application_kind");

		if (!eq(str_of(o, "outcome"), "applied") || action == NULL)
			return 0;
		if (strcmp(action, "approve") == 0 && eq(kind, "handover"))
			e.type = E_HANDOVER;
		else if (strcmp(action, "approve") == 0 && eq(kind, "register"))
			e.type = E_ACTIVATED;
		else if (strcmp(action, "suspend") == 0)
			e.type = E_SUSPENDED;
		else if (strcmp(action, "reinstate") == 0)
			e.type = E_REINSTATED;
		else if (strcmp(action, "terminate") == 0)
			e.type = E_TERMINATED;
		else
			return 0;
		if (uid == NULL && str_of(o, "unit") == NULL)
			return 0;
	} else
		return 0;
	if (uid != NULL && *uid != '\0') {
		if ((e.acct = account(r, uid)) == NONE)
			return -1;
		note_unit(r, e.acct, o);
	} else if (e.type == E_LOGIN) {
		/* an unknown name: counted, never an account */
		e.reason = R_OTHER;
	} else if (e.type < E_HANDOVER)
		return 0;
	if ((e.unit = intern(r, str_of(o, "unit"))) == NONE)
		return -1;
	if (e.type == E_LOGIN || e.type == E_OPEN || e.type == E_CLOSE) {
		const char *rhost = str_of(o, "rhost"), *host = str_of(o, "host");

		/* a console session is a place too: "local@host" */
		if (rhost != NULL && *rhost != '\0')
			snprintf(key, sizeof(key), "%.255s", rhost);
		else
			snprintf(key, sizeof(key), "local@%.255s", host != NULL ? host : "?");
		if ((e.rhost = intern(r, key)) == NONE)
			return -1;
		snprintf(key, sizeof(key), "%.255s|%.64s|%.64s", host != NULL ? host : "",
		    str_of(o, "service") != NULL ? str_of(o, "service") : "",
		    str_of(o, "tty") != NULL ? str_of(o, "tty") : "");
		if ((e.place = intern(r, key)) == NONE || (e.sid = intern(r, str_of(o, "sid"))) ==
		    NONE)
			return -1;
	}
	e.seq = r->seq++;
	if (grow((void **)&r->ev, &r->capev, r->nev, sizeof(*r->ev)) != 0)
		return -1;
	r->ev[r->nev++] = e;
	return 1;
}

int
gpc_report_read(struct gpc_report *r, const char *path, gpc_report_progress_fn progress,
    void *ctx)
{
	struct gpc_audit_chain ch;
	struct stat st;
	char *line = NULL;
	size_t cap = 0, events = 0, skipped = 0;
	ssize_t len;
	uint64_t done = 0, total;
	FILE *f;
	json_t *info;
	int rc = GPC_OK, term, k;

	if ((f = fopen(path, "re")) == NULL)
		return GPC_ERR_IO;
	total = fstat(fileno(f), &st) == 0 ? (uint64_t)st.st_size : 0;
	gpc_audit_chain_init(&ch);
	while ((len = getline(&line, &cap, f)) >= 0) {
		json_t *o = NULL;

		done += (uint64_t)len;
		term = len > 0 && line[len - 1] == '\n';
		if (term)
			line[--len] = '\0';
		(void)gpc_audit_chain_line(&ch, line, (size_t)len, term, &o);
		if (o == NULL)
			skipped++;
		else if ((k = take(r, o)) < 0)
			rc = GPC_ERR_NOMEM;
		else
			events += (size_t)k;
		json_decref(o);
		if (rc != GPC_OK)
			break;
		if (progress != NULL && (ch.lines & 4095) == 0)
			progress(ctx, path, done, total);
	}
	if (rc == GPC_OK && ferror(f))
		rc = GPC_ERR_IO;
	free(line);
	fclose(f);
	if (progress != NULL)
		progress(ctx, path, total, total);
	if (rc != GPC_OK)
		return rc;
	info = json_pack("{s:s, s:I, s:I, s:I, s:s}", "file", path, "lines",
	    (json_int_t)ch.lines, "events", (json_int_t)events, "skipped", (json_int_t)skipped,
	    "chain", ch.bad == 0 ? "intact" : "broken");
	if (info == NULL)
		return GPC_ERR_NOMEM;
	if (ch.bad != 0) {
		json_object_set_new(info, "bad_line", json_integer((json_int_t)ch.bad));
		json_object_set_new(info, "why", json_string(ch.why));
	}
	json_array_append_new(r->files, info);
	return GPC_OK;
}

int
gpc_report_add_account(struct gpc_report *r, const char *uid, const char *unit,
    const char *region, time_t last_login, time_t since)
{
	uint32_t ai;
	struct acct *a;

	if (uid == NULL || *uid == '\0')
		return GPC_ERR_INVAL;
	if ((ai = account(r, uid)) == NONE)
		return GPC_ERR_NOMEM;
	a = &r->acct[ai];
	if (unit != NULL && *unit != '\0' && (a->unit = intern(r, unit)) == NONE)
		return GPC_ERR_NOMEM;
	if (region != NULL && *region != '\0' && (a->region = intern(r, region)) == NONE)
		return GPC_ERR_NOMEM;
	a->dir_last = last_login > 0 ? (int64_t)last_login * 1000 : -1;
	a->dir_since = since > 0 ? (int64_t)since * 1000 : -1;
	return GPC_OK;
}

/* ---- analysis ------------------------------------------------------------------------- */

static int
cmp_ev(const void *x, const void *y)
{
	const struct ev *a = x, *b = y;

	if (a->ms != b->ms)
		return a->ms < b->ms ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static int
add_host(struct acct *a, uint32_t h)
{
	uint32_t *nv;
	size_t i;

	for (i = 0; i < a->nhosts; i++)
		if (a->hosts[i] == h)
			return 0;
	if ((nv = realloc(a->hosts, (a->nhosts + 1) * sizeof(*nv))) == NULL)
		return -1;
	a->hosts = nv;
	a->hosts[a->nhosts++] = h;
	return 0;
}

static int
failed_code(struct gpc_report *r, struct acct *a, int64_t t)
{
	int64_t *nv, span = (int64_t)r->p.burst_minutes * 60000;
	size_t window;

	if ((nv = realloc(a->fails, (a->nfails + 1) * sizeof(*nv))) == NULL)
		return -1;
	a->fails = nv;
	a->fails[a->nfails++] = t;
	while (a->fails[a->fails_head] < t - span)
		a->fails_head++;
	window = a->nfails - a->fails_head;
	if (window >= (size_t)r->p.burst_failures) {
		if (a->burst_at < 0)
			a->burst_at = t;
		if (window > a->burst_max)
			a->burst_max = window;
	}
	return 0;
}

static int
session_open(struct acct *a, const struct ev *e)
{
	struct session *nv;

	if ((nv = realloc(a->sessions, (a->nsessions + 1) * sizeof(*nv))) == NULL)
		return -1;
	a->sessions = nv;
	a->sessions[a->nsessions++] = (struct session){ e->ms, -1, e->rhost, e->sid, e->place };
	return 0;
}

static void
session_close(struct acct *a, const struct ev *e)
{
	size_t i;

	/* by session id; else the latest open one at the same host, service, tty */
	for (i = a->nsessions; i-- > 0;)
		if (a->sessions[i].end < 0 && e->sid != 0 && a->sessions[i].sid == e->sid) {
			a->sessions[i].end = e->ms;
			return;
		}
	for (i = a->nsessions; i-- > 0;)
		if (a->sessions[i].end < 0 && a->sessions[i].place == e->place) {
			a->sessions[i].end = e->ms;
			return;
		}
}

static int
cmp_session(const void *x, const void *y)
{
	const struct session *a = x, *b = y;

	return a->start < b->start ? -1 : a->start > b->start;
}

static void
find_shared(struct acct *a, int64_t since, int64_t until)
{
	size_t i, j;

	a->shared_at = -1;
	for (i = 0; i < a->nsessions; i++)
		if (a->sessions[i].end < 0 || a->sessions[i].end > until)
			a->sessions[i].end = a->sessions[i].start + OPEN_SESSION_MAX_MS < until ?
			    a->sessions[i].start + OPEN_SESSION_MAX_MS : until;
	if (a->nsessions > 1)
		qsort(a->sessions, a->nsessions, sizeof(*a->sessions), cmp_session);
	for (i = 0; i < a->nsessions; i++) {
		const struct session *s = &a->sessions[i];

		for (j = i + 1; j < a->nsessions && a->sessions[j].start < s->end; j++) {
			const struct session *t = &a->sessions[j];
			int64_t from = t->start, to = t->end < s->end ? t->end : s->end;

			if (t->rhost == s->rhost || from >= to || to <= since)
				continue;
			if (a->shared_at < 0 || from < a->shared_at) {
				a->shared_at = from > since ? from : since;
				a->shared_a = s->rhost;
				a->shared_b = t->rhost;
			}
		}
	}
}

static int
unit_state(struct gpc_report *r, uint32_t unit)
{
	json_t *v = unit != 0 ? json_object_get(r->unit_state, r->str[unit]) : NULL;

	return v != NULL ? (int)json_integer_value(v) : S_ACTIVE;
}

static void
set_state(struct gpc_report *r, const struct ev *e, int s)
{
	if (e->acct != NONE)
		r->acct[e->acct].state = s;
	else if (e->unit != 0)
		json_object_set_new(r->unit_state, r->str[e->unit], json_integer(s));
}

static void
rfc3339(int64_t ms, char out[21])
{
	time_t t = (time_t)(ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000));

	gpc_time_rfc3339(t, out);
}

static json_t *
time_or_null(int64_t ms)
{
	char t[21];

	if (ms < 0)
		return json_null();
	rfc3339(ms, t);
	return json_string(t);
}

static int
cmp_str(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

static json_t *
account_json(struct gpc_report *r, struct acct *a, int64_t until)
{
	json_t *o, *hosts = json_array(), *flags = json_array(), *ev = json_object();
	const char **hs = NULL;
	size_t i;
	char t[21];

	if (hosts == NULL || flags == NULL || ev == NULL)
		goto fail;
	if (a->nhosts > 0 && (hs = calloc(a->nhosts, sizeof(*hs))) == NULL)
		goto fail;
	for (i = 0; i < a->nhosts; i++)
		hs[i] = r->str[a->hosts[i]];
	if (a->nhosts > 1)
		qsort(hs, a->nhosts, sizeof(*hs), cmp_str);
	for (i = 0; i < a->nhosts; i++)
		json_array_append_new(hosts, json_string(hs[i]));
	free(hs);
	if (a->shared_at >= 0) {
		const char *x = r->str[a->shared_a], *y = r->str[a->shared_b];

		json_array_append_new(flags, json_string("shared"));
		rfc3339(a->shared_at, t);
		json_object_set_new(ev, "shared", json_pack("{s:s, s:[s, s]}", "at", t, "rhosts",
		    strcmp(x, y) < 0 ? x : y, strcmp(x, y) < 0 ? y : x));
	}
	if (a->burst_at >= 0) {
		json_array_append_new(flags, json_string("burst"));
		rfc3339(a->burst_at, t);
		json_object_set_new(ev, "burst", json_pack("{s:s, s:I, s:i}", "at", t, "failures",
		    (json_int_t)a->burst_max, "minutes", r->p.burst_minutes));
	}
	if (a->ah_count > 0) {
		char h[21];

		json_array_append_new(flags, json_string("after_handover"));
		rfc3339(a->ah_handover, h);
		rfc3339(a->ah_first, t);
		json_object_set_new(ev, "after_handover", json_pack("{s:s, s:I, s:s}", "handover",
		    h, "failures", (json_int_t)a->ah_count, "first", t));
	}
	if (a->listed == 2) {
		int64_t ref = a->last_use >= 0 ? a->last_use : a->activated >= 0 ? a->activated :
		    a->first_seen;

		json_array_append_new(flags, json_string("dormant"));
		rfc3339(ref, t);
		json_object_set_new(ev, "dormant", json_pack("{s:I, s:s}", "days",
		    (json_int_t)((until - ref) / DAY_MS), "since", t));
	}
	if (a->locked_at >= 0) {
		json_array_append_new(flags, json_string("locked"));
		rfc3339(a->locked_at, t);
		json_object_set_new(ev, "locked", json_pack("{s:s}", "at", t));
	}
	o = json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:o, s:I, s:o, s:o, s:o}",
	    "uid", r->str[a->uid], "unit", r->str[a->unit], "region", r->str[a->region],
	    "logins", (json_int_t)a->logins, "failures", (json_int_t)a->failures,
	    "failed_codes", (json_int_t)a->failed_codes, "hosts", hosts, "host_count",
	    (json_int_t)a->nhosts, "last_use", time_or_null(a->last_use), "flags", flags,
	    "evidence", ev);
	return o;
fail:
	json_decref(hosts);
	json_decref(flags);
	json_decref(ev);
	return NULL;
}

static int
cmp_acct_json(const void *x, const void *y)
{
	json_t *a = *(json_t *const *)x, *b = *(json_t *const *)y;
	int c = strcmp(str_of(a, "unit"), str_of(b, "unit"));

	return c != 0 ? c : strcmp(str_of(a, "uid"), str_of(b, "uid"));
}

int
gpc_report_result(struct gpc_report *r, json_t **out)
{
	int64_t since, until, first = -1, last = -1, hw = (int64_t)r->p.handover_days * DAY_MS;
	json_t *model = NULL, *accounts = NULL, *units = NULL, **list = NULL;
	size_t i, n = 0, flagged = 0, events = 0;
	int rc = GPC_ERR_NOMEM;

	*out = NULL;
	if (r->nev > 1)
		qsort(r->ev, r->nev, sizeof(*r->ev), cmp_ev);
	if (r->nev > 0) {
		first = r->ev[0].ms;
		last = r->ev[r->nev - 1].ms;
	}
	since = r->p.since != 0 ? (int64_t)r->p.since * 1000 : INT64_MIN;
	/* the period ends with the second of its last event, as --until ends with its second:
	 * sessions still open then overlap even if one opened in that second */
	until = r->p.until != 0 ? (int64_t)r->p.until * 1000 + 999 :
	    last >= 0 ? last - last % 1000 + 999 : 0;
	for (i = 0; i < r->nacct; i++) {
		struct acct *a = &r->acct[i];

		a->last_use = a->activated = a->first_seen = a->handover = -1;
		a->locked_at = a->burst_at = a->ah_first = a->shared_at = -1;
	}
	for (i = 0; i < r->nev && r->ev[i].ms <= until; i++) {
		const struct ev *e = &r->ev[i];
		struct acct *a = e->acct != NONE ? &r->acct[e->acct] : NULL;
		int in = e->ms >= since;

		if (a != NULL && a->first_seen < 0)
			a->first_seen = e->ms;
		events += in;
		switch (e->type) {
		case E_LOGIN:
			if (a == NULL) {
				r->unknown += in && !e->ok;
				break;
			}
			if (e->ok) {
				a->last_use = e->ms;
				if (in) {
					a->logins++;
					a->listed = 1;
					if (add_host(a, e->rhost) != 0)
						goto out;
				}
				break;
			}
			if (!in)
				break;
			a->listed = 1;
			a->failures++;
			if (e->reason == R_WRONG_CODE || e->reason == R_OTHER_CODE) {
				a->failed_codes++;
				if (failed_code(r, a, e->ms) != 0)
					goto out;
			}
			if (e->reason == R_LOCKED && a->locked_at < 0)
				a->locked_at = e->ms;
			if ((e->reason == R_WRONG_PASSWORD || e->reason == R_WRONG_CODE) &&
			    a->handover >= 0 && e->ms - a->handover <= hw) {
				if (a->ah_count++ == 0 || a->ah_handover != a->handover)
					a->ah_first = e->ms;
				a->ah_handover = a->handover;
			}
			break;
		case E_OPEN:
			if (a == NULL)
				break;
			a->last_use = e->ms;
			if (session_open(a, e) != 0)
				goto out;
			if (in) {
				a->listed = 1;
				if (add_host(a, e->rhost) != 0)
					goto out;
			}
			break;
		case E_CLOSE:
			if (a != NULL)
				session_close(a, e);
			break;
		case E_LOCKOUT:
			if (a != NULL && in) {
				a->listed = 1;
				if (a->locked_at < 0)
					a->locked_at = e->ms;
			}
			break;
		case E_HANDOVER:
			if (a != NULL)
				a->handover = e->ms;
			break;
		case E_ACTIVATED:
			if (a != NULL) {
				a->activated = e->ms;
				a->state = S_ACTIVE;
			}
			break;
		case E_SUSPENDED:
			set_state(r, e, S_SUSPENDED);
			break;
		case E_REINSTATED:
			set_state(r, e, S_ACTIVE);
			break;
		case E_TERMINATED:
			set_state(r, e, S_TERMINATED);
			break;
		}
	}
	if ((accounts = json_array()) == NULL || (units = json_object()) == NULL ||
	    (list = calloc(r->nacct + 1, sizeof(*list))) == NULL)
		goto out;
	for (i = 0; i < r->nacct; i++) {
		struct acct *a = &r->acct[i];
		int64_t ref;

		if (r->p.unit != NULL && strcmp(r->str[a->unit], r->p.unit) != 0)
			continue;
		if (a->dir_last > a->last_use)
			a->last_use = a->dir_last;
		if (a->activated < 0)
			a->activated = a->dir_since;
		if (a->first_seen < 0)
			a->first_seen = first;
		find_shared(a, since, until);
		ref = a->last_use >= 0 ? a->last_use : a->activated >= 0 ? a->activated :
		    a->first_seen;
		if (a->state == S_ACTIVE && unit_state(r, a->unit) == S_ACTIVE && ref >= 0 &&
		    until - ref >= (int64_t)r->p.dormant_days * DAY_MS)
			a->listed = 2;
		if (!a->listed)
			continue;
		if ((list[n] = account_json(r, a, until)) == NULL)
			goto out;
		flagged += json_array_size(json_object_get(list[n], "flags")) > 0;
		n++;
	}
	if (n > 1)
		qsort(list, n, sizeof(*list), cmp_acct_json);
	for (i = 0; i < n; i++) {
		const char *u = str_of(list[i], "unit");
		json_t *uo = json_object_get(units, u);

		if (uo == NULL) {
			uo = json_pack("{s:s, s:s, s:i, s:i}", "unit", u, "region",
			    str_of(list[i], "region"), "accounts", 0, "flagged", 0);
			json_object_set_new(units, u, uo);
		}
		json_object_set_new(uo, "accounts", json_integer(json_integer_value(
		    json_object_get(uo, "accounts")) + 1));
		if (json_array_size(json_object_get(list[i], "flags")) > 0)
			json_object_set_new(uo, "flagged", json_integer(json_integer_value(
			    json_object_get(uo, "flagged")) + 1));
		json_array_append_new(accounts, list[i]);
		list[i] = NULL;
	}
	{
		json_t *uarr = json_array(), *v;
		const char *k;

		/* jansson iterates in insertion order: accounts were sorted by unit */
		json_object_foreach(units, k, v)
			json_array_append(uarr, v);
		model = json_pack("{s:s, s:{s:o, s:o}, s:{s:i, s:i, s:i, s:i, s:s?}, s:O, s:o, "
		    "s:o, s:{s:I, s:I, s:I, s:I}}", "type", "gpcgate.report/1", "period", "since",
		    r->p.since != 0 ? time_or_null(since) : json_null(), "until",
		    time_or_null(r->nev > 0 || r->p.until != 0 ? until : -1), "params",
		    "burst_failures", r->p.burst_failures, "burst_minutes", r->p.burst_minutes,
		    "dormant_days", r->p.dormant_days, "handover_days", r->p.handover_days, "unit",
		    r->p.unit, "files", r->files, "accounts", accounts, "units", uarr, "summary",
		    "accounts", (json_int_t)n, "flagged", (json_int_t)flagged, "events",
		    (json_int_t)events, "unknown_name_failures", (json_int_t)r->unknown);
		accounts = NULL; /* transferred (s:o), even on failure */
	}
	if (model == NULL)
		goto out;
	if (json_object_get(json_object_get(model, "params"), "unit") == NULL)
		json_object_set_new(json_object_get(model, "params"), "unit", json_null());
	*out = model;
	rc = GPC_OK;
out:
	for (i = 0; list != NULL && i < r->nacct + 1; i++)
		json_decref(list[i]);
	free(list);
	json_decref(accounts);
	json_decref(units);
	return rc;
}

/* ---- rendering ------------------------------------------------------------------------ */

struct buf {
	char *s;
	size_t len, cap;
	int err;
};

static void
put(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
put(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->err)
		return;
	va_start(ap, fmt);
	n = vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->err = 1;
		return;
	}
	if ((size_t)n >= b->cap - b->len) {
		size_t cap = b->cap * 2 > b->len + (size_t)n + 1 ? b->cap * 2 :
		    b->len + (size_t)n + 1;
		char *ns = realloc(b->s, cap);

		if (ns == NULL) {
			b->err = 1;
			return;
		}
		b->s = ns;
		b->cap = cap;
		va_start(ap, fmt);
		n = vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
		if (n < 0 || (size_t)n >= b->cap - b->len) {
			b->err = 1;
			return;
		}
	}
	b->len += (size_t)n;
}

static const char *
dash(const char *s)
{
	return s != NULL && *s != '\0' ? s : "-";
}

/* The flags joined by sep into out (len bytes), "-" if none. */
static void
flags_text(json_t *acc, const char *sep, char *out, size_t len)
{
	json_t *v;
	size_t i, used = 0;

	out[0] = '\0';
	json_array_foreach(json_object_get(acc, "flags"), i, v)
		used += (size_t)snprintf(out + used, used < len ? len - used : 0, "%s%s",
		    i > 0 ? sep : "", json_string_value(v));
	if (out[0] == '\0')
		snprintf(out, len, "-");
}

static void
evidence_text(struct buf *b, json_t *acc)
{
	json_t *ev = json_object_get(acc, "evidence"), *v, *x;
	const char *uid = str_of(acc, "uid");
	size_t i;

	json_array_foreach(json_object_get(acc, "flags"), i, v) {
		const char *f = json_string_value(v);

		x = json_object_get(ev, f);
		if (strcmp(f, "shared") == 0)
			put(b, "  %s  shared: sessions from %s and %s at once, %s\n", uid,
			    json_string_value(json_array_get(json_object_get(x, "rhosts"), 0)),
			    json_string_value(json_array_get(json_object_get(x, "rhosts"), 1)),
			    str_of(x, "at"));
		else if (strcmp(f, "burst") == 0)
			put(b, "  %s  burst: %lld failed codes within %lld minutes, %s\n", uid,
			    (long long)json_integer_value(json_object_get(x, "failures")),
			    (long long)json_integer_value(json_object_get(x, "minutes")),
			    str_of(x, "at"));
		else if (strcmp(f, "after_handover") == 0)
			put(b, "  %s  after_handover: %lld failed attempts after the handover of "
			    "%s, first %s\n", uid,
			    (long long)json_integer_value(json_object_get(x, "failures")),
			    str_of(x, "handover"), str_of(x, "first"));
		else if (strcmp(f, "dormant") == 0)
			put(b, "  %s  dormant: not used for %lld days, since %s\n", uid,
			    (long long)json_integer_value(json_object_get(x, "days")),
			    str_of(x, "since"));
		else if (strcmp(f, "locked") == 0)
			put(b, "  %s  locked: %s\n", uid, str_of(x, "at"));
	}
}

static void
table(struct buf *b, json_t *m)
{
	static const char *const head[] = { "UNIT", "UID", "LOGINS", "FAILURES",
		"FAILED_CODES", "HOSTS", "LAST_USE", "FLAGS" };
	json_t *accs = json_object_get(m, "accounts"), *acc, *file;
	size_t w[8], i, c, nflag = 0;
	char cell[8][256];

	for (c = 0; c < 8; c++)
		w[c] = strlen(head[c]);
	for (int pass = 0; pass < 2; pass++) {
		if (pass == 1) {
			for (c = 0; c < 8; c++)
				put(b, c < 2 || c >= 6 ? "%-*s%s" : "%*s%s", c == 7 ? 0 : (int)w[c],
				    head[c], c == 7 ? "\n" : "  ");
		}
		json_array_foreach(accs, i, acc) {
			snprintf(cell[0], sizeof(cell[0]), "%s", dash(str_of(acc, "unit")));
			snprintf(cell[1], sizeof(cell[1]), "%s", str_of(acc, "uid"));
			snprintf(cell[2], sizeof(cell[2]), "%lld",
			    (long long)json_integer_value(json_object_get(acc, "logins")));
			snprintf(cell[3], sizeof(cell[3]), "%lld",
			    (long long)json_integer_value(json_object_get(acc, "failures")));
			snprintf(cell[4], sizeof(cell[4]), "%lld",
			    (long long)json_integer_value(json_object_get(acc, "failed_codes")));
			snprintf(cell[5], sizeof(cell[5]), "%lld",
			    (long long)json_integer_value(json_object_get(acc, "host_count")));
			snprintf(cell[6], sizeof(cell[6]), "%s", dash(str_of(acc, "last_use")));
			flags_text(acc, ",", cell[7], sizeof(cell[7]));
			for (c = 0; c < 8; c++) {
				if (pass == 0 && strlen(cell[c]) > w[c])
					w[c] = strlen(cell[c]);
				if (pass == 1)
					put(b, c < 2 || c >= 6 ? "%-*s%s" : "%*s%s",
					    c == 7 ? 0 : (int)w[c], cell[c], c == 7 ? "\n" : "  ");
			}
			if (pass == 1 && strcmp(cell[7], "-") != 0)
				nflag++;
		}
	}
	put(b, "\n%lld accounts, %zu flagged, period %s .. %s, %zu files, %lld events\n",
	    (long long)json_integer_value(json_object_get(json_object_get(m, "summary"),
	    "accounts")), nflag, dash(str_of(json_object_get(m, "period"), "since")),
	    dash(str_of(json_object_get(m, "period"), "until")),
	    json_array_size(json_object_get(m, "files")),
	    (long long)json_integer_value(json_object_get(json_object_get(m, "summary"),
	    "events")));
	json_array_foreach(accs, i, acc)
		evidence_text(b, acc);
	json_array_foreach(json_object_get(m, "files"), i, file)
		if (eq(str_of(file, "chain"), "broken"))
			put(b, "  warning: %s: %s\n", str_of(file, "file"), str_of(file, "why"));
}

static void
csv_field(struct buf *b, const char *s, int last)
{
	if (strpbrk(s, ",\"\r\n") != NULL) {
		put(b, "\"");
		for (; *s != '\0'; s++)
			put(b, *s == '"' ? "\"\"" : "%c", *s);
		put(b, "\"");
	} else
		put(b, "%s", s);
	put(b, last ? "\n" : ",");
}

static void
csv(struct buf *b, json_t *m)
{
	json_t *acc;
	size_t i;
	char n[32], flags[256];

	put(b, "unit,uid,region,logins,failures,failed_codes,hosts,last_use,flags\n");
	json_array_foreach(json_object_get(m, "accounts"), i, acc) {
		csv_field(b, str_of(acc, "unit"), 0);
		csv_field(b, str_of(acc, "uid"), 0);
		csv_field(b, str_of(acc, "region"), 0);
		snprintf(n, sizeof(n), "%lld", (long long)json_integer_value(json_object_get(acc,
		    "logins")));
		csv_field(b, n, 0);
		snprintf(n, sizeof(n), "%lld", (long long)json_integer_value(json_object_get(acc,
		    "failures")));
		csv_field(b, n, 0);
		snprintf(n, sizeof(n), "%lld", (long long)json_integer_value(json_object_get(acc,
		    "failed_codes")));
		csv_field(b, n, 0);
		snprintf(n, sizeof(n), "%lld", (long long)json_integer_value(json_object_get(acc,
		    "host_count")));
		csv_field(b, n, 0);
		csv_field(b, str_of(acc, "last_use") != NULL ? str_of(acc, "last_use") : "", 0);
		flags_text(acc, ";", flags, sizeof(flags));
		csv_field(b, strcmp(flags, "-") == 0 ? "" : flags, 1);
	}
}

int
gpc_report_format(json_t *model, enum gpc_report_format f, char **out)
{
	struct buf b = { NULL, 0, 0, 0 };

	*out = NULL;
	if (model == NULL || !json_is_object(model))
		return GPC_ERR_INVAL;
	if (f == GPC_REPORT_JSON) {
		char *s = json_dumps(model, JSON_INDENT(2) | JSON_SORT_KEYS);

		if (s == NULL)
			return GPC_ERR_NOMEM;
		if (gpc_asprintf(out, "%s\n", s) < 0) {
			free(s);
			return GPC_ERR_NOMEM;
		}
		free(s);
		return GPC_OK;
	}
	if ((b.s = malloc(4096)) == NULL)
		return GPC_ERR_NOMEM;
	b.cap = 4096;
	b.s[0] = '\0';
	if (f == GPC_REPORT_CSV)
		csv(&b, model);
	else
		table(&b, model);
	if (b.err) {
		free(b.s);
		return GPC_ERR_NOMEM;
	}
	*out = b.s;
	return GPC_OK;
}
