/*
 * The login texts in Chinese and English.  See i18n.h; the defaults are
 * documented in config/gpcgate.conf and must change together with it.
 */
#include <ldap.h>
#include <stdio.h>
#include <string.h>

#include "i18n.h"

struct text {
	const char *zh;
	const char *en;
};

static const struct text texts[GPC_MSG_COUNT] = {
	[GPC_MSG_PASSWORD] = { "密码: ", "Password: " },
	[GPC_MSG_CODE] = { "验证码: ", "Verification code: " },
	[GPC_MSG_PASSWORD_AND_CODE] = { "密码和验证码: ", "Password and verification code: " },
	[GPC_MSG_NEW_PASSWORD] = { "新密码: ", "New password: " },
	[GPC_MSG_NEW_PASSWORD_AGAIN] = { "再次输入新密码: ", "Retype new password: " },
	[GPC_MSG_PASSWORDS_DIFFER] = { "两次输入的密码不一致。", "The passwords do not match." },
	[GPC_MSG_PASSWORD_REFUSED] = { "新密码未被接受：", "The new password was refused: " },
	[GPC_MSG_ENROLL_INTRO] = { "首次登录：请设置您的密码。",
		"First login: choose your password." },
	[GPC_MSG_ENROLL_SCAN] = {
		"请用身份验证器应用（Google Authenticator、FreeOTP、Aegis、Microsoft "
		"Authenticator 等）扫描下面的二维码，或手动输入密钥：",
		"Add this account to your authenticator app (Google Authenticator, FreeOTP, "
		"Aegis, Microsoft Authenticator, ...): scan the QR code below, or type the key:" },
	[GPC_MSG_ENROLL_CONFIRM] = { "请输入应用显示的验证码以完成绑定。",
		"Enter the code the app shows to finish." },
	[GPC_MSG_RECOVERY_CODES] = {
		"恢复码：手机丢失时，每个恢复码可代替验证码使用一次。请立即抄下并妥善保管，"
		"它们不会再次显示。",
		"Recovery codes: if you lose your phone, each one works once in place of a "
		"verification code. Write them down now and keep them safe; they are not shown "
		"again." },
	[GPC_MSG_ACKNOWLEDGE] = { "抄好后按回车键继续: ", "Press Enter when you have written them down: " },
	[GPC_MSG_KEY_LABEL] = { "密钥: ", "Key: " },
	[GPC_MSG_ACCOUNT_LABEL] = { "账号: ", "Account: " },
};

enum gpc_lang
gpc_i18n_lang(const struct gpc_cfg *cfg, const char *locale)
{
	if (cfg != NULL && cfg->language != GPC_LANG_AUTO)
		return cfg->language;
	return locale != NULL && strncmp(locale, "zh", 2) == 0 ? GPC_LANG_ZH : GPC_LANG_EN;
}

/* The configured replacement of m, or NULL. */
static const char *
custom(const struct gpc_cfg *cfg, enum gpc_msg m)
{
	const struct gpc_prompts *p;

	if (cfg == NULL)
		return NULL;
	p = &cfg->prompts;
	switch (m) {
	case GPC_MSG_PASSWORD: return p->password;
	case GPC_MSG_CODE: return p->code;
	case GPC_MSG_PASSWORD_AND_CODE: return p->password_and_code;
	case GPC_MSG_NEW_PASSWORD: return p->new_password;
	case GPC_MSG_NEW_PASSWORD_AGAIN: return p->new_password_again;
	case GPC_MSG_PASSWORDS_DIFFER: return p->passwords_differ;
	case GPC_MSG_PASSWORD_REFUSED: return p->password_refused;
	case GPC_MSG_ENROLL_INTRO: return p->enroll_intro;
	case GPC_MSG_ENROLL_SCAN: return p->enroll_scan;
	case GPC_MSG_ENROLL_CONFIRM: return p->enroll_confirm;
	case GPC_MSG_RECOVERY_CODES: return p->recovery_codes;
	case GPC_MSG_ACKNOWLEDGE: return p->acknowledge;
	default: return NULL;
	}
}

const char *
gpc_i18n_text(const struct gpc_cfg *cfg, enum gpc_lang lang, enum gpc_msg m)
{
	const char *c;

	if ((unsigned)m >= GPC_MSG_COUNT)
		return "";
	if ((c = custom(cfg, m)) != NULL)
		return c;
	return lang == GPC_LANG_ZH ? texts[m].zh : texts[m].en;
}

const char *
gpc_i18n_ppolicy(enum gpc_lang lang, int pp_error)
{
	int zh = lang == GPC_LANG_ZH;

	switch (pp_error) {
	case PP_passwordTooShort:
		return zh ? "密码太短。" : "it is too short.";
	case PP_passwordTooLong:
		return zh ? "密码太长。" : "it is too long.";
	case PP_passwordInHistory:
		return zh ? "近期已使用过该密码，请换一个。" :
		    "it was used recently; choose another one.";
	case PP_insufficientPasswordQuality:
		return zh ? "密码不符合复杂度要求。" : "it is not strong enough.";
	case PP_passwordTooYoung:
		return zh ? "密码修改过于频繁，请稍后再试。" :
		    "the password was changed too recently; try again later.";
	case PP_passwordModNotAllowed:
	case PP_mustSupplyOldPassword:
		return zh ? "不允许修改密码。" : "changing it is not allowed.";
	default:
		return zh ? "目录服务拒绝了该密码。" : "the directory did not accept it.";
	}
}

void
gpc_i18n_totp_details(enum gpc_lang lang, int digits, int period, const char *algorithm,
    char *out, size_t len)
{
	char algo[16];
	size_t i;

	/* Apps show the algorithm in capitals (SHA1), as the Key URI spells it. */
	snprintf(algo, sizeof(algo), "%s", algorithm != NULL ? algorithm : "sha1");
	for (i = 0; algo[i] != '\0'; i++)
		if (algo[i] >= 'a' && algo[i] <= 'z')
			algo[i] = (char)(algo[i] - 'a' + 'A');
	if (lang == GPC_LANG_ZH)
		snprintf(out, len, "基于时间（TOTP），%d 位，每 %d 秒，%s", digits, period, algo);
	else
		snprintf(out, len, "time-based (TOTP), %d digits, every %d s, %s", digits, period,
		    algo);
}
