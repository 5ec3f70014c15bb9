/*
 * node.h - one mmlab node (master, replica, primary or standby), in one
 * event loop.
 *
 * A node is a Berkeley DB store with three kinds of traffic around it:
 *
 *   1. Clients (the `client` ROUTER): PUT/DEL are stamped with the node's
 *      clock and applied in batches, one transaction per batch (group
 *      commit); GET/DUMP/STATUS/PING read committed state. A replica and a
 *      standby refuse writes; PROMOTE/DEMOTE change a primary-standby
 *      node's role and epoch.
 *   2. Followers (writer roles: the `peer` ROUTER): each follower says HELLO
 *      with its applied vector and the master streams its log from there,
 *      keeping at most `window` records unacknowledged per follower.
 *   3. Sources (a DEALER to every other writer's `peer` socket, every
 *      role alike): the node follows the writers, applying what it
 *      receives with the same LWW rule and acknowledging cumulatively.
 *
 * Masters and replicas run the same engine because a role is a setting, not
 * a different program: promoting a standby changes a running node's role.
 *
 * Single-threaded: one zmq_poll loop, no locks.
 */
#ifndef MM_NODE_H
#define MM_NODE_H

#include <stddef.h>
#include "config.h"

typedef struct node node_t;

/*
 * Builds the node `name` of cfg: opens its store under cfg->data_dir/name,
 * binds its sockets and connects to its sources. Returns NULL with a message
 * in err on failure. Caller owns the returned object and destroys it with
 * node_destroy().
 */
node_t *node_new(const config_t *cfg, const char *name, char *err,
                 size_t errlen);

/* Serves until node_request_stop() is called (typically from a signal
 * handler). Returns 0 on a clean stop. */
int node_run(node_t *n);

/* Async-signal-safe: asks every node loop in the process to stop. */
void node_request_stop(void);

/* Closes sockets, then the store. Accepts NULL and a pointer to NULL. */
void node_destroy(node_t **n);

/* Shared main() for mm-master and mm-replica: parses --config/--node,
 * checks the node's role is `role`, runs it. Returns the exit status. */
int node_main(int argc, char **argv, node_role_t role, const char *prog);

#endif
