/* TCP initial sequence numbers (src/socket/tcp_isn.c, RFC 6528): the exact hash input,
 * determinism, the 4-microsecond clock (250,000 a second, across the origin and the
 * wrap), and unrelated values for different tuples and keys. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "tapir/priv/tcp_isn.h"
#include "tapir/random.h"

#define T0 ((tapir_instant)1234567 * TAPIR_US_PER_S) /* a virtual clock reading */
#define N  10000

static struct tapir__siphash_key key_from(uint64_t seed)
{
    struct tapir_prng prng;
    tapir_prng_seed(&prng, seed);
    struct tapir_rng rng = tapir_prng_source(&prng);
    struct tapir__siphash_key k;
    rng.fill(rng.ctx, k.bytes, sizeof k.bytes);
    return k;
}

static struct tapir__tcp_tuple tuple4(const uint8_t l[4], uint16_t lport, const uint8_t r[4],
                                      uint16_t rport)
{
    struct tapir__tcp_tuple t;
    memset(&t, 0, sizeof t);
    t.local.version = TAPIR_IP_V4;
    t.remote.version = TAPIR_IP_V4;
    memcpy(t.local.v4.bytes, l, 4);
    memcpy(t.remote.v4.bytes, r, 4);
    t.local_port = lport;
    t.remote_port = rport;
    return t;
}

static const uint8_t A4[4] = {192, 0, 2, 1}, B4[4] = {198, 51, 100, 7};
static const uint8_t A6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};
static const uint8_t B6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x12, 0x34};

static struct tapir__tcp_tuple tuple6(const uint8_t l[16], uint16_t lport, const uint8_t r[16],
                                      uint16_t rport)
{
    struct tapir__tcp_tuple t;
    memset(&t, 0, sizeof t);
    t.local.version = TAPIR_IP_V6;
    t.remote.version = TAPIR_IP_V6;
    memcpy(t.local.v6.bytes, l, 16);
    memcpy(t.remote.v6.bytes, r, 16);
    t.local_port = lport;
    t.remote_port = rport;
    return t;
}

static struct tapir__tcp_tuple random_tuple(struct tapir_prng *prng)
{
    struct tapir_rng rng = tapir_prng_source(prng);
    struct tapir__tcp_tuple t;
    memset(&t, 0, sizeof t);
    uint8_t version = (tapir_prng_next(prng) & 1) ? TAPIR_IP_V6 : TAPIR_IP_V4;
    t.local.version = version;
    t.remote.version = version;
    rng.fill(rng.ctx, t.local.v6.bytes, version == TAPIR_IP_V4 ? 4 : 16);
    rng.fill(rng.ctx, t.remote.v6.bytes, version == TAPIR_IP_V4 ? 4 : 16);
    t.local_port = (uint16_t)tapir_prng_next(prng);
    t.remote_port = (uint16_t)tapir_prng_next(prng);
    return t;
}

/* The hash input is exactly the documented encoding, for both families: F is SipHash-2-4
 * of these bytes, and the ISN is M + F. */
static void test_encoding(void **state)
{
    (void)state;
    struct tapir__siphash_key key = key_from(1);

    struct tapir__tcp_tuple t4 = tuple4(A4, 49152, B4, 80);
    const uint8_t in4[] = {
        TAPIR__TCP_HASH_ISN, 4, 192, 0, 2, 1, 4, 198, 51, 100, 7, 0xc0, 0x00, 0x00, 0x50};
    uint32_t f4 = (uint32_t)tapir__siphash24(&key, in4, sizeof in4);
    assert_int_equal(tapir__tcp_isn(&key, &t4, 1000), (uint32_t)(250 + f4));

    struct tapir__tcp_tuple t6 = tuple6(A6, 443, B6, 50001);
    uint8_t in6[1 + 17 + 17 + 4] = {TAPIR__TCP_HASH_ISN, 6};
    memcpy(in6 + 2, A6, 16);
    in6[18] = 6;
    memcpy(in6 + 19, B6, 16);
    in6[35] = 0x01;
    in6[36] = 0xbb;
    in6[37] = 0xc3;
    in6[38] = 0x51;
    uint32_t f6 = (uint32_t)tapir__siphash24(&key, in6, sizeof in6);
    assert_int_equal(tapir__tcp_isn(&key, &t6, 0), f6);
}

/* Same tuple, key and time: same ISN, whatever the unused bytes of the address unions
 * hold. */
