/* The first TCP scenarios, two stacks on the in-memory pair with a virtual clock:
 * handshake (IPv4, IPv6), byte-exact transfers both ways (clean and under loss), the
 * close sequences, RST for a closed port and for abort. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "netsim.h"
#include "tapir/error.h"
#include "tapir/socket/tcp.h"

#define BUF (256 * 1024)

struct conn {
    struct tapir_tcp_socket listener, pool[4], client;
    struct tapir_tcp_socket *backlog[4];
    uint8_t *mem;
    struct tapir_tcp_socket *server; /* accepted */
};

static void sock_init(struct tapir_tcp_socket *s, uint8_t **mem)
{
    assert_int_equal(tapir_tcp_socket_init(s, NULL, *mem, BUF, *mem + BUF, BUF), 0);
    *mem += 2 * BUF;
}

/* A listens on port 80; B's client connects to it. */
static void conn_open(struct netsim *n, struct conn *c, const char *a_addr, const char *b_addr,
                      uint32_t isn)
{
    memset(c, 0, sizeof *c);
    c->mem = malloc(6 * 2 * BUF);
    uint8_t *m = c->mem;
    sock_init(&c->listener, &m);
    for (int i = 0; i < 4; i++) {
        sock_init(&c->pool[i], &m);
        c->backlog[i] = &c->pool[i];
    }
    sock_init(&c->client, &m);
    struct tapir_tcp_endpoint any = {.addr = netsim_ip(a_addr), .port = 80};
    assert_int_equal(tapir_tcp_listen(&c->listener, &any, c->backlog, 4), 0);
    tapir_iface_add_socket(&n->a.iface, &c->listener.link);
    tapir_iface_add_socket(&n->b.iface, &c->client.link);
    struct tapir_tcp_endpoint local = {.addr = netsim_ip(b_addr), .port = 40000};
    struct tapir_tcp_endpoint remote = {.addr = netsim_ip(a_addr), .port = 80};
    assert_int_equal(tapir_tcp_connect(&c->client, &local, &remote, isn, 1500, n->clock.now_us), 0);
    assert_int_equal(tapir_tcp_state(&c->client), TAPIR_TCP_SYN_SENT);
}

static void conn_close(struct netsim *n, struct conn *c)
{
    tapir_iface_remove_socket(&n->a.iface, &c->listener.link);
    tapir_iface_remove_socket(&n->b.iface, &c->client.link);
    free(c->mem);
}

static void test_handshake(void **state, const char *a, const char *b)
{
    (void)state;
    static struct netsim n;
    netsim_init(&n, NULL, 0);
    static struct conn c;
    conn_open(&n, &c, a, b, 0xfffffff0u); /* an ISN about to wrap */
    netsim_settle(&n);
    assert_int_equal(tapir_tcp_state(&c.client), TAPIR_TCP_ESTABLISHED);
    struct tapir_tcp_socket *srv = tapir_tcp_accept(&c.listener);
    assert_non_null(srv);
    assert_null(tapir_tcp_accept(&c.listener));
    assert_int_equal(tapir_tcp_state(srv), TAPIR_TCP_ESTABLISHED);
    /* Every option offered by the SYN was negotiated. */
    assert_true(c.client.wscale_ok && c.client.ts_ok && c.client.sack_ok);
    assert_true(srv->wscale_ok && srv->ts_ok && srv->sack_ok);
    /* 256 KiB buffers need a window scale of 3; MSS 1460/1440 less 12 for timestamps. */
    assert_int_equal(c.client.rcv_wscale, 3);
    assert_int_equal(srv->snd_wscale, 3);
    assert_int_equal(c.client.mss, b[0] == 'f' ? 1428 : 1448);
    assert_int_equal(c.client.snd_una, 0xfffffff1u);
    assert_int_equal(srv->rcv_nxt, 0xfffffff1u);
    conn_close(&n, &c);
    netsim_free(&n);
}

static void test_handshake_v4(void **state)
{
    test_handshake(state, "192.168.69.1", "192.168.69.100");
}

static void test_handshake_v6(void **state)
{
    test_handshake(state, "fdaa::1", "fdaa::100");
}

/* Moves `total` bytes from `from` to `to` (pattern i*7+off), checking every byte. */
static void transfer(struct netsim *n, struct tapir_tcp_socket *from, struct tapir_tcp_socket *to,
                     size_t total, tapir_instant max_us)
{
    static uint8_t chunk[65536];
    size_t sent = 0, got = 0;
    tapir_instant end = n->clock.now_us + max_us;
    while (got < total && n->clock.now_us < end) {
        while (sent < total) {
            size_t k = total - sent < sizeof chunk ? total - sent : sizeof chunk;
            for (size_t i = 0; i < k; i++)
                chunk[i] = (uint8_t)((sent + i) * 7 + 3);
            int w = tapir_tcp_send(from, chunk, k);
            assert_true(w >= 0);
            sent += (size_t)w;
            if ((size_t)w < k)
                break;
        }
        netsim_settle(n);
        int r;
        while ((r = tapir_tcp_recv(to, chunk, sizeof chunk)) > 0) {
            for (int i = 0; i < r; i++)
                if (chunk[i] != (uint8_t)((got + (size_t)i) * 7 + 3))
                    fail_msg("byte %zu differs", got + (size_t)i);
            got += (size_t)r;
        }
        netsim_settle(n);
        if (got < total)
            netsim_advance(n, 10 * TAPIR_US_PER_MS);
    }
    assert_int_equal(got, total);
}

