/*
 * pam_gpcgate — password by LDAP bind, then a TOTP code (RFC 6238) with the
 * replay guard held in the directory, then the account's lifecycle state,
 * post and password policy; the holder's password change; the audit of
 * sessions and the last login.
 *
 * Module arguments (conf= is read first, the others apply over the file):
 *   conf=PATH         configuration file (default /etc/gpcgate/gpcgate.conf)
 *   debug             log each step at LOG_DEBUG
 *   one_prompt        ask once for the password followed by the code
 *   use_first_pass    auth: take the password from an earlier module
 *                     (PAM_AUTHTOK) and ask only for the code;
 *                     password: the current password is PAM_OLDAUTHTOK
 *   try_first_pass    the same if there is one, else ask for it
 *   use_authtok       password: the new password is PAM_AUTHTOK, set by an
 *                     earlier module (pam_pwquality); never asked
 *   retry=N           password: new passwords asked at most (1..10, default
 *                     1) while the directory's policy refuses them
 *   allow_unenrolled  an account without an authenticator gets PAM_IGNORE
 *                     (as pam.allow_unenrolled; never PAM_SUCCESS)
 *   qr_invert         enrollment QR code for dark-on-light terminals
 *
 * This file holds the pam_sm_* entry points, their conversation, the note
 * the stages of one handle share (pam_set_data, lib/acct.h) and the
 * mapping of GPC_ERR_* to PAM codes; the work is in lib/login.c (auth),
 * lib/acct.c (account), lib/chpass.c (password), lib/session.c (session).
 * It runs inside other people's processes (sshd, login, web servers with
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

#include "acct.h"
#include "cfg.h"
#include "chpass.h"
#include "dir.h"
#include "err.h"
#include "i18n.h"
#include "log.h"
#include "login.h"
#include "session.h"
#include "util.h"

/* pam_set_data names: what the stages of one handle share. */
#define NOTE_DATA    "gpcgate:note"     /* struct gpc_login_note (lib/acct.h) */
#define SESSION_DATA "gpcgate:session"  /* struct gpc_session (lib/session.h) */

struct opts {
	const char *conf;
	int debug;
	enum gpc_login_mode mode;
	int use_authtok;
	int retry;
	int allow_unenrolled;
	int qr_invert;
};

