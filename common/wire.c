/*
 * wire.c - encoding and decoding of the frames in wire.h.
 *
 * A frame is a fixed 50-byte big-endian header followed by the key and the
 * value, whose lengths are in the header. Every process decodes frames from
 * sockets that anyone can connect to, so wire_decode() checks in a fixed
 * order before it trusts a length:
 *
 *   1. the header is all there                     else MM_ERR_SHORT
 *   2. the version is ours                         else MM_ERR_VERSION
 *   3. the key and value lengths are within limits else MM_ERR_TOOBIG
 *   4. the key and value are all there             else MM_ERR_SHORT
 *   5. nothing follows them                        else MM_ERR_CORRUPT
 *
 * Only then are the fields copied out. The key and value are not copied:
 * they point into the caller's buffer (the ZeroMQ message), which is valid
 * for as long as the caller keeps the message.
 *
 * Applied vectors, the payload of HELLO, ACK and BEAT, are encoded here too:
 * a list of (origin, seq) entries, one per origin the sender reports on.
 */
#include <string.h>
#include "bytes.h"
#include "wire.h"

const char *wire_cmd_name(int cmd)
{
    switch (cmd) {
    case WIRE_PUT:
        return "PUT";
    case WIRE_GET:
        return "GET";
    case WIRE_DEL:
        return "DEL";
    case WIRE_DUMP:
        return "DUMP";
    case WIRE_STATUS:
        return "STATUS";
    case WIRE_PING:
        return "PING";
    case WIRE_FAULT:
        return "FAULT";
    case WIRE_PROMOTE:
        return "PROMOTE";
    case WIRE_DEMOTE:
        return "DEMOTE";
    case WIRE_OK:
        return "OK";
    case WIRE_VALUE:
        return "VALUE";
    case WIRE_NOTFOUND:
        return "NOTFOUND";
    case WIRE_ERROR:
        return "ERROR";
    case WIRE_DUMP_REPLY:
        return "DUMP_REPLY";
    case WIRE_STATUS_REPLY:
        return "STATUS_REPLY";
    case WIRE_PONG:
        return "PONG";
    case WIRE_HELLO:
        return "HELLO";
    case WIRE_REC:
        return "REC";
    case WIRE_ACK:
        return "ACK";
    case WIRE_BEAT:
        return "BEAT";
    case WIRE_REHELLO:
        return "REHELLO";
    case WIRE_SNAP:
        return "SNAP";
    case WIRE_SNAP_END:
        return "SNAP_END";
    }
    return "?";
}

size_t wire_size(const wire_msg_t *m)
{
    return WIRE_HEADER_SIZE + (size_t)m->klen + (size_t)m->vlen;
}

int wire_encode(const wire_msg_t *m, uint8_t *buf, size_t cap)
{
    size_t need = wire_size(m);

    if (m->klen > MM_KEY_MAX || m->vlen > WIRE_VALUE_MAX)
        return MM_ERR_TOOBIG;
    if (cap < need)
        return MM_ERR_NOSPACE;

    buf[0] = WIRE_VERSION;
    buf[1] = m->cmd;
    bytes_put16(buf + 2, m->flags);
    bytes_put16(buf + 4, m->origin);
    bytes_put16(buf + 6, m->prev_origin);
    bytes_put32(buf + 8, m->epoch);
    bytes_put64(buf + 12, m->seq);
    bytes_put64(buf + 20, m->stamp);
    bytes_put64(buf + 28, m->prev_stamp);
    bytes_put64(buf + WIRE_OFF_REQID, m->reqid);
    bytes_put16(buf + 44, (uint16_t)m->klen);
    bytes_put32(buf + 46, m->vlen);
    /* memcpy with a NULL pointer is undefined even for 0 bytes. */
    if (m->klen > 0)
        memcpy(buf + WIRE_HEADER_SIZE, m->key, m->klen);
    if (m->vlen > 0)
        memcpy(buf + WIRE_HEADER_SIZE + m->klen, m->value, m->vlen);
    return (int)need;
}

int wire_frame_len(const uint8_t *buf, size_t len, size_t *frame_len)
{
    if (len < WIRE_HEADER_SIZE)
        return MM_ERR_SHORT;
    if (buf[0] != WIRE_VERSION)
        return MM_ERR_VERSION;
    uint32_t klen = bytes_get16(buf + 44), vlen = bytes_get32(buf + 46);
    if (klen > MM_KEY_MAX || vlen > WIRE_VALUE_MAX)
        return MM_ERR_TOOBIG;
    size_t total = WIRE_HEADER_SIZE + (size_t)klen + vlen;
    if (total > len)
        return MM_ERR_SHORT;
    *frame_len = total;
    return 0;
}

