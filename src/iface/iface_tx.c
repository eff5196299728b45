/* The way out: source selection, routing, fragmentation, framing and the tx batch. */
#include <string.h>

#include "iface_internal.h"
#include "tapir/wire/ethernet.h"
#include "tapir/wire/ipv4.h"
#include "tapir/wire/ipv6.h"

void tapir__drop(struct tapir_iface *iface, enum tapir_drop_reason reason)
{
    iface->stats.drops[reason]++;
}

void tapir__flush(struct tapir_iface *iface)
{
    unsigned done = 0;
    while (done < iface->tx_count) {
        int n = tapir_device_tx(iface->cfg.device, iface->tx + done, (int)(iface->tx_count - done));
        if (n <= 0) {
            /* The device is full or failed: what is left is lost, counted. A reliable
             * protocol above retransmits; ICMP and ARP are allowed to be lost. */
            for (unsigned i = done; i < iface->tx_count; i++)
                tapir__drop(iface, TAPIR_DROP_TX_FULL);
            break;
        }
        done += (unsigned)n;
    }
    iface->tx_count = 0;
}

/* The next free tx frame (flushing a full batch first). */
static struct tapir_frame *next_frame(struct tapir_iface *iface)
{
    if (iface->tx_count == TAPIR_TX_BATCH)
        tapir__flush(iface);
    struct tapir_frame *f = &iface->tx[iface->tx_count];
    f->len = 0;
    f->flags = 0;
    f->gso_type = TAPIR_GSO_NONE;
    f->gso_size = 0;
    f->csum_start = f->csum_offset = 0;
    return f;
}

static void commit_frame(struct tapir_iface *iface, struct tapir_frame *f)
{
    iface->stats.tx_frames++;
    iface->stats.tx_bytes += f->len;
    if (iface->cfg.trace)
        iface->cfg.trace(iface->cfg.trace_ctx, TAPIR_TRACE_TX, f->data, f->len,
                         iface->cfg.device->medium);
    iface->tx_count++;
}

/* Start a frame to `mac` whose network-layer packet the caller writes at *payload (room
 * *cap); finish it with end_frame(). Saves a copy for fragments built in place. */
static struct tapir_frame *begin_frame(struct tapir_iface *iface, uint8_t **payload, size_t *cap)
{
    struct tapir_frame *f = next_frame(iface);
    size_t link = iface->cfg.device->medium == TAPIR_MEDIUM_IP ? 0 : TAPIR_ETH_HEADER_LEN;
    *payload = f->data + link;
    *cap = f->cap - link;
    return f;
}

static void end_frame(struct tapir_iface *iface, struct tapir_frame *f,
                      const struct tapir_mac_addr *mac, size_t payload_len)
{
    if (iface->cfg.device->medium == TAPIR_MEDIUM_IP) {
        f->len = payload_len;
    } else {
        const uint8_t *pkt = f->data + TAPIR_ETH_HEADER_LEN;
        struct tapir_eth_repr eth = {
            .dst = *mac,
            .src = iface->cfg.mac,
            .ethertype = (pkt[0] >> 4) == 6 ? TAPIR_ETHERTYPE_IPV6 : TAPIR_ETHERTYPE_IPV4,
            .payload = NULL, /* already in place */
            .payload_len = payload_len,
        };
        f->len = (size_t)tapir_eth_emit(&eth, f->data, f->cap);
    }
    commit_frame(iface, f);
}

int tapir__send_frame(struct tapir_iface *iface, const struct tapir_mac_addr *dst,
                      uint16_t ethertype, const uint8_t *payload, size_t len)
{
    struct tapir_frame *f = next_frame(iface);
    struct tapir_eth_repr eth = {
        .dst = *dst,
        .src = iface->cfg.mac,
        .ethertype = ethertype,
        .payload = payload,
        .payload_len = len,
    };
    int n = tapir_eth_emit(&eth, f->data, f->cap);
    if (n < 0) {
        tapir__drop(iface, TAPIR_DROP_TOO_BIG);
        return n;
    }
    f->len = (size_t)n;
    commit_frame(iface, f);
    return 0;
}

/* Put one IP packet (no fragmentation needed) on the link. */
static int transmit_packet(struct tapir_iface *iface, const struct tapir_mac_addr *mac,
                           const uint8_t *pkt, size_t len)
{
    uint8_t *at;
    size_t cap;
    struct tapir_frame *f = begin_frame(iface, &at, &cap);
    if (len > cap) {
        tapir__drop(iface, TAPIR_DROP_TOO_BIG);
        return TAPIR_ENOBUFS;
    }
    memcpy(at, pkt, len);
    if (iface->tx_offload.gso_type != TAPIR_GSO_NONE) {
        /* A super-frame (iface_gso.c): its offsets count from the frame's start. */
        size_t link = (size_t)(at - f->data);
        f->flags = iface->tx_offload.flags;
        f->gso_type = iface->tx_offload.gso_type;
        f->gso_size = iface->tx_offload.gso_size;
        f->csum_start = (uint16_t)(iface->tx_offload.csum_start + link);
        f->csum_offset = iface->tx_offload.csum_offset;
    }
    end_frame(iface, f, mac, len);
    return 0;
}

