/*
 * Unit tests for lib/doc.c: spool documents (gpcgate.application/1 and
 * gpcgate.decision/1).  Valid registrations, changes, handovers and each
 * decision action parse into their fields; malformed JSON, duplicate keys,
 * documents of the wrong type, unknown, missing, empty and mistyped fields,
 * bad identifiers, times and deadlines are refused with their reason codes
 * and the dotted path of the field — all of them, not the first.
 *
 * Every parse in this file goes through parse(), which asserts that no
 * reason message quotes a piece of personal data: the document's own ID
 * numbers, phones and names, and every such value this file uses.
 *
 * Variants are made from the valid documents with jansson (variant()), so a
 * test names only the field it changes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <jansson.h>

#include "doc.h"
#include "err.h"

/* 2026-11-29 12:00 in Shanghai: the "now" of these tests. */
#define NOW ((time_t)1795924800)
/* 2026-11-07T09:30:00+08:00 */
#define T_SUBMITTED ((time_t)1794015000)

#define ID_NUMBER "150102197904049038"
#define MOBILE "13800000003"
#define PHONE "0471-6001001"
#define UNIT_CODE "12150102900079199E"

static const char REGISTER[] =
	"{\n"
	"  \"type\": \"gpcgate.application/1\",\n"
	"  \"id\": \"APP-0001\",\n"
	"  \"submitted_at\": \"2026-11-07T09:30:00+08:00\",\n"
	"  \"kind\": \"register\",\n"
	"  \"unit\": {\n"
	"    \"code\": \"" UNIT_CODE "\",\n"
	"    \"name\": \"新城区示例中心2\",\n"
	"    \"address\": \"内蒙古自治区呼和浩特市新城区示例路2号\",\n"
	"    \"authority\": \"新城区示例主管部门\",\n"
	"    \"region\": \"150102\",\n"
	"    \"contact\": { \"name\": \"钱联络\", \"phone\": \"" PHONE "\" }\n"
	"  },\n"
	"  \"account\": {\n"
	"    \"uid\": \"150102-02-jb01\",\n"
	"    \"role\": \"handler\",\n"
	"    \"holder\": { \"name\": \"周演示3\", \"id_number\": \"" ID_NUMBER "\",\n"
	"                \"mobile\": \"" MOBILE "\" }\n"
	"  }\n"
	"}\n";

static const char CHANGE[] =
	"{ \"type\": \"gpcgate.application/1\", \"id\": \"CHG-0001\",\n"
	"  \"submitted_at\": \"2026-11-08T10:00:00+08:00\", \"kind\": \"change\",\n"
	"  \"unit\": { \"code\": \"" UNIT_CODE "\", \"address\": \"新城区新华大街1号\",\n"
	"            \"contact\": { \"name\": \"李联络\", \"phone\": \"0471-6009999\" } } }\n";

static const char CHANGE_MOBILE[] =
	"{ \"type\": \"gpcgate.application/1\", \"id\": \"CHG-0002\",\n"
	"  \"submitted_at\": \"2026-11-08T10:00:00+08:00\", \"kind\": \"change\",\n"
	"  \"unit\": { \"code\": \"" UNIT_CODE "\" },\n"
	"  \"account\": { \"uid\": \"150102-02-jb01\", \"holder\": { \"mobile\": \"13900000003\" } } }\n";

static const char HANDOVER[] =
	"{ \"type\": \"gpcgate.application/1\", \"id\": \"HO-0001\",\n"
	"  \"submitted_at\": \"2026-11-09T08:00:00+08:00\", \"kind\": \"handover\",\n"
	"  \"unit\": { \"code\": \"" UNIT_CODE "\" },\n"
	"  \"account\": { \"uid\": \"150102-02-jb01\",\n"
	"    \"holder\": { \"name\": \"王示例5\", \"id_number\": \"150103198506069050\",\n"
	"                \"mobile\": \"13800000005\" } } }\n";

static const char APPROVE[] =
	"{ \"type\": \"gpcgate.decision/1\", \"id\": \"150102-D-000001\", \"issuer\": \"150102\",\n"
	"  \"issued_at\": \"2026-11-10T09:00:00+08:00\", \"action\": \"approve\",\n"
	"  \"application\": \"APP-0001\" }\n";

static const char DENY[] =
	"{ \"type\": \"gpcgate.decision/1\", \"id\": \"150102-D-000002\", \"issuer\": \"150102\",\n"
	"  \"issued_at\": \"2026-11-10T09:00:00+08:00\", \"action\": \"deny\",\n"
	"  \"application\": \"APP-0001\",\n"
	"  \"reason\": { \"code\": \"incomplete\", \"text\": \"材料不全\" } }\n";

static const char SUSPEND[] =
	"{ \"type\": \"gpcgate.decision/1\", \"id\": \"150102-D-000003\", \"issuer\": \"150102\",\n"
	"  \"issued_at\": \"2026-11-10T09:00:00+08:00\", \"action\": \"suspend\",\n"
	"  \"target\": { \"unit\": \"" UNIT_CODE "\", \"account\": \"150102-02-jb01\" },\n"
	"  \"reason\": { \"code\": \"holder_mismatch\", \"text\": \"登记的经办人与实际使用人不一致\" },\n"
	"  \"deadline\": \"2026-12-31\", \"on_deadline\": \"terminate\" }\n";

static const char REINSTATE[] =
	"{ \"type\": \"gpcgate.decision/1\", \"id\": \"150102-D-000004\", \"issuer\": \"150102\",\n"
	"  \"issued_at\": \"2026-11-20T09:00:00Z\", \"action\": \"reinstate\",\n"
	"  \"target\": { \"unit\": \"" UNIT_CODE "\", \"account\": \"150102-02-jb01\" } }\n";

static const char TERMINATE[] =
	"{ \"type\": \"gpcgate.decision/1\", \"id\": \"150102-D-000005\", \"issuer\": \"150102\",\n"
	"  \"issued_at\": \"2026-11-20T09:00:00+08:00\", \"action\": \"terminate\",\n"
	"  \"target\": { \"unit\": \"" UNIT_CODE "\" },\n"
	"  \"reason\": { \"code\": \"unit_dissolved\" } }\n";

/* Every piece of personal data this file puts into a document. */
static const char *const personal[] = {
	ID_NUMBER, MOBILE, PHONE, "周演示3", "钱联络", "李联络", "0471-6009999",
	"13900000003", "王示例5", "150103198506069050", "13800000005",
	"150102197904049039", "150102800101001", "15010219790404903", "12800000000",
	"0471 6001001", "1380000000", "150102207904049030", NULL
};

