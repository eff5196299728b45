/* ICMPv6 (RFC 4443) against golden messages captured from Linux (tests/data/icmpv6_*.pcap,
 * see tests/data/capture/icmpv6_ndp.sh): parse with checksum, emit identical bytes, reject
 * every truncation and corruption, print as tcpdump does. NDP and MLD bodies are tested in
 * test_wire_ndp.c and test_wire_mld.c. */
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
#include "tapir/wire/icmpv6.h"

static void assert_same_repr(const struct tapir_icmpv6_repr *a, const struct tapir_icmpv6_repr *b)
{
    assert_int_equal(a->type, b->type);
    assert_int_equal(a->code, b->code);
    assert_int_equal(a->checksum, b->checksum);
    assert_int_equal(a->rest, b->rest);
    assert_int_equal(a->data_len, b->data_len);
    assert_memory_equal(a->data, b->data, a->data_len);
}

/* Everything every golden message must pass: parse with the checksum verified; emit with
 * the pseudo-header gives the same bytes, without it the same bytes but a zero checksum;
 * parse again gives the same repr; a short buffer is refused; every truncation is refused
 * (as truncated below 8 bytes, by the checksum above); any flipped bit breaks the checksum;
 * the one-line text is tcpdump's (lines[i]). */
static void check_message(const struct golden *g, size_t i, const void *arg)
{
    const char *const *lines = arg;
    struct wire_slice m;
    golden_slice(g, i, TAPIR_LAYER_ICMPV6, &m);
    struct tapir_icmpv6_repr r, r2;
    assert_int_equal(tapir_icmpv6_parse(m.bytes, m.len, &m.ph, &r), 0);
    assert_ptr_equal(r.data, m.bytes + 8);
    assert_int_equal(r.data_len, m.len - 8);
    assert_int_equal(tapir_icmpv6_header_len(&r), 8);

    uint8_t *out = malloc(m.len);
    memset(out, 0xa5, m.len);
    assert_int_equal(tapir_icmpv6_emit(&r, &m.ph, out, m.len), (int)m.len);
    assert_memory_equal(out, m.bytes, m.len);
    assert_int_equal(tapir_icmpv6_parse(out, m.len, &m.ph, &r2), 0);
    assert_same_repr(&r, &r2);
    memset(out, 0xa5, m.len);
    assert_int_equal(tapir_icmpv6_emit(&r, NULL, out, m.len), (int)m.len);
    assert_int_equal(out[2], 0);
    assert_int_equal(out[3], 0);
    assert_memory_equal(out, m.bytes, 2);
    assert_memory_equal(out + 4, m.bytes + 4, m.len - 4);
    assert_int_equal(tapir_icmpv6_emit(&r, &m.ph, out, m.len - 1), TAPIR_ENOBUFS);
    assert_int_equal(tapir_icmpv6_emit(&r, &m.ph, out, 7), TAPIR_ENOBUFS);
    free(out);

    for (size_t cut = 0; cut < m.len; cut++) {
        uint8_t *p = exact_copy(m.bytes, cut);
        assert_int_equal(tapir_icmpv6_parse(p, cut, &m.ph, &r2),
                         cut < 8 ? TAPIR_ETRUNCATED : TAPIR_EBADCHECKSUM);
        assert_int_equal(tapir_icmpv6_parse(p, cut, NULL, &r2), cut < 8 ? TAPIR_ETRUNCATED : 0);
        free(p);
    }
    for (size_t at = 0; at < m.len; at++) {
        m.bytes[at] ^= 0x01;
        assert_int_equal(tapir_icmpv6_parse(m.bytes, m.len, &m.ph, &r2), TAPIR_EBADCHECKSUM);
        m.bytes[at] ^= 0x01;
    }

    assert_prints(tapir_icmpv6_print, &r, lines[i]);
    wire_slice_free(&m);
}

static void load_one(const char *file, size_t index, struct wire_slice *m,
                     struct tapir_icmpv6_repr *r)
{
    golden_slice_file(file, index, TAPIR_LAYER_ICMPV6, m);
    assert_int_equal(tapir_icmpv6_parse(m->bytes, m->len, &m->ph, r), 0);
}

