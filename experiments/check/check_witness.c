/*
 * check_witness.c - witnesses: the sentences that explain one anomaly in
 * the run's own terms ("client 3 wrote k17=c3.17 at 2.10 s, acknowledged
 * by m1 at 2.11 s; ..."). Each analysis builds its sentence from these
 * pieces and keeps at most CHECK_WITNESS_MAX per anomaly type, the
 * earliest found first. A witness is an illustration: under memory
 * pressure it is dropped, never the count.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "check_internal.h"

void check__sbf(check__sb_t *s, const char *fmt, ...)
{
    if (s->n >= sizeof s->b - 1)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(s->b + s->n, sizeof s->b - s->n, fmt, ap);
    va_end(ap);
    if (n > 0)
        s->n += (size_t)n;
    if (s->n > sizeof s->b - 1)
        s->n = sizeof s->b - 1;
}

double check__sec(const check_t *c, int64_t t)
{
    return (double)(t - c->t0) / 1e9;
}

const char *check__key_name(const check_t *c, uint32_t k)
{
    return c->arena + c->keys[k].off;
}

static const char *s_origin_name(const check_t *c, uint16_t o)
{
    return o >= 1 && o <= c->nnodes ? c->names[o - 1] : "?";
}

void check__sb_stamp(const check_t *c, check__sb_t *s, mm_stamp_t st,
                     uint16_t o)
{
    check__sbf(s, "%llu.%u (%s)", (unsigned long long)hlc_ms(st),
               hlc_logical(st), s_origin_name(c, o));
}

/* "client 3 wrote k17=c3.17 at 2.10 s, acknowledged by m1 at 2.11 s" */
void check__sb_write(const check_t *c, check__sb_t *s, uint32_t w)
{
    const check__op_t *op = &c->ops[w];
    const char *k = check__key_name(c, op->key);
    if (op->f == CHECK_OP_DELETE)
        check__sbf(s, "client %d deleted %s at %.2f s", op->p, k,
                   check__sec(c, op->t_inv));
    else
        check__sbf(s, "client %d wrote %s=%s at %.2f s", op->p, k,
                   c->arena + op->val, check__sec(c, op->t_inv));
    if (op->out == OUT_OK)
        check__sbf(s, ", acknowledged by %s at %.2f s", c->names[op->node],
                   check__sec(c, op->t_done));
    else if (op->out == OUT_INFO)
        check__sbf(s, " on %s, with no answer (outcome unknown)",
                   c->names[op->node]);
    else
        check__sbf(s, ", refused by %s", c->names[op->node]);
}

/*
 * What a read returned or a node ended with: the value and the write that
 * made it ("k17=c3.12, written at 1.90 s").
 */
void check__sb_value(const check_t *c, check__sb_t *s, uint32_t key,
                     uint32_t src, int present, int tomb, mm_stamp_t st,
                     uint16_t o)
{
    const char *k = check__key_name(c, key);
    if (!present) {
        check__sbf(s, "nothing (%s absent)", k);
    } else if (src == SRC_SOME_DELETE) {
        check__sbf(s, "a tombstone (%s deleted by a delete of unknown outcome)",
                   k);
    } else if (src != NONE && c->ops[src].f == CHECK_OP_DELETE) {
        check__sbf(s, "a tombstone (%s deleted by client %d at %.2f s)", k,
                   c->ops[src].p, check__sec(c, c->ops[src].t_inv));
    } else if (src != NONE) {
        check__sbf(s, "%s=%s, written at %.2f s", k, c->arena + c->ops[src].val,
                   check__sec(c, c->ops[src].t_inv));
        if (c->ops[src].out == OUT_INFO)
            check__sbf(s, " by a write of unknown outcome");
    } else if (tomb) {
        check__sbf(s, "a tombstone of %s that no known delete made, stamp ", k);
        check__sb_stamp(c, s, st, o);
    } else {
        check__sbf(s, "a value of %s that no known write produced, stamp ", k);
        check__sb_stamp(c, s, st, o);
    }
}

void check__sb_read_value(const check_t *c, check__sb_t *s, uint32_t r)
{
    const check__op_t *op = &c->ops[r];
    int present = op->stamp != 0 || op->origin != 0;
    check__sb_value(c, s, op->key, op->src, present,
                    (op->flags & OPF_VALUE_NULL) != 0, op->stamp, op->origin);
}

void check__witness(check_t *c, check_anomaly_t a, const check__sb_t *s,
                    int64_t t, uint32_t key)
{
    if (c->nwit[a] >= CHECK_WITNESS_MAX)
        return;
    char *text = malloc(s->n + 1);
    if (!text)
        return; /* a witness is an illustration: skip it under pressure */
    memcpy(text, s->b, s->n);
    text[s->n] = '\0';
    check__witness_t *w = &c->wit[a][c->nwit[a]++];
    w->text = text;
    w->t_s = check__sec(c, t);
    w->key = key;
}
