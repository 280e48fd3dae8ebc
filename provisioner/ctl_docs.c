/*
 * gpcgatectl: documents — submit, check, results, sign.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"
#include "dir.h"
#include "engine.h"
#include "err.h"
#include "qr.h"
#include "seal.h"
#include "sig.h"
#include "spool.h"
#include "totp.h"
#include "util.h"
#include "validate.h"

static int
doc_type_of(const char *path, enum gpc_doc_type *t)
{
	json_t *root = json_load_file(path, 0, NULL);
	const char *type = json_string_value(json_object_get(root, "type"));
	int r = GPC_OK;

	if (type != NULL && strcmp(type, GPC_DECISION_TYPE) == 0)
		*t = GPC_DOC_DECISION;
	else
		*t = GPC_DOC_APPLICATION; /* anything else is refused by the check itself */
	json_decref(root);
	return r;
}

/* Options shared by submit and check. */
static int
doc_args(int argc, char **argv, const char **file, const char **sig)
{
	static const struct option lo[] = { { "signature", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 } };
	int ch;

	*sig = NULL;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "s:", lo, NULL)) != -1) {
		if (ch != 's')
			return -1;
		*sig = optarg;
	}
	if (optind != argc - 1)
		return -1;
	*file = argv[optind];
	return 0;
}

int
cmd_submit(struct ctl *c, int argc, char **argv)
{
	const char *file, *sig;
	char err[512], *id = NULL;
	int r;

	if (doc_args(argc, argv, &file, &sig) != 0) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if ((r = need_config(c)) != GPC_OK)
		return cli_exit_code(r);
	if ((r = gpc_spool_init(c->cfg->spool, c->cfg->outbox)) != GPC_OK) {
		fprintf(stderr, PROG ": %s: cannot create the spool\n", c->cfg->spool);
		return EXIT_SOFTWARE;
	}
	if ((r = gpc_spool_submit(c->cfg->spool, file, sig, &id, err, sizeof(err))) != GPC_OK) {
		fprintf(stderr, PROG ": %s\n", err);
		(void)ctl_audit(c, "submit", "refused", json_pack("{s:s}", "error", gpc_strerror(r)));
		return r == GPC_ERR_FORMAT || r == GPC_ERR_EXISTS ? EXIT_REFUSED : EXIT_SOFTWARE;
	}
	(void)ctl_audit(c, "submit", "success", json_pack("{s:s}", "id", id));
	if (c->json)
		printf("{\"submitted\": \"%s\"}\n", id);
	else
		printf("submitted %s\n", id);
	free(id);
	return EXIT_OK;
}

int
cmd_check(struct ctl *c, int argc, char **argv)
{
	const char *file, *sig;
	enum gpc_doc_type t;
	json_t *res = NULL;
	const char *outcome;
	int r, ex;

	if (doc_args(argc, argv, &file, &sig) != 0) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (access(file, R_OK) != 0) {
		fprintf(stderr, PROG ": %s: %s\n", file, strerror(errno));
		return EXIT_SOFTWARE;
	}
	if ((r = need_engine(c)) != GPC_OK)
		return cli_exit_code(r);
	doc_type_of(file, &t);
	if ((r = gpc_engine_check(c->engine, file, sig, t, &res)) != GPC_OK) {
		fprintf(stderr, PROG ": %s: %s\n", file, gpc_strerror(r));
		return cli_exit_code(r);
	}
	outcome = json_string_value(json_object_get(res, "outcome"));
	ex = outcome != NULL && strcmp(outcome, "rejected") == 0 ? EXIT_REFUSED : EXIT_OK;
	if (c->json)
		print_json(res);
	else
		print_result(res);
	json_decref(res);
	return ex;
}

