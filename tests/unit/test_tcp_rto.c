/* The TCP retransmission timeout estimator (src/socket/tcp_rto.c): RFC 6298's first and
 * later samples to the microsecond, the bounds, the exponential backoff and its reset,
 * RFC 6298 §5.7's SYN fallback and RFC 7323 Appendix G's weighted samples. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tapir/error.h"
#include "tapir/priv/tcp_rto.h"

#define MS(x) ((tapir_instant)(x)*TAPIR_US_PER_MS)
#define S(x)  ((tapir_instant)(x)*TAPIR_US_PER_S)

/* Defaults: min 200 ms, max 60 s, G 1 ms. */
static void init_default(struct tapir__rto *r)
{
    tapir__rto_init(r, 0, 0, 0);
}

static void test_initial(void **state)
{
    (void)state;
    struct tapir__rto r;
    init_default(&r);
    assert_int_equal(r.min_us, MS(200));
    assert_int_equal(r.max_us, S(60));
    assert_int_equal(r.granularity_us, MS(1));
    /* RFC 6298 §2.1 */
    assert_int_equal(tapir__rto_current(&r), S(1));
    assert_false(r.has_sample);
    assert_int_equal(tapir__rto_srtt(&r), 0);
    assert_int_equal(r.backoffs, 0);
}

static void test_first_sample(void **state)
{
    (void)state;
    struct tapir__rto r;
    init_default(&r);
    /* RFC 6298 §2.2: SRTT = R, RTTVAR = R/2, RTO = SRTT + max(G, 4 RTTVAR). */
    assert_int_equal(tapir__rto_sample(&r, MS(100)), 0);
    assert_true(r.has_sample);
    assert_int_equal(r.srtt_us, 100000);
    assert_int_equal(r.rttvar_us, 50000);
    assert_int_equal(tapir__rto_current(&r), 300000);
    assert_int_equal(tapir__rto_srtt(&r), 100000);

    /* An odd sample: RTTVAR = R/2 truncated. */
    init_default(&r);
    assert_int_equal(tapir__rto_sample(&r, 333333), 0);
    assert_int_equal(r.srtt_us, 333333);
    assert_int_equal(r.rttvar_us, 166666);
    assert_int_equal(tapir__rto_current(&r), 333333 + 4 * 166666);
}

static void test_later_samples(void **state)
{
    (void)state;
    struct tapir__rto r;
    init_default(&r);
    assert_int_equal(tapir__rto_sample(&r, MS(100)), 0);

    /* RFC 6298 §2.3, RTTVAR first from the old SRTT:
     * RTTVAR = (3 * 50000 + |100000 - 60000|) / 4 = 47500
     * SRTT   = (7 * 100000 + 60000) / 8         = 95000
     * RTO    = 95000 + 4 * 47500                 = 285000 */
    assert_int_equal(tapir__rto_sample(&r, MS(60)), 0);
    assert_int_equal(r.rttvar_us, 47500);
    assert_int_equal(r.srtt_us, 95000);
    assert_int_equal(tapir__rto_current(&r), 285000);

    /* RTTVAR = (3 * 47500 + 6000) / 4 = 37125, SRTT = (7 * 95000 + 101000) / 8 = 95750,
     * RTO = 95750 + 148500 = 244250. */
    assert_int_equal(tapir__rto_sample(&r, MS(101)), 0);
    assert_int_equal(r.rttvar_us, 37125);
    assert_int_equal(r.srtt_us, 95750);
    assert_int_equal(tapir__rto_current(&r), 244250);

    /* A sample that does not divide evenly: RTTVAR = (3 * 37125 + 104251) / 4 =
     * 215626 / 4 = 53906 (.5 truncated), SRTT = (7 * 95750 + 200001) / 8 = 870251 / 8 =
     * 108781 (.375 truncated), RTO = 108781 + 215624 = 324405. */
    assert_int_equal(tapir__rto_sample(&r, 200001), 0);
    assert_int_equal(r.rttvar_us, 53906);
    assert_int_equal(r.srtt_us, 108781);
    assert_int_equal(tapir__rto_current(&r), 324405);
}

