/*
 * check_history.c - the history reader: turns each line of history.jsonl
 * (docs/history.md) into what the analyses use: operations (an invoke
 * opens one, its completion closes it), fault windows, run events
 * (load_end, converged) and status samples.
 *
 * A line is parsed by cJSON (Debian's libcjson), then its fields are read
 * into a check__line_t and dispatched on "type": invoke, ok, fail, info
 * and skip are operations; status, fault and run are not. A line that does not
 * parse or does not make sense (an unknown node, a completion nobody
 * invoked, an ok write without a stamp) is counted in history_errors,
 * described in err and skipped; the check goes on.
 *
 * Numbers arrive as doubles: `t` is exact to the nanosecond up to 2^53 ns
 * (104 days of uptime) and rounded to a few nanoseconds after that, which
 * no metric can tell apart.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <cJSON.h>
#include "check_internal.h"
#include "dump.h"

/* Client ids are small numbers; this bounds the per-client table. */
#define CLIENT_MAX (1 << 20)

/*
 * One history line, as far as the checker cares. Strings are borrowed from
 * the parsed line: valid until it is deleted, at the end of the line.
 */
typedef struct {
    int64_t t, p, id;
    int has_t, has_p, has_id, has_value, late;
    const char *type, *f, *key, *value, *node, *stamp, *origin;
    const char *action, *fault, *desc, *event;
    size_t key_len, value_len;
    int applied_null, has_applied, napplied;
    const char *aname[MM_MAX_NODES];
    uint64_t aval[MM_MAX_NODES];
    char stamp_buf[32]; /* a stamp given as a bare number, as text */
    char origin_buf[8]; /* an origin given as its id, as text */
    const char *why;    /* why a field's value was refused, if not obvious */
} check__line_t;

/* A JSON number as an integer (a fraction is rounded). */
static int s_int(const cJSON *it, int64_t *out)
{
    if (!cJSON_IsNumber(it))
        return -1;
    double d = it->valuedouble;
    if (!(d > -9.2e18 && d < 9.2e18))
        return -1;
    *out = (int64_t)llround(d);
    return 0;
}

/*
 * `t`: CLOCK_MONOTONIC nanoseconds, so never negative. Refusing a negative
 * time keeps every difference of two times inside int64_t.
 */
static int s_time(const cJSON *it, check__line_t *L)
{
    L->has_t = 1;
    if (s_int(it, &L->t) < 0)
        return -1;
    if (L->t < 0) {
        L->why = "a time is monotonic nanoseconds, never negative";
        return -1;
    }
    return 0;
}

/* A string, or null (*out NULL). */
static int s_str_or_null(const cJSON *it, const char **out, size_t *len)
{
    if (cJSON_IsNull(it)) {
        *out = NULL;
        if (len)
            *len = 0;
        return 0;
    }
    if (!cJSON_IsString(it))
        return -1;
    *out = it->valuestring;
    if (len)
        *len = strlen(it->valuestring);
    return 0;
}

/* "applied": {"m1": 9321, "m2": null, ...} or null. */
static int s_applied(const cJSON *it, check__line_t *L)
{
    L->has_applied = 1;
    if (cJSON_IsNull(it)) {
        L->applied_null = 1;
        return 0;
    }
    if (!cJSON_IsObject(it))
        return -1;
    const cJSON *e;
    cJSON_ArrayForEach(e, it)
    {
        int64_t v;
        if (cJSON_IsNull(e))
            continue;
        if (s_int(e, &v) < 0 || v < 0 || L->napplied >= MM_MAX_NODES)
            return -1;
        L->aname[L->napplied] = e->string;
        L->aval[L->napplied++] = (uint64_t)v;
    }
    return 0;
}

/*
 * A stamp: "<ms>.<logical>", null, or a bare whole number of milliseconds.
 * A bare number with a fraction is refused: as a JSON number 5.10 and 5.1
 * are the same, but as a stamp they are logical 10 and logical 1.
 */
static int s_stamp(const cJSON *it, check__line_t *L)
{
    if (!cJSON_IsNumber(it))
        return s_str_or_null(it, &L->stamp, NULL);
    double d = it->valuedouble;
    if (!(d >= 0 && d < 281474976710656.0) || d != floor(d)) {
        L->why = "a stamp with a logical part must be a string "
                 "\"<ms>.<logical>\"";
        return -1;
    }
    snprintf(L->stamp_buf, sizeof L->stamp_buf, "%.0f", d);
    L->stamp = L->stamp_buf;
    return 0;
}

