/* The fault injector over an in-memory pair and a virtual clock: every fault alone, its
 * counters, exact release times, and determinism (same seed, same decisions). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "tapir/error.h"
#include "tapir/wire/checksum.h"
#include "tapir/phy/fault.h"
#include "tapir/phy/pair.h"

#define PAIR_SLOTS 64
#define HOLD_SLOTS 64
#define CAP        256
#define FRAME_LEN  64

/* The fault injector wraps end A of a pair: its tx direction ends in B's rx, its rx
 * direction starts at B's tx. */
struct rig {
    struct tapir_pair pair;
    struct tapir_frame a_to_b[PAIR_SLOTS], b_to_a[PAIR_SLOTS];
    uint8_t a_to_b_buf[PAIR_SLOTS * CAP], b_to_a_buf[PAIR_SLOTS * CAP];
    struct tapir_fault fault;
    struct tapir_fault_slot rx_hold[HOLD_SLOTS], tx_hold[HOLD_SLOTS];
    uint8_t rx_hold_buf[HOLD_SLOTS * CAP], tx_hold_buf[HOLD_SLOTS * CAP];
    struct tapir_virtual_clock clock;
};

static struct rig *rig_new(const struct tapir_fault_options *base, unsigned hold_slots)
{
    struct rig *r = calloc(1, sizeof *r);
    assert_non_null(r);
    tapir_frames_carve(r->a_to_b, PAIR_SLOTS, r->a_to_b_buf, CAP);
    tapir_frames_carve(r->b_to_a, PAIR_SLOTS, r->b_to_a_buf, CAP);
    assert_int_equal(tapir_pair_init(&r->pair, r->a_to_b, PAIR_SLOTS, r->b_to_a, PAIR_SLOTS, NULL),
                     0);
    tapir_fault_slots_carve(r->rx_hold, hold_slots, r->rx_hold_buf, CAP);
    tapir_fault_slots_carve(r->tx_hold, hold_slots, r->tx_hold_buf, CAP);
    struct tapir_fault_options o = *base;
    o.clock = tapir_virtual_clock_source(&r->clock);
    assert_int_equal(tapir_fault_init(&r->fault, &r->pair.a.dev, &o, r->rx_hold, hold_slots,
                                      r->tx_hold, hold_slots),
                     0);
    return r;
}

/* Frame number i: its index in the first 4 bytes, then a pattern. */
static void make_frame(uint8_t *buf, uint32_t i)
{
    memcpy(buf, &i, 4);
    for (size_t j = 4; j < FRAME_LEN; j++)
        buf[j] = (uint8_t)(i * 7u + j);
}

static uint32_t frame_index(const uint8_t *buf)
{
    uint32_t i;
    memcpy(&i, buf, 4);
    return i;
}

/* What came out: indices in arrival order and a copy of every frame. */
struct seen {
    size_t count;
    uint32_t *index;
    uint8_t (*bytes)[FRAME_LEN];
    size_t *len;
};

static void seen_init(struct seen *s, size_t max)
{
    s->count = 0;
    s->index = calloc(max, sizeof *s->index);
    s->bytes = calloc(max, sizeof *s->bytes);
    s->len = calloc(max, sizeof *s->len);
    assert_true(s->index && s->bytes && s->len);
}

static void seen_free(struct seen *s)
{
    free(s->index);
    free(s->bytes);
    free(s->len);
}

static void collect(struct seen *s, size_t max, const struct tapir_frame *f, int n)
{
    for (int i = 0; i < n; i++) {
        assert_true(s->count < max);
        assert_true(f[i].len <= FRAME_LEN);
        s->index[s->count] = frame_index(f[i].data);
        memcpy(s->bytes[s->count], f[i].data, f[i].len);
        s->len[s->count] = f[i].len;
        s->count++;
    }
}

/* Drains whichever side receives for direction `tx` (B for tx, the fault device for rx). */
static void drain(struct rig *r, bool tx, struct seen *s, size_t max)
{
    uint8_t bufs[8][CAP];
    struct tapir_frame f[8];
    for (int round = 0; round < 1000; round++) {
        tapir_frames_carve(f, 8, &bufs[0][0], CAP);
        int n = tx ? tapir_device_rx(&r->pair.b.dev, f, 8) : tapir_device_rx(&r->fault.dev, f, 8);
        assert_true(n >= 0);
        if (n == 0)
            return;
        collect(s, max, f, n);
    }
    fail_msg("drain did not end");
}

