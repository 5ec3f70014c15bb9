/*
 * coordinator.c - routing, read balancing, connection pooling, failure
 * detection and standby promotion, in one single-threaded zmq_poll loop.
 *
 * How a request travels:
 *
 *   1. A client request arrives on the ZeroMQ front (a ROUTER) or as a RESP
 *      command on a TCP connection. RESP replies must leave in the order the
 *      commands came (pipelining), so each command becomes a `creq_t` queued
 *      on its connection; MGET/MSET/DEL/EXISTS with several keys become
 *      several node requests ("subs") of one creq.
 *   2. Every node request takes a slot in a ring indexed by its request id
 *      (our own ids, not the client's), which remembers who waits for the
 *      reply and until when (CO_TIMEOUT_MS).
 *   3. s_route_write() / s_route_read() pick the node; the request goes out
 *      on one of the node's pool connections (or a fresh DEALER, pool=off).
 *   4. The node's reply finds its slot by request id. A reply that comes
 *      after the slot timed out finds the slot reused or empty and is
 *      dropped: its client was already told the outcome is unknown.
 *
 * Failure detection and failover (s_heartbeat, s_failover_step):
 *
 *   - Every heartbeat_ms each node gets a STATUS on its own admin DEALER;
 *     any reply from a node counts as a beat. A node that let `missed`
 *     beats pass unanswered is down; one answer brings it back.
 *   - In a primary-standby cluster, the primary going down starts a
 *     failover: new writes are held (up to hold_ms), the up standby with
 *     the highest applied vector is sent PROMOTE with epoch = highest epoch
 *     seen + 1, and when it answers OK it becomes the writer and the held
 *     writes go to it. Each phase is logged with its time since detection.
 *   - A node that reports role=primary with an epoch below the cluster's is
 *     a returning old primary: it is sent DEMOTE (fencing). Epochs make the
 *     fence hold at the nodes too: they refuse writes from older epochs.
 *
 * Pool sockets set ZMQ_IMMEDIATE, so a request to a node whose connection
 * is gone fails at once (the write certainly did not happen) instead of
 * queueing inside ZeroMQ and reaching the node whenever it comes back.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>
#include "coordinator.h"
#include "log.h"
#include "resp.h"
#include "transport.h"

#define CO_SLOTS 16384 /* node requests in flight (power of two) */
#define CO_TIMEOUT_MS 1000
#define CO_MAX_CONNS 1024
#define CO_CONN_QUEUE_MAX 4096 /* commands queued per RESP connection */
#define CO_READ_CHUNK 65536
#define CO_PERF_CHECK_MS 20 /* how often held and timed-out slots are seen */

/* ---- Types ----------------------------------------------------------- */

typedef struct {
    const config_node_t *cfg; /* Borrowed from co->cfg. */
    void *admin;              /* STATUS, PROMOTE, DEMOTE */
    void **pool;              /* pool_size DEALERs when pooling */
    int next_pool;
    int up;
    int missed;      /* beats sent and not answered in a row */
    int outstanding; /* a STATUS is unanswered */
    int have_status;
    node_role_t role; /* as the node last reported it */
    uint32_t epoch;
    uint64_t applied[MM_MAX_NODES + 1];
    uint64_t reads, writes; /* the node's own counters */
    uint32_t fenced_epoch;  /* DEMOTE sent for this epoch */
    int64_t heard_ms;
    uint64_t sent; /* requests we routed to it */
} cnode_t;

/* The result of one node request, kept until its creq can answer. */
typedef struct {
    int state; /* SUB_* */
    int node;
    int code;      /* ERROR: the node's error code (positive) */
    uint8_t *data; /* VALUE bytes or ERROR message (owned) */
    uint32_t len;
    uint64_t prev_stamp;
} sub_t;

enum { SUB_PENDING, SUB_OK, SUB_VALUE, SUB_NOTFOUND, SUB_ERROR, SUB_TIMEOUT };

/* What a RESP command becomes. */
enum { K_READY, K_GET, K_SET, K_DEL, K_EXISTS, K_MGET, K_MSET };

typedef struct conn conn_t;

typedef struct creq {
    struct creq *next;
    conn_t *conn; /* NULL once the connection closed */
    int kind;
    int done;
    int nsub, left;
    resp_buf_t out; /* the reply, once done */
    sub_t subs[];
} creq_t;

struct conn {
    int fd;
    int closing; /* QUIT or a protocol error: close once out is sent */
    resp_buf_t in, out;
    creq_t *head, *tail;
    int queued;
    int sticky;          /* sticky writer (node index) or -1 */
    uint16_t tok_origin; /* read-your-writes commit token */
    uint64_t tok_seq;
    int tok_node;
};

/* One node request in flight. */
typedef struct {
    uint64_t reqid; /* 0: free */
    int64_t deadline_ms;
    int node;       /* -1: held, waiting for a writer */
    int is_write;   /* PUT or DEL */
    void *sock;     /* pool = off: this request's own DEALER */
    uint8_t *frame; /* held requests keep their frame (owned) */
    size_t flen;
    creq_t *creq; /* RESP owner, or NULL */
    int sub;
    uint8_t *zid; /* ZeroMQ owner: routing id (owned) and its reqid */
    size_t zidlen;
    uint64_t zreqid;
} slot_t;

/* Failover states. */
typedef enum {
    FO_NONE,      /* the writer is up, or this cluster has no failover */
    FO_HOLDING,   /* the primary is down: writes wait, a standby is sought */
    FO_PROMOTING, /* PROMOTE sent, waiting for the standby's OK */
} fo_state_t;

struct coord {
    config_t cfg;
    void *ctx;
    void *front; /* ROUTER, or NULL */
    int listen_fd;
    volatile int stop;
    cnode_t nodes[MM_MAX_NODES];
    int nnodes;
    int primary_standby;
    int writer; /* node index of the writer (primary-standby), or -1 */
    uint32_t epoch;
    conn_t *conns[CO_MAX_CONNS];
    int nconns;
    slot_t *slots;
    uint64_t next_reqid;
    int live;     /* slots in use */
    int *offsock; /* slot indexes holding a pool=off socket */
    int noffsock;
    unsigned rr_read, rr_write;
    uint64_t acked_seq[MM_MAX_NODES + 1]; /* highest OK'd seq per origin */
    /* failover */
    fo_state_t fo;
    int64_t fo_detected_ms;
    int fo_candidate;
    uint32_t fo_epoch;
    uint64_t fo_reqid;
    int64_t fo_deadline_ms;
    int first_write_pending;
    int64_t promoted_at_ms;
    /* stats */
    uint64_t st_requests, st_opened, st_commands, st_errors, st_conns,
        st_failovers, st_timeouts, st_held;
    int64_t next_beat_ms, next_check_ms;
    uint64_t admin_reqid;
    zmq_pollitem_t *items;
    int *item_kind, *item_arg;
    int items_cap;
    resp_cmd_t cmd; /* parse scratch: large, so not on the stack */
};

static void s_creq_sub_done(coord_t *co, creq_t *r);
static void s_dispatch(coord_t *co, slot_t *s, int node);

/* ---- Small helpers --------------------------------------------------- */

static int s_is_writer_role(node_role_t r)
{
    return r == ROLE_MASTER || r == ROLE_PRIMARY;
}

static uint64_t s_hash(const uint8_t *p, size_t n)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 1099511628211ULL;
    return h;
}

static void s_put_u64(uint8_t *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--) {
        p[i] = (uint8_t)v;
        v >>= 8;
    }
}

static void *s_dealer(coord_t *co, const char *endpoint, int immediate)
{
    void *s = tp_socket(co->ctx, ZMQ_DEALER, 0, NULL);
    int hwm = 100000;
    if (s == NULL)
        return NULL;
    zmq_setsockopt(s, ZMQ_SNDHWM, &hwm, sizeof hwm);
    zmq_setsockopt(s, ZMQ_RCVHWM, &hwm, sizeof hwm);
    zmq_setsockopt(s, ZMQ_IMMEDIATE, &immediate, sizeof immediate);
    if (zmq_connect(s, endpoint) != 0) {
        zmq_close(s);
        return NULL;
    }
    co->st_opened++;
    return s;
}

/* ---- Slots ----------------------------------------------------------- */

static slot_t *s_slot_new(coord_t *co)
{
    uint64_t id = co->next_reqid++;
    slot_t *s = &co->slots[id & (CO_SLOTS - 1)];
    if (s->reqid != 0)
        return NULL; /* CO_SLOTS requests already in flight */
    memset(s, 0, sizeof *s);
    s->reqid = id;
    s->node = -1;
    co->live++;
    return s;
}

