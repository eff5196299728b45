/* IPv4 against golden packets captured from Linux (tests/data/ipv4_*.pcap, icmpv4_*.pcap,
 * written by tests/data/capture/ipv4_icmp.sh): parse, emit identical bytes, reject every
 * truncation and a set of corruptions with the specific error, print as tcpdump -v does. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire/bytes.h"
#include "golden.h"
#include "wire_slices.h"
#include "tapir/error.h"
#include "tapir/wire/checksum.h"
#include "tapir/wire/ipv4.h"

/* Every capture that holds IPv4, and the number of frames in each. */
static const struct capture {
    const char *file;
    size_t count;
} captures[] = {
    {"icmpv4_echo.pcap", 4},          {"ipv4_frag.pcap", 6},
    {"ipv4_options.pcap", 4},         {"icmpv4_unreach.pcap", 2},
    {"icmpv4_frag_needed.pcap", 2},   {"icmpv4_time_exceeded.pcap", 2},
    {"icmpv4_param_problem.pcap", 2},
};
#define NCAPTURES (sizeof captures / sizeof captures[0])

/* The one packet in all of them the parser must refuse: scapy's timestamp option whose
 * length octet says 1 (what the parameter problem answers). */
static bool is_bad_option_packet(const struct capture *c, size_t frame)
{
    return strcmp(c->file, "icmpv4_param_problem.pcap") == 0 && frame == 0;
}

static void fix_checksum(uint8_t *ip)
{
    size_t hlen = (size_t)(ip[0] & 0x0f) * 4;
    store_be16(ip + 10, 0);
    store_be16(ip + 10, tapir_checksum(ip, hlen));
}

static void assert_same_repr(const struct tapir_ipv4_repr *a, const uint8_t *abuf,
                             const struct tapir_ipv4_repr *b, const uint8_t *bbuf)
{
    assert_memory_equal(a->src.bytes, b->src.bytes, 4);
    assert_memory_equal(a->dst.bytes, b->dst.bytes, 4);
    assert_int_equal(a->protocol, b->protocol);
    assert_int_equal(a->ttl, b->ttl);
    assert_int_equal(a->tos, b->tos);
    assert_int_equal(a->ident, b->ident);
    assert_int_equal(a->dont_frag, b->dont_frag);
    assert_int_equal(a->more_frags, b->more_frags);
    assert_int_equal(a->frag_offset, b->frag_offset);
    assert_int_equal(a->options_len, b->options_len);
    if (a->options_len) {
        assert_int_equal(a->options - abuf, b->options - bbuf);
        assert_memory_equal(a->options, b->options, a->options_len);
    }
    assert_int_equal(a->payload - abuf, b->payload - bbuf);
    assert_int_equal(a->payload_len, b->payload_len);
}

/* parse -> emit into a 0xa5-filled buffer -> the same bytes -> parse -> the same repr;
 * a buffer one byte short is refused. */
static void roundtrip(const uint8_t *ip, size_t len)
{
    struct tapir_ipv4_repr r, r2;
    assert_int_equal(tapir_ipv4_parse(ip, len, &r), 0);
    size_t total = tapir_ipv4_header_len(&r) + r.payload_len;
    assert_int_equal(total, load_be16(ip + 2));
    uint8_t *out = malloc(len + 1);
    memset(out, 0xa5, len + 1);
    assert_int_equal(tapir_ipv4_emit(&r, out, len + 1), (int)total);
    assert_memory_equal(out, ip, total);
    assert_int_equal(out[total], 0xa5);
    assert_int_equal(tapir_ipv4_header_checksum(&r), load_be16(ip + 10));
    assert_int_equal(tapir_ipv4_parse(out, total, &r2), 0);
    assert_same_repr(&r, ip, &r2, out);
    assert_int_equal(tapir_ipv4_emit(&r, out, total - 1), TAPIR_ENOBUFS);
    assert_int_equal(tapir_ipv4_emit(&r, out, tapir_ipv4_header_len(&r) - 1), TAPIR_ENOBUFS);
    free(out);
}

/* Packet `i` of capture *arg: round trip, and every cut refused as truncated. */
static void check_packet(const struct golden *g, size_t i, const void *arg)
{
    const struct capture *c = arg;
    size_t len;
    const uint8_t *ip = golden_at(g, i, TAPIR_LAYER_IPV4, &len);
    struct tapir_ipv4_repr r;
    if (is_bad_option_packet(c, i))
        assert_int_equal(tapir_ipv4_parse(ip, len, &r), TAPIR_EBADOPTION);
    else
        roundtrip(ip, len);
    for (size_t cut = 0; cut < len; cut++) {
        uint8_t *p = exact_copy(ip, cut);
        assert_int_equal(tapir_ipv4_parse(p, cut, &r), TAPIR_ETRUNCATED);
        free(p);
    }
}

