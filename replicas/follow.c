/*
 * follow.c - a follower follows every writer's stream and applies it.
 *
 * This is what a replica does, and it is also how masters and standbys
 * hear each other: every node, whatever its role, follows every other
 * writer with this same code. A master following its peer masters is
 * exactly a replica of them that also takes writes of its own.
 *
 * For each writer the node holds a link: a DEALER connected to the
 * writer's `peer` socket, with its routing id set to the node's name.
 *
 *   1. HELLO: the follower sends its applied vector (the last seq it holds
 *      of each origin it wants from this source) under a new session
 *      number; the writer streams from there (masters/stream.c).
 *   2. REC frames arrive in packs. The follower applies up to FOLLOW_BATCH
 *      of them in one transaction with store_apply(), which decides with
 *      the one LWW rule (common/lww.c) — the same rule the writer used;
 *      the origin's stamp travels with the value and is never re-stamped.
 *      The write, its log entry and applied[origin] change together.
 *   3. ACK: after each batch, and every heartbeat when idle, the follower
 *      sends its applied vector; the ACK is also its heartbeat. The vector
 *      counts only what is durable here (store_durable()): in a sync store
 *      a batch's ACK waits for the flusher's fsync (follow_ack_durable()),
 *      because an ACK can confirm a client's write (ack = standby, all,
 *      quorum) and a crash must not take a confirmed write back. HELLO
 *      sends the durable vector too: the writer counts what it says as
 *      held, and resends the rest, which the store skips as duplicates.
 *
 * A follower that asks for records the writer's log no longer holds gets
 * a snapshot instead, a copy of the writer's data, and then the log from
 * where the copy stands (replicas/catchup.c).
 *
 * A sequence gap (records went missing) or a REHELLO from the writer (it
 * restarted and does not know the session) makes the follower say HELLO
 * again; records of an older session are ignored, so two streams never
 * interleave. A follower that cannot hear a writer asks another source to
 * relay that writer's origin from its log (follow_update_wants), so a
 * write survives as long as one node holding it does.
 *
 * Epochs fence a replaced primary: a source with an older epoch than ours
 * is ignored, and a newer one is adopted after the batch
 * (masters/primary.c).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "engine.h"
#include "log.h"
#include "transport.h"

/* A source silent this many heartbeats gets a new socket (s_reopen). */
#define FOLLOW_REOPEN_BEATS 20

/* Opens l's DEALER to its source's peer socket. Returns 0 or -errno. */
static int s_link_socket(node_t *n, link_t *l)
{
    int hwm = 100000, one = 1, rc;
    l->sock = tp_socket(n->ctx, ZMQ_DEALER, 0, n->self->name, PACK_MSG_MAX);
    if (!l->sock)
        return -errno;
    /* With curve: our key, and the source's, so that only the real source
     * can feed us records. IMMEDIATE: never queue a HELLO or ACK toward a
     * writer that is not connected; both are simply sent again on the next
     * beat. */
    rc = sec_client(n->sec, l->sock, l->src->name);
    zmq_setsockopt(l->sock, ZMQ_IMMEDIATE, &one, sizeof one);
    zmq_setsockopt(l->sock, ZMQ_RCVHWM, &hwm, sizeof hwm);
    if (rc == 0 && zmq_connect(l->sock, l->src->peer) != 0)
        rc = -errno;
    l->silent_from_ms = tp_now_ms();
    return rc;
}

int follow_open(node_t *n, char *err, size_t errlen)
{
    for (int i = 0; i < n->cfg.nnodes; i++) {
        const config_node_t *src = &n->cfg.nodes[i];
        if (!config_role_streams(src->role) || src == n->self)
            continue;
        link_t *l = &n->follow.links[n->follow.nlinks++];
        l->src = src;
        l->want = node_bit(src->id);
        int rc = s_link_socket(n, l);
        if (rc < 0) {
            snprintf(err, errlen, "cannot connect to %s at %s: %s", src->name,
                     src->peer,
                     rc == MM_ERR_CONFIG ? "no key" : mm_strerror(rc));
            return -1;
        }
    }
    return 0;
}

/*
 * A new socket for a source down for FOLLOW_REOPEN_BEATS. ZeroMQ
 * reconnects by itself after a connection drops, but not after a
 * handshake that failed on the protocol (a process without keys, or of
 * another mechanism, answered at the source's address): it gives that
 * endpoint up for good. Without this, whoever held a source's port for a
 * moment would cut us off from it until we restart.
 */
