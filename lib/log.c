#include <stdarg.h>
#include <stdio.h>

#include "log.h"

void
gpc_log_msg(const struct gpc_log *lg, int prio, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	if (lg == NULL || lg->fn == NULL || prio > lg->max_prio)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	lg->fn(lg->ctx, prio, buf);
}
