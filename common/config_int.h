/*
 * config_int.h - the inside of the cluster-file parser, shared by its two
 * files: common/config.c reads lines and sections and checks whole nodes
 * and the cluster's shape; common/config_keys.c turns each `key = value`
 * into a field. Nothing else includes this; config.h is the manual.
 */
#ifndef MM_CONFIG_INT_H
#define MM_CONFIG_INT_H

#include <stddef.h>
#include "config.h"

/* Longer lines are refused rather than cut: no value needs this much. */
#define CONFIG_LINE_MAX 1024
/* config_load() refuses larger files; a cluster file is a few hundred
 * bytes. */
#define CONFIG_FILE_MAX (1024 * 1024)
/* Injected clock skew beyond a day would only be a typo. */
#define CONFIG_OFFSET_MAX_MS (24LL * 3600 * 1000)

/* The keys of each section, in the order docs/config.md lists them. */
enum {
    KEY_NAME,
    KEY_CLOCK,
    KEY_DURABILITY,
    KEY_DATA_DIR,
    KEY_HEARTBEAT_MS,
    KEY_LIVENESS,
    KEY_WINDOW,
    KEY_CACHE_MB,
    KEY_ACK,
    KEY_ACK_TIMEOUT_MS,
    KEY_ACK_UNPROTECTED,
    KEY_WRITE_SERVICE_US,
    KEY_READ_SERVICE_US,
    KEY_LOG_RETAIN,
    KEY_TRACE_LINES,
    KEY_SECURITY,
    KEY_KEYS,
    KEY_CLIENTS,
    KEY_MAX_CONNECTIONS,
    CLUSTER_NKEYS
};

enum { KEY_ROLE, KEY_ID, KEY_CLIENT, KEY_PEER, KEY_CLOCK_OFFSET, NODE_NKEYS };

enum {
    KEY_C_CLIENT,
    KEY_C_RESP,
    KEY_C_WRITE_ROUTE,
    KEY_C_READ_ROUTE,
    KEY_C_POOL,
    KEY_C_POOL_SIZE,
    KEY_C_HEARTBEAT_MS,
    KEY_C_MISSED,
    KEY_C_HOLD_MS,
    KEY_C_MAX_LAG,
    KEY_C_MAX_CLIENTS,
    KEY_C_IDLE_TIMEOUT_S,
    KEY_C_MAX_VALUE,
    KEY_C_REQUIREPASS,
    KEY_C_SUSPECT_MS,
    COORD_NKEYS
};

typedef struct {
    const char *source; /* the file name in messages */
    char *err;
    size_t errlen;
    int line; /* the line being read, from 1 */
    config_t *c;
    config_node_t *node; /* the [node] being read, or NULL */
    int in_cluster;      /* 1 after [cluster], until the next section */
    int in_coord;        /* 1 after [coordinator], until the next section */
    int coord_line[COORD_NKEYS];
    int coord_header_line;
    /* The line each key was set on, 0 if not set: finds keys given twice
     * and points the node checks at the right line. */
    int cluster_line[CLUSTER_NKEYS];
    int node_line[MM_MAX_NODES][NODE_NKEYS];
    int header_line[MM_MAX_NODES]; /* the line of [node NAME] */
} parser_t;

extern const char *const config__cluster_keys[CLUSTER_NKEYS];
extern const char *const config__node_keys[NODE_NKEYS];
extern const char *const config__coord_keys[COORD_NKEYS];

/* Writes "source:line: message" into the caller's buffer; returns
 * MM_ERR_CONFIG. */
__attribute__((format(printf, 3, 4))) int config__fail(parser_t *p, int line,
                                                       const char *fmt, ...);
/* Names end up in paths and log lines, so they stay plain: 1 if valid. */
int config__valid_name(const char *name);
/* Whether a RESP host (as config.c stores it: "host:port") is loopback,
 * reachable from this machine only. */
int config__loopback(const char *hostport);
/* Sets key number k (of its section's table) from value. */
int config__cluster_key(parser_t *p, int k, const char *value);
int config__node_key(parser_t *p, int k, const char *value);
int config__coord_key(parser_t *p, int k, const char *value);

#endif
