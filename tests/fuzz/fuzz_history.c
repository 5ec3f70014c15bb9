/*
 * fuzz_history.c - the history checker (experiments/check/) fed whatever
 * lines an experiment's files could hold.
 *
 * mm-check reads a history written by mm-load and the runner, final
 * dumps written by mmctl, and thresholds from its command line; a damaged
 * or hand-edited file must give a counted error, never a crash or a wrong
 * summary.json. An input is a small run, one line each:
 *
 *     #threshold TEXT   check_add_threshold(TEXT)
 *     #dump NODE        check_begin_dump(NODE); the lines after it are
 *                       NODE's dump lines (key TAB value TAB stamp TAB
 *                       origin)
 *     anything else     a history line (before the first #dump) or a
 *                       dump line (after it)
 *
 * for a cluster of m1, m2, r1 and r2 (the nodes mm-genhistory writes). After
 * the last line the check is finished and every output written; this checks
 * that:
 *
 *   - each feed answers 0 or the documented error, with a reason, and the
 *     summary counts the lines and the errors it was fed;
 *   - every metric path resolves, rates are fractions, windows end after
 *     they start, witnesses stay within CHECK_WITNESS_MAX;
 *   - summary.json is valid JSON (cJSON parses it back), whatever keys,
 *     values and fault descriptions the lines carried.
 */
#include <math.h>
#include <cJSON.h>
#include "check.h"
#include "fuzz.h"

typedef struct {
    uint64_t history_fed, history_bad, dump_bad;
} s_counts_t;

/* 0, or one of the two errors the call documents, with a reason. */
static int s_answer_ok(int rc, const char *err, int code1, int code2)
{
    return rc == 0 || ((rc == code1 || rc == code2) && err[0] != '\0');
}

/* Whether line is "PREFIX REST"; copies REST into arg. */
static int s_directive(const char *line, size_t len, const char *prefix,
                       char *arg, size_t cap)
{
    size_t n = strlen(prefix);

    if (len <= n || memcmp(line, prefix, n) != 0)
        return 0;
    snprintf(arg, cap, "%.*s", (int)(len - n), line + n);
    return 1;
}

/* One input line; the line is a heap copy of exactly its bytes. */
static void s_feed(check_t *c, const char *line, size_t len, int *dumping,
                   s_counts_t *n)
{
    char err[256] = "", arg[64];
    int rc;

    if (s_directive(line, len, "#threshold ", arg, sizeof arg)) {
        rc = check_add_threshold(c, arg, err, sizeof err);
        FUZZ_CHECK(s_answer_ok(rc, err, MM_ERR_UNKNOWN, MM_ERR_CONFIG));
    } else if (s_directive(line, len, "#dump ", arg, sizeof arg)) {
        rc = check_begin_dump(c, arg, err, sizeof err);
        FUZZ_CHECK(s_answer_ok(rc, err, MM_ERR_UNKNOWN, MM_ERR_STATE));
        *dumping = 1;
    } else if (!*dumping) {
        size_t k = 0, end = len;
        while (end > 0 && (line[end - 1] == '\n' || line[end - 1] == '\r'))
            end--;
        while (k < end && (line[k] == ' ' || line[k] == '\t'))
            k++;
        n->history_fed += k < end;
        rc = check_feed_history_line(c, line, len, err, sizeof err);
        FUZZ_CHECK(s_answer_ok(rc, err, MM_ERR_CORRUPT, MM_ERR_CORRUPT));
        n->history_bad += rc != 0;
    } else {
        rc = check_feed_dump_line(c, line, len, err, sizeof err);
        FUZZ_CHECK(s_answer_ok(rc, err, MM_ERR_CORRUPT, MM_ERR_STATE));
        n->dump_bad += rc == MM_ERR_CORRUPT;
    }
}

static int s_fraction(double v)
{
    return isnan(v) || (v >= 0 && v <= 1);
}

static void s_check_results(const check_t *c, const s_counts_t *n)
{
    const check_results_t *r = check_results(c);
    double v;

    FUZZ_CHECK(r->history_lines == n->history_fed);
    FUZZ_CHECK(r->history_errors >= n->history_bad);
    FUZZ_CHECK(r->dump_errors == n->dump_bad);
    FUZZ_CHECK(s_fraction(r->avail_write) && s_fraction(r->avail_read));
    FUZZ_CHECK(s_fraction(r->avail_write_in_faults) &&
               s_fraction(r->avail_read_in_faults));
    FUZZ_CHECK(s_fraction(r->stale_fraction));
    for (int f = 0; f < 3; f++)
        FUZZ_CHECK(s_fraction(r->avail_op[f]));
    for (const char *const *p = check_metric_names(); *p; p++) {
        int rc = check_metric(c, *p, &v);
        FUZZ_CHECK(rc == 0 || rc == 1);
    }
    for (size_t i = 0; i < check_window_count(c); i++) {
        const check_window_t *w = check_window(c, i);
        FUZZ_CHECK(isnan(w->stop_s) || w->stop_s >= w->start_s);
        FUZZ_CHECK(s_fraction(w->avail_write) && s_fraction(w->avail_read));
    }
    for (int a = 0; a < CHECK_ANOMALIES; a++) {
        size_t k = check_witness_count(c, (check_anomaly_t)a);
        FUZZ_CHECK(k <= CHECK_WITNESS_MAX);
        for (size_t i = 0; i < k; i++)
            FUZZ_CHECK(check_witness(c, (check_anomaly_t)a, i) != NULL);
    }
}

/* Every output is written; summary.json parses back as JSON. */
static void s_check_outputs(const check_t *c)
{
    int (*const writers[])(const check_t *, FILE *) = {
        check_write_summary, check_write_series_csv, check_write_latency_csv,
        check_write_lag_csv, check_write_faults_csv, check_write_report,
    };

    for (size_t i = 0; i < sizeof writers / sizeof writers[0]; i++) {
        char *text = NULL;
        size_t len = 0;
        FILE *mem = open_memstream(&text, &len);
        FUZZ_CHECK(mem != NULL);
        FUZZ_CHECK(writers[i](c, mem) == 0);
        FUZZ_CHECK(fclose(mem) == 0);
        if (i == 0) {
            cJSON *json = cJSON_ParseWithLength(text, len);
            FUZZ_CHECK(json != NULL && cJSON_IsObject(json));
            cJSON_Delete(json);
        }
        free(text);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const nodes[] = {"m1", "m2", "r1", "r2"};
    /* Hour-wide buckets: a fuzzed history spans any time, and 100,000
     * rows of series.csv per input would be most of the run's time. */
    check_opts_t o = {
        .nodes = nodes, .nnodes = 4, .scenario = "fuzz", .bucket_ms = 3600000};
    s_counts_t n = {0};
    const uint8_t *line;
    size_t at = 0, len;
    int dumping = 0;
    char err[256];
    check_t *c = check_new(&o, err, sizeof err);

    FUZZ_CHECK(c != NULL);
    while ((line = fuzz_next_line(data, size, &at, &len)) != NULL) {
        /* An exact copy, so a read past the line's end is caught. */
        char *copy = malloc(len > 0 ? len : 1);
        FUZZ_CHECK(copy != NULL);
        if (len > 0)
            memcpy(copy, line, len);
        s_feed(c, copy, len, &dumping, &n);
        free(copy);
    }
    FUZZ_CHECK(check_finish(c) == 0);
    s_check_results(c, &n);
    s_check_outputs(c);
    check_destroy(&c);
    FUZZ_CHECK(c == NULL);
    return 0;
}
