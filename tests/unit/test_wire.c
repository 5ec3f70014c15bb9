/*
 * test_wire.c - the frame format and applied vectors: round trips, the
 * exact byte layout, and a decoder that answers every malformed frame with
 * an error code instead of a crash.
 *
 * Decoder inputs are copied into heap buffers of exactly their length, so a
 * read one byte past the end is caught when the tests run under
 * AddressSanitizer.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include "err.h"
#include "wire.h"

static wire_msg_t s_sample(void)
{
    wire_msg_t m = {0};

    m.cmd = WIRE_REC;
    m.flags = WIRE_F_TOMBSTONE | WIRE_F_MORE;
    m.origin = 2;
    m.prev_origin = 1;
    m.epoch = 7;
    m.seq = 1234567;
    m.stamp = 0x0001234567890042;
    m.prev_stamp = 0x0001234567880000;
    m.reqid = 99;
    m.key = (const uint8_t *)"user:17";
    m.klen = 7;
    m.value = (const uint8_t *)"some value";
    m.vlen = 10;
    return m;
}

/* A heap copy of exactly len bytes, so ASan sees any over-read. */
static uint8_t *s_exact(const uint8_t *src, size_t len)
{
    uint8_t *p = malloc(len > 0 ? len : 1);

    assert_non_null(p);
    if (len > 0)
        memcpy(p, src, len);
    return p;
}

static void s_assert_same(const wire_msg_t *a, const wire_msg_t *b)
{
    assert_int_equal(b->version, WIRE_VERSION);
    assert_int_equal(a->cmd, b->cmd);
    assert_int_equal(a->flags, b->flags);
    assert_int_equal(a->origin, b->origin);
    assert_int_equal(a->prev_origin, b->prev_origin);
    assert_int_equal(a->epoch, b->epoch);
    assert_int_equal(a->seq, b->seq);
    assert_int_equal(a->stamp, b->stamp);
    assert_int_equal(a->prev_stamp, b->prev_stamp);
    assert_int_equal(a->reqid, b->reqid);
    assert_int_equal(a->klen, b->klen);
    assert_int_equal(a->vlen, b->vlen);
    if (a->klen > 0)
        assert_memory_equal(a->key, b->key, a->klen);
    if (a->vlen > 0)
        assert_memory_equal(a->value, b->value, a->vlen);
}

/* Encodes m, decodes it back from an exact-size copy, checks every field. */
static void s_round_trip(const wire_msg_t *m)
{
    size_t n = wire_size(m);
    uint8_t *buf = malloc(n);
    wire_msg_t out;

    assert_non_null(buf);
    assert_int_equal(wire_encode(m, buf, n), (int)n);
    assert_int_equal(wire_decode(buf, n, &out), 0);
    s_assert_same(m, &out);
    /* Key and value are borrowed from the buffer, not copied. */
    assert_ptr_equal(out.key, buf + WIRE_HEADER_SIZE);
    assert_ptr_equal(out.value, buf + WIRE_HEADER_SIZE + m->klen);
    free(buf);
}

static void frame_round_trips_every_field(void **state)
{
    wire_msg_t m = s_sample();

    (void)state;
    s_round_trip(&m);
}

static void frame_without_key_or_value_round_trips(void **state)
{
    wire_msg_t m = {0};

    (void)state;
    m.cmd = WIRE_PING;
    m.reqid = 1;
    assert_int_equal(wire_size(&m), WIRE_HEADER_SIZE);
    s_round_trip(&m);
}

/*
 * A frame's value limit is a little above a client value's, so one DUMP page
 * can carry a largest value with its key (wire.h).
 */
static void largest_key_and_value_round_trip(void **state)
{
    wire_msg_t m = s_sample();
    uint8_t *key = malloc(MM_KEY_MAX), *value = malloc(WIRE_VALUE_MAX);

    (void)state;
    assert_non_null(key);
    assert_non_null(value);
    memset(key, 'k', MM_KEY_MAX);
    memset(value, 0xa5, WIRE_VALUE_MAX);
    m.key = key;
    m.klen = MM_KEY_MAX;
    m.value = value;
    m.vlen = WIRE_VALUE_MAX;
    s_round_trip(&m);
    free(key);
    free(value);
}

static void encoder_ignores_the_version_field(void **state)
{
    wire_msg_t m = s_sample();
    uint8_t buf[128];

    (void)state;
    m.version = 9;
    assert_true(wire_encode(&m, buf, sizeof(buf)) > 0);
    assert_int_equal(buf[0], WIRE_VERSION);
}

