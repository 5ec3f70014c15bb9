/*
 * test_trace.c - the replication trace: off unless asked, one line per
 * event with the fields experiments/spacetime reads, packs summarised by
 * their first and last pairs, and never more lines than trace_lines.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "engine.h"
#include "trace.h"

/* A node struct with just what the trace reads: the config, itself and
 * its clock. The cluster file puts data_dir in a fresh directory. */
typedef struct {
    node_t n;
    char dir[64];
    char path[128];
} fixture_t;

static fixture_t *s_fixture(int lines)
{
    fixture_t *fx = calloc(1, sizeof *fx);
    assert_non_null(fx);
    strcpy(fx->dir, "/tmp/mmlab-trace.XXXXXX");
    assert_non_null(mkdtemp(fx->dir));
    char text[512], err[256];
    snprintf(text, sizeof text,
             "[cluster]\ndata_dir = %s\ntrace_lines = %d\n"
             "[node m1]\nrole = master\nclient = tcp://127.0.0.1:1\n"
             "peer = tcp://127.0.0.1:2\n"
             "[node m2]\nrole = master\nclient = tcp://127.0.0.1:3\n"
             "peer = tcp://127.0.0.1:4\n",
             fx->dir, lines);
    assert_int_equal(config_parse(text, "t.ini", &fx->n.cfg, err, sizeof err),
                     0);
    fx->n.self = config_node(&fx->n.cfg, "m2");
    fx->n.role = ROLE_MASTER;
    hlc_init(&fx->n.clock, HLC_MODE_HLC);
    snprintf(fx->path, sizeof fx->path, "%s/m2.trace", fx->dir);
    return fx;
}

static void s_fixture_free(fixture_t *fx)
{
    trace_close(&fx->n);
    unlink(fx->path);
    rmdir(fx->dir);
    free(fx);
}

/* The trace file's lines, NUL-terminated, after closing it. */
static char *s_read(fixture_t *fx)
{
    trace_close(&fx->n);
    FILE *f = fopen(fx->path, "r");
    assert_non_null(f);
    static char buf[8192];
    size_t len = fread(buf, 1, sizeof buf - 1, f);
    buf[len] = '\0';
    fclose(f);
    return buf;
}

static int s_count_lines(const char *s)
{
    int lines = 0;
    for (; *s; s++)
        lines += *s == '\n';
    return lines;
}

/* A pack of REC frames of origin m1 (id 1) with these stamps. */
static size_t s_pack(uint8_t *buf, size_t cap, const mm_stamp_t *stamps,
                     int count)
{
    size_t len = 0;
    for (int i = 0; i < count; i++) {
        record_t rec = {0};
        rec.origin = 1;
        rec.stamp = stamps[i];
        rec.seq = (uint64_t)i + 1;
        rec.value = (const uint8_t *)"v";
        rec.vlen = 1;
        wire_msg_t m = {0};
        m.cmd = WIRE_REC;
        wire_set_record(&m, &rec);
        m.key = (const uint8_t *)"k";
        m.klen = 1;
        int rc = wire_encode(&m, buf + len, cap - len);
        assert_true(rc > 0);
        len += (size_t)rc;
    }
    return len;
}

static void no_trace_file_unless_trace_lines_is_set(void **state)
{
    (void)state;
    fixture_t *fx = s_fixture(0);
    trace_open(&fx->n);
    assert_false(trace_on(&fx->n.trace));
    record_t rec = {0};
    store_outcome_t out = {0};
    trace_write(&fx->n, (const uint8_t *)"k", 1, &rec, &out);
    assert_int_equal(access(fx->path, F_OK), -1);
    s_fixture_free(fx);
}

static void a_client_write_is_one_line_with_its_pair(void **state)
{
    (void)state;
    fixture_t *fx = s_fixture(100);
    trace_open(&fx->n);
    assert_true(trace_on(&fx->n.trace));
    record_t rec = {0};
    rec.origin = 2;
    rec.stamp = hlc_make(1700000000123, 4);
    rec.seq = 9;
    store_outcome_t out = {.result = STORE_STORED};
    trace_write(&fx->n, (const uint8_t *)"color", 5, &rec, &out);
    out.result = STORE_KEPT;
    trace_write(&fx->n, (const uint8_t *)"a b", 3, &rec, &out);
    char *s = s_read(fx);
    assert_int_equal(s_count_lines(s), 3);
    assert_non_null(strstr(s, " node=m2 ev=start "));
    assert_non_null(strstr(s, " ev=write hlc="));
    assert_non_null(strstr(s, " key=color stamp=1700000000123.4@m2 seq=9 "
                              "won=1\n"));
    /* Keys are escaped as in the node log: a space would split a field. */
    assert_non_null(strstr(s, " key=a\\x20b stamp=1700000000123.4@m2 seq=9 "
                              "won=0\n"));
    assert_true(strncmp(s, "t=", 2) == 0);
    s_fixture_free(fx);
}

