/* Checksum throughput in GB/s over buffers of typical sizes, against a plain 16-bit loop,
 * so the figure always comes with the comparison that gives it meaning. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "tapir/wire/checksum.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The textbook loop (RFC 1071 §4.1), one 16-bit word at a time. */
static uint16_t naive_checksum(const uint8_t *p, size_t len)
{
    uint32_t sum = 0;
    for (size_t i = 0; i + 1 < len; i += 2)
        sum += (uint32_t)(p[i] << 8 | p[i + 1]);
    if (len & 1)
        sum += (uint32_t)p[len - 1] << 8;
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

int main(void)
{
    static const size_t sizes[] = {64, 576, 1500, 9000, 65536};
    static uint8_t buf[65536];
    for (size_t i = 0; i < sizeof buf; i++)
        buf[i] = (uint8_t)(i * 131 + 7);

    printf("%-8s %12s %12s %8s\n", "bytes", "tapir GB/s", "naive GB/s", "ratio");
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        size_t len = sizes[s];
        /* About 2 GB of data per measurement keeps each under a second. */
        long iters = (long)(2e9 / (double)len);
        volatile uint16_t sink = 0;

        double t0 = now_s();
        for (long i = 0; i < iters; i++) {
            buf[0] = (uint8_t)i; /* defeat hoisting the call out of the loop */
            sink ^= tapir_checksum(buf, len);
        }
        double fast = (double)len * (double)iters / (now_s() - t0) / 1e9;

        long naive_iters = iters / 8;
        t0 = now_s();
        for (long i = 0; i < naive_iters; i++) {
            buf[0] = (uint8_t)i;
            sink ^= naive_checksum(buf, len);
        }
        double slow = (double)len * (double)naive_iters / (now_s() - t0) / 1e9;
        printf("%-8zu %12.2f %12.2f %7.1fx\n", len, fast, slow, fast / slow);
        (void)sink;
    }
    return 0;
}
