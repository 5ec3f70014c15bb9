/*
 * inproc_node.h - a real node inside a test's own process, for the tests
 * that drive a node's sockets by hand (tests/unit/test_peer_frames.c,
 * tests/fuzz/fuzz_node.c).
 *
 * The node is p1, the primary of a cluster of p1, a standby s1 and a
 * replica r1, with its Berkeley DB store in a directory the caller names
 * and its sockets on inproc:// endpoints of its own ZeroMQ context: no
 * port, no other process. The test plays the other nodes with sockets on
 * that context (inproc_node_socket()) and runs the node's loop itself,
 * calling the engine's functions (engine.h) in the order it wants:
 *
 *     client   inproc://p1        p1's client ROUTER: connect a DEALER
 *     peer     inproc://p1-peer   p1's peer ROUTER: connect a DEALER
 *                                 named r1 to follow p1
 *     follow   inproc://s1-peer   where p1 follows s1: bind a ROUTER there
 *                                 and send to routing id "p1"
 *
 * The lease is long (heartbeat_ms 10000, liveness 100): nothing renews it
 * the way a coordinator would.
 */
#ifndef MM_INPROC_NODE_H
#define MM_INPROC_NODE_H

/* nftw() is an X/Open function: a file that includes this defines
 * _XOPEN_SOURCE 700 before its first include. */
#include <ftw.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include "engine.h"

static inline int inproc_node__rm(const char *path, const struct stat *st,
                                  int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

/* Removes dir and everything in it (nothing if it does not exist). */
static inline void inproc_node_wipe(const char *dir)
{
    nftw(dir, inproc_node__rm, 16, FTW_DEPTH | FTW_PHYS);
}

/*
 * Starts p1 on an empty store in dir (emptied first). Returns NULL with a
 * message in err on failure. Caller owns the node and stops it with
 * inproc_node_stop().
 */
static inline node_t *inproc_node_start(const char *dir, char *err,
                                        size_t errlen)
{
    char text[1024];
    config_t cfg;
    node_t *n;

    inproc_node_wipe(dir);
    if (mkdir(dir, 0700) != 0) {
        snprintf(err, errlen, "cannot create %s", dir);
        return NULL;
    }
    snprintf(text, sizeof text,
             "[cluster]\nname = inproc\ndata_dir = %s\ncache_mb = 4\n"
             "heartbeat_ms = 10000\nliveness = 100\n"
             "[node p1]\nrole = primary\nclient = inproc://p1\n"
             "peer = inproc://p1-peer\n"
             "[node s1]\nrole = standby\nclient = inproc://s1\n"
             "peer = inproc://s1-peer\n"
             "[node r1]\nrole = replica\nclient = inproc://r1\n",
             dir);
    if (config_parse(text, "inproc", &cfg, err, errlen) != 0)
        return NULL;
    n = node_new(&cfg, "p1", err, errlen);
    if (n != NULL)
        primary_start(n);
    return n;
}

/* A socket on the node's context (linger 0), with a routing id or NULL. */
static inline void *inproc_node_socket(node_t *n, int type,
                                       const char *identity)
{
    void *s = zmq_socket(n->ctx, type);
    int linger = 0;

    if (s == NULL)
        return NULL;
    zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof linger);
    if (identity != NULL)
        zmq_setsockopt(s, ZMQ_ROUTING_ID, identity, strlen(identity));
    return s;
}

/* Stops the node (close the test's sockets first) and removes dir. */
static inline void inproc_node_stop(node_t **n, const char *dir)
{
    node_destroy(n);
    inproc_node_wipe(dir);
}

#endif
