/*
 * test_check.c - the history checker on small hand-written histories: for
 * each anomaly one history that has it (counted exactly) and one that does
 * not, plus availability, lag, divergence, thresholds and bad input.
 *
 * Histories are written with helpers that read like the run: s_write(c, 3,
 * "x", "17", "m1", 2100, 2110, "2100.0") is "client 3 wrote x=17 through
 * m1 from 2.100 s to 2.110 s, and m1 stamped it 2100.0". Times are in
 * milliseconds; every history starts with a run event at t = 0, so a time
 * here is also the time a witness sentence prints.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"

static const char *const s_nodes[] = {"m1", "m2", "r1"};

static check_t *s_new(void)
{
    check_opts_t o = {.nodes = s_nodes, .nnodes = 3};
    char err[256];
    check_t *c = check_new(&o, err, sizeof err);
    assert_non_null(c);
    return c;
}

static int s_feed(check_t *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int s_feed(check_t *c, const char *fmt, ...)
{
    char line[1024], err[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    return check_feed_history_line(c, line, strlen(line), err, sizeof err);
}

static long long s_ns(double ms)
{
    return (long long)llround(ms * 1e6);
}

static void s_start(check_t *c)
{
    assert_int_equal(
        s_feed(c, "{\"t\":0,\"type\":\"run\",\"event\":\"start\"}"), 0);
}

static void s_invoke(check_t *c, int p, const char *f, const char *key,
                     const char *value, const char *node, double t)
{
    char v[64];
    snprintf(v, sizeof v, value ? "\"%s\"" : "null", value);
    assert_int_equal(s_feed(c,
                            "{\"t\":%lld,\"p\":%d,\"type\":\"invoke\","
                            "\"f\":\"%s\",\"key\":\"%s\",\"value\":%s,"
                            "\"node\":\"%s\"}",
                            s_ns(t), p, f, key, v, node),
                     0);
}

/* A completion; stamp NULL: none (a failed or unknown op, an empty read).
 * The origin is the node's own name unless origin is given. */
static void s_done(check_t *c, int p, const char *type, const char *f,
                   const char *key, const char *value, const char *node,
                   double t, const char *stamp, const char *origin)
{
    char v[64], st[128] = "";
    snprintf(v, sizeof v, value ? "\"%s\"" : "null", value);
    if (stamp)
        snprintf(st, sizeof st, ",\"stamp\":\"%s\",\"origin\":\"%s\"", stamp,
                 origin ? origin : node);
    assert_int_equal(s_feed(c,
                            "{\"t\":%lld,\"p\":%d,\"type\":\"%s\",\"f\":\"%s\","
                            "\"key\":\"%s\",\"value\":%s,\"node\":\"%s\"%s}",
                            s_ns(t), p, type, f, key, v, node, st),
                     0);
}

/* Client p wrote key=value through node from a to b; node stamped it. */
static void s_write(check_t *c, int p, const char *key, const char *value,
                    const char *node, double a, double b, const char *stamp)
{
    s_invoke(c, p, "write", key, value, node, a);
    s_done(c, p, "ok", "write", key, value, node, b, stamp, NULL);
}

static void s_write_as(check_t *c, int p, const char *type, const char *key,
                       const char *value, const char *node, double a, double b)
{
    s_invoke(c, p, "write", key, value, node, a);
    s_done(c, p, type, "write", key, value, node, b, NULL, NULL);
}

static void s_delete(check_t *c, int p, const char *key, const char *node,
                     double a, double b, const char *stamp)
{
    s_invoke(c, p, "delete", key, NULL, node, a);
    s_done(c, p, "ok", "delete", key, NULL, node, b, stamp, NULL);
}

/* Client p read key on node from a to b and got value with stamp/origin
 * (stamp NULL: the key was absent). */
static void s_read(check_t *c, int p, const char *key, const char *node,
                   double a, double b, const char *value, const char *stamp,
                   const char *origin)
{
    s_invoke(c, p, "read", key, NULL, node, a);
    s_done(c, p, "ok", "read", key, value, node, b, stamp, origin);
}

/* Feeds one node's dump: NULL-terminated lines "key\tvalue\tstamp\torigin". */
static void s_dump(check_t *c, const char *node, ...)
{
    char err[256];
    va_list ap;
    assert_int_equal(check_begin_dump(c, node, err, sizeof err), 0);
    va_start(ap, node);
    for (const char *l; (l = va_arg(ap, const char *));)
        assert_int_equal(check_feed_dump_line(c, l, strlen(l), err, sizeof err),
                         0);
    va_end(ap);
}

static const check_results_t *s_finish(check_t *c)
{
    assert_int_equal(check_finish(c), 0);
    return check_results(c);
}

/* ------------------------------------------------------------ sentences */

static void stale_read_witness_reads_like_the_run(void **state)
{
    check_t *c = s_new();
    (void)state;
    s_start(c);
    s_write(c, 1, "x", "12", "m1", 1900, 1905, "1900.0");
    s_write(c, 3, "x", "17", "m1", 2100, 2110, "2100.0");
    s_read(c, 5, "x", "r1", 2400, 2401, "12", "1900.0", "m1");
    const check_results_t *r = s_finish(c);
    assert_int_equal(r->stale_reads, 1);
    assert_int_equal(check_witness_count(c, CHECK_STALE_READ), 1);
    assert_string_equal(check_witness(c, CHECK_STALE_READ, 0),
                        "client 3 wrote x=17 at 2.10 s, acknowledged by m1 at "
                        "2.11 s; client 5 read x at 2.40 s on r1 and got "
                        "x=12, written at 1.90 s: 1 newer acknowledged write, "
                        "290.0 ms behind.");
    check_destroy(&c);
    assert_null(c);
}

/* ---------------------------------------------------------- stale reads */

static void reads_older_than_completed_writes_are_stale(void **state)
{
    check_t *c = s_new();
    (void)state;
    s_start(c);
    s_write(c, 1, "x", "a", "m1", 100, 110, "100.0");
    s_write(c, 1, "x", "b", "m1", 200, 210, "200.0");
    s_write(c, 1, "x", "c", "m1", 300, 310, "300.0");
    s_read(c, 2, "x", "r1", 205, 206, NULL, NULL, NULL);   /* 1 behind */
    s_read(c, 2, "x", "r1", 250, 251, "a", "100.0", "m1"); /* 1 behind */
    s_read(c, 2, "x", "r1", 400, 401, "a", "100.0", "m1"); /* 2 behind */
    s_read(c, 3, "x", "m1", 400, 401, "c", "300.0", "m1"); /* current */
    const check_results_t *r = s_finish(c);
    assert_int_equal(r->stale_reads, 3);
    assert_true(fabs(r->stale_fraction - 0.75) < 1e-9);
    assert_true(r->stale_versions_p50 == 1);
    assert_true(r->stale_versions_max == 2);
    assert_true(fabs(r->stale_ms_max - 190.0) < 0.5);
    assert_int_equal(check_witness_count(c, CHECK_STALE_READ), 3);
    check_destroy(&c);
}

