/*
 * pam_gpcgate — password by LDAP bind, then a TOTP code (RFC 6238) with the
 * replay guard held in the directory, then the account's lifecycle state.
 *
 * Module arguments (conf= is read first, the others apply over the file):
 *   conf=PATH         configuration file (default /etc/gpcgate/gpcgate.conf)
 *   debug             log each step at LOG_DEBUG
 *   one_prompt        ask once for the password followed by the code
 *   use_first_pass    take the password from an earlier module (PAM_AUTHTOK)
 *                     and ask only for the code
 *   try_first_pass    the same if there is one, else ask for it
 *   allow_unenrolled  an account without an authenticator gets PAM_IGNORE
 *                     (as pam.allow_unenrolled; never PAM_SUCCESS)
 *   qr_invert         enrollment QR code for dark-on-light terminals
 *
 * This file holds the pam_sm_* entry points, their conversation and the one
 * mapping of GPC_ERR_* to PAM codes; the login itself is lib/login.c.  It
 * runs inside other people's processes (sshd, login, web servers with
 * threads): no static mutable data, no exit, no signal handlers, every
 * secret wiped.
 */
#include <security/pam_ext.h>
#include <security/pam_modules.h>
#include <security/pam_modutil.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "audit.h"
#include "cfg.h"
#include "dir.h"
#include "err.h"
#include "i18n.h"
#include "log.h"
#include "login.h"
#include "util.h"

struct opts {
	const char *conf;
	int debug;
	enum gpc_login_mode mode;
	int allow_unenrolled;
	int qr_invert;
};

static void
parse_args(pam_handle_t *pamh, int argc, const char **argv, struct opts *o)
{
	int i;

	memset(o, 0, sizeof(*o));
	o->mode = GPC_LOGIN_TWO_PROMPTS;
	for (i = 0; i < argc; i++) {
		if (strncmp(argv[i], "conf=", 5) == 0)
			o->conf = argv[i] + 5;
		else if (strcmp(argv[i], "debug") == 0)
			o->debug = 1;
		else if (strcmp(argv[i], "one_prompt") == 0)
			o->mode = GPC_LOGIN_ONE_PROMPT;
		else if (strcmp(argv[i], "use_first_pass") == 0)
			o->mode = GPC_LOGIN_USE_FIRST_PASS;
		else if (strcmp(argv[i], "try_first_pass") == 0)
			o->mode = GPC_LOGIN_TRY_FIRST_PASS;
		else if (strcmp(argv[i], "allow_unenrolled") == 0)
			o->allow_unenrolled = 1;
		else if (strcmp(argv[i], "qr_invert") == 0)
			o->qr_invert = 1;
		else
			pam_syslog(pamh, LOG_ERR, "unknown option %.64s", argv[i]);
	}
}

static void
pam_sink(void *ctx, int prio, const char *msg)
{
	pam_syslog((pam_handle_t *)ctx, prio, "%s", msg);
}

/* How a GPC_ERR_* code reads to the PAM stack. */
enum { MAP_AUTH = 1, MAP_ALLOW_UNENROLLED = 2 };

/*
 * The one place GPC_ERR_* becomes a PAM code.  In auth, every wrong answer
 * (password, code, replay, lock, a code that could not be spent, an account
 * that is not active) is PAM_AUTH_ERR, so the caller learns nothing about
 * which; a directory that cannot be asked is PAM_AUTHINFO_UNAVAIL, never
 * success; an opt-out is PAM_IGNORE, never PAM_SUCCESS.  conv_err: the
 * conversation's own failure, which wins.
 */
