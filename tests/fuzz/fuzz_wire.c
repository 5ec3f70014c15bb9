/*
 * fuzz_wire.c - the byte decoders: wire frames, REC packs and applied
 * vectors (common/wire.c), records, log entries and log keys
 * (common/record.c).
 *
 * Every node decodes frames from sockets anyone can connect to, and
 * records from disk and from other nodes' DUMP replies. Each input is
 * given to every decoder, and each checks that:
 *
 *   - an error is one of the codes the header promises, and a decoder that
 *     refuses leaves the caller's data alone (wire_vec_decode);
 *   - what decodes lies inside the input (key and value pointers, lengths)
 *     and encodes back to exactly the input's bytes;
 *   - wire_frame_len() and wire_decode() agree on where a frame ends, and a
 *     pack walked with wire_frame_len() is made of frames that decode.
 */
#include "fuzz.h"
#include "record.h"
#include "wire.h"

static int s_wire_error(int rc)
{
    return rc == MM_ERR_SHORT || rc == MM_ERR_VERSION || rc == MM_ERR_TOOBIG ||
           rc == MM_ERR_CORRUPT;
}

/* One frame: decode, then encode back; the two length readers agree. */
static void s_frame(const uint8_t *data, size_t size)
{
    wire_msg_t m;
    size_t flen = 0;
    int rc = wire_decode(data, size, &m);
    int frc = wire_frame_len(data, size, &flen);

    if (rc != 0) {
        FUZZ_CHECK(s_wire_error(rc));
        /* Only trailing bytes make a frame wire_frame_len() accepts. */
        if (frc == 0)
            FUZZ_CHECK(rc == MM_ERR_CORRUPT && flen < size);
        else
            FUZZ_CHECK(frc == rc);
        return;
    }
    FUZZ_CHECK(frc == 0 && flen == size);
    FUZZ_CHECK(m.klen <= MM_KEY_MAX && m.vlen <= WIRE_VALUE_MAX);
    FUZZ_CHECK(WIRE_HEADER_SIZE + (size_t)m.klen + m.vlen == size);
    FUZZ_CHECK(m.key == data + WIRE_HEADER_SIZE && m.value == m.key + m.klen);
    FUZZ_CHECK(wire_size(&m) == size);

    uint8_t *out = malloc(size);
    FUZZ_CHECK(out != NULL);
    FUZZ_CHECK(wire_encode(&m, out, size) == (int)size);
    FUZZ_CHECK(memcmp(out, data, size) == 0);
    FUZZ_CHECK(wire_encode(&m, out, size - 1) == MM_ERR_NOSPACE);
    free(out);

    /* The record fields survive a trip through a record_t. */
    record_t rec;
    wire_msg_t back = m;
    wire_get_record(&m, &rec);
    wire_set_record(&back, &rec);
    FUZZ_CHECK(back.flags == m.flags && back.origin == m.origin &&
               back.seq == m.seq && back.stamp == m.stamp &&
               back.prev_origin == m.prev_origin &&
               back.prev_stamp == m.prev_stamp && back.value == m.value &&
               back.vlen == m.vlen);
}

/* A REC pack, walked as replicas/follow.c walks it. */
static void s_pack(const uint8_t *data, size_t size)
{
    size_t off = 0, flen;

    while (off < size && wire_frame_len(data + off, size - off, &flen) == 0) {
        wire_msg_t m;
        FUZZ_CHECK(flen >= WIRE_HEADER_SIZE && flen <= size - off);
        FUZZ_CHECK(wire_decode(data + off, flen, &m) == 0);
        off += flen;
    }
}

