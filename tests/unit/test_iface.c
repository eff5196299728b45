/* Two stacks on the in-memory pair with a virtual clock: ARP and NDP resolution, expiry
 * and re-request, the queued packet, ping under injected loss counted exactly, IPv4 and
 * IPv6 fragmentation and reassembly (in order, reversed, overlapping, too many, oversize,
 * timeout), and the ICMP errors a host owes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "netsim.h"
#include "tapir/error.h"
#include "tapir/socket/icmp.h"
#include "tapir/wire/ethernet.h"
#include "tapir/wire/icmpv4.h"
#include "tapir/wire/icmpv6.h"
#include "tapir/wire/ipv4.h"
#include "tapir/wire/ipv6.h"
#include "tapir/wire/udp.h"

#define QLEN (1 << 20)

struct pinger {
    struct tapir_icmp_socket sock;
    uint8_t *rx, *tx;
};

static void pinger_open(struct pinger *p, struct netsim_node *node, enum tapir_ip_version v)
{
    p->rx = malloc(QLEN);
    p->tx = malloc(QLEN);
    assert_int_equal(tapir_icmp_socket_init(&p->sock, v, 0x4242, p->rx, QLEN, p->tx, QLEN), 0);
    tapir_iface_add_socket(&node->iface, &p->sock.link);
}

static void pinger_close(struct pinger *p, struct netsim_node *node)
{
    tapir_iface_remove_socket(&node->iface, &p->sock.link);
    free(p->rx);
    free(p->tx);
}

static uint8_t pattern(size_t i, uint16_t seq)
{
    return (uint8_t)(i * 31 + seq);
}

static void send_ping(struct pinger *p, const char *dst, uint16_t seq, size_t len)
{
    uint8_t *data = malloc(len ? len : 1);
    for (size_t i = 0; i < len; i++)
        data[i] = pattern(i, seq);
    struct tapir_ip_addr d = netsim_ip(dst);
    assert_int_equal(tapir_icmp_send_echo(&p->sock, &d, seq, data, len), 0);
    free(data);
}

/* Takes one message; asserts it is the echo reply `seq` with the exact data sent. */
static void expect_reply(struct pinger *p, uint16_t seq, size_t len)
{
    static uint8_t buf[70000];
    struct tapir_icmp_meta m;
    int n = tapir_icmp_recv(&p->sock, &m, buf, sizeof buf);
    assert_int_equal(n, (int)len);
    assert_int_equal(m.type, p->sock.version == TAPIR_IP_V4 ? 0 : 129);
    assert_int_equal(m.seq, seq);
    assert_int_equal(m.ident, 0x4242);
    assert_int_equal(m.ttl, 64);
    for (size_t i = 0; i < len; i++)
        if (buf[i] != pattern(i, seq))
            fail_msg("reply byte %zu is %#x, sent %#x", i, buf[i], pattern(i, seq));
}

static const struct tapir_iface_stats *stats(struct netsim_node *node)
{
    return tapir_iface_stats(&node->iface);
}

static void test_arp_resolution_expiry_and_rerequest(void **state)
{
    (void)state;
    static struct netsim n;
    netsim_init(&n, NULL, 0);
    netsim_settle(&n); /* the announcements of both stacks */
    struct pinger p;
    pinger_open(&p, &n.a, TAPIR_IP_V4);
    uint64_t req0 = stats(&n.a)->arp_requests_sent;
    uint64_t breq0 = stats(&n.b)->arp_requests_sent;

    /* The request waits in the neighbour queue and goes out when ARP answers. */
    send_ping(&p, "192.168.69.100", 1, 56);
    netsim_settle(&n);
    assert_int_equal(stats(&n.a)->arp_requests_sent - req0, 1);
    assert_int_equal(stats(&n.b)->arp_replies_sent, 1);
    assert_int_equal(stats(&n.b)->echo_replies_sent, 1);
    /* B learned A from A's request: its reply needed no ARP of its own. */
    assert_int_equal(stats(&n.b)->arp_requests_sent - breq0, 0);
    expect_reply(&p, 1, 56);

    struct tapir_ip_addr b = netsim_ip("192.168.69.100");
    struct tapir_mac_addr mac;
    assert_int_equal(tapir_iface_neighbor(&n.a.iface, &b, &mac), 1);
    assert_memory_equal(mac.bytes, "\x02\x00\x00\x00\x00\x02", 6);

    /* Within the lifetime no new request; after it, the entry is gone and the next
     * packet asks again. */
    n.clock.now_us += 30 * TAPIR_US_PER_S;
    send_ping(&p, "192.168.69.100", 2, 56);
    netsim_settle(&n);
    expect_reply(&p, 2, 56);
    assert_int_equal(stats(&n.a)->arp_requests_sent - req0, 1);
    netsim_advance(&n, 61 * TAPIR_US_PER_S);
    assert_int_equal(tapir_iface_neighbor(&n.a.iface, &b, &mac), TAPIR_EINVAL);
    send_ping(&p, "192.168.69.100", 3, 56);
    netsim_settle(&n);
    expect_reply(&p, 3, 56);
    assert_int_equal(stats(&n.a)->arp_requests_sent - req0, 2);
    pinger_close(&p, &n.a);
    netsim_free(&n);
}

