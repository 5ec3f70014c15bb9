/*
 * stream.c - a writer streams its log to its followers.
 *
 * Every node that follows this writer (a peer master, a standby, a
 * replica) connects a DEALER to the writer's `peer` ROUTER and says HELLO
 * with its applied vector: for each origin, the last sequence number it
 * holds. From then on the writer sends it every record it lacks, in
 * sequence order per origin:
 *
 *   - from the backlog, a ring of this writer's own recent writes kept
 *     already encoded as REC frames (one encoding, whatever the number of
 *     followers: only the session number is patched in), or
 *   - from the `log` database, for a follower that is far behind, or for
 *     another origin's records this writer relays (replicas/follow.c says
 *     when a follower asks for a relay), or
 *   - as a snapshot of the whole data, for a follower that asks for records
 *     the log no longer holds (masters/retain.c truncates it;
 *     masters/snapshot.c sends the copy).
 *
 * Frames go out in packs (many REC frames in one message of up to about
 * PACK_MAX bytes) while fewer than `window` records are unacknowledged,
 * which bounds the memory a slow follower can cost. One pack at a time:
 * while a follower has not ACKed the last pack, new writes gather for the
 * next one (as Nagle's algorithm does for TCP). An idle follower gets a
 * write at once; a busy one gets larger packs, which it applies in fewer,
 * larger transactions, with fewer wake-ups on both sides: the batch size
 * follows the follower's own speed. The follower ACKs every pack with its
 * applied vector, cumulatively; an ACK moves the window, lets the next
 * pack go, measures replication lag (commit to ACK), and, from a standby,
 * confirms held writes (masters/acks.c).
 *
 * Nothing is lost when a link or a process drops: each HELLO starts a new
 * session from the follower's applied vector, records of an older session
 * are ignored by the follower, and if ACKs stop advancing the writer
 * rewinds to the last ACK and sends again (stream_tick).
 */
#include <string.h>
#include "bytes.h"
#include "engine.h"
#include "log.h"
#include "transport.h"

#define LOG_SCAN_CHUNK 256

/* Anyone who reaches the peer socket (any node, with security = curve)
 * can send these as fast as it likes: their lines are rate-limited. */
static log_limit_t s_bad_hello_log, s_bad_frame_log, s_odd_log, s_full_log;

/* The REC frame of (key, rec) for a follower's session; borrows key and
 * the value. */
static wire_msg_t s_rec_msg(const node_t *n, const uint8_t *key, size_t klen,
                            const record_t *rec, uint64_t session)
{
    wire_msg_t m = {0};
    m.cmd = WIRE_REC;
    wire_set_record(&m, rec);
    m.epoch = store_epoch(n->store);
    m.reqid = session;
    m.key = key;
    m.klen = (uint32_t)klen;
    return m;
}

static backlog_slot_t *s_slot(node_t *n, uint64_t seq)
{
    return &n->stream.backlog[seq & (BACKLOG_SLOTS - 1)];
}

void stream_backlog_put(node_t *n, const uint8_t *key, size_t klen,
                        const record_t *rec)
{
    backlog_slot_t *b = s_slot(n, rec->seq);
    wire_msg_t m = s_rec_msg(n, key, klen, rec, 0);
    int len = wire_encode(&m, b->frame, sizeof b->frame);
    /* A frame too big for a slot is streamed from the log instead. */
    b->seq = len < 0 ? 0 : rec->seq;
    b->len = len < 0 ? 0 : (uint32_t)len;
    b->commit_us = 0;
}

void stream_backlog_committed(node_t *n, uint64_t seq, int64_t now_us)
{
    backlog_slot_t *b = s_slot(n, seq);
    if (b->seq == seq)
        b->commit_us = now_us;
}

void stream_reset(node_t *n)
{
    for (int i = 0; i < BACKLOG_SLOTS; i++)
        n->stream.backlog[i].seq = 0;
    for (int i = 0; i < MAX_FOLLOWERS; i++)
        n->stream.followers[i].used = 0;
}

/* ---- HELLO and ACK ----------------------------------------------------- */

static follower_t *s_follower_find(node_t *n, const void *id, size_t idlen)
{
    for (int i = 0; i < MAX_FOLLOWERS; i++) {
        follower_t *f = &n->stream.followers[i];
        if (f->used && f->idlen == idlen && !memcmp(f->id, id, idlen))
            return f;
    }
    return NULL;
}

