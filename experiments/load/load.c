/*
 * load.c - mm-load's run: the clients, their connections, and the history
 * that mm-check judges.
 *
 * N clients, each with its own connection to each node it uses, keep up to
 * --inflight requests outstanding (closed loop), or start operations on a
 * fixed schedule, --rate per second in all (open loop). Every written
 * value is unique ("c<client>.<n>"), so a value read back names exactly
 * one write. Each operation sent leaves two history lines
 * (docs/history.md): one when it is invoked and one when it completes, as
 *
 *     ok    the node answered (for a write: committed on that node)
 *     fail  the node answered with an error: the write did not happen
 *     info  no answer within --timeout: the write may or may not happen
 *
 * In an open loop, an operation that comes due while all its client's
 * slots are busy is never sent: it leaves one skip line, at its due time,
 * and the client does not make up for it later (s_start_open()). So a node
 * that stalls is charged for every operation it should have taken.
 *
 * A completion line is written only from the reply to that operation's
 * own request: a reply is matched by the connection it came on and its
 * request id (workload_slot_match()), because ids are unique per
 * connection only. A reply that answers nothing open is dropped and
 * counted (replies_dropped), and one of the wrong kind for its request
 * makes the outcome unknown (info).
 *
 * All clients share one thread, one ZeroMQ context and one zmq_poll loop,
 * so the recorded times come from one clock and the history is written in
 * time order (a skip line, written when the loop notices the operation
 * came due, can trail by the loop's lateness).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "hist.h"
#include "history.h"
#include "load.h"
#include "mmclient.h"
#include "sampler.h"
#include "transport.h"

#define MAX_TARGETS (LOAD_COORDINATOR + 1)
#define MAX_POLL (LOAD_MAX_CLIENTS * MAX_TARGETS + MAX_TARGETS)

/* What becomes of an operation, counted by kind (skip: an open-loop
 * operation that came due with every slot busy). The history's name of
 * each completion is in s_outcome_name; LINE_INVOKE asks s_hist_line() for
 * an invoke line instead. */
enum { OUT_OK, OUT_FAIL, OUT_INFO, OUT_SKIP, OUTCOMES, LINE_INVOKE = -1 };
static const char *const s_outcome_name[] = {"ok", "fail", "info"};

typedef struct {
    workload_stream_t stream;
    mmc_t *conn[MAX_TARGETS]; /* by target, opened lazily */
    int inflight;
    workload_slot_t *slots; /* --inflight of them */
} client_t;

struct load {
    load_opts_t o;
    config_t cfg;
    void *ctx;  /* the one ZeroMQ context every connection shares */
    sec_t *sec; /* every connection's key pair (security = curve) */
    workload_t *wl;
    FILE *hist;
    client_t *clients;
    sampler_t *sampler;
    char *payload; /* a write's value, padded to --value-size */
    /* Counters by [kind][outcome]; latencies of ok operations by kind. */
    uint64_t count[3][OUTCOMES];
    hist_t lat[3];
    uint64_t dropped;      /* replies that answered no open request */
    hist_t late;           /* open loop: how late operations were sent, us */
    uint64_t skipped_late; /* skips this loop's lateness caused */
    uint64_t drawn;        /* operations drawn, by every client together */
    int open;              /* requests in flight, by every client together */
    /* The poll set, rebuilt each round: samplers first, then clients. */
    zmq_pollitem_t items[MAX_POLL];
    client_t *owner[MAX_POLL]; /* NULL for a sampler */
    int target[MAX_POLL];
    int npoll;
    int64_t t0;
    double secs; /* the run's length, once it is over */
};

load_t *load_new(const load_opts_t *opts, const config_t *cfg, char *err,
                 size_t errlen)
{
    load_t *l = calloc(1, sizeof *l);
    if (!l) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    l->o = *opts;
    l->cfg = *cfg;
    if (!(l->ctx = zmq_ctx_new())) {
        snprintf(err, errlen, "cannot create a ZeroMQ context: %s",
                 zmq_strerror(errno));
        goto fail;
    }
    /* With security = curve every connection is the first client's. */
    l->sec = sec_new(&l->cfg, l->cfg.clients[0], err, errlen);
    if (!l->sec)
        goto fail;
    l->wl = workload_new(&l->o.work);
    l->clients = calloc((size_t)l->o.clients, sizeof *l->clients);
    l->payload = malloc((size_t)l->o.value_size + 64);
    l->sampler = sampler_new(l->ctx, &l->cfg, l->sec);
    if (!l->wl || !l->clients || !l->payload || !l->sampler) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    for (int i = 0; i < l->o.clients; i++) {
        client_t *c = &l->clients[i];
        workload_stream_init(l->wl, i, &c->stream);
        c->slots = calloc((size_t)l->o.inflight, sizeof *c->slots);
        if (!c->slots) {
            snprintf(err, errlen, "out of memory");
            goto fail;
        }
    }
    if (l->o.history && !(l->hist = fopen(l->o.history, "w"))) {
        snprintf(err, errlen, "cannot write %s: %s", l->o.history,
                 strerror(errno));
        goto fail;
    }
    return l;
fail:
    load_destroy(&l);
    return NULL;
}

