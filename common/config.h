/*
 * config.h - the cluster file: one INI file describes a whole cluster.
 *
 *     [cluster]
 *     name = local
 *     clock = hlc            ; hlc | wall
 *     durability = nosync    ; sync | nosync
 *     data_dir = run/local   ; relative to the current directory
 *     security = curve       ; curve | off (docs/security.md)
 *     keys = run/local/keys  ; key pairs, made by `mmctl keygen`
 *
 *     [node m1]
 *     role = master          ; master | replica | primary | standby
 *     client = tcp://127.0.0.1:7101
 *     peer = tcp://127.0.0.1:7201
 *
 *     [coordinator]          ; optional: the cluster's front door
 *     client = tcp://127.0.0.1:7100
 *     resp = 127.0.0.1:6380  ; RESP2 (Redis protocol) on TCP
 *     requirepass = secret   ; RESP clients must AUTH first
 *
 * docs/config.md documents every key; docs/coordinator.md the
 * [coordinator] section. The parser is pure (text in, struct
 * out) and reports the first problem as "FILE:LINE: message" in err.
 */
#ifndef MM_CONFIG_H
#define MM_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include "err.h"
#include "hlc.h"
#include "store.h"

#define CONFIG_NAME_MAX 32
#define CONFIG_ENDPOINT_MAX 128
#define CONFIG_PATH_MAX 256
#define CONFIG_PASS_MAX 128
/* Client identities (`clients = ...`): each has a key pair of its own. */
#define CONFIG_CLIENTS_MAX 8

/* How the cluster's processes know each other (common/security.h). */
typedef enum {
    SECURITY_OFF = 0,   /* no authentication, no encryption: anyone who can
                           reach a port may do anything */
    SECURITY_CURVE = 1, /* CurveZMQ on every socket; only listed keys get in,
                           and each key may do what its role allows */
} security_mode_t;

typedef enum {
    ROLE_MASTER = 0,  /* multi-master: takes writes, streams to followers */
    ROLE_REPLICA = 1, /* read-only follower of every writer */
    ROLE_PRIMARY = 2, /* the single writer of a primary-standby cluster */
    ROLE_STANDBY = 3, /* follows the primary; writable once promoted */
} node_role_t;

/* When a writer acknowledges a client's write. */
typedef enum {
    ACK_NONE = 0,    /* after its own commit: asynchronous replication */
    ACK_STANDBY = 1, /* after the standby has applied it too */
    ACK_ALL = 2,     /* multi-master: after every other master applied it */
    ACK_QUORUM = 3,  /* multi-master: after a majority of the masters (this
                        one included) applied it */
} ack_policy_t;

typedef struct {
    char name[CONFIG_NAME_MAX];
    uint16_t id; /* origin id, 1..MM_MAX_NODES */
    node_role_t role;
    char client[CONFIG_ENDPOINT_MAX]; /* requests from clients */
    char peer[CONFIG_ENDPOINT_MAX];   /* replication (writer roles only) */
    int64_t clock_offset_ms;          /* injected skew at start-up */
} config_node_t;

/* Where the coordinator sends a write. */
typedef enum {
    WRITE_ROUTE_PRIMARY = 0, /* the one writer (primary-standby default) */
    WRITE_ROUTE_HOME = 1,    /* key hash mod writers (multi-master default) */
    WRITE_ROUTE_STICKY = 2,  /* one writer per client connection */
} write_route_t;

/* Where the coordinator sends a read. */
typedef enum {
    READ_ROUTE_ROUND_ROBIN = 0, /* replicas in turn */
    READ_ROUTE_LEAST_LAG = 1,   /* the replica furthest along */
    READ_ROUTE_RYW = 2,         /* a node holding the client's writes
                                   (default) */
    READ_ROUTE_PRIMARY = 3,     /* always the writer */
} read_route_t;

