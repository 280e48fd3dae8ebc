/*
 * syslogcap.so — an LD_PRELOAD library for the tests: every syslog(3) and
 * vsyslog(3) call of the process (pam_syslog goes through them) appends
 * "<prio> message" as one line to the file named by $GPC_SYSLOG_FILE
 * (nothing is sent to the system's log).  The personal-data test scans
 * that file with every other log the suite writes.
 */
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

void __syslog_chk(int prio, int flag, const char *fmt, ...);
void __vsyslog_chk(int prio, int flag, const char *fmt, va_list ap);

static void
capture(int prio, const char *fmt, va_list ap)
{
	const char *path = getenv("GPC_SYSLOG_FILE");
	char line[4096];
	int n, m, fd;

	if (path == NULL || *path == '\0')
		return;
	n = snprintf(line, sizeof(line), "<%d> ", prio);
	m = vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	if (m < 0)
		return;
	n = (int)strlen(line);
	line[n++] = '\n';
	/* one write per message, O_APPEND: several processes share the file */
	if ((fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600)) >= 0) {
		if (write(fd, line, (size_t)n) != n) {
			/* nothing to do: a test sees the line missing */
		}
		close(fd);
	}
}

void
vsyslog(int prio, const char *fmt, va_list ap)
{
	capture(prio, fmt, ap);
}

void
syslog(int prio, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	capture(prio, fmt, ap);
	va_end(ap);
}

void
__vsyslog_chk(int prio, int flag, const char *fmt, va_list ap)
{
	(void)flag;
	capture(prio, fmt, ap);
}

void
__syslog_chk(int prio, int flag, const char *fmt, ...)
{
	va_list ap;

	(void)flag;
	va_start(ap, fmt);
	capture(prio, fmt, ap);
	va_end(ap);
}
