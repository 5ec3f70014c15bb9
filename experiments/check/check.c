/*
 * check.c - the history checker's core: building a checker, interning the
 * keys and values the history names, the pair order, and the steps of
 * check_finish(). check.h is the interface; check_internal.h lists which
 * file computes which metric (docs/metrics.md defines them all).
 *
 * How a check runs:
 *
 *  1. Read the history (check_history.c). An invoke opens an operation;
 *     its completion is the oldest open operation of the same client with
 *     the same f and key (and, for a write, value). Keys and written values
 *     are interned here, so a value read or dumped later names its write
 *     in O(1).
 *  2. Read the finals (check_dump.c). Each dump line is matched to the
 *     write that produced it: by value (values are unique per run), or for
 *     a tombstone by its pair once every write is known (check_pairs.c).
 *  3. Finish: counts and availability, shared pairs, stale reads and
 *     session guarantees (one sweep in time order), real-time order
 *     inversions, lost writes per node, divergence, fault windows, lag,
 *     convergence, the series, thresholds.
 *
 * The checker orders pairs itself (check__pair_cmp) rather than calling
 * lww.c: it must not trust the code it judges.
 */
#define _GNU_SOURCE /* qsort_r: a sort with a context, no globals */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include "check_internal.h"

/* ---------------------------------------------------------------- utils */

int check__err(char *err, size_t errlen, int code, const char *fmt, ...)
{
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return code;
}

/* Grows *p (of *cap elements of size sz) to hold at least need. */
int check__grow(void **p, size_t *cap, size_t need, size_t sz)
{
    if (need <= *cap)
        return 0;
    size_t n = *cap ? *cap : 16;
    while (n < need)
        n *= 2;
    void *q = realloc(*p, n * sz);
    if (!q)
        return -ENOMEM;
    *p = q;
    *cap = n;
    return 0;
}

uint64_t check__hash(const void *p, size_t len)
{
    /* FNV-1a: short keys and values, so a byte loop is fast enough. */
    const unsigned char *b = p;
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < len; i++) {
        h ^= b[i];
        h *= 1099511628211ull;
    }
    return h;
}

static uint64_t s_mix(uint64_t x)
{
    /* splitmix64's finaliser: spreads any 64-bit key over the table. */
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebull;
    x ^= x >> 31;
    return x;
}

/* The pair order: stamp first, then the origin's node id. */
int check__pair_cmp(mm_stamp_t sa, uint16_t oa, mm_stamp_t sb, uint16_t ob)
{
    if (sa != sb)
        return sa < sb ? -1 : 1;
    if (oa != ob)
        return oa < ob ? -1 : 1;
    return 0;
}

int check__op_pair_cmp(const check__op_t *a, const check__op_t *b)
{
    return check__pair_cmp(a->stamp, a->origin, b->stamp, b->origin);
}

/* ----------------------------------------------------------------- maps */

int check__map_init(check__map_t *m, size_t cap)
{
    m->h = malloc(cap * sizeof *m->h);
    m->v = malloc(cap * sizeof *m->v);
    if (!m->h || !m->v)
        return -ENOMEM;
    memset(m->v, 0xff, cap * sizeof *m->v);
    m->cap = cap;
    m->n = 0;
    return 0;
}

void check__map_free(check__map_t *m)
{
    free(m->h);
    free(m->v);
    memset(m, 0, sizeof *m);
}

static void s_map_place(check__map_t *m, uint64_t h, uint32_t v)
{
    size_t mask = m->cap - 1;
    size_t i = (size_t)s_mix(h) & mask;
    while (m->v[i] != NONE)
        i = (i + 1) & mask;
    m->h[i] = h;
    m->v[i] = v;
    m->n++;
}

int check__map_put(check__map_t *m, uint64_t h, uint32_t v)
{
    if ((m->n + 1) * 2 > m->cap) {
        check__map_t bigger;
        if (check__map_init(&bigger, m->cap * 2) < 0) {
            check__map_free(&bigger);
            return -ENOMEM;
        }
        for (size_t i = 0; i < m->cap; i++)
            if (m->v[i] != NONE)
                s_map_place(&bigger, m->h[i], m->v[i]);
        check__map_free(m);
        *m = bigger;
    }
    s_map_place(m, h, v);
    return 0;
}

