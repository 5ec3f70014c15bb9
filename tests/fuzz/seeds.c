/*
 * seeds.c - writes the binary seed corpora of fuzz_wire and fuzz_node,
 * with the project's own encoders, so each seed is a real frame (or a
 * real request sequence) and a change of format regenerates them:
 *
 *     make fuzz-seeds      (runs build/fuzz/seeds tests/fuzz/corpus)
 *
 * fuzz_wire's seeds are single frames of every command, a REC pack, a
 * DUMP page, a record, a log entry, a log key and an applied vector.
 * fuzz_node's are request sequences in its input format: each message a
 * 2-byte big-endian length, then the frame.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "bytes.h"
#include "wire.h"

static const char *s_dir;

static void s_write(const char *sub, const char *name, const uint8_t *b,
                    size_t n)
{
    char path[512];
    FILE *f;

    snprintf(path, sizeof path, "%s/%s/%s", s_dir, sub, name);
    f = fopen(path, "wb");
    if (f == NULL || fwrite(b, 1, n, f) != n || fclose(f) != 0) {
        perror(path);
        exit(1);
    }
}

/* A frame of cmd with key, value and the other fields from base. */
static size_t s_frame(uint8_t *out, size_t cap, wire_msg_t m, int cmd,
                      const char *key, const char *value)
{
    m.cmd = (uint8_t)cmd;
    m.key = (const uint8_t *)key;
    m.klen = key ? (uint32_t)strlen(key) : 0;
    m.value = (const uint8_t *)value;
    m.vlen = value ? (uint32_t)strlen(value) : 0;
    int n = wire_encode(&m, out, cap);
    if (n < 0)
        exit(1);
    return (size_t)n;
}

static void s_wire_seeds(void)
{
    static const struct {
        int cmd;
        const char *name, *key, *value;
    } f[] = {
        {WIRE_PUT, "put", "color", "blue"},
        {WIRE_GET, "get", "color", NULL},
        {WIRE_DEL, "del", "color", NULL},
        {WIRE_DUMP, "dump", "after", NULL},
        {WIRE_STATUS, "status", NULL, NULL},
        {WIRE_PING, "ping", NULL, NULL},
        {WIRE_FAULT, "fault", "drop", "m2 both"},
        {WIRE_PROMOTE, "promote", NULL, NULL},
        {WIRE_DEMOTE, "demote", NULL, NULL},
        {WIRE_OK, "ok", NULL, NULL},
        {WIRE_VALUE, "value", "color", "blue"},
        {WIRE_NOTFOUND, "notfound", "color", NULL},
        {WIRE_ERROR, "error", NULL, "read-only: r1 is a replica"},
        {WIRE_STATUS_REPLY, "status-reply", NULL, "role=master\nepoch=0\n"},
        {WIRE_PONG, "pong", NULL, NULL},
        {WIRE_REHELLO, "rehello", NULL, NULL},
    };
    wire_msg_t base = {.origin = 1,
                       .epoch = 2,
                       .seq = 42,
                       .stamp = hlc_make(1795766078123ull, 2),
                       .prev_origin = 2,
                       .prev_stamp = hlc_make(1795766078100ull, 0),
                       .reqid = 7};
    uint8_t buf[4096], *p;
    size_t n;
    char name[64];

    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
        n = s_frame(buf, sizeof buf, base, f[i].cmd, f[i].key, f[i].value);
        snprintf(name, sizeof name, "frame-%s", f[i].name);
        s_write("wire", name, buf, n);
    }

    /* HELLO, ACK and BEAT carry an applied vector; it is a seed too. */
    uint64_t applied[MM_MAX_NODES + 1] = {0};
    uint8_t vec[64];
    applied[1] = 9321;
    applied[2] = 8810;
    int vlen = wire_vec_encode(applied, (1u << 1) | (1u << 2), vec, sizeof vec);
    s_write("wire", "vector", vec, (size_t)vlen);
    wire_msg_t v = base;
    v.value = vec;
    v.vlen = (uint32_t)vlen;
    v.key = (const uint8_t *)"r1";
    v.klen = 2;
    v.cmd = WIRE_HELLO;
    n = (size_t)wire_encode(&v, buf, sizeof buf);
    s_write("wire", "frame-hello", buf, n);
    v.cmd = WIRE_ACK;
    n = (size_t)wire_encode(&v, buf, sizeof buf);
    s_write("wire", "frame-ack", buf, n);

    /* A pack of three REC frames, a tombstone among them. */
    p = buf;
    for (int i = 0; i < 3; i++) {
        wire_msg_t r = base;
        r.seq = 42 + (uint64_t)i;
        r.flags = i == 1 ? WIRE_F_TOMBSTONE : 0;
        p += s_frame(p, sizeof buf - (size_t)(p - buf), r, WIRE_REC, "k",
                     i == 1 ? NULL : "v");
    }
    s_write("wire", "rec-pack", buf, (size_t)(p - buf));

    /* A record, a log entry, a DUMP page of two entries, a log key. */
    record_t rec = {.origin = 1,
                    .stamp = base.stamp,
                    .seq = 42,
                    .prev_origin = 2,
                    .prev_stamp = base.prev_stamp,
                    .value = (const uint8_t *)"blue",
                    .vlen = 4};
    n = (size_t)record_encode(&rec, buf, sizeof buf);
    s_write("wire", "record", buf, n);
    n = (size_t)log_entry_encode((const uint8_t *)"color", 5, &rec, buf,
                                 sizeof buf);
    s_write("wire", "log-entry", buf, n);
    uint8_t page[512];
    size_t plen = 0;
    for (int i = 0; i < 2; i++) {
        rec.flags = i == 1 ? RECORD_TOMBSTONE : 0;
        int len = log_entry_encode((const uint8_t *)(i ? "k2" : "k1"), 2, &rec,
                                   page + plen + 4, sizeof page - plen - 4);
        bytes_put32(page + plen, (uint32_t)len);
        plen += 4 + (size_t)len;
    }
    wire_msg_t d = base;
    d.seq = 2;
    d.flags = WIRE_F_MORE;
    d.value = page;
    d.vlen = (uint32_t)plen;
    d.cmd = WIRE_DUMP_REPLY;
    d.key = (const uint8_t *)"k2";
    d.klen = 2;
    n = (size_t)wire_encode(&d, buf, sizeof buf);
    s_write("wire", "frame-dump-reply", buf, n);
    uint8_t key[LOG_KEY_SIZE];
    log_key_encode(1, 42, key);
    s_write("wire", "log-key", key, sizeof key);
}

