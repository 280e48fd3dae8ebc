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
	json_t *root = NULL;
	const char *type;
	char *buf = NULL;
	size_t len = 0;
	int r = GPC_OK;

	/* a regular file only (a FIFO would block); anything else the check refuses */
	if (gpc_read_regular_file(path, GPC_DOC_MAX, 0, &buf, &len) == GPC_OK)
		root = json_loadb(buf, len, 0, NULL);
	free(buf);
	type = json_string_value(json_object_get(root, "type"));

	if (type != NULL && strcmp(type, GPC_DECISION_TYPE) == 0)
		*t = GPC_DOC_DECISION;
	else
		*t = GPC_DOC_APPLICATION; /* anything else is refused by the check itself */
	json_decref(root);
	return r;
}

/* Options shared by submit and check; a bad command line is said (exit 2). */
static int
doc_args(int argc, char **argv, const char **file, const char **sig)
{
	static const struct option lo[] = { { "signature", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 } };
	int ch;

	*sig = NULL;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "s:", lo, NULL)) != -1) {
		if (ch != 's') {
			ctl_usage("%s FILE [--signature SIG]", argv[0]);
			return -1;
		}
		*sig = optarg;
	}
	if (optind == argc) {
		ctl_usage("%s: name the document (%s FILE)", argv[0], argv[0]);
		return -1;
	}
	if (optind != argc - 1) {
		ctl_usage("%s takes one FILE", argv[0]);
		return -1;
	}
	*file = argv[optind];
	return 0;
}

