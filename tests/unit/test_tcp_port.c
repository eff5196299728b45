/* Ephemeral port selection (src/socket/tcp_port.c, RFC 6056 §3.3.4 Algorithm 4): the
 * range and its checks, busy ports skipped, one destination walking its whole range before
 * EAGAIN, destinations starting at unrelated offsets with counters of their own, and what
 * the in-use callback is shown. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "tapir/error.h"
#include "tapir/priv/tcp_port.h"
#include "tapir/random.h"

static struct tapir__siphash_key key_from(uint64_t seed)
{
    struct tapir_prng prng;
    tapir_prng_seed(&prng, seed);
    struct tapir_rng rng = tapir_prng_source(&prng);
    struct tapir__siphash_key k;
    rng.fill(rng.ctx, k.bytes, sizeof k.bytes);
    return k;
}

/* Local = us (the client), remote = the server. */
static struct tapir__tcp_tuple tuple4(uint32_t remote, uint16_t remote_port)
{
    struct tapir__tcp_tuple t;
    memset(&t, 0, sizeof t);
    t.local.version = TAPIR_IP_V4;
    t.remote.version = TAPIR_IP_V4;
    const uint8_t l[4] = {192, 0, 2, 1};
    memcpy(t.local.v4.bytes, l, 4);
    t.remote.v4.bytes[0] = (uint8_t)(remote >> 24);
    t.remote.v4.bytes[1] = (uint8_t)(remote >> 16);
    t.remote.v4.bytes[2] = (uint8_t)(remote >> 8);
    t.remote.v4.bytes[3] = (uint8_t)remote;
    t.remote_port = remote_port;
    return t;
}

static struct tapir__tcp_tuple tuple6(uint8_t host, uint16_t remote_port)
{
    struct tapir__tcp_tuple t;
    memset(&t, 0, sizeof t);
    t.local.version = TAPIR_IP_V6;
    t.remote.version = TAPIR_IP_V6;
    const uint8_t l[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};
    const uint8_t r[16] = {0x20, 0x01, 0x0d, 0xb8, [13] = 0x99};
    memcpy(t.local.v6.bytes, l, 16);
    memcpy(t.remote.v6.bytes, r, 16);
    t.remote.v6.bytes[15] = host;
    t.remote_port = remote_port;
    return t;
}

#define SERVER 0xc6336407u /* 198.51.100.7 */

/* What the callback sees: a bitmap of busy ports, the tuple it must be asked about, and
 * how often it was asked. */
struct ports_in_use {
    uint8_t busy[65536 / 8];
    const struct tapir__tcp_tuple *expect; /* NULL: do not check the tuple */
    unsigned calls;
};

static bool is_busy(const struct ports_in_use *u, uint16_t port)
{
    return (u->busy[port / 8] >> (port % 8)) & 1;
}

static void set_busy(struct ports_in_use *u, uint16_t port)
{
    u->busy[port / 8] |= (uint8_t)(1u << (port % 8));
}

static bool in_use(void *ctx, const struct tapir__tcp_tuple *c)
{
    struct ports_in_use *u = ctx;
    u->calls++;
    if (u->expect != NULL) {
        assert_true(tapir_ip_equal(&c->local, &u->expect->local));
        assert_true(tapir_ip_equal(&c->remote, &u->expect->remote));
        assert_int_equal(c->remote_port, u->expect->remote_port);
    }
    return is_busy(u, c->local_port);
}

/* One past `port` in min..max, wrapping to min. */
static uint16_t next_port(uint16_t port, uint16_t min, uint16_t max)
{
    return port == max ? min : (uint16_t)(port + 1);
}

static struct tapir__tcp_ports ports, other;
static struct ports_in_use use;

static void test_init(void **state)
{
    (void)state;
    struct tapir__siphash_key key = key_from(1);
    assert_int_equal(tapir__tcp_ports_init(&ports, &key, 0, 100), TAPIR_EINVAL);
    assert_int_equal(tapir__tcp_ports_init(&ports, &key, 0, 0), TAPIR_EINVAL);
    assert_int_equal(tapir__tcp_ports_init(&ports, &key, 2000, 1999), TAPIR_EINVAL);
    assert_int_equal(tapir__tcp_ports_init(&ports, &key, 1, 1), 0);
    assert_int_equal(tapir__tcp_ports_init(&ports, &key, 65535, 65535), 0);
    assert_int_equal(tapir__tcp_ports_init(&ports, &key, 1, 65535), 0);
    assert_int_equal(
        tapir__tcp_ports_init(&ports, &key, TAPIR_TCP_EPHEMERAL_MIN, TAPIR_TCP_EPHEMERAL_MAX), 0);
    assert_int_equal(ports.min, 49152);
    assert_int_equal(ports.max, 65535);
    /* Every counter already lies inside the range size. */
    for (size_t i = 0; i < TAPIR_TCP_PORT_TABLE_LEN; i++)
        assert_true(ports.table[i] < 16384);
}

