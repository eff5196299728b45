/* The Internet checksum, 64 bits wide (RFC 1071 §4.1's "deferred carries"), and the
 * incremental update of RFC 1624. */
#include <string.h>

#include "tapir/wire/checksum.h"

/* Host-order accumulation: on a little-endian machine each 16-bit word is added
 * byte-swapped, and RFC 1071 §2(B) guarantees the folded sum is then simply the
 * byte-swapped result. We swap once, at the end, in tapir_csum_finish(). */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define HOST_IS_BIG_ENDIAN 1
#else
#define HOST_IS_BIG_ENDIAN 0
#endif

static uint16_t swap16(uint16_t v)
{
    return (uint16_t)(v << 8 | v >> 8);
}

uint64_t tapir_csum_add(uint64_t acc, const void *data, size_t len)
{
    const uint8_t *p = data;

    /* Four 32-bit words per round, each added into the 64-bit accumulator: a carry out
     * of bit 31 lands in the upper half and is folded back at the end. */
    while (len >= 16) {
        uint32_t w[4];
        memcpy(w, p, sizeof w);
        acc += (uint64_t)w[0] + w[1] + w[2] + w[3];
        p += 16;
        len -= 16;
    }
    while (len >= 4) {
        uint32_t w;
        memcpy(&w, p, 4);
        acc += w;
        p += 4;
        len -= 4;
    }
    if (len >= 2) {
        uint16_t w;
        memcpy(&w, p, 2);
        acc += w;
        p += 2;
        len -= 2;
    }
    if (len == 1) {
        /* A trailing byte is the high half of a big-endian word padded with zero. */
        uint16_t w = 0;
        memcpy(&w, p, 1);
        acc += w;
    }
    return acc;
}

uint64_t tapir_csum_add16(uint64_t acc, uint16_t value)
{
    return acc + (HOST_IS_BIG_ENDIAN ? value : swap16(value));
}

static uint16_t fold(uint64_t acc)
{
    acc = (acc & 0xffffffffu) + (acc >> 32);
    acc = (acc & 0xffffffffu) + (acc >> 32);
    acc = (acc & 0xffffu) + (acc >> 16);
    acc = (acc & 0xffffu) + (acc >> 16);
    acc = (acc & 0xffffu) + (acc >> 16);
    return (uint16_t)acc;
}

uint16_t tapir_csum_finish(uint64_t acc)
{
    uint16_t sum = fold(acc);
    if (!HOST_IS_BIG_ENDIAN)
        sum = swap16(sum);
    return (uint16_t)~sum;
}

uint16_t tapir_checksum(const void *data, size_t len)
{
    return tapir_csum_finish(tapir_csum_add(0, data, len));
}

uint64_t tapir_csum_pseudo_ipv4(const struct tapir_ipv4_addr *src,
                                const struct tapir_ipv4_addr *dst, uint8_t protocol,
                                uint32_t upper_len)
{
    uint64_t acc = tapir_csum_add(0, src->bytes, 4);
    acc = tapir_csum_add(acc, dst->bytes, 4);
    acc = tapir_csum_add16(acc, protocol);
    /* RFC 768/9293: the 16-bit length; callers never pass more than 65535 for IPv4. */
    acc = tapir_csum_add16(acc, (uint16_t)upper_len);
    return acc;
}

uint64_t tapir_csum_pseudo_ipv6(const struct tapir_ipv6_addr *src,
                                const struct tapir_ipv6_addr *dst, uint8_t next_header,
                                uint32_t upper_len)
{
    uint64_t acc = tapir_csum_add(0, src->bytes, 16);
    acc = tapir_csum_add(acc, dst->bytes, 16);
    /* RFC 8200 §8.1: a 32-bit upper-layer length and 24 zero bits before next header. */
    acc = tapir_csum_add16(acc, (uint16_t)(upper_len >> 16));
    acc = tapir_csum_add16(acc, (uint16_t)upper_len);
    acc = tapir_csum_add16(acc, next_header);
    return acc;
}

uint64_t tapir_csum_pseudo(const struct tapir_pseudo_header *ph, uint32_t upper_len)
{
    if (ph->src.version == TAPIR_IP_V4 && ph->dst.version == TAPIR_IP_V4)
        return tapir_csum_pseudo_ipv4(&ph->src.v4, &ph->dst.v4, ph->protocol, upper_len);
    if (ph->src.version == TAPIR_IP_V6 && ph->dst.version == TAPIR_IP_V6)
        return tapir_csum_pseudo_ipv6(&ph->src.v6, &ph->dst.v6, ph->protocol, upper_len);
    return 0;
}

/* RFC 1624 §3, eqn. 3: HC' = ~(~HC + ~m + m'). Unlike eqn. 2 it never produces the
 * -0 (0xffff) ambiguity when the true checksum is +0. */
uint16_t tapir_csum_update16(uint16_t checksum, uint16_t old_value, uint16_t new_value)
{
    uint32_t sum = (uint16_t)~checksum;
    sum += (uint16_t)~old_value;
    sum += new_value;
    sum = (sum & 0xffff) + (sum >> 16);
    sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

uint16_t tapir_csum_update32(uint16_t checksum, uint32_t old_value, uint32_t new_value)
{
    checksum =
        tapir_csum_update16(checksum, (uint16_t)(old_value >> 16), (uint16_t)(new_value >> 16));
    return tapir_csum_update16(checksum, (uint16_t)old_value, (uint16_t)new_value);
}
