/*
 * Login latency of pam_gpcgate.so against two references measured in the
 * same run on the same private slapd:
 *
 *   pam_permit   libpam itself (pam_start/authenticate/end with pam_permit)
 *   raw LDAP     the directory work a login cannot avoid, done directly with
 *                libldap: a new connection bound as the reader, the account
 *                search, a second connection bound as the user, and the
 *                compare-and-swap Modify of the TOTP step
 *
 * Each login uses its own account (N accounts per kind), so every one is a
 * real success with a fresh, unspent code.  Runs under tests/harness/with-env
 * (pam_wrapper, the private installation); prints one line per kind with
 * median and 90th percentile in ms, and the ratios.
 *
 *   bench_login [N]     (default 200)
 */
#include <lber.h>
#include <ldap.h>
#include <security/pam_appl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cfg.h"
#include "dir.h"
#include "err.h"
#include "seal.h"
#include "totp.h"
#include "util.h"

#define UNIT "11150124900633524J" /* fixtures unit 8 */

struct acct {
	char uid[32];
	char dn[256];
	char pw[32];
	unsigned char seed[20];
};

static struct gpc_cfg *cfg;
static struct gpc_keys *keys;

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void
report(const char *name, double *v, int n, double *median)
{
	qsort(v, (size_t)n, sizeof(double), cmp_double);
	*median = v[n / 2];
	printf("%-12s n=%-4d median %7.3f ms   p90 %7.3f ms   min %7.3f ms\n", name, n,
	    v[n / 2], v[(n * 9) / 10], v[0]);
}

static LDAP *
admin_bind(void)
{
	char *pw = NULL, path[512];
	size_t len = 0;
	struct berval cred;
	LDAP *ld = NULL;
	int v3 = 3;

	snprintf(path, sizeof(path), "%s/root.pw", getenv("GPC_TESTDIR"));
	if (gpc_read_file(path, 256, &pw, &len) != GPC_OK)
		return NULL;
	pw[strcspn(pw, "\n")] = '\0';
	ldap_initialize(&ld, getenv("GPC_LDAPI_URI"));
	ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &v3);
	cred.bv_val = pw;
	cred.bv_len = strlen(pw);
	if (ldap_sasl_bind_s(ld, getenv("GPC_ROOTDN"), LDAP_SASL_SIMPLE, &cred, NULL, NULL,
	    NULL) != LDAP_SUCCESS) {
		ldap_unbind_ext_s(ld, NULL, NULL);
		ld = NULL;
	}
	free(pw);
	return ld;
}

static int
add_unit(LDAP *ld)
{
	char dn[256];
	char *oc[] = { "gpcUnit", NULL }, *code[] = { UNIT, NULL }, *o[] = { "bench", NULL };
	char *region[] = { "150124", NULL }, *state[] = { "active", NULL };
	LDAPMod m[] = { { LDAP_MOD_ADD, "objectClass", { .modv_strvals = oc } },
		{ LDAP_MOD_ADD, "gpcUnitCode", { .modv_strvals = code } },
		{ LDAP_MOD_ADD, "o", { .modv_strvals = o } },
		{ LDAP_MOD_ADD, "gpcRegion", { .modv_strvals = region } },
		{ LDAP_MOD_ADD, "gpcState", { .modv_strvals = state } } };
	LDAPMod *mods[] = { &m[0], &m[1], &m[2], &m[3], &m[4], NULL };
	int rc;

	snprintf(dn, sizeof(dn), "gpcUnitCode=%s,ou=units,%s", UNIT, getenv("GPC_BASE"));
	rc = ldap_add_ext_s(ld, dn, mods, NULL, NULL);
	return rc == LDAP_SUCCESS || rc == LDAP_ALREADY_EXISTS ? 0 : -1;
}

