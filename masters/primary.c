/*
 * primary.c - primary and standby: epochs, promotion, and fencing.
 *
 * In a primary-standby cluster one node takes writes (the primary) and the
 * others follow it; the coordinator (docs/coordinator.md) promotes a
 * standby when the primary dies. The epoch numbers the primaries: each
 * promotion starts a new, higher epoch, recorded durably together with the
 * node's role (store_set_term), and every message a node sends carries its
 * epoch. That is how a replaced primary is fenced:
 *
 *   - a follower ignores a source whose epoch is older than its own
 *     (replicas/follow.c), so an old primary's writes go nowhere;
 *   - a node that hears a newer epoch adopts it, and a primary that does
 *     so knows it was replaced and demotes itself (primary_adopt_epoch);
 *   - a client request that names an epoch other than the node's is
 *     refused (the coordinator sends its epoch with every request);
 *   - a primary that has heard of a newer epoch, from a client or a
 *     follower, refuses every write, whatever epoch the request names;
 *   - a primary that cannot confirm it is still the primary refuses every
 *     write (primary_write_refusal): it holds a lease, renewed each time a
 *     standby's HELLO or ACK, or a client request (the coordinator's
 *     heartbeat), arrives at its own epoch. A primary cut off from its
 *     standbys and from the coordinator stops writing when the lease runs
 *     out, which is before the coordinator can have promoted anyone else;
 *   - a primary that restarts first listens for a newer epoch before it
 *     takes writes (primary_check_term).
 *
 * A demoted primary throws its store away and copies everything back from
 * the new primary as a standby (primary.c's s_demote says why).
 */
/* nftw() (s_demote wipes a store directory) needs X/Open 500 or later. */
#define _XOPEN_SOURCE 700
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include "engine.h"
#include "log.h"
#include "transport.h"

