/* UDP sockets on two stacks joined in memory, with a virtual clock: bind rules and
 * ephemeral ports, send and receive over IPv4 and IPv6, broadcast from 0.0.0.0 (a DHCP
 * client without an address) and back, multicast, datagrams of 65507 / 65527 bytes
 * fragmented and reassembled, a full receive buffer, ICMP errors reported on the sending
 * socket, the IPv6 zero checksum, and a raw socket for protocol 253. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "netsim.h"
#include "tapir/error.h"
#include "tapir/socket/raw.h"
#include "tapir/socket/tcp_iface.h"
#include "tapir/socket/udp.h"
#include "tapir/wire/ethernet.h"
#include "tapir/wire/ipv4.h"
#include "tapir/wire/ipv6.h"
#include "tapir/wire/udp.h"

/* ctest-case: udp_bind test_bind */
/* ctest-case: udp_send_recv test_send_recv */
/* ctest-case: udp_broadcast test_broadcast */
/* ctest-case: udp_multicast test_multicast */
/* ctest-case: udp_fragmented test_fragmented */
/* ctest-case: udp_rx_full test_rx_full */
/* ctest-case: udp_icmp_errors test_icmp */
/* ctest-case: udp_checksum test_checksum */
/* ctest-case: udp_raw test_raw */

#define QLEN (1 << 20)

struct usock {
    struct tapir_udp_socket s;
    uint8_t *rx, *tx;
    struct tapir_iface *iface;
};

static void usock_open_len(struct usock *u, struct netsim_node *node, size_t rx_len)
{
    u->rx = malloc(rx_len);
    u->tx = malloc(QLEN);
    u->iface = &node->iface;
    assert_int_equal(tapir_udp_socket_init(&u->s, u->rx, rx_len, u->tx, QLEN), 0);
}

static void usock_open(struct usock *u, struct netsim_node *node)
{
    usock_open_len(u, node, QLEN);
}

/* Bind (NULL text: any address) and register. */
static void usock_bind(struct usock *u, const char *addr, uint16_t port)
{
    struct tapir_ip_addr a;
    if (addr)
        a = netsim_ip(addr);
    assert_int_equal(tapir_udp_bind(&u->s, u->iface, addr ? &a : NULL, port), 0);
    tapir_iface_add_socket(u->iface, &u->s.link);
}

static void usock_close(struct usock *u)
{
    tapir_iface_remove_socket(u->iface, &u->s.link);
    tapir_udp_close(&u->s);
    free(u->rx);
    free(u->tx);
}

static uint8_t pattern(size_t i, unsigned seed)
{
    return (uint8_t)(i * 7 + seed * 13 + (i >> 8));
}

static void send_pattern(struct usock *u, const char *dst, uint16_t port, size_t len, unsigned seed)
{
    uint8_t *data = malloc(len ? len : 1);
    for (size_t i = 0; i < len; i++)
        data[i] = pattern(i, seed);
    struct tapir_ip_addr d = netsim_ip(dst);
    assert_int_equal(tapir_udp_send(&u->s, &d, port, data, len), (int)len);
    free(data);
}

/* Takes one datagram; checks its length, bytes and source. */
static void expect_pattern(struct usock *u, const char *from, uint16_t from_port, size_t len,
                           unsigned seed, struct tapir_udp_meta *out)
{
    static uint8_t buf[70000];
    struct tapir_udp_meta m;
    int n = tapir_udp_recv(&u->s, &m, buf, sizeof buf);
    assert_int_equal(n, (int)len);
    struct tapir_ip_addr f = netsim_ip(from);
    assert_true(tapir_ip_equal(&m.remote, &f));
    if (from_port)
        assert_int_equal(m.remote_port, from_port);
    for (size_t i = 0; i < len; i++)
        if (buf[i] != pattern(i, seed))
            fail_msg("byte %zu is %#x, sent %#x", i, buf[i], pattern(i, seed));
    if (out)
        *out = m;
}

static const struct tapir_iface_stats *stats(struct netsim_node *node)
{
    return tapir_iface_stats(&node->iface);
}

