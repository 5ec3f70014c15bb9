/*
 * fault.c - the faults experiments inject, without root.
 *
 * tc netem and iptables are not available on the lab machines, so a node
 * filters its own replication traffic, on command (FAULT):
 *
 *     drop PEER in|out|both   ignore what PEER sends us / send PEER nothing
 *     delay PEER MS           stream our writes to PEER only MS after commit
 *     clock OFFSET_MS         skew this node's clock (+ahead, -behind)
 *     heal                    clear every drop and delay (not the clock)
 *
 * Client traffic is never filtered: a partition cuts nodes from each other,
 * not from their clients. The filter is applied where traffic enters and
 * leaves (replicas/follow.c, masters/stream.c: fault_drops_in/out and the
 * per-peer delay); crashes and pauses are done from outside, with kill -9
 * and SIGSTOP (experiments/run).
 */
#include <stdio.h>
#include <string.h>
#include "engine.h"
#include "log.h"

/* Injected clock skew beyond a day would only be a typo. */
#define FAULT_CLOCK_MAX_MS 86400000LL
#define FAULT_DELAY_MAX_MS 600000LL

static int s_drop(node_t *n, const char *peer, const char *dir, char *msg,
                  size_t cap)
{
    const config_node_t *p = config_node(&n->cfg, peer);
    int in = !strcmp(dir, "in") || !strcmp(dir, "both");
    int out = !strcmp(dir, "out") || !strcmp(dir, "both");
    if (!p || p == n->self || (!in && !out)) {
        snprintf(msg, cap,
                 "drop needs another node's name and in, out "
                 "or both");
        return MM_ERR_PROTO;
    }
    n->faults.drop_in |= in ? node_bit(p->id) : 0;
    n->faults.drop_out |= out ? node_bit(p->id) : 0;
    return 0;
}

static int s_delay(node_t *n, const char *peer, long long ms, char *msg,
                   size_t cap)
{
    const config_node_t *p = config_node(&n->cfg, peer);
    if (!p || p == n->self || ms < 0 || ms > FAULT_DELAY_MAX_MS) {
        snprintf(msg, cap,
                 "delay needs another node's name and 0..600000 "
                 "ms");
        return MM_ERR_PROTO;
    }
    n->faults.delay_us[p->id] = ms * 1000;
    return 0;
}

int fault_apply(node_t *n, const wire_msg_t *m, char *msg, size_t cap)
{
    char verb[16], args[128];
    snprintf(verb, sizeof verb, "%.*s", (int)(m->klen < 15 ? m->klen : 15),
             (const char *)m->key);
    snprintf(args, sizeof args, "%.*s", (int)(m->vlen < 127 ? m->vlen : 127),
             (const char *)m->value);
    char peer[CONFIG_NAME_MAX], dir[8], extra;
    long long num;
    int rc = 0;
    if (!strcmp(verb, "heal")) {
        n->faults.drop_in = n->faults.drop_out = 0;
        memset(n->faults.delay_us, 0, sizeof n->faults.delay_us);
    } else if (!strcmp(verb, "clock") &&
               sscanf(args, "%lld %c", &num, &extra) == 1 &&
               num >= -FAULT_CLOCK_MAX_MS && num <= FAULT_CLOCK_MAX_MS) {
        hlc_set_offset(&n->clock, (int64_t)num);
    } else if (!strcmp(verb, "drop") &&
               sscanf(args, "%31s %7s %c", peer, dir, &extra) == 2) {
        rc = s_drop(n, peer, dir, msg, cap);
    } else if (!strcmp(verb, "delay") &&
               sscanf(args, "%31s %lld %c", peer, &num, &extra) == 2) {
        rc = s_delay(n, peer, num, msg, cap);
    } else {
        int known = !strcmp(verb, "clock") || !strcmp(verb, "drop") ||
                    !strcmp(verb, "delay");
        snprintf(msg, cap,
                 "%s '%.20s'; use drop PEER in|out|both, delay PEER MS, "
                 "clock OFFSET_MS (within a day) or heal",
                 known ? "bad arguments to" : "unknown fault", verb);
        return MM_ERR_PROTO;
    }
    if (rc < 0)
        return rc;
    log_event(LOG_INFO, "fault", "verb=%s args=\"%s\"", verb, args);
    snprintf(msg, cap, "ok");
    return 0;
}
