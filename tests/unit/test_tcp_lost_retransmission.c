/* A segment lost twice, the original and its first retransmission, is recovered by RACK
 * without a timeout (RFC 8985 §6.2: the retransmission was sent before new data that was
 * delivered, so it is lost too): exactly two retransmissions, one fast recovery, no RTO,
 * no loss probe, the data byte-exact. IPv4 and IPv6.
 * The contrast, with RACK off (cfg.no_rack, RFC 6675 alone): nothing marks the
 * retransmission lost again, and only the retransmission timer repairs it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tcp_recovery_util.h"

#define FLIGHT 24u /* the first flight; 16 more segments follow during the recovery */
#define TOTAL  40u

static void run(bool v6)
{
    static struct netsim n;
    netsim_init(&n, NULL, 0);
    static struct rc_conn c;
    rc_open(&n, &c, v6, 256 * 1024, NULL, NULL);
    struct tapir_tcp_socket *s = c.server;
    rc_warm_up(&n, &c, FLIGHT);
    uint32_t cwnd = tapir__cc_cwnd(&s->cc);
    assert_true(cwnd < TOTAL * (uint32_t)s->mss); /* the rest waits for the recovery */

    static struct rc_dropper d;
    memset(&d, 0, sizeof d);
    d.count = 1;
    d.seq[0] = s->snd_max + 2 * (uint32_t)s->mss; /* the 3rd segment, twice */
    d.times[0] = 2;
    n.drop_a_tx = rc_drop;
    n.drop_ctx = &d;

    struct tapir_tcp_stats before = s->stats;
    uint32_t events_before = s->cc.congestion_events;
    struct rc_stream st;
    rc_stream_init(&st, s, &c.client, 9, (uint64_t)TOTAL * s->mss);
    tapir_instant t0 = n.clock.now_us;
    rc_run(&n, &st, 1, 10 * TAPIR_US_PER_MS, 10 * (tapir_instant)TAPIR_US_PER_S);

    assert_int_equal(st.hash, rc_expected_hash(9, st.total));
    assert_int_equal(d.dropped[0], 2);
    assert_int_equal(d.data_frames, TOTAL + 2);
    assert_int_equal(s->stats.retransmissions - before.retransmissions, 2);
    assert_int_equal(s->stats.rto_expirations - before.rto_expirations, 0);
    assert_int_equal(s->stats.fast_retransmits - before.fast_retransmits, 1);
    assert_int_equal(s->cc.congestion_events - events_before, 1);
    assert_int_equal(s->rec.counters.rack_marked, 2);
    assert_int_equal(s->rec.counters.lost_rexmits, 1);
    assert_int_equal(s->rec.counters.tlp_probes, 0);
    assert_int_equal(s->rec.state, TAPIR__REC_OPEN);
    assert_int_equal(n.clock.now_us, t0); /* no timer was needed */
    assert_int_equal(tapir__tcp_rec_check(s), 0);
    assert_int_equal(s->rec.log.count, 0);
    printf("lost retransmission %s: %u retransmissions, %u RTOs, virtual time %lld us\n",
           v6 ? "IPv6" : "IPv4", (unsigned)(s->stats.retransmissions - before.retransmissions),
           (unsigned)(s->stats.rto_expirations - before.rto_expirations),
           (long long)(n.clock.now_us - t0));
    rc_close(&n, &c);
    netsim_free(&n);
}

static void test_lost_retransmission_without_rack(void **state)
{
    (void)state;
    static struct netsim n;
    netsim_init(&n, NULL, 0);
    static struct rc_conn c;
    struct tapir_tcp_config scfg;
    tapir_tcp_config_default(&scfg);
    scfg.no_rack = true;
    rc_open(&n, &c, false, 256 * 1024, &scfg, NULL);
    struct tapir_tcp_socket *s = c.server;
    rc_warm_up(&n, &c, FLIGHT);
    static struct rc_dropper d;
    memset(&d, 0, sizeof d);
    d.count = 1;
    d.seq[0] = s->snd_max + 2 * (uint32_t)s->mss;
    d.times[0] = 2;
    n.drop_a_tx = rc_drop;
    n.drop_ctx = &d;
    struct tapir_tcp_stats before = s->stats;
    struct rc_stream st;
    rc_stream_init(&st, s, &c.client, 9, (uint64_t)TOTAL * s->mss);
    tapir_instant t0 = n.clock.now_us, rto = tapir__rto_current(&s->rto);
    rc_stream_push(&st);
    netsim_settle(&n);
    rc_stream_pull(&st);
    /* Stuck at the hole with everything after it SACKed, until the timer. */
    assert_int_equal(st.got, 2 * (uint64_t)s->mss);
    assert_int_equal(s->stats.retransmissions - before.retransmissions, 1);
    assert_int_equal(s->rec.counters.sack_marked, 1);
    assert_int_equal(s->rec.state, TAPIR__REC_FAST);
    assert_int_equal(s->rto_at, t0 + rto);
    netsim_advance(&n, rto);
    rc_stream_pull(&st);
    assert_true(rc_stream_done(&st));
    assert_int_equal(st.hash, rc_expected_hash(9, st.total));
    assert_int_equal(d.dropped[0], 2);
    assert_int_equal(s->stats.retransmissions - before.retransmissions, 2);
    assert_int_equal(s->stats.rto_expirations - before.rto_expirations, 1);
    assert_int_equal(s->rec.counters.rack_marked, 0);
    assert_int_equal(s->rec.counters.tlp_probes, 0);
    assert_int_equal(s->snd_una, s->snd_max);
    assert_int_equal(tapir__tcp_rec_check(s), 0);
    rc_close(&n, &c);
    netsim_free(&n);
}

static void test_lost_retransmission_v4(void **state)
{
    (void)state;
    run(false);
}

static void test_lost_retransmission_v6(void **state)
{
    (void)state;
    run(true);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lost_retransmission_v4),
        cmocka_unit_test(test_lost_retransmission_v6),
        cmocka_unit_test(test_lost_retransmission_without_rack),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
