/* The in-memory pair: exact bytes both ways, order, bounded queues that refuse (never
 * block) when full, oversize frames, offload metadata carried across. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "tapir/error.h"
#include "tapir/phy/pair.h"

#define SLOTS    4
#define SLOT_CAP 1518

struct fixture {
    struct tapir_pair pair;
    struct tapir_frame a_to_b[SLOTS], b_to_a[SLOTS];
    uint8_t a_to_b_buf[SLOTS * SLOT_CAP], b_to_a_buf[SLOTS * SLOT_CAP];
};

static struct fixture fx;

static void setup_pair(void)
{
    memset(&fx, 0, sizeof fx);
    tapir_frames_carve(fx.a_to_b, SLOTS, fx.a_to_b_buf, SLOT_CAP);
    tapir_frames_carve(fx.b_to_a, SLOTS, fx.b_to_a_buf, SLOT_CAP);
    assert_int_equal(tapir_pair_init(&fx.pair, fx.a_to_b, SLOTS, fx.b_to_a, SLOTS, NULL), 0);
}

/* A frame of `len` bytes whose content depends on `seed`. */
static void fill(uint8_t *buf, size_t len, unsigned seed)
{
    for (size_t i = 0; i < len; i++)
        buf[i] = (uint8_t)(seed * 31u + i * 7u);
}

static void test_both_directions(void **state)
{
    (void)state;
    setup_pair();
    const struct tapir_device *a = &fx.pair.a.dev, *b = &fx.pair.b.dev;
    assert_int_equal(a->medium, TAPIR_MEDIUM_ETHERNET);
    assert_int_equal(a->mtu, 1500);
    assert_int_equal(tapir_device_fd(a), -1);
    assert_int_equal(tapir_device_fd(b), -1);

    uint8_t out[3][100];
    struct tapir_frame tx[3];
    memset(tx, 0, sizeof tx);
    for (unsigned i = 0; i < 3; i++) {
        fill(out[i], sizeof out[i], i);
        tx[i].data = out[i];
        tx[i].len = 60 + i * 20;
    }
    /* Nothing is waiting yet on either side. */
    uint8_t in[4][SLOT_CAP];
    struct tapir_frame rx[4];
    tapir_frames_carve(rx, 4, &in[0][0], SLOT_CAP);
    assert_int_equal(tapir_device_rx(a, rx, 4), 0);
    assert_int_equal(tapir_device_rx(b, rx, 4), 0);

    /* A -> B, in order, exact bytes; A sees nothing of its own. */
    assert_int_equal(tapir_device_tx(a, tx, 3), 3);
    assert_int_equal(tapir_device_rx(a, rx, 4), 0);
    assert_int_equal(tapir_device_rx(b, rx, 4), 3);
    for (unsigned i = 0; i < 3; i++) {
        assert_int_equal(rx[i].len, 60 + i * 20);
        assert_memory_equal(rx[i].data, out[i], rx[i].len);
    }
    assert_int_equal(tapir_device_rx(b, rx, 4), 0);

    /* B -> A, one at a time. */
    assert_int_equal(tapir_device_tx(b, &tx[2], 1), 1);
    assert_int_equal(tapir_device_tx(b, &tx[0], 1), 1);
    assert_int_equal(tapir_device_rx(a, rx, 1), 1);
    assert_int_equal(rx[0].len, tx[2].len);
    assert_memory_equal(rx[0].data, out[2], tx[2].len);
    assert_int_equal(tapir_device_rx(a, rx, 4), 1);
    assert_int_equal(rx[0].len, tx[0].len);
    assert_memory_equal(rx[0].data, out[0], tx[0].len);

    assert_int_equal(fx.pair.a.stats.tx_frames, 3);
    assert_int_equal(fx.pair.a.stats.tx_bytes, 60 + 80 + 100);
    assert_int_equal(fx.pair.b.stats.rx_frames, 3);
    assert_int_equal(fx.pair.b.stats.tx_frames, 2);
    assert_int_equal(fx.pair.a.stats.rx_frames, 2);
}

