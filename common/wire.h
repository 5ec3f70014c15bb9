/*
 * wire.h - the message format every mmlab process speaks over ZeroMQ.
 *
 * One ZeroMQ message part is one frame: a fixed 50-byte big-endian header,
 * then the key, then the value. The decoder checks every length before it
 * reads, so a short, oversized or garbled frame is an error code, never a
 * crash; the node answers it with an ERROR frame and goes on serving.
 *
 *     offset size field        meaning
 *     0      1    version      WIRE_VERSION; anything else is refused
 *     1      1    cmd          one of wire_cmd_t below
 *     2      2    flags        WIRE_F_* bits
 *     4      2    origin       node id: the writer of a record, or the sender
 *     6      2    prev_origin  record: origin of the value it overwrote
 *     8      4    epoch        cluster epoch of the sender
 *     12     8    seq          record: origin's sequence number;
 *                              ERROR: the error code (positive)
 *     20     8    stamp        record: HLC stamp (see hlc.h)
 *     28     8    prev_stamp   record: stamp of the value it overwrote
 *     36     8    reqid        client: request id, echoed in the reply;
 *                              replication: the follower's session number
 *     44     2    key length   k, at most MM_KEY_MAX
 *     46     4    value length n, at most WIRE_VALUE_MAX
 *     50     k    key
 *     50+k   n    value
 *
 * Commands. Client requests go to a node's `client` socket and are answered
 * with the same reqid:
 *
 *     PUT     key, value             -> OK (stamp, origin, seq of the write);
 *             epoch 0 = any, else it must be the node's epoch
 *     DEL     key                    -> OK (the tombstone's stamp, origin,
 *                                          seq)
 *     GET     key                    -> VALUE (record fields + value), or
 *                                       NOTFOUND (stamp/origin of the
 *                                       tombstone if deleted, else 0)
 *     DUMP    key = resume after it  -> DUMP_REPLY: value = entries, each a
 *                                       4-byte length + log entry (record.h);
 *                                       seq = entry count; key = last key;
 *                                       flag MORE if the page was full (the
 *                                       next page may be empty)
 *     STATUS                         -> STATUS_REPLY: value = text lines
 *                                       "name=value"
 *     PING                           -> PONG
 *     FAULT   key = verb, value=args -> OK or ERROR (fault injection)
 *     PROMOTE epoch = new epoch      -> OK (epoch): a standby becomes the
 *                                       primary of that epoch; ERROR if it
 *                                       is not a standby or the epoch is
 *                                       not above its own
 *     DEMOTE  epoch = current epoch  -> OK: a primary of an older epoch
 *                                       becomes a standby of that epoch
 *     any failure                    -> ERROR (seq = code, value = message)
 *
 * Replication (a follower's DEALER to a master's `peer` ROUTER):
 *
 *     HELLO   follower -> master  key = follower name, origin = its id,
 *                                 reqid = new session number, value = the
 *                                 applied vector of the origins it wants
 *     REC     master -> follower  one record (fields as above), key, value;
 *                                 reqid = the session it belongs to. One
 *                                 message part may hold several REC frames
 *                                 back to back (a pack; wire_frame_len())
 *     ACK     follower -> master  value = follower's applied vector; also
 *                                 sent every heartbeat, so it is the beat;
 *                                 seq = snapshot records applied in this
 *                                 session (0 when no snapshot is under way)
 *     BEAT    master -> follower  value = master's applied vector
 *     REHELLO master -> follower  "I do not know your session: say HELLO"
 *
 * Snapshots (a follower that asks for records the master's log no longer
 * holds gets a copy of the master's data instead; masters/snapshot.c):
 *
 *     SNAP     master -> follower key = a key, value = its record encoded
 *                                 as in data.db (record.h), seq = the
 *                                 record's place in the snapshot (1, 2,
 *                                 ...), reqid = session. Keys come in byte
 *                                 order, several frames to a pack
 *     SNAP_END master -> follower seq = the snapshot's record count, value
 *                                 = the applied vector it stands for (every
 *                                 writer's origin); the log stream resumes
 *                                 after it
 *
 * An applied vector is a list of 10-byte entries: origin (2), seq (8).
 */
#ifndef MM_WIRE_H
#define MM_WIRE_H

#include <stddef.h>
#include <stdint.h>
#include "err.h"
#include "record.h"

#define WIRE_VERSION 1
#define WIRE_HEADER_SIZE 50
#define WIRE_VEC_ENTRY 10
/*
 * A frame's value may be a little larger than a client value may be, so that
 * one DUMP page can always carry a key with a value of MM_VALUE_MAX. Nodes
 * refuse client values over MM_VALUE_MAX themselves.
 */
