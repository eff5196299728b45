/* UDP against golden datagrams captured from Linux (tests/data/udp_ipv4.pcap, udp_ipv6.pcap):
 * parse with and without the pseudo-header, emit identical bytes, reject every truncation
 * and each corruption with its own error, print as tcpdump does. */
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
#include "tapir/wire/udp.h"

#define PROTO_UDP 17

static void assert_udp_equal(const struct tapir_udp_repr *a, const struct tapir_udp_repr *b)
{
    assert_int_equal(a->src_port, b->src_port);
    assert_int_equal(a->dst_port, b->dst_port);
    assert_int_equal(a->checksum, b->checksum);
    assert_int_equal(a->payload_len, b->payload_len);
    assert_memory_equal(a->payload, b->payload, a->payload_len);
}

static const char request[] = "tapir golden udp datagram 32 b.\n";
static const char reply[] = "tapir reply\n";

static const struct {
    const char *file;
    size_t index;
    uint16_t src_port, dst_port;
    uint16_t checksum;
    const char *payload;
} golden_udp[] = {
    {"udp_ipv4.pcap", 0, 40001, 40000, 0x61f2, request},
    {"udp_ipv4.pcap", 1, 40000, 40001, 0x08c6, reply},
    {"udp_ipv4.pcap", 2, 40002, 40001, 0x0000, "nock\n"}, /* SO_NO_CHECK: no checksum */
    {"udp_ipv6.pcap", 0, 40001, 40000, 0x7152, request},
    {"udp_ipv6.pcap", 1, 40000, 40001, 0x1826, reply},
};

static void test_udp_golden(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof golden_udp / sizeof golden_udp[0]; i++) {
        struct golden g;
        golden_load(golden_udp[i].file, &g);
        assert_int_equal(g.count, strcmp(golden_udp[i].file, "udp_ipv4.pcap") == 0 ? 3 : 2);
        struct wire_slice s;
        golden_slice(&g, golden_udp[i].index, TAPIR_LAYER_UDP, &s);
        uint8_t *seg = s.bytes;
        size_t len = s.len;

        /* Parse, verified against the pseudo-header, and unverified: the same repr. */
        struct tapir_udp_repr r, r2;
        assert_int_equal(tapir_udp_parse(seg, len, &s.ph, &r), 0);
        assert_int_equal(tapir_udp_parse(seg, len, NULL, &r2), 0);
        assert_udp_equal(&r, &r2);
        assert_int_equal(r.src_port, golden_udp[i].src_port);
        assert_int_equal(r.dst_port, golden_udp[i].dst_port);
        assert_int_equal(r.checksum, golden_udp[i].checksum);
        assert_int_equal(r.payload_len, strlen(golden_udp[i].payload));
        assert_ptr_equal(r.payload, seg + 8);
        assert_memory_equal(r.payload, golden_udp[i].payload, r.payload_len);
        assert_int_equal(tapir_udp_header_len(&r), 8);
        assert_int_equal(len, 8 + r.payload_len);

        /* Emit into a 0xa5-filled buffer: the same bytes, checksum included (recomputed from
         * the pseudo-header; the "no checksum" datagram is emitted without one). */
        const struct tapir_pseudo_header *eph = r.checksum == 0 ? NULL : &s.ph;
        uint8_t *out = malloc(len + 4);
        memset(out, 0xa5, len + 4);
        assert_int_equal(tapir_udp_emit(&r, eph, out, len + 4), (int)len);
        assert_memory_equal(out, seg, len);
        assert_int_equal(out[len], 0xa5);
        assert_int_equal(tapir_udp_parse(out, len, &s.ph, &r2), 0);
        assert_udp_equal(&r, &r2);
        /* Emitting in place over the parsed datagram is fine too. */
        assert_int_equal(tapir_udp_emit(&r, eph, seg, len), (int)len);
        assert_memory_equal(seg, out, len);
        for (size_t cap = 0; cap < len; cap++)
            assert_int_equal(tapir_udp_emit(&r, eph, out, cap), TAPIR_ENOBUFS);
        free(out);

        /* Every truncation: shorter than the header, or than the length field says. */
        for (size_t cut = 0; cut < len; cut++) {
            uint8_t *p = exact_copy(seg, cut);
            assert_int_equal(tapir_udp_parse(p, cut, NULL, &r2), TAPIR_ETRUNCATED);
            assert_int_equal(tapir_udp_parse(p, cut, &s.ph, &r2), TAPIR_ETRUNCATED);
            free(p);
        }

        char expect[64];
        snprintf(expect, sizeof expect, "UDP, length %zu", strlen(golden_udp[i].payload));
        assert_prints(tapir_udp_print, &r, expect);
        wire_slice_free(&s);
        golden_free(&g);
    }
}

/* Link padding after the datagram is not part of it. */
static void test_udp_trailing_bytes(void **state)
{
    (void)state;
    struct wire_slice s;
    golden_slice_file("udp_ipv4.pcap", 1, TAPIR_LAYER_UDP, &s);
    uint8_t *p = malloc(s.len + 6);
    memcpy(p, s.bytes, s.len);
    memset(p + s.len, 0x5a, 6);
    struct tapir_udp_repr r;
    assert_int_equal(tapir_udp_parse(p, s.len + 6, &s.ph, &r), 0);
    assert_int_equal(r.payload_len, strlen(reply));
    free(p);
    wire_slice_free(&s);
}

