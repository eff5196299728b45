/* The out-of-order segment assembler (src/storage/assembler.c): every kind of overlap,
 * duplicates, the range bound, advance, SACK order, and streams cut into segments that
 * arrive in order, reversed and in seeded random orders (with retransmissions), delivered
 * through a byte ring exactly once each, checked after every step against a bitmap. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <string.h>

#include "tapir/error.h"
#include "tapir/priv/assembler.h"
#include "tapir/priv/ring.h"
#include "tapir/random.h"

#define MAX TAPIR_ASSEMBLER_MAX_RANGES

typedef struct tapir__assembler_range range_t;

/* The ranges in ascending order must be exactly want[0 .. n). */
static void expect_ranges(const struct tapir__assembler *a, const range_t *want, unsigned n)
{
    assert_int_equal(tapir__assembler_count(a), n);
    for (unsigned i = 0; i < n; i++) {
        range_t got;
        assert_true(tapir__assembler_range(a, i, &got));
        assert_int_equal(got.start, want[i].start);
        assert_int_equal(got.end, want[i].end);
    }
    range_t untouched = {7, 7};
    assert_false(tapir__assembler_range(a, n, &untouched));
    assert_int_equal(untouched.start, 7);
}

/* The most recent first: exactly want[0 .. n), also when asked for more. */
static void expect_recent(const struct tapir__assembler *a, const range_t *want, unsigned n)
{
    range_t got[MAX + 3];
    memset(got, 0xa5, sizeof got);
    assert_int_equal(tapir__assembler_recent(a, got, MAX + 2), n);
    for (unsigned i = 0; i < n; i++) {
        assert_int_equal(got[i].start, want[i].start);
        assert_int_equal(got[i].end, want[i].end);
    }
    assert_int_equal(got[n].start, 0xa5a5a5a5u); /* nothing written past the count */
}

static void test_empty(void **state)
{
    (void)state;
    struct tapir__assembler a;
    tapir__assembler_init(&a);
    assert_int_equal(tapir__assembler_front(&a), 0);
    expect_ranges(&a, NULL, 0);
    expect_recent(&a, NULL, 0);
    tapir__assembler_advance(&a, 100);
    expect_ranges(&a, NULL, 0);
    assert_int_equal(tapir__assembler_add(&a, 5, 0), 0); /* empty: nothing recorded */
    expect_ranges(&a, NULL, 0);
}

static void test_in_order(void **state)
{
    (void)state;
    struct tapir__assembler a;
    tapir__assembler_init(&a);
    /* Without advancing, in-order segments grow one range. */
    for (uint32_t i = 0; i < 10; i++) {
        assert_int_equal(tapir__assembler_add(&a, i * 100, 100), 0);
        assert_int_equal(tapir__assembler_front(&a), (i + 1) * 100);
        expect_ranges(&a, &(range_t){0, (i + 1) * 100}, 1);
    }
    tapir__assembler_advance(&a, 1000);
    assert_int_equal(tapir__assembler_front(&a), 0);
    expect_ranges(&a, NULL, 0);
    /* Advancing after each, as the receive path does: offset 0 every time. */
    for (int i = 0; i < 10; i++) {
        assert_int_equal(tapir__assembler_add(&a, 0, 536), 0);
        assert_int_equal(tapir__assembler_front(&a), 536);
        tapir__assembler_advance(&a, 536);
        expect_ranges(&a, NULL, 0);
    }
}

/* Segments from the last to the first: one range growing downwards until the first byte
 * arrives. */
static void test_reversed(void **state)
{
    (void)state;
    struct tapir__assembler a;
    tapir__assembler_init(&a);
    const uint32_t total = 1000, seg = 37;
    uint32_t nseg = (total + seg - 1) / seg;
    for (uint32_t k = nseg; k-- > 0;) {
        uint32_t off = k * seg, len = total - off < seg ? total - off : seg;
        assert_int_equal(tapir__assembler_add(&a, off, len), 0);
        expect_ranges(&a, &(range_t){off, total}, 1);
        assert_int_equal(tapir__assembler_front(&a), k == 0 ? total : 0);
    }
    tapir__assembler_advance(&a, total);
    expect_ranges(&a, NULL, 0);
}

