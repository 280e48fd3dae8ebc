/*
 * gpcgate — what gpcgatectl and gpcgate-provisiond share as front ends:
 * loading the configuration with a readable error, the stderr log sink, the
 * time zone, exit codes.
 */
#ifndef GPC_CLI_H
#define GPC_CLI_H

#include "cfg.h"
#include "log.h"

/* Exit codes of both programs (documented in their man pages). */
enum {
	EXIT_OK = 0,        /* done; for check: the document would be accepted */
	EXIT_REFUSED = 1,   /* a document or request was refused, or a check failed */
	EXIT_USAGE = 2,     /* bad command line */
	EXIT_UNAVAIL = 3,   /* the directory could not be reached */
	EXIT_CONFIG = 4,    /* configuration, key or permission problem */
	EXIT_SOFTWARE = 5,  /* anything else (out of memory, I/O) */
};

/* Log sink writing "prog: message" to stderr; ctx is the program name. */
void cli_log_stderr(void *ctx, int prio, const char *msg);

/*
 * Load the configuration (path NULL: the default), printing the error to
 * stderr on failure, and set the process's time zone from
 * provisioner.time_zone.  Returns GPC_OK or the gpc_cfg_load() error.
 */
int cli_load_config(const char *prog, const char *path, struct gpc_cfg **cfg);

/*
 * The same checks for the daemon's reload: a problem ("FILE:LINE: key:
 * problem") goes to lg, and the process's time zone is left alone until the
 * caller accepts the new configuration with cli_set_time_zone().  Returns
 * GPC_OK or the gpc_cfg_load() error (GPC_ERR_CONFIG for an unknown zone).
 */
int cli_load_config_log(const struct gpc_log *lg, const char *path, struct gpc_cfg **cfg);

/* Set the process's time zone (TZ) from provisioner.time_zone. */
void cli_set_time_zone(const struct gpc_cfg *cfg);

/* An exit code for a GPC_ERR_* code. */
int cli_exit_code(int gpc_err);

#endif
