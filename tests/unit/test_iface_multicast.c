/* Multicast group membership on two stacks joined by the in-memory pair, on a virtual clock
 * (tests/support/netsim.h). Stack A joins and leaves groups; every IGMP/MLD frame A sends is
 * recorded with the instant it left. Queries are crafted with the wire emitters and handed
 * to A as if B's side of the link had sent them (B is a host, not a querier).
 *
 * Checked: a join sends exactly [Robustness Variable] = 2 reports, the first at once and
 * byte for byte what Linux sends (tests/data/igmp_v3_report.pcap, mld_v2_report.pcap, with
 * A's addresses), the second within the Unsolicited Report Interval (1 s); a general or
 * group-specific query is answered within its Max Resp Time; an IGMPv2/v1 or MLDv1 query
 * switches A to that version's messages until the Older Version Querier Present Timeout
 * (260 s) has passed, with a timer per group and report suppression in IGMPv2; a leave
 * sends TO_IN {} twice (v3), one leave/done (v2, MLDv1), nothing (v1); a datagram to a group is dropped (multicast_not_joined) before the join, accepted
 * after it (and, with no UDP socket, counted no_socket), dropped again after the leave;
 * malformed and forged messages are counted; the API's errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "golden.h"
#include "netsim.h"
#include "wire_slices.h"
#include "tapir/error.h"
#include "tapir/wire/ethernet.h"
#include "tapir/wire/icmpv6.h"
#include "tapir/wire/igmp.h"
#include "tapir/wire/ipv4.h"
#include "tapir/wire/ipv6.h"
#include "tapir/wire/mld.h"
#include "tapir/wire/udp.h"

#define S        ((tapir_instant)TAPIR_US_PER_S)
#define MAX_SENT 64

struct sent {
    tapir_instant at;
    uint8_t frame[1600];
    size_t len;
};

struct world {
    struct netsim n;
    struct sent sent[MAX_SENT];
    unsigned count;
};

/* Every frame A transmits passes here: IGMP and MLD ones are recorded, nothing dropped. */
static bool record_tx(void *ctx, const uint8_t *frame, size_t len)
{
    struct world *w = ctx;
    bool igmp = len > 14 + 24 && frame[12] == 0x08 && frame[13] == 0x00 && frame[14 + 9] == 2;
    bool mld = len > 14 + 48 && frame[12] == 0x86 && frame[13] == 0xdd && frame[14 + 6] == 0 &&
               frame[14 + 40] == 58 &&
               ((frame[14 + 48] >= 130 && frame[14 + 48] <= 132) || frame[14 + 48] == 143);
    if ((igmp || mld) && w->count < MAX_SENT && len <= sizeof w->sent[0].frame) {
        w->sent[w->count].at = w->n.clock.now_us;
        memcpy(w->sent[w->count].frame, frame, len);
        w->sent[w->count].len = len;
        w->count++;
    }
    return false;
}

static struct world *world_new(void)
{
    struct world *w = calloc(1, sizeof *w);
    assert_non_null(w);
    netsim_init(&w->n, NULL, 0);
    w->n.drop_a_tx = record_tx;
    w->n.drop_ctx = w;
    netsim_settle(&w->n);
    w->count = 0;
    return w;
}

static void world_free(struct world *w)
{
    netsim_free(&w->n);
    free(w);
}

static struct tapir_iface *A(struct world *w)
{
    return &w->n.a.iface;
}

static tapir_instant now(struct world *w)
{
    return w->n.clock.now_us;
}

static uint64_t drops(struct world *w, enum tapir_drop_reason r)
{
    return tapir_iface_stats(A(w))->drops[r];
}

/* Hands A a frame as if it came over the link from B. */
static void inject(struct world *w, uint8_t *frame, size_t len)
{
    struct tapir_frame f = {.data = frame, .cap = len, .len = len};
    assert_int_equal(tapir_device_tx(&w->n.pair.b.dev, &f, 1), 1);
    netsim_settle(&w->n);
}

/* An IGMP message from B (192.168.69.100) to `dst`, TTL `ttl`, with the Router Alert. */
static void inject_igmp(struct world *w, const char *dst, const struct tapir_igmp_repr *m,
                        uint8_t ttl)
{
    uint8_t frame[256];
    static const uint8_t ra[4] = {148, 4, 0, 0};
    int n = tapir_igmp_emit(m, frame + 14 + 24, 200);
    assert_true(n > 0);
    struct tapir_ipv4_repr ip = {.protocol = 2,
                                 .ttl = ttl,
                                 .tos = 0xc0,
                                 .options = ra,
                                 .options_len = 4,
                                 .payload = frame + 38,
                                 .payload_len = (size_t)n};
    ip.src = netsim_ip("192.168.69.100").v4;
    ip.dst = netsim_ip(dst).v4;
    assert_int_equal(tapir_ipv4_emit(&ip, frame + 14, 24 + (size_t)n), 24 + n);
    struct tapir_eth_repr eth = {.ethertype = TAPIR_ETHERTYPE_IPV4, .payload_len = 24 + (size_t)n};
    assert_int_equal(tapir_mac_addr_parse("02:00:00:00:00:02", &eth.src), 0);
    const uint8_t *g = ip.dst.bytes;
    eth.dst = (struct tapir_mac_addr){{0x01, 0x00, 0x5e, g[1] & 0x7f, g[2], g[3]}};
    assert_int_equal(tapir_eth_emit(&eth, frame, sizeof frame), 14 + 24 + n);
    inject(w, frame, 14 + 24 + (size_t)n);
}

