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
 * The parser is incremental: resp_parse() is given the whole unread part
 * of a connection's input buffer and either finds one complete command at
 * its start, says it needs more bytes, or says the bytes can never be a
 * command (a protocol error: the connection cannot be resynchronised and
 * should be closed after the error reply). A command split anywhere parses
 * the same as one that arrives whole. A multibulk command that has not
 * fully arrived is not scanned again from its start when more bytes come:
 * resp_cmd_t remembers how far it got, so a command of a million
 * arguments costs one pass, not one per read.
 *
 * Limits, and what happens past them (Redis's own limits in brackets):
 *
 *   RESP_MAX_ARGS    arguments per command: more is a protocol error
 *                    [2^31 - 1]
 *   RESP_ARG_MAX     the longest argument kept: a longer one (up to
 *                    RESP_BULK_MAX) is skipped as it arrives, never
 *                    buffered, and reported (cmd->toobig) so the caller
 *                    answers -ERR and the connection goes on
 *   RESP_BULK_MAX    the longest bulk string at all: more is a protocol
 *                    error [proto-max-bulk-len, 512 MiB]
 *   RESP_INLINE_MAX  an inline (typed) line: more is a protocol error
 *                    [64 KiB]
 *
 * Key and value limits (MM_KEY_MAX, MM_VALUE_MAX) belong to the command
 * layer, which can answer them with an error and go on; RESP_ARG_MAX is
 * MM_VALUE_MAX, the longest argument any command can use.
 */
#ifndef MM_RESP_H
#define MM_RESP_H

#include <stddef.h>
#include <stdint.h>
#include "err.h"

#define RESP_MAX_ARGS (1024 * 1024)
#define RESP_ARG_MAX MM_VALUE_MAX
#define RESP_BULK_MAX (512LL * 1024 * 1024)
#define RESP_INLINE_MAX (64 * 1024)

/*
 * One command: argc arguments, argv[0] the command name. argv[i] points
 * into the buffer given to resp_parse(): borrowed, valid until that buffer
 * changes. Arguments are not NUL-terminated; argl[i] is the length.
 *
 * Caller owns the struct: resp_cmd_init() before use, resp_cmd_free() to
 * give back its arrays (they grow with the longest command seen).
 */
typedef struct {
    int argc;
    const uint8_t **argv;
    size_t *argl;
    /* Set (with argc = 0) when the command has an argument longer than
     * RESP_ARG_MAX: its length, its position, and the command's name
     * (argv[0], cut to fit, "" if the name itself was too long). */
    long long toobig;
    int toobig_arg;
    char name[32];
    /* Private: a multibulk command partly parsed, or being skipped. */
    int cap;        /* room in argv, argl and off */
    size_t *off;    /* argument offsets from the command's start */
    long long want; /* arguments declared; 0 between commands */
    size_t at;      /* bytes of the command parsed so far */
    long long skip; /* bytes of an oversized argument left to drop */
    int dropping;   /* the rest of that command is being dropped */
} resp_cmd_t;

void resp_cmd_init(resp_cmd_t *cmd);
void resp_cmd_free(resp_cmd_t *cmd);

/* Forgets a partly parsed command: the next resp_parse() starts afresh. */
void resp_cmd_reset(resp_cmd_t *cmd);

/*
 * Parses at the start of buf[0..len). If the previous call on cmd returned
 * 0, buf must start with the same bytes it was given then (more may
 * follow; the buffer may have moved); otherwise call resp_cmd_reset()
 * first. Returns:
 *   > 0  the number of bytes to drop from the front of the buffer, and
 *        - argc > 0: cmd holds a command;
 *        - argc = 0, toobig > 0: a command with an oversized argument
 *          began; answer it with an error now (the rest of it is dropped
 *          by the following calls, which return argc = 0, toobig = 0);
 *        - argc = 0, toobig = 0: nothing to run (an empty inline line or
 *          array, skipped like Redis, or bytes of an oversized argument).
 *   0    the bytes so far are the start of a command: read more.
 *   MM_ERR_PROTO  the bytes are not RESP; err holds Redis's wording
 *        ("Protocol error: ..."), without the leading "-ERR ".
 *   -ENOMEM  no memory for the argument arrays.
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