static void test_bind(void **state)
{
    (void)state;
    static struct netsim n;
    netsim_init(&n, NULL, 0);
    netsim_settle(&n);
    struct usock a, b, c, d, e;
    usock_open(&a, &n.a);
    usock_open(&b, &n.a);
    usock_open(&c, &n.a);
    usock_open(&d, &n.a);
    usock_open(&e, &n.a);
    struct tapir_ip_addr v4 = netsim_ip("192.168.69.1"), other = netsim_ip("192.168.69.7");
    struct tapir_ip_addr any4 = netsim_ip("0.0.0.0"), any6 = netsim_ip("::");
    struct tapir_ip_addr group = netsim_ip("239.1.2.3"), bcast = netsim_ip("192.168.69.255");

    /* Unbound sockets cannot send. */
    assert_int_equal(tapir_udp_send(&a.s, &v4, 9, "x", 1), TAPIR_EINVAL);
    usock_bind(&a, NULL, 5000);
    /* The same port and address again: in use; any address vs a family's wildcard too. */
    assert_int_equal(tapir_udp_bind(&b.s, &n.a.iface, NULL, 5000), TAPIR_EADDRINUSE);
    assert_int_equal(tapir_udp_bind(&b.s, &n.a.iface, &any4, 5000), TAPIR_EADDRINUSE);
    assert_int_equal(tapir_udp_bind(&b.s, &n.a.iface, &any6, 5000), TAPIR_EADDRINUSE);
    /* A specific address, a group or a broadcast address on that port is another binding. */
    assert_int_equal(tapir_udp_bind(&b.s, &n.a.iface, &v4, 5000), 0);
    tapir_iface_add_socket(&n.a.iface, &b.s.link);
    assert_int_equal(tapir_udp_bind(&c.s, &n.a.iface, &v4, 5000), TAPIR_EADDRINUSE);
    assert_int_equal(tapir_udp_bind(&c.s, &n.a.iface, &group, 5000), 0);
    tapir_iface_add_socket(&n.a.iface, &c.s.link);
    assert_int_equal(tapir_udp_bind(&d.s, &n.a.iface, &bcast, 5000), 0);
    /* An address the interface does not have; bound twice. */
    assert_int_equal(tapir_udp_bind(&e.s, &n.a.iface, &other, 5001), TAPIR_ENOADDR);
    assert_int_equal(tapir_udp_bind(&d.s, &n.a.iface, NULL, 5002), TAPIR_EINVAL);
    /* IPv6's wildcard collides with a's any address; once a unbinds, it is free. */
    assert_int_equal(tapir_udp_bind(&e.s, &n.a.iface, &any6, 5000), TAPIR_EADDRINUSE);
    tapir_udp_close(&a.s);
    assert_int_equal(tapir_udp_bind(&e.s, &n.a.iface, &any6, 5000), 0);

    /* Ephemeral ports: from 49152..65535, distinct while held. */
    static struct usock eph[300];
    uint16_t seen_min = 65535, seen_max = 0;
    for (unsigned i = 0; i < 300; i++) {
        usock_open_len(&eph[i], &n.a, 4096);
        usock_bind(&eph[i], NULL, 0);
        uint16_t p = eph[i].s.local_port;
        assert_true(p >= 49152);
        for (unsigned j = 0; j < i; j++)
            assert_int_not_equal(p, eph[j].s.local_port);
        seen_min = p < seen_min ? p : seen_min;
        seen_max = p > seen_max ? p : seen_max;
    }
    /* Spread over the range (RFC 6056: not the first ports in order). */
    assert_true(seen_max - seen_min >= 200);
    /* A narrow range runs out: EADDRINUSE. */
    assert_int_equal(tapir_iface_tcp_port_range(&n.a.iface, 40000, 40001), 0);
    struct usock r1, r2, r3;
    usock_open_len(&r1, &n.a, 4096);
    usock_open_len(&r2, &n.a, 4096);
    usock_open_len(&r3, &n.a, 4096);
    usock_bind(&r1, NULL, 0);
    usock_bind(&r2, NULL, 0);
    assert_int_not_equal(r1.s.local_port, r2.s.local_port);
    assert_true(r1.s.local_port >= 40000 && r1.s.local_port <= 40001);
    assert_int_equal(tapir_udp_bind(&r3.s, &n.a.iface, NULL, 0), TAPIR_EADDRINUSE);
    usock_close(&r1);
    usock_close(&r2);
    usock_close(&r3);
    for (unsigned i = 0; i < 300; i++)
        usock_close(&eph[i]);
    usock_close(&a);
    usock_close(&b);
    usock_close(&c);
    usock_close(&d);
    usock_close(&e);
    netsim_free(&n);
}

/* The frames A transmits, watched through netsim's filter (nothing dropped). */
static struct tapir_mac_addr last_a_dst;
static unsigned a_frames;
static bool watch_a(void *ctx, const uint8_t *frame, size_t len)
{
    (void)ctx;
    if (len >= 6)
        memcpy(last_a_dst.bytes, frame, 6);
    a_frames++;
    return false;
}

