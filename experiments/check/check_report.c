/*
 * check_report.c - the short text summary mm-check prints (the runner
 * keeps it as check.txt), for a student to read first: the verdict on the
 * first line, then what makes the history untrustworthy (if anything),
 * then one line per metric, one sentence per fault window, one example per
 * anomaly, and every threshold with its result. summary.json has it all.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include "check_internal.h"

/* Prints v with fmt, or "-" when it is null (NaN). */
static void s_rnum(FILE *out, const char *fmt, double v)
{
    if (isnan(v))
        fputs("-", out);
    else
        fprintf(out, fmt, v);
}

/* One part of a metric line: a label, then a value printed with fmt. */
typedef struct {
    const char *label, *fmt;
    double v;
} s_part_t;

/* "  title label v label v...\n": one metric per line, nulls as "-". */
static void s_line(FILE *out, const char *title, const s_part_t *p, size_t n,
                   const char *tail)
{
    fprintf(out, "  %s", title);
    for (size_t i = 0; i < n; i++) {
        fputs(p[i].label, out);
        s_rnum(out, p[i].fmt, p[i].v);
    }
    fprintf(out, "%s\n", tail ? tail : "");
}

#define S_LINE(out, title, tail, ...)                                          \
    s_line(out, title, (const s_part_t[]){__VA_ARGS__},                        \
           sizeof((const s_part_t[]){__VA_ARGS__}) / sizeof(s_part_t), tail)

static unsigned long long s_u(uint64_t v)
{
    return (unsigned long long)v;
}

static void s_verdict(const check_t *c, FILE *out)
{
    const check_results_t *r = &c->r;
    fprintf(out, "mm-check: %s", r->passed ? "PASS" : "FAIL");
    if (c->have_scenario)
        fprintf(out, "  scenario %s", c->scenario);
    if (c->have_seed)
        fprintf(out, "  seed %llu", s_u(c->seed));
    fputc('\n', out);
    if (r->history_errors)
        fprintf(
            out,
            "  history errors  %llu (%llu lines malformed or repeating "
            "a value, %llu acknowledged writes sharing a pair): the metrics "
            "below may be wrong, and the verdict fails unless a "
            "threshold allows them\n",
            s_u(r->history_errors), s_u(r->history_errors - r->shared_pairs),
            s_u(r->shared_pairs));
    if (r->dump_errors)
        fprintf(out, "  dump errors  %llu (dump lines skipped as malformed)\n",
                s_u(r->dump_errors));
}

static void s_operations(const check_t *c, FILE *out)
{
    static const char *const name[] = {"writes", "reads", "deletes"};
    const check_results_t *r = &c->r;
    fputs("  operations ", out);
    for (int f = 0; f < 3; f++) {
        const check_counts_t *k = &r->ops[f];
        fprintf(out, "%s %s %llu ok / %llu fail / %llu info", f ? "," : "",
                name[f], s_u(k->ok), s_u(k->fail), s_u(k->info));
        if (r->skipped)
            fprintf(out, " / %llu skipped", s_u(k->skip));
    }
    if (r->skipped_late)
        fprintf(out,
                " (and %llu late skips: mm-load fell behind its "
                "schedule; not counted)",
                s_u(r->skipped_late));
    fputc('\n', out);
    S_LINE(out, "availability ", NULL, {" write ", "%.4f", r->avail_write},
           {"  read ", "%.4f", r->avail_read},
           {"  write in faults ", "%.4f", r->avail_write_in_faults});
    S_LINE(out, "write outages ", " without a successful write (gaps over 1 s)",
           {" longest write gap ", "%.0f ms", r->longest_write_gap_ms},
           {", in total ", "%.1f s", r->write_outage_s});
}

