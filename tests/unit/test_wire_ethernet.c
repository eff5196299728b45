/* Ethernet II and ARP against golden frames captured from Linux (tests/data/arp.pcap,
 * vlan.pcap): parse, emit identical bytes, reject every truncation, print. */
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
#include "tapir/wire/arp.h"
#include "tapir/wire/ethernet.h"

/* parse -> emit (into a 0xa5-filled buffer, so an unwritten byte shows) -> same bytes ->
 * parse again -> same repr. */
static void roundtrip_eth(const uint8_t *frame, size_t len)
{
    struct tapir_eth_repr r, r2;
    assert_int_equal(tapir_eth_parse(frame, len, &r), 0);
    uint8_t *out = malloc(len);
    memset(out, 0xa5, len);
    assert_int_equal(tapir_eth_emit(&r, out, len), (int)len);
    assert_memory_equal(out, frame, len);
    assert_int_equal(tapir_eth_parse(out, len, &r2), 0);
    assert_int_equal(r2.ethertype, r.ethertype);
    assert_int_equal(r2.has_vlan, r.has_vlan);
    assert_int_equal(r2.vlan_tci, r.vlan_tci);
    assert_int_equal(r2.payload_len, r.payload_len);
    /* Too small a buffer is refused, never overrun. */
    assert_int_equal(tapir_eth_emit(&r, out, len - 1), TAPIR_ENOBUFS);
    free(out);
}

static void test_arp_golden(void **state)
{
    (void)state;
    struct golden g;
    golden_load("arp.pcap", &g);
    assert_int_equal(g.count, 3);
    static const char *const lines[] = {
        "02:00:00:00:00:02 > ff:ff:ff:ff:ff:ff, ethertype ARP (0x0806), length 42 | "
        "Request who-has 192.168.69.1 (ff:ff:ff:ff:ff:ff) tell 192.168.69.100, length 28",
        "02:00:00:00:00:01 > 02:00:00:00:00:02, ethertype ARP (0x0806), length 42 | "
        "Reply 192.168.69.1 is-at 02:00:00:00:00:01, length 28",
        "02:00:00:00:00:02 > ff:ff:ff:ff:ff:ff, ethertype ARP (0x0806), length 42 | "
        "Request who-has 192.168.69.100 (ff:ff:ff:ff:ff:ff) tell 192.168.69.100, length 28",
    };
    for (size_t i = 0; i < g.count; i++) {
        const uint8_t *f = g.frames[i].data;
        size_t len = g.frames[i].len;
        roundtrip_eth(f, len);

        struct tapir_eth_repr eth;
        assert_int_equal(tapir_eth_parse(f, len, &eth), 0);
        assert_int_equal(eth.ethertype, TAPIR_ETHERTYPE_ARP);
        struct tapir_arp_repr arp, arp2;
        assert_int_equal(tapir_arp_parse(eth.payload, eth.payload_len, &arp), 0);

        uint8_t out[TAPIR_ARP_LEN];
        memset(out, 0xa5, sizeof out);
        assert_int_equal(tapir_arp_emit(&arp, out, sizeof out), TAPIR_ARP_LEN);
        assert_memory_equal(out, eth.payload, TAPIR_ARP_LEN);
        assert_int_equal(tapir_arp_parse(out, sizeof out, &arp2), 0);
        assert_memory_equal(&arp2, &arp, sizeof arp);
        assert_int_equal(tapir_arp_emit(&arp, out, sizeof out - 1), TAPIR_ENOBUFS);

        char buf[512];
        struct tapir_text t;
        tapir_text_init(&t, buf, sizeof buf);
        tapir_eth_print(&t, &eth);
        tapir_text_puts(&t, " | ");
        tapir_arp_print(&t, &arp);
        assert_text_eq(buf, lines[i]);

        /* Every truncation is rejected as truncated. */
        for (size_t cut = 0; cut < TAPIR_ARP_LEN; cut++) {
            uint8_t *p = exact_copy(eth.payload, cut);
            assert_int_equal(tapir_arp_parse(p, cut, &arp2), TAPIR_ETRUNCATED);
            free(p);
        }
        for (size_t cut = 0; cut < TAPIR_ETH_HEADER_LEN; cut++) {
            uint8_t *p = exact_copy(f, cut);
            assert_int_equal(tapir_eth_parse(p, cut, &eth), TAPIR_ETRUNCATED);
            free(p);
        }
    }
    golden_free(&g);
}

