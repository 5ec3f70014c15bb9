/*
 * check_lost.c - lost acknowledged writes: each acked write or delete
 * judged against every node's final record of its key (missing, stale
 * final, real-time reordered; docs/metrics.md, section 3), and the
 * information count of writes overwritten by concurrent ones.
 *
 * Every dumped node is judged; the worst node's counts are the run's, and
 * only its lost writes are marked (OPF_LOST, for the fault windows) and
 * explained.
 */
#include <string.h>
#include "check_internal.h"

/*
 * Acknowledged writes that lost to a write from another client whose
 * [invoke, complete] interval overlapped theirs: LWW's ordinary price,
 * reported as information.
 */
void check__overwritten(check_t *c, const check__bykey_t *b)
{
    for (size_t k = 0; k < c->nkeys; k++) {
        const uint32_t *v = b->ops + b->start[k];
        size_t m = b->start[k + 1] - b->start[k];
        for (size_t i = 0; i < m; i++) {
            check__op_t *w = &c->ops[v[i]];
            for (size_t j = i + 1; j < m && c->ops[v[j]].t_inv <= w->t_done;
                 j++) {
                check__op_t *y = &c->ops[v[j]];
                if (y->p == w->p)
                    continue;
                int wl = check__op_pair_cmp(w, y) < 0;
                uint32_t loser = wl ? v[i] : v[j], winner = wl ? v[j] : v[i];
                check__op_t *l = &c->ops[loser];
                if (l->flags & OPF_OVERWRITTEN)
                    continue;
                l->flags |= OPF_OVERWRITTEN;
                c->r.overwritten_concurrent++;
                if (c->nwit[CHECK_OVERWRITTEN_CONCURRENT] >= CHECK_WITNESS_MAX)
                    continue;
                check__sb_t s = {.n = 0};
                check__sb_write(c, &s, loser);
                check__sbf(&s, ", while ");
                check__sb_write(c, &s, winner);
                check__sbf(&s, "; the two overlapped and LWW kept the one with "
                               "the higher stamp, ");
                check__sb_stamp(c, &s, c->ops[winner].stamp,
                                c->ops[winner].origin);
                check__sbf(&s, ".");
                check__witness(c, CHECK_OVERWRITTEN_CONCURRENT, &s, l->t_inv,
                               l->key);
            }
        }
    }
}

enum { LOST_NONE = 0, LOST_MISSING = 1, LOST_STALE = 2, LOST_RT = 3 };

/* The first class of lost write that w falls in against final f. */
static int s_lost_class(const check_t *c, const check__op_t *w,
                        const check__final_t *f)
{
    if (!f->present) {
        /* Absence is a tombstone whose pair we do not know: fine if a
         * delete may have removed w (a later acknowledged delete, or a
         * delete of unknown outcome), or w is itself a delete. */
        const check__key_t *k = &c->keys[w->key];
        if (w->f == CHECK_OP_DELETE || (k->flags & KEY_INFO_DELETE))
            return LOST_NONE;
        if ((k->flags & KEY_OK_DELETE) &&
            check__pair_cmp(k->del_stamp, k->del_origin, w->stamp, w->origin) >
                0)
            return LOST_NONE;
        return LOST_MISSING;
    }
    if (f->src == NONE)
        return LOST_MISSING;
    int cmp = check__pair_cmp(f->stamp, f->origin, w->stamp, w->origin);
    if (cmp < 0)
        return LOST_STALE;
    if (cmp > 0 && f->src != SRC_SOME_DELETE) {
        const check__op_t *x = &c->ops[f->src];
        if (x->out == OUT_OK && x->t_done < w->t_inv)
            return LOST_RT;
    }
    return LOST_NONE;
}

static void s_lost_witness(check_t *c, int cls, uint32_t w, int node,
                           const check__final_t *f)
{
    static const check_anomaly_t type[] = {CHECK_ANOMALIES, CHECK_LOST_MISSING,
                                           CHECK_LOST_STALE_FINAL,
                                           CHECK_LOST_REALTIME_REORDERED};
    const check__op_t *op = &c->ops[w];
    const char *k = check__key_name(c, op->key);
    if (c->nwit[type[cls]] >= CHECK_WITNESS_MAX)
        return;
    check__sb_t s = {.n = 0};
    if (cls == LOST_RT) {
        check__sb_write(c, &s, f->src);
        check__sbf(&s, "; ");
        check__sb_write(c, &s, w);
        check__sbf(&s, ", after that write had finished; yet %s ends with ",
                   c->names[node]);
        check__sb_value(c, &s, op->key, f->src, 1, f->tomb, f->stamp,
                        f->origin);
        check__sbf(&s, ", because its stamp ");
        check__sb_stamp(c, &s, f->stamp, f->origin);
        check__sbf(&s, " is higher than ");
        check__sb_stamp(c, &s, op->stamp, op->origin);
        check__sbf(&s, ".");
    } else {
        check__sb_write(c, &s, w);
        if (!f->present) {
            check__sbf(&s, "; at the end %s has no %s at all.", c->names[node],
                       k);
        } else {
            check__sbf(&s, "; at the end %s holds ", c->names[node]);
            check__sb_value(c, &s, op->key, f->src, 1, f->tomb, f->stamp,
                            f->origin);
            if (cls == LOST_STALE) {
                check__sbf(&s, ", whose stamp ");
                check__sb_stamp(c, &s, f->stamp, f->origin);
                check__sbf(&s, " is older than the acknowledged ");
                check__sb_stamp(c, &s, op->stamp, op->origin);
                check__sbf(&s, ": the acknowledged write is gone.");
            } else {
                check__sbf(&s, ".");
            }
        }
    }
    check__witness(c, type[cls], &s, op->t_inv, op->key);
}

/* Counts lost writes on one node; marks and explains them if record. */
static void s_lost_on(check_t *c, const check__bykey_t *b, int node, int record,
                      uint64_t out[4])
{
    memset(out, 0, 4 * sizeof *out);
    for (uint32_t k = 0; k < c->nkeys; k++) {
        const check__final_t *f = check__final(c, k, node);
        for (uint32_t i = b->start[k]; i < b->start[k + 1]; i++) {
            uint32_t w = b->ops[i];
            int cls = s_lost_class(c, &c->ops[w], f);
            if (cls == LOST_NONE)
                continue;
            out[0]++;
            out[cls]++;
            if (record) {
                c->ops[w].flags |= OPF_LOST;
                s_lost_witness(c, cls, w, node, f);
            }
        }
    }
}

/* Judges every dumped node; the worst one's counts are the run's. */
void check__lost(check_t *c, const check__bykey_t *b)
{
    check_results_t *r = &c->r;
    r->lost_worst_node = -1;
    uint64_t worst[4] = {0};
    for (int n = 0; n < c->nnodes; n++) {
        if (!(c->dumped & (1u << n)))
            continue;
        r->dumped_nodes++;
        s_lost_on(c, b, n, 0, r->lost_by_node[n]);
        if (r->lost_worst_node < 0 || r->lost_by_node[n][0] > worst[0]) {
            r->lost_worst_node = n;
            memcpy(worst, r->lost_by_node[n], sizeof worst);
        }
    }
    if (r->lost_worst_node >= 0)
        s_lost_on(c, b, r->lost_worst_node, 1, worst);
    r->lost_total = worst[0];
    r->lost_missing = worst[1];
    r->lost_stale_final = worst[2];
    r->lost_realtime_reordered = worst[3];
}
