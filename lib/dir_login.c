/*
 * The directory writes of a login: failure count, lockout, spending a step,
 * a recovery code or an enrollment code.  See dir_login.h.
 */
#include <lber.h>
#include <ldap.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "dir_login.h"
#include "err.h"
#include "sigpipe.h"
#include "util.h"

/* Attempts of the increment-or-create loop before giving up. */
#define COUNT_TRIES 3

/*
 * Wait for the answer to msgid on ld (its operation timeout,
 * LDAP_OPT_TIMEOUT, as dir.c set it) and parse it: returns the LDAP code of
 * the wait or of the operation; *rctrls (may be NULL; ldap_controls_free)
 * gets the response controls.  Call inside gpc_sigpipe_block().
 */
static int
await_result(LDAP *ld, int msgid, LDAPControl ***rctrls)
{
	struct timeval *tv = NULL;
	LDAPMessage *res = NULL;
	int rc, err = LDAP_OTHER;

	(void)ldap_get_option(ld, LDAP_OPT_TIMEOUT, &tv);
	rc = ldap_result(ld, msgid, LDAP_MSG_ALL, tv, &res);
	if (rc == 0) {
		(void)ldap_abandon_ext(ld, msgid, NULL, NULL);
		rc = LDAP_TIMEOUT;
	} else if (rc < 0) {
		if (ldap_get_option(ld, LDAP_OPT_RESULT_CODE, &rc) != LDAP_OPT_SUCCESS ||
		    rc == LDAP_SUCCESS)
			rc = LDAP_SERVER_DOWN;
	} else if ((rc = ldap_parse_result(ld, res, &err, NULL, NULL, NULL, rctrls, 0)) ==
	    LDAP_SUCCESS)
		rc = err;
	ldap_msgfree(res);
	if (tv != NULL)
		ldap_memfree(tv);
	return rc;
}

/*
 * One Modify with request controls; *ldap_rc gets the LDAP result code and
 * *rctrls (may be NULL; ldap_controls_free) the response controls.
 * Returns gpc_dir_err(*ldap_rc), with constraintViolation as GPC_ERR_LDAP
 * for the caller to interpret.
 */
static int
modify(struct gpc_dir *d, const char *dn, LDAPMod **mods, LDAPControl **sctrls,
    int *ldap_rc, LDAPControl ***rctrls)
{
	LDAP *ld = gpc_dir_ldap(d);
	struct gpc_sigpipe g;
	int msgid = -1, rc;

	if (rctrls != NULL)
		*rctrls = NULL;
	gpc_sigpipe_block(&g);
	if ((rc = ldap_modify_ext(ld, dn, mods, sctrls, NULL, &msgid)) == LDAP_SUCCESS)
		rc = await_result(ld, msgid, rctrls);
	gpc_sigpipe_restore(&g);
	*ldap_rc = rc;
	return rc == LDAP_CONSTRAINT_VIOLATION ? GPC_ERR_LDAP : gpc_dir_err(rc);
}

/* An assertion control (RFC 4528), critical, for filter (escaped already). */
static int
assertion_control(struct gpc_dir *d, const char *filter, LDAPControl **ctrl)
{
	*ctrl = NULL;
	return ldap_create_assertion_control(gpc_dir_ldap(d), (char *)filter, 1, ctrl) ==
	    LDAP_SUCCESS ? GPC_OK : GPC_ERR_NOMEM;
}

/*
 * The assertion every "success" write carries: not locked at `now`, not at
 * the failure limit, and (seen not NULL) still as the login saw it.  A lock
 * set, or a failure counted up to the limit, by another login between our
 * read and our write makes the write fail (122); so does a suspension
 * (gpcState, and the ppolicy lock that a unit's suspension sets on each of
 * its accounts) or a handover (the seed, or the enrollment code, replaced).
 */
