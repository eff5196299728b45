/* RFC 6298 §5.7: when the timer expired awaiting the ACK of a SYN (or SYN-ACK), the RTO is
 * re-initialised to 3 s when data transmission begins; the first RTT sample from data then
 * puts the estimator back in charge.
 *
 * The connections use a 10 ms minimum RTO and no RACK-TLP, so neither the 200 ms floor nor
 * a loss probe hides the RTO: with the pair's zero delay, the handshake's timestamp sample
 * is 0 and the estimator alone would say 10 ms. The first data segment is lost; its
 * retransmission must come exactly 3 s after it. The receiver acknowledges the
 * retransmission after its 40 ms delayed-ACK timer, a sample of 40 ms (the echoed
 * timestamp names the retransmission, RFC 7323 §4): RTTVAR = 40 / 4 = 10 ms, SRTT = 40 / 8
 * = 5 ms, RTO = 5 + 4 * 10 = 45 ms, and the next segment's timer is 45 ms. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tcp_timers_harness.h"

/* ctest-case: tcp_rto_fallback_lost_syn test_lost_syn_* */
/* ctest-case: tcp_rto_fallback_lost_synack test_lost_synack_* */
/* ctest-case: tcp_rto_fallback_clean_handshake test_clean_handshake */

#define SYN_MASK (TAPIR_TCP_SYN | TAPIR_TCP_ACK)

/* A 10 ms minimum RTO and no RACK-TLP. */
static const struct tapir_tcp_config *fast_cfg(void)
{
    static struct tapir_tcp_config fast;
    tapir_tcp_config_default(&fast);
    fast.min_rto_us = 10 * TT_MS;
    fast.no_rack = true;
    return &fast;
}

static tapir_instant rto_of(const struct tapir_tcp_socket *s)
{
    struct tapir_tcp_stats st;
    tapir_tcp_get_stats(s, &st);
    return (tapir_instant)st.rto_us;
}

/* `from` (A's socket when from_a) sends 1000 bytes, which are lost; returns when. */
static tapir_instant send_lost(struct tt *t, struct tapir_tcp_socket *from, bool from_a)
{
    static const uint8_t data[1000];
    if (from_a)
        t->n.fault.tx.opt.drop_pct = 100;
    else
        t->n.fault.rx.opt.drop_pct = 100;
    tapir_instant at = t->n.clock.now_us;
    assert_int_equal(tapir_tcp_send(from, data, sizeof data), (int)sizeof data);
    netsim_settle(&t->n);
    t->n.fault.tx.opt.drop_pct = 0;
    t->n.fault.rx.opt.drop_pct = 0;
    return at;
}

/* The lost data segment of `from` (log `log`, first data segment at index >= `mark`) is
 * resent exactly `rto` after it went, not a microsecond earlier; then the 40 ms sample
 * makes the RTO 45 ms, which the next segment's timer uses. */
static void check_data_rto(struct tt *t, struct tapir_tcp_socket *from, struct tt_log *log,
                           bool from_a, unsigned mark, tapir_instant rto)
{
    tapir_instant sent = send_lost(t, from, from_a);
    assert_int_equal(tt_count_data(log, mark), 1);
    assert_int_equal(from->rto_at, sent + rto);
    assert_int_equal(rto_of(from), rto);
    netsim_advance(&t->n, rto - 1);
    assert_int_equal(tt_count_data(log, mark), 1);
    uint64_t rtos = from->stats.rto_expirations;
    netsim_advance(&t->n, 1);
    assert_int_equal(tt_count_data(log, mark), 2);
    assert_int_equal(log->segs[log->count - 1].at, sent + rto);
    assert_int_equal(log->segs[log->count - 1].payload_len, 1000);
    assert_int_equal(from->stats.rto_expirations, rtos + 1);
    /* Backed off until the ACK; the receiver's delayed ACK comes 40 ms later. */
    assert_int_equal(rto_of(from), 2 * rto);
    netsim_advance(&t->n, 40 * TT_MS);
    assert_int_equal(from->snd_una, from->snd_max);
    struct tapir_tcp_stats st;
    tapir_tcp_get_stats(from, &st);
    assert_int_equal(st.srtt_us, 5000);
    assert_int_equal(st.rttvar_us, 10000);
    assert_int_equal(st.rto_us, 45000);
    /* The estimator rules again: the next segment's timer is 45 ms. */
    tapir_instant next = send_lost(t, from, from_a);
    assert_int_equal(from->rto_at, next + 45 * TT_MS);
    netsim_advance(&t->n, 45 * TT_MS);
    assert_int_equal(tt_count_data(log, mark), 4);
    assert_int_equal(log->segs[log->count - 1].at, next + 45 * TT_MS);
}

/* The client's first SYN is lost: SYN again after the initial 1 s, established, then the
 * first data RTO is 3 s. */
