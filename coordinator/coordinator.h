/*
 * coordinator.h - the cluster's front door: one address for clients, which
 * the coordinator turns into requests to the right node.
 *
 * It speaks two protocols to clients (the nodes' own ZeroMQ protocol on the
 * [coordinator] `client` endpoint, and RESP2 on `resp`, for redis-cli and
 * redis-benchmark), and one to the nodes (the same ZeroMQ protocol, over a
 * small pool of persistent DEALER connections per node, or one connection
 * per request with pool = off). Its decisions, each made in one place
 * (route.c for 1 and 2, failover.c for 3 to 5; coord_int.h maps the files):
 *
 *   1. where a write goes (write_route: primary, home, sticky),
 *   2. where a read goes (read_route: round_robin, least_lag, ryw, primary),
 *   3. whether a node is up (heartbeats: STATUS every heartbeat_ms; down
 *      after `missed` beats without an answer),
 *   4. when to fail over (primary-standby clusters: the primary is down) and
 *      whom to promote (the up standby furthest along), with a new epoch,
 *      holding client writes meanwhile,
 *   5. whom to fence (a node that still says it is primary of an older
 *      epoch gets DEMOTE).
 *
 * docs/coordinator.md explains the policies and what the coordinator does
 * not protect against: it is itself a single point of failure.
 */
#ifndef MM_COORDINATOR_H
#define MM_COORDINATOR_H

#include <stddef.h>
#include "config.h"

typedef struct coord coord_t;

/*
 * Builds a coordinator for the cluster in cfg (copied), binds its fronts
 * and connects to every node. Returns NULL with a message in err on
 * failure (no [coordinator] section, an address in use, ...). Caller owns
 * the returned object and destroys it with coord_destroy().
 */
coord_t *coord_new(const config_t *cfg, char *err, size_t errlen);

/* Serves until coord_stop() is called. Returns 0 or a negative code. */
int coord_run(coord_t *co);

/* Asks coord_run() to return soon. Async-signal-safe. */
void coord_stop(coord_t *co);

/* Closes every connection and frees co; accepts NULL and *co == NULL. */
void coord_destroy(coord_t **co);

#endif
