/*
 * Spool documents: a strict reading of the JSON, every problem reported.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "doc.h"
#include "err.h"
#include "util.h"
#include "validate.h"

int
gpc_reasons_add(struct gpc_reasons *rs, const char *code, const char *field, const char *fmt,
    ...)
{
	struct gpc_reason *r;
	va_list ap;

	if (rs->n == rs->cap) {
		size_t cap = rs->cap == 0 ? 8 : rs->cap * 2;
		struct gpc_reason *v = realloc(rs->v, cap * sizeof(*v));

		if (v == NULL)
			return GPC_ERR_NOMEM;
		rs->v = v;
		rs->cap = cap;
	}
	r = &rs->v[rs->n++];
	snprintf(r->code, sizeof(r->code), "%s", code);
	snprintf(r->field, sizeof(r->field), "%s", field != NULL ? field : "");
	va_start(ap, fmt);
	vsnprintf(r->message, sizeof(r->message), fmt, ap);
	va_end(ap);
	return GPC_OK;
}

int
gpc_reasons_has(const struct gpc_reasons *rs, const char *code)
{
	size_t i;

	for (i = 0; i < rs->n; i++)
		if (strcmp(rs->v[i].code, code) == 0)
			return 1;
	return 0;
}

void
gpc_reasons_clear(struct gpc_reasons *rs)
{
	free(rs->v);
	rs->v = NULL;
	rs->n = rs->cap = 0;
}

json_t *
gpc_reasons_json(const struct gpc_reasons *rs)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a != NULL && i < rs->n; i++)
		json_array_append_new(a, json_pack("{s:s, s:s, s:s}", "code", rs->v[i].code,
		    "field", rs->v[i].field, "message", rs->v[i].message));
	return a;
}

int
gpc_doc_id_valid(const char *id)
{
	size_t i, len;

	if (id == NULL || (len = strlen(id)) == 0 || len > 64 || id[0] == '.')
		return 0;
	for (i = 0; i < len; i++) {
		char c = id[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '.' || c == '_' || c == '-'))
			return 0;
	}
	return 1;
}

const char *
gpc_doc_json_error(json_error_t *err)
{
	/* jansson quotes the text near the error: it may be an ID number. */
	char *near = strstr(err->text, " near ");

	if (near != NULL)
		*near = '\0';
	return err->text;
}

/*
 * A field of the schema: its name, whether it is required, and, for objects,
 * its members.  One table per document shape drives the unknown-field and
 * missing-field checks.
 */
struct field {
	const char *name;
	int required;
	const struct field *members; /* non-NULL: a JSON object */
};

struct ctx {
	struct gpc_reasons *rs;
	time_t now;
	int nomem;
};

