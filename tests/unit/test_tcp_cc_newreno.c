/* NewReno congestion control and the part common to every algorithm (src/socket/tcp_cc.c,
 * src/socket/tcp_cc_newreno.c): RFC 6928's initial window, RFC 5681 slow start with RFC
 * 3465 byte counting, congestion avoidance at exactly one segment per RTT, the congestion
 * event, RFC 6582's recovery window, timeouts and restart after idle, all in exact bytes on
 * a virtual clock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tapir/error.h"
#include "tapir/priv/tcp_cc.h"

#define MSS    1460u
#define RTT_US 10000 /* 10 ms */

/* A sender on a virtual clock that always has data: each round it sends what cwnd allows
 * (whole segments) and gets all of it acknowledged within one RTT, `per_ack` segments per
 * ACK (1: an ACK per segment; 2: delayed ACKs), the ACKs spread evenly over the RTT. */
struct flow {
    struct tapir__cc cc;
    tapir_instant now;
};

static void flow_init(struct flow *f, enum tapir__cc_algo algo)
{
    assert_int_equal(tapir__cc_init(&f->cc, algo, MSS), 0);
    f->now = 1000000;
}

static void round_trip(struct flow *f, uint32_t per_ack)
{
    uint32_t segs = tapir__cc_cwnd(&f->cc) / MSS;
    /* The sender refills what each ACK frees, so FlightSize stays at the round's window. */
    uint32_t in_flight = segs * MSS;
    uint32_t acks = (segs + per_ack - 1) / per_ack;
    for (uint32_t i = 0; i < acks; i++) {
        uint32_t n = segs - i * per_ack < per_ack ? segs - i * per_ack : per_ack;
        tapir__cc_on_ack(&f->cc, n * MSS, f->now + RTT_US * (i + 1) / acks, RTT_US, in_flight);
    }
    f->now += RTT_US;
}

static void test_initial_window(void **state)
{
    (void)state;
    struct tapir__cc cc;
    /* RFC 6928 §2: min(10 MSS, max(2 MSS, 14600)). */
    assert_int_equal(tapir__cc_init(&cc, TAPIR__CC_NEWRENO, 1460), 0);
    assert_int_equal(tapir__cc_cwnd(&cc), 14600);
    assert_int_equal(tapir__cc_ssthresh(&cc), UINT32_MAX);
    assert_true(tapir__cc_in_slow_start(&cc));
    assert_false(tapir__cc_in_recovery(&cc));
    assert_string_equal(tapir__cc_name(&cc), "newreno");
    assert_int_equal(tapir__cc_init(&cc, TAPIR__CC_NEWRENO, 536), 0);
    assert_int_equal(tapir__cc_cwnd(&cc), 5360);
    assert_int_equal(tapir__cc_init(&cc, TAPIR__CC_NEWRENO, 4000), 0);
    assert_int_equal(tapir__cc_cwnd(&cc), 14600);
    assert_int_equal(tapir__cc_init(&cc, TAPIR__CC_NEWRENO, 8960), 0);
    assert_int_equal(tapir__cc_cwnd(&cc), 17920);
    assert_int_equal(tapir__cc_init(&cc, TAPIR__CC_NEWRENO, 1), 0);
    assert_int_equal(tapir__cc_cwnd(&cc), 10);
    /* CUBIC is the default (the zero value of the enum). */
    assert_int_equal(tapir__cc_init(&cc, (enum tapir__cc_algo)0, 1460), 0);
    assert_string_equal(tapir__cc_name(&cc), "cubic");
    assert_int_equal(tapir__cc_cwnd(&cc), 14600);

    /* Bad arguments leave the struct untouched. */
    cc.cwnd = 12345;
    assert_int_equal(tapir__cc_init(&cc, TAPIR__CC_NEWRENO, 0), TAPIR_EINVAL);
    assert_int_equal(tapir__cc_init(&cc, TAPIR__CC_NEWRENO, 65536), TAPIR_EINVAL);
    assert_int_equal(tapir__cc_init(&cc, (enum tapir__cc_algo)7, 1460), TAPIR_EINVAL);
    assert_int_equal(cc.cwnd, 12345);
}

