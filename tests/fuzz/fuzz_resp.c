/*
 * fuzz_resp.c - the RESP2 parser (common/resp.c), whole and in pieces.
 *
 * The coordinator's RESP front hands resp_parse() whatever a TCP client
 * has sent so far, so the parser must give the same answers however the
 * bytes are cut. Each input is parsed twice, as one connection's stream:
 *
 *   whole      the whole input in one buffer, command after command;
 *   in pieces  the same bytes arriving in random-sized pieces (the sizes
 *              come from a hash of the input, so a run is repeatable),
 *              each call given a fresh heap copy of the unread bytes, so
 *              a pointer kept into an old buffer is a use-after-free that
 *              AddressSanitizer reports.
 *
 * Both write what they saw into a log (each command and its arguments,
 * each oversized-argument report, the protocol error that ends the stream,
 * the bytes consumed), and the two logs must be the same. Every command
 * must also lie inside the bytes it consumed, and must come out the same
 * when encoded with the reply encoders as an array of bulk strings and
 * parsed again.
 */
#include <errno.h>
#include "fuzz.h"
#include "resp.h"

/* splitmix64: a small, well-mixed generator for the piece sizes. */
static uint64_t s_next(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static uint64_t s_hash(const uint8_t *data, size_t size)
{
    uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a */

    for (size_t i = 0; i < size; i++)
        h = (h ^ data[i]) * 0x100000001b3ull;
    return h;
}

static void s_log(resp_buf_t *log, const void *bytes, size_t n)
{
    FUZZ_CHECK(resp_buf_append(log, bytes, n) == 0);
}

static void s_log_u64(resp_buf_t *log, char tag, uint64_t v)
{
    s_log(log, &tag, 1);
    s_log(log, &v, sizeof v);
}

/* A parsed command encodes as an array of bulk strings and parses back. */
static void s_round_trip(const resp_cmd_t *cmd)
{
    resp_buf_t b;
    resp_cmd_t again;
    char err[128];

    resp_buf_init(&b);
    resp_cmd_init(&again);
    FUZZ_CHECK(resp_array(&b, cmd->argc) == 0);
    for (int i = 0; i < cmd->argc; i++)
        FUZZ_CHECK(resp_bulk(&b, cmd->argv[i], cmd->argl[i]) == 0);
    FUZZ_CHECK(resp_parse(b.data, b.len, &again, err, sizeof err) ==
               (long)b.len);
    FUZZ_CHECK(again.argc == cmd->argc);
    for (int i = 0; i < cmd->argc; i++)
        FUZZ_CHECK(again.argl[i] == cmd->argl[i] &&
                   memcmp(again.argv[i], cmd->argv[i], cmd->argl[i]) == 0);
    resp_cmd_free(&again);
    resp_buf_free(&b);
}

/*
 * Logs one result of resp_parse(buf, len): a command, an oversized
 * argument, a protocol error. Returns 1 to go on, 0 for "read more", -1
 * when the stream has ended in an error.
 */
static int s_result(resp_buf_t *log, const uint8_t *buf, size_t len, long r,
                    const resp_cmd_t *cmd, const char *err)
{
    if (r < 0) {
        FUZZ_CHECK(r == MM_ERR_PROTO || r == -ENOMEM);
        FUZZ_CHECK(r != MM_ERR_PROTO ||
                   strncmp(err, "Protocol error: ", 16) == 0);
        s_log_u64(log, 'E', (uint64_t)r);
        s_log(log, err, strlen(err) + 1);
        return -1;
    }
    if (r == 0)
        return 0;
    FUZZ_CHECK((size_t)r <= len);
    if (cmd->argc > 0) {
        FUZZ_CHECK(cmd->toobig == 0);
        s_log_u64(log, 'C', (uint64_t)cmd->argc);
        for (int i = 0; i < cmd->argc; i++) {
            const uint8_t *a = cmd->argv[i];
            FUZZ_CHECK(a >= buf && cmd->argl[i] <= (size_t)(buf + r - a));
            FUZZ_CHECK(cmd->argl[i] <= RESP_ARG_MAX);
            s_log_u64(log, 'A', cmd->argl[i]);
            s_log(log, a, cmd->argl[i]);
        }
        s_round_trip(cmd);
    } else if (cmd->toobig > 0) {
        FUZZ_CHECK(cmd->toobig > RESP_ARG_MAX && cmd->toobig <= RESP_BULK_MAX);
        FUZZ_CHECK(cmd->toobig_arg >= 0 && strlen(cmd->name) < 32);
        s_log_u64(log, 'T', (uint64_t)cmd->toobig);
        s_log_u64(log, 'I', (uint64_t)cmd->toobig_arg);
        s_log(log, cmd->name, strlen(cmd->name) + 1);
    }
    return 1;
}

/* The stream in one buffer. */
static void s_whole(const uint8_t *data, size_t size, resp_buf_t *log)
{
    resp_cmd_t cmd;
    size_t at = 0;
    char err[128];

    resp_cmd_init(&cmd);
    for (;;) {
        err[0] = '\0';
        long r = resp_parse(data + at, size - at, &cmd, err, sizeof err);
        if (s_result(log, data + at, size - at, r, &cmd, err) <= 0)
            break;
        at += (size_t)r;
    }
    s_log_u64(log, 'N', at);
    resp_cmd_free(&cmd);
}

/* The same stream arriving in pieces, as a connection's input buffer. */
static void s_pieces(const uint8_t *data, size_t size, resp_buf_t *log)
{
    resp_cmd_t cmd;
    resp_buf_t in;
    uint64_t rng = s_hash(data, size);
    size_t fed = 0, consumed = 0;
    char err[128];
    int state = 0;

    resp_cmd_init(&cmd);
    resp_buf_init(&in);
    while (fed < size && state >= 0) {
        size_t left = size - fed;
        uint64_t r = s_next(&rng);
        size_t n = 1 + (size_t)(r % 4 == 0 ? (r >> 8) % left
                                           : (r >> 8) % (left < 8 ? left : 8));
        FUZZ_CHECK(resp_buf_append(&in, data + fed, n) == 0);
        fed += n;
        for (;;) {
            /* A fresh copy each call: the buffer moves between calls. */
            uint8_t *copy = malloc(in.len > 0 ? in.len : 1);
            FUZZ_CHECK(copy != NULL);
            if (in.len > 0)
                memcpy(copy, in.data, in.len);
            err[0] = '\0';
            long got = resp_parse(copy, in.len, &cmd, err, sizeof err);
            state = s_result(log, copy, in.len, got, &cmd, err);
            free(copy);
            if (state <= 0)
                break;
            resp_buf_consume(&in, (size_t)got);
            consumed += (size_t)got;
        }
    }
    s_log_u64(log, 'N', consumed);
    resp_buf_free(&in);
    resp_cmd_free(&cmd);
}

/* Simple strings and errors stay one line whatever they are given. */
static void s_line_encoders(const uint8_t *data, size_t size)
{
    char *s = fuzz_cstr(data, size < 256 ? size : 256);
    size_t n = strlen(s);
    resp_buf_t b;

    resp_buf_init(&b);
    FUZZ_CHECK(resp_simple(&b, s) == 0 && resp_error(&b, s) == 0);
    FUZZ_CHECK(b.len == 2 * (n + 3));
    for (size_t i = 0; i < 2; i++) {
        const uint8_t *line = b.data + i * (n + 3);
        FUZZ_CHECK(line[0] == (i == 0 ? '+' : '-'));
        FUZZ_CHECK(memchr(line, '\r', n + 1) == NULL &&
                   memchr(line, '\n', n + 1) == NULL);
        FUZZ_CHECK(line[n + 1] == '\r' && line[n + 2] == '\n');
    }
    resp_buf_free(&b);
    free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    resp_buf_t whole, pieces;

    resp_buf_init(&whole);
    resp_buf_init(&pieces);
    s_whole(data, size, &whole);
    s_pieces(data, size, &pieces);
    FUZZ_CHECK(whole.len == pieces.len);
    FUZZ_CHECK(whole.len == 0 ||
               memcmp(whole.data, pieces.data, whole.len) == 0);
    resp_buf_free(&whole);
    resp_buf_free(&pieces);
    s_line_encoders(data, size);
    return 0;
}
