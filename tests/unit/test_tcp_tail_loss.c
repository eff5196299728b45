/* Tail loss: the last two segments of a 10-segment flight are lost and nothing else is
 * queued, so no later segment can reveal them. The loss probe (RFC 8985 §7) fires after
 * the PTO (its 2 ms floor here, where the round trip takes no virtual time) and repeats the
 * last segment; its SACK lets RACK mark the other one lost, and one fast recovery repairs
 * it: two retransmissions, one probe, no RTO.
 * And when the probe alone repairs the tail (the last segment lost, and the ACK of the rest
 * too, so the probe was armed with the whole flight out): one retransmission, and the ACK
 * past the probe without a D-SACK counts as a repaired loss, one cwnd reduction (RFC 8985
 * §7.4). And a tail that ends with our FIN, and a loss just before a FIN sent alone.
 * IPv4 and IPv6. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tcp_recovery_util.h"

#define FLIGHT 10u

static void run(bool v6)
{
    static struct netsim n;
    netsim_init(&n, NULL, 0);
    static struct rc_conn c;
    rc_open(&n, &c, v6, 256 * 1024, NULL, NULL);
    struct tapir_tcp_socket *s = c.server;
    assert_int_equal(tapir__cc_cwnd(&s->cc), FLIGHT * (uint32_t)s->mss); /* IW (RFC 6928) */

    static struct rc_dropper d;
    memset(&d, 0, sizeof d);
    d.count = 2;
    d.seq[0] = s->snd_max + (FLIGHT - 2) * (uint32_t)s->mss;
    d.seq[1] = s->snd_max + (FLIGHT - 1) * (uint32_t)s->mss;
    d.times[0] = d.times[1] = 1;
    n.drop_a_tx = rc_drop;
    n.drop_ctx = &d;

    struct rc_stream st;
    rc_stream_init(&st, s, &c.client, 13, (uint64_t)FLIGHT * s->mss);
    tapir_instant t0 = n.clock.now_us;
    rc_stream_push(&st);
    netsim_settle(&n);
    rc_stream_pull(&st);
    assert_int_equal(st.got, (FLIGHT - 2) * (uint64_t)s->mss);
    /* Two segments in flight: PTO = 2 SRTT + 2 ms, at least 2 ms (SRTT is 0 here). */
    assert_int_equal(s->rec.pto_at, t0 + TAPIR__TLP_MIN_PTO_US);
    assert_true(s->rto_at > s->rec.pto_at);
    netsim_advance(&n, TAPIR__TLP_MIN_PTO_US - 1);
    assert_int_equal(s->rec.counters.tlp_probes, 0);
    netsim_advance(&n, 1); /* the PTO: probe, SACK, recovery, all at this instant */
    rc_stream_pull(&st);
    assert_true(rc_stream_done(&st));

    assert_int_equal(st.hash, rc_expected_hash(13, st.total));
    assert_int_equal(d.data_frames, FLIGHT + 2);
    assert_int_equal(s->stats.retransmissions, 2);
    assert_int_equal(s->stats.rto_expirations, 0);
    assert_int_equal(s->rec.counters.tlp_probes, 1);
    assert_int_equal(s->rec.counters.rack_marked, 1);
    assert_int_equal(s->rec.counters.recoveries, 1);
    assert_int_equal(s->stats.fast_retransmits, 1);
    assert_false(s->rec.tlp_active);
    assert_int_equal(s->rec.state, TAPIR__REC_OPEN);
    assert_int_equal(n.clock.now_us, t0 + TAPIR__TLP_MIN_PTO_US);
    assert_int_equal(tapir__tcp_rec_check(s), 0);
    assert_int_equal(s->snd_una, s->snd_max);
    printf("tail loss %s: %u retransmissions, %u probe, %u RTOs, virtual time %lld us\n",
           v6 ? "IPv6" : "IPv4", (unsigned)s->stats.retransmissions,
           (unsigned)s->rec.counters.tlp_probes, (unsigned)s->stats.rto_expirations,
           (long long)(n.clock.now_us - t0));
    rc_close(&n, &c);
    netsim_free(&n);
}

