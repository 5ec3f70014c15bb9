/*
 * check_avail.c - availability: what share of the operations the clients
 * attempted succeeded, overall, per operation type and inside each fault
 * window; and the longest time without a successful write.
 * docs/metrics.md, section 2, defines each ratio.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include "check_internal.h"

double check__ratio(uint64_t ok, uint64_t all)
{
    return all ? (double)ok / (double)all : NAN;
}

static int s_in_window(const check_t *c, const check__window_t *w, int64_t t)
{
    int64_t stop = w->stop < 0 ? c->t_max : w->stop;
    return t >= w->start && t <= stop;
}

void check__windows(check_t *c)
{
    uint64_t wok = 0, wall = 0, rok = 0, rall = 0;
    for (size_t i = 0; i < c->nops; i++) {
        const check__op_t *op = &c->ops[i];
        int in = 0;
        for (size_t k = 0; k < c->nwin && !in; k++)
            in = s_in_window(c, &c->win[k], op->t_inv);
        if (!in)
            continue;
        if (op->f == CHECK_OP_READ) {
            rall++;
            rok += op->out == OUT_OK;
        } else {
            wall++;
            wok += op->out == OUT_OK;
        }
    }
    c->r.avail_write_in_faults = check__ratio(wok, wall);
    c->r.avail_read_in_faults = check__ratio(rok, rall);
    for (size_t k = 0; k < c->nwin; k++) {
        check__window_t *w = &c->win[k];
        uint64_t a[4] = {0};
        w->pub.stale_reads = w->pub.lost_writes = 0;
        for (size_t i = 0; i < c->nops; i++) {
            const check__op_t *op = &c->ops[i];
            if (!s_in_window(c, w, op->t_inv))
                continue;
            int rd = op->f == CHECK_OP_READ;
            a[rd ? 2 : 0] += op->out == OUT_OK;
            a[rd ? 3 : 1]++;
            w->pub.stale_reads += (op->flags & OPF_STALE) != 0;
            w->pub.lost_writes += (op->flags & OPF_LOST) != 0;
        }
        w->pub.avail_write = check__ratio(a[0], a[1]);
        w->pub.avail_read = check__ratio(a[2], a[3]);
        w->pub.start_s = check__sec(c, w->start);
        w->pub.stop_s = w->stop < 0 ? NAN : check__sec(c, w->stop);
    }
}

/* Counts the outcomes, and finds when the load began and last answered. */
void check__counts(check_t *c)
{
    check_results_t *r = &c->r;
    c->first_invoke = c->nops ? c->ops[0].t_inv : c->t_min;
    c->last_done = c->first_invoke;
    for (size_t i = 0; i < c->nops; i++) {
        const check__op_t *op = &c->ops[i];
        if (op->t_inv < c->first_invoke)
            c->first_invoke = op->t_inv;
        if (!(op->flags & OPF_UNFINISHED) && op->t_done > c->last_done)
            c->last_done = op->t_done;
        check_counts_t *k = &r->ops[op->f];
        if (op->out == OUT_OK)
            k->ok++;
        else if (op->out == OUT_FAIL)
            k->fail++;
        else
            k->info++;
    }
    uint64_t all[3];
    for (int f = 0; f < 3; f++) {
        all[f] = r->ops[f].ok + r->ops[f].fail + r->ops[f].info;
        r->avail_op[f] = check__ratio(r->ops[f].ok, all[f]);
    }
    uint64_t wok = r->ops[CHECK_OP_WRITE].ok + r->ops[CHECK_OP_DELETE].ok;
    r->avail_write =
        check__ratio(wok, all[CHECK_OP_WRITE] + all[CHECK_OP_DELETE]);
    r->avail_read = r->avail_op[CHECK_OP_READ];
    r->duration_s = (double)(c->t_max - c->t_min) / 1e9;
}

static int s_i64_cmp(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/*
 * The longest gap between ok write completions in [first invoke, end],
 * the stretches before the first and after the last included.
 */
int check__write_gap(check_t *c)
{
    int64_t end = c->have_load_end ? c->load_end : c->last_done;
    size_t n = 0;
    int64_t *t = malloc((c->nops ? c->nops : 1) * sizeof *t);
    if (!t)
        return -ENOMEM;
    for (size_t i = 0; i < c->nops; i++) {
        const check__op_t *op = &c->ops[i];
        if (op->out == OUT_OK && op->f != CHECK_OP_READ &&
            op->t_done >= c->first_invoke && op->t_done <= end)
            t[n++] = op->t_done;
    }
    qsort(t, n, sizeof *t, s_i64_cmp);
    int64_t prev = c->first_invoke, gap = 0, gap_at = c->first_invoke;
    for (size_t i = 0; i <= n; i++) {
        int64_t next = i < n ? t[i] : end;
        if (next >= prev && next - prev > gap) {
            gap = next - prev;
            gap_at = prev;
        }
        if (i < n)
            prev = t[i];
    }
    free(t);
    c->r.longest_write_gap_ms = c->nops ? (double)gap / 1e6 : NAN;
    c->r.longest_write_gap_start_s = c->nops ? check__sec(c, gap_at) : NAN;
    return 0;
}
