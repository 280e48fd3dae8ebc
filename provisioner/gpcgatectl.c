/*
 * gpcgatectl — the administrators' and bureaus' command line.
 *
 *   gpcgatectl [-f CONF] [--json] COMMAND [ARGS]
 *
 * See gpcgatectl(8) for every command and the exit codes.
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

#include "cli.h"
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

#define PROG "gpcgatectl"

struct ctl {
	const char *conf;
	int json;
	struct gpc_cfg *cfg;
	struct gpc_log lg;
	struct gpc_engine *engine;
};

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: " PROG " [-f CONF] [--json] COMMAND [ARGS]\n"
	    "\n"
	    "documents:\n"
	    "  submit FILE [--signature SIG]    put a document into the spool, atomically\n"
	    "  check FILE [--signature SIG]     every check, nothing applied (dry run)\n"
	    "  results [ID]                     list results, or show one\n"
	    "  sign FILE --key KEY --cert CERT [--out SIG]\n"
	    "                                   sign a decision (CMS, or SM2 for SM2 keys)\n"
	    "accounts:\n"
	    "  account show UID                 an account, personal data masked\n"
	    "  enroll UID [--invert]            new authenticator: QR code, confirm a code\n"
	    "  enroll UID --no-confirm --secret-file FILE\n"
	    "                                   for scripts: write the new secret to FILE\n"
	    "  passwd UID [--password-file FILE]\n"
	    "                                   set a password (the holder changes it at\n"
	    "                                   first login)\n"
	    "keys:\n"
	    "  keys generate                    add a new seal and index key version\n"
	    "\n"
	    "exit codes: 0 ok, 1 refused, 2 usage, 3 directory unavailable,\n"
	    "            4 configuration/keys, 5 other failure\n");
}

static int
need_config(struct ctl *c)
{
	if (c->cfg != NULL)
		return GPC_OK;
	return cli_load_config(PROG, c->conf, &c->cfg);
}

static int
need_engine(struct ctl *c)
{
	int r;

	if ((r = need_config(c)) != GPC_OK)
		return r;
	if (c->engine != NULL)
		return GPC_OK;
	if ((r = gpc_engine_new(c->cfg, &c->lg, &c->engine)) != GPC_OK)
		fprintf(stderr, PROG ": %s\n", gpc_strerror(r));
	return r;
}

static void
print_json(json_t *j)
{
	char *s = json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS);

	if (s != NULL)
		printf("%s\n", s);
	free(s);
}

/* One result, for people. */
static void
print_result(json_t *res)
{
	json_t *reasons = json_object_get(res, "reasons"), *effects = json_object_get(res, "effects");
	const char *what = json_string_value(json_object_get(res, "action"));
	size_t i;
	json_t *v;

	if (what == NULL)
		what = json_string_value(json_object_get(res, "kind"));
	printf("%s", json_string_value(json_object_get(res, "id")) != NULL ?
	    json_string_value(json_object_get(res, "id")) :
	    json_string_value(json_object_get(res, "file")));
	if (what != NULL)
		printf(" (%s)", what);
	printf(": %s\n", json_string_value(json_object_get(res, "outcome")));
	json_array_foreach(reasons, i, v) {
		const char *field = json_string_value(json_object_get(v, "field"));

		printf("  reason %s%s%s: %s\n", json_string_value(json_object_get(v, "code")),
		    field != NULL && *field ? " at " : "", field != NULL ? field : "",
		    json_string_value(json_object_get(v, "message")));
	}
	json_array_foreach(effects, i, v)
		printf("  %s\n", json_string_value(v));
	if (json_object_get(res, "signer") != NULL)
		printf("  signed by %s\n", json_string_value(json_object_get(res, "signer")));
}

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

static int
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
		return r == GPC_ERR_FORMAT || r == GPC_ERR_EXISTS ? EXIT_REFUSED : EXIT_SOFTWARE;
	}
	if (c->json)
		printf("{\"submitted\": \"%s\"}\n", id);
	else
		printf("submitted %s\n", id);
	free(id);
	return EXIT_OK;
}

static int
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

static int
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

static int
find_account(struct ctl *c, const char *uid, struct gpc_account **a)
{
	int r;

	if ((r = need_engine(c)) != GPC_OK)
		return r;
	r = gpc_dir_find_account(gpc_engine_dir(c->engine), uid, a);
	if (r == GPC_ERR_NOTFOUND || r == GPC_ERR_INVAL)
		fprintf(stderr, PROG ": no account %.64s\n", uid);
	else if (r != GPC_OK)
		fprintf(stderr, PROG ": %s\n", gpc_strerror(r));
	return r;
}

