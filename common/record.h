/*
 * record.h - one stored version of a key, and its on-disk encoding.
 *
 * A record is what a key holds: the value (or a tombstone: a delete is a
 * write of a tombstone, and tombstones are kept so a delete can win LWW
 * against an older write that arrives later), the stamp and origin that LWW
 * compares, the origin's sequence number (its position in the origin's
 * replication log), and "prev": the (stamp, origin) of the value this write
 * overwrote on its origin node. prev tells a conflict (the writer never saw
 * the value it replaced) from an ordinary overwrite.
 *
 * Encoding (big-endian), used as the value of the `data` database and inside
 * `log` entries:
 *
 *     offset size field
 *     0      1    format version (RECORD_VERSION)
 *     1      1    flags (RECORD_TOMBSTONE)
 *     2      2    origin
 *     4      8    stamp
 *     12     8    seq
 *     20     2    prev_origin
 *     22     8    prev_stamp
 *     30     4    value length n
 *     34     n    value bytes
 *
 * A log entry (`log` database value) is: 2 bytes key length k, k key bytes,
 * then a record encoding. Its database key is origin (2) then seq (8),
 * big-endian, so a cursor walks one origin's writes in sequence order.
 */
#ifndef MM_RECORD_H
#define MM_RECORD_H

#include <stddef.h>
#include <stdint.h>
#include "hlc.h"

#define RECORD_VERSION 1
#define RECORD_TOMBSTONE 0x01
#define RECORD_HEADER_SIZE 34
#define LOG_KEY_SIZE 10

typedef struct {
    uint8_t flags;
    uint16_t origin;
    mm_stamp_t stamp;
    uint64_t seq;
    uint16_t prev_origin;
    mm_stamp_t prev_stamp;
    const uint8_t *value; /* Borrowed: owned by whoever filled the struct. */
    uint32_t vlen;
} record_t;

static inline int record_is_tombstone(const record_t *r)
{
    return (r->flags & RECORD_TOMBSTONE) != 0;
}

/* Bytes record_encode() needs for r. */
size_t record_size(const record_t *r);

/*
 * Encodes r into buf. Returns the number of bytes written, MM_ERR_NOSPACE if
 * cap is too small, or MM_ERR_TOOBIG if the value exceeds MM_VALUE_MAX.
 */
int record_encode(const record_t *r, uint8_t *buf, size_t cap);

/*
 * Decodes buf into out. out->value is borrowed: it points into buf and is
 * valid as long as buf is. Returns 0, MM_ERR_SHORT, MM_ERR_VERSION or
 * MM_ERR_CORRUPT (length fields that disagree with len).
 */
int record_decode(const uint8_t *buf, size_t len, record_t *out);

/* Writes the 10-byte `log` database key for (origin, seq). */
void log_key_encode(uint16_t origin, uint64_t seq, uint8_t out[LOG_KEY_SIZE]);
/* Reads it back. Returns 0 or MM_ERR_SHORT if len != LOG_KEY_SIZE. */
int log_key_decode(const uint8_t *buf, size_t len, uint16_t *origin,
                   uint64_t *seq);

/* Bytes log_entry_encode() needs. */
size_t log_entry_size(size_t klen, const record_t *r);
/* Encodes (key, record) as a `log` value. Same returns as record_encode. */
int log_entry_encode(const uint8_t *key, size_t klen, const record_t *r,
                     uint8_t *buf, size_t cap);
/*
 * Decodes a `log` value. *key and out->value are borrowed from buf.
 * Returns 0 or a negative MM_ERR_* code.
 */
int log_entry_decode(const uint8_t *buf, size_t len, const uint8_t **key,
                     size_t *klen, record_t *out);

#endif
