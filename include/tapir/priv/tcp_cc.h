/* tapir — private: TCP congestion control (RFC 5681, RFC 6928, RFC 9438).
 *
 * A pure calculator the TCP socket drives with events; it never reads a clock, keeps no
 * timer and sends nothing. Declared in a public header only because the TCP socket embeds
 * it; applications never touch it. All windows are in bytes.
 *
 * The socket's side of the contract:
 * - tapir__cc_on_ack() for every ACK that acknowledges new data (SND.UNA advances), outside
 *   fast recovery too (it then only notes that new data arrived; see below);
 * - tapir__cc_on_congestion_event() when fast retransmit starts a recovery (the third
 *   duplicate ACK, RFC 5681 §3.2 step 2, RFC 6582 §3.2 step 2) or on any other loss signal
 *   that is not a timeout, at most once per window of data;
 * - tapir__cc_recovery_inflate() / _partial_ack() / tapir__cc_on_recovery_exit() during
 *   and at the end of NewReno recovery (RFC 6582 §3.2 steps 3 to 5); the socket keeps
 *   `recover` and decides what is a partial or a full ACK;
 * - tapir__cc_on_rto() when the retransmission timer expires;
 * - tapir__cc_after_idle() before sending after a silence (RFC 5681 §4.1);
 * - it sends while FlightSize < tapir__cc_cwnd() (and the peer's window allows).
 *
 * Common to both algorithms (src/socket/tcp_cc.c):
 * - initial window IW = min(10 SMSS, max(2 SMSS, 14600)) (RFC 6928 §2): 10 segments for
 *   the usual Ethernet MSS of 1460, fewer for jumbo segments; initial ssthresh "arbitrarily
 *   high" (RFC 5681 §3.1);
 * - slow start while cwnd < ssthresh (RFC 5681 §3.1) with appropriate byte counting:
 *   cwnd grows by the bytes acknowledged. Without RFC 3465 §2.2's cap of L = 2 SMSS per
 *   ACK: receivers that coalesce segments (Linux's GRO, and tapir itself, which answers a
 *   batch of segments with one ACK) send stretch ACKs covering many segments, and the cap
 *   would make slow start grow by 2 segments per RTT instead of doubling; Linux lifted it
 *   for the same reason. L = 1 SMSS stays in the slow start that follows a timeout (RFC
 *   3465 §2.3), where one ACK can cover a burst of retransmitted segments. Growth stops at
 *   ssthresh; the rest of the ACK goes to congestion avoidance;
 * - no growth while the flow is not using its window: only when FlightSize before the ACK
 *   is at least half of cwnd (the threshold of RFC 7661 §4.1, applied per ACK without
 *   RFC 7661's pipeACK machinery). This keeps an application- or receiver-limited flow
 *   from inflating a cwnd it never tested, which RFC 9438 §4.6 and §5.8 require of CUBIC;
 * - timeout (RFC 5681 §3.1, eq. 4): cwnd = 1 SMSS (the loss window); ssthresh is reduced
 *   only by the first timeout of a loss episode, not by the repeated timeouts of the same
 *   segment (RFC 5681 §3.1, "has not yet been resent by way of the retransmission timer"),
 *   nor by a timeout during fast recovery (the loss already reduced it, as in Linux);
 * - cwnd never exceeds TAPIR__CC_CWND_MAX.
 *
 * NewReno (src/socket/tcp_cc_newreno.c): on a congestion event ssthresh =
 * max(FlightSize / 2, 2 SMSS) (RFC 5681 §3.2 eq. 4) and cwnd = ssthresh; in congestion
 * avoidance cwnd grows by exactly 1 SMSS per cwnd of bytes acknowledged (the byte-counting
 * form of RFC 5681 §3.1), i.e. one segment per RTT.
 *
 * CUBIC (src/socket/tcp_cc_cubic.c), RFC 9438, the default: C = 0.4, beta_cubic = 0.7;
 * W_cubic(t) = C (t - K)^3 + W_max (§4.2), t from the start of the congestion avoidance
 * stage, K = cbrt((W_max - cwnd_epoch) / C); per ACK cwnd moves towards
 * target = W_cubic(t + RTT), bounded to [cwnd, 1.5 cwnd] (§4.2, §4.4, §4.5); the
 * Reno-friendly estimate W_est (§4.3) takes over when W_cubic(t) < W_est; ssthresh =
 * max(0.7 FlightSize, 2 SMSS) on congestion (§4.6); fast convergence (§4.7); timeouts
 * (§4.8) forget W_max. The arithmetic is integer only (an integer cube root, times in
 * milliseconds for the cubic term), so results are exact and reproducible.
 * Not implemented: HyStart++ (RFC 9406; plain slow start is what RFC 9438 §4.10 allows
 * otherwise), the undo of spurious congestion events (§4.9), ECN (§4.6's ECE case).
 */
