/* The seeded generator behind struct tapir_prng, and helpers over any tapir_rng. */
#include <string.h>

#include "tapir/random.h"

void tapir_prng_seed(struct tapir_prng *prng, uint64_t seed)
{
    prng->state = seed;
}

/* splitmix64 (Steele, Lea, Flood 2014): every 64-bit seed, including 0, gives a
 * full-period, well-mixed stream; one addition and three multiply-xorshift steps. */
uint64_t tapir_prng_next(struct tapir_prng *prng)
{
    uint64_t z = (prng->state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static void prng_fill(void *ctx, void *buf, size_t len)
{
    struct tapir_prng *prng = ctx;
    uint8_t *p = buf;
    while (len > 0) {
        uint64_t v = tapir_prng_next(prng);
        size_t n = len < sizeof v ? len : sizeof v;
        memcpy(p, &v, n);
        p += n;
        len -= n;
    }
}

struct tapir_rng tapir_prng_source(struct tapir_prng *prng)
{
    struct tapir_rng rng = {prng_fill, prng};
    return rng;
}

uint32_t tapir_rng_below(const struct tapir_rng *rng, uint32_t bound)
{
    if (bound == 0)
        return 0;
    /* Lemire's multiply-shift with rejection: unbiased without a division per call. */
    for (;;) {
        uint32_t x;
        rng->fill(rng->ctx, &x, sizeof x);
        uint64_t m = (uint64_t)x * bound;
        uint32_t low = (uint32_t)m;
        if (low >= bound || low >= (uint32_t)(-bound) % bound)
            return (uint32_t)(m >> 32);
    }
}
