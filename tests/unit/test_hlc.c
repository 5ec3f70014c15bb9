/*
 * test_hlc.c - the node clock: stamps only go up, follow the wall clock,
 * and in HLC mode (but not wall mode) jump past stamps seen from others.
 *
 * The clock is pure, so each test plays a scenario by passing wall times in
 * and reads the stamps back as (milliseconds, counter) pairs.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <time.h>
#include "err.h"
#include "hlc.h"
#include "lww.h"

static void stamps_compare_as_millisecond_counter_pairs(void **state)
{
    mm_stamp_t s = hlc_make(1234, 7);

    (void)state;
    assert_int_equal(hlc_ms(s), 1234);
    assert_int_equal(hlc_logical(s), 7);
    assert_true(hlc_make(1234, 8) > s);
    assert_true(hlc_make(1235, 0) > hlc_make(1234, HLC_LOGICAL_MAX));
}

static void a_new_clock_stamps_at_the_wall_time(void **state)
{
    hlc_t h;

    (void)state;
    hlc_init(&h, HLC_MODE_HLC);
    assert_int_equal(hlc_now(&h, 1000), hlc_make(1000, 0));
}

static void stamps_in_one_millisecond_count_up(void **state)
{
    hlc_t h;

    (void)state;
    hlc_init(&h, HLC_MODE_HLC);
    assert_int_equal(hlc_now(&h, 1000), hlc_make(1000, 0));
    assert_int_equal(hlc_now(&h, 1000), hlc_make(1000, 1));
    assert_int_equal(hlc_now(&h, 1000), hlc_make(1000, 2));
}

static void stamps_follow_the_wall_clock_forward(void **state)
{
    hlc_t h;

    (void)state;
    hlc_init(&h, HLC_MODE_HLC);
    hlc_now(&h, 1000);
    hlc_now(&h, 1000);
    /* A new millisecond resets the counter. */
    assert_int_equal(hlc_now(&h, 1005), hlc_make(1005, 0));
}

static void stamps_stay_monotonic_when_the_wall_clock_steps_back(void **state)
{
    hlc_mode_t modes[] = {HLC_MODE_HLC, HLC_MODE_WALL};
    size_t i;

    (void)state;
    /* Both modes promise this: one node's writes never tie or go back. */
    for (i = 0; i < 2; i++) {
        hlc_t h;
        mm_stamp_t a, b, c;

        hlc_init(&h, modes[i]);
        a = hlc_now(&h, 5000);
        b = hlc_now(&h, 1000); /* NTP stepped the clock back 4 seconds */
        c = hlc_now(&h, 4999);
        assert_true(b > a);
        assert_true(c > b);
        assert_int_equal(b, hlc_make(5000, 1));
        assert_int_equal(c, hlc_make(5000, 2));
        /* Once real time passes the old reading, the clock follows it. */
        assert_int_equal(hlc_now(&h, 5001), hlc_make(5001, 0));
    }
}

static void logical_counter_overflow_moves_to_next_ms(void **state)
{
    hlc_t h;
    mm_stamp_t prev, s;
    uint32_t i;

    (void)state;
    hlc_init(&h, HLC_MODE_HLC);
    prev = hlc_now(&h, 1000);
    for (i = 1; i <= HLC_LOGICAL_MAX; i++) {
        s = hlc_now(&h, 1000);
        assert_true(s > prev);
        prev = s;
    }
    assert_int_equal(prev, hlc_make(1000, HLC_LOGICAL_MAX));
    /* The 65537th stamp in one millisecond borrows the next millisecond. */
    assert_int_equal(hlc_now(&h, 1000), hlc_make(1001, 0));
    /* When the wall reaches that millisecond, the counter continues. */
    assert_int_equal(hlc_now(&h, 1001), hlc_make(1001, 1));
}

static void stamp_advances_past_an_observed_remote_stamp(void **state)
{
    hlc_t h;

    (void)state;
    hlc_init(&h, HLC_MODE_HLC);
    hlc_now(&h, 1000);
    hlc_observe(&h, hlc_make(9000, 7));
    assert_int_equal(hlc_now(&h, 1001), hlc_make(9000, 8));
    /* Real time catching up takes over again. */
    assert_int_equal(hlc_now(&h, 9001), hlc_make(9001, 0));
}

static void observing_an_older_stamp_changes_nothing(void **state)
{
    hlc_t h;

    (void)state;
    hlc_init(&h, HLC_MODE_HLC);
    hlc_now(&h, 5000);
    hlc_observe(&h, hlc_make(3000, 9));
    assert_int_equal(hlc_now(&h, 5000), hlc_make(5000, 1));
}

static void observed_counter_at_its_maximum_moves_to_next_ms(void **state)
{
    hlc_t h;

    (void)state;
    hlc_init(&h, HLC_MODE_HLC);
    hlc_observe(&h, hlc_make(9000, HLC_LOGICAL_MAX));
    assert_int_equal(hlc_now(&h, 1000), hlc_make(9001, 0));
}

static void wall_mode_ignores_observed_stamps(void **state)
{
    hlc_t h;

    (void)state;
    hlc_init(&h, HLC_MODE_WALL);
    hlc_now(&h, 1000);
    hlc_observe(&h, hlc_make(9000, 7));
    assert_int_equal(hlc_now(&h, 1001), hlc_make(1001, 0));
}