/* RFC 791 §3.2 fragmentation: every fragment carries the header (options copied or not
 * per their copy bit: we never send options, so all are plain copies), data in multiples
 * of 8 bytes, MF on all but the last. */
static int fragment_ipv4(struct tapir_iface *iface, const struct tapir_mac_addr *mac,
                         const struct tapir_ipv4_repr *ip)
{
    size_t hlen = tapir_ipv4_header_len(ip);
    size_t chunk = ((iface->mtu - hlen) / 8) * 8;
    if (iface->mtu < hlen + 8)
        return TAPIR_EINVAL;
    for (size_t off = 0; off < ip->payload_len; off += chunk) {
        struct tapir_ipv4_repr frag = *ip;
        size_t n = ip->payload_len - off < chunk ? ip->payload_len - off : chunk;
        frag.frag_offset = (uint16_t)(ip->frag_offset + off);
        frag.more_frags = ip->more_frags || off + n < ip->payload_len;
        frag.payload = ip->payload + off;
        frag.payload_len = n;
        uint8_t *pkt;
        size_t cap;
        struct tapir_frame *f = begin_frame(iface, &pkt, &cap);
        int len = tapir_ipv4_emit(&frag, pkt, cap);
        if (len < 0)
            return len;
        end_frame(iface, f, mac, (size_t)len);
        iface->stats.fragments_sent++;
    }
    return 0;
}

/* RFC 8200 §4.5: a Fragment header after the fixed header (we send no other extension
 * headers), fragments of a multiple of 8 bytes, one identification per datagram. */
static int fragment_ipv6(struct tapir_iface *iface, const struct tapir_mac_addr *mac,
                         const struct tapir_ipv6_repr *ip)
{
    if (iface->mtu < 40 + 8 + 8)
        return TAPIR_EINVAL;
    size_t chunk = ((iface->mtu - 40 - 8) / 8) * 8;
    uint32_t ident = iface->next_ipv6_ident++;
    for (size_t off = 0; off < ip->payload_len; off += chunk) {
        size_t n = ip->payload_len - off < chunk ? ip->payload_len - off : chunk;
        bool more = off + n < ip->payload_len;
        uint8_t fh[8];
        fh[0] = ip->upper_protocol;
        fh[1] = 0;
        uint16_t offword = (uint16_t)(off | (more ? 1 : 0));
        fh[2] = (uint8_t)(offword >> 8);
        fh[3] = (uint8_t)offword;
        fh[4] = (uint8_t)(ident >> 24);
        fh[5] = (uint8_t)(ident >> 16);
        fh[6] = (uint8_t)(ident >> 8);
        fh[7] = (uint8_t)ident;
        struct tapir_ipv6_repr frag = *ip;
        frag.next_header = 44;
        frag.ext = fh;
        frag.ext_len = sizeof fh;
        frag.ext_count = 0;
        frag.payload = ip->payload + off;
        frag.payload_len = n;
        uint8_t *pkt;
        size_t cap;
        struct tapir_frame *f = begin_frame(iface, &pkt, &cap);
        int len = tapir_ipv6_emit(&frag, pkt, cap);
        if (len < 0)
            return len;
        end_frame(iface, f, mac, (size_t)len);
        iface->stats.fragments_sent++;
    }
    return 0;
}

/* Send `dg` (a whole datagram) to a resolved link address, fragmenting if needed. */
static int transmit_datagram(struct tapir_iface *iface, const struct tapir_mac_addr *mac,
                             const uint8_t *dg, size_t len)
{
    /* A GSO super-frame goes whole: the device cuts it (iface_gso.c). */
    if (len <= iface->mtu || iface->tx_offload.gso_type != TAPIR_GSO_NONE)
        return transmit_packet(iface, mac, dg, len);
    if ((dg[0] >> 4) == 4) {
        struct tapir_ipv4_repr ip;
        if (tapir_ipv4_parse(dg, len, &ip) != 0)
            return TAPIR_EINVAL;
        if (ip.dont_frag) {
            tapir__drop(iface, TAPIR_DROP_TOO_BIG);
            return TAPIR_ENOBUFS;
        }
        return fragment_ipv4(iface, mac, &ip);
    }
    struct tapir_ipv6_repr ip;
    if (tapir_ipv6_parse(dg, len, &ip) != 0 || ip.ext_len != 0)
        return TAPIR_EINVAL;
    return fragment_ipv6(iface, mac, &ip);
}