static void reads_of_the_newest_write_are_not_stale(void **state)
{
    check_t *c = s_new();
    (void)state;
    s_start(c);
    s_write(c, 1, "x", "a", "m1", 100, 110, "100.0");
    s_write(c, 1, "x", "b", "m1", 200, 210, "200.0");
    s_read(c, 2, "x", "r1", 250, 251, "b", "200.0", "m1");
    /* A write still in flight when the read starts is not "newer". */
    s_invoke(c, 1, "write", "x", "c", "m1", 300);
    s_read(c, 2, "x", "r1", 305, 306, "b", "200.0", "m1");
    s_done(c, 1, "ok", "write", "x", "c", "m1", 310, "300.0", NULL);
    const check_results_t *r = s_finish(c);
    assert_int_equal(r->stale_reads, 0);
    assert_true(r->stale_fraction == 0);
    assert_int_equal(check_witness_count(c, CHECK_STALE_READ), 0);
    check_destroy(&c);
}

static void a_write_completing_as_a_read_starts_is_not_before_it(void **state)
{
    check_t *c = s_new();
    (void)state;
    s_start(c);
    s_write(c, 1, "x", "a", "m1", 100, 110, "100.0");
    s_read(c, 2, "x", "r1", 110, 111, NULL, NULL, NULL);
    assert_int_equal(s_finish(c)->stale_reads, 0);
    check_destroy(&c);
}

/* ------------------------------------------------------ session guarantees */

static void reading_past_your_own_write_violates_ryw(void **state)
{
    check_t *c = s_new();
    (void)state;
    s_start(c);
    s_write(c, 1, "x", "a", "m1", 100, 110, "100.0");
    s_read(c, 1, "x", "r1", 120, 121, NULL, NULL, NULL);
    s_read(c, 2, "x", "r1", 120, 121, NULL, NULL, NULL); /* not its write */
    const check_results_t *r = s_finish(c);
    assert_int_equal(r->ryw_violations, 1);
    assert_int_equal(r->stale_reads, 2);
    assert_string_equal(check_witness(c, CHECK_RYW_VIOLATION, 0),
                        "client 1 wrote x=a at 0.10 s, acknowledged by m1 at "
                        "0.11 s; the same client then read x at 0.12 s on r1 "
                        "and got nothing (x absent), older than its own "
                        "write.");
    check_destroy(&c);
}

static void reading_your_own_write_keeps_ryw(void **state)
{
    check_t *c = s_new();
    (void)state;
    s_start(c);
    s_write(c, 1, "x", "a", "m1", 100, 110, "100.0");
    s_read(c, 1, "x", "r1", 120, 121, "a", "100.0", "m1");
    /* A newer write from someone else is fine too. */
    s_write(c, 2, "x", "b", "m2", 130, 140, "130.0");
    s_read(c, 1, "x", "m2", 150, 151, "b", "130.0", "m2");
    assert_int_equal(s_finish(c)->ryw_violations, 0);
    check_destroy(&c);
}

static void
going_back_to_an_older_version_violates_monotonic_reads(void **state)
{
    check_t *c = s_new();
    (void)state;
    s_start(c);
    s_write(c, 1, "x", "a", "m1", 100, 110, "100.0");
    s_write(c, 1, "x", "b", "m1", 200, 205, "200.0");
    s_read(c, 2, "x", "m1", 206, 207, "b", "200.0", "m1");
    s_read(c, 2, "x", "r1", 210, 211, "a", "100.0", "m1");
    const check_results_t *r = s_finish(c);
    assert_int_equal(r->monotonic_read_violations, 1);
    assert_string_equal(
        check_witness(c, CHECK_MONOTONIC_READ_VIOLATION, 0),
        "client 2 read x at 0.21 s on m1 and got x=b, written at 0.20 s; the "
        "same client then read x at 0.21 s on r1 and got x=a, written at "
        "0.10 s: an older version after a newer one.");
    check_destroy(&c);
}

static void overlapping_reads_may_return_in_any_order(void **state)
{
    check_t *c = s_new();
    (void)state;
    s_start(c);
    s_write(c, 1, "x", "a", "m1", 100, 110, "100.0");
    s_write(c, 1, "x", "b", "m1", 200, 205, "200.0");
    /* Two reads in flight at once: the newer one finishes first, but the
     * older one was invoked before it finished. */
    s_invoke(c, 2, "read", "x", NULL, "r1", 206);
    s_invoke(c, 2, "read", "x", NULL, "m1", 207);
    s_done(c, 2, "ok", "read", "x", "b", "m1", 208, "200.0", "m1");
    s_done(c, 2, "ok", "read", "x", "a", "r1", 209, "100.0", "m1");
    s_read(c, 2, "x", "m1", 220, 221, "b", "200.0", "m1");
    const check_results_t *r = s_finish(c);
    assert_int_equal(r->monotonic_read_violations, 0);
    assert_int_equal(r->stale_reads, 1); /* the first read, though */
    check_destroy(&c);
}

/* ---------------------------------------------------------- lost writes */

static void an_acknowledged_write_absent_everywhere_is_missing(void **state)
{
    check_t *c = s_new();
    (void)state;
    s_start(c);
    s_write(c, 1, "x", "a", "m1", 100, 110, "100.0");
    s_write(c, 1, "y", "b", "m1", 120, 130, "120.0");
    s_dump(c, "m1", "y\tb\t120.0\tm1", NULL);
    s_dump(c, "m2", "y\tb\t120.0\tm1", NULL);
    s_dump(c, "r1", "x\tzzz\t150.0\tm2", "y\tb\t120.0\tm1", NULL);
    const check_results_t *r = s_finish(c);
    assert_int_equal(r->lost_total, 1);
    assert_int_equal(r->lost_missing, 1);
    assert_int_equal(r->lost_by_node[2][1], 1); /* r1: a value never written */
    assert_string_equal(check_witness(c, CHECK_LOST_MISSING, 0),
                        "client 1 wrote x=a at 0.10 s, acknowledged by m1 at "
                        "0.11 s; at the end m1 has no x at all.");
    check_destroy(&c);
}

static void an_acknowledged_delete_may_leave_the_key_absent(void **state)
{
    check_t *c = s_new();
    (void)state;
    s_start(c);
    s_write(c, 1, "x", "a", "m1", 100, 110, "100.0");
    s_delete(c, 1, "x", "m1", 120, 130, "120.0");
    s_dump(c, "m1", NULL);
    s_dump(c, "m2", "x\t\\N\t120.0\tm1", NULL);
    s_dump(c, "r1", "x\t\\N\t120.0\tm1", NULL);
    const check_results_t *r = s_finish(c);
    assert_int_equal(r->lost_total, 0);
    assert_int_equal(r->lost_by_node[0][0], 0);
    assert_int_equal(r->lost_by_node[1][0], 0);
    check_destroy(&c);
}

static void a_delete_older_than_the_write_does_not_excuse_absence(void **state)
{
    check_t *c = s_new();
    (void)state;
    s_start(c);
    s_delete(c, 1, "x", "m1", 100, 110, "100.0");
    s_write(c, 1, "x", "a", "m1", 120, 130, "120.0");
    s_dump(c, "m1", NULL);
    const check_results_t *r = s_finish(c);
    assert_int_equal(r->lost_total, 1);
    assert_int_equal(r->lost_missing, 1);
    check_destroy(&c);
}

static void a_final_value_from_a_failed_write_is_missing(void **state)
{
    check_t *c = s_new();
    (void)state;
    s_start(c);
    s_write(c, 1, "x", "a", "m1", 100, 110, "100.0");
    s_write_as(c, 2, "fail", "x", "b", "m2", 120, 130);
    s_dump(c, "m1", "x\tb\t200.0\tm2", NULL);
    const check_results_t *r = s_finish(c);
    assert_int_equal(r->lost_missing, 1);
    check_destroy(&c);
}

