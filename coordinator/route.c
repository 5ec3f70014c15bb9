/*
 * route.c - where each request goes: the only place where a node is chosen.
 *
 * Writes follow write_route (primary, home, sticky); reads follow
 * read_route (round_robin, least_lag, ryw, primary) among the replicas
 * that are up and no more than max_lag records behind, falling back to a
 * writer. Every decision reads the node table that failover.c keeps
 * current from heartbeats: a node's up flag, role and applied vector are
 * at most one beat old.
 */
#include <stdint.h>
#include "coord_int.h"

static int s_is_writer_role(node_role_t r)
{
    return r == ROLE_MASTER || r == ROLE_PRIMARY;
}

static uint64_t s_hash(const uint8_t *p, size_t n)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 1099511628211ULL;
    return h;
}

/*
 * Writes. Primary-standby: the current primary, or -2 (hold) while it is
 * down. Multi-master: write_route picks among the up masters: home = the
 * key's hash mod the masters (the next up one if it is down), sticky = the
 * connection's master while it stays up, primary = the first up master.
 * Returns a node index, -2 to hold, or -1 when no writer is up.
 */
int route_write(coord_t *co, const uint8_t *key, size_t klen, conn_t *c)
{
    int writers[MM_MAX_NODES], n = 0, start;

    if (co->primary_standby) {
        if (co->fo != FO_NONE || co->writer < 0 || !co->nodes[co->writer].up)
            return -2;
        return co->writer;
    }
    for (int i = 0; i < co->nnodes; i++)
        if (co->nodes[i].cfg->role == ROLE_MASTER)
            writers[n++] = i;
    if (n == 0)
        return -1;
    switch (co->cfg.coord.write_route) {
    case WRITE_ROUTE_HOME:
        start = (int)(s_hash(key, klen) % (uint64_t)n);
        break;
    case WRITE_ROUTE_STICKY:
        if (c != NULL && c->sticky >= 0 && co->nodes[c->sticky].up)
            return c->sticky;
        start = (int)(co->rr_write++ % (unsigned)n);
        break;
    default:
        start = 0;
        break;
    }
    for (int k = 0; k < n; k++) {
        int i = writers[(start + k) % n];
        if (co->nodes[i].up) {
            if (c != NULL && co->cfg.coord.write_route == WRITE_ROUTE_STICKY)
                c->sticky = i;
            return i;
        }
    }
    return -1;
}

/* The writer reads fall back to: the primary, or any up master. */
static int s_read_fallback(coord_t *co)
{
    if (co->primary_standby)
        return co->writer >= 0 && co->nodes[co->writer].up ? co->writer : -1;
    for (int k = 0; k < co->nnodes; k++) {
        int i = (int)((co->rr_read + (unsigned)k) % (unsigned)co->nnodes);
        if (co->nodes[i].cfg->role == ROLE_MASTER && co->nodes[i].up)
            return i;
    }
    return -1;
}

/*
 * How far each node is behind: for every writer origin, the newest seq
 * any writer reported for it minus what the node has applied, from the
 * latest STATUS replies (so it is at most one heartbeat old). Kept in
 * cnode_t.lag, refreshed when a STATUS reply comes rather than on every
 * read.
 */
void route_update_lag(coord_t *co)
{
    uint64_t best[MM_MAX_NODES + 1] = {0};

    for (int w = 0; w < co->nnodes; w++) {
        if (!s_is_writer_role(co->nodes[w].role))
            continue;
        for (int o = 1; o <= MM_MAX_NODES; o++)
            if (co->nodes[w].applied[o] > best[o])
                best[o] = co->nodes[w].applied[o];
    }
    for (int i = 0; i < co->nnodes; i++) {
        cnode_t *nd = &co->nodes[i];
        nd->lag = 0;
        for (int o = 1; o <= MM_MAX_NODES; o++)
            if (best[o] > nd->applied[o])
                nd->lag += best[o] - nd->applied[o];
    }
}

/*
 * Whether node i holds every acknowledged write of connection c, as far as
 * its last STATUS shows: applied[o] >= c's token for each origin o. A
 * writer always holds its own writes, whatever its last STATUS said.
 */
static int s_holds(const coord_t *co, int i, const conn_t *c)
{
    const cnode_t *nd = &co->nodes[i];
    for (int o = 1; o <= MM_MAX_NODES; o++)
        if (c->tok[o] > nd->applied[o] && nd->cfg->id != o)
            return 0;
    return 1;
}

/*
 * Where a ryw read goes when no replica is known to hold the connection's
 * writes: the node of its last write if it holds them all, else any up
 * writer that does, else that last node (in multi-master, writes to other
 * masters may then be missing until they replicate).
 */
static int s_ryw_fallback(coord_t *co, const conn_t *c)
{
    int last = c->tok_node;
    if (last >= 0 && co->nodes[last].up && s_holds(co, last, c))
        return last;
    for (int i = 0; i < co->nnodes; i++)
        if (co->nodes[i].up && s_is_writer_role(co->nodes[i].role) &&
            s_holds(co, i, c))
            return i;
    if (last >= 0 && co->nodes[last].up)
        return last;
    return s_read_fallback(co);
}

/*
 * Reads go to up replicas (nodes that report role=replica), chosen by
 * read_route; with none up they go to the writer. ryw reads only from a
 * replica whose last STATUS shows every write the connection had
 * acknowledged, else from a writer that holds them (s_ryw_fallback).
 */
int route_read(coord_t *co, conn_t *c)
{
    int cand[MM_MAX_NODES], n = 0, best = -1;
    read_route_t route = co->cfg.coord.read_route;
    int ryw = route == READ_ROUTE_RYW && c != NULL && c->tok_node >= 0;

    if (route == READ_ROUTE_PRIMARY)
        return s_read_fallback(co);
    for (int i = 0; i < co->nnodes; i++) {
        cnode_t *nd = &co->nodes[i];
        node_role_t role = nd->have_status ? nd->role : nd->cfg->role;
        /* A replica that stopped following (further behind than max_lag
         * records) leaves the rotation until it catches up. */
        if (!nd->up || role != ROLE_REPLICA || nd->lag > co->cfg.coord.max_lag)
            continue;
        if (ryw && !s_holds(co, i, c))
            continue;
        cand[n++] = i;
    }
    if (n == 0)
        return ryw ? s_ryw_fallback(co, c) : s_read_fallback(co);
    if (route == READ_ROUTE_LEAST_LAG) {
        uint64_t least = UINT64_MAX;
        for (int k = 0; k < n; k++) {
            /* Rotate the start so equal lags still share the load. */
            int i = cand[(co->rr_read + (unsigned)k) % (unsigned)n];
            uint64_t lag = co->nodes[i].lag;
            if (lag < least) {
                least = lag;
                best = i;
            }
        }
        co->rr_read++;
        return best;
    }
    return cand[co->rr_read++ % (unsigned)n];
}
