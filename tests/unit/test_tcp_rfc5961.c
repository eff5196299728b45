/* RFC 5961's defences against blind in-window attacks, with segments made by hand and
 * handed to A's interface as if from B's side of an established connection:
 *   §3.2  a RST inside the window but not at RCV.NXT gets a challenge ACK and the
 *         connection survives; one at RCV.NXT resets it; one outside is ignored;
 *   §4    a SYN inside the window gets a challenge ACK;
 *   §5.2  an ACK beyond what was sent (SND.MAX), or older than SND.UNA - MAX.SND.WND,
 *         gets a challenge ACK and the segment (and its data) is dropped.
 * A challenge ACK is <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tcp_timers_harness.h"

#define CLI_BUF 8192 /* B's receive buffer, so A's MAX.SND.WND is small */

static struct tt t;

static void setup(const char *a, const char *b)
{
    tt_init(&t, false, NULL, 65536, NULL, CLI_BUF);
    tt_open(&t, a, b, 4242);
}

/* Hand A `seg` from B (with B's current timestamp when `ts`); returns how many segments A
 * sent in answer. */
static unsigned inject(struct tapir_tcp_repr *seg, bool ts)
{
    if (ts) {
        seg->has_timestamps = true;
        seg->ts_val = t.server->ts_recent;
        seg->ts_ecr = tapir__tcp_ts_now(t.server, t.n.clock.now_us);
    }
    unsigned mark = t.a_tx.count;
    tt_inject(&t, &t.n.a, &t.b_ip, &t.a_ip, seg);
    netsim_settle(&t.n);
    return t.a_tx.count - mark;
}

static void assert_challenge_ack(uint64_t n)
{
    const struct tt_seg *s = &t.a_tx.segs[t.a_tx.count - 1];
    assert_int_equal(s->flags, TAPIR_TCP_ACK);
    assert_int_equal(s->payload_len, 0);
    assert_int_equal(s->seq, t.server->snd_nxt);
    assert_int_equal(s->ack, t.server->rcv_nxt);
    assert_int_equal(s->at, t.n.clock.now_us);
    assert_int_equal(t.server->stats.challenge_acks, n);
}

static void run_rst(const char *a, const char *b)
{
    setup(a, b);
    struct tapir_tcp_socket *s = t.server;
    uint32_t nxt = s->rcv_nxt;
    /* Inside the window, one past RCV.NXT: challenge ACK, still established. */
    struct tapir_tcp_repr rst = tt_seg_to_a(TAPIR_TCP_RST, nxt + 1, 0);
    assert_int_equal(inject(&rst, false), 1);
    assert_challenge_ack(1);
    /* At the far end of the window, still inside. */
    rst.seq = nxt + (uint32_t)tapir__byte_ring_free(&s->rx) - 1;
    assert_int_equal(inject(&rst, false), 1);
    assert_challenge_ack(2);
    /* Outside: silently ignored. */
    rst.seq = nxt + (uint32_t)tapir__byte_ring_free(&s->rx);
    assert_int_equal(inject(&rst, false), 0);
    rst.seq = nxt - 1;
    assert_int_equal(inject(&rst, false), 0);
    assert_int_equal(tapir_tcp_state(s), TAPIR_TCP_ESTABLISHED);
    /* It survived: data both ways. */
    assert_int_equal(tt_pump(&t, &t.client, s, 20000, 0, 5 * TT_S), 20000);
    assert_int_equal(tt_pump(&t, s, &t.client, 20000, 0, 5 * TT_S), 20000);
    assert_int_equal(s->stats.challenge_acks, 2);
    /* Exactly at RCV.NXT: reset, nothing answered. */
    rst.seq = s->rcv_nxt;
    assert_int_equal(inject(&rst, false), 0);
    assert_int_equal(tapir_tcp_state(s), TAPIR_TCP_CLOSED);
    assert_int_equal(s->error, TAPIR_ECONNRESET);
    char buf[4];
    assert_int_equal(tapir_tcp_recv(s, buf, sizeof buf), TAPIR_ECONNRESET);
    tt_free(&t);
}

static void test_rfc5961_rst_v4(void **state)
{
    (void)state;
    run_rst("192.168.69.1", "192.168.69.100");
}

static void test_rfc5961_rst_v6(void **state)
{
    (void)state;
    run_rst("fdaa::1", "fdaa::100");
}

