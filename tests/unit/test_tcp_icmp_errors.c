/* ICMP and ICMPv6 errors for TCP (tcp_icmp.c; the rules in tapir/socket/tcp.h): soft
 * errors are recorded and never end a connection, and a connection attempt that then
 * times out reports them instead of TAPIR_ETIMEDOUT; protocol and port unreachable end a
 * connection attempt with TAPIR_ECONNREFUSED and are only recorded once synchronized; a
 * message quoting a sequence number not in flight is ignored and counted (RFC 5927 §4.1).
 *
 * Every message is a whole Ethernet frame made with the wire emitters and put on the pair
 * from the other side, as a router (192.168.69.254 / fdaa::fe) on the path would send it,
 * so the interface's parsing and demultiplexing are tested too. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tapir/wire/ethernet.h"
#include "tapir/wire/icmpv4.h"
#include "tapir/wire/icmpv6.h"
#include "tapir/wire/ipv4.h"
#include "tapir/wire/ipv6.h"
#include "tcp_timers_harness.h"

/* ctest-case: tcp_icmp_soft_established test_soft_established_* */
/* ctest-case: tcp_icmp_soft_syn_timeout test_soft_syn_sent_* */
/* ctest-case: tcp_icmp_hard_syn_sent test_hard_syn_sent_* */
/* ctest-case: tcp_icmp_hard_syn_received test_hard_syn_received */
/* ctest-case: tcp_icmp_hard_established test_hard_established_* */
/* ctest-case: tcp_icmp_out_of_window test_out_of_window */

#define V4 TAPIR_IP_V4
#define V6 TAPIR_IP_V6

static struct tt t;

static void put16(uint8_t *p, unsigned v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, v >> 16);
    put16(p + 2, v & 0xffff);
}

/* A router tells the sender of the TCP segment src:sport -> dst:dport with sequence
 * number `seq` that it could not deliver it: an ICMP (IPv4) or ICMPv6 error of `type` and
 * `code` quoting the segment's IP header and first 8 TCP bytes, sent through the pair to
 * whichever stack owns `src`, and the stacks settled. */
static void icmp_about(uint8_t type, uint8_t code, const struct tapir_ip_addr *src, uint16_t sport,
                       const struct tapir_ip_addr *dst, uint16_t dport, uint32_t seq)
{
    static uint8_t quote[48], msg[128], ip[256], frame[320];
    bool v6 = src->version == V6;
    bool to_b = tapir_ip_equal(src, &t.b_ip);
    struct netsim_node *to = to_b ? &t.n.b : &t.n.a, *other = to_b ? &t.n.a : &t.n.b;
    memset(quote, 0, sizeof quote);
    size_t qip = v6 ? 40 : 20;
    if (v6) {
        quote[0] = 0x60;
        put16(quote + 4, 20);
        quote[6] = TAPIR_IP_PROTO_TCP;
        quote[7] = 64;
        memcpy(quote + 8, src->v6.bytes, 16);
        memcpy(quote + 24, dst->v6.bytes, 16);
    } else {
        quote[0] = 0x45;
        put16(quote + 2, 40);
        quote[8] = 64;
        quote[9] = TAPIR_IP_PROTO_TCP;
        memcpy(quote + 12, src->v4.bytes, 4);
        memcpy(quote + 16, dst->v4.bytes, 4);
    }
    put16(quote + qip, sport);
    put16(quote + qip + 2, dport);
    put32(quote + qip + 4, seq);
    size_t qlen = qip + 8;

    struct tapir_ip_addr router = netsim_ip(v6 ? "fdaa::fe" : "192.168.69.254");
    int n, ipn;
    if (v6) {
        struct tapir_icmpv6_repr icmp;
        memset(&icmp, 0, sizeof icmp);
        icmp.type = type;
        icmp.code = code;
        icmp.data = quote;
        icmp.data_len = qlen;
        struct tapir_pseudo_header ph;
        memset(&ph, 0, sizeof ph);
        ph.src = router;
        ph.dst = *src;
        ph.protocol = TAPIR_IP_PROTO_ICMPV6;
        n = tapir_icmpv6_emit(&icmp, &ph, msg, sizeof msg);
        assert_true(n > 0);
        struct tapir_ipv6_repr r;
        memset(&r, 0, sizeof r);
        r.src = router.v6;
        r.dst = src->v6;
        r.hop_limit = 64;
        r.next_header = TAPIR_IP_PROTO_ICMPV6;
        r.payload = msg;
        r.payload_len = (size_t)n;
        ipn = tapir_ipv6_emit(&r, ip, sizeof ip);
    } else {
        struct tapir_icmpv4_repr icmp;
        memset(&icmp, 0, sizeof icmp);
        icmp.type = type;
        icmp.code = code;
        icmp.data = quote;
        icmp.data_len = qlen;
        n = tapir_icmpv4_emit(&icmp, msg, sizeof msg);
        assert_true(n > 0);
        struct tapir_ipv4_repr r;
        memset(&r, 0, sizeof r);
        r.src = router.v4;
        r.dst = src->v4;
        r.ttl = 64;
        r.protocol = TAPIR_IP_PROTO_ICMP;
        r.payload = msg;
        r.payload_len = (size_t)n;
        ipn = tapir_ipv4_emit(&r, ip, sizeof ip);
    }
    assert_true(ipn > 0);
    struct tapir_eth_repr e;
    memset(&e, 0, sizeof e);
    e.dst = *tapir_iface_mac(&to->iface);
    e.src = *tapir_iface_mac(&other->iface);
    e.ethertype = v6 ? TAPIR_ETHERTYPE_IPV6 : TAPIR_ETHERTYPE_IPV4;
    e.payload = ip;
    e.payload_len = (size_t)ipn;
    int fn = tapir_eth_emit(&e, frame, sizeof frame);
    assert_true(fn > 0);
    struct tapir_frame f;
    memset(&f, 0, sizeof f);
    f.data = frame;
    f.cap = sizeof frame;
    f.len = (size_t)fn;
    /* The other side's end of the pair: what it transmits, `to` receives. */
    const struct tapir_device *dev = to_b ? &t.n.pair.a.dev : &t.n.pair.b.dev;
    assert_int_equal(tapir_device_tx(dev, &f, 1), 1);
    netsim_settle(&t.n);
}

