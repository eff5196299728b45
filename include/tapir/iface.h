/* tapir — the network interface: one device, its addresses, routes and neighbours.
 *
 * The interface owns the path between a device and the sockets: it parses each frame,
 * answers ARP, NDP and ICMP echo itself, reassembles fragments, hands datagrams to the
 * sockets registered with it, and on the way out routes, fragments, resolves neighbours
 * and transmits. It never blocks, never allocates and never reads a clock: the caller
 * passes `now` to every call, and memory for frames, queued packets and reassembly comes
 * from one caller-provided block (tapir_iface_mem_size() says how big).
 *
 * Typical use:
 *     struct tapir_iface_config cfg;
 *     tapir_iface_config_default(&cfg);
 *     cfg.device = &dev; cfg.rng = tapir_prng_source(&prng);
 *     cfg.mem_len = tapir_iface_mem_size(&cfg); cfg.mem = malloc(cfg.mem_len);
 *     tapir_iface_init(&iface, &cfg, now);
 *     tapir_iface_add_ipv4(&iface, &addr, 24, now);
 *     for (;;) { tapir_iface_poll(&iface, now); wait until tapir_iface_poll_at(&iface, now); }
 */
#ifndef TAPIR_IFACE_H
#define TAPIR_IFACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tapir/addr.h"
#include "tapir/device.h"
#include "tapir/opt.h"
#include "tapir/priv/mcast.h"
#include "tapir/priv/arp_probe.h"
#include "tapir/priv/neighbor.h"
#include "tapir/priv/reasm.h"
#include "tapir/priv/slaac.h"
#include "tapir/priv/tcp_iface.h"
#include "tapir/priv/tcp_timewait.h"
#include "tapir/random.h"
#include "tapir/time.h"

/* Why an inbound frame (or an outbound packet) was dropped. Every drop counts one. */
enum tapir_drop_reason {
    TAPIR_DROP_ETH_MALFORMED,    /* Ethernet header did not parse */
    TAPIR_DROP_ETH_OTHER_HOST,   /* unicast to another MAC */
    TAPIR_DROP_ETH_UNKNOWN_TYPE, /* an EtherType we do not speak */
    TAPIR_DROP_ARP_MALFORMED,
    TAPIR_DROP_ARP_OTHER_HOST,  /* ARP for an address that is not ours */
    TAPIR_DROP_IPV4_MALFORMED,  /* header, length or checksum wrong */
    TAPIR_DROP_IPV4_OTHER_HOST, /* not addressed to us (we do not forward) */
    TAPIR_DROP_IPV4_BAD_SOURCE, /* source is multicast or broadcast */
    TAPIR_DROP_IPV6_MALFORMED,
    TAPIR_DROP_IPV6_OTHER_HOST,
    TAPIR_DROP_IPV6_BAD_SOURCE,
    TAPIR_DROP_MULTICAST_NOT_JOINED, /* multicast group we have not joined */
    TAPIR_DROP_HOP_LIMIT,            /* NDP/MLD not sent with hop limit 255 / 1 */
    TAPIR_DROP_FRAG_OVERLAP,         /* overlapping fragments: datagram discarded (RFC 5722) */
    TAPIR_DROP_FRAG_TOO_MANY,        /* more fragments than TAPIR_REASM_MAX_FRAGS */
    TAPIR_DROP_FRAG_OVERSIZE,        /* reassembled length over 65535 */
    TAPIR_DROP_FRAG_NO_SLOT,         /* every reassembly slot busy */
    TAPIR_DROP_FRAG_TIMEOUT,         /* datagram incomplete when its timer ran out */
    TAPIR_DROP_FRAG_MALFORMED,       /* a fragment whose length is not a multiple of 8, ... */
    TAPIR_DROP_ICMP_MALFORMED,       /* ICMP/ICMPv6 message bad or checksum wrong */
    TAPIR_DROP_ICMP_UNHANDLED,       /* a type nothing here consumes */
    TAPIR_DROP_NDP_INVALID,          /* NDP message failing RFC 4861 validation */
    TAPIR_DROP_UDP_MALFORMED,
    TAPIR_DROP_TCP_MALFORMED,
    TAPIR_DROP_NO_SOCKET,         /* port unreachable (an ICMP error may be sent) */
    TAPIR_DROP_UNKNOWN_PROTOCOL,  /* protocol unreachable */
    TAPIR_DROP_NO_ROUTE,          /* outbound: no route to the destination */
    TAPIR_DROP_NO_SOURCE,         /* outbound: no address to send from */
    TAPIR_DROP_NEIGHBOR_FAILED,   /* outbound: neighbour never answered */
    TAPIR_DROP_NEIGHBOR_REPLACED, /* outbound: queued packet replaced by a newer one */
    TAPIR_DROP_NEIGHBOR_NO_SLOT,  /* outbound: no room to queue while resolving */
    TAPIR_DROP_TOO_BIG,           /* outbound: over MTU with DF / over 65535 */
    TAPIR_DROP_TX_FULL,           /* outbound: device refused the frame */
    TAPIR_DROP_ICMP_RATE_LIMITED, /* an ICMP error we chose not to send (RFC 1812 §4.3.2.8) */
    /* Multicast membership: an IGMP or MLD message that does not parse or fails the checks
     * of RFC 3376 §4 / RFC 3810 §5 (MLD from a non-link-local source, ...). */
    TAPIR_DROP_MCAST_INVALID,
    /* TCP ICMP errors: one quoting a sequence number not in flight (RFC 5927 §4.1). */
    TAPIR_DROP_ICMP_OUT_OF_WINDOW,
    TAPIR_DROP_COUNT_
};