static void s_reopen(node_t *n, link_t *l)
{
    void *old = l->sock;
    int rc = s_link_socket(n, l);
    if (l->sock == NULL)
        l->sock = old; /* the loop polls it: keep the old one, try later */
    else
        zmq_close(old);
    log_event(rc < 0 ? LOG_ERROR : LOG_INFO, "reconnect",
              "source=%s silent_ms=%lld error=\"%s\"", l->src->name,
              (long long)(tp_now_ms() - l->heard_ms),
              rc < 0 ? mm_strerror(rc) : "none");
}

/* Sends HELLO or ACK: our durable applied vector for the origins in
 * mask. */
static void s_send_vector(node_t *n, link_t *l, int cmd, uint32_t mask)
{
    if (fault_drops_out(n, l->src->id))
        return; /* an injected partition */
    uint64_t vec[MM_MAX_NODES + 1] = {0};
    uint8_t buf[MM_MAX_NODES * WIRE_VEC_ENTRY];
    for (uint16_t o = 1; o <= MM_MAX_NODES; o++)
        vec[o] = store_durable(n->store, o);
    int len = wire_vec_encode(vec, mask, buf, sizeof buf);
    if (len < 0)
        return;
    wire_msg_t m = {0};
    m.cmd = (uint8_t)cmd;
    m.flags = n->role == ROLE_STANDBY ? WIRE_F_STANDBY : 0;
    m.origin = n->self->id;
    m.epoch = store_epoch(n->store);
    m.seq = l->snap_got; /* how far a snapshot has come, if one is */
    m.reqid = l->session;
    m.key = (const uint8_t *)n->self->name;
    m.klen = (uint32_t)strlen(n->self->name);
    m.value = buf;
    m.vlen = (uint32_t)len;
    tp_send(l->sock, &m, ZMQ_DONTWAIT);
}

static void s_hello(node_t *n, link_t *l)
{
    l->session = ++n->follow.next_session;
    l->up = 0;
    l->snap_got = 0; /* a snapshot under way starts over */
    l->hello_ms = tp_now_ms();
    s_send_vector(n, l, WIRE_HELLO, l->want);
}

/* What the next ACK to l would confirm: the durable vector summed over
 * the origins l brings. It only grows while l's wants stay the same. */
static uint64_t s_durable_sum(const node_t *n, const link_t *l)
{
    uint64_t sum = 0;
    for (uint16_t o = 1; o <= MM_MAX_NODES; o++)
        if (l->want & node_bit(o))
            sum += store_durable(n->store, o);
    return sum;
}

static void s_ack(node_t *n, link_t *l)
{
    l->ack_ms = tp_now_ms();
    l->ack_sum = s_durable_sum(n, l);
    s_send_vector(n, l, WIRE_ACK, node_writer_mask(n));
}

void follow_ack_durable(node_t *n)
{
    for (int i = 0; i < n->follow.nlinks; i++) {
        link_t *l = &n->follow.links[i];
        if (!l->ack_due)
            continue;
        int all = 1; /* everything applied from l is durable */
        for (uint16_t o = 1; o <= MM_MAX_NODES && all; o++)
            if (l->want & node_bit(o))
                all = store_durable(n->store, o) == store_applied(n->store, o);
        /* ACK what became durable; the last ACK of a pack says it all. */
        if (all || s_durable_sum(n, l) != l->ack_sum)
            s_ack(n, l);
        l->ack_due = !all;
    }
}

void follow_start(node_t *n)
{
    for (int i = 0; i < n->follow.nlinks; i++)
        s_hello(n, &n->follow.links[i]);
}

void follow_reset(node_t *n)
{
    for (int i = 0; i < n->follow.nlinks; i++) {
        n->follow.links[i].stale = 0;
        n->follow.links[i].want = 0;
    }
}

/* A source counts as usable while it is heard from and not fenced. */
static int s_usable(const node_t *n, const link_t *l)
{
    int64_t dead = (int64_t)n->cfg.heartbeat_ms * n->cfg.liveness;
    return l->heard_ms && tp_now_ms() - l->heard_ms <= dead && !l->stale;
}

/*
 * Which origins to ask each source for. Normally each writer's own writes
 * come from that writer. When a writer cannot be heard (crashed, cut off,
 * or fenced by a newer epoch), its origin is asked of the first usable
 * source instead, which relays what it holds from its log: a write survives
 * as long as one node that holds it does. A node that does not write (a
 * standby, a replica) also takes its own origin from others, which is how a
 * demoted primary gets its acknowledged writes back.
 */
