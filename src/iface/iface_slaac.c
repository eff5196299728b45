/* IPv6 stateless autoconfiguration: router solicitations (RFC 4861 §6.3.7), router
 * advertisement processing (RFC 4861 §6.3.4), stateless addresses (RFC 4862 §5.5.3) and
 * duplicate address detection (RFC 4862 §5.4), and the host variables NUD uses
 * (RFC 4861 §6.3.2).
 *
 * The interface identifier of every address is the modified EUI-64 of the MAC (RFC 4291
 * Appendix A), the same as the link-local address's. RFC 7217 stable-private identifiers
 * would hide the MAC from off-link peers; EUI-64 was chosen so that an address can be
 * predicted from the MAC (tests and operators compute it), and because tapir's MAC is
 * already a configuration value, not a hardware serial number. */
#include <string.h>

#include "iface_internal.h"
#include "tapir/priv/siphash.h"
#include "tapir/wire/icmpv6.h"
#include "tapir/wire/ndp.h"

/* RFC 4861 §10 host constants. */
#define MAX_RTR_SOLICITATION_DELAY_US (1 * (tapir_instant)TAPIR_US_PER_S)
#define RTR_SOLICITATION_INTERVAL_US  (4 * (tapir_instant)TAPIR_US_PER_S)
#define MAX_RTR_SOLICITATIONS         3
#define REACHABLE_TIME_US             (30 * (tapir_instant)TAPIR_US_PER_S)
/* RFC 4862 §5.1: DupAddrDetectTransmits, 1 by default. */
#define DUP_ADDR_DETECT_TRANSMITS 1
/* RFC 4862 §5.5.3 (e): the "two hours rule". */
#define TWO_HOURS_US (2 * 3600 * (tapir_instant)TAPIR_US_PER_S)

static const struct tapir_ipv6_addr all_routers = {{0xff, 0x02, [15] = 0x02}};
static const struct tapir_ipv6_addr unspecified;

static bool is_link_local(const struct tapir_ipv6_addr *a)
{
    return a->bytes[0] == 0xfe && (a->bytes[1] & 0xc0) == 0x80;
}

static tapir_instant after_s(tapir_instant now, uint32_t seconds)
{
    if (seconds == TAPIR_NDP_INFINITE_LIFETIME)
        return TAPIR_INSTANT_NEVER;
    return now + (tapir_instant)seconds * TAPIR_US_PER_S;
}

/* ReachableTime: BaseReachableTime times a uniform factor in [0.5, 1.5) (RFC 4861 §6.3.2).
 * The factor comes from the interface secret rather than the rng, so that enabling NUD
 * does not shift the random draws everything else makes. */
static void derive_reachable(struct tapir_iface *iface)
{
    struct tapir__slaac *s = &iface->autoconf;
    uint8_t msg[8] = {'r', 'e', 'a', 'c', 'h'};
    msg[5] = (uint8_t)(s->reachable_draws >> 16);
    msg[6] = (uint8_t)(s->reachable_draws >> 8);
    msg[7] = (uint8_t)s->reachable_draws;
    s->reachable_draws++;
    uint64_t h = tapir__siphash24(&iface->tcp.key, msg, sizeof msg);
    uint64_t permille = 500 + h % 1000; /* [500, 1500) */
    s->reachable_us = (tapir_instant)((uint64_t)s->base_reachable_us * permille / 1000);
}

void tapir__slaac_init(struct tapir_iface *iface)
{
    struct tapir__slaac *s = &iface->autoconf;
    memset(s, 0, sizeof *s);
    s->rs_at = TAPIR_INSTANT_NEVER;
    s->base_reachable_us = REACHABLE_TIME_US;
    s->retrans_us = iface->cfg.neighbor_retry_us;
    s->link_mtu_max = iface->mtu;
    derive_reachable(iface);
}

/* ---- sending ---- */

/* RFC 4862 §5.4.2: from the unspecified address to the target's solicited-node group,
 * without a source link-layer address option (§7.1.1 of RFC 4861 forbids it here). */
