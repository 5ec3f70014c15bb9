/*
 * test_config.c - the cluster file parser: a good file, the defaults, and
 * every mistake it must point at with the right line.
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
#include "config.h"

/* Every key, set to something other than its default. */
static const char s_full[] = "; a test cluster\n"              /* 1 */
                             "[cluster]\n"                     /* 2 */
                             "name = lab-2\n"                  /* 3 */
                             "clock = wall\n"                  /* 4 */
                             "durability = sync\n"             /* 5 */
                             "data_dir = /var/tmp/lab2\n"      /* 6 */
                             "heartbeat_ms = 250\n"            /* 7 */
                             "liveness = 3\n"                  /* 8 */
                             "window = 100000\n"               /* 9 */
                             "cache_mb = 16\n"                 /* 10 */
                             "security = curve\n"              /* 11 */
                             "[node m1]\n"                     /* 12 */
                             "role = master\n"                 /* 13 */
                             "id = 7\n"                        /* 14 */
                             "client = tcp://127.0.0.1:7101\n" /* 15 */
                             "peer = tcp://127.0.0.1:7201\n"   /* 16 */
                             "clock_offset_ms = -1500\n"       /* 17 */
                             "[node r_1]\n"                    /* 18 */
                             "role = replica\n"                /* 19 */
                             "client = tcp://[::1]:7301\n"     /* 20 */
                             "clock_offset_ms = 40\n";         /* 21 */

/* The smallest valid file, to which the error tests add one mistake. */
#define S_MASTER                                                               \
    "[node m1]\n"                                                              \
    "role = master\n"                                                          \
    "client = tcp://127.0.0.1:7101\n"                                          \
    "peer = tcp://127.0.0.1:7201\n"

static void s_assert_error(const char *text, const char *want)
{
    config_t c;
    char err[256] = "";

    assert_int_equal(config_parse(text, "local.ini", &c, err, sizeof err),
                     MM_ERR_CONFIG);
    assert_string_equal(err, want);
}

static void s_parse_ok(const char *text, config_t *c)
{
    char err[256] = "";

    if (config_parse(text, "local.ini", c, err, sizeof err) != 0)
        fail_msg("unexpected error: %s", err);
}

static void a_good_file_parses_with_every_field(void **state)
{
    config_t c;

    (void)state;
    s_parse_ok(s_full, &c);
    assert_string_equal(c.name, "lab-2");
    assert_int_equal(c.clock, HLC_MODE_WALL);
    assert_int_equal(c.durability, STORE_SYNC);
    assert_string_equal(c.data_dir, "/var/tmp/lab2");
    assert_int_equal(c.heartbeat_ms, 250);
    assert_int_equal(c.liveness, 3);
    assert_int_equal(c.window, 100000);
    assert_int_equal(c.cache_mb, 16);
    assert_int_equal(c.security, SECURITY_CURVE);
    assert_string_equal(config_security_name(c.security), "curve");
    assert_int_equal(c.nnodes, 2);

    assert_string_equal(c.nodes[0].name, "m1");
    assert_int_equal(c.nodes[0].role, ROLE_MASTER);
    assert_int_equal(c.nodes[0].id, 7);
    assert_string_equal(c.nodes[0].client, "tcp://127.0.0.1:7101");
    assert_string_equal(c.nodes[0].peer, "tcp://127.0.0.1:7201");
    assert_int_equal(c.nodes[0].clock_offset_ms, -1500);

    assert_string_equal(c.nodes[1].name, "r_1");
    assert_int_equal(c.nodes[1].role, ROLE_REPLICA);
    assert_int_equal(c.nodes[1].id, 2); /* its place in the file */
    assert_string_equal(c.nodes[1].client, "tcp://[::1]:7301");
    assert_string_equal(c.nodes[1].peer, "");
    assert_int_equal(c.nodes[1].clock_offset_ms, 40);
}

static void defaults_apply_when_keys_are_left_out(void **state)
{
    config_t c;

    (void)state;
    s_parse_ok(S_MASTER, &c);
    assert_string_equal(c.name, "mmlab");
    assert_int_equal(c.clock, HLC_MODE_HLC);
    assert_int_equal(c.durability, STORE_NOSYNC);
    assert_string_equal(c.data_dir, "run/mmlab");
    assert_int_equal(c.heartbeat_ms, 100);
    assert_int_equal(c.liveness, 5);
    assert_int_equal(c.window, 4096);
    assert_int_equal(c.cache_mb, 64);
    assert_int_equal(c.security, SECURITY_OFF);
    assert_string_equal(c.keys, "run/mmlab/keys");
    assert_int_equal(c.nclients, 1);
    assert_string_equal(c.clients[0], "client");
    assert_int_equal(c.max_connections, 1024);
    assert_int_equal(c.nnodes, 1);
    assert_int_equal(c.nodes[0].id, 1);
    assert_int_equal(c.nodes[0].clock_offset_ms, 0);
}

