/*
 * One login: the prompts, the password bind, the code and its spending, the
 * failure count and lockout, and first-login enrollment.  See login.h.
 *
 * Reason codes (res->reason, the audit's "reason"; stable, snake_case):
 *   success: ok, recovery_code_used, enrolled
 *   failure: unknown_account, empty_password, no_password, wrong_password,
 *     wrong_enroll_code, enroll_code_expired, locked, not_enrolled,
 *     account_not_active, role_not_allowed, malformed_code, wrong_code,
 *     code_replayed, code_race_lost, step_write_failed, wrong_recovery_code,
 *     recovery_code_race_lost, seed_invalid, seed_unreadable,
 *     enrollment_not_confirmed, passwords_differ, password_refused,
 *     enrollment_failed, directory_unavailable, conversation_failed,
 *     keys_unavailable, error
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "acct.h"
#include "audit.h"
#include "dir.h"
#include "dir_login.h"
#include "err.h"
#include "i18n.h"
#include "login.h"
#include "qr.h"
#include "totp.h"
#include "util.h"

/* Recovery codes made at enrollment. */
#define RECOVERY_CODES 10

/* Rounds of "new password, again" before an enrollment gives up. */
#define PASSWORD_ROUNDS 3

/* Longest audit field taken from the caller (remote host, tty, service). */
#define AUDIT_FIELD_MAX 255

enum enroll_state { ENROLL_NONE, ENROLL_MATCH, ENROLL_EXPIRED };

struct flow {
	const struct gpc_cfg *cfg;
	const struct gpc_log *lg;
	const struct gpc_login_conv *conv;
	const struct gpc_login_req *req;
	struct gpc_login_result *res;
	struct gpc_keys *keys;
	struct gpc_dir *dir;
	struct gpc_account *a;
	int pw_checked;         /* the password was bound with the account search */
	int pw_status;          /* ... and this is what gpc_dir_check_password says */
	int enroll_judged;      /* a first login: the first answer, which may be the
	                           enrollment code, was judged as one (judge_enroll_code) */
	int enroll_verdict;     /* ... its verdict, told at the end of the login */
	const char *enroll_reason; /* ... and its reason code */
};

static void
reason(struct flow *f, const char *why)
{
	f->res->reason = why;
}

/* Ask one question; the answer is the caller's to wipe and free. */
static int
ask(struct flow *f, int echo, const char *prompt, char **answer)
{
	int r;

	*answer = NULL;
	if ((r = f->conv->ask(f->conv->ctx, echo, prompt, answer)) != GPC_OK ||
	    *answer == NULL) {
		gpc_freezero_str(*answer);
		*answer = NULL;
		reason(f, "conversation_failed");
		return GPC_ERR_IO;
	}
	return GPC_OK;
}

/* A prompt made of a note (may be NULL or "") on its own line, then the question. */
static int
ask_with_note(struct flow *f, int echo, const char *note, const char *question,
    char **answer)
{
	char *prompt = NULL;
	int r;

	if (note == NULL || *note == '\0')
		return ask(f, echo, question, answer);
	if (gpc_asprintf(&prompt, "%s\n%s", note, question) < 0)
		return GPC_ERR_NOMEM;
	r = ask(f, echo, prompt, answer);
	free(prompt);
	return r;
}

static const char *
text(const struct flow *f, enum gpc_msg m)
{
	return gpc_i18n_text(f->cfg, f->req->lang, m);
}

/* strcasecmp for ASCII letters only, whatever the host's locale. */
static int
ascii_casecmp(const char *a, const char *b)
{
	unsigned char x, y;

	do {
		x = (unsigned char)*a++;
		y = (unsigned char)*b++;
		if (x >= 'A' && x <= 'Z')
			x = (unsigned char)(x - 'A' + 'a');
		if (y >= 'A' && y <= 'Z')
			y = (unsigned char)(y - 'A' + 'a');
	} while (x != '\0' && x == y);
	return x - y;
}

/*
 * The session that takes the login's writes: with directory.otp_write_uri,
 * the one provider (so that two hosts reading two replicas cannot both
 * spend one step); NULL if it cannot be reached, and the login then fails
 * closed.
 */
static struct gpc_dir *
writer(struct flow *f)
{
	struct gpc_dir *w = NULL;

	return gpc_dir_otp_writer(f->dir, &w) == GPC_OK ? w : NULL;
}

/* The account's TOTP parameters; enrolled accounts carry their own. */
static int
params_of(const struct flow *f, struct gpc_totp_params *p)
{
	const struct gpc_account *a = f->a;

	p->digits = a->digits > 0 ? a->digits : f->cfg->digits;
	p->period = a->period > 0 ? a->period : f->cfg->period;
	p->window = f->cfg->window;
	p->algorithm = f->cfg->algorithm;
	if (a->algorithm != NULL && gpc_algo_parse(a->algorithm, &p->algorithm) != GPC_OK)
		return GPC_ERR_FORMAT;
	if ((p->digits != 6 && p->digits != 8) || p->period < 1 ||
	    p->period > GPC_TOTP_PERIOD_MAX)
		return GPC_ERR_FORMAT;
	return GPC_OK;
}

static int
locked(const struct flow *f, time_t now)
{
	return f->a->locked_until > now || f->a->failures >= f->cfg->failure_limit;
}

/* A first login is pending: an enrollment code and no seed. */
static int
enrolling(const struct flow *f)
{
	return f->cfg->enrollment && f->a->enroll_code != NULL && f->a->seed_sealed == NULL;
}

