/*
 * engine.h - the inside of a node: its state, and how the engine's files
 * divide the work. Read this first; node.h is the outside (start, run,
 * stop).
 *
 * A node is one Berkeley DB store with three kinds of traffic around it,
 * served by one single-threaded loop (common/node.c). Each kind of work
 * lives in the folder of the role that does it:
 *
 *   common/node.c        life cycle, the loop, the timers; the conflict log
 *   common/serve.c       the `client` socket: decode, dispatch, reply;
 *                        reads (GET, DUMP, PING) that every role serves
 *   common/status.c      the STATUS text every role answers
 *   common/fault.c       the link filter experiments inject (FAULT)
 *   common/trace.c       the replication trace a space-time diagram is
 *                        drawn from (off unless the cluster file asks)
 *   masters/writer.c     a writer takes a client write: stamp, batch,
 *                        commit, reply
 *   masters/stream.c     a writer streams its log to followers: backlog,
 *                        packs, window, HELLO/ACK, resume, retransmit
 *   masters/retain.c     how much of its log a writer keeps: truncation
 *   masters/snapshot.c   a follower behind the truncated log gets a copy
 *                        of the data instead (a snapshot)
 *   masters/acks.c       held acknowledgements: a write's OK waits until
 *                        a standby (ack = standby) or other masters (ack =
 *                        all, quorum) have applied it
 *   masters/primary.c    primary and standby: epochs, PROMOTE/DEMOTE,
 *                        fencing a replaced primary
 *   replicas/follow.c    a follower follows every writer's stream, applies
 *                        it with the one LWW rule, ACKs, asks for relays
 *   replicas/catchup.c   a follower takes a snapshot and resumes the log
 *
 * Every node follows (masters and standbys follow their peers with the
 * same code as replicas); only writer roles stream. A role is a setting of
 * the running node, not a program: promoting a standby changes n->role.
 *
 * The struct below is grouped the same way: each group is owned by the
 * file named above it, and other files only read it (or call that file's
 * functions). Nothing here is thread-safe: one loop, no locks.
 */
#ifndef MM_ENGINE_H
#define MM_ENGINE_H

#include <stdint.h>
#include <zmq.h>
#include "config.h"
#include "hist.h"
#include "hlc.h"
#include "node.h"
#include "security.h"
#include "store.h"
#include "trace.h"
#include "wire.h"
#include "zap.h"

/*
 * Client requests per transaction, at most. Smaller batches commit more
 * often, but let replies flow back while the next batch is being applied,
 * so a pipelining client is never left with nothing in flight: measured
 * here with 64 writes in flight, 32 beat 256 by ~15% in both nosync and
 * sync (fewer, larger fsyncs did not win: the pipeline stalled instead).
 */
#define CLIENT_BATCH 32
/* Replicated records per transaction: taking stops once this many are
 * applied, after the pack in hand, so a batch may exceed it by one pack. */
#define FOLLOW_BATCH 1024
#define MAX_FOLLOWERS 32
#define BACKLOG_SLOTS 32768 /* power of two */
#define BACKLOG_FRAME_MAX 512
#define REPLY_FRAME_MAX (WIRE_HEADER_SIZE + 256)
#define PACK_MAX (64 * 1024) /* bytes of REC frames per message, roughly */
#define HELD_MAX 16384       /* power of two */
/* The largest message of each replication socket (transport.h says why
 * every socket has one): a pack may pass PACK_MAX by one largest frame;
 * a writer's peer socket only ever receives a HELLO or an ACK (the
 * follower's name and an applied vector). */
#define PACK_MSG_MAX (PACK_MAX + WIRE_HEADER_SIZE + MM_KEY_MAX + WIRE_VALUE_MAX)
#define PEER_MSG_MAX                                                           \
    (WIRE_HEADER_SIZE + CONFIG_NAME_MAX + MM_MAX_NODES * WIRE_VEC_ENTRY)
/* Requests that may wait in the client socket, per connection, before
 * ZeroMQ stops reading that connection (TCP then slows its sender): the
 * queue a client can fill is this deep, whatever its speed. */
#define CLIENT_QUEUE_MAX 1000

