/* The way in: link filtering, IPv4/IPv6 validation, reassembly, and dispatch to ICMP,
 * UDP and TCP. */
#include <string.h>

#include "iface_internal.h"
#include "iface_udp.h"
#include "tapir/wire/ethernet.h"
#include "tapir/wire/ipv4.h"
#include "tapir/wire/ipv6.h"

bool tapir__is_local_ipv6(const struct tapir_iface *iface, const struct tapir_ipv6_addr *a)
{
    for (unsigned i = 0; i < iface->ipv6_count; i++)
        if (memcmp(&iface->ipv6[i].addr, a, 16) == 0)
            return true;
    return false;
}

static bool group_joined(const struct tapir_iface *iface, const struct tapir_ip_addr *g)
{
    for (unsigned i = 0; i < iface->group_count; i++)
        if (tapir_ip_equal(&iface->groups[i], g))
            return true;
    return false;
}

/* IPv6 multicast we listen to: all-nodes (RFC 4291 §2.7.1), the solicited-node group of
 * each of our addresses, and joined groups. */
static bool ipv6_multicast_accepted(const struct tapir_iface *iface,
                                    const struct tapir_ipv6_addr *a)
{
    static const struct tapir_ipv6_addr all_nodes = {{0xff, 0x02, [15] = 0x01}};
    if (memcmp(a, &all_nodes, 16) == 0)
        return true;
    for (unsigned i = 0; i < iface->ipv6_count; i++) {
        struct tapir_ipv6_addr sn;
        tapir__ipv6_solicited_node(&iface->ipv6[i].addr, &sn);
        if (memcmp(a, &sn, 16) == 0)
            return true;
    }
    if (tapir__slaac_listens(iface, a))
        return true; /* a tentative address's group, joined for DAD (RFC 4862 §5.4.2) */
    struct tapir_ip_addr g = {.version = TAPIR_IP_V6, .v6 = *a};
    return group_joined(iface, &g);
}

static bool ipv4_multicast_accepted(const struct tapir_iface *iface,
                                    const struct tapir_ipv4_addr *a)
{
    static const struct tapir_ipv4_addr all_hosts = {{224, 0, 0, 1}};
    if (memcmp(a, &all_hosts, 4) == 0)
        return true;
    struct tapir_ip_addr g = {.version = TAPIR_IP_V4, .v4 = *a};
    return group_joined(iface, &g);
}

/* A fragment that did not complete a datagram: count why, when it was refused. */
static void count_reasm_drop(struct tapir_iface *iface, int result)
{
    static const enum tapir_drop_reason reasons[] = {
        TAPIR_DROP_FRAG_OVERLAP, TAPIR_DROP_FRAG_TOO_MANY, TAPIR_DROP_FRAG_OVERSIZE,
        TAPIR_DROP_FRAG_NO_SLOT, TAPIR_DROP_FRAG_MALFORMED};
    if (result < 0 && -result <= (int)(sizeof reasons / sizeof reasons[0]))
        tapir__drop(iface, reasons[-result - 1]);
}

/* Deliver a whole (possibly reassembled) transport payload. */
static void transport_input(struct tapir_iface *iface, tapir_instant now,
                            const struct tapir__ip_info *ip, uint8_t protocol,
                            const uint8_t *payload, size_t len, size_t proto_field_offset)
{
    bool v4 = ip->src.version == TAPIR_IP_V4;
    /* Raw sockets get a copy of their protocol's datagrams (include/tapir/socket/raw.h). */
    bool raw_taken = tapir__raw_input(iface, now, ip, protocol, payload, len);
    switch (protocol) {
    case 1: /* ICMP */
        if (v4) {
            tapir__icmpv4_input(iface, now, ip, payload, len);
            return;
        }
        break;
    case 58: /* ICMPv6 */
        if (!v4) {
            tapir__icmpv6_input(iface, now, ip, payload, len);
            return;
        }
        break;
    case 2: /* IGMP */
        if (v4) {
            tapir__igmp_input(iface, now, ip, payload, len);
            return;
        }
        break;
    case 17: /* UDP */
        tapir__udp_input(iface, now, ip, payload, len);
        return;
    case 6: /* TCP */
        tapir__tcp_segment_input(iface, now, ip, payload, len);
        return;
    case 59: /* IPv6 No Next Header: nothing to do (RFC 8200 §4.7) */
        return;
    default:
        break;
    }
    if (raw_taken)
        return;
    tapir__drop(iface, TAPIR_DROP_UNKNOWN_PROTOCOL);
    /* Protocol unreachable (RFC 1122 §3.2.2.1); for IPv6 a parameter problem pointing at
     * the Next Header field that named it (RFC 8200 §4, RFC 4443 §3.4 code 1). */
    if (v4)
        tapir__icmp_error(iface, now, ip, 3, 2, 0);
    else
        tapir__icmp_error(iface, now, ip, 4, 1, (uint32_t)proto_field_offset);
}