static void test_ndp_resolution(void **state)
{
    (void)state;
    static struct netsim n;
    netsim_init(&n, NULL, 0);
    netsim_settle(&n);
    struct pinger p;
    pinger_open(&p, &n.a, TAPIR_IP_V6);
    uint64_t ns0 = stats(&n.a)->ndp_solicits_sent;
    uint64_t na0 = stats(&n.b)->ndp_adverts_sent;
    send_ping(&p, "fdaa::100", 1, 100);
    netsim_settle(&n);
    assert_int_equal(stats(&n.a)->ndp_solicits_sent - ns0, 1);
    assert_int_equal(stats(&n.b)->ndp_adverts_sent - na0, 1);
    expect_reply(&p, 1, 100);
    struct tapir_ip_addr b = netsim_ip("fdaa::100");
    assert_int_equal(tapir_iface_neighbor(&n.a.iface, &b, NULL), 1);
    netsim_advance(&n, 61 * TAPIR_US_PER_S);
    assert_int_equal(tapir_iface_neighbor(&n.a.iface, &b, NULL), TAPIR_EINVAL);
    send_ping(&p, "fdaa::100", 2, 100);
    netsim_settle(&n);
    expect_reply(&p, 2, 100);
    assert_int_equal(stats(&n.a)->ndp_solicits_sent - ns0, 2);
    pinger_close(&p, &n.a);
    netsim_free(&n);
}

/* Nobody owns .77: three requests a second apart, then the queued packet is dropped;
 * a second packet queued behind the first replaces it. */
static void test_unresolved_neighbor(void **state)
{
    (void)state;
    static struct netsim n;
    netsim_init(&n, NULL, 0);
    netsim_settle(&n);
    struct pinger p;
    pinger_open(&p, &n.a, TAPIR_IP_V4);
    uint64_t req0 = stats(&n.a)->arp_requests_sent;
    send_ping(&p, "192.168.69.77", 1, 8);
    netsim_settle(&n);
    send_ping(&p, "192.168.69.77", 2, 8);
    netsim_settle(&n);
    assert_int_equal(stats(&n.a)->drops[TAPIR_DROP_NEIGHBOR_REPLACED], 0); /* both wait */
    assert_int_equal(stats(&n.a)->arp_requests_sent - req0, 1);            /* rate-limited */
    netsim_advance(&n, 999 * TAPIR_US_PER_MS);
    assert_int_equal(stats(&n.a)->arp_requests_sent - req0, 1);
    netsim_advance(&n, 1 * TAPIR_US_PER_MS);
    assert_int_equal(stats(&n.a)->arp_requests_sent - req0, 2);
    netsim_advance(&n, 5 * TAPIR_US_PER_S);
    assert_int_equal(stats(&n.a)->arp_requests_sent - req0, 3);
    assert_int_equal(stats(&n.a)->drops[TAPIR_DROP_NEIGHBOR_FAILED], 2);
    assert_false(tapir_icmp_can_recv(&p.sock));
    pinger_close(&p, &n.a);
    netsim_free(&n);
}

/* A burst sent before the neighbour answers waits in order and leaves once it does: ten
 * pings, ten replies in sequence, nothing dropped (RFC 1122 §2.3.2.2 asks only for the
 * newest; a program sending several datagrams at once loses none). Beyond
 * TAPIR_NEIGHBOR_QUEUE_MAX for one neighbour its oldest give way, one each. */
