/*
 * snapshot.c - a follower that fell behind the truncated log gets a copy
 * of the data instead.
 *
 * A writer keeps only the tail of its log (masters/retain.c). A follower
 * whose HELLO asks for records below where the log now begins (a replica
 * that was down for long, a wiped node, a relay asked for an origin it has
 * truncated) cannot be streamed record by record. It gets a snapshot:
 *
 *   1. The writer notes its applied vector V: the data it holds now
 *      reflects every write up to V, of every origin.
 *   2. It sends every key's current record, tombstones included, in key
 *      order, as SNAP frames packed like REC frames, within the follower's
 *      window. The follower applies them with the one LWW rule
 *      (replicas/catchup.c) and ACKs how many it has applied.
 *   3. After the last key it sends SNAP_END with V. The follower, once
 *      every record is committed, raises its applied vector to V in one
 *      transaction, and the stream goes on from the log after V.
 *
 * The copy is taken while writes go on, so keys sent late may hold writes
 * newer than V. That is harmless: the log from V on is replayed after it,
 * and LWW keeps the newest of a record applied twice. What the copy must
 * never miss is a write up to V, and it cannot: `data` only ever moves to
 * a newer record, and no key is ever removed (a delete is a tombstone).
 * For the same reason the follower never holds a key the copy lacks that
 * it should drop: whatever it holds came from a write the copy reflects or
 * from one beyond V that the log will bring anyway.
 *
 * The writer keeps the log from V on while the snapshot runs (retain.c
 * counts V as what this follower holds). A snapshot is never resumed or
 * restarted inside a session: frames of two attempts could then mix (a
 * pack lost with a dropped connection, and the next attempt's count
 * lining up with the old one). One that stops moving (no ACK progress for
 * *dead* ms) makes the writer forget the follower; its next ACK gets a
 * REHELLO, its new HELLO a new session and a new snapshot, since it still
 * asks from below the log. The follower's applied vector only moves at
 * the very end, so a crash half-way leaves it claiming nothing it lacks.
 */
#include <string.h>
#include "engine.h"
#include "log.h"
#include "transport.h"

/* Keys read from the store per scan call. */
#define SNAP_SCAN_CHUNK 256

static void s_start(node_t *n, follower_t *f)
{
    snap_out_t *s = &f->snap;
    memset(s, 0, sizeof *s);
    s->active = 1;
    /* A follower is never sent a write its origin could still lose: in a
     * sync store, wait for the fsync of what is committed (at once in a
     * nosync one), and copy that. */
    store_sync(n->store);
    for (uint16_t o = 1; o <= MM_MAX_NODES; o++)
        s->vec[o] = store_durable(n->store, o);
    f->progress_ms = tp_now_ms();
    log_event(LOG_INFO, "snapshot_start", "follower=%.*s session=%llu",
              (int)f->idlen, f->id, (unsigned long long)f->session);
}

int snapshot_check(node_t *n, follower_t *f)
{
    for (uint16_t o = 1; o <= MM_MAX_NODES; o++) {
        uint64_t first = store_log_first(n->store, o);
        if (!(f->want & node_bit(o)) || f->next[o] >= first)
            continue;
        log_event(LOG_INFO, "log_truncated",
                  "follower=%.*s origin=%s from_seq=%llu log_first=%llu",
                  (int)f->idlen, f->id, node_name_of(n, o),
                  (unsigned long long)f->next[o], (unsigned long long)first);
        s_start(n, f);
        return 1;
    }
    return 0;
}

/* SNAP frames for one follower, packed back to back in the stream's pack
 * buffer. What the follower has been sent moves only when a pack leaves:
 * a pack that cannot be sent is built again on a later pass. */
typedef struct {
    node_t *n;
    follower_t *f;
    size_t len;
    uint64_t sent;             /* records in the pack and before it */
    uint8_t after[MM_KEY_MAX]; /* the pack's last key */
    size_t alen;
    int blocked; /* a send failed: stop for now */
    int failed;  /* a record would not encode: never end the copy */
} snap_pack_t;

static int s_flush(snap_pack_t *p)
{
    follower_t *f = p->f;
    if (p->len == 0)
        return 0;
    if (tp_send_raw_to(p->n->peer, f->id, f->idlen, p->n->stream.pack, p->len,
                       ZMQ_DONTWAIT) < 0) {
        p->blocked = 1;
        return -1;
    }
    f->snap.sent = p->sent;
    memcpy(f->snap.after, p->after, p->alen);
    f->snap.alen = p->alen;
    f->sent_ms = tp_now_ms();
    p->len = 0;
    return 0;
}

