/*
 * log.c - one line per event, shaped for scripts:
 *
 *     2026-11-27T08:01:02.345Z node=m1 level=info event=conflict key=x ...
 *
 * Each line is assembled in a local buffer and handed to stderr with one
 * fwrite(), so lines from different threads never interleave mid-line and a
 * busy node pays one write per line. The time is UTC with milliseconds,
 * which sorts as text and lines up logs from several nodes on one machine.
 *
 * Values that come from clients (keys, values, names) must go through
 * log_escape() first: a space, '=' or newline in a key would otherwise
 * break the key=value shape the experiment scripts parse.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "log.h"

/* Long enough for an escaped maximum-size key (4 * 1024) and more. */
#define LOG_LINE_MAX 8192
#define LOG_NODE_MAX 64

static char s_node[LOG_NODE_MAX] = "-";
static log_level_t s_min_level = LOG_INFO;

static const char *s_level_name(log_level_t level)
{
    switch (level) {
    case LOG_DEBUG:
        return "debug";
    case LOG_INFO:
        return "info";
    case LOG_WARN:
        return "warn";
    case LOG_ERROR:
        return "error";
    }
    return "?";
}

/* Writes the current time as 2026-11-27T08:01:02.345Z; returns its length. */
static size_t s_format_time(char *out, size_t cap)
{
    struct timespec ts;
    struct tm tm;
    size_t n;

    if (clock_gettime(CLOCK_REALTIME, &ts) != 0 ||
        gmtime_r(&ts.tv_sec, &tm) == NULL)
        return (size_t)snprintf(out, cap, "1970-01-01T00:00:00.000Z");
    n = strftime(out, cap, "%Y-%m-%dT%H:%M:%S", &tm);
    n += (size_t)snprintf(out + n, cap - n, ".%03ldZ",
                          (long)(ts.tv_nsec / 1000000));
    return n;
}

void log_init(const char *node, log_level_t min_level)
{
    snprintf(s_node, sizeof(s_node), "%s", node ? node : "-");
    s_min_level = min_level;
}

void log_event(log_level_t level, const char *event, const char *fmt, ...)
{
    char line[LOG_LINE_MAX];
    size_t n, room;
    va_list ap;
    int r;

    if (level < s_min_level)
        return;

    /*
     * Format into all but the last byte, so there is always room to put the
     * newline where the formatting functions put their terminating NUL.
     */
    room = sizeof(line) - 1;
    n = s_format_time(line, room);
    r = snprintf(line + n, room - n, " node=%s level=%s event=%s", s_node,
                 s_level_name(level), event);
    n = r < 0 ? n : n + (size_t)r;
    if (n < room && fmt != NULL) {
        line[n++] = ' ';
        va_start(ap, fmt);
        r = vsnprintf(line + n, room - n, fmt, ap);
        va_end(ap);
        /* An empty rest leaves no trailing space for parsers to trip on. */
        n = r <= 0 ? n - 1 : n + (size_t)r;
    }
    if (n >= room) {
        /*
         * The line did not fit. Say so at the end of it rather than drop
         * it: a cut line is still worth reading.
         */
        n = room;
        memcpy(line + n - 3, "...", 3);
    }
    line[n++] = '\n';
    fwrite(line, 1, n, stderr);
    if (level >= LOG_WARN)
        fflush(stderr);
}

/* Whether byte c is copied as is: printable and harmless in key=value. */
static int s_plain(unsigned char c)
{
    return c > ' ' && c < 0x7f && c != '=' && c != '"' && c != '\\';
}

char *log_escape(const void *bytes, size_t len, char *out, size_t cap)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = bytes;
    size_t need = 0, room, pos = 0, i;

    if (cap == 0)
        return out;

    for (i = 0; i < len; i++)
        need += s_plain(p[i]) ? 1 : 4;
    /*
     * If everything fits, copy everything; otherwise stop early enough to
     * leave room for "...", so a reader knows the text was cut.
     */
    room = need < cap ? cap - 1 : (cap > 4 ? cap - 4 : 0);

    for (i = 0; i < len; i++) {
        if (s_plain(p[i])) {
            if (pos + 1 > room)
                break;
            out[pos++] = (char)p[i];
        } else {
            if (pos + 4 > room)
                break;
            out[pos++] = '\\';
            out[pos++] = 'x';
            out[pos++] = hex[p[i] >> 4];
            out[pos++] = hex[p[i] & 0xf];
        }
    }
    if (i < len) {
        size_t dots;

        /* The input was cut: mark it, as far as the buffer allows. */
        for (dots = 0; dots < 3 && pos < cap - 1; dots++)
            out[pos++] = '.';
    }
    out[pos] = '\0';
    return out;
}
