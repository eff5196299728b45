/* The loopback device: what is sent comes back, in order, through a bounded ring. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "tapir/error.h"
#include "tapir/phy/loopback.h"

#define K   3
#define CAP 256

static void test_loopback(void **state)
{
    (void)state;
    struct tapir_loopback lb;
    struct tapir_frame slots[K];
    uint8_t storage[K * CAP];
    tapir_frames_carve(slots, K, storage, CAP);
    assert_int_equal(tapir_loopback_init(&lb, slots, K, NULL), 0);
    const struct tapir_device *d = &lb.dev;
    assert_int_equal(d->medium, TAPIR_MEDIUM_ETHERNET);
    assert_int_equal(d->mtu, 1500);
    assert_int_equal(tapir_device_fd(d), -1);

    uint8_t in[K + 1][CAP];
    struct tapir_frame rx[K + 1];
    tapir_frames_carve(rx, K + 1, &in[0][0], CAP);
    assert_int_equal(tapir_device_rx(d, rx, K + 1), 0);

    uint8_t out[5][100];
    struct tapir_frame tx[5];
    memset(tx, 0, sizeof tx);
    for (unsigned i = 0; i < 5; i++) {
        for (unsigned j = 0; j < sizeof out[i]; j++)
            out[i][j] = (uint8_t)(i ^ (j * 13u));
        tx[i].data = out[i];
        tx[i].len = 42 + i;
    }
    /* K slots: the rest is refused and counted. */
    assert_int_equal(tapir_device_tx(d, tx, 5), K);
    assert_int_equal(lb.stats.tx_full, 5 - K);
    assert_int_equal(tapir_device_rx(d, rx, 2), 2);
    for (unsigned i = 0; i < 2; i++) {
        assert_int_equal(rx[i].len, 42 + i);
        assert_memory_equal(rx[i].data, out[i], rx[i].len);
    }
    /* The ring wraps around. */
    assert_int_equal(tapir_device_tx(d, &tx[3], 2), 2);
    assert_int_equal(tapir_device_rx(d, rx, K + 1), 3);
    static const unsigned order[] = {2, 3, 4};
    for (unsigned i = 0; i < 3; i++) {
        assert_int_equal(rx[i].len, 42 + order[i]);
        assert_memory_equal(rx[i].data, out[order[i]], rx[i].len);
    }
    assert_int_equal(tapir_device_rx(d, rx, K + 1), 0);
    assert_int_equal(lb.stats.tx_frames, 5);
    assert_int_equal(lb.stats.rx_frames, 5);

    /* Longer than a slot: taken and discarded. */
    static uint8_t big[CAP + 1];
    struct tapir_frame f = {.data = big, .len = sizeof big};
    assert_int_equal(tapir_device_tx(d, &f, 1), 1);
    assert_int_equal(lb.stats.tx_dropped, 1);
    assert_int_equal(tapir_device_rx(d, rx, 1), 0);
}

static void test_loopback_options(void **state)
{
    (void)state;
    struct tapir_loopback lb;
    struct tapir_frame slot;
    uint8_t buf[64];
    tapir_frames_carve(&slot, 1, buf, sizeof buf);
    struct tapir_loopback_options o = {TAPIR_MEDIUM_IP, 50};
    assert_int_equal(tapir_loopback_init(&lb, &slot, 1, &o), 0);
    assert_int_equal(lb.dev.medium, TAPIR_MEDIUM_IP);
    assert_int_equal(lb.dev.mtu, 50);
    assert_int_equal(tapir_loopback_init(&lb, &slot, 0, NULL), TAPIR_EINVAL);
    assert_int_equal(tapir_loopback_init(&lb, NULL, 1, NULL), TAPIR_EINVAL);
    assert_int_equal(tapir_loopback_init(&lb, &slot, 1, NULL), 0);
    assert_int_equal(tapir_device_rx(&lb.dev, NULL, -1), TAPIR_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_loopback),
        cmocka_unit_test(test_loopback_options),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
