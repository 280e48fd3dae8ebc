/*
 * The audit log: concurrent writers never interleave or lose a line, and
 * gpc_audit_verify finds a changed byte, a removed line, a cut head and a
 * cut tail, naming the line.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <fcntl.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <pthread.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "audit.h"
#include "err.h"
#include "util.h"

#define WRITERS 8
#define PER_WRITER 1000
#define ROUNDS 10 /* barriers per writer: no writer can run its 1000 lines alone */

static char dir[64];
static char shared[128]; /* the file the writers made, kept for the tamper tests */

/* The file's lines, each without '\n'; *n lines.  Aborts the test on I/O errors. */
static char **
read_lines(const char *path, size_t *n)
{
	char **v = NULL, *line = NULL;
	size_t cap = 0, used = 0;
	ssize_t len;
	FILE *f = fopen(path, "r");

	assert_non_null(f);
	while ((len = getline(&line, &cap, f)) >= 0) {
		if (len > 0 && line[len - 1] == '\n')
			line[len - 1] = '\0';
		v = realloc(v, (used + 2) * sizeof(*v));
		assert_non_null(v);
		v[used++] = strdup(line);
		v[used] = NULL;
	}
	free(line);
	fclose(f);
	*n = used;
	return v;
}

static void
write_lines(const char *path, char **v, size_t n, size_t skip)
{
	FILE *f = fopen(path, "w");
	size_t i;

	assert_non_null(f);
	for (i = 0; i < n; i++)
		if (i + 1 != skip)
			fprintf(f, "%s\n", v[i]);
	fclose(f);
}

static void
free_lines(char **v)
{
	gpc_strv_free(v);
}

static void
tmp_path(char *out, size_t len, const char *name)
{
	snprintf(out, len, "%s/%s", dir, name);
}

static int
setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/gpc-audit.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	tmp_path(shared, sizeof(shared), "concurrent.log");
	return 0;
}

