/*
 * check.c - the history checker's core (see check.h; docs/metrics.md
 * defines every metric computed here, and this file is the only place they
 * are computed).
 *
 * How a check runs:
 *
 *  1. Parse. Each history line is one flat JSON object, read by a small
 *     parser that knows the few fields of docs/history.md. An invoke opens
 *     an operation; its completion is the oldest open operation of the same
 *     client with the same f and key (and, for a write, value). Keys and
 *     written values are interned, so a value read or dumped later names
 *     its write in O(1).
 *  2. Finals. Each dump line is matched to the write that produced it: by
 *     value (values are unique per run), or for a tombstone by its pair.
 *  3. Sweep. Acknowledged-write completions, read invocations and read
 *     completions are visited in time order. Per key, the acknowledged
 *     writes sorted by pair carry a segment tree of those completed so
 *     far, so "how many completed writes are newer than what this read
 *     returned, and which finished first" is O(log n). Per (client, key)
 *     we keep the client's latest own write and the newest pair it has
 *     read: read-your-writes and monotonic reads.
 *  4. Finals against the history: lost writes per node, divergence.
 *  5. Lag from status samples, windows, throughput, latency, thresholds.
 *
 * The checker orders pairs itself (s_pair_cmp) rather than calling lww.c:
 * it must not trust the code it judges.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "hist.h"
#include "hlc.h"
#include "mmclient.h"

#define NONE UINT32_MAX
/* A final tombstone made by a delete whose outcome was unknown (info). */
#define SRC_SOME_DELETE (UINT32_MAX - 1)
#define CLIENT_MAX (1 << 20)
#define JSON_DEPTH_MAX 32

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
} s_op_t;

typedef struct {
    uint32_t off, len; /* bytes in the arena, NUL-terminated there too */
    uint8_t flags;
    uint16_t del_origin; /* the highest pair of an ok delete, if any */
    mm_stamp_t del_stamp;
} s_key_t;

/* Open-addressing hash: stores indices; equality is the caller's. */
typedef struct {
    uint64_t *h;
    uint32_t *v;
    size_t cap, n;
} s_map_t;

typedef struct {
    uint32_t *v;
    uint32_t n, cap;
} s_u32vec_t;

typedef struct {
    int64_t t;
    uint32_t have; /* bit i: applied[i] was reported */
    uint64_t applied[MM_MAX_NODES];
} s_sample_t;

typedef struct {
    s_sample_t *v;
    size_t n, cap;
} s_samples_t;

typedef struct {
    check_window_t pub;
    int64_t start, stop; /* stop < 0: still open at the end */
} s_window_t;

typedef struct {
    mm_stamp_t stamp;
    uint64_t vhash;
    uint32_t src; /* the op that wrote it, NONE, or SRC_SOME_DELETE */
    uint16_t origin;
    uint8_t present, tomb;
} s_final_t;

typedef struct {
    int64_t t;
    uint32_t op;
    uint32_t kind; /* s_ev_kind: the order of events at equal times */
} s_ev_t;

enum { EV_READ_CHECK = 0, EV_WRITE_DONE = 1, EV_READ_DONE = 2 };

typedef struct {
    uint32_t own;     /* the client's latest acknowledged write of the key */
    uint32_t maxread; /* its read with the highest pair, completed */
} s_pk_t;

typedef struct {
    int64_t t;
    double lag_ms;
    uint8_t follower, origin;
} s_lag_t;

typedef struct {
    char *text;
    double t_s;
    uint32_t key;
} s_witness_t;

enum { TH_GE, TH_LE, TH_EQ, TH_LT, TH_GT };
static const char *const s_th_ops[] = {">=", "<=", "==", "<", ">"};

typedef struct {
    char metric[64];
    int op;
    double value;
    int is_default;
    int pass, null;
    double actual;
} s_threshold_t;

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
    s_op_t *ops;
    size_t nops, capops;
    char *arena;
    size_t narena, caparena;
    s_key_t *keys;
    size_t nkeys, capkeys;
    s_map_t keymap, valmap, pairmap;
    s_u32vec_t *clients; /* open operations, by client id */
    size_t nclients;
    s_window_t *win;
    size_t nwin, capwin;
    s_samples_t samples[MM_MAX_NODES];
    int64_t t_min, t_max;
    int have_t;
    int64_t load_end, converged;
    int have_load_end, have_converged;
    char *scratch;
    size_t capscratch;
    int sealed, finished;
    int line_kept; /* the current line was recorded despite a complaint */

    /* Dumps. */
    s_final_t *finals; /* [key * nnodes + node] */
    size_t capfinal_keys;
    uint32_t dumped; /* bit i: node i's dump was begun */
    int dump_node;

    /* Results. */
    check_results_t r;
    int64_t t0, first_invoke, last_done;
    s_threshold_t *th;
    size_t nth, capth;
    s_witness_t wit[CHECK_ANOMALIES][CHECK_WITNESS_MAX];
    size_t nwit[CHECK_ANOMALIES];
    s_lag_t *lag;
    size_t nlag, caplag;
    uint64_t (*buckets)[6];
    size_t nbuckets;
    hist_t h_lat[4]; /* [check_op_t], [3] = all ok ops, microseconds */
};

/* ---------------------------------------------------------------- utils */

static int s_err(char *err, size_t errlen, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int s_err(char *err, size_t errlen, int code, const char *fmt, ...)
{
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return code;
}

/* Grows *p (of *cap elements of size sz) to hold at least need. */
static int s_grow(void **p, size_t *cap, size_t need, size_t sz)
{
    if (need <= *cap)
        return 0;
    size_t n = *cap ? *cap : 16;
    while (n < need)
        n *= 2;
    void *q = realloc(*p, n * sz);
    if (!q)
        return -ENOMEM;
    *p = q;
    *cap = n;
    return 0;
}

static uint64_t s_hash(const void *p, size_t len)
{
    /* FNV-1a: short keys and values, so a byte loop is fast enough. */
    const unsigned char *b = p;
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < len; i++) {
        h ^= b[i];
        h *= 1099511628211ull;
    }
    return h;
}

static uint64_t s_mix(uint64_t x)
{
    /* splitmix64's finaliser: spreads any 64-bit key over the table. */
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebull;
    x ^= x >> 31;
    return x;
}

/* The pair order: stamp first, then the origin's node id. */
static int s_pair_cmp(mm_stamp_t sa, uint16_t oa, mm_stamp_t sb, uint16_t ob)
{
    if (sa != sb)
        return sa < sb ? -1 : 1;
    if (oa != ob)
        return oa < ob ? -1 : 1;
    return 0;
}

static int s_op_pair_cmp(const s_op_t *a, const s_op_t *b)
{
    return s_pair_cmp(a->stamp, a->origin, b->stamp, b->origin);
}

/* ----------------------------------------------------------------- maps */

typedef int (*s_eq_fn)(const check_t *c, uint32_t v, const void *probe);

static int s_map_init(s_map_t *m, size_t cap)
{
    m->h = malloc(cap * sizeof *m->h);
    m->v = malloc(cap * sizeof *m->v);
    if (!m->h || !m->v)
        return -ENOMEM;
    memset(m->v, 0xff, cap * sizeof *m->v);
    m->cap = cap;
    m->n = 0;
    return 0;
}

static void s_map_free(s_map_t *m)
{
    free(m->h);
    free(m->v);
    memset(m, 0, sizeof *m);
}

static void s_map_place(s_map_t *m, uint64_t h, uint32_t v)
{
    size_t mask = m->cap - 1;
    size_t i = (size_t)s_mix(h) & mask;
    while (m->v[i] != NONE)
        i = (i + 1) & mask;
    m->h[i] = h;
    m->v[i] = v;
    m->n++;
}

static int s_map_put(s_map_t *m, uint64_t h, uint32_t v)
{
    if ((m->n + 1) * 2 > m->cap) {
        s_map_t bigger;
        if (s_map_init(&bigger, m->cap * 2) < 0) {
            s_map_free(&bigger);
            return -ENOMEM;
        }
        for (size_t i = 0; i < m->cap; i++)
            if (m->v[i] != NONE)
                s_map_place(&bigger, m->h[i], m->v[i]);
        s_map_free(m);
        *m = bigger;
    }
    s_map_place(m, h, v);
    return 0;
}

/* The first stored index with hash h that eq accepts (eq NULL: any). */
static uint32_t s_map_get(const check_t *c, const s_map_t *m, uint64_t h,
                          s_eq_fn eq, const void *probe)
{
    size_t mask = m->cap - 1;
    for (size_t i = (size_t)s_mix(h) & mask;; i = (i + 1) & mask) {
        if (m->v[i] == NONE)
            return NONE;
        if (m->h[i] == h && (!eq || eq(c, m->v[i], probe)))
            return m->v[i];
    }
}

typedef struct {
    const char *s;
    size_t len;
} s_bytes_t;

static int s_key_eq(const check_t *c, uint32_t v, const void *probe)
{
    const s_bytes_t *b = probe;
    const s_key_t *k = &c->keys[v];
    return k->len == b->len && !memcmp(c->arena + k->off, b->s, b->len);
}

static int s_value_eq(const check_t *c, uint32_t v, const void *probe)
{
    const s_bytes_t *b = probe;
    const char *s = c->arena + c->ops[v].val;
    return strlen(s) == b->len && !memcmp(s, b->s, b->len);
}

typedef struct {
    mm_stamp_t stamp;
    uint16_t origin;
} s_pair_t;

static int s_pairop_eq(const check_t *c, uint32_t v, const void *probe)
{
    const s_pair_t *p = probe;
    return c->ops[v].stamp == p->stamp && c->ops[v].origin == p->origin;
}

static uint64_t s_pair_hash(mm_stamp_t stamp, uint16_t origin)
{
    return stamp * 31 + origin;
}

/* Copies bytes into the arena, NUL-terminated; the offset in *off. */
static int s_arena_add(check_t *c, const char *s, size_t len, uint32_t *off)
{
    if (c->narena + len + 1 > UINT32_MAX)
        return -ENOMEM;
    if (s_grow((void **)&c->arena, &c->caparena, c->narena + len + 1, 1) < 0)
        return -ENOMEM;
    memcpy(c->arena + c->narena, s, len);
    c->arena[c->narena + len] = '\0';
    *off = (uint32_t)c->narena;
    c->narena += len + 1;
    return 0;
}

static uint32_t s_key_find(const check_t *c, const char *s, size_t len)
{
    s_bytes_t b = {s, len};
    return s_map_get(c, &c->keymap, s_hash(s, len), s_key_eq, &b);
}

static int s_finals_fit(check_t *c, size_t nkeys);

/* The id of key s, interning it if new; NONE when out of memory. */
static uint32_t s_key_intern(check_t *c, const char *s, size_t len)
{
    uint64_t h = s_hash(s, len);
    s_bytes_t b = {s, len};
    uint32_t k = s_map_get(c, &c->keymap, h, s_key_eq, &b);
    if (k != NONE)
        return k;
    if (c->nkeys >= NONE - 2 || s_grow((void **)&c->keys, &c->capkeys,
                                       c->nkeys + 1, sizeof *c->keys) < 0)
        return NONE;
    s_key_t *key = &c->keys[c->nkeys];
    memset(key, 0, sizeof *key);
    if (s_arena_add(c, s, len, &key->off) < 0)
        return NONE;
    key->len = (uint32_t)len;
    if (s_map_put(&c->keymap, h, (uint32_t)c->nkeys) < 0)
        return NONE;
    c->nkeys++;
    if (c->sealed && s_finals_fit(c, c->nkeys) < 0)
        return NONE;
    return (uint32_t)(c->nkeys - 1);
}

/*
 * The write that produced value s of key k: an exact match, or the match
 * once the padding mm-load adds (--value-size: '.' bytes after the value)
 * is stripped. NONE if no write of k has that value.
 */
static uint32_t s_value_find(const check_t *c, uint32_t key, const char *s,
                             size_t len)
{
    for (int pass = 0; pass < 2; pass++) {
        if (pass == 1) {
            size_t n = len;
            while (n > 0 && s[n - 1] == '.')
                n--;
            if (n == len || n == 0)
                break;
            len = n;
        }
        s_bytes_t b = {s, len};
        uint32_t w = s_map_get(c, &c->valmap, s_hash(s, len), s_value_eq, &b);
        if (w != NONE)
            return c->ops[w].key == key ? w : NONE;
    }
    return NONE;
}

/* --------------------------------------------------------- construction */

check_t *check_new(const check_opts_t *o, char *err, size_t errlen)
{
    if (!o || o->nnodes < 1 || o->nnodes > MM_MAX_NODES) {
        s_err(err, errlen, MM_ERR_CONFIG, "need 1 to %d nodes", MM_MAX_NODES);
        return NULL;
    }
    for (int i = 0; i < o->nnodes; i++) {
        size_t n = o->nodes[i] ? strlen(o->nodes[i]) : 0;
        if (n == 0 || n >= CHECK_NAME_MAX) {
            s_err(err, errlen, MM_ERR_CONFIG, "bad node name '%s'",
                  o->nodes[i] ? o->nodes[i] : "");
            return NULL;
        }
        for (int j = 0; j < i; j++)
            if (!strcmp(o->nodes[i], o->nodes[j])) {
                s_err(err, errlen, MM_ERR_CONFIG, "node '%s' named twice",
                      o->nodes[i]);
                return NULL;
            }
    }
    check_t *c = calloc(1, sizeof *c);
    if (!c)
        goto fail;
    c->nnodes = o->nnodes;
    for (int i = 0; i < o->nnodes; i++)
        snprintf(c->names[i], CHECK_NAME_MAX, "%s", o->nodes[i]);
    snprintf(c->names[c->nnodes], CHECK_NAME_MAX, "coordinator");
    if (o->scenario) {
        snprintf(c->scenario, sizeof c->scenario, "%s", o->scenario);
        c->have_scenario = 1;
    }
    c->have_seed = o->have_seed;
    c->seed = o->seed;
    c->bucket_ns = (int64_t)(o->bucket_ms > 0 ? o->bucket_ms : 250) * 1000000;
    c->latency_rows = o->latency_rows > 0 ? (size_t)o->latency_rows : 50000;
    c->dump_node = -1;
    if (s_map_init(&c->keymap, 1024) < 0 || s_map_init(&c->valmap, 1024) < 0 ||
        s_map_init(&c->pairmap, 1024) < 0)
        goto fail;
    return c;
fail:
    s_err(err, errlen, -ENOMEM, "out of memory");
    check_destroy(&c);
    return NULL;
}

