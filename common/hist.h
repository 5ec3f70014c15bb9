/*
 * hist.h - a latency histogram with bounded relative error, for lag and
 * latency percentiles.
 *
 * Values (any unit; the project uses microseconds or nanoseconds) fall into
 * log-linear buckets: each power of two is split into 32 equal sub-buckets,
 * so a percentile read back is within about 3% of the true value, in
 * constant memory and O(1) per sample, whatever the range. HdrHistogram
 * (Gil Tene) popularised the same layout.
 */
#ifndef MM_HIST_H
#define MM_HIST_H

#include <stdint.h>

#define HIST_SUB_BITS 5
#define HIST_BUCKETS (64 << HIST_SUB_BITS)

typedef struct {
    uint64_t count;
    uint64_t max;
    uint64_t counts[HIST_BUCKETS];
} hist_t;

/* Empties h. */
void hist_reset(hist_t *h);
/* Adds one sample. */
void hist_add(hist_t *h, uint64_t value);
/* The value at quantile q (0..1): the upper edge of the bucket holding it,
 * capped at the largest sample. 0 for an empty histogram. */
uint64_t hist_quantile(const hist_t *h, double q);
/* Adds every sample of src to dst. */
void hist_merge(hist_t *dst, const hist_t *src);

#endif
