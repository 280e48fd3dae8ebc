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
#include "dir_login.h"
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

/* The local date a deadline (24:00 of that date) belongs to: the instant minus a second. */
static void
deadline_date(time_t t, char out[11])
{
	struct tm tm;
	time_t last = t - 1;

	localtime_r(&last, &tm);
	strftime(out, 11, "%Y-%m-%d", &tm);
}

/* The states of accounts, for account list --state. */
static const char *const states[] = { "pending", "active", "denied", "suspended",
	"terminated", NULL };

/*
 * The account's ppolicy lock, pwdAccountLockedTime as stored (read as the
 * provisioner, who alone may), or NULL when there is none.
 */
static int
pw_lock_of(struct ctl *c, const char *dn, char **out)
{
	static char *attrs[] = { "pwdAccountLockedTime", NULL };
	struct gpc_dir *d = gpc_engine_dir(c->engine);
	LDAPMessage *res = NULL, *en;
	int r;

	*out = NULL;
	if ((r = gpc_dir_search(d, dn, LDAP_SCOPE_BASE, "(objectClass=*)", attrs, 1, &res)) ==
	    GPC_OK && (en = ldap_first_entry(gpc_dir_ldap(d), res)) != NULL)
		*out = gpc_dir_get(d, en, "pwdAccountLockedTime");
	ldap_msgfree(res);
	return r;
}

/* Whether a lock value is the administrative one of a suspension or termination. */
static int
administrative_lock(const char *v)
{
	return v != NULL && strcmp(v, GPC_PPOLICY_ADMIN_LOCK) == 0;
}

/* Whether the second factor is locked now, as a login decides (login.c). */
static int
codes_locked(const struct ctl *c, const struct gpc_account *a, time_t now)
{
	return a->locked_until > now || (a->failures >= 0 && a->failures >=
	    c->cfg->failure_limit);
}

static json_t *
account_json(const struct gpc_account *a)
{
	char mobile[12], name[16], t[21], day[11];
	json_t *j;

	gpc_mask_mobile(a->mobile != NULL ? a->mobile : "", mobile);
	mask_name(a->name, name, sizeof(name));
	j = json_pack("{s:s, s:s, s:s?, s:s, s:s?, s:s?, s:s?, s:s, s:s, s:s, s:s?, s:b, s:b}",
	    "uid", a->uid, "unit", a->unit_code ? a->unit_code : "", "unit_state",
	    a->unit_state, "state", a->state, "reason", a->state_reason, "reason_text",
	    a->state_text, "role", a->role, "holder", name, "id_number",
	    a->holder_masked ? a->holder_masked : "-", "mobile", mobile, "last_decision",
	    a->last_decision, "enrolled", a->seed_sealed != NULL, "password_locked",
	    a->pw_locked);
	if (a->deadline != 0) {
		deadline_date(a->deadline, day);
		json_object_set_new(j, "deadline", json_string(day));
		json_object_set_new(j, "on_deadline", json_string(a->on_deadline ?
		    a->on_deadline : ""));
	}
	if (a->last_login != 0) {
		gpc_time_rfc3339(a->last_login, t);
		json_object_set_new(j, "last_login", json_string(t));
	}
	if (a->holder_since != 0) {
		gpc_time_rfc3339(a->holder_since, t);
		json_object_set_new(j, "holder_since", json_string(t));
	}
	return j;
}

