/* TIME-WAIT as a compact record of the interface (tapir/priv/tcp_timewait.h): the socket
 * that closed actively is CLOSED at once and its buffers can be used again right away,
 * while the record acknowledges a retransmitted FIN (restarting its 2 MSL timer), follows
 * RFC 9293 / RFC 5961 for RSTs and SYNs, gives way to a new incarnation's SYN, and expires
 * after time_wait_us. A full table gives the oldest record up. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tcp_timers_harness.h"

#define TW_US (5 * TT_S)

/* B closes first (FIN-WAIT-1, FIN-WAIT-2), A second: B's socket reaches TIME-WAIT and the
 * interface keeps the record. The final ACK is lost, so A stays in LAST-ACK (and would
 * answer anything but its own connection's segments with a RST, which RFC 9293 lets end
 * the record). Returns the index of A's FIN in A's log. */
static int close_from_b(struct tt *t, const char *a, const char *b)
{
    struct tapir_tcp_config cli;
    tapir_tcp_config_default(&cli);
    cli.time_wait_us = TW_US;
    tt_init(t, true, NULL, 65536, &cli, 65536);
    tt_open(t, a, b, 3000);
    assert_int_equal(tapir_tcp_send(&t->client, "bye", 3), 3);
    assert_int_equal(tapir_tcp_shutdown(&t->client), 0); /* half-close: still reads */
    netsim_settle(&t->n);
    assert_int_equal(tapir_tcp_state(&t->client), TAPIR_TCP_FIN_WAIT_2);
    char bye[4];
    assert_int_equal(tapir_tcp_recv(t->server, bye, sizeof bye), 3); /* read, or close resets */
    assert_int_equal(tapir_tcp_send(t->server, "last words", 10), 10);
    assert_int_equal(tapir_tcp_close(t->server), 0);
    unsigned a_mark = t->a_tx.count;
    t->n.fault.rx.opt.drop_pct = 100;
    netsim_settle(&t->n);
    t->n.fault.rx.opt.drop_pct = 0;
    assert_int_equal(t->n.fault.rx.counters.dropped, 1); /* B's final ACK */
    assert_int_equal(tapir_tcp_state(t->server), TAPIR_TCP_LAST_ACK);
    int fin = tt_find_flags(&t->a_tx, a_mark, TAPIR_TCP_FIN, TAPIR_TCP_FIN);
    assert_true(fin >= 0);
    return fin;
}

/* A's FIN, made again by hand. */
static struct tapir_tcp_repr fin_again(const struct tt_seg *fin, uint32_t ts_add)
{
    static const char payload[] = "last words";
    struct tapir_tcp_repr r;
    memset(&r, 0, sizeof r);
    r.src_port = 80;
    r.dst_port = 40000;
    r.seq = fin->seq;
    r.ack = fin->ack;
    r.flags = fin->flags;
    r.window = fin->window;
    r.has_timestamps = true;
    r.ts_val = fin->ts_val + ts_add;
    r.ts_ecr = fin->ts_ecr;
    r.payload = (const uint8_t *)payload;
    r.payload_len = fin->payload_len;
    return r;
}

