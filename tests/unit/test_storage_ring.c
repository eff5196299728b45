/* The byte ring (src/storage/ring.c): exact contents, lengths and buffer positions after
 * every operation, zero-copy spans across the wrap, write-at-offset + commit, and random
 * operation sequences at every capacity from 0 to 40 checked against a plain-array model. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "tapir/priv/ring.h"
#include "tapir/random.h"

#define FILL 0xa5 /* every buffer starts with this, so a byte never written shows */

static void expect_state(const struct tapir__byte_ring *r, size_t len, size_t head)
{
    assert_int_equal(tapir__byte_ring_len(r), len);
    assert_int_equal(tapir__byte_ring_free(r), r->cap - len);
    assert_int_equal(r->head, head);
}

/* All unread bytes, read without consuming, must be `want`. */
static void expect_unread(const struct tapir__byte_ring *r, const char *want)
{
    uint8_t got[64];
    size_t n = strlen(want);
    assert_int_equal(tapir__byte_ring_len(r), n);
    assert_int_equal(tapir__byte_ring_peek(r, 0, got, sizeof got), n);
    assert_memory_equal(got, want, n);
}

static void test_empty(void **state)
{
    (void)state;
    uint8_t buf[10], out[10];
    memset(buf, FILL, sizeof buf);
    struct tapir__byte_ring r;
    tapir__byte_ring_init(&r, buf, sizeof buf);
    expect_state(&r, 0, 0);
    assert_int_equal(tapir__byte_ring_read(&r, out, sizeof out), 0);
    assert_int_equal(tapir__byte_ring_peek(&r, 0, out, sizeof out), 0);
    assert_int_equal(tapir__byte_ring_consume(&r, 5), 0);
    struct tapir__ring_span s[2] = {{buf, 1}, {buf, 1}};
    assert_int_equal(tapir__byte_ring_readable_spans(&r, 0, 10, s), 0);
    assert_null(s[0].data);
    assert_int_equal(s[0].len, 0);
    assert_null(s[1].data);
    assert_int_equal(s[1].len, 0);
    struct tapir__ring_wspan w[2];
    assert_int_equal(tapir__byte_ring_writable_spans(&r, 0, 100, w), 1);
    assert_ptr_equal(w[0].data, buf);
    assert_int_equal(w[0].len, 10);
    assert_null(w[1].data);
    assert_int_equal(w[1].len, 0);
    expect_state(&r, 0, 0);
}

/* Fill, drain part, wrap, drain across the wrap: the buffer holds exactly what it should. */
static void test_write_read_wrap(void **state)
{
    (void)state;
    uint8_t buf[8], out[8];
    memset(buf, FILL, sizeof buf);
    struct tapir__byte_ring r;
    tapir__byte_ring_init(&r, buf, sizeof buf);

    assert_int_equal(tapir__byte_ring_write(&r, "abcde", 5), 5);
    expect_state(&r, 5, 0);
    assert_int_equal(tapir__byte_ring_write(&r, "fghij", 5), 3); /* only 3 fit */
    expect_state(&r, 8, 0);
    assert_memory_equal(buf, "abcdefgh", 8);
    assert_int_equal(tapir__byte_ring_write(&r, "z", 1), 0);
    expect_unread(&r, "abcdefgh");

    assert_int_equal(tapir__byte_ring_read(&r, out, 3), 3);
    assert_memory_equal(out, "abc", 3);
    expect_state(&r, 5, 3);
    assert_int_equal(tapir__byte_ring_write(&r, "XYZW", 4), 3); /* wraps to buf[0..3) */
    expect_state(&r, 8, 3);
    assert_memory_equal(buf, "XYZdefgh", 8);
    expect_unread(&r, "defghXYZ");

    assert_int_equal(tapir__byte_ring_read(&r, out, 4), 4);
    assert_memory_equal(out, "defg", 4);
    expect_state(&r, 4, 7);
    assert_int_equal(tapir__byte_ring_read(&r, out, 8), 4); /* across the wrap */
    assert_memory_equal(out, "hXYZ", 4);
    expect_state(&r, 0, 3); /* head stays put when the ring empties */
    assert_int_equal(tapir__byte_ring_write(&r, "12345678", 8), 8);
    expect_state(&r, 8, 3);
    assert_memory_equal(buf, "67812345", 8);
    expect_unread(&r, "12345678");
}

