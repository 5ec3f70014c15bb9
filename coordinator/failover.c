/*
 * failover.c - heartbeats, failure detection, standby promotion, fencing.
 *
 *   - Every heartbeat_ms each node gets a STATUS on its own admin DEALER;
 *     any reply from a node counts as a beat. A node that let `missed`
 *     beats pass unanswered is down: reads and writes stop going to it.
 *     One answer brings it back. Its STATUS reply keeps the node table
 *     current (role, epoch, applied vector), which is what route.c
 *     decides from.
 *   - In a primary-standby cluster, the primary going down starts a
 *     failover: new writes are held (up to hold_ms). A promotion also
 *     needs the direct check to fail: the primary's admin connection has
 *     closed (a process that dies closes its connections, so a crash is
 *     still replaced after `missed` beats), or it has been silent for
 *     suspect_ms. A primary that is silent with its connection open is
 *     alive but frozen or swamped, and replacing it would cost a
 *     failover for nothing (s_primary_suspect). Then the up standby with
 *     the highest applied vector is sent PROMOTE with epoch = highest epoch
 *     seen + 1, and when it answers OK it becomes the writer and the held
 *     writes go to it. Each phase is logged with its time since detection.
 *   - A node that reports role=primary with an epoch below the cluster's is
 *     a returning old primary: it is sent DEMOTE (fencing). Epochs make the
 *     fence hold at the nodes too: they refuse writes from older epochs.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "coord_int.h"
#include "log.h"

void failover_heard(coord_t *co, int i)
{
    cnode_t *nd = &co->nodes[i];
    if (nd->suspect)
        log_event(LOG_INFO, "node_answers", "target=%s silent_ms=%lld",
                  nd->cfg->name, (long long)(co->now_ms - nd->heard_ms));
    nd->heard_ms = co->now_ms;
    nd->missed = 0;
    nd->outstanding = 0;
    nd->suspect = 0;
    if (!nd->up) {
        nd->up = 1;
        log_event(LOG_INFO, "node_up", "target=%s", nd->cfg->name);
    }
}

/* ---- The direct check: is the admin connection open? ------------------ */

int failover_watch_link(coord_t *co, int i, void *sock)
{
    char name[48];
    int rc;

    /* A node's sockets are made again after a long silence, while the old
     * monitor's endpoint may not be gone yet: each name is new. */
    snprintf(name, sizeof name, "link-%d-%llu", i,
             (unsigned long long)++co->links_made);
    void *mon =
        tp_monitor(co->ctx, sock, name,
                   ZMQ_EVENT_HANDSHAKE_SUCCEEDED | ZMQ_EVENT_DISCONNECTED);
    if (mon == NULL)
        return -errno;
    rc = coord_watch(co, &co->nodes[i].link, mon, ZS_LINK, i);
    if (rc < 0)
        zmq_close(mon);
    return rc;
}

void failover_link_read(coord_t *co, int i)
{
    cnode_t *nd = &co->nodes[i];
    uint16_t event;
    uint32_t value;
    while (tp_monitor_read(nd->link.sock, &event, &value) == 0) {
        int linked = event == ZMQ_EVENT_HANDSHAKE_SUCCEEDED;
        if (linked != nd->linked)
            log_event(LOG_INFO, linked ? "link_up" : "link_lost", "target=%s",
                      nd->cfg->name);
        nd->linked = linked;
    }
}

/* Reads one reply from a node's pool (or pool=off) socket. */
static void s_parse_applied(coord_t *co, cnode_t *nd, const char *v, size_t len)
{
    char buf[1024], *save = NULL;
    if (len >= sizeof buf)
        len = sizeof buf - 1;
    memcpy(buf, v, len);
    buf[len] = '\0';
    for (char *tok = strtok_r(buf, ",", &save); tok != NULL;
         tok = strtok_r(NULL, ",", &save)) {
        char *colon = strchr(tok, ':');
        if (colon == NULL)
            continue;
        *colon = '\0';
        const config_node_t *o = config_node(&co->cfg, tok);
        if (o != NULL)
            nd->applied[o->id] = strtoull(colon + 1, NULL, 10);
    }
}

static void s_send_admin(coord_t *co, int i, int cmd, uint32_t epoch,
                         uint64_t reqid)
{
    wire_msg_t m = {0};
    m.cmd = (uint8_t)cmd;
    m.epoch = epoch;
    m.reqid = reqid;
    tp_send(co->nodes[i].admin.sock, &m, ZMQ_DONTWAIT);
    coord_zdirty(co, &co->nodes[i].admin);
}

