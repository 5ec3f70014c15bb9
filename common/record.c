/*
 * record.c - the byte encoding of a record (data values and log entries).
 *
 * The layout is the table in record.h: a fixed 34-byte big-endian header,
 * then the value. A version byte comes first so a future layout can be told
 * apart from this one instead of being misread.
 *
 * Decoding trusts nothing: every length is checked against the buffer
 * before a byte is read, and a record must fill its buffer exactly. Bytes on
 * disk can be damaged and a log entry can arrive from another node, so a bad
 * encoding is an error code for the caller to report, never a crash or a
 * read past the end. Decoded values are borrowed: they point into the
 * caller's buffer, which avoids copying a value up to 1 MiB per read.
 */
#include <string.h>
#include "bytes.h"
#include "err.h"
#include "record.h"

size_t record_size(const record_t *r)
{
    return RECORD_HEADER_SIZE + (size_t)r->vlen;
}

/* Writes r at buf; the caller has checked the limits and the capacity. */
static void s_write(const record_t *r, uint8_t *buf)
{
    buf[0] = RECORD_VERSION;
    buf[1] = r->flags;
    bytes_put16(buf + 2, r->origin);
    bytes_put64(buf + 4, r->stamp);
    bytes_put64(buf + 12, r->seq);
    bytes_put16(buf + 20, r->prev_origin);
    bytes_put64(buf + 22, r->prev_stamp);
    bytes_put32(buf + 30, r->vlen);
    /* memcpy with a NULL pointer is undefined even for 0 bytes. */
    if (r->vlen > 0)
        memcpy(buf + RECORD_HEADER_SIZE, r->value, r->vlen);
}

int record_encode(const record_t *r, uint8_t *buf, size_t cap)
{
    size_t need = record_size(r);

    if (r->vlen > MM_VALUE_MAX)
        return MM_ERR_TOOBIG;
    if (cap < need)
        return MM_ERR_NOSPACE;
    s_write(r, buf);
    return (int)need;
}

int record_decode(const uint8_t *buf, size_t len, record_t *out)
{
    uint32_t vlen;

    if (len < RECORD_HEADER_SIZE)
        return MM_ERR_SHORT;
    if (buf[0] != RECORD_VERSION)
        return MM_ERR_VERSION;
    vlen = bytes_get32(buf + 30);
    /* No encoder writes a larger value, so the length field is garbage. */
    if (vlen > MM_VALUE_MAX)
        return MM_ERR_CORRUPT;
    if (len - RECORD_HEADER_SIZE < vlen)
        return MM_ERR_SHORT;
    if (len - RECORD_HEADER_SIZE > vlen)
        return MM_ERR_CORRUPT;

    out->flags = buf[1];
    out->origin = bytes_get16(buf + 2);
    out->stamp = bytes_get64(buf + 4);
    out->seq = bytes_get64(buf + 12);
    out->prev_origin = bytes_get16(buf + 20);
    out->prev_stamp = bytes_get64(buf + 22);
    out->vlen = vlen;
    out->value = buf + RECORD_HEADER_SIZE;
    return 0;
}

void log_key_encode(uint16_t origin, uint64_t seq, uint8_t out[LOG_KEY_SIZE])
{
    bytes_put16(out, origin);
    bytes_put64(out + 2, seq);
}

int log_key_decode(const uint8_t *buf, size_t len, uint16_t *origin,
                   uint64_t *seq)
{
    if (len != LOG_KEY_SIZE)
        return MM_ERR_SHORT;
    *origin = bytes_get16(buf);
    *seq = bytes_get64(buf + 2);
    return 0;
}

size_t log_entry_size(size_t klen, const record_t *r)
{
    return 2 + klen + record_size(r);
}

int log_entry_encode(const uint8_t *key, size_t klen, const record_t *r,
                     uint8_t *buf, size_t cap)
{
    size_t need = log_entry_size(klen, r);

    if (klen > MM_KEY_MAX || r->vlen > MM_VALUE_MAX)
        return MM_ERR_TOOBIG;
    if (cap < need)
        return MM_ERR_NOSPACE;
    bytes_put16(buf, (uint16_t)klen);
    if (klen > 0)
        memcpy(buf + 2, key, klen);
    s_write(r, buf + 2 + klen);
    return (int)need;
}

int log_entry_decode(const uint8_t *buf, size_t len, const uint8_t **key,
                     size_t *klen, record_t *out)
{
    size_t k;
    int rc;

    if (len < 2)
        return MM_ERR_SHORT;
    k = bytes_get16(buf);
    if (k > MM_KEY_MAX)
        return MM_ERR_TOOBIG;
    if (len - 2 < k)
        return MM_ERR_SHORT;
    /* The record must fill the rest exactly; record_decode checks that. */
    rc = record_decode(buf + 2 + k, len - 2 - k, out);
    if (rc < 0)
        return rc;
    *key = buf + 2;
    *klen = k;
    return 0;
}
