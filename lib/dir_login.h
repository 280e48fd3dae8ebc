/*
 * gpcgate — the directory writes of a login: counting failed codes and
 * locking, spending a TOTP step or a recovery code, and storing a
 * first-login enrollment.  Built on the public API of lib/dir.h.
 *
 * The writes are atomic in the directory, and those that let a login
 * through are conditional on what the login saw, so that two hosts racing
 * on one account cannot both win:
 *  - a failed code is counted with Modify-Increment (RFC 4525) and the
 *    post-read control (RFC 4527): N concurrent failures record N, and each
 *    caller learns its own new count;
 *  - spending a step is the compare-and-swap of gpc_dir_advance_step
 *    (delete the old value, add the new one, one Modify), a recovery code
 *    is spent by deleting exactly its value, an enrollment code likewise;
 *  - each of those carries an assertion control (RFC 4528) that the account
 *    is neither locked nor at the failure limit at the moment of the write,
 *    so wrong guesses racing a right one cannot outrun the lockout.
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
 * Lock the second factor of the account at dn until `until` (Unix seconds):
 * gpcLockedUntil is replaced and gpcTotpFailures removed in one Modify, so
 * the count starts again from zero once the lock has passed.  Returns
 * gpc_dir_modify()'s codes.
 */
int gpc_dir_login_lock(struct gpc_dir *d, const char *dn, time_t until);

/*
 * Spend TOTP step new_step: one Modify that deletes gpcTotpStep old_step
 * and adds new_step (old_step -1: adds the first value), removes
 * gpcTotpFailures and gpcLockedUntil (a success resets the count), under
 * the assertion that gpcLockedUntil is not after `now` and
 * gpcTotpFailures is below `limit`.  Returns GPC_OK, GPC_ERR_CONFLICT (the
 * step changed since it was read, or the account locked meanwhile: either
 * way the login fails), GPC_ERR_INVAL (new_step <= old_step),
 * GPC_ERR_DENIED, GPC_ERR_UNAVAIL, GPC_ERR_TIMEOUT, GPC_ERR_LDAP,
 * GPC_ERR_NOMEM.
 */
int gpc_dir_login_spend_step(struct gpc_dir *d, const char *dn, int64_t old_step,
    int64_t new_step, time_t now, int limit);

/*
 * Spend a recovery code: delete exactly the stored gpcRecoveryCode value
 * `stored` (so of two logins with one code only one succeeds) and reset
 * the count, under the same assertion as gpc_dir_login_spend_step.
 * Returns as gpc_dir_login_spend_step (GPC_ERR_CONFLICT: already spent).
 */
int gpc_dir_login_spend_recovery(struct gpc_dir *d, const char *dn, const char *stored,
    time_t now, int limit);

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
 * gpc_dir_login_spend_step.  The ACL lets the reader write userPassword and
 * the seed only while the entry holds an enrollment code and no seed, so
 * this Modify both writes them and closes that door.
 * *pp_error is set to ppolicy's LDAPPasswordPolicyError when the server
 * sent one (PP_passwordTooShort, PP_passwordInHistory, ...), else -1.
 * Returns GPC_OK, GPC_ERR_INVAL (the password was refused by policy; see
 * *pp_error), GPC_ERR_CONFLICT (the enrollment code was spent or the seed
 * set meanwhile, or the account locked), GPC_ERR_DENIED, GPC_ERR_UNAVAIL,
 * GPC_ERR_TIMEOUT, GPC_ERR_LDAP, GPC_ERR_NOMEM.
 */
int gpc_dir_login_enroll(struct gpc_dir *d, const char *dn, const struct gpc_enrollment *e,
    time_t now, int limit, int *pp_error);

#endif
