/*
 * mmclient.c - a DEALER connection to a node, with request ids. See
 * mmclient.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "mmclient.h"
#include "transport.h"

struct mmc {
    void *ctx;
    int own_ctx; /* 1: we made ctx and must terminate it */
    void *sock;
    void *mon;   /* handshake failures of sock, or NULL */
    int refused; /* the ZAP status of a refused handshake, -1: a failed one */
    uint64_t next_id;
    zmq_msg_t msg; /* the last reply; the decoded frame borrows from it */
    int have_msg;
};

mmc_t *mmc_connect(void *ctx, const char *endpoint, char *err, size_t errlen)
{
    return mmc_connect_as(ctx, endpoint, NULL, NULL, err, errlen);
}

mmc_t *mmc_connect_as(void *ctx, const char *endpoint, const sec_t *sec,
                      const char *server, char *err, size_t errlen)
{
    mmc_t *c = calloc(1, sizeof *c);
    if (!c) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    c->own_ctx = ctx == NULL;
    c->ctx = ctx ? ctx : zmq_ctx_new();
    if (!c->ctx) {
        snprintf(err, errlen, "cannot create ZeroMQ context: %s",
                 zmq_strerror(errno));
        goto fail;
    }
    c->sock = tp_socket(c->ctx, ZMQ_DEALER, 0, NULL, TP_MAX_REPLY);
    if (!c->sock) {
        snprintf(err, errlen, "cannot create socket: %s", zmq_strerror(errno));
        goto fail;
    }
    if (sec_client(sec, c->sock, server ? server : "") < 0) {
        snprintf(err, errlen, "no public key for %s in the keys directory",
                 server ? server : "the server");
        goto fail;
    }
    /* Watch the handshake: a refusal is otherwise just a silence. */
    if (sec_curve(sec) && c->own_ctx)
        c->mon = tp_monitor(c->ctx, c->sock, "mmc",
                            ZMQ_EVENT_HANDSHAKE_FAILED_AUTH |
                                ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL);
    int hwm = 100000;
    zmq_setsockopt(c->sock, ZMQ_SNDHWM, &hwm, sizeof hwm);
    zmq_setsockopt(c->sock, ZMQ_RCVHWM, &hwm, sizeof hwm);
    if (zmq_connect(c->sock, endpoint) != 0) {
        snprintf(err, errlen, "cannot connect to %s: %s", endpoint,
                 zmq_strerror(errno));
        goto fail;
    }
    /* Request ids start at a random-ish point so that a reply meant for an
     * earlier client of the same identity is never mistaken for ours. */
    c->next_id = ((uint64_t)tp_now_us() << 8) | 1;
    return c;
fail:
    mmc_destroy(&c);
    return NULL;
}

void mmc_destroy(mmc_t **cp)
{
    if (!cp || !*cp)
        return;
    mmc_t *c = *cp;
    if (c->have_msg)
        zmq_msg_close(&c->msg);
    if (c->mon)
        zmq_close(c->mon);
    if (c->sock)
        zmq_close(c->sock);
    if (c->own_ctx && c->ctx)
        zmq_ctx_term(c->ctx);
    free(c);
    *cp = NULL;
}

void *mmc_socket(mmc_t *c)
{
    return c->sock;
}

const char *mmc_refusal(mmc_t *c)
{
    uint16_t event;
    uint32_t value;
    while (c->mon != NULL && !c->refused &&
           tp_monitor_read(c->mon, &event, &value) == 0)
        c->refused = event == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH ? (int)value : -1;
    if (c->refused == 300)
        return "the server has too many connections (max_connections)";
    if (c->refused > 0)
        return "the server does not accept our key on that socket";
    if (c->refused < 0)
        return "the handshake failed: the server's key is not the one "
               "in our keys directory, or it does not use curve";
    return NULL;
}

int64_t mmc_send(mmc_t *c, const wire_msg_t *req)
{
    wire_msg_t m = *req;
    m.reqid = c->next_id++;
    int rc = tp_send(c->sock, &m, 0);
    return rc < 0 ? rc : (int64_t)m.reqid;
}

void mmc_set_next_id(mmc_t *c, uint64_t id)
{
    c->next_id = id;
}

int mmc_recv(mmc_t *c, wire_msg_t *reply, int timeout_ms)
{
    zmq_pollitem_t it = {c->sock, 0, ZMQ_POLLIN, 0};
    int n = zmq_poll(&it, 1, timeout_ms);
    if (n < 0)
        return -errno;
    if (n == 0)
        return MM_ERR_TIMEOUT;
    if (c->have_msg)
        zmq_msg_close(&c->msg);
    zmq_msg_init(&c->msg);
    c->have_msg = 1;
    int len = tp_recv(c->sock, &c->msg, 0);
    if (len < 0)
        return len;
    return wire_decode(zmq_msg_data(&c->msg), (size_t)len, reply);
}

int mmc_call(mmc_t *c, const wire_msg_t *req, wire_msg_t *reply, int timeout_ms)
{
    int64_t id = mmc_send(c, req);
    if (id < 0)
        return (int)id;
    int64_t deadline = tp_now_ms() + timeout_ms;
    for (;;) {
        int left = (int)(deadline - tp_now_ms());
        if (left < 0)
            left = 0;
        int rc = mmc_recv(c, reply, left);
        if (rc == MM_ERR_TIMEOUT)
            return rc;
        if (rc == 0 && reply->reqid == (uint64_t)id)
            return reply->cmd == WIRE_ERROR ? MM_ERR_REMOTE : 0;
        /* A stale reply or an undecodable frame: keep waiting for ours. */
        if (left == 0)
            return MM_ERR_TIMEOUT;
    }
}
