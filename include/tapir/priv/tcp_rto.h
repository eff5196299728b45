/* tapir — private: the TCP retransmission timeout estimator (RFC 6298).
 *
 * A pure calculator: the socket feeds it round-trip samples and timeouts and reads the
 * current RTO back; it never reads a clock and keeps no timer. Every value is in
 * microseconds (tapir_instant). Declared in a public header only because the TCP socket
 * embeds it; applications never touch it.
 *
 * What the estimator does (RFC 6298 §2, §5):
 * - before any sample the RTO is 1 s (§2.1);
 * - the first sample R sets SRTT = R, RTTVAR = R/2 (§2.2), every later sample R' sets
 *   RTTVAR = 3/4 RTTVAR + 1/4 |SRTT - R'| and then SRTT = 7/8 SRTT + 1/8 R' (§2.3, RTTVAR
 *   first, from the old SRTT), and RTO = SRTT + max(G, 4 RTTVAR) (K = 4, G the clock
 *   granularity the caller names);
 * - the RTO is then clamped to [min, max];
 * - each timeout doubles the RTO, up to max (§5.5); the next valid sample recomputes it
 *   from SRTT and RTTVAR, which drops the backoff (the "collapse" of the note after §5.7,
 *   which happens this way and only this way).
 *
 * Integer arithmetic, truncating: SRTT and RTTVAR are whole microseconds, and each update
 * rounds down (by less than 1 us), far below any real clock's granularity. The results are
 * exact and reproducible, so tests can assert them to the microsecond.
 *
 * Deliberate deviation: the minimum RTO defaults to 200 ms, as in Linux (TCP_RTO_MIN),
 * not the 1 s of RFC 6298 §2.4. The 1 s floor dates from coarse (500 ms) BSD timers and a
 * time when the RTT of most paths was hundreds of milliseconds; RFC 6298 itself calls it
 * conservative. On today's LAN, data-centre and even continental paths (RTTs of
 * microseconds to tens of milliseconds) it turns every tail loss that fast retransmit
 * cannot repair into a stall of a full second, many RTTs long. 200 ms keeps a margin over
 * the delayed-ACK timer of peers that delay up to 200 ms (Linux, Windows), which is what the
 * floor exists for (a spurious timeout while the receiver sits on its ACK); it matches what
 * the peers we interoperate with (Linux) do, so we are no more aggressive than they are.
 * A peer delaying its ACK longer (RFC 5681 §4.2 allows up to 500 ms) can cause a spurious
 * retransmission of one segment; that is the trade-off Linux makes too. The caller may set
 * the minimum back to 1 s.
 *
 * Karn's algorithm (RFC 6298 §3) is the caller's job: tapir__rto_sample() takes every
 * sample it is given. The socket must not measure a segment that was retransmitted from
 * the time it was first sent, because the ACK may answer either copy. With the timestamp
 * option (RFC 7323 §4.1) the sample is now - TSecr of an ACK that advances SND.UNA
 * (the RTTM rule of RFC 7323 §4); the echoed timestamp names the copy that was answered, so
 * such samples are valid even for retransmitted segments and may be fed in. Timestamps give
 * many samples per RTT where RFC 6298 assumed one; tapir__rto_sample_ts() weighs them per
 * RFC 7323 Appendix G so the estimator keeps the same memory in time.
 *
 * Not done here: RFC 6298 §5 allows clearing SRTT and RTTVAR after several backoffs; we
 * keep them (as Linux does) and let the next sample's §2.3 update correct them.
 */
#ifndef TAPIR_PRIV_TCP_RTO_H
#define TAPIR_PRIV_TCP_RTO_H

#include <stdbool.h>
#include <stdint.h>

#include "tapir/time.h"

#define TAPIR__RTO_INITIAL_US      (1 * (tapir_instant)TAPIR_US_PER_S)    /* RFC 6298 §2.1 */
#define TAPIR__RTO_SYN_FALLBACK_US (3 * (tapir_instant)TAPIR_US_PER_S)    /* RFC 6298 §5.7 */
#define TAPIR__RTO_MIN_DEFAULT_US  (200 * (tapir_instant)TAPIR_US_PER_MS) /* Linux; see above */
#define TAPIR__RTO_MAX_DEFAULT_US  (60 * (tapir_instant)TAPIR_US_PER_S)   /* RFC 6298 §2.5 */
/* The default G: the TCP timestamp clock ticks in milliseconds (RFC 7323 §5.4 recommends
 * 1 ms to 1 s); with microsecond RTT samples the caller may pass 1. */