/* Every way a new range can sit against {[100,200), [300,400)}. */
static void test_overlaps(void **state)
{
    (void)state;
    static const struct {
        uint32_t start, end;
        unsigned n;
        range_t want[3];
    } cases[] = {
        {50, 60, 3, {{50, 60}, {100, 200}, {300, 400}}},     /* disjoint, before */
        {90, 100, 2, {{90, 200}, {300, 400}}},               /* touches the start */
        {90, 101, 2, {{90, 200}, {300, 400}}},               /* overlaps the start */
        {100, 150, 2, {{100, 200}, {300, 400}}},             /* inside, same start */
        {120, 130, 2, {{100, 200}, {300, 400}}},             /* strictly inside */
        {150, 200, 2, {{100, 200}, {300, 400}}},             /* inside, same end */
        {100, 200, 2, {{100, 200}, {300, 400}}},             /* exact duplicate */
        {90, 210, 2, {{90, 210}, {300, 400}}},               /* covers it */
        {150, 250, 2, {{100, 250}, {300, 400}}},             /* overlaps the end */
        {199, 250, 2, {{100, 250}, {300, 400}}},             /* overlaps the last byte */
        {200, 210, 2, {{100, 210}, {300, 400}}},             /* touches the end */
        {210, 220, 3, {{100, 200}, {210, 220}, {300, 400}}}, /* in the gap */
        {201, 299, 3, {{100, 200}, {201, 299}, {300, 400}}}, /* gap, one byte each side */
        {200, 299, 2, {{100, 299}, {300, 400}}},             /* touches the first only */
        {201, 300, 2, {{100, 200}, {201, 400}}},             /* touches the second only */
        {200, 300, 1, {{100, 400}}},                         /* fills the gap exactly */
        {150, 350, 1, {{100, 400}}},                         /* bridges both */
        {100, 400, 1, {{100, 400}}},                         /* spans both exactly */
        {50, 500, 1, {{50, 500}}},                           /* covers both */
        {400, 410, 2, {{100, 200}, {300, 410}}},             /* touches the last end */
        {401, 410, 3, {{100, 200}, {300, 400}, {401, 410}}}, /* disjoint, after */
        {0, 100, 2, {{0, 200}, {300, 400}}},                 /* from 0, touching */
        {0, 99, 3, {{0, 99}, {100, 200}, {300, 400}}},       /* from 0, short of it */
        {0, 1000, 1, {{0, 1000}}},                           /* everything */
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        struct tapir__assembler a;
        tapir__assembler_init(&a);
        assert_int_equal(tapir__assembler_add(&a, 300, 100), 0);
        assert_int_equal(tapir__assembler_add(&a, 100, 100), 0);
        assert_int_equal(tapir__assembler_add(&a, cases[c].start, cases[c].end - cases[c].start),
                         0);
        expect_ranges(&a, cases[c].want, cases[c].n);
        assert_int_equal(tapir__assembler_front(&a),
                         cases[c].want[0].start == 0 ? cases[c].want[0].end : 0);
        /* The range holding the new one is the most recent. */
        range_t first;
        assert_int_equal(tapir__assembler_recent(&a, &first, 1), 1);
        assert_true(first.start <= cases[c].start && cases[c].end <= first.end);
    }
}

static void test_duplicates(void **state)
{
    (void)state;
    struct tapir__assembler a;
    tapir__assembler_init(&a);
    for (int i = 0; i < 5; i++) {
        assert_int_equal(tapir__assembler_add(&a, 10, 10), 0);
        assert_int_equal(tapir__assembler_add(&a, 30, 10), 0);
        expect_ranges(&a, (range_t[]){{10, 20}, {30, 40}}, 2);
    }
    /* A duplicate makes its range the most recent again. */
    expect_recent(&a, (range_t[]){{30, 40}, {10, 20}}, 2);
    assert_int_equal(tapir__assembler_add(&a, 12, 3), 0);
    expect_recent(&a, (range_t[]){{10, 20}, {30, 40}}, 2);
    expect_ranges(&a, (range_t[]){{10, 20}, {30, 40}}, 2);
    /* A duplicate of delivered data, then of the front. */
    assert_int_equal(tapir__assembler_add(&a, 0, 10), 0);
    assert_int_equal(tapir__assembler_front(&a), 20);
    assert_int_equal(tapir__assembler_add(&a, 0, 10), 0);
    assert_int_equal(tapir__assembler_front(&a), 20);
    tapir__assembler_advance(&a, 20);
    expect_ranges(&a, (range_t[]){{10, 20}}, 1);
}

