/*
 * gpcgatectl: report — per-account use and anomaly flags from audit files
 * (lib/report.h), optionally with the directory's active accounts, and
 * anomaly notices to the bureaus.
 *
 *   gpcgatectl report [--unit CODE] [--since DATE] [--until DATE]
 *       [--format table|json|csv] [--notify] [--directory]
 *       [--burst N/M] [--dormant-days D] [--handover-days H] AUDIT_FILE...
 *
 * DATE is YYYY-MM-DD (--since: its 00:00, --until: its 24:00, in the time
 * zone of provisioner.time_zone when a configuration is read, else TZ) or
 * an RFC 3339 date-time.  Without --until the period ends at the last
 * event in the files, so a report on the same files reads the same
 * tomorrow.  The configuration is read only when needed: -f given,
 * --notify (the outbox and the bureaus) or --directory.  Exit 0 when the
 * report was made, whatever it found.
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"
#include "dir.h"
#include "engine.h"
#include "err.h"
#include "report.h"
#include "spool.h"
#include "util.h"
#include "walk.h"

/* Reading this much or more from a terminal shows progress. */
#define PROGRESS_MIN_BYTES (1024 * 1024)

struct progress {
	uint64_t total, before; /* all files; bytes of the files already read */
	struct timespec last;
	int on;
};

static void
show_progress(void *ctx, const char *path, uint64_t done, uint64_t size)
{
	struct progress *p = ctx;
	struct timespec now;
	uint64_t all = p->before + done;

	if (!p->on)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (done < size && (now.tv_sec - p->last.tv_sec) * 1000 +
	    (now.tv_nsec - p->last.tv_nsec) / 1000000 < 100)
		return;
	p->last = now;
	fprintf(stderr, "\r\033[K" PROG ": reading %.60s  %3u%%", path,
	    (unsigned)(p->total > 0 ? all * 100 / p->total : 100));
	fflush(stderr);
}

/* YYYY-MM-DD (start or end of that local day) or RFC 3339. */
static int
parse_when(const char *s, int end_of_day, time_t *out)
{
	struct tm tm;
	int y, m, d;

	if (gpc_date_parse(s, &y, &m, &d) == GPC_OK) {
		memset(&tm, 0, sizeof(tm));
		tm.tm_year = y - 1900;
		tm.tm_mon = m - 1;
		tm.tm_mday = d + (end_of_day ? 1 : 0);
		tm.tm_isdst = -1;
		if ((*out = mktime(&tm)) == (time_t)-1)
			return -1;
		if (end_of_day)
			(*out)--;
		return 0;
	}
	return gpc_time_parse_rfc3339(s, out) == GPC_OK ? 0 : -1;
}

/* Accounts of the directory, so that those never in the files can be dormant. */
struct dirctx {
	struct gpc_report *rep;
	json_t *units; /* unit code -> {region, active} */
	const char *only;
	size_t added;
	int err;
};

static int
unit_entry(void *ctx, struct gpc_dir *d, LDAPMessage *en, const char *dn)
{
	struct dirctx *x = ctx;
	char *code = gpc_dir_get(d, en, "gpcUnitCode"), *region = gpc_dir_get(d, en, "gpcRegion");
	char *state = gpc_dir_get(d, en, "gpcState");

	(void)dn;
	if (code != NULL)
		json_object_set_new(x->units, code, json_pack("{s:s?, s:b}", "region", region,
		    "active", state != NULL && strcmp(state, "active") == 0));
	free(code);
	free(region);
	free(state);
	return GPC_OK;
}

