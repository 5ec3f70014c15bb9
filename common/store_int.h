/*
 * store_int.h - the inside of the store, shared by its three files:
 * common/store.c (the environment, batches, the applied vector, epochs),
 * common/store_data.c (keys and the log: get, apply, scans) and
 * common/store_log.c (the log's low end: truncation, snapshots). Nothing
 * outside them includes this; store.h is the store's manual.
 */
#ifndef MM_STORE_INT_H
#define MM_STORE_INT_H

#include <pthread.h>
#include <string.h>
#include <db.h>
#include "err.h"
#include "record.h"
#include "store.h"

#define STORE_DEFAULT_CACHE ((size_t)64 << 20)

/* 8 KiB pages hold twice the keys of the 4 KiB default, so trees are
 * shallower and split half as often: about 15% faster applies. */
#define STORE_PAGE_SIZE 8192

/* Berkeley DB buffers log records in memory until a commit writes them out;
 * a batch of a few hundred writes fits in 1 MiB, so a commit is one write().
 */
#define STORE_LOG_BUFFER (1u << 20)

/*
 * A checkpoint writes the cache's dirty pages to the database files, after
 * which older log files are not needed for recovery and DB_LOG_AUTO_REMOVE
 * deletes them. Without checkpoints the log would grow forever. Every
 * 64 MiB of log bounds both the disk used and the time recovery takes.
 */
#define STORE_CHECKPOINT_KB (64 * 1024)

/* The largest `log` value: key length, key, record header, value. */
#define STORE_ENTRY_MAX (2 + MM_KEY_MAX + RECORD_HEADER_SIZE + MM_VALUE_MAX)
/* The largest `data` value: one record. */
#define STORE_RECORD_MAX (RECORD_HEADER_SIZE + MM_VALUE_MAX)

#define STORE_LOCK_FILE "store.lock"
#define STORE_META_EPOCH "epoch"
#define STORE_META_ROLE "role"
#define STORE_META_APPLIED "applied/"
#define STORE_META_LOG_FIRST "log_first/"

/*
 * The group-commit flusher of a STORE_SYNC store (common/store_flush.c).
 * The fields under mu are shared with the flusher thread; the node's
 * thread reads them only through store_flush_done() and store_sync().
 */
typedef struct {
    int running; /* the thread was started (sync stores only) */
    int efd;     /* eventfd the flusher writes after each flush, or -1 */
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t wake; /* the flusher waits here for a commit */
    pthread_cond_t idle; /* store_sync() waits here for a flush */
    /* Under mu: */
    int stop;
    int error;        /* the last flush's result: 0 or a negative code */
    uint64_t asked;   /* the newest commit that asked for durability */
    uint64_t done;    /* the newest commit known durable */
    uint64_t flushes; /* successful log flushes (fsyncs) */
    uint64_t asked_vec[MM_MAX_NODES + 1]; /* committed[] after `asked` */
    uint64_t done_vec[MM_MAX_NODES + 1];  /* committed[] after `done` */
} store_flusher_t;

struct store {
    int lock_fd; /* holds an flock on STORE_LOCK_FILE, or -1 */
    DB_ENV *env;
    DB *data;
    DB *log;
    DB *meta;
    int env_open; /* env->open() succeeded */
    DB_TXN *txn;  /* the open batch, or NULL */
    int no_log;   /* store_opts_t.no_log */
    uint32_t epoch;
    int role; /* the stored role, or -1: the cluster file's role holds */
    /* Indexed by origin, 1..MM_MAX_NODES; slot 0 is unused. */
    uint64_t committed[MM_MAX_NODES + 1];
    uint64_t pending[MM_MAX_NODES + 1];
    uint64_t durable[MM_MAX_NODES + 1]; /* sync: committed and fsynced */
    uint64_t commits, flushes;          /* counters for store_stats() */
    store_flusher_t flusher;
    /* The log's low end, per origin (common/store_log.c): log_first is
     * what store_log_first() reports; log_low is the lowest seq that may
     * still have an entry, below log_first while truncation catches up. */
    uint64_t log_first[MM_MAX_NODES + 1];
    uint64_t log_low[MM_MAX_NODES + 1];
    uint8_t *entry; /* encodes one `log` value for store_apply() */
    uint8_t *rec;   /* receives one `data` value: store_get(), apply */
    uint8_t *scan;  /* receives values during scans */
    uint8_t scan_key[MM_KEY_MAX];
    uint8_t key[MM_KEY_MAX]; /* the key of a read (s_read_record) */
    char db_msg[256];        /* Berkeley DB's last message, for store_open() */
};

/* The flusher's life cycle and the commit's request (store_flush.c). */
int store__flusher_start(store_t *s);
void store__flusher_stop(store_t *s);
void store__flusher_ask(store_t *s);

/*
 * Berkeley DB returns system errors as positive errno values and its own
 * errors as negative codes; the project returns -errno, so flip the former.
 */
static inline int store__code(int ret)
{
    return ret > 0 ? -ret : ret;
}

static inline void store__dbt(DBT *d, const void *data, size_t size)
{
    memset(d, 0, sizeof *d);
    d->data = (void *)data;
    d->size = (u_int32_t)size;
}

/* A DBT that Berkeley DB copies into: our buffer, never its own memory. */
static inline void store__dbt_into(DBT *d, void *buf, size_t cap)
{
    memset(d, 0, sizeof *d);
    d->data = buf;
    d->ulen = (u_int32_t)cap;
    d->flags = DB_DBT_USERMEM;
}

/* Reads the log's low end at open (common/store_log.c). */
int store__log_load(store_t *s);

#endif
