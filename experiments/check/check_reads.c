/*
 * check_reads.c - what reads saw: stale reads (a read older than a write
 * acknowledged before it began), read-your-writes and monotonic-read
 * violations. docs/metrics.md, sections 4 and 5, defines them.
 *
 * One sweep visits acknowledged-write completions, read invocations and
 * read completions in time order. Per key, the acknowledged writes sorted
 * by pair carry a segment tree of those completed so far, so "how many
 * completed writes are newer than what this read returned, and which
 * finished first" is O(log n). Per (client, key) the sweep keeps the
 * client's latest own write and the newest pair it has read.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "check_internal.h"

typedef struct {
    int64_t t;
    uint32_t op;
    uint32_t kind; /* EV_*: the order of events at equal times */
} s_ev_t;

enum { EV_READ_CHECK = 0, EV_WRITE_DONE = 1, EV_READ_DONE = 2 };

typedef struct {
    uint32_t own;     /* the client's latest acknowledged write of the key */
    uint32_t maxread; /* its read with the highest pair, completed */
} s_pk_t;

static int s_ev_cmp(const void *a, const void *b)
{
    const s_ev_t *x = a, *y = b;
    if (x->t != y->t)
        return x->t < y->t ? -1 : 1;
    if (x->kind != y->kind)
        return x->kind < y->kind ? -1 : 1;
    return x->op < y->op ? -1 : x->op > y->op;
}

/*
 * The stale-read index of one key. Its acknowledged writes are all known
 * before the sweep, so they are sorted by pair once; over those positions a
 * segment tree holds, for the writes completed so far, how many there are
 * and which completed first. "Completed writes newer than this read" is the
 * range above the read's pair: O(log n), however far behind the read is.
 */
typedef struct {
    uint32_t n;     /* completed writes in the range */
    uint32_t first; /* the one that completed earliest, or NONE */
} s_seg_t;

static s_seg_t s_seg_join(const check_t *c, s_seg_t a, s_seg_t b)
{
    s_seg_t r = {a.n + b.n, a.first};
    if (b.first != NONE &&
        (a.first == NONE || c->ops[b.first].t_done < c->ops[a.first].t_done ||
         (c->ops[b.first].t_done == c->ops[a.first].t_done &&
          b.first < a.first)))
        r.first = b.first;
    return r;
}

/* Marks position pos (of m) of tree t completed by op. */
static void s_seg_set(const check_t *c, s_seg_t *t, uint32_t m, uint32_t pos,
                      uint32_t op)
{
    uint32_t i = pos + m;
    t[i] = (s_seg_t){1, op};
    for (i >>= 1; i >= 1; i >>= 1)
        t[i] = s_seg_join(c, t[2 * i], t[2 * i + 1]);
}

/* The completed writes at positions [l, r) of tree t. */
static s_seg_t s_seg_query(const check_t *c, const s_seg_t *t, uint32_t m,
                           uint32_t l, uint32_t r)
{
    s_seg_t res = {0, NONE};
    for (l += m, r += m; l < r; l >>= 1, r >>= 1) {
        if (l & 1)
            res = s_seg_join(c, res, t[l++]);
        if (r & 1)
            res = s_seg_join(c, res, t[--r]);
    }
    return res;
}

static s_pk_t *s_pk(check__map_t *m, s_pk_t **pks, size_t *npk, size_t *cappk,
                    int32_t p, uint32_t key)
{
    uint64_t h = (uint64_t)(uint32_t)p << 32 | key;
    uint32_t i = check__map_get(NULL, m, h, NULL, NULL);
    if (i != NONE)
        return &(*pks)[i];
    if (check__grow((void **)pks, cappk, *npk + 1, sizeof **pks) < 0 ||
        check__map_put(m, h, (uint32_t)*npk) < 0)
        return NULL;
    s_pk_t *pk = &(*pks)[(*npk)++];
    pk->own = NONE;
    pk->maxread = NONE;
    return pk;
}

