/* The monotonic and virtual clocks behind struct tapir_clock. */
#include <time.h>

#include "tapir/time.h"

tapir_instant tapir_monotonic_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (tapir_instant)ts.tv_sec * TAPIR_US_PER_S + ts.tv_nsec / 1000;
}

static tapir_instant monotonic_read(void *ctx)
{
    (void)ctx;
    return tapir_monotonic_now_us();
}

struct tapir_clock tapir_monotonic_clock(void)
{
    struct tapir_clock c = {monotonic_read, NULL};
    return c;
}

static tapir_instant virtual_read(void *ctx)
{
    return ((const struct tapir_virtual_clock *)ctx)->now_us;
}

struct tapir_clock tapir_virtual_clock_source(struct tapir_virtual_clock *vc)
{
    struct tapir_clock c = {virtual_read, vc};
    return c;
}