static void a_final_state_older_than_an_acked_write_is_stale_final(void **state)
{
    check_t *c = s_new();
    (void)state;
    s_start(c);
    s_write(c, 1, "x", "a", "m1", 100, 110, "100.0");
    s_write(c, 1, "x", "b", "m1", 200, 210, "200.0");
    s_dump(c, "m1", "x\tb\t200.0\tm1", NULL);
    s_dump(c, "m2", "x\tb\t200.0\tm1", NULL);
    s_dump(c, "r1", "x\ta\t100.0\tm1", NULL);
    const check_results_t *r = s_finish(c);
    assert_int_equal(r->lost_total, 1);
    assert_int_equal(r->lost_stale_final, 1);
    assert_int_equal(r->lost_worst_node, 2);
    assert_int_equal(r->lost_by_node[0][0], 0);
    assert_int_equal(r->divergent_keys, 1);
    assert_string_equal(check_witness(c, CHECK_LOST_STALE_FINAL, 0),
                        "client 1 wrote x=b at 0.20 s, acknowledged by m1 at "
                        "0.21 s; at the end r1 holds x=a, written at 0.10 s, "
                        "whose stamp 100.0 (m1) is older than the "
                        "acknowledged 200.0 (m1): the acknowledged write is "
                        "gone.");
    check_destroy(&c);
}

static void
an_earlier_write_beating_a_later_one_is_realtime_reordered(void **state)
{
    check_t *c = s_new();
    (void)state;
    s_start(c);
    /* m2's clock runs ahead: its write, finished first, stamps higher. */
    s_write(c, 1, "x", "a", "m2", 100, 110, "500.0");
    s_write(c, 2, "x", "b", "m1", 200, 210, "300.0");
    s_dump(c, "m1", "x\ta\t500.0\tm2", NULL);
    s_dump(c, "m2", "x\ta\t500.0\tm2", NULL);
    s_dump(c, "r1", "x\ta\t500.0\tm2", NULL);
    const check_results_t *r = s_finish(c);
    assert_int_equal(r->lost_total, 1);
    assert_int_equal(r->lost_realtime_reordered, 1);
    assert_int_equal(r->overwritten_concurrent, 0);
    assert_string_equal(check_witness(c, CHECK_LOST_REALTIME_REORDERED, 0),
                        "client 1 wrote x=a at 0.10 s, acknowledged by m2 at "
                        "0.11 s; client 2 wrote x=b at 0.20 s, acknowledged "
                        "by m1 at 0.21 s, after that write had finished; yet "
                        "m1 ends with x=a, written at 0.10 s, because its "
                        "stamp 500.0 (m2) is higher than 300.0 (m1).");
    check_destroy(&c);
}

static void concurrent_writes_losing_to_lww_are_not_lost(void **state)
{
    check_t *c = s_new();
    (void)state;
    s_start(c);
    s_invoke(c, 1, "write", "x", "a", "m2", 100);
    s_invoke(c, 2, "write", "x", "b", "m1", 105);
    s_done(c, 1, "ok", "write", "x", "a", "m2", 110, "500.0", NULL);
    s_done(c, 2, "ok", "write", "x", "b", "m1", 115, "300.0", NULL);
    s_dump(c, "m1", "x\ta\t500.0\tm2", NULL);
    s_dump(c, "m2", "x\ta\t500.0\tm2", NULL);
    s_dump(c, "r1", "x\ta\t500.0\tm2", NULL);
    const check_results_t *r = s_finish(c);
    assert_int_equal(r->lost_total, 0);
    assert_int_equal(r->overwritten_concurrent, 1);
    assert_int_equal(check_witness_count(c, CHECK_OVERWRITTEN_CONCURRENT), 1);
    check_destroy(&c);
}

static void info_writes_are_never_lost_and_may_be_final(void **state)
{
    check_t *c = s_new();
    (void)state;
    s_start(c);
    s_write(c, 1, "x", "a", "m1", 100, 110, "100.0");
    s_write_as(c, 2, "info", "x", "b", "m2", 120, 1120);
    s_write_as(c, 2, "info", "y", "c", "m2", 1200, 2200); /* never landed */
    s_dump(c, "m1", "x\tb\t130.0\tm2", NULL);
    s_dump(c, "m2", "x\tb\t130.0\tm2", NULL);
    s_dump(c, "r1", "x\tb\t130.0\tm2", NULL);
    const check_results_t *r = s_finish(c);
    assert_int_equal(r->lost_total, 0);
    assert_int_equal(r->ops[CHECK_OP_WRITE].info, 2);
    assert_int_equal(r->divergent_keys, 0);
    check_destroy(&c);
}

static void
an_acked_write_with_an_info_final_older_is_still_stale_final(void **state)
{
    check_t *c = s_new();
    (void)state;
    s_start(c);
    s_write_as(c, 2, "info", "x", "b", "m2", 90, 1090);
    s_write(c, 1, "x", "a", "m1", 100, 110, "100.0");
    s_dump(c, "m1", "x\tb\t95.0\tm2", NULL);
    const check_results_t *r = s_finish(c);
    assert_int_equal(r->lost_stale_final, 1);
    assert_int_equal(r->lost_missing, 0);
    check_destroy(&c);
}

static void padded_values_match_their_write(void **state)
{
    check_t *c = s_new();
    (void)state;
    s_start(c);
    s_write(c, 1, "x", "c1.1", "m1", 100, 110, "100.0");
    s_dump(c, "m1", "x\tc1.1......\t100.0\tm1", NULL);
    assert_int_equal(s_finish(c)->lost_total, 0);
    check_destroy(&c);
}

/* ----------------------------------------------------------- divergence */

static void nodes_that_disagree_on_a_key_diverge(void **state)
{
    check_t *c = s_new();
    (void)state;
    s_start(c);
    s_write(c, 1, "x", "a", "m1", 100, 110, "100.0");
    s_write(c, 2, "y", "b", "m2", 100, 110, "100.0");
    s_dump(c, "m1", "x\ta\t100.0\tm1", "y\tb\t100.0\tm2", NULL);
    s_dump(c, "m2", "x\ta\t100.0\tm1", "y\tb\t100.0\tm2", NULL);
    s_dump(c, "r1", "x\ta\t100.0\tm1", NULL);
    const check_results_t *r = s_finish(c);
    assert_int_equal(r->divergent_keys, 1);
    assert_string_equal(check_witness(c, CHECK_DIVERGENT_KEY, 0),
                        "at the end y differs between nodes: m1, m2 hold "
                        "y=b, written at 0.10 s; r1 holds nothing (y "
                        "absent).");
    check_destroy(&c);
}

static void nodes_that_agree_do_not_diverge(void **state)
{
    check_t *c = s_new();
    (void)state;
    s_start(c);
    s_write(c, 1, "x", "a", "m1", 100, 110, "100.0");
    s_dump(c, "m1", "x\ta\t100.0\tm1", NULL);
    s_dump(c, "m2", "x\ta\t100.0\t1", NULL); /* origin by id: same */
    s_dump(c, "r1", "x\ta\t100.0\tm1", NULL);
    const check_results_t *r = s_finish(c);
    assert_int_equal(r->divergent_keys, 0);
    assert_int_equal(r->dumped_nodes, 3);
    check_destroy(&c);
}

