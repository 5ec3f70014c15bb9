/*
 * store_flush.c - group commit: a thread that makes committed batches
 * durable behind the node's back, one fsync for everything that waited.
 *
 * In a STORE_SYNC store a commit does not wait for the disk. Berkeley DB
 * commits the batch with DB_TXN_NOSYNC: the batch is visible at once, its
 * log records sit in the log buffer, and store_commit() returns. The
 * flusher thread then works in rounds:
 *
 *   1. it sleeps until a commit asks for durability;
 *   2. it notes the newest commit asked for (every commit up to it has
 *      returned, so its log records are in the log buffer) and the applied
 *      vector that commit left;
 *   3. it calls DB_ENV->log_flush(NULL): one write of the buffer and one
 *      fsync, which cover that commit and every one before it. Berkeley DB
 *      releases its log region during the fsync, so the node's thread keeps
 *      applying and committing the next batches meanwhile;
 *   4. it publishes the covered commit and its vector as durable, and
 *      wakes the node's loop through an eventfd.
 *
 * Whatever was committed while one fsync ran is covered by the next one,
 * so the number of fsyncs adapts to the disk: a slow disk gets fewer,
 * larger groups, never a queue of fsyncs. The node's loop takes the
 * progress in with store_flush_done() and only then answers the clients
 * (masters/acks.c), streams the writes (masters/stream.c) and ACKs what
 * it applied (replicas/follow.c): nothing leaves the node before the
 * fsync that covers it, so an acknowledged write survives kill -9 and
 * power loss alike.
 *
 * The flusher calls only DB_ENV->log_flush(); every other Berkeley DB call
 * stays on the node's thread. The environment is opened with DB_THREAD so
 * that the two threads may share its handle. The two threads share
 * nothing else but the fields under `mu`.
 */
#include <errno.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include "store_int.h"

static void *s_flusher_main(void *arg)
{
    store_t *s = arg;
    store_flusher_t *f = &s->flusher;
    uint64_t vec[MM_MAX_NODES + 1];
    uint64_t failed_at = 0; /* after a failure: wait for a new commit */

    pthread_mutex_lock(&f->mu);
    for (;;) {
        while (!f->stop && (f->asked == f->done || f->asked == failed_at))
            pthread_cond_wait(&f->wake, &f->mu);
        if (f->asked == f->done || f->asked == failed_at)
            break; /* stopping, and nothing left to flush */
        uint64_t target = f->asked;
        memcpy(vec, f->asked_vec, sizeof vec);
        pthread_mutex_unlock(&f->mu);

        int ret = store__code(s->env->log_flush(s->env, NULL));

        pthread_mutex_lock(&f->mu);
        f->error = ret;
        if (ret == 0) {
            f->done = target;
            memcpy(f->done_vec, vec, sizeof f->done_vec);
            f->flushes++;
            failed_at = 0;
        } else {
            failed_at = target;
        }
        pthread_cond_broadcast(&f->idle);
        /* Wakes the loop. A failed write can only be EAGAIN, after 2^64 - 2
         * unread wake-ups: the loop has one pending anyway. */
        uint64_t one = 1;
        ssize_t w = write(f->efd, &one, sizeof one);
        (void)w;
    }
    pthread_mutex_unlock(&f->mu);
    return NULL;
}

int store__flusher_start(store_t *s)
{
    store_flusher_t *f = &s->flusher;

    f->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (f->efd < 0)
        return -errno;
    pthread_mutex_init(&f->mu, NULL);
    pthread_cond_init(&f->wake, NULL);
    pthread_cond_init(&f->idle, NULL);
    memcpy(f->asked_vec, s->committed, sizeof f->asked_vec);
    memcpy(f->done_vec, s->committed, sizeof f->done_vec);
    memcpy(s->durable, s->committed, sizeof s->durable);
    int ret = pthread_create(&f->thread, NULL, s_flusher_main, s);
    if (ret != 0) {
        close(f->efd);
        f->efd = -1;
        return -ret;
    }
    f->running = 1;
    return 0;
}

void store__flusher_stop(store_t *s)
{
    store_flusher_t *f = &s->flusher;

    if (f->running) {
        pthread_mutex_lock(&f->mu);
        f->stop = 1;
        pthread_cond_signal(&f->wake);
        pthread_mutex_unlock(&f->mu);
        pthread_join(f->thread, NULL);
        pthread_mutex_destroy(&f->mu);
        pthread_cond_destroy(&f->wake);
        pthread_cond_destroy(&f->idle);
        f->running = 0;
    }
    if (f->efd >= 0)
        close(f->efd);
    f->efd = -1;
}

void store__flusher_ask(store_t *s)
{
    store_flusher_t *f = &s->flusher;

    pthread_mutex_lock(&f->mu);
    f->asked = s->commits;
    memcpy(f->asked_vec, s->committed, sizeof f->asked_vec);
    pthread_cond_signal(&f->wake);
    pthread_mutex_unlock(&f->mu);
}

uint64_t store_durable(const store_t *s, uint16_t origin)
{
    if (origin == 0 || origin > MM_MAX_NODES)
        return 0;
    return s->flusher.running ? s->durable[origin] : s->committed[origin];
}

int store_flush_fd(const store_t *s)
{
    return s->flusher.running ? s->flusher.efd : -1;
}

int store_flush_done(store_t *s)
{
    store_flusher_t *f = &s->flusher;
    uint64_t count;
    int moved = 0, ret;

    if (!f->running)
        return 0;
    if (read(f->efd, &count, sizeof count) < 0 && errno != EAGAIN)
        return -errno;
    pthread_mutex_lock(&f->mu);
    for (unsigned o = 1; o <= MM_MAX_NODES; o++) {
        moved |= f->done_vec[o] != s->durable[o];
        s->durable[o] = f->done_vec[o];
    }
    s->flushes = f->flushes;
    ret = f->error;
    pthread_mutex_unlock(&f->mu);
    return ret < 0 ? ret : moved;
}

int store_sync(store_t *s)
{
    store_flusher_t *f = &s->flusher;
    int ret;

    if (!f->running)
        return 0;
    pthread_mutex_lock(&f->mu);
    uint64_t target = f->asked;
    while (f->done < target && f->error == 0)
        pthread_cond_wait(&f->idle, &f->mu);
    pthread_mutex_unlock(&f->mu);
    ret = store_flush_done(s);
    return ret < 0 ? ret : 0;
}

void store_stats(const store_t *s, store_stats_t *st)
{
    st->commits = s->commits;
    st->flushes = s->flushes;
}
