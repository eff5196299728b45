/* Internal: classes of a struct tapir_ip_addr that the UDP socket (what it may send, which
 * local address it answers) and the interface (binding, egress, group membership) both ask
 * about. Static inline so that neither layer calls into the other. */
#ifndef TAPIR_BASE_ADDR_INTERNAL_H
#define TAPIR_BASE_ADDR_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "tapir/addr.h"

/* 0.0.0.0 or :: (RFC 1122 §3.2.1.3, RFC 4291 §2.5.2); true for an address of no family. */
static inline bool tapir__ip_is_wildcard(const struct tapir_ip_addr *a)
{
    static const uint8_t zero[16];
    if (a->version == TAPIR_IP_V4)
        return memcmp(a->v4.bytes, zero, 4) == 0;
    if (a->version == TAPIR_IP_V6)
        return memcmp(a->v6.bytes, zero, 16) == 0;
    return true;
}

/* 224.0.0.0/4 (RFC 5771) or ff00::/8 (RFC 4291 §2.7); false for an address of no family. */
static inline bool tapir__ip_is_multicast(const struct tapir_ip_addr *a)
{
    if (a->version == TAPIR_IP_V4)
        return (a->v4.bytes[0] & 0xf0) == 0xe0;
    return a->version == TAPIR_IP_V6 && a->v6.bytes[0] == 0xff;
}

/* 255.255.255.255 (RFC 919 §7). */
static inline bool tapir__ip_is_limited_broadcast(const struct tapir_ip_addr *a)
{
    static const uint8_t all[4] = {255, 255, 255, 255};
    return a->version == TAPIR_IP_V4 && memcmp(a->v4.bytes, all, 4) == 0;
}

#endif
