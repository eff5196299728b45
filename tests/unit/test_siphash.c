/* SipHash-2-4 (src/base/siphash.c) against the published test values: the worked example
 * of the paper's Appendix A, with the internal state after each phase, and the 64 vectors
 * of the reference implementation (key 00..0f, messages 00, 00 01, ... of length 0..63);
 * then the same results whatever the input is split into or however it is aligned. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "tapir/priv/siphash.h"

/* Key 00 01 02 ... 0f, as in the paper's Appendix A and the reference vectors. */
static struct tapir__siphash_key paper_key(void)
{
    struct tapir__siphash_key k;
    for (unsigned i = 0; i < 16; i++)
        k.bytes[i] = (uint8_t)i;
    return k;
}

/* SipHash-2-4 of the messages 00, 00 01, ..., 00 01 ... 3e (length 0..63) under the key
 * above: vectors_sip64 of the reference implementation (github.com/veorq/SipHash,
 * vectors.h), written here as the little-endian words the hash returns. Entry 15 is the
 * paper's Appendix A example. */
static const uint64_t reference[64] = {
    0x726fdb47dd0e0e31, 0x74f839c593dc67fd, 0x0d6c8009d9a94f5a, 0x85676696d7fb7e2d,
    0xcf2794e0277187b7, 0x18765564cd99a68d, 0xcbc9466e58fee3ce, 0xab0200f58b01d137,
    0x93f5f5799a932462, 0x9e0082df0ba9e4b0, 0x7a5dbbc594ddb9f3, 0xf4b32f46226bada7,
    0x751e8fbc860ee5fb, 0x14ea5627c0843d90, 0xf723ca908e7af2ee, 0xa129ca6149be45e5,
    0x3f2acc7f57c29bdb, 0x699ae9f52cbe4794, 0x4bc1b3f0968dd39c, 0xbb6dc91da77961bd,
    0xbed65cf21aa2ee98, 0xd0f2cbb02e3b67c7, 0x93536795e3a33e88, 0xa80c038ccd5ccec8,
    0xb8ad50c6f649af94, 0xbce192de8a85b8ea, 0x17d835b85bbb15f3, 0x2f2e6163076bcfad,
    0xde4daaaca71dc9a5, 0xa6a2506687956571, 0xad87a3535c49ef28, 0x32d892fad841c342,
    0x7127512f72f27cce, 0xa7f32346f95978e3, 0x12e0b01abb051238, 0x15e034d40fa197ae,
    0x314dffbe0815a3b4, 0x027990f029623981, 0xcadcd4e59ef40c4d, 0x9abfd8766a33735c,
    0x0e3ea96b5304a7d0, 0xad0c42d6fc585992, 0x187306c89bc215a9, 0xd4a60abcf3792b95,
    0xf935451de4f21df2, 0xa9538f0419755787, 0xdb9acddff56ca510, 0xd06c98cd5c0975eb,
    0xe612a3cb9ecba951, 0xc766e62cfcadaf96, 0xee64435a9752fe72, 0xa192d576b245165a,
    0x0a8787bf8ecb74b2, 0x81b3e73d20b49b6f, 0x7fa8220ba3b2ecea, 0x245731c13ca42499,
    0xb78dbfaf3a8d83bd, 0xea1ad565322a1a0b, 0x60e61c23a3795013, 0x6606d7e446282b93,
    0x6ca4ecb15c5f91e1, 0x9f626da15c9625f3, 0xe51b38608ef25f57, 0x958a324ceb064572,
};

static uint8_t message[64]; /* 00 01 02 ... 3f */

static int setup(void **state)
{
    (void)state;
    for (unsigned i = 0; i < sizeof message; i++)
        message[i] = (uint8_t)i;
    return 0;
}

static void expect_state(const struct tapir__siphash *s, uint64_t v0, uint64_t v1, uint64_t v2,
                         uint64_t v3)
{
    assert_int_equal(s->v0, v0);
    assert_int_equal(s->v1, v1);
    assert_int_equal(s->v2, v2);
    assert_int_equal(s->v3, v3);
}

