/*
 * zap.c - the ZAP handler: who may connect to this process, and how many
 * at once (zap.h says what it answers).
 *
 * One thread per process, started once its sockets are set up:
 *
 *   1. libzmq's I/O thread sends a request on "inproc://zeromq.zap.01"
 *      for every connection that reaches a guarded socket, during the
 *      handshake and before the connection may send a single message;
 *   2. the thread first reads every monitor event waiting (a connection's
 *      "accepted" is in its monitor before its ZAP request is sent), so
 *      the count it checks includes the connection asking;
 *   3. it answers with zap_decide(): the one place a connection is let in
 *      or refused, pure so that the unit tests can drive it.
 *
 * A refused connection never becomes a pipe of the guarded socket, so the
 * node's own thread spends nothing on it: what a flood of connections
 * costs the node's loop stops at max_connections.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include "log.h"
#include "transport.h"
#include "zap.h"

#define ZAP_ENDPOINT "inproc://zeromq.zap.01"
#define ZAP_GUARDS_MAX 4   /* a node guards two sockets, a coordinator one */
#define ZAP_FRAMES_MAX 8   /* a CURVE request has 7 */
#define ZAP_FD_MAX 1048576 /* the table of whose descriptor is whose */
/* A connection that has not finished its handshake this long after it
 * was accepted is dropped (ZeroMQ's default is 30 s). A refused one is
 * dropped this long after it was refused if its peer does not hang up:
 * until then it counts against the cap, so a flood of connections that
 * never finish their handshake holds the cap for seconds, not half a
 * minute. A real handshake takes milliseconds. */
#define ZAP_HANDSHAKE_MS 5000

typedef struct {
    char domain[16];
    void *mon; /* PAIR connected to the socket's monitor */
    int count; /* connections accepted and not yet disconnected */
} guard_t;

struct zap {
    void *ctx;
    const sec_t *sec;
    void *rep;
    int cap;
    int nguards;
    guard_t guards[ZAP_GUARDS_MAX];
    uint8_t *owner; /* fd -> guard index + 1, 0: not a guarded connection */
    size_t nfd;
    pthread_t thread;
    int started;
    log_limit_t denied_log, cap_log, handshake_log;
};