static void data_dir_defaults_to_run_and_the_cluster_name(void **state)
{
    config_t c;

    (void)state;
    /* The name may come after the nodes; the default uses it anyway. */
    s_parse_ok(S_MASTER "[cluster]\nname = local\n", &c);
    assert_string_equal(c.data_dir, "run/local");
}

static void node_ids_default_to_their_place_in_the_file(void **state)
{
    config_t c;

    (void)state;
    s_parse_ok(S_MASTER "[node m2]\nrole = master\nclient = tcp://a:1\n"
                        "peer = tcp://a:2\n"
                        "[node r1]\nrole = replica\nclient = tcp://a:3\n",
               &c);
    assert_int_equal(c.nnodes, 3);
    assert_int_equal(c.nodes[0].id, 1);
    assert_int_equal(c.nodes[1].id, 2);
    assert_int_equal(c.nodes[2].id, 3);
}

static void comments_blank_lines_and_spaces_are_ignored(void **state)
{
    config_t c;

    (void)state;
    s_parse_ok("# whole-line comment\r\n"
               "\t ; indented comment\r\n"
               "\r\n"
               "  [ cluster ]   ; section comment\r\n"
               "\tname\t=\tcommented   # inline\r\n"
               "[node  m1 ];no space needed after a header\n"
               "role=master\n"
               "client = tcp://h:1 # clients\n"
               "peer = tcp://h:2\n",
               &c);
    assert_string_equal(c.name, "commented");
    assert_string_equal(c.nodes[0].name, "m1");
    assert_string_equal(c.nodes[0].client, "tcp://h:1");
    /* Right after the value, ';' is part of it, so the role is wrong. */
    s_assert_error("[node m1]\nrole=master;x\n",
                   "local.ini:2: role must be master, replica, primary or "
                   "standby, got 'master;x'");
}

static void nodes_are_found_by_name_and_id(void **state)
{
    config_t c;

    (void)state;
    s_parse_ok(s_full, &c);
    assert_ptr_equal(config_node(&c, "r_1"), &c.nodes[1]);
    assert_null(config_node(&c, "r1"));
    assert_ptr_equal(config_node_by_id(&c, 7), &c.nodes[0]);
    assert_null(config_node_by_id(&c, 1));
    assert_string_equal(config_role_name(ROLE_MASTER), "master");
    assert_string_equal(config_role_name(ROLE_REPLICA), "replica");
}

static void unknown_keys_are_reported_with_section_and_line(void **state)
{
    (void)state;
    s_assert_error("[cluster]\nname = local\n\n"
                   "[node m1]\nclient = tcp://h:1\npeer = tcp://h:2\n"
                   "rol = master\n",
                   "local.ini:7: unknown key 'rol' in [node m1]");
    s_assert_error("[cluster]\nnmae = x\n",
                   "local.ini:2: unknown key 'nmae' in [cluster]");
    s_assert_error("[node m1]\nwindow = 10\n",
                   "local.ini:2: unknown key 'window' in [node m1] (it "
                   "belongs in [cluster])");
    s_assert_error("[cluster]\nrole = master\n",
                   "local.ini:2: unknown key 'role' in [cluster] (it "
                   "belongs in a [node NAME] section)");
}

static void bad_choices_are_reported_with_what_is_allowed(void **state)
{
    (void)state;
    s_assert_error("[cluster]\nname = x\nclock = lamport\n",
                   "local.ini:3: clock must be hlc or wall, got 'lamport'");
    s_assert_error("[cluster]\ndurability = fsync\n",
                   "local.ini:2: durability must be sync or nosync, got "
                   "'fsync'");
    s_assert_error("[node m1]\nrole = leader\n",
                   "local.ini:2: role must be master, replica, primary or "
                   "standby, got 'leader'");
}

static void malformed_lines_are_refused(void **state)
{
    (void)state;
    s_assert_error("[cluster]\nname local\n",
                   "local.ini:2: expected 'key = value', got 'name local'");
    s_assert_error("[cluster]\n= local\n",
                   "local.ini:2: missing key before '=' in [cluster]");
    s_assert_error("[cluster]\nname =   ; nothing\n",
                   "local.ini:2: name in [cluster] has no value");
    s_assert_error("\n[node m1\nrole = master\n",
                   "local.ini:2: unterminated section header '[node m1'");
    s_assert_error("[cluster] x\n",
                   "local.ini:1: unexpected 'x' after [cluster]");
    s_assert_error("[clutser]\n", "local.ini:1: unknown section [clutser]: "
                                  "use [cluster] or [node NAME]");
    s_assert_error("[nodes m1]\n", "local.ini:1: unknown section [nodes "
                                   "m1]: use [cluster] or [node NAME]");
    s_assert_error("name = x\n",
                   "local.ini:1: 'name' is outside any section: start with "
                   "[cluster] or [node NAME]");
    s_assert_error("[cluster]\nname = a\nname = b\n",
                   "local.ini:3: name is set twice in [cluster] (first on "
                   "line 2)");
}

