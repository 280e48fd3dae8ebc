/*
 * gpcgate — one login: password by LDAP bind, then a TOTP code (RFC 6238)
 * or a recovery code, with the replay guard, the failure count and the
 * lockout held in the directory; or, the first time, enrollment with the
 * code sent to the holder's mobile.
 *
 * The flow talks to the holder only through a small conversation interface,
 * so pam_gpcgate.so drives it with pam_prompt and a test can drive it with
 * a script.  What it promises (issue 3):
 *
 *  - Prompts do not depend on whether the name exists, the password is
 *    right, the code is right or the account is locked: the first prompt,
 *    then (outside enrollment) exactly one code prompt.  A wrong password
 *    never checks or spends the code.
 *  - A code is fixed-width ASCII digits; anything else is refused without
 *    a directory write.  Its step is spent with a compare-and-swap; a step
 *    at or below the last accepted one is a replay (also when the host
 *    clock was set back); a write that fails is a failed login.
 *  - Wrong codes (and wrong enrollment codes) are counted atomically (a
 *    replayed code, right for a step already spent, is not a guess and is
 *    not counted); at
 *    totp.failure_limit the second factor locks for totp.lockout_s; a
 *    success resets the count; a locked account fails like any other.
 *  - Names are matched on the directory's canonical uid (ASCII case
 *    ignored, nothing else), so case variants share one replay guard and
 *    one failure count.  An unknown name is reported only as a keyed hash.
 *  - "Not enrolled" is concluded only from an entry read successfully that
 *    holds no TOTP attributes at all; a directory error never reads so.
 *  - Seeds are opened just before the check and wiped just after; codes,
 *    passwords and answers are wiped on every path.
 */
#ifndef GPC_LOGIN_H
#define GPC_LOGIN_H

#include <jansson.h>
#include <stdint.h>
#include <time.h>

#include "cfg.h"
#include "log.h"
#include "seal.h"

/* How the password and the code are asked for (the module's options). */
enum gpc_login_mode {
	GPC_LOGIN_TWO_PROMPTS,    /* password, then code (default) */
	GPC_LOGIN_ONE_PROMPT,     /* one answer: the password, then the code's digits */
	GPC_LOGIN_USE_FIRST_PASS, /* the password from an earlier module; code only */
	GPC_LOGIN_TRY_FIRST_PASS, /* that password if there is one, else ask */
};

/* The holder's side of the conversation. */
struct gpc_login_conv {
	/*
	 * Show `prompt` (UTF-8, may span lines; what the holder must read is
	 * in it) and read one answer; echo != 0 shows the typing.  On GPC_OK
	 * *answer is malloc'd, NUL-terminated, and the flow wipes and frees
	 * it.  Any other return ends the login (GPC_ERR_IO).
	 */
	int (*ask)(void *ctx, int echo, const char *prompt, char **answer);
	void *ctx;
	/*
	 * Optional (NULL: nothing is shown): show a message that asks for no
	 * answer — error != 0 for a refusal (PAM_ERROR_MSG), else a notice
	 * (PAM_TEXT_INFO).  Returns GPC_OK when it was delivered.
	 */
	int (*tell)(void *ctx, int error, const char *text);
};

/* One login request; all borrowed for the duration of the call. */
struct gpc_login_req {
	const char *user;          /* the name as given (PAM_USER) */
	enum gpc_login_mode mode;
	const char *authtok;       /* an earlier module's password (PAM_AUTHTOK), or NULL */
	enum gpc_lang lang;        /* GPC_LANG_ZH or GPC_LANG_EN (gpc_i18n_lang) */
	int qr_invert;             /* enrollment QR code for dark-on-light terminals */
	const char *service;       /* for the audit: PAM_SERVICE, PAM_RHOST, PAM_TTY; */
	const char *rhost;         /* each may be NULL */
	const char *tty;
};

/* What the login came to, beyond its return code. */
struct gpc_login_result {
	const char *reason;   /* stable snake_case reason code, static (see login.c) */
	char *uid;            /* the canonical uid, or NULL (unknown name) */
	char *unit;           /* the account's unit code, or NULL */
	char *region;         /* its unit's region code, or NULL */
	char name_hash[GPC_BLIND_INDEX_LEN + 1]; /* keyed hash of the name when no account
	                         was identified (unknown, or the directory failed), or "" */
	time_t locked_until;  /* this attempt locked the account until then, else 0 */
	int64_t lock_failures; /* ... after this many consecutive failed codes */
	char *authtok;        /* the password split out of a one-prompt answer, for the
	                         next module (PAM_AUTHTOK), or NULL */
	int proved;           /* refused after the holder's second factor was proved
	                         (a valid code, spent): the account or its unit is not
	                         active, or the post may not use this service; the
	                         reason was offered through conv->tell */
	int told;             /* ... and conv->tell delivered it */
	char *dn;             /* the account's DN, or NULL */
	time_t last_login;    /* its gpcLastLogin, 0 if none */
	char *password;       /* on GPC_OK after a password bind: that password, for the
	                         account stage to ask the password policy about (reset,
	                         expiry); wiped by gpc_login_result_free; else NULL */
};