/* An MLD message from `src` to `dst`, hop limit `hlim`, behind a Router Alert HBH. */
static void inject_mld(struct world *w, const char *src, const char *dst,
                       const struct tapir_mld_repr *m, uint8_t hlim)
{
    uint8_t frame[512];
    struct tapir_ipv6_repr ip = {.next_header = 0,
                                 .hop_limit = hlim,
                                 .ext = frame + 54,
                                 .ext_len = 8,
                                 .payload = frame + 62};
    ip.src = netsim_ip(src).v6;
    ip.dst = netsim_ip(dst).v6;
    struct tapir_pseudo_header ph = {.protocol = 58};
    ph.src = netsim_ip(src);
    ph.dst = netsim_ip(dst);
    int n = tapir_mld_emit(m, &ph, frame + 62, 400);
    assert_true(n > 0);
    ip.payload_len = (size_t)n;
    assert_int_equal(tapir_ipv6_hbh_router_alert_emit(58, 0, frame + 54, 8), 8);
    assert_int_equal(tapir_ipv6_emit(&ip, frame + 14, 48 + (size_t)n), 48 + n);
    struct tapir_eth_repr eth = {.ethertype = TAPIR_ETHERTYPE_IPV6, .payload_len = 48 + (size_t)n};
    assert_int_equal(tapir_mac_addr_parse("02:00:00:00:00:02", &eth.src), 0);
    eth.dst = (struct tapir_mac_addr){
        {0x33, 0x33, ip.dst.bytes[12], ip.dst.bytes[13], ip.dst.bytes[14], ip.dst.bytes[15]}};
    assert_int_equal(tapir_eth_emit(&eth, frame, sizeof frame), 62 + n);
    inject(w, frame, 62 + (size_t)n);
}

/* A UDP datagram from B to `dst` port 5000, for the group filter. */
static void inject_udp(struct world *w, const char *dst)
{
    uint8_t frame[256];
    struct tapir_ip_addr s = netsim_ip(strchr(dst, ':') ? "fdaa::100" : "192.168.69.100");
    struct tapir_ip_addr d = netsim_ip(dst);
    bool v6 = d.version == TAPIR_IP_V6;
    size_t ihl = v6 ? 40 : 20;
    struct tapir_pseudo_header ph = {.src = s, .dst = d, .protocol = 17};
    static const uint8_t data[4] = {1, 2, 3, 4};
    struct tapir_udp_repr u = {
        .src_port = 4000, .dst_port = 5000, .payload = data, .payload_len = 4};
    assert_int_equal(tapir_udp_emit(&u, &ph, frame + 14 + ihl, 100), 12);
    if (v6) {
        struct tapir_ipv6_repr ip = {.src = s.v6,
                                     .dst = d.v6,
                                     .next_header = 17,
                                     .hop_limit = 64,
                                     .payload = frame + 54,
                                     .payload_len = 12};
        assert_int_equal(tapir_ipv6_emit(&ip, frame + 14, 52), 52);
    } else {
        struct tapir_ipv4_repr ip = {.src = s.v4,
                                     .dst = d.v4,
                                     .protocol = 17,
                                     .ttl = 64,
                                     .payload = frame + 34,
                                     .payload_len = 12};
        assert_int_equal(tapir_ipv4_emit(&ip, frame + 14, 32), 32);
    }
    struct tapir_ip_addr g = d;
    struct tapir_eth_repr eth = {.ethertype = v6 ? TAPIR_ETHERTYPE_IPV6 : TAPIR_ETHERTYPE_IPV4,
                                 .payload_len = ihl + 12};
    assert_int_equal(tapir_mac_addr_parse("02:00:00:00:00:02", &eth.src), 0);
    if (v6)
        eth.dst = (struct tapir_mac_addr){
            {0x33, 0x33, g.v6.bytes[12], g.v6.bytes[13], g.v6.bytes[14], g.v6.bytes[15]}};
    else
        eth.dst = (struct tapir_mac_addr){
            {0x01, 0x00, 0x5e, g.v4.bytes[1] & 0x7f, g.v4.bytes[2], g.v4.bytes[3]}};
    assert_int_equal(tapir_eth_emit(&eth, frame, sizeof frame), (int)(14 + ihl + 12));
    inject(w, frame, 14 + ihl + 12);
}

/* Parses recorded frame `i` as IGMP: checks the IPv4 header IGMP needs (TTL 1, Router
 * Alert, TOS 0xc0, from A) and returns the destination's last octet. */
