/* TCP services for tapir-host: a listener per IP version on one port, a pool of
 * connection sockets, and a handler run on each connection every loop round. */
#ifndef TAPIR_APPS_TCP_SERVICE_H
#define TAPIR_APPS_TCP_SERVICE_H

#include <stdint.h>

#include "tapir/iface.h"
#include "tapir/socket/tcp.h"

enum tcp_service_kind {
    TCP_SERVICE_ECHO,    /* RFC 862: what comes in goes back */
    TCP_SERVICE_DISCARD, /* RFC 863: what comes in is dropped */
    TCP_SERVICE_SOURCE,  /* RFC 864-like: bytes i mod 251 until the peer closes */
};

#define TCP_SERVICE_POOL 32

struct tcp_service_conn {
    struct tapir_tcp_socket *sock;
    uint64_t sent; /* for SOURCE: position in the pattern */
};

struct tcp_service {
    enum tcp_service_kind kind;
    const char *name;
    uint16_t port;
    struct tapir_tcp_socket listeners[2]; /* IPv4, IPv6 */
    struct tapir_tcp_socket pool[2][TCP_SERVICE_POOL];
    struct tapir_tcp_socket *backlog[2][TCP_SERVICE_POOL];
    struct tcp_service_conn conns[2 * TCP_SERVICE_POOL];
    uint8_t *mem;
    uint64_t connections, bytes_in, bytes_out;
};

/* Listen on `port` over IPv4 and IPv6. Returns 0 or a TAPIR_E* / -errno. */
int tcp_service_start(struct tcp_service *svc, struct tapir_iface *iface,
                      enum tcp_service_kind kind, uint16_t port);

/* Serve every connection once (call after each interface poll). */
void tcp_service_run(struct tcp_service *svc);

/* "service_<name>_connections N" etc. on stderr. */
void tcp_service_print_counters(const struct tcp_service *svc);

void tcp_service_stop(struct tcp_service *svc, struct tapir_iface *iface);

#endif
