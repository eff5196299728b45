/* The sender's SACK scoreboard (src/socket/tcp_sack.c): merging, validation of blocks
 * (inverted, beyond SND.MAX, old, straddling SND.UNA), D-SACK (RFC 2883 §4) in both forms,
 * the range bound, advance, sequence wrap, RFC 6675 IsLost, and random blocks against a
 * bitmap model. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "tapir/priv/tcp_sack.h"
#include "tapir/random.h"

#define MAXR TAPIR_TCP_SACK_RANGES

typedef struct tapir_tcp_sack_block block_t;

static void expect(const struct tapir__sack_board *b, const uint32_t *pairs, unsigned n)
{
    assert_int_equal(b->count, n);
    uint32_t bytes = 0;
    for (unsigned i = 0; i < n; i++) {
        assert_int_equal(b->r[i].start, pairs[2 * i]);
        assert_int_equal(b->r[i].end, pairs[2 * i + 1]);
        bytes += pairs[2 * i + 1] - pairs[2 * i];
    }
    assert_int_equal(b->bytes, bytes);
}

static struct tapir__sack_update update1(struct tapir__sack_board *b, uint32_t left, uint32_t right,
                                         uint32_t una, uint32_t snd_max)
{
    block_t blk = {left, right};
    struct tapir__sack_update u;
    memset(&u, 0xa5, sizeof u);
    tapir__sack_board_update(b, &blk, 1, una, una, snd_max, &u);
    return u;
}

static void test_empty(void **state)
{
    (void)state;
    struct tapir__sack_board b;
    tapir__sack_board_init(&b);
    expect(&b, NULL, 0);
    uint32_t end = 7;
    assert_false(tapir__sack_board_highest(&b, &end));
    assert_int_equal(end, 7);
    assert_false(tapir__sack_board_covers(&b, 0, 1));
    assert_int_equal(tapir__sack_board_bytes_above(&b, 0), 0);
    assert_false(tapir__sack_is_lost(&b, 0, 1000));
    tapir__sack_board_advance(&b, 5000);
    expect(&b, NULL, 0);
    /* No blocks: nothing changes, the result is cleared. */
    struct tapir__sack_update u;
    memset(&u, 0xa5, sizeof u);
    tapir__sack_board_update(&b, NULL, 0, 0, 0, 1000, &u);
    assert_int_equal(u.newly_sacked, 0);
    assert_int_equal(u.accepted, 0);
    assert_false(u.dsack);
}

static void test_merge(void **state)
{
    (void)state;
    struct tapir__sack_board b;
    tapir__sack_board_init(&b);
    struct tapir__sack_update u = update1(&b, 3000, 4000, 1000, 10000);
    assert_int_equal(u.newly_sacked, 1000);
    assert_int_equal(u.accepted, 1);
    assert_int_equal(u.invalid, 0);
    assert_false(u.dsack);
    assert_false(u.overflow);
    update1(&b, 6000, 7000, 1000, 10000);
    update1(&b, 8000, 9000, 1000, 10000);
    expect(&b, (const uint32_t[]){3000, 4000, 6000, 7000, 8000, 9000}, 3);
    /* Touching merges; a duplicate adds nothing. */
    u = update1(&b, 4000, 4500, 1000, 10000);
    assert_int_equal(u.newly_sacked, 500);
    u = update1(&b, 3000, 4500, 1000, 10000);
    assert_int_equal(u.newly_sacked, 0);
    assert_int_equal(u.accepted, 1);
    expect(&b, (const uint32_t[]){3000, 4500, 6000, 7000, 8000, 9000}, 3);
    /* One block joining three ranges. */
    u = update1(&b, 4200, 8500, 1000, 10000);
    assert_int_equal(u.newly_sacked, (6000 - 4500) + (8000 - 7000));
    expect(&b, (const uint32_t[]){3000, 9000}, 1);
    /* Below and above, then the gap between. */
    update1(&b, 1500, 2000, 1000, 10000);
    update1(&b, 9500, 10000, 1000, 10000);
    expect(&b, (const uint32_t[]){1500, 2000, 3000, 9000, 9500, 10000}, 3);
    uint32_t end;
    assert_true(tapir__sack_board_highest(&b, &end));
    assert_int_equal(end, 10000);
    assert_true(tapir__sack_board_covers(&b, 3000, 9000));
    assert_true(tapir__sack_board_covers(&b, 4000, 5000));
    assert_false(tapir__sack_board_covers(&b, 2500, 3500));
    assert_false(tapir__sack_board_covers(&b, 8500, 9500));
    assert_false(tapir__sack_board_covers(&b, 4000, 4000));
    assert_int_equal(tapir__sack_board_bytes_above(&b, 0), 500 + 6000 + 500);
    assert_int_equal(tapir__sack_board_bytes_above(&b, 5000), 4000 + 500);
    assert_int_equal(tapir__sack_board_bytes_above(&b, 9500), 500);
    assert_int_equal(tapir__sack_board_bytes_above(&b, 10000), 0);
    assert_int_equal(tapir__sack_board_ranges_above(&b, 1500), 3);
    assert_int_equal(tapir__sack_board_ranges_above(&b, 1501), 2);
    assert_int_equal(tapir__sack_board_ranges_above(&b, 9500), 1);
}