/* The count n reached the limit: lock the second factor for totp.lockout_s. */
static void
lock_at_limit(struct flow *f, struct gpc_dir *w, int64_t n)
{
	time_t until;
	int r;

	if (n < f->cfg->failure_limit)
		return;
	until = time(NULL) + f->cfg->lockout_s;
	if ((r = gpc_dir_login_lock(w, f->a->dn, until)) != GPC_OK) {
		gpc_log_msg(f->lg, LOG_WARNING, "account %.64s: lock not written: %s", f->a->uid,
		    gpc_strerror(r));
		return;
	}
	f->res->locked_until = until;
	f->res->lock_failures = n;
	gpc_log_msg(f->lg, LOG_NOTICE, "account %.64s: second factor locked for %d s after %lld "
	    "failed codes", f->a->uid, f->cfg->lockout_s, (long long)n);
}

/*
 * Count a failed code and lock at the limit.  A count that cannot be
 * written is logged; the login fails anyway.
 */
static void
count_failure(struct flow *f)
{
	struct gpc_dir *w = writer(f);
	int64_t n = -1;
	int r;

	if (w == NULL)
		return;
	if ((r = gpc_dir_login_count_failure(w, f->a->dn, &n)) != GPC_OK) {
		gpc_log_msg(f->lg, LOG_WARNING, "account %.64s: failure not counted: %s",
		    f->a->uid, gpc_strerror(r));
		return;
	}
	lock_at_limit(f, w, n);
}

/*
 * The count reached the limit but no lock is in force (its write was lost):
 * lock now, so the account does not stay refused for ever.
 */
static void
heal_lock(struct flow *f, time_t now)
{
	struct gpc_dir *w;

	if (f->a->locked_until > now || (w = writer(f)) == NULL)
		return;
	(void)gpc_dir_login_lock(w, f->a->dn, now + f->cfg->lockout_s);
}

/*
 * The first answer: the password, or in one-prompt mode password and code
 * together; with use_first_pass/try_first_pass the earlier module's.
 */
static int
first_answer(struct flow *f, char **out)
{
	const struct gpc_login_req *q = f->req;

	*out = NULL;
	switch (q->mode) {
	case GPC_LOGIN_ONE_PROMPT:
		return ask(f, 0, text(f, GPC_MSG_PASSWORD_AND_CODE), out);
	case GPC_LOGIN_USE_FIRST_PASS:
	case GPC_LOGIN_TRY_FIRST_PASS:
		if (q->authtok != NULL) {
			if ((*out = strdup(q->authtok)) == NULL)
				return GPC_ERR_NOMEM;
			return GPC_OK;
		}
		if (q->mode == GPC_LOGIN_USE_FIRST_PASS) {
			reason(f, "no_password");
			return GPC_ERR_BADPASS;
		}
		/* FALLTHROUGH */
	case GPC_LOGIN_TWO_PROMPTS:
	default:
		return ask(f, 0, text(f, GPC_MSG_PASSWORD), out);
	}
}

/*
 * Whether an answer may be an enrollment code (8 digits, spaces aside): a
 * password policy of 10 characters or more never allows one as a password.
 */
static int
maybe_enroll_code(const char *s)
{
	int n = 0;

	for (; *s != '\0'; s++) {
		if (*s == ' ' || *s == '-')
			continue;
		if (*s < '0' || *s > '9')
			return 0;
		n++;
	}
	return n == 8;
}

/*
 * Find the account, and with the default prompts bind with the password in
 * the same round trips (gpc_dir_find_account_bind) — except when the answer
 * may be an enrollment code, which must not be sent as a password (ppolicy
 * would count it as a failed bind; check() binds it later only for an
 * account that is not in its first login).  Only the entry whose uid equals the
 * name given (ASCII case aside) counts: the directory's matching rule also
 * ignores leading, trailing and repeated spaces, and " alice" must not
 * become alice.  Returns GPC_OK (f->a set), GPC_ERR_NOTFOUND, or a
 * directory error.
 */
static int
lookup(struct flow *f, const char *first)
{
	const char *user = f->req->user;
	int r;

	if ((r = gpc_dir_open(f->cfg, GPC_DIR_READER, f->lg, &f->dir)) != GPC_OK)
		return r;
	if (f->req->mode != GPC_LOGIN_ONE_PROMPT && !maybe_enroll_code(first)) {
		r = gpc_dir_find_account_bind(f->dir, user, first, &f->a, &f->pw_status);
		f->pw_checked = r == GPC_OK;
	} else
		r = gpc_dir_find_account(f->dir, user, &f->a);
	return gpc_login_own_entry(r, user, &f->a);
}

int
gpc_login_own_entry(int r, const char *user, struct gpc_account **a)
{
	if (r == GPC_ERR_INVAL || r == GPC_ERR_AMBIGUOUS)
		r = GPC_ERR_NOTFOUND; /* empty, too long, or refused as ambiguous */
	if (r == GPC_OK && !gpc_login_name_matches((*a)->uid, user))
		r = GPC_ERR_NOTFOUND;
	if (r != GPC_OK) {
		gpc_account_free(*a);
		*a = NULL;
	}
	return r;
}

/* Whether a typed answer is the account's enrollment code, and still valid. */
static enum enroll_state
enroll_match(struct flow *f, const char *typed)
{
	char code[16];
	size_t i, j = 0;
	enum enroll_state st = ENROLL_NONE;

	/* The code is 8 digits; forgive the spaces a holder copies from an SMS. */
	for (i = 0; typed[i] != '\0' && j < sizeof(code) - 1; i++)
		if (typed[i] != ' ' && typed[i] != '-')
			code[j++] = typed[i];
	code[j] = '\0';
	if (j > 0 && typed[i] == '\0' &&
	    gpc_secret_check(f->keys, "enroll", code, f->a->enroll_code) == GPC_OK)
		st = f->a->enroll_expires > time(NULL) ? ENROLL_MATCH : ENROLL_EXPIRED;
	explicit_bzero(code, sizeof(code));
	return st;
}

