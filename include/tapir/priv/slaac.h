/* tapir — private: IPv6 autoconfiguration and neighbour unreachability detection state.
 *
 * Declared in a public header only because struct tapir_iface embeds it (as the
 * `autoconf` field). src/iface/iface_slaac.c owns the router solicitations, the router
 * advertisement processing (RFC 4861 §6.3.4), the stateless addresses (RFC 4862 §5.5.3)
 * and duplicate address detection (RFC 4862 §5.4); src/iface/iface_nud.c reads the
 * reachable time and retransmission timer from here (RFC 4861 §6.3.2, §7.3).
 *
 * Addresses under autoconfiguration live in `addrs` from the moment they are tentative.
 * Once duplicate address detection passes they are also entered in the interface's address
 * table (so ingress, source selection and has_ip() see them) — SLAAC addresses as /128,
 * since a prefix advertised for autoconfiguration is not thereby on-link (RFC 5942 §4); the
 * on-link prefixes are kept apart in `prefixes`.
 */
#ifndef TAPIR_PRIV_SLAAC_H
#define TAPIR_PRIV_SLAAC_H

#include <stdbool.h>
#include <stdint.h>

#include "tapir/addr.h"
#include "tapir/time.h"

#ifndef TAPIR_SLAAC_MAX_ADDRS
#define TAPIR_SLAAC_MAX_ADDRS 4 /* the link-local one and three prefixes */
#endif
#ifndef TAPIR_SLAAC_MAX_ROUTERS
#define TAPIR_SLAAC_MAX_ROUTERS 3
#endif
#ifndef TAPIR_SLAAC_MAX_PREFIXES
#define TAPIR_SLAAC_MAX_PREFIXES 4
#endif

enum tapir__slaac_addr_state {
    TAPIR__SLAAC_FREE = 0,
    TAPIR__SLAAC_TENTATIVE,  /* DAD running: not ours yet (RFC 4862 §5.4) */
    TAPIR__SLAAC_PREFERRED,  /* assigned, preferred lifetime running */
    TAPIR__SLAAC_DEPRECATED, /* assigned, preferred lifetime over, valid lifetime running */
    TAPIR__SLAAC_DUPLICATE,  /* DAD found another owner: never assigned */
};

struct tapir__slaac_addr {
    uint8_t state;
    bool link_local; /* fe80:: formed at start; else from a prefix information option */
    uint8_t prefix_len;
    uint8_t dad_sent; /* neighbour solicitations sent for DAD */
    struct tapir_ipv6_addr addr;
    tapir_instant dad_at;          /* TENTATIVE: next NS, or the end of DAD */
    tapir_instant preferred_until; /* TAPIR_INSTANT_NEVER: infinite */
    tapir_instant valid_until;
};

struct tapir__slaac_router {
    bool used;
    struct tapir_ipv6_addr addr; /* its link-local address */
    tapir_instant until;
};

struct tapir__slaac_prefix {
    bool used;
    uint8_t prefix_len;
    struct tapir_ipv6_addr prefix;
    tapir_instant until;
};

struct tapir__slaac {
    struct tapir__slaac_addr addrs[TAPIR_SLAAC_MAX_ADDRS];
    struct tapir__slaac_router routers[TAPIR_SLAAC_MAX_ROUTERS];
    struct tapir__slaac_prefix prefixes[TAPIR_SLAAC_MAX_PREFIXES];
    uint8_t rs_sent;
    bool ra_seen;          /* a valid RA arrived: solicitations stop (RFC 4861 §6.3.7) */
    tapir_instant rs_at;   /* next router solicitation, or NEVER */
    unsigned ra_mtu;       /* the MTU option last accepted, 0 none */
    unsigned link_mtu_max; /* the MTU before any RA: an RA may lower it, never raise it */
    uint8_t ra_hop_limit;  /* Cur Hop Limit last advertised, 0 none */
    /* RFC 4861 §6.3.2 host variables, shared with NUD (iface_nud.c). */
    tapir_instant base_reachable_us; /* BaseReachableTime, 30 s */
    tapir_instant reachable_us;      /* ReachableTime: base x [0.5, 1.5) */
    tapir_instant retrans_us;        /* RetransTimer, 1 s */
    uint32_t reachable_draws;        /* how many ReachableTime values were derived */
    uint32_t generation;             /* bumped by every visible change */
    uint64_t ra_received, rs_sent_total, dad_duplicates;
};

#endif