static int
success_control(struct gpc_dir *d, time_t now, int limit, const struct gpc_login_seen *seen,
    LDAPControl **ctrl)
{
	char when[16], *seed = NULL, *code = NULL, *seed_f = NULL, *code_f = NULL;
	char *filter = NULL;
	int r = GPC_ERR_NOMEM;

	*ctrl = NULL;
	gpc_time_generalized(now, when);
	if (seen != NULL) {
		if (seen->seed_sealed != NULL) {
			if ((r = gpc_dir_filter_escape(seen->seed_sealed, strlen(seen->seed_sealed),
			    &seed)) != GPC_OK || gpc_asprintf(&seed_f, "(gpcTotpSeed=%s)", seed) < 0)
				goto out;
		} else if ((seed_f = strdup("(!(gpcTotpSeed=*))")) == NULL)
			goto out;
		if (seen->enroll_code != NULL &&
		    ((r = gpc_dir_filter_escape(seen->enroll_code, strlen(seen->enroll_code),
		    &code)) != GPC_OK || gpc_asprintf(&code_f, "(gpcEnrollCode=%s)", code) < 0))
			goto out;
	}
	if (gpc_asprintf(&filter, "(&(!(gpcLockedUntil>=%s))(!(gpcTotpFailures>=%d))%s%s%s)",
	    when, limit,
	    seen != NULL && seen->active ?
	    "(gpcState=active)(!(pwdAccountLockedTime=" GPC_PPOLICY_ADMIN_LOCK "))" : "",
	    seed_f != NULL ? seed_f : "", code_f != NULL ? code_f : "") < 0) {
		r = GPC_ERR_NOMEM;
		goto out;
	}
	r = assertion_control(d, filter, ctrl);
out:
	if (r == GPC_OK && *ctrl == NULL)
		r = GPC_ERR_NOMEM;
	free(seed);
	free(code);
	free(seed_f);
	free(code_f);
	free(filter);
	return r;
}

/* The post-read control asking for one attribute (RFC 4527 §3.2). */
static int
postread_control(const char *attr, LDAPControl **ctrl)
{
	BerElement *ber;
	struct berval bv = { 0, NULL };
	int r = GPC_ERR_NOMEM;

	*ctrl = NULL;
	if ((ber = ber_alloc_t(LBER_USE_DER)) == NULL)
		return GPC_ERR_NOMEM;
	if (ber_printf(ber, "{s}", attr) != -1 && ber_flatten2(ber, &bv, 0) == 0 &&
	    ldap_control_create(LDAP_CONTROL_POST_READ, 1, &bv, 1, ctrl) == LDAP_SUCCESS)
		r = GPC_OK;
	ber_free(ber, 1);
	return r;
}

/* The integer value of attr in a post-read response control. */
static int
postread_int(LDAPControl **rctrls, const char *attr, int64_t *out)
{
	LDAPControl *c = ldap_control_find(LDAP_CONTROL_POST_READ, rctrls, NULL);
	BerElement *ber = NULL;
	struct berval dn, type;
	BerVarray vals = NULL;
	int r = GPC_ERR_LDAP;

	if (c == NULL || (ber = ber_init(&c->ldctl_value)) == NULL)
		return GPC_ERR_LDAP;
	if (ber_scanf(ber, "{m{" /*}}*/, &dn) == LBER_ERROR)
		goto out;
	while (ber_scanf(ber, "{m" /*}*/, &type) != LBER_ERROR) {
		if (ber_scanf(ber, "[W]", &vals) == LBER_ERROR || vals == NULL)
			continue;
		if (strlen(attr) == type.bv_len && strncasecmp(attr, type.bv_val, type.bv_len) == 0 &&
		    vals[0].bv_val != NULL && vals[0].bv_len > 0 && vals[0].bv_len < 24) {
			char buf[24], *end = NULL;
			long long v;

			memcpy(buf, vals[0].bv_val, vals[0].bv_len);
			buf[vals[0].bv_len] = '\0';
			v = strtoll(buf, &end, 10);
			if (end != buf && *end == '\0') {
				*out = (int64_t)v;
				r = GPC_OK;
			}
		}
		ber_bvarray_free(vals);
		vals = NULL;
	}
out:
	ber_free(ber, 1);
	return r;
}

/*
 * Modify-Increment gpcTotpFailures by delta with the post-read control
 * and, if not NULL, the assertion control `assert` (on the create too).
 * An absent count is created with a plain add of delta when delta > 0 (a
 * SINGLE-VALUE attribute: of concurrent creators one wins, the others
 * increment again).  *ldap_rc gets the last LDAP result.  Returns as
 * gpc_dir_login_count_failure; an assertion that fails is GPC_ERR_LDAP
 * with *ldap_rc LDAP_ASSERTION_FAILED.
 */