static void encoding_follows_the_table_in_wire_h(void **state)
{
    wire_msg_t m = {0};
    uint8_t buf[WIRE_HEADER_SIZE + 3];
    const uint8_t want[] = {
        0x01,                                               /* version */
        WIRE_PUT,                                           /* cmd */
        0x00,     0x02,                                     /* flags */
        0x01,     0x02,                                     /* origin */
        0x03,     0x04,                                     /* prev_origin */
        0x05,     0x06, 0x07, 0x08,                         /* epoch */
        0x11,     0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, /* seq */
        0x21,     0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28, /* stamp */
        0x31,     0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, /* prev_stamp */
        0x41,     0x42, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, /* reqid */
        0x00,     0x01,                                     /* key length */
        0x00,     0x00, 0x00, 0x02,                         /* value length */
        'k',                                                /* key */
        'v',      'w',                                      /* value */
    };

    (void)state;
    m.cmd = WIRE_PUT;
    m.flags = WIRE_F_MORE;
    m.origin = 0x0102;
    m.prev_origin = 0x0304;
    m.epoch = 0x05060708;
    m.seq = 0x1112131415161718;
    m.stamp = 0x2122232425262728;
    m.prev_stamp = 0x3132333435363738;
    m.reqid = 0x4142434445464748;
    m.key = (const uint8_t *)"k";
    m.klen = 1;
    m.value = (const uint8_t *)"vw";
    m.vlen = 2;
    assert_int_equal(sizeof(want), sizeof(buf));
    assert_int_equal(wire_encode(&m, buf, sizeof(buf)), sizeof(buf));
    assert_memory_equal(buf, want, sizeof(want));
}

static void encoder_refuses_a_key_or_value_over_the_limits(void **state)
{
    wire_msg_t m = s_sample();
    uint8_t buf[128];

    (void)state;
    /* The length checks come first, so no key or value bytes are read. */
    m.klen = MM_KEY_MAX + 1;
    assert_int_equal(wire_encode(&m, buf, sizeof(buf)), MM_ERR_TOOBIG);
    m = s_sample();
    m.vlen = WIRE_VALUE_MAX + 1;
    assert_int_equal(wire_encode(&m, buf, sizeof(buf)), MM_ERR_TOOBIG);
}

static void encoder_buffer_one_byte_short_is_no_space(void **state)
{
    wire_msg_t m = s_sample();
    uint8_t buf[128];

    (void)state;
    assert_int_equal(wire_encode(&m, buf, wire_size(&m) - 1), MM_ERR_NOSPACE);
}

static void every_truncation_of_a_valid_frame_is_short(void **state)
{
    wire_msg_t m = s_sample(), out;
    uint8_t full[128];
    size_t n = wire_size(&m), len;

    (void)state;
    assert_int_equal(wire_encode(&m, full, sizeof(full)), (int)n);
    for (len = 0; len < n; len++) {
        uint8_t *p = s_exact(full, len);
        assert_int_equal(wire_decode(p, len, &out), MM_ERR_SHORT);
        free(p);
    }
}

static void unknown_version_is_refused(void **state)
{
    wire_msg_t m = s_sample(), out;
    uint8_t buf[128];
    size_t n = wire_size(&m);

    (void)state;
    assert_int_equal(wire_encode(&m, buf, sizeof(buf)), (int)n);
    buf[0] = 0;
    assert_int_equal(wire_decode(buf, n, &out), MM_ERR_VERSION);
    buf[0] = WIRE_VERSION + 1;
    assert_int_equal(wire_decode(buf, n, &out), MM_ERR_VERSION);
}

static void key_length_field_over_the_limit_is_too_big(void **state)
{
    wire_msg_t m = s_sample(), out;
    uint8_t buf[128];
    size_t n = wire_size(&m);

    (void)state;
    assert_int_equal(wire_encode(&m, buf, sizeof(buf)), (int)n);
    buf[44] = (MM_KEY_MAX + 1) >> 8;
    buf[45] = (MM_KEY_MAX + 1) & 0xff;
    assert_int_equal(wire_decode(buf, n, &out), MM_ERR_TOOBIG);
    buf[44] = buf[45] = 0xff;
    assert_int_equal(wire_decode(buf, n, &out), MM_ERR_TOOBIG);
}

