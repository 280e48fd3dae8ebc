/*
 * Unit tests for lib/qr.c: the half-block rendering's shape, and round trips
 * through a real decoder (zbarimg) — of the PBM writer and of the terminal
 * rendering itself, read back module by module.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "err.h"
#include "qr.h"
#include "totp.h"
#include "util.h"

static const unsigned char seed32[] = "12345678901234567890123456789012";

#define FULL "\xe2\x96\x88"
#define UPPER "\xe2\x96\x80"
#define LOWER "\xe2\x96\x84"

struct fixture {
	char dir[32];
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	strcpy(f->dir, "/tmp/gpcqr.XXXXXX");
	if (mkdtemp(f->dir) == NULL) {
		free(f);
		return -1;
	}
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[64];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	if (system(cmd) != 0)
		return -1;
	free(f);
	return 0;
}

/*
 * A 124-byte Key URI (version 6): SHA1/6/30, issuer GPC, a 20-byte label,
 * spelled out with every parameter and the issuer twice, as gpc_totp_uri
 * made them before it learnt to be brief: this is about the QR code's shape.
 */
static char *
uri124(void)
{
	char *u = strdup("otpauth://totp/GPC:zhangsan.gpc-example?secret="
	    "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=GPC&algorithm=SHA1&digits=6&period=30");

	assert_non_null(u);
	assert_int_equal(strlen(u), 124);
	return u;
}

/* A URI with a Chinese issuer and label, percent-encoded: SHA256/8/60. */
static char *
uri_zh(void)
{
	struct gpc_totp_params p = { GPC_ALGO_SHA256, 8, 60, 1 };
	char *u = NULL;

	assert_int_equal(gpc_totp_uri(&p, "政府采购云平台", "张三 (zhangsan@gpc.example)",
	    seed32, 32, &u), GPC_OK);
	return u;
}

/*
 * Parse the half-block rendering back into modules: m[y * n + x] = 1 where
 * the glyph paints ink.  Checks every character on the way.  Returns n (the
 * bordered width) and the number of lines in *lines.
 */
static unsigned char *
parse_blocks(const char *s, int *n_out, int *lines)
{
	unsigned char *m = NULL;
	int n = -1, x = 0, y = 0;
	const char *p;

	/* Width from the first line, in characters. */
	for (p = s, x = 0; *p != '\0' && *p != '\n'; x++)
		p += (*p == ' ') ? 1 : 3;
	n = x;
	assert_true(n > 0);
	assert_non_null(m = calloc((size_t)n * (size_t)(n + 1), 1));
	for (p = s, x = 0, y = 0;; ) {
		if (*p == '\0' || *p == '\n') {
			assert_int_equal(x, n); /* every line as wide as the first */
			y++;
			if (*p == '\0')
				break;
			p++;
			x = 0;
			continue;
		}
		assert_true(x < n);
		assert_true(2 * y < n + 1);
		if (*p == ' ') {
			p++;
		} else if (strncmp(p, FULL, 3) == 0) {
			m[(2 * y) * n + x] = m[(2 * y + 1) * n + x] = 1;
			p += 3;
		} else if (strncmp(p, UPPER, 3) == 0) {
			m[(2 * y) * n + x] = 1;
			p += 3;
		} else if (strncmp(p, LOWER, 3) == 0) {
			m[(2 * y + 1) * n + x] = 1;
			p += 3;
		} else
			fail_msg("unexpected byte 0x%02x at line %d col %d", (unsigned char)*p, y, x);
		x++;
	}
	*n_out = n;
	*lines = y;
	return m;
}