int wire_decode(const uint8_t *buf, size_t len, wire_msg_t *out)
{
    uint32_t klen, vlen;
    size_t body;

    if (len < WIRE_HEADER_SIZE)
        return MM_ERR_SHORT;
    if (buf[0] != WIRE_VERSION)
        return MM_ERR_VERSION;
    klen = bytes_get16(buf + 44);
    vlen = bytes_get32(buf + 46);
    if (klen > MM_KEY_MAX || vlen > WIRE_VALUE_MAX)
        return MM_ERR_TOOBIG;
    /* Both lengths are now small, so this sum cannot overflow. */
    body = (size_t)klen + vlen;
    if (len - WIRE_HEADER_SIZE < body)
        return MM_ERR_SHORT;
    if (len - WIRE_HEADER_SIZE > body)
        return MM_ERR_CORRUPT;

    out->version = buf[0];
    out->cmd = buf[1];
    out->flags = bytes_get16(buf + 2);
    out->origin = bytes_get16(buf + 4);
    out->prev_origin = bytes_get16(buf + 6);
    out->epoch = bytes_get32(buf + 8);
    out->seq = bytes_get64(buf + 12);
    out->stamp = bytes_get64(buf + 20);
    out->prev_stamp = bytes_get64(buf + 28);
    out->reqid = bytes_get64(buf + WIRE_OFF_REQID);
    out->klen = klen;
    out->key = buf + WIRE_HEADER_SIZE;
    out->vlen = vlen;
    out->value = buf + WIRE_HEADER_SIZE + klen;
    return 0;
}

/* Whether o is a node id, 1..MM_MAX_NODES. */
static int s_origin_ok(uint32_t o)
{
    return o >= 1 && o <= MM_MAX_NODES;
}

int wire_vec_encode(const uint64_t *applied, uint32_t mask, uint8_t *buf,
                    size_t cap)
{
    size_t pos = 0;
    uint32_t o;

    /* Bits outside 1..MM_MAX_NODES name no node and are ignored. */
    for (o = 1; o <= MM_MAX_NODES; o++) {
        if (!(mask & (1u << o)))
            continue;
        if (cap - pos < WIRE_VEC_ENTRY)
            return MM_ERR_NOSPACE;
        bytes_put16(buf + pos, (uint16_t)o);
        bytes_put64(buf + pos + 2, applied[o]);
        pos += WIRE_VEC_ENTRY;
    }
    return (int)pos;
}

int wire_vec_decode(const uint8_t *buf, size_t len, uint64_t *applied,
                    uint32_t *mask)
{
    uint32_t seen = 0;
    size_t pos;

    if (len % WIRE_VEC_ENTRY != 0)
        return MM_ERR_CORRUPT;

    /*
     * Check every entry before storing any, so a bad vector leaves the
     * caller's applied[] untouched. No encoder repeats an origin, so a
     * repeat means the bytes are damaged.
     */
    for (pos = 0; pos < len; pos += WIRE_VEC_ENTRY) {
        uint32_t o = bytes_get16(buf + pos);
        if (!s_origin_ok(o) || (seen & (1u << o)))
            return MM_ERR_CORRUPT;
        seen |= 1u << o;
    }
    for (pos = 0; pos < len; pos += WIRE_VEC_ENTRY)
        applied[bytes_get16(buf + pos)] = bytes_get64(buf + pos + 2);
    *mask = seen;
    return 0;
}

void wire_set_record(wire_msg_t *m, const record_t *rec)
{
    m->flags = (uint16_t)((m->flags & ~WIRE_F_TOMBSTONE) |
                          (record_is_tombstone(rec) ? WIRE_F_TOMBSTONE : 0));
    m->origin = rec->origin;
    m->seq = rec->seq;
    m->stamp = rec->stamp;
    m->prev_origin = rec->prev_origin;
    m->prev_stamp = rec->prev_stamp;
    m->value = rec->value;
    m->vlen = rec->vlen;
}

void wire_get_record(const wire_msg_t *m, record_t *rec)
{
    rec->flags = (m->flags & WIRE_F_TOMBSTONE) ? RECORD_TOMBSTONE : 0;
    rec->origin = m->origin;
    rec->seq = m->seq;
    rec->stamp = m->stamp;
    rec->prev_origin = m->prev_origin;
    rec->prev_stamp = m->prev_stamp;
    rec->value = m->value;
    rec->vlen = m->vlen;
}