/* The [coordinator] section; present = 0 when the file has none. */
typedef struct {
    int present;
    char client[CONFIG_ENDPOINT_MAX]; /* ZeroMQ ROUTER, or "" for none */
    char resp[CONFIG_ENDPOINT_MAX];   /* host:port for RESP, or "" */
    write_route_t write_route;
    read_route_t read_route;
    int pool;           /* 1: persistent connections; 0: one per request */
    int pool_size;      /* connections per node when pooling (4) */
    int heartbeat_ms;   /* STATUS to every node this often (100) */
    int missed;         /* beats without an answer before a node is down (3) */
    int suspect_ms;     /* a down primary whose connection is still open is
                           replaced only after this much silence (2000) */
    int hold_ms;        /* client writes held during a failover (2000) */
    uint64_t max_lag;   /* a replica further behind (records) gets no reads */
    int max_clients;    /* RESP clients served at once (10000) */
    int idle_timeout_s; /* an idle RESP client is closed (300; 0: never) */
    int max_value;      /* longest value taken (MM_VALUE_MAX, at most) */
    char requirepass[CONFIG_PASS_MAX]; /* RESP AUTH password, or "" */
} config_coord_t;

typedef struct {
    char name[CONFIG_NAME_MAX];
    hlc_mode_t clock;
    store_durability_t durability;
    char data_dir[CONFIG_PATH_MAX];
    int heartbeat_ms;   /* idle beat interval (default 100) */
    int liveness;       /* beats missed before a peer counts as gone (5) */
    int window;         /* unacknowledged records per follower (4096) */
    int cache_mb;       /* Berkeley DB cache per node (64) */
    ack_policy_t ack;   /* none (default), standby, all or quorum */
    int ack_timeout_ms; /* a write unconfirmed this long is "unknown" */
    /* ack = standby with no standby attached: 0 (default) holds the
     * writes, which end "outcome unknown"; 1 acknowledges them at once
     * (degraded mode, counted as unprotected). masters/acks.c. */
    int ack_unprotected;
    /* Emulated storage cost (0: none): each write a node applies, its own
     * or replicated, and each read it serves takes this long, sleeping, as
     * if the disk were that slow. On a machine whose cores every process
     * shares, it lets scaling curves show their shape (docs/config.md). */
    int write_service_us;
    int read_service_us;
    /* Records of each origin a writer keeps in its log beyond what every
     * attached follower has applied (masters/retain.c). */
    uint64_t log_retain;
    /* Lines of replication trace each node may write (common/trace.h);
     * 0, the default: no trace. */
    uint64_t trace_lines;
    security_mode_t security;   /* off (default) or curve */
    char keys[CONFIG_PATH_MAX]; /* key directory (default DATA_DIR/keys) */
    int nclients;               /* client identities (default 1: client) */
    char clients[CONFIG_CLIENTS_MAX][CONFIG_NAME_MAX];
    int max_connections; /* per bound ZeroMQ socket, at once (1024) */
    int nnodes;
    config_node_t nodes[MM_MAX_NODES];
    config_coord_t coord;
} config_t;

/*
 * Parses INI text. source names the text in messages. Returns 0, or
 * MM_ERR_CONFIG with "source:line: message" in err. Checks: known sections
 * and keys, valid values (numbers in range, endpoints tcp://HOST:PORT with a
 * port of 1 to 65535), unique names, ids and endpoints, names that are not
 * a key identity's (coordinator, admin, the clients), every writer has a
 * peer endpoint, one cluster shape (multi-master, or one primary and its
 * standbys), at least one writer, and a RESP front that other machines can
 * reach only behind a requirepass.
 */
int config_parse(const char *text, const char *source, config_t *out, char *err,
                 size_t errlen);

/* Reads and parses a file. Same returns; a missing file is reported. */
int config_load(const char *path, config_t *out, char *err, size_t errlen);

/* The node with that name or id, or NULL. Borrowed from c. */
const config_node_t *config_node(const config_t *c, const char *name);
const config_node_t *config_node_by_id(const config_t *c, uint16_t id);

const char *config_role_name(node_role_t r);
const char *config_security_name(security_mode_t s);
const char *config_write_route_name(write_route_t r);
const char *config_read_route_name(read_route_t r);

/* 1 for the roles that bind a peer socket and stream writes: master,
 * primary and standby (a standby streams once promoted). */
int config_role_streams(node_role_t r);

#endif
