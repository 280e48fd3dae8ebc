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
	/* fragments of the enrollment screen, not replaceable */
	GPC_MSG_KEY_LABEL,
	GPC_MSG_ACCOUNT_LABEL,
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
 * One line describing a TOTP enrollment for typing it in by hand, e.g.
 * "time-based, 6 digits, every 30 s, SHA1" / "基于时间，6 位，每 30 秒，SHA1",
 * into out (len bytes, truncated, always NUL-terminated).
 */
void gpc_i18n_totp_details(enum gpc_lang lang, int digits, int period, const char *algorithm,
    char *out, size_t len);

#endif