static void test_send_recv(void **state)
{
    (void)state;
    static struct netsim n;
    netsim_init(&n, NULL, 0);
    netsim_settle(&n);
    struct usock a, b;
    usock_open(&a, &n.a);
    usock_open(&b, &n.b);
    usock_bind(&a, NULL, 7);
    usock_bind(&b, NULL, 0);
    uint16_t bport = b.s.local_port;
    assert_true(bport >= 49152);

    /* B -> A over IPv4, A answers to where it came from. */
    /* (One at a time until ARP has answered: an unresolved neighbour holds one datagram,
     * the newest.) */
    send_pattern(&b, "192.168.69.1", 7, 100, 1);
    netsim_settle(&n);
    send_pattern(&b, "192.168.69.1", 7, 0, 2); /* an empty datagram is a datagram */
    netsim_settle(&n);
    struct tapir_udp_meta m;
    expect_pattern(&a, "192.168.69.100", bport, 100, 1, &m);
    struct tapir_ip_addr a4 = netsim_ip("192.168.69.1");
    assert_true(tapir_ip_equal(&m.local, &a4));
    assert_int_equal(m.local_port, 7);
    assert_int_equal(m.ttl, 64);
    assert_int_equal(m.received_at, n.clock.now_us);
    expect_pattern(&a, "192.168.69.100", bport, 0, 2, NULL);
    assert_false(tapir_udp_can_recv(&a.s));
    assert_int_equal(tapir_udp_recv(&a.s, &m, NULL, 0), TAPIR_EAGAIN);
    uint8_t data[300];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = pattern(i, 3);
    assert_int_equal(tapir_udp_send(&a.s, &m.remote, m.remote_port, data, 300), 300);
    netsim_settle(&n);
    expect_pattern(&b, "192.168.69.1", 7, 300, 3, NULL);

    /* IPv6, and a TTL of our choosing. */
    send_pattern(&b, "fdaa::1", 7, 1000, 4);
    netsim_settle(&n);
    expect_pattern(&a, "fdaa::100", bport, 1000, 4, &m);
    struct tapir_ip_addr a6 = netsim_ip("fdaa::1");
    assert_true(tapir_ip_equal(&m.local, &a6));
    struct tapir_udp_send_opts o;
    memset(&o, 0, sizeof o);
    o.ttl = 5;
    assert_int_equal(tapir_udp_send_opts(&a.s, &m.remote, bport, data, 10, &o), 10);
    netsim_settle(&n);
    expect_pattern(&b, "fdaa::1", 7, 10, 3, &m);
    assert_int_equal(m.ttl, 5);

    /* A truncated read returns the full length and drops the rest, as recvfrom. */
    send_pattern(&b, "fdaa::1", 7, 50, 5);
    netsim_settle(&n);
    uint8_t small[8];
    assert_int_equal(tapir_udp_recv(&a.s, &m, small, sizeof small), 50);
    for (size_t i = 0; i < sizeof small; i++)
        assert_int_equal(small[i], pattern(i, 5));
    assert_false(tapir_udp_can_recv(&a.s));

    /* The counters. */
    const struct tapir_udp_stats *sa = tapir_udp_stats(&a.s), *sb = tapir_udp_stats(&b.s);
    assert_int_equal(sb->datagrams_sent, 4);
    assert_int_equal(sb->bytes_sent, 1150);
    assert_int_equal(sa->datagrams_received, 4);
    assert_int_equal(sa->bytes_received, 1150);
    assert_int_equal(sa->datagrams_sent, 2);
    assert_int_equal(sb->datagrams_received, 2);
    assert_int_equal(sb->bytes_received, 310);

    /* What a send refuses. */
    struct tapir_ip_addr any4 = netsim_ip("0.0.0.0"), bc = netsim_ip("255.255.255.255");
    assert_int_equal(tapir_udp_send(&a.s, &a4, 0, data, 1), TAPIR_EINVAL);
    assert_int_equal(tapir_udp_send(&a.s, &any4, 7, data, 1), TAPIR_EINVAL);
    assert_int_equal(tapir_udp_send(&a.s, &bc, 7, data, 1), TAPIR_EINVAL); /* no broadcast */
    static uint8_t big[65528];
    assert_int_equal(tapir_udp_send(&a.s, &a4, 7, big, 65508), TAPIR_EMSGSIZE);
    assert_int_equal(tapir_udp_send(&a.s, &a6, 7, big, 65528), TAPIR_EMSGSIZE);
    memset(&o, 0, sizeof o);
    o.local = any4; /* 0.0.0.0 only to the limited broadcast */
    assert_int_equal(tapir_udp_send_opts(&a.s, &a4, 7, data, 1, &o), TAPIR_EINVAL);
    o.local = a6; /* the other family */
    assert_int_equal(tapir_udp_send_opts(&a.s, &a4, 7, data, 1, &o), TAPIR_EINVAL);

    /* A socket bound to an address takes its unicast before a wildcard one; an IPv4-only
     * socket cannot send to IPv6. */
    struct usock c;
    usock_open(&c, &n.a);
    usock_bind(&c, "fdaa::1", 7);
    assert_int_equal(tapir_udp_send(&c.s, &a4, 7, data, 1), TAPIR_EINVAL);
    send_pattern(&b, "fdaa::1", 7, 20, 6);
    send_pattern(&b, "192.168.69.1", 7, 21, 7);
    netsim_settle(&n);
    expect_pattern(&c, "fdaa::100", bport, 20, 6, NULL);
    expect_pattern(&a, "192.168.69.100", bport, 21, 7, NULL);
    assert_false(tapir_udp_can_recv(&a.s));
    assert_false(tapir_udp_can_recv(&c.s));
    /* A send from c uses its bound address. */
    struct tapir_ip_addr b6 = netsim_ip("fdaa::100");
    assert_int_equal(tapir_udp_send(&c.s, &b6, bport, data, 30), 30);
    netsim_settle(&n);
    expect_pattern(&b, "fdaa::1", 7, 30, 3, NULL);

    usock_close(&c);
    usock_close(&a);
    usock_close(&b);
    netsim_free(&n);
}

static void test_broadcast(void **state)
{
    (void)state;
    static struct netsim n;
    netsim_init(&n, NULL, 0);
    netsim_settle(&n);
    n.drop_a_tx = watch_a;
    /* B is a DHCP client before its lease: no IPv4 address at all. */
    struct tapir_ip_addr b4 = netsim_ip("192.168.69.100");
    assert_int_equal(tapir_iface_del_ip(&n.b.iface, &b4), 0);
    struct usock server, client;
    usock_open(&server, &n.a);
    usock_open(&client, &n.b);
    usock_bind(&server, NULL, 67);
    usock_bind(&client, NULL, 68);
    server.s.broadcast = client.s.broadcast = true;
    uint64_t a_arp = stats(&n.a)->arp_requests_sent, b_arp = stats(&n.b)->arp_requests_sent;

    /* From 0.0.0.0, asked for and chosen by the interface alike. */
    struct tapir_udp_send_opts o;
    memset(&o, 0, sizeof o);
    o.local = netsim_ip("0.0.0.0");
    struct tapir_ip_addr bc = netsim_ip("255.255.255.255");
    uint8_t data[548];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = pattern(i, 1);
    assert_int_equal(tapir_udp_send_opts(&client.s, &bc, 67, data, sizeof data, &o), 548);
    assert_int_equal(tapir_udp_send(&client.s, &bc, 67, data, sizeof data), 548);
    netsim_settle(&n);
    struct tapir_udp_meta m;
    for (int i = 0; i < 2; i++) {
        expect_pattern(&server, "0.0.0.0", 68, 548, 1, &m);
        assert_true(tapir_ip_equal(&m.local, &bc));
        assert_int_equal(m.local_port, 67);
    }
    assert_false(tapir_udp_can_recv(&server.s));

    /* The answer to the limited broadcast: ff:ff:ff:ff:ff:ff, no ARP on either side. */
    a_frames = 0;
    assert_int_equal(tapir_udp_send(&server.s, &bc, 68, data, 300), 300);
    netsim_settle(&n);
    assert_int_equal(a_frames, 1);
    assert_memory_equal(last_a_dst.bytes, "\xff\xff\xff\xff\xff\xff", 6);
    expect_pattern(&client, "192.168.69.1", 67, 300, 1, &m);
    assert_true(tapir_ip_equal(&m.local, &bc));
    assert_int_equal(stats(&n.a)->arp_requests_sent, a_arp);
    assert_int_equal(stats(&n.b)->arp_requests_sent, b_arp);

    /* The directed broadcast of the /24, once B has its address; refused without
     * `broadcast` (reported by take_error after the poll). */
    assert_int_equal(tapir_iface_add_ipv4(&n.b.iface, &b4.v4, 24, n.clock.now_us), 0);
    netsim_settle(&n);
    struct tapir_ip_addr dbc = netsim_ip("192.168.69.255");
    assert_int_equal(tapir_udp_send(&server.s, &dbc, 68, data, 40), 40);
    netsim_settle(&n);
    assert_memory_equal(last_a_dst.bytes, "\xff\xff\xff\xff\xff\xff", 6);
    expect_pattern(&client, "192.168.69.1", 67, 40, 1, &m);
    assert_true(tapir_ip_equal(&m.local, &dbc));
    server.s.broadcast = false;
    assert_int_equal(tapir_udp_send(&server.s, &dbc, 68, data, 40), 40);
    netsim_settle(&n);
    assert_int_equal(tapir_udp_take_error(&server.s), TAPIR_EINVAL);
    assert_int_equal(tapir_udp_take_error(&server.s), 0);
    assert_int_equal(tapir_udp_stats(&server.s)->tx_failed, 1);
    assert_false(tapir_udp_can_recv(&client.s));

    /* A broadcast nobody listens to: counted, never answered with an ICMP error. A
     * socket bound to B's unicast address does not take broadcasts. */
    struct usock uni;
    usock_open(&uni, &n.b);
    usock_bind(&uni, "192.168.69.100", 69);
    server.s.broadcast = true;
    uint64_t nosock = stats(&n.b)->drops[TAPIR_DROP_NO_SOCKET];
    assert_int_equal(tapir_udp_send(&server.s, &bc, 69, data, 10), 10);
    netsim_settle(&n);
    assert_int_equal(stats(&n.b)->drops[TAPIR_DROP_NO_SOCKET], nosock + 1);
    assert_int_equal(stats(&n.b)->icmp_errors_sent, 0);
    assert_false(tapir_udp_can_recv(&uni.s));
    usock_close(&uni);
    usock_close(&server);
    usock_close(&client);
    netsim_free(&n);
}