/* The counter's name, e.g. "ipv4_other_host" (stable: apps print it). */
const char *tapir_drop_reason_name(enum tapir_drop_reason reason);

struct tapir_iface_stats {
    uint64_t rx_frames, rx_bytes, tx_frames, tx_bytes;
    uint64_t arp_requests_sent, arp_replies_sent;
    uint64_t ndp_solicits_sent, ndp_adverts_sent;
    uint64_t echo_replies_sent;
    uint64_t icmp_errors_sent;
    uint64_t reassembled, fragments_sent;
    uint64_t drops[TAPIR_DROP_COUNT_];
    /* Multicast membership: IGMP and MLD messages sent (reports, leaves, done). */
    uint64_t mcast_reports_sent;
    /* Offload (a device with TAPIR_DEVICE_CAP_GSO, src/iface/iface_gso.c): TCP
     * super-frames sent and the wire segments they stand for, super-frames received, and
     * received frames whose transport checksum the device vouched for (CSUM_VALID or
     * CSUM_PARTIAL: not verified again). */
    uint64_t gso_frames_sent, gso_segments_sent, gso_frames_received, csum_offloaded_rx;
};

/* A frame crossing the interface, for tracing (apps' -v, pcap-free debugging). */
enum tapir_trace_dir {
    TAPIR_TRACE_RX = 0,
    TAPIR_TRACE_TX = 1,
};
typedef void (*tapir_trace_fn)(void *ctx, enum tapir_trace_dir dir, const uint8_t *frame,
                               size_t len, enum tapir_medium medium);

