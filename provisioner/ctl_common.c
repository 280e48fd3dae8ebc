/*
 * gpcgatectl: configuration, engine, output and input helpers.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "ctl.h"
#include "dir.h"
#include "engine.h"
#include "err.h"
#include "qr.h"
#include "seal.h"
#include "sig.h"
#include "spool.h"
#include "totp.h"
#include "util.h"
#include "validate.h"

void
usage(FILE *f)
{
	fprintf(f,
	    "usage: " PROG " [-f CONF] [--json] COMMAND [ARGS]\n"
	    "\n"
	    "documents:\n"
	    "  submit FILE [--signature SIG]    put a document into the spool, atomically\n"
	    "  check FILE [--signature SIG]     every check, nothing applied (dry run)\n"
	    "  results [ID]                     list results, or show one\n"
	    "  outbox list                      notices waiting for delivery\n"
	    "  sign FILE --key KEY --cert CERT [--out SIG]\n"
	    "                                   sign a decision (CMS, or SM2 for SM2 keys)\n"
	    "accounts:\n"
	    "  account show UID                 an account, personal data masked\n"
	    "  account list [--unit CODE] [--state STATE]\n"
	    "  unit show CODE                   a unit and its accounts\n"
	    "  enroll UID [--invert]            new authenticator: QR code, confirm a code\n"
	    "  enroll UID --no-confirm --secret-file FILE\n"
	    "                                   for scripts: write the new secret to FILE\n"
	    "  passwd UID [--password-file FILE]\n"
	    "                                   set a password (the holder changes it at\n"
	    "                                   first login)\n"
	    "  unlock UID                       lift the lockout after wrong codes (and\n"
	    "                                   ppolicy's after wrong passwords; never a\n"
	    "                                   suspension)\n"
	    "audit and reports:\n"
	    "  audit verify FILE...             check the hash chain; name the first bad line\n"
	    "  report [--unit CODE] [--since DATE] [--until DATE] [--format table|json|csv]\n"
	    "         [--notify] [--directory] [--burst N/M] [--dormant-days D]\n"
	    "         [--handover-days D] AUDIT_FILE...\n"
	    "                                   use per account, shared/burst/after-handover/\n"
	    "                                   dormant/locked flags; files merged by time\n"
	    "  reveal UID --reason TEXT         the holder's ID number, for a bureau officer\n"
	    "                                   (audited with the reason)\n"
	    "keys:\n"
	    "  keys generate                    add a new seal and index key version\n"
	    "  keys rotate [--dry-run] [--limit N]\n"
	    "                                   re-seal every sealed value under the newest\n"
	    "                                   version; resumable, safe to run again\n"
	    "\n"
	    "-f CONF and --json come before the command.\n"
	    "exit codes: 0 ok, 1 refused, 2 usage, 3 directory unavailable,\n"
	    "            4 configuration/keys, 5 other failure\n");
}

int
ctl_usage(const char *fmt, ...)
{
	va_list ap;

	fputs(PROG ": ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("; see " PROG " --help\n", stderr);
	return EXIT_USAGE;
}

void
ctl_log(void *ctx, int prio, const char *msg)
{
	struct ctl *c = ctx;

	if (prio <= LOG_ERR)
		c->errors_logged++;
	cli_log_stderr((void *)PROG, prio, msg);
}

const char *
ctl_file_error(const char *path, int r, int saved_errno, char *buf, size_t len)
{
	struct stat st;
	int fd;

	if (r == GPC_ERR_INVAL)
		return "too large";
	if (r != GPC_ERR_IO)
		return gpc_strerror(r);
	if (saved_errno != 0)
		return strerror(saved_errno);
	/* the library kept no errno: ask the file itself */
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		snprintf(buf, len, "%s", strerror(errno));
	else {
		if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode))
			snprintf(buf, len, "%s", strerror(EISDIR));
		else
			snprintf(buf, len, "%s", gpc_strerror(r));
		close(fd);
	}
	return buf;
}

int
need_config(struct ctl *c)
{
	int r;

	if (c->cfg != NULL)
		return GPC_OK;
	r = cli_load_config(PROG, c->conf, &c->cfg);
	/* a missing or unreadable configuration is a configuration problem (exit 4) */
	return r == GPC_ERR_IO ? GPC_ERR_CONFIG : r;
}