static unsigned sent_igmp(struct world *w, unsigned i, struct tapir_igmp_repr *m)
{
    assert_true(i < w->count);
    const uint8_t *f = w->sent[i].frame;
    struct tapir_ipv4_repr ip;
    assert_int_equal(tapir_ipv4_parse(f + 14, w->sent[i].len - 14, &ip), 0);
    assert_int_equal(ip.ttl, 1);
    assert_int_equal(ip.protocol, 2);
    assert_int_equal(ip.options_len, 4);
    assert_int_equal(ip.options[0], 148);
    assert_memory_equal(ip.src.bytes, netsim_ip("192.168.69.1").v4.bytes, 4);
    assert_int_equal(tapir_igmp_parse(ip.payload, ip.payload_len, true, m), 0);
    return ip.dst.bytes[3];
}

/* Parses recorded frame `i` as MLD (hop limit 1, from A's link-local address); returns the
 * destination. */
static struct tapir_ipv6_addr sent_mld(struct world *w, unsigned i, struct tapir_mld_repr *m)
{
    assert_true(i < w->count);
    const uint8_t *f = w->sent[i].frame;
    struct tapir_ipv6_repr ip;
    assert_int_equal(tapir_ipv6_parse(f + 14, w->sent[i].len - 14, &ip), 0);
    assert_int_equal(ip.hop_limit, 1);
    assert_int_equal(ip.upper_protocol, 58);
    assert_memory_equal(ip.src.bytes, netsim_ip("fe80::ff:fe00:1").v6.bytes, 16);
    struct tapir_pseudo_header ph = {.protocol = 58};
    ph.src.version = ph.dst.version = TAPIR_IP_V6;
    ph.src.v6 = ip.src;
    ph.dst.v6 = ip.dst;
    struct tapir_icmpv6_repr icmp;
    assert_int_equal(tapir_icmpv6_parse(ip.payload, ip.payload_len, &ph, &icmp), 0);
    assert_int_equal(tapir_mld_parse(&icmp, m), 0);
    return ip.dst;
}

/* The one record of IGMPv3 report `m`: its type and group. */
static void assert_igmp_record(const struct tapir_igmp_repr *m, uint8_t type, const char *group)
{
    assert_int_equal(m->type, TAPIR_IGMP_V3_REPORT);
    assert_int_equal(m->num_records, 1);
    size_t off = 0;
    struct tapir_igmp_record r;
    assert_int_equal(tapir_igmp_record_next(m, &off, &r), 1);
    assert_int_equal(r.type, type);
    assert_int_equal(r.num_sources, 0);
    assert_memory_equal(r.group.bytes, netsim_ip(group).v4.bytes, 4);
}

static void assert_mld_record(const struct tapir_mld_repr *m, uint8_t type, const char *group)
{
    assert_int_equal(m->type, TAPIR_ICMPV6_MLD2_REPORT);
    assert_int_equal(m->num_records, 1);
    size_t off = 0;
    struct tapir_mld_record r;
    assert_int_equal(tapir_mld_record_next(m, &off, &r), 1);
    assert_int_equal(r.type, type);
    assert_int_equal(r.num_sources, 0);
    assert_memory_equal(r.mcast_addr.bytes, netsim_ip(group).v6.bytes, 16);
}

static void join(struct world *w, const char *group)
{
    struct tapir_ip_addr g = netsim_ip(group);
    assert_int_equal(tapir_iface_join_group(A(w), &g, now(w)), 0);
}

static void leave(struct world *w, const char *group)
{
    struct tapir_ip_addr g = netsim_ip(group);
    assert_int_equal(tapir_iface_leave_group(A(w), &g, now(w)), 0);
}

/* ---- IGMP ---- */

static void test_igmp_join_reports(void **state)
{
    (void)state;
    struct world *w = world_new();
    tapir_instant t0 = now(w);
    join(w, "239.1.2.3");
    struct tapir_ip_addr list[4];
    assert_int_equal(tapir_iface_groups(A(w), list, 4), 1);
    assert_true(
        tapir_ip_equal(&list[0], &(struct tapir_ip_addr){.version = 4, .v4 = {{239, 1, 2, 3}}}));
    netsim_advance(&w->n, 10 * S);
    assert_int_equal(w->count, 2);
    assert_int_equal(w->sent[0].at, t0);
    assert_true(w->sent[1].at > t0 && w->sent[1].at <= t0 + 1 * S);
    for (unsigned i = 0; i < 2; i++) {
        struct tapir_igmp_repr m;
        assert_int_equal(sent_igmp(w, i, &m), 22); /* 224.0.0.22 */
        assert_igmp_record(&m, TAPIR_IGMP_CHANGE_TO_EXCLUDE, "239.1.2.3");
    }
    assert_int_equal(tapir_iface_stats(A(w))->mcast_reports_sent, 2);

    /* Exactly Linux's frame (its first report on joining 239.1.2.3), but from A. */
    struct golden g;
    golden_load("igmp_v3_report.pcap", &g);
    assert_int_equal(g.frames[0].len, w->sent[0].len);
    uint8_t want[64];
    memcpy(want, g.frames[0].data, g.frames[0].len);
    want[11] = 0x01; /* source MAC 02:00:00:00:00:01 */
    memcpy(want + 14 + 12, (uint8_t[]){192, 168, 69, 1}, 4);
    struct tapir_ipv4_repr ip;
    assert_int_equal(tapir_ipv4_quoted_parse(want + 14, g.frames[0].len - 14, &ip), 0);
    assert_int_equal(tapir_ipv4_emit(&ip, want + 14, g.frames[0].len - 14), 40);
    assert_memory_equal(w->sent[0].frame, want, g.frames[0].len);
    golden_free(&g);

    /* Nothing more while nothing happens; the joined group is still listed. */
    netsim_advance(&w->n, 300 * S);
    assert_int_equal(w->count, 2);
    assert_int_equal(tapir_iface_poll_at(A(w), now(w)) > now(w) + 10 * S, true);
    world_free(w);
}