static void test_neighbor_queue_burst(void **state)
{
    (void)state;
    static struct netsim n;
    netsim_init(&n, NULL, 0);
    netsim_settle(&n);
    struct pinger p;
    pinger_open(&p, &n.a, TAPIR_IP_V4);
    uint64_t req0 = stats(&n.a)->arp_requests_sent;
    for (uint16_t seq = 1; seq <= 10; seq++)
        send_ping(&p, "192.168.69.100", seq, 100);
    tapir_iface_poll(&n.a.iface, n.clock.now_us); /* all ten queued, one ARP request */
    assert_int_equal(stats(&n.a)->arp_requests_sent - req0, 1);
    assert_int_equal(
        tapir_iface_neighbor(
            &n.a.iface, &(struct tapir_ip_addr){.version = 4, .v4 = {{192, 168, 69, 100}}}, NULL),
        0);
    netsim_settle(&n);
    for (uint16_t seq = 1; seq <= 10; seq++)
        expect_reply(&p, seq, 100);
    assert_false(tapir_icmp_can_recv(&p.sock));
    assert_int_equal(stats(&n.a)->drops[TAPIR_DROP_NEIGHBOR_REPLACED], 0);

    /* IPv6, past the cap: 40 to an unresolved neighbour, the first 8 give way. */
    struct pinger p6;
    pinger_open(&p6, &n.a, TAPIR_IP_V6);
    for (uint16_t seq = 1; seq <= TAPIR_NEIGHBOR_QUEUE_MAX + 8; seq++)
        send_ping(&p6, "fdaa::100", seq, 8);
    netsim_settle(&n);
    assert_int_equal(stats(&n.a)->drops[TAPIR_DROP_NEIGHBOR_REPLACED], 8);
    for (uint16_t seq = 9; seq <= TAPIR_NEIGHBOR_QUEUE_MAX + 8; seq++)
        expect_reply(&p6, seq, 8);
    assert_false(tapir_icmp_can_recv(&p6.sock));
    pinger_close(&p6, &n.a);
    pinger_close(&p, &n.a);
    netsim_free(&n);
}

/* Loss injected on A's side, in both directions: every lost request or reply is one
 * missing reply, no more, no less. */
static void test_ping_under_loss(void **state)
{
    (void)state;
    static struct netsim n;
    struct tapir_fault_options fo;
    memset(&fo, 0, sizeof fo);
    fo.seed = 7;
    netsim_init(&n, &fo, 0);
    struct pinger p;
    pinger_open(&p, &n.a, TAPIR_IP_V4);
    send_ping(&p, "192.168.69.100", 0, 8); /* resolve both ways before the loss starts */
    netsim_settle(&n);
    expect_reply(&p, 0, 8);

    n.fault.tx.opt.drop_pct = 20;
    n.fault.rx.opt.drop_pct = 10;
    uint64_t tx0 = n.fault.tx.counters.dropped, rx0 = n.fault.rx.counters.dropped;
    const unsigned count = 400;
    unsigned replies = 0;
    for (unsigned seq = 1; seq <= count; seq++) {
        send_ping(&p, "192.168.69.100", (uint16_t)seq, 32);
        netsim_settle(&n);
        while (tapir_icmp_can_recv(&p.sock)) {
            struct tapir_icmp_meta m;
            uint8_t buf[64];
            assert_int_equal(tapir_icmp_recv(&p.sock, &m, buf, sizeof buf), 32);
            replies++;
        }
    }
    uint64_t lost = (n.fault.tx.counters.dropped - tx0) + (n.fault.rx.counters.dropped - rx0);
    assert_true(lost > 40); /* the faults really happened */
    assert_int_equal(replies, count - lost);
    assert_int_equal(stats(&n.b)->echo_replies_sent,
                     1 + count - (n.fault.tx.counters.dropped - tx0));
    pinger_close(&p, &n.a);
    netsim_free(&n);
}

static void test_fragmented_ping(void **state)
{
    (void)state;
    static struct netsim n;
    netsim_init(&n, NULL, 0);
    netsim_settle(&n);
    struct pinger p4, p6;
    pinger_open(&p4, &n.a, TAPIR_IP_V4);
    send_ping(&p4, "192.168.69.100", 1, 8000);
    netsim_settle(&n);
    expect_reply(&p4, 1, 8000);
    /* 8028 bytes of IP payload in 1480-byte pieces: 6 fragments each way. */
    assert_int_equal(stats(&n.a)->fragments_sent, 6);
    assert_int_equal(stats(&n.b)->fragments_sent, 6);
    assert_int_equal(stats(&n.a)->reassembled, 1);
    assert_int_equal(stats(&n.b)->reassembled, 1);
    /* The largest echo there is: 65507 bytes of data. */
    send_ping(&p4, "192.168.69.100", 2, 65507);
    netsim_settle(&n);
    expect_reply(&p4, 2, 65507);
    pinger_close(&p4, &n.a);

    pinger_open(&p6, &n.a, TAPIR_IP_V6);
    send_ping(&p6, "fdaa::100", 1, 3000);
    netsim_settle(&n);
    expect_reply(&p6, 1, 3000);
    /* 3008 bytes in 1448-byte pieces: 3 fragments each way. */
    assert_int_equal(stats(&n.a)->fragments_sent, 6 + 45 + 3);
    assert_int_equal(stats(&n.b)->reassembled, 3);
    pinger_close(&p6, &n.a);
    netsim_free(&n);
}

