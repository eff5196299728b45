/* tcp_syn_retries: a connect to a host that never answers gives up after syn_retries
 * retransmissions of the SYN (6 by default, as Linux's tcp_syn_retries), at exactly
 * 1 + 2 + ... + 32 + 60 = 123 s of virtual time (the last wait capped by the 60 s maximum
 * RTO), with TAPIR_ETIMEDOUT; the data
 * connection's max_retries (15) does not apply while opening. IPv4 and IPv6. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tcp_timers_harness.h"

static void run(const char *a, const char *b)
{
    static struct tt t;
    struct tapir_tcp_config cfg;
    tapir_tcp_config_default(&cfg);
    assert_int_equal(cfg.syn_retries, 6);
    assert_int_equal(cfg.max_retries, 15);
    tt_init(&t, true, NULL, 65536, &cfg, 65536);
    tt_learn_neighbors(&t);
    t.n.fault.rx.opt.drop_pct = 100; /* nothing reaches A: a silent host */
    tapir_instant t0 = t.n.clock.now_us;
    tt_connect(&t, a, b, 9000);
    netsim_settle(&t.n);
    assert_int_equal(t.b_tx.count, 1);
    /* SYN k (k = 1..6) at t0 + (2^k - 1) s: the 1 s initial RTO doubling (RFC 6298 §2.1,
     * §5.5). */
    for (unsigned k = 1; k <= 6; k++) {
        tapir_instant at = t0 + (((tapir_instant)1 << k) - 1) * TT_S;
        netsim_advance(&t.n, at - 1 - t.n.clock.now_us);
        assert_int_equal(t.b_tx.count, k);
        netsim_advance(&t.n, 1);
        assert_int_equal(t.b_tx.count, k + 1);
        assert_int_equal(t.b_tx.segs[k].at, at);
        assert_int_equal(tapir_tcp_state(&t.client), TAPIR_TCP_SYN_SENT);
    }
    /* The seventh expiry, 60 s (not 64: the maximum RTO) after the last SYN: given up,
     * nothing more sent. */
    netsim_advance(&t.n, t0 + 123 * TT_S - 1 - t.n.clock.now_us);
    assert_int_equal(tapir_tcp_state(&t.client), TAPIR_TCP_SYN_SENT);
    netsim_advance(&t.n, 1);
    assert_int_equal(tapir_tcp_state(&t.client), TAPIR_TCP_CLOSED);
    assert_int_equal(t.client.error, TAPIR_ETIMEDOUT);
    assert_int_equal(t.client.stats.rto_expirations, 7);
    netsim_advance(&t.n, 600 * TT_S);
    assert_int_equal(t.b_tx.count, 7);
    tt_free(&t);
}

static void test_syn_retries_v4(void **state)
{
    (void)state;
    run("192.168.69.1", "192.168.69.100");
}

static void test_syn_retries_v6(void **state)
{
    (void)state;
    run("fdaa::1", "fdaa::100");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_syn_retries_v4),
        cmocka_unit_test(test_syn_retries_v6),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
