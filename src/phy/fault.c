/* The fault injector: seeded drop, corrupt, duplicate, reorder, delay and rate limit on
 * each direction of a wrapped device. See include/tapir/phy/fault.h for the model. */
#include <stdbool.h>
#include <string.h>

#include "ring.h"
#include "tapir/error.h"
#include "tapir/phy/fault.h"
#include "tapir/wire/checksum.h"

#define TOKEN_SCALE 1000000u /* tokens are bits x 1e6: rate_bps of them refill per us */
#define TX_BATCH    32       /* frames handed to the inner device per tx call */
#define RX_ROUNDS   64       /* inner rx calls per rx() at most */

static uint64_t splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

/* True with probability pct / 100, from one 64-bit draw (53 bits used). */
static bool chance(uint64_t draw, double pct)
{
    double u = (double)(draw >> 11) / 9007199254740992.0; /* [0, 1) */
    return u * 100.0 < pct;
}

static struct tapir_fault_slot *slot_at(struct tapir_fault_dir *d, unsigned i)
{
    return &d->slots[(d->head + i) % d->count];
}

static void slot_swap(struct tapir_fault_slot *a, struct tapir_fault_slot *b)
{
    struct tapir_fault_slot t = *a;
    *a = *b;
    *b = t;
}

static void pop(struct tapir_fault_dir *d)
{
    d->head = (d->head + 1) % d->count;
    d->len--;
}

static tapir_instant clock_now(const struct tapir_fault *f)
{
    return f->clock.now_us ? f->clock.now_us(f->clock.ctx) : 0;
}

/* When a frame of `len` bytes that entered at `now` may leave: after the fixed delay, then
 * once the token bucket can pay for it (charging the bucket). */
static tapir_instant schedule(struct tapir_fault_dir *d, tapir_instant now, size_t len)
{
    tapir_instant ready = now;
    if (d->opt.delay_us > 0) {
        ready += d->opt.delay_us;
        d->counters.delayed++;
    }
    uint64_t rate = d->opt.rate_bps;
    if (rate == 0)
        return ready;
    uint64_t need = (uint64_t)len * 8u * TOKEN_SCALE;
    uint64_t burst = (uint64_t)d->opt.burst_bytes * 8u * TOKEN_SCALE;
    uint64_t depth = burst > need ? burst : need;
    if (!d->tokens_valid) {
        d->tokens = depth; /* the bucket starts full */
        d->tokens_at = ready;
        d->tokens_valid = true;
    }
    /* Frames leave in order: none before the last one scheduled. */
    tapir_instant t = ready > d->tokens_at ? ready : d->tokens_at;
    uint64_t dt = (uint64_t)(t - d->tokens_at);
    uint64_t have = d->tokens < depth ? d->tokens : depth;
    if (dt >= (depth - have) / rate + 1)
        d->tokens = depth;
    else
        d->tokens = have + dt * rate < depth ? have + dt * rate : depth;
    d->tokens_at = t;
    if (d->tokens >= need) {
        d->tokens -= need;
        return t;
    }
    uint64_t wait = (need - d->tokens + rate - 1) / rate;
    t += (tapir_instant)wait;
    d->tokens = d->tokens + wait * rate - need;
    d->tokens_at = t;
    d->counters.rate_limited++;
    return t;
}

/* Appends a copy of `frame` to the hold storage (the caller made sure a slot is free).
 * Returns the slot, or NULL when the frame does not fit it. */
static struct tapir_fault_slot *push(struct tapir_fault_dir *d, const struct tapir_frame *frame)
{
    struct tapir_fault_slot *s = slot_at(d, d->len);
    if (frame->len > s->frame.cap)
        return NULL;
    tapir__frame_copy(&s->frame, frame);
    s->held = false;
    s->due = 0;
    d->len++;
    return s;
}

/* Before a frame is damaged: make its checksum say so (fault.h). False for a GSO
 * super-frame, which cannot carry damage the receiver would see. */
static bool expose_checksum(struct tapir_frame *f)
{
    if (f->gso_type != TAPIR_GSO_NONE)
        return false;
    f->flags &= (uint8_t)~TAPIR_FRAME_CSUM_VALID;
    if ((f->flags & TAPIR_FRAME_CSUM_PARTIAL) &&
        (size_t)f->csum_start + f->csum_offset + 2 <= f->len) {
        /* The field holds the pseudo-header sum: the sum over the rest finishes it. */
        uint16_t sum = tapir_checksum(f->data + f->csum_start, f->len - f->csum_start);
        f->data[f->csum_start + f->csum_offset] = (uint8_t)(sum >> 8);
        f->data[f->csum_start + f->csum_offset + 1] = (uint8_t)sum;
        f->flags &= (uint8_t)~TAPIR_FRAME_CSUM_PARTIAL;
        f->csum_start = f->csum_offset = 0;
    }
    return true;
}

