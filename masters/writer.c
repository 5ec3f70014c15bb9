/*
 * writer.c - a writer takes a client's write: stamp, batch, commit, reply.
 *
 * How a write travels, step by step:
 *
 *   1. A client's PUT or DEL arrives on the `client` socket (common/serve.c
 *      hands it to writer_take()). A writer (a master, or the primary)
 *      stamps it with hlc_now(), gives it the next sequence number of its
 *      own origin and calls store_apply_local() inside the open batch,
 *      which records the key's current record as the new write's `prev`
 *      and decides LWW (common/lww.c: the one place that decides).
 *   2. Requests keep being taken until the socket is empty or the batch is
 *      full; then writer_flush() commits the batch and only then are the
 *      clients answered: an OK always means "committed here". In
 *      durability = nosync the commit has written the log to the
 *      operating system, and the OK leaves at once.
 *   3. In durability = sync the commit returns before the fsync: the
 *      store's flusher thread fsyncs behind it, one fsync for every batch
 *      committed meanwhile (group commit, common/store_flush.c), and the
 *      OK waits in masters/acks.c until that fsync has finished, so an OK
 *      means "on disk here".
 *   4. The committed write is also kept, already encoded as a REC frame,
 *      in the stream's backlog (masters/stream.c), so streaming it to
 *      followers costs no disk read; it is streamed once durable.
 *   5. With ack = standby, all or quorum, the OK waits as well until
 *      enough followers have applied it (masters/acks.c).
 *
 * Replies leave in the order the requests came, errors included, so a
 * client that pipelines reads its answers in order.
 */
#include <stdio.h>
#include <string.h>
#include "engine.h"
#include "log.h"
#include "transport.h"

void writer_reply_later(node_t *n, zmq_msg_t *id, const wire_msg_t *m,
                        uint64_t seq)
{
    reply_t *r = &n->writer.replies[n->writer.nreplies++];
    zmq_msg_init(&r->id);
    zmq_msg_move(&r->id, id);
    r->seq = seq;
    int len = wire_encode(m, r->frame, sizeof r->frame);
    r->len = len < 0 ? 0 : (uint32_t)len;
}

/* Rewrites a queued write's OK as an ERROR with the same request id: the
 * batch it belonged to did not commit, so the write did not happen. */
static void s_reply_becomes_error(node_t *n, reply_t *r, int code,
                                  const char *text)
{
    wire_msg_t old;
    uint64_t reqid = wire_decode(r->frame, r->len, &old) == 0 ? old.reqid : 0;
    wire_msg_t e = serve_error_msg(n, reqid, code, text);
    int len = wire_encode(&e, r->frame, sizeof r->frame);
    r->len = len < 0 ? 0 : (uint32_t)len;
    r->seq = 0;
}

void writer_flush(node_t *n)
{
    int rc = 0;
    int wait = acks_wait(n);
    if (n->batch_open) {
        rc = store_commit(n->store);
        n->batch_open = 0;
        if (rc < 0)
            log_event(LOG_ERROR, "commit_failed", "error=\"%s\"",
                      mm_strerror(rc));
        node_service_wait(n->service_owed_us); /* an emulated slow disk */
        n->service_owed_us = 0;
    }
    int64_t now = tp_now_us();
    uint64_t durable = store_durable(n->store, n->self->id);
    for (int i = 0; i < n->writer.nreplies; i++) {
        reply_t *r = &n->writer.replies[i];
        if (r->seq && rc < 0)
            s_reply_becomes_error(n, r, rc, "commit failed");
        if (r->seq)
            stream_backlog_committed(n, r->seq, now);
        if (r->seq && !wait && n->role == ROLE_PRIMARY &&
            n->cfg.ack == ACK_STANDBY)
            n->acks.writes_unprotected++; /* degraded: no standby */
        if (r->seq && (wait || r->seq > durable)) {
            /* Answered once durable here and, if wait, confirmed. */
            acks_hold(n, r, now / 1000, wait);
            continue;
        }
        if (r->len)
            tp_send_raw_to(n->client, zmq_msg_data(&r->id),
                           zmq_msg_size(&r->id), r->frame, r->len,
                           ZMQ_DONTWAIT);
        zmq_msg_close(&r->id);
    }
    n->writer.nreplies = 0;
    acks_release(n);
}