/* Records sent to f and not yet acknowledged, if its stream stood at
 * next[]. */
static uint64_t s_unacked(const follower_t *f, const uint64_t *next)
{
    uint64_t total = 0;
    for (uint16_t o = 1; o <= MM_MAX_NODES; o++)
        if ((f->want & node_bit(o)) && next[o] > f->acked[o] + 1)
            total += next[o] - 1 - f->acked[o];
    return total;
}

static void s_on_hello(node_t *n, const void *id, size_t idlen,
                       const wire_msg_t *m)
{
    uint64_t vec[MM_MAX_NODES + 1] = {0};
    uint32_t mask = 0;
    /* The origin names the follower's node: its filters and delays are
     * looked up by it, so it must be a node of the cluster. */
    if (idlen == 0 || idlen >= CONFIG_NAME_MAX ||
        !config_node_by_id(&n->cfg, m->origin) ||
        wire_vec_decode(m->value, m->vlen, vec, &mask) < 0) {
        log_limited(&s_bad_hello_log, LOG_WARN, "bad_hello",
                    "idlen=%zu origin=%u vlen=%u", idlen, m->origin, m->vlen);
        return;
    }
    follower_t *f = s_follower_find(n, id, idlen);
    for (int i = 0; !f && i < MAX_FOLLOWERS; i++)
        if (!n->stream.followers[i].used)
            f = &n->stream.followers[i];
    if (!f) {
        log_limited(&s_full_log, LOG_WARN, "too_many_followers", "max=%d",
                    MAX_FOLLOWERS);
        return;
    }
    memset(f, 0, sizeof *f);
    f->used = 1;
    memcpy(f->id, id, idlen);
    f->idlen = idlen;
    f->session = m->reqid;
    f->node = m->origin;
    f->standby = (m->flags & WIRE_F_STANDBY) != 0;
    f->want = mask & node_writer_mask(n);
    for (uint16_t o = 1; o <= MM_MAX_NODES; o++) {
        f->acked[o] = vec[o];
        f->next[o] = vec[o] + 1;
    }
    f->heard_ms = f->progress_ms = tp_now_ms();
    if (f->standby)
        f->caught_up = vec[n->self->id] >= store_durable(n->store, n->self->id);
    /* A standby following us at our epoch has not been promoted. */
    primary_heard_epoch(n, m->epoch, f->standby);
    /* What the follower already holds counts as confirmed. */
    acks_follower_applied(n, f, vec[n->self->id]);
    log_event(LOG_INFO, "follower_hello",
              "follower=%.*s session=%llu from_seq=%llu", (int)idlen,
              (const char *)id, (unsigned long long)f->session,
              (unsigned long long)f->next[n->self->id]);
    snapshot_check(n, f);
}

/* An ACK of our own origin up to seq: lag, and the standby's progress. */
static void s_own_acked(node_t *n, follower_t *f, uint64_t seq)
{
    backlog_slot_t *b = s_slot(n, seq);
    if (b->seq == seq && b->commit_us)
        hist_add(&n->lag_us, (uint64_t)(tp_now_us() - b->commit_us));
    acks_follower_applied(n, f, seq);
    if (f->standby && !f->caught_up &&
        seq >= store_durable(n->store, n->self->id)) {
        f->caught_up = 1;
        log_event(LOG_INFO, "standby_caught_up", "standby=%.*s seq=%llu",
                  (int)f->idlen, f->id, (unsigned long long)seq);
    }
}

static void s_on_ack(node_t *n, const void *id, size_t idlen,
                     const wire_msg_t *m)
{
    follower_t *f = s_follower_find(n, id, idlen);
    if (!f || f->session != m->reqid) {
        /* A follower we do not know (we restarted, or dropped it as
         * silent): ask it to start a new session. */
        if (fault_drops_out(n, m->origin))
            return; /* an injected partition */
        wire_msg_t r = {0};
        r.cmd = WIRE_REHELLO;
        r.origin = n->self->id;
        r.epoch = store_epoch(n->store);
        r.reqid = m->reqid;
        tp_send_to(n->peer, id, idlen, &r, ZMQ_DONTWAIT);
        return;
    }
    uint64_t vec[MM_MAX_NODES + 1] = {0};
    uint32_t mask = 0;
    if (wire_vec_decode(m->value, m->vlen, vec, &mask) < 0)
        return;
    int64_t now_ms = tp_now_ms();
    f->heard_ms = now_ms;
    primary_heard_epoch(n, m->epoch, f->standby);
    if (f->snap.active)
        snapshot_acked(f, m->seq);
    for (uint16_t o = 1; o <= MM_MAX_NODES; o++) {
        if (!(mask & node_bit(o)) || vec[o] <= f->acked[o])
            continue;
        f->acked[o] = vec[o];
        f->progress_ms = now_ms;
        if (f->next[o] <= vec[o])
            f->next[o] = vec[o] + 1;
        if (o == n->self->id)
            s_own_acked(n, f, vec[o]);
    }
}

