/* The out-of-order segment assembler (see include/tapir/priv/assembler.h).
 *
 * A sorted array of disjoint, non-adjacent ranges; with at most 33 entries a linear scan
 * and memmove are cheaper than anything cleverer. */
#include <string.h>

#include "tapir/error.h"
#include "tapir/priv/assembler.h"

#define MAX_RANGES TAPIR_ASSEMBLER_MAX_RANGES

void tapir__assembler_init(struct tapir__assembler *a)
{
    memset(a, 0, sizeof *a);
}

/* Ranges that start beyond offset 0: those the bound counts. */
static unsigned beyond_front(const struct tapir__assembler *a)
{
    return a->count - (a->count > 0 && a->ranges[0].start == 0);
}

/* Stamps only order the ranges, so when the clock would wrap (after 2^32 segments) they
 * are renumbered 1..count in the same order and the clock goes on from count. */
static uint32_t next_stamp(struct tapir__assembler *a)
{
    if (a->clock == UINT32_MAX) {
        uint32_t ranks[MAX_RANGES + 1];
        for (unsigned i = 0; i < a->count; i++) {
            ranks[i] = 1;
            for (unsigned k = 0; k < a->count; k++)
                ranks[i] += a->stamps[k] < a->stamps[i];
        }
        memcpy(a->stamps, ranks, a->count * sizeof ranks[0]);
        a->clock = a->count;
    }
    return ++a->clock;
}

/* Remove entries [from, to) of both arrays. */
static void remove_entries(struct tapir__assembler *a, unsigned from, unsigned to)
{
    memmove(&a->ranges[from], &a->ranges[to], (a->count - to) * sizeof a->ranges[0]);
    memmove(&a->stamps[from], &a->stamps[to], (a->count - to) * sizeof a->stamps[0]);
    a->count -= to - from;
}

int tapir__assembler_add(struct tapir__assembler *a, uint32_t offset, uint32_t len)
{
    if (len > UINT32_MAX - offset)
        return TAPIR_EINVAL;
    if (len == 0)
        return 0;
    uint32_t start = offset, end = offset + len;
    /* ranges[i .. j) are those the new one overlaps or touches: the first whose end reaches
     * its start, up to the first that starts after its end. */
    unsigned i = 0;
    while (i < a->count && a->ranges[i].end < start)
        i++;
    unsigned j = i;
    while (j < a->count && a->ranges[j].start <= end)
        j++;
    if (i == j) {
        /* A new range. One starting at 0 always fits: none starts at 0 yet (it would
         * touch this one), so at most MAX_RANGES are in use. */
        if (start > 0 && beyond_front(a) >= MAX_RANGES)
            return TAPIR_ENOBUFS;
        uint32_t stamp = next_stamp(a);
        memmove(&a->ranges[i + 1], &a->ranges[i], (a->count - i) * sizeof a->ranges[0]);
        memmove(&a->stamps[i + 1], &a->stamps[i], (a->count - i) * sizeof a->stamps[0]);
        a->count++;
        a->ranges[i] = (struct tapir__assembler_range){start, end};
        a->stamps[i] = stamp;
        return 0;
    }
    uint32_t stamp = next_stamp(a);
    if (a->ranges[i].start < start)
        start = a->ranges[i].start;
    if (a->ranges[j - 1].end > end)
        end = a->ranges[j - 1].end;
    a->ranges[i] = (struct tapir__assembler_range){start, end};
    a->stamps[i] = stamp;
    remove_entries(a, i + 1, j);
    return 0;
}

uint32_t tapir__assembler_front(const struct tapir__assembler *a)
{
    return a->count > 0 && a->ranges[0].start == 0 ? a->ranges[0].end : 0;
}

void tapir__assembler_advance(struct tapir__assembler *a, uint32_t n)
{
    if (n == 0)
        return;
    unsigned gone = 0;
    while (gone < a->count && a->ranges[gone].end <= n)
        gone++;
    remove_entries(a, 0, gone);
    for (unsigned i = 0; i < a->count; i++) {
        struct tapir__assembler_range *r = &a->ranges[i];
        r->start = r->start > n ? r->start - n : 0;
        r->end -= n;
    }
}

unsigned tapir__assembler_count(const struct tapir__assembler *a)
{
    return a->count;
}

bool tapir__assembler_range(const struct tapir__assembler *a, unsigned i,
                            struct tapir__assembler_range *out)
{
    if (i >= a->count)
        return false;
    *out = a->ranges[i];
    return true;
}

unsigned tapir__assembler_recent(const struct tapir__assembler *a,
                                 struct tapir__assembler_range *out, unsigned max)
{
    /* Selection by decreasing stamp (stamps are unique): max is the SACK block count, 3
     * or 4, so count * max comparisons. */
    unsigned written = 0;
    uint32_t below = 0; /* the previous pick's stamp; ignored for the first pick */
    while (written < max && written < a->count) {
        unsigned best = a->count;
        for (unsigned i = 0; i < a->count; i++) {
            if (written > 0 && a->stamps[i] >= below)
                continue;
            if (best == a->count || a->stamps[i] > a->stamps[best])
                best = i;
        }
        out[written++] = a->ranges[best];
        below = a->stamps[best];
    }
    return written;
}
