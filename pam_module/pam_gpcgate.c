/*
 * pam_gpcgate — password by LDAP bind, then a TOTP code (RFC 6238) with the
 * replay guard held in the directory, then the account's lifecycle state.
 *
 * Module arguments (after conf=, which is read first):
 *   conf=PATH   configuration file (default /etc/gpcgate/gpcgate.conf)
 *   debug       log each step at LOG_DEBUG
 *
 * This file holds the pam_sm_* entry points and their conversation; the
 * work is the core library's.  It runs inside other people's processes
 * (sshd, login, web servers with threads): no static mutable data, no
 * exit, no signal handlers, every secret wiped.
 */
#include <security/pam_ext.h>
#include <security/pam_modules.h>
#include <security/pam_modutil.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "cfg.h"
#include "dir.h"
#include "err.h"
#include "log.h"
#include "seal.h"
#include "totp.h"
#include "util.h"

struct opts {
	const char *conf;
	int debug;
};

static void
parse_args(pam_handle_t *pamh, int argc, const char **argv, struct opts *o)
{
	int i;

	memset(o, 0, sizeof(*o));
	for (i = 0; i < argc; i++) {
		if (strncmp(argv[i], "conf=", 5) == 0)
			o->conf = argv[i] + 5;
		else if (strcmp(argv[i], "debug") == 0)
			o->debug = 1;
		else
			pam_syslog(pamh, LOG_ERR, "unknown option %.64s", argv[i]);
	}
}

static void
pam_sink(void *ctx, int prio, const char *msg)
{
	pam_syslog((pam_handle_t *)ctx, prio, "%s", msg);
}

/* The one place GPC_ERR_* becomes a PAM code. */
static int
pam_code(int r)
{
	switch (r) {
	case GPC_OK:
		return PAM_SUCCESS;
	case GPC_ERR_NOTFOUND:
		return PAM_USER_UNKNOWN;
	case GPC_ERR_UNAVAIL:
	case GPC_ERR_TIMEOUT:
	case GPC_ERR_TLS:
	case GPC_ERR_LDAP:
		return PAM_AUTHINFO_UNAVAIL;
	case GPC_ERR_CONFIG:
	case GPC_ERR_PERM:
	case GPC_ERR_KEY:
	case GPC_ERR_NOMEM:
	case GPC_ERR_IO:
		return PAM_SERVICE_ERR;
	case GPC_ERR_STATE:
		return PAM_PERM_DENIED;
	}
	return PAM_AUTH_ERR;
}

static int
load_config(pam_handle_t *pamh, const struct opts *o, struct gpc_cfg **cfg)
{
	char err[512];
	int r;

	if ((r = gpc_cfg_load(o->conf, cfg, err, sizeof(err))) != GPC_OK)
		pam_syslog(pamh, LOG_ERR, "%s", err);
	return r;
}

/* Ask one question; *answer is malloc'd by the application (wipe, free). */
static int
ask(pam_handle_t *pamh, int style, const char *prompt, char **answer)
{
	int r;

	*answer = NULL;
	r = pam_prompt(pamh, style, answer, "%s", prompt);
	if (r != PAM_SUCCESS || *answer == NULL) {
		gpc_freezero_str(*answer);
		*answer = NULL;
		return r != PAM_SUCCESS ? r : PAM_CONV_ERR;
	}
	return PAM_SUCCESS;
}

static int
zh(const struct gpc_cfg *cfg, pam_handle_t *pamh)
{
	const char *lang;

	if (cfg->language != GPC_LANG_AUTO)
		return cfg->language == GPC_LANG_ZH;
	lang = pam_getenv(pamh, "LANG");
	if (lang == NULL)
		lang = getenv("LANG");
	return lang != NULL && strncmp(lang, "zh", 2) == 0;
}

static const char *
prompt_password(const struct gpc_cfg *cfg, pam_handle_t *pamh)
{
	if (cfg->prompts.password != NULL)
		return cfg->prompts.password;
	return zh(cfg, pamh) ? "密码: " : "Password: ";
}

static const char *
prompt_code(const struct gpc_cfg *cfg, pam_handle_t *pamh)
{
	if (cfg->prompts.code != NULL)
		return cfg->prompts.code;
	return zh(cfg, pamh) ? "验证码: " : "Verification code: ";
}

/* The account's TOTP parameters, falling back to the configuration's. */
static int
params_of(const struct gpc_cfg *cfg, const struct gpc_account *a, struct gpc_totp_params *p)
{
	p->digits = a->digits > 0 ? a->digits : cfg->digits;
	p->period = a->period > 0 ? a->period : cfg->period;
	p->window = cfg->window;
	p->algorithm = cfg->algorithm;
	if (a->algorithm != NULL && gpc_algo_parse(a->algorithm, &p->algorithm) != GPC_OK)
		return GPC_ERR_FORMAT;
	return GPC_OK;
}

