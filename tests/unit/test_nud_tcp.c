/* Neighbour unreachability detection with TCP's hint (RFC 4861 §7.3.1): while a
 * connection's data keeps being acknowledged, the peer stays REACHABLE and no probe is
 * ever sent, however long the exchange lasts; once the acknowledgements stop (the
 * connection idles), the entry ages to STALE as usual. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tcp_timers_harness.h"

static struct tt t;

static void test_acks_confirm_reachability(void **state)
{
    (void)state;
    tt_init(&t, false, NULL, 65536, NULL, 65536);
    tt_open(&t, "fdaa::1", "fdaa::100", 1000);
    struct tapir_ip_addr b = netsim_ip("fdaa::100");
    /* A learned B from B's solicitation (STALE) and answered with the SYN-ACK; B's ACK of
     * it confirmed B. */
    assert_int_equal(tapir_iface_neighbor_state(&t.n.a.iface, &b), TAPIR_NEIGHBOR_REACHABLE);
    struct tapir_ipv6_link_info link;
    tapir_iface_ipv6_link(&t.n.a.iface, &link);
    uint64_t ns0 = tapir_iface_stats(&t.n.a.iface)->ndp_solicits_sent;

    /* 100 bytes every 10 s for 5 minutes: far past ReachableTime (below 45 s) plus
     * DELAY_FIRST_PROBE_TIME, yet every ACK re-confirms B. */
    static uint8_t data[100], sink[4096];
    for (int i = 0; i < 30; i++) {
        assert_int_equal(tapir_tcp_send(t.server, data, sizeof data), (int)sizeof data);
        netsim_settle(&t.n);
        while (tapir_tcp_recv(&t.client, sink, sizeof sink) > 0)
            ;
        netsim_advance(&t.n, 10 * TT_S);
        assert_int_equal(tapir_iface_neighbor_state(&t.n.a.iface, &b), TAPIR_NEIGHBOR_REACHABLE);
    }
    assert_int_equal(tapir_iface_stats(&t.n.a.iface)->ndp_solicits_sent - ns0, 0);

    /* Idle: no ACK confirms any more, the entry goes STALE after ReachableTime. */
    netsim_advance(&t.n, link.reachable_time_us);
    assert_int_equal(tapir_iface_neighbor_state(&t.n.a.iface, &b), TAPIR_NEIGHBOR_STALE);
    assert_int_equal(tapir_iface_stats(&t.n.a.iface)->ndp_solicits_sent - ns0, 0);
    tt_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_acks_confirm_reachability),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