/* Sends frames 0..n-1, one per call, through direction `tx` (true: fault tx -> B; false:
 * B tx -> fault rx), draining after each. */
static void pump(struct rig *r, bool tx, uint32_t n, struct seen *s, size_t max)
{
    uint8_t buf[FRAME_LEN];
    for (uint32_t i = 0; i < n; i++) {
        make_frame(buf, i);
        struct tapir_frame f = {.data = buf, .cap = sizeof buf, .len = FRAME_LEN};
        int sent =
            tx ? tapir_device_tx(&r->fault.dev, &f, 1) : tapir_device_tx(&r->pair.b.dev, &f, 1);
        assert_int_equal(sent, 1);
        drain(r, tx, s, max);
    }
}

static const struct tapir_fault_counters *counters(struct rig *r, bool tx)
{
    return tx ? &r->fault.tx.counters : &r->fault.rx.counters;
}

static void test_drop_none_and_all(void **state)
{
    (void)state;
    for (int dir = 0; dir < 2; dir++) {
        bool tx = dir == 0;
        struct tapir_fault_options o = {.seed = 1};
        struct rig *r = rig_new(&o, HOLD_SLOTS);
        struct seen s;
        seen_init(&s, 2000);
        pump(r, tx, 1000, &s, 2000);
        assert_int_equal(s.count, 1000);
        for (uint32_t i = 0; i < 1000; i++) {
            uint8_t want[FRAME_LEN];
            make_frame(want, i);
            assert_int_equal(s.index[i], i);
            assert_memory_equal(s.bytes[i], want, FRAME_LEN);
        }
        assert_int_equal(counters(r, tx)->received, 1000);
        assert_int_equal(counters(r, tx)->passed, 1000);
        assert_int_equal(counters(r, tx)->dropped, 0);
        /* The other direction saw nothing. */
        assert_int_equal(counters(r, !tx)->received, 0);
        seen_free(&s);
        free(r);

        struct tapir_fault_options all = {.seed = 1};
        if (tx)
            all.tx.drop_pct = 100.0;
        else
            all.rx.drop_pct = 100.0;
        r = rig_new(&all, HOLD_SLOTS);
        seen_init(&s, 2000);
        pump(r, tx, 1000, &s, 2000);
        assert_int_equal(s.count, 0);
        assert_int_equal(counters(r, tx)->dropped, 1000);
        assert_int_equal(counters(r, tx)->passed, 0);
        seen_free(&s);
        free(r);
    }
}

/* Frames that survive `drop_pct` of 10,000 with `seed`, as a bitmap. */
static size_t survivors(uint64_t seed, bool tx, uint8_t map[10000])
{
    struct tapir_fault_options o = {.seed = seed};
    if (tx)
        o.tx.drop_pct = 30.0;
    else
        o.rx.drop_pct = 30.0;
    struct rig *r = rig_new(&o, HOLD_SLOTS);
    struct seen s;
    seen_init(&s, 10000);
    pump(r, tx, 10000, &s, 10000);
    memset(map, 0, 10000);
    for (size_t i = 0; i < s.count; i++)
        map[s.index[i]] = 1;
    size_t n = s.count;
    assert_int_equal(counters(r, tx)->dropped + n, 10000);
    seen_free(&s);
    free(r);
    return n;
}

static void test_drop_30_deterministic(void **state)
{
    (void)state;
    static uint8_t m1[10000], m2[10000], m3[10000];
    for (int dir = 0; dir < 2; dir++) {
        bool tx = dir == 0;
        size_t n1 = survivors(42, tx, m1);
        /* 7000 expected; the standard deviation is 46: +-200 is over 4 of them. */
        assert_in_range(n1, 6800, 7200);
        size_t n2 = survivors(42, tx, m2);
        assert_int_equal(n1, n2);
        assert_memory_equal(m1, m2, sizeof m1);
        size_t n3 = survivors(43, tx, m3);
        assert_in_range(n3, 6800, 7200);
        assert_memory_not_equal(m1, m3, sizeof m1);
    }
    /* The two directions draw from different streams. */
    survivors(42, true, m1);
    survivors(42, false, m2);
    assert_memory_not_equal(m1, m2, sizeof m1);
}

