/*
 * gpcgate — the directory's crypto suite against the configuration's.
 *
 * A directory's sealed values and blind indexes are made under one suite
 * (seal.h: "standard" — AES-256-GCM, HMAC-SHA256; "gm" — SM4-CTR +
 * HMAC-SM3, HMAC-SM3).  The base DIT records it as gpcSuite on
 * ou=system,<base>.  A program whose crypto.suite names the other suite
 * would fail on every sealed value and, worse, compute blind indexes that
 * never match (duplicate identities would go unnoticed), so each program
 * checks once per directory session, before its first sealed value:
 * gpc_engine_new (provisioner, gpcgatectl) and the PAM module.
 */
#ifndef GPC_SUITE_H
#define GPC_SUITE_H

#include <stddef.h>

#include "cfg.h"

struct gpc_dir;

/* "standard" or "gm": the name crypto.suite and gpcSuite use. */
const char *gpc_suite_name(enum gpc_suite s);

/*
 * Read gpcSuite of ou=system,<base> (one base-scope search, as the
 * session's identity: both service accounts may read it) and compare it
 * with cfg->suite.  On a refusal why (whylen bytes, may be NULL) says, in
 * one English sentence fit for a log or a terminal, which suite each side
 * names and where, e.g. "the directory dc=x,dc=y is sealed under the gm
 * suite (gpcSuite on ou=system) but crypto.suite is \"standard\" in
 * /etc/gpcgate/gpcgate.conf: set crypto.suite = \"gm\"".
 * Returns GPC_OK (they agree), GPC_ERR_CONFIG (they differ; gpcSuite is
 * absent — a directory made without the base DIT — or names no known
 * suite), GPC_ERR_NOTFOUND (no ou=system entry), or the search's errors
 * (GPC_ERR_UNAVAIL, GPC_ERR_TIMEOUT, GPC_ERR_DENIED, GPC_ERR_LDAP,
 * GPC_ERR_NOMEM).  Not thread-safe on one session (sessions never are).
 */
int gpc_suite_check(struct gpc_dir *d, const struct gpc_cfg *cfg, char *why, size_t whylen);

#endif
