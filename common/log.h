/*
 * log.h - one line per event, in a shape experiments can parse:
 *
 *     2026-11-27T08:01:02.345Z node=m1 level=info event=conflict key=x ...
 *
 * The caller passes the event name and the rest of the line as key=value
 * pairs. Log once, where the decision is made. Lines go to stderr, which the
 * cluster scripts redirect to the node's log file.
 */
#ifndef MM_LOG_H
#define MM_LOG_H

#include <stddef.h>

typedef enum { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR } log_level_t;

/* Sets the node name printed on every line (copied) and the lowest level
 * printed. Call once at start-up. */
void log_init(const char *node, log_level_t min_level);

/* Prints one line: time, node, level, event, then the formatted rest. */
void log_event(log_level_t level, const char *event, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * Writes a printable, log-safe copy of bytes into out (cap bytes, always
 * NUL-terminated): printable ASCII except space, '=', '"' and '\' is kept,
 * everything else becomes \xNN; long input is cut with "...". Returns out.
 */
char *log_escape(const void *bytes, size_t len, char *out, size_t cap);

#endif