static void send_dad_solicit(struct tapir_iface *iface, tapir_instant now,
                             const struct tapir_ipv6_addr *target)
{
    struct tapir_ndp_repr nd;
    memset(&nd, 0, sizeof nd);
    nd.type = TAPIR_ICMPV6_NEIGHBOR_SOLICIT;
    nd.target = *target;
    struct tapir_ipv6_addr dst;
    tapir__ipv6_solicited_node(target, &dst);
    if (tapir__send_ndp(iface, now, &nd, &unspecified, &dst) == 0)
        iface->stats.ndp_solicits_sent++;
}

/* RFC 4861 §6.3.7: to all-routers, from the link-local address with our link-layer
 * address, or from :: without it when there is no usable link-local address. */
static void send_router_solicit(struct tapir_iface *iface, tapir_instant now)
{
    struct tapir_ndp_repr nd;
    memset(&nd, 0, sizeof nd);
    nd.type = TAPIR_ICMPV6_ROUTER_SOLICIT;
    struct tapir_ipv6_addr src = unspecified;
    for (unsigned i = 0; i < iface->ipv6_count; i++) {
        if (is_link_local(&iface->ipv6[i].addr)) {
            src = iface->ipv6[i].addr;
            struct tapir_ndp_option *o = &nd.options[nd.option_count++];
            o->type = TAPIR_NDP_OPT_SOURCE_LL_ADDR;
            o->ll_addr = iface->cfg.mac;
            break;
        }
    }
    if (tapir__send_ndp(iface, now, &nd, &src, &all_routers) == 0)
        iface->autoconf.rs_sent_total++;
}

/* ---- the address table ---- */

static int addr_index(const struct tapir__slaac *s, const struct tapir_ipv6_addr *a)
{
    for (unsigned i = 0; i < TAPIR_SLAAC_MAX_ADDRS; i++)
        if (s->addrs[i].state != TAPIR__SLAAC_FREE && memcmp(&s->addrs[i].addr, a, 16) == 0)
            return (int)i;
    return -1;
}

static struct tapir__slaac_addr *find_addr(struct tapir__slaac *s, const struct tapir_ipv6_addr *a)
{
    int i = addr_index(s, a);
    return i < 0 ? NULL : &s->addrs[i];
}

/* A free slot, else the oldest duplicate record (kept only to be shown). */
static struct tapir__slaac_addr *alloc_addr(struct tapir__slaac *s)
{
    for (unsigned i = 0; i < TAPIR_SLAAC_MAX_ADDRS; i++)
        if (s->addrs[i].state == TAPIR__SLAAC_FREE)
            return &s->addrs[i];
    for (unsigned i = 0; i < TAPIR_SLAAC_MAX_ADDRS; i++)
        if (s->addrs[i].state == TAPIR__SLAAC_DUPLICATE)
            return &s->addrs[i];
    return NULL;
}

static void start_dad(struct tapir_iface *iface, struct tapir__slaac_addr *a,
                      const struct tapir_ipv6_addr *addr, uint8_t prefix_len, tapir_instant at)
{
    memset(a, 0, sizeof *a);
    a->state = TAPIR__SLAAC_TENTATIVE;
    a->addr = *addr;
    a->prefix_len = prefix_len;
    a->link_local = is_link_local(addr);
    a->dad_at = at;
    a->preferred_until = a->valid_until = TAPIR_INSTANT_NEVER;
    iface->autoconf.generation++;
}

/* Enter the address in the interface's table: the link-local one with its /64 (fe80::/64
 * is on-link anyway), SLAAC ones as /128 (RFC 5942 §4: on-link only through the L flag). */
static bool assign(struct tapir_iface *iface, const struct tapir__slaac_addr *a)
{
    if (tapir__is_local_ipv6(iface, &a->addr))
        return true; /* configured statically meanwhile */
    if (iface->ipv6_count == TAPIR_IFACE_MAX_IPV6)
        return false;
    iface->ipv6[iface->ipv6_count].addr = a->addr;
    iface->ipv6[iface->ipv6_count].prefix_len = a->link_local ? 64 : 128;
    iface->ipv6_count++;
    return true;
}