/* ---- masters/writer.c ------------------------------------------------ */

/* A reply held until the batch it answers has committed. */
typedef struct {
    zmq_msg_t id;
    uint64_t seq; /* the write's seq; 0 for a non-write reply */
    uint32_t len;
    uint8_t frame[REPLY_FRAME_MAX];
} reply_t;

typedef struct {
    reply_t replies[CLIENT_BATCH];
    int nreplies;
} writer_t;

/* ---- masters/stream.c ------------------------------------------------ */

/* One write of this node's own origin, encoded once, ready to stream. */
typedef struct {
    uint64_t seq;      /* 0: empty */
    int64_t commit_us; /* monotonic time of the commit, for lag */
    uint32_t len;
    uint8_t frame[BACKLOG_FRAME_MAX];
} backlog_slot_t;

/* ---- masters/snapshot.c ---------------------------------------------- */

/* A snapshot being sent to one follower: every key's record, in key order,
 * then the applied vector the copy stands for. */
typedef struct {
    int active;                     /* sending one now, instead of the log */
    int scanned;                    /* every key sent: SNAP_END is next */
    uint64_t vec[MM_MAX_NODES + 1]; /* the applied vector at its start */
    uint64_t sent, acked;           /* records sent; applied, per ACK */
    uint8_t after[MM_KEY_MAX];      /* the last key sent */
    size_t alen;                    /* 0: none sent yet */
} snap_out_t;

/* ---- masters/stream.c ------------------------------------------------ */

/* A follower of this writer: the stream side of replication. */
typedef struct {
    int used;
    char id[CONFIG_NAME_MAX]; /* its routing id, which is its node name */
    size_t idlen;
    uint64_t session;
    uint32_t want;                    /* bit o: stream origin o's records */
    uint64_t next[MM_MAX_NODES + 1];  /* next seq to send, per origin */
    uint64_t acked[MM_MAX_NODES + 1]; /* follower has applied up to */
    uint64_t pack_end; /* where the last pack sent ended (s_position()):
                          the next one waits until the ACKs reach it */
    uint16_t node;     /* its node id, from its HELLO */
    int standby;       /* it said HELLO as a standby: its ACKs confirm writes */
    int caught_up;     /* a standby that once had all our writes: only then
                          do writes wait for it (a standby still copying
                          would stall every write) */
    int64_t heard_ms, sent_ms, progress_ms;
    snap_out_t snap; /* masters/snapshot.c */
} follower_t;

typedef struct {
    follower_t followers[MAX_FOLLOWERS];
    backlog_slot_t *backlog; /* BACKLOG_SLOTS, indexed by seq */
    uint8_t *pack;           /* PACK_MAX + one frame: REC frames to send */
    uint8_t *snapbuf;        /* one record, encoded for a SNAP frame */
    uint64_t snapshots_sent; /* completed: SNAP_END went out */
} stream_t;

/* ---- masters/retain.c ------------------------------------------------ */

typedef struct {
    int64_t next_ms;    /* when to truncate again */
    uint64_t truncated; /* log entries deleted since start-up */
} retain_t;

/* ---- masters/acks.c -------------------------------------------------- */

/*
 * A write's reply held until its batch is durable here (sync stores) and,
 * if it needs confirmation (ack = standby, all or quorum), until enough
 * followers confirm it: the writer answers OK only once they have applied
 * the write, or, after ack_timeout_ms, "outcome unknown" (the write is
 * committed here and may or may not have reached them).
 */
typedef struct {
    zmq_msg_t id;
    uint64_t seq;
    int confirm; /* followers must confirm it too, within the deadline */
    int64_t deadline_ms;
    uint32_t len;
    uint8_t frame[WIRE_HEADER_SIZE];
} held_t;

typedef struct {
    held_t *held;                  /* HELD_MAX, a ring */
    uint64_t held_head, held_tail; /* ring indices; tail - head = count */
    uint64_t standby_acked;        /* own seq a standby has applied */
    uint64_t writes_unconfirmed;   /* answered "outcome unknown" */
    uint64_t writes_unprotected;   /* acknowledged with no standby */
} acks_t;

/* ---- masters/primary.c ----------------------------------------------- */

