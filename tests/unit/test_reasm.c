/* IPv4 and IPv6 fragment reassembly (src/iface/reasm.c): every order, duplicates,
 * overlaps, limits, malformed fragments and timeouts on a virtual clock, each run for both
 * versions, with the reassembled bytes and the counters checked exactly. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "tapir/priv/reasm.h"

#define TIMEOUT_US (60 * (tapir_instant)TAPIR_US_PER_S) /* RFC 8200 §4.5, RFC 1122 §3.3.2 */
#define T0         1000000                              /* the virtual clock's start */

/* The slots' buffers: one block, as the interface carves it from its memory. */
static uint8_t mem[TAPIR_REASM_SLOTS * TAPIR_REASM_BUF_LEN];

/* Each test runs once per IP version on a fresh reassembler. */
struct fixture {
    uint8_t version;
    struct tapir__reasm r;
};
static struct fixture fx4 = {.version = 4};
static struct fixture fx6 = {.version = 6};

static int setup(void **state)
{
    struct fixture *f = *state;
    memset(mem, 0xa5, sizeof mem);
    tapir__reasm_init(&f->r, mem, TIMEOUT_US);
    return 0;
}

/* A datagram to fragment: its key, its payload (byte i is (uint8_t)(i*7+3+salt), so
 * misplaced data shows) and, for IPv4, the header every fragment carries. Room beyond
 * 65535 bytes lets the oversize tests hand in fragments that reach past the limit. */
struct dgram {
    uint8_t version;
    struct tapir_ip_addr src, dst;
    uint8_t protocol;
    uint32_t ident;
    size_t len;
    uint8_t header[24];
    size_t header_len;
    uint8_t data[TAPIR_REASM_BUF_LEN + 64];
};
static struct dgram dg_a, dg_b, dg_c;

static void dgram_init(struct dgram *d, uint8_t version, uint8_t src_host, uint8_t protocol,
                       uint32_t ident, size_t len, uint8_t salt)
{
    memset(d, 0, sizeof *d);
    d->version = version;
    d->protocol = protocol;
    d->ident = ident;
    d->len = len;
    d->src.version = version;
    d->dst.version = version;
    if (version == 4) {
        const uint8_t s[4] = {192, 0, 2, src_host}, t[4] = {198, 51, 100, 1};
        memcpy(d->src.v4.bytes, s, 4);
        memcpy(d->dst.v4.bytes, t, 4);
        /* Version 4, IHL 5, MF set, TTL 64; the rest does not matter here. */
        static const uint8_t h[20] = {0x45, 0, 0x05, 0xdc, 0, 0, 0x20, 0, 64, 0, 0x12, 0x34};
        memcpy(d->header, h, sizeof h);
        d->header[4] = (uint8_t)(ident >> 8);
        d->header[5] = (uint8_t)ident;
        d->header[9] = protocol;
        memcpy(d->header + 12, s, 4);
        memcpy(d->header + 16, t, 4);
        d->header_len = sizeof h;
    } else {
        const uint8_t s[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = src_host};
        const uint8_t t[16] = {0x20, 0x01, 0x0d, 0xb8, [13] = 1, [15] = 1};
        memcpy(d->src.v6.bytes, s, 16);
        memcpy(d->dst.v6.bytes, t, 16);
    }
    for (size_t i = 0; i < sizeof d->data; i++)
        d->data[i] = (uint8_t)(i * 7 + 3 + salt);
}

/* Hand one fragment of `d` to the reassembler, as the interface would: for IPv4 with the
 * fragment's header, for IPv6 with the next header from the fragment header. */
static int add_proto(struct fixture *f, tapir_instant now, const struct dgram *d, uint8_t protocol,
                     uint32_t off, size_t len, bool more, struct tapir__reasm_out *out)
{
    return tapir__reasm_add(&f->r, now, d->version, &d->src, &d->dst, protocol, d->ident, off, more,
                            d->data + off, len, d->version == 4 ? d->header : NULL,
                            d->version == 4 ? d->header_len : 0, out);
}

static int add(struct fixture *f, tapir_instant now, const struct dgram *d, uint32_t off,
               size_t len, bool more, struct tapir__reasm_out *out)
{
    return add_proto(f, now, d, d->protocol, off, len, more, out);
}

static void expect_complete(const struct tapir__reasm_out *out, const struct dgram *d)
{
    assert_int_equal(out->payload_len, d->len);
    assert_int_equal(out->protocol, d->protocol);
    assert_memory_equal(out->payload, d->data, d->len);
    /* Reassembled in place, in one of the slots' buffers. */
    assert_true(out->payload >= mem && out->payload + out->payload_len <= mem + sizeof mem);
    assert_int_equal((size_t)(out->payload - mem) % TAPIR_REASM_BUF_LEN, 0);
}

