/*
 * gpcgate-provisiond — applies applications and bureau decisions from the
 * spool to the directory (see engine.h for how exactly once is kept).
 *
 *   gpcgate-provisiond [-dhn] [-f CONF] [--once]
 *
 *   -f CONF   configuration file (default /etc/gpcgate/gpcgate.conf)
 *   -d        log to stderr instead of syslog (facility LOG_DAEMON)
 *   -n        check the configuration and the keys, then exit
 *   --once    process what the spool holds now and the passed deadlines,
 *             then exit (for cron, tests, and catching up by hand)
 *   -h, --help  the options, signals and exit codes, on standard output
 *
 * It never forks into the background, with or without -d: it is meant to run
 * under a service manager (config/gpcgate-provisiond.service, Type=notify),
 * which wants its main process to stay, keeps its output and restarts it.
 * A classic double-fork would only add a PID file and a window in which two
 * processes hold the spool.  Without a service manager, start it with
 * `setsid gpcgate-provisiond &` or from a supervisor.  -d only chooses where
 * the log goes, as with OpenSMTPD's smtpd -d.
 *
 * It does not drop privileges: it starts as the user that owns the spool
 * and may read the key files — the unit's User=gpcgate — and needs nothing
 * else.  It refuses nothing about being root, but should not be run so.
 *
 * How it works:
 *
 *  - One instance per spool: an exclusive flock(2) on <spool>/.lock, held
 *    for the life of the process (the kernel drops it when the process
 *    dies, also on SIGKILL).  A second instance, or a --once while the
 *    daemon runs, exits with status 1.
 *  - Documents: inotify on applications/ and decisions/ (IN_MOVED_TO, the
 *    spool contract's rename from tmp/, and IN_CLOSE_WRITE) starts a run at
 *    once; a rescan every provisioner.rescan_s seconds catches whatever
 *    inotify missed (queue overflow, a link(2), a spool on a network file
 *    system).  Each run processes everything waiting (gpc_engine_run_once),
 *    and each periodic rescan also applies passed rectification deadlines
 *    and purges expired tombstones (gpc_engine_sweep) — also when a
 *    document of the run failed: no document can hold the deadlines up.
 *  - Half-written files: producers must write into tmp/ and rename(2) into
 *    place; names starting with '.' or not ending in ".json" are never read
 *    (spool.h).  A file written in place under its final name can be read
 *    half-way by a run that something else started.  It is then refused as
 *    malformed_json and moved to rejected/ with its result — never applied:
 *    a prefix of a JSON object is not a JSON object — and never lost: the
 *    producer's writes end up in the moved file.  Such a producer must
 *    submit again.
 *  - Signals are blocked and read from a signalfd in the one poll(2) loop
 *    that also reads inotify, so no work happens in a signal handler.  They
 *    are looked at between documents too (gpc_engine_set_interrupt).
 *    SIGTERM, SIGINT: finish the document in hand, exit 0.
 *    SIGHUP: reload the configuration.  A new configuration that does not
 *    load, or whose keys do not, or whose new spool is locked by someone
 *    else, is refused with the reason in the log and the running one stays;
 *    a good one replaces it and the engine is reopened with it.
 *  - The directory unreachable: the daemon stays up and tries again every
 *    min(rescan_s, 10) seconds and on each arrival; the documents wait.
 *  - systemd (sd_notify, a no-op without NOTIFY_SOCKET): READY=1 after the
 *    first scan (EXTEND_TIMEOUT_USEC while a large backlog keeps it busy),
 *    RELOADING=1 ... READY=1 around a reload, STOPPING=1 on the way out,
 *    STATUS= with the last run's count or the directory's trouble.
 *  - At start, with the lock held, temporary files that a killed
 *    predecessor left in results/ and the outbox ("<name>.tmp.<suffix>",
 *    older than this process) are removed, so the outbox holds only
 *    complete notices.
 *
 * Exit status (cli.h): 0 done or stopped by a signal; 1 another instance
 * holds the spool; 2 usage; 3 the directory unreachable (--once); 4 the
 * configuration or the keys; 5 anything else.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <dirent.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <syslog.h>
#include <systemd/sd-daemon.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "engine.h"
#include "err.h"
#include "seal.h"
#include "spool.h"
#include "util.h"

#define PROG "gpcgate-provisiond"
#define RETRY_S 10        /* at most this long between tries of a lost directory */
#define EXTEND_EVERY_S 5  /* EXTEND_TIMEOUT_USEC cadence while the first scan runs */

