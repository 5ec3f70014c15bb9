/*
 * lww.h - the last-writer-wins rule. This is the ONLY place where the project
 * decides which of two writes to a key survives.
 *
 * "Last" means the higher (stamp, origin) pair: compare stamps, and if they
 * are equal the higher origin id wins. Equal pairs are the same write, so
 * applying a write twice changes nothing. Masters and replicas, the live
 * stream and catch-up, all call lww_decide(). The origin's stamp travels with
 * the value; nobody re-stamps a write.
 *
 * The price: a write that loses is gone, even if a client was told it
 * succeeded. lww_decide() therefore also says whether the loss is a conflict
 * (the loser was not knowingly overwritten by the winner) and whether the two
 * writes were concurrent (neither writer had seen the other). These are
 * judged from each record's prev field, which names only the direct
 * predecessor, so a longer causal chain across three or more masters can be
 * reported as concurrent; the history checker makes the exact judgement.
 */
#ifndef MM_LWW_H
#define MM_LWW_H

#include <stdint.h>
#include "record.h"

/*
 * Compares two (stamp, origin) pairs. Returns 1 if a wins, -1 if b wins,
 * 0 if they are the same write.
 */
int lww_compare(mm_stamp_t stamp_a, uint16_t origin_a, mm_stamp_t stamp_b,
                uint16_t origin_b);

typedef struct {
    int incoming_wins; /* 1: store the incoming record; 0: keep existing */
    int duplicate;     /* 1: the same write (equal pairs); nothing to do */
    int conflict;      /* 1: the loser was not knowingly overwritten */
    int concurrent;    /* 1: neither writer had seen the other */
} lww_verdict_t;

/*
 * Decides between the record a key holds (existing; NULL if the key has
 * never been written) and an arriving one.
 *
 *   - no existing record: incoming wins, no conflict.
 *   - same (stamp, origin): duplicate.
 *   - incoming wins and its prev is the existing write: an ordinary
 *     overwrite, no conflict.
 *   - incoming wins otherwise: conflict; concurrent unless existing.prev is
 *     the incoming write.
 *   - existing wins and its prev is the incoming write: a late copy of an
 *     overwritten write, no conflict.
 *   - existing wins and incoming.prev is existing: the writer saw the
 *     existing value yet stamped below it (clock skew in wall mode):
 *     conflict, not concurrent.
 *   - existing wins otherwise: conflict, concurrent.
 */
lww_verdict_t lww_decide(const record_t *existing, const record_t *incoming);

#endif