/*
 * A first login: the first answer stands in for the password and is judged
 * as the enrollment code here, before any other prompt — the next prompt
 * ("choose your password", or the code prompt) tells the outcome, so the
 * outcome is paid for first.  The attempt is counted before it is judged,
 * atomically and only while the account is not locked
 * (gpc_dir_login_count_attempt): a conversation dropped after the answer
 * has paid, guesses made at once are judged no more than
 * totp.failure_limit times in all, and a locked account's code is not
 * judged at all (it fails as a wrong one does, after the code prompt).  A
 * right code takes its count back; a wrong one that reaches the limit
 * locks.  An attempt that cannot be counted is not judged.
 * Returns GPC_OK (the right code, still valid: enroll now), else the
 * verdict for the end of the login, with its reason set: GPC_ERR_BADPASS
 * (wrong, expired or empty), GPC_ERR_LOCKED, or the directory's error.
 */
static int
judge_enroll_code(struct flow *f, const char *typed)
{
	struct gpc_dir *w;
	enum enroll_state es;
	time_t now = time(NULL);
	int64_t n = -1;
	int r;

	if (locked(f, now)) {
		heal_lock(f, now);
		reason(f, "locked");
		return GPC_ERR_LOCKED;
	}
	if ((w = writer(f)) == NULL) {
		reason(f, "directory_unavailable");
		return GPC_ERR_UNAVAIL;
	}
	r = gpc_dir_login_count_attempt(w, f->a->dn, now, f->cfg->failure_limit, &n);
	if (r == GPC_ERR_LOCKED) {
		reason(f, "locked");
		return r;
	}
	if (r != GPC_OK) {
		gpc_log_msg(f->lg, LOG_WARNING, "account %.64s: enrollment code not judged, the "
		    "attempt could not be counted: %s", f->a->uid, gpc_strerror(r));
		reason(f, "directory_unavailable");
		return r == GPC_ERR_CONFLICT ? GPC_ERR_LDAP : r;
	}
	es = enroll_match(f, typed);
	if (es == ENROLL_MATCH) {
		/* Not a guess: the holder's own code.  A count left over costs no more than a try. */
		if ((r = gpc_dir_login_uncount(w, f->a->dn)) != GPC_OK)
			gpc_log_msg(f->lg, LOG_WARNING, "account %.64s: enrollment attempt not "
			    "taken back: %s", f->a->uid, gpc_strerror(r));
		return GPC_OK;
	}
	reason(f, es == ENROLL_EXPIRED ? "enroll_code_expired" : "wrong_enroll_code");
	lock_at_limit(f, w, n);
	return GPC_ERR_BADPASS;
}

/*
 * Split a one-prompt answer: the code is its last `digits` characters, or
 * a recovery code "XXXX-XXXX" at its end.  *pw and *code are malloc'd.
 */
static int
split_answer(const char *all, int digits, char **pw, char **code)
{
	char canon[GPC_RECOVERY_CODE_SIZE];
	size_t len = strlen(all), cut;

	*pw = *code = NULL;
	if (len >= 9 && all[len - 5] == '-' &&
	    gpc_login_recovery_canonical(all + len - 9, canon) == GPC_OK)
		cut = len - 9;
	else
		cut = len >= (size_t)digits ? len - (size_t)digits : 0;
	explicit_bzero(canon, sizeof(canon));
	if ((*pw = strndup(all, cut)) == NULL || (*code = strdup(all + cut)) == NULL) {
		gpc_freezero_str(*pw);
		*pw = NULL;
		return GPC_ERR_NOMEM;
	}
	return GPC_OK;
}

/*
 * The code: asked for (exactly one prompt), or split from the one-prompt
 * answer, whose password part is then also handed to the next module.
 * *first is consumed (it becomes *pw, or is wiped).
 */
static int
code_answer(struct flow *f, char **first, char **pw, char **code)
{
	int digits = f->cfg->digits;
	int r;

	*pw = *code = NULL;
	if (f->req->mode != GPC_LOGIN_ONE_PROMPT) {
		if ((r = ask(f, 0, text(f, GPC_MSG_CODE), code)) != GPC_OK)
			return r;
		*pw = *first;
		*first = NULL; /* transferred */
		return GPC_OK;
	}
	if (f->a != NULL && f->a->seed_sealed != NULL && f->a->digits > 0)
		digits = f->a->digits;
	if ((r = split_answer(*first, digits, pw, code)) != GPC_OK)
		return r;
	gpc_freezero_str(*first);
	*first = NULL;
	if ((f->res->authtok = strdup(*pw)) == NULL)
		return GPC_ERR_NOMEM;
	return GPC_OK;
}

/*
 * What this login was decided on, for the assertion of the write that lets
 * it through: the account's state (only when it was active: one that was
 * not is refused anyway, after its code is proved) and its seed.
 */
static void
seen_of(const struct flow *f, struct gpc_login_seen *seen)
{
	seen->active = gpc_account_usable(f->a);
	seen->seed_sealed = f->a->seed_sealed;
	seen->enroll_code = NULL;
}

