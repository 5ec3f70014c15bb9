/*
 * fuzz_node.c - a real node in this process, fed any messages on the
 * three sockets where bytes from outside reach it:
 *
 *   client   requests (common/serve.c: decode, dispatch to the writer,
 *            GET, DUMP, STATUS, FAULT, PROMOTE, DEMOTE), from a DEALER;
 *   peer     a follower's HELLO and ACK (masters/stream.c), from a DEALER
 *            that calls itself r1;
 *   follow   a source's REC packs, BEAT and REHELLO (replicas/follow.c),
 *            from a ROUTER bound where p1 expects its standby s1.
 *
 * The node is p1 of tests/inproc_node.h (a primary, with a standby s1
 * and a replica r1), with a Berkeley DB store under a temporary directory
 * and inproc:// endpoints: the harness plays r1 and s1 and runs the
 * node's loop by hand (serve_clients, stream_serve_peers, follow_read,
 * stream_pump).
 *
 * An input is a list of message parts, each a 2-byte big-endian header
 * and that many bytes: bit 15 sends the part with ZMQ_SNDMORE (the next
 * part joins the message; a node reads the first and drops the rest),
 * bits 13-14 choose the socket (0 and 3 client, 1 peer, 2 follow), bits
 * 0-12 the length. Frames to the follow socket get p1's current session
 * number in their reqid (frame by frame, as far as the pack walks): the
 * fuzzer could never guess it, and a frame of another session is simply
 * ignored. This checks that:
 *
 *   - every client message gets exactly one reply, in order, echoing its
 *     request id (or 0 when it is too short to hold one), and only then
 *     are the peer and follow messages served;
 *   - every reply decodes, comes from p1 and is the kind its request
 *     asks for (PUT: OK or ERROR, GET: VALUE, NOTFOUND or ERROR, ...);
 *   - a DUMP page is a list of log entries that decode, as many as it
 *     says;
 *   - a GET after an acknowledged PUT or DEL of the same key in the same
 *     input reads exactly that write (its value and stamp);
 *   - whatever p1 sends r1 (REC packs, BEAT, REHELLO) and s1 (HELLO, ACK)
 *     decodes, frame by frame, and its vectors decode.
 *
 * The node lives across inputs, as a real one does, but each input finds
 * it as a primary at its first epoch, unfenced, with no fault and no clock
 * offset (s_tidy()): otherwise one early frame (any request naming a newer
 * epoch fences a primary) would decide how every later input is served.
 */
/* nftw() (inproc_node.h) is an X/Open function. */
#define _XOPEN_SOURCE 700
#include <stdio.h>
#include <unistd.h>
#include "../inproc_node.h"
#include "bytes.h"
#include "fuzz.h"
#include "log.h"
#include "transport.h"

#define MAX_MESSAGES 64
#define FRESH_AFTER_WRITES 4000

enum { CH_CLIENT, CH_PEER, CH_FOLLOW, CH_CLIENT2 };

static char s_dir[64];
static node_t *s_node;
static void *s_client;     /* DEALER to p1's client socket */
static void *s_follower;   /* DEALER "r1" to p1's peer socket */
static void *s_source;     /* ROUTER at s1's peer endpoint */
static uint64_t s_session; /* p1's session with s1, from its last HELLO */
static uint32_t s_epoch;   /* the epoch a fresh store starts at */

/*
 * Berkeley DB keeps a private environment's regions (DB_PRIVATE) in
 * malloc'd blocks that it links by offsets, not pointers, so
 * LeakSanitizer takes every one of them for a leak. Leaks of the
 * project's own memory are still reported.
 */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
    return "leak:libdb-5.3.so\n";
}

static void *s_socket(int type, const char *identity)
{
    void *sock = inproc_node_socket(s_node, type, identity);

    FUZZ_CHECK(sock != NULL);
    return sock;
}

/* Checks one message part p1 sent: frames back to back that decode. */
static void s_check_frames(const uint8_t *b, size_t len, wire_msg_t *last)
{
    size_t off = 0, flen;

    FUZZ_CHECK(len >= WIRE_HEADER_SIZE);
    while (off < len) {
        FUZZ_CHECK(wire_frame_len(b + off, len - off, &flen) == 0);
        FUZZ_CHECK(wire_decode(b + off, flen, last) == 0);
        /* A REC carries its record's origin: p1 relays s1's writes. */
        FUZZ_CHECK(last->cmd == WIRE_REC || last->origin == s_node->self->id);
        if (last->cmd == WIRE_HELLO || last->cmd == WIRE_ACK ||
            last->cmd == WIRE_BEAT) {
            uint64_t vec[MM_MAX_NODES + 1];
            uint32_t mask;
            FUZZ_CHECK(wire_vec_decode(last->value, last->vlen, vec, &mask) ==
                       0);
        }
        off += flen;
    }
}