/* A name for display: the first character, the rest starred (PIPL: minimise). */
static void
mask_name(const char *name, char *out, size_t len)
{
	size_t first = 1;

	if (name == NULL || *name == '\0') {
		snprintf(out, len, "-");
		return;
	}
	while (name[first] != '\0' && ((unsigned char)name[first] & 0xc0) == 0x80)
		first++;
	snprintf(out, len, "%.*s**", (int)first, name);
}

static int
cmd_account(struct ctl *c, int argc, char **argv)
{
	struct gpc_account *a = NULL;
	char mobile[12], name[16], t[21];
	json_t *j;
	int r;

	if (argc != 3 || strcmp(argv[1], "show") != 0) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if ((r = find_account(c, argv[2], &a)) != GPC_OK)
		return cli_exit_code(r);
	gpc_mask_mobile(a->mobile != NULL ? a->mobile : "", mobile);
	mask_name(a->name, name, sizeof(name));
	j = json_pack("{s:s, s:s, s:s, s:s, s:s?, s:s?, s:s, s:s, s:s, s:s?, s:b, s:b}",
	    "uid", a->uid, "unit", a->unit_code ? a->unit_code : "", "unit_state",
	    a->unit_state, "state", a->state, "reason", a->state_reason, "role", a->role,
	    "holder", name, "id_number", a->holder_masked ? a->holder_masked : "-",
	    "mobile", mobile, "last_decision", a->last_decision,
	    "enrolled", a->seed_sealed != NULL, "password_locked", a->pw_locked);
	if (a->deadline != 0) {
		gpc_time_rfc3339(a->deadline, t);
		json_object_set_new(j, "deadline", json_string(t));
	}
	if (a->last_login != 0) {
		gpc_time_rfc3339(a->last_login, t);
		json_object_set_new(j, "last_login", json_string(t));
	}
	if (c->json)
		print_json(j);
	else {
		printf("account    %s\n", a->uid);
		printf("unit       %s %s (%s)\n", a->unit_code ? a->unit_code : "-",
		    a->unit_name ? a->unit_name : "", a->unit_state);
		printf("post       %s\n", a->role);
		printf("state      %s%s%s\n", a->state, a->state_reason ? " — " : "",
		    a->state_reason ? a->state_reason : "");
		if (a->deadline != 0)
			printf("deadline   %s\n", json_string_value(json_object_get(j, "deadline")));
		printf("holder     %s, ID %s, mobile %s\n", name,
		    a->holder_masked ? a->holder_masked : "-", mobile);
		printf("enrolled   %s\n", a->seed_sealed != NULL ? "yes" : "no");
		if (a->last_decision != NULL)
			printf("last doc   %s\n", a->last_decision);
	}
	json_decref(j);
	gpc_account_free(a);
	return EXIT_OK;
}

/* Read one line from the terminal (or stdin) without echo if asked. */
static char *
read_line(const char *prompt, int noecho)
{
	struct termios old, raw;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int tty = isatty(STDIN_FILENO), restored = 1;

	if (prompt != NULL && tty) {
		fputs(prompt, stderr);
		fflush(stderr);
	}
	if (noecho && tty && tcgetattr(STDIN_FILENO, &old) == 0) {
		raw = old;
		raw.c_lflag &= ~(tcflag_t)ECHO;
		restored = tcsetattr(STDIN_FILENO, TCSAFLUSH, &raw) != 0;
	}
	n = getline(&line, &cap, stdin);
	if (!restored) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
		fputc('\n', stderr);
	}
	if (n < 0) {
		if (line != NULL)
			gpc_freezero(line, cap);
		return NULL;
	}
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	return line;
}

