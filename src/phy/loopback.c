/* The loopback device: tx into a ring, rx out of it. */
#include <string.h>

#include "ring.h"
#include "tapir/error.h"
#include "tapir/phy/loopback.h"

static int loopback_rx(void *ctx, struct tapir_frame *frames, int n)
{
    struct tapir_loopback *lb = ctx;
    if (n < 0 || (n > 0 && !frames))
        return TAPIR_EINVAL;
    return tapir__ring_get(&lb->ring, &lb->stats, frames, n);
}

static int loopback_tx(void *ctx, const struct tapir_frame *frames, int n)
{
    struct tapir_loopback *lb = ctx;
    if (n < 0 || (n > 0 && !frames))
        return TAPIR_EINVAL;
    return tapir__ring_put(&lb->ring, &lb->stats, frames, n);
}

static int loopback_fd(void *ctx)
{
    (void)ctx;
    return -1;
}

static const struct tapir_device_ops loopback_ops = {loopback_rx, loopback_tx, loopback_fd};

int tapir_loopback_init(struct tapir_loopback *lb, struct tapir_frame *slots, unsigned count,
                        const struct tapir_loopback_options *opt)
{
    if (!lb)
        return TAPIR_EINVAL;
    memset(lb, 0, sizeof *lb);
    int err = tapir__ring_init(&lb->ring, slots, count);
    if (err)
        return err;
    lb->dev.ops = &loopback_ops;
    lb->dev.ctx = lb;
    lb->dev.medium = opt && opt->medium ? opt->medium : TAPIR_MEDIUM_ETHERNET;
    lb->dev.mtu = opt && opt->mtu ? opt->mtu : 1500;
    lb->dev.caps = 0;
    return 0;
}
