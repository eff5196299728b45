/* iface_gso: TCP super-frames between two stacks on the in-memory pair whose ends claim
 * TAPIR_DEVICE_CAP_GSO | CAP_CSUM_TX (src/iface/iface_gso.c).
 *
 * A "wire" device sits under stack A (netsim's filter calls it) and checks every frame A
 * sends with CSUM_PARTIAL against the virtio-net contract: IPv4 header checksum right,
 * total length = the frame's, csum_start = the TCP header, csum_offset 16, and the TCP
 * checksum field holding exactly the pseudo-header sum over the whole super-segment's
 * length (finishing the sum over the segment as it is gives the checksum computed from
 * scratch); gso_size = the MSS, the payload a multiple of it unless it ends with PSH;
 * IPv4 identifications advancing by the segment count. Then it either
 *   - passes the super-frame on with its metadata (B, also claiming GSO, takes it whole
 *     and skips the checksum), or
 *   - cuts it as the kernel's tcp_gso_segment() does (headers copied, sequence numbers
 *     advanced, FIN/PSH on the last, IPv4 identifications counting up, each segment's
 *     checksum finished from the partial field adjusted for its length) for a B without
 *     offload, which verifies every checksum.
 * Transfers are byte-exact both ways at once, over IPv4 and IPv6; one super-frame dropped
 * is recovered by retransmission. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tcp_recovery_util.h"
#include "tapir/wire/checksum.h"
#include "tapir/wire/ethernet.h"
#include "tapir/wire/ipv4.h"
#include "tapir/wire/ip.h"

#define GSO_CAPS (TAPIR_DEVICE_CAP_GSO | TAPIR_DEVICE_CAP_CSUM_TX)

static uint16_t be16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static void put_be16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put_be32(uint8_t *p, uint32_t v)
{
    put_be16(p, (uint16_t)(v >> 16));
    put_be16(p + 2, (uint16_t)v);
}

struct wire {
    struct tapir_device dev;
    struct netsim *n;
    bool segment;      /* cut super-frames (for a B without offload) */
    unsigned drop_nth; /* drop this super-frame (1-based; 0: none) */
    unsigned supers;   /* super-frames checked */
    unsigned segments; /* segments they stood for */
    unsigned partial;  /* frames with CSUM_PARTIAL checked */
    unsigned mss;      /* the gso_size seen */
    bool have_ident;
    uint16_t next_ident; /* the identification the next IPv4 frame may not be below */
};

static struct wire w;

/* The pseudo-header sum for `l4len` bytes of TCP between the frame's addresses. */
static uint64_t pseudo_of(const uint8_t *ip, bool v6, size_t l4len)
{
    struct tapir_pseudo_header ph;
    memset(&ph, 0, sizeof ph);
    ph.protocol = TAPIR_IP_PROTO_TCP;
    ph.src.version = ph.dst.version = v6 ? TAPIR_IP_V6 : TAPIR_IP_V4;
    if (v6) {
        memcpy(ph.src.v6.bytes, ip + 8, 16);
        memcpy(ph.dst.v6.bytes, ip + 24, 16);
    } else {
        memcpy(ph.src.v4.bytes, ip + 12, 4);
        memcpy(ph.dst.v4.bytes, ip + 16, 4);
    }
    return tapir_csum_pseudo(&ph, (uint32_t)l4len);
}

