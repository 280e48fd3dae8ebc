/*
 * Unit tests for lib/cfg.c: the shipped configuration loads, the defaults
 * hold, and every refusal names "FILE:LINE: key:" — unknown keys at the top
 * and inside groups, wrong types, out-of-range values, bad enums, URIs that
 * are not LDAP, missing or half-given keys, syntax errors — and a file that
 * others may write, or that is not a regular file, is refused outright.
 *
 * Every configuration is written with mkstemp into one mkdtemp directory;
 * line numbers are found in the text itself (line_of), so a test states the
 * line it means rather than counting.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "cfg.h"
#include "err.h"
#include "util.h"

static char tmpdir[64];

/* The smallest configuration that loads. */
#define MIN_DIRECTORY                                                        \
	"directory = {\n"                                                    \
	"  uri = \"ldapi://%2Ftmp%2Fldapi\";\n"                               \
	"  base = \"dc=gpcloud,dc=example\";\n"                              \
	"};\n"

/* ---- helpers ------------------------------------------------------------ */

/* Write text to a new file of mode `mode` in the test directory; path malloc'd. */
static char *
write_conf(const char *text, mode_t mode)
{
	char *path = NULL;
	size_t len = strlen(text);
	int fd;

	assert_true(gpc_asprintf(&path, "%s/conf.XXXXXX", tmpdir) > 0);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	assert_int_equal(fchmod(fd, mode), 0);
	assert_int_equal(close(fd), 0);
	return path;
}

/* The 1-based line of the first occurrence of needle in text. */
static int
line_of(const char *text, const char *needle)
{
	const char *at = strstr(text, needle), *p;
	int line = 1;

	if (at == NULL)
		fail_msg("\"%s\" is not in the test's own configuration", needle);
	for (p = text; p < at; p++)
		if (*p == '\n')
			line++;
	return line;
}

static void
assert_prefix(const char *err, const char *path, int line, const char *key)
{
	char want[512];

	snprintf(want, sizeof(want), "%s:%d: %s:", path, line, key);
	if (strncmp(err, want, strlen(want)) != 0)
		fail_msg("error \"%s\"\n  does not start with \"%s\"", err, want);
}

/*
 * Load text as a configuration and expect GPC_ERR_CONFIG with an error that
 * starts "FILE:LINE: key:", LINE being the line of `at` in the text, and
 * that contains `problem` (if not NULL) after it.
 */
static void
assert_refused_at(const char *text, const char *at, const char *key, const char *problem)
{
	struct gpc_cfg *cfg = (struct gpc_cfg *)1;
	char err[512], *path = write_conf(text, 0600);

	assert_int_equal(gpc_cfg_load(path, &cfg, err, sizeof(err)), GPC_ERR_CONFIG);
	assert_null(cfg);
	assert_prefix(err, path, line_of(text, at), key);
	if (problem != NULL && strstr(err, problem) == NULL)
		fail_msg("error \"%s\" does not say \"%s\"", err, problem);
	unlink(path);
	free(path);
}

static struct gpc_cfg *
load_ok(const char *text)
{
	struct gpc_cfg *cfg = NULL;
	char err[512], *path = write_conf(text, 0600);
	int r = gpc_cfg_load(path, &cfg, err, sizeof(err));

	if (r != GPC_OK)
		fail_msg("configuration refused (%d): %s", r, err);
	assert_non_null(cfg);
	assert_string_equal(cfg->path, path);
	unlink(path);
	free(path);
	return cfg;
}

static char *
read_shipped(void)
{
	const char *src = getenv("GPC_SRCDIR");
	char *path = NULL, *buf = NULL;
	size_t len = 0;

	if (src == NULL || *src == '\0')
		src = ".";
	assert_true(gpc_asprintf(&path, "%s/config/gpcgate.conf", src) > 0);
	if (gpc_read_file(path, 1 << 20, &buf, &len) != GPC_OK)
		fail_msg("cannot read %s", path);
	free(path);
	return buf;
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int
group_setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/gpc-cfg.XXXXXX");
	return mkdtemp(tmpdir) != NULL ? 0 : -1;
}