/* Exactly MAX ranges beyond offset 0 are accepted; the next one is refused with nothing
 * changed; merging ranges and in-order data still go in. */
static void test_bound(void **state)
{
    (void)state;
    struct tapir__assembler a;
    tapir__assembler_init(&a);
    range_t want[MAX + 1];
    for (uint32_t k = 0; k < MAX; k++) {
        /* Added from the highest down, so each lands at index 0. */
        uint32_t off = 10 * (MAX - k);
        assert_int_equal(tapir__assembler_add(&a, off, 5), 0);
        assert_int_equal(tapir__assembler_count(&a), k + 1);
    }
    for (uint32_t k = 0; k < MAX; k++)
        want[k] = (range_t){10 * (k + 1), 10 * (k + 1) + 5};
    expect_ranges(&a, want, MAX);

    struct tapir__assembler before = a;
    /* Disjoint beyond the front: before, between, after the others. */
    const uint32_t refused[][2] = {{3, 4}, {1, 8}, {16, 3}, {10 * MAX + 6, 1}, {1u << 30, 100}};
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        assert_int_equal(tapir__assembler_add(&a, refused[i][0], refused[i][1]), TAPIR_ENOBUFS);
        assert_memory_equal(&a, &before, sizeof a);
    }
    /* Touching one: merges, no new range needed. */
    assert_int_equal(tapir__assembler_add(&a, 15, 2), 0);
    want[0] = (range_t){10, 17};
    expect_ranges(&a, want, MAX);
    /* Bridging two frees one, so one new range fits again, and then no more. */
    assert_int_equal(tapir__assembler_add(&a, 17, 3), 0);
    assert_int_equal(tapir__assembler_count(&a), MAX - 1);
    assert_int_equal(tapir__assembler_add(&a, 1000, 1), 0);
    assert_int_equal(tapir__assembler_add(&a, 2000, 1), TAPIR_ENOBUFS);
    assert_int_equal(tapir__assembler_count(&a), MAX);

    /* In-order data is never refused: the range at 0 is extra. */
    assert_int_equal(tapir__assembler_add(&a, 0, 3), 0);
    assert_int_equal(tapir__assembler_count(&a), MAX + 1);
    assert_int_equal(tapir__assembler_front(&a), 3);
    before = a;
    assert_int_equal(tapir__assembler_add(&a, 5, 1), TAPIR_ENOBUFS);
    assert_memory_equal(&a, &before, sizeof a);
    /* Growing the front range is fine too. */
    assert_int_equal(tapir__assembler_add(&a, 3, 2), 0);
    assert_int_equal(tapir__assembler_front(&a), 5);
    tapir__assembler_advance(&a, 5);
    assert_int_equal(tapir__assembler_count(&a), MAX);
    assert_int_equal(tapir__assembler_add(&a, 1, 1), TAPIR_ENOBUFS);
    range_t r0;
    assert_true(tapir__assembler_range(&a, 0, &r0));
    assert_int_equal(r0.start, 5); /* [10,25) shifted down by 5 */
    assert_int_equal(r0.end, 20);
}