static void test_validation(void **state)
{
    (void)state;
    struct tapir__sack_board b;
    tapir__sack_board_init(&b);
    /* Inverted and empty blocks are invalid. */
    struct tapir__sack_update u = update1(&b, 5000, 4000, 1000, 10000);
    assert_int_equal(u.invalid, 1);
    u = update1(&b, 5000, 5000, 1000, 10000);
    assert_int_equal(u.invalid, 1);
    /* Beyond SND.MAX: never sent. */
    u = update1(&b, 9000, 10001, 1000, 10000);
    assert_int_equal(u.invalid, 1);
    assert_int_equal(u.accepted, 0);
    /* A later block wholly below SND.UNA is old news: neither recorded nor invalid (the
     * first block would be a D-SACK, tested apart). */
    block_t two[2] = {{5000, 6000}, {200, 900}};
    tapir__sack_board_update(&b, two, 2, 1000, 1000, 10000, &u);
    assert_int_equal(u.accepted, 1);
    assert_int_equal(u.invalid, 0);
    assert_false(u.dsack);
    expect(&b, (const uint32_t[]){5000, 6000}, 1);
    /* A late ACK (field 800) whose blocks straddle the newer SND.UNA (1000): clipped. */
    block_t late[2] = {{5500, 7000}, {900, 1500}};
    tapir__sack_board_update(&b, late, 2, 800, 1000, 10000, &u);
    assert_false(u.dsack);
    assert_int_equal(u.accepted, 2);
    assert_int_equal(u.newly_sacked, 1000 + 500);
    expect(&b, (const uint32_t[]){1000, 1500, 5000, 7000}, 2);
    assert_int_equal(b.count, 2);
    /* More than TAPIR_TCP_MAX_SACK blocks: only the first four are read. */
    block_t five[5] = {{1600, 1700}, {1800, 1900}, {2000, 2100}, {2200, 2300}, {2400, 2500}};
    tapir__sack_board_update(&b, five, 5, 1000, 1000, 10000, NULL);
    assert_int_equal(b.count, 6);
    assert_false(tapir__sack_board_covers(&b, 2400, 2500));
}

static void test_dsack(void **state)
{
    (void)state;
    struct tapir__sack_board b;
    tapir__sack_board_init(&b);
    struct tapir__sack_update u;
    /* First block at or below the ACK field: a duplicate of acknowledged data. */
    block_t below[2] = {{1000, 2000}, {4000, 5000}};
    tapir__sack_board_update(&b, below, 2, 2000, 2000, 9000, &u);
    assert_true(u.dsack);
    assert_int_equal(u.dsack_range.start, 1000);
    assert_int_equal(u.dsack_range.end, 2000);
    assert_int_equal(u.accepted, 1);
    expect(&b, (const uint32_t[]){4000, 5000}, 1);
    /* First block inside the second: a duplicate of SACKed data (RFC 2883 §4.2). */
    block_t inside[2] = {{4200, 4400}, {4000, 6000}};
    tapir__sack_board_update(&b, inside, 2, 2000, 2000, 9000, &u);
    assert_true(u.dsack);
    assert_int_equal(u.dsack_range.start, 4200);
    assert_int_equal(u.newly_sacked, 1000);
    expect(&b, (const uint32_t[]){4000, 6000}, 1);
    /* Only the first block can be a D-SACK. */
    block_t second[2] = {{7000, 8000}, {7200, 7400}};
    tapir__sack_board_update(&b, second, 2, 2000, 2000, 9000, &u);
    assert_false(u.dsack);
    expect(&b, (const uint32_t[]){4000, 6000, 7000, 8000}, 2);
    /* Below the ACK field but the field itself is behind SND.UNA (a late ACK): still a
     * D-SACK only by the ACK's own field. */
    block_t late[1] = {{2500, 3000}};
    tapir__sack_board_update(&b, late, 1, 2000, 3000, 9000, &u);
    assert_false(u.dsack);
    assert_int_equal(u.accepted, 0); /* and old news for SND.UNA 3000 */
}