static void value_length_field_over_the_limit_is_too_big(void **state)
{
    wire_msg_t m = s_sample(), out;
    uint8_t buf[128];
    size_t n = wire_size(&m);
    const uint32_t over = WIRE_VALUE_MAX + 1;

    (void)state;
    assert_int_equal(wire_encode(&m, buf, sizeof(buf)), (int)n);
    buf[46] = (uint8_t)(over >> 24);
    buf[47] = (uint8_t)(over >> 16);
    buf[48] = (uint8_t)(over >> 8);
    buf[49] = (uint8_t)over;
    assert_int_equal(wire_decode(buf, n, &out), MM_ERR_TOOBIG);
    /* 0xffffffff: a length that would overflow a careless sum. */
    memset(buf + 46, 0xff, 4);
    assert_int_equal(wire_decode(buf, n, &out), MM_ERR_TOOBIG);
}

static void trailing_bytes_are_corrupt(void **state)
{
    wire_msg_t m = s_sample(), out;
    uint8_t buf[128];
    size_t n = wire_size(&m);

    (void)state;
    assert_int_equal(wire_encode(&m, buf, sizeof(buf)), (int)n);
    buf[n] = 0;
    assert_int_equal(wire_decode(buf, n + 1, &out), MM_ERR_CORRUPT);
}

static void unknown_command_still_decodes(void **state)
{
    wire_msg_t m = s_sample(), out;
    uint8_t buf[128];
    size_t n;

    (void)state;
    /* Refusing it is the node's job: it answers with an ERROR frame. */
    m.cmd = 200;
    n = (size_t)wire_encode(&m, buf, sizeof(buf));
    assert_int_equal(wire_decode(buf, n, &out), 0);
    assert_int_equal(out.cmd, 200);
}

static void every_command_has_a_name(void **state)
{
    static const struct {
        int cmd;
        const char *name;
    } names[] = {
        {WIRE_PUT, "PUT"},
        {WIRE_GET, "GET"},
        {WIRE_DEL, "DEL"},
        {WIRE_DUMP, "DUMP"},
        {WIRE_STATUS, "STATUS"},
        {WIRE_PING, "PING"},
        {WIRE_FAULT, "FAULT"},
        {WIRE_PROMOTE, "PROMOTE"},
        {WIRE_DEMOTE, "DEMOTE"},
        {WIRE_OK, "OK"},
        {WIRE_VALUE, "VALUE"},
        {WIRE_NOTFOUND, "NOTFOUND"},
        {WIRE_ERROR, "ERROR"},
        {WIRE_DUMP_REPLY, "DUMP_REPLY"},
        {WIRE_STATUS_REPLY, "STATUS_REPLY"},
        {WIRE_PONG, "PONG"},
        {WIRE_HELLO, "HELLO"},
        {WIRE_REC, "REC"},
        {WIRE_ACK, "ACK"},
        {WIRE_BEAT, "BEAT"},
        {WIRE_REHELLO, "REHELLO"},
        {WIRE_SNAP, "SNAP"},
        {WIRE_SNAP_END, "SNAP_END"},
    };
    size_t i;
    int cmd, named = 0;

    (void)state;
    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        assert_string_equal(wire_cmd_name(names[i].cmd), names[i].name);
    /* And nothing else has one. */
    for (cmd = -1; cmd < 300; cmd++)
        named += strcmp(wire_cmd_name(cmd), "?") != 0;
    assert_int_equal(named, sizeof(names) / sizeof(names[0]));
}

static void applied_vector_round_trips(void **state)
{
    uint64_t applied[MM_MAX_NODES + 1] = {0}, got[MM_MAX_NODES + 1] = {0};
    uint32_t mask = (1u << 1) | (1u << 3) | (1u << MM_MAX_NODES), got_mask;
    uint8_t buf[WIRE_VEC_ENTRY * MM_MAX_NODES];
    int n;

    (void)state;
    applied[1] = 10;
    applied[2] = 20; /* not in the mask: not sent */
    applied[3] = 0xffffffffffffffff;
    applied[MM_MAX_NODES] = 7;
    got[2] = 555;
    n = wire_vec_encode(applied, mask, buf, sizeof(buf));
    assert_int_equal(n, 3 * WIRE_VEC_ENTRY);
    /* Entries are (origin, seq) big-endian, in origin order. */
    assert_int_equal(buf[0], 0);
    assert_int_equal(buf[1], 1);
    assert_int_equal(buf[2 + 7], 10);
    assert_int_equal(wire_vec_decode(buf, (size_t)n, got, &got_mask), 0);
    assert_int_equal(got_mask, mask);
    assert_int_equal(got[1], 10);
    assert_int_equal(got[2], 555); /* absent: left alone */
    assert_int_equal(got[3], 0xffffffffffffffff);
    assert_int_equal(got[MM_MAX_NODES], 7);
}

