/* Zero-copy I/O: tapir_tcp_peek()/tapir_tcp_consume() read the receive ring in place and
 * tapir_tcp_send_reserve()/tapir_tcp_send_commit() fill the send ring in place. Two
 * connections carry the same stream, one through the copying calls and one through the
 * zero-copy ones; the receivers see the same bytes. Small buffers (8 KiB) make the rings
 * wrap (two spans) and the window close, so consume() must reopen it. */
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
#include "tapir/socket/tcp_iface.h"

#define BUF 8192

static size_t scaled(size_t bytes)
{
    const char *s = getenv("TAPIR_TEST_SCALE");
    double f = s ? atof(s) : 1.0;
    size_t v = (size_t)((double)bytes * (f > 0 ? f : 1.0));
    return v > 0 ? v : 1;
}

static uint8_t pattern(size_t i)
{
    return (uint8_t)(i * 31 + (i >> 11));
}

/* FNV-1a, over the stream as received. */
static uint64_t fnv(uint64_t h, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 0x100000001b3ull;
    return h;
}

struct pair_conn {
    struct tapir_tcp_socket listener, child, *backlog[1], client;
    uint8_t mem[4][2 * BUF];
    struct tapir_tcp_socket *server;
};

static void open_conn(struct netsim *n, struct pair_conn *c, uint16_t port)
{
    memset(c, 0, sizeof *c);
    assert_int_equal(
        tapir_tcp_socket_init(&c->listener, NULL, c->mem[0], BUF, c->mem[0] + BUF, BUF), 0);
    assert_int_equal(tapir_tcp_socket_init(&c->child, NULL, c->mem[1], BUF, c->mem[1] + BUF, BUF),
                     0);
    assert_int_equal(tapir_tcp_socket_init(&c->client, NULL, c->mem[2], BUF, c->mem[2] + BUF, BUF),
                     0);
    c->backlog[0] = &c->child;
    struct tapir_tcp_endpoint srv = {.addr = netsim_ip("192.168.69.1"), .port = port};
    assert_int_equal(tapir_tcp_listen(&c->listener, &srv, c->backlog, 1), 0);
    tapir_iface_add_socket(&n->a.iface, &c->listener.link);
    assert_int_equal(tapir_tcp_connect_iface(&n->b.iface, &c->client, &srv, n->clock.now_us), 0);
}

