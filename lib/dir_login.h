/*
 * gpcgate — the directory work of a login beyond finding the account:
 * counting failed codes and locking, spending a TOTP step or a recovery
 * code, storing a first-login enrollment; the holder's bind with the
 * password policy's answer and the holder's own password change; why an
 * account or unit is not active; the last-login time.  Built on the public
 * API of lib/dir.h.
 *
 * The writes are atomic in the directory, and those that let a login
 * through are conditional on what the login saw, so that two hosts racing
 * on one account cannot both win, and a change made while the holder sat
 * at a prompt is not overtaken by the login:
 *  - a failed code is counted with Modify-Increment (RFC 4525) and the
 *    post-read control (RFC 4527): N concurrent failures record N, and each
 *    caller learns its own new count; a first-login attempt is counted
 *    before it is judged, under the assertion that the account is not
 *    locked (gpc_dir_login_count_attempt);
 *  - spending a step is a compare-and-swap (delete the old value, add the
 *    new one, one Modify), a recovery code is spent by deleting exactly its
 *    value, an enrollment code likewise;
 *  - each of those carries an assertion control (RFC 4528) that the account
 *    is neither locked nor at the failure limit at the moment of the write,
 *    so wrong guesses racing a right one cannot outrun the lockout, and
 *    that it is still in the state the login was decided on (struct
 *    gpc_login_seen): active, not locked by an administrator (a suspension),
 *    the same seed — so a suspension or a handover applied meanwhile fails the write.
 *
 * The session passed in must be bound as the PAM reader (or the writer); the
 * ACLs of schema/database.ldif.in allow exactly these writes.  Sessions are
 * not thread-safe (see dir.h); these functions keep no state.
 */
#ifndef GPC_DIR_LOGIN_H
#define GPC_DIR_LOGIN_H

#include <stdint.h>
#include <time.h>

#include "dir.h"
#include "totp.h"

/*
 * Count one failed verification code on the account at dn.
 * Modify-Increment gpcTotpFailures by 1 with the post-read control; an
 * absent attribute (noSuchAttribute) is created with a plain add of "1" (a
 * SINGLE-VALUE attribute: of concurrent adders one wins and the others
 * increment again).  On GPC_OK *count is the value after this caller's
 * increment.  Returns GPC_OK, GPC_ERR_CONFLICT (lost the race three times
 * in a row), GPC_ERR_DENIED, GPC_ERR_UNAVAIL, GPC_ERR_TIMEOUT,
 * GPC_ERR_LDAP, GPC_ERR_NOMEM.
 */
int gpc_dir_login_count_failure(struct gpc_dir *d, const char *dn, int64_t *count);

/*
 * Count one first-login attempt (an answer that stands in for the password
 * as the enrollment code) on the account at dn before it is judged, so
 * that neither a dropped conversation nor many guesses at once escape the
 * count: as gpc_dir_login_count_failure, under the assertion (RFC 4528)
 * that gpcLockedUntil is not after `now` and gpcTotpFailures is below
 * `limit`.  On GPC_OK *count is the value after this caller's increment
 * (at most `limit`): the attempt may be judged.  Returns GPC_OK,
 * GPC_ERR_LOCKED (locked, or at the limit: nothing written, do not judge),
 * or gpc_dir_login_count_failure()'s errors.
 */
int gpc_dir_login_count_attempt(struct gpc_dir *d, const char *dn, time_t now, int limit,
    int64_t *count);

/*
 * Take back one attempt counted by gpc_dir_login_count_attempt (it was the
 * right enrollment code): Modify-Increment gpcTotpFailures by -1 under the
 * assertion that it is at least 1 — a count reset meanwhile (a lock, an
 * enrollment) is left alone.  Returns GPC_OK (also when there was nothing
 * to take back), GPC_ERR_DENIED, GPC_ERR_UNAVAIL, GPC_ERR_TIMEOUT,
 * GPC_ERR_LDAP, GPC_ERR_NOMEM.
 */
int gpc_dir_login_uncount(struct gpc_dir *d, const char *dn);

/*
 * Lock the second factor of the account at dn until `until` (Unix seconds):
 * gpcLockedUntil is replaced and gpcTotpFailures removed in one Modify, so
 * the count starts again from zero once the lock has passed.  Returns
 * gpc_dir_modify()'s codes.
 */
int gpc_dir_login_lock(struct gpc_dir *d, const char *dn, time_t until);

/*
 * What a login was decided on, read from the account before the holder
 * answered the last prompt.  The write that lets the login through asserts
 * it (RFC 4528): whatever changed since — a suspension of the account or
 * of its unit, a handover, a new seed — makes that write fail.  All
 * borrowed.
 */
struct gpc_login_seen {
	int active;               /* the account and its unit were active: assert
	                             (gpcState=active) and no administrative
	                             ppolicy lock (GPC_PPOLICY_ADMIN_LOCK, dir.h),
	                             which a suspension sets on the account and a
	                             unit's suspension on each of its accounts (a
	                             lock for wrong passwords, which passes, does
	                             not count); 0: no state asserted (a
	                             login refused for its state once the code is
	                             proved) */
	const char *seed_sealed;  /* the gpcTotpSeed value read: asserted unchanged;
	                             NULL: asserted absent (an enrollment) */
	const char *enroll_code;  /* the gpcEnrollCode value matched: asserted
	                             present, or NULL */
};

