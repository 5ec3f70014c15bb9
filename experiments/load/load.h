/*
 * load.h - mm-load's workload run: clients that send operations to a
 * cluster's nodes (or its coordinator) and the history that records each
 * one (docs/history.md), in one context object.
 *
 * A run is load_new(), load_run() once, then load_write_summary() and
 * load_destroy(). All clients share the calling thread and one zmq_poll
 * loop, so every recorded time comes from one clock.
 */
#ifndef MM_LOAD_H
#define MM_LOAD_H

#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include "config.h"
#include "security.h"
#include "workload.h"

#define LOAD_MAX_CLIENTS 256
#define LOAD_MAX_INFLIGHT 256
/* Targets (workload.h) are the cluster's nodes by their position in the
 * cluster file, and the coordinator (--coordinator) is this one. */
#define LOAD_COORDINATOR MM_MAX_NODES

/* What mm-load's flags ask for (mm-load --help says what each means). */
typedef struct {
    const char *history;  /* NULL: no history file */
    const char *prefix;   /* key prefix */
    workload_opts_t work; /* what each client sends, and where */
    int clients, inflight, timeout_ms, value_size, quiet, sample_ms;
    double duration, rate;
    long long max_ops; /* 0: run for duration seconds instead */
    /* For tests: > 0 starts every client connection's request ids there,
     * so the connections of one client hand out the same ids. */
    uint64_t first_reqid;
} load_opts_t;

typedef struct load load_t;

/*
 * A run of opts against cfg (both copied; the strings in opts are
 * borrowed: valid until load_destroy()). Opens the history file. Returns
 * NULL with a message in err when out of memory, when the history file
 * cannot be written, or (security = curve) when the first client's key
 * pair cannot be read. Caller owns the returned
 * object and destroys it with load_destroy().
 */
load_t *load_new(const load_opts_t *opts, const config_t *cfg, char *err,
                 size_t errlen);
void load_destroy(load_t **l);

/*
 * Runs the workload until the duration or the operation count is reached,
 * or *stop becomes non-zero, then waits for (or times out) the operations
 * in flight and closes the history. Returns 0, or a negative code with a
 * message on stderr.
 */
int load_run(load_t *l, const volatile sig_atomic_t *stop);

/* Writes the run's one-line JSON summary to f (after load_run()). */
void load_write_summary(const load_t *l, FILE *f);

#endif