void load_destroy(load_t **lp)
{
    if (!lp || !*lp)
        return;
    load_t *l = *lp;
    for (int i = 0; l->clients && i < l->o.clients; i++) {
        for (int t = 0; t < MAX_TARGETS; t++)
            mmc_destroy(&l->clients[i].conn[t]);
        free(l->clients[i].slots);
    }
    sampler_destroy(&l->sampler);
    if (l->ctx)
        zmq_ctx_term(l->ctx); /* after every socket is closed */
    sec_destroy(&l->sec);
    if (l->hist)
        fclose(l->hist);
    workload_destroy(&l->wl);
    free(l->clients);
    free(l->payload);
    free(l);
    *lp = NULL;
}

static const char *s_target_name(const load_t *l, int t)
{
    return t == LOAD_COORDINATOR ? "coordinator" : l->cfg.nodes[t].name;
}

static const char *s_target_endpoint(const load_t *l, int t)
{
    return t == LOAD_COORDINATOR ? l->cfg.coord.client : l->cfg.nodes[t].client;
}

/* An operation's key and (for a write) value, as sent and recorded. */
typedef struct {
    char key[64];
    char value[64];
} names_t;

static names_t s_names(const load_t *l, const client_t *c,
                       const workload_op_t *op)
{
    names_t n;
    snprintf(n.key, sizeof n.key, "%s%d", l->o.prefix, op->key);
    snprintf(n.value, sizeof n.value, "c%d.%llu", c->stream.client,
             (unsigned long long)op->n);
    return n;
}

/* The history's view of client c's operation op, at time t. The strings
 * it points to are in *n. */
static history_op_t s_hist_op(const load_t *l, const client_t *c,
                              const workload_op_t *op, int64_t t, names_t *n)
{
    *n = s_names(l, c, op);
    return (history_op_t){.t = t,
                          .client = c->stream.client,
                          .kind = op->kind,
                          .key = n->key,
                          .value = n->value,
                          .node = s_target_name(l, op->target)};
}

/* Writes op's invoke or completion line (type), at time t. reply is the
 * reply to op's own request, or NULL. */
static void s_hist_line(const load_t *l, const client_t *c,
                        const workload_op_t *op, int type, int64_t t,
                        const wire_msg_t *reply, const char *error)
{
    if (!l->hist)
        return;
    names_t n;
    history_op_t h = s_hist_op(l, c, op, t, &n);
    if (type == LINE_INVOKE) {
        history_invoke(l->hist, &h);
    } else {
        const config_node_t *o =
            reply ? config_node_by_id(&l->cfg, reply->origin) : NULL;
        history_complete(l->hist, &h, s_outcome_name[type], reply,
                         o ? o->name : NULL, error);
    }
}

/* Client c's connection to target t, opened on first use; NULL (with a
 * message on stderr) for an endpoint ZeroMQ refuses. */
static mmc_t *s_conn(load_t *l, client_t *c, int t)
{
    if (!c->conn[t]) {
        char err[256];
        c->conn[t] = mmc_connect_as(l->ctx, s_target_endpoint(l, t), l->sec,
                                    s_target_name(l, t), err, sizeof err);
        if (!c->conn[t])
            fprintf(stderr, "mm-load: %s\n", err);
        else if (l->o.first_reqid)
            mmc_set_next_id(c->conn[t], l->o.first_reqid);
    }
    return c->conn[t];
}

