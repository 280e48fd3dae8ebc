#include <fcntl.h>
#include <security/pam_appl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "dir.h"
#include "err.h"
#include "seal.h"
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
			if (c->nprompts < IT_PROMPTS) {
				const char *a = c->answers[c->nprompts];

				snprintf(c->prompts[c->nprompts], sizeof(c->prompts[0]), "%s",
				    msg[i]->msg);
				snprintf(c->full[c->nprompts], sizeof(c->full[0]), "%s",
				    msg[i]->msg);
				c->styles[c->nprompts] = msg[i]->msg_style;
				c->prompt_stage_n[c->nprompts] = c->stage_n;
				if (c->answer_fn != NULL)
					a = c->answer_fn(c, c->nprompts, msg[i]->msg);
				if (a != NULL)
					r[i].resp = strdup(a);
			}
			c->nprompts++;
			break;
		default:
			if (c->refuse_messages_in != NULL && c->stage != NULL &&
			    strcmp(c->refuse_messages_in, c->stage) == 0) {
				int j;

				for (j = 0; j < i; j++)
					free(r[j].resp);
				free(r);
				return PAM_CONV_ERR;
			}
			if (c->ninfo < 8) {
				c->info_styles[c->ninfo] = msg[i]->msg_style;
				snprintf(c->info_stage[c->ninfo], sizeof(c->info_stage[0]), "%s",
				    c->stage != NULL ? c->stage : "");
				snprintf(c->info[c->ninfo++], sizeof(c->info[0]), "%s",
				    msg[i]->msg);
			}
			break;
		}
	}
	*resp = r;
	return PAM_SUCCESS;
}

/* libpam calls this instead of sleeping after a failure (PAM_FAIL_DELAY). */
static void
delay_fn(int status, unsigned delay_us, void *appdata)
{
	struct it_conv *c = appdata;

	c->delay_calls++;
	c->delay_us = delay_us;
	c->delay_status = status;
}

void (*it_pam_started)(void);

int
it_pam(const char *service, const char *user, struct it_conv *c, int account)
{
	struct pam_conv pc = { conv_fn, c };
	pam_handle_t *ph = NULL;
	const char *tok;
	int r, end, i;

	c->nprompts = 0;
	c->ninfo = 0;
	c->delay_calls = 0;
	c->delay_us = 0;
	c->authtok_set = 0;
	c->authtok[0] = '\0';
	c->items_exported = 0;
	if ((r = pam_start(service, user, &pc, &ph)) != PAM_SUCCESS)
		return r;
	if (it_pam_started != NULL)
		it_pam_started();
	(void)pam_set_item(ph, PAM_FAIL_DELAY, (const void *)delay_fn);
	for (i = 0; i < 4 && c->env[i] != NULL; i++)
		(void)pam_putenv(ph, c->env[i]);
	if (c->rhost != NULL)
		(void)pam_set_item(ph, PAM_RHOST, c->rhost);
	if (c->tty != NULL)
		(void)pam_set_item(ph, PAM_TTY, c->tty);
	r = pam_authenticate(ph, 0);
	if ((tok = pam_getenv(ph, "PAM_AUTHTOK")) != NULL) {
		c->authtok_set = 1;
		snprintf(c->authtok, sizeof(c->authtok), "%s", tok);
	}
	c->items_exported = pam_getenv(ph, "PAM_SERVICE") != NULL;
	if (r == PAM_SUCCESS && account)
		r = pam_acct_mgmt(ph, 0);
	end = pam_end(ph, r);
	return r != PAM_SUCCESS ? r : end;
}

/* A racer's state between its pam_start and the start of the race. */
static int race_go = -1, race_lock = -1, race_ready = -1;

/* Tell the parent this racer is at the start (once). */
static void
racer_ready(void)
{
	char b = 'r';

	if (race_ready >= 0 && write(race_ready, &b, 1) != 1)
		_exit(2);
	race_ready = -1;
}

/* Called with the PAM handle open: let the next racer open its own, wait for the start. */
static void
racer_started(void)
{
	char b;

	(void)flock(race_lock, LOCK_UN);
	racer_ready();
	if (read(race_go, &b, 1) != 0) /* EOF: the start */
		_exit(2);
}

