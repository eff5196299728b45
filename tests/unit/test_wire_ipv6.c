/* IPv6 against golden packets captured from Linux (tests/data/ipv6_*.pcap, written by
 * tests/data/capture/ipv6.sh): parse with the right fields, emit identical bytes, reject
 * every truncation, reject corruptions with the specific error, print as tcpdump -v. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "golden.h"
#include "wire_slices.h"
#include "tapir/error.h"
#include "tapir/wire/ipv6.h"

/* What a golden packet must parse to. */
struct expect {
    const char *line; /* tapir_ipv6_print; tcpdump -v -nr prints the same up to the upper
                       * layer (UDP ports aside, which tcpdump glues to the addresses) */
    const char *src, *dst;
    uint8_t hop_limit;
    uint8_t upper;
    size_t ext_count;
    uint8_t ext_types[4];
    size_t ext_len;
    size_t payload_len;
    bool has_fragment;
    uint16_t frag_offset;
    bool more_frags;
    uint32_t frag_ident;
};

static void assert_same_repr(const struct tapir_ipv6_repr *a, const struct tapir_ipv6_repr *b)
{
    assert_memory_equal(&a->src, &b->src, sizeof a->src);
    assert_memory_equal(&a->dst, &b->dst, sizeof a->dst);
    assert_int_equal(a->traffic_class, b->traffic_class);
    assert_int_equal(a->flow_label, b->flow_label);
    assert_int_equal(a->hop_limit, b->hop_limit);
    assert_int_equal(a->next_header, b->next_header);
    assert_int_equal(a->upper_protocol, b->upper_protocol);
    assert_int_equal(a->ext_len, b->ext_len);
    assert_memory_equal(a->ext, b->ext, a->ext_len);
    assert_int_equal(a->ext_count, b->ext_count);
    assert_memory_equal(a->exts, b->exts, a->ext_count * sizeof a->exts[0]);
    assert_int_equal(a->has_fragment, b->has_fragment);
    assert_int_equal(a->frag_offset, b->frag_offset);
    assert_int_equal(a->more_frags, b->more_frags);
    assert_int_equal(a->frag_ident, b->frag_ident);
    assert_int_equal(a->payload_len, b->payload_len);
    assert_memory_equal(a->payload, b->payload, a->payload_len);
}

/* parse -> emit into a 0xa5-filled buffer -> same bytes, nothing written past them ->
 * parse again -> same repr; a buffer one byte short is refused. */
static void roundtrip(const uint8_t *pkt, size_t len)
{
    struct tapir_ipv6_repr r, r2;
    assert_int_equal(tapir_ipv6_parse(pkt, len, &r), 0);
    assert_int_equal(tapir_ipv6_header_len(&r) + r.payload_len, len);
    uint8_t *out = malloc(len + 8);
    memset(out, 0xa5, len + 8);
    assert_int_equal(tapir_ipv6_emit(&r, out, len + 8), (int)len);
    assert_memory_equal(out, pkt, len);
    for (size_t i = len; i < len + 8; i++)
        assert_int_equal(out[i], 0xa5);
    assert_int_equal(tapir_ipv6_parse(out, len, &r2), 0);
    assert_same_repr(&r, &r2);
    assert_ptr_equal(r2.ext, out + 40);
    assert_ptr_equal(r2.payload, out + tapir_ipv6_header_len(&r));
    assert_int_equal(tapir_ipv6_emit(&r, out, len - 1), TAPIR_ENOBUFS);
    assert_int_equal(tapir_ipv6_emit(&r, out, tapir_ipv6_header_len(&r) - 1), TAPIR_ENOBUFS);
    free(out);
}

/* Every length from 0 to len - 1 is truncated, whatever the headers inside. */
static void all_truncations(const uint8_t *pkt, size_t len)
{
    struct tapir_ipv6_repr r;
    for (size_t cut = 0; cut < len; cut++) {
        uint8_t *p = exact_copy(pkt, cut);
        assert_int_equal(tapir_ipv6_parse(p, cut, &r), TAPIR_ETRUNCATED);
        free(p);
    }
}

/* Packet `i` of a golden capture against its expectation ((const struct expect *)arg)[i],
 * then its round trip and every truncation. */
