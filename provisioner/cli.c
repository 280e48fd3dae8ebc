#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "err.h"

void
cli_log_stderr(void *ctx, int prio, const char *msg)
{
	const char *lvl = prio <= LOG_ERR ? "error: " : prio == LOG_WARNING ? "warning: " : "";

	fprintf(stderr, "%s: %s%s\n", ctx != NULL ? (const char *)ctx : "gpcgate", lvl, msg);
}

/*
 * gpc_cfg_load() and a check of provisioner.time_zone (deadlines end at 24:00
 * in the bureaus' time zone, whatever the host's); err gets the problem.
 */
static int
load_checked(const char *path, struct gpc_cfg **cfg, char *err, size_t errlen)
{
	char zone[256];
	int r;

	if ((r = gpc_cfg_load(path, cfg, err, errlen)) != GPC_OK)
		return r;
	snprintf(zone, sizeof(zone), "/usr/share/zoneinfo/%s", (*cfg)->time_zone);
	if (strstr((*cfg)->time_zone, "..") != NULL || access(zone, R_OK) != 0) {
		snprintf(err, errlen, "%s: provisioner.time_zone: unknown time zone \"%.64s\"",
		    (*cfg)->path, (*cfg)->time_zone);
		gpc_cfg_free(*cfg);
		*cfg = NULL;
		return GPC_ERR_CONFIG;
	}
	return GPC_OK;
}

int
cli_load_config(const char *prog, const char *path, struct gpc_cfg **cfg)
{
	char err[512];
	int r;

	if ((r = load_checked(path, cfg, err, sizeof(err))) != GPC_OK) {
		fprintf(stderr, "%s: %s\n", prog, err);
		return r;
	}
	cli_set_time_zone(*cfg);
	return GPC_OK;
}

int
cli_load_config_log(const struct gpc_log *lg, const char *path, struct gpc_cfg **cfg)
{
	char err[512];
	int r;

	if ((r = load_checked(path, cfg, err, sizeof(err))) != GPC_OK)
		gpc_log_msg(lg, LOG_ERR, "%s", err);
	return r;
}

void
cli_set_time_zone(const struct gpc_cfg *cfg)
{
	setenv("TZ", cfg->time_zone, 1);
	tzset();
}

int
cli_exit_code(int r)
{
	switch (r) {
	case GPC_OK:
		return EXIT_OK;
	case GPC_ERR_UNAVAIL:
	case GPC_ERR_TIMEOUT:
	case GPC_ERR_TLS:
		return EXIT_UNAVAIL;
	case GPC_ERR_CONFIG:
	case GPC_ERR_PERM:
	case GPC_ERR_KEY:
		return EXIT_CONFIG;
	case GPC_ERR_NOMEM:
	case GPC_ERR_IO:
	case GPC_ERR_CRYPTO:
		return EXIT_SOFTWARE;
	}
	return EXIT_REFUSED;
}
