/* The persist timer (RFC 9293 §3.8.6.1, RFC 1122 §4.2.2.17): a receiver whose application
 * does not read closes its window; the sender, with data queued and nothing in flight,
 * probes one RTO later and then with exponential backoff (capped at the maximum RTO),
 * each probe answered with the still-closed window; when the reader drains, the window
 * update (or, if that is lost, the next probe's answer) restarts the transfer, byte-exact.
 * Probes that go unanswered end the connection after max_retries of them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tcp_timers_harness.h"

#define SRV_BUF 4096
#define TOTAL   20000

static uint8_t data[TOTAL];

/* B (the client) sends TOTAL bytes to A, whose 4 KiB receive buffer nobody reads.
 * First the sender's SWS avoidance (RFC 9293 §3.8.6.2.1): two full segments go, and the
 * 1200 bytes left of the window wait (less than an MSS and than half the largest window),
 * until the override timer (the persist timer, one RTO) lets them out; then the window is
 * zero and the persist timer is armed for the first probe. Returns the instant A offered
 * the zero window. */
static tapir_instant stall(struct tt *t, const struct tapir_tcp_config *cli)
{
    tt_init(t, true, NULL, SRV_BUF, cli, 65536);
    tt_open(t, "192.168.69.1", "192.168.69.100", 100);
    for (size_t i = 0; i < TOTAL; i++)
        data[i] = (uint8_t)(i * 7 + 3);
    tapir_instant t0 = t->n.clock.now_us;
    unsigned b0 = t->b_tx.count, a0 = t->a_tx.count;
    assert_int_equal(tapir_tcp_send(&t->client, data, TOTAL), TOTAL);
    netsim_settle(&t->n);
    assert_int_equal(tt_count_data(&t->b_tx, b0), 2);
    assert_int_equal(t->b_tx.segs[b0 + 1].payload_len, t->client.mss);
    assert_int_equal(t->a_tx.count, a0 + 1);
    assert_int_equal(t->a_tx.segs[a0].ack, 101 + 2 * t->client.mss);
    assert_int_equal(t->a_tx.segs[a0].window, SRV_BUF - 2 * t->client.mss);
    assert_int_equal(t->client.persist_at, t0 + 200 * TT_MS);
    netsim_advance(&t->n, 200 * TT_MS - 1);
    assert_int_equal(tt_count_data(&t->b_tx, b0), 2);
    netsim_advance(&t->n, 1);
    assert_int_equal(tt_count_data(&t->b_tx, b0), 3);
    const struct tt_seg *small = &t->b_tx.segs[t->b_tx.count - 1];
    assert_int_equal(small->at, t0 + 200 * TT_MS);
    assert_int_equal(small->payload_len, SRV_BUF - 2 * t->client.mss);
    assert_int_equal(t->client.stats.persist_probes, 0);
    /* A's delayed ACK (40 ms) closes the window. */
    netsim_advance(&t->n, 40 * TT_MS - 1);
    assert_int_equal(t->client.snd_wnd, SRV_BUF - 2 * t->client.mss);
    netsim_advance(&t->n, 1);
    assert_int_equal(t->client.snd_wnd, 0);
    assert_int_equal(t->client.snd_una, t->client.snd_max); /* nothing in flight */
    assert_int_equal(t->client.snd_una, 101 + SRV_BUF);     /* exactly the buffer's worth */
    assert_int_equal(t->client.rto_at, TAPIR_INSTANT_NEVER);
    assert_int_equal(tapir__byte_ring_len(&t->server->rx), SRV_BUF);
    /* A's last segment offered the zero window; the first probe is one RTO (200 ms)
     * after the sender learnt of it. */
    const struct tt_seg *last = &t->a_tx.segs[t->a_tx.count - 1];
    assert_int_equal(last->at, t0 + 240 * TT_MS);
    assert_int_equal(last->window, 0);
    assert_int_equal(t->client.persist_at, last->at + 200 * TT_MS);
    return last->at;
}

static bool is_probe(const struct tt_seg *s, uint32_t snd_una)
{
    return s->flags == TAPIR_TCP_ACK && s->payload_len == 0 && s->seq == snd_una - 1;
}

static unsigned count_probes(const struct tt *t, uint32_t snd_una)
{
    unsigned n = 0;
    for (unsigned i = 0; i < t->b_tx.count; i++)
        n += is_probe(&t->b_tx.segs[i], snd_una);
    return n;
}

/* Read everything A holds now and check it against the pattern from `*got` on. */
static void drain(struct tt *t, size_t *got)
{
    static uint8_t buf[TOTAL];
    int r;
    while ((r = tapir_tcp_recv(t->server, buf, sizeof buf)) > 0) {
        assert_memory_equal(buf, data + *got, (size_t)r);
        *got += (size_t)r;
    }
}

