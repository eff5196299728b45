/* The retransmission timer's backoff (RFC 6298 §5.5) on a connection whose peer goes
 * silent: every retransmission at its exact virtual time, doubling from the 200 ms minimum
 * RTO up to the 60 s maximum, and the connection given up with TAPIR_ETIMEDOUT when the
 * timer expires for the (max_retries + 1)-th time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tcp_timers_harness.h"

static void run_backoff(const char *a, const char *b, unsigned max_retries)
{
    static struct tt t;
    struct tapir_tcp_config cfg;
    tapir_tcp_config_default(&cfg);
    cfg.max_retries = max_retries;
    tt_init(&t, true, NULL, 65536, &cfg, 65536);
    tt_open(&t, a, b, 1000);
    /* The handshake measured an RTT of 0 (timestamps, same instant): the RTO is the
     * 200 ms minimum. */
    assert_int_equal(tapir__rto_current(&t.client.rto), 200 * TT_MS);

    t.n.fault.rx.opt.drop_pct = 100; /* A hears nothing from here on */
    t.n.fault.tx.opt.drop_pct = 100;
    unsigned first = t.b_tx.count;
    tapir_instant t0 = t.n.clock.now_us;
    uint32_t seq = t.client.snd_una;
    assert_int_equal(tapir_tcp_send(&t.client, "hello", 5), 5);
    netsim_settle(&t.n);

    /* Transmission k (0 = the original) at t0 + 200 ms * (2^k - 1) while the doubling
     * stays under 60 s, then 60 s apart. Check each instant from both sides: nothing
     * 1 us before, the segment at it. */
    tapir_instant at = t0, interval = 200 * TT_MS;
    for (unsigned k = 0; k <= max_retries; k++) {
        if (k > 0) {
            at += interval;
            interval = interval * 2 < 60 * TT_S ? interval * 2 : 60 * TT_S;
            netsim_advance(&t.n, at - 1 - t.n.clock.now_us);
            assert_int_equal(tt_count_data(&t.b_tx, first), k);
            netsim_advance(&t.n, 1);
        }
        assert_int_equal(tt_count_data(&t.b_tx, first), k + 1);
        const struct tt_seg *s = &t.b_tx.segs[t.b_tx.count - 1];
        assert_int_equal(s->at, at);
        assert_int_equal(s->seq, seq);
        assert_int_equal(s->payload_len, 5);
        assert_int_equal(t.client.stats.retransmissions, k);
        assert_int_equal(tapir_tcp_state(&t.client), TAPIR_TCP_ESTABLISHED);
    }
    /* One more expiry: the connection is dropped, exactly then. */
    at += interval;
    netsim_advance(&t.n, at - 1 - t.n.clock.now_us);
    assert_int_equal(tapir_tcp_state(&t.client), TAPIR_TCP_ESTABLISHED);
    netsim_advance(&t.n, 1);
    assert_int_equal(tapir_tcp_state(&t.client), TAPIR_TCP_CLOSED);
    assert_int_equal(t.client.error, TAPIR_ETIMEDOUT);
    char buf[8];
    assert_int_equal(tapir_tcp_recv(&t.client, buf, sizeof buf), TAPIR_ETIMEDOUT);
    assert_int_equal(tapir_tcp_send(&t.client, "x", 1), TAPIR_ETIMEDOUT);
    assert_int_equal(t.client.stats.rto_expirations, max_retries + 1);
    assert_int_equal(tt_count_data(&t.b_tx, first), max_retries + 1);
    /* Nothing more afterwards. */
    unsigned total = t.b_tx.count;
    netsim_advance(&t.n, 600 * TT_S);
    assert_int_equal(t.b_tx.count, total);
    tt_free(&t);
}

/* Defaults: 15 retries, 200 ms doubling to the 60 s cap: given up 522.2 s after the send. */
static void test_rto_backoff_v4(void **state)
{
    (void)state;
    run_backoff("192.168.69.1", "192.168.69.100", 15);
}

static void test_rto_backoff_v6_short(void **state)
{
    (void)state;
    run_backoff("fdaa::1", "fdaa::100", 5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rto_backoff_v4),
        cmocka_unit_test(test_rto_backoff_v6_short),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
