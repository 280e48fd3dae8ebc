/*
 * Configuration: libconfig parsing driven by one table of known keys, so the
 * same table gives defaults, types, ranges and the "unknown key" check.
 */
#include <errno.h>
#include <fcntl.h>
#include <libconfig.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cfg.h"
#include "err.h"
#include "util.h"

enum ktype { K_STR, K_INT, K_BOOL, K_STRLIST, K_ENUM, K_GROUP, K_CUSTOM };

struct key {
	const char *name;
	enum ktype type;
	size_t off;              /* into struct gpc_cfg (or the list element) */
	long min, max;           /* K_INT range */
	const char *const *enumv; /* K_ENUM names, index = value */
	const struct key *sub;   /* K_GROUP members */
};

#define OFF(f) offsetof(struct gpc_cfg, f)

static const char *const algo_names[] = { "sha1", "sha256", "sha512", NULL };
static const char *const suite_names[] = { "standard", "gm", NULL };
static const char *const lang_names[] = { "auto", "zh_CN", "en", NULL };

static const struct key directory_keys[] = {
	{ "uri", K_STRLIST, OFF(uris), 0, 0, NULL, NULL },
	{ "base", K_STR, OFF(base), 0, 0, NULL, NULL },
	{ "reader_dn", K_STR, OFF(reader_dn), 0, 0, NULL, NULL },
	{ "reader_password_file", K_STR, OFF(reader_password_file), 0, 0, NULL, NULL },
	{ "writer_dn", K_STR, OFF(writer_dn), 0, 0, NULL, NULL },
	{ "writer_password_file", K_STR, OFF(writer_password_file), 0, 0, NULL, NULL },
	{ "ca_file", K_STR, OFF(ca_file), 0, 0, NULL, NULL },
	{ "starttls", K_BOOL, OFF(starttls), 0, 0, NULL, NULL },
	{ "require_tls", K_BOOL, OFF(require_tls), 0, 0, NULL, NULL },
	{ "network_timeout_ms", K_INT, OFF(network_timeout_ms), 10, 120000, NULL, NULL },
	{ "operation_timeout_ms", K_INT, OFF(op_timeout_ms), 10, 300000, NULL, NULL },
	{ "otp_write_uri", K_STR, OFF(otp_write_uri), 0, 0, NULL, NULL },
	{ "primary_retry_s", K_INT, OFF(primary_retry_s), 0, 86400, NULL, NULL },
	{ "state_file", K_STR, OFF(state_file), 0, 0, NULL, NULL },
	{ "failover_timeout_ms", K_INT, OFF(failover_timeout_ms), 0, 600000, NULL, NULL },
	{ NULL, 0, 0, 0, 0, NULL, NULL }
};

static const struct key totp_keys[] = {
	{ "digits", K_INT, OFF(digits), 6, 8, NULL, NULL },
	{ "period", K_INT, OFF(period), 30, 60, NULL, NULL },
	{ "algorithm", K_ENUM, OFF(algorithm), 0, 0, algo_names, NULL },
	{ "window", K_INT, OFF(window), 0, 10, NULL, NULL },
	{ "issuer", K_STR, OFF(issuer), 0, 0, NULL, NULL },
	{ "failure_limit", K_INT, OFF(failure_limit), 1, 100, NULL, NULL },
	{ "lockout_s", K_INT, OFF(lockout_s), 1, 86400 * 30, NULL, NULL },
	{ NULL, 0, 0, 0, 0, NULL, NULL }
};

static const struct key crypto_keys[] = {
	{ "suite", K_ENUM, OFF(suite), 0, 0, suite_names, NULL },
	{ "key_dir", K_STR, OFF(key_dir), 0, 0, NULL, NULL },
	{ NULL, 0, 0, 0, 0, NULL, NULL }
};

