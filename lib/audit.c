/*
 * The audit log: hash-chained JSON lines, appended under an exclusive lock.
 */
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "err.h"
#include "util.h"

struct gpc_audit {
	char *path;
	char *program;
	const struct gpc_log *copy;
	char host[256];
};

static int
sha256_hex(const void *buf, size_t len, char out[65])
{
	unsigned char md[32];
	unsigned int n = 0;

	if (EVP_Digest(buf, len, md, &n, EVP_sha256(), NULL) != 1 || n != 32)
		return GPC_ERR_CRYPTO;
	gpc_hex(md, 32, out);
	return GPC_OK;
}

int
gpc_audit_open(const char *path, const char *program, const struct gpc_log *copy,
    struct gpc_audit **out)
{
	struct gpc_audit *a;
	int fd;

	*out = NULL;
	if ((a = calloc(1, sizeof(*a))) == NULL)
		return GPC_ERR_NOMEM;
	if ((program != NULL && (a->program = strdup(program)) == NULL) ||
	    (path != NULL && (a->path = strdup(path)) == NULL)) {
		gpc_audit_close(a);
		return GPC_ERR_NOMEM;
	}
	a->copy = copy;
	if (gethostname(a->host, sizeof(a->host) - 1) != 0)
		snprintf(a->host, sizeof(a->host), "unknown");
	if (path != NULL) {
		/* Fail early if the file cannot be opened, not at the first event. */
		if ((fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
		    0640)) < 0) {
			gpc_audit_close(a);
			return GPC_ERR_IO;
		}
		close(fd);
	}
	*out = a;
	return GPC_OK;
}

void
gpc_audit_close(struct gpc_audit *a)
{
	if (a == NULL)
		return;
	free(a->path);
	free(a->program);
	free(a);
}

/*
 * The SHA-256 (hex) of the file's last line, without its '\n'.  *empty: the
 * file has no byte; *terminated: its last byte is '\n' (a writer that died
 * mid-line leaves a line without one).  The line is found by reading back
 * in blocks and hashed as it is read forward, so no line is too long.
 */
static int
last_line_hash(int fd, char hex[65], int *empty, int *terminated)
{
	unsigned char block[4096], md[32];
	unsigned int mdlen = 0;
	struct stat st;
	off_t end, pos;
	EVP_MD_CTX *ctx = NULL;
	int r = GPC_ERR_IO;

	*empty = 1;
	*terminated = 1;
	hex[0] = '\0';
	if (fstat(fd, &st) != 0)
		return GPC_ERR_IO;
	if ((end = st.st_size) == 0)
		return GPC_OK;
	*empty = 0;
	if (pread(fd, block, 1, end - 1) != 1)
		return GPC_ERR_IO;
	if (block[0] == '\n')
		end--;
	else
		*terminated = 0;
	/* back to the byte after the previous newline, or the start */
	pos = end;
	while (pos > 0) {
		size_t want = (size_t)(pos < (off_t)sizeof(block) ? pos : (off_t)sizeof(block));
		unsigned char *nl;

		if (pread(fd, block, want, pos - (off_t)want) != (ssize_t)want)
			return GPC_ERR_IO;
		if ((nl = memrchr(block, '\n', want)) != NULL) {
			pos = pos - (off_t)want + (nl - block) + 1;
			break;
		}
		pos -= (off_t)want;
	}
	if ((ctx = EVP_MD_CTX_new()) == NULL || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) {
		r = GPC_ERR_CRYPTO;
		goto out;
	}
	while (pos < end) {
		size_t want = (size_t)(end - pos < (off_t)sizeof(block) ? end - pos :
		    (off_t)sizeof(block));

		if (pread(fd, block, want, pos) != (ssize_t)want)
			goto out;
		if (EVP_DigestUpdate(ctx, block, want) != 1) {
			r = GPC_ERR_CRYPTO;
			goto out;
		}
		pos += (off_t)want;
	}
	if (EVP_DigestFinal_ex(ctx, md, &mdlen) != 1 || mdlen != 32) {
		r = GPC_ERR_CRYPTO;
		goto out;
	}
	gpc_hex(md, 32, hex);
	r = GPC_OK;
out:
	EVP_MD_CTX_free(ctx);
	return r;
}

static json_t *
base_line(const struct gpc_audit *a, const char *event)
{
	struct timeval tv;
	struct tm tm;
	char ts[40], date[24];

	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(ts, sizeof(ts), "%.19s.%03dZ", date, (int)(tv.tv_usec / 1000 % 1000));
	return json_pack("{s:s, s:s, s:s, s:s, s:I}", "ts", ts, "event", event, "host", a->host,
	    "prog", a->program != NULL ? a->program : "gpcgate", "pid", (json_int_t)getpid());
}

static int
write_all(int fd, const char *s, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, s, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return GPC_ERR_IO;
		s += n;
		len -= (size_t)n;
	}
	return GPC_OK;
}

/*
 * Append obj with "prev" set to prev (hex); the lock is held.  *hash, if not
 * NULL, gets the hash of the line written (the next line's prev).
 */