static void unassign(struct tapir_iface *iface, const struct tapir__slaac_addr *a)
{
    struct tapir_ip_addr ip = {.version = TAPIR_IP_V6, .v6 = a->addr};
    tapir_iface_del_ip(iface, &ip);
}

static void dad_done(struct tapir_iface *iface, tapir_instant now, struct tapir__slaac_addr *a)
{
    struct tapir__slaac *s = &iface->autoconf;
    if (!assign(iface, a)) {
        a->state = TAPIR__SLAAC_FREE; /* no room in the address table */
        s->generation++;
        return;
    }
    a->state = a->preferred_until > now ? TAPIR__SLAAC_PREFERRED : TAPIR__SLAAC_DEPRECATED;
    s->generation++;
    /* RFC 4861 §6.3.7 asks for a random delay before the first solicitation unless one
     * was already waited for since the interface came up, as DAD of the link-local
     * address did: solicit now, from the address just confirmed. */
    if (a->link_local && s->rs_sent == 0 && !s->ra_seen)
        s->rs_at = now;
}

static void mark_duplicate(struct tapir_iface *iface, tapir_instant now,
                           struct tapir__slaac_addr *a)
{
    struct tapir__slaac *s = &iface->autoconf;
    a->state = TAPIR__SLAAC_DUPLICATE;
    s->dad_duplicates++;
    s->generation++;
    /* Without a link-local address the solicitations go from :: (RFC 4861 §4.1). */
    if (a->link_local && s->rs_sent == 0 && !s->ra_seen)
        s->rs_at = now;
}

void tapir__slaac_start(struct tapir_iface *iface, tapir_instant now)
{
    struct tapir__slaac *s = &iface->autoconf;
    struct tapir_ipv6_addr ll;
    tapir_iface_link_local(iface, &ll);
    /* RFC 4862 §5.4.2: the first message after the interface comes up waits a random
     * time in [0, MAX_RTR_SOLICITATION_DELAY), so hosts started together do not collide. */
    tapir_instant delay = tapir_rng_below(&iface->cfg.rng, (uint32_t)MAX_RTR_SOLICITATION_DELAY_US);
    struct tapir__slaac_addr *a = alloc_addr(s);
    if (a)
        start_dad(iface, a, &ll, 64, now + delay);
}

bool tapir__slaac_ns_input(struct tapir_iface *iface, tapir_instant now,
                           const struct tapir_ipv6_addr *src, const struct tapir_ipv6_addr *target)
{
    struct tapir__slaac_addr *a = find_addr(&iface->autoconf, target);
    if (!a || a->state != TAPIR__SLAAC_TENTATIVE)
        return false;
    /* RFC 4862 §5.4.3: an NS from :: is another node's DAD for the same address: both
     * lose it. An NS from a unicast source is address resolution for an address that is
     * not ours yet: silently discarded. (Our own NS is never looped back to us.) */
    if (memcmp(src, &unspecified, 16) == 0)
        mark_duplicate(iface, now, a);
    return true;
}

bool tapir__slaac_na_input(struct tapir_iface *iface, tapir_instant now,
                           const struct tapir_ipv6_addr *target)
{
    struct tapir__slaac_addr *a = find_addr(&iface->autoconf, target);
    if (!a || a->state != TAPIR__SLAAC_TENTATIVE)
        return false;
    /* RFC 4862 §5.4.4: someone already owns the tentative address. */
    mark_duplicate(iface, now, a);
    return true;
}

bool tapir__slaac_listens(const struct tapir_iface *iface, const struct tapir_ipv6_addr *group)
{
    for (unsigned i = 0; i < TAPIR_SLAAC_MAX_ADDRS; i++) {
        const struct tapir__slaac_addr *a = &iface->autoconf.addrs[i];
        if (a->state != TAPIR__SLAAC_TENTATIVE)
            continue;
        struct tapir_ipv6_addr sn;
        tapir__ipv6_solicited_node(&a->addr, &sn);
        if (memcmp(&sn, group, 16) == 0)
            return true;
    }
    return false;
}

