/*
 * Fuzz target: spool documents (lib/doc.h), the JSON any unit or bureau can
 * drop into the spool.  Each input is parsed as an application and as a
 * decision; the reasons are rendered as JSON, as the provisioner does for a
 * refusal.  Checks the contract of gpc_doc_parse: GPC_OK leaves the reasons
 * empty, GPC_ERR_FORMAT gives at least one, nothing else but GPC_ERR_NOMEM;
 * and the document's time formats as the provisioner records it (also for a
 * refused document), terminated inside the buffer.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "doc.h"
#include "err.h"
#include "fuzz.h"
#include "util.h"

/* 2026-11-29 12:00 in Shanghai, as in tests/unit/test_doc.c. */
#define NOW ((time_t)1795924800)

static void
parse_as(const uint8_t *data, size_t size, enum gpc_doc_type type)
{
	struct gpc_reasons rs = { NULL, 0, 0 };
	struct gpc_doc *doc = NULL;
	json_t *j;
	size_t i;
	int r;

	r = gpc_doc_parse((const char *)data, size, type, NOW, &doc, &rs);
	FUZZ_CHECK(r == GPC_OK || r == GPC_ERR_FORMAT || r == GPC_ERR_NOMEM);
	if (r == GPC_OK) {
		FUZZ_CHECK(doc != NULL && rs.n == 0);
		FUZZ_CHECK(doc->type == type && gpc_doc_id_valid(doc->id));
	}
	if (r == GPC_ERR_FORMAT)
		FUZZ_CHECK(rs.n > 0);
	if (doc != NULL) {
		char when[16];

		memset(when, 'x', sizeof(when));
		gpc_time_generalized(doc->when, when); /* engine.c, gpcIssuedAt */
		FUZZ_CHECK(memchr(when, '\0', sizeof(when)) != NULL);
	}
	for (i = 0; i < rs.n; i++) {
		/* fixed-size fields: always terminated */
		FUZZ_CHECK(memchr(rs.v[i].code, '\0', sizeof(rs.v[i].code)) != NULL);
		FUZZ_CHECK(memchr(rs.v[i].field, '\0', sizeof(rs.v[i].field)) != NULL);
		FUZZ_CHECK(memchr(rs.v[i].message, '\0', sizeof(rs.v[i].message)) != NULL);
	}
	if ((j = gpc_reasons_json(&rs)) != NULL) {
		char *s = json_dumps(j, JSON_COMPACT);

		free(s);
		json_decref(j);
	}
	gpc_reasons_clear(&rs);
	gpc_doc_free(doc);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;

	parse_as(data, size, GPC_DOC_APPLICATION);
	parse_as(data, size, GPC_DOC_DECISION);
	s = fuzz_strndup(data, size < 80 ? size : 80);
	(void)gpc_doc_id_valid(s);
	free(s);
	return 0;
}
