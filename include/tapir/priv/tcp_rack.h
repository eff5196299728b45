/* tapir — private: the TCP sender's transmission log and RACK-TLP (RFC 8985).
 *
 * Declared in a public header only because the TCP socket embeds it; applications never
 * touch it. Pure: no clock reads (the caller passes `now`, microseconds), no allocation.
 *
 * The transmission log records every segment in flight, in sequence order: its range,
 * when it was last (re)transmitted, a transmission counter, and its state. Its records
 * tile [SND.UNA, SND.MAX) exactly: new data is appended at SND.MAX, a retransmission
 * reuses its record (same boundaries) and updates its time, the cumulative ACK removes or
 * trims records at the front. Bounded: at most TAPIR_TCP_TXLOG_SEGS records; when full,
 * the sender sends no new data until an ACK frees some (the log bounds the flight).
 *
 * Record states, and what RFC 6675's pipe counts for each (SetPipe, §4, in the form Linux
 * keeps it: pipe = bytes in flight - SACKed - lost + retransmitted):
 *   SACKED   selectively acknowledged: 0 (LOST and RETRANS are cleared);
 *   LOST     deemed lost (by RACK, RFC 6675 IsLost, NewReno, or a timeout) and not
 *            SACKED: the original no longer counts;
 *   RETRANS  a retransmission sent since the record was marked LOST is in flight: counts
 *            once (cleared again when that retransmission is deemed lost, which makes the
 *            record due for retransmission again);
 *   EVER_RETRANS  retransmitted at least once (RACK's Segment.retransmitted: its RTT is
 *            ambiguous, and its late delivery is no evidence of reordering);
 *   FIN      the record ends with our FIN (which takes one sequence number).
 * The log keeps the byte totals of each state so pipe costs nothing to read.
 *
 * RACK (RFC 8985 §6), per ACK:
 *   1. tapir__rack_on_delivered() for every record newly delivered by the ACK (cumulatively
 *      or selectively), in sequence order: RACK.rtt, RACK.min_RTT, the most recently sent
 *      delivered segment (RACK.xmit_ts, and its transmission counter), RACK.fack and
 *      reordering detection (§6.2 steps 1-3);
 *   2. tapir__rack_on_dsack() when the ACK carried a D-SACK, and tapir__rack_on_recovery_exit()
 *      when a recovery ends (§6.2 step 4, the reordering window's adaptation);
 *   3. tapir__rack_detect_loss(): every record sent before the RACK segment whose
 *      transmission is older than RACK.rtt + RACK.reo_wnd is marked LOST; the return value
 *      says when the next one would be (the reordering timer, §6.2 step 5, §6.3).
 * "Sent before" is decided by the transmission counter rather than by end sequence
 * numbers when times tie (§6.2 allows either): a retransmission sent after new data in the
 * same microsecond is correctly later.
 *
 * Deviations, each on purpose:
 *   - RACK.min_RTT is the minimum of the samples over a window of TAPIR__RACK_MIN_RTT_WIN_US,
 *     restarted when the window ends (RFC 8985 §6.2 asks for "a windowed min-filter"
 *     without fixing one; this is the simplest that forgets an old path);
 *   - the RTT of a retransmitted segment is taken only if it is not below RACK.min_RTT (the
 *     timestamp check of §6.2 step 2 is not made: our TS clock ticks in milliseconds).
 *
 * TLP (RFC 8985 §7): tapir__tlp_pto() computes the probe timeout; the caller arms it, sends
 * the probe and tracks the episode (src/socket/tcp_recovery.c).
 */
#ifndef TAPIR_PRIV_TCP_RACK_H
#define TAPIR_PRIV_TCP_RACK_H

#include <stdbool.h>
#include <stdint.h>

#include "tapir/time.h"

/* Records the log keeps per connection (overridable with -D, as in opt.h): with a 1460-byte
 * MSS, 512 segments let ~740 KB be in flight. */
#ifndef TAPIR_TCP_TXLOG_SEGS
#define TAPIR_TCP_TXLOG_SEGS 512
#endif

/* RACK.min_RTT's window. RFC 8985 leaves the filter to the implementation; Linux's window
 * is 300 s (tcp_min_rtt_wlen); a shorter one forgets a changed path sooner. */
