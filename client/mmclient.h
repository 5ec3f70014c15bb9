/*
 * mmclient.h - the small client API that mmctl, mm-load and the tests share.
 *
 * A client holds one DEALER connection to one node's `client` socket. Every
 * request carries a request id and the node echoes it, so a client may keep
 * many requests in flight (pipelining) and match replies as they come; a
 * reply that never comes is a timeout, and the outcome of that request is
 * unknown: a write that timed out may still have happened.
 *
 * With security = curve a connection authenticates with a key pair
 * (common/security.h): mmc_connect_as() takes the keys and the name of the
 * server, whose public key the handshake checks.
 */
#ifndef MM_MMCLIENT_H
#define MM_MMCLIENT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "config.h"
#include "record.h"
#include "security.h"
#include "wire.h"

typedef struct mmc mmc_t;

/*
 * Connects to endpoint with a fresh ZeroMQ context of its own if ctx is
 * NULL. Returns NULL with a message in err on failure. Caller owns the
 * returned object and destroys it with mmc_destroy().
 */
mmc_t *mmc_connect(void *ctx, const char *endpoint, char *err, size_t errlen);

/*
 * Like mmc_connect(), as sec's identity, to the identity `server` (a
 * node's name, or "coordinator") listening at endpoint. sec NULL or off: a
 * plain connection. With a context of its own (ctx NULL: one-shot tools
 * like mmctl) the connection also watches its handshake, so that a refused
 * key is told apart from a node that does not answer (mmc_refusal()).
 */
mmc_t *mmc_connect_as(void *ctx, const char *endpoint, const sec_t *sec,
                      const char *server, char *err, size_t errlen);
void mmc_destroy(mmc_t **c);

/* Why the server refused our handshake, or NULL if it has not (or the
 * connection does not watch). Static text. */
const char *mmc_refusal(mmc_t *c);

/* The DEALER socket, for zmq_poll. Borrowed: valid until mmc_destroy(). */
void *mmc_socket(mmc_t *c);

/*
 * Sends req with a new request id (req->reqid is ignored) and returns that
 * id (> 0), or a negative code.
 */
int64_t mmc_send(mmc_t *c, const wire_msg_t *req);

/*
 * Makes id (> 0) the next request id; later requests count up from it.
 * Ids are unique per connection only: each connection starts from the
 * microsecond clock when it opens, so two connections opened 10 us apart
 * hand out the same id once one has sent about 2,560 more requests than the
 * other. Tests use this to make connections collide at once.
 */
void mmc_set_next_id(mmc_t *c, uint64_t id);

/*
 * Waits up to timeout_ms (-1: forever, 0: do not wait) for the next reply
 * and decodes it into *reply. reply's key and value are borrowed: valid
 * until the next mmc_recv/mmc_call on c. Returns 0, MM_ERR_TIMEOUT, or a
 * negative code for a frame that does not decode.
 */
int mmc_recv(mmc_t *c, wire_msg_t *reply, int timeout_ms);

/*
 * One request, one reply: sends req and waits for the reply carrying its id
 * (replies to older ids are skipped). An ERROR reply returns MM_ERR_REMOTE
 * with *reply filled (its value is the node's message). Returns 0,
 * MM_ERR_TIMEOUT, or another negative code.
 */
int mmc_call(mmc_t *c, const wire_msg_t *req, wire_msg_t *reply,
             int timeout_ms);

#endif