static int
increment(struct gpc_dir *d, const char *dn, int delta, LDAPControl *assert, int64_t *count,
    int *ldap_rc)
{
	char by[16];
	char *byv[2] = { by, NULL };
	LDAPMod inc = { LDAP_MOD_INCREMENT, "gpcTotpFailures", { .modv_strvals = byv } };
	LDAPMod add = { LDAP_MOD_ADD, "gpcTotpFailures", { .modv_strvals = byv } };
	LDAPMod *incs[2] = { &inc, NULL }, *adds[2] = { &add, NULL };
	LDAPControl *pr = NULL, *sctrls[3] = { NULL, NULL, NULL }, *actrls[2] = { NULL, NULL };
	LDAPControl **rctrls = NULL;
	int r, i;

	*count = -1;
	*ldap_rc = LDAP_OTHER;
	snprintf(by, sizeof(by), "%d", delta);
	if ((r = postread_control("gpcTotpFailures", &pr)) != GPC_OK)
		return r;
	sctrls[0] = pr;
	sctrls[1] = assert;
	actrls[0] = assert;
	for (i = 0; i < COUNT_TRIES; i++) {
		r = modify(d, dn, incs, sctrls, ldap_rc, &rctrls);
		if (r == GPC_OK) {
			r = postread_int(rctrls, "gpcTotpFailures", count);
			goto out;
		}
		ldap_controls_free(rctrls);
		rctrls = NULL;
		if (*ldap_rc != LDAP_NO_SUCH_ATTRIBUTE || delta <= 0)
			goto out;
		/* No count yet: create it.  Of concurrent creators one wins. */
		r = modify(d, dn, adds, actrls, ldap_rc, NULL);
		if (r == GPC_OK) {
			*count = delta;
			goto out;
		}
		if (*ldap_rc != LDAP_TYPE_OR_VALUE_EXISTS && *ldap_rc != LDAP_CONSTRAINT_VIOLATION)
			goto out;
		/* another login created it first: increment that */
	}
	r = GPC_ERR_CONFLICT;
out:
	ldap_controls_free(rctrls);
	ldap_control_free(pr);
	return r;
}

int
gpc_dir_login_count_failure(struct gpc_dir *d, const char *dn, int64_t *count)
{
	int rc;

	return increment(d, dn, 1, NULL, count, &rc);
}

int
gpc_dir_login_count_attempt(struct gpc_dir *d, const char *dn, time_t now, int limit,
    int64_t *count)
{
	LDAPControl *assert = NULL;
	int r, rc;

	*count = -1;
	if ((r = success_control(d, now, limit, NULL, &assert)) != GPC_OK)
		return r;
	r = increment(d, dn, 1, assert, count, &rc);
	ldap_control_free(assert);
	if (rc == LDAP_ASSERTION_FAILED)
		return GPC_ERR_LOCKED;
	return r;
}

int
gpc_dir_login_uncount(struct gpc_dir *d, const char *dn)
{
	LDAPControl *assert = NULL;
	int64_t count;
	int r, rc;

	if ((r = assertion_control(d, "(gpcTotpFailures>=1)", &assert)) != GPC_OK)
		return r;
	r = increment(d, dn, -1, assert, &count, &rc);
	ldap_control_free(assert);
	/* 122: reset meanwhile (a lock, an enrollment); 16: no count at all. */
	if (rc == LDAP_ASSERTION_FAILED || rc == LDAP_NO_SUCH_ATTRIBUTE)
		return GPC_OK;
	return r;
}

int
gpc_dir_login_lock(struct gpc_dir *d, const char *dn, time_t until)
{
	char when[16];
	char *whenv[2] = { when, NULL }, *none[1] = { NULL };
	LDAPMod lock = { LDAP_MOD_REPLACE, "gpcLockedUntil", { .modv_strvals = whenv } };
	LDAPMod zero = { LDAP_MOD_REPLACE, "gpcTotpFailures", { .modv_strvals = none } };
	LDAPMod *mods[3] = { &lock, &zero, NULL };
	int rc;

	gpc_time_generalized(until, when);
	return modify(d, dn, mods, NULL, &rc, NULL);
}