struct tapir_iface_config {
    struct tapir_device *device; /* required; must outlive the interface */
    struct tapir_mac_addr mac;   /* default 02:00:00:00:00:01 */
    struct tapir_rng rng;        /* required: jitter, IP identifications */
    unsigned mtu;                /* 0: the device's */
    uint8_t ttl;                 /* IPv4 TTL and IPv6 hop limit of what we send; 64 */
    /* ARP/NDP: how long an answer stays valid, how many requests before giving up and
     * the minimum gap between two requests for one address (RFC 1122 §2.3.2.1: at most
     * one per second; RFC 4861 §10 RetransTimer 1 s, MAX_MULTICAST_SOLICIT 3). */
    tapir_instant neighbor_lifetime_us; /* 60 s */
    tapir_instant neighbor_retry_us;    /* 1 s */
    unsigned neighbor_max_requests;     /* 3 */
    tapir_instant reasm_timeout_us;     /* 30 s (RFC 8200 §4.5: 60 s max) */
    /* ICMP errors: a token bucket (RFC 1812 §4.3.2.8, RFC 4443 §2.4(f)). */
    unsigned icmp_error_burst;            /* 10 */
    tapir_instant icmp_error_interval_us; /* one token per 100 ms */
    bool announce;                        /* gratuitous ARP / unsolicited NA at start; true */
    tapir_trace_fn trace;                 /* optional */
    void *trace_ctx;
    void *mem; /* caller memory, tapir_iface_mem_size() bytes */
    size_t mem_len;
    /* ---- IPv6 autoconfiguration and neighbour unreachability detection ---- */
    /* slaac (default false; the apps turn it on): on an Ethernet medium the link-local
     * address goes through duplicate address detection (RFC 4862 §5.4) instead of being
     * usable at once, router solicitations follow (RFC 4861 §6.3.7), and router
     * advertisements configure default routers, on-link prefixes, the MTU, the hop
     * limit, the NUD timers and stateless addresses (RFC 4862 §5.5.3, interface
     * identifier: modified EUI-64 of the MAC). Static addresses are never affected. */
    bool slaac;
    /* nud (default true): IPv6 neighbours follow RFC 4861 §7.3 (REACHABLE, STALE, DELAY,
     * PROBE; unicast probes; removed after 3 unanswered). False keeps the plain expiry
     * after neighbor_lifetime_us that IPv4 uses. */
    bool nud;
};

/* Fills the defaults above (device, rng and mem left empty). */
void tapir_iface_config_default(struct tapir_iface_config *cfg);

/* Bytes of memory the interface needs for `cfg` (frames, queued packets, reassembly). */
size_t tapir_iface_mem_size(const struct tapir_iface_config *cfg);

struct tapir_ipv4_cidr {
    struct tapir_ipv4_addr addr;
    uint8_t prefix_len;
};

struct tapir_ipv6_cidr {
    struct tapir_ipv6_addr addr;
    uint8_t prefix_len;
};

struct tapir_route {
    struct tapir_ip_addr dst; /* network; prefix_len 0 = default route */
    uint8_t prefix_len;
    struct tapir_ip_addr gateway; /* version NONE: directly connected */
};

struct tapir_socket_link; /* the intrusive list sockets are registered on */

/* The interface. Allocated by the caller; fields are private (use the functions). */
struct tapir_iface {
    struct tapir_iface_config cfg;
    unsigned mtu;
    size_t frame_size;
    struct tapir_ipv4_cidr ipv4[TAPIR_IFACE_MAX_IPV4];
    unsigned ipv4_count;
    struct tapir_ipv6_cidr ipv6[TAPIR_IFACE_MAX_IPV6];
    unsigned ipv6_count;
    struct tapir_route routes[TAPIR_IFACE_MAX_ROUTES];
    unsigned route_count;
    struct tapir_ip_addr groups[TAPIR_IFACE_MAX_GROUPS]; /* joined (tapir_iface_join_group) */
    unsigned group_count;
    struct tapir__neighbor_cache neighbors;
    struct tapir__reasm reasm;
    struct tapir_socket_link *sockets;
    /* Frame buffers carved from cfg.mem. */
    struct tapir_frame rx[TAPIR_RX_BATCH];
    struct tapir_frame tx[TAPIR_TX_BATCH];
    unsigned tx_count;
    uint8_t *datagram; /* scratch for one whole outgoing datagram, up to 65535 + headers */
    uint16_t next_ipv4_ident;
    uint32_t next_ipv6_ident;
    double icmp_tokens;
    tapir_instant icmp_tokens_at;
    bool announce_pending;
    struct tapir_iface_stats stats;
    /* TCP: the secret, ephemeral ports, the optional demultiplexing index
     * (include/tapir/priv/tcp_iface.h; the calls are in include/tapir/socket/tcp_iface.h). */
    struct tapir__iface_tcp tcp;
    /* TCP connections in TIME-WAIT, as compact records (their sockets are closed). */
    struct tapir__tcp_tw_table tcp_time_wait;
    /* Multicast group membership: IGMP/MLD state behind groups[] (iface_multicast.c). */
    struct tapir__mcast mcast;
    /* IPv6 autoconfiguration and the NUD timers (tapir/priv/slaac.h). */
    struct tapir__slaac autoconf;
    /* DHCP / RFC 5227: the address being probed (iface_arp_probe.c). */
    struct tapir__arp_probe arp_probe;
    /* Offload (iface_gso.c): the metadata for the datagram being sent (gso_type NONE and
     * flags 0 outside tapir__tcp_send_gso()), and the flags of the frame being received. */
    struct tapir_frame tx_offload;
    uint8_t rx_frame_flags;
    /* tapir_iface_set_mtu(): the MTU the interface started with, the most it can take. */
    unsigned mtu_max;
};

