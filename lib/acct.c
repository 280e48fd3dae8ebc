/*
 * The account stage: state, post and service, password policy; the note a
 * PAM handle's stages share; the refusal messages.  See acct.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "acct.h"
#include "err.h"
#include "i18n.h"
#include "login.h"
#include "util.h"

/* Longest bureau's reason shown (bytes of UTF-8, about 100 characters). */
#define REASON_MAX 320

struct gpc_login_note *
gpc_login_note_new(void)
{
	struct gpc_login_note *n = calloc(1, sizeof(*n));

	if (n != NULL)
		gpc_pwpolicy_none(&n->pp);
	return n;
}

void
gpc_login_note_free(struct gpc_login_note *n)
{
	if (n == NULL)
		return;
	free(n->uid);
	free(n->dn);
	free(n->unit);
	free(n->region);
	gpc_freezero_str(n->password);
	free(n);
}

int
gpc_login_note_about(const struct gpc_login_note *n, const char *uid)
{
	return n != NULL && n->uid != NULL && uid != NULL && strcmp(n->uid, uid) == 0;
}

int
gpc_login_note_may_tell(const struct gpc_login_note *n, const char *uid)
{
	return gpc_login_note_about(n, uid) && (n->proved || n->authenticated) && !n->told;
}

int
gpc_acct_deadline_date(const char *stored, char out[11], time_t *instant)
{
	const char *p;
	time_t t;
	long off = 0;
	struct tm tm;

	out[0] = '\0';
	if (stored == NULL || gpc_time_parse_generalized(stored, &t) != GPC_OK)
		return GPC_ERR_FORMAT;
	/* gpc_time_parse_generalized checked the form; find the offset it applied. */
	if ((p = strpbrk(stored + 14, "+-")) != NULL)
		off = ((p[1] - '0') * 10 + (p[2] - '0')) * 3600L +
		    ((p[3] - '0') * 10 + (p[4] - '0')) * 60L;
	if (p != NULL && *p == '-')
		off = -off;
	t = t + off - 1;
	if (gmtime_r(&t, &tm) == NULL)
		return GPC_ERR_FORMAT;
	if (strftime(out, 11, "%Y-%m-%d", &tm) != 10) {
		out[0] = '\0';
		return GPC_ERR_FORMAT;
	}
	if (instant != NULL)
		*instant = t + 1 - off;
	return GPC_OK;
}

void
gpc_acct_display(const char *in, char *out, size_t len)
{
	size_t i, n = 0, inlen;
	int space = 1; /* drops leading spaces */

	if (len == 0)
		return;
	out[0] = '\0';
	if (in == NULL || !gpc_utf8_valid(in, (inlen = strlen(in))))
		return;
	for (i = 0; i < inlen;) {
		unsigned char c = (unsigned char)in[i];
		size_t w = c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;

		/* C0, DEL and C1 (U+0080..U+009F, C2 80..C2 9F): a terminal may obey them */
		if (c < 0x20 || c == 0x7f || c == ' ' ||
		    (c == 0xc2 && (unsigned char)in[i + 1] < 0xa0)) {
			if (!space && n + 1 < len)
				out[n++] = ' ';
			space = 1;
			i += w;
			continue;
		}
		if (n + w >= len)
			break;
		memcpy(out + n, in + i, w);
		n += w;
		i += w;
		space = 0;
	}
	while (n > 0 && out[n - 1] == ' ')
		n--;
	out[n] = '\0';
}

/* The state of the account, or (when that is active) of its unit, as a refusal. */
int
gpc_acct_refusal(struct gpc_dir *d, const struct gpc_account *a, enum gpc_lang lang,
    time_t now, char **out)
{
	struct gpc_entry_state st;
	struct gpc_refusal rf;
	char reason[REASON_MAX], date[11];
	time_t deadline = 0;
	int r, unit;

	*out = NULL;
	if (gpc_account_usable(a))
		return GPC_ERR_INVAL;
	unit = strcmp(a->state, "active") == 0;
	if ((r = gpc_dir_login_state(d, unit ? a->unit_dn : a->dn, &st)) != GPC_OK)
		return r;
	memset(&rf, 0, sizeof(rf));
	rf.unit = unit;
	rf.state = st.state;
	/* The bureau's words when it gave some, else its reason code. */
	gpc_acct_display(st.text != NULL && *st.text != '\0' ? st.text : st.reason, reason,
	    sizeof(reason));
	rf.reason = reason[0] != '\0' ? reason : NULL;
	if (st.deadline != NULL && gpc_acct_deadline_date(st.deadline, date, &deadline) == GPC_OK) {
		rf.deadline = date;
		rf.deadline_passed = now >= deadline;
	}
	rf.terminate = st.on_deadline != NULL && strcmp(st.on_deadline, "terminate") == 0;
	r = gpc_i18n_refusal(lang, &rf, out);
	explicit_bzero(reason, sizeof(reason));
	gpc_entry_state_free(&st);
	return r;
}