static void test_duplicate(void **state)
{
    (void)state;
    for (int dir = 0; dir < 2; dir++) {
        bool tx = dir == 0;
        struct tapir_fault_options o = {.seed = 7};
        if (tx)
            o.tx.duplicate_pct = 50.0;
        else
            o.rx.duplicate_pct = 50.0;
        struct rig *r = rig_new(&o, HOLD_SLOTS);
        struct seen s;
        seen_init(&s, 4000);
        pump(r, tx, 1000, &s, 4000);
        const struct tapir_fault_counters *c = counters(r, tx);
        assert_in_range(c->duplicated, 400, 600);
        assert_int_equal(s.count, 1000 + c->duplicated);
        assert_int_equal(c->passed, s.count);
        /* Every frame once or twice, copies adjacent and identical, order kept. */
        size_t k = 0, dups = 0;
        for (uint32_t i = 0; i < 1000; i++) {
            uint8_t want[FRAME_LEN];
            make_frame(want, i);
            assert_true(k < s.count);
            assert_int_equal(s.index[k], i);
            assert_memory_equal(s.bytes[k], want, FRAME_LEN);
            k++;
            if (k < s.count && s.index[k] == i) {
                assert_memory_equal(s.bytes[k], want, FRAME_LEN);
                k++;
                dups++;
            }
        }
        assert_int_equal(k, s.count);
        assert_int_equal(dups, c->duplicated);
        seen_free(&s);
        free(r);
    }
}

static void test_reorder(void **state)
{
    (void)state;
    /* 100%: every frame that can be held is: 1 0 3 2 5 4 ... */
    for (int dir = 0; dir < 2; dir++) {
        bool tx = dir == 0;
        struct tapir_fault_options o = {.seed = 3};
        if (tx)
            o.tx.reorder_pct = 100.0;
        else
            o.rx.reorder_pct = 100.0;
        struct rig *r = rig_new(&o, HOLD_SLOTS);
        struct seen s;
        seen_init(&s, 200);
        pump(r, tx, 101, &s, 200);
        /* Frame 100 is held, waiting for a next frame that never comes. */
        assert_int_equal(s.count, 100);
        for (uint32_t i = 0; i < 100; i++)
            assert_int_equal(s.index[i], i ^ 1u);
        assert_int_equal(counters(r, tx)->reordered, 51);
        assert_int_equal(tapir_fault_poll_at(&r->fault), TAPIR_INSTANT_NEVER);
        seen_free(&s);
        free(r);
    }
    /* 20%: the order observed is the input with some adjacent pairs swapped, one per
     * frame held back. */
    struct tapir_fault_options o = {.seed = 11};
    o.tx.reorder_pct = 20.0;
    struct rig *r = rig_new(&o, HOLD_SLOTS);
    struct seen s;
    seen_init(&s, 2000);
    pump(r, true, 1000, &s, 2000);
    size_t swaps = 0;
    uint32_t k = 0;
    for (size_t i = 0; i < s.count; i++, k++) {
        if (s.index[i] == k)
            continue;
        assert_true(i + 1 < s.count);
        assert_int_equal(s.index[i], k + 1);
        assert_int_equal(s.index[i + 1], k);
        i++;
        k++;
        swaps++;
    }
    uint64_t held = r->fault.tx.counters.reordered;
    /* The last frame may still be held. */
    assert_true(swaps == held || swaps + 1 == held);
    assert_int_equal(s.count + (held - swaps), 1000);
    assert_in_range(held, 100, 200);
    seen_free(&s);
    free(r);
}

static int bits_differ(const uint8_t *a, const uint8_t *b, size_t len)
{
    int n = 0;
    for (size_t i = 0; i < len; i++)
        n += __builtin_popcount((unsigned)(a[i] ^ b[i]));
    return n;
}