static void run_frees_socket(const char *a, const char *b)
{
    static struct tt t;
    int fin_i = close_from_b(&t, a, b);
    const struct tt_seg fin = t.a_tx.segs[fin_i];
    tapir_instant t_tw = t.n.clock.now_us;
    struct tapir__tcp_tw_table *tab = &t.n.b.iface.tcp_time_wait;

    /* The socket is closed at once, cleanly; the record holds the state. */
    assert_int_equal(tapir_tcp_state(&t.client), TAPIR_TCP_CLOSED);
    assert_int_equal(t.client.error, 0);
    assert_false(tapir_tcp_is_open(&t.client));
    assert_int_equal(tapir__tcp_tw_count(tab), 1);
    struct tapir__tcp_tw *tw = tapir__tcp_tw_find(tab, &t.b_ip, 40000, &t.a_ip, 80);
    assert_non_null(tw);
    assert_int_equal(tw->snd_nxt, 3000 + 1 + 3 + 1);
    assert_int_equal(tw->rcv_nxt, fin.seq + fin.payload_len + 1);
    assert_int_equal(tw->deadline, t_tw + TW_US);
    assert_true(tw->ts_ok);
    /* What was received can still be read, then end of stream. */
    char buf[16];
    assert_int_equal(tapir_tcp_recv(&t.client, buf, sizeof buf), 10);
    assert_memory_equal(buf, "last words", 10);
    assert_int_equal(tapir_tcp_recv(&t.client, buf, sizeof buf), 0);

    /* A's FIN once more, by hand, 50 ms on (before A's own retransmission): the record
     * answers <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>, restarts its 2 MSL timer, and that ACK
     * lets A finish its close. */
    netsim_advance(&t.n, 50 * TT_MS);
    struct tapir_tcp_repr again = fin_again(&fin, 50);
    unsigned b_mark = t.b_tx.count;
    tt_inject(&t, &t.n.b, &t.a_ip, &t.b_ip, &again);
    netsim_settle(&t.n);
    assert_int_equal(t.b_tx.count, b_mark + 1);
    const struct tt_seg *ack = &t.b_tx.segs[b_mark];
    assert_int_equal(ack->flags, TAPIR_TCP_ACK);
    assert_int_equal(ack->sport, 40000);
    assert_int_equal(ack->dport, 80);
    assert_int_equal(ack->seq, tw->snd_nxt);
    assert_int_equal(ack->ack, tw->rcv_nxt);
    assert_int_equal(ack->at, t_tw + 50 * TT_MS);
    assert_true(ack->has_ts);
    assert_int_equal(ack->ts_ecr, tw->ts_recent);
    assert_int_equal(tw->deadline, t_tw + 50 * TT_MS + TW_US);
    assert_int_equal(tapir_tcp_state(t.server), TAPIR_TCP_CLOSED);

    /* Reuse the socket and its buffers at once: a new connection from another port moves
     * 200 kB through them, byte-exact, while the record lives on. */
    uint8_t *rx = t.client.rx.buf, *tx = t.client.tx.buf;
    size_t rx_len = t.client.rx.cap, tx_len = t.client.tx.cap;
    struct tapir_tcp_config cfg = t.client.cfg;
    tapir_iface_remove_socket(&t.n.b.iface, &t.client.link);
    assert_int_equal(tapir_tcp_socket_init(&t.client, &cfg, rx, rx_len, tx, tx_len), 0);
    tapir_iface_add_socket(&t.n.b.iface, &t.client.link);
    struct tapir_tcp_endpoint local = {.addr = t.b_ip, .port = 40001};
    struct tapir_tcp_endpoint remote = {.addr = t.a_ip, .port = 80};
    assert_int_equal(tapir_tcp_connect(&t.client, &local, &remote, 50000, 1500, t.n.clock.now_us),
                     0);
    netsim_settle(&t.n);
    assert_int_equal(tapir_tcp_state(&t.client), TAPIR_TCP_ESTABLISHED);
    struct tapir_tcp_socket *srv2 = tapir_tcp_accept(&t.listener);
    assert_non_null(srv2);
    assert_int_equal(tt_pump(&t, &t.client, srv2, 200000, 0, 10 * TT_S), 200000);
    assert_int_equal(tapir__tcp_tw_count(tab), 1);

    /* Expiry: still there 1 us before the (restarted) deadline, gone at it. */
    tapir_instant end = t_tw + 50 * TT_MS + TW_US;
    netsim_advance(&t.n, end - 1 - t.n.clock.now_us);
    assert_int_equal(tapir__tcp_tw_count(tab), 1);
    netsim_advance(&t.n, 1);
    assert_int_equal(tapir__tcp_tw_count(tab), 0);
    assert_null(tapir__tcp_tw_find(tab, &t.b_ip, 40000, &t.a_ip, 80));
    /* Now the same FIN meets no connection at all: a RST (RFC 9293 §3.10.7.1). */
    b_mark = t.b_tx.count;
    tt_inject(&t, &t.n.b, &t.a_ip, &t.b_ip, &again);
    netsim_settle(&t.n);
    assert_int_equal(t.b_tx.count, b_mark + 1);
    assert_int_equal(t.b_tx.segs[b_mark].flags, TAPIR_TCP_RST);
    assert_int_equal(t.b_tx.segs[b_mark].seq, fin.ack);
    tt_free(&t);
}