/* Every packet of every capture. */
static void test_all_golden(void **state)
{
    (void)state;
    for (size_t c = 0; c < NCAPTURES; c++)
        golden_each(captures[c].file, captures[c].count, check_packet, &captures[c]);
}

/* Packet `i` parses and prints as ((const char *const *)arg)[i]. */
static void check_line(const struct golden *g, size_t i, const void *arg)
{
    const char *const *lines = arg;
    size_t len;
    struct tapir_ipv4_repr r;
    golden_ipv4(g, i, &len, &r);
    assert_prints(tapir_ipv4_print, &r, lines[i]);
}

/* The expected lines are tcpdump -nv's IP header lines for these captures. */
static void test_echo(void **state)
{
    (void)state;
    struct golden g;
    golden_load("icmpv4_echo.pcap", &g);
    size_t len;
    struct tapir_ipv4_repr r;
    const uint8_t *ip = golden_ipv4(&g, 0, &len, &r);
    static const struct tapir_ipv4_addr b = {{192, 168, 69, 100}}, a = {{192, 168, 69, 1}};
    assert_true(tapir_ipv4_addr_equal(&r.src, &b));
    assert_true(tapir_ipv4_addr_equal(&r.dst, &a));
    assert_int_equal(r.protocol, TAPIR_IP_PROTO_ICMP);
    assert_int_equal(r.ttl, 64);
    assert_int_equal(r.tos, 0);
    assert_int_equal(r.ident, 43863);
    assert_true(r.dont_frag);
    assert_false(r.more_frags);
    assert_int_equal(r.frag_offset, 0);
    assert_null(r.options);
    assert_int_equal(r.options_len, 0);
    assert_ptr_equal(r.payload, ip + 20);
    assert_int_equal(r.payload_len, 64);
    assert_int_equal(tapir_ipv4_header_len(&r), 20);
    assert_false(tapir_ipv4_is_fragment(&r));

    golden_ipv4(&g, 2, &len, &r);
    assert_int_equal(r.tos, 0xb9); /* ping -Q 0xb9: DSCP 46 (EF), ECT(1) */
    golden_free(&g);

    static const char *const lines[] = {
        "IP (tos 0x0, ttl 64, id 43863, offset 0, flags [DF], proto ICMP (1), length 84) "
        "192.168.69.100 > 192.168.69.1",
        "IP (tos 0x0, ttl 64, id 56503, offset 0, flags [none], proto ICMP (1), length 84) "
        "192.168.69.1 > 192.168.69.100",
        "IP (tos 0xb9,ECT(1), ttl 64, id 43864, offset 0, flags [DF], proto ICMP (1), length 84) "
        "192.168.69.100 > 192.168.69.1",
        "IP (tos 0xb9,ECT(1), ttl 64, id 56504, offset 0, flags [none], proto ICMP (1), length "
        "84) 192.168.69.1 > 192.168.69.100",
    };
    golden_each("icmpv4_echo.pcap", 4, check_line, lines);
}

static void test_fragments(void **state)
{
    (void)state;
    struct golden g;
    golden_load("ipv4_frag.pcap", &g);
    static const struct {
        uint16_t ident, offset;
        bool mf;
        size_t payload;
    } want[] = {
        {56524, 0, true, 1480}, {56524, 1480, true, 1480}, {56524, 2960, false, 48},
        {43910, 0, true, 1480}, {43910, 1480, true, 1480}, {43910, 2960, false, 48},
    };
    for (size_t i = 0; i < g.count; i++) {
        size_t len;
        struct tapir_ipv4_repr r;
        golden_ipv4(&g, i, &len, &r);
        assert_int_equal(r.ident, want[i].ident);
        assert_int_equal(r.frag_offset, want[i].offset);
        assert_int_equal(r.more_frags, want[i].mf);
        assert_false(r.dont_frag);
        assert_int_equal(r.payload_len, want[i].payload);
        assert_true(tapir_ipv4_is_fragment(&r));
    }
    golden_free(&g);

    static const char *const lines[] = {
        "IP (tos 0x0, ttl 64, id 56524, offset 0, flags [+], proto ICMP (1), length 1500) "
        "192.168.69.1 > 192.168.69.100",
        "IP (tos 0x0, ttl 64, id 56524, offset 1480, flags [+], proto ICMP (1), length 1500) "
        "192.168.69.1 > 192.168.69.100",
        "IP (tos 0x0, ttl 64, id 56524, offset 2960, flags [none], proto ICMP (1), length 68) "
        "192.168.69.1 > 192.168.69.100",
        "IP (tos 0x0, ttl 64, id 43910, offset 0, flags [+], proto ICMP (1), length 1500) "
        "192.168.69.100 > 192.168.69.1",
        "IP (tos 0x0, ttl 64, id 43910, offset 1480, flags [+], proto ICMP (1), length 1500) "
        "192.168.69.100 > 192.168.69.1",
        "IP (tos 0x0, ttl 64, id 43910, offset 2960, flags [none], proto ICMP (1), length 68) "
        "192.168.69.100 > 192.168.69.1",
    };
    golden_each("ipv4_frag.pcap", 6, check_line, lines);
}