/* ------------------------------------------------ availability, windows */

static void fault_windows_measure_the_writes_invoked_inside(void **state)
{
    check_t *c = s_new();
    (void)state;
    s_start(c);
    s_write(c, 1, "a", "1", "m1", 100, 110, "100.0");
    s_write(c, 1, "b", "2", "m1", 200, 210, "200.0");
    assert_int_equal(s_feed(c,
                            "{\"t\":%lld,\"type\":\"fault\",\"action\":"
                            "\"start\",\"id\":7,\"fault\":\"partition\","
                            "\"nodes\":[\"m1\",\"m2\"],\"desc\":\"m1|m2 "
                            "partitioned\"}",
                            s_ns(1000)),
                     0);
    s_write(c, 1, "c", "3", "m1", 1100, 1110, "1100.0");
    s_write_as(c, 2, "info", "d", "4", "m2", 1200, 2200);
    s_write_as(c, 3, "fail", "e", "5", "m2", 1300, 1301);
    s_read(c, 4, "a", "r1", 1400, 1401, "1", "100.0", "m1");
    assert_int_equal(s_feed(c,
                            "{\"t\":%lld,\"type\":\"fault\",\"action\":"
                            "\"stop\",\"id\":7,\"fault\":\"partition\","
                            "\"desc\":\"m1|m2 healed\"}",
                            s_ns(2000)),
                     0);
    s_write(c, 1, "f", "6", "m1", 2500, 2510, "2500.0");
    const check_results_t *r = s_finish(c);
    assert_true(fabs(r->avail_write - 4.0 / 6.0) < 1e-9);
    assert_true(fabs(r->avail_write_in_faults - 1.0 / 3.0) < 1e-9);
    assert_true(r->avail_read_in_faults == 1.0);
    assert_int_equal(check_window_count(c), 1);
    const check_window_t *w = check_window(c, 0);
    assert_string_equal(w->desc, "m1|m2 partitioned");
    assert_true(fabs(w->start_s - 1.0) < 1e-9 && fabs(w->stop_s - 2.0) < 1e-9);
    assert_true(fabs(w->avail_write - 1.0 / 3.0) < 1e-9);
    assert_int_equal(w->stale_reads, 0);
    check_destroy(&c);
}

static void a_window_measures_its_own_longest_write_gap(void **state)
{
    check_t *c = s_new();
    (void)state;
    s_start(c);
    s_write(c, 1, "a", "1", "m1", 100, 110, "100.0");
    assert_int_equal(s_feed(c,
                            "{\"t\":%lld,\"type\":\"fault\",\"action\":"
                            "\"start\",\"id\":1,\"fault\":\"kill\","
                            "\"nodes\":[\"p1\"],\"desc\":\"p1 crashed\"}",
                            s_ns(1000)),
                     0);
    s_write(c, 1, "b", "2", "m1", 1100, 1110, "1100.0");
    s_write(c, 1, "c", "3", "m1", 1490, 1500, "1500.0");
    assert_int_equal(s_feed(c,
                            "{\"t\":%lld,\"type\":\"fault\",\"action\":"
                            "\"stop\",\"id\":1,\"fault\":\"kill\","
                            "\"desc\":\"p1 restarted\"}",
                            s_ns(2000)),
                     0);
    s_write(c, 1, "d", "4", "m1", 2300, 2310, "2300.0");
    const check_results_t *r = s_finish(c);
    /* The run's longest gap (110 ms to 1110 ms) began before the window;
     * inside it, the longest is from the last write (1500 ms) to its end. */
    assert_true(fabs(r->longest_write_gap_ms - 1000.0) < 1e-6);
    const check_window_t *w = check_window(c, 0);
    assert_true(fabs(w->longest_write_gap_ms - 500.0) < 1e-6);
    check_destroy(&c);
}

static void a_run_without_faults_has_null_fault_availability(void **state)
{
    check_t *c = s_new();
    double v;
    (void)state;
    s_start(c);
    s_write(c, 1, "a", "1", "m1", 100, 110, "100.0");
    const check_results_t *r = s_finish(c);
    assert_true(isnan(r->avail_write_in_faults));
    assert_int_equal(check_metric(c, "availability.write_in_faults", &v), 1);
    assert_int_equal(check_metric(c, "availability.write", &v), 0);
    assert_true(v == 1.0);
    check_destroy(&c);
}

static void the_longest_write_gap_runs_to_load_end(void **state)
{
    check_t *c = s_new();
    (void)state;
    s_start(c);
    s_write(c, 1, "a", "1", "m1", 0, 100, "100.0");
    s_write(c, 1, "b", "2", "m1", 300, 400, "400.0");
    s_write_as(c, 1, "fail", "c", "3", "m1", 450, 460);
    s_write(c, 1, "d", "4", "m1", 450, 500, "500.0");
    assert_int_equal(
        s_feed(c, "{\"t\":%lld,\"type\":\"run\",\"event\":\"load_end\"}",
               s_ns(1000)),
        0);
    const check_results_t *r = s_finish(c);
    assert_true(fabs(r->longest_write_gap_ms - 500.0) < 1e-6);
    assert_true(fabs(r->longest_write_gap_start_s - 0.5) < 1e-9);
    assert_true(fabs(r->write_ok_per_s - 3.0) < 1e-9);
    check_destroy(&c);
}

static void convergence_counts_from_the_last_heal_or_load_end(void **state)
{
    check_t *c = s_new();
    (void)state;
    s_start(c);
    s_write(c, 1, "a", "1", "m1", 100, 110, "100.0");
    assert_int_equal(s_feed(c,
                            "{\"t\":%lld,\"type\":\"fault\",\"action\":"
                            "\"start\",\"id\":1,\"fault\":\"pause\"}",
                            s_ns(200)),
                     0);
    assert_int_equal(
        s_feed(c, "{\"t\":%lld,\"type\":\"run\",\"event\":\"load_end\"}",
               s_ns(5000)),
        0);
    assert_int_equal(s_feed(c,
                            "{\"t\":%lld,\"type\":\"fault\",\"action\":"
                            "\"stop\",\"id\":1,\"fault\":\"pause\"}",
                            s_ns(6000)),
                     0);
    assert_int_equal(
        s_feed(c, "{\"t\":%lld,\"type\":\"run\",\"event\":\"converged\"}",
               s_ns(6500)),
        0);
    assert_true(fabs(s_finish(c)->convergence_ms - 500.0) < 1e-6);
    check_destroy(&c);
}

/* ------------------------------------------------------------------ lag */

