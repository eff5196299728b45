/* TCP SYN cookies (src/socket/tcp_syncookie.c, RFC 4987 §3.6): the exact layout, round
 * trips for every MSS index in both families, the two-slot lifetime on a virtual clock,
 * rejection of any changed input, the options carried in the timestamp, and how few of a
 * million random ACK numbers pass. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "tapir/error.h"
#include "tapir/priv/tcp_syncookie.h"
#include "tapir/random.h"

#define SLOT TAPIR_SYNCOOKIE_SLOT_US
#define T0   (1000 * SLOT) /* the start of a slot on the virtual clock */

static struct tapir__siphash_key key_from(uint64_t seed)
{
    struct tapir_prng prng;
    tapir_prng_seed(&prng, seed);
    struct tapir_rng rng = tapir_prng_source(&prng);
    struct tapir__siphash_key k;
    rng.fill(rng.ctx, k.bytes, sizeof k.bytes);
    return k;
}

static const uint8_t A4[4] = {192, 0, 2, 1}, B4[4] = {198, 51, 100, 7};
static const uint8_t A6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};
static const uint8_t B6[16] = {0x20, 0x01, 0x0d, 0xb8, [14] = 0x12, [15] = 0x34};

/* Local = the listener (port 80 or 443), remote = the client. */
static struct tapir__tcp_tuple tuple(uint8_t version)
{
    struct tapir__tcp_tuple t;
    memset(&t, 0, sizeof t);
    t.local.version = version;
    t.remote.version = version;
    if (version == TAPIR_IP_V4) {
        memcpy(t.local.v4.bytes, A4, 4);
        memcpy(t.remote.v4.bytes, B4, 4);
        t.local_port = 80;
    } else {
        memcpy(t.local.v6.bytes, A6, 16);
        memcpy(t.remote.v6.bytes, B6, 16);
        t.local_port = 443;
    }
    t.remote_port = 51234;
    return t;
}

static const uint8_t versions[2] = {TAPIR_IP_V4, TAPIR_IP_V6};

/* The ACK completing the handshake for a SYN with `syn_seq` answered by `cookie`. */
static int check(const struct tapir__siphash_key *key, const struct tapir__tcp_tuple *t,
                 uint32_t syn_seq, uint32_t cookie, tapir_instant now)
{
    return tapir__syncookie_check(key, t, syn_seq + 1, cookie + 1, now);
}

static void test_mss_tables(void **state)
{
    (void)state;
    const uint16_t v4[4] = {536, 1300, 1440, 1460}, v6[4] = {1220, 1420, 1440, 8940};
    for (unsigned i = 0; i < 4; i++) {
        assert_int_equal(tapir__syncookie_mss(TAPIR_IP_V4, i), v4[i]);
        assert_int_equal(tapir__syncookie_mss(TAPIR_IP_V6, i), v6[i]);
    }
    assert_int_equal(tapir__syncookie_mss(TAPIR_IP_V4, 4), 0);
    assert_int_equal(tapir__syncookie_mss(TAPIR_IP_V6, 4), 0);

    /* The largest entry not above the peer's MSS; below the smallest, the smallest. */
    const struct {
        uint16_t mss;
        unsigned v4, v6;
    } cases[] = {
        {0, 0, 0},    {535, 0, 0},  {536, 0, 0},  {1219, 0, 0}, {1220, 0, 0},  {1299, 0, 0},
        {1300, 1, 0}, {1419, 1, 0}, {1420, 1, 1}, {1439, 1, 1}, {1440, 2, 2},  {1459, 2, 2},
        {1460, 3, 2}, {8939, 3, 2}, {8940, 3, 3}, {9000, 3, 3}, {65535, 3, 3},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_int_equal(tapir__syncookie_mss_index(TAPIR_IP_V4, cases[i].mss), cases[i].v4);
        assert_int_equal(tapir__syncookie_mss_index(TAPIR_IP_V6, cases[i].mss), cases[i].v6);
    }
}

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* The documented layout, rebuilt here from SipHash and the tuple encoding:
 * base(tuple, seq) + slot << 24 + mac(tuple, seq, slot, index) << 2 + index. */