static void test_options(void **state)
{
    (void)state;
    struct golden g;
    golden_load("ipv4_options.pcap", &g);
    size_t len;
    struct tapir_ipv4_repr r;
    const uint8_t *ip = golden_ipv4(&g, 0, &len, &r);
    assert_int_equal(tapir_ipv4_header_len(&r), 60);
    assert_ptr_equal(r.options, ip + 20);
    assert_int_equal(r.options_len, 40);
    /* ping -R: NOP, then record route of length 39 with the pointer on the second slot
     * (the sender recorded itself). */
    assert_int_equal(r.options[0], TAPIR_IPV4_OPT_NOP);
    assert_int_equal(r.options[1], TAPIR_IPV4_OPT_RR);
    assert_int_equal(r.options[2], 39);
    assert_int_equal(r.options[3], 8);
    assert_ptr_equal(r.payload, ip + 60);
    assert_int_equal(r.payload_len, 64);
    golden_free(&g);

    static const char *const lines[] = {
        "IP (tos 0x0, ttl 64, id 56590, offset 0, flags [DF], proto ICMP (1), length 124, "
        "options (NOP,RR 192.168.69.1, 0.0.0.0 0.0.0.0 0.0.0.0 0.0.0.0 0.0.0.0 0.0.0.0 0.0.0.0 "
        "0.0.0.0)) 192.168.69.1 > 192.168.69.100",
        "IP (tos 0x0, ttl 64, id 43971, offset 0, flags [none], proto ICMP (1), length 124, "
        "options (RR 192.168.69.1, 192.168.69.100, 192.168.69.100, 0.0.0.0 0.0.0.0 0.0.0.0 "
        "0.0.0.0 0.0.0.0 0.0.0.0,EOL)) 192.168.69.100 > 192.168.69.1",
        "IP (tos 0x0, ttl 64, id 56591, offset 0, flags [DF], proto ICMP (1), length 124, "
        "options (timestamp TS{TSONLY 49587021@ ^ 0@ 0@ 0@ 0@ 0@ 0@ 0@ 0@})) "
        "192.168.69.1 > 192.168.69.100",
        "IP (tos 0x0, ttl 64, id 43972, offset 0, flags [none], proto ICMP (1), length 124, "
        "options (timestamp TS{TSONLY 49587021@ 49587021@ 49587021@ ^ 0@ 0@ 0@ 0@ 0@ 0@})) "
        "192.168.69.100 > 192.168.69.1",
    };
    golden_each("ipv4_options.pcap", 4, check_line, lines);
}

static void test_icmp_error_carriers(void **state)
{
    (void)state;
    /* Each capture: the datagram that caused the error, then the error. */
    static const struct {
        const char *file;
        const char *lines[2];
    } carriers[] = {
        {"icmpv4_unreach.pcap",
         {"IP (tos 0x0, ttl 64, id 13057, offset 0, flags [DF], proto UDP (17), length 34) "
          "192.168.69.100 > 192.168.69.1",
          "IP (tos 0xc0, ttl 64, id 56679, offset 0, flags [none], proto ICMP (1), length 62) "
          "192.168.69.1 > 192.168.69.100"}},
        {"icmpv4_frag_needed.pcap",
         {"IP (tos 0x0, ttl 64, id 0, offset 0, flags [DF], proto ICMP (1), length 1428) "
          "192.168.69.1 > 192.168.70.2",
          "IP (tos 0xc0, ttl 64, id 44384, offset 0, flags [none], proto ICMP (1), length 576) "
          "192.168.69.100 > 192.168.69.1"}},
        {"icmpv4_time_exceeded.pcap",
         {"IP (tos 0x0, ttl 1, id 47557, offset 0, flags [DF], proto ICMP (1), length 84) "
          "192.168.69.1 > 192.168.70.2",
          "IP (tos 0xc0, ttl 64, id 44390, offset 0, flags [none], proto ICMP (1), length 112) "
          "192.168.69.100 > 192.168.69.1"}},
    };
    for (size_t i = 0; i < sizeof carriers / sizeof carriers[0]; i++)
        golden_each(carriers[i].file, 2, check_line, carriers[i].lines);

    /* The packet Linux answered with a parameter problem: refused by the strict parser,
     * read by the lenient one (and printed as tcpdump does, bad option included). */
    struct golden g;
    golden_load("icmpv4_param_problem.pcap", &g);
    size_t len;
    const uint8_t *ip = golden_at(&g, 0, TAPIR_LAYER_IPV4, &len);
    struct tapir_ipv4_repr r;
    assert_int_equal(tapir_ipv4_parse(ip, len, &r), TAPIR_EBADOPTION);
    assert_int_equal(tapir_ipv4_quoted_parse(ip, len, &r), 0);
    assert_int_equal(r.options_len, 4);
    assert_int_equal(r.payload_len, 40);
    assert_prints(tapir_ipv4_print, &r,
                  "IP (tos 0x0, ttl 64, id 9320, offset 0, flags [DF], proto ICMP (1), "
                  "length 64, options (timestamp [bad length 1])) "
                  "192.168.69.100 > 192.168.69.1");
    golden_ipv4(&g, 1, &len, &r);
    assert_prints(tapir_ipv4_print, &r,
                  "IP (tos 0xc0, ttl 64, id 57279, offset 0, flags [none], proto ICMP (1), "
                  "length 92) 192.168.69.1 > 192.168.69.100");
    golden_free(&g);
}

