/* CUBIC congestion control (src/socket/tcp_cc_cubic.c, RFC 9438) on a virtual clock: a
 * flow with a fixed RTT that gets a full cwnd acknowledged per RTT reaches W_max = 100
 * segments, takes a congestion event, and its cwnd is then checked against RFC 9438's
 * formulas, computed here independently in double precision: the cubic curve (§4.2) before
 * and after K, the Reno-friendly estimate (§4.3), fast convergence (§4.7), timeouts (§4.8),
 * and the exclusion of application-limited and idle time from t (§5.8). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tapir/priv/tcp_cc.h"

#define MSS     1460u
#define C_CUBIC 0.4
#define BETA    0.7
#define ALPHA   (3 * (1 - BETA) / (1 + BETA))
#define T0      1000000 /* the virtual clock's start */

struct flow {
    struct tapir__cc cc;
    tapir_instant now, rtt_us;
    /* The Reno-friendly estimate, per RFC 9438 §4.3, in segments (for test_reno_friendly). */
    double w_est;
    bool track_w_est;
};

static void flow_init(struct flow *f, tapir_instant rtt_us, bool reno_friendly)
{
    assert_int_equal(tapir__cc_init(&f->cc, TAPIR__CC_CUBIC, MSS), 0);
    f->cc.u.cubic.reno_friendly = reno_friendly;
    f->now = T0;
    f->rtt_us = rtt_us;
    f->track_w_est = false;
}

static double segs(uint32_t bytes)
{
    return bytes / (double)MSS;
}

/* Cube root by Newton's method (no libm in the tests either). */
static double cbrt_d(double x)
{
    if (x <= 0)
        return 0;
    double y = x > 1 ? x / 3 : 1;
    for (int i = 0; i < 200; i++)
        y = (2 * y + x / (y * y)) / 3;
    return y;
}

/* RFC 9438 §4.2, Figure 1, in segments and seconds. */
static double w_cubic(double t, double k, double w_max)
{
    double d = t - k;
    return C_CUBIC * d * d * d + w_max;
}

/* One RTT: the whole cwnd (as it was at the start of the round) is acknowledged, one ACK
 * per segment (the last one possibly partial), spread evenly over the RTT. The sender
 * refills what each ACK frees, so FlightSize stays at the round's window. */
static void round_trip(struct flow *f)
{
    uint32_t w = tapir__cc_cwnd(&f->cc);
    uint32_t n = (w + MSS - 1) / MSS;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t bytes = i + 1 < n ? MSS : w - (n - 1) * MSS;
        double cwnd_before = segs(tapir__cc_cwnd(&f->cc));
        tapir__cc_on_ack(&f->cc, bytes, f->now + f->rtt_us * (i + 1) / n, f->rtt_us, w);
        if (f->track_w_est) {
            /* W_est += alpha_cubic * segments_acked / cwnd, alpha_cubic = 1 from cwnd_prior. */
            double alpha = f->w_est >= segs(f->cc.u.cubic.cwnd_prior) ? 1 : ALPHA;
            f->w_est += alpha * segs(bytes) / cwnd_before;
        }
    }
    f->now += f->rtt_us;
}

/* Slow start from IW 10 to 80 segments, 20 more ACKs to exactly 100, then a congestion
 * event with the 100 segments in flight and an immediate end of recovery. Returns the time
 * of the event. */
static tapir_instant to_w_max_100(struct flow *f)
{
    assert_int_equal(tapir__cc_cwnd(&f->cc), 10 * MSS);
    for (int r = 0; r < 3; r++)
        round_trip(f);
    assert_int_equal(tapir__cc_cwnd(&f->cc), 80 * MSS);
    for (int i = 0; i < 20; i++)
        tapir__cc_on_ack(&f->cc, MSS, f->now + i, f->rtt_us, 80 * MSS);
    assert_int_equal(tapir__cc_cwnd(&f->cc), 100 * MSS);
    assert_true(tapir__cc_in_slow_start(&f->cc));

    assert_true(tapir__cc_on_congestion_event(&f->cc, 100 * MSS));
    /* §4.6: ssthresh = cwnd = beta_cubic * FlightSize = 70 segments; §4.7: W_max = 100. */
    assert_int_equal(tapir__cc_ssthresh(&f->cc), 70 * MSS);
    assert_int_equal(tapir__cc_cwnd(&f->cc), 70 * MSS);
    assert_int_equal(f->cc.u.cubic.w_max, 100 * MSS);
    assert_int_equal(f->cc.u.cubic.cwnd_prior, 100 * MSS);
    tapir__cc_on_recovery_exit(&f->cc);
    assert_int_equal(tapir__cc_cwnd(&f->cc), 70 * MSS);
    assert_false(tapir__cc_in_slow_start(&f->cc));
    return f->now;
}