static int
teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void
eight_writers_times_1000_lines_never_interleave_or_get_lost(void **state)
{
	int go[2], w, status;
	pid_t pids[WRITERS];
	char **lines, why[256], byte;
	size_t n, i, nlines = 0, bad = 0;
	int next[WRITERS] = { 0 }, last_writer = -1, switches = 0;
	pthread_barrierattr_t ba;
	pthread_barrier_t *round;

	(void)state;
	/*
	 * On a fast machine one writer can finish its lines inside one time
	 * slice; a barrier shared by the processes every PER_WRITER / ROUNDS
	 * lines makes them all write at the same time.
	 */
	round = mmap(NULL, sizeof(*round), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	assert_true(round != MAP_FAILED);
	assert_int_equal(pthread_barrierattr_init(&ba), 0);
	assert_int_equal(pthread_barrierattr_setpshared(&ba, PTHREAD_PROCESS_SHARED), 0);
	assert_int_equal(pthread_barrier_init(round, &ba, WRITERS), 0);
	assert_int_equal(pipe(go), 0);
	for (w = 0; w < WRITERS; w++) {
		pids[w] = fork();
		assert_true(pids[w] >= 0);
		if (pids[w] == 0) {
			struct gpc_audit *a = NULL;
			int r = 0;

			close(go[1]);
			/* all start together, for the most contention */
			if (read(go[0], &byte, 1) != 0)
				_exit(3);
			if (gpc_audit_open(shared, "test_audit", NULL, &a) != GPC_OK)
				_exit(2);
			for (i = 0; i < PER_WRITER; i++) { /* to the end: the others wait at the barrier */
				json_t *f;

				if (i % (PER_WRITER / ROUNDS) == 0)
					(void)pthread_barrier_wait(round);
				f = json_pack("{s:i, s:i, s:s}", "writer", w, "seq", (int)i,
				    "pad", "some text so that lines are a few hundred bytes long, "
				    "longer than one write of a careless implementation might be");

				if (r == 0)
					r = gpc_audit_event(a, "test", f) != GPC_OK;
				json_decref(f);
			}
			gpc_audit_close(a);
			_exit(r);
		}
	}
	close(go[0]);
	close(go[1]); /* EOF on the pipe: go */
	for (w = 0; w < WRITERS; w++) {
		assert_int_equal(waitpid(pids[w], &status, 0), pids[w]);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
	}

	lines = read_lines(shared, &n);
	assert_int_equal(n, WRITERS * PER_WRITER + 1); /* + the audit_start line */
	for (i = 0; i < n; i++) {
		json_error_t err;
		json_t *o = json_loads(lines[i], 0, &err);
		const char *ev;
		int wr, seq;

		/* every line is one whole JSON object: nothing interleaved */
		assert_non_null(o);
		assert_true(json_is_object(o));
		ev = json_string_value(json_object_get(o, "event"));
		assert_non_null(ev);
		if (i == 0) {
			assert_string_equal(ev, "audit_start");
			json_decref(o);
			continue;
		}
		assert_string_equal(ev, "test");
		wr = (int)json_integer_value(json_object_get(o, "writer"));
		seq = (int)json_integer_value(json_object_get(o, "seq"));
		assert_in_range(wr, 0, WRITERS - 1);
		/* each writer's lines in its own order, none missing */
		assert_int_equal(seq, next[wr]);
		next[wr]++;
		switches += wr != last_writer;
		last_writer = wr;
		json_decref(o);
	}
	for (w = 0; w < WRITERS; w++)
		assert_int_equal(next[w], PER_WRITER);
	/* the writers did run at the same time (else this proved nothing) */
	assert_true(switches >= ROUNDS * WRITERS - 1);
	free_lines(lines);
	assert_int_equal(gpc_audit_verify(shared, &nlines, &bad, why, sizeof(why)), GPC_OK);
	assert_int_equal(nlines, WRITERS * PER_WRITER + 1);
	assert_int_equal(bad, 0);
	pthread_barrier_destroy(round);
	munmap(round, sizeof(*round));
}

static void
the_first_line_hangs_from_its_seed(void **state)
{
	char **lines, want[65];
	unsigned char md[32];
	unsigned int mdlen = 0;
	size_t n;
	json_t *o;
	const char *seed;

	(void)state;
	lines = read_lines(shared, &n);
	o = json_loads(lines[0], 0, NULL);
	seed = json_string_value(json_object_get(o, "seed"));
	assert_non_null(seed);
	assert_int_equal(strlen(seed), 64);
	assert_int_equal(EVP_Digest(seed, 64, md, &mdlen, EVP_sha256(), NULL), 1);
	gpc_hex(md, 32, want);
	assert_string_equal(json_string_value(json_object_get(o, "prev")), want);
	json_decref(o);
	free_lines(lines);
}

/* Change one byte of line k (1-based) that keeps it JSON: a digit of its "seq". */
static void
one_changed_byte_in_line_k_is_reported_at_line_k_plus_1(void **state)
{
	char path[160], why[256], want[256], **lines, *p;
	size_t n, nl = 0, bad = 0, k = 4321;

	(void)state;
	tmp_path(path, sizeof(path), "changed.log");
	lines = read_lines(shared, &n);
	p = strstr(lines[k - 1], "\"seq\":");
	assert_non_null(p);
	p += 6;
	*p = *p == '9' ? '8' : (char)(*p + 1);
	write_lines(path, lines, n, 0);
	free_lines(lines);

	assert_int_equal(gpc_audit_verify(path, &nl, &bad, why, sizeof(why)), GPC_ERR_FORMAT);
	assert_int_equal(bad, k + 1);
	snprintf(want, sizeof(want), "line %zu: prev does not match the hash of line %zu: "
	    "line %zu was changed, or lines were removed between %zu and %zu", k + 1, k, k, k,
	    k + 1);
	assert_string_equal(why, want);
}

static void
a_changed_byte_that_breaks_the_json_is_reported_at_its_own_line(void **state)
{
	char path[160], why[256], **lines;
	size_t n, bad = 0, k = 77;

	(void)state;
	tmp_path(path, sizeof(path), "notjson.log");
	lines = read_lines(shared, &n);
	lines[k - 1][0] = '['; /* "{" -> "[" */
	write_lines(path, lines, n, 0);
	free_lines(lines);
	assert_int_equal(gpc_audit_verify(path, NULL, &bad, why, sizeof(why)), GPC_ERR_FORMAT);
	assert_int_equal(bad, k);
	assert_string_equal(why, "line 77: not a JSON object (the line was changed)");
}

static void
a_removed_line_is_detected_where_it_was(void **state)
{
	char path[160], why[256], **lines;
	size_t n, bad = 0, k = 5000;

	(void)state;
	tmp_path(path, sizeof(path), "removed.log");
	lines = read_lines(shared, &n);
	write_lines(path, lines, n, k); /* without line k */
	free_lines(lines);
	assert_int_equal(gpc_audit_verify(path, NULL, &bad, why, sizeof(why)), GPC_ERR_FORMAT);
	/* the old line k+1 is now line k, and does not follow line k-1 */
	assert_int_equal(bad, k);
	assert_non_null(strstr(why, "line 5000: prev does not match the hash of line 4999"));
}

static void
a_file_cut_at_its_head_is_detected(void **state)
{
	char path[160], why[256], **lines;
	size_t n, bad = 0, i;

	(void)state;
	tmp_path(path, sizeof(path), "head.log");
	lines = read_lines(shared, &n);
	/* without the first 10 lines */
	write_lines(path, lines + 10, n - 10, 0);
	assert_int_equal(gpc_audit_verify(path, NULL, &bad, why, sizeof(why)), GPC_ERR_FORMAT);
	assert_int_equal(bad, 1);
	assert_string_equal(why, "line 1: no seed: the file does not start a chain (its head "
	    "was cut)");
	/* without the start line only */
	write_lines(path, lines + 1, n - 1, 0);
	assert_int_equal(gpc_audit_verify(path, NULL, &bad, why, sizeof(why)), GPC_ERR_FORMAT);
	assert_int_equal(bad, 1);
	/* a seed changed: the start line no longer matches it */
	for (i = 0; lines[0][i] != '\0'; i++)
		if (strncmp(lines[0] + i, "\"seed\":\"", 8) == 0) {
			lines[0][i + 8] = lines[0][i + 8] == 'a' ? 'b' : 'a';
			break;
		}
	write_lines(path, lines, n, 0);
	assert_int_equal(gpc_audit_verify(path, NULL, &bad, why, sizeof(why)), GPC_ERR_FORMAT);
	assert_int_equal(bad, 1);
	assert_string_equal(why, "line 1: prev does not match its seed");
	free_lines(lines);
}

static void
a_file_cut_short_is_detected(void **state)
{
	char path[160], cmd[400], why[256];
	size_t bad = 0, nl = 0;
	struct stat st;

	(void)state;
	tmp_path(path, sizeof(path), "short.log");
	snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", shared, path);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(truncate(path, st.st_size - 20), 0);
	assert_int_equal(gpc_audit_verify(path, &nl, &bad, why, sizeof(why)), GPC_ERR_FORMAT);
	assert_int_equal(bad, WRITERS * PER_WRITER + 1);
	assert_string_equal(why, "line 8001: not terminated (the file was cut short)");
}

static void
a_fragment_left_by_a_dead_writer_stays_a_line_of_its_own(void **state)
{
	char path[160], why[256], **lines;
	struct gpc_audit *a = NULL;
	size_t n, bad = 0;
	int fd;

	(void)state;
	tmp_path(path, sizeof(path), "fragment.log");
	assert_int_equal(gpc_audit_open(path, "t", NULL, &a), GPC_OK);
	assert_int_equal(gpc_audit_event(a, "one", NULL), GPC_OK);
	/* a writer dies in the middle of its write */
	fd = open(path, O_WRONLY | O_APPEND);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "{\"event\":\"tw", 12), 12);
	close(fd);
	assert_int_equal(gpc_audit_event(a, "two", NULL), GPC_OK);
	gpc_audit_close(a);

	lines = read_lines(path, &n);
	assert_int_equal(n, 4);
	assert_string_equal(lines[2], "{\"event\":\"tw");
	assert_non_null(strstr(lines[3], "\"event\":\"two\""));
	free_lines(lines);
	assert_int_equal(gpc_audit_verify(path, NULL, &bad, why, sizeof(why)), GPC_ERR_FORMAT);
	assert_int_equal(bad, 3);
}