/* The request for op; a write's value goes into l->payload. */
static wire_msg_t s_request(load_t *l, const workload_op_t *op,
                            const names_t *n)
{
    size_t vlen = strlen(n->value);
    memcpy(l->payload, n->value, vlen);
    if ((size_t)l->o.value_size > vlen) {
        /* Pad after a NUL-free separator so the value stays unique. */
        memset(l->payload + vlen, '.', (size_t)l->o.value_size - vlen);
        vlen = (size_t)l->o.value_size;
    }
    wire_msg_t req = {0};
    req.cmd = op->kind == WORKLOAD_READ    ? WIRE_GET
              : op->kind == WORKLOAD_WRITE ? WIRE_PUT
                                           : WIRE_DEL;
    req.key = (const uint8_t *)n->key;
    req.klen = (uint32_t)strlen(n->key);
    if (op->kind == WORKLOAD_WRITE) {
        req.value = (const uint8_t *)l->payload;
        req.vlen = (uint32_t)vlen;
    }
    return req;
}

/* Sends the operation drawn into slot s (free) of client c. Returns 0 (a
 * send that fails is recorded fail), or a negative code if the target
 * cannot be connected to. */
static int s_send(load_t *l, client_t *c, workload_slot_t *s)
{
    mmc_t *conn = s_conn(l, c, s->op.target);
    if (!conn)
        return MM_ERR_CONFIG;
    names_t n = s_names(l, c, &s->op);
    wire_msg_t req = s_request(l, &s->op, &n);
    s->start_ns = tp_now_ns();
    s_hist_line(l, c, &s->op, LINE_INVOKE, s->start_ns, NULL, NULL);
    int64_t id = mmc_send(conn, &req);
    if (id < 0) {
        s_hist_line(l, c, &s->op, OUT_FAIL, tp_now_ns(), NULL,
                    mm_strerror((int)id));
        l->count[s->op.kind][OUT_FAIL]++;
        return 0;
    }
    s->target = s->op.target;
    s->reqid = (uint64_t)id;
    s->used = 1;
    c->inflight++;
    l->open++;
    return 0;
}

static void s_complete(load_t *l, client_t *c, workload_slot_t *s, int outcome,
                       const wire_msg_t *r, const char *error)
{
    int64_t t = tp_now_ns();
    s_hist_line(l, c, &s->op, outcome, t, r, error);
    l->count[s->op.kind][outcome]++;
    if (outcome == OUT_OK)
        hist_add(&l->lat[s->op.kind], (uint64_t)(t - s->start_ns) / 1000);
    s->used = 0;
    c->inflight--;
    l->open--;
}

/* Whether cmd is an answer to an operation of this kind at all. */
static int s_fits(workload_kind_t kind, int cmd)
{
    if (cmd == WIRE_ERROR)
        return 1;
    return kind == WORKLOAD_READ ? cmd == WIRE_VALUE || cmd == WIRE_NOTFOUND
                                 : cmd == WIRE_OK;
}

/* Completes slot s with r, the reply to its request. */
static void s_apply_reply(load_t *l, client_t *c, workload_slot_t *s,
                          const wire_msg_t *r)
{
    char e[128];
    if (!s_fits(s->op.kind, r->cmd)) {
        /* The node answered something else: what happened is unknown,
         * and nothing in r may be recorded as this operation's result. */
        snprintf(e, sizeof e, "unexpected reply (command %d)", r->cmd);
        s_complete(l, c, s, OUT_INFO, NULL, e);
        return;
    }
    if (r->cmd != WIRE_ERROR) {
        s_complete(l, c, s, OUT_OK, r, NULL);
        return;
    }
    snprintf(e, sizeof e, "%.*s", (int)(r->vlen < 100 ? r->vlen : 100),
             (const char *)r->value);
    /* "Outcome unknown" (a write the standby never confirmed) is info,
     * never a failure. */
    s_complete(l, c, s,
               r->seq == (uint64_t)-MM_ERR_TIMEOUT ? OUT_INFO : OUT_FAIL, r, e);
}

/* A frame that arrived but does not decode (wire_decode()'s errors). */
static int s_undecodable(int rc)
{
    return rc == MM_ERR_SHORT || rc == MM_ERR_VERSION || rc == MM_ERR_TOOBIG ||
           rc == MM_ERR_CORRUPT;
}

/* Takes every reply waiting on client c's connection to target. A reply
 * answers the open request with its id on this connection, and no other:
 * one that answers none is dropped and counted. */
