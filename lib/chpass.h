/*
 * gpcgate — a holder changes their password (PAM `password`,
 * pam_sm_chauthtok): through the LDAP Password Modify extended operation
 * (RFC 3062) as the holder, the old password required, so that the
 * directory's password policy (ppolicy: minimum length, history, quality,
 * minimum age) judges the new one; its answer is told in words the holder
 * understands (lib/i18n.h: "too short", "used recently", ...).
 *
 * The two passes of pam_chauthtok (PAM_PRELIM_CHECK, then
 * PAM_UPDATE_AUTHTOK), as pam_unix does them:
 *  - check: the current password (PAM_OLDAUTHTOK with use_first_pass /
 *    try_first_pass, else asked) is verified by a bind as the holder; the
 *    caller keeps it as PAM_OLDAUTHTOK for the update;
 *  - update: the new password (PAM_AUTHTOK with use_authtok, set by an
 *    earlier module such as pam_pwquality; else asked twice) is set by
 *    Password Modify with the old one, on a connection bound as the holder
 *    (after an administrative reset ppolicy allows nothing else there).
 *    A policy refusal is told and, with rounds > 1, a new password asked
 *    again; the caller keeps the accepted one as PAM_AUTHTOK.
 * The holder's second factor is not asked: a password change proves the
 * old password, like any LDAP client's Password Modify would.
 */
#ifndef GPC_CHPASS_H
#define GPC_CHPASS_H

#include "cfg.h"
#include "log.h"
#include "login.h"

enum gpc_chpass_phase {
	GPC_CHPASS_CHECK,   /* PAM_PRELIM_CHECK */
	GPC_CHPASS_UPDATE,  /* PAM_UPDATE_AUTHTOK */
};

/* One request; all borrowed. */
struct gpc_chpass_req {
	const char *user;           /* PAM_USER */
	enum gpc_chpass_phase phase;
	enum gpc_lang lang;
	const char *old;            /* PAM_OLDAUTHTOK, or NULL */
	const char *new_pw;         /* PAM_AUTHTOK, or NULL (used with new_from_item only) */
	int old_from_item;          /* use_first_pass: the current password is `old`, never asked */
	int try_old_item;           /* try_first_pass: `old` when set, else asked */
	int new_from_item;          /* use_authtok: the new password is `new_pw`, never asked */
	int rounds;                 /* new passwords asked at most (retry=), >= 1 */
	const char *verified;       /* the password this PAM handle's auth verified (the
	                               note), or NULL: a current password equal to it is
	                               not bound again in the check pass */
	const char *service;        /* for the audit: PAM_SERVICE, PAM_RHOST; may be NULL */
	const char *rhost;
};

struct gpc_chpass_result {
	const char *reason;   /* static: ok, wrong_password, unknown_account,
	                         account_not_active, no_password, passwords_differ,
	                         password_too_short, password_in_history,
	                         password_quality, password_too_young,
	                         password_change_not_allowed, password_refused,
	                         directory_unavailable, conversation_failed, error */
	char *old;            /* check: the current password as given (for
	                         PAM_OLDAUTHTOK), or NULL */
	char *new_pw;         /* update: the new password the directory took (for
	                         PAM_AUTHTOK), or NULL */
	char *uid;            /* the account's canonical uid, unit, region, or NULL */
	char *unit;
	char *region;
};

/*
 * Run one pass.  Asks through conv (conv->tell shows the refusals), reads
 * the account as the PAM reader (only the entry whose uid equals
 * req->user, ASCII case aside, counts), binds as the holder with the
 * password policy control.  Release res with gpc_chpass_result_free() (it
 * wipes the passwords).
 * Returns GPC_OK, GPC_ERR_BADPASS (the current password is wrong, or
 * missing with use_first_pass), GPC_ERR_INVAL (the new password was
 * refused by the policy, or the two differed, or was empty, or missing with
 * use_authtok: res->reason says which), GPC_ERR_NOTFOUND, GPC_ERR_STATE
 * (the account or its unit is not active), GPC_ERR_IO (the conversation
 * failed), GPC_ERR_UNAVAIL/GPC_ERR_TIMEOUT/GPC_ERR_TLS/GPC_ERR_LDAP,
 * GPC_ERR_DENIED, GPC_ERR_CONFIG, GPC_ERR_PERM, GPC_ERR_NOMEM.
 * Thread-safe for distinct calls.
 */
int gpc_chpass_run(const struct gpc_cfg *cfg, const struct gpc_log *lg,
    const struct gpc_login_conv *conv, const struct gpc_chpass_req *req,
    struct gpc_chpass_result *res);

void gpc_chpass_result_free(struct gpc_chpass_result *res);

/*
 * Append one "password_change" event (gpc_login_audit_write): outcome
 * (success | failure), reason, uid, unit, region, service, rhost ("" when
 * none), phase ("check" | "update").  Never a password.  Returns
 * gpc_login_audit_write()'s codes, GPC_ERR_INVAL, GPC_ERR_NOMEM.
 */
int gpc_chpass_audit(const struct gpc_cfg *cfg, const struct gpc_log *lg,
    const struct gpc_chpass_req *req,
    const struct gpc_chpass_result *res, int r);

#endif
