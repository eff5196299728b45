/* UDP on the interface: binding (addresses and ports the interface owns), ingress
 * demultiplexing to sockets, egress of what they queued, and ICMP errors about their
 * datagrams. */
#include <string.h>

#include "iface_pseudo.h"
#include "../base/addr_internal.h"
#include "../socket/udp_internal.h"
#include "tapir/socket/raw.h"
#include "iface_udp.h"
#include "tapir/priv/tcp_isn.h"
#include "tapir/priv/tcp_port.h"
#include "tapir/socket/tcp_iface.h"
#include "tapir/wire/ipv4.h"
#include "tapir/wire/udp.h"

/* ---- bind ---- */

/* Two bindings of one port collide when they name the same address, or when one is
 * "any address" (version NONE) and the other a family's wildcard. */
static bool bindings_collide(const struct tapir_ip_addr *a, const struct tapir_ip_addr *b)
{
    if (a->version == TAPIR_IP_NONE || b->version == TAPIR_IP_NONE)
        return tapir__ip_is_wildcard(a) && tapir__ip_is_wildcard(b);
    return tapir_ip_equal(a, b);
}

struct port_ctx {
    const struct tapir_iface *iface;
    const struct tapir_udp_socket *self;
};

/* An ephemeral port is taken when any other UDP socket holds it, whatever its address:
 * a socket asking for "any port" wants one that is plainly its own. */
static bool udp_port_in_use(void *ctx, const struct tapir__tcp_tuple *t)
{
    const struct port_ctx *c = ctx;
    for (const struct tapir_socket_link *l = c->iface->sockets; l; l = l->next) {
        if (l->kind != TAPIR_SOCKET_UDP || l == &c->self->link)
            continue;
        if (((const struct tapir_udp_socket *)l)->local_port == t->local_port)
            return true;
    }
    return false;
}

int tapir_udp_bind(struct tapir_udp_socket *s, struct tapir_iface *iface,
                   const struct tapir_ip_addr *local, uint16_t port)
{
    if (!s || !iface || s->local_port != 0)
        return TAPIR_EINVAL;
    struct tapir_ip_addr addr;
    memset(&addr, 0, sizeof addr);
    if (local && local->version != TAPIR_IP_NONE) {
        if (local->version != TAPIR_IP_V4 && local->version != TAPIR_IP_V6)
            return TAPIR_EINVAL;
        addr = *local;
        bool ok = tapir__ip_is_wildcard(&addr) || tapir__ip_is_multicast(&addr) ||
                  tapir_iface_has_ip(iface, &addr) ||
                  (addr.version == TAPIR_IP_V4 && tapir__ipv4_is_broadcast(iface, &addr.v4));
        if (!ok)
            return TAPIR_ENOADDR;
    }
    if (port == 0) {
        /* RFC 6056 Algorithm 4 over the interface's ephemeral range (shared with TCP,
         * tapir_iface_tcp_port_range()). With no remote end the hash input is only our
         * address, so successive binds walk the range from a secret offset. */
        if (!iface->tcp.ports_ready) {
            int rc =
                tapir_iface_tcp_port_range(iface, TAPIR_TCP_EPHEMERAL_MIN, TAPIR_TCP_EPHEMERAL_MAX);
            if (rc != 0)
                return rc;
        }
        struct tapir__tcp_tuple t;
        memset(&t, 0, sizeof t);
        t.local = addr;
        struct port_ctx ctx = {iface, s};
        int p = tapir__tcp_port_pick(&iface->tcp.ports, &t, udp_port_in_use, &ctx);
        if (p < 0)
            return TAPIR_EADDRINUSE;
        port = (uint16_t)p;
    } else {
        for (const struct tapir_socket_link *l = iface->sockets; l; l = l->next) {
            if (l->kind != TAPIR_SOCKET_UDP || l == &s->link)
                continue;
            const struct tapir_udp_socket *o = (const struct tapir_udp_socket *)l;
            if (o->local_port == port && bindings_collide(&o->local, &addr))
                return TAPIR_EADDRINUSE;
        }
    }
    s->local = addr;
    s->local_port = port;
    return 0;
}

