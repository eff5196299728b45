/* The transmission log and RACK-TLP (src/socket/tcp_rack.c): records and their totals
 * (pipe), the bound, cumulative ACKs that remove and trim, RACK's most recently delivered
 * segment by transmission order, min_RTT, ambiguous retransmissions, reordering detection,
 * loss marking and the reordering timer, the reordering window and its D-SACK adaptation,
 * and the probe timeout. Times in microseconds, exact. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "tapir/priv/tcp_rack.h"

#define MSS 1000u
#define T0  1000000

static struct tapir__txlog log_;

/* `n` full segments from `seq`, sent at T0 + i * gap_us. */
static void fill(uint32_t seq, unsigned n, tapir_instant gap_us)
{
    tapir__txlog_init(&log_);
    for (unsigned i = 0; i < n; i++)
        assert_non_null(tapir__txlog_append(&log_, seq + i * MSS, MSS, false, T0 + i * gap_us));
}

static void test_log(void **state)
{
    (void)state;
    fill(0xfffffc18u, 5, 10); /* wraps after the first segment */
    assert_int_equal(tapir__txlog_count(&log_), 5);
    assert_int_equal(log_.bytes, 5 * MSS);
    assert_int_equal(tapir__txlog_pipe(&log_), 5 * MSS);
    assert_int_equal(tapir__txlog_check(&log_, 0xfffffc18u, 0xfffffc18u + 5 * MSS), 0);
    assert_int_equal(tapir__txlog_check(&log_, 0xfffffc18u, 0xfffffc18u + 4 * MSS), -6);
    assert_int_equal(tapir__txlog_check(&log_, 0xfffffc19u, 0xfffffc18u + 5 * MSS), -2);
    for (unsigned i = 0; i < 5; i++)
        assert_int_equal(tapir__txlog_at(&log_, i)->order, i);

    /* States and pipe: SACKED 0, LOST 0, LOST + RETRANS 1 (RFC 6675 SetPipe). */
    struct tapir__seg *g1 = tapir__txlog_at(&log_, 1), *g2 = tapir__txlog_at(&log_, 2);
    tapir__txlog_set(&log_, g1, TAPIR__SEG_LOST);
    assert_int_equal(tapir__txlog_pipe(&log_), 4 * MSS);
    tapir__txlog_retransmitted(&log_, g1, T0 + 100);
    assert_int_equal(g1->flags, TAPIR__SEG_LOST | TAPIR__SEG_RETRANS | TAPIR__SEG_EVER_RETRANS);
    assert_int_equal(g1->order, 5);
    assert_int_equal(g1->xmit_us, T0 + 100);
    assert_int_equal(tapir__txlog_pipe(&log_), 5 * MSS);
    tapir__txlog_set(&log_, g2, TAPIR__SEG_SACKED);
    assert_int_equal(tapir__txlog_pipe(&log_), 4 * MSS);
    assert_int_equal(log_.segs_sacked, 1);
    /* SACKED wins over LOST and RETRANS. */
    tapir__txlog_set(&log_, g1, TAPIR__SEG_SACKED);
    assert_int_equal(g1->flags, TAPIR__SEG_SACKED | TAPIR__SEG_EVER_RETRANS);
    assert_int_equal(log_.lost, 0);
    assert_int_equal(log_.retrans, 0);
    assert_int_equal(tapir__txlog_pipe(&log_), 3 * MSS);
    tapir__txlog_set(&log_, g1, TAPIR__SEG_LOST);
    assert_int_equal(log_.lost, 0);
    assert_int_equal(tapir__txlog_check(&log_, 0xfffffc18u, 0xfffffc18u + 5 * MSS), 0);
    /* A probe of a record not deemed lost adds no RETRANS. */
    struct tapir__seg *g4 = tapir__txlog_at(&log_, 4);
    tapir__txlog_retransmitted(&log_, g4, T0 + 200);
    assert_int_equal(g4->flags, TAPIR__SEG_EVER_RETRANS);
    assert_int_equal(tapir__txlog_pipe(&log_), 3 * MSS);
}