static void test_peek_and_consume(void **state)
{
    (void)state;
    uint8_t buf[7], out[8];
    memset(buf, FILL, sizeof buf);
    struct tapir__byte_ring r;
    tapir__byte_ring_init(&r, buf, sizeof buf);
    assert_int_equal(tapir__byte_ring_write(&r, "0123", 4), 4);
    assert_int_equal(tapir__byte_ring_consume(&r, 4), 4);
    assert_int_equal(tapir__byte_ring_write(&r, "abcdefg", 7), 7); /* head 4: wraps */
    expect_state(&r, 7, 4);
    assert_memory_equal(buf, "defgabc", 7);

    /* Every offset and length, clipped to the unread bytes; nothing is consumed. */
    const char *all = "abcdefg";
    for (size_t off = 0; off <= 8; off++) {
        for (size_t n = 0; n <= 8; n++) {
            memset(out, FILL, sizeof out);
            size_t want = off >= 7 ? 0 : (n < 7 - off ? n : 7 - off);
            assert_int_equal(tapir__byte_ring_peek(&r, off, out, n), want);
            assert_memory_equal(out, all + (off < 7 ? off : 0), want);
            assert_int_equal(out[want], FILL); /* nothing written past the count */
        }
    }
    assert_int_equal(tapir__byte_ring_peek(&r, SIZE_MAX, out, 8), 0);
    assert_int_equal(tapir__byte_ring_peek(&r, 6, out, SIZE_MAX), 1);
    assert_int_equal(out[0], 'g');
    expect_state(&r, 7, 4);

    assert_int_equal(tapir__byte_ring_consume(&r, 2), 2);
    expect_state(&r, 5, 6);
    expect_unread(&r, "cdefg");
    assert_int_equal(tapir__byte_ring_consume(&r, 2), 2); /* crosses the end */
    expect_state(&r, 3, 1);
    expect_unread(&r, "efg");
    assert_int_equal(tapir__byte_ring_consume(&r, SIZE_MAX), 3);
    expect_state(&r, 0, 4);
    assert_int_equal(tapir__byte_ring_consume(&r, 1), 0);
}

/* A full ring whose head is mid-buffer: consuming everything lands back on the same
 * position, not on cap. */
static void test_consume_full_circle(void **state)
{
    (void)state;
    uint8_t buf[5];
    struct tapir__byte_ring r;
    tapir__byte_ring_init(&r, buf, sizeof buf);
    assert_int_equal(tapir__byte_ring_write(&r, "ab", 2), 2);
    assert_int_equal(tapir__byte_ring_consume(&r, 2), 2);
    assert_int_equal(tapir__byte_ring_write(&r, "12345", 5), 5);
    expect_state(&r, 5, 2);
    assert_int_equal(tapir__byte_ring_consume(&r, 5), 5);
    expect_state(&r, 0, 2);
}