struct daemon {
	const char *conf_path;  /* -f, or NULL for the default */
	struct gpc_cfg *cfg;
	struct gpc_log lg;      /* the engine keeps a pointer: lives as long as it */
	struct gpc_engine *e;   /* NULL while the directory cannot be reached */
	int once;
	int sigfd;
	int inofd;              /* -1: no inotify, rescans only */
	int lockfd;
	int stop;               /* SIGTERM or SIGINT seen */
	int reload;             /* SIGHUP seen */
	int dirty;              /* a document arrived since the last run */
	int ready;              /* READY=1 sent */
	int last_err;           /* the last engine error logged, to log each once */
	time_t last_extend;
	struct timespec started; /* CLOCK_REALTIME at start, for remove_leftovers() */
};

/*
 * One message, one line: control characters become '?', so nothing that
 * reached a message from outside (a spool file's name) can start a line of
 * its own.  The engine escapes the names it logs; this is the backstop.
 */
static const char *
one_line(const char *msg, char *buf, size_t len)
{
	size_t i;

	snprintf(buf, len, "%s", msg);
	for (i = 0; buf[i] != '\0'; i++)
		if ((unsigned char)buf[i] < 0x20 || buf[i] == 0x7f)
			buf[i] = '?';
	return buf;
}

static void
log_syslog(void *ctx, int prio, const char *msg)
{
	char buf[1280];

	(void)ctx;
	syslog(prio, "%s", one_line(msg, buf, sizeof(buf)));
}

static void
log_stderr(void *ctx, int prio, const char *msg)
{
	char buf[1280];

	cli_log_stderr(ctx, prio, one_line(msg, buf, sizeof(buf)));
}

/* The synopsis; with full (-h, --help: on standard output) one line per option too. */
static void
usage(FILE *f, int full)
{
	fprintf(f, "usage: " PROG " [-dhn] [-f CONF] [--once]\n");
	if (!full)
		return;
	fprintf(f,
	    "  -d         log to stderr, not syslog (never forks, with or without -d)\n"
	    "  -f CONF    configuration file (default " GPC_CFG_DEFAULT ")\n"
	    "  -n         check the configuration and the keys, then exit\n"
	    "  --once     process the spool and passed deadlines once, then exit\n"
	    "  -h, --help this text\n"
	    "signals: SIGHUP reloads the configuration and keys; SIGTERM, SIGINT finish\n"
	    "  the document in hand and exit\n"
	    "exit codes: 0 ok, 1 another instance holds the spool, 2 usage,\n"
	    "  3 directory unavailable (--once), 4 configuration or keys, 5 other failure\n"
	    "see gpcgate-provisiond(8)\n");
}

static time_t
mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

/* ---- signals ---------------------------------------------------------------------- */

/*
 * Block SIGTERM, SIGINT and SIGHUP and read them from a signalfd instead, so
 * they are handled in the main loop and between documents, never in a
 * handler.  SIGPIPE is ignored (libldap's async connect raises it).
 */
static int
signals_open(int *fd)
{
	static const int sigs[] = { SIGTERM, SIGINT, SIGHUP };
	struct sigaction sa;
	sigset_t set;
	size_t i;

	/*
	 * A shell starts a background job with SIGINT and SIGQUIT ignored, and
	 * an ignored signal that arrives before it is blocked is lost: restore
	 * the default first, so SIGINT always means "stop".
	 */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigemptyset(&set);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		sigaddset(&set, sigs[i]);
		sigaction(sigs[i], &sa, NULL);
	}
	if (sigprocmask(SIG_BLOCK, &set, NULL) != 0)
		return GPC_ERR_IO;
	if ((*fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC)) < 0)
		return GPC_ERR_IO;
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	return GPC_OK;
}

