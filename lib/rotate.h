/*
 * gpcgate — key rotation: re-seal every sealed value under the newest seal
 * key version and recompute blind indexes under the newest index key.
 *
 * `gpcgatectl keys generate` adds version N of both keys; programs load
 * keys when they start (gpcgate-provisiond) or per login (the PAM module),
 * so new values are sealed under N from then on, and gpc_unseal opens any
 * value under the version it names, as long as that key file is there.
 * gpc_rotate then brings the old values forward:
 *
 *   ou=units         gpcTotpSeed, gpcHolderSealed (bound to the account DN)
 *                    and gpcHolderIndex, recomputed from the unsealed ID
 *   ou=applications  gpcAppSealed (bound to the application DN) and
 *                    gpcHolderIndex, recomputed from the application's
 *                    account.holder.id_number
 *   ou=records       gpcPlan of a document being applied (bound to the
 *                    record DN)
 *
 * Each change is one Modify deleting the old value and adding the new one
 * (a compare-and-swap: it fails with noSuchAttribute if anyone changed the
 * value meanwhile — a login, the provisioner — and the entry is then read
 * again and done again, so no concurrent change is lost).  Nothing else is
 * kept between runs: a rotation stopped anywhere (a crash, --limit, the
 * directory going away) is resumed by running it again, which skips values
 * already at the newest version.  Old key files must stay until a run
 * reports nothing left on them.
 *
 * What cannot be recomputed: a blind index without a sealed copy of its ID
 * — a terminated account's tombstone (its sealed ID was wiped), a record
 * flagging an identity for misuse — stays on its old index version until it
 * is purged.  Keep the old index key files while such entries exist, and
 * search identities under every loaded version (gpc_blind_index_filter).
 * Hashed one-time secrets (enrollment and recovery codes) name their index
 * version and are checked under it; they are not rewritten (they cannot be:
 * only their hash is stored) and expire or are replaced on use.
 *
 * A document applied during a rotation may write values sealed under the
 * version its process loaded; a second run catches them.
 */
#ifndef GPC_ROTATE_H
#define GPC_ROTATE_H

#include <stddef.h>

#include "log.h"

struct gpc_dir;
struct gpc_keys;

struct gpc_rotate_stats {
	size_t entries;    /* entries visited that hold a sealed value or an index */
	size_t resealed;   /* values re-sealed under the newest seal key */
	size_t reindexed;  /* blind indexes recomputed under the newest index key */
	size_t current;    /* values and indexes already at the newest version */
	size_t kept_index; /* indexes left on an old version: no sealed copy */
	/* ... of which: accounts whose sealed ID was wiped (terminated, denied) */
	size_t kept_accounts;
	/* ... applications (a registration never keeps a sealed copy of its ID;
	 * a decided change or handover drops its own) */
	size_t kept_applications;
	/* ... records flagging an identity for misuse */
	size_t kept_records;
	size_t raced;      /* compare-and-swaps lost to a concurrent change, redone */
	size_t failed;     /* values that could not be brought forward (logged) */
	int stopped;       /* 1: the run stopped at the limit; run again */
};

/*
 * Bring every sealed value and blind index under d's base forward to k's
 * newest versions, as described above.  d: a writer session.  dry_run:
 * count what would change and write nothing.  limit: stop after this many
 * writes (0: no limit; for rotating in batches, and to test resumption).
 * lg (may be NULL) gets one line per value that fails, naming the entry's
 * DN and attribute, never a value.  *st is filled even on error.
 * Returns GPC_OK (also when some values failed: see st->failed), or the
 * directory error that stopped the walk.  Not thread-safe on one session.
 */
int gpc_rotate(struct gpc_dir *d, const struct gpc_keys *k, int dry_run, size_t limit,
    const struct gpc_log *lg, struct gpc_rotate_stats *st);

/*
 * An escaped LDAP filter matching attr against the blind index of value
 * under every index key version k holds, newest first:
 * "(|(gpcHolderIndex=h2:...)(gpcHolderIndex=h1:...))" (or "(attr=...)"
 * with one version).  For identity searches that must also find entries a
 * rotation could not re-key (tombstones, identity flags).  *out malloc'd.
 * Returns GPC_OK, GPC_ERR_INVAL, GPC_ERR_CRYPTO, GPC_ERR_NOMEM.
 * Thread-safe.
 */
int gpc_blind_index_filter(const struct gpc_keys *k, const char *attr, const char *purpose,
    const char *value, char **out);

#endif
