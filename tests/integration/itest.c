#include <security/pam_appl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "itest.h"

const char *
it_env(const char *name)
{
	const char *v = getenv(name);

	if (v == NULL || *v == '\0') {
		fprintf(stderr, "Bail out! %s is not set: run under tests/harness/with-env\n", name);
		exit(1);
	}
	return v;
}

int
it_sh(const char *fmt, ...)
{
	char cmd[4096], shell[1024];
	va_list ap;
	FILE *p;
	int r;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	/* The script goes to bash's stdin: no quoting of the command needed. */
	snprintf(shell, sizeof(shell), "env -u LD_PRELOAD bash -s >>'%s/fixture.log' 2>&1",
	    it_env("GPC_TESTDIR"));
	if ((p = popen(shell, "w")) == NULL)
		return -1;
	fprintf(p, "T='%s'\n. '%s/tests/harness/fx.sh'\n%s\n", it_env("GPC_TESTDIR"),
	    it_env("GPC_SRCDIR"), cmd);
	r = pclose(p);
	return r == -1 ? -1 : WEXITSTATUS(r);
}

char *
it_file_line(const char *name)
{
	char path[1024], *line = NULL;
	size_t cap = 0;
	ssize_t n;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", it_env("GPC_TESTDIR"), name);
	if ((f = fopen(path, "r")) == NULL)
		return NULL;
	n = getline(&line, &cap, f);
	fclose(f);
	if (n < 0) {
		free(line);
		return NULL;
	}
	line[strcspn(line, "\r\n")] = '\0';
	return line;
}

void
it_code(const char *uid, time_t t, char *out, size_t len)
{
	char name[256], cmd[1024], when[64];
	char *secret;
	FILE *p;
	struct tm tm;

	snprintf(name, sizeof(name), "secret.%s", uid);
	if ((secret = it_file_line(name)) == NULL) {
		snprintf(out, len, "none");
		return;
	}
	if (t == 0)
		t = time(NULL);
	gmtime_r(&t, &tm);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm);
	snprintf(cmd, sizeof(cmd), "env -u LD_PRELOAD oathtool --totp -b '%s' -N '%s'", secret,
	    when);
	free(secret);
	out[0] = '\0';
	if ((p = popen(cmd, "r")) != NULL) {
		if (fgets(out, (int)len, p) == NULL)
			out[0] = '\0';
		pclose(p);
	}
	out[strcspn(out, "\r\n")] = '\0';
}

static int
conv_fn(int n, const struct pam_message **msg, struct pam_response **resp, void *data)
{
	struct it_conv *c = data;
	struct pam_response *r = calloc((size_t)n, sizeof(*r));
	int i;

	if (r == NULL)
		return PAM_BUF_ERR;
	for (i = 0; i < n; i++) {
		switch (msg[i]->msg_style) {
		case PAM_PROMPT_ECHO_OFF:
		case PAM_PROMPT_ECHO_ON:
			if (c->nprompts < 8) {
				snprintf(c->prompts[c->nprompts], sizeof(c->prompts[0]), "%s",
				    msg[i]->msg);
				if (c->answers[c->nprompts] != NULL)
					r[i].resp = strdup(c->answers[c->nprompts]);
			}
			c->nprompts++;
			break;
		default:
			if (c->ninfo < 8)
				snprintf(c->info[c->ninfo++], sizeof(c->info[0]), "%s",
				    msg[i]->msg);
			break;
		}
	}
	*resp = r;
	return PAM_SUCCESS;
}

int
it_pam(const char *service, const char *user, struct it_conv *c, int account)
{
	struct pam_conv pc = { conv_fn, c };
	pam_handle_t *ph = NULL;
	int r, end;

	c->nprompts = 0;
	c->ninfo = 0;
	if ((r = pam_start(service, user, &pc, &ph)) != PAM_SUCCESS)
		return r;
	r = pam_authenticate(ph, 0);
	if (r == PAM_SUCCESS && account)
		r = pam_acct_mgmt(ph, 0);
	end = pam_end(ph, r);
	return r != PAM_SUCCESS ? r : end;
}
