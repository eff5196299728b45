/* Internal: how the interface drives UDP sockets (src/iface/iface_udp.c). */
#ifndef TAPIR_SOCKET_UDP_INTERNAL_H
#define TAPIR_SOCKET_UDP_INTERNAL_H

#include "tapir/socket/udp.h"

/* One queued outgoing datagram (valid until tx_done). */
struct tapir__udp_tx {
    struct tapir_ip_addr remote;
    uint16_t remote_port;
    struct tapir_ip_addr local; /* version NONE: the interface chooses */
    uint8_t ttl;                /* 0: the interface's default */
    const uint8_t *data;
    size_t len;
};

/* Is the socket bound to `port` and to an address that takes datagrams sent to `dst`
 * (any address, any of dst's family, or dst itself)? */
bool tapir__udp_socket_accepts(const struct tapir_udp_socket *s, const struct tapir_ip_addr *dst,
                               uint16_t port);

/* Does the socket's binding name exactly `dst` (not a wildcard)? */
bool tapir__udp_socket_bound_to(const struct tapir_udp_socket *s, const struct tapir_ip_addr *dst);

/* Queue a received datagram (copied). Counts rx_dropped_full when there is no room;
 * returns false then. */
bool tapir__udp_socket_deliver(struct tapir_udp_socket *s, const struct tapir_udp_meta *m,
                               const uint8_t *data, size_t len);

/* The oldest datagram waiting to be sent, if any. */
bool tapir__udp_socket_peek_tx(const struct tapir_udp_socket *s, struct tapir__udp_tx *out);

/* The interface has handled it: `rc` 0 when it went out (or waits for a neighbour),
 * else the TAPIR_E* it failed with. */
void tapir__udp_socket_tx_done(struct tapir_udp_socket *s, int rc);

/* An ICMP error quoting one of this socket's datagrams; `code` is the TAPIR_E* it means. */
void tapir__udp_socket_icmp(struct tapir_udp_socket *s, const struct tapir_udp_icmp_error *e,
                            int code);

#endif