static void expect_stats(const struct fixture *f, uint64_t completed, uint64_t overlaps,
                         uint64_t too_many, uint64_t oversize, uint64_t no_slot, uint64_t timeouts,
                         uint64_t malformed)
{
    const struct tapir__reasm_stats *s = &f->r.stats;
    assert_int_equal(s->completed, completed);
    assert_int_equal(s->overlaps, overlaps);
    assert_int_equal(s->too_many, too_many);
    assert_int_equal(s->oversize, oversize);
    assert_int_equal(s->no_slot, no_slot);
    assert_int_equal(s->timeouts, timeouts);
    assert_int_equal(s->malformed, malformed);
}

static unsigned slots_used(const struct fixture *f)
{
    unsigned n = 0;
    for (size_t i = 0; i < TAPIR_REASM_SLOTS; i++)
        n += f->r.slots[i].used;
    return n;
}

/* Fragments of `size` bytes (a multiple of 8) and a shorter last one. */
struct frag {
    uint32_t off;
    size_t len;
    bool more;
};

static size_t split(size_t len, size_t size, struct frag *frags)
{
    size_t n = 0;
    for (size_t off = 0; off < len; off += size, n++) {
        frags[n].off = (uint32_t)off;
        frags[n].len = len - off < size ? len - off : size;
        frags[n].more = off + size < len;
    }
    return n;
}

/* Feed the fragments in `order`; all but the last to arrive are PENDING, the last
 * completes the datagram with exactly its bytes. */
static void feed_all(struct fixture *f, tapir_instant now, const struct dgram *d,
                     const struct frag *frags, const size_t *order, size_t n)
{
    struct tapir__reasm_out out;
    for (size_t i = 0; i < n; i++) {
        const struct frag *g = &frags[order[i]];
        int rc = add(f, now, d, g->off, g->len, g->more, &out);
        if (i + 1 < n) {
            assert_int_equal(rc, TAPIR__REASM_PENDING);
        } else {
            assert_int_equal(rc, TAPIR__REASM_COMPLETE);
            expect_complete(&out, d);
        }
    }
}

static void identity(size_t *order, size_t n)
{
    for (size_t i = 0; i < n; i++)
        order[i] = i;
}

/* xorshift32: a seeded, reproducible shuffle. */
static uint32_t next_rand(uint32_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 17;
    *x ^= *x << 5;
    return *x;
}

