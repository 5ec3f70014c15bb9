/*
 * check_internal.h - what the history checker's files share: the
 * operations, keys and finals the readers fill and the analyses read, and
 * the steps check_finish() runs. Nothing outside experiments/check/check*.c
 * includes it; the public interface is check.h.
 *
 * Where each part lives (docs/metrics.md defines every metric):
 *
 *     check.c             construction, interning keys and values, pairs,
 *                         the steps of check_finish(), accessors
 *     check_history.c     the history reader: JSON lines -> operations,
 *                         faults, run events, status samples
 *     check_dump.c        the dump reader: final records and their writes
 *     check_pairs.c       writes by pair: tombstones' deletes, shared pairs
 *     check_witness.c     the sentences that explain an anomaly
 *     check_avail.c       operation counts, availability, fault windows,
 *                         the longest write gap
 *     check_reads.c       stale reads, read-your-writes, monotonic reads
 *     check_lost.c        lost acknowledged writes, concurrent overwrites
 *     check_order.c       real-time order inversions
 *     check_converge.c    divergent keys, convergence time
 *     check_lag.c         replication lag from status samples
 *     check_speed.c       throughput and latency
 *     check_thresholds.c  the metric table, thresholds and the verdict
 *     check_summary.c     summary.json
 *     check_report.c      the short text summary (check.txt)
 *     check_csv.c         series.csv, latency.csv, lag.csv, faults.csv
 *
 * Names with a check__ prefix are internal to those files. Operations are
 * numbered in the order their invoke lines came; an operation index of
 * NONE means "none".
 */
#ifndef MM_CHECK_INTERNAL_H
#define MM_CHECK_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include "check.h"
#include "hist.h"
#include "hlc.h"

/* "No operation": an index no operation has. */
#define NONE UINT32_MAX
/* A final tombstone made by a delete whose outcome was unknown (info). */
#define SRC_SOME_DELETE (UINT32_MAX - 1)

/* Completion states of an operation. */
enum { OUT_OPEN = 0, OUT_OK, OUT_FAIL, OUT_INFO };

/* Per-operation marks set by the checks, read by windows and series. */
enum {
    OPF_STALE = 1,          /* a stale read */
    OPF_LOST = 2,           /* a lost write on the worst node */
    OPF_UNFINISHED = 4,     /* never completed: counted as info */
    OPF_VALUE_NULL = 8,     /* a read that returned no value */
    OPF_OVERWRITTEN = 16,   /* lost to a concurrent write (information) */
    OPF_DUPLICATE_VAL = 32, /* a write whose value was not unique */
};

/* Per-key marks. */
enum {
    KEY_INFO_DELETE = 1, /* a delete of unknown outcome */
    KEY_OK_DELETE = 2,   /* an acknowledged delete: del_stamp, del_origin */
};

typedef struct {
    int64_t t_inv, t_done;
    mm_stamp_t stamp; /* on ok: the pair the node returned */
    uint32_t key;
    uint32_t val; /* writes: the value's offset in the arena */
    uint32_t src; /* reads: the write whose value was read, or NONE */
    int32_t p;
    uint16_t origin;
    uint8_t f, out, node, flags;
} check__op_t;

typedef struct {
    uint32_t off, len; /* bytes in the arena, NUL-terminated there too */
    uint8_t flags;
    uint16_t del_origin; /* the highest pair of an ok delete, if any */
    mm_stamp_t del_stamp;
} check__key_t;

/* Open-addressing hash: stores indices; equality is the caller's. */
typedef struct {
    uint64_t *h;
    uint32_t *v;
    size_t cap, n;
} check__map_t;

typedef struct {
    uint32_t *v;
    uint32_t n, cap;
} check__u32vec_t;

typedef struct {
    int64_t t;
    uint32_t have; /* bit i: applied[i] was reported */
    uint64_t applied[MM_MAX_NODES];
} check__sample_t;

typedef struct {
    check__sample_t *v;
    size_t n, cap;
} check__samples_t;

/* A skip line: an operation an open-loop client scheduled but could not
 * send. It counts against availability at its scheduled time. */
typedef struct {
    int64_t t;
    uint8_t f;
} check__skip_t;

typedef struct {
    check_window_t pub;
    int64_t start, stop; /* stop < 0: still open at the end */
} check__window_t;