/* Read every pending signal into the daemon's flags. */
static void
signals_read(struct daemon *d)
{
	struct signalfd_siginfo si;

	while (read(d->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGTERM:
		case SIGINT:
			if (!d->stop)
				gpc_log_msg(&d->lg, LOG_NOTICE, "%s: finishing the document in "
				    "hand, then exiting", si.ssi_signo == SIGTERM ? "SIGTERM" :
				    "SIGINT");
			d->stop = 1;
			break;
		case SIGHUP:
			if (d->once)
				gpc_log_msg(&d->lg, LOG_NOTICE, "SIGHUP ignored with --once");
			else
				d->reload = 1;
			break;
		}
	}
}

/*
 * The engine asks before each document whether to stop: a signal ends the
 * run between two documents.  While the first scan has not finished, it
 * also tells systemd that starting takes longer (a large backlog).
 */
static int
interrupted(void *ctx)
{
	struct daemon *d = ctx;

	signals_read(d);
	if (!d->ready && !d->once && mono_now() - d->last_extend >= EXTEND_EVERY_S) {
		sd_notifyf(0, "EXTEND_TIMEOUT_USEC=%llu\nSTATUS=first scan of the spool",
		    (unsigned long long)(EXTEND_EVERY_S * 6) * 1000000ULL);
		d->last_extend = mono_now();
	}
	return d->stop || d->reload;
}

/* ---- the spool: lock, watches, leftovers ------------------------------------------- */

/* One instance at a time: an exclusive lock on <spool>/.lock. */
static int
take_lock(const char *spool, int *fd)
{
	char *path = NULL;

	*fd = -1;
	if (gpc_asprintf(&path, "%s/.lock", spool) < 0)
		return GPC_ERR_NOMEM;
	*fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	free(path);
	if (*fd < 0)
		return GPC_ERR_IO;
	if (flock(*fd, LOCK_EX | LOCK_NB) != 0) {
		close(*fd);
		*fd = -1;
		return errno == EWOULDBLOCK ? GPC_ERR_EXISTS : GPC_ERR_IO;
	}
	return GPC_OK;
}

/* Create the spool if needed and lock it; *lockfd on success. */
static int
open_spool(struct daemon *d, const struct gpc_cfg *cfg, int *lockfd)
{
	int r;

	if ((r = gpc_spool_init(cfg->spool, cfg->outbox)) != GPC_OK) {
		gpc_log_msg(&d->lg, LOG_ERR, "%.200s: cannot create the spool: %s", cfg->spool,
		    strerror(errno));
		return r;
	}
	if ((r = take_lock(cfg->spool, lockfd)) != GPC_OK)
		gpc_log_msg(&d->lg, LOG_ERR, "%.200s: %s", cfg->spool, r == GPC_ERR_EXISTS ?
		    "another instance is running on this spool" : "cannot take the spool lock");
	return r;
}

/*
 * Watch applications/ and decisions/.  Without inotify (or watches) the
 * daemon still works, from the periodic rescans.
 */
static void
watch_spool(struct daemon *d)
{
	static const char *const subs[] = { "applications", "decisions" };
	char *path = NULL;
	size_t i;

	if (d->inofd >= 0)
		close(d->inofd);
	if ((d->inofd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) < 0) {
		gpc_log_msg(&d->lg, LOG_WARNING, "inotify: %s; relying on rescans every %d s",
		    strerror(errno), d->cfg->rescan_s);
		return;
	}
	for (i = 0; i < 2; i++) {
		if (gpc_asprintf(&path, "%s/%s", d->cfg->spool, subs[i]) < 0)
			continue;
		if (inotify_add_watch(d->inofd, path, IN_MOVED_TO | IN_CLOSE_WRITE |
		    IN_ONLYDIR) < 0)
			gpc_log_msg(&d->lg, LOG_WARNING, "inotify on %.200s: %s; relying on "
			    "rescans every %d s", path, strerror(errno), d->cfg->rescan_s);
		free(path);
		path = NULL;
	}
}

