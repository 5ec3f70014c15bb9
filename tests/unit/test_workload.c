/*
 * test_workload.c - mm-load's operation streams, the open-loop schedule,
 * and how a reply finds the request it answers.
 *
 * Targets are small integers here, as in mm-load (a node's index in the
 * cluster file). Statistical tests draw enough operations that the bounds
 * they check hold with a wide margin for the fixed seeds they use.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "workload.h"

/* Two writers (targets 0 and 1) and a replica (target 2) for reads. */
static workload_opts_t s_opts(void)
{
    workload_opts_t o = {.seed = 1,
                         .keys = 100,
                         .dist = WORKLOAD_UNIFORM,
                         .route = WORKLOAD_STICKY,
                         .write = {0, 1},
                         .nwrite = 2,
                         .read = {2},
                         .nread = 1,
                         .fixed_target = -1};
    return o;
}

static workload_slot_t s_open(int target, uint64_t reqid, int key)
{
    workload_slot_t s = {.used = 1, .target = target, .reqid = reqid};
    s.op.key = key;
    return s;
}

static void a_reply_matches_the_request_on_its_own_connection(void **state)
{
    /* Both connections of one client handed out id 7: the reply that came
     * on the connection to target 1 answers the request sent there, even
     * though the request to target 0 comes first in the table. */
    workload_slot_t slots[3] = {s_open(0, 7, 10), s_open(1, 7, 11),
                                s_open(1, 8, 12)};

    (void)state;
    assert_int_equal(workload_slot_match(slots, 3, 1, 7), 1);
    assert_int_equal(workload_slot_match(slots, 3, 0, 7), 0);
    assert_int_equal(workload_slot_match(slots, 3, 1, 8), 2);
}

static void a_reply_that_answers_no_open_request_matches_nothing(void **state)
{
    workload_slot_t slots[2] = {s_open(0, 7, 10), s_open(1, 9, 11)};

    (void)state;
    /* Id 9 is open, but on another connection. */
    assert_int_equal(workload_slot_match(slots, 2, 0, 9), -1);
    assert_int_equal(workload_slot_match(slots, 2, 0, 8), -1);
    /* A request that timed out is closed: its late reply finds nothing. */
    slots[0].used = 0;
    assert_int_equal(workload_slot_match(slots, 2, 0, 7), -1);
}

static void a_free_slot_is_the_first_unused_one(void **state)
{
    workload_slot_t slots[3] = {s_open(0, 1, 0), s_open(0, 2, 0),
                                s_open(0, 3, 0)};

    (void)state;
    assert_int_equal(workload_slot_free(slots, 3), -1);
    slots[1].used = 0;
    assert_int_equal(workload_slot_free(slots, 3), 1);
}

#define DRAWS 10000

/* Client c's first DRAWS operations under o, into a static array. */
static const workload_op_t *s_draw(const workload_opts_t *o, int c)
{
    static workload_op_t ops[DRAWS];
    workload_t *w = workload_new(o);
    workload_stream_t s;

    assert_non_null(w);
    workload_stream_init(w, c, &s);
    for (int i = 0; i < DRAWS; i++)
        workload_next(w, &s, &ops[i]);
    workload_destroy(&w);
    assert_null(w);
    return ops;
}

static void same_seed_and_client_draw_the_same_operations(void **state)
{
    static workload_op_t first[DRAWS];
    workload_opts_t o = s_opts();
    o.read_frac = 0.3;
    o.route = WORKLOAD_RANDOM;
    int differ = 0;

    (void)state;
    memcpy(first, s_draw(&o, 3), sizeof first);
    const workload_op_t *again = s_draw(&o, 3);
    for (int i = 0; i < DRAWS; i++) {
        assert_int_equal(first[i].kind, again[i].kind);
        assert_int_equal(first[i].key, again[i].key);
        assert_int_equal(first[i].target, again[i].target);
        assert_int_equal(first[i].n, (uint64_t)i + 1);
    }
    const workload_op_t *other = s_draw(&o, 4);
    for (int i = 0; i < DRAWS; i++)
        differ += first[i].key != other[i].key;
    assert_true(differ > DRAWS * 9 / 10); /* another client, another stream */
}

static void kinds_follow_the_read_and_delete_fractions(void **state)
{
    workload_opts_t o = s_opts();
    o.read_frac = 0.3;
    o.delete_frac = 0.1;
    int n[3] = {0};

    (void)state;
    const workload_op_t *ops = s_draw(&o, 0);
    for (int i = 0; i < DRAWS; i++) {
        n[ops[i].kind]++;
        /* Reads go to the read targets, writes and deletes to writers. */
        assert_int_equal(ops[i].target == 2, ops[i].kind == WORKLOAD_READ);
    }
    assert_in_range(n[WORKLOAD_READ], 2800, 3200);
    assert_in_range(n[WORKLOAD_DELETE], 850, 1150);
}

static void sticky_route_sends_client_i_to_writer_i_mod_n(void **state)
{
    workload_opts_t o = s_opts();

    (void)state;
    for (int c = 0; c < 4; c++) {
        const workload_op_t *ops = s_draw(&o, c);
        for (int i = 0; i < DRAWS; i++)
            assert_int_equal(ops[i].target, c % 2);
    }
}

static void home_route_gives_each_key_one_writer(void **state)
{
    workload_opts_t o = s_opts();
    o.route = WORKLOAD_HOME;

    (void)state;
    const workload_op_t *ops = s_draw(&o, 1);
    for (int i = 0; i < DRAWS; i++)
        assert_int_equal(ops[i].target, ops[i].key % 2);
}