static void run_repair(bool v6)
{
    static struct netsim n;
    struct tapir_fault_options fo;
    memset(&fo, 0, sizeof fo);
    fo.seed = 3;
    netsim_init(&n, &fo, 0);
    static struct rc_conn c;
    rc_open(&n, &c, v6, 256 * 1024, NULL, NULL);
    struct tapir_tcp_socket *s = c.server;
    static struct rc_dropper d;
    memset(&d, 0, sizeof d);
    d.count = 1;
    d.seq[0] = s->snd_max + (FLIGHT - 1) * (uint32_t)s->mss;
    d.times[0] = 1;
    n.drop_a_tx = rc_drop;
    n.drop_ctx = &d;

    struct rc_stream st;
    rc_stream_init(&st, s, &c.client, 17, (uint64_t)FLIGHT * s->mss);
    tapir_instant t0 = n.clock.now_us;
    n.fault.rx.opt.drop_pct = 100; /* B's ACK of the first nine is lost too */
    rc_stream_push(&st);
    netsim_settle(&n);
    n.fault.rx.opt.drop_pct = 0;
    assert_int_equal(n.fault.rx.counters.dropped, 1);
    assert_int_equal(s->snd_una + FLIGHT * (uint32_t)s->mss, s->snd_max);
    assert_int_equal(s->rec.pto_at, t0 + TAPIR__TLP_MIN_PTO_US);
    uint32_t cwnd = tapir__cc_cwnd(&s->cc);
    netsim_advance(&n, TAPIR__TLP_MIN_PTO_US);
    assert_int_equal(s->rec.counters.tlp_probes, 1);
    assert_true(s->rec.tlp_active);
    rc_stream_pull(&st);
    assert_true(rc_stream_done(&st));
    assert_int_equal(st.hash, rc_expected_hash(17, st.total));
    /* The probe completed the stream in order: B delays that ACK (40 ms). */
    assert_true(s->snd_una != s->snd_max);
    netsim_advance(&n, 40 * TAPIR_US_PER_MS);
    assert_int_equal(s->snd_una, s->snd_max);
    /* An ACK of exactly the probe's end without a D-SACK is no verdict yet (the original's
     * ACK looks the same); the next ACK beyond it, still without one, is. */
    assert_true(s->rec.tlp_active);
    assert_int_equal(s->cc.congestion_events, 0);
    static uint8_t more[1000];
    assert_int_equal(tapir_tcp_send(s, more, sizeof more), (int)sizeof more);
    netsim_advance(&n, 40 * TAPIR_US_PER_MS);
    assert_int_equal(s->snd_una, s->snd_max);
    assert_int_equal(s->stats.retransmissions, 1);
    assert_int_equal(s->stats.rto_expirations, 0);
    assert_int_equal(s->rec.counters.tlp_probes, 1);
    assert_int_equal(s->rec.counters.tlp_recoveries, 1);
    assert_int_equal(s->rec.counters.recoveries, 0);
    assert_int_equal(s->cc.congestion_events, 1);
    assert_true(tapir__cc_cwnd(&s->cc) < cwnd);
    assert_false(s->rec.tlp_active);
    assert_int_equal(s->rec.state, TAPIR__REC_OPEN);
    assert_int_equal(tapir__tcp_rec_check(s), 0);
    rc_close(&n, &c);
    netsim_free(&n);
}

static void test_tail_probe_repairs_v4(void **state)
{
    (void)state;
    run_repair(false);
}

static void test_tail_probe_repairs_v6(void **state)
{
    (void)state;
    run_repair(true);
}

/* The same tail with our FIN on the last segment: the probe repeats data and FIN, and the
 * close completes without a timeout. */
