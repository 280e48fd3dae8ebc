/*
 * gpc_blind_index_filter: an identity search must match the blind index
 * under every loaded index key version, newest first, so entries a
 * rotation could not re-key (tombstones) are still found.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "rotate.h"
#include "seal.h"

static char dir[64];

static struct gpc_keys *
load(void)
{
	struct gpc_keys *k = NULL;

	assert_int_equal(gpc_keys_load(dir, GPC_SUITE_STANDARD, &k), GPC_OK);
	return k;
}

static void
every_loaded_version_is_searched_newest_first(void **state)
{
	struct gpc_keys *k;
	char ix1[GPC_BLIND_INDEX_LEN + 1], ix2[GPC_BLIND_INDEX_LEN + 1], want[400], *f = NULL;
	int v = 0;

	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/gpc-keys.XXXXXX");
	assert_non_null(mkdtemp(dir));
	assert_int_equal(chmod(dir, 0700), 0);
	assert_int_equal(gpc_keys_generate(dir, &v), GPC_OK);
	k = load();
	assert_int_equal(gpc_blind_index_filter(k, "gpcHolderIndex", "id", "150102197904049038",
	    &f), GPC_OK);
	assert_int_equal(gpc_blind_index(k, "id", "150102197904049038", ix1), GPC_OK);
	snprintf(want, sizeof(want), "(gpcHolderIndex=%s)", ix1);
	assert_string_equal(f, want);
	free(f);
	gpc_keys_free(k);

	assert_int_equal(gpc_keys_generate(dir, &v), GPC_OK);
	assert_int_equal(v, 2);
	k = load();
	assert_int_equal(gpc_blind_index(k, "id", "150102197904049038", ix2), GPC_OK);
	assert_int_equal(strncmp(ix2, "h2:", 3), 0);
	assert_int_equal(gpc_blind_index_filter(k, "gpcHolderIndex", "id", "150102197904049038",
	    &f), GPC_OK);
	snprintf(want, sizeof(want), "(|(gpcHolderIndex=%s)(gpcHolderIndex=%s))", ix2, ix1);
	assert_string_equal(f, want);
	free(f);
	assert_int_equal(gpc_blind_index_filter(k, NULL, "id", "x", &f), GPC_ERR_INVAL);
	assert_null(f);
	gpc_keys_free(k);
	snprintf(want, sizeof(want), "rm -rf '%s'", dir);
	assert_int_equal(system(want), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_loaded_version_is_searched_newest_first),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