/* The spool's rule for what is a document (spool.h): "*.json", not ".*". */
static int
is_document_name(const char *name)
{
	size_t len = strlen(name);

	return name[0] != '.' && len > 5 && strcmp(name + len - 5, ".json") == 0;
}

/* Read the inotify events: a document arrived, or the kernel lost count. */
static void
inotify_read(struct daemon *d)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	const struct inotify_event *ev;
	ssize_t n;
	char *p;

	while ((n = read(d->inofd, buf, sizeof(buf))) > 0) {
		for (p = buf; p < buf + n; p += sizeof(*ev) + ev->len) {
			ev = (const struct inotify_event *)(void *)p;
			if (ev->mask & IN_Q_OVERFLOW)
				d->dirty = 1;
			else if (ev->mask & IN_IGNORED)
				gpc_log_msg(&d->lg, LOG_WARNING, "a spool directory was removed "
				    "or moved; relying on rescans");
			else if (ev->len > 0 && is_document_name(ev->name))
				d->dirty = 1;
		}
	}
}

/*
 * gpc_write_file_atomic() writes "<name>.tmp.<suffix>" and renames it; a
 * process killed in between leaves the temporary file.  Only an engine run
 * writes results and notices, and the spool lock held here excludes every
 * other one, so such a file is a leftover — if it is also older than this
 * process and, when its suffix is a pid, that process is gone.  Remove it,
 * or an outbox reader could take it for a notice.
 */
