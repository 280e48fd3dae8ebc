#include <pthread.h>
#include <signal.h>
#include <time.h>

#include "sigpipe.h"

void
gpc_sigpipe_block(struct gpc_sigpipe *g)
{
	sigset_t s;

	sigemptyset(&s);
	sigaddset(&s, SIGPIPE);
	g->active = pthread_sigmask(SIG_BLOCK, &s, &g->old) == 0;
}

void
gpc_sigpipe_restore(struct gpc_sigpipe *g)
{
	sigset_t s, pending;
	struct timespec zero = { 0, 0 };

	if (!g->active)
		return;
	if (!sigismember(&g->old, SIGPIPE)) {
		sigemptyset(&s);
		sigaddset(&s, SIGPIPE);
		if (sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE))
			(void)sigtimedwait(&s, NULL, &zero);
	}
	pthread_sigmask(SIG_SETMASK, &g->old, NULL);
}
