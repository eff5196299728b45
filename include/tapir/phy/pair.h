/* tapir — an in-memory pair of devices joining two stacks in one process.
 *
 * What end A transmits, end B receives, and the other way round, in order, through two
 * bounded queues of caller-provided slots (one per direction). tx() never blocks: when the
 * peer's queue is full it returns fewer than asked, refusing the rest (counted in the
 * sending end's stats.tx_full); a frame longer than a slot is taken and discarded
 * (stats.tx_dropped). rx() copies frames out, offload metadata included; a frame longer
 * than the caller's buffer is discarded (stats.rx_dropped). fd() is -1: the test or loop
 * polls rx() directly. Single-threaded: both ends belong to one thread.
 */
#ifndef TAPIR_PHY_PAIR_H
#define TAPIR_PHY_PAIR_H

#include "tapir/device.h"
#include "tapir/phy/common.h"

struct tapir_pair_options {
    enum tapir_medium medium; /* 0: TAPIR_MEDIUM_ETHERNET */
    unsigned mtu;             /* 0: 1500 */
};

struct tapir_pair;

struct tapir_pair_end {
    struct tapir_device dev;     /* hand &dev to a stack; ctx points at this end */
    struct tapir_frame_ring rxq; /* frames the peer sent, waiting for this end's rx() */
    struct tapir_pair_end *peer;
    struct tapir_phy_stats stats;
};

struct tapir_pair {
    struct tapir_pair_end a;
    struct tapir_pair_end b;
};

/* Initialises `p`: frames A sends queue in a_to_b[0..a_to_b_count), frames B sends in
 * b_to_a[0..b_to_a_count) (each count >= 1, each slot's data/cap set by the caller, e.g.
 * with tapir_frames_carve()). `opt` may be NULL. The two devices are &p->a.dev and
 * &p->b.dev. Returns 0 or TAPIR_EINVAL. Nothing to close. */
int tapir_pair_init(struct tapir_pair *p, struct tapir_frame *a_to_b, unsigned a_to_b_count,
                    struct tapir_frame *b_to_a, unsigned b_to_a_count,
                    const struct tapir_pair_options *opt);

#endif