static void test_deterministic(void **state)
{
    (void)state;
    struct tapir__siphash_key key = key_from(2);
    struct tapir__tcp_tuple t = tuple4(A4, 40000, B4, 22);
    uint32_t isn = tapir__tcp_isn(&key, &t, T0);
    for (int i = 0; i < 3; i++)
        assert_int_equal(tapir__tcp_isn(&key, &t, T0), isn);

    struct tapir__tcp_tuple u = t;
    memset(u.local.v6.bytes + 4, 0xa5, 12);
    memset(u.remote.v6.bytes + 4, 0x5a, 12);
    assert_int_equal(tapir__tcp_isn(&key, &u, T0), isn);

    struct tapir__siphash_key same = key_from(2);
    assert_int_equal(tapir__tcp_isn(&same, &t, T0), isn);
}

/* M ticks every 4 us: +1 per tick, +250,000 per second, modulo 2^32. */
static void test_clock(void **state)
{
    (void)state;
    assert_int_equal(tapir__tcp_isn_clock(0), 0);
    assert_int_equal(tapir__tcp_isn_clock(3), 0);
    assert_int_equal(tapir__tcp_isn_clock(4), 1);
    assert_int_equal(tapir__tcp_isn_clock(TAPIR_US_PER_S), 250000);
    assert_int_equal(tapir__tcp_isn_clock(T0), (uint32_t)(1234567ull * 250000));
    /* Wraps after 2^32 ticks. */
    tapir_instant wrap = (tapir_instant)4 << 32;
    assert_int_equal(tapir__tcp_isn_clock(wrap - 4), 0xffffffffu);
    assert_int_equal(tapir__tcp_isn_clock(wrap), 0);
    assert_int_equal(tapir__tcp_isn_clock(wrap + 8), 2);
    /* Before the origin it keeps counting down one per tick (floor, not truncation). */
    assert_int_equal(tapir__tcp_isn_clock(-1), 0xffffffffu);
    assert_int_equal(tapir__tcp_isn_clock(-4), 0xffffffffu);
    assert_int_equal(tapir__tcp_isn_clock(-5), 0xfffffffeu);
    assert_int_equal(tapir__tcp_isn_clock(-TAPIR_US_PER_S), (uint32_t)-250000);
}

/* For one tuple the ISN moves with M alone: exactly 250,000 per second, one per 4 us,
 * through the wrap and across the origin. */
