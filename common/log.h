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

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

typedef enum { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR } log_level_t;

/* Sets the node name printed on every line (copied) and the lowest level
 * printed. Call once at start-up. */
void log_init(const char *node, log_level_t min_level);

/* Prints one line: time, node, level, event, then the formatted rest. */
void log_event(log_level_t level, const char *event, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * A limit on one kind of line that input can trigger (a bad frame, a
 * refused key): at most LOG_LIMIT_LINES such lines a second. The rest are
 * counted, and the count is logged as suppressed=N on the next line of
 * that kind, or by log_limits_flush() once the second is over. Without it
 * a peer that sends 20,000 bad frames writes 20,000 lines. Declare one
 * per kind, zero-initialised and static; it is not thread-safe, so each
 * belongs to one thread.
 */
#define LOG_LIMIT_LINES 5
typedef struct log_limit {
    const char *event; /* set at first use */
    log_level_t level;
    int64_t window_ms;
    int lines;
    uint64_t suppressed;
    struct log_limit *next; /* the flush list */
    int listed;
    pthread_t owner; /* the thread that logs through it */
} log_limit_t;

/* log_event(), unless l's lines for this second are used up. */
void log_limited(log_limit_t *l, log_level_t level, const char *event,
                 const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Logs the count of every limited kind of the calling thread whose second
 * is over and that suppressed lines. Call on a timer (a node's loop does,
 * every turn; so does the ZAP handler's thread). */
void log_limits_flush(void);

/*
 * Writes a printable, log-safe copy of bytes into out (cap bytes, always
 * NUL-terminated): printable ASCII except space, '=', '"' and '\' is kept,
 * everything else becomes \xNN; long input is cut with "...". Returns out.
 */
char *log_escape(const void *bytes, size_t len, char *out, size_t cap);

#endif
