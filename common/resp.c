/*
 * resp.c - RESP2 parsing and reply encoding (see resp.h).
 *
 * The parser follows redis's own networking.c: a command starting with '*'
 * is a multibulk array; anything else is an inline line split at spaces
 * and tabs. Every length is checked before it is used, and every malformed
 * input becomes MM_ERR_PROTO with Redis's message, so a hostile or broken
 * client can cost the server a connection but never a crash.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "resp.h"

/* "*1048576\r\n" or "$536870912\r\n" fits easily: a longer header is
 * garbage. */
#define RESP_HEADER_MAX 32

static long s_proto(resp_cmd_t *cmd, char *err, size_t errlen, const char *msg)
{
    resp_cmd_reset(cmd);
    if (err != NULL && errlen > 0)
        snprintf(err, errlen, "Protocol error: %s", msg);
    return MM_ERR_PROTO;
}

void resp_cmd_init(resp_cmd_t *cmd)
{
    memset(cmd, 0, sizeof *cmd);
}

void resp_cmd_free(resp_cmd_t *cmd)
{
    free(cmd->argv);
    free(cmd->argl);
    free(cmd->off);
    memset(cmd, 0, sizeof *cmd);
}

void resp_cmd_reset(resp_cmd_t *cmd)
{
    cmd->argc = 0;
    cmd->toobig = 0;
    cmd->want = 0;
    cmd->at = 0;
    cmd->skip = 0;
    cmd->dropping = 0;
}

/* Makes room for n arguments. The arrays grow by doubling, so a command
 * of a million arguments reallocates about twenty times, not a million. */
static int s_room(resp_cmd_t *cmd, int n)
{
    int cap = cmd->cap ? cmd->cap : 16;
    void *p;

    if (n <= cmd->cap)
        return 0;
    while (cap < n)
        cap *= 2;
    if ((p = realloc(cmd->argv, (size_t)cap * sizeof *cmd->argv)) == NULL)
        return -ENOMEM;
    cmd->argv = p;
    if ((p = realloc(cmd->argl, (size_t)cap * sizeof *cmd->argl)) == NULL)
        return -ENOMEM;
    cmd->argl = p;
    if ((p = realloc(cmd->off, (size_t)cap * sizeof *cmd->off)) == NULL)
        return -ENOMEM;
    cmd->off = p;
    cmd->cap = cap;
    return 0;
}

/*
 * Reads "<prefix><decimal>\r\n" at buf[at]. Returns 1 with *n and *next
 * set, 0 if the line is not complete yet, -1 if it is not a number line.
 */
static int s_number_line(const uint8_t *buf, size_t len, size_t at,
                         long long *n, size_t *next)
{
    size_t i = at + 1;
    long long v = 0;
    int neg = 0, digits = 0;

    if (i < len && buf[i] == '-') {
        neg = 1;
        i++;
    }
    for (; i < len && buf[i] >= '0' && buf[i] <= '9'; i++) {
        if (++digits > 18)
            return -1;
        v = v * 10 + (buf[i] - '0');
    }
    if (i - at > RESP_HEADER_MAX)
        return -1;
    if (i >= len)
        return 0;
    if (digits == 0 || buf[i] != '\r')
        return -1;
    if (i + 1 >= len)
        return 0;
    if (buf[i + 1] != '\n')
        return -1;
    *n = neg ? -v : v;
    *next = i + 2;
    return 1;
}

static long s_inline(const uint8_t *buf, size_t len, resp_cmd_t *cmd, char *err,
                     size_t errlen)
{
    const uint8_t *nl = memchr(buf, '\n', len);
    size_t end, i = 0;

    if (nl == NULL) {
        if (len > RESP_INLINE_MAX)
            return s_proto(cmd, err, errlen, "too big inline request");
        return 0;
    }
    end = (size_t)(nl - buf);
    if (end > RESP_INLINE_MAX)
        return s_proto(cmd, err, errlen, "too big inline request");
    if (end > 0 && buf[end - 1] == '\r')
        end--;
    cmd->argc = 0;
    while (i < end) {
        size_t start;

        while (i < end && (buf[i] == ' ' || buf[i] == '\t'))
            i++;
        if (i == end)
            break;
        start = i;
        while (i < end && buf[i] != ' ' && buf[i] != '\t')
            i++;
        if (s_room(cmd, cmd->argc + 1) < 0)
            return -ENOMEM;
        cmd->argv[cmd->argc] = buf + start;
        cmd->argl[cmd->argc] = i - start;
        cmd->argc++;
    }
    return (long)(nl - buf) + 1;
}

