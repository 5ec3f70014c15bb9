/*
 * retain.c - how much of its replication log a writer keeps.
 *
 * The `log` database is what lets a follower that was away catch up
 * record by record, and what a writer relays from. Kept forever, it grows
 * with every write until the disk is full. So every node that keeps a log
 * (a master, the primary, a standby) truncates it, for each origin o,
 * below
 *
 *     min( applied[o] - log_retain,  what each attached follower holds )
 *
 * This is where "every known follower" is decided:
 *
 *   - An attached follower (one this node has heard a HELLO or ACK from
 *     within *dead* ms: it has an entry in stream.followers) holds the log
 *     from its last ACK of o on, however far behind it is: it is catching
 *     up now, and truncating under it would force a snapshot for nothing.
 *   - A follower receiving a snapshot holds the log from the snapshot's
 *     vector on, where its stream will resume (masters/snapshot.c).
 *   - A follower that is away (crashed, cut off, not started yet) holds
 *     nothing. The cluster file lists it, but keeping the log for a node
 *     that may never come back is exactly what fills the disk. It gets
 *     log_retain records of each origin as grace; if it returns further
 *     behind than that, it gets a snapshot.
 *
 * Every origin's log is cut the same way, the node's own and the ones it
 * holds to relay. Truncation runs among the loop's timers, once per
 * heartbeat, or again at once while a whole chunk was deleted: each call
 * deletes at most RETAIN_CHUNK entries of an origin in one transaction
 * (store_log_truncate), so the loop never stalls on it.
 */
#include "engine.h"
#include "log.h"
#include "transport.h"

/* Log entries deleted per origin per transaction: a few milliseconds. */
#define RETAIN_CHUNK 2048

/* The seq below which origin o's log may go. */
static uint64_t s_below(const node_t *n, uint16_t o)
{
    uint64_t applied = store_applied(n->store, o);
    uint64_t keep =
        applied > n->cfg.log_retain ? applied - n->cfg.log_retain : 0;
    for (int i = 0; i < MAX_FOLLOWERS; i++) {
        const follower_t *f = &n->stream.followers[i];
        if (!f->used)
            continue;
        uint64_t holds = f->snap.active ? f->snap.vec[o] : f->acked[o];
        if (holds < keep)
            keep = holds;
    }
    return keep + 1;
}

void retain_tick(node_t *n)
{
    int64_t now = tp_now_ms();
    if (!n->peer || n->batch_open || now < n->retain.next_ms)
        return;
    int again = 0;
    uint32_t writers = node_writer_mask(n);
    for (uint16_t o = 1; o <= MM_MAX_NODES; o++) {
        if (!(writers & node_bit(o)))
            continue;
        int rc = store_log_truncate(n->store, o, s_below(n, o), RETAIN_CHUNK);
        if (rc < 0) {
            log_event(LOG_ERROR, "truncate_failed", "origin=%s error=\"%s\"",
                      node_name_of(n, o), mm_strerror(rc));
            continue;
        }
        n->retain.truncated += (uint64_t)rc;
        again |= rc == RETAIN_CHUNK;
    }
    n->retain.next_ms = again ? now : now + n->cfg.heartbeat_ms;
}
