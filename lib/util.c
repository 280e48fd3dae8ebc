#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "util.h"

void
gpc_strv_free(char **v)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; v[i] != NULL; i++)
		free(v[i]);
	free(v);
}

int
gpc_asprintf(char **out, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(out, fmt, ap);
	va_end(ap);
	if (n < 0)
		*out = NULL;
	return n;
}

void
gpc_freezero(void *p, size_t len)
{
	if (p == NULL)
		return;
	explicit_bzero(p, len);
	free(p);
}

void
gpc_freezero_str(char *s)
{
	if (s != NULL)
		gpc_freezero(s, strlen(s));
}

static int
read_fd(int fd, size_t max, unsigned char **buf, size_t *len)
{
	unsigned char *b;
	size_t used = 0;
	ssize_t n;

	if ((b = malloc(max + 1)) == NULL)
		return GPC_ERR_NOMEM;
	for (;;) {
		n = read(fd, b + used, max + 1 - used);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int saved = errno;

			gpc_freezero(b, max + 1);
			errno = saved; /* the caller may say why */
			return GPC_ERR_IO;
		}
		if (n == 0)
			break;
		used += (size_t)n;
		if (used > max) {
			gpc_freezero(b, max + 1);
			return GPC_ERR_INVAL;
		}
	}
	b[used] = '\0';
	*buf = b;
	*len = used;
	return GPC_OK;
}

/* why, if there is room for it, gets a reason formatted like printf. */
static void
say(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	if (why == NULL || whylen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
}

int
gpc_read_secret_file_why(const char *path, size_t max, int strip_nl, unsigned char **buf,
    size_t *len, char *why, size_t whylen)
{
	struct stat st;
	int fd, r;

	*buf = NULL;
	*len = 0;
	say(why, whylen, "%s", "");
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		int e = errno;

		/* O_NOFOLLOW answers ELOOP for a link, whose strerror would mislead */
		if (e == ELOOP && lstat(path, &st) == 0 && S_ISLNK(st.st_mode))
			say(why, whylen, "a symbolic link: secret files are not followed");
		else
			say(why, whylen, "%s", strerror(e));
		return GPC_ERR_IO;
	}
	if (fstat(fd, &st) != 0) {
		say(why, whylen, "%s", strerror(errno));
		close(fd);
		return GPC_ERR_IO;
	}
	/* A secret others can read is no longer a secret; one others can write is not ours. */
	if (!S_ISREG(st.st_mode)) {
		say(why, whylen, "not a regular file");
		r = GPC_ERR_PERM;
	} else if (st.st_uid != 0 && st.st_uid != geteuid()) {
		say(why, whylen, "owned by uid %u, must be owned by root or you (uid %u)",
		    (unsigned)st.st_uid, (unsigned)geteuid());
		r = GPC_ERR_PERM;
	} else if ((st.st_mode & 077) != 0) {
		say(why, whylen, "mode %04o, must not be readable or writable by group or "
		    "others (chmod 600)", (unsigned)(st.st_mode & 07777));
		r = GPC_ERR_PERM;
	} else
		r = read_fd(fd, max, buf, len);
	if (r == GPC_ERR_IO)
		say(why, whylen, "%s", strerror(errno));
	else if (r == GPC_ERR_INVAL)
		say(why, whylen, "longer than %zu bytes", max);
	close(fd);
	if (r == GPC_OK && strip_nl) {
		while (*len > 0 && ((*buf)[*len - 1] == '\n' || (*buf)[*len - 1] == '\r'))
			(*buf)[--*len] = '\0';
	}
	return r;
}

int
gpc_read_secret_file(const char *path, size_t max, int strip_nl, unsigned char **buf,
    size_t *len)
{
	return gpc_read_secret_file_why(path, max, strip_nl, buf, len, NULL, 0);
}

/*
 * Whether st may be read as a file someone else put in place: a regular
 * file, and with one_name not also another file's (a hard link).
 */
static int
plain_file(const struct stat *st, int one_name)
{
	return S_ISREG(st->st_mode) && (!one_name || st->st_nlink == 1);
}

/*
 * Read the open fd (at most max bytes) and close it, errno kept; with
 * regular_only, only if it is a regular file (GPC_ERR_PERM otherwise),
 * and with one_name one of a single name (plain_file).
 */
