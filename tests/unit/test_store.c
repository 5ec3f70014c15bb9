/*
 * test_store.c - the Berkeley DB store: LWW on apply, the replication log,
 * the applied vector, batches that commit or abort as a whole, and what
 * survives a close or a crash.
 *
 * Every test opens its store in a fresh directory under /tmp and removes it
 * afterwards.
 */
/* nftw() is an X/Open function. */
#define _XOPEN_SOURCE 700
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "err.h"
#include "record.h"
#include "store.h"

typedef struct {
    char dir[64];
    store_t *s;
} fixture_t;

static store_t *s_open(fixture_t *f)
{
    char err[256] = "";
    store_opts_t opts = {.dir = f->dir, .durability = STORE_NOSYNC};
    store_t *s = store_open(&opts, err, sizeof err);

    if (s == NULL)
        fail_msg("store_open: %s", err);
    return s;
}

static int s_setup(void **state)
{
    fixture_t *f = calloc(1, sizeof *f);

    assert_non_null(f);
    strcpy(f->dir, "/tmp/mmlab-store-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    f->s = s_open(f);
    *state = f;
    return 0;
}

static int s_rm(const char *path, const struct stat *st, int flag,
                struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static int s_teardown(void **state)
{
    fixture_t *f = *state;

    store_destroy(&f->s);
    nftw(f->dir, s_rm, 16, FTW_DEPTH | FTW_PHYS);
    free(f);
    return 0;
}

static void s_reopen(fixture_t *f)
{
    store_destroy(&f->s);
    f->s = s_open(f);
}

/* A record from origin with the given stamp, seq and value. */
static record_t s_rec(uint16_t origin, mm_stamp_t stamp, uint64_t seq,
                      const char *value)
{
    record_t r = {.origin = origin, .stamp = stamp, .seq = seq};

    if (value == NULL) {
        r.flags = RECORD_TOMBSTONE;
    } else {
        r.value = (const uint8_t *)value;
        r.vlen = (uint32_t)strlen(value);
    }
    return r;
}

static int s_apply(store_t *s, const char *key, const record_t *r,
                   store_outcome_t *out)
{
    return store_apply(s, (const uint8_t *)key, strlen(key), r, out);
}

/* Applies one write in its own batch and checks every step succeeds. */
static store_outcome_t s_apply_one(store_t *s, const char *key, record_t r)
{
    store_outcome_t out;

    assert_int_equal(store_begin(s), 0);
    assert_int_equal(s_apply(s, key, &r, &out), 0);
    assert_int_equal(store_commit(s), 0);
    return out;
}

/* Reads key; returns store_get()'s result and its value as a string. */
static int s_get(store_t *s, const char *key, record_t *out, char *value,
                 size_t cap)
{
    int ret = store_get(s, (const uint8_t *)key, strlen(key), out,
                        (uint8_t *)value, cap - 1);
    if (ret == 1)
        value[out->vlen] = '\0';
    return ret;
}

static void s_assert_value(store_t *s, const char *key, const char *want)
{
    record_t r;
    char value[64];

    assert_int_equal(s_get(s, key, &r, value, sizeof value), 1);
    assert_string_equal(value, want);
}

/* What a scan saw, in order, as "key=value@seq" words. */
typedef struct {
    char seen[512];
    int stop_after; /* stop the scan after this many, if > 0 */
    int count;
} visits_t;

static int s_visit(void *arg, const uint8_t *key, size_t klen,
                   const record_t *rec)
{
    visits_t *v = arg;
    size_t len = strlen(v->seen);

    snprintf(v->seen + len, sizeof v->seen - len, "%s%.*s=%.*s@%llu",
             len ? " " : "", (int)klen, (const char *)key, (int)rec->vlen,
             rec->value ? (const char *)rec->value : "",
             (unsigned long long)rec->seq);
    v->count++;
    return v->stop_after > 0 && v->count >= v->stop_after;
}

static void applying_a_write_makes_it_readable(void **state)
{
    fixture_t *f = *state;
    store_outcome_t out;
    record_t r;
    char value[64];

    assert_int_equal(store_next_seq(f->s, 1), 1);
    out = s_apply_one(f->s, "k", s_rec(1, 100, 1, "v1"));
    assert_int_equal(out.result, STORE_STORED);
    assert_true(out.verdict.incoming_wins);
    assert_false(out.had_existing);

    assert_int_equal(s_get(f->s, "k", &r, value, sizeof value), 1);
    assert_string_equal(value, "v1");
    assert_int_equal(r.origin, 1);
    assert_int_equal(r.stamp, 100);
    assert_int_equal(r.seq, 1);
    assert_false(record_is_tombstone(&r));
    assert_int_equal(store_applied(f->s, 1), 1);
    assert_int_equal(store_next_seq(f->s, 1), 2);
    assert_int_equal(s_get(f->s, "other", &r, value, sizeof value), 0);
}

static void a_local_write_records_the_value_it_overwrote_as_prev(void **state)
{
    fixture_t *f = *state;
    store_outcome_t out;
    record_t first = s_rec(2, 100, 1, "a"), mine = s_rec(1, 200, 1, "b");

    s_apply_one(f->s, "k", first);
    assert_int_equal(store_begin(f->s), 0);
    assert_int_equal(
        store_apply_local(f->s, (const uint8_t *)"k", 1, &mine, &out), 0);
    assert_int_equal(store_commit(f->s), 0);
    assert_int_equal(out.result, STORE_STORED);
    assert_false(out.verdict.conflict);
    assert_int_equal(mine.prev_stamp, 100);
    assert_int_equal(mine.prev_origin, 2);

    /* A first write of a key overwrites nothing. */
    record_t fresh = s_rec(1, 300, 2, "c");
    assert_int_equal(store_begin(f->s), 0);
    assert_int_equal(
        store_apply_local(f->s, (const uint8_t *)"new", 3, &fresh, &out), 0);
    assert_int_equal(store_commit(f->s), 0);
    assert_int_equal(fresh.prev_stamp, 0);
    assert_int_equal(fresh.prev_origin, 0);
}

static void a_store_without_a_log_still_applies_and_counts(void **state)
{
    fixture_t *f = *state;
    visits_t v = {0};
    char err[256];
    char dir[80];

    snprintf(dir, sizeof dir, "%s/nolog", f->dir);
    store_opts_t opts = {.dir = dir, .durability = STORE_NOSYNC, .no_log = 1};
    store_t *s = store_open(&opts, err, sizeof err);
    assert_non_null(s);
    s_apply_one(s, "k", s_rec(1, 100, 1, "v"));
    s_assert_value(s, "k", "v");
    assert_int_equal(store_applied(s, 1), 1);
    assert_int_equal(store_log_scan(s, 1, 1, 10, s_visit, &v), 0);
    assert_int_equal(v.count, 0);
    store_destroy(&s);
}

static void lower_stamp_loses_and_value_is_kept_but_logged(void **state)
{
    fixture_t *f = *state;
    store_outcome_t out;
    visits_t v = {0};

    s_apply_one(f->s, "k", s_rec(2, 200, 1, "new"));
    out = s_apply_one(f->s, "k", s_rec(1, 100, 1, "old"));

    assert_int_equal(out.result, STORE_KEPT);
    assert_false(out.verdict.incoming_wins);
    assert_true(out.verdict.conflict);
    assert_true(out.had_existing);
    assert_int_equal(out.other_stamp, 200);
    assert_int_equal(out.other_origin, 2);
    assert_int_equal(out.other_seq, 1);
    s_assert_value(f->s, "k", "new");

    /* The loser is still in origin 1's log and counted as applied. */
    assert_int_equal(store_applied(f->s, 1), 1);
    assert_int_equal(store_log_scan(f->s, 1, 1, 10, s_visit, &v), 1);
    assert_string_equal(v.seen, "k=old@1");
}

static void duplicate_seq_is_ignored(void **state)
{
    fixture_t *f = *state;
    store_outcome_t out;
    record_t again = s_rec(1, 300, 1, "replayed");
    visits_t v = {0};

    s_apply_one(f->s, "k", s_rec(1, 100, 1, "first"));
    assert_int_equal(store_begin(f->s), 0);
    assert_int_equal(s_apply(f->s, "k", &again, &out), 0);
    assert_int_equal(out.result, STORE_DUPLICATE);
    assert_int_equal(store_commit(f->s), 0);

    s_assert_value(f->s, "k", "first");
    assert_int_equal(store_applied(f->s, 1), 1);
    assert_int_equal(store_log_scan(f->s, 1, 0, 10, s_visit, &v), 1);
    assert_string_equal(v.seen, "k=first@1");
}

static void gap_in_seq_is_refused(void **state)
{
    fixture_t *f = *state;
    store_outcome_t out;
    record_t skip = s_rec(1, 100, 2, "too far");
    record_t r;
    char value[64];

    assert_int_equal(store_begin(f->s), 0);
    assert_int_equal(s_apply(f->s, "k", &skip, &out), MM_ERR_STATE);
    /* A refused write leaves the batch usable. */
    record_t next = s_rec(1, 100, 1, "next");
    assert_int_equal(s_apply(f->s, "j", &next, &out), 0);
    assert_int_equal(store_commit(f->s), 0);

    assert_int_equal(s_get(f->s, "k", &r, value, sizeof value), 0);
    assert_int_equal(store_applied(f->s, 1), 1);
}

static void abort_rolls_back_data_log_and_applied(void **state)
{
    fixture_t *f = *state;
    store_outcome_t out;
    record_t r1 = s_rec(1, 200, 2, "aborted");
    record_t r2 = s_rec(1, 201, 3, "aborted too");
    record_t r;
    char value[64];
    visits_t v = {0};

    s_apply_one(f->s, "k", s_rec(1, 100, 1, "kept"));
    assert_int_equal(store_begin(f->s), 0);
    assert_int_equal(s_apply(f->s, "k", &r1, &out), 0);
    assert_int_equal(s_apply(f->s, "new", &r2, &out), 0);
    assert_int_equal(store_next_seq(f->s, 1), 4);
    s_assert_value(f->s, "k", "aborted"); /* the batch sees itself */
    store_abort(f->s);

    s_assert_value(f->s, "k", "kept");
    assert_int_equal(s_get(f->s, "new", &r, value, sizeof value), 0);
    assert_int_equal(store_applied(f->s, 1), 1);
    assert_int_equal(store_next_seq(f->s, 1), 2);
    assert_int_equal(store_log_scan(f->s, 1, 0, 10, s_visit, &v), 1);
    assert_string_equal(v.seen, "k=kept@1");

    /* The same seqs can be applied again after the abort. */
    s_apply_one(f->s, "k", s_rec(1, 300, 2, "retried"));
    s_assert_value(f->s, "k", "retried");
}

static void committed_writes_survive_close_and_reopen(void **state)
{
    fixture_t *f = *state;
    visits_t v = {0};

    s_apply_one(f->s, "a", s_rec(1, 100, 1, "one"));
    s_apply_one(f->s, "b", s_rec(2, 101, 1, "two"));
    s_apply_one(f->s, "a", s_rec(2, 102, 2, "three"));
    s_reopen(f);

    s_assert_value(f->s, "a", "three");
    s_assert_value(f->s, "b", "two");
    assert_int_equal(store_applied(f->s, 1), 1);
    assert_int_equal(store_applied(f->s, 2), 2);
    assert_int_equal(store_next_seq(f->s, 2), 3);
    assert_int_equal(store_log_scan(f->s, 2, 1, 10, s_visit, &v), 2);
    assert_string_equal(v.seen, "b=two@1 a=three@2");
}

/*
 * Runs child(dir) in a forked process that plays a node killed at the end:
 * it exits without closing anything. Checks that child returned 0, and
 * leaves f without a store for the test to reopen.
 */
static void s_crash_child(fixture_t *f, int (*child)(const char *dir))
{
    int status;
    pid_t pid;

    store_destroy(&f->s);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0)
        _exit(child(f->dir));
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

/* A node that dies mid-batch: it never commits batch 2. */
static int s_die_mid_batch(const char *dir)
{
    store_opts_t opts = {.dir = dir, .durability = STORE_NOSYNC};
    store_t *s = store_open(&opts, NULL, 0);
    store_outcome_t out;
    record_t r1 = s_rec(1, 100, 1, "committed");
    record_t r2 = s_rec(1, 200, 2, "lost");
    record_t r3 = s_rec(1, 201, 3, "lost too");

    if (s == NULL || store_begin(s) != 0 || s_apply(s, "a", &r1, &out) != 0 ||
        store_commit(s) != 0)
        return 1;
    if (store_begin(s) != 0 || s_apply(s, "a", &r2, &out) != 0 ||
        s_apply(s, "b", &r3, &out) != 0)
        return 1;
    return 0;
}

static void uncommitted_batch_is_rolled_back_after_a_crash(void **state)
{
    fixture_t *f = *state;

    s_crash_child(f, s_die_mid_batch);

    record_t r;
    char value[64];
    visits_t v = {0};

    f->s = s_open(f);
    s_assert_value(f->s, "a", "committed");
    assert_int_equal(s_get(f->s, "b", &r, value, sizeof value), 0);
    assert_int_equal(store_applied(f->s, 1), 1);
    assert_int_equal(store_log_scan(f->s, 1, 0, 10, s_visit, &v), 1);
    assert_string_equal(v.seen, "a=committed@1");
}

static void
log_scan_returns_one_origin_in_seq_order_from_a_position(void **state)
{
    fixture_t *f = *state;
    store_outcome_t out;
    char key[16];
    visits_t v = {0};

    /* Interleave three origins so their log entries are neighbours. */
    assert_int_equal(store_begin(f->s), 0);
    for (uint64_t seq = 1; seq <= 5; seq++) {
        for (uint16_t o = 1; o <= 3; o++) {
            record_t r = s_rec(o, seq * 10 + o, seq, "v");
            snprintf(key, sizeof key, "k%u.%llu", (unsigned)o,
                     (unsigned long long)seq);
            assert_int_equal(s_apply(f->s, key, &r, &out), 0);
        }
    }
    assert_int_equal(store_commit(f->s), 0);

    assert_int_equal(store_log_scan(f->s, 2, 3, 10, s_visit, &v), 3);
    assert_string_equal(v.seen, "k2.3=v@3 k2.4=v@4 k2.5=v@5");

    memset(&v, 0, sizeof v);
    assert_int_equal(store_log_scan(f->s, 2, 0, 2, s_visit, &v), 2);
    assert_string_equal(v.seen, "k2.1=v@1 k2.2=v@2");

    memset(&v, 0, sizeof v);
    v.stop_after = 1;
    assert_int_equal(store_log_scan(f->s, 3, 4, 10, s_visit, &v), 1);
    assert_string_equal(v.seen, "k3.4=v@4");

    memset(&v, 0, sizeof v);
    assert_int_equal(store_log_scan(f->s, 3, 6, 10, s_visit, &v), 0);
    assert_int_equal(store_log_scan(f->s, 4, 1, 10, s_visit, &v), 0);
}

static void log_scan_inside_a_batch_sees_only_committed_entries(void **state)
{
    fixture_t *f = *state;
    store_outcome_t out;
    record_t r2 = s_rec(1, 200, 2, "pending");
    visits_t v = {0};

    s_apply_one(f->s, "a", s_rec(1, 100, 1, "done"));
    assert_int_equal(store_begin(f->s), 0);
    assert_int_equal(s_apply(f->s, "b", &r2, &out), 0);
    assert_int_equal(store_log_scan(f->s, 1, 1, 10, s_visit, &v), 1);
    assert_string_equal(v.seen, "a=done@1");
    /* A key scan cannot tell the batch's writes apart, so it waits. */
    assert_int_equal(store_scan(f->s, NULL, 0, 10, s_visit, &v), MM_ERR_STATE);
    assert_int_equal(store_commit(f->s), 0);
}

static void scan_resumes_strictly_after_a_key(void **state)
{
    fixture_t *f = *state;
    const char *keys[] = {"d", "a", "c", "e", "b"};
    store_outcome_t out;
    visits_t v = {0};

    assert_int_equal(store_begin(f->s), 0);
    for (uint64_t i = 0; i < 5; i++) {
        record_t r = s_rec(1, 100 + i, i + 1, keys[i]);
        assert_int_equal(s_apply(f->s, keys[i], &r, &out), 0);
    }
    assert_int_equal(store_commit(f->s), 0);

    assert_int_equal(store_scan(f->s, NULL, 0, 2, s_visit, &v), 2);
    assert_string_equal(v.seen, "a=a@2 b=b@5");

    /* Resume after the last key seen: it is not repeated. */
    memset(&v, 0, sizeof v);
    assert_int_equal(store_scan(f->s, (const uint8_t *)"b", 1, 10, s_visit, &v),
                     3);
    assert_string_equal(v.seen, "c=c@3 d=d@1 e=e@4");

    /* A resume key that was never stored starts at the next one. */
    memset(&v, 0, sizeof v);
    assert_int_equal(
        store_scan(f->s, (const uint8_t *)"bb", 2, 10, s_visit, &v), 3);
    assert_string_equal(v.seen, "c=c@3 d=d@1 e=e@4");

    memset(&v, 0, sizeof v);
    assert_int_equal(store_scan(f->s, (const uint8_t *)"e", 1, 10, s_visit, &v),
                     0);
}

static void tombstone_is_found_and_wins_over_older_value(void **state)
{
    fixture_t *f = *state;
    store_outcome_t out;
    record_t r;
    char value[64];
    visits_t v = {0};

    s_apply_one(f->s, "k", s_rec(1, 100, 1, "alive"));
    out = s_apply_one(f->s, "k", s_rec(2, 200, 1, NULL));
    assert_int_equal(out.result, STORE_STORED);

    /* A write older than the delete arrives late and loses to it. */
    out = s_apply_one(f->s, "k", s_rec(1, 150, 2, "late"));
    assert_int_equal(out.result, STORE_KEPT);

    assert_int_equal(s_get(f->s, "k", &r, value, sizeof value), 1);
    assert_true(record_is_tombstone(&r));
    assert_int_equal(r.vlen, 0);
    assert_int_equal(r.stamp, 200);
    assert_int_equal(r.origin, 2);

    /* Scans include tombstones, so a dump can carry deletes. */
    assert_int_equal(store_scan(f->s, NULL, 0, 10, s_visit, &v), 1);
    assert_string_equal(v.seen, "k=@1");
}

static void epoch_defaults_to_1_and_persists(void **state)
{
    fixture_t *f = *state;

    assert_int_equal(store_epoch(f->s), 1);
    assert_int_equal(store_set_epoch(f->s, 7), 0);
    assert_int_equal(store_epoch(f->s), 7);
    s_reopen(f);
    assert_int_equal(store_epoch(f->s), 7);

    assert_int_equal(store_begin(f->s), 0);
    assert_int_equal(store_set_epoch(f->s, 8), MM_ERR_STATE);
    store_abort(f->s);
    assert_int_equal(store_epoch(f->s), 7);
}

static void epoch_and_role_are_set_together_and_persist(void **state)
{
    fixture_t *f = *state;

    assert_int_equal(store_role(f->s), -1); /* never set */
    assert_int_equal(store_set_term(f->s, 2, 3), 0);
    assert_int_equal(store_epoch(f->s), 2);
    assert_int_equal(store_role(f->s), 3);
    s_reopen(f);
    assert_int_equal(store_epoch(f->s), 2);
    assert_int_equal(store_role(f->s), 3);
    /* Setting the epoch alone keeps the role. */
    assert_int_equal(store_set_epoch(f->s, 5), 0);
    s_reopen(f);
    assert_int_equal(store_epoch(f->s), 5);
    assert_int_equal(store_role(f->s), 3);
}

static void get_with_small_buffer_reports_nospace(void **state)
{
    fixture_t *f = *state;
    record_t r;
    uint8_t small[4];

    s_apply_one(f->s, "k", s_rec(1, 100, 1, "longer than four"));
    assert_int_equal(
        store_get(f->s, (const uint8_t *)"k", 1, &r, small, sizeof small),
        MM_ERR_NOSPACE);
    /* The record still says how much room the value needs. */
    assert_int_equal(r.vlen, strlen("longer than four"));
    assert_null(r.value);
}

static void get_inside_a_batch_sees_the_batchs_own_writes(void **state)
{
    fixture_t *f = *state;
    store_outcome_t out;
    record_t r1 = s_rec(1, 100, 1, "one");
    record_t r2 = s_rec(2, 50, 1, "older");

    assert_int_equal(store_begin(f->s), 0);
    assert_int_equal(s_apply(f->s, "k", &r1, &out), 0);
    s_assert_value(f->s, "k", "one");
    /* LWW inside one batch compares against the batch's own write. */
    assert_int_equal(s_apply(f->s, "k", &r2, &out), 0);
    assert_int_equal(out.result, STORE_KEPT);
    assert_true(out.had_existing);
    assert_int_equal(out.other_origin, 1);
    assert_int_equal(store_commit(f->s), 0);
    s_assert_value(f->s, "k", "one");
}

static void applied_counts_only_committed_writes(void **state)
{
    fixture_t *f = *state;
    store_outcome_t out;
    record_t r1 = s_rec(3, 100, 1, "a");
    record_t r2 = s_rec(3, 101, 2, "b");

    assert_int_equal(store_begin(f->s), 0);
    assert_int_equal(s_apply(f->s, "a", &r1, &out), 0);
    assert_int_equal(s_apply(f->s, "b", &r2, &out), 0);
    assert_int_equal(store_applied(f->s, 3), 0);
    assert_int_equal(store_next_seq(f->s, 3), 3);
    assert_int_equal(store_commit(f->s), 0);
    assert_int_equal(store_applied(f->s, 3), 2);
    assert_int_equal(store_applied(f->s, 0), 0);
    assert_int_equal(store_applied(f->s, MM_MAX_NODES + 1), 0);
}

static void bad_writes_and_calls_out_of_order_are_refused(void **state)
{
    fixture_t *f = *state;
    store_outcome_t out;
    record_t r = s_rec(1, 100, 1, "v");
    record_t no_origin = s_rec(0, 100, 1, "v");
    uint8_t big[MM_KEY_MAX + 1];

    assert_int_equal(s_apply(f->s, "k", &r, &out), MM_ERR_STATE);
    assert_int_equal(store_commit(f->s), MM_ERR_STATE);
    store_abort(f->s); /* no batch: nothing to do */

    assert_int_equal(store_begin(f->s), 0);
    assert_int_equal(store_begin(f->s), MM_ERR_STATE);
    assert_int_equal(s_apply(f->s, "k", &no_origin, &out), -EINVAL);
    memset(big, 'x', sizeof big);
    assert_int_equal(store_apply(f->s, big, sizeof big, &r, &out),
                     MM_ERR_TOOBIG);
    assert_int_equal(store_commit(f->s), 0);
    assert_int_equal(store_applied(f->s, 1), 0);
}

static void sync_store_commits_and_reopens(void **state)
{
    fixture_t *f = *state;
    char err[256];
    store_opts_t opts = {
        .dir = f->dir, .durability = STORE_SYNC, .cache_bytes = 8 << 20};

    store_destroy(&f->s);
    f->s = store_open(&opts, err, sizeof err);
    assert_non_null(f->s);
    s_apply_one(f->s, "k", s_rec(1, 100, 1, "synced"));
    s_reopen(f);
    s_assert_value(f->s, "k", "synced");
}

/* Opens f's directory as a sync store (group commit). */
static store_t *s_open_sync(fixture_t *f)
{
    char err[256] = "";
    store_opts_t opts = {
        .dir = f->dir, .durability = STORE_SYNC, .cache_bytes = 8 << 20};
    store_t *s = store_open(&opts, err, sizeof err);

    if (s == NULL)
        fail_msg("store_open: %s", err);
    return s;
}

static void a_nosync_commit_is_durable_when_it_returns(void **state)
{
    fixture_t *f = *state;
    store_stats_t st;

    assert_int_equal(store_flush_fd(f->s), -1);
    s_apply_one(f->s, "k", s_rec(1, 100, 1, "v"));
    assert_int_equal(store_durable(f->s, 1), 1);
    assert_int_equal(store_sync(f->s), 0);
    store_stats(f->s, &st);
    assert_int_equal(st.commits, 1);
    assert_int_equal(st.flushes, 0);
}

static void a_sync_commit_becomes_durable_behind_it(void **state)
{
    fixture_t *f = *state;
    store_stats_t st;

    store_destroy(&f->s);
    f->s = s_open_sync(f);
    assert_true(store_flush_fd(f->s) >= 0);
    for (uint64_t i = 1; i <= 100; i++) {
        s_apply_one(f->s, "k", s_rec(1, 100 + i, i, "v"));
        /* Visible at once, durable only once a flush covered it. */
        assert_int_equal(store_applied(f->s, 1), i);
        assert_true(store_durable(f->s, 1) <= i);
        assert_true(store_flush_done(f->s) >= 0);
    }
    assert_int_equal(store_sync(f->s), 0);
    assert_int_equal(store_durable(f->s, 1), 100);
    store_stats(f->s, &st);
    assert_int_equal(st.commits, 100);
    assert_true(st.flushes >= 1 && st.flushes <= 100);
}

static void a_sync_store_serves_reads_and_scans(void **state)
{
    fixture_t *f = *state;
    visits_t v = {0}, w = {0};

    /* Its environment is shared with the flusher thread (DB_THREAD),
     * under which Berkeley DB checks every DBT of a read more strictly. */
    store_destroy(&f->s);
    f->s = s_open_sync(f);
    s_apply_one(f->s, "a", s_rec(1, 100, 1, "one"));
    s_apply_one(f->s, "b", s_rec(1, 101, 2, "two"));
    s_assert_value(f->s, "a", "one");
    assert_int_equal(store_scan(f->s, NULL, 0, 10, s_visit, &v), 2);
    assert_string_equal(v.seen, "a=one@1 b=two@2");
    assert_int_equal(store_log_scan(f->s, 1, 2, 10, s_visit, &w), 1);
    assert_string_equal(w.seen, "b=two@2");
}

/* A sync node killed right after 20 commits became durable. */
static int s_die_after_sync(const char *dir)
{
    store_opts_t opts = {
        .dir = dir, .durability = STORE_SYNC, .cache_bytes = 8 << 20};
    store_t *s = store_open(&opts, NULL, 0);
    store_outcome_t out;
    char key[16];

    for (uint64_t i = 1; s != NULL && i <= 20; i++) {
        record_t r = s_rec(1, 100 + i, i, "durable");
        snprintf(key, sizeof key, "k%llu", (unsigned long long)i);
        if (store_begin(s) != 0 || s_apply(s, key, &r, &out) != 0 ||
            store_commit(s) != 0)
            return 1;
    }
    return s != NULL && store_sync(s) == 0 && store_durable(s, 1) == 20 ? 0 : 2;
}

static void synced_writes_survive_a_crash(void **state)
{
    fixture_t *f = *state;

    s_crash_child(f, s_die_after_sync);
    f->s = s_open(f);
    assert_int_equal(store_applied(f->s, 1), 20);
    s_assert_value(f->s, "k1", "durable");
    s_assert_value(f->s, "k20", "durable");
}

static void open_explains_why_a_directory_cannot_be_used(void **state)
{
    fixture_t *f = *state;
    char path[128], err[256] = "";
    FILE *file;
    store_opts_t opts = {.dir = path};

    /* A regular file where the directory should be. */
    snprintf(path, sizeof path, "%s/file", f->dir);
    file = fopen(path, "w");
    assert_non_null(file);
    fclose(file);
    snprintf(path, sizeof path, "%s/file/m1", f->dir);
    assert_null(store_open(&opts, err, sizeof err));
    assert_non_null(strstr(err, "cannot create directory"));
    assert_non_null(strstr(err, path));
    assert_non_null(strstr(err, "Not a directory"));
}

static void a_second_open_of_the_same_directory_is_refused(void **state)
{
    fixture_t *f = *state;
    char err[256] = "";
    store_opts_t opts = {.dir = f->dir};

    assert_null(store_open(&opts, err, sizeof err));
    assert_non_null(strstr(err, "another process has it open"));
    /* The first store is unharmed. */
    s_apply_one(f->s, "k", s_rec(1, 100, 1, "v"));
    s_assert_value(f->s, "k", "v");
}

static void a_batch_of_ten_thousand_writes_commits(void **state)
{
    fixture_t *f = *state;
    store_outcome_t out;
    char key[32];
    visits_t v = {0};

    assert_int_equal(store_begin(f->s), 0);
    for (uint64_t i = 1; i <= 10000; i++) {
        /* Spread keys over the tree so the batch changes many pages. */
        record_t r = s_rec(1, i, i, "value");
        snprintf(key, sizeof key, "k%llu",
                 (unsigned long long)(i * 7919 % 10007));
        assert_int_equal(s_apply(f->s, key, &r, &out), 0);
    }
    assert_int_equal(store_commit(f->s), 0);
    assert_int_equal(store_applied(f->s, 1), 10000);
    v.stop_after = 1;
    assert_int_equal(store_log_scan(f->s, 1, 10000, 10, s_visit, &v), 1);
}

static void destroy_accepts_null_and_clears_the_pointer(void **state)
{
    fixture_t *f = *state;
    store_t *none = NULL;

    store_destroy(NULL);
    store_destroy(&none);
    store_destroy(&f->s);
    assert_null(f->s);
    store_destroy(&f->s);
}

/* ---- Truncation and snapshots (common/store_log.c) ---------------------- */

/* Applies seqs 1..n of origin o, key "o.seq", in one batch. */
static void s_fill(store_t *s, uint16_t o, uint64_t n)
{
    store_outcome_t out;
    char key[32];

    assert_int_equal(store_begin(s), 0);
    for (uint64_t seq = 1; seq <= n; seq++) {
        record_t r = s_rec(o, seq * 10, seq, "v");
        snprintf(key, sizeof key, "%u.%llu", (unsigned)o,
                 (unsigned long long)seq);
        assert_int_equal(s_apply(s, key, &r, &out), 0);
    }
    assert_int_equal(store_commit(s), 0);
}

static void
truncation_removes_the_log_below_a_seq_and_keeps_the_rest(void **state)
{
    fixture_t *f = *state;
    visits_t v = {0};

    s_fill(f->s, 1, 10);
    s_fill(f->s, 2, 3);
    assert_int_equal(store_log_first(f->s, 1), 1);
    assert_int_equal(store_log_truncate(f->s, 1, 6, 100), 5);
    assert_int_equal(store_log_first(f->s, 1), 6);
    assert_int_equal(store_log_scan(f->s, 1, 6, 100, s_visit, &v), 5);
    assert_string_equal(v.seen, "1.6=v@6 1.7=v@7 1.8=v@8 1.9=v@9 1.10=v@10");
    /* Other origins, the applied vector and the data are untouched. */
    assert_int_equal(store_log_scan(f->s, 2, 1, 100, s_visit, &v), 3);
    assert_int_equal(store_log_first(f->s, 2), 1);
    assert_int_equal(store_applied(f->s, 1), 10);
    assert_int_equal(store_next_seq(f->s, 1), 11);
    s_assert_value(f->s, "1.2", "v");
    /* Asking again changes nothing. */
    assert_int_equal(store_log_truncate(f->s, 1, 6, 100), 0);
    assert_int_equal(store_log_truncate(f->s, 1, 3, 100), 0);
    assert_int_equal(store_log_first(f->s, 1), 6);
}

static void a_scan_from_below_the_truncation_point_says_truncated(void **state)
{
    fixture_t *f = *state;
    visits_t v = {0};

    s_fill(f->s, 1, 10);
    assert_int_equal(store_log_truncate(f->s, 1, 6, 100), 5);
    assert_int_equal(store_log_scan(f->s, 1, 5, 100, s_visit, &v),
                     MM_ERR_TRUNCATED);
    assert_int_equal(store_log_scan(f->s, 1, 0, 100, s_visit, &v),
                     MM_ERR_TRUNCATED);
    assert_int_equal(v.count, 0);
}

static void truncation_deletes_in_bounded_chunks_and_resumes(void **state)
{
    fixture_t *f = *state;
    visits_t v = {0};

    s_fill(f->s, 1, 10);
    /* The truncation point moves at once; the deletes trail behind. */
    assert_int_equal(store_log_truncate(f->s, 1, 9, 3), 3);
    assert_int_equal(store_log_first(f->s, 1), 9);
    assert_int_equal(store_log_scan(f->s, 1, 8, 10, s_visit, &v),
                     MM_ERR_TRUNCATED);
    assert_int_equal(store_log_truncate(f->s, 1, 9, 3), 3);
    /* A restart finds the entries still waiting. */
    s_reopen(f);
    assert_int_equal(store_log_first(f->s, 1), 9);
    assert_int_equal(store_log_truncate(f->s, 1, 9, 3), 2);
    assert_int_equal(store_log_truncate(f->s, 1, 9, 3), 0);
    assert_int_equal(store_log_scan(f->s, 1, 9, 10, s_visit, &v), 2);
    assert_string_equal(v.seen, "1.9=v@9 1.10=v@10");
}

static void truncation_stops_after_the_newest_write(void **state)
{
    fixture_t *f = *state;
    visits_t v = {0};

    s_fill(f->s, 1, 4);
    assert_int_equal(store_log_truncate(f->s, 1, 100, 100), 4);
    assert_int_equal(store_log_first(f->s, 1), 5);
    assert_int_equal(store_applied(f->s, 1), 4);
    assert_int_equal(store_log_scan(f->s, 1, 5, 10, s_visit, &v), 0);
    /* The next write lands where the log now begins. */
    s_apply_one(f->s, "next", s_rec(1, 500, 5, "n"));
    assert_int_equal(store_log_scan(f->s, 1, 5, 10, s_visit, &v), 1);
    assert_string_equal(v.seen, "next=n@5");
}

static void truncation_is_refused_inside_a_batch(void **state)
{
    fixture_t *f = *state;

    s_fill(f->s, 1, 4);
    assert_int_equal(store_begin(f->s), 0);
    assert_int_equal(store_log_truncate(f->s, 1, 3, 10), MM_ERR_STATE);
    assert_int_equal(store_log_truncate(f->s, 0, 3, 10), -EINVAL);
    store_abort(f->s);
    assert_int_equal(store_log_first(f->s, 1), 1);
}

static void a_snapshot_record_is_applied_by_lww_alone(void **state)
{
    fixture_t *f = *state;
    record_t older = s_rec(2, 50, 77, "older");
    record_t newer = s_rec(2, 200, 78, "newer");
    record_t fresh = s_rec(3, 10, 5, "fresh");
    visits_t v = {0};

    s_apply_one(f->s, "a", s_rec(1, 100, 1, "mine"));
    assert_int_equal(store_begin(f->s), 0);
    assert_int_equal(
        store_apply_snapshot(f->s, (const uint8_t *)"a", 1, &older), 0);
    assert_int_equal(
        store_apply_snapshot(f->s, (const uint8_t *)"a", 1, &newer), 1);
    assert_int_equal(
        store_apply_snapshot(f->s, (const uint8_t *)"a", 1, &newer), 0);
    assert_int_equal(
        store_apply_snapshot(f->s, (const uint8_t *)"b", 1, &fresh), 1);
    assert_int_equal(store_commit(f->s), 0);
    s_assert_value(f->s, "a", "newer");
    s_assert_value(f->s, "b", "fresh");
    /* No seq checks, and neither the log nor the vector moved. */
    assert_int_equal(store_applied(f->s, 2), 0);
    assert_int_equal(store_applied(f->s, 3), 0);
    assert_int_equal(store_log_scan(f->s, 2, 1, 10, s_visit, &v), 0);
    assert_int_equal(store_log_scan(f->s, 1, 1, 10, s_visit, &v), 1);
    /* Outside a batch it is refused. */
    assert_int_equal(
        store_apply_snapshot(f->s, (const uint8_t *)"c", 1, &fresh),
        MM_ERR_STATE);
}

static void
finishing_a_snapshot_raises_applied_and_starts_the_log_after_it(void **state)
{
    fixture_t *f = *state;
    uint64_t vec[MM_MAX_NODES + 1] = {0};
    visits_t v = {0};

    s_fill(f->s, 1, 3);
    s_fill(f->s, 3, 8);
    vec[1] = 10;
    vec[2] = 5;
    vec[3] = 6; /* behind what the store holds: left alone */
    assert_int_equal(store_snapshot_finish(f->s, vec, 0xe), 0);
    assert_int_equal(store_applied(f->s, 1), 10);
    assert_int_equal(store_applied(f->s, 2), 5);
    assert_int_equal(store_applied(f->s, 3), 8);
    assert_int_equal(store_log_first(f->s, 1), 11);
    assert_int_equal(store_log_first(f->s, 2), 6);
    assert_int_equal(store_log_first(f->s, 3), 1);
    assert_int_equal(store_log_scan(f->s, 1, 4, 10, s_visit, &v),
                     MM_ERR_TRUNCATED);
    /* Both survive a restart, and the stream resumes after the vector. */
    s_reopen(f);
    assert_int_equal(store_applied(f->s, 1), 10);
    assert_int_equal(store_log_first(f->s, 1), 11);
    s_apply_one(f->s, "after", s_rec(1, 900, 11, "x"));
    assert_int_equal(store_log_scan(f->s, 1, 11, 10, s_visit, &v), 1);
    assert_string_equal(v.seen, "after=x@11");
    /* The entries left below the new start are deleted by truncation. */
    assert_int_equal(store_log_truncate(f->s, 1, 1, 100), 3);
    assert_int_equal(store_log_truncate(f->s, 1, 1, 100), 0);
}

static void finishing_a_snapshot_is_refused_inside_a_batch(void **state)
{
    fixture_t *f = *state;
    uint64_t vec[MM_MAX_NODES + 1] = {0};

    vec[1] = 10;
    assert_int_equal(store_begin(f->s), 0);
    assert_int_equal(store_snapshot_finish(f->s, vec, 0x2), MM_ERR_STATE);
    store_abort(f->s);
    assert_int_equal(store_applied(f->s, 1), 0);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, s_setup, s_teardown)
    const struct CMUnitTest tests[] = {
        T(applying_a_write_makes_it_readable),
        T(a_local_write_records_the_value_it_overwrote_as_prev),
        T(a_store_without_a_log_still_applies_and_counts),
        T(lower_stamp_loses_and_value_is_kept_but_logged),
        T(duplicate_seq_is_ignored),
        T(gap_in_seq_is_refused),
        T(abort_rolls_back_data_log_and_applied),
        T(committed_writes_survive_close_and_reopen),
        T(uncommitted_batch_is_rolled_back_after_a_crash),
        T(log_scan_returns_one_origin_in_seq_order_from_a_position),
        T(log_scan_inside_a_batch_sees_only_committed_entries),
        T(scan_resumes_strictly_after_a_key),
        T(tombstone_is_found_and_wins_over_older_value),
        T(epoch_defaults_to_1_and_persists),
        T(epoch_and_role_are_set_together_and_persist),
        T(get_with_small_buffer_reports_nospace),
        T(get_inside_a_batch_sees_the_batchs_own_writes),
        T(applied_counts_only_committed_writes),
        T(bad_writes_and_calls_out_of_order_are_refused),
        T(sync_store_commits_and_reopens),
        T(a_nosync_commit_is_durable_when_it_returns),
        T(a_sync_commit_becomes_durable_behind_it),
        T(a_sync_store_serves_reads_and_scans),
        T(synced_writes_survive_a_crash),
        T(open_explains_why_a_directory_cannot_be_used),
        T(a_second_open_of_the_same_directory_is_refused),
        T(a_batch_of_ten_thousand_writes_commits),
        T(destroy_accepts_null_and_clears_the_pointer),
        T(truncation_removes_the_log_below_a_seq_and_keeps_the_rest),
        T(a_scan_from_below_the_truncation_point_says_truncated),
        T(truncation_deletes_in_bounded_chunks_and_resumes),
        T(truncation_stops_after_the_newest_write),
        T(truncation_is_refused_inside_a_batch),
        T(a_snapshot_record_is_applied_by_lww_alone),
        T(finishing_a_snapshot_raises_applied_and_starts_the_log_after_it),
        T(finishing_a_snapshot_is_refused_inside_a_batch),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