/* The virtio-net contract for one frame A sends with CSUM_PARTIAL (see the top). */
static void check_contract(const struct tapir_frame *f)
{
    const uint8_t *ip = f->data + 14;
    bool v6 = (ip[0] >> 4) == 6;
    size_t ihl = v6 ? 40 : (size_t)(ip[0] & 15) * 4;
    assert_int_equal(f->csum_start, 14 + ihl);
    assert_int_equal(f->csum_offset, 16);
    if (v6) {
        assert_int_equal(be16(ip + 4), f->len - 14 - 40);
    } else {
        assert_int_equal(be16(ip + 2), f->len - 14);
        assert_int_equal(tapir_checksum(ip, ihl), 0); /* header checksum right */
    }
    const uint8_t *l4 = f->data + f->csum_start;
    size_t l4len = f->len - f->csum_start;
    /* Finishing the sum over the segment as it is (field = pseudo-header sum) must give
     * the checksum computed from scratch. */
    static uint8_t copy[65536];
    memcpy(copy, l4, l4len);
    copy[16] = copy[17] = 0;
    uint16_t full = tapir_csum_finish(tapir_csum_add(pseudo_of(ip, v6, l4len), copy, l4len));
    assert_int_equal(tapir_csum_finish(tapir_csum_add(0, l4, l4len)), full);
    w.partial++;
    if (f->gso_type == TAPIR_GSO_NONE)
        return;
    assert_int_equal(f->gso_type, v6 ? TAPIR_GSO_TCPV6 : TAPIR_GSO_TCPV4);
    size_t thl = (size_t)(l4[12] >> 4) * 4;
    size_t payload = l4len - thl;
    assert_true(f->gso_size > 0);
    assert_true(payload > f->gso_size);
    if (!(l4[13] & TAPIR_TCP_PSH))
        assert_int_equal(payload % f->gso_size, 0);
    if (w.mss)
        assert_int_equal(f->gso_size, w.mss);
    w.mss = f->gso_size;
    w.supers++;
    w.segments += (unsigned)((payload + f->gso_size - 1) / f->gso_size);
}

/* IPv4 identifications: a super-frame of k segments uses k of them. */
static void check_ident(const struct tapir_frame *f)
{
    const uint8_t *ip = f->data + 14;
    if (f->len < 34 || be16(f->data + 12) != 0x0800)
        return;
    uint16_t id = be16(ip + 4);
    if (w.have_ident)
        assert_true((int16_t)(id - w.next_ident) >= 0);
    unsigned segs = 1;
    if (f->gso_type != TAPIR_GSO_NONE) {
        const uint8_t *l4 = f->data + f->csum_start;
        size_t payload = f->len - f->csum_start - (size_t)(l4[12] >> 4) * 4;
        segs = (unsigned)((payload + f->gso_size - 1) / f->gso_size);
    }
    w.have_ident = true;
    w.next_ident = (uint16_t)(id + segs);
}

/* Cut a super-frame as the kernel does and hand the segments on. */
static int cut(const struct tapir_frame *f)
{
    static uint8_t seg[2048];
    const uint8_t *ip = f->data + 14;
    bool v6 = (ip[0] >> 4) == 6;
    size_t hdrs = f->csum_start + (size_t)(f->data[f->csum_start + 12] >> 4) * 4;
    size_t full_l4 = f->len - f->csum_start;
    size_t payload = f->len - hdrs;
    uint16_t field = be16(f->data + f->csum_start + 16);
    for (size_t off = 0, i = 0; off < payload; off += f->gso_size, i++) {
        size_t k = payload - off < f->gso_size ? payload - off : f->gso_size;
        bool last = off + k == payload;
        memcpy(seg, f->data, hdrs);
        memcpy(seg + hdrs, f->data + hdrs + off, k);
        uint8_t *sip = seg + 14, *tcp = seg + f->csum_start;
        size_t l4len = hdrs - f->csum_start + k;
        if (v6) {
            put_be16(sip + 4, (uint16_t)(seg + hdrs + k - sip - 40));
        } else {
            put_be16(sip + 2, (uint16_t)(hdrs - 14 + k));
            put_be16(sip + 4, (uint16_t)(be16(ip + 4) + i));
            put_be16(sip + 10, 0);
            put_be16(sip + 10, tapir_checksum(sip, (size_t)(sip[0] & 15) * 4));
        }
        put_be32(tcp + 4, be32(tcp + 4) + (uint32_t)off);
        if (!last)
            tcp[13] &= (uint8_t) ~(TAPIR_TCP_FIN | TAPIR_TCP_PSH);
        /* The partial field, adjusted from the whole length to this segment's (one's
         * complement: add the complement of the old length, then the new), finished. */
        uint64_t acc = tapir_csum_add16(0, field);
        acc = tapir_csum_add16(acc, (uint16_t) ~(uint16_t)full_l4);
        acc = tapir_csum_add16(acc, (uint16_t)l4len);
        put_be16(tcp + 16, (uint16_t)~tapir_csum_finish(acc));
        put_be16(tcp + 16, tapir_csum_finish(tapir_csum_add(0, tcp, l4len)));
        struct tapir_frame out = {.data = seg, .cap = sizeof seg, .len = hdrs + k};
        int r = tapir_device_tx(&w.n->pair.a.dev, &out, 1);
        if (r != 1)
            return r;
    }
    return 1;
}

