/*
 * check_thresholds.c - the metric table (every path of summary.json a
 * threshold may name, and where its value lives), thresholds, and the
 * verdict. docs/metrics.md, section 9.
 *
 * The verdict is decided here and only here: pass if every threshold
 * holds, the defaults included.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "check_internal.h"

const char *const check__th_ops[] = {">=", "<=", "==", "<", ">"};

enum { M_U64, M_DBL };
/* Null policy: a threshold on a null metric fails (it was not shown to
 * hold), except where null means "nothing to hold against". */
enum { NULL_FAILS = 0, NULL_PASSES = 1 };
/* needs: 1 if the metric is null when no node was dumped. */
typedef struct {
    const char *path;
    size_t off;
    int kind, null_policy, needs_dumps;
} s_metric_t;

#define MU(path, f)                                                            \
    {                                                                          \
        path, offsetof(check_results_t, f), M_U64, NULL_FAILS, 0               \
    }
#define MD(path, f)                                                            \
    {                                                                          \
        path, offsetof(check_results_t, f), M_DBL, NULL_FAILS, 0               \
    }
#define MDUMP(path, f)                                                         \
    {                                                                          \
        path, offsetof(check_results_t, f), M_U64, NULL_FAILS, 1               \
    }

static const s_metric_t s_metrics[] = {
    MD("availability.write", avail_write),
    MD("availability.read", avail_read),
    {"availability.write_in_faults",
     offsetof(check_results_t, avail_write_in_faults), M_DBL, NULL_PASSES, 0},
    {"availability.read_in_faults",
     offsetof(check_results_t, avail_read_in_faults), M_DBL, NULL_PASSES, 0},
    MD("availability.by_op.write", avail_op[CHECK_OP_WRITE]),
    MD("availability.by_op.read", avail_op[CHECK_OP_READ]),
    MD("availability.by_op.delete", avail_op[CHECK_OP_DELETE]),
    MD("availability.longest_write_gap_ms", longest_write_gap_ms),
    MD("availability.write_outage_s", write_outage_s),
    MU("consistency.realtime_inversions", realtime_inversions),
    MD("consistency.realtime_inversions_per_1k_writes",
       realtime_inversions_per_1k),
    MDUMP("lost_writes.total", lost_total),
    MDUMP("lost_writes.missing", lost_missing),
    MDUMP("lost_writes.stale_final", lost_stale_final),
    MDUMP("lost_writes.realtime_reordered", lost_realtime_reordered),
    MU("lost_writes.overwritten_concurrent", overwritten_concurrent),
    MU("stale_reads.count", stale_reads),
    MD("stale_reads.fraction", stale_fraction),
    MD("stale_reads.versions_behind.p50", stale_versions_p50),
    MD("stale_reads.versions_behind.max", stale_versions_max),
    MD("stale_reads.ms_behind.p50", stale_ms_p50),
    MD("stale_reads.ms_behind.max", stale_ms_max),
    MU("ryw_violations", ryw_violations),
    MU("monotonic_read_violations", monotonic_read_violations),
    MDUMP("divergent_keys", divergent_keys),
    MD("convergence_ms", convergence_ms),
    MD("replication_lag_ms.p50", lag_p50_ms),
    MD("replication_lag_ms.p99", lag_p99_ms),
    MD("replication_lag_ms.max", lag_max_ms),
    MD("throughput.write_ok_per_s", write_ok_per_s),
    MD("throughput.ops_ok_per_s", ops_ok_per_s),
    MD("latency_ms.p50", latency_p50_ms),
    MD("latency_ms.p99", latency_p99_ms),
    MD("latency_ms.max", latency_max_ms),
    MD("latency_ms.write.p50", latency_op_ms[CHECK_OP_WRITE][0]),
    MD("latency_ms.write.p99", latency_op_ms[CHECK_OP_WRITE][1]),
    MD("latency_ms.read.p50", latency_op_ms[CHECK_OP_READ][0]),
    MD("latency_ms.read.p99", latency_op_ms[CHECK_OP_READ][1]),
    MD("latency_ms.delete.p50", latency_op_ms[CHECK_OP_DELETE][0]),
    MD("latency_ms.delete.p99", latency_op_ms[CHECK_OP_DELETE][1]),
    MU("history_errors", history_errors),
    MU("shared_pairs", shared_pairs),
    MU("ops.skipped", skipped),
    MU("ops.skipped_late", skipped_late),
    MU("dump_errors", dump_errors),
};
#define NMETRICS (sizeof s_metrics / sizeof s_metrics[0])

const char *const *check_metric_names(void)
{
    static const char *names[NMETRICS + 1];
    if (!names[0])
        for (size_t i = 0; i < NMETRICS; i++)
            names[i] = s_metrics[i].path;
    return names;
}

static const s_metric_t *s_metric(const char *path)
{
    for (size_t i = 0; i < NMETRICS; i++)
        if (!strcmp(s_metrics[i].path, path))
            return &s_metrics[i];
    return NULL;
}