static void empty_applied_vector_is_zero_bytes(void **state)
{
    uint64_t applied[MM_MAX_NODES + 1] = {0};
    uint32_t mask = 123;
    uint8_t buf[1];

    (void)state;
    assert_int_equal(wire_vec_encode(applied, 0, buf, 0), 0);
    assert_int_equal(wire_vec_decode(buf, 0, applied, &mask), 0);
    assert_int_equal(mask, 0);
}

static void vector_mask_bits_that_name_no_node_are_ignored(void **state)
{
    uint64_t applied[MM_MAX_NODES + 1] = {0};
    uint8_t buf[WIRE_VEC_ENTRY * MM_MAX_NODES];

    (void)state;
    assert_int_equal(wire_vec_encode(applied, 1u << 0, buf, sizeof(buf)), 0);
    assert_int_equal(
        wire_vec_encode(applied, 1u << (MM_MAX_NODES + 1), buf, sizeof(buf)),
        0);
}

static void vector_without_room_is_no_space(void **state)
{
    uint64_t applied[MM_MAX_NODES + 1] = {0};
    uint8_t buf[2 * WIRE_VEC_ENTRY];

    (void)state;
    assert_int_equal(
        wire_vec_encode(applied, (1u << 1) | (1u << 2), buf, sizeof(buf) - 1),
        MM_ERR_NOSPACE);
}

static void vector_length_not_a_multiple_of_ten_is_corrupt(void **state)
{
    uint64_t applied[MM_MAX_NODES + 1] = {0};
    uint8_t buf[2 * WIRE_VEC_ENTRY];
    uint32_t mask;
    size_t len;

    (void)state;
    assert_int_equal(
        wire_vec_encode(applied, (1u << 1) | (1u << 2), buf, sizeof(buf)),
        (int)sizeof(buf));
    for (len = 1; len < sizeof(buf); len++) {
        uint8_t *p;

        if (len == WIRE_VEC_ENTRY)
            continue;
        p = s_exact(buf, len);
        assert_int_equal(wire_vec_decode(p, len, applied, &mask),
                         MM_ERR_CORRUPT);
        free(p);
    }
}

static void vector_origin_out_of_range_is_corrupt(void **state)
{
    uint64_t applied[MM_MAX_NODES + 1] = {0};
    uint8_t buf[WIRE_VEC_ENTRY] = {0};
    uint32_t mask;

    (void)state;
    buf[1] = 0;
    assert_int_equal(wire_vec_decode(buf, sizeof(buf), applied, &mask),
                     MM_ERR_CORRUPT);
    buf[1] = MM_MAX_NODES + 1;
    assert_int_equal(wire_vec_decode(buf, sizeof(buf), applied, &mask),
                     MM_ERR_CORRUPT);
    buf[0] = 1;
    buf[1] = 1; /* origin 257 */
    assert_int_equal(wire_vec_decode(buf, sizeof(buf), applied, &mask),
                     MM_ERR_CORRUPT);
}

static void bad_vector_leaves_the_applied_array_untouched(void **state)
{
    uint64_t applied[MM_MAX_NODES + 1] = {0};
    uint64_t got[MM_MAX_NODES + 1] = {0};
    uint8_t buf[3 * WIRE_VEC_ENTRY];
    uint32_t mask = 0;

    (void)state;
    applied[1] = 5;
    applied[2] = 6;
    applied[3] = 7;
    assert_int_equal(wire_vec_encode(applied, 0xe, buf, sizeof(buf)),
                     (int)sizeof(buf));
    /* The last entry repeats origin 1: no encoder does that. */
    buf[2 * WIRE_VEC_ENTRY + 1] = 1;
    assert_int_equal(wire_vec_decode(buf, sizeof(buf), got, &mask),
                     MM_ERR_CORRUPT);
    assert_int_equal(got[1], 0);
    assert_int_equal(got[2], 0);
    assert_int_equal(mask, 0);
}

/* xorshift64: a fixed-seed generator, so a failure replays exactly. */
static uint64_t s_next(uint64_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    return *x;
}