/* Removes one file or directory (nftw callback for s_demote). */
static int s_rm(const char *path, const struct stat *st, int flag,
                struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

/*
 * A primary that learns of a newer epoch was replaced while it was away.
 * Its store may hold writes it committed but nobody acknowledged (the
 * standby never confirmed them): the decision here is to throw the whole
 * store away and copy everything back from the new primary. That costs a
 * full copy, but no write that a client was told about is lost (the new
 * primary has all of them) and no unacknowledged write survives on one node
 * only. The node comes back as a standby of the new epoch.
 */
static int s_demote(node_t *n, uint32_t epoch)
{
    char err[256], dir[CONFIG_PATH_MAX + CONFIG_NAME_MAX + 2];
    log_event(LOG_INFO, "demote",
              "epoch=%u old_epoch=%u discarded_own_seq=%llu", epoch,
              store_epoch(n->store),
              (unsigned long long)store_applied(n->store, n->self->id));
    acks_abandon(n);
    if (n->batch_open)
        store_abort(n->store);
    n->batch_open = 0;
    store_destroy(&n->store);
    snprintf(dir, sizeof dir, "%s/%s", n->cfg.data_dir, n->self->name);
    nftw(dir, s_rm, 16, FTW_DEPTH | FTW_PHYS);
    n->store = node_open_store(n, err, sizeof err);
    if (!n->store || store_set_term(n->store, epoch, ROLE_STANDBY) < 0) {
        /* Without a store the node cannot serve anything: stop at once
         * (its data directory was emptied; a restart resyncs it). */
        log_event(LOG_ERROR, "demote_failed", "error=\"%s\"",
                  n->store ? "cannot record the new epoch" : err);
        exit(1);
    }
    n->role = ROLE_STANDBY;
    stream_reset(n);
    follow_reset(n);
    follow_update_wants(n);
    return 0;
}

void primary_adopt_epoch(node_t *n, uint32_t epoch)
{
    if (epoch <= store_epoch(n->store))
        return;
    if (n->role == ROLE_PRIMARY) {
        s_demote(n, epoch);
        return;
    }
    int rc = store_set_term(n->store, epoch, store_role(n->store));
    log_event(rc == 0 ? LOG_INFO : LOG_ERROR, "epoch", "epoch=%u rc=%d", epoch,
              rc);
}

/* PROMOTE: a standby becomes the primary of a newer epoch. */
static int s_promote(node_t *n, const wire_msg_t *m, char *msg, size_t cap)
{
    uint32_t epoch = store_epoch(n->store);
    if (n->role == ROLE_PRIMARY && m->epoch == epoch)
        return 0; /* already done: a retried PROMOTE is harmless */
    if (n->role != ROLE_STANDBY || m->epoch <= epoch) {
        snprintf(msg, cap,
                 "cannot promote %s (a %s at epoch %u) to epoch %u: only "
                 "a standby, to a newer epoch",
                 n->self->name, config_role_name(n->role), epoch, m->epoch);
        return MM_ERR_STATE;
    }
    int rc = store_set_term(n->store, m->epoch, ROLE_PRIMARY);
    if (rc < 0)
        return rc;
    n->role = ROLE_PRIMARY;
    n->acks.standby_acked = 0;
    n->primary.confirmed_ms = tp_now_ms(); /* the PROMOTE confirms it */
    n->primary.newer_epoch = 0;
    log_event(LOG_INFO, "promoted", "epoch=%u old_epoch=%u own_seq=%llu",
              m->epoch, epoch,
              (unsigned long long)store_applied(n->store, n->self->id));
    return 0;
}

/* DEMOTE: a primary of an older epoch becomes a standby of this one. */
static int s_demote_command(node_t *n, const wire_msg_t *m, char *msg,
                            size_t cap)
{
    uint32_t epoch = store_epoch(n->store);
    if (m->epoch < epoch || (m->epoch == epoch && n->role == ROLE_PRIMARY)) {
        snprintf(msg, cap,
                 "cannot demote %s (a %s at epoch %u) with epoch %u: the "
                 "epoch must be newer",
                 n->self->name, config_role_name(n->role), epoch, m->epoch);
        return MM_ERR_STATE;
    }
    if (n->role == ROLE_PRIMARY)
        return s_demote(n, m->epoch);
    /* A standby learns epochs from its primary's stream; taking one from a
     * command would make the real primary (which hears the standby's newer
     * epoch) demote itself. */
    snprintf(msg, cap,
             "%s is already a standby; DEMOTE is for a replaced "
             "primary",
             n->self->name);
    return MM_ERR_STATE;
}

void primary_term_command(node_t *n, zmq_msg_t *id, const wire_msg_t *m)
{
    char msg[192] = "";
    int rc;
    if (n->role == ROLE_MASTER || n->role == ROLE_REPLICA) {
        snprintf(msg, sizeof msg,
                 "%s is a %s: promotion is for primary-standby clusters",
                 n->self->name, config_role_name(n->role));
        rc = MM_ERR_STATE;
    } else if (m->cmd == WIRE_PROMOTE) {
        rc = s_promote(n, m, msg, sizeof msg);
    } else {
        rc = s_demote_command(n, m, msg, sizeof msg);
    }
    if (rc < 0) {
        serve_reply_error(n, id, m->reqid, rc, msg[0] ? msg : mm_strerror(rc));
        return;
    }
    serve_reply_ok(n, id, m->reqid);
}

/* Whether another node could have been made primary in our place: the
 * cluster file has a standby (a cluster of one primary and replicas has
 * nobody to fail over to, so its primary never needs confirming). */
static int s_replaceable(const node_t *n)
{
    int writers = 0;
    for (int i = 0; i < n->cfg.nnodes; i++)
        writers += config_role_streams(n->cfg.nodes[i].role);
    return writers > 1;
}

/*
 * How long a confirmation lasts. With a coordinator it is the time the
 * coordinator takes to declare a silent node down (`missed` beats of
 * `heartbeat_ms`): it detects a primary it cannot hear at about one beat
 * after that and only then promotes, so the old primary has stopped
 * writing first. Without one, promotion is by hand, and the lease is the
 * node's own liveness window.
 */
static int64_t s_lease_ms(const node_t *n)
{
    if (n->cfg.coord.present)
        return (int64_t)n->cfg.coord.heartbeat_ms * n->cfg.coord.missed;
    return (int64_t)n->cfg.heartbeat_ms * n->cfg.liveness;
}

void primary_heard_epoch(node_t *n, uint32_t epoch, int confirms)
{
    uint32_t own = store_epoch(n->store);
    if (n->role != ROLE_PRIMARY || epoch == 0)
        return;
    if (epoch == own && confirms) {
        n->primary.confirmed_ms = tp_now_ms();
    } else if (epoch > own && epoch > n->primary.newer_epoch) {
        n->primary.newer_epoch = epoch;
        log_event(LOG_WARN, "fenced", "epoch=%u newer_epoch=%u", own, epoch);
    }
}

int primary_write_refusal(node_t *n, const wire_msg_t *m, char *msg, size_t cap)
{
    uint32_t own = store_epoch(n->store);
    if (m->epoch && m->epoch != own) {
        /* Epoch 0 means "any" (mmctl, mm-load). A coordinator sends its
         * epoch: an older one is a stale client, a newer one means this
         * node has been replaced and must not write. */
        snprintf(msg, cap, "epoch %u refused: %s is at epoch %u (%s)", m->epoch,
                 n->self->name, own,
                 m->epoch < own ? "stale request" : "this node was replaced");
        return MM_ERR_STATE;
    }
    if (n->role != ROLE_PRIMARY)
        return 0;
    if (!n->primary.term_checked) {
        snprintf(msg, cap,
                 "just started: checking that no newer primary exists; "
                 "not applied, try again");
        return MM_ERR_STATE;
    }
    if (n->primary.newer_epoch > own) {
        snprintf(msg, cap,
                 "%s has heard of epoch %u: a newer primary exists; not "
                 "applied, send writes to the new primary",
                 n->self->name, n->primary.newer_epoch);
        return MM_ERR_STATE;
    }
    int64_t quiet = tp_now_ms() - n->primary.confirmed_ms;
    if (s_replaceable(n) && quiet > s_lease_ms(n)) {
        snprintf(msg, cap,
                 "%s cannot confirm it is still the primary: no standby or "
                 "coordinator heard at epoch %u for %lld ms; not applied",
                 n->self->name, own, (long long)quiet);
        return MM_ERR_STATE;
    }
    return 0;
}

void primary_start(node_t *n)
{
    n->primary.started_ms = tp_now_ms();
    /* Only a restart can find the cluster moved on: a node whose store is
     * empty is starting the cluster and need not listen first. */
    int empty = 1;
    for (uint16_t o = 1; o <= MM_MAX_NODES; o++)
        empty &= store_applied(n->store, o) == 0;
    n->primary.term_checked = empty;
    /* The same goes for the lease: a primary starting a new cluster is
     * confirmed by the cluster file; a restarted one waits to hear a
     * standby or the coordinator at its epoch. */
    n->primary.confirmed_ms = empty ? n->primary.started_ms : 0;
}

/*
 * A primary that (re)starts first listens for a newer epoch before taking
 * writes: if it was replaced while it was down, a source's first message
 * says so and it demotes itself instead of acknowledging writes it would
 * later have to discard.
 */
void primary_check_term(node_t *n)
{
    if (n->primary.term_checked)
        return;
    int64_t dead = (int64_t)n->cfg.heartbeat_ms * n->cfg.liveness;
    int heard_all = 1;
    for (int i = 0; i < n->follow.nlinks; i++)
        heard_all &= n->follow.links[i].heard_ms >= n->primary.started_ms;
    if (heard_all || tp_now_ms() - n->primary.started_ms > dead)
        n->primary.term_checked = 1;
}