static void test_slow_start_doubles(void **state)
{
    (void)state;
    struct flow f;
    flow_init(&f, TAPIR__CC_NEWRENO);
    uint32_t expect = 10;
    for (int r = 0; r < 6; r++) {
        assert_int_equal(tapir__cc_cwnd(&f.cc), expect * MSS);
        round_trip(&f, 1);
        expect *= 2;
    }
    assert_int_equal(tapir__cc_cwnd(&f.cc), 640 * MSS);

    /* Delayed ACKs (one per two segments): still doubles per RTT. */
    flow_init(&f, TAPIR__CC_NEWRENO);
    expect = 10;
    for (int r = 0; r < 5; r++) {
        assert_int_equal(tapir__cc_cwnd(&f.cc), expect * MSS);
        round_trip(&f, 2);
        expect *= 2;
    }
    /* A stretch ACK of 10 segments (a receiver that coalesces, as Linux's GRO does) grows
     * cwnd by all 10: no L = 2 SMSS cap (tcp_cc.h says why). */
    flow_init(&f, TAPIR__CC_NEWRENO);
    tapir__cc_on_ack(&f.cc, 10 * MSS, f.now, RTT_US, 10 * MSS);
    assert_int_equal(tapir__cc_cwnd(&f.cc), 20 * MSS);
    /* A partial segment counts by its bytes. */
    tapir__cc_on_ack(&f.cc, 100, f.now, RTT_US, 20 * MSS);
    assert_int_equal(tapir__cc_cwnd(&f.cc), 20 * MSS + 100);
    /* An ACK of nothing new changes nothing. */
    tapir__cc_on_ack(&f.cc, 0, f.now, RTT_US, 20 * MSS);
    assert_int_equal(tapir__cc_cwnd(&f.cc), 20 * MSS + 100);
}

/* Slow start to 160 segments, then a loss with all 160 in flight. */
static void to_congestion_event(struct flow *f)
{
    for (int r = 0; r < 4; r++)
        round_trip(f, 1);
    assert_int_equal(tapir__cc_cwnd(&f->cc), 160 * MSS);
    /* RFC 5681 §3.2 eq. 4: ssthresh = max(FlightSize / 2, 2 SMSS), cwnd = ssthresh. */
    assert_true(tapir__cc_on_congestion_event(&f->cc, 160 * MSS));
    assert_int_equal(tapir__cc_ssthresh(&f->cc), 80 * MSS);
    assert_int_equal(tapir__cc_cwnd(&f->cc), 80 * MSS);
    assert_true(tapir__cc_in_recovery(&f->cc));
    assert_int_equal(f->cc.congestion_events, 1);
}

static void test_congestion_event_halves_then_linear(void **state)
{
    (void)state;
    struct flow f;
    flow_init(&f, TAPIR__CC_NEWRENO);
    to_congestion_event(&f);
    tapir__cc_on_recovery_exit(&f.cc);
    assert_false(tapir__cc_in_recovery(&f.cc));
    assert_int_equal(tapir__cc_cwnd(&f.cc), 80 * MSS);
    assert_false(tapir__cc_in_slow_start(&f.cc));

    /* Congestion avoidance: exactly +1 segment per RTT, with per-segment ACKs... */
    for (uint32_t r = 1; r <= 30; r++) {
        round_trip(&f, 1);
        assert_int_equal(tapir__cc_cwnd(&f.cc), (80 + r) * MSS);
    }
    /* ...and with delayed ACKs. */
    for (uint32_t r = 1; r <= 30; r++) {
        round_trip(&f, 2);
        assert_int_equal(tapir__cc_cwnd(&f.cc), (110 + r) * MSS);
    }
    assert_int_equal(tapir__cc_ssthresh(&f.cc), 80 * MSS);

    /* A second loss halves again, from what is in flight. */
    assert_true(tapir__cc_on_congestion_event(&f.cc, 140 * MSS));
    assert_int_equal(tapir__cc_ssthresh(&f.cc), 70 * MSS);
    assert_int_equal(tapir__cc_cwnd(&f.cc), 70 * MSS);
    /* ssthresh never below 2 SMSS. */
    tapir__cc_on_recovery_exit(&f.cc);
    assert_true(tapir__cc_on_congestion_event(&f.cc, 3 * MSS));
    assert_int_equal(tapir__cc_ssthresh(&f.cc), 2 * MSS);
}

