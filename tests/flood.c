/*
 * flood.c - mm-flood: opens many connections to one ZeroMQ endpoint at
 * once, as an attacker (or a badly written client) would, for the
 * connection-flood cluster test and for measuring what a flood costs.
 *
 *     mm-flood ENDPOINT [--connections N] [--hold-ms MS] [--mechanism M]
 *
 * Each connection is a plain TCP socket that speaks just enough ZMTP 3.0
 * to complete a handshake: the 64-byte greeting naming mechanism M (NULL,
 * the default, or CURVE), and for NULL the READY command of a DEALER. A
 * node that runs security = off accepts such a connection as a client; a
 * node that runs curve drops it at the greeting (NULL) or at the first
 * command (CURVE, whose HELLO this tool never sends). Raw sockets keep the
 * flooder cheap: one process holds thousands of connections with no
 * ZeroMQ context of its own, so the measured cost is the target's.
 *
 * The connections are opened as fast as the kernel takes them, held for
 * MS milliseconds (default 2000), then closed together. It prints one line:
 * how many connected, how many the target closed before the end, and how
 * long opening took. Exit 0, or 2 for a usage error.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <pthread.h>
#include "mmclient.h"
#include "transport.h"

#define FLOOD_MAX 100000
#define FLOOD_BATCH 64

static long long s_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The probe: a client connected before the flood that PINGs the target
 * every 10 ms and keeps the longest wait for a PONG. */
typedef struct {
    mmc_t *conn;
    volatile int stop;
    long long worst_ms;
    long pings, lost;
} probe_t;

static void *s_probe(void *arg)
{
    probe_t *p = arg;
    while (!p->stop) {
        wire_msg_t req = {0}, r;
        req.cmd = WIRE_PING;
        long long t = s_now_ms();
        int rc = mmc_call(p->conn, &req, &r, 5000);
        long long took = s_now_ms() - t;
        p->pings++;
        if (rc != 0)
            p->lost++;
        if (took > p->worst_ms)
            p->worst_ms = took;
        poll(NULL, 0, 10);
    }
    return NULL;
}

/* "tcp://A.B.C.D:PORT" into addr; 0 or -1. */
static int s_parse(const char *ep, struct sockaddr_in *addr)
{
    char host[64];
    const char *colon;

    if (strncmp(ep, "tcp://", 6) != 0 || (colon = strrchr(ep, ':')) == NULL ||
        colon - ep - 6 <= 0 || colon - ep - 6 >= (long)sizeof host)
        return -1;
    memcpy(host, ep + 6, (size_t)(colon - ep - 6));
    host[colon - ep - 6] = '\0';
    memset(addr, 0, sizeof *addr);
    addr->sin_family = AF_INET;
    addr->sin_port = htons((unsigned short)atoi(colon + 1));
    return inet_pton(AF_INET, host, &addr->sin_addr) == 1 ? 0 : -1;
}

/* The greeting and, for NULL, the READY of a DEALER: what a ZeroMQ peer
 * sends first. Returns the byte count. */
static size_t s_handshake(const char *mechanism, unsigned char *buf)
{
    static const char type[] = "Socket-Type", dealer[] = "DEALER";
    size_t n = 64;

    memset(buf, 0, 64);
    buf[0] = 0xff;
    buf[9] = 0x7f;
    buf[10] = 3; /* ZMTP 3.0 */
    memcpy(buf + 12, mechanism, strlen(mechanism));
    if (strcmp(mechanism, "NULL") != 0)
        return n;
    buf[n++] = 0x04; /* a short command */
    buf[n++] = (unsigned char)(1 + 5 + 1 + 11 + 4 + 6);
    buf[n++] = 5;
    memcpy(buf + n, "READY", 5);
    n += 5;
    buf[n++] = 11;
    memcpy(buf + n, type, 11);
    n += 11;
    buf[n++] = 0;
    buf[n++] = 0;
    buf[n++] = 0;
    buf[n++] = 6;
    memcpy(buf + n, dealer, 6);
    return n + 6;
}

/*
 * A source address of its own for connection i, anywhere in 127.0.0.0/8
 * (all of it is loopback on Linux). Thousands of connections from one
 * address to one port crowd its ephemeral ports with TIME_WAIT sockets
 * after a few floods, and connect() then slows to milliseconds while the
 * kernel searches for a free port: the flood would measure that instead.
 */
static struct sockaddr_in s_source(int i)
{
    static unsigned base;
    struct sockaddr_in a = {0};
    if (base == 0)
        base = 64 + (unsigned)(getpid() + s_now_ms()) % 128;
    a.sin_family = AF_INET;
    a.sin_addr.s_addr =
        htonl((127u << 24) | (base << 16) | ((unsigned)(i / 250) % 256 << 8) |
              (unsigned)(i % 250 + 1));
    return a;
}

/*
 * Opens n connections, FLOOD_BATCH at a time: non-blocking connects, then
 * the handshake on each as it becomes writable, so the flood arrives as
 * fast as the target accepts. Failed ones are -1 in fds. Returns how many
 * connected.
 */