static void ipv4_input(struct tapir_iface *iface, tapir_instant now, const uint8_t *buf, size_t len,
                       bool link_multicast)
{
    struct tapir_ipv4_repr ip;
    if (tapir_ipv4_parse(buf, len, &ip) != 0) {
        tapir__drop(iface, TAPIR_DROP_IPV4_MALFORMED);
        return;
    }
    struct tapir__ip_info info;
    memset(&info, 0, sizeof info);
    info.src.version = info.dst.version = TAPIR_IP_V4;
    info.src.v4 = ip.src;
    info.dst.v4 = ip.dst;
    info.ttl = ip.ttl;
    info.packet = buf;
    info.packet_len = tapir_ipv4_header_len(&ip) + ip.payload_len;
    info.csum_trusted = tapir__rx_csum_trusted(iface);

    bool multicast = (ip.dst.bytes[0] & 0xf0) == 0xe0;
    bool broadcast = tapir__ipv4_is_broadcast(iface, &ip.dst);
    info.dst_multicast = multicast || broadcast || link_multicast;
    if (multicast) {
        if (!ipv4_multicast_accepted(iface, &ip.dst)) {
            tapir__drop(iface, TAPIR_DROP_MULTICAST_NOT_JOINED);
            return;
        }
    } else if (!broadcast && !tapir_iface_has_ip(iface, &info.dst)) {
        tapir__drop(iface, TAPIR_DROP_IPV4_OTHER_HOST);
        return;
    }
    /* RFC 1122 §3.2.1.3: a source that is broadcast or multicast is discarded. */
    if ((ip.src.bytes[0] & 0xf0) == 0xe0 || tapir__ipv4_is_broadcast(iface, &ip.src)) {
        tapir__drop(iface, TAPIR_DROP_IPV4_BAD_SOURCE);
        return;
    }

    const uint8_t *payload = ip.payload;
    size_t payload_len = ip.payload_len;
    if (ip.more_frags || ip.frag_offset != 0) {
        struct tapir__reasm_out out;
        int rc = tapir__reasm_add(&iface->reasm, now, 4, &info.src, &info.dst, ip.protocol,
                                  ip.ident, ip.frag_offset, ip.more_frags, ip.payload,
                                  ip.payload_len, buf, tapir_ipv4_header_len(&ip), &out);
        if (rc != TAPIR__REASM_COMPLETE) {
            count_reasm_drop(iface, rc);
            return;
        }
        iface->stats.reassembled++;
        info.csum_trusted = false; /* vouched for one fragment, not the datagram */
        payload = out.payload;
        payload_len = out.payload_len;
        /* Errors about a reassembled datagram quote its first fragment's header. */
        info.packet = buf;
        info.packet_len = tapir_ipv4_header_len(&ip) + (ip.payload_len < 8 ? ip.payload_len : 8);
    }
    transport_input(iface, now, &info, ip.protocol, payload, payload_len, 9);
}

