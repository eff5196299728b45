/* Path MTU from ICMP (RFC 1191, RFC 8201): a "fragmentation needed" (IPv4, type 3 code 4)
 * or "packet too big" (IPv6, type 2) quoting one of a connection's segments in flight
 * lowers its MSS to the reported MTU less the IP, TCP and timestamp headers (never below
 * what 576 / 1280 bytes allow), resends what was in flight in the new size at once, and
 * every later segment fits. Messages quoting nothing in flight, or reporting a larger
 * MTU, change nothing. The messages are made by hand and handed to A's interface. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tapir/wire/icmpv4.h"
#include "tapir/wire/icmpv6.h"
#include "tcp_timers_harness.h"

#define TOTAL 60000

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

/* The start of a full-sized segment of A's connection (A:80 -> B:40000) with `seq`, as a
 * router quotes it: the IP header and the first 8 bytes of TCP. Returns its length. */
static size_t quote(uint8_t *q, uint32_t seq, uint16_t dport)
{
    bool v6 = t.a_ip.version == TAPIR_IP_V6;
    memset(q, 0, 48);
    size_t ip = v6 ? 40 : 20;
    if (v6) {
        q[0] = 0x60;
        put16(q + 4, 1460);
        q[6] = TAPIR_IP_PROTO_TCP;
        q[7] = 64;
        memcpy(q + 8, t.a_ip.v6.bytes, 16);
        memcpy(q + 24, t.b_ip.v6.bytes, 16);
    } else {
        q[0] = 0x45;
        put16(q + 2, 1500);
        q[8] = 64;
        q[9] = TAPIR_IP_PROTO_TCP;
        memcpy(q + 12, t.a_ip.v4.bytes, 4);
        memcpy(q + 16, t.b_ip.v4.bytes, 4);
    }
    put16(q + ip, 80);
    put16(q + ip + 2, dport);
    put32(q + ip + 4, seq);
    return ip + 8;
}

/* A router on the path (192.168.69.254 / fdaa::fe) tells A the next hop's MTU. */
static void too_big(uint32_t seq, unsigned mtu, uint16_t dport)
{
    static uint8_t q[64], msg[128];
    size_t qlen = quote(q, seq, dport);
    struct tapir__ip_info ip;
    memset(&ip, 0, sizeof ip);
    ip.dst = t.a_ip;
    ip.ttl = 64;
    int n;
    if (t.a_ip.version == TAPIR_IP_V4) {
        ip.src = netsim_ip("192.168.69.254");
        struct tapir_icmpv4_repr icmp;
        memset(&icmp, 0, sizeof icmp);
        icmp.type = TAPIR_ICMPV4_DEST_UNREACHABLE;
        icmp.code = 4;
        icmp.next_hop_mtu = (uint16_t)mtu;
        icmp.data = q;
        icmp.data_len = qlen;
        n = tapir_icmpv4_emit(&icmp, msg, sizeof msg);
        assert_true(n > 0);
        tapir__icmpv4_input(&t.n.a.iface, t.n.clock.now_us, &ip, msg, (size_t)n);
    } else {
        ip.src = netsim_ip("fdaa::fe");
        struct tapir_icmpv6_repr icmp;
        memset(&icmp, 0, sizeof icmp);
        icmp.type = TAPIR_ICMPV6_PACKET_TOO_BIG;
        icmp.rest = mtu;
        icmp.data = q;
        icmp.data_len = qlen;
        struct tapir_pseudo_header ph;
        memset(&ph, 0, sizeof ph);
        ph.src = ip.src;
        ph.dst = ip.dst;
        ph.protocol = TAPIR_IP_PROTO_ICMPV6;
        n = tapir_icmpv6_emit(&icmp, &ph, msg, sizeof msg);
        assert_true(n > 0);
        tapir__icmpv6_input(&t.n.a.iface, t.n.clock.now_us, &ip, msg, (size_t)n);
    }
}

/* A queues TOTAL bytes whose first flight is lost on A's side; returns SND.UNA then. */
static uint32_t flight_lost(const char *a, const char *b)
{
    tt_init(&t, true, NULL, 262144, NULL, 262144);
    tt_open(&t, a, b, 100);
    static uint8_t data[TOTAL];
    for (size_t i = 0; i < TOTAL; i++)
        data[i] = (uint8_t)(i * 7 + 3);
    t.n.fault.tx.opt.drop_pct = 100;
    assert_int_equal(tapir_tcp_send(t.server, data, TOTAL), TOTAL);
    netsim_settle(&t.n);
    t.n.fault.tx.opt.drop_pct = 0;
    assert_true(t.n.fault.tx.counters.dropped >= 10); /* the initial window, lost */
    assert_true(seq_gt(t.server->snd_max, t.server->snd_una));
    return t.server->snd_una;
}

/* Every data segment A sent from log index `from` on fits `mtu` with at most `mss` bytes
 * of payload, and at least one is exactly `mss`; returns how many there were. */
static unsigned check_fit(unsigned from, unsigned mtu, unsigned mss)
{
    unsigned n = 0, full = 0;
    for (unsigned i = from; i < t.a_tx.count; i++) {
        const struct tt_seg *s = &t.a_tx.segs[i];
        if (s->payload_len == 0)
            continue;
        n++;
        assert_true(s->ip_len <= mtu);
        assert_true(s->payload_len <= mss);
        full += s->payload_len == mss;
    }
    assert_true(full > 0);
    return n;
}

