/*
 * node.c - the node engine shared by mm-master and mm-replica (see node.h).
 *
 * How a write travels, step by step:
 *
 *   1. A client's PUT arrives on the `client` ROUTER. The master stamps it
 *      with hlc_now(), gives it the next sequence number of its own origin
 *      and calls store_apply_local() inside the open batch, which records
 *      the key's current record as the new write's `prev` and decides LWW.
 *   2. Requests keep being taken until the socket is empty or the batch is
 *      full; then the batch commits (one fsync in sync mode) and only then
 *      are the clients answered: an OK always means "committed here".
 *   3. The committed write is also kept, already encoded as a REC frame, in
 *      a ring (the backlog), so streaming it to followers costs no disk read.
 *   4. s_pump() sends each follower the records it has not yet been sent,
 *      from the backlog or, for a follower that is far behind, from the
 *      `log` database, while fewer than `window` records are unacknowledged.
 *   5. The follower applies a batch of records in one transaction, with the
 *      same LWW rule (store_apply -> lww_decide), and ACKs its applied
 *      vector. The master measures replication lag as the time from its
 *      commit of a write to the ACK that covers it.
 *
 * Nothing is lost when a link or a process drops: a follower's HELLO names
 * the last write it applied from each origin, and the stream resumes right
 * after it. Each HELLO starts a new session number; records from an older
 * session are ignored, so a resync never interleaves two streams. If
 * records go missing (the follower sees a sequence gap) it says HELLO again;
 * if ACKs stop advancing, the master rewinds and resends. A follower that
 * cannot hear a writer asks another source to relay that writer's origin
 * (s_update_wants), so a write survives while one node holding it does.
 *
 * Primary-standby clusters use the same machinery with two additions:
 * epochs, which fence a replaced primary (s_follow_frame, s_adopt_epoch,
 * s_demote), and ack = standby, where a write's OK waits in the held queue
 * until the standby has applied it (s_flush, s_release_held).
 */
/* nftw() (s_demote wipes a store directory) needs X/Open 500 or later. */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <ftw.h>
#include <getopt.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "bytes.h"
#include "hist.h"
#include "log.h"
#include "node.h"
#include "store.h"
#include "transport.h"

/*
 * Client requests per transaction, at most. Smaller batches commit more
 * often, but let replies flow back while the next batch is being applied,
 * so a pipelining client is never left with nothing in flight: measured
 * here with 64 writes in flight, 32 beat 256 by ~15% in both nosync and
 * sync (fewer, larger fsyncs did not win: the pipeline stalled instead).
 */
#define CLIENT_BATCH 32
/* Replicated records per transaction: taking stops once this many are
 * applied, after the pack in hand, so a batch may exceed it by one pack. */
#define FOLLOW_BATCH 1024
#define MAX_FOLLOWERS 32
#define BACKLOG_SLOTS 32768 /* power of two */
#define BACKLOG_FRAME_MAX 512
#define REPLY_FRAME_MAX (WIRE_HEADER_SIZE + 256)
#define DUMP_PAGE_KEYS 1000
#define LOG_SCAN_CHUNK 256
#define PACK_MAX (64 * 1024) /* bytes of REC frames per message, roughly */

static volatile sig_atomic_t s_stop;

/* One write of this node's own origin, ready to stream. */
typedef struct {
    uint64_t seq;      /* 0: empty */
    int64_t commit_us; /* monotonic time of the commit, for lag */
    uint32_t len;
    uint8_t frame[BACKLOG_FRAME_MAX];
} backlog_slot_t;

/* A follower of this master: the stream side of replication. */
typedef struct {
    int used;
    char id[CONFIG_NAME_MAX]; /* its routing id, which is its node name */
    size_t idlen;
    uint64_t session;
    uint32_t want;                    /* bit o: stream origin o's records */
    uint64_t next[MM_MAX_NODES + 1];  /* next seq to send, per origin */
    uint64_t acked[MM_MAX_NODES + 1]; /* follower has applied up to */
    uint16_t node;                    /* its node id, from its HELLO */
    int standby;   /* it said HELLO as a standby: its ACKs confirm writes */
    int caught_up; /* a standby that once had all our writes: only then
                      do writes wait for it (a standby still copying
                      would stall every write) */
    int64_t heard_ms, sent_ms, progress_ms;
} follower_t;

/* This node following one master: the receiving side. */
typedef struct {
    const config_node_t *src;
    void *sock;
    uint64_t session;
    uint32_t want;
    int up;    /* the current session has heard from the source */
    int stale; /* the source's epoch is older than ours: ignore it */
    int64_t heard_ms, hello_ms, ack_ms;
} link_t;

/*
 * A write's reply held until the standby confirms it (ack = standby): the
 * primary answers OK only once the standby has applied the write, or, after
 * ack_timeout_ms, "outcome unknown" (the write is committed here and may
 * or may not have reached the standby).
 */
typedef struct {
    zmq_msg_t id;
    uint64_t seq;
    int64_t deadline_ms;
    uint32_t len;
    uint8_t frame[WIRE_HEADER_SIZE];
} held_t;
#define HELD_MAX 16384 /* power of two */

/* A reply held until the batch it answers has committed. */
typedef struct {
    zmq_msg_t id;
    uint64_t seq; /* the write's seq; 0 for a non-write reply */
    uint32_t len;
    uint8_t frame[REPLY_FRAME_MAX];
} reply_t;

struct node {
    config_t cfg;
    const config_node_t *self;
    node_role_t role;
    hlc_t clock;
    store_t *store;
    void *ctx, *client, *peer;

    link_t links[MM_MAX_NODES];
    int nlinks;
    uint64_t next_session;

    follower_t followers[MAX_FOLLOWERS];
    backlog_slot_t *backlog;

    reply_t replies[CLIENT_BATCH];
    int nreplies;
    int batch_open;

    uint8_t *pack;   /* PACK_MAX + one frame: REC frames to send */
    uint8_t *vbuf;   /* MM_VALUE_MAX: values read for GET */
    uint8_t *bigbuf; /* WIRE_VALUE_MAX: DUMP pages, STATUS text */
    size_t biglen;

    /* Counters reported by STATUS. */
    uint64_t writes, reads, applied_remote, bad_requests;
    uint64_t conflicts, conflicts_concurrent;
    hist_t lag_us;

    /* Primary-standby (ack = standby): replies waiting for the standby. */
    held_t *held;
    uint64_t held_head, held_tail; /* ring indices; tail - head = count */
    uint64_t standby_acked;        /* own seq the standby has applied */
    uint64_t writes_unconfirmed;   /* answered "outcome unknown" */
    uint64_t writes_unprotected;   /* acknowledged with no standby */
    uint32_t pending_epoch;        /* a higher epoch seen mid-batch */
    int term_checked; /* a (re)started primary has listened for a newer
                         epoch: every source heard, or liveness passed */
    int64_t started_ms;

    /* Injected faults (FAULT command): a link filter per peer node. */
    uint32_t drop_in;  /* bit o: ignore everything node o sends us */
    uint32_t drop_out; /* bit o: send nothing to node o */
    int64_t delay_us[MM_MAX_NODES + 1]; /* hold our writes to node o */
};

void node_request_stop(void)
{
    s_stop = 1;
}

static uint32_t s_bit(uint16_t origin)
{
    return 1u << origin;
}

static const char *s_name_of(const node_t *n, uint16_t id)
{
    const config_node_t *c = config_node_by_id(&n->cfg, id);
    return c ? c->name : "?";
}

/* The nodes that can write and stream: masters, or primary and standbys.
 * Their ids are the origins a record can have. */
static uint32_t s_writer_mask(const node_t *n)
{
    uint32_t mask = 0;
    for (int i = 0; i < n->cfg.nnodes; i++)
        if (config_role_streams(n->cfg.nodes[i].role))
            mask |= s_bit(n->cfg.nodes[i].id);
    return mask;
}

/* Whether this node takes client writes now. */
static int s_writable(const node_t *n)
{
    return n->role == ROLE_MASTER || n->role == ROLE_PRIMARY;
}

/* Whether a write must wait for the standby before it is acknowledged:
 * ack = standby, this node is the primary, and a standby is attached. */
static int s_sync_standby(const node_t *n)
{
    if (n->cfg.ack != ACK_STANDBY || n->role != ROLE_PRIMARY)
        return 0;
    for (int i = 0; i < MAX_FOLLOWERS; i++)
        if (n->followers[i].used && n->followers[i].standby &&
            n->followers[i].caught_up)
            return 1;
    return 0;
}

static void s_adopt_epoch(node_t *n, uint32_t epoch);
static int s_demote(node_t *n, uint32_t epoch);

/* ---- Conflict log ---------------------------------------------------- */

/* The one place a lost write is reported: one log line per conflict. */
static void s_note_conflict(node_t *n, const uint8_t *key, size_t klen,
                            const record_t *rec, const store_outcome_t *o,
                            const char *via)
{
    if (!o->verdict.conflict)
        return;
    n->conflicts++;
    if (o->verdict.concurrent)
        n->conflicts_concurrent++;
    char k[96];
    log_escape(key, klen, k, sizeof k);
    mm_stamp_t ws = o->verdict.incoming_wins ? rec->stamp : o->other_stamp;
    uint16_t wo = o->verdict.incoming_wins ? rec->origin : o->other_origin;
    mm_stamp_t ls = o->verdict.incoming_wins ? o->other_stamp : rec->stamp;
    uint16_t lo = o->verdict.incoming_wins ? o->other_origin : rec->origin;
    log_event(LOG_INFO, "conflict",
              "key=%s winner=%llu.%u@%s loser=%llu.%u@%s concurrent=%d "
              "via=%s",
              k, (unsigned long long)hlc_ms(ws), hlc_logical(ws),
              s_name_of(n, wo), (unsigned long long)hlc_ms(ls), hlc_logical(ls),
              s_name_of(n, lo), o->verdict.concurrent, via);
}

