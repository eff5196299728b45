/* TCP initial sequence numbers, RFC 6528 (see include/tapir/priv/tcp_isn.h). */
#include <string.h>

#include "tapir/priv/tcp_isn.h"

/* Write one address as its version byte and then its bytes; returns the length. Only the
 * union member the version names is read. */
static size_t put_addr(uint8_t *p, const struct tapir_ip_addr *a)
{
    p[0] = a->version;
    switch (a->version) {
    case TAPIR_IP_V4:
        memcpy(p + 1, a->v4.bytes, sizeof a->v4.bytes);
        return 1 + sizeof a->v4.bytes;
    case TAPIR_IP_V6:
        memcpy(p + 1, a->v6.bytes, sizeof a->v6.bytes);
        return 1 + sizeof a->v6.bytes;
    default:
        return 1;
    }
}

void tapir__tcp_tuple_hash_init(struct tapir__siphash *s, const struct tapir__siphash_key *key,
                                uint8_t tag, const struct tapir__tcp_tuple *t)
{
    /* The version bytes keep an IPv4 tuple from ever encoding like an IPv6 one. */
    uint8_t buf[1 + 2 * (1 + 16) + 2 + 2];
    size_t n = 0;
    buf[n++] = tag;
    n += put_addr(buf + n, &t->local);
    n += put_addr(buf + n, &t->remote);
    buf[n++] = (uint8_t)(t->local_port >> 8);
    buf[n++] = (uint8_t)t->local_port;
    buf[n++] = (uint8_t)(t->remote_port >> 8);
    buf[n++] = (uint8_t)t->remote_port;
    tapir__siphash_init(s, key);
    tapir__siphash_update(s, buf, n);
}

uint32_t tapir__tcp_isn_clock(tapir_instant now)
{
    /* Floor division, so the tick count is continuous across the (arbitrary) origin; the
     * conversion to unsigned then keeps it modulo 2^32. */
    tapir_instant ticks = now / TAPIR_TCP_ISN_TICK_US;
    if (now % TAPIR_TCP_ISN_TICK_US < 0)
        ticks--;
    return (uint32_t)(uint64_t)ticks;
}

uint32_t tapir__tcp_isn(const struct tapir__siphash_key *key, const struct tapir__tcp_tuple *t,
                        tapir_instant now)
{
    struct tapir__siphash s;
    tapir__tcp_tuple_hash_init(&s, key, TAPIR__TCP_HASH_ISN, t);
    /* F: the low 32 bits of the 64-bit PRF output (any 32 bits of it are as good). */
    uint32_t f = (uint32_t)tapir__siphash_final(&s);
    return tapir__tcp_isn_clock(now) + f;
}
