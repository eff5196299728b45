/* Internal: the layer walk shared by tapir_dissect() and tapir_frame_print().
 *
 * One pass from the link header down, every repr kept, so the printer can compose a
 * tcpdump-like line that needs fields of two layers at once (addresses and ports). */
#ifndef TAPIR_WIRE_WALK_H
#define TAPIR_WIRE_WALK_H

#include <stdbool.h>

#include "tapir/wire/arp.h"
#include "tapir/wire/dhcpv4.h"
#include "tapir/wire/dns.h"
#include "tapir/wire/dissect.h"
#include "tapir/wire/ethernet.h"
#include "tapir/wire/icmpv4.h"
#include "tapir/wire/igmp.h"
#include "tapir/wire/icmpv6.h"
#include "tapir/wire/ipv4.h"
#include "tapir/wire/ipv6.h"
#include "tapir/wire/tcp.h"
#include "tapir/wire/udp.h"

struct tapir__walk {
    struct tapir_dissection d;
    struct tapir_eth_repr eth;
    struct tapir_arp_repr arp;
    struct tapir_ipv4_repr ipv4;
    struct tapir_ipv6_repr ipv6;
    struct tapir_icmpv4_repr icmpv4;
    struct tapir_icmpv6_repr icmpv6;
    struct tapir_udp_repr udp;
    struct tapir_tcp_repr tcp;
    struct tapir_igmp_repr igmp;
    struct tapir_dhcpv4_repr dhcpv4;
    struct tapir_dns_repr dns; /* DNS: UDP/TCP port 53 */
    /* The transport checksum failed but the header parsed without it: shown, flagged. */
    bool bad_checksum;
};

/* Fills `w` (fully reset first). Returns the first error, 0 if every layer parsed. A
 * transport checksum that fails is reported as TAPIR_EBADCHECKSUM with the repr still
 * filled from a parse that skipped verification. */
int tapir__walk(const uint8_t *frame, size_t len, enum tapir_medium medium, struct tapir__walk *w);

#endif
