/*
 * gpcgate — the texts a holder reads at login, in Chinese (zh_CN) or
 * English.
 *
 * Clients (the platform's web front end, scripts driving ssh) match on
 * prompt texts, so the built-in texts are part of the interface: they are
 * listed in config/gpcgate.conf and change only with a release note.  Each
 * can be replaced with pam.prompts.<key>; a replacement is used as it is in
 * every language.
 *
 * Everything here is constant data; thread-safe.
 */
#ifndef GPC_I18N_H
#define GPC_I18N_H

#include <stddef.h>

#include "cfg.h"

/* The texts; the comment names the pam.prompts key that replaces each. */
enum gpc_msg {
	GPC_MSG_PASSWORD,           /* password */
	GPC_MSG_CODE,               /* code */
	GPC_MSG_PASSWORD_AND_CODE,  /* password_and_code (module option one_prompt) */
	GPC_MSG_NEW_PASSWORD,       /* new_password */
	GPC_MSG_NEW_PASSWORD_AGAIN, /* new_password_again */
	GPC_MSG_PASSWORDS_DIFFER,   /* passwords_differ */
	GPC_MSG_PASSWORD_REFUSED,   /* password_refused */
	GPC_MSG_ENROLL_INTRO,       /* enroll_intro */
	GPC_MSG_ENROLL_SCAN,        /* enroll_scan */
	GPC_MSG_ENROLL_CONFIRM,     /* enroll_confirm */
	GPC_MSG_RECOVERY_CODES,     /* recovery_codes */
	GPC_MSG_ACKNOWLEDGE,        /* acknowledge */
	GPC_MSG_CURRENT_PASSWORD,   /* current_password (password change) */
	GPC_MSG_PASSWORD_RESET,     /* password_reset: after an administrative reset */
	GPC_MSG_PASSWORD_EXPIRED,   /* password_expired: expired, a grace login used */
	/* not replaceable: */
	GPC_MSG_KEY_LABEL,          /* fragments of the enrollment screen */
	GPC_MSG_ACCOUNT_LABEL,
	GPC_MSG_PASSWORD_EXPIRED_LOCKED, /* expired, no grace login left */
	GPC_MSG_COUNT
};

/*
 * The language to speak: cfg->language if it is zh_CN or en; with "auto",
 * Chinese when `locale` (the first non-empty of LC_ALL, LC_MESSAGES, LANG
 * of the PAM environment or the process; may be NULL) starts with "zh",
 * English otherwise.  Returns GPC_LANG_ZH or GPC_LANG_EN.
 */
enum gpc_lang gpc_i18n_lang(const struct gpc_cfg *cfg, const char *locale);

/*
 * The text of m: the configured replacement if there is one, else the
 * built-in text of lang (GPC_LANG_ZH or GPC_LANG_EN).  cfg may be NULL
 * (built-in texts only).  Never NULL; points into cfg or static data.
 */
const char *gpc_i18n_text(const struct gpc_cfg *cfg, enum gpc_lang lang, enum gpc_msg m);

/*
 * The password policy's reason for refusing a password, in words a holder
 * understands: pp_error is an OpenLDAP LDAPPasswordPolicyError
 * (PP_passwordTooShort "too short", PP_passwordInHistory "used recently",
 * ...), or -1 when the server gave none.  Never NULL.
 */
const char *gpc_i18n_ppolicy(enum gpc_lang lang, int pp_error);

/*
 * gpc_i18n_ppolicy() with the rule for a password refused as too short:
 * with min_len > 0 (the policy's pwdMinLength), PP_passwordTooShort reads
 * "密码太短（至少 10 个字符）。" / "it is too short (at least 10
 * characters)."; any other error, or min_len <= 0, reads as
 * gpc_i18n_ppolicy().  Into out (len bytes, truncated, always
 * NUL-terminated).
 */
void gpc_i18n_ppolicy_min(enum gpc_lang lang, int pp_error, int min_len, char *out,
    size_t len);

/*
 * Why an account may not be used, for its holder (gpc_i18n_refusal).  All
 * borrowed.  Directory strings must be made safe to show first
 * (lib/acct.c: no control characters, bounded).
 */
struct gpc_refusal {
	int unit;             /* the unit is what is not active, not the account */
	const char *state;    /* pending | denied | suspended | terminated | other */
	const char *reason;   /* the bureau's words, or its reason code; NULL: none */
	const char *deadline; /* "YYYY-MM-DD": the last day to rectify; NULL: none */
	int deadline_passed;  /* that day has ended */
	int terminate;        /* on_deadline is "terminate" */
};

/*
 * The refusal as one message in lang, e.g. for a suspension
 * "您的账号已被财政部门暂停使用。原因：…。请于 2026-12-31 前整改，逾期未整改将终止服务。" /
 * "This account has been suspended by the finance bureau. Reason: ….
 * Rectify by 2026-12-31, or the service will be terminated."
 * *out is malloc'd.  Returns GPC_OK or GPC_ERR_NOMEM.
 */
int gpc_i18n_refusal(enum gpc_lang lang, const struct gpc_refusal *r, char **out);

/*
 * A post refused a PAM service (分岗设权): "您的岗位（经办）无权使用此服务（gpc-review）。" /
 * "Your post (handler) may not use this service (gpc-review)."  role and
 * service may be NULL.  *out malloc'd.  Returns GPC_OK or GPC_ERR_NOMEM.
 */
int gpc_i18n_role_refusal(enum gpc_lang lang, const char *role, const char *service,
    char **out);

/*
 * The warning before a password expires, seconds from now (rounded up to
 * whole days): "您的密码将在 3 天后过期，请及时修改。" / "Your password expires in
 * 3 days; change it soon."  Into out (len bytes, always NUL-terminated).
 */
void gpc_i18n_pw_expiring(enum gpc_lang lang, long seconds, char *out, size_t len);

/*
 * One line describing a TOTP enrollment for typing it in by hand, e.g.
 * "time-based, 6 digits, every 30 s, SHA1" / "基于时间，6 位，每 30 秒，SHA1",
 * into out (len bytes, truncated, always NUL-terminated).
 */
void gpc_i18n_totp_details(enum gpc_lang lang, int digits, int period, const char *algorithm,
    char *out, size_t len);

#endif
