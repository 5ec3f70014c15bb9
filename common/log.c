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
 * break the key=value shape the experiment scripts parse. Lines that
 * clients can trigger at will go through log_limited(), so that nobody
 * can fill the disk by sending garbage.
 */
#include <pthread.h>
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

/* Formats and writes one line; suffix (may be "") goes at its end. */
static void s_vlog(log_level_t level, const char *event, const char *suffix,
                   const char *fmt, va_list ap)
{
    char line[LOG_LINE_MAX];
    size_t n, room;
    int r;

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
        r = vsnprintf(line + n, room - n, fmt, ap);
        /* An empty rest leaves no trailing space for parsers to trip on. */
        n = r <= 0 ? n - 1 : n + (size_t)r;
    }
    if (n < room && *suffix) {
        r = snprintf(line + n, room - n, " %s", suffix);
        n = r < 0 ? n : n + (size_t)r;
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

void log_event(log_level_t level, const char *event, const char *fmt, ...)
{
    va_list ap;

    if (level < s_min_level)
        return;
    va_start(ap, fmt);
    s_vlog(level, event, "", fmt, ap);
    va_end(ap);
}

/* ---- Rate-limited lines ------------------------------------------------ */

/* The limits that have ever logged, for log_limits_flush(). Each limit
 * belongs to one thread, but the list is shared: a mutex guards it. */
static log_limit_t *s_limits;
static pthread_mutex_t s_limits_lock = PTHREAD_MUTEX_INITIALIZER;

static int64_t s_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void log_limited(log_limit_t *l, log_level_t level, const char *event,
                 const char *fmt, ...)
{
    char suffix[48] = "";
    int64_t now = s_mono_ms();
    va_list ap;

    if (level < s_min_level)
        return;
    if (!l->listed) {
        pthread_mutex_lock(&s_limits_lock);
        l->next = s_limits;
        s_limits = l;
        l->listed = 1;
        l->owner = pthread_self();
        pthread_mutex_unlock(&s_limits_lock);
    }
    l->event = event;
    l->level = level;
    if (now - l->window_ms >= 1000) {
        l->window_ms = now;
        l->lines = 0;
    }
    if (l->lines >= LOG_LIMIT_LINES) {
        l->suppressed++;
        return;
    }
    l->lines++;
    if (l->suppressed > 0)
        snprintf(suffix, sizeof suffix, "suppressed=%llu",
                 (unsigned long long)l->suppressed);
    l->suppressed = 0;
    va_start(ap, fmt);
    s_vlog(level, event, suffix, fmt, ap);
    va_end(ap);
}

void log_limits_flush(void)
{
    int64_t now = s_mono_ms();

    pthread_mutex_lock(&s_limits_lock);
    for (log_limit_t *l = s_limits; l != NULL; l = l->next) {
        if (!pthread_equal(l->owner, pthread_self()) || l->suppressed == 0 ||
            now - l->window_ms < 1000)
            continue;
        log_event(l->level, l->event, "suppressed=%llu",
                  (unsigned long long)l->suppressed);
        l->suppressed = 0;
        l->window_ms = now;
        l->lines = 1;
    }
    pthread_mutex_unlock(&s_limits_lock);
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
