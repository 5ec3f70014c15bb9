/*
 * mmctl.c - the command-line client: talk to one node of a cluster.
 *
 *     mmctl --config FILE --node NAME put KEY VALUE
 *     mmctl --config FILE keygen [DIR]
 *
 * With security = curve it connects with a key pair from the cluster's
 * keys directory: --key NAME, by default `admin` for fault, promote and
 * demote (which only the admin key may send) and the first client for
 * everything else.
 * Exit status: 0 on success, 1 when the command failed (the reason is on
 * stderr), 2 for a usage error, 3 when a key is not found (like grep's "no
 * match", so scripts can tell a miss from a failure).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "bytes.h"
#include "dump.h"
#include "mmclient.h"
#include "security.h"
#include "transport.h"

#define EXIT_MISS 3

/* --epoch: sent with put, del, status and ping (0: any epoch; see
 * wire.h). A status or ping at a primary's epoch renews its lease, as the
 * coordinator's heartbeat does (masters/primary.c). */
static uint32_t s_epoch;

static void s_usage(FILE *out)
{
    fprintf(
        out,
        "usage: mmctl --config FILE [--node NAME] [--timeout MS] "
        "[--epoch N] [--key NAME] CMD\n"
        "\n"
        "Commands sent to node NAME (NAME coordinator: through the\n"
        "cluster's coordinator):\n"
        "  put KEY VALUE   write; prints the write's stamp, origin, seq\n"
        "  get KEY         read; prints the value (exit 3 if absent)\n"
        "  del KEY         delete (writes a tombstone)\n"
        "  dump            every key, sorted: key TAB value TAB stamp TAB\n"
        "                  origin (value \\N = deleted)\n"
        "  digest          BLAKE2b-256 of the dump: equal state, equal "
        "digest\n"
        "  status          role, applied vector, followers, lag, "
        "conflicts\n"
        "  ping            check the node answers\n"
        "  promote EPOCH   make a standby the primary of EPOCH\n"
        "  demote EPOCH    make an old primary a standby of EPOCH\n"
        "  fault drop PEER in|out|both | fault delay PEER MS |\n"
        "  fault clock OFFSET_MS | fault heal\n"
        "                  inject or clear a fault on the node\n"
        "Commands about the cluster file:\n"
        "  nodes           one line per node: name TAB role TAB client\n"
        "  data-dir        the cluster's data directory\n"
        "  security        curve or off, TAB, the keys directory\n"
        "  now             CLOCK_MONOTONIC in ns (the history's clock)\n"
        "  keygen [DIR]    a key pair for every node, the coordinator,\n"
        "                  admin and each client, in DIR (default: the\n"
        "                  file's keys directory); existing pairs are kept\n"
        "With security = curve, --key NAME picks the key pair (default:\n"
        "admin for fault/promote/demote, else the first client).\n"
        "\n"
        "Exit status: 0 ok, 1 failure (reason on stderr), 2 usage, 3 key "
        "not found.\n");
}

/* Set once the connection is open: why its handshake was refused. */
static mmc_t *s_conn;

static int s_fail(const char *what, int rc, const wire_msg_t *reply)
{
    const char *refusal = s_conn ? mmc_refusal(s_conn) : NULL;
    if (rc == MM_ERR_TIMEOUT && refusal)
        fprintf(stderr, "mmctl: %s: refused: %s\n", what, refusal);
    else if (rc == MM_ERR_REMOTE && reply)
        fprintf(stderr, "mmctl: %s: %.*s\n", what, (int)reply->vlen,
                (const char *)reply->value);
    else if (rc == MM_ERR_TIMEOUT)
        fprintf(stderr,
                "mmctl: %s: no reply: is the node running? "
                "(experiments/cluster status FILE shows it; on a busy "
                "machine try a longer --timeout MS)\n",
                what);
    else
        fprintf(stderr, "mmctl: %s: %s\n", what, mm_strerror(rc));
    return 1;
}