static void test_peek_consume(void **state)
{
    (void)state;
    static struct netsim n;
    netsim_init(&n, NULL, 0);
    netsim_settle(&n);
    static struct pair_conn copy, zc;
    open_conn(&n, &copy, 80);
    netsim_settle(&n); /* resolves the neighbours too */
    open_conn(&n, &zc, 81);
    netsim_settle(&n);
    copy.server = tapir_tcp_accept(&copy.listener);
    zc.server = tapir_tcp_accept(&zc.listener);
    assert_non_null(copy.server);
    assert_non_null(zc.server);

    /* Nothing yet: peek says so as recv does, and consume has nothing to release. */
    struct tapir_tcp_spans sp;
    assert_int_equal(tapir_tcp_peek(zc.server, &sp), TAPIR_EAGAIN);
    assert_int_equal(sp.count, 0);
    assert_int_equal(tapir_tcp_consume(zc.server, 100), 0);

    size_t total = scaled(2 << 20);
    size_t sent_copy = 0, sent_zc = 0, got_copy = 0, got_zc = 0;
    uint64_t h_copy = 0xcbf29ce484222325ull, h_zc = h_copy, h_want = h_copy;
    for (size_t i = 0; i < total; i++) {
        uint8_t b = pattern(i);
        h_want = fnv(h_want, &b, 1);
    }
    unsigned two_span_peeks = 0, two_span_reserves = 0, rounds = 0;
    static uint8_t chunk[BUF];
    while ((got_copy < total || got_zc < total) && rounds < 100000) {
        rounds++;
        /* Copying sender. */
        while (sent_copy < total) {
            size_t k = total - sent_copy < sizeof chunk ? total - sent_copy : sizeof chunk;
            for (size_t i = 0; i < k; i++)
                chunk[i] = pattern(sent_copy + i);
            int w = tapir_tcp_send(&copy.client, chunk, k);
            assert_true(w >= 0);
            sent_copy += (size_t)w;
            if (w == 0)
                break;
        }
        /* Zero-copy sender: write into the reserved spans, commit part of it. */
        if (sent_zc < total) {
            struct tapir_tcp_wspans ws;
            int room = tapir_tcp_send_reserve(&zc.client, &ws);
            assert_true(room >= 0);
            two_span_reserves += ws.count == 2;
            size_t want = total - sent_zc < (size_t)room ? total - sent_zc : (size_t)room;
            want = want > 3000 ? want - rounds % 1000 : want; /* odd sizes */
            size_t off = 0;
            for (unsigned s = 0; s < ws.count && off < want; s++)
                for (size_t i = 0; i < ws.span[s].len && off < want; i++, off++)
                    ws.span[s].data[i] = pattern(sent_zc + off);
            assert_int_equal(tapir_tcp_send_commit(&zc.client, want), (int)want);
            sent_zc += want;
        }
        netsim_settle(&n);
        /* Copying receiver. */
        int r;
        while ((r = tapir_tcp_recv(copy.server, chunk, sizeof chunk)) > 0) {
            for (int i = 0; i < r; i++)
                assert_int_equal(chunk[i], pattern(got_copy + (size_t)i));
            h_copy = fnv(h_copy, chunk, (size_t)r);
            got_copy += (size_t)r;
        }
        /* Zero-copy receiver: consume in odd pieces. */
        while ((r = tapir_tcp_peek(zc.server, &sp)) > 0) {
            size_t len = sp.count == 2 ? sp.span[0].len + sp.span[1].len : sp.span[0].len;
            assert_int_equal(len, (size_t)r);
            two_span_peeks += sp.count == 2;
            size_t take = (size_t)r > 1500 ? 1000 + (got_zc % 477) : (size_t)r;
            size_t off = 0;
            for (unsigned s = 0; s < sp.count && off < take; s++) {
                size_t k = sp.span[s].len < take - off ? sp.span[s].len : take - off;
                for (size_t i = 0; i < k; i++)
                    assert_int_equal(sp.span[s].data[i], pattern(got_zc + off + i));
                h_zc = fnv(h_zc, sp.span[s].data, k);
                off += k;
            }
            assert_int_equal(tapir_tcp_consume(zc.server, take), (int)take);
            got_zc += take;
        }
        assert_int_equal(r, TAPIR_EAGAIN);
        netsim_settle(&n);
        netsim_advance(&n, 10 * TAPIR_US_PER_MS);
    }
    assert_int_equal(got_copy, total);
    assert_int_equal(got_zc, total);
    assert_true(h_copy == h_want);
    assert_true(h_zc == h_want);
    assert_true(two_span_peeks > 0);
    assert_true(two_span_reserves > 0);
    netsim_advance(&n, 100 * TAPIR_US_PER_MS); /* the last (delayed) ACK */
    assert_int_equal(zc.server->stats.bytes_received, total);
    assert_int_equal(zc.client.stats.bytes_sent, total);
    /* The same stream took the same path: as many segments, no retransmission. */
    assert_int_equal(copy.client.stats.retransmissions + zc.client.stats.retransmissions, 0);

    /* End of stream: peek returns 0, like recv; consuming more than there is clips. */
    assert_int_equal(tapir_tcp_send(&zc.client, "tail", 4), 4);
    assert_int_equal(tapir_tcp_close(&zc.client), 0);
    struct tapir_tcp_wspans ws;
    assert_int_equal(tapir_tcp_send_reserve(&zc.client, &ws), TAPIR_EINVAL); /* shut down */
    assert_int_equal(ws.count, 0);
    assert_int_equal(tapir_tcp_send_commit(&zc.client, 1), TAPIR_EINVAL);
    netsim_settle(&n);
    assert_int_equal(tapir_tcp_peek(zc.server, &sp), 4);
    assert_int_equal(sp.count, 1);
    assert_memory_equal(sp.span[0].data, "tail", 4);
    assert_int_equal(tapir_tcp_consume(zc.server, 100), 4);
    assert_int_equal(tapir_tcp_peek(zc.server, &sp), 0);
    assert_int_equal(tapir_tcp_consume(zc.server, 100), 0);

    /* A reset connection: peek reports it. */
    tapir_tcp_abort(&copy.client);
    netsim_settle(&n);
    assert_int_equal(tapir_tcp_peek(copy.server, &sp), TAPIR_ECONNRESET);
    assert_int_equal(tapir_tcp_send_reserve(copy.server, &ws), TAPIR_ECONNRESET);

    tapir_iface_remove_socket(&n.a.iface, &copy.listener.link);
    tapir_iface_remove_socket(&n.a.iface, &zc.listener.link);
    tapir_iface_remove_socket(&n.b.iface, &copy.client.link);
    tapir_iface_remove_socket(&n.b.iface, &zc.client.link);
    netsim_free(&n);
}

