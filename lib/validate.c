/*
 * Validators for identity numbers (GB 11643-1999), unified social credit
 * codes (GB 32100-2015), phone numbers and region codes (GB/T 2260).
 *
 * Each check is a static function that returns NULL for a good value or the
 * phrase naming the first problem found; the public functions turn that into
 * GPC_OK / GPC_ERR_FORMAT and *why.  Nothing here needs cleaning up, so the
 * checks return as soon as they know (clarity over the one-exit rule).
 *
 * Structural problems are reported before the check character, so a value
 * that is malformed says how; a well-formed value with one mistyped digit
 * says "check character wrong".
 */
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "err.h"
#include "util.h"
#include "validate.h"

/* Longest identity number or code we look at; longer input is just "wrong length". */
#define CODE_LEN 18

static int
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int
all_digits(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!is_digit(s[i]))
			return 0;
	return 1;
}

/* n leading decimal digits of s as a number; the caller has checked they are digits. */
static int
number(const char *s, size_t n)
{
	size_t i;
	int v = 0;

	for (i = 0; i < n; i++)
		v = v * 10 + (s[i] - '0');
	return v;
}

/* How many digits s starts with, counting no further than max + 1. */
static size_t
count_digits(const char *s, size_t max)
{
	size_t n = 0;

	while (n <= max && is_digit(s[n]))
		n++;
	return n;
}

static int
verdict(const char *problem, const char **why)
{
	if (why != NULL)
		*why = problem;
	return problem == NULL ? GPC_OK : GPC_ERR_FORMAT;
}

/*
 * Province-level codes of GB/T 2260: 11-15 north, 21-23 north-east, 31-37
 * east, 41-46 south-central, 50-54 south-west, 61-65 north-west, 71 Taiwan,
 * 81 Hong Kong, 82 Macao.
 */
static int
gbt2260_province(int p)
{
	return (p >= 11 && p <= 15) || (p >= 21 && p <= 23) || (p >= 31 && p <= 37) ||
	    (p >= 41 && p <= 46) || (p >= 50 && p <= 54) || (p >= 61 && p <= 65) ||
	    p == 71 || p == 81 || p == 82;
}

/*
 * The first two digits of an identity number.  83 is not a GB/T 2260 code, but
 * the residence permits issued to Taiwan residents since 2018 carry numbers
 * in GB 11643 form with address code 830000 (Hong Kong and Macao residents'
 * permits use 810000 and 820000), and holders use them where an identity
 * number is asked for.  A unit may have such a holder, so 83 is accepted here
 * (but not as a region code: no unit is located in "83").
 */
static int
id_province(int p)
{
	return gbt2260_province(p) || p == 83;
}

/* Today's date in Asia/Shanghai (UTC+8, no DST since 1991) as days since 1970-01-01. */
static int64_t
shanghai_today(time_t now)
{
	int64_t t = (int64_t)now, day = t / 86400, sec = t % 86400;

	/* Floor division, and add the offset without risking overflow near INT64_MAX. */
	if (sec < 0) {
		day--;
		sec += 86400;
	}
	if (sec + 8 * 3600 >= 86400)
		day++;
	return day;
}

/* GB 11643-1999 §8.2: ISO 7064 MOD 11-2 over the first 17 digits. */
static char
id_check_char(const char *s)
{
	static const int weight[17] = { 7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2 };
	static const char check[] = "10X98765432";
	int i, sum = 0;

	for (i = 0; i < 17; i++)
		sum += (s[i] - '0') * weight[i];
	return check[sum % 11];
}

static const char *
id_problem(const char *s, time_t now)
{
	size_t len, i;
	int y, m, d;

	if (s == NULL)
		return "no value";
	len = strnlen(s, CODE_LEN + 1);
	if (len == 15 && all_digits(s, 15))
		return "15-digit legacy number: 18 required";
	if (len != CODE_LEN)
		return "must be 18 characters";
	for (i = 0; i < 17; i++) {
		if (s[i] == 'X' || s[i] == 'x')
			return "X allowed only as the check character";
		if (!is_digit(s[i]))
			return "first 17 characters must be digits";
	}
	/*
	 * Never fold x to X: the blind index is a keyed hash of these bytes, and
	 * two spellings of one number would give two index values.
	 */
	if (s[17] == 'x')
		return "lowercase x: write X";
	if (!is_digit(s[17]) && s[17] != 'X')
		return "check character must be a digit or X";
	if (!id_province(number(s, 2)))
		return "province code unknown";
	y = number(s + 6, 4);
	m = number(s + 10, 2);
	d = number(s + 12, 2);
	if (!gpc_date_valid(y, m, d))
		return "no such date";
	/* Nobody born before 1900 holds an account; such a date is a typing error. */
	if (y < 1900)
		return "birth year before 1900";
	if (gpc_days_from_civil(y, m, d) > shanghai_today(now))
		return "birth date in the future";
	if (id_check_char(s) != s[17])
		return "check character wrong";
	return NULL;
}