int
cmd_submit(struct ctl *c, int argc, char **argv)
{
	const char *file, *sig;
	char err[512], *id = NULL;
	int r;

	if (doc_args(argc, argv, &file, &sig) != 0)
		return EXIT_USAGE;
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

/*
 * A check has no spool directory, so a wrong type is not "in this spool
 * directory": say what a document's type may be.
 */
static void
neutral_type_message(json_t *res)
{
	json_t *v;
	size_t i;

	json_array_foreach(json_object_get(res, "reasons"), i, v)
		if (json_is_string(json_object_get(v, "code")) &&
		    strcmp(json_string_value(json_object_get(v, "code")), "wrong_type") == 0)
			json_object_set_new(v, "message", json_string("the document's type must be "
			    GPC_APPLICATION_TYPE " or " GPC_DECISION_TYPE));
}

/*
 * Whether res, a check's result, is the recorded result of this very
 * document: the engine answers a document whose record (under its kind
 * and id) holds this digest with that record's result, marked.
 */
static int
already_processed(json_t *res)
{
	return json_is_true(json_object_get(res, "already_processed"));
}

int
cmd_check(struct ctl *c, int argc, char **argv)
{
	const char *file, *sig;
	enum gpc_doc_type t;
	json_t *res = NULL;
	const char *outcome;
	int r, ex;

	if (doc_args(argc, argv, &file, &sig) != 0)
		return EXIT_USAGE;
	if (access(file, R_OK) != 0) {
		fprintf(stderr, PROG ": %s: %s\n", file, strerror(errno));
		return EXIT_SOFTWARE;
	}
	/* a signature that is missing is the check's finding; one unreadable is not */
	if (sig != NULL && access(sig, R_OK) != 0 && errno != ENOENT) {
		fprintf(stderr, PROG ": signature %s: %s\n", sig, strerror(errno));
		return EXIT_SOFTWARE;
	}
	if ((r = need_engine(c)) != GPC_OK)
		return cli_exit_code(r);
	doc_type_of(file, &t);
	if ((r = gpc_engine_check(c->engine, file, sig, t, &res)) != GPC_OK) {
		fprintf(stderr, PROG ": %s: %s\n", file, gpc_strerror(r));
		return cli_exit_code(r);
	}
	neutral_type_message(res);
	outcome = json_string_value(json_object_get(res, "outcome"));
	/*
	 * For a document already processed (the same bytes) the engine answers
	 * with the recorded result.  Submitting it again changes nothing, so it
	 * is not "would be accepted": exit 1.  Its signature is not checked
	 * again: nothing would be done with it.
	 */
	if (already_processed(res)) {
		const char *at = json_string_value(json_object_get(res, "processed_at"));
		const char *id = json_string_value(json_object_get(res, "id"));

		if (c->json)
			print_json(res);
		else {
			printf("%s: already processed (%s on %s); submitting it again changes "
			    "nothing\n", id != NULL ? id : file, outcome != NULL ? outcome : "?",
			    at != NULL ? at : "?");
			printf("  the result: " PROG " results %s\n", id != NULL ? id : "");
		}
		json_decref(res);
		return EXIT_REFUSED;
	}
	ex = outcome != NULL && strcmp(outcome, "rejected") == 0 ? EXIT_REFUSED : EXIT_OK;
	if (c->json)
		print_json(res);
	else
		print_result(res);
	json_decref(res);
	return ex;
}

/* A result file as an object, or NULL (unreadable, not JSON). */
static json_t *
load_result(const char *path)
{
	json_t *res = json_load_file(path, 0, NULL);

	if (res != NULL && !json_is_object(res)) {
		json_decref(res);
		res = NULL;
	}
	return res;
}

/* Whether a results/ entry is another document's result under id: "<id>~....json". */
static int
beside_of(const char *name, const char *id)
{
	size_t il = strlen(id), nl = strlen(name);

	return nl > il + 6 && strncmp(name, id, il) == 0 && name[il] == '~' &&
	    strcmp(name + nl - 5, ".json") == 0;
}

/*
 * The result of one id: results/<id>.json, and after it those of other
 * documents that came with the same id (results/<id>~*.json), so that no
 * one reads the first as the only one.  JSON: the first object, with the
 * others under "also".
 */
static int
results_of(struct ctl *c, const char *id)
{
	char *path = NULL, *dir = NULL;
	struct dirent **names = NULL;
	json_t *res, *also = json_array();
	int n, i;

	if (gpc_asprintf(&path, "%s/results/%s.json", c->cfg->spool, id) < 0 ||
	    gpc_asprintf(&dir, "%s/results", c->cfg->spool) < 0 || also == NULL) {
		free(path);
		free(dir);
		json_decref(also);
		return EXIT_SOFTWARE;
	}
	res = load_result(path);
	free(path);
	n = scandir(dir, &names, NULL, alphasort);
	for (i = 0; i < n; i++) {
		json_t *o;

		if (beside_of(names[i]->d_name, id) &&
		    gpc_asprintf(&path, "%s/%s", dir, names[i]->d_name) >= 0) {
			if ((o = load_result(path)) != NULL)
				json_array_append_new(also, o);
			free(path);
		}
		free(names[i]);
	}
	free(names);
	free(dir);
	if (res == NULL && json_array_size(also) > 0) {
		res = json_incref(json_array_get(also, 0));
		json_array_remove(also, 0);
	}
	if (res == NULL) {
		json_decref(also);
		fprintf(stderr, PROG ": no result for %s\n", id);
		return EXIT_REFUSED;
	}
	if (c->json) {
		if (json_array_size(also) > 0)
			json_object_set(res, "also", also);
		print_json(res);
	} else {
		size_t k;

		print_result(res);
		if (json_array_size(also) > 0)
			printf("\n%zu other document(s) came with the id %s:\n", json_array_size(also),
			    id);
		for (k = 0; k < json_array_size(also); k++)
			print_result(json_array_get(also, k));
	}
	json_decref(also);
	json_decref(res);
	return EXIT_OK;
}

/* Every result in results/, in name order. */
static int
results_all(struct ctl *c)
{
	char *dir = NULL, *path = NULL;
	struct dirent **names = NULL;
	json_t *all = json_array(), *res;
	int n, i;

	if (all == NULL || gpc_asprintf(&dir, "%s/results", c->cfg->spool) < 0) {
		json_decref(all);
		return EXIT_SOFTWARE;
	}
	n = scandir(dir, &names, NULL, alphasort);
	for (i = 0; i < n; i++) {
		size_t nl = strlen(names[i]->d_name);

		if (names[i]->d_name[0] != '.' && nl > 5 &&
		    strcmp(names[i]->d_name + nl - 5, ".json") == 0 &&
		    gpc_asprintf(&path, "%s/%s", dir, names[i]->d_name) >= 0) {
			if ((res = load_result(path)) != NULL) {
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

int
cmd_results(struct ctl *c, int argc, char **argv)
{
	int r;

	if (argc > 2)
		return ctl_usage("results takes at most one ID");
	if ((r = need_config(c)) != GPC_OK)
		return cli_exit_code(r);
	if (argc == 1)
		return results_all(c);
	if (!gpc_doc_id_valid(argv[1])) {
		fprintf(stderr, PROG ": %s: not a document id\n", argv[1]);
		return EXIT_USAGE;
	}
	return results_of(c, argv[1]);
}

int
cmd_sign(struct ctl *c, int argc, char **argv)
{
	static const struct option lo[] = { { "key", required_argument, NULL, 'k' },
		{ "cert", required_argument, NULL, 'c' }, { "out", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 } };
	const char *key = NULL, *cert = NULL, *outp = NULL;
	char *buf = NULL, *dflt = NULL, *cbuf = NULL, why[160], ebuf[128];
	unsigned char *sig = NULL, *kbuf = NULL;
	size_t len = 0, siglen = 0, klen = 0, clen = 0;
	enum gpc_sig_kind kind;
	int ch, r, ex = EXIT_SOFTWARE, saved;

	(void)c;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "k:c:o:", lo, NULL)) != -1) {
		switch (ch) {
		case 'k': key = optarg; break;
		case 'c': cert = optarg; break;
		case 'o': outp = optarg; break;
		default: return ctl_usage("sign FILE --key KEY --cert CERT [--out SIG]");
		}
	}
	if (optind == argc)
		return ctl_usage("sign: name the document to sign (sign FILE --key KEY --cert "
		    "CERT)");
	if (optind != argc - 1)
		return ctl_usage("sign takes one FILE");
	if (key == NULL || cert == NULL)
		return ctl_usage("sign needs %s", key == NULL && cert == NULL ?
		    "--key KEY and --cert CERT" : key == NULL ? "--key KEY" : "--cert CERT");
	errno = 0;
	if ((r = gpc_read_file(argv[optind], 1 << 20, &buf, &len)) != GPC_OK) {
		saved = errno;
		fprintf(stderr, PROG ": %s: %s\n", argv[optind], ctl_file_error(argv[optind], r,
		    saved, ebuf, sizeof(ebuf)));
		return EXIT_SOFTWARE;
	}
	/*
	 * The key and the certificate read here first, for what gpc_sig_sign
	 * cannot say: which file, and why (the mode it has and the one it needs).
	 */
	if ((r = gpc_read_secret_file_why(key, 64 * 1024, 0, &kbuf, &klen, why, sizeof(why))) !=
	    GPC_OK) {
		fprintf(stderr, PROG ": key %s: %s\n", key, why[0] != '\0' ? why :
		    gpc_strerror(r));
		ex = r == GPC_ERR_PERM || r == GPC_ERR_INVAL ? EXIT_CONFIG : EXIT_SOFTWARE;
		goto out;
	}
	gpc_freezero(kbuf, klen + 1);
	kbuf = NULL;
	errno = 0;
	if ((r = gpc_read_file(cert, 1024 * 1024, &cbuf, &clen)) != GPC_OK) {
		saved = errno;
		fprintf(stderr, PROG ": certificate %s: %s\n", cert, ctl_file_error(cert, r, saved,
		    ebuf, sizeof(ebuf)));
		ex = EXIT_SOFTWARE;
		goto out;
	}
	if ((r = gpc_sig_sign((unsigned char *)buf, len, key, cert, &sig, &siglen, &kind)) !=
	    GPC_OK) {
		fprintf(stderr, PROG ": signing failed: %s\n", r == GPC_ERR_KEY ?
		    "the key or the certificate is unusable (not PEM, encrypted, not RSA, EC or "
		    "SM2, or the two do not match)" : gpc_strerror(r));
		ex = cli_exit_code(r);
		goto out;
	}
	if (outp == NULL) {
		if (gpc_asprintf(&dflt, "%s%s", argv[optind],
		    kind == GPC_SIG_KIND_SM2 ? ".sig" : ".p7s") < 0)
			goto out;
		outp = dflt;
	}
	errno = 0;
	if (gpc_write_file_atomic(outp, sig, siglen, 0644) != GPC_OK) {
		fprintf(stderr, PROG ": %s: cannot write: %s\n", outp, errno != 0 ?
		    strerror(errno) : "input/output error");
		goto out;
	}
	printf("%s\n", outp);
	ex = EXIT_OK;
out:
	free(buf);
	free(cbuf);
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
		json_decref(all);
		return ctl_usage("outbox list");
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

				char who[48];

				/*
				 * Who it goes to, by kind of addressee, never the code or the
				 * number itself: a holder's notices go to the holder's mobile
				 * (enrollment codes name it "mobile", rectification notices
				 * "phone" and the account), a unit's to its contact phone.
				 */
				if (addressee != NULL) {
					snprintf(who, sizeof(who), "bureau %.32s", addressee);
					addressee = who;
				} else if (json_string_value(json_object_get(to, "region")) != NULL) {
					snprintf(who, sizeof(who), "region %.16s",
					    json_string_value(json_object_get(to, "region")));
					addressee = who;
				} else if (json_object_get(to, "mobile") != NULL ||
				    (json_object_get(to, "phone") != NULL &&
				    json_object_get(notice, "account") != NULL))
					addressee = "holder mobile";
				else
					addressee = json_object_get(to, "phone") != NULL ? "unit phone" : "-";
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