/*
 * Drops the rest of a command whose argument was too long: the bytes of
 * that argument, then each later argument's header and bytes, as they
 * arrive. Returns the bytes dropped (0: none yet, read more).
 */
static long s_drop(const uint8_t *buf, size_t len, resp_cmd_t *cmd, char *err,
                   size_t errlen)
{
    size_t at = 0, next;
    long long blen;

    cmd->argc = 0;
    for (;;) {
        if (cmd->skip > 0) {
            size_t n = len - at;
            if ((unsigned long long)cmd->skip < n)
                n = (size_t)cmd->skip;
            at += n;
            cmd->skip -= (long long)n;
            if (cmd->skip > 0)
                return (long)at;
        }
        if (cmd->want == 0) {
            cmd->dropping = 0;
            return (long)at;
        }
        if (at >= len)
            return (long)at;
        if (buf[at] != '$')
            return s_proto(cmd, err, errlen, "expected '$'");
        int r = s_number_line(buf, len, at, &blen, &next);
        if (r == 0)
            return (long)at;
        if (r < 0 || blen < 0 || blen > RESP_BULK_MAX)
            return s_proto(cmd, err, errlen, "invalid bulk length");
        cmd->skip = blen + 2;
        cmd->want--;
        at = next;
    }
}

/* An argument over RESP_ARG_MAX begins at buf[next]: report it, and drop
 * it and the rest of its command from here on. */
static long s_toobig(const uint8_t *buf, resp_cmd_t *cmd, long long blen,
                     size_t next)
{
    size_t n = 0;

    if (cmd->argc > 0) {
        n = cmd->argl[0] < sizeof cmd->name - 1 ? cmd->argl[0]
                                                : sizeof cmd->name - 1;
        memcpy(cmd->name, buf + cmd->off[0], n);
    }
    cmd->name[n] = '\0';
    cmd->toobig = blen;
    cmd->toobig_arg = cmd->argc;
    cmd->want -= cmd->argc + 1;
    cmd->skip = blen + 2;
    cmd->dropping = 1;
    cmd->argc = 0;
    cmd->at = 0;
    return (long)next;
}

long resp_parse(const uint8_t *buf, size_t len, resp_cmd_t *cmd, char *err,
                size_t errlen)
{
    long long n, blen;
    size_t at, next;
    int r;

    cmd->toobig = 0;
    if (cmd->dropping)
        return s_drop(buf, len, cmd, err, errlen);
    if (cmd->want == 0) {
        if (len == 0)
            return 0;
        if (buf[0] != '*')
            return s_inline(buf, len, cmd, err, errlen);
        r = s_number_line(buf, len, 0, &n, &at);
        if (r == 0)
            return 0;
        if (r < 0 || n > RESP_MAX_ARGS)
            return s_proto(cmd, err, errlen, "invalid multibulk length");
        cmd->argc = 0;
        if (n <= 0) /* "*0" and "*-1" are empty commands, skipped like Redis */
            return (long)at;
        cmd->want = n;
        cmd->at = at;
    }
    /* Resume after the last whole argument parsed (cmd->at). */
    at = cmd->at;
    while (cmd->argc < cmd->want) {
        if (at >= len)
            return 0;
        if (buf[at] != '$') {
            char msg[64];
            snprintf(msg, sizeof msg, "expected '$', got '%c'",
                     buf[at] >= 32 && buf[at] < 127 ? buf[at] : '?');
            return s_proto(cmd, err, errlen, msg);
        }
        r = s_number_line(buf, len, at, &blen, &next);
        if (r == 0)
            return 0;
        if (r < 0 || blen < 0 || blen > RESP_BULK_MAX)
            return s_proto(cmd, err, errlen, "invalid bulk length");
        if (blen > RESP_ARG_MAX)
            return s_toobig(buf, cmd, blen, next);
        if (len - next < (size_t)blen + 2)
            return 0;
        if (buf[next + blen] != '\r' || buf[next + blen + 1] != '\n')
            return s_proto(cmd, err, errlen,
                           "bulk string not followed by CRLF");
        if (s_room(cmd, cmd->argc + 1) < 0)
            return -ENOMEM;
        cmd->off[cmd->argc] = next;
        cmd->argl[cmd->argc] = (size_t)blen;
        cmd->argc++;
        at = next + (size_t)blen + 2;
        cmd->at = at;
    }
    for (int i = 0; i < cmd->argc; i++)
        cmd->argv[i] = buf + cmd->off[i];
    cmd->want = 0;
    cmd->at = 0;
    return (long)at;
}