void
gpc_acct_result_free(struct gpc_acct_result *res)
{
	if (res == NULL)
		return;
	free(res->error);
	free(res->info);
	res->error = res->info = NULL;
}

/* Replace *field with a copy of s (may be NULL). */
static int
set_copy(char **field, const char *s)
{
	char *c = NULL;

	if (s != NULL && (c = strdup(s)) == NULL)
		return GPC_ERR_NOMEM;
	free(*field);
	*field = c;
	return GPC_OK;
}

/*
 * Make *note about account a: a note about another account (the name
 * changed between stages) is emptied first, its proof and password with it.
 */
static int
note_for(struct gpc_login_note **note, const struct gpc_account *a)
{
	struct gpc_login_note *n = *note;

	if (n == NULL) {
		if ((n = gpc_login_note_new()) == NULL)
			return GPC_ERR_NOMEM;
		*note = n;
	} else if (!gpc_login_note_about(n, a->uid)) {
		free(n->uid);
		free(n->dn);
		free(n->unit);
		free(n->region);
		gpc_freezero_str(n->password);
		memset(n, 0, sizeof(*n));
		gpc_pwpolicy_none(&n->pp);
	}
	if (set_copy(&n->uid, a->uid) != GPC_OK || set_copy(&n->dn, a->dn) != GPC_OK ||
	    set_copy(&n->unit, a->unit_code) != GPC_OK ||
	    set_copy(&n->region, a->unit_region) != GPC_OK)
		return GPC_ERR_NOMEM;
	if (n->last_login < a->last_login)
		n->last_login = a->last_login;
	return GPC_OK;
}

/*
 * The password policy's answer for the holder who authenticated in this
 * handle: the password auth verified is bound once more, with the control,
 * on the reader's connection (the last thing it does), then wiped.
 * *refused: the directory no longer takes that password (res says why).
 */
static int
ask_policy(struct gpc_dir *d, const struct gpc_log *lg, struct gpc_login_note *n,
    struct gpc_acct_result *res, int *refused)
{
	int r;

	*refused = 0;
	r = gpc_dir_login_rebind(d, n->dn, n->password, &n->pp);
	if (r == GPC_OK) {
		n->pp_known = 1;
		/*
		 * Kept only while a change is due: the password change in this
		 * handle then need not bind once more to check the current
		 * password (after expiry each bind spends a grace login).
		 */
		if (!gpc_pwpolicy_must_change(&n->pp)) {
			gpc_freezero_str(n->password);
			n->password = NULL;
		}
		return GPC_OK;
	}
	gpc_freezero_str(n->password);
	n->password = NULL;
	if (r != GPC_ERR_BADPASS)
		return r;
	/* Right a moment ago: now expired (auth's bind was its last grace login), or locked. */
	*refused = 1;
	res->verdict = GPC_ACCT_REFUSED;
	res->reason = n->pp.error == PP_passwordExpired ? "password_expired_locked" :
	    "password_not_accepted";
	gpc_log_msg(lg, LOG_NOTICE, "account %.64s refused: %s", n->uid, res->reason);
	return GPC_OK;
}

