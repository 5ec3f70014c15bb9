/*
 * coord_int.h - the coordinator's inside: the one object every coordinator
 * file shares, and what each file offers the others.
 *
 * The coordinator is one single-threaded loop (coordinator.c) over two
 * client fronts and the node connections. Each concern lives in one file:
 *
 *   coordinator.c  the object (coord_new/coord_destroy) and the loop
 *   resp_front.c   RESP connections: accept, read, parse, queue, reply in
 *                  order
 *   commands.c     what each RESP command becomes, its reply, INFO
 *   zmq_front.c    the ZeroMQ ROUTER front (the nodes' own protocol)
 *   route.c        where a write or a read goes: the only place a node is
 *                  chosen
 *   pool.c         node requests: slots, the per-node connections, sending,
 *                  deadlines, writes held during a failover
 *   failover.c     heartbeats, failure detection, promotion, fencing
 *
 * Ownership: the coord_t owns every node socket, every slot, every RESP
 * connection and every queued command. A slot borrows the command (creq)
 * it answers; a command whose connection closed is kept (conn = NULL)
 * until its last slot answers, and then freed by resp_front_sub_done().
 * Nothing here is thread-safe: everything runs on the loop's thread.
 */
#ifndef MM_COORD_INT_H
#define MM_COORD_INT_H

#include <stddef.h>
#include <stdint.h>
#include "config.h"
#include "coordinator.h"
#include "resp.h"
#include "transport.h"
#include "wire.h"

#define CO_SLOTS 16384 /* node requests in flight (power of two) */
#define CO_TIMEOUT_MS 1000
#define CO_MAX_CONNS 1024
#define CO_CONN_QUEUE_MAX 4096 /* commands queued per RESP connection */
#define CO_READ_CHUNK 65536
#define CO_PERF_CHECK_MS 20 /* how often held and timed-out slots are seen */

/* What the coordinator knows about one node (failover.c keeps it current). */
typedef struct {
    const config_node_t *cfg; /* Borrowed from co->cfg. */
    void *admin;              /* STATUS, PROMOTE, DEMOTE */
    void **pool;              /* pool_size DEALERs when pooling */
    int next_pool;
    int up;
    int missed;      /* beats sent and not answered in a row */
    int outstanding; /* a STATUS is unanswered */
    int have_status;
    node_role_t role; /* as the node last reported it */
    uint32_t epoch;
    uint64_t applied[MM_MAX_NODES + 1];
    uint64_t reads, writes; /* the node's own counters */
    uint32_t fenced_epoch;  /* DEMOTE sent for this epoch */
    int64_t heard_ms;
    uint64_t sent; /* requests we routed to it */
} cnode_t;

/* The result of one node request, kept until its creq can answer. */
typedef struct {
    int state; /* SUB_* */
    int node;
    int code;      /* ERROR: the node's error code (positive) */
    uint8_t *data; /* VALUE bytes or ERROR message (owned) */
    uint32_t len;
    uint64_t prev_stamp;
} sub_t;

enum { SUB_PENDING, SUB_OK, SUB_VALUE, SUB_NOTFOUND, SUB_ERROR, SUB_TIMEOUT };

/* What a RESP command becomes. */
enum { K_READY, K_GET, K_SET, K_DEL, K_EXISTS, K_MGET, K_MSET };

typedef struct conn conn_t;

/*
 * One RESP command, queued on its connection until every node request it
 * made ("subs") has answered; replies leave in queue order (resp_front.c).
 */
typedef struct creq {
    struct creq *next;
    conn_t *conn; /* NULL once the connection closed */
    int kind;
    int done;
    int nsub, left;
    resp_buf_t out; /* the reply, once done */
    sub_t subs[];
} creq_t;

/* One RESP client connection (resp_front.c owns it). */
struct conn {
    int fd;
    int closing; /* QUIT or a protocol error: close once out is sent */
    resp_buf_t in, out;
    creq_t *head, *tail;
    int queued;
    int sticky;          /* sticky writer (node index) or -1 */
    uint16_t tok_origin; /* read-your-writes commit token */
    uint64_t tok_seq;
    int tok_node;
};

/* One node request in flight. */
typedef struct {
    uint64_t reqid; /* 0: free */
    int64_t deadline_ms;
    int node;       /* -1: held, waiting for a writer */
    int is_write;   /* PUT or DEL */
    void *sock;     /* pool = off: this request's own DEALER */
    uint8_t *frame; /* held requests keep their frame (owned) */
    size_t flen;
    creq_t *creq; /* RESP owner, or NULL */
    int sub;
    uint8_t *zid; /* ZeroMQ owner: routing id (owned) and its reqid */
    size_t zidlen;
    uint64_t zreqid;
} slot_t;

/* Failover states. */
typedef enum {
    FO_NONE,      /* the writer is up, or this cluster has no failover */
    FO_HOLDING,   /* the primary is down: writes wait, a standby is sought */
    FO_PROMOTING, /* PROMOTE sent, waiting for the standby's OK */
} fo_state_t;

