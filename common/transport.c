/*
 * transport.c - ZeroMQ helpers: socket set-up, framed send and receive.
 * See transport.h for why the project uses the patterns it does.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "transport.h"

/* One encode buffer for the process: nodes are single-threaded, and
 * zmq_send copies the bytes before it returns. */
static uint8_t s_buf[WIRE_HEADER_SIZE + MM_KEY_MAX + WIRE_VALUE_MAX];

void *tp_socket(void *ctx, int type, int linger_ms, const char *identity,
                int64_t max_msg)
{
    void *sock = zmq_socket(ctx, type);
    if (!sock)
        return NULL;
    zmq_setsockopt(sock, ZMQ_LINGER, &linger_ms, sizeof linger_ms);
    if (max_msg < TP_MIN_MAX_MSG)
        max_msg = TP_MIN_MAX_MSG;
    if (zmq_setsockopt(sock, ZMQ_MAXMSGSIZE, &max_msg, sizeof max_msg) ||
        (identity &&
         zmq_setsockopt(sock, ZMQ_ROUTING_ID, identity, strlen(identity)))) {
        int e = errno;
        zmq_close(sock);
        errno = e;
        return NULL;
    }
    return sock;
}

int tp_send(void *sock, const wire_msg_t *m, int flags)
{
    int n = wire_encode(m, s_buf, sizeof s_buf);
    if (n < 0)
        return n;
    if (zmq_send(sock, s_buf, (size_t)n, flags) < 0)
        return -errno;
    return 0;
}

int tp_send_raw_to(void *router, const void *id, size_t idlen,
                   const void *frame, size_t len, int flags)
{
    if (zmq_send(router, id, idlen, flags | ZMQ_SNDMORE) < 0)
        return -errno;
    /* The routing id part is queued atomically with the body: once the id
     * is accepted, the body send does not fail for queue reasons. */
    if (zmq_send(router, frame, len, flags) < 0)
        return -errno;
    return 0;
}

int tp_send_to(void *router, const void *id, size_t idlen, const wire_msg_t *m,
               int flags)
{
    int n = wire_encode(m, s_buf, sizeof s_buf);
    if (n < 0)
        return n;
    return tp_send_raw_to(router, id, idlen, s_buf, (size_t)n, flags);
}

int tp_recv(void *sock, zmq_msg_t *msg, int flags)
{
    int n = zmq_msg_recv(msg, sock, flags);
    return n < 0 ? -errno : n;
}

void tp_drain_more(void *sock)
{
    int more = 0;
    size_t len = sizeof more;
    while (zmq_getsockopt(sock, ZMQ_RCVMORE, &more, &len) == 0 && more) {
        zmq_msg_t m;
        zmq_msg_init(&m);
        zmq_msg_recv(&m, sock, 0);
        zmq_msg_close(&m);
    }
}

void *tp_monitor(void *ctx, void *sock, const char *name, int events)
{
    char ep[96];
    int zero = 0;
    snprintf(ep, sizeof ep, "inproc://monitor-%s", name);
    if (zmq_socket_monitor(sock, ep, events) != 0)
        return NULL;
    void *mon = zmq_socket(ctx, ZMQ_PAIR);
    if (mon == NULL)
        return NULL;
    zmq_setsockopt(mon, ZMQ_LINGER, &zero, sizeof zero);
    if (zmq_connect(mon, ep) != 0) {
        int e = errno;
        zmq_close(mon);
        errno = e;
        return NULL;
    }
    return mon;
}

int tp_monitor_read(void *mon, uint16_t *event, uint32_t *value)
{
    zmq_msg_t head, addr;
    int rc = -1;
    zmq_msg_init(&head);
    zmq_msg_init(&addr);
    /* Two parts: 2 bytes of event and 4 of value, then the endpoint. */
    if (zmq_msg_recv(&head, mon, ZMQ_DONTWAIT) >= 0) {
        zmq_msg_recv(&addr, mon, 0);
        *event = 0;
        *value = 0;
        if (zmq_msg_size(&head) >= 6) {
            memcpy(event, zmq_msg_data(&head), 2);
            memcpy(value, (uint8_t *)zmq_msg_data(&head) + 2, 4);
        }
        rc = 0;
    }
    zmq_msg_close(&head);
    zmq_msg_close(&addr);
    return rc;
}

int64_t tp_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t tp_now_us(void)
{
    return tp_now_ns() / 1000;
}

int64_t tp_now_ms(void)
{
    return tp_now_us() / 1000;
}
