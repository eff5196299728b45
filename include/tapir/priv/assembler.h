/* tapir — private: the out-of-order segment assembler of a TCP receiver.
 *
 * Declared in a public header only because TCP sockets embed it (the caller allocates
 * them); applications never touch it.
 *
 * A pure record of which byte ranges have arrived, with no data bytes: the bytes live in
 * the receive ring (include/tapir/priv/ring.h) at the same offsets. Offsets count from the
 * next expected byte (RCV.NXT, the ring's receive point), so offset 0 is the first byte
 * missing from the in-order stream. Ranges are half-open [start, end), kept sorted,
 * disjoint and never adjacent: overlapping or touching ranges merge when added.
 *
 * Bounded: at most TAPIR_ASSEMBLER_MAX_RANGES ranges beyond offset 0 (include/tapir/opt.h)
 * in a fixed array, plus the one range that may start at offset 0. That one is extra so
 * that in-order data is always accepted and the connection can make progress however
 * fragmented the rest is. Each range remembers when a segment last touched it, so the
 * SACK option can list the most recent first (RFC 2018 §4).
 *
 * The receive path, per segment with data (after trimming it to the window):
 *     off = seq - RCV.NXT;
 *     n = tapir__byte_ring_write_at(&ring, off, data, len);   // clipped to free space
 *     if (n > 0 && tapir__assembler_add(&as, off, n) == 0) {
 *         uint32_t ready = tapir__assembler_front(&as);
 *         tapir__byte_ring_commit(&ring, ready);
 *         tapir__assembler_advance(&as, ready);
 *         RCV.NXT += ready;
 *     }
 * Bytes written into the ring whose range the assembler refused are simply never
 * committed: the ring ignores them and a later write at those offsets replaces them.
 */
#ifndef TAPIR_PRIV_ASSEMBLER_H
#define TAPIR_PRIV_ASSEMBLER_H

#include <stdbool.h>
#include <stdint.h>

#include "tapir/opt.h"

/* Bytes [start, end) relative to the next expected byte; for a SACK block (RFC 2018 §3)
 * left edge = RCV.NXT + start, right edge = RCV.NXT + end. */
struct tapir__assembler_range {
    uint32_t start;
    uint32_t end;
};

struct tapir__assembler {
    unsigned count; /* ranges in use: ranges[0 .. count), ascending */
    struct tapir__assembler_range ranges[TAPIR_ASSEMBLER_MAX_RANGES + 1];
    /* When a segment last touched each range: larger is more recent; unique per range. */
    uint32_t stamps[TAPIR_ASSEMBLER_MAX_RANGES + 1];
    uint32_t clock; /* the last stamp handed out */
};

/* Empty: nothing beyond the next expected byte has arrived. */
void tapir__assembler_init(struct tapir__assembler *a);

/* Record that bytes [offset, offset + len) arrived. Ranges it overlaps or touches merge
 * with it, and the resulting range becomes the most recent (also for a duplicate wholly
 * inside one range: RFC 2018 §4 wants the block holding the segment that triggered the ACK
 * listed first). len 0 changes nothing. Returns
 *   0              recorded;
 *   TAPIR_ENOBUFS  the range starts beyond offset 0, touches no other, and
 *                  TAPIR_ASSEMBLER_MAX_RANGES ranges beyond offset 0 exist already:
 *                  nothing changed, and the caller drops the segment (the peer retransmits
 *                  it; its bytes in the ring stay uncommitted and harmless);
 *   TAPIR_EINVAL   offset + len exceeds UINT32_MAX: nothing changed. */
int tapir__assembler_add(struct tapir__assembler *a, uint32_t offset, uint32_t len);

/* How many contiguous bytes are ready at offset 0 (0 when the first byte is missing). */
uint32_t tapir__assembler_front(const struct tapir__assembler *a);

/* Forget bytes [0, n) and shift every range down by n, after the caller took them (the
 * front, or in-order bytes it got some other way): ranges wholly below n vanish, one
 * straddling n now starts at 0. Recency is kept. */
void tapir__assembler_advance(struct tapir__assembler *a, uint32_t n);

/* Ranges in use (the one at offset 0 included). */
unsigned tapir__assembler_count(const struct tapir__assembler *a);

/* The i-th range in ascending order of offset, for i < count(); false otherwise. */
bool tapir__assembler_range(const struct tapir__assembler *a, unsigned i,
                            struct tapir__assembler_range *out);

/* Up to `max` ranges, the most recently touched first and then in decreasing recency, as
 * the SACK option lists them (RFC 2018 §4: the first block holds the segment that
 * triggered the ACK, the others repeat the most recently reported). Returns how many were
 * written. A range at offset 0 is listed like any other; the receive path advances past it
 * before building an ACK, so none is left then. */
unsigned tapir__assembler_recent(const struct tapir__assembler *a,
                                 struct tapir__assembler_range *out, unsigned max);

#endif