static void a_line_longer_than_the_limit_is_refused(void **state)
{
    char text[1200];

    (void)state;
    snprintf(text, sizeof text, "[cluster]\ndata_dir = %01100d\n", 0);
    s_assert_error(text,
                   "local.ini:2: line is too long (at most 1023 characters)");
    snprintf(text, sizeof text, "[cluster]\ndata_dir = %0300d\n", 0);
    s_assert_error(text, "local.ini:2: data_dir is too long (at most 255 "
                         "characters)");
}

static void bad_node_names_are_refused(void **state)
{
    (void)state;
    s_assert_error("[node]\n", "local.ini:1: [node] needs a name: [node "
                               "NAME]");
    s_assert_error("[node m 1]\n", "local.ini:1: node name 'm 1' must be 1 "
                                   "to 31 letters, digits, '_' or '-'");
    s_assert_error("[node m.1]\n", "local.ini:1: node name 'm.1' must be 1 "
                                   "to 31 letters, digits, '_' or '-'");
    s_assert_error("[node abcdefghijklmnopqrstuvwxyz012345]\n",
                   "local.ini:1: node name "
                   "'abcdefghijklmnopqrstuvwxyz012345' must be 1 to 31 "
                   "letters, digits, '_' or '-'");
    s_assert_error("[cluster]\nname = my/cluster\n",
                   "local.ini:2: cluster name 'my/cluster' must be 1 to 31 "
                   "letters, digits, '_' or '-'");
}

static void duplicate_names_ids_and_endpoints_are_refused(void **state)
{
    (void)state;
    s_assert_error(S_MASTER "[node m1]\n",
                   "local.ini:5: duplicate node name 'm1' (first on line "
                   "1)");
    /* m2 defaults to id 2, which m1 took explicitly. */
    s_assert_error(S_MASTER "id = 2\n"
                            "[node m2]\nrole = master\nclient = tcp://a:1\n"
                            "peer = tcp://a:2\n",
                   "local.ini:6: node id 2 of m2 is already the id of m1");
    s_assert_error(S_MASTER "[node m2]\nrole = master\nid = 1\n"
                            "client = tcp://a:1\npeer = tcp://a:2\n",
                   "local.ini:7: node id 1 of m2 is already the id of m1");
    s_assert_error(S_MASTER
                   "[node r1]\nrole = replica\nclient = tcp://127.0.0.1:7101\n",
                   "local.ini:7: client endpoint tcp://127.0.0.1:7101 of r1 "
                   "is already the client endpoint of m1");
    s_assert_error(S_MASTER "[node m2]\nrole = master\nclient = tcp://a:1\n"
                            "peer = tcp://127.0.0.1:7201\n",
                   "local.ini:8: peer endpoint tcp://127.0.0.1:7201 of m2 "
                   "is already the peer endpoint of m1");
    s_assert_error("[node m1]\nrole = master\nclient = tcp://a:1\n"
                   "peer = tcp://a:1\n",
                   "local.ini:4: m1 uses tcp://a:1 as both its client and "
                   "peer endpoint");
}

static void nodes_missing_a_required_key_are_refused(void **state)
{
    (void)state;
    s_assert_error("[node m1]\nclient = tcp://a:1\npeer = tcp://a:2\n",
                   "local.ini:1: [node m1] has no role (master, replica, "
                   "primary or standby)");
    s_assert_error("[node m1]\nrole = master\npeer = tcp://a:2\n",
                   "local.ini:1: [node m1] has no client endpoint");
    s_assert_error("\n[node m1]\nrole = master\nclient = tcp://a:1\n"
                   "[cluster]\n",
                   "local.ini:2: master m1 has no peer endpoint: it streams "
                   "writes from it");
    s_assert_error(S_MASTER "[node r1]\npeer = tcp://a:2\nrole = replica\n"
                            "client = tcp://a:1\n",
                   "local.ini:6: replica r1 cannot have a peer endpoint: "
                   "only writers stream writes");
}

static void a_cluster_needs_a_master(void **state)
{
    (void)state;
    s_assert_error("[cluster]\nname = x\n[node r1]\nrole = replica\n"
                   "client = tcp://a:1\n",
                   "local.ini:5: no writer: at least one [node NAME] needs "
                   "role = master (or one role = primary)");
    s_assert_error("", "local.ini:1: no writer: at least one [node NAME] "
                       "needs role = master (or one role = primary)");
}

