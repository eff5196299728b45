/* ICMPv4 against golden messages captured from Linux (tests/data/icmpv4_*.pcap and the
 * echoes in ipv4_options.pcap, written by tests/data/capture/ipv4_icmp.sh): parse, emit
 * identical bytes, refuse truncations and corruptions with the specific error, print as
 * tcpdump -n does. */
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
#include "tapir/wire/checksum.h"
#include "tapir/wire/icmpv4.h"
#include "tapir/wire/ipv4.h"
#include "wire/bytes.h"

/* A heap copy of exactly the ICMP message of a frame. The datagram Linux answered with a
 * parameter problem has an option the strict IPv4 parser refuses, so the lenient one is
 * the fallback (its payload is whole: the quote parser trims to the total length). */
static uint8_t *icmp_bytes(const char *file, size_t i, size_t *len)
{
    struct golden g;
    golden_load(file, &g);
    size_t ip_len;
    const uint8_t *ip_bytes = golden_at(&g, i, TAPIR_LAYER_IPV4, &ip_len);
    struct tapir_ipv4_repr ip;
    if (tapir_ipv4_parse(ip_bytes, ip_len, &ip) != 0)
        assert_int_equal(tapir_ipv4_quoted_parse(ip_bytes, ip_len, &ip), 0);
    assert_int_equal(ip.protocol, TAPIR_IP_PROTO_ICMP);
    assert_false(tapir_ipv4_is_fragment(&ip));
    *len = ip.payload_len;
    uint8_t *p = exact_copy(ip.payload, ip.payload_len);
    golden_free(&g);
    return p;
}

static void fix_checksum(uint8_t *msg, size_t len)
{
    store_be16(msg + 2, 0);
    store_be16(msg + 2, tapir_checksum(msg, len));
}

static void assert_same_repr(const struct tapir_icmpv4_repr *a, const uint8_t *abuf,
                             const struct tapir_icmpv4_repr *b, const uint8_t *bbuf)
{
    assert_int_equal(a->type, b->type);
    assert_int_equal(a->code, b->code);
    assert_int_equal(a->ident, b->ident);
    assert_int_equal(a->seq, b->seq);
    assert_int_equal(a->next_hop_mtu, b->next_hop_mtu);
    assert_int_equal(a->pointer, b->pointer);
    assert_memory_equal(a->gateway.bytes, b->gateway.bytes, 4);
    assert_int_equal(a->rest, b->rest);
    assert_int_equal(a->data - abuf, b->data - bbuf);
    assert_int_equal(a->data_len, b->data_len);
}

static void roundtrip(const uint8_t *msg, size_t len)
{
    struct tapir_icmpv4_repr r, r2;
    assert_int_equal(tapir_icmpv4_parse(msg, len, &r), 0);
    assert_int_equal(tapir_icmpv4_header_len(&r), 8);
    assert_int_equal(r.data_len, len - 8);
    assert_ptr_equal(r.data, msg + 8);
    assert_int_equal(r.rest, load_be32(msg + 4));
    uint8_t *out = malloc(len + 1);
    memset(out, 0xa5, len + 1);
    assert_int_equal(tapir_icmpv4_emit(&r, out, len + 1), (int)len);
    assert_memory_equal(out, msg, len);
    assert_int_equal(out[len], 0xa5);
    assert_int_equal(tapir_icmpv4_checksum(&r), load_be16(msg + 2));
    assert_int_equal(tapir_icmpv4_parse(out, len, &r2), 0);
    assert_same_repr(&r, msg, &r2, out);
    assert_int_equal(tapir_icmpv4_emit(&r, out, len - 1), TAPIR_ENOBUFS);
    assert_int_equal(tapir_icmpv4_emit(&r, out, 7), TAPIR_ENOBUFS);
    free(out);
}

/* What parse must say about `cut` bytes of a message whose checksum verifies: nothing
 * limits an echo's length, but an error message must keep the quoted header and 8 bytes. */
