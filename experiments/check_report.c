/*
 * check_report.c - the short text summary mm-check prints (the runner
 * keeps it as check.txt): the verdict first, then one line per metric
 * family, one example per anomaly, and every threshold with its result.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include "check_internal.h"

static void s_rnum(FILE *out, const char *fmt, double v)
{
    if (isnan(v))
        fputs("-", out);
    else
        fprintf(out, fmt, v);
}

int check_write_report(const check_t *c, FILE *out)
{
    const check_results_t *r = &c->r;
    fprintf(out, "mm-check: %s", r->passed ? "PASS" : "FAIL");
    if (c->have_scenario)
        fprintf(out, "  scenario %s", c->scenario);
    if (c->have_seed)
        fprintf(out, "  seed %llu", (unsigned long long)c->seed);
    fputc('\n', out);
    const check_counts_t *w = &r->ops[CHECK_OP_WRITE],
                         *d = &r->ops[CHECK_OP_DELETE],
                         *rd = &r->ops[CHECK_OP_READ];
    fprintf(out,
            "  operations  writes %llu ok / %llu fail / %llu info, reads "
            "%llu ok / %llu fail / %llu info, deletes %llu ok / %llu fail / "
            "%llu info\n",
            (unsigned long long)w->ok, (unsigned long long)w->fail,
            (unsigned long long)w->info, (unsigned long long)rd->ok,
            (unsigned long long)rd->fail, (unsigned long long)rd->info,
            (unsigned long long)d->ok, (unsigned long long)d->fail,
            (unsigned long long)d->info);
    fputs("  availability  write ", out);
    s_rnum(out, "%.4f", r->avail_write);
    fputs("  read ", out);
    s_rnum(out, "%.4f", r->avail_read);
    fputs("  write in faults ", out);
    s_rnum(out, "%.4f", r->avail_write_in_faults);
    fputs("  longest write gap ", out);
    s_rnum(out, "%.0f ms", r->longest_write_gap_ms);
    fputc('\n', out);
    if (r->dumped_nodes)
        fprintf(out,
                "  lost acknowledged writes  %llu (missing %llu, stale final "
                "%llu, real-time reordered %llu; worst node %s); overwritten "
                "by concurrent writes %llu\n",
                (unsigned long long)r->lost_total,
                (unsigned long long)r->lost_missing,
                (unsigned long long)r->lost_stale_final,
                (unsigned long long)r->lost_realtime_reordered,
                c->names[r->lost_worst_node],
                (unsigned long long)r->overwritten_concurrent);
    fprintf(out,
            "  stale reads  %llu (%.4f%% of ok reads; p50 %.0f versions, "
            "%.1f ms behind)\n",
            (unsigned long long)r->stale_reads, 100 * r->stale_fraction,
            r->stale_versions_p50, r->stale_ms_p50);
    fprintf(out,
            "  read-your-writes violations %llu, monotonic-read violations "
            "%llu\n",
            (unsigned long long)r->ryw_violations,
            (unsigned long long)r->monotonic_read_violations);
    if (r->dumped_nodes)
        fprintf(out, "  divergent keys %llu",
                (unsigned long long)r->divergent_keys);
    fputs(", convergence ", out);
    s_rnum(out, "%.0f ms", r->convergence_ms);
    fputs("\n  replication lag p50 ", out);
    s_rnum(out, "%.1f ms", r->lag_p50_ms);
    fputs(", p99 ", out);
    s_rnum(out, "%.1f ms", r->lag_p99_ms);
    fputs("\n  throughput ", out);
    s_rnum(out, "%.0f ok writes/s", r->write_ok_per_s);
    fputs(", latency p50 ", out);
    s_rnum(out, "%.2f ms", r->latency_p50_ms);
    fputs(", p99 ", out);
    s_rnum(out, "%.2f ms", r->latency_p99_ms);
    fputc('\n', out);
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
                (unsigned long long)win->stale_reads,
                (unsigned long long)win->lost_writes);
    }
    /* One example per anomaly found; summary.json has up to eight. */
    for (int a = 0; a < CHECK_OVERWRITTEN_CONCURRENT; a++)
        if (c->nwit[a])
            fprintf(out, "  e.g. %s: %s\n",
                    check_anomaly_name((check_anomaly_t)a), c->wit[a][0].text);
    if (r->history_errors || r->dump_errors)
        fprintf(out, "  input errors  history %llu, dumps %llu\n",
                (unsigned long long)r->history_errors,
                (unsigned long long)r->dump_errors);
    for (size_t i = 0; i < c->nth; i++) {
        const check__threshold_t *t = &c->th[i];
        fprintf(out, "  %s  %s %s %g (actual ", t->pass ? "pass" : "FAIL",
                t->metric, check__th_ops[t->op], t->value);
        s_rnum(out, "%g", t->actual);
        fprintf(out, ")%s\n", t->is_default ? " [default]" : "");
    }
    return ferror(out) ? -EIO : 0;
}
