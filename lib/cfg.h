/*
 * gpcgate — configuration (libconfig 1.5 syntax).
 *
 * One file, default /etc/gpcgate/gpcgate.conf, read by the PAM module, the
 * provisioner and gpcgatectl.  Every key is optional except directory.uri and
 * directory.base; unknown keys, wrong types and out-of-range values are errors
 * that name the file, the line and the key.  The file must not be writable by
 * group or others, and it never holds a secret: passwords and keys live in
 * their own files (mode 0600), named here.
 */
#ifndef GPC_CFG_H
#define GPC_CFG_H

#include <stddef.h>

#define GPC_CFG_DEFAULT "/etc/gpcgate/gpcgate.conf"

enum gpc_algo { GPC_ALGO_SHA1, GPC_ALGO_SHA256, GPC_ALGO_SHA512 };
enum gpc_suite { GPC_SUITE_STANDARD, GPC_SUITE_GM };
enum gpc_lang { GPC_LANG_AUTO, GPC_LANG_ZH, GPC_LANG_EN };

/* One PAM service and the posts (roles) allowed to use it (分岗设权). */
struct gpc_service_roles {
	char *service;
	char **roles;
	size_t nroles;
};

/* A finance bureau whose signed decisions the provisioner accepts. */
struct gpc_bureau {
	char *issuer;        /* the decision's "issuer": the bureau's region code */
	char *name;          /* display name, e.g. 新城区财政局 */
	char *certificate;   /* PEM file: the bureau's signing certificate(s) */
	char **jurisdiction; /* region-code prefixes its decisions may cover */
	size_t njurisdiction;
};

/*
 * Custom prompt and message texts (pam.prompts); a NULL field keeps the
 * built-in text of the holder's language (lib/i18n.h lists the defaults).
 * A custom text is used as it is, whatever the language.
 */
struct gpc_prompts {
	char *password;
	char *code;
	char *password_and_code;
	char *new_password;       /* first-login enrollment: choose a password */
	char *new_password_again;
	char *passwords_differ;
	char *password_refused;   /* followed by the password policy's reason */
	char *enroll_intro;
	char *enroll_scan;        /* above the QR code */
	char *enroll_confirm;     /* above the code prompt that confirms the app */
	char *recovery_codes;     /* above the recovery codes */
	char *acknowledge;        /* the prompt after them */
	char *current_password;   /* password change: the holder's current password */
	char *password_reset;     /* account stage: the administrator reset the password */
	char *password_expired;   /* account stage: the password expired (grace login) */
};

struct gpc_cfg {
	char *path; /* the file this came from */

	/* directory { } */
	char **uris;             /* failover order */
	size_t nuris;
	char *base;              /* suffix, e.g. dc=gpcloud,dc=example */
	char *reader_dn;         /* the PAM hosts' service account */
	char *reader_password_file;
	char *writer_dn;         /* the provisioner's service account */
	char *writer_password_file;
	char *ca_file;           /* CA certificates for ldaps:// and StartTLS */
	int starttls;            /* upgrade ldap:// with StartTLS */
	int require_tls;         /* refuse cleartext to anything but ldapi/loopback */
	int network_timeout_ms;
	int op_timeout_ms;
	char *otp_write_uri;     /* the one provider taking step/failure writes */
	int primary_retry_s;     /* try the first URI again after this long */
	char *state_file;        /* failover memory: when each URI was last found dead */
	int failover_timeout_ms; /* all URIs of the failover together, 0: unbounded */

	/* totp { } — RFC 6238 parameters for new enrollments */
	int digits;              /* 6 or 8 */
	int period;              /* step in seconds: 30 or 60 */
	enum gpc_algo algorithm;
	int window;              /* steps accepted either side of now, 0..10 */
	char *issuer;            /* shown in the authenticator app */
	int failure_limit;       /* consecutive wrong codes before lockout */
	int lockout_s;           /* how long a lockout lasts */

	/* crypto { } */
	enum gpc_suite suite;
	char *key_dir;           /* seal-vN.key and index-vN.key, 32 bytes, 0600 */

	/* pam { } */
	int enrollment;          /* first-login enrollment allowed */
	int allow_unenrolled;    /* not enrolled: PAM_IGNORE instead of failure */
	int fail_delay_ms;
	int last_login_interval_s; /* gpcLastLogin is rewritten only when older than this */
	enum gpc_lang language;
	struct gpc_prompts prompts;
	struct gpc_service_roles *services;
	size_t nservices;

	/* provisioner { } */
	char *spool;
	char *outbox;
	char *time_zone;         /* for deadlines, e.g. Asia/Shanghai */
	int identity_limit;      /* accounts one person may hold at once */
	int retention_days;      /* tombstones kept this long */
	int max_clock_skew_s;    /* issued_at tolerated this far in the future */
	int enroll_code_ttl_s;
	int rescan_s;
	int hold_s;              /* a document refused for a missing target waits this long */
	struct gpc_bureau *bureaus;
	size_t nbureaus;

	/* audit { } */
	char *audit_file;
	int audit_syslog;
};

/*
 * Read and validate a configuration file.
 * path: file name; NULL means GPC_CFG_DEFAULT.  On success *out is a new
 * configuration the caller frees with gpc_cfg_free().  On failure *out is
 * NULL and err (errlen bytes, may be NULL) holds "FILE:LINE: key: problem".
 * Returns GPC_OK, GPC_ERR_IO (unreadable), GPC_ERR_PERM (writable by group or
 * others, or not a regular file), GPC_ERR_CONFIG (syntax, unknown key, wrong
 * type, out of range), GPC_ERR_NOMEM.  Thread-safe.
 */
int gpc_cfg_load(const char *path, struct gpc_cfg **out, char *err, size_t errlen);

/* Free a configuration; NULL is allowed. */
void gpc_cfg_free(struct gpc_cfg *cfg);

/*
 * The bureau whose issuer code is `issuer`, or NULL.  The result points into
 * cfg.
 */
const struct gpc_bureau *gpc_cfg_bureau(const struct gpc_cfg *cfg, const char *issuer);

/*
 * The most local bureau whose jurisdiction covers region (the longest
 * matching prefix): where notices about a unit of that region go.  NULL if
 * none or region is NULL; the result points into cfg.
 */
const struct gpc_bureau *gpc_cfg_bureau_for(const struct gpc_cfg *cfg, const char *region);

/*
 * Whether `role` may use PAM service `service`.  A service not listed in
 * pam.services is open to every role.  Returns 1 or 0.
 */
int gpc_cfg_role_allowed(const struct gpc_cfg *cfg, const char *service, const char *role);

/* "sha1", "sha256", "sha512"; and back (GPC_ERR_INVAL for anything else). */
const char *gpc_algo_name(enum gpc_algo a);
int gpc_algo_parse(const char *s, enum gpc_algo *out);

#endif