static void test_echo_golden(void **state)
{
    (void)state;
    static const char *const lines[] = {
        "ICMP6, echo request, id 18026, seq 1, length 64",
        "ICMP6, echo reply, id 18026, seq 1, length 64",
    };
    golden_each("icmpv6_echo.pcap", 2, check_message, lines);

    struct wire_slice req, rep;
    struct tapir_icmpv6_repr q, a;
    load_one("icmpv6_echo.pcap", 0, &req, &q);
    load_one("icmpv6_echo.pcap", 1, &rep, &a);
    assert_int_equal(q.type, TAPIR_ICMPV6_ECHO_REQUEST);
    assert_int_equal(a.type, TAPIR_ICMPV6_ECHO_REPLY);
    assert_int_equal(q.code, 0);
    assert_int_equal(tapir_icmpv6_echo_id(&q), 18026);
    assert_int_equal(tapir_icmpv6_echo_seq(&q), 1);
    assert_int_equal(q.rest, a.rest);
    assert_int_equal(q.data_len, 56); /* ping -s 56 */
    assert_false(tapir_icmpv6_is_error(q.type));

    /* The reply an interface would build from the request: same id, seq and data, the
     * addresses swapped. It is the kernel's reply byte for byte. */
    struct tapir_icmpv6_repr reply = {
        .type = TAPIR_ICMPV6_ECHO_REPLY,
        .rest = tapir_icmpv6_echo_rest(18026, 1),
        .data = q.data,
        .data_len = q.data_len,
    };
    struct tapir_pseudo_header ph = {.src = req.ph.dst, .dst = req.ph.src, .protocol = 0};
    uint8_t out[64];
    memset(out, 0xa5, sizeof out);
    assert_int_equal(tapir_icmpv6_emit(&reply, &ph, out, sizeof out), 64);
    assert_memory_equal(out, rep.bytes, 64);

    assert_prints(tapir_icmpv6_print_verbose, &q,
                  "ICMPv6\n"
                  "  type: echo request (128)\n"
                  "  code: 0\n"
                  "  checksum: 0x3fce\n"
                  "  identifier: 18026\n"
                  "  sequence: 1\n"
                  "  data length: 56\n");
    wire_slice_free(&req);
    wire_slice_free(&rep);
}

