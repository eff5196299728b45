/* The TCP sender's SACK scoreboard and RFC 6675's IsLost(); the contract is in
 * include/tapir/priv/tcp_sack.h. */
#include "tapir/priv/tcp_sack.h"

#include <string.h>

/* Sequence comparisons modulo 2^32 (RFC 9293 §3.4); the board holds no more than a
 * window, so they are exact. */
static bool lt(uint32_t a, uint32_t b)
{
    return (int32_t)(a - b) < 0;
}
static bool le(uint32_t a, uint32_t b)
{
    return (int32_t)(a - b) <= 0;
}

void tapir__sack_board_init(struct tapir__sack_board *b)
{
    memset(b, 0, sizeof *b);
}

static void remove_at(struct tapir__sack_board *b, unsigned i)
{
    b->bytes -= b->r[i].end - b->r[i].start;
    memmove(&b->r[i], &b->r[i + 1], (b->count - i - 1) * sizeof b->r[0]);
    b->count--;
}

void tapir__sack_board_advance(struct tapir__sack_board *b, uint32_t una)
{
    unsigned gone = 0;
    while (gone < b->count && le(b->r[gone].end, una))
        gone++;
    for (unsigned i = 0; i < gone; i++)
        b->bytes -= b->r[i].end - b->r[i].start;
    if (gone > 0) {
        memmove(&b->r[0], &b->r[gone], (b->count - gone) * sizeof b->r[0]);
        b->count -= gone;
    }
    if (b->count > 0 && lt(b->r[0].start, una)) {
        b->bytes -= una - b->r[0].start;
        b->r[0].start = una;
    }
}

/* Merge [start, end) (start < end, within the window) into the board. Returns the bytes
 * it added; sets *overflow when a range had to be dropped. */
static uint32_t add_range(struct tapir__sack_board *b, uint32_t start, uint32_t end, bool *overflow)
{
    uint32_t before = b->bytes;
    /* The first range that ends at or after `start` (touching counts: they merge). */
    unsigned i = 0;
    while (i < b->count && lt(b->r[i].end, start))
        i++;
    /* Ranges from i on that start at or before `end` merge with the new one. */
    unsigned j = i;
    while (j < b->count && le(b->r[j].start, end))
        j++;
    if (j > i) {
        uint32_t s = lt(b->r[i].start, start) ? b->r[i].start : start;
        uint32_t e = lt(b->r[j - 1].end, end) ? end : b->r[j - 1].end;
        for (unsigned k = i; k < j; k++)
            b->bytes -= b->r[k].end - b->r[k].start;
        b->r[i].start = s;
        b->r[i].end = e;
        b->bytes += e - s;
        unsigned extra = j - i - 1;
        if (extra > 0) {
            memmove(&b->r[i + 1], &b->r[j], (b->count - j) * sizeof b->r[0]);
            b->count -= extra;
        }
        return b->bytes - before;
    }
    /* A new range at position i. */
    if (b->count == TAPIR_TCP_SACK_RANGES) {
        *overflow = true;
        if (i == b->count)
            return 0; /* the highest of all: dropped */
        remove_at(b, b->count - 1);
    }
    memmove(&b->r[i + 1], &b->r[i], (b->count - i) * sizeof b->r[0]);
    b->r[i].start = start;
    b->r[i].end = end;
    b->count++;
    b->bytes += end - start;
    return end - start; /* all new: it touched no range */
}

void tapir__sack_board_update(struct tapir__sack_board *b,
                              const struct tapir_tcp_sack_block *blocks, unsigned n, uint32_t ack,
                              uint32_t una, uint32_t snd_max, struct tapir__sack_update *res)
{
    struct tapir__sack_update local;
    if (!res)
        res = &local;
    memset(res, 0, sizeof *res);
    if (n > TAPIR_TCP_MAX_SACK)
        n = TAPIR_TCP_MAX_SACK;
    for (unsigned k = 0; k < n; k++) {
        uint32_t left = blocks[k].left, right = blocks[k].right;
        if (!lt(left, right)) {
            res->invalid++;
            continue;
        }
        /* RFC 2883 §4: a first block below the cumulative ACK, or inside the second block,
         * reports a duplicate segment. */
        if (k == 0 &&
            (le(right, ack) || (n > 1 && lt(blocks[1].left, blocks[1].right) &&
                                le(blocks[1].left, left) && le(right, blocks[1].right)))) {
            res->dsack = true;
            res->dsack_range.start = left;
            res->dsack_range.end = right;
            continue;
        }
        if (lt(snd_max, right)) {
            res->invalid++; /* data never sent */
            continue;
        }
        if (le(right, una))
            continue; /* old news: already cumulatively acknowledged */
        if (lt(left, una))
            left = una;
        res->accepted++;
        res->newly_sacked += add_range(b, left, right, &res->overflow);
    }
}

bool tapir__sack_board_covers(const struct tapir__sack_board *b, uint32_t start, uint32_t end)
{
    if (!lt(start, end))
        return false;
    for (unsigned i = 0; i < b->count; i++) {
        if (lt(start, b->r[i].start))
            return false; /* sorted: no later range holds `start` */
        if (lt(start, b->r[i].end))
            return le(end, b->r[i].end);
    }
    return false;
}

uint32_t tapir__sack_board_bytes_above(const struct tapir__sack_board *b, uint32_t seq)
{
    uint32_t n = 0;
    for (unsigned i = b->count; i-- > 0;) {
        if (le(b->r[i].end, seq))
            break;
        n += le(seq, b->r[i].start) ? b->r[i].end - b->r[i].start : b->r[i].end - seq;
    }
    return n;
}

unsigned tapir__sack_board_ranges_above(const struct tapir__sack_board *b, uint32_t seq)
{
    unsigned n = 0;
    for (unsigned i = b->count; i-- > 0 && le(seq, b->r[i].start);)
        n++;
    return n;
}

bool tapir__sack_board_highest(const struct tapir__sack_board *b, uint32_t *end)
{
    if (b->count == 0)
        return false;
    *end = b->r[b->count - 1].end;
    return true;
}

bool tapir__sack_is_lost(const struct tapir__sack_board *b, uint32_t seq, uint32_t smss)
{
    if (tapir__sack_board_ranges_above(b, seq + 1) >= TAPIR__SACK_DUPTHRESH)
        return true;
    return tapir__sack_board_bytes_above(b, seq + 1) > (TAPIR__SACK_DUPTHRESH - 1) * smss;
}