#define TAPIR__RTO_GRANULARITY_DEFAULT_US ((tapir_instant)TAPIR_US_PER_MS)
/* The largest maximum RTO accepted: one day. It also bounds every sample, which keeps the
 * weighted sums of tapir__rto_sample_ts() far from overflow. */
#define TAPIR__RTO_MAX_LIMIT_US (86400 * (tapir_instant)TAPIR_US_PER_S)
/* The largest Appendix G weight: beyond it the estimator would barely move at all. */
#define TAPIR__RTO_MAX_EXPECTED_SAMPLES 65536u

struct tapir__rto {
    tapir_instant srtt_us;    /* smoothed RTT; meaningful once has_sample */
    tapir_instant rttvar_us;  /* RTT variation; meaningful once has_sample */
    tapir_instant base_us;    /* the RTO from SRTT and RTTVAR (or the initial one), clamped */
    tapir_instant current_us; /* base_us doubled once per backoff, capped at max_us */
    tapir_instant min_us, max_us, granularity_us;
    unsigned backoffs; /* timeouts since the last valid sample (for the caller's R1/R2) */
    bool has_sample;
};

/* Start with no sample and an RTO of 1 s (RFC 6298 §2.1, clamped to [min, max]).
 * `min_rto_us`, `max_rto_us` and `granularity_us` take their defaults (200 ms, 60 s, 1 ms)
 * when 0 or negative. `max_rto_us` is raised to `min_rto_us` if below it and lowered to
 * TAPIR__RTO_MAX_LIMIT_US if above. RFC 6298 §2.5 wants a maximum of at least 60 s; a
 * smaller one is accepted (tests, special paths) but is the caller's responsibility. */
void tapir__rto_init(struct tapir__rto *r, tapir_instant min_rto_us, tapir_instant max_rto_us,
                     tapir_instant granularity_us);

/* One RTT measurement (RFC 6298 §2.2 for the first, §2.3 after). The caller has applied
 * Karn's algorithm (see above). Resets the backoff: the RTO becomes the computed one.
 * A sample above the maximum RTO is taken as the maximum (no segment can be outstanding
 * longer than the timer allows). Returns 0, or TAPIR_EINVAL for a negative sample, which is
 * ignored. */
int tapir__rto_sample(struct tapir__rto *r, tapir_instant rtt_us);

/* A sample taken with timestamps, one of `expected_samples` in this window of data
 * (RFC 7323 Appendix G): the gains become alpha' = 1/(8 N) and beta' = 1/(4 N), so a window
 * that yields N samples moves SRTT and RTTVAR about as much as one RFC 6298 sample per RTT
 * would. N = 0 counts as 1 (which is tapir__rto_sample()); N is capped at
 * TAPIR__RTO_MAX_EXPECTED_SAMPLES. The first sample still follows §2.2. Returns as
 * tapir__rto_sample(). */
int tapir__rto_sample_ts(struct tapir__rto *r, tapir_instant rtt_us, uint32_t expected_samples);

/* RFC 7323 Appendix G: ExpectedSamples = ceiling(FlightSize / (SMSS * 2)), at least 1 (the
 * 2 is for delayed ACKs, one ACK per two segments). `smss` 0 gives 1. */
uint32_t tapir__rto_expected_samples(uint64_t flight_size, uint32_t smss);

/* The RTO to arm the retransmission timer with now (backoff included). */
tapir_instant tapir__rto_current(const struct tapir__rto *r);

/* The retransmission timer expired (RFC 6298 §5.5): double the RTO, capped at the maximum.
 * The doubling stops at the cap, so any number of calls is safe. */
void tapir__rto_backoff(struct tapir__rto *r);

/* RFC 6298 §5.7: the SYN (or SYN-ACK) was retransmitted by the timer and the handshake has
 * now completed. If the RTO is below 3 s it becomes 3 s (capped at the maximum) until the
 * next sample, and the backoff is cleared. Call it once, when data transfer begins. */
void tapir__rto_syn_fallback(struct tapir__rto *r);

/* SRTT, or 0 before the first sample (for congestion control and statistics). */
tapir_instant tapir__rto_srtt(const struct tapir__rto *r);

#endif
