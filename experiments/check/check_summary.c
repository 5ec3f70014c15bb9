/*
 * check_summary.c - summary.json: the verdict, every metric, the fault
 * windows, the thresholds and the witnesses, in one JSON object that the
 * report and scripts read (docs/metrics.md, section 10).
 *
 * A small writer of its own rather than a JSON library: the object is
 * written once, in a fixed order, with numbers formatted so that a whole
 * number prints as one (3, not 3.0) and a metric that could not be
 * measured prints as null.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include "check_internal.h"

static void s_jnum(FILE *out, double v)
{
    if (isnan(v) || isinf(v))
        fputs("null", out);
    else if (v == floor(v) && fabs(v) < 1e15)
        fprintf(out, "%.0f", v);
    else
        fprintf(out, "%.6g", v);
}

static void s_jstring(FILE *out, const char *s)
{
    if (!s) {
        fputs("null", out);
        return;
    }
    fputc('"', out);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(out, "\\%c", *p);
        else if (*p == '\n')
            fputs("\\n", out);
        else if (*p == '\t')
            fputs("\\t", out);
        else if (*p < 0x20)
            fprintf(out, "\\u%04x", *p);
        else
            fputc(*p, out);
    }
    fputc('"', out);
}

static void s_jkv(FILE *out, const char *k, double v, int comma)
{
    fprintf(out, "%s\"%s\":", comma ? "," : "", k);
    s_jnum(out, v);
}

/* "p50":..,"p99":..,"max":.. (after a comma if comma). */
static void s_jpercentiles(FILE *out, const double v[3], int comma)
{
    s_jkv(out, "p50", v[0], comma);
    s_jkv(out, "p99", v[1], 1);
    s_jkv(out, "max", v[2], 1);
}

/* A metric as written into summary.json (null where check_metric is). */
static double s_mv(const check_t *c, const char *path)
{
    double v;
    return check_metric(c, path, &v) == 0 ? v : NAN;
}

static void s_json_counts(FILE *out, const char *name, const check_counts_t *k)
{
    fprintf(out,
            "\"%s\":{\"ok\":%llu,\"fail\":%llu,\"info\":%llu,\"skip\":%llu}",
            name, (unsigned long long)k->ok, (unsigned long long)k->fail,
            (unsigned long long)k->info, (unsigned long long)k->skip);
}

/* The run, the input and the operation counts. */
static void s_head(const check_t *c, FILE *out)
{
    const check_results_t *r = &c->r;
    fprintf(out,
            "{\"verdict\":\"%s\",\"scenario\":", r->passed ? "pass" : "fail");
    s_jstring(out, c->have_scenario ? c->scenario : NULL);
    fputs(",\"seed\":", out);
    if (c->have_seed)
        fprintf(out, "%llu", (unsigned long long)c->seed);
    else
        fputs("null", out);
    fputs(",\"nodes\":[", out);
    for (int n = 0; n < c->nnodes; n++) {
        fputs(n ? "," : "", out);
        s_jstring(out, c->names[n]);
    }
    fprintf(out,
            "],\"history_lines\":%llu,\"history_errors\":%llu,"
            "\"shared_pairs\":%llu,\"dump_errors\":%llu,\"dumped_nodes\":%d,",
            (unsigned long long)r->history_lines,
            (unsigned long long)r->history_errors,
            (unsigned long long)r->shared_pairs,
            (unsigned long long)r->dump_errors, r->dumped_nodes);
    s_jkv(out, "duration_s", r->duration_s, 0);
    fputs(",\"ops\":{", out);
    s_json_counts(out, "write", &r->ops[CHECK_OP_WRITE]);
    fputc(',', out);
    s_json_counts(out, "read", &r->ops[CHECK_OP_READ]);
    fputc(',', out);
    s_json_counts(out, "delete", &r->ops[CHECK_OP_DELETE]);
    fprintf(out,
            ",\"unfinished\":%llu,\"skipped\":%llu,\"skipped_late\":%llu},",
            (unsigned long long)r->unfinished, (unsigned long long)r->skipped,
            (unsigned long long)r->skipped_late);
}