static void test_multicast(void **state)
{
    (void)state;
    static struct netsim n;
    netsim_init(&n, NULL, 0);
    netsim_settle(&n);
    n.drop_a_tx = watch_a;
    /* B has joined 239.1.2.3 and ff12::1234 (set directly: the join calls are another
     * change's). */
    n.b.iface.groups[n.b.iface.group_count++] = netsim_ip("239.1.2.3");
    n.b.iface.groups[n.b.iface.group_count++] = netsim_ip("ff12::1234");
    struct usock any, grp, sender;
    usock_open(&any, &n.b);
    usock_open(&grp, &n.b);
    usock_open(&sender, &n.a);
    usock_bind(&any, NULL, 9000);
    usock_bind(&grp, "239.1.2.3", 9000);
    usock_bind(&sender, NULL, 0);
    uint64_t arp = stats(&n.a)->arp_requests_sent, ns = stats(&n.a)->ndp_solicits_sent;

    a_frames = 0;
    send_pattern(&sender, "239.1.2.3", 9000, 200, 1);
    netsim_settle(&n);
    assert_int_equal(a_frames, 1);
    assert_memory_equal(last_a_dst.bytes, "\x01\x00\x5e\x01\x02\x03", 6);
    struct tapir_udp_meta m;
    expect_pattern(&any, "192.168.69.1", sender.s.local_port, 200, 1, &m);
    assert_int_equal(m.ttl, 1); /* RFC 1112 §6.1 */
    expect_pattern(&grp, "192.168.69.1", sender.s.local_port, 200, 1, &m);
    struct tapir_ip_addr g = netsim_ip("239.1.2.3");
    assert_true(tapir_ip_equal(&m.local, &g));

    /* IPv6: the group MAC 33:33:00:00:12:34, a link-local source, hop limit 1. */
    send_pattern(&sender, "ff12::1234", 9000, 300, 2);
    netsim_settle(&n);
    assert_memory_equal(last_a_dst.bytes, "\x33\x33\x00\x00\x12\x34", 6);
    expect_pattern(&any, "fe80::ff:fe00:1", sender.s.local_port, 300, 2, &m);
    assert_int_equal(m.ttl, 1);
    assert_false(tapir_udp_can_recv(&grp.s));
    assert_int_equal(stats(&n.a)->arp_requests_sent, arp);
    assert_int_equal(stats(&n.a)->ndp_solicits_sent, ns);

    /* The socket's multicast TTL; a group B has not joined is dropped by B. */
    sender.s.multicast_ttl = 4;
    send_pattern(&sender, "239.1.2.3", 9000, 10, 3);
    send_pattern(&sender, "239.9.9.9", 9000, 10, 3);
    netsim_settle(&n);
    expect_pattern(&any, "192.168.69.1", sender.s.local_port, 10, 3, &m);
    assert_int_equal(m.ttl, 4);
    assert_int_equal(stats(&n.b)->drops[TAPIR_DROP_MULTICAST_NOT_JOINED], 1);
    usock_close(&any);
    usock_close(&grp);
    usock_close(&sender);
    netsim_free(&n);
}

