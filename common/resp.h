/*
 * resp.h - RESP2, the Redis protocol: a pure codec, so that redis-cli and
 * redis-benchmark can talk to the coordinator unchanged.
 *
 * A client sends each command as an array of bulk strings:
 *
 *     *3\r\n $3\r\nSET\r\n $1\r\nk\r\n $1\r\nv\r\n      (no spaces on the wire)
 *
 * or, typed by hand (telnet, redis-cli's inline mode), as one "inline" line
 * of words separated by spaces: `SET k v\r\n`. The server answers with one
 * of five reply types:
 *
 *     +OK\r\n             simple string      -ERR message\r\n    error
 *     :42\r\n             integer            $3\r\nabc\r\n      bulk string
 *     $-1\r\n             null bulk          *2\r\n ...          array
 *
 * The parser is incremental in the simplest way: resp_parse() is given the
 * whole unread part of a connection's input buffer, and either finds one
 * complete command at its start, says it needs more bytes, or says the
 * bytes can never be a command (a protocol error: the connection cannot be
 * resynchronised and should be closed after the error reply). It keeps no
 * state between calls, so a command split anywhere parses the same as one
 * that arrives whole; a partial command is re-scanned when more bytes
 * arrive, which costs little because bulk payloads are skipped by length.
 *
 * The parser enforces only the protocol's limits (RESP_MAX_ARGS, bulk and
 * inline sizes). Key and value limits (MM_KEY_MAX, MM_VALUE_MAX) belong to
 * the command layer, which can answer them with an error and go on.
 */
#ifndef MM_RESP_H
#define MM_RESP_H

#include <stddef.h>
#include <stdint.h>
#include "err.h"

#define RESP_MAX_ARGS 1024
/* A bulk string may be a little larger than a value, so that an oversized
 * value reaches the command layer and gets a clear error there. */
#define RESP_BULK_MAX (MM_VALUE_MAX + 64 * 1024)
/* An inline command is one typed line. */
#define RESP_INLINE_MAX (64 * 1024)

/*
 * One command: argc arguments, argv[0] the command name. argv[i] points
 * into the buffer given to resp_parse(): borrowed, valid until that buffer
 * changes. Arguments are not NUL-terminated; argl[i] is the length.
 */
typedef struct {
    int argc;
    const uint8_t *argv[RESP_MAX_ARGS];
    size_t argl[RESP_MAX_ARGS];
} resp_cmd_t;

/*
 * Parses one command at the start of buf[0..len). Returns:
 *   > 0  the number of bytes the command took; cmd is filled. An empty
 *        inline line is a command with argc = 0, which callers skip.
 *   0    the bytes so far are the start of a command: read more.
 *   MM_ERR_PROTO  the bytes are not RESP; err holds Redis's wording
 *        ("Protocol error: ..."), without the leading "-ERR ".
 */
long resp_parse(const uint8_t *buf, size_t len, resp_cmd_t *cmd, char *err,
                size_t errlen);

/*
 * A growable byte buffer for replies (and connection input). Caller owns
 * it: zero it (or resp_buf_init) before use and free it with
 * resp_buf_free(). The append functions return 0 or -ENOMEM.
 */
typedef struct {
    uint8_t *data;
    size_t len;
    size_t cap;
} resp_buf_t;

void resp_buf_init(resp_buf_t *b);
void resp_buf_free(resp_buf_t *b);
int resp_buf_append(resp_buf_t *b, const void *bytes, size_t n);
/* Makes room for n more bytes (b->data + b->len is then writable). */
int resp_buf_reserve(resp_buf_t *b, size_t n);
/* Drops the first n bytes (sent or parsed). */
void resp_buf_consume(resp_buf_t *b, size_t n);

/*
 * Reply encoders. Simple strings and errors are one line, so a CR or LF in
 * s is written as a space. resp_error() writes s as given: by convention it
 * starts with a code word ("ERR ...", "WRONGTYPE ...").
 */
int resp_simple(resp_buf_t *b, const char *s);
int resp_error(resp_buf_t *b, const char *s);
int resp_errorf(resp_buf_t *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int resp_integer(resp_buf_t *b, long long n);
int resp_bulk(resp_buf_t *b, const void *bytes, size_t n);
int resp_null(resp_buf_t *b); /* $-1: "no such key" */
int resp_array(resp_buf_t *b, long long n);

#endif
