/*
 * store.c - a node's durable state: the data, the replication log and the
 * applied vector, kept in one Berkeley DB transactional environment.
 *
 * The idea the whole project leans on is that applying a write is ONE
 * transaction that does three things:
 *
 *   1. it runs the LWW rule (lww_decide(), the only place that decides) and,
 *      if the incoming write wins, overwrites the key in `data`;
 *   2. it appends the write to `log` under (origin, seq), whether it won or
 *      lost, so followers can be fed every write in order;
 *   3. it advances applied[origin] in `meta` (written once per origin when
 *      the batch commits, still inside the transaction).
 *
 * Because the three happen together or not at all, a write replayed after a
 * crash or a reconnect is recognised by its seq and skipped, and a commit
 * that returned 0 is never half-visible. Writes come in batches (one
 * transaction for many writes), so one log flush, and with STORE_SYNC one
 * fsync, pays for the whole batch: that is group commit.
 *
 * The applied vector is cached in memory twice. committed[o] is what the
 * disk holds; pending[o] is that plus the writes of the open batch.
 * store_apply() checks a write's seq against pending[], store_commit() copies
 * pending[] into committed[], and an abort copies committed[] back, exactly
 * as Berkeley DB throws the batch's changes away. If a Berkeley DB call
 * fails halfway through a write, store_apply() aborts the whole batch rather
 * than leave half a write in it for a later commit.
 *
 * One thread (the node's loop) makes every database call, so the
 * environment runs without Berkeley DB's lock subsystem: locks only keep
 * concurrent transactions apart, and there never are two. That saves about
 * a tenth of an apply (a lock taken, hashed and released per page touched).
 * Transactions still give atomicity and recovery, which come from the log.
 *
 * Readers outside a batch see only committed data: nothing else writes in
 * this process. Inside a batch, store_get() reads through the batch (it
 * must see the batch's own writes to decide LWW), and store_log_scan()
 * reads through it too but stops at committed[origin]. store_scan() is
 * refused inside a batch: it cannot tell the batch's own changes from
 * committed ones.
 *
 * Memory: the store owns every buffer it reads into or encodes into, sized
 * once at open for the largest legal key and value, so no write or read
 * mallocs. Linux only backs the pages that get touched, so a store that
 * only sees small values only uses a few pages of them.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>
#include <db.h>
#include "bytes.h"
#include "err.h"
#include "lww.h"
#include "record.h"
#include "store_int.h"

/*
 * Berkeley DB explains failures in messages, not in return codes (a code
 * says "Permission denied", the message names the file). Keep the last one
 * so store_open() can pass it on.
 */
static void s_db_errcall(const DB_ENV *env, const char *prefix, const char *msg)
{
    store_t *s = env->app_private;

    (void)prefix;
    snprintf(s->db_msg, sizeof s->db_msg, "%s", msg);
}

/* Creates dir and its missing parents, like mkdir -p. */
static int s_mkdirs(const char *dir)
{
    char path[PATH_MAX];
    size_t len = strlen(dir);

    if (len == 0)
        return -EINVAL;
    if (len >= sizeof path)
        return -ENAMETOOLONG;
    memcpy(path, dir, len + 1);
    for (char *p = path + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(path, 0755) != 0 && errno != EEXIST)
            return -errno;
        *p = '/';
    }
    if (mkdir(path, 0755) != 0 && errno != EEXIST)
        return -errno;
    return 0;
}

/*
 * Key order for every database: bytes compared as unsigned, a shorter key
 * first when one is a prefix of the other. This is exactly Berkeley DB's
 * default order, so the files stay readable by db_dump and friends, but
 * memcmp() beats the default's byte-at-a-time loop, which was one of the
 * largest costs of an apply.
 */
static int s_compare(DB *db, const DBT *a, const DBT *b)
{
    size_t n = a->size < b->size ? a->size : b->size;
    int c = n > 0 ? memcmp(a->data, b->data, n) : 0;

    (void)db;
    if (c != 0)
        return c;
    return (a->size > b->size) - (a->size < b->size);
}

/*
 * How many leading bytes of b tell it apart from a (a < b): Berkeley DB
 * keeps only that much of a key in internal pages. Setting a comparison
 * function switches the built-in prefix function off, so this restates it.
 */
static size_t s_prefix(DB *db, const DBT *a, const DBT *b)
{
    const uint8_t *p = a->data, *q = b->data;
    size_t n = a->size < b->size ? a->size : b->size;

    (void)db;
    for (size_t i = 0; i < n; i++) {
        if (p[i] != q[i])
            return i + 1;
    }
    if (a->size < b->size)
        return a->size + 1;
    if (b->size < a->size)
        return b->size + 1;
    return b->size;
}

