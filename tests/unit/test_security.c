/*
 * test_security.c - key files, roles, and the ZAP handler's decision: who
 * may connect to which socket and what each role may send.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "security.h"
#include "wire.h"
#include "zap.h"

typedef struct {
    char dir[64];
    config_t cfg;
} fixture_t;

/* A curve cluster (m1, m2, r1; clients app and batch) whose keys live in
 * a fresh temporary directory, made with sec_keygen(). */
static int s_setup(void **state)
{
    fixture_t *f = calloc(1, sizeof *f);
    char text[512], err[256];
    FILE *out = fopen("/dev/null", "w");

    strcpy(f->dir, "/tmp/mmlab-keys-XXXXXX");
    if (f == NULL || out == NULL || mkdtemp(f->dir) == NULL)
        return -1;
    snprintf(text, sizeof text,
             "[cluster]\nsecurity = curve\nkeys = %s/keys\n"
             "clients = app, batch\n"
             "[node m1]\nrole = master\nclient = tcp://h:1\npeer = tcp://h:2\n"
             "[node m2]\nrole = master\nclient = tcp://h:3\npeer = tcp://h:4\n"
             "[node r1]\nrole = replica\nclient = tcp://h:5\n",
             f->dir);
    if (config_parse(text, "sec.ini", &f->cfg, err, sizeof err) != 0 ||
        sec_keygen(&f->cfg, NULL, out, err, sizeof err) != 0)
        return -1;
    fclose(out);
    *state = f;
    return 0;
}

static int s_teardown(void **state)
{
    fixture_t *f = *state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    if (system(cmd) != 0)
        return -1;
    free(f);
    return 0;
}

static void s_key_path(const fixture_t *f, const char *name, const char *ext,
                       char *buf, size_t cap)
{
    snprintf(buf, cap, "%s/keys/%s.%s", f->dir, name, ext);
}

/* The 32 bytes of NAME's public key. */
static void s_public(const fixture_t *f, const char *name, uint8_t *key)
{
    char path[128], text[64] = "";
    s_key_path(f, name, "public", path, sizeof path);
    FILE *in = fopen(path, "r");
    assert_non_null(in);
    assert_non_null(fgets(text, sizeof text, in));
    fclose(in);
    text[40] = '\0';
    assert_non_null(zmq_z85_decode(key, text));
}

static mode_t s_mode(const char *path)
{
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    return st.st_mode & 0777;
}

static void keygen_makes_a_pair_per_identity_and_keeps_them(void **state)
{
    fixture_t *f = *state;
    const char *ids[] = {"m1",    "m2",  "r1",   "coordinator",
                         "admin", "app", "batch"};
    char path[128], err[256], *text = NULL;
    size_t len = 0;

    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
        s_key_path(f, ids[i], "secret", path, sizeof path);
        assert_int_equal(s_mode(path), 0600);
        s_key_path(f, ids[i], "public", path, sizeof path);
        assert_int_equal(s_mode(path), 0644);
    }
    snprintf(path, sizeof path, "%s/keys", f->dir);
    assert_int_equal(s_mode(path), 0700);
    /* A second run keeps every pair. */
    FILE *out = open_memstream(&text, &len);
    assert_int_equal(sec_keygen(&f->cfg, NULL, out, err, sizeof err), 0);
    fclose(out);
    assert_string_equal(text, "kept m1\nkept m2\nkept r1\nkept coordinator\n"
                              "kept admin\nkept app\nkept batch\n");
    free(text);
}

static void keygen_refuses_half_a_pair(void **state)
{
    fixture_t *f = *state;
    char path[128], err[256] = "";
    FILE *out = fopen("/dev/null", "w");

    s_key_path(f, "app", "secret", path, sizeof path);
    assert_int_equal(unlink(path), 0);
    assert_int_equal(sec_keygen(&f->cfg, NULL, out, err, sizeof err),
                     MM_ERR_CONFIG);
    fclose(out);
    assert_non_null(strstr(err, "app.public exists without its other half"));
}

static void a_pair_loads_and_knows_every_key(void **state)
{
    fixture_t *f = *state;
    char err[256] = "";
    uint8_t key[32];
    const char *name;

    sec_t *s = sec_new(&f->cfg, "m1", err, sizeof err);
    assert_non_null(s);
    assert_true(sec_curve(s));
    s_public(f, "m2", key);
    assert_int_equal(sec_key_role(s, key, &name), SEC_ROLE_NODE);
    assert_string_equal(name, "m2");
    s_public(f, "batch", key);
    assert_int_equal(sec_key_role(s, key, &name), SEC_ROLE_CLIENT);
    assert_string_equal(name, "batch");
    s_public(f, "coordinator", key);
    assert_int_equal(sec_key_role(s, key, &name), SEC_ROLE_COORDINATOR);
    key[0] ^= 1;
    assert_int_equal(sec_key_role(s, key, &name), SEC_ROLE_NONE);
    sec_destroy(&s);
    assert_null(s);
    sec_destroy(&s); /* NULL is fine */
}

