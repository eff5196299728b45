/* ICMPv6 (RFC 4443) and neighbour discovery (RFC 4861 §7): echo replies, errors, echo
 * sockets, neighbour solicitations and advertisements. */
#include <string.h>

#include "iface_pseudo.h"
#include "../socket/icmp_internal.h"
#include "iface_internal.h"
#include "iface_udp.h"
#include "tapir/wire/icmpv6.h"
#include "tapir/wire/ipv6.h"
#include "tapir/wire/ndp.h"

/* RFC 4443 §2.4(c): an error carries as much of the invoking packet as fits in the
 * minimum IPv6 MTU. */
#define ICMPV6_ERROR_MAX_QUOTE (1280 - 40 - 8)

static const struct tapir_ipv6_addr all_nodes = {{0xff, 0x02, [15] = 0x01}};

/* Wrap the ICMPv6 message at datagram + TAPIR__IP_ROOM in an IPv6 header and send it. */
static int send_icmpv6(struct tapir_iface *iface, tapir_instant now,
                       const struct tapir_ipv6_addr *src, const struct tapir_ipv6_addr *dst,
                       uint8_t hop_limit, size_t len)
{
    struct tapir_ip_addr s = {.version = TAPIR_IP_V6, .v6 = *src};
    struct tapir_ip_addr d = {.version = TAPIR_IP_V6, .v6 = *dst};
    const uint8_t *dg;
    int n = tapir__finish_ip(iface, &s, &d, TAPIR_IP_PROTO_ICMPV6, hop_limit, len, &dg);
    if (n < 0)
        return n;
    return tapir__send_ip(iface, now, dg, (size_t)n);
}

/* NDP messages go out with hop limit 255 so receivers can tell they did not cross a
 * router (RFC 4861 §7.1.1). */
#define NDP_HOP_LIMIT 255

int tapir__send_ndp(struct tapir_iface *iface, tapir_instant now, const struct tapir_ndp_repr *nd,
                    const struct tapir_ipv6_addr *src, const struct tapir_ipv6_addr *dst)
{
    struct tapir_pseudo_header ph = tapir__pseudo_v6(src, dst, TAPIR_IP_PROTO_ICMPV6);
    uint8_t *upper = iface->datagram + TAPIR__IP_ROOM;
    int n = tapir_ndp_emit(nd, &ph, upper, 1024);
    if (n < 0)
        return n;
    return send_icmpv6(iface, now, src, dst, NDP_HOP_LIMIT, (size_t)n);
}

static void add_ll_option(struct tapir_ndp_repr *nd, uint8_t type, const struct tapir_mac_addr *mac)
{
    struct tapir_ndp_option *o = &nd->options[nd->option_count++];
    memset(o, 0, sizeof *o);
    o->type = type;
    o->ll_addr = *mac;
}

void tapir__send_neighbor_solicit(struct tapir_iface *iface, tapir_instant now,
                                  const struct tapir_ipv6_addr *target, bool unicast,
                                  const struct tapir_mac_addr *dst_mac)
{
    (void)dst_mac;
    struct tapir_ip_addr t = {.version = TAPIR_IP_V6, .v6 = *target};
    struct tapir_ip_addr src;
    if (tapir__select_source(iface, &t, &src) != 0)
        return;
    struct tapir_ndp_repr nd;
    memset(&nd, 0, sizeof nd);
    nd.type = TAPIR_ICMPV6_NEIGHBOR_SOLICIT;
    nd.target = *target;
    add_ll_option(&nd, TAPIR_NDP_OPT_SOURCE_LL_ADDR, &iface->cfg.mac);
    /* Resolution asks the target's solicited-node group (RFC 4861 §7.2.2). */
    struct tapir_ipv6_addr dst = *target;
    if (!unicast)
        tapir__ipv6_solicited_node(target, &dst);
    if (tapir__send_ndp(iface, now, &nd, &src.v6, &dst) == 0)
        iface->stats.ndp_solicits_sent++;
}

static void send_neighbor_advert(struct tapir_iface *iface, tapir_instant now,
                                 const struct tapir_ipv6_addr *target,
                                 const struct tapir_ipv6_addr *dst, uint8_t flags)
{
    struct tapir_ndp_repr nd;
    memset(&nd, 0, sizeof nd);
    nd.type = TAPIR_ICMPV6_NEIGHBOR_ADVERT;
    nd.flags = flags;
    nd.target = *target;
    add_ll_option(&nd, TAPIR_NDP_OPT_TARGET_LL_ADDR, &iface->cfg.mac);
    if (tapir__send_ndp(iface, now, &nd, target, dst) == 0)
        iface->stats.ndp_adverts_sent++;
}

void tapir__send_neighbor_advert_unsolicited(struct tapir_iface *iface, tapir_instant now,
                                             const struct tapir_ipv6_addr *target)
{
    /* RFC 4861 §7.2.6: to all-nodes, Override set, Solicited clear. */
    send_neighbor_advert(iface, now, target, &all_nodes, TAPIR_NDP_NA_OVERRIDE);
}