static void test_layout(void **state)
{
    (void)state;
    struct tapir__siphash_key key = key_from(1);
    struct tapir__tcp_tuple t = tuple(TAPIR_IP_V4);
    const uint32_t seq = 0x12345678;
    const int64_t slot = 1000 + 300; /* 300 slots on: the top byte wraps past 255 */
    const uint8_t prefix[] = {4, 192, 0, 2, 1, 4, 198, 51, 100, 7, 0, 80, 0xc8, 0x22};

    uint8_t in[1 + sizeof prefix + 4 + 8 + 1];
    in[0] = TAPIR__TCP_HASH_COOKIE_BASE;
    memcpy(in + 1, prefix, sizeof prefix);
    put_be32(in + 1 + sizeof prefix, seq);
    uint32_t base = (uint32_t)tapir__siphash24(&key, in, 1 + sizeof prefix + 4);

    for (unsigned idx = 0; idx < 4; idx++) {
        in[0] = TAPIR__TCP_HASH_COOKIE_MAC;
        put_be32(in + 1 + sizeof prefix + 4, 0);
        put_be32(in + 1 + sizeof prefix + 8, (uint32_t)slot);
        in[sizeof in - 1] = (uint8_t)idx;
        uint32_t mac = (uint32_t)tapir__siphash24(&key, in, sizeof in) & 0x3fffff;
        uint32_t want = base + ((uint32_t)(slot & 0xff) << 24 | mac << 2 | idx);
        assert_int_equal(tapir__syncookie_encode(&key, &t, seq, idx, slot * SLOT + 12345), want);
    }
}

/* Every MSS index, both families, encoded anywhere in a slot and checked anywhere in the
 * same slot or the next: the MSS comes back. */
static void test_round_trip(void **state)
{
    (void)state;
    struct tapir__siphash_key key = key_from(2);
    const tapir_instant at[] = {0, 1, SLOT / 2, SLOT - 1};
    for (int v = 0; v < 2; v++) {
        struct tapir__tcp_tuple t = tuple(versions[v]);
        for (unsigned idx = 0; idx < TAPIR_SYNCOOKIE_MSS_COUNT; idx++) {
            uint16_t mss = tapir__syncookie_mss(versions[v], idx);
            for (size_t e = 0; e < 4; e++) {
                uint32_t seq = 0xfffffff0u + (uint32_t)e * 7; /* near the wrap, too */
                uint32_t cookie = tapir__syncookie_encode(&key, &t, seq, idx, T0 + at[e]);
                for (size_t c = 0; c < 4; c++) {
                    assert_int_equal(check(&key, &t, seq, cookie, T0 + at[c]), mss);
                    assert_int_equal(check(&key, &t, seq, cookie, T0 + SLOT + at[c]), mss);
                }
            }
        }
    }
}

/* Accepted in its slot and the next; from two or three slots ago, from a later slot, or
 * from exactly 256 slots ago (the same top byte), rejected. */
static void test_lifetime(void **state)
{
    (void)state;
    struct tapir__siphash_key key = key_from(3);
    for (int v = 0; v < 2; v++) {
        struct tapir__tcp_tuple t = tuple(versions[v]);
        uint32_t cookie = tapir__syncookie_encode(&key, &t, 777, 3, T0 + SLOT - 1);
        uint16_t mss = tapir__syncookie_mss(versions[v], 3);
        assert_int_equal(check(&key, &t, 777, cookie, T0), mss);
        assert_int_equal(check(&key, &t, 777, cookie, T0 + 2 * SLOT - 1), mss);
        assert_int_equal(check(&key, &t, 777, cookie, T0 + 2 * SLOT), TAPIR_EBADFIELD);
        assert_int_equal(check(&key, &t, 777, cookie, T0 + 3 * SLOT), TAPIR_EBADFIELD);
        assert_int_equal(check(&key, &t, 777, cookie, T0 + 3 * SLOT + SLOT / 2), TAPIR_EBADFIELD);
        assert_int_equal(check(&key, &t, 777, cookie, T0 - 1), TAPIR_EBADFIELD);
        assert_int_equal(check(&key, &t, 777, cookie, T0 + 256 * SLOT), TAPIR_EBADFIELD);
        assert_int_equal(check(&key, &t, 777, cookie, T0 + 257 * SLOT), TAPIR_EBADFIELD);
    }
    /* Slots are counted from the origin down as well as up. */
    struct tapir__tcp_tuple t = tuple(TAPIR_IP_V4);
    uint32_t cookie = tapir__syncookie_encode(&key, &t, 777, 1, -1);
    assert_int_equal(check(&key, &t, 777, cookie, -SLOT), 1300);
    assert_int_equal(check(&key, &t, 777, cookie, SLOT - 1), 1300);
    assert_int_equal(check(&key, &t, 777, cookie, SLOT), TAPIR_EBADFIELD);
    assert_int_equal(check(&key, &t, 777, cookie, -SLOT - 1), TAPIR_EBADFIELD);
}