static bool is_multicast(const struct tapir_ip_addr *a)
{
    if (a->version == TAPIR_IP_V4)
        return (a->v4.bytes[0] & 0xf0) == 0xe0;
    return a->v6.bytes[0] == 0xff;
}

static bool on_link(const struct tapir_iface *iface, const struct tapir_ip_addr *dst)
{
    if (dst->version == TAPIR_IP_V4) {
        for (unsigned i = 0; i < iface->ipv4_count; i++) {
            struct tapir_ip_addr a = {.version = TAPIR_IP_V4, .v4 = iface->ipv4[i].addr};
            if (tapir__prefix_match(&a, dst, iface->ipv4[i].prefix_len))
                return true;
        }
        return false;
    }
    /* fe80::/10 is always on-link (RFC 4291 §2.5.6). */
    if (dst->v6.bytes[0] == 0xfe && (dst->v6.bytes[1] & 0xc0) == 0x80)
        return true;
    for (unsigned i = 0; i < iface->ipv6_count; i++) {
        struct tapir_ip_addr a = {.version = TAPIR_IP_V6, .v6 = iface->ipv6[i].addr};
        if (tapir__prefix_match(&a, dst, iface->ipv6[i].prefix_len))
            return true;
    }
    return false;
}

/* The next hop for `dst`: itself when on-link, else the gateway of the longest matching
 * route. TAPIR_ENOROUTE when neither. */
static int next_hop(const struct tapir_iface *iface, const struct tapir_ip_addr *dst,
                    struct tapir_ip_addr *hop)
{
    if (on_link(iface, dst) ||
        (dst->version == TAPIR_IP_V6 && tapir__slaac_on_link(iface, &dst->v6))) {
        *hop = *dst;
        return 0;
    }
    const struct tapir_route *best = NULL;
    for (unsigned i = 0; i < iface->route_count; i++) {
        const struct tapir_route *r = &iface->routes[i];
        if (tapir__prefix_match(&r->dst, dst, r->prefix_len) &&
            (best == NULL || r->prefix_len > best->prefix_len))
            best = r;
    }
    if (best == NULL) {
        /* The default router list of RFC 4861 §6.3.6 serves what no route covers. */
        memset(hop, 0, sizeof *hop);
        hop->version = TAPIR_IP_V6;
        if (dst->version == TAPIR_IP_V6 && tapir__slaac_default_router(iface, &hop->v6))
            return 0;
        return TAPIR_ENOROUTE;
    }
    *hop = best->gateway.version == TAPIR_IP_NONE ? *dst : best->gateway;
    return 0;
}

int tapir__select_source(const struct tapir_iface *iface, const struct tapir_ip_addr *dst,
                         struct tapir_ip_addr *src)
{
    memset(src, 0, sizeof *src);
    src->version = dst->version;
    if (dst->version == TAPIR_IP_V4) {
        if (iface->ipv4_count == 0)
            return TAPIR_ENOADDR;
        src->v4 = iface->ipv4[0].addr;
        for (unsigned i = 0; i < iface->ipv4_count; i++) {
            struct tapir_ip_addr a = {.version = TAPIR_IP_V4, .v4 = iface->ipv4[i].addr};
            if (tapir__prefix_match(&a, dst, iface->ipv4[i].prefix_len)) {
                src->v4 = a.v4;
                break;
            }
        }
        return 0;
    }
    /* RFC 6724 rule 2 in short: link-local and link-scope multicast destinations get a
     * link-local source; others prefer a global address, on the same prefix if any. */
    bool link_scope = (dst->v6.bytes[0] == 0xfe && (dst->v6.bytes[1] & 0xc0) == 0x80) ||
                      (dst->v6.bytes[0] == 0xff && (dst->v6.bytes[1] & 0x0f) <= 2);
    int best = -1, best_score = -1;
    for (unsigned i = 0; i < iface->ipv6_count; i++) {
        const struct tapir_ipv6_addr *a = &iface->ipv6[i].addr;
        bool ll = a->bytes[0] == 0xfe && (a->bytes[1] & 0xc0) == 0x80;
        struct tapir_ip_addr x = {.version = TAPIR_IP_V6, .v6 = *a};
        /* RFC 6724 rule 3: avoid deprecated addresses (after scope, before prefix). */
        int score = (ll == link_scope ? 4 : 0) + (tapir__slaac_deprecated(iface, a) ? 0 : 2) +
                    (tapir__prefix_match(&x, dst, tapir__slaac_prefix_len(iface, i)) ? 1 : 0);
        if (score > best_score) {
            best = (int)i;
            best_score = score;
        }
    }
    if (best < 0)
        return TAPIR_ENOADDR;
    src->v6 = iface->ipv6[best].addr;
    return 0;
}

