/*
 * gpcgate — logging through a caller-supplied sink.
 *
 * The core never writes to stderr or syslog itself: each front end hands it a
 * sink (pam_syslog in the module, syslog or stderr in the daemon, stderr in
 * the command line).  Priorities are the syslog LOG_* levels.
 *
 * What may be logged: the event, the outcome, a reason code, an account uid.
 * Never an ID number, phone, real name, password, code or seed; bound every
 * untrusted string ("%.64s").
 */
#ifndef GPC_LOG_H
#define GPC_LOG_H

#include <syslog.h>

struct gpc_log {
	/* Called once per message; msg is NUL-terminated, without newline. */
	void (*fn)(void *ctx, int prio, const char *msg);
	void *ctx;
	int max_prio; /* messages above this level (e.g. LOG_DEBUG) are dropped */
};

/*
 * Format a message and hand it to the sink.  lg may be NULL or have a NULL
 * fn: the message is dropped.  Messages longer than 1 KiB are truncated.
 * Thread-safe if the sink is.
 */
void gpc_log_msg(const struct gpc_log *lg, int prio, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