/* A TOTP code: open the seed, verify, spend the step. */
static int
verify_totp(struct flow *f, const struct gpc_totp_params *p, const char *code)
{
	struct gpc_account *a = f->a;
	struct gpc_login_seen seen;
	struct gpc_dir *w;
	unsigned char *seed = NULL;
	size_t seed_len = 0;
	int64_t step = -1;
	time_t now;
	int r;

	/* The seed is bound to its entry: a copy moved into another entry fails here. */
	if ((r = gpc_unseal(f->keys, a->dn, a->seed_sealed, &seed, &seed_len)) != GPC_OK) {
		gpc_log_msg(f->lg, LOG_ERR, "account %.64s: sealed seed does not open: %s",
		    a->uid, gpc_strerror(r));
		reason(f, r == GPC_ERR_KEY ? "keys_unavailable" : "seed_invalid");
		return r == GPC_ERR_KEY || r == GPC_ERR_NOMEM ? r : GPC_ERR_BADSEAL;
	}
	now = time(NULL);
	r = gpc_totp_verify(p, seed, seed_len, code, (int64_t)now, a->step, &step);
	gpc_freezero(seed, seed_len + 1); /* gpc_unseal's buffer has a NUL after the bytes */
	seed = NULL;
	switch (r) {
	case GPC_OK:
		break;
	case GPC_ERR_BADCODE:
		reason(f, "wrong_code");
		count_failure(f);
		return r;
	case GPC_ERR_REPLAY:
		/*
		 * Not counted: a code that was right for its step is no guess at
		 * the current one, and the losers of a race of one holder's
		 * double submission (or of a replayed observed code) must not
		 * lock the holder out.  Only wrong codes count.
		 */
		reason(f, "code_replayed");
		return r;
	default:
		reason(f, "error");
		return r;
	}
	/*
	 * Spend the step.  Whatever stops the write, the login fails, and
	 * as a wrong code would: the holder is not told the code was right.
	 * That includes the account having changed while the holder typed
	 * the code (a suspension, a handover): the write asserts what the
	 * login was decided on.
	 */
	if ((w = writer(f)) == NULL) {
		reason(f, "step_write_failed");
		return GPC_ERR_BADCODE;
	}
	seen_of(f, &seen);
	r = gpc_dir_login_spend_step(w, a->dn, a->step, step, now, f->cfg->failure_limit, &seen);
	if (r != GPC_OK) {
		gpc_log_msg(f->lg, LOG_NOTICE, "account %.64s: step %lld not spent: %s", a->uid,
		    (long long)step, gpc_strerror(r));
		reason(f, r == GPC_ERR_CONFLICT ? "code_race_lost" : "step_write_failed");
		return GPC_ERR_BADCODE;
	}
	reason(f, "ok");
	return GPC_OK;
}

/* A recovery code in place of a TOTP code: check every stored hash, spend the match. */
static int
verify_recovery(struct flow *f, const char *canon)
{
	struct gpc_account *a = f->a;
	struct gpc_login_seen seen;
	struct gpc_dir *w;
	const char *match = NULL;
	size_t i;
	int r;

	/* No early exit: the time taken does not tell which code matched. */
	for (i = 0; a->recovery != NULL && a->recovery[i] != NULL; i++)
		if (gpc_secret_check(f->keys, "recovery", canon, a->recovery[i]) == GPC_OK &&
		    match == NULL)
			match = a->recovery[i];
	if (match == NULL) {
		reason(f, "wrong_recovery_code");
		count_failure(f);
		return GPC_ERR_BADCODE;
	}
	if ((w = writer(f)) == NULL) {
		reason(f, "step_write_failed");
		return GPC_ERR_BADCODE;
	}
	seen_of(f, &seen);
	r = gpc_dir_login_spend_recovery(w, a->dn, match, time(NULL), f->cfg->failure_limit,
	    &seen);
	if (r != GPC_OK) {
		reason(f, r == GPC_ERR_CONFLICT ? "recovery_code_race_lost" : "step_write_failed");
		return GPC_ERR_BADCODE;
	}
	gpc_log_msg(f->lg, LOG_NOTICE, "account %.64s: recovery code used", a->uid);
	reason(f, "recovery_code_used");
	return GPC_OK;
}

/* The second factor: a TOTP code, or a recovery code; anything else, no write. */
static int
verify_code(struct flow *f, const char *code)
{
	struct gpc_totp_params p;
	char canon[GPC_RECOVERY_CODE_SIZE];
	int r;

	if (params_of(f, &p) != GPC_OK) {
		gpc_log_msg(f->lg, LOG_ERR, "account %.64s: bad TOTP parameters", f->a->uid);
		reason(f, "seed_invalid");
		return GPC_ERR_BADSEAL;
	}
	if (gpc_totp_code_syntax(&p, code) == GPC_OK)
		return verify_totp(f, &p, code);
	if (gpc_login_recovery_canonical(code, canon) == GPC_OK) {
		r = verify_recovery(f, canon);
		explicit_bzero(canon, sizeof(canon));
		return r;
	}
	/* Not a code at all: refused before anything is read or written. */
	reason(f, "malformed_code");
	return GPC_ERR_BADCODE;
}

/*
 * Everything after the prompts, for an account that exists: password,
 * lock, enrollment state, code.
 */
