/* The interface: configuration, addresses, routes, sockets, and the poll loop. */
#include <string.h>

#include "iface_internal.h"
#include "tapir/wire/ipv6.h"
#include "iface_tcp_scale.h"
#include "iface_udp.h"
#include "tapir/socket/icmp.h"
#include "tapir/wire/ethernet.h"

/* Room for one whole datagram: 65535 bytes of IPv6 payload plus its 40-byte header, and
 * a little slack so builders can write headers in front without special cases. */
#define DATAGRAM_LEN (65536 + 128)

static const char *const drop_names[TAPIR_DROP_COUNT_] = {
    [TAPIR_DROP_ETH_MALFORMED] = "eth_malformed",
    [TAPIR_DROP_ETH_OTHER_HOST] = "eth_other_host",
    [TAPIR_DROP_ETH_UNKNOWN_TYPE] = "eth_unknown_type",
    [TAPIR_DROP_ARP_MALFORMED] = "arp_malformed",
    [TAPIR_DROP_ARP_OTHER_HOST] = "arp_other_host",
    [TAPIR_DROP_IPV4_MALFORMED] = "ipv4_malformed",
    [TAPIR_DROP_IPV4_OTHER_HOST] = "ipv4_other_host",
    [TAPIR_DROP_IPV4_BAD_SOURCE] = "ipv4_bad_source",
    [TAPIR_DROP_IPV6_MALFORMED] = "ipv6_malformed",
    [TAPIR_DROP_IPV6_OTHER_HOST] = "ipv6_other_host",
    [TAPIR_DROP_IPV6_BAD_SOURCE] = "ipv6_bad_source",
    [TAPIR_DROP_MULTICAST_NOT_JOINED] = "multicast_not_joined",
    [TAPIR_DROP_HOP_LIMIT] = "hop_limit",
    [TAPIR_DROP_FRAG_OVERLAP] = "frag_overlap",
    [TAPIR_DROP_FRAG_TOO_MANY] = "frag_too_many",
    [TAPIR_DROP_FRAG_OVERSIZE] = "frag_oversize",
    [TAPIR_DROP_FRAG_NO_SLOT] = "frag_no_slot",
    [TAPIR_DROP_FRAG_TIMEOUT] = "frag_timeout",
    [TAPIR_DROP_FRAG_MALFORMED] = "frag_malformed",
    [TAPIR_DROP_ICMP_MALFORMED] = "icmp_malformed",
    [TAPIR_DROP_ICMP_UNHANDLED] = "icmp_unhandled",
    [TAPIR_DROP_NDP_INVALID] = "ndp_invalid",
    [TAPIR_DROP_UDP_MALFORMED] = "udp_malformed",
    [TAPIR_DROP_TCP_MALFORMED] = "tcp_malformed",
    [TAPIR_DROP_NO_SOCKET] = "no_socket",
    [TAPIR_DROP_UNKNOWN_PROTOCOL] = "unknown_protocol",
    [TAPIR_DROP_NO_ROUTE] = "no_route",
    [TAPIR_DROP_NO_SOURCE] = "no_source",
    [TAPIR_DROP_NEIGHBOR_FAILED] = "neighbor_failed",
    [TAPIR_DROP_NEIGHBOR_REPLACED] = "neighbor_replaced",
    [TAPIR_DROP_NEIGHBOR_NO_SLOT] = "neighbor_no_slot",
    [TAPIR_DROP_TOO_BIG] = "too_big",
    [TAPIR_DROP_TX_FULL] = "tx_full",
    [TAPIR_DROP_ICMP_RATE_LIMITED] = "icmp_rate_limited",
    [TAPIR_DROP_MCAST_INVALID] = "mcast_invalid",
    [TAPIR_DROP_ICMP_OUT_OF_WINDOW] = "icmp_out_of_window",
};

const char *tapir_drop_reason_name(enum tapir_drop_reason reason)
{
    if ((unsigned)reason >= TAPIR_DROP_COUNT_ || drop_names[reason] == NULL)
        return "unknown";
    return drop_names[reason];
}

