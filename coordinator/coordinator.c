/*
 * coordinator.c - the coordinator object and its loop: one thread, one
 * epoll over both client fronts and every node socket.
 *
 * How a request travels (each step in its own file, see coord_int.h):
 *
 *   1. A client request arrives on the ZeroMQ front (zmq_front.c) or as a
 *      RESP command on a TCP connection (resp_front.c, commands.c).
 *   2. route.c picks the node; pool.c sends it on one of the node's pool
 *      connections with a slot that remembers who waits.
 *   3. The node's reply finds its slot; the client is answered (RESP: in
 *      the order its commands came).
 *
 * Timers run from the loop too: a heartbeat every heartbeat_ms
 * (failover.c: detection, promotion, fencing), a deadline check every
 * CO_CHECK_MS (pool.c: timed-out requests, held writes) and an idle-client
 * check every second (resp_front.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <unistd.h>
#include "coord_int.h"
#include "log.h"

/* One line of at most 1 KiB: INFO and STATUS lines are short. */
void coord_addf(resp_buf_t *b, const char *fmt, ...)
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

int coord_watch(coord_t *co, zsock_t *z, void *sock, int kind, int arg)
{
    struct epoll_event ev = {.events = EPOLLIN};
    size_t len = sizeof(int);
    int fd;

    z->ev = EV_ZSOCK;
    z->sock = sock;
    z->kind = kind;
    z->arg = arg;
    z->dirty = 0;
    if (zmq_getsockopt(sock, ZMQ_FD, &fd, &len) != 0)
        return -errno;
    ev.data.ptr = z;
    if (epoll_ctl(co->ep, EPOLL_CTL_ADD, fd, &ev) != 0)
        return -errno;
    coord_zdirty(co, z); /* it may hold input already */
    return 0;
}

void coord_unwatch(coord_t *co, zsock_t *z)
{
    size_t len = sizeof(int);
    int fd;

    if (z->sock != NULL && zmq_getsockopt(z->sock, ZMQ_FD, &fd, &len) == 0)
        epoll_ctl(co->ep, EPOLL_CTL_DEL, fd, NULL);
    if (z->dirty) {
        /* Take it off the dirty list: it is about to be freed. */
        for (zsock_t **p = &co->zdirty; *p != NULL; p = &(*p)->next_dirty) {
            if (*p == z) {
                *p = z->next_dirty;
                break;
            }
        }
        z->dirty = 0;
    }
}

void coord_zdirty(coord_t *co, zsock_t *z)
{
    if (z->dirty)
        return;
    z->dirty = 1;
    z->next_dirty = co->zdirty;
    co->zdirty = z;
}

/*
 * Reads everything waiting on the dirty ZeroMQ sockets. Receiving until
 * EAGAIN is enough: a receive that finds nothing also takes in what the
 * socket's I/O thread signalled, which re-arms its ZMQ_FD for the next
 * message.
 */
static void s_drain(coord_t *co)
{
    while (co->zdirty != NULL) {
        zsock_t *z = co->zdirty;
        co->zdirty = z->next_dirty;
        z->dirty = 0;
        switch (z->kind) {
        case ZS_FRONT:
            while (zfront_read(co))
                ;
            break;
        case ZS_ADMIN:
            failover_admin_read(co, z->arg);
            break;
        case ZS_POOL:
            pool_read(co, z->sock, z->arg);
            break;
        case ZS_LINK:
            failover_link_read(co, z->arg);
            break;
        default:
            /* A pool = off socket is closed with its slot, on its reply. */
            pool_read_off(co, z->arg);
            break;
        }
    }
}

/* Heartbeats, request deadlines and idle clients. Returns the ms until
 * the next timer is due. */
static long s_timers(coord_t *co)
{
    int64_t now = co->now_ms = tp_now_ms(), next;

    if (now >= co->next_beat_ms) {
        failover_heartbeat(co);
        co->next_beat_ms = now + co->cfg.coord.heartbeat_ms;
    }
    if (now >= co->next_check_ms) {
        if (co->live > 0)
            pool_check_deadlines(co);
        co->next_check_ms = now + CO_CHECK_MS;
    }
    if (now >= co->next_idle_ms) {
        resp_front_idle(co);
        co->next_idle_ms = now + 1000;
    }
    next = co->next_beat_ms < co->next_check_ms ? co->next_beat_ms
                                                : co->next_check_ms;
    return next > now ? (long)(next - now) : 0;
}

/*
 * The loop. Its cost per pass follows what happened, not how many clients
 * are connected: epoll reports only the ready sockets, and each list
 * (co->run, co->flush, co->zdirty) holds only what has work.
 *
 *   1. wait for events (not at all while some list has work);
 *   2. accept; read and run every ready client's pipelined commands, each
 *      request going to its node as it is parsed;
 *   3. drain the ZeroMQ sockets that fired or were sent on: node replies
 *      complete slots, which fill the clients' output buffers;
 *   4. run the clients woken meanwhile (a slot or a reply freed room);
 *   5. write each client's output buffer once.
 */
