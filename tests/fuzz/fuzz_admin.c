/*
 * fuzz_admin.c - the FAULT command (common/fault.c), which anyone who can
 * reach a node's client socket may send.
 *
 * An input is one request: the verb up to the first newline, the
 * arguments after it (newlines and all). It is applied to a bare node_t
 * (its cluster file, clock and filter, which is all fault_apply()
 * touches) of a cluster of m1 (itself) and four other nodes, one with a
 * name of one byte and one with the longest a node may have; the node
 * lives across inputs, as a real one does. This checks that:
 *
 *   - a refused request changes nothing, logs nothing, and says why;
 *   - an accepted one is exactly a verb and the right number of words
 *     (split at whitespace over all of the request's bytes, so nothing
 *     cut off or hidden behind a NUL byte was ignored), PEER another
 *     node, numbers whole and in range; and the node changed exactly as
 *     asked: the named peer's bit and nothing else, the delay, the offset;
 *   - an accepted request is logged as one line, whatever bytes it held;
 *   - fault_parse() (the pure half) agrees with fault_apply().
 *
 * The node filter never has its own bit or a non-node's bit set.
 */
#include <errno.h>
#include "engine.h"
#include "fault.h"
#include "fuzz.h"
#include "log.h"

/* m1 (the node itself) and four others, with names from the shortest to
 * the longest a node may have (31 bytes). */
static const char s_cluster[] =
    "[node m1]\nrole = master\nclient = tcp://127.0.0.1:1\n"
    "peer = tcp://127.0.0.1:2\n"
    "[node m2]\nrole = master\nclient = tcp://127.0.0.1:3\n"
    "peer = tcp://127.0.0.1:4\n"
    "[node x]\nrole = master\nclient = tcp://127.0.0.1:5\n"
    "peer = tcp://127.0.0.1:6\n"
    "[node n234567890123456789012345678901]\nrole = replica\n"
    "client = tcp://127.0.0.1:7\n"
    "[node r-2_B]\nrole = replica\nclient = tcp://127.0.0.1:8\n";

static node_t *s_node;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    char err[256];

    (void)argc;
    (void)argv;
    s_node = calloc(1, sizeof *s_node);
    FUZZ_CHECK(s_node != NULL);
    FUZZ_CHECK(config_parse(s_cluster, "fuzz", &s_node->cfg, err, sizeof err) ==
               0);
    s_node->self = config_node(&s_node->cfg, "m1");
    hlc_init(&s_node->clock, HLC_MODE_HLC);
    log_init("m1", LOG_INFO);
    return 0;
}

/* The request's words, split at whitespace over all its bytes (a NUL is
 * a byte like any other here). Returns how many, up to 4. */
static int s_words(const uint8_t *b, size_t n, char word[4][160])
{
    int k = 0;
    size_t i = 0;

    while (i < n && k < 4) {
        while (i < n && strchr(" \t\n\r\v\f", b[i]) && b[i] != '\0')
            i++;
        if (i == n)
            break;
        size_t start = i;
        while (i < n && (b[i] == '\0' || !strchr(" \t\n\r\v\f", b[i])))
            i++;
        snprintf(word[k], sizeof word[k], "%.*s", (int)(i - start),
                 (const char *)b + start);
        /* A word with a NUL in it is no word a request may hold. */
        if (memchr(b + start, '\0', i - start) != NULL || i - start >= 160)
            word[k][0] = '\x01';
        k++;
    }
    return k;
}

static long long s_number(const char *s)
{
    char *end;
    long long v;

    errno = 0;
    v = strtoll(s, &end, 10);
    FUZZ_CHECK(end != s && *end == '\0' && errno == 0);
    return v;
}

/* An accepted request: exactly what it asked for, and nothing else. */
static void s_check_applied(const fault_t *before, int64_t offset_before,
                            const uint8_t *verb, size_t vlen,
                            const uint8_t *args, size_t alen)
{
    const node_t *n = s_node;
    char word[4][160];
    int nw = s_words(args, alen, word);
    const config_node_t *p = NULL;

    if (vlen == 4 && memcmp(verb, "heal", 4) == 0) {
        FUZZ_CHECK(nw == 0);
        FUZZ_CHECK(n->faults.drop_in == 0 && n->faults.drop_out == 0);
        for (int o = 0; o <= MM_MAX_NODES; o++)
            FUZZ_CHECK(n->faults.delay_us[o] == 0);
        FUZZ_CHECK(n->clock.offset_ms == offset_before);
        return;
    }
    if (vlen == 5 && memcmp(verb, "clock", 5) == 0) {
        FUZZ_CHECK(nw == 1);
        long long ms = s_number(word[0]);
        FUZZ_CHECK(ms >= -FAULT_CLOCK_MAX_MS && ms <= FAULT_CLOCK_MAX_MS);
        FUZZ_CHECK(n->clock.offset_ms == ms);
        FUZZ_CHECK(memcmp(&n->faults, before, sizeof *before) == 0);
        return;
    }
    /* drop and delay: PEER is another node of the cluster. */
    FUZZ_CHECK(nw == 2);
    p = config_node(&n->cfg, word[0]);
    FUZZ_CHECK(p != NULL && p != n->self);
    FUZZ_CHECK(n->clock.offset_ms == offset_before);
    fault_t want = *before;
    if (vlen == 4 && memcmp(verb, "drop", 4) == 0) {
        int in = !strcmp(word[1], "in") || !strcmp(word[1], "both");
        int out = !strcmp(word[1], "out") || !strcmp(word[1], "both");
        FUZZ_CHECK(in || out);
        want.drop_in |= in ? node_bit(p->id) : 0;
        want.drop_out |= out ? node_bit(p->id) : 0;
    } else {
        FUZZ_CHECK(vlen == 5 && memcmp(verb, "delay", 5) == 0);
        long long ms = s_number(word[1]);
        FUZZ_CHECK(ms >= 0 && ms <= FAULT_DELAY_MAX_MS);
        want.delay_us[p->id] = ms * 1000;
    }
    FUZZ_CHECK(memcmp(&n->faults, &want, sizeof want) == 0);
}

