/* tapir — UDP sockets over IPv4 and IPv6 (RFC 768, RFC 8200 §8.1 checksums).
 *
 * A socket is bound to a local port (chosen, or ephemeral from the interface's range) and
 * optionally to one local address; it receives every datagram for that port and address
 * (unicast to us, broadcast, or to a multicast group the interface has joined) and sends
 * datagrams to any endpoint. Both directions are queues of whole datagrams in buffers the
 * caller provides; records are copied in and out, nothing points into frames. Datagrams
 * larger than the path MTU are fragmented by the interface.
 *
 * ICMP errors (port unreachable, host unreachable, packet too big, ...) whose quoted
 * datagram was sent by this socket are reported on it: tapir_udp_take_error() returns the
 * matching code once (TAPIR_ECONNREFUSED for port unreachable, TAPIR_EHOSTUNREACH for
 * other unreachables, time exceeded and parameter problem, TAPIR_EMSGSIZE for
 * fragmentation needed / packet too big), and the last error's details stay readable
 * with tapir_udp_last_icmp(). The socket is found by the quoted source port and address
 * (its binding must cover them); source quench and redirects are not reported. There is
 * no path MTU cache: after a "too big" the caller decides (the interface fragments to its
 * own MTU only).
 *
 * Delivery: a unicast datagram goes to the socket bound to that very address and port,
 * else to one bound to the port on a wildcard (any, 0.0.0.0 or ::); a broadcast or
 * multicast datagram goes to every socket bound to the port on a wildcard or on that
 * broadcast address / group (a socket bound to a unicast address takes no broadcasts, as
 * on Linux). A datagram no socket takes counts TAPIR_DROP_NO_SOCKET and, if unicast, is
 * answered with port unreachable. Checksum 0 over IPv4 means "none" and is accepted; over
 * IPv6 it is invalid and the datagram counts TAPIR_DROP_UDP_MALFORMED (RFC 8200 §8.1).
 *
 * Sending: the source is the one asked for in the options, else the socket's bound
 * unicast address, else the interface's choice; when the interface has no IPv4 address,
 * a datagram to 255.255.255.255 goes from 0.0.0.0. Broadcasts go to ff:ff:ff:ff:ff:ff
 * and multicast to the group's MAC without ARP or NDP, multicast with TTL 1 unless
 * multicast_ttl or the options say otherwise. Datagrams queue until the next poll; while
 * ARP/NDP resolves a neighbour the interface keeps them, in order (up to
 * TAPIR_NEIGHBOR_QUEUE_MAX, include/tapir/priv/neighbor.h), and sends them once it
 * answers.
 *
 * DHCP and DNS are built on this API (src/socket/dhcp.c, dns.c): they own a UDP socket
 * the caller passes them.
 *
 * Typical use:
 *     tapir_udp_socket_init(&s, rxbuf, sizeof rxbuf, txbuf, sizeof txbuf);
 *     tapir_udp_bind(&s, iface, NULL, 7);        // any address, port 7
 *     tapir_iface_add_socket(iface, &s.link);
 *     ... tapir_iface_poll(iface, now);
 *     while ((n = tapir_udp_recv(&s, &meta, buf, sizeof buf)) >= 0)
 *         tapir_udp_send(&s, &meta.remote, meta.remote_port, buf, n);
 */
#ifndef TAPIR_SOCKET_UDP_H
#define TAPIR_SOCKET_UDP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tapir/addr.h"
#include "tapir/priv/packet_ring.h"
#include "tapir/socket.h"
#include "tapir/time.h"

struct tapir_iface;

/* Bytes of buffer each queued datagram costs beyond its payload (the record header). */
#define TAPIR_UDP_RECORD_OVERHEAD 64

/* What one received datagram was. */
struct tapir_udp_meta {
    struct tapir_ip_addr remote; /* its source */
    uint16_t remote_port;
    struct tapir_ip_addr local; /* its destination: ours, broadcast or a multicast group */
    uint16_t local_port;
    uint8_t ttl; /* IPv4 TTL / IPv6 hop limit */
    tapir_instant received_at;
};

/* Options for one outgoing datagram (all may be left zero). */
struct tapir_udp_send_opts {
    /* Source address; version NONE lets the interface choose. IPv4 0.0.0.0 is allowed
     * only to a broadcast destination (DHCP before it has an address, RFC 2131 §4.1). */
    struct tapir_ip_addr local;
    uint8_t ttl; /* 0: the socket's (multicast: 1, RFC 1112 §6.1) or the interface's */
};

/* The last ICMP error reported on the socket. */
struct tapir_udp_icmp_error {
    struct tapir_ip_addr from;   /* the router or host that reported it */
    struct tapir_ip_addr remote; /* destination of the datagram it quotes */
    uint16_t remote_port;
    uint8_t version, type, code; /* ICMP (4) or ICMPv6 (6) type and code */
    uint32_t info;               /* MTU for too big, pointer for parameter problem */
    tapir_instant received_at;
};