void tapir_iface_config_default(struct tapir_iface_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    static const struct tapir_mac_addr mac = {{0x02, 0x00, 0x00, 0x00, 0x00, 0x01}};
    cfg->mac = mac;
    cfg->ttl = 64;
    cfg->neighbor_lifetime_us = 60 * (tapir_instant)TAPIR_US_PER_S;
    cfg->neighbor_retry_us = 1 * (tapir_instant)TAPIR_US_PER_S;
    cfg->neighbor_max_requests = 3;
    cfg->reasm_timeout_us = 30 * (tapir_instant)TAPIR_US_PER_S;
    cfg->icmp_error_burst = 10;
    cfg->icmp_error_interval_us = 100 * (tapir_instant)TAPIR_US_PER_MS;
    cfg->announce = true;
    cfg->nud = true;
}

static unsigned effective_mtu(const struct tapir_iface_config *cfg)
{
    unsigned mtu = cfg->mtu ? cfg->mtu : (cfg->device ? cfg->device->mtu : 0);
    return mtu ? mtu : 1500;
}

static size_t frame_size_for(const struct tapir_iface_config *cfg)
{
    size_t link = (cfg->device && cfg->device->medium == TAPIR_MEDIUM_IP)
                      ? 0
                      : TAPIR_ETH_HEADER_LEN + TAPIR_ETH_VLAN_LEN;
    size_t n = effective_mtu(cfg) + link;
    /* Offload: a frame holds a whole GSO super-frame (an IP packet of up to 65535 bytes)
     * in each direction (iface_gso.c). */
    if (cfg->device && (cfg->device->caps & TAPIR_DEVICE_CAP_GSO) && n < 65535 + link)
        n = 65535 + link;
    return (n + 63) & ~(size_t)63;
}

size_t tapir_iface_mem_size(const struct tapir_iface_config *cfg)
{
    return (size_t)(TAPIR_RX_BATCH + TAPIR_TX_BATCH) * frame_size_for(cfg) + DATAGRAM_LEN +
           (size_t)TAPIR_NEIGHBOR_PENDING * DATAGRAM_LEN +
           (size_t)TAPIR_REASM_SLOTS * TAPIR_REASM_BUF_LEN;
}

/* RFC 4291 Appendix A: the interface identifier from a MAC (modified EUI-64: ff:fe in
 * the middle, the universal/local bit inverted). */
void tapir_iface_link_local(const struct tapir_iface *iface, struct tapir_ipv6_addr *out)
{
    const uint8_t *m = iface->cfg.mac.bytes;
    memset(out, 0, sizeof *out);
    out->bytes[0] = 0xfe;
    out->bytes[1] = 0x80;
    out->bytes[8] = m[0] ^ 0x02;
    out->bytes[9] = m[1];
    out->bytes[10] = m[2];
    out->bytes[11] = 0xff;
    out->bytes[12] = 0xfe;
    out->bytes[13] = m[3];
    out->bytes[14] = m[4];
    out->bytes[15] = m[5];
}

int tapir_iface_init(struct tapir_iface *iface, const struct tapir_iface_config *cfg,
                     tapir_instant now)
{
    if (!cfg->device || !cfg->device->ops || !cfg->rng.fill || !cfg->mem ||
        cfg->mem_len < tapir_iface_mem_size(cfg))
        return TAPIR_EINVAL;
    memset(iface, 0, sizeof *iface);
    iface->cfg = *cfg;
    iface->mtu = effective_mtu(cfg);
    iface->mtu_max = iface->mtu;
    iface->frame_size = frame_size_for(cfg);

    uint8_t *mem = cfg->mem;
    for (unsigned i = 0; i < TAPIR_RX_BATCH; i++, mem += iface->frame_size) {
        iface->rx[i].data = mem;
        iface->rx[i].cap = iface->frame_size;
    }
    for (unsigned i = 0; i < TAPIR_TX_BATCH; i++, mem += iface->frame_size) {
        iface->tx[i].data = mem;
        iface->tx[i].cap = iface->frame_size;
    }
    iface->datagram = mem;
    mem += DATAGRAM_LEN;
    tapir__nb_init(&iface->neighbors, mem, (size_t)TAPIR_NEIGHBOR_PENDING * DATAGRAM_LEN,
                   DATAGRAM_LEN);
    mem += (size_t)TAPIR_NEIGHBOR_PENDING * DATAGRAM_LEN;
    tapir__reasm_init(&iface->reasm, mem, cfg->reasm_timeout_us);

    /* IP identifications start at a random point (RFC 6864 asks only that they not
     * repeat within a datagram's lifetime for a source/destination pair). */
    cfg->rng.fill(cfg->rng.ctx, &iface->next_ipv4_ident, sizeof iface->next_ipv4_ident);
    cfg->rng.fill(cfg->rng.ctx, &iface->next_ipv6_ident, sizeof iface->next_ipv6_ident);
    /* The TCP secret (RFC 6528 §3: per interface), keying ISNs, SYN cookies, ephemeral
     * ports and the demultiplexing hash (include/tapir/priv/tcp_iface.h). */
    cfg->rng.fill(cfg->rng.ctx, iface->tcp.key.bytes, sizeof iface->tcp.key.bytes);
    iface->icmp_tokens = cfg->icmp_error_burst;
    iface->icmp_tokens_at = now;

    tapir__slaac_init(iface);
    if (cfg->device->medium == TAPIR_MEDIUM_ETHERNET) {
        struct tapir_ipv6_addr ll;
        tapir_iface_link_local(iface, &ll);
        if (cfg->slaac)
            tapir__slaac_start(iface, now); /* the link-local address goes through DAD */
        else
            tapir_iface_add_ipv6(iface, &ll, 64, now);
    }
    return 0;
}