static void an_unprotected_secret_key_is_refused(void **state)
{
    fixture_t *f = *state;
    char path[128], err[256] = "";

    s_key_path(f, "admin", "secret", path, sizeof path);
    assert_int_equal(chmod(path, 0644), 0);
    assert_null(sec_new(&f->cfg, "admin", err, sizeof err));
    assert_non_null(
        strstr(err, "admin.secret can be read by other users (mode 0644): "
                    "chmod 600 it"));
    assert_int_equal(chmod(path, 0600), 0);
    sec_t *s = sec_new(&f->cfg, "admin", err, sizeof err);
    assert_non_null(s);
    sec_destroy(&s);
}

static void a_secret_key_of_another_pair_is_refused(void **state)
{
    fixture_t *f = *state;
    char a[128], b[128], cmd[300], err[256] = "";

    s_key_path(f, "m2", "secret", a, sizeof a);
    s_key_path(f, "m1", "secret", b, sizeof b);
    snprintf(cmd, sizeof cmd, "cp -p '%s' '%s'", a, b);
    assert_int_equal(system(cmd), 0);
    assert_null(sec_new(&f->cfg, "m1", err, sizeof err));
    assert_non_null(strstr(err, "m1.secret does not belong to"));
}

static void a_malformed_or_missing_key_is_named(void **state)
{
    fixture_t *f = *state;
    char path[128], err[256] = "";

    s_key_path(f, "r1", "public", path, sizeof path);
    FILE *out = fopen(path, "w");
    fputs("not a key\n", out);
    fclose(out);
    assert_null(sec_new(&f->cfg, "m1", err, sizeof err));
    assert_non_null(strstr(err, "r1.public is not a key"));
    assert_int_equal(unlink(path), 0);
    assert_null(sec_new(&f->cfg, "m1", err, sizeof err));
    assert_non_null(strstr(err, "r1.public: No such file or directory"));
}

static void security_off_needs_no_keys(void **state)
{
    config_t c;
    char err[256];
    (void)state;
    assert_int_equal(config_parse("[node m1]\nrole = master\nclient = "
                                  "tcp://h:1\npeer = tcp://h:2\n",
                                  "off.ini", &c, err, sizeof err),
                     0);
    sec_t *s = sec_new(&c, "nobody", err, sizeof err);
    assert_non_null(s);
    assert_false(sec_curve(s));
    assert_false(sec_curve(NULL));
    /* No keys to set: a client socket stays plain. */
    assert_int_equal(sec_client(s, NULL, "m1"), 0);
    sec_destroy(&s);
}

static void each_socket_admits_only_its_roles(void **state)
{
    (void)state;
    assert_true(sec_admits(SEC_DOMAIN_PEER, SEC_ROLE_NODE));
    assert_false(sec_admits(SEC_DOMAIN_PEER, SEC_ROLE_CLIENT));
    assert_false(sec_admits(SEC_DOMAIN_PEER, SEC_ROLE_ADMIN));
    assert_true(sec_admits(SEC_DOMAIN_CLIENT, SEC_ROLE_CLIENT));
    assert_true(sec_admits(SEC_DOMAIN_CLIENT, SEC_ROLE_COORDINATOR));
    assert_true(sec_admits(SEC_DOMAIN_CLIENT, SEC_ROLE_ADMIN));
    assert_false(sec_admits(SEC_DOMAIN_CLIENT, SEC_ROLE_NODE));
    assert_true(sec_admits(SEC_DOMAIN_FRONT, SEC_ROLE_CLIENT));
    assert_false(sec_admits(SEC_DOMAIN_FRONT, SEC_ROLE_COORDINATOR));
    assert_false(sec_admits("elsewhere", SEC_ROLE_ADMIN));
    assert_true(sec_admits(SEC_DOMAIN_PEER, SEC_ROLE_ANONYMOUS));
}

