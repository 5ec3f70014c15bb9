/*
 * load.c - mm-load's run: the clients, their connections, and the history
 * that mm-check judges.
 *
 * N clients, each with its own connection to each node it uses, keep up to
 * --inflight requests outstanding (closed loop) or send at a total --rate
 * (open loop). Every written value is unique ("c<client>.<n>"), so a value
 * read back names exactly one write. Each operation leaves two history
 * lines (docs/history.md): one when it is invoked and one when it
 * completes, as
 *
 *     ok    the node answered (for a write: committed on that node)
 *     fail  the node answered with an error: the write did not happen
 *     info  no answer within --timeout: the write may or may not happen
 *
 * A completion line is written only from the reply to that operation's
 * own request: a reply is matched by the connection it came on and its
 * request id (workload_slot_match()), because ids are unique per
 * connection only. A reply that answers nothing open is dropped and
 * counted (replies_dropped), and one of the wrong kind for its request
 * makes the outcome unknown (info).
 *
 * All clients share one thread and one zmq_poll loop, so the recorded
 * times come from one clock and the history is written in time order.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "hist.h"
#include "load.h"
#include "mmclient.h"
#include "transport.h"

/* Targets are the cluster's nodes, plus the coordinator at index
 * COORD_TARGET (--coordinator). */
#define MAX_TARGETS (MM_MAX_NODES + 1)
#define COORD_TARGET MM_MAX_NODES
#define MAX_POLL (LOAD_MAX_CLIENTS * MAX_TARGETS + MAX_TARGETS)

/* Completion outcomes, the history's names in s_outcome_name. */
enum { OUT_OK, OUT_FAIL, OUT_INFO, OUTCOMES };
static const char *const s_outcome_name[] = {"ok", "fail", "info"};

typedef struct {
    workload_stream_t stream;
    mmc_t *conn[MAX_TARGETS]; /* by target, opened lazily */
    int inflight;
    workload_slot_t *slots; /* --inflight of them */
} client_t;

/* Status sampling (--sample-ms): one connection per node. */
typedef struct {
    mmc_t *conn;
    int64_t pending; /* request id of an unanswered STATUS, or 0 */
} sampler_t;

struct load {
    load_opts_t o;
    config_t cfg;
    workload_t *wl;
    FILE *hist;
    client_t *clients;
    sampler_t samplers[MAX_TARGETS];
    char *payload; /* a write's value, padded to --value-size */
    /* Counters by [kind][outcome]; latencies of ok operations by kind. */
    uint64_t count[3][OUTCOMES];
    hist_t lat[3];
    uint64_t dropped; /* replies that answered no open request */
    /* The poll set, rebuilt each round: samplers first, then clients. */
    zmq_pollitem_t items[MAX_POLL];
    client_t *owner[MAX_POLL]; /* NULL for a sampler */
    int target[MAX_POLL];
    int npoll;
    int64_t t0;
    double secs; /* the run's length, once it is over */
};

static int s_parse_nodes(const load_t *l, const char *list, int *out,
                         int want_writer, char *err, size_t errlen)
{
    int n = 0;
    if (!list || !*list) {
        for (int i = 0; i < l->cfg.nnodes; i++)
            if (!want_writer || l->cfg.nodes[i].role == ROLE_MASTER ||
                l->cfg.nodes[i].role == ROLE_PRIMARY)
                out[n++] = i;
        return n;
    }
    char buf[256];
    snprintf(buf, sizeof buf, "%s", list);
    for (char *save = NULL, *t = strtok_r(buf, ",", &save); t;
         t = strtok_r(NULL, ",", &save)) {
        const config_node_t *c = config_node(&l->cfg, t);
        if (!c) {
            snprintf(err, errlen, "no node named '%s' in the cluster file", t);
            return -1;
        }
        if (n == WORKLOAD_MAX_TARGETS) {
            snprintf(err, errlen, "too many nodes in '%s'", list);
            return -1;
        }
        out[n++] = (int)(c - l->cfg.nodes);
    }
    return n;
}