typedef struct {
    int term_checked; /* a (re)started primary has listened for a newer
                         epoch: every source heard, or liveness passed */
    int64_t started_ms;
    int64_t confirmed_ms; /* last heard from a standby or a client at our
                             epoch: someone still knows us as primary */
    uint32_t newer_epoch; /* the highest epoch above ours heard from a
                             client or follower, 0 if none */
} primary_t;

/* ---- replicas/follow.c ----------------------------------------------- */

/* This node following one writer: the receiving side. */
typedef struct {
    const config_node_t *src;
    void *sock; /* a DEALER to src's `peer` socket */
    uint64_t session;
    uint32_t want;
    int up;      /* the current session has heard from the source */
    int stale;   /* the source's epoch is older than ours: ignore it */
    int ack_due; /* applied records not yet ACKed (waiting to be durable) */
    uint64_t ack_sum; /* the durable sum the last ACK said (s_durable_sum) */
    int64_t heard_ms, hello_ms, ack_ms;
    uint64_t snap_got; /* records of this session's snapshot applied
                          (replicas/catchup.c); 0: none under way */
    /* When sock was made or the source last went down, whichever is
     * later: FOLLOW_REOPEN_BEATS of silence from then reopen the socket
     * (follow.c). Not heard_ms: after this node's own freeze, the link
     * is fine, only unread. */
    int64_t silent_from_ms;
} link_t;

typedef struct {
    link_t links[MM_MAX_NODES];
    int nlinks;
    uint64_t next_session;
    uint32_t pending_epoch;      /* a higher epoch seen mid-batch */
    uint64_t snapshots_received; /* installed since start-up */
} follow_t;

/* ---- common/fault.c -------------------------------------------------- */

typedef struct {
    uint32_t drop_in;  /* bit o: ignore everything node o sends us */
    uint32_t drop_out; /* bit o: send nothing to node o */
    int64_t delay_us[MM_MAX_NODES + 1]; /* hold our writes to node o */
} fault_t;

/* ---- the node -------------------------------------------------------- */

struct node {
    config_t cfg;
    const config_node_t *self;
    node_role_t role; /* changes at PROMOTE and DEMOTE */
    hlc_t clock;
    store_t *store;
    int batch_open; /* a store transaction is open (writer or follower) */
    void *ctx, *client, *peer;
    sec_t *sec; /* our keys and everyone's role (security = curve) */
    zap_t *zap; /* who may connect to client and peer, how many at once */

    writer_t writer;
    stream_t stream;
    retain_t retain;
    acks_t acks;
    primary_t primary;
    follow_t follow;
    fault_t faults;
    trace_t trace; /* common/trace.c: off unless trace_lines is set */

    uint8_t *vbuf;   /* MM_VALUE_MAX: values read for GET */
    uint8_t *bigbuf; /* WIRE_VALUE_MAX: DUMP pages, STATUS text */
    size_t biglen;

    int64_t service_owed_us; /* emulated storage time of the open batch */

    /* Counters reported by STATUS. */
    uint64_t writes, reads, applied_remote, bad_requests;
    uint64_t conflicts, conflicts_concurrent;
    hist_t lag_us; /* commit to a follower's ACK, own writes */
};

/* ---- common/node.c --------------------------------------------------- */

/* Node id origin's bit in a mask (filters, wants, writers). A frame's
 * origin is whatever its sender wrote: a number no node can have gets no
 * bit, where a shift by 32 or more would be undefined. */
static inline uint32_t node_bit(uint16_t origin)
{
    return origin <= MM_MAX_NODES ? 1u << origin : 0;
}
/* The name of node id, or "?". Borrowed from the config. */
const char *node_name_of(const node_t *n, uint16_t id);
/* The nodes that can write and stream: masters, or primary and standbys.
 * Their ids are the origins a record can have. */
uint32_t node_writer_mask(const node_t *n);
/* Whether this node takes client writes now. */
int node_writable(const node_t *n);
/* Opens the node's store (its directory under data_dir). */
store_t *node_open_store(const node_t *n, char *err, size_t errlen);
/* Takes in what the store's flusher made durable (wait: first wait until
 * every commit is), then releases what waited on it: held replies, ACKs.
 * Streaming picks it up at the loop's next pump. */
