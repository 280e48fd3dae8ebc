/*
 * A holder's password change: the current password, the new one, Password
 * Modify as the holder, the policy's answer.  See chpass.h.
 */
#include <ldap.h>
#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

#include "chpass.h"
#include "dir.h"
#include "dir_login.h"
#include "err.h"
#include "i18n.h"
#include "util.h"

struct run {
	const struct gpc_cfg *cfg;
	const struct gpc_log *lg;
	const struct gpc_login_conv *conv;
	const struct gpc_chpass_req *req;
	struct gpc_chpass_result *res;
	struct gpc_dir *d;
	struct gpc_account *a;
	int min_len;    /* the policy's pwdMinLength, 0 if unknown: said on a refusal */
};

static const char *
text(const struct run *x, enum gpc_msg m)
{
	return gpc_i18n_text(x->cfg, x->req->lang, m);
}

/* One answer, the caller's to wipe; a conversation that fails ends the change. */
static int
ask(struct run *x, const char *prompt, char **answer)
{
	*answer = NULL;
	if (x->conv->ask(x->conv->ctx, 0, prompt, answer) != GPC_OK || *answer == NULL) {
		gpc_freezero_str(*answer);
		*answer = NULL;
		x->res->reason = "conversation_failed";
		return GPC_ERR_IO;
	}
	return GPC_OK;
}

static void
tell(struct run *x, const char *msg)
{
	if (x->conv->tell != NULL)
		(void)x->conv->tell(x->conv->ctx, 1, msg);
}

/* The account, as the PAM reader; it must be usable (else ppolicy locks it anyway). */
static int
lookup(struct run *x)
{
	int r, nomem = 0;

	if ((r = gpc_dir_open(x->cfg, GPC_DIR_READER, x->lg, &x->d)) != GPC_OK ||
	    (r = gpc_login_own_entry(gpc_dir_find_account(x->d, x->req->user, &x->a),
	    x->req->user, &x->a)) != GPC_OK) {
		x->res->reason = r == GPC_ERR_NOTFOUND ? "unknown_account" :
		    "directory_unavailable";
		return r;
	}
	if ((x->res->uid = strdup(x->a->uid)) == NULL ||
	    (x->a->unit_code != NULL && (x->res->unit = strdup(x->a->unit_code)) == NULL) ||
	    (x->a->unit_region != NULL && (x->res->region = strdup(x->a->unit_region)) == NULL))
		nomem = 1;
	if (nomem)
		return GPC_ERR_NOMEM;
	if (!gpc_account_usable(x->a)) {
		x->res->reason = "account_not_active";
		return GPC_ERR_STATE;
	}
	return GPC_OK;
}

/* The current password: PAM_OLDAUTHTOK with use_first_pass/try_first_pass, else asked. */
static int
current(struct run *x, char **out)
{
	const struct gpc_chpass_req *q = x->req;

	*out = NULL;
	if ((q->old_from_item || q->try_old_item) && q->old != NULL && *q->old != '\0')
		return (*out = strdup(q->old)) != NULL ? GPC_OK : GPC_ERR_NOMEM;
	if (q->old_from_item) {
		x->res->reason = "no_password";
		return GPC_ERR_BADPASS;
	}
	return ask(x, text(x, GPC_MSG_CURRENT_PASSWORD), out);
}

/* A new password: PAM_AUTHTOK with use_authtok, else asked twice. */
static int
new_password(struct run *x, char **out)
{
	const struct gpc_chpass_req *q = x->req;
	char *again = NULL;
	int r;

	*out = NULL;
	if (q->new_from_item) {
		if (q->new_pw == NULL || *q->new_pw == '\0') {
			x->res->reason = "no_password";
			return GPC_ERR_INVAL;
		}
		return (*out = strdup(q->new_pw)) != NULL ? GPC_OK : GPC_ERR_NOMEM;
	}
	if ((r = ask(x, text(x, GPC_MSG_NEW_PASSWORD), out)) != GPC_OK ||
	    (r = ask(x, text(x, GPC_MSG_NEW_PASSWORD_AGAIN), &again)) != GPC_OK)
		goto out;
	if (**out == '\0') {
		/* nothing typed is no password: say so, not that two differ */
		char *msg = NULL, rule[160];

		gpc_i18n_ppolicy_min(x->req->lang, PP_passwordTooShort, x->min_len, rule,
		    sizeof(rule));
		if (gpc_asprintf(&msg, "%s%s", text(x, GPC_MSG_PASSWORD_REFUSED), rule) >= 0) {
			tell(x, msg);
			free(msg);
		}
		x->res->reason = "password_too_short";
		r = GPC_ERR_INVAL;
	} else if (strcmp(*out, again) != 0) {
		tell(x, text(x, GPC_MSG_PASSWORDS_DIFFER));
		x->res->reason = "passwords_differ";
		r = GPC_ERR_INVAL;
	}
out:
	gpc_freezero_str(again);
	if (r != GPC_OK) {
		gpc_freezero_str(*out);
		*out = NULL;
	}
	return r;
}

/* a and b are the same secret (b may be NULL); constant time for equal lengths. */
static int
same_secret(const char *a, const char *b)
{
	size_t n;

	if (a == NULL || b == NULL || (n = strlen(a)) != strlen(b) || n == 0)
		return 0;
	return CRYPTO_memcmp(a, b, n) == 0;
}

