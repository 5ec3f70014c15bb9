/*
 * genhistory.c - mm-genhistory: writes a synthetic but valid history and
 * matching final dumps, to test and time mm-check without a cluster.
 *
 *     mm-genhistory N OUTDIR [SEED [SKEW_MS]]
 *
 * It simulates, in one deterministic event loop, two masters (m1, m2) and
 * two replicas (r1, r2) on 1000 keys: 8 clients each keep one operation in
 * flight (60% reads on any node, 35% writes and 5% deletes on the client's
 * home master). A write takes effect on its master at its invocation,
 * stamped by the real HLC (common/hlc.c), and reaches every other node 2-5
 * ms later, applied by last-writer-wins. Between 40% and 60% of the run m1
 * and m2 are partitioned: their streams to each other wait for the heal,
 * and 2% of the writes time out (info; half of them happened). Status
 * samples every 100 ms; load_end and converged at the end, when every node
 * holds the same state. It writes OUTDIR/history.jsonl and
 * OUTDIR/{m1,m2,r1,r2}.dump.
 *
 * m2's clock runs SKEW_MS (default 0) ahead of m1's, which plants
 * real-time order inversions: a write on m1 that begins after a write on
 * m2 has completed, but before m1 has seen it, gets a lower stamp. Even
 * without skew a few occur, when two writes fall in one millisecond. The
 * generator counts them as it goes, exactly as docs/metrics.md defines
 * them, and prints "realtime_inversions N" so a test can hold mm-check
 * to that number.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "hlc.h"
#include "dump.h"
#include "record.h"

#define NNODES 4
#define NMASTERS 2
#define NCLIENTS 8
#define NKEYS 1000
#define T0_NS 1000000000LL
#define WALL0_MS 1795766078000ULL
#define SAMPLE_NS 100000000LL
#define TIMEOUT_NS 500000000LL

static const char *const s_names[NNODES] = {"m1", "m2", "r1", "r2"};

typedef struct {
    mm_stamp_t stamp;
    uint16_t origin; /* node id, 1-based; 0: never written */
    uint8_t tomb;
    int client;
    unsigned long long n; /* the value is "c<client>.<n>" */
} gen_rec_t;

typedef struct {
    int64_t t; /* delivery time */
    int key;
    uint64_t seq;
    gen_rec_t rec;
} gen_msg_t;

/* One replication stream, source master to one follower, in order. */
typedef struct {
    int from, to;
    gen_msg_t *v;
    size_t head, n, cap;
} gen_link_t;

typedef enum { C_IDLE, C_BUSY } gen_cstate_t;

typedef struct {
    gen_cstate_t state;
    int64_t next; /* invoke time when idle, completion time when busy */
    int kind;     /* 0 write, 1 read, 2 delete */
    int key, node;
    int outcome; /* 0 ok, 1 fail, 2 info */
    unsigned long long counter;
    gen_rec_t rec; /* what the op wrote or read */
    uint64_t seq;
    int64_t invoked;
    gen_rec_t before; /* the highest acked write of key done before invoke */
} gen_client_t;

/* Per key, the highest pair among acknowledged writes completed so far
 * (max), and among those completed before the last completion time at
 * (before), so that an invoke at time at sees only writes done before. */
typedef struct {
    gen_rec_t max, before;
    int64_t at;
} gen_done_t;

static gen_rec_t s_state[NNODES][NKEYS];
static uint64_t s_applied[NNODES][NMASTERS];
static uint64_t s_seq[NMASTERS];
static hlc_t s_hlc[NNODES];
static gen_link_t s_links[NMASTERS * (NNODES - 1)];
static int s_nlinks;
static uint64_t s_rng;
static int64_t s_fault_start, s_fault_stop;
static FILE *s_out;
static gen_done_t s_done[NKEYS];
static uint64_t s_skew_ms; /* m2's clock runs this far ahead */
static unsigned long long s_inversions;

static uint64_t s_rand(void)
{
    s_rng ^= s_rng >> 12;
    s_rng ^= s_rng << 25;
    s_rng ^= s_rng >> 27;
    return s_rng * 2685821657736338717ull;
}

static double s_rand01(void)
{
    return (double)(s_rand() >> 11) / (double)(1ull << 53);
}

static uint64_t s_wall_ms(int64_t t)
{
    return WALL0_MS + (uint64_t)(t / 1000000);
}

static int s_newer(const gen_rec_t *a, const gen_rec_t *b)
{
    if (a->stamp != b->stamp)
        return a->stamp > b->stamp;
    return a->origin > b->origin;
}

static void s_apply(int node, int key, const gen_rec_t *r)
{
    if (s_newer(r, &s_state[node][key]))
        s_state[node][key] = *r;
    if (node < NMASTERS)
        hlc_observe(&s_hlc[node], r->stamp);
}