void node_take_flushes(node_t *n, int wait);
/* Emulated storage cost (write_service_us, read_service_us): sleeps for
 * us microseconds, as a node waiting on a slow disk would. */
void node_service_wait(int64_t us);
/* The one place a lost write is reported: one log line per conflict. */
void node_note_conflict(node_t *n, const uint8_t *key, size_t klen,
                        const record_t *rec, const store_outcome_t *o,
                        const char *via);

/* ---- common/serve.c -------------------------------------------------- */

/* Serves up to CLIENT_BATCH requests waiting on the client socket. */
void serve_clients(node_t *n);
/* Sends a reply at once; takes nothing over. */
void serve_reply_now(node_t *n, zmq_msg_t *id, const wire_msg_t *m);
/* An ERROR frame from this node (code: a negative MM_ERR_* or -errno). */
wire_msg_t serve_error_msg(const node_t *n, uint64_t reqid, int code,
                           const char *text);
/* Replies with an error, in order behind the open batch's replies. */
void serve_reply_error(node_t *n, zmq_msg_t *id, uint64_t reqid, int code,
                       const char *text);
/* A bare OK, for commands that change state and return nothing. */
void serve_reply_ok(node_t *n, zmq_msg_t *id, uint64_t reqid);

/* ---- common/status.c ------------------------------------------------- */

void status_reply(node_t *n, zmq_msg_t *id, const wire_msg_t *m);

/* ---- common/fault.c -------------------------------------------------- */

/* Applies a FAULT request: fault_parse() (fault.h), then PEER against the
 * cluster file. On failure writes why into msg and changes nothing. */
int fault_apply(node_t *n, const wire_msg_t *m, char *msg, size_t cap);
/* Whether an injected partition cuts what node id sends us / what we send
 * node id. */
static inline int fault_drops_in(const node_t *n, uint16_t id)
{
    return (n->faults.drop_in & node_bit(id)) != 0;
}
static inline int fault_drops_out(const node_t *n, uint16_t id)
{
    return (n->faults.drop_out & node_bit(id)) != 0;
}

/* ---- masters/writer.c ------------------------------------------------ */

/* Takes one client PUT or DEL into the open batch (or refuses it). */
void writer_take(node_t *n, zmq_msg_t *id, const wire_msg_t *m);
/* Queues a small reply to send after the batch commits; takes over id. */
void writer_reply_later(node_t *n, zmq_msg_t *id, const wire_msg_t *m,
                        uint64_t seq);
/* Commits the open batch, then sends every queued reply in order (or
 * holds it: masters/acks.c). */
void writer_flush(node_t *n);
/* Before a read: waits until this node's own committed writes are
 * durable, so a read never shows a write a crash could take back. */
void writer_settle(node_t *n);

/* ---- masters/stream.c ------------------------------------------------ */

/* Keeps the encoded REC frame of an own write for streaming. */
void stream_backlog_put(node_t *n, const uint8_t *key, size_t klen,
                        const record_t *rec);
/* Marks an own write committed now (the start of its lag). */
void stream_backlog_committed(node_t *n, uint64_t seq, int64_t now_us);
/* Reads HELLOs and ACKs from followers. */
void stream_serve_peers(node_t *n);
/* Sends every follower what it lacks. Returns 1 if more is waiting. */
int stream_pump(node_t *n);
/* Beats, lost followers, retransmits. */
void stream_tick(node_t *n);
/* Forgets every follower and the backlog (a demoted primary). */
void stream_reset(node_t *n);

/* ---- masters/retain.c ------------------------------------------------ */

/* Truncates the log below what followers still need (a timer). */
void retain_tick(node_t *n);

/* ---- masters/snapshot.c ---------------------------------------------- */

/* Whether follower f asks for records the log no longer holds, so it must
 * get a snapshot; if so, starts one (logged). Returns 1 if it did. */
int snapshot_check(node_t *n, follower_t *f);
/* Sends f the next part of its snapshot, within its window. Returns 1 if
 * more is waiting, like stream_pump(). */
