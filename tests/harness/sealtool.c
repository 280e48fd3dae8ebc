/*
 * sealtool — seal or open a value with an installation's keys, for tests
 * that need a sealed value the programs would make (lib/seal.h).
 *
 *   sealtool KEYDIR standard|gm seal BINDING < plaintext > sealed
 *   sealtool KEYDIR standard|gm open BINDING < sealed > plaintext
 *
 * Exit 0, or 1 with the error on stderr.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "seal.h"
#include "util.h"

int
main(int argc, char **argv)
{
	struct gpc_keys *k = NULL;
	unsigned char buf[GPC_SEAL_MAX_PLAINTEXT + 1], *pt = NULL;
	char *sealed = NULL;
	size_t len, ptlen = 0;
	int r;

	if (argc != 5 || (strcmp(argv[3], "seal") != 0 && strcmp(argv[3], "open") != 0)) {
		fprintf(stderr, "usage: sealtool KEYDIR standard|gm seal|open BINDING\n");
		return 2;
	}
	if ((r = gpc_keys_load(argv[1], strcmp(argv[2], "gm") == 0 ? GPC_SUITE_GM :
	    GPC_SUITE_STANDARD, &k)) != GPC_OK)
		goto out;
	len = fread(buf, 1, sizeof(buf) - 1, stdin);
	while (len > 0 && buf[len - 1] == '\n')
		len--;
	buf[len] = '\0';
	if (strcmp(argv[3], "seal") == 0) {
		if ((r = gpc_seal(k, argv[4], buf, len, &sealed)) == GPC_OK)
			printf("%s\n", sealed);
	} else if ((r = gpc_unseal(k, argv[4], (char *)buf, &pt, &ptlen)) == GPC_OK)
		printf("%.*s\n", (int)ptlen, (char *)pt);
out:
	if (r != GPC_OK)
		fprintf(stderr, "sealtool: %s\n", gpc_strerror(r));
	if (pt != NULL)
		gpc_freezero(pt, ptlen + 1);
	free(sealed);
	gpc_keys_free(k);
	return r == GPC_OK ? 0 : 1;
}