/* A "success" Modify: mods plus the resets, under the success assertion. */
static int
modify_success(struct gpc_dir *d, const char *dn, LDAPMod **mods, time_t now, int limit,
    const struct gpc_login_seen *seen)
{
	LDAPControl *assert = NULL, *sctrls[2] = { NULL, NULL };
	int r, rc;

	if (seen == NULL)
		return GPC_ERR_INVAL;
	if ((r = success_control(d, now, limit, seen, &assert)) != GPC_OK)
		return r;
	sctrls[0] = assert;
	r = modify(d, dn, mods, sctrls, &rc, NULL);
	ldap_control_free(assert);
	/*
	 * 16: the old value is gone (another login spent it, or a handover
	 * revoked it); 19/20: another first value was added; 122: locked,
	 * suspended or handed over meanwhile.  All mean "lost".
	 */
	if (rc == LDAP_NO_SUCH_ATTRIBUTE || rc == LDAP_TYPE_OR_VALUE_EXISTS ||
	    rc == LDAP_CONSTRAINT_VIOLATION || rc == LDAP_ASSERTION_FAILED)
		return GPC_ERR_CONFLICT;
	return r;
}

int
gpc_dir_login_spend_step(struct gpc_dir *d, const char *dn, int64_t old_step, int64_t new_step,
    time_t now, int limit, const struct gpc_login_seen *seen)
{
	char oldv[24], newv[24];
	char *oldvals[2] = { oldv, NULL }, *newvals[2] = { newv, NULL }, *none[1] = { NULL };
	LDAPMod del = { LDAP_MOD_DELETE, "gpcTotpStep", { .modv_strvals = oldvals } };
	LDAPMod add = { LDAP_MOD_ADD, "gpcTotpStep", { .modv_strvals = newvals } };
	LDAPMod zero = { LDAP_MOD_REPLACE, "gpcTotpFailures", { .modv_strvals = none } };
	LDAPMod unlock = { LDAP_MOD_REPLACE, "gpcLockedUntil", { .modv_strvals = none } };
	LDAPMod *cas[5] = { &del, &add, &zero, &unlock, NULL };
	LDAPMod *first[4] = { &add, &zero, &unlock, NULL };

	if (new_step < 0 || new_step <= old_step)
		return GPC_ERR_INVAL;
	snprintf(oldv, sizeof(oldv), "%lld", (long long)old_step);
	snprintf(newv, sizeof(newv), "%lld", (long long)new_step);
	/* delete(old)+add(new) in one Modify is the CAS; replace would not be. */
	return modify_success(d, dn, old_step < 0 ? first : cas, now, limit, seen);
}

int
gpc_dir_login_spend_recovery(struct gpc_dir *d, const char *dn, const char *stored, time_t now,
    int limit, const struct gpc_login_seen *seen)
{
	char *vals[2] = { (char *)stored, NULL }, *none[1] = { NULL };
	LDAPMod del = { LDAP_MOD_DELETE, "gpcRecoveryCode", { .modv_strvals = vals } };
	LDAPMod zero = { LDAP_MOD_REPLACE, "gpcTotpFailures", { .modv_strvals = none } };
	LDAPMod unlock = { LDAP_MOD_REPLACE, "gpcLockedUntil", { .modv_strvals = none } };
	LDAPMod *mods[4] = { &del, &zero, &unlock, NULL };

	if (stored == NULL || *stored == '\0')
		return GPC_ERR_INVAL;
	return modify_success(d, dn, mods, now, limit, seen);
}