void stream_serve_peers(node_t *n)
{
    for (int i = 0; i < FOLLOW_BATCH; i++) {
        zmq_msg_t id, body;
        zmq_msg_init(&id);
        zmq_msg_init(&body);
        int more = 0;
        size_t ml = sizeof more;
        int stop = tp_recv(n->peer, &id, ZMQ_DONTWAIT) < 0;
        if (!stop) {
            zmq_getsockopt(n->peer, ZMQ_RCVMORE, &more, &ml);
            int len = more ? tp_recv(n->peer, &body, 0) : -1;
            tp_drain_more(n->peer);
            wire_msg_t m;
            if (len >= 0 &&
                wire_decode(zmq_msg_data(&body), (size_t)len, &m) == 0) {
                if (fault_drops_in(n, m.origin))
                    ; /* an injected partition: as if it never arrived */
                else if (m.cmd == WIRE_HELLO)
                    s_on_hello(n, zmq_msg_data(&id), zmq_msg_size(&id), &m);
                else if (m.cmd == WIRE_ACK)
                    s_on_ack(n, zmq_msg_data(&id), zmq_msg_size(&id), &m);
                else
                    log_limited(&s_odd_log, LOG_WARN, "unexpected_peer_message",
                                "cmd=%s", wire_cmd_name(m.cmd));
            } else {
                log_limited(&s_bad_frame_log, LOG_WARN, "bad_peer_frame",
                            "len=%d", len);
            }
        }
        zmq_msg_close(&id);
        zmq_msg_close(&body);
        if (stop)
            break;
    }
}

/* ---- Packs ------------------------------------------------------------- */

/*
 * A pack: REC frames for one follower, back to back in the stream's pack
 * buffer, sent as one message part. next[] is where the follower's stream
 * will stand once the pack is sent; f->next only moves when a send
 * succeeds, so a pack that cannot be sent (the follower's queue is full)
 * is simply rebuilt on the next pass.
 */
typedef struct {
    node_t *n;
    follower_t *f;
    uint64_t next[MM_MAX_NODES + 1];
    size_t len;
    uint16_t origin; /* the origin being scanned from the log */
    int added;       /* frames added by the current log scan */
    int blocked;     /* a send failed: stop for now */
    int paced;       /* the last pack is unacknowledged: wait */
    int truncated;   /* the log no longer holds what the follower needs */
} pack_t;

/* How far f's stream stands, summed over the origins it wants: records
 * up to next[] - 1 (sent), or up to f->acked[] (confirmed). */
static uint64_t s_position(const follower_t *f, const uint64_t *next, int sent)
{
    uint64_t pos = 0;
    for (uint16_t o = 1; o <= MM_MAX_NODES; o++)
        if (f->want & node_bit(o))
            pos += sent ? next[o] - 1 : f->acked[o];
    return pos;
}

/* Whether f's ACKs do not yet cover the last pack sent to it. */
static int s_pack_unacked(const follower_t *f)
{
    return f->pack_end > s_position(f, NULL, 0);
}

static int s_pack_flush(pack_t *p)
{
    if (p->len == 0)
        return 0;
    follower_t *f = p->f;
    if (s_pack_unacked(f)) {
        p->paced = 1; /* kept for a later, larger pack */
        return -1;
    }
    /* Traced with the time before the send: the follower may apply the
     * pack before this call returns. */
    int64_t t = trace_on(&p->n->trace) ? tp_now_ns() : 0;
    if (tp_send_raw_to(p->n->peer, f->id, f->idlen, p->n->stream.pack, p->len,
                       ZMQ_DONTWAIT) < 0) {
        p->blocked = 1;
        return -1;
    }
    trace_send(p->n, t, f->id, f->idlen, p->n->stream.pack, p->len);
    memcpy(f->next, p->next, sizeof f->next);
    f->sent_ms = tp_now_ms();
    f->pack_end = s_position(f, f->next, 1);
    p->len = 0;
    return 0;
}