bool tapir__slaac_deprecated(const struct tapir_iface *iface, const struct tapir_ipv6_addr *a)
{
    int i = addr_index(&iface->autoconf, a);
    return i >= 0 && iface->autoconf.addrs[i].state == TAPIR__SLAAC_DEPRECATED;
}

unsigned tapir__slaac_prefix_len(const struct tapir_iface *iface, unsigned i)
{
    int k = addr_index(&iface->autoconf, &iface->ipv6[i].addr);
    return k >= 0 ? iface->autoconf.addrs[k].prefix_len : iface->ipv6[i].prefix_len;
}

/* ---- router advertisements ---- */

static void update_router(struct tapir_iface *iface, tapir_instant now,
                          const struct tapir_ipv6_addr *router, uint16_t lifetime_s)
{
    struct tapir__slaac *s = &iface->autoconf;
    struct tapir__slaac_router *r = NULL, *free_slot = NULL;
    for (unsigned i = 0; i < TAPIR_SLAAC_MAX_ROUTERS; i++) {
        if (s->routers[i].used && memcmp(&s->routers[i].addr, router, 16) == 0)
            r = &s->routers[i];
        else if (!s->routers[i].used && !free_slot)
            free_slot = &s->routers[i];
    }
    if (lifetime_s == 0) {
        /* RFC 4861 §6.3.4: a zero Router Lifetime takes it off the default router list. */
        if (r) {
            r->used = false;
            s->generation++;
        }
        return;
    }
    if (!r) {
        if (!free_slot)
            return; /* the list is full: the routers we have keep serving */
        r = free_slot;
        r->used = true;
        r->addr = *router;
        s->generation++;
    }
    r->until = now + (tapir_instant)lifetime_s * TAPIR_US_PER_S;
}

/* RFC 4861 §6.3.4: the L flag puts the prefix on the on-link list for its valid
 * lifetime; a zero valid lifetime takes it off at once. */
static void update_on_link(struct tapir_iface *iface, tapir_instant now,
                           const struct tapir_ndp_prefix_info *p)
{
    struct tapir__slaac *s = &iface->autoconf;
    struct tapir_ip_addr want = {.version = TAPIR_IP_V6, .v6 = p->prefix};
    struct tapir__slaac_prefix *e = NULL, *free_slot = NULL;
    for (unsigned i = 0; i < TAPIR_SLAAC_MAX_PREFIXES; i++) {
        struct tapir__slaac_prefix *x = &s->prefixes[i];
        struct tapir_ip_addr have = {.version = TAPIR_IP_V6, .v6 = x->prefix};
        if (x->used && x->prefix_len == p->prefix_len &&
            tapir__prefix_match(&have, &want, p->prefix_len))
            e = x;
        else if (!x->used && !free_slot)
            free_slot = x;
    }
    if (p->valid_lifetime_s == 0) {
        if (e) {
            e->used = false;
            s->generation++;
        }
        return;
    }
    if (!e) {
        if (!free_slot)
            return;
        e = free_slot;
        e->used = true;
        e->prefix_len = p->prefix_len;
        e->prefix = p->prefix;
        s->generation++;
    }
    e->until = after_s(now, p->valid_lifetime_s);
}