/* About A's accepted connection (A:80 -> B:40000). */
static void icmp_about_a(uint8_t type, uint8_t code, uint32_t seq)
{
    icmp_about(type, code, &t.a_ip, 80, &t.b_ip, 40000, seq);
}

/* About B's client (B:40000 -> A:80). */
static void icmp_about_b(uint8_t type, uint8_t code, uint32_t seq)
{
    icmp_about(type, code, &t.b_ip, 40000, &t.a_ip, 80, seq);
}

static uint64_t drops(struct netsim_node *node, enum tapir_drop_reason r)
{
    return tapir_iface_stats(&node->iface)->drops[r];
}

/* A's connection with 3000 bytes in flight that A's side of the pair keeps losing (until
 * the test lets them through). A sends without Nagle, so all 3000 go at once; `max_retries`
 * 0 keeps the default. */
static void open_with_flight(const char *a, const char *b, unsigned max_retries)
{
    struct tapir_tcp_config srv;
    tapir_tcp_config_default(&srv);
    srv.nodelay = true;
    if (max_retries)
        srv.max_retries = max_retries;
    tt_init(&t, true, &srv, 65536, NULL, 65536);
    tt_learn_neighbors(&t);
    tt_open(&t, a, b, 5000);
    static const uint8_t data[3000];
    t.n.fault.tx.opt.drop_pct = 100;
    assert_int_equal(tapir_tcp_send(t.server, data, sizeof data), (int)sizeof data);
    netsim_settle(&t.n);
    assert_int_equal(t.server->snd_max - t.server->snd_una, 3000);
}

/* Soft errors of both families, one after another, on a connection with data in flight:
 * each is recorded, none ends anything; when the path heals, the data arrives and the
 * first ACK of new data clears the record. */
struct soft {
    uint8_t type, code;
    int error;
};

