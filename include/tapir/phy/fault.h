/* tapir — the fault injector: a device that wraps another and damages its traffic on
 * purpose, deterministically, for tests.
 *
 * Each direction (rx: frames coming up from the inner device; tx: frames going down to
 * it) has its own settings, counters, hold storage and pseudo-random stream, seeded from
 * the caller's seed (splitmix64). For every frame entering a direction exactly five
 * numbers are drawn, whatever the settings, so the same seed and the same frames (in the
 * same calls) give the same decisions, and changing one percentage leaves the others'
 * decisions as they were. A frame goes through, in this order:
 *
 *   drop       with probability drop_pct / 100 it is discarded;
 *   corrupt    with probability corrupt_pct / 100 one bit, chosen at random among all
 *              the frame's bits, is flipped (duplicates carry the same damage). Offload
 *              metadata would hide the damage, so it goes first: CSUM_VALID is cleared
 *              (the receiver verifies), a CSUM_PARTIAL checksum is finished before the
 *              flip, and a GSO super-frame, whose segments the device would checksum
 *              afresh, is discarded instead (counted as corrupted, all its segments lost);
 *   duplicate  with probability duplicate_pct / 100 a second identical copy follows it;
 *   reorder    with probability reorder_pct / 100 it is held back and released right
 *              after the next frame of the same direction that is not dropped (which is
 *              not held itself), taking that frame's due time; a frame held while no
 *              other follows stays held (one held frame at a time; with a duplicate, the
 *              second copy is the one held);
 *   delay      it is due delay_us after it entered;
 *   rate       a token bucket of rate_bps bits per second, burst_bytes deep (0: one frame,
 *              that is pure pacing), counting len * 8 bits per frame: a frame the bucket
 *              cannot pay for yet is HELD (not dropped) until the bucket has refilled
 *              enough; frames keep their order, so this models a bottleneck link whose
 *              queue is the hold storage.
 *
 * A tx frame enters when tx() takes it; an rx frame enters when rx() reads it from the
 * inner device (rx() reads only while the caller has room and hold slots are free).
 *
 * Every frame that is not dropped is copied into the direction's hold storage and leaves
 * it, in order, once the clock reaches its due time (at once when no delay or rate is
 * set). Due frames are released by rx() (rx direction: copied into the caller's frames)
 * and by rx(), tx() and tapir_fault_poll() (tx direction: handed to the inner device;
 * what it refuses stays held and is retried). tapir_fault_poll_at() says when the next
 * held frame falls due, for the caller's poll deadline: the inner device's fd does not
 * signal frames held here.
 *
 * Backpressure: tx() takes a frame only while two hold slots are free (room for a
 * duplicate), otherwise it returns fewer and the caller retries; rx() pulls from the inner
 * device only as many frames as the hold storage can take. Give each direction enough
 * slots for what the delay and rate keep in flight (bandwidth x delay).
 *
 * rx() hands the caller's frames to the inner device's rx(), so it may exchange the
 * data/cap pairs among frames[0..n) as that device may (see packet.h).
 *
 * The settings in f->rx.opt and f->tx.opt may be changed between calls. The clock is read
 * once per call; the fault injector needs one (a virtual clock in tests) only when a delay
 * or rate is set.
 */
#ifndef TAPIR_PHY_FAULT_H
#define TAPIR_PHY_FAULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tapir/device.h"
#include "tapir/time.h"

struct tapir_fault_dir_options {
    double drop_pct;        /* 0..100 */
    double duplicate_pct;   /* 0..100 */
    double reorder_pct;     /* 0..100 */
    double corrupt_pct;     /* 0..100 */
    tapir_instant delay_us; /* fixed delay, 0 = none */
    uint64_t rate_bps;      /* 0 = unlimited */
    uint32_t burst_bytes;   /* token bucket depth, 0 = one frame */
};

struct tapir_fault_options {
    uint64_t seed;
    struct tapir_clock clock; /* required when a delay or a rate is set */
    struct tapir_fault_dir_options rx;
    struct tapir_fault_dir_options tx;
};

struct tapir_fault_counters {
    uint64_t received;     /* frames that entered this direction */
    uint64_t passed;       /* frames that left it (duplicates included) */
    uint64_t dropped;      /* discarded by drop_pct */
    uint64_t duplicated;   /* extra copies made */
    uint64_t reordered;    /* frames held back until the next one */
    uint64_t corrupted;    /* frames with a bit flipped */
    uint64_t delayed;      /* frames held for delay_us */
    uint64_t rate_limited; /* frames held until the token bucket could pay for them */
    uint64_t oversize;     /* discarded: longer than a hold slot or the caller's rx buffer */
};

/* One frame of hold storage: `frame.data`/`frame.cap` are the caller's buffer. */
struct tapir_fault_slot {
    struct tapir_frame frame;
    tapir_instant due;
    bool held; /* held back for reorder until the next frame enters */
};

struct tapir_fault_dir {
    struct tapir_fault_dir_options opt;
    struct tapir_fault_counters counters;
    struct tapir_fault_slot *slots;
    unsigned count, head, len;
    uint64_t rng;            /* splitmix64 state */
    uint64_t tokens;         /* token bucket, in bits x 1e6 */
    tapir_instant tokens_at; /* when `tokens` was last brought up to date */
    bool tokens_valid;
};

struct tapir_fault {
    struct tapir_device dev; /* the wrapper: same medium, mtu, caps and fd as the inner */
    const struct tapir_device *inner;
    struct tapir_clock clock;
    struct tapir_fault_dir rx;
    struct tapir_fault_dir tx;
};

/* Points slots[i].frame.data at buf + i * slot_cap with cap slot_cap, for i in 0..count,
 * zeroing the rest. */
void tapir_fault_slots_carve(struct tapir_fault_slot *slots, unsigned count, uint8_t *buf,
                             size_t slot_cap);

/* Wraps `inner` (which must outlive the wrapper) into caller storage `f`, with hold
 * storage rx_slots[0..rx_count) and tx_slots[0..tx_count) (each count >= 2, data/cap of
 * every slot set, e.g. by tapir_fault_slots_carve(); a slot must hold the longest frame).
 * Returns 0, or TAPIR_EINVAL: a NULL argument, too few slots, a percentage outside
 * 0..100, a negative delay, or a delay or rate without a clock. */
int tapir_fault_init(struct tapir_fault *f, const struct tapir_device *inner,
                     const struct tapir_fault_options *opt, struct tapir_fault_slot *rx_slots,
                     unsigned rx_count, struct tapir_fault_slot *tx_slots, unsigned tx_count);

/* Hands the tx frames now due to the inner device. Returns how many it took, or the
 * inner device's error when it took none. */
int tapir_fault_poll(struct tapir_fault *f);

/* The earliest due time of a held frame in either direction (a frame held for reorder
 * has none), or TAPIR_INSTANT_NEVER. A due time at or before now means "call rx() /
 * tapir_fault_poll() now". */
tapir_instant tapir_fault_poll_at(const struct tapir_fault *f);

#endif
