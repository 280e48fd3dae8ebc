/*
 * gpcgate — the provisioning engine: applies applications and bureau
 * decisions from the spool to the directory, exactly once, in order.
 *
 * Each document goes through three steps:
 *
 *  1. check: the document (doc.h), its signature and issuer, the issuer's
 *     jurisdiction, the directory's state (identity conflicts, separation
 *     of duties, legal transitions).  The outcome is a refusal with every
 *     reason found, or a plan: the list of directory changes and notices.
 *  2. commit: a record entry gpcDocId=<key>,ou=records is added holding the
 *     outcome, the result and — while it is being applied — the plan, sealed.
 *     The key is the id in its kind's namespace (dir.h: "a:<id>",
 *     "d:<id>", "x:<id>"), so no kind of document can take
 *     another's id.  Adding the record is the moment the document takes
 *     effect; a second add of the same key fails, so a document is never
 *     decided twice.  A decision's key counts only once its signature
 *     verified: one that does not is refused and nothing is recorded.
 *  3. apply: each change is idempotent (add an entry that may already be
 *     there, replace attribute values, delete an entry that may already be
 *     gone, write a notice file under a fixed name); then one Modify marks
 *     the record done and removes the plan.  Then results/<id>.json is
 *     written (beside it, results/<id>~<digest12>.json, when another
 *     document holds that name) and the file moves to archive/.
 *
 * Only regular files are read from the spool, and links are never
 * followed: anything else is refused unread (spool.h).
 *
 * A crash anywhere leaves either no record (nothing happened: the document
 * is checked again), a record with a plan (the plan is applied again from
 * the start), or a finished record (its result is written and the file
 * archived).  LDAP transactions (RFC 5805) are not used: slapd 2.5.13's
 * back-mdb corrupts entries modified inside one.
 *
 * The engine is single-threaded and expects to be the only writer of
 * documents (gpcgate-provisiond holds a lock).  Deadlines use the process's
 * time zone: the front end sets TZ from provisioner.time_zone before use.
 */
#ifndef GPC_ENGINE_H
#define GPC_ENGINE_H

#include <jansson.h>
#include <time.h>

#include "cfg.h"
#include "doc.h"
#include "log.h"

struct gpc_engine;

/*
 * A new engine: opens a writer session (gpc_dir_open) and loads the keys
 * of crypto.key_dir.  cfg and lg must outlive it.
 * Returns GPC_OK or the errors of gpc_dir_open() and gpc_keys_load(), or
 * GPC_ERR_CONFIG when the directory is sealed under the other crypto suite
 * (gpc_suite_check); the reason is logged.
 */
int gpc_engine_new(const struct gpc_cfg *cfg, const struct gpc_log *lg,
    struct gpc_engine **out);

void gpc_engine_free(struct gpc_engine *e);

/*
 * Replace the clock (tests): now() returns Unix seconds.  NULL restores
 * time(NULL).
 */
void gpc_engine_set_clock(struct gpc_engine *e, time_t (*now)(void *), void *ctx);

/*
 * Let gpc_engine_run_once() stop early (the daemon's SIGTERM and SIGHUP):
 * interrupted(ctx) is called before each document, and a non-zero answer
 * ends the run there with GPC_OK; the document in hand is always finished
 * first, and the ones not reached wait for the next run.  The callback must
 * not call into the engine.  NULL removes it.
 */
void gpc_engine_set_interrupt(struct gpc_engine *e, int (*interrupted)(void *), void *ctx);

/*
 * Process every document waiting in the spool once, oldest issued_at /
 * submitted_at first (applications before decisions at equal times, then
 * by name).  *done (may be NULL) counts the documents finished.  First
 * every record a failed apply left half applied ("applying") is finished
 * by its redo plan; while one cannot be, nothing else is decided (a later
 * document planned on a half-applied state would be undone by the redo).
 * A document that fails before it is recorded (the directory refuses the
 * record) stays in the spool for the next run and the others go on; one
 * that fails half applied stops the run.
 * Returns GPC_OK; GPC_ERR_UNAVAIL or GPC_ERR_TIMEOUT when the directory
 * went away (the remaining documents wait); else the first document's error.
 */
int gpc_engine_run_once(struct gpc_engine *e, size_t *done);

/*
 * Process one document file (in applications/ or decisions/ as `type`).
 * On return the file is archived (or moved to rejected/) and its result
 * written, unless an error is returned: then the file stays for the next
 * run, and either nothing was decided or — its plan stopped half-way — its
 * record stays "applying" until gpc_engine_run_once() finishes it first.
 * *result, if not NULL, gets the result object (json_decref).  Returns
 * GPC_OK (whatever the outcome), GPC_ERR_AGAIN (refused only for a missing
 * target or an illegal transition, and younger than provisioner.hold_s: it
 * waits in the spool for an earlier document), GPC_ERR_UNAVAIL,
 * GPC_ERR_TIMEOUT, GPC_ERR_LDAP, GPC_ERR_IO, GPC_ERR_CRYPTO,
 * GPC_ERR_FORMAT, GPC_ERR_NOMEM.
 */
int gpc_engine_process(struct gpc_engine *e, const char *path, enum gpc_doc_type type,
    json_t **result);

/*
 * Dry run: every check of step 1 on a file, nothing written anywhere.
 * sig_path may be NULL (the spool's convention: path + .p7s or .sig).
 * path and sig_path are the caller's: links are followed (but only
 * regular files read).  *result as gpc_engine_process() would write it,
 * with outcome "would apply", "would be pending" or "rejected"; for a
 * document already recorded (the same bytes) the recorded result, with
 * "already_processed": true.  Same errors.
 */
int gpc_engine_check(struct gpc_engine *e, const char *path, const char *sig_path,
    enum gpc_doc_type type, json_t **result);

/*
 * What time does: each suspension whose rectification deadline (24:00 of
 * its date, stored as an instant) has passed gets its consequence — with
 * on_deadline "terminate" the account (or unit) is terminated, recorded as
 * caused by the suspension (reason deadline_passed, the record's result
 * names it as "cause"); with "notify" a deadline_passed notice goes to the
 * outbox once — and each tombstone whose retention ended is deleted.  Each
 * consequence is a document of its own (id "deadline-<hash>"), so it
 * happens exactly once.  Half-applied records are finished first, as in
 * gpc_engine_run_once().  *done (may be NULL) counts what was done.
 * Returns GPC_OK or a directory error.
 */
int gpc_engine_sweep(struct gpc_engine *e, size_t *done);

/* The engine's directory session, for gpcgatectl's read commands. */
struct gpc_dir *gpc_engine_dir(struct gpc_engine *e);

/* The engine's keys, for gpcgatectl (enroll, reveal). */
struct gpc_keys *gpc_engine_keys(struct gpc_engine *e);

#endif
