/*
 * check.h - the history checker: judges what a run's clients saw (the
 * history, docs/history.md) against what its nodes ended with (the final
 * dumps), and computes the metrics of docs/metrics.md.
 *
 * The core is pure: the caller reads the files and feeds them line by line,
 * and hands in the FILE to write each output to. A check runs in four steps:
 *
 *     check_new()                 the node order (node id = position + 1)
 *     check_add_threshold() ...   optional, any time before check_finish()
 *     check_feed_history_line()   every history line, first to last
 *     check_begin_dump()          per node: then that node's dump lines
 *     check_feed_dump_line() ...
 *     check_finish()              computes everything, once
 *     check_results() / check_write_summary() / check_write_*_csv()
 *
 * Every history line must be fed before the first dump line: a dump value is
 * matched to the write that produced it as it arrives. A malformed line is
 * counted (history_errors, dump_errors), described in err, and skipped; it
 * never stops the check, but history errors fail the verdict unless a
 * threshold allows them.
 *
 * Times in results and sentences are seconds (or milliseconds) since the
 * first history event. A "pair" is (stamp, origin), compared stamp first
 * and then by the origin's node id, exactly as lww.h decides.
 */
#ifndef MM_CHECK_H
#define MM_CHECK_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "err.h"

#define CHECK_NAME_MAX 32 /* longest node name, with its NUL */
#define CHECK_WITNESS_MAX 8

typedef struct check check_t;

typedef struct {
    /* Node names in `mmctl nodes` order; node id = index + 1. Copied. */
    const char *const *nodes;
    int nnodes;
    const char *scenario; /* copied; NULL: none */
    int have_seed;
    uint64_t seed;
    int bucket_ms;    /* series.csv bucket width; 0: 250 */
    int latency_rows; /* latency.csv sampling cap; 0: 50000 */
} check_opts_t;

/* The anomaly types that get witnesses (explained examples). */
typedef enum {
    CHECK_STALE_READ = 0,
    CHECK_RYW_VIOLATION,
    CHECK_MONOTONIC_READ_VIOLATION,
    CHECK_LOST_MISSING,
    CHECK_LOST_STALE_FINAL,
    CHECK_LOST_REALTIME_REORDERED,
    CHECK_DIVERGENT_KEY,
    CHECK_OVERWRITTEN_CONCURRENT,
    CHECK_REALTIME_INVERSION,
    CHECK_SHARED_PAIR,
    CHECK_ANOMALIES
} check_anomaly_t;

/* Operation types, as in a history's "f" field. */
typedef enum { CHECK_OP_WRITE = 0, CHECK_OP_READ, CHECK_OP_DELETE } check_op_t;

/* Outcomes; skip: scheduled by an open-loop client but never sent. */
typedef struct {
    uint64_t ok, fail, info, skip;
} check_counts_t;

/*
 * Every metric of one run. A double that is NaN means null: not measurable
 * in this run (no reads, no faults, no converged event, no dumps...).
 */
typedef struct {
    uint64_t history_lines, dump_errors;
    uint64_t history_errors; /* bad lines, repeated values, shared_pairs */
    uint64_t shared_pairs;   /* acked writes whose pair another one has */
    uint64_t unfinished;     /* invoked, never completed: counted as info */
    uint64_t skipped;        /* skip lines, all types */
    uint64_t skipped_late;   /* skips mm-load's own lateness caused:
                                not counted in availability */
    check_counts_t ops[3];   /* by check_op_t */
    double duration_s;       /* first to last history event */

    double avail_write, avail_read; /* write = writes + deletes */
    double avail_write_in_faults, avail_read_in_faults;
    double avail_op[3]; /* by check_op_t */
    double longest_write_gap_ms, longest_write_gap_start_s;
    double write_outage_s; /* gaps between ok writes longer than 1 s */

    int dumped_nodes;
    int lost_worst_node; /* node index, -1 if nothing was dumped */
    uint64_t lost_total, lost_missing, lost_stale_final,
        lost_realtime_reordered; /* on the worst node */
    uint64_t lost_by_node[MM_MAX_NODES]
                         [4]; /* [node][total, missing, stale, rt] */
    uint64_t overwritten_concurrent;

    /* Acked writes LWW ranks below an acked write of the same key that
     * completed before they were invoked; and per 1,000 acked writes. */
    uint64_t realtime_inversions;
    double realtime_inversions_per_1k;

    uint64_t stale_reads;
    double stale_fraction;
    double stale_versions_p50, stale_versions_max;
    double stale_ms_p50, stale_ms_max;
    uint64_t ryw_violations, monotonic_read_violations;

    uint64_t divergent_keys;
    double convergence_ms;

    uint64_t lag_points;
    double lag_p50_ms, lag_p99_ms, lag_max_ms;

    double write_ok_per_s, ops_ok_per_s;
    double latency_p50_ms, latency_p99_ms, latency_max_ms;
    double latency_op_ms[3][3]; /* [check_op_t][p50, p99, max] */

    int passed; /* every threshold holds */
} check_results_t;

