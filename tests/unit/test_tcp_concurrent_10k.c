/* 10,000 concurrent connections between the two stacks: B opens them all (ports and ISNs
 * chosen by the interface) to one listener on A whose backlog holds 10,000 sockets; all
 * are established at once, carry a few bytes each way, and close. 2 KiB buffers each;
 * both interfaces demultiplex through an index. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netsim.h"
#include "tapir/error.h"
#include "tapir/socket/tcp.h"
#include "tapir/socket/tcp_iface.h"

#define CONNS 10000
#define BUF   2048
#define BATCH 100 /* connections moving at once: the pair holds 256 frames each way */

struct side {
    struct tapir_tcp_socket *socks; /* CONNS of them */
    uint8_t *mem;                   /* their buffers */
    void *index;
};

static void side_init(struct side *s, struct tapir_iface *iface)
{
    s->socks = calloc(CONNS, sizeof *s->socks);
    s->mem = malloc((size_t)CONNS * 2 * BUF);
    size_t isz = tapir_iface_tcp_index_size(CONNS + 16);
    s->index = aligned_alloc(64, (isz + 63) & ~(size_t)63);
    assert_non_null(s->socks);
    assert_non_null(s->mem);
    assert_non_null(s->index);
    for (size_t i = 0; i < CONNS; i++) {
        uint8_t *m = s->mem + i * 2 * BUF;
        assert_int_equal(tapir_tcp_socket_init(&s->socks[i], NULL, m, BUF, m + BUF, BUF), 0);
    }
    if (!getenv("NOINDEX"))
        assert_int_equal(tapir_iface_tcp_index(iface, s->index, isz, CONNS + 16), 0);
}

static void side_free(struct side *s)
{
    free(s->socks);
    free(s->mem);
    free(s->index);
}

/* The message connection i sends from side `who`: 6 bytes. */
static void message(char who, unsigned i, char out[8])
{
    snprintf(out, 8, "%c%05u", who, i);
}

