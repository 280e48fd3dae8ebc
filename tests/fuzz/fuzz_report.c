/*
 * Fuzz target: usage reports (lib/report.h) over an audit file.  The report
 * reads files written by every PAM host; report.h has no per-line entry, so
 * each input is written to a file and read whole, the model computed and
 * rendered in all three formats.  The first byte picks the thresholds (so
 * that small inputs reach every flag), the rest is the file.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

#include "err.h"
#include "fuzz.h"
#include "report.h"

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
	static const enum gpc_report_format formats[] = {
		GPC_REPORT_TABLE, GPC_REPORT_JSON, GPC_REPORT_CSV
	};
	struct gpc_report_params params;
	struct gpc_report *rep = NULL;
	json_t *model = NULL;
	size_t i;
	int r;

	if (size < 1 || size > 1 << 20)
		return 0;
	gpc_report_params_default(&params);
	if (data[0] & 1) {
		params.burst_failures = 1 + (data[0] >> 1 & 3);
		params.burst_minutes = 1;
		params.dormant_days = 1;
		params.handover_days = 1;
	}
	if (data[0] & 0x10)
		params.unit = "12150102900079199E";
	if (data[0] & 0x20)
		params.until = (time_t)1795924800;
	if (data[0] & 0x40)
		params.since = (time_t)1795800000;
	fuzz_write_file(path, data + 1, size - 1, 0600);
	FUZZ_CHECK(gpc_report_new(&params, &rep) == GPC_OK);
	r = gpc_report_read(rep, path, NULL, NULL);
	FUZZ_CHECK(r == GPC_OK || r == GPC_ERR_NOMEM);
	if (data[0] & 0x80)
		FUZZ_CHECK(gpc_report_add_account(rep, "150102-02-sh01", "12150102900079199E",
		    "150102", 0, (time_t)1700000000) == GPC_OK);
	r = gpc_report_result(rep, &model);
	FUZZ_CHECK(r == GPC_OK || r == GPC_ERR_NOMEM);
	for (i = 0; model != NULL && i < sizeof(formats) / sizeof(formats[0]); i++) {
		char *out = NULL;

		r = gpc_report_format(model, formats[i], &out);
		FUZZ_CHECK(r == GPC_OK || r == GPC_ERR_NOMEM);
		free(out);
	}
	json_decref(model);
	gpc_report_free(rep);
	return 0;
}
