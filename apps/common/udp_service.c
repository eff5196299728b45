/* The UDP echo service of tapir-host. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tapir/error.h"
#include "udp_service.h"

#define MAX_DATAGRAM 65527 /* the largest UDP payload over IPv6 */

static const char *const names[] = {"echo"};

int udp_service_start(struct udp_service *svc, struct tapir_iface *iface,
                      enum udp_service_kind kind, uint16_t port, size_t buffer)
{
    memset(svc, 0, sizeof *svc);
    svc->kind = kind;
    svc->port = port;
    svc->mem = malloc(2 * buffer);
    if (!svc->mem)
        return TAPIR_ENOBUFS;
    int rc = tapir_udp_socket_init(&svc->sock, svc->mem, buffer, svc->mem + buffer, buffer);
    if (rc == 0)
        rc = tapir_udp_bind(&svc->sock, iface, NULL, port);
    if (rc != 0)
        return rc;
    tapir_iface_add_socket(iface, &svc->sock.link);
    return 0;
}

void udp_service_run(struct udp_service *svc, tapir_instant now)
{
    (void)now;
    static uint8_t buf[MAX_DATAGRAM];
    /* The peek would need the length before the read: reserve room for the largest. */
    while (tapir_udp_can_recv(&svc->sock) && tapir_udp_can_send(&svc->sock, MAX_DATAGRAM)) {
        struct tapir_udp_meta m;
        int n = tapir_udp_recv(&svc->sock, &m, buf, sizeof buf);
        if (n < 0)
            break;
        svc->datagrams_in++;
        svc->bytes_in += (uint64_t)n;
        /* The interface chooses the source: the address on the client's prefix, so a
         * client that sent to one of ours hears back from it. */
        if (tapir_udp_send(&svc->sock, &m.remote, m.remote_port, buf, (size_t)n) == n) {
            svc->datagrams_out++;
            svc->bytes_out += (uint64_t)n;
        }
    }
    (void)tapir_udp_take_error(&svc->sock); /* an unreachable client is the client's loss */
}

void udp_service_print_counters(const struct udp_service *svc)
{
    const char *name = names[svc->kind];
    const struct tapir_udp_stats *s = tapir_udp_stats(&svc->sock);
    fprintf(stderr, "udp_%s_datagrams_in %llu\n", name, (unsigned long long)svc->datagrams_in);
    fprintf(stderr, "udp_%s_bytes_in %llu\n", name, (unsigned long long)svc->bytes_in);
    fprintf(stderr, "udp_%s_datagrams_out %llu\n", name, (unsigned long long)svc->datagrams_out);
    fprintf(stderr, "udp_%s_bytes_out %llu\n", name, (unsigned long long)svc->bytes_out);
    fprintf(stderr, "udp_%s_rx_dropped_full %llu\n", name, (unsigned long long)s->rx_dropped_full);
    fprintf(stderr, "udp_%s_tx_failed %llu\n", name, (unsigned long long)s->tx_failed);
    fprintf(stderr, "udp_%s_icmp_errors %llu\n", name, (unsigned long long)s->icmp_errors);
}

void udp_service_stop(struct udp_service *svc, struct tapir_iface *iface)
{
    tapir_iface_remove_socket(iface, &svc->sock.link);
    tapir_udp_close(&svc->sock);
    free(svc->mem);
    svc->mem = NULL;
}