/* ---- Client requests ------------------------------------------------- */

static void s_reply_now(node_t *n, zmq_msg_t *id, const wire_msg_t *m)
{
    int rc = tp_send_to(n->client, zmq_msg_data(id), zmq_msg_size(id), m,
                        ZMQ_DONTWAIT);
    if (rc < 0 && rc != -EAGAIN && rc != -EHOSTUNREACH)
        log_event(LOG_WARN, "reply_failed", "error=\"%s\"", mm_strerror(rc));
}

/* Queues a small reply to send after the batch commits; takes over id. */
static void s_reply_later(node_t *n, zmq_msg_t *id, const wire_msg_t *m,
                          uint64_t seq)
{
    reply_t *r = &n->replies[n->nreplies++];
    zmq_msg_init(&r->id);
    zmq_msg_move(&r->id, id);
    r->seq = seq;
    int len = wire_encode(m, r->frame, sizeof r->frame);
    r->len = len < 0 ? 0 : (uint32_t)len;
}

static wire_msg_t s_error_msg(const node_t *n, uint64_t reqid, int code,
                              const char *text)
{
    wire_msg_t e = {0};
    e.cmd = WIRE_ERROR;
    e.origin = n->self->id;
    e.epoch = store_epoch(n->store);
    e.reqid = reqid;
    e.seq = (uint64_t)(code < 0 ? -code : code);
    e.value = (const uint8_t *)text;
    e.vlen = (uint32_t)strlen(text);
    return e;
}

/* Errors join the reply queue when a batch is open, so that every client
 * still gets its replies in the order it sent the requests. */
static void s_reply_error(node_t *n, zmq_msg_t *id, uint64_t reqid, int code,
                          const char *text)
{
    wire_msg_t e = s_error_msg(n, reqid, code, text);
    if (n->nreplies > 0)
        s_reply_later(n, id, &e, 0);
    else
        s_reply_now(n, id, &e);
    n->bad_requests++;
}

/*
 * Answers held writes the standby has confirmed, and those it did not
 * confirm in time with "outcome unknown" (MM_ERR_TIMEOUT): they are
 * committed here and may or may not be on the standby, so the client must
 * not count them as either done or failed.
 */
static void s_release_held(node_t *n)
{
    int64_t now = tp_now_ms();
    while (n->held_head != n->held_tail) {
        held_t *h = &n->held[n->held_head & (HELD_MAX - 1)];
        if (h->seq > n->standby_acked && h->deadline_ms > now)
            break;
        if (h->seq > n->standby_acked) {
            wire_msg_t old, e;
            char text[96];
            snprintf(text, sizeof text,
                     "the standby did not confirm the write within %d ms: "
                     "outcome unknown",
                     n->cfg.ack_timeout_ms);
            e = s_error_msg(n, 0, MM_ERR_TIMEOUT, text);
            if (wire_decode(h->frame, h->len, &old) == 0)
                e.reqid = old.reqid;
            tp_send_to(n->client, zmq_msg_data(&h->id), zmq_msg_size(&h->id),
                       &e, ZMQ_DONTWAIT);
            n->writes_unconfirmed++;
        } else if (h->len) {
            tp_send_raw_to(n->client, zmq_msg_data(&h->id),
                           zmq_msg_size(&h->id), h->frame, h->len,
                           ZMQ_DONTWAIT);
        }
        zmq_msg_close(&h->id);
        n->held_head++;
    }
}

/* Commits the open batch, then sends every queued reply in order. */
static void s_flush(node_t *n)
{
    int rc = 0;
    int sync = s_sync_standby(n);
    if (n->batch_open) {
        rc = store_commit(n->store);
        n->batch_open = 0;
        if (rc < 0)
            log_event(LOG_ERROR, "commit_failed", "error=\"%s\"",
                      mm_strerror(rc));
    }
    int64_t now = tp_now_us();
    for (int i = 0; i < n->nreplies; i++) {
        reply_t *r = &n->replies[i];
        if (r->seq && rc == 0) {
            backlog_slot_t *b = &n->backlog[r->seq & (BACKLOG_SLOTS - 1)];
            if (b->seq == r->seq)
                b->commit_us = now;
        }
        if (r->seq && rc < 0) {
            /* The batch did not commit: the write did not happen. */
            wire_msg_t e = s_error_msg(n, 0, rc, "commit failed");
            wire_msg_t old;
            if (wire_decode(r->frame, r->len, &old) == 0)
                e.reqid = old.reqid;
            int len = wire_encode(&e, r->frame, sizeof r->frame);
            r->len = len < 0 ? 0 : (uint32_t)len;
        }
        if (r->seq && rc == 0 && sync) {
            /* ack = standby: answer once the standby has it. */
            held_t *h = &n->held[n->held_tail++ & (HELD_MAX - 1)];
            zmq_msg_init(&h->id);
            zmq_msg_move(&h->id, &r->id);
            h->seq = r->seq;
            h->deadline_ms = now / 1000 + n->cfg.ack_timeout_ms;
            h->len = r->len <= sizeof h->frame ? r->len : 0;
            memcpy(h->frame, r->frame, h->len);
            zmq_msg_close(&r->id);
            continue;
        }
        if (r->seq && rc == 0 && n->role == ROLE_PRIMARY &&
            n->cfg.ack == ACK_STANDBY)
            n->writes_unprotected++; /* no standby attached */
        if (r->len)
            tp_send_raw_to(n->client, zmq_msg_data(&r->id),
                           zmq_msg_size(&r->id), r->frame, r->len,
                           ZMQ_DONTWAIT);
        zmq_msg_close(&r->id);
    }
    n->nreplies = 0;
    s_release_held(n);
}

/* The REC frame of (key, rec) for a follower's session; borrows key and
 * the value. */
static wire_msg_t s_rec_msg(const node_t *n, const uint8_t *key, size_t klen,
                            const record_t *rec, uint64_t session)
{
    wire_msg_t m = {0};
    m.cmd = WIRE_REC;
    m.flags = record_is_tombstone(rec) ? WIRE_F_TOMBSTONE : 0;
    m.origin = rec->origin;
    m.prev_origin = rec->prev_origin;
    m.epoch = store_epoch(n->store);
    m.seq = rec->seq;
    m.stamp = rec->stamp;
    m.prev_stamp = rec->prev_stamp;
    m.reqid = session;
    m.key = key;
    m.klen = (uint32_t)klen;
    m.value = rec->value;
    m.vlen = rec->vlen;
    return m;
}

/* Keeps the encoded REC frame of an own write for streaming. */
static void s_backlog_put(node_t *n, const uint8_t *key, size_t klen,
                          const record_t *rec)
{
    backlog_slot_t *b = &n->backlog[rec->seq & (BACKLOG_SLOTS - 1)];
    wire_msg_t m = s_rec_msg(n, key, klen, rec, 0);
    int len = wire_encode(&m, b->frame, sizeof b->frame);
    /* A frame too big for a slot is streamed from the log instead. */
    b->seq = len < 0 ? 0 : rec->seq;
    b->len = len < 0 ? 0 : (uint32_t)len;
    b->commit_us = 0;
}