static int s_metric_value(const check_t *c, const s_metric_t *m, double *out)
{
    const char *base = (const char *)&c->r;
    if (m->needs_dumps && c->r.dumped_nodes == 0)
        return 1;
    if (m->kind == M_U64) {
        uint64_t v;
        memcpy(&v, base + m->off, sizeof v);
        *out = (double)v;
        return 0;
    }
    memcpy(out, base + m->off, sizeof *out);
    return isnan(*out) ? 1 : 0;
}

int check_metric(const check_t *c, const char *path, double *out)
{
    const s_metric_t *m = s_metric(path);
    if (!m)
        return MM_ERR_UNKNOWN;
    return s_metric_value(c, m, out);
}

static int s_add_threshold(check_t *c, const char *metric, int op, double v,
                           int is_default)
{
    if (check__grow((void **)&c->th, &c->capth, c->nth + 1, sizeof *c->th) < 0)
        return -ENOMEM;
    check__threshold_t *t = &c->th[c->nth++];
    memset(t, 0, sizeof *t);
    snprintf(t->metric, sizeof t->metric, "%s", metric);
    t->op = op;
    t->value = v;
    t->is_default = is_default;
    return 0;
}

int check_add_threshold(check_t *c, const char *text, char *err, size_t errlen)
{
    const char *s = text;
    char metric[64];
    size_t n = 0;
    while (*s == ' ' || *s == '\t')
        s++;
    while ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
           (*s >= '0' && *s <= '9') || *s == '_' || *s == '.') {
        if (n + 1 >= sizeof metric)
            return check__err(err, errlen, MM_ERR_UNKNOWN,
                              "unknown metric in threshold '%s'", text);
        metric[n++] = *s++;
    }
    metric[n] = '\0';
    if (n == 0)
        return check__err(err, errlen, MM_ERR_CONFIG,
                          "threshold '%s': expected 'METRIC OP NUMBER'", text);
    while (*s == ' ' || *s == '\t')
        s++;
    int op = -1;
    for (int i = 0; i < 5 && op < 0; i++) {
        size_t l = strlen(check__th_ops[i]);
        if (!strncmp(s, check__th_ops[i], l)) {
            op = i;
            s += l;
        }
    }
    if (op < 0)
        return check__err(
            err, errlen, MM_ERR_CONFIG,
            "threshold '%s': the operator must be one of >= <= == "
            "< >",
            text);
    char *end;
    double v = strtod(s, &end);
    if (end == s || isnan(v))
        return check__err(err, errlen, MM_ERR_CONFIG,
                          "threshold '%s': expected a number after %s", text,
                          check__th_ops[op]);
    while (*end == ' ' || *end == '\t')
        end++;
    if (*end)
        return check__err(err, errlen, MM_ERR_CONFIG,
                          "threshold '%s': unexpected '%s' after the number",
                          text, end);
    if (!s_metric(metric))
        return check__err(
            err, errlen, MM_ERR_UNKNOWN,
            "threshold '%s': unknown metric '%s' (mm-check --help "
            "lists them)",
            text, metric);
    if (s_add_threshold(c, metric, op, v, 0) < 0)
        return check__err(err, errlen, -ENOMEM, "out of memory");
    return 0;
}

void check__thresholds(check_t *c)
{
    /* What every run must keep unless one of the caller's thresholds
     * names the metric (for lost writes, any of its classes: a scenario
     * built to show LWW losing writes says which classes it tolerates,
     * say lost_writes.missing <= 0 alone): no lost writes, no divergence,
     * and a history that could be read in full, since a metric computed
     * over a history with skipped or contradictory lines is not one to
     * trust. */
    static const char *const defaults[] = {"lost_writes.total",
                                           "divergent_keys", "history_errors"};
    static const char *const families[] = {"lost_writes.", "divergent_keys",
                                           "history_errors"};
    for (size_t d = 0; d < 3; d++) {
        int named = 0;
        for (size_t i = 0; i < c->nth && !named; i++)
            named = !c->th[i].is_default &&
                    !strncmp(c->th[i].metric, families[d], strlen(families[d]));
        if (!named)
            s_add_threshold(c, defaults[d], TH_EQ, 0, 1);
    }
    c->r.passed = 1;
    for (size_t i = 0; i < c->nth; i++) {
        check__threshold_t *t = &c->th[i];
        const s_metric_t *m = s_metric(t->metric);
        double v = 0;
        t->null = s_metric_value(c, m, &v) != 0;
        t->actual = t->null ? NAN : v;
        if (t->null) {
            t->pass = m->null_policy == NULL_PASSES;
        } else {
            switch (t->op) {
            case TH_GE:
                t->pass = v >= t->value;
                break;
            case TH_LE:
                t->pass = v <= t->value;
                break;
            case TH_EQ:
                t->pass = v == t->value;
                break;
            case TH_LT:
                t->pass = v < t->value;
                break;
            default:
                t->pass = v > t->value;
            }
        }
        if (!t->pass)
            c->r.passed = 0;
    }
}