static void test_fragmented(void **state)
{
    (void)state;
    static struct netsim n;
    netsim_init(&n, NULL, 0);
    netsim_settle(&n);
    struct usock a, b;
    usock_open(&a, &n.a);
    usock_open(&b, &n.b);
    usock_bind(&a, NULL, 7000);
    usock_bind(&b, NULL, 0);
    static uint8_t buf[65527];

    /* 65507 bytes: a 65535-byte IPv4 datagram, 45 fragments of up to 1480 bytes. */
    send_pattern(&b, "192.168.69.1", 7000, 65507, 1);
    netsim_settle(&n);
    assert_int_equal(stats(&n.b)->fragments_sent, 45);
    assert_int_equal(stats(&n.a)->reassembled, 1);
    struct tapir_udp_meta m;
    expect_pattern(&a, "192.168.69.100", b.s.local_port, 65507, 1, &m);
    for (size_t i = 0; i < 65507; i++)
        buf[i] = pattern(i, 1);
    assert_int_equal(tapir_udp_send(&a.s, &m.remote, m.remote_port, buf, 65507), 65507);
    netsim_settle(&n);
    expect_pattern(&b, "192.168.69.1", 7000, 65507, 1, NULL);
    assert_int_equal(stats(&n.a)->fragments_sent, 45);

    /* 65527 bytes: an IPv6 payload of 65535, 46 fragments of up to 1448 bytes. */
    send_pattern(&b, "fdaa::1", 7000, 65527, 2);
    netsim_settle(&n);
    assert_int_equal(stats(&n.b)->fragments_sent, 45 + 46);
    expect_pattern(&a, "fdaa::100", b.s.local_port, 65527, 2, &m);
    for (size_t i = 0; i < 65527; i++)
        buf[i] = pattern(i, 2);
    assert_int_equal(tapir_udp_send(&a.s, &m.remote, m.remote_port, buf, 65527), 65527);
    netsim_settle(&n);
    expect_pattern(&b, "fdaa::1", 7000, 65527, 2, NULL);
    assert_int_equal(stats(&n.b)->reassembled, 2);

    /* One byte over the MTU: two fragments. */
    send_pattern(&b, "192.168.69.1", 7000, 1473, 3);
    netsim_settle(&n);
    assert_int_equal(stats(&n.b)->fragments_sent, 45 + 46 + 2);
    expect_pattern(&a, "192.168.69.100", b.s.local_port, 1473, 3, NULL);
    usock_close(&a);
    usock_close(&b);
    netsim_free(&n);
}

static void test_rx_full(void **state)
{
    (void)state;
    static struct netsim n;
    netsim_init(&n, NULL, 0);
    netsim_settle(&n);
    struct usock a, b;
    usock_open_len(&a, &n.a, 4096);
    usock_open(&b, &n.b);
    usock_bind(&a, NULL, 7000);
    usock_bind(&b, NULL, 0);
    send_pattern(&b, "192.168.69.1", 7000, 10, 0); /* ARP first */
    netsim_settle(&n);
    expect_pattern(&a, "192.168.69.100", b.s.local_port, 10, 0, NULL);
    /* 1000 bytes + 64 of record each: three fit in 4096. */
    for (unsigned i = 0; i < 10; i++)
        send_pattern(&b, "192.168.69.1", 7000, 1000, i);
    netsim_settle(&n);
    assert_int_equal(tapir_udp_stats(&a.s)->rx_dropped_full, 7);
    assert_int_equal(tapir_udp_stats(&a.s)->datagrams_received, 4);
    for (unsigned i = 0; i < 3; i++)
        expect_pattern(&a, "192.168.69.100", b.s.local_port, 1000, i, NULL);
    assert_false(tapir_udp_can_recv(&a.s));
    /* Room again. */
    send_pattern(&b, "192.168.69.1", 7000, 1000, 20);
    netsim_settle(&n);
    expect_pattern(&a, "192.168.69.100", b.s.local_port, 1000, 20, NULL);
    assert_int_equal(tapir_udp_stats(&a.s)->rx_dropped_full, 7);
    /* A send buffer that is full says EAGAIN; one too small ever says EMSGSIZE. */
    struct usock c;
    c.rx = malloc(4096);
    c.tx = malloc(4096);
    c.iface = &n.b.iface;
    assert_int_equal(tapir_udp_socket_init(&c.s, c.rx, 4096, c.tx, 4096), 0);
    usock_bind(&c, NULL, 0);
    static uint8_t data[5000];
    struct tapir_ip_addr a4 = netsim_ip("192.168.69.1");
    assert_true(tapir_udp_can_send(&c.s, 1000));
    for (int i = 0; i < 3; i++)
        assert_int_equal(tapir_udp_send(&c.s, &a4, 7000, data, 1000), 1000);
    assert_false(tapir_udp_can_send(&c.s, 1000));
    assert_int_equal(tapir_udp_send(&c.s, &a4, 7000, data, 1000), TAPIR_EAGAIN);
    assert_int_equal(tapir_udp_send(&c.s, &a4, 7000, data, 5000), TAPIR_EMSGSIZE);
    usock_close(&c);
    usock_close(&a);
    usock_close(&b);
    netsim_free(&n);
}

/* ---- hand-made frames injected into B from A's end of the pair ---- */

static void inject_ip(struct netsim *n, const uint8_t *pkt, size_t len)
{
    static uint8_t frame[2048];
    struct tapir_eth_repr eth = {
        .src = {{2, 0, 0, 0, 0, 1}},
        .dst = {{2, 0, 0, 0, 0, 2}},
        .ethertype = (pkt[0] >> 4) == 6 ? TAPIR_ETHERTYPE_IPV6 : TAPIR_ETHERTYPE_IPV4,
        .payload = pkt,
        .payload_len = len,
    };
    int fl = tapir_eth_emit(&eth, frame, sizeof frame);
    assert_true(fl > 0);
    struct tapir_frame f;
    memset(&f, 0, sizeof f);
    f.data = frame;
    f.cap = f.len = (size_t)fl;
    assert_int_equal(tapir_device_tx(&n->pair.a.dev, &f, 1), 1);
}

/* An IPv4 datagram src -> dst of `proto` carrying `payload`, into `out`. */
static size_t build_v4(uint8_t *out, size_t cap, const char *src, const char *dst, uint8_t proto,
                       const uint8_t *payload, size_t len)
{
    struct tapir_ipv4_repr ip;
    memset(&ip, 0, sizeof ip);
    ip.src = netsim_ip(src).v4;
    ip.dst = netsim_ip(dst).v4;
    ip.protocol = proto;
    ip.ttl = 64;
    ip.payload = payload;
    ip.payload_len = len;
    int n = tapir_ipv4_emit(&ip, out, cap);
    assert_true(n > 0);
    return (size_t)n;
}