static void run_soft_established(const char *a, const char *b, const struct soft *list,
                                 unsigned count)
{
    open_with_flight(a, b, 0);
    struct tapir_tcp_socket *s = t.server;
    uint32_t una = s->snd_una;
    for (unsigned i = 0; i < count; i++) {
        icmp_about_a(list[i].type, list[i].code, una + 1000 * (i % 3));
        assert_int_equal(tapir_tcp_state(s), TAPIR_TCP_ESTABLISHED);
        assert_int_equal(tapir_tcp_soft_error(s), list[i].error);
        assert_int_equal(s->stats.icmp_soft_errors, i + 1);
    }
    assert_int_equal(s->stats.icmp_hard_errors, 0);
    assert_int_equal(s->stats.icmp_out_of_window, 0);
    assert_int_equal(drops(&t.n.a, TAPIR_DROP_ICMP_UNHANDLED), 0);
    assert_int_equal(s->error, 0);
    t.n.fault.tx.opt.drop_pct = 0;
    netsim_advance(&t.n, 2 * TT_S);
    assert_int_equal(s->snd_una, s->snd_max);
    assert_int_equal(t.client.stats.bytes_received, 3000);
    assert_int_equal(tapir_tcp_soft_error(s), 0);
    assert_int_equal(tapir_tcp_state(s), TAPIR_TCP_ESTABLISHED);
    tt_free(&t);
}

static void test_soft_established_v4(void **state)
{
    (void)state;
    static const struct soft list[] = {
        {TAPIR_ICMPV4_DEST_UNREACHABLE, TAPIR_ICMPV4_UNREACH_NET, TAPIR_EHOSTUNREACH},
        {TAPIR_ICMPV4_DEST_UNREACHABLE, TAPIR_ICMPV4_UNREACH_HOST, TAPIR_EHOSTUNREACH},
        {TAPIR_ICMPV4_DEST_UNREACHABLE, TAPIR_ICMPV4_UNREACH_SRC_ROUTE_FAILED, TAPIR_EHOSTUNREACH},
        {TAPIR_ICMPV4_TIME_EXCEEDED, TAPIR_ICMPV4_TTL_EXCEEDED, TAPIR_EHOSTUNREACH},
        {TAPIR_ICMPV4_PARAM_PROBLEM, TAPIR_ICMPV4_PARAM_POINTER, TAPIR_EHOSTUNREACH},
        {TAPIR_ICMPV4_DEST_UNREACHABLE, TAPIR_ICMPV4_UNREACH_ADMIN_PROHIBITED, TAPIR_EHOSTUNREACH},
        {TAPIR_ICMPV4_DEST_UNREACHABLE, TAPIR_ICMPV4_UNREACH_NET_PROHIBITED, TAPIR_EHOSTUNREACH},
    };
    run_soft_established("192.168.69.1", "192.168.69.100", list, sizeof list / sizeof list[0]);
}

static void test_soft_established_v6(void **state)
{
    (void)state;
    static const struct soft list[] = {
        {TAPIR_ICMPV6_DST_UNREACH, TAPIR_ICMPV6_UNREACH_NO_ROUTE, TAPIR_EHOSTUNREACH},
        {TAPIR_ICMPV6_DST_UNREACH, TAPIR_ICMPV6_UNREACH_ADDR, TAPIR_EHOSTUNREACH},
        {TAPIR_ICMPV6_TIME_EXCEEDED, TAPIR_ICMPV6_HOP_LIMIT_EXCEEDED, TAPIR_EHOSTUNREACH},
        {TAPIR_ICMPV6_PARAM_PROBLEM, TAPIR_ICMPV6_PARAM_UNKNOWN_NEXT_HEADER, TAPIR_EHOSTUNREACH},
        {TAPIR_ICMPV6_DST_UNREACH, TAPIR_ICMPV6_UNREACH_ADMIN, TAPIR_EHOSTUNREACH},
    };
    run_soft_established("fdaa::1", "fdaa::100", list, sizeof list / sizeof list[0]);
}

/* B's SYN never reaches A (max_retries 2: SYNs at 0, 1 s and 3 s, given up at 7 s). With a
 * soft error quoting the SYN, the attempt goes on exactly as without one, and ends with
 * that error instead of TAPIR_ETIMEDOUT. */