static void test_readable_spans(void **state)
{
    (void)state;
    uint8_t buf[10];
    memset(buf, FILL, sizeof buf);
    struct tapir__byte_ring r;
    tapir__byte_ring_init(&r, buf, sizeof buf);
    assert_int_equal(tapir__byte_ring_write(&r, "0123456", 7), 7);
    assert_int_equal(tapir__byte_ring_consume(&r, 7), 7);
    assert_int_equal(tapir__byte_ring_write(&r, "abcdef", 6), 6); /* buf[7..10) + buf[0..3) */
    expect_state(&r, 6, 7);

    struct tapir__ring_span s[2];
    assert_int_equal(tapir__byte_ring_readable_spans(&r, 0, SIZE_MAX, s), 2);
    assert_ptr_equal(s[0].data, buf + 7);
    assert_int_equal(s[0].len, 3);
    assert_memory_equal(s[0].data, "abc", 3);
    assert_ptr_equal(s[1].data, buf);
    assert_int_equal(s[1].len, 3);
    assert_memory_equal(s[1].data, "def", 3);

    /* Within the first piece only. */
    assert_int_equal(tapir__byte_ring_readable_spans(&r, 1, 2, s), 1);
    assert_ptr_equal(s[0].data, buf + 8);
    assert_int_equal(s[0].len, 2);
    assert_null(s[1].data);
    assert_int_equal(s[1].len, 0);
    /* Ending exactly at the end of buf. */
    assert_int_equal(tapir__byte_ring_readable_spans(&r, 0, 3, s), 1);
    assert_ptr_equal(s[0].data, buf + 7);
    assert_int_equal(s[0].len, 3);
    /* Starting in the second piece. */
    assert_int_equal(tapir__byte_ring_readable_spans(&r, 4, 100, s), 1);
    assert_ptr_equal(s[0].data, buf + 1);
    assert_int_equal(s[0].len, 2);
    assert_memory_equal(s[0].data, "ef", 2);
    /* One byte across the wrap point. */
    assert_int_equal(tapir__byte_ring_readable_spans(&r, 2, 2, s), 2);
    assert_ptr_equal(s[0].data, buf + 9);
    assert_int_equal(s[0].len, 1);
    assert_ptr_equal(s[1].data, buf);
    assert_int_equal(s[1].len, 1);
    /* Nothing at or past the end, or of length 0. */
    assert_int_equal(tapir__byte_ring_readable_spans(&r, 6, 1, s), 0);
    assert_int_equal(tapir__byte_ring_readable_spans(&r, 0, 0, s), 0);
    assert_null(s[0].data);

    /* The spans stay valid while their bytes are unread: writing the free space and
     * consuming other bytes leaves them alone. */
    assert_int_equal(tapir__byte_ring_readable_spans(&r, 3, 3, s), 1);
    assert_int_equal(tapir__byte_ring_consume(&r, 3), 3);
    assert_int_equal(tapir__byte_ring_write(&r, "wxyz", 4), 4);
    assert_memory_equal(s[0].data, "def", 3);
    expect_unread(&r, "defwxyz");
}

/* A receive path writing straight into the ring, then committing. */
static void test_writable_spans_commit(void **state)
{
    (void)state;
    uint8_t buf[9];
    memset(buf, FILL, sizeof buf);
    struct tapir__byte_ring r;
    tapir__byte_ring_init(&r, buf, sizeof buf);
    assert_int_equal(tapir__byte_ring_write(&r, "012345", 6), 6);
    assert_int_equal(tapir__byte_ring_consume(&r, 4), 4);
    expect_state(&r, 2, 4);

    struct tapir__ring_wspan w[2];
    assert_int_equal(tapir__byte_ring_writable_spans(&r, 0, SIZE_MAX, w), 2);
    assert_ptr_equal(w[0].data, buf + 6);
    assert_int_equal(w[0].len, 3);
    assert_ptr_equal(w[1].data, buf);
    assert_int_equal(w[1].len, 4);
    memcpy(w[0].data, "abc", 3);
    memcpy(w[1].data, "defg", 4);
    expect_state(&r, 2, 4); /* written, not committed: still invisible */
    expect_unread(&r, "45");

    assert_int_equal(tapir__byte_ring_commit(&r, 5), 5);
    expect_state(&r, 7, 4);
    expect_unread(&r, "45abcde");
    /* The two uncommitted bytes are now at offsets 0 and 1 of the free space. */
    assert_int_equal(tapir__byte_ring_writable_spans(&r, 0, 10, w), 1);
    assert_ptr_equal(w[0].data, buf + 2);
    assert_int_equal(w[0].len, 2);
    assert_memory_equal(w[0].data, "fg", 2);
    assert_int_equal(tapir__byte_ring_writable_spans(&r, 1, 10, w), 1);
    assert_ptr_equal(w[0].data, buf + 3);
    assert_int_equal(w[0].len, 1);
    assert_int_equal(tapir__byte_ring_writable_spans(&r, 2, 10, w), 0);
    assert_null(w[0].data);
    assert_int_equal(tapir__byte_ring_commit(&r, 9), 2); /* clipped to the free space */
    expect_unread(&r, "45abcdefg");
    assert_int_equal(tapir__byte_ring_commit(&r, 1), 0);
    assert_int_equal(tapir__byte_ring_writable_spans(&r, 0, 1, w), 0);
}

