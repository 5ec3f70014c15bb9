/*
 * test_peer_frames.c - replication frames that name no node: a node's
 * peer socket and its follow links take frames from whoever connects, so
 * an origin outside 1..MM_MAX_NODES must be refused or ignored, never
 * used as a bit or an index (tests/fuzz/fuzz_node found both cases).
 *
 * Each test runs a real node in this process (tests/inproc_node.h) and
 * plays its follower r1 or its source s1 with sockets of its own.
 */
/* nftw() (inproc_node.h) is an X/Open function. */
#define _XOPEN_SOURCE 700
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <unistd.h>
#include "../inproc_node.h"
#include "log.h"

static char s_dir[64];

static node_t *s_start(void)
{
    char err[512];
    snprintf(s_dir, sizeof s_dir, "/tmp/mmlab-peer-frames-%d", (int)getpid());
    log_init("p1", LOG_ERROR);
    node_t *n = inproc_node_start(s_dir, err, sizeof err);
    if (n == NULL)
        fail_msg("%s", err);
    return n;
}

/* Sends m (with an applied vector of p1's origin at 0) from sock. */
static void s_send(void *sock, wire_msg_t *m)
{
    uint8_t frame[512], vec[16];
    uint64_t applied[MM_MAX_NODES + 1] = {0};
    if (m->cmd == WIRE_HELLO) {
        m->value = vec;
        m->vlen = (uint32_t)wire_vec_encode(applied, 1u << 1, vec, sizeof vec);
    }
    int len = wire_encode(m, frame, sizeof frame);
    assert_true(len > 0);
    assert_int_equal(zmq_send(sock, frame, (size_t)len, 0), len);
}

static int s_followers(const node_t *n)
{
    int used = 0;
    for (int i = 0; i < MAX_FOLLOWERS; i++)
        used += n->stream.followers[i].used;
    return used;
}

/* Found by fuzz_node: the HELLO's origin became the follower's node id,
 * and streaming to it read n->faults.delay_us[origin], far past the end
 * of the array for origin 41840. */
static void a_hello_from_no_node_is_refused(void **state)
{
    node_t *n = s_start();
    void *r1 = inproc_node_socket(n, ZMQ_DEALER, "r1");
    (void)state;
    assert_int_equal(zmq_connect(r1, "inproc://p1-peer"), 0);
    wire_msg_t hello = {.cmd = WIRE_HELLO, .origin = 41840, .epoch = 1};
    hello.key = (const uint8_t *)"r1";
    hello.klen = 2;
    s_send(r1, &hello);
    stream_serve_peers(n);
    assert_int_equal(s_followers(n), 0);
    hello.origin = 3; /* r1's id: followed */
    s_send(r1, &hello);
    stream_serve_peers(n);
    assert_int_equal(s_followers(n), 1);
    zmq_close(r1);
    inproc_node_stop(&n, s_dir);
}

/* Found by fuzz_node: node_bit(34) shifted by 34 (undefined; on x86 it is
 * s1's bit 2), so a REC of origin 34 passed the wants check, failed to
 * apply, and took the rest of its batch with it. */
static void a_record_of_no_origin_does_not_cost_its_pack(void **state)
{
    node_t *n = s_start();
    void *s1 = inproc_node_socket(n, ZMQ_ROUTER, NULL);
    uint8_t pack[512], id[8];
    (void)state;
    assert_int_equal(node_bit(34), 0);
    assert_int_equal(node_bit(MM_MAX_NODES + 1), 0);
    assert_int_equal(node_bit(2), 4);
    assert_int_equal(zmq_bind(s1, "inproc://s1-peer"), 0);
    follow_start(n);
    /* p1's HELLO tells the session its stream must carry. */
    zmq_msg_t m;
    wire_msg_t hello;
    zmq_msg_init(&m);
    assert_int_equal(zmq_recv(s1, id, sizeof id, 0), 2);
    assert_true(zmq_msg_recv(&m, s1, 0) > 0);
    assert_int_equal(wire_decode(zmq_msg_data(&m), zmq_msg_size(&m), &hello),
                     0);
    wire_msg_t rec = {.cmd = WIRE_REC,
                      .origin = 34,
                      .epoch = 1,
                      .seq = 1,
                      .stamp = hlc_make(1795766078123ull, 0),
                      .reqid = hello.reqid};
    rec.key = (const uint8_t *)"x";
    rec.klen = 1;
    rec.value = (const uint8_t *)"bad";
    rec.vlen = 3;
    int a = wire_encode(&rec, pack, sizeof pack);
    rec.origin = 2; /* s1's own write, in the same pack */
    rec.key = (const uint8_t *)"k";
    rec.value = (const uint8_t *)"v";
    rec.vlen = 1;
    int b = wire_encode(&rec, pack + a, sizeof pack - (size_t)a);
    zmq_msg_close(&m);
    assert_int_equal(zmq_send(s1, "p1", 2, ZMQ_SNDMORE), 2);
    assert_int_equal(zmq_send(s1, pack, (size_t)(a + b), 0), a + b);
    follow_read(n, &n->follow.links[0]);
    record_t got;
    uint8_t v[16];
    assert_int_equal(
        store_get(n->store, (const uint8_t *)"k", 1, &got, v, sizeof v), 1);
    assert_int_equal(got.vlen, 1);
    assert_memory_equal(got.value, "v", 1);
    assert_int_equal(
        store_get(n->store, (const uint8_t *)"x", 1, &got, v, sizeof v), 0);
    zmq_close(s1);
    inproc_node_stop(&n, s_dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_hello_from_no_node_is_refused),
        cmocka_unit_test(a_record_of_no_origin_does_not_cost_its_pack),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
