/*
 * mm_load.c - mm-load: the workload generator, and the recorder of the
 * history that mm-check judges.
 *
 * N clients, each with its own connection to each node it uses, keep up to
 * --inflight requests outstanding (closed loop) or send at a total --rate
 * (open loop). Every written value is unique ("c<client>.<n>"), so a value
 * read back names exactly one write. Each operation leaves two history
 * lines (docs/history.md): one when it is invoked and one when it
 * completes, as
 *
 *     ok    the node answered (for a write: committed on that node)
 *     fail  the node answered with an error: the write did not happen
 *     info  no answer within --timeout: the write may or may not happen
 *
 * All clients share one thread and one zmq_poll loop, so the recorded
 * times come from one clock and the history is written in time order.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "hist.h"
#include "mmclient.h"
#include "transport.h"

#define MAX_CLIENTS 256
#define MAX_INFLIGHT 256
/* Targets are the cluster's nodes, plus the coordinator at index
 * COORD_TARGET (--coordinator). */
#define MAX_TARGETS (MM_MAX_NODES + 1)
#define COORD_TARGET MM_MAX_NODES

typedef enum { OP_WRITE, OP_READ, OP_DELETE } op_kind_t;
static const char *const s_op_name[] = {"write", "read", "delete"};

typedef struct {
    int used;
    uint64_t reqid;
    op_kind_t kind;
    int node; /* index into cfg.nodes */
    int64_t start_ns;
    char key[64];
    char value[64];
} slot_t;

typedef struct {
    int id;
    mmc_t *conn[MAX_TARGETS]; /* by target node index, opened lazily */
    int home;                 /* sticky write node (cfg index) */
    uint64_t counter;
    uint64_t rng; /* this client's own random stream (see main) */
    int inflight;
    slot_t slots[MAX_INFLIGHT];
} client_t;

typedef struct {
    const char *config, *history, *summary, *prefix;
    char write_nodes[256], read_nodes[256];
    int clients, inflight, keys, timeout_ms, value_size, quiet, sample_ms;
    int coordinator;
    double duration, rate, read_frac, delete_frac;
    long long max_ops;
    unsigned long long seed;
    const char *dist, *route;
} opts_t;

static volatile sig_atomic_t s_stop;
static config_t s_cfg;
static opts_t s_o;
static FILE *s_hist;
static int s_write_targets[MAX_TARGETS], s_nwrite;
static int s_read_targets[MAX_TARGETS], s_nread;
static double *s_zipf_cdf;

/* Status sampling (--sample-ms): one connection per node. */
typedef struct {
    mmc_t *conn;
    int64_t pending; /* request id of an unanswered STATUS, or 0 */
} sampler_t;
static sampler_t s_samplers[MAX_TARGETS];

/* Counters by [kind][outcome: 0 ok, 1 fail, 2 info]. */
static uint64_t s_count[3][3];
static hist_t s_lat[3];

static void s_on_signal(int sig)
{
    (void)sig;
    s_stop = 1;
}

/* xorshift64*: small, fast and seedable, so a seed fixes the workload. */
static uint64_t s_rand(uint64_t *rng)
{
    *rng ^= *rng >> 12;
    *rng ^= *rng << 25;
    *rng ^= *rng >> 27;
    return *rng * 2685821657736338717ull;
}

static double s_rand01(uint64_t *rng)
{
    return (double)(s_rand(rng) >> 11) / (double)(1ull << 53);
}

static int s_pick_key(uint64_t *rng)
{
    if (!strcmp(s_o.dist, "zipf")) {
        double u = s_rand01(rng);
        int lo = 0, hi = s_o.keys - 1;
        while (lo < hi) {
            int mid = (lo + hi) / 2;
            if (s_zipf_cdf[mid] < u)
                lo = mid + 1;
            else
                hi = mid;
        }
        return lo;
    }
    if (!strcmp(s_o.dist, "hot")) {
        /* 90% of operations go to the hottest 10% of keys (at least 1). */
        int hot = s_o.keys / 10 > 0 ? s_o.keys / 10 : 1;
        if (s_rand01(rng) < 0.9)
            return (int)(s_rand(rng) % (uint64_t)hot);
    }
    return (int)(s_rand(rng) % (uint64_t)s_o.keys);
}

