/* Internal to src/phy: a received frame with no offload metadata, as every device that
 * reads plain frames (and the virtio-net parser before it reads a header) hands it up. */
#ifndef TAPIR_PHY_FRAME_H
#define TAPIR_PHY_FRAME_H

#include "tapir/device.h"

/* A whole frame with a valid checksum and no segmentation: no flag, GSO none, no partial
 * checksum. data, cap and len are left as they are. */
static inline void tapir__frame_clear_offload(struct tapir_frame *f)
{
    f->flags = 0;
    f->gso_type = TAPIR_GSO_NONE;
    f->gso_size = 0;
    f->csum_start = 0;
    f->csum_offset = 0;
}

#endif