int
gpc_dir_login_enroll(struct gpc_dir *d, const char *dn, const struct gpc_enrollment *e,
    time_t now, int limit, int *pp_error)
{
	char digits[8], period[16], step[24];
	char *codev[2] = { (char *)e->enroll_code, NULL }, *pwv[2] = { (char *)e->password, NULL };
	char *seedv[2] = { (char *)e->seed_sealed, NULL }, *digv[2] = { digits, NULL };
	char *perv[2] = { period, NULL }, *stepv[2] = { step, NULL }, *none[1] = { NULL };
	char *algv[2] = { (char *)gpc_algo_name(e->params->algorithm), NULL };
	LDAPMod m_code = { LDAP_MOD_DELETE, "gpcEnrollCode", { .modv_strvals = codev } };
	LDAPMod m_exp = { LDAP_MOD_REPLACE, "gpcEnrollExpires", { .modv_strvals = none } };
	LDAPMod m_pw = { LDAP_MOD_REPLACE, "userPassword", { .modv_strvals = pwv } };
	LDAPMod m_seed = { LDAP_MOD_ADD, "gpcTotpSeed", { .modv_strvals = seedv } };
	LDAPMod m_dig = { LDAP_MOD_REPLACE, "gpcTotpDigits", { .modv_strvals = digv } };
	LDAPMod m_per = { LDAP_MOD_REPLACE, "gpcTotpPeriod", { .modv_strvals = perv } };
	LDAPMod m_alg = { LDAP_MOD_REPLACE, "gpcTotpAlgorithm", { .modv_strvals = algv } };
	LDAPMod m_step = { LDAP_MOD_REPLACE, "gpcTotpStep", { .modv_strvals = stepv } };
	LDAPMod m_rec = { LDAP_MOD_REPLACE, "gpcRecoveryCode",
		{ .modv_strvals = (char **)e->recovery } };
	LDAPMod m_zero = { LDAP_MOD_REPLACE, "gpcTotpFailures", { .modv_strvals = none } };
	LDAPMod m_unlock = { LDAP_MOD_REPLACE, "gpcLockedUntil", { .modv_strvals = none } };
	LDAPMod *mods[] = { &m_code, &m_exp, &m_pw, &m_seed, &m_dig, &m_per, &m_alg, &m_step,
		&m_rec, &m_zero, &m_unlock, NULL };
	LDAPControl ppreq = { (char *)LDAP_CONTROL_PASSWORDPOLICYREQUEST, { 0, NULL }, 0 };
	LDAPControl *assert = NULL, *sctrls[3] = { &ppreq, NULL, NULL }, **rctrls = NULL, *pp;
	LDAPPasswordPolicyError pperr = PP_noError;
	/* Enrollment starts only for an active account with this code and no seed. */
	struct gpc_login_seen seen = { 1, NULL, e->enroll_code };
	int r, rc;

	*pp_error = -1;
	if (e->enroll_code == NULL || e->password == NULL || *e->password == '\0' ||
	    e->seed_sealed == NULL || e->params == NULL || e->step < 0 || e->recovery == NULL)
		return GPC_ERR_INVAL;
	if (strnlen(e->password, GPC_PASSWORD_MAX + 1) > GPC_PASSWORD_MAX) {
		*pp_error = PP_passwordTooLong;
		return GPC_ERR_INVAL;
	}
	snprintf(digits, sizeof(digits), "%d", e->params->digits);
	snprintf(period, sizeof(period), "%d", e->params->period);
	snprintf(step, sizeof(step), "%lld", (long long)e->step);
	if ((r = success_control(d, now, limit, &seen, &assert)) != GPC_OK)
		return r;
	sctrls[1] = assert;
	r = modify(d, dn, mods, sctrls, &rc, &rctrls);
	/* On success the control carries warnings at most; only a refusal is an error. */
	if (rc != LDAP_SUCCESS && rctrls != NULL &&
	    (pp = ldap_control_find(LDAP_CONTROL_PASSWORDPOLICYRESPONSE, rctrls, NULL)) != NULL &&
	    ldap_parse_passwordpolicy_control(gpc_dir_ldap(d), pp, NULL, NULL, &pperr) ==
	    LDAP_SUCCESS && pperr != PP_noError) {
		*pp_error = (int)pperr;
		r = GPC_ERR_INVAL;
	} else if (rc == LDAP_NO_SUCH_ATTRIBUTE || rc == LDAP_TYPE_OR_VALUE_EXISTS ||
	    rc == LDAP_CONSTRAINT_VIOLATION || rc == LDAP_ASSERTION_FAILED)
		r = GPC_ERR_CONFLICT;
	ldap_controls_free(rctrls);
	ldap_control_free(assert);
	return r;
}

/* ---- the holder's bind and password change ---------------------------------------- */

void
gpc_pwpolicy_none(struct gpc_pwpolicy *pp)
{
	pp->error = -1;
	pp->expire_s = -1;
	pp->grace = -1;
}

int
gpc_pwpolicy_must_change(const struct gpc_pwpolicy *pp)
{
	return pp->error == PP_changeAfterReset || pp->grace >= 0;
}

/* The password policy response control among rctrls, into *pp; absent: none. */
static void
parse_pwpolicy(LDAP *ld, LDAPControl **rctrls, struct gpc_pwpolicy *pp)
{
	LDAPControl *c;
	ber_int_t expire = -1, grace = -1;
	LDAPPasswordPolicyError err = PP_noError;

	gpc_pwpolicy_none(pp);
	if (rctrls == NULL ||
	    (c = ldap_control_find(LDAP_CONTROL_PASSWORDPOLICYRESPONSE, rctrls, NULL)) == NULL ||
	    ldap_parse_passwordpolicy_control(ld, c, &expire, &grace, &err) != LDAP_SUCCESS)
		return;
	pp->error = err == PP_noError ? -1 : (int)err;
	pp->expire_s = expire >= 0 ? (int)expire : -1;
	pp->grace = grace >= 0 ? (int)grace : -1;
}