static void s_receive(load_t *l, client_t *c, int target)
{
    wire_msg_t r;
    for (;;) {
        int rc = mmc_recv(c->conn[target], &r, 0);
        if (rc < 0) {
            if (!s_undecodable(rc))
                break; /* nothing more waiting */
            l->dropped++;
            continue;
        }
        if (r.cmd == WIRE_PONG)
            continue; /* a late answer to the warm-up's PING */
        int i = workload_slot_match(c->slots, l->o.inflight, target, r.reqid);
        if (i < 0)
            l->dropped++;
        else
            s_apply_reply(l, c, &c->slots[i], &r);
    }
}

/* Takes every reply waiting on any of client c's connections. */
static void s_receive_all(load_t *l, client_t *c)
{
    for (int t = 0; t < MAX_TARGETS; t++)
        if (c->conn[t])
            s_receive(l, c, t);
}

/* Draws client c's next operation (every draw is counted: with --ops the
 * draws are the operations). */
static void s_draw(load_t *l, client_t *c, workload_op_t *op)
{
    workload_next(l->wl, &c->stream, op);
    l->drawn++;
}

/* Whether client c may draw another operation: with --ops, each client
 * has its own share, so that its sequence does not depend on timing. */
static int s_share_left(const load_t *l, const client_t *c)
{
    if (!l->o.max_ops)
        return 1;
    long long share = l->o.max_ops / l->o.clients +
                      (c->stream.client < l->o.max_ops % l->o.clients);
    return (long long)c->stream.drawn < share;
}

/* Closed loop: each client starts operations until its --inflight slots
 * are busy. The first client served rotates, so none is always first. */
static int s_start_closed(load_t *l)
{
    for (int i = 0; i < l->o.clients; i++) {
        client_t *c = &l->clients[(l->drawn + (uint64_t)i) % l->o.clients];
        int k;
        while (s_share_left(l, c) &&
               (k = workload_slot_free(c->slots, l->o.inflight)) >= 0) {
            s_draw(l, c, &c->slots[k].op);
            int rc = s_send(l, c, &c->slots[k]);
            if (rc < 0)
                return rc;
            if (!c->slots[k].used)
                break; /* the send failed: try again next round */
        }
    }
    return 0;
}

/* Records op, due at `due`, as skipped (late: see history_skip()). */
static void s_skip(load_t *l, client_t *c, const workload_op_t *op, int64_t due,
                   int late)
{
    l->count[op->kind][OUT_SKIP]++;
    l->skipped_late += late;
    if (l->hist) {
        names_t n;
        history_op_t h = s_hist_op(l, c, op, due, &n);
        history_skip(l->hist, &h, late);
    }
}

/* When client c's next operation is due (open loop), absolute. */
static int64_t s_due(const load_t *l, const client_t *c)
{
    return l->t0 + workload_due_ns(l->o.rate, l->o.clients, c->stream.client,
                                   c->stream.drawn);
}

/*
 * Open loop: every operation of client c that came due by now (and before
 * end) is drawn, then sent if the client has a free slot, or else recorded
 * as skipped at its due time. Each due operation is handled once: a client
 * that could not send never makes up for it later with a burst.
 */
static int s_start_open(load_t *l, client_t *c, int64_t now, int64_t end)
{
    for (int64_t due;
         (due = s_due(l, c)) <= now && due < end && s_share_left(l, c);) {
        int k = workload_slot_free(c->slots, l->o.inflight);
        if (k < 0) {
            /* Every slot looks busy: take in the replies that have come
             * before calling it a skip, so a loop that ran late (this
             * process was not scheduled) does not blame the nodes. */
            s_receive_all(l, c);
            k = workload_slot_free(c->slots, l->o.inflight);
        }
        workload_op_t op;
        s_draw(l, c, &op);
        if (k < 0) {
            /* Busy since before it was due: the nodes held every slot.
             * Busy only with what this loop sent late: its own fault. */
            s_skip(l, c, &op, due,
                   !workload_slots_busy_since(c->slots, l->o.inflight, due));
            continue;
        }
        c->slots[k].op = op;
        int rc = s_send(l, c, &c->slots[k]);
        if (rc < 0)
            return rc;
        hist_add(&l->late, (uint64_t)(c->slots[k].start_ns - due) / 1000);
    }
    return 0;
}

/* Starts what the loop allows: with --rate, every operation that came
 * due before end; without, until every client has --inflight open (and
 * nothing from end on). */
