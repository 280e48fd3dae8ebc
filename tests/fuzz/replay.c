/*
 * Corpus replay: the main() that stands in for libFuzzer's, so that `make
 * check` runs every fuzz target over its seed corpus with the ordinary
 * compiler (and `make asan` / `make valgrind` under their checkers):
 *
 *   tests/fuzz/fuzz_NAME [FILE|DIR]...
 *
 * Every file given, and every regular file in a directory given (not
 * recursive, in name order), is fed once to LLVMFuzzerTestOneInput.  Prints
 * TAP, one "ok" per input.  A crash, sanitizer report or failed check of a
 * target ends the program, which the test runner counts as a failure; no
 * input at all is a failure too.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

/* Targets without fixed files of their own do not define it. */
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

static int n;

static int
run_file(const char *path)
{
	unsigned char *buf = NULL;
	size_t len = 0, cap = 0, got;
	FILE *f;

	if ((f = fopen(path, "rb")) == NULL) {
		printf("not ok %d - %s: %s\n", ++n, path, strerror(errno));
		return 1;
	}
	do {
		if (len == cap) {
			unsigned char *nb;

			cap = cap ? 2 * cap : 4096;
			if ((nb = realloc(buf, cap)) == NULL)
				fuzz_fail(__FILE__, __LINE__, "realloc");
			buf = nb;
		}
		got = fread(buf + len, 1, cap - len, f);
		len += got;
	} while (got > 0);
	fclose(f);
	fflush(stdout);
	/* a copy of exactly len bytes, so ASan sees a read past the input */
	{
		unsigned char *in = malloc(len ? len : 1);

		if (in == NULL)
			fuzz_fail(__FILE__, __LINE__, "malloc");
		memcpy(in, buf, len);
		LLVMFuzzerTestOneInput(in, len);
		free(in);
	}
	free(buf);
	printf("ok %d - %s\n", ++n, path);
	return 0;
}

static int
cmp_names(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

int
main(int argc, char **argv)
{
	struct stat st;
	int i, bad = 0;

	if (LLVMFuzzerInitialize != NULL)
		LLVMFuzzerInitialize(&argc, &argv);
	for (i = 1; i < argc; i++) {
		struct dirent **names;
		int k, m;

		if (stat(argv[i], &st) != 0 || !S_ISDIR(st.st_mode)) {
			bad |= run_file(argv[i]);
			continue;
		}
		if ((m = scandir(argv[i], &names, NULL, cmp_names)) < 0) {
			printf("not ok %d - %s: %s\n", ++n, argv[i], strerror(errno));
			bad = 1;
			continue;
		}
		for (k = 0; k < m; k++) {
			char path[4096];

			snprintf(path, sizeof(path), "%s/%s", argv[i], names[k]->d_name);
			if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
				bad |= run_file(path);
			free(names[k]);
		}
		free(names);
	}
	if (n == 0) {
		printf("not ok 1 - no input (give corpus files or directories)\n");
		n = bad = 1;
	}
	printf("1..%d\n", n);
	return bad;
}