static int
read_opened(int fd, int regular_only, int one_name, size_t max, char **buf, size_t *len)
{
	unsigned char *b = NULL;
	struct stat st;
	int r, saved;

	if (regular_only && fstat(fd, &st) != 0)
		r = GPC_ERR_IO;
	else if (regular_only && !plain_file(&st, one_name))
		r = GPC_ERR_PERM;
	else
		r = read_fd(fd, max, &b, len);
	saved = errno;
	close(fd);
	errno = saved;
	*buf = (char *)b;
	return r;
}

int
gpc_read_file(const char *path, size_t max, char **buf, size_t *len)
{
	int fd;

	*buf = NULL;
	*len = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return GPC_ERR_IO;
	return read_opened(fd, 0, 0, max, buf, len);
}

int
gpc_read_regular_file(const char *path, size_t max, int nofollow, char **buf, size_t *len)
{
	struct stat st;
	int fd;

	*buf = NULL;
	*len = 0;
	/* Look before opening: opening a FIFO or a device can block or act. */
	if ((nofollow ? lstat(path, &st) : stat(path, &st)) != 0)
		return GPC_ERR_IO;
	if (!plain_file(&st, nofollow))
		return GPC_ERR_PERM;
	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | (nofollow ? O_NOFOLLOW : 0))) < 0)
		/* replaced by a link since the lstat: O_NOFOLLOW says ELOOP */
		return errno == ELOOP ? GPC_ERR_PERM : GPC_ERR_IO;
	/* and checked again: it may have been replaced in between */
	return read_opened(fd, 1, nofollow, max, buf, len);
}

int
gpc_check_trusted_stat(const struct stat *st, char *why, size_t whylen)
{
	if (!S_ISREG(st->st_mode)) {
		say(why, whylen, "not a regular file");
		return GPC_ERR_PERM;
	}
	if (st->st_uid != 0 && st->st_uid != geteuid()) {
		say(why, whylen, "owned by uid %u, must be owned by root or you (uid %u)",
		    (unsigned)st->st_uid, (unsigned)geteuid());
		return GPC_ERR_PERM;
	}
	if ((st->st_mode & (S_IWGRP | S_IWOTH)) != 0) {
		say(why, whylen, "mode %04o, must not be writable by group or others",
		    (unsigned)(st->st_mode & 07777));
		return GPC_ERR_PERM;
	}
	return GPC_OK;
}

/* Open a file to check or read it as trusted; -1 with why and errno on failure. */
static int
open_trusted(const char *path, char *why, size_t whylen, int *r)
{
	struct stat st;
	int fd, saved;

	say(why, whylen, "%s", "");
	/* O_NONBLOCK: a FIFO put in its place must not hang the check */
	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) < 0) {
		saved = errno;
		say(why, whylen, "%s", strerror(saved));
		errno = saved;
		*r = GPC_ERR_IO;
		return -1;
	}
	if (fstat(fd, &st) != 0) {
		saved = errno;
		say(why, whylen, "%s", strerror(saved));
		close(fd);
		errno = saved;
		*r = GPC_ERR_IO;
		return -1;
	}
	/* not one at all is a file that cannot be used, rather than one not to trust */
	if (!S_ISREG(st.st_mode)) {
		say(why, whylen, "not a regular file");
		close(fd);
		errno = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
		*r = GPC_ERR_IO;
		return -1;
	}
	if ((*r = gpc_check_trusted_stat(&st, why, whylen)) != GPC_OK) {
		close(fd);
		return -1;
	}
	return fd;
}

int
gpc_check_trusted_file(const char *path, char *why, size_t whylen)
{
	int fd, r;

	if ((fd = open_trusted(path, why, whylen, &r)) >= 0)
		close(fd);
	return r;
}

int
gpc_read_trusted_file(const char *path, size_t max, char **buf, size_t *len, char *why,
    size_t whylen)
{
	unsigned char *b = NULL;
	int fd, r, saved;

	*buf = NULL;
	*len = 0;
	if ((fd = open_trusted(path, why, whylen, &r)) < 0)
		return r;
	r = read_fd(fd, max, &b, len);
	saved = errno;
	close(fd);
	if (r == GPC_ERR_IO)
		say(why, whylen, "%s", strerror(saved));
	else if (r == GPC_ERR_INVAL)
		say(why, whylen, "longer than %zu bytes", max);
	errno = saved;
	*buf = (char *)b;
	return r;
}