static void s_client_write(node_t *n, zmq_msg_t *id, const wire_msg_t *m)
{
    if (!s_writable(n)) {
        char msg[160];
        snprintf(msg, sizeof msg,
                 "read-only: %s is a %s and takes no writes; send writes to "
                 "%s",
                 n->self->name, config_role_name(n->role),
                 n->role == ROLE_STANDBY ? "the primary" : "a writer");
        s_reply_error(n, id, m->reqid, MM_ERR_READONLY, msg);
        return;
    }
    if (n->held_tail - n->held_head >= HELD_MAX - CLIENT_BATCH) {
        /* The standby is far behind and writes waiting for it fill the
         * held queue: refuse new writes (not applied) but keep serving
         * reads and STATUS, so nobody mistakes this node for a dead one. */
        s_reply_error(n, id, m->reqid, MM_ERR_STATE,
                      "busy: too many writes waiting for the standby; not "
                      "applied, try again");
        return;
    }
    if (n->role == ROLE_PRIMARY && !n->term_checked) {
        s_reply_error(n, id, m->reqid, MM_ERR_STATE,
                      "just started: checking that no newer primary exists; "
                      "not applied, try again");
        return;
    }
    if (m->epoch && m->epoch != store_epoch(n->store)) {
        /* Epoch 0 means "any" (mmctl, mm-load). A coordinator sends its
         * epoch: an older one is a stale client, a newer one means this
         * node has been replaced and must not write. */
        char msg[160];
        snprintf(msg, sizeof msg, "epoch %u refused: %s is at epoch %u (%s)",
                 m->epoch, n->self->name, store_epoch(n->store),
                 m->epoch < store_epoch(n->store) ? "stale request"
                                                  : "this node was replaced");
        s_reply_error(n, id, m->reqid, MM_ERR_STATE, msg);
        return;
    }
    if (m->klen == 0) {
        s_reply_error(n, id, m->reqid, MM_ERR_CORRUPT, "empty key");
        return;
    }
    if (m->vlen > MM_VALUE_MAX) {
        s_reply_error(n, id, m->reqid, MM_ERR_TOOBIG, "value too large");
        return;
    }
    if (!n->batch_open) {
        int rc = store_begin(n->store);
        if (rc < 0) {
            s_reply_error(n, id, m->reqid, rc, mm_strerror(rc));
            return;
        }
        n->batch_open = 1;
    }
    /* The stamp is above every stamp this node has seen (HLC mode): the
     * clock observed every replicated write, and at start-up the newest
     * write of every origin in the store (s_observe_store). */
    record_t rec = {0};
    rec.flags = m->cmd == WIRE_DEL ? RECORD_TOMBSTONE : 0;
    rec.origin = n->self->id;
    rec.stamp = hlc_now(&n->clock, hlc_wall_ms());
    rec.seq = store_next_seq(n->store, n->self->id);
    rec.value = m->cmd == WIRE_DEL ? NULL : m->value;
    rec.vlen = m->cmd == WIRE_DEL ? 0 : m->vlen;

    store_outcome_t out;
    int found = store_apply_local(n->store, m->key, m->klen, &rec, &out);
    if (found < 0)
        goto fail_store;
    s_note_conflict(n, m->key, m->klen, &rec, &out, "local");
    s_backlog_put(n, m->key, m->klen, &rec);
    n->writes++;

    wire_msg_t ok = {0};
    ok.cmd = WIRE_OK;
    ok.flags = rec.flags ? WIRE_F_TOMBSTONE : 0;
    ok.origin = rec.origin;
    ok.epoch = store_epoch(n->store);
    ok.seq = rec.seq;
    ok.stamp = rec.stamp;
    ok.prev_origin = rec.prev_origin;
    ok.prev_stamp = rec.prev_stamp;
    ok.reqid = m->reqid;
    s_reply_later(n, id, &ok, rec.seq);
    return;

fail_store:
    /* The whole batch is lost with its transaction: fail what it held. */
    log_event(LOG_ERROR, "write_failed", "error=\"%s\"", mm_strerror(found));
    store_abort(n->store);
    n->batch_open = 0;
    for (int i = 0; i < n->nreplies; i++) {
        reply_t *r = &n->replies[i];
        if (!r->seq)
            continue;
        wire_msg_t old_reply;
        uint64_t reqid = 0;
        if (wire_decode(r->frame, r->len, &old_reply) == 0)
            reqid = old_reply.reqid;
        wire_msg_t e = s_error_msg(n, reqid, found, mm_strerror(found));
        int len = wire_encode(&e, r->frame, sizeof r->frame);
        r->len = len < 0 ? 0 : (uint32_t)len;
        r->seq = 0;
    }
    s_reply_error(n, id, m->reqid, found, mm_strerror(found));
}

static void s_client_get(node_t *n, zmq_msg_t *id, const wire_msg_t *m)
{
    record_t rec;
    int found =
        store_get(n->store, m->key, m->klen, &rec, n->vbuf, MM_VALUE_MAX);
    if (found < 0) {
        s_reply_error(n, id, m->reqid, found, mm_strerror(found));
        return;
    }
    n->reads++;
    wire_msg_t r = {0};
    r.origin = n->self->id;
    r.epoch = store_epoch(n->store);
    r.reqid = m->reqid;
    r.key = m->key;
    r.klen = m->klen;
    if (!found || record_is_tombstone(&rec)) {
        r.cmd = WIRE_NOTFOUND;
        r.origin = 0; /* set below if a tombstone answers */
    } else {
        r.cmd = WIRE_VALUE;
        r.value = rec.value;
        r.vlen = rec.vlen;
    }
    if (found) {
        /* Even a miss carries the tombstone's identity: a checker can tell
         * "deleted by write X" from "never written". */
        r.flags = record_is_tombstone(&rec) ? WIRE_F_TOMBSTONE : 0;
        r.origin = rec.origin;
        r.seq = rec.seq;
        r.stamp = rec.stamp;
        r.prev_origin = rec.prev_origin;
        r.prev_stamp = rec.prev_stamp;
    }
    s_reply_now(n, id, &r);
}

typedef struct {
    node_t *n;
    size_t count;
    int full;
    const uint8_t *last_key;
    size_t last_klen;
    uint8_t last[MM_KEY_MAX];
} dump_ctx_t;

static int s_dump_visit(void *arg, const uint8_t *key, size_t klen,
                        const record_t *rec)
{
    dump_ctx_t *d = arg;
    node_t *n = d->n;
    size_t need = 4 + log_entry_size(klen, rec);
    if (n->biglen + need > WIRE_VALUE_MAX) {
        d->full = 1;
        return 1;
    }
    int len = log_entry_encode(key, klen, rec, n->bigbuf + n->biglen + 4,
                               WIRE_VALUE_MAX - n->biglen - 4);
    if (len < 0) {
        d->full = 1;
        return 1;
    }
    bytes_put32(n->bigbuf + n->biglen, (uint32_t)len);
    n->biglen += 4 + (size_t)len;
    memcpy(d->last, key, klen);
    d->last_klen = klen;
    d->count++;
    return 0;
}

static void s_client_dump(node_t *n, zmq_msg_t *id, const wire_msg_t *m)
{
    dump_ctx_t *d = calloc(1, sizeof *d);
    if (!d) {
        s_reply_error(n, id, m->reqid, -ENOMEM, "out of memory");
        return;
    }
    d->n = n;
    n->biglen = 0;
    int rc =
        store_scan(n->store, m->key, m->klen, DUMP_PAGE_KEYS, s_dump_visit, d);
    if (rc < 0) {
        s_reply_error(n, id, m->reqid, rc, mm_strerror(rc));
        free(d);
        return;
    }
    wire_msg_t r = {0};
    r.cmd = WIRE_DUMP_REPLY;
    r.origin = n->self->id;
    r.epoch = store_epoch(n->store);
    r.reqid = m->reqid;
    r.flags = (d->full || d->count == DUMP_PAGE_KEYS) ? WIRE_F_MORE : 0;
    r.key = d->last;
    r.klen = (uint32_t)d->last_klen;
    r.value = n->bigbuf;
    r.vlen = (uint32_t)n->biglen;
    r.seq = d->count;
    s_reply_now(n, id, &r);
    free(d);
}

/* Appends printf output to the STATUS text in bigbuf. */
__attribute__((format(printf, 2, 3))) static void
s_status_line(node_t *n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    size_t room = WIRE_VALUE_MAX - n->biglen;
    int k = vsnprintf((char *)n->bigbuf + n->biglen, room, fmt, ap);
    va_end(ap);
    if (k > 0 && (size_t)k < room)
        n->biglen += (size_t)k;
}

static void s_status_vector(node_t *n, const char *label, const uint64_t *vec,
                            uint32_t mask)
{
    s_status_line(n, "%s=", label);
    const char *sep = "";
    for (uint16_t o = 1; o <= MM_MAX_NODES; o++) {
        if (!(mask & s_bit(o)))
            continue;
        s_status_line(n, "%s%s:%llu", sep, s_name_of(n, o),
                      (unsigned long long)vec[o]);
        sep = ",";
    }
    s_status_line(n, "\n");
}