static void test_bad_arguments(void **state)
{
    (void)state;
    struct tapir__assembler a;
    tapir__assembler_init(&a);
    assert_int_equal(tapir__assembler_add(&a, 10, 10), 0);
    struct tapir__assembler before = a;
    assert_int_equal(tapir__assembler_add(&a, UINT32_MAX, 1), TAPIR_EINVAL);
    assert_int_equal(tapir__assembler_add(&a, 1, UINT32_MAX), TAPIR_EINVAL);
    assert_int_equal(tapir__assembler_add(&a, UINT32_MAX - 9, 10), TAPIR_EINVAL);
    assert_memory_equal(&a, &before, sizeof a);
    assert_int_equal(tapir__assembler_add(&a, 15, 0), 0); /* empty: not even recency */
    assert_memory_equal(&a, &before, sizeof a);
    /* Up to the very last offset. */
    assert_int_equal(tapir__assembler_add(&a, UINT32_MAX - 10, 10), 0);
    expect_ranges(&a, (range_t[]){{10, 20}, {UINT32_MAX - 10, UINT32_MAX}}, 2);
    assert_int_equal(tapir__assembler_add(&a, 0, UINT32_MAX), 0);
    expect_ranges(&a, (range_t[]){{0, UINT32_MAX}}, 1);
    assert_int_equal(tapir__assembler_front(&a), UINT32_MAX);
}

static void test_advance(void **state)
{
    (void)state;
    struct tapir__assembler a;
    tapir__assembler_init(&a);
    assert_int_equal(tapir__assembler_add(&a, 0, 10), 0);
    assert_int_equal(tapir__assembler_add(&a, 20, 10), 0);
    assert_int_equal(tapir__assembler_add(&a, 40, 10), 0);
    assert_int_equal(tapir__assembler_add(&a, 60, 10), 0);

    tapir__assembler_advance(&a, 0);
    expect_ranges(&a, (range_t[]){{0, 10}, {20, 30}, {40, 50}, {60, 70}}, 4);
    tapir__assembler_advance(&a, 10); /* the front, exactly */
    expect_ranges(&a, (range_t[]){{10, 20}, {30, 40}, {50, 60}}, 3);
    assert_int_equal(tapir__assembler_front(&a), 0);
    tapir__assembler_advance(&a, 10); /* up to the next range's start */
    expect_ranges(&a, (range_t[]){{0, 10}, {20, 30}, {40, 50}}, 3);
    assert_int_equal(tapir__assembler_front(&a), 10);
    tapir__assembler_advance(&a, 4); /* part of the front */
    expect_ranges(&a, (range_t[]){{0, 6}, {16, 26}, {36, 46}}, 3);
    tapir__assembler_advance(&a, 20); /* past a hole, into a range */
    expect_ranges(&a, (range_t[]){{0, 6}, {16, 26}}, 2);
    assert_int_equal(tapir__assembler_front(&a), 6);
    tapir__assembler_advance(&a, 26); /* up to the last end exactly */
    expect_ranges(&a, NULL, 0);
    assert_int_equal(tapir__assembler_add(&a, 5, 5), 0);
    tapir__assembler_advance(&a, UINT32_MAX); /* beyond everything */
    expect_ranges(&a, NULL, 0);
}

/* RFC 2018 §4: most recently touched first, including after merges and advances. */
static void test_sack_order(void **state)
{
    (void)state;
    struct tapir__assembler a;
    tapir__assembler_init(&a);
    assert_int_equal(tapir__assembler_add(&a, 50, 10), 0);
    assert_int_equal(tapir__assembler_add(&a, 10, 10), 0);
    assert_int_equal(tapir__assembler_add(&a, 90, 10), 0);
    assert_int_equal(tapir__assembler_add(&a, 30, 10), 0);
    expect_recent(&a, (range_t[]){{30, 40}, {90, 100}, {10, 20}, {50, 60}}, 4);

    /* Only as many as asked: a SACK option has room for 3 or 4 blocks. */
    range_t got[4];
    assert_int_equal(tapir__assembler_recent(&a, got, 2), 2);
    assert_int_equal(got[0].start, 30);
    assert_int_equal(got[1].start, 90);
    assert_int_equal(tapir__assembler_recent(&a, got, 0), 0);

    assert_int_equal(tapir__assembler_add(&a, 60, 5), 0); /* extends [50,60) */
    expect_recent(&a, (range_t[]){{50, 65}, {30, 40}, {90, 100}, {10, 20}}, 4);
    assert_int_equal(tapir__assembler_add(&a, 20, 10), 0); /* bridges [10,20) and [30,40) */
    expect_recent(&a, (range_t[]){{10, 40}, {50, 65}, {90, 100}}, 3);
    assert_int_equal(tapir__assembler_add(&a, 95, 1), 0); /* a duplicate */
    expect_recent(&a, (range_t[]){{90, 100}, {10, 40}, {50, 65}}, 3);
    tapir__assembler_advance(&a, 15); /* keeps the order */
    expect_recent(&a, (range_t[]){{75, 85}, {0, 25}, {35, 50}}, 3);
    tapir__assembler_advance(&a, 25);
    expect_recent(&a, (range_t[]){{50, 60}, {10, 25}}, 2);
}