/* Read r is behind n completed writes, the earliest-completed being w. */
static void s_on_stale(check_t *c, uint32_t r, uint32_t n, uint32_t w,
                       hist_t *hv, hist_t *hms)
{
    check__op_t *op = &c->ops[r];
    int64_t behind_ns = op->t_inv - c->ops[w].t_done;
    op->flags |= OPF_STALE;
    c->r.stale_reads++;
    hist_add(hv, n);
    hist_add(hms, (uint64_t)(behind_ns / 1000));
    if (c->nwit[CHECK_STALE_READ] >= CHECK_WITNESS_MAX)
        return;
    check__sb_t s = {.n = 0};
    check__sb_write(c, &s, w);
    check__sbf(&s, "; client %d read %s at %.2f s on %s and got ", op->p,
               check__key_name(c, op->key), check__sec(c, op->t_inv),
               c->names[op->node]);
    check__sb_read_value(c, &s, r);
    check__sbf(&s, ": %u newer acknowledged write%s, %.1f ms behind.",
               (unsigned)n, n == 1 ? "" : "s", (double)behind_ns / 1e6);
    check__witness(c, CHECK_STALE_READ, &s, op->t_inv, op->key);
}

static void s_on_ryw(check_t *c, uint32_t r, uint32_t own)
{
    const check__op_t *op = &c->ops[r];
    c->r.ryw_violations++;
    if (c->nwit[CHECK_RYW_VIOLATION] >= CHECK_WITNESS_MAX)
        return;
    check__sb_t s = {.n = 0};
    check__sb_write(c, &s, own);
    check__sbf(&s, "; the same client then read %s at %.2f s on %s and got ",
               check__key_name(c, op->key), check__sec(c, op->t_inv),
               c->names[op->node]);
    check__sb_read_value(c, &s, r);
    check__sbf(&s, ", older than its own write.");
    check__witness(c, CHECK_RYW_VIOLATION, &s, op->t_inv, op->key);
}

static void s_on_monotonic(check_t *c, uint32_t r, uint32_t r0)
{
    const check__op_t *op = &c->ops[r], *old = &c->ops[r0];
    c->r.monotonic_read_violations++;
    if (c->nwit[CHECK_MONOTONIC_READ_VIOLATION] >= CHECK_WITNESS_MAX)
        return;
    check__sb_t s = {.n = 0};
    check__sbf(&s, "client %d read %s at %.2f s on %s and got ", op->p,
               check__key_name(c, op->key), check__sec(c, old->t_inv),
               c->names[old->node]);
    check__sb_read_value(c, &s, r0);
    check__sbf(&s, "; the same client then read %s at %.2f s on %s and got ",
               check__key_name(c, op->key), check__sec(c, op->t_inv),
               c->names[op->node]);
    check__sb_read_value(c, &s, r);
    check__sbf(&s, ": an older version after a newer one.");
    check__witness(c, CHECK_MONOTONIC_READ_VIOLATION, &s, op->t_inv, op->key);
}

/* What the sweep works on. */
typedef struct {
    uint32_t *rank; /* [op]: a write's position in its key's pair order */
    s_seg_t *seg;   /* the trees, key k's at seg + 2 * start[k] */
    s_ev_t *ev;
    size_t nev;
    check__map_t pkmap; /* (client, key) -> pks index */
    s_pk_t *pks;
    size_t npk, cappk;
    hist_t *hv, *hms; /* versions and microseconds behind */
} s_sweep_t;

static void s_sweep_free(s_sweep_t *w)
{
    free(w->rank);
    free(w->seg);
    free(w->ev);
    free(w->pks);
    check__map_free(&w->pkmap);
    free(w->hv);
}