void writer_settle(node_t *n)
{
    /* Only this node's own writes can be committed here and not yet
     * durable anywhere: a follower's records are durable at their origin
     * before they are streamed. */
    uint16_t self = n->self->id;
    if (store_durable(n->store, self) < store_applied(n->store, self))
        node_take_flushes(n, 1);
}

/* Why this node cannot take a write now, or 0. */
static int s_refusal(node_t *n, const wire_msg_t *m, char *msg, size_t cap)
{
    if (!node_writable(n)) {
        snprintf(msg, cap,
                 "read-only: %s is a %s and takes no writes; send writes to "
                 "%s",
                 n->self->name, config_role_name(n->role),
                 n->role == ROLE_STANDBY ? "the primary" : "a writer");
        return MM_ERR_READONLY;
    }
    if (!acks_room(n)) {
        /* Followers are far behind and writes waiting for them fill the
         * held queue: refuse new writes (not applied) but keep serving
         * reads and STATUS, so nobody mistakes this node for a dead one. */
        snprintf(msg, cap,
                 "busy: too many writes waiting for confirmation (ack = "
                 "%s); not applied, try again",
                 acks_policy_name(n->cfg.ack));
        return MM_ERR_STATE;
    }
    int rc = primary_write_refusal(n, m, msg, cap);
    if (rc < 0)
        return rc;
    if (m->klen == 0) {
        snprintf(msg, cap, "empty key");
        return MM_ERR_CORRUPT;
    }
    if (m->vlen > MM_VALUE_MAX) {
        snprintf(msg, cap, "value too large");
        return MM_ERR_TOOBIG;
    }
    return 0;
}

/* The whole batch is lost with its transaction: fail what it held. */
static void s_fail_batch(node_t *n, int code)
{
    log_event(LOG_ERROR, "write_failed", "error=\"%s\"", mm_strerror(code));
    store_abort(n->store);
    n->batch_open = 0;
    for (int i = 0; i < n->writer.nreplies; i++)
        if (n->writer.replies[i].seq)
            s_reply_becomes_error(n, &n->writer.replies[i], code,
                                  mm_strerror(code));
}

void writer_take(node_t *n, zmq_msg_t *id, const wire_msg_t *m)
{
    char msg[192];
    int rc = s_refusal(n, m, msg, sizeof msg);
    if (rc < 0) {
        serve_reply_error(n, id, m->reqid, rc, msg);
        return;
    }
    if (!n->batch_open) {
        rc = store_begin(n->store);
        if (rc < 0) {
            serve_reply_error(n, id, m->reqid, rc, mm_strerror(rc));
            return;
        }
        n->batch_open = 1;
    }
    /* The stamp is above every stamp this node has seen (HLC mode): the
     * clock observed every replicated write, and at start-up the newest
     * write of every origin in the store (node_run). */
    record_t rec = {0};
    rec.flags = m->cmd == WIRE_DEL ? RECORD_TOMBSTONE : 0;
    rec.origin = n->self->id;
    rec.stamp = hlc_now(&n->clock, hlc_wall_ms());
    rec.seq = store_next_seq(n->store, n->self->id);
    rec.value = m->cmd == WIRE_DEL ? NULL : m->value;
    rec.vlen = m->cmd == WIRE_DEL ? 0 : m->vlen;

    store_outcome_t out;
    rc = store_apply_local(n->store, m->key, m->klen, &rec, &out);
    if (rc < 0) {
        s_fail_batch(n, rc);
        serve_reply_error(n, id, m->reqid, rc, mm_strerror(rc));
        return;
    }
    node_note_conflict(n, m->key, m->klen, &rec, &out, "local");
    trace_write(n, m->key, m->klen, &rec, &out);
    stream_backlog_put(n, m->key, m->klen, &rec);
    n->writes++;
    n->service_owed_us += n->cfg.write_service_us;

    /* The OK carries the write's identity: (stamp, origin, seq) and the
     * pair it overwrote, so a client can tell which write it made. */
    wire_msg_t ok = {0};
    ok.cmd = WIRE_OK;
    wire_set_record(&ok, &rec);
    ok.value = NULL; /* an OK does not echo the value */
    ok.vlen = 0;
    ok.epoch = store_epoch(n->store);
    ok.reqid = m->reqid;
    writer_reply_later(n, id, &ok, rec.seq);
}
