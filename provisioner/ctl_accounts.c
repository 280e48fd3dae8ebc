/*
 * gpcgatectl: accounts — account show, enroll, passwd.
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

int
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

int
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

int
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

