/*
 * serve.c - the `client` socket: every request a node answers.
 *
 * Clients (mmctl, mm-load, the coordinator) send one frame per request on
 * a DEALER, tagged with a request id, to the node's `client` ROUTER; the
 * reply carries the same id. serve_clients() takes up to CLIENT_BATCH
 * requests per turn of the loop and dispatches each by command:
 *
 *   PUT, DEL         to the writer (masters/writer.c), which batches them
 *   GET, DUMP, PING  answered here, by every role, from committed data
 *   STATUS           common/status.c
 *   FAULT            common/fault.c
 *   PROMOTE, DEMOTE  masters/primary.c
 *
 * Before any of them, the request's key must allow it (security = curve):
 * each message carries the role the ZAP handler gave its connection, and
 * sec_may() (common/security.c) says what that role may send. A client key
 * that sends FAULT gets an ERROR, and the node goes on.
 *
 * Writes are answered only after their batch commits, so a read, or any
 * other request, first flushes the open batch: replies leave in the order
 * the requests came, and a read sees every write taken before it. In a
 * sync store a read also waits until this node's own writes are durable
 * (writer_settle()): a write is visible once committed, before its fsync,
 * and a read must not show a write that a crash could still take back.
 *
 * Bad input is an ERROR reply, never a crash: a frame that does not
 * decode, an unknown command, a key or value over the limits. The error
 * echoes the request id when the frame is long enough to hold one.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "bytes.h"
#include "engine.h"
#include "log.h"
#include "transport.h"

#define DUMP_PAGE_KEYS 1000

void serve_reply_now(node_t *n, zmq_msg_t *id, const wire_msg_t *m)
{
    int rc = tp_send_to(n->client, zmq_msg_data(id), zmq_msg_size(id), m,
                        ZMQ_DONTWAIT);
    if (rc < 0 && rc != -EAGAIN && rc != -EHOSTUNREACH)
        log_event(LOG_WARN, "reply_failed", "error=\"%s\"", mm_strerror(rc));
}

wire_msg_t serve_error_msg(const node_t *n, uint64_t reqid, int code,
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
void serve_reply_error(node_t *n, zmq_msg_t *id, uint64_t reqid, int code,
                       const char *text)
{
    wire_msg_t e = serve_error_msg(n, reqid, code, text);
    if (n->writer.nreplies > 0)
        writer_reply_later(n, id, &e, 0);
    else
        serve_reply_now(n, id, &e);
    n->bad_requests++;
}

void serve_reply_ok(node_t *n, zmq_msg_t *id, uint64_t reqid)
{
    wire_msg_t r = {0};
    r.cmd = WIRE_OK;
    r.origin = n->self->id;
    r.epoch = store_epoch(n->store);
    r.reqid = reqid;
    serve_reply_now(n, id, &r);
}

static void s_get(node_t *n, zmq_msg_t *id, const wire_msg_t *m)
{
    record_t rec;
    int found =
        store_get(n->store, m->key, m->klen, &rec, n->vbuf, MM_VALUE_MAX);
    if (found < 0) {
        serve_reply_error(n, id, m->reqid, found, mm_strerror(found));
        return;
    }
    n->reads++;
    node_service_wait(n->cfg.read_service_us); /* an emulated slow disk */
    wire_msg_t r = {0};
    r.cmd = found && !record_is_tombstone(&rec) ? WIRE_VALUE : WIRE_NOTFOUND;
    /* Even a miss carries the tombstone's identity: a checker can tell
     * "deleted by write X" from "never written" (origin 0). */
    if (found)
        wire_set_record(&r, &rec);
    if (r.cmd == WIRE_NOTFOUND) {
        r.value = NULL;
        r.vlen = 0;
    }
    r.epoch = store_epoch(n->store);
    r.reqid = m->reqid;
    r.key = m->key;
    r.klen = m->klen;
    serve_reply_now(n, id, &r);
}

/* One DUMP page: up to DUMP_PAGE_KEYS entries after the request's key. */
typedef struct {
    node_t *n;
    size_t count;
    int full;
    size_t last_klen;
    uint8_t last[MM_KEY_MAX];
} dump_page_t;