/* Out-of-order data: written at its offset, invisible until the gap closes and it is
 * committed, untouched by reads meanwhile. */
static void test_write_at(void **state)
{
    (void)state;
    uint8_t buf[12], out[12];
    memset(buf, FILL, sizeof buf);
    struct tapir__byte_ring r;
    tapir__byte_ring_init(&r, buf, sizeof buf);
    assert_int_equal(tapir__byte_ring_write(&r, "0123456789", 10), 10);
    assert_int_equal(tapir__byte_ring_read(&r, out, 8), 8);
    expect_state(&r, 2, 8); /* "89" unread at buf[8..10), free space from buf[10] */

    assert_int_equal(tapir__byte_ring_write_at(&r, 3, "DEF", 3), 3); /* buf[1..4) */
    assert_memory_equal(buf + 1, "DEF", 3);
    assert_int_equal(tapir__byte_ring_write_at(&r, 8, "IJK", 3), 2); /* clipped: free is 10 */
    assert_memory_equal(buf + 6, "IJ", 2);
    assert_int_equal(buf[8], '8'); /* unread bytes untouched */
    assert_int_equal(tapir__byte_ring_write_at(&r, 10, "x", 1), 0);
    assert_int_equal(tapir__byte_ring_write_at(&r, SIZE_MAX, "x", 1), 0);
    expect_state(&r, 2, 8);
    expect_unread(&r, "89");

    /* Reading moves head; the uncommitted bytes keep their offsets from the receive
     * point. */
    assert_int_equal(tapir__byte_ring_read(&r, out, 2), 2);
    assert_memory_equal(out, "89", 2);
    expect_state(&r, 0, 10);
    assert_int_equal(tapir__byte_ring_write_at(&r, 0, "ABC", 3), 3); /* closes the gap */
    assert_int_equal(tapir__byte_ring_write_at(&r, 6, "GH", 2), 2);
    assert_int_equal(tapir__byte_ring_commit(&r, 6), 6);
    expect_unread(&r, "ABCDEF");
    assert_int_equal(tapir__byte_ring_commit(&r, 4), 4);
    expect_unread(&r, "ABCDEFGHIJ");
    expect_state(&r, 10, 10);
    assert_memory_equal(buf, "CDEFGHIJ89AB", 12);
}

/* Capacity 0 (no buffer at all) and 1. */
static void test_tiny(void **state)
{
    (void)state;
    uint8_t out[4];
    struct tapir__byte_ring r;
    tapir__byte_ring_init(&r, NULL, 0);
    expect_state(&r, 0, 0);
    assert_int_equal(tapir__byte_ring_write(&r, "a", 1), 0);
    assert_int_equal(tapir__byte_ring_write_at(&r, 0, "a", 1), 0);
    assert_int_equal(tapir__byte_ring_commit(&r, 1), 0);
    assert_int_equal(tapir__byte_ring_read(&r, out, 1), 0);
    assert_int_equal(tapir__byte_ring_consume(&r, 1), 0);
    struct tapir__ring_wspan w[2];
    assert_int_equal(tapir__byte_ring_writable_spans(&r, 0, 1, w), 0);
    expect_state(&r, 0, 0);

    uint8_t one[1] = {FILL};
    tapir__byte_ring_init(&r, one, 1);
    for (int i = 0; i < 3; i++) {
        uint8_t c = (uint8_t)('a' + i);
        assert_int_equal(tapir__byte_ring_write(&r, "xy", 0), 0);
        assert_int_equal(tapir__byte_ring_write_at(&r, 0, &c, 1), 1);
        assert_int_equal(tapir__byte_ring_write(&r, "zz", 2), 1); /* overwrites c */
        expect_state(&r, 1, 0);
        assert_int_equal(tapir__byte_ring_write(&r, "q", 1), 0);
        assert_int_equal(tapir__byte_ring_read(&r, out, 4), 1);
        assert_int_equal(out[0], 'z');
        expect_state(&r, 0, 0);
    }
}