static void test_min_applied(void **state)
{
    (void)state;
    struct tapir__rto r;
    init_default(&r);
    /* 10 ms + 4 * 5 ms = 30 ms, raised to the 200 ms minimum. */
    assert_int_equal(tapir__rto_sample(&r, MS(10)), 0);
    assert_int_equal(r.srtt_us, MS(10));
    assert_int_equal(r.rttvar_us, MS(5));
    assert_int_equal(tapir__rto_current(&r), MS(200));

    /* A sample of 0 (a loopback with a coarse clock) is valid. */
    assert_int_equal(tapir__rto_sample(&r, 0), 0);
    assert_int_equal(tapir__rto_current(&r), MS(200));

    /* RFC 6298's own 1 s floor, when the caller asks for it. */
    tapir__rto_init(&r, S(1), 0, 0);
    assert_int_equal(tapir__rto_sample(&r, MS(10)), 0);
    assert_int_equal(tapir__rto_current(&r), S(1));
}

static void test_max_applied(void **state)
{
    (void)state;
    struct tapir__rto r;
    init_default(&r);
    /* 40 s + 4 * 20 s = 120 s, lowered to 60 s. */
    assert_int_equal(tapir__rto_sample(&r, S(40)), 0);
    assert_int_equal(tapir__rto_current(&r), S(60));
    /* A sample above the maximum counts as the maximum. */
    init_default(&r);
    assert_int_equal(tapir__rto_sample(&r, S(600)), 0);
    assert_int_equal(r.srtt_us, S(60));
    assert_int_equal(r.rttvar_us, S(30));
}

static void test_granularity(void **state)
{
    (void)state;
    struct tapir__rto r;
    /* min 1 ms, G = 100 ms: with a steady RTT, RTTVAR decays towards 0 and the RTO stops at
     * SRTT + G instead of collapsing onto SRTT (RFC 6298 §2.3's max(G, K*RTTVAR)). */
    tapir__rto_init(&r, MS(1), 0, MS(100));
    assert_int_equal(tapir__rto_sample(&r, MS(50)), 0);
    assert_int_equal(tapir__rto_current(&r), MS(150)); /* 50 + max(100, 4 * 25) */
    assert_int_equal(tapir__rto_sample(&r, MS(50)), 0);
    /* RTTVAR = 3/4 * 25 ms = 18750: 4 * RTTVAR = 75 ms < G. */
    assert_int_equal(r.rttvar_us, 18750);
    assert_int_equal(tapir__rto_current(&r), MS(150));
    /* G = 10 ms: 4 * RTTVAR wins until it falls below 10 ms. */
    tapir__rto_init(&r, MS(1), 0, MS(10));
    assert_int_equal(tapir__rto_sample(&r, MS(50)), 0);
    assert_int_equal(tapir__rto_current(&r), MS(150));
    assert_int_equal(tapir__rto_sample(&r, MS(50)), 0);
    assert_int_equal(tapir__rto_current(&r), MS(50) + 75000);
    /* RTTVAR falls as 25 ms * (3/4)^n, truncated at each step: after the 9th sample
     * 2502 us (4 * RTTVAR = 10008 us, just above G), after the 10th 1876 us, below it. */
    for (int i = 0; i < 7; i++)
        assert_int_equal(tapir__rto_sample(&r, MS(50)), 0);
    assert_int_equal(r.rttvar_us, 2502);
    assert_int_equal(tapir__rto_current(&r), MS(50) + 10008);
    assert_int_equal(tapir__rto_sample(&r, MS(50)), 0);
    assert_int_equal(r.rttvar_us, 1876);
    assert_int_equal(tapir__rto_current(&r), MS(60));
    assert_int_equal(r.srtt_us, MS(50));
}

static void test_backoff_from_min(void **state)
{
    (void)state;
    struct tapir__rto r;
    init_default(&r);
    assert_int_equal(tapir__rto_sample(&r, MS(10)), 0);
    assert_int_equal(tapir__rto_current(&r), MS(200));
    /* RFC 6298 §5.5: doubled at each timeout, capped at 60 s. */
    static const tapir_instant expect_ms[] = {400,   800,   1600,  3200,  6400, 12800,
                                              25600, 51200, 60000, 60000, 60000};
    for (size_t i = 0; i < sizeof expect_ms / sizeof expect_ms[0]; i++) {
        tapir__rto_backoff(&r);
        assert_int_equal(tapir__rto_current(&r), MS(expect_ms[i]));
        assert_int_equal(r.backoffs, i + 1);
    }
    /* The estimator itself is untouched by the backoff. */
    assert_int_equal(r.srtt_us, MS(10));
    assert_int_equal(r.rttvar_us, MS(5));

    /* A new valid sample restores the computed RTO: RTTVAR = 3/4 * 5 ms = 3750, SRTT
     * 10 ms, 10 + 15 = 25 ms, raised to 200 ms. */
    assert_int_equal(tapir__rto_sample(&r, MS(10)), 0);
    assert_int_equal(tapir__rto_current(&r), MS(200));
    assert_int_equal(r.backoffs, 0);
}

