/*
 * node.c - the node engine's core: life cycle, the loop, the timers.
 *
 * One thread, one zmq_poll loop over the node's sockets (engine.h says
 * which file serves which):
 *
 *     client ROUTER   requests          -> common/serve.c
 *     peer ROUTER     followers' HELLO  -> masters/stream.c (writers only)
 *                     and ACK
 *     one DEALER per  writers' streams  -> replicas/follow.c
 *     other writer
 *
 * After the sockets, each turn streams to followers what they lack
 * (stream_pump) and runs the timers (node_tick): held acknowledgements
 * that timed out, relays, beats, retransmits, liveness. While a follower
 * still has records waiting the loop polls with a 1 ms timeout, otherwise
 * with half a heartbeat.
 *
 * This file also holds the conflict log (node_note_conflict), the one
 * place a write lost to LWW is reported, for local writes and replicated
 * ones alike.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "engine.h"
#include "log.h"
#include "transport.h"

static volatile sig_atomic_t s_stop;

void node_request_stop(void)
{
    s_stop = 1;
}

const char *node_name_of(const node_t *n, uint16_t id)
{
    const config_node_t *c = config_node_by_id(&n->cfg, id);
    return c ? c->name : "?";
}

uint32_t node_writer_mask(const node_t *n)
{
    uint32_t mask = 0;
    for (int i = 0; i < n->cfg.nnodes; i++)
        if (config_role_streams(n->cfg.nodes[i].role))
            mask |= node_bit(n->cfg.nodes[i].id);
    return mask;
}

int node_writable(const node_t *n)
{
    return n->role == ROLE_MASTER || n->role == ROLE_PRIMARY;
}

store_t *node_open_store(const node_t *n, char *err, size_t errlen)
{
    char dir[CONFIG_PATH_MAX + CONFIG_NAME_MAX + 2];
    snprintf(dir, sizeof dir, "%s/%s", n->cfg.data_dir, n->self->name);
    /* A replica streams to nobody, so it keeps no replication log. */
    store_opts_t so = {dir, n->cfg.durability,
                       (size_t)n->cfg.cache_mb * 1024 * 1024,
                       n->self->role == ROLE_REPLICA};
    return store_open(&so, err, errlen);
}

void node_take_flushes(node_t *n, int wait)
{
    int rc = wait ? store_sync(n->store) : store_flush_done(n->store);
    if (rc < 0) {
        log_event(LOG_ERROR, "flush_failed", "error=\"%s\"", mm_strerror(rc));
        return;
    }
    acks_release(n);
    follow_ack_durable(n);
}