static size_t build_v6(uint8_t *out, size_t cap, const char *src, const char *dst, uint8_t proto,
                       const uint8_t *payload, size_t len)
{
    struct tapir_ipv6_repr ip;
    memset(&ip, 0, sizeof ip);
    ip.src = netsim_ip(src).v6;
    ip.dst = netsim_ip(dst).v6;
    ip.next_header = ip.upper_protocol = proto;
    ip.hop_limit = 64;
    ip.payload = payload;
    ip.payload_len = len;
    int n = tapir_ipv6_emit(&ip, out, cap);
    assert_true(n > 0);
    return (size_t)n;
}

/* A UDP datagram; ph NULL writes checksum 0. */
static size_t build_udp(uint8_t *out, const struct tapir_pseudo_header *ph, uint16_t sport,
                        uint16_t dport, size_t len)
{
    uint8_t data[512];
    for (size_t i = 0; i < len; i++)
        data[i] = pattern(i, 9);
    struct tapir_udp_repr u = {
        .src_port = sport, .dst_port = dport, .payload = data, .payload_len = len};
    int n = tapir_udp_emit(&u, ph, out, 1024);
    assert_true(n > 0);
    return (size_t)n;
}

static struct tapir_pseudo_header ph_of(const char *src, const char *dst)
{
    struct tapir_pseudo_header ph;
    memset(&ph, 0, sizeof ph);
    ph.src = netsim_ip(src);
    ph.dst = netsim_ip(dst);
    ph.protocol = 17;
    return ph;
}

static void inject_icmpv4(struct netsim *n, uint8_t type, uint8_t code, uint16_t mtu,
                          const uint8_t *quote, size_t qlen)
{
    uint8_t msg[1024], pkt[1100];
    msg[0] = type;
    msg[1] = code;
    msg[2] = msg[3] = 0;
    msg[4] = type == 12 ? 20 : 0; /* parameter problem: pointer */
    msg[5] = 0;
    msg[6] = (uint8_t)(mtu >> 8);
    msg[7] = (uint8_t)mtu;
    memcpy(msg + 8, quote, qlen);
    uint16_t c = tapir_checksum(msg, 8 + qlen);
    msg[2] = (uint8_t)(c >> 8);
    msg[3] = (uint8_t)c;
    inject_ip(n, pkt,
              build_v4(pkt, sizeof pkt, "192.168.69.1", "192.168.69.100", 1, msg, 8 + qlen));
}

static void inject_icmpv6(struct netsim *n, uint8_t type, uint8_t code, uint32_t rest,
                          const uint8_t *quote, size_t qlen)
{
    uint8_t msg[1024], pkt[1100];
    memset(msg, 0, 8);
    msg[0] = type;
    msg[1] = code;
    msg[4] = (uint8_t)(rest >> 24);
    msg[5] = (uint8_t)(rest >> 16);
    msg[6] = (uint8_t)(rest >> 8);
    msg[7] = (uint8_t)rest;
    memcpy(msg + 8, quote, qlen);
    struct tapir_pseudo_header ph = ph_of("fdaa::1", "fdaa::100");
    ph.protocol = 58;
    uint64_t acc = tapir_csum_pseudo(&ph, (uint32_t)(8 + qlen));
    acc = tapir_csum_add(acc, msg, 8 + qlen);
    uint16_t c = tapir_csum_finish(acc);
    msg[2] = (uint8_t)(c >> 8);
    msg[3] = (uint8_t)c;
    inject_ip(n, pkt, build_v6(pkt, sizeof pkt, "fdaa::1", "fdaa::100", 58, msg, 8 + qlen));
}

static void expect_icmp(struct usock *u, int code, const char *from, const char *remote,
                        uint16_t rport, uint8_t version, uint8_t type, uint8_t icode, uint32_t info)
{
    assert_int_equal(tapir_udp_take_error(&u->s), code);
    assert_int_equal(tapir_udp_take_error(&u->s), 0);
    struct tapir_udp_icmp_error e;
    assert_true(tapir_udp_last_icmp(&u->s, &e));
    struct tapir_ip_addr f = netsim_ip(from), r = netsim_ip(remote);
    assert_true(tapir_ip_equal(&e.from, &f));
    assert_true(tapir_ip_equal(&e.remote, &r));
    assert_int_equal(e.remote_port, rport);
    assert_int_equal(e.version, version);
    assert_int_equal(e.type, type);
    assert_int_equal(e.code, icode);
    assert_int_equal(e.info, info);
}