static void test_recovery_window(void **state)
{
    (void)state;
    struct flow f;
    flow_init(&f, TAPIR__CC_NEWRENO);
    to_congestion_event(&f);
    /* A second event in the same recovery does not reduce again. */
    assert_false(tapir__cc_on_congestion_event(&f.cc, 100 * MSS));
    assert_int_equal(tapir__cc_ssthresh(&f.cc), 80 * MSS);
    assert_int_equal(f.cc.congestion_events, 1);
    /* RFC 6582 §3.2 step 2: cwnd = ssthresh + 3 SMSS; step 4: +1 SMSS per further dup ACK. */
    tapir__cc_recovery_inflate(&f.cc, 3 * MSS);
    assert_int_equal(tapir__cc_cwnd(&f.cc), 83 * MSS);
    for (int i = 0; i < 5; i++)
        tapir__cc_recovery_inflate(&f.cc, MSS);
    assert_int_equal(tapir__cc_cwnd(&f.cc), 88 * MSS);
    /* ACKs of new data in recovery do not grow the window themselves, not even one of more
     * than a window. */
    tapir__cc_on_ack(&f.cc, 100 * MSS, f.now, RTT_US, 150 * MSS);
    assert_int_equal(tapir__cc_cwnd(&f.cc), 88 * MSS);
    /* Step 5: a partial ACK of 4 segments deflates by 4 and adds 1 back... */
    tapir__cc_recovery_partial_ack(&f.cc, 4 * MSS);
    assert_int_equal(tapir__cc_cwnd(&f.cc), 85 * MSS);
    /* ...one of less than a segment deflates only. */
    tapir__cc_recovery_partial_ack(&f.cc, 500);
    assert_int_equal(tapir__cc_cwnd(&f.cc), 85 * MSS - 500);
    /* Never below 1 SMSS. */
    tapir__cc_recovery_partial_ack(&f.cc, 200 * MSS);
    assert_int_equal(tapir__cc_cwnd(&f.cc), MSS);
    tapir__cc_recovery_inflate(&f.cc, 90 * MSS);
    /* Step 6: the full ACK: cwnd = ssthresh, whatever is in flight (tcp_cc.h says why). */
    tapir__cc_on_recovery_exit(&f.cc);
    assert_int_equal(tapir__cc_cwnd(&f.cc), 80 * MSS);
    assert_false(tapir__cc_in_recovery(&f.cc));
    /* Outside recovery the recovery calls do nothing. */
    tapir__cc_recovery_inflate(&f.cc, 3 * MSS);
    tapir__cc_recovery_partial_ack(&f.cc, 3 * MSS);
    tapir__cc_on_recovery_exit(&f.cc);
    assert_int_equal(tapir__cc_cwnd(&f.cc), 80 * MSS);
    /* Congestion avoidance from there: one segment per round trip. */
    assert_false(tapir__cc_in_slow_start(&f.cc));
    round_trip(&f, 1);
    assert_int_equal(tapir__cc_cwnd(&f.cc), 81 * MSS);
    round_trip(&f, 1);
    assert_int_equal(tapir__cc_cwnd(&f.cc), 82 * MSS);
}

