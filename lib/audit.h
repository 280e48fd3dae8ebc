/*
 * gpcgate — the audit log: one JSON line per event, each carrying the
 * SHA-256 of the line before it, so a changed or removed line is found by
 * gpc_audit_verify().
 *
 * Line format (keys sorted, compact, UTF-8, '\n'-terminated):
 *   {"event":"login","host":"h1","outcome":"failure","pid":42,
 *    "prev":"<64 hex>","prog":"pam_gpcgate","reason":"wrong_code",
 *    "ts":"2026-11-29T10:00:00.123Z","uid":"150102-02-jb01",...}
 * "prev" is the SHA-256 of the previous line's bytes (without its newline).
 * A file's first line is {"event":"audit_start","seed":"<32 random bytes,
 * hex>","prev":SHA-256(seed as hex text),...}: a file cut at its head does
 * not verify either.  An empty or missing file starts a new chain (log
 * rotation).
 *
 * Concurrent writers (many PAM processes, the daemon, gpcgatectl) take an
 * exclusive flock on the file, read its last line, and append one line with
 * one write(2): lines never interleave and none is lost.
 *
 * Callers put no personal data in fields: no ID number, phone, real name,
 * password, code or seed.  An unknown login name goes in as a keyed hash.
 */
#ifndef GPC_AUDIT_H
#define GPC_AUDIT_H

#include <jansson.h>
#include <stddef.h>

#include "log.h"

struct gpc_audit;

/*
 * Open (create, mode 0640) the audit file at path for appending.  program
 * names the writer in each line ("pam_gpcgate", "gpcgate-provisiond",
 * "gpcgatectl").  copy, if not NULL, also receives each event as one
 * syslog-style line at LOG_INFO (LOG_NOTICE for failures).  *out is freed
 * with gpc_audit_close().  path NULL gives an audit that only copies to
 * the sink.  Returns GPC_OK, GPC_ERR_IO, GPC_ERR_NOMEM.
 */
int gpc_audit_open(const char *path, const char *program, const struct gpc_log *copy,
    struct gpc_audit **out);

void gpc_audit_close(struct gpc_audit *a);

/*
 * Append one event.  fields (borrowed, may be NULL) is a JSON object of
 * the event's own fields; ts, host, prog, pid, event and prev are added.
 * Returns GPC_OK, GPC_ERR_IO (the line could not be written; the event is
 * still copied to the sink), GPC_ERR_NOMEM, GPC_ERR_INVAL.
 */
int gpc_audit_event(struct gpc_audit *a, const char *event, json_t *fields);

/*
 * Verify a whole file.  *lines (may be NULL) gets the number of lines read.
 * Returns GPC_OK if every line is well formed and chained, or
 * GPC_ERR_FORMAT with *bad (1-based) the first line that does not verify
 * and why (whylen bytes) the reason ("line 17: prev does not match line
 * 16", "line 1: no seed", ...).  GPC_ERR_IO if unreadable.
 */
int gpc_audit_verify(const char *path, size_t *lines, size_t *bad, char *why, size_t whylen);

#endif