static void test_udp_corruptions(void **state)
{
    (void)state;
    struct wire_slice s4, s6, s4n;
    golden_slice_file("udp_ipv4.pcap", 0, TAPIR_LAYER_UDP, &s4);
    golden_slice_file("udp_ipv4.pcap", 2, TAPIR_LAYER_UDP, &s4n);
    golden_slice_file("udp_ipv6.pcap", 0, TAPIR_LAYER_UDP, &s6);
    struct tapir_udp_repr r;

    uint8_t *p = exact_copy(s4.bytes, s4.len);
    /* A length field below the header's own 8 bytes (0: the RFC 2675 jumbogram form). */
    static const uint16_t short_lengths[] = {0, 1, 7};
    for (size_t i = 0; i < sizeof short_lengths / sizeof short_lengths[0]; i++) {
        store_be16(p + 4, short_lengths[i]);
        assert_int_equal(tapir_udp_parse(p, s4.len, NULL, &r), TAPIR_EBADTOTALLEN);
    }
    /* A length field longer than the buffer. */
    store_be16(p + 4, (uint16_t)(s4.len + 1));
    assert_int_equal(tapir_udp_parse(p, s4.len, NULL, &r), TAPIR_ETRUNCATED);
    /* A shorter, valid length field: accepted unverified, but the checksum was not computed
     * over that length. */
    store_be16(p + 4, (uint16_t)(s4.len - 1));
    assert_int_equal(tapir_udp_parse(p, s4.len, NULL, &r), 0);
    assert_int_equal(r.payload_len, s4.len - 9);
    assert_int_equal(tapir_udp_parse(p, s4.len, &s4.ph, &r), TAPIR_EBADCHECKSUM);
    memcpy(p, s4.bytes, s4.len);

    /* Any flipped bit: the checksum no longer verifies (but parses unverified). */
    for (size_t at = 0; at < s4.len; at++) {
        if (at == 4 || at == 5)
            continue; /* the length field, covered above */
        p[at] ^= 0x10;
        assert_int_equal(tapir_udp_parse(p, s4.len, &s4.ph, &r), TAPIR_EBADCHECKSUM);
        assert_int_equal(tapir_udp_parse(p, s4.len, NULL, &r), 0);
        p[at] ^= 0x10;
    }
    /* The wrong pseudo-header: other addresses, or another protocol. */
    struct tapir_pseudo_header ph = s4.ph;
    ph.src.v4.bytes[3] ^= 1;
    assert_int_equal(tapir_udp_parse(p, s4.len, &ph, &r), TAPIR_EBADCHECKSUM);
    ph = s4.ph;
    ph.protocol = 6;
    assert_int_equal(tapir_udp_parse(p, s4.len, &ph, &r), TAPIR_EBADCHECKSUM);
    /* A pseudo-header of mixed or no family is the caller's error. */
    ph = s4.ph;
    ph.dst.version = TAPIR_IP_V6;
    assert_int_equal(tapir_udp_parse(p, s4.len, &ph, &r), TAPIR_EINVAL);
    ph.src.version = ph.dst.version = TAPIR_IP_NONE;
    assert_int_equal(tapir_udp_parse(p, s4.len, &ph, &r), TAPIR_EINVAL);
    free(p);

    /* Checksum 0 over IPv4: "none" (RFC 768), so any content is accepted. */
    p = exact_copy(s4n.bytes, s4n.len);
    p[8] ^= 0xff;
    assert_int_equal(tapir_udp_parse(p, s4n.len, &s4n.ph, &r), 0);
    assert_int_equal(r.checksum, 0);
    free(p);

    /* Checksum 0 over IPv6: forbidden (RFC 8200 §8.1), even unverified it parses. */
    p = exact_copy(s6.bytes, s6.len);
    store_be16(p + 6, 0);
    assert_int_equal(tapir_udp_parse(p, s6.len, &s6.ph, &r), TAPIR_EBADCHECKSUM);
    assert_int_equal(tapir_udp_parse(p, s6.len, NULL, &r), 0);
    /* One off the true value (0x7152) does not verify either. */
    store_be16(p + 6, 0x7153);
    assert_int_equal(tapir_udp_parse(p, s6.len, &s6.ph, &r), TAPIR_EBADCHECKSUM);
    free(p);

    wire_slice_free(&s4);
    wire_slice_free(&s4n);
    wire_slice_free(&s6);
}