static void test_verbose(void **state)
{
    (void)state;
    struct golden g;
    golden_load("ipv4_options.pcap", &g);
    size_t len;
    struct tapir_ipv4_repr r;
    const uint8_t *ip = golden_ipv4(&g, 1, &len, &r);
    char buf[2048];
    assert_prints(tapir_ipv4_print_verbose, &r,
                  "IPv4\n"
                  "  version: 4\n"
                  "  header length: 60 (IHL 15)\n"
                  "  tos: 0x00 (DSCP 0, ECN Not-ECT)\n"
                  "  total length: 124\n"
                  "  identification: 43971 (0xabc3)\n"
                  "  flags: 0x0 (none)\n"
                  "  fragment offset: 0\n"
                  "  ttl: 64\n"
                  "  protocol: ICMP (1)\n"
                  "  header checksum: 0xddce\n"
                  "  source: 192.168.69.100\n"
                  "  destination: 192.168.69.1\n"
                  "  options (40 bytes): 072710c0a84501c0a84564c0a84564000000000000000000"
                  "00000000000000000000000000000000\n"
                  "  payload length: 64\n");
    golden_free(&g);

    golden_load("ipv4_frag.pcap", &g);
    ip = golden_ipv4(&g, 1, &len, &r);
    assert_prints(tapir_ipv4_print_verbose, &r,
                  "IPv4\n"
                  "  version: 4\n"
                  "  header length: 20 (IHL 5)\n"
                  "  tos: 0x00 (DSCP 0, ECN Not-ECT)\n"
                  "  total length: 1500\n"
                  "  identification: 56524 (0xdccc)\n"
                  "  flags: 0x1 (MF)\n"
                  "  fragment offset: 1480\n"
                  "  ttl: 64\n"
                  "  protocol: ICMP (1)\n"
                  "  header checksum: 0x6be5\n"
                  "  source: 192.168.69.1\n"
                  "  destination: 192.168.69.100\n"
                  "  options: none\n"
                  "  payload length: 1480\n");
    assert_int_equal(load_be16(ip + 10), 0x6be5);
    golden_free(&g);

    golden_load("icmpv4_echo.pcap", &g);
    golden_ipv4(&g, 2, &len, &r);
    print_to(buf, sizeof buf, tapir_ipv4_print_verbose, &r);
    assert_non_null(strstr(buf, "  tos: 0xb9 (DSCP 46, ECN ECT(1))\n"));
    assert_non_null(strstr(buf, "  flags: 0x2 (DF)\n"));
    golden_free(&g);
}