static void s_client_status(node_t *n, zmq_msg_t *id, const wire_msg_t *m)
{
    int64_t now = tp_now_ms();
    uint64_t applied[MM_MAX_NODES + 1] = {0};
    uint32_t masters = s_writer_mask(n);
    for (uint16_t o = 1; o <= MM_MAX_NODES; o++)
        applied[o] = store_applied(n->store, o);
    n->biglen = 0;
    s_status_line(n, "node=%s\nid=%u\nrole=%s\nepoch=%u\ncluster=%s\n",
                  n->self->name, n->self->id, config_role_name(n->role),
                  store_epoch(n->store), n->cfg.name);
    s_status_line(n, "clock=%s\nclock_offset_ms=%lld\ndurability=%s\n",
                  hlc_mode_name(n->clock.mode), (long long)n->clock.offset_ms,
                  n->cfg.durability == STORE_SYNC ? "sync" : "nosync");
    s_status_vector(n, "applied", applied, masters);
    s_status_line(n,
                  "writes=%llu\nreads=%llu\napplied_remote=%llu\n"
                  "conflicts=%llu\nconflicts_concurrent=%llu\n"
                  "bad_requests=%llu\n",
                  (unsigned long long)n->writes, (unsigned long long)n->reads,
                  (unsigned long long)n->applied_remote,
                  (unsigned long long)n->conflicts,
                  (unsigned long long)n->conflicts_concurrent,
                  (unsigned long long)n->bad_requests);
    for (int i = 0; i < n->nlinks; i++) {
        link_t *l = &n->links[i];
        s_status_line(n, "source.%s=%s heard_ms_ago=%lld applied=%llu\n",
                      l->src->name, l->up ? "up" : "down",
                      (long long)(now - l->heard_ms),
                      (unsigned long long)applied[l->src->id]);
    }
    for (int i = 0; i < MAX_FOLLOWERS; i++) {
        follower_t *f = &n->followers[i];
        if (!f->used)
            continue;
        uint64_t behind = 0;
        for (uint16_t o = 1; o <= MM_MAX_NODES; o++)
            if ((f->want & s_bit(o)) && applied[o] > f->acked[o])
                behind += applied[o] - f->acked[o];
        s_status_line(
            n,
            "follower.%.*s=acked:%llu lag_records=%llu "
            "heard_ms_ago=%lld\n",
            (int)f->idlen, f->id, (unsigned long long)f->acked[n->self->id],
            (unsigned long long)behind, (long long)(now - f->heard_ms));
    }
    s_status_line(n, "faults=");
    const char *sep = "";
    for (uint16_t o = 1; o <= MM_MAX_NODES; o++) {
        const char *dir = (n->drop_in & n->drop_out & s_bit(o)) ? "both"
                          : (n->drop_in & s_bit(o))             ? "in"
                          : (n->drop_out & s_bit(o))            ? "out"
                                                                : NULL;
        if (dir) {
            s_status_line(n, "%sdrop:%s:%s", sep, s_name_of(n, o), dir);
            sep = ",";
        }
        if (n->delay_us[o]) {
            s_status_line(n, "%sdelay:%s:%lldms", sep, s_name_of(n, o),
                          (long long)(n->delay_us[o] / 1000));
            sep = ",";
        }
    }
    s_status_line(n, "\n");
    if (n->role == ROLE_PRIMARY || n->role == ROLE_STANDBY)
        s_status_line(n,
                      "ack=%s\nsync_standby=%s\nstandby_acked=%llu\n"
                      "held=%llu\nwrites_unconfirmed=%llu\n"
                      "writes_unprotected=%llu\n",
                      n->cfg.ack == ACK_STANDBY ? "standby" : "none",
                      s_sync_standby(n) ? "yes" : "no",
                      (unsigned long long)n->standby_acked,
                      (unsigned long long)(n->held_tail - n->held_head),
                      (unsigned long long)n->writes_unconfirmed,
                      (unsigned long long)n->writes_unprotected);
    s_status_line(n, "lag_samples=%llu\nlag_p50_us=%llu\nlag_p99_us=%llu\n",
                  (unsigned long long)n->lag_us.count,
                  (unsigned long long)hist_quantile(&n->lag_us, 0.50),
                  (unsigned long long)hist_quantile(&n->lag_us, 0.99));
    wire_msg_t r = {0};
    r.cmd = WIRE_STATUS_REPLY;
    r.origin = n->self->id;
    r.epoch = store_epoch(n->store);
    r.reqid = m->reqid;
    r.value = n->bigbuf;
    r.vlen = (uint32_t)n->biglen;
    s_reply_now(n, id, &r);
}

/* A bare OK, for commands that change state and return nothing. */
static void s_reply_ok(node_t *n, zmq_msg_t *id, uint64_t reqid)
{
    wire_msg_t r = {0};
    r.cmd = WIRE_OK;
    r.origin = n->self->id;
    r.epoch = store_epoch(n->store);
    r.reqid = reqid;
    s_reply_now(n, id, &r);
}

/*
 * Fault injection, so experiments need no root (tc and iptables are not
 * available): the node filters its own replication traffic.
 *
 *     drop PEER in|out|both   ignore what PEER sends us / send PEER nothing
 *     delay PEER MS           stream our writes to PEER only MS after commit
 *     clock OFFSET_MS         skew this node's clock (+ahead, -behind)
 *     heal                    clear every drop and delay (not the clock)
 *
 * Client traffic is never filtered: a partition cuts nodes from each other,
 * not from their clients.
 */
static int s_fault(node_t *n, const wire_msg_t *m, char *msg, size_t cap)
{
    char verb[16], args[128], peer[CONFIG_NAME_MAX], dir[8];
    snprintf(verb, sizeof verb, "%.*s", (int)(m->klen < 15 ? m->klen : 15),
             (const char *)m->key);
    snprintf(args, sizeof args, "%.*s", (int)(m->vlen < 127 ? m->vlen : 127),
             (const char *)m->value);
    long long num;
    char extra;
    if (!strcmp(verb, "heal")) {
        n->drop_in = n->drop_out = 0;
        memset(n->delay_us, 0, sizeof n->delay_us);
    } else if (!strcmp(verb, "clock") &&
               sscanf(args, "%lld %c", &num, &extra) == 1 && num >= -86400000 &&
               num <= 86400000) {
        hlc_set_offset(&n->clock, (int64_t)num);
    } else if (!strcmp(verb, "drop") &&
               sscanf(args, "%31s %7s %c", peer, dir, &extra) == 2) {
        const config_node_t *p = config_node(&n->cfg, peer);
        int in = !strcmp(dir, "in") || !strcmp(dir, "both");
        int out = !strcmp(dir, "out") || !strcmp(dir, "both");
        if (!p || p == n->self || (!in && !out)) {
            snprintf(msg, cap,
                     "drop needs another node's name and in, out "
                     "or both");
            return MM_ERR_PROTO;
        }
        n->drop_in |= in ? s_bit(p->id) : 0;
        n->drop_out |= out ? s_bit(p->id) : 0;
    } else if (!strcmp(verb, "delay") &&
               sscanf(args, "%31s %lld %c", peer, &num, &extra) == 2) {
        const config_node_t *p = config_node(&n->cfg, peer);
        if (!p || p == n->self || num < 0 || num > 600000) {
            snprintf(msg, cap,
                     "delay needs another node's name and 0..600000 "
                     "ms");
            return MM_ERR_PROTO;
        }
        n->delay_us[p->id] = num * 1000;
    } else {
        int known = !strcmp(verb, "clock") || !strcmp(verb, "drop") ||
                    !strcmp(verb, "delay");
        snprintf(msg, cap,
                 "%s '%.20s'; use drop PEER in|out|both, delay PEER MS, "
                 "clock OFFSET_MS (within a day) or heal",
                 known ? "bad arguments to" : "unknown fault", verb);
        return MM_ERR_PROTO;
    }
    log_event(LOG_INFO, "fault", "verb=%s args=\"%s\"", verb, args);
    snprintf(msg, cap, "ok");
    return 0;
}

static void s_client_fault(node_t *n, zmq_msg_t *id, const wire_msg_t *m)
{
    char msg[256];
    int rc = s_fault(n, m, msg, sizeof msg);
    if (rc < 0) {
        s_reply_error(n, id, m->reqid, rc, msg);
        return;
    }
    s_reply_ok(n, id, m->reqid);
}

/*
 * PROMOTE and DEMOTE, sent by the coordinator (docs/coordinator.md). The
 * epoch numbers the primaries of a cluster: promoting a standby starts a
 * new epoch, and a node that learns of a newer epoch than its own while it
 * is the primary knows it was replaced.
 */
static void s_client_term(node_t *n, zmq_msg_t *id, const wire_msg_t *m)
{
    uint32_t epoch = store_epoch(n->store);
    char msg[192] = "";
    int rc = 0;
    if (n->role == ROLE_MASTER || n->role == ROLE_REPLICA) {
        snprintf(msg, sizeof msg,
                 "%s is a %s: promotion is for primary-standby clusters",
                 n->self->name, config_role_name(n->role));
        rc = MM_ERR_STATE;
    } else if (m->cmd == WIRE_PROMOTE) {
        if (n->role == ROLE_PRIMARY && m->epoch == epoch) {
            /* Already done: a retried PROMOTE is harmless. */
        } else if (n->role != ROLE_STANDBY || m->epoch <= epoch) {
            snprintf(msg, sizeof msg,
                     "cannot promote %s (a %s at epoch %u) to epoch %u: only "
                     "a standby, to a newer epoch",
                     n->self->name, config_role_name(n->role), epoch, m->epoch);
            rc = MM_ERR_STATE;
        } else {
            rc = store_set_term(n->store, m->epoch, ROLE_PRIMARY);
            if (rc == 0) {
                n->role = ROLE_PRIMARY;
                n->standby_acked = 0;
                log_event(
                    LOG_INFO, "promoted", "epoch=%u old_epoch=%u own_seq=%llu",
                    m->epoch, epoch,
                    (unsigned long long)store_applied(n->store, n->self->id));
            }
        }
    } else if (m->epoch < epoch ||
               (m->epoch == epoch && n->role == ROLE_PRIMARY)) {
        snprintf(msg, sizeof msg,
                 "cannot demote %s (a %s at epoch %u) with epoch %u: the "
                 "epoch must be newer",
                 n->self->name, config_role_name(n->role), epoch, m->epoch);
        rc = MM_ERR_STATE;
    } else if (n->role == ROLE_PRIMARY) {
        rc = s_demote(n, m->epoch);
    } else {
        /* A standby learns epochs from its primary's stream; taking one
         * from a command would make the real primary (which hears the
         * standby's newer epoch) demote itself. */
        snprintf(msg, sizeof msg,
                 "%s is already a standby; DEMOTE is for a replaced "
                 "primary",
                 n->self->name);
        rc = MM_ERR_STATE;
    }
    if (rc < 0) {
        s_reply_error(n, id, m->reqid, rc, msg[0] ? msg : mm_strerror(rc));
        return;
    }
    s_reply_ok(n, id, m->reqid);
}

