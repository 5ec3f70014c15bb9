/*
 * trace.h - the replication trace: one line per event a space-time diagram
 * draws, for a short run a teacher wants to show on a slide.
 *
 * Off unless the cluster file sets `trace_lines = N` (docs/config.md):
 * then each node writes at most N lines to DATA_DIR/NODE.trace and stops.
 * A line is `key=value` pairs, like the node log, and always starts with
 *
 *     t=NS node=NAME ev=EVENT hlc=STAMP wall=MS
 *
 * t is the node's CLOCK_MONOTONIC in nanoseconds, the clock of the history
 * file (so nodes on one machine share it); hlc is the node's clock after
 * the event (the highest stamp it has issued or seen) and wall the
 * physical clock it would stamp with now, injected skew included. The
 * events, and the fields that follow:
 *
 *     start   role=ROLE                       the trace opened (a node
 *                                             start or restart)
 *     write   key= stamp=S@O seq= won=1|0     a client write taken
 *     send    to=NODE n= first=S@O last=S@O   a pack of REC frames sent
 *     apply   from=NODE n= applied= conflicts= first=S@O last=S@O
 *             hlc_before=STAMP                a pack received and applied
 *     lww     key= winner=S@O loser=S@O concurrent=0|1 via=local|replication
 *     full    lines=N                         the limit: nothing follows
 *
 * A stamp is printed MS.LOGICAL, a pair S@O with the origin's node name.
 * `experiments/spacetime` matches each send to its apply by (from, to, n,
 * first, last) and draws the diagram.
 *
 * Lines are buffered and written out once per heartbeat and at stop, so a
 * node killed with kill -9 loses its last heartbeat's lines. The trace
 * owns its file; trace_close() closes it.
 */
#ifndef MM_TRACE_H
#define MM_TRACE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "node.h"
#include "record.h"
#include "store.h"

typedef struct {
    FILE *f;            /* NULL: tracing is off */
    uint64_t lines;     /* written so far */
    uint64_t max;       /* trace_lines of the cluster file */
    int64_t flushed_ms; /* when the buffer was last written out */
} trace_t;

/* Opens DATA_DIR/NODE.trace for appending if the cluster file asks for a
 * trace. A file that cannot be opened is logged and tracing stays off:
 * the node runs either way. */
void trace_open(node_t *n);
/* Writes out what is buffered and closes the file. Accepts a closed
 * trace. */
void trace_close(node_t *n);
/* Writes out the buffer once per heartbeat (a timer of the loop). */
void trace_tick(node_t *n);

/* Whether tracing is on and has room: callers skip any work they would
 * do only for the trace. */
static inline int trace_on(const trace_t *t)
{
    return t->f != NULL;
}

/* A client write this node took (rec is the stamped write, o the LWW
 * outcome). */
void trace_write(node_t *n, const uint8_t *key, size_t klen,
                 const record_t *rec, const store_outcome_t *o);
/* A pack of REC frames (frames back to back, len bytes) sent at t_ns
 * (CLOCK_MONOTONIC, taken just before the send) to the follower whose
 * routing id is id (idlen bytes: its node name). */
void trace_send(node_t *n, int64_t t_ns, const void *id, size_t idlen,
                const uint8_t *pack, size_t len);
/* A pack received from node src and applied: applied and conflicts count
 * what applying it did, hlc_before is the clock before it. */
void trace_apply(node_t *n, const char *src, const uint8_t *pack, size_t len,
                 int applied, uint64_t conflicts, uint64_t hlc_before);
/* A write LWW discarded, as node_note_conflict() reports it. */
void trace_lww(node_t *n, const uint8_t *key, size_t klen, uint64_t winner,
               uint16_t wo, uint64_t loser, uint16_t lo, int concurrent,
               const char *via);

#endif
