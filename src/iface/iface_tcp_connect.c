/* Active opens chosen by the interface: source address, ephemeral port (RFC 6056
 * Algorithm 4), ISN (RFC 6528) and MTU; and the ISN of passive opens. */
#include <string.h>

#include "../socket/tcp_internal.h"
#include "iface_tcp_scale.h"
#include "tapir/priv/tcp_isn.h"
#include "tapir/priv/tcp_port.h"
#include "tapir/socket/tcp_iface.h"

uint32_t tapir__iface_tcp_isn(const struct tapir_iface *iface, const struct tapir_ip_addr *local,
                              uint16_t lport, const struct tapir_ip_addr *remote, uint16_t rport,
                              tapir_instant now)
{
    struct tapir__tcp_tuple t;
    memset(&t, 0, sizeof t);
    t.local = *local;
    t.remote = *remote;
    t.local_port = lport;
    t.remote_port = rport;
    return tapir__tcp_isn(&iface->tcp.key, &t, now);
}

int tapir_iface_tcp_port_range(struct tapir_iface *iface, uint16_t min, uint16_t max)
{
    int rc = tapir__tcp_ports_init(&iface->tcp.ports, &iface->tcp.key, min, max);
    if (rc == 0)
        iface->tcp.ports_ready = true;
    return rc;
}

/* RFC 6056's check_suitable_port, inverted: does a connection of this interface already
 * use the tuple (in any state but CLOSED), or a TIME-WAIT record hold it? */
static bool port_in_use(void *ctx, const struct tapir__tcp_tuple *t)
{
    const struct tapir_iface *iface = ctx;
    return tapir__tcp_demux_find(iface, &t->remote, t->remote_port, &t->local, t->local_port,
                                 NULL) != NULL ||
           tapir__tcp_tw_holds(&iface->tcp_time_wait, &t->local, t->local_port, &t->remote,
                               t->remote_port);
}

int tapir_tcp_connect_iface(struct tapir_iface *iface, struct tapir_tcp_socket *s,
                            const struct tapir_tcp_endpoint *remote, tapir_instant now)
{
    if (s->state != TAPIR_TCP_CLOSED || remote->port == 0 ||
        (remote->addr.version != TAPIR_IP_V4 && remote->addr.version != TAPIR_IP_V6))
        return TAPIR_EINVAL;
    struct tapir_ip_addr src;
    int rc = tapir__select_source(iface, &remote->addr, &src);
    if (rc != 0)
        return rc;
    if (!iface->tcp.ports_ready) {
        rc = tapir_iface_tcp_port_range(iface, TAPIR_TCP_EPHEMERAL_MIN, TAPIR_TCP_EPHEMERAL_MAX);
        if (rc != 0)
            return rc;
    }
    struct tapir__tcp_tuple t;
    memset(&t, 0, sizeof t);
    t.local = src;
    t.remote = remote->addr;
    t.remote_port = remote->port;
    int port = tapir__tcp_port_pick(&iface->tcp.ports, &t, port_in_use, iface);
    if (port < 0)
        return port;
    struct tapir_tcp_endpoint local = {.addr = src, .port = (uint16_t)port};
    uint32_t isn = tapir__iface_tcp_isn(iface, &src, local.port, &remote->addr, remote->port, now);
    rc = tapir_tcp_connect(s, &local, remote, isn, iface->mtu, now);
    if (rc != 0)
        return rc;
    tapir_iface_add_socket(iface, &s->link);
    tapir__tcp_demux_track(iface, s, &s->link);
    return 0;
}