static int s_open_all(const struct sockaddr_in *addr, int *fds, int n,
                      const unsigned char *hs, size_t hlen)
{
    static struct pollfd pfd[FLOOD_BATCH];
    int opened = 0;

    for (int base = 0; base < n; base += FLOOD_BATCH) {
        int k = n - base < FLOOD_BATCH ? n - base : FLOOD_BATCH, left = 0;
        for (int i = 0; i < k; i++) {
            int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
            struct sockaddr_in src = s_source(base + i);
            if (fd >= 0 && (bind(fd, (struct sockaddr *)&src, sizeof src) < 0 ||
                            (connect(fd, (const struct sockaddr *)addr,
                                     sizeof *addr) < 0 &&
                             errno != EINPROGRESS))) {
                close(fd);
                fd = -1;
            }
            fds[base + i] = fd;
            pfd[i] = (struct pollfd){fd, POLLOUT, 0};
            left += fd >= 0;
        }
        long long give_up = s_now_ms() + 5000;
        while (left > 0 && s_now_ms() < give_up) {
            if (poll(pfd, (nfds_t)k, 100) <= 0)
                continue;
            for (int i = 0; i < k; i++) {
                if (pfd[i].fd < 0 || !pfd[i].revents)
                    continue;
                int err = 0;
                socklen_t el = sizeof err;
                getsockopt(pfd[i].fd, SOL_SOCKET, SO_ERROR, &err, &el);
                if (err != 0 || write(pfd[i].fd, hs, hlen) != (ssize_t)hlen) {
                    close(pfd[i].fd);
                    fds[base + i] = -1;
                } else {
                    opened++;
                }
                pfd[i].fd = -1;
                left--;
            }
        }
        for (int i = 0; i < k; i++) {
            if (pfd[i].fd >= 0) { /* never connected */
                close(pfd[i].fd);
                fds[base + i] = -1;
            }
        }
    }
    return opened;
}

/* Counts the connections the target has closed (read returns 0 or an
 * error); discards whatever else it sent. */
static int s_count_closed(int *fds, int n)
{
    unsigned char junk[512];
    int closed = 0;

    for (int i = 0; i < n; i++) {
        if (fds[i] < 0) {
            closed++;
            continue;
        }
        ssize_t r;
        while ((r = read(fds[i], junk, sizeof junk)) > 0)
            ;
        if (r == 0 || (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) {
            close(fds[i]);
            fds[i] = -1;
            closed++;
        }
    }
    return closed;
}

int main(int argc, char **argv)
{
    const char *mechanism = "NULL", *probe_ep = NULL;
    long count = 1000, hold_ms = 2000;
    struct sockaddr_in addr;
    unsigned char hs[128];
    probe_t probe = {0};
    pthread_t th;

    if (argc < 2 || s_parse(argv[1], &addr) < 0) {
        fprintf(stderr, "usage: mm-flood tcp://A.B.C.D:PORT [--connections "
                        "N] [--hold-ms MS] [--mechanism NULL|CURVE] [--probe "
                        "ENDPOINT]\n");
        return 2;
    }
    for (int i = 2; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--connections"))
            count = atol(argv[i + 1]);
        else if (!strcmp(argv[i], "--hold-ms"))
            hold_ms = atol(argv[i + 1]);
        else if (!strcmp(argv[i], "--mechanism"))
            mechanism = argv[i + 1];
        else if (!strcmp(argv[i], "--probe"))
            probe_ep = argv[i + 1];
        else {
            fprintf(stderr, "mm-flood: unknown option %s\n", argv[i]);
            return 2;
        }
    }
    if (count < 1 || count > FLOOD_MAX || hold_ms < 0 ||
        (strcmp(mechanism, "NULL") && strcmp(mechanism, "CURVE"))) {
        fprintf(stderr, "mm-flood: 1 <= N <= %d, MS >= 0, M NULL or CURVE\n",
                FLOOD_MAX);
        return 2;
    }
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    if (probe_ep) {
        char err[256];
        wire_msg_t req = {.cmd = WIRE_PING}, r;
        probe.conn = mmc_connect(NULL, probe_ep, err, sizeof err);
        if (!probe.conn || mmc_call(probe.conn, &req, &r, 5000) != 0) {
            fprintf(stderr, "mm-flood: the probe gets no PONG from %s\n",
                    probe_ep);
            return 1;
        }
        pthread_create(&th, NULL, s_probe, &probe);
    }
    size_t hlen = s_handshake(mechanism, hs);
    int *fds = calloc((size_t)count, sizeof *fds);
    if (fds == NULL)
        return 1;
    long long t0 = s_now_ms();
    int opened = s_open_all(&addr, fds, (int)count, hs, hlen);
    long long open_ms = s_now_ms() - t0;
    long long end = s_now_ms() + hold_ms;
    while (s_now_ms() < end)
        poll(NULL, 0, 100);
    int closed = s_count_closed(fds, (int)count) - ((int)count - opened);
    /* Closing them all at once is part of the flood: the target tears
     * down every connection together. The probe watches that too. */
    for (long i = 0; i < count; i++)
        if (fds[i] >= 0)
            close(fds[i]);
    poll(NULL, 0, probe_ep ? 2000 : 0);
    printf("connections=%d opened_in_ms=%lld closed_by_target=%d", opened,
           open_ms, closed);
    if (probe_ep) {
        probe.stop = 1;
        pthread_join(th, NULL);
        printf(" probe_pings=%ld probe_lost=%ld probe_worst_ms=%lld",
               probe.pings, probe.lost, probe.worst_ms);
        mmc_destroy(&probe.conn);
    }
    printf("\n");
    free(fds);
    return 0;
}