static int s_dump_visit(void *arg, const uint8_t *key, size_t klen,
                        const record_t *rec)
{
    dump_page_t *d = arg;
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

static void s_dump(node_t *n, zmq_msg_t *id, const wire_msg_t *m)
{
    dump_page_t *d = calloc(1, sizeof *d);
    if (!d) {
        serve_reply_error(n, id, m->reqid, -ENOMEM, "out of memory");
        return;
    }
    d->n = n;
    n->biglen = 0;
    int rc =
        store_scan(n->store, m->key, m->klen, DUMP_PAGE_KEYS, s_dump_visit, d);
    if (rc < 0) {
        serve_reply_error(n, id, m->reqid, rc, mm_strerror(rc));
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
    serve_reply_now(n, id, &r);
    free(d);
}

static void s_fault(node_t *n, zmq_msg_t *id, const wire_msg_t *m)
{
    char msg[256];
    int rc = fault_apply(n, m, msg, sizeof msg);
    if (rc < 0)
        serve_reply_error(n, id, m->reqid, rc, msg);
    else
        serve_reply_ok(n, id, m->reqid);
}

static void s_ping(node_t *n, zmq_msg_t *id, const wire_msg_t *m)
{
    wire_msg_t p = {0};
    p.cmd = WIRE_PONG;
    p.origin = n->self->id;
    p.epoch = store_epoch(n->store);
    p.reqid = m->reqid;
    serve_reply_now(n, id, &p);
}

/* Refuses a request its connection's role may not send; 1 if refused. */
static int s_refused(node_t *n, zmq_msg_t *id, const wire_msg_t *m,
                     sec_role_t role)
{
    if (sec_may(role, m->cmd))
        return 0;
    const char *who = m->cmd == WIRE_FAULT ? "admin"
                      : m->cmd == WIRE_PROMOTE || m->cmd == WIRE_DEMOTE
                          ? "admin or coordinator"
                          : "client, coordinator or admin";
    char msg[160];
    snprintf(msg, sizeof msg,
             "%s needs the %s key; this connection authenticated as %s",
             wire_cmd_name(m->cmd), who, sec_role_name(role));
    serve_reply_error(n, id, m->reqid, MM_ERR_DENIED, msg);
    return 1;
}

/* One request: writes join the batch; anything else flushes it first. */
static void s_dispatch(node_t *n, zmq_msg_t *id, const wire_msg_t *m,
                       sec_role_t role)
{
    if (s_refused(n, id, m, role))
        return;
    /* A STATUS or PING at our epoch (the coordinator's heartbeat) renews
     * a primary's lease; any request above it fences the primary. A
     * write's own epoch confirms nothing: a write must not vouch for
     * itself. With security = curve only the coordinator's and the
     * admin's keys speak for the epoch: a client's cannot keep a replaced
     * primary writing, nor fence a healthy one (its PUT of a newer epoch
     * is still refused, by primary_write_refusal()). */
    int authority = sec_epoch_authority(role);
    primary_heard_epoch(n, authority ? m->epoch : 0,
                        authority &&
                            (m->cmd == WIRE_STATUS || m->cmd == WIRE_PING));
    if (m->cmd == WIRE_PUT || m->cmd == WIRE_DEL) {
        writer_take(n, id, m);
        return;
    }
    writer_flush(n); /* reads see committed data only, in order */
    switch (m->cmd) {
    case WIRE_GET:
        writer_settle(n); /* ... and durable data only */
        s_get(n, id, m);
        break;
    case WIRE_DUMP:
        writer_settle(n);
        s_dump(n, id, m);
        break;
    case WIRE_STATUS:
        status_reply(n, id, m);
        break;
    case WIRE_FAULT:
        s_fault(n, id, m);
        break;
    case WIRE_PROMOTE:
    case WIRE_DEMOTE:
        primary_term_command(n, id, m);
        break;
    case WIRE_PING:
        s_ping(n, id, m);
        break;
    default: {
        char msg[96];
        snprintf(msg, sizeof msg, "unknown command %u (%s)", m->cmd,
                 wire_cmd_name(m->cmd));
        serve_reply_error(n, id, m->reqid, MM_ERR_UNKNOWN, msg);
    }
    }
}

/* Receives one request. Returns 1 if one was taken, 0 if none waits. */
static int s_serve_one(node_t *n)
{
    zmq_msg_t id, body;
    zmq_msg_init(&id);
    zmq_msg_init(&body);
    if (tp_recv(n->client, &id, ZMQ_DONTWAIT) < 0) {
        zmq_msg_close(&id);
        zmq_msg_close(&body);
        return 0;
    }
    int more = 0;
    size_t ml = sizeof more;
    zmq_getsockopt(n->client, ZMQ_RCVMORE, &more, &ml);
    if (more) { /* a ROUTER always gives [id][body]; be safe */
        int len = tp_recv(n->client, &body, 0);
        tp_drain_more(n->client);
        wire_msg_t m;
        int rc = len < 0 ? len : wire_decode(zmq_msg_data(&body), len, &m);
        /* With security = off nobody is anyone: every request may do
         * everything, as before there were keys. */
        sec_role_t role =
            sec_curve(n->sec) ? sec_msg_role(&body) : SEC_ROLE_ANONYMOUS;
        if (rc == 0) {
            s_dispatch(n, &id, &m, role);
        } else {
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
            serve_reply_error(n, &id, reqid, rc, msg);
        }
    }
    zmq_msg_close(&id);
    zmq_msg_close(&body);
    return 1;
}

void serve_clients(node_t *n)
{
    for (int i = 0; i < CLIENT_BATCH && s_serve_one(n); i++)
        ;
    writer_flush(n);
}