/* Any change of tuple, peer ISN, ACK number or key fails. */
static void test_changed_inputs(void **state)
{
    (void)state;
    struct tapir__siphash_key key = key_from(4);
    for (int v = 0; v < 2; v++) {
        struct tapir__tcp_tuple t = tuple(versions[v]);
        const uint32_t seq = 0x89abcdef;
        for (unsigned idx = 0; idx < 4; idx++) {
            uint32_t cookie = tapir__syncookie_encode(&key, &t, seq, idx, T0);
            assert_int_equal(check(&key, &t, seq, cookie, T0),
                             tapir__syncookie_mss(versions[v], idx));

            struct tapir__tcp_tuple u = t;
            u.local.v6.bytes[3] ^= 1; /* the last IPv4 byte, an inner IPv6 one */
            assert_int_equal(check(&key, &u, seq, cookie, T0), TAPIR_EBADFIELD);
            u = t;
            u.remote.v6.bytes[0] ^= 0x80;
            assert_int_equal(check(&key, &u, seq, cookie, T0), TAPIR_EBADFIELD);
            u = t;
            u.local_port++;
            assert_int_equal(check(&key, &u, seq, cookie, T0), TAPIR_EBADFIELD);
            u = t;
            u.remote_port--;
            assert_int_equal(check(&key, &u, seq, cookie, T0), TAPIR_EBADFIELD);
            u = t;
            u.local = t.remote;
            u.remote = t.local;
            assert_int_equal(check(&key, &u, seq, cookie, T0), TAPIR_EBADFIELD);

            const int32_t deltas[] = {1, -1, 2, -2, 3, -3, 1 << 24, 0x40000000};
            for (size_t d = 0; d < sizeof deltas / sizeof deltas[0]; d++) {
                uint32_t off = (uint32_t)deltas[d];
                assert_int_equal(check(&key, &t, seq + off, cookie, T0), TAPIR_EBADFIELD);
                assert_int_equal(check(&key, &t, seq, cookie + off, T0), TAPIR_EBADFIELD);
            }

            for (unsigned bit = 0; bit < 128; bit += 9) {
                struct tapir__siphash_key other = key;
                other.bytes[bit / 8] ^= (uint8_t)(1u << (bit % 8));
                assert_int_equal(tapir__syncookie_check(&other, &t, seq + 1, cookie + 1, T0),
                                 TAPIR_EBADFIELD);
            }
        }
    }
}

/* Around a genuine cookie only the cookie itself passes: the MSS index is under the MAC,
 * so ACK numbers one or two off (which pass in Linux, with another MSS) fail here. The
 * other three indices' cookies lie elsewhere in the 2^24 block, each passing only as
 * itself. */
static void test_neighbourhood(void **state)
{
    (void)state;
    struct tapir__siphash_key key = key_from(5);
    struct tapir__tcp_tuple t = tuple(TAPIR_IP_V4);
    uint32_t cookies[4];
    for (unsigned idx = 0; idx < 4; idx++)
        cookies[idx] = tapir__syncookie_encode(&key, &t, 4242, idx, T0);
    for (unsigned idx = 0; idx < 4; idx++) {
        unsigned passed = 0;
        for (int32_t d = -65536; d <= 65536; d++) {
            uint32_t c = cookies[idx] + (uint32_t)d;
            int r = check(&key, &t, 4242, c, T0);
            if (r == TAPIR_EBADFIELD)
                continue;
            passed++;
            unsigned which = 4;
            for (unsigned j = 0; j < 4; j++)
                if (c == cookies[j])
                    which = j;
            assert_int_not_equal(which, 4);
            assert_int_equal(r, tapir__syncookie_mss(TAPIR_IP_V4, which));
        }
        unsigned near = 0;
        for (unsigned j = 0; j < 4; j++) {
            int64_t d = (int32_t)(cookies[j] - cookies[idx]);
            near += d >= -65536 && d <= 65536;
        }
        assert_int_equal(passed, near);
    }
}

/* A blind attacker's odds: 1,000,000 random ACK numbers for one tuple and peer ISN. The
 * accepted set is 2 slots x 4 MSS indices = 8 values out of 2^32 (the 22-bit MAC, the
 * 8-bit slot and the 2-bit index fill the 32 bits), so about 0.002 should pass; allow one.
 * A cookie checked with fewer MAC bits (or none) would let thousands through. The same
 * with a random peer ISN for each guess. */
static void test_brute_force(void **state)
{
    (void)state;
    const uint64_t n = 1000000;
    const uint64_t accepted_values = 2 * TAPIR_SYNCOOKIE_MSS_COUNT;
    const uint64_t bound = 1 + 10 * n * accepted_values / (1ull << 32); /* 1 */
    struct tapir__siphash_key key = key_from(6);
    struct tapir__tcp_tuple t = tuple(TAPIR_IP_V6);
    struct tapir_prng prng;
    tapir_prng_seed(&prng, 66);

    uint64_t passed = 0, passed_any_seq = 0;
    for (uint64_t i = 0; i < n; i++) {
        uint64_t r = tapir_prng_next(&prng);
        passed += tapir__syncookie_check(&key, &t, 1001, (uint32_t)r, T0 + SLOT / 2) > 0;
        passed_any_seq +=
            tapir__syncookie_check(&key, &t, (uint32_t)(r >> 32), (uint32_t)r, T0 + SLOT / 2) > 0;
    }
    assert_int_equal(bound, 1);
    assert_true(passed <= bound);
    assert_true(passed_any_seq <= bound);
}

