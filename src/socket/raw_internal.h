/* Internal: how the interface drives raw IP sockets (src/iface/iface_raw.c). */
#ifndef TAPIR_SOCKET_RAW_INTERNAL_H
#define TAPIR_SOCKET_RAW_INTERNAL_H

#include "tapir/socket/raw.h"

struct tapir__raw_tx {
    struct tapir_ip_addr dst;
    struct tapir_ip_addr local; /* version NONE: the interface chooses */
    uint8_t ttl;
    const uint8_t *data;
    size_t len;
};

/* Queue a received datagram (copied); counts rx_dropped_full when there is no room. */
void tapir__raw_socket_deliver(struct tapir_raw_socket *s, const struct tapir_raw_meta *m,
                               const uint8_t *data, size_t len);
bool tapir__raw_socket_peek_tx(const struct tapir_raw_socket *s, struct tapir__raw_tx *out);
void tapir__raw_socket_tx_done(struct tapir_raw_socket *s, int rc);

#endif