static void
a_last_line_longer_than_any_buffer_still_chains(void **state)
{
	char path[160], why[256];
	struct gpc_audit *a = NULL;
	json_t *f;
	char *big = malloc(200001);
	size_t lines = 0;

	(void)state;
	assert_non_null(big);
	memset(big, 'x', 200000);
	big[200000] = '\0';
	tmp_path(path, sizeof(path), "long.log");
	f = json_pack("{s:s}", "blob", big);
	assert_int_equal(gpc_audit_open(path, "t", NULL, &a), GPC_OK);
	assert_int_equal(gpc_audit_event(a, "big", f), GPC_OK);
	assert_int_equal(gpc_audit_event(a, "after", NULL), GPC_OK);
	gpc_audit_close(a);
	json_decref(f);
	free(big);
	assert_int_equal(gpc_audit_verify(path, &lines, NULL, why, sizeof(why)), GPC_OK);
	assert_int_equal(lines, 3);
}

static void
fields_cannot_forge_the_chain_or_the_time(void **state)
{
	char path[160], why[256], **lines;
	struct gpc_audit *a = NULL;
	json_t *f = json_pack("{s:s, s:s, s:s, s:s}", "prev", "0000", "ts", "1999", "event",
	    "forged", "uid", "u1");
	json_t *o;
	size_t n;

	(void)state;
	tmp_path(path, sizeof(path), "forge.log");
	assert_int_equal(gpc_audit_open(path, "t", NULL, &a), GPC_OK);
	assert_int_equal(gpc_audit_event(a, "real", f), GPC_OK);
	gpc_audit_close(a);
	json_decref(f);
	assert_int_equal(gpc_audit_verify(path, NULL, NULL, why, sizeof(why)), GPC_OK);
	lines = read_lines(path, &n);
	o = json_loads(lines[1], 0, NULL);
	assert_string_equal(json_string_value(json_object_get(o, "event")), "real");
	assert_string_equal(json_string_value(json_object_get(o, "uid")), "u1");
	assert_int_equal(strlen(json_string_value(json_object_get(o, "ts"))), 24);
	json_decref(o);
	free_lines(lines);
}