/* Nobody injects anything: A's own retransmission timer resends the FIN one RTO after
 * the first, and the record's ACK closes A. */
static void test_time_wait_fin_retransmitted(void **state)
{
    (void)state;
    static struct tt t;
    int fin_i = close_from_b(&t, "192.168.69.1", "192.168.69.100");
    const struct tt_seg fin = t.a_tx.segs[fin_i];
    tapir_instant t_tw = t.n.clock.now_us;
    assert_int_equal(fin.at, t_tw);
    struct tapir__tcp_tw *tw =
        tapir__tcp_tw_find(&t.n.b.iface.tcp_time_wait, &t.b_ip, 40000, &t.a_ip, 80);
    assert_non_null(tw);
    unsigned b_mark = t.b_tx.count;
    netsim_advance(&t.n, TT_S);
    int again = tt_find_flags(&t.a_tx, (unsigned)fin_i + 1, TAPIR_TCP_FIN, TAPIR_TCP_FIN);
    assert_true(again > 0);
    assert_int_equal(t.a_tx.segs[again].at, t_tw + 200 * TT_MS);
    assert_int_equal(t.a_tx.segs[again].seq, fin.seq);
    assert_int_equal(t.b_tx.count, b_mark + 1);
    assert_int_equal(t.b_tx.segs[b_mark].at, t_tw + 200 * TT_MS);
    assert_int_equal(t.b_tx.segs[b_mark].seq, tw->snd_nxt);
    assert_int_equal(t.b_tx.segs[b_mark].ack, tw->rcv_nxt);
    assert_int_equal(tapir_tcp_state(t.server), TAPIR_TCP_CLOSED);
    assert_int_equal(tw->deadline, t_tw + 200 * TT_MS + TW_US);
    tt_free(&t);
}

static void test_time_wait_frees_socket_v4(void **state)
{
    (void)state;
    run_frees_socket("192.168.69.1", "192.168.69.100");
}

static void test_time_wait_frees_socket_v6(void **state)
{
    (void)state;
    run_frees_socket("fdaa::1", "fdaa::100");
}

/* RSTs (RFC 5961 §3.2 in TIME-WAIT): outside the window ignored, inside but not exact a
 * challenge ACK, exact: the record is gone, nothing answered. */
static void test_time_wait_rst(void **state)
{
    (void)state;
    static struct tt t;
    close_from_b(&t, "192.168.69.1", "192.168.69.100");
    struct tapir__tcp_tw_table *tab = &t.n.b.iface.tcp_time_wait;
    struct tapir__tcp_tw *tw = tapir__tcp_tw_find(tab, &t.b_ip, 40000, &t.a_ip, 80);
    assert_non_null(tw);
    assert_true(tw->rcv_wnd > 100);
    t.n.fault.rx.opt.drop_pct = 100; /* A (in LAST-ACK) hears none of the answers */
    struct tapir_tcp_repr rst;
    memset(&rst, 0, sizeof rst);
    rst.src_port = 80;
    rst.dst_port = 40000;
    rst.flags = TAPIR_TCP_RST;
    unsigned mark = t.b_tx.count;
    rst.seq = tw->rcv_nxt + tw->rcv_wnd; /* just outside */
    tt_inject(&t, &t.n.b, &t.a_ip, &t.b_ip, &rst);
    netsim_settle(&t.n);
    assert_int_equal(t.b_tx.count, mark);
    assert_int_equal(tapir__tcp_tw_count(tab), 1);
    rst.seq = tw->rcv_nxt + 100; /* inside, not exact */
    tt_inject(&t, &t.n.b, &t.a_ip, &t.b_ip, &rst);
    netsim_settle(&t.n);
    assert_int_equal(t.b_tx.count, mark + 1);
    assert_int_equal(t.b_tx.segs[mark].flags, TAPIR_TCP_ACK);
    assert_int_equal(t.b_tx.segs[mark].seq, tw->snd_nxt);
    assert_int_equal(t.b_tx.segs[mark].ack, tw->rcv_nxt);
    assert_int_equal(tapir__tcp_tw_count(tab), 1);
    rst.seq = tw->rcv_nxt; /* exact */
    tt_inject(&t, &t.n.b, &t.a_ip, &t.b_ip, &rst);
    netsim_settle(&t.n);
    assert_int_equal(t.b_tx.count, mark + 1);
    assert_int_equal(tapir__tcp_tw_count(tab), 0);
    tt_free(&t);
}