/* Read until all TOTAL bytes arrived (the window closes and reopens many times). */
static void finish(struct tt *t, size_t got)
{
    for (int i = 0; i < 2000 && got < TOTAL; i++) {
        drain(t, &got);
        netsim_advance(&t->n, 5 * TT_MS);
    }
    drain(t, &got);
    assert_int_equal(got, TOTAL);
}

/* Probes at 200 ms, then 400, 800, 1600 ms, then the 3 s cap (max_rto_us here), each
 * answered with window 0; the reader drains after the 7th and the transfer finishes. */
static void test_persist_probes_and_recovery(void **state)
{
    (void)state;
    static struct tt t;
    struct tapir_tcp_config cli;
    tapir_tcp_config_default(&cli);
    cli.max_rto_us = 3 * TT_S;
    tapir_instant z = stall(&t, &cli);
    uint32_t una = t.client.snd_una;
    unsigned a_before = t.a_tx.count;
    tapir_instant at = z, interval = 200 * TT_MS;
    for (unsigned k = 1; k <= 7; k++) {
        at += interval;
        interval = interval * 2 < 3 * TT_S ? interval * 2 : 3 * TT_S;
        netsim_advance(&t.n, at - 1 - t.n.clock.now_us);
        assert_int_equal(count_probes(&t, una), k - 1);
        netsim_advance(&t.n, 1);
        assert_int_equal(count_probes(&t, una), k);
        assert_int_equal(t.b_tx.segs[t.b_tx.count - 1].at, at);
        assert_true(is_probe(&t.b_tx.segs[t.b_tx.count - 1], una));
        /* Each probe answered at once by an ACK with the window still closed. */
        assert_int_equal(t.a_tx.count, a_before + k);
        const struct tt_seg *ans = &t.a_tx.segs[t.a_tx.count - 1];
        assert_int_equal(ans->at, at);
        assert_int_equal(ans->ack, una);
        assert_int_equal(ans->window, 0);
        assert_int_equal(t.client.stats.persist_probes, k);
        assert_int_equal(t.client.probes_out, 0); /* answered */
    }
    /* 0.2 + 0.4 + 0.8 + 1.6 + 3 + 3 + 3 s after the zero window. */
    assert_int_equal(at - z, 12 * TT_S);
    /* Nothing of the data moved meanwhile; no retransmission either. */
    assert_int_equal(t.client.snd_una, una);
    assert_int_equal(t.client.stats.retransmissions, 0);
    assert_int_equal(tapir_tcp_state(&t.client), TAPIR_TCP_ESTABLISHED);

    /* The reader drains: the window update goes out at once and data flows again. */
    netsim_advance(&t.n, 500 * TT_MS);
    size_t got = 0;
    unsigned b_before = t.b_tx.count, a_mark = t.a_tx.count;
    drain(&t, &got);
    assert_int_equal(got, SRV_BUF);
    netsim_settle(&t.n);
    const struct tt_seg *upd = &t.a_tx.segs[a_mark];
    assert_int_equal(upd->at, t.n.clock.now_us);
    assert_int_equal(upd->window, SRV_BUF);
    assert_int_equal(t.b_tx.segs[b_before].at, t.n.clock.now_us);
    assert_int_equal(t.b_tx.segs[b_before].seq, una);
    assert_true(t.b_tx.segs[b_before].payload_len > 0);
    assert_true(seq_gt(t.client.snd_una, una));
    finish(&t, got);
    assert_int_equal(t.client.stats.persist_probes, 7);
    assert_int_equal(t.client.stats.retransmissions, 0);
    tt_free(&t);
}

/* The window update is lost: the next probe's answer carries the open window. */
static void test_persist_lost_window_update(void **state)
{
    (void)state;
    static struct tt t;
    tapir_instant z = stall(&t, NULL);
    uint32_t una = t.client.snd_una;
    netsim_advance(&t.n, z + 200 * TT_MS - t.n.clock.now_us); /* probe 1 */
    assert_int_equal(count_probes(&t, una), 1);
    netsim_advance(&t.n, 100 * TT_MS);
    t.n.fault.tx.opt.drop_pct = 100;
    size_t got = 0;
    drain(&t, &got);
    netsim_settle(&t.n);
    assert_int_equal(t.n.fault.tx.counters.dropped, 1); /* the window update */
    t.n.fault.tx.opt.drop_pct = 0;
    /* Probe 2 is due 400 ms after probe 1: until then the sender knows nothing. */
    tapir_instant p2 = z + 600 * TT_MS;
    netsim_advance(&t.n, p2 - 1 - t.n.clock.now_us);
    assert_int_equal(t.client.snd_una, una);
    assert_int_equal(t.client.snd_wnd, 0);
    unsigned a_before = t.a_tx.count, b_before = t.b_tx.count;
    netsim_advance(&t.n, 1);
    assert_int_equal(count_probes(&t, una), 2);
    assert_true(is_probe(&t.b_tx.segs[b_before], una));
    assert_int_equal(t.b_tx.segs[b_before].at, p2);
    assert_int_equal(t.a_tx.segs[a_before].window, SRV_BUF); /* the answer: open */
    assert_int_equal(t.a_tx.segs[a_before].at, p2);
    assert_int_equal(t.b_tx.segs[b_before + 1].seq, una); /* sending again, at p2 */
    assert_int_equal(t.b_tx.segs[b_before + 1].at, p2);
    assert_true(t.b_tx.segs[b_before + 1].payload_len > 0);
    finish(&t, got);
    assert_int_equal(t.client.stats.persist_probes, 2);
    tt_free(&t);
}