/* An origin: a node name, null, or a bare number, the node's id. */
static int s_origin(const cJSON *it, check__line_t *L)
{
    if (!cJSON_IsNumber(it))
        return s_str_or_null(it, &L->origin, NULL);
    double d = it->valuedouble;
    if (!(d >= 0 && d <= 65535) || d != floor(d))
        return -1;
    snprintf(L->origin_buf, sizeof L->origin_buf, "%.0f", d);
    L->origin = L->origin_buf;
    return 0;
}

/* Is name (the field's name) exactly want? */
static int s_is(const char *name, const char *want)
{
    return !strcmp(name, want);
}

/*
 * Reads one field of the line; unknown fields are ignored. One switch on
 * the first letter, because this runs for every field of every line: a
 * chain of string comparisons here cost a tenth of a million-line check.
 */
static int s_field(const cJSON *it, check__line_t *L)
{
    const char *n = it->string;
    switch (n[0]) {
    case 't':
        if (s_is(n, "t"))
            return s_time(it, L);
        return s_is(n, "type") ? s_str_or_null(it, &L->type, NULL) : 0;
    case 'p':
        return s_is(n, "p") ? (L->has_p = 1, s_int(it, &L->p)) : 0;
    case 'i':
        return s_is(n, "id") ? (L->has_id = 1, s_int(it, &L->id)) : 0;
    case 'k':
        return s_is(n, "key") ? s_str_or_null(it, &L->key, &L->key_len) : 0;
    case 'l':
        if (s_is(n, "late"))
            L->late = cJSON_IsTrue(it);
        return 0;
    case 'v':
        if (!s_is(n, "value"))
            return 0;
        L->has_value = 1;
        return s_str_or_null(it, &L->value, &L->value_len);
    case 's':
        return s_is(n, "stamp") ? s_stamp(it, L) : 0;
    case 'o':
        return s_is(n, "origin") ? s_origin(it, L) : 0;
    case 'n':
        return s_is(n, "node") ? s_str_or_null(it, &L->node, NULL) : 0;
    case 'f':
        if (s_is(n, "f"))
            return s_str_or_null(it, &L->f, NULL);
        return s_is(n, "fault") ? s_str_or_null(it, &L->fault, NULL) : 0;
    case 'a':
        if (s_is(n, "applied"))
            return s_applied(it, L);
        return s_is(n, "action") ? s_str_or_null(it, &L->action, NULL) : 0;
    case 'd':
        return s_is(n, "desc") ? s_str_or_null(it, &L->desc, NULL) : 0;
    case 'e':
        return s_is(n, "event") ? s_str_or_null(it, &L->event, NULL) : 0;
    default:
        return 0;
    }
}

/* Parses line into *root (the caller deletes it) and reads its fields. */
static int s_parse_line(const char *line, size_t len, cJSON **root,
                        check__line_t *L, char *err, size_t errlen)
{
    const char *end = NULL;
    memset(L, 0, sizeof *L);
    *root = cJSON_ParseWithLengthOpts(line, len, &end, 0);
    if (!*root) /* cJSON sets end to where it stopped */
        return check__err(err, errlen, MM_ERR_CORRUPT,
                          "not JSON (at column %d)",
                          end ? (int)(end - line) + 1 : 1);
    while (end < line + len &&
           (*end == ' ' || *end == '\t' || *end == '\r' || *end == '\n'))
        end++;
    if (end != line + len)
        return check__err(err, errlen, MM_ERR_CORRUPT, "text after the object");
    if (!cJSON_IsObject(*root))
        return check__err(err, errlen, MM_ERR_CORRUPT, "not a JSON object");
    const cJSON *it;
    cJSON_ArrayForEach(it, *root)
    {
        if (s_field(it, L) < 0)
            return check__err(err, errlen, MM_ERR_CORRUPT,
                              "bad value for \"%s\"%s%s", it->string,
                              L->why ? ": " : "", L->why ? L->why : "");
    }
    return 0;
}

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

static int s_on_invoke(check_t *c, const check__line_t *L, int f, int node,
                       char *err, size_t errlen)
{
    if (f == CHECK_OP_WRITE && !L->value)
        return check__err(err, errlen, MM_ERR_CORRUPT,
                          "a write's invoke has no \"value\"");
    if ((size_t)L->p >= c->nclients) {
        size_t cap = c->nclients;
        if (check__grow((void **)&c->clients, &cap, (size_t)L->p + 1,
                        sizeof *c->clients) < 0)
            return -ENOMEM;
        memset(c->clients + c->nclients, 0,
               (cap - c->nclients) * sizeof *c->clients);
        c->nclients = cap;
    }
    check__u32vec_t *open = &c->clients[L->p];
    if (c->nops >= NONE - 2 || check__grow((void **)&c->ops, &c->capops,
                                           c->nops + 1, sizeof *c->ops) < 0)
        return -ENOMEM;
    size_t cap = open->cap;
    if (check__grow((void **)&open->v, &cap, open->n + 1, sizeof *open->v) < 0)
        return -ENOMEM;
    open->cap = (uint32_t)cap;
    uint32_t key = check__key_intern(c, L->key, L->key_len);
    if (key == NONE)
        return -ENOMEM;
    uint32_t i = (uint32_t)c->nops;
    check__op_t *op = &c->ops[i];
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
    if (check__arena_add(c, L->value, L->value_len, &op->val) < 0)
        return -ENOMEM;
    int rc = check__value_add(c, i);
    if (rc == 1) {
        op->flags |= OPF_DUPLICATE_VAL;
        c->line_kept = 1;
        return check__err(err, errlen, MM_ERR_CORRUPT,
                          "value \"%s\" was written before (values must be "
                          "unique); reads of it are matched to the first write",
                          L->value);
    }
    return rc;
}

