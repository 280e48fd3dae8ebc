/*
 * gpcgate — usage reports from audit files (`gpcgatectl report`).
 *
 * The notice asks units to check how their accounts are used and report
 * anomalies to the bureau; this reads the audit files of every host (the
 * events of audit.h), merges them by time and gives, per account: logins,
 * failures, failed codes, distinct remote hosts, last use, and flags:
 *
 *  shared          Two sessions of the account overlapped in time from two
 *                  different remote hosts (session_open/session_close; a
 *                  console session counts as "local@<host>").  A session
 *                  whose close is not in the files is taken to last until
 *                  the end of the period, at most 24 hours.
 *  burst           At least burst_failures failed codes within burst_minutes.
 *                  Failed codes are login failures with reason wrong_code,
 *                  code_replayed, malformed_code, wrong_recovery_code or
 *                  wrong_enroll_code.
 *  after_handover  Failed attempts (wrong_password, wrong_code) within
 *                  handover_days after a handover of the account took effect
 *                  (the provisioner's "document" event, audit.h).  A
 *                  heuristic: the log cannot tell the old holder's attempts
 *                  from the new holder's typing errors; it points a person
 *                  at the account, it proves nothing.
 *  dormant         No successful login or session for dormant_days before
 *                  the end of the period, counted from the last use, else
 *                  from the account's activation (a register approval in the
 *                  files, or the directory's holder-since), else from the
 *                  first event in the files.  Suspended and terminated
 *                  accounts are never dormant.
 *  locked          The account was locked out in the period (a "lockout"
 *                  event, or a login refused with reason "locked").
 *
 * Accounts listed: those with a login, session or lockout event in the
 * period, and the dormant ones.  Events are counted when since <= ts <=
 * until; last use and dormancy look at everything up to until.  Lines that
 * are not JSON are skipped and counted; each file's hash chain is checked
 * on the way (audit.h) and reported, a broken chain does not stop the
 * report.
 *
 * The model (gpc_report_result) is JSON, and is what `--format json`
 * prints (stable: fields may be added, none removed or changed):
 *
 *  { "type": "gpcgate.report/1",
 *    "period": { "since": RFC3339 | null, "until": RFC3339 },
 *    "params": { "burst_failures", "burst_minutes", "dormant_days",
 *                "handover_days", "unit": CODE | null },
 *    "files": [ { "file", "lines", "events", "skipped", "chain": "intact" |
 *                 "broken", "bad_line"?, "why"? } ],
 *    "accounts": [ { "uid", "unit", "region", "logins", "failures",
 *                    "failed_codes", "hosts": [...], "host_count",
 *                    "last_use": RFC3339 | null, "flags": [...],
 *                    "evidence": { FLAG: {...} } } ],
 *    "units": [ { "unit", "region", "accounts", "flagged" } ],
 *    "summary": { "accounts", "flagged", "events", "unknown_name_failures" } }
 *
 * A struct gpc_report is used by one thread at a time; distinct reports
 * are independent.  Nothing here logs or prints.
 *
 * Times are UTC, "YYYY-MM-DDTHH:MM:SSZ".  Accounts are sorted by unit, then
 * uid; flags always in the order shared, burst, after_handover, dormant,
 * locked.  Evidence: shared {at, rhosts: [a, b]}; burst {at, failures,
 * minutes}; after_handover {handover, failures, first}; dormant {days,
 * since}; locked {at}.
 */
#ifndef GPC_REPORT_H
#define GPC_REPORT_H

#include <jansson.h>
#include <stdint.h>
#include <time.h>

struct gpc_report_params {
	int burst_failures; /* failed codes ... (default 5) */
	int burst_minutes;  /* ... within this many minutes (default 10) */
	int dormant_days;   /* default 90 */
	int handover_days;  /* default 30 */
	const char *unit;   /* only this unit's accounts, or NULL */
	time_t since;       /* period start, 0: from the first event */
	time_t until;       /* period end, 0: the last event */
};

enum gpc_report_format { GPC_REPORT_TABLE, GPC_REPORT_JSON, GPC_REPORT_CSV };

struct gpc_report;

/* Progress of a file being read: done and total bytes. */
typedef void (*gpc_report_progress_fn)(void *ctx, const char *path, uint64_t done,
    uint64_t total);

/* The defaults above. */
void gpc_report_params_default(struct gpc_report_params *p);

/*
 * A new, empty report.  p is copied (p->unit too).  *out is freed with
 * gpc_report_free.  Returns GPC_OK, GPC_ERR_INVAL (a threshold < 1),
 * GPC_ERR_NOMEM.
 */
int gpc_report_new(const struct gpc_report_params *p, struct gpc_report **out);

void gpc_report_free(struct gpc_report *r);

/*
 * Read one audit file into the report (files may come in any order: events
 * are merged by time).  progress (may be NULL) is called now and then.
 * Returns GPC_OK (also when lines were skipped or the chain is broken: the
 * model says so), GPC_ERR_IO, GPC_ERR_NOMEM.
 */
int gpc_report_read(struct gpc_report *r, const char *path, gpc_report_progress_fn progress,
    void *ctx);

/*
 * An account known from the directory: unit, region (may be NULL),
 * last_login (gpcLastLogin, 0 if none) and since (gpcHolderSince, 0 if
 * none), for accounts that never appear in the files to be found dormant.
 * Only active accounts should be added.  GPC_OK, GPC_ERR_NOMEM.
 */
int gpc_report_add_account(struct gpc_report *r, const char *uid, const char *unit,
    const char *region, time_t last_login, time_t since);

/*
 * Compute the report.  *out (json_decref) is the model described above.
 * May be called once.  GPC_OK, GPC_ERR_NOMEM.
 */
int gpc_report_result(struct gpc_report *r, json_t **out);

/*
 * Render a model as text.  *out malloc'd.
 *  table: a header line "UNIT UID LOGINS FAILURES FAILED_CODES HOSTS
 *         LAST_USE FLAGS" and one line per account, columns two spaces
 *         apart, as wide as their widest value, numbers right-aligned, "-"
 *         for nothing; a blank line; "N accounts, M flagged, period SINCE ..
 *         UNTIL, F files, E events"; then one line per flag of each flagged
 *         account ("  UID  FLAG: evidence in words") and one per file whose
 *         chain is broken ("  warning: FILE: why").
 *  csv:   RFC 4180 quoting, LF line ends, header
 *         "unit,uid,region,logins,failures,failed_codes,hosts,last_use,flags"
 *         (hosts: the count; flags joined by ';'), one line per account.
 *  json:  the model, indented by 2, keys sorted.
 * Returns GPC_OK, GPC_ERR_INVAL, GPC_ERR_NOMEM.
 */
int gpc_report_format(json_t *model, enum gpc_report_format f, char **out);

#endif
