/*
 * check_avail.c - availability: what share of the operations the clients
 * meant to do succeeded, overall, per operation type and inside each fault
 * window; the longest time without a successful write, and the total time
 * of write outages. docs/metrics.md, section 2, defines each ratio.
 *
 * The denominator is every operation attempted or scheduled: ok + fail +
 * info + skip. A skip line is an operation an open-loop client (mm-load
 * --rate) scheduled but could not send because all its slots waited on a
 * slow or dead node; without it a stalled design would be charged only
 * for the few operations its clients managed to start.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include "check_internal.h"

/* A gap between ok writes longer than this is an outage. */
#define OUTAGE_NS 1000000000LL

double check__ratio(uint64_t ok, uint64_t all)
{
    return all ? (double)ok / (double)all : NAN;
}

static int s_in_window(const check_t *c, const check__window_t *w, int64_t t)
{
    int64_t stop = w->stop < 0 ? c->t_max : w->stop;
    return t >= w->start && t <= stop;
}

static int s_in_any_window(const check_t *c, int64_t t)
{
    for (size_t k = 0; k < c->nwin; k++)
        if (s_in_window(c, &c->win[k], t))
            return 1;
    return 0;
}

/* Adds one outcome to a[]: [0] ok writes, [1] all writes, [2] ok reads,
 * [3] all reads. */
static void s_tally(uint64_t a[4], int f, int ok)
{
    int rd = f == CHECK_OP_READ;
    a[rd ? 2 : 0] += ok != 0;
    a[rd ? 3 : 1]++;
}

/* Every operation and skip of window w (or, w NULL, of any window). */
static void s_window_tally(check_t *c, check__window_t *w, uint64_t a[4])
{
    for (size_t i = 0; i < c->nops; i++) {
        const check__op_t *op = &c->ops[i];
        if (w ? !s_in_window(c, w, op->t_inv) : !s_in_any_window(c, op->t_inv))
            continue;
        s_tally(a, op->f, op->out == OUT_OK);
        if (w) {
            w->pub.stale_reads += (op->flags & OPF_STALE) != 0;
            w->pub.lost_writes += (op->flags & OPF_LOST) != 0;
        }
    }
    for (size_t i = 0; i < c->nskips; i++) {
        const check__skip_t *s = &c->skips[i];
        if (w ? !s_in_window(c, w, s->t) : !s_in_any_window(c, s->t))
            continue;
        s_tally(a, s->f, 0);
        if (w)
            w->pub.skipped++;
    }
}

void check__windows(check_t *c)
{
    uint64_t all[4] = {0};
    s_window_tally(c, NULL, all);
    c->r.avail_write_in_faults = check__ratio(all[0], all[1]);
    c->r.avail_read_in_faults = check__ratio(all[2], all[3]);
    for (size_t k = 0; k < c->nwin; k++) {
        check__window_t *w = &c->win[k];
        uint64_t a[4] = {0};
        w->pub.stale_reads = w->pub.lost_writes = w->pub.skipped = 0;
        s_window_tally(c, w, a);
        w->pub.avail_write = check__ratio(a[0], a[1]);
        w->pub.avail_read = check__ratio(a[2], a[3]);
        w->pub.start_s = check__sec(c, w->start);
        w->pub.stop_s = w->stop < 0 ? NAN : check__sec(c, w->stop);
    }
}

/* The earliest invoke or scheduled (skipped) operation: the load's start. */
static int64_t s_load_start(const check_t *c)
{
    int64_t t = c->nops     ? c->ops[0].t_inv
                : c->nskips ? c->skips[0].t
                            : c->t_min;
    for (size_t i = 0; i < c->nops; i++)
        if (c->ops[i].t_inv < t)
            t = c->ops[i].t_inv;
    for (size_t i = 0; i < c->nskips; i++)
        if (c->skips[i].t < t)
            t = c->skips[i].t;
    return t;
}

/* Counts the outcomes, and finds when the load began and last answered. */
void check__counts(check_t *c)
{
    check_results_t *r = &c->r;
    c->first_invoke = s_load_start(c);
    c->last_done = c->first_invoke;
    for (size_t i = 0; i < c->nops; i++) {
        const check__op_t *op = &c->ops[i];
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
    for (size_t i = 0; i < c->nskips; i++)
        r->ops[c->skips[i].f].skip++;
    r->skipped = c->nskips;
    r->skipped_late = c->nskips_late;
    uint64_t all[3];
    for (int f = 0; f < 3; f++) {
        const check_counts_t *k = &r->ops[f];
        all[f] = k->ok + k->fail + k->info + k->skip;
        r->avail_op[f] = check__ratio(k->ok, all[f]);
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
 * The longest stretch of [from, to] with no ok write completion, among
 * the n sorted completion times t: from the start to the first completion
 * inside, between completions, and from the last one to the end.
 */
static int64_t s_longest_gap(const int64_t *t, size_t n, int64_t from,
                             int64_t to)
{
    int64_t prev = from, gap = 0;
    for (size_t i = 0; i < n && t[i] <= to; i++) {
        if (t[i] < from)
            continue;
        if (t[i] - prev > gap)
            gap = t[i] - prev;
        prev = t[i];
    }
    return to - prev > gap ? to - prev : gap;
}

/*
 * Each fault window's longest stretch without an ok write, within the
 * part of the window the load covered: a crash's write outage, measured
 * where it happened, so that a stall elsewhere in the run cannot stand in
 * for it.
 */
static void s_window_gaps(check_t *c, const int64_t *t, size_t n, int64_t end)
{
    for (size_t k = 0; k < c->nwin; k++) {
        check__window_t *w = &c->win[k];
        int64_t from = w->start > c->first_invoke ? w->start : c->first_invoke;
        int64_t to = w->stop < 0 || w->stop > end ? end : w->stop;
        w->pub.longest_write_gap_ms =
            to > from ? (double)s_longest_gap(t, n, from, to) / 1e6 : NAN;
    }
}

/*
 * The gaps between ok write completions in [load start, end], the
 * stretches before the first and after the last included: the longest
 * one, and the sum of those longer than OUTAGE_NS (write_outage_s); and
 * each fault window's longest gap.
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
    int64_t outage = 0;
    for (size_t i = 0; i <= n; i++) {
        int64_t next = i < n ? t[i] : end;
        if (next >= prev && next - prev > gap) {
            gap = next - prev;
            gap_at = prev;
        }
        if (next - prev > OUTAGE_NS)
            outage += next - prev;
        if (i < n)
            prev = t[i];
    }
    s_window_gaps(c, t, n, end);
    free(t);
    int any = c->nops || c->nskips;
    c->r.longest_write_gap_ms = any ? (double)gap / 1e6 : NAN;
    c->r.longest_write_gap_start_s = any ? check__sec(c, gap_at) : NAN;
    c->r.write_outage_s = any ? (double)outage / 1e9 : NAN;
    return 0;
}