static int
group_teardown(void **state)
{
	(void)state;
	return nftw(tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* ---- the shipped file and the defaults ---------------------------------- */

static void
shipped_config_loads_with_its_documented_values(void **state)
{
	char *text = read_shipped();
	struct gpc_cfg *cfg;
	const struct gpc_bureau *b;

	(void)state;
	cfg = load_ok(text);
	assert_int_equal(cfg->nuris, 2);
	assert_string_equal(cfg->uris[0], "ldapi://%2Frun%2Fslapd%2Fldapi");
	assert_string_equal(cfg->uris[1], "ldaps://ldap2.gpcloud.example");
	assert_null(cfg->uris[2]);
	assert_string_equal(cfg->base, "dc=gpcloud,dc=example");
	assert_string_equal(cfg->reader_dn, "uid=pam-reader,ou=system,dc=gpcloud,dc=example");
	assert_string_equal(cfg->reader_password_file, "/etc/gpcgate/reader.secret");
	assert_string_equal(cfg->writer_dn, "uid=provisioner,ou=system,dc=gpcloud,dc=example");
	assert_string_equal(cfg->ca_file, "/etc/gpcgate/ldap-ca.pem");
	assert_null(cfg->otp_write_uri); /* commented out */
	assert_int_equal(cfg->starttls, 0);
	assert_int_equal(cfg->require_tls, 1);
	assert_int_equal(cfg->network_timeout_ms, 3000);
	assert_int_equal(cfg->op_timeout_ms, 5000);
	assert_int_equal(cfg->digits, 6);
	assert_int_equal(cfg->period, 30);
	assert_int_equal(cfg->algorithm, GPC_ALGO_SHA1);
	assert_int_equal(cfg->window, 1);
	assert_string_equal(cfg->issuer, "政府采购云平台");
	assert_int_equal(cfg->suite, GPC_SUITE_STANDARD);
	assert_int_equal(cfg->language, GPC_LANG_AUTO);
	assert_null(cfg->prompts.password); /* commented out */
	assert_int_equal(cfg->nservices, 2);
	assert_string_equal(cfg->services[0].service, "gpc-review");
	assert_int_equal(cfg->services[0].nroles, 1);
	assert_string_equal(cfg->services[0].roles[0], "reviewer");
	assert_string_equal(cfg->outbox, "/var/spool/gpcgate/outbox");
	assert_int_equal(cfg->enroll_code_ttl_s, 259200);
	assert_int_equal(cfg->nbureaus, 2);
	b = gpc_cfg_bureau(cfg, "150102");
	assert_non_null(b);
	assert_string_equal(b->name, "新城区财政局");
	assert_string_equal(b->certificate, "/etc/gpcgate/bureaus/150102.pem");
	assert_int_equal(cfg->audit_syslog, 1);
	gpc_cfg_free(cfg);
	free(text);
}

static void
shipped_config_states_every_default_it_claims(void **state)
{
	/* The file says "every key below shows its default": the two must agree. */
	char *text = read_shipped();
	struct gpc_cfg *shipped, *bare;

	(void)state;
	shipped = load_ok(text);
	bare = load_ok(MIN_DIRECTORY);
	assert_int_equal(shipped->starttls, bare->starttls);
	assert_int_equal(shipped->require_tls, bare->require_tls);
	assert_int_equal(shipped->network_timeout_ms, bare->network_timeout_ms);
	assert_int_equal(shipped->op_timeout_ms, bare->op_timeout_ms);
	assert_int_equal(shipped->primary_retry_s, bare->primary_retry_s);
	assert_int_equal(shipped->digits, bare->digits);
	assert_int_equal(shipped->period, bare->period);
	assert_int_equal(shipped->algorithm, bare->algorithm);
	assert_int_equal(shipped->window, bare->window);
	assert_string_equal(shipped->issuer, bare->issuer);
	assert_int_equal(shipped->failure_limit, bare->failure_limit);
	assert_int_equal(shipped->lockout_s, bare->lockout_s);
	assert_int_equal(shipped->suite, bare->suite);
	assert_string_equal(shipped->key_dir, bare->key_dir);
	assert_int_equal(shipped->enrollment, bare->enrollment);
	assert_int_equal(shipped->allow_unenrolled, bare->allow_unenrolled);
	assert_int_equal(shipped->fail_delay_ms, bare->fail_delay_ms);
	assert_int_equal(shipped->language, bare->language);
	assert_string_equal(shipped->spool, bare->spool);
	assert_string_equal(shipped->outbox, bare->outbox);
	assert_string_equal(shipped->time_zone, bare->time_zone);
	assert_int_equal(shipped->identity_limit, bare->identity_limit);
	assert_int_equal(shipped->retention_days, bare->retention_days);
	assert_int_equal(shipped->max_clock_skew_s, bare->max_clock_skew_s);
	assert_int_equal(shipped->enroll_code_ttl_s, bare->enroll_code_ttl_s);
	assert_int_equal(shipped->rescan_s, bare->rescan_s);
	assert_string_equal(shipped->audit_file, bare->audit_file);
	assert_int_equal(shipped->audit_syslog, bare->audit_syslog);
	gpc_cfg_free(shipped);
	gpc_cfg_free(bare);
	free(text);
}

static void
defaults_apply_when_only_uri_and_base_are_given(void **state)
{
	struct gpc_cfg *cfg;

	(void)state;
	cfg = load_ok(MIN_DIRECTORY);
	/* one URI may be written without brackets */
	assert_int_equal(cfg->nuris, 1);
	assert_string_equal(cfg->uris[0], "ldapi://%2Ftmp%2Fldapi");
	assert_null(cfg->uris[1]);
	assert_null(cfg->reader_dn);
	assert_null(cfg->reader_password_file);
	assert_null(cfg->writer_dn);
	assert_null(cfg->ca_file);
	assert_int_equal(cfg->starttls, 0);
	assert_int_equal(cfg->require_tls, 1);
	assert_int_equal(cfg->network_timeout_ms, 3000);
	assert_int_equal(cfg->op_timeout_ms, 5000);
	assert_int_equal(cfg->primary_retry_s, 300);
	assert_int_equal(cfg->digits, 6);
	assert_int_equal(cfg->period, 30);
	assert_int_equal(cfg->algorithm, GPC_ALGO_SHA1);
	assert_int_equal(cfg->window, 1);
	assert_int_equal(cfg->failure_limit, 5);
	assert_int_equal(cfg->lockout_s, 900);
	assert_string_equal(cfg->issuer, "政府采购云平台");
	assert_int_equal(cfg->suite, GPC_SUITE_STANDARD);
	assert_string_equal(cfg->key_dir, "/etc/gpcgate/keys");
	assert_int_equal(cfg->enrollment, 1);
	assert_int_equal(cfg->allow_unenrolled, 0);
	assert_int_equal(cfg->fail_delay_ms, 2000);
	assert_int_equal(cfg->language, GPC_LANG_AUTO);
	assert_int_equal(cfg->nservices, 0);
	assert_string_equal(cfg->spool, "/var/spool/gpcgate");
	assert_string_equal(cfg->outbox, "/var/spool/gpcgate/outbox");
	assert_string_equal(cfg->time_zone, "Asia/Shanghai");
	assert_int_equal(cfg->identity_limit, 1);
	assert_int_equal(cfg->retention_days, 1095);
	assert_int_equal(cfg->max_clock_skew_s, 300);
	assert_int_equal(cfg->enroll_code_ttl_s, 72 * 3600);
	assert_int_equal(cfg->rescan_s, 60);
	assert_int_equal(cfg->hold_s, 600);
	assert_int_equal(cfg->nbureaus, 0);
	assert_string_equal(cfg->audit_file, "/var/log/gpcgate/audit.log");
	assert_int_equal(cfg->audit_syslog, 1);
	gpc_cfg_free(cfg);
}

static void
outbox_defaults_to_spool_slash_outbox(void **state)
{
	struct gpc_cfg *cfg;

	(void)state;
	cfg = load_ok(MIN_DIRECTORY "provisioner = { spool = \"/srv/spool\"; };\n");
	assert_string_equal(cfg->spool, "/srv/spool");
	assert_string_equal(cfg->outbox, "/srv/spool/outbox");
	gpc_cfg_free(cfg);
}

static void
every_value_given_is_read(void **state)
{
	struct gpc_cfg *cfg;

	(void)state;
	cfg = load_ok("directory = {\n"
		      "  uri = [ \"ldap://127.0.0.1:389\", \"ldaps://b.example\", \"ldapi:///\" ];\n"
		      "  base = \"dc=x\";\n"
		      "  starttls = true; require_tls = false;\n"
		      "  network_timeout_ms = 10; operation_timeout_ms = 300000;\n"
		      "  otp_write_uri = \"ldaps://a.example\"; primary_retry_s = 0;\n"
		      "};\n"
		      "totp = { digits = 8; period = 60; algorithm = \"sha512\"; window = 10;\n"
		      "  failure_limit = 100; lockout_s = 1; issuer = \"x\"; };\n"
		      "crypto = { suite = \"gm\"; key_dir = \"/k\"; };\n"
		      "pam = { enrollment = false; allow_unenrolled = true; fail_delay_ms = 0;\n"
		      "  language = \"zh_CN\";\n"
		      "  prompts = { password = \"密码: \"; code = \"动态口令: \"; }; };\n"
		      "audit = { file = \"/a.log\"; syslog = false; };\n");
	assert_int_equal(cfg->nuris, 3);
	assert_string_equal(cfg->uris[2], "ldapi:///");
	assert_int_equal(cfg->starttls, 1);
	assert_int_equal(cfg->require_tls, 0);
	assert_int_equal(cfg->network_timeout_ms, 10);
	assert_int_equal(cfg->op_timeout_ms, 300000);
	assert_string_equal(cfg->otp_write_uri, "ldaps://a.example");
	assert_int_equal(cfg->primary_retry_s, 0);
	assert_int_equal(cfg->digits, 8);
	assert_int_equal(cfg->period, 60);
	assert_int_equal(cfg->algorithm, GPC_ALGO_SHA512);
	assert_int_equal(cfg->window, 10);
	assert_int_equal(cfg->failure_limit, 100);
	assert_int_equal(cfg->lockout_s, 1);
	assert_string_equal(cfg->issuer, "x");
	assert_int_equal(cfg->suite, GPC_SUITE_GM);
	assert_string_equal(cfg->key_dir, "/k");
	assert_int_equal(cfg->enrollment, 0);
	assert_int_equal(cfg->allow_unenrolled, 1);
	assert_int_equal(cfg->fail_delay_ms, 0);
	assert_int_equal(cfg->language, GPC_LANG_ZH);
	assert_string_equal(cfg->prompts.password, "密码: ");
	assert_string_equal(cfg->prompts.code, "动态口令: ");
	assert_null(cfg->prompts.password_and_code);
	assert_string_equal(cfg->audit_file, "/a.log");
	assert_int_equal(cfg->audit_syslog, 0);
	gpc_cfg_free(cfg);
}

/* ---- every refusal names FILE:LINE: key --------------------------------- */

static void
unknown_top_level_key_is_named_with_its_line(void **state)
{
	(void)state;
	assert_refused_at(MIN_DIRECTORY "\n# a comment\nbogus = 1;\n", "bogus", "bogus",
	    "unknown key");
	assert_refused_at(MIN_DIRECTORY "Directory = { };\n", "Directory", "Directory",
	    "unknown key");
}

static void
unknown_key_inside_a_group_is_named_by_its_dotted_path(void **state)
{
	static const char text[] =
		"directory = {\n"
		"  uri = \"ldapi:///\";\n"
		"  base = \"dc=x\";\n"
		"  urii = \"ldap://typo\";\n"
		"};\n";

	(void)state;
	assert_refused_at(text, "urii", "directory.urii", "unknown key");
	assert_refused_at(MIN_DIRECTORY "totp = {\n  digits = 6;\n  windows = 2;\n};\n",
	    "windows", "totp.windows", "unknown key");
	assert_refused_at(MIN_DIRECTORY "pam = {\n  prompts = {\n    passwrd = \"p\";\n  };\n};\n",
	    "passwrd", "pam.prompts.passwrd", "unknown key");
}

static void
string_where_an_integer_belongs_is_a_type_error(void **state)
{
	(void)state;
	assert_refused_at(MIN_DIRECTORY "totp = {\n  digits = \"6\";\n};\n", "digits",
	    "totp.digits", "expected an integer");
	assert_refused_at(MIN_DIRECTORY "totp = { period = 30.0; };\n", "period",
	    "totp.period", "expected an integer");
}

static void
integer_where_a_boolean_belongs_is_a_type_error(void **state)
{
	(void)state;
	assert_refused_at(MIN_DIRECTORY "pam = {\n  enrollment = 1;\n};\n", "enrollment",
	    "pam.enrollment", "expected true or false");
	assert_refused_at(MIN_DIRECTORY "audit = { syslog = \"true\"; };\n", "syslog",
	    "audit.syslog", "expected true or false");
}

static void
other_type_errors_are_named(void **state)
{
	(void)state;
	assert_refused_at(MIN_DIRECTORY "crypto = { key_dir = 5; };\n", "key_dir",
	    "crypto.key_dir", "expected a string");
	assert_refused_at(MIN_DIRECTORY "crypto = { key_dir = \"\"; };\n", "key_dir",
	    "crypto.key_dir", "must not be empty");
	assert_refused_at(MIN_DIRECTORY "\ntotp = 5;\n", "totp", "totp", "expected a group");
	assert_refused_at(MIN_DIRECTORY "crypto = { suite = 1; };\n", "suite", "crypto.suite",
	    "expected a string");
	assert_refused_at("directory = {\n  uri = 5;\n  base = \"dc=x\";\n};\n", "uri",
	    "directory.uri", "expected a list of strings");
}

static void
out_of_range_values_are_refused(void **state)
{
	(void)state;
	/* inside the table's range 6..8, but not a length an app shows */
	assert_refused_at(MIN_DIRECTORY "totp = {\n  digits = 7;\n};\n", "digits",
	    "totp.digits", "7 is not 6 or 8");
	assert_refused_at(MIN_DIRECTORY "totp = {\n  digits = 9;\n};\n", "digits",
	    "totp.digits", "9 is out of range");
	assert_refused_at(MIN_DIRECTORY "totp = {\n  period = 45;\n};\n", "period",
	    "totp.period", "45 is not 30 or 60");
	assert_refused_at(MIN_DIRECTORY "totp = {\n  window = 11;\n};\n", "window",
	    "totp.window", "11 is out of range 0..10");
	assert_refused_at(MIN_DIRECTORY "totp = { window = -1; };\n", "window", "totp.window",
	    "out of range");
	assert_refused_at(MIN_DIRECTORY "totp = { period = 61; };\n", "period", "totp.period",
	    "out of range");
	assert_refused_at(MIN_DIRECTORY "pam = { fail_delay_ms = 60001; };\n", "fail_delay_ms",
	    "pam.fail_delay_ms", "out of range");
	/* a 64-bit value must not wrap into range */
	assert_refused_at(MIN_DIRECTORY "totp = { digits = 4294967302L; };\n", "digits",
	    "totp.digits", "out of range");
}

static void
bad_enum_value_is_refused(void **state)
{
	(void)state;
	assert_refused_at(MIN_DIRECTORY "crypto = {\n  suite = \"des\";\n};\n", "suite",
	    "crypto.suite", "not one of the allowed values");
	assert_refused_at(MIN_DIRECTORY "totp = { algorithm = \"SHA1\"; };\n", "algorithm",
	    "totp.algorithm", "not one of the allowed values");
	assert_refused_at(MIN_DIRECTORY "pam = { language = \"fr\"; };\n", "language",
	    "pam.language", "not one of the allowed values");
}

static void
uri_that_is_not_ldap_is_refused(void **state)
{
	static const char http[] =
		"directory = {\n"
		"  base = \"dc=x\";\n"
		"  uri = [ \"ldaps://a.example\",\n"
		"          \"http://b.example\" ];\n"
		"};\n";

	(void)state;
	assert_refused_at(http, "uri", "directory.uri", "http://b.example");
	assert_refused_at("directory = {\n  uri = \"LDAP\";\n  base = \"dc=x\";\n};\n", "uri",
	    "directory.uri", "not an ldap://, ldaps:// or ldapi:// URI");
	assert_refused_at("directory = {\n  uri = [ ];\n  base = \"dc=x\";\n};\n", "directory",
	    "directory.uri", "at least one URI");
}

static void
missing_base_is_refused(void **state)
{
	(void)state;
	/* nothing to point at but the group that lacks it */
	assert_refused_at("# gpcgate\n\ndirectory = {\n  uri = \"ldapi:///\";\n};\n", "directory",
	    "directory.base", "is required");
	assert_refused_at("directory = {\n  uri = \"ldapi:///\";\n  base = \"\";\n};\n", "base",
	    "directory.base", "must not be empty");
}

static void
missing_directory_group_is_refused(void **state)
{
	struct gpc_cfg *cfg = NULL;
	char err[512], *path = write_conf("totp = { digits = 6; };\n", 0600);

	(void)state;
	assert_int_equal(gpc_cfg_load(path, &cfg, err, sizeof(err)), GPC_ERR_CONFIG);
	assert_null(cfg);
	assert_non_null(strstr(err, "directory.uri"));
	assert_int_equal(strncmp(err, path, strlen(path)), 0);
	free(path);
}

static void
reader_dn_without_its_password_file_is_refused(void **state)
{
	static const char text[] =
		"directory = {\n"
		"  uri = \"ldapi:///\";\n"
		"  base = \"dc=x\";\n"
		"  reader_dn = \"uid=pam-reader,ou=system,dc=x\";\n"
		"};\n";
	static const char writer[] =
		"directory = {\n"
		"  uri = \"ldapi:///\";\n"
		"  base = \"dc=x\";\n"
		"  writer_password_file = \"/etc/gpcgate/writer.secret\";\n"
		"};\n";

	(void)state;
	/* The problem is the pair: the error points at the group holding it. */
	assert_refused_at(text, "directory", "directory.reader_dn",
	    "reader_dn and reader_password_file go together");
	assert_refused_at(writer, "directory", "directory.writer_dn",
	    "writer_dn and writer_password_file go together");
}

static void
syntax_error_names_the_line_of_the_error(void **state)
{
	static const char text[] =
		"directory = {\n"
		"  uri = \"ldapi:///\";\n"
		"  base = \"dc=x\"\n" /* a missing ';' is allowed by libconfig */
		"  network_timeout_ms = = 5;\n"
		"};\n";
	(void)state;
	assert_refused_at(text, "= =", "syntax error", NULL);
	assert_refused_at(MIN_DIRECTORY "totp = { digits = 6; digits = 8; };\n", "digits",
	    "syntax error", NULL);
	assert_refused_at(MIN_DIRECTORY "\n\naudit = { file = \"a\" ; ] ;\n", "audit",
	    "syntax error", NULL);
}

static void
services_are_parsed_and_checked(void **state)
{
	struct gpc_cfg *cfg;

	(void)state;
	cfg = load_ok(MIN_DIRECTORY
	    "pam = { services = (\n"
	    "  { service = \"gpc-review\"; roles = [ \"reviewer\" ]; },\n"
	    "  { service = \"gpc-both\"; roles = [ \"handler\", \"reviewer\" ]; },\n"
	    "  { service = \"gpc-one\"; roles = \"handler\"; }\n"
	    "); };\n");
	assert_int_equal(cfg->nservices, 3);
	assert_string_equal(cfg->services[1].service, "gpc-both");
	assert_int_equal(cfg->services[1].nroles, 2);
	assert_string_equal(cfg->services[1].roles[1], "reviewer");
	assert_int_equal(cfg->services[2].nroles, 1);
	gpc_cfg_free(cfg);

	assert_refused_at(MIN_DIRECTORY "pam = { services = (\n"
	    "  { service = \"s\"; roles = [ \"r\" ]; },\n"
	    "  { service = \"t\"; role = [ \"r\" ]; }\n"
	    "); };\n", "role =", "pam.services[1].role", "unknown key");
	assert_refused_at(MIN_DIRECTORY "pam = { services = (\n"
	    "  { service = \"s\"; }\n"
	    "); };\n", "{ service =", "pam.services[0]", "needs both service and roles");
}

/* ---- bureaus ------------------------------------------------------------ */

static void
bureau_jurisdiction_defaults_to_its_issuer(void **state)
{
	struct gpc_cfg *cfg;
	const struct gpc_bureau *b;

	(void)state;
	cfg = load_ok(MIN_DIRECTORY "provisioner = { bureaus = (\n"
	    "  { issuer = \"150100\"; name = \"呼和浩特市财政局\"; certificate = \"/c/150100.pem\";\n"
	    "    jurisdiction = [ \"1501\", \"1502\" ]; },\n"
	    "  { issuer = \"150102\"; certificate = \"/c/150102.pem\"; },\n"
	    "  { issuer = \"150103\"; certificate = \"/c/150103.pem\"; jurisdiction = \"150103\"; }\n"
	    "); };\n");
	assert_int_equal(cfg->nbureaus, 3);

	b = gpc_cfg_bureau(cfg, "150100");
	assert_non_null(b);
	assert_ptr_equal(b, &cfg->bureaus[0]);
	assert_string_equal(b->name, "呼和浩特市财政局");
	assert_int_equal(b->njurisdiction, 2);
	assert_string_equal(b->jurisdiction[0], "1501");
	assert_string_equal(b->jurisdiction[1], "1502");
	assert_null(b->jurisdiction[2]);

	b = gpc_cfg_bureau(cfg, "150102");
	assert_non_null(b);
	assert_null(b->name);
	assert_string_equal(b->certificate, "/c/150102.pem");
	assert_int_equal(b->njurisdiction, 1);
	assert_string_equal(b->jurisdiction[0], "150102");
	assert_null(b->jurisdiction[1]);

	b = gpc_cfg_bureau(cfg, "150103");
	assert_non_null(b);
	assert_int_equal(b->njurisdiction, 1);

	assert_null(gpc_cfg_bureau(cfg, "150104"));
	assert_null(gpc_cfg_bureau(cfg, "1501"));
	assert_null(gpc_cfg_bureau(cfg, NULL));
	gpc_cfg_free(cfg);
}

static void
bureau_errors_are_named_by_list_index(void **state)
{
	(void)state;
	assert_refused_at(MIN_DIRECTORY "provisioner = { bureaus = (\n"
	    "  { issuer = \"150100\"; certificate = \"/c\"; },\n"
	    "  { issuer = \"150102\"; certificate = \"/c\";\n"
	    "    jurisdictions = [ \"15\" ]; }\n"
	    "); };\n", "jurisdictions", "provisioner.bureaus[1].jurisdictions", "unknown key");
	assert_refused_at(MIN_DIRECTORY "provisioner = { bureaus = (\n"
	    "  { issuer = \"150100\"; name = \"no certificate\"; }\n"
	    "); };\n", "{ issuer", "provisioner.bureaus[0]", "needs issuer and certificate");
	assert_refused_at(MIN_DIRECTORY "provisioner = { bureaus = (\n"
	    "  { issuer = \"150100\"; certificate = \"/a\"; },\n"
	    "  { issuer = \"150100\"; certificate = \"/b\"; }\n"
	    "); };\n", "{ issuer = \"150100\"; certificate = \"/b\"", "provisioner.bureaus[1]",
	    "listed twice");
	assert_refused_at(MIN_DIRECTORY "provisioner = { bureaus = (\n"
	    "  { issuer = 150100; certificate = \"/a\"; }\n"
	    "); };\n", "issuer", "provisioner.bureaus[0].issuer", "expected a string");
	assert_refused_at(MIN_DIRECTORY "provisioner = {\n  bureaus = \"150100\";\n};\n",
	    "bureaus", "provisioner.bureaus", "expected a list");
}

/* ---- the file itself ---------------------------------------------------- */

static void
config_writable_by_group_or_others_is_refused(void **state)
{
	static const mode_t bad[] = { 0620, 0602, 0660, 0666, 0777 };
	struct gpc_cfg *cfg;
	char err[512], want[128], *path;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		path = write_conf(MIN_DIRECTORY, bad[i]);
		cfg = (struct gpc_cfg *)1;
		if (gpc_cfg_load(path, &cfg, err, sizeof(err)) != GPC_ERR_PERM)
			fail_msg("mode %04o was not refused with GPC_ERR_PERM", (unsigned)bad[i]);
		assert_null(cfg);
		assert_int_equal(strncmp(err, path, strlen(path)), 0);
		assert_non_null(strstr(err, "refused"));
		/* which rule it broke, with the mode that broke it */
		snprintf(want, sizeof(want), ": mode %04o, must not be writable by group or "
		    "others: refused", (unsigned)bad[i]);
		assert_string_equal(err + strlen(path), want);
		free(path);
	}
	/* readable by all is fine: the file holds no secret */
	path = write_conf(MIN_DIRECTORY, 0644);
	assert_int_equal(gpc_cfg_load(path, &cfg, err, sizeof(err)), GPC_OK);
	gpc_cfg_free(cfg);
	free(path);
	path = write_conf(MIN_DIRECTORY, 0400);
	assert_int_equal(gpc_cfg_load(path, &cfg, err, sizeof(err)), GPC_OK);
	gpc_cfg_free(cfg);
	free(path);
}

static void
config_owned_by_another_user_is_refused(void **state)
{
	struct gpc_cfg *cfg = NULL;
	char err[512], *path;

	(void)state;
	if (geteuid() != 0)
		skip(); /* only root can give a file away */
	path = write_conf(MIN_DIRECTORY, 0644);
	assert_int_equal(chown(path, 65534, 65534), 0);
	assert_int_equal(gpc_cfg_load(path, &cfg, err, sizeof(err)), GPC_ERR_PERM);
	assert_null(cfg);
	/* the owner it has and the owners it may have */
	assert_string_equal(err + strlen(path), ": owned by uid 65534, must be owned by root "
	    "or you (uid 0): refused");
	free(path);
}

static void
config_that_is_not_a_regular_file_is_refused(void **state)
{
	struct gpc_cfg *cfg = (struct gpc_cfg *)1;
	char err[512];

	(void)state;
	assert_int_equal(gpc_cfg_load(tmpdir, &cfg, err, sizeof(err)), GPC_ERR_PERM);
	assert_null(cfg);
	assert_int_equal(strncmp(err, tmpdir, strlen(tmpdir)), 0);
	assert_string_equal(err + strlen(tmpdir), ": not a regular file");
}

static void
config_that_is_a_device_is_refused(void **state)
{
	struct gpc_cfg *cfg = (struct gpc_cfg *)1;
	char err[512];

	(void)state;
	assert_int_equal(gpc_cfg_load("/dev/null", &cfg, err, sizeof(err)), GPC_ERR_PERM);
	assert_null(cfg);
	assert_string_equal(err, "/dev/null: not a regular file");
}

static void
missing_config_is_an_io_error(void **state)
{
	struct gpc_cfg *cfg = (struct gpc_cfg *)1;
	char err[512], *path = NULL;

	(void)state;
	assert_true(gpc_asprintf(&path, "%s/no-such.conf", tmpdir) > 0);
	assert_int_equal(gpc_cfg_load(path, &cfg, err, sizeof(err)), GPC_ERR_IO);
	assert_null(cfg);
	assert_int_equal(strncmp(err, path, strlen(path)), 0);
	free(path);
}

static void
include_of_a_file_others_can_write_is_refused(void **state)
{
	/*
	 * libconfig follows @include without our checks: a world-writable
	 * included file would let anyone point logins at their own directory.
	 */
	char *inc = write_conf(MIN_DIRECTORY, 0666), *text = NULL, *path;
	struct gpc_cfg *cfg = (struct gpc_cfg *)1;
	char err[512];

	(void)state;
	assert_true(gpc_asprintf(&text, "# gpcgate\n@include \"%s\"\n", inc) > 0);
	path = write_conf(text, 0600);
	assert_int_not_equal(gpc_cfg_load(path, &cfg, err, sizeof(err)), GPC_OK);
	assert_null(cfg);
	assert_prefix(err, path, 2, "@include");
	free(path);
	free(text);
	free(inc);
}

static void
error_buffer_may_be_null_or_small(void **state)
{
	struct gpc_cfg *cfg = (struct gpc_cfg *)1;
	char err[8], *path = write_conf(MIN_DIRECTORY "bogus = 1;\n", 0600);

	(void)state;
	assert_int_equal(gpc_cfg_load(path, &cfg, NULL, 0), GPC_ERR_CONFIG);
	assert_null(cfg);
	memset(err, 'x', sizeof(err));
	assert_int_equal(gpc_cfg_load(path, &cfg, err, sizeof(err)), GPC_ERR_CONFIG);
	assert_non_null(memchr(err, '\0', sizeof(err)));
	assert_int_equal(strncmp(err, path, strlen(err)), 0);
	free(path);
	gpc_cfg_free(NULL);
}

/* ---- roles and algorithms ----------------------------------------------- */

static void
role_allowed_follows_pam_services(void **state)
{
	char *text = read_shipped();
	struct gpc_cfg *cfg;

	(void)state;
	cfg = load_ok(text);
	assert_int_equal(gpc_cfg_role_allowed(cfg, "gpc-review", "reviewer"), 1);
	assert_int_equal(gpc_cfg_role_allowed(cfg, "gpc-review", "handler"), 0);
	assert_int_equal(gpc_cfg_role_allowed(cfg, "gpc-handle", "handler"), 1);
	assert_int_equal(gpc_cfg_role_allowed(cfg, "gpc-handle", "reviewer"), 0);
	/* matching is exact: no case folding, no prefixes */
	assert_int_equal(gpc_cfg_role_allowed(cfg, "gpc-review", "Reviewer"), 0);
	assert_int_equal(gpc_cfg_role_allowed(cfg, "gpc-review", "review"), 0);
	assert_int_equal(gpc_cfg_role_allowed(cfg, "gpc-review", NULL), 0);
	assert_int_equal(gpc_cfg_role_allowed(cfg, "gpc-review", ""), 0);
	/* a service not listed is open to every post */
	assert_int_equal(gpc_cfg_role_allowed(cfg, "sshd", "handler"), 1);
	assert_int_equal(gpc_cfg_role_allowed(cfg, "sshd", "reviewer"), 1);
	assert_int_equal(gpc_cfg_role_allowed(cfg, "GPC-REVIEW", "handler"), 1);
	gpc_cfg_free(cfg);

	cfg = load_ok(MIN_DIRECTORY);
	assert_int_equal(gpc_cfg_role_allowed(cfg, "gpc-review", "handler"), 1);
	gpc_cfg_free(cfg);
	free(text);
}

static void
algo_parse_accepts_the_three_names_only(void **state)
{
	enum gpc_algo a = GPC_ALGO_SHA512;

	(void)state;
	assert_int_equal(gpc_algo_parse("sha1", &a), GPC_OK);
	assert_int_equal(a, GPC_ALGO_SHA1);
	assert_int_equal(gpc_algo_parse("sha256", &a), GPC_OK);
	assert_int_equal(a, GPC_ALGO_SHA256);
	assert_int_equal(gpc_algo_parse("sha512", &a), GPC_OK);
	assert_int_equal(a, GPC_ALGO_SHA512);
	a = GPC_ALGO_SHA256;
	assert_int_equal(gpc_algo_parse("SHA1", &a), GPC_ERR_INVAL);
	assert_int_equal(gpc_algo_parse("sha-1", &a), GPC_ERR_INVAL);
	assert_int_equal(gpc_algo_parse("md5", &a), GPC_ERR_INVAL);
	assert_int_equal(gpc_algo_parse("sha1 ", &a), GPC_ERR_INVAL);
	assert_int_equal(gpc_algo_parse("", &a), GPC_ERR_INVAL);
	assert_int_equal(gpc_algo_parse(NULL, &a), GPC_ERR_INVAL);
	assert_int_equal(a, GPC_ALGO_SHA256); /* untouched on failure */
}

static void
algo_name_round_trips(void **state)
{
	enum gpc_algo a, back;

	(void)state;
	for (a = GPC_ALGO_SHA1; a <= GPC_ALGO_SHA512; a++) {
		assert_int_equal(gpc_algo_parse(gpc_algo_name(a), &back), GPC_OK);
		assert_int_equal(back, a);
	}
	assert_string_equal(gpc_algo_name((enum gpc_algo)7), "?");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(shipped_config_loads_with_its_documented_values),
		cmocka_unit_test(shipped_config_states_every_default_it_claims),
		cmocka_unit_test(defaults_apply_when_only_uri_and_base_are_given),
		cmocka_unit_test(outbox_defaults_to_spool_slash_outbox),
		cmocka_unit_test(every_value_given_is_read),
		cmocka_unit_test(unknown_top_level_key_is_named_with_its_line),
		cmocka_unit_test(unknown_key_inside_a_group_is_named_by_its_dotted_path),
		cmocka_unit_test(string_where_an_integer_belongs_is_a_type_error),
		cmocka_unit_test(integer_where_a_boolean_belongs_is_a_type_error),
		cmocka_unit_test(other_type_errors_are_named),
		cmocka_unit_test(out_of_range_values_are_refused),
		cmocka_unit_test(bad_enum_value_is_refused),
		cmocka_unit_test(uri_that_is_not_ldap_is_refused),
		cmocka_unit_test(missing_base_is_refused),
		cmocka_unit_test(missing_directory_group_is_refused),
		cmocka_unit_test(reader_dn_without_its_password_file_is_refused),
		cmocka_unit_test(syntax_error_names_the_line_of_the_error),
		cmocka_unit_test(services_are_parsed_and_checked),
		cmocka_unit_test(bureau_jurisdiction_defaults_to_its_issuer),
		cmocka_unit_test(bureau_errors_are_named_by_list_index),
		cmocka_unit_test(config_writable_by_group_or_others_is_refused),
		cmocka_unit_test(config_owned_by_another_user_is_refused),
		cmocka_unit_test(config_that_is_not_a_regular_file_is_refused),
		cmocka_unit_test(config_that_is_a_device_is_refused),
		cmocka_unit_test(missing_config_is_an_io_error),
		cmocka_unit_test(include_of_a_file_others_can_write_is_refused),
		cmocka_unit_test(error_buffer_may_be_null_or_small),
		cmocka_unit_test(role_allowed_follows_pam_services),
		cmocka_unit_test(algo_parse_accepts_the_three_names_only),
		cmocka_unit_test(algo_name_round_trips),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