static int
check(struct flow *f, const char *pw, const char *code)
{
	struct gpc_account *a = f->a;
	int usable = gpc_account_usable(a), r;
	time_t now;

	/*
	 * An account that is not active (or of a unit that is not) is
	 * ppolicy-locked and cannot prove its password; only its code is
	 * checked, so that the account stage may tell its holder why.
	 */
	if (usable) {
		if (f->enroll_judged) {
			/* A first login: judged and counted before the code prompt. */
			reason(f, f->enroll_reason != NULL ? f->enroll_reason : "wrong_enroll_code");
			return f->enroll_verdict != GPC_OK ? f->enroll_verdict : GPC_ERR_BADPASS;
		}
		if (pw == NULL || *pw == '\0') {
			/* An empty password is an unauthenticated bind, which "succeeds". */
			reason(f, "empty_password");
			return GPC_ERR_BADPASS;
		}
		/*
		 * In a first login, what may be an enrollment code (the password
		 * part of a one-prompt answer) is never sent as a password:
		 * ppolicy would count it.  Nothing over GPC_PASSWORD_MAX is sent
		 * either (lib/dir.c): it is a wrong password.
		 */
		if (enrolling(f) && maybe_enroll_code(pw))
			r = GPC_ERR_BADPASS;
		else
			r = f->pw_checked ? f->pw_status : gpc_dir_check_password(f->dir, a->dn, pw);
		if (r == GPC_ERR_BADPASS) {
			if (!enrolling(f)) {
				reason(f, "wrong_password");
				return r;
			}
			/*
			 * The password prompt of a first login held neither the
			 * enrollment code nor a password set meanwhile: a guess
			 * that counts.
			 */
			if (locked(f, time(NULL))) {
				reason(f, "locked");
				return GPC_ERR_LOCKED;
			}
			reason(f, "wrong_enroll_code");
			count_failure(f);
			return r;
		}
		if (r != GPC_OK) {
			reason(f, "directory_unavailable");
			return r;
		}
	}
	now = time(NULL);
	if (locked(f, now)) {
		heal_lock(f, now);
		reason(f, "locked");
		return GPC_ERR_LOCKED;
	}
	if (a->seed_sealed == NULL) {
		/*
		 * Never "not enrolled" on a doubt: parameters or a step
		 * without a seed mean the seed is there but unreadable (ACL).
		 */
		if (a->digits > 0 || a->period > 0 || a->algorithm != NULL || a->step >= 0) {
			gpc_log_msg(f->lg, LOG_ERR, "account %.64s: TOTP attributes without a "
			    "readable seed", a->uid);
			reason(f, "seed_unreadable");
			return GPC_ERR_LDAP;
		}
		reason(f, usable ? "not_enrolled" : "account_not_active");
		return usable ? GPC_ERR_NOTENROLLED : GPC_ERR_STATE;
	}
	if ((r = verify_code(f, code)) != GPC_OK)
		return r;
	if (!usable) {
		f->res->proved = 1;
		reason(f, "account_not_active");
		return GPC_ERR_STATE;
	}
	return GPC_OK;
}

/*
 * Ask for a new password twice.  note: a line to show first (why we ask
 * again), may be NULL.  *out is the caller's to wipe.
 */
static int
new_password(struct flow *f, const char *note, char **out)
{
	char *pw = NULL, *again = NULL;
	int i, r = GPC_ERR_BADPASS;

	*out = NULL;
	for (i = 0; i < PASSWORD_ROUNDS; i++) {
		if ((r = ask_with_note(f, 0, note, text(f, GPC_MSG_NEW_PASSWORD), &pw)) != GPC_OK ||
		    (r = ask(f, 0, text(f, GPC_MSG_NEW_PASSWORD_AGAIN), &again)) != GPC_OK)
			goto out;
		if (*pw != '\0' && strcmp(pw, again) == 0) {
			*out = pw;
			pw = NULL; /* transferred */
			r = GPC_OK;
			goto out;
		}
		note = text(f, GPC_MSG_PASSWORDS_DIFFER);
		gpc_freezero_str(pw);
		gpc_freezero_str(again);
		pw = again = NULL;
	}
	reason(f, "passwords_differ");
	r = GPC_ERR_BADPASS;
out:
	gpc_freezero_str(pw);
	gpc_freezero_str(again);
	return r;
}

/*
 * The enrollment screen, one prompt: what to do, the QR code, the Key URI,
 * the account and key by hand, then the code prompt.  *out holds the
 * secret: wipe it.
 */
static int
enroll_screen(struct flow *f, const struct gpc_totp_params *p, const unsigned char *seed,
    size_t seed_len, char **out)
{
	char *uri = NULL, *grouped = NULL, *qr = NULL, details[128];
	int r;

	*out = NULL;
	if ((r = gpc_totp_uri(p, f->cfg->issuer, f->a->uid, seed, seed_len, &uri)) != GPC_OK ||
	    (r = gpc_totp_base32(seed, seed_len, 1, &grouped)) != GPC_OK ||
	    (r = gpc_qr_utf8(uri, f->req->qr_invert, &qr)) != GPC_OK)
		goto out;
	gpc_i18n_totp_details(f->req->lang, p->digits, p->period, gpc_algo_name(p->algorithm),
	    details, sizeof(details));
	if (gpc_asprintf(out, "%s\n%s\n%s\n%s%s\n%s%s\n%s\n\n%s\n%s",
	    text(f, GPC_MSG_ENROLL_SCAN), qr, uri, text(f, GPC_MSG_ACCOUNT_LABEL), f->a->uid,
	    text(f, GPC_MSG_KEY_LABEL), grouped, details, text(f, GPC_MSG_ENROLL_CONFIRM),
	    text(f, GPC_MSG_CODE)) < 0)
		r = GPC_ERR_NOMEM;
out:
	gpc_freezero_str(uri);
	gpc_freezero_str(grouped);
	gpc_freezero_str(qr);
	return r;
}

/* RECOVERY_CODES fresh recovery codes and their hashes. */
static int
recovery_codes(struct flow *f, char codes[][GPC_RECOVERY_CODE_SIZE], char **hashes)
{
	int i, r;

	for (i = 0; i < RECOVERY_CODES; i++) {
		if ((r = gpc_random_recovery_code(codes[i], GPC_RECOVERY_CODE_SIZE)) != GPC_OK ||
		    (r = gpc_secret_hash(f->keys, "recovery", codes[i], &hashes[i])) != GPC_OK)
			return r;
	}
	hashes[RECOVERY_CODES] = NULL;
	return GPC_OK;
}