/* One error per check, each made by changing a valid packet (echo request, 84 bytes). */
static void test_corruptions(void **state)
{
    (void)state;
    struct golden g;
    golden_load("icmpv4_echo.pcap", &g);
    size_t len;
    const uint8_t *orig = golden_at(&g, 0, TAPIR_LAYER_IPV4, &len);
    assert_int_equal(len, 84);
    uint8_t *p = malloc(len);
    struct tapir_ipv4_repr r;

#define RESET() memcpy(p, orig, len)
    RESET();
    p[0] = 0x65; /* version 6 */
    assert_int_equal(tapir_ipv4_parse(p, len, &r), TAPIR_EBADVERSION);
    p[0] = 0x05; /* version 0 */
    assert_int_equal(tapir_ipv4_parse(p, len, &r), TAPIR_EBADVERSION);
    RESET();
    p[0] = 0x44; /* IHL 4 */
    assert_int_equal(tapir_ipv4_parse(p, len, &r), TAPIR_EBADHEADERLEN);
    p[0] = 0x40; /* IHL 0 */
    assert_int_equal(tapir_ipv4_parse(p, len, &r), TAPIR_EBADHEADERLEN);
    RESET();
    p[0] = 0x4f; /* IHL 15: 60 bytes of header, only 40 present */
    assert_int_equal(tapir_ipv4_parse(p, 40, &r), TAPIR_ETRUNCATED);
    RESET();
    store_be16(p + 2, 19); /* total length below the header */
    assert_int_equal(tapir_ipv4_parse(p, len, &r), TAPIR_EBADTOTALLEN);
    p[0] = 0x46;
    store_be16(p + 2, 20); /* IHL 6 (24 bytes) but total 20 */
    assert_int_equal(tapir_ipv4_parse(p, len, &r), TAPIR_EBADTOTALLEN);
    RESET();
    store_be16(p + 2, 85); /* total length past the buffer */
    assert_int_equal(tapir_ipv4_parse(p, len, &r), TAPIR_ETRUNCATED);
    RESET();
    p[10] ^= 0x01; /* checksum */
    assert_int_equal(tapir_ipv4_parse(p, len, &r), TAPIR_EBADCHECKSUM);
    RESET();
    p[8]--; /* TTL changed, checksum not updated */
    assert_int_equal(tapir_ipv4_parse(p, len, &r), TAPIR_EBADCHECKSUM);
    RESET();
    p[6] |= 0x80; /* the reserved flag */
    fix_checksum(p);
    assert_int_equal(tapir_ipv4_parse(p, len, &r), TAPIR_EBADFIELD);

    /* Fragment offset + payload past 65535 (the "ping of death"): 65528 + 64. */
    RESET();
    store_be16(p + 6, 0x1fff);
    fix_checksum(p);
    assert_int_equal(tapir_ipv4_parse(p, len, &r), TAPIR_EBADTOTALLEN);
    /* 65528 + 7 = 65535 exactly is allowed. */
    store_be16(p + 2, 27);
    fix_checksum(p);
    assert_int_equal(tapir_ipv4_parse(p, 27, &r), 0);
    assert_int_equal(r.frag_offset, 65528);
    assert_int_equal(r.payload_len, 7);
    store_be16(p + 2, 28);
    fix_checksum(p);
    assert_int_equal(tapir_ipv4_parse(p, 28, &r), TAPIR_EBADTOTALLEN);

    /* Options: a 24-byte header whose 4 option bytes are each case. The total length
     * stays 84, so the payload shrinks by 4. */
    static const struct {
        uint8_t opt[4];
        int error;
    } options[] = {
        {{1, 1, 1, 1}, 0},                   /* NOPs */
        {{0, 0, 0, 0}, 0},                   /* end of list */
        {{0, 0x44, 0x01, 0xff}, 0},          /* nothing after end of list is read */
        {{1, 0x94, 4, 0}, TAPIR_EBADOPTION}, /* router alert running past the header */
        {{0x94, 4, 0, 0}, 0},                /* router alert, 4 bytes */
        {{0x44, 1, 0, 0}, TAPIR_EBADOPTION}, /* length 1 (the captured case) */
        {{0x44, 0, 0, 0}, TAPIR_EBADOPTION}, /* length 0 */
        {{0x44, 5, 0, 0}, TAPIR_EBADOPTION}, /* length 5 in a 4-byte area */
        {{1, 1, 1, 0x44}, TAPIR_EBADOPTION}, /* a type octet with no room for the length */
        {{0x07, 3, 4, 0}, 0},                /* record route, no slot: legal framing */
        {{0x99, 2, 0x99, 2}, 0},             /* unknown options, well framed */
    };
    for (size_t i = 0; i < sizeof options / sizeof options[0]; i++) {
        RESET();
        memmove(p + 24, p + 20, len - 24);
        p[0] = 0x46;
        memcpy(p + 20, options[i].opt, 4);
        fix_checksum(p);
        assert_int_equal(tapir_ipv4_parse(p, len, &r), options[i].error);
        if (options[i].error == 0) {
            assert_int_equal(r.options_len, 4);
            assert_int_equal(r.payload_len, 60);
            roundtrip(p, len);
        }
    }
#undef RESET
    free(p);
    golden_free(&g);
}

/* Bytes after the total length (Ethernet pads frames to 60 bytes) are not payload, and
 * emit() writes the datagram alone. */
