/* tapir — the Internet checksum (RFC 1071) and its incremental update (RFC 1624).
 *
 * The sum is accumulated 64 bits wide: 32-bit words are added into a 64-bit accumulator,
 * which cannot overflow before 2^32 additions (16 GiB of data), and is folded to 16 bits
 * only at the end. One's-complement addition is independent of byte order (RFC 1071
 * §2(B)), so words are added in host order and the result is converted once.
 *
 * An accumulator is opaque: start from 0, add regions with tapir_csum_add() (every region
 * but the last must have an even length, because a region starting at an odd offset
 * would pair its bytes differently), then call tapir_csum_finish().
 */
#ifndef TAPIR_WIRE_CHECKSUM_H
#define TAPIR_WIRE_CHECKSUM_H

#include <stddef.h>
#include <stdint.h>

#include "tapir/addr.h"

/* Add `len` bytes at `data` to the accumulator and return the new accumulator. */
uint64_t tapir_csum_add(uint64_t acc, const void *data, size_t len);

/* Add one 16-bit field, given as its host-order value (as load_be16 would read it). */
uint64_t tapir_csum_add16(uint64_t acc, uint16_t value);

/* Fold and complement: the host-order value to store in a checksum field. Over a region
 * that already contains a correct checksum, the result is 0. */
uint16_t tapir_csum_finish(uint64_t acc);

/* Checksum of one buffer: tapir_csum_finish(tapir_csum_add(0, data, len)). */
uint16_t tapir_checksum(const void *data, size_t len);

/* Pseudo-header sums for TCP, UDP and ICMPv6 (RFC 9293 §3.1, RFC 768, RFC 8200 §8.1).
 * `upper_len` is the length of the upper-layer header plus payload. */
uint64_t tapir_csum_pseudo_ipv4(const struct tapir_ipv4_addr *src,
                                const struct tapir_ipv4_addr *dst, uint8_t protocol,
                                uint32_t upper_len);
uint64_t tapir_csum_pseudo_ipv6(const struct tapir_ipv6_addr *src,
                                const struct tapir_ipv6_addr *dst, uint8_t next_header,
                                uint32_t upper_len);

/* Which pseudo-header to use: parsers of TCP, UDP and ICMPv6 take one of these. A NULL
 * pointer means "do not verify" on parse and "leave the checksum zero" on emit. */
struct tapir_pseudo_header {
    struct tapir_ip_addr src;
    struct tapir_ip_addr dst;
    uint8_t protocol; /* IP protocol / IPv6 next header of the upper layer */
};

/* The pseudo-header sum for either family (0 accumulator if `ph` has no valid version). */
uint64_t tapir_csum_pseudo(const struct tapir_pseudo_header *ph, uint32_t upper_len);

/* RFC 1624 eqn. 3: the new checksum HC' = ~(~HC + ~m + m') after a 16-bit field changes
 * from `old_value` to `new_value`. All values host order. */
uint16_t tapir_csum_update16(uint16_t checksum, uint16_t old_value, uint16_t new_value);

/* The same for a 32-bit field (an IPv4 address, a TCP sequence number). */
uint16_t tapir_csum_update32(uint16_t checksum, uint32_t old_value, uint32_t new_value);

#endif