/* RFC 4862 §5.5.3 (d) and (e). */
static void autoconfigure(struct tapir_iface *iface, tapir_instant now,
                          const struct tapir_ndp_prefix_info *p)
{
    struct tapir__slaac *s = &iface->autoconf;
    /* (c): a preferred lifetime beyond the valid lifetime is a broken option. */
    if (p->preferred_lifetime_s > p->valid_lifetime_s)
        return;
    /* The interface identifier is 64 bits long (RFC 4291 §2.5.1), so only /64 prefixes
     * make addresses (RFC 4862 §5.5.3 (d): other lengths are ignored). */
    if (p->prefix_len != 64)
        return;
    struct tapir_ipv6_addr addr;
    tapir_iface_link_local(iface, &addr);
    memcpy(addr.bytes, p->prefix.bytes, 8);
    struct tapir__slaac_addr *a = find_addr(s, &addr);
    if (!a) {
        if (p->valid_lifetime_s == 0)
            return;
        /* A link-local duplicate means our identifier is taken: every address built on
         * it would be too (RFC 4862 §5.4.5). */
        struct tapir_ipv6_addr ll;
        tapir_iface_link_local(iface, &ll);
        struct tapir__slaac_addr *lla = find_addr(s, &ll);
        if (lla && lla->state == TAPIR__SLAAC_DUPLICATE)
            return;
        if (tapir__is_local_ipv6(iface, &addr))
            return; /* configured statically */
        a = alloc_addr(s);
        if (!a)
            return;
        /* No random delay: only the first message after start needs one (§5.4.2). */
        start_dad(iface, a, &addr, p->prefix_len, now);
        a->preferred_until = after_s(now, p->preferred_lifetime_s);
        a->valid_until = after_s(now, p->valid_lifetime_s);
        return;
    }
    if (a->state == TAPIR__SLAAC_DUPLICATE || a->link_local)
        return;
    /* (e): the preferred lifetime follows the advertisement ... */
    a->preferred_until = after_s(now, p->preferred_lifetime_s);
    /* ... the valid lifetime too, except that an unauthenticated RA may not bring it
     * below two hours (the "two hours rule", protecting against a forged RA). */
    tapir_instant received = after_s(now, p->valid_lifetime_s);
    tapir_instant remaining =
        a->valid_until == TAPIR_INSTANT_NEVER ? TAPIR_INSTANT_NEVER : a->valid_until - now;
    if ((p->valid_lifetime_s != TAPIR_NDP_INFINITE_LIFETIME &&
         (tapir_instant)p->valid_lifetime_s * TAPIR_US_PER_S > TWO_HOURS_US) ||
        p->valid_lifetime_s == TAPIR_NDP_INFINITE_LIFETIME || received > a->valid_until)
        a->valid_until = received;
    else if (remaining <= TWO_HOURS_US)
        ; /* keep it */
    else
        a->valid_until = now + TWO_HOURS_US;
    uint8_t before = a->state;
    if (a->state == TAPIR__SLAAC_PREFERRED || a->state == TAPIR__SLAAC_DEPRECATED)
        a->state = a->preferred_until > now ? TAPIR__SLAAC_PREFERRED : TAPIR__SLAAC_DEPRECATED;
    if (a->state != before)
        s->generation++;
}

