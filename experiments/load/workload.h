/*
 * workload.h - what mm-load's clients do, without any I/O: each client's
 * own random stream of operations (kind, key, target node), drawn from the
 * seed and the client's id alone; when each operation is due in an open
 * loop; and the table of a client's requests in flight, which every reply
 * is matched against.
 *
 * Because a client's stream depends on nothing else, the same seed gives
 * every client the same sequence of operations in every run, however the
 * replies interleave; only which of them were answered, and when, differs.
 * Randomness is xorshift64* (Vigna 2016): small, fast and seedable.
 *
 * Targets are small integers the caller chooses (mm-load uses the node's
 * index in the cluster file, and one more index for the coordinator).
 */
#ifndef MM_WORKLOAD_H
#define MM_WORKLOAD_H

#include <stdint.h>

#define WORKLOAD_MAX_TARGETS 32

typedef enum { WORKLOAD_WRITE, WORKLOAD_READ, WORKLOAD_DELETE } workload_kind_t;

/* How keys are picked: uniform; zipf (exponent 1: key i has weight
 * 1/(i+1)); hot (90% of operations on the hottest 10% of keys). */
typedef enum { WORKLOAD_UNIFORM, WORKLOAD_ZIPF, WORKLOAD_HOT } workload_dist_t;

/* Where writes and deletes go: sticky (client i to write target i mod n),
 * random, or home (key i to write target i mod n: one writer per key). */
typedef enum {
    WORKLOAD_STICKY,
    WORKLOAD_RANDOM,
    WORKLOAD_HOME
} workload_route_t;

typedef struct {
    uint64_t seed;
    double read_frac, delete_frac; /* 0..1, adding up to at most 1 */
    int keys;                      /* at least 1 */
    workload_dist_t dist;
    workload_route_t route;
    int write[WORKLOAD_MAX_TARGETS], nwrite; /* at least one of each */
    int read[WORKLOAD_MAX_TARGETS], nread;
    int fixed_target; /* >= 0: every operation goes there; -1: route */
} workload_opts_t;

typedef struct workload workload_t;

/* One operation, as drawn. */
typedef struct {
    workload_kind_t kind;
    int key;    /* 0..keys-1 */
    int target; /* one of the opts' targets */
    uint64_t n; /* the client's n-th operation (from 1): its value's number */
} workload_op_t;

/* One client's stream. Plain data: the caller keeps one per client. */
typedef struct {
    int client;
    int home; /* the sticky write target */
    uint64_t rng;
    uint64_t drawn; /* operations drawn so far */
} workload_stream_t;

/*
 * One request in flight. A client has one connection per target, and a
 * connection numbers its requests itself (mmc_send()), so a request is
 * named by (target, reqid): the id alone is unique only per connection.
 */
typedef struct {
    int used;
    int target;     /* the connection it went out on */
    uint64_t reqid; /* the id that connection gave it */
    int64_t start_ns;
    workload_op_t op;
} workload_slot_t;

/*
 * A workload for opts (copied). Returns NULL when out of memory. Caller
 * owns the returned object and destroys it with workload_destroy().
 */
workload_t *workload_new(const workload_opts_t *opts);
void workload_destroy(workload_t **w);

/* Starts client's stream: its random state comes from the seed and the
 * client id only. */
void workload_stream_init(const workload_t *w, int client,
                          workload_stream_t *s);

/* Draws the stream's next operation into *op. */
void workload_next(const workload_t *w, workload_stream_t *s,
                   workload_op_t *op);

/* The index of a free slot among slots[0..n), or -1 if all are used. */
int workload_slot_free(const workload_slot_t *slots, int n);

/*
 * The index of the open slot that a reply with id reqid, received on the
 * connection to target, answers; -1 if none does (a late reply to a request
 * that already timed out, or a stray one): the caller drops it, and must
 * never apply it to another slot.
 */
int workload_slot_match(const workload_slot_t *slots, int n, int target,
                        uint64_t reqid);

/*
 * The targets stream s's operations can go to, each once, into out (room
 * for WORKLOAD_MAX_TARGETS); returns how many. mm-load connects to them
 * all before its clock starts.
 */
int workload_targets(const workload_t *w, const workload_stream_t *s, int *out);

/*
 * Open loop: when client (of clients) is due to start its k-th operation
 * (k from 0), in nanoseconds after the run's start, for rate operations
 * per second in all. Each client gets an even share, on a fixed schedule
 * of its own (one operation every clients/rate seconds), and client i
 * starts i/rate seconds in, so together they start one operation every
 * 1/rate seconds. The k-th time is computed, not accumulated: it never
 * drifts. rate must be positive; times past 4e18 ns are capped there.
 */
int64_t workload_due_ns(double rate, int clients, int client, uint64_t k);

/*
 * Whether every one of slots[0..n) was taken by a request sent at or
 * before t: then all of them were busy at t, whatever happened since.
 */
int workload_slots_busy_since(const workload_slot_t *slots, int n, int64_t t);

/* The history's name of a kind: "write", "read" or "delete". */
const char *workload_kind_name(workload_kind_t k);

#endif