int tapir_iface_add_ipv4(struct tapir_iface *iface, const struct tapir_ipv4_addr *addr,
                         unsigned prefix_len, tapir_instant now)
{
    if (prefix_len > 32)
        return TAPIR_EINVAL;
    struct tapir_ip_addr ip = {.version = TAPIR_IP_V4, .v4 = *addr};
    if (tapir_iface_has_ip(iface, &ip))
        return 0;
    if (iface->ipv4_count == TAPIR_IFACE_MAX_IPV4)
        return TAPIR_ENOBUFS;
    iface->ipv4[iface->ipv4_count].addr = *addr;
    iface->ipv4[iface->ipv4_count].prefix_len = (uint8_t)prefix_len;
    iface->ipv4_count++;
    tapir__announce(iface, now, &ip);
    return 0;
}

int tapir_iface_add_ipv6(struct tapir_iface *iface, const struct tapir_ipv6_addr *addr,
                         unsigned prefix_len, tapir_instant now)
{
    if (prefix_len > 128)
        return TAPIR_EINVAL;
    struct tapir_ip_addr ip = {.version = TAPIR_IP_V6, .v6 = *addr};
    if (tapir_iface_has_ip(iface, &ip))
        return 0;
    if (iface->ipv6_count == TAPIR_IFACE_MAX_IPV6)
        return TAPIR_ENOBUFS;
    iface->ipv6[iface->ipv6_count].addr = *addr;
    iface->ipv6[iface->ipv6_count].prefix_len = (uint8_t)prefix_len;
    iface->ipv6_count++;
    tapir__announce(iface, now, &ip);
    return 0;
}

int tapir_iface_del_ip(struct tapir_iface *iface, const struct tapir_ip_addr *addr)
{
    if (addr->version == TAPIR_IP_V4) {
        for (unsigned i = 0; i < iface->ipv4_count; i++) {
            if (memcmp(&iface->ipv4[i].addr, &addr->v4, 4) == 0) {
                iface->ipv4[i] = iface->ipv4[--iface->ipv4_count];
                return 0;
            }
        }
    } else if (addr->version == TAPIR_IP_V6) {
        for (unsigned i = 0; i < iface->ipv6_count; i++) {
            if (memcmp(&iface->ipv6[i].addr, &addr->v6, 16) == 0) {
                iface->ipv6[i] = iface->ipv6[--iface->ipv6_count];
                return 0;
            }
        }
    }
    return TAPIR_EINVAL;
}

bool tapir_iface_has_ip(const struct tapir_iface *iface, const struct tapir_ip_addr *addr)
{
    if (addr->version == TAPIR_IP_V4) {
        for (unsigned i = 0; i < iface->ipv4_count; i++)
            if (memcmp(&iface->ipv4[i].addr, &addr->v4, 4) == 0)
                return true;
    } else if (addr->version == TAPIR_IP_V6) {
        return tapir__is_local_ipv6(iface, &addr->v6);
    }
    return false;
}

