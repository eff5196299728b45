/* tapir — private: the TCP sender's SACK scoreboard (RFC 2018, RFC 2883, RFC 6675).
 *
 * Declared in a public header only because the TCP socket embeds it; applications never
 * touch it. A pure record of which sequence ranges the peer reported holding beyond the
 * cumulative acknowledgment: no data, no clock, no allocation.
 *
 * Ranges are half-open [start, end) in absolute sequence numbers, kept sorted (in
 * sequence order from SND.UNA, with the comparisons modulo 2^32 of RFC 9293 §3.4),
 * disjoint and never adjacent: blocks that overlap or touch merge. Every range lies within
 * [SND.UNA, SND.MAX]: the board forgets what the cumulative ACK passes
 * (tapir__sack_board_advance()) and refuses blocks outside the window.
 *
 * Bounded: at most TAPIR_TCP_SACK_RANGES ranges. A block that would need one more, and
 * touches none, takes the place of the highest range when it lies below it (the holes
 * nearest SND.UNA matter most to loss recovery), and is dropped otherwise. Forgetting a
 * range only costs a needless retransmission: SACK information is advisory (RFC 2018 §8),
 * nothing is ever freed because of it.
 *
 * Validation of each block of an ACK (RFC 2018 §3, RFC 2883 §4, RFC 6675 §5.1):
 *   - left edge not before the right edge (modulo 2^32), else ignored as invalid;
 *   - the first block is a D-SACK (RFC 2883 §4: it reports a duplicate) when it lies at
 *     or below the cumulative ACK, or wholly inside the second block; it is reported to
 *     the caller (RACK widens its reordering window on it, RFC 8985 §6.2) and never
 *     recorded as SACKed data;
 *   - any other block must lie within [SND.UNA, SND.MAX] once clipped at SND.UNA: a block
 *     above SND.MAX claims data never sent and is ignored (counted invalid); a block wholly
 *     at or below SND.UNA is old news and ignored quietly.
 */
#ifndef TAPIR_PRIV_TCP_SACK_H
#define TAPIR_PRIV_TCP_SACK_H

#include <stdbool.h>
#include <stdint.h>

#include "tapir/wire/tcp.h"

/* Ranges the scoreboard keeps per connection (overridable with -D, as in opt.h). The
 * receiver reports at most 3 or 4 blocks per ACK, but the sender accumulates them over a
 * window of data with many holes. */
#ifndef TAPIR_TCP_SACK_RANGES
#define TAPIR_TCP_SACK_RANGES 32
#endif

/* RFC 6675 §2: DupThresh, the number of duplicate ACKs (or SACKed segments) that says a
 * segment is lost. */
#define TAPIR__SACK_DUPTHRESH 3u

struct tapir__sack_range {
    uint32_t start, end; /* [start, end), absolute sequence numbers */
};

struct tapir__sack_board {
    unsigned count; /* ranges in use: r[0 .. count), in sequence order */
    struct tapir__sack_range r[TAPIR_TCP_SACK_RANGES];
    uint32_t bytes; /* the sum of the ranges' lengths */
};

/* What one ACK's blocks did to the board. */
struct tapir__sack_update {
    uint32_t newly_sacked;                /* bytes recorded that were not SACKed before */
    unsigned accepted;                    /* blocks that lay within the window (D-SACK excluded) */
    unsigned invalid;                     /* blocks refused: inverted, or beyond SND.MAX */
    bool dsack;                           /* the first block was a D-SACK (RFC 2883) */
    bool overflow;                        /* a range was dropped for want of room */
    struct tapir__sack_range dsack_range; /* the duplicate reported, when dsack */
};

/* Empty. */
void tapir__sack_board_init(struct tapir__sack_board *b);

/* The cumulative ACK moved to `una`: forget everything before it (ranges below vanish, one
 * straddling it is clipped). Call it before tapir__sack_board_update() for the same ACK. */
void tapir__sack_board_advance(struct tapir__sack_board *b, uint32_t una);

/* Record the SACK blocks of one ACK whose acknowledgment field is `ack`, with `una` the
 * sender's SND.UNA after it (the board already advanced to it; `una` is past `ack` when an
 * older ACK arrives late) and `snd_max` the highest sequence number sent plus one,
 * validated as described above: the D-SACK test uses the ACK's own field, the window test
 * SND.UNA. `res` (may be NULL) says what changed. */
void tapir__sack_board_update(struct tapir__sack_board *b,
                              const struct tapir_tcp_sack_block *blocks, unsigned n, uint32_t ack,
                              uint32_t una, uint32_t snd_max, struct tapir__sack_update *res);

/* Is every byte of [start, end) SACKed? (false for an empty range) */
bool tapir__sack_board_covers(const struct tapir__sack_board *b, uint32_t start, uint32_t end);

/* SACKed bytes at or after `seq`, and the number of ranges wholly after it. */
uint32_t tapir__sack_board_bytes_above(const struct tapir__sack_board *b, uint32_t seq);
unsigned tapir__sack_board_ranges_above(const struct tapir__sack_board *b, uint32_t seq);

/* The end of the highest range (one past the highest SACKed byte); false when empty. */
bool tapir__sack_board_highest(const struct tapir__sack_board *b, uint32_t *end);

/* RFC 6675 §4 IsLost(SeqNum): true when DupThresh discontiguous SACKed ranges lie above
 * `seq`, or more than (DupThresh - 1) * SMSS bytes above it were SACKed. `seq` itself
 * must not be SACKed (the caller asks about holes). */
bool tapir__sack_is_lost(const struct tapir__sack_board *b, uint32_t seq, uint32_t smss);

#endif
