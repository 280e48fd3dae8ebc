/*
 * gpcgate — the spool: where applications and decisions arrive, results and
 * notices leave.
 *
 *   <spool>/tmp/           producers write here first
 *   <spool>/applications/  complete applications, renamed in from tmp/
 *   <spool>/decisions/     complete decisions; the signature (.p7s or .sig)
 *                          is renamed in before the document
 *   <spool>/results/       <id>.json, one per processed document (another
 *                          document under a used id: <id>~<digest12>.json;
 *                          an unreadable file's: <stem>.json or
 *                          <stem>~unreadable.json)
 *   <spool>/archive/       processed documents (and their signatures), 0600
 *   <spool>/rejected/      files that could not be read as a document, and
 *                          documents in the wrong directory
 *   <outbox>/              notices, one JSON file each, mode 0600
 *
 * Only names ending in ".json" that do not start with '.' are documents, so
 * a half-written file (in tmp/, or under a temporary name) is never read.
 * Whoever may submit may put anything there: documents and signatures are
 * read only if they are regular files (gpc_read_regular_file, links not
 * followed); anything else is refused unread and moved aside.
 */
#ifndef GPC_SPOOL_H
#define GPC_SPOOL_H

#include <jansson.h>
#include <stddef.h>

#include "doc.h"

/* Create the spool's directories (and the outbox) if missing, mode 0750/0700. */
int gpc_spool_init(const char *spool, const char *outbox);

/* "applications" or "decisions". */
const char *gpc_spool_subdir(enum gpc_doc_type t);

/*
 * Submit a document atomically: copy doc_path (and sig_path, if not NULL)
 * into tmp/, fsync, then rename the signature and then the document into
 * applications/ or decisions/ as "<id>.json" (and "<id>.json.p7s" or
 * "<id>.json.sig", keeping the signature's suffix).  The type is read from
 * the document's "type"; the id from its "id".
 * On success *id_out (malloc'd, may be NULL) is the id.
 * Returns GPC_OK, GPC_ERR_FORMAT (not a document: no readable type or id,
 * larger than GPC_DOC_MAX, or not a regular file; err says why — never
 * quoting the document), GPC_ERR_EXISTS (a document with this id is waiting
 * already), GPC_ERR_IO, GPC_ERR_NOMEM.
 */
int gpc_spool_submit(const char *spool, const char *doc_path, const char *sig_path,
    char **id_out, char *err, size_t errlen);

/* One waiting document. */
struct gpc_spool_entry {
	enum gpc_doc_type type;
	char *path;  /* full path of the .json */
	char *name;  /* its file name */
};

/*
 * List the documents waiting in applications/ and decisions/, in name
 * order.  *out (gpc_spool_entries_free) and *n.  GPC_OK, GPC_ERR_IO.
 */
int gpc_spool_list(const char *spool, struct gpc_spool_entry **out, size_t *n);
void gpc_spool_entries_free(struct gpc_spool_entry *v, size_t n);

/*
 * The detached signature of a decision: path + ".p7s" or path + ".sig",
 * at most 64 KiB, read only if a regular file (never followed, never waited
 * on).  *sig (malloc'd) is NULL when neither exists; *is_sm2 tells which.
 * Returns GPC_OK, GPC_ERR_PERM (not a regular file) or GPC_ERR_INVAL (over
 * 64 KiB) — *is_sm2 then tells which file —, GPC_ERR_IO, GPC_ERR_NOMEM.
 */
int gpc_spool_read_signature(const char *doc_path, unsigned char **sig, size_t *len,
    int *is_sm2);

/*
 * Move a processed document (and its signature) into archive/ or, with
 * rejected, into rejected/; a name already there gets a numeric suffix, so
 * nothing is overwritten.  GPC_OK, GPC_ERR_IO.
 */
int gpc_spool_archive(const char *spool, const char *doc_path, int rejected);

/*
 * Write results/<name>.json atomically (mode 0640) from a JSON object,
 * replacing what is there: the engine chooses a name that is its own
 * (gpc_spool_read_result).  name: a document id or file stem, perhaps with
 * "~<suffix>" (validated: no '/', no leading '.', at most 200 bytes).
 * GPC_OK, GPC_ERR_IO, GPC_ERR_INVAL.
 */
int gpc_spool_write_result(const char *spool, const char *name, json_t *result);

/*
 * Read results/<name>.json, to tell whose it is.  GPC_OK with *res the
 * object (json_decref), or NULL when what is there cannot be read as one;
 * GPC_ERR_NOTFOUND when there is no such file; GPC_ERR_INVAL (a name
 * gpc_spool_write_result() refuses), GPC_ERR_NOMEM.
 */
int gpc_spool_read_result(const char *spool, const char *name, json_t **res);

/*
 * Write a notice into the outbox atomically, mode 0600, named
 * "<name>.json" (deterministic, so a repeated write replaces itself).
 * GPC_OK, GPC_ERR_IO, GPC_ERR_INVAL.
 */
int gpc_spool_write_notice(const char *outbox, const char *name, json_t *notice);

#endif