/* "availability" and "windows". */
static void s_availability(const check_t *c, FILE *out)
{
    const check_results_t *r = &c->r;
    fputs("\"availability\":{", out);
    s_jkv(out, "write", r->avail_write, 0);
    s_jkv(out, "read", r->avail_read, 1);
    s_jkv(out, "write_in_faults", r->avail_write_in_faults, 1);
    s_jkv(out, "read_in_faults", r->avail_read_in_faults, 1);
    fputs(",\"by_op\":{", out);
    s_jkv(out, "write", r->avail_op[CHECK_OP_WRITE], 0);
    s_jkv(out, "read", r->avail_op[CHECK_OP_READ], 1);
    s_jkv(out, "delete", r->avail_op[CHECK_OP_DELETE], 1);
    fputc('}', out);
    s_jkv(out, "longest_write_gap_ms", r->longest_write_gap_ms, 1);
    s_jkv(out, "longest_write_gap_start_s", r->longest_write_gap_start_s, 1);
    s_jkv(out, "write_outage_s", r->write_outage_s, 1);
    fputs("},\"windows\":[", out);
    for (size_t k = 0; k < c->nwin; k++) {
        const check_window_t *w = &c->win[k].pub;
        fprintf(out, "%s{\"id\":%lld,\"fault\":", k ? "," : "",
                (long long)w->id);
        s_jstring(out, w->fault);
        fputs(",\"desc\":", out);
        s_jstring(out, w->desc);
        s_jkv(out, "start_s", w->start_s, 1);
        s_jkv(out, "stop_s", w->stop_s, 1);
        s_jkv(out, "write", w->avail_write, 1);
        s_jkv(out, "read", w->avail_read, 1);
        s_jkv(out, "longest_write_gap_ms", w->longest_write_gap_ms, 1);
        fprintf(
            out, ",\"stale_reads\":%llu,\"lost_writes\":%llu,\"skipped\":%llu}",
            (unsigned long long)w->stale_reads,
            (unsigned long long)w->lost_writes, (unsigned long long)w->skipped);
    }
    fputs("],", out);
}

/* "lost_writes", with every dumped node's counts, and "consistency". */
static void s_lost(const check_t *c, FILE *out)
{
    const check_results_t *r = &c->r;
    fputs("\"lost_writes\":{", out);
    s_jkv(out, "total", s_mv(c, "lost_writes.total"), 0);
    s_jkv(out, "missing", s_mv(c, "lost_writes.missing"), 1);
    s_jkv(out, "stale_final", s_mv(c, "lost_writes.stale_final"), 1);
    s_jkv(out, "realtime_reordered", s_mv(c, "lost_writes.realtime_reordered"),
          1);
    s_jkv(out, "overwritten_concurrent", (double)r->overwritten_concurrent, 1);
    fputs(",\"worst_node\":", out);
    s_jstring(out,
              r->lost_worst_node >= 0 ? c->names[r->lost_worst_node] : NULL);
    fputs(",\"by_node\":{", out);
    int first = 1;
    for (int n = 0; n < c->nnodes; n++) {
        if (!(c->dumped & (1u << n)))
            continue;
        const uint64_t *v = r->lost_by_node[n];
        fprintf(out,
                "%s\"%s\":{\"total\":%llu,\"missing\":%llu,"
                "\"stale_final\":%llu,\"realtime_reordered\":%llu}",
                first ? "" : ",", c->names[n], (unsigned long long)v[0],
                (unsigned long long)v[1], (unsigned long long)v[2],
                (unsigned long long)v[3]);
        first = 0;
    }
    fputs("}},\"consistency\":{", out);
    s_jkv(out, "realtime_inversions", (double)r->realtime_inversions, 0);
    s_jkv(out, "realtime_inversions_per_1k_writes",
          r->realtime_inversions_per_1k, 1);
    fputs("},", out);
}

