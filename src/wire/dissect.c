/* Whole-frame dissection: the walk from the link header down through every layer tapir
 * parses. print_frame.c prints from the same walk. */
#include <string.h>

#include "tapir/error.h"
#include "walk.h"

static const char *const layer_names[TAPIR_LAYER_COUNT_] = {
    [TAPIR_LAYER_ETHERNET] = "ethernet", [TAPIR_LAYER_ARP] = "arp",
    [TAPIR_LAYER_IPV4] = "ipv4",         [TAPIR_LAYER_IPV6] = "ipv6",
    [TAPIR_LAYER_ICMPV4] = "icmpv4",     [TAPIR_LAYER_ICMPV6] = "icmpv6",
    [TAPIR_LAYER_UDP] = "udp",           [TAPIR_LAYER_TCP] = "tcp",
    [TAPIR_LAYER_IGMP] = "igmp",         [TAPIR_LAYER_DHCPV4] = "dhcpv4",
    [TAPIR_LAYER_PAYLOAD] = "payload",   [TAPIR_LAYER_DNS] = "dns",
};

const char *tapir_layer_name(enum tapir_layer layer)
{
    if ((unsigned)layer >= TAPIR_LAYER_COUNT_)
        return "unknown";
    return layer_names[layer];
}

static int record(struct tapir_dissection *d, enum tapir_layer layer, int error, size_t offset,
                  size_t len)
{
    if (d->count < TAPIR_DISSECT_MAX_LAYERS) {
        d->layers[d->count].layer = (uint8_t)layer;
        d->layers[d->count].error = error;
        d->layers[d->count].offset = offset;
        d->layers[d->count].len = len;
        d->count++;
    }
    return error;
}

/* DNS on port 53 (RFC 1035 §4.2.1 over UDP). The layer is recorded with its error, so a
 * malformed message shows as such. */
static int walk_dns_udp(struct tapir__walk *w, size_t off)
{
    if (w->udp.src_port != TAPIR_DNS_PORT && w->udp.dst_port != TAPIR_DNS_PORT)
        return 0;
    int rc = tapir_dns_parse(w->udp.payload, w->udp.payload_len, &w->dns);
    return record(&w->d, TAPIR_LAYER_DNS, rc, off, rc == 0 ? w->dns.len : w->udp.payload_len);
}

/* RFC 7766 §8: over TCP each message follows a 2-byte length. A segment need not hold a
 * whole message, so only one that does (starting at a message) is shown as DNS. */
static void walk_dns_tcp(struct tapir__walk *w, size_t off)
{
    if ((w->tcp.src_port != TAPIR_DNS_PORT && w->tcp.dst_port != TAPIR_DNS_PORT) ||
        w->tcp.payload_len < 2)
        return;
    size_t mlen = (size_t)w->tcp.payload[0] << 8 | w->tcp.payload[1];
    if (mlen > w->tcp.payload_len - 2 || tapir_dns_parse(w->tcp.payload + 2, mlen, &w->dns) != 0 ||
        w->dns.len != mlen)
        return;
    record(&w->d, TAPIR_LAYER_DNS, 0, off + 2, mlen);
}

/* Transport parsers verify with the pseudo-header first; if only the checksum is wrong,
 * parse again without it so the packet can still be shown (as tcpdump does). */
#define PARSE_TRANSPORT(w, call_with_ph, call_without)                                             \
    do {                                                                                           \
        rc = (call_with_ph);                                                                       \
        if (rc == TAPIR_EBADCHECKSUM && (call_without) == 0)                                       \
            (w)->bad_checksum = true;                                                              \
    } while (0)

/* Above UDP: DHCPv4 on its ports (RFC 2131 §4.1), DNS on port 53; `rc` is UDP's own
 * result. */
static int walk_udp_payload(struct tapir__walk *w, size_t off, int rc)
{
    const struct tapir_udp_repr *u = &w->udp;
    if (u->src_port != TAPIR_DHCPV4_SERVER_PORT && u->src_port != TAPIR_DHCPV4_CLIENT_PORT &&
        u->dst_port != TAPIR_DHCPV4_SERVER_PORT && u->dst_port != TAPIR_DHCPV4_CLIENT_PORT) {
        int drc = walk_dns_udp(w, off + TAPIR_UDP_HEADER_LEN);
        return rc != 0 ? rc : drc;
    }
    int drc = tapir_dhcpv4_parse(u->payload, u->payload_len, &w->dhcpv4);
    record(&w->d, TAPIR_LAYER_DHCPV4, drc, off + TAPIR_UDP_HEADER_LEN, u->payload_len);
    return rc != 0 ? rc : drc;
}

