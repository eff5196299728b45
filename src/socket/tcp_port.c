/* Ephemeral port selection, RFC 6056 §3.3.4 Algorithm 4 (see include/tapir/priv/tcp_port.h). */
#include "tapir/error.h"
#include "tapir/priv/tcp_port.h"

/* The number of ports in min..max: 1..65535, so it fits 32 bits without overflow. */
static uint32_t range_size(const struct tapir__tcp_ports *p)
{
    return (uint32_t)p->max - p->min + 1;
}

int tapir__tcp_ports_init(struct tapir__tcp_ports *p, const struct tapir__siphash_key *key,
                          uint16_t min, uint16_t max)
{
    if (min == 0 || min > max)
        return TAPIR_EINVAL;
    p->key = *key;
    p->min = min;
    p->max = max;
    /* RFC 6056 starts each counter at random; here at a keyed hash of its index, reduced
     * modulo the range so counters and the walk wrap together. */
    uint32_t n = range_size(p);
    for (uint32_t i = 0; i < TAPIR_TCP_PORT_TABLE_LEN; i++) {
        const uint8_t in[5] = {TAPIR__TCP_HASH_PORT_TABLE, (uint8_t)(i >> 24), (uint8_t)(i >> 16),
                               (uint8_t)(i >> 8), (uint8_t)i};
        p->table[i] = (uint16_t)(tapir__siphash24(key, in, sizeof in) % n);
    }
    return 0;
}

int tapir__tcp_port_pick(struct tapir__tcp_ports *p, const struct tapir__tcp_tuple *t,
                         bool (*in_use)(void *ctx, const struct tapir__tcp_tuple *candidate),
                         void *ctx)
{
    /* F and G hash the destination and our address, never our port. */
    struct tapir__tcp_tuple cand = *t;
    cand.local_port = 0;
    struct tapir__siphash s;
    tapir__tcp_tuple_hash_init(&s, &p->key, TAPIR__TCP_HASH_PORT, &cand);
    uint64_t h = tapir__siphash_final(&s);

    uint32_t n = range_size(p);
    uint32_t offset = (uint32_t)h % n;                                   /* F */
    uint16_t *counter = &p->table[(h >> 32) % TAPIR_TCP_PORT_TABLE_LEN]; /* G */

    /* Every attempt, taken or not, moves the counter on (RFC 6056 §3.3.4), so the next
     * connection to this destination starts past the ports found busy this time. */
    for (uint32_t count = n; count > 0; count--) {
        uint32_t port = p->min + (offset + *counter) % n;
        *counter = (uint16_t)((*counter + 1u) % n);
        cand.local_port = (uint16_t)port;
        if (!in_use(ctx, &cand))
            return (int)port;
    }
    return TAPIR_EAGAIN;
}
