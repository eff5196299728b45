/* PAWS (RFC 7323 §5): on a connection with timestamps, a segment whose TSval is older than
 * TS.Recent (compared modulo 2^32) is an old duplicate: dropped, data and all, and
 * answered with an ACK. A RST is exempt; TS.Recent stops counting after 24 days idle
 * (§5.5). Segments made by hand are handed to A as if from B. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tcp_timers_harness.h"

static struct tt t;

/* Data at RCV.NXT from B with this TSval; returns the segments A answered with. */
static unsigned send_with_ts(uint32_t ts_val, const char *text)
{
    struct tapir_tcp_socket *s = t.server;
    struct tapir_tcp_repr seg = tt_seg_to_a(TAPIR_TCP_ACK | TAPIR_TCP_PSH, s->rcv_nxt, s->snd_nxt);
    seg.has_timestamps = true;
    seg.ts_val = ts_val;
    seg.ts_ecr = tapir__tcp_ts_now(s, t.n.clock.now_us);
    seg.payload = (const uint8_t *)text;
    seg.payload_len = strlen(text);
    unsigned mark = t.a_tx.count;
    tt_inject(&t, &t.n.a, &t.b_ip, &t.a_ip, &seg);
    netsim_settle(&t.n);
    return t.a_tx.count - mark;
}

static void assert_dropped_with_ack(uint32_t nxt, uint64_t drops)
{
    struct tapir_tcp_socket *s = t.server;
    const struct tt_seg *ack = &t.a_tx.segs[t.a_tx.count - 1];
    assert_int_equal(ack->flags, TAPIR_TCP_ACK);
    assert_int_equal(ack->seq, s->snd_nxt);
    assert_int_equal(ack->ack, nxt);
    assert_int_equal(ack->at, t.n.clock.now_us);
    assert_true(ack->has_ts);
    assert_int_equal(s->rcv_nxt, nxt);
    assert_false(tapir_tcp_can_recv(s));
    assert_int_equal(s->stats.paws_drops, drops);
}

static void take(const char *text)
{
    char buf[32];
    assert_int_equal(tapir_tcp_recv(t.server, buf, sizeof buf), (int)strlen(text));
    assert_memory_equal(buf, text, strlen(text));
}

static void run_paws(const char *a, const char *b)
{
    tt_init(&t, false, NULL, 65536, NULL, 65536);
    tt_open(&t, a, b, 31337);
    struct tapir_tcp_socket *s = t.server;
    netsim_advance(&t.n, 2 * TT_S);
    assert_int_equal(tt_pump(&t, &t.client, s, 5000, 0, TT_S), 5000); /* TS.Recent moves */
    uint32_t recent = s->ts_recent;
    assert_true(recent > 1000);
    uint32_t nxt = s->rcv_nxt;

    /* One tick older: dropped with an ACK. */
    assert_int_equal(send_with_ts(recent - 1, "old!"), 1);
    assert_dropped_with_ack(nxt, 1);
    assert_int_equal(s->ts_recent, recent);
    /* 2^31 ahead is "older" modulo 2^32 (RFC 7323 §5.2): dropped too. */
    assert_int_equal(send_with_ts(recent + 0x80000000u, "wrap"), 1);
    assert_dropped_with_ack(nxt, 2);
    /* Equal: acceptable, the data is taken. */
    send_with_ts(recent, "same");
    assert_int_equal(s->rcv_nxt, nxt + 4);
    take("same");
    assert_int_equal(s->stats.paws_drops, 2);
    /* 2^31 - 1 ahead: newer, taken, and TS.Recent follows. */
    send_with_ts(recent + 0x7fffffffu, "far!");
    assert_int_equal(s->rcv_nxt, nxt + 8);
    take("far!");
    assert_int_equal(s->ts_recent, recent + 0x7fffffffu);
    assert_int_equal(tapir_tcp_state(s), TAPIR_TCP_ESTABLISHED);
    /* That forged segment left TS.Recent far ahead of B's clock, and A's ACK of it
     * acknowledged data B never sent: B answered with a challenge ACK (RFC 5961 §5.2),
     * which A refused by PAWS without answering, since it had answered a refused segment
     * less than 500 ms before (RFC 5961 §7): no ACK war. */
    assert_int_equal(t.client.stats.challenge_acks, 1);
    assert_int_equal(s->stats.paws_drops, 3);
    unsigned mark = t.a_tx.count;
    netsim_advance(&t.n, 2 * TT_S);
    assert_int_equal(t.a_tx.count, mark);
    /* 500 ms later a refused pure ACK is answered again, once. */
    struct tapir_tcp_repr ack = tt_seg_to_a(TAPIR_TCP_ACK, s->rcv_nxt, s->snd_nxt);
    ack.has_timestamps = true;
    ack.ts_val = recent;
    tt_inject(&t, &t.n.a, &t.b_ip, &t.a_ip, &ack);
    tt_inject(&t, &t.n.a, &t.b_ip, &t.a_ip, &ack);
    assert_int_equal(s->stats.paws_drops, 5);
    netsim_settle(&t.n);
    assert_int_equal(t.a_tx.count, mark + 1);
    assert_int_equal(t.a_tx.segs[mark].flags, TAPIR_TCP_ACK);
    tt_free(&t);
}

