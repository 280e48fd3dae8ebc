/*
 * gpcgate — small helpers shared by the core: strings, files, time.
 */
#ifndef GPC_UTIL_H
#define GPC_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <time.h>

/* Free a NULL-terminated array of strings and the array; NULL is allowed. */
void gpc_strv_free(char **v);

/* asprintf that leaves *out NULL on failure; returns the length or -1. */
int gpc_asprintf(char **out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Free a string after wiping it (secrets); NULL is allowed. */
void gpc_freezero_str(char *s);

/*
 * Read a secret file (a service password, a key): opened O_NOFOLLOW, refused
 * unless a regular file owned by root or the caller and not readable or
 * writable by group or others.  At most max bytes.  On success *buf (malloc'd,
 * NUL-terminated, wiped and freed by the caller with gpc_freezero) holds the
 * contents and *len their length; with strip_nl a trailing newline is cut.
 * Returns GPC_OK, GPC_ERR_IO, GPC_ERR_PERM, GPC_ERR_INVAL (too long),
 * GPC_ERR_NOMEM.
 */
int gpc_read_secret_file(const char *path, size_t max, int strip_nl,
    unsigned char **buf, size_t *len);

/*
 * gpc_read_secret_file() that says why it failed: on any error but
 * GPC_ERR_NOMEM, why (whylen bytes, NUL-terminated; may be NULL) gets the
 * reason, without the path: strerror(errno) of the call that failed ("No
 * such file or directory", "Permission denied"), "a symbolic link: ...",
 * "not a regular file", "owned by uid N, must be owned by root or you (uid
 * M)", "mode 0644, must not be readable or writable by group or others
 * (chmod 600)", "longer than N bytes".  Same returns.
 */
int gpc_read_secret_file_why(const char *path, size_t max, int strip_nl,
    unsigned char **buf, size_t *len, char *why, size_t whylen);

/* Wipe len bytes at p and free p; NULL is allowed. */
void gpc_freezero(void *p, size_t len);

/*
 * Read a whole (non-secret) file into a malloc'd, NUL-terminated buffer of
 * at most max bytes.  Returns GPC_OK, GPC_ERR_IO (errno kept), GPC_ERR_INVAL
 * (too long), GPC_ERR_NOMEM.
 */
int gpc_read_file(const char *path, size_t max, char **buf, size_t *len);

/*
 * gpc_read_file() for a file that someone else may have put there (a spool
 * document or signature): nothing but a regular file is ever opened, so a
 * FIFO cannot block the reader and a device is never opened at all; with
 * nofollow a symbolic link is not followed either (it is not a regular
 * file), nor is a file read that has another name too (a hard link: it may
 * be a file of ours, an outbox notice, linked in).  The name is looked at
 * first (lstat, or stat without nofollow), then opened
 * O_RDONLY|O_NONBLOCK|O_CLOEXEC (|O_NOFOLLOW) and checked again with fstat,
 * as it may have been replaced in between.  At most max bytes.
 * Returns GPC_OK, GPC_ERR_PERM (not a regular file: a symbolic link, FIFO,
 * device, directory or socket, or with nofollow a hard link; nothing was
 * read), GPC_ERR_INVAL (longer than max), GPC_ERR_IO (errno kept: ENOENT
 * when there is no such file), GPC_ERR_NOMEM.  *buf as gpc_read_file().
 */
int gpc_read_regular_file(const char *path, size_t max, int nofollow, char **buf,
    size_t *len);

/*
 * Whether a file that decides what is trusted (the configuration, a
 * bureau's pinned certificate, the directory's CA file) is safe to believe:
 * a regular file, owned by root or this process's effective user, not
 * writable by group or others.  Whoever could write it could make the
 * reader trust them.  st: the file's fstat().  On GPC_ERR_PERM why
 * (whylen bytes, may be NULL) gets the reason, without the path: "not a
 * regular file", "owned by uid N, must be owned by root or you (uid M)",
 * "mode 0666, must not be writable by group or others".  Returns GPC_OK or
 * GPC_ERR_PERM.  Thread-safe.
 */
int gpc_check_trusted_stat(const struct stat *st, char *why, size_t whylen);

/*
 * gpc_check_trusted_stat() on a file by name (symbolic links followed: the
 * file they lead to is checked, as for the configuration).  Opened
 * O_NONBLOCK, never read.  Returns GPC_OK, GPC_ERR_PERM (owner or mode; why
 * as above), GPC_ERR_IO (cannot be used: why is strerror of the call that
 * failed, errno kept; or "not a regular file", errno EISDIR for a
 * directory, else EINVAL).
 */
int gpc_check_trusted_file(const char *path, char *why, size_t whylen);

/*
 * Read a trusted file (gpc_check_trusted_stat) of at most max bytes, checked
 * and read through one descriptor, so what is read is what was checked.
 * *buf as gpc_read_file().  Returns GPC_OK, GPC_ERR_PERM (owner or mode;
 * why says which), GPC_ERR_IO (as gpc_check_trusted_file(), or reading
 * failed), GPC_ERR_INVAL (longer than max), GPC_ERR_NOMEM.
 */
int gpc_read_trusted_file(const char *path, size_t max, char **buf, size_t *len, char *why,
    size_t whylen);

/*
 * An untrusted name (a file name from the spool) made safe for one log
 * line: control characters (C0, DEL) and '\\' written as \xNN, so a name
 * cannot start a forged line or hide in an escape.  Cut to fit out (len
 * bytes, always NUL-terminated).  Returns out.  Thread-safe.
 */
const char *gpc_log_escape(const char *s, char *out, size_t len);

/*
 * Write a file atomically: into a new "<path>.tmp.XXXXXX" (mkostemp) in the
 * same directory, fsync, rename over path, fsync the directory.  mode is
 * applied before any byte is written.  Returns GPC_OK or GPC_ERR_IO.
 */
int gpc_write_file_atomic(const char *path, const void *data, size_t len, unsigned mode);

/* Lower-case hex of len bytes into out (2*len+1 bytes). */
void gpc_hex(const unsigned char *in, size_t len, char *out);

/*
 * Parse an RFC 3339 date-time with offset ("2026-11-08T10:00:00+08:00",
 * "...Z"), seconds precision, into Unix seconds.  Returns GPC_OK or
 * GPC_ERR_FORMAT (also for impossible dates).
 */
int gpc_time_parse_rfc3339(const char *s, time_t *out);

/* Parse "YYYY-MM-DD" into its parts, checking the calendar. GPC_ERR_FORMAT. */
int gpc_date_parse(const char *s, int *y, int *m, int *d);

/* Whether y-m-d is a real Gregorian date. */
int gpc_date_valid(int y, int m, int d);

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian). */
int64_t gpc_days_from_civil(int y, int m, int d);