/* A SYN inside the window: challenge ACK, nothing else changes. */
static void test_rfc5961_syn(void **state)
{
    (void)state;
    setup("192.168.69.1", "192.168.69.100");
    struct tapir_tcp_socket *s = t.server;
    uint32_t una = s->snd_una, nxt = s->rcv_nxt;
    struct tapir_tcp_repr syn = tt_seg_to_a(TAPIR_TCP_SYN, nxt + 5, 0);
    syn.has_mss = true;
    syn.mss = 1460;
    assert_int_equal(inject(&syn, true), 1);
    assert_challenge_ack(1);
    assert_int_equal(tapir_tcp_state(s), TAPIR_TCP_ESTABLISHED);
    assert_int_equal(s->rcv_nxt, nxt);
    assert_int_equal(s->snd_una, una);
    /* Also at RCV.NXT exactly, and with ACK set. */
    syn.seq = nxt;
    syn.flags = TAPIR_TCP_SYN | TAPIR_TCP_ACK;
    syn.ack = una;
    assert_int_equal(inject(&syn, true), 1);
    assert_challenge_ack(2);
    assert_int_equal(tapir_tcp_state(s), TAPIR_TCP_ESTABLISHED);
    assert_int_equal(tt_pump(&t, &t.client, s, 10000, 0, 5 * TT_S), 10000);
    tt_free(&t);
}

/* §5.2: an ACK for data never sent, carrying data of its own: challenge ACK, and neither
 * the ACK nor the data is taken. */
static void test_rfc5961_ack_beyond_snd_max(void **state)
{
    (void)state;
    setup("192.168.69.1", "192.168.69.100");
    struct tapir_tcp_socket *s = t.server;
    assert_int_equal(tapir_tcp_send(s, "pending", 7), 7);
    netsim_settle(&t.n); /* sent; B's ACK waits for its delayed-ACK timer */
    uint32_t una = s->snd_una, nxt = s->rcv_nxt;
    assert_int_equal(s->snd_max, una + 7);
    struct tapir_tcp_repr seg = tt_seg_to_a(TAPIR_TCP_ACK | TAPIR_TCP_PSH, nxt, una + 1000);
    seg.payload = (const uint8_t *)"evil";
    seg.payload_len = 4;
    assert_int_equal(inject(&seg, true), 1);
    assert_challenge_ack(1);
    assert_int_equal(s->rcv_nxt, nxt);
    assert_false(tapir_tcp_can_recv(s));
    assert_int_equal(s->snd_una, una);
    /* Just at SND.MAX is fine: the data is taken (and the ACK is B's real one). */
    seg.ack = s->snd_max;
    seg.payload = (const uint8_t *)"good";
    assert_int_equal(s->stats.challenge_acks, 1);
    inject(&seg, true);
    assert_int_equal(s->stats.challenge_acks, 1);
    assert_int_equal(s->rcv_nxt, nxt + 4);
    assert_int_equal(s->snd_una, una + 7);
    char buf[8];
    assert_int_equal(tapir_tcp_recv(s, buf, sizeof buf), 4);
    assert_memory_equal(buf, "good", 4);
    tt_free(&t);
}

/* §5.2: an ACK older than SND.UNA - MAX.SND.WND: challenge ACK and dropped; one exactly
 * at that edge is acceptable (an old duplicate, nothing to answer). */
static void test_rfc5961_ack_too_old(void **state)
{
    (void)state;
    setup("192.168.69.1", "192.168.69.100");
    struct tapir_tcp_socket *s = t.server;
    /* Move SND.UNA well past the largest window B offered (its 8 KiB buffer). */
    assert_int_equal(tt_pump(&t, s, &t.client, 40000, 0, 5 * TT_S), 40000);
    netsim_advance(&t.n, TT_S);
    assert_int_equal(s->max_snd_wnd, CLI_BUF);
    assert_int_equal(s->snd_una, s->snd_max);
    uint32_t oldest = s->snd_una - s->max_snd_wnd;
    struct tapir_tcp_repr ack = tt_seg_to_a(TAPIR_TCP_ACK, s->rcv_nxt, oldest - 1);
    ack.payload = (const uint8_t *)"data";
    ack.payload_len = 4;
    uint32_t nxt = s->rcv_nxt;
    assert_int_equal(inject(&ack, true), 1);
    assert_challenge_ack(1);
    assert_int_equal(s->rcv_nxt, nxt); /* dropped, data and all */
    /* At the edge: taken as an old duplicate ACK; its data goes in (a delayed ACK). */
    ack.ack = oldest;
    inject(&ack, true);
    assert_int_equal(s->stats.challenge_acks, 1);
    assert_int_equal(s->rcv_nxt, nxt + 4);
    assert_int_equal(tapir_tcp_state(s), TAPIR_TCP_ESTABLISHED);
    tt_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc5961_rst_v4),
        cmocka_unit_test(test_rfc5961_rst_v6),
        cmocka_unit_test(test_rfc5961_syn),
        cmocka_unit_test(test_rfc5961_ack_beyond_snd_max),
        cmocka_unit_test(test_rfc5961_ack_too_old),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