static void
an_empty_file_verifies_and_a_missing_one_is_an_io_error(void **state)
{
	char path[160], why[256], last[65];
	size_t lines = 9;
	int fd;

	(void)state;
	tmp_path(path, sizeof(path), "empty.log");
	fd = open(path, O_WRONLY | O_CREAT, 0600);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(gpc_audit_verify_anchor(path, &lines, NULL, why, sizeof(why), last),
	    GPC_OK);
	assert_int_equal(lines, 0);
	assert_string_equal(last, "");
	tmp_path(path, sizeof(path), "absent.log");
	assert_int_equal(gpc_audit_verify(path, NULL, NULL, why, sizeof(why)), GPC_ERR_IO);
}

static void
the_chain_reader_keeps_parsing_after_a_break(void **state)
{
	struct gpc_audit_chain ch;
	char **lines;
	size_t n, i, objects = 0;
	json_t *o;
	int r;

	(void)state;
	lines = read_lines(shared, &n);
	lines[10][0] = 'X';
	gpc_audit_chain_init(&ch);
	for (i = 0; i < 50; i++) {
		r = gpc_audit_chain_line(&ch, lines[i], strlen(lines[i]), 1, &o);
		assert_int_equal(r, i < 10 ? GPC_OK : GPC_ERR_FORMAT);
		objects += o != NULL;
		json_decref(o);
	}
	assert_int_equal(ch.bad, 11);
	assert_int_equal(objects, 49);
	free_lines(lines);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(eight_writers_times_1000_lines_never_interleave_or_get_lost),
		cmocka_unit_test(the_first_line_hangs_from_its_seed),
		cmocka_unit_test(one_changed_byte_in_line_k_is_reported_at_line_k_plus_1),
		cmocka_unit_test(a_changed_byte_that_breaks_the_json_is_reported_at_its_own_line),
		cmocka_unit_test(a_removed_line_is_detected_where_it_was),
		cmocka_unit_test(a_file_cut_at_its_head_is_detected),
		cmocka_unit_test(a_file_cut_short_is_detected),
		cmocka_unit_test(a_fragment_left_by_a_dead_writer_stays_a_line_of_its_own),
		cmocka_unit_test(a_last_line_longer_than_any_buffer_still_chains),
		cmocka_unit_test(fields_cannot_forge_the_chain_or_the_time),
		cmocka_unit_test(an_empty_file_verifies_and_a_missing_one_is_an_io_error),
		cmocka_unit_test(the_chain_reader_keeps_parsing_after_a_break),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