/*
 * Reads whatever p1 has sent r1 and s1; returns how many messages. A
 * HELLO to s1 starts a new session, whose number later follow frames
 * carry.
 */
static int s_drain_replication(void)
{
    int got = 0;
    zmq_msg_t m;
    wire_msg_t last;

    zmq_msg_init(&m);
    while (zmq_msg_recv(&m, s_follower, ZMQ_DONTWAIT) >= 0) {
        s_check_frames(zmq_msg_data(&m), zmq_msg_size(&m), &last);
        FUZZ_CHECK(!zmq_msg_more(&m));
        got++;
    }
    while (zmq_msg_recv(&m, s_source, ZMQ_DONTWAIT) >= 0) {
        /* [p1's routing id][one frame] */
        FUZZ_CHECK(zmq_msg_size(&m) == 2 && zmq_msg_more(&m));
        FUZZ_CHECK(zmq_msg_recv(&m, s_source, ZMQ_DONTWAIT) >= 0);
        s_check_frames(zmq_msg_data(&m), zmq_msg_size(&m), &last);
        FUZZ_CHECK(!zmq_msg_more(&m));
        if (last.cmd == WIRE_HELLO)
            s_session = last.reqid;
        got++;
    }
    zmq_msg_close(&m);
    return got;
}

/* A fresh p1 on an empty store, and the harness's three sockets. */
static void s_start(void)
{
    char err[512];

    s_node = inproc_node_start(s_dir, err, sizeof err);
    if (s_node == NULL)
        fprintf(stderr, "fuzz_node: %s\n", err);
    FUZZ_CHECK(s_node != NULL);
    s_epoch = store_epoch(s_node->store);
    s_client = s_socket(ZMQ_DEALER, NULL);
    FUZZ_CHECK(zmq_connect(s_client, "inproc://p1") == 0);
    s_follower = s_socket(ZMQ_DEALER, "r1");
    FUZZ_CHECK(zmq_connect(s_follower, "inproc://p1-peer") == 0);
    s_source = s_socket(ZMQ_ROUTER, NULL);
    FUZZ_CHECK(zmq_bind(s_source, "inproc://s1-peer") == 0);
    follow_start(s_node);
    s_drain_replication();
}