void tapir__slaac_ra_input(struct tapir_iface *iface, tapir_instant now,
                           const struct tapir__ip_info *ip, const struct tapir_ndp_repr *nd)
{
    struct tapir__slaac *s = &iface->autoconf;
    /* RFC 4861 §6.1.2: a router advertises from its link-local address. */
    if (!is_link_local(&ip->src.v6)) {
        tapir__drop(iface, TAPIR_DROP_NDP_INVALID);
        return;
    }
    if (!iface->cfg.slaac) {
        tapir__drop(iface, TAPIR_DROP_ICMP_UNHANDLED);
        return;
    }
    s->ra_received++;
    /* RFC 4861 §6.3.7: a valid advertisement ends the solicitations. */
    s->ra_seen = true;
    s->rs_at = TAPIR_INSTANT_NEVER;

    update_router(iface, now, &ip->src.v6, nd->router_lifetime_s);
    if (nd->cur_hop_limit != 0)
        s->ra_hop_limit = nd->cur_hop_limit;
    if (nd->reachable_time_ms != 0) {
        tapir_instant base = (tapir_instant)nd->reachable_time_ms * TAPIR_US_PER_MS;
        /* Recompute the random ReachableTime only when the base changes (§6.3.4). */
        if (base != s->base_reachable_us) {
            s->base_reachable_us = base;
            derive_reachable(iface);
        }
    }
    if (nd->retrans_timer_ms != 0)
        s->retrans_us = (tapir_instant)nd->retrans_timer_ms * TAPIR_US_PER_MS;

    for (size_t i = 0; i < nd->option_count; i++) {
        const struct tapir_ndp_option *o = &nd->options[i];
        switch (o->type) {
        case TAPIR_NDP_OPT_SOURCE_LL_ADDR: {
            /* Recorded for the router, creating the entry if needed (§6.3.4). */
            tapir__nud_learn(iface, now, &ip->src, &o->ll_addr);
            break;
        }
        case TAPIR_NDP_OPT_MTU:
            /* Accepted when at least the IPv6 minimum and no more than the link's own
             * maximum (RFC 4861 §6.3.4, RFC 8200 §5). It sets the link MTU, which both IP
             * versions share on this interface. */
            if (o->mtu.mtu >= 1280 && o->mtu.mtu <= s->link_mtu_max && o->mtu.mtu != iface->mtu) {
                iface->mtu = o->mtu.mtu;
                s->ra_mtu = o->mtu.mtu;
                s->generation++;
            }
            break;
        case TAPIR_NDP_OPT_PREFIX_INFO: {
            const struct tapir_ndp_prefix_info *p = &o->prefix;
            if (is_link_local(&p->prefix))
                break; /* RFC 4861 §6.3.4, RFC 4862 §5.5.3 (b) */
            if (p->flags & TAPIR_NDP_PREFIX_ONLINK)
                update_on_link(iface, now, p);
            if (p->flags & TAPIR_NDP_PREFIX_AUTONOMOUS)
                autoconfigure(iface, now, p);
            break;
        }
        default:
            break;
        }
    }
}

/* ---- timers ---- */

void tapir__slaac_poll(struct tapir_iface *iface, tapir_instant now)
{
    struct tapir__slaac *s = &iface->autoconf;
    if (!iface->cfg.slaac)
        return;
    for (unsigned i = 0; i < TAPIR_SLAAC_MAX_ADDRS; i++) {
        struct tapir__slaac_addr *a = &s->addrs[i];
        switch (a->state) {
        case TAPIR__SLAAC_TENTATIVE:
            if (a->valid_until <= now) {
                a->state = TAPIR__SLAAC_FREE;
                s->generation++;
                break;
            }
            if (a->dad_at > now)
                break;
            if (a->dad_sent < DUP_ADDR_DETECT_TRANSMITS) {
                send_dad_solicit(iface, now, &a->addr);
                a->dad_sent++;
                a->dad_at = now + s->retrans_us;
            } else {
                dad_done(iface, now, a); /* RetransTimer passed in silence (§5.4) */
            }
            break;
        case TAPIR__SLAAC_PREFERRED:
        case TAPIR__SLAAC_DEPRECATED:
            if (a->valid_until <= now) {
                /* RFC 4862 §5.5.4: an invalid address is removed from the interface. */
                unassign(iface, a);
                a->state = TAPIR__SLAAC_FREE;
                s->generation++;
            } else if (a->state == TAPIR__SLAAC_PREFERRED && a->preferred_until <= now) {
                a->state = TAPIR__SLAAC_DEPRECATED;
                s->generation++;
            }
            break;
        default:
            break;
        }
    }
    for (unsigned i = 0; i < TAPIR_SLAAC_MAX_ROUTERS; i++) {
        if (s->routers[i].used && s->routers[i].until <= now) {
            s->routers[i].used = false;
            s->generation++;
        }
    }
    for (unsigned i = 0; i < TAPIR_SLAAC_MAX_PREFIXES; i++) {
        if (s->prefixes[i].used && s->prefixes[i].until <= now) {
            s->prefixes[i].used = false;
            s->generation++;
        }
    }
    if (s->rs_at <= now && !s->ra_seen && s->rs_sent < MAX_RTR_SOLICITATIONS) {
        send_router_solicit(iface, now);
        s->rs_sent++;
        s->rs_at = s->rs_sent < MAX_RTR_SOLICITATIONS ? now + RTR_SOLICITATION_INTERVAL_US
                                                      : TAPIR_INSTANT_NEVER;
    }
}

