/* The Internet checksum: RFC 1071 examples, odd lengths, all-ones data, pseudo-headers,
 * and RFC 1624 incremental updates checked against full recomputation on random data. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "tapir/wire/checksum.h"

/* A plain 16-bit reference: one big-endian word at a time, carries folded as they come.
 * Slow and obviously right; the wide implementation must always agree with it. */
static uint16_t reference_checksum(const uint8_t *p, size_t len)
{
    uint32_t sum = 0;
    for (size_t i = 0; i + 1 < len; i += 2) {
        sum += (uint32_t)(p[i] << 8 | p[i + 1]);
        sum = (sum & 0xffff) + (sum >> 16);
    }
    if (len & 1) {
        sum += (uint32_t)p[len - 1] << 8;
        sum = (sum & 0xffff) + (sum >> 16);
    }
    return (uint16_t)~sum;
}

/* RFC 1071 §3: bytes 00 01 f2 03 f4 f5 f6 f7 sum to ddf2 (before complement). */
static void test_rfc1071_example(void **state)
{
    (void)state;
    const uint8_t data[] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
    assert_int_equal(tapir_checksum(data, sizeof data), (uint16_t)~0xddf2);
    /* Split into two even regions: same result. */
    uint64_t acc = tapir_csum_add(0, data, 4);
    acc = tapir_csum_add(acc, data + 4, 4);
    assert_int_equal(tapir_csum_finish(acc), (uint16_t)~0xddf2);
}

/* A well-known IPv4 header whose checksum field is b861. */
static void test_ipv4_header_vector(void **state)
{
    (void)state;
    uint8_t hdr[] = {0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
                     0x00, 0x00, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7};
    assert_int_equal(tapir_checksum(hdr, sizeof hdr), 0xb861);
    hdr[10] = 0xb8;
    hdr[11] = 0x61;
    assert_int_equal(tapir_checksum(hdr, sizeof hdr), 0); /* a correct header verifies to 0 */
}

static void test_odd_lengths(void **state)
{
    (void)state;
    uint8_t buf[301];
    for (size_t i = 0; i < sizeof buf; i++)
        buf[i] = (uint8_t)(i * 37 + 11);
    for (size_t len = 0; len <= sizeof buf; len++) {
        /* Unaligned starts too: the implementation must not care. */
        for (size_t off = 0; off < 4 && off <= len; off++)
            assert_int_equal(tapir_checksum(buf + off, len - off),
                             reference_checksum(buf + off, len - off));
    }
    const uint8_t one = 0xab;
    assert_int_equal(tapir_checksum(&one, 1), (uint16_t)~0xab00);
    assert_int_equal(tapir_checksum(&one, 0), 0xffff);
}

static void test_all_ones(void **state)
{
    (void)state;
    uint8_t buf[1024];
    memset(buf, 0xff, sizeof buf);
    /* Sum of 0xffff words is 0xffff (-0); complement is 0. */
    for (size_t len = 2; len <= sizeof buf; len += 2)
        assert_int_equal(tapir_checksum(buf, len), 0);
    assert_int_equal(tapir_checksum(buf, 3), reference_checksum(buf, 3));
    /* Large enough to push carries through every fold in the 64-bit accumulator. */
    static uint8_t big[1 << 20];
    memset(big, 0xff, sizeof big);
    assert_int_equal(tapir_checksum(big, sizeof big), 0);
    big[sizeof big - 1] = 0xfe;
    assert_int_equal(tapir_checksum(big, sizeof big), reference_checksum(big, sizeof big));
}

static void test_random_against_reference(void **state)
{
    (void)state;
    srand(1);
    uint8_t buf[2048];
    for (int round = 0; round < 2000; round++) {
        size_t len = (size_t)rand() % sizeof buf;
        for (size_t i = 0; i < len; i++)
            buf[i] = (uint8_t)rand();
        assert_int_equal(tapir_checksum(buf, len), reference_checksum(buf, len));
    }
}

