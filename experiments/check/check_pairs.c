/*
 * check_pairs.c - pairs: a (stamp, origin) pair names one write, so the
 * checker looks writes up by pair and checks that no two acknowledged
 * writes share one.
 *
 *  - Each key's acknowledged writes and deletes sorted by pair: the stale
 *    read sweep searches it, and a tombstone (in a dump, or returned by a
 *    read) names its delete through it. Several operations may share a
 *    pair (a write and the read that returned it do, legitimately), so a
 *    tombstone looks for a delete among every write with its pair, not
 *    only the first one recorded.
 *  - Two different acknowledged writes with the same pair, of any keys,
 *    mean that a node stamped two writes alike or that the client
 *    recorded a reply against the wrong operation: either way the history
 *    cannot be trusted. They are counted in shared_pairs (and in
 *    history_errors, so the verdict fails by default) and explained.
 */
#define _GNU_SOURCE /* qsort_r: a sort with a context, no globals */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "check_internal.h"

static int s_pair_sort_cmp(const void *a, const void *b, void *ctx)
{
    const check_t *c = ctx;
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    int cmp = check__op_pair_cmp(&c->ops[x], &c->ops[y]);
    return cmp ? cmp : (x < y ? -1 : x > y);
}

int check__bypair(const check_t *c, const check__bykey_t *inv,
                  check__bykey_t *out)
{
    out->start = malloc((c->nkeys + 1) * sizeof *out->start);
    out->ops = check__ops_copy(c, inv);
    if (!out->start || !out->ops)
        return -ENOMEM;
    memcpy(out->start, inv->start, (c->nkeys + 1) * sizeof *out->start);
    for (size_t k = 0; k < c->nkeys; k++) {
        uint32_t m = out->start[k + 1] - out->start[k];
        if (m > 1)
            qsort_r(out->ops + out->start[k], m, sizeof *out->ops,
                    s_pair_sort_cmp, (void *)c);
    }
    return 0;
}

uint32_t check__lower(const check_t *c, const uint32_t *v, uint32_t m,
                      mm_stamp_t st, uint16_t o, int above)
{
    uint32_t lo = 0, hi = m;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        const check__op_t *w = &c->ops[v[mid]];
        int cmp = check__pair_cmp(w->stamp, w->origin, st, o);
        if (cmp < 0 || (above && cmp == 0))
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* The acknowledged delete of key with this pair, or NONE. */
static uint32_t s_delete_of(const check_t *c, const check__bykey_t *bp,
                            uint32_t key, mm_stamp_t st, uint16_t o)
{
    if (key >= c->nkeys)
        return NONE;
    const uint32_t *v = bp->ops + bp->start[key];
    uint32_t m = bp->start[key + 1] - bp->start[key];
    for (uint32_t i = check__lower(c, v, m, st, o, 0); i < m; i++) {
        const check__op_t *w = &c->ops[v[i]];
        if (w->stamp != st || w->origin != o)
            break;
        if (w->f == CHECK_OP_DELETE)
            return v[i];
    }
    return NONE;
}

void check__tombstones(check_t *c, const check__bykey_t *bp)
{
    for (uint32_t k = 0; k < c->nkeys; k++)
        for (int n = 0; n < c->nnodes; n++) {
            check__final_t *f = check__final(c, k, n);
            if (!f->present || !f->tomb)
                continue;
            f->src = s_delete_of(c, bp, k, f->stamp, f->origin);
            if (f->src == NONE && (c->keys[k].flags & KEY_INFO_DELETE))
                f->src = SRC_SOME_DELETE;
        }
    for (size_t i = 0; i < c->nops; i++) {
        check__op_t *op = &c->ops[i];
        if (op->f == CHECK_OP_READ && op->out == OUT_OK &&
            (op->flags & OPF_VALUE_NULL) && (op->stamp || op->origin))
            op->src = s_delete_of(c, bp, op->key, op->stamp, op->origin);
    }
}

static void s_shared_witness(check_t *c, uint32_t a, uint32_t b)
{
    const check__op_t *x = &c->ops[a];
    check__sb_t s = {.n = 0};
    check__sb_write(c, &s, a);
    check__sbf(&s, "; ");
    check__sb_write(c, &s, b);
    check__sbf(&s, "; both were acknowledged with the pair ");
    check__sb_stamp(c, &s, x->stamp, x->origin);
    check__sbf(&s, ", which names one write: the node stamped two writes "
                   "alike or the history recorded a reply against the "
                   "wrong operation.");
    check__witness(c, CHECK_SHARED_PAIR, &s, c->ops[b].t_inv, c->ops[b].key);
}

int check__shared_pairs(check_t *c, const check__bykey_t *inv)
{
    size_t n = inv->start[c->nkeys];
    uint32_t *v = check__ops_copy(c, inv);
    if (!v)
        return -ENOMEM;
    qsort_r(v, n, sizeof *v, s_pair_sort_cmp, c);
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && check__op_pair_cmp(&c->ops[v[i]], &c->ops[v[j]]) == 0)
            j++;
        if (j - i > 1) {
            c->r.shared_pairs += j - i;
            s_shared_witness(c, v[i], v[i + 1]);
        }
        i = j;
    }
    free(v);
    c->r.history_errors += c->r.shared_pairs;
    return 0;
}