/* ---- ingress ---- */

void tapir__udp_input(struct tapir_iface *iface, tapir_instant now, const struct tapir__ip_info *ip,
                      const uint8_t *buf, size_t len)
{
    struct tapir_pseudo_header ph = tapir__pseudo(&ip->src, &ip->dst, TAPIR_IP_PROTO_UDP);
    struct tapir_udp_repr udp;
    /* Checksum 0 over IPv4 means none was computed and is accepted; over IPv6 it is
     * invalid (RFC 8200 §8.1) and the parser refuses it: both counted here. A checksum the
     * device vouched for, or left partial (offload: the kernel's own datagrams on a TAP
     * with IFF_VNET_HDR), is not verified again. */
    if (tapir_udp_parse(buf, len, ip->csum_trusted ? NULL : &ph, &udp) != 0) {
        tapir__drop(iface, TAPIR_DROP_UDP_MALFORMED);
        return;
    }
    struct tapir_udp_meta m;
    memset(&m, 0, sizeof m);
    m.remote = ip->src;
    m.remote_port = udp.src_port;
    m.local = ip->dst;
    m.local_port = udp.dst_port;
    m.ttl = ip->ttl;
    m.received_at = now;

    bool found = false;
    if (ip->dst_multicast) {
        /* Broadcast and multicast: a copy for every socket on the port whose binding
         * covers the destination (any address, or that group / broadcast address). */
        for (struct tapir_socket_link *l = iface->sockets; l; l = l->next) {
            if (l->kind != TAPIR_SOCKET_UDP)
                continue;
            struct tapir_udp_socket *s = (struct tapir_udp_socket *)l;
            if (tapir__udp_socket_accepts(s, &ip->dst, udp.dst_port)) {
                tapir__udp_socket_deliver(s, &m, udp.payload, udp.payload_len);
                found = true;
            }
        }
    } else {
        /* Unicast: the socket bound to this very address, else a wildcard one. */
        struct tapir_udp_socket *best = NULL;
        for (struct tapir_socket_link *l = iface->sockets; l; l = l->next) {
            if (l->kind != TAPIR_SOCKET_UDP)
                continue;
            struct tapir_udp_socket *s = (struct tapir_udp_socket *)l;
            if (!tapir__udp_socket_accepts(s, &ip->dst, udp.dst_port))
                continue;
            if (tapir__udp_socket_bound_to(s, &ip->dst)) {
                best = s;
                break;
            }
            if (!best)
                best = s;
        }
        if (best) {
            tapir__udp_socket_deliver(best, &m, udp.payload, udp.payload_len);
            found = true;
        }
    }
    if (found)
        return;
    tapir__drop(iface, TAPIR_DROP_NO_SOCKET);
    /* RFC 1122 §3.2.2.1 / RFC 4443 §3.1: port unreachable (never for broadcast or
     * multicast: tapir__icmp_error suppresses those). */
    bool v4 = ip->src.version == TAPIR_IP_V4;
    tapir__icmp_error(iface, now, ip, v4 ? 3 : 1, v4 ? 3 : 4, 0);
}

/* ---- egress ---- */

/* The source of one datagram: the one asked for, the socket's bound unicast address,
 * or the interface's choice; 0.0.0.0 for a broadcast when the interface has no IPv4
 * address yet (a DHCP client, RFC 2131 §4.1). */
