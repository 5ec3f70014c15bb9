/*
 * transport.h - the few ZeroMQ helpers every process uses (plain libzmq).
 *
 * Socket patterns, and why:
 *
 *   - A node binds a ROUTER for clients and (masters) a ROUTER for peers.
 *     ROUTER sees who sent each request, so replies and replication streams
 *     go to the right follower.
 *   - Clients and followers connect a DEALER and tag every request with a
 *     request id. Unlike REQ, a DEALER never wedges when a reply is lost.
 *   - No PUB/SUB: PUB drops messages silently at its high-water mark, and
 *     replication must not lose anything.
 *   - Every socket gets a linger, so closing never hangs on unsent data.
 *
 * Received frames are decoded in place: the wire_msg_t borrows from the
 * zmq_msg_t, so keep the message until done with the frame.
 */
#ifndef MM_TRANSPORT_H
#define MM_TRANSPORT_H

#include <stddef.h>
#include <stdint.h>
#include <zmq.h>
#include "wire.h"

/*
 * The largest message a socket takes (ZMQ_MAXMSGSIZE). Every socket gets
 * one: a frame whose header announces more is refused the moment the
 * header arrives, and its connection dropped, before a byte of it is
 * buffered (one connection announcing 2 GiB once cost a node 400 MB).
 *
 *   TP_MAX_REQUEST  what a client sends a node: the largest PUT
 *   TP_MAX_REPLY    what a node answers: a DUMP page or a STATUS
 *
 * The replication sockets' limits (a HELLO or ACK; a pack of records) are
 * in engine.h. The handshake's own commands count against the limit too
 * (CurveZMQ's INITIATE, with its vouch and metadata, is a few hundred
 * bytes), so tp_socket() never sets less than TP_MIN_MAX_MSG.
 */
#define TP_MIN_MAX_MSG 4096
#define TP_MAX_REQUEST (WIRE_HEADER_SIZE + MM_KEY_MAX + MM_VALUE_MAX)
#define TP_MAX_REPLY (WIRE_HEADER_SIZE + MM_KEY_MAX + WIRE_VALUE_MAX)

/*
 * Creates a socket of the given type with linger_ms set, max_msg bytes as
 * the largest message it takes, and, if identity is not NULL, that routing
 * id. Returns NULL with errno set on failure. Caller owns the socket and
 * closes it with zmq_close().
 */
void *tp_socket(void *ctx, int type, int linger_ms, const char *identity,
                int64_t max_msg);

/* Encodes m and sends it as one message part. Returns 0 or -errno. */
int tp_send(void *sock, const wire_msg_t *m, int flags);

/*
 * Sends [routing id][frame] on a ROUTER. Returns 0 or -errno (EAGAIN when
 * the peer's queue is full, EHOSTUNREACH for an unknown peer when the
 * socket is ROUTER_MANDATORY).
 */
int tp_send_to(void *router, const void *id, size_t idlen, const wire_msg_t *m,
               int flags);

/* Same as tp_send_to for a frame that is already encoded. */
int tp_send_raw_to(void *router, const void *id, size_t idlen,
                   const void *frame, size_t len, int flags);

/*
 * Receives one message part into msg (initialised by the caller, closed by
 * the caller). Returns its size, or -errno (-EAGAIN with ZMQ_DONTWAIT when
 * nothing is waiting).
 */
int tp_recv(void *sock, zmq_msg_t *msg, int flags);

/* Discards the remaining parts of a multipart message. */
void tp_drain_more(void *sock);

/*
 * A monitor of sock (of context ctx): the events in the mask (ZMQ_EVENT_*)
 * arrive on the returned PAIR socket, which tp_monitor_read() reads. name
 * makes the inproc endpoint unique in the context. Returns NULL with errno
 * set. Caller owns the PAIR and closes it with zmq_close() (before sock).
 */
void *tp_monitor(void *ctx, void *sock, const char *name, int events);

/* Reads one monitor event without waiting: 0 with *event and *value (a
 * descriptor, or an error or ZAP status code, by event), or -1 if none. */
int tp_monitor_read(void *mon, uint16_t *event, uint32_t *value);

/* CLOCK_MONOTONIC in nanoseconds, microseconds and milliseconds. The
 * nanosecond reading is the clock of every history file. */
int64_t tp_now_ns(void);
int64_t tp_now_us(void);
int64_t tp_now_ms(void);

#endif