/* Appendix A: key 00..0f, the 15-byte message 00..0e. */
static void test_paper_appendix(void **state)
{
    (void)state;
    struct tapir__siphash_key key = paper_key();
    struct tapir__siphash s;

    /* After initialization: the key words xored into the constants. */
    tapir__siphash_init(&s, &key);
    expect_state(&s, 0x7469686173716475, 0x6b617f6d656e6665, 0x6b7f62616d677361,
                 0x7b6b696e727e6c7b);

    /* The first word m0 = 0706050403020100 goes into v3 ... */
    struct tapir__siphash t = s;
    t.v3 ^= 0x0706050403020100;
    assert_int_equal(t.v3, 0x7c6d6c6a717c6d7b);

    /* ... and after the two SipRounds and v0 ^= m0 the paper lists these. The remaining 7
     * bytes wait for the last word. */
    tapir__siphash_update(&s, message, 15);
    expect_state(&s, 0x4a017198de0a59e0, 0x0d52f6f62a4f59a4, 0x634cb3577b01fd3d,
                 0xa5224d6f55c7d9c8);
    assert_int_equal(s.len, 15);

    /* The last word is 0f0e0d0c0b0a0908 (bytes 08..0e, length 15 in the top byte); after it,
     * 0xff and the four finalization rounds, the state and the result are these. */
    assert_int_equal(tapir__siphash_final(&s), 0xa129ca6149be45e5);
    expect_state(&s, 0xf6bcd53893fecff1, 0x54b9964c7ea0d937, 0x1b38329c099bb55a,
                 0x1814bb89ad7be679);
}

static void test_reference_vectors(void **state)
{
    (void)state;
    struct tapir__siphash_key key = paper_key();
    for (size_t len = 0; len < 64; len++)
        assert_int_equal(tapir__siphash24(&key, message, len), reference[len]);
}

/* The incremental interface gives the one-shot result for every split into three pieces
 * (empty pieces included), so word boundaries inside update are handled. */
static void test_pieces(void **state)
{
    (void)state;
    struct tapir__siphash_key key = paper_key();
    for (size_t len = 0; len < 64; len++) {
        for (size_t i = 0; i <= len; i++) {
            for (size_t j = i; j <= len; j++) {
                struct tapir__siphash s;
                tapir__siphash_init(&s, &key);
                tapir__siphash_update(&s, message, i);
                tapir__siphash_update(&s, message + i, j - i);
                tapir__siphash_update(&s, message + j, len - j);
                assert_int_equal(tapir__siphash_final(&s), reference[len]);
            }
        }
        /* And a byte at a time. */
        struct tapir__siphash s;
        tapir__siphash_init(&s, &key);
        for (size_t i = 0; i < len; i++)
            tapir__siphash_update(&s, message + i, 1);
        assert_int_equal(tapir__siphash_final(&s), reference[len]);
    }
}

/* Inputs at every alignment: words are assembled from bytes, never loaded by a cast. */
static void test_unaligned(void **state)
{
    (void)state;
    struct tapir__siphash_key key = paper_key();
    uint8_t buf[64 + 8];
    for (size_t off = 0; off < 8; off++) {
        memset(buf, 0xa5, sizeof buf);
        memcpy(buf + off, message, 64);
        for (size_t len = 0; len < 64; len++)
            assert_int_equal(tapir__siphash24(&key, buf + off, len), reference[len]);
    }
}

/* Every one of the 128 key bits matters: flipping any one changes the result (the chance
 * that a correct implementation collides here is 128 / 2^64). */
static void test_every_key_bit(void **state)
{
    (void)state;
    for (unsigned bit = 0; bit < 128; bit++) {
        struct tapir__siphash_key key = paper_key();
        key.bytes[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        assert_int_not_equal(tapir__siphash24(&key, message, 15), reference[15]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_paper_appendix), cmocka_unit_test(test_reference_vectors),
        cmocka_unit_test(test_pieces),         cmocka_unit_test(test_unaligned),
        cmocka_unit_test(test_every_key_bit),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
