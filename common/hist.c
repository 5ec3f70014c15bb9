/*
 * hist.c - log-linear histogram buckets (see hist.h).
 *
 * Bucket index for v: values below 2^SUB_BITS get one bucket each; above
 * that, the position of the top bit picks the power of two and the next
 * SUB_BITS bits pick the sub-bucket.
 */
#include <string.h>
#include "hist.h"

static unsigned s_index(uint64_t v)
{
    if (v < (1u << HIST_SUB_BITS))
        return (unsigned)v;
    unsigned top = 63u - (unsigned)__builtin_clzll(v);
    unsigned shift = top - HIST_SUB_BITS;
    unsigned sub = (unsigned)(v >> shift) & ((1u << HIST_SUB_BITS) - 1);
    return ((shift + 1) << HIST_SUB_BITS) + sub;
}

/* The largest value that maps to bucket i. */
static uint64_t s_upper(unsigned i)
{
    if (i < (1u << HIST_SUB_BITS))
        return i;
    unsigned shift = (i >> HIST_SUB_BITS) - 1;
    uint64_t sub = i & ((1u << HIST_SUB_BITS) - 1);
    uint64_t base = ((uint64_t)1 << HIST_SUB_BITS | sub) << shift;
    return base + (((uint64_t)1 << shift) - 1);
}

void hist_reset(hist_t *h)
{
    memset(h, 0, sizeof *h);
}

void hist_add(hist_t *h, uint64_t value)
{
    h->counts[s_index(value)]++;
    h->count++;
    if (value > h->max)
        h->max = value;
}

uint64_t hist_quantile(const hist_t *h, double q)
{
    if (h->count == 0)
        return 0;
    if (q < 0)
        q = 0;
    if (q > 1)
        q = 1;
    /* The rank of the sample we want, 1-based: ceil(q * count), at least 1. */
    uint64_t rank = (uint64_t)(q * (double)h->count);
    if ((double)rank < q * (double)h->count)
        rank++;
    if (rank == 0)
        rank = 1;
    uint64_t seen = 0;
    for (unsigned i = 0; i < HIST_BUCKETS; i++) {
        seen += h->counts[i];
        if (seen >= rank) {
            uint64_t up = s_upper(i);
            return up < h->max ? up : h->max;
        }
    }
    return h->max;
}

void hist_merge(hist_t *dst, const hist_t *src)
{
    for (unsigned i = 0; i < HIST_BUCKETS; i++)
        dst->counts[i] += src->counts[i];
    dst->count += src->count;
    if (src->max > dst->max)
        dst->max = src->max;
}
