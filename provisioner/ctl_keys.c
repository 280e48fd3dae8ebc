/*
 * gpcgatectl: keys.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"
#include "dir.h"
#include "engine.h"
#include "err.h"
#include "qr.h"
#include "seal.h"
#include "sig.h"
#include "spool.h"
#include "totp.h"
#include "util.h"
#include "validate.h"

int
cmd_keys(struct ctl *c, int argc, char **argv)
{
	int r, version = 0;

	if (argc != 2 || strcmp(argv[1], "generate") != 0) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if ((r = need_config(c)) != GPC_OK)
		return cli_exit_code(r);
	if ((r = gpc_keys_generate(c->cfg->key_dir, &version)) != GPC_OK) {
		fprintf(stderr, PROG ": %s: %s\n", c->cfg->key_dir, gpc_strerror(r));
		return cli_exit_code(r);
	}
	printf("key version %d created in %s\n", version, c->cfg->key_dir);
	return EXIT_OK;
}

