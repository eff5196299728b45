/* tapir — randomness as the caller supplies it.
 *
 * The core never opens /dev/urandom or calls getrandom(): whatever needs random bytes
 * (ARP/NDP jitter, IP identifications, ephemeral ports, ISNs, DNS query IDs) asks the
 * struct tapir_rng it was given. Programs pass a seeded generator (reproducible runs, the
 * apps' --seed) or the OS's; tests pass a seeded one.
 */
#ifndef TAPIR_RANDOM_H
#define TAPIR_RANDOM_H

#include <stddef.h>
#include <stdint.h>

struct tapir_rng {
    /* Fill buf with len random bytes. Must not fail. */
    void (*fill)(void *ctx, void *buf, size_t len);
    void *ctx;
};

/* A small deterministic generator (splitmix64): the same seed gives the same stream. Not
 * for secrets: a deployment that needs unpredictable ISNs seeds it from the OS. */
struct tapir_prng {
    uint64_t state;
};

void tapir_prng_seed(struct tapir_prng *prng, uint64_t seed);
uint64_t tapir_prng_next(struct tapir_prng *prng);
/* A tapir_rng drawing from `prng` (which must outlive it). */
struct tapir_rng tapir_prng_source(struct tapir_prng *prng);

/* Convenience: a uniformly distributed value in [0, bound) from any tapir_rng. */
uint32_t tapir_rng_below(const struct tapir_rng *rng, uint32_t bound);

#endif