static void test_transfer(void **state, double loss_pct)
{
    (void)state;
    static struct netsim n;
    struct tapir_fault_options fo;
    memset(&fo, 0, sizeof fo);
    fo.seed = 11;
    netsim_init(&n, &fo, 0);
    static struct conn c;
    conn_open(&n, &c, "192.168.69.1", "192.168.69.100", 1000);
    netsim_settle(&n);
    struct tapir_tcp_socket *srv = tapir_tcp_accept(&c.listener);
    assert_non_null(srv);
    n.fault.rx.opt.drop_pct = loss_pct;
    n.fault.tx.opt.drop_pct = loss_pct;
    transfer(&n, &c.client, srv, 4 << 20, 600 * (tapir_instant)TAPIR_US_PER_S);
    transfer(&n, srv, &c.client, 4 << 20, 600 * (tapir_instant)TAPIR_US_PER_S);
    if (loss_pct > 0)
        assert_true(c.client.stats.retransmissions + srv->stats.retransmissions > 0);
    else
        assert_int_equal(c.client.stats.retransmissions + srv->stats.retransmissions, 0);
    conn_close(&n, &c);
    netsim_free(&n);
}

static void test_transfer_clean(void **state)
{
    test_transfer(state, 0);
}

static void test_transfer_loss_1pct(void **state)
{
    test_transfer(state, 1);
}

static void test_transfer_loss_5pct(void **state)
{
    test_transfer(state, 5);
}

/* Active close by the client, passive by the server: FIN-WAIT-1/2, TIME-WAIT on the
 * client (a record of its interface for 60 s, the socket closed at once); CLOSE-WAIT,
 * LAST-ACK, CLOSED on the server; both read end of stream. */
static void test_close_active_passive(void **state)
{
    (void)state;
    static struct netsim n;
    netsim_init(&n, NULL, 0);
    static struct conn c;
    conn_open(&n, &c, "192.168.69.1", "192.168.69.100", 7);
    netsim_settle(&n);
    struct tapir_tcp_socket *srv = tapir_tcp_accept(&c.listener);
    assert_int_equal(tapir_tcp_send(&c.client, "bye", 3), 3);
    assert_int_equal(tapir_tcp_shutdown(&c.client), 0); /* half-close: still reads */
    netsim_settle(&n);
    assert_int_equal(tapir_tcp_state(srv), TAPIR_TCP_CLOSE_WAIT);
    assert_int_equal(tapir_tcp_state(&c.client), TAPIR_TCP_FIN_WAIT_2);
    char buf[8];
    assert_int_equal(tapir_tcp_recv(srv, buf, sizeof buf), 3);
    assert_memory_equal(buf, "bye", 3);
    assert_int_equal(tapir_tcp_recv(srv, buf, sizeof buf), 0); /* end of stream */
    /* Half-close: the server still sends after the client's FIN. */
    assert_int_equal(tapir_tcp_send(srv, "late", 4), 4);
    netsim_settle(&n);
    assert_int_equal(tapir_tcp_recv(&c.client, buf, sizeof buf), 4);
    assert_int_equal(tapir_tcp_close(srv), 0);
    netsim_settle(&n);
    assert_int_equal(tapir_tcp_state(srv), TAPIR_TCP_CLOSED);
    /* TIME-WAIT is a record of B's interface; the socket itself is closed at once. */
    assert_int_equal(tapir_tcp_state(&c.client), TAPIR_TCP_CLOSED);
    assert_int_equal(tapir__tcp_tw_count(&n.b.iface.tcp_time_wait), 1);
    assert_int_equal(tapir_tcp_recv(&c.client, buf, sizeof buf), 0);
    netsim_advance(&n, 59 * TAPIR_US_PER_S);
    assert_int_equal(tapir__tcp_tw_count(&n.b.iface.tcp_time_wait), 1);
    netsim_advance(&n, 2 * TAPIR_US_PER_S);
    assert_int_equal(tapir__tcp_tw_count(&n.b.iface.tcp_time_wait), 0);
    conn_close(&n, &c);
    netsim_free(&n);
}

/* Both close at once, the FINs crossing (A's held 1 ms on the way): FIN-WAIT-1 ->
 * CLOSING -> TIME-WAIT on both sides (RFC 9293 §3.6, figure 13), as records. */
