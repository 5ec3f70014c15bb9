/*
 * security.c - key files, roles, and what each role may do (security.h has
 * the table). This is the only file that reads or writes key files, and
 * the only place that decides what a role may do:
 *
 *   1. sec_new() reads the process's own key pair and every identity's
 *      public key. A secret key file that other users can read is refused
 *      (as ssh refuses one), and so is a pair whose halves do not match,
 *      so a mistake shows at start-up and not as a handshake that fails.
 *   2. sec_server() and sec_client() put the keys on a socket before it
 *      binds or connects; libzmq then runs the CurveZMQ handshake.
 *   3. sec_key_role() and sec_admits() are what the ZAP handler
 *      (common/zap.c) asks about each connection; sec_may() is what the
 *      node asks about each request.
 *
 * Key pairs are Curve25519 pairs from libsodium's crypto_box_keypair(),
 * the same kind zmq_curve_keypair() makes, written as Z85 text.
 */
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "security.h"
#include "wire.h"

/* libzmq's draft option, stable in practice and present in Debian's
 * libzmq 4.3: with it, a socket that has a ZAP domain refuses every
 * connection while no ZAP handler answers, instead of letting all in. */
#ifndef ZMQ_ZAP_ENFORCE_DOMAIN
#define ZMQ_ZAP_ENFORCE_DOMAIN 93
#endif

#define SEC_KEY_BYTES 32
#define SEC_Z85_LEN 40
#define SEC_IDS_MAX (MM_MAX_NODES + 2 + CONFIG_CLIENTS_MAX)

typedef struct {
    char name[CONFIG_NAME_MAX];
    sec_role_t role;
    uint8_t key[SEC_KEY_BYTES];
} sec_id_t;

struct sec {
    security_mode_t mode;
    uint8_t public_key[SEC_KEY_BYTES];
    uint8_t secret_key[SEC_KEY_BYTES];
    int nids;
    sec_id_t ids[SEC_IDS_MAX];
};

/* Every identity of the cluster and its role, in keygen's order. */
static int s_identities(const config_t *cfg, sec_id_t *out)
{
    int n = 0;
    for (int i = 0; i < cfg->nnodes; i++)
        out[n++] = (sec_id_t){.role = SEC_ROLE_NODE};
    out[n++] = (sec_id_t){.name = "coordinator", .role = SEC_ROLE_COORDINATOR};
    out[n++] = (sec_id_t){.name = "admin", .role = SEC_ROLE_ADMIN};
    for (int i = 0; i < cfg->nclients; i++)
        out[n++] = (sec_id_t){.role = SEC_ROLE_CLIENT};
    for (int i = 0; i < cfg->nnodes; i++)
        strcpy(out[i].name, cfg->nodes[i].name);
    for (int i = 0; i < cfg->nclients; i++)
        strcpy(out[n - cfg->nclients + i].name, cfg->clients[i]);
    return n;
}

/* DIR/NAME.EXT into buf; -1 if it does not fit. */
static int s_path(char *buf, size_t cap, const char *dir, const char *name,
                  const char *ext)
{
    int n = snprintf(buf, cap, "%s/%s.%s", dir, name, ext);
    return n < 0 || (size_t)n >= cap ? -1 : 0;
}

/*
 * Reads one key file: 40 characters of Z85 and an optional newline. A
 * secret file must be readable by its owner only. Returns 0, or
 * MM_ERR_CONFIG with the reason in err.
 */
static int s_read_key(const char *dir, const char *name, int secret,
                      uint8_t *key, char *err, size_t errlen)
{
    char path[CONFIG_PATH_MAX + CONFIG_NAME_MAX + 16];
    char text[SEC_Z85_LEN + 8];
    struct stat st;
    ssize_t n;
    int fd;

    if (s_path(path, sizeof path, dir, name, secret ? "secret" : "public")) {
        snprintf(err, errlen, "the keys directory's name is too long");
        return MM_ERR_CONFIG;
    }
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen,
                 "cannot read %s: %s (experiments/cluster up makes the "
                 "keys it lacks, as does mmctl --config FILE keygen)",
                 path, strerror(errno));
        return MM_ERR_CONFIG;
    }
    if (secret && fstat(fd, &st) == 0 && (st.st_mode & 077) != 0) {
        snprintf(err, errlen,
                 "%s can be read by other users (mode %04o): chmod 600 it",
                 path, (unsigned)(st.st_mode & 07777));
        close(fd);
        return MM_ERR_CONFIG;
    }
    n = read(fd, text, sizeof text - 1);
    close(fd);
    while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == '\r'))
        n--;
    if (n == SEC_Z85_LEN) {
        text[n] = '\0';
        if (zmq_z85_decode(key, text) != NULL) {
            sodium_memzero(text, sizeof text);
            return 0;
        }
    }
    sodium_memzero(text, sizeof text);
    snprintf(err, errlen, "%s is not a key: %d characters of Z85 expected",
             path, SEC_Z85_LEN);
    return MM_ERR_CONFIG;
}