static void run_soft_syn_sent(const char *a, const char *b, bool with_icmp, uint8_t type,
                              uint8_t code, int want)
{
    struct tapir_tcp_config cfg;
    tapir_tcp_config_default(&cfg);
    cfg.syn_retries = 2;
    tt_init(&t, true, NULL, 65536, &cfg, 65536);
    tt_learn_neighbors(&t);
    t.n.fault.rx.opt.drop_pct = 100; /* nothing reaches A */
    tapir_instant t0 = t.n.clock.now_us;
    tt_connect(&t, a, b, 9000);
    netsim_settle(&t.n);
    assert_int_equal(t.b_tx.count, 1);
    if (with_icmp) {
        icmp_about_b(type, code, 9000);
        assert_int_equal(t.client.stats.icmp_soft_errors, 1);
        assert_int_equal(tapir_tcp_soft_error(&t.client), want);
    }
    assert_int_equal(tapir_tcp_state(&t.client), TAPIR_TCP_SYN_SENT);
    netsim_advance(&t.n, 7 * TT_S - 1);
    assert_int_equal(tapir_tcp_state(&t.client), TAPIR_TCP_SYN_SENT);
    assert_int_equal(t.b_tx.count, 3);
    assert_int_equal(t.b_tx.segs[1].at, t0 + TT_S);
    assert_int_equal(t.b_tx.segs[2].at, t0 + 3 * TT_S);
    netsim_advance(&t.n, 1);
    assert_int_equal(tapir_tcp_state(&t.client), TAPIR_TCP_CLOSED);
    assert_int_equal(t.client.error, want);
    char c;
    assert_int_equal(tapir_tcp_recv(&t.client, &c, 1), want);
    assert_int_equal(t.b_tx.count, 3);
    tt_free(&t);
}

static void test_soft_syn_sent_v4(void **state)
{
    (void)state;
    run_soft_syn_sent("192.168.69.1", "192.168.69.100", true, TAPIR_ICMPV4_DEST_UNREACHABLE,
                      TAPIR_ICMPV4_UNREACH_HOST, TAPIR_EHOSTUNREACH);
}

static void test_soft_syn_sent_v6(void **state)
{
    (void)state;
    run_soft_syn_sent("fdaa::1", "fdaa::100", true, TAPIR_ICMPV6_DST_UNREACH,
                      TAPIR_ICMPV6_UNREACH_ADDR, TAPIR_EHOSTUNREACH);
}

static void test_soft_syn_sent_v4_net(void **state)
{
    (void)state;
    run_soft_syn_sent("192.168.69.1", "192.168.69.100", true, TAPIR_ICMPV4_DEST_UNREACHABLE,
                      TAPIR_ICMPV4_UNREACH_NET, TAPIR_EHOSTUNREACH);
}

static void test_soft_syn_sent_v6_no_route(void **state)
{
    (void)state;
    run_soft_syn_sent("fdaa::1", "fdaa::100", true, TAPIR_ICMPV6_DST_UNREACH,
                      TAPIR_ICMPV6_UNREACH_NO_ROUTE, TAPIR_EHOSTUNREACH);
}

/* Control: no ICMP, TAPIR_ETIMEDOUT. */
static void test_soft_syn_sent_none(void **state)
{
    (void)state;
    run_soft_syn_sent("192.168.69.1", "192.168.69.100", false, 0, 0, TAPIR_ETIMEDOUT);
}

/* Protocol or port unreachable quoting B's SYN: the attempt ends at once, refused, and no
 * SYN follows. */
static void run_hard_syn_sent(const char *a, const char *b, uint8_t type, uint8_t code)
{
    tt_init(&t, true, NULL, 65536, NULL, 65536);
    tt_learn_neighbors(&t);
    t.n.fault.rx.opt.drop_pct = 100;
    tt_connect(&t, a, b, 9000);
    netsim_settle(&t.n);
    icmp_about_b(type, code, 9000);
    assert_int_equal(tapir_tcp_state(&t.client), TAPIR_TCP_CLOSED);
    assert_int_equal(t.client.error, TAPIR_ECONNREFUSED);
    assert_int_equal(t.client.stats.icmp_hard_errors, 1);
    assert_int_equal(t.client.stats.icmp_soft_errors, 0);
    char c;
    assert_int_equal(tapir_tcp_recv(&t.client, &c, 1), TAPIR_ECONNREFUSED);
    netsim_advance(&t.n, 10 * TT_S);
    assert_int_equal(t.b_tx.count, 1);
    tt_free(&t);
}

static void test_hard_syn_sent_port_v4(void **state)
{
    (void)state;
    run_hard_syn_sent("192.168.69.1", "192.168.69.100", TAPIR_ICMPV4_DEST_UNREACHABLE,
                      TAPIR_ICMPV4_UNREACH_PORT);
}

