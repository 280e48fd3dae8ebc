/*
 * gpcgate — QR codes for enrollment (libqrencode), as UTF-8 half blocks or
 * a PBM image.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <qrencode.h>

#include "err.h"
#include "qr.h"

#define SCALE_MAX 32

/* UTF-8 of U+2588 FULL BLOCK, U+2580 UPPER HALF BLOCK, U+2584 LOWER HALF BLOCK. */
#define GLYPH_FULL "\xe2\x96\x88"
#define GLYPH_UPPER "\xe2\x96\x80"
#define GLYPH_LOWER "\xe2\x96\x84"

static int
encode(const char *text, QRcode **qr)
{
	size_t n;

	*qr = NULL;
	if (text == NULL)
		return GPC_ERR_INVAL;
	n = strnlen(text, GPC_QR_TEXT_MAX + 1);
	if (n == 0 || n > GPC_QR_TEXT_MAX)
		return GPC_ERR_INVAL;
	errno = 0;
	/* casesensitive = 1: with 0 the whole URI would be upper-cased. */
	if ((*qr = QRcode_encodeString(text, 0, QR_ECLEVEL_L, QR_MODE_8, 1)) == NULL)
		return errno == ENOMEM ? GPC_ERR_NOMEM : GPC_ERR_INVAL;
	return GPC_OK;
}

/* The matrix encodes the secret: wipe it before libqrencode frees it. */
static void
qr_free(QRcode *qr)
{
	if (qr == NULL)
		return;
	explicit_bzero(qr->data, (size_t)qr->width * (size_t)qr->width);
	QRcode_free(qr);
}

/* Whether the module at (x, y) of the bordered image is dark; the border is light. */
static int
dark(const QRcode *qr, int x, int y)
{
	x -= GPC_QR_QUIET;
	y -= GPC_QR_QUIET;
	if (x < 0 || y < 0 || x >= qr->width || y >= qr->width)
		return 0;
	/* Bit 0 of each byte is the module's colour; the others are metadata. */
	return qr->data[(size_t)y * (size_t)qr->width + (size_t)x] & 1;
}

static char *
put3(char *d, const char *glyph)
{
	memcpy(d, glyph, 3);
	return d + 3;
}

int
gpc_qr_utf8(const char *text, int invert, char **out)
{
	QRcode *qr = NULL;
	char *buf = NULL, *d;
	size_t cap;
	int n, x, y, top, bottom, r;

	if (out == NULL)
		return GPC_ERR_INVAL;
	*out = NULL;
	if ((r = encode(text, &qr)) != GPC_OK)
		goto out;
	n = qr->width + 2 * GPC_QR_QUIET;
	/* (n+1)/2 lines of n glyphs of at most 3 bytes and a newline, plus NUL. */
	cap = (size_t)(n + 1) / 2 * ((size_t)n * 3 + 1) + 1;
	if ((buf = malloc(cap)) == NULL) {
		r = GPC_ERR_NOMEM;
		goto out;
	}
	d = buf;
	for (y = 0; y < n; y += 2) {
		if (y > 0)
			*d++ = '\n';
		for (x = 0; x < n; x++) {
			/*
			 * Ink is what the glyph paints in the terminal's
			 * foreground: light modules on a dark background,
			 * dark modules when inverted.  Below the last row
			 * there is nothing to paint.
			 */
			top = dark(qr, x, y) == !!invert;
			bottom = y + 1 < n && dark(qr, x, y + 1) == !!invert;
			if (top && bottom)
				d = put3(d, GLYPH_FULL);
			else if (top)
				d = put3(d, GLYPH_UPPER);
			else if (bottom)
				d = put3(d, GLYPH_LOWER);
			else
				*d++ = ' ';
		}
	}
	*d = '\0';
	*out = buf;
	buf = NULL; /* transferred */
	r = GPC_OK;
out:
	qr_free(qr);
	return r;
}

static int
write_all(int fd, const unsigned char *p, size_t len)
{
	ssize_t w;

	while (len > 0) {
		if ((w = write(fd, p, len)) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

int
gpc_qr_pbm(const char *text, int scale, const char *path)
{
	QRcode *qr = NULL;
	unsigned char *row = NULL;
	char head[64];
	size_t rowbytes = 0, px;
	int fd = -1, created = 0, n, side, x, y, i, hl, saved, r;

	if (path == NULL || scale < 1 || scale > SCALE_MAX)
		return GPC_ERR_INVAL;
	if ((r = encode(text, &qr)) != GPC_OK)
		goto out;
	n = qr->width + 2 * GPC_QR_QUIET;
	side = n * scale;
	rowbytes = ((size_t)side + 7) / 8;
	if ((row = calloc(1, rowbytes)) == NULL) {
		r = GPC_ERR_NOMEM;
		goto out;
	}
	/* The image is the secret in another form: private from the start. */
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd == -1) {
		r = GPC_ERR_IO;
		goto out;
	}
	created = 1;
	if (fchmod(fd, 0600) == -1) {
		r = GPC_ERR_IO;
		goto out;
	}
	hl = snprintf(head, sizeof(head), "P4\n%d %d\n", side, side);
	if (write_all(fd, (const unsigned char *)head, (size_t)hl) == -1) {
		r = GPC_ERR_IO;
		goto out;
	}
	for (y = 0; y < n; y++) {
		memset(row, 0, rowbytes);
		for (x = 0; x < n; x++) {
			if (!dark(qr, x, y))
				continue;
			for (i = 0; i < scale; i++) {
				/* P4 packs 8 pixels a byte, leftmost in the high bit. */
				px = (size_t)x * (size_t)scale + (size_t)i;
				row[px / 8] |= (unsigned char)(0x80 >> (px % 8));
			}
		}
		for (i = 0; i < scale; i++) {
			if (write_all(fd, row, rowbytes) == -1) {
				r = GPC_ERR_IO;
				goto out;
			}
		}
	}
	if (close(fd) == -1) {
		fd = -1;
		r = GPC_ERR_IO;
		goto out;
	}
	fd = -1;
	r = GPC_OK;
out:
	saved = errno;
	if (fd != -1)
		close(fd);
	/*
	 * A partial image still carries part of the secret.  Only a file
	 * this call opened is removed, never one open() refused (a symlink).
	 */
	if (r != GPC_OK && created)
		unlink(path);
	if (row != NULL) {
		explicit_bzero(row, rowbytes);
		free(row);
	}
	qr_free(qr);
	errno = saved;
	return r;
}
