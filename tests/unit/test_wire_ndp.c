/* Neighbor Discovery (RFC 4861) against golden messages captured from Linux
 * (tests/data/ndp_*.pcap, see tests/data/capture/icmpv6_ndp.sh): parse every message and
 * option, emit identical bytes (also from a repr built by hand, as the interface will), reject
 * every truncation and the malformed messages of RFC 4861 §6.1 and §7.1, print as tcpdump. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "golden.h"
#include "wire_slices.h"
#include "tapir/error.h"
#include "tapir/wire/icmpv6.h"
#include "tapir/wire/ndp.h"

/* NDP travels with hop limit 255 (the interface checks it) and no extension headers. */
static void check_ndp_ip(const struct wire_slice *m)
{
    const uint8_t *ip = m->frame + m->ip;
    assert_int_equal(ip[6], TAPIR_IP_PROTO_ICMPV6);
    assert_int_equal(ip[7], 255);
    assert_int_equal(m->offset, m->ip + 40);
}

/* Parses golden message `index` of `file` down to the NDP repr. */
static void load_ndp(const char *file, size_t index, struct wire_slice *m,
                     struct tapir_ndp_repr *nd)
{
    golden_slice_file(file, index, TAPIR_LAYER_ICMPV6, m);
    check_ndp_ip(m);
    struct tapir_icmpv6_repr icmp;
    assert_int_equal(tapir_icmpv6_parse(m->bytes, m->len, &m->ph, &icmp), 0);
    assert_int_equal(tapir_ndp_parse(&icmp, nd), 0);
}

/* NDP parse of raw bytes, checksum not verified (for corrupted copies). */
static int parse_raw(const uint8_t *buf, size_t len, struct tapir_ndp_repr *nd)
{
    struct tapir_icmpv6_repr icmp;
    int rc = tapir_icmpv6_parse(buf, len, NULL, &icmp);
    return rc != 0 ? rc : tapir_ndp_parse(&icmp, nd);
}

static size_t fixed_len(uint8_t type)
{
    switch (type) {
    case TAPIR_ICMPV6_ROUTER_SOLICIT:
        return TAPIR_NDP_RS_LEN;
    case TAPIR_ICMPV6_ROUTER_ADVERT:
        return TAPIR_NDP_RA_LEN;
    case TAPIR_ICMPV6_REDIRECT:
        return TAPIR_NDP_REDIRECT_LEN;
    default:
        return TAPIR_NDP_NS_LEN;
    }
}

/* Every golden message: parse; emit with the pseudo-header reproduces the bytes (and
 * without it, all but a zero checksum); parse back to the same repr; a short buffer is
 * refused; every truncation is refused by the checksum, and without the checksum by the NDP
 * parser (truncated below the fixed part, a bad option inside an option; a cut exactly
 * between options leaves a valid, shorter message); the one-line text is tcpdump's, from
 * both printers. */