#define S_PS                                                                   \
    "[node p]\nrole = primary\nclient = tcp://a:1\npeer = tcp://a:2\n"         \
    "[node s]\nrole = standby\nclient = tcp://a:3\npeer = tcp://a:4\n"

static void a_primary_standby_cluster_parses_with_ack_standby(void **state)
{
    config_t c;
    char err[256];
    (void)state;
    assert_int_equal(config_parse("[cluster]\nack = standby\n"
                                  "ack_timeout_ms = 500\n" S_PS,
                                  "ps.ini", &c, err, sizeof err),
                     0);
    assert_int_equal(c.ack, ACK_STANDBY);
    assert_int_equal(c.ack_timeout_ms, 500);
    assert_int_equal(c.ack_unprotected, 0); /* strict unless asked */
    assert_int_equal(c.nodes[0].role, ROLE_PRIMARY);
    assert_int_equal(c.nodes[1].role, ROLE_STANDBY);
    assert_true(config_role_streams(ROLE_STANDBY));
    assert_false(config_role_streams(ROLE_REPLICA));
}

static void ack_unprotected_yes_turns_on_degraded_mode(void **state)
{
    config_t c;
    char err[256];
    (void)state;
    assert_int_equal(config_parse("[cluster]\nack = standby\n"
                                  "ack_unprotected = yes\n" S_PS,
                                  "ps.ini", &c, err, sizeof err),
                     0);
    assert_int_equal(c.ack_unprotected, 1);
    assert_int_equal(config_parse("[cluster]\nack = standby\n"
                                  "ack_unprotected = no\n" S_PS,
                                  "ps.ini", &c, err, sizeof err),
                     0);
    assert_int_equal(c.ack_unprotected, 0);
}

static void primaries_and_masters_do_not_mix(void **state)
{
    (void)state;
    s_assert_error(S_MASTER S_PS, "local.ini:12: a cluster is multi-master "
                                  "(role = master) or primary-standby (role "
                                  "= primary/standby), not both");
    s_assert_error("[node s]\nrole = standby\nclient = tcp://a:3\n"
                   "peer = tcp://a:4\n",
                   "local.ini:4: standbys but no primary: one node needs "
                   "role = primary");
    s_assert_error("[cluster]\nack = standby\n" S_MASTER,
                   "local.ini:6: ack = standby needs a node with role = "
                   "standby");
    s_assert_error("[cluster]\nack_unprotected = maybe\n",
                   "local.ini:2: ack_unprotected must be yes or no, got "
                   "'maybe'");
    s_assert_error("[cluster]\nack = majority\n",
                   "local.ini:2: ack must be none, standby, all or quorum, "
                   "got 'majority'");
}

#define S_M2 "[node m2]\nrole = master\nclient = tcp://a:5\npeer = tcp://a:6\n"

static void ack_all_and_quorum_wait_for_other_masters(void **state)
{
    config_t c;
    char err[256];
    (void)state;
    assert_int_equal(config_parse("[cluster]\nack = all\n" S_MASTER S_M2,
                                  "mm.ini", &c, err, sizeof err),
                     0);
    assert_int_equal(c.ack, ACK_ALL);
    assert_int_equal(config_parse("[cluster]\nack = quorum\n" S_MASTER S_M2,
                                  "mm.ini", &c, err, sizeof err),
                     0);
    assert_int_equal(c.ack, ACK_QUORUM);
    /* One master has nobody to wait for; a primary uses ack = standby. */
    s_assert_error("[cluster]\nack = all\n" S_MASTER,
                   "local.ini:6: ack = all waits for other masters: it needs "
                   "two or more nodes with role = master");
    s_assert_error("[cluster]\nack = quorum\n" S_PS,
                   "local.ini:10: ack = quorum waits for other masters: it "
                   "needs two or more nodes with role = master");
}

static void service_times_default_to_zero_and_are_bounded(void **state)
{
    config_t c;
    char err[256];
    (void)state;
    assert_int_equal(config_parse(S_MASTER, "mm.ini", &c, err, sizeof err), 0);
    assert_int_equal(c.write_service_us, 0);
    assert_int_equal(c.read_service_us, 0);
    assert_int_equal(config_parse("[cluster]\nwrite_service_us = 200\n"
                                  "read_service_us = 1000\n" S_MASTER,
                                  "mm.ini", &c, err, sizeof err),
                     0);
    assert_int_equal(c.write_service_us, 200);
    assert_int_equal(c.read_service_us, 1000);
    s_assert_error("[cluster]\nread_service_us = -1\n",
                   "local.ini:2: read_service_us must be from 0 to 1000000, "
                   "got '-1'");
}