/*
 * Check the code against the account's sealed seed and spend it.  The seed
 * is opened just before the check and wiped just after.
 */
static int
verify_code(const struct gpc_cfg *cfg, const struct gpc_log *lg, struct gpc_dir *dir,
    const struct gpc_account *a, const char *code)
{
	struct gpc_totp_params p;
	struct gpc_keys *keys = NULL;
	unsigned char *seed = NULL;
	size_t seed_len = 0;
	int64_t step = -1;
	int r;

	if ((r = params_of(cfg, a, &p)) != GPC_OK) {
		gpc_log_msg(lg, LOG_ERR, "account %.64s: bad TOTP parameters", a->uid);
		goto out;
	}
	/* Anything but exactly `digits` ASCII digits is wrong without a write. */
	if ((r = gpc_totp_code_syntax(&p, code)) != GPC_OK) {
		r = GPC_ERR_BADCODE;
		goto out;
	}
	if ((r = gpc_keys_load(cfg->key_dir, cfg->suite, &keys)) != GPC_OK) {
		gpc_log_msg(lg, LOG_ERR, "keys in %.200s: %s", cfg->key_dir, gpc_strerror(r));
		goto out;
	}
	/* The seed is bound to its entry: a copy moved into another entry fails here. */
	if ((r = gpc_unseal(keys, a->dn, a->seed_sealed, &seed, &seed_len)) != GPC_OK) {
		gpc_log_msg(lg, LOG_ERR, "account %.64s: sealed seed does not open: %s", a->uid,
		    gpc_strerror(r));
		r = GPC_ERR_BADSEAL;
		goto out;
	}
	r = gpc_totp_verify(&p, seed, seed_len, code, (int64_t)time(NULL), a->step, &step);
	gpc_freezero(seed, seed_len);
	seed = NULL;
	if (r != GPC_OK)
		goto out;
	/* Spend the code: only one login per step, on every host. */
	if ((r = gpc_dir_advance_step(dir, a->dn, a->step, step)) != GPC_OK) {
		gpc_log_msg(lg, LOG_NOTICE, "account %.64s: step update failed (%s)", a->uid,
		    gpc_strerror(r));
		r = GPC_ERR_CONFLICT;
	}
out:
	gpc_keys_free(keys);
	return r;
}