static int s_partitioned(int a, int b, int64_t t)
{
    return a < NMASTERS && b < NMASTERS && t >= s_fault_start &&
           t < s_fault_stop;
}

static void s_send(int from, int key, uint64_t seq, const gen_rec_t *r,
                   int64_t t)
{
    for (int i = 0; i < s_nlinks; i++) {
        gen_link_t *l = &s_links[i];
        if (l->from != from)
            continue;
        int64_t at = t + 2000000 + (int64_t)(s_rand() % 3000000);
        if (s_partitioned(l->from, l->to, t))
            at = s_fault_stop + 2000000;
        if (l->n > l->head && l->v[l->n - 1].t > at)
            at = l->v[l->n - 1].t; /* a stream delivers in order */
        if (l->n == l->cap) {
            if (l->head > 0) {
                memmove(l->v, l->v + l->head, (l->n - l->head) * sizeof *l->v);
                l->n -= l->head;
                l->head = 0;
            }
            if (l->n == l->cap) {
                l->cap = l->cap ? l->cap * 2 : 1024;
                l->v = realloc(l->v, l->cap * sizeof *l->v);
                if (!l->v) {
                    fprintf(stderr, "mm-genhistory: out of memory\n");
                    exit(1);
                }
            }
        }
        l->v[l->n++] = (gen_msg_t){at, key, seq, *r};
    }
}

/* Delivers, in time order, every replicated write due by time t. */
static int64_t s_deliver(int64_t t)
{
    int64_t last = 0;
    for (;;) {
        gen_link_t *best = NULL;
        for (int i = 0; i < s_nlinks; i++) {
            gen_link_t *l = &s_links[i];
            if (l->head < l->n && l->v[l->head].t <= t &&
                (!best || l->v[l->head].t < best->v[best->head].t))
                best = l;
        }
        if (!best)
            return last;
        const gen_msg_t *m = &best->v[best->head++];
        s_apply(best->to, m->key, &m->rec);
        s_applied[best->to][best->from] = m->seq;
        last = m->t;
    }
}

static void s_value(const gen_rec_t *r)
{
    fprintf(s_out, "\"c%d.%llu\"", r->client, r->n);
}

static void s_line(const gen_client_t *c, int id, const char *type, int64_t t)
{
    static const char *const f[] = {"write", "read", "delete"};
    fprintf(s_out, "{\"t\":%lld,\"p\":%d,\"type\":\"%s\",\"f\":\"%s\",",
            (long long)t, id, type, f[c->kind]);
    fprintf(s_out, "\"key\":\"k%d\",\"value\":", c->key);
    int ok = !strcmp(type, "ok");
    if (c->kind == 0)
        s_value(&c->rec);
    else if (c->kind == 1 && ok && c->rec.origin && !c->rec.tomb)
        s_value(&c->rec);
    else
        fputs("null", s_out);
    fprintf(s_out, ",\"node\":\"%s\"", s_names[c->node]);
    if (ok && c->rec.origin)
        fprintf(s_out, ",\"stamp\":\"%llu.%u\",\"origin\":\"%s\",\"seq\":%llu",
                (unsigned long long)hlc_ms(c->rec.stamp),
                hlc_logical(c->rec.stamp), s_names[c->rec.origin - 1],
                (unsigned long long)c->seq);
    if (!strcmp(type, "fail"))
        fputs(",\"error\":\"injected\"", s_out);
    else if (!strcmp(type, "info"))
        fputs(",\"error\":\"timeout\"", s_out);
    fputs("}\n", s_out);
}

static void s_invoke(gen_client_t *c, int id, int64_t t)
{
    double u = s_rand01();
    c->kind = u < 0.60 ? 1 : u < 0.95 ? 0 : 2;
    /* Half the operations go to the 100 hottest keys, for conflicts. */
    c->key = (int)(s_rand() % (s_rand01() < 0.5 ? 100 : NKEYS));
    c->node = c->kind == 1 ? (int)(s_rand() % NNODES) : id % NMASTERS;
    c->counter++;
    c->rec = (gen_rec_t){0};
    c->rec.client = id;
    c->rec.n = c->counter;
    c->seq = 0;
    c->invoked = t;
    int in_fault = t >= s_fault_start && t < s_fault_stop;
    double v = s_rand01();
    c->outcome = v < 0.002                                 ? 1
                 : (c->kind != 1 && in_fault && v < 0.022) ? 2
                                                           : 0;
    s_line(c, id, "invoke", t);
    const gen_done_t *d = &s_done[c->key];
    c->before = d->at < t ? d->max : d->before;
    if (c->kind == 1) {
        gen_rec_t r = s_state[c->node][c->key];
        if (r.origin)
            c->rec = r;
        else
            c->rec.origin = 0;
        c->seq = 0;
    } else if (c->outcome == 0 || (c->outcome == 2 && s_rand01() < 0.5)) {
        int m = c->node;
        c->rec.stamp =
            hlc_now(&s_hlc[m], s_wall_ms(t) + (m == 1 ? s_skew_ms : 0));
        c->rec.origin = (uint16_t)(m + 1);
        c->rec.tomb = c->kind == 2;
        c->seq = ++s_seq[m];
        s_apply(m, c->key, &c->rec);
        s_applied[m][m] = c->seq;
        s_send(m, c->key, c->seq, &c->rec, t);
    }
    int64_t lat = 200000 + (int64_t)(s_rand() % 1500000);
    c->state = C_BUSY;
    c->next = t + (c->outcome == 2 ? TIMEOUT_NS : lat);
}