static void check_packet(const struct golden *g, size_t i, const void *arg)
{
    const struct expect *ex = arg;
    size_t len;
    struct tapir_ipv6_repr r;
    const uint8_t *pkt = golden_ipv6(g, i, &len, &r);
    assert_ipv6_addr(&r.src, ex[i].src);
    assert_ipv6_addr(&r.dst, ex[i].dst);
    assert_int_equal(r.next_header, pkt[6]);
    assert_int_equal(r.hop_limit, ex[i].hop_limit);
    assert_int_equal(r.upper_protocol, ex[i].upper);
    assert_int_equal(r.ext_count, ex[i].ext_count);
    size_t off = 0;
    for (size_t k = 0; k < r.ext_count; k++) {
        assert_int_equal(r.exts[k].type, ex[i].ext_types[k]);
        assert_int_equal(r.exts[k].offset, off);
        off += r.exts[k].len;
    }
    assert_int_equal(off, r.ext_len);
    assert_int_equal(r.ext_len, ex[i].ext_len);
    assert_ptr_equal(r.ext, pkt + 40);
    assert_int_equal(r.payload_len, ex[i].payload_len);
    assert_ptr_equal(r.payload, pkt + 40 + r.ext_len);
    assert_int_equal(r.has_fragment, ex[i].has_fragment);
    assert_int_equal(r.frag_offset, ex[i].frag_offset);
    assert_int_equal(r.more_frags, ex[i].more_frags);
    assert_int_equal(r.frag_ident, ex[i].frag_ident);
    assert_prints(tapir_ipv6_print, &r, ex[i].line);

    roundtrip(pkt, len);
    all_truncations(pkt, len);
}

static void test_ping(void **state)
{
    (void)state;
    /* clang-format off */
    static const struct expect ex[] = {
        {.src = "fdaa::100", .dst = "fdaa::1", .hop_limit = 64, .upper = 58, .payload_len = 64,
         .line = "IP6 (flowlabel 0x60eaa, hlim 64, next-header ICMPv6 (58) payload length: 64) "
                 "fdaa::100 > fdaa::1"},
        {.src = "fdaa::1", .dst = "fdaa::100", .hop_limit = 64, .upper = 58, .payload_len = 64,
         .line = "IP6 (flowlabel 0x042de, hlim 64, next-header ICMPv6 (58) payload length: 64) "
                 "fdaa::1 > fdaa::100"},
    };
    /* clang-format on */
    golden_each("ipv6_ping.pcap", 2, check_packet, ex);

    struct golden g;
    golden_load("ipv6_ping.pcap", &g);
    size_t len;
    struct tapir_ipv6_repr r;
    const uint8_t *pkt = golden_ipv6(&g, 0, &len, &r);
    assert_int_equal(r.traffic_class, 0);
    assert_int_equal(r.flow_label, 0x60eaa);
    assert_int_equal(pkt[40], 128); /* the payload is the ICMPv6 echo request */
    assert_prints(tapir_ipv6_print_verbose, &r,
                  "IPv6\n"
                  "  version: 6\n"
                  "  traffic class: 0x00 (DSCP 0, ECN 0)\n"
                  "  flow label: 0x60eaa\n"
                  "  payload length: 64\n"
                  "  next header: ICMPv6 (58)\n"
                  "  hop limit: 64\n"
                  "  source: fdaa::100\n"
                  "  destination: fdaa::1\n"
                  "  upper-layer protocol: ICMPv6 (58)\n"
                  "  header length: 40\n"
                  "  upper-layer length: 64\n");
    golden_free(&g);
}

