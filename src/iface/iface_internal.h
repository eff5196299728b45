/* Internal: what the interface's files share. */
#ifndef TAPIR_IFACE_INTERNAL_H
#define TAPIR_IFACE_INTERNAL_H

#include "tapir/error.h"
#include "tapir/iface.h"
#include "tapir/socket.h"

/* ---- neighbor.c: the table ---- */
void tapir__nb_init(struct tapir__neighbor_cache *c, uint8_t *queue_mem, size_t queue_cap,
                    size_t datagram_max);
struct tapir__neighbor *tapir__nb_find(struct tapir__neighbor_cache *c,
                                       const struct tapir_ip_addr *ip);
struct tapir__neighbor *tapir__nb_alloc(struct tapir__neighbor_cache *c,
                                        const struct tapir_ip_addr *ip, tapir_instant now);
uint16_t tapir__nb_index(const struct tapir__neighbor_cache *c, const struct tapir__neighbor *n);
/* Queue `datagram` for the unresolved entry `n`. Returns -1 when queued (*evicted older
 * datagrams of any entry gave way for room), or the drop reason to count (too big). */
int tapir__nb_queue(struct tapir__neighbor_cache *c, struct tapir__neighbor *n,
                    const uint8_t *datagram, size_t len, unsigned *evicted);
/* The oldest queued datagram: its entry and bytes (copied into buf, at least the largest
 * datagram long), taken out; 0 when the queue is empty. put() appends one back. */
unsigned tapir__nb_queue_take(struct tapir__neighbor_cache *c, uint16_t *owner, uint8_t *buf,
                              size_t *len);
void tapir__nb_queue_put(struct tapir__neighbor_cache *c, uint16_t owner, const uint8_t *buf,
                         size_t len);
size_t tapir__nb_queue_count(const struct tapir__neighbor_cache *c);
void tapir__nb_expire(struct tapir__neighbor_cache *c, struct tapir__neighbor *n);

/* ---- iface_tx.c: the way out ---- */
void tapir__drop(struct tapir_iface *iface, enum tapir_drop_reason reason);
/* Send a whole IP datagram (header included): route, resolve, fragment, frame. Returns 0
 * when sent or queued for resolution, else a TAPIR_E* (the drop is counted). */
int tapir__send_ip(struct tapir_iface *iface, tapir_instant now, const uint8_t *dg, size_t len);
/* Send a link-layer frame carrying `payload` to `dst` (Ethernet media only). */
int tapir__send_frame(struct tapir_iface *iface, const struct tapir_mac_addr *dst,
                      uint16_t ethertype, const uint8_t *payload, size_t len);
void tapir__flush(struct tapir_iface *iface);
/* Choose the source address for `dst` (RFC 6724 in its simplest form: same prefix, then
 * scope). Returns 0 or TAPIR_ENOADDR. */
int tapir__select_source(const struct tapir_iface *iface, const struct tapir_ip_addr *dst,
                         struct tapir_ip_addr *src);
/* Build IPv4/IPv6 headers in front of an upper-layer message already written at
 * iface->datagram + TAPIR__IP_ROOM; returns the datagram's start and total length. */
#define TAPIR__IP_ROOM 40 /* an IPv6 header; IPv4 uses the last 20 bytes of it */
int tapir__finish_ip(struct tapir_iface *iface, const struct tapir_ip_addr *src,
                     const struct tapir_ip_addr *dst, uint8_t protocol, uint8_t ttl,
                     size_t upper_len, const uint8_t **start);

/* ---- iface_neighbor.c: ARP and NDP on the wire ---- */
void tapir__neighbor_learn(struct tapir_iface *iface, tapir_instant now,
                           const struct tapir_ip_addr *ip, const struct tapir_mac_addr *mac,
                           bool create);
/* Resolve `next_hop` for `dg`: sends now when known (*mac filled, returns 1), otherwise
 * queues the datagram, sends a request if one is due and returns 0 (or <0 if dropped). */
