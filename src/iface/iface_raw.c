/* Raw IP sockets on the interface: copies of each datagram of their protocol, and the
 * payloads they queue wrapped in IP headers. */
#include <string.h>

#include "../socket/raw_internal.h"
#include "iface_udp.h"

bool tapir__raw_input(struct tapir_iface *iface, tapir_instant now, const struct tapir__ip_info *ip,
                      uint8_t protocol, const uint8_t *payload, size_t len)
{
    bool taken = false;
    for (struct tapir_socket_link *l = iface->sockets; l; l = l->next) {
        if (l->kind != TAPIR_SOCKET_RAW)
            continue;
        struct tapir_raw_socket *s = (struct tapir_raw_socket *)l;
        if (s->version != ip->src.version || s->protocol != protocol)
            continue;
        struct tapir_raw_meta m;
        memset(&m, 0, sizeof m);
        m.src = ip->src;
        m.dst = ip->dst;
        m.protocol = protocol;
        m.ttl = ip->ttl;
        m.received_at = now;
        tapir__raw_socket_deliver(s, &m, payload, len);
        taken = true;
    }
    return taken;
}

static int send_raw(struct tapir_iface *iface, tapir_instant now, const struct tapir_raw_socket *s,
                    const struct tapir__raw_tx *tx)
{
    struct tapir_ip_addr src;
    if (tx->local.version != TAPIR_IP_NONE) {
        if (!tapir_iface_has_ip(iface, &tx->local)) {
            tapir__drop(iface, TAPIR_DROP_NO_SOURCE);
            return TAPIR_ENOADDR;
        }
        src = tx->local;
    } else if (tapir__select_source(iface, &tx->dst, &src) != 0) {
        tapir__drop(iface, TAPIR_DROP_NO_SOURCE);
        return TAPIR_ENOADDR;
    }
    memcpy(iface->datagram + TAPIR__IP_ROOM, tx->data, tx->len);
    const uint8_t *dg;
    int len = tapir__finish_ip(iface, &src, &tx->dst, s->protocol, tx->ttl, tx->len, &dg);
    if (len < 0)
        return TAPIR_EMSGSIZE;
    return tapir__send_ip(iface, now, dg, (size_t)len);
}

void tapir__raw_sockets_poll(struct tapir_iface *iface, tapir_instant now)
{
    for (struct tapir_socket_link *l = iface->sockets; l; l = l->next) {
        if (l->kind != TAPIR_SOCKET_RAW)
            continue;
        struct tapir_raw_socket *s = (struct tapir_raw_socket *)l;
        struct tapir__raw_tx tx;
        while (tapir__raw_socket_peek_tx(s, &tx)) {
            int rc = send_raw(iface, now, s, &tx);
            tapir__raw_socket_tx_done(s, rc);
        }
    }
}
