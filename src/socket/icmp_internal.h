/* Internal: how the interface drives ICMP echo sockets. */
#ifndef TAPIR_SOCKET_ICMP_INTERNAL_H
#define TAPIR_SOCKET_ICMP_INTERNAL_H

#include "tapir/socket/icmp.h"

/* One queued echo request. */
struct tapir__icmp_tx {
    struct tapir_ip_addr dst;
    uint16_t seq;
    uint8_t hop_limit;
    const uint8_t *data;
    size_t len;
};

/* Does `s` take echo replies / quoted requests of this version and identifier? */
bool tapir__icmp_socket_matches(const struct tapir_icmp_socket *s, uint8_t version, uint16_t ident);

/* Queue a received reply or error (copied). Counts a drop when the buffer is full. */
void tapir__icmp_socket_deliver(struct tapir_icmp_socket *s, const struct tapir_icmp_meta *m,
                                const uint8_t *data, size_t len);

/* The oldest request waiting to be sent, if any (valid until tx_done). */
bool tapir__icmp_socket_peek_tx(const struct tapir_icmp_socket *s, struct tapir__icmp_tx *out);

/* The interface has handled that request: `rc` 0 if it went out (or was queued for a
 * neighbour), a TAPIR_E* if it could not be sent. */
void tapir__icmp_socket_tx_done(struct tapir_icmp_socket *s, int rc);

#endif