static void a_pack_is_summarised_by_its_first_and_last_pairs(void **state)
{
    (void)state;
    fixture_t *fx = s_fixture(100);
    trace_open(&fx->n);
    mm_stamp_t stamps[3] = {hlc_make(1000, 0), hlc_make(1000, 1),
                            hlc_make(1002, 0)};
    uint8_t pack[1024];
    size_t len = s_pack(pack, sizeof pack, stamps, 3);
    trace_send(&fx->n, 42, "r1", 2, pack, len);
    fx->n.clock.last = hlc_make(1002, 0);
    trace_apply(&fx->n, "m1", pack, len, 2, 1, hlc_make(900, 3));
    char *s = s_read(fx);
    assert_non_null(strstr(s, "t=42 node=m2 ev=send hlc=0.0 "));
    assert_non_null(strstr(s, " to=r1 n=3 first=1000.0@m1 last=1002.0@m1\n"));
    assert_non_null(strstr(s, " ev=apply hlc=1002.0 "));
    assert_non_null(strstr(s, " from=m1 n=3 applied=2 conflicts=1 "
                              "first=1000.0@m1 last=1002.0@m1 "
                              "hlc_before=900.3\n"));
    s_fixture_free(fx);
}

static void a_pack_without_records_is_not_traced(void **state)
{
    (void)state;
    fixture_t *fx = s_fixture(100);
    trace_open(&fx->n);
    uint8_t junk[8] = {0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0};
    trace_send(&fx->n, 1, "r1", 2, junk, sizeof junk);
    trace_apply(&fx->n, "m1", junk, 0, 0, 0, 0);
    char *s = s_read(fx);
    assert_int_equal(s_count_lines(s), 1); /* the start line only */
    s_fixture_free(fx);
}

static void a_discarded_write_names_winner_and_loser(void **state)
{
    (void)state;
    fixture_t *fx = s_fixture(100);
    trace_open(&fx->n);
    trace_lww(&fx->n, (const uint8_t *)"k2", 2, hlc_make(2000, 1), 2,
              hlc_make(1999, 0), 1, 1, "replication");
    char *s = s_read(fx);
    assert_non_null(strstr(s, " ev=lww "));
    assert_non_null(strstr(s, " key=k2 winner=2000.1@m2 loser=1999.0@m1 "
                              "concurrent=1 via=replication\n"));
    s_fixture_free(fx);
}

static void the_trace_stops_at_trace_lines_and_says_so(void **state)
{
    (void)state;
    fixture_t *fx = s_fixture(3);
    trace_open(&fx->n);
    record_t rec = {0};
    rec.origin = 2;
    store_outcome_t out = {0};
    for (int i = 0; i < 10; i++)
        trace_write(&fx->n, (const uint8_t *)"k", 1, &rec, &out);
    assert_false(trace_on(&fx->n.trace));
    char *s = s_read(fx);
    assert_int_equal(s_count_lines(s), 3);
    const char *last = strstr(s, " ev=full ");
    assert_non_null(last);
    assert_non_null(strstr(last, " lines=3\n"));
    s_fixture_free(fx);
}

static void trace_lines_is_bounded_in_the_cluster_file(void **state)
{
    (void)state;
    config_t c;
    char err[256];
    const char *node = "[node m1]\nrole = master\nclient = tcp://a:1\n"
                       "peer = tcp://a:2\n";
    char text[256];
    snprintf(text, sizeof text, "%s", node);
    assert_int_equal(config_parse(text, "t.ini", &c, err, sizeof err), 0);
    assert_int_equal(c.trace_lines, 0);
    snprintf(text, sizeof text, "[cluster]\ntrace_lines = 1000001\n%s", node);
    assert_int_equal(config_parse(text, "t.ini", &c, err, sizeof err),
                     MM_ERR_CONFIG);
    assert_string_equal(err, "t.ini:2: trace_lines must be from 0 to 1000000, "
                             "got '1000001'");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(no_trace_file_unless_trace_lines_is_set),
        cmocka_unit_test(a_client_write_is_one_line_with_its_pair),
        cmocka_unit_test(a_pack_is_summarised_by_its_first_and_last_pairs),
        cmocka_unit_test(a_pack_without_records_is_not_traced),
        cmocka_unit_test(a_discarded_write_names_winner_and_loser),
        cmocka_unit_test(the_trace_stops_at_trace_lines_and_says_so),
        cmocka_unit_test(trace_lines_is_bounded_in_the_cluster_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