int tapir__neighbor_resolve(struct tapir_iface *iface, tapir_instant now,
                            const struct tapir_ip_addr *next_hop, const uint8_t *dg, size_t len,
                            struct tapir_mac_addr *mac);
void tapir__neighbor_poll(struct tapir_iface *iface, tapir_instant now);
tapir_instant tapir__neighbor_poll_at(const struct tapir_iface *iface);
/* Send the datagram that waited on `n` for its resolution (if any). */
void tapir__neighbor_send_pending(struct tapir_iface *iface, tapir_instant now,
                                  struct tapir__neighbor *n);
void tapir__arp_input(struct tapir_iface *iface, tapir_instant now, const uint8_t *buf, size_t len);
/* iface_arp_probe.c: every parsed ARP packet, for the RFC 5227 conflict watch. */
struct tapir_arp_repr;
void tapir__arp_probe_observe(struct tapir_iface *iface, const struct tapir_arp_repr *arp);
void tapir__announce(struct tapir_iface *iface, tapir_instant now, const struct tapir_ip_addr *ip);
void tapir__send_neighbor_advert_unsolicited(struct tapir_iface *iface, tapir_instant now,
                                             const struct tapir_ipv6_addr *target);
void tapir__send_neighbor_solicit(struct tapir_iface *iface, tapir_instant now,
                                  const struct tapir_ipv6_addr *target, bool unicast,
                                  const struct tapir_mac_addr *dst_mac);
/* iface_icmpv6.c: emit an NDP message and send it from src to dst with hop limit 255. */
struct tapir_ndp_repr;
int tapir__send_ndp(struct tapir_iface *iface, tapir_instant now, const struct tapir_ndp_repr *nd,
                    const struct tapir_ipv6_addr *src, const struct tapir_ipv6_addr *dst);

/* ---- iface_rx.c: the way in ---- */
void tapir__frame_input(struct tapir_iface *iface, tapir_instant now, const uint8_t *frame,
                        size_t len);
bool tapir__is_local_ipv6(const struct tapir_iface *iface, const struct tapir_ipv6_addr *a);
/* Offload: does the frame being received carry a checksum the device vouched for or left
 * partial (and counts it)? iface_gso.c. */
bool tapir__rx_csum_trusted(struct tapir_iface *iface);

/* ---- iface_icmp.c: ICMP and ICMPv6 ---- */
struct tapir__ip_info {
    struct tapir_ip_addr src, dst;
    uint8_t ttl;
    bool dst_multicast;    /* multicast or broadcast destination */
    const uint8_t *packet; /* the whole datagram as received, for quoting in errors */
    size_t packet_len;
    /* Offload: the device vouched for the transport checksum (CSUM_VALID) or the sender
     * left it partial on a virtual link (CSUM_PARTIAL): it is not verified. */
    bool csum_trusted;
};
void tapir__icmpv4_input(struct tapir_iface *iface, tapir_instant now,
                         const struct tapir__ip_info *ip, const uint8_t *buf, size_t len);
void tapir__icmpv6_input(struct tapir_iface *iface, tapir_instant now,
                         const struct tapir__ip_info *ip, const uint8_t *buf, size_t len);
/* Send an ICMP error about the datagram in `ip` (type/code of the version), rate
 * limited and suppressed where RFC 1122 §3.2.2 / RFC 4443 §2.4(e) forbid it. */
void tapir__icmp_error(struct tapir_iface *iface, tapir_instant now,
                       const struct tapir__ip_info *ip, uint8_t type, uint8_t code, uint32_t info);
void tapir__icmp_sockets_poll(struct tapir_iface *iface, tapir_instant now);
struct tapir__icmp_tx;
struct tapir_icmp_meta;
int tapir__icmp_send_echo(struct tapir_iface *iface, tapir_instant now, uint16_t ident,
                          const struct tapir__icmp_tx *tx);

/* ---- iface_tcp.c ---- */
void tapir__tcp_segment_input(struct tapir_iface *iface, tapir_instant now,
                              const struct tapir__ip_info *ip, const uint8_t *buf, size_t len);