static int s_start(load_t *l, int64_t now, int64_t end)
{
    if (l->o.rate <= 0)
        return now < end ? s_start_closed(l) : 0;
    for (int i = 0; i < l->o.clients; i++) {
        int rc = s_start_open(l, &l->clients[i], now, end);
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* How long the loop may wait for replies: up to the next due operation
 * (open loop), at most 10 ms. zmq_poll counts whole milliseconds, so the
 * last fraction of one is spent polling without a wait. */
static long s_wait_ms(const load_t *l, int64_t now, int64_t end)
{
    int64_t next = now + 10000000;
    for (int i = 0; l->o.rate > 0 && i < l->o.clients; i++) {
        int64_t due = s_due(l, &l->clients[i]);
        if (due < next && due < end && s_share_left(l, &l->clients[i]))
            next = due;
    }
    return next <= now ? 0 : (long)((next - now) / 1000000);
}

/* Records as info what waited too long: outcome unknown. */
static void s_expire(load_t *l, int64_t now)
{
    int64_t timeout_ns = (int64_t)l->o.timeout_ms * 1000000;
    for (int i = 0; i < l->o.clients; i++) {
        client_t *c = &l->clients[i];
        for (int k = 0; k < l->o.inflight && c->inflight > 0; k++)
            if (c->slots[k].used && now - c->slots[k].start_ns > timeout_ns)
                s_complete(l, c, &c->slots[k], OUT_INFO, NULL, "timeout");
    }
}

/* Every open connection: the samplers', then the clients'. Each item
 * remembers whose connection it is (owner: NULL for a sampler) and to
 * which target, because a reply belongs to that connection alone. */
static void s_poll_set(load_t *l)
{
    int k = sampler_poll_items(l->sampler, l->items, l->target);
    for (int i = 0; i < k; i++)
        l->owner[i] = NULL;
    for (int i = 0; i < l->o.clients; i++)
        for (int t = 0; t < MAX_TARGETS; t++)
            if (l->clients[i].conn[t]) {
                l->owner[k] = &l->clients[i];
                l->target[k] = t;
                l->items[k++] = (zmq_pollitem_t){
                    mmc_socket(l->clients[i].conn[t]), 0, ZMQ_POLLIN, 0};
            }
    l->npoll = k;
}

/* Waits up to wait_ms for replies and takes in every one that came. */
static int s_poll(load_t *l, long wait_ms)
{
    s_poll_set(l);
    if (zmq_poll(l->items, l->npoll, wait_ms) < 0 && errno != EINTR)
        return -errno;
    for (int i = 0; i < l->npoll; i++) {
        if (!(l->items[i].revents & ZMQ_POLLIN))
            continue;
        if (l->owner[i])
            s_receive(l, l->owner[i], l->target[i]);
        else
            sampler_take(l->sampler, l->target[i], l->hist);
    }
    return 0;
}

/*
 * Before the clock starts: opens every connection the clients' streams can
 * use, sends a PING on each, and waits up to --timeout for the PONGs, so
 * the run's first operations do not pay for TCP and ZMTP set-up (in an
 * open loop they would be skipped for it, and the design blamed). A node
 * that does not answer is left to the run, which records what happens to
 * the operations sent to it.
 */
static int s_warm_up(load_t *l)
{
    int pending = 0;
    for (int i = 0; i < l->o.clients; i++) {
        client_t *c = &l->clients[i];
        int t[WORKLOAD_MAX_TARGETS];
        for (int k = 0, n = workload_targets(l->wl, &c->stream, t); k < n;
             k++) {
            mmc_t *conn = s_conn(l, c, t[k]);
            if (!conn)
                return MM_ERR_CONFIG;
            wire_msg_t ping = {.cmd = WIRE_PING};
            pending += mmc_send(conn, &ping) > 0;
        }
    }
    s_poll_set(l);
    int64_t deadline = tp_now_ns() + (int64_t)l->o.timeout_ms * 1000000;
    for (int64_t left;
         pending > 0 && (left = (deadline - tp_now_ns()) / 1000000) > 0;) {
        if (zmq_poll(l->items, l->npoll, left) < 0 && errno != EINTR)
            return -errno;
        for (int i = 0; i < l->npoll; i++) {
            wire_msg_t r;
            if (!(l->items[i].revents & ZMQ_POLLIN) || !l->owner[i])
                continue;
            while (mmc_recv(l->owner[i]->conn[l->target[i]], &r, 0) == 0)
                pending -= r.cmd == WIRE_PONG;
        }
    }
    return 0;
}

/* Writes and deletes with this outcome (the history's writes). */
static unsigned long long s_writes(const load_t *l, int outcome)
{
    return l->count[WORKLOAD_WRITE][outcome] +
           l->count[WORKLOAD_DELETE][outcome];
}

static unsigned long long s_reads(const load_t *l, int outcome)
{
    return l->count[WORKLOAD_READ][outcome];
}

static void s_progress(const load_t *l, int64_t now)
{
    fprintf(stderr,
            "mm-load: %5.1fs  writes ok %llu fail %llu info %llu  "
            "reads ok %llu",
            (now - l->t0) / 1e9, s_writes(l, OUT_OK), s_writes(l, OUT_FAIL),
            s_writes(l, OUT_INFO), s_reads(l, OUT_OK));
    if (l->o.rate > 0)
        fprintf(stderr, "  skipped %llu",
                s_writes(l, OUT_SKIP) + s_reads(l, OUT_SKIP));
    fputc('\n', stderr);
}

int load_run(load_t *l, const volatile sig_atomic_t *stop)
{
    int rc = s_warm_up(l);
    if (rc < 0)
        return rc;
    l->t0 = tp_now_ns();
    /* With --ops the count ends the run, not the clock. */
    int64_t end =
        l->o.max_ops ? INT64_MAX : l->t0 + (int64_t)(l->o.duration * 1e9);
    int64_t next_progress = l->t0 + 1000000000;
    int64_t sample_ns = (int64_t)l->o.sample_ms * 1000000;
    int64_t next_sample = l->t0;

    for (;;) {
        int64_t now = tp_now_ns();
        /* Time-outs first: a slot they free is free for what is due now. */
        s_expire(l, now);
        if (!*stop && (rc = s_start(l, now, end)) < 0)
            break;
        int stopping =
            *stop ||
            (l->o.max_ops ? l->drawn >= (uint64_t)l->o.max_ops : now >= end);
        if (stopping && l->open == 0)
            break;
        if (sample_ns > 0 && !stopping && now >= next_sample) {
            sampler_ask(l->sampler, l->hist);
            next_sample += sample_ns;
        }
        if ((rc = s_poll(l, stopping ? 10 : s_wait_ms(l, now, end))) < 0)
            break;
        if (!l->o.quiet && now >= next_progress) {
            s_progress(l, now);
            next_progress += 1000000000;
        }
    }
    l->secs = (tp_now_ns() - l->t0) / 1e9;
    if (l->hist) {
        fclose(l->hist);
        l->hist = NULL;
    }
    return rc;
}

void load_write_summary(const load_t *l, FILE *f)
{
    unsigned long long wok = s_writes(l, OUT_OK), rok = s_reads(l, OUT_OK);
    hist_t all;
    hist_reset(&all);
    for (int k = 0; k < 3; k++)
        hist_merge(&all, &l->lat[k]);
    fprintf(f,
            "{\"seconds\":%.3f,\"writes_ok\":%llu,\"writes_fail\":%llu,"
            "\"writes_info\":%llu,\"reads_ok\":%llu,\"reads_fail\":%llu,"
            "\"reads_info\":%llu,\"write_ok_per_s\":%.1f,"
            "\"ops_ok_per_s\":%.1f,\"latency_us_p50\":%llu,"
            "\"latency_us_p99\":%llu,\"latency_us_max\":%llu,",
            l->secs, wok, s_writes(l, OUT_FAIL), s_writes(l, OUT_INFO), rok,
            s_reads(l, OUT_FAIL), s_reads(l, OUT_INFO), wok / l->secs,
            (wok + rok) / l->secs, (unsigned long long)hist_quantile(&all, 0.5),
            (unsigned long long)hist_quantile(&all, 0.99),
            (unsigned long long)all.max);
    fprintf(f,
            "\"writes_skipped\":%llu,\"reads_skipped\":%llu,"
            "\"skipped_late\":%llu,"
            "\"send_late_us_p99\":%llu,\"send_late_us_max\":%llu,"
            "\"replies_dropped\":%llu}\n",
            s_writes(l, OUT_SKIP), s_reads(l, OUT_SKIP),
            (unsigned long long)l->skipped_late,
            (unsigned long long)hist_quantile(&l->late, 0.99),
            (unsigned long long)l->late.max, (unsigned long long)l->dropped);
}