/* ---- helpers ------------------------------------------------------------ */

/* The string values under obj that are personal data: holder and contact members. */
static void
collect_personal(json_t *root, const char **out, size_t max, size_t *n)
{
	static const char *const paths[][3] = {
		{ "account", "holder", "id_number" }, { "account", "holder", "mobile" },
		{ "account", "holder", "name" }, { "unit", "contact", "name" },
		{ "unit", "contact", "phone" },
	};
	size_t i;

	for (i = 0; i < sizeof(paths) / sizeof(paths[0]) && *n < max; i++) {
		json_t *v = json_object_get(json_object_get(json_object_get(root, paths[i][0]),
		    paths[i][1]), paths[i][2]);

		if (json_is_string(v) && json_string_length(v) >= 3)
			out[(*n)++] = json_string_value(v);
	}
}

static void
assert_no_personal_data(const char *text, size_t len, const struct gpc_reasons *rs)
{
	const char *own[8];
	size_t i, j, n = 0;
	json_t *root = json_loadb(text, len, JSON_DECODE_ANY, NULL);

	if (json_is_object(root))
		collect_personal(root, own, 8, &n);
	for (i = 0; i < rs->n; i++) {
		const char *m = rs->v[i].message;

		for (j = 0; personal[j] != NULL; j++)
			if (strstr(m, personal[j]) != NULL)
				fail_msg("reason %s/%s quotes personal data: \"%s\"", rs->v[i].code,
				    rs->v[i].field, m);
		for (j = 0; j < n; j++)
			if (strstr(m, own[j]) != NULL)
				fail_msg("reason %s/%s quotes the document's \"%s\": \"%s\"",
				    rs->v[i].code, rs->v[i].field, own[j], m);
	}
	json_decref(root);
}

/* gpc_doc_parse of len bytes, with the personal-data check on every message. */
static int
parse_n(const char *text, size_t len, enum gpc_doc_type t, struct gpc_doc **d,
    struct gpc_reasons *rs)
{
	int r = gpc_doc_parse(text, len, t, NOW, d, rs);

	assert_no_personal_data(text, len, rs);
	if (r == GPC_OK)
		assert_non_null(*d);
	else
		assert_int_equal(r, GPC_ERR_FORMAT);
	return r;
}

static int
parse(const char *text, enum gpc_doc_type t, struct gpc_doc **d, struct gpc_reasons *rs)
{
	return parse_n(text, strlen(text), t, d, rs);
}

static void
dump_reasons(const struct gpc_reasons *rs)
{
	size_t i;

	for (i = 0; i < rs->n; i++)
		print_message("#   %s %s: %s\n", rs->v[i].code, rs->v[i].field, rs->v[i].message);
}

static void
assert_reason(const struct gpc_reasons *rs, const char *code, const char *field)
{
	size_t i;

	for (i = 0; i < rs->n; i++)
		if (strcmp(rs->v[i].code, code) == 0 && strcmp(rs->v[i].field, field) == 0)
			return;
	dump_reasons(rs);
	fail_msg("no reason %s for field \"%s\" among the %zu above", code, field, rs->n);
}

static void
assert_no_reason_for(const struct gpc_reasons *rs, const char *field)
{
	size_t i;

	for (i = 0; i < rs->n; i++)
		if (strcmp(rs->v[i].field, field) == 0) {
			dump_reasons(rs);
			fail_msg("unexpected reason %s for \"%s\"", rs->v[i].code, field);
		}
}

/* Parse a document that must be accepted. */
static struct gpc_doc *
parse_ok(const char *text, enum gpc_doc_type t)
{
	struct gpc_reasons rs = { 0 };
	struct gpc_doc *d = NULL;

	if (parse(text, t, &d, &rs) != GPC_OK) {
		dump_reasons(&rs);
		fail_msg("document refused:\n%s", text);
	}
	assert_int_equal(rs.n, 0);
	gpc_reasons_clear(&rs);
	return d;
}

/* Parse a document that must be refused with (at least) code/field. */
static void
refused(const char *text, enum gpc_doc_type t, const char *code, const char *field)
{
	struct gpc_reasons rs = { 0 };
	struct gpc_doc *d = NULL;

	if (parse(text, t, &d, &rs) != GPC_ERR_FORMAT)
		fail_msg("document accepted, expected %s for \"%s\":\n%s", code, field, text);
	assert_reason(&rs, code, field);
	gpc_doc_free(d);
	gpc_reasons_clear(&rs);
}

#define DELETE ((const char *)NULL)

/*
 * A copy of base (JSON text) with changes: pairs of a dotted path and the
 * new value as JSON text (DELETE removes the member), ended by a NULL path.
 * Objects on the way are created.  Returns malloc'd text.
 */
static char *
variant(const char *base, ...)
{
	json_error_t err;
	json_t *root = json_loads(base, 0, &err);
	const char *path;
	va_list ap;
	char *out;

	if (root == NULL)
		fail_msg("test document does not load: %s", err.text);
	va_start(ap, base);
	while ((path = va_arg(ap, const char *)) != NULL) {
		const char *value = va_arg(ap, const char *);
		char buf[128], *key, *dot;
		json_t *obj = root;

		snprintf(buf, sizeof(buf), "%s", path);
		key = buf;
		while ((dot = strchr(key, '.')) != NULL) {
			json_t *next;

			*dot = '\0';
			if (!json_is_object(next = json_object_get(obj, key))) {
				next = json_object();
				json_object_set_new(obj, key, next);
			}
			obj = next;
			key = dot + 1;
		}
		if (value == NULL)
			json_object_del(obj, key);
		else {
			json_t *v = json_loads(value, JSON_DECODE_ANY, &err);

			if (v == NULL)
				fail_msg("test value %s does not load: %s", value, err.text);
			json_object_set_new(obj, key, v);
		}
	}
	va_end(ap);
	out = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(root);
	assert_non_null(out);
	return out;
}

static void
refused_variant(const char *base, enum gpc_doc_type t, const char *path, const char *value,
    const char *code, const char *field)
{
	char *text = variant(base, path, value, NULL);

	refused(text, t, code, field);
	free(text);
}

#define APP GPC_DOC_APPLICATION
#define DEC GPC_DOC_DECISION

/* ---- valid documents ---------------------------------------------------- */