/* The first stored index with hash h that eq accepts (eq NULL: any). */
uint32_t check__map_get(const check_t *c, const check__map_t *m, uint64_t h,
                        check__eq_fn eq, const void *probe)
{
    size_t mask = m->cap - 1;
    for (size_t i = (size_t)s_mix(h) & mask;; i = (i + 1) & mask) {
        if (m->v[i] == NONE)
            return NONE;
        if (m->h[i] == h && (!eq || eq(c, m->v[i], probe)))
            return m->v[i];
    }
}

typedef struct {
    const char *s;
    size_t len;
} s_bytes_t;

static int s_key_eq(const check_t *c, uint32_t v, const void *probe)
{
    const s_bytes_t *b = probe;
    const check__key_t *k = &c->keys[v];
    return k->len == b->len && !memcmp(c->arena + k->off, b->s, b->len);
}

static int s_value_eq(const check_t *c, uint32_t v, const void *probe)
{
    const s_bytes_t *b = probe;
    const char *s = c->arena + c->ops[v].val;
    return strlen(s) == b->len && !memcmp(s, b->s, b->len);
}

/* Copies bytes into the arena, NUL-terminated; the offset in *off. */
int check__arena_add(check_t *c, const char *s, size_t len, uint32_t *off)
{
    if (c->narena + len + 1 > UINT32_MAX)
        return -ENOMEM;
    if (check__grow((void **)&c->arena, &c->caparena, c->narena + len + 1, 1) <
        0)
        return -ENOMEM;
    memcpy(c->arena + c->narena, s, len);
    c->arena[c->narena + len] = '\0';
    *off = (uint32_t)c->narena;
    c->narena += len + 1;
    return 0;
}

uint32_t check__key_find(const check_t *c, const char *s, size_t len)
{
    s_bytes_t b = {s, len};
    return check__map_get(c, &c->keymap, check__hash(s, len), s_key_eq, &b);
}

/* The id of key s, interning it if new; NONE when out of memory. */
uint32_t check__key_intern(check_t *c, const char *s, size_t len)
{
    uint64_t h = check__hash(s, len);
    s_bytes_t b = {s, len};
    uint32_t k = check__map_get(c, &c->keymap, h, s_key_eq, &b);
    if (k != NONE)
        return k;
    if (c->nkeys >= NONE - 2 || check__grow((void **)&c->keys, &c->capkeys,
                                            c->nkeys + 1, sizeof *c->keys) < 0)
        return NONE;
    check__key_t *key = &c->keys[c->nkeys];
    memset(key, 0, sizeof *key);
    if (check__arena_add(c, s, len, &key->off) < 0)
        return NONE;
    key->len = (uint32_t)len;
    if (check__map_put(&c->keymap, h, (uint32_t)c->nkeys) < 0)
        return NONE;
    c->nkeys++;
    if (c->sealed && check__finals_fit(c, c->nkeys) < 0)
        return NONE;
    return (uint32_t)(c->nkeys - 1);
}

int check__value_add(check_t *c, uint32_t op)
{
    const char *v = c->arena + c->ops[op].val;
    size_t len = strlen(v);
    s_bytes_t b = {v, len};
    uint64_t h = check__hash(v, len);
    if (check__map_get(c, &c->valmap, h, s_value_eq, &b) != NONE)
        return 1;
    return check__map_put(&c->valmap, h, op);
}

/*
 * The write that produced value s of key k: an exact match, or the match
 * once the padding mm-load adds (--value-size: '.' bytes after the value)
 * is stripped. NONE if no write of k has that value.
 */
uint32_t check__value_find(const check_t *c, uint32_t key, const char *s,
                           size_t len)
{
    for (int pass = 0; pass < 2; pass++) {
        if (pass == 1) {
            size_t n = len;
            while (n > 0 && s[n - 1] == '.')
                n--;
            if (n == len || n == 0)
                break;
            len = n;
        }
        s_bytes_t b = {s, len};
        uint32_t w =
            check__map_get(c, &c->valmap, check__hash(s, len), s_value_eq, &b);
        if (w != NONE)
            return c->ops[w].key == key ? w : NONE;
    }
    return NONE;
}

/* --------------------------------------------------------- construction */