static void ndp_input(struct tapir_iface *iface, tapir_instant now, const struct tapir__ip_info *ip,
                      const struct tapir_icmpv6_repr *icmp)
{
    /* RFC 4861 §6.1, §7.1: hop limit 255 proves the message was not forwarded. */
    if (ip->ttl != NDP_HOP_LIMIT) {
        tapir__drop(iface, TAPIR_DROP_HOP_LIMIT);
        return;
    }
    struct tapir_ndp_repr nd;
    if (tapir_ndp_parse(icmp, &nd) != 0) {
        tapir__drop(iface, TAPIR_DROP_NDP_INVALID);
        return;
    }
    static const struct tapir_ipv6_addr unspecified;
    bool from_unspecified = memcmp(&ip->src.v6, &unspecified, 16) == 0;
    if (nd.type == TAPIR_ICMPV6_NEIGHBOR_SOLICIT) {
        if (tapir__slaac_ns_input(iface, now, &ip->src.v6, &nd.target))
            return; /* about a tentative address of ours (iface_slaac.c) */
        if (!tapir__is_local_ipv6(iface, &nd.target)) {
            tapir__drop(iface, TAPIR_DROP_NDP_INVALID);
            return;
        }
        const struct tapir_ndp_option *sll =
            tapir_ndp_find_option(&nd, TAPIR_NDP_OPT_SOURCE_LL_ADDR);
        if (from_unspecified) {
            /* Duplicate address detection by someone else (RFC 4862 §5.4.3): answer to
             * all-nodes, not solicited. A source link-layer option is forbidden here. */
            if (sll) {
                tapir__drop(iface, TAPIR_DROP_NDP_INVALID);
                return;
            }
            send_neighbor_advert(iface, now, &nd.target, &all_nodes, TAPIR_NDP_NA_OVERRIDE);
            return;
        }
        if (sll)
            tapir__nud_learn(iface, now, &ip->src, &sll->ll_addr);
        send_neighbor_advert(iface, now, &nd.target, &ip->src.v6,
                             TAPIR_NDP_NA_SOLICITED | TAPIR_NDP_NA_OVERRIDE);
        return;
    }
    if (nd.type == TAPIR_ICMPV6_NEIGHBOR_ADVERT) {
        const struct tapir_ndp_option *tll =
            tapir_ndp_find_option(&nd, TAPIR_NDP_OPT_TARGET_LL_ADDR);
        struct tapir_ip_addr target = {.version = TAPIR_IP_V6, .v6 = nd.target};
        if (tapir__slaac_na_input(iface, now, &nd.target))
            return; /* a tentative address of ours is taken (iface_slaac.c) */
        tapir__nud_na_input(iface, now, &target, tll ? &tll->ll_addr : NULL, nd.flags);
        return;
    }
    if (nd.type == TAPIR_ICMPV6_ROUTER_ADVERT) {
        tapir__slaac_ra_input(iface, now, ip, &nd);
        return;
    }
    /* Router solicitations are for routers; redirects are not followed yet. */
    tapir__drop(iface, TAPIR_DROP_ICMP_UNHANDLED);
}

