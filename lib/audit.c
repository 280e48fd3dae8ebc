/*
 * The audit log: hash-chained JSON lines, appended under an exclusive lock.
 */
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
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

#define MAX_LINE (64 * 1024)

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

/* The last line of the file (without '\n') into buf; "" if empty. */
static int
last_line(int fd, char *buf, size_t len, size_t *outlen)
{
	struct stat st;
	off_t end, pos;
	size_t n = 0;
	char c;

	*outlen = 0;
	if (fstat(fd, &st) != 0)
		return GPC_ERR_IO;
	end = st.st_size;
	if (end == 0)
		return GPC_OK;
	/* skip the final newline, then walk back to the previous one */
	pos = end - 1;
	if (pread(fd, &c, 1, pos) != 1)
		return GPC_ERR_IO;
	if (c == '\n')
		end--;
	pos = end;
	while (pos > 0 && (size_t)(end - pos) < len) {
		if (pread(fd, &c, 1, pos - 1) != 1)
			return GPC_ERR_IO;
		if (c == '\n')
			break;
		pos--;
	}
	n = (size_t)(end - pos);
	if (n >= len)
		return GPC_ERR_FORMAT;
	if (n > 0 && pread(fd, buf, n, pos) != (ssize_t)n)
		return GPC_ERR_IO;
	buf[n] = '\0';
	*outlen = n;
	return GPC_OK;
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

/* Append obj with "prev" chained to the file's last line; the lock is held. */
static int
append_chained(int fd, json_t *obj, const char *prev_line, size_t prev_len)
{
	char prev[65], *text = NULL, *line = NULL;
	int r;

	if ((r = sha256_hex(prev_line, prev_len, prev)) != GPC_OK)
		return r;
	json_object_set_new(obj, "prev", json_string(prev));
	if ((text = json_dumps(obj, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII)) == NULL)
		return GPC_ERR_NOMEM;
	if (gpc_asprintf(&line, "%s\n", text) < 0) {
		free(text);
		return GPC_ERR_NOMEM;
	}
	/* One write per line: with the lock, nothing interleaves. */
	r = write_all(fd, line, strlen(line));
	free(text);
	free(line);
	return r;
}

static int
append(struct gpc_audit *a, json_t *obj)
{
	char *last = NULL;
	size_t len = 0;
	int fd, r;

	if ((fd = open(a->path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0640)) < 0)
		return GPC_ERR_IO;
	if (flock(fd, LOCK_EX) != 0) {
		close(fd);
		return GPC_ERR_IO;
	}
	if ((last = malloc(MAX_LINE + 1)) == NULL) {
		r = GPC_ERR_NOMEM;
		goto out;
	}
	if ((r = last_line(fd, last, MAX_LINE + 1, &len)) != GPC_OK)
		goto out;
	if (len == 0) {
		/* A new chain: its first line records the seed it hangs from. */
		unsigned char seed[32];
		char hex[65];
		json_t *start = base_line(a, "audit_start");

		if (RAND_bytes(seed, sizeof(seed)) != 1) {
			json_decref(start);
			r = GPC_ERR_CRYPTO;
			goto out;
		}
		gpc_hex(seed, sizeof(seed), hex);
		json_object_set_new(start, "seed", json_string(hex));
		r = append_chained(fd, start, hex, 64);
		json_decref(start);
		if (r != GPC_OK || (r = last_line(fd, last, MAX_LINE + 1, &len)) != GPC_OK)
			goto out;
	}
	r = append_chained(fd, obj, last, len);
out:
	free(last);
	flock(fd, LOCK_UN);
	close(fd);
	return r;
}

int
gpc_audit_event(struct gpc_audit *a, const char *event, json_t *fields)
{
	json_t *obj;
	const char *key, *outcome;
	json_t *v;
	int r = GPC_OK;

	if (a == NULL || event == NULL)
		return GPC_ERR_INVAL;
	if ((obj = base_line(a, event)) == NULL)
		return GPC_ERR_NOMEM;
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

int
gpc_audit_verify(const char *path, size_t *lines, size_t *bad, char *why, size_t whylen)
{
	char *line = NULL, prev_hash[65] = "", want[65];
	size_t cap = 0, n = 0;
	ssize_t len;
	FILE *f;
	int r = GPC_OK;

	if (lines != NULL)
		*lines = 0;
	if (bad != NULL)
		*bad = 0;
	if (why != NULL && whylen > 0)
		why[0] = '\0';
	if ((f = fopen(path, "re")) == NULL)
		return GPC_ERR_IO;
	while ((len = getline(&line, &cap, f)) >= 0) {
		json_t *obj;
		const char *prev, *seed;

		n++;
		if (len == 0 || line[len - 1] != '\n') {
			snprintf(why, whylen, "line %zu: not terminated (cut short?)", n);
			r = GPC_ERR_FORMAT;
			break;
		}
		line[--len] = '\0';
		if ((obj = json_loadb(line, (size_t)len, 0, NULL)) == NULL) {
			snprintf(why, whylen, "line %zu: not JSON", n);
			r = GPC_ERR_FORMAT;
			break;
		}
		prev = json_string_value(json_object_get(obj, "prev"));
		seed = json_string_value(json_object_get(obj, "seed"));
		if (n == 1) {
			if (seed == NULL || strlen(seed) != 64) {
				snprintf(why, whylen, "line 1: no seed (the head of the file is "
				    "missing)");
				r = GPC_ERR_FORMAT;
			} else
				sha256_hex(seed, 64, want);
		} else
			memcpy(want, prev_hash, sizeof(want));
		if (r == GPC_OK && (prev == NULL || strcmp(prev, want) != 0)) {
			if (n == 1)
				snprintf(why, whylen, "line 1: prev does not match its seed");
			else
				snprintf(why, whylen, "line %zu: prev does not match line %zu (line "
				    "%zu changed, or lines between removed)", n, n - 1, n - 1);
			r = GPC_ERR_FORMAT;
		}
		json_decref(obj);
		if (r != GPC_OK)
			break;
		sha256_hex(line, (size_t)len, prev_hash);
	}
	free(line);
	fclose(f);
	if (lines != NULL)
		*lines = n;
	if (r != GPC_OK && bad != NULL)
		*bad = n;
	return r;
}