static int
account_show(struct ctl *c, const char *uid)
{
	struct gpc_account *a = NULL;
	char *lock = NULL, until[21], since[21];
	time_t now = time(NULL), lock_t = 0;
	int64_t failures;
	json_t *j;
	int r;

	if ((r = find_account(c, uid, &a)) != GPC_OK)
		return cli_exit_code(r);
	(void)pw_lock_of(c, a->dn, &lock);
	if (lock != NULL && !administrative_lock(lock))
		(void)gpc_time_parse_generalized(lock, &lock_t);
	failures = a->failures > 0 ? a->failures : 0;
	j = account_json(a);
	/* the second factor's lockout (wrong codes) and why binds fail (ppolicy) */
	json_object_set_new(j, "password_lock", json_string(lock == NULL ? "none" :
	    administrative_lock(lock) ? "administrative" : "wrong_passwords"));
	if (lock_t != 0) {
		gpc_time_rfc3339(lock_t, since);
		json_object_set_new(j, "password_locked_since", json_string(since));
	}
	json_object_set_new(j, "totp_failures", json_integer((json_int_t)failures));
	json_object_set_new(j, "totp_failure_limit", json_integer(c->cfg->failure_limit));
	json_object_set_new(j, "totp_locked", json_boolean(codes_locked(c, a, now)));
	if (a->locked_until > now) {
		gpc_time_rfc3339(a->locked_until, until);
		json_object_set_new(j, "totp_locked_until", json_string(until));
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
		if (a->state_text != NULL)
			printf("reason     %s\n", a->state_text);
		if (a->deadline != 0)
			printf("deadline   %s (24:00 %s), then %s\n",
			    json_string_value(json_object_get(j, "deadline")), c->cfg->time_zone,
			    a->on_deadline ? a->on_deadline : "?");
		printf("holder     %s, ID %s, mobile %s\n",
		    json_string_value(json_object_get(j, "holder")),
		    a->holder_masked ? a->holder_masked : "-",
		    json_string_value(json_object_get(j, "mobile")));
		if (a->holder_since != 0)
			printf("since      %s\n",
			    json_string_value(json_object_get(j, "holder_since")));
		printf("enrolled   %s\n", a->seed_sealed != NULL ? "yes" : "no");
		if (a->locked_until > now)
			printf("codes      locked until %s after %d wrong codes (" PROG " unlock "
			    "%s)\n", until, c->cfg->failure_limit, a->uid);
		else if (codes_locked(c, a, now))
			printf("codes      locked: %lld wrong codes (" PROG " unlock %s)\n",
			    (long long)failures, a->uid);
		else
			printf("codes      not locked, %lld wrong in a row (locks at %d)\n",
			    (long long)failures, c->cfg->failure_limit);
		if (lock == NULL)
			printf("password   not locked\n");
		else if (administrative_lock(lock))
			printf("password   locked: binds refused (the administrative lock of a %s)\n",
			    strcmp(a->state, "active") == 0 ? "suspended unit" :
			    "suspension or termination");
		else
			printf("password   locked: binds refused after wrong passwords, since %s (" PROG
			    " unlock %s)\n", lock_t != 0 ? since : lock, a->uid);
		if (a->last_login != 0)
			printf("last login %s\n",
			    json_string_value(json_object_get(j, "last_login")));
		if (a->last_decision != NULL)
			printf("last doc   %s\n", a->last_decision);
	}
	json_decref(j);
	free(lock);
	gpc_account_free(a);
	return EXIT_OK;
}

/* A unit code on the command line: one that cannot name a unit is a usage error. */
static int
unit_code_ok(const char *what, const char *code)
{
	const char *why = NULL;

	if (gpc_valid_uscc(code, &why) == GPC_OK)
		return 1;
	ctl_usage("%s %.64s: not a unit code (a unified social credit code): %s", what, code,
	    why != NULL ? why : "invalid");
	return 0;
}