/* An active, enrolled account, made directly in the directory. */
static int
add_account(LDAP *ld, const char *kind, int i, struct acct *a)
{
	char *sealed = NULL;
	int rc;

	snprintf(a->uid, sizeof(a->uid), "bench-%s-%04d", kind, i);
	snprintf(a->dn, sizeof(a->dn), "uid=%s,gpcUnitCode=%s,ou=units,%s", a->uid, UNIT,
	    getenv("GPC_BASE"));
	snprintf(a->pw, sizeof(a->pw), "Bench-pass-%04d!", i);
	if (gpc_random_bytes(a->seed, sizeof(a->seed)) != GPC_OK ||
	    gpc_seal(keys, a->dn, a->seed, sizeof(a->seed), &sealed) != GPC_OK)
		return -1;
	{
		char *oc[] = { "gpcAccount", "gpcOtpToken", NULL }, *uid[] = { a->uid, NULL };
		char *role[] = { "handler", NULL }, *state[] = { "active", NULL };
		char *pw[] = { a->pw, NULL }, *seed[] = { sealed, NULL }, *d[] = { "6", NULL };
		char *p[] = { "30", NULL }, *alg[] = { "sha1", NULL };
		LDAPMod m[] = { { LDAP_MOD_ADD, "objectClass", { .modv_strvals = oc } },
			{ LDAP_MOD_ADD, "uid", { .modv_strvals = uid } },
			{ LDAP_MOD_ADD, "gpcRole", { .modv_strvals = role } },
			{ LDAP_MOD_ADD, "gpcState", { .modv_strvals = state } },
			{ LDAP_MOD_ADD, "userPassword", { .modv_strvals = pw } },
			{ LDAP_MOD_ADD, "gpcTotpSeed", { .modv_strvals = seed } },
			{ LDAP_MOD_ADD, "gpcTotpDigits", { .modv_strvals = d } },
			{ LDAP_MOD_ADD, "gpcTotpPeriod", { .modv_strvals = p } },
			{ LDAP_MOD_ADD, "gpcTotpAlgorithm", { .modv_strvals = alg } } };
		LDAPMod *mods[] = { &m[0], &m[1], &m[2], &m[3], &m[4], &m[5], &m[6], &m[7], &m[8],
			NULL };

		rc = ldap_add_ext_s(ld, a->dn, mods, NULL, NULL);
	}
	free(sealed);
	return rc == LDAP_SUCCESS ? 0 : -1;
}

static void
code_for(const struct acct *a, char out[8])
{
	struct gpc_totp_params p = { GPC_ALGO_SHA1, 6, 30, 1 };

	gpc_totp_generate(&p, a->seed, sizeof(a->seed), (int64_t)time(NULL), out, 8);
}

struct answers {
	const char *pw, *code;
	int n;
};

static int
conv(int n, const struct pam_message **msg, struct pam_response **resp, void *data)
{
	struct answers *a = data;
	struct pam_response *r = calloc((size_t)n, sizeof(*r));
	int i;

	if (r == NULL)
		return PAM_BUF_ERR;
	for (i = 0; i < n; i++)
		if (msg[i]->msg_style == PAM_PROMPT_ECHO_OFF || msg[i]->msg_style == PAM_PROMPT_ECHO_ON)
			r[i].resp = strdup(a->n++ == 0 ? a->pw : a->code);
	*resp = r;
	return PAM_SUCCESS;
}

static int
pam_login(const char *service, const struct acct *a)
{
	char code[8] = "000000";
	struct answers ans = { a != NULL ? a->pw : "x", code, 0 };
	struct pam_conv pc = { conv, &ans };
	pam_handle_t *ph = NULL;
	int r;

	if (a != NULL)
		code_for(a, code);
	if (pam_start(service, a != NULL ? a->uid : "nobody", &pc, &ph) != PAM_SUCCESS)
		return -1;
	r = pam_authenticate(ph, 0);
	pam_end(ph, r);
	return r == PAM_SUCCESS ? 0 : -1;
}

static LDAP *
conn(const char *dn, const char *pw)
{
	struct berval cred = { strlen(pw), (char *)pw };
	LDAP *ld = NULL;
	int v3 = 3;

	if (ldap_initialize(&ld, cfg->uris[0]) != LDAP_SUCCESS)
		return NULL;
	ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &v3);
	if (ldap_sasl_bind_s(ld, dn, LDAP_SASL_SIMPLE, &cred, NULL, NULL, NULL) != LDAP_SUCCESS) {
		ldap_unbind_ext_s(ld, NULL, NULL);
		return NULL;
	}
	return ld;
}