static void test_igmp_leave(void **state)
{
    (void)state;
    struct world *w = world_new();
    join(w, "239.1.2.3");
    join(w, "239.1.2.3"); /* counted: one leave keeps it */
    netsim_advance(&w->n, 5 * S);
    assert_int_equal(w->count, 2);
    leave(w, "239.1.2.3");
    netsim_advance(&w->n, 5 * S);
    assert_int_equal(w->count, 2);
    struct tapir_ip_addr list[4];
    assert_int_equal(tapir_iface_groups(A(w), list, 4), 1);
    tapir_instant t0 = now(w);
    leave(w, "239.1.2.3");
    assert_int_equal(tapir_iface_groups(A(w), list, 4), 0);
    netsim_advance(&w->n, 5 * S);
    assert_int_equal(w->count, 4);
    assert_int_equal(w->sent[2].at, t0);
    assert_true(w->sent[3].at > t0 && w->sent[3].at <= t0 + 1 * S);
    for (unsigned i = 2; i < 4; i++) {
        struct tapir_igmp_repr m;
        assert_int_equal(sent_igmp(w, i, &m), 22);
        assert_igmp_record(&m, TAPIR_IGMP_CHANGE_TO_INCLUDE, "239.1.2.3");
    }
    struct tapir_ip_addr g = netsim_ip("239.1.2.3");
    assert_int_equal(tapir_iface_leave_group(A(w), &g, now(w)), TAPIR_EINVAL);
    world_free(w);
}

/* A v3 general query with Max Resp Code `code` (tenths of a second below 128). */
static void igmp_v3_query(struct world *w, const char *group, uint8_t code)
{
    struct tapir_igmp_repr q = {
        .type = TAPIR_IGMP_QUERY, .version = 3, .max_resp_code = code, .qflags = 2, .qqic = 125};
    q.group = netsim_ip(group).v4;
    inject_igmp(w, strcmp(group, "0.0.0.0") == 0 ? "224.0.0.1" : group, &q, 1);
}

static void test_igmp_query_answered(void **state)
{
    (void)state;
    struct world *w = world_new();
    join(w, "239.1.2.3");
    join(w, "239.1.2.4");
    join(w, "224.0.0.1"); /* all-systems: joinable, never reported */
    netsim_advance(&w->n, 5 * S);
    assert_int_equal(w->count, 4);
    /* General queries: one report of every reportable group, within Max Resp Time (5 s);
     * the delays are random, not all the same. */
    tapir_instant first_delay = -1;
    bool varied = false;
    for (int round = 0; round < 10; round++) {
        unsigned before = w->count;
        tapir_instant t0 = now(w);
        igmp_v3_query(w, "0.0.0.0", 50);
        netsim_advance(&w->n, 20 * S);
        assert_int_equal(w->count, before + 1);
        tapir_instant delay = w->sent[before].at - t0;
        assert_true(delay > 0 && delay <= 5 * S);
        if (first_delay >= 0 && delay != first_delay)
            varied = true;
        first_delay = delay;
        struct tapir_igmp_repr m;
        assert_int_equal(sent_igmp(w, before, &m), 22);
        assert_int_equal(m.num_records, 2);
        size_t off = 0;
        struct tapir_igmp_record r;
        unsigned seen = 0;
        while (tapir_igmp_record_next(&m, &off, &r) > 0) {
            assert_int_equal(r.type, TAPIR_IGMP_MODE_IS_EXCLUDE);
            assert_int_equal(r.group.bytes[0], 239);
            seen |= 1u << (r.group.bytes[3] - 3);
        }
        assert_int_equal(seen, 3);
        assert_int_equal(tapir_iface_mcast_version(A(w), TAPIR_IP_V4, now(w)), 3);
    }
    assert_true(varied);

    /* A group-specific query: a report of that group only, within 1 s. */
    unsigned before = w->count;
    tapir_instant t0 = now(w);
    igmp_v3_query(w, "239.1.2.4", 10);
    netsim_advance(&w->n, 5 * S);
    assert_int_equal(w->count, before + 1);
    assert_true(w->sent[before].at > t0 && w->sent[before].at <= t0 + 1 * S);
    struct tapir_igmp_repr m;
    sent_igmp(w, before, &m);
    assert_igmp_record(&m, TAPIR_IGMP_MODE_IS_EXCLUDE, "239.1.2.4");
    /* A query about a group we are not in is not even received (its destination). */
    igmp_v3_query(w, "239.9.9.9", 10);
    netsim_advance(&w->n, 5 * S);
    assert_int_equal(w->count, before + 1);
    assert_int_equal(drops(w, TAPIR_DROP_MULTICAST_NOT_JOINED), 1);

    /* Rule 1 of RFC 3376 §5.2: a pending general answer covers a later group query. */
    before = w->count;
    igmp_v3_query(w, "0.0.0.0", 1); /* due within 0.1 s */
    igmp_v3_query(w, "239.1.2.3", 100);
    netsim_advance(&w->n, 20 * S);
    assert_int_equal(w->count, before + 1);
    world_free(w);
}