static void test_hard_syn_sent_protocol_v4(void **state)
{
    (void)state;
    run_hard_syn_sent("192.168.69.1", "192.168.69.100", TAPIR_ICMPV4_DEST_UNREACHABLE,
                      TAPIR_ICMPV4_UNREACH_PROTOCOL);
}

static void test_hard_syn_sent_port_v6(void **state)
{
    (void)state;
    run_hard_syn_sent("fdaa::1", "fdaa::100", TAPIR_ICMPV6_DST_UNREACH, TAPIR_ICMPV6_UNREACH_PORT);
}

/* A's SYN-ACK is lost and a port unreachable quotes it: the half-open child goes back to
 * the listener's pool, silently; the listener goes on listening. */
static void test_hard_syn_received(void **state)
{
    (void)state;
    tt_init(&t, true, NULL, 65536, NULL, 65536);
    tt_learn_neighbors(&t);
    t.n.fault.tx.opt.drop_pct = 100;
    tt_connect(&t, "192.168.69.1", "192.168.69.100", 9000);
    netsim_settle(&t.n);
    struct tapir_tcp_socket *child = &t.pool[0];
    assert_int_equal(tapir_tcp_state(child), TAPIR_TCP_SYN_RECEIVED);
    unsigned a_sent = t.a_tx.count;
    icmp_about_a(TAPIR_ICMPV4_DEST_UNREACHABLE, TAPIR_ICMPV4_UNREACH_PORT, child->iss + 1);
    assert_int_equal(tapir_tcp_state(child), TAPIR_TCP_SYN_RECEIVED); /* not our SYN-ACK */
    assert_int_equal(child->stats.icmp_out_of_window, 1);
    icmp_about_a(TAPIR_ICMPV4_DEST_UNREACHABLE, TAPIR_ICMPV4_UNREACH_PORT, child->iss);
    assert_int_equal(tapir_tcp_state(child), TAPIR_TCP_CLOSED);
    assert_int_equal(child->error, 0);
    assert_null(child->parent);
    assert_ptr_equal(tapir__tcp_free_child(&t.listener), child);
    assert_int_equal(tapir_tcp_state(&t.listener), TAPIR_TCP_LISTEN);
    assert_null(tapir_tcp_accept(&t.listener));
    assert_int_equal(t.a_tx.count, a_sent); /* no RST */
    tt_free(&t);
}

/* Port unreachable for a synchronized connection (RFC 5927 §7.2): recorded, not fatal;
 * when the peer then stops answering for good, the connection ends with it. */
static void run_hard_established(const char *a, const char *b, uint8_t type, uint8_t code)
{
    open_with_flight(a, b, 2);
    struct tapir_tcp_socket *s = t.server;
    icmp_about_a(type, code, s->snd_una + 2999);
    assert_int_equal(tapir_tcp_state(s), TAPIR_TCP_ESTABLISHED);
    assert_int_equal(tapir_tcp_soft_error(s), TAPIR_ECONNREFUSED);
    assert_int_equal(s->stats.icmp_hard_errors, 1);
    assert_int_equal(s->stats.icmp_soft_errors, 0);
    netsim_advance(&t.n, 30 * TT_S);
    assert_int_equal(tapir_tcp_state(s), TAPIR_TCP_CLOSED);
    assert_int_equal(s->error, TAPIR_ECONNREFUSED);
    assert_int_equal(s->stats.rto_expirations, 3);
    tt_free(&t);
}

static void test_hard_established_v4(void **state)
{
    (void)state;
    run_hard_established("192.168.69.1", "192.168.69.100", TAPIR_ICMPV4_DEST_UNREACHABLE,
                         TAPIR_ICMPV4_UNREACH_PORT);
}

static void test_hard_established_v6(void **state)
{
    (void)state;
    run_hard_established("fdaa::1", "fdaa::100", TAPIR_ICMPV6_DST_UNREACH,
                         TAPIR_ICMPV6_UNREACH_PORT);
}

/* RFC 5927 §4.1: only SND.UNA =< SEQ < SND.MAX counts. Below and at the edge the message
 * is ignored and counted (on the socket and as the interface's icmp_out_of_window drop);
 * a hard error out of the window ends nothing; Source Quench (MUST-55) and a message for
 * a connection nobody has are the interface's unhandled ICMP. */