static void test_padding(void **state)
{
    (void)state;
    struct golden g;
    golden_load("icmpv4_unreach.pcap", &g);
    size_t len;
    const uint8_t *ip = golden_at(&g, 0, TAPIR_LAYER_IPV4, &len);
    assert_int_equal(len, 34);
    uint8_t padded[46];
    memset(padded, 0, sizeof padded);
    memcpy(padded, ip, len);
    uint8_t *p = exact_copy(padded, sizeof padded);
    struct tapir_ipv4_repr r;
    assert_int_equal(tapir_ipv4_parse(p, sizeof padded, &r), 0);
    assert_int_equal(r.protocol, TAPIR_IP_PROTO_UDP);
    assert_int_equal(r.payload_len, 14);
    uint8_t out[64];
    memset(out, 0xa5, sizeof out);
    assert_int_equal(tapir_ipv4_emit(&r, out, sizeof out), 34);
    assert_memory_equal(out, ip, 34);
    assert_int_equal(out[34], 0xa5);
    free(p);
    golden_free(&g);
}

static void test_emit_built(void **state)
{
    (void)state;
    static const uint8_t payload[] = {8, 0, 0xf7, 0xfe, 0, 1, 0, 0};
    static const uint8_t options[] = {TAPIR_IPV4_OPT_RA, 4, 0, 0};
    struct tapir_ipv4_repr r = {
        .src = {{10, 0, 0, 1}},
        .dst = {{224, 0, 0, 22}},
        .protocol = TAPIR_IP_PROTO_IGMP,
        .ttl = 1,
        .tos = 0xc0,
        .ident = 0x1234,
        .dont_frag = true,
        .options = options,
        .options_len = sizeof options,
        .payload = payload,
        .payload_len = sizeof payload,
    };
    assert_int_equal(tapir_ipv4_header_len(&r), 24);
    uint8_t out[64];
    memset(out, 0xa5, sizeof out);
    assert_int_equal(tapir_ipv4_emit(&r, out, sizeof out), 32);
    static const uint8_t want_head[] = {0x46, 0xc0, 0, 32, 0x12, 0x34, 0x40, 0,  1,    2, 0, 0,
                                        10,   0,    0, 1,  224,  0,    0,    22, 0x94, 4, 0, 0};
    assert_memory_equal(out + 12, want_head + 12, 12);
    assert_memory_equal(out, want_head, 10);
    assert_int_equal(tapir_checksum(out, 24), 0);
    assert_memory_equal(out + 24, payload, sizeof payload);
    assert_int_equal(out[32], 0xa5);
    struct tapir_ipv4_repr r2;
    assert_int_equal(tapir_ipv4_parse(out, 32, &r2), 0);
    assert_true(tapir_ipv4_is_multicast(&r2.dst));
    assert_int_equal(r2.protocol, TAPIR_IP_PROTO_IGMP);

    assert_prints(tapir_ipv4_print, &r,
                  "IP (tos 0xc0, ttl 1, id 4660, offset 0, flags [DF], proto IGMP (2), "
                  "length 32, options (RA)) 10.0.0.1 > 224.0.0.22");

    /* The payload already in place (NULL), a fragment with both flags, no TTL. */
    memset(out, 0xa5, sizeof out);
    memcpy(out + 20, payload, sizeof payload);
    r.options = NULL;
    r.options_len = 0;
    r.payload = NULL;
    r.more_frags = true;
    r.frag_offset = 8 * 100;
    r.ttl = 0;
    r.tos = 0x03;
    r.protocol = 99;
    assert_int_equal(tapir_ipv4_emit(&r, out, 28), 28);
    assert_memory_equal(out + 20, payload, sizeof payload);
    assert_int_equal(load_be16(out + 6), 0x6000 | 100);
    assert_int_equal(tapir_ipv4_parse(out, 28, &r2), 0);
    assert_true(r2.more_frags && r2.dont_frag);
    assert_int_equal(r2.frag_offset, 800);
    /* tcpdump: no "ttl" when it is 0; both flags "+, DF". */
    assert_prints(tapir_ipv4_print, &r2,
                  "IP (tos 0x3,CE, id 4660, offset 800, flags [+, DF], proto unknown (99), "
                  "length 28) 10.0.0.1 > 224.0.0.22");

    /* In place over its own input: parse a buffer, emit into the same buffer. */
    uint8_t copy[28];
    memcpy(copy, out, 28);
    assert_int_equal(tapir_ipv4_emit(&r2, out, 28), 28);
    assert_memory_equal(out, copy, 28);

    /* Reprs that cannot be written. */
    struct tapir_ipv4_repr bad = r2;
    bad.options = options;
    bad.options_len = 3;
    assert_int_equal(tapir_ipv4_emit(&bad, out, sizeof out), TAPIR_EINVAL);
    bad.options_len = 44;
    assert_int_equal(tapir_ipv4_emit(&bad, out, sizeof out), TAPIR_EINVAL);
    bad.options = NULL;
    bad.options_len = 4;
    assert_int_equal(tapir_ipv4_emit(&bad, out, sizeof out), TAPIR_EINVAL);
    bad = r2;
    bad.frag_offset = 801;
    assert_int_equal(tapir_ipv4_emit(&bad, out, sizeof out), TAPIR_EINVAL);
    bad = r2;
    bad.payload = NULL;
    bad.payload_len = 65516; /* 20 + 65516 > 65535 */
    assert_int_equal(tapir_ipv4_emit(&bad, out, sizeof out), TAPIR_EINVAL);
    bad.payload_len = 65515; /* fits the field, not the buffer */
    assert_int_equal(tapir_ipv4_emit(&bad, out, sizeof out), TAPIR_ENOBUFS);
    assert_int_equal(tapir_ipv4_emit(&r2, out, 19), TAPIR_ENOBUFS);
    assert_int_equal(tapir_ipv4_emit(&r2, out, 0), TAPIR_ENOBUFS);
}