/*
 * Takes an exclusive lock on the directory for as long as the store is
 * open. Two processes in one environment would each run recovery over the
 * other's work (DB_RECOVER, DB_PRIVATE), so the second one must be refused:
 * starting a node twice by mistake is easy. The kernel drops the lock when
 * the process dies, so a crash never leaves the directory locked.
 */
static int s_lock_dir(store_t *s, const char *dir)
{
    char path[PATH_MAX];
    int n = snprintf(path, sizeof path, "%s/%s", dir, STORE_LOCK_FILE);

    if (n < 0 || (size_t)n >= sizeof path)
        return -ENAMETOOLONG;
    s->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (s->lock_fd < 0)
        return -errno;
    if (flock(s->lock_fd, LOCK_EX | LOCK_NB) != 0)
        return -errno;
    return 0;
}

static int s_open_db(store_t *s, DB **db, const char *file)
{
    int ret = db_create(db, s->env, 0);
    if (ret == 0)
        ret = (*db)->set_bt_compare(*db, s_compare);
    if (ret == 0)
        ret = (*db)->set_bt_prefix(*db, s_prefix);
    /* Ignored for a file that already exists: its page size is fixed. */
    if (ret == 0)
        ret = (*db)->set_pagesize(*db, STORE_PAGE_SIZE);
    if (ret != 0)
        return ret;
    return (*db)->open(*db, NULL, file, NULL, DB_BTREE,
                       DB_CREATE | DB_AUTO_COMMIT, 0644);
}

/*
 * Reads the applied vector and the epoch from `meta` into memory, so that
 * store_applied() and the seq check in store_apply() cost no disk access.
 */
static int s_load_meta(store_t *s)
{
    DBC *c = NULL;
    DBT k, d;
    uint8_t kbuf[64], vbuf[16];
    size_t plen = strlen(STORE_META_APPLIED);
    int ret;

    s->epoch = 1;
    s->role = -1;
    ret = s->meta->cursor(s->meta, NULL, &c, 0);
    if (ret != 0)
        goto fail;
    store__dbt_into(&k, kbuf, sizeof kbuf);
    store__dbt_into(&d, vbuf, sizeof vbuf);
    while ((ret = c->get(c, &k, &d, DB_NEXT)) == 0) {
        if (k.size == strlen(STORE_META_EPOCH) &&
            memcmp(kbuf, STORE_META_EPOCH, k.size) == 0) {
            if (d.size != 4)
                goto corrupt;
            s->epoch = bytes_get32(vbuf);
        } else if (k.size == strlen(STORE_META_ROLE) &&
                   memcmp(kbuf, STORE_META_ROLE, k.size) == 0) {
            if (d.size != 4)
                goto corrupt;
            s->role = (int)bytes_get32(vbuf);
        } else if (k.size > plen && k.size < plen + 8 &&
                   memcmp(kbuf, STORE_META_APPLIED, plen) == 0) {
            unsigned origin = 0;
            for (size_t i = plen; i < k.size; i++) {
                if (kbuf[i] < '0' || kbuf[i] > '9')
                    goto corrupt;
                origin = origin * 10 + (unsigned)(kbuf[i] - '0');
            }
            if (origin == 0 || origin > MM_MAX_NODES || d.size != 8)
                goto corrupt;
            s->committed[origin] = bytes_get64(vbuf);
        }
    }
    if (ret == DB_NOTFOUND)
        ret = 0;
    memcpy(s->pending, s->committed, sizeof s->pending);
fail:
    if (c != NULL)
        c->close(c);
    return ret;
corrupt:
    ret = MM_ERR_CORRUPT;
    goto fail;
}

/* Creates the environment handle with the settings it needs before it is
 * opened: cache, log buffer, and the durability of commits. */
static int s_env_create(store_t *s, store_durability_t durability, size_t cache)
{
    DB_ENV *env;
    int ret = db_env_create(&s->env, 0);
    if (ret != 0)
        return ret;
    env = s->env;
    env->app_private = s;
    env->set_errcall(env, s_db_errcall);
    ret = env->set_cachesize(env, (u_int32_t)(cache >> 30),
                             (u_int32_t)(cache & ((1u << 30) - 1)), 1);
    if (ret == 0)
        ret = env->set_lg_bsize(env, STORE_LOG_BUFFER);
    if (ret == 0)
        ret = env->log_set_config(env, DB_LOG_AUTO_REMOVE, 1);
    /* nosync: the commit still write()s the log, so a process crash loses
     * nothing committed; only the fsync (power loss protection) is
     * skipped. sync: the commit leaves its log records in the buffer, and
     * the flusher thread writes and fsyncs them (common/store_flush.c). */
    if (ret == 0)
        ret = env->set_flags(env,
                             durability == STORE_NOSYNC ? DB_TXN_WRITE_NOSYNC
                                                        : DB_TXN_NOSYNC,
                             1);
    return ret;
}

