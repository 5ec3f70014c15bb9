/*
 * zap.h - the process's door keeper: the ZAP handler (ZeroMQ RFC 27) that
 * libzmq asks about every connection to a socket that binds, and the cap
 * on how many connections each such socket holds at once.
 *
 * Every process that binds (a node, the coordinator) runs one, on a thread
 * of its own with a REP socket at "inproc://zeromq.zap.01" in the
 * process's ZeroMQ context. For each connection libzmq asks it: on which
 * socket (the ZAP domain, security.h), with which mechanism and, with
 * CURVE, which public key. It answers:
 *
 *     200  let in; User-Id = the key's role ("anonymous" with security =
 *          off), which every message of the connection then carries
 *     300  not now: the socket already holds max_connections connections
 *     400  the key is unknown, or its role may not use this socket
 *
 * Counting needs to know when connections end, which ZAP is never told:
 * the handler also reads a monitor of each socket it guards (accepted and
 * disconnected events, keyed by file descriptor), so the count follows
 * the sockets' real connections.
 *
 * Refusals are logged, at most a few lines a second (log.h's limiter),
 * so a flood of bad keys cannot fill the disk.
 */
#ifndef MM_ZAP_H
#define MM_ZAP_H

#include <stddef.h>
#include "security.h"

typedef struct zap zap_t;

/*
 * Binds the ZAP socket in ctx; nothing is answered until zap_start().
 * sec (borrowed: it must outlive the handler) says who is who;
 * max_connections caps each guarded socket. Returns NULL with a message in
 * err. Caller owns the returned object and destroys it with zap_destroy().
 */
zap_t *zap_new(void *ctx, const sec_t *sec, int max_connections, char *err,
               size_t errlen);

/*
 * Guards sock, a socket of this thread that will bind: sec_server() for
 * domain and a monitor the handler counts from. Call before zap_start()
 * and before the bind. Returns 0 or -errno.
 */
int zap_guard(zap_t *z, void *sock, const char *domain);

/*
 * The answer to one connection, the one place it is decided (pure, for
 * the unit tests): 200 with *user set to the role to let it in, 300 when
 * count (the socket's connections, this one included) is over cap, 400
 * for an unknown key or a role the domain does not admit. key is the
 * CURVE client's public key (klen 32), or NULL for mechanism NULL. *why
 * is the status text. Both strings are static.
 */
int zap_decide(const sec_t *sec, const char *domain, const char *mechanism,
               const uint8_t *key, size_t klen, int count, int cap,
               const char **user, const char **why);

/* Starts the handler's thread (the guarded sockets may bind before or
 * after: their connections wait for the answer). Returns 0 or -errno. */
int zap_start(zap_t *z);

/*
 * Stops the thread and frees z. The thread ends when the context is shut
 * down (its socket then fails with ETERM), so call this after
 * zmq_ctx_shutdown() and before zmq_ctx_term(). Accepts NULL and *z NULL.
 */
void zap_destroy(zap_t **z);

#endif