static void test_backoff_then_sample(void **state)
{
    (void)state;
    struct tapir__rto r;
    init_default(&r);
    /* 300 ms + 4 * 150 ms = 900 ms. */
    assert_int_equal(tapir__rto_sample(&r, MS(300)), 0);
    assert_int_equal(tapir__rto_current(&r), MS(900));
    tapir__rto_backoff(&r);
    assert_int_equal(tapir__rto_current(&r), MS(1800));
    tapir__rto_backoff(&r);
    assert_int_equal(tapir__rto_current(&r), MS(3600));
    tapir__rto_backoff(&r);
    assert_int_equal(tapir__rto_current(&r), MS(7200));
    /* A new sample of 340 ms: RTTVAR = (3 * 150000 + 40000) / 4 = 122500, SRTT =
     * (7 * 300000 + 340000) / 8 = 305000, RTO = 305000 + 490000 = 795000: the backed-off
     * value collapses to the computed one. */
    assert_int_equal(tapir__rto_sample(&r, MS(340)), 0);
    assert_int_equal(tapir__rto_current(&r), 795000);
    /* And backs off from there. */
    tapir__rto_backoff(&r);
    assert_int_equal(tapir__rto_current(&r), 1590000);
}

static void test_backoff_from_initial(void **state)
{
    (void)state;
    struct tapir__rto r;
    init_default(&r);
    /* SYN retransmissions: 1, 2, 4, 8, 16, 32, then 60 s. */
    static const tapir_instant expect_s[] = {2, 4, 8, 16, 32, 60, 60};
    for (size_t i = 0; i < sizeof expect_s / sizeof expect_s[0]; i++) {
        tapir__rto_backoff(&r);
        assert_int_equal(tapir__rto_current(&r), S(expect_s[i]));
    }
}

static void test_syn_fallback(void **state)
{
    (void)state;
    struct tapir__rto r;
    init_default(&r);
    tapir__rto_backoff(&r); /* the SYN timed out once: 2 s */
    assert_int_equal(tapir__rto_current(&r), S(2));
    /* RFC 6298 §5.7: data transfer begins with an RTO of 3 s, backoff cleared. */
    tapir__rto_syn_fallback(&r);
    assert_int_equal(tapir__rto_current(&r), S(3));
    assert_int_equal(r.backoffs, 0);
    tapir__rto_backoff(&r);
    assert_int_equal(tapir__rto_current(&r), S(6));
    /* The first sample replaces it. */
    assert_int_equal(tapir__rto_sample(&r, MS(100)), 0);
    assert_int_equal(tapir__rto_current(&r), MS(300));
    /* An RTO already above 3 s stays. */
    assert_int_equal(tapir__rto_sample(&r, S(5)), 0);
    tapir_instant before = tapir__rto_current(&r);
    assert_true(before > S(3));
    tapir__rto_syn_fallback(&r);
    assert_int_equal(tapir__rto_current(&r), before);
    /* And a maximum below 3 s caps it. */
    tapir__rto_init(&r, 0, S(2), 0);
    tapir__rto_syn_fallback(&r);
    assert_int_equal(tapir__rto_current(&r), S(2));
}