store_t *store_open(const store_opts_t *opts, char *err, size_t errlen)
{
    const char *what = "allocate memory for";
    size_t cache = opts->cache_bytes ? opts->cache_bytes : STORE_DEFAULT_CACHE;
    store_t *s;
    DB_ENV *env;
    int ret = -ENOMEM;

    s = calloc(1, sizeof *s);
    if (s == NULL)
        goto fail;
    s->lock_fd = -1;
    s->flusher.efd = -1;
    s->no_log = opts->no_log;
    s->entry = malloc(STORE_ENTRY_MAX);
    s->rec = malloc(STORE_RECORD_MAX);
    s->scan = malloc(STORE_ENTRY_MAX);
    if (s->entry == NULL || s->rec == NULL || s->scan == NULL)
        goto fail;

    what = "create directory";
    ret = s_mkdirs(opts->dir);
    if (ret != 0)
        goto fail;
    what = "lock";
    ret = s_lock_dir(s, opts->dir);
    if (ret != 0)
        goto fail;

    what = "set up environment for";
    ret = s_env_create(s, opts->durability, cache);
    if (ret != 0)
        goto fail;
    env = s->env;

    /*
     * DB_RECOVER replays the log at every open: after a crash it redoes
     * committed batches and undoes the one that was open, and after a
     * clean close it has nothing to do. DB_PRIVATE keeps the cache in
     * this process's memory instead of files in the directory that the
     * kernel would keep writing back (about 20% of the time of an apply);
     * only this process uses the environment, and recovery needs only the
     * log and the database files. No DB_INIT_LOCK: see the top of this
     * file. DB_THREAD (sync only): the flusher thread shares the handle.
     */
    what = "open environment in";
    ret = env->open(env, opts->dir,
                    DB_CREATE | DB_INIT_TXN | DB_INIT_LOG | DB_INIT_MPOOL |
                        DB_RECOVER | DB_PRIVATE |
                        (opts->durability == STORE_SYNC ? DB_THREAD : 0),
                    0);
    if (ret != 0)
        goto fail;
    s->env_open = 1;

    what = "open data.db in";
    ret = s_open_db(s, &s->data, "data.db");
    if (ret != 0)
        goto fail;
    what = "open log.db in";
    ret = s_open_db(s, &s->log, "log.db");
    if (ret != 0)
        goto fail;
    what = "open meta.db in";
    ret = s_open_db(s, &s->meta, "meta.db");
    if (ret != 0)
        goto fail;
    what = "read meta.db in";
    ret = s_load_meta(s);
    if (ret == 0)
        ret = store__log_load(s);
    if (ret != 0)
        goto fail;
    what = "start the log flusher for";
    if (opts->durability == STORE_SYNC)
        ret = store__flusher_start(s);
    if (ret != 0)
        goto fail;
    return s;

fail:
    if (ret == -EWOULDBLOCK && strcmp(what, "lock") == 0) {
        if (err != NULL && errlen > 0)
            snprintf(err, errlen,
                     "cannot open the store in %s: another process has it "
                     "open",
                     opts->dir);
    } else if (err != NULL && errlen > 0) {
        int n = snprintf(err, errlen, "cannot %s %s: %s", what, opts->dir,
                         mm_strerror(store__code(ret)));
        if (s != NULL && s->db_msg[0] != '\0' && n >= 0 && (size_t)n < errlen)
            snprintf(err + n, errlen - (size_t)n, " (Berkeley DB: %s)",
                     s->db_msg);
    }
    store_destroy(&s);
    return NULL;
}

void store_destroy(store_t **sp)
{
    store_t *s;

    if (sp == NULL || *sp == NULL)
        return;
    s = *sp;
    store__flusher_stop(s);
    store_abort(s);
    if (s->data != NULL)
        s->data->close(s->data, 0);
    if (s->log != NULL)
        s->log->close(s->log, 0);
    if (s->meta != NULL)
        s->meta->close(s->meta, 0);
    if (s->env != NULL) {
        /* A checkpoint at close leaves the next open nothing to recover. */
        if (s->env_open)
            s->env->txn_checkpoint(s->env, 0, 0, 0);
        s->env->close(s->env, 0);
    }
    /* Closing the descriptor releases the flock. */
    if (s->lock_fd >= 0)
        close(s->lock_fd);
    free(s->entry);
    free(s->rec);
    free(s->scan);
    free(s);
    *sp = NULL;
}

