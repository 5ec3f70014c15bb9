/*
 * status.c - STATUS: what a node tells about itself, as `name=value` lines.
 *
 * Every role answers STATUS; mmctl status prints it, mm-load samples the
 * applied vectors from it (replication lag over time), and the coordinator
 * uses it as its heartbeat and to read roles, epochs and lag. docs/
 * protocol.md lists every line. The text is built in the node's big buffer
 * and sent as the reply's value.
 */
#include <stdarg.h>
#include <stdio.h>
#include "engine.h"
#include "transport.h"

/* Appends printf output to the STATUS text in bigbuf. */
__attribute__((format(printf, 2, 3))) static void s_line(node_t *n,
                                                         const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    size_t room = WIRE_VALUE_MAX - n->biglen;
    int k = vsnprintf((char *)n->bigbuf + n->biglen, room, fmt, ap);
    va_end(ap);
    if (k > 0 && (size_t)k < room)
        n->biglen += (size_t)k;
}

static void s_vector(node_t *n, const char *label, const uint64_t *vec,
                     uint32_t mask)
{
    s_line(n, "%s=", label);
    const char *sep = "";
    for (uint16_t o = 1; o <= MM_MAX_NODES; o++) {
        if (!(mask & node_bit(o)))
            continue;
        s_line(n, "%s%s:%llu", sep, node_name_of(n, o),
               (unsigned long long)vec[o]);
        sep = ",";
    }
    s_line(n, "\n");
}

static void s_identity(node_t *n)
{
    s_line(n, "node=%s\nid=%u\nrole=%s\nepoch=%u\ncluster=%s\n", n->self->name,
           n->self->id, config_role_name(n->role), store_epoch(n->store),
           n->cfg.name);
    s_line(n, "clock=%s\nclock_offset_ms=%lld\ndurability=%s\n",
           hlc_mode_name(n->clock.mode), (long long)n->clock.offset_ms,
           n->cfg.durability == STORE_SYNC ? "sync" : "nosync");
    s_line(n, "write_service_us=%d\nread_service_us=%d\n",
           n->cfg.write_service_us, n->cfg.read_service_us);
}

static void s_counters(node_t *n)
{
    store_stats_t st;
    store_stats(n->store, &st);
    s_line(n, "commits=%llu\nlog_flushes=%llu\n",
           (unsigned long long)st.commits, (unsigned long long)st.flushes);
    s_line(n,
           "writes=%llu\nreads=%llu\napplied_remote=%llu\n"
           "conflicts=%llu\nconflicts_concurrent=%llu\n"
           "bad_requests=%llu\n",
           (unsigned long long)n->writes, (unsigned long long)n->reads,
           (unsigned long long)n->applied_remote,
           (unsigned long long)n->conflicts,
           (unsigned long long)n->conflicts_concurrent,
           (unsigned long long)n->bad_requests);
}

/* One line per source this node follows, and per follower it streams to. */
static void s_links(node_t *n, const uint64_t *applied, int64_t now)
{
    for (int i = 0; i < n->follow.nlinks; i++) {
        link_t *l = &n->follow.links[i];
        s_line(n, "source.%s=%s heard_ms_ago=%lld applied=%llu\n", l->src->name,
               l->up ? "up" : "down", (long long)(now - l->heard_ms),
               (unsigned long long)applied[l->src->id]);
    }
    for (int i = 0; i < MAX_FOLLOWERS; i++) {
        follower_t *f = &n->stream.followers[i];
        if (!f->used)
            continue;
        uint64_t behind = 0;
        for (uint16_t o = 1; o <= MM_MAX_NODES; o++)
            if ((f->want & node_bit(o)) && applied[o] > f->acked[o])
                behind += applied[o] - f->acked[o];
        s_line(n, "follower.%.*s=acked:%llu lag_records=%llu heard_ms_ago=%lld",
               (int)f->idlen, f->id, (unsigned long long)f->acked[n->self->id],
               (unsigned long long)behind, (long long)(now - f->heard_ms));
        if (f->snap.active)
            s_line(n, " snapshot_sent=%llu snapshot_acked=%llu",
                   (unsigned long long)f->snap.sent,
                   (unsigned long long)f->snap.acked);
        s_line(n, "\n");
    }
}