static void test_igmp_v2_compat(void **state)
{
    (void)state;
    struct world *w = world_new();
    join(w, "239.1.2.3");
    netsim_advance(&w->n, 5 * S);
    assert_int_equal(w->count, 2);

    /* An IGMPv2 general query (Max Resp Time 1 s): a v2 report to the group within 1 s. */
    tapir_instant tq = now(w);
    struct tapir_igmp_repr q = {.type = TAPIR_IGMP_QUERY, .version = 2, .max_resp_code = 10};
    inject_igmp(w, "224.0.0.1", &q, 1);
    assert_int_equal(tapir_iface_mcast_version(A(w), TAPIR_IP_V4, now(w)), 2);
    netsim_advance(&w->n, 5 * S);
    assert_int_equal(w->count, 3);
    assert_true(w->sent[2].at > tq && w->sent[2].at <= tq + 1 * S);
    struct tapir_igmp_repr m;
    assert_int_equal(sent_igmp(w, 2, &m), 3); /* to 239.1.2.3 itself */
    assert_int_equal(m.type, TAPIR_IGMP_V2_REPORT);
    assert_memory_equal(m.group.bytes, netsim_ip("239.1.2.3").v4.bytes, 4);

    /* In v2 mode a join sends two v2 reports (the second within 10 s), a leave one leave
     * to all-routers. */
    tapir_instant t0 = now(w);
    join(w, "239.1.2.5");
    netsim_advance(&w->n, 12 * S);
    assert_int_equal(w->count, 5);
    assert_int_equal(w->sent[3].at, t0);
    assert_true(w->sent[4].at > t0 && w->sent[4].at <= t0 + 10 * S);
    for (unsigned i = 3; i < 5; i++) {
        assert_int_equal(sent_igmp(w, i, &m), 5);
        assert_int_equal(m.type, TAPIR_IGMP_V2_REPORT);
    }
    leave(w, "239.1.2.5");
    netsim_advance(&w->n, 12 * S);
    assert_int_equal(w->count, 6);
    assert_int_equal(sent_igmp(w, 5, &m), 2); /* 224.0.0.2 */
    assert_int_equal(m.type, TAPIR_IGMP_V2_LEAVE);
    assert_memory_equal(m.group.bytes, netsim_ip("239.1.2.5").v4.bytes, 4);

    /* Two groups, a v2 general query (Max Resp Time 10 s): a timer per group, each with
     * its own random delay (RFC 2236 §3). Then another member's report of 239.1.2.3
     * stops our answer about it (report suppression): only 239.1.2.7 is reported. */
    join(w, "239.1.2.7");
    netsim_advance(&w->n, 12 * S);
    assert_int_equal(w->count, 8);
    tapir_instant tg = now(w);
    q = (struct tapir_igmp_repr){.type = TAPIR_IGMP_QUERY, .version = 2, .max_resp_code = 100};
    inject_igmp(w, "224.0.0.1", &q, 1);
    netsim_advance(&w->n, 12 * S);
    assert_int_equal(w->count, 10);
    assert_true(w->sent[8].at != w->sent[9].at);
    unsigned seen = 0;
    for (unsigned i = 8; i < 10; i++) {
        assert_true(w->sent[i].at > tg && w->sent[i].at <= tg + 10 * S);
        seen |= 1u << sent_igmp(w, i, &m);
        assert_int_equal(m.type, TAPIR_IGMP_V2_REPORT);
    }
    assert_int_equal(seen, (1u << 3) | (1u << 7));
    inject_igmp(w, "224.0.0.1", &q, 1);
    struct tapir_igmp_repr other = {.type = TAPIR_IGMP_V2_REPORT, .version = 2};
    other.group = netsim_ip("239.1.2.3").v4;
    inject_igmp(w, "239.1.2.3", &other, 1);
    netsim_advance(&w->n, 12 * S);
    assert_int_equal(w->count, 11);
    assert_int_equal(sent_igmp(w, 10, &m), 7);
    leave(w, "239.1.2.7");
    netsim_advance(&w->n, 12 * S);
    assert_int_equal(w->count, 12);
    assert_int_equal(sent_igmp(w, 11, &m), 2);

    /* Back to IGMPv3 after the Older Version Querier Present Timeout: 2 * 125 s + 10 s
     * from the last IGMPv2 query. */
    tq = now(w) - 24 * S;
    assert_int_equal(tapir_iface_mcast_version(A(w), TAPIR_IP_V4, tq + 260 * S - 1), 2);
    assert_int_equal(tapir_iface_mcast_version(A(w), TAPIR_IP_V4, tq + 260 * S), 3);
    netsim_advance(&w->n, tq + 260 * S - now(w));
    assert_int_equal(w->count, 12);
    leave(w, "239.1.2.3");
    netsim_advance(&w->n, 5 * S);
    assert_int_equal(w->count, 14);
    sent_igmp(w, 12, &m);
    assert_igmp_record(&m, TAPIR_IGMP_CHANGE_TO_INCLUDE, "239.1.2.3");

    /* An IGMPv1 query: v1 reports, and no leave at all. */
    join(w, "239.1.2.6");
    netsim_advance(&w->n, 5 * S);
    assert_int_equal(w->count, 16);
    q = (struct tapir_igmp_repr){.type = TAPIR_IGMP_QUERY, .version = 1};
    tq = now(w);
    inject_igmp(w, "224.0.0.1", &q, 1);
    assert_int_equal(tapir_iface_mcast_version(A(w), TAPIR_IP_V4, now(w)), 1);
    netsim_advance(&w->n, 11 * S);
    assert_int_equal(w->count, 17);
    assert_true(w->sent[16].at > tq && w->sent[16].at <= tq + 10 * S);
    assert_int_equal(sent_igmp(w, 16, &m), 6);
    assert_int_equal(m.type, TAPIR_IGMP_V1_REPORT);
    leave(w, "239.1.2.6");
    netsim_advance(&w->n, 12 * S);
    assert_int_equal(w->count, 17);
    world_free(w);
}

