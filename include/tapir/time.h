/* tapir — time as the caller supplies it.
 *
 * The core never reads a clock: every function that needs the time takes `now` in
 * microseconds from an arbitrary origin. Programs use the monotonic clock; tests use a
 * virtual clock they advance by hand, so every timeout path is deterministic and fast.
 */
#ifndef TAPIR_TIME_H
#define TAPIR_TIME_H

#include <stdint.h>

/* Microseconds from an arbitrary origin. Signed, so differences are plain subtraction. */
typedef int64_t tapir_instant;

#define TAPIR_INSTANT_NEVER INT64_MAX /* a deadline that never comes */
#define TAPIR_US_PER_MS     1000
#define TAPIR_US_PER_S      1000000

/* A source of the current time for code outside the core that must ask for it (the
 * fault injector's delay and rate limit, the event loop). */
struct tapir_clock {
    tapir_instant (*now_us)(void *ctx);
    void *ctx;
};

/* CLOCK_MONOTONIC in microseconds (src/time: the one place that reads the OS clock). */
tapir_instant tapir_monotonic_now_us(void);
/* A tapir_clock reading CLOCK_MONOTONIC. */
struct tapir_clock tapir_monotonic_clock(void);

/* A virtual clock: time moves only when the owner sets `now_us`. */
struct tapir_virtual_clock {
    tapir_instant now_us;
};
struct tapir_clock tapir_virtual_clock_source(struct tapir_virtual_clock *vc);

#endif