/* The replication log's extent (nodes that keep one) and snapshots. */
static void s_log(node_t *n, const uint64_t *applied)
{
    if (n->peer) {
        uint64_t first[MM_MAX_NODES + 1] = {0}, held = 0;
        uint32_t writers = node_writer_mask(n);
        for (uint16_t o = 1; o <= MM_MAX_NODES; o++) {
            first[o] = store_log_first(n->store, o);
            if ((writers & node_bit(o)) && applied[o] >= first[o])
                held += applied[o] - first[o] + 1;
        }
        uint64_t pages = 0;
        store_log_pages(n->store, &pages);
        s_line(n, "log_retain=%llu\nlog_pages=%llu\n",
               (unsigned long long)n->cfg.log_retain,
               (unsigned long long)pages);
        s_vector(n, "log_first", first, writers);
        s_line(n, "log_records=%llu\nlog_truncated=%llu\nsnapshots_sent=%llu\n",
               (unsigned long long)held,
               (unsigned long long)n->retain.truncated,
               (unsigned long long)n->stream.snapshots_sent);
    }
    s_line(n, "snapshots_received=%llu\n",
           (unsigned long long)n->follow.snapshots_received);
}

static void s_faults(node_t *n)
{
    const fault_t *fl = &n->faults;
    s_line(n, "faults=");
    const char *sep = "";
    for (uint16_t o = 1; o <= MM_MAX_NODES; o++) {
        uint32_t b = node_bit(o);
        const char *dir = (fl->drop_in & fl->drop_out & b) ? "both"
                          : (fl->drop_in & b)              ? "in"
                          : (fl->drop_out & b)             ? "out"
                                                           : NULL;
        if (dir) {
            s_line(n, "%sdrop:%s:%s", sep, node_name_of(n, o), dir);
            sep = ",";
        }
        if (fl->delay_us[o]) {
            s_line(n, "%sdelay:%s:%lldms", sep, node_name_of(n, o),
                   (long long)(fl->delay_us[o] / 1000));
            sep = ",";
        }
    }
    s_line(n, "\n");
}

/* The acknowledgement policy and what waits on it. */
static void s_acks(node_t *n)
{
    const acks_t *p = &n->acks;
    int ps = n->role == ROLE_PRIMARY || n->role == ROLE_STANDBY;
    if (!ps && n->cfg.ack == ACK_NONE)
        return;
    s_line(n, "ack=%s\n", acks_policy_name(n->cfg.ack));
    if (ps)
        s_line(n, "sync_standby=%s\nstandby_attached=%s\nstandby_acked=%llu\n",
               acks_sync_standby(n) ? "yes" : "no",
               acks_standby_attached(n) ? "yes" : "no",
               (unsigned long long)p->standby_acked);
    else
        s_line(n, "confirmed=%llu\n", (unsigned long long)acks_confirmed(n));
    s_line(n, "held=%llu\nwrites_unconfirmed=%llu\n",
           (unsigned long long)(p->held_tail - p->held_head),
           (unsigned long long)p->writes_unconfirmed);
    if (ps)
        s_line(n,
               "writes_unprotected=%llu\nconfirmed_ms_ago=%lld\n"
               "newer_epoch=%u\n",
               (unsigned long long)p->writes_unprotected,
               (long long)(tp_now_ms() - n->primary.confirmed_ms),
               n->primary.newer_epoch);
}

void status_reply(node_t *n, zmq_msg_t *id, const wire_msg_t *m)
{
    int64_t now = tp_now_ms();
    uint64_t applied[MM_MAX_NODES + 1] = {0};
    for (uint16_t o = 1; o <= MM_MAX_NODES; o++)
        applied[o] = store_applied(n->store, o);
    n->biglen = 0;
    s_identity(n);
    s_vector(n, "applied", applied, node_writer_mask(n));
    if (store_flush_fd(n->store) >= 0) { /* sync: what the disk has */
        uint64_t durable[MM_MAX_NODES + 1] = {0};
        for (uint16_t o = 1; o <= MM_MAX_NODES; o++)
            durable[o] = store_durable(n->store, o);
        s_vector(n, "durable", durable, node_writer_mask(n));
    }
    s_counters(n);
    s_links(n, applied, now);
    s_log(n, applied);
    s_faults(n);
    s_acks(n);
    s_line(n, "lag_samples=%llu\nlag_p50_us=%llu\nlag_p99_us=%llu\n",
           (unsigned long long)n->lag_us.count,
           (unsigned long long)hist_quantile(&n->lag_us, 0.50),
           (unsigned long long)hist_quantile(&n->lag_us, 0.99));
    wire_msg_t r = {0};
    r.cmd = WIRE_STATUS_REPLY;
    r.origin = n->self->id;
    r.epoch = store_epoch(n->store);
    r.reqid = m->reqid;
    r.value = n->bigbuf;
    r.vlen = (uint32_t)n->biglen;
    serve_reply_now(n, id, &r);
}