/* The directory work of one login, done by hand (the reference). */
static int
raw_login(const struct acct *a, const char *reader_pw)
{
	static char *attrs[] = { "gpcTotpSeed", "gpcTotpStep", "gpcState", NULL };
	char filter[128], base[256], newv[24];
	char *nv[] = { newv, NULL };
	LDAPMod add = { LDAP_MOD_ADD, "gpcTotpStep", { .modv_strvals = nv } };
	LDAPMod *mods[] = { &add, NULL };
	LDAPMessage *res = NULL;
	LDAP *r = NULL, *u = NULL;
	int ok = -1;

	snprintf(filter, sizeof(filter), "(&(objectClass=gpcAccount)(uid=%s))", a->uid);
	snprintf(base, sizeof(base), "ou=units,%s", cfg->base);
	snprintf(newv, sizeof(newv), "%lld", (long long)(time(NULL) / 30));
	if ((r = conn(cfg->reader_dn, reader_pw)) == NULL)
		goto out;
	if (ldap_search_ext_s(r, base, LDAP_SCOPE_SUBTREE, filter, attrs, 0, NULL, NULL, NULL, 2,
	    &res) != LDAP_SUCCESS || ldap_count_entries(r, res) != 1)
		goto out;
	if ((u = conn(a->dn, a->pw)) == NULL)
		goto out;
	if (ldap_modify_ext_s(r, a->dn, mods, NULL, NULL) != LDAP_SUCCESS)
		goto out;
	ok = 0;
out:
	ldap_msgfree(res);
	if (u != NULL)
		ldap_unbind_ext_s(u, NULL, NULL);
	if (r != NULL)
		ldap_unbind_ext_s(r, NULL, NULL);
	return ok;
}

int
main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 200, i, fails = 0;
	struct acct *pa, *ra;
	double *tp, *tg, *tr, mp, mg, mr, t;
	char err[512], *reader_pw = NULL;
	size_t len;
	LDAP *admin;

	if (n < 10 || gpc_cfg_load(getenv("GPC_CONF"), &cfg, err, sizeof(err)) != GPC_OK ||
	    gpc_keys_load(cfg->key_dir, cfg->suite, &keys) != GPC_OK ||
	    gpc_read_file(cfg->reader_password_file, 256, &reader_pw, &len) != GPC_OK) {
		fprintf(stderr, "bench_login: setup failed (N >= 10; run under with-env)\n");
		return 1;
	}
	reader_pw[strcspn(reader_pw, "\n")] = '\0';
	pa = calloc((size_t)n, sizeof(*pa));
	ra = calloc((size_t)n, sizeof(*ra));
	tp = calloc((size_t)n, sizeof(double));
	tg = calloc((size_t)n, sizeof(double));
	tr = calloc((size_t)n, sizeof(double));
	if ((admin = admin_bind()) == NULL || add_unit(admin) != 0)
		return 1;
	for (i = 0; i < n; i++)
		if (add_account(admin, "pam", i, &pa[i]) != 0 || add_account(admin, "raw", i, &ra[i]))
			return 1;
	ldap_unbind_ext_s(admin, NULL, NULL);

	/* warm up the directory's caches and the module's libraries */
	(void)pam_login("permit", NULL);
	for (i = 0; i < n; i++) {
		t = now_ms();
		fails += pam_login("permit", NULL) != 0;
		tp[i] = now_ms() - t;
		t = now_ms();
		fails += raw_login(&ra[i], reader_pw) != 0;
		tr[i] = now_ms() - t;
		t = now_ms();
		fails += pam_login("bench", &pa[i]) != 0;
		tg[i] = now_ms() - t;
	}
	if (fails > 0)
		printf("warning: %d logins failed\n", fails);
	report("pam_permit", tp, n, &mp);
	report("raw LDAP", tr, n, &mr);
	report("pam_gpcgate", tg, n, &mg);
	printf("ratio pam_gpcgate / raw LDAP work of a login: %.2f\n", mg / mr);
	printf("ratio pam_gpcgate / pam_permit: %.1f\n", mg / mp);
	return fails > 0;
}