/* One fuzz_node input under construction. */
typedef struct {
    uint8_t b[4096];
    size_t n;
} s_input_t;

/* The sockets of a fuzz_node input (bits 13-14 of a part's header). */
enum { TO_CLIENT = 0, TO_PEER = 1, TO_FOLLOW = 2 };

/* Appends one part: the header, then the k frames of m back to back (a
 * pack, when k > 1). */
static void s_pack(s_input_t *in, int to, const wire_msg_t *m, int k, int more)
{
    size_t len = 0;
    for (int i = 0; i < k; i++) {
        int n = wire_encode(&m[i], in->b + in->n + 2 + len,
                            sizeof in->b - in->n - 2 - len);
        if (n < 0)
            exit(1);
        len += (size_t)n;
    }
    bytes_put16(in->b + in->n,
                (uint16_t)(len | (size_t)to << 13 | (more ? 0x8000 : 0)));
    in->n += 2 + len;
}

static void s_part(s_input_t *in, int to, const wire_msg_t *m, int more)
{
    s_pack(in, to, m, 1, more);
}

static void s_add(s_input_t *in, int cmd, uint32_t epoch, uint64_t reqid,
                  const char *key, const char *value, int more)
{
    wire_msg_t m = {.cmd = (uint8_t)cmd, .epoch = epoch, .reqid = reqid};
    m.key = (const uint8_t *)key;
    m.klen = key ? (uint32_t)strlen(key) : 0;
    m.value = (const uint8_t *)value;
    m.vlen = value ? (uint32_t)strlen(value) : 0;
    s_part(in, TO_CLIENT, &m, more);
}

/* r1's HELLO or ACK to p1 (id 1; s1 is 2, r1 is 3): its applied vector. */
static void s_follower(s_input_t *in, int cmd, uint64_t has_p1)
{
    uint64_t applied[MM_MAX_NODES + 1] = {0};
    uint8_t vec[64];
    applied[1] = has_p1;
    wire_msg_t m = {.cmd = (uint8_t)cmd, .origin = 3, .epoch = 1, .reqid = 9};
    m.key = (const uint8_t *)"r1";
    m.klen = 2;
    m.value = vec;
    m.vlen = (uint32_t)wire_vec_encode(applied, (1u << 1) | (1u << 2), vec,
                                       sizeof vec);
    s_part(in, TO_PEER, &m, 0);
}