static const struct key prompt_keys[] = {
	{ "password", K_STR, OFF(prompts.password), 0, 0, NULL, NULL },
	{ "code", K_STR, OFF(prompts.code), 0, 0, NULL, NULL },
	{ "password_and_code", K_STR, OFF(prompts.password_and_code), 0, 0, NULL, NULL },
	{ "new_password", K_STR, OFF(prompts.new_password), 0, 0, NULL, NULL },
	{ "new_password_again", K_STR, OFF(prompts.new_password_again), 0, 0, NULL, NULL },
	{ "passwords_differ", K_STR, OFF(prompts.passwords_differ), 0, 0, NULL, NULL },
	{ "password_refused", K_STR, OFF(prompts.password_refused), 0, 0, NULL, NULL },
	{ "enroll_intro", K_STR, OFF(prompts.enroll_intro), 0, 0, NULL, NULL },
	{ "enroll_scan", K_STR, OFF(prompts.enroll_scan), 0, 0, NULL, NULL },
	{ "enroll_confirm", K_STR, OFF(prompts.enroll_confirm), 0, 0, NULL, NULL },
	{ "recovery_codes", K_STR, OFF(prompts.recovery_codes), 0, 0, NULL, NULL },
	{ "acknowledge", K_STR, OFF(prompts.acknowledge), 0, 0, NULL, NULL },
	{ "current_password", K_STR, OFF(prompts.current_password), 0, 0, NULL, NULL },
	{ "password_reset", K_STR, OFF(prompts.password_reset), 0, 0, NULL, NULL },
	{ "password_expired", K_STR, OFF(prompts.password_expired), 0, 0, NULL, NULL },
	{ NULL, 0, 0, 0, 0, NULL, NULL }
};

static const struct key pam_keys[] = {
	{ "enrollment", K_BOOL, OFF(enrollment), 0, 0, NULL, NULL },
	{ "allow_unenrolled", K_BOOL, OFF(allow_unenrolled), 0, 0, NULL, NULL },
	{ "fail_delay_ms", K_INT, OFF(fail_delay_ms), 0, 60000, NULL, NULL },
	{ "last_login_interval_s", K_INT, OFF(last_login_interval_s), 0, 86400 * 7, NULL, NULL },
	{ "language", K_ENUM, OFF(language), 0, 0, lang_names, NULL },
	{ "prompts", K_GROUP, 0, 0, 0, NULL, prompt_keys },
	{ "services", K_CUSTOM, 0, 0, 0, NULL, NULL },
	{ NULL, 0, 0, 0, 0, NULL, NULL }
};

static const struct key provisioner_keys[] = {
	{ "spool", K_STR, OFF(spool), 0, 0, NULL, NULL },
	{ "outbox", K_STR, OFF(outbox), 0, 0, NULL, NULL },
	{ "time_zone", K_STR, OFF(time_zone), 0, 0, NULL, NULL },
	{ "identity_limit", K_INT, OFF(identity_limit), 1, 100, NULL, NULL },
	{ "retention_days", K_INT, OFF(retention_days), 0, 36500, NULL, NULL },
	{ "max_clock_skew_s", K_INT, OFF(max_clock_skew_s), 0, 86400, NULL, NULL },
	{ "enroll_code_ttl_s", K_INT, OFF(enroll_code_ttl_s), 60, 86400 * 30, NULL, NULL },
	{ "rescan_s", K_INT, OFF(rescan_s), 1, 86400, NULL, NULL },
	{ "hold_s", K_INT, OFF(hold_s), 0, 86400 * 7, NULL, NULL },
	{ "bureaus", K_CUSTOM, 0, 0, 0, NULL, NULL },
	{ NULL, 0, 0, 0, 0, NULL, NULL }
};

static const struct key audit_keys[] = {
	{ "file", K_STR, OFF(audit_file), 0, 0, NULL, NULL },
	{ "syslog", K_BOOL, OFF(audit_syslog), 0, 0, NULL, NULL },
	{ NULL, 0, 0, 0, 0, NULL, NULL }
};

static const struct key top_keys[] = {
	{ "directory", K_GROUP, 0, 0, 0, NULL, directory_keys },
	{ "totp", K_GROUP, 0, 0, 0, NULL, totp_keys },
	{ "crypto", K_GROUP, 0, 0, 0, NULL, crypto_keys },
	{ "pam", K_GROUP, 0, 0, 0, NULL, pam_keys },
	{ "provisioner", K_GROUP, 0, 0, 0, NULL, provisioner_keys },
	{ "audit", K_GROUP, 0, 0, 0, NULL, audit_keys },
	{ NULL, 0, 0, 0, 0, NULL, NULL }
};

