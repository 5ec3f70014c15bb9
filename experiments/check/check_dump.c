/*
 * check_dump.c - the dump reader: each node's final state (`mmctl dump`
 * lines, common/dump.h), matched to the write that produced each record:
 * by value (values are unique per run), or for a tombstone by its pair
 * (at the end, in check_pairs.c, when every write is known).
 * docs/metrics.md (lost writes) says how a final record names its write.
 *
 * The first dump line seals the history: what never completed becomes an
 * operation of unknown outcome (info), and each key learns its deletes.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "check_internal.h"
#include "dump.h"

int check__finals_fit(check_t *c, size_t nkeys)
{
    if (nkeys <= c->capfinal_keys)
        return 0;
    size_t n = c->capfinal_keys ? c->capfinal_keys : 1024;
    while (n < nkeys)
        n *= 2;
    size_t per = (size_t)c->nnodes;
    check__final_t *f = realloc(c->finals, n * per * sizeof *f);
    if (!f)
        return -ENOMEM;
    memset(f + c->capfinal_keys * per, 0,
           (n - c->capfinal_keys) * per * sizeof *f);
    c->finals = f;
    c->capfinal_keys = n;
    return 0;
}

check__final_t *check__final(const check_t *c, uint32_t key, int node)
{
    return &c->finals[(size_t)key * (size_t)c->nnodes + (size_t)node];
}

/* Ends the history: what never completed has an unknown outcome. */
int check__seal(check_t *c)
{
    if (c->sealed)
        return 0;
    c->sealed = 1;
    for (size_t p = 0; p < c->nclients; p++) {
        check__u32vec_t *open = &c->clients[p];
        for (uint32_t i = 0; i < open->n; i++) {
            check__op_t *op = &c->ops[open->v[i]];
            op->out = OUT_INFO;
            op->t_done = c->t_max > op->t_inv ? c->t_max : op->t_inv;
            op->flags |= OPF_UNFINISHED;
            c->r.unfinished++;
        }
        open->n = 0;
    }
    for (size_t i = 0; i < c->nops; i++) {
        const check__op_t *op = &c->ops[i];
        check__key_t *k = &c->keys[op->key];
        if (op->f != CHECK_OP_DELETE)
            continue;
        if (op->out == OUT_INFO)
            k->flags |= KEY_INFO_DELETE;
        if (op->out == OUT_OK &&
            (!(k->flags & KEY_OK_DELETE) ||
             check__pair_cmp(op->stamp, op->origin, k->del_stamp,
                             k->del_origin) > 0)) {
            k->flags |= KEY_OK_DELETE;
            k->del_stamp = op->stamp;
            k->del_origin = op->origin;
        }
    }
    return check__finals_fit(c, c->nkeys);
}

int check_begin_dump(check_t *c, const char *node, char *err, size_t errlen)
{
    int n = check__node_index(c, node);
    if (n < 0)
        return check__err(err, errlen, MM_ERR_UNKNOWN,
                          "dump of node '%s', which is not one of --nodes",
                          node ? node : "(none)");
    if (c->dumped & (1u << n))
        return check__err(err, errlen, MM_ERR_STATE, "node %s dumped twice",
                          node);
    if (check__seal(c) < 0)
        return check__err(err, errlen, -ENOMEM, "out of memory");
    c->dumped |= 1u << n;
    c->dump_node = n;
    return 0;
}

/*
 * Which write made a final value: see docs/metrics.md, lost writes. A
 * tombstone's delete is found by pair once every write is known
 * (check__tombstones()).
 */
static uint32_t s_value_source(const check_t *c, uint32_t key, const char *v,
                               size_t vlen)
{
    uint32_t w = check__value_find(c, key, v, vlen);
    if (w != NONE && (c->ops[w].out == OUT_OK || c->ops[w].out == OUT_INFO))
        return w;
    return NONE;
}

static int s_scratch(check_t *c, size_t need)
{
    return check__grow((void **)&c->scratch, &c->capscratch, need, 1);
}

int check_feed_dump_line(check_t *c, const char *line, size_t len, char *err,
                         size_t errlen)
{
    if (c->dump_node < 0)
        return check__err(err, errlen, MM_ERR_STATE, "no dump was begun");
    while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
        len--;
    if (len == 0)
        return 0;
    if (s_scratch(c, len + 1) < 0)
        return check__err(err, errlen, -ENOMEM, "out of memory");
    memcpy(c->scratch, line, len);
    c->scratch[len] = '\0';
    dump_line_t d;
    uint16_t origin;
    int rc = dump_parse_line(c->scratch, &d);
    if (rc == DUMP_BAD_FIELDS) {
        rc = check__err(err, errlen, MM_ERR_CORRUPT,
                        "a dump line has 4 tab-separated fields");
        goto bad;
    }
    if (rc == DUMP_BAD_ESCAPE) {
        rc = check__err(err, errlen, MM_ERR_CORRUPT, "a malformed escape");
        goto bad;
    }
    if (rc < 0 || check__origin_id(c, d.origin, &origin) < 0) {
        rc =
            check__err(err, errlen, MM_ERR_CORRUPT,
                       "bad stamp '%s' or origin '%s'", d.stamp_text, d.origin);
        goto bad;
    }
    uint32_t key = check__key_intern(c, d.key, d.klen);
    if (key == NONE)
        return check__err(err, errlen, -ENOMEM, "out of memory");
    check__final_t *f = check__final(c, key, c->dump_node);
    if (f->present) {
        rc = check__err(err, errlen, MM_ERR_CORRUPT, "key '%s' appears twice",
                        d.key);
        goto bad;
    }
    int tomb = d.value == NULL;
    f->present = 1;
    f->tomb = (uint8_t)tomb;
    f->stamp = d.stamp;
    f->origin = origin;
    f->vhash = tomb ? 0 : check__hash(d.value, d.vlen);
    f->src = tomb ? NONE : s_value_source(c, key, d.value, d.vlen);
    return 0;
bad:
    c->r.dump_errors++;
    return rc;
}