void tapir__icmpv6_input(struct tapir_iface *iface, tapir_instant now,
                         const struct tapir__ip_info *ip, const uint8_t *buf, size_t len)
{
    struct tapir_pseudo_header ph =
        tapir__pseudo_v6(&ip->src.v6, &ip->dst.v6, TAPIR_IP_PROTO_ICMPV6);
    struct tapir_icmpv6_repr icmp;
    if (tapir_icmpv6_parse(buf, len, &ph, &icmp) != 0) {
        tapir__drop(iface, TAPIR_DROP_ICMP_MALFORMED);
        return;
    }
    struct tapir_icmp_meta m;
    tapir__icmp_meta_init(&m, ip, icmp.type, icmp.code, now);

    switch (icmp.type) {
    case TAPIR_ICMPV6_ECHO_REQUEST: {
        /* RFC 4443 §4.2: reply to unicast; multicast echo may be answered, but like
         * Linux's default we do not (an amplifier otherwise). */
        if (ip->dst_multicast) {
            tapir__drop(iface, TAPIR_DROP_ICMP_UNHANDLED);
            return;
        }
        struct tapir_icmpv6_repr rep = icmp;
        rep.type = TAPIR_ICMPV6_ECHO_REPLY;
        struct tapir_pseudo_header rph =
            tapir__pseudo_v6(&ip->dst.v6, &ip->src.v6, TAPIR_IP_PROTO_ICMPV6);
        int n = tapir_icmpv6_emit(&rep, &rph, iface->datagram + TAPIR__IP_ROOM, 65535);
        if (n >= 0 && send_icmpv6(iface, now, &ip->dst.v6, &ip->src.v6, 0, (size_t)n) == 0)
            iface->stats.echo_replies_sent++;
        return;
    }
    case TAPIR_ICMPV6_ECHO_REPLY:
        m.ident = tapir_icmpv6_echo_id(&icmp);
        m.seq = tapir_icmpv6_echo_seq(&icmp);
        if (!tapir__icmp_deliver(iface, TAPIR_IP_V6, &m, icmp.data, icmp.data_len))
            tapir__drop(iface, TAPIR_DROP_ICMP_UNHANDLED);
        return;
    case TAPIR_ICMPV6_ROUTER_SOLICIT:
    case TAPIR_ICMPV6_ROUTER_ADVERT:
    case TAPIR_ICMPV6_NEIGHBOR_SOLICIT:
    case TAPIR_ICMPV6_NEIGHBOR_ADVERT:
    case TAPIR_ICMPV6_REDIRECT:
        ndp_input(iface, now, ip, &icmp);
        return;
    case TAPIR_ICMPV6_MLD_QUERY:
    case TAPIR_ICMPV6_MLD_REPORT:
    case TAPIR_ICMPV6_MLD_DONE:
    case TAPIR_ICMPV6_MLD2_REPORT:
        tapir__mld_input(iface, now, ip, &icmp);
        return;
    default:
        break;
    }
    if (tapir_icmpv6_is_error(icmp.type)) {
        /* The quoted packet: a fixed IPv6 header, then (no extension headers in what we
         * send) our echo request. */
        const uint8_t *q = icmp.data;
        /* About one of our TCP segments (RFC 4443 §3, RFC 9293 §3.9.2.2): its connection
         * takes soft and hard errors, and packet too big (RFC 8201 §4) lowers its MSS. */
        if (icmp.data_len >= 40 + 8 && (q[0] >> 4) == 6 && q[6] == TAPIR_IP_PROTO_TCP) {
            struct tapir_ip_addr local = {.version = TAPIR_IP_V6};
            struct tapir_ip_addr remote = {.version = TAPIR_IP_V6};
            memcpy(local.v6.bytes, q + 8, 16);
            memcpy(remote.v6.bytes, q + 24, 16);
            uint32_t mtu = icmp.rest > 65535 ? 65535 : icmp.rest;
            if (tapir__tcp_icmp_error(iface, &local, &remote, q + 40, icmp.data_len - 40,
                                      TAPIR_IP_V6, icmp.type, icmp.code, mtu))
                return;
        }
        /* About a datagram of one of our UDP sockets: reported there. */
        if (tapir__udp_icmpv6_error(iface, now, ip, icmp.type, icmp.code, icmp.rest, icmp.data,
                                    icmp.data_len))
            return;
        if (icmp.data_len >= 40 + 8 && (q[0] >> 4) == 6 && q[6] == TAPIR_IP_PROTO_ICMPV6 &&
            q[40] == TAPIR_ICMPV6_ECHO_REQUEST) {
            m.ident = (uint16_t)(q[44] << 8 | q[45]);
            m.seq = (uint16_t)(q[46] << 8 | q[47]);
            m.info = icmp.rest;
            if (tapir__icmp_deliver(iface, TAPIR_IP_V6, &m, icmp.data, icmp.data_len))
                return;
        }
    }
    tapir__drop(iface, TAPIR_DROP_ICMP_UNHANDLED);
}

void tapir__icmpv6_error(struct tapir_iface *iface, tapir_instant now,
                         const struct tapir__ip_info *ip, const struct tapir_ip_addr *from,
                         uint8_t type, uint8_t code, uint32_t info)
{
    struct tapir_ip_addr src = *from;
    struct tapir_icmpv6_repr icmp;
    memset(&icmp, 0, sizeof icmp);
    icmp.type = type;
    icmp.code = code;
    icmp.rest = info;
    icmp.data = ip->packet;
    icmp.data_len =
        ip->packet_len < ICMPV6_ERROR_MAX_QUOTE ? ip->packet_len : ICMPV6_ERROR_MAX_QUOTE;
    struct tapir_pseudo_header ph = tapir__pseudo_v6(&src.v6, &ip->src.v6, TAPIR_IP_PROTO_ICMPV6);
    int n = tapir_icmpv6_emit(&icmp, &ph, iface->datagram + TAPIR__IP_ROOM, 2048);
    if (n >= 0 && send_icmpv6(iface, now, &src.v6, &ip->src.v6, 0, (size_t)n) == 0)
        iface->stats.icmp_errors_sent++;
}

int tapir__icmpv6_send_echo(struct tapir_iface *iface, tapir_instant now,
                            const struct tapir_ip_addr *src, uint16_t ident,
                            const struct tapir__icmp_tx *tx)
{
    struct tapir_icmpv6_repr icmp;
    memset(&icmp, 0, sizeof icmp);
    icmp.type = TAPIR_ICMPV6_ECHO_REQUEST;
    icmp.rest = tapir_icmpv6_echo_rest(ident, tx->seq);
    icmp.data = tx->data;
    icmp.data_len = tx->len;
    struct tapir_pseudo_header ph = tapir__pseudo_v6(&src->v6, &tx->dst.v6, TAPIR_IP_PROTO_ICMPV6);
    int n = tapir_icmpv6_emit(&icmp, &ph, iface->datagram + TAPIR__IP_ROOM, 65535);
    if (n < 0)
        return n;
    return send_icmpv6(iface, now, &src->v6, &tx->dst.v6, tx->hop_limit, (size_t)n);
}