#define TAPIR__RACK_MIN_RTT_WIN_US (60 * (tapir_instant)TAPIR_US_PER_S)
/* RFC 8985 §7.2: WCDelAckT, the worst-case delayed-ACK time a probe waits for when one
 * segment is in flight. */
#define TAPIR__TLP_WCDELACK_US (200 * (tapir_instant)TAPIR_US_PER_MS)
/* RFC 8985 §7.2: the extra time added to 2 SRTT when more than one segment is in flight. */
#define TAPIR__TLP_EXTRA_US (2 * (tapir_instant)TAPIR_US_PER_MS)
/* The smallest PTO. SRTT is measured in microseconds from the transmission log, so on a
 * fast path 2 SRTT is tiny; the floor keeps a probe behind an ACK the receiver is still
 * preparing, like Linux's TCP_TIMEOUT_MIN (2 jiffies) added to 2 SRTT. */
#define TAPIR__TLP_MIN_PTO_US (2 * (tapir_instant)TAPIR_US_PER_MS)

enum tapir__seg_flag {
    TAPIR__SEG_SACKED = 1 << 0,
    TAPIR__SEG_LOST = 1 << 1,
    TAPIR__SEG_RETRANS = 1 << 2,
    TAPIR__SEG_EVER_RETRANS = 1 << 3,
    TAPIR__SEG_FIN = 1 << 4,
};

struct tapir__seg {
    tapir_instant xmit_us; /* when last (re)transmitted */
    uint32_t order;        /* the log's transmission counter at that time */
    uint32_t seq;          /* first sequence number */
    uint16_t len;          /* data bytes; the record ends at seq + len (+ 1 with FIN) */
    uint8_t flags;         /* enum tapir__seg_flag */
};

struct tapir__txlog {
    struct tapir__seg segs[TAPIR_TCP_TXLOG_SEGS]; /* a ring: count records from head */
    unsigned head, count;
    uint32_t next_order; /* counter for the next transmission */
    /* Sequence-space totals (FIN counts 1): all records, and those SACKED, LOST, RETRANS. */
    uint32_t bytes, sacked, lost, retrans;
    unsigned segs_sacked; /* records SACKED (RACK.segs_sacked) */
};

struct tapir__rack {
    /* The most recently sent segment that was delivered (RACK.xmit_ts, RACK.end_seq). */
    bool has_seg;
    tapir_instant xmit_us;
    uint32_t order;
    uint32_t end_seq;
    tapir_instant rtt_us;     /* RACK.rtt: of that segment's delivery */
    tapir_instant min_rtt_us; /* RACK.min_RTT; -1 before the first sample */
    tapir_instant min_rtt_at; /* when the min-filter window started */
    bool has_fack;
    uint32_t fack; /* RACK.fack: the highest end of a delivered segment */
    bool reord;    /* RACK.reord: reordering was seen */
    /* The reordering window's adaptation (§6.2 step 4). */
    unsigned reo_wnd_mult; /* starts at 1 */
    int reo_wnd_persist;
    bool dsack_round_valid;
    uint32_t dsack_round;
};

/* --- The transmission log. --- */

void tapir__txlog_init(struct tapir__txlog *log);
/* Records in the log, and the i-th from the front (i < count). */
static inline unsigned tapir__txlog_count(const struct tapir__txlog *log)
{
    return log->count;
}
static inline struct tapir__seg *tapir__txlog_at(struct tapir__txlog *log, unsigned i)
{
    return &log->segs[(log->head + i) % TAPIR_TCP_TXLOG_SEGS];
}
static inline const struct tapir__seg *tapir__txlog_cat(const struct tapir__txlog *log, unsigned i)
{
    return &log->segs[(log->head + i) % TAPIR_TCP_TXLOG_SEGS];
}
static inline bool tapir__txlog_full(const struct tapir__txlog *log)
{
    return log->count == TAPIR_TCP_TXLOG_SEGS;
}
/* Sequence space a record takes (its FIN counts one). */
static inline uint32_t tapir__seg_size(const struct tapir__seg *g)
{
    return (uint32_t)g->len + ((g->flags & TAPIR__SEG_FIN) ? 1u : 0u);
}
static inline uint32_t tapir__seg_end(const struct tapir__seg *g)
{
    return g->seq + tapir__seg_size(g);
}

/* Append a new transmission [seq, seq + len (+ FIN)) at `now`. Returns the record, or NULL
 * when the log is full (nothing recorded). */
