/*
 * gpcgatectl: audit verify — check the hash chain of audit files.
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "audit.h"
#include "ctl.h"
#include "err.h"

/*
 * audit verify FILE...: for each file "FILE: N lines, chain intact (last
 * line sha256 H)" or "FILE: <why>" (audit.h lists the reasons).  Exit 0 when
 * every file is intact, 1 when one is not, 5 when one cannot be read (and
 * none is broken).  Read-only: not audited, needs no configuration.
 */
int
cmd_audit(struct ctl *c, int argc, char **argv)
{
	json_t *all = NULL;
	int i, ex = EXIT_OK;

	if (argc < 2 || strcmp(argv[1], "verify") != 0)
		return ctl_usage("audit verify FILE...");
	if (argc < 3)
		return ctl_usage("audit verify: name at least one audit file");
	if (c->json && (all = json_array()) == NULL)
		return EXIT_SOFTWARE;
	for (i = 2; i < argc; i++) {
		char why[256], last[65], buf[128];
		size_t lines = 0, bad = 0;
		const char *problem;
		int r, saved;

		errno = 0;
		r = gpc_audit_verify_anchor(argv[i], &lines, &bad, why, sizeof(why), last);
		saved = errno;

		if (r == GPC_OK) {
			if (all != NULL)
				json_array_append_new(all, json_pack("{s:s, s:b, s:I, s:s}", "file",
				    argv[i], "intact", 1, "lines", (json_int_t)lines, "last_sha256",
				    last));
			else if (lines == 0)
				printf("%s: 0 lines, chain intact\n", argv[i]);
			else
				printf("%s: %zu lines, chain intact (last line sha256 %s)\n", argv[i],
				    lines, last);
		} else if (r == GPC_ERR_FORMAT) {
			if (all != NULL)
				json_array_append_new(all, json_pack("{s:s, s:b, s:I, s:I, s:s}",
				    "file", argv[i], "intact", 0, "lines", (json_int_t)lines,
				    "bad_line", (json_int_t)bad, "why", why));
			else
				printf("%s: %s\n", argv[i], why);
			ex = EXIT_REFUSED;
		} else {
			problem = ctl_file_error(argv[i], r, saved, buf, sizeof(buf));
			fprintf(stderr, PROG ": %s: cannot read: %s\n", argv[i], problem);
			if (all != NULL)
				json_array_append_new(all, json_pack("{s:s, s:s}", "file", argv[i],
				    "error", problem));
			if (ex == EXIT_OK)
				ex = EXIT_SOFTWARE;
		}
	}
	if (all != NULL)
		print_json(all);
	json_decref(all);
	return ex;
}