void check_destroy(check_t **cp)
{
    if (!cp || !*cp)
        return;
    check_t *c = *cp;
    free(c->ops);
    free(c->arena);
    free(c->keys);
    s_map_free(&c->keymap);
    s_map_free(&c->valmap);
    s_map_free(&c->pairmap);
    for (size_t i = 0; i < c->nclients; i++)
        free(c->clients[i].v);
    free(c->clients);
    free(c->win);
    for (int i = 0; i < MM_MAX_NODES; i++)
        free(c->samples[i].v);
    free(c->scratch);
    free(c->finals);
    free(c->th);
    for (int a = 0; a < CHECK_ANOMALIES; a++)
        for (size_t i = 0; i < c->nwit[a]; i++)
            free(c->wit[a][i].text);
    free(c->lag);
    free(c->buckets);
    free(c);
    *cp = NULL;
}

static int s_node_index(const check_t *c, const char *name)
{
    if (!name)
        return -1;
    for (int i = 0; i < c->nnodes; i++)
        if (!strcmp(c->names[i], name))
            return i;
    return -1;
}

/* An origin is a node name, or its id as a number (dumps may print ids). */
static int s_origin_id(const check_t *c, const char *s, uint16_t *out)
{
    int i = s_node_index(c, s);
    if (i >= 0) {
        *out = (uint16_t)(i + 1);
        return 0;
    }
    char *end;
    long v = s && *s ? strtol(s, &end, 10) : 0;
    if (s && *s && !*end && v >= 1 && v <= c->nnodes) {
        *out = (uint16_t)v;
        return 0;
    }
    return -1;
}

/* Parses "<ms>.<logical>" (or just "<ms>") into a stamp. */
static int s_stamp_parse(const char *s, mm_stamp_t *out)
{
    if (!s || *s < '0' || *s > '9')
        return -1;
    char *end;
    errno = 0;
    unsigned long long ms = strtoull(s, &end, 10);
    unsigned long logical = 0;
    if (*end == '.') {
        const char *l = end + 1;
        if (*l < '0' || *l > '9')
            return -1;
        logical = strtoul(l, &end, 10);
    }
    if (*end || errno || ms >> 48 || logical > HLC_LOGICAL_MAX)
        return -1;
    *out = hlc_make(ms, (uint32_t)logical);
    return 0;
}

/* ------------------------------------------------------ the JSON parser */

/*
 * One history line, as far as the checker cares. Strings point into the
 * checker's scratch area and are valid until the next line.
 */
typedef struct {
    int64_t t, p, id;
    int has_t, has_p, has_id, has_value;
    const char *type, *f, *key, *value, *node, *stamp, *origin;
    const char *action, *fault, *desc, *event;
    size_t key_len, value_len;
    int applied_null, has_applied, napplied;
    const char *aname[MM_MAX_NODES];
    uint64_t aval[MM_MAX_NODES];
} s_line_t;

typedef struct {
    const char *p, *end;
    char *w; /* the next free byte of the scratch area */
} s_json_t;

static void s_ws(s_json_t *j)
{
    while (j->p < j->end &&
           (*j->p == ' ' || *j->p == '\t' || *j->p == '\r' || *j->p == '\n'))
        j->p++;
}

static int s_eat(s_json_t *j, char ch)
{
    if (j->p < j->end && *j->p == ch) {
        j->p++;
        return 1;
    }
    return 0;
}

static int s_hex4(const char *p, const char *end, unsigned *out)
{
    unsigned v = 0;
    if (end - p < 4)
        return -1;
    for (int i = 0; i < 4; i++) {
        char ch = p[i];
        v <<= 4;
        if (ch >= '0' && ch <= '9')
            v |= (unsigned)(ch - '0');
        else if (ch >= 'a' && ch <= 'f')
            v |= (unsigned)(ch - 'a' + 10);
        else if (ch >= 'A' && ch <= 'F')
            v |= (unsigned)(ch - 'A' + 10);
        else
            return -1;
    }
    *out = v;
    return 0;
}

