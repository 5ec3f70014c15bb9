/*
 * mm_load.c - mm-load: the workload generator, and the recorder of the
 * history that mm-check judges. This file reads the flags; the run itself
 * (clients, connections, the history) is load.c, and what each client
 * sends is workload.c.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "load.h"

static volatile sig_atomic_t s_stop;

static void s_on_signal(int sig)
{
    (void)sig;
    s_stop = 1;
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
        "  --rate R           open loop: R operations/s in all, each client on "
        "a fixed\n"
        "                     schedule; one due while all its --inflight "
        "slots are\n"
        "                     busy is recorded as a skip (default: closed "
        "loop)\n"
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
        "  --quiet            no progress lines on stderr\n"
        "  --first-reqid N    tests: every connection's request ids start "
        "at N,\n"
        "                     so one client's connections reuse each "
        "other's ids\n");
}

/* The flags that are not the run's options as they stand. */
typedef struct {
    const char *config, *summary, *dist, *route;
    const char *write_nodes, *read_nodes; /* "m1,m2"; NULL, "": defaults */
    int coordinator;
} extra_t;

/* The flags, in --help order: one short code each for getopt. */
static const struct option s_flags[] = {
    {"config", 1, 0, 'c'},
    {"clients", 1, 0, 'n'},
    {"inflight", 1, 0, 'k'},
    {"duration", 1, 0, 'd'},
    {"ops", 1, 0, 'o'},
    {"rate", 1, 0, 'r'},
    {"keys", 1, 0, 'K'},
    {"dist", 1, 0, 'D'},
    {"reads", 1, 0, 'R'},
    {"deletes", 1, 0, 'X'},
    {"write-nodes", 1, 0, 'W'},
    {"read-nodes", 1, 0, 'N'},
    {"route", 1, 0, 'u'},
    {"timeout", 1, 0, 't'},
    {"value-size", 1, 0, 'V'},
    {"prefix", 1, 0, 'p'},
    {"seed", 1, 0, 's'},
    {"history", 1, 0, 'H'},
    {"summary", 1, 0, 'S'},
    {"quiet", 0, 0, 'q'},
    {"sample-ms", 1, 0, 'M'},
    {"coordinator", 0, 0, 'C'},
    {"first-reqid", 1, 0, 'I'},
    {"help", 0, 0, 'h'},
    {0, 0, 0, 0},
};

/* Reads the flags into *o and *x. Returns 0, 1 for --help, or -1. */
static int s_parse(int argc, char **argv, load_opts_t *o, extra_t *x)
{
    int ch;
    /* One case per flag: the switch reads best whole. */
    while ((ch = getopt_long(argc, argv, "h", s_flags, NULL)) != -1) {
        switch (ch) {
        case 'c':
            x->config = optarg;
            break;
        case 'n':
            o->clients = atoi(optarg);
            break;
        case 'k':
            o->inflight = atoi(optarg);
            break;
        case 'd':
            o->duration = atof(optarg);
            break;
        case 'o':
            o->max_ops = atoll(optarg);
            break;
        case 'r':
            o->rate = atof(optarg);
            break;
        case 'K':
            o->work.keys = atoi(optarg);
            break;
        case 'D':
            x->dist = optarg;
            break;
        case 'R':
            o->work.read_frac = atof(optarg);
            break;
        case 'X':
            o->work.delete_frac = atof(optarg);
            break;
        case 'W':
            x->write_nodes = optarg;
            break;
        case 'N':
            x->read_nodes = optarg;
            break;
        case 'u':
            x->route = optarg;
            break;
        case 't':
            o->timeout_ms = atoi(optarg);
            break;
        case 'V':
            o->value_size = atoi(optarg);
            break;
        case 'p':
            o->prefix = optarg;
            break;
        case 's':
            o->work.seed = strtoull(optarg, NULL, 10);
            break;
        case 'H':
            o->history = optarg;
            break;
        case 'S':
            x->summary = optarg;
            break;
        case 'q':
            o->quiet = 1;
            break;
        case 'M':
            o->sample_ms = atoi(optarg);
            break;
        case 'C':
            x->coordinator = 1;
            break;
        case 'I':
            o->first_reqid = strtoull(optarg, NULL, 10);
            break;
        case 'h':
            return 1;
        default:
            return -1;
        }
    }
    return x->config && optind == argc ? 0 : -1;
}

/* Checks the flags and turns the names into enums; returns what is wrong,
 * or NULL. */
