/*
 * check_csv.c - the plot data the report draws: series.csv (outcomes per
 * time bucket), latency.csv (every operation, or an even sample),
 * lag.csv (every lag point) and faults.csv (the windows).
 * docs/metrics.md, section 10, gives their columns.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include "check_internal.h"

/*
 * At most this many buckets. A run longer than that many bucket widths
 * (about 7 hours of 0.25 s buckets) gets wider buckets, a whole multiple
 * of the width asked for: otherwise one history line with a far-off `t`
 * (a typo, a line from another machine's clock) would have mm-check
 * allocate gigabytes and write a series.csv of millions of rows.
 */
#define SERIES_MAX_BUCKETS 100000

/* Counts each operation in the bucket of its completion time. */
int check__series(check_t *c)
{
    int64_t n = (c->t_max - c->t0) / c->bucket_ns;
    if (n >= SERIES_MAX_BUCKETS)
        c->bucket_ns *= n / (SERIES_MAX_BUCKETS - 1) + 1;
    size_t nb = (size_t)((c->t_max - c->t0) / c->bucket_ns) + 1;
    c->buckets = calloc(nb, sizeof *c->buckets);
    if (!c->buckets)
        return -ENOMEM;
    c->nbuckets = nb;
    for (size_t i = 0; i < c->nops; i++) {
        const check__op_t *op = &c->ops[i];
        int64_t t = op->t_done < c->t0 ? c->t0 : op->t_done;
        size_t b = (size_t)((t - c->t0) / c->bucket_ns);
        if (b >= nb)
            b = nb - 1;
        if (op->f == CHECK_OP_READ) {
            c->buckets[b][3] += op->out == OUT_OK;
            c->buckets[b][4] += (op->flags & OPF_STALE) != 0;
        } else {
            c->buckets[b][op->out == OUT_OK     ? 0
                          : op->out == OUT_FAIL ? 1
                                                : 2]++;
        }
    }
    return 0;
}

int check_write_series_csv(const check_t *c, FILE *out)
{
    fputs("t_s,writes_ok,writes_fail,writes_info,reads_ok,reads_stale\n", out);
    for (size_t b = 0; b < c->nbuckets; b++)
        fprintf(out, "%.2f,%llu,%llu,%llu,%llu,%llu\n",
                (double)((int64_t)b * c->bucket_ns) / 1e9,
                (unsigned long long)c->buckets[b][0],
                (unsigned long long)c->buckets[b][1],
                (unsigned long long)c->buckets[b][2],
                (unsigned long long)c->buckets[b][3],
                (unsigned long long)c->buckets[b][4]);
    return ferror(out) ? -EIO : 0;
}

int check_write_latency_csv(const check_t *c, FILE *out)
{
    static const char *const opn[] = {"write", "read", "delete"};
    static const char *const outn[] = {"open", "ok", "fail", "info"};
    size_t k = (c->nops + c->latency_rows - 1) / c->latency_rows;
    if (k < 1)
        k = 1;
    fputs("t_s,latency_ms,op,outcome\n", out);
    for (size_t i = 0; i < c->nops; i += k) {
        const check__op_t *op = &c->ops[i];
        fprintf(out, "%.4f,%.3f,%s,%s\n", check__sec(c, op->t_inv),
                (double)(op->t_done - op->t_inv) / 1e6, opn[op->f],
                outn[op->out]);
    }
    return ferror(out) ? -EIO : 0;
}

int check_write_lag_csv(const check_t *c, FILE *out)
{
    fputs("t_s,follower,origin,lag_ms\n", out);
    for (size_t i = 0; i < c->nlag; i++)
        fprintf(out, "%.3f,%s,%s,%.3f\n", check__sec(c, c->lag[i].t),
                c->names[c->lag[i].follower], c->names[c->lag[i].origin],
                c->lag[i].lag_ms);
    return ferror(out) ? -EIO : 0;
}

int check_write_faults_csv(const check_t *c, FILE *out)
{
    fputs("id,start_s,stop_s,desc\n", out);
    for (size_t k = 0; k < c->nwin; k++) {
        const check_window_t *w = &c->win[k].pub;
        fprintf(out, "%lld,%.3f,", (long long)w->id, w->start_s);
        if (isnan(w->stop_s))
            fputs(",", out);
        else
            fprintf(out, "%.3f,", w->stop_s);
        fputc('"', out);
        for (const char *p = w->desc; *p; p++) {
            if (*p == '"')
                fputc('"', out);
            fputc(*p, out);
        }
        fputs("\"\n", out);
    }
    return ferror(out) ? -EIO : 0;
}