struct parse {
	const char *file;
	char *err;
	size_t errlen;
};

static int
fail(struct parse *p, const config_setting_t *s, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int
fail(struct parse *p, const config_setting_t *s, const char *key, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (p->err != NULL && p->errlen > 0)
		snprintf(p->err, p->errlen, "%s:%u: %s: %s", p->file,
		    s != NULL ? config_setting_source_line(s) : 0, key, msg);
	return GPC_ERR_CONFIG;
}

static void
path_of(const config_setting_t *s, char *buf, size_t len)
{
	const config_setting_t *chain[16];
	size_t n = 0, used = 0;

	buf[0] = '\0';
	for (; s != NULL && n < 16; s = config_setting_parent(s))
		chain[n++] = s;
	while (n-- > 0) {
		const char *name = config_setting_name(chain[n]);
		int idx = config_setting_index(chain[n]);
		const config_setting_t *parent = config_setting_parent(chain[n]);
		int w;

		if (parent == NULL)
			continue; /* the root */
		if (config_setting_is_list(parent) || config_setting_is_array(parent))
			w = snprintf(buf + used, len - used, "[%d]", idx);
		else
			w = snprintf(buf + used, len - used, "%s%s",
			    used > 0 ? "." : "", name != NULL ? name : "?");
		if (w < 0 || (size_t)w >= len - used)
			return;
		used += (size_t)w;
	}
}

static int
dup_string(struct parse *p, const config_setting_t *s, const char *key, char **dst)
{
	const char *v;

	if (config_setting_type(s) != CONFIG_TYPE_STRING)
		return fail(p, s, key, "expected a string");
	v = config_setting_get_string(s);
	if (v == NULL || *v == '\0')
		return fail(p, s, key, "must not be empty");
	free(*dst);
	if ((*dst = strdup(v)) == NULL)
		return GPC_ERR_NOMEM;
	return GPC_OK;
}

static int
string_list(struct parse *p, const config_setting_t *s, const char *key, char ***dst, size_t *n)
{
	int i, count, r;

	if (config_setting_type(s) == CONFIG_TYPE_STRING) {
		/* one value may be written without brackets */
		gpc_strv_free(*dst);
		*dst = NULL;
		*n = 0;
		if ((*dst = calloc(2, sizeof(char *))) == NULL)
			return GPC_ERR_NOMEM;
		*n = 1;
		return dup_string(p, s, key, &(*dst)[0]);
	}
	if (!config_setting_is_array(s) && !config_setting_is_list(s))
		return fail(p, s, key, "expected a list of strings");
	count = config_setting_length(s);
	gpc_strv_free(*dst);
	*n = 0;
	if ((*dst = calloc((size_t)count + 1, sizeof(char *))) == NULL)
		return GPC_ERR_NOMEM;
	for (i = 0; i < count; i++) {
		if ((r = dup_string(p, config_setting_get_elem(s, (unsigned)i), key,
		    &(*dst)[i])) != GPC_OK)
			return r;
		*n = (size_t)i + 1;
	}
	return GPC_OK;
}

static int parse_services(struct parse *, const config_setting_t *, struct gpc_cfg *);
static int parse_bureaus(struct parse *, const config_setting_t *, struct gpc_cfg *);

static int
parse_group(struct parse *p, const config_setting_t *g, const struct key *keys, void *base,
    struct gpc_cfg *cfg)
{
	int i, count, r;
	char key[128];

	if (!config_setting_is_group(g)) {
		path_of(g, key, sizeof(key));
		return fail(p, g, key, "expected a group { ... }");
	}
	count = config_setting_length(g);
	for (i = 0; i < count; i++) {
		const config_setting_t *s = config_setting_get_elem(g, (unsigned)i);
		const char *name = config_setting_name(s);
		const struct key *k;
		char *field;

		path_of(s, key, sizeof(key));
		for (k = keys; k->name != NULL; k++)
			if (name != NULL && strcmp(k->name, name) == 0)
				break;
		if (k->name == NULL)
			return fail(p, s, key, "unknown key");
		field = (char *)base + k->off;
		switch (k->type) {
		case K_STR:
			if ((r = dup_string(p, s, key, (char **)(void *)field)) != GPC_OK)
				return r;
			break;
		case K_INT: {
			long long v;

			if (config_setting_type(s) != CONFIG_TYPE_INT &&
			    config_setting_type(s) != CONFIG_TYPE_INT64)
				return fail(p, s, key, "expected an integer");
			v = config_setting_get_int64(s);
			if (v < k->min || v > k->max)
				return fail(p, s, key, "%lld is out of range %ld..%ld",
				    v, k->min, k->max);
			*(int *)(void *)field = (int)v;
			break;
		}
		case K_BOOL:
			if (config_setting_type(s) != CONFIG_TYPE_BOOL)
				return fail(p, s, key, "expected true or false");
			*(int *)(void *)field = config_setting_get_bool(s);
			break;
		case K_STRLIST: {
			size_t n = 0;

			if ((r = string_list(p, s, key, (char ***)(void *)field, &n)) != GPC_OK)
				return r;
			if (field == (char *)&cfg->uris)
				cfg->nuris = n;
			break;
		}
		case K_ENUM: {
			const char *v;
			int j;

			if (config_setting_type(s) != CONFIG_TYPE_STRING)
				return fail(p, s, key, "expected a string");
			v = config_setting_get_string(s);
			for (j = 0; k->enumv[j] != NULL; j++)
				if (strcmp(k->enumv[j], v) == 0)
					break;
			if (k->enumv[j] == NULL)
				return fail(p, s, key, "\"%.32s\" is not one of the allowed values", v);
			*(int *)(void *)field = j;
			break;
		}
		case K_GROUP:
			if ((r = parse_group(p, s, k->sub, base, cfg)) != GPC_OK)
				return r;
			break;
		case K_CUSTOM:
			r = strcmp(k->name, "services") == 0 ? parse_services(p, s, cfg) :
			    parse_bureaus(p, s, cfg);
			if (r != GPC_OK)
				return r;
			break;
		}
	}
	return GPC_OK;
}

/* services = ( { service = "sshd"; roles = [ "handler", "reviewer" ]; }, ... ); */
static int
parse_services(struct parse *p, const config_setting_t *s, struct gpc_cfg *cfg)
{
	int i, count, r;
	char key[128];

	path_of(s, key, sizeof(key));
	if (!config_setting_is_list(s))
		return fail(p, s, key, "expected a list ( { service = ...; roles = [...]; } )");
	count = config_setting_length(s);
	if ((cfg->services = calloc((size_t)count + 1, sizeof(*cfg->services))) == NULL)
		return GPC_ERR_NOMEM;
	for (i = 0; i < count; i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
		struct gpc_service_roles *sr = &cfg->services[i];
		int j, n;

		cfg->nservices = (size_t)i + 1;
		path_of(e, key, sizeof(key));
		if (!config_setting_is_group(e))
			return fail(p, e, key, "expected { service = ...; roles = [...]; }");
		n = config_setting_length(e);
		for (j = 0; j < n; j++) {
			const config_setting_t *m = config_setting_get_elem(e, (unsigned)j);
			const char *name = config_setting_name(m);

			path_of(m, key, sizeof(key));
			if (strcmp(name, "service") == 0)
				r = dup_string(p, m, key, &sr->service);
			else if (strcmp(name, "roles") == 0)
				r = string_list(p, m, key, &sr->roles, &sr->nroles);
			else
				r = fail(p, m, key, "unknown key");
			if (r != GPC_OK)
				return r;
		}
		path_of(e, key, sizeof(key));
		if (sr->service == NULL || sr->roles == NULL)
			return fail(p, e, key, "needs both service and roles");
	}
	return GPC_OK;
}

/* bureaus = ( { issuer = "150102"; name = ...; certificate = ...; jurisdiction = [...]; } ); */
static int
parse_bureaus(struct parse *p, const config_setting_t *s, struct gpc_cfg *cfg)
{
	int i, count, r;
	char key[128];

	path_of(s, key, sizeof(key));
	if (!config_setting_is_list(s))
		return fail(p, s, key, "expected a list ( { issuer = ...; ... } )");
	count = config_setting_length(s);
	if ((cfg->bureaus = calloc((size_t)count + 1, sizeof(*cfg->bureaus))) == NULL)
		return GPC_ERR_NOMEM;
	for (i = 0; i < count; i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
		struct gpc_bureau *b = &cfg->bureaus[i];
		int j, n;

		cfg->nbureaus = (size_t)i + 1;
		path_of(e, key, sizeof(key));
		if (!config_setting_is_group(e))
			return fail(p, e, key, "expected { issuer = ...; certificate = ...; }");
		n = config_setting_length(e);
		for (j = 0; j < n; j++) {
			const config_setting_t *m = config_setting_get_elem(e, (unsigned)j);
			const char *name = config_setting_name(m);

			path_of(m, key, sizeof(key));
			if (strcmp(name, "issuer") == 0)
				r = dup_string(p, m, key, &b->issuer);
			else if (strcmp(name, "name") == 0)
				r = dup_string(p, m, key, &b->name);
			else if (strcmp(name, "certificate") == 0)
				r = dup_string(p, m, key, &b->certificate);
			else if (strcmp(name, "jurisdiction") == 0)
				r = string_list(p, m, key, &b->jurisdiction, &b->njurisdiction);
			else
				r = fail(p, m, key, "unknown key");
			if (r != GPC_OK)
				return r;
		}
		path_of(e, key, sizeof(key));
		if (b->issuer == NULL || b->certificate == NULL)
			return fail(p, e, key, "needs issuer and certificate");
		if (b->jurisdiction == NULL) {
			/* by default a bureau decides for its own region only */
			if ((b->jurisdiction = calloc(2, sizeof(char *))) == NULL ||
			    (b->jurisdiction[0] = strdup(b->issuer)) == NULL)
				return GPC_ERR_NOMEM;
			b->njurisdiction = 1;
		}
		for (j = 0; j < i; j++)
			if (strcmp(cfg->bureaus[j].issuer, b->issuer) == 0)
				return fail(p, e, key, "issuer %.16s listed twice", b->issuer);
	}
	return GPC_OK;
}

static int
set_defaults(struct gpc_cfg *c)
{
	c->starttls = 0;
	c->require_tls = 1;
	c->network_timeout_ms = 3000;
	c->op_timeout_ms = 5000;
	c->primary_retry_s = 300;
	c->failover_timeout_ms = 10000;
	c->digits = 6;
	c->period = 30;
	c->algorithm = GPC_ALGO_SHA1;
	c->window = 1;
	c->failure_limit = 5;
	c->lockout_s = 900;
	c->suite = GPC_SUITE_STANDARD;
	c->enrollment = 1;
	c->allow_unenrolled = 0;
	c->fail_delay_ms = 2000;
	c->last_login_interval_s = 3600;
	c->language = GPC_LANG_AUTO;
	c->identity_limit = 1;
	c->retention_days = 1095;
	c->max_clock_skew_s = 300;
	c->enroll_code_ttl_s = 72 * 3600;
	c->rescan_s = 60;
	c->hold_s = 600;
	c->audit_syslog = 1;
	if ((c->issuer = strdup("政府采购云平台")) == NULL ||
	    (c->key_dir = strdup("/etc/gpcgate/keys")) == NULL ||
	    (c->state_file = strdup("/run/gpcgate/failover")) == NULL ||
	    (c->spool = strdup("/var/spool/gpcgate")) == NULL ||
	    (c->time_zone = strdup("Asia/Shanghai")) == NULL ||
	    (c->audit_file = strdup("/var/log/gpcgate/audit.log")) == NULL)
		return GPC_ERR_NOMEM;
	return GPC_OK;
}

/* Checks that need more than one key. */
static int
check_whole(struct parse *p, const config_t *lc, struct gpc_cfg *c)
{
	const config_setting_t *root = config_root_setting(lc);
	const config_setting_t *dir = config_setting_get_member(root, "directory");
	size_t i;

	if (c->nuris == 0)
		return fail(p, dir, "directory.uri", "at least one URI is required");
	for (i = 0; i < c->nuris; i++) {
		const char *u = c->uris[i];

		if (strncmp(u, "ldap://", 7) != 0 && strncmp(u, "ldaps://", 8) != 0 &&
		    strncmp(u, "ldapi://", 8) != 0)
			return fail(p, config_setting_get_member(dir, "uri"), "directory.uri",
			    "\"%.64s\" is not an ldap://, ldaps:// or ldapi:// URI", u);
	}
	if (c->base == NULL)
		return fail(p, dir, "directory.base", "is required");
	/* The table's ranges would admit 7 digits and 45 s; apps know 6/8 and 30/60. */
	if (c->digits != 6 && c->digits != 8)
		return fail(p, config_lookup(lc, "totp.digits"), "totp.digits", "%d is not 6 or 8",
		    c->digits);
	if (c->period != 30 && c->period != 60)
		return fail(p, config_lookup(lc, "totp.period"), "totp.period",
		    "%d is not 30 or 60", c->period);
	if ((c->reader_dn == NULL) != (c->reader_password_file == NULL))
		return fail(p, dir, "directory.reader_dn",
		    "reader_dn and reader_password_file go together");
	if ((c->writer_dn == NULL) != (c->writer_password_file == NULL))
		return fail(p, dir, "directory.writer_dn",
		    "writer_dn and writer_password_file go together");
	if (c->outbox == NULL && gpc_asprintf(&c->outbox, "%s/outbox", c->spool) < 0)
		return GPC_ERR_NOMEM;
	return GPC_OK;
}

/*
 * libconfig follows "@include" to files that get none of the owner and mode
 * checks: refuse the directive (libconfig's own pattern, ^[ \t]*@include),
 * then rewind for the real parse.  Whole lines (getline): a fixed buffer
 * let blanks longer than it push the directive into an unchecked chunk.
 */
static int
refuse_include(struct parse *p, FILE *f)
{
	char *line = NULL;
	size_t cap = 0;
	unsigned n = 0;
	int r = GPC_OK;

	while (getline(&line, &cap, f) >= 0) {
		n++;
		if (strncmp(line + strspn(line, " \t"), "@include", 8) == 0) {
			if (p->err != NULL && p->errlen > 0)
				snprintf(p->err, p->errlen, "%s:%u: @include: not allowed: an "
				    "included file escapes the permission checks", p->file, n);
			r = GPC_ERR_CONFIG;
			goto out;
		}
	}
	if (ferror(f)) {
		r = GPC_ERR_IO;
		goto out;
	}
	rewind(f);
out:
	free(line);
	return r;
}

int
gpc_cfg_load(const char *path, struct gpc_cfg **out, char *err, size_t errlen)
{
	struct parse p = { NULL, err, errlen };
	struct gpc_cfg *c = NULL;
	config_t lc;
	FILE *f = NULL;
	struct stat st;
	char why[128];
	int fd = -1, r;

	*out = NULL;
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (path == NULL)
		path = GPC_CFG_DEFAULT;
	p.file = path;
	config_init(&lc);
	/* O_NONBLOCK: a FIFO in its place is refused below, not waited on */
	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) < 0) {
		if (err != NULL)
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
		r = GPC_ERR_IO;
		goto out;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		if (err != NULL)
			snprintf(err, errlen, "%s: not a regular file", path);
		r = GPC_ERR_PERM;
		goto out;
	}
	/*
	 * Whoever can write the config can point logins at their own directory:
	 * the rule of every file that decides what is trusted (util.h).
	 */
	if ((r = gpc_check_trusted_stat(&st, why, sizeof(why))) != GPC_OK) {
		if (err != NULL)
			snprintf(err, errlen, "%s: %s: refused", path, why);
		goto out;
	}
	if ((f = fdopen(fd, "r")) == NULL) {
		if (err != NULL)
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
		r = GPC_ERR_IO;
		goto out;
	}
	fd = -1; /* transferred */
	if ((r = refuse_include(&p, f)) != GPC_OK)
		goto out;
	if (config_read(&lc, f) != CONFIG_TRUE) {
		if (err != NULL)
			snprintf(err, errlen, "%s:%d: syntax error: %s", path,
			    config_error_line(&lc), config_error_text(&lc));
		r = GPC_ERR_CONFIG;
		goto out;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL || (c->path = strdup(path)) == NULL) {
		r = GPC_ERR_NOMEM;
		goto out;
	}
	if ((r = set_defaults(c)) != GPC_OK)
		goto out;
	if ((r = parse_group(&p, config_root_setting(&lc), top_keys, c, c)) != GPC_OK)
		goto out;
	if ((r = check_whole(&p, &lc, c)) != GPC_OK)
		goto out;
	*out = c;
	c = NULL; /* transferred */
	r = GPC_OK;