const char *
gpc_log_escape(const char *s, char *out, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, j = 0;

	if (len == 0)
		return out;
	for (i = 0; s != NULL && s[i] != '\0'; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f || c == '\\') {
			if (j + 4 >= len)
				break;
			out[j++] = '\\';
			out[j++] = 'x';
			out[j++] = hex[c >> 4];
			out[j++] = hex[c & 15];
		} else {
			if (j + 1 >= len)
				break;
			out[j++] = (char)c;
		}
	}
	out[j] = '\0';
	return out;
}

int
gpc_write_file_atomic(const char *path, const void *data, size_t len, unsigned mode)
{
	char *tmp = NULL, *dcopy = NULL;
	const char *p = data;
	int fd = -1, dfd = -1, r = GPC_ERR_IO;

	if (gpc_asprintf(&tmp, "%s.tmp.XXXXXX", path) < 0)
		return GPC_ERR_NOMEM;
	/* A fresh name, created exclusively: nothing planted there is followed. */
	if ((fd = mkostemp(tmp, O_CLOEXEC)) < 0) {
		free(tmp);
		tmp = NULL;
		goto out;
	}
	if (fchmod(fd, (mode_t)mode) != 0)
		goto out;
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			goto out;
		p += n;
		len -= (size_t)n;
	}
	if (fsync(fd) != 0 || close(fd) != 0) {
		fd = -1;
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) != 0)
		goto out;
	if ((dcopy = strdup(path)) == NULL) {
		r = GPC_ERR_NOMEM;
		goto out;
	}
	if ((dfd = open(dirname(dcopy), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		(void)fsync(dfd);
		close(dfd);
	}
	r = GPC_OK;
out:
	if (fd >= 0)
		close(fd);
	if (r != GPC_OK && tmp != NULL)
		(void)unlink(tmp);
	free(tmp);
	free(dcopy);
	return r;
}

void
gpc_hex(const unsigned char *in, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < len; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * len] = '\0';
}

int
gpc_date_valid(int y, int m, int d)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int leap, max;

	if (y < 1 || y > 9999 || m < 1 || m > 12 || d < 1)
		return 0;
	leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	max = mdays[m - 1] + (m == 2 && leap);
	return d <= max;
}

int64_t
gpc_days_from_civil(int y, int m, int d)
{
	/* Howard Hinnant's days_from_civil. */
	int64_t yy = y - (m <= 2);
	int64_t era = (yy >= 0 ? yy : yy - 399) / 400;
	int64_t yoe = yy - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + doe - 719468;
}

static int
digits(const char *s, int n, int *out)
{
	int i, v = 0;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 1;
}

int
gpc_date_parse(const char *s, int *y, int *m, int *d)
{
	if (s == NULL || strlen(s) != 10 || s[4] != '-' || s[7] != '-' ||
	    !digits(s, 4, y) || !digits(s + 5, 2, m) || !digits(s + 8, 2, d) ||
	    !gpc_date_valid(*y, *m, *d))
		return GPC_ERR_FORMAT;
	return GPC_OK;
}

