/* UDP sockets (RFC 768): queues of whole datagrams in caller buffers, the checks a send
 * must pass, and what the interface hands in (datagrams, ICMP errors). Binding needs the
 * interface's addresses and sockets, so tapir_udp_bind() lives in src/iface/iface_udp.c. */
#include <string.h>

#include "../base/addr_internal.h"
#include "tapir/error.h"
#include "udp_internal.h"

/* The largest payloads: an IPv4 datagram of 65535 bytes less 20 (IP) and 8 (UDP); an
 * IPv6 payload length of 65535 less 8 (UDP), no jumbograms (RFC 2675). */
#define MAX_PAYLOAD_V4 65507u
#define MAX_PAYLOAD_V6 65527u

/* Records carry their metadata packed into bytes, so that header + metadata + padding stay
 * within TAPIR_UDP_RECORD_OVERHEAD (the packet ring adds an 8-byte header and pads to 8). */
#define ADDR_LEN    17 /* version, 16 address bytes */
#define RX_META_LEN 48
#define TX_META_LEN 40
_Static_assert(8 + RX_META_LEN + 7 <= TAPIR_UDP_RECORD_OVERHEAD, "rx record overhead");
_Static_assert(8 + TX_META_LEN + 7 <= TAPIR_UDP_RECORD_OVERHEAD, "tx record overhead");

static void put_addr(uint8_t *p, const struct tapir_ip_addr *a)
{
    memset(p, 0, ADDR_LEN);
    p[0] = a->version;
    if (a->version == TAPIR_IP_V4)
        memcpy(p + 1, a->v4.bytes, 4);
    else if (a->version == TAPIR_IP_V6)
        memcpy(p + 1, a->v6.bytes, 16);
}

static void get_addr(const uint8_t *p, struct tapir_ip_addr *a)
{
    memset(a, 0, sizeof *a);
    a->version = p[0];
    if (a->version == TAPIR_IP_V4)
        memcpy(a->v4.bytes, p + 1, 4);
    else if (a->version == TAPIR_IP_V6)
        memcpy(a->v6.bytes, p + 1, 16);
}

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static uint16_t get16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

int tapir_udp_socket_init(struct tapir_udp_socket *s, void *rx_buf, size_t rx_len, void *tx_buf,
                          size_t tx_len)
{
    if (!s || !rx_buf || !tx_buf)
        return TAPIR_EINVAL;
    memset(s, 0, sizeof *s);
    s->link.kind = TAPIR_SOCKET_UDP;
    tapir__packet_ring_init(&s->rx, rx_buf, rx_len);
    tapir__packet_ring_init(&s->tx, tx_buf, tx_len);
    return 0;
}

int tapir_udp_send(struct tapir_udp_socket *s, const struct tapir_ip_addr *remote, uint16_t port,
                   const void *data, size_t len)
{
    return tapir_udp_send_opts(s, remote, port, data, len, NULL);
}

int tapir_udp_send_opts(struct tapir_udp_socket *s, const struct tapir_ip_addr *remote,
                        uint16_t port, const void *data, size_t len,
                        const struct tapir_udp_send_opts *opts)
{
    if (s->local_port == 0 || !remote || port == 0 || (len > 0 && !data))
        return TAPIR_EINVAL;
    if (remote->version != TAPIR_IP_V4 && remote->version != TAPIR_IP_V6)
        return TAPIR_EINVAL;
    if (tapir__ip_is_wildcard(remote))
        return TAPIR_EINVAL;
    /* A socket bound to one family's address speaks only that family. */
    if (s->local.version != TAPIR_IP_NONE && s->local.version != remote->version)
        return TAPIR_EINVAL;
    if (len > (remote->version == TAPIR_IP_V4 ? MAX_PAYLOAD_V4 : MAX_PAYLOAD_V6))
        return TAPIR_EMSGSIZE;
    /* SO_BROADCAST's rule: broadcast only when asked for (a directed broadcast is
     * recognised by the interface, which knows the prefixes, and fails the same way). */
    if (tapir__ip_is_limited_broadcast(remote) && !s->broadcast)
        return TAPIR_EINVAL;
    struct tapir_ip_addr local;
    memset(&local, 0, sizeof local);
    uint8_t ttl = 0;
    if (opts) {
        local = opts->local;
        ttl = opts->ttl;
        if (local.version != TAPIR_IP_NONE) {
            if (local.version != remote->version || tapir__ip_is_multicast(&local))
                return TAPIR_EINVAL;
            /* 0.0.0.0 as a source: only by a host that has no address yet, to the limited
             * broadcast (RFC 1122 §3.2.1.3, RFC 2131 §4.1). "::" is never a UDP source. */
            if (tapir__ip_is_wildcard(&local) &&
                (local.version == TAPIR_IP_V6 || !tapir__ip_is_limited_broadcast(remote)))
                return TAPIR_EINVAL;
        }
    }
    if (ttl == 0)
        ttl = tapir__ip_is_multicast(remote) ? (s->multicast_ttl ? s->multicast_ttl : 1) : s->ttl;

    uint8_t m[TX_META_LEN];
    memset(m, 0, sizeof m);
    put_addr(m, remote);
    put_addr(m + ADDR_LEN, &local);
    put16(m + 2 * ADDR_LEN, port);
    m[2 * ADDR_LEN + 2] = ttl;
    if (!tapir__packet_ring_fits(&s->tx, sizeof m, len)) {
        /* One that could never fit, even in an empty buffer, is too long for this socket. */
        if (len + TAPIR_UDP_RECORD_OVERHEAD > s->tx.cap)
            return TAPIR_EMSGSIZE;
        return TAPIR_EAGAIN;
    }
    tapir__packet_ring_push(&s->tx, m, sizeof m, data, len);
    return (int)len;
}