/* After 2^32 segments the stamps are renumbered, in the same order. */
static void test_stamp_wrap(void **state)
{
    (void)state;
    struct tapir__assembler a;
    tapir__assembler_init(&a);
    a.clock = UINT32_MAX - 3;
    assert_int_equal(tapir__assembler_add(&a, 10, 1), 0);
    assert_int_equal(tapir__assembler_add(&a, 30, 1), 0);
    assert_int_equal(tapir__assembler_add(&a, 20, 1), 0);
    assert_int_equal(a.clock, UINT32_MAX);
    expect_recent(&a, (range_t[]){{20, 21}, {30, 31}, {10, 11}}, 3);
    assert_int_equal(tapir__assembler_add(&a, 40, 1), 0);
    assert_int_equal(a.clock, 4); /* 1..3 for the old ones, 4 for the new */
    expect_recent(&a, (range_t[]){{40, 41}, {20, 21}, {30, 31}, {10, 11}}, 4);
    assert_int_equal(tapir__assembler_add(&a, 30, 1), 0);
    expect_recent(&a, (range_t[]){{30, 31}, {40, 41}, {20, 21}, {10, 11}}, 4);
}

/* ---- whole streams through a ring ------------------------------------------------------ */

#define STREAM_MAX 3000

static uint8_t stream_byte(uint32_t i)
{
    return (uint8_t)(i * 31 + (i >> 8) * 7 + 1);
}

/* The assembler's ranges must be exactly the runs of `have` (offsets from the receive
 * point), and its front the run at 0. */
static void expect_bitmap(const struct tapir__assembler *a, const bool *have, uint32_t n)
{
    unsigned idx = 0;
    for (uint32_t i = 0; i < n;) {
        if (!have[i]) {
            i++;
            continue;
        }
        uint32_t j = i;
        while (j < n && have[j])
            j++;
        range_t r;
        assert_true(tapir__assembler_range(a, idx++, &r));
        assert_int_equal(r.start, i);
        assert_int_equal(r.end, j);
        i = j;
    }
    assert_int_equal(tapir__assembler_count(a), idx);
    uint32_t front = 0;
    while (front < n && have[front])
        front++;
    assert_int_equal(tapir__assembler_front(a), front);
}

struct segment {
    uint32_t start, len;
};

/* Receive segments[order[..]] of a `total`-byte stream through a ring of `cap` bytes and an
 * assembler, as a TCP receiver would, reading the ring out whenever it is more than half
 * full. A refused segment (the range bound) goes to the back of the queue, as a
 * retransmission would; a segment beyond the window likewise. Every byte must be read
 * once, in order, and nothing be left over. Returns how many segments the bound refused. */
