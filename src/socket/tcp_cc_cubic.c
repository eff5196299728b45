/* CUBIC congestion control (RFC 9438), in integers.
 *
 * Windows are bytes; RFC 9438 states its formulas in segments, so a window of w segments is
 * w * SMSS bytes here. Times for the cubic term are whole milliseconds: the offset
 * C (t - K)^3, with C = 0.4 = 2/5 and t in ms, is 2 (t - K)^3 SMSS / (5 * 10^9) bytes.
 * |t - K| is bounded by 2^20 ms (17 minutes; beyond that the window is at its cap anyway),
 * so the cube fits in 60 bits. Multiplicative factors are exact fractions: beta_cubic =
 * 7/10, alpha_cubic = 3 (1 - beta) / (1 + beta) = 9/17, fast convergence's
 * (1 + beta) / 2 = 17/20.
 *
 * The per-ACK increments (of cwnd towards the target, §4.4, and of W_est, §4.3) are
 * fractions of a byte for small ACKs; their remainders are carried from one ACK to the
 * next, so growth over an RTT is what the RFC's formula gives, not rounded away.
 */
#include "tapir/priv/tcp_cc.h"

#define BETA_NUM      7u /* beta_cubic = 0.7 (§4.6) */
#define BETA_DEN      10u
#define ALPHA_NUM     9u /* alpha_cubic = 3 (1 - 0.7) / (1 + 0.7) = 9/17 (§4.3) */
#define ALPHA_DEN     17u
#define FAST_CONV_NUM 17u /* (1 + beta_cubic) / 2 = 0.85 (§4.7) */
#define FAST_CONV_DEN 20u
#define US_PER_MS     1000
#define OFFSET_MAX_MS ((uint64_t)1 << 20)
/* K in ms = cbrt((W_max - cwnd_epoch) / SMSS / C * 10^9) = cbrt(dW_bytes * 2.5e9 / SMSS);
 * dW < 2^30 so dW * 2.5e9 < 2^62. */
#define K_SCALE 2500000000u
/* t and RTT beyond this are clamped before adding them (no overflow, same result). */
#define T_MAX_US ((tapir_instant)1 << 40)

/* floor(cbrt(x)), bit by bit (Hacker's Delight, figure 11-5, widened to 64 bits). */
static uint64_t icbrt64(uint64_t x)
{
    uint64_t y = 0;
    for (int s = 63; s >= 0; s -= 3) {
        y *= 2;
        uint64_t b = 3 * y * (y + 1) + 1;
        if ((x >> s) >= b) {
            x -= b << s;
            y++;
        }
    }
    return y;
}

/* W_cubic(t) in bytes (§4.2, Figure 1), t in microseconds from t_epoch. May be negative
 * (far left of K with a small W_max) or far above any usable window; callers clamp. */
static int64_t w_cubic(const struct tapir__cc *cc, tapir_instant t_us)
{
    const struct tapir__cc_cubic *c = &cc->u.cubic;
    int64_t d = t_us / US_PER_MS - c->k_ms;
    uint64_t off = d < 0 ? (uint64_t)-d : (uint64_t)d;
    if (off > OFFSET_MAX_MS)
        off = OFFSET_MAX_MS;
    /* off^3 / 10^9 s^3 * C * SMSS, divided in two steps to stay below 2^58. */
    uint64_t delta = (off * off * off / 1000000u) * cc->mss * 2u / 5u / 1000u;
    return d < 0 ? (int64_t)c->w_max - (int64_t)delta : (int64_t)c->w_max + (int64_t)delta;
}

static void cubic_init(struct tapir__cc *cc)
{
    cc->u.cubic = (struct tapir__cc_cubic){.fast_convergence = true, .reno_friendly = true};
}

/* The first ACK of a congestion avoidance stage (§4.2, §4.3, §4.8). */
static void start_epoch(struct tapir__cc *cc, tapir_instant now)
{
    struct tapir__cc_cubic *c = &cc->u.cubic;
    c->epoch_valid = true;
    c->epoch_us = now;
    c->last_ack_us = now;
    c->cwnd_epoch = cc->cwnd;
    if (c->w_max > cc->cwnd) {
        /* §4.2, Figure 2: K = cbrt((W_max - cwnd_epoch) / C). */
        uint64_t dw = c->w_max - cc->cwnd;
        c->k_ms = (tapir_instant)icbrt64(dw * K_SCALE / cc->mss);
    } else {
        /* §4.8 after a timeout (W_max forgotten), or a stage that starts at or above W_max
         * (slow start went past it): the curve starts here, in its convex part. */
        c->w_max = cc->cwnd;
        c->k_ms = 0;
    }
    /* §4.3: W_est starts at cwnd_epoch. */
    c->w_est = cc->cwnd;
    c->w_est_rem = 0;
    c->cwnd_rem = 0;
}