static void test_errors_golden(void **state)
{
    (void)state;
    static const char *const too_big[] = {"ICMP6, packet too big, mtu 1280, length 1240"};
    static const char *const time_exceeded[] = {
        "ICMP6, time exceeded in-transit for fdbb::2, length 112"};
    static const char *const param[] = {
        "ICMP6, parameter problem, next header - octet 6, length 79"};
    static const char *const unreach[] = {
        "ICMP6, destination unreachable, unreachable port, fdaa::1 udp port 4444, length 61",
        "ICMP6, destination unreachable, unreachable route fdcc::1, length 112",
        "ICMP6, destination unreachable, unreachable address fdbb::99, length 112",
    };
    golden_each("icmpv6_too_big.pcap", 1, check_message, too_big);
    golden_each("icmpv6_time_exceeded.pcap", 1, check_message, time_exceeded);
    golden_each("icmpv6_param_problem.pcap", 1, check_message, param);
    golden_each("icmpv6_unreach.pcap", 3, check_message, unreach);

    /* Each message's fields: rest is the MTU, the pointer or unused; the invoking packet is
     * IPv6, its next header at offset 6. */
    static const struct {
        const char *file;
        size_t frame;
        uint8_t type, code;
        uint32_t rest;
        size_t data_len;
        uint8_t quoted_next_header;
        const char *verbose; /* or NULL */
    } errors[] = {
        /* As much of the invoking packet as fits in 1280 bytes (RFC 4443 §2.4(c)). */
        {"icmpv6_too_big.pcap", 0, TAPIR_ICMPV6_PACKET_TOO_BIG, 0, 1280, 1280 - 40 - 8, 58,
         "ICMPv6\n"
         "  type: packet too big (2)\n"
         "  code: 0\n"
         "  checksum: 0xbf03\n"
         "  MTU: 1280\n"
         "  data length: 1232\n"
         "  invoking packet: fdaa::100 > fdbb::2, next header 58\n"},
        /* The whole echo request. */
        {"icmpv6_time_exceeded.pcap", 0, TAPIR_ICMPV6_TIME_EXCEEDED,
         TAPIR_ICMPV6_HOP_LIMIT_EXCEEDED, 0, 104, 58,
         "ICMPv6\n"
         "  type: time exceeded (3)\n"
         "  code: hop limit exceeded in transit (0)\n"
         "  checksum: 0xee65\n"
         "  unused: 0x00000000\n"
         "  data length: 104\n"
         "  invoking packet: fdaa::100 > fdbb::2, next header 58\n"},
        /* The pointer is the offset of the IPv6 next header field. */
        {"icmpv6_param_problem.pcap", 0, TAPIR_ICMPV6_PARAM_PROBLEM,
         TAPIR_ICMPV6_PARAM_UNKNOWN_NEXT_HEADER, 6, 71, 253,
         "ICMPv6\n"
         "  type: parameter problem (4)\n"
         "  code: unrecognized next header type encountered (1)\n"
         "  checksum: 0x0ca1\n"
         "  pointer: 6\n"
         "  data length: 71\n"
         "  invoking packet: fdaa::100 > fdaa::1, next header 253\n"},
        /* IPv6, UDP, "tapir". */
        {"icmpv6_unreach.pcap", 0, TAPIR_ICMPV6_DST_UNREACH, TAPIR_ICMPV6_UNREACH_PORT, 0,
         40 + 8 + 5, 17,
         "ICMPv6\n"
         "  type: destination unreachable (1)\n"
         "  code: port unreachable (4)\n"
         "  checksum: 0xda96\n"
         "  unused: 0x00000000\n"
         "  data length: 53\n"
         "  invoking packet: fdaa::100 > fdaa::1, next header 17, udp port 4444\n"},
        {"icmpv6_unreach.pcap", 1, TAPIR_ICMPV6_DST_UNREACH, TAPIR_ICMPV6_UNREACH_NO_ROUTE, 0, 104,
         58, NULL},
        {"icmpv6_unreach.pcap", 2, TAPIR_ICMPV6_DST_UNREACH, TAPIR_ICMPV6_UNREACH_ADDR, 0, 104, 58,
         NULL},
    };
    for (size_t i = 0; i < sizeof errors / sizeof errors[0]; i++) {
        struct wire_slice m;
        struct tapir_icmpv6_repr r;
        load_one(errors[i].file, errors[i].frame, &m, &r);
        assert_int_equal(r.type, errors[i].type);
        assert_int_equal(r.code, errors[i].code);
        assert_int_equal(r.rest, errors[i].rest);
        assert_true(tapir_icmpv6_is_error(r.type));
        assert_int_equal(r.data_len, errors[i].data_len);
        assert_int_equal(r.data[0] >> 4, 6);
        assert_int_equal(r.data[6], errors[i].quoted_next_header);
        if (errors[i].verbose)
            assert_prints(tapir_icmpv6_print_verbose, &r, errors[i].verbose);
        wire_slice_free(&m);
    }
}

static void test_pseudo_header(void **state)
{
    (void)state;
    struct wire_slice m;
    struct tapir_icmpv6_repr r;
    load_one("icmpv6_echo.pcap", 0, &m, &r);
    uint8_t out[64];

    /* The protocol field is not used: ICMPv6 is always next header 58. */
    struct tapir_pseudo_header ph = m.ph;
    ph.protocol = 17;
    assert_int_equal(tapir_icmpv6_parse(m.bytes, m.len, &ph, &r), 0);
    assert_int_equal(tapir_icmpv6_emit(&r, &ph, out, sizeof out), 64);
    assert_memory_equal(out, m.bytes, 64);

    /* Another address: the checksum no longer verifies. */
    ph.dst.v6.bytes[15] ^= 1;
    assert_int_equal(tapir_icmpv6_parse(m.bytes, m.len, &ph, &r), TAPIR_EBADCHECKSUM);

    /* ICMPv6 has no IPv4 pseudo-header. */
    ph = m.ph;
    ph.src.version = TAPIR_IP_V4;
    assert_int_equal(tapir_icmpv6_parse(m.bytes, m.len, &ph, &r), TAPIR_EINVAL);
    assert_int_equal(tapir_icmpv6_emit(&r, &ph, out, sizeof out), TAPIR_EINVAL);
    ph = m.ph;
    ph.dst.version = TAPIR_IP_NONE;
    assert_int_equal(tapir_icmpv6_parse(m.bytes, m.len, &ph, &r), TAPIR_EINVAL);
    wire_slice_free(&m);
}