/* Makes room for a frame of len bytes, sending the pack if it is full.
 * Returns where to write the frame, or NULL if the send failed. */
static uint8_t *s_pack_room(pack_t *p, size_t len)
{
    if (p->len > 0 && p->len + len > PACK_MAX && s_pack_flush(p) < 0)
        return NULL;
    return p->n->stream.pack + p->len; /* room for PACK_MAX + one frame */
}

/* Adds an encoded frame (the backlog's), stamped with the session. */
static int s_pack_frame(pack_t *p, const uint8_t *frame, size_t len)
{
    uint8_t *dst = s_pack_room(p, len);
    if (!dst)
        return -1;
    memcpy(dst, frame, len);
    bytes_put64(dst + WIRE_OFF_REQID, p->f->session);
    p->len += len;
    return 0;
}

/* Adds a record read from the log. */
static int s_pack_visit(void *arg, const uint8_t *key, size_t klen,
                        const record_t *rec)
{
    pack_t *p = arg;
    if (rec->seq != p->next[p->origin])
        return 1; /* not the record we expected: stop and retry later */
    wire_msg_t m = s_rec_msg(p->n, key, klen, rec, p->f->session);
    size_t len = wire_size(&m);
    uint8_t *dst = s_pack_room(p, len);
    if (!dst || wire_encode(&m, dst, len) < 0)
        return 1;
    p->len += len;
    p->next[p->origin]++;
    p->added++;
    return 0;
}

/* The highest seq of origin o that follower f may be sent now. */
static uint64_t s_sendable(node_t *n, const follower_t *f, uint16_t o)
{
    /* Our own writes only once they are durable here: a crash could take
     * back a write the flusher has not fsynced yet, and this node would
     * then reuse its seq for another write, which a follower holding the
     * first one would skip as a duplicate. Other origins' records are
     * durable at their origin before it streams them, so relaying them
     * needs no wait. (In a nosync store both are what is committed.) */
    uint64_t hi = o == n->self->id ? store_durable(n->store, o)
                                   : store_applied(n->store, o);
    /* With ack = standby, other followers get a write only once a
     * standby has it: no replica holds a write a promoted standby would
     * lack. Only in degraded mode (ack_unprotected = yes and no standby
     * attached) are replicas fed at once, the price being replicas that
     * may keep writes the next primary never had. */
    if (o == n->self->id && !f->standby && hi > n->acks.standby_acked &&
        acks_sync_standby(n))
        hi = n->acks.standby_acked;
    return hi;
}

/* Packs origin o's records for f, from the backlog or the log, until the
 * window is full or nothing is left. Returns 1 if it had to stop early
 * with records still waiting. */
static int s_pack_origin(pack_t *p, uint16_t o)
{
    node_t *n = p->n;
    follower_t *f = p->f;
    uint64_t window = (uint64_t)n->cfg.window;
    int64_t delay = n->faults.delay_us[f->node];
    uint64_t hi = s_sendable(n, f, o);
    uint64_t inflight = s_unacked(f, p->next);
    while (p->next[o] <= hi) {
        if (inflight >= window)
            return 0; /* the ACKs will wake us */
        backlog_slot_t *b = s_slot(n, p->next[o]);
        if (o == n->self->id && b->seq == p->next[o]) {
            /* A slow link: hold each write until it is old enough. */
            if (delay && b->commit_us + delay > tp_now_us())
                return 1;
            if (s_pack_frame(p, b->frame, b->len) < 0)
                return 1;
            p->next[o]++;
            inflight++;
            continue;
        }
        uint64_t room = window - inflight;
        size_t max = room < LOG_SCAN_CHUNK ? (size_t)room : LOG_SCAN_CHUNK;
        p->origin = o;
        p->added = 0;
        int rc = store_log_scan(n->store, o, p->next[o], max, s_pack_visit, p);
        p->truncated = rc == MM_ERR_TRUNCATED;
        if (rc < 0 || p->blocked || p->paced)
            return 1;
        if (p->added == 0) {
            log_event(LOG_ERROR, "log_gap", "origin=%s seq=%llu follower=%.*s",
                      node_name_of(n, o), (unsigned long long)p->next[o],
                      (int)f->idlen, f->id);
            return 0;
        }
        inflight += (uint64_t)p->added;
    }
    return 0;
}

