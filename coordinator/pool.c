/*
 * pool.c - node requests: the slot ring, the pooled connections to each
 * node, sending, deadlines, and writes held during a failover.
 *
 *   1. Every node request takes a slot in a ring indexed by its request id
 *      (our own ids, not the client's), which remembers who waits for the
 *      reply (a RESP command's sub, or a ZeroMQ client) and until when
 *      (CO_TIMEOUT_MS).
 *   2. route.c picks the node; the request goes out on one of the node's
 *      pool connections: all requests of one loop pass to that node on the
 *      same one, the next pass on the next one (or on a fresh DEALER with
 *      pool = off: one TCP and ZMTP handshake per request, for the pooling
 *      lesson).
 *   3. The node's reply finds its slot by request id. A reply that comes
 *      after the slot timed out finds the slot reused or empty and is
 *      dropped: its client was already told the outcome is unknown.
 *
 * Pool sockets set ZMQ_IMMEDIATE, so a request to a node whose connection
 * is gone fails at once (the write certainly did not happen) instead of
 * queueing inside ZeroMQ and reaching the node whenever it comes back. In
 * a primary-standby cluster such a write, and every write while the
 * primary is down, is held (up to hold_ms) and sent to whoever failover.c
 * makes the writer; in a multi-master cluster it goes to the next master
 * that is up.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "coord_int.h"
#include "log.h"

static void s_dispatch(coord_t *co, slot_t *s, int node);

static void s_put_u64(uint8_t *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--) {
        p[i] = (uint8_t)v;
        v >>= 8;
    }
}

void *pool_dealer(coord_t *co, int i, int immediate, int watch)
{
    const config_node_t *node = co->nodes[i].cfg;
    void *s = tp_socket(co->ctx, ZMQ_DEALER, 0, NULL, TP_MAX_REPLY);
    int hwm = 100000;
    if (s == NULL)
        return NULL;
    if (sec_client(co->sec, s, node->name) < 0 ||
        (watch && failover_watch_link(co, i, s) < 0)) {
        zmq_close(s);
        return NULL;
    }
    zmq_setsockopt(s, ZMQ_SNDHWM, &hwm, sizeof hwm);
    zmq_setsockopt(s, ZMQ_RCVHWM, &hwm, sizeof hwm);
    zmq_setsockopt(s, ZMQ_IMMEDIATE, &immediate, sizeof immediate);
    if (zmq_connect(s, node->client) != 0) {
        zmq_close(s);
        return NULL;
    }
    co->st_opened++;
    return s;
}

/* How many ids to try when the next one's ring place is still taken by
 * a slow request: a few, so that one straggler does not stop the ring. */
#define POOL_SLOT_TRIES 8

slot_t *pool_slot_new(coord_t *co)
{
    for (int t = 0; t < POOL_SLOT_TRIES && co->live < CO_SLOTS; t++) {
        uint64_t id = co->next_reqid++;
        slot_t *s = &co->slots[id & (CO_SLOTS - 1)];
        if (s->reqid != 0)
            continue;
        memset(s, 0, sizeof *s);
        s->reqid = id;
        s->node = -1;
        co->live++;
        return s;
    }
    return NULL;
}

void pool_slot_free(coord_t *co, slot_t *s)
{
    if (s->off != NULL) {
        coord_unwatch(co, s->off);
        zmq_close(s->off->sock);
        free(s->off);
        s->off = NULL;
    }
    free(s->frame);
    free(s->zid);
    s->frame = NULL;
    s->zid = NULL;
    s->reqid = 0;
    co->live--;
    if (co->slot_wait != NULL && co->live < CO_INFLIGHT_LOW)
        resp_front_slots_freed(co);
}

/*
 * Delivers a node's reply (or a failure made up here: m->cmd == WIRE_ERROR
 * with seq = the code) to whoever waits on slot s, then frees the slot.
 */
