/* Internal: the pseudo-header (RFC 768, RFC 9293 §3.1, RFC 8200 §8.1) the interface hands to
 * the TCP, UDP, ICMPv6, NDP and MLD parsers and emitters, built in one place. */
#ifndef TAPIR_IFACE_PSEUDO_H
#define TAPIR_IFACE_PSEUDO_H

#include <stdint.h>
#include <string.h>

#include "tapir/addr.h"
#include "tapir/wire/checksum.h"

static inline struct tapir_pseudo_header
tapir__pseudo(const struct tapir_ip_addr *src, const struct tapir_ip_addr *dst, uint8_t protocol)
{
    struct tapir_pseudo_header ph;
    memset(&ph, 0, sizeof ph);
    ph.src = *src;
    ph.dst = *dst;
    ph.protocol = protocol;
    return ph;
}

/* The same from two IPv6 addresses (ICMPv6 and what rides in it: NDP, MLD). */
static inline struct tapir_pseudo_header tapir__pseudo_v6(const struct tapir_ipv6_addr *src,
                                                          const struct tapir_ipv6_addr *dst,
                                                          uint8_t protocol)
{
    struct tapir_pseudo_header ph;
    memset(&ph, 0, sizeof ph);
    ph.src.version = ph.dst.version = TAPIR_IP_V6;
    ph.src.v6 = *src;
    ph.dst.v6 = *dst;
    ph.protocol = protocol;
    return ph;
}

#endif