int
it_race(int n, int (*login)(int i, void *arg), void *arg)
{
	pid_t pids[64];
	int go[2], res[2], ready[2], i, ok = 0, st, fail = 0;
	char b, lockpath[1024];

	if (n < 1 || n > 64 || pipe(go) != 0 || pipe(res) != 0 || pipe(ready) != 0)
		return -1;
	snprintf(lockpath, sizeof(lockpath), "%s/race.lock", it_env("GPC_TESTDIR"));
	fflush(stdout);
	fflush(stderr);
	for (i = 0; i < n; i++) {
		if ((pids[i] = fork()) < 0)
			return -1;
		if (pids[i] == 0) {
			close(go[1]);
			close(res[0]);
			close(ready[0]);
			race_ready = ready[1];
			race_go = go[0];
			/* its own open file, so a lock of its own */
			if ((race_lock = open(lockpath, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0 ||
			    flock(race_lock, LOCK_EX) != 0)
				_exit(2);
			it_pam_started = racer_started;
			b = login(i, arg) == PAM_SUCCESS ? 'S' : 'F';
			racer_ready(); /* if pam_start failed, it never got there */
			if (write(res[1], &b, 1) != 1)
				_exit(2);
			/*
			 * End this copy of the test without its exit handlers (they
			 * belong to the parent) and, under valgrind, without a leak
			 * report about pam_wrapper's start-up state (the parent's):
			 * an exec replaces the image instead of ending it.
			 */
			execl("/bin/true", "true", (char *)NULL);
			_exit(0);
		}
	}
	close(go[0]);
	close(res[1]);
	close(ready[1]);
	for (i = 0; i < n; i++) /* every racer at the start */
		if (read(ready[0], &b, 1) != 1)
			fail = 1;
	close(ready[0]);
	close(go[1]);
	while (read(res[0], &b, 1) == 1)
		ok += b == 'S';
	close(res[0]);
	for (i = 0; i < n; i++)
		if (waitpid(pids[i], &st, 0) != pids[i])
			fail = 1;
	return fail ? -1 : ok;
}

int
it_pam_seq(const char *service, const char *user, struct it_conv *c, const char *ops,
    int *results, int nresults)
{
	struct pam_conv pc = { conv_fn, c };
	pam_handle_t *ph = NULL;
	char buf[256], *save = NULL, *op;
	int r = PAM_SUCCESS, n = 0, i;

	c->nprompts = 0;
	c->ninfo = 0;
	c->delay_calls = 0;
	c->delay_us = 0;
	c->stage = NULL;
	c->stage_n = 0;
	if (pam_start(service, user, &pc, &ph) != PAM_SUCCESS)
		return -1;
	(void)pam_set_item(ph, PAM_FAIL_DELAY, (const void *)delay_fn);
	for (i = 0; i < 4 && c->env[i] != NULL; i++)
		(void)pam_putenv(ph, c->env[i]);
	if (c->rhost != NULL)
		(void)pam_set_item(ph, PAM_RHOST, c->rhost);
	if (c->tty != NULL)
		(void)pam_set_item(ph, PAM_TTY, c->tty);
	snprintf(buf, sizeof(buf), "%s", ops);
	for (op = strtok_r(buf, " ", &save); op != NULL; op = strtok_r(NULL, " ", &save)) {
		c->stage = op;
		c->stage_n = n;
		if (strcmp(op, "auth") == 0)
			r = pam_authenticate(ph, 0);
		else if (strcmp(op, "acct") == 0)
			r = pam_acct_mgmt(ph, 0);
		else if (strcmp(op, "chauthtok") == 0)
			r = pam_chauthtok(ph, 0);
		else if (strcmp(op, "chauthtok_expired") == 0)
			r = pam_chauthtok(ph, PAM_CHANGE_EXPIRED_AUTHTOK);
		else if (strcmp(op, "open") == 0)
			r = pam_open_session(ph, 0);
		else if (strcmp(op, "close") == 0)
			r = pam_close_session(ph, 0);
		else
			r = PAM_SYSTEM_ERR;
		if (n < nresults)
			results[n] = r;
		n++;
	}
	c->stage = NULL;
	pam_end(ph, r);
	return n;
}

int
it_conv_says(const struct it_conv *c, const char *needle)
{
	int i, n = 0;

	for (i = 0; i < c->ninfo && i < 8; i++)
		n += strstr(c->info[i], needle) != NULL;
	return n;
}

/* Run a command; its first output line, malloc'd, or NULL. */
static char *
sh_line(const char *cmd)
{
	char *line = NULL;
	size_t cap = 0;
	FILE *p;

	if ((p = popen(cmd, "r")) == NULL)
		return NULL;
	if (getline(&line, &cap, p) < 0) {
		free(line);
		line = NULL;
	} else
		line[strcspn(line, "\r\n")] = '\0';
	pclose(p);
	return line;
}

/*
 * ldapsearch as the administrator for the account uid, LDIF parsed by
 * python (values may be base64), printing attr's values one per line, or
 * their count.
 */
static char *
ldap_query(const char *uid, const char *attr, int count)
{
	char *esc = NULL, cmd[4096], *out = NULL;

	if (gpc_dir_filter_escape(uid, strlen(uid), &esc) != GPC_OK)
		return NULL;
	if (strchr(esc, '\'') != NULL) /* the filter goes inside '...' below */
		goto out;
	/* LDIF: "attr: value" or "attr:: base64"; the DN is attribute "dn". */
	snprintf(cmd, sizeof(cmd),
	    "env -u LD_PRELOAD ldapsearch -LLL -o ldif-wrap=no -x -H \"$GPC_LDAPI_URI\" "
	    "-D \"$GPC_ROOTDN\" -y '%s/root.pw' -b \"ou=units,$GPC_BASE\" '(uid=%s)' '%s' "
	    "2>/dev/null | python3 -c '\n"
	    "import base64, sys\n"
	    "want, vals = sys.argv[1].lower(), []\n"
	    "for l in sys.stdin.read().splitlines():\n"
	    "    k, sep, v = l.partition(\":\")\n"
	    "    if not sep or k.lower() != want: continue\n"
	    "    if v.startswith(\": \"): v = base64.b64decode(v[2:]).decode(\"utf-8\", \"replace\")\n"
	    "    vals.append(v[1:] if v.startswith(\" \") else v)\n"
	    "print(len(vals) if sys.argv[2] == \"1\" else (vals[0] if vals else \"\"))\n"
	    "' '%s' '%d'", it_env("GPC_TESTDIR"), esc, attr, attr, count);
	out = sh_line(cmd);
	if (out != NULL && *out == '\0') {
		free(out);
		out = NULL;
	}
out:
	free(esc);
	return out;
}

char *
it_ldap_attr(const char *uid, const char *attr)
{
	return ldap_query(uid, attr, 0);
}

int
it_ldap_count(const char *uid, const char *attr)
{
	char *n = ldap_query(uid, attr, 1);
	int v = n != NULL ? atoi(n) : 0;

	free(n);
	return v;
}

int
it_ldapmodify(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;
	FILE *p;
	int r;

	snprintf(cmd, sizeof(cmd), "env -u LD_PRELOAD ldapmodify -x -H \"$GPC_LDAPI_URI\" "
	    "-D \"$GPC_ROOTDN\" -y '%s/root.pw' >>'%s/fixture.log' 2>&1",
	    it_env("GPC_TESTDIR"), it_env("GPC_TESTDIR"));
	if ((p = popen(cmd, "w")) == NULL)
		return -1;
	va_start(ap, fmt);
	vfprintf(p, fmt, ap);
	va_end(ap);
	r = pclose(p);
	return r == -1 ? -1 : WEXITSTATUS(r);
}

enum gpc_suite
it_suite(void)
{
	const char *s = getenv("GPC_SUITE");

	return s != NULL && strcmp(s, "gm") == 0 ? GPC_SUITE_GM : GPC_SUITE_STANDARD;
}

int
it_install_seed(const char *uid, const unsigned char *seed, size_t len, const char *algo,
    int digits, int period)
{
	char keydir[1024], *dn = NULL, *sealed = NULL;
	struct gpc_keys *k = NULL;
	int r = -1;

	snprintf(keydir, sizeof(keydir), "%s/keys", it_env("GPC_TESTDIR"));
	if ((dn = it_ldap_attr(uid, "dn")) == NULL ||
	    gpc_keys_load(keydir, it_suite(), &k) != GPC_OK ||
	    gpc_seal(k, dn, seed, len, &sealed) != GPC_OK)
		goto out;
	r = it_ldapmodify("dn: %s\nchangetype: modify\nreplace: gpcTotpSeed\ngpcTotpSeed: %s\n-\n"
	    "replace: gpcTotpAlgorithm\ngpcTotpAlgorithm: %s\n-\nreplace: gpcTotpDigits\n"
	    "gpcTotpDigits: %d\n-\nreplace: gpcTotpPeriod\ngpcTotpPeriod: %d\n-\n"
	    "replace: gpcTotpStep\n-\nreplace: gpcTotpFailures\n-\nreplace: gpcLockedUntil\n-\n",
	    dn, sealed, algo, digits, period);
out:
	free(dn);
	free(sealed);
	gpc_keys_free(k);
	return r;
}

/* Each line of the audit log that is event `event`, in order. */
static json_t *
audit_lines(const char *event)
{
	char path[1024], *line = NULL;
	size_t cap = 0;
	json_t *all = json_array(), *o;
	FILE *f;

	snprintf(path, sizeof(path), "%s/audit.log", it_env("GPC_TESTDIR"));
	if ((f = fopen(path, "r")) == NULL)
		return all;
	while (getline(&line, &cap, f) >= 0) {
		if ((o = json_loads(line, 0, NULL)) == NULL)
			continue;
		if (strcmp(json_string_value(json_object_get(o, "event")) ?: "", event) == 0)
			json_array_append(all, o);
		json_decref(o);
	}
	free(line);
	fclose(f);
	return all;
}

int
it_audit_count(const char *event)
{
	json_t *all = audit_lines(event);
	int n = (int)json_array_size(all);

	json_decref(all);
	return n;
}

json_t *
it_audit_last(const char *event)
{
	json_t *all = audit_lines(event), *o = NULL;
	size_t n = json_array_size(all);

	if (n > 0)
		o = json_incref(json_array_get(all, n - 1));
	json_decref(all);
	return o;
}

const char *
it_audit_last_field(const char *event, const char *key)
{
	static char buf[512];
	json_t *o = it_audit_last(event);
	const char *v = o != NULL ? json_string_value(json_object_get(o, key)) : NULL;

	snprintf(buf, sizeof(buf), "%s", v != NULL ? v : "");
	json_decref(o);
	return buf;
}

const char *
it_last_reason(void)
{
	return it_audit_last_field("login", "reason");
}