#ifndef TAPIR_PRIV_TCP_CC_H
#define TAPIR_PRIV_TCP_CC_H

#include <stdbool.h>
#include <stdint.h>

#include "tapir/time.h"

/* No TCP window beyond 2^30 bytes can ever be used (RFC 7323 §2.3: window scale at most
 * 14), so a larger cwnd would only be a number that overflows. */
#define TAPIR__CC_CWND_MAX (1u << 30)
/* The largest SMSS accepted: the MSS option is 16 bits (RFC 9293 §3.7.1). */
#define TAPIR__CC_MSS_MAX 65535u

enum tapir__cc_algo {
    TAPIR__CC_CUBIC = 0, /* the default, as in Linux */
    TAPIR__CC_NEWRENO = 1,
};

struct tapir__cc;

/* What differs between algorithms. tcp_cc.c runs the common RFC 5681 skeleton described
 * above and calls these; the socket never calls them directly. NULL hooks are skipped. */
struct tapir__cc_ops {
    const char *name;
    /* Reset the algorithm's state (cc->mss, cwnd and ssthresh are set already). */
    void (*init)(struct tapir__cc *cc);
    /* Congestion avoidance: an ACK of `bytes_acked` new bytes with cwnd >= ssthresh, outside
     * recovery, while cwnd-limited. `rtt_us` >= 0. */
    void (*cong_avoid)(struct tapir__cc *cc, uint32_t bytes_acked, tapir_instant now,
                       tapir_instant rtt_us);
    /* A loss that reduces ssthresh (congestion event, or the first timeout of an episode),
     * called while cc->cwnd is still the cwnd before the reduction: return the new
     * ssthresh (at least 2 SMSS) and update the algorithm's own state. */
    uint32_t (*ssthresh)(struct tapir__cc *cc, uint32_t in_flight);
    /* Every timeout, after cwnd became 1 SMSS. */
    void (*on_rto)(struct tapir__cc *cc);
    /* An ACK outside recovery while the flow was not using its window. */
    void (*app_limited)(struct tapir__cc *cc, tapir_instant now);
    /* The sender was idle `idle_us`; `restarted` says cwnd was cut to the restart window. */
    void (*after_idle)(struct tapir__cc *cc, tapir_instant idle_us, bool restarted);
};

extern const struct tapir__cc_ops tapir__cc_newreno_ops;
extern const struct tapir__cc_ops tapir__cc_cubic_ops;

struct tapir__cc_newreno {
    uint32_t bytes_acked; /* congestion avoidance's counter (RFC 5681 §3.1), < cwnd */
};

struct tapir__cc_cubic {
    /* RFC 9438 §4.1's variables, windows in bytes. */
    uint32_t w_max;         /* 0: none yet, or forgotten by a timeout (§4.8) */
    uint32_t cwnd_prior;    /* cwnd when ssthresh was last set (before the cut); 0: never */
    uint32_t cwnd_epoch;    /* cwnd when the current congestion avoidance stage began */
    uint32_t w_est;         /* the Reno-friendly estimate (§4.3) */
    tapir_instant epoch_us; /* t_epoch, shifted forward past application-limited time */
    tapir_instant k_ms;     /* K, in milliseconds */
    tapir_instant last_ack_us;
    /* Remainders of the per-ACK divisions, so no growth is lost to rounding. */
    uint64_t w_est_rem, cwnd_rem;
    bool epoch_valid;      /* false: the next congestion avoidance ACK starts a new stage */
    bool fast_convergence; /* §4.7; true after init */
    bool reno_friendly;    /* §4.3; true after init (Linux's tcp_friendliness) */
};

struct tapir__cc {
    const struct tapir__cc_ops *ops;
    enum tapir__cc_algo algo;
    uint32_t mss;      /* SMSS */
    uint32_t iw;       /* RFC 6928 initial window, also the restart window's bound */
    uint32_t cwnd;     /* bytes */
    uint32_t ssthresh; /* bytes; UINT32_MAX until the first loss */
    bool in_recovery;  /* between on_congestion_event and on_recovery_exit / on_rto */
    bool rto_pending;  /* a timeout with no new data acknowledged since */
    bool after_rto;    /* in the slow start that follows a timeout (ABC's L = 1 SMSS) */
    uint32_t congestion_events, timeouts; /* counters, for statistics and tests */
    union {
        struct tapir__cc_newreno newreno;
        struct tapir__cc_cubic cubic;
    } u;
};

