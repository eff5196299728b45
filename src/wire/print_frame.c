/* Whole-frame printing: one tcpdump-like line, or every field of every layer. */
#include "tapir/error.h"
#include "walk.h"

static void print_bad(struct tapir_text *t, const struct tapir_layer_span *s)
{
    tapir_text_printf(t, "[bad %s: %s]", tapir_layer_name((enum tapir_layer)s->layer),
                      tapir_strerror(s->error));
}

/* "a.port > b.port: " for TCP/UDP, "a > b: " otherwise. */
static void print_endpoints(struct tapir_text *t, const struct tapir_ip_addr *src,
                            const struct tapir_ip_addr *dst, int sport, int dport)
{
    char a[TAPIR_IP_STRLEN], b[TAPIR_IP_STRLEN];
    tapir_ip_format(src, a);
    tapir_ip_format(dst, b);
    if (sport >= 0)
        tapir_text_printf(t, "%s.%d > %s.%d: ", a, sport, b, dport);
    else
        tapir_text_printf(t, "%s > %s: ", a, b);
}

static void print_ipv6_ext_names(struct tapir_text *t, const struct tapir_ipv6_repr *ip);

/* The endpoints, then (IPv6) the extension headers crossed on the way to the upper layer. */
static void print_path(struct tapir_text *t, const struct tapir__walk *w,
                       const struct tapir_ip_addr *src, const struct tapir_ip_addr *dst, int sport,
                       int dport)
{
    print_endpoints(t, src, dst, sport, dport);
    if (src->version == TAPIR_IP_V6)
        print_ipv6_ext_names(t, &w->ipv6);
}

/* The application layer above UDP/TCP (DNS), after `sep`; false when there is none. A
 * malformed one follows the UDP words: "UDP, length 5 [bad dns: truncated]". */
static bool print_app(struct tapir_text *t, const struct tapir__walk *w, const char *sep)
{
    if (w->d.count == 0 || w->d.layers[w->d.count - 1].layer != TAPIR_LAYER_DNS)
        return false;
    const struct tapir_layer_span *s = &w->d.layers[w->d.count - 1];
    if (s->error != 0) {
        tapir_udp_print(t, &w->udp);
        tapir_text_puts(t, " ");
        print_bad(t, s);
        return true;
    }
    tapir_text_puts(t, sep);
    tapir_dns_print(t, &w->dns);
    return true;
}

static void print_transport(struct tapir_text *t, const struct tapir__walk *w,
                            const struct tapir_layer_span *s, const struct tapir_ip_addr *src,
                            const struct tapir_ip_addr *dst, uint8_t protocol, size_t payload_len)
{
    if (s == NULL) {
        print_path(t, w, src, dst, -1, -1);
        const char *name = tapir_ip_protocol_name(protocol);
        if (name)
            tapir_text_printf(t, "%s", name);
        else
            tapir_text_printf(t, "ip-proto-%u", protocol);
        tapir_text_printf(t, ", length %zu", payload_len);
        return;
    }
    if (s->layer == TAPIR_LAYER_DHCPV4) {
        /* tcpdump's "BOOTP/DHCP" line in tapir's words; the UDP length stays. */
        print_path(t, w, src, dst, w->udp.src_port, w->udp.dst_port);
        if (s->error == 0) {
            tapir_dhcpv4_print(t, &w->dhcpv4);
            tapir_text_printf(t, ", length %zu", w->udp.payload_len);
        } else {
            tapir_udp_print(t, &w->udp);
            tapir_text_puts(t, " ");
            print_bad(t, s);
        }
        if (w->bad_checksum)
            tapir_text_puts(t, " [bad cksum]");
        return;
    }
    bool shown = s->error == 0 || (s->error == TAPIR_EBADCHECKSUM && w->bad_checksum);
    switch (shown ? s->layer : TAPIR_LAYER_PAYLOAD) {
    case TAPIR_LAYER_TCP:
        print_path(t, w, src, dst, w->tcp.src_port, w->tcp.dst_port);
        tapir_tcp_print(t, &w->tcp);
        print_app(t, w, " ");
        break;
    case TAPIR_LAYER_UDP:
        print_path(t, w, src, dst, w->udp.src_port, w->udp.dst_port);
        /* tcpdump shows what it understands above UDP instead of the length. */
        if (!print_app(t, w, ""))
            tapir_udp_print(t, &w->udp);
        break;
    case TAPIR_LAYER_ICMPV4:
        print_path(t, w, src, dst, -1, -1);
        tapir_icmpv4_print(t, &w->icmpv4);
        break;
    case TAPIR_LAYER_ICMPV6:
        print_path(t, w, src, dst, -1, -1);
        tapir_icmpv6_print(t, &w->icmpv6);
        break;
    case TAPIR_LAYER_IGMP:
        print_path(t, w, src, dst, -1, -1);
        tapir_igmp_print(t, &w->igmp);
        break;
    default:
        print_path(t, w, src, dst, -1, -1);
        print_bad(t, s);
        return;
    }
    if (s->error == TAPIR_EBADCHECKSUM)
        tapir_text_puts(t, " [bad cksum]");
}

