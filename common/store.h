/*
 * store.h - a node's Berkeley DB store: the data, the replication log, and
 * the applied vector, changed together in one transaction.
 *
 * One transactional environment per node (a directory), with three
 * databases:
 *
 *     data  key           -> record (record.h)     what reads see
 *     log   (origin, seq) -> key + record          every write this node
 *                                                  applied, its own and
 *                                                  other masters', in
 *                                                  sequence order per origin
 *     meta  "applied/<o>" -> seq (8 bytes)         highest seq applied from
 *                                                  origin o, gap-free
 *           "log_first/<o>" -> seq (8 bytes)       the lowest seq of origin
 *                                                  o the log still holds
 *           "epoch"       -> epoch (4 bytes)
 *
 * Writes happen in batches: store_begin(), any number of store_apply(),
 * store_commit(). A batch is one Berkeley DB transaction, so applying a
 * write, appending it to the log and advancing applied[origin] either all
 * happen or none do: a replayed write is harmless. With STORE_NOSYNC the
 * commit writes the log to the operating system without fsync, which
 * survives a process crash but not a power loss. With STORE_SYNC the commit
 * returns before the disk has the batch, and a thread of the store makes it
 * durable behind it, one fsync for every batch that committed meanwhile
 * (group commit, common/store_flush.c): store_durable() says how far that
 * has got, and a crash loses nothing it covers.
 *
 * The store never hands out pointers into Berkeley DB's buffers: values are
 * copied into caller buffers, and callbacks get pointers valid only during
 * the call.
 */
#ifndef MM_STORE_H
#define MM_STORE_H

#include <stddef.h>
#include <stdint.h>
#include "lww.h"
#include "record.h"

typedef struct store store_t;

typedef enum { STORE_NOSYNC = 0, STORE_SYNC = 1 } store_durability_t;

typedef struct {
    const char *dir; /* created if missing */
    store_durability_t durability;
    size_t cache_bytes; /* 0: 64 MiB */
    int no_log; /* 1: keep no `log` (a replica streams to nobody); writes
                   cost one B-tree insert less and store_log_scan() finds
                   nothing */
} store_opts_t;

/*
 * Opens (creating and recovering as needed) the environment in opts->dir.
 * Returns NULL and a message in err on failure. Caller owns the returned
 * object and destroys it with store_destroy().
 */
store_t *store_open(const store_opts_t *opts, char *err, size_t errlen);

/* Aborts any open batch, closes the databases and environment, and sets
 * *s to NULL. Accepts NULL and a pointer to NULL. */
void store_destroy(store_t **s);

/* Starts a batch. MM_ERR_STATE if one is open. */
int store_begin(store_t *s);
/* Commits the open batch: it is visible at once, and durable once
 * store_durable() covers it. On failure the batch is aborted. */
int store_commit(store_t *s);
/* Aborts the open batch, if any; the applied vector goes back with it. */
void store_abort(store_t *s);

/*
 * Reads key. Inside a batch it sees the batch's own writes. On a hit, copies
 * the record into *out with out->value pointing into vbuf (vcap bytes).
 * Returns 1 (found), 0 (never written), MM_ERR_NOSPACE, or a DB error. A
 * tombstone is found: check record_is_tombstone().
 */
int store_get(store_t *s, const uint8_t *key, size_t klen, record_t *out,
              uint8_t *vbuf, size_t vcap);

typedef enum {
    STORE_STORED = 0,    /* the write won LWW and is now the key's value */
    STORE_KEPT = 1,      /* it lost LWW: logged, but the value is unchanged */
    STORE_DUPLICATE = 2, /* seq <= applied[origin]: already applied */
} store_result_t;

typedef struct {
    store_result_t result;
    lww_verdict_t verdict;  /* as decided by lww_decide() */
    int had_existing;       /* the key held a record before */
    mm_stamp_t other_stamp; /* the existing record's pair, if any */
    uint16_t other_origin;
    uint64_t other_seq;
} store_outcome_t;

/*
 * Applies one write inside the open batch: LWW against the key's record
 * (lww_decide()), appends it to the log and advances applied[origin], all in
 * the batch transaction. rec->seq must be applied[origin] + 1; a lower seq is
 * STORE_DUPLICATE (nothing done) and a higher one is MM_ERR_STATE (a gap:
 * the caller must resync). Returns 0 and fills *out, or a negative code.
 */
int store_apply(store_t *s, const uint8_t *key, size_t klen,
                const record_t *rec, store_outcome_t *out);

/*
 * The same, for a write made on this node: first sets rec->prev_stamp and
 * rec->prev_origin to the pair of the record the key holds now (0 if none),
 * so the caller need not read the key itself, then applies rec.
 */
int store_apply_local(store_t *s, const uint8_t *key, size_t klen,
                      record_t *rec, store_outcome_t *out);

/* Highest committed seq applied from origin (0 if none). */
uint64_t store_applied(const store_t *s, uint16_t origin);

/*
 * Durability. Highest seq applied from origin that is committed AND on
 * disk: nothing may be told about a write beyond it (no client's OK, no
 * copy to a follower, no ACK), since a crash can still take it back. With
 * STORE_NOSYNC it is store_applied() (the operating system has it). With
 * STORE_SYNC it trails store_applied() by the batches whose fsync has not
 * finished; it moves when the loop calls store_flush_done().
 */
