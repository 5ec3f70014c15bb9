/*
 * acks.c - held acknowledgements: when a writer may tell a client "done".
 *
 * The cluster's `ack` setting decides:
 *
 *   none     the OK leaves right after the local commit (masters/writer.c):
 *            asynchronous replication, the fastest, and a write can be
 *            lost with the node that took it.
 *   standby  the primary holds the OK until a standby has applied the
 *            write (its cumulative ACK covers the write's seq). A promoted
 *            standby then holds every acknowledged write.
 *
 * A held write that is not confirmed within ack_timeout_ms is answered
 * "outcome unknown" (MM_ERR_TIMEOUT): it is committed here and may or may
 * not be on the standby, so the client must count it neither as done nor
 * as failed. Only a standby that has once caught up counts (a standby
 * still copying the log would stall every write); with none attached the
 * primary acknowledges at once and counts the write as unprotected
 * (degraded mode, shown in STATUS).
 *
 * The held replies wait in a ring of HELD_MAX, in commit order; it is
 * never allowed to fill (the writer refuses new writes as "busy" first).
 */
#include <stdio.h>
#include <string.h>
#include "engine.h"
#include "transport.h"

int acks_sync_standby(const node_t *n)
{
    if (n->cfg.ack != ACK_STANDBY || n->role != ROLE_PRIMARY)
        return 0;
    for (int i = 0; i < MAX_FOLLOWERS; i++) {
        const follower_t *f = &n->stream.followers[i];
        if (f->used && f->standby && f->caught_up)
            return 1;
    }
    return 0;
}

int acks_room(const node_t *n)
{
    const primary_t *p = &n->primary;
    return p->held_tail - p->held_head < HELD_MAX - CLIENT_BATCH;
}

void acks_hold(node_t *n, reply_t *r, int64_t now_ms)
{
    primary_t *p = &n->primary;
    held_t *h = &p->held[p->held_tail++ & (HELD_MAX - 1)];
    zmq_msg_init(&h->id);
    zmq_msg_move(&h->id, &r->id);
    h->seq = r->seq;
    h->deadline_ms = now_ms + n->cfg.ack_timeout_ms;
    h->len = r->len <= sizeof h->frame ? r->len : 0;
    memcpy(h->frame, r->frame, h->len);
    zmq_msg_close(&r->id);
}

/* Answers one held write "outcome unknown", with its request id. */
static void s_unknown(node_t *n, held_t *h)
{
    wire_msg_t old, e;
    char text[96];
    snprintf(text, sizeof text,
             "the standby did not confirm the write within %d ms: "
             "outcome unknown",
             n->cfg.ack_timeout_ms);
    e = serve_error_msg(n, 0, MM_ERR_TIMEOUT, text);
    if (wire_decode(h->frame, h->len, &old) == 0)
        e.reqid = old.reqid;
    tp_send_to(n->client, zmq_msg_data(&h->id), zmq_msg_size(&h->id), &e,
               ZMQ_DONTWAIT);
    n->primary.writes_unconfirmed++;
}

void acks_release(node_t *n)
{
    primary_t *p = &n->primary;
    int64_t now = tp_now_ms();
    while (p->held_head != p->held_tail) {
        held_t *h = &p->held[p->held_head & (HELD_MAX - 1)];
        int confirmed = h->seq <= p->standby_acked;
        if (!confirmed && h->deadline_ms > now)
            break;
        if (!confirmed)
            s_unknown(n, h);
        else if (h->len)
            tp_send_raw_to(n->client, zmq_msg_data(&h->id),
                           zmq_msg_size(&h->id), h->frame, h->len,
                           ZMQ_DONTWAIT);
        zmq_msg_close(&h->id);
        p->held_head++;
    }
}

void acks_standby_applied(node_t *n, uint64_t seq)
{
    if (seq <= n->primary.standby_acked)
        return;
    n->primary.standby_acked = seq;
    acks_release(n);
}

void acks_abandon(node_t *n)
{
    primary_t *p = &n->primary;
    for (uint64_t i = p->held_head; i != p->held_tail; i++)
        p->held[i & (HELD_MAX - 1)].deadline_ms = 0;
    p->standby_acked = 0;
    acks_release(n); /* committed here, maybe on the standby: unknown */
}