static void
register_application_parses_into_its_fields(void **state)
{
	struct gpc_doc *d = parse_ok(REGISTER, APP);

	(void)state;
	assert_int_equal(d->type, GPC_DOC_APPLICATION);
	assert_string_equal(d->id, "APP-0001");
	assert_int_equal(d->when, T_SUBMITTED);
	assert_string_equal(d->kind, "register");
	assert_string_equal(d->unit.code, UNIT_CODE);
	assert_string_equal(d->unit.name, "新城区示例中心2");
	assert_string_equal(d->unit.address, "内蒙古自治区呼和浩特市新城区示例路2号");
	assert_string_equal(d->unit.authority, "新城区示例主管部门");
	assert_string_equal(d->unit.region, "150102");
	assert_string_equal(d->unit.contact_name, "钱联络");
	assert_string_equal(d->unit.contact_phone, PHONE);
	assert_string_equal(d->uid, "150102-02-jb01");
	assert_string_equal(d->role, "handler");
	assert_string_equal(d->holder.name, "周演示3");
	assert_string_equal(d->holder.id_number, ID_NUMBER);
	assert_string_equal(d->holder.mobile, MOBILE);
	assert_null(d->issuer);
	assert_null(d->action);
	gpc_doc_free(d);
}

static void
register_for_a_reviewer_with_x_check_character_parses(void **state)
{
	char *text = variant(REGISTER, "account.role", "\"reviewer\"",
	    "account.holder.id_number", "\"15012319850416915X\"", NULL);
	struct gpc_doc *d = parse_ok(text, APP);

	(void)state;
	assert_string_equal(d->role, "reviewer");
	assert_string_equal(d->holder.id_number, "15012319850416915X");
	gpc_doc_free(d);
	free(text);
}

static void
change_application_parses(void **state)
{
	struct gpc_doc *d = parse_ok(CHANGE, APP);

	(void)state;
	assert_string_equal(d->kind, "change");
	assert_string_equal(d->unit.code, UNIT_CODE);
	assert_string_equal(d->unit.address, "新城区新华大街1号");
	assert_string_equal(d->unit.contact_name, "李联络");
	assert_null(d->unit.name);
	assert_null(d->unit.region);
	assert_null(d->uid);
	assert_null(d->holder.mobile);
	gpc_doc_free(d);

	d = parse_ok(CHANGE_MOBILE, APP);
	assert_string_equal(d->uid, "150102-02-jb01");
	assert_string_equal(d->holder.mobile, "13900000003");
	assert_null(d->holder.name);
	assert_null(d->holder.id_number);
	gpc_doc_free(d);
}

static void
handover_application_parses(void **state)
{
	struct gpc_doc *d = parse_ok(HANDOVER, APP);

	(void)state;
	assert_string_equal(d->kind, "handover");
	assert_string_equal(d->id, "HO-0001");
	assert_string_equal(d->unit.code, UNIT_CODE);
	assert_string_equal(d->uid, "150102-02-jb01");
	assert_null(d->role);
	assert_string_equal(d->holder.name, "王示例5");
	assert_string_equal(d->holder.id_number, "150103198506069050");
	assert_string_equal(d->holder.mobile, "13800000005");
	gpc_doc_free(d);
}

static void
each_decision_action_parses(void **state)
{
	struct gpc_doc *d;

	(void)state;
	d = parse_ok(APPROVE, DEC);
	assert_int_equal(d->type, GPC_DOC_DECISION);
	assert_string_equal(d->id, "150102-D-000001");
	assert_string_equal(d->issuer, "150102");
	assert_string_equal(d->action, "approve");
	assert_string_equal(d->application, "APP-0001");
	assert_null(d->target_unit);
	assert_null(d->kind);
	assert_int_equal(d->when, (time_t)1794272400); /* 2026-11-10T01:00:00Z */
	gpc_doc_free(d);

	d = parse_ok(DENY, DEC);
	assert_string_equal(d->action, "deny");
	assert_string_equal(d->application, "APP-0001");
	assert_string_equal(d->reason_code, "incomplete");
	assert_string_equal(d->reason_text, "材料不全");
	gpc_doc_free(d);

	d = parse_ok(SUSPEND, DEC);
	assert_string_equal(d->action, "suspend");
	assert_string_equal(d->target_unit, UNIT_CODE);
	assert_string_equal(d->target_account, "150102-02-jb01");
	assert_string_equal(d->reason_code, "holder_mismatch");
	assert_string_equal(d->deadline, "2026-12-31");
	assert_string_equal(d->on_deadline, "terminate");
	assert_null(d->application);
	gpc_doc_free(d);

	d = parse_ok(REINSTATE, DEC);
	assert_string_equal(d->action, "reinstate");
	assert_string_equal(d->target_account, "150102-02-jb01");
	assert_null(d->reason_code);
	assert_int_equal(d->when, (time_t)1795165200); /* 2026-11-20T09:00:00Z */
	gpc_doc_free(d);

	d = parse_ok(TERMINATE, DEC);
	assert_string_equal(d->action, "terminate");
	assert_string_equal(d->target_unit, UNIT_CODE);
	assert_null(d->target_account);
	assert_string_equal(d->reason_code, "unit_dissolved");
	assert_null(d->reason_text);
	gpc_doc_free(d);
}

static void
suspension_with_notify_and_a_leap_day_deadline_parses(void **state)
{
	char *text = variant(SUSPEND, "deadline", "\"2028-02-29\"", "on_deadline", "\"notify\"",
	    NULL);
	struct gpc_doc *d = parse_ok(text, DEC);

	(void)state;
	assert_string_equal(d->deadline, "2028-02-29");
	assert_string_equal(d->on_deadline, "notify");
	gpc_doc_free(d);
	free(text);
}

static void
accepted_document_leaves_earlier_reasons_alone(void **state)
{
	struct gpc_reasons rs = { 0 };
	struct gpc_doc *d = NULL;

	(void)state;
	assert_int_equal(gpc_reasons_add(&rs, "earlier", "x", "from another document"), GPC_OK);
	assert_int_equal(parse(REGISTER, APP, &d, &rs), GPC_OK);
	assert_int_equal(rs.n, 1);
	assert_string_equal(rs.v[0].code, "earlier");
	gpc_doc_free(d);
	gpc_reasons_clear(&rs);
}

/* ---- malformed JSON ----------------------------------------------------- */

static void
malformed_json_is_reported_with_line_and_column(void **state)
{
	static const char text[] =
		"{\n"
		"  \"type\": \"gpcgate.application/1\",\n"
		"  \"id\": \"APP-0001\"\n"
		"  \"kind\": \"register\"\n"
		"}\n";
	struct gpc_reasons rs = { 0 };
	struct gpc_doc *d = (struct gpc_doc *)1;

	(void)state;
	assert_int_equal(parse(text, APP, &d, &rs), GPC_ERR_FORMAT);
	assert_null(d); /* no id could be read */
	assert_int_equal(rs.n, 1);
	assert_string_equal(rs.v[0].code, "malformed_json");
	assert_string_equal(rs.v[0].field, "");
	if (strncmp(rs.v[0].message, "line 4 column ", 14) != 0)
		fail_msg("message \"%s\" does not name line 4", rs.v[0].message);
	gpc_reasons_clear(&rs);
}