static void check_message(const struct golden *g, size_t i, const void *arg)
{
    const char *const *lines = arg;
    struct wire_slice m;
    golden_slice(g, i, TAPIR_LAYER_ICMPV6, &m);
    check_ndp_ip(&m);
    struct tapir_icmpv6_repr icmp;
    struct tapir_ndp_repr nd, nd2;
    assert_int_equal(tapir_icmpv6_parse(m.bytes, m.len, &m.ph, &icmp), 0);
    assert_int_equal(tapir_ndp_parse(&icmp, &nd), 0);
    assert_int_equal(nd.type, icmp.type);
    assert_int_equal(tapir_ndp_header_len(&nd), m.len);

    uint8_t *out = malloc(m.len), *out2 = malloc(m.len);
    memset(out, 0xa5, m.len);
    assert_int_equal(tapir_ndp_emit(&nd, &m.ph, out, m.len), (int)m.len);
    assert_memory_equal(out, m.bytes, m.len);
    assert_int_equal(parse_raw(out, m.len, &nd2), 0);
    assert_int_equal(nd2.type, nd.type);
    assert_int_equal(nd2.flags, nd.flags);
    assert_int_equal(nd2.reserved, nd.reserved);
    assert_memory_equal(&nd2.target, &nd.target, 16);
    assert_memory_equal(&nd2.destination, &nd.destination, 16);
    assert_int_equal(nd2.option_count, nd.option_count);
    for (size_t k = 0; k < nd.option_count; k++)
        assert_int_equal(nd2.options[k].type, nd.options[k].type);
    memset(out2, 0xa5, m.len);
    assert_int_equal(tapir_ndp_emit(&nd2, &m.ph, out2, m.len), (int)m.len);
    assert_memory_equal(out2, m.bytes, m.len);
    memset(out2, 0xa5, m.len);
    assert_int_equal(tapir_ndp_emit(&nd, NULL, out2, m.len), (int)m.len);
    assert_int_equal(out2[2] | out2[3], 0);
    assert_memory_equal(out2 + 4, m.bytes + 4, m.len - 4);
    assert_int_equal(tapir_ndp_emit(&nd, &m.ph, out, m.len - 1), TAPIR_ENOBUFS);
    free(out);
    free(out2);

    /* Option boundaries, where a cut leaves a well-formed message. */
    size_t bound[TAPIR_NDP_MAX_OPTIONS + 1];
    bound[0] = fixed_len(nd.type);
    for (size_t k = 0; k < nd.option_count; k++)
        bound[k + 1] = bound[k] + tapir_ndp_option_len(&nd.options[k]);
    for (size_t cut = 0; cut < m.len; cut++) {
        uint8_t *p = exact_copy(m.bytes, cut);
        assert_int_equal(tapir_icmpv6_parse(p, cut, &m.ph, &icmp),
                         cut < 8 ? TAPIR_ETRUNCATED : TAPIR_EBADCHECKSUM);
        int expect = TAPIR_EBADOPTION;
        size_t options = 0;
        if (cut < bound[0])
            expect = TAPIR_ETRUNCATED;
        for (size_t k = 0; k <= nd.option_count; k++) {
            if (cut == bound[k]) {
                expect = 0;
                options = k;
            }
        }
        assert_int_equal(parse_raw(p, cut, &nd2), expect);
        if (expect == 0)
            assert_int_equal(nd2.option_count, options);
        free(p);
    }

    assert_prints(tapir_ndp_print, &nd, lines[i]);
    assert_prints(tapir_icmpv6_print, &icmp, lines[i]);
    wire_slice_free(&m);
}

static void assert_mac(const struct tapir_mac_addr *a, uint8_t last)
{
    const uint8_t want[6] = {0x02, 0, 0, 0, 0, last};
    assert_memory_equal(a->bytes, want, 6);
}

static struct tapir_ndp_option ll_option(uint8_t type, uint8_t last)
{
    struct tapir_ndp_option o;
    memset(&o, 0, sizeof o);
    o.type = type;
    o.ll_addr = (struct tapir_mac_addr){{0x02, 0, 0, 0, 0, last}};
    return o;
}