static void test_corrupt(void **state)
{
    (void)state;
    for (int dir = 0; dir < 2; dir++) {
        bool tx = dir == 0;
        struct tapir_fault_options o = {.seed = 5};
        if (tx)
            o.tx.corrupt_pct = 100.0;
        else
            o.rx.corrupt_pct = 100.0;
        struct rig *r = rig_new(&o, HOLD_SLOTS);
        struct seen s;
        seen_init(&s, 600);
        pump(r, tx, 500, &s, 600);
        assert_int_equal(s.count, 500);
        assert_int_equal(counters(r, tx)->corrupted, 500);
        int low_byte_hits = 0;
        for (size_t i = 0; i < s.count; i++) {
            uint8_t want[FRAME_LEN];
            /* The index itself may be the damaged part: compare with frame i. */
            make_frame(want, (uint32_t)i);
            assert_int_equal(s.len[i], FRAME_LEN);
            assert_int_equal(bits_differ(s.bytes[i], want, FRAME_LEN), 1);
            if (s.bytes[i][FRAME_LEN - 1] != want[FRAME_LEN - 1])
                low_byte_hits++;
        }
        /* The flipped byte is spread over the frame, last byte included sometimes. */
        assert_in_range(low_byte_hits, 1, 40);
        seen_free(&s);
        free(r);
    }
    /* 0%: untouched. */
    struct tapir_fault_options o = {.seed = 5};
    struct rig *r = rig_new(&o, HOLD_SLOTS);
    struct seen s;
    seen_init(&s, 200);
    pump(r, true, 100, &s, 200);
    for (size_t i = 0; i < s.count; i++) {
        uint8_t want[FRAME_LEN];
        make_frame(want, (uint32_t)i);
        assert_memory_equal(s.bytes[i], want, FRAME_LEN);
    }
    assert_int_equal(r->fault.tx.counters.corrupted, 0);
    seen_free(&s);
    free(r);
}

/* Offload metadata never hides damage: a CSUM_VALID frame loses the flag, a CSUM_PARTIAL
 * one has its checksum finished before the flip (so the receiver's check fails), a GSO
 * super-frame is discarded; metadata passes untouched when nothing is damaged. */
static void test_corrupt_offload(void **state)
{
    (void)state;
    struct tapir_fault_options o = {.seed = 9};
    o.tx.corrupt_pct = 100.0;
    struct rig *r = rig_new(&o, HOLD_SLOTS);
    uint8_t buf[FRAME_LEN];
    uint8_t out[CAP];
    struct tapir_frame got = {.data = out, .cap = sizeof out};

    /* CSUM_PARTIAL over the whole frame (so any flipped bit counts), the field at 26
     * holding the "pseudo-header sum" 0x1234. */
    make_frame(buf, 1);
    buf[26] = 0x12;
    buf[27] = 0x34;
    struct tapir_frame f = {.data = buf,
                            .cap = sizeof buf,
                            .len = FRAME_LEN,
                            .flags = TAPIR_FRAME_CSUM_PARTIAL | TAPIR_FRAME_CSUM_VALID,
                            .csum_start = 0,
                            .csum_offset = 26};
    uint8_t finished[FRAME_LEN];
    memcpy(finished, buf, FRAME_LEN);
    uint16_t sum = tapir_checksum(finished, FRAME_LEN);
    finished[26] = (uint8_t)(sum >> 8);
    finished[27] = (uint8_t)sum;
    assert_int_equal(tapir_device_tx(&r->fault.dev, &f, 1), 1);
    assert_int_equal(tapir_device_rx(&r->pair.b.dev, &got, 1), 1);
    assert_int_equal(got.flags, 0);
    assert_int_equal(got.csum_start, 0);
    assert_int_equal(bits_differ(out, finished, FRAME_LEN), 1);
    /* The finished sum verifies with the pseudo-header sum it stood for; after the flip
     * it does not. */
    assert_int_equal(
        tapir_csum_finish(tapir_csum_add16(tapir_csum_add(0, finished, FRAME_LEN), 0x1234)), 0);
    assert_int_not_equal(
        tapir_csum_finish(tapir_csum_add16(tapir_csum_add(0, out, FRAME_LEN), 0x1234)), 0);

    /* A super-frame is lost, counted as corrupted. */
    f.flags = TAPIR_FRAME_CSUM_PARTIAL;
    f.gso_type = TAPIR_GSO_TCPV4;
    f.gso_size = 8;
    assert_int_equal(tapir_device_tx(&r->fault.dev, &f, 1), 1);
    got.data = out;
    got.cap = sizeof out;
    assert_int_equal(tapir_device_rx(&r->pair.b.dev, &got, 1), 0);
    assert_int_equal(r->fault.tx.counters.corrupted, 2);
    free(r);

    /* Undamaged, the metadata goes through as it was. */
    struct tapir_fault_options clean = {.seed = 9};
    r = rig_new(&clean, HOLD_SLOTS);
    f.csum_start = 20;
    f.csum_offset = 16;
    assert_int_equal(tapir_device_tx(&r->fault.dev, &f, 1), 1);
    got.data = out;
    got.cap = sizeof out;
    assert_int_equal(tapir_device_rx(&r->pair.b.dev, &got, 1), 1);
    assert_int_equal(got.flags, TAPIR_FRAME_CSUM_PARTIAL);
    assert_int_equal(got.gso_type, TAPIR_GSO_TCPV4);
    assert_int_equal(got.gso_size, 8);
    assert_int_equal(got.csum_start, 20);
    assert_int_equal(got.csum_offset, 16);
    assert_memory_equal(out, buf, FRAME_LEN);
    free(r);
}

