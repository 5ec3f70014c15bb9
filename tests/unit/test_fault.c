/*
 * test_fault.c - the FAULT command: what each request parses to, what it
 * changes on a node, and the malformed requests that are refused whole
 * (tests/fuzz/fuzz_admin found the ones marked so).
 *
 * The node is a bare node_t with its cluster file and clock and nothing
 * else: fault_apply() touches only those and its filter, so no store or
 * socket is needed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "engine.h"
#include "fault.h"
#include "log.h"

/* A replica whose name is 31 bytes, the longest a node's name may be. */
#define LONG_NAME "n234567890123456789012345678901"

static const char s_cluster[] =
    "[node m1]\nrole = master\nclient = tcp://127.0.0.1:1\n"
    "peer = tcp://127.0.0.1:2\n"
    "[node m2]\nrole = master\nclient = tcp://127.0.0.1:3\n"
    "peer = tcp://127.0.0.1:4\n"
    "[node " LONG_NAME "]\nrole = replica\nclient = tcp://127.0.0.1:5\n";

static node_t *s_node(void)
{
    char err[256];
    node_t *n = calloc(1, sizeof *n);
    assert_non_null(n);
    assert_int_equal(config_parse(s_cluster, "test", &n->cfg, err, sizeof err),
                     0);
    n->self = config_node(&n->cfg, "m1");
    assert_non_null(n->self);
    hlc_init(&n->clock, HLC_MODE_HLC);
    log_init("m1", LOG_WARN); /* quiet, but for the test that reads it */
    return n;
}

/* FAULT verb args, with the lengths given (so NUL bytes can be sent). */
static int s_fault_n(node_t *n, const char *verb, size_t vlen, const char *args,
                     size_t alen, char *msg, size_t cap)
{
    wire_msg_t m = {0};
    m.cmd = WIRE_FAULT;
    m.key = (const uint8_t *)verb;
    m.klen = (uint32_t)vlen;
    m.value = (const uint8_t *)args;
    m.vlen = (uint32_t)alen;
    return fault_apply(n, &m, msg, cap);
}

static int s_fault(node_t *n, const char *verb, const char *args)
{
    char msg[256];
    return s_fault_n(n, verb, strlen(verb), args, strlen(args), msg,
                     sizeof msg);
}

static void s_assert_untouched(const node_t *n)
{
    assert_int_equal(n->faults.drop_in, 0);
    assert_int_equal(n->faults.drop_out, 0);
    for (int o = 0; o <= MM_MAX_NODES; o++)
        assert_int_equal(n->faults.delay_us[o], 0);
    assert_int_equal(n->clock.offset_ms, 0);
}

static void each_verb_parses_to_what_it_asks(void **state)
{
    fault_cmd_t f;
    char msg[256];
    (void)state;
    assert_int_equal(fault_parse((const uint8_t *)"drop", 4,
                                 (const uint8_t *)" m2\tout ", 8, &f, msg,
                                 sizeof msg),
                     0);
    assert_int_equal(f.verb, FAULT_DROP);
    assert_string_equal(f.peer, "m2");
    assert_true(!f.in && f.out);
    assert_int_equal(fault_parse((const uint8_t *)"delay", 5,
                                 (const uint8_t *)"r1 300", 6, &f, msg,
                                 sizeof msg),
                     0);
    assert_int_equal(f.verb, FAULT_DELAY);
    assert_int_equal(f.ms, 300);
    assert_int_equal(fault_parse((const uint8_t *)"clock", 5,
                                 (const uint8_t *)"-86400000", 9, &f, msg,
                                 sizeof msg),
                     0);
    assert_int_equal(f.ms, -86400000);
    assert_int_equal(
        fault_parse((const uint8_t *)"heal", 4, NULL, 0, &f, msg, sizeof msg),
        0);
    assert_int_equal(f.verb, FAULT_HEAL);
}

static void drops_delays_and_heal_change_the_filter(void **state)
{
    node_t *n = s_node();
    (void)state;
    assert_int_equal(s_fault(n, "drop", "m2 both"), 0);
    assert_int_equal(n->faults.drop_in, node_bit(2));
    assert_int_equal(n->faults.drop_out, node_bit(2));
    assert_int_equal(s_fault(n, "delay", LONG_NAME " 250"), 0);
    assert_int_equal(n->faults.delay_us[3], 250000);
    assert_int_equal(s_fault(n, "clock", "2000"), 0);
    assert_int_equal(n->clock.offset_ms, 2000);
    assert_int_equal(s_fault(n, "heal", ""), 0);
    assert_int_equal(n->faults.drop_in | n->faults.drop_out, 0);
    assert_int_equal(n->faults.delay_us[3], 0);
    assert_int_equal(n->clock.offset_ms, 2000); /* heal keeps the clock */
    free(n);
}