static void test_igmp_group_filter(void **state)
{
    (void)state;
    struct world *w = world_new();
    inject_udp(w, "239.1.2.3");
    assert_int_equal(drops(w, TAPIR_DROP_MULTICAST_NOT_JOINED), 1);
    assert_int_equal(drops(w, TAPIR_DROP_NO_SOCKET), 0);
    join(w, "239.1.2.3");
    inject_udp(w, "239.1.2.3");
    assert_int_equal(drops(w, TAPIR_DROP_MULTICAST_NOT_JOINED), 1);
    assert_int_equal(drops(w, TAPIR_DROP_NO_SOCKET), 1); /* accepted: no UDP socket yet */
    assert_int_equal(tapir_iface_stats(A(w))->icmp_errors_sent, 0); /* never to a group */
    inject_udp(w, "239.1.2.4");
    assert_int_equal(drops(w, TAPIR_DROP_MULTICAST_NOT_JOINED), 2);
    leave(w, "239.1.2.3");
    inject_udp(w, "239.1.2.3");
    assert_int_equal(drops(w, TAPIR_DROP_MULTICAST_NOT_JOINED), 3);
    assert_int_equal(drops(w, TAPIR_DROP_NO_SOCKET), 1);
    world_free(w);
}

static void test_igmp_invalid(void **state)
{
    (void)state;
    struct world *w = world_new();
    join(w, "239.1.2.3");
    netsim_advance(&w->n, 5 * S);
    unsigned before = w->count;
    /* TTL 2: forwarded or forged (RFC 3376 §4); not answered. */
    struct tapir_igmp_repr q = {.type = TAPIR_IGMP_QUERY, .version = 3, .max_resp_code = 10};
    inject_igmp(w, "224.0.0.1", &q, 2);
    assert_int_equal(drops(w, TAPIR_DROP_HOP_LIMIT), 1);
    /* A bad checksum. */
    uint8_t frame[64];
    struct tapir_igmp_repr r = {.type = TAPIR_IGMP_V2_REPORT, .version = 2};
    r.group = netsim_ip("239.1.2.3").v4;
    inject_igmp(w, "239.1.2.3", &r, 1); /* another member's report: consumed, not a drop */
    assert_int_equal(drops(w, TAPIR_DROP_MCAST_INVALID), 0);
    (void)frame;
    struct golden g;
    golden_load("igmp_v2.pcap", &g);
    uint8_t bad[64];
    memcpy(bad, g.frames[0].data, g.frames[0].len); /* the v2 general query */
    bad[14 + 24 + 3] ^= 1;
    inject(w, bad, g.frames[0].len);
    assert_int_equal(drops(w, TAPIR_DROP_MCAST_INVALID), 1);
    golden_free(&g);
    netsim_advance(&w->n, 15 * S);
    assert_int_equal(w->count, before);
    assert_int_equal(tapir_iface_mcast_version(A(w), TAPIR_IP_V4, now(w)), 3);
    world_free(w);
}