static const char *s_origin(const config_t *cfg, uint16_t id)
{
    const config_node_t *c = config_node_by_id(cfg, id);
    return c ? c->name : NULL;
}

/* Streams every key of the node, page by page, as dump lines into out. */
static int s_dump(mmc_t *c, const config_t *cfg, int timeout, FILE *out)
{
    static uint8_t after[MM_KEY_MAX];
    size_t alen = 0;
    for (;;) {
        wire_msg_t req = {0}, r;
        req.cmd = WIRE_DUMP;
        req.key = after;
        req.klen = (uint32_t)alen;
        int rc = mmc_call(c, &req, &r, timeout);
        if (rc < 0)
            return s_fail("dump", rc, &r);
        if (r.cmd != WIRE_DUMP_REPLY)
            return s_fail("dump", MM_ERR_PROTO, NULL);
        size_t off = 0;
        while (off < r.vlen) {
            if (r.vlen - off < 4)
                return s_fail("dump", MM_ERR_SHORT, NULL);
            uint32_t len = bytes_get32(r.value + off);
            off += 4;
            if (len > r.vlen - off)
                return s_fail("dump", MM_ERR_SHORT, NULL);
            const uint8_t *key;
            size_t klen;
            record_t rec;
            rc = log_entry_decode(r.value + off, len, &key, &klen, &rec);
            if (rc < 0)
                return s_fail("dump", rc, NULL);
            if (dump_write_line(out, key, klen, &rec,
                                s_origin(cfg, rec.origin)) < 0)
                return s_fail("dump", -EIO, NULL);
            off += len;
        }
        if (!(r.flags & WIRE_F_MORE) || r.klen == 0)
            return 0;
        memcpy(after, r.key, r.klen);
        alen = r.klen;
    }
}

static int s_digest(mmc_t *c, const config_t *cfg, int timeout)
{
    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);
    if (!mem)
        return s_fail("digest", -errno, NULL);
    int rc = s_dump(c, cfg, timeout, mem);
    fclose(mem);
    if (rc == 0) {
        unsigned char h[crypto_generichash_BYTES];
        char hex[2 * sizeof h + 1];
        crypto_generichash(h, sizeof h, (const unsigned char *)text, len, NULL,
                           0);
        printf("%s\n", sodium_bin2hex(hex, sizeof hex, h, sizeof h));
    }
    free(text);
    return rc;
}

static void s_print_write(const char *what, const wire_msg_t *r,
                          const config_t *cfg)
{
    const char *origin = s_origin(cfg, r->origin);
    printf("%s stamp=%llu.%u origin=%s seq=%llu\n", what,
           (unsigned long long)hlc_ms(r->stamp), hlc_logical(r->stamp),
           origin ? origin : "?", (unsigned long long)r->seq);
}