/* Sends `n` frames at the current virtual time without draining. */
static void send_burst(struct rig *r, bool tx, uint32_t first, uint32_t n)
{
    uint8_t buf[FRAME_LEN];
    for (uint32_t i = first; i < first + n; i++) {
        make_frame(buf, i);
        struct tapir_frame f = {.data = buf, .cap = sizeof buf, .len = FRAME_LEN};
        int sent =
            tx ? tapir_device_tx(&r->fault.dev, &f, 1) : tapir_device_tx(&r->pair.b.dev, &f, 1);
        assert_int_equal(sent, 1);
    }
}

/* For the tx direction the test polls the injector (as an event loop would at
 * tapir_fault_poll_at()), then reads B; for rx, reading the injector releases. */
static size_t step(struct rig *r, bool tx, tapir_instant now, struct seen *s, size_t max)
{
    r->clock.now_us = now;
    size_t before = s->count;
    if (tx)
        assert_true(tapir_fault_poll(&r->fault) >= 0);
    drain(r, tx, s, max);
    return s->count - before;
}

static void test_delay(void **state)
{
    (void)state;
    for (int dir = 0; dir < 2; dir++) {
        bool tx = dir == 0;
        struct tapir_fault_options o = {.seed = 9};
        if (tx)
            o.tx.delay_us = 1500;
        else
            o.rx.delay_us = 1500;
        struct rig *r = rig_new(&o, HOLD_SLOTS);
        struct seen s;
        seen_init(&s, 100);
        r->clock.now_us = 1000;
        send_burst(r, tx, 0, 3);
        assert_int_equal(step(r, tx, 1000, &s, 100), 0);
        assert_int_equal(tapir_fault_poll_at(&r->fault), 2500);
        r->clock.now_us = 2000;
        send_burst(r, tx, 3, 2);
        /* rx: frames enter the injector when it reads them from the inner device. */
        assert_int_equal(step(r, tx, 2000, &s, 100), 0);
        assert_int_equal(step(r, tx, 2499, &s, 100), 0);
        assert_int_equal(step(r, tx, 2500, &s, 100), 3); /* exactly when due */
        assert_int_equal(tapir_fault_poll_at(&r->fault), 3500);
        assert_int_equal(step(r, tx, 3499, &s, 100), 0);
        assert_int_equal(step(r, tx, 3500, &s, 100), 2);
        assert_int_equal(tapir_fault_poll_at(&r->fault), TAPIR_INSTANT_NEVER);
        for (uint32_t i = 0; i < 5; i++)
            assert_int_equal(s.index[i], i);
        assert_int_equal(counters(r, tx)->delayed, 5);
        assert_int_equal(counters(r, tx)->passed, 5);
        seen_free(&s);
        free(r);
    }
}