static void test_arp_corruptions(void **state)
{
    (void)state;
    struct golden g;
    golden_load("arp.pcap", &g);
    size_t len;
    const uint8_t *arp = golden_at(&g, 1, TAPIR_LAYER_ARP, &len);
    assert_int_equal(len, TAPIR_ARP_LEN);
    uint8_t p[TAPIR_ARP_LEN];
    struct tapir_arp_repr r;
    static const struct {
        size_t at;
        uint8_t value;
        int error;
    } cases[] = {
        {1, 6, TAPIR_EUNSUPPORTED},    /* hardware type 6 (IEEE 802) */
        {2, 0x86, TAPIR_EUNSUPPORTED}, /* protocol IPv6 */
        {4, 8, TAPIR_EUNSUPPORTED},    /* hardware address length 8 */
        {5, 16, TAPIR_EUNSUPPORTED},   /* protocol address length 16 */
        {7, 3, TAPIR_EBADFIELD},       /* operation 3 (RARP request) */
        {7, 0, TAPIR_EBADFIELD},       /* operation 0 */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        memcpy(p, arp, sizeof p);
        p[cases[i].at] = cases[i].value;
        assert_int_equal(tapir_arp_parse(p, sizeof p, &r), cases[i].error);
    }
    golden_free(&g);
}

static void test_arp_verbose(void **state)
{
    (void)state;
    struct golden g;
    golden_load("arp.pcap", &g);
    size_t len;
    const uint8_t *arp = golden_at(&g, 1, TAPIR_LAYER_ARP, &len);
    struct tapir_arp_repr r;
    assert_int_equal(tapir_arp_parse(arp, len, &r), 0);
    assert_prints(tapir_arp_print_verbose, &r,
                  "ARP\n"
                  "  hardware type: Ethernet (1)\n"
                  "  protocol type: IPv4 (0x0800)\n"
                  "  hardware size: 6\n"
                  "  protocol size: 4\n"
                  "  operation: reply (2)\n"
                  "  sender MAC: 02:00:00:00:00:01\n"
                  "  sender IP: 192.168.69.1\n"
                  "  target MAC: 02:00:00:00:00:02\n"
                  "  target IP: 192.168.69.100\n");
    golden_free(&g);
}

static void test_vlan_golden(void **state)
{
    (void)state;
    struct golden g;
    golden_load("vlan.pcap", &g);
    assert_int_equal(g.count, 1);
    const uint8_t *f = g.frames[0].data;
    size_t len = g.frames[0].len;
    roundtrip_eth(f, len);

    struct tapir_eth_repr r;
    assert_int_equal(tapir_eth_parse(f, len, &r), 0);
    assert_true(r.has_vlan);
    assert_int_equal(r.vlan_tci & 0x0fff, 5);
    assert_int_equal(r.vlan_tci >> 13, 3);
    assert_int_equal(r.ethertype, TAPIR_ETHERTYPE_IPV4);
    assert_int_equal(tapir_eth_header_len(&r), 18);
    assert_ptr_equal(r.payload, f + 18);
    assert_int_equal(r.payload_len, len - 18);

    assert_prints(tapir_eth_print, &r,
                  "02:00:00:00:00:02 > 02:00:00:00:00:01, vlan 5, p 3, "
                  "ethertype IPv4 (0x0800), length 102");
    assert_prints(tapir_eth_print_verbose, &r,
                  "Ethernet II\n"
                  "  destination: 02:00:00:00:00:01\n"
                  "  source: 02:00:00:00:00:02\n"
                  "  802.1Q tag: tci 0x6005, priority 3, dei 0, vlan 5\n"
                  "  ethertype: IPv4 (0x0800)\n"
                  "  header length: 18\n"
                  "  payload length: 84\n");

    /* A tag cut short is truncated; 802.3 length fields and stacked tags unsupported. */
    for (size_t cut = 0; cut < 18; cut++) {
        uint8_t *p = exact_copy(f, cut);
        assert_int_equal(tapir_eth_parse(p, cut, &r), TAPIR_ETRUNCATED);
        free(p);
    }
    uint8_t *p = exact_copy(f, len);
    p[16] = 0x81;
    p[17] = 0x00;
    assert_int_equal(tapir_eth_parse(p, len, &r), TAPIR_EUNSUPPORTED);
    p[12] = 0x05;
    p[13] = 0xdc; /* 1500: an 802.3 length */
    assert_int_equal(tapir_eth_parse(p, len, &r), TAPIR_EUNSUPPORTED);
    free(p);
    golden_free(&g);
}

static void test_emit_places_payload(void **state)
{
    (void)state;
    const uint8_t payload[] = {1, 2, 3, 4, 5};
    struct tapir_eth_repr r = {
        .dst = {{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}},
        .src = {{0x02, 0, 0, 0, 0, 1}},
        .ethertype = TAPIR_ETHERTYPE_ARP,
        .payload = payload,
        .payload_len = sizeof payload,
    };
    uint8_t out[32];
    memset(out, 0xa5, sizeof out);
    assert_int_equal(tapir_eth_emit(&r, out, sizeof out), 19);
    assert_memory_equal(out + 14, payload, sizeof payload);
    assert_int_equal(out[19], 0xa5); /* nothing written past the frame */
    assert_true(tapir_mac_is_broadcast(&r.dst));
    assert_true(tapir_mac_is_multicast(&r.dst));
    assert_false(tapir_mac_is_multicast(&r.src));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_arp_golden),          cmocka_unit_test(test_arp_corruptions),
        cmocka_unit_test(test_arp_verbose),         cmocka_unit_test(test_vlan_golden),
        cmocka_unit_test(test_emit_places_payload),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
