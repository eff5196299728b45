/* Neighbour unreachability detection for IPv6 (RFC 4861 §7.3): an entry confirmed by a
 * solicited advertisement (or by an upper layer's forward progress) is REACHABLE for
 * ReachableTime, then STALE; the first packet sent to a STALE entry goes out at once and
 * moves it to DELAY; after DELAY_FIRST_PROBE_TIME without confirmation, PROBE sends
 * unicast solicitations RetransTimer apart, and after MAX_UNICAST_SOLICIT unanswered ones
 * the entry is removed (the next packet resolves afresh by multicast).
 *
 * A STALE entry that nobody uses is garbage-collected neighbor_lifetime_us after its last
 * confirmation (RFC 4861 §7.3.2 lets an implementation delete STALE entries as it likes),
 * which keeps the old fixed-lifetime behaviour for idle neighbours. IPv4 (ARP) entries
 * are untouched. */
#include <string.h>

#include "iface_internal.h"
#include "tapir/wire/ndp.h"

/* RFC 4861 §10. */
#define MAX_UNICAST_SOLICIT  3
#define DELAY_FIRST_PROBE_US (5 * (tapir_instant)TAPIR_US_PER_S)

bool tapir__nud_applies(const struct tapir_iface *iface, const struct tapir__neighbor *n)
{
    return iface->cfg.nud && n->ip.version == TAPIR_IP_V6;
}

static void reachable(struct tapir_iface *iface, tapir_instant now, struct tapir__neighbor *n)
{
    n->state = TAPIR__NEIGHBOR_REACHABLE;
    n->requests = 0;
    n->reachable_until = now + iface->autoconf.reachable_us;
    n->expires_at = now + iface->cfg.neighbor_lifetime_us;
}

static void stale(struct tapir_iface *iface, tapir_instant now, struct tapir__neighbor *n)
{
    n->state = TAPIR__NEIGHBOR_STALE;
    n->requests = 0;
    n->expires_at = now + iface->cfg.neighbor_lifetime_us;
}

void tapir__nud_learn(struct tapir_iface *iface, tapir_instant now, const struct tapir_ip_addr *ip,
                      const struct tapir_mac_addr *mac)
{
    if (!iface->cfg.nud || ip->version != TAPIR_IP_V6) {
        tapir__neighbor_learn(iface, now, ip, mac, true);
        return;
    }
    /* RFC 4861 §7.2.3, §6.3.4: a link-layer address in an NS, RS or RA creates a STALE
     * entry, completes an INCOMPLETE one as STALE, and makes an entry whose address
     * changed STALE; the same address changes nothing. */
    struct tapir__neighbor_cache *c = &iface->neighbors;
    struct tapir__neighbor *n = tapir__nb_find(c, ip);
    if (!n) {
        n = tapir__nb_alloc(c, ip, now);
        if (!n)
            return;
        n->mac = *mac;
        stale(iface, now, n);
        return;
    }
    if (n->state == TAPIR__NEIGHBOR_INCOMPLETE || n->state == TAPIR__NEIGHBOR_FAILED) {
        n->mac = *mac;
        stale(iface, now, n);
        tapir__neighbor_send_pending(iface, now, n);
        return;
    }
    if (memcmp(&n->mac, mac, sizeof *mac) != 0) {
        n->mac = *mac;
        stale(iface, now, n);
    }
}

void tapir__nud_na_input(struct tapir_iface *iface, tapir_instant now,
                         const struct tapir_ip_addr *target, const struct tapir_mac_addr *tll,
                         uint8_t flags)
{
    bool solicited = (flags & TAPIR_NDP_NA_SOLICITED) != 0;
    if (!iface->cfg.nud) {
        /* Solicited answers complete a resolution; unsolicited ones only refresh an
         * entry we already have (RFC 4861 §7.2.5). */
        if (tll)
            tapir__neighbor_learn(iface, now, target, tll, solicited);
        return;
    }
    /* RFC 4861 §7.2.5. No entry: nothing asked, nothing to learn. */
    struct tapir__neighbor *n = tapir__nb_find(&iface->neighbors, target);
    if (!n)
        return;
    if (n->state == TAPIR__NEIGHBOR_INCOMPLETE || n->state == TAPIR__NEIGHBOR_FAILED) {
        if (!tll)
            return;
        n->mac = *tll;
        if (solicited)
            reachable(iface, now, n);
        else
            stale(iface, now, n);
        tapir__neighbor_send_pending(iface, now, n);
        return;
    }
    bool changed = tll && memcmp(&n->mac, tll, sizeof *tll) != 0;
    if (!(flags & TAPIR_NDP_NA_OVERRIDE) && changed) {
        /* Not allowed to replace the cached address; a REACHABLE entry becomes STALE
         * so that it is checked before being trusted again. */
        if (n->state == TAPIR__NEIGHBOR_REACHABLE)
            n->state = TAPIR__NEIGHBOR_STALE;
        return;
    }
    if (changed)
        n->mac = *tll;
    if (solicited)
        reachable(iface, now, n);
    else if (changed)
        stale(iface, now, n);
}

