/*
 * sampler.c - mm-load's status sampling: STATUS to every node, the applied
 * vector of each answer into the history. See sampler.h.
 */
#include <stdlib.h>
#include <string.h>
#include "history.h"
#include "mmclient.h"
#include "sampler.h"

struct sampler {
    void *ctx;
    const config_t *cfg;
    const sec_t *sec;
    mmc_t *conn[MM_MAX_NODES];
    int64_t pending[MM_MAX_NODES]; /* id of an unanswered STATUS, or 0 */
};

sampler_t *sampler_new(void *ctx, const config_t *cfg, const sec_t *sec)
{
    sampler_t *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->ctx = ctx;
    s->cfg = cfg;
    s->sec = sec;
    return s;
}

void sampler_destroy(sampler_t **sp)
{
    if (!sp || !*sp)
        return;
    for (int i = 0; i < MM_MAX_NODES; i++)
        mmc_destroy(&(*sp)->conn[i]);
    free(*sp);
    *sp = NULL;
}

void sampler_ask(sampler_t *s, FILE *hist)
{
    for (int i = 0; i < s->cfg->nnodes; i++) {
        if (!s->conn[i]) {
            char err[256];
            s->conn[i] = mmc_connect_as(s->ctx, s->cfg->nodes[i].client, s->sec,
                                        s->cfg->nodes[i].name, err, sizeof err);
            if (!s->conn[i])
                continue;
        }
        if (s->pending[i] && hist)
            history_status(hist, tp_now_ns(), s->cfg->nodes[i].name, NULL);
        wire_msg_t req = {0};
        req.cmd = WIRE_STATUS;
        int64_t id = mmc_send(s->conn[i], &req);
        s->pending[i] = id > 0 ? id : 0;
    }
}

int sampler_poll_items(const sampler_t *s, zmq_pollitem_t *items, int *nodes)
{
    int k = 0;
    for (int i = 0; i < s->cfg->nnodes; i++)
        if (s->conn[i]) {
            nodes[k] = i;
            items[k++] =
                (zmq_pollitem_t){mmc_socket(s->conn[i]), 0, ZMQ_POLLIN, 0};
        }
    return k;
}

void sampler_take(sampler_t *s, int node, FILE *hist)
{
    wire_msg_t r;
    while (mmc_recv(s->conn[node], &r, 0) == 0) {
        if (r.cmd != WIRE_STATUS_REPLY || (int64_t)r.reqid != s->pending[node])
            continue;
        s->pending[node] = 0;
        char text[2048];
        snprintf(text, sizeof text, "%.*s",
                 (int)(r.vlen < sizeof text - 1 ? r.vlen : sizeof text - 1),
                 (const char *)r.value);
        const char *a = strstr(text, "\napplied=");
        if (hist)
            history_status(hist, tp_now_ns(), s->cfg->nodes[node].name,
                           a ? a + 9 : NULL);
    }
}
