/*
 * test_record.c - the record and log-entry encodings: round trips, the
 * exact byte layout, and decoders that answer bad bytes with an error code.
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
#include "record.h"

static const uint8_t s_value[] = "hello, world";

static record_t s_sample(void)
{
    record_t r = {0};

    r.flags = 0;
    r.origin = 3;
    r.stamp = hlc_make(1700000000123, 5);
    r.seq = 42;
    r.prev_origin = 1;
    r.prev_stamp = hlc_make(1700000000000, 0);
    r.value = s_value;
    r.vlen = sizeof(s_value) - 1;
    return r;
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

static void s_assert_same(const record_t *a, const record_t *b)
{
    assert_int_equal(a->flags, b->flags);
    assert_int_equal(a->origin, b->origin);
    assert_int_equal(a->stamp, b->stamp);
    assert_int_equal(a->seq, b->seq);
    assert_int_equal(a->prev_origin, b->prev_origin);
    assert_int_equal(a->prev_stamp, b->prev_stamp);
    assert_int_equal(a->vlen, b->vlen);
    if (a->vlen > 0)
        assert_memory_equal(a->value, b->value, a->vlen);
}

/* Encodes r, decodes it back and checks every field survived. */
static void s_round_trip(const record_t *r)
{
    size_t n = record_size(r);
    uint8_t *buf = malloc(n);
    record_t out;

    assert_non_null(buf);
    assert_int_equal(record_encode(r, buf, n), (int)n);
    assert_int_equal(record_decode(buf, n, &out), 0);
    s_assert_same(r, &out);
    /* The value is borrowed from the buffer, not copied. */
    assert_ptr_equal(out.value, buf + RECORD_HEADER_SIZE);
    free(buf);
}

static void record_round_trips_every_field(void **state)
{
    record_t r = s_sample();

    (void)state;
    s_round_trip(&r);
}

static void tombstone_round_trips_with_an_empty_value(void **state)
{
    record_t r = s_sample();

    (void)state;
    r.flags = RECORD_TOMBSTONE;
    r.value = NULL;
    r.vlen = 0;
    assert_true(record_is_tombstone(&r));
    assert_int_equal(record_size(&r), RECORD_HEADER_SIZE);
    s_round_trip(&r);
}

static void empty_value_is_not_a_tombstone(void **state)
{
    record_t r = s_sample();

    (void)state;
    r.value = (const uint8_t *)"";
    r.vlen = 0;
    assert_false(record_is_tombstone(&r));
    s_round_trip(&r);
}

static void largest_value_round_trips(void **state)
{
    record_t r = s_sample();
    uint8_t *v = malloc(MM_VALUE_MAX);
    size_t i;

    (void)state;
    assert_non_null(v);
    for (i = 0; i < MM_VALUE_MAX; i++)
        v[i] = (uint8_t)(i * 31);
    r.value = v;
    r.vlen = MM_VALUE_MAX;
    s_round_trip(&r);
    free(v);
}

static void value_over_the_limit_is_too_big(void **state)
{
    record_t r = s_sample();
    uint8_t buf[64];

    (void)state;
    /* The length check comes first, so no value bytes are read. */
    r.vlen = MM_VALUE_MAX + 1;
    assert_int_equal(record_encode(&r, buf, sizeof(buf)), MM_ERR_TOOBIG);
}

static void buffer_one_byte_short_is_no_space(void **state)
{
    record_t r = s_sample();
    uint8_t buf[128];

    (void)state;
    assert_int_equal(record_encode(&r, buf, record_size(&r) - 1),
                     MM_ERR_NOSPACE);
}

static void encoding_follows_the_table_in_record_h(void **state)
{
    record_t r = {0};
    uint8_t buf[RECORD_HEADER_SIZE + 2];
    const uint8_t want[] = {
        0x01,                                           /* version */
        0x01,                                           /* flags */
        0x01, 0x02,                                     /* origin */
        0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, /* stamp */
        0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28, /* seq */
        0x03, 0x04,                                     /* prev_origin */
        0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, /* prev_stamp */
        0x00, 0x00, 0x00, 0x02,                         /* value length */
        'h',  'i',                                      /* value */
    };

    (void)state;
    r.flags = RECORD_TOMBSTONE;
    r.origin = 0x0102;
    r.stamp = 0x1112131415161718;
    r.seq = 0x2122232425262728;
    r.prev_origin = 0x0304;
    r.prev_stamp = 0x3132333435363738;
    r.value = (const uint8_t *)"hi";
    r.vlen = 2;
    assert_int_equal(sizeof(want), sizeof(buf));
    assert_int_equal(record_encode(&r, buf, sizeof(buf)), sizeof(buf));
    assert_memory_equal(buf, want, sizeof(want));
}