static unsigned receive_stream(uint32_t total, const struct segment *segs, size_t nseg, size_t cap,
                               uint64_t seed)
{
    static uint8_t buf[STREAM_MAX], got[STREAM_MAX];
    static bool have[STREAM_MAX];            /* by absolute stream offset */
    static size_t queue[4 * STREAM_MAX + 1]; /* circular: one pop, at most one push */
    const size_t qcap = sizeof queue / sizeof queue[0];
    assert_true(nseg < qcap);
    uint8_t data[STREAM_MAX];
    memset(buf, 0xa5, sizeof buf);
    memset(have, 0, sizeof have);
    struct tapir__byte_ring ring;
    tapir__byte_ring_init(&ring, buf, cap);
    struct tapir__assembler a;
    tapir__assembler_init(&a);
    struct tapir_prng p;
    tapir_prng_seed(&p, seed);

    for (size_t i = 0; i < nseg; i++)
        queue[i] = i;
    size_t qhead = 0, qtail = nseg;
    uint32_t rcv = 0, nread = 0; /* absolute: next expected byte, bytes read */
    unsigned refused = 0;
    while (qhead != qtail) {
        /* The application reads now and then, and whenever the ring is over half full. */
        if (tapir__byte_ring_len(&ring) * 2 > cap || tapir_prng_next(&p) % 4 == 0) {
            size_t want = (size_t)(tapir_prng_next(&p) % (cap + 1));
            nread += (uint32_t)tapir__byte_ring_read(&ring, got + nread, want);
        }
        const struct segment *s = &segs[queue[qhead]];
        qhead = (qhead + 1) % qcap;
        uint32_t end = s->start + s->len;
        if (end <= rcv)
            continue; /* wholly old: a receiver acknowledges and drops it */
        uint32_t start = s->start > rcv ? s->start : rcv;
        for (uint32_t k = start; k < end; k++)
            data[k - start] = stream_byte(k);
        uint32_t off = start - rcv;
        size_t n = tapir__byte_ring_write_at(&ring, off, data, end - start);
        bool again = n < end - start; /* some of it beyond the window: it comes again */
        if (again) {
            queue[qtail] = (size_t)(s - segs);
            qtail = (qtail + 1) % qcap;
        }
        if (n == 0)
            continue;
        /* Would the bound refuse it? Count the runs of `have` beyond rcv with it added. */
        unsigned runs = 0, runs_with = 0;
        bool prev = false, prev_with = false;
        for (uint32_t k = rcv; k < total; k++) {
            bool h = have[k], hw = h || (k >= start && k < start + n);
            runs += h && !prev && k > rcv;
            runs_with += hw && !prev_with && k > rcv;
            prev = h;
            prev_with = hw;
        }
        int rc = tapir__assembler_add(&a, off, (uint32_t)n);
        if (runs_with > MAX) {
            assert_int_equal(rc, TAPIR_ENOBUFS);
            assert_int_equal(runs, MAX);
            refused++;
            if (!again) {
                queue[qtail] = (size_t)(s - segs);
                qtail = (qtail + 1) % qcap;
            }
            continue;
        }
        assert_int_equal(rc, 0);
        for (uint32_t k = start; k < start + n; k++)
            have[k] = true;
        expect_bitmap(&a, have + rcv, total - rcv);

        uint32_t ready = tapir__assembler_front(&a);
        assert_int_equal(tapir__byte_ring_commit(&ring, ready), ready);
        tapir__assembler_advance(&a, ready);
        rcv += ready;
        expect_bitmap(&a, have + rcv, total - rcv);
        assert_int_equal(tapir__byte_ring_len(&ring), rcv - nread);
    }
    nread += (uint32_t)tapir__byte_ring_read(&ring, got + nread, cap);
    assert_int_equal(rcv, total);
    assert_int_equal(nread, total);
    for (uint32_t k = 0; k < total; k++)
        assert_int_equal(got[k], stream_byte(k));
    assert_int_equal(tapir__assembler_count(&a), 0);
    assert_int_equal(tapir__byte_ring_len(&ring), 0);
    return refused;
}

static size_t cut(uint32_t total, uint32_t size, struct segment *segs)
{
    size_t n = 0;
    for (uint32_t off = 0; off < total; off += size)
        segs[n++] = (struct segment){off, total - off < size ? total - off : size};
    return n;
}

static void shuffle(struct segment *segs, size_t n, struct tapir_prng *p)
{
    for (size_t i = n; i-- > 1;) {
        size_t j = (size_t)(tapir_prng_next(p) % (i + 1));
        struct segment t = segs[i];
        segs[i] = segs[j];
        segs[j] = t;
    }
}

