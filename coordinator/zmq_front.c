/*
 * zmq_front.c - the ZeroMQ front: a ROUTER that speaks the nodes' own wire
 * protocol (PUT, GET, DEL, PING, STATUS), for mmctl --node coordinator and
 * mm-load --coordinator.
 *
 * A PUT, GET or DEL takes a slot like a RESP command's sub, remembering
 * the client's routing id and request id; the node's reply frame goes back
 * to the client unchanged but for the request id (pool.c). PING and STATUS
 * are answered here. Functions are named zfront_*, because zmq_* belongs
 * to libzmq.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "coord_int.h"

static void s_front_status(coord_t *co, const void *id, size_t idlen,
                           uint64_t reqid)
{
    resp_buf_t t;
    wire_msg_t r = {0};
    resp_buf_init(&t);
    coord_addf(&t,
               "node=coordinator\nrole=coordinator\nepoch=%u\ncluster=%s\n"
               "writer=%s\nfailover=%s\n",
               co->epoch, co->cfg.name,
               co->writer >= 0 ? co->nodes[co->writer].cfg->name : "-",
               failover_state_name(co->fo));
    for (int i = 0; i < co->nnodes; i++)
        coord_addf(&t, "node.%s=%s role=%s epoch=%u lag=%llu\n",
                   co->nodes[i].cfg->name, co->nodes[i].up ? "up" : "down",
                   config_role_name(co->nodes[i].role), co->nodes[i].epoch,
                   (unsigned long long)co->nodes[i].lag);
    coord_addf(&t, "requests=%llu\nconnections_opened=%llu\nin_flight=%d\n",
               (unsigned long long)co->st_requests,
               (unsigned long long)co->st_opened, co->live);
    r.cmd = WIRE_STATUS_REPLY;
    r.epoch = co->epoch;
    r.reqid = reqid;
    r.value = t.data;
    r.vlen = (uint32_t)t.len;
    tp_send_to(co->front.sock, id, idlen, &r, ZMQ_DONTWAIT);
    resp_buf_free(&t);
}

static void s_front_error(coord_t *co, const void *id, size_t idlen,
                          uint64_t reqid, int code, const char *text)
{
    wire_msg_t e = {0};
    e.cmd = WIRE_ERROR;
    e.epoch = co->epoch;
    e.reqid = reqid;
    e.seq = (uint64_t)(code < 0 ? -code : code);
    e.value = (const uint8_t *)text;
    e.vlen = (uint32_t)strlen(text);
    tp_send_to(co->front.sock, id, idlen, &e, ZMQ_DONTWAIT);
}

int zfront_read(coord_t *co)
{
    for (int burst = 0; burst < 1024; burst++) {
        zmq_msg_t id, body;
        wire_msg_t m;
        zmq_msg_init(&id);
        zmq_msg_init(&body);
        if (tp_recv(co->front.sock, &id, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&id);
            zmq_msg_close(&body);
            return 0;
        }
        if (!zmq_msg_more(&id) || tp_recv(co->front.sock, &body, 0) < 0)
            goto next;
        tp_drain_more(co->front.sock);
        const uint8_t *frame = zmq_msg_data(&body);
        size_t flen = zmq_msg_size(&body);
        const void *zid = zmq_msg_data(&id);
        size_t zidlen = zmq_msg_size(&id);
        int rc = wire_decode(frame, flen, &m);
        if (rc < 0) {
            s_front_error(co, zid, zidlen, 0, rc, mm_strerror(rc));
            goto next;
        }
        if (m.cmd == WIRE_PING) {
            wire_msg_t p = {0};
            p.cmd = WIRE_PONG;
            p.epoch = co->epoch;
            p.reqid = m.reqid;
            tp_send_to(co->front.sock, zid, zidlen, &p, ZMQ_DONTWAIT);
        } else if (m.cmd == WIRE_STATUS) {
            s_front_status(co, zid, zidlen, m.reqid);
        } else if (m.cmd == WIRE_PUT || m.cmd == WIRE_DEL ||
                   m.cmd == WIRE_GET) {
            slot_t *s = pool_slot_new(co);
            if (s == NULL) {
                s_front_error(co, zid, zidlen, m.reqid, MM_ERR_STATE,
                              "coordinator busy: too many requests in flight");
                goto next;
            }
            s->is_write = m.cmd != WIRE_GET;
            s->zreqid = m.reqid;
            s->zid = malloc(zidlen);
            if (s->zid == NULL) {
                pool_slot_free(co, s);
                goto next;
            }
            memcpy(s->zid, zid, zidlen);
            s->zidlen = zidlen;
            pool_dispatch(co, s, -1, frame, flen, m.key, m.klen, NULL);
        } else {
            char msg[96];
            snprintf(msg, sizeof msg,
                     "%s is not served by the coordinator: send it to a node",
                     wire_cmd_name(m.cmd));
            s_front_error(co, zid, zidlen, m.reqid, MM_ERR_UNKNOWN, msg);
        }
    next:
        zmq_msg_close(&id);
        zmq_msg_close(&body);
    }
    return 1;
}