static void log_retain_defaults_to_100000_and_is_bounded(void **state)
{
    config_t c;
    char err[256];
    (void)state;
    assert_int_equal(config_parse(S_MASTER, "mm.ini", &c, err, sizeof err), 0);
    assert_int_equal(c.log_retain, 100000);
    assert_int_equal(config_parse("[cluster]\nlog_retain = 500\n" S_MASTER,
                                  "mm.ini", &c, err, sizeof err),
                     0);
    assert_int_equal(c.log_retain, 500);
    s_assert_error("[cluster]\nlog_retain = 0\n",
                   "local.ini:2: log_retain must be from 1 to 1000000000, "
                   "got '0'");
    s_assert_error("[node m1]\nlog_retain = 5\n",
                   "local.ini:2: unknown key 'log_retain' in [node m1] (it "
                   "belongs in [cluster])");
}

static void more_than_max_nodes_is_refused(void **state)
{
    char text[4096] = "";
    size_t len = 0;

    (void)state;
    for (int i = 1; i <= MM_MAX_NODES + 1; i++)
        len += (size_t)snprintf(text + len, sizeof text - len,
                                "[node n%d]\nrole = master\n"
                                "client = tcp://h:%d\npeer = tcp://h:%d\n",
                                i, 1000 + i, 2000 + i);
    /* Node 17's header is line 16 * 4 + 1. */
    s_assert_error(text, "local.ini:65: too many nodes: at most 16");
}

static void numbers_must_be_whole_and_in_range(void **state)
{
    (void)state;
    s_assert_error("[cluster]\nheartbeat_ms = 100ms\n",
                   "local.ini:2: heartbeat_ms must be a whole number, got "
                   "'100ms'");
    s_assert_error("[cluster]\nheartbeat_ms = 9\n",
                   "local.ini:2: heartbeat_ms must be from 10 to 10000, got "
                   "'9'");
    s_assert_error("[cluster]\nliveness = 101\n",
                   "local.ini:2: liveness must be from 2 to 100, got '101'");
    s_assert_error("[cluster]\nwindow = 15\n",
                   "local.ini:2: window must be from 16 to 1000000, got "
                   "'15'");
    s_assert_error("[cluster]\ncache_mb = 0x10\n",
                   "local.ini:2: cache_mb must be a whole number, got "
                   "'0x10'");
    s_assert_error("[cluster]\ncache_mb = 99999999999999999999\n",
                   "local.ini:2: cache_mb must be from 1 to 4096, got "
                   "'99999999999999999999'");
    s_assert_error("[node m1]\nid = 0\n",
                   "local.ini:2: id must be from 1 to 16, got '0'");
    s_assert_error("[node m1]\nid = 17\n",
                   "local.ini:2: id must be from 1 to 16, got '17'");
    s_assert_error("[node m1]\nclock_offset_ms = 1.5\n",
                   "local.ini:2: clock_offset_ms must be a whole number, got "
                   "'1.5'");
    s_assert_error("[node m1]\nclock_offset_ms = -86400001\n",
                   "local.ini:2: clock_offset_ms must be from -86400000 to "
                   "86400000, got '-86400001'");
}

static void the_first_error_wins(void **state)
{
    (void)state;
    s_assert_error("[cluster]\nclock = lamport\ndurability = maybe\n",
                   "local.ini:2: clock must be hlc or wall, got 'lamport'");
}

static void load_reads_a_file_and_names_it_in_errors(void **state)
{
    char path[] = "/tmp/mmlab-config-XXXXXX";
    char err[256] = "";
    config_t c;
    int fd;

    (void)state;
    fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, s_full, strlen(s_full)),
                     (ssize_t)strlen(s_full));
    assert_int_equal(write(fd, "oops\n", 5), 5);
    close(fd);

    assert_int_equal(config_load(path, &c, err, sizeof err), MM_ERR_CONFIG);
    char want[128];
    snprintf(want, sizeof want, "%s:22: expected 'key = value', got 'oops'",
             path);
    assert_string_equal(err, want);

    /* Without the bad line the file loads. */
    assert_int_equal(truncate(path, (off_t)strlen(s_full)), 0);
    assert_int_equal(config_load(path, &c, err, sizeof err), 0);
    assert_string_equal(c.name, "lab-2");
    unlink(path);

    assert_int_equal(config_load(path, &c, err, sizeof err), MM_ERR_CONFIG);
    snprintf(want, sizeof want, "cannot read %s: No such file or directory",
             path);
    assert_string_equal(err, want);
}

/* ---- The [coordinator] section --------------------------------------- */

static void a_file_without_coordinator_has_none_and_default_routes(void **st)
{
    config_t c;
    (void)st;
    s_parse_ok(S_MASTER, &c);
    assert_false(c.coord.present);
    assert_int_equal(c.coord.write_route, WRITE_ROUTE_HOME);
    s_parse_ok(S_PS, &c);
    assert_int_equal(c.coord.write_route, WRITE_ROUTE_PRIMARY);
}