/* ---- options in the timestamp ---- */

static void expect_opts(const struct tapir__syncookie_opts *got,
                        const struct tapir__syncookie_opts *want)
{
    assert_int_equal(got->wscale_ok, want->wscale_ok);
    assert_int_equal(got->wscale, want->wscale_ok ? want->wscale : 0);
    assert_int_equal(got->sack_ok, want->sack_ok);
    assert_int_equal(got->ecn_ok, want->ecn_ok);
}

/* Every wscale 0..14 and "none", with and without SACK and ECN, at clock values on and off
 * a 64-tick boundary and near the wrap: the options come back, and the TSval is at most
 * the clock and less than 64 behind it. */
static void test_ts_round_trip(void **state)
{
    (void)state;
    const uint32_t clocks[] = {0,    1,          62,         63,         64,
                               1000, 0x7fffffff, 0x80000000, 0xffffffc0, 0xffffffff};
    for (size_t c = 0; c < sizeof clocks / sizeof clocks[0]; c++) {
        for (int ws = -1; ws <= 14; ws++) {
            for (int flags = 0; flags < 4; flags++) {
                struct tapir__syncookie_opts o = {
                    .wscale_ok = ws >= 0,
                    .wscale = (uint8_t)(ws >= 0 ? ws : 0),
                    .sack_ok = flags & 1,
                    .ecn_ok = (flags & 2) != 0,
                };
                uint32_t ts = tapir__syncookie_ts_encode(clocks[c], &o);
                assert_in_range((uint32_t)(clocks[c] - ts), 0, 63);
                struct tapir__syncookie_opts got;
                memset(&got, 0xa5, sizeof got);
                tapir__syncookie_ts_decode(ts, &got);
                expect_opts(&got, &o);
            }
        }
    }
}

/* The bit layout exactly, and the step back when the bits would run ahead of the clock. */
static void test_ts_layout(void **state)
{
    (void)state;
    struct tapir__syncookie_opts o = {.wscale_ok = true, .wscale = 7, .sack_ok = true};
    assert_int_equal(tapir__syncookie_ts_encode(1000, &o), 960 | 0x17); /* 983 <= 1000 */
    assert_int_equal(tapir__syncookie_ts_encode(963, &o), 896 | 0x17);  /* 983 > 963 */
    assert_int_equal(tapir__syncookie_ts_encode(983, &o), 983);
    assert_int_equal(tapir__syncookie_ts_encode(5, &o), (uint32_t)(0x17 - 64));

    struct tapir__syncookie_opts none = {0};
    assert_int_equal(tapir__syncookie_ts_encode(0x12345678, &none), 0x1234564f);
    struct tapir__syncookie_opts all = {
        .wscale_ok = true, .wscale = 14, .sack_ok = true, .ecn_ok = true};
    assert_int_equal(tapir__syncookie_ts_encode(0x12345678, &all), 0x1234563e);

    /* A shift count above 14 is used as 14 (RFC 7323 §2.3), never read as "none". */
    struct tapir__syncookie_opts big = {.wscale_ok = true, .wscale = 15};
    assert_int_equal(tapir__syncookie_ts_encode(0x12345678, &big), 0x1234564e);
    big.wscale = 255;
    assert_int_equal(tapir__syncookie_ts_encode(0x12345678, &big), 0x1234564e);

    /* Only the low 6 bits are read back. */
    struct tapir__syncookie_opts got;
    tapir__syncookie_ts_decode(0xffffffc0 | 0x25, &got);
    struct tapir__syncookie_opts want = {.wscale_ok = true, .wscale = 5, .ecn_ok = true};
    expect_opts(&got, &want);
    tapir__syncookie_ts_decode(0x0f, &got);
    struct tapir__syncookie_opts want_none = {0};
    expect_opts(&got, &want_none);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mss_tables),     cmocka_unit_test(test_layout),
        cmocka_unit_test(test_round_trip),     cmocka_unit_test(test_lifetime),
        cmocka_unit_test(test_changed_inputs), cmocka_unit_test(test_neighbourhood),
        cmocka_unit_test(test_brute_force),    cmocka_unit_test(test_ts_round_trip),
        cmocka_unit_test(test_ts_layout),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
