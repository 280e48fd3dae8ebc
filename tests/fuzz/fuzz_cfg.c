/*
 * Fuzz target: the configuration file (lib/cfg.h).  The file is root's,
 * not an attacker's, but a typo must give an error, never a crash.  Each
 * input is written to a private file (mode 0600) and loaded; a loaded
 * configuration is queried as the module and the provisioner do.  A file
 * with an @include directive (libconfig's pattern: a line that starts with
 * blanks and "@include") must be refused, however long the line: the
 * included file would escape the owner and mode checks.
 */
#include <stdio.h>
#include <string.h>

#include "cfg.h"
#include "err.h"
#include "fuzz.h"

static char path[64];

/* Whether some line starts with spaces or tabs and then "@include". */
static int
has_include(const uint8_t *data, size_t size)
{
	size_t i = 0;

	while (i < size) {
		while (i < size && (data[i] == ' ' || data[i] == '\t'))
			i++;
		if (size - i >= 8 && memcmp(data + i, "@include", 8) == 0)
			return 1;
		while (i < size && data[i] != '\n')
			i++;
		i++;
	}
	return 0;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	snprintf(path, sizeof(path), "%s/gpcgate.conf", fuzz_tmpdir());
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gpc_cfg *cfg = NULL;
	char err[512];
	size_t i;
	int r;

	if (size > 65536) /* a configuration is a few KiB; keep the fuzzer fast */
		return 0;
	fuzz_write_file(path, data, size, 0600);
	r = gpc_cfg_load(path, &cfg, err, sizeof(err));
	FUZZ_CHECK(r == GPC_OK || r == GPC_ERR_CONFIG || r == GPC_ERR_NOMEM);
	FUZZ_CHECK(memchr(err, '\0', sizeof(err)) != NULL);
	FUZZ_CHECK(r != GPC_OK || !has_include(data, size));
	if (r != GPC_OK) {
		FUZZ_CHECK(cfg == NULL);
		FUZZ_CHECK(r != GPC_ERR_CONFIG || err[0] != '\0'); /* says where and why */
		return 0;
	}
	FUZZ_CHECK(cfg != NULL && cfg->nuris > 0 && cfg->base != NULL);
	for (i = 0; i < cfg->nbureaus; i++)
		FUZZ_CHECK(gpc_cfg_bureau(cfg, cfg->bureaus[i].issuer) != NULL);
	for (i = 0; i < cfg->nservices; i++)
		(void)gpc_cfg_role_allowed(cfg, cfg->services[i].service, "handler");
	(void)gpc_cfg_role_allowed(cfg, "sshd", "reviewer");
	(void)gpc_algo_name(cfg->algorithm);
	gpc_cfg_free(cfg);
	return 0;
}
