/*
 * gpcgatectl — the administrators' and bureaus' command line.
 *
 *   gpcgatectl [-f CONF] [--json] COMMAND [ARGS]
 *
 * See gpcgatectl(8) for every command and the exit codes.
 */
#include <stdio.h>
#include <string.h>

#include "audit.h"
#include "ctl.h"
#include "engine.h"

static const struct {
	const char *name;
	int (*fn)(struct ctl *, int, char **);
} commands[] = {
	{ "submit", cmd_submit }, { "check", cmd_check }, { "results", cmd_results },
	{ "account", cmd_account }, { "enroll", cmd_enroll }, { "passwd", cmd_passwd },
	{ "sign", cmd_sign }, { "keys", cmd_keys }, { "unit", cmd_unit },
	{ "outbox", cmd_outbox }, { "audit", cmd_audit }, { "report", cmd_report },
	{ "reveal", cmd_reveal }, { NULL, NULL }
};

int
main(int argc, char **argv)
{
	struct ctl c = { NULL, 0, NULL, { cli_log_stderr, (void *)PROG, LOG_INFO }, NULL };
	int i, ex = EXIT_USAGE;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-f") == 0 && i + 1 < argc)
			c.conf = argv[++i];
		else if (strcmp(argv[i], "--json") == 0)
			c.json = 1;
		else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			return EXIT_OK;
		} else
			break;
	}
	if (i >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	for (int k = 0; commands[k].name != NULL; k++)
		if (strcmp(commands[k].name, argv[i]) == 0) {
			ex = commands[k].fn(&c, argc - i, argv + i);
			goto out;
		}
	fprintf(stderr, PROG ": unknown command %s\n", argv[i]);
	usage(stderr);
out:
	gpc_audit_close(c.audit);
	gpc_engine_free(c.engine);
	gpc_cfg_free(c.cfg);
	return ex;
}