static int s_on_complete(check_t *c, const check__line_t *L, int f, int out,
                         char *err, size_t errlen)
{
    check__u32vec_t *open =
        (size_t)L->p < c->nclients ? &c->clients[L->p] : NULL;
    uint32_t key = check__key_find(c, L->key, L->key_len);
    uint32_t at = NONE;
    for (uint32_t i = 0; open && key != NONE && i < open->n; i++) {
        const check__op_t *op = &c->ops[open->v[i]];
        if (op->f != f || op->key != key)
            continue;
        if (f == CHECK_OP_WRITE &&
            (!L->value || strcmp(c->arena + op->val, L->value)))
            continue;
        at = i;
        break;
    }
    if (at == NONE)
        return check__err(err, errlen, MM_ERR_CORRUPT,
                          "a completion with no open invoke of client %lld for "
                          "that key",
                          (long long)L->p);
    mm_stamp_t stamp = 0;
    uint16_t origin = 0;
    if (out == OUT_OK && (L->stamp || f != CHECK_OP_READ)) {
        if (dump_parse_stamp(L->stamp, &stamp) < 0)
            return check__err(err, errlen, MM_ERR_CORRUPT,
                              "an ok %s needs a stamp \"<ms>.<logical>\"",
                              L->f);
        if (check__origin_id(c, L->origin, &origin) < 0)
            return check__err(err, errlen, MM_ERR_CORRUPT,
                              "origin '%s' is not one of --nodes",
                              L->origin ? L->origin : "(none)");
    }
    uint32_t i = open->v[at];
    memmove(open->v + at, open->v + at + 1,
            (open->n - at - 1) * sizeof *open->v);
    open->n--;
    check__op_t *op = &c->ops[i];
    op->t_done = L->t;
    op->out = (uint8_t)out;
    if (out != OUT_OK)
        return 0;
    op->stamp = stamp;
    op->origin = origin;
    if (f == CHECK_OP_READ) {
        if (!L->value)
            op->flags |= OPF_VALUE_NULL; /* check_pairs.c finds its delete */
        else
            op->src = check__value_find(c, key, L->value, L->value_len);
    }
    return 0;
}

/*
 * A skip line: an open-loop client's scheduled operation that it could
 * not send (every slot busy). It opens nothing; it counts against
 * availability at its scheduled time. A late skip ("late":true) was caused
 * by mm-load falling behind its own schedule, not by the nodes: it is
 * counted apart and charged to nobody.
 */
static int s_on_skip(check_t *c, const check__line_t *L, int f)
{
    if (L->late) {
        c->nskips_late++;
        return 0;
    }
    if (check__grow((void **)&c->skips, &c->capskips, c->nskips + 1,
                    sizeof *c->skips) < 0)
        return -ENOMEM;
    c->skips[c->nskips++] = (check__skip_t){L->t, (uint8_t)f};
    return 0;
}

static int s_on_op(check_t *c, const check__line_t *L, char *err, size_t errlen)
{
    int f = s_op_kind(L->f);
    if (f < 0)
        return check__err(err, errlen, MM_ERR_CORRUPT,
                          "\"f\" must be write, read or delete");
    if (!L->has_p || L->p < 0 || L->p >= CLIENT_MAX)
        return check__err(err, errlen, MM_ERR_CORRUPT,
                          "\"p\" must be a client id 0..%d", CLIENT_MAX - 1);
    if (!L->key)
        return check__err(err, errlen, MM_ERR_CORRUPT, "no \"key\"");
    int node = check__node_index(c, L->node);
    if (node < 0 && L->node && !strcmp(L->node, "coordinator"))
        node = c->nnodes;
    if (node < 0)
        return check__err(err, errlen, MM_ERR_CORRUPT,
                          "node '%s' is not one of --nodes",
                          L->node ? L->node : "(none)");
    if (!strcmp(L->type, "invoke"))
        return s_on_invoke(c, L, f, node, err, errlen);
    if (!strcmp(L->type, "skip"))
        return s_on_skip(c, L, f);
    int out = !strcmp(L->type, "ok")     ? OUT_OK
              : !strcmp(L->type, "fail") ? OUT_FAIL
                                         : OUT_INFO;
    return s_on_complete(c, L, f, out, err, errlen);
}