static int
account_entry(void *ctx, struct gpc_dir *d, LDAPMessage *en, const char *dn)
{
	struct dirctx *x = ctx;
	char *uid = gpc_dir_get(d, en, "uid"), *unit = gpc_dir_get(d, en, "gpcUnitCode");
	json_t *u = unit != NULL ? json_object_get(x->units, unit) : NULL;
	int r = GPC_OK;

	(void)dn;
	/* an account of a unit that is not active cannot be used: not dormant */
	if (uid != NULL && unit != NULL && json_is_true(json_object_get(u, "active")) &&
	    (x->only == NULL || strcmp(x->only, unit) == 0)) {
		r = gpc_report_add_account(x->rep, uid, unit, json_string_value(json_object_get(u,
		    "region")), gpc_dir_get_time(d, en, "gpcLastLogin"),
		    gpc_dir_get_time(d, en, "gpcHolderSince"));
		x->added += r == GPC_OK;
	}
	free(uid);
	free(unit);
	return r;
}

static int
add_directory(struct ctl *c, struct gpc_report *rep, const char *only)
{
	static char *uattrs[] = { "gpcUnitCode", "gpcRegion", "gpcState", NULL };
	static char *aattrs[] = { "uid", "gpcUnitCode", "gpcLastLogin", "gpcHolderSince", NULL };
	struct dirctx x = { rep, json_object(), only, 0, 0 };
	struct gpc_dir *d;
	char *base = NULL;
	int r;

	if ((r = need_engine(c)) != GPC_OK)
		goto out;
	d = gpc_engine_dir(c->engine);
	if (gpc_asprintf(&base, "ou=units,%s", gpc_dir_base(d)) < 0) {
		r = GPC_ERR_NOMEM;
		goto out;
	}
	if ((r = gpc_dir_walk(d, base, "(objectClass=gpcUnit)", uattrs, 0, unit_entry, &x, NULL,
	    &c->lg)) != GPC_OK)
		goto out;
	r = gpc_dir_walk(d, base, "(&(objectClass=gpcAccount)(gpcState=active))", aattrs, 0,
	    account_entry, &x, NULL, &c->lg);
out:
	if (r != GPC_OK)
		fprintf(stderr, PROG ": reading the directory's accounts: %s\n", gpc_strerror(r));
	free(base);
	json_decref(x.units);
	return r;
}

/*
 * One anomaly notice per unit with a flagged account, to the bureau of the
 * unit's region: the region its events or the directory named, else the
 * administrative division code inside its unified social credit code
 * (characters 3-8, GB 32100-2015).  Named anomaly.<unit>.<until>, so a
 * second run over the same period replaces its notices.
 */