static void random_bytes_never_crash_the_decoder(void **state)
{
    wire_msg_t m = s_sample(), out;
    uint8_t valid[128];
    size_t n, i, k;
    uint64_t x = 0x2545f4914f6cdd1d;
    uint64_t applied[MM_MAX_NODES + 1];
    int frames = 0, vectors = 0;

    (void)state;
    n = (size_t)wire_encode(&m, valid, sizeof(valid));
    for (i = 0; i < 100000; i++) {
        uint8_t src[128];
        size_t len = s_next(&x) % sizeof(src);
        uint32_t mask;
        uint8_t *p;

        for (k = 0; k < sizeof(src); k++)
            src[k] = (uint8_t)s_next(&x);
        /*
         * Half the inputs are pure noise. The other half are a valid frame,
         * cut or extended a little and with a few bytes changed, so they
         * get past the first checks to the later ones.
         */
        if (i % 2 == 1) {
            memcpy(src, valid, n);
            len = n - 4 + s_next(&x) % 8;
            for (k = s_next(&x) % 3; k > 0; k--)
                src[s_next(&x) % len] = (uint8_t)s_next(&x);
        }
        p = s_exact(src, len);
        if (wire_decode(p, len, &out) == 0) {
            assert_int_equal(WIRE_HEADER_SIZE + out.klen + out.vlen, len);
            assert_ptr_equal(out.value + out.vlen, p + len);
            frames++;
        }
        /* Small origins are likely enough with only the low byte random. */
        for (k = 0; k + 1 < len; k += WIRE_VEC_ENTRY)
            p[k] = 0;
        if (wire_vec_decode(p, len, applied, &mask) == 0) {
            assert_int_equal(mask & 1u, 0);
            vectors++;
        }
        free(p);
    }
    /* Some mutants must still decode, or the loop tests only the checks. */
    assert_true(frames > 0);
    assert_true(vectors > 0);
}

/* A record put into a frame and read back is the same record, through an
 * encode and decode too: the one conversion every REC frame, OK and VALUE
 * reply goes through. */
static void record_fields_round_trip_through_a_frame(void **state)
{
    (void)state;
    record_t rec = {0}, back = {0};
    rec.flags = RECORD_TOMBSTONE;
    rec.origin = 3;
    rec.stamp = 0x0001234567890042;
    rec.seq = 77;
    rec.prev_origin = 2;
    rec.prev_stamp = 0x0001234567880001;
    rec.value = (const uint8_t *)"v1";
    rec.vlen = 2;

    wire_msg_t m = {0}, d;
    m.cmd = WIRE_REC;
    m.flags = WIRE_F_MORE; /* other flags are left alone */
    wire_set_record(&m, &rec);
    assert_int_equal(m.flags, WIRE_F_MORE | WIRE_F_TOMBSTONE);
    uint8_t buf[128];
    int len = wire_encode(&m, buf, sizeof buf);
    assert_true(len > 0);
    assert_int_equal(wire_decode(buf, (size_t)len, &d), 0);
    wire_get_record(&d, &back);
    assert_int_equal(back.flags, rec.flags);
    assert_int_equal(back.origin, rec.origin);
    assert_int_equal(back.stamp, rec.stamp);
    assert_int_equal(back.seq, rec.seq);
    assert_int_equal(back.prev_origin, rec.prev_origin);
    assert_int_equal(back.prev_stamp, rec.prev_stamp);
    assert_int_equal(back.vlen, 2);
    assert_memory_equal(back.value, "v1", 2);

    /* A live record clears a tombstone flag the frame had before. */
    rec.flags = 0;
    wire_set_record(&m, &rec);
    assert_int_equal(m.flags, WIRE_F_MORE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(frame_round_trips_every_field),
        cmocka_unit_test(frame_without_key_or_value_round_trips),
        cmocka_unit_test(largest_key_and_value_round_trip),
        cmocka_unit_test(encoder_ignores_the_version_field),
        cmocka_unit_test(encoding_follows_the_table_in_wire_h),
        cmocka_unit_test(encoder_refuses_a_key_or_value_over_the_limits),
        cmocka_unit_test(encoder_buffer_one_byte_short_is_no_space),
        cmocka_unit_test(every_truncation_of_a_valid_frame_is_short),
        cmocka_unit_test(unknown_version_is_refused),
        cmocka_unit_test(key_length_field_over_the_limit_is_too_big),
        cmocka_unit_test(value_length_field_over_the_limit_is_too_big),
        cmocka_unit_test(trailing_bytes_are_corrupt),
        cmocka_unit_test(unknown_command_still_decodes),
        cmocka_unit_test(every_command_has_a_name),
        cmocka_unit_test(applied_vector_round_trips),
        cmocka_unit_test(empty_applied_vector_is_zero_bytes),
        cmocka_unit_test(vector_mask_bits_that_name_no_node_are_ignored),
        cmocka_unit_test(vector_without_room_is_no_space),
        cmocka_unit_test(vector_length_not_a_multiple_of_ten_is_corrupt),
        cmocka_unit_test(vector_origin_out_of_range_is_corrupt),
        cmocka_unit_test(bad_vector_leaves_the_applied_array_untouched),
        cmocka_unit_test(random_bytes_never_crash_the_decoder),
        cmocka_unit_test(record_fields_round_trip_through_a_frame),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