static void test_bound(void **state)
{
    (void)state;
    struct tapir__sack_board b;
    tapir__sack_board_init(&b);
    const uint32_t base = 100000;
    for (unsigned i = 0; i < MAXR; i++)
        assert_false(update1(&b, base + 100 * i + 50, base + 100 * i + 60, 0, 1000000).overflow);
    assert_int_equal(b.count, MAXR);
    /* One more above every range: dropped. */
    struct tapir__sack_update u =
        update1(&b, base + 100 * MAXR + 50, base + 100 * MAXR + 60, 0, 1000000);
    assert_true(u.overflow);
    assert_int_equal(u.newly_sacked, 0);
    assert_int_equal(b.count, MAXR);
    assert_int_equal(b.r[MAXR - 1].start, base + 100 * (MAXR - 1) + 50);
    /* One below: the highest range makes room. */
    u = update1(&b, base, base + 10, 0, 1000000);
    assert_true(u.overflow);
    assert_int_equal(u.newly_sacked, 10);
    assert_int_equal(b.count, MAXR);
    assert_int_equal(b.r[0].start, base);
    assert_int_equal(b.r[MAXR - 1].start, base + 100 * (MAXR - 2) + 50);
    assert_int_equal(b.bytes, 10 * MAXR);
    /* Merging needs no room. */
    u = update1(&b, base + 55, base + 160, 0, 1000000);
    assert_false(u.overflow);
    assert_int_equal(b.count, MAXR - 1);
}

static void test_advance(void **state)
{
    (void)state;
    struct tapir__sack_board b;
    tapir__sack_board_init(&b);
    update1(&b, 2000, 3000, 1000, 10000);
    update1(&b, 4000, 5000, 1000, 10000);
    update1(&b, 6000, 7000, 1000, 10000);
    tapir__sack_board_advance(&b, 2000);
    expect(&b, (const uint32_t[]){2000, 3000, 4000, 5000, 6000, 7000}, 3);
    tapir__sack_board_advance(&b, 4500);
    expect(&b, (const uint32_t[]){4500, 5000, 6000, 7000}, 2);
    tapir__sack_board_advance(&b, 5000);
    expect(&b, (const uint32_t[]){6000, 7000}, 1);
    tapir__sack_board_advance(&b, 9000);
    expect(&b, NULL, 0);
}

/* Sequence numbers that wrap past 2^32 compare as RFC 9293 §3.4 wants. */
static void test_wrap(void **state)
{
    (void)state;
    struct tapir__sack_board b;
    tapir__sack_board_init(&b);
    uint32_t una = 0xfffff000u, max = una + 0x4000u;
    update1(&b, 0x00000800u, 0x00001000u, una, max);
    update1(&b, 0xfffff800u, 0x00000200u, una, max);
    expect(&b, (const uint32_t[]){0xfffff800u, 0x00000200u, 0x00000800u, 0x00001000u}, 2);
    assert_int_equal(b.bytes, 0xa00u + 0x800u);
    assert_true(tapir__sack_board_covers(&b, 0xfffffff0u, 0x00000010u));
    assert_int_equal(tapir__sack_board_bytes_above(&b, 0), 0x200u + 0x800u);
    update1(&b, 0x00000100u, 0x00000900u, una, max);
    expect(&b, (const uint32_t[]){0xfffff800u, 0x00001000u}, 1);
    tapir__sack_board_advance(&b, 0x10);
    expect(&b, (const uint32_t[]){0x10u, 0x00001000u}, 1);
}

