/*
 * Fuzz target: the audit log's hash chain (lib/audit.h).  The file is
 * appended to by every PAM host and read back by `gpcgatectl audit verify`
 * and `report`: a verifier must survive whatever a broken writer, a full
 * disk or a tamperer leaves in it.  Each input is a whole file: its lines go
 * through gpc_audit_chain_line in memory, and the same bytes written to a
 * file through gpc_audit_verify_anchor; both must reach the same verdict
 * (result, line count, first bad line, last hash).
 */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "audit.h"
#include "err.h"
#include "fuzz.h"

static char path[64];

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	snprintf(path, sizeof(path), "%s/audit.log", fuzz_tmpdir());
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size;
	struct gpc_audit_chain ch;
	char why[256], last[65];
	size_t lines, bad;
	int r = GPC_OK, rf;

	gpc_audit_chain_init(&ch);
	while (p < end && r == GPC_OK) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);
		json_t *o = NULL;

		r = gpc_audit_chain_line(&ch, p, len, nl != NULL, &o);
		FUZZ_CHECK(r == GPC_OK || r == GPC_ERR_FORMAT);
		FUZZ_CHECK(r == GPC_OK ? ch.bad == 0 : ch.bad == ch.lines);
		FUZZ_CHECK(strlen(ch.prev) == 64 && memchr(ch.why, '\0', sizeof(ch.why)) != NULL);
		FUZZ_CHECK(o == NULL || json_is_object(o));
		json_decref(o);
		p += len + (nl != NULL);
	}

	fuzz_write_file(path, data, size, 0600);
	rf = gpc_audit_verify_anchor(path, &lines, &bad, why, sizeof(why), last);
	FUZZ_CHECK(rf == r && lines == ch.lines);
	if (r == GPC_OK) {
		FUZZ_CHECK(bad == 0);
		FUZZ_CHECK(strcmp(last, lines > 0 ? ch.prev : "") == 0);
	} else {
		FUZZ_CHECK(bad == ch.bad && strcmp(why, ch.why) == 0);
	}
	return 0;
}
