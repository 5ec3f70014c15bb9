/*
 * test_history.c - the lines mm-load writes to a history file
 * (docs/history.md): what each type of line carries, and that a read's
 * value and every stamp come from the reply handed in and nowhere else.
 *
 * Each test writes lines to a memory stream and compares the text.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "history.h"
#include "hlc.h"

static char *s_buf;
static size_t s_len;

static FILE *s_open(void)
{
    FILE *f = open_memstream(&s_buf, &s_len);
    assert_non_null(f);
    return f;
}

/* Closes f and checks what was written to it. */
static void s_expect(FILE *f, const char *want)
{
    fclose(f);
    assert_string_equal(s_buf, want);
    free(s_buf);
    s_buf = NULL;
}

static history_op_t s_write(void)
{
    return (history_op_t){.t = 1200,
                          .client = 3,
                          .kind = WORKLOAD_WRITE,
                          .key = "k17",
                          .value = "c3.42",
                          .node = "m1"};
}

static void an_invoke_names_the_write_and_its_node(void **state)
{
    history_op_t op = s_write();
    FILE *f = s_open();

    (void)state;
    history_invoke(f, &op);
    s_expect(f, "{\"t\":1200,\"p\":3,\"type\":\"invoke\",\"f\":\"write\","
                "\"key\":\"k17\",\"value\":\"c3.42\",\"node\":\"m1\"}\n");
}

static void
an_ok_write_carries_the_stamp_origin_and_seq_of_its_reply(void **state)
{
    history_op_t op = s_write();
    wire_msg_t r = {
        .cmd = WIRE_OK, .stamp = hlc_make(1795766078123, 2), .seq = 9321};
    FILE *f = s_open();

    (void)state;
    op.t = 1500;
    history_complete(f, &op, "ok", &r, "m1", NULL);
    s_expect(f, "{\"t\":1500,\"p\":3,\"type\":\"ok\",\"f\":\"write\","
                "\"key\":\"k17\",\"value\":\"c3.42\",\"node\":\"m1\","
                "\"stamp\":\"1795766078123.2\",\"origin\":\"m1\","
                "\"seq\":9321}\n");
}

static void a_read_records_the_value_of_its_own_reply(void **state)
{
    /* The value is "c1.7" padded with dots past 63 bytes, and a quote
     * and a control byte that the history must not carry raw. */
    char value[100];
    memset(value, '.', sizeof value);
    memcpy(value, "c1.7\"\n", 6);
    wire_msg_t r = {.cmd = WIRE_VALUE,
                    .stamp = hlc_make(1000, 0),
                    .seq = 5,
                    .value = (const uint8_t *)value,
                    .vlen = sizeof value};
    history_op_t op = {.t = 9,
                       .client = 0,
                       .kind = WORKLOAD_READ,
                       .key = "k1",
                       .value = "c0.99",
                       .node = "r1"};
    FILE *f = s_open();

    (void)state;
    history_complete(f, &op, "ok", &r, "m2", NULL);
    s_expect(f, "{\"t\":9,\"p\":0,\"type\":\"ok\",\"f\":\"read\","
                "\"key\":\"k1\",\"value\":\"c1.7\\\"?"
                ".........................................................\","
                "\"node\":\"r1\",\"stamp\":\"1000.0\",\"origin\":\"m2\","
                "\"seq\":5}\n");
}

static void a_read_that_found_a_tombstone_is_null_with_its_stamp(void **state)
{
    wire_msg_t r = {.cmd = WIRE_NOTFOUND, .stamp = hlc_make(1000, 1), .seq = 6};
    history_op_t op = {.t = 9,
                       .client = 0,
                       .kind = WORKLOAD_READ,
                       .key = "k1",
                       .value = "c0.99",
                       .node = "r1"};
    FILE *f = s_open();

    (void)state;
    history_complete(f, &op, "ok", &r, NULL, NULL);
    s_expect(f, "{\"t\":9,\"p\":0,\"type\":\"ok\",\"f\":\"read\","
                "\"key\":\"k1\",\"value\":null,\"node\":\"r1\","
                "\"stamp\":\"1000.1\",\"origin\":\"?\",\"seq\":6}\n");
}

static void a_timed_out_write_is_info_without_a_stamp(void **state)
{
    history_op_t op = s_write();
    FILE *f = s_open();

    (void)state;
    history_complete(f, &op, "info", NULL, NULL, "say \"no\"");
    s_expect(f, "{\"t\":1200,\"p\":3,\"type\":\"info\",\"f\":\"write\","
                "\"key\":\"k17\",\"value\":\"c3.42\",\"node\":\"m1\","
                "\"error\":\"say \\\"no\\\"\"}\n");
}

static void a_skip_has_no_value_and_marks_only_a_late_loop(void **state)
{
    history_op_t op = s_write();
    FILE *f = s_open();

    (void)state;
    history_skip(f, &op, 0);
    op.t = 1300;
    op.kind = WORKLOAD_DELETE;
    history_skip(f, &op, 1);
    s_expect(f, "{\"t\":1200,\"p\":3,\"type\":\"skip\",\"f\":\"write\","
                "\"key\":\"k17\",\"node\":\"m1\"}\n"
                "{\"t\":1300,\"p\":3,\"type\":\"skip\",\"f\":\"delete\","
                "\"key\":\"k17\",\"node\":\"m1\",\"late\":true}\n");
}

static void a_status_turns_the_applied_text_into_an_object(void **state)
{
    FILE *f = s_open();

    (void)state;
    history_status(f, 7, "r1", "m1:12,m2:7\nlag_ms=3");
    history_status(f, 8, "r2", NULL);
    s_expect(f, "{\"t\":7,\"type\":\"status\",\"node\":\"r1\","
                "\"applied\":{\"m1\":12,\"m2\":7}}\n"
                "{\"t\":8,\"type\":\"status\",\"node\":\"r2\","
                "\"applied\":null}\n");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(an_invoke_names_the_write_and_its_node),
        cmocka_unit_test(
            an_ok_write_carries_the_stamp_origin_and_seq_of_its_reply),
        cmocka_unit_test(a_read_records_the_value_of_its_own_reply),
        cmocka_unit_test(a_read_that_found_a_tombstone_is_null_with_its_stamp),
        cmocka_unit_test(a_timed_out_write_is_info_without_a_stamp),
        cmocka_unit_test(a_skip_has_no_value_and_marks_only_a_late_loop),
        cmocka_unit_test(a_status_turns_the_applied_text_into_an_object),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