/*
 * Spend TOTP step new_step: one Modify that deletes gpcTotpStep old_step
 * and adds new_step (old_step -1: adds the first value), removes
 * gpcTotpFailures and gpcLockedUntil (a success resets the count), under
 * the assertion that gpcLockedUntil is not after `now`, gpcTotpFailures is
 * below `limit` and the account is as `seen` says.  The assertion rides on
 * the Modify: no extra round trip.  The PAM reader needs search access to
 * every attribute the assertion names (schema/database.ldif.in), or it
 * never holds.  Returns GPC_OK, GPC_ERR_CONFLICT (the step changed since
 * it was read, the account locked, suspended or handed over meanwhile:
 * either way the login fails), GPC_ERR_INVAL (new_step <= old_step),
 * GPC_ERR_DENIED, GPC_ERR_UNAVAIL, GPC_ERR_TIMEOUT, GPC_ERR_LDAP,
 * GPC_ERR_NOMEM.
 */
int gpc_dir_login_spend_step(struct gpc_dir *d, const char *dn, int64_t old_step,
    int64_t new_step, time_t now, int limit, const struct gpc_login_seen *seen);

/*
 * Spend a recovery code: delete exactly the stored gpcRecoveryCode value
 * `stored` (so of two logins with one code only one succeeds) and reset
 * the count, under the same assertion as gpc_dir_login_spend_step.
 * Returns as gpc_dir_login_spend_step (GPC_ERR_CONFLICT: already spent, or
 * the account changed).
 */
int gpc_dir_login_spend_recovery(struct gpc_dir *d, const char *dn, const char *stored,
    time_t now, int limit, const struct gpc_login_seen *seen);

/* What a completed first-login enrollment stores; all borrowed. */
struct gpc_enrollment {
	const char *enroll_code;      /* the stored gpcEnrollCode hash being spent */
	const char *password;         /* the holder's new password, in clear */
	const char *seed_sealed;      /* gpc_seal() of the seed, bound to the DN */
	const struct gpc_totp_params *params;
	int64_t step;                 /* the step of the confirming code (spent) */
	char *const *recovery;        /* gpc_secret_hash()es, NULL-terminated */
};

/*
 * Store an enrollment in one Modify with the password policy request
 * control: delete gpcEnrollCode (exactly e->enroll_code: a second
 * enrollment with the same code fails) and gpcEnrollExpires, set
 * userPassword (hashed by the server, held to ppolicy's quality checks:
 * the reader has write, not manage), add gpcTotpSeed (fails if one
 * exists), set digits, period, algorithm, the spent step and the recovery
 * codes, clear the failure count and any lock; under the assertion of
 * gpc_dir_login_spend_step for an active account holding e->enroll_code
 * and no seed (the state the enrollment was started in).  The ACL lets the
 * reader write userPassword and the seed only while the entry holds an
 * enrollment code and no seed, so this Modify both writes them and closes
 * that door.  A password over GPC_PASSWORD_MAX bytes is refused before
 * anything is sent (GPC_ERR_INVAL, PP_passwordTooLong).
 * *pp_error is set to ppolicy's LDAPPasswordPolicyError when the server
 * sent one (PP_passwordTooShort, PP_passwordInHistory, ...), else -1.
 * Returns GPC_OK, GPC_ERR_INVAL (the password was refused by policy; see
 * *pp_error), GPC_ERR_CONFLICT (the enrollment code was spent or the seed
 * set meanwhile, or the account locked, suspended or handed over),
 * GPC_ERR_DENIED, GPC_ERR_UNAVAIL, GPC_ERR_TIMEOUT, GPC_ERR_LDAP,
 * GPC_ERR_NOMEM.
 */
int gpc_dir_login_enroll(struct gpc_dir *d, const char *dn, const struct gpc_enrollment *e,
    time_t now, int limit, int *pp_error);

/*
 * What the password policy (draft-behera-ldap-password-policy, OpenLDAP's
 * ppolicy overlay) said in its response control.  -1 in a field: not sent.
 */
struct gpc_pwpolicy {
	int error;    /* LDAPPasswordPolicyError: PP_changeAfterReset (2) after an
	                 administrative reset, PP_passwordExpired (0), PP_accountLocked
	                 (1), PP_passwordTooShort (6), PP_passwordInHistory (8), ... */
	int expire_s; /* timeBeforeExpiration: seconds until the password expires */
	int grace;    /* graceAuthNsRemaining: the password has expired, this bind
	                 used a grace login and this many are left */
};

/* No control: every field -1. */
void gpc_pwpolicy_none(struct gpc_pwpolicy *pp);

/*
 * Whether the holder must choose a new password now: after an
 * administrative reset (ppolicy's pwdReset with pwdMustChange), or when
 * the password has expired and this bind was a grace login.
 */