static void each_role_may_send_what_security_h_says(void **state)
{
    (void)state;
    assert_true(sec_may(SEC_ROLE_CLIENT, WIRE_PUT));
    assert_true(sec_may(SEC_ROLE_CLIENT, WIRE_STATUS));
    assert_true(sec_may(SEC_ROLE_CLIENT, WIRE_DUMP));
    assert_false(sec_may(SEC_ROLE_CLIENT, WIRE_FAULT));
    assert_false(sec_may(SEC_ROLE_CLIENT, WIRE_PROMOTE));
    assert_false(sec_may(SEC_ROLE_CLIENT, WIRE_DEMOTE));
    assert_true(sec_may(SEC_ROLE_COORDINATOR, WIRE_PROMOTE));
    assert_true(sec_may(SEC_ROLE_COORDINATOR, WIRE_DEMOTE));
    assert_false(sec_may(SEC_ROLE_COORDINATOR, WIRE_FAULT));
    assert_true(sec_may(SEC_ROLE_ADMIN, WIRE_FAULT));
    assert_true(sec_may(SEC_ROLE_ANONYMOUS, WIRE_FAULT));
    assert_false(sec_may(SEC_ROLE_NONE, WIRE_GET));
    assert_false(sec_may(SEC_ROLE_NODE, WIRE_PUT));
    /* Only the coordinator's (or the admin's) beat renews a lease. */
    assert_false(sec_epoch_authority(SEC_ROLE_CLIENT));
    assert_true(sec_epoch_authority(SEC_ROLE_COORDINATOR));
    assert_true(sec_epoch_authority(SEC_ROLE_ANONYMOUS));
    assert_string_equal(sec_role_name(SEC_ROLE_COORDINATOR), "coordinator");
    assert_int_equal(sec_role_parse("admin"), SEC_ROLE_ADMIN);
    assert_int_equal(sec_role_parse("root"), SEC_ROLE_NONE);
}

static void zap_lets_in_listed_keys_and_refuses_the_rest(void **state)
{
    fixture_t *f = *state;
    char err[256];
    uint8_t client[32], node[32], stranger[32] = {1, 2, 3};
    const char *user, *why;

    sec_t *s = sec_new(&f->cfg, "m1", err, sizeof err);
    assert_non_null(s);
    s_public(f, "app", client);
    s_public(f, "r1", node);
    assert_int_equal(
        zap_decide(s, "client", "CURVE", client, 32, 1, 10, &user, &why), 200);
    assert_string_equal(user, "client");
    assert_int_equal(
        zap_decide(s, "peer", "CURVE", node, 32, 1, 10, &user, &why), 200);
    assert_string_equal(user, "node");
    assert_int_equal(
        zap_decide(s, "client", "CURVE", stranger, 32, 1, 10, &user, &why),
        400);
    assert_string_equal(why, "unknown key");
    assert_int_equal(
        zap_decide(s, "peer", "CURVE", client, 32, 1, 10, &user, &why), 400);
    assert_string_equal(why, "this key's role may not use this socket");
    /* A plain client at a curve node never gets in. */
    assert_int_equal(
        zap_decide(s, "client", "NULL", NULL, 0, 1, 10, &user, &why), 400);
    /* The cap counts the connection asking. */
    assert_int_equal(
        zap_decide(s, "client", "CURVE", client, 32, 11, 10, &user, &why), 300);
    assert_string_equal(why, "too many connections");
    assert_string_equal(user, "");
    sec_destroy(&s);
}

static void zap_lets_anyone_in_with_security_off(void **state)
{
    config_t c;
    char err[256];
    const char *user, *why;
    (void)state;
    assert_int_equal(config_parse("[node m1]\nrole = master\nclient = "
                                  "tcp://h:1\npeer = tcp://h:2\n",
                                  "off.ini", &c, err, sizeof err),
                     0);
    sec_t *s = sec_new(&c, "m1", err, sizeof err);
    assert_int_equal(zap_decide(s, "peer", "NULL", NULL, 0, 5, 5, &user, &why),
                     200);
    assert_string_equal(user, "anonymous");
    assert_int_equal(zap_decide(s, "peer", "NULL", NULL, 0, 6, 5, &user, &why),
                     300);
    sec_destroy(&s);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, s_setup, s_teardown)
    const struct CMUnitTest tests[] = {
        T(keygen_makes_a_pair_per_identity_and_keeps_them),
        T(keygen_refuses_half_a_pair),
        T(a_pair_loads_and_knows_every_key),
        T(an_unprotected_secret_key_is_refused),
        T(a_secret_key_of_another_pair_is_refused),
        T(a_malformed_or_missing_key_is_named),
        cmocka_unit_test(security_off_needs_no_keys),
        cmocka_unit_test(each_socket_admits_only_its_roles),
        cmocka_unit_test(each_role_may_send_what_security_h_says),
        T(zap_lets_in_listed_keys_and_refuses_the_rest),
        cmocka_unit_test(zap_lets_anyone_in_with_security_off),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
