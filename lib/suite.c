/*
 * The directory's crypto suite (gpcSuite on ou=system) against crypto.suite.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dir.h"
#include "err.h"
#include "suite.h"
#include "util.h"

const char *
gpc_suite_name(enum gpc_suite s)
{
	return s == GPC_SUITE_GM ? "gm" : "standard";
}

int
gpc_suite_check(struct gpc_dir *d, const struct gpc_cfg *cfg, char *why, size_t whylen)
{
	static char *attrs[] = { "gpcSuite", NULL };
	LDAPMessage *res = NULL, *en;
	char *base = NULL, *have = NULL, dummy[1];
	const char *want = gpc_suite_name(cfg->suite);
	int r;

	if (why == NULL || whylen == 0) {
		why = dummy;
		whylen = sizeof(dummy);
	}
	why[0] = '\0';
	if (gpc_asprintf(&base, "ou=system,%s", gpc_dir_base(d)) < 0)
		return GPC_ERR_NOMEM;
	if ((r = gpc_dir_search(d, base, LDAP_SCOPE_BASE, "(objectClass=*)", attrs, 1, &res)) !=
	    GPC_OK) {
		if (r == GPC_ERR_NOTFOUND)
			snprintf(why, whylen, "the directory has no %.200s entry: it was not "
			    "made from gpcgate's base DIT", base);
		goto out;
	}
	if ((en = ldap_first_entry(gpc_dir_ldap(d), res)) == NULL) {
		snprintf(why, whylen, "%.200s cannot be read by this service account", base);
		r = GPC_ERR_NOTFOUND;
		goto out;
	}
	have = gpc_dir_get(d, en, "gpcSuite");
	if (have == NULL) {
		/*
		 * No default: guessing "standard" would let a gm directory made by
		 * hand be written under the wrong suite.
		 */
		snprintf(why, whylen, "the directory records no crypto suite (gpcSuite on "
		    "%.200s); add gpcSuite: %s there if its sealed values use the %s suite",
		    base, want, want);
		r = GPC_ERR_CONFIG;
	} else if (strcmp(have, "standard") != 0 && strcmp(have, "gm") != 0) {
		snprintf(why, whylen, "the directory names an unknown crypto suite \"%.32s\" "
		    "(gpcSuite on %.200s)", have, base);
		r = GPC_ERR_CONFIG;
	} else if (strcmp(have, want) != 0) {
		snprintf(why, whylen, "the directory %.200s is sealed under the %s suite "
		    "(gpcSuite on ou=system) but crypto.suite is \"%s\" in %.200s: set "
		    "crypto.suite = \"%s\"", gpc_dir_base(d), have, want,
		    cfg->path != NULL ? cfg->path : "the configuration", have);
		r = GPC_ERR_CONFIG;
	} else
		r = GPC_OK;
out:
	free(have);
	free(base);
	ldap_msgfree(res);
	return r;
}
