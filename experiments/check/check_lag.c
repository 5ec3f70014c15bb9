/*
 * check_lag.c - replication lag, from the status samples' applied vectors:
 * how old a follower's copy of an origin's writes was, interpolated
 * between samples. docs/metrics.md, section 7.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include "check_internal.h"

static int s_lag_add(check_t *c, int64_t t, double ms, int f, int o)
{
    if (check__grow((void **)&c->lag, &c->caplag, c->nlag + 1, sizeof *c->lag) <
        0)
        return -ENOMEM;
    c->lag[c->nlag++] = (check__lag_t){t, ms, (uint8_t)f, (uint8_t)o};
    return 0;
}

/*
 * Replication lag from status samples, by interpolation: between two
 * samples of origin o, o's applied[o] is taken to grow linearly. For a
 * follower sample at time t holding a = applied[o], the lag is t minus the
 * time o reached a, or 0 if by then o had nothing newer. Sampling every
 * 200 ms thus still resolves lags of a few milliseconds.
 */
static int s_lag(check_t *c, hist_t *h)
{
    for (int o = 0; o < c->nnodes; o++) {
        const check__samples_t *so = &c->samples[o];
        /* o's own series: (t, applied[o]), non-decreasing. */
        size_t n = 0;
        int64_t *ot = malloc((so->n + 1) * sizeof *ot);
        uint64_t *ov = malloc((so->n + 1) * sizeof *ov);
        if (!ot || !ov) {
            free(ot);
            free(ov);
            return -ENOMEM;
        }
        for (size_t i = 0; i < so->n; i++) {
            if (!(so->v[i].have >> o & 1))
                continue;
            uint64_t v = so->v[i].applied[o];
            ot[n] = so->v[i].t;
            ov[n] = n && ov[n - 1] > v ? ov[n - 1] : v;
            n++;
        }
        if (n < 2 || ov[n - 1] == 0) {
            free(ot);
            free(ov);
            continue; /* not an origin, or too few samples */
        }
        for (int f = 0; f < c->nnodes; f++) {
            const check__samples_t *sf = &c->samples[f];
            if (f == o)
                continue;
            size_t k = 0; /* first o sample at or after the follower's */
            for (size_t j = 0; j < sf->n; j++) {
                const check__sample_t *x = &sf->v[j];
                if (!(x->have >> o & 1))
                    continue;
                int64_t t = x->t;
                uint64_t a = x->applied[o];
                while (k < n && ot[k] < t)
                    k++;
                if (k == 0)
                    continue; /* before o's first sample: nothing known */
                /* o's applied at time t, interpolated; after o's last
                 * sample, taken as its last value. */
                double at_t = (double)ov[n - 1];
                if (k < n) {
                    double span = (double)(ot[k] - ot[k - 1]);
                    at_t = (double)ov[k - 1] + (double)(ov[k] - ov[k - 1]) *
                                                   (double)(t - ot[k - 1]) /
                                                   (span > 0 ? span : 1);
                }
                double lag_ns = 0;
                if ((double)a < at_t) {
                    /* When did o reach a? Search back to its segment; if o
                     * already had a at its first sample, that sample's
                     * time gives a lower bound. */
                    size_t i = k < n ? k : n - 1;
                    while (i > 0 && ov[i - 1] >= a)
                        i--;
                    double reach = (double)ot[0];
                    if (i > 0) {
                        double seg = (double)(ov[i] - ov[i - 1]);
                        reach = (double)ot[i - 1] +
                                (double)(ot[i] - ot[i - 1]) *
                                    ((double)a - (double)ov[i - 1]) /
                                    (seg > 0 ? seg : 1);
                    }
                    lag_ns = (double)t - reach;
                    if (lag_ns < 0)
                        lag_ns = 0;
                }
                hist_add(h, (uint64_t)(lag_ns / 1000));
                if (s_lag_add(c, t, lag_ns / 1e6, f, o) < 0) {
                    free(ot);
                    free(ov);
                    return -ENOMEM;
                }
            }
        }
        free(ot);
        free(ov);
    }
    return 0;
}

static int s_sample_cmp(const void *a, const void *b)
{
    const check__sample_t *x = a, *y = b;
    return x->t < y->t ? -1 : x->t > y->t;
}

int check__lag(check_t *c)
{
    check_results_t *r = &c->r;
    hist_t *h = calloc(1, sizeof *h);
    if (!h)
        return -ENOMEM;
    for (int n = 0; n < c->nnodes; n++)
        if (c->samples[n].n > 1)
            qsort(c->samples[n].v, c->samples[n].n, sizeof(check__sample_t),
                  s_sample_cmp);
    if (s_lag(c, h) < 0) {
        free(h);
        return -ENOMEM;
    }
    r->lag_points = h->count;
    r->lag_p50_ms = h->count ? hist_quantile(h, 0.5) / 1e3 : NAN;
    r->lag_p99_ms = h->count ? hist_quantile(h, 0.99) / 1e3 : NAN;
    r->lag_max_ms = h->count ? (double)h->max / 1e3 : NAN;
    free(h);
    return 0;
}