int
cmd_results(struct ctl *c, int argc, char **argv)
{
	char *path = NULL, *buf = NULL;
	size_t len = 0;
	json_t *res;
	int r;

	if ((r = need_config(c)) != GPC_OK)
		return cli_exit_code(r);
	if (argc > 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (argc == 2) {
		if (!gpc_doc_id_valid(argv[1])) {
			fprintf(stderr, PROG ": %s: not a document id\n", argv[1]);
			return EXIT_USAGE;
		}
		if (gpc_asprintf(&path, "%s/results/%s.json", c->cfg->spool, argv[1]) < 0)
			return EXIT_SOFTWARE;
		r = gpc_read_file(path, 1 << 20, &buf, &len);
		free(path);
		if (r != GPC_OK) {
			fprintf(stderr, PROG ": no result for %s\n", argv[1]);
			return EXIT_REFUSED;
		}
		res = json_loadb(buf, len, 0, NULL);
		free(buf);
		if (res == NULL)
			return EXIT_SOFTWARE;
		if (c->json)
			print_json(res);
		else
			print_result(res);
		json_decref(res);
		return EXIT_OK;
	} else {
		char *dir = NULL;
		struct dirent **names = NULL;
		json_t *all = json_array();
		int n, i;

		if (gpc_asprintf(&dir, "%s/results", c->cfg->spool) < 0)
			return EXIT_SOFTWARE;
		n = scandir(dir, &names, NULL, alphasort);
		for (i = 0; i < n; i++) {
			size_t nl = strlen(names[i]->d_name);

			if (names[i]->d_name[0] != '.' && nl > 5 &&
			    strcmp(names[i]->d_name + nl - 5, ".json") == 0 &&
			    gpc_asprintf(&path, "%s/%s", dir, names[i]->d_name) >= 0) {
				if ((res = json_load_file(path, 0, NULL)) != NULL) {
					if (c->json)
						json_array_append_new(all, res);
					else {
						print_result(res);
						json_decref(res);
					}
				}
				free(path);
			}
			free(names[i]);
		}
		free(names);
		free(dir);
		if (c->json)
			print_json(all);
		json_decref(all);
		return n < 0 ? EXIT_SOFTWARE : EXIT_OK;
	}
}

int
cmd_sign(struct ctl *c, int argc, char **argv)
{
	static const struct option lo[] = { { "key", required_argument, NULL, 'k' },
		{ "cert", required_argument, NULL, 'c' }, { "out", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 } };
	const char *key = NULL, *cert = NULL, *outp = NULL;
	char *buf = NULL, *dflt = NULL;
	unsigned char *sig = NULL;
	size_t len = 0, siglen = 0;
	enum gpc_sig_kind kind;
	int ch, r, ex = EXIT_SOFTWARE;

	(void)c;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "k:c:o:", lo, NULL)) != -1) {
		switch (ch) {
		case 'k': key = optarg; break;
		case 'c': cert = optarg; break;
		case 'o': outp = optarg; break;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (optind != argc - 1 || key == NULL || cert == NULL) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if ((r = gpc_read_file(argv[optind], 1 << 20, &buf, &len)) != GPC_OK) {
		fprintf(stderr, PROG ": %s: %s\n", argv[optind], strerror(errno));
		return EXIT_SOFTWARE;
	}
	if ((r = gpc_sig_sign((unsigned char *)buf, len, key, cert, &sig, &siglen, &kind)) !=
	    GPC_OK) {
		fprintf(stderr, PROG ": signing failed: %s\n", gpc_strerror(r));
		ex = cli_exit_code(r);
		goto out;
	}
	if (outp == NULL) {
		if (gpc_asprintf(&dflt, "%s%s", argv[optind],
		    kind == GPC_SIG_KIND_SM2 ? ".sig" : ".p7s") < 0)
			goto out;
		outp = dflt;
	}
	if (gpc_write_file_atomic(outp, sig, siglen, 0644) != GPC_OK) {
		fprintf(stderr, PROG ": %s: cannot write\n", outp);
		goto out;
	}
	printf("%s\n", outp);
	ex = EXIT_OK;
out:
	free(buf);
	free(sig);
	free(dflt);
	return ex;
}


static const char *
or_dash(const char *s)
{
	return s != NULL ? s : "-";
}

/* outbox list: the notices waiting for delivery, without their contents' secrets. */
int
cmd_outbox(struct ctl *c, int argc, char **argv)
{
	struct dirent **names = NULL;
	json_t *all = json_array();
	char *path = NULL;
	int n, i, r;

	if (argc != 2 || strcmp(argv[1], "list") != 0) {
		usage(stderr);
		json_decref(all);
		return EXIT_USAGE;
	}
	if ((r = need_config(c)) != GPC_OK) {
		json_decref(all);
		return cli_exit_code(r);
	}
	if ((n = scandir(c->cfg->outbox, &names, NULL, alphasort)) < 0) {
		fprintf(stderr, PROG ": %s: %s\n", c->cfg->outbox, strerror(errno));
		json_decref(all);
		return EXIT_SOFTWARE;
	}
	for (i = 0; i < n; i++) {
		size_t nl = strlen(names[i]->d_name);
		json_t *notice;

		if (names[i]->d_name[0] != '.' && nl > 5 &&
		    strcmp(names[i]->d_name + nl - 5, ".json") == 0 &&
		    gpc_asprintf(&path, "%s/%s", c->cfg->outbox, names[i]->d_name) >= 0) {
			if ((notice = json_load_file(path, 0, NULL)) != NULL) {
				json_t *to = json_object_get(notice, "to");
				const char *addressee = json_string_value(json_object_get(to, "bureau"));

				/* who it goes to, never the code or the number itself */
				if (addressee == NULL)
					addressee = json_object_get(to, "mobile") != NULL ? "holder mobile" :
					    json_object_get(to, "phone") != NULL ? "phone" : "-";
				json_array_append_new(all, json_pack("{s:s, s:O?, s:O?, s:O?, s:O?, s:s}",
				    "file", names[i]->d_name, "kind", json_object_get(notice, "kind"),
				    "document", json_object_get(notice, "document"),
				    "unit", json_object_get(notice, "unit"),
				    "account", json_object_get(notice, "account"), "to", addressee));
				json_decref(notice);
			}
			free(path);
			path = NULL;
		}
		free(names[i]);
	}
	free(names);
	if (c->json)
		print_json(all);
	else {
		size_t k;
		json_t *a;

		printf("%-24s %-22s %-20s %-18s %s\n", "KIND", "DOCUMENT", "ACCOUNT", "UNIT", "TO");
		json_array_foreach(all, k, a)
			printf("%-24s %-22s %-20s %-18s %s\n",
			    or_dash(json_string_value(json_object_get(a, "kind"))),
			    or_dash(json_string_value(json_object_get(a, "document"))),
			    or_dash(json_string_value(json_object_get(a, "account"))),
			    or_dash(json_string_value(json_object_get(a, "unit"))),
			    json_string_value(json_object_get(a, "to")));
	}
	json_decref(all);
	return EXIT_OK;
}
