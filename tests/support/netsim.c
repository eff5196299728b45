#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "netsim.h"

struct tapir_ip_addr netsim_ip(const char *text)
{
    struct tapir_ip_addr a;
    assert_int_equal(tapir_ip_addr_parse(text, &a), 0);
    return a;
}

static void node_init(struct netsim *n, struct netsim_node *node, struct tapir_device *dev,
                      const char *mac, const char *ip4, const char *ip6, uint64_t seed)
{
    tapir_prng_seed(&node->prng, seed);
    struct tapir_iface_config cfg;
    tapir_iface_config_default(&cfg);
    cfg.device = dev;
    assert_int_equal(tapir_mac_addr_parse(mac, &cfg.mac), 0);
    cfg.rng = tapir_prng_source(&node->prng);
    cfg.mem_len = tapir_iface_mem_size(&cfg);
    node->mem = malloc(cfg.mem_len);
    assert_non_null(node->mem);
    cfg.mem = node->mem;
    assert_int_equal(tapir_iface_init(&node->iface, &cfg, n->clock.now_us), 0);
    struct tapir_ip_addr a4 = netsim_ip(ip4), a6 = netsim_ip(ip6);
    assert_int_equal(tapir_iface_add_ipv4(&node->iface, &a4.v4, 24, n->clock.now_us), 0);
    assert_int_equal(tapir_iface_add_ipv6(&node->iface, &a6.v6, 64, n->clock.now_us), 0);
}

/* The drop filter on A's side: rx and fd pass through, tx skips what drop_a_tx refuses. */
static int filter_rx(void *ctx, struct tapir_frame *frames, int count)
{
    struct netsim *n = ctx;
    return tapir_device_rx(n->filter_inner, frames, count);
}

static int filter_tx(void *ctx, const struct tapir_frame *frames, int count)
{
    struct netsim *n = ctx;
    if (!n->drop_a_tx)
        return tapir_device_tx(n->filter_inner, frames, count);
    for (int i = 0; i < count; i++) {
        if (n->drop_a_tx(n->drop_ctx, frames[i].data, frames[i].len)) {
            n->dropped_a_tx++;
            continue;
        }
        int r = tapir_device_tx(n->filter_inner, &frames[i], 1);
        if (r <= 0)
            return i > 0 ? i : r;
    }
    return count;
}

static int filter_fd(void *ctx)
{
    struct netsim *n = ctx;
    return tapir_device_fd(n->filter_inner);
}

static const struct tapir_device_ops filter_ops = {filter_rx, filter_tx, filter_fd};

static void init_caps(struct netsim *n, const struct tapir_fault_options *fault, unsigned mtu,
                      unsigned caps_a, unsigned caps_b)
{
    memset(n, 0, sizeof *n);
    n->clock.now_us = 1000000;
    size_t cap = (mtu ? mtu : 1500) + 64;
    if ((caps_a | caps_b) & TAPIR_DEVICE_CAP_GSO)
        cap = 65535 + 64;
    n->slot_mem = malloc(2 * NETSIM_SLOTS * cap);
    assert_non_null(n->slot_mem);
    tapir_frames_carve(n->a_to_b, NETSIM_SLOTS, n->slot_mem, cap);
    tapir_frames_carve(n->b_to_a, NETSIM_SLOTS, n->slot_mem + NETSIM_SLOTS * cap, cap);
    struct tapir_pair_options po = {.medium = TAPIR_MEDIUM_ETHERNET, .mtu = mtu};
    assert_int_equal(
        tapir_pair_init(&n->pair, n->a_to_b, NETSIM_SLOTS, n->b_to_a, NETSIM_SLOTS, &po), 0);
    n->pair.a.dev.caps = caps_a;
    n->pair.b.dev.caps = caps_b;
    struct tapir_device *a_dev = &n->pair.a.dev;
    if (fault) {
        n->fault_mem = malloc(2 * NETSIM_SLOTS * cap);
        assert_non_null(n->fault_mem);
        tapir_fault_slots_carve(n->fault_slots, 2 * NETSIM_SLOTS, n->fault_mem, cap);
        struct tapir_fault_options fo = *fault;
        fo.clock = tapir_virtual_clock_source(&n->clock);
        assert_int_equal(tapir_fault_init(&n->fault, a_dev, &fo, n->fault_slots, NETSIM_SLOTS,
                                          n->fault_slots + NETSIM_SLOTS, NETSIM_SLOTS),
                         0);
        n->has_fault = true;
        a_dev = &n->fault.dev;
    }
    n->filter_inner = a_dev;
    n->filter = *a_dev;
    n->filter.ops = &filter_ops;
    n->filter.ctx = n;
    a_dev = &n->filter;
    node_init(n, &n->a, a_dev, "02:00:00:00:00:01", "192.168.69.1", "fdaa::1", 1);
    node_init(n, &n->b, &n->pair.b.dev, "02:00:00:00:00:02", "192.168.69.100", "fdaa::100", 2);
}

void netsim_init(struct netsim *n, const struct tapir_fault_options *fault, unsigned mtu)
{
    init_caps(n, fault, mtu, 0, 0);
}

void netsim_init_offload(struct netsim *n, unsigned mtu, unsigned caps_a, unsigned caps_b)
{
    init_caps(n, NULL, mtu, caps_a, caps_b);
}

void netsim_free(struct netsim *n)
{
    free(n->a.mem);
    free(n->b.mem);
    free(n->slot_mem);
    free(n->fault_mem);
}

void netsim_settle(struct netsim *n)
{
    /* Bounded: two stacks answering each other forever would be a bug, not a hang. */
    for (int i = 0; i < 10000; i++) {
        int ra = tapir_iface_poll(&n->a.iface, n->clock.now_us);
        if (n->has_fault)
            tapir_fault_poll(&n->fault);
        int rb = tapir_iface_poll(&n->b.iface, n->clock.now_us);
        if (ra == 0 && rb == 0 && n->pair.a.rxq.len == 0 && n->pair.b.rxq.len == 0)
            return;
    }
    fail_msg("the two stacks never went quiet");
}

void netsim_advance(struct netsim *n, tapir_instant us)
{
    tapir_instant end = n->clock.now_us + us;
    netsim_settle(n);
    for (int i = 0; i < 100000 && n->clock.now_us < end; i++) {
        tapir_instant at = tapir_iface_poll_at(&n->a.iface, n->clock.now_us);
        tapir_instant bt = tapir_iface_poll_at(&n->b.iface, n->clock.now_us);
        if (bt < at)
            at = bt;
        if (n->has_fault && tapir_fault_poll_at(&n->fault) < at)
            at = tapir_fault_poll_at(&n->fault);
        if (at <= n->clock.now_us)
            at = n->clock.now_us + 1;
        n->clock.now_us = at < end ? at : end;
        netsim_settle(n);
    }
}