static int structural_error(const uint8_t *msg, size_t cut)
{
    if (cut < 8)
        return TAPIR_ETRUNCATED;
    if (!tapir_icmpv4_is_error(msg[0]))
        return 0;
    const uint8_t *q = msg + 8;
    size_t qlen = cut - 8;
    if (qlen < 20)
        return TAPIR_ETRUNCATED;
    size_t hlen = (size_t)(q[0] & 0x0f) * 4, total = load_be16(q + 2);
    size_t want = total - hlen < 8 ? total - hlen : 8;
    size_t have = (total < qlen ? total : qlen) - hlen;
    if (qlen < hlen || have < want)
        return TAPIR_ETRUNCATED;
    return 0;
}

/* Every cut: under 8 bytes truncated; else the checksum no longer verifies (unless the
 * bytes cut happen to sum to zero), and with the checksum made right again, only what an
 * error message must keep is refused. */
static void check_truncations(const uint8_t *msg, size_t len)
{
    struct tapir_icmpv4_repr r;
    for (size_t cut = 0; cut < len; cut++) {
        uint8_t *p = exact_copy(msg, cut);
        int rc = tapir_icmpv4_parse(p, cut, &r);
        if (cut < 8)
            assert_int_equal(rc, TAPIR_ETRUNCATED);
        else if (tapir_checksum(p, cut) != 0)
            assert_int_equal(rc, TAPIR_EBADCHECKSUM);
        else
            assert_int_equal(rc, structural_error(msg, cut));
        if (cut >= 8) {
            fix_checksum(p, cut);
            rc = tapir_icmpv4_parse(p, cut, &r);
            assert_int_equal(rc, structural_error(msg, cut));
            if (rc == 0)
                assert_int_equal(r.data_len, cut - 8);
        }
        free(p);
    }
}

/* Every golden message: round trip, truncations, tcpdump -n's text and, where given, the
 * verbose text. */