static void test_rate_limit(void **state)
{
    (void)state;
    for (int dir = 0; dir < 2; dir++) {
        bool tx = dir == 0;
        /* 6400 bit/s and 64-byte frames: one frame every 80 ms; burst 0 = pure pacing. */
        struct tapir_fault_options o = {.seed = 9};
        struct tapir_fault_dir_options *d = tx ? &o.tx : &o.rx;
        d->rate_bps = 6400;
        struct rig *r = rig_new(&o, HOLD_SLOTS);
        struct seen s;
        seen_init(&s, 100);
        send_burst(r, tx, 0, 4);
        assert_int_equal(step(r, tx, 0, &s, 100), 1);
        for (int k = 1; k < 4; k++) {
            tapir_instant due = (tapir_instant)k * 80000;
            assert_int_equal(tapir_fault_poll_at(&r->fault), due);
            assert_int_equal(step(r, tx, due - 1, &s, 100), 0);
            assert_int_equal(step(r, tx, due, &s, 100), 1);
        }
        assert_int_equal(counters(r, tx)->rate_limited, 3);
        /* The bucket refills: after a quiet second one frame passes at once. */
        r->clock.now_us = 1240000;
        send_burst(r, tx, 4, 1);
        assert_int_equal(step(r, tx, 1240000, &s, 100), 1);
        for (uint32_t i = 0; i < 5; i++)
            assert_int_equal(s.index[i], i);
        seen_free(&s);
        free(r);
    }
    /* A 3-frame burst: three pass at once, the fourth 80 ms later, the fifth 80 ms after. */
    struct tapir_fault_options o = {.seed = 9};
    o.tx.rate_bps = 6400;
    o.tx.burst_bytes = 3 * FRAME_LEN;
    struct rig *r = rig_new(&o, HOLD_SLOTS);
    struct seen s;
    seen_init(&s, 100);
    send_burst(r, true, 0, 5);
    assert_int_equal(step(r, true, 0, &s, 100), 3);
    assert_int_equal(step(r, true, 79999, &s, 100), 0);
    assert_int_equal(step(r, true, 80000, &s, 100), 1);
    assert_int_equal(step(r, true, 159999, &s, 100), 0);
    assert_int_equal(step(r, true, 160000, &s, 100), 1);
    assert_int_equal(r->fault.tx.counters.rate_limited, 2);
    seen_free(&s);
    free(r);
}

/* Everything at once: the whole output (order and bytes) is a function of the seed. */
static uint64_t mixed_run(uint64_t seed, bool tx)
{
    struct tapir_fault_options o = {.seed = seed};
    struct tapir_fault_dir_options *d = tx ? &o.tx : &o.rx;
    d->drop_pct = 10;
    d->duplicate_pct = 10;
    d->reorder_pct = 10;
    d->corrupt_pct = 10;
    d->delay_us = 100;
    struct rig *r = rig_new(&o, HOLD_SLOTS);
    struct seen s;
    seen_init(&s, 3000);
    uint8_t buf[FRAME_LEN];
    for (uint32_t i = 0; i < 2000; i++) {
        r->clock.now_us = (tapir_instant)i * 10;
        make_frame(buf, i);
        struct tapir_frame f = {.data = buf, .cap = sizeof buf, .len = FRAME_LEN};
        int sent =
            tx ? tapir_device_tx(&r->fault.dev, &f, 1) : tapir_device_tx(&r->pair.b.dev, &f, 1);
        assert_int_equal(sent, 1);
        step(r, tx, r->clock.now_us, &s, 3000);
    }
    step(r, tx, 1000000, &s, 3000);
    const struct tapir_fault_counters *c = counters(r, tx);
    assert_true(c->dropped > 100 && c->duplicated > 100 && c->reordered > 100 &&
                c->corrupted > 100);
    assert_int_equal(c->passed, s.count);
    /* FNV-1a over the output. */
    uint64_t h = 1469598103934665603u;
    for (size_t i = 0; i < s.count; i++)
        for (size_t j = 0; j < s.len[i]; j++)
            h = (h ^ s.bytes[i][j]) * 1099511628211u;
    seen_free(&s);
    free(r);
    return h;
}

static void test_mixed_deterministic(void **state)
{
    (void)state;
    for (int dir = 0; dir < 2; dir++) {
        uint64_t a = mixed_run(1234, dir == 0);
        assert_int_equal(a, mixed_run(1234, dir == 0));
        assert_int_not_equal(a, mixed_run(1235, dir == 0));
    }
}

