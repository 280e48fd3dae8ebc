/*
 * dirprobe — drive lib/dir.c directly, for the directory tests.
 *
 *   dirprobe -f CONF [-w] [-u UID [-p PWFILE]] [-o]
 *
 * Opens a session on the failover list of CONF (as the PAM reader, or the
 * provisioner's writer with -w), then optionally finds account UID, checks
 * the password in PWFILE by a bind, and opens the session that takes the
 * OTP writes (-o).  Prints one line per step on stdout:
 *
 *   open=OK uri=ldap://127.0.0.1:12345 ms=3
 *   find=NOTFOUND ms=1
 *
 * (the GPC_ERR_ name without its prefix) and the library's log messages on
 * stderr as "log: PRIO: message".  Exit status 0 if every step succeeded,
 * 1 if one failed, 2 on a usage or configuration error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "cfg.h"
#include "dir.h"
#include "err.h"
#include "log.h"
#include "util.h"

static const struct {
	int code;
	const char *name;
} names[] = {
	{ GPC_OK, "OK" }, { GPC_ERR_INVAL, "INVAL" }, { GPC_ERR_NOMEM, "NOMEM" },
	{ GPC_ERR_IO, "IO" }, { GPC_ERR_CONFIG, "CONFIG" }, { GPC_ERR_PERM, "PERM" },
	{ GPC_ERR_UNAVAIL, "UNAVAIL" }, { GPC_ERR_TIMEOUT, "TIMEOUT" }, { GPC_ERR_TLS, "TLS" },
	{ GPC_ERR_LDAP, "LDAP" }, { GPC_ERR_NOTFOUND, "NOTFOUND" },
	{ GPC_ERR_AMBIGUOUS, "AMBIGUOUS" }, { GPC_ERR_BADPASS, "BADPASS" },
	{ GPC_ERR_CONFLICT, "CONFLICT" }, { GPC_ERR_DENIED, "DENIED" },
};

static const char *
name_of(int r)
{
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].code == r)
			return names[i].name;
	return "OTHER";
}

static void
sink(void *ctx, int prio, const char *msg)
{
	(void)ctx;
	fprintf(stderr, "log: %d: %s\n", prio, msg);
}

static long
ms_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (long)((t1.tv_sec - t0->tv_sec) * 1000 + (t1.tv_nsec - t0->tv_nsec) / 1000000);
}

int
main(int argc, char **argv)
{
	struct gpc_log lg = { sink, NULL, LOG_DEBUG };
	const char *conf = NULL, *uid = NULL, *pwfile = NULL;
	struct gpc_cfg *cfg = NULL;
	struct gpc_dir *d = NULL, *w = NULL;
	struct gpc_account *a = NULL;
	unsigned char *pw = NULL;
	size_t pwlen = 0;
	enum gpc_dir_role role = GPC_DIR_READER;
	struct timespec t0;
	char err[512];
	int c, r, otp = 0, status = 2;

	while ((c = getopt(argc, argv, "f:wu:p:o")) != -1) {
		switch (c) {
		case 'f': conf = optarg; break;
		case 'w': role = GPC_DIR_WRITER; break;
		case 'u': uid = optarg; break;
		case 'p': pwfile = optarg; break;
		case 'o': otp = 1; break;
		default: goto out;
		}
	}
	if (conf == NULL || optind != argc || (pwfile != NULL && uid == NULL)) {
		fprintf(stderr, "usage: dirprobe -f CONF [-w] [-u UID [-p PWFILE]] [-o]\n");
		goto out;
	}
	if (gpc_cfg_load(conf, &cfg, err, sizeof(err)) != GPC_OK) {
		fprintf(stderr, "dirprobe: %s\n", err);
		goto out;
	}
	if (pwfile != NULL && gpc_read_secret_file(pwfile, 1024, 1, &pw, &pwlen) != GPC_OK) {
		fprintf(stderr, "dirprobe: %s: unreadable\n", pwfile);
		goto out;
	}
	status = 1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	r = gpc_dir_open(cfg, role, &lg, &d);
	printf("open=%s uri=%s ms=%ld\n", name_of(r), r == GPC_OK ? gpc_dir_uri(d) : "-",
	    ms_since(&t0));
	if (r != GPC_OK)
		goto out;
	if (uid != NULL) {
		clock_gettime(CLOCK_MONOTONIC, &t0);
		r = gpc_dir_find_account(d, uid, &a);
		printf("find=%s ms=%ld\n", name_of(r), ms_since(&t0));
		if (r != GPC_OK)
			goto out;
	}
	if (pw != NULL) {
		clock_gettime(CLOCK_MONOTONIC, &t0);
		r = gpc_dir_check_password(d, a->dn, (const char *)pw);
		printf("password=%s ms=%ld\n", name_of(r), ms_since(&t0));
		if (r != GPC_OK)
			goto out;
	}
	if (otp) {
		clock_gettime(CLOCK_MONOTONIC, &t0);
		r = gpc_dir_otp_writer(d, &w);
		printf("otp=%s uri=%s ms=%ld\n", name_of(r), r == GPC_OK ? gpc_dir_uri(w) : "-",
		    ms_since(&t0));
		if (r != GPC_OK)
			goto out;
	}
	status = 0;
out:
	fflush(stdout);
	gpc_freezero(pw, pwlen);
	gpc_account_free(a);
	gpc_dir_close(d);
	gpc_cfg_free(cfg);
	return status;
}