static void s_slot_free(coord_t *co, slot_t *s)
{
    if (s->sock != NULL) {
        zmq_close(s->sock);
        s->sock = NULL;
        for (int i = 0; i < co->noffsock; i++) {
            if (co->offsock[i] == (int)(s - co->slots)) {
                co->offsock[i] = co->offsock[--co->noffsock];
                break;
            }
        }
    }
    free(s->frame);
    free(s->zid);
    s->frame = NULL;
    s->zid = NULL;
    s->reqid = 0;
    co->live--;
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
    if (s->zid != NULL && co->front != NULL) {
        /* ZeroMQ client: pass the node's frame through, with its reqid. */
        uint8_t *copy = malloc(flen);
        if (copy != NULL) {
            memcpy(copy, frame, flen);
            s_put_u64(copy + WIRE_OFF_REQID, s->zreqid);
            tp_send_raw_to(co->front, s->zid, s->zidlen, copy, flen,
                           ZMQ_DONTWAIT);
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
            if (r->conn != NULL && s->is_write) {
                r->conn->tok_origin = m->origin;
                r->conn->tok_seq = m->seq;
                r->conn->tok_node = s->node;
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
        s_creq_sub_done(co, r);
    }
    s_slot_free(co, s);
}

/* A failure decided here, delivered like a node's ERROR reply. */
static void s_slot_fail(coord_t *co, slot_t *s, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void s_slot_fail(coord_t *co, slot_t *s, int code, const char *fmt, ...)
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
        s_creq_sub_done(co, s->creq);
        s_slot_free(co, s);
        return;
    }
    s_slot_complete(co, s, &e, frame, (size_t)(len < 0 ? 0 : len));
}

/* ---- Routing: the only place where a node is chosen ------------------ */

/*
 * Writes. Primary-standby: the current primary, or -2 (hold) while it is
 * down. Multi-master: write_route picks among the up masters: home = the
 * key's hash mod the masters (the next up one if it is down), sticky = the
 * connection's master while it stays up, primary = the first up master.
 * Returns a node index, -2 to hold, or -1 when no writer is up.
 */
static int s_route_write(coord_t *co, const uint8_t *key, size_t klen,
                         conn_t *c)
{
    int writers[MM_MAX_NODES], n = 0, start;

    if (co->primary_standby) {
        if (co->fo != FO_NONE || co->writer < 0 || !co->nodes[co->writer].up)
            return -2;
        return co->writer;
    }
    for (int i = 0; i < co->nnodes; i++)
        if (co->nodes[i].cfg->role == ROLE_MASTER)
            writers[n++] = i;
    if (n == 0)
        return -1;
    switch (co->cfg.coord.write_route) {
    case WRITE_ROUTE_HOME:
        start = (int)(s_hash(key, klen) % (uint64_t)n);
        break;
    case WRITE_ROUTE_STICKY:
        if (c != NULL && c->sticky >= 0 && co->nodes[c->sticky].up)
            return c->sticky;
        start = (int)(co->rr_write++ % (unsigned)n);
        break;
    default:
        start = 0;
        break;
    }
    for (int k = 0; k < n; k++) {
        int i = writers[(start + k) % n];
        if (co->nodes[i].up) {
            if (c != NULL && co->cfg.coord.write_route == WRITE_ROUTE_STICKY)
                c->sticky = i;
            return i;
        }
    }
    return -1;
}

/* The writer reads fall back to: the primary, or any up master. */
static int s_read_fallback(coord_t *co)
{
    if (co->primary_standby)
        return co->writer >= 0 && co->nodes[co->writer].up ? co->writer : -1;
    for (int k = 0; k < co->nnodes; k++) {
        int i = (int)((co->rr_read + (unsigned)k) % (unsigned)co->nnodes);
        if (co->nodes[i].cfg->role == ROLE_MASTER && co->nodes[i].up)
            return i;
    }
    return -1;
}

/*
 * How far node i is behind: for every writer origin, the newest seq any
 * writer reported for it minus what node i has applied, from the latest
 * STATUS replies (so it is at most one heartbeat old).
 */
static uint64_t s_lag(const coord_t *co, int i)
{
    uint64_t lag = 0;
    for (int o = 1; o <= MM_MAX_NODES; o++) {
        uint64_t best = 0;
        for (int w = 0; w < co->nnodes; w++)
            if (s_is_writer_role(co->nodes[w].role) &&
                co->nodes[w].applied[o] > best)
                best = co->nodes[w].applied[o];
        if (best > co->nodes[i].applied[o])
            lag += best - co->nodes[i].applied[o];
    }
    return lag;
}

/*
 * Reads go to up replicas (nodes that report role=replica), chosen by
 * read_route; with none up they go to the writer. ryw reads only from a
 * replica whose last STATUS shows the connection's last write applied,
 * else from the node that took that write.
 */
static int s_route_read(coord_t *co, conn_t *c)
{
    int cand[MM_MAX_NODES], n = 0, best = -1;
    read_route_t route = co->cfg.coord.read_route;

    if (route == READ_ROUTE_PRIMARY)
        return s_read_fallback(co);
    for (int i = 0; i < co->nnodes; i++) {
        cnode_t *nd = &co->nodes[i];
        node_role_t role = nd->have_status ? nd->role : nd->cfg->role;
        /* A replica that stopped following (further behind than max_lag
         * records) leaves the rotation until it catches up. */
        if (!nd->up || role != ROLE_REPLICA ||
            s_lag(co, i) > co->cfg.coord.max_lag)
            continue;
        if (route == READ_ROUTE_RYW && c != NULL && c->tok_seq != 0 &&
            nd->applied[c->tok_origin] < c->tok_seq)
            continue;
        cand[n++] = i;
    }
    if (n == 0) {
        if (route == READ_ROUTE_RYW && c != NULL && c->tok_seq != 0 &&
            c->tok_node >= 0 && co->nodes[c->tok_node].up)
            return c->tok_node;
        return s_read_fallback(co);
    }
    if (route == READ_ROUTE_LEAST_LAG) {
        uint64_t least = UINT64_MAX;
        for (int k = 0; k < n; k++) {
            /* Rotate the start so equal lags still share the load. */
            int i = cand[(co->rr_read + (unsigned)k) % (unsigned)n];
            uint64_t lag = s_lag(co, i);
            if (lag < least) {
                least = lag;
                best = i;
            }
        }
        co->rr_read++;
        return best;
    }
    return cand[co->rr_read++ % (unsigned)n];
}

/* ---- Sending node requests ------------------------------------------- */

/*
 * Sends slot s's frame (or the frame given) to node i: one of its pool
 * connections, or a new DEALER with pool = off.
 */
static int s_send_frame(coord_t *co, slot_t *s, int i, const uint8_t *frame,
                        size_t flen)
{
    cnode_t *nd = &co->nodes[i];
    zmq_msg_t msg;
    void *sock;
    int rc;

    if (co->cfg.coord.pool) {
        sock = nd->pool[nd->next_pool++ % co->cfg.coord.pool_size];
    } else {
        sock = s_dealer(co, nd->cfg->client, 0);
        if (sock == NULL)
            return -errno;
        s->sock = sock;
        co->offsock[co->noffsock++] = (int)(s - co->slots);
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
    rc = zmq_msg_send(&msg, sock, ZMQ_DONTWAIT);
    if (rc < 0) {
        rc = -errno;
        zmq_msg_close(&msg);
        return rc;
    }
    s->node = i;
    s->deadline_ms = tp_now_ms() + CO_TIMEOUT_MS;
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
            s_slot_fail(co, s, -ENOMEM, "out of memory");
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
 * Routes and sends one request held in s (frame = its encoded request).
 * node >= 0 forces the target (a held write being released).
 */
static void s_dispatch_frame(coord_t *co, slot_t *s, int node,
                             const uint8_t *frame, size_t flen,
                             const uint8_t *key, size_t klen, conn_t *c)
{
    int i = node, rc;

    if (i < 0)
        i = s->is_write ? s_route_write(co, key, klen, c) : s_route_read(co, c);
    if (i == -2) {
        s_hold(co, s, frame, flen);
        return;
    }
    if (i < 0) {
        s_slot_fail(co, s, MM_ERR_READONLY,
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
    if (rc < 0)
        s_slot_fail(co, s, rc == -EAGAIN ? MM_ERR_STATE : rc,
                    "node %s is unreachable: the request was not sent",
                    co->nodes[i].cfg->name);
}

static void s_dispatch(coord_t *co, slot_t *s, int node)
{
    wire_msg_t m;
    if (wire_decode(s->frame, s->flen, &m) != 0) {
        s_slot_fail(co, s, MM_ERR_CORRUPT, "bad held frame");
        return;
    }
    s_dispatch_frame(co, s, node, s->frame, s->flen, m.key, m.klen, NULL);
}

static int s_by_reqid(const void *a, const void *b)
{
    const slot_t *x = *(slot_t *const *)a, *y = *(slot_t *const *)b;
    return x->reqid < y->reqid ? -1 : x->reqid > y->reqid;
}

/* Sends every held write to the new writer, in the order they came. */
static void s_release_held(coord_t *co)
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

/*
 * Starts one node request for a RESP command's sub, or for a ZeroMQ
 * client (zid != NULL). Encodes the request once.
 */
static void s_request(coord_t *co, int cmd, const uint8_t *key, size_t klen,
                      const uint8_t *val, size_t vlen, creq_t *r, int sub,
                      conn_t *c)
{
    wire_msg_t m = {0};
    uint8_t small[WIRE_HEADER_SIZE + MM_KEY_MAX + 256];
    uint8_t *frame = small;
    size_t need;
    slot_t *s = s_slot_new(co);

    if (s == NULL) {
        const char *busy = "coordinator busy: too many requests in flight";
        r->subs[sub].state = SUB_ERROR;
        r->subs[sub].data = (uint8_t *)strdup(busy);
        r->subs[sub].len = r->subs[sub].data ? (uint32_t)strlen(busy) : 0;
        s_creq_sub_done(co, r);
        return;
    }
    s->creq = r;
    s->sub = sub;
    s->is_write = cmd == WIRE_PUT || cmd == WIRE_DEL;
    m.cmd = (uint8_t)cmd;
    m.epoch = co->epoch;
    m.key = key;
    m.klen = (uint32_t)klen;
    m.value = val;
    m.vlen = (uint32_t)vlen;
    need = wire_size(&m);
    if (need > sizeof small) {
        frame = malloc(need);
        if (frame == NULL) {
            s_slot_fail(co, s, -ENOMEM, "out of memory");
            return;
        }
    }
    int len = wire_encode(&m, frame, need);
    if (len < 0)
        s_slot_fail(co, s, len, "%s", mm_strerror(len));
    else
        s_dispatch_frame(co, s, -1, frame, (size_t)len, key, klen, c);
    if (frame != small)
        free(frame);
}

/* ---- RESP replies ---------------------------------------------------- */

static void s_conn_flush_ready(conn_t *c)
{
    while (c->head != NULL && c->head->done) {
        creq_t *r = c->head;
        resp_buf_append(&c->out, r->out.data, r->out.len);
        c->head = r->next;
        if (c->head == NULL)
            c->tail = NULL;
        c->queued--;
        resp_buf_free(&r->out);
        free(r);
    }
}

/* The RESP error for a failed sub. */
static void s_sub_error(coord_t *co, resp_buf_t *b, const sub_t *sub,
                        int is_write)
{
    const char *name = sub->node >= 0 ? co->nodes[sub->node].cfg->name : "-";
    co->st_errors++;
    if (sub->state == SUB_TIMEOUT ||
        (sub->state == SUB_ERROR && sub->code == -MM_ERR_TIMEOUT)) {
        if (is_write)
            resp_errorf(b,
                        "ERR TIMEOUT outcome unknown: %.*s (node %s; the "
                        "write may or may not have happened)",
                        (int)sub->len, (const char *)sub->data, name);
        else
            resp_errorf(b, "ERR TIMEOUT %.*s (node %s)", (int)sub->len,
                        (const char *)sub->data, name);
        return;
    }
    resp_errorf(b, "ERR %.*s", (int)sub->len,
                sub->data ? (const char *)sub->data : "failed");
}

/* Builds the RESP reply of a command whose subs have all answered. */
static void s_creq_reply(coord_t *co, creq_t *r)
{
    resp_buf_t *b = &r->out;
    int is_write = r->kind == K_SET || r->kind == K_DEL || r->kind == K_MSET;
    long long count = 0;

    for (int i = 0; i < r->nsub; i++) {
        sub_t *sub = &r->subs[i];
        if (sub->state == SUB_ERROR || sub->state == SUB_TIMEOUT) {
            s_sub_error(co, b, sub, is_write);
            return;
        }
    }
    switch (r->kind) {
    case K_GET:
        if (r->subs[0].state == SUB_VALUE)
            resp_bulk(b, r->subs[0].data, r->subs[0].len);
        else
            resp_null(b);
        break;
    case K_SET:
    case K_MSET:
        resp_simple(b, "OK");
        break;
    case K_DEL:
        /* A delete that overwrote something counts (see docs). */
        for (int i = 0; i < r->nsub; i++)
            count += r->subs[i].prev_stamp != 0;
        resp_integer(b, count);
        break;
    case K_EXISTS:
        for (int i = 0; i < r->nsub; i++)
            count += r->subs[i].state == SUB_VALUE;
        resp_integer(b, count);
        break;
    case K_MGET:
        resp_array(b, r->nsub);
        for (int i = 0; i < r->nsub; i++) {
            if (r->subs[i].state == SUB_VALUE)
                resp_bulk(b, r->subs[i].data, r->subs[i].len);
            else
                resp_null(b);
        }
        break;
    }
}

static void s_creq_free_subs(creq_t *r)
{
    for (int i = 0; i < r->nsub; i++) {
        free(r->subs[i].data);
        r->subs[i].data = NULL;
    }
}

static void s_creq_sub_done(coord_t *co, creq_t *r)
{
    if (--r->left > 0)
        return;
    if (r->conn == NULL) {
        /* Its connection closed: nobody waits for the answer. */
        s_creq_free_subs(r);
        resp_buf_free(&r->out);
        free(r);
        return;
    }
    s_creq_reply(co, r);
    s_creq_free_subs(r);
    r->done = 1;
    s_conn_flush_ready(r->conn);
}

static creq_t *s_creq_new(conn_t *c, int kind, int nsub)
{
    creq_t *r = calloc(1, sizeof *r + (size_t)nsub * sizeof(sub_t));
    if (r == NULL)
        return NULL;
    r->conn = c;
    r->kind = kind;
    r->nsub = nsub;
    r->left = nsub;
    for (int i = 0; i < nsub; i++)
        r->subs[i].node = -1;
    if (c->tail != NULL)
        c->tail->next = r;
    else
        c->head = r;
    c->tail = r;
    c->queued++;
    return r;
}

/* A reply known now; still queued, behind commands waiting for nodes. */
static resp_buf_t *s_ready(conn_t *c)
{
    creq_t *r;
    if (c->head == NULL)
        return &c->out;
    r = s_creq_new(c, K_READY, 0);
    if (r == NULL)
        return &c->out;
    r->done = 1;
    return &r->out;
}

/* ---- RESP commands --------------------------------------------------- */

/* Commands last-writer-wins cannot honour, and why. */
static const struct {
    const char *name;
    const char *why;
} s_refused[] = {
    {"INCR", "rmw"},     {"DECR", "rmw"},        {"INCRBY", "rmw"},
    {"DECRBY", "rmw"},   {"INCRBYFLOAT", "rmw"}, {"APPEND", "rmw"},
    {"SETRANGE", "rmw"}, {"GETSET", "rmw"},      {"GETDEL", "rmw"},
    {"SETNX", "rmw"},    {"MSETNX", "rmw"},      {"GETEX", "ttl"},
    {"SETEX", "ttl"},    {"PSETEX", "ttl"},      {"EXPIRE", "ttl"},
    {"PEXPIRE", "ttl"},  {"EXPIREAT", "ttl"},    {"PEXPIREAT", "ttl"},
    {"TTL", "ttl"},      {"PTTL", "ttl"},        {"PERSIST", "ttl"},
    {"MULTI", "tx"},     {"EXEC", "tx"},         {"WATCH", "tx"},
    {"UNWATCH", "tx"},   {"DISCARD", "tx"},
};

static const char *s_why(const char *kind)
{
    if (strcmp(kind, "rmw") == 0)
        return "mmlab replicates values with last-writer-wins, which cannot "
               "do read-modify-write safely";
    if (strcmp(kind, "ttl") == 0)
        return "mmlab values do not expire";
    return "mmlab has no transactions: last-writer-wins replication cannot "
           "make several writes atomic or conditional";
}

static int s_key_ok(coord_t *co, conn_t *c, const resp_cmd_t *cmd, int from,
                    int step)
{
    for (int i = from; i < cmd->argc; i += step) {
        if (cmd->argl[i] == 0 || cmd->argl[i] > MM_KEY_MAX) {
            co->st_errors++;
            resp_errorf(s_ready(c),
                        "ERR key of %zu bytes: keys must be 1 to %d bytes",
                        cmd->argl[i], MM_KEY_MAX);
            return 0;
        }
    }
    return 1;
}

static void s_info(coord_t *co, resp_buf_t *b, const char *section);

static void s_resp_command(coord_t *co, conn_t *c, const resp_cmd_t *cmd)
{
    char name[24];
    size_t n = cmd->argl[0];
    creq_t *r;

    co->st_commands++;
    if (n >= sizeof name)
        n = sizeof name - 1;
    for (size_t i = 0; i < n; i++) {
        char ch = (char)cmd->argv[0][i];
        name[i] = ch >= 'a' && ch <= 'z' ? (char)(ch - 32) : ch;
    }
    name[n] = '\0';

#define ARITY(ok)                                                              \
    do {                                                                       \
        if (!(ok)) {                                                           \
            co->st_errors++;                                                   \
            resp_errorf(s_ready(c),                                            \
                        "ERR wrong number of arguments for '%s' command",      \
                        name);                                                 \
            return;                                                            \
        }                                                                      \
    } while (0)

    if (strcmp(name, "GET") == 0) {
        ARITY(cmd->argc == 2);
        if (!s_key_ok(co, c, cmd, 1, 1))
            return;
        if ((r = s_creq_new(c, K_GET, 1)) == NULL)
            goto oom;
        s_request(co, WIRE_GET, cmd->argv[1], cmd->argl[1], NULL, 0, r, 0, c);
    } else if (strcmp(name, "SET") == 0) {
        if (cmd->argc > 3) {
            co->st_errors++;
            resp_error(s_ready(c), "ERR SET options (EX, PX, NX, XX, GET, "
                                   "KEEPTTL) are not supported: mmlab values "
                                   "do not expire and last-writer-wins "
                                   "cannot do conditional writes");
            return;
        }
        ARITY(cmd->argc == 3);
        if (!s_key_ok(co, c, cmd, 1, 1))
            return;
        if (cmd->argl[2] > MM_VALUE_MAX) {
            co->st_errors++;
            resp_errorf(s_ready(c), "ERR value of %zu bytes: at most %d",
                        cmd->argl[2], MM_VALUE_MAX);
            return;
        }
        if ((r = s_creq_new(c, K_SET, 1)) == NULL)
            goto oom;
        s_request(co, WIRE_PUT, cmd->argv[1], cmd->argl[1], cmd->argv[2],
                  cmd->argl[2], r, 0, c);
    } else if (strcmp(name, "MSET") == 0) {
        ARITY(cmd->argc >= 3 && cmd->argc % 2 == 1);
        if (!s_key_ok(co, c, cmd, 1, 2))
            return;
        for (int i = 2; i < cmd->argc; i += 2) {
            if (cmd->argl[i] > MM_VALUE_MAX) {
                co->st_errors++;
                resp_errorf(s_ready(c), "ERR value of %zu bytes: at most %d",
                            cmd->argl[i], MM_VALUE_MAX);
                return;
            }
        }
        if ((r = s_creq_new(c, K_MSET, cmd->argc / 2)) == NULL)
            goto oom;
        for (int i = 1; i < cmd->argc; i += 2)
            s_request(co, WIRE_PUT, cmd->argv[i], cmd->argl[i],
                      cmd->argv[i + 1], cmd->argl[i + 1], r, i / 2, c);
    } else if (strcmp(name, "DEL") == 0 || strcmp(name, "UNLINK") == 0 ||
               strcmp(name, "EXISTS") == 0 || strcmp(name, "MGET") == 0) {
        int kind = name[0] == 'E' ? K_EXISTS : name[0] == 'M' ? K_MGET : K_DEL;
        ARITY(cmd->argc >= 2);
        if (!s_key_ok(co, c, cmd, 1, 1))
            return;
        if ((r = s_creq_new(c, kind, cmd->argc - 1)) == NULL)
            goto oom;
        for (int i = 1; i < cmd->argc; i++)
            s_request(co, kind == K_DEL ? WIRE_DEL : WIRE_GET, cmd->argv[i],
                      cmd->argl[i], NULL, 0, r, i - 1, c);
    } else if (strcmp(name, "PING") == 0) {
        ARITY(cmd->argc <= 2);
        if (cmd->argc == 2)
            resp_bulk(s_ready(c), cmd->argv[1], cmd->argl[1]);
        else
            resp_simple(s_ready(c), "PONG");
    } else if (strcmp(name, "ECHO") == 0) {
        ARITY(cmd->argc == 2);
        resp_bulk(s_ready(c), cmd->argv[1], cmd->argl[1]);
    } else if (strcmp(name, "QUIT") == 0) {
        resp_simple(s_ready(c), "OK");
        c->closing = 1;
    } else if (strcmp(name, "SELECT") == 0) {
        ARITY(cmd->argc == 2);
        if (cmd->argl[1] == 1 && cmd->argv[1][0] == '0')
            resp_simple(s_ready(c), "OK");
        else
            resp_error(s_ready(c), "ERR mmlab has one database: SELECT 0");
    } else if (strcmp(name, "COMMAND") == 0) {
        resp_array(s_ready(c), 0);
    } else if (strcmp(name, "CONFIG") == 0) {
        resp_buf_t *b = s_ready(c);
        if (cmd->argc >= 3 && cmd->argl[1] == 3 &&
            strncasecmp((const char *)cmd->argv[1], "GET", 3) == 0) {
            /* Harmless: every asked parameter, with an empty value. */
            resp_array(b, 2 * (cmd->argc - 2));
            for (int i = 2; i < cmd->argc; i++) {
                resp_bulk(b, cmd->argv[i], cmd->argl[i]);
                resp_bulk(b, "", 0);
            }
        } else {
            resp_error(b, "ERR only CONFIG GET is answered (with empty "
                          "values): mmlab is configured by its cluster file");
        }
    } else if (strcmp(name, "INFO") == 0) {
        char sec[32] = "";
        if (cmd->argc >= 2) {
            size_t l =
                cmd->argl[1] < sizeof sec - 1 ? cmd->argl[1] : sizeof sec - 1;
            memcpy(sec, cmd->argv[1], l);
            sec[l] = '\0';
        }
        resp_buf_t text;
        resp_buf_init(&text);
        s_info(co, &text, sec);
        resp_bulk(s_ready(c), text.data, text.len);
        resp_buf_free(&text);
    } else {
        for (size_t i = 0; i < sizeof s_refused / sizeof s_refused[0]; i++) {
            if (strcmp(name, s_refused[i].name) == 0) {
                co->st_errors++;
                resp_errorf(s_ready(c), "ERR %s is not supported: %s", name,
                            s_why(s_refused[i].why));
                return;
            }
        }
        co->st_errors++;
        resp_errorf(s_ready(c),
                    "ERR unknown command '%.*s', with args beginning with: %s",
                    (int)(cmd->argl[0] > 64 ? 64 : cmd->argl[0]),
                    (const char *)cmd->argv[0], cmd->argc > 1 ? "..." : "");
    }
    return;
oom:
    resp_error(s_ready(c), "ERR out of memory");
#undef ARITY
}

/* ---- INFO and STATUS ------------------------------------------------- */

static void s_addf(resp_buf_t *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void s_addf(resp_buf_t *b, const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (n > 0)
        resp_buf_append(b, line,
                        (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
}

static const char *s_fo_name(fo_state_t s)
{
    return s == FO_HOLDING     ? "holding"
           : s == FO_PROMOTING ? "promoting"
                               : "none";
}

/*
 * INFO text in Redis's shape ("# Section" then "name:value" lines, CRLF).
 * Nodes appear as node0:name=m1,role=master,state=up,... like Redis's
 * slave0: lines; the applied vector uses ';' inside a field.
 */
static void s_info(coord_t *co, resp_buf_t *b, const char *section)
{
    int all = section[0] == '\0' || strcasecmp(section, "all") == 0 ||
              strcasecmp(section, "everything") == 0;
    int connected = 0;

    for (int i = 0; i < co->nnodes; i++)
        connected += co->nodes[i].up;
    if (all || strcasecmp(section, "server") == 0) {
        s_addf(b,
               "# Server\r\nmmlab_role:coordinator\r\ncluster:%s\r\n"
               "redis_version:7.0.0-mmlab\r\n\r\n",
               co->cfg.name);
    }
    if (all || strcasecmp(section, "replication") == 0) {
        s_addf(b,
               "# Replication\r\nrole:coordinator\r\ncluster_epoch:%u\r\n"
               "cluster_shape:%s\r\nwriter:%s\r\nwrite_route:%s\r\n"
               "read_route:%s\r\nfailover_state:%s\r\nconnected_nodes:%d\r\n",
               co->epoch,
               co->primary_standby ? "primary-standby" : "multi-master",
               co->writer >= 0 ? co->nodes[co->writer].cfg->name : "-",
               config_write_route_name(co->cfg.coord.write_route),
               config_read_route_name(co->cfg.coord.read_route),
               s_fo_name(co->fo), connected);
        for (int i = 0; i < co->nnodes; i++) {
            cnode_t *nd = &co->nodes[i];
            s_addf(b, "node%d:name=%s,role=%s,state=%s,epoch=%u,applied=", i,
                   nd->cfg->name,
                   config_role_name(nd->have_status ? nd->role : nd->cfg->role),
                   nd->up ? "up" : "down", nd->epoch);
            const char *sep = "";
            for (int o = 1; o <= MM_MAX_NODES; o++) {
                const config_node_t *on =
                    config_node_by_id(&co->cfg, (uint16_t)o);
                if (on == NULL || !config_role_streams(on->role))
                    continue;
                s_addf(b, "%s%s:%llu", sep, on->name,
                       (unsigned long long)nd->applied[o]);
                sep = ";";
            }
            s_addf(b, ",lag=%llu,missed=%d,sent=%llu\r\n",
                   (unsigned long long)s_lag(co, i), nd->missed,
                   (unsigned long long)nd->sent);
        }
        s_addf(b,
               "pool:%s\r\npool_size:%d\r\npool_requests:%llu\r\n"
               "pool_connections_opened:%llu\r\npool_in_flight:%d\r\n"
               "held_writes_total:%llu\r\n\r\n",
               co->cfg.coord.pool ? "on" : "off", co->cfg.coord.pool_size,
               (unsigned long long)co->st_requests,
               (unsigned long long)co->st_opened, co->live,
               (unsigned long long)co->st_held);
    }
    if (all || strcasecmp(section, "stats") == 0) {
        s_addf(b,
               "# Stats\r\ntotal_connections_received:%llu\r\n"
               "connected_clients:%d\r\ntotal_commands_processed:%llu\r\n"
               "total_error_replies:%llu\r\nnode_timeouts:%llu\r\n"
               "failovers:%llu\r\n",
               (unsigned long long)co->st_conns, co->nconns,
               (unsigned long long)co->st_commands,
               (unsigned long long)co->st_errors,
               (unsigned long long)co->st_timeouts,
               (unsigned long long)co->st_failovers);
    }
}

/* ---- RESP connections ------------------------------------------------ */

static void s_conn_close(coord_t *co, int k)
{
    conn_t *c = co->conns[k];
    for (creq_t *r = c->head, *next; r != NULL; r = next) {
        next = r->next;
        r->next = NULL;
        if (r->done) {
            resp_buf_free(&r->out);
            free(r);
        } else {
            r->conn = NULL; /* freed when its last node reply comes */
        }
    }
    close(c->fd);
    resp_buf_free(&c->in);
    resp_buf_free(&c->out);
    free(c);
    co->conns[k] = co->conns[--co->nconns];
}

static void s_accept(coord_t *co)
{
    for (;;) {
        int fd = accept(co->listen_fd, NULL, NULL);
        int one = 1;
        conn_t *c;
        if (fd < 0)
            return;
        if (co->nconns == CO_MAX_CONNS || (c = calloc(1, sizeof *c)) == NULL) {
            const char busy[] = "-ERR max number of clients reached\r\n";
            ssize_t w = write(fd, busy, sizeof busy - 1);
            (void)w;
            close(fd);
            continue;
        }
        fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        c->fd = fd;
        c->sticky = -1;
        c->tok_node = -1;
        co->conns[co->nconns++] = c;
        co->st_conns++;
    }
}

/* Reads what the client sent and runs every complete command. Returns -1
 * when the connection is finished. */
static int s_conn_read(coord_t *co, conn_t *c)
{
    char err[128];
    size_t at = 0;

    for (;;) {
        if (resp_buf_reserve(&c->in, CO_READ_CHUNK) < 0)
            return -1;
        ssize_t n = read(c->fd, c->in.data + c->in.len, CO_READ_CHUNK);
        if (n == 0)
            return -1;
        if (n < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                break;
            if (errno == EINTR)
                continue;
            return -1;
        }
        c->in.len += (size_t)n;
        if ((size_t)n < CO_READ_CHUNK)
            break;
    }
    while (!c->closing && c->queued < CO_CONN_QUEUE_MAX) {
        long used = resp_parse(c->in.data + at, c->in.len - at, &co->cmd, err,
                               sizeof err);
        if (used == 0)
            break;
        if (used < 0) {
            co->st_errors++;
            resp_errorf(s_ready(c), "ERR %s", err);
            c->closing = 1;
            break;
        }
        at += (size_t)used;
        if (co->cmd.argc > 0)
            s_resp_command(co, c, &co->cmd);
    }
    resp_buf_consume(&c->in, at);
    return 0;
}

/* Sends what is ready. Returns -1 when the connection is finished. */
static int s_conn_write(conn_t *c)
{
    while (c->out.len > 0) {
        ssize_t n = write(c->fd, c->out.data, c->out.len);
        if (n < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return 0;
            if (errno == EINTR)
                continue;
            return -1;
        }
        resp_buf_consume(&c->out, (size_t)n);
    }
    if (c->out.cap > 1024 * 1024) {
        resp_buf_free(&c->out); /* give back a burst's memory */
    }
    return c->closing && c->head == NULL ? -1 : 0;
}

/* ---- The ZeroMQ front ------------------------------------------------ */

static void s_front_status(coord_t *co, const void *id, size_t idlen,
                           uint64_t reqid)
{
    resp_buf_t t;
    wire_msg_t r = {0};
    resp_buf_init(&t);
    s_addf(&t,
           "node=coordinator\nrole=coordinator\nepoch=%u\ncluster=%s\n"
           "writer=%s\nfailover=%s\n",
           co->epoch, co->cfg.name,
           co->writer >= 0 ? co->nodes[co->writer].cfg->name : "-",
           s_fo_name(co->fo));
    for (int i = 0; i < co->nnodes; i++)
        s_addf(&t, "node.%s=%s role=%s epoch=%u lag=%llu\n",
               co->nodes[i].cfg->name, co->nodes[i].up ? "up" : "down",
               config_role_name(co->nodes[i].role), co->nodes[i].epoch,
               (unsigned long long)s_lag(co, i));
    s_addf(&t, "requests=%llu\nconnections_opened=%llu\nin_flight=%d\n",
           (unsigned long long)co->st_requests,
           (unsigned long long)co->st_opened, co->live);
    r.cmd = WIRE_STATUS_REPLY;
    r.epoch = co->epoch;
    r.reqid = reqid;
    r.value = t.data;
    r.vlen = (uint32_t)t.len;
    tp_send_to(co->front, id, idlen, &r, ZMQ_DONTWAIT);
    resp_buf_free(&t);
}

static void s_front_error(coord_t *co, const void *id, size_t idlen,
                          uint64_t reqid, int code, const char *text)
{
    wire_msg_t e = {0};
    e.cmd = WIRE_ERROR;
    e.epoch = co->epoch;
    e.reqid = reqid;
    e.seq = (uint64_t)(code < 0 ? -code : code);
    e.value = (const uint8_t *)text;
    e.vlen = (uint32_t)strlen(text);
    tp_send_to(co->front, id, idlen, &e, ZMQ_DONTWAIT);
}

static void s_front_read(coord_t *co)
{
    for (int burst = 0; burst < 1024; burst++) {
        zmq_msg_t id, body;
        wire_msg_t m;
        zmq_msg_init(&id);
        zmq_msg_init(&body);
        if (tp_recv(co->front, &id, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&id);
            zmq_msg_close(&body);
            return;
        }
        if (!zmq_msg_more(&id) || tp_recv(co->front, &body, 0) < 0)
            goto next;
        tp_drain_more(co->front);
        const uint8_t *frame = zmq_msg_data(&body);
        size_t flen = zmq_msg_size(&body);
        const void *zid = zmq_msg_data(&id);
        size_t zidlen = zmq_msg_size(&id);
        int rc = wire_decode(frame, flen, &m);
        if (rc < 0) {
            s_front_error(co, zid, zidlen, 0, rc, mm_strerror(rc));
            goto next;
        }
        if (m.cmd == WIRE_PING) {
            wire_msg_t p = {0};
            p.cmd = WIRE_PONG;
            p.epoch = co->epoch;
            p.reqid = m.reqid;
            tp_send_to(co->front, zid, zidlen, &p, ZMQ_DONTWAIT);
        } else if (m.cmd == WIRE_STATUS) {
            s_front_status(co, zid, zidlen, m.reqid);
        } else if (m.cmd == WIRE_PUT || m.cmd == WIRE_DEL ||
                   m.cmd == WIRE_GET) {
            slot_t *s = s_slot_new(co);
            if (s == NULL) {
                s_front_error(co, zid, zidlen, m.reqid, MM_ERR_STATE,
                              "coordinator busy: too many requests in flight");
                goto next;
            }
            s->is_write = m.cmd != WIRE_GET;
            s->zreqid = m.reqid;
            s->zid = malloc(zidlen);
            if (s->zid == NULL) {
                s_slot_free(co, s);
                goto next;
            }
            memcpy(s->zid, zid, zidlen);
            s->zidlen = zidlen;
            s_dispatch_frame(co, s, -1, frame, flen, m.key, m.klen, NULL);
        } else {
            char msg[96];
            snprintf(msg, sizeof msg,
                     "%s is not served by the coordinator: send it to a node",
                     wire_cmd_name(m.cmd));
            s_front_error(co, zid, zidlen, m.reqid, MM_ERR_UNKNOWN, msg);
        }
    next:
        zmq_msg_close(&id);
        zmq_msg_close(&body);
    }
}

/* ---- Node replies ---------------------------------------------------- */

static void s_heard(coord_t *co, int i)
{
    cnode_t *nd = &co->nodes[i];
    nd->heard_ms = tp_now_ms();
    nd->missed = 0;
    nd->outstanding = 0;
    if (!nd->up) {
        nd->up = 1;
        log_event(LOG_INFO, "node_up", "target=%s", nd->cfg->name);
    }
}

/* Reads one reply from a node's pool (or pool=off) socket. */
static int s_pool_read(coord_t *co, void *sock, int node)
{
    zmq_msg_t msg;
    wire_msg_t m;
    int n;

    zmq_msg_init(&msg);
    n = tp_recv(sock, &msg, ZMQ_DONTWAIT);
    if (n < 0) {
        zmq_msg_close(&msg);
        return -1;
    }
    if (node >= 0)
        s_heard(co, node);
    if (wire_decode(zmq_msg_data(&msg), zmq_msg_size(&msg), &m) == 0) {
        slot_t *s = &co->slots[m.reqid & (CO_SLOTS - 1)];
        if (s->reqid == m.reqid && s->reqid != 0 && s->node >= 0)
            s_slot_complete(co, s, &m, zmq_msg_data(&msg), zmq_msg_size(&msg));
    }
    zmq_msg_close(&msg);
    return 0;
}

/* Reads "applied=m1:5,m2:7" into nd->applied. */
static void s_parse_applied(coord_t *co, cnode_t *nd, const char *v, size_t len)
{
    char buf[1024], *save = NULL;
    if (len >= sizeof buf)
        len = sizeof buf - 1;
    memcpy(buf, v, len);
    buf[len] = '\0';
    for (char *tok = strtok_r(buf, ",", &save); tok != NULL;
         tok = strtok_r(NULL, ",", &save)) {
        char *colon = strchr(tok, ':');
        if (colon == NULL)
            continue;
        *colon = '\0';
        const config_node_t *o = config_node(&co->cfg, tok);
        if (o != NULL)
            nd->applied[o->id] = strtoull(colon + 1, NULL, 10);
    }
}

static void s_send_admin(coord_t *co, int i, int cmd, uint32_t epoch,
                         uint64_t reqid)
{
    wire_msg_t m = {0};
    m.cmd = (uint8_t)cmd;
    m.epoch = epoch;
    m.reqid = reqid;
    tp_send(co->nodes[i].admin, &m, ZMQ_DONTWAIT);
}

/* A node's STATUS: its role, epoch and applied vector; and fencing. */
static void s_on_status(coord_t *co, int i, const wire_msg_t *m)
{
    cnode_t *nd = &co->nodes[i];
    const char *p = (const char *)m->value, *end = p + m->vlen;

    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *eol = nl != NULL ? nl : end;
        const char *eq = memchr(p, '=', (size_t)(eol - p));
        if (eq != NULL) {
            size_t kl = (size_t)(eq - p), vl = (size_t)(eol - eq - 1);
            char v[32];
            size_t cl = vl < sizeof v - 1 ? vl : sizeof v - 1;
            memcpy(v, eq + 1, cl);
            v[cl] = '\0';
            if (kl == 4 && memcmp(p, "role", 4) == 0) {
                nd->role = !strcmp(v, "primary")   ? ROLE_PRIMARY
                           : !strcmp(v, "standby") ? ROLE_STANDBY
                           : !strcmp(v, "replica") ? ROLE_REPLICA
                                                   : ROLE_MASTER;
            } else if (kl == 5 && memcmp(p, "epoch", 5) == 0) {
                nd->epoch = (uint32_t)strtoul(v, NULL, 10);
            } else if (kl == 7 && memcmp(p, "applied", 7) == 0) {
                s_parse_applied(co, nd, eq + 1, vl);
            } else if (kl == 5 && memcmp(p, "reads", 5) == 0) {
                nd->reads = strtoull(v, NULL, 10);
            } else if (kl == 6 && memcmp(p, "writes", 6) == 0) {
                nd->writes = strtoull(v, NULL, 10);
            }
        }
        p = eol + 1;
    }
    nd->have_status = 1;
    if (nd->epoch > co->epoch && co->fo == FO_NONE)
        co->epoch = nd->epoch; /* a coordinator restarted after failovers */
    if (!co->primary_standby || nd->role != ROLE_PRIMARY)
        return;
    if (i != co->writer && nd->epoch >= co->epoch && co->fo == FO_NONE &&
        (co->writer < 0 || co->nodes[co->writer].role != ROLE_PRIMARY ||
         co->nodes[co->writer].epoch < nd->epoch)) {
        log_event(LOG_INFO, "writer", "target=%s epoch=%u reason=reported",
                  nd->cfg->name, nd->epoch);
        co->writer = i;
    } else if (i != co->writer && nd->epoch < co->epoch &&
               nd->fenced_epoch != co->epoch) {
        /* A primary of an older epoch: it must not take writes. */
        nd->fenced_epoch = co->epoch;
        s_send_admin(co, i, WIRE_DEMOTE, co->epoch, ++co->admin_reqid);
        log_event(LOG_INFO, "failover",
                  "phase=fenced node=%s its_epoch=%u epoch=%u elapsed_ms=%lld",
                  nd->cfg->name, nd->epoch, co->epoch,
                  (long long)(co->fo_detected_ms
                                  ? tp_now_ms() - co->fo_detected_ms
                                  : 0));
    }
}

static void s_admin_read(coord_t *co, int i)
{
    for (;;) {
        zmq_msg_t msg;
        wire_msg_t m;
        zmq_msg_init(&msg);
        if (tp_recv(co->nodes[i].admin, &msg, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&msg);
            return;
        }
        s_heard(co, i);
        if (wire_decode(zmq_msg_data(&msg), zmq_msg_size(&msg), &m) == 0) {
            if (m.cmd == WIRE_STATUS_REPLY) {
                s_on_status(co, i, &m);
            } else if (co->fo == FO_PROMOTING && m.reqid == co->fo_reqid &&
                       i == co->fo_candidate) {
                int64_t now = tp_now_ms();
                if (m.cmd == WIRE_OK) {
                    co->writer = i;
                    co->epoch = co->fo_epoch;
                    co->nodes[i].role = ROLE_PRIMARY;
                    co->nodes[i].epoch = co->fo_epoch;
                    co->fo = FO_NONE;
                    co->first_write_pending = 1;
                    co->promoted_at_ms = now;
                    co->st_failovers++;
                    log_event(LOG_INFO, "failover",
                              "phase=promoted node=%s epoch=%u elapsed_ms=%lld",
                              co->nodes[i].cfg->name, co->epoch,
                              (long long)(now - co->fo_detected_ms));
                    s_release_held(co);
                } else {
                    log_event(LOG_WARN, "failover",
                              "phase=promote_refused node=%s reply=%s "
                              "message=\"%.*s\" elapsed_ms=%lld",
                              co->nodes[i].cfg->name, wire_cmd_name(m.cmd),
                              (int)(m.vlen > 120 ? 120 : m.vlen),
                              (const char *)m.value,
                              (long long)(now - co->fo_detected_ms));
                    co->fo = FO_HOLDING;
                }
            }
        }
        zmq_msg_close(&msg);
    }
}

/* ---- Heartbeats and failover ----------------------------------------- */

/*
 * One failover step, run every beat: detect, choose, promote. The standby
 * chosen is the up one with the most applied records of the old primary
 * (with ack = standby every acknowledged write is on it; the log line says
 * how its applied position compares with the highest seq we saw OK'd).
 */
static void s_failover_step(coord_t *co)
{
    int64_t now = tp_now_ms();
    int w = co->writer;

    if (!co->primary_standby)
        return;
    if (co->fo == FO_NONE) {
        if (w < 0 || co->nodes[w].up)
            return;
        co->fo = FO_HOLDING;
        co->fo_detected_ms = now;
        log_event(LOG_INFO, "failover",
                  "phase=detected node=%s missed=%d silent_ms=%lld "
                  "elapsed_ms=0",
                  co->nodes[w].cfg->name, co->nodes[w].missed,
                  (long long)(now - co->nodes[w].heard_ms));
    }
    if (co->fo == FO_PROMOTING) {
        if (now < co->fo_deadline_ms)
            return;
        log_event(LOG_WARN, "failover",
                  "phase=promote_timeout node=%s elapsed_ms=%lld",
                  co->nodes[co->fo_candidate].cfg->name,
                  (long long)(now - co->fo_detected_ms));
        co->fo = FO_HOLDING;
    }
    if (w >= 0 && co->nodes[w].up) {
        /* It came back before anyone was promoted: nothing to do. */
        log_event(LOG_INFO, "failover",
                  "phase=aborted node=%s reason=primary_back elapsed_ms=%lld",
                  co->nodes[w].cfg->name,
                  (long long)(now - co->fo_detected_ms));
        co->fo = FO_NONE;
        s_release_held(co);
        return;
    }
    int best = -1;
    uint64_t best_applied = 0;
    uint16_t old = w >= 0 ? co->nodes[w].cfg->id : 0;
    uint32_t top_epoch = co->epoch;
    for (int i = 0; i < co->nnodes; i++) {
        cnode_t *nd = &co->nodes[i];
        if (nd->epoch > top_epoch)
            top_epoch = nd->epoch;
        if (i == w || !nd->up || !nd->have_status || nd->role != ROLE_STANDBY)
            continue;
        uint64_t a = 0;
        for (int o = 1; o <= MM_MAX_NODES; o++)
            a += nd->applied[o];
        if (best < 0 || a > best_applied) {
            best = i;
            best_applied = a;
        }
    }
    if (best < 0)
        return; /* no standby up: writes stay held, up to hold_ms */
    co->fo = FO_PROMOTING;
    co->fo_candidate = best;
    co->fo_epoch = top_epoch + 1;
    co->fo_reqid = ++co->admin_reqid;
    co->fo_deadline_ms = now + CO_TIMEOUT_MS;
    log_event(LOG_INFO, "failover",
              "phase=promoting node=%s epoch=%u standby_applied=%llu "
              "acked_seq=%llu elapsed_ms=%lld",
              co->nodes[best].cfg->name, co->fo_epoch,
              (unsigned long long)(old ? co->nodes[best].applied[old] : 0),
              (unsigned long long)(old ? co->acked_seq[old] : 0),
              (long long)(now - co->fo_detected_ms));
    s_send_admin(co, best, WIRE_PROMOTE, co->fo_epoch, co->fo_reqid);
}

/*
 * A node just declared down will not answer what it was sent: answer those
 * requests now, as "outcome unknown" (each may or may not have been
 * applied), instead of letting every client wait out CO_TIMEOUT_MS. This is
 * what keeps a failover's write gap close to the detection time.
 */
static void s_fail_inflight(coord_t *co, int node)
{
    for (int k = 0; k < CO_SLOTS; k++) {
        slot_t *s = &co->slots[k];
        if (s->reqid != 0 && s->node == node)
            s_slot_fail(co, s, MM_ERR_TIMEOUT,
                        "%s stopped answering: outcome unknown",
                        co->nodes[node].cfg->name);
    }
}

static void s_heartbeat(coord_t *co)
{
    for (int i = 0; i < co->nnodes; i++) {
        cnode_t *nd = &co->nodes[i];
        if (nd->outstanding && ++nd->missed >= co->cfg.coord.missed && nd->up) {
            nd->up = 0;
            log_event(LOG_WARN, "node_down",
                      "target=%s missed=%d silent_ms=%lld", nd->cfg->name,
                      nd->missed, (long long)(tp_now_ms() - nd->heard_ms));
            s_fail_inflight(co, i);
        }
        nd->outstanding = 1;
        s_send_admin(co, i, WIRE_STATUS, co->epoch, ++co->admin_reqid);
    }
    s_failover_step(co);
}

/* Times out node requests and held writes that waited too long. */
static void s_check_slots(coord_t *co)
{
    int64_t now = tp_now_ms();
    if (co->live == 0)
        return;
    for (int k = 0; k < CO_SLOTS; k++) {
        slot_t *s = &co->slots[k];
        if (s->reqid == 0 || s->deadline_ms > now)
            continue;
        if (s->node < 0)
            s_slot_fail(co, s, MM_ERR_READONLY,
                        "no writer: the write was held %d ms during a "
                        "failover and was not sent",
                        co->cfg.coord.hold_ms);
        else
            s_slot_fail(co, s, MM_ERR_TIMEOUT, "no reply from %s within %d ms",
                        co->nodes[s->node].cfg->name, CO_TIMEOUT_MS);
    }
}

/* ---- The loop -------------------------------------------------------- */

enum { IT_FRONT, IT_LISTEN, IT_CONN, IT_ADMIN, IT_POOL, IT_OFF };

static int s_build_items(coord_t *co)
{
    int n = 0;
    int need = 2 + co->nconns + co->nnodes * (1 + co->cfg.coord.pool_size) +
               co->noffsock;
    if (need > co->items_cap) {
        int cap = need * 2;
        void *a = realloc(co->items, (size_t)cap * sizeof *co->items);
        if (a != NULL)
            co->items = a;
        void *b = realloc(co->item_kind, (size_t)cap * sizeof(int));
        if (b != NULL)
            co->item_kind = b;
        void *c = realloc(co->item_arg, (size_t)cap * sizeof(int));
        if (c != NULL)
            co->item_arg = c;
        if (a == NULL || b == NULL || c == NULL)
            return -ENOMEM;
        co->items_cap = cap;
    }
#define ADD(sock_, fd_, ev_, kind_, arg_)                                      \
    do {                                                                       \
        co->items[n].socket = (sock_);                                         \
        co->items[n].fd = (fd_);                                               \
        co->items[n].events = (short)(ev_);                                    \
        co->items[n].revents = 0;                                              \
        co->item_kind[n] = (kind_);                                            \
        co->item_arg[n] = (arg_);                                              \
        n++;                                                                   \
    } while (0)
    if (co->front != NULL)
        ADD(co->front, 0, ZMQ_POLLIN, IT_FRONT, 0);
    if (co->listen_fd >= 0)
        ADD(NULL, co->listen_fd, ZMQ_POLLIN, IT_LISTEN, 0);
    for (int k = 0; k < co->nconns; k++) {
        conn_t *c = co->conns[k];
        short ev = 0;
        if (!c->closing && c->queued < CO_CONN_QUEUE_MAX)
            ev |= ZMQ_POLLIN;
        if (c->out.len > 0)
            ev |= ZMQ_POLLOUT;
        ADD(NULL, c->fd, ev, IT_CONN, k);
    }
    for (int i = 0; i < co->nnodes; i++) {
        ADD(co->nodes[i].admin, 0, ZMQ_POLLIN, IT_ADMIN, i);
        if (co->cfg.coord.pool)
            for (int p = 0; p < co->cfg.coord.pool_size; p++)
                ADD(co->nodes[i].pool[p], 0, ZMQ_POLLIN, IT_POOL, i * 64 + p);
    }
    for (int k = 0; k < co->noffsock; k++)
        ADD(co->slots[co->offsock[k]].sock, 0, ZMQ_POLLIN, IT_OFF,
            co->offsock[k]);
#undef ADD
    return n;
}

int coord_run(coord_t *co)
{
    log_event(LOG_INFO, "coordinator_start",
              "client=%s resp=%s write_route=%s read_route=%s pool=%s "
              "pool_size=%d heartbeat_ms=%d missed=%d hold_ms=%d",
              co->cfg.coord.client[0] ? co->cfg.coord.client : "-",
              co->cfg.coord.resp[0] ? co->cfg.coord.resp : "-",
              config_write_route_name(co->cfg.coord.write_route),
              config_read_route_name(co->cfg.coord.read_route),
              co->cfg.coord.pool ? "on" : "off", co->cfg.coord.pool_size,
              co->cfg.coord.heartbeat_ms, co->cfg.coord.missed,
              co->cfg.coord.hold_ms);
    while (!co->stop) {
        int64_t now = tp_now_ms();
        if (now >= co->next_beat_ms) {
            s_heartbeat(co);
            co->next_beat_ms = now + co->cfg.coord.heartbeat_ms;
        }
        if (now >= co->next_check_ms) {
            s_check_slots(co);
            co->next_check_ms = now + CO_PERF_CHECK_MS;
        }
        int n = s_build_items(co);
        if (n < 0)
            return n;
        long wait = co->next_beat_ms - now;
        if (co->next_check_ms - now < wait)
            wait = co->next_check_ms - now;
        if (wait < 0)
            wait = 0;
        int rc = zmq_poll(co->items, n, wait);
        if (rc < 0) {
            if (errno == EINTR)
                continue;
            if (errno == ETERM)
                break;
            return -errno;
        }
        /* Connections are read in reverse: closing one moves the last
         * one into its place, which has been seen already. */
        for (int k = n - 1; k >= 0; k--) {
            short re = co->items[k].revents;
            int arg = co->item_arg[k];
            if (re == 0)
                continue;
            switch (co->item_kind[k]) {
            case IT_FRONT:
                s_front_read(co);
                break;
            case IT_LISTEN:
                s_accept(co);
                break;
            case IT_CONN:
                if (arg < co->nconns && (re & (ZMQ_POLLIN | ZMQ_POLLERR)) &&
                    s_conn_read(co, co->conns[arg]) < 0)
                    s_conn_close(co, arg);
                break;
            case IT_ADMIN:
                s_admin_read(co, arg);
                break;
            case IT_POOL:
                while (s_pool_read(co, co->nodes[arg / 64].pool[arg % 64],
                                   arg / 64) == 0)
                    ;
                break;
            case IT_OFF: {
                slot_t *s = &co->slots[arg];
                if (s->sock != NULL)
                    s_pool_read(co, s->sock, s->node);
                break;
            }
            }
        }
        for (int k = co->nconns - 1; k >= 0; k--) {
            conn_t *c = co->conns[k];
            if (c->out.len > 0 || c->closing)
                if (s_conn_write(c) < 0)
                    s_conn_close(co, k);
        }
    }
    log_event(LOG_INFO, "coordinator_stop", "requests=%llu",
              (unsigned long long)co->st_requests);
    return 0;
}

/* ---- Construction ---------------------------------------------------- */

static int s_listen(const char *hostport, char *err, size_t errlen)
{
    char host[CONFIG_ENDPOINT_MAX];
    const char *colon = strrchr(hostport, ':');
    struct addrinfo hints = {0}, *res = NULL;
    int fd = -1, one = 1, rc;

    snprintf(host, sizeof host, "%.*s", (int)(colon - hostport), hostport);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE;
    rc = getaddrinfo(host, colon + 1, &hints, &res);
    if (rc != 0) {
        snprintf(err, errlen, "resp %s: %s", hostport, gai_strerror(rc));
        return -1;
    }
    fd = socket(res->ai_family, res->ai_socktype, res->ai_protocol);
    if (fd < 0 ||
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
        bind(fd, res->ai_addr, res->ai_addrlen) < 0 || listen(fd, 511) < 0) {
        snprintf(err, errlen, "resp %s: %s", hostport, strerror(errno));
        if (fd >= 0)
            close(fd);
        freeaddrinfo(res);
        return -1;
    }
    freeaddrinfo(res);
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    return fd;
}

coord_t *coord_new(const config_t *cfg, char *err, size_t errlen)
{
    coord_t *co = calloc(1, sizeof *co);
    if (co == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    co->cfg = *cfg;
    co->listen_fd = -1;
    co->writer = -1;
    co->next_reqid = ((uint64_t)tp_now_us() << 8) | 1;
    if (!cfg->coord.present) {
        snprintf(err, errlen, "the cluster file has no [coordinator] section");
        goto fail;
    }
    co->slots = calloc(CO_SLOTS, sizeof *co->slots);
    co->offsock = calloc(CO_SLOTS, sizeof *co->offsock);
    co->ctx = zmq_ctx_new();
    if (co->slots == NULL || co->offsock == NULL || co->ctx == NULL) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    co->nnodes = co->cfg.nnodes;
    for (int i = 0; i < co->nnodes; i++) {
        cnode_t *nd = &co->nodes[i];
        nd->cfg = &co->cfg.nodes[i];
        nd->role = nd->cfg->role;
        nd->up = 1; /* until it misses beats: a fresh start can serve */
        nd->heard_ms = tp_now_ms();
        if (nd->cfg->role == ROLE_PRIMARY) {
            co->primary_standby = 1;
            co->writer = i;
        }
        nd->admin = s_dealer(co, nd->cfg->client, 1);
        if (nd->admin == NULL) {
            snprintf(err, errlen, "cannot connect to %s at %s: %s",
                     nd->cfg->name, nd->cfg->client, zmq_strerror(errno));
            goto fail;
        }
        if (co->cfg.coord.pool) {
            nd->pool = calloc((size_t)co->cfg.coord.pool_size, sizeof(void *));
            if (nd->pool == NULL) {
                snprintf(err, errlen, "out of memory");
                goto fail;
            }
            for (int p = 0; p < co->cfg.coord.pool_size; p++) {
                nd->pool[p] = s_dealer(co, nd->cfg->client, 1);
                if (nd->pool[p] == NULL) {
                    snprintf(err, errlen, "cannot connect to %s: %s",
                             nd->cfg->client, zmq_strerror(errno));
                    goto fail;
                }
            }
        }
    }
    if (co->cfg.coord.client[0] != '\0') {
        co->front = tp_socket(co->ctx, ZMQ_ROUTER, 0, NULL);
        if (co->front == NULL ||
            zmq_bind(co->front, co->cfg.coord.client) != 0) {
            snprintf(err, errlen, "cannot bind %s: %s", co->cfg.coord.client,
                     zmq_strerror(errno));
            goto fail;
        }
    }
    if (co->cfg.coord.resp[0] != '\0') {
        co->listen_fd = s_listen(co->cfg.coord.resp, err, errlen);
        if (co->listen_fd < 0)
            goto fail;
    }
    return co;
fail:
    coord_destroy(&co);
    return NULL;
}

void coord_stop(coord_t *co)
{
    co->stop = 1;
}

void coord_destroy(coord_t **cop)
{
    coord_t *co;
    if (cop == NULL || *cop == NULL)
        return;
    co = *cop;
    while (co->nconns > 0)
        s_conn_close(co, co->nconns - 1);
    if (co->slots != NULL) {
        for (int k = 0; k < CO_SLOTS; k++) {
            slot_t *s = &co->slots[k];
            if (s->reqid == 0)
                continue;
            if (s->creq != NULL && --s->creq->left == 0) {
                s_creq_free_subs(s->creq);
                resp_buf_free(&s->creq->out);
                free(s->creq);
            }
            s_slot_free(co, s);
        }
    }
    for (int i = 0; i < co->nnodes; i++) {
        if (co->nodes[i].admin != NULL)
            zmq_close(co->nodes[i].admin);
        for (int p = 0; co->nodes[i].pool && p < co->cfg.coord.pool_size; p++)
            if (co->nodes[i].pool[p] != NULL)
                zmq_close(co->nodes[i].pool[p]);
        free(co->nodes[i].pool);
    }
    if (co->front != NULL)
        zmq_close(co->front);
    if (co->listen_fd >= 0)
        close(co->listen_fd);
    if (co->ctx != NULL)
        zmq_ctx_term(co->ctx);
    free(co->slots);
    free(co->offsock);
    free(co->items);
    free(co->item_kind);
    free(co->item_arg);
    free(co);
    *cop = NULL;
}