static int s_on_status(check_t *c, const check__line_t *L, char *err,
                       size_t errlen)
{
    int node = check__node_index(c, L->node);
    if (node < 0)
        return check__err(err, errlen, MM_ERR_CORRUPT,
                          "status of node '%s', which is not one of --nodes",
                          L->node ? L->node : "(none)");
    if (!L->has_applied)
        return check__err(err, errlen, MM_ERR_CORRUPT,
                          "status has no \"applied\"");
    if (L->applied_null)
        return 0; /* the node did not answer: no sample */
    check__sample_t s = {.t = L->t};
    for (int i = 0; i < L->napplied; i++) {
        int o = check__node_index(c, L->aname[i]);
        if (o < 0)
            return check__err(err, errlen, MM_ERR_CORRUPT,
                              "applied names '%s', which is not one of --nodes",
                              L->aname[i]);
        s.have |= 1u << o;
        s.applied[o] = L->aval[i];
    }
    check__samples_t *v = &c->samples[node];
    if (check__grow((void **)&v->v, &v->cap, v->n + 1, sizeof *v->v) < 0)
        return -ENOMEM;
    v->v[v->n++] = s;
    return 0;
}

static int s_on_fault(check_t *c, const check__line_t *L, char *err,
                      size_t errlen)
{
    if (!L->action || !L->has_id)
        return check__err(err, errlen, MM_ERR_CORRUPT,
                          "a fault needs \"action\" and \"id\"");
    check__window_t *open = NULL;
    for (size_t i = c->nwin; i-- > 0;)
        if (c->win[i].pub.id == L->id && c->win[i].stop < 0) {
            open = &c->win[i];
            break;
        }
    if (!strcmp(L->action, "start")) {
        if (open)
            return check__err(err, errlen, MM_ERR_CORRUPT,
                              "fault %lld started twice", (long long)L->id);
        if (check__grow((void **)&c->win, &c->capwin, c->nwin + 1,
                        sizeof *c->win) < 0)
            return -ENOMEM;
        check__window_t *w = &c->win[c->nwin++];
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
            return check__err(err, errlen, MM_ERR_CORRUPT,
                              "fault %lld stopped but never started",
                              (long long)L->id);
        open->stop = L->t < open->start ? open->start : L->t;
        return 0;
    }
    return check__err(err, errlen, MM_ERR_CORRUPT,
                      "a fault's \"action\" must be start or stop");
}

static int s_on_run(check_t *c, const check__line_t *L, char *err,
                    size_t errlen)
{
    if (!L->event)
        return check__err(err, errlen, MM_ERR_CORRUPT,
                          "a run line needs \"event\"");
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
        return check__err(err, errlen, MM_ERR_STATE,
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
    check__line_t L;
    cJSON *root = NULL;
    int rc = s_parse_line(line, len, &root, &L, err, errlen);
    if (rc == 0 && !L.has_t)
        rc = check__err(err, errlen, MM_ERR_CORRUPT, "no \"t\"");
    if (rc == 0 && !L.type)
        rc = check__err(err, errlen, MM_ERR_CORRUPT, "no \"type\"");
    if (rc == 0) {
        if (!strcmp(L.type, "invoke") || !strcmp(L.type, "ok") ||
            !strcmp(L.type, "fail") || !strcmp(L.type, "info") ||
            !strcmp(L.type, "skip"))
            rc = s_on_op(c, &L, err, errlen);
        else if (!strcmp(L.type, "status"))
            rc = s_on_status(c, &L, err, errlen);
        else if (!strcmp(L.type, "fault"))
            rc = s_on_fault(c, &L, err, errlen);
        else if (!strcmp(L.type, "run"))
            rc = s_on_run(c, &L, err, errlen);
        else
            rc = check__err(err, errlen, MM_ERR_CORRUPT, "unknown type \"%s\"",
                            L.type);
    }
    if (rc == -ENOMEM) {
        cJSON_Delete(root);
        return check__err(err, errlen, rc, "out of memory");
    }
    if (rc == 0 || c->line_kept) {
        /* A kept line (even one with a complaint) moves the clock. */
        if (!c->have_t || L.t < c->t_min)
            c->t_min = L.t;
        if (!c->have_t || L.t > c->t_max)
            c->t_max = L.t;
        c->have_t = 1;
    }
    cJSON_Delete(root);
    if (rc < 0)
        c->r.history_errors++;
    return rc < 0 ? MM_ERR_CORRUPT : 0;
}