/* Initialise with `cfg` (copied). Returns 0, or TAPIR_EINVAL when the device, the rng or
 * enough memory is missing. The fe80:: link-local address derived from the MAC (RFC 4291
 * Appendix A, modified EUI-64) is added at once; with cfg.slaac it is tentative instead
 * until duplicate address detection passes (about 1 to 2 s of polling). */
int tapir_iface_init(struct tapir_iface *iface, const struct tapir_iface_config *cfg,
                     tapir_instant now);

/* Static addresses are usable at once (no duplicate address detection): an unsolicited
 * neighbour advertisement (IPv6) or gratuitous ARP (IPv4) announces each. TAPIR_ENOBUFS
 * when the table is full, TAPIR_EINVAL for a bad prefix length. */
int tapir_iface_add_ipv4(struct tapir_iface *iface, const struct tapir_ipv4_addr *addr,
                         unsigned prefix_len, tapir_instant now);
int tapir_iface_add_ipv6(struct tapir_iface *iface, const struct tapir_ipv6_addr *addr,
                         unsigned prefix_len, tapir_instant now);
int tapir_iface_del_ip(struct tapir_iface *iface, const struct tapir_ip_addr *addr);
bool tapir_iface_has_ip(const struct tapir_iface *iface, const struct tapir_ip_addr *addr);

/* Routes: a prefix (0 for default) via a gateway, or directly connected when `gateway`
 * is NULL. Connected prefixes of configured addresses need no route. */
int tapir_iface_add_route(struct tapir_iface *iface, const struct tapir_ip_addr *dst,
                          unsigned prefix_len, const struct tapir_ip_addr *gateway);
int tapir_iface_set_default_gateway(struct tapir_iface *iface, const struct tapir_ip_addr *gateway);

/* The IP MTU in use, and a new one: from a DHCP lease (RFC 2132 §5.1, option 26) or an
 * administrator. 68 (RFC 791's minimum) up to the MTU the interface started with, whose
 * frame buffers are sized for it; TAPIR_EINVAL otherwise. What is sent from then on is
 * fragmented to it; TCP connections opened afterwards take their MSS from it (open ones
 * keep theirs until an ICMP "too big" lowers it). A router advertisement's MTU option
 * (RFC 4861 §4.6.4) sets it as well. */
unsigned tapir_iface_mtu(const struct tapir_iface *iface);
int tapir_iface_set_mtu(struct tapir_iface *iface, unsigned mtu);

/* Receive what the device has, process it, run timers, and transmit what is due.
 * Returns the number of frames received, or a negative device error. */
int tapir_iface_poll(struct tapir_iface *iface, tapir_instant now);