int coord_run(coord_t *co)
{
    struct epoll_event evs[256];

    log_event(LOG_INFO, "coordinator_start",
              "client=%s resp=%s write_route=%s read_route=%s pool=%s "
              "pool_size=%d heartbeat_ms=%d missed=%d hold_ms=%d "
              "max_clients=%d idle_timeout_s=%d max_value=%d",
              co->cfg.coord.client[0] ? co->cfg.coord.client : "-",
              co->cfg.coord.resp[0] ? co->cfg.coord.resp : "-",
              config_write_route_name(co->cfg.coord.write_route),
              config_read_route_name(co->cfg.coord.read_route),
              co->cfg.coord.pool ? "on" : "off", co->cfg.coord.pool_size,
              co->cfg.coord.heartbeat_ms, co->cfg.coord.missed,
              co->cfg.coord.hold_ms, co->max_clients,
              co->cfg.coord.idle_timeout_s, co->cfg.coord.max_value);
    while (!co->stop) {
        long wait = s_timers(co);
        if (co->run != NULL || co->zdirty != NULL || co->flush != NULL)
            wait = 0;
        int n = epoll_wait(co->ep, evs, 256, (int)wait);
        if (n < 0 && errno != EINTR)
            return -errno;
        co->now_ms = tp_now_ms();
        for (int k = 0; k < n; k++) {
            ev_kind_t *what = evs[k].data.ptr;
            if (*what == EV_LISTEN)
                resp_front_accept(co);
            else if (*what == EV_CONN)
                resp_front_event(co, (conn_t *)what, evs[k].events);
            else
                coord_zdirty(co, (zsock_t *)what);
        }
        s_drain(co);
        resp_front_run(co);
        s_drain(co); /* sends since the last drain may hide replies */
        resp_front_flush(co);
        pool_next_pass(co);
    }
    log_event(LOG_INFO, "coordinator_stop", "requests=%llu",
              (unsigned long long)co->st_requests);
    return 0;
}

/*
 * Raises the descriptor limit as far as allowed and lowers max_clients
 * to what fits, as Redis does: every client is a descriptor, and so is
 * every node connection (two per ZeroMQ socket, with its signal fd).
 */
static void s_fit_clients(coord_t *co)
{
    struct rlimit rl;
    long need_other = 32 + 4L * co->nnodes * (1 + co->cfg.coord.pool_size);

    co->max_clients = co->cfg.coord.max_clients;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return;
    if (rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
        getrlimit(RLIMIT_NOFILE, &rl);
    }
    long room = (long)rl.rlim_cur - need_other - CO_ADMIN_RESERVE;
    if (rl.rlim_cur != RLIM_INFINITY && room < co->max_clients) {
        co->max_clients = room > 1 ? (int)room : 1;
        log_event(LOG_WARN, "max_clients",
                  "wanted=%d fd_limit=%llu max_clients=%d",
                  co->cfg.coord.max_clients, (unsigned long long)rl.rlim_cur,
                  co->max_clients);
    }
}

