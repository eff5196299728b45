/* Keepalive (RFC 9293 §3.8.4, RFC 1122 §4.2.3.6): off by default; when on, an idle
 * connection sends <SEQ=SND.NXT-1><CTL=ACK> after keepalive_idle_us without hearing from
 * the peer, then every keepalive_interval_us; a live peer's answer restarts the idle time,
 * and keepalive_probes unanswered probes end the connection (CLOSED, TAPIR_ETIMEDOUT) one
 * interval after the last, at an exact virtual time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tcp_timers_harness.h"

static bool is_probe(const struct tt_seg *s, uint32_t snd_nxt)
{
    return s->flags == TAPIR_TCP_ACK && s->payload_len == 0 && s->seq == snd_nxt - 1;
}

/* Client B with keepalive on (idle, interval, probes); returns the instant the client
 * last heard from A (the SYN-ACK). */
static tapir_instant open_keepalive(struct tt *t, tapir_instant idle, tapir_instant interval,
                                    unsigned probes, bool defaults)
{
    struct tapir_tcp_config cli;
    tapir_tcp_config_default(&cli);
    cli.keepalive = true;
    if (!defaults) {
        cli.keepalive_idle_us = idle;
        cli.keepalive_interval_us = interval;
        cli.keepalive_probes = probes;
    }
    tt_init(t, true, NULL, 65536, &cli, 65536);
    tt_open(t, "192.168.69.1", "192.168.69.100", 777);
    assert_int_equal(t->client.last_rx_at, t->n.clock.now_us);
    return t->n.clock.now_us;
}

static void dead_peer(tapir_instant idle, tapir_instant interval, unsigned probes, bool defaults)
{
    static struct tt t;
    tapir_instant t0 = open_keepalive(&t, idle, interval, probes, defaults);
    uint32_t nxt = t.client.snd_nxt;
    t.n.fault.rx.opt.drop_pct = 100; /* the peer is gone */
    t.n.fault.tx.opt.drop_pct = 100;
    unsigned first = t.b_tx.count;
    for (unsigned k = 0; k < probes; k++) {
        tapir_instant at = t0 + idle + (tapir_instant)k * interval;
        netsim_advance(&t.n, at - 1 - t.n.clock.now_us);
        assert_int_equal(t.b_tx.count, first + k);
        netsim_advance(&t.n, 1);
        assert_int_equal(t.b_tx.count, first + k + 1);
        const struct tt_seg *p = &t.b_tx.segs[first + k];
        assert_true(is_probe(p, nxt));
        assert_int_equal(p->at, at);
        assert_int_equal(p->ack, t.client.rcv_nxt);
        assert_int_equal(t.client.stats.keepalive_probes, k + 1);
        assert_int_equal(tapir_tcp_state(&t.client), TAPIR_TCP_ESTABLISHED);
    }
    tapir_instant dead = t0 + idle + (tapir_instant)probes * interval;
    netsim_advance(&t.n, dead - 1 - t.n.clock.now_us);
    assert_int_equal(tapir_tcp_state(&t.client), TAPIR_TCP_ESTABLISHED);
    netsim_advance(&t.n, 1);
    assert_int_equal(tapir_tcp_state(&t.client), TAPIR_TCP_CLOSED);
    assert_int_equal(t.client.error, TAPIR_ETIMEDOUT);
    char buf[4];
    assert_int_equal(tapir_tcp_recv(&t.client, buf, sizeof buf), TAPIR_ETIMEDOUT);
    /* Exactly the configured probes, and nothing else, ever went out. */
    assert_int_equal(t.b_tx.count, first + probes);
    assert_int_equal(t.client.stats.keepalive_probes, probes);
    netsim_advance(&t.n, 3600 * TT_S);
    assert_int_equal(t.b_tx.count, first + probes);
    tt_free(&t);
}

