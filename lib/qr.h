/*
 * gpcgate — QR codes for enrollment: an otpauth:// URI shown in a terminal,
 * or written as an image for tests.
 *
 * Both functions encode with libqrencode: QRcode_encodeString(text, 0,
 * QR_ECLEVEL_L, QR_MODE_8, 1) — automatic version, error correction level
 * L, case-sensitive (with 0 libqrencode upper-cases the whole text, and
 * "SECRET=" or a lower-case label no longer match).  The text holds a
 * secret: the QRcode matrix is wiped before it is freed; libqrencode's own
 * intermediate buffers are freed unwiped.  Thread-safe: libqrencode is
 * built with its thread-safety option (pthread mutexes) and nothing here
 * keeps state.
 */
#ifndef GPC_QR_H
#define GPC_QR_H

/* The light border ISO/IEC 18004 requires around a symbol, in modules. */
#define GPC_QR_QUIET 4

/* Longest text accepted, in bytes: what version 40-L holds in 8-bit mode. */
#define GPC_QR_TEXT_MAX 2953

/*
 * Render text (an otpauth URI: NUL-terminated, 1..GPC_QR_TEXT_MAX bytes) as
 * a QR code in UTF-8 half blocks: each text line holds two module rows
 * (upper and lower half of a character cell), each column one module, and
 * a quiet zone of GPC_QR_QUIET modules surrounds the symbol.  A symbol of
 * width W gives W+8 columns and ceil((W+8)/2) lines separated by "\n" (no
 * newline after the last line); the lower half of the last line is blank
 * when W+8 is odd.  Characters: U+2588 █, U+2580 ▀, U+2584 ▄ and space.
 *
 * invert == 0 is for light-on-dark terminals (the usual ssh session): the
 * glyphs draw the LIGHT modules and the quiet zone, the dark background
 * shows through for dark modules.  invert != 0 is for dark-on-light
 * terminals: the glyphs draw the dark modules.  Either way the scanner sees
 * dark modules on light, which is all most scanners read.
 *
 * *out is NULL on entry and on success a malloc'd NUL-terminated string; it
 * encodes the secret, so the caller wipes and frees it (gpc_freezero_str).
 * Returns GPC_OK, GPC_ERR_INVAL (NULL, empty, or too long for a version 40
 * symbol), GPC_ERR_NOMEM.
 */
int gpc_qr_utf8(const char *text, int invert, char **out);

/*
 * Write the same symbol (with the quiet zone) as a binary PBM image (Netpbm
 * "P4": 1 = dark), each module scale x scale pixels (scale 1..32), to path
 * — for tests: zbarimg reads PBM through ImageMagick.  The file is created
 * mode 0600, O_NOFOLLOW|O_CLOEXEC, truncated if it exists, and removed
 * again if writing fails.  Returns GPC_OK, GPC_ERR_INVAL (as above, or a bad
 * scale), GPC_ERR_NOMEM, GPC_ERR_IO (errno kept).
 */
int gpc_qr_pbm(const char *text, int scale, const char *path);

#endif
