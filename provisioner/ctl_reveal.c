/*
 * gpcgatectl: reveal — a holder's ID number, unsealed for a bureau officer.
 *
 *   gpcgatectl reveal UID --reason TEXT
 *
 * The number is kept only sealed (gpcHolderSealed, bound to the account's
 * DN, readable by the provisioner's service account alone), so revealing
 * it takes what the provisioner has: the writer's password file and the
 * seal key.  Every reveal is audited with the officer's reason, before the
 * number is shown: if the audit line cannot be written, nothing is shown.
 * The number itself never goes into the audit log.
 */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"
#include "dir.h"
#include "engine.h"
#include "err.h"
#include "seal.h"
#include "util.h"
#include "validate.h"

#define REASON_MIN 4
#define REASON_MAX 200

/*
 * Whether s holds a run of exactly n characters that passes check: the
 * runs are maximal stretches of digits (and X, for ID numbers).
 */
static int
holds_run(const char *s, size_t n, int with_x, int (*check)(const char *))
{
	char run[32];
	size_t i = 0, j;

	while (s[i] != '\0') {
		for (j = i; (s[j] >= '0' && s[j] <= '9') || (with_x && (s[j] == 'X' ||
		    s[j] == 'x')); j++)
			;
		if (j - i == n && n < sizeof(run)) {
			memcpy(run, s + i, n);
			run[n] = '\0';
			if (run[n - 1] == 'x')
				run[n - 1] = 'X';
			if (check(run))
				return 1;
		}
		i = j > i ? j : i + 1;
	}
	return 0;
}

static int
is_id_number(const char *s)
{
	return gpc_valid_id_number(s, time(NULL), NULL) == GPC_OK;
}

static int
is_mobile(const char *s)
{
	return gpc_valid_mobile(s, NULL) == GPC_OK;
}

/* The reason goes into the audit log: bounded, printable, no personal data. */
static const char *
reason_problem(const char *r)
{
	size_t len = strlen(r), i;

	if (len < REASON_MIN)
		return "is too short: say why the number is needed (a case or letter number)";
	if (len > REASON_MAX)
		return "is longer than 200 bytes";
	if (!gpc_utf8_valid(r, len))
		return "is not UTF-8";
	for (i = 0; i < len; i++)
		if ((unsigned char)r[i] < 0x20 || r[i] == 0x7f)
			return "holds a control character";
	if (holds_run(r, 18, 1, is_id_number))
		return "holds an ID number: the audit log must not";
	if (holds_run(r, 11, 0, is_mobile))
		return "holds a mobile number: the audit log must not";
	return NULL;
}

int
cmd_reveal(struct ctl *c, int argc, char **argv)
{
	static const struct option lo[] = { { "reason", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 } };
	struct gpc_account *a = NULL;
	const char *reason = NULL, *problem;
	unsigned char *id = NULL;
	size_t idlen = 0;
	char out[160];
	int ch, r, ex = EXIT_SOFTWARE, n;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "r:", lo, NULL)) != -1) {
		if (ch != 'r')
			return ctl_usage("reveal UID --reason TEXT");
		reason = optarg;
	}
	if (optind == argc)
		return ctl_usage("reveal: name the account (reveal UID --reason TEXT)");
	if (optind != argc - 1)
		return ctl_usage("reveal takes one UID");
	if (reason == NULL)
		return ctl_usage("reveal needs --reason TEXT (a case or letter number)");
	if ((problem = reason_problem(reason)) != NULL) {
		fprintf(stderr, PROG ": the reason %s\n", problem);
		return EXIT_USAGE;
	}
	if ((r = need_engine(c)) != GPC_OK)
		return cli_exit_code(r);
	if ((r = gpc_dir_find_account(gpc_engine_dir(c->engine), argv[optind], &a)) != GPC_OK) {
		if (r == GPC_ERR_NOTFOUND || r == GPC_ERR_INVAL)
			fprintf(stderr, PROG ": no account %.64s\n", argv[optind]);
		else
			fprintf(stderr, PROG ": %s\n", gpc_strerror(r));
		return cli_exit_code(r == GPC_ERR_INVAL ? GPC_ERR_NOTFOUND : r);
	}
	if (a->holder_sealed == NULL) {
		fprintf(stderr, PROG ": account %s keeps no sealed ID number (%s)\n", a->uid,
		    strcmp(a->state, "terminated") == 0 ? "terminated: it was wiped" :
		    "never stored");
		(void)ctl_audit(c, "reveal", "refused", json_pack("{s:s, s:s?, s:s, s:s}", "uid",
		    a->uid, "unit", a->unit_code, "reason", reason, "error", "no_sealed_copy"));
		ex = EXIT_REFUSED;
		goto out;
	}
	/* Bound to the account's DN: a copy moved from another entry does not open. */
	if ((r = gpc_unseal(gpc_engine_keys(c->engine), a->dn, a->holder_sealed, &id, &idlen)) !=
	    GPC_OK) {
		fprintf(stderr, PROG ": the sealed ID number of %s does not open: %s\n", a->uid,
		    r == GPC_ERR_BADSEAL ? "it was altered or belongs to another entry" :
		    gpc_strerror(r));
		(void)ctl_audit(c, "reveal", "failure", json_pack("{s:s, s:s?, s:s, s:s}", "uid",
		    a->uid, "unit", a->unit_code, "reason", reason, "error", gpc_strerror(r)));
		ex = r == GPC_ERR_KEY ? EXIT_CONFIG : EXIT_REFUSED;
		goto out;
	}
	/* Audited first: a reveal that cannot be recorded does not happen. */
	if (ctl_audit(c, "reveal", "success", json_pack("{s:s, s:s?, s:s}", "uid", a->uid,
	    "unit", a->unit_code, "reason", reason)) != GPC_OK) {
		fprintf(stderr, PROG ": not revealed: the audit log could not be written\n");
		ex = EXIT_SOFTWARE;
		goto out;
	}
	/* Straight to the descriptor from a buffer we wipe: no stdio copy stays. */
	if (c->json)
		n = snprintf(out, sizeof(out), "{\"uid\": \"%s\", \"id_number\": \"%.*s\"}\n", a->uid,
		    (int)idlen, (const char *)id);
	else
		n = snprintf(out, sizeof(out), "%.*s\n", (int)idlen, (const char *)id);
	fflush(stdout);
	if (n > 0 && (size_t)n < sizeof(out) && write(STDOUT_FILENO, out, (size_t)n) == n)
		ex = EXIT_OK;
	explicit_bzero(out, sizeof(out));
	if (ex == EXIT_OK && isatty(STDOUT_FILENO))
		fprintf(stderr, "(revealed for %s; recorded in the audit log with the reason)\n",
		    a->uid);
out:
	if (id != NULL)
		gpc_freezero(id, idlen + 1);
	gpc_account_free(a);
	return ex;
}