/* Ranks each key's writes by pair and lists the events in time order. */
static int s_sweep_init(check_t *c, const check__bykey_t *b, s_sweep_t *w)
{
    size_t total = b->start[c->nkeys], nev = 0;
    for (size_t i = 0; i < c->nops; i++)
        if (c->ops[i].out == OUT_OK)
            nev += c->ops[i].f == CHECK_OP_READ ? 2 : 1;
    w->rank = malloc((c->nops ? c->nops : 1) * sizeof *w->rank);
    w->seg = malloc((2 * total + 1) * sizeof *w->seg);
    w->ev = malloc((nev ? nev : 1) * sizeof *w->ev);
    w->hv = calloc(2, sizeof *w->hv);
    w->hms = w->hv ? w->hv + 1 : NULL;
    if (!w->rank || !w->seg || !w->ev || !w->hv ||
        check__map_init(&w->pkmap, 1024) < 0)
        return -ENOMEM;
    for (size_t i = 0; i < 2 * total + 1; i++)
        w->seg[i] = (s_seg_t){0, NONE};
    for (size_t k = 0; k < c->nkeys; k++)
        for (uint32_t i = b->start[k]; i < b->start[k + 1]; i++)
            w->rank[b->ops[i]] = i - b->start[k];
    size_t n = 0;
    for (uint32_t i = 0; i < c->nops; i++) {
        const check__op_t *op = &c->ops[i];
        if (op->out != OUT_OK)
            continue;
        if (op->f == CHECK_OP_READ) {
            w->ev[n++] = (s_ev_t){op->t_inv, i, EV_READ_CHECK};
            w->ev[n++] = (s_ev_t){op->t_done, i, EV_READ_DONE};
        } else {
            w->ev[n++] = (s_ev_t){op->t_done, i, EV_WRITE_DONE};
        }
    }
    w->nev = n;
    int sorted = 1;
    for (size_t i = 1; i < n && sorted; i++)
        sorted = s_ev_cmp(&w->ev[i - 1], &w->ev[i]) <= 0;
    if (!sorted)
        qsort(w->ev, n, sizeof *w->ev, s_ev_cmp);
    return 0;
}

/*
 * Stale reads, read-your-writes and monotonic reads, in one pass over the
 * events in time order. b lists each key's ok writes in pair order.
 */
int check__reads(check_t *c, const check__bykey_t *b)
{
    s_sweep_t w = {0};
    int rc = s_sweep_init(c, b, &w);
    for (size_t e = 0; rc == 0 && e < w.nev; e++) {
        uint32_t i = w.ev[e].op;
        check__op_t *op = &c->ops[i];
        uint32_t start = b->start[op->key];
        uint32_t m = b->start[op->key + 1] - start;
        s_seg_t *tree = w.seg + 2 * (size_t)start;
        s_pk_t *pk = s_pk(&w.pkmap, &w.pks, &w.npk, &w.cappk, op->p, op->key);
        if (!pk) {
            rc = -ENOMEM;
        } else if (w.ev[e].kind == EV_WRITE_DONE) {
            s_seg_set(c, tree, m, w.rank[i], i);
            pk->own = i;
        } else if (w.ev[e].kind == EV_READ_DONE) {
            if (pk->maxread == NONE ||
                check__op_pair_cmp(op, &c->ops[pk->maxread]) > 0)
                pk->maxread = i;
        } else {
            /* EV_READ_CHECK: the state when the read was invoked. */
            uint32_t ub =
                check__lower(c, b->ops + start, m, op->stamp, op->origin, 1);
            s_seg_t q = s_seg_query(c, tree, m, ub, m);
            if (q.n > 0)
                s_on_stale(c, i, q.n, q.first, w.hv, w.hms);
            if (pk->own != NONE && check__op_pair_cmp(op, &c->ops[pk->own]) < 0)
                s_on_ryw(c, i, pk->own);
            if (pk->maxread != NONE &&
                check__op_pair_cmp(op, &c->ops[pk->maxread]) < 0)
                s_on_monotonic(c, i, pk->maxread);
        }
    }
    if (rc == 0) {
        uint64_t rok = c->r.ops[CHECK_OP_READ].ok;
        c->r.stale_fraction = rok ? (double)c->r.stale_reads / (double)rok : 0;
        c->r.stale_versions_p50 = (double)hist_quantile(w.hv, 0.5);
        c->r.stale_versions_max = (double)w.hv->max;
        c->r.stale_ms_p50 = (double)hist_quantile(w.hms, 0.5) / 1000.0;
        c->r.stale_ms_max = (double)w.hms->max / 1000.0;
    }
    s_sweep_free(&w);
    return rc;
}
