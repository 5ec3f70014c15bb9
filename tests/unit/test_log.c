/*
 * test_log.c - log lines: the key=value shape and the limit on lines that
 * input can trigger.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "log.h"

/* Runs fn with stderr sent to a temporary file; returns what it wrote
 * (caller frees). */
static char *s_capture(void (*fn)(void))
{
    char path[] = "/tmp/mmlab-log-XXXXXX";
    int fd = mkstemp(path), saved = dup(2);
    assert_true(fd >= 0 && saved >= 0);
    fflush(stderr);
    dup2(fd, 2);
    fn();
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    off_t len = lseek(fd, 0, SEEK_END);
    char *text = calloc(1, (size_t)len + 1);
    assert_int_equal(pread(fd, text, (size_t)len, 0), len);
    close(fd);
    unlink(path);
    return text;
}

static int s_count(const char *text, const char *what)
{
    int n = 0;
    for (const char *p = text; (p = strstr(p, what)) != NULL; p++)
        n++;
    return n;
}

static log_limit_t s_limit;

static void s_flood_of_bad_frames(void)
{
    for (int i = 0; i < 1000; i++)
        log_limited(&s_limit, LOG_WARN, "bad_frame", "n=%d", i);
    log_limits_flush(); /* too soon: the second is not over */
    usleep(1100 * 1000);
    log_limits_flush();
    log_limited(&s_limit, LOG_WARN, "bad_frame", "n=%d", 1000);
}

static void
a_limited_kind_logs_a_few_lines_a_second_and_counts_the_rest(void **state)
{
    (void)state;
    log_init("t1", LOG_INFO);
    char *text = s_capture(s_flood_of_bad_frames);
    /* Five lines, then one with the count once the second is over, then
     * the next line as usual. */
    assert_int_equal(s_count(text, "event=bad_frame"), LOG_LIMIT_LINES + 2);
    assert_non_null(strstr(text, "node=t1 level=warn event=bad_frame n=4\n"));
    assert_null(strstr(text, "n=5\n"));
    assert_non_null(strstr(text, "event=bad_frame suppressed=995\n"));
    assert_non_null(strstr(text, "event=bad_frame n=1000\n"));
    free(text);
}

static void s_one_line(void)
{
    log_event(LOG_INFO, "conflict", "key=%s", "x");
    log_event(LOG_DEBUG, "hidden", NULL);
}

static void a_line_has_time_node_level_and_event(void **state)
{
    (void)state;
    log_init("m1", LOG_INFO);
    char *text = s_capture(s_one_line);
    assert_non_null(
        strstr(text, "Z node=m1 level=info event=conflict key=x\n"));
    assert_null(strstr(text, "hidden"));
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(
            a_limited_kind_logs_a_few_lines_a_second_and_counts_the_rest),
        cmocka_unit_test(a_line_has_time_node_level_and_event),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