static void a_fixed_target_takes_every_operation(void **state)
{
    workload_opts_t o = s_opts();
    o.read_frac = 0.5;
    o.fixed_target = 16;

    (void)state;
    const workload_op_t *ops = s_draw(&o, 0);
    for (int i = 0; i < DRAWS; i++)
        assert_int_equal(ops[i].target, 16);
}

/* How many of DRAWS draws fall on keys below `below`. */
static int s_draws_below(workload_dist_t dist, int below)
{
    workload_opts_t o = s_opts();
    o.dist = dist;
    int n = 0;

    const workload_op_t *ops = s_draw(&o, 0);
    for (int i = 0; i < DRAWS; i++) {
        assert_in_range(ops[i].key, 0, o.keys - 1);
        n += ops[i].key < below;
    }
    return n;
}

static void skewed_distributions_favour_the_first_keys(void **state)
{
    (void)state;
    /* Uniform: 10% of the keys get about 10% of the draws. */
    assert_in_range(s_draws_below(WORKLOAD_UNIFORM, 10), 800, 1200);
    /* Hot: 90%, plus the uniform share of the other 10%. */
    assert_in_range(s_draws_below(WORKLOAD_HOT, 10), 8900, 9300);
    /* Zipf over 100 keys: key 0 alone has weight 1/H(100), about 19%. */
    assert_in_range(s_draws_below(WORKLOAD_ZIPF, 1), 1700, 2200);
}

static void
open_loop_clients_interleave_one_operation_per_interval(void **state)
{
    /* 4 clients at 200 ops/s: one operation every 5 ms in all, each
     * client every 20 ms, client i starting at i x 5 ms. */
    (void)state;
    for (uint64_t k = 0; k < 3; k++)
        for (int c = 0; c < 4; c++)
            assert_int_equal(workload_due_ns(200, 4, c, k),
                             (int64_t)(k * 4 + (uint64_t)c) * 5000000);
}

static void open_loop_schedule_does_not_drift(void **state)
{
    /* A day at 3 ops/s over 7 clients: the k-th time is computed from k,
     * so it is off by rounding only, never by an accumulated error. */
    uint64_t k = 86400ull * 3 / 7;

    (void)state;
    int64_t due = workload_due_ns(3, 7, 2, k);
    int64_t exact = (int64_t)((k * 7 + 2) * 1000000000ull / 3);
    assert_true(due - exact <= 1 && exact - due <= 1);
}

static void slots_busy_since_a_time_only_if_all_were_sent_by_then(void **state)
{
    workload_slot_t slots[2] = {s_open(0, 1, 0), s_open(1, 2, 0)};

    (void)state;
    slots[0].start_ns = 100;
    slots[1].start_ns = 200;
    /* Both were in flight at 250: every slot was busy then. */
    assert_true(workload_slots_busy_since(slots, 2, 250));
    assert_true(workload_slots_busy_since(slots, 2, 200));
    /* At 150 the second slot's request had not been sent. */
    assert_false(workload_slots_busy_since(slots, 2, 150));
    slots[0].used = 0;
    assert_false(workload_slots_busy_since(slots, 2, 250));
}

/* The targets client c's stream can reach, as a bit set. */
static unsigned s_reach(const workload_opts_t *o, int c)
{
    workload_t *w = workload_new(o);
    workload_stream_t s;
    int t[WORKLOAD_MAX_TARGETS];
    unsigned set = 0;

    workload_stream_init(w, c, &s);
    int n = workload_targets(w, &s, t);
    for (int i = 0; i < n; i++) {
        assert_false(set & 1u << t[i]); /* each once */
        set |= 1u << t[i];
    }
    workload_destroy(&w);
    return set;
}

static void targets_are_every_node_a_stream_can_send_to(void **state)
{
    workload_opts_t o = s_opts();

    (void)state;
    assert_int_equal(s_reach(&o, 1), 1u << 1); /* sticky, no reads */
    o.read_frac = 0.5;
    assert_int_equal(s_reach(&o, 1), 1u << 1 | 1u << 2);
    o.read_frac = 1;
    assert_int_equal(s_reach(&o, 1), 1u << 2); /* reads only */
    o.read_frac = 0;
    o.route = WORKLOAD_RANDOM;
    assert_int_equal(s_reach(&o, 1), 1u << 0 | 1u << 1);
    o.route = WORKLOAD_HOME;
    o.keys = 1; /* key 0's home is the first writer */
    assert_int_equal(s_reach(&o, 1), 1u << 0);
    o.fixed_target = 16;
    assert_int_equal(s_reach(&o, 1), 1u << 16);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_reply_matches_the_request_on_its_own_connection),
        cmocka_unit_test(a_reply_that_answers_no_open_request_matches_nothing),
        cmocka_unit_test(a_free_slot_is_the_first_unused_one),
        cmocka_unit_test(same_seed_and_client_draw_the_same_operations),
        cmocka_unit_test(kinds_follow_the_read_and_delete_fractions),
        cmocka_unit_test(sticky_route_sends_client_i_to_writer_i_mod_n),
        cmocka_unit_test(home_route_gives_each_key_one_writer),
        cmocka_unit_test(a_fixed_target_takes_every_operation),
        cmocka_unit_test(skewed_distributions_favour_the_first_keys),
        cmocka_unit_test(
            open_loop_clients_interleave_one_operation_per_interval),
        cmocka_unit_test(open_loop_schedule_does_not_drift),
        cmocka_unit_test(slots_busy_since_a_time_only_if_all_were_sent_by_then),
        cmocka_unit_test(targets_are_every_node_a_stream_can_send_to),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