static void
utf8_shape_of_version6(void **state)
{
	char *u = uri124(), *s = NULL, *si = NULL;
	unsigned char *m, *mi;
	int n, ni, lines, linesi, x, y;

	(void)state;
	assert_int_equal(gpc_qr_utf8(u, 0, &s), GPC_OK);
	m = parse_blocks(s, &n, &lines);
	/* Version 6 is 41 modules; with 4 quiet modules each side, 49. */
	assert_int_equal(n, 49);
	assert_int_equal(lines, 25);
	assert_int_not_equal(s[strlen(s) - 1], '\n');
	/* Light-on-dark: the glyphs are the light modules, so the border is solid. */
	for (y = 0; y < 4; y++)
		for (x = 0; x < n; x++)
			assert_int_equal(m[y * n + x], 1);
	/* The last line's lower half lies below the image: never painted. */
	for (x = 0; x < n; x++)
		assert_int_equal(m[49 * n + x], 0);

	/* Inverted: exactly the complement inside the image. */
	assert_int_equal(gpc_qr_utf8(u, 1, &si), GPC_OK);
	mi = parse_blocks(si, &ni, &linesi);
	assert_int_equal(ni, n);
	assert_int_equal(linesi, lines);
	for (y = 0; y < n; y++)
		for (x = 0; x < n; x++)
			assert_int_equal(m[y * n + x], !mi[y * n + x]);
	free(m);
	free(mi);
	gpc_freezero_str(s);
	gpc_freezero_str(si);
	gpc_freezero_str(u);
}

static int
have_zbarimg(void)
{
	return access("/usr/bin/zbarimg", X_OK) == 0 ||
	    system("command -v zbarimg >/dev/null 2>&1") == 0;
}

/* Decode an image with zbarimg; *out malloc'd, the trailing newline cut. */
static void
zbar_decode(const char *path, char **out)
{
	char cmd[256], buf[4096];
	size_t n;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "zbarimg --quiet --raw --nodbus '%s' 2>/dev/null", path);
	assert_non_null(p = popen(cmd, "r"));
	n = fread(buf, 1, sizeof(buf) - 1, p);
	assert_int_equal(pclose(p), 0);
	buf[n] = '\0';
	if (n > 0 && buf[n - 1] == '\n')
		buf[n - 1] = '\0';
	assert_non_null(*out = strdup(buf));
	explicit_bzero(buf, sizeof(buf));
}

/* A test-side P1 (plain) PBM of a module matrix: the rendering, read back. */
static void
write_pbm_p1(const char *path, const unsigned char *m, int n, int ink_is_dark, int scale)
{
	FILE *f;
	int x, y, i, j;

	assert_non_null(f = fopen(path, "w"));
	fprintf(f, "P1\n%d %d\n", n * scale, n * scale);
	for (y = 0; y < n; y++)
		for (j = 0; j < scale; j++) {
			for (x = 0; x < n; x++)
				for (i = 0; i < scale; i++)
					fputs(m[y * n + x] == ink_is_dark ? "1 " : "0 ", f);
			fputc('\n', f);
		}
	assert_int_equal(fclose(f), 0);
}

static void
pbm_round_trip_chinese_issuer(void **state)
{
	struct fixture *f = *state;
	char path[64], *u = uri_zh(), *got = NULL;
	struct stat st;

	if (!have_zbarimg()) {
		gpc_freezero_str(u);
		print_message("zbarimg not installed (package zbar-tools): decoder test skipped\n");
		skip();
	}
	assert_non_null(strstr(u, "%E6%94%BF%E5%BA%9C"));
	snprintf(path, sizeof(path), "%s/zh.pbm", f->dir);
	assert_int_equal(gpc_qr_pbm(u, 4, path), GPC_OK);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	zbar_decode(path, &got);
	assert_string_equal(got, u);
	assert_int_equal(strlen(got), strlen(u));
	gpc_freezero_str(got);
	unlink(path);
	gpc_freezero_str(u);
}

/* What the user's phone sees: the terminal rendering, module by module. */
static void
utf8_rendering_decodes(void **state)
{
	struct fixture *f = *state;
	char path[64], *u, *s = NULL, *got = NULL;
	unsigned char *m;
	int n, lines, inv;

	if (!have_zbarimg()) {
		print_message("zbarimg not installed (package zbar-tools): decoder test skipped\n");
		skip();
	}
	for (inv = 0; inv <= 1; inv++) {
		u = inv ? uri124() : uri_zh();
		assert_int_equal(gpc_qr_utf8(u, inv, &s), GPC_OK);
		m = parse_blocks(s, &n, &lines);
		snprintf(path, sizeof(path), "%s/blocks%d.pbm", f->dir, inv);
		/* Normal mode paints light modules; inverted paints dark ones. */
		write_pbm_p1(path, m, n, inv, 3);
		zbar_decode(path, &got);
		assert_string_equal(got, u);
		explicit_bzero(m, (size_t)n * (size_t)(n + 1));
		free(m);
		gpc_freezero_str(got);
		gpc_freezero_str(s);
		gpc_freezero_str(u);
		unlink(path);
	}
}