static int
pam_code(int r, int how, int conv_err)
{
	if (conv_err != PAM_SUCCESS)
		return conv_err == PAM_BUF_ERR ? PAM_BUF_ERR : PAM_CONV_ERR;
	switch (r) {
	case GPC_OK:
		return PAM_SUCCESS;
	case GPC_ERR_NOTFOUND:
	case GPC_ERR_INVAL:
	case GPC_ERR_AMBIGUOUS:
		return PAM_USER_UNKNOWN;
	case GPC_ERR_NOTENROLLED:
		return (how & MAP_ALLOW_UNENROLLED) ? PAM_IGNORE : PAM_AUTH_ERR;
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
	case GPC_ERR_CRYPTO:
		return PAM_SERVICE_ERR;
	case GPC_ERR_STATE:
		return (how & MAP_AUTH) ? PAM_AUTH_ERR : PAM_PERM_DENIED;
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

/* The conversation of lib/login.c over pam_prompt. */
struct conv {
	pam_handle_t *pamh;
	int pam_err;
};

static int
conv_ask(void *ctx, int echo, const char *prompt, char **answer)
{
	struct conv *c = ctx;
	int r;

	*answer = NULL;
	r = pam_prompt(c->pamh, echo ? PAM_PROMPT_ECHO_ON : PAM_PROMPT_ECHO_OFF, answer, "%s",
	    prompt);
	if (r != PAM_SUCCESS || *answer == NULL) {
		gpc_freezero_str(*answer);
		*answer = NULL;
		c->pam_err = r != PAM_SUCCESS ? r : PAM_CONV_ERR;
		return GPC_ERR_IO;
	}
	return GPC_OK;
}

/* The holder's locale: LC_ALL, LC_MESSAGES, LANG of the PAM environment, then ours. */
static const char *
locale_of(pam_handle_t *pamh)
{
	static const char *const vars[] = { "LC_ALL", "LC_MESSAGES", "LANG" };
	const char *v;
	size_t i;

	for (i = 0; i < 3; i++)
		if ((v = pam_getenv(pamh, vars[i])) != NULL && *v != '\0')
			return v;
	for (i = 0; i < 3; i++)
		if ((v = getenv(vars[i])) != NULL && *v != '\0')
			return v;
	return NULL;
}

static const char *
item_str(pam_handle_t *pamh, int type)
{
	const void *v = NULL;

	return pam_get_item(pamh, type, &v) == PAM_SUCCESS ? v : NULL;
}

/* One "login" line in the audit log (and syslog, with audit.syslog). */
static void
audit_login(pam_handle_t *pamh, const struct gpc_cfg *cfg, const struct gpc_log *lg,
    const struct gpc_login_req *req, const struct gpc_login_result *res, int r)
{
	struct gpc_audit *au = NULL;
	int ar;

	if ((ar = gpc_audit_open(cfg->audit_file, "pam_gpcgate", cfg->audit_syslog ? lg : NULL,
	    &au)) == GPC_OK)
		ar = gpc_login_audit(au, req, res, r);
	if (ar != GPC_OK)
		pam_syslog(pamh, LOG_ERR, "audit %.200s: %s", cfg->audit_file != NULL ?
		    cfg->audit_file : "(syslog)", gpc_strerror(ar));
	gpc_audit_close(au);
}

PAM_EXTERN int
pam_sm_authenticate(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct gpc_log lg = { pam_sink, pamh, LOG_INFO };
	struct gpc_login_result res;
	struct gpc_login_req req;
	struct gpc_cfg *cfg = NULL;
	struct conv cv = { pamh, PAM_SUCCESS };
	struct gpc_login_conv conv = { conv_ask, &cv };
	struct opts o;
	const char *user = NULL;
	int r, pr, how = MAP_AUTH;

	(void)flags;
	memset(&res, 0, sizeof(res));
	parse_args(pamh, argc, argv, &o);
	lg.max_prio = o.debug ? LOG_DEBUG : LOG_INFO;
	if (load_config(pamh, &o, &cfg) != GPC_OK)
		return PAM_SERVICE_ERR;
	/* Every failure waits the same configured time, whatever failed. */
	(void)pam_fail_delay(pamh, (unsigned)cfg->fail_delay_ms * 1000u);
	if ((pr = pam_get_user(pamh, &user, NULL)) != PAM_SUCCESS || user == NULL ||
	    *user == '\0') {
		pr = pr == PAM_SUCCESS ? PAM_USER_UNKNOWN : pr;
		goto out;
	}
	if (o.allow_unenrolled || cfg->allow_unenrolled)
		how |= MAP_ALLOW_UNENROLLED;
	memset(&req, 0, sizeof(req));
	req.user = user;
	req.mode = o.mode;
	if (o.mode == GPC_LOGIN_USE_FIRST_PASS || o.mode == GPC_LOGIN_TRY_FIRST_PASS)
		req.authtok = item_str(pamh, PAM_AUTHTOK);
	req.lang = gpc_i18n_lang(cfg, locale_of(pamh));
	req.qr_invert = o.qr_invert;
	req.service = item_str(pamh, PAM_SERVICE);
	req.rhost = item_str(pamh, PAM_RHOST);
	req.tty = item_str(pamh, PAM_TTY);

	r = gpc_login_authenticate(cfg, &lg, &conv, &req, &res);
	pr = pam_code(r, how, cv.pam_err);
	/* The password goes on to the next module only when we split it out. */
	if (res.authtok != NULL && pam_set_item(pamh, PAM_AUTHTOK, res.authtok) != PAM_SUCCESS)
		pam_syslog(pamh, LOG_ERR, "PAM_AUTHTOK not set");
	audit_login(pamh, cfg, &lg, &req, &res, r);
	gpc_log_msg(&lg, LOG_DEBUG, "authenticate: %s (%s)", res.reason,
	    pam_strerror(pamh, pr));
out:
	gpc_login_result_free(&res);
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
		pr = pam_code(r, 0, PAM_SUCCESS);
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