int tapir__finish_ip(struct tapir_iface *iface, const struct tapir_ip_addr *src,
                     const struct tapir_ip_addr *dst, uint8_t protocol, uint8_t ttl,
                     size_t upper_len, const uint8_t **start)
{
    uint8_t *upper = iface->datagram + TAPIR__IP_ROOM;
    if (dst->version == TAPIR_IP_V4) {
        if (upper_len > 65535 - 20)
            return TAPIR_EINVAL;
        struct tapir_ipv4_repr ip;
        memset(&ip, 0, sizeof ip);
        ip.src = src->v4;
        ip.dst = dst->v4;
        ip.protocol = protocol;
        ip.ttl = ttl ? ttl : iface->cfg.ttl;
        ip.ident = iface->next_ipv4_ident++;
        ip.payload = upper;
        ip.payload_len = upper_len;
        uint8_t *h = upper - 20;
        int n = tapir_ipv4_emit(&ip, h, 20 + upper_len);
        if (n < 0)
            return n;
        *start = h;
        return n;
    }
    if (upper_len > 65535)
        return TAPIR_EINVAL;
    struct tapir_ipv6_repr ip;
    memset(&ip, 0, sizeof ip);
    ip.src = src->v6;
    ip.dst = dst->v6;
    ip.next_header = protocol;
    ip.upper_protocol = protocol;
    /* RFC 4861 §6.3.4: a router's Cur Hop Limit, when it advertised one. */
    ip.hop_limit = ttl                            ? ttl
                   : iface->autoconf.ra_hop_limit ? iface->autoconf.ra_hop_limit
                                                  : iface->cfg.ttl;
    ip.payload = upper;
    ip.payload_len = upper_len;
    uint8_t *h = upper - 40;
    int n = tapir_ipv6_emit(&ip, h, 40 + upper_len);
    if (n < 0)
        return n;
    *start = h;
    return n;
}

bool tapir__link_ready(const struct tapir_iface *iface, tapir_instant now,
                       const struct tapir_ip_addr *dst)
{
    if (iface->cfg.device->medium == TAPIR_MEDIUM_IP || is_multicast(dst) ||
        (dst->version == TAPIR_IP_V4 && tapir__ipv4_is_broadcast(iface, &dst->v4)))
        return true;
    struct tapir_ip_addr hop;
    if (next_hop(iface, dst, &hop) != 0)
        return false;
    /* The same test as tapir__neighbor_resolve()'s, without its side effects. */
    for (unsigned i = 0; i < TAPIR_NEIGHBOR_CACHE_SIZE; i++) {
        const struct tapir__neighbor *e = &iface->neighbors.entries[i];
        if (e->state == TAPIR__NEIGHBOR_REACHABLE && e->expires_at > now &&
            tapir_ip_equal(&e->ip, &hop))
            return true;
    }
    return false;
}

int tapir__send_ip(struct tapir_iface *iface, tapir_instant now, const uint8_t *dg, size_t len)
{
    struct tapir_ip_addr dst;
    memset(&dst, 0, sizeof dst);
    if ((dg[0] >> 4) == 4) {
        dst.version = TAPIR_IP_V4;
        memcpy(dst.v4.bytes, dg + 16, 4);
    } else {
        dst.version = TAPIR_IP_V6;
        memcpy(dst.v6.bytes, dg + 24, 16);
    }
    struct tapir_mac_addr mac;
    if (iface->cfg.device->medium == TAPIR_MEDIUM_IP) {
        memset(&mac, 0, sizeof mac);
        return transmit_datagram(iface, &mac, dg, len);
    }
    if (is_multicast(&dst)) {
        tapir__multicast_mac(&dst, &mac);
        return transmit_datagram(iface, &mac, dg, len);
    }
    if (dst.version == TAPIR_IP_V4 && tapir__ipv4_is_broadcast(iface, &dst.v4)) {
        memset(mac.bytes, 0xff, 6);
        return transmit_datagram(iface, &mac, dg, len);
    }
    struct tapir_ip_addr hop;
    int rc = next_hop(iface, &dst, &hop);
    if (rc != 0) {
        tapir__drop(iface, TAPIR_DROP_NO_ROUTE);
        return rc;
    }
    rc = tapir__neighbor_resolve(iface, now, &hop, dg, len, &mac);
    if (rc <= 0)
        return rc;
    return transmit_datagram(iface, &mac, dg, len);
}