static unsigned delivered_count;
static uint32_t delivered_seq[8];

static void on_delivered(void *ctx, const struct tapir__seg *g)
{
    (void)ctx;
    delivered_seq[delivered_count++] = g->seq;
}

static void test_ack(void **state)
{
    (void)state;
    fill(1000, 5, 0);
    tapir__txlog_set(&log_, tapir__txlog_at(&log_, 1), TAPIR__SEG_SACKED);
    tapir__txlog_set(&log_, tapir__txlog_at(&log_, 2), TAPIR__SEG_LOST);
    delivered_count = 0;
    /* Up to the middle of the third record: the first two go (only the un-SACKed one is
     * newly delivered), the third is trimmed and keeps its state. */
    tapir__txlog_ack(&log_, 3500, on_delivered, NULL);
    assert_int_equal(delivered_count, 1);
    assert_int_equal(delivered_seq[0], 1000);
    assert_int_equal(tapir__txlog_count(&log_), 3);
    struct tapir__seg *g = tapir__txlog_at(&log_, 0);
    assert_int_equal(g->seq, 3500);
    assert_int_equal(g->len, 500);
    assert_int_equal(log_.bytes, 2500);
    assert_int_equal(log_.lost, 500);
    assert_int_equal(log_.sacked, 0);
    assert_int_equal(log_.segs_sacked, 0);
    assert_int_equal(tapir__txlog_check(&log_, 3500, 6000), 0);
    /* A FIN record: acknowledged only with its FIN. */
    assert_non_null(tapir__txlog_append(&log_, 6000, 0, true, T0));
    assert_int_equal(tapir__txlog_check(&log_, 3500, 6001), 0);
    tapir__txlog_ack(&log_, 6000, on_delivered, NULL);
    assert_int_equal(tapir__txlog_count(&log_), 1);
    assert_int_equal(log_.bytes, 1);
    assert_int_equal(delivered_count, 4);
    assert_int_equal(delivered_seq[1], 3500);
    tapir__txlog_ack(&log_, 6001, on_delivered, NULL);
    assert_int_equal(tapir__txlog_count(&log_), 0);
    assert_int_equal(log_.bytes, 0);
    assert_int_equal(log_.head, 0);
    assert_int_equal(delivered_count, 5);
    assert_int_equal(delivered_seq[4], 6000);
}

static void test_bound(void **state)
{
    (void)state;
    fill(0, TAPIR_TCP_TXLOG_SEGS, 0);
    assert_true(tapir__txlog_full(&log_));
    assert_null(tapir__txlog_append(&log_, TAPIR_TCP_TXLOG_SEGS * MSS, MSS, false, T0));
    assert_int_equal(log_.bytes, TAPIR_TCP_TXLOG_SEGS * MSS);
    /* The ring wraps: free three, add three. */
    tapir__txlog_ack(&log_, 3 * MSS, NULL, NULL);
    for (unsigned i = 0; i < 3; i++)
        assert_non_null(
            tapir__txlog_append(&log_, (TAPIR_TCP_TXLOG_SEGS + i) * MSS, MSS, false, T0));
    assert_null(tapir__txlog_append(&log_, (TAPIR_TCP_TXLOG_SEGS + 3) * MSS, MSS, false, T0));
    assert_int_equal(tapir__txlog_check(&log_, 3 * MSS, (TAPIR_TCP_TXLOG_SEGS + 3) * MSS), 0);
}