sec_t *sec_new(const config_t *cfg, const char *self, char *err, size_t errlen)
{
    sec_t *s = calloc(1, sizeof *s);
    uint8_t derived[SEC_KEY_BYTES];

    if (s == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    s->mode = cfg->security;
    if (s->mode == SECURITY_OFF)
        return s;
    if (sodium_init() < 0) {
        snprintf(err, errlen, "libsodium failed to initialise");
        goto fail;
    }
    s->nids = s_identities(cfg, s->ids);
    for (int i = 0; i < s->nids; i++)
        if (s_read_key(cfg->keys, s->ids[i].name, 0, s->ids[i].key, err,
                       errlen) < 0)
            goto fail;
    if (s_read_key(cfg->keys, self, 0, s->public_key, err, errlen) < 0 ||
        s_read_key(cfg->keys, self, 1, s->secret_key, err, errlen) < 0)
        goto fail;
    /* The public key is the secret key times the curve's base point. */
    if (crypto_scalarmult_base(derived, s->secret_key) != 0 ||
        sodium_memcmp(derived, s->public_key, sizeof derived) != 0) {
        snprintf(err, errlen,
                 "%s/%s.secret does not belong to %s/%s.public: make the "
                 "pair again with mmctl keygen",
                 cfg->keys, self, cfg->keys, self);
        goto fail;
    }
    return s;
fail:
    sec_destroy(&s);
    return NULL;
}

void sec_destroy(sec_t **sp)
{
    if (sp == NULL || *sp == NULL)
        return;
    sodium_memzero((*sp)->secret_key, sizeof(*sp)->secret_key);
    free(*sp);
    *sp = NULL;
}

int sec_curve(const sec_t *s)
{
    return s != NULL && s->mode == SECURITY_CURVE;
}

int sec_server(const sec_t *s, void *sock, const char *domain)
{
    int one = 1;

    if (zmq_setsockopt(sock, ZMQ_ZAP_DOMAIN, domain, strlen(domain)) != 0 ||
        zmq_setsockopt(sock, ZMQ_ZAP_ENFORCE_DOMAIN, &one, sizeof one) != 0)
        return -errno;
    if (!sec_curve(s))
        return 0;
    if (zmq_setsockopt(sock, ZMQ_CURVE_SERVER, &one, sizeof one) != 0 ||
        zmq_setsockopt(sock, ZMQ_CURVE_SECRETKEY, s->secret_key,
                       SEC_KEY_BYTES) != 0)
        return -errno;
    return 0;
}

int sec_client(const sec_t *s, void *sock, const char *server)
{
    if (!sec_curve(s))
        return 0;
    for (int i = 0; i < s->nids; i++) {
        if (strcmp(s->ids[i].name, server) != 0)
            continue;
        if (zmq_setsockopt(sock, ZMQ_CURVE_SERVERKEY, s->ids[i].key,
                           SEC_KEY_BYTES) != 0 ||
            zmq_setsockopt(sock, ZMQ_CURVE_PUBLICKEY, s->public_key,
                           SEC_KEY_BYTES) != 0 ||
            zmq_setsockopt(sock, ZMQ_CURVE_SECRETKEY, s->secret_key,
                           SEC_KEY_BYTES) != 0)
            return -errno;
        return 0;
    }
    return MM_ERR_CONFIG;
}

sec_role_t sec_key_role(const sec_t *s, const uint8_t *key, const char **name)
{
    for (int i = 0; i < s->nids; i++) {
        if (sodium_memcmp(s->ids[i].key, key, SEC_KEY_BYTES) == 0) {
            *name = s->ids[i].name;
            return s->ids[i].role;
        }
    }
    *name = "?";
    return SEC_ROLE_NONE;
}

int sec_admits(const char *domain, sec_role_t role)
{
    if (role == SEC_ROLE_ANONYMOUS)
        return 1;
    if (strcmp(domain, SEC_DOMAIN_PEER) == 0)
        return role == SEC_ROLE_NODE;
    if (strcmp(domain, SEC_DOMAIN_CLIENT) == 0)
        return role == SEC_ROLE_CLIENT || role == SEC_ROLE_COORDINATOR ||
               role == SEC_ROLE_ADMIN;
    if (strcmp(domain, SEC_DOMAIN_FRONT) == 0)
        return role == SEC_ROLE_CLIENT || role == SEC_ROLE_ADMIN;
    return 0;
}

sec_role_t sec_msg_role(const zmq_msg_t *msg)
{
    const char *uid = zmq_msg_gets(msg, "User-Id");
    return uid != NULL ? sec_role_parse(uid) : SEC_ROLE_NONE;
}

/* The permission table of security.h, in one switch. */
int sec_may(sec_role_t role, int cmd)
{
    switch (cmd) {
    case WIRE_FAULT:
        return role == SEC_ROLE_ADMIN || role == SEC_ROLE_ANONYMOUS;
    case WIRE_PROMOTE:
    case WIRE_DEMOTE:
        return role == SEC_ROLE_ADMIN || role == SEC_ROLE_COORDINATOR ||
               role == SEC_ROLE_ANONYMOUS;
    default:
        /* Reads, writes, STATUS, PING, DUMP, and commands that do not
         * exist (they get "unknown command" like anyone's). */
        return role != SEC_ROLE_NONE && role != SEC_ROLE_NODE;
    }
}

int sec_epoch_authority(sec_role_t role)
{
    return role == SEC_ROLE_COORDINATOR || role == SEC_ROLE_ADMIN ||
           role == SEC_ROLE_ANONYMOUS;
}

static const char *const s_role_names[] = {
    [SEC_ROLE_NONE] = "none",     [SEC_ROLE_ANONYMOUS] = "anonymous",
    [SEC_ROLE_CLIENT] = "client", [SEC_ROLE_COORDINATOR] = "coordinator",
    [SEC_ROLE_ADMIN] = "admin",   [SEC_ROLE_NODE] = "node",
};

const char *sec_role_name(sec_role_t role)
{
    return role <= SEC_ROLE_NODE ? s_role_names[role] : "none";
}

sec_role_t sec_role_parse(const char *name)
{
    for (int r = SEC_ROLE_ANONYMOUS; r <= SEC_ROLE_NODE; r++)
        if (strcmp(name, s_role_names[r]) == 0)
            return (sec_role_t)r;
    return SEC_ROLE_NONE;
}

/* ---- mmctl keygen ------------------------------------------------------ */

/* mkdir -p, the last directory with mode 0700: it holds secret keys. */
static int s_make_dir(const char *dir)
{
    char path[CONFIG_PATH_MAX];
    snprintf(path, sizeof path, "%s", dir);
    for (char *p = path + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(path, 0755) != 0 && errno != EEXIST)
            return -errno;
        *p = '/';
    }
    if (mkdir(path, 0700) != 0 && errno != EEXIST)
        return -errno;
    return 0;
}