static void test_ns_na_golden(void **state)
{
    (void)state;
    static const char *const lines[] = {
        "ICMP6, neighbor solicitation, who has fdaa::1, length 32",
        "ICMP6, neighbor advertisement, tgt is fdaa::1, length 32",
        "ICMP6, neighbor solicitation, who has fdaa::100, length 32",
        "ICMP6, neighbor advertisement, tgt is fdaa::100, length 24",
    };
    golden_each("ndp_ns_na.pcap", 4, check_message, lines);

    struct wire_slice m[4];
    struct tapir_ndp_repr nd[4];
    for (size_t i = 0; i < 4; i++)
        load_ndp("ndp_ns_na.pcap", i, &m[i], &nd[i]);

    /* The multicast NS and the solicited NA that answers it. */
    assert_int_equal(nd[0].type, TAPIR_ICMPV6_NEIGHBOR_SOLICIT);
    assert_ipv6_addr(&nd[0].target, "fdaa::1");
    assert_int_equal(nd[0].reserved, 0);
    assert_int_equal(nd[0].option_count, 1);
    assert_int_equal(nd[0].options[0].type, TAPIR_NDP_OPT_SOURCE_LL_ADDR);
    assert_mac(&nd[0].options[0].ll_addr, 2);
    assert_int_equal(nd[1].type, TAPIR_ICMPV6_NEIGHBOR_ADVERT);
    assert_int_equal(nd[1].flags, TAPIR_NDP_NA_SOLICITED | TAPIR_NDP_NA_OVERRIDE);
    assert_ipv6_addr(&nd[1].target, "fdaa::1");
    assert_int_equal(nd[1].option_count, 1);
    assert_int_equal(nd[1].options[0].type, TAPIR_NDP_OPT_TARGET_LL_ADDR);
    assert_mac(&nd[1].options[0].ll_addr, 1);
    assert_ptr_equal(tapir_ndp_find_option(&nd[1], TAPIR_NDP_OPT_TARGET_LL_ADDR),
                     &nd[1].options[0]);
    assert_null(tapir_ndp_find_option(&nd[1], TAPIR_NDP_OPT_SOURCE_LL_ADDR));
    /* The unicast NUD probe, and the NA to it: solicited, no override, no option. */
    assert_ipv6_addr(&nd[2].target, "fdaa::100");
    assert_mac(&nd[2].options[0].ll_addr, 1);
    assert_int_equal(nd[3].flags, TAPIR_NDP_NA_SOLICITED);
    assert_int_equal(nd[3].option_count, 0);

    /* Built by hand, as the interface will: the kernel's bytes exactly. */
    struct tapir_ndp_repr ns = {.type = TAPIR_ICMPV6_NEIGHBOR_SOLICIT, .option_count = 1};
    assert_int_equal(tapir_ipv6_addr_parse("fdaa::1", &ns.target), 0);
    ns.options[0] = ll_option(TAPIR_NDP_OPT_SOURCE_LL_ADDR, 2);
    struct tapir_ndp_repr na = {.type = TAPIR_ICMPV6_NEIGHBOR_ADVERT,
                                .flags = TAPIR_NDP_NA_SOLICITED | TAPIR_NDP_NA_OVERRIDE,
                                .option_count = 1};
    na.target = ns.target;
    na.options[0] = ll_option(TAPIR_NDP_OPT_TARGET_LL_ADDR, 1);
    struct tapir_ndp_repr na2 = {.type = TAPIR_ICMPV6_NEIGHBOR_ADVERT,
                                 .flags = TAPIR_NDP_NA_SOLICITED};
    assert_int_equal(tapir_ipv6_addr_parse("fdaa::100", &na2.target), 0);
    uint8_t out[64];
    memset(out, 0xa5, sizeof out);
    assert_int_equal(tapir_ndp_emit(&ns, &m[0].ph, out, sizeof out), 32);
    assert_memory_equal(out, m[0].bytes, 32);
    assert_int_equal(out[32], 0xa5);
    assert_int_equal(tapir_ndp_emit(&na, &m[1].ph, out, sizeof out), 32);
    assert_memory_equal(out, m[1].bytes, 32);
    assert_int_equal(tapir_ndp_emit(&na2, &m[3].ph, out, sizeof out), 24);
    assert_memory_equal(out, m[3].bytes, 24);

    assert_prints(tapir_ndp_print_verbose, &nd[0],
                  "NDP neighbor solicitation\n"
                  "  reserved: 0x00000000\n"
                  "  target: fdaa::1\n"
                  "  option: source link-layer address (1), length 8: 02:00:00:00:00:02\n");
    assert_prints(tapir_ndp_print_verbose, &nd[1],
                  "NDP neighbor advertisement\n"
                  "  flags: 0x60 [solicited, override]\n"
                  "  reserved: 0x000000\n"
                  "  target: fdaa::1\n"
                  "  option: target link-layer address (2), length 8: 02:00:00:00:00:01\n");
    assert_prints(tapir_ndp_print_verbose, &nd[3],
                  "NDP neighbor advertisement\n"
                  "  flags: 0x40 [solicited]\n"
                  "  reserved: 0x000000\n"
                  "  target: fdaa::100\n");
    for (size_t i = 0; i < 4; i++)
        wire_slice_free(&m[i]);
}