/* Whatever the range and whichever ports are busy, the answer is a free port in range, or
 * EAGAIN exactly when none is free. */
static void test_within_range(void **state)
{
    (void)state;
    const struct {
        uint16_t min, max;
    } ranges[] = {
        {49152, 65535}, {1024, 65535}, {1, 65535}, {40000, 40009},
        {65535, 65535}, {1, 1},        {1, 7},     {60000, 65535},
    };
    struct tapir__siphash_key key = key_from(2);
    struct tapir_prng prng;
    tapir_prng_seed(&prng, 22);
    for (size_t r = 0; r < sizeof ranges / sizeof ranges[0]; r++) {
        uint16_t min = ranges[r].min, max = ranges[r].max;
        assert_int_equal(tapir__tcp_ports_init(&ports, &key, min, max), 0);
        for (int i = 0; i < 300; i++) {
            /* A random share of busy ports: none, half, 15/16, or all of them. */
            memset(&use, 0, sizeof use);
            unsigned shift = (unsigned)(i % 4);
            bool any_free = false;
            for (uint32_t port = min; port <= max; port++) {
                uint64_t x = tapir_prng_next(&prng);
                bool busy = shift == 0   ? false
                            : shift == 1 ? (x & 1)
                            : shift == 2 ? (x & 15) != 0
                                         : true;
                if (busy)
                    set_busy(&use, (uint16_t)port);
                else
                    any_free = true;
            }
            struct tapir__tcp_tuple t = (i & 1)
                                            ? tuple6((uint8_t)i, (uint16_t)tapir_prng_next(&prng))
                                            : tuple4((uint32_t)tapir_prng_next(&prng), 443);
            int port = tapir__tcp_port_pick(&ports, &t, in_use, &use);
            if (!any_free) {
                assert_int_equal(port, TAPIR_EAGAIN);
                assert_int_equal(use.calls, (uint32_t)max - min + 1);
                continue;
            }
            assert_in_range(port, min, max);
            assert_false(is_busy(&use, (uint16_t)port));
        }
    }
}

/* A busy port is skipped for the next one along: the same key and destination with the
 * first choice busy gives the port after it, and with the whole run busy up to the end of
 * the range, the walk wraps to min. */
static void test_busy_skipped(void **state)
{
    (void)state;
    struct tapir__siphash_key key = key_from(3);
    struct tapir__tcp_tuple t = tuple4(SERVER, 80);

    assert_int_equal(tapir__tcp_ports_init(&ports, &key, 49152, 65535), 0);
    memset(&use, 0, sizeof use);
    int first = tapir__tcp_port_pick(&ports, &t, in_use, &use);
    assert_in_range(first, 49152, 65535);
    assert_int_equal(use.calls, 1);

    assert_int_equal(tapir__tcp_ports_init(&other, &key, 49152, 65535), 0);
    memset(&use, 0, sizeof use);
    set_busy(&use, (uint16_t)first);
    assert_int_equal(tapir__tcp_port_pick(&other, &t, in_use, &use),
                     next_port((uint16_t)first, 49152, 65535));
    assert_int_equal(use.calls, 2);

    assert_int_equal(tapir__tcp_ports_init(&other, &key, 49152, 65535), 0);
    memset(&use, 0, sizeof use);
    for (uint32_t p = (uint32_t)first; p <= 65535; p++)
        set_busy(&use, (uint16_t)p);
    assert_int_equal(tapir__tcp_port_pick(&other, &t, in_use, &use), 49152);
    assert_int_equal(use.calls, 65535 - (uint32_t)first + 2);

    /* The busy ports tried count as steps (RFC 6056 moves the counter on every attempt):
     * the next connection starts after the port just taken, not at the busy run again. */
    assert_int_equal(tapir__tcp_ports_init(&other, &key, 49152, 65535), 0);
    memset(&use, 0, sizeof use);
    uint16_t p = (uint16_t)first;
    for (int i = 0; i < 5; i++, p = next_port(p, 49152, 65535))
        set_busy(&use, p);
    assert_int_equal(tapir__tcp_port_pick(&other, &t, in_use, &use), p);
    assert_int_equal(use.calls, 6);
    memset(&use, 0, sizeof use);
    assert_int_equal(tapir__tcp_port_pick(&other, &t, in_use, &use), next_port(p, 49152, 65535));
    assert_int_equal(use.calls, 1);
}