static void earliest(tapir_instant *at, tapir_instant t)
{
    if (t < *at)
        *at = t;
}

tapir_instant tapir__slaac_poll_at(const struct tapir_iface *iface)
{
    const struct tapir__slaac *s = &iface->autoconf;
    tapir_instant at = TAPIR_INSTANT_NEVER;
    if (!iface->cfg.slaac)
        return at;
    for (unsigned i = 0; i < TAPIR_SLAAC_MAX_ADDRS; i++) {
        const struct tapir__slaac_addr *a = &s->addrs[i];
        if (a->state == TAPIR__SLAAC_TENTATIVE) {
            earliest(&at, a->dad_at);
            earliest(&at, a->valid_until);
        } else if (a->state == TAPIR__SLAAC_PREFERRED) {
            earliest(&at, a->preferred_until);
            earliest(&at, a->valid_until);
        } else if (a->state == TAPIR__SLAAC_DEPRECATED) {
            earliest(&at, a->valid_until);
        }
    }
    for (unsigned i = 0; i < TAPIR_SLAAC_MAX_ROUTERS; i++)
        if (s->routers[i].used)
            earliest(&at, s->routers[i].until);
    for (unsigned i = 0; i < TAPIR_SLAAC_MAX_PREFIXES; i++)
        if (s->prefixes[i].used)
            earliest(&at, s->prefixes[i].until);
    if (!s->ra_seen && s->rs_sent < MAX_RTR_SOLICITATIONS)
        earliest(&at, s->rs_at);
    return at;
}

/* ---- routing ---- */

bool tapir__slaac_on_link(const struct tapir_iface *iface, const struct tapir_ipv6_addr *dst)
{
    struct tapir_ip_addr d = {.version = TAPIR_IP_V6, .v6 = *dst};
    for (unsigned i = 0; i < TAPIR_SLAAC_MAX_PREFIXES; i++) {
        const struct tapir__slaac_prefix *p = &iface->autoconf.prefixes[i];
        struct tapir_ip_addr x = {.version = TAPIR_IP_V6, .v6 = p->prefix};
        if (p->used && tapir__prefix_match(&x, &d, p->prefix_len))
            return true;
    }
    return false;
}

bool tapir__slaac_default_router(const struct tapir_iface *iface, struct tapir_ipv6_addr *router)
{
    /* RFC 4861 §6.3.6 prefers routers known to be reachable; the first on the list
     * whose neighbour entry has not failed is taken, else simply the first. */
    const struct tapir__slaac_router *first = NULL;
    for (unsigned i = 0; i < TAPIR_SLAAC_MAX_ROUTERS; i++) {
        const struct tapir__slaac_router *r = &iface->autoconf.routers[i];
        if (!r->used)
            continue;
        if (!first)
            first = r;
        struct tapir_ip_addr ip = {.version = TAPIR_IP_V6, .v6 = r->addr};
        if (tapir_iface_neighbor_state(iface, &ip) != TAPIR_NEIGHBOR_FAILED) {
            *router = r->addr;
            return true;
        }
    }
    if (!first)
        return false;
    *router = first->addr;
    return true;
}

/* ---- the public queries ---- */

static void put_info(struct tapir_ipv6_addr_info *out, unsigned max, unsigned *count,
                     const struct tapir_ipv6_addr *addr, uint8_t prefix_len,
                     enum tapir_ipv6_addr_state state, enum tapir_ipv6_addr_origin origin,
                     tapir_instant preferred_until, tapir_instant valid_until)
{
    if (*count < max) {
        struct tapir_ipv6_addr_info *o = &out[*count];
        o->addr = *addr;
        o->prefix_len = prefix_len;
        o->state = state;
        o->origin = origin;
        o->preferred_until = preferred_until;
        o->valid_until = valid_until;
    }
    (*count)++;
}