/* The pseudo-header must equal checksumming the pseudo-header bytes laid out in memory
 * (RFC 768 / RFC 8200 §8.1 layouts). */
static void test_pseudo_headers(void **state)
{
    (void)state;
    struct tapir_ipv4_addr s4 = {{192, 168, 69, 100}}, d4 = {{192, 168, 69, 1}};
    uint8_t ph4[12] = {192, 168, 69, 100, 192, 168, 69, 1, 0, 6, 0x05, 0xdc};
    assert_int_equal(tapir_csum_finish(tapir_csum_pseudo_ipv4(&s4, &d4, 6, 1500)),
                     tapir_checksum(ph4, sizeof ph4));

    struct tapir_ipv6_addr s6 = {{0xfd, 0xaa, [15] = 0x01}}, d6 = {{0xfe, 0x80, [15] = 0x64}};
    uint8_t ph6[40] = {0};
    memcpy(ph6, s6.bytes, 16);
    memcpy(ph6 + 16, d6.bytes, 16);
    ph6[33] = 0x01; /* length 0x00012345: IPv6 jumbo-sized lengths carry the upper half */
    ph6[34] = 0x23;
    ph6[35] = 0x45;
    ph6[39] = 58;
    assert_int_equal(tapir_csum_finish(tapir_csum_pseudo_ipv6(&s6, &d6, 58, 0x12345)),
                     tapir_checksum(ph6, sizeof ph6));

    struct tapir_pseudo_header ph = {.protocol = 58};
    ph.src.version = ph.dst.version = TAPIR_IP_V6;
    ph.src.v6 = s6;
    ph.dst.v6 = d6;
    assert_int_equal(tapir_csum_pseudo(&ph, 0x12345),
                     tapir_csum_pseudo_ipv6(&s6, &d6, 58, 0x12345));
}

/* RFC 1624: updating a checksum incrementally equals recomputing it, for random data
 * and random field changes, including changes to and from 0x0000 and 0xffff. */
static void test_incremental_update(void **state)
{
    (void)state;
    srand(7);
    uint8_t buf[64];
    for (int round = 0; round < 20000; round++) {
        for (size_t i = 0; i < sizeof buf; i++)
            buf[i] = (uint8_t)rand();
        size_t len = 2 * (1 + (size_t)rand() % 30);
        size_t at = 2 * ((size_t)rand() % (len / 2));
        uint16_t before = tapir_checksum(buf, len);
        uint16_t old = (uint16_t)(buf[at] << 8 | buf[at + 1]);
        uint16_t new_value;
        switch (round % 4) {
        case 0:
            new_value = 0;
            break;
        case 1:
            new_value = 0xffff;
            break;
        default:
            new_value = (uint16_t)rand();
        }
        buf[at] = (uint8_t)(new_value >> 8);
        buf[at + 1] = (uint8_t)new_value;
        uint16_t after = tapir_checksum(buf, len);
        uint16_t updated = tapir_csum_update16(before, old, new_value);
        /* One's complement has two zeros; a checksum field never transmits 0xffff from a
         * full computation except for all-zero data, so compare modulo that. */
        if (updated != after)
            assert_true((updated == 0xffff && after == 0) || (updated == 0 && after == 0xffff));
    }
    /* 32-bit form: change an IPv4 address in a header and compare. */
    uint8_t hdr[] = {0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
                     0x00, 0x00, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7};
    uint16_t c = tapir_checksum(hdr, sizeof hdr);
    hdr[12] = 10;
    hdr[13] = 1;
    hdr[14] = 2;
    hdr[15] = 3;
    assert_int_equal(tapir_csum_update32(c, 0xc0a80001, 0x0a010203),
                     tapir_checksum(hdr, sizeof hdr));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc1071_example),
        cmocka_unit_test(test_ipv4_header_vector),
        cmocka_unit_test(test_odd_lengths),
        cmocka_unit_test(test_all_ones),
        cmocka_unit_test(test_random_against_reference),
        cmocka_unit_test(test_pseudo_headers),
        cmocka_unit_test(test_incremental_update),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