/* Run `rounds` RTTs after an event at `t_event` and check cwnd against W_cubic(t), t from
 * the event, within one segment. Counts the checks made before and after K. */
static void follow_curve(struct flow *f, tapir_instant t_event, int rounds, double k, double w_max,
                         int *before_k, int *after_k)
{
    for (int r = 0; r < rounds; r++) {
        round_trip(f);
        double t = (f->now - t_event) / 1e6;
        double expect = w_cubic(t, k, w_max);
        double got = segs(tapir__cc_cwnd(&f->cc));
        if (got < expect - 1 || got > expect + 1)
            fail_msg("t = %.3f s: cwnd %.3f segments, W_cubic(t) = %.3f", t, got, expect);
        if (t < k)
            (*before_k)++;
        else
            (*after_k)++;
    }
}

static void test_reduction_and_k(void **state)
{
    (void)state;
    struct flow f;
    flow_init(&f, 10000, true);
    assert_string_equal(tapir__cc_name(&f.cc), "cubic");
    to_w_max_100(&f);
    /* The stage starts at the first ACK in congestion avoidance: K = cbrt(30 / 0.4) s =
     * 4.2172 s, kept in whole milliseconds. */
    assert_false(f.cc.u.cubic.epoch_valid);
    tapir__cc_on_ack(&f.cc, MSS, f.now + 100, f.rtt_us, 70 * MSS);
    assert_true(f.cc.u.cubic.epoch_valid);
    assert_int_equal(f.cc.u.cubic.epoch_us, f.now + 100);
    assert_int_equal(f.cc.u.cubic.cwnd_epoch, 70 * MSS);
    assert_int_equal(f.cc.u.cubic.k_ms, 4217);
    assert_int_equal(f.cc.u.cubic.w_est, 70 * MSS + (9 * MSS * MSS) / (17 * 70 * MSS));
}

/* K for a range of W_max - cwnd_epoch against the double-precision cube root: the integer
 * cube root is exact (floor) wherever double rounding cannot matter. */
static void test_k_values(void **state)
{
    (void)state;
    static const uint32_t diffs[] = {
        1, 2, 3, 7, 30, 64, 1000, 12345, 100000, 700000, 123456789, TAPIR__CC_CWND_MAX - 2 * MSS};
    for (size_t i = 0; i < sizeof diffs / sizeof diffs[0]; i++) {
        struct tapir__cc cc;
        assert_int_equal(tapir__cc_init(&cc, TAPIR__CC_CUBIC, MSS), 0);
        /* Up to 700000 (so dW stays below 2^30 bytes) diffs[i] counts segments, beyond it
         * bytes. */
        uint64_t dw = diffs[i] <= 700000 ? (uint64_t)diffs[i] * MSS : diffs[i];
        cc.cwnd = 2 * MSS;
        cc.ssthresh = 2 * MSS;
        cc.u.cubic.w_max = (uint32_t)(cc.cwnd + dw);
        tapir__cc_on_ack(&cc, MSS, T0, 0, 2 * MSS);
        double k_ms = 1000 * cbrt_d((double)dw / MSS / C_CUBIC);
        tapir_instant want = (tapir_instant)k_ms;
        if (cc.u.cubic.k_ms != want)
            fail_msg("dW = %llu bytes: K %lld ms, expected %.4f", (unsigned long long)dw,
                     (long long)cc.u.cubic.k_ms, k_ms);
    }
}

/* The brief's flow: RTT 10 ms, W_max 100. At so short an RTT the Reno-friendly region of
 * §4.3 would take over (see test_reno_friendly), so the pure curve is checked with it off,
 * as Linux's tcp_friendliness = 0 would. */