static void run_pmtu(const char *a, const char *b, unsigned mtu, unsigned want_mss)
{
    uint32_t una = flight_lost(a, b);
    struct tapir_tcp_socket *s = t.server;
    unsigned old_mss = s->mss;
    tapir_instant t0 = t.n.clock.now_us;
    unsigned mark = t.a_tx.count;
    too_big(una, mtu, 40000);
    netsim_settle(&t.n);
    assert_int_equal(s->mss, want_mss);
    assert_true(want_mss < old_mss);
    assert_int_equal(s->stats.mss_reductions, 1);
    /* The lost flight goes again at once, in the new size, from SND.UNA. */
    assert_true(t.a_tx.count > mark);
    assert_int_equal(t.a_tx.segs[mark].at, t0);
    assert_int_equal(t.a_tx.segs[mark].seq, una);
    assert_int_equal(t.a_tx.segs[mark].payload_len, want_mss);
    assert_int_equal(s->stats.rto_expirations, 0);
    assert_int_equal(s->cc.congestion_events, 0);
    /* Everything arrives, byte-exact, and every segment fits the path. */
    static uint8_t buf[TOTAL];
    size_t got = 0;
    for (int i = 0; i < 200 && got < TOTAL; i++) {
        int r;
        while ((r = tapir_tcp_recv(&t.client, buf + got, TOTAL - got)) > 0)
            got += (size_t)r;
        netsim_advance(&t.n, 10 * TT_MS);
    }
    assert_int_equal(got, TOTAL);
    for (size_t i = 0; i < TOTAL; i++)
        assert_int_equal(buf[i], (uint8_t)(i * 7 + 3));
    assert_true(check_fit(mark, mtu < 576 ? 576 : mtu, want_mss) >= TOTAL / want_mss);
    tt_free(&t);
}

/* 1200 on IPv4: 1200 - 20 - 20 - 12 (timestamps) = 1148. */
static void test_pmtu_frag_needed_v4(void **state)
{
    (void)state;
    run_pmtu("192.168.69.1", "192.168.69.100", 1200, 1148);
}

/* 1400 on IPv6: 1400 - 40 - 20 - 12 = 1328. */
static void test_pmtu_packet_too_big_v6(void **state)
{
    (void)state;
    run_pmtu("fdaa::1", "fdaa::100", 1400, 1328);
}

/* Below the floors: 300 on IPv4 counts as 576 (MSS 524), 1000 on IPv6 as 1280 (1208). */
static void test_pmtu_floor_v4(void **state)
{
    (void)state;
    run_pmtu("192.168.69.1", "192.168.69.100", 300, 524);
}

static void test_pmtu_floor_v6(void **state)
{
    (void)state;
    uint32_t una = flight_lost("fdaa::1", "fdaa::100");
    too_big(una, 1000, 40000);
    assert_int_equal(t.server->mss, 1280 - 40 - 20 - 12);
    tt_free(&t);
}

/* RFC 1191 §5: no MTU in the message (an old router): the next plateau below the quoted
 * datagram's 1500 bytes, 1492: MSS 1440. */
static void test_pmtu_plateau_v4(void **state)
{
    (void)state;
    uint32_t una = flight_lost("192.168.69.1", "192.168.69.100");
    too_big(una, 0, 40000);
    assert_int_equal(t.server->mss, 1492 - 20 - 20 - 12);
    tt_free(&t);
}

/* What is ignored: a quoted sequence number not in flight (RFC 5927 §4.1), an MTU that
 * would raise the MSS, a connection nobody has (counted as an unhandled ICMP message). */
static void test_pmtu_ignored(void **state)
{
    (void)state;
    uint32_t una = flight_lost("192.168.69.1", "192.168.69.100");
    struct tapir_tcp_socket *s = t.server;
    unsigned mss = s->mss;
    too_big(una - 1, 1200, 40000);
    too_big(s->snd_max, 1200, 40000);
    assert_int_equal(s->mss, mss);
    too_big(una, 1500, 40000);
    assert_int_equal(s->mss, mss);
    too_big(una, 1300, 40000);
    assert_int_equal(s->mss, 1300 - 52);
    too_big(una, 1400, 40000); /* never back up from ICMP */
    assert_int_equal(s->mss, 1300 - 52);
    assert_int_equal(s->stats.mss_reductions, 1);
    uint64_t unhandled = tapir_iface_stats(&t.n.a.iface)->drops[TAPIR_DROP_ICMP_UNHANDLED];
    too_big(una, 1200, 40001);
    assert_int_equal(tapir_iface_stats(&t.n.a.iface)->drops[TAPIR_DROP_ICMP_UNHANDLED],
                     unhandled + 1);
    assert_int_equal(s->mss, 1300 - 52);
    tt_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pmtu_frag_needed_v4), cmocka_unit_test(test_pmtu_packet_too_big_v6),
        cmocka_unit_test(test_pmtu_floor_v4),       cmocka_unit_test(test_pmtu_floor_v6),
        cmocka_unit_test(test_pmtu_plateau_v4),     cmocka_unit_test(test_pmtu_ignored),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