void follow_update_wants(node_t *n)
{
    follow_t *fw = &n->follow;
    uint32_t want[MM_MAX_NODES] = {0};
    uint32_t writers = node_writer_mask(n);
    for (uint16_t o = 1; o <= MM_MAX_NODES; o++) {
        if (!(writers & node_bit(o)) || (o == n->self->id && node_writable(n)))
            continue;
        int direct = -1, relay = -1;
        for (int i = 0; i < fw->nlinks; i++) {
            if (fw->links[i].src->id == o)
                direct = i;
            else if (relay < 0 && s_usable(n, &fw->links[i]))
                relay = i;
        }
        if (direct >= 0 && (s_usable(n, &fw->links[direct]) || relay < 0))
            want[direct] |= node_bit(o);
        else if (relay >= 0)
            want[relay] |= node_bit(o);
    }
    for (int i = 0; i < fw->nlinks; i++) {
        link_t *l = &fw->links[i];
        if (want[i] == l->want)
            continue;
        l->want = want[i];
        log_event(LOG_INFO, "follow", "source=%s origins=0x%x", l->src->name,
                  l->want);
        s_hello(n, l);
    }
}

/* What one follow_read() call has seen so far. */
typedef struct {
    int recs; /* REC frames of the session, duplicates included */
    int applied, resync, failed;
    int snap;      /* snapshot records applied */
    int installed; /* a snapshot was completed */
} follow_state_t;

/* Opens the follower's batch if none is open. */
static int s_begin(node_t *n)
{
    int rc = n->batch_open ? 0 : store_begin(n->store);
    n->batch_open = rc == 0;
    return rc;
}

/* Applies one REC frame inside the open batch. */
static void s_apply(node_t *n, link_t *l, const wire_msg_t *m,
                    follow_state_t *st)
{
    record_t rec;
    wire_get_record(m, &rec);
    int rc = s_begin(n);
    store_outcome_t out;
    if (rc == 0)
        rc = store_apply(n->store, m->key, m->klen, &rec, &out);
    if (rc == MM_ERR_STATE) {
        log_event(LOG_INFO, "resync",
                  "source=%s origin=%s seq=%llu applied=%llu", l->src->name,
                  node_name_of(n, m->origin), (unsigned long long)m->seq,
                  (unsigned long long)store_next_seq(n->store, m->origin) - 1);
        st->resync = 1;
    } else if (rc < 0) {
        log_event(LOG_ERROR, "apply_failed", "error=\"%s\"", mm_strerror(rc));
        st->failed = 1;
    } else if (out.result != STORE_DUPLICATE) {
        hlc_observe(&n->clock, rec.stamp);
        node_note_conflict(n, m->key, m->klen, &rec, &out, "replication");
        n->service_owed_us += n->cfg.write_service_us;
        st->applied++;
    }
}

static void s_commit(node_t *n, follow_state_t *st);

/* A SNAP or SNAP_END frame (replicas/catchup.c). The snapshot's applied
 * vector may only claim records that are durable, so SNAP_END commits the
 * batch first. */
static void s_snapshot(node_t *n, link_t *l, const wire_msg_t *m,
                       follow_state_t *st)
{
    int rc;
    if (m->cmd == WIRE_SNAP) {
        rc = s_begin(n);
        if (rc == 0)
            rc = catchup_record(n, l, m);
        st->snap += rc == 0;
    } else {
        s_commit(n, st);
        rc = st->resync ? MM_ERR_STATE : catchup_finish(n, l, m);
        st->installed |= rc == 0;
    }
    if (rc == MM_ERR_STATE)
        st->resync = 1;
    else if (rc < 0)
        st->failed = 1;
}

/* Handles one frame from a source (REC, SNAP, BEAT or REHELLO). */
static void s_follow_frame(node_t *n, link_t *l, const wire_msg_t *m,
                           follow_state_t *st)
{
    if (m->reqid != l->session)
        return; /* a leftover of an older session */
    /* Epochs fence off a replaced primary: nothing it sends counts, and a
     * node that sees a newer epoch adopts it (after this batch). */
    uint32_t epoch = store_epoch(n->store);
    if (m->epoch < epoch) {
        if (!l->stale)
            log_event(LOG_INFO, "stale_source",
                      "source=%s its_epoch=%u epoch=%u", l->src->name, m->epoch,
                      epoch);
        l->stale = 1;
        return;
    }
    l->stale = 0;
    if (m->epoch > epoch && m->epoch > n->follow.pending_epoch)
        n->follow.pending_epoch = m->epoch;
    if (m->cmd == WIRE_REHELLO) {
        st->resync = 1; /* the writer does not know our session */
        return;
    }
    if (m->cmd == WIRE_BEAT)
        l->up = 1;
    if (st->resync || st->failed)
        return;
    if (m->cmd == WIRE_SNAP || m->cmd == WIRE_SNAP_END) {
        l->up = 1;
        s_snapshot(n, l, m, st);
        return;
    }
    if (m->cmd != WIRE_REC || !(l->want & node_bit(m->origin)))
        return;
    l->up = 1;
    st->recs++;
    s_apply(n, l, m, st);
}