static void test_out_of_window(void **state)
{
    (void)state;
    open_with_flight("192.168.69.1", "192.168.69.100", 0);
    struct tapir_tcp_socket *s = t.server;
    uint32_t una = s->snd_una, max = s->snd_max;
    icmp_about_a(TAPIR_ICMPV4_DEST_UNREACHABLE, TAPIR_ICMPV4_UNREACH_HOST, una - 1);
    icmp_about_a(TAPIR_ICMPV4_DEST_UNREACHABLE, TAPIR_ICMPV4_UNREACH_HOST, max);
    icmp_about_a(TAPIR_ICMPV4_DEST_UNREACHABLE, TAPIR_ICMPV4_UNREACH_HOST, una + 0x40000000u);
    assert_int_equal(tapir_tcp_soft_error(s), 0);
    assert_int_equal(s->stats.icmp_out_of_window, 3);
    assert_int_equal(s->stats.icmp_soft_errors, 0);
    assert_int_equal(drops(&t.n.a, TAPIR_DROP_ICMP_OUT_OF_WINDOW), 3);
    /* Fragmentation needed out of the window is counted the same way. */
    icmp_about_a(TAPIR_ICMPV4_DEST_UNREACHABLE, TAPIR_ICMPV4_UNREACH_FRAG_NEEDED, max);
    assert_int_equal(s->stats.icmp_out_of_window, 4);
    assert_int_equal(s->stats.mss_reductions, 0);
    /* Hard, out of the window: nothing. */
    icmp_about_a(TAPIR_ICMPV4_DEST_UNREACHABLE, TAPIR_ICMPV4_UNREACH_PORT, max);
    assert_int_equal(tapir_tcp_state(s), TAPIR_TCP_ESTABLISHED);
    assert_int_equal(s->stats.icmp_hard_errors, 0);
    assert_int_equal(s->stats.icmp_out_of_window, 5);
    assert_int_equal(drops(&t.n.a, TAPIR_DROP_ICMP_OUT_OF_WINDOW), 5);
    /* The edges of the window are in it. */
    icmp_about_a(TAPIR_ICMPV4_DEST_UNREACHABLE, TAPIR_ICMPV4_UNREACH_HOST, max - 1);
    assert_int_equal(s->stats.icmp_soft_errors, 1);
    icmp_about_a(TAPIR_ICMPV4_DEST_UNREACHABLE, TAPIR_ICMPV4_UNREACH_NET, una);
    assert_int_equal(s->stats.icmp_soft_errors, 2);
    assert_int_equal(tapir_tcp_soft_error(s), TAPIR_EHOSTUNREACH);
    /* Source Quench and an unknown connection: unhandled, the socket untouched. */
    assert_int_equal(drops(&t.n.a, TAPIR_DROP_ICMP_UNHANDLED), 0);
    icmp_about_a(TAPIR_ICMPV4_SOURCE_QUENCH, 0, una);
    icmp_about(TAPIR_ICMPV4_DEST_UNREACHABLE, TAPIR_ICMPV4_UNREACH_PORT, &t.a_ip, 81, &t.b_ip,
               40000, una);
    assert_int_equal(drops(&t.n.a, TAPIR_DROP_ICMP_UNHANDLED), 2);
    assert_int_equal(s->stats.icmp_soft_errors + s->stats.icmp_hard_errors, 2);
    assert_int_equal(s->stats.icmp_out_of_window, 5);
    assert_int_equal(tapir_tcp_state(s), TAPIR_TCP_ESTABLISHED);
    tt_free(&t);
}

int main(int argc, char **argv)
{
    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_soft_established_v4),
        cmocka_unit_test(test_soft_established_v6),
        cmocka_unit_test(test_soft_syn_sent_v4),
        cmocka_unit_test(test_soft_syn_sent_v6),
        cmocka_unit_test(test_soft_syn_sent_v4_net),
        cmocka_unit_test(test_soft_syn_sent_v6_no_route),
        cmocka_unit_test(test_soft_syn_sent_none),
        cmocka_unit_test(test_hard_syn_sent_port_v4),
        cmocka_unit_test(test_hard_syn_sent_protocol_v4),
        cmocka_unit_test(test_hard_syn_sent_port_v6),
        cmocka_unit_test(test_hard_syn_received),
        cmocka_unit_test(test_hard_established_v4),
        cmocka_unit_test(test_hard_established_v6),
        cmocka_unit_test(test_out_of_window),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