int tapir_udp_recv(struct tapir_udp_socket *s, struct tapir_udp_meta *meta, void *buf, size_t cap)
{
    const uint8_t *m, *data;
    size_t len;
    if (!tapir__packet_ring_peek(&s->rx, RX_META_LEN, &m, &data, &len))
        return TAPIR_EAGAIN;
    if (meta) {
        memset(meta, 0, sizeof *meta);
        get_addr(m, &meta->remote);
        get_addr(m + ADDR_LEN, &meta->local);
        meta->remote_port = get16(m + 2 * ADDR_LEN);
        meta->local_port = get16(m + 2 * ADDR_LEN + 2);
        meta->ttl = m[2 * ADDR_LEN + 4];
        memcpy(&meta->received_at, m + 40, sizeof meta->received_at);
    }
    return (int)tapir__packet_ring_pop_into(&s->rx, buf, cap);
}

bool tapir_udp_can_recv(const struct tapir_udp_socket *s)
{
    return s->rx.count > 0;
}

bool tapir_udp_can_send(const struct tapir_udp_socket *s, size_t len)
{
    return tapir__packet_ring_fits(&s->tx, TX_META_LEN, len);
}

int tapir_udp_take_error(struct tapir_udp_socket *s)
{
    int e = s->pending_error;
    s->pending_error = 0;
    return e;
}

bool tapir_udp_last_icmp(const struct tapir_udp_socket *s, struct tapir_udp_icmp_error *out)
{
    if (!s->has_last_icmp)
        return false;
    if (out)
        *out = s->last_icmp;
    return true;
}

const struct tapir_udp_stats *tapir_udp_stats(const struct tapir_udp_socket *s)
{
    return &s->stats;
}

void tapir_udp_close(struct tapir_udp_socket *s)
{
    memset(&s->local, 0, sizeof s->local);
    s->local_port = 0;
    tapir__packet_ring_init(&s->rx, s->rx.buf, s->rx.cap);
    tapir__packet_ring_init(&s->tx, s->tx.buf, s->tx.cap);
    s->pending_error = 0;
}

/* ---- the interface's side ---- */

bool tapir__udp_socket_accepts(const struct tapir_udp_socket *s, const struct tapir_ip_addr *dst,
                               uint16_t port)
{
    if (s->local_port == 0 || s->local_port != port)
        return false;
    if (s->local.version == TAPIR_IP_NONE)
        return true;
    if (s->local.version != dst->version)
        return false;
    return tapir__ip_is_wildcard(&s->local) || tapir_ip_equal(&s->local, dst);
}

bool tapir__udp_socket_bound_to(const struct tapir_udp_socket *s, const struct tapir_ip_addr *dst)
{
    return s->local.version != TAPIR_IP_NONE && !tapir__ip_is_wildcard(&s->local) &&
           tapir_ip_equal(&s->local, dst);
}

bool tapir__udp_socket_deliver(struct tapir_udp_socket *s, const struct tapir_udp_meta *meta,
                               const uint8_t *data, size_t len)
{
    uint8_t m[RX_META_LEN];
    memset(m, 0, sizeof m);
    put_addr(m, &meta->remote);
    put_addr(m + ADDR_LEN, &meta->local);
    put16(m + 2 * ADDR_LEN, meta->remote_port);
    put16(m + 2 * ADDR_LEN + 2, meta->local_port);
    m[2 * ADDR_LEN + 4] = meta->ttl;
    memcpy(m + 40, &meta->received_at, sizeof meta->received_at);
    if (tapir__packet_ring_push(&s->rx, m, sizeof m, data, len) != 0) {
        s->stats.rx_dropped_full++;
        return false;
    }
    s->stats.datagrams_received++;
    s->stats.bytes_received += len;
    return true;
}

bool tapir__udp_socket_peek_tx(const struct tapir_udp_socket *s, struct tapir__udp_tx *out)
{
    const uint8_t *m, *data;
    size_t len;
    if (!tapir__packet_ring_peek(&s->tx, TX_META_LEN, &m, &data, &len))
        return false;
    get_addr(m, &out->remote);
    get_addr(m + ADDR_LEN, &out->local);
    out->remote_port = get16(m + 2 * ADDR_LEN);
    out->ttl = m[2 * ADDR_LEN + 2];
    out->data = data;
    out->len = len;
    return true;
}

void tapir__udp_socket_tx_done(struct tapir_udp_socket *s, int rc)
{
    size_t len = tapir__packet_ring_pop_into(&s->tx, NULL, 0); /* 0: nothing was queued */
    if (rc == 0) {
        s->stats.datagrams_sent++;
        s->stats.bytes_sent += len;
    } else {
        s->stats.tx_failed++;
        s->pending_error = rc;
    }
}

void tapir__udp_socket_icmp(struct tapir_udp_socket *s, const struct tapir_udp_icmp_error *e,
                            int code)
{
    s->last_icmp = *e;
    s->has_last_icmp = true;
    s->pending_error = code;
    s->stats.icmp_errors++;
}