static void test_concurrent_10k(void **state)
{
    (void)state;
    static struct netsim n;
    netsim_init(&n, NULL, 0);
    netsim_settle(&n);
    static struct side a, b;
    side_init(&a, &n.a.iface);
    side_init(&b, &n.b.iface);

    static struct tapir_tcp_socket listener;
    static uint8_t lmem[2 * BUF];
    static struct tapir_tcp_socket *backlog[CONNS];
    for (unsigned i = 0; i < CONNS; i++)
        backlog[i] = &a.socks[i];
    assert_int_equal(tapir_tcp_socket_init(&listener, NULL, lmem, BUF, lmem + BUF, BUF), 0);
    struct tapir_tcp_endpoint srv = {.addr = netsim_ip("192.168.69.1"), .port = 80};
    assert_int_equal(tapir_tcp_listen(&listener, &srv, backlog, CONNS), 0);
    tapir_iface_add_socket(&n.a.iface, &listener.link);

    /* Open, in batches, keeping every connection open. */
    static struct tapir_tcp_socket *server_of[CONNS];
    static unsigned conn_of_port[65536];
    for (unsigned base = 0; base < CONNS; base += BATCH) {
        for (unsigned i = base; i < base + BATCH; i++) {
            assert_int_equal(tapir_tcp_connect_iface(&n.b.iface, &b.socks[i], &srv, n.clock.now_us),
                             0);
            uint16_t p = b.socks[i].local.port;
            assert_true(p >= TAPIR_TCP_EPHEMERAL_MIN);
            assert_int_equal(conn_of_port[p], 0); /* every port once */
            conn_of_port[p] = i + 1;
            if (i == 0)
                netsim_settle(&n); /* the first also resolves the neighbours (ARP) */
        }
        netsim_settle(&n);
        struct tapir_tcp_socket *c;
        unsigned accepted = 0;
        while ((c = tapir_tcp_accept(&listener)) != NULL) {
            unsigned i = conn_of_port[c->remote.port];
            assert_true(i > base && i <= base + BATCH);
            assert_null(server_of[i - 1]);
            server_of[i - 1] = c;
            accepted++;
        }
        assert_int_equal(accepted, BATCH);
        for (unsigned i = base; i < base + BATCH; i++)
            assert_int_equal(tapir_tcp_state(&b.socks[i]), TAPIR_TCP_ESTABLISHED);
        netsim_advance(&n, TAPIR_US_PER_MS);
    }
    assert_int_equal(n.a.iface.tcp.demux.used, CONNS);
    assert_int_equal(n.b.iface.tcp.demux.used, CONNS);
    assert_false(n.a.iface.tcp.demux.overflow);
    assert_false(n.b.iface.tcp.demux.overflow);

    /* A few bytes each way on each. */
    for (unsigned base = 0; base < CONNS; base += BATCH) {
        char msg[8], buf[16];
        for (unsigned i = base; i < base + BATCH; i++) {
            message('c', i, msg);
            assert_int_equal(tapir_tcp_send(&b.socks[i], msg, 6), 6);
        }
        netsim_settle(&n);
        for (unsigned i = base; i < base + BATCH; i++) {
            message('c', i, msg);
            assert_int_equal(tapir_tcp_recv(server_of[i], buf, sizeof buf), 6);
            assert_memory_equal(buf, msg, 6);
            message('s', i, msg);
            assert_int_equal(tapir_tcp_send(server_of[i], msg, 6), 6);
        }
        netsim_settle(&n);
        for (unsigned i = base; i < base + BATCH; i++) {
            message('s', i, msg);
            assert_int_equal(tapir_tcp_recv(&b.socks[i], buf, sizeof buf), 6);
            assert_memory_equal(buf, msg, 6);
        }
        netsim_advance(&n, TAPIR_US_PER_MS);
    }
    netsim_advance(&n, 100 * TAPIR_US_PER_MS); /* the last delayed ACKs */
    for (unsigned i = 0; i < CONNS; i++) {
        assert_int_equal(tapir_tcp_state(&b.socks[i]), TAPIR_TCP_ESTABLISHED);
        assert_int_equal(tapir_tcp_state(server_of[i]), TAPIR_TCP_ESTABLISHED);
    }

    /* Close: the client first (it reaches TIME-WAIT: its socket closes at once and B's
     * interface keeps a record, the newest TAPIR_TCP_TIME_WAIT_SLOTS of them), then the
     * server. */
    for (unsigned base = 0; base < CONNS; base += BATCH) {
        char buf[8];
        for (unsigned i = base; i < base + BATCH; i++)
            assert_int_equal(tapir_tcp_close(&b.socks[i]), 0);
        netsim_settle(&n);
        for (unsigned i = base; i < base + BATCH; i++) {
            assert_int_equal(tapir_tcp_state(server_of[i]), TAPIR_TCP_CLOSE_WAIT);
            assert_int_equal(tapir_tcp_recv(server_of[i], buf, sizeof buf), 0);
            assert_int_equal(tapir_tcp_close(server_of[i]), 0);
        }
        netsim_settle(&n);
        for (unsigned i = base; i < base + BATCH; i++) {
            assert_int_equal(tapir_tcp_state(server_of[i]), TAPIR_TCP_CLOSED);
            assert_int_equal(tapir_tcp_state(&b.socks[i]), TAPIR_TCP_CLOSED);
            assert_int_equal(tapir_tcp_recv(&b.socks[i], buf, sizeof buf), 0);
        }
        netsim_advance(&n, TAPIR_US_PER_MS);
    }
    assert_int_equal(tapir__tcp_tw_count(&n.b.iface.tcp_time_wait), TAPIR_TCP_TIME_WAIT_SLOTS);
    netsim_advance(&n, 61 * (tapir_instant)TAPIR_US_PER_S);
    assert_int_equal(tapir__tcp_tw_count(&n.b.iface.tcp_time_wait), 0);

    uint64_t retransmissions = 0;
    for (unsigned i = 0; i < CONNS; i++) {
        const struct tapir_tcp_stats *cs = tapir_tcp_stats(&b.socks[i]);
        const struct tapir_tcp_stats *ss = tapir_tcp_stats(server_of[i]);
        assert_int_equal(tapir_tcp_state(&b.socks[i]), TAPIR_TCP_CLOSED);
        assert_int_equal(cs->bytes_sent, 6);
        assert_int_equal(cs->bytes_received, 6);
        assert_int_equal(ss->bytes_sent, 6);
        assert_int_equal(ss->bytes_received, 6);
        retransmissions += cs->retransmissions + ss->retransmissions;
    }
    assert_int_equal(retransmissions, 0);
    assert_int_equal(listener.stats.syncookies_sent, 0);
    assert_int_equal(tapir_iface_stats(&n.a.iface)->drops[TAPIR_DROP_TX_FULL], 0);
    assert_int_equal(tapir_iface_stats(&n.b.iface)->drops[TAPIR_DROP_TX_FULL], 0);
    assert_int_equal(tapir_iface_stats(&n.a.iface)->drops[TAPIR_DROP_NO_SOCKET], 0);
    assert_int_equal(tapir_iface_stats(&n.b.iface)->drops[TAPIR_DROP_NO_SOCKET], 0);

    /* Recycling: 200 backlog sockets are initialised again (their index entries become
     * orphans), 200 clients are removed, initialised and connect again. A's index is
     * full of closed connections' entries: the new children make it sweep them. */
    assert_int_equal(n.a.iface.tcp.demux.used, CONNS);
    enum { AGAIN = 200 };
    for (unsigned i = 0; i < AGAIN; i++) {
        uint8_t *m = a.mem + (size_t)i * 2 * BUF;
        assert_int_equal(tapir_tcp_socket_init(&a.socks[i], NULL, m, BUF, m + BUF, BUF), 0);
        tapir_iface_remove_socket(&n.b.iface, &b.socks[i].link);
        m = b.mem + (size_t)i * 2 * BUF;
        assert_int_equal(tapir_tcp_socket_init(&b.socks[i], NULL, m, BUF, m + BUF, BUF), 0);
    }
    assert_int_equal(n.b.iface.tcp.demux.used, CONNS - AGAIN);
    for (unsigned base = 0; base < AGAIN; base += BATCH) {
        for (unsigned i = base; i < base + BATCH; i++) {
            assert_int_equal(tapir_tcp_connect_iface(&n.b.iface, &b.socks[i], &srv, n.clock.now_us),
                             0);
            if (i == 0)
                netsim_settle(&n); /* ARP again: the entries expired in the last minute */
        }
        netsim_settle(&n);
        for (unsigned i = base; i < base + BATCH; i++) {
            struct tapir_tcp_socket *c = tapir_tcp_accept(&listener);
            assert_non_null(c);
            assert_true(c >= &a.socks[0] && c < &a.socks[AGAIN]); /* the recycled ones */
            assert_int_equal(tapir_tcp_state(&b.socks[i]), TAPIR_TCP_ESTABLISHED);
            assert_int_equal(tapir_tcp_send(&b.socks[i], "again", 5), 5);
        }
        netsim_settle(&n);
    }
    assert_null(tapir_tcp_accept(&listener));
    assert_int_equal(n.a.iface.tcp.demux.used, AGAIN); /* swept down to the live ones */
    assert_int_equal(n.b.iface.tcp.demux.used, CONNS);
    for (unsigned i = 0; i < AGAIN; i++) {
        char buf[8];
        assert_int_equal(tapir_tcp_recv(&a.socks[i], buf, sizeof buf), 5);
        assert_memory_equal(buf, "again", 5);
        tapir_tcp_abort(&a.socks[i]);
    }
    netsim_settle(&n);
    for (unsigned i = 0; i < AGAIN; i++)
        assert_int_equal(tapir_tcp_state(&b.socks[i]), TAPIR_TCP_CLOSED);

    for (unsigned i = 0; i < CONNS; i++)
        tapir_iface_remove_socket(&n.b.iface, &b.socks[i].link);
    tapir_iface_remove_socket(&n.a.iface, &listener.link);
    assert_int_equal(n.a.iface.tcp.demux.used, 0);
    assert_int_equal(n.b.iface.tcp.demux.used, 0);
    side_free(&a);
    side_free(&b);
    netsim_free(&n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_concurrent_10k),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
