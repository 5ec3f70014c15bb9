/*
 * sampler.h - mm-load's status sampling (--sample-ms): every node's applied
 * vector, recorded in the history at a fixed interval, from which mm-check
 * computes replication lag over time (docs/history.md, "Status samples").
 *
 * One connection per node, opened on the first sample. A node that has not
 * answered the previous STATUS by the next sample is recorded as not
 * answering (applied: null), so a frozen node shows as a gap.
 */
#ifndef MM_SAMPLER_H
#define MM_SAMPLER_H

#include <stdio.h>
#include "config.h"
#include "security.h"
#include "transport.h"

typedef struct sampler sampler_t;

/*
 * A sampler of cfg's nodes whose connections live in the ZeroMQ context
 * ctx and connect with sec's keys. All three are borrowed: valid until
 * sampler_destroy(). Returns NULL when
 * out of memory. Caller owns the returned object and destroys it with
 * sampler_destroy() (before terminating ctx).
 */
sampler_t *sampler_new(void *ctx, const config_t *cfg, const sec_t *sec);
void sampler_destroy(sampler_t **s);

/* Asks every node for its STATUS; writes a null sample to hist (may be
 * NULL) for each node that did not answer the last request. */
void sampler_ask(sampler_t *s, FILE *hist);

/*
 * Fills items with one poll item per open connection and nodes with its
 * node's index (room for MM_MAX_NODES each); returns how many.
 */
int sampler_poll_items(const sampler_t *s, zmq_pollitem_t *items, int *nodes);

/* Takes the replies waiting from node and writes each sample to hist. */
void sampler_take(sampler_t *s, int node, FILE *hist);

#endif