static void s_stop(void)
{
    zmq_close(s_client);
    zmq_close(s_follower);
    zmq_close(s_source);
    inproc_node_stop(&s_node, s_dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    /* Berkeley DB is quicker on tmpfs; /tmp will do where there is none. */
    snprintf(s_dir, sizeof s_dir, "%s/mm-fuzz-node-%d",
             access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp",
             (int)getpid());
    log_init("p1", LOG_ERROR);
    s_start();
    atexit(s_stop);
    return 0;
}

/*
 * Brings the node back to how s_start() left it, but for its data: a
 * fence (a newer epoch heard), a fault or a clock offset is undone by
 * hand, which is cheap; a demotion or promotion (a new epoch, a wiped
 * store) or a big store takes a fresh node.
 */
static void s_tidy(void)
{
    node_t *n = s_node;

    if (n->role != ROLE_PRIMARY || store_epoch(n->store) != s_epoch ||
        n->writes >= FRESH_AFTER_WRITES) {
        s_stop();
        s_start();
        return;
    }
    n->primary.newer_epoch = 0;
    n->primary.confirmed_ms = tp_now_ms();
    memset(&n->faults, 0, sizeof n->faults);
    hlc_set_offset(&n->clock, 0);
}

typedef struct {
    wire_msg_t req;  /* valid if decoded */
    int decoded;     /* the first part decodes as a frame */
    uint64_t reqid;  /* what the reply must echo */
    uint8_t *bytes;  /* the first part (owned) */
    zmq_msg_t reply; /* owned */
    wire_msg_t rep;  /* points into reply */
} s_exchange_t;

/* The reply kinds a request may get (ERROR is always allowed). */
static int s_kind_ok(const s_exchange_t *x)
{
    int c = x->rep.cmd;
    if (c == WIRE_ERROR)
        return 1;
    if (!x->decoded)
        return 0;
    switch (x->req.cmd) {
    case WIRE_PUT:
    case WIRE_DEL:
    case WIRE_FAULT:
    case WIRE_PROMOTE:
    case WIRE_DEMOTE:
        return c == WIRE_OK;
    case WIRE_GET:
        return c == WIRE_VALUE || c == WIRE_NOTFOUND;
    case WIRE_DUMP:
        return c == WIRE_DUMP_REPLY;
    case WIRE_STATUS:
        return c == WIRE_STATUS_REPLY;
    case WIRE_PING:
        return c == WIRE_PONG;
    }
    return 0;
}

/* A DUMP page: seq entries, each a 4-byte length and a log entry. */
static void s_check_dump_page(const wire_msg_t *r)
{
    size_t off = 0;
    uint64_t count = 0;

    while (off < r->vlen) {
        const uint8_t *key;
        size_t klen;
        record_t rec;
        FUZZ_CHECK(r->vlen - off >= 4);
        uint32_t len = bytes_get32(r->value + off);
        off += 4;
        FUZZ_CHECK(len <= r->vlen - off);
        FUZZ_CHECK(log_entry_decode(r->value + off, len, &key, &klen, &rec) ==
                   0);
        off += len;
        count++;
    }
    FUZZ_CHECK(count == r->seq);
}

/*
 * A GET answered after an acknowledged write of its key in this input
 * (and no PROMOTE or DEMOTE since, which may swap the store) reads that
 * write.
 */
static void s_check_read_your_writes(const s_exchange_t *x, int i)
{
    const s_exchange_t *g = &x[i];

    if (!g->decoded || g->req.cmd != WIRE_GET || g->rep.cmd == WIRE_ERROR)
        return;
    for (int j = i - 1; j >= 0; j--) {
        const s_exchange_t *w = &x[j];
        if (!w->decoded)
            continue;
        if ((w->req.cmd == WIRE_PROMOTE || w->req.cmd == WIRE_DEMOTE) &&
            w->rep.cmd == WIRE_OK)
            return;
        if ((w->req.cmd != WIRE_PUT && w->req.cmd != WIRE_DEL) ||
            w->req.klen != g->req.klen ||
            memcmp(w->req.key, g->req.key, g->req.klen) != 0)
            continue;
        if (w->rep.cmd != WIRE_OK)
            continue; /* refused: look further back */
        FUZZ_CHECK(g->rep.stamp == w->rep.stamp &&
                   g->rep.origin == w->rep.origin && g->rep.seq == w->rep.seq);
        if (w->req.cmd == WIRE_DEL) {
            FUZZ_CHECK(g->rep.cmd == WIRE_NOTFOUND);
        } else {
            FUZZ_CHECK(g->rep.cmd == WIRE_VALUE);
            FUZZ_CHECK(g->rep.vlen == w->req.vlen &&
                       (w->req.vlen == 0 ||
                        memcmp(g->rep.value, w->req.value, w->req.vlen) == 0));
        }
        return;
    }
}

/* Puts p1's session into each frame of a follow message, in place. */
static void s_stamp_session(uint8_t *b, size_t len)
{
    size_t off = 0, flen;

    while (off + WIRE_HEADER_SIZE <= len) {
        bytes_put64(b + off + WIRE_OFF_REQID, s_session);
        if (wire_frame_len(b + off, len - off, &flen) != 0)
            break;
        off += flen;
    }
}

/* One message part of the input, on its socket; first: it starts a
 * message. */
static void s_send_part(int ch, uint8_t *b, size_t len, int more, int first)
{
    void *sock = ch == CH_PEER     ? s_follower
                 : ch == CH_FOLLOW ? s_source
                                   : s_client;
    int flags = more ? ZMQ_SNDMORE : 0;

    if (ch == CH_FOLLOW)
        s_stamp_session(b, len);
    /* A ROUTER needs the routing id first: p1's links call themselves by
     * the node's name. */
    if (ch == CH_FOLLOW && first)
        FUZZ_CHECK(zmq_send(sock, "p1", 2, ZMQ_SNDMORE) == 2);
    FUZZ_CHECK(zmq_send(sock, b, len, flags) == (int)len);
}

/*
 * Sends the input's parts; fills x with the client messages and returns
 * how many. A message may not change socket halfway: a part on another
 * socket first ends the open message there (with an empty last part).
 */
static int s_send(const uint8_t *data, size_t size, s_exchange_t *x)
{
    size_t at = 0;
    int n = 0, open = -1; /* the socket with a message still open */
    uint8_t *buf = malloc(size > 0 ? size : 1);

    FUZZ_CHECK(buf != NULL);
    while (at + 2 <= size) {
        uint16_t head = bytes_get16(data + at);
        int ch = (head >> 13) & 3, more = (head & 0x8000) != 0;
        size_t len = head & 0x1fff;
        at += 2;
        if (len > size - at)
            len = size - at;
        if (ch == CH_CLIENT2)
            ch = CH_CLIENT;
        if (open >= 0 && open != ch) {
            s_send_part(open, buf, 0, 0, 0);
            open = -1;
        }
        if (ch == CH_CLIENT && open < 0) {
            if (n == MAX_MESSAGES)
                break;
            s_exchange_t *e = &x[n++];
            e->bytes = malloc(len > 0 ? len : 1);
            FUZZ_CHECK(e->bytes != NULL);
            if (len > 0)
                memcpy(e->bytes, data + at, len);
            e->decoded = wire_decode(e->bytes, len, &e->req) == 0;
            e->reqid = len >= WIRE_OFF_REQID + 8
                           ? bytes_get64(e->bytes + WIRE_OFF_REQID)
                           : 0;
        }
        if (len > 0)
            memcpy(buf, data + at, len);
        s_send_part(ch, buf, len, more, open < 0);
        open = more ? ch : -1;
        at += len;
    }
    if (open >= 0) /* the last part said more: end the message */
        s_send_part(open, buf, 0, 0, 0);
    free(buf);
    return n;
}

/* Serves the client socket until all n messages are answered. */
static void s_serve_clients(s_exchange_t *x, int n)
{
    int got = 0, idle = 0;
    zmq_msg_t extra;

    while (got < n) {
        serve_clients(s_node);
        int before = got;
        while (got < n) {
            zmq_msg_init(&x[got].reply);
            if (zmq_msg_recv(&x[got].reply, s_client, ZMQ_DONTWAIT) < 0) {
                zmq_msg_close(&x[got].reply);
                break;
            }
            got++;
        }
        /* A message the node never answers shows as no progress. */
        idle = got == before ? idle + 1 : 0;
        FUZZ_CHECK(idle < 100);
    }
    zmq_msg_init(&extra);
    FUZZ_CHECK(zmq_msg_recv(&extra, s_client, ZMQ_DONTWAIT) < 0);
    zmq_msg_close(&extra);
}

/* Serves replication until a pass finds nothing to do. */
static void s_serve_replication(void)
{
    for (int pass = 0; pass < 100; pass++) {
        stream_serve_peers(s_node);
        for (int i = 0; i < s_node->follow.nlinks; i++)
            follow_read(s_node, &s_node->follow.links[i]);
        follow_update_wants(s_node);
        int pending = stream_pump(s_node);
        if (s_drain_replication() == 0 && !pending)
            return;
    }
}

/* With FUZZ_NODE_TRACE set, each client message and its reply, to see
 * what an input does when reproducing it. */
static void s_trace(const s_exchange_t *e)
{
    if (getenv("FUZZ_NODE_TRACE") == NULL)
        return;
    fprintf(stderr, "fuzz_node: %s reqid=%llu -> %s %.*s\n",
            e->decoded ? wire_cmd_name(e->req.cmd) : "(malformed)",
            (unsigned long long)e->reqid, wire_cmd_name(e->rep.cmd),
            e->rep.cmd == WIRE_ERROR ? (int)e->rep.vlen : 0,
            (const char *)e->rep.value);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static s_exchange_t x[MAX_MESSAGES];
    int n;

    s_tidy();
    memset(x, 0, sizeof x);
    n = s_send(data, size, x);
    s_serve_clients(x, n);
    for (int i = 0; i < n; i++) {
        s_exchange_t *e = &x[i];
        FUZZ_CHECK(wire_decode(zmq_msg_data(&e->reply), zmq_msg_size(&e->reply),
                               &e->rep) == 0);
        FUZZ_CHECK(e->rep.reqid == (e->decoded ? e->req.reqid : e->reqid));
        /* A read carries its record's origin (0: never written). */
        FUZZ_CHECK(e->rep.origin == s_node->self->id ||
                   e->rep.cmd == WIRE_VALUE || e->rep.cmd == WIRE_NOTFOUND);
        s_trace(e);
        FUZZ_CHECK(s_kind_ok(e));
        if (e->rep.cmd == WIRE_DUMP_REPLY)
            s_check_dump_page(&e->rep);
    }
    for (int i = 0; i < n; i++)
        s_check_read_your_writes(x, i);
    for (int i = 0; i < n; i++) {
        zmq_msg_close(&x[i].reply);
        free(x[i].bytes);
    }
    s_serve_replication();
    return 0;
}