static void test_emit_places_data(void **state)
{
    (void)state;
    const uint8_t data[] = {1, 2, 3, 4, 5};
    struct tapir_icmpv6_repr r = {
        .type = TAPIR_ICMPV6_ECHO_REQUEST,
        .rest = tapir_icmpv6_echo_rest(0x1234, 0x5678),
        .data = data,
        .data_len = sizeof data,
    };
    uint8_t out[16];
    memset(out, 0xa5, sizeof out);
    assert_int_equal(tapir_icmpv6_emit(&r, NULL, out, sizeof out), 13);
    static const uint8_t expect[] = {128, 0, 0, 0, 0x12, 0x34, 0x56, 0x78, 1, 2, 3, 4, 5, 0xa5};
    assert_memory_equal(out, expect, sizeof expect);

    /* Data already in place (NULL, or pointing at buf + 8) is left alone. */
    r.data = NULL;
    out[8] = 9;
    assert_int_equal(tapir_icmpv6_emit(&r, NULL, out, sizeof out), 13);
    assert_int_equal(out[8], 9);
    r.data = out + 8;
    assert_int_equal(tapir_icmpv6_emit(&r, NULL, out, sizeof out), 13);
    assert_int_equal(out[8], 9);
    assert_int_equal(tapir_icmpv6_emit(&r, NULL, out, 12), TAPIR_ENOBUFS);
    assert_int_equal(tapir_icmpv6_emit(&r, NULL, out, 0), TAPIR_ENOBUFS);

    /* An emitted checksum verifies. */
    struct tapir_pseudo_header ph;
    memset(&ph, 0, sizeof ph);
    ph.src.version = ph.dst.version = TAPIR_IP_V6;
    assert_int_equal(tapir_ipv6_addr_parse("fe80::1", &ph.src.v6), 0);
    assert_int_equal(tapir_ipv6_addr_parse("ff02::1", &ph.dst.v6), 0);
    r.data = data;
    assert_int_equal(tapir_icmpv6_emit(&r, &ph, out, sizeof out), 13);
    struct tapir_icmpv6_repr back;
    assert_int_equal(tapir_icmpv6_parse(out, 13, &ph, &back), 0);
    assert_int_equal(tapir_icmpv6_echo_id(&back), 0x1234);
    assert_int_equal(tapir_icmpv6_echo_seq(&back), 0x5678);
}

/* Asserts the line of an error message whose invoking packet is `inner` (an IPv6 header
 * and what follows). */
static void assert_error_line(uint8_t type, uint8_t code, uint32_t rest, const uint8_t *inner,
                              size_t inner_len, const char *line)
{
    struct tapir_icmpv6_repr r = {
        .type = type, .code = code, .rest = rest, .data = inner, .data_len = inner_len};
    assert_prints(tapir_icmpv6_print, &r, line);
}

