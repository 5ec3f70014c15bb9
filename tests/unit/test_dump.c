/*
 * test_dump.c - the dump line format: what a line looks like byte for byte,
 * escaping that round-trips every byte, tombstones, stamps, and the errors
 * a malformed line gets.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include "dump.h"

/* What fn printed to a memory stream, NUL-terminated. Caller frees. */
static char *s_line(const char *key, const char *value, mm_stamp_t stamp,
                    uint16_t origin, const char *origin_name)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    record_t rec = {0};
    rec.stamp = stamp;
    rec.origin = origin;
    if (value) {
        rec.value = (const uint8_t *)value;
        rec.vlen = (uint32_t)strlen(value);
    } else {
        rec.flags = RECORD_TOMBSTONE;
    }
    assert_int_equal(dump_write_line(f, (const uint8_t *)key, strlen(key), &rec,
                                     origin_name),
                     0);
    assert_int_equal(fclose(f), 0);
    return buf;
}

static void a_line_is_key_value_stamp_origin(void **state)
{
    (void)state;
    char *s = s_line("k17", "c3.42", hlc_make(1795766078123, 2), 1, "m1");
    assert_string_equal(s, "k17\tc3.42\t1795766078123.2\tm1\n");
    free(s);
}

static void an_unknown_origin_name_prints_its_id(void **state)
{
    (void)state;
    char *s = s_line("x", "a", hlc_make(5, 0), 7, NULL);
    assert_string_equal(s, "x\ta\t5.0\t7\n");
    free(s);
}

static void a_tombstone_is_backslash_n(void **state)
{
    (void)state;
    char *s = s_line("x", NULL, hlc_make(5, 1), 2, "m2");
    assert_string_equal(s, "x\t\\N\t5.1\tm2\n");
    free(s);
}

static void a_value_that_reads_backslash_n_is_not_a_tombstone(void **state)
{
    (void)state;
    char *s = s_line("x", "\\N", hlc_make(5, 1), 2, "m2");
    assert_string_equal(s, "x\t\\\\N\t5.1\tm2\n");
    dump_line_t d;
    s[strlen(s) - 1] = '\0';
    assert_int_equal(dump_parse_line(s, &d), 0);
    assert_non_null(d.value);
    assert_int_equal(d.vlen, 2);
    assert_memory_equal(d.value, "\\N", 2);
    free(s);
}

static void escaping_round_trips_every_byte(void **state)
{
    (void)state;
    uint8_t all[256];
    for (int i = 0; i < 256; i++)
        all[i] = (uint8_t)i;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    dump_escape(f, all + 1, 255); /* a NUL would end the C string */
    assert_int_equal(fclose(f), 0);
    /* Escaped, a field holds no tab, newline or byte outside ASCII. */
    for (size_t i = 0; i < len; i++)
        assert_true(buf[i] >= 0x20 && buf[i] <= 0x7e);
    assert_int_equal(dump_unescape(buf), 255);
    assert_memory_equal(buf, all + 1, 255);
    free(buf);
}

static void malformed_escapes_are_refused(void **state)
{
    (void)state;
    const char *bad[] = {"a\\", "a\\q", "\\x4", "\\xg0", "\\x"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char s[16];
        snprintf(s, sizeof s, "%s", bad[i]);
        assert_int_equal(dump_unescape(s), -1);
    }
}

static void a_parsed_line_gives_its_fields_back(void **state)
{
    (void)state;
    char s[] = "k\\t1\tv\\x00w\t1795766078123.65535\t2";
    dump_line_t d;
    assert_int_equal(dump_parse_line(s, &d), 0);
    assert_int_equal(d.klen, 3);
    assert_memory_equal(d.key, "k\t1", 3);
    assert_int_equal(d.vlen, 3);
    assert_memory_equal(d.value, "v\0w", 3);
    assert_true(d.stamp == hlc_make(1795766078123, 65535));
    assert_string_equal(d.stamp_text, "1795766078123.65535");
    assert_string_equal(d.origin, "2");
}

static void a_parsed_tombstone_has_no_value(void **state)
{
    (void)state;
    char s[] = "k\t\\N\t10\tm1";
    dump_line_t d;
    assert_int_equal(dump_parse_line(s, &d), 0);
    assert_null(d.value);
    assert_true(d.stamp == hlc_make(10, 0));
    assert_string_equal(d.origin, "m1");
}

static void malformed_lines_get_their_error(void **state)
{
    (void)state;
    struct {
        const char *line;
        int rc;
    } cases[] = {
        {"k\tv\t1.0", DUMP_BAD_FIELDS},
        {"k\tv\t1.0\tm1\textra", DUMP_BAD_FIELDS},
        {"", DUMP_BAD_FIELDS},
        {"k\\q\tv\t1.0\tm1", DUMP_BAD_ESCAPE},
        {"k\tv\\x1\t1.0\tm1", DUMP_BAD_ESCAPE},
        {"k\tv\t-1.0\tm1", DUMP_BAD_STAMP},
        {"k\tv\t1.\tm1", DUMP_BAD_STAMP},
        {"k\tv\t1.65536\tm1", DUMP_BAD_STAMP},
        {"k\tv\t281474976710656.0\tm1", DUMP_BAD_STAMP},
        {"k\tv\t1.0x\tm1", DUMP_BAD_STAMP},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char s[64];
        dump_line_t d;
        snprintf(s, sizeof s, "%s", cases[i].line);
        assert_int_equal(dump_parse_line(s, &d), cases[i].rc);
    }
}

static void stamps_parse_with_or_without_a_logical_part(void **state)
{
    (void)state;
    mm_stamp_t st;
    assert_int_equal(dump_parse_stamp("1795766078123", &st), 0);
    assert_true(st == hlc_make(1795766078123, 0));
    assert_int_equal(dump_parse_stamp("7.3", &st), 0);
    assert_true(st == hlc_make(7, 3));
    assert_int_equal(dump_parse_stamp(NULL, &st), -1);
    assert_int_equal(dump_parse_stamp(" 7", &st), -1);
    assert_int_equal(dump_parse_stamp("7.3.1", &st), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_line_is_key_value_stamp_origin),
        cmocka_unit_test(an_unknown_origin_name_prints_its_id),
        cmocka_unit_test(a_tombstone_is_backslash_n),
        cmocka_unit_test(a_value_that_reads_backslash_n_is_not_a_tombstone),
        cmocka_unit_test(escaping_round_trips_every_byte),
        cmocka_unit_test(malformed_escapes_are_refused),
        cmocka_unit_test(a_parsed_line_gives_its_fields_back),
        cmocka_unit_test(a_parsed_tombstone_has_no_value),
        cmocka_unit_test(malformed_lines_get_their_error),
        cmocka_unit_test(stamps_parse_with_or_without_a_logical_part),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