int store_begin(store_t *s)
{
    if (s->txn != NULL)
        return MM_ERR_STATE;
    return store__code(s->env->txn_begin(s->env, NULL, &s->txn, 0));
}

/*
 * Writes applied/<o> for every origin the batch advanced. Doing it once per
 * origin at commit rather than once per write saves a third of the puts,
 * and it is the same transaction, so the vector still moves together with
 * the data and the log.
 */
static int s_write_applied(store_t *s)
{
    char key[32];
    uint8_t seq[8];
    DBT k, d;

    for (unsigned o = 1; o <= MM_MAX_NODES; o++) {
        int n, ret;

        if (s->pending[o] == s->committed[o])
            continue;
        n = snprintf(key, sizeof key, STORE_META_APPLIED "%u", o);
        bytes_put64(seq, s->pending[o]);
        store__dbt(&k, key, (size_t)n);
        store__dbt(&d, seq, sizeof seq);
        ret = s->meta->put(s->meta, s->txn, &k, &d, 0);
        if (ret != 0)
            return ret;
    }
    return 0;
}

int store_commit(store_t *s)
{
    DB_TXN *txn = s->txn;
    int ret;

    if (txn == NULL)
        return MM_ERR_STATE;
    ret = s_write_applied(s);
    if (ret != 0) {
        store_abort(s);
        return store__code(ret);
    }
    /* The handle is gone after commit, even a failed one (which aborts). */
    s->txn = NULL;
    ret = txn->commit(txn, 0);
    if (ret != 0) {
        memcpy(s->pending, s->committed, sizeof s->pending);
        return store__code(ret);
    }
    memcpy(s->committed, s->pending, sizeof s->committed);
    s->commits++;
    if (s->flusher.running)
        store__flusher_ask(s);
    /* This returns at once unless STORE_CHECKPOINT_KB of log has been
     * written since the last checkpoint. A failure only delays removing old
     * log files and is retried after the next commit, so the commit, which
     * did succeed, still reports success. */
    s->env->txn_checkpoint(s->env, STORE_CHECKPOINT_KB, 0, 0);
    return 0;
}

void store_abort(store_t *s)
{
    if (s->txn == NULL)
        return;
    s->txn->abort(s->txn);
    s->txn = NULL;
    memcpy(s->pending, s->committed, sizeof s->pending);
}

uint64_t store_applied(const store_t *s, uint16_t origin)
{
    if (origin == 0 || origin > MM_MAX_NODES)
        return 0;
    return s->committed[origin];
}

uint64_t store_next_seq(const store_t *s, uint16_t origin)
{
    if (origin == 0 || origin > MM_MAX_NODES)
        return 0;
    return s->pending[origin] + 1;
}

uint32_t store_epoch(const store_t *s)
{
    return s->epoch;
}

int store_set_epoch(store_t *s, uint32_t epoch)
{
    return store_set_term(s, epoch, s->role);
}

int store_role(const store_t *s)
{
    return s->role;
}

int store_set_term(store_t *s, uint32_t epoch, int role)
{
    DB_TXN *txn = NULL;
    uint8_t buf[4], rbuf[4];
    DBT k, d;
    int ret;

    if (s->txn != NULL)
        return MM_ERR_STATE;
    ret = s->env->txn_begin(s->env, NULL, &txn, 0);
    if (ret != 0)
        return store__code(ret);
    bytes_put32(buf, epoch);
    store__dbt(&k, STORE_META_EPOCH, strlen(STORE_META_EPOCH));
    store__dbt(&d, buf, sizeof buf);
    ret = s->meta->put(s->meta, txn, &k, &d, 0);
    if (ret == 0 && role >= 0) {
        bytes_put32(rbuf, (uint32_t)role);
        store__dbt(&k, STORE_META_ROLE, strlen(STORE_META_ROLE));
        store__dbt(&d, rbuf, sizeof rbuf);
        ret = s->meta->put(s->meta, txn, &k, &d, 0);
    }
    if (ret != 0) {
        txn->abort(txn);
        return store__code(ret);
    }
    /* An epoch change is rare and fences off old masters, so it is made
     * durable even in a nosync store. */
    ret = txn->commit(txn, DB_TXN_SYNC);
    if (ret != 0)
        return store__code(ret);
    s->epoch = epoch;
    s->role = role;
    return 0;
}
