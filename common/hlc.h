/*
 * hlc.h - the node clock: a hybrid logical clock (HLC) with a wall mode.
 *
 * A stamp is one 64-bit number: physical milliseconds in the high 48 bits and
 * a logical counter in the low 16 bits, so comparing two stamps as integers
 * compares (milliseconds, counter) pairs.
 *
 *     63                              16 15               0
 *     +---------------------------------+-----------------+
 *     |  physical time, ms since epoch  | logical counter |
 *     +---------------------------------+-----------------+
 *
 * Modes (one per cluster):
 *
 *   HLC_MODE_HLC  (default) Kulkarni et al., "Logical Physical Clocks", 2014.
 *                 A node that has seen stamp s (hlc_observe) stamps every
 *                 later write above s, even if its own clock is behind. So a
 *                 write that causally follows another always wins LWW.
 *   HLC_MODE_WALL physical time only: hlc_observe does nothing. A node whose
 *                 clock is behind stamps its writes in the past, and a write
 *                 made later in real time can lose to an earlier one. This
 *                 mode exists to show that.
 *
 * In both modes one node's stamps only go up, even if its wall clock steps
 * back, so two writes of one node never tie. The offset lets experiments skew
 * a node's clock. The functions are pure: wall time comes in as an argument.
 */
#ifndef MM_HLC_H
#define MM_HLC_H

#include <stdint.h>

typedef uint64_t mm_stamp_t;

#define HLC_LOGICAL_BITS 16
#define HLC_LOGICAL_MAX 0xffffu

static inline uint64_t hlc_ms(mm_stamp_t s)
{
    return s >> HLC_LOGICAL_BITS;
}

static inline uint32_t hlc_logical(mm_stamp_t s)
{
    return (uint32_t)(s & HLC_LOGICAL_MAX);
}

static inline mm_stamp_t hlc_make(uint64_t ms, uint32_t logical)
{
    return (ms << HLC_LOGICAL_BITS) | (logical & HLC_LOGICAL_MAX);
}

typedef enum { HLC_MODE_HLC = 0, HLC_MODE_WALL = 1 } hlc_mode_t;

typedef struct {
    hlc_mode_t mode;
    mm_stamp_t last;   /* the highest stamp this clock has issued or seen */
    int64_t offset_ms; /* added to the wall clock: injected skew */
} hlc_t;

/* Starts a clock in the given mode, offset 0, having seen nothing. */
void hlc_init(hlc_t *h, hlc_mode_t mode);

/* Sets the injected skew, in milliseconds (may be negative). */
void hlc_set_offset(hlc_t *h, int64_t offset_ms);

/*
 * Returns a stamp for a local event at wall time wall_ms (before the offset
 * is applied). The stamp is above every stamp this clock issued before, and
 * in HLC mode above every stamp it observed. When the 16-bit counter would
 * overflow, the clock moves one millisecond ahead of the wall instead.
 */
mm_stamp_t hlc_now(hlc_t *h, uint64_t wall_ms);

/*
 * Records that a stamp from another node was received, so that in HLC mode
 * the next hlc_now() is above it. In wall mode this does nothing.
 */
void hlc_observe(hlc_t *h, mm_stamp_t remote);

/* Reads CLOCK_REALTIME in milliseconds: the one impure call here. */
uint64_t hlc_wall_ms(void);

/* Parses "hlc" or "wall". Returns 0, or MM_ERR_CONFIG. */
int hlc_mode_parse(const char *s, hlc_mode_t *out);
const char *hlc_mode_name(hlc_mode_t m);

#endif