/* A closes first, so A (the listener's side) keeps the record. A SYN for the same
 * 4-tuple with an old timestamp gets a challenge ACK; one with a newer timestamp (RFC
 * 6191) ends the record and opens a new connection through the listener. */
static void test_time_wait_reopen(void **state)
{
    (void)state;
    static struct tt t;
    tt_init(&t, true, NULL, 65536, NULL, 65536);
    tt_open(&t, "192.168.69.1", "192.168.69.100", 3000);
    assert_int_equal(tapir_tcp_close(t.server), 0);
    netsim_settle(&t.n);
    char buf[4];
    assert_int_equal(tapir_tcp_recv(&t.client, buf, sizeof buf), 0);
    assert_int_equal(tapir_tcp_close(&t.client), 0);
    netsim_settle(&t.n);
    assert_int_equal(tapir_tcp_state(t.server), TAPIR_TCP_CLOSED);
    assert_int_equal(tapir_tcp_state(&t.client), TAPIR_TCP_CLOSED);
    struct tapir__tcp_tw_table *tab = &t.n.a.iface.tcp_time_wait;
    assert_int_equal(tapir__tcp_tw_count(tab), 1);
    struct tapir__tcp_tw *tw = tapir__tcp_tw_find(tab, &t.a_ip, 80, &t.b_ip, 40000);
    assert_non_null(tw);
    /* B has nothing left for this 4-tuple and would RST the record's answers. */
    t.n.fault.tx.opt.drop_pct = 100;

    struct tapir_tcp_repr syn = tt_seg_to_a(TAPIR_TCP_SYN, tw->rcv_nxt + 100000, 0);
    syn.has_timestamps = true;
    syn.ts_val = tw->ts_recent - 1; /* older */
    syn.has_mss = true;
    syn.mss = 1460;
    unsigned mark = t.a_tx.count;
    tt_inject(&t, &t.n.a, &t.b_ip, &t.a_ip, &syn);
    netsim_settle(&t.n);
    assert_int_equal(t.a_tx.count, mark + 1);
    assert_int_equal(t.a_tx.segs[mark].flags, TAPIR_TCP_ACK);
    assert_int_equal(t.a_tx.segs[mark].seq, tw->snd_nxt);
    assert_int_equal(t.a_tx.segs[mark].ack, tw->rcv_nxt);
    assert_int_equal(tapir__tcp_tw_count(tab), 1);

    /* Without timestamps only the sequence number can tell (RFC 1122 §4.2.2.13): not
     * beyond RCV.NXT, so again a challenge ACK. */
    syn.has_timestamps = false;
    syn.seq = tw->rcv_nxt - 1000;
    tt_inject(&t, &t.n.a, &t.b_ip, &t.a_ip, &syn);
    netsim_settle(&t.n);
    assert_int_equal(t.a_tx.count, mark + 2);
    assert_int_equal(t.a_tx.segs[mark + 1].flags, TAPIR_TCP_ACK);
    assert_int_equal(tapir__tcp_tw_count(tab), 1);
    mark++;

    /* The same sequence number with a newer timestamp is a new incarnation (RFC 6191). */
    syn.has_timestamps = true;
    syn.ts_val = tw->ts_recent + 1;
    uint32_t isn = syn.seq;
    tt_inject(&t, &t.n.a, &t.b_ip, &t.a_ip, &syn);
    netsim_settle(&t.n);
    assert_int_equal(tapir__tcp_tw_count(tab), 0);
    assert_int_equal(t.a_tx.count, mark + 2);
    assert_int_equal(t.a_tx.segs[mark + 1].flags, TAPIR_TCP_SYN | TAPIR_TCP_ACK);
    assert_int_equal(t.a_tx.segs[mark + 1].ack, isn + 1);
    /* The pool's other socket took it (the first is still held by the application). */
    assert_int_equal(tapir_tcp_state(&t.pool[1]), TAPIR_TCP_SYN_RECEIVED);
    tt_free(&t);
}

