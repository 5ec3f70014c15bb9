/*
 * test_resp.c - the RESP2 codec: commands split anywhere, pipelined,
 * inline, malformed (an error, never a crash), and the reply encoders.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "resp.h"

static resp_cmd_t s_cmd;
static char s_err[128];

/* Parses text from scratch: whatever an earlier call left is forgotten. */
static long s_parse(const char *text, size_t len)
{
    s_err[0] = '\0';
    resp_cmd_reset(&s_cmd);
    return resp_parse((const uint8_t *)text, len, &s_cmd, s_err, sizeof s_err);
}

/* Parses on from where the last call stopped, as a connection does when
 * more bytes arrive behind the same start. */
static long s_parse_more(const char *text, size_t len)
{
    s_err[0] = '\0';
    return resp_parse((const uint8_t *)text, len, &s_cmd, s_err, sizeof s_err);
}

static void s_assert_arg(int i, const char *want)
{
    assert_true(i < s_cmd.argc);
    assert_int_equal(s_cmd.argl[i], strlen(want));
    assert_memory_equal(s_cmd.argv[i], want, strlen(want));
}

static const char s_set[] = "*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nva\r\nl\r\n";

static void a_multibulk_command_parses_whole(void **state)
{
    (void)state;
    assert_int_equal(s_parse(s_set, sizeof s_set - 1), sizeof s_set - 1);
    assert_int_equal(s_cmd.argc, 3);
    s_assert_arg(0, "SET");
    s_assert_arg(1, "key");
    s_assert_arg(2, "va\r\nl"); /* bulk strings are binary-safe */
}

static void every_prefix_of_a_command_needs_more_bytes(void **state)
{
    (void)state;
    for (size_t cut = 0; cut < sizeof s_set - 1; cut++)
        assert_int_equal(s_parse(s_set, cut), 0);
}

/* Bytes arriving into a connection buffer that moves (realloc): the
 * command is found exactly when its last byte arrives, and its arguments
 * point into the buffer as it is then. */
static void a_command_split_at_every_byte_boundary_parses_the_same(void **st)
{
    (void)st;
    char first[sizeof s_set], moved[sizeof s_set];
    for (size_t cut = 1; cut < sizeof s_set - 1; cut++) {
        memcpy(first, s_set, cut);
        assert_int_equal(s_parse(first, cut), 0);
        memcpy(moved, s_set, sizeof s_set - 1);
        assert_int_equal(s_parse_more(moved, sizeof s_set - 1),
                         sizeof s_set - 1);
        assert_int_equal(s_cmd.argc, 3);
        s_assert_arg(2, "va\r\nl");
        assert_ptr_equal(s_cmd.argv[0], (const uint8_t *)moved + 8);
    }
}

/* A command of 100,000 arguments arriving 1000 bytes at a time: each call
 * goes on from the last whole argument, and the command comes out whole. */
static void a_long_command_arriving_in_pieces_comes_out_whole(void **state)
{
    (void)state;
    const int n = 100000;
    resp_buf_t b;
    resp_buf_init(&b);
    assert_int_equal(resp_array(&b, n + 1), 0);
    assert_int_equal(resp_bulk(&b, "MGET", 4), 0);
    for (int i = 0; i < n; i++) {
        char key[16];
        int kl = snprintf(key, sizeof key, "k%d", i);
        assert_int_equal(resp_bulk(&b, key, (size_t)kl), 0);
    }
    resp_cmd_reset(&s_cmd);
    size_t have = 0;
    long got = 0;
    while (got == 0) {
        assert_true(have < b.len);
        have = have + 1000 < b.len ? have + 1000 : b.len;
        got = s_parse_more((const char *)b.data, have);
    }
    assert_int_equal(got, (long)b.len);
    assert_int_equal(s_cmd.argc, n + 1);
    s_assert_arg(0, "MGET");
    s_assert_arg(n, "k99999");
    resp_buf_free(&b);
}

/*
 * An argument longer than RESP_ARG_MAX is reported as soon as its header
 * arrives and then dropped as its bytes come, never buffered; the command
 * behind it parses normally.
 */