/* 10 s idle, 2 s apart, 3 probes: probes at 10, 12, 14 s, dead at 16 s. */
static void test_keepalive_dead_peer(void **state)
{
    (void)state;
    dead_peer(10 * TT_S, 2 * TT_S, 3, false);
}

/* The defaults: 2 h idle, 9 probes 75 s apart: dead 7875 s after the peer was last heard. */
static void test_keepalive_dead_peer_defaults(void **state)
{
    (void)state;
    dead_peer(7200 * TT_S, 75 * TT_S, 9, true);
}

/* A live peer answers every probe: one probe per idle period, the connection stays, and
 * data sent by the peer restarts the idle time. */
static void test_keepalive_live_peer(void **state)
{
    (void)state;
    static struct tt t;
    tapir_instant t0 = open_keepalive(&t, 10 * TT_S, 2 * TT_S, 3, false);
    uint32_t nxt = t.client.snd_nxt;
    unsigned b0 = t.b_tx.count, a0 = t.a_tx.count;
    netsim_advance(&t.n, 65 * TT_S);
    /* Probes at 10, 20, ..., 60 s, each answered at once. */
    assert_int_equal(t.b_tx.count - b0, 6);
    assert_int_equal(t.a_tx.count - a0, 6);
    for (unsigned k = 0; k < 6; k++) {
        assert_true(is_probe(&t.b_tx.segs[b0 + k], nxt));
        assert_int_equal(t.b_tx.segs[b0 + k].at, t0 + 10 * TT_S * (k + 1));
        assert_int_equal(t.a_tx.segs[a0 + k].at, t0 + 10 * TT_S * (k + 1));
        assert_int_equal(t.a_tx.segs[a0 + k].ack, nxt);
    }
    assert_int_equal(tapir_tcp_state(&t.client), TAPIR_TCP_ESTABLISHED);
    assert_int_equal(t.client.probes_out, 0);
    assert_int_equal(t.client.stats.keepalive_probes, 6);
    assert_int_equal(t.server->stats.keepalive_probes, 0); /* A has keepalive off */

    /* At 69 s the peer sends data: the next probe is 10 s after that, not at 70 s. */
    netsim_advance(&t.n, t0 + 69 * TT_S - t.n.clock.now_us);
    assert_int_equal(tapir_tcp_send(t.server, "tick", 4), 4);
    netsim_settle(&t.n);
    char buf[8];
    assert_int_equal(tapir_tcp_recv(&t.client, buf, sizeof buf), 4);
    unsigned before = t.client.stats.keepalive_probes;
    netsim_advance(&t.n, t0 + 79 * TT_S - 1 - t.n.clock.now_us);
    assert_int_equal(t.client.stats.keepalive_probes, before);
    netsim_advance(&t.n, 1);
    assert_int_equal(t.client.stats.keepalive_probes, before + 1);
    tt_free(&t);
}

/* Off by default: three idle hours without a single segment from either side. */
static void test_keepalive_off_by_default(void **state)
{
    (void)state;
    static struct tt t;
    tt_init(&t, false, NULL, 65536, NULL, 65536);
    assert_false(t.client.cfg.keepalive);
    tt_open(&t, "fdaa::1", "fdaa::100", 777);
    unsigned a0 = t.a_tx.count, b0 = t.b_tx.count;
    netsim_advance(&t.n, 3 * 3600 * TT_S);
    assert_int_equal(t.a_tx.count, a0);
    assert_int_equal(t.b_tx.count, b0);
    assert_int_equal(tapir_tcp_state(&t.client), TAPIR_TCP_ESTABLISHED);
    assert_int_equal(tapir_tcp_state(t.server), TAPIR_TCP_ESTABLISHED);
    tt_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keepalive_dead_peer),
        cmocka_unit_test(test_keepalive_dead_peer_defaults),
        cmocka_unit_test(test_keepalive_live_peer),
        cmocka_unit_test(test_keepalive_off_by_default),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