static void test_increases_with_time(void **state)
{
    (void)state;
    struct tapir__siphash_key key = key_from(3);
    struct tapir__tcp_tuple t4 = tuple4(A4, 40000, B4, 22);
    struct tapir__tcp_tuple t6 = tuple6(A6, 40000, B6, 22);
    const struct tapir__tcp_tuple *ts[2] = {&t4, &t6};
    for (int v = 0; v < 2; v++) {
        uint32_t base = tapir__tcp_isn(&key, ts[v], T0);
        for (uint32_t s = 1; s <= 20000; s++) {
            uint32_t isn = tapir__tcp_isn(&key, ts[v], T0 + (tapir_instant)s * TAPIR_US_PER_S);
            assert_int_equal((uint32_t)(isn - base), (uint32_t)(s * 250000u));
        }
        assert_int_equal((uint32_t)(tapir__tcp_isn(&key, ts[v], T0 + 4) - base), 1);
        assert_int_equal(tapir__tcp_isn(&key, ts[v], T0 + 3), base);
        assert_int_equal((uint32_t)(base - tapir__tcp_isn(&key, ts[v], T0 - 1)), 1);
        uint32_t at0 = tapir__tcp_isn(&key, ts[v], 0);
        assert_int_equal((uint32_t)(at0 - tapir__tcp_isn(&key, ts[v], -TAPIR_US_PER_S)), 250000);
    }
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* Count the values equal to their sorted neighbour. */
static unsigned duplicates(uint32_t *v, size_t n)
{
    qsort(v, n, sizeof *v, cmp_u32);
    unsigned dups = 0;
    for (size_t i = 1; i < n; i++)
        dups += v[i] == v[i - 1];
    return dups;
}

/* Each of the 32 bits is set in about half of the values: within 10 standard deviations
 * (sqrt(N)/2 = 50) of N/2. A hash that kept only 16 or 24 bits, or a plain sum, fails. */
static void expect_balanced_bits(const uint32_t *v, size_t n)
{
    for (unsigned bit = 0; bit < 32; bit++) {
        size_t ones = 0;
        for (size_t i = 0; i < n; i++)
            ones += (v[i] >> bit) & 1;
        assert_in_range(ones, n / 2 - 500, n / 2 + 500);
    }
}

/* 10,000 random tuples (both families), one key, one time: no two ISNs equal. For a random
 * function the chance of any collision is about N^2 / 2^33 = 1.2%; this seed has none,
 * and one that did would be found by the same check every run. */
static void test_tuples_unrelated(void **state)
{
    (void)state;
    static uint32_t isn[N];
    struct tapir__siphash_key key = key_from(4);
    struct tapir_prng prng;
    tapir_prng_seed(&prng, 44);
    for (size_t i = 0; i < N; i++) {
        struct tapir__tcp_tuple t = random_tuple(&prng);
        isn[i] = tapir__tcp_isn(&key, &t, T0);
    }
    expect_balanced_bits(isn, N);
    assert_int_equal(duplicates(isn, N), 0);
}

/* Neighbouring tuples (one port apart, as a client's successive connections are) are as
 * unrelated as random ones: no duplicates, balanced bits, and no common difference. */
static void test_neighbours_unrelated(void **state)
{
    (void)state;
    static uint32_t isn[N];
    struct tapir__siphash_key key = key_from(5);
    for (size_t i = 0; i < N; i++) {
        struct tapir__tcp_tuple t = tuple4(A4, (uint16_t)(40000 + i), B4, 80);
        isn[i] = tapir__tcp_isn(&key, &t, T0);
    }
    unsigned same_step = 0;
    for (size_t i = 2; i < N; i++)
        same_step += isn[i] - isn[i - 1] == isn[i - 1] - isn[i - 2];
    assert_int_equal(same_step, 0);
    expect_balanced_bits(isn, N);
    assert_int_equal(duplicates(isn, N), 0);
}

/* 10,000 random keys, one tuple: no two ISNs equal. */
static void test_keys_unrelated(void **state)
{
    (void)state;
    static uint32_t isn[N];
    struct tapir__tcp_tuple t = tuple6(A6, 40000, B6, 443);
    for (size_t i = 0; i < N; i++) {
        struct tapir__siphash_key key = key_from(1000 + i);
        isn[i] = tapir__tcp_isn(&key, &t, T0);
    }
    expect_balanced_bits(isn, N);
    assert_int_equal(duplicates(isn, N), 0);
}

/* Every field counts, and so does the direction: the reverse tuple, the IPv4-mapped IPv6
 * form of the same addresses, and each field changed by one give different ISNs. */
static void test_every_field(void **state)
{
    (void)state;
    struct tapir__siphash_key key = key_from(6);
    struct tapir__tcp_tuple t = tuple4(A4, 40000, B4, 80);
    uint32_t isn = tapir__tcp_isn(&key, &t, T0);

    struct tapir__tcp_tuple u = t;
    u.local.v4.bytes[3] ^= 1;
    assert_int_not_equal(tapir__tcp_isn(&key, &u, T0), isn);
    u = t;
    u.remote.v4.bytes[0] ^= 0x80;
    assert_int_not_equal(tapir__tcp_isn(&key, &u, T0), isn);
    u = t;
    u.local_port++;
    assert_int_not_equal(tapir__tcp_isn(&key, &u, T0), isn);
    u = t;
    u.remote_port++;
    assert_int_not_equal(tapir__tcp_isn(&key, &u, T0), isn);
    u = tuple4(B4, 80, A4, 40000);
    assert_int_not_equal(tapir__tcp_isn(&key, &u, T0), isn);

    uint8_t m1[16] = {[10] = 0xff, [11] = 0xff}, m2[16] = {[10] = 0xff, [11] = 0xff};
    memcpy(m1 + 12, A4, 4);
    memcpy(m2 + 12, B4, 4);
    u = tuple6(m1, 40000, m2, 80);
    assert_int_not_equal(tapir__tcp_isn(&key, &u, T0), isn);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_encoding),
        cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_clock),
        cmocka_unit_test(test_increases_with_time),
        cmocka_unit_test(test_tuples_unrelated),
        cmocka_unit_test(test_neighbours_unrelated),
        cmocka_unit_test(test_keys_unrelated),
        cmocka_unit_test(test_every_field),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
