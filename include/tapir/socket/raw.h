/* tapir — raw IP sockets: one IP protocol number over one IP version.
 *
 * A raw socket receives a copy of every datagram of its protocol addressed to this host
 * (unicast to one of our addresses, broadcast, or an accepted multicast group), after
 * reassembly: the data is the payload after the IP header (and, for IPv6, after the
 * extension headers), with the addresses and TTL in the metadata. It sends payloads the
 * interface wraps in an IP header with its protocol number, routes and fragments.
 *
 * Raw sockets only watch: for the protocols the stack handles itself (ICMP 1, TCP 6,
 * UDP 17, ICMPv6 58) they receive copies while the stack goes on answering as before,
 * so what a raw socket sends for them travels beside the stack's own traffic. For any
 * other protocol, a datagram that a raw socket took is not answered with a protocol
 * unreachable (RFC 1122 §3.2.2.1 asks for it only when no one handles the protocol).
 *
 * Queues are caller buffers of whole records; each costs its data length plus
 * TAPIR_RAW_RECORD_OVERHEAD bytes.
 */
#ifndef TAPIR_SOCKET_RAW_H
#define TAPIR_SOCKET_RAW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tapir/addr.h"
#include "tapir/priv/packet_ring.h"
#include "tapir/socket.h"
#include "tapir/time.h"

#define TAPIR_RAW_RECORD_OVERHEAD 80

/* What one received datagram was. */
struct tapir_raw_meta {
    struct tapir_ip_addr src, dst;
    uint8_t protocol;
    uint8_t ttl; /* IPv4 TTL / IPv6 hop limit */
    tapir_instant received_at;
};

/* Options for one outgoing datagram (all may be left zero). */
struct tapir_raw_send_opts {
    struct tapir_ip_addr local; /* source; version NONE lets the interface choose */
    uint8_t ttl;                /* 0: the socket's, else the interface's */
};

struct tapir_raw_stats {
    uint64_t datagrams_sent, datagrams_received;
    uint64_t bytes_sent, bytes_received;
    uint64_t rx_dropped_full; /* arrived while the receive buffer was full */
    uint64_t tx_failed;       /* no route, no source, ... */
};

struct tapir_raw_socket {
    struct tapir_socket_link link; /* first: the interface's list */
    uint8_t version;               /* TAPIR_IP_V4 or TAPIR_IP_V6 */
    uint8_t protocol;
    uint8_t ttl; /* 0: the interface's default */
    struct tapir__packet_ring rx;
    struct tapir__packet_ring tx;
    int pending_error;
    struct tapir_raw_stats stats;
};

/* Initialise a socket for `protocol` over `version`. Returns 0, or TAPIR_EINVAL for a bad
 * version, a missing buffer, or (IPv6) a protocol number that names an extension header
 * (0, 43, 44, 50, 51, 60: the interface reads those itself). */
int tapir_raw_socket_init(struct tapir_raw_socket *s, enum tapir_ip_version version,
                          uint8_t protocol, void *rx_buf, size_t rx_len, void *tx_buf,
                          size_t tx_len);

/* Queue `len` bytes for `dst` (its version must be the socket's), sent at the next poll:
 * up to 65515 bytes over IPv4, 65535 over IPv6; the interface fragments. Returns `len`,
 * TAPIR_EAGAIN when the send buffer is full, TAPIR_EMSGSIZE when too long for the
 * protocol or the buffer, TAPIR_EINVAL for a destination of the other version. */
int tapir_raw_send(struct tapir_raw_socket *s, const struct tapir_ip_addr *dst, const void *data,
                   size_t len);
int tapir_raw_send_opts(struct tapir_raw_socket *s, const struct tapir_ip_addr *dst,
                        const void *data, size_t len, const struct tapir_raw_send_opts *opts);

/* Take the next datagram: copies up to `cap` bytes, returns its full length, or
 * TAPIR_EAGAIN. */
int tapir_raw_recv(struct tapir_raw_socket *s, struct tapir_raw_meta *meta, void *buf, size_t cap);

bool tapir_raw_can_recv(const struct tapir_raw_socket *s);
/* A send failure since the last call, then 0. */
int tapir_raw_take_error(struct tapir_raw_socket *s);
const struct tapir_raw_stats *tapir_raw_stats(const struct tapir_raw_socket *s);

#endif
