/*
 * gpcgate — directory session (OpenLDAP libldap, LDAPv3).
 *
 * A session is one connection to the first reachable server of
 * directory.uri, bound as one of the two service accounts.  Every value
 * that goes into a filter is escaped (RFC 4515), every value that goes into
 * a DN too (RFC 4514).
 *
 * TLS: ldaps:// and StartTLS (directory.starttls, for ldap:// URIs) verify
 * the server certificate against directory.ca_file (the system's trust
 * store if unset): the chain, the dates, and the URI's host in the
 * subjectAltName (a CN alone does not do).  A cleartext connection to
 * anything but ldapi:// or loopback is refused while directory.require_tls
 * is on.  A refused certificate is logged with the reason ("certificate
 * expired on ...", "... not for host ...", "... not issued by a CA in ..."),
 * found by fetching it again over an unverified connection that carries no
 * credentials.
 *
 * Timeouts: connecting to a server, securing the connection and the service
 * bind each get directory.network_timeout_ms (a server that accepts and
 * never answers costs that long, then the next URI is tried), and the
 * failover over all URIs together directory.failover_timeout_ms: with every
 * server dead, opening fails after min(failover_timeout_ms, number of URIs
 * x network_timeout_ms).  Every later operation gets
 * directory.operation_timeout_ms, a second connection (a user's bind, the
 * OTP provider) network_timeout_ms again.  Time a caller spends between two
 * operations (a holder reading a QR code) counts against nothing.
 *
 * Failover: URIs are tried in order.  A URI found dead is remembered in
 * directory.state_file (the module keeps no state in the process) and tried
 * after the others for directory.primary_retry_s, then first again.
 *
 * Sessions are not shared between threads; distinct sessions may be used
 * from distinct threads.  SIGPIPE is blocked in the calling thread around
 * each call and a pending one discarded, so a host process's signal
 * settings are left alone.
 */
#ifndef GPC_DIR_H
#define GPC_DIR_H

#include <ldap.h>
#include <stdint.h>
#include <time.h>

#include "cfg.h"
#include "log.h"

struct gpc_dir;

enum gpc_dir_role {
	GPC_DIR_READER, /* the PAM hosts' account: reads, writes login state */
	GPC_DIR_WRITER, /* the provisioner's account: writes accounts */
};

/*
 * Open a session: try each URI in order (those found dead less than
 * primary_retry_s ago last), each within the network timeout, and bind as
 * the role's service account (simple bind with the password file's first
 * line; with no DN configured, SASL EXTERNAL over ldapi://).  Updates the
 * failover memory (directory.state_file) when a URI fails or recovers.
 * All within directory.failover_timeout_ms.  cfg must outlive the session.
 * lg may be NULL.  *out is freed with gpc_dir_close().
 * Returns GPC_OK, GPC_ERR_UNAVAIL (no server answered, or the failover
 * timeout ran out), GPC_ERR_TLS (the last server tried refused TLS or had its
 * certificate refused, or cleartext was refused), GPC_ERR_CONFIG (the
 * service password file is unreadable, the directory refused the service
 * account's credentials, or directory.ca_file may be written by others:
 * gpc_check_trusted_file), GPC_ERR_PERM (password file readable by
 * others), GPC_ERR_NOMEM.
 */
int gpc_dir_open(const struct gpc_cfg *cfg, enum gpc_dir_role role, const struct gpc_log *lg,
    struct gpc_dir **out);

/*
 * Open a session to one given URI instead of the failover list, without
 * failover memory.  Same errors as gpc_dir_open().
 */
int gpc_dir_open_uri(const struct gpc_cfg *cfg, enum gpc_dir_role role, const char *uri,
    const struct gpc_log *lg, struct gpc_dir **out);

/*
 * The session that takes the writes of the replay guard and the failure
 * count (the TOTP state), so that two hosts reading from two replicas of a
 * multi-provider directory cannot both accept one code: with
 * directory.otp_write_uri set, a session on that one provider (no
 * failover: a replica must never take these writes), opened on first use
 * with d's role and kept until gpc_dir_close(d); else, or when
 * d is on that URI already, d itself.  *w is owned by d: never close it.
 * Returns GPC_OK, or gpc_dir_open()'s errors when the provider cannot be
 * reached — the caller must then fail the login (fail closed).  A failure
 * is kept: later calls on d return it at once rather than wait again.
 */
int gpc_dir_otp_writer(struct gpc_dir *d, struct gpc_dir **w);

/* Unbind and free, with the OTP writer session if one was opened; NULL is allowed. */
void gpc_dir_close(struct gpc_dir *d);

/* The URI this session is connected to; points into the session. */
const char *gpc_dir_uri(const struct gpc_dir *d);

/* The configured base DN (directory.base). */
const char *gpc_dir_base(const struct gpc_dir *d);

/*
 * The underlying handle, for operations this file does not wrap.  Each call
 * sets the handle's LDAP_OPT_TIMEOUT (and network timeout) to the operation
 * timeout, for the next operation.
 */