int
need_engine(struct ctl *c)
{
	struct gpc_keys *k = NULL;
	char why[256];
	int r, before;

	if ((r = need_config(c)) != GPC_OK)
		return r;
	if (c->engine != NULL)
		return GPC_OK;
	/*
	 * The keys first, on their own: the engine would only name the error
	 * code ("input/output error"), this names the file and the reason.
	 */
	if ((r = gpc_keys_load_why(c->cfg->key_dir, c->cfg->suite, &k, why, sizeof(why))) !=
	    GPC_OK) {
		fprintf(stderr, PROG ": keys in %s: %s\n", c->cfg->key_dir,
		    why[0] != '\0' ? why : gpc_strerror(r));
		/* a key directory that cannot be read is a keys problem (exit 4) */
		return r == GPC_ERR_IO ? GPC_ERR_KEY : r;
	}
	gpc_keys_free(k);
	before = c->errors_logged;
	/* what the engine logged says it better: the code only when it said nothing */
	if ((r = gpc_engine_new(c->cfg, &c->lg, &c->engine)) != GPC_OK &&
	    c->errors_logged == before)
		fprintf(stderr, PROG ": %s\n", gpc_strerror(r));
	return r;
}

void
print_json(json_t *j)
{
	char *s = json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS);

	if (s != NULL)
		printf("%s\n", s);
	free(s);
}

/* One result, for people. */
void
print_result(json_t *res)
{
	json_t *reasons = json_object_get(res, "reasons"), *effects = json_object_get(res, "effects");
	const char *what = json_string_value(json_object_get(res, "action"));
	size_t i;
	json_t *v;

	if (what == NULL)
		what = json_string_value(json_object_get(res, "kind"));
	printf("%s", json_string_value(json_object_get(res, "id")) != NULL ?
	    json_string_value(json_object_get(res, "id")) :
	    json_string_value(json_object_get(res, "file")));
	if (what != NULL)
		printf(" (%s)", what);
	printf(": %s\n", json_string_value(json_object_get(res, "outcome")));
	json_array_foreach(reasons, i, v) {
		const char *field = json_string_value(json_object_get(v, "field"));

		printf("  reason %s%s%s: %s\n", json_string_value(json_object_get(v, "code")),
		    field != NULL && *field ? " at " : "", field != NULL ? field : "",
		    json_string_value(json_object_get(v, "message")));
	}
	json_array_foreach(effects, i, v)
		printf("  %s\n", json_string_value(v));
	if (json_object_get(res, "signer") != NULL)
		printf("  signed by %s\n", json_string_value(json_object_get(res, "signer")));
}

/* Read one line from the terminal (or stdin) without echo if asked. */
char *
read_line(const char *prompt, int noecho)
{
	struct termios old, raw;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int tty = isatty(STDIN_FILENO), restored = 1;

	if (prompt != NULL && tty) {
		fputs(prompt, stderr);
		fflush(stderr);
	}
	if (noecho && tty && tcgetattr(STDIN_FILENO, &old) == 0) {
		raw = old;
		raw.c_lflag &= ~(tcflag_t)ECHO;
		restored = tcsetattr(STDIN_FILENO, TCSAFLUSH, &raw) != 0;
	}
	n = getline(&line, &cap, stdin);
	if (!restored) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
		fputc('\n', stderr);
	}
	if (n < 0) {
		if (line != NULL)
			gpc_freezero(line, cap);
		return NULL;
	}
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	return line;
}


static void
syslog_sink(void *ctx, int prio, const char *msg)
{
	(void)ctx;
	syslog(LOG_AUTHPRIV | prio, "%s", msg);
}

static const struct gpc_log audit_syslog = { syslog_sink, NULL, LOG_INFO };

/*
 * Who ran the command: the sudo caller when there is one, else the real uid's
 * name.  SUDO_USER is believed from root and from the owner of the key
 * directory (`sudo -u gpcgate gpcgatectl` where the daemon's user holds the
 * keys): either could write any audit line anyway.  Anyone else could set it.
 */
static void
operator_name(const char *key_dir, char *out, size_t len)
{
	const char *sudo = getenv("SUDO_USER");
	struct passwd pw, *res = NULL;
	struct stat st;
	char buf[1024];

	if (sudo != NULL && *sudo != '\0' && (getuid() == 0 ||
	    (key_dir != NULL && stat(key_dir, &st) == 0 && st.st_uid == getuid())))
		snprintf(out, len, "%.64s", sudo);
	else if (getpwuid_r(getuid(), &pw, buf, sizeof(buf), &res) == 0 && res != NULL)
		snprintf(out, len, "%.64s", pw.pw_name);
	else
		snprintf(out, len, "uid %u", (unsigned)getuid());
}

