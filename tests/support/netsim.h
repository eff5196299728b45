/* Test support: two tapir interfaces joined by the in-memory pair, on a virtual clock.
 *
 * Stack A (192.168.69.1, fdaa::1, 02:00:00:00:00:01) and stack B (192.168.69.100,
 * fdaa::100, 02:00:00:00:00:02). Optionally a fault injector sits on A's side of the pair.
 * netsim_run() polls both until nothing moves, advancing the clock to the next deadline
 * when asked to. */
#ifndef TAPIR_TEST_NETSIM_H
#define TAPIR_TEST_NETSIM_H

#include <stdbool.h>

#include "tapir/iface.h"
#include "tapir/phy.h"
#include "tapir/random.h"

#define NETSIM_SLOTS 256

/* A test's own rule for the frames stack A transmits, applied before the fault injector:
 * return true to drop the frame. Consulted once for each frame A hands its device (again
 * for a frame the device refused and A resends). */
typedef bool (*netsim_drop_fn)(void *ctx, const uint8_t *frame, size_t len);

struct netsim_node {
    struct tapir_iface iface;
    struct tapir_prng prng;
    void *mem;
};

struct netsim {
    struct tapir_virtual_clock clock;
    struct tapir_pair pair;
    struct tapir_frame a_to_b[NETSIM_SLOTS], b_to_a[NETSIM_SLOTS];
    uint8_t *slot_mem;
    struct tapir_fault fault;
    struct tapir_fault_slot fault_slots[2 * NETSIM_SLOTS];
    uint8_t *fault_mem;
    bool has_fault;
    struct netsim_node a, b;
    /* A's transmissions pass this filter (always in place; it drops nothing until a test
     * sets drop_a_tx). */
    struct tapir_device filter;
    const struct tapir_device *filter_inner;
    netsim_drop_fn drop_a_tx;
    void *drop_ctx;
    unsigned long dropped_a_tx;
};

/* `fault` may be NULL; otherwise it wraps A's end (percentages per direction, seeded). */
void netsim_init(struct netsim *n, const struct tapir_fault_options *fault, unsigned mtu);
/* Offload: as netsim_init without faults, the pair's ends claiming `caps_a` / `caps_b`
 * (enum tapir_device_caps) and its slots big enough for 64 KiB super-frames. */
void netsim_init_offload(struct netsim *n, unsigned mtu, unsigned caps_a, unsigned caps_b);
void netsim_free(struct netsim *n);

/* Poll both stacks until neither receives anything, without moving the clock. */
void netsim_settle(struct netsim *n);

/* Advance the clock by `us` in steps to each deadline, settling at each. */
void netsim_advance(struct netsim *n, tapir_instant us);

/* Addresses of the two stacks. */
struct tapir_ip_addr netsim_ip(const char *text);

#endif