/* A full receive buffer closes the window; releasing it through consume() (or reading it
 * through recv()) sends the window update at once, as the peer has no other way to learn
 * (no persist probe needed). */
static void window_reopens(bool zero_copy)
{
    static struct netsim n;
    netsim_init(&n, NULL, 0);
    netsim_settle(&n);
    static struct pair_conn c;
    open_conn(&n, &c, 80);
    netsim_settle(&n);
    c.server = tapir_tcp_accept(&c.listener);
    assert_non_null(c.server);
    static uint8_t data[BUF];
    for (size_t i = 0; i < BUF; i++)
        data[i] = pattern(i);
    assert_int_equal(tapir_tcp_send(&c.client, data, BUF), BUF);
    netsim_advance(&n, 100 * TAPIR_US_PER_MS);
    assert_int_equal(c.client.snd_una - c.client.iss - 1, BUF); /* all acknowledged */
    assert_int_equal(c.client.snd_wnd, 0);                      /* and the window shut */
    uint64_t acks = c.server->stats.segments_sent;
    if (zero_copy) {
        struct tapir_tcp_spans sp;
        assert_int_equal(tapir_tcp_peek(c.server, &sp), BUF);
        assert_int_equal(sp.count, 1);
        assert_memory_equal(sp.span[0].data, data, BUF);
        assert_int_equal(tapir_tcp_consume(c.server, BUF - 100), BUF - 100); /* a segment's worth */
        assert_int_equal(tapir_tcp_consume(c.server, 1000), 100);            /* clipped */
    } else {
        static uint8_t out[BUF];
        assert_int_equal(tapir_tcp_recv(c.server, out, BUF - 100), BUF - 100);
        assert_int_equal(tapir_tcp_recv(c.server, out + BUF - 100, 1000), 100);
        assert_memory_equal(out, data, BUF);
    }
    netsim_settle(&n);
    assert_int_equal(c.server->stats.segments_sent, acks + 1); /* one window update */
    assert_int_equal(c.client.snd_wnd, BUF);
    tapir_iface_remove_socket(&n.a.iface, &c.listener.link);
    tapir_iface_remove_socket(&n.b.iface, &c.client.link);
    netsim_free(&n);
}

static void test_consume_reopens_window(void **state)
{
    (void)state;
    window_reopens(true);
}

static void test_recv_reopens_window(void **state)
{
    (void)state;
    window_reopens(false);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_peek_consume),
        cmocka_unit_test(test_consume_reopens_window),
        cmocka_unit_test(test_recv_reopens_window),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