/* tapir_iface_set_mtu(): 68 up to the starting MTU; what is sent afterwards is fragmented
 * to it (a 1200-byte ping at MTU 1000: two fragments each way, since B's reply goes out
 * at B's own 1500), and back to 1500 nothing is fragmented. */
static void test_set_mtu(void **state)
{
    (void)state;
    static struct netsim n;
    netsim_init(&n, NULL, 0);
    netsim_settle(&n);
    struct tapir_iface *a = &n.a.iface;
    assert_int_equal(tapir_iface_mtu(a), 1500);
    assert_int_equal(tapir_iface_set_mtu(a, 67), TAPIR_EINVAL);
    assert_int_equal(tapir_iface_set_mtu(a, 1501), TAPIR_EINVAL);
    assert_int_equal(tapir_iface_mtu(a), 1500);
    assert_int_equal(tapir_iface_set_mtu(a, 1000), 0);
    assert_int_equal(tapir_iface_mtu(a), 1000);
    struct pinger p4;
    pinger_open(&p4, &n.a, TAPIR_IP_V4);
    send_ping(&p4, "192.168.69.100", 1, 1200);
    netsim_settle(&n);
    expect_reply(&p4, 1, 1200);
    /* 1208 bytes of ICMP: 976 + 232 from A; B, at 1500, replies in one piece. */
    assert_int_equal(stats(&n.a)->fragments_sent, 2);
    assert_int_equal(stats(&n.b)->fragments_sent, 0);
    assert_int_equal(stats(&n.b)->reassembled, 1);
    assert_int_equal(tapir_iface_set_mtu(a, 1500), 0);
    send_ping(&p4, "192.168.69.100", 2, 1200);
    netsim_settle(&n);
    expect_reply(&p4, 2, 1200);
    assert_int_equal(stats(&n.a)->fragments_sent, 2);
    pinger_close(&p4, &n.a);
    netsim_free(&n);
}

/* ---- hand-made frames injected into B from A's end of the pair ---- */

static void inject(struct netsim *n, const uint8_t *frame, size_t len)
{
    struct tapir_frame f;
    memset(&f, 0, sizeof f);
    f.data = (uint8_t *)(uintptr_t)frame;
    f.cap = f.len = len;
    assert_int_equal(tapir_device_tx(&n->pair.a.dev, &f, 1), 1);
}

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
    inject(n, frame, (size_t)fl);
}

/* An ICMP echo request of `len` data bytes, as the IP payload in `out`. */
static size_t echo_v4(uint8_t *out, size_t len)
{
    uint8_t data[4096];
    for (size_t i = 0; i < len; i++)
        data[i] = (uint8_t)i;
    struct tapir_icmpv4_repr icmp = {
        .type = TAPIR_ICMPV4_ECHO_REQUEST, .ident = 9, .seq = 1, .data = data, .data_len = len};
    int n = tapir_icmpv4_emit(&icmp, out, 8 + len);
    assert_int_equal(n, (int)(8 + len));
    return (size_t)n;
}

/* Send payload[off, off+len) as an IPv4 fragment from A to B. */
static void frag_v4(struct netsim *n, uint16_t ident, const uint8_t *payload, size_t off,
                    size_t len, bool more)
{
    uint8_t pkt[2048];
    struct tapir_ipv4_repr ip;
    memset(&ip, 0, sizeof ip);
    tapir_ipv4_addr_parse("192.168.69.1", &ip.src);
    tapir_ipv4_addr_parse("192.168.69.100", &ip.dst);
    ip.protocol = TAPIR_IP_PROTO_ICMP;
    ip.ttl = 64;
    ip.ident = ident;
    ip.frag_offset = (uint16_t)off;
    ip.more_frags = more;
    ip.payload = payload + off;
    ip.payload_len = len;
    int pl = tapir_ipv4_emit(&ip, pkt, sizeof pkt);
    assert_true(pl > 0);
    inject_ip(n, pkt, (size_t)pl);
}

