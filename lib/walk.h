/*
 * gpcgate — walk every entry of a subtree, a page at a time.
 *
 * A plain search stops at the server's size limit (slapd's default is 500
 * entries for anyone but the rootdn) and gpc_dir_search() returns what came
 * silently; a walk over all accounts (key rotation, reports) must see every
 * entry or fail.  This uses the Simple Paged Results control (RFC 2696) and
 * refuses to end short: a server that cuts the walk (size limit reached)
 * gives GPC_ERR_LDAP with a message naming the fix (the schema's
 * database.ldif grants the provisioner `olcLimits: size=unlimited`).
 */
#ifndef GPC_WALK_H
#define GPC_WALK_H

#include <ldap.h>
#include <stddef.h>

#include "log.h"

struct gpc_dir;

/*
 * Called once per entry; dn is the entry's DN as the server returns it
 * (borrowed).  The callback may run other operations on the same session
 * (a Modify), between pages of the walk.  A non-zero return stops the walk
 * and is returned by gpc_dir_walk.
 */
typedef int (*gpc_walk_fn)(void *ctx, struct gpc_dir *d, LDAPMessage *entry, const char *dn);

/*
 * Search base (subtree) for filter (already escaped), attrs as for
 * ldap_search_ext (NULL: all user attributes), `page` entries at a time
 * (0: 200), each page within 30 seconds, calling fn for each entry.
 * *seen (may be NULL) counts the entries.  lg (may be NULL) gets a message
 * when the server cuts the walk.  Not thread-safe on one session.
 * Returns GPC_OK, the callback's non-zero value, GPC_ERR_LDAP (the server
 * ended the walk early), GPC_ERR_NOTFOUND (no base), GPC_ERR_UNAVAIL,
 * GPC_ERR_TIMEOUT, GPC_ERR_DENIED, GPC_ERR_NOMEM.  SIGPIPE is blocked in
 * the calling thread around each page, as in dir.h.
 */
int gpc_dir_walk(struct gpc_dir *d, const char *base, const char *filter, char **attrs,
    int page, gpc_walk_fn fn, void *ctx, size_t *seen, const struct gpc_log *lg);

#endif
