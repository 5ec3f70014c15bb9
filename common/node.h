/*
 * node.h - one mmlab node (master, replica, primary or standby): start it,
 * run it, stop it.
 *
 * A node is a Berkeley DB store with three kinds of traffic around it:
 * requests from clients, the streams it sends its followers (writer roles
 * only), and the streams it follows from every other writer. common/
 * engine.h is the inside: the node's state and which file does what (the
 * writer's work in masters/, the follower's in replicas/, the loop here in
 * common/).
 *
 * Masters and replicas run the same engine because a role is a setting,
 * not a different program: promoting a standby changes a running node's
 * role. mm-master (masters/mm_master.c) runs the writer roles and
 * mm-replica (replicas/mm_replica.c) runs replicas.
 *
 * Single-threaded: one zmq_poll loop, no locks.
 */
#ifndef MM_NODE_H
#define MM_NODE_H

#include <stddef.h>
#include "config.h"
#include "log.h"

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

/* What a node program is started with. */
typedef struct {
    config_t cfg;              /* the cluster file, loaded */
    const config_node_t *self; /* the node to run. Borrowed from cfg. */
    log_level_t level;
} node_args_t;

/*
 * Parses the command line both node programs take (--config FILE --node
 * NAME [--verbose] [--help]), loads the cluster file and finds the node.
 * Returns -1 when the program should go on, or else the exit status to
 * return at once: 0 after --help, 1 for a bad file or an unknown node
 * (with a message on stderr), 2 for bad usage.
 */
int node_args_parse(int argc, char **argv, const char *prog, node_args_t *a);

/* Runs a->self until SIGTERM or SIGINT. Returns the exit status. */
int node_serve(const node_args_t *a, const char *prog);

#endif
