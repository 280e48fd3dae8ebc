/*
 * gpcgatectl: keys — generate a new key version, rotate sealed values to it.
 */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "engine.h"
#include "err.h"
#include "rotate.h"
#include "seal.h"

static int
keys_generate(struct ctl *c)
{
	char why[256];
	int r, version = 0;

	if ((r = need_config(c)) != GPC_OK)
		return cli_exit_code(r);
	if ((r = gpc_keys_generate_why(c->cfg->key_dir, &version, why, sizeof(why))) !=
	    GPC_OK) {
		fprintf(stderr, PROG ": keys in %s: %s\n", c->cfg->key_dir, why[0] != '\0' ?
		    why : gpc_strerror(r));
		(void)ctl_audit(c, "keys_generate", "failure", json_pack("{s:s}", "error",
		    gpc_strerror(r)));
		/* a key directory that cannot be read or written is a keys problem (exit 4) */
		return cli_exit_code(r == GPC_ERR_IO ? GPC_ERR_KEY : r);
	}
	(void)ctl_audit(c, "keys_generate", "success", json_pack("{s:i}", "version", version));
	printf("key version %d created in %s\n", version, c->cfg->key_dir);
	/*
	 * The PAM module and gpcgatectl load the keys each time, the daemon at
	 * start and on SIGHUP (provisiond.c reopens its engine on a reload):
	 * no restart.  Rotation only when an older version sealed something.
	 */
	if (version == 1)
		printf("copy seal-v1.key and index-v1.key to the PAM hosts' key directories; "
		    "this is the first version, so there is nothing to rotate\n");
	else {
		char older[32];

		snprintf(older, sizeof(older), version == 2 ? "version 1" : "versions 1-%d",
		    version - 1);
		printf("copy seal-v%d.key and index-v%d.key to the PAM hosts' key directories, "
		    "reload a running gpcgate-provisiond (SIGHUP: systemctl reload "
		    "gpcgate-provisiond), then run `" PROG " keys rotate` to re-seal what %s "
		    "sealed\n", version, version, older);
	}
	return EXIT_OK;
}

/*
 * keys rotate [--dry-run] [--limit N]: see rotate.h.  Exit 0 when every
 * value is at the newest version (or would be, with --dry-run), 1 when
 * values failed or --limit stopped the run (run again), else the
 * directory's or the keys' exit code.
 */
static int
keys_rotate(struct ctl *c, int argc, char **argv)
{
	static const struct option lo[] = { { "dry-run", no_argument, NULL, 'n' },
		{ "limit", required_argument, NULL, 'l' }, { NULL, 0, NULL, 0 } };
	struct gpc_rotate_stats st;
	struct gpc_keys *k;
	unsigned long limit = 0;
	char *end = NULL;
	int ch, r, dry = 0, ex;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "nl:", lo, NULL)) != -1) {
		switch (ch) {
		case 'n':
			dry = 1;
			break;
		case 'l':
			limit = strtoul(optarg, &end, 10);
			/* strtoul takes "-5" as a huge number: digits only */
			if (*optarg < '0' || *optarg > '9' || *end != '\0' || limit == 0) {
				fprintf(stderr, PROG ": --limit wants a positive number\n");
				return EXIT_USAGE;
			}
			break;
		default:
			return ctl_usage("keys rotate [--dry-run] [--limit N]");
		}
	}
	if (optind != argc)
		return ctl_usage("keys rotate takes no operand (%.64s)", argv[optind]);
	if ((r = need_engine(c)) != GPC_OK)
		return cli_exit_code(r);
	k = gpc_engine_keys(c->engine);
	r = gpc_rotate(gpc_engine_dir(c->engine), k, dry, limit, &c->lg, &st);
	if (!dry)
		(void)ctl_audit(c, "keys_rotate", r != GPC_OK || st.failed > 0 ? "failure" :
		    "success", json_pack("{s:i, s:i, s:I, s:I, s:I, s:I, s:I, s:I, s:b}",
		    "seal_version", gpc_keys_seal_version(k), "index_version",
		    gpc_keys_index_version(k), "entries", (json_int_t)st.entries, "resealed",
		    (json_int_t)st.resealed, "reindexed", (json_int_t)st.reindexed,
		    "kept_index", (json_int_t)st.kept_index, "raced", (json_int_t)st.raced,
		    "failed", (json_int_t)st.failed, "stopped", st.stopped));
	if (c->json) {
		json_t *j = json_pack("{s:b, s:i, s:i, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:b, s:{s:I, "
		    "s:I, s:I}}",
		    "dry_run", dry, "seal_version", gpc_keys_seal_version(k), "index_version",
		    gpc_keys_index_version(k), "entries", (json_int_t)st.entries, "resealed",
		    (json_int_t)st.resealed, "reindexed", (json_int_t)st.reindexed, "current",
		    (json_int_t)st.current, "kept_index", (json_int_t)st.kept_index, "raced",
		    (json_int_t)st.raced, "failed", (json_int_t)st.failed, "stopped",
		    st.stopped, "kept_index_of", "applications", (json_int_t)st.kept_applications,
		    "accounts", (json_int_t)st.kept_accounts, "identity_flags",
		    (json_int_t)st.kept_records);

		print_json(j);
		json_decref(j);
	} else {
		printf("%s seal key v%d, index key v%d: %zu entries; %zu values %s, %zu blind "
		    "indexes %s, %zu already current\n", dry ? "dry run:" : "rotated to",
		    gpc_keys_seal_version(k), gpc_keys_index_version(k), st.entries, st.resealed,
		    dry ? "to re-seal" : "re-sealed", st.reindexed, dry ? "to recompute" :
		    "recomputed", st.current);
		if (st.kept_index > 0) {
			/* named by what they are: there is no ID number to recompute them from */
			const char *sep = "";

			printf("%zu blind indexes stay on an older index key, of ", st.kept_index);
			if (st.kept_applications > 0) {
				printf("%zu application%s (an application keeps no copy of the ID "
				    "number once decided, a registration none at all)",
				    st.kept_applications, st.kept_applications == 1 ? "" : "s");
				sep = ", ";
			}
			if (st.kept_accounts > 0) {
				printf("%s%zu terminated or denied account%s (the ID copy is wiped)", sep,
				    st.kept_accounts, st.kept_accounts == 1 ? "" : "s");
				sep = ", ";
			}
			if (st.kept_records > 0)
				printf("%s%zu identity flag%s", sep, st.kept_records,
				    st.kept_records == 1 ? "" : "s");
			printf(": keep the older index keys until they are purged\n");
		}
		if (st.raced > 0)
			printf("%zu values changed while being rotated, and were done again\n",
			    st.raced);
		if (st.failed > 0)
			printf("%zu values could not be rotated (see above); they still open under "
			    "their own version\n", st.failed);
		if (st.stopped)
			printf("stopped after %lu changes (--limit): run again to go on\n", limit);
	}
	if (r != GPC_OK) {
		fprintf(stderr, PROG ": rotation stopped: %s; run it again to go on\n",
		    gpc_strerror(r));
		return cli_exit_code(r);
	}
	ex = st.failed > 0 || st.stopped ? EXIT_REFUSED : EXIT_OK;
	return ex;
}

int
cmd_keys(struct ctl *c, int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "generate") == 0)
		return keys_generate(c);
	if (argc >= 2 && strcmp(argv[1], "rotate") == 0)
		return keys_rotate(c, argc - 1, argv + 1);
	if (argc > 2 && strcmp(argv[1], "generate") == 0)
		return ctl_usage("keys generate takes no operand");
	return ctl_usage("keys: say generate or rotate");
}