static void test_timestamp_samples(void **state)
{
    (void)state;
    struct tapir__rto r;
    /* RFC 7323 Appendix G: ExpectedSamples = ceiling(FlightSize / (2 * SMSS)). */
    assert_int_equal(tapir__rto_expected_samples(8 * 1460, 1460), 4);
    assert_int_equal(tapir__rto_expected_samples(7 * 1460, 1460), 4);
    assert_int_equal(tapir__rto_expected_samples(7 * 1460 - 1, 1460), 4);
    assert_int_equal(tapir__rto_expected_samples(6 * 1460 + 1, 1460), 4);
    assert_int_equal(tapir__rto_expected_samples(6 * 1460, 1460), 3);
    assert_int_equal(tapir__rto_expected_samples(1, 1460), 1);
    assert_int_equal(tapir__rto_expected_samples(0, 1460), 1);
    assert_int_equal(tapir__rto_expected_samples(100000, 0), 1);
    assert_int_equal(tapir__rto_expected_samples(UINT64_MAX / 2, 1), 65536);

    init_default(&r);
    /* The first sample follows §2.2 whatever N. */
    assert_int_equal(tapir__rto_sample_ts(&r, MS(100), 4), 0);
    assert_int_equal(r.srtt_us, 100000);
    assert_int_equal(r.rttvar_us, 50000);
    /* N = 4: alpha' = 1/32, beta' = 1/16.
     * RTTVAR = (15 * 50000 + 40000) / 16 = 49375, SRTT = (31 * 100000 + 60000) / 32 = 98750,
     * RTO = 98750 + 197500 = 296250. */
    assert_int_equal(tapir__rto_sample_ts(&r, MS(60), 4), 0);
    assert_int_equal(r.rttvar_us, 49375);
    assert_int_equal(r.srtt_us, 98750);
    assert_int_equal(tapir__rto_current(&r), 296250);

    /* N = 1 (and 0) is the plain RFC 6298 update. */
    struct tapir__rto a, b;
    init_default(&a);
    init_default(&b);
    assert_int_equal(tapir__rto_sample(&a, MS(100)), 0);
    assert_int_equal(tapir__rto_sample_ts(&b, MS(100), 0), 0);
    assert_int_equal(tapir__rto_sample(&a, MS(60)), 0);
    assert_int_equal(tapir__rto_sample_ts(&b, MS(60), 0), 0);
    assert_int_equal(a.srtt_us, b.srtt_us);
    assert_int_equal(a.rttvar_us, b.rttvar_us);
    assert_int_equal(b.srtt_us, 95000);
    assert_int_equal(tapir__rto_sample_ts(&b, MS(60), 1), 0);
    assert_int_equal(tapir__rto_sample(&a, MS(60)), 0);
    assert_int_equal(a.srtt_us, b.srtt_us);
    assert_int_equal(a.rttvar_us, b.rttvar_us);

    /* A timestamp sample also resets the backoff. */
    tapir__rto_backoff(&b);
    assert_int_equal(b.backoffs, 1);
    assert_int_equal(tapir__rto_sample_ts(&b, MS(60), 8), 0);
    assert_int_equal(b.backoffs, 0);
}

static void test_bad_input(void **state)
{
    (void)state;
    struct tapir__rto r;
    init_default(&r);
    assert_int_equal(tapir__rto_sample(&r, -1), TAPIR_EINVAL);
    assert_false(r.has_sample);
    assert_int_equal(tapir__rto_current(&r), S(1));
    assert_int_equal(tapir__rto_sample(&r, MS(100)), 0);
    tapir__rto_backoff(&r);
    assert_int_equal(tapir__rto_sample_ts(&r, -5, 2), TAPIR_EINVAL);
    assert_int_equal(r.srtt_us, MS(100));
    assert_int_equal(tapir__rto_current(&r), MS(600)); /* still backed off */

    /* min above max: min is lowered to max. A max beyond a day is lowered to a day. */
    tapir__rto_init(&r, S(10), S(5), 0);
    assert_int_equal(r.min_us, S(5));
    assert_int_equal(r.max_us, S(5));
    assert_int_equal(tapir__rto_current(&r), S(5));
    tapir__rto_init(&r, 0, S(1000000), 0);
    assert_int_equal(r.max_us, TAPIR__RTO_MAX_LIMIT_US);
    /* The backoff at the largest maximum stays there. */
    for (int i = 0; i < 100; i++)
        tapir__rto_backoff(&r);
    assert_int_equal(tapir__rto_current(&r), TAPIR__RTO_MAX_LIMIT_US);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_initial),
        cmocka_unit_test(test_first_sample),
        cmocka_unit_test(test_later_samples),
        cmocka_unit_test(test_min_applied),
        cmocka_unit_test(test_max_applied),
        cmocka_unit_test(test_granularity),
        cmocka_unit_test(test_backoff_from_min),
        cmocka_unit_test(test_backoff_then_sample),
        cmocka_unit_test(test_backoff_from_initial),
        cmocka_unit_test(test_syn_fallback),
        cmocka_unit_test(test_timestamp_samples),
        cmocka_unit_test(test_bad_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
