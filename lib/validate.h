/*
 * gpcgate — validators for the identifiers a unit and its holders register
 * with: resident identity numbers, unified social credit codes, mobile and
 * landline numbers, region codes; and the masks used wherever one is shown.
 *
 * Each validator takes a NUL-terminated string and accepts only the one
 * canonical form of the value: nothing is trimmed, case-folded or otherwise
 * normalised, because the blind index is computed over exactly these bytes.
 * On failure *why (when why is not NULL) is set to a static English phrase
 * naming the problem ("check character wrong", "no such date"...), fit for a
 * message to the person who typed the value; on success it is set to NULL.
 * NULL input is refused like any malformed value.
 *
 * None of these functions allocates, logs or keeps state: all are
 * thread-safe and reentrant.
 */
#ifndef GPC_VALIDATE_H
#define GPC_VALIDATE_H

#include <time.h>

/*
 * Validate a resident identity number (公民身份号码), GB 11643-1999.
 * s: exactly 18 characters — a 6-digit address code whose first two digits
 * are a province-level code of GB/T 2260 (or 83, the code of Taiwan
 * residents' residence permits), the birth date YYYYMMDD, a 3-digit sequence
 * number and the ISO 7064 MOD 11-2 check character, a digit or uppercase X.
 * The birth date must be a real Gregorian date, in 1900 or later, and not
 * after the date at now (Unix seconds) in Asia/Shanghai (UTC+8).
 * 15-digit legacy numbers and a lowercase x are refused.
 * Returns GPC_OK or GPC_ERR_FORMAT.
 */
int gpc_valid_id_number(const char *s, time_t now, const char **why);

/*
 * Validate a unified social credit code (统一社会信用代码), GB 32100-2015.
 * s: exactly 18 characters from 0-9 A-H J-N P-R T-U W-Y (no I, O, S, V, Z;
 * uppercase only): registration authority code, organisation category (the
 * pair must be one Annex A allows), 6-digit region code, 9-character
 * organisation code (GB 11714), and the MOD 31 check character.
 * Returns GPC_OK or GPC_ERR_FORMAT.
 */
int gpc_valid_uscc(const char *s, const char **why);

/*
 * Validate a mainland mobile number: exactly 11 ASCII digits, "1", then 3-9,
 * then 9 digits.  No spaces, dashes or +86.
 * Returns GPC_OK or GPC_ERR_FORMAT.
 */
int gpc_valid_mobile(const char *s, const char **why);

/*
 * Validate a unit's contact phone: a mobile number as gpc_valid_mobile()
 * accepts, or a landline written "0AA-LLLLLLL" — "0" and 2-3 more digits of
 * area code (not "00"), "-", a 7-8 digit local number starting 2-9, and
 * optionally "-" and a 1-6 digit extension ("0471-6000000",
 * "010-12345678-801").
 * Returns GPC_OK or GPC_ERR_FORMAT.
 */
int gpc_valid_phone(const char *s, const char **why);

/*
 * Validate a region code (行政区划代码), GB/T 2260: exactly 6 ASCII digits
 * whose first two are a province-level code (11-15, 21-23, 31-37, 41-46,
 * 50-54, 61-65, 71, 81, 82).  Whether the county exists is not checked.
 * Returns GPC_OK or GPC_ERR_FORMAT.
 */
int gpc_valid_region(const char *s, const char **why);

/*
 * Mask an identity number for display: the first 6 characters, 8 stars and
 * the last 4 ("150102********0014").  id: NUL-terminated, not validated; if
 * it is NULL or not 18 characters long, out gets "******".  out: 19 bytes,
 * always NUL-terminated.
 */
void gpc_mask_id(const char *id, char out[19]);

/*
 * Mask a mobile number for display: the first 3 digits, 4 stars and the last
 * 4 ("138****0001").  m: NUL-terminated, not validated; if it is NULL or not
 * 11 characters long, out gets "****".  out: 12 bytes, always NUL-terminated.
 */
void gpc_mask_mobile(const char *m, char out[12]);

#endif