static void test_api_errors(void **state)
{
    (void)state;
    struct world *w = world_new();
    struct tapir_ip_addr g = netsim_ip("192.168.69.7");
    assert_int_equal(tapir_iface_join_group(A(w), &g, now(w)), TAPIR_EINVAL);
    g = netsim_ip("fdaa::7");
    assert_int_equal(tapir_iface_join_group(A(w), &g, now(w)), TAPIR_EINVAL);
    struct tapir_ip_addr none = {.version = TAPIR_IP_NONE};
    assert_int_equal(tapir_iface_join_group(A(w), &none, now(w)), TAPIR_EINVAL);
    g = netsim_ip("239.1.2.3");
    assert_int_equal(tapir_iface_leave_group(A(w), &g, now(w)), TAPIR_EINVAL);
    for (unsigned i = 0; i < TAPIR_IFACE_MAX_GROUPS; i++) {
        g.v4.bytes[3] = (uint8_t)(10 + i);
        assert_int_equal(tapir_iface_join_group(A(w), &g, now(w)), 0);
    }
    g.v4.bytes[3] = 99;
    assert_int_equal(tapir_iface_join_group(A(w), &g, now(w)), TAPIR_ENOBUFS);
    g.v4.bytes[3] = 10;
    assert_int_equal(tapir_iface_join_group(A(w), &g, now(w)), 0); /* counted, no new slot */
    struct tapir_ip_addr list[TAPIR_IFACE_MAX_GROUPS];
    assert_int_equal(tapir_iface_groups(A(w), list, 2), TAPIR_IFACE_MAX_GROUPS);
    /* A slot whose leave is still being announced goes to a new member. */
    g.v4.bytes[3] = 11;
    assert_int_equal(tapir_iface_leave_group(A(w), &g, now(w)), 0);
    g.v4.bytes[3] = 99;
    assert_int_equal(tapir_iface_join_group(A(w), &g, now(w)), 0);
    assert_int_equal(tapir_iface_mcast_version(A(w), TAPIR_IP_NONE, now(w)), TAPIR_EINVAL);
    world_free(w);

    /* All-systems and all-nodes: joined silently. */
    w = world_new();
    join(w, "224.0.0.1");
    join(w, "ff02::1");
    join(w, "ff01::5"); /* interface-local scope */
    netsim_advance(&w->n, 5 * S);
    assert_int_equal(w->count, 0);
    leave(w, "224.0.0.1");
    leave(w, "ff02::1");
    netsim_advance(&w->n, 5 * S);
    assert_int_equal(w->count, 0);
    world_free(w);
}

/* ---- MLD ---- */

static void test_mld_join_reports(void **state)
{
    (void)state;
    struct world *w = world_new();
    tapir_instant t0 = now(w);
    join(w, "ff15::1234");
    netsim_advance(&w->n, 10 * S);
    assert_int_equal(w->count, 2);
    assert_int_equal(w->sent[0].at, t0);
    assert_true(w->sent[1].at > t0 && w->sent[1].at <= t0 + 1 * S);
    for (unsigned i = 0; i < 2; i++) {
        struct tapir_mld_repr m;
        struct tapir_ipv6_addr dst = sent_mld(w, i, &m);
        assert_memory_equal(dst.bytes, netsim_ip("ff02::16").v6.bytes, 16);
        assert_mld_record(&m, TAPIR_MLD_CHANGE_TO_EXCLUDE, "ff15::1234");
    }

    /* Linux's first report on joining ff15::1234, from A: new MAC, source and checksum. */
    struct golden g;
    golden_load("mld_v2_report.pcap", &g);
    size_t len = g.frames[0].len;
    assert_int_equal(len, w->sent[0].len);
    uint8_t want[128];
    memcpy(want, g.frames[0].data, len);
    want[11] = 0x01;
    struct tapir_ipv6_addr ll = netsim_ip("fe80::ff:fe00:1").v6;
    memcpy(want + 14 + 8, ll.bytes, 16);
    struct tapir_pseudo_header ph = {.protocol = 58};
    ph.src = netsim_ip("fe80::ff:fe00:1");
    ph.dst = netsim_ip("ff02::16");
    struct tapir_icmpv6_repr icmp;
    struct tapir_mld_repr m;
    assert_int_equal(tapir_icmpv6_parse(want + 62, len - 62, NULL, &icmp), 0);
    assert_int_equal(tapir_mld_parse(&icmp, &m), 0);
    assert_int_equal(tapir_mld_emit(&m, &ph, want + 62, len - 62), (int)(len - 62));
    assert_memory_equal(w->sent[0].frame, want, len);
    golden_free(&g);

    /* The leave: TO_IN {} twice. */
    t0 = now(w);
    leave(w, "ff15::1234");
    netsim_advance(&w->n, 5 * S);
    assert_int_equal(w->count, 4);
    assert_int_equal(w->sent[2].at, t0);
    assert_true(w->sent[3].at > t0 && w->sent[3].at <= t0 + 1 * S);
    sent_mld(w, 3, &m);
    assert_mld_record(&m, TAPIR_MLD_CHANGE_TO_INCLUDE, "ff15::1234");
    world_free(w);
}

static void mld_query(struct world *w, const char *src, const char *group, unsigned version,
                      uint16_t max_ms, uint8_t hlim)
{
    struct tapir_mld_repr q = {.type = TAPIR_ICMPV6_MLD_QUERY,
                               .version = (uint8_t)version,
                               .max_resp_code = max_ms,
                               .qflags = 2,
                               .qqic = 125};
    if (version == 1)
        q.qflags = q.qqic = 0;
    q.mcast_addr = netsim_ip(group).v6;
    bool general = strcmp(group, "::") == 0;
    inject_mld(w, src, general ? "ff02::1" : group, &q, hlim);
}

