/*
 * auditwrite — append events to an audit file through lib/audit.c, for the
 * audit tests (many of these at once prove the log's locking).
 *
 *   auditwrite FILE WRITER COUNT
 *
 * Appends COUNT events {"event":"test","writer":WRITER,"seq":0..COUNT-1}
 * through gpc_audit_event.  Exit 0 if every line was written, 1 if not, 2
 * on a usage error.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

#include "audit.h"
#include "err.h"

int
main(int argc, char **argv)
{
	struct gpc_audit *a = NULL;
	long writer, count, i;
	int bad = 0;

	if (argc != 4 || (writer = atol(argv[2])) < 0 || (count = atol(argv[3])) < 1) {
		fprintf(stderr, "usage: auditwrite FILE WRITER COUNT\n");
		return 2;
	}
	if (gpc_audit_open(argv[1], "auditwrite", NULL, &a) != GPC_OK) {
		fprintf(stderr, "auditwrite: cannot open %s\n", argv[1]);
		return 1;
	}
	for (i = 0; i < count && !bad; i++) {
		json_t *f = json_pack("{s:I, s:I}", "writer", (json_int_t)writer, "seq",
		    (json_int_t)i);

		bad = gpc_audit_event(a, "test", f) != GPC_OK;
		json_decref(f);
	}
	gpc_audit_close(a);
	return bad;
}