static int
notify(struct ctl *c, json_t *model, size_t *sent)
{
	json_t *acc, *units = json_object(), *names = json_array(), *v;
	const char *unit, *until = json_string_value(json_object_get(json_object_get(model,
	    "period"), "until"));
	char created[21], stamp[32];
	size_t i, k;
	int r = GPC_OK;

	*sent = 0;
	gpc_time_rfc3339(time(NULL), created);
	snprintf(stamp, sizeof(stamp), "%s", until != NULL ? until : created);
	for (i = k = 0; stamp[i] != '\0'; i++)
		if (stamp[i] != '-' && stamp[i] != ':')
			stamp[k++] = stamp[i];
	stamp[k] = '\0';
	json_array_foreach(json_object_get(model, "accounts"), i, acc) {
		json_t *n;

		if (json_array_size(json_object_get(acc, "flags")) == 0)
			continue;
		unit = json_string_value(json_object_get(acc, "unit"));
		if ((n = json_object_get(units, unit)) == NULL) {
			n = json_pack("{s:s, s:s, s:s, s:s, s:O, s:[]}", "type", "gpcgate.notice/1",
			    "kind", "anomaly", "created_at", created, "unit", unit, "period",
			    json_object_get(model, "period"), "accounts");
			json_object_set_new(units, unit, n);
		}
		if (json_object_get(n, "region") == NULL &&
		    *json_string_value(json_object_get(acc, "region")) != '\0')
			json_object_set(n, "region", json_object_get(acc, "region"));
		json_array_append_new(json_object_get(n, "accounts"), json_pack("{s:O, s:O, s:O}",
		    "uid", json_object_get(acc, "uid"), "flags", json_object_get(acc, "flags"),
		    "evidence", json_object_get(acc, "evidence")));
	}
	if (json_object_size(units) > 0 &&
	    (r = gpc_spool_init(c->cfg->spool, c->cfg->outbox)) != GPC_OK)
		fprintf(stderr, PROG ": %s: cannot create the outbox\n", c->cfg->outbox);
	json_object_foreach(units, unit, v) {
		const struct gpc_bureau *b;
		char region[8] = "", name[128];

		if (r != GPC_OK)
			break;
		if (json_string_value(json_object_get(v, "region")) != NULL)
			snprintf(region, sizeof(region), "%s",
			    json_string_value(json_object_get(v, "region")));
		else if (strlen(unit) == 18) {
			snprintf(region, sizeof(region), "%.6s", unit + 2);
			json_object_set_new(v, "region", json_string(region));
		}
		if ((b = gpc_cfg_bureau_for(c->cfg, region)) != NULL)
			json_object_set_new(v, "to", json_pack("{s:s}", "bureau", b->issuer));
		else {
			fprintf(stderr, PROG ": warning: no bureau configured for region %s (unit "
			    "%s): the notice names the region only\n", region, unit);
			json_object_set_new(v, "to", json_pack("{s:s}", "region", region));
		}
		snprintf(name, sizeof(name), "anomaly.%.40s.%.24s", unit, stamp);
		if ((r = gpc_spool_write_notice(c->cfg->outbox, name, v)) != GPC_OK) {
			fprintf(stderr, PROG ": %s/%s.json: cannot write\n", c->cfg->outbox, name);
			break;
		}
		json_array_append_new(names, json_string(unit));
		(*sent)++;
	}
	(void)ctl_audit(c, "report_notify", r == GPC_OK ? "success" : "failure",
	    json_pack("{s:I, s:o}", "notices", (json_int_t)*sent, "units", names));
	json_decref(units);
	return r;
}

