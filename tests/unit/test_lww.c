/*
 * test_lww.c - last-writer-wins: which write survives, and when the loss of
 * the other one is reported as a conflict.
 *
 * Records here carry only what LWW looks at: (stamp, origin) and prev, the
 * pair of the value the writer overwrote. Stamps are written as
 * hlc_make(ms, counter) so the scenarios read like clock readings.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "lww.h"

static record_t s_rec(mm_stamp_t stamp, uint16_t origin, mm_stamp_t prev_stamp,
                      uint16_t prev_origin)
{
    record_t r = {0};

    r.stamp = stamp;
    r.origin = origin;
    r.prev_stamp = prev_stamp;
    r.prev_origin = prev_origin;
    return r;
}

static void s_expect(lww_verdict_t v, int wins, int duplicate, int conflict,
                     int concurrent)
{
    assert_int_equal(v.incoming_wins, wins);
    assert_int_equal(v.duplicate, duplicate);
    assert_int_equal(v.conflict, conflict);
    assert_int_equal(v.concurrent, concurrent);
}

static void later_stamp_wins(void **state)
{
    (void)state;
    assert_int_equal(lww_compare(hlc_make(2000, 0), 1, hlc_make(1000, 0), 2),
                     1);
    assert_int_equal(lww_compare(hlc_make(1000, 0), 2, hlc_make(2000, 0), 1),
                     -1);
}

static void logical_counter_orders_writes_in_one_millisecond(void **state)
{
    (void)state;
    assert_int_equal(lww_compare(hlc_make(1000, 1), 1, hlc_make(1000, 0), 9),
                     1);
}

static void equal_stamp_ties_go_to_higher_origin(void **state)
{
    (void)state;
    assert_int_equal(lww_compare(hlc_make(1000, 0), 3, hlc_make(1000, 0), 2),
                     1);
    assert_int_equal(lww_compare(hlc_make(1000, 0), 2, hlc_make(1000, 0), 3),
                     -1);
}

static void same_pair_is_a_duplicate(void **state)
{
    record_t a = s_rec(hlc_make(1000, 4), 2, 0, 0);

    (void)state;
    assert_int_equal(lww_compare(a.stamp, a.origin, a.stamp, a.origin), 0);
    s_expect(lww_decide(&a, &a), 0, 1, 0, 0);
}

static void first_write_to_a_key_wins_without_conflict(void **state)
{
    record_t in = s_rec(hlc_make(1000, 0), 1, 0, 0);

    (void)state;
    s_expect(lww_decide(NULL, &in), 1, 0, 0, 0);
}

static void overwrite_of_the_value_seen_is_not_a_conflict(void **state)
{
    record_t old = s_rec(hlc_make(1000, 0), 1, 0, 0);
    record_t in = s_rec(hlc_make(2000, 0), 2, old.stamp, old.origin);

    (void)state;
    s_expect(lww_decide(&old, &in), 1, 0, 0, 0);
}

static void
newer_write_unaware_of_the_existing_one_is_a_concurrent_conflict(void **state)
{
    record_t old = s_rec(hlc_make(1000, 0), 1, 0, 0);
    record_t in = s_rec(hlc_make(2000, 0), 2, 0, 0);

    (void)state;
    s_expect(lww_decide(&old, &in), 1, 0, 1, 1);
}

static void
newer_write_that_the_existing_writer_had_seen_is_not_concurrent(void **state)
{
    /*
     * Node 1 saw the incoming write and overwrote it, but its clock was
     * behind (wall mode) so its write is stamped lower. The incoming copy
     * wins back: a conflict, but the writes were ordered.
     */
    record_t in = s_rec(hlc_make(2000, 0), 2, 0, 0);
    record_t old = s_rec(hlc_make(1500, 0), 1, in.stamp, in.origin);

    (void)state;
    s_expect(lww_decide(&old, &in), 1, 0, 1, 0);
}

static void late_copy_of_an_overwritten_write_is_not_a_conflict(void **state)
{
    record_t in = s_rec(hlc_make(1000, 0), 1, 0, 0);
    record_t old = s_rec(hlc_make(2000, 0), 2, in.stamp, in.origin);

    (void)state;
    s_expect(lww_decide(&old, &in), 0, 0, 0, 0);
}

static void
older_write_whose_writer_saw_the_existing_one_is_not_concurrent(void **state)
{
    /* The writer overwrote what it saw, but stamped below it: clock skew. */
    record_t old = s_rec(hlc_make(6000, 0), 1, 0, 0);
    record_t in = s_rec(hlc_make(2000, 0), 2, old.stamp, old.origin);

    (void)state;
    s_expect(lww_decide(&old, &in), 0, 0, 1, 0);
}

static void
older_write_unaware_of_the_existing_one_is_a_concurrent_conflict(void **state)
{
    record_t old = s_rec(hlc_make(2000, 0), 1, 0, 0);
    record_t in = s_rec(hlc_make(1000, 0), 2, 0, 0);

    (void)state;
    s_expect(lww_decide(&old, &in), 0, 0, 1, 1);
}

static void prev_must_name_both_stamp_and_origin(void **state)
{
    record_t old = s_rec(hlc_make(1000, 0), 1, 0, 0);
    /* Same stamp as old, but it names a write by node 3. */
    record_t in = s_rec(hlc_make(2000, 0), 2, old.stamp, 3);

    (void)state;
    s_expect(lww_decide(&old, &in), 1, 0, 1, 1);
    in = s_rec(hlc_make(2000, 0), 2, hlc_make(1000, 1), old.origin);
    s_expect(lww_decide(&old, &in), 1, 0, 1, 1);
}

static void every_node_picks_the_same_winner_in_either_order(void **state)
{
    record_t a = s_rec(hlc_make(1000, 0), 1, 0, 0);
    record_t b = s_rec(hlc_make(1000, 0), 2, 0, 0);
    lww_verdict_t ab, ba;

    (void)state;
    /* One node holds a and receives b; another holds b and receives a. */
    ab = lww_decide(&a, &b);
    ba = lww_decide(&b, &a);
    assert_int_equal(ab.incoming_wins, 1);
    assert_int_equal(ba.incoming_wins, 0);
    assert_int_equal(ab.conflict, ba.conflict);
    assert_int_equal(ab.concurrent, ba.concurrent);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(later_stamp_wins),
        cmocka_unit_test(logical_counter_orders_writes_in_one_millisecond),
        cmocka_unit_test(equal_stamp_ties_go_to_higher_origin),
        cmocka_unit_test(same_pair_is_a_duplicate),
        cmocka_unit_test(first_write_to_a_key_wins_without_conflict),
        cmocka_unit_test(overwrite_of_the_value_seen_is_not_a_conflict),
        cmocka_unit_test(
            newer_write_unaware_of_the_existing_one_is_a_concurrent_conflict),
        cmocka_unit_test(
            newer_write_that_the_existing_writer_had_seen_is_not_concurrent),
        cmocka_unit_test(late_copy_of_an_overwritten_write_is_not_a_conflict),
        cmocka_unit_test(
            older_write_whose_writer_saw_the_existing_one_is_not_concurrent),
        cmocka_unit_test(
            older_write_unaware_of_the_existing_one_is_a_concurrent_conflict),
        cmocka_unit_test(prev_must_name_both_stamp_and_origin),
        cmocka_unit_test(every_node_picks_the_same_winner_in_either_order),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