/* A checksum field of 0xffff is the other representation of zero (RFC 1624 §3): it
 * verifies, and emit() writes the 0x0000 that RFC 1071's computation gives. */
static void test_negative_zero_checksum(void **state)
{
    (void)state;
    struct tapir_ipv4_repr r = {
        .src = {{192, 168, 69, 1}},
        .dst = {{192, 168, 69, 100}},
        .protocol = TAPIR_IP_PROTO_UDP,
        .ttl = 64,
    };
    uint32_t ident;
    for (ident = 0; ident <= 0xffff; ident++) {
        r.ident = (uint16_t)ident;
        if (tapir_ipv4_header_checksum(&r) == 0)
            break;
    }
    assert_true(ident <= 0xffff);
    uint8_t out[20];
    assert_int_equal(tapir_ipv4_emit(&r, out, sizeof out), 20);
    assert_int_equal(load_be16(out + 10), 0);
    store_be16(out + 10, 0xffff);
    struct tapir_ipv4_repr r2;
    assert_int_equal(tapir_ipv4_parse(out, sizeof out, &r2), 0);
    assert_int_equal(r2.ident, r.ident);
}

static void test_quoted(void **state)
{
    (void)state;
    struct golden g;
    golden_load("icmpv4_frag_needed.pcap", &g);
    size_t len;
    const uint8_t *ip = golden_at(&g, 0, TAPIR_LAYER_IPV4, &len);
    assert_int_equal(len, 1428);
    struct tapir_ipv4_repr r;
    /* A quote of 28 bytes: the header and 8 payload bytes. */
    uint8_t *p = exact_copy(ip, 28);
    assert_int_equal(tapir_ipv4_quoted_parse(p, 28, &r), 0);
    assert_int_equal(r.payload_len, 8);
    assert_int_equal(r.protocol, TAPIR_IP_PROTO_ICMP);
    assert_true(r.dont_frag);
    assert_int_equal(tapir_ipv4_parse(p, 28, &r), TAPIR_ETRUNCATED);
    /* The checksum is not the quoted parser's business (NAT rewrites quotes). */
    p[10] ^= 0xff;
    assert_int_equal(tapir_ipv4_quoted_parse(p, 28, &r), 0);
    free(p);
    for (size_t cut = 0; cut < 20; cut++) {
        p = exact_copy(ip, cut);
        assert_int_equal(tapir_ipv4_quoted_parse(p, cut, &r), TAPIR_ETRUNCATED);
        free(p);
    }
    p = exact_copy(ip, 28);
    p[0] = 0x65;
    assert_int_equal(tapir_ipv4_quoted_parse(p, 28, &r), TAPIR_EBADVERSION);
    p[0] = 0x44;
    assert_int_equal(tapir_ipv4_quoted_parse(p, 28, &r), TAPIR_EBADHEADERLEN);
    p[0] = 0x48; /* 32 bytes of header in a 28-byte quote */
    assert_int_equal(tapir_ipv4_quoted_parse(p, 28, &r), TAPIR_ETRUNCATED);
    p[0] = 0x45;
    store_be16(p + 2, 16);
    assert_int_equal(tapir_ipv4_quoted_parse(p, 28, &r), TAPIR_EBADTOTALLEN);
    /* A quote longer than the datagram (RFC 4884 padding): trimmed to its total. */
    store_be16(p + 2, 24);
    assert_int_equal(tapir_ipv4_quoted_parse(p, 28, &r), 0);
    assert_int_equal(r.payload_len, 4);
    free(p);
    golden_free(&g);
}