static void an_argument_over_the_limit_is_reported_then_dropped(void **st)
{
    (void)st;
    const size_t big = RESP_ARG_MAX + 1;
    resp_buf_t b;
    resp_buf_init(&b);
    assert_int_equal(resp_array(&b, 4), 0);
    assert_int_equal(resp_bulk(&b, "MSET", 4), 0);
    assert_int_equal(resp_bulk(&b, "k", 1), 0);
    size_t header = b.len;
    char *v = calloc(1, big);
    assert_non_null(v);
    assert_int_equal(resp_bulk(&b, v, big), 0);
    assert_int_equal(resp_bulk(&b, "k2", 2), 0);
    assert_int_equal(resp_buf_append(&b, "PING\r\n", 6), 0);
    free(v);

    resp_cmd_reset(&s_cmd);
    long n = s_parse_more((const char *)b.data, header + 20);
    assert_int_equal(n, (long)(header + 10)); /* through "$1048577\r\n" */
    assert_int_equal(s_cmd.argc, 0);
    assert_int_equal(s_cmd.toobig, (long long)big);
    assert_int_equal(s_cmd.toobig_arg, 2);
    assert_string_equal(s_cmd.name, "MSET");
    /* What follows is dropped in whatever pieces it arrives. */
    size_t at = (size_t)n, dropped = 0;
    while (s_cmd.argc == 0) {
        size_t piece = b.len - at < 65536 ? b.len - at : 65536;
        n = s_parse_more((const char *)b.data + at, piece);
        assert_true(n > 0);
        assert_int_equal(s_cmd.toobig, 0);
        if (s_cmd.argc == 0)
            dropped += (size_t)n;
        at += (size_t)n;
    }
    assert_int_equal(dropped, big + 2 + strlen("$2\r\nk2\r\n"));
    s_assert_arg(0, "PING");
    assert_int_equal(at, b.len);
    resp_buf_free(&b);
}

static void pipelined_commands_come_out_one_by_one_in_order(void **state)
{
    (void)state;
    const char text[] = "*1\r\n$4\r\nPING\r\n"
                        "*2\r\n$3\r\nGET\r\n$1\r\na\r\n"
                        "GET b\r\n"
                        "*2\r\n$3\r\nGET\r\n$0\r\n\r\n";
    const char *want[] = {"PING", "a", "b", ""};
    size_t at = 0, len = sizeof text - 1;
    for (int i = 0; i < 4; i++) {
        long n = s_parse(text + at, len - at);
        assert_true(n > 0);
        s_assert_arg(i == 0 ? 0 : 1, want[i]);
        at += (size_t)n;
    }
    assert_int_equal(at, len);
    assert_int_equal(s_parse(text + at, 0), 0);
}

static void inline_commands_split_at_spaces(void **state)
{
    (void)state;
    const char text[] = "  SET\tk   v1 \r\n";
    assert_int_equal(s_parse(text, sizeof text - 1), sizeof text - 1);
    assert_int_equal(s_cmd.argc, 3);
    s_assert_arg(0, "SET");
    s_assert_arg(1, "k");
    s_assert_arg(2, "v1");
    /* A bare LF ends a line too, and a blank line is an empty command. */
    assert_int_equal(s_parse("PING\n", 5), 5);
    s_assert_arg(0, "PING");
    assert_int_equal(s_parse("\r\n", 2), 2);
    assert_int_equal(s_cmd.argc, 0);
    assert_int_equal(s_parse("PIN", 3), 0);
}

static void empty_arrays_are_skipped_not_refused(void **state)
{
    (void)state;
    assert_int_equal(s_parse("*0\r\n", 4), 4);
    assert_int_equal(s_cmd.argc, 0);
    assert_int_equal(s_parse("*-1\r\n", 5), 5);
    assert_int_equal(s_cmd.argc, 0);
}

