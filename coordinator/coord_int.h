/*
 * coord_int.h - the coordinator's inside: the one object every coordinator
 * file shares, and what each file offers the others.
 *
 * The coordinator is one single-threaded epoll loop (coordinator.c) over
 * two client fronts and the node connections. Each concern lives in one
 * file:
 *
 *   coordinator.c  the object (coord_new/coord_destroy) and the loop
 *   resp_front.c   RESP connections: accept, read, parse, queue, reply in
 *                  order, back-pressure, the client cap and idle timeout
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
 * A closed connection is freed at the end of the loop pass that closed
 * it, so the pass's lists never point at freed memory. Nothing here is
 * thread-safe: everything runs on the loop's thread.
 */
#ifndef MM_COORD_INT_H
#define MM_COORD_INT_H

#include <stddef.h>
#include <stdint.h>
#include "config.h"
#include "coordinator.h"
#include "resp.h"
#include "security.h"
#include "transport.h"
#include "wire.h"
#include "zap.h"

#define CO_SLOTS 16384 /* node requests in flight (power of two) */
/*
 * RESP commands stop sending (and park) at this many node requests in
 * flight, and go on below CO_INFLIGHT_LOW, so a burst does not wake them
 * one slot at a time. The cap keeps the nodes' queues short: a request
 * queued at a node counts against its CO_TIMEOUT_MS, one parked here does
 * not, so a pipeline of 50,000 commands waits here instead of timing out
 * there. (ZeroMQ-front requests may use every slot.)
 */
#define CO_INFLIGHT 2048
#define CO_INFLIGHT_LOW (CO_INFLIGHT * 3 / 4)
#define CO_TIMEOUT_MS 1000
#define CO_CHECK_MS 20      /* how often request deadlines are checked */
#define CO_ADMIN_RESERVE 16 /* connections past max_clients, for INFO */
/* A node whose admin connection stays closed this long gets new sockets
 * (failover.c says why). */
#define CO_REOPEN_MS 2000
/* Commands of one connection waiting for their replies; parsing that
 * connection pauses past it. */
#define CO_CONN_QUEUE_MAX 4096
#define CO_READ_CHUNK 65536
#define CO_INPUT_HIGH (1 << 20)  /* unparsed bytes read ahead at most */
#define CO_OUTPUT_HIGH (8 << 20) /* unsent reply bytes before parsing waits */
/* The longest command, buffered (Redis: client-query-buffer-limit, 1 GiB). */
#define CO_QUERY_MAX (256 << 20)

/* ---- What the loop watches ------------------------------------------- */

/* The first member of everything registered with epoll, so an event says
 * what it is about. */
typedef enum { EV_LISTEN, EV_CONN, EV_ZSOCK } ev_kind_t;

/* A ZeroMQ socket's kinds: what reading it means. */
enum { ZS_FRONT, ZS_ADMIN, ZS_POOL, ZS_OFF, ZS_LINK };

/*
 * A ZeroMQ socket in the loop. Its ZMQ_FD only says "look again": a send
 * or receive can swallow that signal, so a socket is marked dirty when
 * the fd fires and after every send on it, and a dirty socket is drained
 * (ZMQ_EVENTS, then receive until empty) before the loop sleeps.
 */
typedef struct zsock {
    ev_kind_t ev; /* EV_ZSOCK */
    void *sock;   /* Borrowed: closed by whoever opened it. */
    int kind;     /* ZS_* */
    int arg;      /* node index (ADMIN, POOL) or slot index (OFF) */
    int dirty;
    struct zsock *next_dirty;
} zsock_t;

/* What the coordinator knows about one node (failover.c keeps it current). */
typedef struct {
    const config_node_t *cfg; /* Borrowed from co->cfg. */
    zsock_t admin;            /* STATUS, PROMOTE, DEMOTE */
    zsock_t link;             /* the admin socket's monitor (failover.c) */
    zsock_t *pool;            /* pool_size DEALERs when pooling */
    int next_pool;            /* the one this loop pass sends on */
    int pool_used;            /* this pass sent on it */
    int up;
    int linked;        /* the admin connection is open: the process lives */
    int64_t opened_ms; /* its sockets were made */
    int suspect;       /* a down primary with its connection open, not
                          yet replaced (failover.c, s_primary_suspect) */
    int missed;        /* beats sent and not answered in a row */
    int outstanding;   /* a STATUS is unanswered */
    int have_status;
    node_role_t role; /* as the node last reported it */
    uint32_t epoch;
    uint64_t applied[MM_MAX_NODES + 1];
    uint64_t lag;           /* records behind the writers (route.c) */
    uint64_t reads, writes; /* the node's own counters */
    uint32_t fenced_epoch;  /* DEMOTE sent for this epoch */
    int64_t heard_ms;
    uint64_t sent; /* requests we routed to it */
} cnode_t;

/* ---- RESP commands and connections ----------------------------------- */

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
 * makes ("subs") has answered; replies leave in queue order. A command of
 * more keys than there are free slots sends its subs in turns (`sent`).
 */