/* ---- random sequences against a model ---------------------------------------------------
 *
 * The model knows only what the header promises, in plain arrays: the unread bytes in
 * order, and the content of the free space by offset from the receive point. Consumed
 * bytes join the far end of the free space (they are where the free space continues),
 * committed ones leave its front. The buffer position of the first unread byte is the
 * number of bytes consumed so far, modulo the capacity. */
#define MODEL_MAX 48

struct model {
    size_t cap;
    uint8_t unread[MODEL_MAX];
    size_t len;
    uint8_t space[MODEL_MAX]; /* free-space bytes; [0, cap - len) meaningful */
    size_t head;
};

static void model_consume(struct model *m, size_t n)
{
    size_t space = m->cap - m->len;
    memcpy(m->space + space, m->unread, n);
    memmove(m->unread, m->unread + n, m->len - n);
    m->len -= n;
    m->head = m->cap ? (m->head + n) % m->cap : 0;
}

static void model_commit(struct model *m, size_t n)
{
    size_t space = m->cap - m->len;
    memcpy(m->unread + m->len, m->space, n);
    memmove(m->space, m->space + n, space - n);
    m->len += n;
}

static size_t clip(size_t off, size_t n, size_t have)
{
    if (off >= have)
        return 0;
    return n < have - off ? n : have - off;
}

/* A length or offset around the interesting values: small, around the capacity, huge. */
static size_t pick(struct tapir_prng *p, size_t cap)
{
    uint64_t x = tapir_prng_next(p);
    switch (x % 8) {
    case 0:
        return 0;
    case 1:
        return SIZE_MAX - (size_t)(x >> 60);
    case 2:
        return cap + (size_t)(x >> 62);
    default:
        return (size_t)((x >> 8) % (cap + 2));
    }
}

static void check_spans(const uint8_t *buf, size_t cap, size_t start, size_t n, unsigned count,
                        const uint8_t *const data[2], const size_t lens[2])
{
    if (n == 0) {
        assert_int_equal(count, 0);
        assert_null(data[0]);
        assert_null(data[1]);
        assert_int_equal(lens[0] + lens[1], 0);
        return;
    }
    size_t first = (start % cap);
    size_t first_len = n < cap - first ? n : cap - first;
    assert_int_equal(count, first_len == n ? 1 : 2);
    assert_ptr_equal(data[0], buf + first);
    assert_int_equal(lens[0], first_len);
    if (count == 2) {
        assert_ptr_equal(data[1], buf);
        assert_int_equal(lens[1], n - first_len);
    } else {
        assert_null(data[1]);
        assert_int_equal(lens[1], 0);
    }
}

static void expect_model(const struct tapir__byte_ring *r, const struct model *m)
{
    expect_state(r, m->len, m->head);
    uint8_t got[MODEL_MAX];
    assert_int_equal(tapir__byte_ring_peek(r, 0, got, sizeof got), m->len);
    assert_memory_equal(got, m->unread, m->len);
}