typedef struct {
    mm_stamp_t stamp;
    uint64_t vhash;
    uint32_t src; /* the op that wrote it, NONE, or SRC_SOME_DELETE */
    uint16_t origin;
    uint8_t present, tomb;
} check__final_t;

typedef struct {
    int64_t t;
    double lag_ms;
    uint8_t follower, origin;
} check__lag_t;

typedef struct {
    char *text;
    double t_s;
    uint32_t key;
} check__witness_t;

enum { TH_GE, TH_LE, TH_EQ, TH_LT, TH_GT };
/* The operators' text, by TH_*. */
extern const char *const check__th_ops[];

typedef struct {
    char metric[64];
    int op;
    double value;
    int is_default;
    int pass, null;
    double actual;
} check__threshold_t;

struct check {
    /* The nodes, then "coordinator": operations sent through the
     * coordinator name it as their node (it has no dump or status). */
    char names[MM_MAX_NODES + 1][CHECK_NAME_MAX];
    int nnodes;
    char scenario[128];
    int have_scenario, have_seed;
    uint64_t seed;
    int64_t bucket_ns;
    size_t latency_rows;

    /* History. */
    check__op_t *ops;
    size_t nops, capops;
    char *arena;
    size_t narena, caparena;
    check__key_t *keys;
    size_t nkeys, capkeys;
    check__map_t keymap, valmap;
    check__skip_t *skips; /* skip lines, in line order */
    size_t nskips, capskips;
    uint64_t nskips_late;     /* "late":true skips, left out of availability */
    check__u32vec_t *clients; /* open operations, by client id */
    size_t nclients;
    check__window_t *win;
    size_t nwin, capwin;
    check__samples_t samples[MM_MAX_NODES];
    int64_t t_min, t_max;
    int have_t;
    int64_t load_end, converged;
    int have_load_end, have_converged;
    char *scratch; /* a copy of the current dump line */
    size_t capscratch;
    int sealed, finished;
    int line_kept; /* the current line was recorded despite a complaint */

    /* Dumps. */
    check__final_t *finals; /* [key * nnodes + node] */
    size_t capfinal_keys;
    uint32_t dumped; /* bit i: node i's dump was begun */
    int dump_node;

    /* Results. */
    check_results_t r;
    int64_t t0, first_invoke, last_done;
    check__threshold_t *th;
    size_t nth, capth;
    check__witness_t wit[CHECK_ANOMALIES][CHECK_WITNESS_MAX];
    size_t nwit[CHECK_ANOMALIES];
    check__lag_t *lag;
    size_t nlag, caplag;
    uint64_t (*buckets)[6];
    size_t nbuckets;
    hist_t h_lat[4]; /* [check_op_t], [3] = all ok ops, microseconds */
};

/* ------------------------------------------------------ check.c helpers */