int tapir_iface_add_route(struct tapir_iface *iface, const struct tapir_ip_addr *dst,
                          unsigned prefix_len, const struct tapir_ip_addr *gateway)
{
    unsigned max = dst->version == TAPIR_IP_V4 ? 32 : 128;
    if ((dst->version != TAPIR_IP_V4 && dst->version != TAPIR_IP_V6) || prefix_len > max ||
        (gateway && gateway->version != dst->version))
        return TAPIR_EINVAL;
    struct tapir_route r;
    memset(&r, 0, sizeof r);
    r.dst = *dst;
    r.prefix_len = (uint8_t)prefix_len;
    if (gateway)
        r.gateway = *gateway;
    /* Replace a route to the same prefix rather than shadowing it. */
    for (unsigned i = 0; i < iface->route_count; i++) {
        if (iface->routes[i].prefix_len == prefix_len &&
            tapir__prefix_match(&iface->routes[i].dst, dst, prefix_len)) {
            iface->routes[i] = r;
            return 0;
        }
    }
    if (iface->route_count == TAPIR_IFACE_MAX_ROUTES)
        return TAPIR_ENOBUFS;
    iface->routes[iface->route_count++] = r;
    return 0;
}

int tapir_iface_set_default_gateway(struct tapir_iface *iface, const struct tapir_ip_addr *gateway)
{
    struct tapir_ip_addr any;
    memset(&any, 0, sizeof any);
    any.version = gateway->version;
    return tapir_iface_add_route(iface, &any, 0, gateway);
}

void tapir_iface_add_socket(struct tapir_iface *iface, struct tapir_socket_link *link)
{
    for (struct tapir_socket_link *s = iface->sockets; s; s = s->next)
        if (s == link)
            return;
    link->next = iface->sockets;
    iface->sockets = link;
}

void tapir_iface_remove_socket(struct tapir_iface *iface, struct tapir_socket_link *link)
{
    for (struct tapir_socket_link **p = &iface->sockets; *p; p = &(*p)->next) {
        if (*p == link) {
            *p = link->next;
            link->next = NULL;
            tapir__tcp_demux_forget(iface, link); /* its index entries, its children's */
            return;
        }
    }
}

static void reasm_poll(struct tapir_iface *iface, tapir_instant now)
{
    struct tapir__reasm_slot expired;
    expired.used = false;
    unsigned n = tapir__reasm_expire(&iface->reasm, now, &expired);
    for (unsigned i = 0; i < n; i++)
        tapir__drop(iface, TAPIR_DROP_FRAG_TIMEOUT);
    /* RFC 792 / RFC 1122 §3.3.2 and RFC 8200 §4.5: tell the sender, only when fragment
     * zero arrived. The quote is that fragment: its headers and the start of its data
     * (IPv4: the first 8 bytes, as RFC 792 asks; IPv6: as much as the error may carry,
     * RFC 4443 §3.3, which tapir__icmp_error trims to the minimum MTU). */
    if (expired.used && expired.header_len > 0) {
        struct tapir__ip_info info;
        memset(&info, 0, sizeof info);
        info.src = expired.src;
        info.dst = expired.dst;
        uint32_t first = 0; /* bytes received from offset 0 on */
        for (unsigned i = 0; i < expired.range_count; i++)
            if (expired.ranges[i].first == 0)
                first = (uint32_t)expired.ranges[i].last + 1;
        uint32_t data = expired.version == 4 ? 8 : TAPIR_IPV6_MIN_MTU - 48 - expired.header_len;
        if (data > first)
            data = first;
        uint8_t quote[TAPIR_IPV6_MIN_MTU];
        memcpy(quote, expired.header, expired.header_len);
        memcpy(quote + expired.header_len, expired.buf, data);
        info.packet = quote;
        info.packet_len = expired.header_len + data;
        if (expired.version == 4)
            tapir__icmp_error(iface, now, &info, 11, 1, 0);
        else
            tapir__icmp_error(iface, now, &info, 3, 1, 0); /* ICMPv6 Time Exceeded */
    }
}