/* An acknowledged write completes: is it an inversion, and the key's
 * newest completed write? */
static void s_acked(const gen_client_t *c)
{
    gen_done_t *d = &s_done[c->key];
    if (c->before.origin && s_newer(&c->before, &c->rec))
        s_inversions++;
    if (d->at != c->next) {
        d->before = d->max;
        d->at = c->next;
    }
    if (s_newer(&c->rec, &d->max))
        d->max = c->rec;
}

static void s_complete(gen_client_t *c, int id)
{
    static const char *const type[] = {"ok", "fail", "info"};
    if (c->kind == 1 && c->outcome == 2)
        c->outcome = 0;
    if (c->kind != 1 && c->outcome == 0)
        s_acked(c);
    s_line(c, id, type[c->outcome], c->next);
    c->state = C_IDLE;
    c->next += (int64_t)(s_rand() % 100000);
}

static void s_status(int64_t t)
{
    for (int n = 0; n < NNODES; n++)
        fprintf(s_out,
                "{\"t\":%lld,\"type\":\"status\",\"node\":\"%s\","
                "\"applied\":{\"m1\":%llu,\"m2\":%llu}}\n",
                (long long)t, s_names[n], (unsigned long long)s_applied[n][0],
                (unsigned long long)s_applied[n][1]);
}

static int s_key_cmp(const void *a, const void *b)
{
    char x[16], y[16];
    snprintf(x, sizeof x, "k%d", *(const int *)a);
    snprintf(y, sizeof y, "k%d", *(const int *)b);
    return strcmp(x, y);
}

static int s_dump(const char *dir, int node)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.dump", dir, s_names[node]);
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    static int order[NKEYS];
    for (int k = 0; k < NKEYS; k++)
        order[k] = k;
    qsort(order, NKEYS, sizeof *order, s_key_cmp);
    for (int i = 0; i < NKEYS; i++) {
        const gen_rec_t *r = &s_state[node][order[i]];
        if (!r->origin)
            continue;
        char key[16], val[64];
        int klen = snprintf(key, sizeof key, "k%d", order[i]);
        int vlen = snprintf(val, sizeof val, "c%d.%llu", r->client, r->n);
        record_t rec = {0};
        rec.flags = r->tomb ? RECORD_TOMBSTONE : 0;
        rec.stamp = r->stamp;
        rec.origin = r->origin;
        rec.value = (const uint8_t *)val;
        rec.vlen = r->tomb ? 0 : (uint32_t)vlen;
        dump_write_line(f, (const uint8_t *)key, (size_t)klen, &rec,
                        s_names[r->origin - 1]);
    }
    return fclose(f) == 0 ? 0 : -1;
}

/* The end of the run: heal (if the load ended first), load_end, the
 * last deliveries, a final status sample and converged. */
static void s_end_run(int64_t last, int fault_state)
{
    int64_t load_end = last + 1000000;
    if (fault_state == 1) {
        fprintf(s_out,
                "{\"t\":%lld,\"type\":\"fault\",\"action\":\"stop\",\"id\":1,"
                "\"fault\":\"partition\",\"nodes\":[\"m1\",\"m2\"],"
                "\"desc\":\"m1|m2 healed\"}\n",
                (long long)(last + 500000));
        s_fault_stop = last + 500000;
    }
    fprintf(s_out, "{\"t\":%lld,\"type\":\"run\",\"event\":\"load_end\"}\n",
            (long long)load_end);
    int64_t done = s_deliver(INT64_MAX);
    if (done < load_end)
        done = load_end;
    s_status(done + 1000000);
    fprintf(s_out, "{\"t\":%lld,\"type\":\"run\",\"event\":\"converged\"}\n",
            (long long)(done + 50000000));
}