/* Formats a message into err (if any) and returns code. */
int check__err(char *err, size_t errlen, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Grows *p (of *cap elements of size sz) to hold at least need. Returns 0
 * or -ENOMEM (then *p is unchanged). */
int check__grow(void **p, size_t *cap, size_t need, size_t sz);

/* FNV-1a of len bytes. */
uint64_t check__hash(const void *p, size_t len);

/* The pair order: stamp first, then the origin's node id (lww.h's rule,
 * implemented here again so the checker does not trust what it judges). */
int check__pair_cmp(mm_stamp_t sa, uint16_t oa, mm_stamp_t sb, uint16_t ob);
int check__op_pair_cmp(const check__op_t *a, const check__op_t *b);

/* The index map (open addressing; a hash may have many entries, and the
 * caller's eq picks among them; eq NULL accepts the first). */
typedef int (*check__eq_fn)(const check_t *c, uint32_t v, const void *probe);
int check__map_init(check__map_t *m, size_t cap);
void check__map_free(check__map_t *m);
int check__map_put(check__map_t *m, uint64_t h, uint32_t v);
uint32_t check__map_get(const check_t *c, const check__map_t *m, uint64_t h,
                        check__eq_fn eq, const void *probe);

/* Copies len bytes into the arena, NUL-terminated; the offset in *off. */
int check__arena_add(check_t *c, const char *s, size_t len, uint32_t *off);

/* Key ids: find one (NONE if unknown) or intern a new one (NONE when out
 * of memory). */
uint32_t check__key_find(const check_t *c, const char *s, size_t len);
uint32_t check__key_intern(check_t *c, const char *s, size_t len);

/* Remembers the value of write op; 1 (and not remembered) if an earlier
 * write had the same value, 0, or -ENOMEM. */
int check__value_add(check_t *c, uint32_t op);

/* The write of key that wrote value s (padding allowed), or NONE. */
uint32_t check__value_find(const check_t *c, uint32_t key, const char *s,
                           size_t len);

/* A node's index in --nodes order, or -1. */
int check__node_index(const check_t *c, const char *name);

/* An origin given as a node name or as its id in text ("2"); 0 or -1. */
int check__origin_id(const check_t *c, const char *s, uint16_t *out);

/* ------------------------------------------------------------ the steps */

/* check_dump.c: ends the history (unfinished operations become info) and
 * sizes the finals; the first dump line or check_finish() calls it. */
int check__seal(check_t *c);
int check__finals_fit(check_t *c, size_t nkeys);
check__final_t *check__final(const check_t *c, uint32_t key, int node);

/* check.c: the acknowledged writes and deletes of each key, in invoke
 * order (check_pairs.c re-sorts a copy by pair). Caller frees start and
 * ops. */
typedef struct {
    uint32_t *start; /* [nkeys + 1]: key k's writes are ops[start[k]..] */
    uint32_t *ops;
} check__bykey_t;
int check__bykey(const check_t *c, check__bykey_t *b);
/* A copy of b->ops (to sort another way), or NULL. Caller frees it. */
uint32_t *check__ops_copy(const check_t *c, const check__bykey_t *b);

/* check_pairs.c: inv's writes re-sorted by pair, per key; the first of
 * the m writes v (sorted by pair) at or (above) past pair (st, o); final
 * and read tombstones named by their delete; shared pairs counted. */
int check__bypair(const check_t *c, const check__bykey_t *inv,
                  check__bykey_t *out);
uint32_t check__lower(const check_t *c, const uint32_t *v, uint32_t m,
                      mm_stamp_t st, uint16_t o, int above);
void check__tombstones(check_t *c, const check__bykey_t *bp);
int check__shared_pairs(check_t *c, const check__bykey_t *inv);

/* check_order.c: real-time order inversions (inv: invoke order). */
int check__inversions(check_t *c, const check__bykey_t *inv);

/* check_avail.c */
double check__ratio(uint64_t ok, uint64_t all);
void check__counts(check_t *c);
int check__write_gap(check_t *c);
void check__windows(check_t *c);

/* check_reads.c: stale reads and session guarantees (bp: pair order). */
int check__reads(check_t *c, const check__bykey_t *bp);

/* check_lost.c */
void check__overwritten(check_t *c, const check__bykey_t *b);
void check__lost(check_t *c, const check__bykey_t *b);

/* check_converge.c */
void check__divergence(check_t *c);
void check__convergence(check_t *c);

/* check_lag.c */
int check__lag(check_t *c);

/* check_speed.c */
void check__speed(check_t *c);

/* check_csv.c: the time buckets of series.csv. */
int check__series(check_t *c);

/* check_thresholds.c: adds the defaults, judges every threshold. */
void check__thresholds(check_t *c);

/* ------------------------------------------------------------ sentences */

/* A sentence being built; text past the buffer is cut, never overflows. */
typedef struct {
    char b[1024];
    size_t n;
} check__sb_t;

void check__sbf(check__sb_t *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Seconds since t0. */
double check__sec(const check_t *c, int64_t t);
const char *check__key_name(const check_t *c, uint32_t k);
/* "100.0 (m1)" */
void check__sb_stamp(const check_t *c, check__sb_t *s, mm_stamp_t st,
                     uint16_t o);
/* "client 3 wrote k17=c3.17 at 2.10 s, acknowledged by m1 at 2.11 s" */
void check__sb_write(const check_t *c, check__sb_t *s, uint32_t w);
/* What a read returned or a node ended with, and the write that made it. */
void check__sb_value(const check_t *c, check__sb_t *s, uint32_t key,
                     uint32_t src, int present, int tomb, mm_stamp_t st,
                     uint16_t o);
void check__sb_read_value(const check_t *c, check__sb_t *s, uint32_t r);
/* Keeps s as a witness of a, unless a has CHECK_WITNESS_MAX already. */
void check__witness(check_t *c, check_anomaly_t a, const check__sb_t *s,
                    int64_t t, uint32_t key);

#endif