/* Show the recovery codes once, in a prompt the holder acknowledges. */
static void
show_recovery_codes(struct flow *f, char codes[][GPC_RECOVERY_CODE_SIZE])
{
	char list[RECOVERY_CODES * (GPC_RECOVERY_CODE_SIZE + 3) + 1], *ack = NULL;
	size_t used = 0;
	int i;

	list[0] = '\0';
	for (i = 0; i < RECOVERY_CODES; i++)
		used += (size_t)snprintf(list + used, sizeof(list) - used, "  %s\n", codes[i]);
	if (used > 0)
		list[used - 1] = '\0';
	/* The enrollment is stored already: a client that cannot show this loses only the list. */
	if (gpc_asprintf(&ack, "%s\n%s\n%s", text(f, GPC_MSG_RECOVERY_CODES), list,
	    text(f, GPC_MSG_ACKNOWLEDGE)) >= 0) {
		char *answer = NULL;

		if (ask(f, 1, ack, &answer) == GPC_OK)
			gpc_freezero_str(answer);
		gpc_freezero_str(ack);
	}
	explicit_bzero(list, sizeof(list));
	reason(f, "enrolled");
}

/*
 * First login, after the enrollment code was accepted: a new password
 * (twice), the authenticator (QR code, URI, key), one code to confirm it,
 * then everything stored in one Modify and the recovery codes shown.
 * Nothing is stored unless the app's code matches.
 */
static int
enroll(struct flow *f)
{
	const struct gpc_cfg *cfg = f->cfg;
	struct gpc_totp_params p = { cfg->algorithm, cfg->digits, cfg->period, cfg->window };
	struct gpc_enrollment e;
	unsigned char seed[GPC_TOTP_SEED_MAX];
	size_t seed_len = gpc_totp_seed_len(cfg->algorithm);
	char codes[RECOVERY_CODES][GPC_RECOVERY_CODE_SIZE];
	char *hashes[RECOVERY_CODES + 1] = { NULL };
	char *pw = NULL, *screen = NULL, *code = NULL, *sealed = NULL, note[512], rule[160];
	int min_len;
	struct gpc_dir *w;
	int64_t step = -1;
	int i, r, pp = -1;

	memset(codes, 0, sizeof(codes));
	reason(f, "enrollment_failed");
	if ((r = new_password(f, text(f, GPC_MSG_ENROLL_INTRO), &pw)) != GPC_OK)
		goto out;
	if ((r = gpc_totp_seed_new(seed, seed_len)) != GPC_OK ||
	    (r = enroll_screen(f, &p, seed, seed_len, &screen)) != GPC_OK)
		goto out;
	if ((r = ask(f, 0, screen, &code)) != GPC_OK)
		goto out;
	r = gpc_totp_verify(&p, seed, seed_len, code, (int64_t)time(NULL), -1, &step);
	if (r != GPC_OK) {
		reason(f, "enrollment_not_confirmed");
		r = GPC_ERR_BADCODE;
		goto out;
	}
	if ((r = gpc_seal(f->keys, f->a->dn, seed, seed_len, &sealed)) != GPC_OK ||
	    (r = recovery_codes(f, codes, hashes)) != GPC_OK)
		goto out;
	explicit_bzero(seed, sizeof(seed));
	if ((w = writer(f)) == NULL) {
		r = GPC_ERR_UNAVAIL;
		goto out;
	}
	for (i = 0; i < PASSWORD_ROUNDS; i++) {
		e.enroll_code = f->a->enroll_code;
		e.password = pw;
		e.seed_sealed = sealed;
		e.params = &p;
		e.step = step;
		e.recovery = hashes;
		r = gpc_dir_login_enroll(w, f->a->dn, &e, time(NULL), cfg->failure_limit, &pp);
		if (r != GPC_ERR_INVAL)
			break;
		/* The directory's password policy said no: say why, ask again. */
		reason(f, "password_refused");
		if (i + 1 == PASSWORD_ROUNDS)
			break;
		/* The rule, not only that it was broken: "(at least 10 characters)". */
		min_len = 0;
		if (pp == PP_passwordTooShort)
			(void)gpc_dir_login_pw_min_length(f->dir, f->a->dn, &min_len);
		gpc_i18n_ppolicy_min(f->req->lang, pp, min_len, rule, sizeof(rule));
		snprintf(note, sizeof(note), "%s%s", text(f, GPC_MSG_PASSWORD_REFUSED), rule);
		gpc_freezero_str(pw);
		pw = NULL;
		if ((r = new_password(f, note, &pw)) != GPC_OK)
			goto out;
	}
	if (r != GPC_OK) {
		gpc_log_msg(f->lg, LOG_WARNING, "account %.64s: enrollment not stored: %s",
		    f->a->uid, gpc_strerror(r));
		if (r == GPC_ERR_INVAL)
			r = GPC_ERR_BADPASS;
		else if (r == GPC_ERR_CONFLICT || r == GPC_ERR_DENIED)
			reason(f, "enrollment_failed");
		goto out;
	}
	gpc_log_msg(f->lg, LOG_NOTICE, "account %.64s: authenticator enrolled", f->a->uid);
	show_recovery_codes(f, codes);
	r = GPC_OK;
out:
	explicit_bzero(seed, sizeof(seed));
	explicit_bzero(codes, sizeof(codes));
	for (i = 0; i < RECOVERY_CODES; i++)
		free(hashes[i]);
	gpc_freezero_str(pw);
	gpc_freezero_str(screen);
	gpc_freezero_str(code);
	free(sealed);
	return r;
}

/*
 * 分岗设权, after the holder proved both factors (so the reason may be
 * told): a post pam.services does not allow on this service is refused
 * here too, so that a stack without the account stage is safe as well.
 */