int
cmd_report(struct ctl *c, int argc, char **argv)
{
	static const struct option lo[] = { { "unit", required_argument, NULL, 'u' },
		{ "since", required_argument, NULL, 's' }, { "until", required_argument, NULL, 't' },
		{ "format", required_argument, NULL, 'F' }, { "notify", no_argument, NULL, 'n' },
		{ "directory", no_argument, NULL, 'd' }, { "burst", required_argument, NULL, 'b' },
		{ "dormant-days", required_argument, NULL, 'D' },
		{ "handover-days", required_argument, NULL, 'H' }, { NULL, 0, NULL, 0 } };
	struct gpc_report_params p;
	struct gpc_report *rep = NULL;
	struct progress prog;
	enum gpc_report_format fmt = c->json ? GPC_REPORT_JSON : GPC_REPORT_TABLE;
	const char *since = NULL, *until = NULL;
	json_t *model = NULL;
	char *text = NULL, *end;
	int ch, r, i, want_notify = 0, want_dir = 0, ex = EXIT_SOFTWARE;
	size_t sent = 0;
	long n1, n2;

	gpc_report_params_default(&p);
	optind = 1;
	while ((ch = getopt_long(argc, argv, "u:s:t:F:ndb:D:H:", lo, NULL)) != -1) {
		switch (ch) {
		case 'u':
			p.unit = optarg;
			break;
		case 's':
			since = optarg;
			break;
		case 't':
			until = optarg;
			break;
		case 'F':
			if (strcmp(optarg, "table") == 0)
				fmt = GPC_REPORT_TABLE;
			else if (strcmp(optarg, "json") == 0)
				fmt = GPC_REPORT_JSON;
			else if (strcmp(optarg, "csv") == 0)
				fmt = GPC_REPORT_CSV;
			else {
				fprintf(stderr, PROG ": --format is table, json or csv\n");
				return EXIT_USAGE;
			}
			break;
		case 'n':
			want_notify = 1;
			break;
		case 'd':
			want_dir = 1;
			break;
		case 'b':
			n1 = strtol(optarg, &end, 10);
			if (*end != '/' || n1 < 1 || n1 > 10000 ||
			    (n2 = strtol(end + 1, &end, 10)) < 1 || n2 > 100000 || *end != '\0') {
				fprintf(stderr, PROG ": --burst N/M: N failed codes in M minutes\n");
				return EXIT_USAGE;
			}
			p.burst_failures = (int)n1;
			p.burst_minutes = (int)n2;
			break;
		case 'D':
		case 'H':
			n1 = strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || n1 < 1 || n1 > 36500) {
				fprintf(stderr, PROG ": --%s wants a number of days\n",
				    ch == 'D' ? "dormant-days" : "handover-days");
				return EXIT_USAGE;
			}
			*(ch == 'D' ? &p.dormant_days : &p.handover_days) = (int)n1;
			break;
		default:
			return ctl_usage("report [--unit CODE] [--since DATE] [--until DATE] "
			    "[--format table|json|csv] [--notify] [--directory] [--burst N/M] "
			    "[--dormant-days D] [--handover-days H] AUDIT_FILE...");
		}
	}
	if (optind >= argc)
		return ctl_usage("report: name at least one audit file");
	/* The time zone of dates comes from the configuration when there is one. */
	if ((c->conf != NULL || want_notify || want_dir) && (r = need_config(c)) != GPC_OK)
		return cli_exit_code(r);
	if ((since != NULL && parse_when(since, 0, &p.since) != 0) ||
	    (until != NULL && parse_when(until, 1, &p.until) != 0)) {
		fprintf(stderr, PROG ": a date is YYYY-MM-DD or an RFC 3339 date-time\n");
		return EXIT_USAGE;
	}
	if ((r = gpc_report_new(&p, &rep)) != GPC_OK)
		return cli_exit_code(r);
	memset(&prog, 0, sizeof(prog));
	for (i = optind; i < argc; i++) {
		struct stat st;

		if (stat(argv[i], &st) == 0)
			prog.total += (uint64_t)st.st_size;
	}
	prog.on = isatty(STDERR_FILENO) && prog.total >= PROGRESS_MIN_BYTES;
	for (i = optind; i < argc; i++) {
		struct stat st;

		char buf[128];
		int saved;

		errno = 0;
		r = gpc_report_read(rep, argv[i], show_progress, &prog);
		saved = errno;
		if (r != GPC_OK) {
			if (prog.on)
				fputs("\r\033[K", stderr);
			fprintf(stderr, PROG ": %s: %s\n", argv[i], ctl_file_error(argv[i], r, saved,
			    buf, sizeof(buf)));
			ex = cli_exit_code(r);
			goto out;
		}
		if (stat(argv[i], &st) == 0)
			prog.before += (uint64_t)st.st_size;
	}
	if (prog.on)
		fputs("\r\033[K", stderr);
	if (want_dir && (r = add_directory(c, rep, p.unit)) != GPC_OK) {
		ex = cli_exit_code(r);
		goto out;
	}
	if ((r = gpc_report_result(rep, &model)) != GPC_OK ||
	    (r = gpc_report_format(model, fmt, &text)) != GPC_OK)
		goto out;
	fputs(text, stdout);
	fflush(stdout);
	if (want_notify) {
		if ((r = notify(c, model, &sent)) != GPC_OK) {
			ex = cli_exit_code(r);
			goto out;
		}
		fprintf(stderr, PROG ": %zu anomaly notice%s written to %s\n", sent,
		    sent == 1 ? "" : "s", c->cfg->outbox);
	}
	ex = EXIT_OK;
out:
	free(text);
	json_decref(model);
	gpc_report_free(rep);
	return ex;
}