static void test_icmp(void **state)
{
    (void)state;
    static struct netsim n;
    netsim_init(&n, NULL, 0);
    netsim_settle(&n);
    struct usock b;
    usock_open(&b, &n.b);
    usock_bind(&b, NULL, 4000);
    assert_false(tapir_udp_last_icmp(&b.s, NULL));

    /* A closed port on A: port unreachable, reported on the socket that sent. */
    send_pattern(&b, "192.168.69.1", 9999, 64, 1);
    netsim_settle(&n);
    assert_int_equal(stats(&n.a)->icmp_errors_sent, 1);
    expect_icmp(&b, TAPIR_ECONNREFUSED, "192.168.69.1", "192.168.69.1", 9999, 4, 3, 3, 0);
    send_pattern(&b, "fdaa::1", 9998, 64, 1);
    netsim_settle(&n);
    expect_icmp(&b, TAPIR_ECONNREFUSED, "fdaa::1", "fdaa::1", 9998, 6, 1, 4, 0);
    assert_int_equal(tapir_udp_stats(&b.s)->icmp_errors, 2);

    /* Errors from routers about datagrams to far destinations, quoting them. */
    uint8_t udp[64], q[256];
    struct tapir_pseudo_header ph = ph_of("192.168.69.100", "10.9.8.7");
    size_t ul = build_udp(udp, &ph, 4000, 53, 20);
    size_t ql = build_v4(q, sizeof q, "192.168.69.100", "10.9.8.7", 17, udp, ul);
    inject_icmpv4(&n, 11, 0, 0, q, ql); /* time exceeded */
    netsim_settle(&n);
    expect_icmp(&b, TAPIR_EHOSTUNREACH, "192.168.69.1", "10.9.8.7", 53, 4, 11, 0, 0);
    inject_icmpv4(&n, 3, 4, 1400, q, 28); /* fragmentation needed: header + 8 bytes */
    netsim_settle(&n);
    expect_icmp(&b, TAPIR_EMSGSIZE, "192.168.69.1", "10.9.8.7", 53, 4, 3, 4, 1400);
    inject_icmpv4(&n, 3, 1, 0, q, ql); /* host unreachable */
    netsim_settle(&n);
    expect_icmp(&b, TAPIR_EHOSTUNREACH, "192.168.69.1", "10.9.8.7", 53, 4, 3, 1, 0);

    ph = ph_of("fdaa::100", "fd00::53");
    ul = build_udp(udp, &ph, 4000, 53, 20);
    ql = build_v6(q, sizeof q, "fdaa::100", "fd00::53", 17, udp, ul);
    inject_icmpv6(&n, 2, 0, 1280, q, ql); /* packet too big */
    netsim_settle(&n);
    expect_icmp(&b, TAPIR_EMSGSIZE, "fdaa::1", "fd00::53", 53, 6, 2, 0, 1280);
    inject_icmpv6(&n, 3, 0, 0, q, ql); /* hop limit exceeded */
    netsim_settle(&n);
    expect_icmp(&b, TAPIR_EHOSTUNREACH, "fdaa::1", "fd00::53", 53, 6, 3, 0, 0);
    inject_icmpv6(&n, 4, 0, 6, q, ql); /* parameter problem at byte 6 */
    netsim_settle(&n);
    expect_icmp(&b, TAPIR_EHOSTUNREACH, "fdaa::1", "fd00::53", 53, 6, 4, 0, 6);
    inject_icmpv6(&n, 1, 3, 0, q, ql); /* address unreachable */
    netsim_settle(&n);
    expect_icmp(&b, TAPIR_EHOSTUNREACH, "fdaa::1", "fd00::53", 53, 6, 1, 3, 0);
    /* Quoting the first fragment of a fragmented datagram (after a Fragment header). */
    uint8_t fq[256];
    memcpy(fq, q, 40);
    fq[6] = 44;
    uint8_t fh[8] = {17, 0, 0, 1, 0, 0, 0, 7}; /* offset 0, more fragments */
    memcpy(fq + 40, fh, 8);
    memcpy(fq + 48, q + 40, ul);
    inject_icmpv6(&n, 2, 0, 1400, fq, 48 + ul);
    netsim_settle(&n);
    expect_icmp(&b, TAPIR_EMSGSIZE, "fdaa::1", "fd00::53", 53, 6, 2, 0, 1400);
    assert_int_equal(tapir_udp_stats(&b.s)->icmp_errors, 10);

    /* An error about a port no socket holds is nobody's. */
    uint64_t unhandled = stats(&n.b)->drops[TAPIR_DROP_ICMP_UNHANDLED];
    ph = ph_of("192.168.69.100", "10.9.8.7");
    ul = build_udp(udp, &ph, 4001, 53, 20);
    ql = build_v4(q, sizeof q, "192.168.69.100", "10.9.8.7", 17, udp, ul);
    inject_icmpv4(&n, 3, 3, 0, q, ql);
    netsim_settle(&n);
    assert_int_equal(stats(&n.b)->drops[TAPIR_DROP_ICMP_UNHANDLED], unhandled + 1);
    assert_int_equal(tapir_udp_take_error(&b.s), 0);
    usock_close(&b);
    netsim_free(&n);
}

static void test_checksum(void **state)
{
    (void)state;
    static struct netsim n;
    netsim_init(&n, NULL, 0);
    netsim_settle(&n);
    struct usock b;
    usock_open(&b, &n.b);
    usock_bind(&b, NULL, 4000);
    uint8_t udp[600], pkt[700];

    /* IPv4: checksum 0 means none was sent (RFC 768): accepted. */
    size_t ul = build_udp(udp, NULL, 1234, 4000, 100);
    inject_ip(&n, pkt, build_v4(pkt, sizeof pkt, "192.168.69.1", "192.168.69.100", 17, udp, ul));
    netsim_settle(&n);
    expect_pattern(&b, "192.168.69.1", 1234, 100, 9, NULL);
    /* IPv6: checksum 0 is invalid (RFC 8200 §8.1): dropped, counted. */
    inject_ip(&n, pkt, build_v6(pkt, sizeof pkt, "fdaa::1", "fdaa::100", 17, udp, ul));
    netsim_settle(&n);
    assert_false(tapir_udp_can_recv(&b.s));
    assert_int_equal(stats(&n.b)->drops[TAPIR_DROP_UDP_MALFORMED], 1);
    /* The same with its checksum is delivered; a wrong one is dropped. */
    struct tapir_pseudo_header ph = ph_of("fdaa::1", "fdaa::100");
    ul = build_udp(udp, &ph, 1234, 4000, 100);
    inject_ip(&n, pkt, build_v6(pkt, sizeof pkt, "fdaa::1", "fdaa::100", 17, udp, ul));
    netsim_settle(&n);
    expect_pattern(&b, "fdaa::1", 1234, 100, 9, NULL);
    udp[20] ^= 1;
    inject_ip(&n, pkt, build_v6(pkt, sizeof pkt, "fdaa::1", "fdaa::100", 17, udp, ul));
    ph = ph_of("192.168.69.1", "192.168.69.100");
    ul = build_udp(udp, &ph, 1234, 4000, 100);
    udp[30] ^= 0x80;
    inject_ip(&n, pkt, build_v4(pkt, sizeof pkt, "192.168.69.1", "192.168.69.100", 17, udp, ul));
    /* Too short for its length field. */
    inject_ip(&n, pkt, build_v4(pkt, sizeof pkt, "192.168.69.1", "192.168.69.100", 17, udp, 7));
    netsim_settle(&n);
    assert_false(tapir_udp_can_recv(&b.s));
    assert_int_equal(stats(&n.b)->drops[TAPIR_DROP_UDP_MALFORMED], 4);
    assert_int_equal(stats(&n.b)->drops[TAPIR_DROP_NO_SOCKET], 0);
    usock_close(&b);
    netsim_free(&n);
}