static int
cmd_enroll(struct ctl *c, int argc, char **argv)
{
	static const struct option lo[] = { { "no-confirm", no_argument, NULL, 'n' },
		{ "secret-file", required_argument, NULL, 's' },
		{ "invert", no_argument, NULL, 'i' }, { NULL, 0, NULL, 0 } };
	struct gpc_account *a = NULL;
	struct gpc_totp_params p;
	unsigned char seed[GPC_TOTP_SEED_MAX];
	char *b32 = NULL, *grouped = NULL, *uri = NULL, *qr = NULL, *sealed = NULL;
	char *code = NULL, digits[8], period[8], stepv[24];
	const char *secret_file = NULL;
	size_t seed_len;
	int64_t step = -1;
	int ch, no_confirm = 0, invert = 0, r, ex = EXIT_SOFTWARE, tries, fd = -1;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "ns:i", lo, NULL)) != -1) {
		switch (ch) {
		case 'n': no_confirm = 1; break;
		case 's': secret_file = optarg; break;
		case 'i': invert = 1; break;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (optind != argc - 1 || (no_confirm && secret_file == NULL)) {
		fprintf(stderr, PROG ": enroll UID, or enroll UID --no-confirm --secret-file FILE\n");
		return EXIT_USAGE;
	}
	if ((r = find_account(c, argv[optind], &a)) != GPC_OK)
		return cli_exit_code(r);
	if (strcmp(a->state, "active") != 0) {
		fprintf(stderr, PROG ": account %s is %s: only active accounts enroll\n", a->uid,
		    a->state);
		ex = EXIT_REFUSED;
		goto out;
	}
	p.digits = c->cfg->digits;
	p.period = c->cfg->period;
	p.window = c->cfg->window;
	p.algorithm = c->cfg->algorithm;
	seed_len = gpc_totp_seed_len(p.algorithm);
	if (gpc_totp_seed_new(seed, seed_len) != GPC_OK ||
	    gpc_totp_base32(seed, seed_len, 0, &b32) != GPC_OK ||
	    gpc_totp_base32(seed, seed_len, 1, &grouped) != GPC_OK ||
	    gpc_totp_uri(&p, c->cfg->issuer, a->uid, seed, seed_len, &uri) != GPC_OK)
		goto out;
	if (secret_file != NULL) {
		/* The secret goes only to a new file only we can read. */
		fd = open(secret_file, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd < 0 || write(fd, b32, strlen(b32)) != (ssize_t)strlen(b32) ||
		    write(fd, "\n", 1) != 1 || close(fd) != 0) {
			fprintf(stderr, PROG ": %s: %s\n", secret_file, strerror(errno));
			fd = -1;
			goto out;
		}
		fd = -1;
	}
	if (!no_confirm) {
		if (gpc_qr_utf8(uri, invert, &qr) == GPC_OK)
			printf("%s\n", qr);
		printf("Scan the code with the authenticator app, or enter the key by hand:\n"
		    "  account  %s\n  key      %s\n  type     time-based, %d digits, every %d s, "
		    "%s\n\n", a->uid, grouped, p.digits, p.period, gpc_algo_name(p.algorithm));
		fflush(stdout);
		for (tries = 0; tries < 3; tries++) {
			gpc_freezero_str(code);
			if ((code = read_line("Code shown by the app: ", 0)) == NULL)
				break;
			r = gpc_totp_verify(&p, seed, seed_len, code, (int64_t)time(NULL), -1,
			    &step);
			if (r == GPC_OK)
				break;
			fprintf(stderr, "That code does not match; check the phone's clock and "
			    "try the next code.\n");
		}
		if (step < 0) {
			fprintf(stderr, PROG ": not confirmed; nothing stored\n");
			ex = EXIT_REFUSED;
			goto out;
		}
	}
	if ((r = gpc_seal(gpc_engine_keys(c->engine), a->dn, seed, seed_len, &sealed)) !=
	    GPC_OK)
		goto out;
	snprintf(digits, sizeof(digits), "%d", p.digits);
	snprintf(period, sizeof(period), "%d", p.period);
	snprintf(stepv, sizeof(stepv), "%lld", (long long)step);
	{
		char *sv[2] = { sealed, NULL }, *dv[2] = { digits, NULL }, *pv[2] = { period, NULL };
		char *av[2] = { (char *)gpc_algo_name(p.algorithm), NULL }, *stv[2] = { stepv, NULL };
		char *none[1] = { NULL };
		LDAPMod m_seed = { LDAP_MOD_REPLACE, "gpcTotpSeed", { .modv_strvals = sv } };
		LDAPMod m_dig = { LDAP_MOD_REPLACE, "gpcTotpDigits", { .modv_strvals = dv } };
		LDAPMod m_per = { LDAP_MOD_REPLACE, "gpcTotpPeriod", { .modv_strvals = pv } };
		LDAPMod m_alg = { LDAP_MOD_REPLACE, "gpcTotpAlgorithm", { .modv_strvals = av } };
		/* The confirming code is spent: it cannot be used again to log in. */
		LDAPMod m_step = { LDAP_MOD_REPLACE, "gpcTotpStep",
			{ .modv_strvals = step >= 0 ? stv : none } };
		LDAPMod m_fail = { LDAP_MOD_REPLACE, "gpcTotpFailures", { .modv_strvals = none } };
		LDAPMod m_lock = { LDAP_MOD_REPLACE, "gpcLockedUntil", { .modv_strvals = none } };
		LDAPMod *mods[] = { &m_seed, &m_dig, &m_per, &m_alg, &m_step, &m_fail, &m_lock,
			NULL };

		r = gpc_dir_modify(gpc_engine_dir(c->engine), a->dn, mods, NULL);
	}
	if (r != GPC_OK) {
		fprintf(stderr, PROG ": storing the seed failed: %s\n", gpc_strerror(r));
		ex = cli_exit_code(r);
		goto out;
	}
	printf("enrolled %s (%d digits, %d s, %s)\n", a->uid, p.digits, p.period,
	    gpc_algo_name(p.algorithm));
	ex = EXIT_OK;
out:
	explicit_bzero(seed, sizeof(seed));
	gpc_freezero_str(b32);
	gpc_freezero_str(grouped);
	gpc_freezero_str(uri);
	gpc_freezero_str(qr);
	gpc_freezero_str(code);
	free(sealed);
	gpc_account_free(a);
	return ex;
}

static int
cmd_passwd(struct ctl *c, int argc, char **argv)
{
	static const struct option lo[] = { { "password-file", required_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 } };
	struct gpc_account *a = NULL;
	const char *file = NULL, *why = NULL;
	char *pw = NULL, *again = NULL;
	unsigned char *buf = NULL;
	size_t len = 0;
	int ch, r, ex = EXIT_SOFTWARE;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "p:", lo, NULL)) != -1) {
		if (ch != 'p') {
			usage(stderr);
			return EXIT_USAGE;
		}
		file = optarg;
	}
	if (optind != argc - 1) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if ((r = find_account(c, argv[optind], &a)) != GPC_OK)
		return cli_exit_code(r);
	if (file != NULL) {
		if ((r = gpc_read_secret_file(file, 1024, 1, &buf, &len)) != GPC_OK) {
			fprintf(stderr, PROG ": %s: %s\n", file, gpc_strerror(r));
			ex = cli_exit_code(r);
			goto out;
		}
		pw = (char *)buf;
	} else {
		if ((pw = read_line("New password: ", 1)) == NULL)
			goto out;
		if (isatty(STDIN_FILENO)) {
			if ((again = read_line("Again: ", 1)) == NULL || strcmp(pw, again) != 0) {
				fprintf(stderr, PROG ": the two passwords differ\n");
				ex = EXIT_REFUSED;
				goto out;
			}
		}
	}
	r = gpc_dir_passwd(gpc_engine_dir(c->engine), a->dn, NULL, pw, &why);
	if (r != GPC_OK) {
		fprintf(stderr, PROG ": password refused: %s\n",
		    why != NULL ? why : gpc_strerror(r));
		ex = r == GPC_ERR_INVAL ? EXIT_REFUSED : cli_exit_code(r);
		goto out;
	}
	printf("password set for %s\n", a->uid);
	ex = EXIT_OK;
out:
	gpc_freezero_str(pw);
	gpc_freezero_str(again);
	gpc_account_free(a);
	return ex;
}

static int
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

static int
cmd_keys(struct ctl *c, int argc, char **argv)
{
	int r, version = 0;

	if (argc != 2 || strcmp(argv[1], "generate") != 0) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if ((r = need_config(c)) != GPC_OK)
		return cli_exit_code(r);
	if ((r = gpc_keys_generate(c->cfg->key_dir, &version)) != GPC_OK) {
		fprintf(stderr, PROG ": %s: %s\n", c->cfg->key_dir, gpc_strerror(r));
		return cli_exit_code(r);
	}
	printf("key version %d created in %s\n", version, c->cfg->key_dir);
	return EXIT_OK;
}

static const struct {
	const char *name;
	int (*fn)(struct ctl *, int, char **);
} commands[] = {
	{ "submit", cmd_submit }, { "check", cmd_check }, { "results", cmd_results },
	{ "account", cmd_account }, { "enroll", cmd_enroll }, { "passwd", cmd_passwd },
	{ "sign", cmd_sign }, { "keys", cmd_keys }, { NULL, NULL }
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
	gpc_engine_free(c.engine);
	gpc_cfg_free(c.cfg);
	return ex;
}
