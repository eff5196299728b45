/* The losses of tcp_loss_3_7_11 (data segments 3, 7 and 11 of one 24-segment flight) on a
 * connection without SACK (the client neither offers nor accepts it): NewReno (RFC 6582)
 * enters fast recovery on the third duplicate ACK and retransmits the next hole on each
 * partial ACK: exactly three retransmissions, one recovery, no timeout, byte-exact data.
 * IPv4 and IPv6. And a loss with only three segments after it: the third duplicate ACK
 * retransmits it at once although FlightSize exceeds the reduced cwnd (RFC 6582 §3.2
 * step 2). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tcp_recovery_util.h"

#define FLIGHT 24u

static void run(bool v6)
{
    static struct netsim n;
    netsim_init(&n, NULL, 0);
    static struct rc_conn c;
    struct tapir_tcp_config ccfg;
    tapir_tcp_config_default(&ccfg);
    ccfg.no_sack = true;
    rc_open(&n, &c, v6, 256 * 1024, NULL, &ccfg);
    struct tapir_tcp_socket *s = c.server;
    assert_false(s->sack_ok);
    assert_false(c.client.sack_ok);
    assert_false(c.listener.cfg.no_sack); /* the server side would have offered it */
    rc_warm_up(&n, &c, FLIGHT + 2);

    uint32_t base = s->snd_max;
    uint32_t mss = s->mss;
    static struct rc_dropper d;
    memset(&d, 0, sizeof d);
    d.count = 3;
    d.seq[0] = base + 2 * mss;
    d.seq[1] = base + 6 * mss;
    d.seq[2] = base + 10 * mss;
    d.times[0] = d.times[1] = d.times[2] = 1;
    n.drop_a_tx = rc_drop;
    n.drop_ctx = &d;

    struct tapir_tcp_stats before = s->stats;
    uint32_t events_before = s->cc.congestion_events;
    struct rc_stream st;
    rc_stream_init(&st, s, &c.client, 11, (uint64_t)FLIGHT * mss);
    tapir_instant t0 = n.clock.now_us;
    rc_run(&n, &st, 1, 10 * TAPIR_US_PER_MS, 10 * (tapir_instant)TAPIR_US_PER_S);

    assert_int_equal(st.hash, rc_expected_hash(11, st.total));
    assert_int_equal(n.dropped_a_tx, 3);
    assert_int_equal(d.data_frames, FLIGHT + 3);
    assert_int_equal(s->stats.retransmissions - before.retransmissions, 3);
    assert_int_equal(s->stats.rto_expirations - before.rto_expirations, 0);
    assert_int_equal(s->stats.fast_retransmits - before.fast_retransmits, 1);
    assert_int_equal(s->cc.congestion_events - events_before, 1);
    /* The third duplicate marked segment 3; the partial ACKs for 7 and 11 the others. */
    assert_int_equal(s->rec.counters.newreno_marked, 3);
    assert_int_equal(s->rec.counters.rack_marked, 0);
    assert_int_equal(s->rec.counters.tlp_probes, 0);
    assert_int_equal(s->stats.sack_blocks_seen, 0);
    assert_int_equal(s->rec.state, TAPIR__REC_OPEN);
    assert_false(tapir__cc_in_recovery(&s->cc));
    assert_int_equal(n.clock.now_us, t0);
    assert_int_equal(tapir__tcp_rec_check(s), 0);
    printf("NewReno %s: %u retransmissions, %u RTOs, virtual time %lld us\n", v6 ? "IPv6" : "IPv4",
           (unsigned)(s->stats.retransmissions - before.retransmissions),
           (unsigned)(s->stats.rto_expirations - before.rto_expirations),
           (long long)(n.clock.now_us - t0));
    rc_close(&n, &c);
    netsim_free(&n);
}

static void test_newreno_three_dupacks(void **state)
{
    (void)state;
    static struct netsim n;
    netsim_init(&n, NULL, 0);
    static struct rc_conn c;
    struct tapir_tcp_config ccfg;
    tapir_tcp_config_default(&ccfg);
    ccfg.no_sack = true;
    rc_open(&n, &c, false, 256 * 1024, NULL, &ccfg);
    struct tapir_tcp_socket *s = c.server;
    rc_warm_up(&n, &c, FLIGHT + 2);
    static struct rc_dropper d;
    memset(&d, 0, sizeof d);
    d.count = 1;
    d.seq[0] = s->snd_max + (FLIGHT - 4) * (uint32_t)s->mss; /* three segments follow it */
    d.times[0] = 1;
    n.drop_a_tx = rc_drop;
    n.drop_ctx = &d;
    uint32_t events_before = s->cc.congestion_events;
    struct rc_stream st;
    rc_stream_init(&st, s, &c.client, 12, (uint64_t)FLIGHT * s->mss);
    tapir_instant t0 = n.clock.now_us;
    rc_run(&n, &st, 1, 10 * TAPIR_US_PER_MS, 10 * (tapir_instant)TAPIR_US_PER_S);
    assert_int_equal(st.hash, rc_expected_hash(12, st.total));
    assert_int_equal(s->stats.retransmissions, 1);
    assert_int_equal(s->stats.rto_expirations, 0);
    assert_int_equal(s->stats.fast_retransmits, 1);
    assert_int_equal(s->cc.congestion_events - events_before, 1);
    assert_int_equal(s->rec.counters.newreno_marked, 1);
    assert_int_equal(n.clock.now_us, t0);
    assert_int_equal(s->rec.state, TAPIR__REC_OPEN);
    assert_int_equal(tapir__tcp_rec_check(s), 0);
    rc_close(&n, &c);
    netsim_free(&n);
}

static void test_newreno_no_sack_v4(void **state)
{
    (void)state;
    run(false);
}

static void test_newreno_no_sack_v6(void **state)
{
    (void)state;
    run(true);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_newreno_no_sack_v4),
        cmocka_unit_test(test_newreno_no_sack_v6),
        cmocka_unit_test(test_newreno_three_dupacks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