int
gpc_acct_check(const struct gpc_cfg *cfg, const struct gpc_log *lg,
    const struct gpc_acct_req *req, struct gpc_login_note **note, struct gpc_acct_result *res)
{
	struct gpc_dir *d = NULL;
	struct gpc_account *a = NULL;
	struct gpc_login_note *n;
	char line[160];
	int r, tell, refused;

	memset(res, 0, sizeof(*res));
	res->verdict = GPC_ACCT_REFUSED;
	res->reason = "error";
	if (req->user == NULL || *req->user == '\0') {
		res->reason = "unknown_account";
		return GPC_ERR_NOTFOUND;
	}
	if ((r = gpc_dir_open(cfg, GPC_DIR_READER, lg, &d)) != GPC_OK ||
	    (r = gpc_login_own_entry(gpc_dir_find_account(d, req->user, &a), req->user, &a)) !=
	    GPC_OK) {
		res->reason = r == GPC_ERR_NOTFOUND ? "unknown_account" : "directory_unavailable";
		goto out;
	}
	tell = gpc_login_note_may_tell(*note, a->uid);
	if ((r = note_for(note, a)) != GPC_OK)
		goto out;
	n = *note;
	if (!gpc_account_usable(a)) {
		res->reason = "account_not_active";
		res->verdict = strcmp(a->state, "terminated") == 0 ||
		    (a->unit_state != NULL && strcmp(a->unit_state, "terminated") == 0) ?
		    GPC_ACCT_TERMINATED : GPC_ACCT_REFUSED;
		/* The reason code, never the bureau's words (they may name people). */
		gpc_log_msg(lg, LOG_NOTICE, "account %.64s refused: account %.16s%s%.64s%s, "
		    "unit %.16s", a->uid, a->state, a->state_reason != NULL ? " (" : "",
		    a->state_reason != NULL ? a->state_reason : "",
		    a->state_reason != NULL ? ")" : "",
		    a->unit_state != NULL ? a->unit_state : "?");
		/* A reason that cannot be read is no reason to let the account in. */
		if (tell && gpc_acct_refusal(d, a, req->lang, time(NULL), &res->error) != GPC_OK)
			res->error = NULL;
		r = GPC_OK;
		goto out;
	}
	/* 分岗设权: a post may use only the services configured for it. */
	if (!gpc_cfg_role_allowed(cfg, req->service, a->role)) {
		res->reason = "role_not_allowed";
		gpc_log_msg(lg, LOG_NOTICE, "account %.64s refused: post %.16s may not use %.64s",
		    a->uid, a->role != NULL ? a->role : "?",
		    req->service != NULL ? req->service : "?");
		if (tell && gpc_i18n_role_refusal(req->lang, a->role, req->service, &res->error) !=
		    GPC_OK)
			res->error = NULL;
		r = GPC_OK;
		goto out;
	}
	/*
	 * Without the policy's answer a reset password would pass for a
	 * chosen one: if it cannot be asked, the login fails (closed).
	 */
	if (n->authenticated && !n->pp_known && n->password != NULL) {
		if ((r = ask_policy(d, lg, n, res, &refused)) != GPC_OK) {
			res->reason = "directory_unavailable";
			goto out;
		}
		if (refused) {
			if (n->pp.error == PP_passwordExpired && tell &&
			    (res->error = strdup(gpc_i18n_text(cfg, req->lang,
			    GPC_MSG_PASSWORD_EXPIRED_LOCKED))) == NULL)
				r = GPC_ERR_NOMEM;
			goto out;
		}
	}
	res->verdict = GPC_ACCT_OK;
	res->reason = "ok";
	if (n->pp_known && gpc_pwpolicy_must_change(&n->pp)) {
		/* sshd and login call pam_chauthtok(PAM_CHANGE_EXPIRED_AUTHTOK) on this */
		res->verdict = GPC_ACCT_NEW_PASSWORD;
		res->reason = n->pp.error == PP_changeAfterReset ? "password_reset" :
		    "password_expired";
		if ((res->info = strdup(gpc_i18n_text(cfg, req->lang,
		    n->pp.error == PP_changeAfterReset ? GPC_MSG_PASSWORD_RESET :
		    GPC_MSG_PASSWORD_EXPIRED))) == NULL)
			r = GPC_ERR_NOMEM;
		gpc_log_msg(lg, LOG_NOTICE, "account %.64s: new password required (%s)", a->uid,
		    res->reason);
	} else if (n->pp_known && n->pp.expire_s >= 0) {
		gpc_i18n_pw_expiring(req->lang, n->pp.expire_s, line, sizeof(line));
		if ((res->info = strdup(line)) == NULL)
			r = GPC_ERR_NOMEM;
	}
out:
	gpc_account_free(a);
	gpc_dir_close(d);
	return r;
}