int
gpc_dir_login_rebind(struct gpc_dir *d, const char *dn, const char *password,
    struct gpc_pwpolicy *pp)
{
	LDAPControl ppreq = { (char *)LDAP_CONTROL_PASSWORDPOLICYREQUEST, { 0, NULL }, 0 };
	LDAPControl *sctrls[2] = { &ppreq, NULL }, **rctrls = NULL;
	struct berval cred;
	struct gpc_sigpipe g;
	LDAP *ld;
	int msgid = -1, rc;

	gpc_pwpolicy_none(pp);
	if (password == NULL || *password == '\0' || dn == NULL || *dn == '\0' ||
	    strnlen(password, GPC_PASSWORD_MAX + 1) > GPC_PASSWORD_MAX)
		return GPC_ERR_BADPASS;
	ld = gpc_dir_ldap(d);
	cred.bv_val = (char *)password;
	cred.bv_len = strlen(password);
	gpc_sigpipe_block(&g);
	if ((rc = ldap_sasl_bind(ld, dn, LDAP_SASL_SIMPLE, &cred, sctrls, NULL, &msgid)) ==
	    LDAP_SUCCESS)
		rc = await_result(ld, msgid, &rctrls);
	gpc_sigpipe_restore(&g);
	parse_pwpolicy(ld, rctrls, pp);
	ldap_controls_free(rctrls);
	/* A refusal of any other kind is no success, and no "directory down" either. */
	if (rc == LDAP_SUCCESS)
		return GPC_OK;
	switch (gpc_dir_err(rc)) {
	case GPC_ERR_UNAVAIL:
	case GPC_ERR_TIMEOUT:
	case GPC_ERR_NOMEM:
		return gpc_dir_err(rc);
	default:
		return GPC_ERR_BADPASS;
	}
}

int
gpc_dir_login_passwd(struct gpc_dir *d, const char *dn, const char *old, const char *new_pw,
    int *pp_error)
{
	LDAPControl ppreq = { (char *)LDAP_CONTROL_PASSWORDPOLICYREQUEST, { 0, NULL }, 0 };
	LDAPControl *sctrls[2] = { &ppreq, NULL }, **rctrls = NULL;
	struct berval user, oldb, newb;
	struct gpc_pwpolicy pp;
	struct gpc_sigpipe g;
	LDAP *ld;
	int msgid = -1, rc, r;

	*pp_error = -1;
	if (dn == NULL || old == NULL || *old == '\0' || new_pw == NULL || *new_pw == '\0')
		return GPC_ERR_INVAL;
	/* Nothing that long is sent: not as the current password, not as the new one. */
	if (strnlen(old, GPC_PASSWORD_MAX + 1) > GPC_PASSWORD_MAX)
		return GPC_ERR_BADPASS;
	if (strnlen(new_pw, GPC_PASSWORD_MAX + 1) > GPC_PASSWORD_MAX) {
		*pp_error = PP_passwordTooLong;
		return GPC_ERR_INVAL;
	}
	ld = gpc_dir_ldap(d);
	user.bv_val = (char *)dn;
	user.bv_len = strlen(dn);
	oldb.bv_val = (char *)old;
	oldb.bv_len = strlen(old);
	newb.bv_val = (char *)new_pw;
	newb.bv_len = strlen(new_pw);
	gpc_sigpipe_block(&g);
	if ((rc = ldap_passwd(ld, &user, &oldb, &newb, sctrls, NULL, &msgid)) == LDAP_SUCCESS)
		rc = await_result(ld, msgid, &rctrls);
	gpc_sigpipe_restore(&g);
	parse_pwpolicy(ld, rctrls, &pp);
	ldap_controls_free(rctrls);
	if (rc == LDAP_SUCCESS)
		return GPC_OK;
	/* The policy says why it refused; a refusal without its reason is still one. */
	if (pp.error >= 0 && pp.error != PP_changeAfterReset) {
		*pp_error = pp.error;
		return GPC_ERR_INVAL;
	}
	switch (rc) {
	case LDAP_CONSTRAINT_VIOLATION:
		return GPC_ERR_INVAL;
	case LDAP_INVALID_CREDENTIALS:
		return GPC_ERR_BADPASS;
	case LDAP_UNWILLING_TO_PERFORM: /* slapd: "changing password not allowed" */
		*pp_error = PP_passwordModNotAllowed;
		return GPC_ERR_INVAL;
	default:
		r = gpc_dir_err(rc);
		return r == GPC_OK ? GPC_ERR_LDAP : r;
	}
}