/* Adds one key's record to the pack (store_scan's visitor). */
static int s_visit(void *arg, const uint8_t *key, size_t klen,
                   const record_t *rec)
{
    snap_pack_t *p = arg;
    node_t *n = p->n;
    int rlen = record_encode(rec, n->stream.snapbuf,
                             RECORD_HEADER_SIZE + MM_VALUE_MAX);
    if (rlen < 0) {
        log_event(LOG_ERROR, "snapshot_bad_record", "error=\"%s\"",
                  mm_strerror(rlen));
        p->failed = 1;
        return 1;
    }
    wire_msg_t m = {0};
    m.cmd = WIRE_SNAP;
    m.origin = n->self->id;
    m.epoch = store_epoch(n->store);
    m.seq = p->sent + 1;
    m.reqid = p->f->session;
    m.key = key;
    m.klen = (uint32_t)klen;
    m.value = n->stream.snapbuf;
    m.vlen = (uint32_t)rlen;
    size_t len = wire_size(&m);
    /* The pack buffer has room for PACK_MAX and one more frame. */
    if (p->len > 0 && p->len + len > PACK_MAX && s_flush(p) < 0)
        return 1;
    if (wire_encode(&m, n->stream.pack + p->len, len) < 0) {
        p->failed = 1;
        return 1;
    }
    p->len += len;
    p->sent++;
    memcpy(p->after, key, klen);
    p->alen = klen;
    return 0;
}

/* SNAP_END: the vector the copy stands for. The log resumes after it. */
static int s_send_end(node_t *n, follower_t *f)
{
    snap_out_t *s = &f->snap;
    uint8_t buf[MM_MAX_NODES * WIRE_VEC_ENTRY];
    int len = wire_vec_encode(s->vec, node_writer_mask(n), buf, sizeof buf);
    wire_msg_t m = {0};
    m.cmd = WIRE_SNAP_END;
    m.origin = n->self->id;
    m.epoch = store_epoch(n->store);
    m.seq = s->sent;
    m.reqid = f->session;
    m.value = buf;
    m.vlen = len < 0 ? 0 : (uint32_t)len;
    if (tp_send_to(n->peer, f->id, f->idlen, &m, ZMQ_DONTWAIT) < 0)
        return -1;
    for (uint16_t o = 1; o <= MM_MAX_NODES; o++)
        if (f->next[o] <= s->vec[o])
            f->next[o] = s->vec[o] + 1;
    s->active = 0;
    f->sent_ms = tp_now_ms();
    n->stream.snapshots_sent++;
    log_event(LOG_INFO, "snapshot_sent", "follower=%.*s records=%llu",
              (int)f->idlen, f->id, (unsigned long long)s->sent);
    return 0;
}

int snapshot_pump(node_t *n, follower_t *f)
{
    snap_out_t *s = &f->snap;
    uint64_t window = (uint64_t)n->cfg.window;
    while (!s->scanned && s->sent - s->acked < window) {
        uint64_t room = window - (s->sent - s->acked);
        size_t max = room < SNAP_SCAN_CHUNK ? (size_t)room : SNAP_SCAN_CHUNK;
        snap_pack_t p = {.n = n, .f = f, .sent = s->sent};
        /* The records scanned must be durable too (see s_start). */
        int rc = store_sync(n->store);
        if (rc == 0)
            rc = store_scan(n->store, s->after, s->alen, max, s_visit, &p);
        if (rc == MM_ERR_STATE)
            return 1; /* a batch is open: the scan must see committed data */
        if (rc < 0) {
            log_event(LOG_ERROR, "snapshot_scan_failed", "error=\"%s\"",
                      mm_strerror(rc));
            return 1;
        }
        if (p.failed) {
            /* Ending the copy without that key would lose writes: drop
             * the follower instead; its next ACK gets a REHELLO. */
            f->used = 0;
            return 0;
        }
        if (!p.blocked)
            s_flush(&p);
        if (p.blocked)
            return 1;
        if ((size_t)rc < max)
            s->scanned = 1; /* the data ran out */
    }
    if (s->scanned)
        return s_send_end(n, f) < 0;
    return 0; /* the window is full: ACKs wake us */
}

void snapshot_acked(follower_t *f, uint64_t records)
{
    if (records <= f->snap.acked || records > f->snap.sent)
        return;
    f->snap.acked = records;
    f->progress_ms = tp_now_ms();
}

int snapshot_stalled(const node_t *n, const follower_t *f, int64_t now_ms)
{
    int64_t dead = (int64_t)n->cfg.heartbeat_ms * n->cfg.liveness;
    return f->snap.sent > f->snap.acked && now_ms - f->progress_ms > dead;
}