/* RACK: the most recently sent delivered segment decides, by transmission order. */
static void test_rack_update(void **state)
{
    (void)state;
    struct tapir__rack r;
    tapir__rack_init(&r);
    assert_int_equal(r.min_rtt_us, -1);
    assert_int_equal(tapir__rack_reo_wnd(&r, false, 0, 5000), 0); /* no min_RTT yet */
    fill(0, 6, 1000);
    tapir__rack_on_delivered(&r, tapir__txlog_at(&log_, 3), T0 + 3000 + 2000);
    assert_true(r.has_seg);
    assert_int_equal(r.order, 3);
    assert_int_equal(r.rtt_us, 2000);
    assert_int_equal(r.min_rtt_us, 2000);
    assert_int_equal(r.end_seq, 4 * MSS);
    /* An older segment delivered later: not more recent; below the fack: reordering. */
    tapir__rack_on_delivered(&r, tapir__txlog_at(&log_, 1), T0 + 5500);
    assert_int_equal(r.order, 3);
    assert_true(r.reord);
    assert_int_equal(r.fack, 4 * MSS);
    /* A retransmission (sent after everything) acknowledged sooner than min_RTT is taken
     * for the original's ACK: it does not become the RACK segment. */
    struct tapir__seg *g0 = tapir__txlog_at(&log_, 0);
    tapir__txlog_set(&log_, g0, TAPIR__SEG_LOST);
    tapir__txlog_retransmitted(&log_, g0, T0 + 6000);
    tapir__rack_on_delivered(&r, g0, T0 + 6500);
    assert_int_equal(r.order, 3);
    assert_int_equal(r.min_rtt_us, 2000); /* nor a min_RTT sample */
    tapir__rack_on_delivered(&r, g0, T0 + 8000);
    assert_int_equal(r.order, g0->order);
    assert_int_equal(r.rtt_us, 2000);
    /* The min_RTT window restarts after TAPIR__RACK_MIN_RTT_WIN_US. */
    struct tapir__seg *g5 = tapir__txlog_at(&log_, 5);
    tapir__rack_on_delivered(&r, g5, T0 + 5000 + 2500);
    assert_int_equal(r.min_rtt_us, 2000);
    g5->xmit_us = T0 + TAPIR__RACK_MIN_RTT_WIN_US + 5000;
    tapir__rack_on_delivered(&r, g5, T0 + TAPIR__RACK_MIN_RTT_WIN_US + 5000 + 3002);
    assert_int_equal(r.min_rtt_us, 3002);
    assert_int_equal(r.min_rtt_at, T0 + TAPIR__RACK_MIN_RTT_WIN_US + 8002);
}

static void test_rack_loss(void **state)
{
    (void)state;
    struct tapir__rack r;
    tapir__rack_init(&r);
    fill(0, 6, 1000); /* sent at T0, T0+1ms, ... T0+5ms */
    /* Segment 4 delivered at T0 + 6 ms (RTT 2 ms): 0..3 were sent before it. */
    struct tapir__seg *g4 = tapir__txlog_at(&log_, 4);
    tapir__txlog_set(&log_, g4, TAPIR__SEG_SACKED);
    tapir__rack_on_delivered(&r, g4, T0 + 6000);
    unsigned marked, rexmit;
    /* With a 1.5 ms window, at T0 + 6 ms: lost when xmit + 2 + 1.5 ms <= now, i.e. sent by
     * T0 + 2.5 ms: segments 0, 1, 2; segment 3 has 0.5 ms to go; 5 was sent after 4. */
    tapir_instant wait = tapir__rack_detect_loss(&r, &log_, T0 + 6000, 1500, &marked, &rexmit);
    assert_int_equal(marked, 3);
    assert_int_equal(rexmit, 0);
    assert_int_equal(wait, 500);
    for (unsigned i = 0; i < 6; i++)
        assert_int_equal((tapir__txlog_at(&log_, i)->flags & TAPIR__SEG_LOST) != 0, i < 3);
    /* Already lost and waiting: not counted again; the timer then marks segment 3. */
    wait = tapir__rack_detect_loss(&r, &log_, T0 + 6500, 1500, &marked, &rexmit);
    assert_int_equal(marked, 1);
    assert_int_equal(wait, 0);
    /* A lost retransmission: retransmit 0, then deliver 5 (sent before the retransmission:
     * nothing happens), then a segment sent after the retransmission. */
    struct tapir__seg *g0 = tapir__txlog_at(&log_, 0);
    tapir__txlog_retransmitted(&log_, g0, T0 + 7000);
    tapir__txlog_set(&log_, tapir__txlog_at(&log_, 5), TAPIR__SEG_SACKED);
    tapir__rack_on_delivered(&r, tapir__txlog_at(&log_, 5), T0 + 7500);
    wait = tapir__rack_detect_loss(&r, &log_, T0 + 7500, 0, &marked, &rexmit);
    assert_int_equal(marked, 0);
    assert_true(g0->flags & TAPIR__SEG_RETRANS);
    struct tapir__seg *g6 = tapir__txlog_append(&log_, 6 * MSS, MSS, false, T0 + 7000);
    tapir__txlog_set(&log_, g6, TAPIR__SEG_SACKED);
    tapir__rack_on_delivered(&r, g6, T0 + 9000);
    wait = tapir__rack_detect_loss(&r, &log_, T0 + 9000, 0, &marked, &rexmit);
    assert_int_equal(marked, 1);
    assert_int_equal(rexmit, 1);
    assert_int_equal(g0->flags, TAPIR__SEG_LOST | TAPIR__SEG_EVER_RETRANS);
    assert_int_equal(tapir__txlog_check(&log_, 0, 7 * MSS), 0);
}