static int
append_chained(int fd, json_t *obj, const char *prev, char hash[65])
{
	char *text = NULL;
	size_t len;
	int r;

	json_object_set_new(obj, "prev", json_string(prev));
	if ((text = json_dumps(obj, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII)) == NULL)
		return GPC_ERR_NOMEM;
	len = strlen(text);
	if (hash != NULL && (r = sha256_hex(text, len, hash)) != GPC_OK)
		goto out;
	/* One write per line: with the lock, nothing interleaves. */
	text[len] = '\n'; /* json_dumps' NUL becomes the newline */
	r = write_all(fd, text, len + 1);
out:
	free(text);
	return r;
}

/*
 * The lock, waited for at most LOCK_WAIT_MS: anyone who can open the file
 * (a log reader) can hold a lock on it, and a login must not wait for them.
 * Past the bound the line is not written (the caller's sink still gets it)
 * and GPC_ERR_TIMEOUT says why.
 */
#define LOCK_WAIT_MS 2000

static int
lock_bounded(int fd)
{
	struct timespec pause = { 0, 10 * 1000 * 1000 };
	int waited = 0;

	while (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		if ((errno != EWOULDBLOCK && errno != EINTR) || waited >= LOCK_WAIT_MS)
			return -1;
		nanosleep(&pause, NULL);
		waited += 10;
	}
	return 0;
}

/* How far back an idempotent event looks for itself. */
#define ONCE_WINDOW (1024 * 1024)

/* Whether the file's last ONCE_WINDOW bytes hold the line marked `once`. */
static int
seen_recently(int fd, const char *once, int *seen)
{
	char needle[160], *buf = NULL;
	struct stat st;
	off_t from;
	size_t len;

	*seen = 0;
	snprintf(needle, sizeof(needle), "\"once\":\"%s\"", once);
	if (fstat(fd, &st) != 0)
		return GPC_ERR_IO;
	from = st.st_size > ONCE_WINDOW ? st.st_size - ONCE_WINDOW : 0;
	len = (size_t)(st.st_size - from);
	if (len == 0)
		return GPC_OK;
	if ((buf = malloc(len)) == NULL)
		return GPC_ERR_NOMEM;
	if (pread(fd, buf, len, from) != (ssize_t)len) {
		free(buf);
		return GPC_ERR_IO;
	}
	*seen = memmem(buf, len, needle, strlen(needle)) != NULL;
	free(buf);
	return GPC_OK;
}

static int
append(struct gpc_audit *a, json_t *obj)
{
	const char *once = json_string_value(json_object_get(obj, "once"));
	char prev[65];
	int fd, r, empty, terminated, seen = 0;

	if ((fd = open(a->path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0640)) < 0)
		return GPC_ERR_IO;
	if (lock_bounded(fd) != 0) {
		r = errno == EWOULDBLOCK ? GPC_ERR_TIMEOUT : GPC_ERR_IO;
		close(fd);
		return r;
	}
	/* An event written before a crash is not written again when the work is redone. */
	if (once != NULL && ((r = seen_recently(fd, once, &seen)) != GPC_OK || seen))
		goto out;
	if ((r = last_line_hash(fd, prev, &empty, &terminated)) != GPC_OK)
		goto out;
	/*
	 * A writer that died mid-line left a fragment: end it, so it stays a
	 * line of its own (verify reports it) instead of swallowing this one.
	 */
	if (!terminated && (r = write_all(fd, "\n", 1)) != GPC_OK)
		goto out;
	if (empty) {
		/* A new chain: its first line records the seed it hangs from. */
		unsigned char seed[32];
		char hex[65];
		json_t *start = base_line(a, "audit_start");

		if (start == NULL) {
			r = GPC_ERR_NOMEM;
			goto out;
		}
		if (RAND_bytes(seed, sizeof(seed)) != 1) {
			json_decref(start);
			r = GPC_ERR_CRYPTO;
			goto out;
		}
		gpc_hex(seed, sizeof(seed), hex);
		json_object_set_new(start, "seed", json_string(hex));
		if ((r = sha256_hex(hex, 64, prev)) == GPC_OK)
			r = append_chained(fd, start, prev, prev);
		json_decref(start);
		if (r != GPC_OK)
			goto out;
	}
	r = append_chained(fd, obj, prev, NULL);
out:
	flock(fd, LOCK_UN);
	close(fd);
	return r;
}

int
gpc_audit_event(struct gpc_audit *a, const char *event, json_t *fields)
{
	return gpc_audit_event_once(a, NULL, event, fields);
}