static void s_slot_complete(coord_t *co, slot_t *s, const wire_msg_t *m,
                            const uint8_t *frame, size_t flen)
{
    if (s->is_write && m->cmd == WIRE_OK && m->origin >= 1 &&
        m->origin <= MM_MAX_NODES) {
        if (m->seq > co->acked_seq[m->origin])
            co->acked_seq[m->origin] = m->seq;
        if (co->first_write_pending && s->node == co->writer) {
            co->first_write_pending = 0;
            log_event(LOG_INFO, "failover",
                      "phase=first_write node=%s elapsed_ms=%lld",
                      co->nodes[s->node].cfg->name,
                      (long long)(tp_now_ms() - co->fo_detected_ms));
        }
    }
    if (s->zid != NULL && co->front.sock != NULL) {
        /* ZeroMQ client: pass the node's frame through, with its reqid. */
        uint8_t *copy = malloc(flen);
        if (copy != NULL) {
            memcpy(copy, frame, flen);
            s_put_u64(copy + WIRE_OFF_REQID, s->zreqid);
            tp_send_raw_to(co->front.sock, s->zid, s->zidlen, copy, flen,
                           ZMQ_DONTWAIT);
            coord_zdirty(co, &co->front);
            free(copy);
        }
    } else if (s->creq != NULL) {
        creq_t *r = s->creq;
        sub_t *sub = &r->subs[s->sub];
        sub->node = s->node;
        switch (m->cmd) {
        case WIRE_OK:
            sub->state = SUB_OK;
            sub->prev_stamp = m->prev_stamp;
            if (r->conn != NULL && s->is_write && m->origin >= 1 &&
                m->origin <= MM_MAX_NODES) {
                /* The commit token that read-your-writes routes by. */
                conn_t *c = r->conn;
                if (m->seq > c->tok[m->origin])
                    c->tok[m->origin] = m->seq;
                c->tok_node = s->node;
            }
            break;
        case WIRE_VALUE:
        case WIRE_ERROR:
            sub->state = m->cmd == WIRE_VALUE ? SUB_VALUE : SUB_ERROR;
            sub->code = m->cmd == WIRE_ERROR ? (int)m->seq : 0;
            sub->data = malloc(m->vlen ? m->vlen : 1);
            if (sub->data == NULL) {
                sub->state = SUB_ERROR;
                sub->code = ENOMEM;
                break;
            }
            memcpy(sub->data, m->value, m->vlen);
            sub->len = m->vlen;
            break;
        case WIRE_NOTFOUND:
            sub->state = SUB_NOTFOUND;
            break;
        default:
            sub->state = SUB_ERROR;
            sub->code = -MM_ERR_PROTO;
            break;
        }
        resp_front_sub_done(co, r, s->is_write);
    }
    pool_slot_free(co, s);
}

/* A failure decided here, delivered like a node's ERROR reply. */
void pool_slot_fail(coord_t *co, slot_t *s, int code, const char *fmt, ...)
{
    char msg[256];
    uint8_t frame[WIRE_HEADER_SIZE + sizeof msg];
    va_list ap;
    wire_msg_t e = {0};
    int len;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    e.cmd = WIRE_ERROR;
    e.seq = (uint64_t)(code < 0 ? -code : code);
    e.reqid = s->reqid;
    e.value = (const uint8_t *)msg;
    e.vlen = (uint32_t)strlen(msg);
    len = wire_encode(&e, frame, sizeof frame);
    if (code == MM_ERR_TIMEOUT)
        co->st_timeouts++;
    if (s->creq != NULL && s->is_write && code == MM_ERR_TIMEOUT)
        s->creq->subs[s->sub].state = SUB_TIMEOUT;
    if (s->creq != NULL && s->creq->subs[s->sub].state == SUB_TIMEOUT) {
        /* Keep the message for the RESP reply. */
        sub_t *sub = &s->creq->subs[s->sub];
        sub->data = (uint8_t *)strdup(msg);
        sub->len = sub->data ? (uint32_t)strlen(msg) : 0;
        sub->node = s->node;
        resp_front_sub_done(co, s->creq, s->is_write);
        pool_slot_free(co, s);
        return;
    }
    s_slot_complete(co, s, &e, frame, (size_t)(len < 0 ? 0 : len));
}