static void test_unsolicited_golden(void **state)
{
    (void)state;
    static const char *const lines[] = {
        "ICMP6, neighbor solicitation, who has fdaa::200, length 32",
        "ICMP6, neighbor advertisement, tgt is fdaa::200, length 32",
    };
    golden_each("ndp_unsolicited_na.pcap", 2, check_message, lines);

    struct wire_slice m;
    struct tapir_ndp_repr nd;
    char buf[512];
    /* DAD: from ::, with a nonce option (RFC 7527, type 14) that tapir keeps raw. */
    load_ndp("ndp_unsolicited_na.pcap", 0, &m, &nd);
    assert_int_equal(m.ph.src.v6.bytes[0] | m.ph.src.v6.bytes[15], 0);
    assert_ipv6_addr(&nd.target, "fdaa::200");
    assert_int_equal(nd.option_count, 1);
    assert_int_equal(nd.options[0].type, 14);
    assert_int_equal(nd.options[0].raw.len, 6);
    assert_ptr_equal(nd.options[0].raw.data, m.bytes + 26);
    assert_int_equal(tapir_ndp_option_len(&nd.options[0]), 8);
    assert_null(tapir_ndp_option_name(14));
    print_to(buf, sizeof buf, tapir_ndp_print_verbose, &nd);
    char want[256];
    snprintf(want, sizeof want,
             "NDP neighbor solicitation\n"
             "  reserved: 0x00000000\n"
             "  target: fdaa::200\n"
             "  option: unknown (14), length 8: %02x%02x%02x%02x%02x%02x\n",
             m.bytes[26], m.bytes[27], m.bytes[28], m.bytes[29], m.bytes[30], m.bytes[31]);
    assert_text_eq(buf, want);
    wire_slice_free(&m);

    /* The unsolicited NA: override only, to all nodes. */
    load_ndp("ndp_unsolicited_na.pcap", 1, &m, &nd);
    assert_int_equal(nd.flags, TAPIR_NDP_NA_OVERRIDE);
    assert_int_equal(m.ph.dst.v6.bytes[0], 0xff);
    assert_mac(&nd.options[0].ll_addr, 2);
    wire_slice_free(&m);
}

static void test_rs_golden(void **state)
{
    (void)state;
    static const char *const lines[] = {"ICMP6, router solicitation, length 16"};
    golden_each("ndp_rs.pcap", 1, check_message, lines);

    struct wire_slice m;
    struct tapir_ndp_repr nd;
    load_ndp("ndp_rs.pcap", 0, &m, &nd);
    assert_int_equal(nd.type, TAPIR_ICMPV6_ROUTER_SOLICIT);
    assert_int_equal(nd.option_count, 1);
    assert_mac(&nd.options[0].ll_addr, 2);

    struct tapir_ndp_repr rs = {.type = TAPIR_ICMPV6_ROUTER_SOLICIT, .option_count = 1};
    rs.options[0] = ll_option(TAPIR_NDP_OPT_SOURCE_LL_ADDR, 2);
    uint8_t out[16];
    assert_int_equal(tapir_ndp_emit(&rs, &m.ph, out, sizeof out), 16);
    assert_memory_equal(out, m.bytes, 16);

    /* The ICMPv6 verbose printer appends the NDP body. */
    struct tapir_icmpv6_repr icmp;
    assert_int_equal(tapir_icmpv6_parse(m.bytes, m.len, &m.ph, &icmp), 0);
    assert_prints(tapir_icmpv6_print_verbose, &icmp,
                  "ICMPv6\n"
                  "  type: router solicitation (133)\n"
                  "  code: 0\n"
                  "  checksum: 0x7b2a\n"
                  "  rest: 0x00000000\n"
                  "  data length: 8\n"
                  "NDP router solicitation\n"
                  "  reserved: 0x00000000\n"
                  "  option: source link-layer address (1), length 8: 02:00:00:00:00:02\n");
    wire_slice_free(&m);
}