static void s_usage(FILE *out)
{
    fprintf(out,
            "usage: mm-genhistory N OUTDIR [SEED [SKEW_MS]]\n"
            "\n"
            "Writes a synthetic history of N operations on two masters and "
            "two replicas,\n"
            "and their final dumps, into OUTDIR (history.jsonl, "
            "m1.dump ... r2.dump),\n"
            "to test and time mm-check without a cluster. SEED (default 1) "
            "fixes the\n"
            "run; SKEW_MS (default 0) sets m2's clock ahead of m1's. "
            "Prints\n"
            "\"realtime_inversions N\", the count mm-check must find.\n");
}

int main(int argc, char **argv)
{
    if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        s_usage(stdout);
        return 0;
    }
    if (argc < 3 || argc > 5) {
        s_usage(stderr);
        return 2;
    }
    long long nops = atoll(argv[1]);
    const char *dir = argv[2];
    unsigned long long seed = argc >= 4 ? strtoull(argv[3], NULL, 10) : 1;
    s_skew_ms = argc == 5 ? strtoull(argv[4], NULL, 10) : 0;
    if (nops < 1) {
        fprintf(stderr, "mm-genhistory: N must be at least 1\n");
        return 2;
    }
    if (mkdir(dir, 0777) < 0 && errno != EEXIST) {
        fprintf(stderr, "mm-genhistory: cannot create %s: %s\n", dir,
                strerror(errno));
        return 1;
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/history.jsonl", dir);
    if (!(s_out = fopen(path, "w"))) {
        fprintf(stderr, "mm-genhistory: cannot write %s: %s\n", path,
                strerror(errno));
        return 1;
    }
    static char buf[1 << 20];
    setvbuf(s_out, buf, _IOFBF, sizeof buf);
    s_rng = seed * 0x9e3779b97f4a7c15ull + 1;
    for (int n = 0; n < NNODES; n++)
        hlc_init(&s_hlc[n], HLC_MODE_HLC);
    for (int m = 0; m < NMASTERS; m++)
        for (int n = 0; n < NNODES; n++)
            if (n != m)
                s_links[s_nlinks++] = (gen_link_t){.from = m, .to = n};
    /* About 1.1 ms per operation and client: place the fault in the middle
     * fifth of the expected run. */
    int64_t expect = nops * 1100000 / NCLIENTS;
    s_fault_start = T0_NS + expect * 2 / 5;
    s_fault_stop = T0_NS + expect * 3 / 5;
    int fault_state = 0;
    static gen_client_t clients[NCLIENTS];
    for (int i = 0; i < NCLIENTS; i++)
        clients[i].next = T0_NS + i * 10000;
    int64_t next_sample = T0_NS, last = T0_NS;
    long long started = 0;
    int busy = 0;
    for (;;) {
        int who = -1;
        for (int i = 0; i < NCLIENTS; i++) {
            gen_client_t *c = &clients[i];
            if (c->state == C_IDLE && started >= nops)
                continue;
            if (who < 0 || c->next < clients[who].next)
                who = i;
        }
        if (who < 0)
            break;
        int64_t t = clients[who].next;
        while (next_sample <= t || (fault_state == 0 && s_fault_start <= t) ||
               (fault_state == 1 && s_fault_stop <= t)) {
            int64_t fe = fault_state == 0   ? s_fault_start
                         : fault_state == 1 ? s_fault_stop
                                            : INT64_MAX;
            if (fe <= next_sample) {
                s_deliver(fe);
                fprintf(s_out,
                        "{\"t\":%lld,\"type\":\"fault\",\"action\":\"%s\","
                        "\"id\":1,\"fault\":\"partition\",\"nodes\":[\"m1\","
                        "\"m2\"],\"desc\":\"m1|m2 %s\"}\n",
                        (long long)fe, fault_state ? "stop" : "start",
                        fault_state ? "healed" : "partitioned");
                fault_state++;
            } else {
                s_deliver(next_sample);
                s_status(next_sample);
                next_sample += SAMPLE_NS;
            }
        }
        s_deliver(t);
        gen_client_t *c = &clients[who];
        if (c->state == C_IDLE) {
            s_invoke(c, who, t);
            started++;
            busy++;
        } else {
            s_complete(c, who);
            busy--;
            last = t;
        }
    }
    (void)busy;
    s_end_run(last, fault_state);
    if (fclose(s_out) != 0) {
        fprintf(stderr, "mm-genhistory: error writing %s\n", path);
        return 1;
    }
    for (int n = 0; n < NNODES; n++)
        if (s_dump(dir, n) < 0) {
            fprintf(stderr, "mm-genhistory: cannot write the dump of %s\n",
                    s_names[n]);
            return 1;
        }
    for (int i = 0; i < s_nlinks; i++)
        free(s_links[i].v);
    printf("realtime_inversions %llu\n", s_inversions);
    return 0;
}