static void
inputs_that_are_not_a_json_object_are_malformed(void **state)
{
	static const char *const texts[] = {
		"", " ", "[]", "null", "\"gpcgate.application/1\"", "42", "{", "{}x",
		"{\"type\": \"gpcgate.application/1\"} {}",
		"{\"type\": 'gpcgate.application/1'}", "{\"type\": \"gpcgate.application/1\",}",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		struct gpc_reasons rs = { 0 };
		struct gpc_doc *d = (struct gpc_doc *)1;

		if (parse(texts[i], APP, &d, &rs) != GPC_ERR_FORMAT)
			fail_msg("accepted: %s", texts[i]);
		assert_null(d);
		assert_reason(&rs, "malformed_json", "");
		gpc_reasons_clear(&rs);
	}
}

static void
bytes_that_are_not_utf8_or_hold_nul_are_malformed(void **state)
{
	static const char bad_utf8[] = "{\"type\": \"gpcgate.application/1\", \"id\": \"A\xff\"}";
	static const char escaped_nul[] =
		"{\"type\": \"gpcgate.application/1\", \"id\": \"A\\u0000B\"}";
	static const char raw_nul[] = "{\"type\": \"gpcgate.application/1\"}\0{\"id\": 1}";
	struct gpc_reasons rs = { 0 };
	struct gpc_doc *d = NULL;

	(void)state;
	assert_int_equal(parse(bad_utf8, APP, &d, &rs), GPC_ERR_FORMAT);
	assert_reason(&rs, "malformed_json", "");
	gpc_reasons_clear(&rs);
	assert_int_equal(parse(escaped_nul, APP, &d, &rs), GPC_ERR_FORMAT);
	assert_reason(&rs, "malformed_json", "");
	gpc_reasons_clear(&rs);
	/* len-based: a NUL byte inside the buffer is not the end of the document */
	assert_int_equal(parse_n(raw_nul, sizeof(raw_nul) - 1, APP, &d, &rs), GPC_ERR_FORMAT);
	assert_reason(&rs, "malformed_json", "");
	gpc_reasons_clear(&rs);
}

static void
malformed_json_message_never_quotes_the_document(void **state)
{
	/* jansson's error text quotes the token near the error */
	static const char *const texts[] = {
		"{\"account\": {\"holder\": {\"id_number\": \"" ID_NUMBER,
		"{\"account\": {\"holder\": {\"id_number\": \"" ID_NUMBER "\" \"mobile\": 1}}}",
		"{\"account\": {\"holder\": {\"mobile\": " MOBILE "x}}}",
		"{\"account\": {\"holder\": {\"mobile\": \"" MOBILE "\"",
		"{\"unit\": {\"contact\": {\"phone\": " PHONE "}}}",
		"{\"account\": {\"holder\": {\"id_number\": " ID_NUMBER "X}}}",
		"{\"account\": {\"holder\": {\"name\": \"周演示3\" \"x\": 1}}}",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		struct gpc_reasons rs = { 0 };
		struct gpc_doc *d = NULL;

		/* parse() fails the test if a message quotes any of them */
		assert_int_equal(parse(texts[i], APP, &d, &rs), GPC_ERR_FORMAT);
		assert_reason(&rs, "malformed_json", "");
		assert_non_null(strstr(rs.v[0].message, "line 1 column "));
		gpc_reasons_clear(&rs);
	}
}

static void
duplicate_keys_are_refused(void **state)
{
	static const char top[] =
		"{\"type\": \"gpcgate.decision/1\", \"id\": \"D-1\", \"issuer\": \"150102\",\n"
		" \"issued_at\": \"2026-11-10T09:00:00+08:00\", \"action\": \"approve\",\n"
		" \"application\": \"APP-0001\", \"action\": \"deny\"}";
	const char *at = strstr(REGISTER, "\"mobile\"");
	char nested[sizeof(REGISTER) + 64];

	(void)state;
	refused(top, DEC, "malformed_json", "");
	/* two ID numbers for one holder: whichever a reader keeps, another reads the other */
	assert_non_null(at);
	snprintf(nested, sizeof(nested), "%.*s\"id_number\": \"150102197904049039\", %s",
	    (int)(at - REGISTER), REGISTER, at);
	refused(nested, APP, "malformed_json", "");
}

/* ---- the document's type ------------------------------------------------- */

static void
application_in_the_decision_spool_is_wrong_type(void **state)
{
	struct gpc_reasons rs = { 0 };
	struct gpc_doc *d = NULL;

	(void)state;
	assert_int_equal(parse(REGISTER, DEC, &d, &rs), GPC_ERR_FORMAT);
	/* only the type: the rest of a decision's schema would be noise */
	assert_int_equal(rs.n, 1);
	assert_reason(&rs, "wrong_type", "type");
	assert_non_null(strstr(rs.v[0].message, GPC_DECISION_TYPE));
	/* the id could be read: the refusal can be recorded under it */
	assert_non_null(d);
	assert_string_equal(d->id, "APP-0001");
	gpc_doc_free(d);
	gpc_reasons_clear(&rs);
}

static void
decision_in_the_application_spool_is_wrong_type(void **state)
{
	struct gpc_reasons rs = { 0 };
	struct gpc_doc *d = NULL;

	(void)state;
	assert_int_equal(parse(SUSPEND, APP, &d, &rs), GPC_ERR_FORMAT);
	assert_int_equal(rs.n, 1);
	assert_reason(&rs, "wrong_type", "type");
	assert_non_null(d);
	assert_string_equal(d->id, "150102-D-000003");
	gpc_doc_free(d);
	gpc_reasons_clear(&rs);
}

static void
missing_or_unknown_type_is_wrong_type(void **state)
{
	(void)state;
	refused_variant(REGISTER, APP, "type", DELETE, "wrong_type", "type");
	refused_variant(REGISTER, APP, "type", "\"gpcgate.application/2\"", "wrong_type", "type");
	refused_variant(REGISTER, APP, "type", "\"GPCGATE.APPLICATION/1\"", "wrong_type", "type");
	refused_variant(REGISTER, APP, "type", "1", "wrong_type", "type");
	refused_variant(APPROVE, DEC, "type", "\"gpcgate.decision/1 \"", "wrong_type", "type");
}