static void
remove_leftovers(struct daemon *d, const char *dir)
{
	struct dirent *de;
	struct stat st;
	DIR *dp;
	size_t n = 0;

	if ((dp = opendir(dir)) == NULL)
		return;
	while ((de = readdir(dp)) != NULL) {
		const char *t = strstr(de->d_name, ".tmp.");
		char *end = NULL;
		long pid;

		if (t == NULL || t == de->d_name || t[5] == '\0' || strchr(t + 5, '.') != NULL)
			continue;
		if (fstatat(dirfd(dp), de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
		    !S_ISREG(st.st_mode) || st.st_mtim.tv_sec > d->started.tv_sec ||
		    (st.st_mtim.tv_sec == d->started.tv_sec &&
		    st.st_mtim.tv_nsec >= d->started.tv_nsec))
			continue;
		errno = 0;
		pid = strtol(t + 5, &end, 10);
		if (errno == 0 && end != t + 5 && *end == '\0' && pid > 0 &&
		    (pid == getpid() || kill((pid_t)pid, 0) == 0 || errno != ESRCH))
			continue; /* its writer may still be at work */
		if (unlinkat(dirfd(dp), de->d_name, 0) == 0)
			n++;
	}
	closedir(dp);
	if (n > 0)
		gpc_log_msg(&d->lg, LOG_NOTICE, "%.200s: removed %zu unfinished file(s) of an "
		    "interrupted run", dir, n);
}

static void
remove_all_leftovers(struct daemon *d)
{
	char *results = NULL;

	if (gpc_asprintf(&results, "%s/results", d->cfg->spool) >= 0)
		remove_leftovers(d, results);
	free(results);
	remove_leftovers(d, d->cfg->outbox);
}

/* ---- the work --------------------------------------------------------------------- */

/* Errors after which the engine is reopened: the directory went away. */
static int
lost_directory(int r)
{
	return r == GPC_ERR_UNAVAIL || r == GPC_ERR_TIMEOUT || r == GPC_ERR_TLS;
}

static int
engine_open(struct daemon *d)
{
	int r;

	if (d->e != NULL)
		return GPC_OK;
	if ((r = gpc_engine_new(d->cfg, &d->lg, &d->e)) != GPC_OK) {
		if (r != d->last_err && lost_directory(r)) {
			gpc_log_msg(&d->lg, LOG_ERR, "directory: %s; documents wait, trying again "
			    "every %d s", gpc_strerror(r), d->cfg->rescan_s < RETRY_S ?
			    d->cfg->rescan_s : RETRY_S);
			sd_notifyf(0, "STATUS=directory: %s; documents wait", gpc_strerror(r));
		} else if (r != d->last_err)
			/* no retry fixes a wrong password file or key: say so and stop */
			gpc_log_msg(&d->lg, LOG_ERR, "directory: %s (see the lines above); "
			    "fix the configuration, then start again", gpc_strerror(r));
		d->last_err = r;
		return r;
	}
	if (d->last_err != GPC_OK)
		gpc_log_msg(&d->lg, LOG_NOTICE, "directory reachable again");
	d->last_err = GPC_OK;
	gpc_engine_set_interrupt(d->e, interrupted, d);
	return GPC_OK;
}

/*
 * One run: every waiting document, then (periodic) the deadline sweep.
 * Returns GPC_OK or the error that stopped it; the documents not reached
 * wait for the next run.
 */
static int
scan(struct daemon *d, int periodic)
{
	size_t done = 0, swept = 0;
	int r, sr;

	if ((r = engine_open(d)) != GPC_OK)
		return r;
	r = gpc_engine_run_once(d->e, &done);
	if (done > 0) {
		gpc_log_msg(&d->lg, LOG_INFO, "%zu document(s) processed", done);
		sd_notifyf(0, "STATUS=%zu document(s) processed in the last run", done);
	}
	/* One document's trouble does not hold up the deadlines: swept all the same. */
	if (!lost_directory(r) && periodic && !d->stop) {
		if ((sr = gpc_engine_sweep(d->e, &swept)) != GPC_OK) {
			gpc_log_msg(&d->lg, LOG_ERR, "deadlines and tombstones: %s",
			    gpc_strerror(sr));
			if (r == GPC_OK)
				r = sr;
		} else if (swept > 0)
			gpc_log_msg(&d->lg, LOG_INFO, "%zu passed deadline(s) and expired "
			    "tombstone(s) handled", swept);
	}
	if (lost_directory(r)) {
		gpc_engine_free(d->e);
		d->e = NULL;
	}
	return r;
}

/*
 * SIGHUP: the configuration again.  The new one replaces the running one
 * only if it loads, its keys load and its spool can be locked; otherwise
 * the running one stays and the log says why.
 */
static void
reload(struct daemon *d)
{
	struct gpc_cfg *ncfg = NULL;
	struct gpc_engine *ne = NULL;
	int r, nlock = -1, moved;

	sd_notify(0, "RELOADING=1\nSTATUS=reloading the configuration");
	gpc_log_msg(&d->lg, LOG_NOTICE, "SIGHUP: reloading %.200s", d->cfg->path);
	if ((r = cli_load_config_log(&d->lg, d->conf_path, &ncfg)) != GPC_OK)
		goto refused;
	moved = strcmp(ncfg->spool, d->cfg->spool) != 0;
	if (moved && (r = open_spool(d, ncfg, &nlock)) != GPC_OK)
		goto refused;
	if (!moved && (r = gpc_spool_init(ncfg->spool, ncfg->outbox)) != GPC_OK) {
		gpc_log_msg(&d->lg, LOG_ERR, "%.200s: cannot create the outbox: %s", ncfg->outbox,
		    strerror(errno));
		goto refused;
	}
	/* The keys (and the directory) of the new configuration, before it counts. */
	if ((r = gpc_engine_new(ncfg, &d->lg, &ne)) != GPC_OK && !lost_directory(r))
		goto refused;
	gpc_engine_free(d->e);
	d->e = NULL;
	gpc_cfg_free(d->cfg);
	d->cfg = ncfg;
	ncfg = NULL; /* transferred */
	cli_set_time_zone(d->cfg);
	d->last_err = GPC_OK;
	if (ne != NULL) {
		d->e = ne;
		ne = NULL; /* transferred */
		gpc_engine_set_interrupt(d->e, interrupted, d);
	}
	if (moved) {
		close(d->lockfd);
		d->lockfd = nlock;
		nlock = -1;
		watch_spool(d);
		remove_all_leftovers(d);
	}
	gpc_log_msg(&d->lg, LOG_NOTICE, "configuration %.200s reloaded%s", d->cfg->path,
	    d->e == NULL ? "; the directory cannot be reached yet" : "");
	goto out;
refused:
	gpc_log_msg(&d->lg, LOG_ERR, "reload refused (%s); the running configuration stays",
	    gpc_strerror(r));
out:
	if (nlock >= 0)
		close(nlock);
	gpc_cfg_free(ncfg);
	sd_notify(0, "READY=1\nSTATUS=configuration reloaded");
}

/* The long-running loop: runs on arrivals and rescans until SIGTERM/SIGINT. */
static int
serve(struct daemon *d)
{
	struct pollfd pfd[2];
	time_t next = mono_now(), now;
	int r, nfd, periodic, wait_s;

	for (;;) {
		if (d->stop)
			break;
		if (d->reload) {
			d->reload = 0;
			reload(d);
			d->dirty = 1;
			next = mono_now(); /* a rescan with the new settings, sweep included */
		}
		now = mono_now();
		if (d->dirty || now >= next) {
			periodic = now >= next;
			d->dirty = 0;
			r = scan(d, periodic);
			/* lost: try again soon; otherwise the next periodic rescan */
			wait_s = d->e == NULL && d->cfg->rescan_s > RETRY_S ? RETRY_S :
			    d->cfg->rescan_s;
			if (periodic || d->e == NULL)
				next = mono_now() + wait_s;
			if (!d->ready) {
				sd_notifyf(0, "READY=1\nSTATUS=%s", r == GPC_OK ?
				    "watching the spool" : "waiting for the directory");
				gpc_log_msg(&d->lg, LOG_INFO, "watching %.200s (rescan every %d s)",
				    d->cfg->spool, d->cfg->rescan_s);
				d->ready = 1;
			}
			continue;
		}
		nfd = 0;
		pfd[nfd].fd = d->sigfd;
		pfd[nfd++].events = POLLIN;
		if (d->inofd >= 0) {
			pfd[nfd].fd = d->inofd;
			pfd[nfd++].events = POLLIN;
		}
		if (poll(pfd, (nfds_t)nfd, (int)(next - now) * 1000) < 0 && errno != EINTR) {
			gpc_log_msg(&d->lg, LOG_ERR, "poll: %s", strerror(errno));
			return EXIT_SOFTWARE;
		}
		if (pfd[0].revents & POLLIN)
			signals_read(d);
		if (nfd > 1 && (pfd[1].revents & POLLIN))
			inotify_read(d);
	}
	return EXIT_OK;
}

/*
 * A file the daemon will need, readable now, by this user: a secret (no
 * access for others), or a file that decides whom to trust (a pinned
 * certificate, the CA file: no one else may write it).
 */
enum { FILE_SECRET, FILE_TRUSTED };

static int
check_file(const char *what, const char *path, int kind)
{
	unsigned char *sbuf = NULL;
	char *buf = NULL, why[256];
	size_t len = 0;
	int r;

	if (path == NULL)
		return 0;
	why[0] = '\0';
	if (kind == FILE_SECRET)
		r = gpc_read_secret_file_why(path, 4096, 1, &sbuf, &len, why, sizeof(why));
	else
		r = gpc_read_trusted_file(path, 1 << 20, &buf, &len, why, sizeof(why));
	if (r != GPC_OK) {
		fprintf(stderr, PROG ": %s %s: %s\n", what, path, why[0] != '\0' ? why :
		    gpc_strerror(r));
		return 1;
	}
	if (sbuf != NULL)
		gpc_freezero(sbuf, len);
	free(buf);
	return 0;
}

/*
 * -n: everything that can be checked without the directory: the
 * configuration (already loaded), the keys, the writer's password file, the
 * bureaus' certificates and the CA file (readable, and writable by no one
 * but root or this user) — as the user that will run.
 */
static int
check_only(const struct gpc_cfg *cfg)
{
	struct gpc_keys *keys = NULL;
	char why[256] = "";
	size_t i;
	int r, bad = 0;

	if ((r = gpc_keys_load_why(cfg->key_dir, cfg->suite, &keys, why, sizeof(why))) !=
	    GPC_OK) {
		fprintf(stderr, PROG ": keys in %s: %s\n", cfg->key_dir, why[0] != '\0' ? why :
		    gpc_strerror(r));
		bad++;
	}
	gpc_keys_free(keys);
	bad += check_file("directory.writer_password_file", cfg->writer_password_file,
	    FILE_SECRET);
	bad += check_file("directory.ca_file", cfg->ca_file, FILE_TRUSTED);
	for (i = 0; i < cfg->nbureaus; i++)
		bad += check_file("bureau certificate", cfg->bureaus[i].certificate, FILE_TRUSTED);
	if (bad > 0)
		return EXIT_CONFIG;
	printf(PROG ": configuration %s is valid\n", cfg->path);
	return EXIT_OK;
}

int
main(int argc, char **argv)
{
	static const struct option lo[] = { { "once", no_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 } };
	struct daemon d;
	size_t done = 0;
	int ch, to_stderr = 0, check = 0, r, sr, ex = EXIT_SOFTWARE;

	memset(&d, 0, sizeof(d));
	clock_gettime(CLOCK_REALTIME, &d.started);
	d.sigfd = d.inofd = d.lockfd = -1;
	d.lg.fn = log_stderr;
	d.lg.ctx = (void *)PROG;
	d.lg.max_prio = LOG_INFO;
	while ((ch = getopt_long(argc, argv, "f:dnh", lo, NULL)) != -1) {
		switch (ch) {
		case 'f': d.conf_path = optarg; break;
		case 'd': to_stderr = 1; break;
		case 'n': check = 1; break;
		case 'o': d.once = 1; break;
		case 'h': usage(stdout, 1); return EXIT_OK;
		default: usage(stderr, 0); return EXIT_USAGE;
		}
	}
	if (optind != argc) {
		fprintf(stderr, PROG ": unexpected operand %.64s\n", argv[optind]);
		usage(stderr, 0);
		return EXIT_USAGE;
	}
	if (cli_load_config(PROG, d.conf_path, &d.cfg) != GPC_OK)
		return EXIT_CONFIG;
	if (check) {
		ex = check_only(d.cfg);
		gpc_cfg_free(d.cfg);
		return ex;
	}
	/* --once is run by hand or from cron: its messages go where it was started. */
	if (!to_stderr && !d.once) {
		openlog(PROG, LOG_PID | LOG_NDELAY, LOG_DAEMON);
		d.lg.fn = log_syslog;
	}
	if (signals_open(&d.sigfd) != GPC_OK) {
		gpc_log_msg(&d.lg, LOG_ERR, "signalfd: %s", strerror(errno));
		goto out;
	}
	if ((r = open_spool(&d, d.cfg, &d.lockfd)) != GPC_OK) {
		ex = r == GPC_ERR_EXISTS ? EXIT_REFUSED : EXIT_SOFTWARE;
		goto out;
	}
	remove_all_leftovers(&d);
	if (d.once) {
		if ((r = engine_open(&d)) == GPC_OK) {
			r = gpc_engine_run_once(d.e, &done);
			/* one document's trouble does not hold up the deadlines */
			if (!lost_directory(r) && !d.stop && (sr = gpc_engine_sweep(d.e, NULL)) !=
			    GPC_OK && r == GPC_OK)
				r = sr;
		}
		if (r == GPC_OK)
			gpc_log_msg(&d.lg, LOG_INFO, "%zu document(s) processed", done);
		ex = cli_exit_code(r);
		goto out;
	}
	/* Keys or configuration unusable: say so now rather than retry for ever. */
	if ((r = engine_open(&d)) != GPC_OK && !lost_directory(r)) {
		ex = cli_exit_code(r);
		goto out;
	}
	watch_spool(&d);
	gpc_log_msg(&d.lg, LOG_NOTICE, "started on %.200s", d.cfg->spool);
	ex = serve(&d);
	gpc_log_msg(&d.lg, LOG_NOTICE, "stopped");
out:
	if (!d.once)
		sd_notify(0, "STOPPING=1");
	gpc_engine_free(d.e);
	if (d.inofd >= 0)
		close(d.inofd);
	if (d.lockfd >= 0)
		close(d.lockfd);
	if (d.sigfd >= 0)
		close(d.sigfd);
	gpc_cfg_free(d.cfg);
	return ex;
}