static void run_lost_syn(const char *a, const char *b)
{
    static struct tt t;
    tt_init(&t, true, NULL, 65536, fast_cfg(), 65536);
    tt_learn_neighbors(&t);
    t.n.fault.rx.opt.drop_pct = 100; /* what reaches A: the SYN */
    tapir_instant t0 = t.n.clock.now_us;
    tt_connect(&t, a, b, 7000);
    netsim_settle(&t.n);
    assert_int_equal(t.n.fault.rx.counters.dropped, 1);
    t.n.fault.rx.opt.drop_pct = 0;
    netsim_advance(&t.n, TT_S - 1);
    assert_int_equal(tapir_tcp_state(&t.client), TAPIR_TCP_SYN_SENT);
    netsim_advance(&t.n, 1);
    assert_int_equal(tapir_tcp_state(&t.client), TAPIR_TCP_ESTABLISHED);
    assert_int_equal(tt_count_flags(&t.b_tx, 0, SYN_MASK, TAPIR_TCP_SYN), 2);
    assert_int_equal(t.b_tx.segs[1].at, t0 + TT_S);
    assert_int_equal(t.client.stats.rto_expirations, 1);
    t.server = tapir_tcp_accept(&t.listener);
    assert_non_null(t.server);
    /* The SYN-ACK's timestamp gave a sample of 0 (the estimator alone: 10 ms), but data
     * begins with 3 s. */
    assert_true(t.client.rto.has_sample);
    assert_int_equal(t.client.rto.srtt_us, 0);
    assert_int_equal(rto_of(&t.client), 3 * TT_S);
    netsim_advance(&t.n, 100 * TT_MS);
    check_data_rto(&t, &t.client, &t.b_tx, false, 0, 3 * TT_S);
    tt_free(&t);
}

static void test_lost_syn_v4(void **state)
{
    (void)state;
    run_lost_syn("192.168.69.1", "192.168.69.100");
}

static void test_lost_syn_v6(void **state)
{
    (void)state;
    run_lost_syn("fdaa::1", "fdaa::100");
}

/* The listener's SYN-ACK is lost and its child's own timer resends it (the client, with a
 * 2 s initial RTO here, has not resent its SYN yet): the child's first data RTO is 3 s. */
static void run_lost_synack(const char *a, const char *b)
{
    static struct tt t;
    struct tapir_tcp_config slow;
    tapir_tcp_config_default(&slow);
    slow.min_rto_us = 2 * TT_S;
    tt_init(&t, true, fast_cfg(), 65536, &slow, 65536);
    tt_learn_neighbors(&t);
    t.n.fault.tx.opt.drop_pct = 100; /* what A sends: the SYN-ACK */
    tapir_instant t0 = t.n.clock.now_us;
    tt_connect(&t, a, b, 7000);
    netsim_settle(&t.n);
    assert_int_equal(t.n.fault.tx.counters.dropped, 1);
    t.n.fault.tx.opt.drop_pct = 0;
    struct tapir_tcp_socket *child = &t.pool[0];
    assert_int_equal(tapir_tcp_state(child), TAPIR_TCP_SYN_RECEIVED);
    netsim_advance(&t.n, TT_S);
    assert_int_equal(tapir_tcp_state(child), TAPIR_TCP_ESTABLISHED);
    assert_int_equal(tapir_tcp_state(&t.client), TAPIR_TCP_ESTABLISHED);
    assert_int_equal(tt_count_flags(&t.a_tx, 0, SYN_MASK, SYN_MASK), 2);
    assert_int_equal(t.a_tx.segs[1].at, t0 + TT_S);
    assert_int_equal(tt_count_flags(&t.b_tx, 0, SYN_MASK, TAPIR_TCP_SYN), 1);
    assert_int_equal(child->stats.rto_expirations, 1);
    t.server = tapir_tcp_accept(&t.listener);
    assert_ptr_equal(t.server, child);
    assert_int_equal(child->rto.srtt_us, 0);
    assert_int_equal(rto_of(child), 3 * TT_S);
    netsim_advance(&t.n, 100 * TT_MS);
    check_data_rto(&t, child, &t.a_tx, true, 0, 3 * TT_S);
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

/* Control: no SYN was lost, so data starts with what the estimator says: 10 ms (a sample
 * of 0 and the 10 ms floor). */
static void test_clean_handshake(void **state)
{
    (void)state;
    static struct tt t;
    tt_init(&t, true, NULL, 65536, fast_cfg(), 65536);
    tt_learn_neighbors(&t);
    tt_open(&t, "192.168.69.1", "192.168.69.100", 7000);
    assert_int_equal(t.client.stats.rto_expirations, 0);
    assert_int_equal(rto_of(&t.client), 10 * TT_MS);
    netsim_advance(&t.n, 100 * TT_MS);
    tapir_instant sent = send_lost(&t, &t.client, false);
    assert_int_equal(t.client.rto_at, sent + 10 * TT_MS);
    netsim_advance(&t.n, 10 * TT_MS);
    assert_int_equal(tt_count_data(&t.b_tx, 0), 2);
    assert_int_equal(t.b_tx.segs[t.b_tx.count - 1].at, sent + 10 * TT_MS);
    tt_free(&t);
}

int main(int argc, char **argv)
{
    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lost_syn_v4),     cmocka_unit_test(test_lost_syn_v6),
        cmocka_unit_test(test_lost_synack_v4),  cmocka_unit_test(test_lost_synack_v6),
        cmocka_unit_test(test_clean_handshake),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