static void test_frag(void **state)
{
    (void)state;
    /* Two echoes, each in three fragments: what differs between the six. */
    static const struct {
        const char *src, *dst;
        uint32_t ident;
        uint16_t offset;
        size_t len;
        bool more;
        const char *line;
    } frags[] = {
        {"fdaa::100", "fdaa::1", 0x1b60e74c, 0, 1448, true,
         "IP6 (flowlabel 0x60eaa, hlim 64, next-header Fragment (44) payload length: 1456) "
         "fdaa::100 > fdaa::1: frag (0x1b60e74c:0|1448)"},
        {"fdaa::100", "fdaa::1", 0x1b60e74c, 1448, 1448, true,
         "IP6 (flowlabel 0x60eaa, hlim 64, next-header Fragment (44) payload length: 1456) "
         "fdaa::100 > fdaa::1: frag (0x1b60e74c:1448|1448)"},
        {"fdaa::100", "fdaa::1", 0x1b60e74c, 2896, 112, false,
         "IP6 (flowlabel 0x60eaa, hlim 64, next-header Fragment (44) payload length: 120) "
         "fdaa::100 > fdaa::1: frag (0x1b60e74c:2896|112)"},
        {"fdaa::1", "fdaa::100", 0x71d87d06, 0, 1448, true,
         "IP6 (flowlabel 0x042de, hlim 64, next-header Fragment (44) payload length: 1456) "
         "fdaa::1 > fdaa::100: frag (0x71d87d06:0|1448)"},
        {"fdaa::1", "fdaa::100", 0x71d87d06, 1448, 1448, true,
         "IP6 (flowlabel 0x042de, hlim 64, next-header Fragment (44) payload length: 1456) "
         "fdaa::1 > fdaa::100: frag (0x71d87d06:1448|1448)"},
        {"fdaa::1", "fdaa::100", 0x71d87d06, 2896, 112, false,
         "IP6 (flowlabel 0x042de, hlim 64, next-header Fragment (44) payload length: 120) "
         "fdaa::1 > fdaa::100: frag (0x71d87d06:2896|112)"},
    };
    struct expect ex[6];
    for (size_t i = 0; i < 6; i++)
        ex[i] = (struct expect){.src = frags[i].src,
                                .dst = frags[i].dst,
                                .hop_limit = 64,
                                .upper = 58,
                                .ext_count = 1,
                                .ext_types = {44},
                                .ext_len = 8,
                                .payload_len = frags[i].len,
                                .has_fragment = true,
                                .frag_offset = frags[i].offset,
                                .more_frags = frags[i].more,
                                .frag_ident = frags[i].ident,
                                .line = frags[i].line};
    golden_each("ipv6_frag.pcap", 6, check_packet, ex);

    struct golden g;
    golden_load("ipv6_frag.pcap", &g);
    const uint8_t *pkt;
    size_t len;
    struct tapir_ipv6_repr r;
    char buf[1024];

    /* The first fragment's payload starts with the ICMPv6 header ... */
    pkt = golden_ipv6(&g, 0, &len, &r);
    assert_int_equal(r.payload[0], 128);

    /* ... a later one's is opaque data: the walk stops after the Fragment header. */
    pkt = golden_ipv6(&g, 1, &len, &r);
    assert_prints(tapir_ipv6_print_verbose, &r,
                  "IPv6\n"
                  "  version: 6\n"
                  "  traffic class: 0x00 (DSCP 0, ECN 0)\n"
                  "  flow label: 0x60eaa\n"
                  "  payload length: 1456\n"
                  "  next header: Fragment (44)\n"
                  "  hop limit: 64\n"
                  "  source: fdaa::100\n"
                  "  destination: fdaa::1\n"
                  "  extension header: Fragment (44)\n"
                  "    offset: 0\n"
                  "    length: 8\n"
                  "    next header: ICMPv6 (58)\n"
                  "    fragment offset: 1448\n"
                  "    more fragments: 1\n"
                  "    identification: 0x1b60e74c\n"
                  "    reserved: 0x00, res 0x0\n"
                  "  upper-layer protocol: ICMPv6 (58)\n"
                  "  header length: 48\n"
                  "  fragment data length: 1448\n");

    /* A non-first fragment whose data happens to look like extension headers is not
     * walked into: make its first data byte pair a Hop-by-Hop header running far past
     * Payload Length, and it still parses. */
    uint8_t *p = exact_copy(pkt, len);
    p[40] = 0; /* Fragment header's Next Header: Hop-by-Hop */
    p[49] = 255;
    assert_int_equal(tapir_ipv6_parse(p, len, &r), 0);
    assert_int_equal(r.upper_protocol, 0);
    assert_int_equal(r.payload_len, 1448);
    free(p);

    /* The reserved fields are reported, not judged. */
    p = exact_copy(pkt, len);
    p[41] = 0x77;
    p[43] |= 0x06;
    assert_int_equal(tapir_ipv6_parse(p, len, &r), 0);
    assert_int_equal(r.frag_offset, 1448);
    assert_true(r.more_frags);
    print_to(buf, sizeof buf, tapir_ipv6_print_verbose, &r);
    assert_non_null(strstr(buf, "    reserved: 0x77, res 0x3\n"));
    free(p);
    golden_free(&g);
}

static void test_hbh(void **state)
{
    (void)state;
    /* clang-format off */
    static const struct expect ex[] = {
        {.src = "fe80::ff:fe00:2", .dst = "ff02::16", .hop_limit = 1, .upper = 58, .ext_count = 1,
         .ext_types = {0}, .ext_len = 8, .payload_len = 28,
         .line = "IP6 (hlim 1, next-header Options (0) payload length: 36) "
                 "fe80::ff:fe00:2 > ff02::16: HBH (rtalert: 0x0000) (padn)"},
    };
    /* clang-format on */
    golden_each("ipv6_hbh.pcap", 1, check_packet, ex);

    struct golden g;
    golden_load("ipv6_hbh.pcap", &g);
    size_t len;
    struct tapir_ipv6_repr r;
    const uint8_t *pkt = golden_ipv6(&g, 0, &len, &r);
    assert_int_equal(r.payload[0], 143); /* MLDv2 report */
    assert_prints(tapir_ipv6_print_verbose, &r,
                  "IPv6\n"
                  "  version: 6\n"
                  "  traffic class: 0x00 (DSCP 0, ECN 0)\n"
                  "  flow label: 0x00000\n"
                  "  payload length: 36\n"
                  "  next header: Hop-by-Hop Options (0)\n"
                  "  hop limit: 1\n"
                  "  source: fe80::ff:fe00:2\n"
                  "  destination: ff02::16\n"
                  "  extension header: Hop-by-Hop Options (0)\n"
                  "    offset: 0\n"
                  "    length: 8\n"
                  "    next header: ICMPv6 (58)\n"
                  "    option: Router Alert (0x05), action 0, change 0, length 2, "
                  "value 0 (MLD)\n"
                  "    option: PadN (0x01), action 0, change 0, length 0\n"
                  "  upper-layer protocol: ICMPv6 (58)\n"
                  "  header length: 48\n"
                  "  upper-layer length: 28\n");

    /* The builder writes exactly the Hop-by-Hop header Linux put on its MLD report. */
    uint8_t hbh[TAPIR_IPV6_RTALERT_HBH_LEN];
    memset(hbh, 0xa5, sizeof hbh);
    assert_int_equal(tapir_ipv6_hbh_router_alert_emit(58, TAPIR_IPV6_RTALERT_MLD, hbh, sizeof hbh),
                     TAPIR_IPV6_RTALERT_HBH_LEN);
    assert_memory_equal(hbh, pkt + 40, sizeof hbh);
    assert_int_equal(tapir_ipv6_hbh_router_alert_emit(58, 0, hbh, sizeof hbh - 1), TAPIR_ENOBUFS);

    /* And a packet built from fields, that header and the MLD payload is the golden one. */
    struct tapir_ipv6_repr b;
    memset(&b, 0, sizeof b);
    b.src = ipv6_addr("fe80::ff:fe00:2");
    b.dst = ipv6_addr("ff02::16");
    b.hop_limit = 1;
    b.next_header = TAPIR_IPV6_NH_HOPOPTS;
    b.ext = hbh;
    b.ext_len = sizeof hbh;
    b.payload = r.payload;
    b.payload_len = r.payload_len;
    uint8_t out[128];
    memset(out, 0xa5, sizeof out);
    assert_int_equal(tapir_ipv6_emit(&b, out, sizeof out), (int)len);
    assert_memory_equal(out, pkt, len);
    assert_int_equal(out[len], 0xa5);
    golden_free(&g);
}