static void truncated_record_at_every_length_is_short(void **state)
{
    record_t r = s_sample(), out;
    uint8_t full[128];
    size_t n = record_size(&r), len;

    (void)state;
    assert_int_equal(record_encode(&r, full, sizeof(full)), (int)n);
    for (len = 0; len < n; len++) {
        uint8_t *p = s_exact(full, len);
        assert_int_equal(record_decode(p, len, &out), MM_ERR_SHORT);
        free(p);
    }
}

static void trailing_bytes_are_corrupt(void **state)
{
    record_t r = s_sample(), out;
    uint8_t buf[128];
    size_t n = record_size(&r);

    (void)state;
    assert_int_equal(record_encode(&r, buf, sizeof(buf)), (int)n);
    buf[n] = 0;
    assert_int_equal(record_decode(buf, n + 1, &out), MM_ERR_CORRUPT);
}

static void unknown_format_version_is_refused(void **state)
{
    record_t r = s_sample(), out;
    uint8_t buf[128];
    size_t n = record_size(&r);

    (void)state;
    assert_int_equal(record_encode(&r, buf, sizeof(buf)), (int)n);
    buf[0] = 0;
    assert_int_equal(record_decode(buf, n, &out), MM_ERR_VERSION);
    buf[0] = RECORD_VERSION + 1;
    assert_int_equal(record_decode(buf, n, &out), MM_ERR_VERSION);
}

static void value_length_over_the_limit_is_corrupt(void **state)
{
    record_t r = s_sample(), out;
    uint8_t buf[128];
    size_t n = record_size(&r);

    (void)state;
    assert_int_equal(record_encode(&r, buf, sizeof(buf)), (int)n);
    /* 0xffffffff: a length that would overflow a careless len check. */
    memset(buf + 30, 0xff, 4);
    assert_int_equal(record_decode(buf, n, &out), MM_ERR_CORRUPT);
}

static void log_key_sorts_by_origin_then_seq(void **state)
{
    uint8_t a[LOG_KEY_SIZE], b[LOG_KEY_SIZE], c[LOG_KEY_SIZE];
    uint16_t origin;
    uint64_t seq;

    (void)state;
    log_key_encode(1, 0x1ff, a);
    log_key_encode(1, 0x200, b);
    log_key_encode(2, 1, c);
    /* Berkeley DB's default comparison is memcmp. */
    assert_true(memcmp(a, b, LOG_KEY_SIZE) < 0);
    assert_true(memcmp(b, c, LOG_KEY_SIZE) < 0);
    assert_int_equal(log_key_decode(b, LOG_KEY_SIZE, &origin, &seq), 0);
    assert_int_equal(origin, 1);
    assert_int_equal(seq, 0x200);
}

static void log_key_of_the_wrong_length_is_short(void **state)
{
    uint8_t k[LOG_KEY_SIZE + 1] = {0};
    uint16_t origin;
    uint64_t seq;

    (void)state;
    assert_int_equal(log_key_decode(k, LOG_KEY_SIZE - 1, &origin, &seq),
                     MM_ERR_SHORT);
    assert_int_equal(log_key_decode(k, LOG_KEY_SIZE + 1, &origin, &seq),
                     MM_ERR_SHORT);
}

static void log_entry_round_trips_key_and_record(void **state)
{
    record_t r = s_sample(), out;
    const uint8_t key[] = "user:17";
    size_t klen = sizeof(key) - 1, n = log_entry_size(klen, &r), got_klen;
    const uint8_t *got_key;
    uint8_t buf[128];

    (void)state;
    assert_int_equal(n, 2 + klen + record_size(&r));
    assert_int_equal(log_entry_encode(key, klen, &r, buf, sizeof(buf)), (int)n);
    assert_int_equal(log_entry_decode(buf, n, &got_key, &got_klen, &out), 0);
    assert_int_equal(got_klen, klen);
    assert_memory_equal(got_key, key, klen);
    assert_ptr_equal(got_key, buf + 2);
    s_assert_same(&r, &out);
}

static void log_entry_with_an_empty_key_round_trips(void **state)
{
    record_t r = s_sample(), out;
    size_t n = log_entry_size(0, &r), got_klen = 99;
    const uint8_t *got_key;
    uint8_t buf[128];

    (void)state;
    assert_int_equal(log_entry_encode(NULL, 0, &r, buf, sizeof(buf)), (int)n);
    assert_int_equal(log_entry_decode(buf, n, &got_key, &got_klen, &out), 0);
    assert_int_equal(got_klen, 0);
    s_assert_same(&r, &out);
}

static void log_entry_key_over_the_limit_is_too_big(void **state)
{
    record_t r = s_sample(), out;
    static uint8_t key[MM_KEY_MAX + 1];
    static uint8_t buf[MM_KEY_MAX + 256];
    const uint8_t *got_key;
    size_t got_klen;

    (void)state;
    assert_int_equal(
        log_entry_encode(key, MM_KEY_MAX + 1, &r, buf, sizeof(buf)),
        MM_ERR_TOOBIG);
    /* The longest allowed key is fine, and a forged longer one is not. */
    assert_true(log_entry_encode(key, MM_KEY_MAX, &r, buf, sizeof(buf)) > 0);
    buf[0] = (MM_KEY_MAX + 1) >> 8;
    buf[1] = (MM_KEY_MAX + 1) & 0xff;
    assert_int_equal(
        log_entry_decode(buf, sizeof(buf), &got_key, &got_klen, &out),
        MM_ERR_TOOBIG);
}