static void cubic_cong_avoid(struct tapir__cc *cc, uint32_t bytes_acked, tapir_instant now,
                             tapir_instant rtt_us)
{
    struct tapir__cc_cubic *c = &cc->u.cubic;
    if (!c->epoch_valid)
        start_epoch(cc, now);
    c->last_ack_us = now;
    tapir_instant t = now - c->epoch_us;
    if (t < 0)
        t = 0;
    if (t > T_MAX_US)
        t = T_MAX_US;
    if (rtt_us > T_MAX_US)
        rtt_us = T_MAX_US;

    if (c->reno_friendly) {
        /* §4.3: W_est += alpha_cubic * segments_acked / cwnd (in segments), with
         * alpha_cubic = 1 once W_est has reached cwnd_prior (at once if there was no loss
         * yet: cwnd_prior is then 0). In bytes:
         * W_est += alpha * SMSS * bytes_acked / cwnd. At most 2^4 * 2^16 * 2^32 < 2^53. */
        uint64_t num = c->w_est >= c->cwnd_prior ? 1 : ALPHA_NUM;
        uint64_t den = c->w_est >= c->cwnd_prior ? 1 : ALPHA_DEN;
        uint64_t n = num * cc->mss * bytes_acked + c->w_est_rem;
        uint64_t d = den * cc->cwnd;
        uint64_t w_est = c->w_est + n / d;
        c->w_est_rem = n % d;
        c->w_est = w_est > TAPIR__CC_CWND_MAX ? TAPIR__CC_CWND_MAX : (uint32_t)w_est;
        /* Reno-friendly region: W_cubic(t) < W_est, and cwnd follows W_est. */
        if (w_cubic(cc, t) < (int64_t)c->w_est) {
            if (cc->cwnd < c->w_est)
                cc->cwnd = c->w_est;
            c->cwnd_rem = 0;
            return;
        }
    }

    /* §4.2: target = W_cubic(t + RTT), within [cwnd, 1.5 cwnd]. */
    int64_t target = w_cubic(cc, t + rtt_us);
    int64_t lo = cc->cwnd, hi = (int64_t)cc->cwnd + cc->cwnd / 2;
    if (target < lo)
        target = lo;
    if (target > hi)
        target = hi;
    /* §4.4/§4.5: cwnd += (target - cwnd) / cwnd per acknowledged segment; in bytes,
     * (target - cwnd) * bytes_acked / cwnd. At most 2^29 * 2^32 + 2^30 < 2^62. */
    uint64_t gap = (uint64_t)(target - lo);
    uint64_t n = gap * bytes_acked + c->cwnd_rem;
    uint64_t inc = n / cc->cwnd;
    c->cwnd_rem = n % cc->cwnd;
    if (inc >= gap) {
        inc = gap; /* an ACK of more than a window cannot pass the target */
        c->cwnd_rem = 0;
    }
    cc->cwnd += (uint32_t)inc;
}

/* §4.6 multiplicative decrease and §4.7 fast convergence; cc->cwnd is still the window
 * before the reduction. */
static uint32_t cubic_ssthresh(struct tapir__cc *cc, uint32_t in_flight)
{
    struct tapir__cc_cubic *c = &cc->u.cubic;
    if (c->fast_convergence && cc->cwnd < c->w_max)
        c->w_max = (uint32_t)((uint64_t)cc->cwnd * FAST_CONV_NUM / FAST_CONV_DEN);
    else
        c->w_max = cc->cwnd;
    c->cwnd_prior = cc->cwnd;
    c->epoch_valid = false;
    /* ssthresh = FlightSize * beta_cubic, at least 2 SMSS. RFC 9438 §4.6 uses FlightSize;
     * cwnd would do too, given the growth only while cwnd-limited (tcp_cc.c). */
    uint32_t s = (uint32_t)((uint64_t)in_flight * BETA_NUM / BETA_DEN);
    return s > 2 * cc->mss ? s : 2 * cc->mss;
}

/* §4.8: after a timeout the next congestion avoidance stage starts with K = 0 and
 * W_max = cwnd_epoch (and W_est = cwnd_epoch, as at every stage's start). */
static void cubic_on_rto(struct tapir__cc *cc)
{
    cc->u.cubic.w_max = 0;
    cc->u.cubic.epoch_valid = false;
}

/* §5.8: t must not count time in which cwnd was not used: move t_epoch forward by the time
 * since the previous ACK. */
static void cubic_app_limited(struct tapir__cc *cc, tapir_instant now)
{
    struct tapir__cc_cubic *c = &cc->u.cubic;
    if (!c->epoch_valid)
        return;
    if (now > c->last_ack_us)
        c->epoch_us += now - c->last_ack_us;
    c->last_ack_us = now;
}

/* §5.8 for idle periods. A window cut to the restart window starts a new stage instead. */
static void cubic_after_idle(struct tapir__cc *cc, tapir_instant idle_us, bool restarted)
{
    struct tapir__cc_cubic *c = &cc->u.cubic;
    if (restarted) {
        c->epoch_valid = false;
        return;
    }
    if (c->epoch_valid) {
        c->epoch_us += idle_us;
        c->last_ack_us += idle_us;
    }
}

const struct tapir__cc_ops tapir__cc_cubic_ops = {
    .name = "cubic",
    .init = cubic_init,
    .cong_avoid = cubic_cong_avoid,
    .ssthresh = cubic_ssthresh,
    .on_rto = cubic_on_rto,
    .app_limited = cubic_app_limited,
    .after_idle = cubic_after_idle,
};
