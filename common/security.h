/*
 * security.h - who is who in a cluster: key pairs, roles, and what each
 * role may do.
 *
 * With `security = curve` every ZeroMQ connection is CurveZMQ (libsodium's
 * Curve25519 keys and authenticated encryption, done by libzmq): a server
 * socket proves it holds the secret key of the public key its clients
 * expect, and each client proves it holds the secret key of a public key
 * the server knows. The keys live in one directory (`keys` in the cluster
 * file), one identity per pair of files made by `mmctl keygen`:
 *
 *     NAME.public   40 characters of Z85 (ZeroMQ's text form of 32 bytes)
 *     NAME.secret   the same for the secret key; mode 0600
 *
 * and every identity has a role:
 *
 *     identity        role         may connect to        may send
 *     each node       node         writers' peer sockets replication
 *     coordinator     coordinator  nodes' client sockets reads, writes,
 *                                                        STATUS that renews
 *                                                        a primary's lease,
 *                                                        epochs, PROMOTE,
 *                                                        DEMOTE
 *     client, ...     client       nodes' client sockets reads, writes,
 *                                  the coordinator's     STATUS, PING, DUMP
 *                                  front
 *     admin           admin        both client sockets   everything,
 *                                                        FAULT included
 *
 * Who may connect is decided once per connection by the process's ZAP
 * handler (common/zap.c); what a request may do is decided per request by
 * sec_may() in common/serve.c, from the role the handler gave the
 * connection (the message's "User-Id" property). With `security = off`
 * every connection is "anonymous" and may do everything: the mode the
 * project had before, kept for comparison.
 *
 * The module is the one place that reads key files; a process holds only
 * its own secret key.
 */
#ifndef MM_SECURITY_H
#define MM_SECURITY_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <zmq.h>
#include "config.h"

/* ZAP domains: which kind of socket a connection arrived at. */
#define SEC_DOMAIN_CLIENT "client" /* a node's client socket */
#define SEC_DOMAIN_PEER "peer"     /* a writer's replication socket */
#define SEC_DOMAIN_FRONT "front"   /* the coordinator's ZeroMQ front */

typedef enum {
    SEC_ROLE_NONE = 0,    /* an unknown key: never let in */
    SEC_ROLE_ANONYMOUS,   /* security = off: may do everything */
    SEC_ROLE_CLIENT,      /* reads and writes */
    SEC_ROLE_COORDINATOR, /* a client that also heartbeats and fails over */
    SEC_ROLE_ADMIN,       /* everything, fault injection included */
    SEC_ROLE_NODE,        /* replication between nodes */
} sec_role_t;

typedef struct sec sec_t;

/*
 * The keys of identity `self` for cfg's cluster: with security = curve,
 * its key pair and the public key of every identity (every node, the
 * coordinator, admin and each client) from cfg->keys; with security = off,
 * nothing (every other function then leaves sockets plain). Returns NULL
 * with a message in err for a missing, malformed or unprotected key file.
 * Caller owns the returned object and destroys it with sec_destroy(),
 * which wipes the secret key.
 */
sec_t *sec_new(const config_t *cfg, const char *self, char *err, size_t errlen);
void sec_destroy(sec_t **s);

/* Whether s authenticates (security = curve). */
int sec_curve(const sec_t *s);

/*
 * Sets up a socket that binds, before the bind: the ZAP domain (so the
 * ZAP handler sees every connection, and counts it, in either mode) and,
 * with curve, the server role and our secret key. Returns 0 or -errno.
 */
int sec_server(const sec_t *s, void *sock, const char *domain);

/*
 * Sets up a socket that connects, before the connect, to the identity
 * `server` (a node's name, or "coordinator"): with curve, our key pair and
 * the server's public key, so a server without that secret key cannot
 * answer. Returns 0, MM_ERR_CONFIG for an unknown server, or -errno.
 */
int sec_client(const sec_t *s, void *sock, const char *server);

/* The role and name of a connecting public key (32 bytes), or
 * SEC_ROLE_NONE. *name is borrowed from s. */
sec_role_t sec_key_role(const sec_t *s, const uint8_t *key, const char **name);

/* Whether a connection of role may come in through domain. Pure. */
int sec_admits(const char *domain, sec_role_t role);

/* The role the ZAP handler gave msg's connection ("User-Id"); NONE when it
 * carries none. */
sec_role_t sec_msg_role(const zmq_msg_t *msg);

/* Whether role may send a request of command cmd (wire_cmd_t). Pure. */
int sec_may(sec_role_t role, int cmd);

/* Whether role's requests tell a primary about epochs: a STATUS or PING
 * at its epoch renews its lease (the coordinator's heartbeat), and an
 * epoch above its own fences it. A client's must do neither, or any client
 * could keep a replaced primary writing, or stop a healthy one. Pure. */
int sec_epoch_authority(sec_role_t role);

/* "client", "admin", ...: the User-Id the ZAP handler hands out. */
const char *sec_role_name(sec_role_t role);
sec_role_t sec_role_parse(const char *name);

/*
 * Writes a key pair for every identity of cfg (its nodes, coordinator,
 * admin and clients) into dir (cfg->keys if NULL), made if missing with
 * mode 0700. A pair that exists is kept, so running it twice changes
 * nothing. One line per identity goes to out ("made m1" or "kept m1").
 * Returns 0 or a negative code with a message in err.
 */
int sec_keygen(const config_t *cfg, const char *dir, FILE *out, char *err,
               size_t errlen);

#endif