/* Sends one follower what it lacks, within its window. Returns 1 if it
 * still has records waiting (so the loop should come back soon). */
static int s_pump_one(node_t *n, follower_t *f)
{
    if (fault_drops_out(n, f->node))
        return 0;
    if (f->snap.active)
        return snapshot_pump(n, f);
    if (s_pack_unacked(f))
        return 0; /* its ACK will wake us, and the next pack is larger */
    pack_t p = {.n = n, .f = f};
    memcpy(p.next, f->next, sizeof p.next);
    int more = 0;
    for (uint16_t o = 1; o <= MM_MAX_NODES && !more; o++)
        if (f->want & node_bit(o))
            more = s_pack_origin(&p, o);
    if (!p.blocked && !p.paced && s_pack_flush(&p) < 0)
        more = 1;
    /* Truncated under an attached follower (retain.c should prevent it):
     * the follower still gets everything, as a snapshot. */
    if (p.truncated && !p.blocked)
        snapshot_check(n, f);
    return (more && !p.paced) || p.blocked;
}

int stream_pump(node_t *n)
{
    int pending = 0;
    for (int i = 0; i < MAX_FOLLOWERS; i++)
        if (n->stream.followers[i].used)
            pending |= s_pump_one(n, &n->stream.followers[i]);
    return pending;
}

/* ---- Timers ------------------------------------------------------------ */

/* A BEAT with our (durable) applied vector, when the stream has been
 * quiet. */
static void s_beat(node_t *n, follower_t *f)
{
    uint64_t vec[MM_MAX_NODES + 1] = {0};
    uint8_t buf[MM_MAX_NODES * WIRE_VEC_ENTRY];
    for (uint16_t o = 1; o <= MM_MAX_NODES; o++)
        vec[o] = store_durable(n->store, o);
    int len = wire_vec_encode(vec, f->want, buf, sizeof buf);
    wire_msg_t m = {0};
    m.cmd = WIRE_BEAT;
    m.origin = n->self->id;
    m.epoch = store_epoch(n->store);
    m.reqid = f->session;
    m.value = buf;
    m.vlen = len < 0 ? 0 : (uint32_t)len;
    tp_send_to(n->peer, f->id, f->idlen, &m, ZMQ_DONTWAIT);
}

void stream_tick(node_t *n)
{
    int64_t now = tp_now_ms();
    int64_t hb = n->cfg.heartbeat_ms;
    int64_t dead = hb * n->cfg.liveness;
    for (int i = 0; i < MAX_FOLLOWERS; i++) {
        follower_t *f = &n->stream.followers[i];
        if (!f->used)
            continue;
        if (now - f->heard_ms > dead) {
            log_event(LOG_INFO, "follower_lost", "follower=%.*s silent_ms=%lld",
                      (int)f->idlen, f->id, (long long)(now - f->heard_ms));
            f->used = 0;
            continue;
        }
        if (f->snap.active && snapshot_stalled(n, f, now)) {
            /* Its next ACK gets a REHELLO: a new session, a new copy. */
            log_event(LOG_INFO, "snapshot_stalled",
                      "follower=%.*s sent=%llu acked=%llu", (int)f->idlen,
                      f->id, (unsigned long long)f->snap.sent,
                      (unsigned long long)f->snap.acked);
            f->used = 0;
            continue;
        }
        if (!f->snap.active && s_unacked(f, f->next) > 0 &&
            now - f->progress_ms > dead) {
            /* Records sent but never acknowledged: resend from the ack. */
            log_event(LOG_INFO, "retransmit", "follower=%.*s", (int)f->idlen,
                      f->id);
            for (uint16_t o = 1; o <= MM_MAX_NODES; o++)
                f->next[o] = f->acked[o] + 1;
            f->pack_end = 0;
            f->progress_ms = now;
        }
        if (now - f->sent_ms >= hb && !fault_drops_out(n, f->node)) {
            s_beat(n, f);
            f->sent_ms = now; /* even if the send failed: retry next beat */
        }
    }
}
