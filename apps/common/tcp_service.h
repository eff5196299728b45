/* TCP services for tapir-host: a listener per IP version on one port, a pool of
 * connection sockets, and a handler run on each connection every loop round. */
#ifndef TAPIR_APPS_TCP_SERVICE_H
#define TAPIR_APPS_TCP_SERVICE_H

#include <stdint.h>
#include <stdio.h>

#include "http.h"
#include "tapir/iface.h"
#include "tapir/socket/tcp.h"

enum tcp_service_kind {
    TCP_SERVICE_ECHO,    /* RFC 862: what comes in goes back */
    TCP_SERVICE_DISCARD, /* RFC 863: what comes in is dropped */
    TCP_SERVICE_SOURCE,  /* RFC 864-like: bytes i mod 251 until the peer closes */
    TCP_SERVICE_HTTP,    /* HTTP/1.1 (http.c) */
};

struct tcp_service_conn {
    struct tapir_tcp_socket *sock;
    uint64_t sent; /* for SOURCE: position in the pattern */
};

struct tcp_service {
    enum tcp_service_kind kind;
    const char *name;
    uint16_t port;
    unsigned pool_size;                   /* connections per IP version */
    const char *root;                     /* HTTP: the directory served */
    struct tapir_tcp_socket listeners[2]; /* IPv4, IPv6 */
    struct tapir_tcp_socket *pool[2];     /* pool_size sockets each */
    struct tapir_tcp_socket **backlog[2];
    struct tcp_service_conn *conns; /* 2 * pool_size */
    struct http_conn *http;         /* HTTP: one per connection slot */
    struct http_stats http_stats;
    uint8_t *mem;
    uint64_t connections, bytes_in, bytes_out;
    uint64_t retransmissions, rto_expirations; /* summed over finished connections */
    FILE *trace;                               /* tcp_service_trace_to() */
};

/* Listen on `port` over IPv4 and IPv6 with `pool_size` connection sockets per version
 * (buffers of `buffer` bytes each way). `root` is the HTTP directory (NULL otherwise).
 * Returns 0 or a TAPIR_E* code. */
int tcp_service_start(struct tcp_service *svc, struct tapir_iface *iface,
                      enum tcp_service_kind kind, uint16_t port, unsigned pool_size, size_t buffer,
                      const char *root);

/* Serve every connection once (call after each interface poll). */
void tcp_service_run(struct tcp_service *svc, tapir_instant now);

/* "service_<name>_connections N" etc. on stderr. */
void tcp_service_print_counters(const struct tcp_service *svc);

void tcp_service_stop(struct tcp_service *svc, struct tapir_iface *iface);

/* Write a CSV line (tapir_tcp_trace_csv) to `out` at every ACK any of the service's
 * connections takes, each prefixed with the service name and the remote port. */
void tcp_service_trace_to(struct tcp_service *svc, FILE *out);

#endif
