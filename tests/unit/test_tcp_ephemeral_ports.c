/* tapir_tcp_connect_iface(): ephemeral ports by RFC 6056 Algorithm 4 (in range, distinct
 * per destination, each destination its own sequence, ports in use skipped, TIME-WAIT
 * included), the source address by source selection, the ISN by RFC 6528, the MSS from
 * the interface's MTU. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "netsim.h"
#include "tapir/error.h"
#include "tapir/priv/tcp_isn.h"
#include "tapir/socket/tcp.h"
#include "tapir/socket/tcp_iface.h"

#define N    1000
#define BUF  1024
#define SPAN (TAPIR_TCP_EPHEMERAL_MAX - TAPIR_TCP_EPHEMERAL_MIN + 1)

struct clients {
    struct tapir_tcp_socket s[N];
    uint8_t mem[N][2 * BUF];
};

static void clients_init(struct clients *c)
{
    for (unsigned i = 0; i < N; i++)
        assert_int_equal(
            tapir_tcp_socket_init(&c->s[i], NULL, c->mem[i], BUF, c->mem[i] + BUF, BUF), 0);
}

static void clients_remove(struct tapir_iface *iface, struct clients *c)
{
    for (unsigned i = 0; i < N; i++)
        tapir_iface_remove_socket(iface, &c->s[i].link);
}

static struct tapir_tcp_endpoint endpoint(const char *addr, uint16_t port)
{
    struct tapir_tcp_endpoint e = {.addr = netsim_ip(addr), .port = port};
    return e;
}

/* Connect all N to `remote` and check what the interface chose; ports[] gets the ports. */
static void connect_all(struct netsim *n, struct clients *c,
                        const struct tapir_tcp_endpoint *remote, const char *expect_src,
                        unsigned expect_mss, uint16_t *ports)
{
    struct tapir_iface *b = &n->b.iface;
    static uint8_t used[65536];
    memset(used, 0, sizeof used);
    struct tapir_ip_addr src = netsim_ip(expect_src);
    for (unsigned i = 0; i < N; i++) {
        struct tapir_tcp_socket *s = &c->s[i];
        assert_int_equal(tapir_tcp_connect_iface(b, s, remote, n->clock.now_us), 0);
        assert_int_equal(tapir_tcp_state(s), TAPIR_TCP_SYN_SENT);
        uint16_t p = s->local.port;
        assert_true(p >= TAPIR_TCP_EPHEMERAL_MIN); /* MAX is 65535 */
        assert_int_equal(used[p], 0);
        used[p] = 1;
        ports[i] = p;
        /* Algorithm 4: one destination walks the range one port at a time. */
        if (i > 0)
            assert_int_equal(p, (ports[i - 1] - TAPIR_TCP_EPHEMERAL_MIN + 1) % SPAN +
                                    TAPIR_TCP_EPHEMERAL_MIN);
        assert_true(tapir_ip_equal(&s->local.addr, &src));
        assert_true(tapir_ip_equal(&s->remote.addr, &remote->addr));
        assert_int_equal(s->remote.port, remote->port);
        assert_int_equal(s->mss, expect_mss);
        struct tapir__tcp_tuple t;
        memset(&t, 0, sizeof t);
        t.local = src;
        t.remote = remote->addr;
        t.local_port = p;
        t.remote_port = remote->port;
        assert_int_equal(s->iss, tapir__tcp_isn(&b->tcp.key, &t, n->clock.now_us));
        n->clock.now_us += 3;
    }
}