static int
post_allowed(struct flow *f)
{
	if (gpc_cfg_role_allowed(f->cfg, f->req->service, f->a->role))
		return GPC_OK;
	gpc_log_msg(f->lg, LOG_NOTICE, "account %.64s refused: post %.16s may not use %.64s",
	    f->a->uid, f->a->role != NULL ? f->a->role : "?",
	    f->req->service != NULL ? f->req->service : "?");
	gpc_freezero_str(f->res->password);
	f->res->password = NULL;
	f->res->proved = 1;
	reason(f, "role_not_allowed");
	return GPC_ERR_STATE;
}

/*
 * Tell the holder, who proved the second factor, why the login is refused:
 * the account's or unit's state (with the bureau's reason and the
 * deadline), or the post.  A reason that cannot be read is not told; the
 * login fails either way.
 */
static void
tell_why(struct flow *f)
{
	char *msg = NULL;
	int r;

	if (f->conv->tell == NULL || f->a == NULL)
		return;
	if (gpc_account_usable(f->a))
		r = gpc_i18n_role_refusal(f->req->lang, f->a->role, f->req->service, &msg);
	else
		r = gpc_acct_refusal(f->dir, f->a, f->req->lang, time(NULL), &msg);
	if (r != GPC_OK) {
		gpc_log_msg(f->lg, LOG_WARNING, "account %.64s: reason of the refusal not read: %s",
		    f->a->uid, gpc_strerror(r));
		return;
	}
	f->res->told = f->conv->tell(f->conv->ctx, 1, msg) == GPC_OK;
	free(msg);
}

/* What the result says about the account (after the prompts, for the audit). */
static int
note_account(struct flow *f)
{
	if (f->a == NULL)
		return GPC_OK;
	f->res->last_login = f->a->last_login;
	if ((f->res->uid = strdup(f->a->uid)) == NULL || (f->res->dn = strdup(f->a->dn)) == NULL ||
	    (f->a->unit_code != NULL && (f->res->unit = strdup(f->a->unit_code)) == NULL) ||
	    (f->a->unit_region != NULL && (f->res->region = strdup(f->a->unit_region)) == NULL))
		return GPC_ERR_NOMEM;
	return GPC_OK;
}

int
gpc_login_authenticate(const struct gpc_cfg *cfg, const struct gpc_log *lg,
    const struct gpc_login_conv *conv, const struct gpc_login_req *req,
    struct gpc_login_result *res)
{
	struct flow f;
	char *first = NULL, *pw = NULL, *code = NULL;
	int r, found;

	memset(res, 0, sizeof(*res));
	memset(&f, 0, sizeof(f));
	res->reason = "error";
	f.cfg = cfg;
	f.lg = lg;
	f.conv = conv;
	f.req = req;
	f.res = res;
	if (req->user == NULL || conv == NULL || conv->ask == NULL)
		return GPC_ERR_INVAL;
	if ((r = gpc_keys_load(cfg->key_dir, cfg->suite, &f.keys)) != GPC_OK) {
		gpc_log_msg(lg, LOG_ERR, "keys in %.200s: %s", cfg->key_dir, gpc_strerror(r));
		reason(&f, "keys_unavailable");
		goto out;
	}
	if ((r = first_answer(&f, &first)) != GPC_OK)
		goto out;
	/*
	 * The account is read between the two prompts: a first login branches
	 * off here.  Its errors are kept until the code prompt has been shown
	 * like any other.  (A name that exists costs the password bind here
	 * too, one that does not only the search: the failure delay is the
	 * same, the time to the code prompt is not.)
	 */
	found = lookup(&f, first);
	if (found == GPC_OK && (r = note_account(&f)) != GPC_OK)
		goto out;
	/*
	 * A first login with what may be the enrollment code: it is judged
	 * now, before the next prompt.  A suspended account (or one of a
	 * suspended unit) does not enroll, and its answer is not judged.
	 * Anything else is a password (one an administrator may have set).
	 */
	if (found == GPC_OK && enrolling(&f) && gpc_account_usable(f.a) &&
	    maybe_enroll_code(first)) {
		f.enroll_judged = 1;
		if ((f.enroll_verdict = judge_enroll_code(&f, first)) == GPC_OK) {
			r = enroll(&f);
			goto out;
		}
		f.enroll_reason = res->reason;
	}
	if ((r = code_answer(&f, &first, &pw, &code)) != GPC_OK) {
		/* A judged guess was counted: the audit says so, not only that the client left. */
		if (r == GPC_ERR_IO && f.enroll_judged) {
			reason(&f, f.enroll_reason);
			r = f.enroll_verdict;
		}
		goto out;
	}
	if (found == GPC_ERR_NOTFOUND) {
		reason(&f, "unknown_account");
		r = GPC_ERR_NOTFOUND;
		goto out;
	}
	if (found != GPC_OK) {
		reason(&f, "directory_unavailable");
		r = found;
		goto out;
	}
	r = check(&f, pw, code);
	/* The account stage needs it to ask the password policy (reset, expiry). */
	if (r == GPC_OK && (res->password = strdup(pw)) == NULL)
		r = GPC_ERR_NOMEM;
out:
	if (r == GPC_OK && f.a != NULL)
		r = post_allowed(&f);
	if (res->proved)
		tell_why(&f);
	/*
	 * A name no account was found for goes to the audit only as a keyed
	 * hash: it may be a password typed into the wrong prompt.
	 */
	if (res->uid == NULL && f.keys != NULL && req->user[0] != '\0')
		(void)gpc_blind_index(f.keys, "login-name", req->user, res->name_hash);
	gpc_freezero_str(first);
	gpc_freezero_str(pw);
	gpc_freezero_str(code);
	gpc_account_free(f.a);
	gpc_dir_close(f.dir);
	gpc_keys_free(f.keys);
	return r;
}