int tapir_iface_poll(struct tapir_iface *iface, tapir_instant now)
{
    int received = 0;
    /* Bounded: a flood cannot keep us in here forever and starve the timers. */
    for (int round = 0; round < 8; round++) {
        for (unsigned i = 0; i < TAPIR_RX_BATCH; i++) {
            iface->rx[i].len = 0;
            iface->rx[i].flags = 0;
            iface->rx[i].gso_type = 0;
        }
        int n = tapir_device_rx(iface->cfg.device, iface->rx, TAPIR_RX_BATCH);
        if (n < 0) {
            tapir__flush(iface);
            return received ? received : n;
        }
        for (int i = 0; i < n; i++) {
            iface->stats.rx_frames++;
            iface->stats.rx_bytes += iface->rx[i].len;
            if (iface->cfg.trace)
                iface->cfg.trace(iface->cfg.trace_ctx, TAPIR_TRACE_RX, iface->rx[i].data,
                                 iface->rx[i].len, iface->cfg.device->medium);
            iface->rx_frame_flags = iface->rx[i].flags; /* offload: see iface_rx.c */
            iface->stats.gso_frames_received += iface->rx[i].gso_type != TAPIR_GSO_NONE;
            tapir__frame_input(iface, now, iface->rx[i].data, iface->rx[i].len);
            iface->rx_frame_flags = 0;
        }
        received += n;
        if (n < TAPIR_RX_BATCH)
            break;
    }
    tapir__neighbor_poll(iface, now);
    tapir__mcast_poll(iface, now);
    tapir__slaac_poll(iface, now);
    reasm_poll(iface, now);
    tapir__icmp_sockets_poll(iface, now);
    tapir__tcp_sockets_poll(iface, now);
    tapir__udp_sockets_poll(iface, now); /* UDP and raw sockets */
    tapir__flush(iface);
    return received;
}

tapir_instant tapir_iface_poll_at(const struct tapir_iface *iface, tapir_instant now)
{
    tapir_instant at = TAPIR_INSTANT_NEVER;
    tapir_instant n = tapir__neighbor_poll_at(iface);
    if (n < at)
        at = n;
    n = tapir__reasm_poll_at(&iface->reasm);
    if (n < at)
        at = n;
    n = tapir__slaac_poll_at(iface);
    if (n < at)
        at = n;
    n = tapir__tcp_sockets_poll_at(iface);
    if (n < at)
        at = n;
    n = tapir__mcast_poll_at(iface);
    if (n < at)
        at = n;
    if (tapir__udp_raw_tx_pending(iface))
        return now;
    for (const struct tapir_socket_link *s = iface->sockets; s; s = s->next) {
        if (s->kind == TAPIR_SOCKET_ICMP) {
            const struct tapir_icmp_socket *is = (const struct tapir_icmp_socket *)s;
            if (is->tx.count > 0)
                return now;
        }
    }
    return at < now ? now : at;
}

const struct tapir_iface_stats *tapir_iface_stats(const struct tapir_iface *iface)
{
    return &iface->stats;
}

const struct tapir_mac_addr *tapir_iface_mac(const struct tapir_iface *iface)
{
    return &iface->cfg.mac;
}

int tapir_iface_neighbor(const struct tapir_iface *iface, const struct tapir_ip_addr *ip,
                         struct tapir_mac_addr *mac)
{
    const struct tapir__neighbor *n = NULL;
    for (unsigned i = 0; i < TAPIR_NEIGHBOR_CACHE_SIZE && !n; i++) {
        const struct tapir__neighbor *e = &iface->neighbors.entries[i];
        if (e->state != TAPIR__NEIGHBOR_FREE && tapir_ip_equal(&e->ip, ip))
            n = e;
    }
    if (!n)
        return TAPIR_EINVAL;
    if (n->state == TAPIR__NEIGHBOR_INCOMPLETE || n->state == TAPIR__NEIGHBOR_FAILED)
        return 0;
    if (mac)
        *mac = n->mac;
    return 1;
}