static void
parse_args(pam_handle_t *pamh, int argc, const char **argv, struct opts *o)
{
	int i;

	memset(o, 0, sizeof(*o));
	o->mode = GPC_LOGIN_TWO_PROMPTS;
	o->retry = 1;
	for (i = 0; i < argc; i++) {
		if (strncmp(argv[i], "conf=", 5) == 0)
			o->conf = argv[i] + 5;
		else if (strncmp(argv[i], "retry=", 6) == 0) {
			char *end = NULL;
			long n = strtol(argv[i] + 6, &end, 10);

			if (end == argv[i] + 6 || *end != '\0' || n < 1 || n > 10)
				pam_syslog(pamh, LOG_ERR, "bad option %.64s (1..10)", argv[i]);
			else
				o->retry = (int)n;
		} else if (strcmp(argv[i], "use_authtok") == 0)
			o->use_authtok = 1;
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

/* How a GPC_ERR_* code reads to the PAM stack: the stage asking. */
enum {
	MAP_AUTH = 1,              /* pam_sm_authenticate */
	MAP_ALLOW_UNENROLLED = 2,  /* ... with allow_unenrolled */
	MAP_PASSWORD = 4,          /* pam_sm_chauthtok */
	MAP_PRELIM = 8,            /* ... its PAM_PRELIM_CHECK pass */
	MAP_SESSION = 16,          /* pam_sm_open_session, pam_sm_close_session */
};

/*
 * The one place GPC_ERR_* becomes a PAM code.  In auth, every wrong answer
 * (password, code, replay, lock, a code that could not be spent, an account
 * that is not active) is PAM_AUTH_ERR, so the caller learns nothing about
 * which; a directory that cannot be asked is PAM_AUTHINFO_UNAVAIL, never
 * success; an opt-out is PAM_IGNORE, never PAM_SUCCESS.  In a password
 * change a wrong current password is PAM_AUTH_ERR (as pam_unix), a new one
 * refused PAM_AUTHTOK_ERR, a directory that cannot be asked in the first
 * pass PAM_TRY_AGAIN.  A session of a name that is not an account is not
 * ours: PAM_IGNORE.  conv_err: the conversation's own failure, which wins.
 */
static int
pam_code(int r, int how, int conv_err)
{
	if (conv_err != PAM_SUCCESS)
		return conv_err == PAM_BUF_ERR ? PAM_BUF_ERR : PAM_CONV_ERR;
	switch (r) {
	case GPC_OK:
		return PAM_SUCCESS;
	case GPC_ERR_INVAL:
		if (how & MAP_PASSWORD)
			return PAM_AUTHTOK_ERR;
		/* FALLTHROUGH */
	case GPC_ERR_NOTFOUND:
	case GPC_ERR_AMBIGUOUS:
		return (how & MAP_SESSION) ? PAM_IGNORE : PAM_USER_UNKNOWN;
	case GPC_ERR_NOTENROLLED:
		return (how & MAP_ALLOW_UNENROLLED) ? PAM_IGNORE : PAM_AUTH_ERR;
	case GPC_ERR_UNAVAIL:
	case GPC_ERR_TIMEOUT:
	case GPC_ERR_TLS:
	case GPC_ERR_LDAP:
		if (how & MAP_SESSION)
			return PAM_SESSION_ERR;
		return (how & MAP_PRELIM) ? PAM_TRY_AGAIN : PAM_AUTHINFO_UNAVAIL;
	case GPC_ERR_CONFIG:
	case GPC_ERR_PERM:
	case GPC_ERR_KEY:
	case GPC_ERR_NOMEM:
	case GPC_ERR_IO:
	case GPC_ERR_CRYPTO:
		return (how & MAP_SESSION) ? PAM_SESSION_ERR : PAM_SERVICE_ERR;
	case GPC_ERR_STATE:
	case GPC_ERR_DENIED:
		return (how & MAP_AUTH) ? PAM_AUTH_ERR : PAM_PERM_DENIED;
	}
	return (how & MAP_SESSION) ? PAM_SESSION_ERR : PAM_AUTH_ERR;
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

/* The conversation of lib/login.c (and lib/chpass.c) over pam_prompt. */
struct conv {
	pam_handle_t *pamh;
	int pam_err;
	int silent;   /* PAM_SILENT: messages are not shown (prompts still are) */
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

/* A message that asks for nothing: PAM_ERROR_MSG (error) or PAM_TEXT_INFO. */
static int
conv_tell(void *ctx, int error, const char *text)
{
	struct conv *c = ctx;
	char *answer = NULL;
	int r;

	if (c->silent)
		return GPC_ERR_IO;
	r = pam_prompt(c->pamh, error ? PAM_ERROR_MSG : PAM_TEXT_INFO, &answer, "%s", text);
	gpc_freezero_str(answer);
	return r == PAM_SUCCESS ? GPC_OK : GPC_ERR_IO;
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

/* ---- the note the stages of one handle share ------------------------------------ */

static void
note_cleanup(pam_handle_t *pamh, void *data, int error_status)
{
	(void)pamh;
	(void)error_status;
	gpc_login_note_free(data);
}

/* The handle's note, or NULL; it stays owned by the handle. */
static struct gpc_login_note *
note_get(pam_handle_t *pamh)
{
	const void *v = NULL;

	/* Our own data: the const of pam_get_data is libpam's, not a promise of ours. */
	return pam_get_data(pamh, NOTE_DATA, &v) == PAM_SUCCESS ? (struct gpc_login_note *)v :
	    NULL;
}

/*
 * Give the handle n (NULL: forget the note).  The previous note, if any
 * and not n itself, is freed by libpam through note_cleanup.
 */
static void
note_put(pam_handle_t *pamh, struct gpc_login_note *n)
{
	if (n != NULL && n == note_get(pamh))
		return;
	if (pam_set_data(pamh, NOTE_DATA, n, n != NULL ? note_cleanup : NULL) != PAM_SUCCESS) {
		pam_syslog(pamh, LOG_ERR, "pam_set_data failed");
		gpc_login_note_free(n);
	}
}

/* Move what auth learned (res, its outcome r) into a note; NULL if there is nothing. */
static struct gpc_login_note *
note_of_login(struct gpc_login_result *res, int r)
{
	struct gpc_login_note *n;

	if (res->uid == NULL || (r != GPC_OK && !res->proved))
		return NULL;
	if ((n = gpc_login_note_new()) == NULL)
		return NULL;
	n->uid = res->uid;
	n->dn = res->dn;
	n->unit = res->unit;
	n->region = res->region;
	n->password = res->password;
	res->uid = res->dn = res->unit = res->region = res->password = NULL; /* transferred */
	n->last_login = res->last_login;
	n->authenticated = r == GPC_OK;
	n->proved = res->proved;
	n->told = res->told;
	return n;
}

/* ---- auth ---------------------------------------------------------------------- */

PAM_EXTERN int
pam_sm_authenticate(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct gpc_log lg = { pam_sink, pamh, LOG_INFO };
	struct gpc_login_result res;
	struct gpc_login_req req;
	struct gpc_cfg *cfg = NULL;
	struct conv cv = { pamh, PAM_SUCCESS, (flags & PAM_SILENT) != 0 };
	struct gpc_login_conv conv = { conv_ask, &cv, conv_tell };
	struct opts o;
	const char *user = NULL;
	int r, pr, how = MAP_AUTH;

	memset(&res, 0, sizeof(res));
	parse_args(pamh, argc, argv, &o);
	lg.max_prio = o.debug ? LOG_DEBUG : LOG_INFO;
	if (load_config(pamh, &o, &cfg) != GPC_OK)
		return PAM_SERVICE_ERR;
	/* Every failure waits the same configured time, whatever failed. */
	(void)pam_fail_delay(pamh, (unsigned)cfg->fail_delay_ms * 1000u);
	/* A new authentication: nothing an earlier one learned in this handle holds. */
	note_put(pamh, NULL);
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
	(void)gpc_login_audit(cfg, &lg, &req, &res, r);
	gpc_log_msg(&lg, LOG_DEBUG, "authenticate: %s (%s)", res.reason,
	    pam_strerror(pamh, pr));
	/* For the account, password and session stages of this handle. */
	if (pr == PAM_SUCCESS || res.proved)
		note_put(pamh, note_of_login(&res, r));
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

/* ---- account ------------------------------------------------------------------- */

PAM_EXTERN int
pam_sm_acct_mgmt(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct gpc_log lg = { pam_sink, pamh, LOG_INFO };
	struct gpc_acct_result res;
	struct gpc_acct_req req;
	struct gpc_cfg *cfg = NULL;
	struct gpc_login_note *note, *before;
	struct conv cv = { pamh, PAM_SUCCESS, (flags & PAM_SILENT) != 0 };
	struct opts o;
	const char *user = NULL;
	int r, pr;

	memset(&res, 0, sizeof(res));
	parse_args(pamh, argc, argv, &o);
	lg.max_prio = o.debug ? LOG_DEBUG : LOG_INFO;
	if (load_config(pamh, &o, &cfg) != GPC_OK)
		return PAM_SERVICE_ERR;
	if ((pr = pam_get_user(pamh, &user, NULL)) != PAM_SUCCESS || user == NULL ||
	    *user == '\0') {
		pr = PAM_USER_UNKNOWN;
		goto out;
	}
	memset(&req, 0, sizeof(req));
	req.user = user;
	req.service = item_str(pamh, PAM_SERVICE);
	req.lang = gpc_i18n_lang(cfg, locale_of(pamh));
	note = before = note_get(pamh);
	r = gpc_acct_check(cfg, &lg, &req, &note, &res);
	if (note != before)
		note_put(pamh, note);
	if (r != GPC_OK) {
		pr = pam_code(r, 0, PAM_SUCCESS);
		goto out;
	}
	/* Said only to whoever proved the holder's second factor in this handle. */
	if (res.error != NULL && conv_tell(&cv, 1, res.error) == GPC_OK && note != NULL)
		note->told = 1;
	if (res.info != NULL)
		(void)conv_tell(&cv, 0, res.info);
	switch (res.verdict) {
	case GPC_ACCT_OK:
		pr = PAM_SUCCESS;
		break;
	case GPC_ACCT_NEW_PASSWORD:
		pr = PAM_NEW_AUTHTOK_REQD;
		break;
	case GPC_ACCT_TERMINATED:
		pr = PAM_ACCT_EXPIRED;
		break;
	case GPC_ACCT_REFUSED:
	default:
		pr = PAM_PERM_DENIED;
		break;
	}
	gpc_log_msg(&lg, LOG_DEBUG, "acct_mgmt: %s (%s)", res.reason, pam_strerror(pamh, pr));
out:
	gpc_acct_result_free(&res);
	gpc_cfg_free(cfg);
	return pr;
}

PAM_EXTERN int
pam_sm_chauthtok(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct gpc_log lg = { pam_sink, pamh, LOG_INFO };
	struct gpc_chpass_result res;
	struct gpc_chpass_req req;
	struct gpc_cfg *cfg = NULL;
	struct gpc_login_note *note;
	struct conv cv = { pamh, PAM_SUCCESS, (flags & PAM_SILENT) != 0 };
	struct gpc_login_conv conv = { conv_ask, &cv, conv_tell };
	struct opts o;
	const char *user = NULL;
	int r, pr, how = MAP_PASSWORD;

	memset(&res, 0, sizeof(res));
	parse_args(pamh, argc, argv, &o);
	lg.max_prio = o.debug ? LOG_DEBUG : LOG_INFO;
	if (load_config(pamh, &o, &cfg) != GPC_OK)
		return PAM_SERVICE_ERR;
	if ((pr = pam_get_user(pamh, &user, NULL)) != PAM_SUCCESS || user == NULL ||
	    *user == '\0') {
		pr = PAM_USER_UNKNOWN;
		goto out;
	}
	note = note_get(pamh);
	/*
	 * Asked to change only an expired password (sshd, login after
	 * PAM_NEW_AUTHTOK_REQD): when this handle's account stage learned that
	 * the directory does not require a new one, there is nothing to do.
	 */
	if ((flags & PAM_CHANGE_EXPIRED_AUTHTOK) && note != NULL && note->pp_known &&
	    gpc_login_name_matches(note->uid, user) && !gpc_pwpolicy_must_change(&note->pp)) {
		pr = PAM_SUCCESS;
		goto out;
	}
	memset(&req, 0, sizeof(req));
	req.user = user;
	if (flags & PAM_PRELIM_CHECK) {
		req.phase = GPC_CHPASS_CHECK;
		how |= MAP_PRELIM;
	} else if (flags & PAM_UPDATE_AUTHTOK)
		req.phase = GPC_CHPASS_UPDATE;
	else {
		pr = PAM_SERVICE_ERR;
		goto out;
	}
	req.lang = gpc_i18n_lang(cfg, locale_of(pamh));
	req.old = item_str(pamh, PAM_OLDAUTHTOK);
	req.new_pw = item_str(pamh, PAM_AUTHTOK);
	req.old_from_item = o.mode == GPC_LOGIN_USE_FIRST_PASS;
	req.try_old_item = o.mode == GPC_LOGIN_TRY_FIRST_PASS ||
	    req.phase == GPC_CHPASS_UPDATE; /* the check pass put it there */
	req.new_from_item = o.use_authtok;
	req.rounds = o.retry;
	if (note != NULL && note->authenticated && gpc_login_name_matches(note->uid, user))
		req.verified = note->password;
	req.service = item_str(pamh, PAM_SERVICE);
	req.rhost = item_str(pamh, PAM_RHOST);

	r = gpc_chpass_run(cfg, &lg, &conv, &req, &res);
	pr = pam_code(r, how, cv.pam_err);
	if (r == GPC_OK && res.old != NULL &&
	    pam_set_item(pamh, PAM_OLDAUTHTOK, res.old) != PAM_SUCCESS)
		pr = PAM_SYSTEM_ERR;
	if (r == GPC_OK && res.new_pw != NULL) {
		/* For later modules of the stack (use_authtok), as pam_unix does. */
		if (pam_set_item(pamh, PAM_AUTHTOK, res.new_pw) != PAM_SUCCESS)
			pam_syslog(pamh, LOG_ERR, "PAM_AUTHTOK not set");
		/* The new password is the holder's own: no reset, no expiry now. */
		if (note != NULL && gpc_login_name_matches(note->uid, user)) {
			gpc_pwpolicy_none(&note->pp);
			note->pp_known = 1;
			gpc_freezero_str(note->password);
			note->password = NULL;
		}
	}
	/* Every update, and a first pass that failed (a wrong current password). */
	if (req.phase == GPC_CHPASS_UPDATE || r != GPC_OK)
		(void)gpc_chpass_audit(cfg, &lg, &req, &res, r);
	gpc_log_msg(&lg, LOG_DEBUG, "chauthtok: %s (%s)", res.reason, pam_strerror(pamh, pr));
out:
	gpc_chpass_result_free(&res);
	gpc_cfg_free(cfg);
	return pr;
}

/* ---- session ------------------------------------------------------------------- */

static void
session_cleanup(pam_handle_t *pamh, void *data, int error_status)
{
	(void)pamh;
	(void)error_status;
	gpc_session_free(data);
}

/*
 * What both session stages start with: the configuration and whom the
 * session is for (the login is over: known, nobody is asked).  On success
 * *cfg is the caller's and req points at the handle's items.
 */
static int
session_begin(pam_handle_t *pamh, int argc, const char **argv, struct gpc_log *lg,
    struct gpc_cfg **cfg, struct gpc_session_req *req)
{
	struct opts o;

	parse_args(pamh, argc, argv, &o);
	lg->max_prio = o.debug ? LOG_DEBUG : LOG_INFO;
	if (load_config(pamh, &o, cfg) != GPC_OK)
		return PAM_SESSION_ERR;
	memset(req, 0, sizeof(*req));
	if ((req->user = item_str(pamh, PAM_USER)) == NULL || *req->user == '\0') {
		gpc_cfg_free(*cfg);
		*cfg = NULL;
		return PAM_SESSION_ERR;
	}
	req->service = item_str(pamh, PAM_SERVICE);
	req->rhost = item_str(pamh, PAM_RHOST);
	req->tty = item_str(pamh, PAM_TTY);
	return PAM_SUCCESS;
}

PAM_EXTERN int
pam_sm_open_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct gpc_log lg = { pam_sink, pamh, LOG_INFO };
	struct gpc_session_req req;
	struct gpc_session *s = NULL;
	struct gpc_cfg *cfg = NULL;
	int r, pr;

	(void)flags;
	if ((pr = session_begin(pamh, argc, argv, &lg, &cfg, &req)) != PAM_SUCCESS)
		return pr;
	r = gpc_session_open(cfg, &lg, &req, note_get(pamh), time(NULL), &s);
	pr = pam_code(r, MAP_SESSION, PAM_SUCCESS);
	if (r != GPC_OK) {
		if (r != GPC_ERR_NOTFOUND)
			pam_syslog(pamh, LOG_ERR, "session of %.64s not recorded: %s", req.user,
			    gpc_strerror(r));
		goto out;
	}
	/* The close (in this process) writes the same sid. */
	if (pam_set_data(pamh, SESSION_DATA, s, session_cleanup) != PAM_SUCCESS) {
		pam_syslog(pamh, LOG_ERR, "pam_set_data failed");
		gpc_session_free(s);
	}
	s = NULL; /* transferred */
out:
	gpc_session_free(s);
	gpc_cfg_free(cfg);
	return pr;
}

PAM_EXTERN int
pam_sm_close_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct gpc_log lg = { pam_sink, pamh, LOG_INFO };
	struct gpc_session_req req;
	struct gpc_cfg *cfg = NULL;
	const void *s = NULL;
	int r, pr;

	(void)flags;
	if ((pr = session_begin(pamh, argc, argv, &lg, &cfg, &req)) != PAM_SUCCESS)
		return pr;
	if (pam_get_data(pamh, SESSION_DATA, &s) != PAM_SUCCESS)
		s = NULL;
	r = gpc_session_close(cfg, &lg, &req, s, note_get(pamh));
	pr = pam_code(r, MAP_SESSION, PAM_SUCCESS);
	if (r != GPC_OK && r != GPC_ERR_NOTFOUND)
		pam_syslog(pamh, LOG_ERR, "end of session of %.64s not recorded: %s", req.user,
		    gpc_strerror(r));
	/* Closed: a second close is not this session's. */
	if (s != NULL)
		(void)pam_set_data(pamh, SESSION_DATA, NULL, NULL);
	gpc_cfg_free(cfg);
	return pr;
}
