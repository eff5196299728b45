/* Internal: the interface's UDP and raw-socket paths (iface_udp.c, iface_raw.c), called
 * from ingress (iface_rx.c), the ICMP files and the poll loop (iface.c). */
#ifndef TAPIR_IFACE_UDP_H
#define TAPIR_IFACE_UDP_H

#include "iface_internal.h"

/* ---- iface_udp.c ---- */
/* A UDP datagram addressed to us (unicast, broadcast or an accepted group): deliver it to
 * every socket that takes it, or count no_socket and answer port unreachable. */
void tapir__udp_input(struct tapir_iface *iface, tapir_instant now, const struct tapir__ip_info *ip,
                      const uint8_t *buf, size_t len);
/* Send what the UDP sockets queued. */
void tapir__udp_sockets_poll(struct tapir_iface *iface, tapir_instant now);
/* True when a UDP or raw socket has something queued to send. */
bool tapir__udp_raw_tx_pending(const struct tapir_iface *iface);
/* An ICMP error (RFC 792 / RFC 4443) from `ip->src` quoting `quote` (the invoking IPv4
 * datagram, or IPv6 packet): if it quotes a UDP datagram one of our sockets sent, report
 * it there and return true. `info`: next-hop MTU or pointer. */
bool tapir__udp_icmpv4_error(struct tapir_iface *iface, tapir_instant now,
                             const struct tapir__ip_info *ip, uint8_t type, uint8_t code,
                             uint32_t info, const uint8_t *quote, size_t quote_len);
bool tapir__udp_icmpv6_error(struct tapir_iface *iface, tapir_instant now,
                             const struct tapir__ip_info *ip, uint8_t type, uint8_t code,
                             uint32_t info, const uint8_t *quote, size_t quote_len);

/* ---- iface_raw.c ---- */
/* Give every raw socket of this version and protocol a copy. True when one took it. */
bool tapir__raw_input(struct tapir_iface *iface, tapir_instant now, const struct tapir__ip_info *ip,
                      uint8_t protocol, const uint8_t *payload, size_t len);
void tapir__raw_sockets_poll(struct tapir_iface *iface, tapir_instant now);

#endif
