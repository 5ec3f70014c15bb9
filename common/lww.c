/*
 * lww.c - last-writer-wins: the one place that decides which write to a key
 * survives.
 *
 * "Last" is the higher (stamp, origin) pair. The stamp comes from the
 * origin's clock (hlc.c) and travels with the write, so every node compares
 * the same two numbers and reaches the same answer in any order: that is
 * what makes the replicas converge. The origin id only breaks ties between
 * two nodes that issued the same stamp; a node never issues one stamp twice,
 * so an equal pair is the same write arriving again.
 *
 * The cost is that the losing write disappears. lww_decide() cannot prevent
 * that, but it can say when it happened to a write nobody chose to replace
 * (a conflict) by looking at each record's prev: the (stamp, origin) of the
 * value its writer overwrote. If the winner's prev is the loser, the winner's
 * writer saw the loser and replaced it on purpose; otherwise the loser was
 * lost without anyone seeing it.
 */
#include <stddef.h>
#include "lww.h"

int lww_compare(mm_stamp_t stamp_a, uint16_t origin_a, mm_stamp_t stamp_b,
                uint16_t origin_b)
{
    if (stamp_a != stamp_b)
        return stamp_a > stamp_b ? 1 : -1;
    if (origin_a != origin_b)
        return origin_a > origin_b ? 1 : -1;
    return 0;
}

/* Whether r's writer overwrote `other`: r.prev names other's pair. */
static int s_prev_is(const record_t *r, const record_t *other)
{
    return r->prev_stamp == other->stamp && r->prev_origin == other->origin;
}

lww_verdict_t lww_decide(const record_t *existing, const record_t *incoming)
{
    lww_verdict_t v = {0, 0, 0, 0};
    int cmp;

    if (existing == NULL) {
        v.incoming_wins = 1;
        return v;
    }

    cmp = lww_compare(incoming->stamp, incoming->origin, existing->stamp,
                      existing->origin);
    if (cmp == 0) {
        v.duplicate = 1;
        return v;
    }

    if (cmp > 0) {
        v.incoming_wins = 1;
        if (s_prev_is(incoming, existing))
            return v; /* an ordinary overwrite */
        v.conflict = 1;
        /*
         * If the existing writer had seen the incoming write yet stamped
         * below it (a clock behind, in wall mode), the two are ordered, just
         * against their stamps: a conflict, but not a concurrent one.
         */
        v.concurrent = !s_prev_is(existing, incoming);
        return v;
    }

    if (s_prev_is(existing, incoming))
        return v; /* a late copy of a write that was already overwritten */
    v.conflict = 1;
    /* Same reasoning as above, from the other side. */
    v.concurrent = !s_prev_is(incoming, existing);
    return v;
}