/* An applied vector: refused whole, or decoded and encoded back. */
static void s_vector(const uint8_t *data, size_t size)
{
    uint64_t applied[MM_MAX_NODES + 1], before[MM_MAX_NODES + 1];
    uint32_t mask = 0xdeadbeef, mask2 = 0;

    for (int o = 0; o <= MM_MAX_NODES; o++)
        applied[o] = before[o] = 0x5a5a5a5a00000000ull + (uint64_t)o;
    int rc = wire_vec_decode(data, size, applied, &mask);
    if (rc != 0) {
        FUZZ_CHECK(rc == MM_ERR_CORRUPT);
        FUZZ_CHECK(mask == 0xdeadbeef);
        FUZZ_CHECK(memcmp(applied, before, sizeof applied) == 0);
        return;
    }
    FUZZ_CHECK(size % WIRE_VEC_ENTRY == 0);
    FUZZ_CHECK((mask & 1u) == 0 && (mask >> (MM_MAX_NODES + 1)) == 0);
    FUZZ_CHECK((size_t)__builtin_popcount(mask) == size / WIRE_VEC_ENTRY);

    /* The encoder writes origins in order, so compare decoded values. */
    uint8_t *out = malloc(size > 0 ? size : 1);
    uint64_t again[MM_MAX_NODES + 1] = {0};
    FUZZ_CHECK(out != NULL);
    FUZZ_CHECK(wire_vec_encode(applied, mask, out, size) == (int)size);
    FUZZ_CHECK(wire_vec_decode(out, size, again, &mask2) == 0);
    FUZZ_CHECK(mask2 == mask);
    for (int o = 1; o <= MM_MAX_NODES; o++)
        FUZZ_CHECK(!(mask & (1u << o)) ? applied[o] == before[o]
                                       : again[o] == applied[o]);
    free(out);
}

/* A record (the `data` database's value): decode, encode back. */
static void s_record(const uint8_t *data, size_t size)
{
    record_t r;
    int rc = record_decode(data, size, &r);

    if (rc != 0) {
        FUZZ_CHECK(rc == MM_ERR_SHORT || rc == MM_ERR_VERSION ||
                   rc == MM_ERR_CORRUPT);
        return;
    }
    FUZZ_CHECK(r.vlen <= MM_VALUE_MAX);
    FUZZ_CHECK(r.value == data + RECORD_HEADER_SIZE);
    FUZZ_CHECK(RECORD_HEADER_SIZE + (size_t)r.vlen == size);
    FUZZ_CHECK(record_size(&r) == size);

    uint8_t *out = malloc(size);
    FUZZ_CHECK(out != NULL);
    FUZZ_CHECK(record_encode(&r, out, size) == (int)size);
    FUZZ_CHECK(memcmp(out, data, size) == 0);
    free(out);
}

/* A log entry (the `log` database's value, a DUMP page's entry). */
static void s_log_entry(const uint8_t *data, size_t size)
{
    const uint8_t *key = NULL;
    size_t klen = 0;
    record_t r;
    int rc = log_entry_decode(data, size, &key, &klen, &r);

    if (rc != 0) {
        FUZZ_CHECK(rc == MM_ERR_SHORT || rc == MM_ERR_VERSION ||
                   rc == MM_ERR_CORRUPT || rc == MM_ERR_TOOBIG);
        return;
    }
    FUZZ_CHECK(klen <= MM_KEY_MAX && key == data + 2);
    FUZZ_CHECK(log_entry_size(klen, &r) == size);
    FUZZ_CHECK(r.value == key + klen + RECORD_HEADER_SIZE);

    uint8_t *out = malloc(size);
    FUZZ_CHECK(out != NULL);
    FUZZ_CHECK(log_entry_encode(key, klen, &r, out, size) == (int)size);
    FUZZ_CHECK(memcmp(out, data, size) == 0);
    free(out);
}

/* A log key (origin, seq): exactly ten bytes, encoded back. */
static void s_log_key(const uint8_t *data, size_t size)
{
    uint8_t out[LOG_KEY_SIZE];
    uint16_t origin;
    uint64_t seq;
    int rc = log_key_decode(data, size, &origin, &seq);

    FUZZ_CHECK(rc == (size == LOG_KEY_SIZE ? 0 : MM_ERR_SHORT));
    if (rc != 0)
        return;
    log_key_encode(origin, seq, out);
    FUZZ_CHECK(memcmp(out, data, LOG_KEY_SIZE) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    s_frame(data, size);
    s_pack(data, size);
    s_vector(data, size);
    s_record(data, size);
    s_log_entry(data, size);
    s_log_key(data, size);
    return 0;
}