/* ---- unknown fields ----------------------------------------------------- */

static void
unknown_fields_are_named_by_their_dotted_path(void **state)
{
	(void)state;
	refused_variant(REGISTER, APP, "extra", "1", "unknown_field", "extra");
	refused_variant(REGISTER, APP, "Kind", "\"register\"", "unknown_field", "Kind");
	refused_variant(REGISTER, APP, "unit.extra", "\"x\"", "unknown_field", "unit.extra");
	refused_variant(REGISTER, APP, "unit.contact.fax", "\"0471-6001002\"", "unknown_field",
	    "unit.contact.fax");
	refused_variant(REGISTER, APP, "account.password", "\"x\"", "unknown_field",
	    "account.password");
	refused_variant(REGISTER, APP, "account.holder.nickname", "\"x\"", "unknown_field",
	    "account.holder.nickname");
	refused_variant(APPROVE, DEC, "signature", "\"x\"", "unknown_field", "signature");
	refused_variant(SUSPEND, DEC, "target.holder", "\"x\"", "unknown_field", "target.holder");
	refused_variant(SUSPEND, DEC, "reason.severity", "\"high\"", "unknown_field",
	    "reason.severity");
	/* fields of the other document type */
	refused_variant(REGISTER, APP, "issuer", "\"150102\"", "unknown_field", "issuer");
	refused_variant(APPROVE, DEC, "kind", "\"register\"", "unknown_field", "kind");
}

static void
fields_that_do_not_belong_to_the_action_are_unknown(void **state)
{
	(void)state;
	refused_variant(APPROVE, DEC, "target.unit", "\"" UNIT_CODE "\"", "unknown_field",
	    "target");
	refused_variant(SUSPEND, DEC, "application", "\"APP-0001\"", "unknown_field",
	    "application");
	refused_variant(APPROVE, DEC, "deadline", "\"2026-12-31\"", "unknown_field", "deadline");
	refused_variant(REINSTATE, DEC, "deadline", "\"2026-12-31\"", "unknown_field",
	    "deadline");
	refused_variant(TERMINATE, DEC, "on_deadline", "\"terminate\"", "unknown_field",
	    "on_deadline");
}

/* ---- missing and empty fields ------------------------------------------- */