static void test_golden(void **state)
{
    (void)state;
    static const struct {
        const char *file;
        size_t frame;
        const char *line;
        const char *verbose; /* or NULL */
    } cases[] = {
        {"icmpv4_echo.pcap", 0, "ICMP echo request, id 9444, seq 1, length 64",
         "ICMPv4\n"
         "  type: echo request (8)\n"
         "  code: 0\n"
         "  checksum: 0x3dd5\n"
         "  identifier: 9444 (0x24e4)\n"
         "  sequence: 1\n"
         "  data length: 56\n"},
        {"icmpv4_echo.pcap", 1, "ICMP echo reply, id 9444, seq 1, length 64", NULL},
        {"icmpv4_echo.pcap", 2, "ICMP echo request, id 9446, seq 1, length 64", NULL},
        {"icmpv4_echo.pcap", 3, "ICMP echo reply, id 9446, seq 1, length 64", NULL},
        {"ipv4_options.pcap", 0, "ICMP echo request, id 9472, seq 1, length 64", NULL},
        {"ipv4_options.pcap", 1, "ICMP echo reply, id 9472, seq 1, length 64", NULL},
        {"ipv4_options.pcap", 2, "ICMP echo request, id 9474, seq 1, length 64", NULL},
        {"ipv4_options.pcap", 3, "ICMP echo reply, id 9474, seq 1, length 64", NULL},
        {"icmpv4_unreach.pcap", 1, "ICMP 192.168.69.1 udp port 9 unreachable, length 42",
         "ICMPv4\n"
         "  type: destination unreachable (3)\n"
         "  code: port unreachable (3)\n"
         "  checksum: 0xcf08\n"
         "  unused: 0x00000000\n"
         "  invoking datagram: 192.168.69.100 > 192.168.69.1, proto UDP (17), "
         "id 13057, length 34, 14 payload bytes quoted\n"
         "  data length: 34\n"},
        {"icmpv4_frag_needed.pcap", 0, "ICMP echo request, id 9515, seq 1, length 1408", NULL},
        {"icmpv4_frag_needed.pcap", 1,
         "ICMP 192.168.70.2 unreachable - need to frag (mtu 1280), length 556",
         "ICMPv4\n"
         "  type: destination unreachable (3)\n"
         "  code: fragmentation needed (4)\n"
         "  checksum: 0x0ec9\n"
         "  unused: 0x0000\n"
         "  next-hop MTU: 1280\n"
         "  invoking datagram: 192.168.69.1 > 192.168.70.2, proto ICMP (1), "
         "id 0, length 1428, 528 payload bytes quoted\n"
         "  data length: 548\n"},
        {"icmpv4_time_exceeded.pcap", 0, "ICMP echo request, id 9528, seq 1, length 64", NULL},
        {"icmpv4_time_exceeded.pcap", 1, "ICMP time exceeded in-transit, length 92",
         "ICMPv4\n"
         "  type: time exceeded (11)\n"
         "  code: TTL exceeded in transit (0)\n"
         "  checksum: 0xf4ff\n"
         "  unused: 0x00000000\n"
         "  invoking datagram: 192.168.69.1 > 192.168.70.2, proto ICMP (1), "
         "id 47557, length 84, 64 payload bytes quoted\n"
         "  data length: 84\n"},
        {"icmpv4_param_problem.pcap", 0, "ICMP echo request, id 31344, seq 1, length 40", NULL},
        {"icmpv4_param_problem.pcap", 1, "ICMP parameter problem - octet 20, length 72",
         "ICMPv4\n"
         "  type: parameter problem (12)\n"
         "  code: pointer indicates the error (0)\n"
         "  checksum: 0xdfff\n"
         "  pointer: 20\n"
         "  unused: 0x000000\n"
         "  invoking datagram: 192.168.69.100 > 192.168.69.1, proto ICMP (1), "
         "id 9320, length 64, 40 payload bytes quoted\n"
         "  data length: 64\n"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t len;
        uint8_t *msg = icmp_bytes(cases[i].file, cases[i].frame, &len);
        roundtrip(msg, len);
        check_truncations(msg, len);
        struct tapir_icmpv4_repr r;
        assert_int_equal(tapir_icmpv4_parse(msg, len, &r), 0);
        assert_prints(tapir_icmpv4_print, &r, cases[i].line);
        if (cases[i].verbose)
            assert_prints(tapir_icmpv4_print_verbose, &r, cases[i].verbose);
        free(msg);
    }
}

static void test_fields(void **state)
{
    (void)state;
    size_t len;
    struct tapir_icmpv4_repr r;

    uint8_t *msg = icmp_bytes("icmpv4_echo.pcap", 0, &len);
    assert_int_equal(tapir_icmpv4_parse(msg, len, &r), 0);
    assert_int_equal(r.type, TAPIR_ICMPV4_ECHO_REQUEST);
    assert_int_equal(r.code, 0);
    assert_int_equal(r.ident, 9444);
    assert_int_equal(r.seq, 1);
    assert_int_equal(r.rest, (9444u << 16) | 1);
    assert_int_equal(r.data_len, 56);
    assert_false(tapir_icmpv4_is_error(r.type));
    free(msg);

    msg = icmp_bytes("icmpv4_unreach.pcap", 1, &len);
    assert_int_equal(tapir_icmpv4_parse(msg, len, &r), 0);
    assert_int_equal(r.type, TAPIR_ICMPV4_DEST_UNREACHABLE);
    assert_int_equal(r.code, TAPIR_ICMPV4_UNREACH_PORT);
    assert_int_equal(r.rest, 0);
    assert_int_equal(r.data_len, 34); /* the whole UDP datagram: 20 + 8 + 6 */
    assert_true(tapir_icmpv4_is_error(r.type));
    struct tapir_ipv4_repr in;
    assert_int_equal(tapir_ipv4_quoted_parse(r.data, r.data_len, &in), 0);
    assert_int_equal(in.protocol, TAPIR_IP_PROTO_UDP);
    assert_int_equal(load_be16(in.payload + 2), 9);
    free(msg);

    msg = icmp_bytes("icmpv4_frag_needed.pcap", 1, &len);
    assert_int_equal(tapir_icmpv4_parse(msg, len, &r), 0);
    assert_int_equal(r.type, TAPIR_ICMPV4_DEST_UNREACHABLE);
    assert_int_equal(r.code, TAPIR_ICMPV4_UNREACH_FRAG_NEEDED);
    assert_int_equal(r.next_hop_mtu, 1280);
    /* Linux quotes what fits in 576 bytes (RFC 1812 §4.3.2.3): 576 - 20 - 8. */
    assert_int_equal(r.data_len, 548);
    free(msg);

    msg = icmp_bytes("icmpv4_time_exceeded.pcap", 1, &len);
    assert_int_equal(tapir_icmpv4_parse(msg, len, &r), 0);
    assert_int_equal(r.type, TAPIR_ICMPV4_TIME_EXCEEDED);
    assert_int_equal(r.code, TAPIR_ICMPV4_TTL_EXCEEDED);
    assert_int_equal(r.data_len, 84);
    assert_int_equal(tapir_ipv4_quoted_parse(r.data, r.data_len, &in), 0);
    assert_int_equal(in.ttl, 1);
    free(msg);

    msg = icmp_bytes("icmpv4_param_problem.pcap", 1, &len);
    assert_int_equal(tapir_icmpv4_parse(msg, len, &r), 0);
    assert_int_equal(r.type, TAPIR_ICMPV4_PARAM_PROBLEM);
    assert_int_equal(r.code, TAPIR_ICMPV4_PARAM_POINTER);
    assert_int_equal(r.pointer, 20); /* the option's type octet */
    assert_int_equal(r.rest, 20u << 24);
    assert_int_equal(r.data_len, 64);
    free(msg);
}

static void test_verbose(void **state)
{
    (void)state;
    /* Redirect and an unknown type, built. */
    static const uint8_t zz[] = {'z', 'z'};
    struct tapir_icmpv4_repr u = {
        .type = 42, .code = 7, .rest = 0x01020304, .data = zz, .data_len = 2};
    assert_prints(tapir_icmpv4_print_verbose, &u,
                  "ICMPv4\n"
                  "  type: unknown (42)\n"
                  "  code: 7\n"
                  "  checksum: 0x5778\n"
                  "  rest of header: 0x01020304\n"
                  "  data length: 2\n");
}

/* One error per check, made from valid messages (the checksum put right where the point is
 * another field). */
static void test_corruptions(void **state)
{
    (void)state;
    size_t len;
    struct tapir_icmpv4_repr r;
    uint8_t *msg = icmp_bytes("icmpv4_unreach.pcap", 1, &len);
    assert_int_equal(len, 42);
    uint8_t *p = malloc(len);

#define RESET() memcpy(p, msg, len)
    RESET();
    p[2] ^= 0x10;
    assert_int_equal(tapir_icmpv4_parse(p, len, &r), TAPIR_EBADCHECKSUM);
    RESET();
    p[len - 1] ^= 0x01; /* a data byte */
    assert_int_equal(tapir_icmpv4_parse(p, len, &r), TAPIR_EBADCHECKSUM);
    RESET();
    p[1] = 1; /* the code, checksum not updated */
    assert_int_equal(tapir_icmpv4_parse(p, len, &r), TAPIR_EBADCHECKSUM);

    /* The quoted datagram (at offset 8). */
    RESET();
    p[8] = 0x65;
    fix_checksum(p, len);
    assert_int_equal(tapir_icmpv4_parse(p, len, &r), TAPIR_EBADVERSION);
    RESET();
    p[8] = 0x44;
    fix_checksum(p, len);
    assert_int_equal(tapir_icmpv4_parse(p, len, &r), TAPIR_EBADHEADERLEN);
    RESET();
    p[8] = 0x4f; /* 60 bytes of header in a 34-byte quote */
    fix_checksum(p, len);
    assert_int_equal(tapir_icmpv4_parse(p, len, &r), TAPIR_ETRUNCATED);
    RESET();
    store_be16(p + 10, 19);
    fix_checksum(p, len);
    assert_int_equal(tapir_icmpv4_parse(p, len, &r), TAPIR_EBADTOTALLEN);
    /* A datagram with 4 payload bytes, quoted whole, is fine; missing one byte, not. */
    RESET();
    store_be16(p + 10, 24);
    fix_checksum(p, 8 + 24);
    assert_int_equal(tapir_icmpv4_parse(p, 8 + 24, &r), 0);
    fix_checksum(p, 8 + 23);
    assert_int_equal(tapir_icmpv4_parse(p, 8 + 23, &r), TAPIR_ETRUNCATED);
    /* Other error types are held to the same; informational ones are not. */
    static const uint8_t errors[] = {4, 5, 11, 12};
    for (size_t i = 0; i < sizeof errors; i++) {
        RESET();
        p[0] = errors[i];
        fix_checksum(p, 8 + 27);
        assert_int_equal(tapir_icmpv4_parse(p, 8 + 27, &r), TAPIR_ETRUNCATED);
        fix_checksum(p, 8 + 28);
        assert_int_equal(tapir_icmpv4_parse(p, 8 + 28, &r), 0);
    }
    RESET();
    p[0] = TAPIR_ICMPV4_ECHO_REPLY;
    fix_checksum(p, 8);
    assert_int_equal(tapir_icmpv4_parse(p, 8, &r), 0);
    assert_int_equal(r.data_len, 0);
#undef RESET
    free(p);
    free(msg);
}

/* What the type does not decode survives a round trip through `rest`; a built message
 * gets its fields, whatever rest holds for the bits they cover. */
static void test_rest_of_header(void **state)
{
    (void)state;
    size_t len;
    struct tapir_icmpv4_repr r;

    /* Parameter problem with the RFC 4884 length octet set, fragmentation needed with
     * the unused half set, an unknown type: each re-emits exactly. */
    uint8_t *msg = icmp_bytes("icmpv4_param_problem.pcap", 1, &len);
    msg[5] = 16;
    fix_checksum(msg, len);
    assert_int_equal(tapir_icmpv4_parse(msg, len, &r), 0);
    assert_int_equal(r.pointer, 20);
    assert_int_equal(r.rest, 0x14100000);
    roundtrip(msg, len);
    free(msg);
    msg = icmp_bytes("icmpv4_frag_needed.pcap", 1, &len);
    msg[4] = 0xab;
    fix_checksum(msg, len);
    roundtrip(msg, len);
    msg[0] = 42;
    fix_checksum(msg, len);
    assert_int_equal(tapir_icmpv4_parse(msg, len, &r), 0);
    assert_int_equal(r.next_hop_mtu, 0); /* not decoded for another type */
    assert_int_equal(r.rest, 0xab000500);
    roundtrip(msg, len);
    free(msg);

    static const uint8_t abc[] = {'a', 'b', 'c'};
    struct tapir_icmpv4_repr e = {
        .type = TAPIR_ICMPV4_ECHO_REQUEST,
        .ident = 0x1234,
        .seq = 7,
        .rest = 0xdeadbeef, /* covered entirely by ident and seq */
        .data = abc,
        .data_len = sizeof abc,
    };
    uint8_t out[16];
    memset(out, 0xa5, sizeof out);
    assert_int_equal(tapir_icmpv4_emit(&e, out, sizeof out), 11);
    static const uint8_t want[] = {8, 0, 0, 0, 0x12, 0x34, 0, 7, 'a', 'b', 'c'};
    assert_memory_equal(out + 4, want + 4, 7);
    assert_memory_equal(out, want, 2);
    assert_int_equal(tapir_checksum(out, 11), 0); /* odd length: last byte padded */
    assert_int_equal(load_be16(out + 2), tapir_icmpv4_checksum(&e));
    assert_int_equal(out[11], 0xa5);
    assert_int_equal(tapir_icmpv4_parse(out, 11, &r), 0);
    assert_int_equal(r.ident, 0x1234);
    assert_int_equal(r.seq, 7);

    /* Data already in place (NULL), a redirect with its gateway. */
    uint8_t quote[28] = {0x45, 0, 0,   28,  0,  0,   0x40, 0,    64, 17, 0, 0, 192, 168,
                         69,   1, 192, 168, 69, 100, 0x30, 0x39, 0,  53, 0, 8, 0,   0};
    memset(out, 0xa5, sizeof out);
    uint8_t big[40];
    memcpy(big + 8, quote, sizeof quote);
    struct tapir_icmpv4_repr rd = {
        .type = TAPIR_ICMPV4_REDIRECT,
        .code = TAPIR_ICMPV4_REDIRECT_HOST,
        .gateway = {{192, 168, 69, 254}},
        .data = NULL,
        .data_len = sizeof quote,
    };
    assert_int_equal(tapir_icmpv4_emit(&rd, big, sizeof big), 36);
    assert_memory_equal(big + 4, ((const uint8_t[]){192, 168, 69, 254}), 4);
    assert_memory_equal(big + 8, quote, sizeof quote);
    assert_int_equal(tapir_icmpv4_parse(big, 36, &r), 0);
    assert_memory_equal(r.gateway.bytes, rd.gateway.bytes, 4);
    char buf[256];
    assert_prints(tapir_icmpv4_print, &r,
                  "ICMP redirect 192.168.69.100 to host 192.168.69.254, length 36");
    print_to(buf, sizeof buf, tapir_icmpv4_print_verbose, &r);
    assert_non_null(strstr(buf, "  code: host (1)\n  checksum: 0x"));
    assert_non_null(strstr(buf, "  gateway: 192.168.69.254\n"));

    assert_int_equal(tapir_icmpv4_emit(&rd, big, 35), TAPIR_ENOBUFS);
    assert_int_equal(tapir_icmpv4_emit(&rd, big, 0), TAPIR_ENOBUFS);
}

/* tcpdump's wording for the messages Linux was not made to send here, checked against
 * tcpdump 4.99 -n on the same bytes. The quote is the golden UDP datagram to port 9. */
static void test_printing(void **state)
{
    (void)state;
    size_t len;
    uint8_t *msg = icmp_bytes("icmpv4_unreach.pcap", 1, &len);
    struct tapir_icmpv4_repr base;
    assert_int_equal(tapir_icmpv4_parse(msg, len, &base), 0);
    static const struct {
        uint8_t type, code;
        const char *text;
    } cases[] = {
        {3, 0, "net 192.168.69.1 unreachable"},
        {3, 1, "host 192.168.69.1 unreachable"},
        {3, 2, "192.168.69.1 protocol 17 unreachable"},
        {3, 4, "192.168.69.1 unreachable - need to frag"},
        {3, 5, "192.168.69.1 unreachable - source route failed"},
        {3, 6, "net 192.168.69.1 unreachable - unknown"},
        {3, 7, "host 192.168.69.1 unreachable - unknown"},
        {3, 8, "192.168.69.1 unreachable - source host isolated"},
        {3, 9, "net 192.168.69.1 unreachable - admin prohibited"},
        {3, 10, "host 192.168.69.1 unreachable - admin prohibited"},
        {3, 11, "net 192.168.69.1 unreachable - tos prohibited"},
        {3, 12, "host 192.168.69.1 unreachable - tos prohibited"},
        {3, 13, "host 192.168.69.1 unreachable - admin prohibited filter"},
        {3, 14, "host 192.168.69.1 unreachable - host precedence violation"},
        {3, 15, "host 192.168.69.1 unreachable - precedence cutoff"},
        {3, 16, "192.168.69.1 unreachable - #16"},
        {4, 0, "source quench"},
        {5, 0, "redirect 192.168.69.1 to net 0.0.0.0"},
        {5, 2, "redirect-tos 192.168.69.1 to net 0.0.0.0"},
        {5, 3, "redirect-tos 192.168.69.1 to host 0.0.0.0"},
        {5, 4, "redirect-#4 192.168.69.1 to 0.0.0.0"},
        {10, 0, "router solicitation"},
        {11, 1, "ip reassembly time exceeded"},
        {11, 2, "time exceeded-#2"},
        {12, 1, "parameter problem - code 1"},
        {13, 0, "time stamp query id 0 seq 0"},
        {15, 0, "information request"},
        {16, 0, "information reply"},
        {17, 0, "address mask request"},
        {42, 7, "type-#42"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct tapir_icmpv4_repr r = base;
        r.type = cases[i].type;
        r.code = cases[i].code;
        char want[256];
        snprintf(want, sizeof want, "ICMP %s, length 42", cases[i].text);
        assert_prints(tapir_icmpv4_print, &r, want);
    }

    /* The same quote to TCP and to GRE. */
    uint8_t *p = exact_copy(msg, len);
    struct tapir_icmpv4_repr r = base;
    r.data = p + 8;
    p[8 + 9] = TAPIR_IP_PROTO_TCP;
    assert_prints(tapir_icmpv4_print, &r, "ICMP 192.168.69.1 tcp port 9 unreachable, length 42");
    p[8 + 9] = 47;
    assert_prints(tapir_icmpv4_print, &r,
                  "ICMP 192.168.69.1 protocol 47 port 9 unreachable, length 42");
    /* A built error without a readable quote. */
    r.data = NULL;
    r.data_len = 0;
    assert_prints(tapir_icmpv4_print, &r, "ICMP [|icmp], length 8");
    free(p);
    free(msg);

    /* Messages whose data carries the information. */
    static const uint8_t ts[] = {0x02, 0xb3, 0x2c, 0x95, 0x05, 0x26, 0x5b, 0xff, 0, 0, 0, 3};
    struct tapir_icmpv4_repr t = {.type = 14, .ident = 5, .seq = 6, .data = ts, .data_len = 12};
    assert_prints(tapir_icmpv4_print, &t,
                  "ICMP time stamp reply id 5 seq 6: org 12:34:56.789, recv "
                  "23:59:59.999, xmit 00:00:00.003, length 20");
    static const uint8_t mask[] = {255, 255, 255, 0};
    struct tapir_icmpv4_repr m = {.type = 18, .ident = 5, .seq = 6, .data = mask, .data_len = 4};
    assert_prints(tapir_icmpv4_print, &m, "ICMP address mask is 0xffffff00, length 12");
    static const uint8_t ra[] = {192, 168, 69, 1, 0, 0, 0, 5, 192, 168, 69, 2, 0, 0, 1, 0};
    struct tapir_icmpv4_repr a = {.type = 9, .rest = 0x02020708, .data = ra, .data_len = 16};
    assert_prints(tapir_icmpv4_print, &a,
                  "ICMP router advertisement lifetime 30:00 2: {192.168.69.1 5} "
                  "{192.168.69.2 256}, length 24");
    a.rest = 0x0102002d;
    a.data_len = 8;
    assert_prints(tapir_icmpv4_print, &a,
                  "ICMP router advertisement lifetime 45 1: {192.168.69.1 5}, length 16");
    a.rest = 0x01030e11;
    assert_prints(tapir_icmpv4_print, &a,
                  "ICMP router advertisement lifetime 1:00:01 1: [size 3], length 16");
}

static void test_names(void **state)
{
    (void)state;
    assert_string_equal(tapir_icmpv4_type_name(0), "echo reply");
    assert_string_equal(tapir_icmpv4_type_name(3), "destination unreachable");
    assert_string_equal(tapir_icmpv4_type_name(8), "echo request");
    assert_string_equal(tapir_icmpv4_type_name(11), "time exceeded");
    assert_string_equal(tapir_icmpv4_type_name(12), "parameter problem");
    assert_string_equal(tapir_icmpv4_type_name(18), "address mask reply");
    assert_null(tapir_icmpv4_type_name(1));
    assert_null(tapir_icmpv4_type_name(19));
    assert_string_equal(tapir_icmpv4_code_name(3, 3), "port unreachable");
    assert_string_equal(tapir_icmpv4_code_name(3, 4), "fragmentation needed");
    assert_string_equal(tapir_icmpv4_code_name(3, 15), "precedence cutoff in effect");
    assert_null(tapir_icmpv4_code_name(3, 16));
    assert_string_equal(tapir_icmpv4_code_name(5, 3), "TOS and host");
    assert_string_equal(tapir_icmpv4_code_name(11, 1), "fragment reassembly time exceeded");
    assert_string_equal(tapir_icmpv4_code_name(12, 2), "bad length");
    assert_null(tapir_icmpv4_code_name(12, 3));
    assert_null(tapir_icmpv4_code_name(8, 0));
    for (unsigned t = 0; t < 256; t++) {
        bool error = t == 3 || t == 4 || t == 5 || t == 11 || t == 12;
        assert_int_equal(tapir_icmpv4_is_error((uint8_t)t), error);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_golden),         cmocka_unit_test(test_fields),
        cmocka_unit_test(test_verbose),        cmocka_unit_test(test_corruptions),
        cmocka_unit_test(test_rest_of_header), cmocka_unit_test(test_printing),
        cmocka_unit_test(test_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