/*
 * Run one login.  cfg and lg (may be NULL) as loaded by the caller; conv
 * and req as above.  After the holder proved the second factor, an account
 * that is not active, or a post pam.services does not allow on
 * req->service (分岗设权), fails with GPC_ERR_STATE and res->proved set; the
 * reason (lib/acct.h) goes to conv->tell in req->lang.  Without that proof
 * nothing is told.  *res is reset on entry; release it with
 * gpc_login_result_free() (it wipes res->authtok).
 * Returns GPC_OK (password and code right, or a recovery code, or an
 * enrollment completed), GPC_ERR_NOTFOUND (no such account),
 * GPC_ERR_BADPASS (wrong or empty password, wrong or expired enrollment
 * code), GPC_ERR_BADCODE (wrong, malformed or late code, or its step could
 * not be spent), GPC_ERR_REPLAY (a step at or below the last accepted),
 * GPC_ERR_LOCKED (second factor locked), GPC_ERR_NOTENROLLED (right
 * password, no authenticator enrolled), GPC_ERR_STATE (the account or its
 * unit is not active), GPC_ERR_BADSEAL (the stored seed does not open for
 * this entry), GPC_ERR_UNAVAIL/GPC_ERR_TIMEOUT/GPC_ERR_TLS/GPC_ERR_LDAP
 * (directory), GPC_ERR_IO (the conversation failed), GPC_ERR_KEY,
 * GPC_ERR_PERM, GPC_ERR_CONFIG, GPC_ERR_NOMEM, GPC_ERR_CRYPTO.
 * Thread-safe for distinct calls; keeps no state.
 */
int gpc_login_authenticate(const struct gpc_cfg *cfg, const struct gpc_log *lg,
    const struct gpc_login_conv *conv, const struct gpc_login_req *req,
    struct gpc_login_result *res);

/* Wipe and free what a result holds (not res itself); NULL is allowed. */
void gpc_login_result_free(struct gpc_login_result *res);

/*
 * Whether the directory's canonical uid is the name given: equal but for
 * ASCII letter case (the directory's matching rule also ignores leading,
 * trailing and repeated spaces; this does not).  1 or 0.
 */
int gpc_login_name_matches(const char *uid, const char *given);

/*
 * What the search for the account named `user` found (r and *a as
 * gpc_dir_find_account() or gpc_dir_find_account_bind() returned them),
 * as every PAM stage takes it: an empty, too long or ambiguous name finds
 * nothing, and so does an entry whose uid is not the name given
 * (gpc_login_name_matches: the directory's matching rule also ignores
 * spaces, and " alice" must not become alice).  Returns GPC_OK (*a is the
 * account), GPC_ERR_NOTFOUND (*a freed and NULL), or r, a directory error.
 */
struct gpc_account;
int gpc_login_own_entry(int r, const char *user, struct gpc_account **a);

/*
 * Put a caller-supplied string into an audit event: at most 255 bytes, cut
 * at a character boundary; not UTF-8: "(not UTF-8)".  s NULL: nothing.
 */
void gpc_login_audit_put(json_t *o, const char *key, const char *s);

/*
 * The fields every audit line of a holder's PAM stage starts with:
 * "outcome" (success when r is GPC_OK, else failure), "reason" (NULL:
 * "error"), and uid, unit, region, service and rhost (NULL rhost: "") put
 * with gpc_login_audit_put (NULL: left out).  Returns a new object
 * (json_decref), NULL when out of memory.
 */
json_t *gpc_login_audit_fields(int r, const char *reason, const char *uid, const char *unit,
    const char *region, const char *service, const char *rhost);

/*
 * Append n events (events[i] with fields[i], borrowed) to the audit log of
 * cfg (audit.file; with audit.syslog also lg), opened once for them and
 * closed again: what every PAM stage writes.  A failure is logged through
 * lg, never silently lost.  Returns GPC_OK or the first error of
 * gpc_audit_open() / gpc_audit_event().
 */
int gpc_login_audit_write(const struct gpc_cfg *cfg, const struct gpc_log *lg, size_t n,
    const char *const *events, json_t *const *fields);

/*
 * Append the audit events of one gpc_login_authenticate call (the contract
 * of audit.h) with gpc_login_audit_write: "login" with outcome (success |
 * failure), reason, uid (or name_hash), unit, region, service, rhost (""
 * when none), tty; and, when the attempt locked the account, "lockout"
 * with uid, unit, region, failures, until.  Never a password, code, seed
 * or personal datum.  Returns gpc_login_audit_write()'s codes,
 * GPC_ERR_INVAL, GPC_ERR_NOMEM.
 */
int gpc_login_audit(const struct gpc_cfg *cfg, const struct gpc_log *lg,
    const struct gpc_login_req *req, const struct gpc_login_result *res, int r);

/*
 * Normalise a typed recovery code: spaces and '-' dropped, letters
 * upper-cased; it must then be 8 symbols of GPC_RECOVERY_ALPHABET, and out
 * (GPC_RECOVERY_CODE_SIZE bytes) receives the canonical "XXXX-XXXX" that
 * is hashed with gpc_secret_hash(keys, "recovery", ...).  Returns GPC_OK
 * or GPC_ERR_FORMAT (out wiped).
 */
int gpc_login_recovery_canonical(const char *typed, char *out);

#endif