/* Steps through the frames of one message (a pack). */
static void s_follow_message(node_t *n, link_t *l, const uint8_t *data,
                             size_t len, follow_state_t *st)
{
    size_t off = 0;
    while (off < len) {
        size_t flen;
        wire_msg_t m;
        int rc = wire_frame_len(data + off, len - off, &flen);
        if (rc == 0)
            rc = wire_decode(data + off, flen, &m);
        if (rc < 0) {
            static log_limit_t limit;
            log_limited(&limit, LOG_WARN, "bad_stream_frame",
                        "source=%s len=%zu offset=%zu error=\"%s\"",
                        l->src->name, len, off, mm_strerror(rc));
            return;
        }
        s_follow_frame(n, l, &m, st);
        off += flen;
    }
}

/* Commits what the batch applied; a failed batch is taken again. */
static void s_commit(node_t *n, follow_state_t *st)
{
    if (!n->batch_open)
        return;
    int rc = st->failed ? -1 : store_commit(n->store);
    if (st->failed)
        store_abort(n->store);
    n->batch_open = 0;
    node_service_wait(n->service_owed_us); /* an emulated slow disk */
    n->service_owed_us = 0;
    if (rc < 0) {
        if (!st->failed)
            log_event(LOG_ERROR, "commit_failed", "error=\"%s\"",
                      mm_strerror(rc));
        st->applied = 0;
        st->resync = 1;
    }
}

void follow_read(node_t *n, link_t *l)
{
    follow_state_t st = {0};
    while (st.applied + st.snap < FOLLOW_BATCH) {
        zmq_msg_t body;
        zmq_msg_init(&body);
        int len = tp_recv(l->sock, &body, ZMQ_DONTWAIT);
        if (len < 0) {
            zmq_msg_close(&body);
            break;
        }
        tp_drain_more(l->sock);
        if (!fault_drops_in(n, l->src->id)) { /* else a partition: lost */
            l->heard_ms = tp_now_ms();
            int applied = st.applied;
            uint64_t conflicts = n->conflicts, hlc = n->clock.last;
            s_follow_message(n, l, zmq_msg_data(&body), (size_t)len, &st);
            trace_apply(n, l->src->name, zmq_msg_data(&body), (size_t)len,
                        st.applied - applied, n->conflicts - conflicts, hlc);
        }
        zmq_msg_close(&body);
    }
    s_commit(n, &st);
    n->applied_remote += (uint64_t)st.applied;
    /* Every pack is ACKed, even one of duplicates only: the writer sends
     * the next pack when the ACKs cover the last ones (masters/stream.c),
     * and a snapshot's progress travels in the ACK too. The ACK leaves
     * once durable: at once in a nosync store. */
    if (st.recs || st.snap || st.installed)
        l->ack_due = 1;
    follow_ack_durable(n);
    if (st.resync)
        s_hello(n, l);
    if (n->follow.pending_epoch > store_epoch(n->store))
        primary_adopt_epoch(n, n->follow.pending_epoch);
    n->follow.pending_epoch = 0;
}

void follow_tick(node_t *n)
{
    int64_t now = tp_now_ms();
    int64_t hb = n->cfg.heartbeat_ms;
    int64_t dead = hb * n->cfg.liveness;
    for (int i = 0; i < n->follow.nlinks; i++) {
        link_t *l = &n->follow.links[i];
        if (l->up && now - l->heard_ms > dead) {
            log_event(LOG_INFO, "source_down", "source=%s silent_ms=%lld",
                      l->src->name, (long long)(now - l->heard_ms));
            l->up = 0;
            l->silent_from_ms = now;
        }
        if (!l->up && now - l->hello_ms >= dead)
            s_hello(n, l);
        else if (now - l->ack_ms >= hb)
            s_ack(n, l);
        if (!l->up && now - l->silent_from_ms >= hb * FOLLOW_REOPEN_BEATS)
            s_reopen(n, l);
        if (l->up && l->hello_ms && l->heard_ms >= l->hello_ms) {
            log_event(LOG_INFO, "source_up", "source=%s session=%llu",
                      l->src->name, (unsigned long long)l->session);
            l->hello_ms = 0; /* logged once per session */
        }
    }
}