static void test_curve_short_rtt(void **state)
{
    (void)state;
    struct flow f;
    flow_init(&f, 10000, false);
    tapir_instant t_event = to_w_max_100(&f);
    double k = cbrt_d(100 * (1 - BETA) / C_CUBIC);
    int before = 0, after = 0;
    /* 10 s: to K = 4.2 s in the concave region, then convex to about 175 segments. */
    follow_curve(&f, t_event, 1000, k, 100, &before, &after);
    assert_true(before >= 400);
    assert_true(after >= 500);
    assert_true(segs(tapir__cc_cwnd(&f.cc)) > 170);
    assert_int_equal(f.cc.congestion_events, 1);
}

/* RTT 200 ms with the Reno-friendly region on (the default): W_est grows by 0.53 segment
 * per RTT, too slowly to overtake the curve, so cwnd follows W_cubic. */
static void test_curve_long_rtt(void **state)
{
    (void)state;
    struct flow f;
    flow_init(&f, 200000, true);
    tapir_instant t_event = to_w_max_100(&f);
    double k = cbrt_d(100 * (1 - BETA) / C_CUBIC);
    int before = 0, after = 0;
    follow_curve(&f, t_event, 50, k, 100, &before, &after);
    assert_true(before >= 20);
    assert_true(after >= 20);
    assert_true(f.cc.u.cubic.w_est < tapir__cc_cwnd(&f.cc));
}

/* RTT 10 ms, defaults: W_cubic(t) < W_est almost at once, and cwnd is W_est (§4.3):
 * alpha_cubic = 9/17 segment per RTT up to cwnd_prior (100), then 1 per RTT. */
static void test_reno_friendly(void **state)
{
    (void)state;
    struct flow f;
    flow_init(&f, 10000, true);
    tapir_instant t_event = to_w_max_100(&f);
    f.w_est = 70;
    f.track_w_est = true;
    double k = cbrt_d(100 * (1 - BETA) / C_CUBIC);
    uint32_t at_100 = 0;
    for (int r = 1; r <= 300; r++) {
        round_trip(&f);
        double got = segs(tapir__cc_cwnd(&f.cc));
        if (got < f.w_est - 0.05 || got > f.w_est + 0.05)
            fail_msg("round %d: cwnd %.3f, W_est %.3f", r, got, f.w_est);
        assert_int_equal(f.cc.u.cubic.w_est, tapir__cc_cwnd(&f.cc));
        double t = (f.now - t_event) / 1e6;
        if (r >= 5)
            assert_true(got > w_cubic(t, k, 100) + 1);
        if (at_100 == 0 && got >= 100)
            at_100 = (uint32_t)r;
    }
    /* 30 segments at 9/17 per RTT: the 57th round. */
    assert_int_equal(at_100, 57);
    /* Then 1 segment per RTT. */
    uint32_t before = tapir__cc_cwnd(&f.cc);
    for (int r = 0; r < 100; r++)
        round_trip(&f);
    double grew = segs(tapir__cc_cwnd(&f.cc) - before);
    assert_true(grew > 99.5 && grew <= 100.0);
}