static int s_parse_nodes(const char *list, int *out, int want_master)
{
    int n = 0;
    if (!*list) {
        for (int i = 0; i < s_cfg.nnodes; i++)
            if (!want_master || s_cfg.nodes[i].role == ROLE_MASTER ||
                s_cfg.nodes[i].role == ROLE_PRIMARY)
                out[n++] = i;
        return n;
    }
    char buf[256];
    snprintf(buf, sizeof buf, "%s", list);
    for (char *save = NULL, *t = strtok_r(buf, ",", &save); t;
         t = strtok_r(NULL, ",", &save)) {
        const config_node_t *c = config_node(&s_cfg, t);
        if (!c) {
            fprintf(stderr, "mm-load: no node named '%s' in %s\n", t,
                    s_o.config);
            return -1;
        }
        out[n++] = (int)(c - s_cfg.nodes);
    }
    return n;
}

static const char *s_target_name(int t)
{
    return t == COORD_TARGET ? "coordinator" : s_cfg.nodes[t].name;
}

static const char *s_target_endpoint(int t)
{
    return t == COORD_TARGET ? s_cfg.coord.client : s_cfg.nodes[t].client;
}

/* Writes a JSON string (the keys and values we make are plain ASCII). */
static void s_json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            fputc('\\', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

static void s_hist_line(const client_t *c, const slot_t *s, const char *type,
                        int64_t t, const wire_msg_t *r, const char *error)
{
    if (!s_hist)
        return;
    fprintf(s_hist, "{\"t\":%lld,\"p\":%d,\"type\":\"%s\",\"f\":\"%s\",",
            (long long)t, c->id, type, s_op_name[s->kind]);
    fputs("\"key\":", s_hist);
    s_json_str(s_hist, s->key);
    fputs(",\"value\":", s_hist);
    int have_value = s->kind == OP_WRITE ||
                     (s->kind == OP_READ && r && r->cmd == WIRE_VALUE);
    if (s->kind == OP_READ && r && r->cmd == WIRE_VALUE) {
        fputc('"', s_hist);
        for (uint32_t i = 0; i < r->vlen && i < 63; i++) {
            char ch = (char)r->value[i];
            if (ch == '"' || ch == '\\')
                fputc('\\', s_hist);
            fputc(ch >= 0x20 && ch < 0x7f ? ch : '?', s_hist);
        }
        fputc('"', s_hist);
    } else if (have_value) {
        s_json_str(s_hist, s->value);
    } else {
        fputs("null", s_hist);
    }
    fprintf(s_hist, ",\"node\":\"%s\"", s_target_name(s->node));
    if (r && r->stamp) {
        const config_node_t *o = config_node_by_id(&s_cfg, r->origin);
        fprintf(s_hist, ",\"stamp\":\"%llu.%u\",\"origin\":\"%s\",\"seq\":%llu",
                (unsigned long long)hlc_ms(r->stamp), hlc_logical(r->stamp),
                o ? o->name : "?", (unsigned long long)r->seq);
    }
    if (error)
        fprintf(s_hist, ",\"error\":\"%s\"", error);
    fputs("}\n", s_hist);
}

static void s_status_line(int node, const char *applied)
{
    if (!s_hist)
        return;
    fprintf(s_hist,
            "{\"t\":%lld,\"type\":\"status\",\"node\":\"%s\","
            "\"applied\":",
            (long long)tp_now_ns(), s_cfg.nodes[node].name);
    if (!applied) {
        fputs("null}\n", s_hist);
        return;
    }
    /* "m1:12,m2:7" -> {"m1":12,"m2":7} */
    fputc('{', s_hist);
    const char *p = applied;
    while (*p && *p != '\n') {
        const char *colon = strchr(p, ':');
        if (!colon)
            break;
        fprintf(s_hist, "%s\"%.*s\":", p == applied ? "" : ",",
                (int)(colon - p), p);
        p = colon + 1;
        while (*p >= '0' && *p <= '9')
            fputc(*p++, s_hist);
        if (*p == ',')
            p++;
    }
    fputs("}}\n", s_hist);
}

/* Asks every node for its STATUS; a node that did not answer the last
 * request is recorded as not answering. */
static void s_sample(void)
{
    for (int i = 0; i < s_cfg.nnodes; i++) {
        sampler_t *sm = &s_samplers[i];
        if (!sm->conn) {
            char err[256];
            sm->conn =
                mmc_connect(NULL, s_cfg.nodes[i].client, err, sizeof err);
            if (!sm->conn)
                continue;
        }
        if (sm->pending)
            s_status_line(i, NULL);
        wire_msg_t req = {0};
        req.cmd = WIRE_STATUS;
        int64_t id = mmc_send(sm->conn, &req);
        sm->pending = id > 0 ? id : 0;
    }
}

static void s_sample_reply(int node)
{
    sampler_t *sm = &s_samplers[node];
    wire_msg_t r;
    while (mmc_recv(sm->conn, &r, 0) == 0) {
        if (r.cmd != WIRE_STATUS_REPLY || (int64_t)r.reqid != sm->pending)
            continue;
        sm->pending = 0;
        char text[2048];
        snprintf(text, sizeof text, "%.*s",
                 (int)(r.vlen < sizeof text - 1 ? r.vlen : sizeof text - 1),
                 (const char *)r.value);
        const char *a = strstr(text, "\napplied=");
        s_status_line(node, a ? a + 9 : NULL);
    }
}

static mmc_t *s_conn(client_t *c, int node)
{
    if (!c->conn[node]) {
        char err[256];
        c->conn[node] =
            mmc_connect(NULL, s_target_endpoint(node), err, sizeof err);
        if (!c->conn[node]) {
            fprintf(stderr, "mm-load: %s\n", err);
            exit(1);
        }
    }
    return c->conn[node];
}

/* Starts one operation on client c. Returns 0, or -1 if none was sent. */
static int s_start(client_t *c)
{
    slot_t *s = NULL;
    for (int i = 0; i < s_o.inflight && !s; i++)
        if (!c->slots[i].used)
            s = &c->slots[i];
    if (!s)
        return -1;
    double u = s_rand01(&c->rng);
    s->kind = u < s_o.read_frac                     ? OP_READ
              : u < s_o.read_frac + s_o.delete_frac ? OP_DELETE
                                                    : OP_WRITE;
    int key = s_pick_key(&c->rng);
    snprintf(s->key, sizeof s->key, "%s%d", s_o.prefix, key);
    if (s_o.coordinator) {
        s->node = COORD_TARGET; /* it routes reads and writes itself */
    } else if (s->kind == OP_READ) {
        s->node = s_read_targets[s_rand(&c->rng) % (uint64_t)s_nread];
    } else if (!strcmp(s_o.route, "random")) {
        s->node = s_write_targets[s_rand(&c->rng) % (uint64_t)s_nwrite];
    } else if (!strcmp(s_o.route, "home")) {
        s->node = s_write_targets[key % s_nwrite];
    } else {
        s->node = c->home;
    }
    c->counter++;
    snprintf(s->value, sizeof s->value, "c%d.%llu", c->id,
             (unsigned long long)c->counter);

    static char payload[MM_VALUE_MAX];
    size_t vlen = strlen(s->value);
    memcpy(payload, s->value, vlen);
    if ((size_t)s_o.value_size > vlen) {
        /* Pad after a NUL-free separator so the value stays unique. */
        memset(payload + vlen, '.', (size_t)s_o.value_size - vlen);
        vlen = (size_t)s_o.value_size;
    }
    wire_msg_t req = {0};
    req.cmd = s->kind == OP_READ    ? WIRE_GET
              : s->kind == OP_WRITE ? WIRE_PUT
                                    : WIRE_DEL;
    req.key = (const uint8_t *)s->key;
    req.klen = (uint32_t)strlen(s->key);
    if (s->kind == OP_WRITE) {
        req.value = (const uint8_t *)payload;
        req.vlen = (uint32_t)vlen;
    }
    s->start_ns = tp_now_ns();
    s_hist_line(c, s, "invoke", s->start_ns, NULL, NULL);
    int64_t id = mmc_send(s_conn(c, s->node), &req);
    s->used = 1;
    c->inflight++;
    if (id < 0) {
        s->reqid = 0;
        s_hist_line(c, s, "fail", tp_now_ns(), NULL, mm_strerror((int)id));
        s_count[s->kind][1]++;
        s->used = 0;
        c->inflight--;
        return 0;
    }
    s->reqid = (uint64_t)id;
    return 0;
}

static void s_complete(client_t *c, slot_t *s, int outcome, const wire_msg_t *r,
                       const char *error)
{
    int64_t t = tp_now_ns();
    static const char *const names[] = {"ok", "fail", "info"};
    s_hist_line(c, s, names[outcome], t, r, error);
    s_count[s->kind][outcome]++;
    if (outcome == 0)
        hist_add(&s_lat[s->kind], (uint64_t)(t - s->start_ns) / 1000);
    s->used = 0;
    c->inflight--;
}

static void s_receive(client_t *c, mmc_t *conn)
{
    wire_msg_t r;
    while (mmc_recv(conn, &r, 0) == 0) {
        for (int i = 0; i < s_o.inflight; i++) {
            slot_t *s = &c->slots[i];
            if (!s->used || s->reqid != r.reqid)
                continue;
            if (r.cmd == WIRE_ERROR) {
                char e[128];
                snprintf(e, sizeof e, "%.*s",
                         (int)(r.vlen < 100 ? r.vlen : 100),
                         (const char *)r.value);
                for (char *p = e; *p; p++)
                    if (*p == '"' || *p == '\\')
                        *p = '\'';
                /* "Outcome unknown" (a write the standby never
                 * confirmed) is info, never a failure. */
                s_complete(c, s, r.seq == (uint64_t)-MM_ERR_TIMEOUT ? 2 : 1, &r,
                           e);
            } else {
                s_complete(c, s, 0, &r, NULL);
            }
            break;
        }
    }
}

static void s_usage(FILE *out)
{
    fprintf(
        out,
        "usage: mm-load --config FILE [options]\n"
        "\n"
        "Runs a workload against a cluster and records its history.\n"
        "  --clients N        concurrent clients (default 4)\n"
        "  --inflight K       requests in flight per client (default 1)\n"
        "  --duration S       run for S seconds (default 10)\n"
        "  --ops N            stop after N operations instead (N/clients "
        "each)\n"
        "  --rate R           open loop: R operations/s in total (default: "
        "closed)\n"
        "  --keys K           key space size (default 1000)\n"
        "  --dist D           uniform | zipf | hot (90%% of ops on 10%% of "
        "keys)\n"
        "  --reads F          fraction of reads (default 0)\n"
        "  --deletes F        fraction of deletes (default 0)\n"
        "  --write-nodes L    comma-separated nodes for writes (default: "
        "masters, or the primary)\n"
        "  --read-nodes L     nodes for reads (default: all nodes)\n"
        "  --route R          where writes go: sticky (client i to node i\n"
        "                     mod n), random, or home (key i to node i mod n,\n"
        "                     so each key has one writer)\n"
        "  --timeout MS       after this an operation is recorded info (1000)\n"
        "  --value-size B     pad values to B bytes (default: no padding)\n"
        "  --prefix P         key prefix (default k)\n"
        "  --seed N           random seed (default 1)\n"
        "  --history FILE     write the history (JSON lines) here\n"
        "  --summary FILE     write a JSON summary here\n"
        "  --sample-ms MS     record every node's applied vector every MS ms\n"
        "  --coordinator      send every operation to the cluster's\n"
        "                     coordinator (its [coordinator] client endpoint)\n"
        "  --quiet            no progress lines on stderr\n");
}

static void s_write_summary(FILE *f, double secs)
{
    uint64_t wok = s_count[OP_WRITE][0] + s_count[OP_DELETE][0];
    hist_t all;
    hist_reset(&all);
    for (int k = 0; k < 3; k++)
        hist_merge(&all, &s_lat[k]);
    fprintf(f,
            "{\"seconds\":%.3f,\"writes_ok\":%llu,\"writes_fail\":%llu,"
            "\"writes_info\":%llu,\"reads_ok\":%llu,\"reads_fail\":%llu,"
            "\"reads_info\":%llu,\"write_ok_per_s\":%.1f,"
            "\"ops_ok_per_s\":%.1f,\"latency_us_p50\":%llu,"
            "\"latency_us_p99\":%llu,\"latency_us_max\":%llu}\n",
            secs, (unsigned long long)wok,
            (unsigned long long)(s_count[OP_WRITE][1] + s_count[OP_DELETE][1]),
            (unsigned long long)(s_count[OP_WRITE][2] + s_count[OP_DELETE][2]),
            (unsigned long long)s_count[OP_READ][0],
            (unsigned long long)s_count[OP_READ][1],
            (unsigned long long)s_count[OP_READ][2], wok / secs,
            (wok + s_count[OP_READ][0]) / secs,
            (unsigned long long)hist_quantile(&all, 0.5),
            (unsigned long long)hist_quantile(&all, 0.99),
            (unsigned long long)all.max);
}

int main(int argc, char **argv)
{
    static const struct option lo[] = {
        {"config", 1, 0, 'c'},      {"clients", 1, 0, 'n'},
        {"inflight", 1, 0, 'k'},    {"duration", 1, 0, 'd'},
        {"ops", 1, 0, 'o'},         {"rate", 1, 0, 'r'},
        {"keys", 1, 0, 'K'},        {"dist", 1, 0, 'D'},
        {"reads", 1, 0, 'R'},       {"deletes", 1, 0, 'X'},
        {"write-nodes", 1, 0, 'W'}, {"read-nodes", 1, 0, 'N'},
        {"route", 1, 0, 'u'},       {"timeout", 1, 0, 't'},
        {"value-size", 1, 0, 'V'},  {"prefix", 1, 0, 'p'},
        {"seed", 1, 0, 's'},        {"history", 1, 0, 'H'},
        {"summary", 1, 0, 'S'},     {"quiet", 0, 0, 'q'},
        {"sample-ms", 1, 0, 'M'},   {"coordinator", 0, 0, 'C'},
        {"help", 0, 0, 'h'},        {0, 0, 0, 0}};
    s_o = (opts_t){.clients = 4,
                   .inflight = 1,
                   .keys = 1000,
                   .timeout_ms = 1000,
                   .duration = 10,
                   .seed = 1,
                   .dist = "uniform",
                   .route = "sticky",
                   .prefix = "k"};
    int ch;
    while ((ch = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
        switch (ch) {
        case 'c':
            s_o.config = optarg;
            break;
        case 'n':
            s_o.clients = atoi(optarg);
            break;
        case 'k':
            s_o.inflight = atoi(optarg);
            break;
        case 'd':
            s_o.duration = atof(optarg);
            break;
        case 'o':
            s_o.max_ops = atoll(optarg);
            break;
        case 'r':
            s_o.rate = atof(optarg);
            break;
        case 'K':
            s_o.keys = atoi(optarg);
            break;
        case 'D':
            s_o.dist = optarg;
            break;
        case 'R':
            s_o.read_frac = atof(optarg);
            break;
        case 'X':
            s_o.delete_frac = atof(optarg);
            break;
        case 'W':
            snprintf(s_o.write_nodes, 256, "%s", optarg);
            break;
        case 'N':
            snprintf(s_o.read_nodes, 256, "%s", optarg);
            break;
        case 'u':
            s_o.route = optarg;
            break;
        case 't':
            s_o.timeout_ms = atoi(optarg);
            break;
        case 'V':
            s_o.value_size = atoi(optarg);
            break;
        case 'p':
            s_o.prefix = optarg;
            break;
        case 's':
            s_o.seed = strtoull(optarg, NULL, 10);
            break;
        case 'H':
            s_o.history = optarg;
            break;
        case 'S':
            s_o.summary = optarg;
            break;
        case 'q':
            s_o.quiet = 1;
            break;
        case 'M':
            s_o.sample_ms = atoi(optarg);
            break;
        case 'C':
            s_o.coordinator = 1;
            break;
        case 'h':
            s_usage(stdout);
            return 0;
        default:
            s_usage(stderr);
            return 2;
        }
    }
    if (!s_o.config || optind != argc) {
        s_usage(stderr);
        return 2;
    }
    const char *bad = NULL;
    if (s_o.clients < 1 || s_o.clients > MAX_CLIENTS)
        bad = "--clients must be 1..256";
    else if (s_o.inflight < 1 || s_o.inflight > MAX_INFLIGHT)
        bad = "--inflight must be 1..256";
    else if (s_o.keys < 1)
        bad = "--keys must be at least 1";
    else if (s_o.read_frac < 0 || s_o.delete_frac < 0 ||
             s_o.read_frac + s_o.delete_frac > 1)
        bad = "--reads and --deletes must be fractions adding up to <= 1";
    else if (strcmp(s_o.dist, "uniform") && strcmp(s_o.dist, "zipf") &&
             strcmp(s_o.dist, "hot"))
        bad = "--dist must be uniform, zipf or hot";
    else if (strcmp(s_o.route, "sticky") && strcmp(s_o.route, "random") &&
             strcmp(s_o.route, "home"))
        bad = "--route must be sticky, random or home";
    else if (s_o.timeout_ms < 1 || s_o.value_size < 0 ||
             s_o.value_size > MM_VALUE_MAX)
        bad = "--timeout must be positive and --value-size 0..1048576";
    if (bad) {
        fprintf(stderr, "mm-load: %s\n", bad);
        return 2;
    }
    char err[512];
    if (config_load(s_o.config, &s_cfg, err, sizeof err) < 0) {
        fprintf(stderr, "mm-load: %s\n", err);
        return 1;
    }
    s_nwrite = s_parse_nodes(s_o.write_nodes, s_write_targets, 1);
    s_nread = s_parse_nodes(s_o.read_nodes, s_read_targets, 0);
    if (s_nwrite <= 0 || s_nread <= 0) {
        if (s_nwrite == 0 || s_nread == 0)
            fprintf(stderr, "mm-load: no node to send %s to\n",
                    s_nwrite == 0 ? "writes" : "reads");
        return 1;
    }
    if (s_o.coordinator && !s_cfg.coord.client[0]) {
        fprintf(stderr,
                "mm-load: --coordinator, but %s has no [coordinator] "
                "client endpoint\n",
                s_o.config);
        return 2;
    }
    if (!strcmp(s_o.dist, "zipf")) {
        /* Zipf with exponent 1: key i has weight 1/(i+1). */
        s_zipf_cdf = malloc(sizeof(double) * (size_t)s_o.keys);
        double sum = 0;
        for (int i = 0; i < s_o.keys; i++)
            sum += 1.0 / (i + 1);
        double acc = 0;
        for (int i = 0; i < s_o.keys; i++)
            s_zipf_cdf[i] = (acc += 1.0 / (i + 1) / sum);
    }
    if (s_o.history && !(s_hist = fopen(s_o.history, "w"))) {
        fprintf(stderr, "mm-load: cannot write %s: %s\n", s_o.history,
                strerror(errno));
        return 1;
    }
    struct sigaction sa = {0};
    sa.sa_handler = s_on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);

    static client_t clients[MAX_CLIENTS];
    for (int i = 0; i < s_o.clients; i++) {
        clients[i].id = i;
        clients[i].home = s_write_targets[i % s_nwrite];
        /* One random stream per client, from the seed and the client id:
         * each client's sequence of operations is then the same in every
         * run with that seed, however the replies interleave. */
        clients[i].rng = (s_o.seed + 1) * 0x9e3779b97f4a7c15ull ^
                         ((uint64_t)i + 1) * 0xbf58476d1ce4e5b9ull;
        if (clients[i].rng == 0)
            clients[i].rng = 1; /* xorshift's one bad state */
        for (int w = 0; w < 4; w++)
            s_rand(&clients[i].rng);
    }
    int64_t t0 = tp_now_ns();
    int64_t end = t0 + (int64_t)(s_o.duration * 1e9);
    int64_t timeout_ns = (int64_t)s_o.timeout_ms * 1000000;
    int64_t next_progress = t0 + 1000000000;
    double interval_ns = s_o.rate > 0 ? 1e9 / s_o.rate : 0;
    double next_send = (double)t0;
    long long started = 0;
    zmq_pollitem_t items[MAX_CLIENTS * MAX_TARGETS + MAX_TARGETS];
    client_t *owner[MAX_CLIENTS * MAX_TARGETS + MAX_TARGETS];
    mmc_t *conns[MAX_CLIENTS * MAX_TARGETS + MAX_TARGETS];
    int64_t sample_ns = (int64_t)s_o.sample_ms * 1000000;
    int64_t next_sample = t0;

    for (;;) {
        int64_t now = tp_now_ns();
        int stopping =
            s_stop || (s_o.max_ops ? started >= s_o.max_ops : now >= end);
        /* Start what the loop or the rate allows. */
        for (int i = 0; !stopping && i < s_o.clients; i++) {
            client_t *c = &clients[(started + i) % s_o.clients];
            /* With --ops, each client has its own share, so that its
             * sequence of operations does not depend on timing. */
            long long share =
                s_o.max_ops / s_o.clients + (c->id < s_o.max_ops % s_o.clients);
            while (c->inflight < s_o.inflight &&
                   (!s_o.max_ops || (long long)c->counter < share)) {
                if (interval_ns > 0 && next_send > (double)now)
                    break;
                if (s_start(c) < 0)
                    break;
                started++;
                next_send += interval_ns;
            }
        }
        /* Time out what waited too long: outcome unknown. */
        int busy = 0;
        for (int i = 0; i < s_o.clients; i++) {
            client_t *c = &clients[i];
            for (int k = 0; k < s_o.inflight; k++)
                if (c->slots[k].used && now - c->slots[k].start_ns > timeout_ns)
                    s_complete(c, &c->slots[k], 2, NULL, "timeout");
            busy += c->inflight;
        }
        if (stopping && busy == 0)
            break;
        if (sample_ns > 0 && !stopping && now >= next_sample) {
            s_sample();
            next_sample += sample_ns;
        }
        int k = 0;
        for (int t = 0; t < s_cfg.nnodes; t++)
            if (s_samplers[t].conn) {
                owner[k] = NULL; /* a sampler: conns[k] is its node's */
                conns[k] = s_samplers[t].conn;
                items[k] =
                    (zmq_pollitem_t){mmc_socket(conns[k]), 0, ZMQ_POLLIN, 0};
                k++;
            }
        int nsamplers = k;
        for (int i = 0; i < s_o.clients; i++)
            for (int t = 0; t < MAX_TARGETS; t++)
                if (clients[i].conn[t]) {
                    owner[k] = &clients[i];
                    conns[k] = clients[i].conn[t];
                    items[k++] = (zmq_pollitem_t){
                        mmc_socket(clients[i].conn[t]), 0, ZMQ_POLLIN, 0};
                }
        long wait_ms = 10;
        if (interval_ns > 0 && !stopping) {
            double d = (next_send - (double)now) / 1e6;
            wait_ms = d < 0 ? 0 : d > 10 ? 10 : (long)d;
        }
        if (zmq_poll(items, k, wait_ms) < 0 && errno != EINTR)
            break;
        for (int i = 0; i < k; i++) {
            if (!(items[i].revents & ZMQ_POLLIN))
                continue;
            if (i < nsamplers) {
                for (int t = 0; t < s_cfg.nnodes; t++)
                    if (s_samplers[t].conn == conns[i])
                        s_sample_reply(t);
            } else {
                s_receive(owner[i], conns[i]);
            }
        }
        if (!s_o.quiet && now >= next_progress) {
            fprintf(stderr,
                    "mm-load: %5.1fs  writes ok %llu fail %llu info %llu  "
                    "reads ok %llu\n",
                    (now - t0) / 1e9,
                    (unsigned long long)(s_count[0][0] + s_count[2][0]),
                    (unsigned long long)(s_count[0][1] + s_count[2][1]),
                    (unsigned long long)(s_count[0][2] + s_count[2][2]),
                    (unsigned long long)s_count[1][0]);
            next_progress += 1000000000;
        }
    }
    double secs = (tp_now_ns() - t0) / 1e9;
    if (s_hist)
        fclose(s_hist);
    s_write_summary(stdout, secs);
    if (s_o.summary) {
        FILE *f = fopen(s_o.summary, "w");
        if (f) {
            s_write_summary(f, secs);
            fclose(f);
        }
    }
    for (int i = 0; i < s_o.clients; i++)
        for (int t = 0; t < MAX_TARGETS; t++)
            mmc_destroy(&clients[i].conn[t]);
    for (int t = 0; t < MAX_TARGETS; t++)
        mmc_destroy(&s_samplers[t].conn);
    free(s_zipf_cdf);
    return 0;
}