static void print_fragment(struct tapir_text *t, uint8_t protocol, uint32_t ident, uint16_t offset,
                           bool more, size_t len)
{
    const char *name = tapir_ip_protocol_name(protocol);
    if (name)
        tapir_text_printf(t, "%s", name);
    else
        tapir_text_printf(t, "ip-proto-%u", protocol);
    tapir_text_printf(t, " fragment (id %u, offset %u%s), length %zu", ident, offset,
                      more ? ", more" : "", len);
}

/* The layer the one-line form describes after the IP header: the last of ICMP, IGMP,
 * UDP, TCP or DHCP (DNS is printed by the UDP and TCP lines themselves). */
static const struct tapir_layer_span *upper_layer(const struct tapir__walk *w)
{
    const struct tapir_layer_span *s = NULL;
    for (size_t i = 0; i < w->d.count; i++) {
        enum tapir_layer l = w->d.layers[i].layer;
        if (l >= TAPIR_LAYER_ICMPV4 && l != TAPIR_LAYER_PAYLOAD && l != TAPIR_LAYER_DNS)
            s = &w->d.layers[i];
    }
    return s;
}

static void print_ipv4(struct tapir_text *t, const struct tapir__walk *w)
{
    struct tapir_ip_addr src = {.version = TAPIR_IP_V4, .v4 = w->ipv4.src};
    struct tapir_ip_addr dst = {.version = TAPIR_IP_V4, .v4 = w->ipv4.dst};
    tapir_text_puts(t, "IP ");
    if (w->ipv4.more_frags || w->ipv4.frag_offset != 0) {
        print_endpoints(t, &src, &dst, -1, -1);
        print_fragment(t, w->ipv4.protocol, w->ipv4.ident, w->ipv4.frag_offset, w->ipv4.more_frags,
                       w->ipv4.payload_len);
        return;
    }
    const struct tapir_layer_span *s = upper_layer(w);
    print_transport(t, w, s, &src, &dst, w->ipv4.protocol, w->ipv4.payload_len);
}

static void print_ipv6(struct tapir_text *t, const struct tapir__walk *w)
{
    struct tapir_ip_addr src = {.version = TAPIR_IP_V6, .v6 = w->ipv6.src};
    struct tapir_ip_addr dst = {.version = TAPIR_IP_V6, .v6 = w->ipv6.dst};
    tapir_text_puts(t, "IP6 ");
    if (w->ipv6.has_fragment && (w->ipv6.more_frags || w->ipv6.frag_offset != 0)) {
        print_endpoints(t, &src, &dst, -1, -1);
        print_fragment(t, w->ipv6.upper_protocol, w->ipv6.frag_ident, w->ipv6.frag_offset,
                       w->ipv6.more_frags, w->ipv6.payload_len);
        return;
    }
    const struct tapir_layer_span *s = upper_layer(w);
    print_transport(t, w, s, &src, &dst, w->ipv6.upper_protocol, w->ipv6.payload_len);
}

/* tcpdump names each extension header before the upper layer: "HBH ICMP6, ...". Inserted
 * after the endpoints, so the line reads "IP6 a > b: HBH DSTOPT ICMP6, ...". */
static void print_ipv6_ext_names(struct tapir_text *t, const struct tapir_ipv6_repr *ip)
{
    for (size_t i = 0; i < ip->ext_count; i++) {
        switch (ip->exts[i].type) {
        case TAPIR_IPV6_NH_HOPOPTS:
            tapir_text_puts(t, "HBH ");
            break;
        case TAPIR_IPV6_NH_DSTOPTS:
            tapir_text_puts(t, "DSTOPT ");
            break;
        case TAPIR_IPV6_NH_ROUTING:
            tapir_text_puts(t, "RT6 ");
            break;
        default:
            break;
        }
    }
}

