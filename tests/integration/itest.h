/*
 * gpcgate — support for the C integration tests, which run inside a private
 * installation made by tests/harness/with-env (GPC_TESTDIR, GPC_CONF, ...).
 */
#ifndef GPC_ITEST_H
#define GPC_ITEST_H

#include <stddef.h>
#include <time.h>

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

/* What one PAM conversation saw. */
struct it_conv {
	const char *answers[8]; /* given in order to the prompts */
	int nprompts;
	char prompts[8][128];
	char info[8][256];
	int ninfo;
};

/*
 * pam_start(service, user) with a recording conversation, run
 * pam_authenticate (and pam_acct_mgmt if `account`), pam_end.  Returns the
 * first non-success PAM code, or PAM_SUCCESS.
 */
int it_pam(const char *service, const char *user, struct it_conv *conv, int account);

#endif