int
gpc_time_parse_rfc3339(const char *s, time_t *out)
{
	int y, mo, d, h, mi, sec, oh = 0, om = 0, sign = 0;
	char date[11];
	const char *p;
	int64_t t;

	if (s == NULL || strlen(s) < 20)
		return GPC_ERR_FORMAT;
	memcpy(date, s, 10);
	date[10] = '\0';
	if (gpc_date_parse(date, &y, &mo, &d) != GPC_OK)
		return GPC_ERR_FORMAT;
	if ((s[10] != 'T' && s[10] != 't') || !digits(s + 11, 2, &h) || s[13] != ':' ||
	    !digits(s + 14, 2, &mi) || s[16] != ':' || !digits(s + 17, 2, &sec) ||
	    h > 23 || mi > 59 || sec > 60)
		return GPC_ERR_FORMAT;
	p = s + 19;
	if (*p == '.') { /* fractions are allowed and ignored */
		p++;
		if (*p < '0' || *p > '9')
			return GPC_ERR_FORMAT;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	if ((*p == 'Z' || *p == 'z') && p[1] == '\0')
		sign = 0;
	else if ((*p == '+' || *p == '-') && strlen(p) == 6 && digits(p + 1, 2, &oh) &&
	    p[3] == ':' && digits(p + 4, 2, &om) && oh <= 23 && om <= 59)
		sign = *p == '+' ? 1 : -1;
	else
		return GPC_ERR_FORMAT;
	if (sec == 60)
		sec = 59; /* a leap second is the same instant for our purposes */
	t = gpc_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec;
	t -= sign * (oh * 3600 + om * 60);
	*out = (time_t)t;
	return GPC_OK;
}

/*
 * Saturate t to 0001-01-01T00:00:00Z .. 9999-12-31T23:59:59Z, the instants
 * whose year fits the 4 digits of the formats below (a parsed
 * "9999-12-31T23:59:59-23:59" is in year 10000), and gmtime_r() fails for
 * years beyond an int.
 */
static time_t
clamp_time(time_t t)
{
	const time_t first = (time_t)-62135596800LL, last = (time_t)253402300799LL;

	return t < first ? first : t > last ? last : t;
}

/*
 * The fields of tm as digits, the year always four (strftime's %Y writes
 * year 1 as "1", which no GeneralizedTime or RFC 3339 reader takes).  The
 * remainders only tell the compiler how wide each field is.
 */
#define TM_FIELDS(tm) (unsigned)(((tm).tm_year + 1900) % 10000), \
	(unsigned)(((tm).tm_mon + 1) % 100), (unsigned)((tm).tm_mday % 100), \
	(unsigned)((tm).tm_hour % 100), (unsigned)((tm).tm_min % 100), \
	(unsigned)((tm).tm_sec % 100)

void
gpc_time_generalized(time_t t, char out[16])
{
	struct tm tm;

	t = clamp_time(t);
	gmtime_r(&t, &tm);
	snprintf(out, 16, "%04u%02u%02u%02u%02u%02uZ", TM_FIELDS(tm));
}

int
gpc_time_parse_generalized(const char *s, time_t *out)
{
	int y, mo, d, h, mi, sec, oh = 0, om = 0, sign = 0;
	const char *p;

	if (s == NULL || strlen(s) < 15 || !digits(s, 4, &y) || !digits(s + 4, 2, &mo) ||
	    !digits(s + 6, 2, &d) || !digits(s + 8, 2, &h) || !digits(s + 10, 2, &mi) ||
	    !digits(s + 12, 2, &sec) || !gpc_date_valid(y, mo, d) || h > 23 || mi > 59 ||
	    sec > 60)
		return GPC_ERR_FORMAT;
	p = s + 14;
	if (*p == '.' || *p == ',') {
		p++;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	if (*p == 'Z' && p[1] == '\0')
		sign = 0;
	else if ((*p == '+' || *p == '-') && strlen(p) == 5 && digits(p + 1, 2, &oh) &&
	    digits(p + 3, 2, &om) && oh <= 23 && om <= 59)
		sign = *p == '+' ? 1 : -1;
	else
		return GPC_ERR_FORMAT;
	*out = (time_t)(gpc_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 +
	    (sec == 60 ? 59 : sec) - sign * (oh * 3600 + om * 60));
	return GPC_OK;
}

void
gpc_time_generalized_local(time_t t, long gmtoff, char out[20])
{
	time_t local = clamp_time(clamp_time(t) + gmtoff);
	long off = gmtoff < 0 ? -gmtoff : gmtoff;
	struct tm tm;
	char date[16];

	gmtime_r(&local, &tm);
	snprintf(date, sizeof(date), "%04u%02u%02u%02u%02u%02u", TM_FIELDS(tm));
	snprintf(out, 20, "%.14s%c%02d%02d", date, gmtoff < 0 ? '-' : '+',
	    (int)(off / 3600 % 24), (int)(off % 3600 / 60));
}

void
gpc_time_rfc3339(time_t t, char out[21])
{
	struct tm tm;

	t = clamp_time(t);
	gmtime_r(&t, &tm);
	snprintf(out, 21, "%04u-%02u-%02uT%02u:%02u:%02uZ", TM_FIELDS(tm));
}

int
gpc_utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	while (i < len) {
		unsigned c = p[i];
		size_t n, k;
		unsigned cp;

		if (c == 0)
			return 0;
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			n = 1;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 2;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3;
			cp = c & 0x07;
		} else
			return 0;
		for (k = 1; k <= n; k++) {
			if (i + k >= len || (p[i + k] & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (p[i + k] & 0x3f);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += n + 1;
	}
	return 1;
}