static void lag_is_the_time_a_follower_takes_to_reach_the_origin(void **state)
{
    check_t *c = s_new();
    (void)state;
    s_start(c);
    const char *fmt = "{\"t\":%lld,\"type\":\"status\",\"node\":\"%s\","
                      "\"applied\":{\"m1\":%d,\"m2\":%d}}";
    assert_int_equal(s_feed(c, fmt, s_ns(100), "m1", 10, 0), 0);
    assert_int_equal(s_feed(c, fmt, s_ns(101), "r1", 5, 0), 0);
    assert_int_equal(s_feed(c, fmt, s_ns(200), "m1", 12, 0), 0);
    assert_int_equal(s_feed(c, fmt, s_ns(201), "r1", 10, 0), 0);
    assert_int_equal(s_feed(c, fmt, s_ns(300), "m1", 12, 0), 0);
    assert_int_equal(s_feed(c, fmt, s_ns(301), "r1", 11, 0), 0);
    assert_int_equal(s_feed(c,
                            "{\"t\":%lld,\"type\":\"status\",\"node\":\"r1\","
                            "\"applied\":null}",
                            s_ns(350)),
                     0);
    assert_int_equal(s_feed(c, fmt, s_ns(401), "r1", 12, 0), 0);
    const check_results_t *r = s_finish(c);
    /* m1 grows 10 -> 12 between its samples at 100 and 200 ms, so it
     * reached 11 at 150 ms (interpolation). r1@101 holds 5 (before m1's
     * first sample): m1 had 10 by 100 ms, so at least 1 ms behind.
     * r1@201 holds 10, reached by 100 ms: 101 ms. r1@301 holds 11, reached
     * at 150 ms: 151 ms. r1@401 holds 12, all m1 had: 0. m2 never wrote. */
    assert_int_equal(r->lag_points, 4);
    assert_true(fabs(r->lag_max_ms - 151) < 1e-6);
    assert_true(fabs(r->lag_p99_ms - 151) < 1e-6);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_int_equal(check_write_lag_csv(c, f), 0);
    fclose(f);
    assert_string_equal(buf, "t_s,follower,origin,lag_ms\n"
                             "0.101,r1,m1,1.000\n"
                             "0.201,r1,m1,101.000\n"
                             "0.301,r1,m1,151.000\n"
                             "0.401,r1,m1,0.000\n");
    free(buf);
    check_destroy(&c);
}

/* A line whose time is far off (a typo, another machine's clock) makes
 * series.csv's buckets wider, a whole multiple of 0.25 s, instead of
 * millions of rows (found by tests/fuzz/fuzz_history). */
static void a_far_off_time_widens_the_series_buckets(void **state)
{
    check_t *c = s_new();
    (void)state;
    s_start(c);
    s_write(c, 1, "x", "a", "m1", 100, 110, "100.0");
    /* 28 hours on: 400,000 buckets of 0.25 s. */
    assert_int_equal(
        s_feed(c, "{\"t\":%lld,\"type\":\"run\",\"event\":\"load_end\"}",
               s_ns(28 * 3600e3)),
        0);
    s_finish(c);
    char *buf = NULL;
    size_t len = 0, rows = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_int_equal(check_write_series_csv(c, f), 0);
    fclose(f);
    for (size_t i = 0; i < len; i++)
        rows += buf[i] == '\n';
    assert_in_range(rows - 1, 2, 100000);
    /* The first bucket holds the write; the second starts a whole number
     * of 0.25 s buckets later. */
    const char *second = strchr(strchr(buf, '\n') + 1, '\n') + 1;
    assert_true(strncmp(strchr(buf, '\n') + 1, "0.00,1,0,0,0,0\n", 15) == 0);
    double width = strtod(second, NULL);
    assert_true(width > 0.25 && fabs(fmod(width, 0.25)) < 1e-9);
    free(buf);
    check_destroy(&c);
}

/* ----------------------------------------------------------- thresholds */

static void thresholds_decide_the_verdict(void **state)
{
    check_t *c = s_new();
    char err[256];
    (void)state;
    assert_int_equal(
        check_add_threshold(c, "stale_reads.count <= 0", err, sizeof err), 0);
    assert_int_equal(
        check_add_threshold(c, "availability.write>=0.5", err, sizeof err), 0);
    s_start(c);
    s_write(c, 1, "x", "a", "m1", 100, 110, "100.0");
    s_read(c, 2, "x", "r1", 120, 121, NULL, NULL, NULL);
    assert_int_equal(s_finish(c)->passed, 0);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_int_equal(check_write_summary(c, f), 0);
    fclose(f);
    assert_non_null(strstr(buf, "\"verdict\":\"fail\""));
    assert_non_null(strstr(buf, "{\"metric\":\"stale_reads.count\",\"op\":"
                                "\"<=\",\"value\":0,\"actual\":1,\"pass\":"
                                "false,\"default\":false}"));
    free(buf);
    check_destroy(&c);
}

static void unknown_metrics_and_bad_syntax_are_refused(void **state)
{
    check_t *c = s_new();
    char err[256];
    (void)state;
    assert_int_equal(
        check_add_threshold(c, "availability.wirte >= 1", err, sizeof err),
        MM_ERR_UNKNOWN);
    assert_non_null(strstr(err, "availability.wirte"));
    assert_int_equal(
        check_add_threshold(c, "ryw_violations = 0", err, sizeof err),
        MM_ERR_CONFIG);
    assert_int_equal(
        check_add_threshold(c, "ryw_violations == zero", err, sizeof err),
        MM_ERR_CONFIG);
    check_destroy(&c);
}

static void without_thresholds_the_safety_defaults_apply(void **state)
{
    check_t *c = s_new();
    (void)state;
    s_start(c);
    s_write(c, 1, "x", "a", "m1", 100, 110, "100.0");
    s_dump(c, "m1", "x\ta\t100.0\tm1", NULL);
    s_dump(c, "m2", NULL);
    assert_int_equal(s_finish(c)->passed, 0); /* m2 lost x */
    check_destroy(&c);
}

static void the_safety_defaults_yield_only_to_a_named_threshold(void **state)
{
    check_t *c = s_new();
    char err[256];
    (void)state;
    assert_int_equal(
        check_add_threshold(c, "availability.write >= 0.5", err, sizeof err),
        0);
    s_start(c);
    s_write(c, 1, "x", "a", "m1", 100, 110, "100.0");
    s_dump(c, "m1", NULL);
    assert_int_equal(s_finish(c)->passed, 0); /* lost_writes.total is 1 */
    check_destroy(&c);

    c = s_new();
    assert_int_equal(
        check_add_threshold(c, "lost_writes.total <= 1", err, sizeof err), 0);
    s_start(c);
    s_write(c, 1, "x", "a", "m1", 100, 110, "100.0");
    s_dump(c, "m1", NULL);
    assert_int_equal(s_finish(c)->passed, 1);
    check_destroy(&c);

    /* Naming one class of lost writes replaces the default too: the write
     * above is `missing`, so a bound on stale_final alone passes and a
     * bound on missing fails. */
    c = s_new();
    assert_int_equal(
        check_add_threshold(c, "lost_writes.stale_final <= 0", err, sizeof err),
        0);
    s_start(c);
    s_write(c, 1, "x", "a", "m1", 100, 110, "100.0");
    s_dump(c, "m1", NULL);
    assert_int_equal(s_finish(c)->passed, 1);
    check_destroy(&c);

    c = s_new();
    assert_int_equal(
        check_add_threshold(c, "lost_writes.missing <= 0", err, sizeof err), 0);
    s_start(c);
    s_write(c, 1, "x", "a", "m1", 100, 110, "100.0");
    s_dump(c, "m1", NULL);
    assert_int_equal(s_finish(c)->passed, 0);
    check_destroy(&c);
}

static void
operations_through_the_coordinator_are_checked_like_others(void **state)
{
    check_t *c = s_new();
    (void)state;
    s_start(c);
    /* A write through the coordinator, stamped by m1; a later read through
     * the coordinator that misses it is stale. */
    s_invoke(c, 1, "write", "x", "a", "coordinator", 100);
    s_done(c, 1, "ok", "write", "x", "a", "coordinator", 110, "100.0", "m1");
    s_read(c, 2, "x", "coordinator", 200, 210, NULL, NULL, NULL);
    s_dump(c, "m1", "x\ta\t100.0\tm1", NULL);
    const check_results_t *r = s_finish(c);
    assert_int_equal(r->history_errors, 0);
    assert_int_equal(r->stale_reads, 1);
    assert_int_equal(r->lost_total, 0);
    check_destroy(&c);
}