LDAP *gpc_dir_ldap(struct gpc_dir *d);

/* Translate an LDAP result code into a GPC_ERR_* code. */
int gpc_dir_err(int ldap_rc);

/*
 * Escape len bytes of value for use inside an LDAP filter (RFC 4515 §3),
 * with libldap's ldap_bv2escaped_filter_value: NUL, '*', '(', ')', '\\',
 * control bytes and every byte >= 0x80 become \XX (slapd still matches
 * escaped UTF-8).  *out is malloc'd (freed by the caller).  An empty value
 * gives "".  Returns GPC_OK or GPC_ERR_NOMEM.
 */
int gpc_dir_filter_escape(const char *value, size_t len, char **out);

/*
 * Escape a string for use as an attribute value in a DN (RFC 4514 §2.4).
 * *out malloc'd.  Returns GPC_OK, GPC_ERR_INVAL (empty, or not UTF-8),
 * GPC_ERR_NOMEM.
 */
int gpc_dir_dn_escape(const char *value, char **out);

/* DNs of the gpcgate tree. *out malloc'd. GPC_OK, GPC_ERR_INVAL, GPC_ERR_NOMEM. */
int gpc_dir_unit_dn(const struct gpc_dir *d, const char *unit_code, char **out);
int gpc_dir_account_dn(const struct gpc_dir *d, const char *unit_code, const char *uid,
    char **out);

/*
 * Records (ou=records) are kept apart by kind of document, so that no
 * document can take another kind's id: the record key, the RDN value
 * gpcDocId=<key>, is "a:<id>" for an application, "d:<id>" for a bureau's
 * decision (recorded only once its signature verified, so only a bureau
 * can use a decision id) and "x:<id>" for a consequence the engine decides
 * itself (a passed deadline).  ou=applications entries keep the plain
 * application id (decisions name it).
 * gpc_dir_record_key: id must pass gpc_doc_id_valid(), so ':' never occurs
 * in it.  *out malloc'd.  GPC_OK, GPC_ERR_INVAL, GPC_ERR_NOMEM.
 */
enum gpc_record_ns {
	GPC_RECORD_APPLICATION,
	GPC_RECORD_DECISION,
	GPC_RECORD_DEADLINE,
};
int gpc_dir_record_key(enum gpc_record_ns ns, const char *id, char **out);

/* The DN of the record with this key (gpc_dir_record_key()). */
int gpc_dir_record_dn(const struct gpc_dir *d, const char *key, char **out);
int gpc_dir_application_dn(const struct gpc_dir *d, const char *doc_id, char **out);

/*
 * The pwdAccountLockedTime value of an administrative lock (ppolicy: it
 * never expires), which a suspension or termination sets; a lock after too
 * many wrong passwords holds the time it began instead, and passes.
 */
#define GPC_PPOLICY_ADMIN_LOCK "000001010000Z"

/* An account with its unit, as one login or one command needs it. */
struct gpc_account {
	char *dn;
	char *uid;            /* the directory's canonical spelling */
	char *role;           /* handler | reviewer */
	char *state;          /* pending | active | denied | suspended | terminated */
	char *state_reason;   /* reason code, or NULL */
	char *state_text;     /* bureau's words, or NULL */
	time_t deadline;      /* rectification deadline, 0 if none */
	char *on_deadline;
	char *last_decision;
	char *name;           /* holder name (cn) — personal data, never log */
	char *mobile;         /* personal data, never log */
	char *holder_masked;  /* 150102********0014 */
	char *holder_index;   /* blind index; NULL unless read as the writer */
	char *holder_sealed;  /* sealed ID; NULL unless read as the writer */
	time_t holder_since;
	time_t last_login;

	/* TOTP (RFC 6238) */
	char *seed_sealed;    /* NULL: not enrolled */
	int64_t step;         /* last accepted step, -1 if none */
	int64_t failures;     /* consecutive wrong codes, -1 if absent */
	int digits, period;   /* 0 if absent */
	char *algorithm;      /* sha1 | sha256 | sha512, or NULL */
	time_t locked_until;  /* 0 if not locked */
	char **recovery;      /* hashed recovery codes, NULL-terminated, may be NULL */
	char *enroll_code;    /* hashed, or NULL */
	time_t enroll_expires;
	int pw_locked;        /* ppolicy pwdAccountLockedTime present (writer only) */

	/* its unit (the parent entry) */
	char *unit_dn;
	char *unit_code;
	char *unit_name;
	char *unit_state;
	char *unit_region;
};

/*
 * Find the account whose uid equals `uid` (the directory's matching rule,
 * case-insensitive) under ou=units, and read its unit.  uid is escaped.
 * *out freed with gpc_account_free().
 * Returns GPC_OK, GPC_ERR_NOTFOUND, GPC_ERR_AMBIGUOUS (more than one entry:
 * refuse), GPC_ERR_INVAL (empty or over 256 bytes), GPC_ERR_UNAVAIL,
 * GPC_ERR_TIMEOUT, GPC_ERR_LDAP, GPC_ERR_NOMEM.
 */