static void run_random(size_t cap, uint64_t seed, int steps)
{
    uint8_t buf[MODEL_MAX], tmp[MODEL_MAX + 8];
    struct model m = {.cap = cap};
    memset(buf, FILL, sizeof buf);
    memset(m.space, FILL, sizeof m.space);
    struct tapir__byte_ring r;
    tapir__byte_ring_init(&r, cap ? buf : NULL, cap);
    struct tapir_prng p;
    tapir_prng_seed(&p, seed);
    uint8_t next_byte = 0;

    for (int step = 0; step < steps; step++) {
        size_t space = cap - m.len;
        size_t off = pick(&p, cap), n = pick(&p, cap);
        size_t k;
        for (size_t i = 0; i < sizeof tmp; i++)
            tmp[i] = next_byte++;
        switch (tapir_prng_next(&p) % 9) {
        case 0: /* write */
            k = clip(0, n, space);
            assert_int_equal(tapir__byte_ring_write(&r, tmp, n), k);
            memcpy(m.space, tmp, k);
            model_commit(&m, k);
            break;
        case 1: { /* read */
            uint8_t out[MODEL_MAX + 8];
            size_t want = n < sizeof out ? n : sizeof out;
            k = clip(0, want, m.len);
            assert_int_equal(tapir__byte_ring_read(&r, out, want), k);
            assert_memory_equal(out, m.unread, k);
            model_consume(&m, k);
            break;
        }
        case 2: { /* peek */
            uint8_t out[MODEL_MAX + 8];
            size_t want = n < sizeof out ? n : sizeof out;
            k = clip(off, want, m.len);
            assert_int_equal(tapir__byte_ring_peek(&r, off, out, want), k);
            if (k)
                assert_memory_equal(out, m.unread + off, k);
            break;
        }
        case 3: /* consume */
            k = clip(0, n, m.len);
            assert_int_equal(tapir__byte_ring_consume(&r, n), k);
            model_consume(&m, k);
            break;
        case 4: { /* readable spans */
            struct tapir__ring_span s[2];
            k = clip(off, n, m.len);
            unsigned count = tapir__byte_ring_readable_spans(&r, off, n, s);
            const uint8_t *data[2] = {s[0].data, s[1].data};
            size_t lens[2] = {s[0].len, s[1].len};
            check_spans(buf, cap, m.head + off, k, count, data, lens);
            if (k) {
                assert_memory_equal(s[0].data, m.unread + off, s[0].len);
                if (count == 2)
                    assert_memory_equal(s[1].data, m.unread + off + s[0].len, s[1].len);
            }
            break;
        }
        case 5: { /* writable spans, filled, then sometimes committed */
            struct tapir__ring_wspan w[2];
            k = clip(off, n, space);
            unsigned count = tapir__byte_ring_writable_spans(&r, off, n, w);
            const uint8_t *data[2] = {w[0].data, w[1].data};
            size_t lens[2] = {w[0].len, w[1].len};
            check_spans(buf, cap, m.head + m.len + off, k, count, data, lens);
            if (k) {
                /* The free space holds what the model says before we overwrite it. */
                assert_memory_equal(w[0].data, m.space + off, w[0].len);
                memcpy(w[0].data, tmp, w[0].len);
                if (count == 2) {
                    assert_memory_equal(w[1].data, m.space + off + w[0].len, w[1].len);
                    memcpy(w[1].data, tmp + w[0].len, w[1].len);
                }
                memcpy(m.space + off, tmp, k);
            }
            if (tapir_prng_next(&p) % 2) {
                size_t c = clip(0, off + k, space);
                assert_int_equal(tapir__byte_ring_commit(&r, off + k), c);
                model_commit(&m, c);
            }
            break;
        }
        case 6: /* write at an offset */
            k = clip(off, n, space);
            assert_int_equal(tapir__byte_ring_write_at(&r, off, tmp, n), k);
            if (k)
                memcpy(m.space + off, tmp, k);
            break;
        case 7: /* commit */
            k = clip(0, n, space);
            assert_int_equal(tapir__byte_ring_commit(&r, n), k);
            model_commit(&m, k);
            break;
        default: /* nothing changes: check the free space through spans */
            break;
        }
        expect_model(&r, &m);
        /* Whatever is in the free space is what the model says. */
        struct tapir__ring_wspan w[2];
        space = cap - m.len;
        unsigned count = tapir__byte_ring_writable_spans(&r, 0, SIZE_MAX, w);
        assert_int_equal(w[0].len + w[1].len, space);
        assert_int_equal(count, space == 0 ? 0 : (w[1].len ? 2 : 1));
        if (space) {
            assert_memory_equal(w[0].data, m.space, w[0].len);
            assert_memory_equal(w[1].data ? w[1].data : buf, m.space + w[0].len, w[1].len);
        }
    }
}

static void test_random_every_capacity(void **state)
{
    (void)state;
    for (size_t cap = 0; cap <= 40; cap++) {
        for (uint64_t seed = 1; seed <= 8; seed++)
            run_random(cap, seed * 1000003 + cap, 3000);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_write_read_wrap),
        cmocka_unit_test(test_peek_and_consume),
        cmocka_unit_test(test_consume_full_circle),
        cmocka_unit_test(test_readable_spans),
        cmocka_unit_test(test_writable_spans_commit),
        cmocka_unit_test(test_write_at),
        cmocka_unit_test(test_tiny),
        cmocka_unit_test(test_random_every_capacity),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
