/* Congestion control through a whole connection (two stacks on the pair, a virtual clock,
 * 50 ms each way through the fault injector: an RTT of 100 ms). A bulk transfer from A
 * slows down at a slow-start threshold of 100 segments (as a route's ssthresh metric
 * would set it), runs at W = 100 segments, then loses exactly one segment:
 *
 *   tcp_cubic_curve:   RFC 9438. ssthresh = cwnd = 0.7 W_max after the recovery, and from
 *                      the start of the congestion avoidance stage cwnd follows
 *                      W_cubic(t) = C (t - K)^3 + W_max, K = cbrt(W_max (1 - beta) / C),
 *                      within one segment at every round trip, before and after K (at
 *                      100 ms the curve stays above the Reno-friendly estimate, §4.3);
 *                      cwnd runs one RTT ahead on it, W_cubic(t + RTT) being §4.2's target.
 *   tcp_newreno_curve: RFC 5681 / 6582. ssthresh = cwnd = FlightSize / 2 after the
 *                      recovery, then cwnd grows by one segment per round trip.
 *
 * The expected values are computed here, in double precision, from the RFCs' formulas and
 * the socket's own time line (the stage's start), not from the congestion module. */
/* ctest-case: tcp_cubic_curve test_cubic */
/* ctest-case: tcp_newreno_curve test_newreno */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tcp_recovery_util.h"

#define DELAY_US (50 * (tapir_instant)TAPIR_US_PER_MS)
#define RTT_US   (2 * DELAY_US)
#define W_SEGS   100u

/* The one loss: the first data segment A sends once the flight has reached W_SEGS. */
struct one_drop {
    struct tapir_tcp_socket *s;
    bool armed, done;
    uint32_t seq;
};

static bool drop_one(void *ctx, const uint8_t *frame, size_t len)
{
    struct one_drop *d = ctx;
    uint32_t seq;
    size_t payload;
    if (d->done || !d->armed || !rc_tcp_of(frame, len, &seq, &payload) || payload == 0)
        return false;
    if (seq != d->s->snd_max - payload)
        return false; /* not new data */
    d->done = true;
    d->seq = seq;
    return true;
}

/* Cube root by Newton's method (no libm in the tests). */
static double cbrt_d(double x)
{
    double y = x > 1 ? x / 3 : 1;
    for (int i = 0; i < 200; i++)
        y = (2 * y + x / (y * y)) / 3;
    return y;
}

struct flow {
    struct netsim n;
    struct rc_conn c;
    struct rc_stream st;
    struct one_drop drop;
    struct tapir_tcp_socket *s;
    double mss;
};

static void flow_step(struct flow *f)
{
    rc_stream_push(&f->st);
    netsim_settle(&f->n);
    rc_stream_pull(&f->st);
    netsim_advance(&f->n, TAPIR_US_PER_MS);
}

static double cwnd_segs(const struct flow *f)
{
    return tapir__cc_cwnd(&f->s->cc) / f->mss;
}

/* Open the connection with `algo`, run to a W_SEGS-segment flight, lose one segment and
 * run until the recovery is over. Returns with the first congestion avoidance ACK taken. */
static void flow_to_loss(struct flow *f, enum tapir__cc_algo algo)
{
    struct tapir_fault_options fo;
    memset(&fo, 0, sizeof fo);
    fo.seed = 1;
    fo.rx.delay_us = DELAY_US;
    fo.tx.delay_us = DELAY_US;
    netsim_init(&f->n, &fo, 0);
    struct tapir_tcp_config cfg;
    tapir_tcp_config_default(&cfg);
    cfg.cc = algo;
    rc_open(&f->n, &f->c, false, 1024 * 1024, &cfg, NULL);
    f->s = f->c.server;
    f->mss = f->s->mss;
    /* Slow start ends at W_SEGS (like `ip route ... ssthresh 100`). */
    f->s->cc.ssthresh = W_SEGS * f->s->mss;
    rc_stream_init(&f->st, f->s, &f->c.client, 9, 1u << 30);
    f->drop.s = f->s;
    f->n.drop_a_tx = drop_one;
    f->n.drop_ctx = &f->drop;

    for (int i = 0; i < 5000 && f->s->snd_max - f->s->snd_una < W_SEGS * f->s->mss; i++)
        flow_step(f);
    /* At the threshold: W = 100 segments in flight, cwnd 100 (congestion avoidance has
     * barely begun to add to it). */
    assert_false(tapir__cc_in_slow_start(&f->s->cc));
    assert_true(f->s->snd_max - f->s->snd_una >= W_SEGS * f->s->mss);
    assert_true(cwnd_segs(f) >= W_SEGS && cwnd_segs(f) < W_SEGS + 1);
    f->drop.armed = true;
    uint32_t events = f->s->cc.congestion_events;
    for (int i = 0; i < 5000 && f->s->cc.congestion_events == events; i++)
        flow_step(f);
    assert_true(f->drop.done);
    assert_int_equal(f->s->cc.congestion_events, events + 1);
    for (int i = 0; i < 5000 && tapir__cc_in_recovery(&f->s->cc); i++)
        flow_step(f);
    assert_false(tapir__cc_in_recovery(&f->s->cc));
    assert_int_equal(f->n.dropped_a_tx, 1);
    assert_int_equal(f->s->stats.retransmissions, 1);
    assert_int_equal(f->s->stats.rto_expirations, 0);
}