int gpc_dir_find_account(struct gpc_dir *d, const char *uid, struct gpc_account **out);

void gpc_account_free(struct gpc_account *a);

/* Whether the account and its unit are both active. */
int gpc_account_usable(const struct gpc_account *a);

/*
 * The longest password (bytes) ever sent to the directory, in a bind, a
 * Password Modify or an enrollment: a longer one is wrong (or, as a new
 * password, refused as too long) before anything is sent.  Without it the
 * caller's input would choose the outcome: slapd drops an anonymous
 * connection whose request exceeds its sockbuf_max_incoming (256 KiB), so
 * a huge "password" read as "directory unavailable".
 */
#define GPC_PASSWORD_MAX 1024

/*
 * Verify a password by a simple bind as dn on a second connection to the
 * server this session uses; the session's own identity is untouched.  An
 * empty password is refused before any bind (RFC 4513 §5.1.2: an empty
 * password is an unauthenticated bind, which succeeds), and so is one over
 * GPC_PASSWORD_MAX bytes.
 * Returns GPC_OK, GPC_ERR_BADPASS (wrong, or the account is locked by
 * ppolicy: slapd answers the same), GPC_ERR_UNAVAIL, GPC_ERR_TIMEOUT,
 * GPC_ERR_TLS, GPC_ERR_NOMEM.
 */
int gpc_dir_check_password(struct gpc_dir *d, const char *dn, const char *password);

/*
 * gpc_dir_find_account() and gpc_dir_check_password() in one, one round
 * trip shorter: after the account search, the unit read and the user's bind
 * (on its second connection, whose TCP and TLS set-up overlaps the read)
 * are in flight at the same time.  The bind happens whatever the account's
 * state; judge gpc_account_usable() as before.  password may be NULL,
 * empty or over GPC_PASSWORD_MAX: no bind is sent and *pw_status is
 * GPC_ERR_BADPASS.
 * On GPC_OK, *out is as from gpc_dir_find_account() and *pw_status is what
 * gpc_dir_check_password() would have returned.  Other returns are
 * gpc_dir_find_account()'s; *out is then NULL and *pw_status meaningless.
 */
int gpc_dir_find_account_bind(struct gpc_dir *d, const char *uid, const char *password,
    struct gpc_account **out, int *pw_status);

/*
 * Run a search; *res (ldap_msgfree) holds the entries.  base is a DN;
 * filter must already be escaped.  sizelimit 0 = none.
 * Returns GPC_OK (also for zero entries), GPC_ERR_NOTFOUND (base absent),
 * GPC_ERR_UNAVAIL, GPC_ERR_TIMEOUT, GPC_ERR_DENIED, GPC_ERR_LDAP.
 */
int gpc_dir_search(struct gpc_dir *d, const char *base, int scope, const char *filter,
    char **attrs, int sizelimit, LDAPMessage **res);

/*
 * Modify, add and delete one entry; mods as libldap's LDAPMod array.
 * ctrls may be NULL.  Return gpc_dir_err() of the result.
 */
int gpc_dir_modify(struct gpc_dir *d, const char *dn, LDAPMod **mods, LDAPControl **ctrls);
int gpc_dir_add(struct gpc_dir *d, const char *dn, LDAPMod **mods);
int gpc_dir_delete(struct gpc_dir *d, const char *dn);

/*
 * Set a password with the Password Modify extended operation (RFC 3062) as
 * this session's identity, so the server hashes it and applies its password
 * policy.  old may be NULL (an administrative set).  On a policy refusal
 * *why, if not NULL, is set to a static English phrase from ppolicy
 * ("Password is too short for policy", ...).  A new password over
 * GPC_PASSWORD_MAX bytes is refused so before anything is sent.
 * Returns GPC_OK, GPC_ERR_INVAL (refused by policy), GPC_ERR_BADPASS,
 * GPC_ERR_DENIED, GPC_ERR_UNAVAIL, GPC_ERR_LDAP.
 */
int gpc_dir_passwd(struct gpc_dir *d, const char *dn, const char *old, const char *new_pw,
    const char **why);

/*
 * First value of attr in entry as a malloc'd string, or NULL.  Helpers for
 * code that reads entries from gpc_dir_search().
 */
char *gpc_dir_get(struct gpc_dir *d, LDAPMessage *entry, const char *attr);
int64_t gpc_dir_get_int(struct gpc_dir *d, LDAPMessage *entry, const char *attr, int64_t dflt);
time_t gpc_dir_get_time(struct gpc_dir *d, LDAPMessage *entry, const char *attr);
char **gpc_dir_get_all(struct gpc_dir *d, LDAPMessage *entry, const char *attr);

#endif