static void test_mld_queries(void **state)
{
    (void)state;
    struct world *w = world_new();
    join(w, "ff15::1234");
    netsim_advance(&w->n, 5 * S);
    assert_int_equal(w->count, 2);

    /* MLDv2 general query: one report, within 2 s, of ff15::1234 and our solicited-node
     * group ff02::1:ff00:1 (fdaa::1 and fe80::ff:fe00:1 share it): reported (RFC 3810 §6). */
    tapir_instant t0 = now(w);
    mld_query(w, "fe80::ff:fe00:2", "::", 2, 2000, 1);
    netsim_advance(&w->n, 5 * S);
    assert_int_equal(w->count, 3);
    assert_true(w->sent[2].at > t0 && w->sent[2].at <= t0 + 2 * S);
    struct tapir_mld_repr m;
    sent_mld(w, 2, &m);
    assert_int_equal(m.type, TAPIR_ICMPV6_MLD2_REPORT);
    assert_int_equal(m.num_records, 2);
    size_t off = 0;
    struct tapir_mld_record r;
    assert_int_equal(tapir_mld_record_next(&m, &off, &r), 1);
    assert_memory_equal(r.mcast_addr.bytes, netsim_ip("ff15::1234").v6.bytes, 16);
    assert_int_equal(r.type, TAPIR_MLD_MODE_IS_EXCLUDE);
    assert_int_equal(tapir_mld_record_next(&m, &off, &r), 1);
    assert_memory_equal(r.mcast_addr.bytes, netsim_ip("ff02::1:ff00:1").v6.bytes, 16);

    /* Group-specific: ff15::1234 only. */
    t0 = now(w);
    mld_query(w, "fe80::ff:fe00:2", "ff15::1234", 2, 500, 1);
    netsim_advance(&w->n, 5 * S);
    assert_int_equal(w->count, 4);
    assert_true(w->sent[3].at > t0 && w->sent[3].at <= t0 + 500 * TAPIR_US_PER_MS);
    sent_mld(w, 3, &m);
    assert_mld_record(&m, TAPIR_MLD_MODE_IS_EXCLUDE, "ff15::1234");

    /* Not from a link-local source, or hop limit 2: discarded (RFC 3810 §5.1.14, §5). */
    mld_query(w, "fdaa::100", "::", 2, 500, 1);
    assert_int_equal(drops(w, TAPIR_DROP_MCAST_INVALID), 1);
    mld_query(w, "fe80::ff:fe00:2", "::", 2, 500, 2);
    assert_int_equal(drops(w, TAPIR_DROP_HOP_LIMIT), 1);
    netsim_advance(&w->n, 5 * S);
    assert_int_equal(w->count, 4);

    /* MLDv1 query: v1 reports to each group, then a join is reported in MLDv1 and a leave
     * is one done to ff02::2; MLDv2 again after 260 s. */
    t0 = now(w);
    mld_query(w, "fe80::ff:fe00:2", "::", 1, 1000, 1);
    assert_int_equal(tapir_iface_mcast_version(A(w), TAPIR_IP_V6, now(w)), 1);
    netsim_advance(&w->n, 5 * S);
    assert_int_equal(w->count, 6);
    for (unsigned i = 4; i < 6; i++) {
        assert_true(w->sent[i].at > t0 && w->sent[i].at <= t0 + 1 * S);
        struct tapir_ipv6_addr dst = sent_mld(w, i, &m);
        assert_int_equal(m.type, TAPIR_ICMPV6_MLD_REPORT);
        assert_memory_equal(dst.bytes, m.mcast_addr.bytes, 16); /* to the group itself */
    }
    leave(w, "ff15::1234");
    netsim_advance(&w->n, 5 * S);
    assert_int_equal(w->count, 7);
    struct tapir_ipv6_addr dst = sent_mld(w, 6, &m);
    assert_int_equal(m.type, TAPIR_ICMPV6_MLD_DONE);
    assert_memory_equal(dst.bytes, netsim_ip("ff02::2").v6.bytes, 16);
    assert_memory_equal(m.mcast_addr.bytes, netsim_ip("ff15::1234").v6.bytes, 16);
    assert_int_equal(tapir_iface_mcast_version(A(w), TAPIR_IP_V6, t0 + 260 * S), 2);
    world_free(w);
}

static void test_mld_group_filter(void **state)
{
    (void)state;
    struct world *w = world_new();
    inject_udp(w, "ff15::1234");
    assert_int_equal(drops(w, TAPIR_DROP_MULTICAST_NOT_JOINED), 1);
    join(w, "ff15::1234");
    inject_udp(w, "ff15::1234");
    assert_int_equal(drops(w, TAPIR_DROP_MULTICAST_NOT_JOINED), 1);
    assert_int_equal(drops(w, TAPIR_DROP_NO_SOCKET), 1);
    leave(w, "ff15::1234");
    inject_udp(w, "ff15::1234");
    assert_int_equal(drops(w, TAPIR_DROP_MULTICAST_NOT_JOINED), 2);
    world_free(w);
}

int main(int argc, char **argv)
{
    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_igmp_join_reports),   cmocka_unit_test(test_igmp_leave),
        cmocka_unit_test(test_igmp_query_answered), cmocka_unit_test(test_igmp_v2_compat),
        cmocka_unit_test(test_igmp_group_filter),   cmocka_unit_test(test_igmp_invalid),
        cmocka_unit_test(test_api_errors),          cmocka_unit_test(test_mld_join_reports),
        cmocka_unit_test(test_mld_queries),         cmocka_unit_test(test_mld_group_filter),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