uint64_t store_durable(const store_t *s, uint16_t origin);
/* A descriptor that polls readable when a flush has finished (poll it,
 * then call store_flush_done()), or -1 with STORE_NOSYNC. Borrowed: valid
 * until store_destroy(). */
int store_flush_fd(const store_t *s);
/* Takes in the flushes that finished. Returns 1 if store_durable() moved,
 * 0 if not, or the negative code of a failed flush (the flusher tries
 * again at the next commit; until one succeeds nothing new is durable). */
int store_flush_done(store_t *s);
/* Waits until every committed batch is durable. 0 or a negative code. */
int store_sync(store_t *s);

typedef struct {
    uint64_t commits; /* batches committed */
    uint64_t flushes; /* log flushes with fsync (STORE_SYNC), which each
                         cover every batch committed before it began */
} store_stats_t;
/* Counters since store_open(). */
void store_stats(const store_t *s, store_stats_t *st);
/* The next seq for origin inside the open batch: applied + writes so far. */
uint64_t store_next_seq(const store_t *s, uint16_t origin);

/* The durable cluster epoch (1 for a new store) and setting it (its own
 * transaction; MM_ERR_STATE inside a batch). */
uint32_t store_epoch(const store_t *s);
int store_set_epoch(store_t *s, uint32_t epoch);

/*
 * The node's role as last set with store_set_term() (an int the caller
 * defines; the node uses node_role_t), or -1 if never set. A promotion or
 * demotion sets the epoch and the role together, in one durable
 * transaction, so a restarted node comes back in the role it last had.
 */
int store_role(const store_t *s);
int store_set_term(store_t *s, uint32_t epoch, int role);

/*
 * Callback for the scans. key and rec (and rec->value) are valid only during
 * the call. Return 0 to go on, non-zero to stop.
 */
typedef int (*store_visit_fn)(void *arg, const uint8_t *key, size_t klen,
                              const record_t *rec);

/*
 * Visits origin's committed log entries with seq >= from_seq, in order, at
 * most max of them. Returns the number visited, MM_ERR_TRUNCATED if
 * from_seq is below store_log_first() (the entries are gone), or a
 * negative code. A store without a log visits nothing.
 */
int store_log_scan(store_t *s, uint16_t origin, uint64_t from_seq, size_t max,
                   store_visit_fn fn, void *arg);

/*
 * The log's low end. A writer truncates its log (masters/retain.c says
 * how far), and a follower that installed a snapshot holds no log entries
 * of the writes the snapshot stood for. store_log_first() is the lowest
 * seq of origin the log still holds: every committed seq from it up to
 * store_applied() is there, and store_log_scan() from below it returns
 * MM_ERR_TRUNCATED. It is 1 for a log never truncated.
 */
uint64_t store_log_first(const store_t *s, uint16_t origin);

/*
 * Truncates origin's log below seq `below` (at most applied + 1): raises
 * log_first to it and deletes up to max of the entries below it, in a
 * transaction of its own. The rest are deleted by later calls (no scan
 * sees them meanwhile), so one call never holds the node up for long.
 * Returns the number of entries deleted (0: nothing left below), or
 * MM_ERR_STATE inside a batch, or a negative code. The transaction commits
 * without fsync even in a sync store: a truncation lost in a crash only
 * leaves entries that a later call deletes again.
 */
int store_log_truncate(store_t *s, uint16_t origin, uint64_t below, size_t max);

/*
 * The size of log.db in pages of 8 KiB, free pages included, from Berkeley
 * DB's statistics: the file's size once the cache has written it back (at
 * the next checkpoint), without waiting for that. Returns 0, MM_ERR_STATE
 * inside a batch, or a negative code.
 */
int store_log_pages(store_t *s, uint64_t *pages);

/*
 * Snapshots: a follower too far behind a writer's truncated log gets a
 * copy of the writer's `data` instead (masters/snapshot.c sends it,
 * replicas/catchup.c takes it), then the applied vector it stands for.
 *
 * store_apply_snapshot() takes one record of the copy inside the open
 * batch: LWW against the key's record (lww_decide()), and the winner goes
 * to `data`. The log and the applied vector do not change, and the seq is
 * not checked: a copy comes in key order, not in sequence order. Returns
 * 1 if the record was stored, 0 if the key already held it or a newer one,
 * or a negative code (a Berkeley DB failure aborts the batch).
 */
int store_apply_snapshot(store_t *s, const uint8_t *key, size_t klen,
                         const record_t *rec);

/*
 * Completes a snapshot, in a transaction of its own, once every record of
 * it is committed: for each origin o in mask (bit o) whose vec[o] is above
 * applied[o], applied[o] becomes vec[o] and the log starts after it
 * (log_first = vec[o] + 1: the writes in between never came one by one).
 * MM_ERR_STATE inside a batch.
 */
int store_snapshot_finish(store_t *s, const uint64_t *vec, uint32_t mask);

/*
 * Visits committed keys in byte order, starting strictly after `after`
 * (alen 0: from the first key), at most max of them, tombstones included.
 * Returns the number visited or a negative code.
 */
int store_scan(store_t *s, const uint8_t *after, size_t alen, size_t max,
               store_visit_fn fn, void *arg);

#endif