static void print_line(struct tapir_text *t, const struct tapir__walk *w, unsigned flags)
{
    const struct tapir_dissection *d = &w->d;
    if (d->count == 0)
        return;
    size_t i = 0;
    if (d->layers[0].layer == TAPIR_LAYER_ETHERNET) {
        if (d->layers[0].error != 0) {
            print_bad(t, &d->layers[0]);
            return;
        }
        /* With -e, or when nothing above the link is understood, show the link header. */
        bool upper_known = d->count > 1 && d->layers[1].layer != TAPIR_LAYER_PAYLOAD;
        if ((flags & TAPIR_PRINT_LINK) || !upper_known) {
            tapir_eth_print(t, &w->eth);
            if (!upper_known)
                return;
            tapir_text_puts(t, ": ");
        }
        i = 1;
    }
    const struct tapir_layer_span *s = &d->layers[i];
    if (s->error != 0) {
        print_bad(t, s);
        return;
    }
    switch (s->layer) {
    case TAPIR_LAYER_ARP:
        tapir_text_puts(t, "ARP, ");
        tapir_arp_print(t, &w->arp);
        break;
    case TAPIR_LAYER_IPV4:
        print_ipv4(t, w);
        break;
    case TAPIR_LAYER_IPV6:
        print_ipv6(t, w);
        break;
    default:
        tapir_text_printf(t, "%s, length %zu", tapir_layer_name((enum tapir_layer)s->layer),
                          s->len);
        break;
    }
}

static void print_verbose(struct tapir_text *t, const struct tapir__walk *w)
{
    for (size_t i = 0; i < w->d.count; i++) {
        const struct tapir_layer_span *s = &w->d.layers[i];
        bool shown = s->error == 0 || (s->error == TAPIR_EBADCHECKSUM && w->bad_checksum);
        if (!shown) {
            print_bad(t, s);
            tapir_text_puts(t, "\n");
            continue;
        }
        switch (s->layer) {
        case TAPIR_LAYER_ETHERNET:
            tapir_eth_print_verbose(t, &w->eth);
            break;
        case TAPIR_LAYER_ARP:
            tapir_arp_print_verbose(t, &w->arp);
            break;
        case TAPIR_LAYER_IPV4:
            tapir_ipv4_print_verbose(t, &w->ipv4);
            break;
        case TAPIR_LAYER_IPV6:
            tapir_ipv6_print_verbose(t, &w->ipv6);
            break;
        case TAPIR_LAYER_ICMPV4:
            tapir_icmpv4_print_verbose(t, &w->icmpv4);
            break;
        case TAPIR_LAYER_ICMPV6:
            tapir_icmpv6_print_verbose(t, &w->icmpv6);
            break;
        case TAPIR_LAYER_UDP:
            tapir_udp_print_verbose(t, &w->udp);
            break;
        case TAPIR_LAYER_TCP:
            tapir_tcp_print_verbose(t, &w->tcp);
            break;
        case TAPIR_LAYER_IGMP:
            tapir_igmp_print_verbose(t, &w->igmp);
            break;
        case TAPIR_LAYER_DHCPV4:
            tapir_dhcpv4_print_verbose(t, &w->dhcpv4);
            break;
        case TAPIR_LAYER_DNS:
            tapir_dns_print_verbose(t, &w->dns);
            break;
        default:
            tapir_text_printf(t, "Payload\n  length: %zu\n", s->len);
            break;
        }
        if (s->error == TAPIR_EBADCHECKSUM)
            tapir_text_puts(t, "  checksum: BAD\n");
    }
}

void tapir_frame_print(struct tapir_text *t, const uint8_t *frame, size_t len,
                       enum tapir_medium medium, unsigned flags)
{
    struct tapir__walk w;
    tapir__walk(frame, len, medium, &w);
    if ((flags & TAPIR_PRINT_CSUM_NOT_READY) && w.bad_checksum) {
        /* Only the transport checksums are left to offload; the IPv4 header's never is. */
        for (size_t i = 0; i < w.d.count; i++) {
            struct tapir_layer_span *s = &w.d.layers[i];
            if ((s->layer == TAPIR_LAYER_TCP || s->layer == TAPIR_LAYER_UDP) &&
                s->error == TAPIR_EBADCHECKSUM)
                s->error = 0;
        }
        w.bad_checksum = false;
    }
    if (flags & TAPIR_PRINT_VERBOSE)
        print_verbose(t, &w);
    else
        print_line(t, &w, flags);
}