static void shuffle(size_t *order, size_t n, uint32_t seed)
{
    uint32_t x = seed;
    identity(order, n);
    for (size_t i = n - 1; i > 0; i--) {
        size_t j = next_rand(&x) % (i + 1);
        size_t t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
}

static void test_in_order(void **state)
{
    struct fixture *f = *state;
    struct frag frags[8];
    size_t order[8];
    dgram_init(&dg_a, f->version, 2, 17, 0x1234, 5000, 0);
    size_t n = split(dg_a.len, 1480, frags);
    assert_int_equal(n, 4);
    identity(order, n);
    feed_all(f, T0, &dg_a, frags, order, n);
    expect_stats(f, 1, 0, 0, 0, 0, 0, 0);
    assert_int_equal(slots_used(f), 0);
    assert_true(tapir__reasm_poll_at(&f->r) == TAPIR_INSTANT_NEVER);
}

static void test_reversed(void **state)
{
    struct fixture *f = *state;
    struct frag frags[8];
    size_t order[8];
    dgram_init(&dg_a, f->version, 2, 6, 0x1235, 4001, 1);
    size_t n = split(dg_a.len, 1000, frags);
    assert_int_equal(n, 5);
    for (size_t i = 0; i < n; i++)
        order[i] = n - 1 - i;
    feed_all(f, T0, &dg_a, frags, order, n);
    expect_stats(f, 1, 0, 0, 0, 0, 0, 0);
    assert_int_equal(slots_used(f), 0);
}

static void test_random_permutations(void **state)
{
    struct fixture *f = *state;
    struct frag frags[TAPIR_REASM_MAX_FRAGS];
    size_t order[TAPIR_REASM_MAX_FRAGS];
    const unsigned rounds = 50;
    for (unsigned round = 0; round < rounds; round++) {
        /* Up to exactly TAPIR_REASM_MAX_FRAGS fragments (the most a datagram may have),
         * with a last fragment of 1 to 8 bytes. */
        size_t len = 8 * (TAPIR_REASM_MAX_FRAGS - 1 - round % 8) + 1 + round % 8;
        dgram_init(&dg_a, f->version, 2, 17, 0x100 + round, len, (uint8_t)round);
        size_t n = split(len, 8, frags);
        assert_true(n <= TAPIR_REASM_MAX_FRAGS);
        shuffle(order, n, 0x9e3779b9u + round);
        feed_all(f, T0 + round, &dg_a, frags, order, n);
    }
    expect_stats(f, rounds, 0, 0, 0, 0, 0, 0);
    assert_int_equal(slots_used(f), 0);
}

static void test_duplicates_ignored(void **state)
{
    struct fixture *f = *state;
    struct tapir__reasm_out out;
    dgram_init(&dg_a, f->version, 2, 17, 0x2000, 3000, 5);
    /* [0,1024) [1024,2048) [2048,3000), each sent more than once, the last one too. */
    assert_int_equal(add(f, T0, &dg_a, 1024, 1024, true, &out), TAPIR__REASM_PENDING);
    assert_int_equal(add(f, T0, &dg_a, 1024, 1024, true, &out), TAPIR__REASM_PENDING);
    assert_int_equal(add(f, T0, &dg_a, 2048, 952, false, &out), TAPIR__REASM_PENDING);
    assert_int_equal(add(f, T0, &dg_a, 2048, 952, false, &out), TAPIR__REASM_PENDING);
    assert_int_equal(add(f, T0, &dg_a, 1024, 1024, true, &out), TAPIR__REASM_PENDING);
    assert_int_equal(f->r.slots[0].range_count, 2); /* duplicates store nothing */
    assert_int_equal(add(f, T0, &dg_a, 0, 1024, true, &out), TAPIR__REASM_COMPLETE);
    expect_complete(&out, &dg_a);
    expect_stats(f, 1, 0, 0, 0, 0, 0, 0);

    /* A copy arriving after completion starts a new datagram, which later times out. */
    assert_int_equal(add(f, T0 + 1, &dg_a, 0, 1024, true, &out), TAPIR__REASM_PENDING);
    assert_int_equal(tapir__reasm_expire(&f->r, T0 + 1 + TIMEOUT_US, NULL), 1);
    expect_stats(f, 1, 0, 0, 0, 0, 1, 0);
}

/* One overlapping fragment against one stored fragment: the datagram is discarded, and a
 * fresh full set with the same key then reassembles cleanly (nothing of the discarded
 * datagram remains). */
static void overlap_case(struct fixture *f, uint32_t stored_off, size_t stored_len,
                         uint32_t new_off, size_t new_len, uint64_t nth)
{
    struct tapir__reasm_out out;
    struct frag frags[8];
    size_t order[8];
    dgram_init(&dg_a, f->version, 2, 17, 0x3000, 2000, 9);
    assert_int_equal(add(f, T0, &dg_a, stored_off, stored_len, true, &out), TAPIR__REASM_PENDING);
    assert_int_equal(add(f, T0, &dg_a, new_off, new_len, true, &out), TAPIR__REASM_OVERLAP);
    assert_null(out.payload);
    assert_int_equal(slots_used(f), 0);
    assert_true(tapir__reasm_poll_at(&f->r) == TAPIR_INSTANT_NEVER);
    expect_stats(f, nth - 1, nth, 0, 0, 0, 0, 0);

    size_t n = split(dg_a.len, 512, frags);
    shuffle(order, n, (uint32_t)nth);
    feed_all(f, T0 + 1, &dg_a, frags, order, n);
    expect_stats(f, nth, nth, 0, 0, 0, 0, 0);
}

static void test_overlaps_discard(void **state)
{
    struct fixture *f = *state;
    overlap_case(f, 64, 64, 32, 64, 1);    /* overlaps the start of a stored fragment */
    overlap_case(f, 64, 64, 96, 64, 2);    /* overlaps its end */
    overlap_case(f, 0, 128, 32, 32, 3);    /* in its middle */
    overlap_case(f, 64, 64, 32, 128, 4);   /* covers it */
    overlap_case(f, 64, 64, 64, 128, 5);   /* same start, longer */
    overlap_case(f, 128, 1024, 0, 136, 6); /* one byte-unit into it */

    /* Same offset and length but other bytes: not a duplicate, an overlap. */
    struct tapir__reasm_out out;
    dgram_init(&dg_a, f->version, 2, 17, 0x3001, 2000, 9);
    dgram_init(&dg_b, f->version, 2, 17, 0x3001, 2000, 10);
    assert_int_equal(add(f, T0, &dg_a, 512, 512, true, &out), TAPIR__REASM_PENDING);
    assert_int_equal(add(f, T0, &dg_b, 512, 512, true, &out), TAPIR__REASM_OVERLAP);
    expect_stats(f, 6, 7, 0, 0, 0, 0, 0);
    /* And an overlap with the last fragment. */
    assert_int_equal(add(f, T0, &dg_a, 1536, 464, false, &out), TAPIR__REASM_PENDING);
    assert_int_equal(add(f, T0, &dg_a, 1024, 520, true, &out), TAPIR__REASM_OVERLAP);
    expect_stats(f, 6, 8, 0, 0, 0, 0, 0);
    assert_int_equal(slots_used(f), 0);
}

static void test_too_many(void **state)
{
    struct fixture *f = *state;
    struct tapir__reasm_out out;
    dgram_init(&dg_a, f->version, 2, 17, 0x4000, 8 * (TAPIR_REASM_MAX_FRAGS + 1), 0);
    for (uint32_t i = 0; i < TAPIR_REASM_MAX_FRAGS; i++)
        assert_int_equal(add(f, T0, &dg_a, 8 * i, 8, true, &out), TAPIR__REASM_PENDING);
    /* At the limit a duplicate is still only a duplicate. */
    assert_int_equal(add(f, T0, &dg_a, 0, 8, true, &out), TAPIR__REASM_PENDING);
    assert_int_equal(add(f, T0, &dg_a, 8 * TAPIR_REASM_MAX_FRAGS, 8, false, &out),
                     TAPIR__REASM_TOO_MANY);
    expect_stats(f, 0, 0, 1, 0, 0, 0, 0);
    assert_int_equal(slots_used(f), 0);

    /* Exactly TAPIR_REASM_MAX_FRAGS fragments is allowed (also covered by the random
     * permutations): the same key starts over and completes. */
    dg_a.len = 8 * TAPIR_REASM_MAX_FRAGS;
    for (uint32_t i = TAPIR_REASM_MAX_FRAGS; i-- > 1;)
        assert_int_equal(add(f, T0, &dg_a, 8 * i, 8, i + 1 < TAPIR_REASM_MAX_FRAGS, &out),
                         TAPIR__REASM_PENDING);
    assert_int_equal(add(f, T0, &dg_a, 0, 8, true, &out), TAPIR__REASM_COMPLETE);
    expect_complete(&out, &dg_a);
    expect_stats(f, 1, 0, 1, 0, 0, 0, 0);
}

static void test_oversize(void **state)
{
    struct fixture *f = *state;
    struct tapir__reasm_out out;
    dgram_init(&dg_a, f->version, 2, 17, 0x5000, 65535, 0);
    /* Alone, and discarding the datagram it claims to belong to. */
    assert_int_equal(add(f, T0, &dg_a, 65528, 16, false, &out), TAPIR__REASM_OVERSIZE);
    assert_int_equal(slots_used(f), 0);
    assert_int_equal(add(f, T0, &dg_a, 0, 1024, true, &out), TAPIR__REASM_PENDING);
    assert_int_equal(add(f, T0, &dg_a, 65528, 16, true, &out), TAPIR__REASM_OVERSIZE);
    assert_int_equal(slots_used(f), 0);
    expect_stats(f, 0, 0, 0, 2, 0, 0, 0);

    /* The largest datagram there can be fits: 65535 bytes of IPv6 payload, 65535 minus the
     * 20-byte header for IPv4; one byte more does not. */
    size_t max = f->version == 4 ? 65535 - 20 : 65535;
    struct frag frags[16];
    size_t order[16];
    dg_a.len = max;
    size_t n = split(max, 8192, frags);
    shuffle(order, n, 7);
    feed_all(f, T0, &dg_a, frags, order, n);
    expect_stats(f, 1, 0, 0, 2, 0, 0, 0);
    assert_int_equal(add(f, T0, &dg_a, 0, 8192, true, &out), TAPIR__REASM_PENDING);
    assert_int_equal(
        add(f, T0, &dg_a, 8192 * (uint32_t)(n - 1), max + 1 - 8192 * (n - 1), false, &out),
        TAPIR__REASM_OVERSIZE);
    expect_stats(f, 1, 0, 0, 3, 0, 0, 0);
    assert_int_equal(slots_used(f), 0);

    if (f->version == 4) {
        /* Later fragments checked against their own 20-byte headers fit, but the first
         * fragment's header has 4 bytes of options: the whole no longer fits in 65535. */
        assert_int_equal(
            add(f, T0, &dg_a, 8192 * (uint32_t)(n - 1), max - 8192 * (n - 1), false, &out),
            TAPIR__REASM_PENDING);
        dg_a.header[0] = 0x46;
        dg_a.header_len = 24;
        assert_int_equal(add(f, T0, &dg_a, 0, 8192, true, &out), TAPIR__REASM_OVERSIZE);
        expect_stats(f, 1, 0, 0, 4, 0, 0, 0);
        assert_int_equal(slots_used(f), 0);
        /* The other order: once the first fragment is in, its header sets the limit. */
        assert_int_equal(add(f, T0, &dg_a, 0, 8192, true, &out), TAPIR__REASM_PENDING);
        dg_a.header[0] = 0x45;
        dg_a.header_len = 20;
        assert_int_equal(
            add(f, T0, &dg_a, 8192 * (uint32_t)(n - 1), max - 8192 * (n - 1), false, &out),
            TAPIR__REASM_OVERSIZE);
        expect_stats(f, 1, 0, 0, 5, 0, 0, 0);
        assert_int_equal(slots_used(f), 0);
    }
}

static void test_malformed(void **state)
{
    struct fixture *f = *state;
    struct tapir__reasm_out out;
    dgram_init(&dg_a, f->version, 2, 17, 0x6000, 4000, 0);

    /* A middle fragment whose length is not a multiple of 8 discards the datagram. */
    assert_int_equal(add(f, T0, &dg_a, 0, 1000, true, &out), TAPIR__REASM_PENDING);
    assert_int_equal(add(f, T0, &dg_a, 1000, 1004, true, &out), TAPIR__REASM_MALFORMED);
    assert_int_equal(slots_used(f), 0);
    expect_stats(f, 0, 0, 0, 0, 0, 0, 1);
    /* ... also when it is the first fragment seen (no slot is taken). */
    assert_int_equal(add(f, T0, &dg_a, 1000, 12, true, &out), TAPIR__REASM_MALFORMED);
    assert_int_equal(slots_used(f), 0);
    expect_stats(f, 0, 0, 0, 0, 0, 0, 2);

    /* A second last fragment with another end. */
    assert_int_equal(add(f, T0, &dg_a, 3000, 1000, false, &out), TAPIR__REASM_PENDING);
    assert_int_equal(add(f, T0, &dg_a, 1000, 1000, false, &out), TAPIR__REASM_MALFORMED);
    expect_stats(f, 0, 0, 0, 0, 0, 0, 3);
    /* Data beyond the end the last fragment set ... */
    assert_int_equal(add(f, T0, &dg_a, 1000, 1000, false, &out), TAPIR__REASM_PENDING);
    assert_int_equal(add(f, T0, &dg_a, 2000, 1000, true, &out), TAPIR__REASM_MALFORMED);
    expect_stats(f, 0, 0, 0, 0, 0, 0, 4);
    /* ... or already there when the last fragment comes. */
    assert_int_equal(add(f, T0, &dg_a, 2000, 1000, true, &out), TAPIR__REASM_PENDING);
    assert_int_equal(add(f, T0, &dg_a, 1000, 1000, false, &out), TAPIR__REASM_MALFORMED);
    expect_stats(f, 0, 0, 0, 0, 0, 0, 5);
    /* The same, right at the boundary: 8 bytes just past the end, either order. */
    assert_int_equal(add(f, T0, &dg_a, 1000, 1000, false, &out), TAPIR__REASM_PENDING);
    assert_int_equal(add(f, T0, &dg_a, 2000, 8, true, &out), TAPIR__REASM_MALFORMED);
    assert_int_equal(add(f, T0, &dg_a, 2000, 8, true, &out), TAPIR__REASM_PENDING);
    assert_int_equal(add(f, T0, &dg_a, 1000, 1000, false, &out), TAPIR__REASM_MALFORMED);
    expect_stats(f, 0, 0, 0, 0, 0, 0, 7);
    /* A copy of a fragment that disagrees about being the last. */
    assert_int_equal(add(f, T0, &dg_a, 1000, 1000, true, &out), TAPIR__REASM_PENDING);
    assert_int_equal(add(f, T0, &dg_a, 1000, 1000, false, &out), TAPIR__REASM_MALFORMED);
    expect_stats(f, 0, 0, 0, 0, 0, 0, 8);
    assert_int_equal(add(f, T0, &dg_a, 3000, 1000, false, &out), TAPIR__REASM_PENDING);
    assert_int_equal(add(f, T0, &dg_a, 3000, 1000, true, &out), TAPIR__REASM_MALFORMED);
    expect_stats(f, 0, 0, 0, 0, 0, 0, 9);
    /* An empty fragment, and an offset that is not in 8-byte units. */
    assert_int_equal(add(f, T0, &dg_a, 0, 1000, true, &out), TAPIR__REASM_PENDING);
    assert_int_equal(add(f, T0, &dg_a, 1000, 0, false, &out), TAPIR__REASM_MALFORMED);
    assert_int_equal(add(f, T0, &dg_a, 1004, 8, true, &out), TAPIR__REASM_MALFORMED);
    expect_stats(f, 0, 0, 0, 0, 0, 0, 11);
    assert_int_equal(slots_used(f), 0);

    /* Afterwards the same key reassembles normally. */
    struct frag frags[8];
    size_t order[8];
    size_t n = split(dg_a.len, 1000, frags);
    identity(order, n);
    feed_all(f, T0, &dg_a, frags, order, n);
    expect_stats(f, 1, 0, 0, 0, 0, 0, 11);
}

static void test_timeout(void **state)
{
    struct fixture *f = *state;
    struct tapir__reasm_out out;
    struct tapir__reasm_slot expired;
    const tapir_instant deadline = T0 + TIMEOUT_US;
    dgram_init(&dg_a, f->version, 2, 17, 0x7000, 3000, 0);

    assert_true(tapir__reasm_poll_at(&f->r) == TAPIR_INSTANT_NEVER);
    assert_int_equal(add(f, T0, &dg_a, 0, 1000, true, &out), TAPIR__REASM_PENDING);
    assert_true(tapir__reasm_poll_at(&f->r) == deadline);
    /* Later fragments do not move the deadline. */
    assert_int_equal(add(f, T0 + 10 * TAPIR_US_PER_S, &dg_a, 2000, 1000, false, &out),
                     TAPIR__REASM_PENDING);
    assert_true(tapir__reasm_poll_at(&f->r) == deadline);

    memset(&expired, 0x5a, sizeof expired);
    assert_int_equal(tapir__reasm_expire(&f->r, deadline - 1, &expired), 0);
    assert_false(expired.used);
    assert_int_equal(slots_used(f), 1);
    expect_stats(f, 0, 0, 0, 0, 0, 0, 0);

    assert_int_equal(tapir__reasm_expire(&f->r, deadline, &expired), 1);
    assert_int_equal(slots_used(f), 0);
    assert_true(tapir__reasm_poll_at(&f->r) == TAPIR_INSTANT_NEVER);
    expect_stats(f, 0, 0, 0, 0, 0, 1, 0);
    if (f->version == 4) {
        /* What an ICMP time exceeded needs: the first fragment's header and 8 bytes. */
        assert_true(expired.used);
        assert_int_equal(expired.version, 4);
        assert_int_equal(expired.header_len, 20);
        assert_memory_equal(expired.header, dg_a.header, 20);
        assert_true(tapir_ip_equal(&expired.src, &dg_a.src));
        assert_int_equal(expired.ident, dg_a.ident);
        assert_int_equal(expired.protocol, 17);
        assert_memory_equal(expired.buf, dg_a.data, 8);
    } else {
        assert_false(expired.used);
    }

    /* Without the first fragment there is nothing to quote. */
    assert_int_equal(add(f, T0, &dg_a, 1000, 1000, true, &out), TAPIR__REASM_PENDING);
    assert_int_equal(tapir__reasm_expire(&f->r, deadline, &expired), 1);
    assert_false(expired.used);
    expect_stats(f, 0, 0, 0, 0, 0, 2, 0);

    /* Of several expiring at once, the first slot's is the one copied. */
    dgram_init(&dg_b, f->version, 3, 17, 0x7001, 3000, 1);
    assert_int_equal(add(f, T0, &dg_a, 0, 1000, true, &out), TAPIR__REASM_PENDING);
    assert_int_equal(add(f, T0, &dg_b, 0, 1000, true, &out), TAPIR__REASM_PENDING);
    assert_int_equal(tapir__reasm_expire(&f->r, deadline, &expired), 2);
    assert_int_equal(expired.used, f->version == 4);
    if (f->version == 4)
        assert_int_equal(expired.ident, dg_a.ident);
    expect_stats(f, 0, 0, 0, 0, 0, 4, 0);

    /* Two expire in turn; the earlier deadline is the one poll_at reports. */
    assert_int_equal(add(f, T0 + 5, &dg_b, 0, 1000, true, &out), TAPIR__REASM_PENDING);
    assert_int_equal(add(f, T0 + 3, &dg_a, 0, 1000, true, &out), TAPIR__REASM_PENDING);
    assert_true(tapir__reasm_poll_at(&f->r) == deadline + 3);
    assert_int_equal(tapir__reasm_expire(&f->r, deadline + 3, NULL), 1);
    assert_true(tapir__reasm_poll_at(&f->r) == deadline + 5);
    assert_int_equal(tapir__reasm_expire(&f->r, deadline + 100, &expired), 1);
    assert_int_equal(expired.used, f->version == 4);
    expect_stats(f, 0, 0, 0, 0, 0, 6, 0);

    /* A fragment for a datagram past its deadline that expire has not yet swept starts a
     * new one: the dead datagram counts as a timeout and is never completed. */
    assert_int_equal(add(f, T0, &dg_a, 0, 1000, true, &out), TAPIR__REASM_PENDING);
    assert_int_equal(add(f, T0, &dg_a, 2000, 1000, false, &out), TAPIR__REASM_PENDING);
    assert_int_equal(add(f, deadline, &dg_a, 1000, 1000, true, &out), TAPIR__REASM_PENDING);
    expect_stats(f, 0, 0, 0, 0, 0, 7, 0);
    assert_int_equal(slots_used(f), 1);
    assert_true(tapir__reasm_poll_at(&f->r) == deadline + TIMEOUT_US);
}

static void test_interleaved(void **state)
{
    struct fixture *f = *state;
    struct tapir__reasm_out out;
    struct frag fa[8], fb[8];
    dgram_init(&dg_a, f->version, 2, 17, 0x8001, 5000, 0);
    dgram_init(&dg_b, f->version, 2, 17, 0x8002, 4321, 77);
    size_t na = split(dg_a.len, 1480, fa), nb = split(dg_b.len, 1480, fb);
    assert_int_equal(na, 4);
    assert_int_equal(nb, 3);
    /* a3 b2 a0 b0 a2 b1(completes b) a1(completes a) */
    assert_int_equal(add(f, T0, &dg_a, fa[3].off, fa[3].len, false, &out), TAPIR__REASM_PENDING);
    assert_int_equal(add(f, T0, &dg_b, fb[2].off, fb[2].len, false, &out), TAPIR__REASM_PENDING);
    assert_int_equal(add(f, T0, &dg_a, fa[0].off, fa[0].len, true, &out), TAPIR__REASM_PENDING);
    assert_int_equal(add(f, T0, &dg_b, fb[0].off, fb[0].len, true, &out), TAPIR__REASM_PENDING);
    assert_int_equal(add(f, T0, &dg_a, fa[2].off, fa[2].len, true, &out), TAPIR__REASM_PENDING);
    assert_int_equal(add(f, T0, &dg_b, fb[1].off, fb[1].len, true, &out), TAPIR__REASM_COMPLETE);
    expect_complete(&out, &dg_b);
    assert_int_equal(add(f, T0, &dg_a, fa[1].off, fa[1].len, true, &out), TAPIR__REASM_COMPLETE);
    expect_complete(&out, &dg_a);
    expect_stats(f, 2, 0, 0, 0, 0, 0, 0);
    assert_int_equal(slots_used(f), 0);
}

static void test_no_slot(void **state)
{
    struct fixture *f = *state;
    struct tapir__reasm_out out;
    static struct dgram busy[TAPIR_REASM_SLOTS];
    for (unsigned i = 0; i < TAPIR_REASM_SLOTS; i++) {
        dgram_init(&busy[i], f->version, 2, 17, 0x9000 + i, 2000, (uint8_t)i);
        assert_int_equal(add(f, T0, &busy[i], 0, 1000, true, &out), TAPIR__REASM_PENDING);
    }
    dgram_init(&dg_a, f->version, 2, 17, 0x9100, 2000, 50);
    assert_int_equal(add(f, T0, &dg_a, 0, 1000, true, &out), TAPIR__REASM_NO_SLOT);
    assert_int_equal(add(f, T0 + 1, &dg_a, 1000, 1000, false, &out), TAPIR__REASM_NO_SLOT);
    expect_stats(f, 0, 0, 0, 0, 2, 0, 0);
    /* The busy datagrams were not disturbed; when one completes, its slot serves again. */
    assert_int_equal(add(f, T0, &busy[1], 1000, 1000, false, &out), TAPIR__REASM_COMPLETE);
    expect_complete(&out, &busy[1]);
    assert_int_equal(add(f, T0, &dg_a, 1000, 1000, false, &out), TAPIR__REASM_PENDING);
    assert_int_equal(add(f, T0, &dg_a, 0, 1000, true, &out), TAPIR__REASM_COMPLETE);
    expect_complete(&out, &dg_a);
    for (unsigned i = 0; i < TAPIR_REASM_SLOTS; i++) {
        if (i == 1)
            continue;
        assert_int_equal(add(f, T0, &busy[i], 1000, 1000, false, &out), TAPIR__REASM_COMPLETE);
        expect_complete(&out, &busy[i]);
    }
    expect_stats(f, 1 + TAPIR_REASM_SLOTS, 0, 0, 0, 2, 0, 0);
}

/* Same ident, different source (and, for IPv4, different protocol or destination): separate
 * datagrams, each with its own bytes, even with identical offsets. */
static void test_keys_do_not_mix(void **state)
{
    struct fixture *f = *state;
    struct tapir__reasm_out out;
    dgram_init(&dg_a, f->version, 2, 17, 0xabcd, 2000, 0);
    dgram_init(&dg_b, f->version, 3, 17, 0xabcd, 2000, 100);
    dgram_init(&dg_c, f->version, 2, f->version == 4 ? 6 : 17, 0xabcd, 2000, 200);
    if (f->version == 6)
        dg_c.dst.v6.bytes[15] = 2; /* IPv6 has no protocol in the key: differ by dst */
    assert_int_equal(add(f, T0, &dg_a, 0, 1000, true, &out), TAPIR__REASM_PENDING);
    assert_int_equal(add(f, T0, &dg_b, 0, 1000, true, &out), TAPIR__REASM_PENDING);
    assert_int_equal(add(f, T0, &dg_c, 0, 1000, true, &out), TAPIR__REASM_PENDING);
    assert_int_equal(slots_used(f), 3);
    assert_int_equal(add(f, T0, &dg_b, 1000, 1000, false, &out), TAPIR__REASM_COMPLETE);
    expect_complete(&out, &dg_b);
    assert_int_equal(add(f, T0, &dg_c, 1000, 1000, false, &out), TAPIR__REASM_COMPLETE);
    expect_complete(&out, &dg_c);
    assert_int_equal(add(f, T0, &dg_a, 1000, 1000, false, &out), TAPIR__REASM_COMPLETE);
    expect_complete(&out, &dg_a);
    expect_stats(f, 3, 0, 0, 0, 0, 0, 0);

    /* IPv4 and IPv6 never share a datagram, whatever the ident. */
    dgram_init(&dg_b, f->version == 4 ? 6 : 4, 2, 17, 0xabcd, 2000, 100);
    assert_int_equal(add(f, T0, &dg_a, 0, 1000, true, &out), TAPIR__REASM_PENDING);
    assert_int_equal(add(f, T0, &dg_b, 1000, 1000, false, &out), TAPIR__REASM_PENDING);
    assert_int_equal(slots_used(f), 2);
}

/* IPv6 takes the next header from the fragment at offset 0 (RFC 8200 §4.5): other
 * fragments may say otherwise, and it may arrive last. In IPv4 the protocol is part of
 * the key, so the same fragments make two datagrams. */
static void test_protocol_from_first(void **state)
{
    struct fixture *f = *state;
    struct tapir__reasm_out out;
    dgram_init(&dg_a, f->version, 2, 58, 0xcafe, 3000, 0);
    assert_int_equal(add_proto(f, T0, &dg_a, 44, 2000, 1000, false, &out), TAPIR__REASM_PENDING);
    assert_int_equal(add_proto(f, T0, &dg_a, 17, 1000, 1000, true, &out), TAPIR__REASM_PENDING);
    if (f->version == 6) {
        assert_int_equal(add(f, T0, &dg_a, 0, 1000, true, &out), TAPIR__REASM_COMPLETE);
        expect_complete(&out, &dg_a);
        assert_int_equal(out.protocol, 58);
        expect_stats(f, 1, 0, 0, 0, 0, 0, 0);
    } else {
        assert_int_equal(add(f, T0, &dg_a, 0, 1000, true, &out), TAPIR__REASM_PENDING);
        assert_int_equal(slots_used(f), 3);
        expect_stats(f, 0, 0, 0, 0, 0, 0, 0);
    }
}

/* An atomic fragment (offset 0, no more fragments) is whole: delivered as it is, even with
 * every slot busy, and without disturbing a datagram with the same key (RFC 6946). */
static void test_atomic_fragment(void **state)
{
    struct fixture *f = *state;
    struct tapir__reasm_out out;
    static struct dgram busy[TAPIR_REASM_SLOTS];
    for (unsigned i = 0; i < TAPIR_REASM_SLOTS; i++) {
        dgram_init(&busy[i], f->version, 2, 17, 0xd000 + i, 2000, (uint8_t)i);
        assert_int_equal(add(f, T0, &busy[i], 0, 1000, true, &out), TAPIR__REASM_PENDING);
    }
    dgram_init(&dg_a, f->version, 2, 17, 0xd000, 777, 33);
    assert_int_equal(add(f, T0, &dg_a, 0, dg_a.len, false, &out), TAPIR__REASM_COMPLETE);
    assert_ptr_equal(out.payload, dg_a.data);
    assert_int_equal(out.payload_len, 777);
    assert_int_equal(out.protocol, 17);
    assert_int_equal(slots_used(f), TAPIR_REASM_SLOTS);
    assert_int_equal(add(f, T0, &busy[0], 1000, 1000, false, &out), TAPIR__REASM_COMPLETE);
    expect_complete(&out, &busy[0]);
    expect_stats(f, 2, 0, 0, 0, 0, 0, 0);
}

static void test_bad_arguments(void **state)
{
    struct fixture *f = *state;
    struct tapir__reasm_out out;
    dgram_init(&dg_a, f->version, 2, 17, 0xe000, 2000, 0);
    assert_int_equal(tapir__reasm_add(&f->r, T0, 5, &dg_a.src, &dg_a.dst, 17, 1, 0, true, dg_a.data,
                                      8, NULL, 0, &out),
                     TAPIR__REASM_MALFORMED);
    assert_int_equal(tapir__reasm_add(&f->r, T0, f->version, &dg_a.src, &dg_a.dst, 17, 1, 0, true,
                                      NULL, 8, NULL, 0, &out),
                     TAPIR__REASM_MALFORMED);
    assert_int_equal(tapir__reasm_add(&f->r, T0, f->version, &dg_a.src, &dg_a.dst, 17, 1, 0, true,
                                      dg_a.data, 8, dg_a.data, 61, &out),
                     f->version == 4 ? TAPIR__REASM_MALFORMED : TAPIR__REASM_PENDING);
    expect_stats(f, 0, 0, 0, 0, 0, 0, f->version == 4 ? 3 : 2);
}

/* Each test twice, named after its version. */
#define BOTH(fn)                                                                                   \
    {#fn "_v4", fn, setup, NULL, &fx4},                                                            \
    {                                                                                              \
#fn "_v6", fn, setup, NULL, &fx6                                                           \
    }

int main(void)
{
    const struct CMUnitTest tests[] = {
        BOTH(test_in_order),
        BOTH(test_reversed),
        BOTH(test_random_permutations),
        BOTH(test_duplicates_ignored),
        BOTH(test_overlaps_discard),
        BOTH(test_too_many),
        BOTH(test_oversize),
        BOTH(test_malformed),
        BOTH(test_timeout),
        BOTH(test_interleaved),
        BOTH(test_no_slot),
        BOTH(test_keys_do_not_mix),
        BOTH(test_protocol_from_first),
        BOTH(test_atomic_fragment),
        BOTH(test_bad_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
