/*
 * store_log.c - the replication log's low end: truncation, and installing
 * a snapshot.
 *
 * The `log` database holds, per origin, every write this node applied, in
 * seq order. Kept forever it would fill the disk, so a writer truncates it
 * (masters/retain.c decides how far); a follower that fell behind what a
 * writer still holds gets a snapshot instead (masters/snapshot.c). Both
 * change where each origin's log begins:
 *
 *   log_first[o]   the lowest seq of origin o the log promises to hold:
 *                  every committed seq from it up to applied[o] is there.
 *                  Kept in `meta` as "log_first/<o>" (absent: 1), so a
 *                  restarted node still refuses to stream what it lacks.
 *   log_low[o]     the lowest seq that may still have an entry. Raising
 *                  log_first is one meta write, deleting the entries below
 *                  it is many B-tree deletes, so deletion trails behind in
 *                  bounded chunks; log_low says where it has got to. Kept
 *                  in memory only and found again at open.
 *
 * Nothing below log_first is ever read: store_log_scan() from there
 * returns MM_ERR_TRUNCATED, which is the writer's cue to send a snapshot.
 *
 * Deleting entries frees their B-tree pages for reuse, which is what keeps
 * log.db from growing; the file itself never shrinks (docs/architecture.md
 * section 6 has the measurements and why no DB->compact).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "bytes.h"
#include "lww.h"
#include "store_int.h"

/* The meta key of origin o's log_first, like "log_first/3". */
static size_t s_first_key(uint16_t o, char *buf, size_t cap)
{
    int n = snprintf(buf, cap, STORE_META_LOG_FIRST "%u", (unsigned)o);
    return n < 0 ? 0 : (size_t)n;
}

static int s_put_first(store_t *s, DB_TXN *txn, uint16_t o, uint64_t seq)
{
    char key[32];
    uint8_t val[8];
    DBT k, d;

    bytes_put64(val, seq);
    store__dbt(&k, key, s_first_key(o, key, sizeof key));
    store__dbt(&d, val, sizeof val);
    return s->meta->put(s->meta, txn, &k, &d, 0);
}

/*
 * Opens a cursor on the log under txn (NULL: outside any batch) and moves it to
 * the first entry at or after (o, from), reading only the entry's key into
 * kbuf: the value is never needed here. Returns 0, DB_NOTFOUND or a Berkeley DB
 * code; *c must be closed when set.
 */
static int s_seek(store_t *s, DB_TXN *txn, uint16_t o, uint64_t from,
                  uint8_t kbuf[LOG_KEY_SIZE], DBC **c, DBT *k, DBT *d)
{
    int ret = s->log->cursor(s->log, txn, c, 0);
    if (ret != 0) {
        *c = NULL;
        return ret;
    }
    log_key_encode(o, from, kbuf);
    store__dbt_into(k, kbuf, LOG_KEY_SIZE);
    k->size = LOG_KEY_SIZE;
    memset(d, 0, sizeof *d);
    d->flags = DB_DBT_PARTIAL | DB_DBT_USERMEM;
    return (*c)->get(*c, k, d, DB_SET_RANGE);
}

/* The seq of the first log entry of origin o, or 0 if there is none, in
 * *seq_out. Returns 0 or a Berkeley DB code. */
static int s_first_entry(store_t *s, uint16_t o, uint64_t *seq_out)
{
    uint8_t kbuf[LOG_KEY_SIZE];
    DBC *c;
    DBT k, d;
    uint16_t origin;
    int ret = s_seek(s, NULL, o, 0, kbuf, &c, &k, &d);

    *seq_out = 0;
    if (ret == 0 && log_key_decode(kbuf, k.size, &origin, seq_out) == 0 &&
        origin != o)
        *seq_out = 0;
    if (ret == DB_NOTFOUND)
        ret = 0;
    if (c != NULL)
        c->close(c);
    return ret;
}

int store__log_load(store_t *s)
{
    for (uint16_t o = 1; o <= MM_MAX_NODES; o++) {
        char key[32];
        uint8_t val[8];
        DBT k, d;
        uint64_t low;
        int ret;

        s->log_first[o] = 1;
        /* USERMEM on the key too: in a sync store (DB_THREAD) Berkeley DB
         * wants memory it may write the key back into. */
        size_t klen = s_first_key(o, key, sizeof key);
        store__dbt_into(&k, key, sizeof key);
        k.size = (u_int32_t)klen;
        store__dbt_into(&d, val, sizeof val);
        ret = s->meta->get(s->meta, NULL, &k, &d, 0);
        if (ret == 0 && d.size != sizeof val)
            return MM_ERR_CORRUPT;
        if (ret == 0)
            s->log_first[o] = bytes_get64(val);
        else if (ret != DB_NOTFOUND)
            return ret;
        ret = s_first_entry(s, o, &low);
        if (ret != 0)
            return ret;
        /* No entry at all: nothing waits to be deleted. */
        s->log_low[o] = low ? low : s->log_first[o];
    }
    return 0;
}

uint64_t store_log_first(const store_t *s, uint16_t origin)
{
    if (origin == 0 || origin > MM_MAX_NODES)
        return 0;
    return s->log_first[origin];
}

/* Deletes up to max entries of origin o below seq `below`, starting at
 * seq `from`, under txn. Sets *next to where deletion stopped. Returns the
 * number deleted or a negative Berkeley DB code. */