static void log_entry_buffer_one_byte_short_is_no_space(void **state)
{
    record_t r = s_sample();
    uint8_t buf[128];
    size_t n = log_entry_size(3, &r);

    (void)state;
    assert_int_equal(
        log_entry_encode((const uint8_t *)"abc", 3, &r, buf, n - 1),
        MM_ERR_NOSPACE);
}

static void truncated_log_entry_at_every_length_is_short(void **state)
{
    record_t r = s_sample(), out;
    uint8_t full[128];
    size_t n = log_entry_size(3, &r), len, got_klen;
    const uint8_t *got_key;

    (void)state;
    assert_int_equal(
        log_entry_encode((const uint8_t *)"abc", 3, &r, full, sizeof(full)),
        (int)n);
    for (len = 0; len < n; len++) {
        uint8_t *p = s_exact(full, len);
        assert_int_equal(log_entry_decode(p, len, &got_key, &got_klen, &out),
                         MM_ERR_SHORT);
        free(p);
    }
    full[n] = 0;
    assert_int_equal(log_entry_decode(full, n + 1, &got_key, &got_klen, &out),
                     MM_ERR_CORRUPT);
}

/* xorshift64: a fixed-seed generator, so a failure replays exactly. */
static uint64_t s_next(uint64_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    return *x;
}

static void random_bytes_never_crash_the_decoders(void **state)
{
    record_t r = s_sample(), out;
    uint8_t valid[2][128];
    size_t valid_len[2];
    uint64_t x = 0x9e3779b97f4a7c15;
    int records = 0, entries = 0;
    size_t i, k;

    (void)state;
    valid_len[0] = (size_t)record_encode(&r, valid[0], sizeof(valid[0]));
    valid_len[1] = (size_t)log_entry_encode((const uint8_t *)"key", 3, &r,
                                            valid[1], sizeof(valid[1]));
    for (i = 0; i < 100000; i++) {
        uint8_t src[128];
        size_t len = s_next(&x) % sizeof(src);
        const uint8_t *got_key;
        size_t got_klen;
        uint8_t *p;

        for (k = 0; k < sizeof(src); k++)
            src[k] = (uint8_t)s_next(&x);
        /*
         * Half the inputs are pure noise. The other half are a valid record
         * or log entry, cut or extended a little and with a few bytes
         * changed, so they get past the first checks to the later ones.
         */
        if (i % 2 == 1) {
            const uint8_t *v = valid[i / 2 % 2];
            size_t vlen = valid_len[i / 2 % 2];

            memcpy(src, v, vlen);
            len = vlen - 4 + s_next(&x) % 8;
            for (k = s_next(&x) % 3; k > 0; k--)
                src[s_next(&x) % len] = (uint8_t)s_next(&x);
        }
        p = s_exact(src, len);
        if (record_decode(p, len, &out) == 0) {
            assert_int_equal(RECORD_HEADER_SIZE + out.vlen, len);
            records++;
        }
        if (log_entry_decode(p, len, &got_key, &got_klen, &out) == 0) {
            assert_int_equal(2 + got_klen + RECORD_HEADER_SIZE + out.vlen, len);
            entries++;
        }
        free(p);
    }
    /* Some mutants must still decode, or the loop tests only the checks. */
    assert_true(records > 0);
    assert_true(entries > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(record_round_trips_every_field),
        cmocka_unit_test(tombstone_round_trips_with_an_empty_value),
        cmocka_unit_test(empty_value_is_not_a_tombstone),
        cmocka_unit_test(largest_value_round_trips),
        cmocka_unit_test(value_over_the_limit_is_too_big),
        cmocka_unit_test(buffer_one_byte_short_is_no_space),
        cmocka_unit_test(encoding_follows_the_table_in_record_h),
        cmocka_unit_test(truncated_record_at_every_length_is_short),
        cmocka_unit_test(trailing_bytes_are_corrupt),
        cmocka_unit_test(unknown_format_version_is_refused),
        cmocka_unit_test(value_length_over_the_limit_is_corrupt),
        cmocka_unit_test(log_key_sorts_by_origin_then_seq),
        cmocka_unit_test(log_key_of_the_wrong_length_is_short),
        cmocka_unit_test(log_entry_round_trips_key_and_record),
        cmocka_unit_test(log_entry_with_an_empty_key_round_trips),
        cmocka_unit_test(log_entry_key_over_the_limit_is_too_big),
        cmocka_unit_test(log_entry_buffer_one_byte_short_is_no_space),
        cmocka_unit_test(truncated_log_entry_at_every_length_is_short),
        cmocka_unit_test(random_bytes_never_crash_the_decoders),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