/* Start a connection's congestion control: cwnd = IW (RFC 6928 §2), ssthresh = UINT32_MAX.
 * `mss` is the SMSS (RFC 5681 §2), 1..TAPIR__CC_MSS_MAX. Returns 0, or TAPIR_EINVAL for a
 * bad `mss` or `algo` (then `cc` is untouched). */
int tapir__cc_init(struct tapir__cc *cc, enum tapir__cc_algo algo, uint32_t mss);

/* An ACK that acknowledged `bytes_acked` (> 0) new bytes, at `now`. `rtt_us` is the
 * smoothed RTT (tapir__rto_srtt(); 0 if unknown). `in_flight` is FlightSize before this ACK
 * (bytes sent and not acknowledged, including the ones this ACK covers). Grows cwnd as
 * described above unless in recovery or not cwnd-limited. */
void tapir__cc_on_ack(struct tapir__cc *cc, uint32_t bytes_acked, tapir_instant now,
                      tapir_instant rtt_us, uint32_t in_flight);

/* Fast retransmit / entry into recovery with `in_flight` = FlightSize (RFC 5681 §3.2 step
 * 2): ssthresh is set by the algorithm and cwnd = ssthresh. The RFC 5681/6582 inflation by
 * 3 SMSS for the three duplicate ACKs is the socket's (tapir__cc_recovery_inflate()), so a
 * socket using another recovery scheme (PRR, RFC 6937) is free not to. Returns false, and
 * changes nothing, when already in recovery (one reduction per loss episode). */
bool tapir__cc_on_congestion_event(struct tapir__cc *cc, uint32_t in_flight);

/* Fast recovery, RFC 6582 §3.2 steps 2 and 4: cwnd += `bytes` (3 SMSS on entry, 1 SMSS per
 * further duplicate ACK). Ignored outside recovery. */
void tapir__cc_recovery_inflate(struct tapir__cc *cc, uint32_t bytes);

/* A partial ACK in recovery (RFC 6582 §3.2 step 5): deflate cwnd by the `bytes_acked` new
 * bytes, then add back 1 SMSS if at least 1 SMSS was acknowledged; never below 1 SMSS.
 * Ignored outside recovery. */
void tapir__cc_recovery_partial_ack(struct tapir__cc *cc, uint32_t bytes_acked);

/* A full ACK ends recovery: cwnd = ssthresh (RFC 6582 §3.2 step 6, second option; what
 * RFC 6675 and RFC 9438 §4.6 leave after a SACK recovery; Linux does the same). The first
 * option, min(ssthresh, FlightSize + SMSS), guards against a burst, but a receiver that
 * coalesces (Linux's GRO, tapir's own one ACK per batch) acknowledges a whole recovery's
 * worth of data in one ACK, leaving FlightSize near 0: cwnd fell to 2 segments after every
 * recovery and CUBIC's curve started from there. Ignored outside recovery. */
void tapir__cc_on_recovery_exit(struct tapir__cc *cc);

/* The retransmission timer expired with `in_flight` = FlightSize (RFC 5681 §3.1 eq. 4,
 * RFC 9438 §4.8): cwnd = 1 SMSS, ssthresh reduced as described above; ends recovery. */
void tapir__cc_on_rto(struct tapir__cc *cc, uint32_t in_flight);

/* The sender is about to send after `idle_us` without sending anything. If that exceeds
 * the retransmission timeout `rto_us`, cwnd = min(cwnd, IW) (RFC 5681 §4.1's restart window
 * RW = min(IW, cwnd)). CUBIC also removes the idle time from t (RFC 9438 §5.8). */
void tapir__cc_after_idle(struct tapir__cc *cc, tapir_instant idle_us, tapir_instant rto_us);

uint32_t tapir__cc_cwnd(const struct tapir__cc *cc);
uint32_t tapir__cc_ssthresh(const struct tapir__cc *cc);
bool tapir__cc_in_recovery(const struct tapir__cc *cc);
bool tapir__cc_in_slow_start(const struct tapir__cc *cc); /* cwnd < ssthresh */
const char *tapir__cc_name(const struct tapir__cc *cc);   /* "cubic", "newreno" */

#endif