void node_service_wait(int64_t us)
{
    if (us <= 0)
        return;
    struct timespec ts = {us / 1000000, (long)(us % 1000000) * 1000};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

void node_note_conflict(node_t *n, const uint8_t *key, size_t klen,
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
    int in = o->verdict.incoming_wins;
    mm_stamp_t ws = in ? rec->stamp : o->other_stamp;
    uint16_t wo = in ? rec->origin : o->other_origin;
    mm_stamp_t ls = in ? o->other_stamp : rec->stamp;
    uint16_t lo = in ? o->other_origin : rec->origin;
    trace_lww(n, key, klen, ws, wo, ls, lo, o->verdict.concurrent, via);
    log_event(LOG_INFO, "conflict",
              "key=%s winner=%llu.%u@%s loser=%llu.%u@%s concurrent=%d "
              "via=%s",
              k, (unsigned long long)hlc_ms(ws), hlc_logical(ws),
              node_name_of(n, wo), (unsigned long long)hlc_ms(ls),
              hlc_logical(ls), node_name_of(n, lo), o->verdict.concurrent, via);
}

/* ---- Life cycle -------------------------------------------------------- */

static int s_bind(void *sock, const char *endpoint, char *err, size_t errlen)
{
    if (zmq_bind(sock, endpoint) == 0)
        return 0;
    snprintf(err, errlen, "cannot bind %s: %s", endpoint, zmq_strerror(errno));
    return -1;
}

/*
 * Binds the client ROUTER and, for writer roles, the peer ROUTER, each
 * guarded by the node's ZAP handler (common/zap.c): with security = curve
 * only the keys of the right roles get in, and in either mode at most
 * max_connections at once. Every socket has a largest message.
 */
static int s_open_sockets(node_t *n, char *err, size_t errlen)
{
    int hwm = 100000, queue = CLIENT_QUEUE_MAX, one = 1;
    n->ctx = zmq_ctx_new();
    if (!n->ctx) {
        snprintf(err, errlen, "cannot create ZeroMQ context");
        return -1;
    }
    n->zap = zap_new(n->ctx, n->sec, n->cfg.max_connections, err, errlen);
    if (!n->zap)
        return -1;
    n->client = tp_socket(n->ctx, ZMQ_ROUTER, 0, NULL, TP_MAX_REQUEST);
    if (!n->client || zap_guard(n->zap, n->client, SEC_DOMAIN_CLIENT) < 0)
        goto fail_zmq;
    /* Replies are never capped lower: a ROUTER drops what passes its
     * SNDHWM without a word, and a held batch released at once (ack =
     * standby) can be thousands of replies to one coordinator socket. */
    zmq_setsockopt(n->client, ZMQ_SNDHWM, &hwm, sizeof hwm);
    zmq_setsockopt(n->client, ZMQ_RCVHWM, &queue, sizeof queue);
    if (s_bind(n->client, n->self->client, err, errlen))
        return -1;
    if (config_role_streams(n->self->role)) {
        n->peer = tp_socket(n->ctx, ZMQ_ROUTER, 0, NULL, PEER_MSG_MAX);
        if (!n->peer || zap_guard(n->zap, n->peer, SEC_DOMAIN_PEER) < 0)
            goto fail_zmq;
        /* MANDATORY: a full queue is EAGAIN, not a silent drop. HANDOVER: a
         * follower restarted after kill -9 reconnects under its name while
         * the old connection still looks alive. */
        zmq_setsockopt(n->peer, ZMQ_ROUTER_MANDATORY, &one, sizeof one);
        zmq_setsockopt(n->peer, ZMQ_ROUTER_HANDOVER, &one, sizeof one);
        zmq_setsockopt(n->peer, ZMQ_SNDHWM, &hwm, sizeof hwm);
        zmq_setsockopt(n->peer, ZMQ_RCVHWM, &hwm, sizeof hwm);
        if (s_bind(n->peer, n->self->peer, err, errlen))
            return -1;
    }
    if (zap_start(n->zap) < 0)
        goto fail_zmq;
    return 0;
fail_zmq:
    snprintf(err, errlen, "cannot create socket: %s", zmq_strerror(errno));
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
    n->follow.next_session = (uint64_t)tp_now_us();
    n->stream.backlog = calloc(BACKLOG_SLOTS, sizeof *n->stream.backlog);
    n->stream.pack =
        malloc(PACK_MAX + WIRE_HEADER_SIZE + MM_KEY_MAX + WIRE_VALUE_MAX);
    n->stream.snapbuf = malloc(RECORD_HEADER_SIZE + MM_VALUE_MAX);
    n->acks.held = calloc(HELD_MAX, sizeof *n->acks.held);
    n->vbuf = malloc(MM_VALUE_MAX);
    n->bigbuf = malloc(WIRE_VALUE_MAX);
    if (!n->stream.backlog || !n->stream.pack || !n->stream.snapbuf ||
        !n->acks.held || !n->vbuf || !n->bigbuf) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    n->sec = sec_new(&n->cfg, n->self->name, err, errlen);
    if (!n->sec)
        goto fail;
    n->store = node_open_store(n, err, errlen);
    if (!n->store)
        goto fail;
    /* A promoted standby or a demoted primary keeps its new role across
     * restarts: the store remembers it (store_set_term). */
    if (config_role_streams(n->self->role) && store_role(n->store) >= 0)
        n->role = (node_role_t)store_role(n->store);
    if (s_open_sockets(n, err, errlen) < 0 || follow_open(n, err, errlen) < 0)
        goto fail;
    return n;
fail:
    node_destroy(&n);
    return NULL;
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
    for (int i = 0; i < n->writer.nreplies; i++)
        zmq_msg_close(&n->writer.replies[i].id);
    if (n->ctx)
        zmq_ctx_shutdown(n->ctx);
    zap_destroy(&n->zap); /* its thread ends with the context */
    for (int i = 0; i < n->follow.nlinks; i++)
        if (n->follow.links[i].sock)
            zmq_close(n->follow.links[i].sock);
    if (n->client)
        zmq_close(n->client);
    if (n->peer)
        zmq_close(n->peer);
    if (n->ctx)
        zmq_ctx_term(n->ctx);
    store_destroy(&n->store);
    trace_close(n);
    sec_destroy(&n->sec);
    acks_t *p = &n->acks;
    if (p->held)
        for (uint64_t i = p->held_head; i != p->held_tail; i++)
            zmq_msg_close(&p->held[i & (HELD_MAX - 1)].id);
    free(p->held);
    free(n->stream.backlog);
    free(n->stream.pack);
    free(n->stream.snapbuf);
    free(n->vbuf);
    free(n->bigbuf);
    free(n);
    *np = NULL;
}

/* ---- The loop ---------------------------------------------------------- */

/* Where s_observe_store has got to: the clock, the origins whose stamps
 * count, and the last key seen (for a scan of `data` in pages). */
typedef struct {
    hlc_t *clock;
    uint32_t origins;
    uint8_t after[MM_KEY_MAX];
    size_t alen;
} observe_t;

/* Raises the clock to a stored write's stamp (see s_observe_store). */
static int s_raise_clock(void *arg, const uint8_t *key, size_t klen,
                         const record_t *rec)
{
    observe_t *ob = arg;
    if ((ob->origins & node_bit(rec->origin)) && rec->stamp > ob->clock->last)
        ob->clock->last = rec->stamp;
    memcpy(ob->after, key, klen);
    ob->alen = klen;
    return 0;
}

/*
 * A restarted node must not stamp below what it already holds: one node's
 * stamps only go up, and in HLC mode a write is stamped above every write
 * the node has seen. Each origin's stamps rise with its sequence numbers,
 * so the last log entry of every origin is the newest stamp the store
 * holds. In HLC mode that floor comes from every origin; in wall mode only
 * from the node's own writes (ignoring other nodes' stamps is wall mode's
 * point).
 *
 * After a snapshot (masters/snapshot.c) an origin's last write may have no
 * log entry here: the copy brought its effect, not the entry. Then the
 * floor comes from the data itself, one pass over every key. That pass
 * sees only winners, which is enough in HLC mode (the winner of a key is
 * its newest stamp); in wall mode an own write that lost LWW is missed,
 * and the node's stamps could go back by that much.
 */
static void s_observe_store(node_t *n)
{
    int wall = n->clock.mode == HLC_MODE_WALL;
    observe_t ob = {.clock = &n->clock,
                    .origins = wall ? node_bit(n->self->id) : 0xffffffffu};
    int from_data = 0;
    for (uint16_t o = 1; o <= MM_MAX_NODES; o++) {
        uint64_t last = store_applied(n->store, o);
        if (!(ob.origins & node_bit(o)) || !last)
            continue;
        if (store_log_scan(n->store, o, last, 1, s_raise_clock, &ob) ==
            MM_ERR_TRUNCATED)
            from_data = 1;
    }
    ob.alen = 0;
    while (from_data && store_scan(n->store, ob.after, ob.alen, 1024,
                                   s_raise_clock, &ob) == 1024)
        ;
}

/* The timers, run once per turn of the loop. */
static void s_tick(node_t *n)
{
    acks_release(n);
    follow_update_wants(n);
    primary_check_term(n);
    stream_tick(n);
    follow_tick(n);
    retain_tick(n);
    trace_tick(n);
    log_limits_flush();
}

int node_run(node_t *n)
{
    s_observe_store(n);
    primary_start(n);
    log_event(LOG_INFO, "start",
              "role=%s id=%u client=%s peer=%s clock=%s offset_ms=%lld "
              "durability=%s security=%s epoch=%u own_seq=%llu",
              config_role_name(n->role), n->self->id, n->self->client,
              n->peer ? n->self->peer : "-", hlc_mode_name(n->clock.mode),
              (long long)n->clock.offset_ms,
              n->cfg.durability == STORE_SYNC ? "sync" : "nosync",
              config_security_name(n->cfg.security), store_epoch(n->store),
              (unsigned long long)store_applied(n->store, n->self->id));
    trace_open(n);
    follow_start(n);

    zmq_pollitem_t items[3 + MM_MAX_NODES];
    int pending = 0;
    while (!s_stop) {
        int k = 0;
        /* A sync store's flusher says here that a flush has finished. */
        int flush_fd = store_flush_fd(n->store);
        if (flush_fd >= 0)
            items[k++] = (zmq_pollitem_t){NULL, flush_fd, ZMQ_POLLIN, 0};
        int first = k;
        items[k++] = (zmq_pollitem_t){n->client, 0, ZMQ_POLLIN, 0};
        if (n->peer)
            items[k++] = (zmq_pollitem_t){n->peer, 0, ZMQ_POLLIN, 0};
        int first_link = k;
        for (int i = 0; i < n->follow.nlinks; i++)
            items[k++] =
                (zmq_pollitem_t){n->follow.links[i].sock, 0, ZMQ_POLLIN, 0};
        long timeout = pending ? 1 : n->cfg.heartbeat_ms / 2;
        if (zmq_poll(items, k, timeout) < 0) {
            if (errno == EINTR)
                continue;
            log_event(LOG_ERROR, "poll_failed", "error=\"%s\"",
                      zmq_strerror(errno));
            break;
        }
        if (flush_fd >= 0 && (items[0].revents & ZMQ_POLLIN))
            node_take_flushes(n, 0);
        if (items[first].revents & ZMQ_POLLIN)
            serve_clients(n);
        if (n->peer && (items[first + 1].revents & ZMQ_POLLIN))
            stream_serve_peers(n);
        for (int i = 0; i < n->follow.nlinks; i++)
            if (items[first_link + i].revents & ZMQ_POLLIN)
                follow_read(n, &n->follow.links[i]);
        pending = n->peer ? stream_pump(n) : 0;
        s_tick(n);
    }
    log_event(LOG_INFO, "stop", "writes=%llu conflicts=%llu",
              (unsigned long long)n->writes, (unsigned long long)n->conflicts);
    return 0;
}

/* ---- What the node programs share -------------------------------------- */

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

int node_args_parse(int argc, char **argv, const char *prog, node_args_t *a)
{
    static const struct option opts[] = {{"config", required_argument, 0, 'c'},
                                         {"node", required_argument, 0, 'n'},
                                         {"verbose", no_argument, 0, 'v'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    const char *path = NULL, *name = NULL;
    int ch;
    memset(a, 0, sizeof *a);
    a->level = LOG_INFO;
    while ((ch = getopt_long(argc, argv, "c:n:vh", opts, NULL)) != -1) {
        if (ch == 'c') {
            path = optarg;
        } else if (ch == 'n') {
            name = optarg;
        } else if (ch == 'v') {
            a->level = LOG_DEBUG;
        } else if (ch == 'h') {
            s_usage(stdout, prog);
            return 0;
        } else {
            s_usage(stderr, prog);
            return 2;
        }
    }
    if (!path || !name || optind != argc) {
        s_usage(stderr, prog);
        return 2;
    }
    log_init(name, a->level);
    char err[512];
    if (config_load(path, &a->cfg, err, sizeof err) < 0) {
        fprintf(stderr, "%s: %s\n", prog, err);
        return 1;
    }
    a->self = config_node(&a->cfg, name);
    if (!a->self) {
        fprintf(stderr, "%s: no node named '%s' in %s\n", prog, name, path);
        return 1;
    }
    return -1;
}

int node_serve(const node_args_t *a, const char *prog)
{
    struct sigaction sa = {0};
    sa.sa_handler = s_on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    char err[512];
    node_t *n = node_new(&a->cfg, a->self->name, err, sizeof err);
    if (!n) {
        fprintf(stderr, "%s: %s\n", prog, err);
        log_event(LOG_ERROR, "start_failed", "error=\"%s\"", err);
        return 1;
    }
    int rc = node_run(n);
    node_destroy(&n);
    return rc == 0 ? 0 : 1;
}