typedef struct creq {
    struct creq *next;
    conn_t *conn; /* NULL once the connection closed */
    int kind;
    int done;
    int nsub, sent, left; /* subs in all, sent so far, not yet answered */
    resp_buf_t out;       /* the reply, when it waits behind others */
    sub_t subs[];
} creq_t;

/* Why a parsed command has not run yet (conn.parked). */
enum {
    PARK_NONE,
    PARK_WRITES, /* a read behind this connection's unanswered writes */
    PARK_SLOTS,  /* every slot is in flight */
};

/* One RESP client connection (resp_front.c owns it). */
struct conn {
    ev_kind_t ev;    /* EV_CONN */
    int fd;          /* -1 once closed */
    int index;       /* in co->conns */
    int events;      /* the epoll interest registered now */
    int closing;     /* QUIT or a protocol error: close once answered */
    int eof;         /* the client shut its sending side: answer, then close */
    int starved;     /* the unparsed bytes are an incomplete command */
    int out_blocked; /* the last write filled the socket buffer */
    int admin_only;  /* accepted past max_clients: INFO and such only */
    int authed;      /* AUTH passed, or no requirepass is set */
    resp_buf_t in, out;
    size_t in_at, out_at; /* parsed / sent so far of in / out */
    resp_cmd_t cmd;       /* the parse in progress */
    size_t cmd_len;       /* parked: the parked command's bytes */
    int parked;           /* PARK_*: cmd holds a command not (fully) run */
    creq_t *partial;      /* PARK_SLOTS: its creq, part of its subs sent */
    creq_t *head, *tail;
    int queued;
    int writes;        /* write subs sent and not answered yet */
    int64_t active_ms; /* last time the client sent something */
    int sticky;        /* sticky writer (node index) or -1 */
    /* Read-your-writes: for each origin, the highest seq of this
     * connection's acknowledged writes, and the node of the last one. */
    uint64_t tok[MM_MAX_NODES + 1];
    int tok_node;
    /* Loop lists (see coordinator.c). */
    int on_run, on_flush;
    conn_t *next_run, *next_flush;
    conn_t *wait_prev, *wait_next; /* co->slot_wait, doubly linked */
    conn_t *next_dead;             /* co->dead */
};

/* ---- Node requests --------------------------------------------------- */

/* One node request in flight. */
typedef struct {
    uint64_t reqid; /* 0: free */
    int64_t deadline_ms;
    int node;       /* -1: held, waiting for a writer */
    int is_write;   /* PUT or DEL */
    zsock_t *off;   /* pool = off: this request's own DEALER (owned) */
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
    sec_t *sec;       /* the coordinator's key and everyone's role */
    zap_t *zap;       /* who may connect to the front, how many at once */
    int ep;           /* the epoll instance */
    zsock_t front;    /* ROUTER (front.sock NULL when there is none) */
    ev_kind_t listen; /* EV_LISTEN: the tag of listen_fd's events */
    int listen_fd;
    int spare_fd; /* given up to accept one client past the fd limit */
    volatile int stop;
    cnode_t nodes[MM_MAX_NODES];
    int nnodes;
    int primary_standby;
    int writer; /* node index of the writer (primary-standby), or -1 */
    uint32_t epoch;
    /* RESP connections */
    conn_t **conns;
    int nconns, conns_cap;
    int max_clients;   /* cfg's, lowered to fit the fd limit */
    conn_t *run;       /* connections with work that needs no new bytes */
    conn_t *flush;     /* connections with replies to send */
    conn_t *slot_wait; /* connections waiting for a free slot */
    conn_t *dead;      /* closed this pass, freed at its end */
    zsock_t *zdirty;   /* ZeroMQ sockets to drain before sleeping */
    /* node requests */
    slot_t *slots;
    uint64_t next_reqid;
    uint64_t oldest_reqid; /* no slot below this id is in flight */
    int live;              /* slots in use */
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
        st_failovers, st_timeouts, st_held, st_rejected, st_idle_closed;
    int64_t now_ms; /* the loop pass's time: one clock read per pass */
    int64_t next_beat_ms, next_check_ms, next_idle_ms;
    uint64_t admin_reqid;
    uint64_t links_made; /* admin-connection monitors made (failover.c) */
};

/* ---- coordinator.c ----------------------------------------------------- */