PAM_EXTERN int
pam_sm_authenticate(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct gpc_log lg = { pam_sink, pamh, LOG_INFO };
	struct gpc_cfg *cfg = NULL;
	struct gpc_dir *dir = NULL;
	struct gpc_account *a = NULL;
	struct opts o;
	const char *user = NULL;
	char *password = NULL, *code = NULL;
	const char *why = "ok";
	int r, pr;

	(void)flags;
	parse_args(pamh, argc, argv, &o);
	lg.max_prio = o.debug ? LOG_DEBUG : LOG_INFO;
	if ((r = load_config(pamh, &o, &cfg)) != GPC_OK) {
		pr = PAM_SERVICE_ERR;
		goto out;
	}
	/* Every failure waits the same configured time, whatever failed. */
	(void)pam_fail_delay(pamh, (unsigned)cfg->fail_delay_ms * 1000u);
	if ((pr = pam_get_user(pamh, &user, NULL)) != PAM_SUCCESS || user == NULL ||
	    *user == '\0') {
		pr = pr == PAM_SUCCESS ? PAM_USER_UNKNOWN : pr;
		goto out;
	}
	/*
	 * Both questions are asked before anything is looked up: an unknown
	 * name, a wrong password and a wrong code see the same prompts.
	 */
	if ((pr = ask(pamh, PAM_PROMPT_ECHO_OFF, prompt_password(cfg, pamh), &password)) !=
	    PAM_SUCCESS)
		goto out;
	if ((pr = ask(pamh, PAM_PROMPT_ECHO_OFF, prompt_code(cfg, pamh), &code)) != PAM_SUCCESS)
		goto out;
	if ((r = gpc_dir_open(cfg, GPC_DIR_READER, &lg, &dir)) != GPC_OK) {
		why = "directory_unavailable";
		pr = pam_code(r);
		goto out;
	}
	if ((r = gpc_dir_find_account(dir, user, &a)) != GPC_OK) {
		why = r == GPC_ERR_NOTFOUND || r == GPC_ERR_INVAL ? "unknown_account" :
		    r == GPC_ERR_AMBIGUOUS ? "ambiguous_account" : "directory_error";
		pr = r == GPC_ERR_INVAL || r == GPC_ERR_AMBIGUOUS ? PAM_USER_UNKNOWN : pam_code(r);
		goto out;
	}
	/* Neither a suspended account nor one of a suspended unit logs in. */
	if (!gpc_account_usable(a)) {
		why = "account_not_active";
		pr = PAM_AUTH_ERR;
		goto out;
	}
	if ((r = gpc_dir_check_password(dir, a->dn, password)) != GPC_OK) {
		why = r == GPC_ERR_BADPASS ? "wrong_password" : "directory_error";
		pr = r == GPC_ERR_BADPASS ? PAM_AUTH_ERR : pam_code(r);
		goto out;
	}
	if (a->seed_sealed == NULL) {
		why = "not_enrolled";
		/* An opt-out is never a success: the next module decides. */
		pr = cfg->allow_unenrolled ? PAM_IGNORE : PAM_AUTH_ERR;
		goto out;
	}
	if ((r = verify_code(cfg, &lg, dir, a, code)) != GPC_OK) {
		why = r == GPC_ERR_REPLAY ? "code_replayed" : r == GPC_ERR_BADCODE ?
		    "wrong_code" : r == GPC_ERR_CONFLICT ? "code_race_lost" : "code_check_failed";
		pr = r == GPC_ERR_KEY || r == GPC_ERR_PERM || r == GPC_ERR_NOMEM ?
		    PAM_SERVICE_ERR : PAM_AUTH_ERR;
		goto out;
	}
	pr = PAM_SUCCESS;
out:
	if (cfg != NULL) {
		/* The uid is logged only once the directory knows it (else a keyed hash later). */
		if (a != NULL)
			gpc_log_msg(&lg, pr == PAM_SUCCESS ? LOG_INFO : LOG_NOTICE,
			    "auth %s for %.64s: %s", pr == PAM_SUCCESS ? "success" : "failure",
			    a->uid, why);
		else if (pr != PAM_SUCCESS)
			gpc_log_msg(&lg, LOG_NOTICE, "auth failure: %s", why);
	}
	gpc_freezero_str(password);
	gpc_freezero_str(code);
	gpc_account_free(a);
	gpc_dir_close(dir);
	gpc_cfg_free(cfg);
	return pr;
}

PAM_EXTERN int
pam_sm_setcred(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	(void)pamh;
	(void)flags;
	(void)argc;
	(void)argv;
	return PAM_SUCCESS;
}

PAM_EXTERN int
pam_sm_acct_mgmt(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct gpc_log lg = { pam_sink, pamh, LOG_INFO };
	struct gpc_cfg *cfg = NULL;
	struct gpc_dir *dir = NULL;
	struct gpc_account *a = NULL;
	struct opts o;
	const char *user = NULL, *service = NULL;
	int r, pr;

	(void)flags;
	parse_args(pamh, argc, argv, &o);
	if ((r = load_config(pamh, &o, &cfg)) != GPC_OK) {
		pr = PAM_SERVICE_ERR;
		goto out;
	}
	if ((pr = pam_get_user(pamh, &user, NULL)) != PAM_SUCCESS || user == NULL) {
		pr = PAM_USER_UNKNOWN;
		goto out;
	}
	if ((r = gpc_dir_open(cfg, GPC_DIR_READER, &lg, &dir)) != GPC_OK ||
	    (r = gpc_dir_find_account(dir, user, &a)) != GPC_OK) {
		pr = r == GPC_ERR_INVAL || r == GPC_ERR_AMBIGUOUS ? PAM_USER_UNKNOWN : pam_code(r);
		goto out;
	}
	if (!gpc_account_usable(a)) {
		gpc_log_msg(&lg, LOG_NOTICE, "account %.64s refused: account %s, unit %s", a->uid,
		    a->state, a->unit_state);
		pr = PAM_PERM_DENIED;
		goto out;
	}
	(void)pam_get_item(pamh, PAM_SERVICE, (const void **)&service);
	/* 分岗设权: a post may use only the services configured for it. */
	if (!gpc_cfg_role_allowed(cfg, service, a->role)) {
		gpc_log_msg(&lg, LOG_NOTICE, "account %.64s refused: role %s may not use %.64s",
		    a->uid, a->role, service != NULL ? service : "?");
		pr = PAM_PERM_DENIED;
		goto out;
	}
	pr = PAM_SUCCESS;
out:
	gpc_account_free(a);
	gpc_dir_close(dir);
	gpc_cfg_free(cfg);
	return pr;
}