/*
 * Sends slot s's frame (or the frame given) to node i: one of its pool
 * connections, or a new DEALER with pool = off.
 */
static int s_send_frame(coord_t *co, slot_t *s, int i, const uint8_t *frame,
                        size_t flen)
{
    cnode_t *nd = &co->nodes[i];
    zmq_msg_t msg;
    zsock_t *z;
    int rc;

    if (co->cfg.coord.pool) {
        /* The requests of one loop pass to one node share a connection
         * (its I/O thread then writes them to TCP together); the next
         * pass takes the next connection (pool_next_pass). */
        z = &nd->pool[nd->next_pool];
        nd->pool_used = 1;
    } else {
        /* One connection for this request alone: the pooling lesson's
         * "before". It is watched like any socket until the reply. */
        void *sock = pool_dealer(co, i, 0, 0);
        if (sock == NULL)
            return -errno;
        z = calloc(1, sizeof *z);
        if (z == NULL ||
            coord_watch(co, z, sock, ZS_OFF, (int)(s - co->slots)) < 0) {
            free(z);
            zmq_close(sock);
            return -ENOMEM;
        }
        s->off = z;
    }
    if (zmq_msg_init_size(&msg, flen) != 0)
        return -ENOMEM;
    memcpy(zmq_msg_data(&msg), frame, flen);
    s_put_u64((uint8_t *)zmq_msg_data(&msg) + WIRE_OFF_REQID, s->reqid);
    /* The current epoch, not the one the request was made in: a write held
     * through a failover belongs to the new primary's epoch. */
    uint8_t *ep = (uint8_t *)zmq_msg_data(&msg) + 8;
    ep[0] = (uint8_t)(co->epoch >> 24);
    ep[1] = (uint8_t)(co->epoch >> 16);
    ep[2] = (uint8_t)(co->epoch >> 8);
    ep[3] = (uint8_t)co->epoch;
    rc = zmq_msg_send(&msg, z->sock, ZMQ_DONTWAIT);
    coord_zdirty(co, z);
    if (rc < 0) {
        rc = -errno;
        zmq_msg_close(&msg);
        return rc;
    }
    s->node = i;
    s->deadline_ms = co->now_ms + CO_TIMEOUT_MS;
    nd->sent++;
    co->st_requests++;
    return 0;
}

/* Keeps a write until a writer is up again (failover), at most hold_ms. */
static void s_hold(coord_t *co, slot_t *s, const uint8_t *frame, size_t flen)
{
    if (s->frame == NULL) {
        s->frame = malloc(flen);
        if (s->frame == NULL) {
            pool_slot_fail(co, s, -ENOMEM, "out of memory");
            return;
        }
        memcpy(s->frame, frame, flen);
        s->flen = flen;
        s->deadline_ms = tp_now_ms() + co->cfg.coord.hold_ms;
        co->st_held++;
    }
    s->node = -1;
}

/*
 * Multi-master: the master a write was routed to has no connection (it
 * crashed, and the failure detector has not said so yet), so the write
 * certainly did not happen there. Offers it to the next masters that are
 * up, in the node table's order, as route.c will once the master is
 * declared down: a crash then costs only the writes that were in flight
 * on it, as a primary's crash costs none in a primary-standby cluster,
 * whose writes are held (above). Returns the node that took it (*rc = 0),
 * or `failed` with *rc the last error.
 */
static int s_send_elsewhere(coord_t *co, slot_t *s, int failed,
                            const uint8_t *frame, size_t flen, int *rc)
{
    for (int k = 1; k < co->nnodes; k++) {
        int j = (failed + k) % co->nnodes;
        if (co->nodes[j].cfg->role != ROLE_MASTER || !co->nodes[j].up)
            continue;
        *rc = s_send_frame(co, s, j, frame, flen);
        if (*rc == 0)
            return j;
    }
    return failed;
}

