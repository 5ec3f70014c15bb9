/*
 * test_workload.c - mm-load's operation streams, and how a reply finds the
 * request it answers.
 *
 * Targets are small integers here, as in mm-load (a node's index in the
 * cluster file). Statistical tests draw enough operations that the bounds
 * they check hold with a wide margin for the fixed seeds they use.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
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

static void same_seed_and_client_draw_the_same_operations(void **state)
{
    workload_opts_t o = s_opts();
    o.read_frac = 0.3;
    o.route = WORKLOAD_RANDOM;
    workload_t *w = workload_new(&o);
    workload_stream_t a, b, other;
    int differ = 0;

    (void)state;
    workload_stream_init(w, 3, &a);
    workload_stream_init(w, 3, &b);
    workload_stream_init(w, 4, &other);
    for (int i = 0; i < 1000; i++) {
        workload_op_t x, y, z;
        workload_next(w, &a, &x);
        workload_next(w, &b, &y);
        workload_next(w, &other, &z);
        assert_int_equal(x.kind, y.kind);
        assert_int_equal(x.key, y.key);
        assert_int_equal(x.target, y.target);
        assert_int_equal(x.n, (uint64_t)i + 1);
        differ += x.key != z.key;
    }
    assert_true(differ > 900); /* another client, another stream */
    workload_destroy(&w);
    assert_null(w);
}

static void kinds_follow_the_read_and_delete_fractions(void **state)
{
    workload_opts_t o = s_opts();
    o.read_frac = 0.3;
    o.delete_frac = 0.1;
    workload_t *w = workload_new(&o);
    workload_stream_t s;
    int n[3] = {0};

    (void)state;
    workload_stream_init(w, 0, &s);
    for (int i = 0; i < 10000; i++) {
        workload_op_t op;
        workload_next(w, &s, &op);
        n[op.kind]++;
        /* Reads go to the read targets, writes and deletes to writers. */
        assert_int_equal(op.target == 2, op.kind == WORKLOAD_READ);
    }
    assert_in_range(n[WORKLOAD_READ], 2800, 3200);
    assert_in_range(n[WORKLOAD_DELETE], 850, 1150);
    workload_destroy(&w);
}

static void sticky_route_sends_client_i_to_writer_i_mod_n(void **state)
{
    workload_opts_t o = s_opts();
    workload_t *w = workload_new(&o);

    (void)state;
    for (int c = 0; c < 4; c++) {
        workload_stream_t s;
        workload_stream_init(w, c, &s);
        for (int i = 0; i < 50; i++) {
            workload_op_t op;
            workload_next(w, &s, &op);
            assert_int_equal(op.target, c % 2);
        }
    }
    workload_destroy(&w);
}

static void home_route_gives_each_key_one_writer(void **state)
{
    workload_opts_t o = s_opts();
    o.route = WORKLOAD_HOME;
    workload_t *w = workload_new(&o);
    workload_stream_t s;

    (void)state;
    workload_stream_init(w, 1, &s);
    for (int i = 0; i < 500; i++) {
        workload_op_t op;
        workload_next(w, &s, &op);
        assert_int_equal(op.target, op.key % 2);
    }
    workload_destroy(&w);
}

static void a_fixed_target_takes_every_operation(void **state)
{
    workload_opts_t o = s_opts();
    o.read_frac = 0.5;
    o.fixed_target = 16;
    workload_t *w = workload_new(&o);
    workload_stream_t s;

    (void)state;
    workload_stream_init(w, 0, &s);
    for (int i = 0; i < 200; i++) {
        workload_op_t op;
        workload_next(w, &s, &op);
        assert_int_equal(op.target, 16);
    }
    workload_destroy(&w);
}

/* How many of 10,000 draws fall on keys below `below`. */
static int s_draws_below(workload_dist_t dist, int below)
{
    workload_opts_t o = s_opts();
    o.dist = dist;
    workload_t *w = workload_new(&o);
    workload_stream_t s;
    int n = 0;

    workload_stream_init(w, 0, &s);
    for (int i = 0; i < 10000; i++) {
        workload_op_t op;
        workload_next(w, &s, &op);
        assert_in_range(op.key, 0, o.keys - 1);
        n += op.key < below;
    }
    workload_destroy(&w);
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
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
