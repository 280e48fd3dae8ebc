/*
 * gpcgatectl — what its command files share.  Each command is
 * `int cmd_NAME(struct ctl *c, int argc, char **argv)` with argv[0] the
 * command's name, returning an exit code of cli.h; commands are listed in
 * gpcgatectl.c.
 */
#ifndef GPC_CTL_H
#define GPC_CTL_H

#include <jansson.h>
#include <stdio.h>

#include "cfg.h"
#include "cli.h"
#include "engine.h"
#include "log.h"

#define PROG "gpcgatectl"

struct gpc_audit;

struct ctl {
	const char *conf;      /* -f */
	int json;              /* --json: machine-readable output */
	struct gpc_cfg *cfg;   /* loaded by need_config() */
	struct gpc_log lg;     /* ctl_log, ctx this struct */
	struct gpc_engine *engine; /* opened by need_engine() */
	struct gpc_audit *audit;   /* opened by ctl_audit() */
	int errors_logged;     /* LOG_ERR (or worse) lines lg printed so far */
};

void usage(FILE *f);

/*
 * A bad command line: prints "gpcgatectl: MESSAGE; see gpcgatectl --help"
 * (one line) and returns EXIT_USAGE.
 */
int ctl_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The log sink of lg: stderr, counting errors (a message is never printed twice). */
void ctl_log(void *ctx, int prio, const char *msg);

/*
 * Why a file could not be read, in words: strerror(saved_errno), the errno
 * captured right after the call that failed; when that is 0 (the library
 * left none), what opening the file again says ("Is a directory" included);
 * else gpc_strerror(r).  Returns a static string or one in buf.
 */
const char *ctl_file_error(const char *path, int r, int saved_errno, char *buf, size_t len);

/* Load the configuration once; prints the error.  GPC_OK or its error. */
int need_config(struct ctl *c);

/* Open the engine (writer session, keys) once; prints the error. */
int need_engine(struct ctl *c);

/* Print a JSON value, indented, keys sorted. */
void print_json(json_t *j);

/*
 * From here on, stdout writes control characters and bidirectional
 * overrides as '?' (human output shows what applicants wrote).  Not for
 * --json, whose strings are data.
 */
void ctl_clean_stdout(void);

/* Print a document's result for people. */
void print_result(json_t *res);

/*
 * Read one line from stdin, prompting on stderr and without echo if asked
 * (when stdin is a terminal).  malloc'd, wipe and free; NULL at end of input.
 */
char *read_line(const char *prompt, int noecho);

/*
 * Append an "admin" line (audit.h) for a command that changed or revealed
 * something: fields (a new reference, consumed; may be NULL) get command,
 * outcome ("success" | "failure" | "refused") and operator added.  Opens
 * audit.file on first use (loads the configuration if needed) and, with
 * audit.syslog, copies the line to syslog (LOG_AUTHPRIV).  Prints a warning
 * on failure.  Returns GPC_OK or the error: a command that must not go on
 * unaudited (reveal) stops on it.
 */
int ctl_audit(struct ctl *c, const char *command, const char *outcome, json_t *fields);

int cmd_submit(struct ctl *c, int argc, char **argv);
int cmd_check(struct ctl *c, int argc, char **argv);
int cmd_results(struct ctl *c, int argc, char **argv);
int cmd_sign(struct ctl *c, int argc, char **argv);
int cmd_account(struct ctl *c, int argc, char **argv);
int cmd_enroll(struct ctl *c, int argc, char **argv);
int cmd_passwd(struct ctl *c, int argc, char **argv);
int cmd_keys(struct ctl *c, int argc, char **argv);
int cmd_unit(struct ctl *c, int argc, char **argv);
int cmd_outbox(struct ctl *c, int argc, char **argv);
int cmd_audit(struct ctl *c, int argc, char **argv);
int cmd_report(struct ctl *c, int argc, char **argv);
int cmd_reveal(struct ctl *c, int argc, char **argv);
int cmd_unlock(struct ctl *c, int argc, char **argv);

#endif