int
ctl_audit(struct ctl *c, const char *command, const char *outcome, json_t *fields)
{
	char op[80];
	int r;

	if (fields == NULL && (fields = json_object()) == NULL)
		return GPC_ERR_NOMEM;
	if ((r = need_config(c)) != GPC_OK)
		goto out;
	if (c->audit == NULL) {
		if (c->cfg->audit_syslog)
			openlog(PROG, LOG_PID, LOG_AUTHPRIV);
		errno = 0;
		if ((r = gpc_audit_open(c->cfg->audit_file, PROG,
		    c->cfg->audit_syslog ? &audit_syslog : NULL, &c->audit)) != GPC_OK) {
			fprintf(stderr, PROG ": warning: audit file %s: %s\n", c->cfg->audit_file,
			    r == GPC_ERR_IO && errno != 0 ? strerror(errno) : gpc_strerror(r));
			goto out;
		}
	}
	operator_name(c->cfg->key_dir, op, sizeof(op));
	json_object_set_new(fields, "command", json_string(command));
	json_object_set_new(fields, "outcome", json_string(outcome));
	json_object_set_new(fields, "operator", json_string(op));
	errno = 0;
	if ((r = gpc_audit_event(c->audit, "admin", fields)) != GPC_OK)
		fprintf(stderr, PROG ": warning: no audit line written to %s: %s\n",
		    c->cfg->audit_file, r == GPC_ERR_IO && errno != 0 ? strerror(errno) :
		    gpc_strerror(r));
out:
	json_decref(fields);
	return r;
}

/*
 * Human output carries what applicants wrote (unit names, addresses, a
 * bureau's reasons): a control character or a bidirectional override in it
 * would move the cursor, retitle the window or reorder what the
 * administrator reads.  This stream writes everything but those, as '?'.
 */
struct clean {
	FILE *out;
	unsigned char held[3]; /* the start of a UTF-8 sequence cut by a write */
	size_t nheld;
};

/* Length of the sequence at p that must not reach a terminal, or 0. */
static size_t
unsafe_at(const unsigned char *p, size_t n)
{
	if (p[0] < 0x20 && p[0] != '\n' && p[0] != '\t')
		return 1;
	if (p[0] == 0x7f)
		return 1;
	if (n >= 2 && p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)
		return 2; /* C1 controls, CSI among them */
	if (n >= 3 && p[0] == 0xe2 && p[1] == 0x80 &&
	    (p[2] == 0x8e || p[2] == 0x8f || (p[2] >= 0xaa && p[2] <= 0xae)))
		return 3; /* LRM, RLM, LRE..RLO */
	if (n >= 3 && p[0] == 0xe2 && p[1] == 0x81 && p[2] >= 0xa6 && p[2] <= 0xa9)
		return 3; /* LRI..PDI */
	return 0;
}

/* Passes on the bytes of one chunk, holding a UTF-8 start cut at its end. */
static void
clean_chunk(struct clean *cl, const char *buf, size_t size)
{
	unsigned char tmp[4096 + 3];
	size_t n, i, k, u;

	memcpy(tmp, cl->held, cl->nheld);
	n = cl->nheld;
	cl->nheld = 0;
	memcpy(tmp + n, buf, size);
	n += size;
	/* keep an unfinished 0xc2 / 0xe2 sequence for the next chunk */
	for (k = 1; k <= 2 && k <= n; k++)
		if ((tmp[n - k] == 0xc2 && k == 1) || (tmp[n - k] == 0xe2 && k <= 2)) {
			memcpy(cl->held, tmp + n - k, k);
			cl->nheld = k;
			n -= k;
			break;
		}
	for (i = 0; i < n; i += u ? u : 1) {
		if ((u = unsafe_at(tmp + i, n - i)) != 0)
			fputc('?', cl->out);
		else
			fputc(tmp[i], cl->out);
	}
}

/*
 * glibc reads a short count from a cookie's write as an error and drops the
 * rest, so every byte handed over is taken, in chunks.
 */
static ssize_t
clean_write(void *cookie, const char *buf, size_t size)
{
	size_t done = 0, part;

	while (done < size) {
		part = size - done < 4096 ? size - done : 4096;
		clean_chunk(cookie, buf + done, part);
		done += part;
	}
	return (ssize_t)size;
}

static int
clean_close(void *cookie)
{
	struct clean *cl = cookie;

	fwrite(cl->held, 1, cl->nheld, cl->out);
	fflush(cl->out);
	free(cl);
	return 0;
}

void
ctl_clean_stdout(void)
{
	cookie_io_functions_t io = { NULL, clean_write, NULL, clean_close };
	struct clean *cl = calloc(1, sizeof(*cl));
	FILE *f;
	int fd;

	if (cl == NULL || (fd = dup(STDOUT_FILENO)) < 0 ||
	    (cl->out = fdopen(fd, "w")) == NULL) {
		free(cl);
		return;
	}
	if ((f = fopencookie(cl, "w", io)) == NULL) {
		fclose(cl->out);
		free(cl);
		return;
	}
	fflush(stdout);
	stdout = f;
}
