/*
 * gpcgate — the audit log: one JSON line per event, each carrying the
 * SHA-256 of the line before it, so a changed or removed line is found by
 * gpc_audit_verify().
 *
 * Line format (keys sorted, compact, ASCII — other characters as \uXXXX —
 * '\n'-terminated):
 *   {"event":"login","host":"h1","outcome":"failure","pid":42,
 *    "prev":"<64 hex>","prog":"pam_gpcgate","reason":"wrong_code",
 *    "ts":"2026-11-29T10:00:00.123Z","uid":"150102-02-jb01",...}
 * "prev" is the SHA-256 of the previous line's bytes (without its newline).
 * A file's first line is {"event":"audit_start","seed":"<32 random bytes,
 * hex>","prev":SHA-256(seed as hex text),...}: a file cut at its head does
 * not verify either.  An empty or missing file starts a new chain (log
 * rotation).  "ts" is UTC with milliseconds, always 24 characters, so
 * lines from several hosts sort by time as plain strings.
 *
 * What the chain proves: a line changed, inserted or removed anywhere but
 * at the very end breaks the chain at the next line.  It cannot prove that
 * no line was removed from the end, and whoever may write the file may
 * rewrite it whole: copy the lines elsewhere too (audit.syslog, a log
 * shipper) or record the last line's hash that `gpcgatectl audit verify`
 * prints.
 *
 * Concurrent writers (many PAM processes, the daemon, gpcgatectl) take an
 * exclusive flock on the file, read its last line, and append one line with
 * one write(2): lines never interleave and none is lost.
 *
 * Callers put no personal data in fields: no ID number, phone, real name,
 * password, code or seed.  An unknown login name goes in as a keyed hash.
 *
 * ---- Events (the contract `gpcgatectl report` reads) -------------------
 *
 * Every line has ts, event, host (gethostname), prog, pid and prev.  Fields
 * may be added to an event; none is removed or changes meaning.  Reason
 * codes are lower_snake_case words, never free text (except "reason" of
 * admin/reveal, see below).
 *
 * audit_start    seed.
 *
 * login          One per authentication attempt (pam_sm_authenticate).
 *   uid          the account's canonical uid, once the directory found it;
 *   name_hash    instead of uid when no account has the typed name: the
 *                blind index of the name (purpose "login-name"), never the
 *                name itself (it may be a password typed into the wrong
 *                prompt);
 *   unit         the account's unit code (USCC), when known;
 *   region       the unit's region code (GB/T 2260), when known;
 *   outcome      "success" | "failure";
 *   reason       "ok" on success, else a code: wrong_password, wrong_code,
 *                code_replayed, code_race_lost, locked (the account was
 *                locked out when the attempt came), account_not_active,
 *                role_not_allowed (the second factor was proved, but
 *                pam.services does not allow the account's post on this
 *                service), unknown_account, not_enrolled,
 *                directory_unavailable, ... (the list: lib/login.c);
 *   service      the PAM service;
 *   rhost        PAM_RHOST, "" when there is none (a console login);
 *   tty          PAM_TTY, when set.
 *
 * lockout        The consecutive-failure count reached totp.failure_limit
 *                and the account was locked: uid, unit, region, failures,
 *                until (RFC 3339 UTC).
 *
 * password_change
 *                A holder's password change (pam_sm_chauthtok): one per
 *                update pass (PAM_UPDATE_AUTHTOK), and one per first pass
 *                (PAM_PRELIM_CHECK) that failed.  Never a password.
 *   outcome      "success" | "failure";
 *   reason       "ok" on success, else a code: wrong_password (the current
 *                password), unknown_account, account_not_active,
 *                no_password, passwords_differ, password_too_short (also
 *                an empty new password), password_too_long,
 *                password_in_history, password_quality, password_too_young,
 *                password_change_not_allowed, password_refused (the policy
 *                refused the new one for another reason, or gave none),
 *                directory_unavailable, access_denied, conversation_failed,
 *                error;
 *   phase        "check" (the first pass) | "update";
 *   uid, unit, region
 *                as for login, when the account was found; an unknown name
 *                is not written at all (no name_hash);
 *   service      the PAM service;
 *   rhost        PAM_RHOST, "" when there is none.
 *
 * session_open, session_close
 *                pam_sm_open_session / pam_sm_close_session: uid, unit,
 *                region, service, rhost, tty, and sid: 32 lower-case hex
 *                characters from a CSPRNG chosen at open and written again
 *                at close (the module keeps it with pam_set_data).  A close
 *                without a sid (another process closed it) is matched to
 *                the latest open session of the same uid, host, service
 *                and tty.
 *
 * document       The provisioner processed a document: id, doc
 *                ("application" | "decision"), kind (of an application),
 *                action (of a decision), application_kind (the kind of the
 *                application a decision approves or denies), issuer,
 *                outcome ("pending" | "applied" | "rejected"), reasons
 *                (array of reason codes), unit, uid, cause.  A handover
 *                takes effect at {"event":"document","action":"approve",
 *                "application_kind":"handover","outcome":"applied","uid":U}.
 *
 * deadline       The consequence of a passed rectification deadline, as a
 *                document line: id ("deadline-..."), action ("terminate" |
 *                "notify"), outcome, unit, uid, and cause: the suspension.
 *
 * purge          A tombstone deleted when its retention ended: uid (an
 *                account) or only unit (a unit).
 *
 * notice         A notice was written to the outbox: kind, document, unit,
 *                uid — never its content.
 *
 * admin          A gpcgatectl command that changes something or reveals
 *                something: command (submit, enroll, passwd, keys_generate,
 *                keys_rotate, reveal, unlock, report_notify), outcome ("success" |
 *                "failure" | "refused"), operator (SUDO_USER, else the
 *                login name of the real uid), and the command's own fields:
 *                uid, unit, id (a document), version (a key), error (an
 *                error code word), counts; for reveal "reason": the
 *                officer's stated reason, free text, at most 200 bytes
 *                (gpcgatectl refuses a reason holding an ID number or a
 *                mobile number).
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
 * the event's own fields; ts, host, prog, pid, event and prev are added
 * (a field of the same name in fields is ignored).
 * Returns GPC_OK, GPC_ERR_IO (the line could not be written; the event is
 * still copied to the sink), GPC_ERR_TIMEOUT (another process held the file's
 * lock for 2 s — anyone who can open the file can lock it, and a login must
 * not wait for a log reader: the line is not written, the sink has it),
 * GPC_ERR_CRYPTO, GPC_ERR_NOMEM, GPC_ERR_INVAL.
 * A fragment left by a writer that died mid-line is ended with a newline
 * first, so it stays a line of its own (and verify reports it).
 * Safe from many processes and threads at once (one lock per line).
 */