static void bad_requests_are_refused_with_the_documented_words(void **state)
{
    node_t *n = s_node();
    char msg[256];
    (void)state;
    assert_int_equal(s_fault_n(n, "melt", 4, "", 0, msg, sizeof msg),
                     MM_ERR_PROTO);
    assert_non_null(strstr(msg, "unknown fault 'melt'; use drop PEER"));
    assert_int_equal(s_fault_n(n, "drop", 4, "m2", 2, msg, sizeof msg),
                     MM_ERR_PROTO);
    assert_non_null(strstr(msg, "bad arguments to 'drop'"));
    assert_int_equal(s_fault_n(n, "drop", 4, "m1 in", 5, msg, sizeof msg),
                     MM_ERR_PROTO); /* itself */
    assert_string_equal(msg, "drop needs another node's name and in, out or "
                             "both");
    assert_int_equal(s_fault_n(n, "drop", 4, "m9 in", 5, msg, sizeof msg),
                     MM_ERR_PROTO);
    assert_int_equal(s_fault_n(n, "drop", 4, "m2 up", 5, msg, sizeof msg),
                     MM_ERR_PROTO);
    assert_int_equal(s_fault_n(n, "delay", 5, "m2 -1", 5, msg, sizeof msg),
                     MM_ERR_PROTO);
    assert_string_equal(msg, "delay needs another node's name and 0..600000 "
                             "ms");
    assert_int_equal(s_fault(n, "delay", "m2 5ms"), MM_ERR_PROTO);
    assert_int_equal(s_fault(n, "clock", "86400001"), MM_ERR_PROTO);
    assert_int_equal(s_fault(n, "clock", "-9223372036854775808"), MM_ERR_PROTO);
    assert_int_equal(s_fault(n, "clock", "99999999999999999999"), MM_ERR_PROTO);
    assert_int_equal(s_fault(n, "clock", "1 2"), MM_ERR_PROTO);
    assert_int_equal(s_fault(n, "heal", "now"), MM_ERR_PROTO);
    s_assert_untouched(n);
    free(n);
}

/* Found by fuzz_admin: the arguments were cut to 127 bytes before they
 * were read, so junk past that point was never seen and the request was
 * applied. */
static void arguments_past_the_limit_are_refused_not_cut(void **state)
{
    node_t *n = s_node();
    char args[200], msg[256];
    (void)state;
    memset(args, ' ', sizeof args);
    memcpy(args, "m2 both", 7);
    memcpy(args + sizeof args - 4, "junk", 4);
    assert_int_equal(
        s_fault_n(n, "drop", 4, args, sizeof args, msg, sizeof msg),
        MM_ERR_PROTO);
    s_assert_untouched(n);
    free(n);
}

/* Found by fuzz_admin: a NUL byte ended the verb or the arguments early,
 * so "heal<NUL>junk" healed and "m2 both<NUL>junk" dropped. */
static void a_nul_byte_is_refused_not_an_end(void **state)
{
    node_t *n = s_node();
    char msg[256];
    (void)state;
    assert_int_equal(s_fault(n, "drop", "m2 both"), 0);
    assert_int_equal(s_fault_n(n, "heal\0junk", 9, "", 0, msg, sizeof msg),
                     MM_ERR_PROTO);
    assert_int_equal(n->faults.drop_in, node_bit(2));
    assert_int_equal(s_fault(n, "heal", ""), 0);
    assert_int_equal(
        s_fault_n(n, "drop", 4, "m2 both\0junk", 12, msg, sizeof msg),
        MM_ERR_PROTO);
    s_assert_untouched(n);
    free(n);
}

/* Found by fuzz_admin: "%31s" read a peer of 31 bytes and left the rest
 * of the word for the direction, so one word "<name>both" was a drop. */
static void a_peer_and_its_direction_are_two_words(void **state)
{
    node_t *n = s_node();
    char msg[256];
    (void)state;
    assert_int_equal(s_fault_n(n, "drop", 4, LONG_NAME "both",
                               strlen(LONG_NAME "both"), msg, sizeof msg),
                     MM_ERR_PROTO);
    s_assert_untouched(n);
    assert_int_equal(s_fault(n, "drop", LONG_NAME " both"), 0);
    assert_int_equal(n->faults.drop_in, node_bit(3));
    free(n);
}

/* Found by fuzz_admin: the log line printed the client's bytes as they
 * came, so a newline between the words split the event in two. */
static void a_fault_is_logged_on_one_line(void **state)
{
    node_t *n = s_node();
    char *text = NULL;
    size_t len = 0;
    FILE *saved = stderr;
    (void)state;
    log_init("m1", LOG_INFO);
    stderr = open_memstream(&text, &len);
    assert_non_null(stderr);
    int rc = s_fault(n, "drop", "m2\n\"both\"\nevent=x");
    int rc2 = s_fault(n, "drop", "\tm2\r\nboth\n");
    fclose(stderr);
    stderr = saved;
    assert_int_equal(rc, MM_ERR_PROTO);
    assert_int_equal(rc2, 0);
    assert_non_null(text);
    assert_non_null(strstr(text, "event=fault verb=drop args=\"m2 both\"\n"));
    assert_ptr_equal(strchr(text, '\n'), text + len - 1);
    free(text);
    free(n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(each_verb_parses_to_what_it_asks),
        cmocka_unit_test(drops_delays_and_heal_change_the_filter),
        cmocka_unit_test(bad_requests_are_refused_with_the_documented_words),
        cmocka_unit_test(arguments_past_the_limit_are_refused_not_cut),
        cmocka_unit_test(a_nul_byte_is_refused_not_an_end),
        cmocka_unit_test(a_peer_and_its_direction_are_two_words),
        cmocka_unit_test(a_fault_is_logged_on_one_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