/* Appends printf-style text to b (INFO, the ZeroMQ front's STATUS). */
void coord_addf(resp_buf_t *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Registers z's ZMQ_FD with the loop. Returns 0 or -errno. */
int coord_watch(coord_t *co, zsock_t *z, void *sock, int kind, int arg);

/* Stops watching z (before its socket is closed). */
void coord_unwatch(coord_t *co, zsock_t *z);

/* Closes node i's sockets and makes them again. Returns 0 or -1. */
int coord_reconnect_node(coord_t *co, int i);

/* z may have input its fd did not signal (it was just sent on). */
void coord_zdirty(coord_t *co, zsock_t *z);

/* ---- route.c: where requests go ---------------------------------------- */

/* The node a write of key goes to; -2: hold it (failover); -1: no writer.
 * c (may be NULL) is the RESP connection, for sticky routing. */
int route_write(coord_t *co, const uint8_t *key, size_t klen, conn_t *c);

/* The node a read goes to, or -1 when none is up. c may be NULL. */
int route_read(coord_t *co, conn_t *c);

/* Recomputes every node's lag (records behind the writers) from the
 * applied vectors of the latest STATUS replies. */
void route_update_lag(coord_t *co);

/* ---- pool.c: node requests ---------------------------------------------- */

/* A DEALER connected to node i's client socket (as the coordinator's key,
 * with security = curve), or NULL; watch: its connection is watched for
 * failover.c (the admin socket). Owned by the caller (closed with
 * zmq_close). */
void *pool_dealer(coord_t *co, int i, int immediate, int watch);

/* Takes a free slot, or NULL when none is free. */
slot_t *pool_slot_new(coord_t *co);
void pool_slot_free(coord_t *co, slot_t *s);

/* Answers the slot's owner with an error decided here, and frees it. */
void pool_slot_fail(coord_t *co, slot_t *s, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Routes (node < 0) or forces (node >= 0) slot s's request, encoded in
 * frame (borrowed), and sends it, holds it or fails it. c may be NULL. */
void pool_dispatch(coord_t *co, slot_t *s, int node, const uint8_t *frame,
                   size_t flen, const uint8_t *key, size_t klen, conn_t *c);

/* Starts the node request for sub `sub` of RESP command r. Returns 0, or
 * -1 when no slot is free (nothing was done: try again later). */
int pool_request(coord_t *co, int cmd, const uint8_t *key, size_t klen,
                 const uint8_t *val, size_t vlen, creq_t *r, int sub,
                 conn_t *c);

/* Reads every reply waiting on a pool socket of node `node`. */
void pool_read(coord_t *co, void *sock, int node);

/* A loop pass ends: the next one sends on each node's next connection. */
void pool_next_pass(coord_t *co);

/* Reads the reply on slot k's own (pool = off) socket, if it came. */
void pool_read_off(coord_t *co, int k);

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

/* Watches node i's admin connection (sock, just made, not yet connected):
 * whether it is open is the direct check of failover.c. Returns 0 or
 * -errno. */
int failover_watch_link(coord_t *co, int i, void *sock);

/* Reads the events of node i's admin connection: opened, or lost. */
void failover_link_read(coord_t *co, int i);

/* One beat: STATUS to every node, down-marking, one failover step. */
void failover_heartbeat(coord_t *co);

const char *failover_state_name(fo_state_t s);

/* ---- resp_front.c: RESP connections ------------------------------------- */

/* A listening TCP socket on HOST:PORT, or -1 with a message in err. */
int resp_front_listen(const char *hostport, char *err, size_t errlen);

/* Accepts every waiting client (past the cap: "max clients" and close). */
void resp_front_accept(coord_t *co);

/* An epoll event on connection c. */
void resp_front_event(coord_t *co, conn_t *c, uint32_t events);

/* Runs the connections on co->run, then sends what is ready on
 * co->flush, then frees the connections closed in this pass. */
void resp_front_run(coord_t *co);
void resp_front_flush(coord_t *co);

/* Closes clients idle for idle_timeout_s (run about once a second). */
void resp_front_idle(coord_t *co);

/* Closes every connection (coord_destroy). */
void resp_front_close_all(coord_t *co);

/* Slots were freed: connections waiting for one may go on. */
void resp_front_slots_freed(coord_t *co);

/* Queues a command of nsub node requests on c; NULL when out of memory. */
creq_t *resp_front_queue(conn_t *c, int kind, int nsub);

/* Where to write a reply known now (behind the commands still waiting). */
resp_buf_t *resp_front_ready(conn_t *c);

/* One of r's node requests finished (was_write: it was a PUT or DEL);
 * answers r once all have. */
void resp_front_sub_done(coord_t *co, creq_t *r, int was_write);

/* Frees a command's node results and itself (its connection is gone). */
void resp_front_creq_free(creq_t *r);

/* ---- commands.c: RESP commands ----------------------------------------- */

/* What command_run() did with a command: ran it (its reply is or will be
 * queued), or parked it (PARK_*: run it again later, as it is). */
enum { CMD_DONE = 0 };

/* Runs one parsed command from c: CMD_DONE or a PARK_* reason. With
 * c->partial set it goes on sending that command's remaining subs. */
int command_run(coord_t *co, conn_t *c, const resp_cmd_t *cmd);

/* Answers a command whose argument was too long (cmd->toobig). */
void command_toobig(coord_t *co, conn_t *c, const resp_cmd_t *cmd);

/* Builds r's reply into b once every node request has answered. */
void command_reply(coord_t *co, creq_t *r, resp_buf_t *b);

/* INFO [section] text. */
void command_info(coord_t *co, resp_buf_t *b, const char *section);

/* ---- zmq_front.c: the ZeroMQ front -------------------------------------- */

/* Reads and serves up to a burst of requests waiting on the ROUTER
 * front. Returns 1 if more may be waiting. */
int zfront_read(coord_t *co);

#endif