static void ipv6_input(struct tapir_iface *iface, tapir_instant now, const uint8_t *buf, size_t len)
{
    struct tapir_ipv6_repr ip;
    if (tapir_ipv6_parse(buf, len, &ip) != 0) {
        tapir__drop(iface, TAPIR_DROP_IPV6_MALFORMED);
        return;
    }
    struct tapir__ip_info info;
    memset(&info, 0, sizeof info);
    info.src.version = info.dst.version = TAPIR_IP_V6;
    info.src.v6 = ip.src;
    info.dst.v6 = ip.dst;
    info.ttl = ip.hop_limit;
    info.packet = buf;
    info.packet_len = tapir_ipv6_header_len(&ip) + ip.payload_len;
    info.csum_trusted = tapir__rx_csum_trusted(iface);

    if (ip.dst.bytes[0] == 0xff) {
        info.dst_multicast = true;
        if (!ipv6_multicast_accepted(iface, &ip.dst)) {
            tapir__drop(iface, TAPIR_DROP_MULTICAST_NOT_JOINED);
            return;
        }
    } else if (!tapir__is_local_ipv6(iface, &ip.dst)) {
        tapir__drop(iface, TAPIR_DROP_IPV6_OTHER_HOST);
        return;
    }
    /* RFC 4291 §2.7: multicast is never a source. */
    if (ip.src.bytes[0] == 0xff) {
        tapir__drop(iface, TAPIR_DROP_IPV6_BAD_SOURCE);
        return;
    }
    /* RFC 8200 §4.4: a Routing header with Segments Left above 0 asks us to pass the packet
     * on along a route of a type we do not implement (a host forwards nothing): discard it
     * with a Parameter Problem, code 0, at its Routing Type. With Segments Left 0 the
     * header is ignored and our address is the final destination, which is then also the
     * one the upper-layer checksum covers (§8.1). */
    for (unsigned i = 0; i < ip.ext_count; i++) {
        size_t at = TAPIR_IPV6_HEADER_LEN + ip.exts[i].offset;
        if (ip.exts[i].type == TAPIR_IPV6_NH_ROUTING && ip.exts[i].len >= 4 && buf[at + 3] != 0) {
            tapir__drop(iface, TAPIR_DROP_IPV6_MALFORMED);
            tapir__icmp_error(iface, now, &info, 4, 0, (uint32_t)(at + 2));
            return;
        }
    }

    const uint8_t *payload = ip.payload;
    size_t payload_len = ip.payload_len;
    if (ip.has_fragment && (ip.more_frags || ip.frag_offset != 0)) {
        struct tapir__reasm_out out;
        int rc = tapir__reasm_add(&iface->reasm, now, 6, &info.src, &info.dst, ip.upper_protocol,
                                  ip.frag_ident, ip.frag_offset, ip.more_frags, ip.payload,
                                  ip.payload_len, buf, tapir_ipv6_header_len(&ip), &out);
        if (rc != TAPIR__REASM_COMPLETE) {
            count_reasm_drop(iface, rc);
            return;
        }
        iface->stats.reassembled++;
        info.csum_trusted = false;
        payload = out.payload;
        payload_len = out.payload_len;
        ip.upper_protocol = out.protocol;
        info.packet_len = tapir_ipv6_header_len(&ip) + (ip.payload_len < 8 ? ip.payload_len : 8);
    }
    /* The Next Header byte that named the upper protocol, for a parameter problem. */
    size_t proto_field = 6;
    if (ip.ext_count > 0)
        proto_field = 40 + ip.exts[ip.ext_count - 1].offset;
    transport_input(iface, now, &info, ip.upper_protocol, payload, payload_len, proto_field);
}

void tapir__frame_input(struct tapir_iface *iface, tapir_instant now, const uint8_t *frame,
                        size_t len)
{
    if (iface->cfg.device->medium == TAPIR_MEDIUM_IP) {
        if (len > 0 && (frame[0] >> 4) == 6)
            ipv6_input(iface, now, frame, len);
        else
            ipv4_input(iface, now, frame, len, false);
        return;
    }
    struct tapir_eth_repr eth;
    if (tapir_eth_parse(frame, len, &eth) != 0) {
        tapir__drop(iface, TAPIR_DROP_ETH_MALFORMED);
        return;
    }
    bool link_multicast = tapir_mac_is_multicast(&eth.dst);
    if (!link_multicast && memcmp(&eth.dst, &iface->cfg.mac, 6) != 0) {
        tapir__drop(iface, TAPIR_DROP_ETH_OTHER_HOST);
        return;
    }
    switch (eth.ethertype) {
    case TAPIR_ETHERTYPE_ARP:
        tapir__arp_input(iface, now, eth.payload, eth.payload_len);
        break;
    case TAPIR_ETHERTYPE_IPV4:
        ipv4_input(iface, now, eth.payload, eth.payload_len, link_multicast);
        break;
    case TAPIR_ETHERTYPE_IPV6:
        ipv6_input(iface, now, eth.payload, eth.payload_len);
        break;
    default:
        tapir__drop(iface, TAPIR_DROP_ETH_UNKNOWN_TYPE);
        break;
    }
}