static void malformed_input_is_a_protocol_error_with_a_message(void **state)
{
    (void)state;
    const struct {
        const char *text;
        const char *err;
    } cases[] = {
        {"*x\r\n", "Protocol error: invalid multibulk length"},
        {"*1048577\r\n", "Protocol error: invalid multibulk length"},
        {"*1\rX", "Protocol error: invalid multibulk length"},
        {"*99999999999999999999\r\n",
         "Protocol error: invalid multibulk length"},
        {"*1\r\n:3\r\n", "Protocol error: expected '$', got ':'"},
        {"*1\r\n$-1\r\n", "Protocol error: invalid bulk length"},
        {"*1\r\n$abc\r\n", "Protocol error: invalid bulk length"},
        {"*1\r\n$536870913\r\n", "Protocol error: invalid bulk length"},
        {"*1\r\n$1\r\nabc", "Protocol error: bulk string not followed by CRLF"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_int_equal(s_parse(cases[i].text, strlen(cases[i].text)),
                         MM_ERR_PROTO);
        assert_string_equal(s_err, cases[i].err);
    }
}

static void an_endless_line_is_refused_once_over_the_limit(void **state)
{
    (void)state;
    size_t len = RESP_INLINE_MAX + 2;
    char *big = malloc(len);
    assert_non_null(big);
    memset(big, 'a', len);
    assert_int_equal(s_parse(big, RESP_INLINE_MAX), 0);
    assert_int_equal(s_parse(big, len), MM_ERR_PROTO);
    assert_string_equal(s_err, "Protocol error: too big inline request");
    /* A header line that never ends is refused long before that. */
    memset(big, '9', 64);
    big[0] = '*';
    assert_int_equal(s_parse(big, 64), MM_ERR_PROTO);
    free(big);
}

static void an_argument_up_to_the_limit_is_kept(void **state)
{
    (void)state;
    resp_buf_t b;
    resp_buf_init(&b);
    char *v = calloc(1, RESP_ARG_MAX);
    assert_non_null(v);
    assert_int_equal(resp_array(&b, 2), 0);
    assert_int_equal(resp_bulk(&b, "SET", 3), 0);
    assert_int_equal(resp_bulk(&b, v, RESP_ARG_MAX), 0);
    assert_int_equal(s_parse((const char *)b.data, b.len), (long)b.len);
    assert_int_equal(s_cmd.argl[1], RESP_ARG_MAX);
    assert_int_equal(s_cmd.toobig, 0);
    free(v);
    resp_buf_free(&b);
}

static void the_encoders_write_each_reply_type(void **state)
{
    (void)state;
    resp_buf_t b;
    resp_buf_init(&b);
    assert_int_equal(resp_simple(&b, "OK"), 0);
    assert_int_equal(resp_error(&b, "ERR two\r\nlines"), 0);
    assert_int_equal(resp_integer(&b, -42), 0);
    assert_int_equal(resp_bulk(&b, "a\0b", 3), 0);
    assert_int_equal(resp_bulk(&b, "", 0), 0);
    assert_int_equal(resp_null(&b), 0);
    assert_int_equal(resp_array(&b, 3), 0);
    assert_int_equal(resp_errorf(&b, "ERR %s %d", "x", 7), 0);
    const char want[] = "+OK\r\n-ERR two  lines\r\n:-42\r\n$3\r\na\0b\r\n"
                        "$0\r\n\r\n$-1\r\n*3\r\n-ERR x 7\r\n";
    assert_int_equal(b.len, sizeof want - 1);
    assert_memory_equal(b.data, want, sizeof want - 1);
    resp_buf_consume(&b, 5);
    assert_memory_equal(b.data, "-ERR", 4);
    resp_buf_consume(&b, b.len + 1);
    assert_int_equal(b.len, 0);
    resp_buf_free(&b);
    resp_buf_free(&b); /* freeing twice is harmless */
}

/* Deterministic pseudo-random bytes (xorshift), so a failure repeats. */
static uint64_t s_rng = 0x9e3779b97f4a7c15ULL;
static uint64_t s_next(void)
{
    s_rng ^= s_rng << 13;
    s_rng ^= s_rng >> 7;
    s_rng ^= s_rng << 17;
    return s_rng;
}

/*
 * Random bytes, and valid commands with random damage: the parser must
 * answer with a count inside the buffer, "more", or an error, and never
 * read outside what it was given (run it under SANITIZE=address).
 */
static void random_and_damaged_input_never_crashes(void **state)
{
    (void)state;
    const char alphabet[] = "*$\r\n0123456789-: abcSETGET";
    for (int round = 0; round < 20000; round++) {
        size_t len = s_next() % 64;
        char *buf = malloc(64);
        assert_non_null(buf);
        if (round % 2 == 0) {
            for (size_t i = 0; i < len; i++)
                buf[i] = alphabet[s_next() % (sizeof alphabet - 1)];
        } else {
            len = sizeof s_set - 1;
            memcpy(buf, s_set, len);
            buf[s_next() % len] = (char)(s_next() & 0xff);
            len = s_next() % (len + 1);
        }
        long n = s_parse(buf, len);
        assert_true(n == MM_ERR_PROTO || (n >= 0 && (size_t)n <= len));
        if (n > 0) {
            for (int i = 0; i < s_cmd.argc; i++) {
                assert_true(s_cmd.argv[i] >= (const uint8_t *)buf);
                assert_true(s_cmd.argv[i] + s_cmd.argl[i] <=
                            (const uint8_t *)buf + n);
            }
        }
        if (n == MM_ERR_PROTO)
            assert_true(strncmp(s_err, "Protocol error: ", 16) == 0);
        free(buf);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_multibulk_command_parses_whole),
        cmocka_unit_test(every_prefix_of_a_command_needs_more_bytes),
        cmocka_unit_test(
            a_command_split_at_every_byte_boundary_parses_the_same),
        cmocka_unit_test(pipelined_commands_come_out_one_by_one_in_order),
        cmocka_unit_test(inline_commands_split_at_spaces),
        cmocka_unit_test(empty_arrays_are_skipped_not_refused),
        cmocka_unit_test(malformed_input_is_a_protocol_error_with_a_message),
        cmocka_unit_test(an_endless_line_is_refused_once_over_the_limit),
        cmocka_unit_test(a_long_command_arriving_in_pieces_comes_out_whole),
        cmocka_unit_test(an_argument_over_the_limit_is_reported_then_dropped),
        cmocka_unit_test(an_argument_up_to_the_limit_is_kept),
        cmocka_unit_test(the_encoders_write_each_reply_type),
        cmocka_unit_test(random_and_damaged_input_never_crashes),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    resp_cmd_free(&s_cmd);
    return failed;
}