static int choose_source(const struct tapir_iface *iface, const struct tapir_udp_socket *s,
                         const struct tapir__udp_tx *tx, struct tapir_ip_addr *src)
{
    if (tx->local.version != TAPIR_IP_NONE) {
        if (tapir__ip_is_wildcard(&tx->local) || tapir_iface_has_ip(iface, &tx->local)) {
            *src = tx->local;
            return 0;
        }
        return TAPIR_ENOADDR;
    }
    if (s->local.version == tx->remote.version && tapir_iface_has_ip(iface, &s->local)) {
        *src = s->local;
        return 0;
    }
    int rc = tapir__select_source(iface, &tx->remote, src);
    if (rc != 0 && tapir__ip_is_limited_broadcast(&tx->remote)) {
        memset(src, 0, sizeof *src);
        src->version = TAPIR_IP_V4;
        return 0;
    }
    return rc;
}

static int send_datagram(struct tapir_iface *iface, tapir_instant now,
                         const struct tapir_udp_socket *s, const struct tapir__udp_tx *tx)
{
    if (tx->remote.version == TAPIR_IP_V4 && !s->broadcast &&
        tapir__ipv4_is_broadcast(iface, &tx->remote.v4))
        return TAPIR_EINVAL; /* a directed broadcast without `broadcast` set */
    struct tapir_ip_addr src;
    int rc = choose_source(iface, s, tx, &src);
    if (rc != 0) {
        tapir__drop(iface, TAPIR_DROP_NO_SOURCE);
        return rc;
    }
    struct tapir_udp_repr udp = {
        .src_port = s->local_port,
        .dst_port = tx->remote_port,
        .payload = tx->data,
        .payload_len = tx->len,
    };
    struct tapir_pseudo_header ph = tapir__pseudo(&src, &tx->remote, TAPIR_IP_PROTO_UDP);
    int n = tapir_udp_emit(&udp, &ph, iface->datagram + TAPIR__IP_ROOM, 65535);
    if (n < 0)
        return TAPIR_EMSGSIZE;
    const uint8_t *dg;
    int len =
        tapir__finish_ip(iface, &src, &tx->remote, TAPIR_IP_PROTO_UDP, tx->ttl, (size_t)n, &dg);
    if (len < 0)
        return TAPIR_EMSGSIZE;
    return tapir__send_ip(iface, now, dg, (size_t)len);
}

void tapir__udp_sockets_poll(struct tapir_iface *iface, tapir_instant now)
{
    for (struct tapir_socket_link *l = iface->sockets; l; l = l->next) {
        if (l->kind != TAPIR_SOCKET_UDP)
            continue;
        struct tapir_udp_socket *s = (struct tapir_udp_socket *)l;
        struct tapir__udp_tx tx;
        /* The queue always drains: a datagram whose neighbour is unresolved waits in the
         * neighbour queue (one per neighbour, as ARP asks, RFC 1122 §2.3.2.2). */
        while (tapir__udp_socket_peek_tx(s, &tx)) {
            int rc = send_datagram(iface, now, s, &tx);
            tapir__udp_socket_tx_done(s, rc);
        }
    }
    tapir__raw_sockets_poll(iface, now);
}

bool tapir__udp_raw_tx_pending(const struct tapir_iface *iface)
{
    for (const struct tapir_socket_link *l = iface->sockets; l; l = l->next) {
        if (l->kind == TAPIR_SOCKET_UDP && ((const struct tapir_udp_socket *)l)->tx.count > 0)
            return true;
        if (l->kind == TAPIR_SOCKET_RAW && ((const struct tapir_raw_socket *)l)->tx.count > 0)
            return true;
    }
    return false;
}

/* ---- ICMP errors about our datagrams ---- */

/* What an ICMP error means for the socket (as Linux maps them for UDP): port unreachable
 * is a refusal, too big a size error, the rest an unreachable destination. 0: not
 * reported (source quench, redirects). */