static void s_utf8(s_json_t *j, unsigned cp)
{
    if (cp < 0x80) {
        *j->w++ = (char)cp;
    } else if (cp < 0x800) {
        *j->w++ = (char)(0xc0 | cp >> 6);
        *j->w++ = (char)(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
        *j->w++ = (char)(0xe0 | cp >> 12);
        *j->w++ = (char)(0x80 | (cp >> 6 & 0x3f));
        *j->w++ = (char)(0x80 | (cp & 0x3f));
    } else {
        *j->w++ = (char)(0xf0 | cp >> 18);
        *j->w++ = (char)(0x80 | (cp >> 12 & 0x3f));
        *j->w++ = (char)(0x80 | (cp >> 6 & 0x3f));
        *j->w++ = (char)(0x80 | (cp & 0x3f));
    }
}

/*
 * Decodes the string at j->p into the scratch area, NUL-terminated. The
 * decoded form is never longer than the quoted one, so a scratch area one
 * byte longer than the line always suffices.
 */
static int s_jstr(s_json_t *j, const char **out, size_t *len)
{
    if (!s_eat(j, '"'))
        return -1;
    char *start = j->w;
    while (j->p < j->end) {
        char ch = *j->p++;
        if (ch == '"') {
            *len = (size_t)(j->w - start);
            *j->w++ = '\0';
            *out = start;
            return 0;
        }
        if ((unsigned char)ch < 0x20)
            return -1;
        if (ch != '\\') {
            *j->w++ = ch;
            continue;
        }
        if (j->p >= j->end)
            return -1;
        ch = *j->p++;
        switch (ch) {
        case '"':
        case '\\':
        case '/':
            *j->w++ = ch;
            break;
        case 'b':
            *j->w++ = '\b';
            break;
        case 'f':
            *j->w++ = '\f';
            break;
        case 'n':
            *j->w++ = '\n';
            break;
        case 'r':
            *j->w++ = '\r';
            break;
        case 't':
            *j->w++ = '\t';
            break;
        case 'u': {
            unsigned cp, lo;
            if (s_hex4(j->p, j->end, &cp) < 0)
                return -1;
            j->p += 4;
            if (cp >= 0xd800 && cp < 0xdc00 && j->end - j->p >= 6 &&
                j->p[0] == '\\' && j->p[1] == 'u' &&
                s_hex4(j->p + 2, j->end, &lo) == 0 && lo >= 0xdc00 &&
                lo < 0xe000) {
                cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                j->p += 6;
            }
            s_utf8(j, cp);
            break;
        }
        default:
            return -1;
        }
    }
    return -1;
}

static int s_is_num_char(char ch)
{
    return (ch >= '0' && ch <= '9') || ch == '-' || ch == '+' || ch == '.' ||
           ch == 'e' || ch == 'E';
}

/* A JSON number as an integer (a fraction is rounded). */
static int s_jint(s_json_t *j, int64_t *out)
{
    const char *p = j->p;
    int neg = 0;
    uint64_t v = 0;
    int digits = 0;
    if (p < j->end && *p == '-') {
        neg = 1;
        p++;
    }
    while (p < j->end && *p >= '0' && *p <= '9') {
        if (v > (UINT64_MAX - 9) / 10)
            return -1;
        v = v * 10 + (uint64_t)(*p - '0');
        p++;
        digits++;
    }
    if (!digits)
        return -1;
    if (p < j->end && (*p == '.' || *p == 'e' || *p == 'E')) {
        char buf[64];
        size_t n = 0;
        const char *q = j->p;
        while (q < j->end && s_is_num_char(*q) && n < sizeof buf - 1)
            buf[n++] = *q++;
        buf[n] = '\0';
        char *end;
        double d = strtod(buf, &end);
        if (*end || !(d > -9.2e18 && d < 9.2e18))
            return -1;
        *out = (int64_t)llround(d);
        j->p = q;
        return 0;
    }
    if (v > (uint64_t)INT64_MAX)
        return -1;
    *out = neg ? -(int64_t)v : (int64_t)v;
    j->p = p;
    return 0;
}

static int s_jlit(s_json_t *j, const char *lit)
{
    size_t n = strlen(lit);
    if ((size_t)(j->end - j->p) < n || memcmp(j->p, lit, n))
        return -1;
    j->p += n;
    return 0;
}

static int s_jskip(s_json_t *j, int depth)
{
    const char *s;
    size_t n;
    int64_t v;
    if (depth > JSON_DEPTH_MAX || j->p >= j->end)
        return -1;
    switch (*j->p) {
    case '"':
        return s_jstr(j, &s, &n);
    case 't':
        return s_jlit(j, "true");
    case 'f':
        return s_jlit(j, "false");
    case 'n':
        return s_jlit(j, "null");
    case '{':
    case '[': {
        char close = *j->p == '{' ? '}' : ']';
        int obj = close == '}';
        j->p++;
        s_ws(j);
        if (s_eat(j, close))
            return 0;
        for (;;) {
            s_ws(j);
            if (obj) {
                if (s_jstr(j, &s, &n) < 0)
                    return -1;
                s_ws(j);
                if (!s_eat(j, ':'))
                    return -1;
                s_ws(j);
            }
            if (s_jskip(j, depth + 1) < 0)
                return -1;
            s_ws(j);
            if (s_eat(j, ','))
                continue;
            return s_eat(j, close) ? 0 : -1;
        }
    }
    default:
        return s_jint(j, &v);
    }
}

/* A string, or null (*out NULL). */
static int s_jstr_or_null(s_json_t *j, const char **out, size_t *len)
{
    if (j->p < j->end && *j->p == 'n') {
        *out = NULL;
        *len = 0;
        return s_jlit(j, "null");
    }
    return s_jstr(j, out, len);
}

/* "applied": {"m1": 9321, "m2": null, ...} or null. */
static int s_japplied(s_json_t *j, s_line_t *L)
{
    L->has_applied = 1;
    if (j->p < j->end && *j->p == 'n') {
        L->applied_null = 1;
        return s_jlit(j, "null");
    }
    if (!s_eat(j, '{'))
        return -1;
    s_ws(j);
    if (s_eat(j, '}'))
        return 0;
    for (;;) {
        const char *name;
        size_t n;
        int64_t v;
        s_ws(j);
        if (s_jstr(j, &name, &n) < 0)
            return -1;
        s_ws(j);
        if (!s_eat(j, ':'))
            return -1;
        s_ws(j);
        if (j->p < j->end && *j->p == 'n') {
            if (s_jlit(j, "null") < 0)
                return -1;
        } else {
            if (s_jint(j, &v) < 0 || v < 0 || L->napplied >= MM_MAX_NODES)
                return -1;
            L->aname[L->napplied] = name;
            L->aval[L->napplied++] = (uint64_t)v;
        }
        s_ws(j);
        if (s_eat(j, ','))
            continue;
        return s_eat(j, '}') ? 0 : -1;
    }
}

static int s_jfield(s_json_t *j, s_line_t *L, const char *name)
{
    size_t n;
    if (!strcmp(name, "t")) {
        L->has_t = 1;
        return s_jint(j, &L->t);
    }
    if (!strcmp(name, "p")) {
        L->has_p = 1;
        return s_jint(j, &L->p);
    }
    if (!strcmp(name, "id")) {
        L->has_id = 1;
        return s_jint(j, &L->id);
    }
    if (!strcmp(name, "key"))
        return s_jstr_or_null(j, &L->key, &L->key_len);
    if (!strcmp(name, "value")) {
        L->has_value = 1;
        return s_jstr_or_null(j, &L->value, &L->value_len);
    }
    if (!strcmp(name, "stamp")) {
        if (j->p < j->end && *j->p != '"' && *j->p != 'n') {
            /* A bare number: keep its text, parsed like the string form. */
            char *start = j->w;
            while (j->p < j->end && s_is_num_char(*j->p))
                *j->w++ = *j->p++;
            *j->w++ = '\0';
            L->stamp = start;
            return 0;
        }
        return s_jstr_or_null(j, &L->stamp, &n);
    }
    if (!strcmp(name, "applied"))
        return s_japplied(j, L);
    const char **slot = !strcmp(name, "type")     ? &L->type
                        : !strcmp(name, "f")      ? &L->f
                        : !strcmp(name, "node")   ? &L->node
                        : !strcmp(name, "origin") ? &L->origin
                        : !strcmp(name, "action") ? &L->action
                        : !strcmp(name, "fault")  ? &L->fault
                        : !strcmp(name, "desc")   ? &L->desc
                        : !strcmp(name, "event")  ? &L->event
                                                  : NULL;
    if (slot)
        return s_jstr_or_null(j, slot, &n);
    return s_jskip(j, 1);
}

static int s_scratch(check_t *c, size_t need)
{
    return s_grow((void **)&c->scratch, &c->capscratch, need, 1);
}

static int s_parse_line(check_t *c, const char *line, size_t len, s_line_t *L,
                        char *err, size_t errlen)
{
    if (s_scratch(c, len + 64) < 0)
        return -ENOMEM;
    s_json_t j = {line, line + len, c->scratch};
    memset(L, 0, sizeof *L);
    s_ws(&j);
    if (!s_eat(&j, '{'))
        return s_err(err, errlen, MM_ERR_CORRUPT, "not a JSON object");
    s_ws(&j);
    if (!s_eat(&j, '}')) {
        for (;;) {
            const char *name;
            size_t n;
            s_ws(&j);
            if (s_jstr(&j, &name, &n) < 0)
                return s_err(err, errlen, MM_ERR_CORRUPT,
                             "expected a field name at column %d",
                             (int)(j.p - line) + 1);
            s_ws(&j);
            if (!s_eat(&j, ':'))
                return s_err(err, errlen, MM_ERR_CORRUPT,
                             "expected ':' after \"%s\"", name);
            s_ws(&j);
            if (s_jfield(&j, L, name) < 0)
                return s_err(err, errlen, MM_ERR_CORRUPT,
                             "bad value for \"%s\"", name);
            s_ws(&j);
            if (s_eat(&j, ','))
                continue;
            if (s_eat(&j, '}'))
                break;
            return s_err(err, errlen, MM_ERR_CORRUPT,
                         "expected ',' or '}' at column %d",
                         (int)(j.p - line) + 1);
        }
    }
    s_ws(&j);
    if (j.p != j.end)
        return s_err(err, errlen, MM_ERR_CORRUPT, "text after the object");
    return 0;
}

/* ------------------------------------------------------ history events */

static int s_op_kind(const char *f)
{
    if (!f)
        return -1;
    if (!strcmp(f, "write"))
        return CHECK_OP_WRITE;
    if (!strcmp(f, "read"))
        return CHECK_OP_READ;
    if (!strcmp(f, "delete"))
        return CHECK_OP_DELETE;
    return -1;
}

static int s_on_invoke(check_t *c, const s_line_t *L, int f, int node,
                       char *err, size_t errlen)
{
    if (f == CHECK_OP_WRITE && !L->value)
        return s_err(err, errlen, MM_ERR_CORRUPT,
                     "a write's invoke has no \"value\"");
    if ((size_t)L->p >= c->nclients) {
        size_t cap = c->nclients;
        if (s_grow((void **)&c->clients, &cap, (size_t)L->p + 1,
                   sizeof *c->clients) < 0)
            return -ENOMEM;
        memset(c->clients + c->nclients, 0,
               (cap - c->nclients) * sizeof *c->clients);
        c->nclients = cap;
    }
    s_u32vec_t *open = &c->clients[L->p];
    if (c->nops >= NONE - 2 ||
        s_grow((void **)&c->ops, &c->capops, c->nops + 1, sizeof *c->ops) < 0)
        return -ENOMEM;
    size_t cap = open->cap;
    if (s_grow((void **)&open->v, &cap, open->n + 1, sizeof *open->v) < 0)
        return -ENOMEM;
    open->cap = (uint32_t)cap;
    uint32_t key = s_key_intern(c, L->key, L->key_len);
    if (key == NONE)
        return -ENOMEM;
    uint32_t i = (uint32_t)c->nops;
    s_op_t *op = &c->ops[i];
    memset(op, 0, sizeof *op);
    op->t_inv = L->t;
    op->t_done = -1;
    op->key = key;
    op->val = NONE;
    op->src = NONE;
    op->p = (int32_t)L->p;
    op->f = (uint8_t)f;
    op->node = (uint8_t)node;
    op->out = OUT_OPEN;
    c->nops++;
    open->v[open->n++] = i;
    if (f != CHECK_OP_WRITE)
        return 0;
    if (s_arena_add(c, L->value, L->value_len, &op->val) < 0)
        return -ENOMEM;
    s_bytes_t b = {L->value, L->value_len};
    uint64_t h = s_hash(L->value, L->value_len);
    if (s_map_get(c, &c->valmap, h, s_value_eq, &b) != NONE) {
        op->flags |= OPF_DUPLICATE_VAL;
        c->line_kept = 1;
        return s_err(err, errlen, MM_ERR_CORRUPT,
                     "value \"%s\" was written before (values must be "
                     "unique); reads of it are matched to the first write",
                     L->value);
    }
    return s_map_put(&c->valmap, h, i);
}

static int s_on_complete(check_t *c, const s_line_t *L, int f, int out,
                         char *err, size_t errlen)
{
    s_u32vec_t *open = (size_t)L->p < c->nclients ? &c->clients[L->p] : NULL;
    uint32_t key = s_key_find(c, L->key, L->key_len);
    uint32_t at = NONE;
    for (uint32_t i = 0; open && key != NONE && i < open->n; i++) {
        const s_op_t *op = &c->ops[open->v[i]];
        if (op->f != f || op->key != key)
            continue;
        if (f == CHECK_OP_WRITE &&
            (!L->value || strcmp(c->arena + op->val, L->value)))
            continue;
        at = i;
        break;
    }
    if (at == NONE)
        return s_err(err, errlen, MM_ERR_CORRUPT,
                     "a completion with no open invoke of client %lld for "
                     "that key",
                     (long long)L->p);
    mm_stamp_t stamp = 0;
    uint16_t origin = 0;
    if (out == OUT_OK && (L->stamp || f != CHECK_OP_READ)) {
        if (s_stamp_parse(L->stamp, &stamp) < 0)
            return s_err(err, errlen, MM_ERR_CORRUPT,
                         "an ok %s needs a stamp \"<ms>.<logical>\"", L->f);
        if (s_origin_id(c, L->origin, &origin) < 0)
            return s_err(err, errlen, MM_ERR_CORRUPT,
                         "origin '%s' is not one of --nodes",
                         L->origin ? L->origin : "(none)");
    }
    uint32_t i = open->v[at];
    memmove(open->v + at, open->v + at + 1,
            (open->n - at - 1) * sizeof *open->v);
    open->n--;
    s_op_t *op = &c->ops[i];
    op->t_done = L->t;
    op->out = (uint8_t)out;
    if (out != OUT_OK)
        return 0;
    op->stamp = stamp;
    op->origin = origin;
    if (f == CHECK_OP_READ) {
        if (!L->value)
            op->flags |= OPF_VALUE_NULL;
        else
            op->src = s_value_find(c, key, L->value, L->value_len);
        return 0;
    }
    s_pair_t pr = {stamp, origin};
    uint64_t h = s_pair_hash(stamp, origin);
    if (s_map_get(c, &c->pairmap, h, s_pairop_eq, &pr) != NONE)
        return 0; /* keep the first write with this pair */
    return s_map_put(&c->pairmap, h, i);
}

static int s_on_op(check_t *c, const s_line_t *L, char *err, size_t errlen)
{
    int f = s_op_kind(L->f);
    if (f < 0)
        return s_err(err, errlen, MM_ERR_CORRUPT,
                     "\"f\" must be write, read or delete");
    if (!L->has_p || L->p < 0 || L->p >= CLIENT_MAX)
        return s_err(err, errlen, MM_ERR_CORRUPT,
                     "\"p\" must be a client id 0..%d", CLIENT_MAX - 1);
    if (!L->key)
        return s_err(err, errlen, MM_ERR_CORRUPT, "no \"key\"");
    int node = s_node_index(c, L->node);
    if (node < 0 && L->node && !strcmp(L->node, "coordinator"))
        node = c->nnodes;
    if (node < 0)
        return s_err(err, errlen, MM_ERR_CORRUPT,
                     "node '%s' is not one of --nodes",
                     L->node ? L->node : "(none)");
    if (!strcmp(L->type, "invoke"))
        return s_on_invoke(c, L, f, node, err, errlen);
    int out = !strcmp(L->type, "ok")     ? OUT_OK
              : !strcmp(L->type, "fail") ? OUT_FAIL
                                         : OUT_INFO;
    return s_on_complete(c, L, f, out, err, errlen);
}

static int s_on_status(check_t *c, const s_line_t *L, char *err, size_t errlen)
{
    int node = s_node_index(c, L->node);
    if (node < 0)
        return s_err(err, errlen, MM_ERR_CORRUPT,
                     "status of node '%s', which is not one of --nodes",
                     L->node ? L->node : "(none)");
    if (!L->has_applied)
        return s_err(err, errlen, MM_ERR_CORRUPT, "status has no \"applied\"");
    if (L->applied_null)
        return 0; /* the node did not answer: no sample */
    s_sample_t s = {.t = L->t};
    for (int i = 0; i < L->napplied; i++) {
        int o = s_node_index(c, L->aname[i]);
        if (o < 0)
            return s_err(err, errlen, MM_ERR_CORRUPT,
                         "applied names '%s', which is not one of --nodes",
                         L->aname[i]);
        s.have |= 1u << o;
        s.applied[o] = L->aval[i];
    }
    s_samples_t *v = &c->samples[node];
    if (s_grow((void **)&v->v, &v->cap, v->n + 1, sizeof *v->v) < 0)
        return -ENOMEM;
    v->v[v->n++] = s;
    return 0;
}

static int s_on_fault(check_t *c, const s_line_t *L, char *err, size_t errlen)
{
    if (!L->action || !L->has_id)
        return s_err(err, errlen, MM_ERR_CORRUPT,
                     "a fault needs \"action\" and \"id\"");
    s_window_t *open = NULL;
    for (size_t i = c->nwin; i-- > 0;)
        if (c->win[i].pub.id == L->id && c->win[i].stop < 0) {
            open = &c->win[i];
            break;
        }
    if (!strcmp(L->action, "start")) {
        if (open)
            return s_err(err, errlen, MM_ERR_CORRUPT,
                         "fault %lld started twice", (long long)L->id);
        if (s_grow((void **)&c->win, &c->capwin, c->nwin + 1, sizeof *c->win) <
            0)
            return -ENOMEM;
        s_window_t *w = &c->win[c->nwin++];
        memset(w, 0, sizeof *w);
        w->pub.id = L->id;
        snprintf(w->pub.fault, sizeof w->pub.fault, "%s",
                 L->fault ? L->fault : "");
        snprintf(w->pub.desc, sizeof w->pub.desc, "%s",
                 L->desc ? L->desc : (L->fault ? L->fault : ""));
        w->start = L->t;
        w->stop = -1;
        return 0;
    }
    if (!strcmp(L->action, "stop")) {
        if (!open)
            return s_err(err, errlen, MM_ERR_CORRUPT,
                         "fault %lld stopped but never started",
                         (long long)L->id);
        open->stop = L->t < open->start ? open->start : L->t;
        return 0;
    }
    return s_err(err, errlen, MM_ERR_CORRUPT,
                 "a fault's \"action\" must be start or stop");
}

static int s_on_run(check_t *c, const s_line_t *L, char *err, size_t errlen)
{
    if (!L->event)
        return s_err(err, errlen, MM_ERR_CORRUPT, "a run line needs \"event\"");
    if (!strcmp(L->event, "load_end") && !c->have_load_end) {
        c->load_end = L->t;
        c->have_load_end = 1;
    } else if (!strcmp(L->event, "converged") && !c->have_converged) {
        c->converged = L->t;
        c->have_converged = 1;
    }
    return 0; /* other run events are notes for the report */
}

int check_feed_history_line(check_t *c, const char *line, size_t len, char *err,
                            size_t errlen)
{
    if (c->sealed)
        return s_err(err, errlen, MM_ERR_STATE,
                     "history lines must all come before the dumps");
    while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
        len--;
    size_t k = 0;
    while (k < len && (line[k] == ' ' || line[k] == '\t'))
        k++;
    if (k == len)
        return 0;
    c->r.history_lines++;
    c->line_kept = 0;
    s_line_t L;
    int rc = s_parse_line(c, line, len, &L, err, errlen);
    if (rc == 0 && !L.has_t)
        rc = s_err(err, errlen, MM_ERR_CORRUPT, "no \"t\"");
    if (rc == 0 && !L.type)
        rc = s_err(err, errlen, MM_ERR_CORRUPT, "no \"type\"");
    if (rc == 0) {
        if (!strcmp(L.type, "invoke") || !strcmp(L.type, "ok") ||
            !strcmp(L.type, "fail") || !strcmp(L.type, "info"))
            rc = s_on_op(c, &L, err, errlen);
        else if (!strcmp(L.type, "status"))
            rc = s_on_status(c, &L, err, errlen);
        else if (!strcmp(L.type, "fault"))
            rc = s_on_fault(c, &L, err, errlen);
        else if (!strcmp(L.type, "run"))
            rc = s_on_run(c, &L, err, errlen);
        else
            rc = s_err(err, errlen, MM_ERR_CORRUPT, "unknown type \"%s\"",
                       L.type);
    }
    if (rc == -ENOMEM)
        return s_err(err, errlen, rc, "out of memory");
    if (rc == 0 || c->line_kept) {
        /* A kept line (even one with a complaint) moves the clock. */
        if (!c->have_t || L.t < c->t_min)
            c->t_min = L.t;
        if (!c->have_t || L.t > c->t_max)
            c->t_max = L.t;
        c->have_t = 1;
    }
    if (rc < 0)
        c->r.history_errors++;
    return rc < 0 ? MM_ERR_CORRUPT : 0;
}

/* --------------------------------------------------------------- dumps */

static int s_finals_fit(check_t *c, size_t nkeys)
{
    if (nkeys <= c->capfinal_keys)
        return 0;
    size_t n = c->capfinal_keys ? c->capfinal_keys : 1024;
    while (n < nkeys)
        n *= 2;
    size_t per = (size_t)c->nnodes;
    s_final_t *f = realloc(c->finals, n * per * sizeof *f);
    if (!f)
        return -ENOMEM;
    memset(f + c->capfinal_keys * per, 0,
           (n - c->capfinal_keys) * per * sizeof *f);
    c->finals = f;
    c->capfinal_keys = n;
    return 0;
}

static s_final_t *s_final(const check_t *c, uint32_t key, int node)
{
    return &c->finals[(size_t)key * (size_t)c->nnodes + (size_t)node];
}

/* Ends the history: what never completed has an unknown outcome. */
static int s_seal(check_t *c)
{
    if (c->sealed)
        return 0;
    c->sealed = 1;
    for (size_t p = 0; p < c->nclients; p++) {
        s_u32vec_t *open = &c->clients[p];
        for (uint32_t i = 0; i < open->n; i++) {
            s_op_t *op = &c->ops[open->v[i]];
            op->out = OUT_INFO;
            op->t_done = c->t_max > op->t_inv ? c->t_max : op->t_inv;
            op->flags |= OPF_UNFINISHED;
            c->r.unfinished++;
        }
        open->n = 0;
    }
    for (size_t i = 0; i < c->nops; i++) {
        const s_op_t *op = &c->ops[i];
        s_key_t *k = &c->keys[op->key];
        if (op->f != CHECK_OP_DELETE)
            continue;
        if (op->out == OUT_INFO)
            k->flags |= KEY_INFO_DELETE;
        if (op->out == OUT_OK &&
            (!(k->flags & KEY_OK_DELETE) ||
             s_pair_cmp(op->stamp, op->origin, k->del_stamp, k->del_origin) >
                 0)) {
            k->flags |= KEY_OK_DELETE;
            k->del_stamp = op->stamp;
            k->del_origin = op->origin;
        }
    }
    return s_finals_fit(c, c->nkeys);
}

int check_begin_dump(check_t *c, const char *node, char *err, size_t errlen)
{
    int n = s_node_index(c, node);
    if (n < 0)
        return s_err(err, errlen, MM_ERR_UNKNOWN,
                     "dump of node '%s', which is not one of --nodes",
                     node ? node : "(none)");
    if (c->dumped & (1u << n))
        return s_err(err, errlen, MM_ERR_STATE, "node %s dumped twice", node);
    if (s_seal(c) < 0)
        return s_err(err, errlen, -ENOMEM, "out of memory");
    c->dumped |= 1u << n;
    c->dump_node = n;
    return 0;
}

/* Which write made a final record: see docs/metrics.md, lost writes. */
static uint32_t s_final_source(const check_t *c, uint32_t key, int tomb,
                               const char *v, size_t vlen, mm_stamp_t stamp,
                               uint16_t origin)
{
    if (tomb) {
        s_pair_t pr = {stamp, origin};
        uint32_t d = s_map_get(c, &c->pairmap, s_pair_hash(stamp, origin),
                               s_pairop_eq, &pr);
        if (d != NONE && c->ops[d].key == key && c->ops[d].f == CHECK_OP_DELETE)
            return d;
        return (c->keys[key].flags & KEY_INFO_DELETE) ? SRC_SOME_DELETE : NONE;
    }
    uint32_t w = s_value_find(c, key, v, vlen);
    if (w != NONE && (c->ops[w].out == OUT_OK || c->ops[w].out == OUT_INFO))
        return w;
    return NONE;
}

int check_feed_dump_line(check_t *c, const char *line, size_t len, char *err,
                         size_t errlen)
{
    if (c->dump_node < 0)
        return s_err(err, errlen, MM_ERR_STATE, "no dump was begun");
    while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
        len--;
    if (len == 0)
        return 0;
    if (s_scratch(c, len + 1) < 0)
        return s_err(err, errlen, -ENOMEM, "out of memory");
    memcpy(c->scratch, line, len);
    c->scratch[len] = '\0';
    char *field[4];
    int nf = 0;
    char *s = c->scratch;
    field[nf++] = s;
    for (; *s; s++)
        if (*s == '\t') {
            *s = '\0';
            if (nf == 4) {
                nf = 5;
                break;
            }
            field[nf++] = s + 1;
        }
    int rc;
    mm_stamp_t stamp;
    uint16_t origin;
    long klen, vlen = 0;
    int tomb;
    if (nf != 4) {
        rc = s_err(err, errlen, MM_ERR_CORRUPT,
                   "a dump line has 4 tab-separated fields");
        goto bad;
    }
    tomb = !strcmp(field[1], "\\N");
    klen = dump_unescape(field[0]);
    if (!tomb)
        vlen = dump_unescape(field[1]);
    if (klen < 0 || vlen < 0) {
        rc = s_err(err, errlen, MM_ERR_CORRUPT, "a malformed escape");
        goto bad;
    }
    if (s_stamp_parse(field[2], &stamp) < 0 ||
        s_origin_id(c, field[3], &origin) < 0) {
        rc = s_err(err, errlen, MM_ERR_CORRUPT, "bad stamp '%s' or origin '%s'",
                   field[2], field[3]);
        goto bad;
    }
    uint32_t key = s_key_intern(c, field[0], (size_t)klen);
    if (key == NONE)
        return s_err(err, errlen, -ENOMEM, "out of memory");
    s_final_t *f = s_final(c, key, c->dump_node);
    if (f->present) {
        rc = s_err(err, errlen, MM_ERR_CORRUPT, "key '%s' appears twice",
                   field[0]);
        goto bad;
    }
    f->present = 1;
    f->tomb = (uint8_t)tomb;
    f->stamp = stamp;
    f->origin = origin;
    f->vhash = tomb ? 0 : s_hash(field[1], (size_t)vlen);
    f->src =
        s_final_source(c, key, tomb, field[1], (size_t)vlen, stamp, origin);
    return 0;
bad:
    c->r.dump_errors++;
    return rc;
}

/* ------------------------------------------------------------ sentences */

typedef struct {
    char b[1024];
    size_t n;
} s_sb_t;

static void s_sbf(s_sb_t *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void s_sbf(s_sb_t *s, const char *fmt, ...)
{
    if (s->n >= sizeof s->b - 1)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(s->b + s->n, sizeof s->b - s->n, fmt, ap);
    va_end(ap);
    if (n > 0)
        s->n += (size_t)n;
    if (s->n > sizeof s->b - 1)
        s->n = sizeof s->b - 1;
}

static double s_sec(const check_t *c, int64_t t)
{
    return (double)(t - c->t0) / 1e9;
}

static const char *s_key_name(const check_t *c, uint32_t k)
{
    return c->arena + c->keys[k].off;
}

static const char *s_origin_name(const check_t *c, uint16_t o)
{
    return o >= 1 && o <= c->nnodes ? c->names[o - 1] : "?";
}

static void s_sb_stamp(const check_t *c, s_sb_t *s, mm_stamp_t st, uint16_t o)
{
    s_sbf(s, "%llu.%u (%s)", (unsigned long long)hlc_ms(st), hlc_logical(st),
          s_origin_name(c, o));
}

/* "client 3 wrote k17=c3.17 at 2.10 s, acknowledged by m1 at 2.11 s" */
static void s_sb_write(const check_t *c, s_sb_t *s, uint32_t w)
{
    const s_op_t *op = &c->ops[w];
    const char *k = s_key_name(c, op->key);
    if (op->f == CHECK_OP_DELETE)
        s_sbf(s, "client %d deleted %s at %.2f s", op->p, k,
              s_sec(c, op->t_inv));
    else
        s_sbf(s, "client %d wrote %s=%s at %.2f s", op->p, k,
              c->arena + op->val, s_sec(c, op->t_inv));
    if (op->out == OUT_OK)
        s_sbf(s, ", acknowledged by %s at %.2f s", c->names[op->node],
              s_sec(c, op->t_done));
    else if (op->out == OUT_INFO)
        s_sbf(s, " on %s, with no answer (outcome unknown)",
              c->names[op->node]);
    else
        s_sbf(s, ", refused by %s", c->names[op->node]);
}

/*
 * What a read returned or a node ended with: the value and the write that
 * made it ("k17=c3.12, written at 1.90 s").
 */
static void s_sb_value(const check_t *c, s_sb_t *s, uint32_t key, uint32_t src,
                       int present, int tomb, mm_stamp_t st, uint16_t o)
{
    const char *k = s_key_name(c, key);
    if (!present) {
        s_sbf(s, "nothing (%s absent)", k);
    } else if (src == SRC_SOME_DELETE) {
        s_sbf(s, "a tombstone (%s deleted by a delete of unknown outcome)", k);
    } else if (src != NONE && c->ops[src].f == CHECK_OP_DELETE) {
        s_sbf(s, "a tombstone (%s deleted by client %d at %.2f s)", k,
              c->ops[src].p, s_sec(c, c->ops[src].t_inv));
    } else if (src != NONE) {
        s_sbf(s, "%s=%s, written at %.2f s", k, c->arena + c->ops[src].val,
              s_sec(c, c->ops[src].t_inv));
        if (c->ops[src].out == OUT_INFO)
            s_sbf(s, " by a write of unknown outcome");
    } else if (tomb) {
        s_sbf(s, "a tombstone of %s that no known delete made, stamp ", k);
        s_sb_stamp(c, s, st, o);
    } else {
        s_sbf(s, "a value of %s that no known write produced, stamp ", k);
        s_sb_stamp(c, s, st, o);
    }
}

static void s_sb_read_value(const check_t *c, s_sb_t *s, uint32_t r)
{
    const s_op_t *op = &c->ops[r];
    int present = op->stamp != 0 || op->origin != 0;
    s_sb_value(c, s, op->key, op->src, present,
               (op->flags & OPF_VALUE_NULL) != 0, op->stamp, op->origin);
}

static void s_witness(check_t *c, check_anomaly_t a, const s_sb_t *s, int64_t t,
                      uint32_t key)
{
    if (c->nwit[a] >= CHECK_WITNESS_MAX)
        return;
    char *text = malloc(s->n + 1);
    if (!text)
        return; /* a witness is an illustration: skip it under pressure */
    memcpy(text, s->b, s->n);
    text[s->n] = '\0';
    s_witness_t *w = &c->wit[a][c->nwit[a]++];
    w->text = text;
    w->t_s = s_sec(c, t);
    w->key = key;
}

/* ---------------------------------------------------------------- sweep */

/* The ok writes and deletes of each key, in invoke order. */
typedef struct {
    uint32_t *start; /* [nkeys + 1] */
    uint32_t *ops;
} s_bykey_t;

static const check_t *s_sort_ctx;

static int s_inv_cmp(const void *a, const void *b)
{
    const s_op_t *x = &s_sort_ctx->ops[*(const uint32_t *)a];
    const s_op_t *y = &s_sort_ctx->ops[*(const uint32_t *)b];
    if (x->t_inv != y->t_inv)
        return x->t_inv < y->t_inv ? -1 : 1;
    return *(const uint32_t *)a < *(const uint32_t *)b ? -1 : 1;
}

static int s_bykey(const check_t *c, s_bykey_t *b)
{
    b->start = calloc(c->nkeys + 1, sizeof *b->start);
    size_t n = 0;
    for (size_t i = 0; i < c->nops; i++)
        if (c->ops[i].out == OUT_OK && c->ops[i].f != CHECK_OP_READ) {
            n++;
            if (b->start)
                b->start[c->ops[i].key + 1]++;
        }
    b->ops = malloc((n ? n : 1) * sizeof *b->ops);
    if (!b->start || !b->ops)
        return -ENOMEM;
    for (size_t k = 0; k < c->nkeys; k++)
        b->start[k + 1] += b->start[k];
    uint32_t *fill = malloc((c->nkeys + 1) * sizeof *fill);
    if (!fill)
        return -ENOMEM;
    memcpy(fill, b->start, (c->nkeys + 1) * sizeof *fill);
    for (uint32_t i = 0; i < c->nops; i++)
        if (c->ops[i].out == OUT_OK && c->ops[i].f != CHECK_OP_READ)
            b->ops[fill[c->ops[i].key]++] = i;
    free(fill);
    /* Ops are numbered in invoke-line order; sort only if lines were not. */
    s_sort_ctx = c;
    for (size_t k = 0; k < c->nkeys; k++) {
        uint32_t *v = b->ops + b->start[k];
        size_t m = b->start[k + 1] - b->start[k];
        for (size_t i = 1; i < m; i++)
            if (c->ops[v[i - 1]].t_inv > c->ops[v[i]].t_inv) {
                qsort(v, m, sizeof *v, s_inv_cmp);
                break;
            }
    }
    return 0;
}

static int s_pair_sort_cmp(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    int cmp = s_op_pair_cmp(&s_sort_ctx->ops[x], &s_sort_ctx->ops[y]);
    return cmp ? cmp : (x < y ? -1 : x > y);
}

static int s_ev_cmp(const void *a, const void *b)
{
    const s_ev_t *x = a, *y = b;
    if (x->t != y->t)
        return x->t < y->t ? -1 : 1;
    if (x->kind != y->kind)
        return x->kind < y->kind ? -1 : 1;
    return x->op < y->op ? -1 : x->op > y->op;
}

/*
 * The stale-read index of one key. Its acknowledged writes are all known
 * before the sweep, so they are sorted by pair once; over those positions a
 * segment tree holds, for the writes completed so far, how many there are
 * and which completed first. "Completed writes newer than this read" is the
 * range above the read's pair: O(log n), however far behind the read is.
 */
typedef struct {
    uint32_t n;     /* completed writes in the range */
    uint32_t first; /* the one that completed earliest, or NONE */
} s_seg_t;

static s_seg_t s_seg_join(const check_t *c, s_seg_t a, s_seg_t b)
{
    s_seg_t r = {a.n + b.n, a.first};
    if (b.first != NONE &&
        (a.first == NONE || c->ops[b.first].t_done < c->ops[a.first].t_done ||
         (c->ops[b.first].t_done == c->ops[a.first].t_done &&
          b.first < a.first)))
        r.first = b.first;
    return r;
}

/* Marks position pos (of m) of tree t completed by op. */
static void s_seg_set(const check_t *c, s_seg_t *t, uint32_t m, uint32_t pos,
                      uint32_t op)
{
    uint32_t i = pos + m;
    t[i] = (s_seg_t){1, op};
    for (i >>= 1; i >= 1; i >>= 1)
        t[i] = s_seg_join(c, t[2 * i], t[2 * i + 1]);
}

/* The completed writes at positions [l, r) of tree t. */
static s_seg_t s_seg_query(const check_t *c, const s_seg_t *t, uint32_t m,
                           uint32_t l, uint32_t r)
{
    s_seg_t res = {0, NONE};
    for (l += m, r += m; l < r; l >>= 1, r >>= 1) {
        if (l & 1)
            res = s_seg_join(c, res, t[l++]);
        if (r & 1)
            res = s_seg_join(c, res, t[--r]);
    }
    return res;
}

/* The first of the m writes v (sorted by pair) whose pair is above. */
static uint32_t s_upper(const check_t *c, const uint32_t *v, uint32_t m,
                        mm_stamp_t st, uint16_t o)
{
    uint32_t lo = 0, hi = m;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        const s_op_t *w = &c->ops[v[mid]];
        if (s_pair_cmp(w->stamp, w->origin, st, o) <= 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static s_pk_t *s_pk(s_map_t *m, s_pk_t **pks, size_t *npk, size_t *cappk,
                    int32_t p, uint32_t key)
{
    uint64_t h = (uint64_t)(uint32_t)p << 32 | key;
    uint32_t i = s_map_get(NULL, m, h, NULL, NULL);
    if (i != NONE)
        return &(*pks)[i];
    if (s_grow((void **)pks, cappk, *npk + 1, sizeof **pks) < 0 ||
        s_map_put(m, h, (uint32_t)*npk) < 0)
        return NULL;
    s_pk_t *pk = &(*pks)[(*npk)++];
    pk->own = NONE;
    pk->maxread = NONE;
    return pk;
}

/* Read r is behind n completed writes, the earliest-completed being w. */
static void s_on_stale(check_t *c, uint32_t r, uint32_t n, uint32_t w,
                       hist_t *hv, hist_t *hms)
{
    s_op_t *op = &c->ops[r];
    int64_t behind_ns = op->t_inv - c->ops[w].t_done;
    op->flags |= OPF_STALE;
    c->r.stale_reads++;
    hist_add(hv, n);
    hist_add(hms, (uint64_t)(behind_ns / 1000));
    if (c->nwit[CHECK_STALE_READ] >= CHECK_WITNESS_MAX)
        return;
    s_sb_t s = {.n = 0};
    s_sb_write(c, &s, w);
    s_sbf(&s, "; client %d read %s at %.2f s on %s and got ", op->p,
          s_key_name(c, op->key), s_sec(c, op->t_inv), c->names[op->node]);
    s_sb_read_value(c, &s, r);
    s_sbf(&s, ": %u newer acknowledged write%s, %.1f ms behind.", (unsigned)n,
          n == 1 ? "" : "s", (double)behind_ns / 1e6);
    s_witness(c, CHECK_STALE_READ, &s, op->t_inv, op->key);
}

static void s_on_ryw(check_t *c, uint32_t r, uint32_t own)
{
    const s_op_t *op = &c->ops[r];
    c->r.ryw_violations++;
    if (c->nwit[CHECK_RYW_VIOLATION] >= CHECK_WITNESS_MAX)
        return;
    s_sb_t s = {.n = 0};
    s_sb_write(c, &s, own);
    s_sbf(&s, "; the same client then read %s at %.2f s on %s and got ",
          s_key_name(c, op->key), s_sec(c, op->t_inv), c->names[op->node]);
    s_sb_read_value(c, &s, r);
    s_sbf(&s, ", older than its own write.");
    s_witness(c, CHECK_RYW_VIOLATION, &s, op->t_inv, op->key);
}

static void s_on_monotonic(check_t *c, uint32_t r, uint32_t r0)
{
    const s_op_t *op = &c->ops[r], *old = &c->ops[r0];
    c->r.monotonic_read_violations++;
    if (c->nwit[CHECK_MONOTONIC_READ_VIOLATION] >= CHECK_WITNESS_MAX)
        return;
    s_sb_t s = {.n = 0};
    s_sbf(&s, "client %d read %s at %.2f s on %s and got ", op->p,
          s_key_name(c, op->key), s_sec(c, old->t_inv), c->names[old->node]);
    s_sb_read_value(c, &s, r0);
    s_sbf(&s, "; the same client then read %s at %.2f s on %s and got ",
          s_key_name(c, op->key), s_sec(c, op->t_inv), c->names[op->node]);
    s_sb_read_value(c, &s, r);
    s_sbf(&s, ": an older version after a newer one.");
    s_witness(c, CHECK_MONOTONIC_READ_VIOLATION, &s, op->t_inv, op->key);
}

/*
 * Stale reads, read-your-writes, monotonic reads and the longest write gap,
 * in one pass over the events in time order. b lists each key's ok writes.
 */
static int s_sweep(check_t *c, const s_bykey_t *b)
{
    int rc = -ENOMEM;
    size_t total = b->start[c->nkeys], nev = 0, npk = 0, cappk = 0;
    uint32_t *byp = malloc((total ? total : 1) * sizeof *byp);
    uint32_t *rank = malloc((c->nops ? c->nops : 1) * sizeof *rank);
    s_seg_t *seg = malloc((2 * total + 1) * sizeof *seg);
    s_ev_t *ev = NULL;
    s_map_t pkmap = {0};
    s_pk_t *pks = NULL;
    hist_t *hv = calloc(2, sizeof *hv), *hms = hv ? hv + 1 : NULL;
    for (size_t i = 0; i < c->nops; i++)
        if (c->ops[i].out == OUT_OK)
            nev += c->ops[i].f == CHECK_OP_READ ? 2 : 1;
    ev = malloc((nev ? nev : 1) * sizeof *ev);
    if (!byp || !rank || !seg || !ev || !hv || s_map_init(&pkmap, 1024) < 0)
        goto fail;
    for (size_t i = 0; i < 2 * total + 1; i++)
        seg[i] = (s_seg_t){0, NONE};
    memcpy(byp, b->ops, total * sizeof *byp);
    s_sort_ctx = c;
    for (size_t k = 0; k < c->nkeys; k++) {
        uint32_t *v = byp + b->start[k];
        uint32_t m = b->start[k + 1] - b->start[k];
        if (m > 1)
            qsort(v, m, sizeof *v, s_pair_sort_cmp);
        for (uint32_t i = 0; i < m; i++)
            rank[v[i]] = i;
    }
    size_t n = 0;
    for (uint32_t i = 0; i < c->nops; i++) {
        const s_op_t *op = &c->ops[i];
        if (op->out != OUT_OK)
            continue;
        if (op->f == CHECK_OP_READ) {
            ev[n++] = (s_ev_t){op->t_inv, i, EV_READ_CHECK};
            ev[n++] = (s_ev_t){op->t_done, i, EV_READ_DONE};
        } else {
            ev[n++] = (s_ev_t){op->t_done, i, EV_WRITE_DONE};
        }
    }
    int sorted = 1;
    for (size_t i = 1; i < n && sorted; i++)
        sorted = s_ev_cmp(&ev[i - 1], &ev[i]) <= 0;
    if (!sorted)
        qsort(ev, n, sizeof *ev, s_ev_cmp);

    /* The longest gap between ok write completions in [first, end]. */
    int64_t end = c->have_load_end ? c->load_end : c->last_done;
    int64_t prev = c->first_invoke, gap = 0, gap_at = c->first_invoke;

    for (size_t e = 0; e < n; e++) {
        uint32_t i = ev[e].op;
        s_op_t *op = &c->ops[i];
        uint32_t start = b->start[op->key];
        uint32_t m = b->start[op->key + 1] - start;
        s_seg_t *tree = seg + 2 * (size_t)start;
        s_pk_t *pk = s_pk(&pkmap, &pks, &npk, &cappk, op->p, op->key);
        if (!pk)
            goto fail;
        if (ev[e].kind == EV_WRITE_DONE) {
            s_seg_set(c, tree, m, rank[i], i);
            pk->own = i;
            if (op->t_done >= c->first_invoke && op->t_done <= end) {
                if (op->t_done - prev > gap) {
                    gap = op->t_done - prev;
                    gap_at = prev;
                }
                prev = op->t_done;
            }
        } else if (ev[e].kind == EV_READ_DONE) {
            if (pk->maxread == NONE ||
                s_op_pair_cmp(op, &c->ops[pk->maxread]) > 0)
                pk->maxread = i;
        } else {
            /* EV_READ_CHECK: the state when the read was invoked. */
            uint32_t ub = s_upper(c, byp + start, m, op->stamp, op->origin);
            s_seg_t q = s_seg_query(c, tree, m, ub, m);
            if (q.n > 0)
                s_on_stale(c, i, q.n, q.first, hv, hms);
            if (pk->own != NONE && s_op_pair_cmp(op, &c->ops[pk->own]) < 0)
                s_on_ryw(c, i, pk->own);
            if (pk->maxread != NONE &&
                s_op_pair_cmp(op, &c->ops[pk->maxread]) < 0)
                s_on_monotonic(c, i, pk->maxread);
        }
    }
    if (end >= prev && end - prev > gap) {
        gap = end - prev;
        gap_at = prev;
    }
    c->r.longest_write_gap_ms = c->nops ? (double)gap / 1e6 : NAN;
    c->r.longest_write_gap_start_s = c->nops ? s_sec(c, gap_at) : NAN;
    c->r.stale_versions_p50 = (double)hist_quantile(hv, 0.5);
    c->r.stale_versions_max = (double)hv->max;
    c->r.stale_ms_p50 = (double)hist_quantile(hms, 0.5) / 1000.0;
    c->r.stale_ms_max = (double)hms->max / 1000.0;
    rc = 0;
fail:
    free(byp);
    free(rank);
    free(seg);
    free(ev);
    free(pks);
    s_map_free(&pkmap);
    free(hv);
    return rc;
}

/* -------------------------------------------------- finals and history */

/*
 * Acknowledged writes that lost to a write from another client whose
 * [invoke, complete] interval overlapped theirs: LWW's ordinary price,
 * reported as information.
 */
static void s_overwritten(check_t *c, const s_bykey_t *b)
{
    for (size_t k = 0; k < c->nkeys; k++) {
        const uint32_t *v = b->ops + b->start[k];
        size_t m = b->start[k + 1] - b->start[k];
        for (size_t i = 0; i < m; i++) {
            s_op_t *w = &c->ops[v[i]];
            for (size_t j = i + 1; j < m && c->ops[v[j]].t_inv <= w->t_done;
                 j++) {
                s_op_t *y = &c->ops[v[j]];
                if (y->p == w->p)
                    continue;
                int wl = s_op_pair_cmp(w, y) < 0;
                uint32_t loser = wl ? v[i] : v[j], winner = wl ? v[j] : v[i];
                s_op_t *l = &c->ops[loser];
                if (l->flags & OPF_OVERWRITTEN)
                    continue;
                l->flags |= OPF_OVERWRITTEN;
                c->r.overwritten_concurrent++;
                if (c->nwit[CHECK_OVERWRITTEN_CONCURRENT] >= CHECK_WITNESS_MAX)
                    continue;
                s_sb_t s = {.n = 0};
                s_sb_write(c, &s, loser);
                s_sbf(&s, ", while ");
                s_sb_write(c, &s, winner);
                s_sbf(&s, "; the two overlapped and LWW kept the one with "
                          "the higher stamp, ");
                s_sb_stamp(c, &s, c->ops[winner].stamp, c->ops[winner].origin);
                s_sbf(&s, ".");
                s_witness(c, CHECK_OVERWRITTEN_CONCURRENT, &s, l->t_inv,
                          l->key);
            }
        }
    }
}

enum { LOST_NONE = 0, LOST_MISSING = 1, LOST_STALE = 2, LOST_RT = 3 };

/* The first class of lost write that w falls in against final f. */
static int s_lost_class(const check_t *c, const s_op_t *w, const s_final_t *f)
{
    if (!f->present) {
        /* Absence is a tombstone whose pair we do not know: fine if a
         * delete may have removed w (a later acknowledged delete, or a
         * delete of unknown outcome), or w is itself a delete. */
        const s_key_t *k = &c->keys[w->key];
        if (w->f == CHECK_OP_DELETE || (k->flags & KEY_INFO_DELETE))
            return LOST_NONE;
        if ((k->flags & KEY_OK_DELETE) &&
            s_pair_cmp(k->del_stamp, k->del_origin, w->stamp, w->origin) > 0)
            return LOST_NONE;
        return LOST_MISSING;
    }
    if (f->src == NONE)
        return LOST_MISSING;
    int cmp = s_pair_cmp(f->stamp, f->origin, w->stamp, w->origin);
    if (cmp < 0)
        return LOST_STALE;
    if (cmp > 0 && f->src != SRC_SOME_DELETE) {
        const s_op_t *x = &c->ops[f->src];
        if (x->out == OUT_OK && x->t_done < w->t_inv)
            return LOST_RT;
    }
    return LOST_NONE;
}

static void s_lost_witness(check_t *c, int cls, uint32_t w, int node,
                           const s_final_t *f)
{
    static const check_anomaly_t type[] = {CHECK_ANOMALIES, CHECK_LOST_MISSING,
                                           CHECK_LOST_STALE_FINAL,
                                           CHECK_LOST_REALTIME_REORDERED};
    const s_op_t *op = &c->ops[w];
    const char *k = s_key_name(c, op->key);
    if (c->nwit[type[cls]] >= CHECK_WITNESS_MAX)
        return;
    s_sb_t s = {.n = 0};
    if (cls == LOST_RT) {
        s_sb_write(c, &s, f->src);
        s_sbf(&s, "; ");
        s_sb_write(c, &s, w);
        s_sbf(&s, ", after that write had finished; yet %s ends with ",
              c->names[node]);
        s_sb_value(c, &s, op->key, f->src, 1, f->tomb, f->stamp, f->origin);
        s_sbf(&s, ", because its stamp ");
        s_sb_stamp(c, &s, f->stamp, f->origin);
        s_sbf(&s, " is higher than ");
        s_sb_stamp(c, &s, op->stamp, op->origin);
        s_sbf(&s, ".");
    } else {
        s_sb_write(c, &s, w);
        if (!f->present) {
            s_sbf(&s, "; at the end %s has no %s at all.", c->names[node], k);
        } else {
            s_sbf(&s, "; at the end %s holds ", c->names[node]);
            s_sb_value(c, &s, op->key, f->src, 1, f->tomb, f->stamp, f->origin);
            if (cls == LOST_STALE) {
                s_sbf(&s, ", whose stamp ");
                s_sb_stamp(c, &s, f->stamp, f->origin);
                s_sbf(&s, " is older than the acknowledged ");
                s_sb_stamp(c, &s, op->stamp, op->origin);
                s_sbf(&s, ": the acknowledged write is gone.");
            } else {
                s_sbf(&s, ".");
            }
        }
    }
    s_witness(c, type[cls], &s, op->t_inv, op->key);
}

/* Counts lost writes on one node; marks and explains them if record. */
static void s_lost_on(check_t *c, const s_bykey_t *b, int node, int record,
                      uint64_t out[4])
{
    memset(out, 0, 4 * sizeof *out);
    for (uint32_t k = 0; k < c->nkeys; k++) {
        const s_final_t *f = s_final(c, k, node);
        for (uint32_t i = b->start[k]; i < b->start[k + 1]; i++) {
            uint32_t w = b->ops[i];
            int cls = s_lost_class(c, &c->ops[w], f);
            if (cls == LOST_NONE)
                continue;
            out[0]++;
            out[cls]++;
            if (record) {
                c->ops[w].flags |= OPF_LOST;
                s_lost_witness(c, cls, w, node, f);
            }
        }
    }
}

static int s_final_eq(const s_final_t *a, const s_final_t *b)
{
    if (a->present != b->present)
        return 0;
    return !a->present || (a->tomb == b->tomb && a->stamp == b->stamp &&
                           a->origin == b->origin && a->vhash == b->vhash);
}

static void s_divergence(check_t *c)
{
    for (uint32_t k = 0; k < c->nkeys; k++) {
        int ref = -1, differ = 0;
        for (int n = 0; n < c->nnodes && !differ; n++) {
            if (!(c->dumped & (1u << n)))
                continue;
            if (ref < 0)
                ref = n;
            else
                differ = !s_final_eq(s_final(c, k, ref), s_final(c, k, n));
        }
        if (!differ)
            continue;
        c->r.divergent_keys++;
        if (c->nwit[CHECK_DIVERGENT_KEY] >= CHECK_WITNESS_MAX)
            continue;
        /* Group the nodes that agree: "m1, m2 hold ...; r1 holds ...". */
        s_sb_t s = {.n = 0};
        s_sbf(&s, "at the end %s differs between nodes:", s_key_name(c, k));
        uint32_t done = 0;
        for (int n = 0; n < c->nnodes; n++) {
            if (!(c->dumped & (1u << n)) || (done & (1u << n)))
                continue;
            const s_final_t *f = s_final(c, k, n);
            int count = 0;
            for (int m = n; m < c->nnodes; m++)
                if ((c->dumped & (1u << m)) && !(done & (1u << m)) &&
                    s_final_eq(f, s_final(c, k, m))) {
                    done |= 1u << m;
                    s_sbf(&s, "%s%s", count++ ? ", " : (n == ref ? " " : "; "),
                          c->names[m]);
                }
            s_sbf(&s, " %s ", count > 1 ? "hold" : "holds");
            s_sb_value(c, &s, k, f->src, f->present, f->tomb, f->stamp,
                       f->origin);
        }
        s_sbf(&s, ".");
        s_witness(c, CHECK_DIVERGENT_KEY, &s, c->t_max, k);
    }
}

/* ------------------------------------------------------------------ lag */

static int s_lag_add(check_t *c, int64_t t, double ms, int f, int o)
{
    if (s_grow((void **)&c->lag, &c->caplag, c->nlag + 1, sizeof *c->lag) < 0)
        return -ENOMEM;
    c->lag[c->nlag++] = (s_lag_t){t, ms, (uint8_t)f, (uint8_t)o};
    return 0;
}

/*
 * Replication lag from status samples, by interpolation: between two
 * samples of origin o, o's applied[o] is taken to grow linearly. For a
 * follower sample at time t holding a = applied[o], the lag is t minus the
 * time o reached a, or 0 if by then o had nothing newer. Sampling every
 * 200 ms thus still resolves lags of a few milliseconds.
 */
static int s_lag(check_t *c, hist_t *h)
{
    for (int o = 0; o < c->nnodes; o++) {
        const s_samples_t *so = &c->samples[o];
        /* o's own series: (t, applied[o]), non-decreasing. */
        size_t n = 0;
        int64_t *ot = malloc((so->n + 1) * sizeof *ot);
        uint64_t *ov = malloc((so->n + 1) * sizeof *ov);
        if (!ot || !ov) {
            free(ot);
            free(ov);
            return -ENOMEM;
        }
        for (size_t i = 0; i < so->n; i++) {
            if (!(so->v[i].have >> o & 1))
                continue;
            uint64_t v = so->v[i].applied[o];
            ot[n] = so->v[i].t;
            ov[n] = n && ov[n - 1] > v ? ov[n - 1] : v;
            n++;
        }
        if (n < 2 || ov[n - 1] == 0) {
            free(ot);
            free(ov);
            continue; /* not an origin, or too few samples */
        }
        for (int f = 0; f < c->nnodes; f++) {
            const s_samples_t *sf = &c->samples[f];
            if (f == o)
                continue;
            size_t k = 0; /* first o sample at or after the follower's */
            for (size_t j = 0; j < sf->n; j++) {
                const s_sample_t *x = &sf->v[j];
                if (!(x->have >> o & 1))
                    continue;
                int64_t t = x->t;
                uint64_t a = x->applied[o];
                while (k < n && ot[k] < t)
                    k++;
                if (k == 0)
                    continue; /* before o's first sample: nothing known */
                /* o's applied at time t, interpolated; after o's last
                 * sample, taken as its last value. */
                double at_t = (double)ov[n - 1];
                if (k < n) {
                    double span = (double)(ot[k] - ot[k - 1]);
                    at_t = (double)ov[k - 1] + (double)(ov[k] - ov[k - 1]) *
                                                   (double)(t - ot[k - 1]) /
                                                   (span > 0 ? span : 1);
                }
                double lag_ns = 0;
                if ((double)a < at_t) {
                    /* When did o reach a? Search back to its segment; if o
                     * already had a at its first sample, that sample's
                     * time gives a lower bound. */
                    size_t i = k < n ? k : n - 1;
                    while (i > 0 && ov[i - 1] >= a)
                        i--;
                    double reach = (double)ot[0];
                    if (i > 0) {
                        double seg = (double)(ov[i] - ov[i - 1]);
                        reach = (double)ot[i - 1] +
                                (double)(ot[i] - ot[i - 1]) *
                                    ((double)a - (double)ov[i - 1]) /
                                    (seg > 0 ? seg : 1);
                    }
                    lag_ns = (double)t - reach;
                    if (lag_ns < 0)
                        lag_ns = 0;
                }
                hist_add(h, (uint64_t)(lag_ns / 1000));
                if (s_lag_add(c, t, lag_ns / 1e6, f, o) < 0) {
                    free(ot);
                    free(ov);
                    return -ENOMEM;
                }
            }
        }
        free(ot);
        free(ov);
    }
    return 0;
}

static int s_sample_cmp(const void *a, const void *b)
{
    const s_sample_t *x = a, *y = b;
    return x->t < y->t ? -1 : x->t > y->t;
}

/* -------------------------------------------------------------- finish */

static double s_ratio(uint64_t ok, uint64_t all)
{
    return all ? (double)ok / (double)all : NAN;
}

static int s_in_window(const check_t *c, const s_window_t *w, int64_t t)
{
    int64_t stop = w->stop < 0 ? c->t_max : w->stop;
    return t >= w->start && t <= stop;
}

static void s_windows(check_t *c)
{
    uint64_t wok = 0, wall = 0, rok = 0, rall = 0;
    for (size_t i = 0; i < c->nops; i++) {
        const s_op_t *op = &c->ops[i];
        int in = 0;
        for (size_t k = 0; k < c->nwin && !in; k++)
            in = s_in_window(c, &c->win[k], op->t_inv);
        if (!in)
            continue;
        if (op->f == CHECK_OP_READ) {
            rall++;
            rok += op->out == OUT_OK;
        } else {
            wall++;
            wok += op->out == OUT_OK;
        }
    }
    c->r.avail_write_in_faults = s_ratio(wok, wall);
    c->r.avail_read_in_faults = s_ratio(rok, rall);
    for (size_t k = 0; k < c->nwin; k++) {
        s_window_t *w = &c->win[k];
        uint64_t a[4] = {0};
        w->pub.stale_reads = w->pub.lost_writes = 0;
        for (size_t i = 0; i < c->nops; i++) {
            const s_op_t *op = &c->ops[i];
            if (!s_in_window(c, w, op->t_inv))
                continue;
            int rd = op->f == CHECK_OP_READ;
            a[rd ? 2 : 0] += op->out == OUT_OK;
            a[rd ? 3 : 1]++;
            w->pub.stale_reads += (op->flags & OPF_STALE) != 0;
            w->pub.lost_writes += (op->flags & OPF_LOST) != 0;
        }
        w->pub.avail_write = s_ratio(a[0], a[1]);
        w->pub.avail_read = s_ratio(a[2], a[3]);
        w->pub.start_s = s_sec(c, w->start);
        w->pub.stop_s = w->stop < 0 ? NAN : s_sec(c, w->stop);
    }
}

static void s_counts(check_t *c)
{
    check_results_t *r = &c->r;
    for (int k = 0; k < 4; k++)
        hist_reset(&c->h_lat[k]);
    c->first_invoke = c->nops ? c->ops[0].t_inv : c->t_min;
    c->last_done = c->first_invoke;
    for (size_t i = 0; i < c->nops; i++) {
        const s_op_t *op = &c->ops[i];
        if (op->t_inv < c->first_invoke)
            c->first_invoke = op->t_inv;
        if (!(op->flags & OPF_UNFINISHED) && op->t_done > c->last_done)
            c->last_done = op->t_done;
        check_counts_t *k = &r->ops[op->f];
        if (op->out == OUT_OK) {
            k->ok++;
            uint64_t us = (uint64_t)(op->t_done - op->t_inv) / 1000;
            hist_add(&c->h_lat[op->f], us);
            hist_add(&c->h_lat[3], us);
        } else if (op->out == OUT_FAIL) {
            k->fail++;
        } else {
            k->info++;
        }
    }
    uint64_t all[3];
    for (int f = 0; f < 3; f++) {
        all[f] = r->ops[f].ok + r->ops[f].fail + r->ops[f].info;
        r->avail_op[f] = s_ratio(r->ops[f].ok, all[f]);
        for (int q = 0; q < 3; q++)
            r->latency_op_ms[f][q] = NAN;
        if (c->h_lat[f].count) {
            r->latency_op_ms[f][0] = hist_quantile(&c->h_lat[f], 0.5) / 1e3;
            r->latency_op_ms[f][1] = hist_quantile(&c->h_lat[f], 0.99) / 1e3;
            r->latency_op_ms[f][2] = (double)c->h_lat[f].max / 1e3;
        }
    }
    uint64_t wok = r->ops[CHECK_OP_WRITE].ok + r->ops[CHECK_OP_DELETE].ok;
    r->avail_write = s_ratio(wok, all[CHECK_OP_WRITE] + all[CHECK_OP_DELETE]);
    r->avail_read = r->avail_op[CHECK_OP_READ];
    const hist_t *h = &c->h_lat[3];
    r->latency_p50_ms = h->count ? hist_quantile(h, 0.5) / 1e3 : NAN;
    r->latency_p99_ms = h->count ? hist_quantile(h, 0.99) / 1e3 : NAN;
    r->latency_max_ms = h->count ? (double)h->max / 1e3 : NAN;
    int64_t end = c->have_load_end ? c->load_end : c->last_done;
    double secs = (double)(end - c->first_invoke) / 1e9;
    r->write_ok_per_s = secs > 0 ? (double)wok / secs : NAN;
    r->ops_ok_per_s =
        secs > 0 ? (double)(wok + r->ops[CHECK_OP_READ].ok) / secs : NAN;
    r->duration_s = (double)(c->t_max - c->t_min) / 1e9;
}

static int s_series(check_t *c)
{
    size_t nb = (size_t)((c->t_max - c->t0) / c->bucket_ns) + 1;
    c->buckets = calloc(nb, sizeof *c->buckets);
    if (!c->buckets)
        return -ENOMEM;
    c->nbuckets = nb;
    for (size_t i = 0; i < c->nops; i++) {
        const s_op_t *op = &c->ops[i];
        int64_t t = op->t_done < c->t0 ? c->t0 : op->t_done;
        size_t b = (size_t)((t - c->t0) / c->bucket_ns);
        if (b >= nb)
            b = nb - 1;
        if (op->f == CHECK_OP_READ) {
            c->buckets[b][3] += op->out == OUT_OK;
            c->buckets[b][4] += (op->flags & OPF_STALE) != 0;
        } else {
            c->buckets[b][op->out == OUT_OK     ? 0
                          : op->out == OUT_FAIL ? 1
                                                : 2]++;
        }
    }
    return 0;
}

static void s_thresholds(check_t *c);

int check_finish(check_t *c)
{
    if (c->finished)
        return 0;
    if (s_seal(c) < 0)
        return -ENOMEM;
    c->finished = 1;
    check_results_t *r = &c->r;
    c->t0 = c->have_t ? c->t_min : 0;
    if (!c->have_t)
        c->t_max = 0;
    /* A read that returned a tombstone names its delete by pair. */
    for (size_t i = 0; i < c->nops; i++) {
        s_op_t *op = &c->ops[i];
        if (op->f != CHECK_OP_READ || op->out != OUT_OK || op->src != NONE ||
            (op->stamp == 0 && op->origin == 0))
            continue;
        s_pair_t pr = {op->stamp, op->origin};
        uint32_t w =
            s_map_get(c, &c->pairmap, s_pair_hash(op->stamp, op->origin),
                      s_pairop_eq, &pr);
        if (w != NONE && c->ops[w].key == op->key)
            op->src = w;
    }
    s_counts(c);
    s_bykey_t b = {0};
    if (s_bykey(c, &b) < 0 || s_sweep(c, &b) < 0) {
        free(b.start);
        free(b.ops);
        return -ENOMEM;
    }
    uint64_t rok = r->ops[CHECK_OP_READ].ok;
    r->stale_fraction = rok ? (double)r->stale_reads / (double)rok : 0;
    s_overwritten(c, &b);
    r->lost_worst_node = -1;
    uint64_t worst[4] = {0};
    for (int n = 0; n < c->nnodes; n++) {
        if (!(c->dumped & (1u << n)))
            continue;
        r->dumped_nodes++;
        s_lost_on(c, &b, n, 0, r->lost_by_node[n]);
        if (r->lost_worst_node < 0 || r->lost_by_node[n][0] > worst[0]) {
            r->lost_worst_node = n;
            memcpy(worst, r->lost_by_node[n], sizeof worst);
        }
    }
    if (r->lost_worst_node >= 0)
        s_lost_on(c, &b, r->lost_worst_node, 1, worst);
    r->lost_total = worst[0];
    r->lost_missing = worst[1];
    r->lost_stale_final = worst[2];
    r->lost_realtime_reordered = worst[3];
    free(b.start);
    free(b.ops);
    s_divergence(c);
    s_windows(c);

    hist_t *h = calloc(1, sizeof *h);
    if (!h)
        return -ENOMEM;
    for (int n = 0; n < c->nnodes; n++)
        if (c->samples[n].n > 1)
            qsort(c->samples[n].v, c->samples[n].n, sizeof(s_sample_t),
                  s_sample_cmp);
    if (s_lag(c, h) < 0) {
        free(h);
        return -ENOMEM;
    }
    r->lag_points = h->count;
    r->lag_p50_ms = h->count ? hist_quantile(h, 0.5) / 1e3 : NAN;
    r->lag_p99_ms = h->count ? hist_quantile(h, 0.99) / 1e3 : NAN;
    r->lag_max_ms = h->count ? (double)h->max / 1e3 : NAN;
    free(h);

    int64_t quiet = c->have_load_end ? c->load_end : c->last_done;
    for (size_t k = 0; k < c->nwin; k++)
        if (c->win[k].stop > quiet)
            quiet = c->win[k].stop;
    r->convergence_ms =
        c->have_converged ? (double)(c->converged - quiet) / 1e6 : NAN;
    if (s_series(c) < 0)
        return -ENOMEM;
    s_thresholds(c);
    return 0;
}

const check_results_t *check_results(const check_t *c)
{
    return &c->r;
}

size_t check_window_count(const check_t *c)
{
    return c->nwin;
}

const check_window_t *check_window(const check_t *c, size_t i)
{
    return i < c->nwin ? &c->win[i].pub : NULL;
}

const char *check_anomaly_name(check_anomaly_t a)
{
    static const char *const names[] = {
        "stale_reads",    "ryw_violations",        "monotonic_read_violations",
        "lost_missing",   "lost_stale_final",      "lost_realtime_reordered",
        "divergent_keys", "overwritten_concurrent"};
    return a < CHECK_ANOMALIES ? names[a] : "?";
}

size_t check_witness_count(const check_t *c, check_anomaly_t a)
{
    return a < CHECK_ANOMALIES ? c->nwit[a] : 0;
}

const char *check_witness(const check_t *c, check_anomaly_t a, size_t i)
{
    return a < CHECK_ANOMALIES && i < c->nwit[a] ? c->wit[a][i].text : NULL;
}

/* ------------------------------------------------- metrics, thresholds */

enum { M_U64, M_DBL };
/* Null policy: a threshold on a null metric fails (it was not shown to
 * hold), except where null means "nothing to hold against". */
enum { NULL_FAILS = 0, NULL_PASSES = 1 };
/* needs: 1 if the metric is null when no node was dumped. */
typedef struct {
    const char *path;
    size_t off;
    int kind, null_policy, needs_dumps;
} s_metric_t;

#define MU(path, f)                                                            \
    {                                                                          \
        path, offsetof(check_results_t, f), M_U64, NULL_FAILS, 0               \
    }
#define MD(path, f)                                                            \
    {                                                                          \
        path, offsetof(check_results_t, f), M_DBL, NULL_FAILS, 0               \
    }
#define MDUMP(path, f)                                                         \
    {                                                                          \
        path, offsetof(check_results_t, f), M_U64, NULL_FAILS, 1               \
    }

static const s_metric_t s_metrics[] = {
    MD("availability.write", avail_write),
    MD("availability.read", avail_read),
    {"availability.write_in_faults",
     offsetof(check_results_t, avail_write_in_faults), M_DBL, NULL_PASSES, 0},
    {"availability.read_in_faults",
     offsetof(check_results_t, avail_read_in_faults), M_DBL, NULL_PASSES, 0},
    MD("availability.by_op.write", avail_op[CHECK_OP_WRITE]),
    MD("availability.by_op.read", avail_op[CHECK_OP_READ]),
    MD("availability.by_op.delete", avail_op[CHECK_OP_DELETE]),
    MD("availability.longest_write_gap_ms", longest_write_gap_ms),
    MDUMP("lost_writes.total", lost_total),
    MDUMP("lost_writes.missing", lost_missing),
    MDUMP("lost_writes.stale_final", lost_stale_final),
    MDUMP("lost_writes.realtime_reordered", lost_realtime_reordered),
    MU("lost_writes.overwritten_concurrent", overwritten_concurrent),
    MU("stale_reads.count", stale_reads),
    MD("stale_reads.fraction", stale_fraction),
    MD("stale_reads.versions_behind.p50", stale_versions_p50),
    MD("stale_reads.versions_behind.max", stale_versions_max),
    MD("stale_reads.ms_behind.p50", stale_ms_p50),
    MD("stale_reads.ms_behind.max", stale_ms_max),
    MU("ryw_violations", ryw_violations),
    MU("monotonic_read_violations", monotonic_read_violations),
    MDUMP("divergent_keys", divergent_keys),
    MD("convergence_ms", convergence_ms),
    MD("replication_lag_ms.p50", lag_p50_ms),
    MD("replication_lag_ms.p99", lag_p99_ms),
    MD("replication_lag_ms.max", lag_max_ms),
    MD("throughput.write_ok_per_s", write_ok_per_s),
    MD("throughput.ops_ok_per_s", ops_ok_per_s),
    MD("latency_ms.p50", latency_p50_ms),
    MD("latency_ms.p99", latency_p99_ms),
    MD("latency_ms.max", latency_max_ms),
    MD("latency_ms.write.p50", latency_op_ms[CHECK_OP_WRITE][0]),
    MD("latency_ms.write.p99", latency_op_ms[CHECK_OP_WRITE][1]),
    MD("latency_ms.read.p50", latency_op_ms[CHECK_OP_READ][0]),
    MD("latency_ms.read.p99", latency_op_ms[CHECK_OP_READ][1]),
    MD("latency_ms.delete.p50", latency_op_ms[CHECK_OP_DELETE][0]),
    MD("latency_ms.delete.p99", latency_op_ms[CHECK_OP_DELETE][1]),
    MU("history_errors", history_errors),
    MU("dump_errors", dump_errors),
};
#define NMETRICS (sizeof s_metrics / sizeof s_metrics[0])

const char *const *check_metric_names(void)
{
    static const char *names[NMETRICS + 1];
    if (!names[0])
        for (size_t i = 0; i < NMETRICS; i++)
            names[i] = s_metrics[i].path;
    return names;
}

static const s_metric_t *s_metric(const char *path)
{
    for (size_t i = 0; i < NMETRICS; i++)
        if (!strcmp(s_metrics[i].path, path))
            return &s_metrics[i];
    return NULL;
}

static int s_metric_value(const check_t *c, const s_metric_t *m, double *out)
{
    const char *base = (const char *)&c->r;
    if (m->needs_dumps && c->r.dumped_nodes == 0)
        return 1;
    if (m->kind == M_U64) {
        uint64_t v;
        memcpy(&v, base + m->off, sizeof v);
        *out = (double)v;
        return 0;
    }
    memcpy(out, base + m->off, sizeof *out);
    return isnan(*out) ? 1 : 0;
}

int check_metric(const check_t *c, const char *path, double *out)
{
    const s_metric_t *m = s_metric(path);
    if (!m)
        return MM_ERR_UNKNOWN;
    return s_metric_value(c, m, out);
}

static int s_add_threshold(check_t *c, const char *metric, int op, double v,
                           int is_default)
{
    if (s_grow((void **)&c->th, &c->capth, c->nth + 1, sizeof *c->th) < 0)
        return -ENOMEM;
    s_threshold_t *t = &c->th[c->nth++];
    memset(t, 0, sizeof *t);
    snprintf(t->metric, sizeof t->metric, "%s", metric);
    t->op = op;
    t->value = v;
    t->is_default = is_default;
    return 0;
}

int check_add_threshold(check_t *c, const char *text, char *err, size_t errlen)
{
    const char *s = text;
    char metric[64];
    size_t n = 0;
    while (*s == ' ' || *s == '\t')
        s++;
    while ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
           (*s >= '0' && *s <= '9') || *s == '_' || *s == '.') {
        if (n + 1 >= sizeof metric)
            return s_err(err, errlen, MM_ERR_UNKNOWN,
                         "unknown metric in threshold '%s'", text);
        metric[n++] = *s++;
    }
    metric[n] = '\0';
    if (n == 0)
        return s_err(err, errlen, MM_ERR_CONFIG,
                     "threshold '%s': expected 'METRIC OP NUMBER'", text);
    while (*s == ' ' || *s == '\t')
        s++;
    int op = -1;
    for (int i = 0; i < 5 && op < 0; i++) {
        size_t l = strlen(s_th_ops[i]);
        if (!strncmp(s, s_th_ops[i], l)) {
            op = i;
            s += l;
        }
    }
    if (op < 0)
        return s_err(err, errlen, MM_ERR_CONFIG,
                     "threshold '%s': the operator must be one of >= <= == "
                     "< >",
                     text);
    char *end;
    double v = strtod(s, &end);
    if (end == s || isnan(v))
        return s_err(err, errlen, MM_ERR_CONFIG,
                     "threshold '%s': expected a number after %s", text,
                     s_th_ops[op]);
    while (*end == ' ' || *end == '\t')
        end++;
    if (*end)
        return s_err(err, errlen, MM_ERR_CONFIG,
                     "threshold '%s': unexpected '%s' after the number", text,
                     end);
    if (!s_metric(metric))
        return s_err(err, errlen, MM_ERR_UNKNOWN,
                     "threshold '%s': unknown metric '%s' (mm-check --help "
                     "lists them)",
                     text, metric);
    if (s_add_threshold(c, metric, op, v, 0) < 0)
        return s_err(err, errlen, -ENOMEM, "out of memory");
    return 0;
}

static void s_thresholds(check_t *c)
{
    /* The two safety properties every run must keep, unless a threshold
     * of the caller names the metric or, for lost writes, any of its
     * classes: a scenario built to show LWW losing writes says which
     * classes it tolerates (say, lost_writes.missing <= 0 alone). */
    static const char *const defaults[] = {"lost_writes.total",
                                           "divergent_keys"};
    static const char *const families[] = {"lost_writes.", "divergent_keys"};
    for (size_t d = 0; d < 2; d++) {
        int named = 0;
        for (size_t i = 0; i < c->nth && !named; i++)
            named = !c->th[i].is_default &&
                    !strncmp(c->th[i].metric, families[d], strlen(families[d]));
        if (!named)
            s_add_threshold(c, defaults[d], TH_EQ, 0, 1);
    }
    c->r.passed = 1;
    for (size_t i = 0; i < c->nth; i++) {
        s_threshold_t *t = &c->th[i];
        const s_metric_t *m = s_metric(t->metric);
        double v = 0;
        t->null = s_metric_value(c, m, &v) != 0;
        t->actual = t->null ? NAN : v;
        if (t->null) {
            t->pass = m->null_policy == NULL_PASSES;
        } else {
            switch (t->op) {
            case TH_GE:
                t->pass = v >= t->value;
                break;
            case TH_LE:
                t->pass = v <= t->value;
                break;
            case TH_EQ:
                t->pass = v == t->value;
                break;
            case TH_LT:
                t->pass = v < t->value;
                break;
            default:
                t->pass = v > t->value;
            }
        }
        if (!t->pass)
            c->r.passed = 0;
    }
}

/* -------------------------------------------------------------- outputs */

static void s_jnum(FILE *out, double v)
{
    if (isnan(v) || isinf(v))
        fputs("null", out);
    else if (v == floor(v) && fabs(v) < 1e15)
        fprintf(out, "%.0f", v);
    else
        fprintf(out, "%.6g", v);
}

static void s_jstring(FILE *out, const char *s)
{
    if (!s) {
        fputs("null", out);
        return;
    }
    fputc('"', out);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(out, "\\%c", *p);
        else if (*p == '\n')
            fputs("\\n", out);
        else if (*p == '\t')
            fputs("\\t", out);
        else if (*p < 0x20)
            fprintf(out, "\\u%04x", *p);
        else
            fputc(*p, out);
    }
    fputc('"', out);
}

static void s_jkv(FILE *out, const char *k, double v, int comma)
{
    fprintf(out, "%s\"%s\":", comma ? "," : "", k);
    s_jnum(out, v);
}

/* A metric as written into summary.json (null where check_metric is). */
static double s_mv(const check_t *c, const char *path)
{
    double v;
    return check_metric(c, path, &v) == 0 ? v : NAN;
}

static void s_json_counts(FILE *out, const char *name, const check_counts_t *k)
{
    fprintf(out, "\"%s\":{\"ok\":%llu,\"fail\":%llu,\"info\":%llu}", name,
            (unsigned long long)k->ok, (unsigned long long)k->fail,
            (unsigned long long)k->info);
}

int check_write_summary(const check_t *c, FILE *out)
{
    const check_results_t *r = &c->r;
    fprintf(out,
            "{\"verdict\":\"%s\",\"scenario\":", r->passed ? "pass" : "fail");
    s_jstring(out, c->have_scenario ? c->scenario : NULL);
    fputs(",\"seed\":", out);
    if (c->have_seed)
        fprintf(out, "%llu", (unsigned long long)c->seed);
    else
        fputs("null", out);
    fputs(",\"nodes\":[", out);
    for (int n = 0; n < c->nnodes; n++) {
        fputs(n ? "," : "", out);
        s_jstring(out, c->names[n]);
    }
    fprintf(out,
            "],\"history_lines\":%llu,\"history_errors\":%llu,"
            "\"dump_errors\":%llu,\"dumped_nodes\":%d,",
            (unsigned long long)r->history_lines,
            (unsigned long long)r->history_errors,
            (unsigned long long)r->dump_errors, r->dumped_nodes);
    s_jkv(out, "duration_s", r->duration_s, 0);
    fputs(",\"ops\":{", out);
    s_json_counts(out, "write", &r->ops[CHECK_OP_WRITE]);
    fputc(',', out);
    s_json_counts(out, "read", &r->ops[CHECK_OP_READ]);
    fputc(',', out);
    s_json_counts(out, "delete", &r->ops[CHECK_OP_DELETE]);
    fprintf(out, ",\"unfinished\":%llu},", (unsigned long long)r->unfinished);

    fputs("\"availability\":{", out);
    s_jkv(out, "write", r->avail_write, 0);
    s_jkv(out, "read", r->avail_read, 1);
    s_jkv(out, "write_in_faults", r->avail_write_in_faults, 1);
    s_jkv(out, "read_in_faults", r->avail_read_in_faults, 1);
    fputs(",\"by_op\":{", out);
    s_jkv(out, "write", r->avail_op[CHECK_OP_WRITE], 0);
    s_jkv(out, "read", r->avail_op[CHECK_OP_READ], 1);
    s_jkv(out, "delete", r->avail_op[CHECK_OP_DELETE], 1);
    fputc('}', out);
    s_jkv(out, "longest_write_gap_ms", r->longest_write_gap_ms, 1);
    s_jkv(out, "longest_write_gap_start_s", r->longest_write_gap_start_s, 1);
    fputs("},\"windows\":[", out);
    for (size_t k = 0; k < c->nwin; k++) {
        const check_window_t *w = &c->win[k].pub;
        fprintf(out, "%s{\"id\":%lld,\"fault\":", k ? "," : "",
                (long long)w->id);
        s_jstring(out, w->fault);
        fputs(",\"desc\":", out);
        s_jstring(out, w->desc);
        s_jkv(out, "start_s", w->start_s, 1);
        s_jkv(out, "stop_s", w->stop_s, 1);
        s_jkv(out, "write", w->avail_write, 1);
        s_jkv(out, "read", w->avail_read, 1);
        fprintf(out, ",\"stale_reads\":%llu,\"lost_writes\":%llu}",
                (unsigned long long)w->stale_reads,
                (unsigned long long)w->lost_writes);
    }
    fputs("],\"lost_writes\":{", out);
    s_jkv(out, "total", s_mv(c, "lost_writes.total"), 0);
    s_jkv(out, "missing", s_mv(c, "lost_writes.missing"), 1);
    s_jkv(out, "stale_final", s_mv(c, "lost_writes.stale_final"), 1);
    s_jkv(out, "realtime_reordered", s_mv(c, "lost_writes.realtime_reordered"),
          1);
    s_jkv(out, "overwritten_concurrent", (double)r->overwritten_concurrent, 1);
    fputs(",\"worst_node\":", out);
    s_jstring(out,
              r->lost_worst_node >= 0 ? c->names[r->lost_worst_node] : NULL);
    fputs(",\"by_node\":{", out);
    int first = 1;
    for (int n = 0; n < c->nnodes; n++) {
        if (!(c->dumped & (1u << n)))
            continue;
        const uint64_t *v = r->lost_by_node[n];
        fprintf(out,
                "%s\"%s\":{\"total\":%llu,\"missing\":%llu,"
                "\"stale_final\":%llu,\"realtime_reordered\":%llu}",
                first ? "" : ",", c->names[n], (unsigned long long)v[0],
                (unsigned long long)v[1], (unsigned long long)v[2],
                (unsigned long long)v[3]);
        first = 0;
    }
    fprintf(out, "}},\"stale_reads\":{\"count\":%llu",
            (unsigned long long)r->stale_reads);
    s_jkv(out, "fraction", r->stale_fraction, 1);
    fputs(",\"versions_behind\":{", out);
    s_jkv(out, "p50", r->stale_versions_p50, 0);
    s_jkv(out, "max", r->stale_versions_max, 1);
    fputs("},\"ms_behind\":{", out);
    s_jkv(out, "p50", r->stale_ms_p50, 0);
    s_jkv(out, "max", r->stale_ms_max, 1);
    fprintf(out,
            "}},\"ryw_violations\":%llu,\"monotonic_read_violations\":%llu,",
            (unsigned long long)r->ryw_violations,
            (unsigned long long)r->monotonic_read_violations);
    s_jkv(out, "divergent_keys", s_mv(c, "divergent_keys"), 0);
    s_jkv(out, "convergence_ms", r->convergence_ms, 1);
    fprintf(out, ",\"replication_lag_ms\":{\"points\":%llu",
            (unsigned long long)r->lag_points);
    s_jkv(out, "p50", r->lag_p50_ms, 1);
    s_jkv(out, "p99", r->lag_p99_ms, 1);
    s_jkv(out, "max", r->lag_max_ms, 1);
    fputs("},\"throughput\":{", out);
    s_jkv(out, "write_ok_per_s", r->write_ok_per_s, 0);
    s_jkv(out, "ops_ok_per_s", r->ops_ok_per_s, 1);
    fputs("},\"latency_ms\":{", out);
    s_jkv(out, "p50", r->latency_p50_ms, 0);
    s_jkv(out, "p99", r->latency_p99_ms, 1);
    s_jkv(out, "max", r->latency_max_ms, 1);
    static const char *const opn[] = {"write", "read", "delete"};
    for (int f = 0; f < 3; f++) {
        fprintf(out, ",\"%s\":{", opn[f]);
        s_jkv(out, "p50", r->latency_op_ms[f][0], 0);
        s_jkv(out, "p99", r->latency_op_ms[f][1], 1);
        s_jkv(out, "max", r->latency_op_ms[f][2], 1);
        fputc('}', out);
    }
    fputs("},\"thresholds\":[", out);
    for (size_t i = 0; i < c->nth; i++) {
        const s_threshold_t *t = &c->th[i];
        fprintf(out, "%s{\"metric\":", i ? "," : "");
        s_jstring(out, t->metric);
        fprintf(out, ",\"op\":\"%s\"", s_th_ops[t->op]);
        s_jkv(out, "value", t->value, 1);
        s_jkv(out, "actual", t->actual, 1);
        fprintf(out, ",\"pass\":%s,\"default\":%s}", t->pass ? "true" : "false",
                t->is_default ? "true" : "false");
    }
    fputs("],\"witnesses\":{", out);
    for (int a = 0; a < CHECK_ANOMALIES; a++) {
        fprintf(out, "%s\"%s\":[", a ? "," : "",
                check_anomaly_name((check_anomaly_t)a));
        for (size_t i = 0; i < c->nwit[a]; i++) {
            const s_witness_t *w = &c->wit[a][i];
            fprintf(out, "%s{\"t_s\":%.3f,\"key\":", i ? "," : "", w->t_s);
            s_jstring(out, s_key_name(c, w->key));
            fputs(",\"text\":", out);
            s_jstring(out, w->text);
            fputc('}', out);
        }
        fputc(']', out);
    }
    fputs("}}\n", out);
    return ferror(out) ? -EIO : 0;
}

int check_write_series_csv(const check_t *c, FILE *out)
{
    fputs("t_s,writes_ok,writes_fail,writes_info,reads_ok,reads_stale\n", out);
    for (size_t b = 0; b < c->nbuckets; b++)
        fprintf(out, "%.2f,%llu,%llu,%llu,%llu,%llu\n",
                (double)((int64_t)b * c->bucket_ns) / 1e9,
                (unsigned long long)c->buckets[b][0],
                (unsigned long long)c->buckets[b][1],
                (unsigned long long)c->buckets[b][2],
                (unsigned long long)c->buckets[b][3],
                (unsigned long long)c->buckets[b][4]);
    return ferror(out) ? -EIO : 0;
}

int check_write_latency_csv(const check_t *c, FILE *out)
{
    static const char *const opn[] = {"write", "read", "delete"};
    static const char *const outn[] = {"open", "ok", "fail", "info"};
    size_t k = (c->nops + c->latency_rows - 1) / c->latency_rows;
    if (k < 1)
        k = 1;
    fputs("t_s,latency_ms,op,outcome\n", out);
    for (size_t i = 0; i < c->nops; i += k) {
        const s_op_t *op = &c->ops[i];
        fprintf(out, "%.4f,%.3f,%s,%s\n", s_sec(c, op->t_inv),
                (double)(op->t_done - op->t_inv) / 1e6, opn[op->f],
                outn[op->out]);
    }
    return ferror(out) ? -EIO : 0;
}

int check_write_lag_csv(const check_t *c, FILE *out)
{
    fputs("t_s,follower,origin,lag_ms\n", out);
    for (size_t i = 0; i < c->nlag; i++)
        fprintf(out, "%.3f,%s,%s,%.3f\n", s_sec(c, c->lag[i].t),
                c->names[c->lag[i].follower], c->names[c->lag[i].origin],
                c->lag[i].lag_ms);
    return ferror(out) ? -EIO : 0;
}

int check_write_faults_csv(const check_t *c, FILE *out)
{
    fputs("id,start_s,stop_s,desc\n", out);
    for (size_t k = 0; k < c->nwin; k++) {
        const check_window_t *w = &c->win[k].pub;
        fprintf(out, "%lld,%.3f,", (long long)w->id, w->start_s);
        if (isnan(w->stop_s))
            fputs(",", out);
        else
            fprintf(out, "%.3f,", w->stop_s);
        fputc('"', out);
        for (const char *p = w->desc; *p; p++) {
            if (*p == '"')
                fputc('"', out);
            fputc(*p, out);
        }
        fputs("\"\n", out);
    }
    return ferror(out) ? -EIO : 0;
}

static void s_rnum(FILE *out, const char *fmt, double v)
{
    if (isnan(v))
        fputs("-", out);
    else
        fprintf(out, fmt, v);
}

int check_write_report(const check_t *c, FILE *out)
{
    const check_results_t *r = &c->r;
    fprintf(out, "mm-check: %s", r->passed ? "PASS" : "FAIL");
    if (c->have_scenario)
        fprintf(out, "  scenario %s", c->scenario);
    if (c->have_seed)
        fprintf(out, "  seed %llu", (unsigned long long)c->seed);
    fputc('\n', out);
    const check_counts_t *w = &r->ops[CHECK_OP_WRITE],
                         *d = &r->ops[CHECK_OP_DELETE],
                         *rd = &r->ops[CHECK_OP_READ];
    fprintf(out,
            "  operations  writes %llu ok / %llu fail / %llu info, reads "
            "%llu ok / %llu fail / %llu info, deletes %llu ok / %llu fail / "
            "%llu info\n",
            (unsigned long long)w->ok, (unsigned long long)w->fail,
            (unsigned long long)w->info, (unsigned long long)rd->ok,
            (unsigned long long)rd->fail, (unsigned long long)rd->info,
            (unsigned long long)d->ok, (unsigned long long)d->fail,
            (unsigned long long)d->info);
    fputs("  availability  write ", out);
    s_rnum(out, "%.4f", r->avail_write);
    fputs("  read ", out);
    s_rnum(out, "%.4f", r->avail_read);
    fputs("  write in faults ", out);
    s_rnum(out, "%.4f", r->avail_write_in_faults);
    fputs("  longest write gap ", out);
    s_rnum(out, "%.0f ms", r->longest_write_gap_ms);
    fputc('\n', out);
    if (r->dumped_nodes)
        fprintf(out,
                "  lost acknowledged writes  %llu (missing %llu, stale final "
                "%llu, real-time reordered %llu; worst node %s); overwritten "
                "by concurrent writes %llu\n",
                (unsigned long long)r->lost_total,
                (unsigned long long)r->lost_missing,
                (unsigned long long)r->lost_stale_final,
                (unsigned long long)r->lost_realtime_reordered,
                c->names[r->lost_worst_node],
                (unsigned long long)r->overwritten_concurrent);
    fprintf(out,
            "  stale reads  %llu (%.4f%% of ok reads; p50 %.0f versions, "
            "%.1f ms behind)\n",
            (unsigned long long)r->stale_reads, 100 * r->stale_fraction,
            r->stale_versions_p50, r->stale_ms_p50);
    fprintf(out,
            "  read-your-writes violations %llu, monotonic-read violations "
            "%llu\n",
            (unsigned long long)r->ryw_violations,
            (unsigned long long)r->monotonic_read_violations);
    if (r->dumped_nodes)
        fprintf(out, "  divergent keys %llu",
                (unsigned long long)r->divergent_keys);
    fputs(", convergence ", out);
    s_rnum(out, "%.0f ms", r->convergence_ms);
    fputs("\n  replication lag p50 ", out);
    s_rnum(out, "%.1f ms", r->lag_p50_ms);
    fputs(", p99 ", out);
    s_rnum(out, "%.1f ms", r->lag_p99_ms);
    fputs("\n  throughput ", out);
    s_rnum(out, "%.0f ok writes/s", r->write_ok_per_s);
    fputs(", latency p50 ", out);
    s_rnum(out, "%.2f ms", r->latency_p50_ms);
    fputs(", p99 ", out);
    s_rnum(out, "%.2f ms", r->latency_p99_ms);
    fputc('\n', out);
    for (size_t k = 0; k < c->nwin; k++) {
        const check_window_t *win = &c->win[k].pub;
        fprintf(out, "  fault %lld  %s  %.2f-", (long long)win->id, win->desc,
                win->start_s);
        s_rnum(out, "%.2f", win->stop_s);
        fputs(" s: write availability ", out);
        s_rnum(out, "%.4f", win->avail_write);
        fputs(", read ", out);
        s_rnum(out, "%.4f", win->avail_read);
        fprintf(out, ", stale reads %llu, lost writes %llu\n",
                (unsigned long long)win->stale_reads,
                (unsigned long long)win->lost_writes);
    }
    /* One example per anomaly found; summary.json has up to eight. */
    for (int a = 0; a < CHECK_OVERWRITTEN_CONCURRENT; a++)
        if (c->nwit[a])
            fprintf(out, "  e.g. %s: %s\n",
                    check_anomaly_name((check_anomaly_t)a), c->wit[a][0].text);
    if (r->history_errors || r->dump_errors)
        fprintf(out, "  input errors  history %llu, dumps %llu\n",
                (unsigned long long)r->history_errors,
                (unsigned long long)r->dump_errors);
    for (size_t i = 0; i < c->nth; i++) {
        const s_threshold_t *t = &c->th[i];
        fprintf(out, "  %s  %s %s %g (actual ", t->pass ? "pass" : "FAIL",
                t->metric, s_th_ops[t->op], t->value);
        s_rnum(out, "%g", t->actual);
        fprintf(out, ")%s\n", t->is_default ? " [default]" : "");
    }
    return ferror(out) ? -EIO : 0;
}