/* Connects node i's admin and pool sockets and watches them. */
static int s_connect_node(coord_t *co, int i, char *err, size_t errlen)
{
    cnode_t *nd = &co->nodes[i];
    void *s = pool_dealer(co, i, 1, 1);

    nd->opened_ms = tp_now_ms();

    if (s == NULL || coord_watch(co, &nd->admin, s, ZS_ADMIN, i) < 0) {
        if (s != NULL)
            zmq_close(s);
        snprintf(err, errlen, "cannot connect to %s at %s: %s", nd->cfg->name,
                 nd->cfg->client, zmq_strerror(errno));
        return -1;
    }
    if (!co->cfg.coord.pool)
        return 0;
    nd->pool = calloc((size_t)co->cfg.coord.pool_size, sizeof *nd->pool);
    if (nd->pool == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (int p = 0; p < co->cfg.coord.pool_size; p++) {
        s = pool_dealer(co, i, 1, 0);
        if (s == NULL || coord_watch(co, &nd->pool[p], s, ZS_POOL, i) < 0) {
            if (s != NULL)
                zmq_close(s);
            snprintf(err, errlen, "cannot connect to %s: %s", nd->cfg->client,
                     zmq_strerror(errno));
            return -1;
        }
    }
    return 0;
}

static void s_close_zsock(coord_t *co, zsock_t *z);

/* Closes node i's admin, monitor and pool sockets. */
static void s_close_node(coord_t *co, int i)
{
    cnode_t *nd = &co->nodes[i];
    s_close_zsock(co, &nd->link);
    s_close_zsock(co, &nd->admin);
    for (int p = 0; nd->pool && p < co->cfg.coord.pool_size; p++)
        s_close_zsock(co, &nd->pool[p]);
    free(nd->pool);
    nd->pool = NULL;
    nd->linked = 0;
}

int coord_reconnect_node(coord_t *co, int i)
{
    char err[256];
    s_close_node(co, i);
    if (s_connect_node(co, i, err, sizeof err) == 0)
        return 0;
    log_event(LOG_ERROR, "reconnect_failed", "target=%s error=\"%s\"",
              co->nodes[i].cfg->name, err);
    return -1;
}

coord_t *coord_new(const config_t *cfg, char *err, size_t errlen)
{
    struct epoll_event ev = {.events = EPOLLIN};
    coord_t *co = calloc(1, sizeof *co);
    if (co == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    co->cfg = *cfg;
    co->listen_fd = -1;
    co->spare_fd = -1;
    co->writer = -1;
    co->listen = EV_LISTEN;
    co->now_ms = tp_now_ms();
    co->next_reqid = ((uint64_t)tp_now_us() << 8) | 1;
    co->oldest_reqid = co->next_reqid;
    co->ep = epoll_create1(EPOLL_CLOEXEC);
    if (!cfg->coord.present) {
        snprintf(err, errlen, "the cluster file has no [coordinator] section");
        goto fail;
    }
    s_fit_clients(co);
    co->conns_cap = co->max_clients + CO_ADMIN_RESERVE;
    co->conns = calloc((size_t)co->conns_cap, sizeof *co->conns);
    co->slots = calloc(CO_SLOTS, sizeof *co->slots);
    co->ctx = zmq_ctx_new();
    co->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (co->conns == NULL || co->slots == NULL || co->ctx == NULL ||
        co->ep < 0) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    co->sec = sec_new(&co->cfg, "coordinator", err, errlen);
    if (co->sec == NULL)
        goto fail;
    co->zap = zap_new(co->ctx, co->sec, co->cfg.max_connections, err, errlen);
    if (co->zap == NULL)
        goto fail;
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
        if (s_connect_node(co, i, err, errlen) < 0)
            goto fail;
    }
    if (co->cfg.coord.client[0] != '\0') {
        /* The front takes what a client may send a node, with the value
         * limit of this section (max_value). */
        void *s =
            tp_socket(co->ctx, ZMQ_ROUTER, 0, NULL,
                      WIRE_HEADER_SIZE + MM_KEY_MAX + co->cfg.coord.max_value);
        if (s == NULL || zap_guard(co->zap, s, SEC_DOMAIN_FRONT) < 0 ||
            zmq_bind(s, co->cfg.coord.client) != 0 ||
            coord_watch(co, &co->front, s, ZS_FRONT, -1) < 0) {
            snprintf(err, errlen, "cannot bind %s: %s", co->cfg.coord.client,
                     zmq_strerror(errno));
            if (s != NULL)
                zmq_close(s);
            goto fail;
        }
    }
    if (zap_start(co->zap) < 0) {
        snprintf(err, errlen, "cannot start the ZAP handler");
        goto fail;
    }
    if (co->cfg.coord.resp[0] != '\0') {
        co->listen_fd = resp_front_listen(co->cfg.coord.resp, err, errlen);
        if (co->listen_fd < 0)
            goto fail;
        ev.data.ptr = &co->listen;
        if (epoll_ctl(co->ep, EPOLL_CTL_ADD, co->listen_fd, &ev) != 0) {
            snprintf(err, errlen, "epoll: %s", strerror(errno));
            goto fail;
        }
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

static void s_close_zsock(coord_t *co, zsock_t *z)
{
    if (z->sock == NULL)
        return;
    coord_unwatch(co, z);
    zmq_close(z->sock);
    z->sock = NULL;
}

void coord_destroy(coord_t **cop)
{
    coord_t *co;
    if (cop == NULL || *cop == NULL)
        return;
    co = *cop;
    if (co->conns != NULL)
        resp_front_close_all(co);
    if (co->slots != NULL) {
        for (int k = 0; k < CO_SLOTS; k++) {
            slot_t *s = &co->slots[k];
            if (s->reqid == 0)
                continue;
            if (s->creq != NULL && --s->creq->left == 0)
                resp_front_creq_free(s->creq);
            pool_slot_free(co, s);
        }
    }
    if (co->ctx != NULL)
        zmq_ctx_shutdown(co->ctx); /* ends the ZAP handler's thread */
    zap_destroy(&co->zap);
    for (int i = 0; i < co->nnodes; i++)
        s_close_node(co, i);
    s_close_zsock(co, &co->front);
    if (co->listen_fd >= 0)
        close(co->listen_fd);
    if (co->spare_fd >= 0)
        close(co->spare_fd);
    if (co->ep >= 0)
        close(co->ep);
    if (co->ctx != NULL)
        zmq_ctx_term(co->ctx);
    sec_destroy(&co->sec);
    free(co->slots);
    free(co->conns);
    free(co);
    *cop = NULL;
}
