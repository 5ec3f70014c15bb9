/*
 * check_speed.c - throughput (successful writes and operations per second
 * of load) and latency percentiles (completion minus invoke of every ok
 * operation). docs/metrics.md, section 8.
 */
#include <math.h>
#include "check_internal.h"

/* p50, p99 and max of h in milliseconds (h holds microseconds). */
static void s_percentiles(const hist_t *h, double *p50, double *p99,
                          double *max)
{
    *p50 = h->count ? hist_quantile(h, 0.5) / 1e3 : NAN;
    *p99 = h->count ? hist_quantile(h, 0.99) / 1e3 : NAN;
    *max = h->count ? (double)h->max / 1e3 : NAN;
}

void check__speed(check_t *c)
{
    check_results_t *r = &c->r;
    for (int k = 0; k < 4; k++)
        hist_reset(&c->h_lat[k]);
    for (size_t i = 0; i < c->nops; i++) {
        const check__op_t *op = &c->ops[i];
        if (op->out != OUT_OK)
            continue;
        uint64_t us = (uint64_t)(op->t_done - op->t_inv) / 1000;
        hist_add(&c->h_lat[op->f], us);
        hist_add(&c->h_lat[3], us);
    }
    for (int f = 0; f < 3; f++)
        s_percentiles(&c->h_lat[f], &r->latency_op_ms[f][0],
                      &r->latency_op_ms[f][1], &r->latency_op_ms[f][2]);
    s_percentiles(&c->h_lat[3], &r->latency_p50_ms, &r->latency_p99_ms,
                  &r->latency_max_ms);
    uint64_t wok = r->ops[CHECK_OP_WRITE].ok + r->ops[CHECK_OP_DELETE].ok;
    int64_t end = c->have_load_end ? c->load_end : c->last_done;
    double secs = (double)(end - c->first_invoke) / 1e9;
    r->write_ok_per_s = secs > 0 ? (double)wok / secs : NAN;
    r->ops_ok_per_s =
        secs > 0 ? (double)(wok + r->ops[CHECK_OP_READ].ok) / secs : NAN;
}