zap_t *zap_new(void *ctx, const sec_t *sec, int max_connections, char *err,
               size_t errlen)
{
    struct rlimit rl;
    zap_t *z = calloc(1, sizeof *z);
    int zero = 0;

    if (z == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    z->ctx = ctx;
    z->sec = sec;
    z->cap = max_connections;
    z->nfd = getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < ZAP_FD_MAX
                 ? (size_t)rl.rlim_cur
                 : ZAP_FD_MAX;
    z->owner = calloc(z->nfd, 1);
    z->rep = zmq_socket(ctx, ZMQ_REP);
    if (z->owner == NULL || z->rep == NULL ||
        zmq_setsockopt(z->rep, ZMQ_LINGER, &zero, sizeof zero) != 0 ||
        zmq_bind(z->rep, ZAP_ENDPOINT) != 0) {
        snprintf(err, errlen, "cannot start the ZAP handler: %s",
                 zmq_strerror(errno));
        zap_destroy(&z);
        return NULL;
    }
    return z;
}

int zap_guard(zap_t *z, void *sock, const char *domain)
{
    char name[32];
    int ivl = ZAP_HANDSHAKE_MS, rc;
    guard_t *g;

    if (z->nguards == ZAP_GUARDS_MAX || strlen(domain) >= sizeof g->domain)
        return -EINVAL;
    rc = sec_server(z->sec, sock, domain);
    if (rc < 0)
        return rc;
    if (zmq_setsockopt(sock, ZMQ_HANDSHAKE_IVL, &ivl, sizeof ivl) != 0)
        return -errno;
    g = &z->guards[z->nguards];
    snprintf(name, sizeof name, "zap-%d", z->nguards);
    g->mon = tp_monitor(z->ctx, sock, name,
                        ZMQ_EVENT_ACCEPTED | ZMQ_EVENT_DISCONNECTED |
                            ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL |
                            ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL);
    if (g->mon == NULL)
        return -errno;
    snprintf(g->domain, sizeof g->domain, "%s", domain);
    z->nguards++;
    return 0;
}

int zap_decide(const sec_t *sec, const char *domain, const char *mechanism,
               const uint8_t *key, size_t klen, int count, int cap,
               const char **user, const char **why)
{
    const char *name;
    sec_role_t role = SEC_ROLE_NONE;

    *user = "";
    if (!sec_curve(sec) && strcmp(mechanism, "NULL") == 0)
        role = SEC_ROLE_ANONYMOUS;
    else if (sec_curve(sec) && strcmp(mechanism, "CURVE") == 0 && klen == 32)
        role = sec_key_role(sec, key, &name);
    if (role == SEC_ROLE_NONE) {
        *why = "unknown key";
        return 400;
    }
    if (!sec_admits(domain, role)) {
        *why = "this key's role may not use this socket";
        return 400;
    }
    if (count > cap) {
        *why = "too many connections";
        return 300;
    }
    *user = sec_role_name(role);
    *why = "OK";
    return 200;
}

/* Reads the events waiting on guard g's monitor: +1 per accepted
 * connection, -1 per disconnected one, keyed by descriptor so that a lost
 * event cannot leave the count off for good (a reused descriptor's stale
 * entry is dropped when it is accepted again). */
static void s_read_events(zap_t *z, int gi)
{
    guard_t *g = &z->guards[gi];
    uint16_t event;
    uint32_t value; /* a descriptor, or an error code */
    while (tp_monitor_read(g->mon, &event, &value) == 0) {
        int known = value < z->nfd ? z->owner[value] : 0;
        if (event == ZMQ_EVENT_ACCEPTED) {
            if (known > 0)
                z->guards[known - 1].count--;
            if (value < z->nfd)
                z->owner[value] = (uint8_t)(gi + 1);
            g->count++;
        } else if (event == ZMQ_EVENT_DISCONNECTED &&
                   (value >= z->nfd || known == gi + 1)) {
            if (value < z->nfd)
                z->owner[value] = 0;
            if (g->count > 0)
                g->count--;
        } else if (event != ZMQ_EVENT_DISCONNECTED) {
            /* A handshake that failed before ZAP was asked: not ZeroMQ
             * (random bytes), another mechanism (a plain client at a curve
             * node), or a CURVE HELLO for another server key. The value is
             * ZeroMQ's protocol error code (zmq.h). */
            log_limited(&z->handshake_log, LOG_WARN, "handshake_failed",
                        "socket=%s code=0x%x", g->domain, (unsigned)value);
        }
    }
}

/* Receives one ZAP request into frames (frames past ZAP_FRAMES_MAX are
 * dropped); returns how many it kept, or -1 when the context ends. */
static int s_recv_request(void *rep, zmq_msg_t *frames)
{
    int n = 0, more = 1;
    while (more) {
        zmq_msg_t m;
        zmq_msg_init(&m);
        if (zmq_msg_recv(&m, rep, 0) < 0) {
            zmq_msg_close(&m);
            while (n > 0)
                zmq_msg_close(&frames[--n]);
            return -1;
        }
        more = zmq_msg_more(&m);
        if (n < ZAP_FRAMES_MAX) {
            zmq_msg_init(&frames[n]);
            zmq_msg_move(&frames[n++], &m);
        }
        zmq_msg_close(&m);
    }
    return n;
}

/* A frame as a C string, cut to cap. */
static const char *s_text(zmq_msg_t *m, char *buf, size_t cap)
{
    size_t len = zmq_msg_size(m) < cap ? zmq_msg_size(m) : cap - 1;
    memcpy(buf, zmq_msg_data(m), len);
    buf[len] = '\0';
    return buf;
}

/* Reads one request and answers it. Returns -1 when the context ends. */
static int s_answer(zap_t *z)
{
    zmq_msg_t f[ZAP_FRAMES_MAX];
    char domain[32], address[64], mech[16], status[4];
    const char *user = "", *why = "malformed ZAP request";
    int n = s_recv_request(z->rep, f), code = 500, gi = -1;

    if (n < 0)
        return -1;
    if (n >= 6) {
        s_text(&f[2], domain, sizeof domain);
        s_text(&f[3], address, sizeof address);
        s_text(&f[5], mech, sizeof mech);
        for (int i = 0; i < z->nguards; i++)
            if (strcmp(z->guards[i].domain, domain) == 0)
                gi = i;
        if (gi >= 0) {
            s_read_events(z, gi); /* the asking connection is counted */
            code = zap_decide(z->sec, domain, mech,
                              n >= 7 ? zmq_msg_data(&f[6]) : NULL,
                              n >= 7 ? zmq_msg_size(&f[6]) : 0,
                              z->guards[gi].count, z->cap, &user, &why);
        } else {
            why = "unknown ZAP domain";
        }
    }
    snprintf(status, sizeof status, "%d", code);
    zmq_send(z->rep, "1.0", 3, ZMQ_SNDMORE);
    if (n >= 2)
        zmq_send(z->rep, zmq_msg_data(&f[1]), zmq_msg_size(&f[1]), ZMQ_SNDMORE);
    else
        zmq_send(z->rep, "", 0, ZMQ_SNDMORE);
    zmq_send(z->rep, status, strlen(status), ZMQ_SNDMORE);
    zmq_send(z->rep, why, strlen(why), ZMQ_SNDMORE);
    zmq_send(z->rep, user, strlen(user), ZMQ_SNDMORE);
    zmq_send(z->rep, "", 0, 0);
    if (code == 300)
        log_limited(&z->cap_log, LOG_WARN, "connection_refused",
                    "socket=%s from=%s reason=\"%s\" connections=%d max=%d",
                    domain, address, why, z->guards[gi].count, z->cap);
    else if (code != 200)
        log_limited(&z->denied_log, LOG_WARN, "connection_refused",
                    "socket=%s from=%s mechanism=%s reason=\"%s\"",
                    n >= 6 ? domain : "?", n >= 6 ? address : "?",
                    n >= 6 ? mech : "?", why);
    for (int i = 0; i < n; i++)
        zmq_msg_close(&f[i]);
    return 0;
}

static void *s_run(void *arg)
{
    zap_t *z = arg;
    zmq_pollitem_t items[ZAP_GUARDS_MAX + 1];
    int n = z->nguards;

    for (int i = 0; i < n; i++)
        items[i] = (zmq_pollitem_t){z->guards[i].mon, 0, ZMQ_POLLIN, 0};
    items[n] = (zmq_pollitem_t){z->rep, 0, ZMQ_POLLIN, 0};
    for (;;) {
        if (zmq_poll(items, n + 1, 1000) < 0) {
            if (errno == EINTR)
                continue;
            break; /* ETERM: the context is shutting down */
        }
        for (int i = 0; i < n; i++)
            if (items[i].revents & ZMQ_POLLIN)
                s_read_events(z, i);
        if ((items[n].revents & ZMQ_POLLIN) && s_answer(z) < 0)
            break;
        log_limits_flush();
    }
    return NULL;
}

int zap_start(zap_t *z)
{
    int rc = pthread_create(&z->thread, NULL, s_run, z);
    if (rc != 0)
        return -rc;
    z->started = 1;
    return 0;
}

void zap_destroy(zap_t **zp)
{
    if (zp == NULL || *zp == NULL)
        return;
    zap_t *z = *zp;
    if (z->started)
        pthread_join(z->thread, NULL);
    /* The thread has ended (or never ran): its sockets are ours again. */
    for (int i = 0; i < z->nguards; i++)
        if (z->guards[i].mon != NULL)
            zmq_close(z->guards[i].mon);
    if (z->rep != NULL)
        zmq_close(z->rep);
    free(z->owner);
    free(z);
    *zp = NULL;
}