void tapir__nud_confirm(struct tapir_iface *iface, tapir_instant now,
                        const struct tapir_ip_addr *ip)
{
    if (!iface->cfg.nud || ip->version != TAPIR_IP_V6)
        return;
    struct tapir__neighbor *n = tapir__nb_find(&iface->neighbors, ip);
    if (n && n->state != TAPIR__NEIGHBOR_INCOMPLETE && n->state != TAPIR__NEIGHBOR_FAILED)
        reachable(iface, now, n);
}

int tapir__nud_use(struct tapir_iface *iface, tapir_instant now, struct tapir__neighbor *n,
                   struct tapir_mac_addr *mac)
{
    (void)iface;
    /* The reachable time is over: the entry is STALE. */
    if (n->state == TAPIR__NEIGHBOR_REACHABLE && n->reachable_until <= now)
        n->state = TAPIR__NEIGHBOR_STALE;
    switch (n->state) {
    case TAPIR__NEIGHBOR_STALE:
        /* RFC 4861 §7.3.3: send at once with the cached address, and give upper layers
         * DELAY_FIRST_PROBE_TIME to confirm before probing. */
        n->state = TAPIR__NEIGHBOR_DELAY;
        n->next_request_at = now + DELAY_FIRST_PROBE_US;
        break;
    case TAPIR__NEIGHBOR_REACHABLE:
    case TAPIR__NEIGHBOR_DELAY:
    case TAPIR__NEIGHBOR_PROBE:
        break;
    default:
        return 0;
    }
    n->last_used = now;
    *mac = n->mac;
    return 1;
}

bool tapir__nud_poll(struct tapir_iface *iface, tapir_instant now, struct tapir__neighbor *n)
{
    struct tapir__neighbor_cache *c = &iface->neighbors;
    switch (n->state) {
    case TAPIR__NEIGHBOR_REACHABLE:
        if (n->reachable_until <= now)
            n->state = TAPIR__NEIGHBOR_STALE; /* §7.3.3: silently, no traffic */
        if (n->expires_at <= now)
            tapir__nb_expire(c, n);
        return true;
    case TAPIR__NEIGHBOR_STALE:
        if (n->expires_at <= now)
            tapir__nb_expire(c, n);
        return true;
    case TAPIR__NEIGHBOR_DELAY:
    case TAPIR__NEIGHBOR_PROBE:
        if (n->next_request_at > now)
            return true;
        if (n->state == TAPIR__NEIGHBOR_PROBE && n->requests >= MAX_UNICAST_SOLICIT) {
            /* Unreachable: forget it; the next packet resolves by multicast. */
            tapir__nb_expire(c, n);
            return true;
        }
        if (n->state == TAPIR__NEIGHBOR_DELAY) {
            n->state = TAPIR__NEIGHBOR_PROBE;
            n->requests = 0;
        }
        n->requests++;
        n->next_request_at = now + iface->autoconf.retrans_us;
        /* §7.3.3: probes are unicast to the cached link-layer address. */
        struct tapir_ipv6_addr target = n->ip.v6;
        struct tapir_mac_addr mac = n->mac;
        tapir__send_neighbor_solicit(iface, now, &target, true, &mac);
        return true;
    default:
        return false;
    }
}

bool tapir__nud_deadline(const struct tapir__neighbor *n, tapir_instant *at)
{
    switch (n->state) {
    case TAPIR__NEIGHBOR_REACHABLE:
        *at = n->reachable_until < n->expires_at ? n->reachable_until : n->expires_at;
        return true;
    case TAPIR__NEIGHBOR_STALE:
        *at = n->expires_at;
        return true;
    case TAPIR__NEIGHBOR_DELAY:
    case TAPIR__NEIGHBOR_PROBE:
        *at = n->next_request_at;
        return true;
    default:
        return false;
    }
}
