/*
 * gpcgate — SIGPIPE around libldap calls.
 *
 * libldap writes to connections the server may have closed; in async-connect
 * mode a refused connection raises SIGPIPE too.  A library that runs inside
 * sshd must not change the host's disposition, so the signal is blocked in
 * the calling thread around the call and a pending one is discarded after.
 */
#ifndef GPC_SIGPIPE_H
#define GPC_SIGPIPE_H

#include <signal.h>

struct gpc_sigpipe {
	sigset_t old;
	int active;
};

/* Block SIGPIPE in this thread, remembering the mask in g.  Thread-safe. */
void gpc_sigpipe_block(struct gpc_sigpipe *g);

/*
 * Discard a SIGPIPE that arrived while blocked (unless the caller had it
 * blocked already) and restore the mask of gpc_sigpipe_block().
 */
void gpc_sigpipe_restore(struct gpc_sigpipe *g);

#endif