/* Writes text into a new file of that mode; never overwrites. */
static int s_write_new(const char *path, const char *text, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (fd < 0)
        return -errno;
    size_t len = strlen(text);
    int rc = write(fd, text, len) == (ssize_t)len ? 0 : -EIO;
    if (close(fd) != 0 && rc == 0)
        rc = -errno;
    return rc;
}

/* One identity's pair: made, kept (both files there), or an error. */
static int s_keygen_one(const char *dir, const char *name, FILE *out, char *err,
                        size_t errlen)
{
    char pub[CONFIG_PATH_MAX + CONFIG_NAME_MAX + 16];
    char sec[sizeof pub];
    char z85[2][SEC_Z85_LEN + 2];
    uint8_t pk[SEC_KEY_BYTES], sk[SEC_KEY_BYTES];

    if (s_path(pub, sizeof pub, dir, name, "public") ||
        s_path(sec, sizeof sec, dir, name, "secret")) {
        snprintf(err, errlen, "the keys directory's name is too long");
        return MM_ERR_CONFIG;
    }
    int have_pub = access(pub, F_OK) == 0, have_sec = access(sec, F_OK) == 0;
    if (have_pub && have_sec) {
        fprintf(out, "kept %s\n", name);
        return 0;
    }
    if (have_pub || have_sec) {
        snprintf(err, errlen,
                 "%s exists without its other half: remove it to make a new "
                 "pair",
                 have_pub ? pub : sec);
        return MM_ERR_CONFIG;
    }
    crypto_box_keypair(pk, sk);
    zmq_z85_encode(z85[0], pk, sizeof pk);
    zmq_z85_encode(z85[1], sk, sizeof sk);
    sodium_memzero(sk, sizeof sk);
    strcat(z85[0], "\n");
    strcat(z85[1], "\n");
    int rc = s_write_new(sec, z85[1], 0600);
    sodium_memzero(z85[1], sizeof z85[1]);
    if (rc == 0)
        rc = s_write_new(pub, z85[0], 0644);
    if (rc < 0) {
        snprintf(err, errlen, "cannot write the key pair of %s in %s: %s", name,
                 dir, strerror(-rc));
        return rc;
    }
    fprintf(out, "made %s\n", name);
    return 0;
}

int sec_keygen(const config_t *cfg, const char *dir, FILE *out, char *err,
               size_t errlen)
{
    sec_id_t ids[SEC_IDS_MAX];
    int n, rc;

    if (dir == NULL)
        dir = cfg->keys;
    if (sodium_init() < 0) {
        snprintf(err, errlen, "libsodium failed to initialise");
        return MM_ERR_STATE;
    }
    rc = s_make_dir(dir);
    if (rc < 0) {
        snprintf(err, errlen, "cannot make %s: %s", dir, strerror(-rc));
        return rc;
    }
    n = s_identities(cfg, ids);
    for (int i = 0; i < n; i++) {
        rc = s_keygen_one(dir, ids[i].name, out, err, errlen);
        if (rc < 0)
            return rc;
    }
    return 0;
}