static void test_ipv4_reassembly_cases(void **state)
{
    (void)state;
    static struct netsim n;
    netsim_init(&n, NULL, 0);
    netsim_settle(&n);
    uint8_t msg[4096];
    size_t len = echo_v4(msg, 2392); /* 2400 bytes: three 800-byte fragments */
    const struct tapir_iface_stats *b = stats(&n.b);

    frag_v4(&n, 1, msg, 0, 800, true); /* in order */
    frag_v4(&n, 1, msg, 800, 800, true);
    frag_v4(&n, 1, msg, 1600, len - 1600, false);
    netsim_settle(&n);
    assert_int_equal(b->reassembled, 1);
    assert_int_equal(b->echo_replies_sent, 1);

    frag_v4(&n, 2, msg, 1600, len - 1600, false); /* reversed */
    frag_v4(&n, 2, msg, 800, 800, true);
    frag_v4(&n, 2, msg, 0, 800, true);
    netsim_settle(&n);
    assert_int_equal(b->reassembled, 2);
    assert_int_equal(b->echo_replies_sent, 2);

    frag_v4(&n, 3, msg, 0, 800, true); /* overlapping: the datagram is discarded */
    frag_v4(&n, 3, msg, 1600, len - 1600, false);
    frag_v4(&n, 3, msg, 792, 808, true);
    netsim_settle(&n);
    assert_int_equal(b->drops[TAPIR_DROP_FRAG_OVERLAP], 1);
    assert_int_equal(b->echo_replies_sent, 2);

    for (unsigned i = 0; i <= TAPIR_REASM_MAX_FRAGS; i++) /* too many */
        frag_v4(&n, 4, msg, 8 * i, 8, true);
    netsim_settle(&n);
    assert_int_equal(b->drops[TAPIR_DROP_FRAG_TOO_MANY], 1);

    static uint8_t big[65536 + 64];
    /* Ends at 65528: a valid fragment on the wire, but with the 20-byte header the
     * datagram would exceed 65535. */
    frag_v4(&n, 5, big, 65512, 16, false);
    netsim_settle(&n);
    assert_int_equal(b->drops[TAPIR_DROP_FRAG_OVERSIZE], 1);

    /* Only the first fragment: after the reassembly timeout the datagram is dropped and
     * the sender told (ICMP time exceeded, code 1, RFC 792). */
    uint64_t err0 = b->icmp_errors_sent;
    frag_v4(&n, 6, msg, 0, 800, true);
    netsim_settle(&n);
    netsim_advance(&n, 29 * TAPIR_US_PER_S);
    assert_int_equal(b->drops[TAPIR_DROP_FRAG_TIMEOUT], 0);
    netsim_advance(&n, 2 * TAPIR_US_PER_S);
    assert_int_equal(b->drops[TAPIR_DROP_FRAG_TIMEOUT], 1);
    assert_int_equal(b->icmp_errors_sent - err0, 1);
    netsim_free(&n);
}

/* The last frame stack A received (its interface trace hook). */
struct last_frame {
    uint8_t frame[2048];
    size_t len;
};

static void keep_last_rx(void *ctx, enum tapir_trace_dir dir, const uint8_t *frame, size_t len,
                         enum tapir_medium medium)
{
    (void)medium;
    struct last_frame *l = ctx;
    if (dir != TAPIR_TRACE_RX || len > sizeof l->frame)
        return;
    memcpy(l->frame, frame, len);
    l->len = len;
}

static void frag_v6(struct netsim *n, uint32_t ident, const uint8_t *payload, size_t off,
                    size_t len, bool more)
{
    uint8_t pkt[2048], fh[8];
    struct tapir_ipv6_frag_header f = {
        .next_header = 58, .offset = (uint16_t)off, .more = more, .ident = ident};
    assert_int_equal(tapir_ipv6_frag_emit(&f, fh, sizeof fh), 8);
    struct tapir_ipv6_repr ip;
    memset(&ip, 0, sizeof ip);
    tapir_ipv6_addr_parse("fdaa::1", &ip.src);
    tapir_ipv6_addr_parse("fdaa::100", &ip.dst);
    ip.next_header = 44;
    ip.hop_limit = 64;
    ip.ext = fh;
    ip.ext_len = 8;
    ip.payload = payload + off;
    ip.payload_len = len;
    int pl = tapir_ipv6_emit(&ip, pkt, sizeof pkt);
    assert_true(pl > 0);
    inject_ip(n, pkt, (size_t)pl);
}