/* A node's STATUS: its role, epoch and applied vector; and fencing. */
static void s_on_status(coord_t *co, int i, const wire_msg_t *m)
{
    cnode_t *nd = &co->nodes[i];
    const char *p = (const char *)m->value, *end = p + m->vlen;

    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *eol = nl != NULL ? nl : end;
        const char *eq = memchr(p, '=', (size_t)(eol - p));
        if (eq != NULL) {
            size_t kl = (size_t)(eq - p), vl = (size_t)(eol - eq - 1);
            char v[32];
            size_t cl = vl < sizeof v - 1 ? vl : sizeof v - 1;
            memcpy(v, eq + 1, cl);
            v[cl] = '\0';
            if (kl == 4 && memcmp(p, "role", 4) == 0) {
                nd->role = !strcmp(v, "primary")   ? ROLE_PRIMARY
                           : !strcmp(v, "standby") ? ROLE_STANDBY
                           : !strcmp(v, "replica") ? ROLE_REPLICA
                                                   : ROLE_MASTER;
            } else if (kl == 5 && memcmp(p, "epoch", 5) == 0) {
                nd->epoch = (uint32_t)strtoul(v, NULL, 10);
            } else if (kl == 7 && memcmp(p, "applied", 7) == 0) {
                s_parse_applied(co, nd, eq + 1, vl);
            } else if (kl == 5 && memcmp(p, "reads", 5) == 0) {
                nd->reads = strtoull(v, NULL, 10);
            } else if (kl == 6 && memcmp(p, "writes", 6) == 0) {
                nd->writes = strtoull(v, NULL, 10);
            }
        }
        p = eol + 1;
    }
    nd->have_status = 1;
    if (nd->epoch > co->epoch && co->fo == FO_NONE)
        co->epoch = nd->epoch; /* a coordinator restarted after failovers */
    if (!co->primary_standby || nd->role != ROLE_PRIMARY)
        return;
    if (i != co->writer && nd->epoch >= co->epoch && co->fo == FO_NONE &&
        (co->writer < 0 || co->nodes[co->writer].role != ROLE_PRIMARY ||
         co->nodes[co->writer].epoch < nd->epoch)) {
        log_event(LOG_INFO, "writer", "target=%s epoch=%u reason=reported",
                  nd->cfg->name, nd->epoch);
        co->writer = i;
    } else if (i != co->writer && nd->epoch < co->epoch &&
               nd->fenced_epoch != co->epoch) {
        /* A primary of an older epoch: it must not take writes. */
        nd->fenced_epoch = co->epoch;
        s_send_admin(co, i, WIRE_DEMOTE, co->epoch, ++co->admin_reqid);
        log_event(LOG_INFO, "failover",
                  "phase=fenced node=%s its_epoch=%u epoch=%u elapsed_ms=%lld",
                  nd->cfg->name, nd->epoch, co->epoch,
                  (long long)(co->fo_detected_ms
                                  ? tp_now_ms() - co->fo_detected_ms
                                  : 0));
    }
}

void failover_admin_read(coord_t *co, int i)
{
    for (;;) {
        zmq_msg_t msg;
        wire_msg_t m;
        zmq_msg_init(&msg);
        if (tp_recv(co->nodes[i].admin.sock, &msg, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&msg);
            return;
        }
        failover_heard(co, i);
        if (wire_decode(zmq_msg_data(&msg), zmq_msg_size(&msg), &m) == 0) {
            if (m.cmd == WIRE_STATUS_REPLY) {
                s_on_status(co, i, &m);
                route_update_lag(co);
            } else if (co->fo == FO_PROMOTING && m.reqid == co->fo_reqid &&
                       i == co->fo_candidate) {
                int64_t now = tp_now_ms();
                if (m.cmd == WIRE_OK) {
                    co->writer = i;
                    co->epoch = co->fo_epoch;
                    co->nodes[i].role = ROLE_PRIMARY;
                    co->nodes[i].epoch = co->fo_epoch;
                    co->fo = FO_NONE;
                    co->first_write_pending = 1;
                    co->promoted_at_ms = now;
                    co->st_failovers++;
                    log_event(LOG_INFO, "failover",
                              "phase=promoted node=%s epoch=%u elapsed_ms=%lld",
                              co->nodes[i].cfg->name, co->epoch,
                              (long long)(now - co->fo_detected_ms));
                    pool_release_held(co);
                } else {
                    log_event(LOG_WARN, "failover",
                              "phase=promote_refused node=%s reply=%s "
                              "message=\"%.*s\" elapsed_ms=%lld",
                              co->nodes[i].cfg->name, wire_cmd_name(m.cmd),
                              (int)(m.vlen > 120 ? 120 : m.vlen),
                              (const char *)m.value,
                              (long long)(now - co->fo_detected_ms));
                    co->fo = FO_HOLDING;
                }
            }
        }
        zmq_msg_close(&msg);
    }
}

/*
 * The direct check before a promotion: a primary whose connection is
 * still open is alive, only frozen or swamped (a flood of connections
 * once froze one for 600 ms), and is not replaced until it has been
 * silent for suspect_ms; one whose connection closed is gone. Returns 1
 * while the promotion must wait (client writes stay held meanwhile).
 */
static int s_primary_suspect(coord_t *co, int w, int64_t now)
{
    cnode_t *nd = &co->nodes[w];
    int64_t silent = now - nd->heard_ms;

    if (!nd->linked || silent >= co->cfg.coord.suspect_ms)
        return 0;
    if (!nd->suspect)
        log_event(LOG_WARN, "node_suspect",
                  "target=%s silent_ms=%lld connection=open suspect_ms=%d",
                  nd->cfg->name, (long long)silent, co->cfg.coord.suspect_ms);
    nd->suspect = 1;
    return 1;
}

