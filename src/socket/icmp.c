/* ICMP echo sockets: queues of requests to send and of replies and errors received. */
#include <string.h>

#include "icmp_internal.h"
#include "tapir/error.h"

/* Largest echo data: a 65535-byte IPv4 datagram less 20 (IP) and 8 (ICMP); IPv6 payload
 * length 65535 less 8 (ICMPv6) -- no jumbograms (RFC 2675). */
#define MAX_ECHO_DATA_V4 65507u
#define MAX_ECHO_DATA_V6 65527u

struct tx_meta {
    struct tapir_ip_addr dst;
    uint16_t seq;
    uint8_t hop_limit;
};

int tapir_icmp_socket_init(struct tapir_icmp_socket *s, enum tapir_ip_version version,
                           uint16_t ident, void *rx_buf, size_t rx_len, void *tx_buf, size_t tx_len)
{
    if ((version != TAPIR_IP_V4 && version != TAPIR_IP_V6) || !rx_buf || !tx_buf)
        return TAPIR_EINVAL;
    memset(s, 0, sizeof *s);
    s->link.kind = TAPIR_SOCKET_ICMP;
    s->version = (uint8_t)version;
    s->ident = ident;
    tapir__packet_ring_init(&s->rx, rx_buf, rx_len);
    tapir__packet_ring_init(&s->tx, tx_buf, tx_len);
    return 0;
}

int tapir_icmp_send_echo(struct tapir_icmp_socket *s, const struct tapir_ip_addr *dst, uint16_t seq,
                         const void *data, size_t len)
{
    if (dst->version != s->version)
        return TAPIR_EINVAL;
    if (len > (s->version == TAPIR_IP_V4 ? MAX_ECHO_DATA_V4 : MAX_ECHO_DATA_V6))
        return TAPIR_EINVAL;
    struct tx_meta m;
    memset(&m, 0, sizeof m);
    m.dst = *dst;
    m.seq = seq;
    m.hop_limit = s->hop_limit;
    if (tapir__packet_ring_push(&s->tx, &m, sizeof m, data, len) != 0)
        return TAPIR_EAGAIN;
    return 0;
}

int tapir_icmp_recv(struct tapir_icmp_socket *s, struct tapir_icmp_meta *meta, void *buf,
                    size_t cap)
{
    return tapir__packet_ring_take(&s->rx, meta, sizeof *meta, buf, cap);
}

bool tapir_icmp_can_recv(const struct tapir_icmp_socket *s)
{
    return s->rx.count > 0;
}

int tapir_icmp_take_error(struct tapir_icmp_socket *s)
{
    int e = s->last_error;
    s->last_error = 0;
    return e;
}

const struct tapir_icmp_stats *tapir_icmp_stats(const struct tapir_icmp_socket *s)
{
    return &s->stats;
}

bool tapir__icmp_socket_matches(const struct tapir_icmp_socket *s, uint8_t version, uint16_t ident)
{
    return s->version == version && s->ident == ident;
}

void tapir__icmp_socket_deliver(struct tapir_icmp_socket *s, const struct tapir_icmp_meta *m,
                                const uint8_t *data, size_t len)
{
    bool reply = (s->version == TAPIR_IP_V4 && m->type == 0) ||
                 (s->version == TAPIR_IP_V6 && m->type == 129);
    if (tapir__packet_ring_push(&s->rx, m, sizeof *m, data, len) != 0) {
        s->stats.rx_dropped_full++;
        return;
    }
    if (reply)
        s->stats.replies_received++;
    else
        s->stats.errors_received++;
}

bool tapir__icmp_socket_peek_tx(const struct tapir_icmp_socket *s, struct tapir__icmp_tx *out)
{
    const uint8_t *m, *data;
    size_t len;
    if (!tapir__packet_ring_peek(&s->tx, sizeof(struct tx_meta), &m, &data, &len))
        return false;
    struct tx_meta meta;
    memcpy(&meta, m, sizeof meta);
    out->dst = meta.dst;
    out->seq = meta.seq;
    out->hop_limit = meta.hop_limit;
    out->data = data;
    out->len = len;
    return true;
}

void tapir__icmp_socket_tx_done(struct tapir_icmp_socket *s, int rc)
{
    tapir__packet_ring_pop(&s->tx);
    if (rc == 0) {
        s->stats.requests_sent++;
    } else {
        s->stats.tx_failed++;
        s->last_error = rc;
    }
}
