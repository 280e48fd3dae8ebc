/*
 * gpcgate-provisiond — applies applications and bureau decisions from the
 * spool to the directory (see engine.h for how exactly once is kept).
 *
 *   gpcgate-provisiond [-f CONF] [-d] [-n] [--once]
 *
 *   -f CONF   configuration file (default /etc/gpcgate/gpcgate.conf)
 *   -d        stay in the foreground and log to stderr
 *   -n        check the configuration and the keys, then exit
 *   --once    process what is in the spool now, then exit
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <syslog.h>
#include <unistd.h>

#include "cli.h"
#include "engine.h"
#include "err.h"
#include "seal.h"
#include "spool.h"
#include "util.h"

#define PROG "gpcgate-provisiond"

static volatile sig_atomic_t stop_requested;

static void
on_term(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void
log_syslog(void *ctx, int prio, const char *msg)
{
	(void)ctx;
	syslog(prio, "%s", msg);
}

static void
usage(void)
{
	fprintf(stderr, "usage: " PROG " [-f CONF] [-d] [-n] [--once]\n");
}

/* One instance at a time: an exclusive lock on <spool>/.lock. */
static int
take_lock(const struct gpc_cfg *cfg, int *fd)
{
	char *path = NULL;

	if (gpc_asprintf(&path, "%s/.lock", cfg->spool) < 0)
		return GPC_ERR_NOMEM;
	*fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	free(path);
	if (*fd < 0)
		return GPC_ERR_IO;
	if (flock(*fd, LOCK_EX | LOCK_NB) != 0) {
		close(*fd);
		*fd = -1;
		return GPC_ERR_EXISTS;
	}
	return GPC_OK;
}

int
main(int argc, char **argv)
{
	static const struct option lo[] = { { "once", no_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 } };
	struct gpc_log lg = { cli_log_stderr, (void *)PROG, LOG_INFO };
	struct gpc_cfg *cfg = NULL;
	struct gpc_engine *e = NULL;
	struct gpc_keys *keys = NULL;
	struct sigaction sa;
	const char *conf = NULL;
	int ch, foreground = 0, check_only = 0, once = 0, r, ex = EXIT_SOFTWARE, lockfd = -1;
	size_t done = 0;

	while ((ch = getopt_long(argc, argv, "f:dnh", lo, NULL)) != -1) {
		switch (ch) {
		case 'f': conf = optarg; break;
		case 'd': foreground = 1; break;
		case 'n': check_only = 1; break;
		case 'o': once = 1; break;
		case 'h': usage(); return EXIT_OK;
		default: usage(); return EXIT_USAGE;
		}
	}
	if (optind != argc) {
		usage();
		return EXIT_USAGE;
	}
	if ((r = cli_load_config(PROG, conf, &cfg)) != GPC_OK)
		return EXIT_CONFIG;
	if (check_only) {
		if ((r = gpc_keys_load(cfg->key_dir, cfg->suite, &keys)) != GPC_OK) {
			fprintf(stderr, PROG ": keys in %s: %s\n", cfg->key_dir, gpc_strerror(r));
			ex = EXIT_CONFIG;
		} else {
			printf(PROG ": configuration %s is valid\n", cfg->path);
			ex = EXIT_OK;
		}
		gpc_keys_free(keys);
		gpc_cfg_free(cfg);
		return ex;
	}
	if (!foreground && !once) {
		openlog(PROG, LOG_PID, LOG_DAEMON);
		lg.fn = log_syslog;
	}
	if ((r = gpc_spool_init(cfg->spool, cfg->outbox)) != GPC_OK) {
		gpc_log_msg(&lg, LOG_ERR, "%s: cannot create the spool", cfg->spool);
		goto out;
	}
	if ((r = take_lock(cfg, &lockfd)) != GPC_OK) {
		gpc_log_msg(&lg, LOG_ERR, "%s", r == GPC_ERR_EXISTS ?
		    "another instance is running on this spool" : "cannot take the spool lock");
		ex = EXIT_REFUSED;
		goto out;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	for (;;) {
		if (e == NULL && (r = gpc_engine_new(cfg, &lg, &e)) != GPC_OK) {
			if (once || r != GPC_ERR_UNAVAIL) {
				ex = cli_exit_code(r);
				goto out;
			}
		} else if (e != NULL) {
			r = gpc_engine_run_once(e, &done);
			if (once) {
				ex = r == GPC_OK ? EXIT_OK : cli_exit_code(r);
				if (r == GPC_OK)
					gpc_log_msg(&lg, LOG_INFO, "%zu document(s) processed", done);
				goto out;
			}
			if (r == GPC_ERR_UNAVAIL || r == GPC_ERR_TIMEOUT) {
				gpc_engine_free(e);
				e = NULL;
			}
		}
		if (stop_requested)
			break;
		sleep((unsigned)cfg->rescan_s);
		if (stop_requested)
			break;
	}
	ex = EXIT_OK;
out:
	gpc_engine_free(e);
	if (lockfd >= 0)
		close(lockfd);
	gpc_cfg_free(cfg);
	return ex;
}