/* One destination, each connection keeping its port: successive picks walk the range one
 * port at a time, never repeating, one callback each, until all are taken; then EAGAIN
 * (after asking about every port once), and EAGAIN again. Run on the default range and on
 * a range whose size does not divide 65536, so the counter's wrap shows if it jumps. */
static void walk(uint16_t min, uint16_t max, const struct tapir__tcp_tuple *t)
{
    struct tapir__siphash_key key = key_from(4);
    uint32_t n = (uint32_t)max - min + 1;
    assert_int_equal(tapir__tcp_ports_init(&ports, &key, min, max), 0);
    memset(&use, 0, sizeof use);
    use.expect = t;
    int prev = -1;
    for (uint32_t i = 0; i < n; i++) {
        int port = tapir__tcp_port_pick(&ports, t, in_use, &use);
        assert_in_range(port, min, max);
        assert_false(is_busy(&use, (uint16_t)port));
        if (prev >= 0)
            assert_int_equal(port, next_port((uint16_t)prev, min, max));
        set_busy(&use, (uint16_t)port);
        assert_int_equal(use.calls, i + 1);
        prev = port;
    }
    assert_int_equal(tapir__tcp_port_pick(&ports, t, in_use, &use), TAPIR_EAGAIN);
    assert_int_equal(use.calls, 2 * n);
    assert_int_equal(tapir__tcp_port_pick(&ports, t, in_use, &use), TAPIR_EAGAIN);
    assert_int_equal(use.calls, 3 * n);
}

static void test_walk_default_range(void **state)
{
    (void)state;
    struct tapir__tcp_tuple t = tuple4(SERVER, 443);
    walk(TAPIR_TCP_EPHEMERAL_MIN, TAPIR_TCP_EPHEMERAL_MAX, &t);
}

static void test_walk_odd_range(void **state)
{
    (void)state;
    struct tapir__tcp_tuple t = tuple6(7, 22);
    walk(40000, 40999, &t);
    walk(1024, 65535, &t);
}

/* The input's local port plays no part, and the callback sees the tuple it was given with
 * only the local port filled in (checked inside in_use). */
static void test_local_port_ignored(void **state)
{
    (void)state;
    struct tapir__siphash_key key = key_from(5);
    struct tapir__tcp_tuple t = tuple6(9, 8080);
    assert_int_equal(tapir__tcp_ports_init(&ports, &key, 49152, 65535), 0);
    memset(&use, 0, sizeof use);
    use.expect = &t;
    int want = tapir__tcp_port_pick(&ports, &t, in_use, &use);
    for (uint32_t lp = 0; lp < 65536; lp += 4099) {
        assert_int_equal(tapir__tcp_ports_init(&ports, &key, 49152, 65535), 0);
        t.local_port = (uint16_t)lp;
        assert_int_equal(tapir__tcp_port_pick(&ports, &t, in_use, &use), want);
    }
}

static unsigned distinct(const uint16_t *v, size_t n)
{
    static uint8_t seen[65536];
    memset(seen, 0, sizeof seen);
    unsigned d = 0;
    for (size_t i = 0; i < n; i++) {
        d += !seen[v[i]];
        seen[v[i]] = 1;
    }
    return d;
}

/* First ports for 1,000 destinations look like 1,000 draws from 16,384 ports: about 970
 * distinct (a birthday count; a correct selector falls below 940 with odds of about one in
 * a million), each quarter of the range holding 250 +- 75 (five standard deviations), and
 * neighbouring destinations far from one another. Destinations differ by address, by port
 * or by family. */
static void expect_unrelated(const uint16_t *first, size_t n)
{
    assert_true(distinct(first, n) >= 940);
    unsigned quarter[4] = {0};
    for (size_t i = 0; i < n; i++)
        quarter[(first[i] - 49152) / 4096]++;
    for (int q = 0; q < 4; q++)
        assert_in_range(quarter[q], 250 - 75, 250 + 75);
    unsigned close = 0;
    for (size_t i = 1; i < n; i++) {
        int d = (int)first[i] - first[i - 1];
        close += d >= -16 && d <= 16;
    }
    assert_true(close <= 10); /* about 2 expected */
}

