/*
 * trace.c - the replication trace: what a space-time diagram needs, one
 * line per event (common/trace.h lists the lines).
 *
 * The node log says what a node decided; the trace says when each write
 * and each pack of writes left one node and reached another, with the
 * (stamp, origin) pairs they carried and the node's clock, so
 * `experiments/spacetime` can draw how a write travelled, where LWW
 * discarded one and where a hybrid logical clock jumped forward.
 *
 * It is off by default and bounded when on (`trace_lines`): a long run at
 * full speed writes hundreds of thousands of packs, which no picture can
 * show. Each call returns at once when tracing is off, so the engine pays
 * one test per call site. The callers are few: the writer (a client write
 * taken), the stream (a pack sent), the follower (a pack applied) and the
 * conflict log (a write LWW discarded).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "engine.h"
#include "log.h"
#include "trace.h"
#include "transport.h"

/* A trace line is short: the widest is an `lww` line with two pairs and a
 * key cut by log_escape(). */
#define TRACE_KEY_MAX 96

__attribute__((format(printf, 4, 5))) static void
s_line(node_t *n, int64_t t_ns, const char *ev, const char *fmt, ...);

void trace_open(node_t *n)
{
    trace_t *t = &n->trace;
    if (n->cfg.trace_lines == 0 || t->f)
        return;
    char path[CONFIG_PATH_MAX + CONFIG_NAME_MAX + 8];
    snprintf(path, sizeof path, "%s/%s.trace", n->cfg.data_dir, n->self->name);
    t->f = fopen(path, "a");
    if (!t->f) {
        log_event(LOG_WARN, "trace_off", "path=%s error=\"%s\"", path,
                  strerror(errno));
        return;
    }
    /* Fully buffered: trace_tick() writes it out once per heartbeat. */
    setvbuf(t->f, NULL, _IOFBF, 1 << 16);
    t->max = n->cfg.trace_lines;
    t->lines = 0;
    t->flushed_ms = tp_now_ms();
    log_event(LOG_INFO, "trace_on", "path=%s lines=%llu", path,
              (unsigned long long)t->max);
    s_line(n, tp_now_ns(), "start", " role=%s", config_role_name(n->role));
}

void trace_close(node_t *n)
{
    if (n->trace.f)
        fclose(n->trace.f);
    n->trace.f = NULL;
}

void trace_tick(node_t *n)
{
    trace_t *t = &n->trace;
    int64_t now = tp_now_ms();
    if (t->f && now - t->flushed_ms >= n->cfg.heartbeat_ms) {
        fflush(t->f);
        t->flushed_ms = now;
    }
}

/* Writes "S@O" for a stamp and an origin into buf. Returns buf. */
static const char *s_pair(const node_t *n, uint64_t stamp, uint16_t origin,
                          char *buf, size_t cap)
{
    snprintf(buf, cap, "%llu.%u@%s", (unsigned long long)hlc_ms(stamp),
             hlc_logical(stamp), node_name_of(n, origin));
    return buf;
}

/*
 * Writes one line stamped t_ns: the common head, then the event's own
 * fields. The last line a trace may hold says it is full, and the file is
 * closed: a node never writes more than trace_lines lines per start.
 */
__attribute__((format(printf, 4, 5))) static void
s_line(node_t *n, int64_t t_ns, const char *ev, const char *fmt, ...)
{
    trace_t *t = &n->trace;
    int full = t->lines + 1 >= t->max;
    uint64_t wall = hlc_wall_ms() + (uint64_t)n->clock.offset_ms;
    fprintf(t->f, "t=%lld node=%s ev=%s hlc=%llu.%u wall=%llu", (long long)t_ns,
            n->self->name, full ? "full" : ev,
            (unsigned long long)hlc_ms(n->clock.last),
            hlc_logical(n->clock.last), (unsigned long long)wall);
    if (full) {
        fprintf(t->f, " lines=%llu\n", (unsigned long long)t->max);
        log_event(LOG_INFO, "trace_full", "lines=%llu",
                  (unsigned long long)t->max);
        trace_close(n);
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    vfprintf(t->f, fmt, ap);
    va_end(ap);
    fputc('\n', t->f);
    t->lines++;
}

void trace_write(node_t *n, const uint8_t *key, size_t klen,
                 const record_t *rec, const store_outcome_t *o)
{
    if (!trace_on(&n->trace))
        return;
    char k[TRACE_KEY_MAX], p[64];
    log_escape(key, klen, k, sizeof k);
    s_line(n, tp_now_ns(), "write", " key=%s stamp=%s seq=%llu won=%d", k,
           s_pair(n, rec->stamp, rec->origin, p, sizeof p),
           (unsigned long long)rec->seq, o->result == STORE_STORED);
}

/* What a trace says of a pack: how many REC frames it holds, and the
 * pairs of the first and the last. */
typedef struct {
    int count;
    char first[64], last[64];
} pack_span_t;

/* Walks a pack's frames. A frame that does not decode ends the walk: the
 * follower has logged it already. Returns the number of REC frames. */
static int s_span(const node_t *n, const uint8_t *pack, size_t len,
                  pack_span_t *sp)
{
    wire_msg_t first = {0}, last = {0}, m;
    size_t off = 0, flen;
    sp->count = 0;
    while (off < len && wire_frame_len(pack + off, len - off, &flen) == 0 &&
           wire_decode(pack + off, flen, &m) == 0) {
        if (m.cmd == WIRE_REC) {
            if (sp->count++ == 0)
                first = m;
            last = m;
        }
        off += flen;
    }
    s_pair(n, first.stamp, first.origin, sp->first, sizeof sp->first);
    s_pair(n, last.stamp, last.origin, sp->last, sizeof sp->last);
    return sp->count;
}

void trace_send(node_t *n, int64_t t_ns, const void *id, size_t idlen,
                const uint8_t *pack, size_t len)
{
    pack_span_t sp;
    if (!trace_on(&n->trace) || s_span(n, pack, len, &sp) == 0)
        return; /* off, or a beat or snapshot part: not a replicated batch */
    s_line(n, t_ns, "send", " to=%.*s n=%d first=%s last=%s", (int)idlen,
           (const char *)id, sp.count, sp.first, sp.last);
}

void trace_apply(node_t *n, const char *src, const uint8_t *pack, size_t len,
                 int applied, uint64_t conflicts, uint64_t hlc_before)
{
    pack_span_t sp;
    if (!trace_on(&n->trace) || s_span(n, pack, len, &sp) == 0)
        return;
    s_line(n, tp_now_ns(), "apply",
           " from=%s n=%d applied=%d conflicts=%llu first=%s last=%s "
           "hlc_before=%llu.%u",
           src, sp.count, applied, (unsigned long long)conflicts, sp.first,
           sp.last, (unsigned long long)hlc_ms(hlc_before),
           hlc_logical(hlc_before));
}

void trace_lww(node_t *n, const uint8_t *key, size_t klen, uint64_t winner,
               uint16_t wo, uint64_t loser, uint16_t lo, int concurrent,
               const char *via)
{
    if (!trace_on(&n->trace))
        return;
    char k[TRACE_KEY_MAX], w[64], l[64];
    log_escape(key, klen, k, sizeof k);
    s_line(n, tp_now_ns(), "lww",
           " key=%s winner=%s loser=%s concurrent=%d via=%s", k,
           s_pair(n, winner, wo, w, sizeof w),
           s_pair(n, loser, lo, l, sizeof l), concurrent, via);
}
