/* Neighbour resolution on the wire: ARP for IPv4 (RFC 826, RFC 1122 §2.3.2), and the
 * timers shared with NDP (RFC 4861 §7.2: the solicitations themselves are sent by
 * iface_ndp.c). */
#include <limits.h>
#include <string.h>

#include "iface_internal.h"
#include "tapir/wire/arp.h"
#include "tapir/wire/ethernet.h"

static const struct tapir_mac_addr broadcast_mac = {{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};

static void send_arp(struct tapir_iface *iface, uint16_t op, const struct tapir_mac_addr *dst,
                     const struct tapir_ipv4_addr *sender_ip,
                     const struct tapir_mac_addr *target_mac,
                     const struct tapir_ipv4_addr *target_ip)
{
    struct tapir_arp_repr arp = {
        .operation = op,
        .sender_mac = iface->cfg.mac,
        .sender_ip = *sender_ip,
        .target_mac = *target_mac,
        .target_ip = *target_ip,
    };
    uint8_t buf[TAPIR_ARP_LEN];
    tapir_arp_emit(&arp, buf, sizeof buf);
    tapir__send_frame(iface, dst, TAPIR_ETHERTYPE_ARP, buf, sizeof buf);
    if (op == TAPIR_ARP_REQUEST)
        iface->stats.arp_requests_sent++;
    else
        iface->stats.arp_replies_sent++;
}

/* Ask who has `ip`: ARP request (broadcast) or neighbour solicitation (multicast). */
static void send_request(struct tapir_iface *iface, tapir_instant now,
                         const struct tapir_ip_addr *ip)
{
    struct tapir_ip_addr src;
    if (tapir__select_source(iface, ip, &src) != 0)
        return;
    if (ip->version == TAPIR_IP_V4) {
        static const struct tapir_mac_addr zero;
        send_arp(iface, TAPIR_ARP_REQUEST, &broadcast_mac, &src.v4, &zero, &ip->v4);
    } else {
        tapir__send_neighbor_solicit(iface, now, &ip->v6, false, NULL);
    }
}

void tapir__announce(struct tapir_iface *iface, tapir_instant now, const struct tapir_ip_addr *ip)
{
    if (!iface->cfg.announce || iface->cfg.device->medium != TAPIR_MEDIUM_ETHERNET)
        return;
    if (ip->version == TAPIR_IP_V4) {
        /* A gratuitous ARP request (RFC 5227 §3: sender and target both our address)
         * refreshes every cache that already knows the address. */
        static const struct tapir_mac_addr zero;
        send_arp(iface, TAPIR_ARP_REQUEST, &broadcast_mac, &ip->v4, &zero, &ip->v4);
    } else {
        tapir__send_neighbor_advert_unsolicited(iface, now, &ip->v6);
    }
}

void tapir__neighbor_learn(struct tapir_iface *iface, tapir_instant now,
                           const struct tapir_ip_addr *ip, const struct tapir_mac_addr *mac,
                           bool create)
{
    struct tapir__neighbor_cache *c = &iface->neighbors;
    struct tapir__neighbor *n = tapir__nb_find(c, ip);
    if (!n) {
        if (!create)
            return;
        n = tapir__nb_alloc(c, ip, now);
        if (!n)
            return;
    }
    n->mac = *mac;
    n->state = TAPIR__NEIGHBOR_REACHABLE;
    n->requests = 0;
    n->expires_at = now + iface->cfg.neighbor_lifetime_us;
    n->reachable_until = now + iface->autoconf.reachable_us;
    tapir__neighbor_send_pending(iface, now, n);
}

/* One pass through the queue: up to `limit` of the datagrams waiting for `n`, oldest
 * first, are sent (`send`) or dropped (counted under `reason`); every other datagram keeps
 * its place in line. Each is copied out to iface->datagram first, so what sending does
 * cannot disturb it. */
static void queue_pass(struct tapir_iface *iface, tapir_instant now, struct tapir__neighbor *n,
                       bool send, unsigned limit, enum tapir_drop_reason reason)
{
    struct tapir__neighbor_cache *c = &iface->neighbors;
    uint16_t idx = tapir__nb_index(c, n);
    size_t count = tapir__nb_queue_count(c);
    for (size_t i = 0; i < count; i++) {
        uint16_t owner;
        size_t len;
        if (!tapir__nb_queue_take(c, &owner, iface->datagram, &len))
            break;
        if (owner != idx || limit == 0) {
            tapir__nb_queue_put(c, owner, iface->datagram, len);
            continue;
        }
        limit--;
        if (n->queued > 0)
            n->queued--;
        if (send)
            tapir__send_ip(iface, now, iface->datagram, len);
        else
            tapir__drop(iface, reason);
    }
}

void tapir__neighbor_send_pending(struct tapir_iface *iface, tapir_instant now,
                                  struct tapir__neighbor *n)
{
    /* Release the datagrams that waited for this answer, in the order they were sent. */
    if (n->queued > 0)
        queue_pass(iface, now, n, true, UINT_MAX, TAPIR_DROP_NEIGHBOR_REPLACED);
}

int tapir__neighbor_resolve(struct tapir_iface *iface, tapir_instant now,
                            const struct tapir_ip_addr *next_hop, const uint8_t *dg, size_t len,
                            struct tapir_mac_addr *mac)
{
    struct tapir__neighbor_cache *c = &iface->neighbors;
    struct tapir__neighbor *n = tapir__nb_find(c, next_hop);
    if (n && tapir__nud_applies(iface, n) && tapir__nud_use(iface, now, n, mac))
        return 1; /* RFC 4861 §7.3 states (iface_nud.c) */
    if (n && n->state == TAPIR__NEIGHBOR_REACHABLE && n->expires_at > now) {
        n->last_used = now;
        *mac = n->mac;
        return 1;
    }
    if (n && n->state == TAPIR__NEIGHBOR_FAILED && n->expires_at > now) {
        tapir__drop(iface, TAPIR_DROP_NEIGHBOR_FAILED);
        return TAPIR_ENOROUTE;
    }
    if (n && n->state != TAPIR__NEIGHBOR_INCOMPLETE) {
        /* Expired: resolve again from scratch. */
        tapir__nb_expire(c, n);
        n = NULL;
    }
    if (!n) {
        n = tapir__nb_alloc(c, next_hop, now);
        if (!n) {
            tapir__drop(iface, TAPIR_DROP_NEIGHBOR_NO_SLOT);
            return TAPIR_ENOBUFS;
        }
        n->state = TAPIR__NEIGHBOR_INCOMPLETE;
        n->requests = 0;
        n->next_request_at = now;
    }
    unsigned evicted;
    int reason = tapir__nb_queue(c, n, dg, len, &evicted);
    if (reason >= 0)
        tapir__drop(iface, (enum tapir_drop_reason)reason);
    for (unsigned i = 0; i < evicted; i++)
        tapir__drop(iface, TAPIR_DROP_NEIGHBOR_REPLACED);
    /* One neighbour may not fill the queue for all: beyond TAPIR_NEIGHBOR_QUEUE_MAX its
     * oldest gives way (`dg` is in the queue already, so iface->datagram is free). */
    if (n->queued > TAPIR_NEIGHBOR_QUEUE_MAX)
        queue_pass(iface, now, n, false, 1, TAPIR_DROP_NEIGHBOR_REPLACED);
    /* Requests are rate-limited per neighbour: one now if due, then one per
     * neighbor_retry_us (RFC 1122 §2.3.2.1: no more than one per second by default). */
    if (n->next_request_at <= now && n->requests < iface->cfg.neighbor_max_requests) {
        send_request(iface, now, next_hop);
        n->requests++;
        n->next_request_at = now + iface->cfg.neighbor_retry_us;
    }
    return reason == TAPIR_DROP_TOO_BIG || reason == TAPIR_DROP_NEIGHBOR_NO_SLOT ? TAPIR_ENOBUFS
                                                                                 : 0;
}

void tapir__neighbor_poll(struct tapir_iface *iface, tapir_instant now)
{
    struct tapir__neighbor_cache *c = &iface->neighbors;
    for (unsigned i = 0; i < TAPIR_NEIGHBOR_CACHE_SIZE; i++) {
        struct tapir__neighbor *n = &c->entries[i];
        if (tapir__nud_applies(iface, n) && tapir__nud_poll(iface, now, n))
            continue;
        switch (n->state) {
        case TAPIR__NEIGHBOR_INCOMPLETE:
            if (n->next_request_at > now)
                break;
            if (n->requests >= iface->cfg.neighbor_max_requests) {
                /* No answer: drop the queued datagram and remember the failure for a
                 * while, so a sender in a loop does not flood the link with requests. */
                if (n->queued > 0)
                    queue_pass(iface, now, n, false, UINT_MAX, TAPIR_DROP_NEIGHBOR_FAILED);
                n->state = TAPIR__NEIGHBOR_FAILED;
                n->expires_at = now + iface->cfg.neighbor_retry_us;
                break;
            }
            send_request(iface, now, &n->ip);
            n->requests++;
            n->next_request_at = now + iface->cfg.neighbor_retry_us;
            break;
        case TAPIR__NEIGHBOR_REACHABLE:
        case TAPIR__NEIGHBOR_FAILED:
            if (n->expires_at <= now)
                tapir__nb_expire(c, n);
            break;
        default:
            break;
        }
    }
}

tapir_instant tapir__neighbor_poll_at(const struct tapir_iface *iface)
{
    tapir_instant at = TAPIR_INSTANT_NEVER;
    for (unsigned i = 0; i < TAPIR_NEIGHBOR_CACHE_SIZE; i++) {
        const struct tapir__neighbor *n = &iface->neighbors.entries[i];
        tapir_instant t = TAPIR_INSTANT_NEVER;
        if (tapir__nud_applies(iface, n) && tapir__nud_deadline(n, &t))
            ; /* a NUD state's timer */
        else if (n->state == TAPIR__NEIGHBOR_INCOMPLETE)
            t = n->next_request_at;
        else if (n->state != TAPIR__NEIGHBOR_FREE)
            t = n->expires_at;
        if (t < at)
            at = t;
    }
    return at;
}

void tapir__arp_input(struct tapir_iface *iface, tapir_instant now, const uint8_t *buf, size_t len)
{
    struct tapir_arp_repr arp;
    if (tapir_arp_parse(buf, len, &arp) != 0) {
        tapir__drop(iface, TAPIR_DROP_ARP_MALFORMED);
        return;
    }
    tapir__arp_probe_observe(iface, &arp);
    struct tapir_ip_addr sender = {.version = TAPIR_IP_V4, .v4 = arp.sender_ip};
    struct tapir_ip_addr target = {.version = TAPIR_IP_V4, .v4 = arp.target_ip};
    static const struct tapir_ipv4_addr unspecified;
    bool for_us = tapir_iface_has_ip(iface, &target);
    bool probe = memcmp(&arp.sender_ip, &unspecified, sizeof unspecified) == 0;

    /* RFC 826 "merge": refresh an entry we already have; create one only when the
     * packet is for us (the sender will talk to us next). Probes (RFC 5227) carry no
     * sender address to learn. */
    if (!probe && !tapir_iface_has_ip(iface, &sender))
        tapir__neighbor_learn(iface, now, &sender, &arp.sender_mac, for_us);

    if (!for_us) {
        tapir__drop(iface, TAPIR_DROP_ARP_OTHER_HOST);
        return;
    }
    if (arp.operation == TAPIR_ARP_REQUEST) {
        if (probe) {
            /* Defend our address (RFC 5227 §2.4): answer the probe by broadcast. */
            send_arp(iface, TAPIR_ARP_REPLY, &broadcast_mac, &arp.target_ip, &arp.sender_mac,
                     &arp.sender_ip);
        } else {
            send_arp(iface, TAPIR_ARP_REPLY, &arp.sender_mac, &arp.target_ip, &arp.sender_mac,
                     &arp.sender_ip);
        }
    }
}