static int wire_tx(void *ctx, const struct tapir_frame *frames, int count)
{
    (void)ctx;
    for (int i = 0; i < count; i++) {
        const struct tapir_frame *f = &frames[i];
        if (f->flags & TAPIR_FRAME_CSUM_PARTIAL)
            check_contract(f);
        check_ident(f);
        if (f->gso_type != TAPIR_GSO_NONE && w.supers == w.drop_nth)
            continue; /* lost on the way: every segment it stood for */
        int r = w.segment && f->gso_type != TAPIR_GSO_NONE
                    ? cut(f)
                    : tapir_device_tx(&w.n->pair.a.dev, f, 1);
        if (r != 1)
            return i > 0 ? i : r;
    }
    return count;
}

static int wire_rx(void *ctx, struct tapir_frame *frames, int count)
{
    (void)ctx;
    return tapir_device_rx(&w.n->pair.a.dev, frames, count);
}

static int wire_fd(void *ctx)
{
    (void)ctx;
    return -1;
}

static const struct tapir_device_ops wire_ops = {wire_rx, wire_tx, wire_fd};

static void wire_install(struct netsim *n, bool segment)
{
    memset(&w, 0, sizeof w);
    w.n = n;
    w.segment = segment;
    w.dev = n->pair.a.dev;
    w.dev.ops = &wire_ops;
    n->filter_inner = &w.dev;
}

/* A transfer each way at once between A (server) and B, byte-exact. */
static void transfer(bool v6, bool segment, unsigned drop_nth)
{
    static struct netsim n;
    netsim_init_offload(&n, 0, GSO_CAPS, segment ? 0 : GSO_CAPS);
    wire_install(&n, segment);
    w.drop_nth = drop_nth;
    static struct rc_conn c;
    /* 128 KiB buffers: the flight, cut into MSS segments, fits the pair's 256 slots. */
    rc_open(&n, &c, v6, 128 * 1024, NULL, NULL);
    uint64_t total = rc_scaled(8u << 20);
    struct rc_stream st[2];
    rc_stream_init(&st[0], c.server, &c.client, 11, total);
    rc_stream_init(&st[1], &c.client, c.server, 12, total);
    rc_run(&n, st, 2, TAPIR_US_PER_MS, 120 * (tapir_instant)TAPIR_US_PER_S);
    assert_int_equal(st[0].hash, rc_expected_hash(11, total));
    assert_int_equal(st[1].hash, rc_expected_hash(12, total));

    const struct tapir_iface_stats *a = tapir_iface_stats(&n.a.iface);
    const struct tapir_iface_stats *b = tapir_iface_stats(&n.b.iface);
    printf("%s %s: A sent %" PRIu64 " super-frames for %" PRIu64 " segments, B received %" PRIu64
           ", %u checked, MSS %u, retransmissions %" PRIu64 "\n",
           v6 ? "IPv6" : "IPv4", segment ? "cut" : "whole", a->gso_frames_sent,
           a->gso_segments_sent, b->gso_frames_received, w.supers, w.mss,
           c.server->stats.retransmissions);
    /* Most of A's data went as super-frames, each checked. */
    assert_true(a->gso_frames_sent > 0);
    assert_int_equal(w.supers, a->gso_frames_sent);
    assert_int_equal(w.segments, a->gso_segments_sent);
    assert_true(a->gso_segments_sent * w.mss >= total / 2);
    assert_int_equal(w.mss, v6 ? 1500 - 40 - 20 - 12 : 1500 - 20 - 20 - 12);
    assert_int_equal(a->drops[TAPIR_DROP_TCP_MALFORMED], 0);
    assert_int_equal(b->drops[TAPIR_DROP_TCP_MALFORMED], 0);
    if (segment) {
        /* B without offload: it saw only MSS segments and verified every checksum. */
        assert_int_equal(b->gso_frames_received, 0);
        assert_int_equal(b->csum_offloaded_rx, 0);
        assert_int_equal(b->gso_frames_sent, 0);
    } else {
        assert_int_equal(b->gso_frames_received, a->gso_frames_sent - (drop_nth ? 1 : 0));
        assert_true(b->csum_offloaded_rx >= b->gso_frames_received);
        /* B sends super-frames back, and A takes them whole. */
        assert_true(b->gso_frames_sent > 0);
        assert_int_equal(a->gso_frames_received, b->gso_frames_sent);
    }
    if (drop_nth) {
        assert_true(c.server->stats.retransmissions > 0);
    } else {
        assert_int_equal(c.server->stats.retransmissions, 0);
        assert_int_equal(c.client.stats.retransmissions, 0);
    }
    rc_close(&n, &c);
    netsim_free(&n);
}

