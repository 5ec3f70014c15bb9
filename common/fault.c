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
 * A request is taken in two steps. fault_parse() reads the bytes into a
 * fault_cmd_t (fault.h) and refuses anything else whole: a verb that is not
 * one of the four, the wrong number of words, a number with junk after it,
 * a NUL byte, arguments too long to be real. Nothing is cut to fit, so
 * what is applied is exactly what was asked. fault_apply() then checks
 * PEER against the cluster file and changes the node; a refused request
 * changes nothing.
 *
 * Client traffic is never filtered: a partition cuts nodes from each other,
 * not from their clients. The filter is applied where traffic enters and
 * leaves (replicas/follow.c, masters/stream.c: fault_drops_in/out and the
 * per-peer delay); crashes and pauses are done from outside, with kill -9
 * and SIGSTOP (experiments/run).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "engine.h"
#include "fault.h"
#include "log.h"

#define FAULT_USAGE                                                            \
    "use drop PEER in|out|both, delay PEER MS, clock OFFSET_MS (within a "     \
    "day) or heal"
#define FAULT_DROP_NEEDS "drop needs another node's name and in, out or both"
#define FAULT_DELAY_NEEDS "delay needs another node's name and 0..600000 ms"

static const char *const s_verbs[] = {"heal", "clock", "drop", "delay"};
/* The words each verb takes. */
static const int s_nwords[] = {0, 1, 2, 2};

const char *fault_verb_name(fault_verb_t v)
{
    return (unsigned)v < sizeof s_verbs / sizeof s_verbs[0] ? s_verbs[v] : "?";
}

/* "unknown fault 'VERB'; use ..." or "bad arguments to 'VERB'; use ...". */
static int s_usage(char *msg, size_t cap, const char *what, const uint8_t *verb,
                   size_t vlen)
{
    snprintf(msg, cap, "%s '%.*s'; " FAULT_USAGE, what,
             (int)(vlen < 20 ? vlen : 20), (const char *)verb);
    return MM_ERR_PROTO;
}

static int s_is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
           c == '\f';
}

/*
 * Copies args into buf and splits it into words at whitespace. Returns
 * the number of words, max + 1 if there are more than max, or -1 for
 * arguments that are too long or hold a NUL byte.
 */
static int s_words(const uint8_t *args, size_t alen,
                   char buf[FAULT_ARGS_MAX + 1], char **word, int max)
{
    int n = 0;

    if (alen > FAULT_ARGS_MAX || (alen > 0 && memchr(args, '\0', alen)))
        return -1;
    if (alen > 0)
        memcpy(buf, args, alen);
    buf[alen] = '\0';
    for (char *p = buf;;) {
        while (s_is_space(*p))
            p++;
        if (*p == '\0')
            return n;
        if (n == max)
            return max + 1;
        word[n++] = p;
        while (*p != '\0' && !s_is_space(*p))
            p++;
        if (*p != '\0')
            *p++ = '\0';
    }
}

/* A whole decimal number (a sign allowed, nothing after it). */
static int s_integer(const char *s, long long *out)
{
    char *end;

    errno = 0;
    *out = strtoll(s, &end, 10);
    return end == s || *end != '\0' || errno == ERANGE ? -1 : 0;
}

/* Copies a PEER word, which must fit a node name to be one. */
static int s_peer(fault_cmd_t *out, const char *word)
{
    size_t len = strlen(word);

    if (len >= sizeof out->peer)
        return -1;
    memcpy(out->peer, word, len + 1);
    return 0;
}

int fault_parse(const uint8_t *verb, size_t vlen, const uint8_t *args,
                size_t alen, fault_cmd_t *out, char *msg, size_t cap)
{
    char buf[FAULT_ARGS_MAX + 1], *w[2];
    int v = -1;

    memset(out, 0, sizeof *out);
    for (int i = 0; i < (int)(sizeof s_verbs / sizeof s_verbs[0]); i++)
        if (vlen == strlen(s_verbs[i]) && memcmp(verb, s_verbs[i], vlen) == 0)
            v = i;
    if (v < 0)
        return s_usage(msg, cap, "unknown fault", verb, vlen);
    out->verb = (fault_verb_t)v;
    if (s_words(args, alen, buf, w, 2) != s_nwords[v])
        return s_usage(msg, cap, "bad arguments to", verb, vlen);
    switch (out->verb) {
    case FAULT_HEAL:
        return 0;
    case FAULT_CLOCK:
        if (s_integer(w[0], &out->ms) < 0 || out->ms < -FAULT_CLOCK_MAX_MS ||
            out->ms > FAULT_CLOCK_MAX_MS)
            return s_usage(msg, cap, "bad arguments to", verb, vlen);
        return 0;
    case FAULT_DROP:
        out->in = !strcmp(w[1], "in") || !strcmp(w[1], "both");
        out->out = !strcmp(w[1], "out") || !strcmp(w[1], "both");
        if ((!out->in && !out->out) || s_peer(out, w[0]) < 0) {
            snprintf(msg, cap, FAULT_DROP_NEEDS);
            return MM_ERR_PROTO;
        }
        return 0;
    case FAULT_DELAY:
        if (s_integer(w[1], &out->ms) < 0)
            return s_usage(msg, cap, "bad arguments to", verb, vlen);
        if (out->ms < 0 || out->ms > FAULT_DELAY_MAX_MS ||
            s_peer(out, w[0]) < 0) {
            snprintf(msg, cap, FAULT_DELAY_NEEDS);
            return MM_ERR_PROTO;
        }
        return 0;
    }
    return MM_ERR_PROTO; /* not reached: v is one of the four */
}

int fault_apply(node_t *n, const wire_msg_t *m, char *msg, size_t cap)
{
    fault_cmd_t f;
    const config_node_t *p = NULL;
    char args[CONFIG_NAME_MAX + 32] = "";
    int rc = fault_parse(m->key, m->klen, m->value, m->vlen, &f, msg, cap);

    if (rc < 0)
        return rc;
    if (f.verb == FAULT_DROP || f.verb == FAULT_DELAY) {
        p = config_node(&n->cfg, f.peer);
        if (!p || p == n->self) {
            snprintf(msg, cap, "%s",
                     f.verb == FAULT_DROP ? FAULT_DROP_NEEDS
                                          : FAULT_DELAY_NEEDS);
            return MM_ERR_PROTO;
        }
    }
    /* The log line says what was parsed, never the request's raw bytes:
     * the peer is a node's name by now and the numbers are numbers, so
     * the line stays one key=value line whatever the client sent. */
    switch (f.verb) {
    case FAULT_HEAL:
        n->faults.drop_in = n->faults.drop_out = 0;
        memset(n->faults.delay_us, 0, sizeof n->faults.delay_us);
        break;
    case FAULT_CLOCK:
        hlc_set_offset(&n->clock, (int64_t)f.ms);
        snprintf(args, sizeof args, "%lld", f.ms);
        break;
    case FAULT_DROP:
        n->faults.drop_in |= f.in ? node_bit(p->id) : 0;
        n->faults.drop_out |= f.out ? node_bit(p->id) : 0;
        snprintf(args, sizeof args, "%s %s", p->name,
                 f.in && f.out ? "both"
                 : f.in        ? "in"
                               : "out");
        break;
    case FAULT_DELAY:
        n->faults.delay_us[p->id] = f.ms * 1000;
        snprintf(args, sizeof args, "%s %lld", p->name, f.ms);
        break;
    }
    log_event(LOG_INFO, "fault", "verb=%s args=\"%s\"", fault_verb_name(f.verb),
              args);
    snprintf(msg, cap, "ok");
    return 0;
}
