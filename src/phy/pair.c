/* The in-memory pair: each end's tx fills the peer's receive ring. */
#include <string.h>

#include "ring.h"
#include "tapir/error.h"
#include "tapir/phy/pair.h"

static int pair_rx(void *ctx, struct tapir_frame *frames, int n)
{
    struct tapir_pair_end *e = ctx;
    if (n < 0 || (n > 0 && !frames))
        return TAPIR_EINVAL;
    return tapir__ring_get(&e->rxq, &e->stats, frames, n);
}

static int pair_tx(void *ctx, const struct tapir_frame *frames, int n)
{
    struct tapir_pair_end *e = ctx;
    if (n < 0 || (n > 0 && !frames))
        return TAPIR_EINVAL;
    return tapir__ring_put(&e->peer->rxq, &e->stats, frames, n);
}

static int pair_fd(void *ctx)
{
    (void)ctx;
    return -1;
}

static const struct tapir_device_ops pair_ops = {pair_rx, pair_tx, pair_fd};

static void end_init(struct tapir_pair_end *e, struct tapir_pair_end *peer,
                     const struct tapir_pair_options *opt)
{
    e->dev.ops = &pair_ops;
    e->dev.ctx = e;
    e->dev.medium = opt && opt->medium ? opt->medium : TAPIR_MEDIUM_ETHERNET;
    e->dev.mtu = opt && opt->mtu ? opt->mtu : 1500;
    e->dev.caps = 0;
    e->peer = peer;
}

int tapir_pair_init(struct tapir_pair *p, struct tapir_frame *a_to_b, unsigned a_to_b_count,
                    struct tapir_frame *b_to_a, unsigned b_to_a_count,
                    const struct tapir_pair_options *opt)
{
    if (!p)
        return TAPIR_EINVAL;
    memset(p, 0, sizeof *p);
    /* B receives what A sends: a_to_b is B's receive ring. */
    int err = tapir__ring_init(&p->b.rxq, a_to_b, a_to_b_count);
    if (!err)
        err = tapir__ring_init(&p->a.rxq, b_to_a, b_to_a_count);
    if (err)
        return err;
    end_init(&p->a, &p->b, opt);
    end_init(&p->b, &p->a, opt);
    return 0;
}