static int error_code(uint8_t version, uint8_t type, uint8_t code)
{
    if (version == TAPIR_IP_V4) {
        if (type == 3)
            return code == 3 ? TAPIR_ECONNREFUSED : code == 4 ? TAPIR_EMSGSIZE : TAPIR_EHOSTUNREACH;
        return type == 11 || type == 12 ? TAPIR_EHOSTUNREACH : 0;
    }
    if (type == 1)
        return code == 4 ? TAPIR_ECONNREFUSED : TAPIR_EHOSTUNREACH;
    if (type == 2)
        return TAPIR_EMSGSIZE;
    return type == 3 || type == 4 ? TAPIR_EHOSTUNREACH : 0;
}

/* The socket that sent local:lport -> remote:rport, told of the error. */
static bool report(struct tapir_iface *iface, tapir_instant now, const struct tapir__ip_info *ip,
                   uint8_t type, uint8_t code, uint32_t info, const struct tapir_ip_addr *local,
                   const struct tapir_ip_addr *remote, const uint8_t *udp, size_t udp_len)
{
    if (udp_len < 4)
        return false;
    uint8_t version = ip->src.version;
    int err = error_code(version, type, code);
    if (err == 0)
        return false;
    uint16_t lport = (uint16_t)(udp[0] << 8 | udp[1]);
    uint16_t rport = (uint16_t)(udp[2] << 8 | udp[3]);
    for (struct tapir_socket_link *l = iface->sockets; l; l = l->next) {
        if (l->kind != TAPIR_SOCKET_UDP)
            continue;
        struct tapir_udp_socket *s = (struct tapir_udp_socket *)l;
        /* The quoted source is the address we sent from: ours, or 0.0.0.0. */
        if (!tapir__udp_socket_accepts(s, local, lport))
            continue;
        struct tapir_udp_icmp_error e;
        memset(&e, 0, sizeof e);
        e.from = ip->src;
        e.remote = *remote;
        e.remote_port = rport;
        e.version = version;
        e.type = type;
        e.code = code;
        e.info = info;
        e.received_at = now;
        tapir__udp_socket_icmp(s, &e, err);
        return true;
    }
    return false;
}

bool tapir__udp_icmpv4_error(struct tapir_iface *iface, tapir_instant now,
                             const struct tapir__ip_info *ip, uint8_t type, uint8_t code,
                             uint32_t info, const uint8_t *quote, size_t quote_len)
{
    struct tapir_ipv4_repr q;
    if (tapir_ipv4_quoted_parse(quote, quote_len, &q) != 0 || q.protocol != TAPIR_IP_PROTO_UDP ||
        q.frag_offset != 0)
        return false;
    struct tapir_ip_addr local = {.version = TAPIR_IP_V4, .v4 = q.src};
    struct tapir_ip_addr remote = {.version = TAPIR_IP_V4, .v4 = q.dst};
    return report(iface, now, ip, type, code, info, &local, &remote, q.payload, q.payload_len);
}

bool tapir__udp_icmpv6_error(struct tapir_iface *iface, tapir_instant now,
                             const struct tapir__ip_info *ip, uint8_t type, uint8_t code,
                             uint32_t info, const uint8_t *quote, size_t quote_len)
{
    if (quote_len < 40 || (quote[0] >> 4) != 6)
        return false;
    struct tapir_ip_addr local = {.version = TAPIR_IP_V6};
    struct tapir_ip_addr remote = {.version = TAPIR_IP_V6};
    memcpy(local.v6.bytes, quote + 8, 16);
    memcpy(remote.v6.bytes, quote + 24, 16);
    const uint8_t *upper = quote + 40;
    size_t upper_len = quote_len - 40;
    /* We send no extension headers but the Fragment header (RFC 8200 §4.5); an error
     * about a fragmented datagram quotes its first fragment. */
    uint8_t next = quote[6];
    if (next == 44) {
        if (upper_len < 8 || (((upper[2] << 8) | upper[3]) & 0xfff8) != 0)
            return false;
        next = upper[0];
        upper += 8;
        upper_len -= 8;
    }
    if (next != TAPIR_IP_PROTO_UDP)
        return false;
    return report(iface, now, ip, type, code, info, &local, &remote, upper, upper_len);
}
