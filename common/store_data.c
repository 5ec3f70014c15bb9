/*
 * store_data.c - keys and the replication log: reading a key, applying a
 * write, and walking the log or the keys in order.
 *
 * store_apply() is where a write becomes durable state, in the open
 * batch's transaction (common/store.c): it reads the key's record, asks
 * lww_decide() (common/lww.c, the only place that decides) which write
 * wins, writes the winner to `data`, appends the write to `log` under
 * (origin, seq) whether it won or lost, and advances the pending applied
 * vector. A seq already applied is a duplicate and changes nothing; a seq
 * beyond the next one is a gap the caller must resync.
 *
 * Reads copy into the store's own buffers, never handing out Berkeley DB's
 * memory; scans call a visitor with pointers valid only during the call.
 */
#include <errno.h>
#include <stdint.h>
#include "bytes.h"
#include "lww.h"
#include "store_int.h"

/*
 * Reads key's record into the store's record buffer and decodes it; rec's
 * value points into that buffer until the next read. Through cursor c,
 * if given, which then stays on the key (for an overwrite in place);
 * otherwise through the open batch, if any. Returns 1, 0 (no such key) or
 * a negative code.
 */
static int s_read_record(store_t *s, DBC *c, const uint8_t *key, size_t klen,
                         record_t *rec)
{
    DBT k, d;
    int ret;

    /* In a sync store's environment (DB_THREAD, shared with the flusher)
     * Berkeley DB wants the key of a get in memory it may write to (it
     * copies the key back): the store's own copy of it. */
    memcpy(s->key, key, klen);
    store__dbt_into(&k, s->key, sizeof s->key);
    k.size = (u_int32_t)klen;
    store__dbt_into(&d, s->rec, STORE_RECORD_MAX);
    ret = c != NULL ? c->get(c, &k, &d, DB_SET)
                    : s->data->get(s->data, s->txn, &k, &d, 0);
    if (ret == DB_NOTFOUND)
        return 0;
    if (ret != 0)
        return store__code(ret);
    ret = record_decode(s->rec, d.size, rec);
    return ret < 0 ? ret : 1;
}

int store_get(store_t *s, const uint8_t *key, size_t klen, record_t *out,
              uint8_t *vbuf, size_t vcap)
{
    record_t rec;
    int ret;

    if (klen > MM_KEY_MAX)
        return MM_ERR_TOOBIG;
    ret = s_read_record(s, NULL, key, klen, &rec);
    if (ret <= 0)
        return ret;
    *out = rec;
    out->value = NULL;
    /* out->vlen still says how large a buffer the value needs. */
    if (rec.vlen > vcap)
        return MM_ERR_NOSPACE;
    if (rec.vlen > 0)
        memcpy(vbuf, rec.value, rec.vlen);
    out->value = vbuf;
    return 1;
}

/*
 * The body of s_apply(): LWW against the record under cursor c, then the
 * writes. c stays on the key, so the winner overwrites it in place: one
 * B-tree search serves both the read and the write.
 */
static int s_apply_at(store_t *s, DBC *c, const uint8_t *key, size_t klen,
                      record_t *rec, int set_prev, store_outcome_t *out)
{
    record_t existing;
    uint8_t lkey[LOG_KEY_SIZE];
    size_t rlen;
    DBT k, d;
    int n, ret;

    ret = s_read_record(s, c, key, klen, &existing);
    if (ret < 0)
        return ret;
    if (set_prev) {
        rec->prev_stamp = ret ? existing.stamp : 0;
        rec->prev_origin = ret ? existing.origin : 0;
    }
    out->had_existing = ret;
    out->verdict = lww_decide(ret ? &existing : NULL, rec);
    if (out->had_existing) {
        out->other_stamp = existing.stamp;
        out->other_origin = existing.origin;
        out->other_seq = existing.seq;
    }

    /* The log value is the key followed by the record encoding, so the
     * `data` value is its tail: one encode serves both databases. */
    n = log_entry_encode(key, klen, rec, s->entry, STORE_ENTRY_MAX);
    if (n < 0)
        return n;
    rlen = (size_t)n - 2 - klen;

    if (out->verdict.incoming_wins && !out->verdict.duplicate) {
        store__dbt(&k, key, klen);
        store__dbt(&d, s->entry + 2 + klen, rlen);
        ret = out->had_existing ? c->put(c, &k, &d, DB_CURRENT)
                                : s->data->put(s->data, s->txn, &k, &d, 0);
        if (ret != 0)
            return store__code(ret);
        out->result = STORE_STORED;
    } else {
        out->result = STORE_KEPT;
    }

    /* The log keeps losers too: every follower must see every seq. */
    if (!s->no_log) {
        log_key_encode(rec->origin, rec->seq, lkey);
        store__dbt(&k, lkey, sizeof lkey);
        store__dbt(&d, s->entry, (size_t)n);
        ret = s->log->put(s->log, s->txn, &k, &d, 0);
        if (ret != 0)
            return store__code(ret);
    }
    return 0;
}

/* store_apply() and store_apply_local(); set_prev: fill rec's prev from
 * the key's current record before deciding. */