static void test_ra_golden(void **state)
{
    (void)state;
    static const char *const lines[] = {"ICMP6, router advertisement, length 88"};
    golden_each("ndp_ra.pcap", 1, check_message, lines);

    struct wire_slice m;
    struct tapir_ndp_repr nd;
    load_ndp("ndp_ra.pcap", 0, &m, &nd);
    assert_int_equal(nd.type, TAPIR_ICMPV6_ROUTER_ADVERT);
    assert_int_equal(nd.cur_hop_limit, 64);
    assert_int_equal(nd.flags, 0);
    assert_int_equal(nd.router_lifetime_s, 1800);
    assert_int_equal(nd.reachable_time_ms, 0);
    assert_int_equal(nd.retrans_timer_ms, 0);
    /* dnsmasq's order: prefix information, MTU, source link-layer address, RDNSS. */
    assert_int_equal(nd.option_count, 4);
    const struct tapir_ndp_option *pi = tapir_ndp_find_option(&nd, TAPIR_NDP_OPT_PREFIX_INFO);
    assert_ptr_equal(pi, &nd.options[0]);
    assert_int_equal(pi->prefix.prefix_len, 64);
    assert_int_equal(pi->prefix.flags, TAPIR_NDP_PREFIX_ONLINK | TAPIR_NDP_PREFIX_AUTONOMOUS);
    assert_int_equal(pi->prefix.valid_lifetime_s, 3600);
    assert_int_equal(pi->prefix.preferred_lifetime_s, 3600);
    assert_int_equal(pi->prefix.reserved, 0);
    assert_ipv6_addr(&pi->prefix.prefix, "fdaa::");
    assert_int_equal(nd.options[1].type, TAPIR_NDP_OPT_MTU);
    assert_int_equal(nd.options[1].mtu.mtu, 1400);
    assert_int_equal(nd.options[2].type, TAPIR_NDP_OPT_SOURCE_LL_ADDR);
    assert_mac(&nd.options[2].ll_addr, 1);
    assert_int_equal(nd.options[3].type, 25); /* RDNSS (RFC 8106): unknown here, kept raw */
    assert_int_equal(nd.options[3].raw.len, 22);
    assert_int_equal(nd.options[3].raw.data[21], 1); /* ... fdaa::1 */

    /* The same RA built by hand. */
    struct tapir_ndp_repr ra = {
        .type = TAPIR_ICMPV6_ROUTER_ADVERT,
        .cur_hop_limit = 64,
        .router_lifetime_s = 1800,
        .option_count = 4,
    };
    ra.options[0].type = TAPIR_NDP_OPT_PREFIX_INFO;
    ra.options[0].prefix = (struct tapir_ndp_prefix_info){
        .prefix_len = 64,
        .flags = TAPIR_NDP_PREFIX_ONLINK | TAPIR_NDP_PREFIX_AUTONOMOUS,
        .valid_lifetime_s = 3600,
        .preferred_lifetime_s = 3600,
    };
    assert_int_equal(tapir_ipv6_addr_parse("fdaa::", &ra.options[0].prefix.prefix), 0);
    ra.options[1].type = TAPIR_NDP_OPT_MTU;
    ra.options[1].mtu = (struct tapir_ndp_mtu){.mtu = 1400};
    ra.options[2] = ll_option(TAPIR_NDP_OPT_SOURCE_LL_ADDR, 1);
    static const uint8_t rdnss[22] = {0, 0, 0, 0, 0x0e, 0x10, 0xfd, 0xaa, [21] = 1};
    ra.options[3].type = 25;
    ra.options[3].raw = (struct tapir_ndp_raw_option){rdnss, sizeof rdnss};
    uint8_t out[88];
    assert_int_equal(tapir_ndp_header_len(&ra), 88);
    assert_int_equal(tapir_ndp_emit(&ra, &m.ph, out, sizeof out), 88);
    assert_memory_equal(out, m.bytes, 88);

    assert_prints(tapir_ndp_print_verbose, &nd,
                  "NDP router advertisement\n"
                  "  cur hop limit: 64\n"
                  "  flags: 0x00 [none]\n"
                  "  router preference: medium\n"
                  "  router lifetime: 1800 s\n"
                  "  reachable time: 0 ms\n"
                  "  retrans timer: 0 ms\n"
                  "  option: prefix information (3), length 32: fdaa::/64, flags 0xc0 "
                  "[onlink, auto], valid lifetime 3600 s, preferred lifetime 3600 s, "
                  "reserved 0x00000000\n"
                  "  option: MTU (5), length 8: 1400, reserved 0x0000\n"
                  "  option: source link-layer address (1), length 8: 02:00:00:00:00:01\n"
                  "  option: unknown (25), length 24: "
                  "000000000e10fdaa0000000000000000000000000001\n");

    /* Flags, preference and infinite lifetimes. */
    nd.flags = TAPIR_NDP_RA_MANAGED | TAPIR_NDP_RA_OTHER | 0x08;
    nd.options[0].prefix.valid_lifetime_s = TAPIR_NDP_INFINITE_LIFETIME;
    nd.option_count = 1;
    assert_prints(tapir_ndp_print_verbose, &nd,
                  "NDP router advertisement\n"
                  "  cur hop limit: 64\n"
                  "  flags: 0xc8 [managed, other stateful]\n"
                  "  router preference: high\n"
                  "  router lifetime: 1800 s\n"
                  "  reachable time: 0 ms\n"
                  "  retrans timer: 0 ms\n"
                  "  option: prefix information (3), length 32: fdaa::/64, flags 0xc0 "
                  "[onlink, auto], valid lifetime infinity, preferred lifetime 3600 s, "
                  "reserved 0x00000000\n");
    wire_slice_free(&m);
}