/* The next instant at which poll() has timer work (TAPIR_INSTANT_NEVER if none); the
 * caller may sleep on the device fd until then. */
tapir_instant tapir_iface_poll_at(const struct tapir_iface *iface, tapir_instant now);

/* Address probing (RFC 5227 §2.1), used by DHCP clients before they take an address
 * (tapir/socket/dhcp.h says when to call these).
 * tapir_iface_arp_probe: send one ARP probe for `addr` (sender IP 0.0.0.0, broadcast) and
 *   watch incoming ARP for it; probing a different address restarts the watch. Returns 0,
 *   TAPIR_EUNSUPPORTED on a device without ARP (TUN).
 * tapir_iface_arp_conflict: true once another host has claimed `addr` since its first
 *   probe: an ARP packet with `addr` as sender IP, or another host's probe for it.
 * tapir_iface_arp_probe_stop: stop watching. */
int tapir_iface_arp_probe(struct tapir_iface *iface, const struct tapir_ipv4_addr *addr,
                          tapir_instant now);
bool tapir_iface_arp_conflict(const struct tapir_iface *iface, const struct tapir_ipv4_addr *addr);
void tapir_iface_arp_probe_stop(struct tapir_iface *iface);

const struct tapir_iface_stats *tapir_iface_stats(const struct tapir_iface *iface);

/* The MAC, and the link-local IPv6 address derived from it. */
const struct tapir_mac_addr *tapir_iface_mac(const struct tapir_iface *iface);
void tapir_iface_link_local(const struct tapir_iface *iface, struct tapir_ipv6_addr *out);

/* Multicast group membership (IGMPv3 RFC 3376 / MLDv2 RFC 3810, host side, with the
 * IGMPv1/v2 and MLDv1 compatibility modes).
 *
 * Joining makes the interface accept datagrams to `group` (a multicast address of either
 * family) and announces it: a state-change report at once and [Robustness Variable] - 1
 * more at random intervals (RFC 3376 §5.1, RFC 3810 §6.1); queries are answered after a
 * random delay up to their Max Resp Time. Joins are counted: the group is left when
 * leave_group() has been called as often as join_group(), and the leave is announced the
 * same way. 224.0.0.1 and ff02::1 are always received and never reported (RFC 3376 §5,
 * RFC 3810 §6); the solicited-node groups of our IPv6 addresses are always received and
 * reported in answers to queries. Returns 0; TAPIR_EINVAL when `group` is not multicast
 * (or, for leave, not joined); TAPIR_ENOBUFS when TAPIR_IFACE_MAX_GROUPS are joined. */
int tapir_iface_join_group(struct tapir_iface *iface, const struct tapir_ip_addr *group,
                           tapir_instant now);
int tapir_iface_leave_group(struct tapir_iface *iface, const struct tapir_ip_addr *group,
                            tapir_instant now);
/* The joined groups (in no particular order): writes up to `max` into `out` and returns how
 * many there are. */
unsigned tapir_iface_groups(const struct tapir_iface *iface, struct tapir_ip_addr *out,
                            unsigned max);
/* The protocol version the interface speaks at `now` for `version`'s family: IGMP 1, 2 or 3
 * (TAPIR_IP_V4), MLD 1 or 2 (TAPIR_IP_V6); older while an older querier was heard within
 * the Older Version Querier Present Timeout (RFC 3376 §7.2.1, RFC 3810 §8.2.1). */
int tapir_iface_mcast_version(const struct tapir_iface *iface, enum tapir_ip_version version,
                              tapir_instant now);

/* The neighbour cache, for tests and diagnostics: 1 and the MAC when `ip` is resolved,
 * 0 while resolution is in progress, TAPIR_EINVAL when there is no entry. */
int tapir_iface_neighbor(const struct tapir_iface *iface, const struct tapir_ip_addr *ip,
                         struct tapir_mac_addr *mac);

/* ---- IPv6 autoconfiguration (RFC 4861 §6.3, RFC 4862) and neighbour state ---- */