/* The coordinator: one object, one thread, every file below shares it. */
struct coord {
    config_t cfg;
    void *ctx;
    void *front; /* ROUTER, or NULL */
    int listen_fd;
    volatile int stop;
    cnode_t nodes[MM_MAX_NODES];
    int nnodes;
    int primary_standby;
    int writer; /* node index of the writer (primary-standby), or -1 */
    uint32_t epoch;
    conn_t *conns[CO_MAX_CONNS];
    int nconns;
    slot_t *slots;
    uint64_t next_reqid;
    int live;     /* slots in use */
    int *offsock; /* slot indexes holding a pool=off socket */
    int noffsock;
    unsigned rr_read, rr_write;
    uint64_t acked_seq[MM_MAX_NODES + 1]; /* highest OK'd seq per origin */
    /* failover */
    fo_state_t fo;
    int64_t fo_detected_ms;
    int fo_candidate;
    uint32_t fo_epoch;
    uint64_t fo_reqid;
    int64_t fo_deadline_ms;
    int first_write_pending;
    int64_t promoted_at_ms;
    /* stats */
    uint64_t st_requests, st_opened, st_commands, st_errors, st_conns,
        st_failovers, st_timeouts, st_held;
    int64_t next_beat_ms, next_check_ms;
    uint64_t admin_reqid;
    zmq_pollitem_t *items;
    int *item_kind, *item_arg;
    int items_cap;
    resp_cmd_t cmd; /* parse scratch: large, so not on the stack */
};

/* ---- coordinator.c ----------------------------------------------------- */

/* Appends printf-style text to b (INFO, the ZeroMQ front's STATUS). */
void coord_addf(resp_buf_t *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* ---- route.c: where requests go ---------------------------------------- */

/* The node a write of key goes to; -2: hold it (failover); -1: no writer.
 * c (may be NULL) is the RESP connection, for sticky routing. */
int route_write(coord_t *co, const uint8_t *key, size_t klen, conn_t *c);

/* The node a read goes to, or -1 when none is up. c may be NULL. */
int route_read(coord_t *co, conn_t *c);

/* How many records node i is behind the writers (from STATUS replies). */
uint64_t route_lag(const coord_t *co, int i);

/* ---- pool.c: node requests ---------------------------------------------- */

/* A DEALER connected to endpoint, or NULL. Owned by the caller (closed
 * with zmq_close). */
void *pool_dealer(coord_t *co, const char *endpoint, int immediate);

/* Takes a free slot, or NULL when CO_SLOTS requests are in flight. */
slot_t *pool_slot_new(coord_t *co);
void pool_slot_free(coord_t *co, slot_t *s);

/* Answers the slot's owner with an error decided here, and frees it. */
void pool_slot_fail(coord_t *co, slot_t *s, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Routes (node < 0) or forces (node >= 0) slot s's request, encoded in
 * frame (borrowed), and sends it, holds it or fails it. c may be NULL. */
void pool_dispatch(coord_t *co, slot_t *s, int node, const uint8_t *frame,
                   size_t flen, const uint8_t *key, size_t klen, conn_t *c);

/* Starts the node request for sub `sub` of RESP command r. */
void pool_request(coord_t *co, int cmd, const uint8_t *key, size_t klen,
                  const uint8_t *val, size_t vlen, creq_t *r, int sub,
                  conn_t *c);

/* Reads one reply from a node socket; node is its index (-1: unknown).
 * Returns 0, or -1 when nothing was waiting. */
int pool_read(coord_t *co, void *sock, int node);

/* Sends every held write to the writer, oldest first. */
void pool_release_held(coord_t *co);

/* Answers every request sent to a node that was just declared down. */
void pool_fail_node(coord_t *co, int node);

/* Times out requests and held writes past their deadline. */
void pool_check_deadlines(coord_t *co);

/* ---- failover.c: heartbeats, detection, promotion, fencing -------------- */

/* Node i answered something: it is alive. */
void failover_heard(coord_t *co, int i);

/* Reads every reply waiting on node i's admin socket. */
void failover_admin_read(coord_t *co, int i);

/* One beat: STATUS to every node, down-marking, one failover step. */
void failover_heartbeat(coord_t *co);

const char *failover_state_name(fo_state_t s);

/* ---- resp_front.c: RESP connections ------------------------------------- */

/* A listening TCP socket on HOST:PORT, or -1 with a message in err. */
int resp_front_listen(const char *hostport, char *err, size_t errlen);
void resp_front_accept(coord_t *co);

/* Reads and runs what connection c sent; -1 when it is finished. */
int resp_front_read(coord_t *co, conn_t *c);

/* Sends what is ready; -1 when the connection is finished. */
int resp_front_write(conn_t *c);

/* Closes connection k (co->conns[k]); its unanswered commands stay until
 * their node replies come. */
void resp_front_close(coord_t *co, int k);

/* Queues a command of nsub node requests on c; NULL when out of memory. */
creq_t *resp_front_queue(conn_t *c, int kind, int nsub);

/* Where to write a reply known now (behind the commands still waiting). */
resp_buf_t *resp_front_ready(conn_t *c);

/* One of r's node requests finished: answer r once all have. */
void resp_front_sub_done(coord_t *co, creq_t *r);

/* Frees the node results kept in r. */
void resp_front_free_subs(creq_t *r);

/* ---- commands.c: RESP commands ----------------------------------------- */

/* Runs one parsed command from c (its reply is queued on c). */
void command_run(coord_t *co, conn_t *c, const resp_cmd_t *cmd);

/* Builds r's reply once every node request has answered. */
void command_reply(coord_t *co, creq_t *r);

/* INFO [section] text. */
void command_info(coord_t *co, resp_buf_t *b, const char *section);

/* ---- zmq_front.c: the ZeroMQ front -------------------------------------- */

/* Reads and serves every request waiting on the ROUTER front. */
void zfront_read(coord_t *co);

#endif