/* One frame enters direction d at `now`; the hold storage has two free slots. */
static void admit(struct tapir_fault_dir *d, const struct tapir_frame *frame, tapir_instant now)
{
    d->counters.received++;
    /* Always five draws, whatever the settings, so decisions stay put when one changes. */
    uint64_t r_drop = splitmix64(&d->rng);
    uint64_t r_corrupt = splitmix64(&d->rng);
    uint64_t r_dup = splitmix64(&d->rng);
    uint64_t r_reorder = splitmix64(&d->rng);
    uint64_t r_bit = splitmix64(&d->rng);

    if (chance(r_drop, d->opt.drop_pct)) {
        d->counters.dropped++;
        return;
    }
    bool was_holding = d->len > 0 && slot_at(d, d->len - 1)->held;
    unsigned first = d->len;
    struct tapir_fault_slot *s = push(d, frame);
    if (!s) {
        d->counters.oversize++;
        return;
    }
    if (s->frame.len > 0 && chance(r_corrupt, d->opt.corrupt_pct) && !expose_checksum(&s->frame)) {
        d->counters.corrupted++; /* a super-frame: lost instead (see fault.h) */
        d->len--;
        return;
    }
    if (s->frame.len > 0 && chance(r_corrupt, d->opt.corrupt_pct)) {
        uint64_t bit = r_bit % ((uint64_t)s->frame.len * 8u);
        s->frame.data[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        d->counters.corrupted++;
    }
    s->due = schedule(d, now, s->frame.len);
    if (chance(r_dup, d->opt.duplicate_pct)) {
        struct tapir_fault_slot *s2 = push(d, &s->frame);
        if (s2) {
            s2->due = schedule(d, now, s2->frame.len);
            d->counters.duplicated++;
        }
    }
    if (was_holding) {
        /* The frame held back (just before this one) now follows it. */
        for (unsigned i = first - 1; i + 1 < d->len; i++)
            slot_swap(slot_at(d, i), slot_at(d, i + 1));
        struct tapir_fault_slot *held = slot_at(d, d->len - 1);
        tapir_instant last_due = slot_at(d, d->len - 2)->due;
        if (held->due < last_due)
            held->due = last_due;
        held->held = false;
    } else if (chance(r_reorder, d->opt.reorder_pct)) {
        slot_at(d, d->len - 1)->held = true;
        d->counters.reordered++;
    }
}

static bool head_due(struct tapir_fault_dir *d, unsigned i, tapir_instant now)
{
    const struct tapir_fault_slot *s = slot_at(d, i);
    return !s->held && s->due <= now;
}

/* Hands the due tx frames to the inner device, in order. Returns how many it took, or its
 * error when it took none. */
static int flush_tx(struct tapir_fault *f, tapir_instant now)
{
    struct tapir_fault_dir *d = &f->tx;
    struct tapir_frame batch[TX_BATCH];
    int total = 0;
    for (unsigned rounds = 0; rounds <= d->count && d->len > 0; rounds++) {
        int k = 0;
        while (k < TX_BATCH && (unsigned)k < d->len && head_due(d, (unsigned)k, now)) {
            batch[k] = slot_at(d, (unsigned)k)->frame;
            k++;
        }
        if (k == 0)
            break;
        int r = tapir_device_tx(f->inner, batch, k);
        if (r < 0)
            return total ? total : r;
        for (int i = 0; i < r; i++)
            pop(d);
        d->counters.passed += (uint64_t)r;
        total += r;
        if (r < k)
            break;
    }
    return total;
}

/* Copies the due rx frames into frames[0..n). Returns how many. */
static int release_rx(struct tapir_fault_dir *d, struct tapir_frame *frames, int n,
                      tapir_instant now)
{
    int w = 0;
    while (w < n && d->len > 0 && head_due(d, 0, now)) {
        struct tapir_fault_slot *s = slot_at(d, 0);
        if (s->frame.len > frames[w].cap) {
            d->counters.oversize++;
        } else {
            tapir__frame_copy(&frames[w], &s->frame);
            d->counters.passed++;
            w++;
        }
        pop(d);
    }
    return w;
}

static int fault_rx(void *ctx, struct tapir_frame *frames, int n)
{
    struct tapir_fault *f = ctx;
    if (n < 0 || (n > 0 && !frames))
        return TAPIR_EINVAL;
    tapir_instant now = clock_now(f);
    (void)flush_tx(f, now); /* a failure leaves the frames held for the next call */
    struct tapir_fault_dir *d = &f->rx;
    int w = 0;
    for (int round = 0; round < RX_ROUNDS; round++) {
        w += release_rx(d, frames + w, n - w, now);
        if (w >= n)
            break;
        /* Pull only what the hold storage can take, duplicates included. */
        unsigned room = (d->count - d->len) / 2;
        int limit = (unsigned)(n - w) < room ? n - w : (int)room;
        if (limit <= 0)
            break;
        int got = tapir_device_rx(f->inner, frames + w, limit);
        if (got < 0)
            return w ? w : got;
        if (got == 0)
            break;
        for (int j = 0; j < got; j++)
            admit(d, &frames[w + j], now);
    }
    return w;
}

static int fault_tx(void *ctx, const struct tapir_frame *frames, int n)
{
    struct tapir_fault *f = ctx;
    if (n < 0 || (n > 0 && !frames))
        return TAPIR_EINVAL;
    tapir_instant now = clock_now(f);
    int err = flush_tx(f, now);
    struct tapir_fault_dir *d = &f->tx;
    int taken = 0;
    while (taken < n && d->count - d->len >= 2) {
        admit(d, &frames[taken], now);
        taken++;
    }
    int r = flush_tx(f, now);
    if (r < 0)
        err = r;
    /* Nothing taken because the inner device fails: say why. */
    if (taken == 0 && n > 0 && err < 0)
        return err;
    return taken;
}

static int fault_fd(void *ctx)
{
    return tapir_device_fd(((const struct tapir_fault *)ctx)->inner);
}

static const struct tapir_device_ops fault_ops = {fault_rx, fault_tx, fault_fd};

void tapir_fault_slots_carve(struct tapir_fault_slot *slots, unsigned count, uint8_t *buf,
                             size_t slot_cap)
{
    for (unsigned i = 0; i < count; i++) {
        memset(&slots[i], 0, sizeof slots[i]);
        slots[i].frame.data = buf + (size_t)i * slot_cap;
        slots[i].frame.cap = slot_cap;
    }
}

static bool pct_ok(double pct)
{
    return pct >= 0.0 && pct <= 100.0; /* false for NaN too */
}

static bool dir_options_ok(const struct tapir_fault_dir_options *o, bool have_clock)
{
    if (!pct_ok(o->drop_pct) || !pct_ok(o->duplicate_pct) || !pct_ok(o->reorder_pct) ||
        !pct_ok(o->corrupt_pct) || o->delay_us < 0)
        return false;
    return have_clock || (o->delay_us == 0 && o->rate_bps == 0);
}

static int dir_init(struct tapir_fault_dir *d, const struct tapir_fault_dir_options *o,
                    struct tapir_fault_slot *slots, unsigned count, uint64_t rng)
{
    if (!slots || count < 2)
        return TAPIR_EINVAL;
    for (unsigned i = 0; i < count; i++)
        if (!slots[i].frame.data && slots[i].frame.cap)
            return TAPIR_EINVAL;
    memset(d, 0, sizeof *d);
    d->opt = *o;
    d->slots = slots;
    d->count = count;
    d->rng = rng;
    return 0;
}

int tapir_fault_init(struct tapir_fault *f, const struct tapir_device *inner,
                     const struct tapir_fault_options *opt, struct tapir_fault_slot *rx_slots,
                     unsigned rx_count, struct tapir_fault_slot *tx_slots, unsigned tx_count)
{
    if (!f || !inner || !opt)
        return TAPIR_EINVAL;
    bool have_clock = opt->clock.now_us != NULL;
    if (!dir_options_ok(&opt->rx, have_clock) || !dir_options_ok(&opt->tx, have_clock))
        return TAPIR_EINVAL;
    memset(f, 0, sizeof *f);
    /* Two independent streams from the one seed. */
    uint64_t s = opt->seed;
    uint64_t rx_rng = splitmix64(&s);
    uint64_t tx_rng = splitmix64(&s);
    int err = dir_init(&f->rx, &opt->rx, rx_slots, rx_count, rx_rng);
    if (!err)
        err = dir_init(&f->tx, &opt->tx, tx_slots, tx_count, tx_rng);
    if (err)
        return err;
    f->inner = inner;
    f->clock = opt->clock;
    f->dev.ops = &fault_ops;
    f->dev.ctx = f;
    f->dev.medium = inner->medium;
    f->dev.mtu = inner->mtu;
    f->dev.caps = inner->caps;
    return 0;
}

int tapir_fault_poll(struct tapir_fault *f)
{
    if (!f)
        return TAPIR_EINVAL;
    return flush_tx(f, clock_now(f));
}

static tapir_instant dir_next(const struct tapir_fault_dir *d)
{
    if (d->len == 0)
        return TAPIR_INSTANT_NEVER;
    const struct tapir_fault_slot *s = &d->slots[d->head];
    return s->held ? TAPIR_INSTANT_NEVER : s->due;
}

tapir_instant tapir_fault_poll_at(const struct tapir_fault *f)
{
    if (!f)
        return TAPIR_INSTANT_NEVER;
    tapir_instant a = dir_next(&f->rx);
    tapir_instant b = dir_next(&f->tx);
    return a < b ? a : b;
}