static void the_coordinator_section_parses_every_key(void **state)
{
    config_t c;
    (void)state;
    s_parse_ok(S_MASTER "[coordinator]\n"
                        "client = tcp://127.0.0.1:7100\n"
                        "resp = 127.0.0.1:6380\n"
                        "write_route = sticky\n"
                        "read_route = least_lag\n"
                        "pool = off\n"
                        "pool_size = 8\n"
                        "heartbeat_ms = 50\n"
                        "missed = 5\n"
                        "hold_ms = 500\n"
                        "max_clients = 100\n"
                        "idle_timeout_s = 0\n"
                        "max_value = 4096\n"
                        "requirepass = pw\n"
                        "suspect_ms = 0\n",
               &c);
    assert_true(c.coord.present);
    assert_string_equal(c.coord.client, "tcp://127.0.0.1:7100");
    assert_string_equal(c.coord.resp, "127.0.0.1:6380");
    assert_int_equal(c.coord.write_route, WRITE_ROUTE_STICKY);
    assert_int_equal(c.coord.read_route, READ_ROUTE_LEAST_LAG);
    assert_int_equal(c.coord.pool, 0);
    assert_int_equal(c.coord.pool_size, 8);
    assert_int_equal(c.coord.heartbeat_ms, 50);
    assert_int_equal(c.coord.missed, 5);
    assert_int_equal(c.coord.hold_ms, 500);
    assert_int_equal(c.coord.max_clients, 100);
    assert_int_equal(c.coord.idle_timeout_s, 0);
    assert_int_equal(c.coord.max_value, 4096);
    assert_string_equal(c.coord.requirepass, "pw");
    assert_int_equal(c.coord.suspect_ms, 0);
    assert_string_equal(config_write_route_name(c.coord.write_route), "sticky");
    assert_string_equal(config_read_route_name(c.coord.read_route),
                        "least_lag");
}

static void coordinator_defaults_follow_the_cluster_shape(void **state)
{
    config_t c;
    (void)state;
    s_parse_ok("[coordinator]\nresp = localhost:6380\n" S_PS, &c);
    assert_int_equal(c.coord.write_route, WRITE_ROUTE_PRIMARY);
    /* A Redis user expects to read their own writes from one endpoint. */
    assert_int_equal(c.coord.read_route, READ_ROUTE_RYW);
    assert_int_equal(c.coord.pool, 1);
    assert_int_equal(c.coord.pool_size, 4);
    assert_int_equal(c.coord.heartbeat_ms, 100);
    assert_int_equal(c.coord.missed, 3);
    assert_int_equal(c.coord.suspect_ms, 2000);
    assert_int_equal(c.coord.hold_ms, 2000);
    assert_int_equal(c.coord.max_clients, 10000);
    assert_int_equal(c.coord.idle_timeout_s, 300);
    assert_int_equal(c.coord.max_value, MM_VALUE_MAX);
    assert_string_equal(c.coord.client, "");
}

static void coordinator_mistakes_are_reported_with_the_line(void **state)
{
    (void)state;
    s_assert_error(S_MASTER "[coordinator]\npool_size = 4\n",
                   "local.ini:5: [coordinator] needs a client endpoint, a "
                   "resp address, or both");
    s_assert_error(S_MASTER "[coordinator]\nresp = tcp://a:1\n",
                   "local.ini:6: resp must be PORT or HOST:PORT (like "
                   "127.0.0.1:6380) with a port of 1 to 65535, got "
                   "'tcp://a:1'");
    s_assert_error(S_MASTER "[coordinator]\nresp = a:0\n",
                   "local.ini:6: resp must be PORT or HOST:PORT (like "
                   "127.0.0.1:6380) with a port of 1 to 65535, got 'a:0'");
    s_assert_error(S_MASTER "[coordinator]\nresp = 65536\n",
                   "local.ini:6: resp must be PORT or HOST:PORT (like "
                   "127.0.0.1:6380) with a port of 1 to 65535, got '65536'");
    s_assert_error(S_MASTER "[coordinator]\nread_route = fastest\n",
                   "local.ini:6: read_route must be round_robin, least_lag, "
                   "ryw or primary, got 'fastest'");
    s_assert_error(S_MASTER "[coordinator]\nwrite_route = any\n",
                   "local.ini:6: write_route must be primary, home or "
                   "sticky, got 'any'");
    s_assert_error(S_MASTER "[coordinator]\npool = yes\n",
                   "local.ini:6: pool must be on or off, got 'yes'");
    s_assert_error(S_MASTER "[coordinator]\nmissed = 0\n",
                   "local.ini:6: missed must be from 1 to 100, got '0'");
    s_assert_error(S_MASTER "[coordinator]\nmax_value = 1048577\n",
                   "local.ini:6: max_value must be from 0 to 1048576, got "
                   "'1048577'");
    s_assert_error(S_MASTER "[coordinator]\nrole = master\n",
                   "local.ini:6: unknown key 'role' in [coordinator]");
    s_assert_error(S_MASTER "[coordinator]\nresp = a:1\nresp = a:2\n",
                   "local.ini:7: resp is set twice in [coordinator] (first "
                   "on line 6)");
    s_assert_error(S_MASTER "[coordinator]\nresp = a:1\n[coordinator]\n",
                   "local.ini:7: [coordinator] appears twice (first on line "
                   "5)");
    s_assert_error(S_MASTER "[coordinator]\nclient = tcp://127.0.0.1:7101\n",
                   "local.ini:6: coordinator client endpoint "
                   "tcp://127.0.0.1:7101 is already an endpoint of m1");
    s_assert_error("[coordinator]\nresp = a:1\nwrite_route = home\n" S_PS,
                   "local.ini:3: write_route must be primary in a "
                   "primary-standby cluster: only the primary takes writes");
}