/* The workload's options: the nodes writes and reads go to, by route. */
static int s_workload_opts(const load_t *l, workload_opts_t *w, char *err,
                           size_t errlen)
{
    *w =
        (workload_opts_t){.seed = l->o.seed,
                          .read_frac = l->o.read_frac,
                          .delete_frac = l->o.delete_frac,
                          .keys = l->o.keys,
                          .dist = l->o.dist,
                          .route = l->o.route,
                          .fixed_target = l->o.coordinator ? COORD_TARGET : -1};
    w->nwrite = s_parse_nodes(l, l->o.write_nodes, w->write, 1, err, errlen);
    if (w->nwrite < 0)
        return -1;
    w->nread = s_parse_nodes(l, l->o.read_nodes, w->read, 0, err, errlen);
    if (w->nread < 0)
        return -1;
    if (w->nwrite == 0 || w->nread == 0) {
        snprintf(err, errlen, "no node to send %s to",
                 w->nwrite == 0 ? "writes" : "reads");
        return -1;
    }
    return 0;
}

load_t *load_new(const load_opts_t *opts, const config_t *cfg, char *err,
                 size_t errlen)
{
    load_t *l = calloc(1, sizeof *l);
    if (!l) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    l->o = *opts;
    l->cfg = *cfg;
    workload_opts_t wo;
    if (s_workload_opts(l, &wo, err, errlen) < 0)
        goto fail;
    l->wl = workload_new(&wo);
    l->clients = calloc((size_t)l->o.clients, sizeof *l->clients);
    l->payload = malloc((size_t)l->o.value_size + 64);
    if (!l->wl || !l->clients || !l->payload) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    for (int i = 0; i < l->o.clients; i++) {
        client_t *c = &l->clients[i];
        workload_stream_init(l->wl, i, &c->stream);
        c->slots = calloc((size_t)l->o.inflight, sizeof *c->slots);
        if (!c->slots) {
            snprintf(err, errlen, "out of memory");
            goto fail;
        }
    }
    if (l->o.history && !(l->hist = fopen(l->o.history, "w"))) {
        snprintf(err, errlen, "cannot write %s: %s", l->o.history,
                 strerror(errno));
        goto fail;
    }
    return l;
fail:
    load_destroy(&l);
    return NULL;
}

void load_destroy(load_t **lp)
{
    if (!lp || !*lp)
        return;
    load_t *l = *lp;
    for (int i = 0; l->clients && i < l->o.clients; i++) {
        for (int t = 0; t < MAX_TARGETS; t++)
            mmc_destroy(&l->clients[i].conn[t]);
        free(l->clients[i].slots);
    }
    for (int t = 0; t < MAX_TARGETS; t++)
        mmc_destroy(&l->samplers[t].conn);
    if (l->hist)
        fclose(l->hist);
    workload_destroy(&l->wl);
    free(l->clients);
    free(l->payload);
    free(l);
    *lp = NULL;
}

static const char *s_target_name(const load_t *l, int t)
{
    return t == COORD_TARGET ? "coordinator" : l->cfg.nodes[t].name;
}

static const char *s_target_endpoint(const load_t *l, int t)
{
    return t == COORD_TARGET ? l->cfg.coord.client : l->cfg.nodes[t].client;
}