static void test_close_simultaneous(void **state)
{
    (void)state;
    static struct netsim n;
    struct tapir_fault_options fo;
    memset(&fo, 0, sizeof fo);
    fo.seed = 1;
    netsim_init(&n, &fo, 0);
    static struct conn c;
    conn_open(&n, &c, "192.168.69.1", "192.168.69.100", 7);
    netsim_settle(&n);
    struct tapir_tcp_socket *srv = tapir_tcp_accept(&c.listener);
    n.fault.tx.opt.delay_us = 1000;
    tapir_tcp_close(&c.client);
    tapir_tcp_close(srv);
    netsim_settle(&n);
    assert_int_equal(tapir_tcp_state(srv), TAPIR_TCP_CLOSING);
    netsim_advance(&n, 5 * TAPIR_US_PER_MS);
    /* Both reached TIME-WAIT: each interface keeps a record, both sockets are closed. */
    assert_int_equal(tapir_tcp_state(&c.client), TAPIR_TCP_CLOSED);
    assert_int_equal(tapir_tcp_state(srv), TAPIR_TCP_CLOSED);
    assert_int_equal(tapir__tcp_tw_count(&n.a.iface.tcp_time_wait), 1);
    assert_int_equal(tapir__tcp_tw_count(&n.b.iface.tcp_time_wait), 1);
    conn_close(&n, &c);
    netsim_free(&n);
}

/* A SYN to a port nobody listens on is answered by RST: the connect fails refused. */
static void test_closed_port_rst(void **state)
{
    (void)state;
    static struct netsim n;
    netsim_init(&n, NULL, 0);
    static struct conn c;
    conn_open(&n, &c, "192.168.69.1", "192.168.69.100", 7);
    c.client.remote.port = 81; /* redirect the connect to a closed port */
    netsim_settle(&n);
    assert_int_equal(tapir_tcp_state(&c.client), TAPIR_TCP_CLOSED);
    char b[4];
    assert_int_equal(tapir_tcp_recv(&c.client, b, sizeof b), TAPIR_ECONNREFUSED);
    assert_int_equal(tapir_iface_stats(&n.a.iface)->drops[TAPIR_DROP_NO_SOCKET], 1);
    conn_close(&n, &c);
    netsim_free(&n);
}

/* abort() sends RST; the peer's socket closes with ECONNRESET. */
static void test_abort(void **state)
{
    (void)state;
    static struct netsim n;
    netsim_init(&n, NULL, 0);
    static struct conn c;
    conn_open(&n, &c, "192.168.69.1", "192.168.69.100", 7);
    netsim_settle(&n);
    struct tapir_tcp_socket *srv = tapir_tcp_accept(&c.listener);
    tapir_tcp_abort(&c.client);
    netsim_settle(&n);
    assert_int_equal(tapir_tcp_state(srv), TAPIR_TCP_CLOSED);
    char b[4];
    assert_int_equal(tapir_tcp_recv(srv, b, sizeof b), TAPIR_ECONNRESET);
    conn_close(&n, &c);
    netsim_free(&n);
}

/* The SYN is lost: it is resent after the initial RTO of 1 s (RFC 6298 §2.1). */
static void test_lost_syn(void **state)
{
    (void)state;
    static struct netsim n;
    struct tapir_fault_options fo;
    memset(&fo, 0, sizeof fo);
    fo.seed = 1;
    netsim_init(&n, &fo, 0);
    netsim_settle(&n);
    n.fault.rx.opt.drop_pct = 100; /* A (the listener) hears nothing */
    static struct conn c;
    conn_open(&n, &c, "192.168.69.1", "192.168.69.100", 7);
    netsim_settle(&n);
    assert_int_equal(tapir_tcp_state(&c.client), TAPIR_TCP_SYN_SENT);
    n.fault.rx.opt.drop_pct = 0;
    netsim_advance(&n, 999 * TAPIR_US_PER_MS);
    assert_int_equal(tapir_tcp_state(&c.client), TAPIR_TCP_SYN_SENT);
    netsim_advance(&n, 2 * TAPIR_US_PER_MS);
    assert_int_equal(tapir_tcp_state(&c.client), TAPIR_TCP_ESTABLISHED);
    assert_int_equal(c.client.stats.rto_expirations, 1);
    conn_close(&n, &c);
    netsim_free(&n);
}

/* ctest-case: tcp_handshake test_handshake_* */
/* ctest-case: tcp_close_active_passive test_close_active_passive */
/* ctest-case: tcp_close_simultaneous test_close_simultaneous */
/* ctest-case: tcp_closed_port_rst test_closed_port_rst */
/* ctest-case: tcp_abort test_abort */
/* ctest-case: tcp_lost_syn test_lost_syn */
/* ctest-case: tcp_engine_transfer test_transfer_* */

int main(int argc, char **argv)
{
    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_handshake_v4),
        cmocka_unit_test(test_handshake_v6),
        cmocka_unit_test(test_close_active_passive),
        cmocka_unit_test(test_close_simultaneous),
        cmocka_unit_test(test_closed_port_rst),
        cmocka_unit_test(test_abort),
        cmocka_unit_test(test_lost_syn),
        cmocka_unit_test(test_transfer_clean),
        cmocka_unit_test(test_transfer_loss_1pct),
        cmocka_unit_test(test_transfer_loss_5pct),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