static void test_ipv6_reassembly_cases(void **state)
{
    (void)state;
    static struct netsim n;
    netsim_init(&n, NULL, 0);
    netsim_settle(&n);
    uint8_t data[2400], msg[2408];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)i;
    struct tapir_icmpv6_repr icmp = {.type = TAPIR_ICMPV6_ECHO_REQUEST,
                                     .rest = tapir_icmpv6_echo_rest(9, 1),
                                     .data = data,
                                     .data_len = sizeof data};
    struct tapir_pseudo_header ph = {.protocol = 58};
    ph.src = netsim_ip("fdaa::1");
    ph.dst = netsim_ip("fdaa::100");
    assert_int_equal(tapir_icmpv6_emit(&icmp, &ph, msg, sizeof msg), (int)sizeof msg);
    const struct tapir_iface_stats *b = stats(&n.b);

    frag_v6(&n, 1, msg, 0, 1200, true);
    frag_v6(&n, 1, msg, 1200, sizeof msg - 1200, false);
    netsim_settle(&n);
    assert_int_equal(b->reassembled, 1);
    assert_int_equal(b->echo_replies_sent, 1);

    frag_v6(&n, 2, msg, 1200, sizeof msg - 1200, false);
    frag_v6(&n, 2, msg, 0, 1200, true);
    netsim_settle(&n);
    assert_int_equal(b->echo_replies_sent, 2);

    frag_v6(&n, 3, msg, 0, 1200, true); /* RFC 5722: overlap discards the datagram */
    frag_v6(&n, 3, msg, 1192, sizeof msg - 1192, false);
    netsim_settle(&n);
    assert_int_equal(b->drops[TAPIR_DROP_FRAG_OVERLAP], 1);
    assert_int_equal(b->echo_replies_sent, 2);

    for (unsigned i = 0; i <= TAPIR_REASM_MAX_FRAGS; i++)
        frag_v6(&n, 4, msg, 8 * i, 8, true);
    netsim_settle(&n);
    assert_int_equal(b->drops[TAPIR_DROP_FRAG_TOO_MANY], 1);

    static uint8_t big[65536 + 64];
    frag_v6(&n, 5, big, 65528, 16, false);
    netsim_settle(&n);
    assert_int_equal(b->drops[TAPIR_DROP_FRAG_OVERSIZE], 1);

    /* Only a later fragment: after the timeout the datagram is dropped, nobody told. */
    uint64_t err0 = b->icmp_errors_sent;
    frag_v6(&n, 7, msg, 1200, sizeof msg - 1200, false);
    netsim_settle(&n);
    netsim_advance(&n, 31 * TAPIR_US_PER_S);
    assert_int_equal(b->drops[TAPIR_DROP_FRAG_TIMEOUT], 1);
    assert_int_equal(b->icmp_errors_sent, err0);

    /* Only the first fragment: the sender gets an ICMPv6 Time Exceeded, code 1 (fragment
     * reassembly time exceeded, RFC 8200 §4.5), quoting that fragment: its IPv6 and
     * Fragment headers and as much of its data as fits in 1280 bytes. */
    static struct last_frame seen;
    memset(&seen, 0, sizeof seen);
    n.a.iface.cfg.trace = keep_last_rx;
    n.a.iface.cfg.trace_ctx = &seen;
    frag_v6(&n, 6, msg, 0, 1200, true);
    netsim_settle(&n);
    netsim_advance(&n, 29 * TAPIR_US_PER_S);
    assert_int_equal(b->drops[TAPIR_DROP_FRAG_TIMEOUT], 1);
    netsim_advance(&n, 2 * TAPIR_US_PER_S);
    assert_int_equal(b->drops[TAPIR_DROP_FRAG_TIMEOUT], 2);
    assert_int_equal(b->icmp_errors_sent - err0, 1);
    struct tapir_eth_repr eth;
    assert_int_equal(tapir_eth_parse(seen.frame, seen.len, &eth), 0);
    struct tapir_ipv6_repr ip6;
    assert_int_equal(tapir_ipv6_parse(eth.payload, eth.payload_len, &ip6), 0);
    assert_int_equal(ip6.upper_protocol, 58);
    assert_int_equal(eth.payload_len, 1280); /* the minimum MTU, filled */
    struct tapir_icmpv6_repr err;
    struct tapir_pseudo_header eph = {
        .protocol = 58, .src = netsim_ip("fdaa::100"), .dst = netsim_ip("fdaa::1")};
    assert_int_equal(tapir_icmpv6_parse(ip6.payload, ip6.payload_len, &eph, &err), 0);
    assert_int_equal(err.type, 3);
    assert_int_equal(err.code, 1);
    /* The quote: the fragment's 40 + 8 header bytes (ident 6, offset 0, M set), then its
     * data from the start. */
    assert_int_equal(err.data_len, 1280 - 48);
    assert_int_equal(err.data[6], 44);
    assert_int_equal(err.data[40], 58);
    assert_int_equal(err.data[43] & 1, 1);
    assert_int_equal(err.data[47], 6);
    assert_memory_equal(err.data + 48, msg, 1280 - 48 - 48);
    netsim_free(&n);
}