int gpc_audit_event(struct gpc_audit *a, const char *event, json_t *fields);

/*
 * Append one event at most once: once (printable ASCII without '"' or '\\',
 * at most 128 bytes, e.g. "document:APP-1:90105efccb99") is stored in the
 * line as "once", and the event is skipped when a line with the same value
 * is among the file's last megabyte.  For work that a crash makes redo:
 * its audit line is neither lost (it is written after the work) nor
 * doubled (the redo finds it).  Same errors as gpc_audit_event(), and
 * GPC_ERR_INVAL for an unusable once.
 */
int gpc_audit_event_once(struct gpc_audit *a, const char *once, const char *event,
    json_t *fields);

/*
 * The state of a chain check over successive lines: what gpc_audit_verify
 * does, for readers that parse the lines anyway (gpcgatectl report).
 * Initialise with gpc_audit_chain_init; no resources to free.
 */
struct gpc_audit_chain {
	size_t lines;  /* lines seen so far */
	size_t bad;    /* the first line that did not verify; 0 while intact */
	char why[256]; /* why line `bad` did not verify */
	char prev[65]; /* SHA-256 (hex) of the last line seen */
};

void gpc_audit_chain_init(struct gpc_audit_chain *ch);

/*
 * Check the next line: len bytes at line, without its '\n'; terminated:
 * whether the '\n' was there (only a file's last line may lack it, and
 * then it was cut short).  obj, if not NULL, receives the parsed object
 * (json_decref) or NULL if the line is not a JSON object — also after the
 * chain broke, so a reader can go on.
 * Returns GPC_OK while the chain is intact, GPC_ERR_FORMAT at the first
 * line that breaks it and at every line after (ch->bad, ch->why tell
 * where and why), GPC_ERR_CRYPTO if hashing failed.  Allocates only *obj.
 */
int gpc_audit_chain_line(struct gpc_audit_chain *ch, const char *line, size_t len,
    int terminated, json_t **obj);

/*
 * Verify a whole file.  *lines (may be NULL) gets the number of lines read.
 * Returns GPC_OK if every line is well formed and chained (an empty file
 * too), or GPC_ERR_FORMAT with *bad (1-based) the first line that does not
 * verify and why (whylen bytes) the reason.  The reasons, K being a line
 * number:
 *   "line 1: no seed: the file does not start a chain (its head was cut)"
 *   "line 1: prev does not match its seed"
 *   "line K: not a JSON object (the line was changed)"
 *   "line K: not terminated (the file was cut short)"
 *   "line K+1: prev does not match the hash of line K: line K was changed,
 *    or lines were removed between K and K+1"
 * The last form is what a change to one byte of line K (keeping it JSON)
 * gives; a removed line K gives it for K-1 and K (the old K+1 now at K).
 * last, if not NULL (65 bytes), gets the SHA-256 (hex) of the last line
 * read, to record elsewhere as an anchor ("" for an empty file).
 * Returns GPC_ERR_IO if the file cannot be read.  Thread-safe.
 */
int gpc_audit_verify(const char *path, size_t *lines, size_t *bad, char *why, size_t whylen);
int gpc_audit_verify_anchor(const char *path, size_t *lines, size_t *bad, char *why,
    size_t whylen, char last[65]);

#endif