/* RFC 8985 §6.2 step 4. */
static void test_reo_wnd(void **state)
{
    (void)state;
    struct tapir__rack r;
    tapir__rack_init(&r);
    r.min_rtt_us = 8000;
    assert_int_equal(tapir__rack_reo_wnd(&r, false, 0, 20000), 2000);
    assert_int_equal(tapir__rack_reo_wnd(&r, false, 0, 1500), 1500); /* capped at SRTT */
    assert_int_equal(tapir__rack_reo_wnd(&r, false, 0, -1), 2000);
    assert_int_equal(tapir__rack_reo_wnd(&r, true, 0, 20000), 0);  /* in recovery */
    assert_int_equal(tapir__rack_reo_wnd(&r, false, 3, 20000), 0); /* DupThresh SACKed */
    assert_int_equal(tapir__rack_reo_wnd(&r, false, 2, 20000), 2000);
    r.reord = true; /* once reordering was seen, the window stays */
    assert_int_equal(tapir__rack_reo_wnd(&r, true, 5, 20000), 2000);
    /* D-SACK: one widening per round trip, kept for 16 recoveries. */
    tapir__rack_on_dsack(&r, 100, 5000);
    assert_int_equal(r.reo_wnd_mult, 2);
    tapir__rack_on_dsack(&r, 4000, 9000);
    assert_int_equal(r.reo_wnd_mult, 2);
    assert_int_equal(tapir__rack_reo_wnd(&r, false, 0, 20000), 4000);
    tapir__rack_on_dsack(&r, 5000, 9000); /* SND.UNA passed the round */
    assert_int_equal(r.reo_wnd_mult, 3);
    assert_int_equal(r.dsack_round, 9000);
    for (int i = 0; i < 15; i++)
        tapir__rack_on_recovery_exit(&r);
    assert_int_equal(r.reo_wnd_mult, 3);
    tapir__rack_on_recovery_exit(&r);
    assert_int_equal(r.reo_wnd_mult, 1);
}

/* RFC 8985 §7.2 TLP_calc_PTO. */
static void test_pto(void **state)
{
    (void)state;
    const tapir_instant never = TAPIR_INSTANT_NEVER;
    assert_int_equal(tapir__tlp_pto_at(T0, -1, false, never), T0 + TAPIR_US_PER_S);
    assert_int_equal(tapir__tlp_pto_at(T0, 50000, false, never), T0 + 102000);
    assert_int_equal(tapir__tlp_pto_at(T0, 50000, true, never), T0 + 300000);
    assert_int_equal(tapir__tlp_pto_at(T0, 1000, false, never), T0 + 4000);
    assert_int_equal(tapir__tlp_pto_at(T0, 0, false, never), T0 + TAPIR__TLP_MIN_PTO_US);
    assert_int_equal(tapir__tlp_pto_at(T0, 50000, true, T0 + 200000), T0 + 200000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_log),       cmocka_unit_test(test_ack),
        cmocka_unit_test(test_bound),     cmocka_unit_test(test_rack_update),
        cmocka_unit_test(test_rack_loss), cmocka_unit_test(test_reo_wnd),
        cmocka_unit_test(test_pto),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