void tapir__tcp_sockets_poll(struct tapir_iface *iface, tapir_instant now);
tapir_instant tapir__tcp_sockets_poll_at(const struct tapir_iface *iface);
/* An ICMP (`version` TAPIR_IP_V4) or ICMPv6 error of `type` and `code` about our segment
 * local -> remote whose TCP header (at least 8 bytes) it quotes, `info` the MTU of a
 * "fragmentation needed" / "packet too big": the connection takes it (soft and hard errors,
 * the path MTU: src/socket/tcp_icmp.c), or ignores it as stale (counted). False when no
 * connection owns the quoted 4-tuple or TCP does not act on the type. */
bool tapir__tcp_icmp_error(struct tapir_iface *iface, const struct tapir_ip_addr *local,
                           const struct tapir_ip_addr *remote, const uint8_t *tcp, size_t len,
                           uint8_t version, uint8_t type, uint8_t code, uint32_t info);

/* ---- iface_gso.c: TCP super-segments on offloading devices ---- */
struct tapir__tcp_out;
/* The payload one TCP segment to `dst` may carry (a super-segment the device cuts into
 * MSS-sized ones), or 0 when the device cannot take super-frames. */
uint32_t tapir__tcp_gso_max(const struct tapir_iface *iface);
/* Send `out`, whose payload exceeds its gso_size, as one GSO super-frame with a partial
 * checksum, or with a full checksum (fragmented) when the link cannot take it now. */
int tapir__tcp_send_gso(struct tapir_iface *iface, tapir_instant now,
                        const struct tapir__tcp_out *out);
/* Can a datagram to `dst` go on the link at once (neighbour known, or no neighbour
 * needed)? iface_tx.c. */
bool tapir__link_ready(const struct tapir_iface *iface, tapir_instant now,
                       const struct tapir_ip_addr *dst);

/* ---- iface_icmpv6.c / iface_ndp.c ---- */
/* Send an ICMPv6 error from `from` (tapir__icmp_error has checked and rate-limited it). */
void tapir__icmpv6_error(struct tapir_iface *iface, tapir_instant now,
                         const struct tapir__ip_info *ip, const struct tapir_ip_addr *from,
                         uint8_t type, uint8_t code, uint32_t info);
/* What a socket learns of a received ICMP message, from its IP header. */
void tapir__icmp_meta_init(struct tapir_icmp_meta *m, const struct tapir__ip_info *ip, uint8_t type,
                           uint8_t code, tapir_instant now);
/* Hand an echo reply, or an error quoting an echo request, to the socket whose
 * identifier it carries. False when no socket takes it. */
bool tapir__icmp_deliver(struct tapir_iface *iface, uint8_t version,
                         const struct tapir_icmp_meta *m, const uint8_t *data, size_t len);
int tapir__icmpv6_send_echo(struct tapir_iface *iface, tapir_instant now,
                            const struct tapir_ip_addr *src, uint16_t ident,
                            const struct tapir__icmp_tx *tx);
/* Token bucket shared by ICMP and ICMPv6 errors. */
bool tapir__icmp_rate_ok(struct tapir_iface *iface, tapir_instant now);

/* ---- iface_multicast.c: IGMP and MLD (host side) ---- */
void tapir__igmp_input(struct tapir_iface *iface, tapir_instant now,
                       const struct tapir__ip_info *ip, const uint8_t *buf, size_t len);
struct tapir_icmpv6_repr;
void tapir__mld_input(struct tapir_iface *iface, tapir_instant now, const struct tapir__ip_info *ip,
                      const struct tapir_icmpv6_repr *icmp);
void tapir__mcast_poll(struct tapir_iface *iface, tapir_instant now);
tapir_instant tapir__mcast_poll_at(const struct tapir_iface *iface);