#define WIRE_VALUE_MAX (MM_VALUE_MAX + 64 * 1024)
/* Byte offset of reqid: a master patches it into pre-encoded REC frames. */
#define WIRE_OFF_REQID 36

typedef enum {
    WIRE_PUT = 1,
    WIRE_GET = 2,
    WIRE_DEL = 3,
    WIRE_DUMP = 4,
    WIRE_STATUS = 5,
    WIRE_PING = 6,
    WIRE_FAULT = 7,
    WIRE_PROMOTE = 8,
    WIRE_DEMOTE = 9,

    WIRE_OK = 32,
    WIRE_VALUE = 33,
    WIRE_NOTFOUND = 34,
    WIRE_ERROR = 35,
    WIRE_DUMP_REPLY = 36,
    WIRE_STATUS_REPLY = 37,
    WIRE_PONG = 38,

    WIRE_HELLO = 64,
    WIRE_REC = 65,
    WIRE_ACK = 66,
    WIRE_BEAT = 67,
    WIRE_REHELLO = 68,
    WIRE_SNAP = 69,
    WIRE_SNAP_END = 70,
} wire_cmd_t;

#define WIRE_F_TOMBSTONE 0x0001 /* the record is a delete */
#define WIRE_F_MORE 0x0002      /* DUMP_REPLY: more keys follow */
/* HELLO: the follower is a standby, so its ACKs confirm writes. */
#define WIRE_F_STANDBY 0x0004

typedef struct {
    uint8_t version;
    uint8_t cmd;
    uint16_t flags;
    uint16_t origin;
    uint16_t prev_origin;
    uint32_t epoch;
    uint64_t seq;
    uint64_t stamp;
    uint64_t prev_stamp;
    uint64_t reqid;
    const uint8_t *key; /* Borrowed. */
    uint32_t klen;
    const uint8_t *value; /* Borrowed. */
    uint32_t vlen;
} wire_msg_t;

/* Name of a command ("PUT"), or "?" for an unknown one. */
const char *wire_cmd_name(int cmd);

/* Bytes wire_encode() needs for m. */
size_t wire_size(const wire_msg_t *m);

/*
 * Encodes m into buf (m->version is ignored: WIRE_VERSION is written).
 * Returns the number of bytes, MM_ERR_TOOBIG if the key or value is over
 * the limits, or MM_ERR_NOSPACE if cap is too small.
 */
int wire_encode(const wire_msg_t *m, uint8_t *buf, size_t cap);

/*
 * Decodes one frame. out->key and out->value are borrowed: they point into
 * buf. Returns 0, MM_ERR_SHORT (fewer bytes than the header or its lengths
 * say), MM_ERR_VERSION, MM_ERR_TOOBIG (a length over the limits) or
 * MM_ERR_CORRUPT (trailing bytes after the value).
 */
int wire_decode(const uint8_t *buf, size_t len, wire_msg_t *out);

/*
 * A record travels in a frame's record fields: flags (WIRE_F_TOMBSTONE),
 * origin, seq, stamp, prev_origin, prev_stamp, and the value. These two
 * are the one place those fields are copied between a record_t and a
 * frame (REC frames, and the OK and VALUE replies). Both borrow the value:
 * it stays where it was.
 */
void wire_set_record(wire_msg_t *m, const record_t *rec);
void wire_get_record(const wire_msg_t *m, record_t *rec);

/*
 * Replication packs several REC frames back to back in one message part,
 * to pay ZeroMQ's per-message cost once per pack. wire_frame_len() reads
 * the header at buf and sets *frame_len to the whole frame's size, so a
 * reader can step through a pack. Returns 0, MM_ERR_SHORT (the frame runs
 * past len), MM_ERR_VERSION or MM_ERR_TOOBIG.
 */
int wire_frame_len(const uint8_t *buf, size_t len, size_t *frame_len);

/*
 * Applied vectors: applied[o] for o in 1..MM_MAX_NODES. Encoding writes one
 * entry per origin whose bit is set in mask (bit o = origin o) and returns
 * the byte count, or MM_ERR_NOSPACE. Decoding fills applied[] (entries not
 * present are left alone) and sets *mask to the origins present; it returns
 * 0, or MM_ERR_CORRUPT for a length that is not a multiple of 10 or an origin
 * out of range.
 */
int wire_vec_encode(const uint64_t *applied, uint32_t mask, uint8_t *buf,
                    size_t cap);
int wire_vec_decode(const uint8_t *buf, size_t len, uint64_t *applied,
                    uint32_t *mask);

#endif
