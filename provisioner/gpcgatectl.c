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
	{ "reveal", cmd_reveal }, { "unlock", cmd_unlock }, { NULL, NULL }
};

/*
 * argv[k], a global option, came after the command argv[cmd]: show the
 * command line with it in its place.
 */
static void
misplaced(int argc, char **argv, int cmd, int k)
{
	int j, takes_value = strcmp(argv[k], "-f") == 0 && k + 1 < argc;

	fprintf(stderr, PROG ": %s is a global option: " PROG, argv[k]);
	for (j = 1; j < cmd; j++)
		fprintf(stderr, " %s", argv[j]);
	fprintf(stderr, " %s", argv[k]);
	if (takes_value)
		fprintf(stderr, " %s", argv[k + 1]);
	for (j = cmd; j < argc; j++)
		if (j != k && !(takes_value && j == k + 1))
			fprintf(stderr, " %s", argv[j]);
	fputc('\n', stderr);
}

int
main(int argc, char **argv)
{
	struct ctl c = { .lg = { ctl_log, NULL, LOG_INFO } };
	int i, ex = EXIT_USAGE;

	c.lg.ctx = &c;

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
	/* A global option after the command: say where it goes. */
	for (int k = i + 1; k < argc && strcmp(argv[k], "--") != 0; k++)
		if (strcmp(argv[k], "--json") == 0 || strcmp(argv[k], "-f") == 0) {
			misplaced(argc, argv, i, k);
			return EXIT_USAGE;
		}
	if (!c.json)
		ctl_clean_stdout();
	for (int k = 0; commands[k].name != NULL; k++)
		if (strcmp(commands[k].name, argv[i]) == 0) {
			ex = commands[k].fn(&c, argc - i, argv + i);
			goto out;
		}
	ex = ctl_usage("unknown command %.64s", argv[i]);
out:
	fclose(stdout); /* the clean stream passes on what it still holds */
	gpc_audit_close(c.audit);
	gpc_engine_free(c.engine);
	gpc_cfg_free(c.cfg);
	return ex;
}