static void test_redirect_golden(void **state)
{
    (void)state;
    static const char *const lines[] = {"ICMP6, redirect, fdaa::3 to fdaa::3, length 160"};
    golden_each("ndp_redirect.pcap", 1, check_message, lines);

    struct wire_slice m;
    struct tapir_ndp_repr nd;
    load_ndp("ndp_redirect.pcap", 0, &m, &nd);
    assert_int_equal(nd.type, TAPIR_ICMPV6_REDIRECT);
    assert_ipv6_addr(&nd.target, "fdaa::3");
    assert_ipv6_addr(&nd.destination, "fdaa::3");
    assert_int_equal(nd.option_count, 2);
    assert_int_equal(nd.options[0].type, TAPIR_NDP_OPT_TARGET_LL_ADDR);
    assert_mac(&nd.options[0].ll_addr, 3);
    const struct tapir_ndp_option *rh = &nd.options[1];
    assert_int_equal(rh->type, TAPIR_NDP_OPT_REDIRECTED_HEADER);
    assert_int_equal(tapir_ndp_option_len(rh), 112);
    /* 6 reserved bytes, then the packet B sent: IPv6 to fdaa::3, an echo request. */
    const uint8_t *pkt = rh->raw.data + 6;
    assert_int_equal(pkt[0] >> 4, 6);
    assert_int_equal(pkt[6], TAPIR_IP_PROTO_ICMPV6);
    assert_memory_equal(pkt + 24, nd.destination.bytes, 16);
    assert_int_equal(pkt[40], TAPIR_ICMPV6_ECHO_REQUEST);

    assert_prints(tapir_ndp_print_verbose, &nd,
                  "NDP redirect\n"
                  "  reserved: 0x00000000\n"
                  "  target: fdaa::3\n"
                  "  destination: fdaa::3\n"
                  "  option: target link-layer address (2), length 8: 02:00:00:00:00:03\n"
                  "  option: redirected header (4), length 112: 104 bytes of the "
                  "redirected packet, reserved 000000000000\n");
    wire_slice_free(&m);
}

/* A corrupted copy of golden message `index` of `file`: `at`/`value` pairs applied. */
static int parse_corrupted(const char *file, size_t index, size_t at, uint8_t value)
{
    struct wire_slice m;
    struct tapir_ndp_repr nd;
    load_ndp(file, index, &m, &nd);
    m.bytes[at] = value;
    int rc = parse_raw(m.bytes, m.len, &nd);
    wire_slice_free(&m);
    return rc;
}