/* Writes a JSON string (the keys and values we make are plain ASCII). */
static void s_json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            fputc('\\', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

/* An operation's key and (for a write) value, as sent and recorded. */
typedef struct {
    char key[64];
    char value[64];
} names_t;

static names_t s_names(const load_t *l, const client_t *c,
                       const workload_op_t *op)
{
    names_t n;
    snprintf(n.key, sizeof n.key, "%s%d", l->o.prefix, op->key);
    snprintf(n.value, sizeof n.value, "c%d.%llu", c->stream.client,
             (unsigned long long)op->n);
    return n;
}

/* The value field: what a write wrote, what a read read (from r, the reply
 * to that very read), or null. */
static void s_hist_value(const load_t *l, const workload_op_t *op,
                         const names_t *n, const wire_msg_t *r)
{
    if (op->kind == WORKLOAD_READ && r && r->cmd == WIRE_VALUE) {
        fputc('"', l->hist);
        for (uint32_t i = 0; i < r->vlen && i < 63; i++) {
            char ch = (char)r->value[i];
            if (ch == '"' || ch == '\\')
                fputc('\\', l->hist);
            fputc(ch >= 0x20 && ch < 0x7f ? ch : '?', l->hist);
        }
        fputc('"', l->hist);
    } else if (op->kind == WORKLOAD_WRITE) {
        s_json_str(l->hist, n->value);
    } else {
        fputs("null", l->hist);
    }
}

static void s_hist_line(const load_t *l, const client_t *c,
                        const workload_op_t *op, const char *type, int64_t t,
                        const wire_msg_t *r, const char *error)
{
    if (!l->hist)
        return;
    names_t n = s_names(l, c, op);
    fprintf(l->hist, "{\"t\":%lld,\"p\":%d,\"type\":\"%s\",\"f\":\"%s\",",
            (long long)t, c->stream.client, type, workload_kind_name(op->kind));
    fputs("\"key\":", l->hist);
    s_json_str(l->hist, n.key);
    fputs(",\"value\":", l->hist);
    s_hist_value(l, op, &n, r);
    fprintf(l->hist, ",\"node\":\"%s\"", s_target_name(l, op->target));
    if (r && r->stamp) {
        const config_node_t *o = config_node_by_id(&l->cfg, r->origin);
        fprintf(l->hist,
                ",\"stamp\":\"%llu.%u\",\"origin\":\"%s\",\"seq\":%llu",
                (unsigned long long)hlc_ms(r->stamp), hlc_logical(r->stamp),
                o ? o->name : "?", (unsigned long long)r->seq);
    }
    if (error)
        fprintf(l->hist, ",\"error\":\"%s\"", error);
    fputs("}\n", l->hist);
}

static void s_status_line(const load_t *l, int node, const char *applied)
{
    if (!l->hist)
        return;
    fprintf(l->hist,
            "{\"t\":%lld,\"type\":\"status\",\"node\":\"%s\","
            "\"applied\":",
            (long long)tp_now_ns(), l->cfg.nodes[node].name);
    if (!applied) {
        fputs("null}\n", l->hist);
        return;
    }
    /* "m1:12,m2:7" -> {"m1":12,"m2":7} */
    fputc('{', l->hist);
    const char *p = applied;
    while (*p && *p != '\n') {
        const char *colon = strchr(p, ':');
        if (!colon)
            break;
        fprintf(l->hist, "%s\"%.*s\":", p == applied ? "" : ",",
                (int)(colon - p), p);
        p = colon + 1;
        while (*p >= '0' && *p <= '9')
            fputc(*p++, l->hist);
        if (*p == ',')
            p++;
    }
    fputs("}}\n", l->hist);
}

/* Asks every node for its STATUS; a node that did not answer the last
 * request is recorded as not answering. */
static void s_sample(load_t *l)
{
    for (int i = 0; i < l->cfg.nnodes; i++) {
        sampler_t *sm = &l->samplers[i];
        if (!sm->conn) {
            char err[256];
            sm->conn =
                mmc_connect(NULL, l->cfg.nodes[i].client, err, sizeof err);
            if (!sm->conn)
                continue;
        }
        if (sm->pending)
            s_status_line(l, i, NULL);
        wire_msg_t req = {0};
        req.cmd = WIRE_STATUS;
        int64_t id = mmc_send(sm->conn, &req);
        sm->pending = id > 0 ? id : 0;
    }
}

static void s_sample_reply(load_t *l, int node)
{
    sampler_t *sm = &l->samplers[node];
    wire_msg_t r;
    while (mmc_recv(sm->conn, &r, 0) == 0) {
        if (r.cmd != WIRE_STATUS_REPLY || (int64_t)r.reqid != sm->pending)
            continue;
        sm->pending = 0;
        char text[2048];
        snprintf(text, sizeof text, "%.*s",
                 (int)(r.vlen < sizeof text - 1 ? r.vlen : sizeof text - 1),
                 (const char *)r.value);
        const char *a = strstr(text, "\napplied=");
        s_status_line(l, node, a ? a + 9 : NULL);
    }
}

/* Client c's connection to target t, opened on first use; NULL (with a
 * message on stderr) for an endpoint ZeroMQ refuses. */
static mmc_t *s_conn(load_t *l, client_t *c, int t)
{
    if (!c->conn[t]) {
        char err[256];
        c->conn[t] =
            mmc_connect(NULL, s_target_endpoint(l, t), err, sizeof err);
        if (!c->conn[t])
            fprintf(stderr, "mm-load: %s\n", err);
        else if (l->o.first_reqid)
            mmc_set_next_id(c->conn[t], l->o.first_reqid);
    }
    return c->conn[t];
}

/* The request for op; a write's value goes into l->payload. */
static wire_msg_t s_request(load_t *l, const workload_op_t *op,
                            const names_t *n)
{
    size_t vlen = strlen(n->value);
    memcpy(l->payload, n->value, vlen);
    if ((size_t)l->o.value_size > vlen) {
        /* Pad after a NUL-free separator so the value stays unique. */
        memset(l->payload + vlen, '.', (size_t)l->o.value_size - vlen);
        vlen = (size_t)l->o.value_size;
    }
    wire_msg_t req = {0};
    req.cmd = op->kind == WORKLOAD_READ    ? WIRE_GET
              : op->kind == WORKLOAD_WRITE ? WIRE_PUT
                                           : WIRE_DEL;
    req.key = (const uint8_t *)n->key;
    req.klen = (uint32_t)strlen(n->key);
    if (op->kind == WORKLOAD_WRITE) {
        req.value = (const uint8_t *)l->payload;
        req.vlen = (uint32_t)vlen;
    }
    return req;
}

/* Starts client c's next operation. Returns 0; 1 if every slot is busy
 * (nothing was drawn); or a negative code if the target cannot be
 * connected to. */
static int s_start(load_t *l, client_t *c)
{
    int i = workload_slot_free(c->slots, l->o.inflight);
    if (i < 0)
        return 1;
    workload_slot_t *s = &c->slots[i];
    workload_next(l->wl, &c->stream, &s->op);
    mmc_t *conn = s_conn(l, c, s->op.target);
    if (!conn)
        return MM_ERR_CONFIG;
    names_t n = s_names(l, c, &s->op);
    wire_msg_t req = s_request(l, &s->op, &n);
    s->start_ns = tp_now_ns();
    s_hist_line(l, c, &s->op, "invoke", s->start_ns, NULL, NULL);
    int64_t id = mmc_send(conn, &req);
    if (id < 0) {
        s_hist_line(l, c, &s->op, "fail", tp_now_ns(), NULL,
                    mm_strerror((int)id));
        l->count[s->op.kind][OUT_FAIL]++;
        return 0;
    }
    s->target = s->op.target;
    s->reqid = (uint64_t)id;
    s->used = 1;
    c->inflight++;
    return 0;
}

static void s_complete(load_t *l, client_t *c, workload_slot_t *s, int outcome,
                       const wire_msg_t *r, const char *error)
{
    int64_t t = tp_now_ns();
    s_hist_line(l, c, &s->op, s_outcome_name[outcome], t, r, error);
    l->count[s->op.kind][outcome]++;
    if (outcome == OUT_OK)
        hist_add(&l->lat[s->op.kind], (uint64_t)(t - s->start_ns) / 1000);
    s->used = 0;
    c->inflight--;
}

/* Whether cmd is an answer to an operation of this kind at all. */
static int s_fits(workload_kind_t kind, int cmd)
{
    if (cmd == WIRE_ERROR)
        return 1;
    return kind == WORKLOAD_READ ? cmd == WIRE_VALUE || cmd == WIRE_NOTFOUND
                                 : cmd == WIRE_OK;
}

/* Completes slot s with r, the reply to its request. */
static void s_apply_reply(load_t *l, client_t *c, workload_slot_t *s,
                          const wire_msg_t *r)
{
    char e[128];
    if (!s_fits(s->op.kind, r->cmd)) {
        /* The node answered something else: what happened is unknown,
         * and nothing in r may be recorded as this operation's result. */
        snprintf(e, sizeof e, "unexpected reply (command %d)", r->cmd);
        s_complete(l, c, s, OUT_INFO, NULL, e);
        return;
    }
    if (r->cmd != WIRE_ERROR) {
        s_complete(l, c, s, OUT_OK, r, NULL);
        return;
    }
    snprintf(e, sizeof e, "%.*s", (int)(r->vlen < 100 ? r->vlen : 100),
             (const char *)r->value);
    for (char *p = e; *p; p++)
        if (*p == '"' || *p == '\\')
            *p = '\'';
    /* "Outcome unknown" (a write the standby never confirmed) is info,
     * never a failure. */
    s_complete(l, c, s,
               r->seq == (uint64_t)-MM_ERR_TIMEOUT ? OUT_INFO : OUT_FAIL, r, e);
}

/* A frame that arrived but does not decode (wire_decode()'s errors). */
static int s_undecodable(int rc)
{
    return rc == MM_ERR_SHORT || rc == MM_ERR_VERSION || rc == MM_ERR_TOOBIG ||
           rc == MM_ERR_CORRUPT;
}

/* Takes every reply waiting on client c's connection to target. A reply
 * answers the open request with its id on this connection, and no other:
 * one that answers none is dropped and counted. */
static void s_receive(load_t *l, client_t *c, int target)
{
    wire_msg_t r;
    for (;;) {
        int rc = mmc_recv(c->conn[target], &r, 0);
        if (rc < 0) {
            if (!s_undecodable(rc))
                break; /* nothing more waiting */
            l->dropped++;
            continue;
        }
        int i = workload_slot_match(c->slots, l->o.inflight, target, r.reqid);
        if (i < 0)
            l->dropped++;
        else
            s_apply_reply(l, c, &c->slots[i], &r);
    }
}

/* Starts what the loop allows: with --inflight K, until each client has K
 * requests open; with --rate, one operation per 1/rate seconds in all. */
static int s_start_due(load_t *l, int64_t now, long long *started,
                       double *next_send, double interval_ns)
{
    for (int i = 0; i < l->o.clients; i++) {
        client_t *c = &l->clients[(*started + i) % l->o.clients];
        /* With --ops, each client has its own share, so that its
         * sequence of operations does not depend on timing. */
        long long share = l->o.max_ops / l->o.clients +
                          (c->stream.client < l->o.max_ops % l->o.clients);
        while (c->inflight < l->o.inflight &&
               (!l->o.max_ops || (long long)c->stream.drawn < share)) {
            if (interval_ns > 0 && *next_send > (double)now)
                break;
            int rc = s_start(l, c);
            if (rc < 0)
                return rc;
            if (rc > 0)
                break;
            (*started)++;
            *next_send += interval_ns;
        }
    }
    return 0;
}

/* Records as info what waited too long (outcome unknown); returns the
 * number of operations still open. */
static int s_expire(load_t *l, int64_t now)
{
    int64_t timeout_ns = (int64_t)l->o.timeout_ms * 1000000;
    int busy = 0;
    for (int i = 0; i < l->o.clients; i++) {
        client_t *c = &l->clients[i];
        for (int k = 0; k < l->o.inflight; k++)
            if (c->slots[k].used && now - c->slots[k].start_ns > timeout_ns)
                s_complete(l, c, &c->slots[k], OUT_INFO, NULL, "timeout");
        busy += c->inflight;
    }
    return busy;
}

/* Every open connection: the samplers', then the clients'. Each item
 * remembers whose connection it is (owner: NULL for a sampler) and to
 * which target, because a reply belongs to that connection alone. */
static void s_poll_set(load_t *l)
{
    int k = 0;
    for (int t = 0; t < l->cfg.nnodes; t++)
        if (l->samplers[t].conn) {
            l->owner[k] = NULL;
            l->target[k] = t;
            l->items[k++] = (zmq_pollitem_t){mmc_socket(l->samplers[t].conn), 0,
                                             ZMQ_POLLIN, 0};
        }
    for (int i = 0; i < l->o.clients; i++)
        for (int t = 0; t < MAX_TARGETS; t++)
            if (l->clients[i].conn[t]) {
                l->owner[k] = &l->clients[i];
                l->target[k] = t;
                l->items[k++] = (zmq_pollitem_t){
                    mmc_socket(l->clients[i].conn[t]), 0, ZMQ_POLLIN, 0};
            }
    l->npoll = k;
}

/* Waits up to wait_ms for replies and takes in every one that came. */
static int s_poll(load_t *l, long wait_ms)
{
    s_poll_set(l);
    if (zmq_poll(l->items, l->npoll, wait_ms) < 0 && errno != EINTR)
        return -errno;
    for (int i = 0; i < l->npoll; i++) {
        if (!(l->items[i].revents & ZMQ_POLLIN))
            continue;
        if (l->owner[i])
            s_receive(l, l->owner[i], l->target[i]);
        else
            s_sample_reply(l, l->target[i]);
    }
    return 0;
}

static void s_progress(const load_t *l, int64_t now)
{
    const uint64_t(*n)[OUTCOMES] = l->count;
    fprintf(stderr,
            "mm-load: %5.1fs  writes ok %llu fail %llu info %llu  "
            "reads ok %llu\n",
            (now - l->t0) / 1e9,
            (unsigned long long)(n[WORKLOAD_WRITE][OUT_OK] +
                                 n[WORKLOAD_DELETE][OUT_OK]),
            (unsigned long long)(n[WORKLOAD_WRITE][OUT_FAIL] +
                                 n[WORKLOAD_DELETE][OUT_FAIL]),
            (unsigned long long)(n[WORKLOAD_WRITE][OUT_INFO] +
                                 n[WORKLOAD_DELETE][OUT_INFO]),
            (unsigned long long)n[WORKLOAD_READ][OUT_OK]);
}

int load_run(load_t *l, const volatile sig_atomic_t *stop)
{
    l->t0 = tp_now_ns();
    int64_t end = l->t0 + (int64_t)(l->o.duration * 1e9);
    int64_t next_progress = l->t0 + 1000000000;
    double interval_ns = l->o.rate > 0 ? 1e9 / l->o.rate : 0;
    double next_send = (double)l->t0;
    long long started = 0;
    int64_t sample_ns = (int64_t)l->o.sample_ms * 1000000;
    int64_t next_sample = l->t0;
    int rc = 0;

    for (;;) {
        int64_t now = tp_now_ns();
        int stopping =
            *stop || (l->o.max_ops ? started >= l->o.max_ops : now >= end);
        if (!stopping &&
            (rc = s_start_due(l, now, &started, &next_send, interval_ns)) < 0)
            break;
        if (s_expire(l, now) == 0 && stopping)
            break;
        if (sample_ns > 0 && !stopping && now >= next_sample) {
            s_sample(l);
            next_sample += sample_ns;
        }
        long wait_ms = 10;
        if (interval_ns > 0 && !stopping) {
            double d = (next_send - (double)now) / 1e6;
            wait_ms = d < 0 ? 0 : d > 10 ? 10 : (long)d;
        }
        if ((rc = s_poll(l, wait_ms)) < 0)
            break;
        if (!l->o.quiet && now >= next_progress) {
            s_progress(l, now);
            next_progress += 1000000000;
        }
    }
    l->secs = (tp_now_ns() - l->t0) / 1e9;
    if (l->hist) {
        fclose(l->hist);
        l->hist = NULL;
    }
    return rc;
}

void load_write_summary(const load_t *l, FILE *f)
{
    const uint64_t(*n)[OUTCOMES] = l->count;
    uint64_t wok = n[WORKLOAD_WRITE][OUT_OK] + n[WORKLOAD_DELETE][OUT_OK];
    hist_t all;
    hist_reset(&all);
    for (int k = 0; k < 3; k++)
        hist_merge(&all, &l->lat[k]);
    fprintf(f,
            "{\"seconds\":%.3f,\"writes_ok\":%llu,\"writes_fail\":%llu,"
            "\"writes_info\":%llu,\"reads_ok\":%llu,\"reads_fail\":%llu,"
            "\"reads_info\":%llu,\"write_ok_per_s\":%.1f,"
            "\"ops_ok_per_s\":%.1f,\"latency_us_p50\":%llu,"
            "\"latency_us_p99\":%llu,\"latency_us_max\":%llu,"
            "\"replies_dropped\":%llu}\n",
            l->secs, (unsigned long long)wok,
            (unsigned long long)(n[WORKLOAD_WRITE][OUT_FAIL] +
                                 n[WORKLOAD_DELETE][OUT_FAIL]),
            (unsigned long long)(n[WORKLOAD_WRITE][OUT_INFO] +
                                 n[WORKLOAD_DELETE][OUT_INFO]),
            (unsigned long long)n[WORKLOAD_READ][OUT_OK],
            (unsigned long long)n[WORKLOAD_READ][OUT_FAIL],
            (unsigned long long)n[WORKLOAD_READ][OUT_INFO], wok / l->secs,
            (wok + n[WORKLOAD_READ][OUT_OK]) / l->secs,
            (unsigned long long)hist_quantile(&all, 0.5),
            (unsigned long long)hist_quantile(&all, 0.99),
            (unsigned long long)all.max, (unsigned long long)l->dropped);
}