static void test_ext(void **state)
{
    (void)state;
    /* clang-format off */
    static const struct expect ex[] = {
        {.src = "fdaa::100", .dst = "fdaa::1", .hop_limit = 64, .upper = 58, .ext_count = 1,
         .ext_types = {60}, .ext_len = 8, .payload_len = 19,
         .line = "IP6 (flowlabel 0x0beef, hlim 64, next-header unknown (60) payload length: 27) "
                 "fdaa::100 > fdaa::1: DSTOPT (padn)"},
        {.src = "fdaa::1", .dst = "fdaa::100", .hop_limit = 64, .upper = 58, .payload_len = 19,
         .line = "IP6 (flowlabel 0x042de, hlim 64, next-header ICMPv6 (58) payload length: 19) "
                 "fdaa::1 > fdaa::100"},
        {.src = "fdaa::100", .dst = "fdaa::1", .hop_limit = 64, .upper = 58, .ext_count = 1,
         .ext_types = {43}, .ext_len = 24, .payload_len = 19,
         .line = "IP6 (flowlabel 0x0beef, hlim 64, next-header Routing (43) payload length: 43) "
                 "fdaa::100 > fdaa::1: RT6 (len=2, type=0 [Deprecated], segleft=0, rsv=0x0, "
                 "[0]fdaa::1)"},
        {.src = "fdaa::1", .dst = "fdaa::100", .hop_limit = 64, .upper = 58, .payload_len = 19,
         .line = "IP6 (flowlabel 0x042de, hlim 64, next-header ICMPv6 (58) payload length: 19) "
                 "fdaa::1 > fdaa::100"},
        {.src = "fdaa::100", .dst = "fdaa::1", .hop_limit = 64, .upper = 58, .ext_count = 1,
         .ext_types = {43}, .ext_len = 40, .payload_len = 19,
         .line = "IP6 (hlim 64, next-header Routing (43) payload length: 59) fdaa::100 > fdaa::1: "
                 "RT6 (len=4, type=4, segleft=1, last-entry=1, flags=0x0, tag=0, [0]fdaa::2, "
                 "[1]fdaa::1)"},
        {.src = "fdaa::100", .dst = "fdaa::1", .hop_limit = 64, .upper = 58, .ext_count = 4,
         .ext_types = {0, 60, 43, 60}, .ext_len = 56, .payload_len = 19,
         .line = "IP6 (flowlabel 0x0beef, hlim 64, next-header Options (0) payload length: 75) "
                 "fdaa::100 > fdaa::1: HBH (padn)(opt_type 0x1e: len=2)(padn) DSTOPT (padn) "
                 "RT6 (len=2, type=0 [Deprecated], segleft=0, rsv=0x0, [0]fdaa::1) DSTOPT (padn)"},
        {.src = "fdaa::1", .dst = "fdaa::100", .hop_limit = 64, .upper = 58, .payload_len = 19,
         .line = "IP6 (flowlabel 0x042de, hlim 64, next-header ICMPv6 (58) payload length: 19) "
                 "fdaa::1 > fdaa::100"},
        /* tcpdump gives up on type 253: "RT6 (len=2, type=253, segleft=1 (unknown type)" */
        {.src = "fdaa::100", .dst = "fdaa::1", .hop_limit = 64, .upper = 58, .ext_count = 1,
         .ext_types = {43}, .ext_len = 24, .payload_len = 19,
         .line = "IP6 (flowlabel 0x0beef, hlim 64, next-header Routing (43) payload length: 43) "
                 "fdaa::100 > fdaa::1: RT6 (len=2, type=253, segleft=1)"},
        {.src = "fdaa::1", .dst = "fdaa::100", .hop_limit = 64, .upper = 58, .payload_len = 91,
         .line = "IP6 (flowlabel 0x72067, hlim 64, next-header ICMPv6 (58) payload length: 91) "
                 "fdaa::1 > fdaa::100"},
    };
    /* clang-format on */
    golden_each("ipv6_ext.pcap", 9, check_packet, ex);

    struct golden g;
    golden_load("ipv6_ext.pcap", &g);
    size_t len;
    struct tapir_ipv6_repr r;
    char buf[2048];

    golden_ipv6(&g, 5, &len, &r);
    assert_int_equal(r.payload[0], 128);
    assert_prints(tapir_ipv6_print_verbose, &r,
                  "IPv6\n"
                  "  version: 6\n"
                  "  traffic class: 0x00 (DSCP 0, ECN 0)\n"
                  "  flow label: 0x0beef\n"
                  "  payload length: 75\n"
                  "  next header: Hop-by-Hop Options (0)\n"
                  "  hop limit: 64\n"
                  "  source: fdaa::100\n"
                  "  destination: fdaa::1\n"
                  "  extension header: Hop-by-Hop Options (0)\n"
                  "    offset: 0\n"
                  "    length: 16\n"
                  "    next header: Destination Options (60)\n"
                  "    option: PadN (0x01), action 0, change 0, length 2, data 0000\n"
                  "    option: unknown (0x1e), action 0, change 0, length 2, data 0102\n"
                  "    option: PadN (0x01), action 0, change 0, length 4, data 00000000\n"
                  "  extension header: Destination Options (60)\n"
                  "    offset: 16\n"
                  "    length: 8\n"
                  "    next header: Routing (43)\n"
                  "    option: PadN (0x01), action 0, change 0, length 4, data 00000000\n"
                  "  extension header: Routing (43)\n"
                  "    offset: 24\n"
                  "    length: 24\n"
                  "    next header: Destination Options (60)\n"
                  "    routing type: 0 (source route, deprecated by RFC 5095)\n"
                  "    segments left: 0\n"
                  "    reserved: 0x00000000\n"
                  "    address[0]: fdaa::1\n"
                  "  extension header: Destination Options (60)\n"
                  "    offset: 48\n"
                  "    length: 8\n"
                  "    next header: ICMPv6 (58)\n"
                  "    option: PadN (0x01), action 0, change 0, length 4, data 00000000\n"
                  "  upper-layer protocol: ICMPv6 (58)\n"
                  "  header length: 96\n"
                  "  upper-layer length: 19\n");

    golden_ipv6(&g, 4, &len, &r);
    print_to(buf, sizeof buf, tapir_ipv6_print_verbose, &r);
    assert_non_null(strstr(buf, "  extension header: Routing (43)\n"
                                "    offset: 0\n"
                                "    length: 40\n"
                                "    next header: ICMPv6 (58)\n"
                                "    routing type: 4 (segment routing)\n"
                                "    segments left: 1\n"
                                "    last entry: 1\n"
                                "    flags: 0x00\n"
                                "    tag: 0x0000\n"
                                "    segment[0]: fdaa::2\n"
                                "    segment[1]: fdaa::1\n"));

    golden_ipv6(&g, 7, &len, &r);
    print_to(buf, sizeof buf, tapir_ipv6_print_verbose, &r);
    assert_non_null(strstr(buf, "    routing type: 253 (experimental, RFC 4727)\n"
                                "    segments left: 1\n"
                                "    type-specific data: "
                                "00000000fdaa0000000000000000000000000001\n"));
    golden_free(&g);
}