static void test_raw(void **state)
{
    (void)state;
    static struct netsim n;
    netsim_init(&n, NULL, 0);
    netsim_settle(&n);
    static uint8_t arx[QLEN], atx[QLEN], brx[QLEN], btx[QLEN], crx[QLEN], ctx[QLEN];
    struct tapir_raw_socket ra, rb, rc;
    assert_int_equal(tapir_raw_socket_init(&ra, TAPIR_IP_V4, 253, arx, QLEN, atx, QLEN), 0);
    assert_int_equal(tapir_raw_socket_init(&rb, TAPIR_IP_V4, 253, brx, QLEN, btx, QLEN), 0);
    assert_int_equal(tapir_raw_socket_init(&rc, TAPIR_IP_V6, 44, crx, QLEN, ctx, QLEN),
                     TAPIR_EINVAL);
    tapir_iface_add_socket(&n.a.iface, &ra.link);
    tapir_iface_add_socket(&n.b.iface, &rb.link);

    /* A 253 datagram (RFC 3692 experimental), 3000 bytes so it is fragmented. */
    static uint8_t data[3000], buf[4000];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = pattern(i, 4);
    struct tapir_ip_addr b4 = netsim_ip("192.168.69.100"), a4 = netsim_ip("192.168.69.1");
    struct tapir_ip_addr b6 = netsim_ip("fdaa::100");
    assert_int_equal(tapir_raw_send(&ra, &b6, data, 10), TAPIR_EINVAL);
    assert_int_equal(tapir_raw_send(&ra, &b4, data, sizeof data), 3000);
    netsim_settle(&n);
    struct tapir_raw_meta m;
    assert_int_equal(tapir_raw_recv(&rb, &m, buf, sizeof buf), 3000);
    assert_memory_equal(buf, data, 3000);
    assert_true(tapir_ip_equal(&m.src, &a4));
    assert_true(tapir_ip_equal(&m.dst, &b4));
    assert_int_equal(m.protocol, 253);
    assert_int_equal(m.ttl, 64);
    assert_int_equal(m.received_at, n.clock.now_us);
    assert_int_equal(tapir_raw_recv(&rb, &m, buf, sizeof buf), TAPIR_EAGAIN);
    /* Taken by a socket: no protocol unreachable. */
    assert_int_equal(stats(&n.b)->drops[TAPIR_DROP_UNKNOWN_PROTOCOL], 0);
    assert_int_equal(stats(&n.b)->icmp_errors_sent, 0);
    assert_int_equal(tapir_raw_stats(&ra)->datagrams_sent, 1);
    assert_int_equal(tapir_raw_stats(&rb)->bytes_received, 3000);

    /* IPv6 253 to B, which has no IPv6 raw socket: parameter problem, as before. */
    static uint8_t c6rx[QLEN], c6tx[QLEN];
    struct tapir_raw_socket r6;
    assert_int_equal(tapir_raw_socket_init(&r6, TAPIR_IP_V6, 253, c6rx, QLEN, c6tx, QLEN), 0);
    tapir_iface_add_socket(&n.a.iface, &r6.link);
    struct tapir_raw_send_opts o = {.ttl = 9};
    assert_int_equal(tapir_raw_send_opts(&r6, &b6, data, 100, &o), 100);
    netsim_settle(&n);
    assert_int_equal(stats(&n.b)->drops[TAPIR_DROP_UNKNOWN_PROTOCOL], 1);
    assert_false(tapir_raw_can_recv(&rb));

    /* A raw socket for UDP gets copies while the UDP socket is served. */
    static uint8_t urx[QLEN], utx[QLEN];
    struct tapir_raw_socket ru;
    assert_int_equal(tapir_raw_socket_init(&ru, TAPIR_IP_V4, 17, urx, QLEN, utx, QLEN), 0);
    tapir_iface_add_socket(&n.b.iface, &ru.link);
    struct usock ua, ub;
    usock_open(&ua, &n.a);
    usock_open(&ub, &n.b);
    usock_bind(&ua, NULL, 0);
    usock_bind(&ub, NULL, 4000);
    send_pattern(&ua, "192.168.69.100", 4000, 100, 1);
    netsim_settle(&n);
    expect_pattern(&ub, "192.168.69.1", ua.s.local_port, 100, 1, NULL);
    assert_int_equal(tapir_raw_recv(&ru, &m, buf, sizeof buf), 108);
    assert_int_equal(buf[2] << 8 | buf[3], 4000);
    assert_int_equal(m.protocol, 17);
    tapir_iface_remove_socket(&n.b.iface, &ru.link);
    usock_close(&ua);
    usock_close(&ub);
    netsim_free(&n);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bind),       cmocka_unit_test(test_send_recv),
        cmocka_unit_test(test_broadcast),  cmocka_unit_test(test_multicast),
        cmocka_unit_test(test_fragmented), cmocka_unit_test(test_rx_full),
        cmocka_unit_test(test_icmp),       cmocka_unit_test(test_checksum),
        cmocka_unit_test(test_raw),
    };
    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