/* ---- Endpoints, security and limits ---------------------------------- */

#define S_NODE_CLIENT(ep)                                                      \
    "[node m1]\nrole = master\nclient = " ep "\npeer = tcp://a:2\n"

static void endpoints_must_be_tcp_host_and_a_port_from_1_to_65535(void **st)
{
    (void)st;
    s_assert_error(S_NODE_CLIENT("tcp://127.0.0.1:99999"),
                   "local.ini:3: client port must be from 1 to 65535, got "
                   "'99999' in 'tcp://127.0.0.1:99999'");
    s_assert_error(S_NODE_CLIENT("tcp://127.0.0.1:0"),
                   "local.ini:3: client port must be from 1 to 65535, got "
                   "'0' in 'tcp://127.0.0.1:0'");
    s_assert_error(S_NODE_CLIENT("tcp://127.0.0.1:71x1"),
                   "local.ini:3: client port must be from 1 to 65535, got "
                   "'71x1' in 'tcp://127.0.0.1:71x1'");
    s_assert_error(S_NODE_CLIENT("tcp://127.0.0.1:"),
                   "local.ini:3: client port must be from 1 to 65535, got "
                   "'' in 'tcp://127.0.0.1:'");
    s_assert_error(S_NODE_CLIENT("127.0.0.1:7101"),
                   "local.ini:3: client must be tcp://HOST:PORT (like "
                   "tcp://127.0.0.1:7101), got '127.0.0.1:7101'");
    s_assert_error(S_NODE_CLIENT("ipc:///tmp/m1"),
                   "local.ini:3: client must be tcp://HOST:PORT (like "
                   "tcp://127.0.0.1:7101), got 'ipc:///tmp/m1'");
    s_assert_error(S_NODE_CLIENT("inproc://M1"),
                   "local.ini:3: client must be tcp://HOST:PORT (like "
                   "tcp://127.0.0.1:7101), got 'inproc://M1'");
    s_assert_error(S_NODE_CLIENT("inproc://"),
                   "local.ini:3: client must be tcp://HOST:PORT (like "
                   "tcp://127.0.0.1:7101), got 'inproc://'");
    s_assert_error(S_NODE_CLIENT("tcp://*:7101"),
                   "local.ini:3: client must name the address to bind, not "
                   "'*' (every interface), got 'tcp://*:7101'");
    s_assert_error(S_NODE_CLIENT("tcp://:7101"),
                   "local.ini:3: client has no valid host in 'tcp://:7101' "
                   "(an IPv4 address, a host name or [IPv6])");
    s_assert_error("[node m1]\nrole = master\nclient = tcp://a:1\n"
                   "peer = tcp://a:-2\n",
                   "local.ini:4: peer port must be from 1 to 65535, got '-2' "
                   "in 'tcp://a:-2'");
    s_assert_error(S_MASTER "[coordinator]\nclient = tcp://h:65536\n",
                   "local.ini:6: client port must be from 1 to 65535, got "
                   "'65536' in 'tcp://h:65536'");
}

static void security_keys_and_clients_parse_and_default(void **state)
{
    config_t c;
    (void)state;
    s_parse_ok("[cluster]\nsecurity = curve\nkeys = /etc/mm/keys\n"
               "clients = app, batch-1\nmax_connections = 64\n" S_MASTER,
               &c);
    assert_int_equal(c.security, SECURITY_CURVE);
    assert_string_equal(c.keys, "/etc/mm/keys");
    assert_int_equal(c.nclients, 2);
    assert_string_equal(c.clients[0], "app");
    assert_string_equal(c.clients[1], "batch-1");
    assert_int_equal(c.max_connections, 64);
    /* The keys live with the data unless the file says otherwise. */
    s_parse_ok("[cluster]\ndata_dir = /srv/lab\n" S_MASTER, &c);
    assert_string_equal(c.keys, "/srv/lab/keys");
    s_assert_error("[cluster]\nsecurity = tls\n",
                   "local.ini:2: security must be curve or off, got 'tls'");
    s_assert_error("[cluster]\nclients = app, a/b\n",
                   "local.ini:2: client name 'a/b' must be 1 to 31 letters, "
                   "digits, '_' or '-'");
    s_assert_error("[cluster]\nclients = admin\n",
                   "local.ini:2: client name 'admin' is the admin's "
                   "identity");
    s_assert_error("[cluster]\nclients = app, app\n",
                   "local.ini:2: client 'app' is listed twice");
    s_assert_error("[cluster]\nmax_connections = 7\n",
                   "local.ini:2: max_connections must be from 8 to 100000, "
                   "got '7'");
}

