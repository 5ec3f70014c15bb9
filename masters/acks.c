/*
 * acks.c - held acknowledgements: when a writer may tell a client "done".
 *
 * The cluster's `ack` setting decides:
 *
 *   none     the OK leaves right after the local commit (masters/writer.c):
 *            asynchronous replication, the fastest, and a write can be
 *            lost with the node that took it, or lose LWW to a concurrent
 *            write on another master.
 *   standby  (primary-standby) the primary holds the OK until a standby
 *            has applied the write. A promoted standby then holds every
 *            acknowledged write.
 *   all      (multi-master) a master holds the OK until every other master
 *            has applied the write.
 *   quorum   (multi-master) until a majority of the masters, this one
 *            included, have applied it: with 3 masters one other, with 5
 *            two others; with 2 masters it is the same as `all`.
 *
 * "Applied" is read from the followers' cumulative ACKs (masters/stream.c
 * calls acks_follower_applied()). A held write that is not confirmed
 * within ack_timeout_ms is answered "outcome unknown" (MM_ERR_TIMEOUT): it
 * is committed here and will still replicate when the link comes back, so
 * the client must count it neither as done nor as failed. That is the
 * price of waiting: while a peer is unreachable, `all` turns every write
 * into "unknown", and `quorum` does once a majority is unreachable.
 *
 * With `standby`, a primary that has no standby attached holds its writes
 * all the same: they end "outcome unknown" until a standby comes (back)
 * and applies them, and its replicas get nothing a standby lacks. This is
 * the strict choice (PostgreSQL's synchronous_commit with a named standby
 * waits the same way): a promoted standby then holds every acknowledged
 * write, and no replica holds a write it lacks. `ack_unprotected = yes`
 * is the other choice (MySQL's semi-synchronous replication falls back to
 * asynchronous after a timeout): with no caught-up standby attached (a
 * standby still copying the log would stall every write) the primary
 * acknowledges at once, counts the write as unprotected (STATUS), and
 * feeds the replicas at once. Such a write is lost if the primary dies
 * before a standby has it, and the replicas that got it keep it after
 * the failover: they diverge from the new primary (docs/results.md).
 * `all` and `quorum` have no degraded mode: they count the masters of the
 * cluster file, attached or not.
 *
 * Durability comes first. In a sync store a batch is committed before its
 * fsync has finished (group commit, common/store_flush.c), so every OK of
 * a sync store waits here too, whatever the policy, until
 * store_durable() covers its write: no reply leaves before the fsync that
 * covers it. That wait has no deadline (a write cannot be "unknown"
 * because the disk is slow); a policy's confirmation, when one is needed,
 * must come as well, within ack_timeout_ms.
 *
 * Held replies wait in a ring of HELD_MAX, in commit order; it never fills
 * (the writer refuses new writes as "busy" first).
 */
#include <stdio.h>
#include <string.h>
#include "engine.h"
#include "transport.h"

const char *acks_policy_name(ack_policy_t a)
{
    switch (a) {
    case ACK_NONE:
        return "none";
    case ACK_STANDBY:
        return "standby";
    case ACK_ALL:
        return "all";
    case ACK_QUORUM:
        return "quorum";
    }
    return "?";
}

int acks_standby_attached(const node_t *n)
{
    for (int i = 0; i < MAX_FOLLOWERS; i++) {
        const follower_t *f = &n->stream.followers[i];
        if (f->used && f->standby && f->caught_up)
            return 1;
    }
    return 0;
}

int acks_sync_standby(const node_t *n)
{
    if (n->cfg.ack != ACK_STANDBY || n->role != ROLE_PRIMARY)
        return 0;
    /* Strict (the default): wait for a standby, attached or not. */
    return !n->cfg.ack_unprotected || acks_standby_attached(n);
}

int acks_wait(const node_t *n)
{
    if (n->cfg.ack == ACK_ALL || n->cfg.ack == ACK_QUORUM)
        return n->role == ROLE_MASTER;
    return acks_sync_standby(n);
}

/* How many other masters must confirm a write (all, quorum). */
static int s_peers_needed(const node_t *n)
{
    int masters = 0;
    for (int i = 0; i < n->cfg.nnodes; i++)
        masters += n->cfg.nodes[i].role == ROLE_MASTER;
    return n->cfg.ack == ACK_ALL ? masters - 1 : masters / 2;
}

/* What other master `id` has applied of our writes, 0 if not attached. */
static uint64_t s_peer_acked(const node_t *n, uint16_t id)
{
    for (int i = 0; i < MAX_FOLLOWERS; i++) {
        const follower_t *f = &n->stream.followers[i];
        if (f->used && f->node == id)
            return f->acked[n->self->id];
    }
    return 0;
}