static int walk_transport(struct tapir__walk *w, uint8_t protocol, const uint8_t *buf, size_t len,
                          size_t off, const struct tapir_pseudo_header *ph)
{
    int rc;
    switch (protocol) {
    case TAPIR_IP_PROTO_ICMP:
        rc = tapir_icmpv4_parse(buf, len, &w->icmpv4);
        return record(&w->d, TAPIR_LAYER_ICMPV4, rc, off, len);
    case TAPIR_IP_PROTO_IGMP:
        PARSE_TRANSPORT(w, tapir_igmp_parse(buf, len, true, &w->igmp),
                        tapir_igmp_parse(buf, len, false, &w->igmp));
        return record(&w->d, TAPIR_LAYER_IGMP, rc, off, len);
    case TAPIR_IP_PROTO_ICMPV6:
        PARSE_TRANSPORT(w, tapir_icmpv6_parse(buf, len, ph, &w->icmpv6),
                        tapir_icmpv6_parse(buf, len, NULL, &w->icmpv6));
        return record(&w->d, TAPIR_LAYER_ICMPV6, rc, off, len);
    case TAPIR_IP_PROTO_UDP:
        PARSE_TRANSPORT(w, tapir_udp_parse(buf, len, ph, &w->udp),
                        tapir_udp_parse(buf, len, NULL, &w->udp));
        record(&w->d, TAPIR_LAYER_UDP, rc, off, len);
        if (rc != 0 && !w->bad_checksum)
            return rc;
        return walk_udp_payload(w, off, rc);
    case TAPIR_IP_PROTO_TCP:
        PARSE_TRANSPORT(w, tapir_tcp_parse(buf, len, ph, &w->tcp),
                        tapir_tcp_parse(buf, len, NULL, &w->tcp));
        record(&w->d, TAPIR_LAYER_TCP, rc, off, len);
        if (rc == 0 || w->bad_checksum)
            walk_dns_tcp(w, off + (size_t)(w->tcp.payload - buf));
        return rc;
    default:
        record(&w->d, TAPIR_LAYER_PAYLOAD, 0, off, len);
        return 0;
    }
}

static int walk_ipv4(struct tapir__walk *w, const uint8_t *buf, size_t len, size_t off)
{
    int rc = tapir_ipv4_parse(buf, len, &w->ipv4);
    if (rc != 0)
        return record(&w->d, TAPIR_LAYER_IPV4, rc, off, len);
    size_t hlen = tapir_ipv4_header_len(&w->ipv4);
    record(&w->d, TAPIR_LAYER_IPV4, 0, off, hlen + w->ipv4.payload_len);
    /* Only an unfragmented datagram has a whole transport header and checksum. */
    if (w->ipv4.more_frags || w->ipv4.frag_offset != 0) {
        record(&w->d, TAPIR_LAYER_PAYLOAD, 0, off + hlen, w->ipv4.payload_len);
        return 0;
    }
    struct tapir_pseudo_header ph = {.protocol = w->ipv4.protocol};
    ph.src.version = ph.dst.version = TAPIR_IP_V4;
    ph.src.v4 = w->ipv4.src;
    ph.dst.v4 = w->ipv4.dst;
    return walk_transport(w, w->ipv4.protocol, w->ipv4.payload, w->ipv4.payload_len, off + hlen,
                          &ph);
}

static int walk_ipv6(struct tapir__walk *w, const uint8_t *buf, size_t len, size_t off)
{
    int rc = tapir_ipv6_parse(buf, len, &w->ipv6);
    if (rc != 0)
        return record(&w->d, TAPIR_LAYER_IPV6, rc, off, len);
    size_t hlen = tapir_ipv6_header_len(&w->ipv6);
    record(&w->d, TAPIR_LAYER_IPV6, 0, off, hlen + w->ipv6.payload_len);
    if (w->ipv6.has_fragment && (w->ipv6.more_frags || w->ipv6.frag_offset != 0)) {
        record(&w->d, TAPIR_LAYER_PAYLOAD, 0, off + hlen, w->ipv6.payload_len);
        return 0;
    }
    struct tapir_pseudo_header ph = {.protocol = w->ipv6.upper_protocol};
    ph.src.version = ph.dst.version = TAPIR_IP_V6;
    ph.src.v6 = w->ipv6.src;
    ph.dst.v6 = w->ipv6.dst;
    return walk_transport(w, w->ipv6.upper_protocol, w->ipv6.payload, w->ipv6.payload_len,
                          off + hlen, &ph);
}

static int walk_ip(struct tapir__walk *w, const uint8_t *buf, size_t len, size_t off)
{
    if (len == 0)
        return record(&w->d, TAPIR_LAYER_IPV4, TAPIR_ETRUNCATED, off, len);
    if ((buf[0] >> 4) == 6)
        return walk_ipv6(w, buf, len, off);
    /* Anything else is tried as IPv4, whose parser names a bad version. */
    return walk_ipv4(w, buf, len, off);
}

int tapir__walk(const uint8_t *frame, size_t len, enum tapir_medium medium, struct tapir__walk *w)
{
    memset(w, 0, sizeof *w);
    if (medium == TAPIR_MEDIUM_IP)
        return walk_ip(w, frame, len, 0);

    int rc = tapir_eth_parse(frame, len, &w->eth);
    if (record(&w->d, TAPIR_LAYER_ETHERNET, rc, 0, len) != 0)
        return rc;
    size_t off = tapir_eth_header_len(&w->eth);
    switch (w->eth.ethertype) {
    case TAPIR_ETHERTYPE_ARP:
        rc = tapir_arp_parse(w->eth.payload, w->eth.payload_len, &w->arp);
        return record(&w->d, TAPIR_LAYER_ARP, rc, off,
                      rc == 0 ? TAPIR_ARP_LEN : w->eth.payload_len);
    case TAPIR_ETHERTYPE_IPV4:
        return walk_ipv4(w, w->eth.payload, w->eth.payload_len, off);
    case TAPIR_ETHERTYPE_IPV6:
        return walk_ipv6(w, w->eth.payload, w->eth.payload_len, off);
    default:
        record(&w->d, TAPIR_LAYER_PAYLOAD, 0, off, w->eth.payload_len);
        return 0;
    }
}

int tapir_dissect(const uint8_t *frame, size_t len, enum tapir_medium medium,
                  struct tapir_dissection *out)
{
    struct tapir__walk w;
    int rc = tapir__walk(frame, len, medium, &w);
    *out = w.d;
    return rc;
}