int tapir_iface_neighbor_state(const struct tapir_iface *iface, const struct tapir_ip_addr *ip)
{
    static const int map[] = {
        [TAPIR__NEIGHBOR_INCOMPLETE] = TAPIR_NEIGHBOR_INCOMPLETE,
        [TAPIR__NEIGHBOR_REACHABLE] = TAPIR_NEIGHBOR_REACHABLE,
        [TAPIR__NEIGHBOR_FAILED] = TAPIR_NEIGHBOR_FAILED,
        [TAPIR__NEIGHBOR_STALE] = TAPIR_NEIGHBOR_STALE,
        [TAPIR__NEIGHBOR_DELAY] = TAPIR_NEIGHBOR_DELAY,
        [TAPIR__NEIGHBOR_PROBE] = TAPIR_NEIGHBOR_PROBE,
    };
    for (unsigned i = 0; i < TAPIR_NEIGHBOR_CACHE_SIZE; i++) {
        const struct tapir__neighbor *e = &iface->neighbors.entries[i];
        if (e->state != TAPIR__NEIGHBOR_FREE && tapir_ip_equal(&e->ip, ip))
            return map[e->state];
    }
    return TAPIR_EINVAL;
}

/* ---- address helpers ---- */

/* The limited broadcast, or the directed broadcast of one of our IPv4 networks (all host
 * bits set; /31 and /32 have none, RFC 3021). */
bool tapir__ipv4_is_broadcast(const struct tapir_iface *iface, const struct tapir_ipv4_addr *a)
{
    static const uint8_t all[4] = {255, 255, 255, 255};
    if (memcmp(a->bytes, all, 4) == 0)
        return true;
    uint32_t x = (uint32_t)a->bytes[0] << 24 | (uint32_t)a->bytes[1] << 16 |
                 (uint32_t)a->bytes[2] << 8 | a->bytes[3];
    for (unsigned i = 0; i < iface->ipv4_count; i++) {
        unsigned plen = iface->ipv4[i].prefix_len;
        if (plen >= 31)
            continue;
        const uint8_t *b = iface->ipv4[i].addr.bytes;
        uint32_t y = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
        uint32_t host = ~0u >> plen;
        if ((x & ~host) == (y & ~host) && (x & host) == host)
            return true;
    }
    return false;
}

void tapir__ipv6_solicited_node(const struct tapir_ipv6_addr *a, struct tapir_ipv6_addr *out)
{
    /* RFC 4291 §2.7.1: ff02::1:ffXX:XXXX with the address's low 24 bits. */
    memset(out, 0, sizeof *out);
    out->bytes[0] = 0xff;
    out->bytes[1] = 0x02;
    out->bytes[11] = 0x01;
    out->bytes[12] = 0xff;
    memcpy(out->bytes + 13, a->bytes + 13, 3);
}

void tapir__multicast_mac(const struct tapir_ip_addr *group, struct tapir_mac_addr *out)
{
    if (group->version == TAPIR_IP_V4) {
        /* RFC 1112 §6.4: 01:00:5e and the group's low 23 bits. */
        out->bytes[0] = 0x01;
        out->bytes[1] = 0x00;
        out->bytes[2] = 0x5e;
        out->bytes[3] = group->v4.bytes[1] & 0x7f;
        out->bytes[4] = group->v4.bytes[2];
        out->bytes[5] = group->v4.bytes[3];
    } else {
        /* RFC 2464 §7: 33:33 and the group's low 32 bits. */
        out->bytes[0] = 0x33;
        out->bytes[1] = 0x33;
        memcpy(out->bytes + 2, group->v6.bytes + 12, 4);
    }
}

bool tapir__prefix_match(const struct tapir_ip_addr *a, const struct tapir_ip_addr *b,
                         unsigned prefix_len)
{
    if (a->version != b->version)
        return false;
    const uint8_t *x = a->version == TAPIR_IP_V4 ? a->v4.bytes : a->v6.bytes;
    const uint8_t *y = b->version == TAPIR_IP_V4 ? b->v4.bytes : b->v6.bytes;
    unsigned full = prefix_len / 8, rest = prefix_len % 8;
    if (memcmp(x, y, full) != 0)
        return false;
    if (rest == 0)
        return true;
    uint8_t mask = (uint8_t)(0xff << (8 - rest));
    return (x[full] & mask) == (y[full] & mask);
}

unsigned tapir_iface_mtu(const struct tapir_iface *iface)
{
    return iface->mtu;
}

int tapir_iface_set_mtu(struct tapir_iface *iface, unsigned mtu)
{
    if (mtu < 68 || mtu > iface->mtu_max)
        return TAPIR_EINVAL;
    iface->mtu = mtu;
    return 0;
}