void
gpc_login_result_free(struct gpc_login_result *res)
{
	if (res == NULL)
		return;
	free(res->uid);
	free(res->unit);
	free(res->region);
	free(res->dn);
	gpc_freezero_str(res->authtok);
	gpc_freezero_str(res->password);
	res->uid = res->unit = res->region = res->dn = res->authtok = res->password = NULL;
}

int
gpc_login_name_matches(const char *uid, const char *given)
{
	return uid != NULL && given != NULL && ascii_casecmp(uid, given) == 0;
}

/* A caller-supplied string for the audit: at most AUDIT_FIELD_MAX bytes of valid UTF-8. */
void
gpc_login_audit_put(json_t *o, const char *key, const char *s)
{
	size_t n;

	if (s == NULL)
		return;
	n = strnlen(s, AUDIT_FIELD_MAX + 1);
	if (n > AUDIT_FIELD_MAX)
		n = AUDIT_FIELD_MAX;
	/* Back off to a character boundary, then refuse what is not UTF-8. */
	while (n > 0 && n < strlen(s) && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	if (gpc_utf8_valid(s, n))
		json_object_set_new(o, key, json_stringn(s, n));
	else
		json_object_set_new(o, key, json_string("(not UTF-8)"));
}

json_t *
gpc_login_audit_fields(int r, const char *reason, const char *uid, const char *unit,
    const char *region, const char *service, const char *rhost)
{
	json_t *o = json_object();

	if (o == NULL)
		return NULL;
	json_object_set_new(o, "outcome", json_string(r == GPC_OK ? "success" : "failure"));
	json_object_set_new(o, "reason", json_string(reason != NULL ? reason : "error"));
	gpc_login_audit_put(o, "uid", uid);
	gpc_login_audit_put(o, "unit", unit);
	gpc_login_audit_put(o, "region", region);
	gpc_login_audit_put(o, "service", service);
	gpc_login_audit_put(o, "rhost", rhost != NULL ? rhost : "");
	return o;
}

int
gpc_login_audit_write(const struct gpc_cfg *cfg, const struct gpc_log *lg, size_t n,
    const char *const *events, json_t *const *fields)
{
	struct gpc_audit *au = NULL;
	size_t i;
	int r, ri;

	if ((r = gpc_audit_open(cfg->audit_file, "pam_gpcgate", cfg->audit_syslog ? lg : NULL,
	    &au)) == GPC_OK)
		for (i = 0; i < n; i++)
			if ((ri = gpc_audit_event(au, events[i], fields[i])) != GPC_OK && r == GPC_OK)
				r = ri;
	if (r != GPC_OK)
		gpc_log_msg(lg, LOG_ERR, "audit %.200s: %s: %s", cfg->audit_file != NULL ?
		    cfg->audit_file : "(syslog)", n > 0 ? events[0] : "-", gpc_strerror(r));
	gpc_audit_close(au);
	return r;
}

int
gpc_login_audit(const struct gpc_cfg *cfg, const struct gpc_log *lg,
    const struct gpc_login_req *req, const struct gpc_login_result *res, int r)
{
	const char *events[2] = { "login", "lockout" };
	json_t *o[2] = { NULL, NULL };
	char until[21];
	int ret = GPC_ERR_NOMEM;

	if (cfg == NULL || req == NULL || res == NULL)
		return GPC_ERR_INVAL;
	if ((o[0] = gpc_login_audit_fields(r, res->reason, res->uid, res->unit, res->region,
	    req->service, req->rhost)) == NULL)
		goto out;
	/* an unknown name only as its keyed hash */
	if (res->uid == NULL && res->name_hash[0] != '\0')
		json_object_set_new(o[0], "name_hash", json_string(res->name_hash));
	gpc_login_audit_put(o[0], "tty", req->tty);
	/* The attempt that reached totp.failure_limit: the lock it set. */
	if (res->locked_until != 0 && res->uid != NULL) {
		gpc_time_rfc3339(res->locked_until, until);
		if ((o[1] = json_object()) == NULL)
			goto out;
		gpc_login_audit_put(o[1], "uid", res->uid);
		gpc_login_audit_put(o[1], "unit", res->unit);
		gpc_login_audit_put(o[1], "region", res->region);
		json_object_set_new(o[1], "failures", json_integer((json_int_t)res->lock_failures));
		json_object_set_new(o[1], "until", json_string(until));
	}
	ret = gpc_login_audit_write(cfg, lg, o[1] != NULL ? 2 : 1, events, o);
out:
	json_decref(o[0]);
	json_decref(o[1]);
	return ret;
}

int
gpc_login_recovery_canonical(const char *typed, char *out)
{
	char sym[8];
	size_t i, n = 0;
	int r = GPC_ERR_FORMAT;

	out[0] = '\0';
	if (typed == NULL)
		return GPC_ERR_FORMAT;
	for (i = 0; typed[i] != '\0'; i++) {
		char c = typed[i];

		if (c == ' ' || c == '-')
			continue;
		if (c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		if (n == sizeof(sym) || strchr(GPC_RECOVERY_ALPHABET, c) == NULL || c == '\0')
			goto out;
		sym[n++] = c;
	}
	if (n != sizeof(sym))
		goto out;
	memcpy(out, sym, 4);
	out[4] = '-';
	memcpy(out + 5, sym + 4, 4);
	out[9] = '\0';
	r = GPC_OK;
out:
	explicit_bzero(sym, sizeof(sym));
	if (r != GPC_OK)
		explicit_bzero(out, GPC_RECOVERY_CODE_SIZE);
	return r;
}