static void
reason(struct ctx *c, const char *code, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
reason(struct ctx *c, const char *code, const char *field, const char *fmt, ...)
{
	char msg[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (gpc_reasons_add(c->rs, code, field, "%s", msg) != GPC_OK)
		c->nomem = 1;
}

/* Check an object against its table: unknown members, missing ones, types. */
static void
check_shape(struct ctx *c, json_t *obj, const struct field *fields, const char *prefix)
{
	const char *key;
	json_t *v;
	char path[64];
	const struct field *f;

	json_object_foreach(obj, key, v) {
		for (f = fields; f->name != NULL; f++)
			if (strcmp(f->name, key) == 0)
				break;
		snprintf(path, sizeof(path), "%s%s%.40s", prefix, *prefix ? "." : "", key);
		if (f->name == NULL) {
			reason(c, "unknown_field", path, "field not allowed here");
			continue;
		}
		if (f->members != NULL) {
			if (!json_is_object(v))
				reason(c, "invalid_field", path, "must be an object");
			else
				check_shape(c, v, f->members, path);
		} else if (!json_is_string(v))
			reason(c, "invalid_field", path, "must be a string");
		else if (json_string_length(v) == 0)
			reason(c, "missing_field", path, "must not be empty");
		else if (!gpc_utf8_valid(json_string_value(v), json_string_length(v)))
			reason(c, "invalid_field", path, "must be UTF-8 without NUL");
	}
	for (f = fields; f->name != NULL; f++) {
		if (f->required && json_object_get(obj, f->name) == NULL) {
			snprintf(path, sizeof(path), "%s%s%s", prefix, *prefix ? "." : "", f->name);
			reason(c, "missing_field", path, "required");
		}
	}
}

/* A string member that passed check_shape, or NULL; dup'd. */
static char *
str_at(struct ctx *c, json_t *root, const char *a, const char *b, const char *d)
{
	json_t *v = json_object_get(root, a);
	char *s;

	if (b != NULL)
		v = json_is_object(v) ? json_object_get(v, b) : NULL;
	if (d != NULL)
		v = json_is_object(v) ? json_object_get(v, d) : NULL;
	if (!json_is_string(v) || json_string_length(v) == 0 ||
	    !gpc_utf8_valid(json_string_value(v), json_string_length(v)))
		return NULL;
	if ((s = strdup(json_string_value(v))) == NULL)
		c->nomem = 1;
	return s;
}

static void
require(struct ctx *c, const void *value, const char *field, const char *why)
{
	if (value == NULL)
		reason(c, "missing_field", field, "required %s", why);
}

static int
one_of(const char *s, const char *const *allowed)
{
	size_t i;

	for (i = 0; s != NULL && allowed[i] != NULL; i++)
		if (strcmp(s, allowed[i]) == 0)
			return 1;
	return 0;
}

static const struct field contact_fields[] = {
	{ "name", 0, NULL }, { "phone", 0, NULL }, { NULL, 0, NULL }
};
static const struct field unit_fields[] = {
	{ "code", 1, NULL }, { "name", 0, NULL }, { "address", 0, NULL },
	{ "authority", 0, NULL }, { "region", 0, NULL }, { "contact", 0, contact_fields },
	{ NULL, 0, NULL }
};
static const struct field holder_fields[] = {
	{ "name", 0, NULL }, { "id_number", 0, NULL }, { "mobile", 0, NULL },
	{ NULL, 0, NULL }
};
static const struct field account_fields[] = {
	{ "uid", 1, NULL }, { "role", 0, NULL }, { "holder", 0, holder_fields },
	{ NULL, 0, NULL }
};
static const struct field application_fields[] = {
	{ "type", 1, NULL }, { "id", 1, NULL }, { "submitted_at", 1, NULL },
	{ "kind", 1, NULL }, { "unit", 0, unit_fields }, { "account", 0, account_fields },
	{ NULL, 0, NULL }
};
static const struct field target_fields[] = {
	{ "unit", 0, NULL }, { "account", 0, NULL }, { NULL, 0, NULL }
};
static const struct field reason_fields[] = {
	{ "code", 1, NULL }, { "text", 0, NULL }, { NULL, 0, NULL }
};
static const struct field decision_fields[] = {
	{ "type", 1, NULL }, { "id", 1, NULL }, { "issuer", 1, NULL },
	{ "issued_at", 1, NULL }, { "action", 1, NULL }, { "application", 0, NULL },
	{ "target", 0, target_fields }, { "reason", 0, reason_fields },
	{ "deadline", 0, NULL }, { "on_deadline", 0, NULL }, { NULL, 0, NULL }
};

static void
check_format(struct ctx *c, const char *value, const char *field,
    int (*valid)(const char *, const char **), const char *code)
{
	const char *why = NULL;

	if (value != NULL && valid(value, &why) != GPC_OK)
		reason(c, code, field, "%s", why != NULL ? why : "invalid");
}

static void
read_application(struct ctx *c, json_t *root, struct gpc_doc *d)
{
	static const char *const kinds[] = { "register", "change", "handover", NULL };
	static const char *const roles[] = { "handler", "reviewer", NULL };
	const char *why = NULL;

	d->kind = str_at(c, root, "kind", NULL, NULL);
	d->unit.code = str_at(c, root, "unit", "code", NULL);
	d->unit.name = str_at(c, root, "unit", "name", NULL);
	d->unit.address = str_at(c, root, "unit", "address", NULL);
	d->unit.authority = str_at(c, root, "unit", "authority", NULL);
	d->unit.region = str_at(c, root, "unit", "region", NULL);
	d->unit.contact_name = str_at(c, root, "unit", "contact", "name");
	d->unit.contact_phone = str_at(c, root, "unit", "contact", "phone");
	d->uid = str_at(c, root, "account", "uid", NULL);
	d->role = str_at(c, root, "account", "role", NULL);
	d->holder.name = str_at(c, root, "account", "holder", "name");
	d->holder.id_number = str_at(c, root, "account", "holder", "id_number");
	d->holder.mobile = str_at(c, root, "account", "holder", "mobile");

	if (d->kind != NULL && !one_of(d->kind, kinds)) {
		reason(c, "invalid_field", "kind", "must be register, change or handover");
		/* not kept: it would be echoed into results, records and the audit */
		free(d->kind);
		d->kind = NULL;
		return;
	}
	if (d->role != NULL && !one_of(d->role, roles))
		reason(c, "invalid_field", "account.role", "must be handler or reviewer");
	if (d->uid != NULL && !gpc_doc_id_valid(d->uid))
		reason(c, "invalid_field", "account.uid",
		    "1-64 letters, digits, '.', '_' or '-'");
	check_format(c, d->unit.code, "unit.code", gpc_valid_uscc, "invalid_credit_code");
	check_format(c, d->unit.region, "unit.region", gpc_valid_region, "invalid_region");
	check_format(c, d->unit.contact_phone, "unit.contact.phone", gpc_valid_phone,
	    "invalid_phone");
	check_format(c, d->holder.mobile, "account.holder.mobile", gpc_valid_mobile,
	    "invalid_mobile");
	if (d->holder.id_number != NULL &&
	    gpc_valid_id_number(d->holder.id_number, c->now, &why) != GPC_OK)
		reason(c, "invalid_id_number", "account.holder.id_number", "%s",
		    why != NULL ? why : "invalid");

	if (d->kind == NULL)
		return;
	if (strcmp(d->kind, "register") == 0) {
		/* True and complete registration information (rule 1). */
		if (json_object_get(root, "unit") == NULL) /* else check_shape named it */
			reason(c, "missing_field", "unit.code", "required for a registration");
		require(c, d->unit.name, "unit.name", "for a registration");
		require(c, d->unit.address, "unit.address", "for a registration");
		require(c, d->unit.authority, "unit.authority", "for a registration");
		require(c, d->unit.region, "unit.region", "for a registration");
		require(c, d->unit.contact_name, "unit.contact.name", "for a registration");
		require(c, d->unit.contact_phone, "unit.contact.phone", "for a registration");
		if (json_object_get(root, "account") == NULL)
			reason(c, "missing_field", "account", "required for a registration");
		else {
			require(c, d->role, "account.role", "for a registration");
			require(c, d->holder.name, "account.holder.name", "for a registration");
			require(c, d->holder.id_number, "account.holder.id_number",
			    "for a registration");
			require(c, d->holder.mobile, "account.holder.mobile",
			    "for a registration");
		}
	} else if (strcmp(d->kind, "handover") == 0) {
		if (json_object_get(root, "account") == NULL)
			reason(c, "missing_field", "account", "required for a handover");
		else {
			require(c, d->holder.name, "account.holder.name", "for a handover");
			require(c, d->holder.id_number, "account.holder.id_number",
			    "for a handover");
			require(c, d->holder.mobile, "account.holder.mobile", "for a handover");
		}
		if (d->role != NULL)
			reason(c, "invalid_field", "account.role",
			    "a handover keeps the account's post");
	} else { /* change */
		if (d->unit.code == NULL)
			reason(c, "missing_field", "unit.code", "required for a change");
		if (d->holder.name != NULL || d->holder.id_number != NULL)
			reason(c, "invalid_field", "account.holder",
			    "a change may carry the holder's mobile only; a new holder "
			    "is a handover");
		if (d->role != NULL)
			reason(c, "invalid_field", "account.role", "a post is not changed");
		if (d->unit.name == NULL && d->unit.address == NULL &&
		    d->unit.authority == NULL && d->unit.contact_name == NULL &&
		    d->unit.contact_phone == NULL && d->holder.mobile == NULL)
			reason(c, "missing_field", "unit", "a change must change something");
		if (d->unit.region != NULL)
			reason(c, "invalid_field", "unit.region",
			    "the region of a unit is not changed by application");
		if (d->holder.mobile != NULL && d->uid == NULL)
			reason(c, "missing_field", "account.uid",
			    "required with a new mobile");
	}
	if (strcmp(d->kind, "register") != 0 && d->unit.code == NULL)
		reason(c, "missing_field", "unit.code", "required");
}

static void
read_decision(struct ctx *c, json_t *root, struct gpc_doc *d)
{
	static const char *const actions[] = { "approve", "deny", "suspend", "reinstate",
		"terminate", NULL };
	static const char *const on_deadline[] = { "terminate", "notify", NULL };
	int y, m, day;

	d->issuer = str_at(c, root, "issuer", NULL, NULL);
	d->action = str_at(c, root, "action", NULL, NULL);
	d->application = str_at(c, root, "application", NULL, NULL);
	d->target_unit = str_at(c, root, "target", "unit", NULL);
	d->target_account = str_at(c, root, "target", "account", NULL);
	d->reason_code = str_at(c, root, "reason", "code", NULL);
	d->reason_text = str_at(c, root, "reason", "text", NULL);
	d->deadline = str_at(c, root, "deadline", NULL, NULL);
	d->on_deadline = str_at(c, root, "on_deadline", NULL, NULL);

	if (d->issuer != NULL && gpc_valid_region(d->issuer, NULL) != GPC_OK)
		reason(c, "invalid_field", "issuer", "must be the bureau's 6-digit region code");
	if (d->target_unit != NULL)
		check_format(c, d->target_unit, "target.unit", gpc_valid_uscc,
		    "invalid_credit_code");
	if (d->target_account != NULL && !gpc_doc_id_valid(d->target_account))
		reason(c, "invalid_field", "target.account", "not a valid uid");
	if (d->application != NULL && !gpc_doc_id_valid(d->application))
		reason(c, "invalid_field", "application", "not a valid document id");
	if (d->reason_code != NULL && !gpc_doc_id_valid(d->reason_code))
		reason(c, "invalid_field", "reason.code", "letters, digits, '_' or '-'");
	if (d->action == NULL)
		return;
	if (!one_of(d->action, actions)) {
		reason(c, "invalid_field", "action",
		    "must be approve, deny, suspend, reinstate or terminate");
		/* not kept: it would be echoed into results, records and the audit */
		free(d->action);
		d->action = NULL;
		return;
	}
	if (strcmp(d->action, "approve") == 0 || strcmp(d->action, "deny") == 0) {
		require(c, d->application, "application", "for approve and deny");
		if (json_object_get(root, "target") != NULL)
			reason(c, "unknown_field", "target",
			    "approve and deny name the application, not a target");
	} else {
		require(c, d->target_unit, "target.unit", "for this action");
		if (d->application != NULL)
			reason(c, "unknown_field", "application",
			    "only approve and deny name an application");
	}
	if (strcmp(d->action, "deny") == 0 || strcmp(d->action, "suspend") == 0 ||
	    strcmp(d->action, "terminate") == 0)
		require(c, d->reason_code, "reason.code", "for this action");
	if (strcmp(d->action, "suspend") == 0) {
		require(c, d->deadline, "deadline", "for a suspension");
		require(c, d->on_deadline, "on_deadline", "for a suspension");
		if (d->deadline != NULL && gpc_date_parse(d->deadline, &y, &m, &day) != GPC_OK)
			reason(c, "invalid_date", "deadline", "must be a real date YYYY-MM-DD");
		if (d->on_deadline != NULL && !one_of(d->on_deadline, on_deadline))
			reason(c, "invalid_field", "on_deadline", "must be terminate or notify");
	} else {
		if (d->deadline != NULL)
			reason(c, "unknown_field", "deadline", "only a suspension has a deadline");
		if (d->on_deadline != NULL)
			reason(c, "unknown_field", "on_deadline",
			    "only a suspension has on_deadline");
	}
}

int
gpc_doc_parse(const char *buf, size_t len, enum gpc_doc_type expect, time_t now,
    struct gpc_doc **out, struct gpc_reasons *rs)
{
	struct ctx c = { rs, now, 0 };
	struct gpc_doc *d = NULL;
	json_error_t jerr;
	json_t *root = NULL;
	const char *type, *when_field;
	char *when = NULL;
	size_t before = rs->n;
	int r;

	*out = NULL;
	/* Duplicate keys let two readers see two documents: refuse them. */
	root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL || !json_is_object(root)) {
		if (root == NULL)
			reason(&c, "malformed_json", "", "line %d column %d: %.80s", jerr.line,
			    jerr.column, gpc_doc_json_error(&jerr));
		else
			reason(&c, "malformed_json", "", "the document must be a JSON object");
		r = c.nomem ? GPC_ERR_NOMEM : GPC_ERR_FORMAT;
		goto out;
	}
	if ((d = calloc(1, sizeof(*d))) == NULL) {
		r = GPC_ERR_NOMEM;
		goto out;
	}
	d->type = expect;
	d->id = str_at(&c, root, "id", NULL, NULL);
	if (d->id != NULL && !gpc_doc_id_valid(d->id)) {
		reason(&c, "invalid_field", "id", "1-64 letters, digits, '.', '_' or '-'");
		free(d->id);
		d->id = NULL;
	}
	type = json_string_value(json_object_get(root, "type"));
	if (type == NULL || strcmp(type, expect == GPC_DOC_APPLICATION ?
	    GPC_APPLICATION_TYPE : GPC_DECISION_TYPE) != 0) {
		reason(&c, "wrong_type", "type", "expected \"%s\" in this spool directory",
		    expect == GPC_DOC_APPLICATION ? GPC_APPLICATION_TYPE : GPC_DECISION_TYPE);
		goto done; /* the rest of the schema would only add noise */
	}
	if (expect == GPC_DOC_APPLICATION) {
		check_shape(&c, root, application_fields, "");
		read_application(&c, root, d);
		when_field = "submitted_at";
	} else {
		check_shape(&c, root, decision_fields, "");
		read_decision(&c, root, d);
		when_field = "issued_at";
	}
	when = str_at(&c, root, when_field, NULL, NULL);
	if (when != NULL && gpc_time_parse_rfc3339(when, &d->when) != GPC_OK)
		reason(&c, "invalid_time", when_field,
		    "must be an RFC 3339 time with offset, e.g. 2026-11-07T09:30:00+08:00");
	else if (when != NULL && d->when < GPC_DOC_EARLIEST)
		reason(&c, "invalid_time", when_field, "before 2000-01-01: not a date of this "
		    "platform");
done:
	if (c.nomem) {
		r = GPC_ERR_NOMEM;
		goto out;
	}
	r = rs->n > before ? GPC_ERR_FORMAT : GPC_OK;
	if (r == GPC_OK || d->id != NULL) {
		*out = d;
		d = NULL; /* transferred */
	}
out:
	free(when);
	gpc_doc_free(d);
	json_decref(root);
	return r;
}

static void
free_pd(char *s)
{
	gpc_freezero_str(s);
}

void
gpc_doc_free(struct gpc_doc *d)
{
	if (d == NULL)
		return;
	free(d->id);
	free(d->kind);
	free(d->unit.code);
	free(d->unit.name);
	free(d->unit.address);
	free(d->unit.authority);
	free(d->unit.region);
	free_pd(d->unit.contact_name);
	free_pd(d->unit.contact_phone);
	free(d->uid);
	free(d->role);
	free_pd(d->holder.name);
	free_pd(d->holder.id_number);
	free_pd(d->holder.mobile);
	free(d->issuer);
	free(d->action);
	free(d->application);
	free(d->target_unit);
	free(d->target_account);
	free(d->reason_code);
	free(d->reason_text);
	free(d->deadline);
	free(d->on_deadline);
	free(d);
}