static void test_whole_v4(void **state)
{
    (void)state;
    transfer(false, false, 0);
}

static void test_whole_v6(void **state)
{
    (void)state;
    transfer(true, false, 0);
}

static void test_cut_v4(void **state)
{
    (void)state;
    transfer(false, true, 0);
}

static void test_cut_v6(void **state)
{
    (void)state;
    transfer(true, true, 0);
}

static void test_lost_super_frame(void **state)
{
    (void)state;
    transfer(false, true, 5);
}

/* Without both caps the interface never builds a super-frame, and its frame buffers
 * stay MTU-sized. */
static void test_no_offload(void **state)
{
    (void)state;
    static struct netsim n;
    netsim_init_offload(&n, 0, TAPIR_DEVICE_CAP_CSUM_TX, 0);
    wire_install(&n, false);
    static struct rc_conn c;
    rc_open(&n, &c, false, 128 * 1024, NULL, NULL);
    struct rc_stream st[1];
    rc_stream_init(&st[0], c.server, &c.client, 3, 1 << 20);
    rc_run(&n, st, 1, TAPIR_US_PER_MS, 60 * (tapir_instant)TAPIR_US_PER_S);
    assert_int_equal(tapir_iface_stats(&n.a.iface)->gso_frames_sent, 0);
    assert_int_equal(w.partial, 0);
    struct tapir_iface_config cfg;
    tapir_iface_config_default(&cfg);
    struct tapir_device d = n.pair.a.dev;
    cfg.device = &d;
    d.caps = 0;
    size_t plain = tapir_iface_mem_size(&cfg);
    d.caps = TAPIR_DEVICE_CAP_CSUM_TX;
    assert_int_equal(tapir_iface_mem_size(&cfg), plain);
    d.caps = GSO_CAPS;
    size_t frames = TAPIR_RX_BATCH + TAPIR_TX_BATCH;
    assert_int_equal(tapir_iface_mem_size(&cfg) - plain,
                     frames *
                         (((65535 + 18 + 63) & ~(size_t)63) - ((1500 + 18 + 63) & ~(size_t)63)));
    rc_close(&n, &c);
    netsim_free(&n);
}

/* The receive side: a segment with a wrong TCP checksum is dropped, unless its frame
 * says the device checked it (CSUM_VALID) or left it partial (CSUM_PARTIAL). A SYN to a
 * closed port shows which: a RST answers what was taken. */