struct tapir__seg *tapir__txlog_append(struct tapir__txlog *log, uint32_t seq, uint16_t len,
                                       bool fin, tapir_instant now);

/* A retransmission of `g` at `now`: new time and counter, EVER_RETRANS, and RETRANS when the
 * record was LOST (a probe of a record not deemed lost adds no RETRANS). */
void tapir__txlog_retransmitted(struct tapir__txlog *log, struct tapir__seg *g, tapir_instant now);

/* Set or clear flags of `g`, keeping the totals (SACKED clears LOST and RETRANS). */
void tapir__txlog_set(struct tapir__txlog *log, struct tapir__seg *g, uint8_t flags);
void tapir__txlog_clear(struct tapir__txlog *log, struct tapir__seg *g, uint8_t flags);

/* Remove the front records the cumulative ACK `una` covers and trim one it cuts. Calls
 * `delivered(ctx, g)` for every removed record that was not SACKED (newly delivered),
 * before it goes. */
void tapir__txlog_ack(struct tapir__txlog *log, uint32_t una,
                      void (*delivered)(void *ctx, const struct tapir__seg *g), void *ctx);

/* RFC 6675 pipe, in bytes of sequence space. */
static inline uint32_t tapir__txlog_pipe(const struct tapir__txlog *log)
{
    return log->bytes - log->sacked - log->lost + log->retrans;
}

/* Recompute the totals from the records and compare (tests and debugging): 0 when they
 * agree and the records are contiguous from `una` to `snd_max`, else a negative code
 * naming the first broken invariant. */
int tapir__txlog_check(const struct tapir__txlog *log, uint32_t una, uint32_t snd_max);

/* --- RACK. --- */

void tapir__rack_init(struct tapir__rack *r);

/* Step 1-3 for one newly delivered record at `now` (call in sequence order). */
void tapir__rack_on_delivered(struct tapir__rack *r, const struct tapir__seg *g, tapir_instant now);

/* The ACK carried a D-SACK (§6.2 step 4); `snd_una`/`snd_max` after the ACK. */
void tapir__rack_on_dsack(struct tapir__rack *r, uint32_t snd_una, uint32_t snd_max);
/* A fast or timeout recovery ended (§6.2 step 4). */
void tapir__rack_on_recovery_exit(struct tapir__rack *r);
/* Forget the D-SACK round once SND.UNA passed it. */
void tapir__rack_on_ack(struct tapir__rack *r, uint32_t snd_una);

/* RACK.reo_wnd (§6.2 step 4): 0 while no reordering was seen and either a recovery runs or
 * at least DupThresh records are SACKed; otherwise min(min_RTT * mult / 4, SRTT) (`srtt_us`
 * 0: unknown, no cap). */
tapir_instant tapir__rack_reo_wnd(const struct tapir__rack *r, bool in_recovery,
                                  unsigned segs_sacked, tapir_instant srtt_us);

/* Step 5: mark LOST (clearing RETRANS) every record neither SACKED nor already awaiting
 * retransmission that was sent before the RACK segment and is older than RACK.rtt +
 * `reo_wnd`. Returns the time until the next such record would qualify (> 0: arm the
 * reordering timer for it), or 0. `*marked` counts the records marked, `*marked_rexmit`
 * those that were retransmissions (lost retransmissions). */
tapir_instant tapir__rack_detect_loss(const struct tapir__rack *r, struct tapir__txlog *log,
                                      tapir_instant now, tapir_instant reo_wnd, unsigned *marked,
                                      unsigned *marked_rexmit);

/* Was `a` sent after `b`? (transmission counters, modulo 2^32) */
static inline bool tapir__rack_sent_after(uint32_t order_a, uint32_t order_b)
{
    return (int32_t)(order_a - order_b) > 0;
}

/* --- TLP. --- */

/* RFC 8985 §7.2 TLP_calc_PTO(): 2 SRTT, plus WCDelAckT with one segment in flight or
 * TAPIR__TLP_EXTRA_US otherwise, at least TAPIR__TLP_MIN_PTO_US; 1 s before any RTT sample
 * (`srtt_us` < 0). Returns the deadline, never after `rto_at`. */
tapir_instant tapir__tlp_pto_at(tapir_instant now, tapir_instant srtt_us, bool one_segment,
                                tapir_instant rto_at);

#endif