static void test_udp(void **state)
{
    (void)state;
    /* clang-format off */
    static const struct expect ex[] = {
        {.src = "fdaa::100", .dst = "fdaa::1", .hop_limit = 64, .upper = 17, .payload_len = 19,
         .line = "IP6 (flowlabel 0xe36ab, hlim 64, next-header UDP (17) payload length: 19) "
                 "fdaa::100 > fdaa::1"},
    };
    /* clang-format on */
    golden_each("ipv6_udp.pcap", 1, check_packet, ex);
}

/* Corruptions of golden packets, each rejected with its specific error. */
static void test_corruptions(void **state)
{
    (void)state;
    struct golden ping, hbh, ext, frag;
    golden_load("ipv6_ping.pcap", &ping);
    golden_load("ipv6_hbh.pcap", &hbh);
    golden_load("ipv6_ext.pcap", &ext);
    golden_load("ipv6_frag.pcap", &frag);
    const struct {
        struct golden *g;
        size_t frame;
        size_t at; /* offset in the IPv6 packet */
        uint8_t value;
        int error;
        const char *what;
    } cases[] = {
        {&ping, 0, 0, 0x40, TAPIR_EBADVERSION, "version 4"},
        {&ping, 0, 0, 0x00, TAPIR_EBADVERSION, "version 0"},
        {&ping, 0, 0, 0xf6, TAPIR_EBADVERSION, "version 15"},
        {&ping, 0, 5, 65, TAPIR_ETRUNCATED, "payload length past the buffer"},
        {&ping, 0, 4, 1, TAPIR_ETRUNCATED, "payload length 320"},
        {&hbh, 0, 5, 4, TAPIR_EBADTOTALLEN, "payload length shorter than Hop-by-Hop"},
        {&hbh, 0, 5, 0, TAPIR_EBADTOTALLEN, "payload length 0 without a jumbo option"},
        {&hbh, 0, 41, 5, TAPIR_EBADTOTALLEN, "Hop-by-Hop length 48 > payload length"},
        {&hbh, 0, 41, 1, TAPIR_EBADOPTION, "Hop-by-Hop over the MLD bytes: bad TLVs"},
        {&hbh, 0, 43, 3, TAPIR_EBADOPTION, "Router Alert of length 3"},
        {&hbh, 0, 43, 1, TAPIR_EBADOPTION, "Router Alert of length 1"},
        {&hbh, 0, 47, 1, TAPIR_EBADOPTION, "PadN running past the header"},
        {&hbh, 0, 42, 0xc2, TAPIR_EBADOPTION, "jumbo option of length 2"},
        {&ext, 0, 40, 0, TAPIR_EBADOPTION, "Hop-by-Hop after Destination Options"},
        {&ext, 5, 40, 0, TAPIR_EBADOPTION, "Hop-by-Hop after Hop-by-Hop"},
        {&ext, 5, 56, 0, TAPIR_EBADOPTION, "Hop-by-Hop after Hop-by-Hop, Dest. Options"},
        {&ext, 0, 41, 4, TAPIR_EBADTOTALLEN, "Destination Options length 40 > 27"},
        {&ext, 0, 43, 5, TAPIR_EBADOPTION, "PadN of 5 in a 6-byte option area"},
        {&ext, 2, 41, 5, TAPIR_EBADTOTALLEN, "Routing length 48 > payload length 43"},
        {&ext, 2, 41, 255, TAPIR_EBADTOTALLEN, "Routing length 2048"},
        {&frag, 2, 5, 4, TAPIR_EBADTOTALLEN, "payload length 4 < Fragment header"},
        {&frag, 0, 40, 44, TAPIR_EUNSUPPORTED, "Fragment header after Fragment header"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t len;
        const uint8_t *pkt = golden_at(cases[i].g, cases[i].frame, TAPIR_LAYER_IPV6, &len);
        uint8_t *p = exact_copy(pkt, len);
        p[cases[i].at] = cases[i].value;
        struct tapir_ipv6_repr r;
        int rc = tapir_ipv6_parse(p, len, &r);
        if (rc != cases[i].error)
            fail_msg("%s: got %s, want %s", cases[i].what, tapir_error_name(rc),
                     tapir_error_name(cases[i].error));
        free(p);
    }
    golden_free(&ping);
    golden_free(&hbh);
    golden_free(&ext);
    golden_free(&frag);
}

/* Link padding after Payload Length is not part of the packet: the payload is trimmed to
 * it and emit writes the packet without the padding. */
static void test_padding_trimmed(void **state)
{
    (void)state;
    struct golden g;
    golden_load("ipv6_ext.pcap", &g);
    size_t len;
    const uint8_t *pkt = golden_at(&g, 1, TAPIR_LAYER_IPV6, &len);
    uint8_t *p = malloc(len + 6);
    memcpy(p, pkt, len);
    memset(p + len, 0, 6);
    struct tapir_ipv6_repr r;
    assert_int_equal(tapir_ipv6_parse(p, len + 6, &r), 0);
    assert_int_equal(r.payload_len, 19);
    uint8_t out[128];
    assert_int_equal(tapir_ipv6_emit(&r, out, sizeof out), (int)len);
    assert_memory_equal(out, pkt, len);

    /* A shorter Payload Length is no error either: the rest is padding. */
    p[5] = 10;
    assert_int_equal(tapir_ipv6_parse(p, len + 6, &r), 0);
    assert_int_equal(r.payload_len, 10);
    free(p);
    golden_free(&g);
}

/* Builds fdaa::100 > fdaa::1 with the given extension bytes and a 4-byte payload. */
static size_t build(uint8_t *buf, size_t cap, uint8_t nh, const uint8_t *ext, size_t ext_len)
{
    static const uint8_t payload[4] = {0xde, 0xad, 0xbe, 0xef};
    struct tapir_ipv6_repr r;
    memset(&r, 0, sizeof r);
    r.src = ipv6_addr("fdaa::100");
    r.dst = ipv6_addr("fdaa::1");
    r.hop_limit = 64;
    r.next_header = nh;
    r.ext = ext;
    r.ext_len = ext_len;
    r.payload = payload;
    r.payload_len = sizeof payload;
    int n = tapir_ipv6_emit(&r, buf, cap);
    assert_true(n > 0);
    return (size_t)n;
}

static void test_crafted_chains(void **state)
{
    (void)state;
    uint8_t ext[128], pkt[256];
    struct tapir_ipv6_repr r;

    /* Eight Destination Options headers are accepted, nine are not. */
    for (size_t i = 0; i < 9; i++) {
        static const uint8_t dst[8] = {60, 0, TAPIR_IPV6_OPT_PADN, 4, 0, 0, 0, 0};
        memcpy(ext + 8 * i, dst, 8);
    }
    ext[7 * 8] = TAPIR_IPV6_NH_NONE;
    size_t len = build(pkt, sizeof pkt, 60, ext, 64);
    assert_int_equal(tapir_ipv6_parse(pkt, len, &r), 0);
    assert_int_equal(r.ext_count, TAPIR_IPV6_MAX_EXT);
    assert_int_equal(r.upper_protocol, TAPIR_IPV6_NH_NONE);
    assert_int_equal(r.payload_len, 4);
    roundtrip(pkt, len);
    all_truncations(pkt, len);
    ext[7 * 8] = 60;
    ext[8 * 8] = TAPIR_IPV6_NH_NONE;
    len = build(pkt, sizeof pkt, 60, ext, 72);
    assert_int_equal(tapir_ipv6_parse(pkt, len, &r), TAPIR_EUNSUPPORTED);

    /* Pad1 options, then AH: the walk stops at AH and the payload starts there. */
    static const uint8_t pad1[8] = {TAPIR_IPV6_NH_AH, 0, 0, 0, 0, 0, 0, 0};
    len = build(pkt, sizeof pkt, 60, pad1, 8);
    assert_int_equal(tapir_ipv6_parse(pkt, len, &r), 0);
    assert_int_equal(r.upper_protocol, TAPIR_IPV6_NH_AH);
    assert_int_equal(r.ext_count, 1);
    assert_ptr_equal(r.payload, pkt + 48);
    assert_prints(tapir_ipv6_print, &r,
                  "IP6 (hlim 64, next-header unknown (60) payload length: 12) fdaa::100 > "
                  "fdaa::1: DSTOPT (pad1)(pad1)(pad1)(pad1)(pad1)(pad1)");
    roundtrip(pkt, len);

    /* ESP right after the fixed header: no extension headers walked. */
    len = build(pkt, sizeof pkt, TAPIR_IPV6_NH_ESP, NULL, 0);
    assert_int_equal(tapir_ipv6_parse(pkt, len, &r), 0);
    assert_int_equal(r.upper_protocol, TAPIR_IPV6_NH_ESP);
    assert_int_equal(r.ext_count, 0);
    assert_int_equal(r.payload_len, 4);

    /* An atomic fragment (offset 0, M 0, RFC 6946) is walked through like a first one:
     * Fragment, then Destination Options, then UDP. */
    struct tapir_ipv6_frag_header fh = {
        .next_header = 60, .offset = 0, .more = false, .ident = 0x01020304};
    assert_int_equal(tapir_ipv6_frag_emit(&fh, ext, sizeof ext), 8);
    static const uint8_t dst_udp[8] = {17, 0, TAPIR_IPV6_OPT_PADN, 4, 0, 0, 0, 0};
    memcpy(ext + 8, dst_udp, 8);
    len = build(pkt, sizeof pkt, 44, ext, 16);
    assert_int_equal(tapir_ipv6_parse(pkt, len, &r), 0);
    assert_true(r.has_fragment);
    assert_false(r.more_frags);
    assert_int_equal(r.frag_offset, 0);
    assert_int_equal(r.frag_ident, 0x01020304);
    assert_int_equal(r.ext_count, 2);
    assert_int_equal(r.upper_protocol, 17);
    assert_prints(tapir_ipv6_print, &r,
                  "IP6 (hlim 64, next-header Fragment (44) payload length: 20) fdaa::100 > "
                  "fdaa::1: frag (0x01020304:0|12) DSTOPT (padn)");
    roundtrip(pkt, len);
    all_truncations(pkt, len);

    /* Class and flow label both shown, as tcpdump does. */
    r.traffic_class = 0xb8;
    r.flow_label = 0xfffff;
    assert_prints(tapir_ipv6_print, &r,
                  "IP6 (class 0xb8, flowlabel 0xfffff, hlim 64, next-header Fragment (44) "
                  "payload length: 20) fdaa::100 > fdaa::1: frag (0x01020304:0|12) "
                  "DSTOPT (padn)");
    assert_int_equal(tapir_ipv6_emit(&r, pkt, sizeof pkt), (int)len);
    assert_int_equal(pkt[0], 0x6b);
    assert_int_equal(pkt[1], 0x8f);
    assert_int_equal(tapir_ipv6_parse(pkt, len, &r), 0);
    assert_int_equal(r.traffic_class, 0xb8);
    assert_int_equal(r.flow_label, 0xfffff);
}

/* RFC 2675: Payload Length 0 and a Jumbo Payload option is a jumbogram, which tapir does
 * not handle; the option with a non-zero Payload Length is malformed. */
static void test_jumbo(void **state)
{
    (void)state;
    static const uint8_t hbh[8] = {17, 0, TAPIR_IPV6_OPT_JUMBO, 4, 0, 1, 0, 0};
    uint8_t pkt[128];
    size_t len = build(pkt, sizeof pkt, 0, hbh, 8);
    struct tapir_ipv6_repr r;
    assert_int_equal(tapir_ipv6_parse(pkt, len, &r), TAPIR_EBADOPTION);
    pkt[4] = pkt[5] = 0;
    assert_int_equal(tapir_ipv6_parse(pkt, len, &r), TAPIR_EUNSUPPORTED);
    /* Cut short, it is truncated like any other packet. */
    for (size_t cut = 0; cut < 48; cut++) {
        uint8_t *p = exact_copy(pkt, cut);
        assert_int_equal(tapir_ipv6_parse(p, cut, &r), TAPIR_ETRUNCATED);
        free(p);
    }
    /* A jumbo option in Destination Options is misplaced. */
    len = build(pkt, sizeof pkt, 60, hbh, 8);
    assert_int_equal(tapir_ipv6_parse(pkt, len, &r), TAPIR_EBADOPTION);
}

static void test_frag_builder(void **state)
{
    (void)state;
    struct golden g;
    golden_load("ipv6_frag.pcap", &g);
    for (size_t i = 0; i < g.count; i++) {
        size_t len;
        struct tapir_ipv6_repr r;
        const uint8_t *pkt = golden_ipv6(&g, i, &len, &r);
        /* Rebuild the golden packet from the parsed fields and the builder's header. */
        struct tapir_ipv6_frag_header fh = {.next_header = r.upper_protocol,
                                            .offset = r.frag_offset,
                                            .more = r.more_frags,
                                            .ident = r.frag_ident};
        uint8_t fbuf[8];
        assert_int_equal(tapir_ipv6_frag_emit(&fh, fbuf, sizeof fbuf), 8);
        assert_memory_equal(fbuf, pkt + 40, 8);
        r.ext = fbuf;
        uint8_t *out = malloc(len);
        assert_int_equal(tapir_ipv6_emit(&r, out, len), (int)len);
        assert_memory_equal(out, pkt, len);
        free(out);
    }
    struct tapir_ipv6_frag_header bad = {.next_header = 58, .offset = 1447};
    uint8_t fbuf[8];
    assert_int_equal(tapir_ipv6_frag_emit(&bad, fbuf, sizeof fbuf), TAPIR_EINVAL);
    bad.offset = 1448;
    assert_int_equal(tapir_ipv6_frag_emit(&bad, fbuf, 7), TAPIR_ENOBUFS);
    golden_free(&g);
}

static void test_emit_edges(void **state)
{
    (void)state;
    struct tapir_ipv6_repr r;
    memset(&r, 0, sizeof r);
    uint8_t buf[64];
    /* Payload Length is 16 bits. */
    r.payload_len = 65536;
    assert_int_equal(tapir_ipv6_emit(&r, buf, sizeof buf), TAPIR_EINVAL);
    r.ext_len = 8;
    r.payload_len = 65528;
    assert_int_equal(tapir_ipv6_emit(&r, buf, sizeof buf), TAPIR_EINVAL);
    r.ext_len = (size_t)-1;
    r.payload_len = 0;
    assert_int_equal(tapir_ipv6_emit(&r, buf, sizeof buf), TAPIR_EINVAL);

    /* ext and payload NULL: the caller put them in place already. */
    memset(&r, 0, sizeof r);
    r.next_header = 60;
    r.ext_len = 8;
    r.payload_len = 4;
    memset(buf, 0xa5, sizeof buf);
    static const uint8_t dst[8] = {59, 0, TAPIR_IPV6_OPT_PADN, 4, 0, 0, 0, 0};
    memcpy(buf + 40, dst, 8);
    assert_int_equal(tapir_ipv6_emit(&r, buf, 52), 52);
    assert_int_equal(buf[0], 0x60);
    assert_int_equal(buf[5], 12);
    assert_memory_equal(buf + 40, dst, 8);
    assert_int_equal(buf[48], 0xa5);
    assert_int_equal(tapir_ipv6_emit(&r, buf, 51), TAPIR_ENOBUFS);
    assert_int_equal(tapir_ipv6_emit(&r, buf, 47), TAPIR_ENOBUFS);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ping),
        cmocka_unit_test(test_frag),
        cmocka_unit_test(test_hbh),
        cmocka_unit_test(test_ext),
        cmocka_unit_test(test_udp),
        cmocka_unit_test(test_corruptions),
        cmocka_unit_test(test_padding_trimmed),
        cmocka_unit_test(test_crafted_chains),
        cmocka_unit_test(test_jumbo),
        cmocka_unit_test(test_frag_builder),
        cmocka_unit_test(test_emit_edges),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