static void offset_skews_the_clock(void **state)
{
    hlc_t h;

    (void)state;
    hlc_init(&h, HLC_MODE_HLC);
    hlc_set_offset(&h, 5000);
    assert_int_equal(hlc_now(&h, 1000), hlc_make(6000, 0));
    hlc_set_offset(&h, -500);
    /* Moving the clock back does not move the stamps back. */
    assert_int_equal(hlc_now(&h, 1000), hlc_make(6000, 1));
}

static void negative_offset_below_zero_clamps_to_zero(void **state)
{
    hlc_t h;

    (void)state;
    hlc_init(&h, HLC_MODE_WALL);
    hlc_set_offset(&h, -5000);
    assert_int_equal(hlc_ms(hlc_now(&h, 1000)), 0);
    hlc_set_offset(&h, INT64_MIN);
    assert_int_equal(hlc_ms(hlc_now(&h, 1000)), 0);
    /* The clock still counts up from there. */
    hlc_set_offset(&h, 0);
    assert_int_equal(hlc_now(&h, 1000), hlc_make(1000, 0));
}

static void huge_offset_saturates_instead_of_wrapping(void **state)
{
    hlc_t h;
    mm_stamp_t a, b;
    uint64_t ms_max = (UINT64_C(1) << 48) - 1;

    (void)state;
    hlc_init(&h, HLC_MODE_HLC);
    hlc_set_offset(&h, INT64_MAX);
    a = hlc_now(&h, 1000);
    b = hlc_now(&h, 2000);
    assert_int_equal(hlc_ms(a), ms_max);
    assert_true(b > a);
}

static void mode_names_parse_and_print(void **state)
{
    hlc_mode_t m = HLC_MODE_WALL;

    (void)state;
    assert_int_equal(hlc_mode_parse("hlc", &m), 0);
    assert_int_equal(m, HLC_MODE_HLC);
    assert_int_equal(hlc_mode_parse("wall", &m), 0);
    assert_int_equal(m, HLC_MODE_WALL);
    assert_string_equal(hlc_mode_name(HLC_MODE_HLC), "hlc");
    assert_string_equal(hlc_mode_name(HLC_MODE_WALL), "wall");
}

static void unknown_mode_name_is_a_config_error(void **state)
{
    hlc_mode_t m = HLC_MODE_WALL;

    (void)state;
    assert_int_equal(hlc_mode_parse("HLC", &m), MM_ERR_CONFIG);
    assert_int_equal(hlc_mode_parse("", &m), MM_ERR_CONFIG);
    assert_int_equal(hlc_mode_parse("wallclock", &m), MM_ERR_CONFIG);
    assert_int_equal(m, HLC_MODE_WALL);
}

static void wall_ms_reads_the_real_clock(void **state)
{
    /* time() reads a coarse clock that can run a tick ahead of
     * CLOCK_REALTIME, so compare against CLOCK_REALTIME itself. */
    struct timespec a, b;
    clock_gettime(CLOCK_REALTIME, &a);
    uint64_t ms = hlc_wall_ms();
    clock_gettime(CLOCK_REALTIME, &b);
    uint64_t before = (uint64_t)a.tv_sec * 1000 + (uint64_t)a.tv_nsec / 1000000;
    uint64_t after = (uint64_t)b.tv_sec * 1000 + (uint64_t)b.tv_nsec / 1000000;

    (void)state;
    assert_in_range(ms, before, after);
}

/*
 * Node A's clock is 5 s fast. A writes x at real time t=1000; B (clock
 * right) receives A's write through replication, then overwrites x at real
 * time t=2000. Returns lww_compare(B's write, A's write): 1 if B's later
 * write survives.
 */
static int s_later_write_vs_earlier(hlc_mode_t mode)
{
    hlc_t a, b;
    mm_stamp_t sa, sb;

    hlc_init(&a, mode);
    hlc_init(&b, mode);
    hlc_set_offset(&a, 5000);

    sa = hlc_now(&a, 1000);
    hlc_observe(&b, sa);
    sb = hlc_now(&b, 2000);
    return lww_compare(sb, 2, sa, 1);
}

static void
skewed_wall_clocks_make_a_later_write_lose_in_wall_mode_but_not_in_hlc_mode(
    void **state)
{
    (void)state;

    assert_int_equal(s_later_write_vs_earlier(HLC_MODE_WALL), -1);
    assert_int_equal(s_later_write_vs_earlier(HLC_MODE_HLC), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(stamps_compare_as_millisecond_counter_pairs),
        cmocka_unit_test(a_new_clock_stamps_at_the_wall_time),
        cmocka_unit_test(stamps_in_one_millisecond_count_up),
        cmocka_unit_test(stamps_follow_the_wall_clock_forward),
        cmocka_unit_test(stamps_stay_monotonic_when_the_wall_clock_steps_back),
        cmocka_unit_test(logical_counter_overflow_moves_to_next_ms),
        cmocka_unit_test(stamp_advances_past_an_observed_remote_stamp),
        cmocka_unit_test(observing_an_older_stamp_changes_nothing),
        cmocka_unit_test(observed_counter_at_its_maximum_moves_to_next_ms),
        cmocka_unit_test(wall_mode_ignores_observed_stamps),
        cmocka_unit_test(offset_skews_the_clock),
        cmocka_unit_test(negative_offset_below_zero_clamps_to_zero),
        cmocka_unit_test(huge_offset_saturates_instead_of_wrapping),
        cmocka_unit_test(mode_names_parse_and_print),
        cmocka_unit_test(unknown_mode_name_is_a_config_error),
        cmocka_unit_test(wall_ms_reads_the_real_clock),
        cmocka_unit_test(
            skewed_wall_clocks_make_a_later_write_lose_in_wall_mode_but_not_in_hlc_mode),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
