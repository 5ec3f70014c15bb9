/*
 * rawsend.c - mm-rawsend: sends one deliberately odd frame to a node and
 * prints the reply, for the bad-input cluster test.
 *
 *     mm-rawsend ENDPOINT [--cmd N] [--version N] [--key S] [--key-size N]
 *                [--value-size N] [--klen-field N] [--vlen-field N]
 *                [--truncate N] [--append N] [--garbage N] [--times N]
 *
 * It builds a frame (default: a PUT of key "k" with an empty value), then
 * overrides header fields or cuts/extends the bytes, sends it as one
 * message (--times N: N copies of it, for the log-limit test), and prints
 * "ERROR <code> <message>" or the reply's command name (of the first
 * reply). Exit 0 if a reply came, 1 if none came within 2 s.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "bytes.h"
#include "mmclient.h"
#include "transport.h"

static void s_usage(FILE *out)
{
    fprintf(out,
            "usage: mm-rawsend ENDPOINT [--cmd N] [--version N] [--key S]\n"
            "                  [--key-size N] [--value-size N] "
            "[--klen-field N]\n"
            "                  [--vlen-field N] [--truncate N] [--append N]"
            " [--garbage N]\n"
            "\n"
            "Sends one deliberately odd frame to the node at ENDPOINT and "
            "prints the\n"
            "reply (\"ERROR <code> <message>\" or the reply's command). "
            "The frame is a\n"
            "PUT of key \"k\" with an empty value unless the options "
            "change it:\n"
            "  --cmd N, --version N     the header's command and version\n"
            "  --key S, --key-size N    the key, or a key of N bytes\n"
            "  --value-size N           a value of N bytes\n"
            "  --klen-field N, --vlen-field N   lengths the header claims\n"
            "  --truncate N, --append N cut the frame to N bytes, or add N\n"
            "  --garbage N              send N bytes that are no frame at all\n"
            "Exit status: 0 when a reply came, 1 when none came within "
            "2 s, 2 for a usage error.\n");
}

int main(int argc, char **argv)
{
    if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        s_usage(stdout);
        return 0;
    }
    if (argc < 2 || argv[1][0] == '-') {
        s_usage(stderr);
        return 2;
    }
    int cmd = WIRE_PUT, version = WIRE_VERSION;
    long key_size = -1, value_size = 0, klen_field = -1, vlen_field = -1;
    long truncate_to = -1, append = 0, garbage = -1, times = 1;
    const char *key = "k";
    for (int i = 2; i + 1 < argc; i += 2) {
        const char *o = argv[i], *v = argv[i + 1];
        if (!strcmp(o, "--cmd"))
            cmd = atoi(v);
        else if (!strcmp(o, "--version"))
            version = atoi(v);
        else if (!strcmp(o, "--key"))
            key = v;
        else if (!strcmp(o, "--key-size"))
            key_size = atol(v);
        else if (!strcmp(o, "--value-size"))
            value_size = atol(v);
        else if (!strcmp(o, "--klen-field"))
            klen_field = atol(v);
        else if (!strcmp(o, "--vlen-field"))
            vlen_field = atol(v);
        else if (!strcmp(o, "--truncate"))
            truncate_to = atol(v);
        else if (!strcmp(o, "--append"))
            append = atol(v);
        else if (!strcmp(o, "--garbage"))
            garbage = atol(v);
        else if (!strcmp(o, "--times"))
            times = atol(v);
        else {
            fprintf(stderr, "mm-rawsend: unknown option %s\n", o);
            return 2;
        }
    }
    size_t klen = key_size >= 0 ? (size_t)key_size : strlen(key);
    size_t cap = WIRE_HEADER_SIZE + klen + (size_t)value_size + (size_t)append +
                 (garbage > 0 ? (size_t)garbage : 0) + 16;
    uint8_t *buf = calloc(1, cap);
    size_t len;
    if (garbage >= 0) {
        /* Bytes that are not a frame at all. */
        for (long i = 0; i < garbage; i++)
            buf[i] = (uint8_t)(i * 37 + 11);
        len = (size_t)garbage;
    } else {
        buf[0] = (uint8_t)version;
        buf[1] = (uint8_t)cmd;
        bytes_put64(buf + WIRE_OFF_REQID, 7);
        bytes_put16(buf + 44,
                    (uint16_t)(klen_field >= 0 ? klen_field : (long)klen));
        bytes_put32(buf + 46,
                    (uint32_t)(vlen_field >= 0 ? vlen_field : value_size));
        uint8_t *p = buf + WIRE_HEADER_SIZE;
        for (size_t i = 0; i < klen; i++)
            p[i] = key_size >= 0 ? 'x' : (uint8_t)key[i];
        memset(p + klen, 'v', (size_t)value_size);
        len = WIRE_HEADER_SIZE + klen + (size_t)value_size + (size_t)append;
        if (truncate_to >= 0 && (size_t)truncate_to < len)
            len = (size_t)truncate_to;
    }
    void *ctx = zmq_ctx_new();
    void *s = tp_socket(ctx, ZMQ_DEALER, 0, NULL, TP_MAX_REPLY);
    zmq_connect(s, argv[1]);
    for (long i = 0; i < times; i++)
        zmq_send(s, buf, len, 0);
    free(buf);
    zmq_pollitem_t it = {s, 0, ZMQ_POLLIN, 0};
    int rc = 1;
    if (zmq_poll(&it, 1, 2000) == 1) {
        zmq_msg_t m;
        zmq_msg_init(&m);
        int n = zmq_msg_recv(&m, s, 0);
        wire_msg_t r;
        if (n >= 0 && wire_decode(zmq_msg_data(&m), (size_t)n, &r) == 0) {
            if (r.cmd == WIRE_ERROR)
                printf("ERROR %llu %.*s\n", (unsigned long long)r.seq,
                       (int)r.vlen, (const char *)r.value);
            else
                printf("%s\n", wire_cmd_name(r.cmd));
            rc = 0;
        } else {
            printf("UNDECODABLE reply\n");
        }
        zmq_msg_close(&m);
    } else {
        printf("NO REPLY\n");
    }
    zmq_close(s);
    zmq_ctx_term(ctx);
    return rc;
}