/* Characters (not bytes) before the first newline. */
static int
first_line_chars(const char *s)
{
	int n = 0;

	for (; *s != '\0' && *s != '\n'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

static void
refusals(void **state)
{
	struct fixture *f = *state;
	char path[64], link[64], *s = (char *)1, *big;
	struct stat st;

	assert_int_equal(gpc_qr_utf8(NULL, 0, &s), GPC_ERR_INVAL);
	assert_null(s);
	assert_int_equal(gpc_qr_utf8("", 0, &s), GPC_ERR_INVAL);
	assert_int_equal(gpc_qr_utf8("x", 0, NULL), GPC_ERR_INVAL);
	/* Version 40-L holds 2953 bytes in 8-bit mode: the last one that fits. */
	assert_non_null(big = malloc(GPC_QR_TEXT_MAX + 2));
	memset(big, 'a', GPC_QR_TEXT_MAX + 1);
	big[GPC_QR_TEXT_MAX + 1] = '\0';
	assert_int_equal(gpc_qr_utf8(big, 0, &s), GPC_ERR_INVAL);
	assert_null(s);
	big[GPC_QR_TEXT_MAX] = '\0';
	assert_int_equal(gpc_qr_utf8(big, 0, &s), GPC_OK);
	assert_int_equal(first_line_chars(s), 177 + 8); /* version 40: 177 modules */
	gpc_freezero_str(s);
	free(big);

	snprintf(path, sizeof(path), "%s/x.pbm", f->dir);
	assert_int_equal(gpc_qr_pbm("otpauth://totp/a", 0, path), GPC_ERR_INVAL);
	assert_int_equal(gpc_qr_pbm("otpauth://totp/a", 33, path), GPC_ERR_INVAL);
	assert_int_equal(gpc_qr_pbm("otpauth://totp/a", 2, NULL), GPC_ERR_INVAL);
	snprintf(path, sizeof(path), "%s/no/such/dir.pbm", f->dir);
	assert_int_equal(gpc_qr_pbm("otpauth://totp/a", 2, path), GPC_ERR_IO);
	assert_int_equal(errno, ENOENT);
	/* A symlink is refused, and left where it is. */
	snprintf(path, sizeof(path), "%s/target", f->dir);
	snprintf(link, sizeof(link), "%s/link.pbm", f->dir);
	assert_int_equal(symlink(path, link), 0);
	assert_int_equal(gpc_qr_pbm("otpauth://totp/a", 2, link), GPC_ERR_IO);
	assert_int_equal(lstat(link, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	assert_int_equal(stat(path, &st), -1);
	unlink(link);
}

/* An existing, world-readable file is rewritten private. */
static void
pbm_existing_file_made_private(void **state)
{
	struct fixture *f = *state;
	char path[64];
	struct stat st;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/old.pbm", f->dir);
	assert_non_null(fp = fopen(path, "w"));
	fputs("stale contents that are longer than nothing\n", fp);
	fclose(fp);
	assert_int_equal(chmod(path, 0644), 0);
	assert_int_equal(gpc_qr_pbm("otpauth://totp/a", 1, path), GPC_OK);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	/* "P4\n29 29\n" (21 modules + 8) and 29 rows of 4 bytes. */
	assert_int_equal(st.st_size, 9 + 29 * 4);
	unlink(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(utf8_shape_of_version6),
		cmocka_unit_test_setup_teardown(pbm_round_trip_chinese_issuer, setup, teardown),
		cmocka_unit_test_setup_teardown(utf8_rendering_decodes, setup, teardown),
		cmocka_unit_test_setup_teardown(refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(pbm_existing_file_made_private, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
