/*
 * fuzz_node.c - a node's whole request path: any messages, sent to the
 * `client` socket of a real node in this process, decoded and dispatched
 * by common/serve.c to the writer, GET, DUMP, STATUS, FAULT, PROMOTE and
 * DEMOTE, with a real Berkeley DB store under a temporary directory.
 *
 * The node is p1, the primary of a cluster of p1 and a replica r1, on
 * inproc:// endpoints of its own ZeroMQ context (no port, no other
 * process). The harness holds a DEALER on that context and drives the
 * node's loop by hand: it sends an input's messages, then calls
 * serve_clients() until every one is answered.
 *
 * An input is a list of messages, each a 2-byte big-endian length and
 * that many bytes; a length with its top bit set sends the part with
 * ZMQ_SNDMORE, so the next part joins the same message (the node answers
 * the first part and drops the rest). This checks that:
 *
 *   - every message gets exactly one reply, in order, echoing its request
 *     id (or 0 when it is shorter than a header's reqid);
 *   - every reply decodes, comes from p1 and is the kind its request
 *     asks for (PUT: OK or ERROR, GET: VALUE, NOTFOUND or ERROR, ...);
 *   - a DUMP page is a list of log entries that decode, as many as it
 *     says;
 *   - a GET after an acknowledged PUT or DEL of the same key in the same
 *     input reads exactly that write (its value and stamp), the node's
 *     own read-your-writes.
 *
 * The node lives across inputs, as a real one does, but each input finds
 * it as a primary at its first epoch, unfenced, with no fault and no clock
 * offset (s_tidy()): otherwise one early frame (any request naming a newer
 * epoch fences a primary) would decide how every later input is served.
 */
#define _XOPEN_SOURCE 700
#include <ftw.h>
#include <stdio.h>
#include <unistd.h>
#include "bytes.h"
#include "engine.h"
#include "fuzz.h"
#include "log.h"

#define MAX_MESSAGES 64
#define FRESH_AFTER_WRITES 4000

static char s_dir[64];
static node_t *s_node;
static void *s_dealer;
static uint32_t s_epoch; /* the epoch a fresh store starts at */

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

static int s_rm(const char *path, const struct stat *st, int flag,
                struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

/* A fresh p1 on an empty store, and a DEALER connected to it. */
static void s_start(void)
{
    char text[1024], err[512];
    config_t cfg;
    int linger = 0;

    nftw(s_dir, s_rm, 16, FTW_DEPTH | FTW_PHYS);
    FUZZ_CHECK(mkdir(s_dir, 0700) == 0);
    snprintf(text, sizeof text,
             "[cluster]\nname = fuzz\ndata_dir = %s\ncache_mb = 4\n"
             "[node p1]\nrole = primary\nclient = inproc://p1\n"
             "peer = inproc://p1-peer\n"
             "[node r1]\nrole = replica\nclient = inproc://r1\n",
             s_dir);
    FUZZ_CHECK(config_parse(text, "fuzz", &cfg, err, sizeof err) == 0);
    s_node = node_new(&cfg, "p1", err, sizeof err);
    if (s_node == NULL)
        fprintf(stderr, "fuzz_node: %s\n", err);
    FUZZ_CHECK(s_node != NULL);
    primary_start(s_node);
    s_epoch = store_epoch(s_node->store);
    s_dealer = zmq_socket(s_node->ctx, ZMQ_DEALER);
    FUZZ_CHECK(s_dealer != NULL);
    zmq_setsockopt(s_dealer, ZMQ_LINGER, &linger, sizeof linger);
    FUZZ_CHECK(zmq_connect(s_dealer, "inproc://p1") == 0);
}

static void s_stop(void)
{
    zmq_close(s_dealer);
    node_destroy(&s_node);
}

static void s_at_exit(void)
{
    s_stop();
    nftw(s_dir, s_rm, 16, FTW_DEPTH | FTW_PHYS);
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
    atexit(s_at_exit);
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

/* Sends the input's messages; returns how many. */
static int s_send(const uint8_t *data, size_t size, s_exchange_t *x)
{
    size_t at = 0;
    int n = 0, more = 0;

    while (at + 2 <= size && n < MAX_MESSAGES) {
        uint16_t head = bytes_get16(data + at);
        size_t len = head & 0x7fff;
        at += 2;
        if (len > size - at)
            len = size - at;
        if (!more) {
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
        more = (head & 0x8000) != 0 && n < MAX_MESSAGES;
        FUZZ_CHECK(zmq_send(s_dealer, data + at, len, more ? ZMQ_SNDMORE : 0) ==
                   (int)len);
        at += len;
    }
    if (more) /* the last part said more: end the message */
        FUZZ_CHECK(zmq_send(s_dealer, "", 0, 0) == 0);
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static s_exchange_t x[MAX_MESSAGES];
    int n, got = 0, idle = 0;

    s_tidy();
    memset(x, 0, sizeof x);
    n = s_send(data, size, x);
    /* Serve until every message is answered; a message the node never
     * answers shows as a loop that stops making progress. */
    while (got < n) {
        serve_clients(s_node);
        int before = got;
        while (got < n) {
            zmq_msg_init(&x[got].reply);
            if (zmq_msg_recv(&x[got].reply, s_dealer, ZMQ_DONTWAIT) < 0) {
                zmq_msg_close(&x[got].reply);
                break;
            }
            got++;
        }
        idle = got == before ? idle + 1 : 0;
        FUZZ_CHECK(idle < 100);
    }
    zmq_msg_t extra;
    zmq_msg_init(&extra);
    FUZZ_CHECK(zmq_msg_recv(&extra, s_dealer, ZMQ_DONTWAIT) < 0);
    zmq_msg_close(&extra);

    for (int i = 0; i < n; i++) {
        s_exchange_t *e = &x[i];
        FUZZ_CHECK(wire_decode(zmq_msg_data(&e->reply), zmq_msg_size(&e->reply),
                               &e->rep) == 0);
        FUZZ_CHECK(e->rep.reqid == (e->decoded ? e->req.reqid : e->reqid));
        /* A miss on a key never written has no origin (0). */
        FUZZ_CHECK(e->rep.origin == s_node->self->id ||
                   (e->rep.cmd == WIRE_NOTFOUND && e->rep.origin == 0));
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
    return 0;
}