/* The receiver vanishes while its window is closed: max_retries unanswered probes (4
 * here), and the fifth expiry ends the connection with TAPIR_ETIMEDOUT. */
static void test_persist_unanswered(void **state)
{
    (void)state;
    static struct tt t;
    struct tapir_tcp_config cli;
    tapir_tcp_config_default(&cli);
    cli.max_retries = 4;
    tapir_instant z = stall(&t, &cli);
    uint32_t una = t.client.snd_una;
    t.n.fault.rx.opt.drop_pct = 100;
    t.n.fault.tx.opt.drop_pct = 100;
    tapir_instant end = z + (200 + 400 + 800 + 1600 + 3200) * TT_MS;
    netsim_advance(&t.n, end - 1 - t.n.clock.now_us);
    assert_int_equal(count_probes(&t, una), 4);
    assert_int_equal(t.client.probes_out, 4);
    assert_int_equal(tapir_tcp_state(&t.client), TAPIR_TCP_ESTABLISHED);
    netsim_advance(&t.n, 1);
    assert_int_equal(tapir_tcp_state(&t.client), TAPIR_TCP_CLOSED);
    assert_int_equal(t.client.error, TAPIR_ETIMEDOUT);
    assert_int_equal(count_probes(&t, una), 4);
    tt_free(&t);
}

/* Receiver SWS avoidance (RFC 9293 §3.8.6.2.2): reading less than min(MSS, half the
 * buffer) does not move the offered window's right edge, so the probes keep hearing
 * "zero"; the read that frees a full segment sends a window update at once. */
static void test_receiver_sws(void **state)
{
    (void)state;
    static struct tt t;
    tapir_instant z = stall(&t, NULL);
    uint32_t una = t.client.snd_una;
    unsigned rcv_mss = t.client.mss; /* the same both ways here: 1448 */
    static uint8_t buf[SRV_BUF];
    unsigned a0 = t.a_tx.count;
    assert_int_equal(tapir_tcp_recv(t.server, buf, 100), 100);
    netsim_settle(&t.n);
    assert_int_equal(t.a_tx.count, a0);                       /* no window update for 100 bytes */
    netsim_advance(&t.n, z + 200 * TT_MS - t.n.clock.now_us); /* probe 1 */
    assert_int_equal(count_probes(&t, una), 1);
    assert_int_equal(t.a_tx.count, a0 + 1);
    assert_int_equal(t.a_tx.segs[a0].window, 0);
    /* One byte short of a segment: still nothing, and still zero at probe 2. */
    assert_int_equal(tapir_tcp_recv(t.server, buf + 100, rcv_mss - 101), (int)rcv_mss - 101);
    netsim_settle(&t.n);
    assert_int_equal(t.a_tx.count, a0 + 1);
    netsim_advance(&t.n, z + 600 * TT_MS - t.n.clock.now_us);
    assert_int_equal(count_probes(&t, una), 2);
    assert_int_equal(t.a_tx.count, a0 + 2);
    assert_int_equal(t.a_tx.segs[a0 + 1].window, 0);
    /* The byte that makes a full segment: the update goes at once, and a full segment
     * follows it. */
    tapir_instant now = t.n.clock.now_us + 10 * TT_MS;
    netsim_advance(&t.n, 10 * TT_MS);
    assert_int_equal(tapir_tcp_recv(t.server, buf + rcv_mss - 1, 1), 1);
    netsim_settle(&t.n);
    assert_int_equal(t.a_tx.segs[a0 + 2].at, now);
    assert_int_equal(t.a_tx.segs[a0 + 2].window, rcv_mss);
    assert_int_equal(tt_count_data(&t.b_tx, 0) > 0, 1);
    const struct tt_seg *d = &t.b_tx.segs[t.b_tx.count - 1];
    assert_int_equal(d->at, now);
    assert_int_equal(d->seq, una);
    assert_int_equal(d->payload_len, rcv_mss);
    assert_memory_equal(buf, data, rcv_mss);
    finish(&t, rcv_mss);
    tt_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_persist_probes_and_recovery),
        cmocka_unit_test(test_persist_lost_window_update),
        cmocka_unit_test(test_persist_unanswered),
        cmocka_unit_test(test_receiver_sws),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