/* §4.7: a second event below the previous W_max remembers 0.85 cwnd as W_max. */
static void test_fast_convergence(void **state)
{
    (void)state;
    struct flow f;
    flow_init(&f, 10000, false);
    tapir_instant t_event = to_w_max_100(&f);
    double k = cbrt_d(100 * (1 - BETA) / C_CUBIC);
    while (tapir__cc_cwnd(&f.cc) < 90 * MSS) {
        round_trip(&f);
        double t = (f.now - t_event) / 1e6;
        assert_true(t < k); /* the second loss comes before the old W_max is reached */
    }
    uint32_t cwnd = tapir__cc_cwnd(&f.cc);
    assert_true(tapir__cc_on_congestion_event(&f.cc, cwnd));
    t_event = f.now;
    assert_int_equal(f.cc.u.cubic.w_max, (uint32_t)((uint64_t)cwnd * 17 / 20));
    assert_int_equal(f.cc.u.cubic.cwnd_prior, cwnd);
    assert_int_equal(tapir__cc_ssthresh(&f.cc), (uint32_t)((uint64_t)cwnd * 7 / 10));
    assert_int_equal(tapir__cc_cwnd(&f.cc), (uint32_t)((uint64_t)cwnd * 7 / 10));
    tapir__cc_on_recovery_exit(&f.cc);

    /* The new curve: W_max' = 0.85 cwnd, K = cbrt((W_max' - 0.7 cwnd) / C). */
    double w_max = segs(cwnd) * (1 + BETA) / 2;
    double k2 = cbrt_d((w_max - segs(cwnd) * BETA) / C_CUBIC);
    int before = 0, after = 0;
    follow_curve(&f, t_event, 800, k2, w_max, &before, &after);
    /* K from the same bytes, in whole milliseconds (floor, up to double rounding). */
    double k_ms = 1000 * cbrt_d(segs(f.cc.u.cubic.w_max - f.cc.u.cubic.cwnd_epoch) / C_CUBIC);
    assert_true(f.cc.u.cubic.k_ms >= (tapir_instant)k_ms - 1);
    assert_true(f.cc.u.cubic.k_ms <= (tapir_instant)k_ms);
    assert_true(k2 > 3.2 && k2 < 3.3);
    assert_true(before >= 300);
    assert_true(after >= 400);

    /* Without fast convergence the same event remembers cwnd itself. */
    flow_init(&f, 10000, false);
    f.cc.u.cubic.fast_convergence = false;
    to_w_max_100(&f);
    while (tapir__cc_cwnd(&f.cc) < 90 * MSS)
        round_trip(&f);
    cwnd = tapir__cc_cwnd(&f.cc);
    assert_true(tapir__cc_on_congestion_event(&f.cc, cwnd));
    assert_int_equal(f.cc.u.cubic.w_max, cwnd);

    /* And an event above the previous W_max is no reason to converge. */
    flow_init(&f, 10000, false);
    to_w_max_100(&f);
    while (tapir__cc_cwnd(&f.cc) < 110 * MSS)
        round_trip(&f);
    cwnd = tapir__cc_cwnd(&f.cc);
    assert_true(tapir__cc_on_congestion_event(&f.cc, cwnd));
    assert_int_equal(f.cc.u.cubic.w_max, cwnd);
}

/* §4.8: a timeout sets ssthresh with beta_cubic, cwnd = 1 SMSS, and the next stage starts
 * with K = 0 and W_max = cwnd_epoch: convex from the start. */
static void test_timeout(void **state)
{
    (void)state;
    struct flow f;
    flow_init(&f, 10000, false);
    to_w_max_100(&f);
    for (int r = 0; r < 20; r++)
        round_trip(&f);
    tapir__cc_on_rto(&f.cc, 80 * MSS);
    assert_int_equal(tapir__cc_cwnd(&f.cc), MSS);
    assert_int_equal(tapir__cc_ssthresh(&f.cc), 56 * MSS);
    assert_int_equal(f.cc.u.cubic.w_max, 0);
    /* A repeated timeout keeps ssthresh. */
    tapir__cc_on_rto(&f.cc, MSS);
    assert_int_equal(tapir__cc_ssthresh(&f.cc), 56 * MSS);
    /* Slow start (1 SMSS per ACK after a timeout) to 56 segments. */
    while (tapir__cc_in_slow_start(&f.cc))
        round_trip(&f);
    assert_true(f.cc.u.cubic.epoch_valid);
    assert_int_equal(f.cc.u.cubic.k_ms, 0);
    assert_int_equal(f.cc.u.cubic.w_max, 56 * MSS);
    assert_int_equal(f.cc.u.cubic.cwnd_epoch, 56 * MSS);
    /* t from the start of the stage (t_epoch), K = 0, W_max = 56. */
    tapir_instant t_epoch = f.cc.u.cubic.epoch_us;
    int before = 0, after = 0;
    follow_curve(&f, t_epoch, 400, 0, 56, &before, &after);
    assert_int_equal(before, 0);
    assert_true(segs(tapir__cc_cwnd(&f.cc)) > 56 + C_CUBIC * 3.9 * 3.9 * 3.9);
}