int
gpc_audit_event_once(struct gpc_audit *a, const char *once, const char *event, json_t *fields)
{
	json_t *obj;
	const char *key, *outcome;
	json_t *v;
	size_t i;
	int r = GPC_OK;

	if (a == NULL || event == NULL)
		return GPC_ERR_INVAL;
	for (i = 0; once != NULL && once[i] != '\0'; i++)
		if (i >= 128 || once[i] == '"' || once[i] == '\\' || (unsigned char)once[i] < 0x20 ||
		    (unsigned char)once[i] >= 0x7f)
			return GPC_ERR_INVAL;
	if ((obj = base_line(a, event)) == NULL)
		return GPC_ERR_NOMEM;
	if (once != NULL)
		json_object_set_new(obj, "once", json_string(once));
	if (fields != NULL)
		json_object_foreach(fields, key, v)
			if (json_object_get(obj, key) == NULL)
				json_object_set(obj, key, v);
	if (a->copy != NULL) {
		char *text = json_dumps(obj, JSON_COMPACT | JSON_SORT_KEYS);

		outcome = json_string_value(json_object_get(obj, "outcome"));
		if (text != NULL)
			gpc_log_msg(a->copy, outcome != NULL && strcmp(outcome, "success") != 0 &&
			    strcmp(outcome, "applied") != 0 ? LOG_NOTICE : LOG_INFO, "audit %s",
			    text);
		free(text);
	}
	if (a->path != NULL)
		r = append(a, obj);
	json_decref(obj);
	return r;
}

void
gpc_audit_chain_init(struct gpc_audit_chain *ch)
{
	memset(ch, 0, sizeof(*ch));
}

/* Record the first break. */
static int
broken(struct gpc_audit_chain *ch, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int
broken(struct gpc_audit_chain *ch, const char *fmt, ...)
{
	va_list ap;

	if (ch->bad == 0) {
		ch->bad = ch->lines;
		va_start(ap, fmt);
		vsnprintf(ch->why, sizeof(ch->why), fmt, ap);
		va_end(ap);
	}
	return GPC_ERR_FORMAT;
}

int
gpc_audit_chain_line(struct gpc_audit_chain *ch, const char *line, size_t len,
    int terminated, json_t **obj)
{
	json_t *o;
	const char *prev, *seed;
	char want[65];
	size_t n;
	int r = GPC_OK;

	if (obj != NULL)
		*obj = NULL;
	n = ++ch->lines;
	o = json_loadb(line, len, 0, NULL);
	if (o != NULL && !json_is_object(o)) {
		json_decref(o);
		o = NULL;
	}
	if (ch->bad != 0) {
		r = GPC_ERR_FORMAT;
		goto hash;
	}
	if (!terminated) {
		r = broken(ch, "line %zu: not terminated (the file was cut short)", n);
		goto hash;
	}
	if (o == NULL) {
		r = broken(ch, "line %zu: not a JSON object (the line was changed)", n);
		goto hash;
	}
	prev = json_string_value(json_object_get(o, "prev"));
	if (n == 1) {
		seed = json_string_value(json_object_get(o, "seed"));
		if (seed == NULL || strlen(seed) != 64) {
			r = broken(ch, "line 1: no seed: the file does not start a chain (its "
			    "head was cut)");
			goto hash;
		}
		if ((r = sha256_hex(seed, 64, want)) != GPC_OK)
			goto hash;
		if (prev == NULL || strcmp(prev, want) != 0)
			r = broken(ch, "line 1: prev does not match its seed");
	} else if (prev == NULL || strcmp(prev, ch->prev) != 0)
		r = broken(ch, "line %zu: prev does not match the hash of line %zu: line %zu "
		    "was changed, or lines were removed between %zu and %zu", n, n - 1, n - 1,
		    n - 1, n);
hash:
	if (sha256_hex(line, len, ch->prev) != GPC_OK && r == GPC_OK)
		r = GPC_ERR_CRYPTO;
	if (obj != NULL)
		*obj = o;
	else
		json_decref(o);
	return r;
}

int
gpc_audit_verify_anchor(const char *path, size_t *lines, size_t *bad, char *why,
    size_t whylen, char last[65])
{
	struct gpc_audit_chain ch;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	FILE *f;
	int r = GPC_OK, term;

	if (lines != NULL)
		*lines = 0;
	if (bad != NULL)
		*bad = 0;
	if (why != NULL && whylen > 0)
		why[0] = '\0';
	if (last != NULL)
		last[0] = '\0';
	if ((f = fopen(path, "re")) == NULL)
		return GPC_ERR_IO;
	gpc_audit_chain_init(&ch);
	while ((len = getline(&line, &cap, f)) >= 0) {
		term = len > 0 && line[len - 1] == '\n';
		if (term)
			line[--len] = '\0';
		if ((r = gpc_audit_chain_line(&ch, line, (size_t)len, term, NULL)) != GPC_OK)
			break;
	}
	if (r == GPC_OK && ferror(f))
		r = GPC_ERR_IO;
	free(line);
	fclose(f);
	if (lines != NULL)
		*lines = ch.lines;
	if (r == GPC_ERR_FORMAT) {
		if (bad != NULL)
			*bad = ch.bad;
		if (why != NULL && whylen > 0)
			snprintf(why, whylen, "%s", ch.why);
	}
	if (r == GPC_OK && last != NULL && ch.lines > 0)
		memcpy(last, ch.prev, 65);
	return r;
}

int
gpc_audit_verify(const char *path, size_t *lines, size_t *bad, char *why, size_t whylen)
{
	return gpc_audit_verify_anchor(path, lines, bad, why, whylen, NULL);
}
