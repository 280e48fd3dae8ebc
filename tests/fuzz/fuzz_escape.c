/*
 * Fuzz target: escaping of untrusted values for LDAP (lib/dir.h): login
 * names typed at a prompt and document fields go into search filters and
 * DNs.  Checks beyond "no crash": a filter-escaped value holds no byte that
 * could end or widen a filter and unescapes to the input exactly; a
 * DN-escaped value, put in an RDN, is parsed by libldap back to the input.
 */
#include <ldap.h>
#include <stdlib.h>
#include <string.h>

#include "dir.h"
#include "err.h"
#include "fuzz.h"
#include "util.h"

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static void
check_filter(const uint8_t *data, size_t size)
{
	char *esc = NULL;
	size_t i, n = 0;
	int r;

	r = gpc_dir_filter_escape((const char *)data, size, &esc);
	FUZZ_CHECK(r == GPC_OK || r == GPC_ERR_NOMEM);
	if (r != GPC_OK)
		return;
	FUZZ_CHECK(esc != NULL);
	for (i = 0; esc[i] != '\0'; i++) {
		unsigned char c = (unsigned char)esc[i];

		FUZZ_CHECK(c != '*' && c != '(' && c != ')' && c >= 0x20 && c < 0x80);
		if (c == '\\') {
			int hi = hexval(esc[i + 1]), lo = hi < 0 ? -1 : hexval(esc[i + 2]);

			FUZZ_CHECK(hi >= 0 && lo >= 0);
			c = (unsigned char)(hi << 4 | lo);
			i += 2;
		}
		FUZZ_CHECK(n < size && data[n] == c);
		n++;
	}
	FUZZ_CHECK(n == size);
	free(esc);
}

static void
check_dn(const uint8_t *data, size_t size)
{
	char *value = fuzz_strndup(data, size), *esc = NULL, *dn = NULL;
	LDAPDN parsed = NULL;
	int r;

	r = gpc_dir_dn_escape(value, &esc);
	FUZZ_CHECK(r == GPC_OK || r == GPC_ERR_INVAL || r == GPC_ERR_NOMEM);
	if (r == GPC_ERR_INVAL)
		FUZZ_CHECK(value[0] == '\0' || !gpc_utf8_valid(value, strlen(value)));
	if (r != GPC_OK)
		goto out;
	FUZZ_CHECK(gpc_asprintf(&dn, "uid=%s,dc=example", esc) > 0);
	FUZZ_CHECK(ldap_str2dn(dn, &parsed, LDAP_DN_FORMAT_LDAPV3) == LDAP_SUCCESS);
	FUZZ_CHECK(parsed != NULL && parsed[0] != NULL && parsed[1] != NULL &&
	    parsed[2] == NULL);
	FUZZ_CHECK(parsed[0][0] != NULL && parsed[0][1] == NULL); /* one AVA: no '+' */
	FUZZ_CHECK(parsed[0][0]->la_value.bv_len == strlen(value) &&
	    memcmp(parsed[0][0]->la_value.bv_val, value, strlen(value)) == 0);
out:
	ldap_dnfree(parsed);
	free(dn);
	free(esc);
	free(value);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 4096)
		return 0;
	check_filter(data, size);
	check_dn(data, size);
	return 0;
}