uint64_t acks_confirmed(const node_t *n)
{
    if (n->cfg.ack == ACK_STANDBY)
        return n->acks.standby_acked;
    if (n->cfg.ack == ACK_NONE)
        return store_applied(n->store, n->self->id);
    /* The k-th highest of the other masters' positions: k of them have
     * applied everything up to it. */
    uint64_t pos[MM_MAX_NODES];
    int npos = 0;
    for (int i = 0; i < n->cfg.nnodes; i++) {
        const config_node_t *c = &n->cfg.nodes[i];
        if (c->role == ROLE_MASTER && c != n->self)
            pos[npos++] = s_peer_acked(n, c->id);
    }
    int k = s_peers_needed(n);
    if (k <= 0)
        return store_applied(n->store, n->self->id);
    for (int i = 1; i < npos; i++) /* insertion sort, highest first */
        for (int j = i; j > 0 && pos[j] > pos[j - 1]; j--) {
            uint64_t t = pos[j];
            pos[j] = pos[j - 1];
            pos[j - 1] = t;
        }
    return k <= npos ? pos[k - 1] : 0;
}

int acks_room(const node_t *n)
{
    const acks_t *p = &n->acks;
    return p->held_tail - p->held_head < HELD_MAX - CLIENT_BATCH;
}

void acks_hold(node_t *n, reply_t *r, int64_t now_ms, int confirm)
{
    acks_t *p = &n->acks;
    held_t *h = &p->held[p->held_tail++ & (HELD_MAX - 1)];
    zmq_msg_init(&h->id);
    zmq_msg_move(&h->id, &r->id);
    h->seq = r->seq;
    h->confirm = confirm;
    h->deadline_ms = now_ms + n->cfg.ack_timeout_ms;
    h->len = r->len <= sizeof h->frame ? r->len : 0;
    memcpy(h->frame, r->frame, h->len);
    zmq_msg_close(&r->id);
}

/* Answers one held write "outcome unknown", with its request id. */
static void s_unknown(node_t *n, held_t *h)
{
    wire_msg_t old, e;
    char text[128];
    const char *who = n->cfg.ack == ACK_ALL ? "not every other master has"
                      : n->cfg.ack == ACK_QUORUM
                          ? "no majority of the masters has"
                          : "the standby has not";
    snprintf(text, sizeof text,
             "%s confirmed the write within %d ms: outcome unknown", who,
             n->cfg.ack_timeout_ms);
    e = serve_error_msg(n, 0, MM_ERR_TIMEOUT, text);
    if (wire_decode(h->frame, h->len, &old) == 0)
        e.reqid = old.reqid;
    tp_send_to(n->client, zmq_msg_data(&h->id), zmq_msg_size(&h->id), &e,
               ZMQ_DONTWAIT);
    n->acks.writes_unconfirmed++;
}

/* Answers held writes in order; force: every one, durable or not, OK
 * only if confirmed (the store is about to be thrown away). */
static void s_release(node_t *n, int force)
{
    acks_t *p = &n->acks;
    if (p->held_head == p->held_tail)
        return;
    uint64_t durable = store_durable(n->store, n->self->id);
    uint64_t confirmed = acks_confirmed(n);
    int64_t now = tp_now_ms();
    while (p->held_head != p->held_tail) {
        held_t *h = &p->held[p->held_head & (HELD_MAX - 1)];
        if (h->seq > durable && !force)
            break; /* never before the fsync that covers it */
        int ok = (!h->confirm || h->seq <= confirmed) && h->seq <= durable;
        if (!ok && h->deadline_ms > now && !force)
            break;
        if (!ok)
            s_unknown(n, h);
        else if (h->len)
            tp_send_raw_to(n->client, zmq_msg_data(&h->id),
                           zmq_msg_size(&h->id), h->frame, h->len,
                           ZMQ_DONTWAIT);
        zmq_msg_close(&h->id);
        p->held_head++;
    }
}

void acks_release(node_t *n)
{
    s_release(n, 0);
}

void acks_follower_applied(node_t *n, const follower_t *f, uint64_t seq)
{
    if (f->standby && seq > n->acks.standby_acked)
        n->acks.standby_acked = seq;
    if (n->acks.held_head != n->acks.held_tail)
        acks_release(n);
}

void acks_abandon(node_t *n)
{
    /* Only a primary is demoted, so the policy is `standby` (or `none`):
     * with the confirmed position back at 0 every held write is answered
     * "unknown": committed here (perhaps not even durably), maybe on the
     * standby. */
    n->acks.standby_acked = 0;
    s_release(n, 1);
}