static void s_serve_clients(node_t *n)
{
    for (int i = 0; i < CLIENT_BATCH; i++) {
        zmq_msg_t id, body;
        zmq_msg_init(&id);
        zmq_msg_init(&body);
        int more = 0;
        size_t ml = sizeof more;
        if (tp_recv(n->client, &id, ZMQ_DONTWAIT) < 0)
            goto next_batch;
        zmq_getsockopt(n->client, ZMQ_RCVMORE, &more, &ml);
        if (!more)
            goto skip; /* a ROUTER always gives [id][body]; be safe */
        int len = tp_recv(n->client, &body, 0);
        tp_drain_more(n->client);
        wire_msg_t m;
        int rc = len < 0 ? len : wire_decode(zmq_msg_data(&body), len, &m);
        if (rc < 0) {
            char msg[128];
            snprintf(msg, sizeof msg, "malformed frame (%d bytes): %s", len,
                     mm_strerror(rc));
            /* Echo the request id if the frame is long enough to hold one,
             * so the client can match the error to its request. */
            uint64_t reqid =
                len >= WIRE_OFF_REQID + 8
                    ? bytes_get64((const uint8_t *)zmq_msg_data(&body) +
                                  WIRE_OFF_REQID)
                    : 0;
            s_reply_error(n, &id, reqid, rc, msg);
            goto skip;
        }
        switch (m.cmd) {
        case WIRE_PUT:
        case WIRE_DEL:
            s_client_write(n, &id, &m);
            break;
        case WIRE_GET:
            s_flush(n); /* reads see committed data only, in order */
            s_client_get(n, &id, &m);
            break;
        case WIRE_DUMP:
            s_flush(n);
            s_client_dump(n, &id, &m);
            break;
        case WIRE_STATUS:
            s_flush(n);
            s_client_status(n, &id, &m);
            break;
        case WIRE_FAULT:
            s_flush(n);
            s_client_fault(n, &id, &m);
            break;
        case WIRE_PROMOTE:
        case WIRE_DEMOTE:
            s_flush(n);
            s_client_term(n, &id, &m);
            break;
        case WIRE_PING: {
            s_flush(n);
            wire_msg_t p = {0};
            p.cmd = WIRE_PONG;
            p.origin = n->self->id;
            p.epoch = store_epoch(n->store);
            p.reqid = m.reqid;
            s_reply_now(n, &id, &p);
            break;
        }
        default: {
            char msg[96];
            snprintf(msg, sizeof msg, "unknown command %u (%s)", m.cmd,
                     wire_cmd_name(m.cmd));
            s_reply_error(n, &id, m.reqid, MM_ERR_UNKNOWN, msg);
        }
        }
    skip:
        zmq_msg_close(&id);
        zmq_msg_close(&body);
        continue;
    next_batch:
        zmq_msg_close(&id);
        zmq_msg_close(&body);
        break;
    }
    s_flush(n);
}

/* ---- Stream side: this master's followers ---------------------------- */

static follower_t *s_follower_find(node_t *n, const void *id, size_t idlen)
{
    for (int i = 0; i < MAX_FOLLOWERS; i++) {
        follower_t *f = &n->followers[i];
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
        if ((f->want & s_bit(o)) && next[o] > f->acked[o] + 1)
            total += next[o] - 1 - f->acked[o];
    return total;
}

static void s_peer_send(node_t *n, follower_t *f, wire_msg_t *m)
{
    m->origin = m->cmd == WIRE_REC ? m->origin : n->self->id;
    m->epoch = store_epoch(n->store);
    m->reqid = f->session;
    if (tp_send_to(n->peer, f->id, f->idlen, m, ZMQ_DONTWAIT) == 0)
        f->sent_ms = tp_now_ms();
}

static void s_on_hello(node_t *n, const void *id, size_t idlen,
                       const wire_msg_t *m)
{
    uint64_t vec[MM_MAX_NODES + 1] = {0};
    uint32_t mask = 0;
    if (idlen == 0 || idlen >= CONFIG_NAME_MAX ||
        wire_vec_decode(m->value, m->vlen, vec, &mask) < 0) {
        log_event(LOG_WARN, "bad_hello", "idlen=%zu vlen=%u", idlen, m->vlen);
        return;
    }
    follower_t *f = s_follower_find(n, id, idlen);
    for (int i = 0; !f && i < MAX_FOLLOWERS; i++)
        if (!n->followers[i].used)
            f = &n->followers[i];
    if (!f) {
        log_event(LOG_WARN, "too_many_followers", "max=%d", MAX_FOLLOWERS);
        return;
    }
    memset(f, 0, sizeof *f);
    f->used = 1;
    memcpy(f->id, id, idlen);
    f->idlen = idlen;
    f->session = m->reqid;
    f->node = m->origin;
    f->standby = (m->flags & WIRE_F_STANDBY) != 0;
    f->want = mask & s_writer_mask(n);
    for (uint16_t o = 1; o <= MM_MAX_NODES; o++) {
        f->acked[o] = vec[o];
        f->next[o] = vec[o] + 1;
    }
    f->heard_ms = f->progress_ms = tp_now_ms();
    if (f->standby) {
        /* What the standby already holds counts as confirmed. */
        if (vec[n->self->id] > n->standby_acked)
            n->standby_acked = vec[n->self->id];
        f->caught_up = vec[n->self->id] >= store_applied(n->store, n->self->id);
    }
    log_event(LOG_INFO, "follower_hello",
              "follower=%.*s session=%llu from_seq=%llu", (int)idlen,
              (const char *)id, (unsigned long long)f->session,
              (unsigned long long)f->next[n->self->id]);
}

static void s_on_ack(node_t *n, const void *id, size_t idlen,
                     const wire_msg_t *m)
{
    follower_t *f = s_follower_find(n, id, idlen);
    if (!f || f->session != m->reqid) {
        /* A follower we do not know (we restarted, or dropped it as
         * silent): ask it to start a new session. */
        if (n->drop_out & s_bit(m->origin))
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
    for (uint16_t o = 1; o <= MM_MAX_NODES; o++) {
        if (!(mask & s_bit(o)) || vec[o] <= f->acked[o])
            continue;
        f->acked[o] = vec[o];
        f->progress_ms = now_ms;
        if (f->next[o] <= vec[o])
            f->next[o] = vec[o] + 1;
        if (o == n->self->id) {
            backlog_slot_t *b = &n->backlog[vec[o] & (BACKLOG_SLOTS - 1)];
            if (b->seq == vec[o] && b->commit_us)
                hist_add(&n->lag_us, (uint64_t)(tp_now_us() - b->commit_us));
            if (f->standby && vec[o] > n->standby_acked) {
                n->standby_acked = vec[o];
                s_release_held(n);
            }
            if (f->standby && !f->caught_up &&
                vec[o] >= store_applied(n->store, n->self->id)) {
                f->caught_up = 1;
                log_event(LOG_INFO, "standby_caught_up",
                          "standby=%.*s seq=%llu", (int)f->idlen, f->id,
                          (unsigned long long)vec[o]);
            }
        }
    }
}

static void s_serve_peers(node_t *n)
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
                if (n->drop_in & s_bit(m.origin))
                    ; /* an injected partition: as if it never arrived */
                else if (m.cmd == WIRE_HELLO)
                    s_on_hello(n, zmq_msg_data(&id), zmq_msg_size(&id), &m);
                else if (m.cmd == WIRE_ACK)
                    s_on_ack(n, zmq_msg_data(&id), zmq_msg_size(&id), &m);
                else
                    log_event(LOG_WARN, "unexpected_peer_message", "cmd=%s",
                              wire_cmd_name(m.cmd));
            } else {
                log_event(LOG_WARN, "bad_peer_frame", "len=%d", len);
            }
        }
        zmq_msg_close(&id);
        zmq_msg_close(&body);
        if (stop)
            break;
    }
}

/*
 * A pack: REC frames for one follower, back to back in n->pack, sent as
 * one message part. next[] is where the follower's stream will stand once
 * the pack is sent; f->next only moves when a send succeeds, so a pack
 * that cannot be sent (the follower's queue is full) is simply rebuilt on
 * the next pass.
 */
typedef struct {
    node_t *n;
    follower_t *f;
    uint64_t next[MM_MAX_NODES + 1];
    size_t len;
    uint16_t origin; /* the origin being scanned from the log */
    int added;       /* frames added by the current log scan */
    int blocked;     /* a send failed: stop for now */
} pack_t;

static int s_pack_flush(pack_t *p)
{
    if (p->len == 0)
        return 0;
    follower_t *f = p->f;
    if (tp_send_raw_to(p->n->peer, f->id, f->idlen, p->n->pack, p->len,
                       ZMQ_DONTWAIT) < 0) {
        p->blocked = 1;
        return -1;
    }
    memcpy(f->next, p->next, sizeof f->next);
    f->sent_ms = tp_now_ms();
    p->len = 0;
    return 0;
}

/* Makes room for a frame of len bytes, sending the pack if it is full.
 * Returns where to write the frame, or NULL if the send failed. */