static void a_null_metric_fails_its_threshold(void **state)
{
    check_t *c = s_new();
    char err[256];
    (void)state;
    assert_int_equal(
        check_add_threshold(c, "convergence_ms <= 1000", err, sizeof err), 0);
    assert_int_equal(check_add_threshold(c, "availability.write_in_faults >= 1",
                                         err, sizeof err),
                     0);
    s_start(c);
    s_write(c, 1, "x", "a", "m1", 100, 110, "100.0");
    assert_int_equal(s_finish(c)->passed, 0);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    check_write_summary(c, f);
    fclose(f);
    /* No fault, nothing to hold against: that one passes. */
    assert_non_null(strstr(buf, "\"metric\":\"availability.write_in_faults\","
                                "\"op\":\">=\",\"value\":1,\"actual\":null,"
                                "\"pass\":true"));
    free(buf);
    check_destroy(&c);
}

/* ------------------------------------------------------------ bad input */

static void malformed_lines_are_counted_and_skipped(void **state)
{
    check_t *c = s_new();
    char err[256];
    (void)state;
    s_start(c);
    const char *bad[] = {
        "{not json",
        "{\"t\":5,\"type\":\"frobnicate\"}",
        "{\"t\":6,\"p\":1,\"type\":\"ok\",\"f\":\"read\",\"key\":\"x\","
        "\"value\":null,\"node\":\"m1\"}",
        "{\"t\":7,\"p\":1,\"type\":\"invoke\",\"f\":\"read\",\"key\":\"x\","
        "\"node\":\"m9\"}",
        "{\"t\":8,\"p\":1,\"type\":\"invoke\",\"f\":\"write\",\"key\":\"x\","
        "\"value\":\"v\",\"node\":\"m1\"} trailing",
        "[1,2]",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = '\0';
        assert_int_equal(
            check_feed_history_line(c, bad[i], strlen(bad[i]), err, sizeof err),
            MM_ERR_CORRUPT);
        assert_true(err[0] != '\0');
    }
    assert_int_equal(check_feed_history_line(c, "\n", 1, err, sizeof err), 0);
    s_write(c, 1, "x", "a", "m1", 100, 110, "100.0");
    const check_results_t *r = s_finish(c);
    assert_int_equal(r->history_errors, 6);
    assert_int_equal(r->ops[CHECK_OP_WRITE].ok, 1);
    check_destroy(&c);
}

/* `t` is monotonic nanoseconds: a negative one is refused, so that no
 * difference of two times can overflow (found while writing
 * tests/fuzz/fuzz_history: -9e18 and 9e18 overflowed in check_avail.c,
 * which UBSan reports). */
static void a_negative_time_is_refused(void **state)
{
    check_t *c = s_new();
    char err[256] = "";
    const char *neg = "{\"t\":-9000000000000000000,\"type\":\"run\","
                      "\"event\":\"start\"}";
    const char *far = "{\"t\":9000000000000000000,\"type\":\"run\","
                      "\"event\":\"load_end\"}";
    (void)state;
    assert_int_equal(
        check_feed_history_line(c, neg, strlen(neg), err, sizeof err),
        MM_ERR_CORRUPT);
    assert_non_null(strstr(err, "never negative"));
    assert_int_equal(
        check_feed_history_line(c, far, strlen(far), err, sizeof err), 0);
    s_write(c, 1, "x", "a", "m1", 100, 110, "100.0");
    const check_results_t *r = s_finish(c);
    assert_int_equal(r->history_errors, 1);
    assert_true(r->duration_s > 8.9e9 && r->duration_s < 9.1e9);
    check_destroy(&c);
}

static void an_operation_never_completed_counts_as_info(void **state)
{
    check_t *c = s_new();
    (void)state;
    s_start(c);
    s_write(c, 1, "x", "a", "m1", 100, 110, "100.0");
    s_invoke(c, 2, "write", "x", "b", "m2", 120);
    s_dump(c, "m1", "x\tb\t120.0\tm2", NULL);
    const check_results_t *r = s_finish(c);
    assert_int_equal(r->unfinished, 1);
    assert_int_equal(r->ops[CHECK_OP_WRITE].info, 1);
    assert_int_equal(r->lost_total, 0);
    check_destroy(&c);
}

static void history_lines_after_a_dump_are_refused(void **state)
{
    check_t *c = s_new();
    char err[256];
    (void)state;
    s_start(c);
    s_dump(c, "m1", NULL);
    assert_int_equal(s_feed(c, "{\"t\":1,\"type\":\"run\",\"event\":\"x\"}"),
                     MM_ERR_STATE);
    assert_int_equal(check_begin_dump(c, "m1", err, sizeof err), MM_ERR_STATE);
    assert_int_equal(check_begin_dump(c, "zz", err, sizeof err),
                     MM_ERR_UNKNOWN);
    assert_int_equal(check_feed_dump_line(c, "x\ty", 3, err, sizeof err),
                     MM_ERR_CORRUPT);
    assert_int_equal(s_finish(c)->dump_errors, 1);
    check_destroy(&c);
    check_destroy(&c); /* idempotent */
}

