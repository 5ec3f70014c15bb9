/*
 * hlc.c - the node clock: a hybrid logical clock, or plain wall time.
 *
 * A hybrid logical clock (Kulkarni et al., "Logical Physical Clocks", 2014)
 * keeps the highest stamp it has issued or seen in `last`. A new stamp is
 *
 *   1. physical part: the larger of last's milliseconds and the (skewed)
 *      wall clock, so the clock never runs backwards and follows real time
 *      whenever real time is ahead;
 *   2. logical part: last's counter + 1 if the physical part did not move
 *      (several events in one millisecond, or a wall clock that is behind
 *      what we have seen), else 0;
 *   3. if the 16-bit counter is full, the clock borrows the next
 *      millisecond instead, so stamps still go up.
 *
 * Receiving a stamp (hlc_observe) raises `last` to it, so the next local
 * stamp is above anything this node has seen: a write that causally follows
 * another is stamped above it and therefore wins LWW. That is the whole
 * point of the clock, and the only difference between the two modes: in
 * wall mode hlc_observe does nothing, so a node whose clock is behind stamps
 * its writes in the past. Steps 1-3 still apply in wall mode, so a node's
 * own writes never tie or go backwards even if its wall clock steps back.
 *
 * Everything except hlc_wall_ms() is pure arithmetic on the struct, so tests
 * can play any clock scenario by passing wall times in.
 */
#include <string.h>
#include <time.h>
#include "err.h"
#include "hlc.h"

/* The largest millisecond value that fits the 48-bit physical field. */
#define HLC_MS_MAX ((UINT64_C(1) << (64 - HLC_LOGICAL_BITS)) - 1)

/*
 * Applies the injected skew. A negative offset larger than the wall time
 * clamps to 0 rather than wrapping to a huge unsigned time, and a time past
 * the 48-bit field saturates; neither happens with real clocks.
 */
static uint64_t s_skewed_ms(const hlc_t *h, uint64_t wall_ms)
{
    uint64_t ms;

    if (h->offset_ms < 0) {
        /* Negate in unsigned arithmetic so INT64_MIN does not overflow. */
        uint64_t back = (uint64_t)0 - (uint64_t)h->offset_ms;
        ms = wall_ms > back ? wall_ms - back : 0;
    } else {
        uint64_t ahead = (uint64_t)h->offset_ms;
        if (ahead > HLC_MS_MAX || wall_ms > HLC_MS_MAX - ahead)
            ms = HLC_MS_MAX;
        else
            ms = wall_ms + ahead;
    }
    return ms > HLC_MS_MAX ? HLC_MS_MAX : ms;
}

void hlc_init(hlc_t *h, hlc_mode_t mode)
{
    memset(h, 0, sizeof(*h));
    h->mode = mode;
}

void hlc_set_offset(hlc_t *h, int64_t offset_ms)
{
    h->offset_ms = offset_ms;
}

mm_stamp_t hlc_now(hlc_t *h, uint64_t wall_ms)
{
    uint64_t wall = s_skewed_ms(h, wall_ms);
    uint64_t last_ms = hlc_ms(h->last);
    mm_stamp_t next;

    if (wall > last_ms) {
        /* Real time is ahead of everything we have seen: follow it. */
        next = hlc_make(wall, 0);
    } else if (hlc_logical(h->last) < HLC_LOGICAL_MAX) {
        /* Same millisecond as last (or our clock is behind): count. */
        next = h->last + 1;
    } else if (last_ms < HLC_MS_MAX) {
        /* 65536 events in one millisecond: borrow the next one. */
        next = hlc_make(last_ms + 1, 0);
    } else {
        /*
         * The stamp space is exhausted (the year 10889). There is no higher
         * stamp to give, so repeat the last one rather than wrap to 0.
         */
        next = h->last;
    }
    h->last = next;
    return next;
}

void hlc_observe(hlc_t *h, mm_stamp_t remote)
{
    /* Wall mode deliberately ignores what others have seen: see above. */
    if (h->mode == HLC_MODE_HLC && remote > h->last)
        h->last = remote;
}

uint64_t hlc_wall_ms(void)
{
    struct timespec ts;

    /* CLOCK_REALTIME cannot fail with a valid pointer; be safe anyway. */
    if (clock_gettime(CLOCK_REALTIME, &ts) != 0 || ts.tv_sec < 0)
        return 0;
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int hlc_mode_parse(const char *s, hlc_mode_t *out)
{
    if (strcmp(s, "hlc") == 0) {
        *out = HLC_MODE_HLC;
        return 0;
    }
    if (strcmp(s, "wall") == 0) {
        *out = HLC_MODE_WALL;
        return 0;
    }
    return MM_ERR_CONFIG;
}

const char *hlc_mode_name(hlc_mode_t m)
{
    switch (m) {
    case HLC_MODE_HLC:
        return "hlc";
    case HLC_MODE_WALL:
        return "wall";
    }
    return "?";
}