static void test_ports(void **state, bool with_index)
{
    (void)state;
    static struct netsim n;
    netsim_init(&n, NULL, 0);
    static struct clients c1, c2, c3;
    clients_init(&c1);
    clients_init(&c2);
    clients_init(&c3);
    static uint8_t index_mem[1 << 17] __attribute__((aligned(16)));
    if (with_index)
        assert_int_equal(tapir_iface_tcp_index(&n.b.iface, index_mem, sizeof index_mem, 3 * N), 0);

    static uint16_t p1[N], p2[N], p3[N];
    struct tapir_tcp_endpoint s1 = endpoint("192.168.69.1", 80);
    struct tapir_tcp_endpoint s2 = endpoint("192.168.69.1", 8080);
    struct tapir_tcp_endpoint s3 = endpoint("fdaa::1", 80);
    connect_all(&n, &c1, &s1, "192.168.69.100", 1460, p1);
    connect_all(&n, &c2, &s2, "192.168.69.100", 1460, p2);
    connect_all(&n, &c3, &s3, "fdaa::100", 1440, p3);
    /* Each destination starts at its own secret offset: three different runs. */
    assert_int_not_equal(p1[0], p2[0]);
    assert_int_not_equal(p1[0], p3[0]);
    assert_int_not_equal(p2[0], p3[0]);
    unsigned same = 0;
    for (unsigned i = 0; i < N; i++)
        same += (p1[i] == p2[i]) + (p1[i] == p3[i]);
    assert_int_equal(same, 0);
    if (with_index)
        assert_int_equal(n.b.iface.tcp.demux.used, 3 * N);

    /* The same, from a second interface with another secret (B's seed is 2, A's 1). */
    static struct clients c4;
    clients_init(&c4);
    struct tapir_tcp_endpoint to_b = endpoint("192.168.69.100", 80);
    assert_int_equal(tapir_tcp_connect_iface(&n.a.iface, &c4.s[0], &to_b, n.clock.now_us), 0);
    struct tapir_tcp_endpoint to_b2 = endpoint("192.168.69.100", 8080);
    assert_int_equal(tapir_tcp_connect_iface(&n.a.iface, &c4.s[1], &to_b2, n.clock.now_us), 0);
    assert_int_not_equal(c4.s[0].local.port, c4.s[1].local.port);
    tapir_iface_remove_socket(&n.a.iface, &c4.s[0].link);
    tapir_iface_remove_socket(&n.a.iface, &c4.s[1].link);

    clients_remove(&n.b.iface, &c1);
    clients_remove(&n.b.iface, &c2);
    clients_remove(&n.b.iface, &c3);
    if (with_index)
        assert_int_equal(n.b.iface.tcp.demux.used, 0);
    netsim_free(&n);
}

static void test_ports_walk(void **state)
{
    test_ports(state, false);
}

static void test_ports_index(void **state)
{
    test_ports(state, true);
}

/* A range of 10 ports: 10 connections to one server take them all, the 11th gets EAGAIN;
 * the port a closed connection frees is the one the next connection gets; another server
 * has all 10 again (a port is in use per 4-tuple). */
static void test_narrow_range(void **state)
{
    (void)state;
    static struct netsim n;
    netsim_init(&n, NULL, 0);
    struct tapir_iface *b = &n.b.iface;
    assert_int_equal(tapir_iface_tcp_port_range(b, 0, 10), TAPIR_EINVAL);
    assert_int_equal(tapir_iface_tcp_port_range(b, 50010, 50000), TAPIR_EINVAL);
    assert_int_equal(tapir_iface_tcp_port_range(b, 50000, 50009), 0);
    static struct clients c;
    clients_init(&c);
    struct tapir_tcp_endpoint s1 = endpoint("192.168.69.1", 80);
    struct tapir_tcp_endpoint s2 = endpoint("192.168.69.1", 81);
    unsigned seen = 0;
    for (unsigned i = 0; i < 10; i++) {
        assert_int_equal(tapir_tcp_connect_iface(b, &c.s[i], &s1, n.clock.now_us), 0);
        uint16_t p = c.s[i].local.port;
        assert_true(p >= 50000 && p <= 50009);
        assert_int_equal(seen & (1u << (p - 50000)), 0);
        seen |= 1u << (p - 50000);
    }
    assert_int_equal(seen, 0x3ff);
    assert_int_equal(tapir_tcp_connect_iface(b, &c.s[10], &s1, n.clock.now_us), TAPIR_EAGAIN);
    assert_int_equal(tapir_tcp_state(&c.s[10]), TAPIR_TCP_CLOSED);
    tapir_tcp_abort(&c.s[4]);
    assert_int_equal(tapir_tcp_connect_iface(b, &c.s[10], &s1, n.clock.now_us), 0);
    assert_int_equal(c.s[10].local.port, c.s[4].local.port);
    for (unsigned i = 11; i < 21; i++)
        assert_int_equal(tapir_tcp_connect_iface(b, &c.s[i], &s2, n.clock.now_us), 0);
    assert_int_equal(tapir_tcp_connect_iface(b, &c.s[21], &s2, n.clock.now_us), TAPIR_EAGAIN);
    /* Errors: a socket not closed, port 0, no version, no address of the version. */
    assert_int_equal(tapir_tcp_connect_iface(b, &c.s[0], &s1, n.clock.now_us), TAPIR_EINVAL);
    struct tapir_tcp_endpoint zero = endpoint("192.168.69.1", 0);
    assert_int_equal(tapir_tcp_connect_iface(b, &c.s[22], &zero, n.clock.now_us), TAPIR_EINVAL);
    struct tapir_tcp_endpoint none;
    memset(&none, 0, sizeof none);
    none.port = 80;
    assert_int_equal(tapir_tcp_connect_iface(b, &c.s[22], &none, n.clock.now_us), TAPIR_EINVAL);
    struct tapir_ip_addr mine = netsim_ip("192.168.69.100");
    assert_int_equal(tapir_iface_del_ip(b, &mine), 0);
    assert_int_equal(tapir_tcp_connect_iface(b, &c.s[22], &s1, n.clock.now_us), TAPIR_ENOADDR);
    assert_int_equal(tapir_tcp_state(&c.s[22]), TAPIR_TCP_CLOSED);
    clients_remove(b, &c);
    netsim_free(&n);
}