static void s_safety(const check_t *c, FILE *out)
{
    const check_results_t *r = &c->r;
    if (r->dumped_nodes)
        fprintf(out,
                "  lost acknowledged writes  %llu (missing %llu, stale final "
                "%llu, real-time reordered %llu; worst node %s)\n",
                s_u(r->lost_total), s_u(r->lost_missing),
                s_u(r->lost_stale_final), s_u(r->lost_realtime_reordered),
                c->names[r->lost_worst_node]);
    else
        fputs("  lost acknowledged writes  - (no dumps)\n", out);
    fprintf(out, "  overwritten by concurrent writes  %llu (LWW's price)\n",
            s_u(r->overwritten_concurrent));
    fprintf(out, "  real-time order inversions  %llu (",
            s_u(r->realtime_inversions));
    s_rnum(out, "%.2f", r->realtime_inversions_per_1k);
    fputs(" per 1,000 acknowledged writes)\n", out);
    fprintf(out,
            "  stale reads  %llu (%.4f%% of ok reads; p50 %.0f versions, "
            "%.1f ms behind)\n",
            s_u(r->stale_reads), 100 * r->stale_fraction, r->stale_versions_p50,
            r->stale_ms_p50);
    fprintf(out, "  read-your-writes violations  %llu\n",
            s_u(r->ryw_violations));
    fprintf(out, "  monotonic-read violations  %llu\n",
            s_u(r->monotonic_read_violations));
    if (r->dumped_nodes)
        fprintf(out, "  divergent keys  %llu\n", s_u(r->divergent_keys));
    else
        fputs("  divergent keys  - (no dumps)\n", out);
}

static void s_speed(const check_t *c, FILE *out)
{
    const check_results_t *r = &c->r;
    S_LINE(out, "convergence ", NULL, {" ", "%.0f ms", r->convergence_ms});
    S_LINE(out, "replication lag ", NULL, {" p50 ", "%.1f ms", r->lag_p50_ms},
           {", p99 ", "%.1f ms", r->lag_p99_ms});
    S_LINE(out, "throughput ", NULL,
           {" ", "%.0f ok writes/s", r->write_ok_per_s});
    S_LINE(out, "latency ", NULL, {" p50 ", "%.2f ms", r->latency_p50_ms},
           {", p99 ", "%.2f ms", r->latency_p99_ms});
}

static void s_windows_and_verdicts(const check_t *c, FILE *out)
{
    for (size_t k = 0; k < c->nwin; k++) {
        const check_window_t *win = &c->win[k].pub;
        fprintf(out, "  fault %lld  %s  %.2f-", (long long)win->id, win->desc,
                win->start_s);
        s_rnum(out, "%.2f", win->stop_s);
        fputs(" s: write availability ", out);
        s_rnum(out, "%.4f", win->avail_write);
        fputs(", read ", out);
        s_rnum(out, "%.4f", win->avail_read);
        fprintf(out, ", stale reads %llu, lost writes %llu\n",
                s_u(win->stale_reads), s_u(win->lost_writes));
    }
    /* One example per anomaly found; summary.json has up to eight. The
     * concurrent overwrites are LWW working as designed: no example. */
    for (int a = 0; a < CHECK_ANOMALIES; a++)
        if (c->nwit[a] && a != CHECK_OVERWRITTEN_CONCURRENT)
            fprintf(out, "  e.g. %s: %s\n",
                    check_anomaly_name((check_anomaly_t)a), c->wit[a][0].text);
    for (size_t i = 0; i < c->nth; i++) {
        const check__threshold_t *t = &c->th[i];
        fprintf(out, "  %s  %s %s %g (actual ", t->pass ? "pass" : "FAIL",
                t->metric, check__th_ops[t->op], t->value);
        s_rnum(out, "%g", t->actual);
        fprintf(out, ")%s\n", t->is_default ? " [default]" : "");
    }
}

int check_write_report(const check_t *c, FILE *out)
{
    s_verdict(c, out);
    s_operations(c, out);
    s_safety(c, out);
    s_speed(c, out);
    s_windows_and_verdicts(c, out);
    return ferror(out) ? -EIO : 0;
}