static int s_apply(store_t *s, const uint8_t *key, size_t klen, record_t *rec,
                   int set_prev, store_outcome_t *out)
{
    uint16_t origin = rec->origin;
    DBC *c = NULL;
    int ret, cret;

    memset(out, 0, sizeof *out);
    if (s->txn == NULL)
        return MM_ERR_STATE;
    if (origin == 0 || origin > MM_MAX_NODES || klen == 0)
        return -EINVAL;
    if (klen > MM_KEY_MAX || rec->vlen > MM_VALUE_MAX)
        return MM_ERR_TOOBIG;

    /* Replication is at-least-once: a write seen before is not an error. */
    if (rec->seq <= s->pending[origin]) {
        out->result = STORE_DUPLICATE;
        out->verdict.duplicate = 1;
        return 0;
    }
    /* Skipping a seq would make applied[origin] claim a write we never
     * saw; the follower must ask for the missing ones instead. */
    if (rec->seq != s->pending[origin] + 1)
        return MM_ERR_STATE;

    /* From here on the batch may change; a failure must not leave half a
     * write in it, so it aborts the whole batch (the cursor is closed
     * first: a transaction with an open cursor cannot end). */
    ret = store__code(s->data->cursor(s->data, s->txn, &c, 0));
    if (ret == 0)
        ret = s_apply_at(s, c, key, klen, rec, set_prev, out);
    cret = c != NULL ? store__code(c->close(c)) : 0;
    if (ret == 0)
        ret = cret;
    if (ret != 0) {
        store_abort(s);
        return ret;
    }
    /* meta's applied/<origin> catches up in store_commit(), still inside
     * this transaction. */
    s->pending[origin] = rec->seq;
    return 0;
}

int store_apply(store_t *s, const uint8_t *key, size_t klen,
                const record_t *rec, store_outcome_t *out)
{
    record_t copy = *rec;
    return s_apply(s, key, klen, &copy, 0, out);
}

int store_apply_local(store_t *s, const uint8_t *key, size_t klen,
                      record_t *rec, store_outcome_t *out)
{
    return s_apply(s, key, klen, rec, 1, out);
}

/* How a scan ends: the cursor closed; the number of entries visited, or
 * the error (running off the end is no error). */
static int s_scan_end(DBC *c, int ret, size_t count)
{
    if (ret == DB_NOTFOUND)
        ret = 0;
    if (c != NULL)
        c->close(c);
    return ret != 0 ? store__code(ret) : (int)count;
}

int store_log_scan(store_t *s, uint16_t origin, uint64_t from_seq, size_t max,
                   store_visit_fn fn, void *arg)
{
    uint64_t last = UINT64_MAX;
    DBC *c = NULL;
    DBT k, d;
    size_t count = 0;
    int ret;

    if (origin == 0 || origin > MM_MAX_NODES)
        return -EINVAL;
    /* Seqs start at 1, so a scan from 0 asks for nothing more. */
    if (!s->no_log && (from_seq ? from_seq : 1) < s->log_first[origin])
        return MM_ERR_TRUNCATED;
    if (max == 0)
        return 0;
    /* Inside a batch the cursor reads through the batch, and committed[]
     * marks where the batch's own, uncommitted entries begin. Outside a
     * batch every entry is committed. */
    if (s->txn != NULL) {
        last = s->committed[origin];
        ret = s->log->cursor(s->log, s->txn, &c, 0);
    } else {
        ret = s->log->cursor(s->log, NULL, &c, 0);
    }
    if (ret != 0)
        goto fail;

    store__dbt_into(&k, s->scan_key, sizeof s->scan_key);
    log_key_encode(origin, from_seq, s->scan_key);
    k.size = LOG_KEY_SIZE;
    store__dbt_into(&d, s->scan, STORE_ENTRY_MAX);
    ret = c->get(c, &k, &d, DB_SET_RANGE);
    while (ret == 0 && count < max) {
        const uint8_t *key;
        size_t klen;
        record_t rec;
        uint16_t o;
        uint64_t seq;

        ret = log_key_decode(s->scan_key, k.size, &o, &seq);
        if (ret != 0)
            goto fail;
        if (o != origin || seq > last)
            break;
        ret = log_entry_decode(s->scan, d.size, &key, &klen, &rec);
        if (ret != 0)
            goto fail;
        count++;
        if (fn(arg, key, klen, &rec) != 0)
            break;
        ret = c->get(c, &k, &d, DB_NEXT);
    }
fail:
    return s_scan_end(c, ret, count);
}

int store_scan(store_t *s, const uint8_t *after, size_t alen, size_t max,
               store_visit_fn fn, void *arg)
{
    DBC *c = NULL;
    DBT k, d;
    size_t count = 0;
    int ret;

    if (s->txn != NULL)
        return MM_ERR_STATE;
    if (alen > MM_KEY_MAX)
        return MM_ERR_TOOBIG;
    if (max == 0)
        return 0;
    ret = s->data->cursor(s->data, NULL, &c, 0);
    if (ret != 0)
        goto fail;

    store__dbt_into(&k, s->scan_key, sizeof s->scan_key);
    store__dbt_into(&d, s->scan, STORE_ENTRY_MAX);
    if (alen == 0) {
        ret = c->get(c, &k, &d, DB_FIRST);
    } else {
        /* SET_RANGE lands on the first key >= after; the scan resumes
         * strictly after it, so step over an exact match. */
        memcpy(s->scan_key, after, alen);
        k.size = (u_int32_t)alen;
        ret = c->get(c, &k, &d, DB_SET_RANGE);
        if (ret == 0 && k.size == alen && memcmp(s->scan_key, after, alen) == 0)
            ret = c->get(c, &k, &d, DB_NEXT);
    }
    while (ret == 0 && count < max) {
        record_t rec;

        ret = record_decode(s->scan, d.size, &rec);
        if (ret != 0)
            goto fail;
        count++;
        if (fn(arg, s->scan_key, k.size, &rec) != 0)
            break;
        ret = c->get(c, &k, &d, DB_NEXT);
    }
fail:
    return s_scan_end(c, ret, count);
}