/* The audit's reason for a policy refusal. */
static const char *
refusal_reason(int pp)
{
	switch (pp) {
	case PP_passwordTooShort:
		return "password_too_short";
	case PP_passwordTooLong:
		return "password_too_long";
	case PP_passwordInHistory:
		return "password_in_history";
	case PP_insufficientPasswordQuality:
		return "password_quality";
	case PP_passwordTooYoung:
		return "password_too_young";
	case PP_passwordModNotAllowed:
	case PP_mustSupplyOldPassword:
		return "password_change_not_allowed";
	default:
		return "password_refused";
	}
}

/* Set the new password, asking again (up to req->rounds) while the policy refuses. */
static int
update(struct run *x, const char *old)
{
	char *pw = NULL, *msg = NULL, rule[160];
	int i, r = GPC_ERR_INVAL, pp;

	for (i = 0; i < x->req->rounds; i++) {
		if ((r = new_password(x, &pw)) == GPC_OK) {
			r = gpc_dir_login_passwd(x->d, x->a->dn, old, pw, &pp);
			if (r == GPC_OK) {
				x->res->new_pw = pw;
				pw = NULL; /* transferred */
				x->res->reason = "ok";
				break;
			}
			gpc_freezero_str(pw);
			pw = NULL;
			if (r != GPC_ERR_INVAL) {
				x->res->reason = r == GPC_ERR_BADPASS ? "wrong_password" :
				    r == GPC_ERR_DENIED ? "access_denied" :
				    r == GPC_ERR_UNAVAIL || r == GPC_ERR_TIMEOUT || r == GPC_ERR_TLS ?
				    "directory_unavailable" : "error";
				break;
			}
			/* The policy's answer, in words: "... it is too short." */
			x->res->reason = refusal_reason(pp);
			gpc_i18n_ppolicy_min(x->req->lang, pp, x->min_len, rule, sizeof(rule));
			if (gpc_asprintf(&msg, "%s%s", text(x, GPC_MSG_PASSWORD_REFUSED), rule) < 0) {
				r = GPC_ERR_NOMEM;
				break;
			}
			tell(x, msg);
			free(msg);
			msg = NULL;
		} else if (r != GPC_ERR_INVAL)
			break;
		/* A password given by an earlier module cannot be asked again. */
		if (x->req->new_from_item)
			break;
	}
	gpc_freezero_str(pw);
	return r;
}

int
gpc_chpass_run(const struct gpc_cfg *cfg, const struct gpc_log *lg,
    const struct gpc_login_conv *conv, const struct gpc_chpass_req *req,
    struct gpc_chpass_result *res)
{
	struct gpc_pwpolicy pp;
	struct run x;
	char *old = NULL;
	int r;

	memset(res, 0, sizeof(*res));
	memset(&x, 0, sizeof(x));
	res->reason = "error";
	x.cfg = cfg;
	x.lg = lg;
	x.conv = conv;
	x.req = req;
	x.res = res;
	if (req->user == NULL || *req->user == '\0' || conv == NULL || conv->ask == NULL ||
	    req->rounds < 1)
		return GPC_ERR_INVAL;
	if ((r = lookup(&x)) != GPC_OK)
		goto out;
	if ((r = current(&x, &old)) != GPC_OK)
		goto out;
	/*
	 * The check pass need not bind for a password auth verified in this
	 * handle moments ago: after expiry every bind spends a grace login,
	 * and the update below must have one left.
	 */
	if (req->phase == GPC_CHPASS_CHECK && same_secret(old, req->verified)) {
		res->old = old;
		old = NULL; /* transferred */
		res->reason = "ok";
		r = GPC_OK;
		goto out;
	}
	/* The rule a refusal will state, while the session is still the reader's. */
	if (req->phase != GPC_CHPASS_CHECK)
		(void)gpc_dir_login_pw_min_length(x.d, x.a->dn, &x.min_len);
	/*
	 * As the holder, on the reader's connection: after an administrative
	 * reset the server lets this identity do nothing but change its
	 * password, which is all that follows.
	 */
	if ((r = gpc_dir_login_rebind(x.d, x.a->dn, old, &pp)) != GPC_OK) {
		res->reason = r == GPC_ERR_BADPASS ? "wrong_password" : "directory_unavailable";
		goto out;
	}
	if (req->phase == GPC_CHPASS_CHECK) {
		res->old = old;
		old = NULL; /* transferred */
		res->reason = "ok";
		r = GPC_OK;
		goto out;
	}
	r = update(&x, old);
	if (r == GPC_OK)
		gpc_log_msg(lg, LOG_NOTICE, "account %.64s: password changed", x.a->uid);
out:
	gpc_freezero_str(old);
	gpc_account_free(x.a);
	gpc_dir_close(x.d);
	return r;
}

void
gpc_chpass_result_free(struct gpc_chpass_result *res)
{
	if (res == NULL)
		return;
	gpc_freezero_str(res->old);
	gpc_freezero_str(res->new_pw);
	free(res->uid);
	free(res->unit);
	free(res->region);
	res->old = res->new_pw = res->uid = res->unit = res->region = NULL;
}

int
gpc_chpass_audit(const struct gpc_cfg *cfg, const struct gpc_log *lg,
    const struct gpc_chpass_req *req, const struct gpc_chpass_result *res, int r)
{
	const char *event = "password_change";
	json_t *o;
	int ret;

	if (cfg == NULL || req == NULL || res == NULL)
		return GPC_ERR_INVAL;
	if ((o = gpc_login_audit_fields(r, res->reason, res->uid, res->unit, res->region,
	    req->service, req->rhost)) == NULL)
		return GPC_ERR_NOMEM;
	json_object_set_new(o, "phase", json_string(req->phase == GPC_CHPASS_CHECK ? "check" :
	    "update"));
	ret = gpc_login_audit_write(cfg, lg, 1, &event, &o);
	json_decref(o);
	return ret;
}