static int s_simple(mmc_t *c, const config_t *cfg, int timeout, const char *cmd,
                    int argc, char **argv)
{
    wire_msg_t req = {0}, r = {0};
    if (!strcmp(cmd, "put") && argc == 2) {
        req.cmd = WIRE_PUT;
        req.value = (const uint8_t *)argv[1];
        req.vlen = (uint32_t)strlen(argv[1]);
    } else if (!strcmp(cmd, "get") && argc == 1) {
        req.cmd = WIRE_GET;
    } else if (!strcmp(cmd, "del") && argc == 1) {
        req.cmd = WIRE_DEL;
    } else if (!strcmp(cmd, "status") && argc == 0) {
        req.cmd = WIRE_STATUS;
    } else if (!strcmp(cmd, "ping") && argc == 0) {
        req.cmd = WIRE_PING;
    } else if ((!strcmp(cmd, "promote") || !strcmp(cmd, "demote")) &&
               argc == 1) {
        /* promote|demote EPOCH: what the coordinator does, by hand. */
        char *end;
        unsigned long e = strtoul(argv[0], &end, 10);
        if (*end || e == 0 || e > UINT32_MAX) {
            fprintf(stderr, "mmctl: %s needs an epoch, 1 or more\n", cmd);
            return 2;
        }
        req.cmd = !strcmp(cmd, "promote") ? WIRE_PROMOTE : WIRE_DEMOTE;
        req.epoch = (uint32_t)e;
        argc = 0; /* the argument is not a key */
    } else if (!strcmp(cmd, "fault") && argc >= 1) {
        /* fault VERB [ARGS...]: the node parses "ARGS" (see node.c). */
        static char args[256];
        args[0] = '\0';
        for (int i = 1; i < argc; i++)
            snprintf(args + strlen(args), sizeof args - strlen(args), "%s%s",
                     i > 1 ? " " : "", argv[i]);
        req.cmd = WIRE_FAULT;
        req.value = (const uint8_t *)args;
        req.vlen = (uint32_t)strlen(args);
    } else {
        s_usage(stderr);
        return 2;
    }
    if (req.cmd == WIRE_PUT || req.cmd == WIRE_DEL || req.cmd == WIRE_STATUS ||
        req.cmd == WIRE_PING)
        req.epoch = s_epoch;
    if (argc >= 1) {
        if (strlen(argv[0]) > MM_KEY_MAX) {
            fprintf(stderr, "mmctl: key longer than %d bytes\n", MM_KEY_MAX);
            return 1;
        }
        req.key = (const uint8_t *)argv[0];
        req.klen = (uint32_t)strlen(argv[0]);
    }
    int rc = mmc_call(c, &req, &r, timeout);
    if (rc < 0)
        return s_fail(cmd, rc, &r);
    switch (r.cmd) {
    case WIRE_OK:
        if (req.cmd == WIRE_PROMOTE || req.cmd == WIRE_DEMOTE)
            printf("ok epoch=%u\n", r.epoch);
        else if (req.cmd == WIRE_FAULT)
            printf("ok\n");
        else
            s_print_write(req.cmd == WIRE_DEL ? "deleted" : "ok", &r, cfg);
        return 0;
    case WIRE_VALUE:
        fwrite(r.value, 1, r.vlen, stdout);
        putchar('\n');
        return 0;
    case WIRE_NOTFOUND:
        fprintf(stderr, "mmctl: %s: not found%s\n", argv[0],
                (r.flags & WIRE_F_TOMBSTONE) ? " (deleted)" : "");
        return EXIT_MISS;
    case WIRE_STATUS_REPLY:
        fwrite(r.value, 1, r.vlen, stdout);
        return 0;
    case WIRE_PONG:
        printf("pong %s\n",
               s_origin(cfg, r.origin) ? s_origin(cfg, r.origin) : "?");
        return 0;
    }
    return s_fail(cmd, MM_ERR_PROTO, NULL);
}

/*
 * The commands about the cluster file itself, which talk to no node.
 * Returns their exit status, or -1 when cmd is not one of them.
 */
static int s_file_command(const config_t *cfg, const char *cmd, int argc,
                          char **argv)
{
    char err[512];
    if (!strcmp(cmd, "nodes") && argc == 0) {
        for (int i = 0; i < cfg->nnodes; i++)
            printf("%s\t%s\t%s\n", cfg->nodes[i].name,
                   config_role_name(cfg->nodes[i].role), cfg->nodes[i].client);
        return 0;
    }
    if (!strcmp(cmd, "data-dir") && argc == 0) {
        printf("%s\n", cfg->data_dir);
        return 0;
    }
    if (!strcmp(cmd, "security") && argc == 0) {
        printf("%s\t%s\n", config_security_name(cfg->security), cfg->keys);
        return 0;
    }
    if (!strcmp(cmd, "keygen") && argc <= 1) {
        if (sec_keygen(cfg, argc ? argv[0] : NULL, stdout, err, sizeof err) <
            0) {
            fprintf(stderr, "mmctl: keygen: %s\n", err);
            return 1;
        }
        return 0;
    }
    return -1;
}

