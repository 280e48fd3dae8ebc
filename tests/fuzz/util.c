/*
 * Helpers shared by the fuzz targets (fuzz.h).
 */
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"

void
fuzz_fail(const char *file, int line, const char *what)
{
	fprintf(stderr, "%s:%d: check failed: %s\n", file, line, what);
	abort();
}

char *
fuzz_strndup(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (s == NULL)
		fuzz_fail(__FILE__, __LINE__, "malloc");
	if (size > 0)
		memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

static char tmpdir[32];

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void
rm_tmpdir(void)
{
	if (tmpdir[0] != '\0')
		nftw(tmpdir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
}

const char *
fuzz_tmpdir(void)
{
	if (tmpdir[0] == '\0') {
		snprintf(tmpdir, sizeof(tmpdir), "/tmp/gpcfuzz.XXXXXX");
		if (mkdtemp(tmpdir) == NULL)
			fuzz_fail(__FILE__, __LINE__, "mkdtemp");
		atexit(rm_tmpdir);
	}
	return tmpdir;
}

void
fuzz_write_file(const char *path, const void *data, size_t size, mode_t mode)
{
	const char *p = data;
	ssize_t n;
	int fd;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode)) < 0)
		fuzz_fail(__FILE__, __LINE__, path);
	while (size > 0) {
		if ((n = write(fd, p, size)) <= 0)
			fuzz_fail(__FILE__, __LINE__, "write");
		p += n;
		size -= (size_t)n;
	}
	if (fchmod(fd, mode) != 0 || close(fd) != 0)
		fuzz_fail(__FILE__, __LINE__, "close");
}