static void test_names_and_addresses(void **state)
{
    (void)state;
    assert_string_equal(tapir_ip_protocol_name(1), "ICMP");
    assert_string_equal(tapir_ip_protocol_name(2), "IGMP");
    assert_string_equal(tapir_ip_protocol_name(6), "TCP");
    assert_string_equal(tapir_ip_protocol_name(17), "UDP");
    assert_string_equal(tapir_ip_protocol_name(58), "ICMPv6");
    assert_null(tapir_ip_protocol_name(0));
    assert_null(tapir_ip_protocol_name(253));

    static const struct tapir_ipv4_addr zero = {{0, 0, 0, 0}}, bcast = {{255, 255, 255, 255}},
                                        mcast = {{239, 1, 2, 3}}, lo = {{127, 0, 0, 1}},
                                        ll = {{169, 254, 1, 1}}, host = {{192, 168, 69, 1}},
                                        e0 = {{240, 0, 0, 1}};
    assert_true(tapir_ipv4_is_unspecified(&zero));
    assert_false(tapir_ipv4_is_unspecified(&host));
    assert_true(tapir_ipv4_is_broadcast(&bcast));
    assert_false(tapir_ipv4_is_broadcast(&host));
    assert_true(tapir_ipv4_is_multicast(&mcast));
    assert_false(tapir_ipv4_is_multicast(&bcast));
    assert_false(tapir_ipv4_is_multicast(&e0));
    assert_false(tapir_ipv4_is_multicast(&host));
    assert_true(tapir_ipv4_is_loopback(&lo));
    assert_false(tapir_ipv4_is_loopback(&host));
    assert_true(tapir_ipv4_is_link_local(&ll));
    assert_false(tapir_ipv4_is_link_local(&host));
    assert_true(tapir_ipv4_addr_equal(&host, &host));
    assert_false(tapir_ipv4_addr_equal(&host, &lo));
}

/* Options printed the tcpdump way, checked against tcpdump 4.99 -v on the same bytes. */
static void test_option_printing(void **state)
{
    (void)state;
    static const struct {
        uint8_t opt[24];
        size_t len;
        const char *text;
    } cases[] = {
        {{0x83, 11, 8, 1, 2, 3, 4, 5, 6, 7, 8, 0x94, 4, 0, 0, 0},
         16,
         "LSRR 1.2.3.4, 5.6.7.8,RA,EOL"},
        {{0x89, 7, 4, 1, 2, 3, 4, 0x94, 4, 0, 5, 0x82, 11, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0},
         24,
         "SSRR 1.2.3.4,RA value 5,security,NOP,EOL"},
        {{0x44, 20, 13, 0x31, 192, 168, 69, 1, 0, 0, 0, 16, 0, 0, 0, 0, 0, 0, 0, 0, 0x99, 2, 0, 0},
         24,
         "timestamp TS{TS+ADDR 16@192.168.69.1 ^ 0@0.0.0.0 [3 hops not recorded]} ,unknown 153,"
         "EOL"},
        {{0x44, 12, 5, 0x23, 192, 168, 69, 1, 0, 0, 0, 16},
         12,
         "timestamp TS{PRESPEC ^ 16@192.168.69.1 [2 hops not recorded]} "},
        {{0x52, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, 12, "traceroute"},
        {{0x44, 8, 5, 0x02, 0, 0, 0, 0}, 8, "timestamp TS{[bad length 8][bad ts type 2]}"},
        {{0x07, 7, 2, 1, 2, 3, 4, 0}, 8, "RR [bad ptr 2] 1.2.3.4,EOL"},
        {{0x07, 2, 0, 0}, 4, "RR [bad length 2],EOL"},
        /* tcpdump reads the length from the octet after the options; tapir does not. */
        {{1, 1, 1, 0x44}, 4, "NOP,NOP,NOP,timestamp [bad length]"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct tapir_ipv4_repr r = {
            .src = {{192, 168, 69, 100}},
            .dst = {{192, 168, 69, 1}},
            .protocol = TAPIR_IP_PROTO_ICMP,
            .ttl = 64,
            .ident = 1,
            .options = cases[i].opt,
            .options_len = cases[i].len,
        };
        char want[512];
        snprintf(want, sizeof want,
                 "IP (tos 0x0, ttl 64, id 1, offset 0, flags [none], proto ICMP (1), length %zu, "
                 "options (%s)) 192.168.69.100 > 192.168.69.1",
                 20 + cases[i].len, cases[i].text);
        assert_prints(tapir_ipv4_print, &r, want);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_all_golden),
        cmocka_unit_test(test_echo),
        cmocka_unit_test(test_fragments),
        cmocka_unit_test(test_options),
        cmocka_unit_test(test_icmp_error_carriers),
        cmocka_unit_test(test_verbose),
        cmocka_unit_test(test_corruptions),
        cmocka_unit_test(test_padding),
        cmocka_unit_test(test_emit_built),
        cmocka_unit_test(test_negative_zero_checksum),
        cmocka_unit_test(test_quoted),
        cmocka_unit_test(test_names_and_addresses),
        cmocka_unit_test(test_option_printing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
