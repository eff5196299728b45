/* Internal to src/phy: the frame ring behind the loopback and pair devices. */
#ifndef TAPIR_PHY_RING_H
#define TAPIR_PHY_RING_H

#include "tapir/phy/common.h"

/* Copies src's bytes into dst's buffer (the caller checked src->len <= dst->cap) and its
 * length and offload metadata; dst keeps its data/cap. */
void tapir__frame_copy(struct tapir_frame *dst, const struct tapir_frame *src);

/* Checks slots[0..count) and makes an empty ring over them. Returns 0 or TAPIR_EINVAL. */
int tapir__ring_init(struct tapir_frame_ring *r, struct tapir_frame *slots, unsigned count);

/* tx side: copies up to n frames into the ring, stopping when it is full; a frame longer
 * than a slot is taken and discarded. Counts into `stats`. Returns frames taken. */
int tapir__ring_put(struct tapir_frame_ring *r, struct tapir_phy_stats *stats,
                    const struct tapir_frame *frames, int n);

/* rx side: copies up to n frames out of the ring into frames[0..n); one longer than the
 * frame's cap is discarded. Counts into `stats`. Returns frames filled. */
int tapir__ring_get(struct tapir_frame_ring *r, struct tapir_phy_stats *stats,
                    struct tapir_frame *frames, int n);

#endif
