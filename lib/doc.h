/*
 * gpcgate — spool documents: applications (gpcgate.application/1) and bureau
 * decisions (gpcgate.decision/1), JSON in UTF-8, parsed with jansson.
 *
 * Parsing checks everything a document says about itself: well-formed JSON
 * without duplicate keys, the schema (no unknown fields, required fields
 * present and non-empty, values of the right JSON type), and the formats of
 * ID numbers (GB 11643-1999), credit codes (GB 32100-2015), phones, region
 * codes, dates and times.  It reports every problem found, not the first.
 * Checks that need the directory, the signature or the configuration are
 * the engine's (engine.h).
 *
 * Reason codes are stable snake_case strings listed in README.md; messages
 * are English and never quote personal data (ID numbers, phones, names).
 */
#ifndef GPC_DOC_H
#define GPC_DOC_H

#include <jansson.h>
#include <stddef.h>
#include <time.h>

#define GPC_APPLICATION_TYPE "gpcgate.application/1"
#define GPC_DECISION_TYPE "gpcgate.decision/1"

/*
 * The largest document, in bytes (64 KiB).  A pending change or handover
 * is kept sealed whole (GPC_SEAL_MAX_PLAINTEXT, seal.h): a larger one could
 * be neither applied nor refused, so the spool refuses it at once.
 */
#define GPC_DOC_MAX (64 * 1024)

/* The earliest issued_at / submitted_at taken: 2000-01-01T00:00:00Z. */
#define GPC_DOC_EARLIEST ((time_t)946684800)

/* One reason a document was refused: {code, field, message}. */
struct gpc_reason {
	char code[40];
	char field[64];
	char message[160];
};

struct gpc_reasons {
	struct gpc_reason *v;
	size_t n, cap;
};

/*
 * Append a reason.  field may be NULL or "" (the document as a whole).
 * The message must not contain personal data.  Returns GPC_OK or
 * GPC_ERR_NOMEM (the reason is dropped; callers keep going).
 */
int gpc_reasons_add(struct gpc_reasons *rs, const char *code, const char *field,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Whether a reason with this code was recorded. */
int gpc_reasons_has(const struct gpc_reasons *rs, const char *code);

/* Free the list's storage and reset it; the struct itself is the caller's. */
void gpc_reasons_clear(struct gpc_reasons *rs);

/* The reasons as a JSON array of {code, field, message}; new reference. */
json_t *gpc_reasons_json(const struct gpc_reasons *rs);

enum gpc_doc_type { GPC_DOC_APPLICATION, GPC_DOC_DECISION };

struct gpc_holder {
	char *name;
	char *id_number; /* validated, canonical (uppercase X) */
	char *mobile;
};

struct gpc_unit_info {
	char *code, *name, *address, *authority, *region;
	char *contact_name, *contact_phone;
};

struct gpc_doc {
	enum gpc_doc_type type;
	char *id;
	time_t when;          /* submitted_at or issued_at, Unix seconds */

	/* applications */
	char *kind;           /* register | change | handover */
	struct gpc_unit_info unit; /* fields absent from the document are NULL */
	char *uid;
	char *role;
	struct gpc_holder holder;

	/* decisions */
	char *issuer;
	char *action;         /* approve | deny | suspend | reinstate | terminate */
	char *application;    /* approve / deny: the application's id */
	char *target_unit;
	char *target_account;
	char *reason_code;
	char *reason_text;
	char *deadline;       /* YYYY-MM-DD */
	char *on_deadline;    /* terminate | notify */
};

/*
 * Parse and check a document.  buf/len: the file's bytes (not retained).
 * now: Unix seconds, for birth dates in the future.  expect: the type the
 * spool directory implies (an application in decisions/ is refused).
 * On GPC_OK *out is the document (gpc_doc_free()) and rs is untouched.
 * On GPC_ERR_FORMAT rs holds every problem found and *out is NULL, except
 * that *out is still set when at least the id could be read (so the caller
 * can record the refusal under it).  GPC_ERR_NOMEM.
 */
int gpc_doc_parse(const char *buf, size_t len, enum gpc_doc_type expect, time_t now,
    struct gpc_doc **out, struct gpc_reasons *rs);

/* Wipe personal data and free; NULL is allowed. */
void gpc_doc_free(struct gpc_doc *doc);

/* Whether an id is syntactically usable: 1-64 of [A-Za-z0-9._-], no leading dot. */
int gpc_doc_id_valid(const char *id);

/*
 * jansson's error message without the input it quotes (" near '...'"),
 * which may be an ID number or a phone: every message about a document
 * that failed to parse goes through this.  Cuts err->text in place and
 * returns it.  Thread-safe (touches only *err).
 */
const char *gpc_doc_json_error(json_error_t *err);

#endif
