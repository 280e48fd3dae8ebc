/*
 * gpcgate — the session stage of a login (PAM `session`): the audit
 * events session_open and session_close (their format is lib/audit.h's),
 * and the account's last successful login (gpcLastLogin).
 *
 * Last login, at a bounded write rate: opening a session rewrites
 * gpcLastLogin only when the stored value is older than
 * pam.last_login_interval_s (default 3600 s; 0: every session), is absent,
 * or lies in the future (a clock set back).  So an account that logs in
 * every minute costs the directory one write an hour, and the stored time
 * is at most that interval behind; the audit log has every session
 * exactly.  The value read in this PAM handle (by auth or the account
 * stage, kept in the note) saves a read; without it the account is read.
 * A write that fails is logged and does not fail the session.
 */
#ifndef GPC_SESSION_H
#define GPC_SESSION_H

#include <time.h>

#include "acct.h"
#include "cfg.h"
#include "log.h"

/* One session request; all borrowed, each may be NULL but user. */
struct gpc_session_req {
	const char *user;     /* PAM_USER */
	const char *service;  /* PAM_SERVICE */
	const char *rhost;    /* PAM_RHOST ("" in the audit when none) */
	const char *tty;      /* PAM_TTY */
};

/* What an open session keeps until its close (pam_set_data). */
struct gpc_session {
	char *uid;            /* the account's canonical uid */
	char *unit;
	char *region;
	char sid[33];         /* 32 lower-case hex characters from a CSPRNG */
};

/* Free a session; NULL is allowed. */
void gpc_session_free(struct gpc_session *s);

/*
 * Open a session: identify the account (from note when it is about the
 * account named req->user, ASCII case aside, else by reading it as the
 * PAM reader; only the entry whose uid equals the name counts), choose its
 * sid, append "session_open" (uid, unit, region, service, rhost, tty, sid)
 * to the audit log, and update gpcLastLogin when due (see above; note, if
 * about the account, learns the new value).  now: Unix seconds.
 * *out (gpc_session_free) is what the close needs.
 * Returns GPC_OK, GPC_ERR_NOTFOUND (no such account: not ours to record),
 * GPC_ERR_UNAVAIL/GPC_ERR_TIMEOUT/GPC_ERR_TLS/GPC_ERR_LDAP (the account
 * could not be read), GPC_ERR_CONFIG, GPC_ERR_PERM, GPC_ERR_NOMEM,
 * GPC_ERR_CRYPTO (no random sid).  An audit line that cannot be written is
 * logged, and not an error.
 */
int gpc_session_open(const struct gpc_cfg *cfg, const struct gpc_log *lg,
    const struct gpc_session_req *req, struct gpc_login_note *note, time_t now,
    struct gpc_session **out);

/*
 * Close a session: append "session_close" with the fields of s and its sid.
 * s NULL (the session was opened in another process, or its data is lost):
 * the account comes from note, or is read, and the line has no sid — the
 * audit's readers then match it to the latest open session of the same
 * uid, host, service and tty.
 * Returns GPC_OK, and without s gpc_session_open()'s errors.
 */
int gpc_session_close(const struct gpc_cfg *cfg, const struct gpc_log *lg,
    const struct gpc_session_req *req, const struct gpc_session *s,
    const struct gpc_login_note *note);

#endif