/* A parsed request, written out plainly, parses to the same request. */
static void s_check_canonical(const fault_cmd_t *f)
{
    const char *verb = fault_verb_name(f->verb);
    char args[FAULT_ARGS_MAX + 1] = "", msg[256];
    fault_cmd_t g;

    if (f->verb == FAULT_CLOCK)
        snprintf(args, sizeof args, "%lld", f->ms);
    else if (f->verb == FAULT_DROP)
        snprintf(args, sizeof args, "%s %s", f->peer,
                 f->in && f->out ? "both"
                 : f->in         ? "in"
                                 : "out");
    else if (f->verb == FAULT_DELAY)
        snprintf(args, sizeof args, "%s %lld", f->peer, f->ms);
    FUZZ_CHECK(fault_parse((const uint8_t *)verb, strlen(verb),
                           (const uint8_t *)args, strlen(args), &g, msg,
                           sizeof msg) == 0);
    FUZZ_CHECK(g.verb == f->verb && strcmp(g.peer, f->peer) == 0 &&
               g.in == f->in && g.out == f->out && g.ms == f->ms);
}

/* fault_parse(), the pure half, agrees with what fault_apply() did. */
static void s_check_parse(const uint8_t *verb, size_t vlen, const uint8_t *args,
                          size_t alen, int rc, const char *msg)
{
    fault_cmd_t f;
    char pmsg[256] = "";
    int prc = fault_parse(verb, vlen, args, alen, &f, pmsg, sizeof pmsg);

    if (prc != 0) {
        FUZZ_CHECK(prc == MM_ERR_PROTO && rc == prc);
        FUZZ_CHECK(strcmp(pmsg, msg) == 0);
        return;
    }
    FUZZ_CHECK(strlen(f.peer) < sizeof f.peer);
    FUZZ_CHECK(strlen(fault_verb_name(f.verb)) == vlen &&
               memcmp(fault_verb_name(f.verb), verb, vlen) == 0);
    if (rc != 0) {
        /* Only the cluster can refuse what parses: PEER is no other node. */
        const config_node_t *p = config_node(&s_node->cfg, f.peer);
        FUZZ_CHECK(f.verb == FAULT_DROP || f.verb == FAULT_DELAY);
        FUZZ_CHECK(p == NULL || p == s_node->self);
    }
    s_check_canonical(&f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nl = memchr(data, '\n', size);
    size_t vlen = nl ? (size_t)(nl - data) : size;
    const uint8_t *args = nl ? nl + 1 : data + size;
    size_t alen = size - vlen - (nl != NULL);
    wire_msg_t m = {0};
    char msg[256] = "", *logged = NULL;
    size_t loglen = 0;
    FILE *saved = stderr;
    fault_t before = s_node->faults;
    int64_t offset = s_node->clock.offset_ms;

    m.cmd = WIRE_FAULT;
    m.key = data;
    m.klen = (uint32_t)vlen;
    m.value = args;
    m.vlen = (uint32_t)alen;
    /* The log line is caught to check it is one line. */
    stderr = open_memstream(&logged, &loglen);
    FUZZ_CHECK(stderr != NULL);
    int rc = fault_apply(s_node, &m, msg, sizeof msg);
    fclose(stderr);
    stderr = saved;

    FUZZ_CHECK(strnlen(msg, sizeof msg) < sizeof msg && msg[0] != '\0');
    if (rc != 0) {
        FUZZ_CHECK(rc == MM_ERR_PROTO);
        FUZZ_CHECK(loglen == 0);
        FUZZ_CHECK(memcmp(&s_node->faults, &before, sizeof before) == 0);
        FUZZ_CHECK(s_node->clock.offset_ms == offset);
    } else {
        FUZZ_CHECK(strcmp(msg, "ok") == 0);
        FUZZ_CHECK(loglen > 0 && strchr(logged, '\n') == logged + loglen - 1);
        FUZZ_CHECK(strstr(logged, " event=fault verb=") != NULL);
        s_check_applied(&before, offset, data, vlen, args, alen);
    }
    free(logged);
    s_check_parse(data, vlen, args, alen, rc, msg);

    /* The filter names other nodes only: never itself, never a non-node. */
    uint32_t others = node_bit(2) | node_bit(3) | node_bit(4) | node_bit(5);
    FUZZ_CHECK(((s_node->faults.drop_in | s_node->faults.drop_out) & ~others) ==
               0);
    for (int o = 0; o <= MM_MAX_NODES; o++)
        FUZZ_CHECK(s_node->faults.delay_us[o] == 0 || (o >= 2 && o <= 5));
    return 0;
}
