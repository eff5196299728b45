/* tapir — what every device in src/phy shares: frame slots in caller storage, a bounded
 * frame ring over them, and per-device counters.
 *
 * No device in src/phy allocates: every device struct, every queue and every byte of
 * frame storage belongs to the caller, who keeps it alive (and in place: the structs point
 * into themselves) from the device's open/init until its close.
 */
#ifndef TAPIR_PHY_COMMON_H
#define TAPIR_PHY_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include "tapir/device.h"

/* Longest interface name plus its NUL (IFNAMSIZ on Linux). */
#define TAPIR_IFNAMSIZ 16

/* Counters kept by every concrete device (TAP/TUN, AF_PACKET, loopback, pair). */
struct tapir_phy_stats {
    uint64_t rx_frames;  /* frames handed to the caller by rx() */
    uint64_t rx_bytes;   /* their bytes */
    uint64_t tx_frames;  /* frames taken by tx() */
    uint64_t tx_bytes;   /* their bytes */
    uint64_t rx_dropped; /* frames that did not fit the caller's buffer (cap), discarded */
    uint64_t tx_dropped; /* frames taken by tx() but discarded (too big for the device) */
    uint64_t tx_full;    /* frames refused by tx() because the device was full (retry) */
};

/* A bounded FIFO of frames over caller-owned slots. Each slot is a struct tapir_frame
 * whose data/cap point at a buffer the slot owns for good; the ring copies frames into
 * and out of those buffers. Used by the loopback and pair devices. */
struct tapir_frame_ring {
    struct tapir_frame *slots;
    unsigned count; /* slots */
    unsigned head;  /* index of the oldest frame */
    unsigned len;   /* frames queued */
};

/* Points frames[i].data at buf + i * frame_cap and sets frames[i].cap = frame_cap, for i
 * in 0..count, zeroing everything else: carves one caller buffer of count * frame_cap
 * bytes into frame slots (for rings, fault-injector hold storage, or rx batches). */
void tapir_frames_carve(struct tapir_frame *frames, unsigned count, uint8_t *buf, size_t frame_cap);

#endif