static void test_queue_full(void **state)
{
    (void)state;
    setup_pair();
    const struct tapir_device *a = &fx.pair.a.dev, *b = &fx.pair.b.dev;
    uint8_t bytes[6][64];
    struct tapir_frame tx[6];
    memset(tx, 0, sizeof tx);
    for (unsigned i = 0; i < 6; i++) {
        fill(bytes[i], 64, 100 + i);
        tx[i].data = bytes[i];
        tx[i].len = 64;
    }
    /* Room for SLOTS frames: the rest is refused, counted, nothing blocks. */
    assert_int_equal(tapir_device_tx(a, tx, 6), SLOTS);
    assert_int_equal(fx.pair.a.stats.tx_full, 6 - SLOTS);
    assert_int_equal(tapir_device_tx(a, &tx[SLOTS], 2), 0);
    assert_int_equal(fx.pair.a.stats.tx_full, 6 - SLOTS + 2);
    /* The other direction is independent. */
    assert_int_equal(tapir_device_tx(b, tx, 1), 1);

    /* Draining one slot makes room for exactly one more; the caller retries the rest. */
    uint8_t in[SLOT_CAP];
    struct tapir_frame rx;
    tapir_frames_carve(&rx, 1, in, sizeof in);
    assert_int_equal(tapir_device_rx(b, &rx, 1), 1);
    assert_memory_equal(rx.data, bytes[0], 64);
    assert_int_equal(tapir_device_tx(a, &tx[SLOTS], 2), 1);

    uint8_t ins[SLOTS + 1][SLOT_CAP];
    struct tapir_frame rxs[SLOTS + 1];
    tapir_frames_carve(rxs, SLOTS + 1, &ins[0][0], SLOT_CAP);
    assert_int_equal(tapir_device_rx(b, rxs, SLOTS + 1), SLOTS);
    for (unsigned i = 0; i < SLOTS; i++)
        assert_memory_equal(rxs[i].data, bytes[i + 1], 64);
    assert_int_equal(tapir_device_rx(b, rxs, SLOTS + 1), 0);
}

static void test_oversize_and_metadata(void **state)
{
    (void)state;
    setup_pair();
    const struct tapir_device *a = &fx.pair.a.dev, *b = &fx.pair.b.dev;
    static uint8_t big[SLOT_CAP + 1];
    uint8_t small[200];
    fill(small, sizeof small, 9);
    struct tapir_frame tx[2];
    memset(tx, 0, sizeof tx);
    tx[0].data = big;
    tx[0].len = sizeof big; /* longer than a slot: taken and discarded */
    tx[1].data = small;
    tx[1].len = sizeof small;
    tx[1].flags = TAPIR_FRAME_CSUM_PARTIAL;
    tx[1].csum_start = 34;
    tx[1].csum_offset = 16;
    assert_int_equal(tapir_device_tx(a, tx, 2), 2);
    assert_int_equal(fx.pair.a.stats.tx_dropped, 1);

    /* A receive buffer too small: the frame is discarded and counted. */
    uint8_t tiny[100];
    struct tapir_frame rx;
    tapir_frames_carve(&rx, 1, tiny, sizeof tiny);
    assert_int_equal(tapir_device_rx(b, &rx, 1), 0);
    assert_int_equal(fx.pair.b.stats.rx_dropped, 1);

    assert_int_equal(tapir_device_tx(a, &tx[1], 1), 1);
    uint8_t in[SLOT_CAP];
    tapir_frames_carve(&rx, 1, in, sizeof in);
    assert_int_equal(tapir_device_rx(b, &rx, 1), 1);
    assert_int_equal(rx.len, sizeof small);
    assert_memory_equal(rx.data, small, sizeof small);
    assert_int_equal(rx.flags, TAPIR_FRAME_CSUM_PARTIAL);
    assert_int_equal(rx.csum_start, 34);
    assert_int_equal(rx.csum_offset, 16);
}

static void test_options_and_errors(void **state)
{
    (void)state;
    struct tapir_pair p;
    struct tapir_frame s1[1], s2[1];
    uint8_t b1[64], b2[64];
    tapir_frames_carve(s1, 1, b1, sizeof b1);
    tapir_frames_carve(s2, 1, b2, sizeof b2);
    struct tapir_pair_options o = {TAPIR_MEDIUM_IP, 40};
    assert_int_equal(tapir_pair_init(&p, s1, 1, s2, 1, &o), 0);
    assert_int_equal(p.a.dev.medium, TAPIR_MEDIUM_IP);
    assert_int_equal(p.b.dev.mtu, 40);
    assert_int_equal(tapir_pair_init(&p, s1, 0, s2, 1, NULL), TAPIR_EINVAL);
    assert_int_equal(tapir_pair_init(&p, s1, 1, NULL, 1, NULL), TAPIR_EINVAL);
    assert_int_equal(tapir_pair_init(NULL, s1, 1, s2, 1, NULL), TAPIR_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_both_directions),
        cmocka_unit_test(test_queue_full),
        cmocka_unit_test(test_oversize_and_metadata),
        cmocka_unit_test(test_options_and_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