/*
 * Opens the connection for cmd to node `name` (or the coordinator's front
 * with `--node coordinator`), as key: the admin key for commands only it
 * may send, else the first client, unless --key says otherwise.
 */
static mmc_t *s_connect(const config_t *cfg, const char *path, const char *name,
                        const char *key, const char *cmd)
{
    char err[512];
    const config_node_t *node = config_node(cfg, name);
    const char *endpoint = node ? node->client : NULL;
    /* --node coordinator talks to the coordinator's ZeroMQ front, which
     * speaks the nodes' protocol and routes the request. */
    if (!node && !strcmp(name, "coordinator") && cfg->coord.client[0])
        endpoint = cfg->coord.client;
    if (!endpoint) {
        fprintf(stderr, "mmctl: no node named '%s' in %s\n", name, path);
        return NULL;
    }
    if (!key)
        key = !strcmp(cmd, "fault") || !strcmp(cmd, "promote") ||
                      !strcmp(cmd, "demote")
                  ? "admin"
                  : cfg->clients[0];
    sec_t *sec = sec_new(cfg, key, err, sizeof err);
    if (!sec) {
        fprintf(stderr, "mmctl: %s\n", err);
        return NULL;
    }
    mmc_t *c = mmc_connect_as(NULL, endpoint, sec, name, err, sizeof err);
    sec_destroy(&sec); /* the socket keeps its own copy of the keys */
    if (!c)
        fprintf(stderr, "mmctl: %s\n", err);
    return c;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {{"config", required_argument, 0, 'c'},
                                         {"node", required_argument, 0, 'n'},
                                         {"timeout", required_argument, 0, 't'},
                                         {"epoch", required_argument, 0, 'e'},
                                         {"key", required_argument, 0, 'k'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    const char *path = NULL, *name = NULL, *key = NULL;
    int timeout = 3000, ch;
    while ((ch = getopt_long(argc, argv, "+c:n:t:e:k:h", opts, NULL)) != -1) {
        switch (ch) {
        case 'c':
            path = optarg;
            break;
        case 'n':
            name = optarg;
            break;
        case 't':
            timeout = atoi(optarg);
            break;
        case 'e':
            s_epoch = (uint32_t)strtoul(optarg, NULL, 10);
            break;
        case 'k':
            key = optarg;
            break;
        case 'h':
            s_usage(stdout);
            return 0;
        default:
            s_usage(stderr);
            return 2;
        }
    }
    if (optind < argc && !strcmp(argv[optind], "now")) {
        /* The history's clock, for shell scripts (docs/history.md). */
        printf("%lld\n", (long long)tp_now_ns());
        return 0;
    }
    if (!path || optind >= argc || timeout <= 0) {
        s_usage(stderr);
        return 2;
    }
    static config_t cfg;
    char err[512];
    if (config_load(path, &cfg, err, sizeof err) < 0) {
        fprintf(stderr, "mmctl: %s\n", err);
        return 1;
    }
    const char *cmd = argv[optind];
    int rc = s_file_command(&cfg, cmd, argc - optind - 1, argv + optind + 1);
    if (rc >= 0)
        return rc;
    if (!name) {
        fprintf(stderr, "mmctl: %s needs --node NAME\n", cmd);
        return 2;
    }
    if (sodium_init() < 0) {
        fprintf(stderr, "mmctl: libsodium failed to initialise\n");
        return 1;
    }
    mmc_t *c = s_connect(&cfg, path, name, key, cmd);
    if (!c)
        return 1;
    s_conn = c;
    if (!strcmp(cmd, "dump") && optind + 1 == argc)
        rc = s_dump(c, &cfg, timeout, stdout) == 0 ? 0 : 1;
    else if (!strcmp(cmd, "digest") && optind + 1 == argc)
        rc = s_digest(c, &cfg, timeout) == 0 ? 0 : 1;
    else
        rc = s_simple(c, &cfg, timeout, cmd, argc - optind - 1,
                      argv + optind + 1);
    s_conn = NULL;
    mmc_destroy(&c);
    return rc;
}