static void
each_missing_field_of_a_registration_is_named(void **state)
{
	static const char *const fields[] = {
		"id", "submitted_at", "kind", "unit.code", "unit.name", "unit.address",
		"unit.authority", "unit.region", "unit.contact.name", "unit.contact.phone",
		"account", "account.uid", "account.role", "account.holder.name",
		"account.holder.id_number", "account.holder.mobile",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		refused_variant(REGISTER, APP, fields[i], DELETE, "missing_field", fields[i]);
}

static void
missing_objects_name_the_fields_they_should_hold(void **state)
{
	struct gpc_reasons rs = { 0 };
	struct gpc_doc *d = NULL;
	char *text;

	(void)state;
	text = variant(REGISTER, "unit", DELETE, NULL);
	assert_int_equal(parse(text, APP, &d, &rs), GPC_ERR_FORMAT);
	assert_reason(&rs, "missing_field", "unit.code");
	assert_reason(&rs, "missing_field", "unit.name");
	assert_reason(&rs, "missing_field", "unit.region");
	assert_reason(&rs, "missing_field", "unit.contact.phone");
	gpc_doc_free(d);
	gpc_reasons_clear(&rs);
	free(text);

	text = variant(REGISTER, "unit.contact", DELETE, "account.holder", DELETE, NULL);
	assert_int_equal(parse(text, APP, &d, &rs), GPC_ERR_FORMAT);
	assert_reason(&rs, "missing_field", "unit.contact.name");
	assert_reason(&rs, "missing_field", "unit.contact.phone");
	assert_reason(&rs, "missing_field", "account.holder.name");
	assert_reason(&rs, "missing_field", "account.holder.id_number");
	assert_reason(&rs, "missing_field", "account.holder.mobile");
	gpc_doc_free(d);
	gpc_reasons_clear(&rs);
	free(text);
}

static void
each_missing_field_of_a_decision_is_named(void **state)
{
	(void)state;
	refused_variant(APPROVE, DEC, "id", DELETE, "missing_field", "id");
	refused_variant(APPROVE, DEC, "issuer", DELETE, "missing_field", "issuer");
	refused_variant(APPROVE, DEC, "issued_at", DELETE, "missing_field", "issued_at");
	refused_variant(APPROVE, DEC, "action", DELETE, "missing_field", "action");
	refused_variant(APPROVE, DEC, "application", DELETE, "missing_field", "application");
	refused_variant(DENY, DEC, "application", DELETE, "missing_field", "application");
	refused_variant(DENY, DEC, "reason", DELETE, "missing_field", "reason.code");
	refused_variant(DENY, DEC, "reason.code", DELETE, "missing_field", "reason.code");
	refused_variant(SUSPEND, DEC, "target", DELETE, "missing_field", "target.unit");
	refused_variant(SUSPEND, DEC, "target.unit", DELETE, "missing_field", "target.unit");
	refused_variant(SUSPEND, DEC, "reason", DELETE, "missing_field", "reason.code");
	refused_variant(SUSPEND, DEC, "deadline", DELETE, "missing_field", "deadline");
	refused_variant(SUSPEND, DEC, "on_deadline", DELETE, "missing_field", "on_deadline");
	refused_variant(REINSTATE, DEC, "target", DELETE, "missing_field", "target.unit");
	refused_variant(TERMINATE, DEC, "reason", DELETE, "missing_field", "reason.code");
	refused_variant(TERMINATE, DEC, "target", DELETE, "missing_field", "target.unit");
}

static void
missing_fields_of_changes_and_handovers_are_named(void **state)
{
	(void)state;
	refused_variant(CHANGE, APP, "unit.code", DELETE, "missing_field", "unit.code");
	refused_variant(CHANGE, APP, "unit", DELETE, "missing_field", "unit.code");
	refused_variant(CHANGE_MOBILE, APP, "account.uid", DELETE, "missing_field",
	    "account.uid");
	refused_variant(HANDOVER, APP, "account", DELETE, "missing_field", "account");
	refused_variant(HANDOVER, APP, "account.uid", DELETE, "missing_field", "account.uid");
	refused_variant(HANDOVER, APP, "account.holder.id_number", DELETE, "missing_field",
	    "account.holder.id_number");
	refused_variant(HANDOVER, APP, "account.holder.mobile", DELETE, "missing_field",
	    "account.holder.mobile");
	refused_variant(HANDOVER, APP, "unit", DELETE, "missing_field", "unit.code");
}

static void
change_that_changes_nothing_is_refused(void **state)
{
	char *text = variant(CHANGE, "unit.address", DELETE, "unit.contact", DELETE, NULL);

	(void)state;
	refused(text, APP, "missing_field", "unit");
	free(text);
}

static void
change_and_handover_rules_are_enforced(void **state)
{
	(void)state;
	/* a new holder is a handover, not a change */
	refused_variant(CHANGE_MOBILE, APP, "account.holder.id_number", "\"" ID_NUMBER "\"",
	    "invalid_field", "account.holder");
	refused_variant(CHANGE_MOBILE, APP, "account.holder.name", "\"周演示3\"",
	    "invalid_field", "account.holder");
	refused_variant(CHANGE_MOBILE, APP, "account.role", "\"reviewer\"", "invalid_field",
	    "account.role");
	refused_variant(CHANGE, APP, "unit.region", "\"150103\"", "invalid_field", "unit.region");
	refused_variant(HANDOVER, APP, "account.role", "\"reviewer\"", "invalid_field",
	    "account.role");
}

static void
empty_strings_count_as_missing(void **state)
{
	static const char *const fields[] = {
		"id", "submitted_at", "kind", "unit.code", "unit.name", "unit.contact.phone",
		"account.uid", "account.role", "account.holder.id_number", "account.holder.mobile",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		refused_variant(REGISTER, APP, fields[i], "\"\"", "missing_field", fields[i]);
	refused_variant(APPROVE, DEC, "issuer", "\"\"", "missing_field", "issuer");
	refused_variant(APPROVE, DEC, "application", "\"\"", "missing_field", "application");
	refused_variant(SUSPEND, DEC, "deadline", "\"\"", "missing_field", "deadline");
}

/* ---- wrong JSON types --------------------------------------------------- */

static void
wrong_json_types_are_invalid_fields(void **state)
{
	static const struct {
		const char *path, *value;
	} cases[] = {
		{ "id", "5" }, { "submitted_at", "1794015000" }, { "kind", "null" },
		{ "kind", "[\"register\"]" }, { "unit", "\"" UNIT_CODE "\"" },
		{ "unit", "[]" }, { "unit.code", "121501029000791990" }, { "unit.contact", "\"钱联络\"" },
		{ "unit.contact.phone", "4716001001" }, { "account", "true" },
		{ "account.holder", "\"周演示3\"" }, { "account.holder.mobile", MOBILE },
		{ "account.holder.id_number", "{}" }, { "account.uid", "false" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		refused_variant(REGISTER, APP, cases[i].path, cases[i].value, "invalid_field",
		    cases[i].path);
	refused_variant(SUSPEND, DEC, "target", "\"" UNIT_CODE "\"", "invalid_field", "target");
	refused_variant(SUSPEND, DEC, "reason", "\"holder_mismatch\"", "invalid_field", "reason");
	refused_variant(SUSPEND, DEC, "deadline", "20261231", "invalid_field", "deadline");
	refused_variant(APPROVE, DEC, "issuer", "150102", "invalid_field", "issuer");
}

static void
values_outside_their_enumerations_are_invalid_fields(void **state)
{
	(void)state;
	refused_variant(REGISTER, APP, "kind", "\"delete\"", "invalid_field", "kind");
	refused_variant(REGISTER, APP, "kind", "\"Register\"", "invalid_field", "kind");
	refused_variant(REGISTER, APP, "account.role", "\"admin\"", "invalid_field",
	    "account.role");
	refused_variant(APPROVE, DEC, "action", "\"revoke\"", "invalid_field", "action");
	refused_variant(SUSPEND, DEC, "on_deadline", "\"delete\"", "invalid_field",
	    "on_deadline");
}

/* ---- formats of identifiers ---------------------------------------------- */

static void
bad_identifiers_have_their_reason_codes(void **state)
{
	(void)state;
	/* GB 11643-1999: check character, length, legacy 15 digits, future birth */
	refused_variant(REGISTER, APP, "account.holder.id_number", "\"150102197904049039\"",
	    "invalid_id_number", "account.holder.id_number");
	refused_variant(REGISTER, APP, "account.holder.id_number", "\"15010219790404903\"",
	    "invalid_id_number", "account.holder.id_number");
	refused_variant(REGISTER, APP, "account.holder.id_number", "\"150102800101001\"",
	    "invalid_id_number", "account.holder.id_number");
	refused_variant(REGISTER, APP, "account.holder.id_number", "\"150102207904049030\"",
	    "invalid_id_number", "account.holder.id_number");
	refused_variant(HANDOVER, APP, "account.holder.id_number", "\"150102197904049039\"",
	    "invalid_id_number", "account.holder.id_number");
	/* GB 32100-2015 */
	refused_variant(REGISTER, APP, "unit.code", "\"12150102900079199F\"",
	    "invalid_credit_code", "unit.code");
	refused_variant(REGISTER, APP, "unit.code", "\"12150102900079199e\"",
	    "invalid_credit_code", "unit.code");
	refused_variant(SUSPEND, DEC, "target.unit", "\"111501000000000198\"",
	    "invalid_credit_code", "target.unit");
	/* phones and regions */
	refused_variant(REGISTER, APP, "account.holder.mobile", "\"12800000000\"",
	    "invalid_mobile", "account.holder.mobile");
	refused_variant(REGISTER, APP, "account.holder.mobile", "\"1380000000\"",
	    "invalid_mobile", "account.holder.mobile");
	refused_variant(CHANGE_MOBILE, APP, "account.holder.mobile", "\"12800000000\"",
	    "invalid_mobile", "account.holder.mobile");
	refused_variant(REGISTER, APP, "unit.contact.phone", "\"0471 6001001\"",
	    "invalid_phone", "unit.contact.phone");
	refused_variant(REGISTER, APP, "unit.region", "\"990000\"", "invalid_region",
	    "unit.region");
	refused_variant(REGISTER, APP, "unit.region", "\"15010\"", "invalid_region",
	    "unit.region");
	refused_variant(APPROVE, DEC, "issuer", "\"15010\"", "invalid_field", "issuer");
}

static void
several_problems_in_one_document_are_all_reported(void **state)
{
	char *text = variant(REGISTER, "account.holder.mobile", "\"12800000000\"",
	    "unit.contact", DELETE, "unit.extra", "1",
	    "account.holder.id_number", "\"150102800101001\"",
	    "unit.code", "\"12150102900079199F\"", "unit.region", "\"990000\"",
	    "submitted_at", "\"2026-11-07\"", "account.role", "\"boss\"", NULL);
	struct gpc_reasons rs = { 0 };
	struct gpc_doc *d = NULL;

	(void)state;
	assert_int_equal(parse(text, APP, &d, &rs), GPC_ERR_FORMAT);
	assert_reason(&rs, "invalid_mobile", "account.holder.mobile");
	assert_reason(&rs, "missing_field", "unit.contact.name");
	assert_reason(&rs, "missing_field", "unit.contact.phone");
	assert_reason(&rs, "unknown_field", "unit.extra");
	assert_reason(&rs, "invalid_id_number", "account.holder.id_number");
	assert_reason(&rs, "invalid_credit_code", "unit.code");
	assert_reason(&rs, "invalid_region", "unit.region");
	assert_reason(&rs, "invalid_time", "submitted_at");
	assert_reason(&rs, "invalid_field", "account.role");
	assert_true(rs.n >= 9);
	/* and the fields that are right are not blamed */
	assert_no_reason_for(&rs, "unit.name");
	assert_no_reason_for(&rs, "account.uid");
	assert_no_reason_for(&rs, "id");
	assert_true(gpc_reasons_has(&rs, "invalid_mobile"));
	assert_false(gpc_reasons_has(&rs, "wrong_type"));
	/* the id was readable: the caller records the refusal under it */
	assert_non_null(d);
	assert_string_equal(d->id, "APP-0001");
	gpc_doc_free(d);
	gpc_reasons_clear(&rs);
	free(text);
}

/* ---- times and dates ---------------------------------------------------- */

static void
rfc3339_times_with_offsets_name_the_same_instant(void **state)
{
	static const char *const same[] = {
		"\"2026-11-07T09:30:00+08:00\"", "\"2026-11-07T01:30:00Z\"",
		"\"2026-11-07T01:30:00z\"", "\"2026-11-06T20:00:00-05:30\"",
		"\"2026-11-07T01:30:00.250Z\"", "\"2026-11-07t09:30:00.999999+08:00\"",
		"\"2026-11-07T01:30:00+00:00\"", "\"2026-11-07T01:30:00-00:00\"",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(same) / sizeof(same[0]); i++) {
		char *text = variant(REGISTER, "submitted_at", same[i], NULL);
		struct gpc_doc *d = parse_ok(text, APP);

		if (d->when != T_SUBMITTED)
			fail_msg("%s read as %lld, want %lld", same[i], (long long)d->when,
			    (long long)T_SUBMITTED);
		gpc_doc_free(d);
		free(text);
	}
}

static void
bad_times_are_invalid_time(void **state)
{
	static const char *const bad[] = {
		"\"2026-11-07 09:30:00+08:00\"", "\"2026-11-07T09:30:00\"", "\"2026-11-07\"",
		"\"2026-11-07T09:30:00+0800\"", "\"2026-11-07T09:30:00+08\"",
		"\"2026-11-07T09:30+08:00\"", "\"2026-02-29T09:30:00+08:00\"",
		"\"2026-11-31T09:30:00+08:00\"", "\"2026-13-07T09:30:00+08:00\"",
		"\"2026-11-07T24:00:00+08:00\"", "\"2026-11-07T09:60:00+08:00\"",
		"\"2026-11-07T09:30:00+24:00\"", "\"2026-11-07T09:30:00.Z\"",
		"\"2026-11-07T09:30:00Z \"", "\"now\"", "\"1794015000\"",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		refused_variant(REGISTER, APP, "submitted_at", bad[i], "invalid_time",
		    "submitted_at");
		refused_variant(APPROVE, DEC, "issued_at", bad[i], "invalid_time", "issued_at");
	}
}

static void
suspension_deadline_must_be_a_real_date(void **state)
{
	static const char *const bad[] = {
		"\"2026-02-29\"", "\"2100-02-29\"", "\"2026-04-31\"", "\"2026-13-01\"",
		"\"2026-00-10\"", "\"2026-12-00\"", "\"2026-12-1\"", "\"2026/12/31\"",
		"\"20261231\"", "\"2026-12-31T00:00:00Z\"", "\"0000-01-01\"", "\" 2026-12-31\"",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		refused_variant(SUSPEND, DEC, "deadline", bad[i], "invalid_date", "deadline");
}

/* ---- ids ---------------------------------------------------------------- */

static void
document_id_syntax_is_letters_digits_dot_underscore_dash(void **state)
{
	char max[65], over[66];

	(void)state;
	memset(max, 'a', 64);
	max[64] = '\0';
	memset(over, 'a', 65);
	over[65] = '\0';
	assert_int_equal(gpc_doc_id_valid("A"), 1);
	assert_int_equal(gpc_doc_id_valid("APP-0001"), 1);
	assert_int_equal(gpc_doc_id_valid("150102-D-000001"), 1);
	assert_int_equal(gpc_doc_id_valid("a.b_c-D.9"), 1);
	assert_int_equal(gpc_doc_id_valid("a.."), 1);
	assert_int_equal(gpc_doc_id_valid(max), 1);
	assert_int_equal(gpc_doc_id_valid(over), 0);
	assert_int_equal(gpc_doc_id_valid(""), 0);
	assert_int_equal(gpc_doc_id_valid(NULL), 0);
	assert_int_equal(gpc_doc_id_valid(".hidden"), 0);
	assert_int_equal(gpc_doc_id_valid(".."), 0);
	assert_int_equal(gpc_doc_id_valid("../x"), 0);
	assert_int_equal(gpc_doc_id_valid("a/b"), 0);
	assert_int_equal(gpc_doc_id_valid("a b"), 0);
	assert_int_equal(gpc_doc_id_valid("a\\b"), 0);
	assert_int_equal(gpc_doc_id_valid("a,b"), 0);
	assert_int_equal(gpc_doc_id_valid("a=b"), 0);
	assert_int_equal(gpc_doc_id_valid("a*"), 0);
	assert_int_equal(gpc_doc_id_valid("申请1"), 0);
	assert_int_equal(gpc_doc_id_valid("a\nb"), 0);
}

static void
document_with_a_bad_id_is_refused_without_an_id(void **state)
{
	static const char *const bad[] = { "\"../../etc/passwd\"", "\".x\"", "\"a b\"",
		"\"申请1\"", "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"" };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *text = variant(APPROVE, "id", bad[i], NULL);
		struct gpc_reasons rs = { 0 };
		struct gpc_doc *d = (struct gpc_doc *)1;

		assert_int_equal(parse(text, DEC, &d, &rs), GPC_ERR_FORMAT);
		assert_reason(&rs, "invalid_field", "id");
		/* nothing may be recorded under a name that could leave the spool */
		assert_null(d);
		gpc_reasons_clear(&rs);
		free(text);
	}
}

static void
referenced_ids_follow_the_id_syntax(void **state)
{
	(void)state;
	refused_variant(REGISTER, APP, "account.uid", "\"a b\"", "invalid_field", "account.uid");
	refused_variant(REGISTER, APP, "account.uid", "\"*\"", "invalid_field", "account.uid");
	refused_variant(REGISTER, APP, "account.uid", "\")(uid=*\"", "invalid_field",
	    "account.uid");
	refused_variant(APPROVE, DEC, "application", "\"../APP-0001\"", "invalid_field",
	    "application");
	refused_variant(SUSPEND, DEC, "target.account", "\"x,ou=system\"", "invalid_field",
	    "target.account");
	refused_variant(SUSPEND, DEC, "reason.code", "\"holder mismatch\"", "invalid_field",
	    "reason.code");
}

/* ---- reasons ------------------------------------------------------------ */

static void
reasons_json_is_an_array_of_code_field_message(void **state)
{
	char *text = variant(REGISTER, "unit.extra", "1", "account.holder.mobile",
	    "\"12800000000\"", NULL);
	struct gpc_reasons rs = { 0 };
	struct gpc_doc *d = NULL;
	json_t *a, *e;
	size_t i;

	(void)state;
	assert_int_equal(parse(text, APP, &d, &rs), GPC_ERR_FORMAT);
	assert_int_equal(gpc_reasons_add(&rs, "whole", NULL, "the document as a whole"),
	    GPC_OK);
	a = gpc_reasons_json(&rs);
	assert_true(json_is_array(a));
	assert_int_equal(json_array_size(a), rs.n);
	json_array_foreach(a, i, e) {
		assert_true(json_is_object(e));
		assert_int_equal(json_object_size(e), 3);
		assert_true(json_is_string(json_object_get(e, "code")));
		assert_true(json_is_string(json_object_get(e, "field")));
		assert_true(json_is_string(json_object_get(e, "message")));
		assert_string_equal(json_string_value(json_object_get(e, "code")), rs.v[i].code);
		assert_string_equal(json_string_value(json_object_get(e, "field")), rs.v[i].field);
		assert_string_equal(json_string_value(json_object_get(e, "message")),
		    rs.v[i].message);
	}
	/* a NULL field is the document as a whole: "" */
	e = json_array_get(a, rs.n - 1);
	assert_string_equal(json_string_value(json_object_get(e, "field")), "");
	json_decref(a);
	gpc_doc_free(d);
	gpc_reasons_clear(&rs);
	assert_int_equal(rs.n, 0);
	assert_null(rs.v);

	a = gpc_reasons_json(&rs);
	assert_true(json_is_array(a));
	assert_int_equal(json_array_size(a), 0);
	json_decref(a);
	free(text);
}

static void
reasons_grow_and_truncate_safely(void **state)
{
	struct gpc_reasons rs = { 0 };
	char longer[400];
	size_t i;

	(void)state;
	memset(longer, 'x', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = '\0';
	for (i = 0; i < 100; i++)
		assert_int_equal(gpc_reasons_add(&rs, longer, longer, "%s", longer), GPC_OK);
	assert_int_equal(rs.n, 100);
	assert_true(rs.cap >= 100);
	assert_int_equal(strlen(rs.v[99].code), sizeof(rs.v[99].code) - 1);
	assert_int_equal(strlen(rs.v[99].field), sizeof(rs.v[99].field) - 1);
	assert_int_equal(strlen(rs.v[99].message), sizeof(rs.v[99].message) - 1);
	assert_false(gpc_reasons_has(&rs, "x"));
	gpc_reasons_clear(&rs);
	gpc_doc_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(register_application_parses_into_its_fields),
		cmocka_unit_test(register_for_a_reviewer_with_x_check_character_parses),
		cmocka_unit_test(change_application_parses),
		cmocka_unit_test(handover_application_parses),
		cmocka_unit_test(each_decision_action_parses),
		cmocka_unit_test(suspension_with_notify_and_a_leap_day_deadline_parses),
		cmocka_unit_test(accepted_document_leaves_earlier_reasons_alone),
		cmocka_unit_test(malformed_json_is_reported_with_line_and_column),
		cmocka_unit_test(inputs_that_are_not_a_json_object_are_malformed),
		cmocka_unit_test(bytes_that_are_not_utf8_or_hold_nul_are_malformed),
		cmocka_unit_test(malformed_json_message_never_quotes_the_document),
		cmocka_unit_test(duplicate_keys_are_refused),
		cmocka_unit_test(application_in_the_decision_spool_is_wrong_type),
		cmocka_unit_test(decision_in_the_application_spool_is_wrong_type),
		cmocka_unit_test(missing_or_unknown_type_is_wrong_type),
		cmocka_unit_test(unknown_fields_are_named_by_their_dotted_path),
		cmocka_unit_test(fields_that_do_not_belong_to_the_action_are_unknown),
		cmocka_unit_test(each_missing_field_of_a_registration_is_named),
		cmocka_unit_test(missing_objects_name_the_fields_they_should_hold),
		cmocka_unit_test(each_missing_field_of_a_decision_is_named),
		cmocka_unit_test(missing_fields_of_changes_and_handovers_are_named),
		cmocka_unit_test(change_that_changes_nothing_is_refused),
		cmocka_unit_test(change_and_handover_rules_are_enforced),
		cmocka_unit_test(empty_strings_count_as_missing),
		cmocka_unit_test(wrong_json_types_are_invalid_fields),
		cmocka_unit_test(values_outside_their_enumerations_are_invalid_fields),
		cmocka_unit_test(bad_identifiers_have_their_reason_codes),
		cmocka_unit_test(several_problems_in_one_document_are_all_reported),
		cmocka_unit_test(rfc3339_times_with_offsets_name_the_same_instant),
		cmocka_unit_test(bad_times_are_invalid_time),
		cmocka_unit_test(suspension_deadline_must_be_a_real_date),
		cmocka_unit_test(document_id_syntax_is_letters_digits_dot_underscore_dash),
		cmocka_unit_test(document_with_a_bad_id_is_refused_without_an_id),
		cmocka_unit_test(referenced_ids_follow_the_id_syntax),
		cmocka_unit_test(reasons_json_is_an_array_of_code_field_message),
		cmocka_unit_test(reasons_grow_and_truncate_safely),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