static void a_node_cannot_take_a_key_identity_name(void **state)
{
    (void)state;
    s_assert_error(S_MASTER "[node admin]\nrole = replica\n"
                            "client = tcp://a:9\n",
                   "local.ini:5: node name 'admin' is taken: coordinator, "
                   "admin and the clients (client) have key files of that "
                   "name");
    s_assert_error("[cluster]\nclients = app\n" S_MASTER
                   "[node app]\nrole = replica\nclient = tcp://a:9\n",
                   "local.ini:7: node name 'app' is taken: coordinator, "
                   "admin and the clients (app) have key files of that name");
}

static void a_resp_port_alone_binds_loopback(void **state)
{
    config_t c;
    (void)state;
    s_parse_ok(S_MASTER "[coordinator]\nresp = 6380\n", &c);
    assert_string_equal(c.coord.resp, "127.0.0.1:6380");
    assert_string_equal(c.coord.requirepass, "");
}

static void a_reachable_resp_front_needs_a_password(void **state)
{
    config_t c;
    (void)state;
    s_assert_error(S_MASTER "[coordinator]\nresp = 0.0.0.0:6380\n",
                   "local.ini:6: resp 0.0.0.0:6380 can be reached from other "
                   "machines, but no requirepass is set: anyone could write; "
                   "set requirepass or bind 127.0.0.1");
    s_parse_ok(S_MASTER "[coordinator]\nresp = 0.0.0.0:6380\n"
                        "requirepass = s3cret\n",
               &c);
    assert_string_equal(c.coord.requirepass, "s3cret");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_good_file_parses_with_every_field),
        cmocka_unit_test(defaults_apply_when_keys_are_left_out),
        cmocka_unit_test(data_dir_defaults_to_run_and_the_cluster_name),
        cmocka_unit_test(node_ids_default_to_their_place_in_the_file),
        cmocka_unit_test(comments_blank_lines_and_spaces_are_ignored),
        cmocka_unit_test(nodes_are_found_by_name_and_id),
        cmocka_unit_test(unknown_keys_are_reported_with_section_and_line),
        cmocka_unit_test(bad_choices_are_reported_with_what_is_allowed),
        cmocka_unit_test(malformed_lines_are_refused),
        cmocka_unit_test(a_line_longer_than_the_limit_is_refused),
        cmocka_unit_test(bad_node_names_are_refused),
        cmocka_unit_test(duplicate_names_ids_and_endpoints_are_refused),
        cmocka_unit_test(nodes_missing_a_required_key_are_refused),
        cmocka_unit_test(a_cluster_needs_a_master),
        cmocka_unit_test(a_primary_standby_cluster_parses_with_ack_standby),
        cmocka_unit_test(ack_all_and_quorum_wait_for_other_masters),
        cmocka_unit_test(service_times_default_to_zero_and_are_bounded),
        cmocka_unit_test(log_retain_defaults_to_100000_and_is_bounded),
        cmocka_unit_test(ack_unprotected_yes_turns_on_degraded_mode),
        cmocka_unit_test(primaries_and_masters_do_not_mix),
        cmocka_unit_test(more_than_max_nodes_is_refused),
        cmocka_unit_test(numbers_must_be_whole_and_in_range),
        cmocka_unit_test(the_first_error_wins),
        cmocka_unit_test(load_reads_a_file_and_names_it_in_errors),
        cmocka_unit_test(
            a_file_without_coordinator_has_none_and_default_routes),
        cmocka_unit_test(the_coordinator_section_parses_every_key),
        cmocka_unit_test(coordinator_defaults_follow_the_cluster_shape),
        cmocka_unit_test(coordinator_mistakes_are_reported_with_the_line),
        cmocka_unit_test(endpoints_must_be_tcp_host_and_a_port_from_1_to_65535),
        cmocka_unit_test(security_keys_and_clients_parse_and_default),
        cmocka_unit_test(a_node_cannot_take_a_key_identity_name),
        cmocka_unit_test(a_resp_port_alone_binds_loopback),
        cmocka_unit_test(a_reachable_resp_front_needs_a_password),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