int snapshot_pump(node_t *n, follower_t *f);
/* A follower's ACK reported seq snapshot records applied. */
void snapshot_acked(follower_t *f, uint64_t records);
/* Whether f's snapshot has stopped moving (no ACK progress for *dead*
 * ms): the stream then forgets f, which must start a new session. */
int snapshot_stalled(const node_t *n, const follower_t *f, int64_t now_ms);

/* ---- masters/acks.c -------------------------------------------------- */

/* Whether this node's writes wait for confirmations now. */
int acks_wait(const node_t *n);
/* ack = standby on a primary, strict or with a caught-up standby
 * attached: writes wait for a standby, and replicas are fed only what a
 * standby has (masters/stream.c). */
int acks_sync_standby(const node_t *n);
/* Whether a standby that has caught up is attached to this node. */
int acks_standby_attached(const node_t *n);
/* Whether the held queue has room for another batch of writes. */
int acks_room(const node_t *n);
/* Holds a committed write's reply until it is durable and, if confirm,
 * confirmed by followers (takes over r->id). */
void acks_hold(node_t *n, reply_t *r, int64_t now_ms, int confirm);
/* Answers held writes that are durable and confirmed, or durable and
 * timed out ("unknown"). */
void acks_release(node_t *n);
/* A follower's ACK moved: f has applied our own writes up to seq. */
void acks_follower_applied(node_t *n, const follower_t *f, uint64_t seq);
/* Answers every held write now (a demotion): "outcome unknown" unless
 * durable and confirmed. */
void acks_abandon(node_t *n);
/* The own seq that enough followers have applied, by the ack policy. */
uint64_t acks_confirmed(const node_t *n);
/* The ack policy's name ("none", "standby", "all", "quorum"). */
const char *acks_policy_name(ack_policy_t a);

/* ---- masters/primary.c ----------------------------------------------- */

/* PROMOTE and DEMOTE from the coordinator. */
void primary_term_command(node_t *n, zmq_msg_t *id, const wire_msg_t *m);
/* A primary that learns of a newer epoch was replaced: demote; others
 * just record the epoch. */
void primary_adopt_epoch(node_t *n, uint32_t epoch);
/* Why a client write cannot be taken now (epoch, start-up check), as an
 * error code with a message in msg, or 0 when it can. */
int primary_write_refusal(node_t *n, const wire_msg_t *m, char *msg,
                          size_t cap);
/* A (re)started primary listens for a newer epoch before taking writes. */
void primary_start(node_t *n);
/* The epoch a client request or a follower's HELLO/ACK carried (0: none).
 * At our epoch it confirms we are still the primary (from a client, or a
 * follower that is a standby); above it, it fences us. */
void primary_heard_epoch(node_t *n, uint32_t epoch, int confirms);
void primary_check_term(node_t *n);

/* ---- replicas/follow.c ----------------------------------------------- */

/* Connects a DEALER to every other writer's peer socket. */
int follow_open(node_t *n, char *err, size_t errlen);
/* Says HELLO to every source (at start-up). */
void follow_start(node_t *n);
/* Takes what a source sent, applies it in one transaction, ACKs. */
void follow_read(node_t *n, link_t *l);
/* Which origins to ask each source for (relays), after a change. */
void follow_update_wants(node_t *n);
/* ACKs to every source whose records became durable since its last ACK
 * (after a batch, and when the store's flusher finished a flush). */
void follow_ack_durable(node_t *n);
/* Liveness of sources, HELLO again, periodic ACKs. */
void follow_tick(node_t *n);
/* Forgets every source's state (a demoted primary starts over). */
void follow_reset(node_t *n);

/* ---- replicas/catchup.c ---------------------------------------------- */

/* Applies one SNAP frame of l's session inside the open batch. Returns 0,
 * MM_ERR_STATE for a frame out of place (say HELLO again), or another
 * negative code (the batch failed). */
int catchup_record(node_t *n, link_t *l, const wire_msg_t *m);
/* SNAP_END: with every record committed, raises the applied vector to the
 * snapshot's. Returns 0 or a negative code (say HELLO again). */
int catchup_finish(node_t *n, link_t *l, const wire_msg_t *m);

#endif