/*
 * One failover step, run every beat: detect, choose, promote. The standby
 * chosen is the up one with the most applied records of the old primary
 * (with ack = standby every acknowledged write is on it; the log line says
 * how its applied position compares with the highest seq we saw OK'd).
 */
static void s_failover_step(coord_t *co)
{
    int64_t now = tp_now_ms();
    int w = co->writer;

    if (!co->primary_standby)
        return;
    if (co->fo == FO_NONE) {
        if (w < 0 || co->nodes[w].up)
            return;
        co->fo = FO_HOLDING;
        co->fo_detected_ms = now;
        log_event(LOG_INFO, "failover",
                  "phase=detected node=%s missed=%d silent_ms=%lld "
                  "elapsed_ms=0",
                  co->nodes[w].cfg->name, co->nodes[w].missed,
                  (long long)(now - co->nodes[w].heard_ms));
    }
    if (co->fo == FO_PROMOTING) {
        if (now < co->fo_deadline_ms)
            return;
        log_event(LOG_WARN, "failover",
                  "phase=promote_timeout node=%s elapsed_ms=%lld",
                  co->nodes[co->fo_candidate].cfg->name,
                  (long long)(now - co->fo_detected_ms));
        co->fo = FO_HOLDING;
    }
    if (w >= 0 && co->nodes[w].up) {
        /* It came back before anyone was promoted: nothing to do. */
        log_event(LOG_INFO, "failover",
                  "phase=aborted node=%s reason=primary_back elapsed_ms=%lld",
                  co->nodes[w].cfg->name,
                  (long long)(now - co->fo_detected_ms));
        co->fo = FO_NONE;
        pool_release_held(co);
        return;
    }
    if (w >= 0 && s_primary_suspect(co, w, now))
        return;
    int best = -1;
    uint64_t best_applied = 0;
    uint16_t old = w >= 0 ? co->nodes[w].cfg->id : 0;
    uint32_t top_epoch = co->epoch;
    for (int i = 0; i < co->nnodes; i++) {
        cnode_t *nd = &co->nodes[i];
        if (nd->epoch > top_epoch)
            top_epoch = nd->epoch;
        if (i == w || !nd->up || !nd->have_status || nd->role != ROLE_STANDBY)
            continue;
        uint64_t a = 0;
        for (int o = 1; o <= MM_MAX_NODES; o++)
            a += nd->applied[o];
        if (best < 0 || a > best_applied) {
            best = i;
            best_applied = a;
        }
    }
    if (best < 0)
        return; /* no standby up: writes stay held, up to hold_ms */
    co->fo = FO_PROMOTING;
    co->fo_candidate = best;
    co->fo_epoch = top_epoch + 1;
    co->fo_reqid = ++co->admin_reqid;
    co->fo_deadline_ms = now + CO_TIMEOUT_MS;
    log_event(LOG_INFO, "failover",
              "phase=promoting node=%s epoch=%u standby_applied=%llu "
              "acked_seq=%llu elapsed_ms=%lld",
              co->nodes[best].cfg->name, co->fo_epoch,
              (unsigned long long)(old ? co->nodes[best].applied[old] : 0),
              (unsigned long long)(old ? co->acked_seq[old] : 0),
              (long long)(now - co->fo_detected_ms));
    s_send_admin(co, best, WIRE_PROMOTE, co->fo_epoch, co->fo_reqid);
}

void failover_heartbeat(coord_t *co)
{
    for (int i = 0; i < co->nnodes; i++) {
        cnode_t *nd = &co->nodes[i];
        /* ZeroMQ reconnects after a dropped connection, but gives an
         * endpoint up for good after a handshake that failed on the
         * protocol (a process without our keys answered there): new
         * sockets, so that it cannot cut us off from the node for good. */
        if (!nd->linked && co->now_ms - nd->opened_ms >= CO_REOPEN_MS &&
            coord_reconnect_node(co, i) == 0)
            log_event(LOG_INFO, "reconnect", "target=%s", nd->cfg->name);
        if (nd->outstanding && ++nd->missed >= co->cfg.coord.missed && nd->up) {
            nd->up = 0;
            log_event(LOG_WARN, "node_down",
                      "target=%s missed=%d silent_ms=%lld connection=%s",
                      nd->cfg->name, nd->missed,
                      (long long)(tp_now_ms() - nd->heard_ms),
                      nd->linked ? "open" : "lost");
            pool_fail_node(co, i);
        }
        nd->outstanding = 1;
        s_send_admin(co, i, WIRE_STATUS, co->epoch, ++co->admin_reqid);
    }
    s_failover_step(co);
}

const char *failover_state_name(fo_state_t s)
{
    return s == FO_HOLDING     ? "holding"
           : s == FO_PROMOTING ? "promoting"
                               : "none";
}