/* RFC 6675 §4 IsLost: DupThresh ranges, or more than 2 SMSS SACKed, above the hole. */
static void test_is_lost(void **state)
{
    (void)state;
    struct tapir__sack_board b;
    tapir__sack_board_init(&b);
    const uint32_t smss = 1000;
    update1(&b, 2000, 3000, 1000, 20000); /* 1000 bytes above 1000: not lost */
    assert_false(tapir__sack_is_lost(&b, 1000, smss));
    update1(&b, 3000, 4001, 1000, 20000); /* 2001 bytes: more than 2 SMSS */
    assert_true(tapir__sack_is_lost(&b, 1000, smss));
    assert_false(tapir__sack_is_lost(&b, 2000 + 1001, smss)); /* inside: 1000 above */
    tapir__sack_board_init(&b);
    /* Three one-byte ranges above: DupThresh discontiguous SACKed sequences. */
    update1(&b, 5000, 5001, 1000, 20000);
    update1(&b, 6000, 6001, 1000, 20000);
    assert_false(tapir__sack_is_lost(&b, 1000, smss));
    update1(&b, 7000, 7001, 1000, 20000);
    assert_true(tapir__sack_is_lost(&b, 1000, smss));
    assert_true(tapir__sack_is_lost(&b, 4999, smss));
    assert_false(tapir__sack_is_lost(&b, 5500, smss));
}

/* Random blocks (some invalid, some old, some beyond SND.MAX) against a bitmap, with the
 * cumulative ACK moving: the board equals the model after every ACK. */
static void test_model(void **state)
{
    (void)state;
    enum { SPAN = 4096 };
    static bool model[SPAN];
    struct tapir_prng rng;
    tapir_prng_seed(&rng, 42);
    for (int round = 0; round < 300; round++) {
        struct tapir__sack_board b;
        tapir__sack_board_init(&b);
        memset(model, 0, sizeof model);
        uint32_t origin = (uint32_t)tapir_prng_next(&rng); /* anywhere, wrap included */
        uint32_t una = 0, max = SPAN;
        for (int ack = 0; ack < 8; ack++) { /* at most 32 blocks: no overflow */
            if (tapir_prng_next(&rng) % 4 == 0)
                una += (uint32_t)(tapir_prng_next(&rng) % 64);
            if (una > max)
                una = max;
            tapir__sack_board_advance(&b, origin + una);
            block_t blk[TAPIR_TCP_MAX_SACK];
            unsigned n = 1 + (unsigned)(tapir_prng_next(&rng) % 4);
            for (unsigned i = 0; i < n; i++) {
                uint32_t l = (uint32_t)(tapir_prng_next(&rng) % (SPAN + 64));
                uint32_t len = (uint32_t)(tapir_prng_next(&rng) % 40);
                blk[i].left = origin + l - 32;
                blk[i].right = origin + l - 32 + len;
            }
            struct tapir__sack_update u;
            tapir__sack_board_update(&b, blk, n, origin + una, origin + una, origin + max, &u);
            uint32_t added = 0;
            for (unsigned i = 0; i < n; i++) {
                int32_t l = (int32_t)(blk[i].left - origin), r = (int32_t)(blk[i].right - origin);
                bool d = i == 0 &&
                         (r <= (int32_t)una || (n > 1 && (int32_t)(blk[1].left - origin) <= l &&
                                                r <= (int32_t)(blk[1].right - origin) &&
                                                (int32_t)(blk[1].left - blk[1].right) < 0));
                if (l >= r || d || r > (int32_t)max)
                    continue;
                for (int32_t k = l < (int32_t)una ? (int32_t)una : l; k < r; k++)
                    if (!model[k]) {
                        model[k] = true;
                        added++;
                    }
            }
            for (uint32_t k = 0; k < una; k++)
                model[k] = false;
            assert_false(u.overflow); /* too few ranges here to fill the board */
            assert_int_equal(u.newly_sacked, added);
            uint32_t bytes = 0;
            for (uint32_t k = 0; k < SPAN; k++) {
                bytes += model[k];
                bool in = tapir__sack_board_covers(&b, origin + k, origin + k + 1);
                assert_int_equal(in, model[k]);
            }
            assert_int_equal(b.bytes, bytes);
            for (unsigned i = 1; i < b.count; i++) /* sorted, disjoint, not adjacent */
                assert_true((int32_t)(b.r[i].start - b.r[i - 1].end) > 0);
            uint32_t probe = (uint32_t)(tapir_prng_next(&rng) % SPAN), above = 0;
            for (uint32_t k = probe; k < SPAN; k++)
                above += model[k];
            assert_int_equal(tapir__sack_board_bytes_above(&b, origin + probe), above);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty),      cmocka_unit_test(test_merge),
        cmocka_unit_test(test_validation), cmocka_unit_test(test_dsack),
        cmocka_unit_test(test_bound),      cmocka_unit_test(test_advance),
        cmocka_unit_test(test_wrap),       cmocka_unit_test(test_is_lost),
        cmocka_unit_test(test_model),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