unsigned tapir_iface_ipv6_addrs(const struct tapir_iface *iface, struct tapir_ipv6_addr_info *out,
                                unsigned max)
{
    unsigned count = 0;
    const struct tapir__slaac *s = &iface->autoconf;
    for (unsigned i = 0; i < iface->ipv6_count; i++) {
        const struct tapir_ipv6_cidr *c = &iface->ipv6[i];
        int k = addr_index(s, &c->addr);
        const struct tapir__slaac_addr *a = k < 0 ? NULL : &s->addrs[k];
        if (a && (a->state == TAPIR__SLAAC_PREFERRED || a->state == TAPIR__SLAAC_DEPRECATED))
            put_info(out, max, &count, &a->addr, a->prefix_len,
                     a->state == TAPIR__SLAAC_PREFERRED ? TAPIR_IPV6_ADDR_PREFERRED
                                                        : TAPIR_IPV6_ADDR_DEPRECATED,
                     a->link_local ? TAPIR_IPV6_ADDR_LINK_LOCAL : TAPIR_IPV6_ADDR_SLAAC,
                     a->preferred_until, a->valid_until);
        else
            put_info(out, max, &count, &c->addr, c->prefix_len, TAPIR_IPV6_ADDR_PREFERRED,
                     TAPIR_IPV6_ADDR_STATIC, TAPIR_INSTANT_NEVER, TAPIR_INSTANT_NEVER);
    }
    for (unsigned i = 0; i < TAPIR_SLAAC_MAX_ADDRS; i++) {
        const struct tapir__slaac_addr *a = &s->addrs[i];
        if (a->state != TAPIR__SLAAC_TENTATIVE && a->state != TAPIR__SLAAC_DUPLICATE)
            continue;
        put_info(out, max, &count, &a->addr, a->prefix_len,
                 a->state == TAPIR__SLAAC_TENTATIVE ? TAPIR_IPV6_ADDR_TENTATIVE
                                                    : TAPIR_IPV6_ADDR_DUPLICATE,
                 a->link_local ? TAPIR_IPV6_ADDR_LINK_LOCAL : TAPIR_IPV6_ADDR_SLAAC,
                 a->preferred_until, a->valid_until);
    }
    return count;
}

unsigned tapir_iface_ipv6_routers(const struct tapir_iface *iface,
                                  struct tapir_ipv6_router_info *out, unsigned max)
{
    unsigned count = 0;
    for (unsigned i = 0; i < TAPIR_SLAAC_MAX_ROUTERS; i++) {
        const struct tapir__slaac_router *r = &iface->autoconf.routers[i];
        if (!r->used)
            continue;
        if (count < max) {
            out[count].addr = r->addr;
            out[count].until = r->until;
        }
        count++;
    }
    return count;
}

void tapir_iface_ipv6_link(const struct tapir_iface *iface, struct tapir_ipv6_link_info *out)
{
    const struct tapir__slaac *s = &iface->autoconf;
    memset(out, 0, sizeof *out);
    out->mtu = iface->mtu;
    out->ra_mtu = s->ra_mtu;
    out->hop_limit = s->ra_hop_limit ? s->ra_hop_limit : iface->cfg.ttl;
    out->reachable_time_us = s->reachable_us;
    out->retrans_timer_us = s->retrans_us;
    for (unsigned i = 0; i < TAPIR_SLAAC_MAX_PREFIXES; i++)
        if (s->prefixes[i].used)
            out->on_link_prefixes++;
    out->rs_sent = s->rs_sent_total;
    out->ra_received = s->ra_received;
    out->dad_duplicates = s->dad_duplicates;
}

uint32_t tapir_iface_ipv6_generation(const struct tapir_iface *iface)
{
    return iface->autoconf.generation;
}
