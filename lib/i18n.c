/*
 * The login texts in Chinese and English.  See i18n.h; the defaults are
 * documented in config/gpcgate.conf and must change together with it.
 */
#include <ldap.h>
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "i18n.h"
#include "util.h"

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
	[GPC_MSG_CURRENT_PASSWORD] = { "当前密码: ", "Current password: " },
	[GPC_MSG_PASSWORD_RESET] = { "管理员已重置您的密码，请立即设置新密码。",
		"Your password was reset by an administrator; choose a new one now." },
	[GPC_MSG_PASSWORD_EXPIRED] = { "您的密码已过期，请立即设置新密码。",
		"Your password has expired; choose a new one now." },
	[GPC_MSG_KEY_LABEL] = { "密钥: ", "Key: " },
	[GPC_MSG_ACCOUNT_LABEL] = { "账号: ", "Account: " },
	[GPC_MSG_PASSWORD_EXPIRED_LOCKED] = { "您的密码已过期，请联系管理员重置。",
		"Your password has expired; ask your administrator to reset it." },
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
	case GPC_MSG_CURRENT_PASSWORD: return p->current_password;
	case GPC_MSG_PASSWORD_RESET: return p->password_reset;
	case GPC_MSG_PASSWORD_EXPIRED: return p->password_expired;
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
gpc_i18n_ppolicy_min(enum gpc_lang lang, int pp_error, int min_len, char *out, size_t len)
{
	if (pp_error != PP_passwordTooShort || min_len <= 0)
		snprintf(out, len, "%s", gpc_i18n_ppolicy(lang, pp_error));
	else if (lang == GPC_LANG_ZH)
		snprintf(out, len, "密码太短（至少 %d 个字符）。", min_len);
	else
		snprintf(out, len, "it is too short (at least %d characters).", min_len);
}

/* Whether s ends with a full stop of its own ("。", ".", "！", "!"). */
static int
ends_sentence(const char *s)
{
	size_t n = strlen(s);

	return (n >= 3 && (strcmp(s + n - 3, "。") == 0 || strcmp(s + n - 3, "！") == 0)) ||
	    (n >= 1 && (s[n - 1] == '.' || s[n - 1] == '!'));
}

/* The subject of a refusal: the account, or its unit. */
static const char *
subject(int zh, int unit)
{
	if (zh)
		return unit ? "您所在的单位" : "您的账号";
	return unit ? "Your unit" : "This account";
}

int
gpc_i18n_refusal(enum gpc_lang lang, const struct gpc_refusal *r, char **out)
{
	int zh = lang == GPC_LANG_ZH;
	const char *who = subject(zh, r->unit), *st = r->state != NULL ? r->state : "";
	const char *reason = r->reason != NULL && *r->reason != '\0' ? r->reason : NULL;
	char why[600] = "", then[300] = "";
	int n;

	*out = NULL;
	/* The bureau's words may end a sentence themselves. */
	if (reason != NULL && ends_sentence(reason))
		snprintf(why, sizeof(why), zh ? "原因：%s" : " Reason: %s", reason);
	else if (reason != NULL)
		snprintf(why, sizeof(why), zh ? "原因：%s。" : " Reason: %s.", reason);
	if (strcmp(st, "suspended") == 0) {
		if (r->deadline == NULL)
			snprintf(then, sizeof(then), zh ? "请联系财政部门。" :
			    " Contact the finance bureau.");
		else if (r->deadline_passed)
			snprintf(then, sizeof(then), zh ?
			    "整改期限（%s）已过，请尽快联系财政部门。" :
			    " The rectification deadline (%s) has passed; contact the finance "
			    "bureau.", r->deadline);
		else if (r->terminate)
			snprintf(then, sizeof(then), zh ?
			    "请于 %s 前整改，逾期未整改将终止服务。" :
			    " Rectify by %s, or the service will be terminated.", r->deadline);
		else
			snprintf(then, sizeof(then), zh ? "请于 %s 前整改。" : " Rectify by %s.",
			    r->deadline);
		n = gpc_asprintf(out, zh ? "%s已被财政部门暂停使用。%s%s" :
		    "%s has been suspended by the finance bureau.%s%s", who, why, then);
	} else if (strcmp(st, "pending") == 0)
		n = gpc_asprintf(out, zh ? "%s正在等待财政部门审核，审核通过后方可登录。" :
		    "%s is waiting for the finance bureau's approval; it can be used once "
		    "approved.", who);
	else if (strcmp(st, "denied") == 0)
		n = gpc_asprintf(out, zh ? "%s注册申请未获财政部门批准。%s" :
		    "%s was not approved by the finance bureau.%s",
		    zh ? (r->unit ? "您所在单位的" : "您的账号") : who, why);
	else if (strcmp(st, "terminated") == 0)
		n = gpc_asprintf(out, zh ? "%s已被终止服务，不能再登录。%s" :
		    "%s has been terminated and can no longer be used.%s", who, why);
	else
		n = gpc_asprintf(out, zh ? "%s当前不可用（状态：%.32s）。" :
		    "%s cannot be used (state: %.32s).", who, st);
	return n < 0 ? GPC_ERR_NOMEM : GPC_OK;
}

int
gpc_i18n_role_refusal(enum gpc_lang lang, const char *role, const char *service, char **out)
{
	const char *post = role != NULL ? role : "?";

	if (lang == GPC_LANG_ZH) {
		if (strcmp(post, "handler") == 0)
			post = "经办";
		else if (strcmp(post, "reviewer") == 0)
			post = "审核";
		return gpc_asprintf(out, "您的岗位（%.32s）无权使用此服务（%.64s）。", post,
		    service != NULL ? service : "?") < 0 ? GPC_ERR_NOMEM : GPC_OK;
	}
	return gpc_asprintf(out, "Your post (%.32s) may not use this service (%.64s).", post,
	    service != NULL ? service : "?") < 0 ? GPC_ERR_NOMEM : GPC_OK;
}

void
gpc_i18n_pw_expiring(enum gpc_lang lang, long seconds, char *out, size_t len)
{
	long days = seconds <= 0 ? 1 : (seconds + 86399) / 86400;

	if (lang == GPC_LANG_ZH)
		snprintf(out, len, "您的密码将在 %ld 天后过期，请及时修改。", days);
	else
		snprintf(out, len, "Your password expires in %ld day%s; change it soon.", days,
		    days == 1 ? "" : "s");
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