check_t *check_new(const check_opts_t *o, char *err, size_t errlen)
{
    if (!o || o->nnodes < 1 || o->nnodes > MM_MAX_NODES) {
        check__err(err, errlen, MM_ERR_CONFIG, "need 1 to %d nodes",
                   MM_MAX_NODES);
        return NULL;
    }
    for (int i = 0; i < o->nnodes; i++) {
        size_t n = o->nodes[i] ? strlen(o->nodes[i]) : 0;
        if (n == 0 || n >= CHECK_NAME_MAX) {
            check__err(err, errlen, MM_ERR_CONFIG, "bad node name '%s'",
                       o->nodes[i] ? o->nodes[i] : "");
            return NULL;
        }
        for (int j = 0; j < i; j++)
            if (!strcmp(o->nodes[i], o->nodes[j])) {
                check__err(err, errlen, MM_ERR_CONFIG, "node '%s' named twice",
                           o->nodes[i]);
                return NULL;
            }
    }
    check_t *c = calloc(1, sizeof *c);
    if (!c)
        goto fail;
    c->nnodes = o->nnodes;
    for (int i = 0; i < o->nnodes; i++)
        snprintf(c->names[i], CHECK_NAME_MAX, "%s", o->nodes[i]);
    snprintf(c->names[c->nnodes], CHECK_NAME_MAX, "coordinator");
    if (o->scenario) {
        snprintf(c->scenario, sizeof c->scenario, "%s", o->scenario);
        c->have_scenario = 1;
    }
    c->have_seed = o->have_seed;
    c->seed = o->seed;
    c->bucket_ns = (int64_t)(o->bucket_ms > 0 ? o->bucket_ms : 250) * 1000000;
    c->latency_rows = o->latency_rows > 0 ? (size_t)o->latency_rows : 50000;
    c->dump_node = -1;
    if (check__map_init(&c->keymap, 1024) < 0 ||
        check__map_init(&c->valmap, 1024) < 0)
        goto fail;
    return c;
fail:
    check__err(err, errlen, -ENOMEM, "out of memory");
    check_destroy(&c);
    return NULL;
}

void check_destroy(check_t **cp)
{
    if (!cp || !*cp)
        return;
    check_t *c = *cp;
    free(c->ops);
    free(c->arena);
    free(c->keys);
    check__map_free(&c->keymap);
    check__map_free(&c->valmap);
    free(c->skips);
    for (size_t i = 0; i < c->nclients; i++)
        free(c->clients[i].v);
    free(c->clients);
    free(c->win);
    for (int i = 0; i < MM_MAX_NODES; i++)
        free(c->samples[i].v);
    free(c->scratch);
    free(c->finals);
    free(c->th);
    for (int a = 0; a < CHECK_ANOMALIES; a++)
        for (size_t i = 0; i < c->nwit[a]; i++)
            free(c->wit[a][i].text);
    free(c->lag);
    free(c->buckets);
    free(c);
    *cp = NULL;
}

int check__node_index(const check_t *c, const char *name)
{
    if (!name)
        return -1;
    for (int i = 0; i < c->nnodes; i++)
        if (!strcmp(c->names[i], name))
            return i;
    return -1;
}

/* An origin is a node name, or its id as a number (dumps may print ids). */
int check__origin_id(const check_t *c, const char *s, uint16_t *out)
{
    int i = check__node_index(c, s);
    if (i >= 0) {
        *out = (uint16_t)(i + 1);
        return 0;
    }
    char *end;
    long v = s && *s ? strtol(s, &end, 10) : 0;
    if (s && *s && !*end && v >= 1 && v <= c->nnodes) {
        *out = (uint16_t)v;
        return 0;
    }
    return -1;
}

/* ------------------------------------------------------ writes per key */

static int s_inv_cmp(const void *a, const void *b, void *ctx)
{
    const check_t *c = ctx;
    uint32_t i = *(const uint32_t *)a, j = *(const uint32_t *)b;
    const check__op_t *x = &c->ops[i], *y = &c->ops[j];
    if (x->t_inv != y->t_inv)
        return x->t_inv < y->t_inv ? -1 : 1;
    return i < j ? -1 : 1;
}