static const char *s_check(load_opts_t *o, const extra_t *x)
{
    static const char *const dists[] = {"uniform", "zipf", "hot"};
    static const char *const routes[] = {"sticky", "random", "home"};
    int dist = -1, route = -1;
    for (int i = 0; i < 3; i++) {
        if (!strcmp(x->dist, dists[i]))
            dist = i;
        if (!strcmp(x->route, routes[i]))
            route = i;
    }
    o->work.dist = (workload_dist_t)dist;
    o->work.route = (workload_route_t)route;
    if (o->clients < 1 || o->clients > LOAD_MAX_CLIENTS)
        return "--clients must be 1..256";
    if (o->inflight < 1 || o->inflight > LOAD_MAX_INFLIGHT)
        return "--inflight must be 1..256";
    if (o->work.keys < 1)
        return "--keys must be at least 1";
    if (o->work.read_frac < 0 || o->work.delete_frac < 0 ||
        o->work.read_frac + o->work.delete_frac > 1)
        return "--reads and --deletes must be fractions adding up to <= 1";
    if (dist < 0)
        return "--dist must be uniform, zipf or hot";
    if (route < 0)
        return "--route must be sticky, random or home";
    if (o->timeout_ms < 1 || o->value_size < 0 || o->value_size > MM_VALUE_MAX)
        return "--timeout must be positive and --value-size 0..1048576";
    /* Written so that NaN fails too. */
    if (!(o->rate >= 0 && o->rate <= 1e7))
        return "--rate must be 0 (closed loop) to 10000000";
    if (!(o->duration >= 0 && o->duration <= 1e7))
        return "--duration must be 0..10000000 seconds";
    if (o->max_ops < 0)
        return "--ops must not be negative";
    return NULL;
}

/*
 * The node indexes in the comma-separated list, into out (room for
 * WORKLOAD_MAX_TARGETS); without a list, every node, or every writer.
 * Returns how many, or -1 with a message on stderr.
 */
static int s_nodes(const config_t *cfg, const char *list, int writers, int *out)
{
    int n = 0;
    if (!list || !*list) {
        for (int i = 0; i < cfg->nnodes; i++)
            if (!writers || cfg->nodes[i].role == ROLE_MASTER ||
                cfg->nodes[i].role == ROLE_PRIMARY)
                out[n++] = i;
        return n;
    }
    char buf[256];
    snprintf(buf, sizeof buf, "%s", list);
    for (char *save = NULL, *t = strtok_r(buf, ",", &save); t;
         t = strtok_r(NULL, ",", &save)) {
        const config_node_t *c = config_node(cfg, t);
        if (!c || n == WORKLOAD_MAX_TARGETS) {
            fprintf(stderr, "mm-load: %s '%s' in the cluster file\n",
                    c ? "too many nodes at" : "no node named", t);
            return -1;
        }
        out[n++] = (int)(c - cfg->nodes);
    }
    return n;
}

/* Where operations go: the write and read nodes, or the coordinator.
 * Returns 0, or the exit status for a list that names no usable node. */
static int s_targets(const config_t *cfg, const extra_t *x, workload_opts_t *w)
{
    w->fixed_target = x->coordinator ? LOAD_COORDINATOR : -1;
    w->nwrite = s_nodes(cfg, x->write_nodes, 1, w->write);
    w->nread = w->nwrite < 0 ? -1 : s_nodes(cfg, x->read_nodes, 0, w->read);
    if (w->nwrite < 0 || w->nread < 0)
        return 1;
    if (w->nwrite == 0 || w->nread == 0) {
        fprintf(stderr, "mm-load: no node to send %s to\n",
                w->nwrite == 0 ? "writes" : "reads");
        return 1;
    }
    if (x->coordinator && !cfg->coord.client[0]) {
        fprintf(stderr,
                "mm-load: --coordinator, but %s has no [coordinator] "
                "client endpoint\n",
                x->config);
        return 2;
    }
    return 0;
}

/* Prints the summary line, and writes it to path too if there is one. */
static void s_summary(const load_t *l, const char *path)
{
    load_write_summary(l, stdout);
    if (path) {
        FILE *f = fopen(path, "w");
        if (f) {
            load_write_summary(l, f);
            fclose(f);
        }
    }
}

int main(int argc, char **argv)
{
    load_opts_t o = {.clients = 4,
                     .inflight = 1,
                     .work = {.keys = 1000, .seed = 1},
                     .timeout_ms = 1000,
                     .duration = 10,
                     .prefix = "k"};
    extra_t x = {.dist = "uniform", .route = "sticky"};
    int rc = s_parse(argc, argv, &o, &x);
    if (rc != 0) {
        s_usage(rc > 0 ? stdout : stderr);
        return rc > 0 ? 0 : 2;
    }
    const char *bad = s_check(&o, &x);
    if (bad) {
        fprintf(stderr, "mm-load: %s\n", bad);
        return 2;
    }
    static config_t cfg;
    char err[512];
    if (config_load(x.config, &cfg, err, sizeof err) < 0) {
        fprintf(stderr, "mm-load: %s\n", err);
        return 1;
    }
    if ((rc = s_targets(&cfg, &x, &o.work)) != 0)
        return rc;
    load_t *l = load_new(&o, &cfg, err, sizeof err);
    if (!l) {
        fprintf(stderr, "mm-load: %s\n", err);
        return 1;
    }
    struct sigaction sa = {0};
    sa.sa_handler = s_on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    rc = load_run(l, &s_stop);
    if (rc == 0)
        s_summary(l, x.summary);
    load_destroy(&l);
    return rc == 0 ? 0 : 1;
}