/* ---- state, last login -------------------------------------------------------------- */

void
gpc_entry_state_free(struct gpc_entry_state *st)
{
	if (st == NULL)
		return;
	free(st->state);
	free(st->reason);
	free(st->text);
	free(st->deadline);
	free(st->on_deadline);
	memset(st, 0, sizeof(*st));
}

int
gpc_dir_login_state(struct gpc_dir *d, const char *dn, struct gpc_entry_state *st)
{
	static const char *const attrs[] = { "gpcState", "gpcStateReason", "gpcStateText",
		"gpcDeadline", "gpcOnDeadline", NULL };
	LDAPMessage *res = NULL, *e;
	int r;

	memset(st, 0, sizeof(*st));
	if ((r = gpc_dir_search(d, dn, LDAP_SCOPE_BASE, "(objectClass=*)", (char **)attrs, 1,
	    &res)) != GPC_OK)
		goto out;
	if ((e = ldap_first_entry(gpc_dir_ldap(d), res)) == NULL) {
		r = GPC_ERR_NOTFOUND;
		goto out;
	}
	st->state = gpc_dir_get(d, e, "gpcState");
	st->reason = gpc_dir_get(d, e, "gpcStateReason");
	st->text = gpc_dir_get(d, e, "gpcStateText");
	st->deadline = gpc_dir_get(d, e, "gpcDeadline");
	st->on_deadline = gpc_dir_get(d, e, "gpcOnDeadline");
	r = st->state != NULL ? GPC_OK : GPC_ERR_LDAP;
out:
	ldap_msgfree(res);
	if (r != GPC_OK)
		gpc_entry_state_free(st);
	return r;
}

int
gpc_dir_login_touch(struct gpc_dir *d, const char *dn, time_t now)
{
	char when[16];
	char *whenv[2] = { when, NULL };
	LDAPMod m = { LDAP_MOD_REPLACE, "gpcLastLogin", { .modv_strvals = whenv } };
	LDAPMod *mods[2] = { &m, NULL };

	gpc_time_generalized(now, when);
	return gpc_dir_modify(d, dn, mods, NULL);
}

int
gpc_dir_login_pw_min_length(struct gpc_dir *d, const char *dn, int *min)
{
	static const char *const sub_attrs[] = { "pwdPolicySubentry", NULL };
	static const char *const pol_attrs[] = { "pwdMinLength", NULL };
	LDAPMessage *res = NULL, *e;
	char *policy = NULL;
	int64_t v;
	int r;

	*min = 0;
	/* An entry may name its own policy; the service accounts do. */
	if (dn != NULL && gpc_dir_search(d, dn, LDAP_SCOPE_BASE, "(objectClass=*)",
	    (char **)sub_attrs, 1, &res) == GPC_OK &&
	    (e = ldap_first_entry(gpc_dir_ldap(d), res)) != NULL)
		policy = gpc_dir_get(d, e, "pwdPolicySubentry");
	ldap_msgfree(res);
	res = NULL;
	if (policy == NULL && gpc_asprintf(&policy, "cn=password-policy,ou=system,%s",
	    gpc_dir_base(d)) < 0)
		return GPC_ERR_NOMEM;
	if ((r = gpc_dir_search(d, policy, LDAP_SCOPE_BASE, "(objectClass=pwdPolicy)",
	    (char **)pol_attrs, 1, &res)) != GPC_OK)
		goto out;
	if ((e = ldap_first_entry(gpc_dir_ldap(d), res)) == NULL) {
		r = GPC_ERR_NOTFOUND;
		goto out;
	}
	v = gpc_dir_get_int(d, e, "pwdMinLength", 0);
	*min = v > 0 && v < 10000 ? (int)v : 0;
	r = GPC_OK;
out:
	ldap_msgfree(res);
	free(policy);
	return r;
}