/* account list [--unit CODE] [--state STATE] */
static int
account_list(struct ctl *c, int argc, char **argv)
{
	static const struct option lo[] = { { "unit", required_argument, NULL, 'u' },
		{ "state", required_argument, NULL, 's' }, { NULL, 0, NULL, 0 } };
	static char *attrs[] = { "uid", "gpcUnitCode", "gpcRole", "gpcState", "gpcStateReason",
		"gpcTotpSeed", NULL };
	const char *unit = NULL, *state = NULL;
	char *filter = NULL, *base = NULL, *eu = NULL, *es = NULL;
	LDAPMessage *res = NULL, *en;
	json_t *all = json_array();
	struct gpc_dir *d;
	int ch, r, ex = EXIT_SOFTWARE;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "u:s:", lo, NULL)) != -1) {
		switch (ch) {
		case 'u': unit = optarg; break;
		case 's': state = optarg; break;
		default:
			json_decref(all);
			return ctl_usage("account list [--unit CODE] [--state STATE]");
		}
	}
	if (optind != argc) {
		json_decref(all);
		return ctl_usage("account list takes no operand (%.64s)", argv[optind]);
	}
	if (state != NULL) {
		int k;

		for (k = 0; states[k] != NULL && strcmp(states[k], state) != 0; k++)
			;
		if (states[k] == NULL) {
			json_decref(all);
			return ctl_usage("--state %.32s: not a state (pending, active, denied, "
			    "suspended, terminated)", state);
		}
	}
	if (unit != NULL && !unit_code_ok("--unit", unit)) {
		json_decref(all);
		return EXIT_USAGE;
	}
	if ((r = need_engine(c)) != GPC_OK) {
		json_decref(all);
		return cli_exit_code(r);
	}
	d = gpc_engine_dir(c->engine);
	if ((unit != NULL && gpc_dir_filter_escape(unit, strlen(unit), &eu) != GPC_OK) ||
	    (state != NULL && gpc_dir_filter_escape(state, strlen(state), &es) != GPC_OK) ||
	    gpc_asprintf(&filter, "(&(objectClass=gpcAccount)%s%s%s%s%s%s)",
	    eu ? "(gpcUnitCode=" : "", eu ? eu : "", eu ? ")" : "",
	    es ? "(gpcState=" : "", es ? es : "", es ? ")" : "") < 0 ||
	    gpc_asprintf(&base, "ou=units,%s", gpc_dir_base(d)) < 0)
		goto out;
	if ((r = gpc_dir_search(d, base, LDAP_SCOPE_SUBTREE, filter, attrs, 0, &res)) != GPC_OK) {
		fprintf(stderr, PROG ": %s\n", gpc_strerror(r));
		ex = cli_exit_code(r);
		goto out;
	}
	for (en = ldap_first_entry(gpc_dir_ldap(d), res); en != NULL;
	    en = ldap_next_entry(gpc_dir_ldap(d), en)) {
		char *v[5] = { gpc_dir_get(d, en, "uid"), gpc_dir_get(d, en, "gpcUnitCode"),
			gpc_dir_get(d, en, "gpcRole"), gpc_dir_get(d, en, "gpcState"),
			gpc_dir_get(d, en, "gpcStateReason") };
		char *seed = gpc_dir_get(d, en, "gpcTotpSeed");
		int k;

		json_array_append_new(all, json_pack("{s:s?, s:s?, s:s?, s:s?, s:s?, s:b}",
		    "uid", v[0], "unit", v[1], "role", v[2], "state", v[3], "reason", v[4],
		    "enrolled", seed != NULL));
		for (k = 0; k < 5; k++)
			free(v[k]);
		free(seed);
	}
	if (c->json)
		print_json(all);
	else {
		size_t i;
		json_t *a;

		printf("%-24s %-18s %-9s %-10s %-8s %s\n", "ACCOUNT", "UNIT", "POST", "STATE",
		    "ENROLLED", "REASON");
		json_array_foreach(all, i, a)
			printf("%-24s %-18s %-9s %-10s %-8s %s\n",
			    json_string_value(json_object_get(a, "uid")),
			    json_string_value(json_object_get(a, "unit")),
			    json_string_value(json_object_get(a, "role")),
			    json_string_value(json_object_get(a, "state")),
			    json_is_true(json_object_get(a, "enrolled")) ? "yes" : "no",
			    json_string_value(json_object_get(a, "reason")) ?
			    json_string_value(json_object_get(a, "reason")) : "");
	}
	ex = EXIT_OK;
out:
	ldap_msgfree(res);
	json_decref(all);
	free(filter);
	free(base);
	free(eu);
	free(es);
	return ex;
}

int
cmd_account(struct ctl *c, int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "show") == 0) {
		if (argc == 2)
			return ctl_usage("account show: name the account (account show UID)");
		if (argc > 3)
			return ctl_usage("account show takes one UID");
		return account_show(c, argv[2]);
	}
	if (argc >= 2 && strcmp(argv[1], "list") == 0)
		return account_list(c, argc - 1, argv + 1);
	if (argc < 2)
		return ctl_usage("account: say show UID or list");
	return ctl_usage("account %.32s: not a subcommand (show UID, list)", argv[1]);
}