static void send_syn(struct netsim *n, uint8_t flags, bool bad_sum)
{
    static uint8_t frame[128];
    struct tapir_tcp_repr t;
    memset(&t, 0, sizeof t);
    t.src_port = 5555;
    t.dst_port = 4444;
    t.seq = 1000;
    t.flags = TAPIR_TCP_SYN;
    t.window = 1000;
    struct tapir_pseudo_header ph;
    memset(&ph, 0, sizeof ph);
    ph.src = netsim_ip("192.168.69.1");
    ph.dst = netsim_ip("192.168.69.100");
    ph.protocol = TAPIR_IP_PROTO_TCP;
    uint8_t *tcp = frame + 14 + 20;
    int tl = tapir_tcp_emit(&t, &ph, tcp, 100);
    assert_int_equal(tl, 20);
    if (bad_sum)
        tcp[17] ^= 0x55;
    struct tapir_ipv4_repr ip;
    memset(&ip, 0, sizeof ip);
    ip.src = ph.src.v4;
    ip.dst = ph.dst.v4;
    ip.protocol = TAPIR_IP_PROTO_TCP;
    ip.ttl = 64;
    ip.payload = tcp;
    ip.payload_len = 20;
    assert_int_equal(tapir_ipv4_emit(&ip, frame + 14, 40), 40);
    struct tapir_eth_repr eth = {.dst = *tapir_iface_mac(&n->b.iface),
                                 .src = *tapir_iface_mac(&n->a.iface),
                                 .ethertype = TAPIR_ETHERTYPE_IPV4,
                                 .payload = NULL,
                                 .payload_len = 40};
    assert_int_equal(tapir_eth_emit(&eth, frame, sizeof frame), 54);
    struct tapir_frame f = {.data = frame, .cap = sizeof frame, .len = 54, .flags = flags};
    if (flags & TAPIR_FRAME_CSUM_PARTIAL) {
        f.csum_start = 34;
        f.csum_offset = 16;
    }
    assert_int_equal(tapir_device_tx(&n->pair.a.dev, &f, 1), 1);
    netsim_settle(n);
}

static void test_rx_trust(void **state)
{
    (void)state;
    static struct netsim n;
    netsim_init_offload(&n, 0, GSO_CAPS, GSO_CAPS);
    const struct tapir_iface_stats *b = tapir_iface_stats(&n.b.iface);
    send_syn(&n, 0, true);
    assert_int_equal(b->drops[TAPIR_DROP_TCP_MALFORMED], 1);
    assert_int_equal(b->drops[TAPIR_DROP_NO_SOCKET], 0);
    assert_int_equal(b->csum_offloaded_rx, 0);
    send_syn(&n, TAPIR_FRAME_CSUM_VALID, true);
    assert_int_equal(b->drops[TAPIR_DROP_TCP_MALFORMED], 1);
    assert_int_equal(b->drops[TAPIR_DROP_NO_SOCKET], 1); /* taken: answered by a RST */
    assert_int_equal(b->csum_offloaded_rx, 1);
    send_syn(&n, TAPIR_FRAME_CSUM_PARTIAL, true);
    assert_int_equal(b->drops[TAPIR_DROP_TCP_MALFORMED], 1);
    assert_int_equal(b->drops[TAPIR_DROP_NO_SOCKET], 2);
    assert_int_equal(b->csum_offloaded_rx, 2);
    send_syn(&n, 0, false);
    assert_int_equal(b->drops[TAPIR_DROP_NO_SOCKET], 3);
    assert_int_equal(b->csum_offloaded_rx, 2);
    netsim_free(&n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_whole_v4),         cmocka_unit_test(test_whole_v6),
        cmocka_unit_test(test_cut_v4),           cmocka_unit_test(test_cut_v6),
        cmocka_unit_test(test_lost_super_frame), cmocka_unit_test(test_no_offload),
        cmocka_unit_test(test_rx_trust),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