static void test_error_printer(void **state)
{
    (void)state;
    /* fdaa::100 > fdaa::1, then a Hop-by-Hop header (8 bytes), a Destination Options
     * header (16 bytes) and a TCP header's ports (1234 > 80). */
    uint8_t inner[40 + 8 + 16 + 4];
    memset(inner, 0, sizeof inner);
    inner[0] = 0x60;
    inner[6] = 0; /* Hop-by-Hop */
    inner[8] = 0xfd, inner[9] = 0xaa, inner[23] = 0x01;
    inner[24] = 0xfd, inner[25] = 0xaa, inner[39] = 0x01;
    inner[40] = 60; /* next: Destination Options */
    inner[41] = 0;
    inner[48] = 6; /* next: TCP */
    inner[49] = 1; /* 16 bytes */
    inner[64] = 0x04, inner[65] = 0xd2, inner[66] = 0x00, inner[67] = 0x50;

    assert_error_line(1, 4, 0, inner, sizeof inner,
                      "ICMP6, destination unreachable, unreachable port, fdaa::1 tcp port 80, "
                      "length 76");
    inner[48] = 17; /* UDP */
    assert_error_line(1, 4, 0, inner, sizeof inner,
                      "ICMP6, destination unreachable, unreachable port, fdaa::1 udp port 80, "
                      "length 76");
    /* The upper-layer header cut off, or another protocol: tcpdump stops there. */
    assert_error_line(1, 4, 0, inner, sizeof inner - 1,
                      "ICMP6, destination unreachable, unreachable port[|icmp6]");
    inner[48] = 58;
    assert_error_line(1, 4, 0, inner, sizeof inner,
                      "ICMP6, destination unreachable, unreachable port[|icmp6]");
    /* A fragment header (after the Hop-by-Hop one): only a first fragment shows the port. */
    inner[40] = 44;
    memset(inner + 48, 0, 8);
    inner[48] = 17;
    inner[56] = 0x04, inner[57] = 0xd2, inner[58] = 0x00, inner[59] = 0x35;
    assert_error_line(1, 4, 0, inner, 60,
                      "ICMP6, destination unreachable, unreachable port, fdaa::1 udp port 53, "
                      "length 68");
    inner[51] = 8; /* fragment offset 1 */
    assert_error_line(1, 4, 0, inner, 60,
                      "ICMP6, destination unreachable, unreachable port[|icmp6]");

    assert_error_line(1, 1, 0, inner, 40,
                      "ICMP6, destination unreachable,  unreachable prohibited fdaa::1, "
                      "length 48");
    assert_error_line(1, 2, 0, inner, 40,
                      "ICMP6, destination unreachable, beyond scope fdaa::1, source address "
                      "fdaa::1, length 48");
    assert_error_line(1, 5, 0, inner, 40,
                      "ICMP6, destination unreachable, unknown unreach code (5), length 48");
    assert_error_line(1, 0, 0, inner, 39, "ICMP6, destination unreachable[|icmp6]");
    assert_error_line(3, 1, 0, inner, 40,
                      "ICMP6, time exceeded in-transit (reassembly), length 48");
    assert_error_line(3, 7, 0, inner, 40,
                      "ICMP6, time exceeded in-transit, unknown code (7), length 48");
    assert_error_line(4, 0, 4, inner, 40,
                      "ICMP6, parameter problem, erroneous - octet 4, length 48");
    assert_error_line(4, 2, 42, inner, 40,
                      "ICMP6, parameter problem, option - octet 42, length 48");
    assert_error_line(4, 3, 0, inner, 40, "ICMP6, parameter problem, code-#3, length 48");
    assert_error_line(4, 1, 6, inner, 20, "ICMP6, parameter problem[|icmp6]");
    assert_error_line(2, 0, 1400, NULL, 0, "ICMP6, packet too big, mtu 1400, length 8");
}

static void test_other_types(void **state)
{
    (void)state;
    struct tapir_icmpv6_repr r = {.type = 200, .code = 3, .rest = 0xdeadbeef};
    assert_prints(tapir_icmpv6_print, &r, "ICMP6, unknown icmp6 type (200), length 8");
    assert_prints(tapir_icmpv6_print_verbose, &r,
                  "ICMPv6\n"
                  "  type: unknown (200)\n"
                  "  code: 3\n"
                  "  checksum: 0x0000\n"
                  "  rest: 0xdeadbeef\n"
                  "  data length: 0\n");
    assert_null(tapir_icmpv6_type_name(200));
    assert_string_equal(tapir_icmpv6_type_name(143), "multicast listener report v2");

    /* An NDP or MLD type whose body does not parse is still printed, as malformed. */
    const uint8_t body[4] = {0};
    struct tapir_icmpv6_repr ns = {
        .type = TAPIR_ICMPV6_NEIGHBOR_SOLICIT, .data = body, .data_len = sizeof body};
    assert_prints(tapir_icmpv6_print, &ns, "ICMP6, neighbor solicitation [malformed], length 12");
    assert_prints(tapir_icmpv6_print_verbose, &ns,
                  "ICMPv6\n"
                  "  type: neighbor solicitation (135)\n"
                  "  code: 0\n"
                  "  checksum: 0x0000\n"
                  "  rest: 0x00000000\n"
                  "  data length: 4\n"
                  "  body: malformed (TAPIR_ETRUNCATED)\n");
    struct tapir_icmpv6_repr done = {
        .type = TAPIR_ICMPV6_MLD_DONE, .data = body, .data_len = sizeof body};
    assert_prints(tapir_icmpv6_print, &done,
                  "ICMP6, multicast listener done [malformed], length 12");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_echo_golden),   cmocka_unit_test(test_errors_golden),
        cmocka_unit_test(test_pseudo_header), cmocka_unit_test(test_emit_places_data),
        cmocka_unit_test(test_error_printer), cmocka_unit_test(test_other_types),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