/* Address helpers. */
bool tapir__ipv4_is_broadcast(const struct tapir_iface *iface, const struct tapir_ipv4_addr *a);
void tapir__ipv6_solicited_node(const struct tapir_ipv6_addr *a, struct tapir_ipv6_addr *out);
void tapir__multicast_mac(const struct tapir_ip_addr *group, struct tapir_mac_addr *out);
bool tapir__prefix_match(const struct tapir_ip_addr *a, const struct tapir_ip_addr *b,
                         unsigned prefix_len);

/* ---- iface_slaac.c: IPv6 autoconfiguration (RFC 4861 §6.3, RFC 4862) ---- */
struct tapir_ndp_repr;
/* The host variables (always; NUD uses them). */
void tapir__slaac_init(struct tapir_iface *iface);
/* cfg.slaac: the link-local address as tentative, then solicitations. */
void tapir__slaac_start(struct tapir_iface *iface, tapir_instant now);
void tapir__slaac_poll(struct tapir_iface *iface, tapir_instant now);
tapir_instant tapir__slaac_poll_at(const struct tapir_iface *iface);
void tapir__slaac_ra_input(struct tapir_iface *iface, tapir_instant now,
                           const struct tapir__ip_info *ip, const struct tapir_ndp_repr *nd);
/* An NS or NA about one of our tentative addresses: true when consumed (RFC 4862 §5.4.3,
 * §5.4.4: the address is a duplicate, or the NS is silently discarded). */
bool tapir__slaac_ns_input(struct tapir_iface *iface, tapir_instant now,
                           const struct tapir_ipv6_addr *src, const struct tapir_ipv6_addr *target);
bool tapir__slaac_na_input(struct tapir_iface *iface, tapir_instant now,
                           const struct tapir_ipv6_addr *target);
/* The solicited-node group of a tentative address (joined during DAD). */
bool tapir__slaac_listens(const struct tapir_iface *iface, const struct tapir_ipv6_addr *group);
bool tapir__slaac_on_link(const struct tapir_iface *iface, const struct tapir_ipv6_addr *dst);
bool tapir__slaac_default_router(const struct tapir_iface *iface, struct tapir_ipv6_addr *router);
/* The prefix length of address table entry `i` for source selection: the advertised
 * one for a SLAAC address (entered as /128), else the entry's own. */
unsigned tapir__slaac_prefix_len(const struct tapir_iface *iface, unsigned i);
bool tapir__slaac_deprecated(const struct tapir_iface *iface, const struct tapir_ipv6_addr *a);

/* ---- iface_nud.c: neighbour unreachability detection (RFC 4861 §7.3) ---- */
/* A link-layer address seen in an NS, RS, RA or redirect (not a confirmation). */
void tapir__nud_learn(struct tapir_iface *iface, tapir_instant now, const struct tapir_ip_addr *ip,
                      const struct tapir_mac_addr *mac);
/* A neighbour advertisement (RFC 4861 §7.2.5); `tll` may be NULL. */
void tapir__nud_na_input(struct tapir_iface *iface, tapir_instant now,
                         const struct tapir_ip_addr *target, const struct tapir_mac_addr *tll,
                         uint8_t flags);
/* Forward progress seen by an upper layer (RFC 4861 §7.3.1). */
void tapir__nud_confirm(struct tapir_iface *iface, tapir_instant now,
                        const struct tapir_ip_addr *ip);
/* Sending to `n`: 1 and *mac when its address may be used now, 0 otherwise. */
int tapir__nud_use(struct tapir_iface *iface, tapir_instant now, struct tapir__neighbor *n,
                   struct tapir_mac_addr *mac);
/* Timers of an entry in a NUD state: true when handled. */
bool tapir__nud_poll(struct tapir_iface *iface, tapir_instant now, struct tapir__neighbor *n);
bool tapir__nud_deadline(const struct tapir__neighbor *n, tapir_instant *at);
/* True when `n` is an IPv6 entry under NUD on this interface. */
bool tapir__nud_applies(const struct tapir_iface *iface, const struct tapir__neighbor *n);

#endif
