/*
 * flood.c - mm-flood: what a hostile client does to a node's socket, for
 * the limits cluster test (tests/cluster/t_limits.sh) and for measuring
 * what it costs the node.
 *
 *     mm-flood ENDPOINT [--connections N] [--hold-ms MS]
 *                       [--mechanism NULL|CURVE] [--probe ENDPOINT]
 *     mm-flood ENDPOINT --announce BYTES [--send BYTES]
 *                       [--mechanism NULL|CURVE]
 *
 * A flood opens N connections at once. Each is a plain TCP socket that
 * speaks just enough ZMTP 3.0 to pass for a ZeroMQ peer: the 64-byte
 * greeting naming mechanism M (NULL, the default, or CURVE), and for NULL
 * the READY command of a DEALER. A node with security = off takes such a
 * connection as a client (up to max_connections); a node with curve drops
 * it at the greeting (NULL) or at the first command (CURVE, whose HELLO
 * this tool never sends). Raw sockets keep the flooder cheap: one process
 * holds thousands of connections with no ZeroMQ context of its own, so
 * what is measured is the target's cost. The connections are held for MS
 * milliseconds (default 2000), then closed together. --probe connects a
 * real client before the flood and PINGs ENDPOINT every 10 ms throughout:
 * its longest wait is how long the flood froze the node.
 *
 * --announce opens one connection, passes the greeting (and READY) and
 * then sends the header of a message of BYTES bytes, followed by --send
 * bytes of it (default: all of them), as fast as the target reads, and
 * holds the connection --hold-ms before closing it. A target with a
 * largest message size drops the connection at the header.
 *
 * Prints one line of key=value results. Exit 0, 2 for a usage error, 1
 * when the target cannot be reached.
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
#include <signal.h>
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

/*
 * One connection that announces a message of `announce` bytes, sends
 * `send` of them and, unless the target closed it, holds it hold_ms
 * before closing (the target holds what it buffered meanwhile). Returns
 * the bytes of the message sent before the target closed the connection,
 * or -1 if it could not connect.
 */
static long long s_big_frame(const struct sockaddr_in *addr,
                             const unsigned char *hs, size_t hlen,
                             long long announce, long long send, long hold_ms)
{
    static unsigned char junk[65536];
    unsigned char head[9] = {0x02}; /* a long message frame */
    long long sent = 0;
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    if (fd < 0 || connect(fd, (const struct sockaddr *)addr, sizeof *addr) ||
        write(fd, hs, hlen) != (ssize_t)hlen) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    for (int i = 0; i < 8; i++)
        head[1 + i] = (unsigned char)(announce >> (56 - 8 * i));
    signal(SIGPIPE, SIG_IGN);
    if (write(fd, head, sizeof head) == (ssize_t)sizeof head) {
        memset(junk, 'x', sizeof junk);
        while (sent < send) {
            size_t n = send - sent < (long long)sizeof junk
                           ? (size_t)(send - sent)
                           : sizeof junk;
            ssize_t w = write(fd, junk, n);
            if (w <= 0) {
                hold_ms = 0; /* the target closed it */
                break;
            }
            sent += w;
        }
    }
    poll(NULL, 0, (int)hold_ms);
    close(fd);
    return sent;
}

/* Starts the probe; 0, or -1 when the target does not answer it. */
static int s_probe_start(probe_t *probe, const char *ep, pthread_t *th)
{
    char err[256];
    wire_msg_t req = {.cmd = WIRE_PING}, r;
    probe->conn = mmc_connect(NULL, ep, err, sizeof err);
    if (!probe->conn || mmc_call(probe->conn, &req, &r, 5000) != 0) {
        fprintf(stderr, "mm-flood: the probe gets no PONG from %s\n", ep);
        return -1;
    }
    return pthread_create(th, NULL, s_probe, probe) == 0 ? 0 : -1;
}

/* The flood: count connections held for hold_ms, then closed at once. */
static int s_flood(const struct sockaddr_in *addr, const unsigned char *hs,
                   size_t hlen, long count, long hold_ms, const char *probe_ep)
{
    probe_t probe = {0};
    pthread_t th;
    int *fds = calloc((size_t)count, sizeof *fds);

    if (fds == NULL || (probe_ep && s_probe_start(&probe, probe_ep, &th) < 0))
        return 1;
    long long t0 = s_now_ms();
    int opened = s_open_all(addr, fds, (int)count, hs, hlen);
    long long open_ms = s_now_ms() - t0;
    poll(NULL, 0, (int)hold_ms);
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

static void s_usage(FILE *out)
{
    fprintf(out, "usage: mm-flood ENDPOINT [--connections N] [--hold-ms MS]\n"
                 "                [--mechanism NULL|CURVE] [--probe ENDPOINT]\n"
                 "       mm-flood ENDPOINT --announce BYTES [--send BYTES]\n"
                 "                [--mechanism NULL|CURVE]\n"
                 "\n"
                 "What a hostile client does to a node's socket (ENDPOINT is "
                 "tcp://HOST:PORT):\n"
                 "  --connections N   open N raw ZMTP connections at once "
                 "(default 1000)\n"
                 "  --hold-ms MS      hold them MS ms, then close them "
                 "(default 2000)\n"
                 "  --mechanism M     the greeting's mechanism, NULL (default) "
                 "or CURVE\n"
                 "  --probe ENDPOINT  PING ENDPOINT every 10 ms throughout and "
                 "report the\n"
                 "                    longest wait\n"
                 "  --announce BYTES  one connection that announces a message "
                 "of BYTES bytes\n"
                 "  --send BYTES      and sends that many of them (default: "
                 "all)\n"
                 "Prints one line of key=value results. Exit status: 0, 1 when "
                 "the target\n"
                 "cannot be reached, 2 for a usage error.\n");
}

int main(int argc, char **argv)
{
    const char *mechanism = "NULL", *probe_ep = NULL;
    long count = 1000, hold_ms = 2000;
    long long announce = 0, send = -1;
    struct sockaddr_in addr;
    unsigned char hs[128];

    if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        s_usage(stdout);
        return 0;
    }
    if (argc < 2 || s_parse(argv[1], &addr) < 0) {
        s_usage(stderr);
        return 2;
    }
    for (int i = 2; i + 1 < argc; i += 2) {
        const char *o = argv[i], *v = argv[i + 1];
        if (!strcmp(o, "--connections"))
            count = atol(v);
        else if (!strcmp(o, "--hold-ms"))
            hold_ms = atol(v);
        else if (!strcmp(o, "--mechanism"))
            mechanism = v;
        else if (!strcmp(o, "--probe"))
            probe_ep = v;
        else if (!strcmp(o, "--announce"))
            announce = atoll(v);
        else if (!strcmp(o, "--send"))
            send = atoll(v);
        else {
            fprintf(stderr, "mm-flood: unknown option %s\n", o);
            return 2;
        }
    }
    if (count < 1 || count > FLOOD_MAX || hold_ms < 0 || announce < 0 ||
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
    size_t hlen = s_handshake(mechanism, hs);
    if (announce == 0)
        return s_flood(&addr, hs, hlen, count, hold_ms, probe_ep);
    long long sent = s_big_frame(&addr, hs, hlen, announce,
                                 send < 0 ? announce : send, hold_ms);
    if (sent < 0) {
        fprintf(stderr, "mm-flood: cannot connect to %s\n", argv[1]);
        return 1;
    }
    printf("announced=%lld sent=%lld\n", announce, sent);
    return 0;
}
