/*
 * gpcgate — support for the C integration tests, which run inside a private
 * installation made by tests/harness/with-env (GPC_TESTDIR, GPC_CONF, ...).
 */
#ifndef GPC_ITEST_H
#define GPC_ITEST_H

#include <stddef.h>
#include <time.h>

#include "cfg.h" /* enum gpc_suite */

/* An environment variable the harness must have set (aborts the test if not). */
const char *it_env(const char *name);

/*
 * Run a fixture command (tests/harness/fx.sh functions are defined) with T set
 * to the installation; returns the shell's exit status.
 */
int it_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A file of the installation ($GPC_TESTDIR/name), first line, malloc'd; NULL if absent. */
char *it_file_line(const char *name);

/* The TOTP code oathtool computes for an account's secret at time t (0: now). */
void it_code(const char *uid, time_t t, char *out, size_t len);

/* Prompts one conversation records (a first-login enrollment asks up to 12). */
#define IT_PROMPTS 16

/* What one PAM conversation saw. */
struct it_conv {
	const char *answers[IT_PROMPTS]; /* given in order to the prompts */
	int nprompts;
	char prompts[IT_PROMPTS][128];
	char info[8][256];
	int ninfo;

	/* Optional, all zero by default (memset): */
	int styles[IT_PROMPTS]; /* msg_style of each prompt (PAM_PROMPT_ECHO_OFF/ON) */
	char full[IT_PROMPTS][8192]; /* each prompt's whole text (enrollment screens are long) */
	/* if set, answers prompt n instead of answers[n] (NULL: no answer) */
	const char *(*answer_fn)(struct it_conv *c, int n, const char *prompt);
	void *ctx;              /* for answer_fn */
	const char *env[4];     /* "NAME=value" put into the PAM environment first */
	const char *rhost, *tty; /* PAM_RHOST, PAM_TTY to set */
	/* filled in: */
	int delay_calls;        /* PAM_FAIL_DELAY callback calls (libpam's, no sleeping) */
	unsigned delay_us;      /* the delay libpam would have slept, last call */
	int delay_status;       /* the status it was called with */
	char authtok[256];      /* PAM_AUTHTOK as exported by pam_get_items.so, if stacked */
	int authtok_set;
	int items_exported;     /* pam_get_items.so ran (it exported PAM_SERVICE) */

	/* it_pam_seq (optional, zero by default): */
	const char *refuse_messages_in; /* an operation ("auth", ...) during which the
	                           conversation refuses messages that ask for nothing */
	/* filled in: */
	int info_styles[8];     /* msg_style of each info[] (PAM_ERROR_MSG/PAM_TEXT_INFO) */
	char info_stage[8][16]; /* the operation each info[] came in */
	int prompt_stage_n[IT_PROMPTS]; /* the index in ops of the operation that asked it */
	const char *stage;      /* the operation running (it_pam_seq's own) */
	int stage_n;
};

/*
 * One PAM handle through a sequence of operations, as sshd or login would
 * run them: ops is a space-separated list of auth, acct, chauthtok,
 * chauthtok_expired (PAM_CHANGE_EXPIRED_AUTHTOK), open, close.  Every
 * operation runs whatever the previous ones returned; results[i] (nresults
 * at most) gets the PAM code of the i-th.  The conversation records as for
 * it_pam (counters reset once, at the start).  Returns the number of
 * operations run, or -1 if pam_start failed.
 */
int it_pam_seq(const char *service, const char *user, struct it_conv *conv, const char *ops,
    int *results, int nresults);

/* How many of the conversation's messages contain `needle` (0 if none). */
int it_conv_says(const struct it_conv *c, const char *needle);

/*
 * pam_start(service, user) with a recording conversation, run
 * pam_authenticate (and pam_acct_mgmt if `account`), pam_end.  Returns the
 * first non-success PAM code, or PAM_SUCCESS.  The failure delay is
 * recorded, not slept (PAM_FAIL_DELAY).
 */
int it_pam(const char *service, const char *user, struct it_conv *conv, int account);

/*
 * If not NULL, called by it_pam() right after pam_start() succeeds and
 * before pam_authenticate(): a race holds its processes there, each with
 * its handle open, and starts them together.
 */
extern void (*it_pam_started)(void);

/*
 * n (at most 64) processes log in at once: each forks and calls
 * login(i, arg), which runs it_pam(); each opens its PAM handle in turn
 * (pam_wrapper makes its /tmp/pam.X directory by lstat then mkdir, so
 * handles opened at once can collide) and waits; when all wait, all go on
 * to pam_authenticate together.  Each reports its result on a pipe (not in
 * its exit status, which valgrind may replace).  Returns how many returned
 * PAM_SUCCESS, or -1 if the race could not be set up.
 */
int it_race(int n, int (*login)(int i, void *arg), void *arg);

/*
 * The directory as its administrator sees it (ldapsearch/ldapmodify as the
 * rootdn).  uid is matched exactly as given (the filter value is escaped).
 */
/* The first value of attr of the account uid ("dn" for its DN), malloc'd; NULL if none. */
char *it_ldap_attr(const char *uid, const char *attr);
/* How many values attr has on the account uid (0 if none or no account). */
int it_ldap_count(const char *uid, const char *attr);
/* Apply LDIF (changetype lines included) as the administrator; 0 on success. */
int it_ldapmodify(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The installation's crypto suite (GPC_SUITE=gm runs the tests under the 国密 suite). */
enum gpc_suite it_suite(void);

/*
 * Store a known TOTP seed on the account uid, sealed as the module expects
 * (the installation's keys, bound to the entry's DN), with its parameters
 * (algorithm "sha1"|"sha256"|"sha512"); the replay guard, failure count
 * and lock are cleared.  0 on success.
 */
int it_install_seed(const char *uid, const unsigned char *seed, size_t len, const char *algo,
    int digits, int period);

/*
 * The audit log (audit.file of the installation): how many lines of event
 * `event` it holds, and the last such line as a JSON object (json_decref;
 * NULL if none).
 */
int it_audit_count(const char *event);
struct json_t;
struct json_t *it_audit_last(const char *event);

/*
 * The string `key` of the last audit line of `event` ("" if none), in a
 * static buffer (test code: one caller at a time).
 */
const char *it_audit_last_field(const char *event, const char *key);

/* The reason code of the last login audited ("" if none): it_audit_last_field. */
const char *it_last_reason(void);

#endif