int gpc_pwpolicy_must_change(const struct gpc_pwpolicy *pp);

/*
 * Bind session d again, as the holder dn with password, with the password
 * policy request control (OpenLDAP's ppolicy answers only when asked), on
 * the connection d already has (its TLS, its server): one operation, no new
 * connection.  From then on d acts as the holder: use it only for the
 * holder's own operations (gpc_dir_login_passwd), then gpc_dir_close() it;
 * after a changeAfterReset answer the server allows nothing but the
 * password change on it.  An empty password is refused before anything is
 * sent (an unauthenticated bind "succeeds", RFC 4513 §5.1.2), and so is
 * one over GPC_PASSWORD_MAX bytes.
 * *pp is filled from the response control (gpc_pwpolicy_none() if none).
 * Returns GPC_OK (the password is right; see pp for a reset or expiry),
 * GPC_ERR_BADPASS (wrong, locked, or expired with no grace login left:
 * pp->error tells PP_passwordExpired / PP_accountLocked, which the server
 * sends only when the password itself was right; any other refusal too:
 * it is no success, and no "directory down"), GPC_ERR_UNAVAIL,
 * GPC_ERR_TIMEOUT, GPC_ERR_NOMEM.
 */
int gpc_dir_login_rebind(struct gpc_dir *d, const char *dn, const char *password,
    struct gpc_pwpolicy *pp);

/*
 * Change the holder's password with the Password Modify extended operation
 * (RFC 3062) on a session bound as that holder (gpc_dir_login_rebind), the
 * old password included, with the password policy request control, so the
 * server checks the old one, hashes the new one and holds it to the policy
 * (length, history, quality, minimum age).  Nothing is sent when old is
 * over GPC_PASSWORD_MAX bytes (GPC_ERR_BADPASS) or new_pw is
 * (GPC_ERR_INVAL, PP_passwordTooLong).  *pp_error gets the policy's
 * LDAPPasswordPolicyError when it refused (PP_passwordTooShort,
 * PP_passwordInHistory, PP_insufficientPasswordQuality,
 * PP_passwordTooYoung, PP_passwordModNotAllowed, ...), else -1.
 * Returns GPC_OK, GPC_ERR_INVAL (refused by the policy: see *pp_error),
 * GPC_ERR_BADPASS (the old password is wrong), GPC_ERR_DENIED,
 * GPC_ERR_UNAVAIL, GPC_ERR_TIMEOUT, GPC_ERR_LDAP, GPC_ERR_NOMEM.
 */
int gpc_dir_login_passwd(struct gpc_dir *d, const char *dn, const char *old,
    const char *new_pw, int *pp_error);

/*
 * The lifecycle state of one entry (an account or a unit) as a decision
 * left it; all malloc'd, NULL when absent.  Free with
 * gpc_entry_state_free().  text is the bureau's own words: show it
 * to the proven holder, never log it.
 */
struct gpc_entry_state {
	char *state;        /* gpcState */
	char *reason;       /* gpcStateReason, a reason code */
	char *text;         /* gpcStateText */
	char *deadline;     /* gpcDeadline as stored, GeneralizedTime with its offset */
	char *on_deadline;  /* gpcOnDeadline: terminate | notify */
};

/*
 * Read the state attributes of the entry at dn (a base search).
 * Returns GPC_OK, GPC_ERR_NOTFOUND, GPC_ERR_UNAVAIL, GPC_ERR_TIMEOUT,
 * GPC_ERR_DENIED, GPC_ERR_LDAP, GPC_ERR_NOMEM.
 */
int gpc_dir_login_state(struct gpc_dir *d, const char *dn, struct gpc_entry_state *st);

/* Free what a gpc_entry_state holds (not st itself); NULL is allowed. */
void gpc_entry_state_free(struct gpc_entry_state *st);

/*
 * Record a successful login: replace gpcLastLogin of the account at dn
 * with `now` (GeneralizedTime, UTC).  The PAM reader may write it
 * (schema/database.ldif.in).  Returns gpc_dir_modify()'s codes.
 */
int gpc_dir_login_touch(struct gpc_dir *d, const char *dn, time_t now);

/*
 * The minimum length (pwdMinLength) of the password policy that applies to
 * the entry at dn: the policy its pwdPolicySubentry names, else the
 * default policy cn=password-policy,ou=system,<base> (schema/base.ldif.in;
 * the overlay's olcPPolicyDefault points there).  dn may be NULL (the
 * default policy).  For saying the rule when a password is refused as too
 * short.  The PAM reader and the provisioner may read the policies (the
 * last rule of schema/database.ldif.in); a session bound as the holder may
 * not.  *min is 0 when the policy sets none.  Returns GPC_OK,
 * GPC_ERR_NOTFOUND (no such policy entry), GPC_ERR_DENIED, GPC_ERR_UNAVAIL,
 * GPC_ERR_TIMEOUT, GPC_ERR_LDAP, GPC_ERR_NOMEM.
 */
int gpc_dir_login_pw_min_length(struct gpc_dir *d, const char *dn, int *min);

#endif
