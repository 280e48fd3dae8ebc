/*
 * Paged subtree walks (RFC 2696 Simple Paged Results).
 */
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cfg.h"
#include "dir.h"
#include "err.h"
#include "sigpipe.h"
#include "walk.h"

int
gpc_dir_walk(struct gpc_dir *d, const char *base, const char *filter, char **attrs,
    int page, gpc_walk_fn fn, void *ctx, size_t *seen, const struct gpc_log *lg)
{
	LDAP *ld = gpc_dir_ldap(d);
	struct berval cookie = { 0, NULL };
	struct timeval op = { 30, 0 };
	size_t n = 0;
	int r = GPC_OK, rc;

	if (seen != NULL)
		*seen = 0;
	if (page <= 0)
		page = 200;
	for (;;) {
		LDAPControl *pc = NULL, *ctrls[2] = { NULL, NULL }, **rctrls = NULL;
		LDAPMessage *res = NULL, *en;
		struct gpc_sigpipe g;
		int err = LDAP_SUCCESS;
		char *matched = NULL, *text = NULL;

		if (ldap_create_page_control(ld, (ber_int_t)page, cookie.bv_val != NULL ? &cookie :
		    NULL, 1, &pc) != LDAP_SUCCESS) {
			r = GPC_ERR_NOMEM;
			break;
		}
		ctrls[0] = pc;
		gpc_sigpipe_block(&g);
		rc = ldap_search_ext_s(ld, base, LDAP_SCOPE_SUBTREE, filter, attrs, 0, ctrls, NULL,
		    &op, 0, &res);
		gpc_sigpipe_restore(&g);
		ldap_control_free(pc);
		if (rc == LDAP_SUCCESS || rc == LDAP_SIZELIMIT_EXCEEDED) {
			if (ldap_parse_result(ld, res, &err, &matched, &text, NULL, &rctrls, 0) !=
			    LDAP_SUCCESS)
				err = LDAP_OTHER;
			ldap_memfree(matched);
			ldap_memfree(text);
		} else
			err = rc;
		for (en = ldap_first_entry(ld, res); en != NULL && r == GPC_OK;
		    en = ldap_next_entry(ld, en)) {
			char *dn = ldap_get_dn(ld, en);

			if (dn == NULL) {
				r = GPC_ERR_NOMEM;
				break;
			}
			n++;
			r = fn(ctx, d, en, dn);
			ldap_memfree(dn);
		}
		ldap_msgfree(res);
		if (r == GPC_OK && err == LDAP_SIZELIMIT_EXCEEDED) {
			gpc_log_msg(lg, LOG_ERR, "the directory cut the walk of %.200s at %zu "
			    "entries (size limit): give this service account olcLimits "
			    "size=unlimited (see schema/database.ldif.in)", base, n);
			r = GPC_ERR_LDAP;
		} else if (r == GPC_OK && err != LDAP_SUCCESS)
			r = gpc_dir_err(err);
		if (r == GPC_OK) {
			struct berval next = { 0, NULL };
			LDAPControl *resp = rctrls != NULL ? ldap_control_find(
			    LDAP_CONTROL_PAGEDRESULTS, rctrls, NULL) : NULL;
			ber_int_t estimate = 0;

			ber_memfree(cookie.bv_val);
			cookie.bv_val = NULL;
			cookie.bv_len = 0;
			if (resp != NULL && ldap_parse_pageresponse_control(ld, resp, &estimate,
			    &next) == LDAP_SUCCESS && next.bv_len > 0)
				cookie = next;
			else
				ber_memfree(next.bv_val);
		}
		ldap_controls_free(rctrls);
		if (r != GPC_OK || cookie.bv_len == 0)
			break;
	}
	ber_memfree(cookie.bv_val);
	if (seen != NULL)
		*seen = n;
	return r;
}