/*
 * Routes and sends one request held in s (frame = its encoded request).
 * node >= 0 forces the target (a held write being released).
 */
void pool_dispatch(coord_t *co, slot_t *s, int node, const uint8_t *frame,
                   size_t flen, const uint8_t *key, size_t klen, conn_t *c)
{
    int i = node, rc;

    if (i < 0)
        i = s->is_write ? route_write(co, key, klen, c) : route_read(co, c);
    if (i == -2) {
        s_hold(co, s, frame, flen);
        return;
    }
    if (i < 0) {
        pool_slot_fail(co, s, MM_ERR_READONLY,
                       s->is_write ? "no writer is up: the write was not sent"
                                   : "no node is up to read from");
        return;
    }
    rc = s_send_frame(co, s, i, frame, flen);
    if (rc == -EAGAIN && s->is_write && co->primary_standby) {
        /* The primary's connection is gone: hold the write until the
         * failure detector decides (it comes back, or a standby takes
         * over). */
        s_hold(co, s, frame, flen);
        return;
    }
    if (rc == -EAGAIN && s->is_write && node < 0 && co->cfg.coord.pool)
        i = s_send_elsewhere(co, s, i, frame, flen, &rc);
    if (rc < 0)
        pool_slot_fail(co, s, rc == -EAGAIN ? MM_ERR_STATE : rc,
                       "node %s is unreachable: the request was not sent",
                       co->nodes[i].cfg->name);
}

static void s_dispatch(coord_t *co, slot_t *s, int node)
{
    wire_msg_t m;
    if (wire_decode(s->frame, s->flen, &m) != 0) {
        pool_slot_fail(co, s, MM_ERR_CORRUPT, "bad held frame");
        return;
    }
    pool_dispatch(co, s, node, s->frame, s->flen, m.key, m.klen, NULL);
}

static int s_by_reqid(const void *a, const void *b)
{
    const slot_t *x = *(slot_t *const *)a, *y = *(slot_t *const *)b;
    return x->reqid < y->reqid ? -1 : x->reqid > y->reqid;
}

/* Sends every held write to the new writer, in the order they came. */
void pool_release_held(coord_t *co)
{
    slot_t **held = malloc(CO_SLOTS * sizeof *held);
    int n = 0;

    if (held == NULL)
        return; /* they time out after hold_ms instead */
    for (int k = 0; k < CO_SLOTS; k++) {
        slot_t *s = &co->slots[k];
        if (s->reqid != 0 && s->node < 0 && s->frame != NULL)
            held[n++] = s;
    }
    qsort(held, (size_t)n, sizeof *held, s_by_reqid);
    for (int k = 0; k < n; k++) {
        slot_t *s = held[k];
        s_dispatch(co, s, -1);
        if (s->reqid != 0 && s->node >= 0) {
            free(s->frame);
            s->frame = NULL;
        }
    }
    free(held);
}

/* Starts one node request for a RESP command's sub. Encodes it once. */
int pool_request(coord_t *co, int cmd, const uint8_t *key, size_t klen,
                 const uint8_t *val, size_t vlen, creq_t *r, int sub, conn_t *c)
{
    wire_msg_t m = {0};
    uint8_t small[WIRE_HEADER_SIZE + MM_KEY_MAX + 256];
    uint8_t *frame = small;
    size_t need;
    slot_t *s = pool_slot_new(co);

    if (s == NULL)
        return -1;
    s->creq = r;
    s->sub = sub;
    s->is_write = cmd == WIRE_PUT || cmd == WIRE_DEL;
    m.cmd = (uint8_t)cmd;
    m.epoch = co->epoch;
    m.key = key;
    m.klen = (uint32_t)klen;
    m.value = val;
    m.vlen = (uint32_t)vlen;
    if (s->is_write && c != NULL)
        c->writes++; /* read-your-writes: reads behind it wait (commands.c) */
    need = wire_size(&m);
    if (need > sizeof small) {
        frame = malloc(need);
        if (frame == NULL) {
            pool_slot_fail(co, s, -ENOMEM, "out of memory");
            return 0;
        }
    }
    int len = wire_encode(&m, frame, need);
    if (len < 0)
        pool_slot_fail(co, s, len, "%s", mm_strerror(len));
    else
        pool_dispatch(co, s, -1, frame, (size_t)len, key, klen, c);
    if (frame != small)
        free(frame);
    return 0;
}

