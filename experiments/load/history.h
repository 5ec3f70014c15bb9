/*
 * history.h - the lines mm-load writes to a history file: one JSON object
 * per line, as docs/history.md defines them.
 *
 *     invoke   an operation was sent
 *     ok, fail, info
 *              it completed (info: outcome unknown)
 *     skip     an open-loop operation came due while its client had no
 *              free slot: it was never sent, and has no other line
 *     status   a node's applied vector (--sample-ms)
 *
 * Only the format lives here: the caller decides what happened and when.
 * Each function writes one whole line to f, which it borrows.
 */
#ifndef MM_HISTORY_H
#define MM_HISTORY_H

#include <stdint.h>
#include <stdio.h>
#include "wire.h"
#include "workload.h"

/* What every operation line says. The strings are borrowed. */
typedef struct {
    int64_t t; /* the line's time: monotonic nanoseconds */
    int client;
    workload_kind_t kind;
    const char *key;
    const char *value; /* a write's value; ignored for reads and deletes */
    const char *node;  /* where it was (or would have been) sent */
} history_op_t;

/* An invoke line. */
void history_invoke(FILE *f, const history_op_t *op);

/*
 * A completion line of type ok, fail or info. reply is the reply to this
 * operation's own request, or NULL (no answer): a read's value and every
 * stamp, origin and seq come from it alone. origin is the name of the
 * reply's origin node (NULL: unknown); error is NULL or why it failed.
 */
void history_complete(FILE *f, const history_op_t *op, const char *type,
                      const wire_msg_t *reply, const char *origin,
                      const char *error);

/*
 * A skip line: op->t is the time the operation was due. late marks a skip
 * that mm-load's own lateness caused (its slots were busy only with
 * operations it sent after op->t): it says nothing about the nodes.
 */
void history_skip(FILE *f, const history_op_t *op, int late);

/*
 * A status line. applied is the node's "m1:12,m2:7" text (it may go on
 * after a newline), or NULL when the node did not answer.
 */
void history_status(FILE *f, int64_t t, const char *node, const char *applied);

#endif