/* Reads, convergence, lag, throughput and latency. */
static void s_reads_and_speed(const check_t *c, FILE *out)
{
    const check_results_t *r = &c->r;
    fprintf(out, "\"stale_reads\":{\"count\":%llu",
            (unsigned long long)r->stale_reads);
    s_jkv(out, "fraction", r->stale_fraction, 1);
    fputs(",\"versions_behind\":{", out);
    s_jkv(out, "p50", r->stale_versions_p50, 0);
    s_jkv(out, "max", r->stale_versions_max, 1);
    fputs("},\"ms_behind\":{", out);
    s_jkv(out, "p50", r->stale_ms_p50, 0);
    s_jkv(out, "max", r->stale_ms_max, 1);
    fprintf(out,
            "}},\"ryw_violations\":%llu,\"monotonic_read_violations\":%llu,",
            (unsigned long long)r->ryw_violations,
            (unsigned long long)r->monotonic_read_violations);
    s_jkv(out, "divergent_keys", s_mv(c, "divergent_keys"), 0);
    s_jkv(out, "convergence_ms", r->convergence_ms, 1);
    fprintf(out, ",\"replication_lag_ms\":{\"points\":%llu",
            (unsigned long long)r->lag_points);
    s_jpercentiles(out, (double[]){r->lag_p50_ms, r->lag_p99_ms, r->lag_max_ms},
                   1);
    fputs("},\"throughput\":{", out);
    s_jkv(out, "write_ok_per_s", r->write_ok_per_s, 0);
    s_jkv(out, "ops_ok_per_s", r->ops_ok_per_s, 1);
    fputs("},\"latency_ms\":{", out);
    s_jpercentiles(
        out,
        (double[]){r->latency_p50_ms, r->latency_p99_ms, r->latency_max_ms}, 0);
    static const char *const opn[] = {"write", "read", "delete"};
    for (int f = 0; f < 3; f++) {
        fprintf(out, ",\"%s\":{", opn[f]);
        s_jpercentiles(out, r->latency_op_ms[f], 0);
        fputc('}', out);
    }
    fputs("},", out);
}

/* Every threshold with its outcome, and the witnesses. */
static void s_verdicts(const check_t *c, FILE *out)
{
    fputs("\"thresholds\":[", out);
    for (size_t i = 0; i < c->nth; i++) {
        const check__threshold_t *t = &c->th[i];
        fprintf(out, "%s{\"metric\":", i ? "," : "");
        s_jstring(out, t->metric);
        fprintf(out, ",\"op\":\"%s\"", check__th_ops[t->op]);
        s_jkv(out, "value", t->value, 1);
        s_jkv(out, "actual", t->actual, 1);
        fprintf(out, ",\"pass\":%s,\"default\":%s}", t->pass ? "true" : "false",
                t->is_default ? "true" : "false");
    }
    fputs("],\"witnesses\":{", out);
    for (int a = 0; a < CHECK_ANOMALIES; a++) {
        fprintf(out, "%s\"%s\":[", a ? "," : "",
                check_anomaly_name((check_anomaly_t)a));
        for (size_t i = 0; i < c->nwit[a]; i++) {
            const check__witness_t *w = &c->wit[a][i];
            fprintf(out, "%s{\"t_s\":%.3f,\"key\":", i ? "," : "", w->t_s);
            s_jstring(out, check__key_name(c, w->key));
            fputs(",\"text\":", out);
            s_jstring(out, w->text);
            fputc('}', out);
        }
        fputc(']', out);
    }
    fputs("}", out);
}

int check_write_summary(const check_t *c, FILE *out)
{
    s_head(c, out);
    s_availability(c, out);
    s_lost(c, out);
    s_reads_and_speed(c, out);
    s_verdicts(c, out);
    fputs("}\n", out);
    return ferror(out) ? -EIO : 0;
}
