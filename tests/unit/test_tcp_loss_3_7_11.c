/* One flight of 24 segments loses exactly its data segments 3, 7 and 11: SACK recovery
 * (RACK marks the three lost from the first ACK's SACK blocks, RFC 8985 §6.2) retransmits
 * exactly those three, in one fast recovery, with no timeout; the data arrives byte-exact.
 * The same with RACK off (cfg.no_rack): RFC 6675 IsLost alone (three SACKed ranges above
 * the first hole, more than 2 SMSS above the others) marks the same three. IPv4 and IPv6. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tcp_recovery_util.h"

#define FLIGHT 24u

static void run(bool v6, bool rack)
{
    static struct netsim n;
    netsim_init(&n, NULL, 0);
    static struct rc_conn c;
    struct tapir_tcp_config scfg;
    tapir_tcp_config_default(&scfg);
    scfg.no_rack = !rack;
    rc_open(&n, &c, v6, 256 * 1024, &scfg, NULL);
    struct tapir_tcp_socket *s = c.server;
    assert_true(s->sack_ok && c.client.sack_ok);
    rc_warm_up(&n, &c, FLIGHT + 2);

    uint32_t base = s->snd_max;
    uint32_t mss = s->mss;
    static struct rc_dropper d;
    memset(&d, 0, sizeof d);
    d.count = 3;
    d.seq[0] = base + 2 * mss; /* the 3rd, 7th and 11th data segments of the flight */
    d.seq[1] = base + 6 * mss;
    d.seq[2] = base + 10 * mss;
    d.times[0] = d.times[1] = d.times[2] = 1;
    n.drop_a_tx = rc_drop;
    n.drop_ctx = &d;

    struct tapir_tcp_stats before = s->stats;
    uint32_t events_before = s->cc.congestion_events;
    struct rc_stream st;
    rc_stream_init(&st, s, &c.client, 7, (uint64_t)FLIGHT * mss);
    tapir_instant t0 = n.clock.now_us;
    rc_run(&n, &st, 1, 10 * TAPIR_US_PER_MS, 10 * (tapir_instant)TAPIR_US_PER_S);

    assert_int_equal(st.hash, rc_expected_hash(7, st.total));
    assert_int_equal(n.dropped_a_tx, 3);
    assert_int_equal(d.dropped[0] + d.dropped[1] + d.dropped[2], 3);
    /* 24 originals and 3 retransmissions, nothing else. */
    assert_int_equal(d.data_frames, FLIGHT + 3);
    assert_int_equal(s->stats.retransmissions - before.retransmissions, 3);
    assert_int_equal(s->stats.rto_expirations - before.rto_expirations, 0);
    assert_int_equal(s->stats.fast_retransmits - before.fast_retransmits, 1);
    assert_int_equal(s->cc.congestion_events - events_before, 1);
    assert_int_equal(s->rec.counters.rack_marked, rack ? 3 : 0);
    assert_int_equal(s->rec.counters.sack_marked, rack ? 0 : 3);
    assert_int_equal(s->rec.counters.lost_rexmits, 0);
    assert_int_equal(s->rec.counters.tlp_probes, 0);
    assert_int_equal(s->rec.state, TAPIR__REC_OPEN);
    assert_false(tapir__cc_in_recovery(&s->cc));
    /* All within the same instant: no timer was needed. */
    assert_int_equal(n.clock.now_us, t0);
    assert_int_equal(s->snd_una, s->snd_max);
    assert_int_equal(tapir__tcp_rec_check(s), 0);
    assert_int_equal(s->rec.log.count, 0);
    assert_int_equal(s->rec.sack.count, 0);
    printf("loss 3/7/11 %s%s: %u retransmissions, %u RTOs, virtual time %lld us\n",
           v6 ? "IPv6" : "IPv4", rack ? "" : " without RACK",
           (unsigned)(s->stats.retransmissions - before.retransmissions),
           (unsigned)(s->stats.rto_expirations - before.rto_expirations),
           (long long)(n.clock.now_us - t0));
    rc_close(&n, &c);
    netsim_free(&n);
}

static void test_loss_3_7_11_v4(void **state)
{
    (void)state;
    run(false, true);
}

static void test_loss_3_7_11_v6(void **state)
{
    (void)state;
    run(true, true);
}

static void test_loss_3_7_11_islost_v4(void **state)
{
    (void)state;
    run(false, false);
}

static void test_loss_3_7_11_islost_v6(void **state)
{
    (void)state;
    run(true, false);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_loss_3_7_11_v4),
        cmocka_unit_test(test_loss_3_7_11_v6),
        cmocka_unit_test(test_loss_3_7_11_islost_v4),
        cmocka_unit_test(test_loss_3_7_11_islost_v6),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