/* Changing one percentage leaves the other decisions as they were. */
static void test_decisions_independent(void **state)
{
    (void)state;
    static uint8_t m1[10000], m2[10000];
    survivors(77, true, m1);
    struct tapir_fault_options o = {.seed = 77};
    o.tx.drop_pct = 30.0;
    o.tx.corrupt_pct = 50.0;
    struct rig *r = rig_new(&o, HOLD_SLOTS);
    struct seen s;
    seen_init(&s, 10000);
    pump(r, true, 10000, &s, 10000);
    memset(m2, 0, sizeof m2);
    /* Indices may be corrupted: use arrival positions mapped through the survivor list. */
    size_t k = 0;
    for (uint32_t i = 0; i < 10000; i++)
        if (m1[i]) {
            uint8_t want[FRAME_LEN];
            make_frame(want, i);
            assert_true(k < s.count);
            assert_true(bits_differ(s.bytes[k], want, FRAME_LEN) <= 1);
            k++;
        }
    assert_int_equal(k, s.count);
    seen_free(&s);
    free(r);
}

static void test_backpressure(void **state)
{
    (void)state;
    /* Four hold slots and a long delay: tx takes frames while two slots are free. */
    struct tapir_fault_options o = {.seed = 1};
    o.tx.delay_us = 1000;
    struct rig *r = rig_new(&o, 4);
    uint8_t bufs[5][FRAME_LEN];
    struct tapir_frame f[5];
    memset(f, 0, sizeof f);
    for (uint32_t i = 0; i < 5; i++) {
        make_frame(bufs[i], i);
        f[i].data = bufs[i];
        f[i].len = FRAME_LEN;
    }
    assert_int_equal(tapir_device_tx(&r->fault.dev, f, 5), 3);
    assert_int_equal(tapir_device_tx(&r->fault.dev, &f[3], 2), 0);
    struct seen s;
    seen_init(&s, 10);
    assert_int_equal(step(r, true, 1000, &s, 10), 3);
    assert_int_equal(tapir_device_tx(&r->fault.dev, &f[3], 2), 2);
    assert_int_equal(step(r, true, 2000, &s, 10), 2);
    for (uint32_t i = 0; i < 5; i++)
        assert_int_equal(s.index[i], i);
    seen_free(&s);
    free(r);
}

static void test_invalid_options(void **state)
{
    (void)state;
    struct tapir_fault f;
    struct tapir_fault_slot slots[2];
    uint8_t buf[2 * CAP];
    tapir_fault_slots_carve(slots, 2, buf, CAP);
    struct rig *r = rig_new(&(struct tapir_fault_options){.seed = 1}, 2);
    const struct tapir_device *inner = &r->pair.a.dev;
    struct tapir_fault_options o = {.seed = 1};
    assert_int_equal(tapir_fault_init(&f, inner, &o, slots, 2, slots, 2), 0);
    assert_int_equal(f.dev.medium, inner->medium);
    assert_int_equal(f.dev.mtu, inner->mtu);
    assert_int_equal(tapir_fault_init(&f, inner, &o, slots, 1, slots, 2), TAPIR_EINVAL);
    o.rx.drop_pct = 100.5;
    assert_int_equal(tapir_fault_init(&f, inner, &o, slots, 2, slots, 2), TAPIR_EINVAL);
    o.rx.drop_pct = -1;
    assert_int_equal(tapir_fault_init(&f, inner, &o, slots, 2, slots, 2), TAPIR_EINVAL);
    o.rx.drop_pct = 0;
    o.tx.delay_us = 10; /* a delay needs a clock */
    assert_int_equal(tapir_fault_init(&f, inner, &o, slots, 2, slots, 2), TAPIR_EINVAL);
    o.tx.delay_us = 0;
    o.rx.rate_bps = 1000; /* so does a rate */
    assert_int_equal(tapir_fault_init(&f, inner, &o, slots, 2, slots, 2), TAPIR_EINVAL);
    struct tapir_virtual_clock vc = {0};
    o.clock = tapir_virtual_clock_source(&vc);
    assert_int_equal(tapir_fault_init(&f, inner, &o, slots, 2, slots, 2), 0);
    free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_drop_none_and_all),
        cmocka_unit_test(test_drop_30_deterministic),
        cmocka_unit_test(test_duplicate),
        cmocka_unit_test(test_reorder),
        cmocka_unit_test(test_corrupt),
        cmocka_unit_test(test_corrupt_offload),
        cmocka_unit_test(test_delay),
        cmocka_unit_test(test_rate_limit),
        cmocka_unit_test(test_mixed_deterministic),
        cmocka_unit_test(test_decisions_independent),
        cmocka_unit_test(test_backpressure),
        cmocka_unit_test(test_invalid_options),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
