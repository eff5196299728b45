/* UDP services for tapir-host: one socket bound to every address of both IP versions on
 * one port, served after each interface poll. */
#ifndef TAPIR_APPS_UDP_SERVICE_H
#define TAPIR_APPS_UDP_SERVICE_H

#include <stdint.h>

#include "tapir/iface.h"
#include "tapir/socket/udp.h"

enum udp_service_kind {
    UDP_SERVICE_ECHO, /* RFC 862: each datagram goes back to its sender */
};

struct udp_service {
    enum udp_service_kind kind;
    uint16_t port;
    struct tapir_udp_socket sock;
    uint8_t *mem;
    uint64_t datagrams_in, bytes_in, datagrams_out, bytes_out;
};

/* Bind `port` on every address (IPv4 and IPv6) with queues of `buffer` bytes each way.
 * Returns 0 or a TAPIR_E* code. */
int udp_service_start(struct udp_service *svc, struct tapir_iface *iface,
                      enum udp_service_kind kind, uint16_t port, size_t buffer);

/* Serve what has arrived (call after each interface poll). A datagram waits in the
 * receive queue while the send queue has no room for its answer. */
void udp_service_run(struct udp_service *svc, tapir_instant now);

/* "udp_echo_datagrams_in N" etc. on stderr, with the socket's counters. */
void udp_service_print_counters(const struct udp_service *svc);

void udp_service_stop(struct udp_service *svc, struct tapir_iface *iface);

#endif