static void flow_free(struct flow *f)
{
    rc_close(&f->n, &f->c);
    netsim_free(&f->n);
}

static void test_cubic(void **state)
{
    (void)state;
    static struct flow f;
    memset(&f, 0, sizeof f);
    flow_to_loss(&f, TAPIR__CC_CUBIC);
    const struct tapir__cc_cubic *cu = &f.s->cc.u.cubic;
    /* §4.6/§4.7: W_max = cwnd at the event, cwnd = ssthresh = 0.7 x FlightSize; both a
     * little over 100 segments, as the window grew for the round trip the SACKs took. */
    double w_max = cu->w_max / f.mss;
    double ssthresh = tapir__cc_ssthresh(&f.s->cc) / f.mss;
    printf("cubic: W_max %.2f segments, ssthresh %.2f\n", w_max, ssthresh);
    assert_true(w_max >= W_SEGS && w_max < W_SEGS + 3);
    assert_true(ssthresh >= 0.7 * W_SEGS && ssthresh < 0.7 * (W_SEGS + 3));
    /* Run until the stage has started (the first ACK in congestion avoidance). */
    for (int i = 0; i < 1000 && !cu->epoch_valid; i++)
        flow_step(&f);
    assert_true(cu->epoch_valid);
    tapir_instant epoch = cu->epoch_us;
    double start = cu->cwnd_epoch / f.mss;
    assert_true(start >= ssthresh && start < ssthresh + 1);
    double k = cbrt_d((w_max - start) / 0.4); /* §4.2 Figure 2, in seconds */
    printf("cubic: W_max %.2f, cwnd_epoch %.2f, K %.3f s\n", w_max, start, k);

    int before_k = 0, after_k = 0;
    double worst = 0;
    tapir_instant next = epoch + RTT_US;
    while (f.n.clock.now_us < epoch + (tapir_instant)((k + 1.5) * TAPIR_US_PER_S)) {
        flow_step(&f);
        if (f.n.clock.now_us < next)
            continue;
        next += RTT_US;
        /* The stage never paused: the flow stayed cwnd-limited (§5.8 would move t_epoch). */
        assert_int_equal(cu->epoch_us, epoch);
        /* RFC 9438 §4.2 steers cwnd towards W_cubic(t + RTT), the window one round trip
         * ahead; B acknowledges each batch with one ACK, so cwnd reaches that target at
         * each ACK: compare with it. */
        double t = (double)(f.n.clock.now_us - epoch) / TAPIR_US_PER_S;
        double d = t + (double)RTT_US / TAPIR_US_PER_S - k;
        double expect = 0.4 * d * d * d + w_max;
        double got = cwnd_segs(&f);
        if (got < expect - 1 || got > expect + 1)
            fail_msg("t = %.3f s: cwnd %.3f segments, W_cubic(t + RTT) = %.3f", t, got, expect);
        if (got - expect > worst || expect - got > worst)
            worst = got > expect ? got - expect : expect - got;
        if (t < k)
            before_k++;
        else
            after_k++;
    }
    printf("cubic: %d round trips before K, %d after, largest gap %.3f segments\n", before_k,
           after_k, worst);
    assert_true(before_k >= 40);
    assert_true(after_k >= 14);
    assert_int_equal(f.s->stats.retransmissions, 1);
    assert_int_equal(f.s->cc.congestion_events, 1);
    flow_free(&f);
}

static void test_newreno(void **state)
{
    (void)state;
    static struct flow f;
    memset(&f, 0, sizeof f);
    flow_to_loss(&f, TAPIR__CC_NEWRENO);
    /* RFC 5681 §3.1 (4): ssthresh = FlightSize / 2, FlightSize a little over 100 segments
     * by the time the SACKs came; cwnd = ssthresh after the recovery (RFC 6582 §3.2 step 6). */
    double ssthresh = tapir__cc_ssthresh(&f.s->cc) / f.mss;
    assert_true(ssthresh >= W_SEGS / 2.0 && ssthresh <= (W_SEGS + 2) / 2.0);
    assert_int_equal(tapir__cc_cwnd(&f.s->cc), tapir__cc_ssthresh(&f.s->cc));
    /* Then one segment per round trip: sample at every RTT for 30 RTTs. */
    double start = cwnd_segs(&f);
    tapir_instant t0 = f.n.clock.now_us;
    for (int r = 1; r <= 30; r++) {
        while (f.n.clock.now_us < t0 + r * RTT_US)
            flow_step(&f);
        double got = cwnd_segs(&f), expect = start + r;
        if (got < expect - 1 || got > expect + 1)
            fail_msg("round %d: cwnd %.3f segments, expected %.3f", r, got, expect);
    }
    printf("newreno: cwnd %.2f -> %.2f segments in 30 round trips\n", start, cwnd_segs(&f));
    assert_int_equal(f.s->stats.retransmissions, 1);
    assert_int_equal(f.s->cc.congestion_events, 1);
    flow_free(&f);
}

int main(int argc, char **argv)
{
    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cubic),
        cmocka_unit_test(test_newreno),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
