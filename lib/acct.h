/*
 * gpcgate — the account stage of a login (PAM `account`), and what the
 * stages of one PAM handle tell each other.
 *
 * The account stage refuses accounts that are pending, denied, suspended
 * or terminated, and accounts of units that are not active; it refuses a
 * post (role) on a PAM service pam.services does not allow it (分岗设权);
 * and it asks for a new password after an administrative reset or when the
 * password expired with a grace login (PAM_NEW_AUTHTOK_REQD).
 *
 * Who is told why.  A refusal says why — in the holder's language, for a
 * suspension the bureau's reason and the rectification deadline — only to
 * someone who proved the holder's second factor in this same PAM handle: a
 * valid code, spent (an account that is not active is ppolicy-locked, so
 * its password cannot be proved; the code can).  The auth stage tells it
 * at once (and records that it did); the account stage tells it when auth
 * could not, e.g. because auth was done by another module.  Anyone else
 * (a stranger guessing names, a login authenticated elsewhere such as an
 * SSH key) gets the refusal and no reason.
 *
 * The note: what the auth stage learned, kept in the PAM handle
 * (pam_set_data) for the account, password and session stages of the same
 * handle.  It is trusted only for the account whose canonical uid it names.
 */
#ifndef GPC_ACCT_H
#define GPC_ACCT_H

#include <time.h>

#include "cfg.h"
#include "dir.h"
#include "dir_login.h"
#include "log.h"

/* What one PAM handle's stages know of its login; see above. */
struct gpc_login_note {
	char *uid;            /* the account's canonical uid; the note is about it only */
	char *dn;             /* the rest as the directory had them, or NULL */
	char *unit;
	char *region;
	time_t last_login;    /* gpcLastLogin as stored (after our own write), 0: none */
	int authenticated;    /* our auth stage accepted password and code */
	int proved;           /* refused, but the holder's second factor was proved */
	int told;             /* the reason of the refusal was delivered */
	char *password;       /* the password auth verified, until the account stage has
	                         asked the password policy about it (then wiped), or, when
	                         a new one is due, until it is changed; or NULL */
	int pp_known;         /* pp is the policy's answer for this holder */
	struct gpc_pwpolicy pp;
};

/* A new, empty note (pp: none). NULL when out of memory. */
struct gpc_login_note *gpc_login_note_new(void);

/* Wipe the password and free; NULL is allowed. */
void gpc_login_note_free(struct gpc_login_note *n);

/*
 * Whether note n is about the account with canonical uid `uid` (exactly, as
 * the directory spells it).  n may be NULL.
 */
int gpc_login_note_about(const struct gpc_login_note *n, const char *uid);

/*
 * Whether a refusal may be explained to whoever holds this handle: the
 * note is about the account and records a proof (a refused holder's code,
 * or a whole successful authentication), and the reason was not told yet.
 */
int gpc_login_note_may_tell(const struct gpc_login_note *n, const char *uid);

/*
 * The last day to rectify, from a stored gpcDeadline.  The engine stores
 * 24:00 of the decision's date in the configured zone, which is 00:00 of
 * the next day with that zone's offset ("21000101000000+0800" for
 * 2099-12-31): the date shown is that of the instant one second earlier,
 * read in the value's own offset (UTC for "Z").  out gets "YYYY-MM-DD";
 * *instant (may be NULL) the deadline as Unix seconds.
 * Returns GPC_OK or GPC_ERR_FORMAT.
 */
int gpc_acct_deadline_date(const char *stored, char out[11], time_t *instant);

/*
 * Make a directory string safe to show a holder, into out (len bytes,
 * always NUL-terminated): control characters (C0, DEL, C1) become spaces,
 * runs of spaces one, ends trimmed, invalid UTF-8 is refused (out ""), and
 * it is cut at a character boundary to fit.
 */
void gpc_acct_display(const char *in, char *out, size_t len);

/*
 * Why the account a (read by gpc_dir_find_account) may not be used, in
 * lang: reads the state, reason and deadline of the account or, when the
 * account itself is active, of its unit, through d (the reader).  now:
 * Unix seconds, for "the deadline has passed".  *out malloc'd.
 * Returns GPC_OK, GPC_ERR_INVAL (a is usable), the directory's errors,
 * GPC_ERR_NOMEM.
 */
int gpc_acct_refusal(struct gpc_dir *d, const struct gpc_account *a, enum gpc_lang lang,
    time_t now, char **out);

/* One account-stage request; all borrowed. */
struct gpc_acct_req {
	const char *user;     /* PAM_USER */
	const char *service;  /* PAM_SERVICE, may be NULL */
	enum gpc_lang lang;
};

enum gpc_acct_verdict {
	GPC_ACCT_OK,           /* PAM_SUCCESS */
	GPC_ACCT_REFUSED,      /* PAM_PERM_DENIED */
	GPC_ACCT_TERMINATED,   /* PAM_ACCT_EXPIRED: the account or its unit is terminated */
	GPC_ACCT_NEW_PASSWORD, /* PAM_NEW_AUTHTOK_REQD */
};

struct gpc_acct_result {
	enum gpc_acct_verdict verdict;
	const char *reason;   /* static: ok, account_not_active, role_not_allowed,
	                         password_reset, password_expired, password_expired_locked,
	                         password_not_accepted, unknown_account,
	                         directory_unavailable, error */
	char *error;          /* for the holder as PAM_ERROR_MSG, or NULL */
	char *info;           /* for the holder as PAM_TEXT_INFO, or NULL */
};

/*
 * The account stage.  Finds the account as the PAM reader (only the entry
 * whose uid equals req->user, ASCII case aside, as in auth), then judges:
 * state, post and service, password policy.  *note (may point to NULL) is
 * the handle's note: used when it is about this account (a proof lets
 * res->error say why; its password is bound once, as the holder, with the
 * password policy control — after the reads, on the same connection — and
 * then wiped, unless a change is due); then updated, or created, with the
 * account's uid, DN, unit, region and last login for the session stage.
 * The caller owns *note either way.  Release res with
 * gpc_acct_result_free().
 * Returns GPC_OK (see res->verdict), GPC_ERR_NOTFOUND (no such account),
 * GPC_ERR_UNAVAIL/GPC_ERR_TIMEOUT/GPC_ERR_TLS/GPC_ERR_LDAP (directory),
 * GPC_ERR_CONFIG, GPC_ERR_PERM, GPC_ERR_NOMEM.
 * A refusal is logged (LOG_NOTICE) with uid and reason codes, never the
 * bureau's words.  Thread-safe for distinct calls.
 */
int gpc_acct_check(const struct gpc_cfg *cfg, const struct gpc_log *lg,
    const struct gpc_acct_req *req, struct gpc_login_note **note, struct gpc_acct_result *res);

void gpc_acct_result_free(struct gpc_acct_result *res);

#endif
