/* tapir — a loopback device: every frame transmitted comes back on rx, in order.
 *
 * Frames are copied into a ring of K caller-provided slots (struct tapir_frame with
 * data/cap set, e.g. by tapir_frames_carve()). tx() takes frames while a slot is free and
 * returns fewer when the ring is full (counted in stats.tx_full; nothing is lost, the
 * caller retries); a frame longer than a slot is taken and discarded (stats.tx_dropped).
 * rx() copies frames out, offload metadata included; one longer than the caller's buffer
 * is discarded (stats.rx_dropped). fd() is -1: poll rx() directly.
 */
#ifndef TAPIR_PHY_LOOPBACK_H
#define TAPIR_PHY_LOOPBACK_H

#include "tapir/device.h"
#include "tapir/phy/common.h"

struct tapir_loopback_options {
    enum tapir_medium medium; /* 0: TAPIR_MEDIUM_ETHERNET */
    unsigned mtu;             /* 0: 1500 */
};

struct tapir_loopback {
    struct tapir_device dev; /* hand &dev to the stack; ctx points at this struct */
    struct tapir_frame_ring ring;
    struct tapir_phy_stats stats;
};

/* Initialises `lb` over slots[0..count) (count >= 1, each slot's data/cap set by the
 * caller and left alone until the device is no longer used). `opt` may be NULL.
 * Returns 0 or TAPIR_EINVAL. Nothing to close: drop the storage when done. */
int tapir_loopback_init(struct tapir_loopback *lb, struct tapir_frame *slots, unsigned count,
                        const struct tapir_loopback_options *opt);

#endif