out:
	gpc_cfg_free(c);
	config_destroy(&lc);
	if (f != NULL)
		fclose(f);
	if (fd >= 0)
		close(fd);
	return r;
}

void
gpc_cfg_free(struct gpc_cfg *c)
{
	size_t i;

	if (c == NULL)
		return;
	free(c->path);
	gpc_strv_free(c->uris);
	free(c->base);
	free(c->reader_dn);
	free(c->reader_password_file);
	free(c->writer_dn);
	free(c->writer_password_file);
	free(c->ca_file);
	free(c->otp_write_uri);
	free(c->state_file);
	free(c->issuer);
	free(c->key_dir);
	free(c->prompts.password);
	free(c->prompts.code);
	free(c->prompts.password_and_code);
	free(c->prompts.new_password);
	free(c->prompts.new_password_again);
	free(c->prompts.passwords_differ);
	free(c->prompts.password_refused);
	free(c->prompts.enroll_intro);
	free(c->prompts.enroll_scan);
	free(c->prompts.enroll_confirm);
	free(c->prompts.recovery_codes);
	free(c->prompts.acknowledge);
	free(c->prompts.current_password);
	free(c->prompts.password_reset);
	free(c->prompts.password_expired);
	for (i = 0; c->services != NULL && i < c->nservices; i++) {
		free(c->services[i].service);
		gpc_strv_free(c->services[i].roles);
	}
	free(c->services);
	free(c->spool);
	free(c->outbox);
	free(c->time_zone);
	for (i = 0; c->bureaus != NULL && i < c->nbureaus; i++) {
		free(c->bureaus[i].issuer);
		free(c->bureaus[i].name);
		free(c->bureaus[i].certificate);
		gpc_strv_free(c->bureaus[i].jurisdiction);
	}
	free(c->bureaus);
	free(c->audit_file);
	free(c);
}