static void test_stream_orders(void **state)
{
    (void)state;
    static struct segment segs[4 * STREAM_MAX];
    /* In order and reversed, with a ring as large as the stream. */
    size_t n = cut(2000, 100, segs);
    assert_int_equal(receive_stream(2000, segs, n, 2000, 1), 0);
    for (size_t i = 0; i < n / 2; i++) {
        struct segment t = segs[i];
        segs[i] = segs[n - 1 - i];
        segs[n - 1 - i] = t;
    }
    assert_int_equal(receive_stream(2000, segs, n, 2000, 2), 0);

    /* Random permutations, segment sizes from 1 byte up, rings small and large. */
    unsigned refused = 0;
    struct tapir_prng p;
    tapir_prng_seed(&p, 42);
    for (int round = 0; round < 200; round++) {
        uint32_t total = 1 + (uint32_t)(tapir_prng_next(&p) % 2500);
        uint32_t size = 1 + (uint32_t)(tapir_prng_next(&p) % 200);
        n = cut(total, size, segs);
        shuffle(segs, n, &p);
        size_t cap = 1 + (size_t)(tapir_prng_next(&p) % STREAM_MAX);
        refused += receive_stream(total, segs, n, cap, (uint64_t)round);
    }
    assert_true(refused > 0); /* the bound was reached on the way */
}

/* Segments with random boundaries, overlapping each other, plus retransmissions of random
 * pieces: still every byte exactly once. */
static void test_stream_overlapping(void **state)
{
    (void)state;
    static struct segment segs[4 * STREAM_MAX];
    unsigned refused = 0;
    struct tapir_prng p;
    tapir_prng_seed(&p, 7);
    for (int round = 0; round < 200; round++) {
        uint32_t total = 1 + (uint32_t)(tapir_prng_next(&p) % 2000);
        size_t n = 0;
        for (uint32_t off = 0; off < total;) {
            uint32_t len = 1 + (uint32_t)(tapir_prng_next(&p) % 40);
            if (len > total - off)
                len = total - off;
            segs[n++] = (struct segment){off, len};
            /* The next one starts somewhere in this one, or right after it. */
            off += 1 + (uint32_t)(tapir_prng_next(&p) % len);
        }
        size_t extra = (size_t)(tapir_prng_next(&p) % (n + 1));
        for (size_t i = 0; i < extra; i++) {
            uint32_t start = (uint32_t)(tapir_prng_next(&p) % total);
            uint32_t len = 1 + (uint32_t)(tapir_prng_next(&p) % 60);
            segs[n++] = (struct segment){start, len < total - start ? len : total - start};
        }
        shuffle(segs, n, &p);
        size_t cap = 1 + (size_t)(tapir_prng_next(&p) % STREAM_MAX);
        refused += receive_stream(total, segs, n, cap, (uint64_t)round + 1000);
    }
    assert_true(refused > 0);
}

/* Enough alternate segments to hit the bound: the refused ones come back later and the
 * stream still completes. */
static void test_stream_bound(void **state)
{
    (void)state;
    static struct segment segs[4 * STREAM_MAX];
    size_t n = 0;
    /* Odd segments first (MAX + 10 holes), then the even ones. */
    for (uint32_t k = 1; k < 2 * (MAX + 10); k += 2)
        segs[n++] = (struct segment){k * 10, 10};
    for (uint32_t k = 0; k < 2 * (MAX + 10); k += 2)
        segs[n++] = (struct segment){k * 10, 10};
    /* The first MAX odd ones are kept, the other 10 refused once. */
    assert_int_equal(receive_stream(2 * (MAX + 10) * 10, segs, n, STREAM_MAX, 5), 10);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty),         cmocka_unit_test(test_in_order),
        cmocka_unit_test(test_reversed),      cmocka_unit_test(test_overlaps),
        cmocka_unit_test(test_duplicates),    cmocka_unit_test(test_bound),
        cmocka_unit_test(test_bad_arguments), cmocka_unit_test(test_advance),
        cmocka_unit_test(test_sack_order),    cmocka_unit_test(test_stamp_wrap),
        cmocka_unit_test(test_stream_orders), cmocka_unit_test(test_stream_overlapping),
        cmocka_unit_test(test_stream_bound),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