static int s_delete_below(store_t *s, DB_TXN *txn, uint16_t o, uint64_t from,
                          uint64_t below, size_t max, uint64_t *next)
{
    uint8_t kbuf[LOG_KEY_SIZE];
    DBC *c;
    DBT k, d;
    size_t count = 0;
    int ret = s_seek(s, txn, o, from, kbuf, &c, &k, &d);

    *next = below;
    while (ret == 0) {
        uint16_t origin;
        uint64_t seq;

        if (log_key_decode(kbuf, k.size, &origin, &seq) != 0 || origin != o ||
            seq >= below)
            break;
        if (count == max) {
            *next = seq;
            break;
        }
        ret = c->del(c, 0);
        if (ret != 0)
            break;
        count++;
        ret = c->get(c, &k, &d, DB_NEXT);
    }
    if (ret == DB_NOTFOUND)
        ret = 0;
    if (c != NULL)
        c->close(c);
    return ret != 0 ? ret : (int)count;
}

int store_log_truncate(store_t *s, uint16_t origin, uint64_t below, size_t max)
{
    DB_TXN *txn = NULL;
    uint64_t first, next = 0;
    int ret, deleted;

    if (origin == 0 || origin > MM_MAX_NODES)
        return -EINVAL;
    if (s->txn != NULL)
        return MM_ERR_STATE;
    if (s->no_log)
        return 0;
    /* Never past the newest write: the log keeps what it was given. */
    if (below > s->committed[origin] + 1)
        below = s->committed[origin] + 1;
    first = below > s->log_first[origin] ? below : s->log_first[origin];
    if (first == s->log_first[origin] && s->log_low[origin] >= first)
        return 0;

    ret = s->env->txn_begin(s->env, NULL, &txn, 0);
    if (ret != 0)
        return store__code(ret);
    if (first != s->log_first[origin])
        ret = s_put_first(s, txn, origin, first);
    deleted = ret != 0 ? ret
                       : s_delete_below(s, txn, origin, s->log_low[origin],
                                        first, max, &next);
    if (deleted < 0) {
        txn->abort(txn);
        return store__code(deleted);
    }
    ret = txn->commit(txn, DB_TXN_NOSYNC);
    if (ret != 0)
        return store__code(ret);
    s->log_first[origin] = first;
    s->log_low[origin] = next;
    return deleted;
}

int store_log_pages(store_t *s, uint64_t *pages)
{
    DB_BTREE_STAT *st = NULL;
    int ret;

    if (s->txn != NULL)
        return MM_ERR_STATE;
    /* FAST_STAT reads only the meta page: the count of free pages, which
     * needs a walk of the free list, is not filled in. */
    ret = s->log->stat(s->log, NULL, &st, DB_FAST_STAT);
    if (ret != 0)
        return store__code(ret);
    *pages = st->bt_pagecnt;
    free(st);
    return 0;
}

int store_apply_snapshot(store_t *s, const uint8_t *key, size_t klen,
                         const record_t *rec)
{
    record_t existing;
    lww_verdict_t v;
    DBT k, d;
    int ret, n;

    if (s->txn == NULL)
        return MM_ERR_STATE;
    if (rec->origin == 0 || rec->origin > MM_MAX_NODES || klen == 0)
        return -EINVAL;
    if (klen > MM_KEY_MAX || rec->vlen > MM_VALUE_MAX)
        return MM_ERR_TOOBIG;
    /* store_get() reads through the batch, as LWW must; the value lands in
     * the scan buffer, which no scan is using inside a batch. */
    ret = store_get(s, key, klen, &existing, s->scan, STORE_ENTRY_MAX);
    if (ret < 0)
        return ret;
    v = lww_decide(ret ? &existing : NULL, rec);
    if (!v.incoming_wins || v.duplicate)
        return 0;
    n = record_encode(rec, s->entry, STORE_ENTRY_MAX);
    if (n < 0)
        return n;
    store__dbt(&k, key, klen);
    store__dbt(&d, s->entry, (size_t)n);
    ret = s->data->put(s->data, s->txn, &k, &d, 0);
    if (ret != 0) {
        /* Like store_apply(): never leave half a change in the batch. */
        store_abort(s);
        return store__code(ret);
    }
    return 1;
}

int store_snapshot_finish(store_t *s, const uint64_t *vec, uint32_t mask)
{
    uint64_t first[MM_MAX_NODES + 1];
    int ret = store_begin(s);

    if (ret != 0)
        return ret;
    /* A batch of its own: store_commit() writes the raised applied/<o>
     * rows, and the new log_first rows go in the same transaction. */
    memcpy(first, s->log_first, sizeof first);
    for (uint16_t o = 1; o <= MM_MAX_NODES && ret == 0; o++) {
        if (!(mask & (1u << o)) || vec[o] <= s->pending[o])
            continue;
        s->pending[o] = vec[o];
        if (vec[o] + 1 > first[o]) {
            first[o] = vec[o] + 1;
            ret = s_put_first(s, s->txn, o, first[o]);
        }
    }
    if (ret != 0) {
        store_abort(s);
        return store__code(ret);
    }
    ret = store_commit(s);
    if (ret == 0)
        memcpy(s->log_first, first, sizeof first);
    return ret;
}
