/*
 * gpcgate — libFuzzer targets (tests/fuzz/README.md).
 *
 * Each fuzz_<name>.c defines LLVMFuzzerTestOneInput (and, when it needs
 * fixed files, LLVMFuzzerInitialize).  It is linked twice: with clang's
 * libFuzzer (`make fuzz`, build-fuzz/) and with replay.c, a plain main()
 * that feeds it the files of its corpus (`make check`, any compiler).
 *
 * A target must not leak, must free what the library hands back, and checks
 * with FUZZ_CHECK the properties the header of the code under test promises:
 * a broken promise aborts like a memory error does.
 */
#ifndef GPC_FUZZ_H
#define GPC_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* Abort with the file, line and condition unless cond holds. */
#define FUZZ_CHECK(cond) \
	((cond) ? (void)0 : fuzz_fail(__FILE__, __LINE__, #cond))
void fuzz_fail(const char *file, int line, const char *what) __attribute__((noreturn));

/* A NUL-terminated copy of size bytes (a NUL inside stays); aborts on ENOMEM. */
char *fuzz_strndup(const uint8_t *data, size_t size);

/*
 * A private directory (mode 0700) made on the first call and removed with
 * its files at exit: "/tmp/gpcfuzz.XXXXXX".  Aborts if it cannot be made.
 */
const char *fuzz_tmpdir(void);

/* Write size bytes to path (created or truncated, with mode). Aborts on error. */
void fuzz_write_file(const char *path, const void *data, size_t size, mode_t mode);

#endif