/* §4.2's bounds on the target: never more than 1.5 cwnd per RTT, even when t is huge. */
static void test_target_bounds(void **state)
{
    (void)state;
    struct flow f;
    flow_init(&f, 10000, false);
    to_w_max_100(&f);
    round_trip(&f);
    /* Pretend the stage began 1000 s ago: W_cubic(t) is astronomically large. */
    f.cc.u.cubic.epoch_us -= 1000 * (tapir_instant)TAPIR_US_PER_S;
    uint32_t w = tapir__cc_cwnd(&f.cc);
    round_trip(&f);
    /* The target is capped at 1.5 cwnd, so each ACK of a segment adds
     * (1.5 cwnd - cwnd) / cwnd = 0.5 segment: the window grows by half in the round. */
    assert_true(tapir__cc_cwnd(&f.cc) >= w + w / 2 - MSS);
    assert_true(tapir__cc_cwnd(&f.cc) <= w + w / 2 + MSS);
    /* And the window never passes the cap. */
    for (int r = 0; r < 40; r++) {
        f.cc.u.cubic.epoch_us -= 1000 * (tapir_instant)TAPIR_US_PER_S;
        tapir__cc_on_ack(&f.cc, UINT32_MAX, f.now, f.rtt_us, TAPIR__CC_CWND_MAX);
        assert_true(tapir__cc_cwnd(&f.cc) <= TAPIR__CC_CWND_MAX);
    }
    assert_int_equal(tapir__cc_cwnd(&f.cc), TAPIR__CC_CWND_MAX);
}

/* §5.8: no growth while the flow does not use its window, and that time is not part of t. */
static void test_app_limited(void **state)
{
    (void)state;
    struct flow a, b;
    flow_init(&a, 10000, false);
    flow_init(&b, 10000, false);
    to_w_max_100(&a);
    to_w_max_100(&b);
    for (int r = 0; r < 100; r++) {
        round_trip(&a);
        round_trip(&b);
    }
    assert_int_equal(tapir__cc_cwnd(&a.cc), tapir__cc_cwnd(&b.cc));
    /* b sends only a few segments for 2 s: ACKs every 10 ms with 4 segments in flight. */
    uint32_t w = tapir__cc_cwnd(&b.cc);
    tapir_instant epoch = b.cc.u.cubic.epoch_us;
    tapir_instant last = b.cc.u.cubic.last_ack_us;
    for (int i = 1; i <= 200; i++) {
        b.now += 10000;
        tapir__cc_on_ack(&b.cc, MSS, b.now, b.rtt_us, 4 * MSS);
    }
    assert_int_equal(tapir__cc_cwnd(&b.cc), w);
    /* t_epoch moved by exactly the time between the last cwnd-limited ACK and the last
     * application-limited one. */
    assert_int_equal(b.cc.u.cubic.epoch_us, epoch + (b.now - last));
    /* Back to a bulk transfer: b continues its curve where it left it, as a did without
     * the pause; without the shift it would jump 2 s ahead on the curve. */
    for (int r = 0; r < 100; r++) {
        round_trip(&a);
        round_trip(&b);
    }
    double da = segs(tapir__cc_cwnd(&a.cc)), db = segs(tapir__cc_cwnd(&b.cc));
    assert_true(db > da - 0.5 && db < da + 0.5);
}

static void test_after_idle(void **state)
{
    (void)state;
    struct flow f;
    flow_init(&f, 10000, false);
    to_w_max_100(&f);
    for (int r = 0; r < 10; r++)
        round_trip(&f);
    uint32_t w = tapir__cc_cwnd(&f.cc);
    tapir_instant epoch = f.cc.u.cubic.epoch_us;
    /* Idle below the RTO: same window, t_epoch moved by the idle time. */
    tapir__cc_after_idle(&f.cc, 150000, 200000);
    assert_int_equal(tapir__cc_cwnd(&f.cc), w);
    assert_int_equal(f.cc.u.cubic.epoch_us, epoch + 150000);
    /* Beyond it: the restart window (IW) and a new stage after slow start. */
    tapir__cc_after_idle(&f.cc, 300000, 200000);
    assert_int_equal(tapir__cc_cwnd(&f.cc), 10 * MSS);
    assert_false(f.cc.u.cubic.epoch_valid);
    assert_true(tapir__cc_in_slow_start(&f.cc));
    while (tapir__cc_in_slow_start(&f.cc))
        round_trip(&f);
    /* W_max = 100 is still remembered: the new stage climbs back towards it. */
    assert_int_equal(f.cc.u.cubic.w_max, 100 * MSS);
    assert_true(f.cc.u.cubic.k_ms > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reduction_and_k), cmocka_unit_test(test_k_values),
        cmocka_unit_test(test_curve_short_rtt), cmocka_unit_test(test_curve_long_rtt),
        cmocka_unit_test(test_reno_friendly),   cmocka_unit_test(test_fast_convergence),
        cmocka_unit_test(test_timeout),         cmocka_unit_test(test_target_bounds),
        cmocka_unit_test(test_app_limited),     cmocka_unit_test(test_after_idle),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
