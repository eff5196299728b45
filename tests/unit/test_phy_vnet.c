/* The virtio-net header of IFF_VNET_HDR devices (src/phy/vnet.c): the bytes built for
 * each kind of frame (buffers pre-filled with 0xa5, so an unwritten byte shows), the
 * round trip through parse, and every refusal with its own error. The 16-bit fields are
 * in the host's byte order (a legacy virtio-net header), so expected bytes are written
 * with the same host-order helper. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "tapir/error.h"
#include "tapir/phy/vnet.h"

static void host16(uint8_t *b, uint16_t v)
{
    memcpy(b, &v, 2);
}

/* Expected header bytes. */
static void expect(uint8_t out[10], uint8_t flags, uint8_t gso, uint16_t hdr_len, uint16_t gso_size,
                   uint16_t start, uint16_t offset)
{
    out[0] = flags;
    out[1] = gso;
    host16(out + 2, hdr_len);
    host16(out + 4, gso_size);
    host16(out + 6, start);
    host16(out + 8, offset);
}

/* An Ethernet + IPv4 + TCP (32-byte header: timestamps) frame of `len` bytes. */
static uint8_t frame_bytes[65536];
static struct tapir_frame tcp_frame(size_t len)
{
    memset(frame_bytes, 0, sizeof frame_bytes);
    frame_bytes[12] = 0x08;
    frame_bytes[14] = 0x45;
    frame_bytes[14 + 20 + 12] = 8 << 4; /* data offset: 8 words */
    struct tapir_frame f = {.data = frame_bytes, .cap = sizeof frame_bytes, .len = len};
    return f;
}

static void test_build_plain(void **state)
{
    (void)state;
    struct tapir_frame f = tcp_frame(1514);
    uint8_t buf[12], want[10];
    memset(buf, 0xa5, sizeof buf);
    assert_int_equal(tapir_vnet_hdr_build(&f, buf, sizeof buf), TAPIR_VNET_HDR_LEN);
    memset(want, 0, sizeof want);
    assert_memory_equal(buf, want, 10);
    assert_int_equal(buf[10], 0xa5); /* nothing beyond the header */
}

static void test_build_gso_tcpv4(void **state)
{
    (void)state;
    struct tapir_frame f = tcp_frame(14 + 20 + 32 + 10 * 1448);
    f.flags = TAPIR_FRAME_CSUM_PARTIAL;
    f.gso_type = TAPIR_GSO_TCPV4;
    f.gso_size = 1448;
    f.csum_start = 34;
    f.csum_offset = 16;
    uint8_t buf[10], want[10];
    memset(buf, 0xa5, sizeof buf);
    assert_int_equal(tapir_vnet_hdr_build(&f, buf, sizeof buf), 10);
    /* hdr_len: Ethernet 14 + IPv4 20 + TCP 32. */
    expect(want, TAPIR_VNET_F_NEEDS_CSUM, TAPIR_VNET_GSO_TCPV4, 66, 1448, 34, 16);
    assert_memory_equal(buf, want, 10);

    /* Back through parse: the same metadata. */
    struct tapir_frame g;
    memset(&g, 0x5a, sizeof g);
    assert_int_equal(tapir_vnet_hdr_parse(buf, 10, f.len, &g), 0);
    assert_int_equal(g.flags, TAPIR_FRAME_CSUM_PARTIAL);
    assert_int_equal(g.gso_type, TAPIR_GSO_TCPV4);
    assert_int_equal(g.gso_size, 1448);
    assert_int_equal(g.csum_start, 34);
    assert_int_equal(g.csum_offset, 16);
}

static void test_build_gso_tcpv6_and_partial_only(void **state)
{
    (void)state;
    struct tapir_frame f = tcp_frame(14 + 40 + 20 + 3000);
    f.data[14] = 0x60;
    f.data[14 + 40 + 12] = 5 << 4;
    f.flags = TAPIR_FRAME_CSUM_PARTIAL;
    f.gso_type = TAPIR_GSO_TCPV6;
    f.gso_size = 1440;
    f.csum_start = 54;
    f.csum_offset = 16;
    uint8_t buf[10], want[10];
    assert_int_equal(tapir_vnet_hdr_build(&f, buf, sizeof buf), 10);
    expect(want, 1, 4, 74, 1440, 54, 16);
    assert_memory_equal(buf, want, 10);

    /* A partial checksum without GSO (a UDP datagram): hdr_len ends at the field. */
    f.gso_type = TAPIR_GSO_NONE;
    f.gso_size = 0;
    f.csum_offset = 6;
    assert_int_equal(tapir_vnet_hdr_build(&f, buf, sizeof buf), 10);
    expect(want, 1, 0, 62, 0, 54, 6);
    assert_memory_equal(buf, want, 10);
}