void resp_buf_init(resp_buf_t *b)
{
    memset(b, 0, sizeof *b);
}

void resp_buf_free(resp_buf_t *b)
{
    free(b->data);
    memset(b, 0, sizeof *b);
}

int resp_buf_reserve(resp_buf_t *b, size_t n)
{
    size_t cap = b->cap ? b->cap : 256;
    uint8_t *p;

    if (b->cap - b->len >= n)
        return 0;
    while (cap - b->len < n)
        cap *= 2;
    p = realloc(b->data, cap);
    if (p == NULL)
        return -ENOMEM;
    b->data = p;
    b->cap = cap;
    return 0;
}

int resp_buf_append(resp_buf_t *b, const void *bytes, size_t n)
{
    if (n == 0)
        return 0;
    if (resp_buf_reserve(b, n) < 0)
        return -ENOMEM;
    memcpy(b->data + b->len, bytes, n);
    b->len += n;
    return 0;
}

void resp_buf_consume(resp_buf_t *b, size_t n)
{
    if (n >= b->len) {
        b->len = 0;
        return;
    }
    memmove(b->data, b->data + n, b->len - n);
    b->len -= n;
}

/* Writes prefix, s with CR/LF made spaces, CRLF. */
static int s_line(resp_buf_t *b, char prefix, const char *s)
{
    size_t n = strlen(s);

    if (resp_buf_reserve(b, n + 3) < 0)
        return -ENOMEM;
    b->data[b->len++] = (uint8_t)prefix;
    for (size_t i = 0; i < n; i++)
        b->data[b->len++] = s[i] == '\r' || s[i] == '\n' ? ' ' : (uint8_t)s[i];
    b->data[b->len++] = '\r';
    b->data[b->len++] = '\n';
    return 0;
}

int resp_simple(resp_buf_t *b, const char *s)
{
    return s_line(b, '+', s);
}

int resp_error(resp_buf_t *b, const char *s)
{
    return s_line(b, '-', s);
}

int resp_errorf(resp_buf_t *b, const char *fmt, ...)
{
    char msg[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return s_line(b, '-', msg);
}

static int s_number(resp_buf_t *b, char prefix, long long n)
{
    char tmp[32];
    int len = snprintf(tmp, sizeof tmp, "%c%lld\r\n", prefix, n);

    return resp_buf_append(b, tmp, (size_t)len);
}

int resp_integer(resp_buf_t *b, long long n)
{
    return s_number(b, ':', n);
}

int resp_array(resp_buf_t *b, long long n)
{
    return s_number(b, '*', n);
}

int resp_null(resp_buf_t *b)
{
    return resp_buf_append(b, "$-1\r\n", 5);
}

int resp_bulk(resp_buf_t *b, const void *bytes, size_t n)
{
    if (s_number(b, '$', (long long)n) < 0 || resp_buf_reserve(b, n + 2) < 0)
        return -ENOMEM;
    if (n > 0)
        memcpy(b->data + b->len, bytes, n);
    b->len += n;
    b->data[b->len++] = '\r';
    b->data[b->len++] = '\n';
    return 0;
}