/* unit show CODE */
int
cmd_unit(struct ctl *c, int argc, char **argv)
{
	static char *attrs[] = { "gpcUnitCode", "o", "postalAddress", "gpcAuthority", "gpcRegion",
		"gpcContactName", "telephoneNumber", "gpcState", "gpcStateReason",
		"gpcStateText", "gpcDeadline", "gpcOnDeadline", "gpcLastDecision", NULL };
	static char *acct_attrs[] = { "uid", "gpcRole", "gpcState", NULL };
	LDAPMessage *res = NULL, *accts = NULL, *en;
	struct gpc_dir *d;
	char *dn = NULL, *v[13], contact[16], phone[16];
	json_t *j = NULL, *list;
	int r, k, ex = EXIT_SOFTWARE;

	if (argc < 2 || strcmp(argv[1], "show") != 0)
		return ctl_usage("unit show CODE");
	if (argc != 3)
		return ctl_usage(argc == 2 ? "unit show: name the unit (unit show CODE)" :
		    "unit show takes one CODE");
	/* a code that cannot name a unit is a usage error (exit 2), not "no unit" */
	if (!unit_code_ok("unit", argv[2]))
		return EXIT_USAGE;
	if ((r = need_engine(c)) != GPC_OK)
		return cli_exit_code(r);
	d = gpc_engine_dir(c->engine);
	if (gpc_dir_unit_dn(d, argv[2], &dn) != GPC_OK)
		return ctl_usage("unit %.64s: not a unit code", argv[2]);
	r = gpc_dir_search(d, dn, LDAP_SCOPE_BASE, "(objectClass=gpcUnit)", attrs, 1, &res);
	if (r != GPC_OK || (en = ldap_first_entry(gpc_dir_ldap(d), res)) == NULL) {
		fprintf(stderr, PROG ": no unit %s\n", argv[2]);
		ex = r == GPC_OK || r == GPC_ERR_NOTFOUND ? EXIT_REFUSED : cli_exit_code(r);
		goto out;
	}
	for (k = 0; k < 13; k++)
		v[k] = gpc_dir_get(d, en, attrs[k]);
	mask_name(v[5], contact, sizeof(contact));
	/* a unit's phone is an office line, but it may be a person's mobile: mask it too */
	if (v[6] != NULL && strlen(v[6]) == 11)
		gpc_mask_mobile(v[6], phone);
	else
		snprintf(phone, sizeof(phone), "%s", v[6] != NULL ? v[6] : "-");
	j = json_pack("{s:s?, s:s?, s:s?, s:s?, s:s?, s:s, s:s, s:s?, s:s?, s:s?, s:s?}", "code",
	    v[0], "name", v[1], "address", v[2], "authority", v[3], "region", v[4], "contact",
	    contact, "phone", phone, "state", v[7], "reason", v[8], "reason_text", v[9],
	    "last_decision", v[12]);
	if (v[10] != NULL) {
		time_t t;
		char day[11];

		if (gpc_time_parse_generalized(v[10], &t) == GPC_OK) {
			deadline_date(t, day);
			json_object_set_new(j, "deadline", json_string(day));
		}
		json_object_set_new(j, "on_deadline", json_string(v[11] ? v[11] : ""));
	}
	list = json_array();
	if (gpc_dir_search(d, dn, LDAP_SCOPE_ONELEVEL, "(objectClass=gpcAccount)", acct_attrs, 0,
	    &accts) == GPC_OK)
		for (en = ldap_first_entry(gpc_dir_ldap(d), accts); en != NULL;
		    en = ldap_next_entry(gpc_dir_ldap(d), en)) {
			char *u = gpc_dir_get(d, en, "uid"), *ro = gpc_dir_get(d, en, "gpcRole");
			char *st = gpc_dir_get(d, en, "gpcState");

			json_array_append_new(list, json_pack("{s:s?, s:s?, s:s?}", "uid", u, "role",
			    ro, "state", st));
			free(u);
			free(ro);
			free(st);
		}
	json_object_set_new(j, "accounts", list);
	if (c->json)
		print_json(j);
	else {
		size_t i;
		json_t *a;

		printf("unit       %s %s\n", v[0], v[1] ? v[1] : "");
		printf("state      %s%s%s\n", v[7] ? v[7] : "?", v[8] ? " — " : "", v[8] ? v[8] : "");
		if (json_object_get(j, "deadline") != NULL)
			printf("deadline   %s (24:00 %s), then %s\n",
			    json_string_value(json_object_get(j, "deadline")), c->cfg->time_zone,
			    v[11] ? v[11] : "?");
		printf("region     %s\n", v[4] ? v[4] : "-");
		printf("address    %s\n", v[2] ? v[2] : "-");
		printf("authority  %s\n", v[3] ? v[3] : "-");
		printf("contact    %s, %s\n", contact, phone);
		json_array_foreach(list, i, a)
			printf("account    %-24s %-9s %s\n",
			    json_string_value(json_object_get(a, "uid")),
			    json_string_value(json_object_get(a, "role")),
			    json_string_value(json_object_get(a, "state")));
	}
	for (k = 0; k < 13; k++)
		free(v[k]);
	ex = EXIT_OK;
out:
	json_decref(j);
	ldap_msgfree(res);
	ldap_msgfree(accts);
	free(dn);
	return ex;
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
		default:
			return ctl_usage("enroll UID [--invert], or enroll UID --no-confirm "
			    "--secret-file FILE");
		}
	}
	if (optind == argc)
		return ctl_usage("enroll: name the account (enroll UID)");
	if (optind != argc - 1)
		return ctl_usage("enroll takes one UID");
	if (no_confirm && secret_file == NULL)
		return ctl_usage("enroll --no-confirm needs --secret-file FILE");
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
		/* an administrator enrolled the holder: a pending first-login code is void */
		LDAPMod m_ecode = { LDAP_MOD_REPLACE, "gpcEnrollCode", { .modv_strvals = none } };
		LDAPMod m_eexp = { LDAP_MOD_REPLACE, "gpcEnrollExpires", { .modv_strvals = none } };
		LDAPMod *mods[] = { &m_seed, &m_dig, &m_per, &m_alg, &m_step, &m_fail, &m_lock,
			&m_ecode, &m_eexp, NULL };

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
	(void)ctl_audit(c, "enroll", ex == EXIT_OK ? "success" : "failure",
	    json_pack("{s:s, s:s?}", "uid", a->uid, "unit", a->unit_code));
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
		if (ch != 'p')
			return ctl_usage("passwd UID [--password-file FILE]");
		file = optarg;
	}
	if (optind == argc)
		return ctl_usage("passwd: name the account (passwd UID)");
	if (optind != argc - 1)
		return ctl_usage("passwd takes one UID");
	if ((r = find_account(c, argv[optind], &a)) != GPC_OK)
		return cli_exit_code(r);
	if (file != NULL) {
		char fwhy[160];

		if ((r = gpc_read_secret_file_why(file, 1024, 1, &buf, &len, fwhy,
		    sizeof(fwhy))) != GPC_OK) {
			fprintf(stderr, PROG ": %s: %s\n", file, fwhy[0] != '\0' ? fwhy :
			    gpc_strerror(r));
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
		int min = 0;

		/* too short (or empty): say the policy's rule too */
		if (r == GPC_ERR_INVAL && (*pw == '\0' || (why != NULL &&
		    strcmp(why, ldap_passwordpolicy_err2txt(PP_passwordTooShort)) == 0)))
			(void)gpc_dir_login_pw_min_length(gpc_engine_dir(c->engine), a->dn, &min);
		if (min > 0)
			fprintf(stderr, PROG ": password refused: %s (at least %d characters)\n",
			    *pw == '\0' ? "it is empty" : why, min);
		else
			fprintf(stderr, PROG ": password refused: %s\n",
			    why != NULL ? why : *pw == '\0' ? "it is empty" : gpc_strerror(r));
		ex = r == GPC_ERR_INVAL ? EXIT_REFUSED : cli_exit_code(r);
		goto out;
	}
	/*
	 * ppolicy marks a set as a reset (pwdReset, which with pwdMustChange
	 * makes the holder choose their own) only for a writer with manage on
	 * userPassword; the provisioner has write there and manage on pwdReset.
	 */
	{
		char *truev[2] = { "TRUE", NULL };
		LDAPMod m = { LDAP_MOD_REPLACE, "pwdReset", { .modv_strvals = truev } };
		LDAPMod *mods[2] = { &m, NULL };

		if ((r = gpc_dir_modify(gpc_engine_dir(c->engine), a->dn, mods, NULL)) != GPC_OK) {
			fprintf(stderr, PROG ": password set, but not marked for a change at the "
			    "next login: %s\n", gpc_strerror(r));
			ex = cli_exit_code(r);
			goto out;
		}
	}
	printf("password set for %s\n", a->uid);
	ex = EXIT_OK;
out:
	gpc_freezero_str(pw);
	gpc_freezero_str(again);
	(void)ctl_audit(c, "passwd", ex == EXIT_OK ? "success" : "failure",
	    json_pack("{s:s, s:s?}", "uid", a->uid, "unit", a->unit_code));
	gpc_account_free(a);
	return ex;
}

