/*
 * catchup.c - a follower takes a snapshot, then resumes the log.
 *
 * When this node asks a source for records its log no longer holds, the
 * source sends a copy of its data instead (masters/snapshot.c says how and
 * why the copy is enough). Here the follower takes it:
 *
 *   1. SNAP frames, in order (each carries its place in the copy: 1, 2,
 *      ...), are applied inside follow_read()'s batch with
 *      store_apply_snapshot(): the one LWW rule against the key's record,
 *      no sequence check, no log entry, no change to the applied vector.
 *      The ACK carries how many records of the copy are applied, which
 *      moves the source's window.
 *   2. SNAP_END names the applied vector the copy stands for. Once every
 *      record of the copy is committed (replicas/follow.c commits the
 *      batch first), store_snapshot_finish() raises the applied vector to
 *      it, in one transaction, and the log starts after it. The next ACK
 *      shows the new vector, and the source streams its log from there.
 *
 * Nothing claims what the store lacks: the applied vector moves only at
 * the very end, after every record of the copy is durable. A frame out of
 * place (a pack lost with a dropped connection), a copy cut short, or a
 * crash half-way leaves the vector where it was; the follower says HELLO
 * again, the source sees it is still behind the log, and the copy starts
 * over. Records applied from the unfinished copy stay: each was a real
 * write that won LWW, and the next copy brings the same or newer.
 */
#include "engine.h"
#include "log.h"

int catchup_record(node_t *n, link_t *l, const wire_msg_t *m)
{
    if (m->seq == 1) {
        /* The first record: a new copy, or the source started it over. */
        log_event(LOG_INFO, "snapshot_receiving", "source=%s restart=%d",
                  l->src->name, l->snap_got != 0);
        l->snap_got = 0;
    }
    if (m->seq != l->snap_got + 1) {
        log_event(LOG_WARN, "snapshot_gap", "source=%s expected=%llu got=%llu",
                  l->src->name, (unsigned long long)l->snap_got + 1,
                  (unsigned long long)m->seq);
        return MM_ERR_STATE;
    }
    record_t rec;
    int rc = record_decode(m->value, m->vlen, &rec);
    if (rc == 0)
        rc = store_apply_snapshot(n->store, m->key, m->klen, &rec);
    if (rc < 0) {
        log_event(LOG_ERROR, "snapshot_apply_failed",
                  "source=%s seq=%llu error=\"%s\"", l->src->name,
                  (unsigned long long)m->seq, mm_strerror(rc));
        return rc;
    }
    hlc_observe(&n->clock, rec.stamp);
    n->service_owed_us += n->cfg.write_service_us;
    l->snap_got++;
    return 0;
}

int catchup_finish(node_t *n, link_t *l, const wire_msg_t *m)
{
    uint64_t vec[MM_MAX_NODES + 1] = {0};
    uint32_t mask = 0;
    if (m->seq != l->snap_got) {
        log_event(LOG_WARN, "snapshot_gap", "source=%s records=%llu got=%llu",
                  l->src->name, (unsigned long long)m->seq,
                  (unsigned long long)l->snap_got);
        return MM_ERR_STATE;
    }
    int rc = wire_vec_decode(m->value, m->vlen, vec, &mask);
    if (rc == 0)
        rc = store_snapshot_finish(n->store, vec, mask & node_writer_mask(n));
    if (rc < 0) {
        log_event(LOG_ERROR, "snapshot_failed", "source=%s error=\"%s\"",
                  l->src->name, mm_strerror(rc));
        return rc;
    }
    n->follow.snapshots_received++;
    log_event(LOG_INFO, "snapshot_installed", "source=%s records=%llu",
              l->src->name, (unsigned long long)l->snap_got);
    l->snap_got = 0;
    return 0;
}