static void test_slow_start_into_avoidance(void **state)
{
    (void)state;
    struct flow f;
    flow_init(&f, TAPIR__CC_NEWRENO);
    to_congestion_event(&f);
    tapir__cc_on_recovery_exit(&f.cc);
    assert_int_equal(tapir__cc_cwnd(&f.cc), 80 * MSS);
    /* One ACK of 2 segments at 79 segments takes cwnd to ssthresh (80) and the other
     * segment's bytes count in congestion avoidance. */
    f.cc.cwnd = 79 * MSS;
    tapir__cc_on_ack(&f.cc, 2 * MSS, f.now, RTT_US, 79 * MSS);
    assert_int_equal(tapir__cc_cwnd(&f.cc), 80 * MSS);
    assert_int_equal(f.cc.u.newreno.bytes_acked, MSS);
    /* 79 more segments complete a window: +1 SMSS. */
    for (int i = 0; i < 78; i++)
        tapir__cc_on_ack(&f.cc, MSS, f.now, RTT_US, 80 * MSS);
    assert_int_equal(tapir__cc_cwnd(&f.cc), 80 * MSS);
    tapir__cc_on_ack(&f.cc, MSS, f.now, RTT_US, 80 * MSS);
    assert_int_equal(tapir__cc_cwnd(&f.cc), 81 * MSS);
    assert_int_equal(f.cc.u.newreno.bytes_acked, 0);
}

static void test_rto(void **state)
{
    (void)state;
    struct flow f;
    flow_init(&f, TAPIR__CC_NEWRENO);
    for (int r = 0; r < 3; r++)
        round_trip(&f, 1);
    assert_int_equal(tapir__cc_cwnd(&f.cc), 80 * MSS);
    /* RFC 5681 §3.1: cwnd = LW = 1 SMSS, ssthresh = max(FlightSize / 2, 2 SMSS). */
    tapir__cc_on_rto(&f.cc, 60 * MSS);
    assert_int_equal(tapir__cc_cwnd(&f.cc), MSS);
    assert_int_equal(tapir__cc_ssthresh(&f.cc), 30 * MSS);
    assert_int_equal(f.cc.timeouts, 1);
    /* The same segment times out again: ssthresh is held. */
    tapir__cc_on_rto(&f.cc, MSS);
    assert_int_equal(tapir__cc_cwnd(&f.cc), MSS);
    assert_int_equal(tapir__cc_ssthresh(&f.cc), 30 * MSS);
    assert_int_equal(f.cc.timeouts, 2);
    /* After a timeout, slow start uses L = 1 SMSS: an ACK of 2 segments adds one. */
    tapir__cc_on_ack(&f.cc, 2 * MSS, f.now, RTT_US, MSS);
    assert_int_equal(tapir__cc_cwnd(&f.cc), 2 * MSS);
    for (uint32_t expect = 3; expect <= 30; expect++) {
        tapir__cc_on_ack(&f.cc, 2 * MSS, f.now, RTT_US, 30 * MSS);
        assert_int_equal(tapir__cc_cwnd(&f.cc), expect * MSS);
    }
    /* At ssthresh: congestion avoidance, and L back to 2 SMSS for a later slow start. */
    assert_false(tapir__cc_in_slow_start(&f.cc));
    assert_false(f.cc.after_rto);
    /* New data was acknowledged: the next timeout is a new loss and halves again. */
    tapir__cc_on_rto(&f.cc, 30 * MSS);
    assert_int_equal(tapir__cc_ssthresh(&f.cc), 15 * MSS);
    assert_int_equal(tapir__cc_cwnd(&f.cc), MSS);

    /* A timeout during fast recovery ends it, keeps the ssthresh of the loss, cwnd = 1. */
    flow_init(&f, TAPIR__CC_NEWRENO);
    to_congestion_event(&f);
    tapir__cc_recovery_inflate(&f.cc, 3 * MSS);
    tapir__cc_on_rto(&f.cc, 80 * MSS);
    assert_false(tapir__cc_in_recovery(&f.cc));
    assert_int_equal(tapir__cc_ssthresh(&f.cc), 80 * MSS);
    assert_int_equal(tapir__cc_cwnd(&f.cc), MSS);
}