int
gpc_valid_id_number(const char *s, time_t now, const char **why)
{
	return verdict(id_problem(s, now), why);
}

/* GB 32100-2015 §4.1: the code's 31 characters, index = value. */
static const char uscc_alphabet[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";

static int
uscc_value(char c)
{
	const char *p;

	if (c == '\0' || (p = strchr(uscc_alphabet, c)) == NULL)
		return -1;
	return (int)(p - uscc_alphabet);
}

/*
 * GB 32100-2015 Annex A (normative), with the two registration authorities
 * added to it by amendment (A, N).  Each authority code and the organisation
 * categories it may assign:
 *   1 机构编制 establishment: 1 机关, 2 事业单位, 3 中央编办直管群众团体, 9 其他
 *   2 外交 foreign affairs: 1 外国常驻新闻机构, 9 其他
 *   3 司法行政 justice: 1 律师执业机构, 2 公证处, 3 基层法律服务所,
 *     4 司法鉴定机构, 5 仲裁委员会, 9 其他
 *   4 文化 culture: 1 外国在华文化中心, 9 其他
 *   5 民政 civil affairs: 1 社会团体, 2 民办非企业单位, 3 基金会, 9 其他
 *   6 旅游 tourism: 1 外国旅游部门常驻代表机构, 2 港澳台地区旅游部门常驻内地代表机构, 9 其他
 *   7 宗教 religious affairs: 1 宗教活动场所, 2 宗教院校, 9 其他
 *   8 工会 trade unions: 1 基层工会, 9 其他
 *   9 工商 industry and commerce: 1 企业, 2 个体工商户, 3 农民专业合作社 (no 9)
 *   A 中央军委改革和编制办公室 (CMC reform and establishment office):
 *     1 军队事业单位, 9 其他
 *   N 农业 agriculture: 1 组级, 2 村级, 3 乡镇级集体经济组织, 9 其他
 *   Y 其他 other: not subdivided, always 1
 * Any other pair cannot have been issued and is refused.  Should the annex be
 * amended again, the new pair needs a line here; until then its codes fail.
 */
static const struct {
	char authority;
	const char *categories;
} uscc_categories[] = {
	{ '1', "1239" },
	{ '2', "19" },
	{ '3', "123459" },
	{ '4', "19" },
	{ '5', "1239" },
	{ '6', "129" },
	{ '7', "129" },
	{ '8', "19" },
	{ '9', "123" },
	{ 'A', "19" },
	{ 'N', "1239" },
	{ 'Y', "1" },
};

static const char *
uscc_category_problem(char authority, char category)
{
	size_t i;

	for (i = 0; i < sizeof(uscc_categories) / sizeof(uscc_categories[0]); i++) {
		if (uscc_categories[i].authority != authority)
			continue;
		if (category == '\0' || strchr(uscc_categories[i].categories, category) == NULL)
			return "organisation category not allowed for this authority";
		return NULL;
	}
	return "registration authority code unknown";
}

/* GB 32100-2015 §5: check = 31 - (sum of value x weight mod 31), 31 written 0. */
static char
uscc_check_char(const char *s)
{
	static const int weight[17] = {
		1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28
	};
	int i, sum = 0, c;

	for (i = 0; i < 17; i++)
		sum += uscc_value(s[i]) * weight[i];
	c = 31 - sum % 31;
	return uscc_alphabet[c == 31 ? 0 : c];
}

static const char *
uscc_problem(const char *s)
{
	const char *problem;
	size_t i;

	if (s == NULL)
		return "no value";
	if (strnlen(s, CODE_LEN + 1) != CODE_LEN)
		return "must be 18 characters";
	for (i = 0; i < CODE_LEN; i++) {
		switch (s[i]) {
		case 'I': case 'O': case 'S': case 'V': case 'Z':
		case 'i': case 'o': case 's': case 'v': case 'z':
			/* "Write capitals" would only lead to an excluded capital. */
			return "letter I, O, S, V or Z not allowed";
		}
		if (s[i] >= 'a' && s[i] <= 'z')
			return "lowercase letter: write capitals";
		if (uscc_value(s[i]) < 0)
			return "character outside 0-9 and A-Y";
	}
	if ((problem = uscc_category_problem(s[0], s[1])) != NULL)
		return problem;
	/*
	 * The region code is only checked for digits: central-level registrations
	 * carry 100000, which is no province, and the code was assigned by the
	 * registration authority, not chosen by the unit.
	 */
	if (!all_digits(s + 2, 6))
		return "region code (positions 3-8) must be digits";
	/*
	 * Positions 9-17 end in their own GB 11714 check character; it is not
	 * verified: GB 32100 makes the MOD 31 character the code's check, and
	 * refusing an issued code on a second rule would lock a real unit out.
	 */
	if (uscc_check_char(s) != s[17])
		return "check character wrong";
	return NULL;
}

int
gpc_valid_uscc(const char *s, const char **why)
{
	return verdict(uscc_problem(s), why);
}

static const char *
mobile_problem(const char *s)
{
	size_t len;

	if (s == NULL)
		return "no value";
	len = strnlen(s, 12);
	if (!all_digits(s, len))
		return "digits only: no spaces, dashes or +86";
	if (len != 11)
		return "must be 11 digits";
	if (s[0] != '1')
		return "must start with 1";
	if (s[1] < '3')
		return "second digit must be 3-9";
	return NULL;
}

int
gpc_valid_mobile(const char *s, const char **why)
{
	return verdict(mobile_problem(s), why);
}

static const char *
landline_problem(const char *s)
{
	const char *p = s + 1;
	size_t n;

	n = count_digits(p, 3);
	/* "00" begins an international call, never an area code. */
	if (n < 2 || p[0] == '0')
		return "area code must be 0 and 2-3 more digits";
	if (n > 3)
		return "dash after the area code required";
	p += n;
	if (*p != '-')
		return "dash after the area code required";
	p++;
	n = count_digits(p, 8);
	if (n < 7 || n > 8)
		return "local number must be 7-8 digits";
	if (p[0] < '2')
		return "local number must start with 2-9";
	p += n;
	if (*p == '\0')
		return NULL;
	if (*p != '-')
		return "only a dash and an extension may follow the local number";
	p++;
	n = count_digits(p, 6);
	if (n < 1 || n > 6 || p[n] != '\0')
		return "extension must be 1-6 digits";
	return NULL;
}

static const char *
phone_problem(const char *s)
{
	if (s == NULL)
		return "no value";
	if (s[0] == '0')
		return landline_problem(s);
	if (s[0] == '1')
		return mobile_problem(s);
	return "must be a mobile number or a landline with area code";
}

int
gpc_valid_phone(const char *s, const char **why)
{
	return verdict(phone_problem(s), why);
}

static const char *
region_problem(const char *s)
{
	if (s == NULL)
		return "no value";
	if (strnlen(s, 7) != 6 || !all_digits(s, 6))
		return "must be 6 digits";
	if (!gbt2260_province(number(s, 2)))
		return "province code unknown";
	return NULL;
}

int
gpc_valid_region(const char *s, const char **why)
{
	return verdict(region_problem(s), why);
}

void
gpc_mask_id(const char *id, char out[19])
{
	if (id == NULL || strnlen(id, CODE_LEN + 1) != CODE_LEN) {
		memcpy(out, "******", sizeof("******"));
		return;
	}
	memcpy(out, id, 6);
	memset(out + 6, '*', 8);
	memcpy(out + 14, id + 14, 4);
	out[18] = '\0';
}

void
gpc_mask_mobile(const char *m, char out[12])
{
	if (m == NULL || strnlen(m, 12) != 11) {
		memcpy(out, "****", sizeof("****"));
		return;
	}
	memcpy(out, m, 3);
	memset(out + 3, '*', 4);
	memcpy(out + 7, m + 7, 4);
	out[11] = '\0';
}