enum tapir_ipv6_addr_state {
    TAPIR_IPV6_ADDR_TENTATIVE,  /* duplicate address detection running: not usable yet */
    TAPIR_IPV6_ADDR_PREFERRED,  /* usable */
    TAPIR_IPV6_ADDR_DEPRECATED, /* usable, but new traffic prefers another source */
    TAPIR_IPV6_ADDR_DUPLICATE,  /* another node owns it: never assigned */
};

enum tapir_ipv6_addr_origin {
    TAPIR_IPV6_ADDR_STATIC,     /* tapir_iface_add_ipv6(), or fe80:: when slaac is off */
    TAPIR_IPV6_ADDR_LINK_LOCAL, /* fe80:: formed with slaac on */
    TAPIR_IPV6_ADDR_SLAAC,      /* from a router's prefix information */
};

struct tapir_ipv6_addr_info {
    struct tapir_ipv6_addr addr;
    uint8_t prefix_len; /* the advertised prefix's length for SLAAC addresses */
    enum tapir_ipv6_addr_state state;
    enum tapir_ipv6_addr_origin origin;
    tapir_instant preferred_until; /* TAPIR_INSTANT_NEVER: infinite (static addresses) */
    tapir_instant valid_until;
};

/* The IPv6 addresses: assigned ones first (in table order), then tentative and duplicate
 * ones. Fills up to `max` entries of `out` and returns how many there are in all. */
unsigned tapir_iface_ipv6_addrs(const struct tapir_iface *iface, struct tapir_ipv6_addr_info *out,
                                unsigned max);

struct tapir_ipv6_router_info {
    struct tapir_ipv6_addr addr; /* the router's link-local address */
    tapir_instant until;         /* end of its router lifetime */
};

/* The default routers learned from router advertisements (RFC 4861 §6.3.4); the first is
 * the one used for off-link destinations no configured route covers. Fills up to `max`
 * and returns how many there are. */
unsigned tapir_iface_ipv6_routers(const struct tapir_iface *iface,
                                  struct tapir_ipv6_router_info *out, unsigned max);

struct tapir_ipv6_link_info {
    unsigned mtu;                    /* the link MTU in use */
    unsigned ra_mtu;                 /* the last accepted RA MTU option, 0 if none */
    uint8_t hop_limit;               /* of what we send over IPv6 */
    tapir_instant reachable_time_us; /* ReachableTime (RFC 4861 §6.3.2) */
    tapir_instant retrans_timer_us;  /* RetransTimer */
    unsigned on_link_prefixes;       /* learned from L flags */
    uint64_t rs_sent, ra_received, dad_duplicates;
};

void tapir_iface_ipv6_link(const struct tapir_iface *iface, struct tapir_ipv6_link_info *out);

/* A counter bumped whenever an autoconfigured address changes state, appears or goes, or a
 * router or the MTU changes: an app compares it after each poll and prints what is new. */
uint32_t tapir_iface_ipv6_generation(const struct tapir_iface *iface);

enum tapir_neighbor_state {
    TAPIR_NEIGHBOR_INCOMPLETE = 1, /* resolving */
    TAPIR_NEIGHBOR_REACHABLE,      /* confirmed within the reachable time */
    TAPIR_NEIGHBOR_STALE,          /* known, unconfirmed; checked on next use (NUD) */
    TAPIR_NEIGHBOR_DELAY,          /* used while stale: a probe follows unless confirmed */
    TAPIR_NEIGHBOR_PROBE,          /* unicast solicitations being sent */
    TAPIR_NEIGHBOR_FAILED,         /* resolution failed, remembered for a while */
};

/* The neighbour cache entry's state for `ip` (enum tapir_neighbor_state), or TAPIR_EINVAL
 * when there is none. */
int tapir_iface_neighbor_state(const struct tapir_iface *iface, const struct tapir_ip_addr *ip);

#endif
