/* tapir — ICMP echo sockets, IPv4 and IPv6: what ping needs.
 *
 * A socket sends echo requests with its identifier and receives, in order: the echo
 * replies carrying that identifier, and the ICMP errors (destination unreachable, time
 * exceeded, packet too big, parameter problem) whose quoted packet is one of its echo
 * requests. Both queues live in buffers the caller provides; the socket keeps pointers
 * to them until it is closed. Records are copied in and out: nothing points into frames.
 */
#ifndef TAPIR_SOCKET_ICMP_H
#define TAPIR_SOCKET_ICMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tapir/addr.h"
#include "tapir/priv/packet_ring.h"
#include "tapir/socket.h"
#include "tapir/time.h"

/* What one received message was. */
struct tapir_icmp_meta {
    struct tapir_ip_addr src; /* who sent it (for errors: the reporting router/host) */
    struct tapir_ip_addr dst;
    uint8_t type, code;  /* ICMP or ICMPv6 type and code */
    uint8_t ttl;         /* IPv4 TTL / IPv6 hop limit of the message */
    uint16_t ident, seq; /* of the reply, or of the echo request an error quotes */
    uint32_t info;       /* next-hop MTU (frag needed / packet too big), pointer */
    tapir_instant received_at;
};

struct tapir_icmp_stats {
    uint64_t requests_sent, replies_received, errors_received;
    uint64_t rx_dropped_full; /* arrived while the receive buffer was full */
    uint64_t tx_failed;       /* no route, no source address, ... */
};

struct tapir_icmp_socket {
    struct tapir_socket_link link; /* first: the interface's list */
    uint8_t version;               /* TAPIR_IP_V4 or TAPIR_IP_V6 */
    uint16_t ident;
    uint8_t hop_limit; /* 0: the interface's default */
    struct tapir__packet_ring rx;
    struct tapir__packet_ring tx;
    int last_error; /* the last send failure, reported once by send */
    struct tapir_icmp_stats stats;
};

/* Initialise an echo socket for one IP version with identifier `ident` (ping uses its
 * pid; a caller may draw it from its rng). rx_buf/tx_buf hold queued messages: each
 * message takes its data length plus about 64 bytes. Returns 0 or TAPIR_EINVAL. */
int tapir_icmp_socket_init(struct tapir_icmp_socket *s, enum tapir_ip_version version,
                           uint16_t ident, void *rx_buf, size_t rx_len, void *tx_buf,
                           size_t tx_len);

/* Queue an echo request to `dst` with sequence `seq` and `len` bytes of data (up to
 * 65507 for IPv4, 65487 for IPv6 without jumbograms; larger than the MTU is fragmented).
 * Sent at the next tapir_iface_poll(). TAPIR_EAGAIN when the send buffer is full,
 * TAPIR_EINVAL for a destination of the other family or an oversize payload. */
int tapir_icmp_send_echo(struct tapir_icmp_socket *s, const struct tapir_ip_addr *dst, uint16_t seq,
                         const void *data, size_t len);

/* Take the next received message: copies up to `cap` bytes of its data (for a reply, the
 * echo data; for an error, the quoted packet) and returns the full data length, or
 * TAPIR_EAGAIN when nothing is queued. */
int tapir_icmp_recv(struct tapir_icmp_socket *s, struct tapir_icmp_meta *meta, void *buf,
                    size_t cap);

bool tapir_icmp_can_recv(const struct tapir_icmp_socket *s);
/* A send error seen since the last call (TAPIR_ENOROUTE, ...), then 0. */
int tapir_icmp_take_error(struct tapir_icmp_socket *s);
const struct tapir_icmp_stats *tapir_icmp_stats(const struct tapir_icmp_socket *s);

#endif