/*
 * Format Unix seconds as LDAP GeneralizedTime "YYYYMMDDHHMMSSZ" (16 bytes).
 * This and the two formatters below clamp t to years 1-9999 (UTC), the
 * instants their buffers hold.
 */
void gpc_time_generalized(time_t t, char out[16]);

/*
 * Format Unix seconds as GeneralizedTime in local time with its offset,
 * "YYYYMMDDHHMMSS+HHMM" (20 bytes): the date a person reads stays in the
 * value.  gmtoff: seconds east of UTC (struct tm's tm_gmtoff).
 */
void gpc_time_generalized_local(time_t t, long gmtoff, char out[20]);

/*
 * Parse GeneralizedTime "YYYYMMDDHHMMSSZ" or "...+HHMM"/"...-HHMM" (a
 * fraction is allowed and ignored) into Unix seconds.  GPC_ERR_FORMAT.
 */
int gpc_time_parse_generalized(const char *s, time_t *out);

/* Format Unix seconds as RFC 3339 UTC "YYYY-MM-DDTHH:MM:SSZ" (21 bytes). */
void gpc_time_rfc3339(time_t t, char out[21]);

/* Whether len bytes at s are valid UTF-8 (RFC 3629) without NUL; controls are allowed. */
int gpc_utf8_valid(const char *s, size_t len);

#endif