static void s_node_seeds(void)
{
    s_input_t in = {0};

    s_add(&in, WIRE_PUT, 0, 1, "color", "blue", 0);
    s_add(&in, WIRE_GET, 0, 2, "color", NULL, 0);
    s_add(&in, WIRE_DEL, 0, 3, "color", NULL, 0);
    s_add(&in, WIRE_GET, 0, 4, "color", NULL, 0);
    s_add(&in, WIRE_GET, 0, 5, "never", NULL, 0);
    s_write("node", "put-get-del-get", in.b, in.n);

    in.n = 0;
    for (int i = 0; i < 3; i++)
        s_add(&in, WIRE_PUT, 0, 10 + (uint64_t)i, i ? "k2" : "k1", "v", 0);
    s_add(&in, WIRE_DUMP, 0, 20, NULL, NULL, 0);
    s_add(&in, WIRE_DUMP, 0, 21, "k1", NULL, 0);
    s_add(&in, WIRE_STATUS, 0, 22, NULL, NULL, 0);
    s_add(&in, WIRE_PING, 0, 23, NULL, NULL, 0);
    s_write("node", "puts-dump-status-ping", in.b, in.n);

    in.n = 0;
    s_add(&in, WIRE_FAULT, 0, 30, "drop", "r1 both", 0);
    s_add(&in, WIRE_FAULT, 0, 31, "delay", "r1 300", 0);
    s_add(&in, WIRE_FAULT, 0, 32, "clock", "-2000", 0);
    s_add(&in, WIRE_FAULT, 0, 33, "heal", NULL, 0);
    s_add(&in, WIRE_FAULT, 0, 34, "melt", "now", 0);
    s_write("node", "faults", in.b, in.n);

    in.n = 0;
    s_add(&in, WIRE_PUT, 0, 40, "color", "blue", 0);
    s_add(&in, WIRE_DEMOTE, 2, 41, NULL, NULL, 0);
    s_add(&in, WIRE_PUT, 0, 42, "color", "green", 0);
    s_add(&in, WIRE_PROMOTE, 3, 43, NULL, NULL, 0);
    s_add(&in, WIRE_PUT, 3, 44, "color", "red", 0);
    s_add(&in, WIRE_PUT, 2, 45, "color", "old", 0);
    s_add(&in, WIRE_GET, 0, 46, "color", NULL, 0);
    s_write("node", "demote-promote", in.b, in.n);

    in.n = 0;
    s_add(&in, WIRE_PUT, 0, 50, "a", "1", 1);
    s_add(&in, WIRE_PUT, 0, 51, "b", "2", 0);
    s_add(&in, WIRE_REC, 0, 52, "k", "v", 0);
    s_add(&in, 200, 0, 53, NULL, NULL, 0);
    s_add(&in, WIRE_PUT, 0, 54, NULL, "no key", 0);
    memcpy(in.b + in.n, "\x00\x03\x02\x01\x00", 5); /* a short frame */
    in.n += 5;
    s_write("node", "odd-messages", in.b, in.n);

    /* r1 follows p1: HELLO, p1 streams the writes, r1 ACKs them. */
    in.n = 0;
    s_follower(&in, WIRE_HELLO, 0);
    s_add(&in, WIRE_PUT, 0, 60, "a", "1", 0);
    s_add(&in, WIRE_PUT, 0, 61, "b", "2", 0);
    s_follower(&in, WIRE_ACK, 2);
    s_write("node", "follower-hello-ack", in.b, in.n);

    /* s1 streams to p1: a pack of two RECs of origin 2, then a BEAT. */
    in.n = 0;
    wire_msg_t r[2] = {{.cmd = WIRE_REC,
                        .origin = 2,
                        .epoch = 1,
                        .seq = 1,
                        .stamp = hlc_make(1795766078123ull, 0)}};
    r[0].key = (const uint8_t *)"k";
    r[0].klen = 1;
    r[0].value = (const uint8_t *)"from s1";
    r[0].vlen = 7;
    r[1] = r[0];
    r[1].seq = 2;
    r[1].flags = WIRE_F_TOMBSTONE;
    r[1].vlen = 0;
    s_pack(&in, TO_FOLLOW, r, 2, 0);
    wire_msg_t beat = {.cmd = WIRE_BEAT, .origin = 2, .epoch = 1};
    s_part(&in, TO_FOLLOW, &beat, 0);
    s_add(&in, WIRE_GET, 0, 70, "k", NULL, 0);
    s_write("node", "source-recs-beat", in.b, in.n);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: seeds CORPUS_DIR\n");
        return 2;
    }
    s_dir = argv[1];
    s_wire_seeds();
    s_node_seeds();
    return 0;
}
