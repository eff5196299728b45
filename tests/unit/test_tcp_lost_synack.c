/* The SYN-ACK is lost (RFC 9293 §3.5, RFC 6298 §2.1): the client's SYN is retransmitted
 * after the initial RTO of 1 s, and the listener's child, still in SYN-RECEIVED, answers
 * it with its SYN-ACK at once; the handshake completes then, on both sides, and the
 * child's own retransmission timer is cancelled. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tcp_timers_harness.h"

#define SYNACK_MASK (TAPIR_TCP_SYN | TAPIR_TCP_ACK)

static void run_lost_synack(const char *a, const char *b)
{
    static struct tt t;
    tt_init(&t, true, NULL, 65536, NULL, 65536);
    tt_learn_neighbors(&t);
    /* The first SYN takes 100 ms to reach A, so A's SYN-ACK timer (1 s after it) is due
     * after the client's SYN timer (1 s after sending). */
    t.n.fault.rx.opt.delay_us = 100 * TT_MS;
    tapir_instant t0 = t.n.clock.now_us;
    tt_connect(&t, a, b, 5000);
    netsim_settle(&t.n);
    assert_int_equal(tt_count_flags(&t.b_tx, 0, SYNACK_MASK, TAPIR_TCP_SYN), 1);
    t.n.fault.rx.opt.delay_us = 0;
    t.n.fault.tx.opt.drop_pct = 100; /* A's SYN-ACK is lost */
    netsim_advance(&t.n, 100 * TT_MS);
    assert_int_equal(tt_count_flags(&t.a_tx, 0, SYNACK_MASK, SYNACK_MASK), 1);
    assert_int_equal(t.n.fault.tx.counters.dropped, 1);
    t.n.fault.tx.opt.drop_pct = 0;
    struct tapir_tcp_socket *child = &t.pool[0];
    assert_int_equal(tapir_tcp_state(child), TAPIR_TCP_SYN_RECEIVED);
    assert_int_equal(t.a_tx.segs[0].at, t0 + 100 * TT_MS);

    /* 1 us before the client's RTO: nothing has moved. */
    netsim_advance(&t.n, t0 + TT_S - 1 - t.n.clock.now_us);
    assert_int_equal(tapir_tcp_state(&t.client), TAPIR_TCP_SYN_SENT);
    assert_int_equal(tt_count_flags(&t.b_tx, 0, SYNACK_MASK, TAPIR_TCP_SYN), 1);
    /* At 1 s: SYN again, answered by the SYN-ACK, the final ACK: both established. */
    netsim_advance(&t.n, 1);
    assert_int_equal(tapir_tcp_state(&t.client), TAPIR_TCP_ESTABLISHED);
    assert_int_equal(tapir_tcp_state(child), TAPIR_TCP_ESTABLISHED);
    assert_int_equal(tt_count_flags(&t.b_tx, 0, SYNACK_MASK, TAPIR_TCP_SYN), 2);
    int syn2 = tt_find_flags(&t.b_tx, 1, SYNACK_MASK, TAPIR_TCP_SYN);
    assert_true(syn2 > 0);
    assert_int_equal(t.b_tx.segs[syn2].at, t0 + TT_S);
    assert_int_equal(t.b_tx.segs[syn2].seq, 5000);
    assert_int_equal(tt_count_flags(&t.a_tx, 0, SYNACK_MASK, SYNACK_MASK), 2);
    int sa2 = tt_find_flags(&t.a_tx, 1, SYNACK_MASK, SYNACK_MASK);
    assert_int_equal(t.a_tx.segs[sa2].at, t0 + TT_S);
    assert_int_equal(t.a_tx.segs[sa2].seq, t.a_tx.segs[0].seq); /* the same ISS */
    assert_int_equal(t.a_tx.segs[sa2].ack, 5001);
    assert_int_equal(t.client.stats.rto_expirations, 1);
    assert_int_equal(t.client.stats.retransmissions, 1);
    assert_int_equal(child->stats.rto_expirations, 0);
    assert_int_equal(child->stats.retransmissions, 1);
    assert_int_equal(child->rto_at, TAPIR_INSTANT_NEVER);
    assert_ptr_equal(tapir_tcp_accept(&t.listener), child);
    t.server = child;

    /* Quiet afterwards: the child's SYN-ACK timer (due at 1.1 s) was cancelled. */
    unsigned a_count = t.a_tx.count, b_count = t.b_tx.count;
    netsim_advance(&t.n, 5 * TT_S);
    assert_int_equal(t.a_tx.count, a_count);
    assert_int_equal(t.b_tx.count, b_count);
    /* And the connection works. */
    assert_int_equal(tt_pump(&t, &t.client, t.server, 100000, 0, 10 * TT_S), 100000);
    tt_free(&t);
}

static void test_lost_synack_v4(void **state)
{
    (void)state;
    run_lost_synack("192.168.69.1", "192.168.69.100");
}

static void test_lost_synack_v6(void **state)
{
    (void)state;
    run_lost_synack("fdaa::1", "fdaa::100");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lost_synack_v4),
        cmocka_unit_test(test_lost_synack_v6),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