const struct gpc_bureau *
gpc_cfg_bureau(const struct gpc_cfg *cfg, const char *issuer)
{
	size_t i;

	for (i = 0; issuer != NULL && i < cfg->nbureaus; i++)
		if (strcmp(cfg->bureaus[i].issuer, issuer) == 0)
			return &cfg->bureaus[i];
	return NULL;
}

const struct gpc_bureau *
gpc_cfg_bureau_for(const struct gpc_cfg *cfg, const char *region)
{
	const struct gpc_bureau *best = NULL;
	size_t i, j, bestlen = 0;

	for (i = 0; region != NULL && i < cfg->nbureaus; i++)
		for (j = 0; j < cfg->bureaus[i].njurisdiction; j++) {
			const char *pre = cfg->bureaus[i].jurisdiction[j];
			size_t len = strlen(pre);

			if (strncmp(region, pre, len) == 0 && len > bestlen) {
				best = &cfg->bureaus[i];
				bestlen = len;
			}
		}
	return best;
}

int
gpc_cfg_role_allowed(const struct gpc_cfg *cfg, const char *service, const char *role)
{
	size_t i, j;

	for (i = 0; i < cfg->nservices; i++) {
		if (service == NULL || strcmp(cfg->services[i].service, service) != 0)
			continue;
		for (j = 0; j < cfg->services[i].nroles; j++)
			if (role != NULL && strcmp(cfg->services[i].roles[j], role) == 0)
				return 1;
		return 0;
	}
	return 1;
}

const char *
gpc_algo_name(enum gpc_algo a)
{
	return (unsigned)a < 3 ? algo_names[a] : "?";
}

int
gpc_algo_parse(const char *s, enum gpc_algo *out)
{
	int i;

	for (i = 0; s != NULL && algo_names[i] != NULL; i++)
		if (strcmp(s, algo_names[i]) == 0) {
			*out = (enum gpc_algo)i;
			return GPC_OK;
		}
	return GPC_ERR_INVAL;
}