/* One fault window, between a fault's start and its stop. */
typedef struct {
    int64_t id;
    char fault[32];
    char desc[128];
    double start_s, stop_s; /* stop_s NaN: never stopped (ran to the end) */
    double avail_write, avail_read;
    uint64_t stale_reads, lost_writes;
    uint64_t skipped;            /* skip lines scheduled inside it */
    double longest_write_gap_ms; /* within the window (NaN: no load in it) */
} check_window_t;

/*
 * Creates a checker for the nodes in o (1 to MM_MAX_NODES unique names).
 * Returns NULL with a message in err for bad options or no memory. Caller
 * owns the returned object and destroys it with check_destroy().
 */
check_t *check_new(const check_opts_t *o, char *err, size_t errlen);

/* Destroys *c and sets it to NULL. Accepts NULL and a NULL *c. */
void check_destroy(check_t **c);

/*
 * Adds a threshold such as "availability.write >= 0.99": a metric path
 * (check_metric_names()), one of >= <= == < >, and a number. Returns 0, or
 * MM_ERR_UNKNOWN (unknown metric) / MM_ERR_CONFIG (bad syntax) with a
 * message in err. check_finish() adds lost_writes.total == 0,
 * divergent_keys == 0 and history_errors == 0 for whichever no threshold
 * names.
 */
int check_add_threshold(check_t *c, const char *text, char *err, size_t errlen);

/*
 * Feeds the next history line (one JSON object; a trailing newline is
 * allowed; an empty line is ignored). line need not be NUL-terminated and
 * is not kept. Returns 0; MM_ERR_CORRUPT for a malformed line, which is
 * counted and skipped, with the reason in err; MM_ERR_STATE after a dump
 * line was fed.
 */
int check_feed_history_line(check_t *c, const char *line, size_t len, char *err,
                            size_t errlen);

/*
 * Starts the final dump of node (a name given to check_new()). Its lines
 * follow with check_feed_dump_line(); a node whose dump is begun but gets
 * no lines held no keys. Returns 0, MM_ERR_UNKNOWN for an unknown node, or
 * MM_ERR_STATE if that node's dump was already begun.
 */
int check_begin_dump(check_t *c, const char *node, char *err, size_t errlen);

/*
 * Feeds one `mmctl dump` line (key TAB value TAB stamp TAB origin, escaped
 * as in dump.h) of the node begun last. Returns 0, MM_ERR_STATE if no
 * dump was begun, or MM_ERR_CORRUPT (counted, skipped, reason in err).
 */
int check_feed_dump_line(check_t *c, const char *line, size_t len, char *err,
                         size_t errlen);

/*
 * Computes every metric, witness and threshold verdict. Call once, after
 * the last line. Returns 0, or -ENOMEM.
 */
int check_finish(check_t *c);

/* The metrics. Borrowed: valid until check_destroy(); after check_finish. */
const check_results_t *check_results(const check_t *c);

/* Fault windows, in start order. Borrowed: valid until check_destroy(). */
size_t check_window_count(const check_t *c);
const check_window_t *check_window(const check_t *c, size_t i);

/*
 * The value of a metric by its summary.json path ("stale_reads.count").
 * Returns 0 with *out set, 1 if the metric is null in this run, or
 * MM_ERR_UNKNOWN for a path that names no metric.
 */
int check_metric(const check_t *c, const char *path, double *out);

/* NULL-terminated list of the metric paths. Static storage. */
const char *const *check_metric_names(void);

/* The anomaly's name in summary.json ("stale_reads"). Static storage. */
const char *check_anomaly_name(check_anomaly_t a);

/*
 * The witnesses of one anomaly type: at most CHECK_WITNESS_MAX sentences,
 * the earliest found first. Borrowed: valid until check_destroy().
 */
size_t check_witness_count(const check_t *c, check_anomaly_t a);
const char *check_witness(const check_t *c, check_anomaly_t a, size_t i);

/*
 * Outputs, after check_finish(). Each writes to out, which the caller opens
 * and closes, and returns 0 or -EIO.
 *
 *   summary   summary.json: every metric, windows, thresholds, witnesses
 *   series    series.csv: t_s,writes_ok,writes_fail,writes_info,reads_ok,
 *             reads_stale per bucket, by completion time
 *   latency   latency.csv: t_s,latency_ms,op,outcome per operation (a
 *             deterministic 1-in-k sample above latency_rows)
 *   lag       lag.csv: t_s,follower,origin,lag_ms
 *   faults    faults.csv: id,start_s,stop_s,desc
 *   report    a short human summary
 */
int check_write_summary(const check_t *c, FILE *out);
int check_write_series_csv(const check_t *c, FILE *out);
int check_write_latency_csv(const check_t *c, FILE *out);
int check_write_lag_csv(const check_t *c, FILE *out);
int check_write_faults_csv(const check_t *c, FILE *out);
int check_write_report(const check_t *c, FILE *out);

#endif