/* Straight on the table: TAPIR_TCP_TIME_WAIT_SLOTS records, then one more evicts the one
 * with the earliest deadline; expiry and the earliest deadline. */
static void test_time_wait_table_full(void **state)
{
    (void)state;
    static struct tapir__tcp_tw_table tab;
    static struct tapir_tcp_socket s;
    static uint8_t rx[4096], tx[4096];
    tapir__tcp_tw_init(&tab);
    assert_int_equal(tapir_tcp_socket_init(&s, NULL, rx, sizeof rx, tx, sizeof tx), 0);
    s.local.addr = netsim_ip("192.168.69.1");
    s.remote.addr = netsim_ip("192.168.69.100");
    s.local.port = 80;
    s.cfg.time_wait_us = 60 * TT_S;
    /* Deadlines out of order: record i enters at (i * 37) % n seconds (a permutation:
     * n is a power of two, 37 odd). */
    const unsigned n = TAPIR_TCP_TIME_WAIT_SLOTS;
    for (unsigned i = 0; i < n; i++) {
        s.remote.port = (uint16_t)(1000 + i);
        tapir__tcp_tw_enter(&tab, &s, (tapir_instant)((i * 37) % n) * TT_S);
        assert_int_equal(tapir__tcp_tw_count(&tab), i + 1);
    }
    assert_int_equal(tapir__tcp_tw_poll_at(&tab), 60 * TT_S); /* record 0 entered at 0 */
    /* Entering the same 4-tuple again replaces its record. */
    s.remote.port = 1000 + 5;
    tapir__tcp_tw_enter(&tab, &s, (tapir_instant)((5 * 37) % n) * TT_S);
    assert_int_equal(tapir__tcp_tw_count(&tab), n);
    /* One more: record 0 (the earliest deadline) gives way. */
    s.remote.port = 9999;
    struct tapir__tcp_tw *fresh = tapir__tcp_tw_enter(&tab, &s, 100 * TT_S);
    assert_int_equal(tapir__tcp_tw_count(&tab), n);
    assert_null(tapir__tcp_tw_find(&tab, &s.local.addr, 80, &s.remote.addr, 1000));
    assert_ptr_equal(tapir__tcp_tw_find(&tab, &s.local.addr, 80, &s.remote.addr, 9999), fresh);
    for (unsigned i = 1; i < n; i++)
        assert_non_null(
            tapir__tcp_tw_find(&tab, &s.local.addr, 80, &s.remote.addr, (uint16_t)(1000 + i)));
    /* The next earliest entered at 1 s: record j with (j * 37) % n == 1. */
    unsigned j = 0;
    while ((j * 37) % n != 1)
        j++;
    assert_int_equal(tapir__tcp_tw_poll_at(&tab), 61 * TT_S);
    assert_int_equal(tapir__tcp_tw_expire(&tab, 61 * TT_S - 1), 0);
    assert_int_equal(tapir__tcp_tw_expire(&tab, 61 * TT_S), 1);
    assert_null(tapir__tcp_tw_find(&tab, &s.local.addr, 80, &s.remote.addr, (uint16_t)(1000 + j)));
    assert_int_equal(tapir__tcp_tw_count(&tab), n - 1);
    assert_int_equal(tapir__tcp_tw_expire(&tab, 200 * TT_S), n - 1);
    assert_int_equal(tapir__tcp_tw_count(&tab), 0);
    assert_int_equal(tapir__tcp_tw_poll_at(&tab), TAPIR_INSTANT_NEVER);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_time_wait_frees_socket_v4),
        cmocka_unit_test(test_time_wait_frees_socket_v6),
        cmocka_unit_test(test_time_wait_fin_retransmitted),
        cmocka_unit_test(test_time_wait_rst),
        cmocka_unit_test(test_time_wait_reopen),
        cmocka_unit_test(test_time_wait_table_full),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