static void test_paws_v4(void **state)
{
    (void)state;
    run_paws("192.168.69.1", "192.168.69.100");
}

static void test_paws_v6(void **state)
{
    (void)state;
    run_paws("fdaa::1", "fdaa::100");
}

/* RFC 7323 §5.3 R1 applies to segments without RST: an exact RST with an old timestamp
 * still resets. */
static void test_paws_rst_exempt(void **state)
{
    (void)state;
    tt_init(&t, false, NULL, 65536, NULL, 65536);
    tt_open(&t, "192.168.69.1", "192.168.69.100", 5);
    struct tapir_tcp_socket *s = t.server;
    netsim_advance(&t.n, TT_S);
    assert_int_equal(tt_pump(&t, &t.client, s, 1000, 0, TT_S), 1000);
    struct tapir_tcp_repr rst = tt_seg_to_a(TAPIR_TCP_RST, s->rcv_nxt, 0);
    rst.has_timestamps = true;
    rst.ts_val = s->ts_recent - 100;
    tt_inject(&t, &t.n.a, &t.b_ip, &t.a_ip, &rst);
    netsim_settle(&t.n);
    assert_int_equal(tapir_tcp_state(s), TAPIR_TCP_CLOSED);
    assert_int_equal(s->error, TAPIR_ECONNRESET);
    assert_int_equal(s->stats.paws_drops, 0);
    tt_free(&t);
}

/* RFC 7323 §5.5: after more than 24 days without a segment TS.Recent is invalid; an old
 * TSval is then taken and becomes TS.Recent. Just under 24 days it is still refused. */
static void test_paws_idle_24_days(void **state)
{
    (void)state;
    tt_init(&t, false, NULL, 65536, NULL, 65536);
    tt_open(&t, "192.168.69.1", "192.168.69.100", 5);
    struct tapir_tcp_socket *s = t.server;
    netsim_advance(&t.n, 10 * TT_S);
    assert_int_equal(tt_pump(&t, &t.client, s, 1000, 0, TT_S), 1000);
    netsim_advance(&t.n, TT_S);
    uint32_t recent = s->ts_recent, nxt = s->rcv_nxt;
    tapir_instant day = 86400 * TT_S;
    netsim_advance(&t.n, s->last_rx_at + 24 * day - t.n.clock.now_us);
    assert_int_equal(send_with_ts(recent - 5000, "late"), 1);
    assert_dropped_with_ack(nxt, 1);
    /* That refused segment did not count as activity: a day later it is taken. */
    netsim_advance(&t.n, day);
    send_with_ts(recent - 5000, "late");
    assert_int_equal(s->rcv_nxt, nxt + 4);
    take("late");
    assert_int_equal(s->ts_recent, recent - 5000);
    assert_int_equal(s->stats.paws_drops, 1);
    tt_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_paws_v4),
        cmocka_unit_test(test_paws_v6),
        cmocka_unit_test(test_paws_rst_exempt),
        cmocka_unit_test(test_paws_idle_24_days),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