int check__bykey(const check_t *c, check__bykey_t *b)
{
    b->start = calloc(c->nkeys + 1, sizeof *b->start);
    size_t n = 0;
    for (size_t i = 0; i < c->nops; i++)
        if (c->ops[i].out == OUT_OK && c->ops[i].f != CHECK_OP_READ) {
            n++;
            if (b->start)
                b->start[c->ops[i].key + 1]++;
        }
    b->ops = malloc((n ? n : 1) * sizeof *b->ops);
    if (!b->start || !b->ops)
        return -ENOMEM;
    for (size_t k = 0; k < c->nkeys; k++)
        b->start[k + 1] += b->start[k];
    uint32_t *fill = malloc((c->nkeys + 1) * sizeof *fill);
    if (!fill)
        return -ENOMEM;
    memcpy(fill, b->start, (c->nkeys + 1) * sizeof *fill);
    for (uint32_t i = 0; i < c->nops; i++)
        if (c->ops[i].out == OUT_OK && c->ops[i].f != CHECK_OP_READ)
            b->ops[fill[c->ops[i].key]++] = i;
    free(fill);
    /* Ops are numbered in invoke-line order; sort only if lines were not. */
    for (size_t k = 0; k < c->nkeys; k++) {
        uint32_t *v = b->ops + b->start[k];
        size_t m = b->start[k + 1] - b->start[k];
        for (size_t i = 1; i < m; i++)
            if (c->ops[v[i - 1]].t_inv > c->ops[v[i]].t_inv) {
                qsort_r(v, m, sizeof *v, s_inv_cmp, (void *)c);
                break;
            }
    }
    return 0;
}

uint32_t *check__ops_copy(const check_t *c, const check__bykey_t *b)
{
    size_t n = b->start[c->nkeys];
    uint32_t *v = malloc((n ? n : 1) * sizeof *v);
    if (v)
        memcpy(v, b->ops, n * sizeof *v);
    return v;
}

/* -------------------------------------------------------------- finish */

/* The analyses that need each key's acknowledged writes. */
static int s_per_key(check_t *c)
{
    check__bykey_t inv = {0}, bp = {0};
    int rc = check__bykey(c, &inv);
    if (rc == 0)
        rc = check__bypair(c, &inv, &bp);
    if (rc == 0)
        rc = check__shared_pairs(c, &inv);
    if (rc == 0) {
        check__tombstones(c, &bp);
        rc = check__reads(c, &bp);
    }
    if (rc == 0)
        rc = check__inversions(c, &inv);
    if (rc == 0) {
        check__overwritten(c, &inv);
        check__lost(c, &inv);
    }
    free(inv.start);
    free(inv.ops);
    free(bp.start);
    free(bp.ops);
    return rc;
}

int check_finish(check_t *c)
{
    if (c->finished)
        return 0;
    if (check__seal(c) < 0)
        return -ENOMEM;
    c->finished = 1;
    c->t0 = c->have_t ? c->t_min : 0;
    if (!c->have_t)
        c->t_max = 0;
    /* The order matters where a step reads another's marks: the counts
     * find the first invoke and last completion the gap and throughput
     * measure from; the windows count the reads and writes that the read
     * and lost-write checks marked. */
    check__counts(c);
    check__speed(c);
    if (check__write_gap(c) < 0 || s_per_key(c) < 0)
        return -ENOMEM;
    check__divergence(c);
    check__windows(c);
    if (check__lag(c) < 0)
        return -ENOMEM;
    check__convergence(c);
    if (check__series(c) < 0)
        return -ENOMEM;
    check__thresholds(c);
    return 0;
}

const check_results_t *check_results(const check_t *c)
{
    return &c->r;
}

size_t check_window_count(const check_t *c)
{
    return c->nwin;
}

const check_window_t *check_window(const check_t *c, size_t i)
{
    return i < c->nwin ? &c->win[i].pub : NULL;
}

const char *check_anomaly_name(check_anomaly_t a)
{
    static const char *const names[] = {
        "stale_reads",    "ryw_violations",         "monotonic_read_violations",
        "lost_missing",   "lost_stale_final",       "lost_realtime_reordered",
        "divergent_keys", "overwritten_concurrent", "realtime_inversions",
        "shared_pairs"};
    return a < CHECK_ANOMALIES ? names[a] : "?";
}

size_t check_witness_count(const check_t *c, check_anomaly_t a)
{
    return a < CHECK_ANOMALIES ? c->nwit[a] : 0;
}

const char *check_witness(const check_t *c, check_anomaly_t a, size_t i)
{
    return a < CHECK_ANOMALIES && i < c->nwit[a] ? c->wit[a][i].text : NULL;
}