static void send_udp_v4(struct netsim *n, const char *dst, uint16_t port)
{
    uint8_t pkt[128];
    struct tapir_udp_repr udp = {
        .src_port = 40000, .dst_port = port, .payload = (const uint8_t *)"hello", .payload_len = 5};
    struct tapir_pseudo_header ph = {.protocol = 17};
    ph.src = netsim_ip("192.168.69.1");
    ph.dst = netsim_ip(dst);
    int ul = tapir_udp_emit(&udp, &ph, pkt + 20, sizeof pkt - 20);
    assert_true(ul > 0);
    struct tapir_ipv4_repr ip;
    memset(&ip, 0, sizeof ip);
    ip.src = ph.src.v4;
    ip.dst = ph.dst.v4;
    ip.protocol = 17;
    ip.ttl = 64;
    ip.payload = NULL; /* already at pkt + 20 */
    ip.payload_len = (size_t)ul;
    int pl = tapir_ipv4_emit(&ip, pkt, sizeof pkt);
    assert_true(pl > 0);
    inject_ip(n, pkt, (size_t)pl);
}

/* UDP to a closed port: port unreachable, rate limited to a burst of 10. Echo to an
 * address B does not own, and to broadcast: no answer. An unknown protocol: protocol
 * unreachable. */
/* RFC 8200 §4.4: an echo request carrying a Routing header (an unknown type, 253) is
 * answered when Segments Left is 0 (the header is ignored) and, with Segments Left 1,
 * discarded with a Parameter Problem, code 0, pointing at the Routing Type (byte 42). */
static void test_ipv6_routing_header(void **state)
{
    (void)state;
    static struct netsim n;
    netsim_init(&n, NULL, 0);
    netsim_settle(&n);
    static struct last_frame seen;
    memset(&seen, 0, sizeof seen);
    n.a.iface.cfg.trace = keep_last_rx;
    n.a.iface.cfg.trace_ctx = &seen;
    const struct tapir_iface_stats *b = stats(&n.b);
    uint8_t data[32], msg[40];
    memset(data, 0x5a, sizeof data);
    struct tapir_icmpv6_repr icmp = {.type = TAPIR_ICMPV6_ECHO_REQUEST,
                                     .rest = tapir_icmpv6_echo_rest(9, 1),
                                     .data = data,
                                     .data_len = sizeof data};
    struct tapir_pseudo_header ph = {.protocol = 58};
    ph.src = netsim_ip("fdaa::1");
    ph.dst = netsim_ip("fdaa::100");
    assert_int_equal(tapir_icmpv6_emit(&icmp, &ph, msg, sizeof msg), (int)sizeof msg);
    for (uint8_t left = 0; left < 2; left++) {
        /* Next Header 58, length 0 (8 bytes), Routing Type 253, Segments Left, reserved. */
        const uint8_t rh[8] = {58, 0, 253, left, 0, 0, 0, 0};
        struct tapir_ipv6_repr ip;
        memset(&ip, 0, sizeof ip);
        ip.src = ph.src.v6;
        ip.dst = ph.dst.v6;
        ip.next_header = 43;
        ip.hop_limit = 64;
        ip.ext = rh;
        ip.ext_len = sizeof rh;
        ip.payload = msg;
        ip.payload_len = sizeof msg;
        uint8_t pkt[128];
        int pl = tapir_ipv6_emit(&ip, pkt, sizeof pkt);
        assert_true(pl > 0);
        uint64_t replies = b->echo_replies_sent, errors = b->icmp_errors_sent;
        inject_ip(&n, pkt, (size_t)pl);
        netsim_settle(&n);
        assert_int_equal(b->echo_replies_sent - replies, left == 0 ? 1 : 0);
        assert_int_equal(b->icmp_errors_sent - errors, left == 0 ? 0 : 1);
        struct tapir_eth_repr eth;
        assert_int_equal(tapir_eth_parse(seen.frame, seen.len, &eth), 0);
        struct tapir_ipv6_repr back;
        assert_int_equal(tapir_ipv6_parse(eth.payload, eth.payload_len, &back), 0);
        struct tapir_icmpv6_repr r;
        struct tapir_pseudo_header bph = {
            .protocol = 58, .src = netsim_ip("fdaa::100"), .dst = netsim_ip("fdaa::1")};
        assert_int_equal(tapir_icmpv6_parse(back.payload, back.payload_len, &bph, &r), 0);
        if (left == 0) {
            assert_int_equal(r.type, TAPIR_ICMPV6_ECHO_REPLY);
        } else {
            assert_int_equal(r.type, 4);
            assert_int_equal(r.code, 0);
            assert_int_equal(r.rest, 42); /* the pointer */
            assert_int_equal(r.data_len, (size_t)pl);
            assert_memory_equal(r.data, pkt, (size_t)pl);
        }
    }
    netsim_free(&n);
}

