/* The third segment of the handshake is lost: the client is established, the listener's
 * child is still in SYN-RECEIVED. Either its SYN-ACK timer fires after 1 s and the
 * client's answer (an ACK to an old SYN, RFC 9293 §3.10.7.4) completes the handshake, or
 * the client's first data segment, which carries the same ACK, completes it earlier. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tcp_timers_harness.h"

#define SYNACK_MASK (TAPIR_TCP_SYN | TAPIR_TCP_ACK)

/* Step the handshake by hand and drop the client's final ACK on A's side. */
static struct tapir_tcp_socket *handshake_losing_ack(struct tt *t, const char *a, const char *b)
{
    tt_init(t, true, NULL, 65536, NULL, 65536);
    tt_learn_neighbors(t);
    tt_connect(t, a, b, 9000);
    tt_poll(t, &t->n.b); /* SYN out */
    tt_poll(t, &t->n.a); /* SYN in, SYN-ACK out */
    tt_poll(t, &t->n.b); /* SYN-ACK in: established; the final ACK out */
    assert_int_equal(tapir_tcp_state(&t->client), TAPIR_TCP_ESTABLISHED);
    t->n.fault.rx.opt.drop_pct = 100;
    tt_poll(t, &t->n.a); /* the ACK is lost */
    t->n.fault.rx.opt.drop_pct = 0;
    assert_int_equal(t->n.fault.rx.counters.dropped, 1);
    netsim_settle(&t->n);
    struct tapir_tcp_socket *child = &t->pool[0];
    assert_int_equal(tapir_tcp_state(child), TAPIR_TCP_SYN_RECEIVED);
    assert_null(tapir_tcp_accept(&t->listener));
    return child;
}

/* Nothing to send: the child's SYN-ACK is retransmitted at exactly 1 s and answered. */
static void run_synack_retransmitted(const char *a, const char *b)
{
    static struct tt t;
    tapir_instant t0;
    struct tapir_tcp_socket *child = handshake_losing_ack(&t, a, b);
    t0 = t.a_tx.segs[0].at;
    assert_int_equal(t0, t.n.clock.now_us);
    unsigned b_first = t.b_tx.count;
    netsim_advance(&t.n, TT_S - 1);
    assert_int_equal(tapir_tcp_state(child), TAPIR_TCP_SYN_RECEIVED);
    assert_int_equal(tt_count_flags(&t.a_tx, 0, SYNACK_MASK, SYNACK_MASK), 1);
    netsim_advance(&t.n, 1);
    assert_int_equal(tapir_tcp_state(child), TAPIR_TCP_ESTABLISHED);
    assert_int_equal(tt_count_flags(&t.a_tx, 0, SYNACK_MASK, SYNACK_MASK), 2);
    int sa2 = tt_find_flags(&t.a_tx, 1, SYNACK_MASK, SYNACK_MASK);
    assert_int_equal(t.a_tx.segs[sa2].at, t0 + TT_S);
    assert_int_equal(t.a_tx.segs[sa2].seq, child->iss);
    assert_int_equal(child->stats.rto_expirations, 1);
    assert_int_equal(child->stats.retransmissions, 1);
    /* The client's answer: exactly one ACK, <SEQ=ISS+1><ACK=child ISS+1>, at 1 s. */
    assert_int_equal(t.b_tx.count, b_first + 1);
    const struct tt_seg *ack = &t.b_tx.segs[b_first];
    assert_int_equal(ack->flags, TAPIR_TCP_ACK);
    assert_int_equal(ack->seq, 9001);
    assert_int_equal(ack->ack, child->iss + 1);
    assert_int_equal(ack->at, t0 + TT_S);
    assert_int_equal(t.client.stats.retransmissions, 0);
    t.server = tapir_tcp_accept(&t.listener);
    assert_ptr_equal(t.server, child);
    assert_int_equal(tt_pump(&t, t.server, &t.client, 50000, 0, 10 * TT_S), 50000);
    tt_free(&t);
}

/* The client sends at 10 ms: its data segment completes the handshake and is taken; the
 * SYN-ACK is never retransmitted. */
static void run_data_completes(const char *a, const char *b)
{
    static struct tt t;
    struct tapir_tcp_socket *child = handshake_losing_ack(&t, a, b);
    tapir_instant t0 = t.n.clock.now_us;
    netsim_advance(&t.n, 10 * TT_MS);
    assert_int_equal(tapir_tcp_send(&t.client, "first data", 10), 10);
    netsim_settle(&t.n);
    assert_int_equal(tapir_tcp_state(child), TAPIR_TCP_ESTABLISHED);
    t.server = tapir_tcp_accept(&t.listener);
    assert_ptr_equal(t.server, child);
    char buf[16];
    assert_int_equal(tapir_tcp_recv(t.server, buf, sizeof buf), 10);
    assert_memory_equal(buf, "first data", 10);
    int d = tt_find_flags(&t.b_tx, 0, TAPIR_TCP_PSH, TAPIR_TCP_PSH);
    assert_true(d >= 0);
    assert_int_equal(t.b_tx.segs[d].at, t0 + 10 * TT_MS);
    assert_int_equal(t.b_tx.segs[d].seq, 9001);
    assert_int_equal(t.b_tx.segs[d].ack, child->iss + 1);
    /* Well past the SYN-ACK timer: one SYN-ACK only, no retransmission anywhere. */
    netsim_advance(&t.n, 5 * TT_S);
    assert_int_equal(tt_count_flags(&t.a_tx, 0, SYNACK_MASK, SYNACK_MASK), 1);
    assert_int_equal(child->stats.rto_expirations, 0);
    assert_int_equal(child->stats.retransmissions + t.client.stats.retransmissions, 0);
    assert_int_equal(tt_pump(&t, &t.client, t.server, 50000, 10, 10 * TT_S), 50000);
    tt_free(&t);
}

static void test_synack_retransmitted_v4(void **state)
{
    (void)state;
    run_synack_retransmitted("192.168.69.1", "192.168.69.100");
}

static void test_synack_retransmitted_v6(void **state)
{
    (void)state;
    run_synack_retransmitted("fdaa::1", "fdaa::100");
}

static void test_data_completes_v4(void **state)
{
    (void)state;
    run_data_completes("192.168.69.1", "192.168.69.100");
}

static void test_data_completes_v6(void **state)
{
    (void)state;
    run_data_completes("fdaa::1", "fdaa::100");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_synack_retransmitted_v4),
        cmocka_unit_test(test_synack_retransmitted_v6),
        cmocka_unit_test(test_data_completes_v4),
        cmocka_unit_test(test_data_completes_v6),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