/* Reads one reply from sock. Returns 0, or -1 when none was waiting. */
static int s_read_one(coord_t *co, void *sock, int node)
{
    zmq_msg_t msg;
    wire_msg_t m;

    zmq_msg_init(&msg);
    if (tp_recv(sock, &msg, ZMQ_DONTWAIT) < 0) {
        zmq_msg_close(&msg);
        return -1;
    }
    if (node >= 0)
        failover_heard(co, node);
    if (wire_decode(zmq_msg_data(&msg), zmq_msg_size(&msg), &m) == 0) {
        slot_t *s = &co->slots[m.reqid & (CO_SLOTS - 1)];
        if (s->reqid == m.reqid && s->reqid != 0 && s->node >= 0)
            s_slot_complete(co, s, &m, zmq_msg_data(&msg), zmq_msg_size(&msg));
    }
    zmq_msg_close(&msg);
    return 0;
}

void pool_read(coord_t *co, void *sock, int node)
{
    while (s_read_one(co, sock, node) == 0)
        ;
}

void pool_next_pass(coord_t *co)
{
    for (int i = 0; i < co->nnodes; i++) {
        cnode_t *nd = &co->nodes[i];
        if (nd->pool_used) {
            nd->next_pool = (nd->next_pool + 1) % co->cfg.coord.pool_size;
            nd->pool_used = 0;
        }
    }
}

void pool_read_off(coord_t *co, int k)
{
    slot_t *s = &co->slots[k];
    if (s->off != NULL)
        s_read_one(co, s->off->sock, s->node);
}

/*
 * A node just declared down will not answer what it was sent: answer those
 * requests now, as "outcome unknown" (each may or may not have been
 * applied), instead of letting every client wait out CO_TIMEOUT_MS. This is
 * what keeps a failover's write gap close to the detection time.
 */
void pool_fail_node(coord_t *co, int node)
{
    for (int k = 0; k < CO_SLOTS; k++) {
        slot_t *s = &co->slots[k];
        if (s->reqid != 0 && s->node == node)
            pool_slot_fail(co, s, MM_ERR_TIMEOUT,
                           "%s stopped answering: outcome unknown",
                           co->nodes[node].cfg->name);
    }
}

/*
 * Times out node requests and held writes that waited too long. Only the
 * ring places between the oldest request still in flight and the newest
 * are looked at: under a steady load that is about the requests in flight,
 * not the whole ring.
 */
void pool_check_deadlines(coord_t *co)
{
    int64_t now = tp_now_ms();
    uint64_t span;

    while (co->oldest_reqid < co->next_reqid &&
           co->slots[co->oldest_reqid & (CO_SLOTS - 1)].reqid !=
               co->oldest_reqid)
        co->oldest_reqid++;
    span = co->next_reqid - co->oldest_reqid;
    if (span > CO_SLOTS)
        span = CO_SLOTS;
    for (uint64_t id = co->oldest_reqid; id < co->oldest_reqid + span; id++) {
        slot_t *s = &co->slots[id & (CO_SLOTS - 1)];
        if (s->reqid == 0 || s->deadline_ms > now)
            continue;
        if (s->node < 0)
            pool_slot_fail(co, s, MM_ERR_READONLY,
                           "no writer: the write was held %d ms during a "
                           "failover and was not sent",
                           co->cfg.coord.hold_ms);
        else
            pool_slot_fail(co, s, MM_ERR_TIMEOUT,
                           "no reply from %s within %d ms",
                           co->nodes[s->node].cfg->name, CO_TIMEOUT_MS);
    }
}
