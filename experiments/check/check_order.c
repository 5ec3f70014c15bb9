/*
 * check_order.c - real-time order inversions: acknowledged writes that
 * LWW ranks below an acknowledged write of the same key that had already
 * completed when they were invoked (docs/metrics.md, section 3a).
 *
 * Real time says the later write is the newer one; LWW says the one with
 * the higher pair is. Where a clock runs ahead (wall-clock mode), or a
 * write is stamped on a node that has not yet seen the earlier one within
 * the same millisecond, the two disagree. lost_writes.realtime_reordered
 * sees such a write only when it decides the final value; this count sees
 * every one, whether or not a later write hid it.
 *
 * Per key, the writes in invoke order are walked against the same writes
 * in completion order: before judging a write invoked at t, every write
 * completed before t has been folded into a running maximum pair. So the
 * whole check is two sorts and one pass per key, O(n log n).
 */
#define _GNU_SOURCE /* qsort_r: a sort with a context, no globals */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "check_internal.h"

static int s_done_cmp(const void *a, const void *b, void *ctx)
{
    const check_t *c = ctx;
    uint32_t i = *(const uint32_t *)a, j = *(const uint32_t *)b;
    const check__op_t *x = &c->ops[i], *y = &c->ops[j];
    if (x->t_done != y->t_done)
        return x->t_done < y->t_done ? -1 : 1;
    return i < j ? -1 : i > j;
}

/* w was invoked after x completed, yet x's pair is higher. */
static void s_witness_inversion(check_t *c, uint32_t w, uint32_t x)
{
    const check__op_t *lo = &c->ops[w], *hi = &c->ops[x];
    check__sb_t s = {.n = 0};
    check__sb_write(c, &s, x);
    check__sbf(&s, ", stamped ");
    check__sb_stamp(c, &s, hi->stamp, hi->origin);
    check__sbf(&s, "; then ");
    check__sb_write(c, &s, w);
    check__sbf(&s, ", stamped ");
    check__sb_stamp(c, &s, lo->stamp, lo->origin);
    check__sbf(&s,
               ": begun %.1f ms after the first had finished, yet LWW "
               "ranks it below.",
               (double)(lo->t_inv - hi->t_done) / 1e6);
    check__witness(c, CHECK_REALTIME_INVERSION, &s, lo->t_inv, lo->key);
}

int check__inversions(check_t *c, const check__bykey_t *inv)
{
    uint32_t *done = check__ops_copy(c, inv);
    if (!done)
        return -ENOMEM;
    for (size_t k = 0; k < c->nkeys; k++) {
        const uint32_t *v = inv->ops + inv->start[k];
        uint32_t *d = done + inv->start[k];
        uint32_t m = inv->start[k + 1] - inv->start[k];
        if (m > 1)
            qsort_r(d, m, sizeof *d, s_done_cmp, c);
        uint32_t max = NONE, j = 0;
        for (uint32_t i = 0; i < m; i++) {
            const check__op_t *w = &c->ops[v[i]];
            /* Fold in every write completed strictly before w began. */
            for (; j < m && c->ops[d[j]].t_done < w->t_inv; j++)
                if (max == NONE ||
                    check__op_pair_cmp(&c->ops[d[j]], &c->ops[max]) > 0)
                    max = d[j];
            if (max != NONE && check__op_pair_cmp(&c->ops[max], w) > 0) {
                c->r.realtime_inversions++;
                s_witness_inversion(c, v[i], max);
            }
        }
    }
    free(done);
    uint64_t wok = c->r.ops[CHECK_OP_WRITE].ok + c->r.ops[CHECK_OP_DELETE].ok;
    c->r.realtime_inversions_per_1k =
        wok ? 1000.0 * (double)c->r.realtime_inversions / (double)wok : NAN;
    return 0;
}