static void test_icmp_errors_and_filters(void **state)
{
    (void)state;
    static struct netsim n;
    netsim_init(&n, NULL, 0);
    netsim_settle(&n);
    const struct tapir_iface_stats *b = stats(&n.b);
    for (int i = 0; i < 20; i++)
        send_udp_v4(&n, "192.168.69.100", 9);
    netsim_settle(&n);
    assert_int_equal(b->drops[TAPIR_DROP_NO_SOCKET], 20);
    assert_int_equal(b->icmp_errors_sent, 10);
    assert_int_equal(b->drops[TAPIR_DROP_ICMP_RATE_LIMITED], 10);
    /* One more token a 100 ms later. */
    n.clock.now_us += 100 * TAPIR_US_PER_MS;
    send_udp_v4(&n, "192.168.69.100", 9);
    netsim_settle(&n);
    assert_int_equal(b->icmp_errors_sent, 11);

    uint8_t msg[64], pkt[128];
    size_t ml = echo_v4(msg, 32);
    struct tapir_ipv4_repr ip;
    memset(&ip, 0, sizeof ip);
    tapir_ipv4_addr_parse("192.168.69.1", &ip.src);
    tapir_ipv4_addr_parse("192.168.69.55", &ip.dst);
    ip.protocol = TAPIR_IP_PROTO_ICMP;
    ip.ttl = 64;
    ip.payload = msg;
    ip.payload_len = ml;
    inject_ip(&n, pkt, (size_t)tapir_ipv4_emit(&ip, pkt, sizeof pkt));
    tapir_ipv4_addr_parse("192.168.69.255", &ip.dst);
    inject_ip(&n, pkt, (size_t)tapir_ipv4_emit(&ip, pkt, sizeof pkt));
    netsim_settle(&n);
    assert_int_equal(b->drops[TAPIR_DROP_IPV4_OTHER_HOST], 1);
    assert_int_equal(b->echo_replies_sent, 0);

    n.clock.now_us += 10 * TAPIR_US_PER_S; /* refill the ICMP token bucket */
    tapir_ipv4_addr_parse("192.168.69.100", &ip.dst);
    ip.protocol = 253; /* experimental (RFC 3692) */
    inject_ip(&n, pkt, (size_t)tapir_ipv4_emit(&ip, pkt, sizeof pkt));
    netsim_settle(&n);
    assert_int_equal(b->drops[TAPIR_DROP_UNKNOWN_PROTOCOL], 1);
    assert_int_equal(b->icmp_errors_sent, 12);
    netsim_free(&n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_arp_resolution_expiry_and_rerequest),
        cmocka_unit_test(test_ndp_resolution),
        cmocka_unit_test(test_unresolved_neighbor),
        cmocka_unit_test(test_neighbor_queue_burst),
        cmocka_unit_test(test_ping_under_loss),
        cmocka_unit_test(test_fragmented_ping),
        cmocka_unit_test(test_set_mtu),
        cmocka_unit_test(test_ipv4_reassembly_cases),
        cmocka_unit_test(test_ipv6_reassembly_cases),
        cmocka_unit_test(test_ipv6_routing_header),
        cmocka_unit_test(test_icmp_errors_and_filters),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