static void test_destinations_unrelated(void **state)
{
    (void)state;
    static uint16_t first[1000];
    struct tapir__siphash_key key = key_from(6);
    assert_int_equal(tapir__tcp_ports_init(&ports, &key, 49152, 65535), 0);
    memset(&use, 0, sizeof use);

    for (uint32_t i = 0; i < 1000; i++) {
        struct tapir__tcp_tuple t = tuple4(SERVER + i, 80);
        first[i] = (uint16_t)tapir__tcp_port_pick(&ports, &t, in_use, &use);
    }
    expect_unrelated(first, 1000);

    assert_int_equal(tapir__tcp_ports_init(&ports, &key, 49152, 65535), 0);
    for (uint32_t i = 0; i < 1000; i++) {
        struct tapir__tcp_tuple t = tuple4(SERVER, (uint16_t)(8000 + i));
        first[i] = (uint16_t)tapir__tcp_port_pick(&ports, &t, in_use, &use);
    }
    expect_unrelated(first, 1000);

    assert_int_equal(tapir__tcp_ports_init(&ports, &key, 49152, 65535), 0);
    for (uint32_t i = 0; i < 1000; i++) {
        struct tapir__tcp_tuple t = tuple6((uint8_t)i, (uint16_t)(443 + (i >> 8)));
        first[i] = (uint16_t)tapir__tcp_port_pick(&ports, &t, in_use, &use);
    }
    expect_unrelated(first, 1000);

    /* Another key, the same destinations: unrelated to the first key's choices. */
    struct tapir__siphash_key key2 = key_from(7);
    static uint16_t again[1000];
    assert_int_equal(tapir__tcp_ports_init(&ports, &key2, 49152, 65535), 0);
    unsigned same = 0;
    for (uint32_t i = 0; i < 1000; i++) {
        struct tapir__tcp_tuple t = tuple6((uint8_t)i, (uint16_t)(443 + (i >> 8)));
        again[i] = (uint16_t)tapir__tcp_port_pick(&ports, &t, in_use, &use);
        same += again[i] == first[i];
    }
    expect_unrelated(again, 1000);
    assert_true(same <= 3); /* 1000 / 16384 expected */
}

/* Counters are per bucket, not global (the point of Algorithm 4 over Algorithm 3): after
 * 100 connections to one server, another destination's first port is what it would have
 * been anyway, unless it shares that server's bucket (1 in TAPIR_TCP_PORT_TABLE_LEN), when
 * it is 100 ports further on. */
static void test_counters_per_destination(void **state)
{
    (void)state;
    static uint16_t fresh[200];
    struct tapir__siphash_key key = key_from(8);
    assert_int_equal(tapir__tcp_ports_init(&ports, &key, 49152, 65535), 0);
    memset(&use, 0, sizeof use);
    for (uint32_t i = 0; i < 200; i++) {
        assert_int_equal(tapir__tcp_ports_init(&other, &key, 49152, 65535), 0);
        struct tapir__tcp_tuple b = tuple4(SERVER + 1 + i, 80);
        fresh[i] = (uint16_t)tapir__tcp_port_pick(&other, &b, in_use, &use);
    }

    struct tapir__tcp_tuple a = tuple4(SERVER, 80);
    for (int i = 0; i < 100; i++)
        assert_in_range(tapir__tcp_port_pick(&ports, &a, in_use, &use), 49152, 65535);
    unsigned shifted = 0;
    for (uint32_t i = 0; i < 200; i++) {
        struct tapir__tcp_tuple b = tuple4(SERVER + 1 + i, 80);
        other = ports; /* each b picks on a copy, so the b's do not move one another */
        int port = tapir__tcp_port_pick(&other, &b, in_use, &use);
        if (port != fresh[i]) {
            assert_int_equal(port, 49152 + (fresh[i] - 49152 + 100) % 16384);
            shifted++;
        }
    }
    assert_true(shifted <= 2); /* 200 / 4096 expected with the default table */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_init),
        cmocka_unit_test(test_within_range),
        cmocka_unit_test(test_busy_skipped),
        cmocka_unit_test(test_walk_default_range),
        cmocka_unit_test(test_walk_odd_range),
        cmocka_unit_test(test_local_port_ignored),
        cmocka_unit_test(test_destinations_unrelated),
        cmocka_unit_test(test_counters_per_destination),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