/*
 * unlock UID: lift the second factor's lockout (gpcTotpFailures,
 * gpcLockedUntil) and ppolicy's lock after wrong passwords
 * (pwdAccountLockedTime; ppolicy drops pwdFailureTime with it), as the
 * provisioner; audited ("admin", command "unlock").  Never the
 * administrative lock of a suspension or termination (GPC_PPOLICY_ADMIN_LOCK):
 * only a bureau's decision lifts that; nor any ppolicy lock of an account
 * or unit that is not active.  The ppolicy lock is removed by its exact
 * value, so a suspension that locks the account meanwhile makes this fail
 * rather than be undone.
 */
int
cmd_unlock(struct ctl *c, int argc, char **argv)
{
	struct gpc_account *a = NULL;
	char *lock = NULL, *lockv[2] = { NULL, NULL }, *none[1] = { NULL }, until[21];
	time_t now = time(NULL);
	int r, ex = EXIT_SOFTWARE, codes, pw = 0, k = 0;
	json_t *cleared = json_array();

	if (argc != 2) {
		json_decref(cleared);
		return ctl_usage(argc < 2 ? "unlock: name the account (unlock UID)" :
		    "unlock takes one UID");
	}
	if ((r = find_account(c, argv[1], &a)) != GPC_OK) {
		json_decref(cleared);
		return cli_exit_code(r);
	}
	if ((r = pw_lock_of(c, a->dn, &lock)) != GPC_OK) {
		fprintf(stderr, PROG ": reading %s: %s\n", a->uid, gpc_strerror(r));
		ex = cli_exit_code(r);
		goto out;
	}
	codes = a->failures > 0 || a->locked_until != 0;
	/* failed binds lock with the time of the lock; a suspension with its own value */
	pw = lock != NULL && !administrative_lock(lock) && gpc_account_usable(a);
	lockv[0] = lock;
	{
		LDAPMod m_fail = { LDAP_MOD_REPLACE, "gpcTotpFailures", { .modv_strvals = none } };
		LDAPMod m_until = { LDAP_MOD_REPLACE, "gpcLockedUntil", { .modv_strvals = none } };
		LDAPMod m_pw = { LDAP_MOD_DELETE, "pwdAccountLockedTime", { .modv_strvals = lockv } };
		LDAPMod *mods[4] = { NULL };

		if (codes) {
			mods[k++] = &m_fail;
			mods[k++] = &m_until;
		}
		/* ppolicy clears pwdFailureTime with it (and allows nobody to write that) */
		if (pw)
			mods[k++] = &m_pw;
		r = k > 0 ? gpc_dir_modify(gpc_engine_dir(c->engine), a->dn, mods, NULL) : GPC_OK;
	}
	if (r == GPC_ERR_CONFLICT) {
		fprintf(stderr, PROG ": %s: its lock changed meanwhile (a suspension?); nothing "
		    "changed: look again with `" PROG " account show %s`\n", a->uid, a->uid);
		ex = EXIT_REFUSED;
		goto out;
	}
	if (r != GPC_OK) {
		fprintf(stderr, PROG ": unlocking %s: %s\n", a->uid, gpc_strerror(r));
		ex = cli_exit_code(r);
		goto out;
	}
	if (codes) {
		json_array_append_new(cleared, json_string("codes"));
		if (a->locked_until > now) {
			gpc_time_rfc3339(a->locked_until, until);
			printf("%s: the lockout after wrong codes (until %s) is lifted\n", a->uid,
			    until);
		} else
			printf("%s: the count of wrong codes (%lld) is cleared\n", a->uid,
			    (long long)(a->failures > 0 ? a->failures : 0));
	}
	if (pw) {
		json_array_append_new(cleared, json_string("password"));
		printf("%s: the password lock after wrong passwords is lifted\n", a->uid);
	}
	if (administrative_lock(lock))
		printf("%s: the password lock of a suspension or termination stays: only a "
		    "bureau's decision lifts it\n", a->uid);
	else if (lock != NULL && !pw)
		printf("%s: the password lock stays: the account or its unit is not active\n",
		    a->uid);
	else if (!codes && !pw)
		printf("%s: not locked; nothing changed\n", a->uid);
	ex = EXIT_OK;
out:
	(void)ctl_audit(c, "unlock", ex == EXIT_OK ? "success" : "failure",
	    json_pack("{s:s, s:s?, s:O}", "uid", a->uid, "unit", a->unit_code, "cleared",
	    cleared));
	json_decref(cleared);
	free(lock);
	gpc_account_free(a);
	return ex;
}