static void test_corruptions(void **state)
{
    (void)state;
    /* Code 0 only (§7.1.1). */
    assert_int_equal(parse_corrupted("ndp_ns_na.pcap", 0, 1, 1), TAPIR_EBADFIELD);
    assert_int_equal(parse_corrupted("ndp_rs.pcap", 0, 1, 255), TAPIR_EBADFIELD);
    /* NS and NA targets are not multicast (§7.1.1, §7.1.2). */
    assert_int_equal(parse_corrupted("ndp_ns_na.pcap", 0, 8, 0xff), TAPIR_EBADFIELD);
    assert_int_equal(parse_corrupted("ndp_ns_na.pcap", 1, 8, 0xff), TAPIR_EBADFIELD);
    /* Options: length 0 (§4.6), running past the end, a known one of the wrong length. */
    assert_int_equal(parse_corrupted("ndp_ns_na.pcap", 0, 25, 0), TAPIR_EBADOPTION);
    assert_int_equal(parse_corrupted("ndp_ns_na.pcap", 0, 25, 2), TAPIR_EBADOPTION);
    assert_int_equal(parse_corrupted("ndp_ra.pcap", 0, 17, 3), TAPIR_EBADOPTION);
    assert_int_equal(parse_corrupted("ndp_ra.pcap", 0, 18, 129), TAPIR_EBADOPTION);
    assert_int_equal(parse_corrupted("ndp_ra.pcap", 0, 49, 2), TAPIR_EBADOPTION);
    assert_int_equal(parse_corrupted("ndp_ra.pcap", 0, 65, 4), TAPIR_EBADOPTION);
    /* An unknown option may be any length: RDNSS shortened to 16 bytes leaves 8 over,
     * which read as an option of type 0 and length 0. */
    assert_int_equal(parse_corrupted("ndp_ra.pcap", 0, 65, 2), TAPIR_EBADOPTION);
    /* Redirect: the destination is not multicast; the target is link-local or the
     * destination (§8.1). */
    assert_int_equal(parse_corrupted("ndp_redirect.pcap", 0, 24, 0xff), TAPIR_EBADFIELD);
    assert_int_equal(parse_corrupted("ndp_redirect.pcap", 0, 23, 4), TAPIR_EBADFIELD);
    struct wire_slice m;
    struct tapir_ndp_repr nd;
    load_ndp("ndp_redirect.pcap", 0, &m, &nd);
    static const uint8_t router[16] = {0xfe, 0x80, [15] = 9};
    memcpy(m.bytes + 8, router, 16);
    assert_int_equal(parse_raw(m.bytes, m.len, &nd), 0);
    wire_slice_free(&m);

    /* One byte after the last option cannot be an option. */
    load_ndp("ndp_ns_na.pcap", 0, &m, &nd);
    uint8_t longer[33];
    memcpy(longer, m.bytes, 32);
    longer[32] = 1;
    assert_int_equal(parse_raw(longer, sizeof longer, &nd), TAPIR_EBADOPTION);
    /* A link-layer address option of 16 bytes is not Ethernet's (RFC 2464 §6). */
    uint8_t ll16[40];
    memcpy(ll16, m.bytes, 32);
    memset(ll16 + 32, 0, 8);
    ll16[25] = 2;
    assert_int_equal(parse_raw(ll16, sizeof ll16, &nd), TAPIR_EBADOPTION);
    /* Not an NDP message at all. */
    struct tapir_icmpv6_repr echo = {
        .type = TAPIR_ICMPV6_ECHO_REQUEST, .data = m.bytes + 8, .data_len = 24};
    assert_int_equal(tapir_ndp_parse(&echo, &nd), TAPIR_EINVAL);
    wire_slice_free(&m);

    /* More options than the repr holds. */
    uint8_t many[8 + 8 * (TAPIR_NDP_MAX_OPTIONS + 1)];
    memset(many, 0, sizeof many);
    many[0] = TAPIR_ICMPV6_ROUTER_SOLICIT;
    for (size_t k = 0; k <= TAPIR_NDP_MAX_OPTIONS; k++) {
        many[8 + 8 * k] = TAPIR_NDP_OPT_SOURCE_LL_ADDR;
        many[8 + 8 * k + 1] = 1;
    }
    assert_int_equal(parse_raw(many, sizeof many, &nd), TAPIR_EUNSUPPORTED);
    assert_int_equal(parse_raw(many, sizeof many - 8, &nd), 0);
    assert_int_equal(nd.option_count, TAPIR_NDP_MAX_OPTIONS);
}