static void the_summary_carries_every_required_field(void **state)
{
    check_t *c = s_new();
    (void)state;
    s_start(c);
    s_write(c, 1, "x", "a", "m1", 100, 110, "100.0");
    s_dump(c, "m1", "x\ta\t100.0\tm1", NULL);
    s_finish(c);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_int_equal(check_write_summary(c, f), 0);
    fclose(f);
    const char *want[] = {
        "\"verdict\":\"pass\"",
        "\"availability\":{\"write\":1,\"read\":null",
        "\"write_in_faults\":null",
        "\"lost_writes\":{\"total\":0",
        "\"stale_reads\":{\"count\":0,\"fraction\":0",
        "\"ryw_violations\":0",
        "\"monotonic_read_violations\":0",
        "\"divergent_keys\":0",
        "\"convergence_ms\":null",
        "\"throughput\":{\"write_ok_per_s\":",
        "\"latency_ms\":{\"p50\":10,\"p99\":10",
        "\"replication_lag_ms\":{\"points\":0,\"p50\":null,\"p99\":null",
        "\"seed\":null",
        "\"scenario\":null",
        "\"windows\":[]",
        "\"witnesses\":{\"stale_reads\":[]",
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        if (!strstr(buf, want[i]))
            fail_msg("summary lacks %s in %s", want[i], buf);
    free(buf);
    check_destroy(&c);
}

/* ------------------------------------------------ trustworthy histories */

/* The value of a metric by its summary.json path; fails the test if the
 * checker does not know the path. */
static double s_metric(const check_t *c, const char *path)
{
    double v = NAN;
    int rc = check_metric(c, path, &v);
    if (rc < 0)
        fail_msg("no metric %s", path);
    return rc == 0 ? v : NAN;
}

/* The text summary (check.txt) into *text; the caller frees it. */
static void s_report(const check_t *c, char **text)
{
    size_t len = 0;
    FILE *f = open_memstream(text, &len);
    assert_non_null(f);
    assert_int_equal(check_write_report(c, f), 0);
    fclose(f);
}

static void two_writes_sharing_a_pair_keep_their_tombstones(void **state)
{
    check_t *c = s_new();
    (void)state;
    s_start(c);
    /* A write recorded with its delete's pair (a reply matched to the
     * wrong operation), and a delete of another key with the same pair:
     * each tombstone must still name its own delete. */
    s_write(c, 1, "x", "a", "m1", 100, 110, "300.0");
    s_delete(c, 2, "x", "m1", 290, 300, "300.0");
    s_delete(c, 3, "y", "m1", 295, 305, "300.0");
    /* A read shares its write's pair legitimately. */
    s_write(c, 4, "z", "v", "m2", 400, 410, "400.0");
    s_read(c, 4, "z", "r1", 420, 421, "v", "400.0", "m2");
    s_read(c, 5, "x", "r1", 500, 501, NULL, "300.0", "m1");
    for (int n = 0; n < 3; n++)
        s_dump(c, s_nodes[n], "x\t\\N\t300.0\tm1", "y\t\\N\t300.0\tm1",
               "z\tv\t400.0\tm2", NULL);
    const check_results_t *r = s_finish(c);
    assert_int_equal(r->lost_missing, 0);
    assert_int_equal(r->lost_total, 0);
    assert_int_equal(r->stale_reads, 0);
    /* Three acknowledged writes carry one pair: a broken history. */
    assert_true(s_metric(c, "shared_pairs") == 3);
    assert_int_equal(r->history_errors, 3);
    assert_int_equal(r->passed, 0);
    assert_int_equal(check_witness_count(c, CHECK_SHARED_PAIR), 1);
    assert_non_null(
        strstr(check_witness(c, CHECK_SHARED_PAIR, 0), "300.0 (m1)"));
    check_destroy(&c);
}

static void an_origin_may_be_a_node_id_number(void **state)
{
    check_t *c = s_new();
    (void)state;
    s_start(c);
    s_invoke(c, 1, "write", "x", "a", "m2", 100);
    assert_int_equal(s_feed(c,
                            "{\"t\":%lld,\"p\":1,\"type\":\"ok\","
                            "\"f\":\"write\",\"key\":\"x\",\"value\":\"a\","
                            "\"node\":\"m2\",\"stamp\":\"100.0\","
                            "\"origin\":2}",
                            s_ns(110)),
                     0);
    s_invoke(c, 2, "read", "x", NULL, "r1", 200);
    assert_int_equal(s_feed(c,
                            "{\"t\":%lld,\"p\":2,\"type\":\"ok\","
                            "\"f\":\"read\",\"key\":\"x\",\"value\":\"a\","
                            "\"node\":\"r1\",\"stamp\":\"100.0\","
                            "\"origin\":2}",
                            s_ns(201)),
                     0);
    /* An id that names no node is refused like an unknown name. */
    s_invoke(c, 3, "write", "x", "b", "m1", 300);
    assert_int_equal(s_feed(c,
                            "{\"t\":%lld,\"p\":3,\"type\":\"ok\","
                            "\"f\":\"write\",\"key\":\"x\",\"value\":\"b\","
                            "\"node\":\"m1\",\"stamp\":\"300.0\","
                            "\"origin\":9}",
                            s_ns(310)),
                     MM_ERR_CORRUPT);
    s_dump(c, "m1", "x\ta\t100.0\tm2", NULL);
    const check_results_t *r = s_finish(c);
    assert_int_equal(r->history_errors, 1);
    assert_int_equal(r->ops[CHECK_OP_WRITE].ok, 1);
    assert_int_equal(r->lost_total, 0);
    assert_int_equal(r->stale_reads, 0);
    check_destroy(&c);
}

static void history_errors_fail_the_verdict_unless_allowed(void **state)
{
    char err[256];
    (void)state;
    for (int allow = 0; allow < 2; allow++) {
        check_t *c = s_new();
        if (allow)
            assert_int_equal(
                check_add_threshold(c, "history_errors <= 1", err, sizeof err),
                0);
        s_start(c);
        s_write(c, 1, "x", "a", "m1", 100, 110, "100.0");
        assert_int_equal(s_feed(c, "{\"t\":5,\"type\":\"frobnicate\"}"),
                         MM_ERR_CORRUPT);
        for (int n = 0; n < 3; n++)
            s_dump(c, s_nodes[n], "x\ta\t100.0\tm1", NULL);
        assert_int_equal(s_finish(c)->passed, allow);
        char *text = NULL;
        s_report(c, &text);
        const char *second = strchr(text, '\n') + 1;
        if (!allow) {
            assert_true(!strncmp(text, "mm-check: FAIL", 14));
            /* The reason comes first, before any metric. */
            assert_true(!strncmp(second, "  history errors  1 ", 20));
        }
        free(text);
        check_destroy(&c);
    }
}

static void realtime_inversions_count_hidden_writes_too(void **state)
{
    check_t *c = s_new();
    (void)state;
    s_start(c);
    /* x: b began after a had finished, yet a's pair is higher; c then
     * wins and hides b, so no final state shows the inversion. */
    s_write(c, 1, "x", "a", "m2", 100, 110, "300.0");
    s_write(c, 2, "x", "b", "m1", 200, 210, "200.0");
    s_write(c, 2, "x", "c", "m1", 300, 310, "400.0");
    /* y: m2's clock ahead; y2 and y3 both rank below y1, and y1 stays
     * final, so they are also lost as real-time reordered. */
    s_write(c, 1, "y", "y1", "m2", 500, 510, "900.0");
    s_write(c, 2, "y", "y2", "m1", 600, 610, "600.0");
    s_write(c, 2, "y", "y3", "m1", 700, 710, "700.0");
    /* z: z2 overlaps z1 (concurrent, not an inversion), z3 begins at the
     * very nanosecond z1 completes (not after it). */
    s_write(c, 1, "z", "z1", "m2", 800, 900, "950.0");
    s_write(c, 2, "z", "z2", "m1", 850, 860, "850.0");
    s_write(c, 3, "z", "z3", "m1", 900, 905, "901.0");
    for (int n = 0; n < 3; n++)
        s_dump(c, s_nodes[n], "x\tc\t400.0\tm1", "y\ty1\t900.0\tm2",
               "z\tz1\t950.0\tm2", NULL);
    const check_results_t *r = s_finish(c);
    assert_true(s_metric(c, "consistency.realtime_inversions") == 3);
    assert_true(
        fabs(s_metric(c, "consistency.realtime_inversions_per_1k_writes") -
             3000.0 / 9.0) < 1e-9);
    assert_int_equal(r->lost_realtime_reordered, 2);
    assert_int_equal(check_witness_count(c, CHECK_REALTIME_INVERSION), 3);
    const char *w = check_witness(c, CHECK_REALTIME_INVERSION, 0);
    assert_non_null(strstr(w, "x=a"));
    assert_non_null(strstr(w, "300.0 (m2)"));
    assert_non_null(strstr(w, "x=b"));
    assert_non_null(strstr(w, "200.0 (m1)"));
    check_destroy(&c);
}

static void skipped_operations_count_against_availability(void **state)
{
    check_t *c = s_new();
    (void)state;
    s_start(c);
    s_write(c, 1, "a", "1", "m1", 100, 110, "100.0");
    s_read(c, 2, "a", "r1", 120, 121, "1", "100.0", "m1");
    assert_int_equal(s_feed(c,
                            "{\"t\":%lld,\"p\":2,\"type\":\"skip\","
                            "\"f\":\"read\",\"key\":\"a\",\"node\":\"r1\"}",
                            s_ns(130)),
                     0);
    assert_int_equal(s_feed(c,
                            "{\"t\":%lld,\"type\":\"fault\",\"action\":"
                            "\"start\",\"id\":1,\"fault\":\"pause\","
                            "\"desc\":\"m1 paused\"}",
                            s_ns(1000)),
                     0);
    s_write(c, 1, "b", "2", "m2", 1100, 1110, "1100.0");
    /* Client 1 waits on m1 in every slot: three scheduled writes are
     * never sent. */
    for (int i = 0; i < 3; i++)
        assert_int_equal(s_feed(c,
                                "{\"t\":%lld,\"p\":1,\"type\":\"skip\","
                                "\"f\":\"write\",\"key\":\"k%d\","
                                "\"node\":\"m1\"}",
                                s_ns(1200 + 100 * i), i),
                         0);
    assert_int_equal(s_feed(c,
                            "{\"t\":%lld,\"type\":\"fault\",\"action\":"
                            "\"stop\",\"id\":1,\"fault\":\"pause\"}",
                            s_ns(2000)),
                     0);
    /* A skip line with an unknown operation is an error. */
    assert_int_equal(s_feed(c,
                            "{\"t\":%lld,\"p\":1,\"type\":\"skip\","
                            "\"f\":\"frob\",\"key\":\"a\",\"node\":\"m1\"}",
                            s_ns(2100)),
                     MM_ERR_CORRUPT);
    /* A late skip is mm-load's own lateness: counted apart, charged to
     * nobody, so it changes no availability below. */
    assert_int_equal(s_feed(c,
                            "{\"t\":%lld,\"p\":1,\"type\":\"skip\","
                            "\"f\":\"write\",\"key\":\"k9\",\"node\":\"m1\","
                            "\"late\":true}",
                            s_ns(1500)),
                     0);
    const check_results_t *r = s_finish(c);
    assert_true(s_metric(c, "ops.skipped_late") == 1);
    assert_true(fabs(r->avail_write_in_faults - 1.0 / 4.0) < 1e-9);
    assert_true(fabs(r->avail_write - 2.0 / 5.0) < 1e-9);
    assert_true(fabs(r->avail_read - 1.0 / 2.0) < 1e-9);
    assert_true(s_metric(c, "ops.skipped") == 4);
    const check_window_t *w = check_window(c, 0);
    assert_true(fabs(w->avail_write - 1.0 / 4.0) < 1e-9);
    assert_int_equal(r->history_errors, 1);
    check_destroy(&c);
}

static void write_outages_add_up_the_gaps_over_a_second(void **state)
{
    check_t *c = s_new();
    (void)state;
    s_start(c);
    /* Gaps: 0.1 s to the first ok write, 0.1 s, 1.9 s, 0.1 s, then 1.5 s
     * to load_end. A failed write does not end a gap. */
    s_write(c, 1, "a", "1", "m1", 0, 100, "100.0");
    s_write(c, 1, "b", "2", "m1", 190, 200, "200.0");
    s_write_as(c, 1, "fail", "c", "3", "m1", 1000, 1010);
    s_write(c, 1, "d", "4", "m1", 2090, 2100, "2100.0");
    s_write(c, 1, "e", "5", "m1", 2190, 2200, "2200.0");
    assert_int_equal(
        s_feed(c, "{\"t\":%lld,\"type\":\"run\",\"event\":\"load_end\"}",
               s_ns(3700)),
        0);
    const check_results_t *r = s_finish(c);
    assert_true(fabs(s_metric(c, "availability.write_outage_s") - 3.4) < 1e-9);
    assert_true(fabs(r->longest_write_gap_ms - 1900.0) < 1e-6);
    check_destroy(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(stale_read_witness_reads_like_the_run),
        cmocka_unit_test(reads_older_than_completed_writes_are_stale),
        cmocka_unit_test(reads_of_the_newest_write_are_not_stale),
        cmocka_unit_test(a_write_completing_as_a_read_starts_is_not_before_it),
        cmocka_unit_test(reading_past_your_own_write_violates_ryw),
        cmocka_unit_test(reading_your_own_write_keeps_ryw),
        cmocka_unit_test(
            going_back_to_an_older_version_violates_monotonic_reads),
        cmocka_unit_test(overlapping_reads_may_return_in_any_order),
        cmocka_unit_test(an_acknowledged_write_absent_everywhere_is_missing),
        cmocka_unit_test(an_acknowledged_delete_may_leave_the_key_absent),
        cmocka_unit_test(a_delete_older_than_the_write_does_not_excuse_absence),
        cmocka_unit_test(a_final_value_from_a_failed_write_is_missing),
        cmocka_unit_test(
            a_final_state_older_than_an_acked_write_is_stale_final),
        cmocka_unit_test(
            an_earlier_write_beating_a_later_one_is_realtime_reordered),
        cmocka_unit_test(concurrent_writes_losing_to_lww_are_not_lost),
        cmocka_unit_test(info_writes_are_never_lost_and_may_be_final),
        cmocka_unit_test(
            an_acked_write_with_an_info_final_older_is_still_stale_final),
        cmocka_unit_test(padded_values_match_their_write),
        cmocka_unit_test(nodes_that_disagree_on_a_key_diverge),
        cmocka_unit_test(nodes_that_agree_do_not_diverge),
        cmocka_unit_test(fault_windows_measure_the_writes_invoked_inside),
        cmocka_unit_test(a_window_measures_its_own_longest_write_gap),
        cmocka_unit_test(a_run_without_faults_has_null_fault_availability),
        cmocka_unit_test(the_longest_write_gap_runs_to_load_end),
        cmocka_unit_test(convergence_counts_from_the_last_heal_or_load_end),
        cmocka_unit_test(lag_is_the_time_a_follower_takes_to_reach_the_origin),
        cmocka_unit_test(a_far_off_time_widens_the_series_buckets),
        cmocka_unit_test(thresholds_decide_the_verdict),
        cmocka_unit_test(unknown_metrics_and_bad_syntax_are_refused),
        cmocka_unit_test(without_thresholds_the_safety_defaults_apply),
        cmocka_unit_test(the_safety_defaults_yield_only_to_a_named_threshold),
        cmocka_unit_test(
            operations_through_the_coordinator_are_checked_like_others),
        cmocka_unit_test(a_null_metric_fails_its_threshold),
        cmocka_unit_test(malformed_lines_are_counted_and_skipped),
        cmocka_unit_test(a_negative_time_is_refused),
        cmocka_unit_test(an_operation_never_completed_counts_as_info),
        cmocka_unit_test(history_lines_after_a_dump_are_refused),
        cmocka_unit_test(the_summary_carries_every_required_field),
        cmocka_unit_test(two_writes_sharing_a_pair_keep_their_tombstones),
        cmocka_unit_test(an_origin_may_be_a_node_id_number),
        cmocka_unit_test(history_errors_fail_the_verdict_unless_allowed),
        cmocka_unit_test(realtime_inversions_count_hidden_writes_too),
        cmocka_unit_test(skipped_operations_count_against_availability),
        cmocka_unit_test(write_outages_add_up_the_gaps_over_a_second),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