static void test_build_refusals(void **state)
{
    (void)state;
    struct tapir_frame f = tcp_frame(3000);
    uint8_t buf[10];
    assert_int_equal(tapir_vnet_hdr_build(&f, buf, 9), TAPIR_ENOBUFS);
    /* GSO without the partial checksum: the kernel would refuse it. */
    f.gso_type = TAPIR_GSO_TCPV4;
    f.gso_size = 1448;
    assert_int_equal(tapir_vnet_hdr_build(&f, buf, 10), TAPIR_EINVAL);
    /* GSO without a segment size. */
    f.flags = TAPIR_FRAME_CSUM_PARTIAL;
    f.csum_start = 34;
    f.csum_offset = 16;
    f.gso_size = 0;
    assert_int_equal(tapir_vnet_hdr_build(&f, buf, 10), TAPIR_EINVAL);
    /* The checksum field beyond the frame. */
    f.gso_size = 1448;
    f.len = 34 + 17;
    assert_int_equal(tapir_vnet_hdr_build(&f, buf, 10), TAPIR_EINVAL);
    f.len = 34 + 18;
    assert_int_equal(tapir_vnet_hdr_build(&f, buf, 10), 10);
    /* A type the header cannot say. */
    f.gso_type = 2;
    assert_int_equal(tapir_vnet_hdr_build(&f, buf, 10), TAPIR_EINVAL);
}

static void test_parse_valid_and_refusals(void **state)
{
    (void)state;
    uint8_t h[10];
    struct tapir_frame f;

    /* DATA_VALID: the kernel checked the checksums. */
    expect(h, TAPIR_VNET_F_DATA_VALID, 0, 0, 0, 0, 0);
    assert_int_equal(tapir_vnet_hdr_parse(h, 10, 60, &f), 0);
    assert_int_equal(f.flags, TAPIR_FRAME_CSUM_VALID);
    assert_int_equal(f.gso_type, TAPIR_GSO_NONE);
    assert_int_equal(f.gso_size, 0);

    /* A segment size without GSO is ignored. */
    expect(h, 0, 0, 0, 1448, 0, 0);
    assert_int_equal(tapir_vnet_hdr_parse(h, 10, 60, &f), 0);
    assert_int_equal(f.gso_size, 0);

    /* Each refusal leaves the offload fields zero. */
    struct {
        uint8_t flags, gso;
        uint16_t gso_size, start, offset;
        size_t len, frame_len;
        int err;
    } bad[] = {
        {0, 0, 0, 0, 0, 9, 60, TAPIR_ETRUNCATED},
        {0, TAPIR_VNET_GSO_UDP, 1448, 0, 0, 10, 3000, TAPIR_EUNSUPPORTED},
        {1, TAPIR_VNET_GSO_TCPV4 | TAPIR_VNET_GSO_ECN, 1448, 34, 16, 10, 3000, TAPIR_EUNSUPPORTED},
        {1, 7, 1448, 34, 16, 10, 3000, TAPIR_EUNSUPPORTED},
        {4, 0, 0, 0, 0, 10, 60, TAPIR_EUNSUPPORTED},
        {1, TAPIR_VNET_GSO_TCPV4, 0, 34, 16, 10, 3000, TAPIR_EBADFIELD},
        {1, 0, 0, 34, 16, 10, 51, TAPIR_EBADFIELD},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        expect(h, bad[i].flags, bad[i].gso, 0, bad[i].gso_size, bad[i].start, bad[i].offset);
        memset(&f, 0x5a, sizeof f);
        assert_int_equal(tapir_vnet_hdr_parse(h, bad[i].len, bad[i].frame_len, &f), bad[i].err);
        assert_int_equal(f.flags, 0);
        assert_int_equal(f.gso_type, 0);
        assert_int_equal(f.gso_size, 0);
        assert_int_equal(f.csum_start, 0);
        assert_int_equal(f.csum_offset, 0);
    }
    /* The field exactly at the frame's end is fine. */
    expect(h, 1, 0, 0, 0, 34, 16);
    assert_int_equal(tapir_vnet_hdr_parse(h, 10, 52, &f), 0);
    assert_int_equal(f.flags, TAPIR_FRAME_CSUM_PARTIAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_build_plain),
        cmocka_unit_test(test_build_gso_tcpv4),
        cmocka_unit_test(test_build_gso_tcpv6_and_partial_only),
        cmocka_unit_test(test_build_refusals),
        cmocka_unit_test(test_parse_valid_and_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