static void test_reserved_kept(void **state)
{
    (void)state;
    /* Reserved bits a sender should have zeroed are kept, so emit() gives the same bytes. */
    struct wire_slice m;
    struct tapir_ndp_repr nd;
    load_ndp("ndp_ns_na.pcap", 1, &m, &nd);
    m.bytes[4] = 0x7f; /* S, O and the 5 reserved bits of that byte */
    m.bytes[5] = 0x12, m.bytes[6] = 0x34, m.bytes[7] = 0x56;
    assert_int_equal(parse_raw(m.bytes, m.len, &nd), 0);
    assert_int_equal(nd.flags, 0x7f);
    assert_int_equal(nd.reserved, 0x123456);
    uint8_t out[32];
    assert_int_equal(tapir_ndp_emit(&nd, NULL, out, sizeof out), 32);
    assert_memory_equal(out + 4, m.bytes + 4, 28);
    assert_prints(tapir_ndp_print_verbose, &nd,
                  "NDP neighbor advertisement\n"
                  "  flags: 0x7f [solicited, override]\n"
                  "  reserved: 0x123456\n"
                  "  target: fdaa::1\n"
                  "  option: target link-layer address (2), length 8: 02:00:00:00:00:01\n");
    wire_slice_free(&m);

    load_ndp("ndp_ra.pcap", 0, &m, &nd);
    m.bytes[19] = 0x3f;                  /* prefix flags: reserved bits */
    m.bytes[28] = 0xaa;                  /* prefix Reserved2 */
    m.bytes[50] = 0x12, m.bytes[51] = 1; /* MTU option reserved */
    assert_int_equal(parse_raw(m.bytes, m.len, &nd), 0);
    assert_int_equal(nd.options[0].prefix.reserved, 0xaa000000);
    assert_int_equal(nd.options[1].mtu.reserved, 0x1201);
    uint8_t ra[88];
    assert_int_equal(tapir_ndp_emit(&nd, NULL, ra, sizeof ra), 88);
    assert_memory_equal(ra + 4, m.bytes + 4, 84);
    wire_slice_free(&m);
}

static void test_emit_errors(void **state)
{
    (void)state;
    uint8_t out[64];
    struct tapir_ndp_repr nd = {.type = TAPIR_ICMPV6_ECHO_REQUEST};
    assert_int_equal(tapir_ndp_emit(&nd, NULL, out, sizeof out), TAPIR_EINVAL);
    nd.type = TAPIR_ICMPV6_ROUTER_SOLICIT;
    nd.option_count = TAPIR_NDP_MAX_OPTIONS + 1;
    assert_int_equal(tapir_ndp_emit(&nd, NULL, out, sizeof out), TAPIR_EINVAL);
    /* A raw option must fill whole 8-byte units, at most 255 of them. */
    static uint8_t big[2046];
    nd.option_count = 1;
    nd.options[0].type = 31;
    nd.options[0].raw = (struct tapir_ndp_raw_option){big, 5};
    assert_int_equal(tapir_ndp_emit(&nd, NULL, out, sizeof out), TAPIR_EINVAL);
    nd.options[0].raw.len = sizeof big;
    assert_int_equal(tapir_ndp_emit(&nd, NULL, out, sizeof out), TAPIR_EINVAL);
    nd.options[0].raw.len = 14;
    assert_int_equal(tapir_ndp_emit(&nd, NULL, out, 23), TAPIR_ENOBUFS);
    memset(out, 0xa5, sizeof out);
    assert_int_equal(tapir_ndp_emit(&nd, NULL, out, sizeof out), 24);
    assert_int_equal(out[8], 31);
    assert_int_equal(out[9], 2);
    assert_int_equal(out[24], 0xa5);
    /* A pseudo-header that is not IPv6. */
    struct tapir_pseudo_header ph;
    memset(&ph, 0, sizeof ph);
    ph.src.version = ph.dst.version = TAPIR_IP_V4;
    assert_int_equal(tapir_ndp_emit(&nd, &ph, out, sizeof out), TAPIR_EINVAL);
    assert_string_equal(tapir_ndp_option_name(TAPIR_NDP_OPT_MTU), "MTU");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ns_na_golden),    cmocka_unit_test(test_unsolicited_golden),
        cmocka_unit_test(test_rs_golden),       cmocka_unit_test(test_ra_golden),
        cmocka_unit_test(test_redirect_golden), cmocka_unit_test(test_corruptions),
        cmocka_unit_test(test_reserved_kept),   cmocka_unit_test(test_emit_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