static uint8_t *s_pack_room(pack_t *p, size_t len)
{
    if (p->len > 0 && p->len + len > PACK_MAX && s_pack_flush(p) < 0)
        return NULL;
    return p->n->pack + p->len; /* the buffer holds PACK_MAX + one frame */
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

/* Sends one follower what it lacks, within its window. Returns 1 if it
 * still has records waiting (so the loop should come back soon). */
static int s_pump_one(node_t *n, follower_t *f)
{
    if (n->drop_out & s_bit(f->node))
        return 0;
    uint64_t window = (uint64_t)n->cfg.window;
    int64_t delay = n->delay_us[f->node];
    pack_t p = {.n = n, .f = f};
    memcpy(p.next, f->next, sizeof p.next);
    int more = 0;
    for (uint16_t o = 1; o <= MM_MAX_NODES && !more; o++) {
        if (!(f->want & s_bit(o)))
            continue;
        uint64_t hi = store_applied(n->store, o);
        /* With ack = standby and a standby attached, other followers get a
         * write only once the standby has it: no replica holds a write a
         * promoted standby would lack. With no standby attached (degraded
         * mode, as right after a failover) replicas are fed at once, or
         * reads from them would stay stale until a standby returned. */
        if (o == n->self->id && !f->standby && hi > n->standby_acked &&
            s_sync_standby(n))
            hi = n->standby_acked;
        while (p.next[o] <= hi) {
            uint64_t inflight = s_unacked(f, p.next);
            if (inflight >= window)
                break; /* the ACKs will wake us */
            backlog_slot_t *b = &n->backlog[p.next[o] & (BACKLOG_SLOTS - 1)];
            if (o == n->self->id && b->seq == p.next[o]) {
                /* A slow link: hold each write until it is old enough. */
                if (delay && b->commit_us + delay > tp_now_us()) {
                    more = 1;
                    break;
                }
                if (s_pack_frame(&p, b->frame, b->len) < 0) {
                    more = 1;
                    break;
                }
                p.next[o]++;
                continue;
            }
            uint64_t room = window - inflight;
            size_t max = room < LOG_SCAN_CHUNK ? (size_t)room : LOG_SCAN_CHUNK;
            p.origin = o;
            p.added = 0;
            int rc =
                store_log_scan(n->store, o, p.next[o], max, s_pack_visit, &p);
            if (rc < 0 || p.blocked) {
                more = 1;
                break;
            }
            if (p.added == 0) {
                log_event(LOG_ERROR, "log_gap",
                          "origin=%s seq=%llu follower=%.*s", s_name_of(n, o),
                          (unsigned long long)p.next[o], (int)f->idlen, f->id);
                break;
            }
        }
    }
    if (!p.blocked && s_pack_flush(&p) < 0)
        more = 1;
    return more || p.blocked;
}

static int s_pump(node_t *n)
{
    int pending = 0;
    for (int i = 0; i < MAX_FOLLOWERS; i++)
        if (n->followers[i].used)
            pending |= s_pump_one(n, &n->followers[i]);
    return pending;
}

/* ---- Follow side: this node's sources -------------------------------- */

static void s_send_vector(node_t *n, link_t *l, int cmd, uint32_t mask)
{
    if (n->drop_out & s_bit(l->src->id))
        return; /* an injected partition */
    uint64_t vec[MM_MAX_NODES + 1] = {0};
    uint8_t buf[MM_MAX_NODES * WIRE_VEC_ENTRY];
    for (uint16_t o = 1; o <= MM_MAX_NODES; o++)
        vec[o] = store_applied(n->store, o);
    int len = wire_vec_encode(vec, mask, buf, sizeof buf);
    if (len < 0)
        return;
    wire_msg_t m = {0};
    m.cmd = (uint8_t)cmd;
    m.flags = n->role == ROLE_STANDBY ? WIRE_F_STANDBY : 0;
    m.origin = n->self->id;
    m.epoch = store_epoch(n->store);
    m.reqid = l->session;
    m.key = (const uint8_t *)n->self->name;
    m.klen = (uint32_t)strlen(n->self->name);
    m.value = buf;
    m.vlen = (uint32_t)len;
    tp_send(l->sock, &m, ZMQ_DONTWAIT);
}

static void s_hello(node_t *n, link_t *l)
{
    l->session = ++n->next_session;
    l->up = 0;
    l->hello_ms = tp_now_ms();
    s_send_vector(n, l, WIRE_HELLO, l->want);
}

static void s_ack(node_t *n, link_t *l)
{
    l->ack_ms = tp_now_ms();
    s_send_vector(n, l, WIRE_ACK, s_writer_mask(n));
}

/* Removes one file or directory (nftw callback for s_demote). */
static int s_rm(const char *path, const struct stat *st, int flag,
                struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static store_t *s_open_store(node_t *n, char *err, size_t errlen)
{
    char dir[CONFIG_PATH_MAX + CONFIG_NAME_MAX + 2];
    snprintf(dir, sizeof dir, "%s/%s", n->cfg.data_dir, n->self->name);
    /* A replica streams to nobody, so it keeps no replication log. */
    store_opts_t so = {dir, n->cfg.durability,
                       (size_t)n->cfg.cache_mb * 1024 * 1024,
                       n->self->role == ROLE_REPLICA};
    return store_open(&so, err, errlen);
}

static void s_update_wants(node_t *n);

/*
 * A primary that learns of a newer epoch was replaced while it was away.
 * Its store may hold writes it committed but nobody acknowledged (the
 * standby never confirmed them): the decision here is to throw the whole
 * store away and copy everything back from the new primary. That costs a
 * full copy, but no write that a client was told about is lost (the new
 * primary has all of them) and no unacknowledged write survives on one node
 * only. The node comes back as a standby of the new epoch.
 */
static int s_demote(node_t *n, uint32_t epoch)
{
    char err[256], dir[CONFIG_PATH_MAX + CONFIG_NAME_MAX + 2];
    log_event(LOG_INFO, "demote",
              "epoch=%u old_epoch=%u discarded_own_seq=%llu", epoch,
              store_epoch(n->store),
              (unsigned long long)store_applied(n->store, n->self->id));
    for (uint64_t i = n->held_head; i != n->held_tail; i++)
        n->held[i & (HELD_MAX - 1)].deadline_ms = 0;
    n->standby_acked = 0;
    s_release_held(n); /* committed here, maybe on the standby: unknown */
    if (n->batch_open)
        store_abort(n->store);
    n->batch_open = 0;
    store_destroy(&n->store);
    snprintf(dir, sizeof dir, "%s/%s", n->cfg.data_dir, n->self->name);
    nftw(dir, s_rm, 16, FTW_DEPTH | FTW_PHYS);
    n->store = s_open_store(n, err, sizeof err);
    if (!n->store || store_set_term(n->store, epoch, ROLE_STANDBY) < 0) {
        /* Without a store the node cannot serve anything: stop at once
         * (its data directory was emptied; a restart resyncs it). */
        log_event(LOG_ERROR, "demote_failed", "error=\"%s\"",
                  n->store ? "cannot record the new epoch" : err);
        exit(1);
    }
    n->role = ROLE_STANDBY;
    for (int i = 0; i < BACKLOG_SLOTS; i++)
        n->backlog[i].seq = 0;
    for (int i = 0; i < MAX_FOLLOWERS; i++)
        n->followers[i].used = 0;
    for (int i = 0; i < n->nlinks; i++) {
        n->links[i].stale = 0;
        n->links[i].want = 0;
    }
    s_update_wants(n);
    return 0;
}

static void s_adopt_epoch(node_t *n, uint32_t epoch)
{
    if (epoch <= store_epoch(n->store))
        return;
    if (n->role == ROLE_PRIMARY) {
        s_demote(n, epoch);
        return;
    }
    int rc = store_set_term(n->store, epoch, store_role(n->store));
    log_event(rc == 0 ? LOG_INFO : LOG_ERROR, "epoch", "epoch=%u rc=%d", epoch,
              rc);
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
static void s_update_wants(node_t *n)
{
    uint32_t want[MM_MAX_NODES] = {0};
    uint32_t writers = s_writer_mask(n);
    for (uint16_t o = 1; o <= MM_MAX_NODES; o++) {
        if (!(writers & s_bit(o)) || (o == n->self->id && s_writable(n)))
            continue;
        int direct = -1, relay = -1;
        for (int i = 0; i < n->nlinks; i++) {
            if (n->links[i].src->id == o)
                direct = i;
            else if (relay < 0 && s_usable(n, &n->links[i]))
                relay = i;
        }
        if (direct >= 0 && (s_usable(n, &n->links[direct]) || relay < 0))
            want[direct] |= s_bit(o);
        else if (relay >= 0)
            want[relay] |= s_bit(o);
    }
    for (int i = 0; i < n->nlinks; i++) {
        link_t *l = &n->links[i];
        if (want[i] == l->want)
            continue;
        l->want = want[i];
        log_event(LOG_INFO, "follow", "source=%s origins=0x%x", l->src->name,
                  l->want);
        s_hello(n, l);
    }
}

/* What one s_follow() call has seen so far. */
typedef struct {
    int applied, resync, failed;
} follow_state_t;

/* Handles one frame from a source (REC, BEAT or REHELLO). */
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
    if (m->epoch > epoch && m->epoch > n->pending_epoch)
        n->pending_epoch = m->epoch;
    if (m->cmd == WIRE_REHELLO) {
        st->resync = 1; /* the master does not know our session */
        return;
    }
    if (m->cmd == WIRE_BEAT)
        l->up = 1;
    if (m->cmd != WIRE_REC || st->resync || st->failed ||
        !(l->want & s_bit(m->origin)))
        return;
    l->up = 1;
    record_t rec = {0};
    rec.flags = (m->flags & WIRE_F_TOMBSTONE) ? RECORD_TOMBSTONE : 0;
    rec.origin = m->origin;
    rec.stamp = m->stamp;
    rec.seq = m->seq;
    rec.prev_origin = m->prev_origin;
    rec.prev_stamp = m->prev_stamp;
    rec.value = m->value;
    rec.vlen = m->vlen;
    int rc = n->batch_open ? 0 : store_begin(n->store);
    n->batch_open = rc == 0;
    store_outcome_t out;
    if (rc == 0)
        rc = store_apply(n->store, m->key, m->klen, &rec, &out);
    if (rc == MM_ERR_STATE) {
        log_event(LOG_INFO, "resync",
                  "source=%s origin=%s seq=%llu applied=%llu", l->src->name,
                  s_name_of(n, m->origin), (unsigned long long)m->seq,
                  (unsigned long long)store_next_seq(n->store, m->origin) - 1);
        st->resync = 1;
    } else if (rc < 0) {
        log_event(LOG_ERROR, "apply_failed", "error=\"%s\"", mm_strerror(rc));
        st->failed = 1;
    } else if (out.result != STORE_DUPLICATE) {
        hlc_observe(&n->clock, rec.stamp);
        s_note_conflict(n, m->key, m->klen, &rec, &out, "replication");
        st->applied++;
    }
}

/*
 * Takes what a source sent, up to FOLLOW_BATCH records, applies it in one
 * transaction, and acknowledges. A message may hold a pack of frames.
 */
static void s_follow(node_t *n, link_t *l)
{
    follow_state_t st = {0, 0, 0};
    while (st.applied < FOLLOW_BATCH) {
        zmq_msg_t body;
        zmq_msg_init(&body);
        int len = tp_recv(l->sock, &body, ZMQ_DONTWAIT);
        if (len < 0) {
            zmq_msg_close(&body);
            break;
        }
        tp_drain_more(l->sock);
        if (n->drop_in & s_bit(l->src->id)) {
            zmq_msg_close(&body); /* an injected partition: lost */
            continue;
        }
        l->heard_ms = tp_now_ms();
        const uint8_t *data = zmq_msg_data(&body);
        size_t off = 0;
        while (off < (size_t)len) {
            size_t flen;
            wire_msg_t m;
            int rc = wire_frame_len(data + off, (size_t)len - off, &flen);
            if (rc == 0)
                rc = wire_decode(data + off, flen, &m);
            if (rc < 0) {
                log_event(LOG_WARN, "bad_stream_frame",
                          "source=%s len=%d offset=%zu error=\"%s\"",
                          l->src->name, len, off, mm_strerror(rc));
                break;
            }
            s_follow_frame(n, l, &m, &st);
            off += flen;
        }
        zmq_msg_close(&body);
    }
    if (n->batch_open) {
        int rc = st.failed ? -1 : store_commit(n->store);
        if (st.failed)
            store_abort(n->store);
        n->batch_open = 0;
        if (rc < 0) {
            if (!st.failed)
                log_event(LOG_ERROR, "commit_failed", "error=\"%s\"",
                          mm_strerror(rc));
            st.applied = 0;
            st.resync = 1;
        }
    }
    n->applied_remote += (uint64_t)st.applied;
    if (st.applied)
        s_ack(n, l);
    if (st.resync)
        s_hello(n, l);
    if (n->pending_epoch > store_epoch(n->store))
        s_adopt_epoch(n, n->pending_epoch);
    n->pending_epoch = 0;
}

/* ---- Timers ----------------------------------------------------------- */

/*
 * A primary that (re)starts first listens for a newer epoch before taking
 * writes: if it was replaced while it was down, a source's first message
 * says so and it demotes itself instead of acknowledging writes it would
 * later have to discard.
 */
static void s_check_term(node_t *n)
{
    if (n->term_checked)
        return;
    int64_t dead = (int64_t)n->cfg.heartbeat_ms * n->cfg.liveness;
    int heard_all = 1;
    for (int i = 0; i < n->nlinks; i++)
        heard_all &= n->links[i].heard_ms >= n->started_ms;
    if (heard_all || tp_now_ms() - n->started_ms > dead)
        n->term_checked = 1;
}

static void s_tick(node_t *n)
{
    s_release_held(n);
    s_update_wants(n);
    s_check_term(n);
    int64_t now = tp_now_ms();
    int64_t hb = n->cfg.heartbeat_ms;
    int64_t dead = hb * n->cfg.liveness;
    for (int i = 0; i < MAX_FOLLOWERS; i++) {
        follower_t *f = &n->followers[i];
        if (!f->used)
            continue;
        if (now - f->heard_ms > dead) {
            log_event(LOG_INFO, "follower_lost", "follower=%.*s silent_ms=%lld",
                      (int)f->idlen, f->id, (long long)(now - f->heard_ms));
            f->used = 0;
            continue;
        }
        if (s_unacked(f, f->next) > 0 && now - f->progress_ms > dead) {
            /* Records sent but never acknowledged: resend from the ack. */
            log_event(LOG_INFO, "retransmit", "follower=%.*s", (int)f->idlen,
                      f->id);
            for (uint16_t o = 1; o <= MM_MAX_NODES; o++)
                f->next[o] = f->acked[o] + 1;
            f->progress_ms = now;
        }
        if (now - f->sent_ms >= hb && !(n->drop_out & s_bit(f->node))) {
            uint64_t vec[MM_MAX_NODES + 1] = {0};
            uint8_t buf[MM_MAX_NODES * WIRE_VEC_ENTRY];
            for (uint16_t o = 1; o <= MM_MAX_NODES; o++)
                vec[o] = store_applied(n->store, o);
            int len = wire_vec_encode(vec, f->want, buf, sizeof buf);
            wire_msg_t m = {0};
            m.cmd = WIRE_BEAT;
            m.value = buf;
            m.vlen = len < 0 ? 0 : (uint32_t)len;
            s_peer_send(n, f, &m);
            f->sent_ms = now; /* even if the send failed: retry next beat */
        }
    }
    for (int i = 0; i < n->nlinks; i++) {
        link_t *l = &n->links[i];
        if (l->up && now - l->heard_ms > dead) {
            log_event(LOG_INFO, "source_down", "source=%s silent_ms=%lld",
                      l->src->name, (long long)(now - l->heard_ms));
            l->up = 0;
        }
        if (!l->up && now - l->hello_ms >= dead)
            s_hello(n, l);
        else if (now - l->ack_ms >= hb)
            s_ack(n, l);
        if (l->up && l->hello_ms && l->heard_ms >= l->hello_ms) {
            log_event(LOG_INFO, "source_up", "source=%s session=%llu",
                      l->src->name, (unsigned long long)l->session);
            l->hello_ms = 0; /* logged once per session */
        }
    }
}

/* ---- Life cycle -------------------------------------------------------- */

static int s_bind(void *sock, const char *endpoint, char *err, size_t errlen)
{
    if (zmq_bind(sock, endpoint) == 0)
        return 0;
    snprintf(err, errlen, "cannot bind %s: %s", endpoint, zmq_strerror(errno));
    return -1;
}

node_t *node_new(const config_t *cfg, const char *name, char *err,
                 size_t errlen)
{
    node_t *n = calloc(1, sizeof *n);
    if (!n) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    n->cfg = *cfg;
    n->self = config_node(&n->cfg, name);
    if (!n->self) {
        snprintf(err, errlen, "no node named '%s' in the cluster file", name);
        goto fail;
    }
    n->role = n->self->role;
    hlc_init(&n->clock, cfg->clock);
    hlc_set_offset(&n->clock, n->self->clock_offset_ms);
    n->next_session = (uint64_t)tp_now_us();
    n->backlog = calloc(BACKLOG_SLOTS, sizeof *n->backlog);
    n->vbuf = malloc(MM_VALUE_MAX);
    n->pack = malloc(PACK_MAX + WIRE_HEADER_SIZE + MM_KEY_MAX + WIRE_VALUE_MAX);
    n->bigbuf = malloc(WIRE_VALUE_MAX);
    if (!n->backlog || !n->vbuf || !n->bigbuf || !n->pack) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }

    n->held = calloc(HELD_MAX, sizeof *n->held);
    if (!n->held) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    n->store = s_open_store(n, err, errlen);
    if (!n->store)
        goto fail;
    /* A promoted standby or a demoted primary keeps its new role across
     * restarts: the store remembers it (store_set_term). */
    if (config_role_streams(n->self->role) && store_role(n->store) >= 0)
        n->role = (node_role_t)store_role(n->store);

    n->ctx = zmq_ctx_new();
    if (!n->ctx) {
        snprintf(err, errlen, "cannot create ZeroMQ context");
        goto fail;
    }
    int hwm = 100000, one = 1;
    n->client = tp_socket(n->ctx, ZMQ_ROUTER, 0, NULL);
    if (!n->client)
        goto fail_zmq;
    zmq_setsockopt(n->client, ZMQ_SNDHWM, &hwm, sizeof hwm);
    zmq_setsockopt(n->client, ZMQ_RCVHWM, &hwm, sizeof hwm);
    if (s_bind(n->client, n->self->client, err, errlen))
        goto fail;
    if (config_role_streams(n->self->role)) {
        n->peer = tp_socket(n->ctx, ZMQ_ROUTER, 0, NULL);
        if (!n->peer)
            goto fail_zmq;
        /* MANDATORY: a full queue is EAGAIN, not a silent drop. HANDOVER:
         * a follower restarted after kill -9 reconnects under its name
         * while the old connection still looks alive. */
        zmq_setsockopt(n->peer, ZMQ_ROUTER_MANDATORY, &one, sizeof one);
        zmq_setsockopt(n->peer, ZMQ_ROUTER_HANDOVER, &one, sizeof one);
        zmq_setsockopt(n->peer, ZMQ_SNDHWM, &hwm, sizeof hwm);
        zmq_setsockopt(n->peer, ZMQ_RCVHWM, &hwm, sizeof hwm);
        if (s_bind(n->peer, n->self->peer, err, errlen))
            goto fail;
    }
    for (int i = 0; i < cfg->nnodes; i++) {
        const config_node_t *src = &n->cfg.nodes[i];
        if (!config_role_streams(src->role) || src == n->self)
            continue;
        link_t *l = &n->links[n->nlinks++];
        l->src = src;
        l->want = s_bit(src->id);
        l->sock = tp_socket(n->ctx, ZMQ_DEALER, 0, n->self->name);
        if (!l->sock)
            goto fail_zmq;
        /* IMMEDIATE: never queue a HELLO or ACK toward a master that is
         * not connected; both are simply sent again on the next beat. */
        zmq_setsockopt(l->sock, ZMQ_IMMEDIATE, &one, sizeof one);
        zmq_setsockopt(l->sock, ZMQ_RCVHWM, &hwm, sizeof hwm);
        if (zmq_connect(l->sock, src->peer) != 0) {
            snprintf(err, errlen, "cannot connect to %s at %s: %s", src->name,
                     src->peer, zmq_strerror(errno));
            goto fail;
        }
    }
    return n;
fail_zmq:
    snprintf(err, errlen, "cannot create socket: %s", zmq_strerror(errno));
fail:
    node_destroy(&n);
    return NULL;
}

/* Raises the clock to a stored write's stamp (see s_observe_store). */
static int s_raise_clock(void *arg, const uint8_t *key, size_t klen,
                         const record_t *rec)
{
    (void)key;
    (void)klen;
    hlc_t *h = arg;
    if (rec->stamp > h->last)
        h->last = rec->stamp;
    return 0;
}

/*
 * A restarted node must not stamp below what it already holds: one node's
 * stamps only go up, and in HLC mode a write is stamped above every write
 * the node has seen. Each origin's stamps rise with its sequence numbers,
 * so the last log entry of every origin is the newest stamp the store
 * holds. In HLC mode that floor comes from every origin; in wall mode only
 * from the node's own writes.
 */
static void s_observe_store(node_t *n)
{
    for (uint16_t o = 1; o <= MM_MAX_NODES; o++) {
        /* Wall mode ignores other nodes' stamps (that is its point): only
         * the node's own writes set its floor there. */
        if (n->clock.mode == HLC_MODE_WALL && o != n->self->id)
            continue;
        uint64_t last = store_applied(n->store, o);
        if (last)
            store_log_scan(n->store, o, last, 1, s_raise_clock, &n->clock);
    }
}

int node_run(node_t *n)
{
    uint64_t applied_self = store_applied(n->store, n->self->id);
    s_observe_store(n);
    n->started_ms = tp_now_ms();
    /* Only a restart can find the cluster moved on: a node whose store is
     * empty is starting the cluster and need not listen first. */
    int empty = 1;
    for (uint16_t o = 1; o <= MM_MAX_NODES; o++)
        empty &= store_applied(n->store, o) == 0;
    n->term_checked = empty;
    log_event(LOG_INFO, "start",
              "role=%s id=%u client=%s peer=%s clock=%s offset_ms=%lld "
              "durability=%s epoch=%u own_seq=%llu",
              config_role_name(n->role), n->self->id, n->self->client,
              n->peer ? n->self->peer : "-", hlc_mode_name(n->clock.mode),
              (long long)n->clock.offset_ms,
              n->cfg.durability == STORE_SYNC ? "sync" : "nosync",
              store_epoch(n->store), (unsigned long long)applied_self);
    for (int i = 0; i < n->nlinks; i++)
        s_hello(n, &n->links[i]);

    zmq_pollitem_t items[2 + MM_MAX_NODES];
    int pending = 0;
    while (!s_stop) {
        int k = 0;
        items[k++] = (zmq_pollitem_t){n->client, 0, ZMQ_POLLIN, 0};
        if (n->peer)
            items[k++] = (zmq_pollitem_t){n->peer, 0, ZMQ_POLLIN, 0};
        int first_link = k;
        for (int i = 0; i < n->nlinks; i++)
            items[k++] = (zmq_pollitem_t){n->links[i].sock, 0, ZMQ_POLLIN, 0};
        long timeout = pending ? 1 : n->cfg.heartbeat_ms / 2;
        int rc = zmq_poll(items, k, timeout);
        if (rc < 0) {
            if (errno == EINTR)
                continue;
            log_event(LOG_ERROR, "poll_failed", "error=\"%s\"",
                      zmq_strerror(errno));
            break;
        }
        if (items[0].revents & ZMQ_POLLIN)
            s_serve_clients(n);
        if (n->peer && (items[1].revents & ZMQ_POLLIN))
            s_serve_peers(n);
        for (int i = 0; i < n->nlinks; i++)
            if (items[first_link + i].revents & ZMQ_POLLIN)
                s_follow(n, &n->links[i]);
        pending = n->peer ? s_pump(n) : 0;
        s_tick(n);
    }
    log_event(LOG_INFO, "stop", "writes=%llu conflicts=%llu",
              (unsigned long long)n->writes, (unsigned long long)n->conflicts);
    return 0;
}

void node_destroy(node_t **np)
{
    if (!np || !*np)
        return;
    node_t *n = *np;
    /* Shutdown order: stop the context, close sockets, terminate the
     * context, and only then close the store. */
    if (n->batch_open)
        store_abort(n->store);
    for (int i = 0; i < n->nreplies; i++)
        zmq_msg_close(&n->replies[i].id);
    if (n->ctx)
        zmq_ctx_shutdown(n->ctx);
    for (int i = 0; i < n->nlinks; i++)
        if (n->links[i].sock)
            zmq_close(n->links[i].sock);
    if (n->client)
        zmq_close(n->client);
    if (n->peer)
        zmq_close(n->peer);
    if (n->ctx)
        zmq_ctx_term(n->ctx);
    store_destroy(&n->store);
    free(n->backlog);
    free(n->vbuf);
    free(n->pack);
    if (n->held)
        for (uint64_t i = n->held_head; i != n->held_tail; i++)
            zmq_msg_close(&n->held[i & (HELD_MAX - 1)].id);
    free(n->held);
    free(n->bigbuf);
    free(n);
    *np = NULL;
}

static void s_on_signal(int sig)
{
    (void)sig;
    node_request_stop();
}

static void s_usage(FILE *out, const char *prog)
{
    fprintf(out,
            "usage: %s --config FILE --node NAME [--verbose]\n"
            "\n"
            "Runs node NAME of the cluster file FILE in the foreground until\n"
            "SIGTERM or SIGINT. Log lines go to stderr; data lives in\n"
            "<data_dir>/NAME. experiments/cluster starts nodes for you.\n",
            prog);
}

int node_main(int argc, char **argv, node_role_t role, const char *prog)
{
    static const struct option opts[] = {{"config", required_argument, 0, 'c'},
                                         {"node", required_argument, 0, 'n'},
                                         {"verbose", no_argument, 0, 'v'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    const char *path = NULL, *name = NULL;
    log_level_t level = LOG_INFO;
    int ch;
    while ((ch = getopt_long(argc, argv, "c:n:vh", opts, NULL)) != -1) {
        switch (ch) {
        case 'c':
            path = optarg;
            break;
        case 'n':
            name = optarg;
            break;
        case 'v':
            level = LOG_DEBUG;
            break;
        case 'h':
            s_usage(stdout, prog);
            return 0;
        default:
            s_usage(stderr, prog);
            return 2;
        }
    }
    if (!path || !name || optind != argc) {
        s_usage(stderr, prog);
        return 2;
    }
    log_init(name, level);
    static config_t cfg;
    char err[512];
    if (config_load(path, &cfg, err, sizeof err) < 0) {
        fprintf(stderr, "%s: %s\n", prog, err);
        return 1;
    }
    const config_node_t *self = config_node(&cfg, name);
    if (!self) {
        fprintf(stderr, "%s: no node named '%s' in %s\n", prog, name, path);
        return 1;
    }
    /* mm-master runs every writer role (master, primary, standby). */
    int fits = role == ROLE_REPLICA ? self->role == ROLE_REPLICA
                                    : config_role_streams(self->role);
    if (!fits) {
        fprintf(stderr, "%s: node '%s' is a %s; start it with %s\n", prog, name,
                config_role_name(self->role),
                self->role == ROLE_REPLICA ? "mm-replica" : "mm-master");
        return 1;
    }
    struct sigaction sa = {0};
    sa.sa_handler = s_on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    node_t *n = node_new(&cfg, name, err, sizeof err);
    if (!n) {
        fprintf(stderr, "%s: %s\n", prog, err);
        log_event(LOG_ERROR, "start_failed", "error=\"%s\"", err);
        return 1;
    }
    int rc = node_run(n);
    node_destroy(&n);
    return rc == 0 ? 0 : 1;
}
