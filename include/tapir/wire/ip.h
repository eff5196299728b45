/* tapir — what IPv4 and IPv6 share: the protocol numbers of the layer above. */
#ifndef TAPIR_WIRE_IP_H
#define TAPIR_WIRE_IP_H

/* IP protocol numbers (IANA "Assigned Internet Protocol Numbers"), shared with IPv6's
 * next header. */
enum tapir_ip_protocol {
    TAPIR_IP_PROTO_ICMP = 1,
    TAPIR_IP_PROTO_IGMP = 2,
    TAPIR_IP_PROTO_TCP = 6,
    TAPIR_IP_PROTO_UDP = 17,
    TAPIR_IP_PROTO_ICMPV6 = 58,
};

#endif
