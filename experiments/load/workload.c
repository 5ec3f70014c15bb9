/*
 * workload.c - mm-load's operation streams: one seeded random stream per
 * client. See workload.h.
 */
#include <stdlib.h>
#include "workload.h"

struct workload {
    workload_opts_t o;
    double *zipf_cdf; /* with WORKLOAD_ZIPF: P(key <= i), else NULL */
};

static const char *const s_kind_name[] = {"write", "read", "delete"};

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

workload_t *workload_new(const workload_opts_t *opts)
{
    workload_t *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    w->o = *opts;
    if (w->o.dist == WORKLOAD_ZIPF) {
        /* Zipf with exponent 1: key i has weight 1/(i+1). */
        w->zipf_cdf = malloc(sizeof(double) * (size_t)w->o.keys);
        if (!w->zipf_cdf) {
            free(w);
            return NULL;
        }
        double sum = 0, acc = 0;
        for (int i = 0; i < w->o.keys; i++)
            sum += 1.0 / (i + 1);
        for (int i = 0; i < w->o.keys; i++)
            w->zipf_cdf[i] = (acc += 1.0 / (i + 1) / sum);
    }
    return w;
}

void workload_destroy(workload_t **wp)
{
    if (!wp || !*wp)
        return;
    free((*wp)->zipf_cdf);
    free(*wp);
    *wp = NULL;
}

void workload_stream_init(const workload_t *w, int client, workload_stream_t *s)
{
    s->client = client;
    s->home = w->o.write[client % w->o.nwrite];
    s->drawn = 0;
    /* One random stream per client, from the seed and the client id:
     * each client's sequence of operations is then the same in every run
     * with that seed, however the replies interleave. */
    s->rng = (w->o.seed + 1) * 0x9e3779b97f4a7c15ull ^
             ((uint64_t)client + 1) * 0xbf58476d1ce4e5b9ull;
    if (s->rng == 0)
        s->rng = 1; /* xorshift's one bad state */
    for (int i = 0; i < 4; i++)
        s_rand(&s->rng);
}

static int s_pick_key(const workload_t *w, uint64_t *rng)
{
    int keys = w->o.keys;
    if (w->o.dist == WORKLOAD_ZIPF) {
        double u = s_rand01(rng);
        int lo = 0, hi = keys - 1;
        while (lo < hi) {
            int mid = (lo + hi) / 2;
            if (w->zipf_cdf[mid] < u)
                lo = mid + 1;
            else
                hi = mid;
        }
        return lo;
    }
    if (w->o.dist == WORKLOAD_HOT) {
        /* 90% of operations go to the hottest 10% of keys (at least 1). */
        int hot = keys / 10 > 0 ? keys / 10 : 1;
        if (s_rand01(rng) < 0.9)
            return (int)(s_rand(rng) % (uint64_t)hot);
    }
    return (int)(s_rand(rng) % (uint64_t)keys);
}

void workload_next(const workload_t *w, workload_stream_t *s, workload_op_t *op)
{
    const workload_opts_t *o = &w->o;
    double u = s_rand01(&s->rng);
    op->kind = u < o->read_frac                    ? WORKLOAD_READ
               : u < o->read_frac + o->delete_frac ? WORKLOAD_DELETE
                                                   : WORKLOAD_WRITE;
    op->key = s_pick_key(w, &s->rng);
    if (o->fixed_target >= 0)
        op->target = o->fixed_target; /* the coordinator routes itself */
    else if (op->kind == WORKLOAD_READ)
        op->target = o->read[s_rand(&s->rng) % (uint64_t)o->nread];
    else if (o->route == WORKLOAD_RANDOM)
        op->target = o->write[s_rand(&s->rng) % (uint64_t)o->nwrite];
    else if (o->route == WORKLOAD_HOME)
        op->target = o->write[op->key % o->nwrite];
    else
        op->target = s->home;
    op->n = ++s->drawn;
}

/* Adds t to the n targets in out unless it is there already. */
static int s_add_target(int *out, int n, int t)
{
    for (int i = 0; i < n; i++)
        if (out[i] == t)
            return n;
    out[n] = t;
    return n + 1;
}

int workload_targets(const workload_t *w, const workload_stream_t *s, int *out)
{
    const workload_opts_t *o = &w->o;
    int n = 0;
    if (o->fixed_target >= 0) {
        out[0] = o->fixed_target;
        return 1;
    }
    if (o->read_frac > 0)
        for (int i = 0; i < o->nread; i++)
            n = s_add_target(out, n, o->read[i]);
    if (o->read_frac >= 1)
        return n;
    if (o->route == WORKLOAD_STICKY)
        return s_add_target(out, n, s->home);
    /* Random: any writer; home: the writers of the keys there are. */
    int writers =
        o->route == WORKLOAD_HOME && o->keys < o->nwrite ? o->keys : o->nwrite;
    for (int i = 0; i < writers; i++)
        n = s_add_target(out, n, o->write[i]);
    return n;
}

int64_t workload_due_ns(double rate, int clients, int client, uint64_t k)
{
    double ns = ((double)k * clients + client) * 1e9 / rate;
    /* Past a century the answer is "never" (and stays an int64_t that a
     * monotonic clock reading can be added to). */
    return ns < 4e18 ? (int64_t)ns : (int64_t)4e18;
}

int workload_slot_free(const workload_slot_t *slots, int n)
{
    for (int i = 0; i < n; i++)
        if (!slots[i].used)
            return i;
    return -1;
}

int workload_slot_match(const workload_slot_t *slots, int n, int target,
                        uint64_t reqid)
{
    /* Both halves of the name: two connections of one client can hand
     * out the same id (each starts from the clock when it opens). */
    for (int i = 0; i < n; i++)
        if (slots[i].used && slots[i].target == target &&
            slots[i].reqid == reqid)
            return i;
    return -1;
}

int workload_slots_busy_since(const workload_slot_t *slots, int n, int64_t t)
{
    for (int i = 0; i < n; i++)
        if (!slots[i].used || slots[i].start_ns > t)
            return 0;
    return 1;
}

const char *workload_kind_name(workload_kind_t k)
{
    return s_kind_name[k];
}