/* One port in the range: a connection that ends in TIME-WAIT keeps its tuple for 2 MSL
 * (as a record of the interface; the socket itself is closed at once); a new connection
 * to the same server gets EAGAIN until then, then the same port. */
static void test_time_wait_holds_port(void **state)
{
    (void)state;
    static struct netsim n;
    netsim_init(&n, NULL, 0);
    netsim_settle(&n);
    static struct clients c;
    clients_init(&c);
    static struct tapir_tcp_socket listener, child, *backlog[1];
    static uint8_t lmem[4][BUF];
    assert_int_equal(tapir_tcp_socket_init(&listener, NULL, lmem[0], BUF, lmem[1], BUF), 0);
    assert_int_equal(tapir_tcp_socket_init(&child, NULL, lmem[2], BUF, lmem[3], BUF), 0);
    backlog[0] = &child;
    struct tapir_tcp_endpoint srv = endpoint("192.168.69.1", 80);
    assert_int_equal(tapir_tcp_listen(&listener, &srv, backlog, 1), 0);
    tapir_iface_add_socket(&n.a.iface, &listener.link);

    struct tapir_iface *b = &n.b.iface;
    assert_int_equal(tapir_iface_tcp_port_range(b, 50100, 50100), 0);
    tapir_instant t0 = n.clock.now_us;
    assert_int_equal(tapir_tcp_connect_iface(b, &c.s[0], &srv, t0), 0);
    assert_int_equal(c.s[0].local.port, 50100);
    netsim_settle(&n);
    assert_int_equal(tapir_tcp_state(&c.s[0]), TAPIR_TCP_ESTABLISHED);
    struct tapir_tcp_socket *sc = tapir_tcp_accept(&listener);
    assert_ptr_equal(sc, &child);
    tapir_tcp_close(&c.s[0]);
    netsim_settle(&n);
    tapir_tcp_close(sc);
    netsim_settle(&n);
    assert_int_equal(tapir_tcp_state(&c.s[0]), TAPIR_TCP_CLOSED);
    assert_int_equal(tapir__tcp_tw_count(&b->tcp_time_wait), 1);
    assert_int_equal(tapir_tcp_connect_iface(b, &c.s[1], &srv, n.clock.now_us), TAPIR_EAGAIN);
    netsim_advance(&n, 59 * (tapir_instant)TAPIR_US_PER_S);
    assert_int_equal(tapir_tcp_connect_iface(b, &c.s[1], &srv, n.clock.now_us), TAPIR_EAGAIN);
    netsim_advance(&n, 2 * (tapir_instant)TAPIR_US_PER_S);
    assert_int_equal(tapir_tcp_state(&c.s[0]), TAPIR_TCP_CLOSED);
    assert_int_equal(tapir_tcp_connect_iface(b, &c.s[1], &srv, n.clock.now_us), 0);
    assert_int_equal(c.s[1].local.port, 50100);
    /* Same tuple, so the new incarnation's ISN is the old one's plus the 4 µs ticks
     * between them (RFC 6528): ahead, as RFC 9293 §3.4.1 wants. */
    assert_int_equal(c.s[1].iss - c.s[0].iss, (uint32_t)((n.clock.now_us - t0) / 4));
    clients_remove(b, &c);
    tapir_iface_remove_socket(&n.a.iface, &listener.link);
    netsim_free(&n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ports_walk),
        cmocka_unit_test(test_ports_index),
        cmocka_unit_test(test_narrow_range),
        cmocka_unit_test(test_time_wait_holds_port),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