static void test_udp_verbose(void **state)
{
    (void)state;
    static const struct {
        size_t frame;
        const char *text;
    } cases[] = {
        {0, "UDP\n"
            "  source port: 40001\n"
            "  destination port: 40000\n"
            "  length: 40\n"
            "  checksum: 0x61f2\n"
            "  payload length: 32\n"},
        {2, "UDP\n"
            "  source port: 40002\n"
            "  destination port: 40001\n"
            "  length: 13\n"
            "  checksum: 0x0000 (none)\n"
            "  payload length: 5\n"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct wire_slice s;
        struct tapir_udp_repr r;
        golden_slice_file("udp_ipv4.pcap", cases[i].frame, TAPIR_LAYER_UDP, &s);
        assert_int_equal(tapir_udp_parse(s.bytes, s.len, &s.ph, &r), 0);
        assert_prints(tapir_udp_print_verbose, &r, cases[i].text);
        wire_slice_free(&s);
    }
}

static void ph_v4(struct tapir_pseudo_header *ph)
{
    memset(ph, 0, sizeof *ph);
    ph->src.version = ph->dst.version = TAPIR_IP_V4;
    memcpy(ph->src.v4.bytes, (const uint8_t[]){192, 168, 69, 1}, 4);
    memcpy(ph->dst.v4.bytes, (const uint8_t[]){192, 168, 69, 100}, 4);
    ph->protocol = PROTO_UDP;
}

static void test_udp_emit(void **state)
{
    (void)state;
    struct tapir_pseudo_header ph;
    ph_v4(&ph);
    uint8_t payload[10] = {1, 2, 3, 4, 5, 6, 7, 8, 0, 0};
    struct tapir_udp_repr r = {
        .src_port = 53,
        .dst_port = 5353,
        .payload = payload,
        .payload_len = sizeof payload,
        .checksum = 0x1234, /* ignored */
    };
    uint8_t out[32], out2[32];
    struct tapir_udp_repr back;

    /* Without a pseudo-header: checksum 0, "none". */
    memset(out, 0xa5, sizeof out);
    assert_int_equal(tapir_udp_emit(&r, NULL, out, sizeof out), 18);
    static const uint8_t header[] = {0x00, 0x35, 0x14, 0xe9, 0x00, 0x12, 0x00, 0x00};
    assert_memory_equal(out, header, 8);
    assert_memory_equal(out + 8, payload, sizeof payload);
    assert_int_equal(out[18], 0xa5);

    /* With one: a checksum that verifies. */
    assert_int_equal(tapir_udp_emit(&r, &ph, out, sizeof out), 18);
    uint16_t sum = load_be16(out + 6);
    assert_int_not_equal(sum, 0);
    assert_int_equal(tapir_udp_parse(out, 18, &ph, &back), 0);
    assert_int_equal(back.checksum, sum);

    /* RFC 768: a computed checksum of 0 is sent as 0xffff. Putting the checksum just
     * computed into the last payload word makes the sum come out as exactly 0. */
    store_be16(payload + 8, sum);
    assert_int_equal(tapir_udp_emit(&r, &ph, out, sizeof out), 18);
    assert_int_equal(load_be16(out + 6), 0xffff);
    assert_int_equal(tapir_udp_parse(out, 18, &ph, &back), 0);

    /* The payload already in place (NULL) is left alone. */
    memcpy(out2 + 8, payload, sizeof payload);
    r.payload = NULL;
    assert_int_equal(tapir_udp_emit(&r, &ph, out2, sizeof out2), 18);
    assert_memory_equal(out2, out, 18);

    /* Errors: no room; too long for the 16-bit length field; a bad pseudo-header. */
    r.payload = payload;
    assert_int_equal(tapir_udp_emit(&r, NULL, out, 17), TAPIR_ENOBUFS);
    assert_int_equal(tapir_udp_emit(&r, NULL, out, 0), TAPIR_ENOBUFS);
    r.payload_len = TAPIR_UDP_MAX_PAYLOAD + 1;
    r.payload = NULL;
    assert_int_equal(tapir_udp_emit(&r, NULL, out, sizeof out), TAPIR_EINVAL);
    r.payload_len = 0;
    assert_int_equal(tapir_udp_emit(&r, NULL, out, sizeof out), 8);
    assert_int_equal(load_be16(out + 4), 8);
    ph.dst.version = TAPIR_IP_V6;
    assert_int_equal(tapir_udp_emit(&r, &ph, out, sizeof out), TAPIR_EINVAL);
}

/* The longest datagram the length field allows round-trips. */
static void test_udp_max(void **state)
{
    (void)state;
    size_t len = 65535;
    uint8_t *buf = malloc(len);
    for (size_t i = 0; i < len; i++)
        buf[i] = (uint8_t)(i * 7);
    struct tapir_pseudo_header ph;
    ph_v4(&ph);
    struct tapir_udp_repr r = {
        .src_port = 1, .dst_port = 2, .payload = NULL, .payload_len = TAPIR_UDP_MAX_PAYLOAD};
    assert_int_equal(tapir_udp_emit(&r, &ph, buf, len), 65535);
    struct tapir_udp_repr back;
    assert_int_equal(tapir_udp_parse(buf, len, &ph, &back), 0);
    assert_int_equal(back.payload_len, TAPIR_UDP_MAX_PAYLOAD);
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_udp_golden),      cmocka_unit_test(test_udp_trailing_bytes),
        cmocka_unit_test(test_udp_corruptions), cmocka_unit_test(test_udp_verbose),
        cmocka_unit_test(test_udp_emit),        cmocka_unit_test(test_udp_max),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