struct tapir_udp_stats {
    uint64_t datagrams_sent, datagrams_received;
    uint64_t bytes_sent, bytes_received;
    uint64_t rx_dropped_full; /* arrived while the receive buffer was full */
    uint64_t tx_failed;       /* no route, no source, neighbour failed, too big ... */
    uint64_t icmp_errors;
};

struct tapir_udp_socket {
    struct tapir_socket_link link; /* first: the interface's list */
    struct tapir_ip_addr local;    /* bound address; version NONE = any */
    uint16_t local_port;           /* 0 = not bound */
    uint8_t ttl;                   /* 0: default */
    uint8_t multicast_ttl;         /* 0: 1 */
    bool broadcast;                /* may send to broadcast addresses (SO_BROADCAST) */
    struct tapir__packet_ring rx;
    struct tapir__packet_ring tx;
    int pending_error; /* reported once by take_error */
    struct tapir_udp_icmp_error last_icmp;
    bool has_last_icmp;
    struct tapir_udp_stats stats;
};

/* Initialise with queues in rx_buf/tx_buf (each datagram takes its payload plus
 * TAPIR_UDP_RECORD_OVERHEAD). Returns 0 or TAPIR_EINVAL. */
int tapir_udp_socket_init(struct tapir_udp_socket *s, void *rx_buf, size_t rx_len, void *tx_buf,
                          size_t tx_len);

/* Bind to `local` (NULL or version NONE: any address of either family; 0.0.0.0 or "::":
 * any address of that family only; an IPv4 or IPv6 address of the interface; an IPv4
 * broadcast address, limited or directed; a multicast group to receive only that group)
 * and `port` (0: an ephemeral port from the interface's range, RFC 6056 Algorithm 4, the
 * range TCP uses, tapir_iface_tcp_port_range(); never a port another UDP socket of the
 * interface holds). Returns 0; TAPIR_EADDRINUSE when another UDP socket registered on
 * `iface` holds the same address and port (the any-address binding and a family's
 * wildcard count as the same), or no ephemeral port is free; TAPIR_ENOADDR for an
 * address the interface does not have; TAPIR_EINVAL when `s` is already bound. Binding
 * does not register the socket: call tapir_iface_add_socket() (sockets not registered
 * hold no port). */
int tapir_udp_bind(struct tapir_udp_socket *s, struct tapir_iface *iface,
                   const struct tapir_ip_addr *local, uint16_t port);

/* Queue a datagram of `len` bytes to remote:port (65507 bytes at most over IPv4, 65527
 * over IPv6). Sent at the next tapir_iface_poll(). Returns `len`, TAPIR_EAGAIN when the
 * send buffer is full, TAPIR_EMSGSIZE when too long (for the protocol, or for the whole
 * send buffer), TAPIR_EINVAL when unbound, for port 0, an unspecified destination, a
 * destination of the other family than the bound address, a source option that is not
 * allowed, or 255.255.255.255 without `broadcast` set. What fails at the poll (no source
 * address, no route, a directed broadcast without `broadcast`: TAPIR_EINVAL) counts
 * tx_failed and is reported once by tapir_udp_take_error(). */
int tapir_udp_send(struct tapir_udp_socket *s, const struct tapir_ip_addr *remote, uint16_t port,
                   const void *data, size_t len);
int tapir_udp_send_opts(struct tapir_udp_socket *s, const struct tapir_ip_addr *remote,
                        uint16_t port, const void *data, size_t len,
                        const struct tapir_udp_send_opts *opts);

/* Take the next datagram: copies up to `cap` bytes and returns the datagram's full length
 * (longer than cap: the rest is discarded, as recvfrom does), or TAPIR_EAGAIN. */
int tapir_udp_recv(struct tapir_udp_socket *s, struct tapir_udp_meta *meta, void *buf, size_t cap);

bool tapir_udp_can_recv(const struct tapir_udp_socket *s);
bool tapir_udp_can_send(const struct tapir_udp_socket *s, size_t len);

/* A send failure or ICMP error seen since the last call (the latest), then 0. */
int tapir_udp_take_error(struct tapir_udp_socket *s);
/* The last ICMP error's details; false when none has arrived. */
bool tapir_udp_last_icmp(const struct tapir_udp_socket *s, struct tapir_udp_icmp_error *out);

const struct tapir_udp_stats *tapir_udp_stats(const struct tapir_udp_socket *s);

/* Unbind; the caller then removes it from the interface and may reuse the buffers. */
void tapir_udp_close(struct tapir_udp_socket *s);

#endif