static void test_not_cwnd_limited(void **state)
{
    (void)state;
    struct flow f;
    flow_init(&f, TAPIR__CC_NEWRENO);
    /* The application sends 4 of the 10 segments allowed: no growth (less than half the
     * window in flight). */
    for (int i = 0; i < 4; i++)
        tapir__cc_on_ack(&f.cc, MSS, f.now, RTT_US, 4 * MSS);
    assert_int_equal(tapir__cc_cwnd(&f.cc), 10 * MSS);
    /* Half the window in flight is enough. */
    tapir__cc_on_ack(&f.cc, MSS, f.now, RTT_US, 5 * MSS);
    assert_int_equal(tapir__cc_cwnd(&f.cc), 11 * MSS);
    /* Same in congestion avoidance. */
    flow_init(&f, TAPIR__CC_NEWRENO);
    to_congestion_event(&f);
    tapir__cc_on_recovery_exit(&f.cc);
    for (int i = 0; i < 200; i++)
        tapir__cc_on_ack(&f.cc, MSS, f.now, RTT_US, 39 * MSS);
    assert_int_equal(tapir__cc_cwnd(&f.cc), 80 * MSS);
}

static void test_after_idle(void **state)
{
    (void)state;
    struct flow f;
    flow_init(&f, TAPIR__CC_NEWRENO);
    for (int r = 0; r < 3; r++)
        round_trip(&f, 1);
    assert_int_equal(tapir__cc_cwnd(&f.cc), 80 * MSS);
    /* Idle shorter than the RTO: nothing changes. */
    tapir__cc_after_idle(&f.cc, 150000, 200000);
    assert_int_equal(tapir__cc_cwnd(&f.cc), 80 * MSS);
    /* Longer: RFC 5681 §4.1, cwnd = RW = min(IW, cwnd). ssthresh is untouched. */
    tapir__cc_after_idle(&f.cc, 250000, 200000);
    assert_int_equal(tapir__cc_cwnd(&f.cc), 10 * MSS);
    assert_int_equal(tapir__cc_ssthresh(&f.cc), UINT32_MAX);
    /* A window already below IW stays. */
    tapir__cc_on_rto(&f.cc, 10 * MSS);
    tapir__cc_after_idle(&f.cc, 250000, 200000);
    assert_int_equal(tapir__cc_cwnd(&f.cc), MSS);
}

static void test_cwnd_cap(void **state)
{
    (void)state;
    struct flow f;
    flow_init(&f, TAPIR__CC_NEWRENO);
    f.cc.cwnd = TAPIR__CC_CWND_MAX - MSS;
    tapir__cc_on_ack(&f.cc, 2 * MSS, f.now, RTT_US, TAPIR__CC_CWND_MAX);
    assert_int_equal(tapir__cc_cwnd(&f.cc), TAPIR__CC_CWND_MAX);
    tapir__cc_on_ack(&f.cc, 2 * MSS, f.now, RTT_US, TAPIR__CC_CWND_MAX);
    assert_int_equal(tapir__cc_cwnd(&f.cc), TAPIR__CC_CWND_MAX);
    /* In congestion avoidance too, even with a huge stretch ACK. */
    f.cc.ssthresh = TAPIR__CC_CWND_MAX - 4 * MSS;
    f.cc.cwnd = TAPIR__CC_CWND_MAX - 4 * MSS;
    tapir__cc_on_ack(&f.cc, UINT32_MAX, f.now, RTT_US, UINT32_MAX);
    assert_int_equal(tapir__cc_cwnd(&f.cc), TAPIR__CC_CWND_MAX);
    f.cc.in_recovery = true;
    tapir__cc_recovery_inflate(&f.cc, UINT32_MAX);
    assert_int_equal(tapir__cc_cwnd(&f.cc), TAPIR__CC_CWND_MAX);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_initial_window),
        cmocka_unit_test(test_slow_start_doubles),
        cmocka_unit_test(test_congestion_event_halves_then_linear),
        cmocka_unit_test(test_recovery_window),
        cmocka_unit_test(test_slow_start_into_avoidance),
        cmocka_unit_test(test_rto),
        cmocka_unit_test(test_not_cwnd_limited),
        cmocka_unit_test(test_after_idle),
        cmocka_unit_test(test_cwnd_cap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