static void test_tail_loss_fin(void **state)
{
    (void)state;
    static struct netsim n;
    netsim_init(&n, NULL, 0);
    static struct rc_conn c;
    rc_open(&n, &c, false, 256 * 1024, NULL, NULL);
    struct tapir_tcp_socket *s = c.server;
    static struct rc_dropper d;
    memset(&d, 0, sizeof d);
    d.count = 2;
    d.seq[0] = s->snd_max + 2 * (uint32_t)s->mss;
    d.seq[1] = s->snd_max + 3 * (uint32_t)s->mss;
    d.times[0] = d.times[1] = 1;
    n.drop_a_tx = rc_drop;
    n.drop_ctx = &d;
    struct rc_stream st;
    rc_stream_init(&st, s, &c.client, 19, 4 * (uint64_t)s->mss);
    rc_stream_push(&st);
    assert_int_equal(tapir_tcp_close(s), 0);
    tapir_instant t0 = n.clock.now_us;
    netsim_settle(&n);
    assert_int_equal(tapir_tcp_state(s), TAPIR_TCP_FIN_WAIT_1);
    assert_int_equal(s->rec.log.count, 2);
    assert_true(tapir__txlog_at(&s->rec.log, 1)->flags & TAPIR__SEG_FIN);
    netsim_advance(&n, TAPIR__TLP_MIN_PTO_US);
    rc_stream_pull(&st);
    assert_true(rc_stream_done(&st));
    assert_int_equal(st.hash, rc_expected_hash(19, st.total));
    assert_true(c.client.fin_received);
    assert_int_equal(tapir_tcp_state(s), TAPIR_TCP_FIN_WAIT_2);
    assert_int_equal(s->stats.retransmissions, 2);
    assert_int_equal(s->rec.counters.tlp_probes, 1);
    assert_int_equal(s->stats.rto_expirations, 0);
    assert_int_equal(n.clock.now_us, t0 + TAPIR__TLP_MIN_PTO_US);
    assert_int_equal(s->rec.log.count, 0);
    rc_close(&n, &c);
    netsim_free(&n);
}

/* The last data segment lost and our FIN sent alone after it: the receiver holds the early
 * FIN, sends a duplicate ACK whose SACK block covers it, and RACK finds the hole at once. */
static void test_lost_before_fin(void **state)
{
    (void)state;
    static struct netsim n;
    netsim_init(&n, NULL, 0);
    static struct rc_conn c;
    rc_open(&n, &c, false, 256 * 1024, NULL, NULL);
    struct tapir_tcp_socket *s = c.server;
    static struct rc_dropper d;
    memset(&d, 0, sizeof d);
    d.count = 1;
    d.seq[0] = s->snd_max + 3 * (uint32_t)s->mss;
    d.times[0] = 1;
    n.drop_a_tx = rc_drop;
    n.drop_ctx = &d;
    struct rc_stream st;
    rc_stream_init(&st, s, &c.client, 23, 4 * (uint64_t)s->mss);
    rc_stream_push(&st);
    tapir_instant t0 = n.clock.now_us;
    netsim_settle(&n);
    assert_int_equal(s->rec.log.count, 1); /* the lost one */
    assert_int_equal(tapir_tcp_close(s), 0);
    netsim_settle(&n);
    rc_stream_pull(&st);
    assert_true(rc_stream_done(&st));
    assert_int_equal(st.hash, rc_expected_hash(23, st.total));
    assert_true(c.client.fin_received);
    assert_false(c.client.rec.fin_early);
    assert_int_equal(tapir_tcp_state(&c.client), TAPIR_TCP_CLOSE_WAIT);
    assert_int_equal(tapir_tcp_state(s), TAPIR_TCP_FIN_WAIT_2);
    assert_int_equal(s->stats.retransmissions, 1);
    assert_int_equal(s->rec.counters.rack_marked, 1);
    assert_int_equal(s->rec.counters.tlp_probes, 0);
    assert_int_equal(s->stats.rto_expirations, 0);
    assert_int_equal(n.clock.now_us, t0);
    rc_close(&n, &c);
    netsim_free(&n);
}

static void test_tail_loss_v4(void **state)
{
    (void)state;
    run(false);
}

static void test_tail_loss_v6(void **state)
{
    (void)state;
    run(true);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tail_loss_v4),          cmocka_unit_test(test_tail_loss_v6),
        cmocka_unit_test(test_tail_probe_repairs_v4), cmocka_unit_test(test_tail_probe_repairs_v6),
        cmocka_unit_test(test_tail_loss_fin),         cmocka_unit_test(test_lost_before_fin),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
