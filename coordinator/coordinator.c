/*
 * coordinator.c - the coordinator object and its loop: one thread, one
 * zmq_poll over both client fronts and every node socket.
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
 * (failover.c: detection, promotion, fencing) and a deadline check every
 * CO_PERF_CHECK_MS (pool.c: timed-out requests, held writes).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
            failover_heartbeat(co);
            co->next_beat_ms = now + co->cfg.coord.heartbeat_ms;
        }
        if (now >= co->next_check_ms) {
            pool_check_deadlines(co);
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
                zfront_read(co);
                break;
            case IT_LISTEN:
                resp_front_accept(co);
                break;
            case IT_CONN:
                if (arg < co->nconns && (re & (ZMQ_POLLIN | ZMQ_POLLERR)) &&
                    resp_front_read(co, co->conns[arg]) < 0)
                    resp_front_close(co, arg);
                break;
            case IT_ADMIN:
                failover_admin_read(co, arg);
                break;
            case IT_POOL:
                while (pool_read(co, co->nodes[arg / 64].pool[arg % 64],
                                 arg / 64) == 0)
                    ;
                break;
            case IT_OFF: {
                slot_t *s = &co->slots[arg];
                if (s->sock != NULL)
                    pool_read(co, s->sock, s->node);
                break;
            }
            }
        }
        for (int k = co->nconns - 1; k >= 0; k--) {
            conn_t *c = co->conns[k];
            if (c->out.len > 0 || c->closing)
                if (resp_front_write(c) < 0)
                    resp_front_close(co, k);
        }
    }
    log_event(LOG_INFO, "coordinator_stop", "requests=%llu",
              (unsigned long long)co->st_requests);
    return 0;
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
        nd->admin = pool_dealer(co, nd->cfg->client, 1);
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
                nd->pool[p] = pool_dealer(co, nd->cfg->client, 1);
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
        co->listen_fd = resp_front_listen(co->cfg.coord.resp, err, errlen);
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
        resp_front_close(co, co->nconns - 1);
    if (co->slots != NULL) {
        for (int k = 0; k < CO_SLOTS; k++) {
            slot_t *s = &co->slots[k];
            if (s->reqid == 0)
                continue;
            if (s->creq != NULL && --s->creq->left == 0) {
                resp_front_free_subs(s->creq);
                resp_buf_free(&s->creq->out);
                free(s->creq);
            }
            pool_slot_free(co, s);
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
