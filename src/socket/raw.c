/* Raw IP sockets: queues of payloads of one protocol (see include/tapir/socket/raw.h). */
#include <string.h>

#include "raw_internal.h"
#include "tapir/error.h"

struct tx_meta {
    struct tapir_ip_addr dst, local;
    uint8_t ttl;
};

_Static_assert(8 + sizeof(struct tapir_raw_meta) + 7 <= TAPIR_RAW_RECORD_OVERHEAD, "rx overhead");
_Static_assert(8 + sizeof(struct tx_meta) + 7 <= TAPIR_RAW_RECORD_OVERHEAD, "tx overhead");

int tapir_raw_socket_init(struct tapir_raw_socket *s, enum tapir_ip_version version,
                          uint8_t protocol, void *rx_buf, size_t rx_len, void *tx_buf,
                          size_t tx_len)
{
    if ((version != TAPIR_IP_V4 && version != TAPIR_IP_V6) || !rx_buf || !tx_buf)
        return TAPIR_EINVAL;
    /* RFC 8200 §4: these numbers are extension headers the interface walks itself. */
    if (version == TAPIR_IP_V6 && (protocol == 0 || protocol == 43 || protocol == 44 ||
                                   protocol == 50 || protocol == 51 || protocol == 60))
        return TAPIR_EINVAL;
    memset(s, 0, sizeof *s);
    s->link.kind = TAPIR_SOCKET_RAW;
    s->version = (uint8_t)version;
    s->protocol = protocol;
    tapir__packet_ring_init(&s->rx, rx_buf, rx_len);
    tapir__packet_ring_init(&s->tx, tx_buf, tx_len);
    return 0;
}

int tapir_raw_send(struct tapir_raw_socket *s, const struct tapir_ip_addr *dst, const void *data,
                   size_t len)
{
    return tapir_raw_send_opts(s, dst, data, len, NULL);
}

int tapir_raw_send_opts(struct tapir_raw_socket *s, const struct tapir_ip_addr *dst,
                        const void *data, size_t len, const struct tapir_raw_send_opts *opts)
{
    if (!dst || dst->version != s->version || (len > 0 && !data))
        return TAPIR_EINVAL;
    if (opts && opts->local.version != TAPIR_IP_NONE && opts->local.version != s->version)
        return TAPIR_EINVAL;
    /* IPv4: 65535 less the 20-byte header; IPv6: the payload length field. */
    if (len > (s->version == TAPIR_IP_V4 ? 65515u : 65535u))
        return TAPIR_EMSGSIZE;
    struct tx_meta m;
    memset(&m, 0, sizeof m);
    m.dst = *dst;
    if (opts) {
        m.local = opts->local;
        m.ttl = opts->ttl;
    }
    if (m.ttl == 0)
        m.ttl = s->ttl;
    if (!tapir__packet_ring_fits(&s->tx, sizeof m, len))
        return len + TAPIR_RAW_RECORD_OVERHEAD > s->tx.cap ? TAPIR_EMSGSIZE : TAPIR_EAGAIN;
    tapir__packet_ring_push(&s->tx, &m, sizeof m, data, len);
    return (int)len;
}

int tapir_raw_recv(struct tapir_raw_socket *s, struct tapir_raw_meta *meta, void *buf, size_t cap)
{
    return tapir__packet_ring_take(&s->rx, meta, sizeof *meta, buf, cap);
}

bool tapir_raw_can_recv(const struct tapir_raw_socket *s)
{
    return s->rx.count > 0;
}

int tapir_raw_take_error(struct tapir_raw_socket *s)
{
    int e = s->pending_error;
    s->pending_error = 0;
    return e;
}

const struct tapir_raw_stats *tapir_raw_stats(const struct tapir_raw_socket *s)
{
    return &s->stats;
}

void tapir__raw_socket_deliver(struct tapir_raw_socket *s, const struct tapir_raw_meta *m,
                               const uint8_t *data, size_t len)
{
    if (tapir__packet_ring_push(&s->rx, m, sizeof *m, data, len) != 0) {
        s->stats.rx_dropped_full++;
        return;
    }
    s->stats.datagrams_received++;
    s->stats.bytes_received += len;
}

bool tapir__raw_socket_peek_tx(const struct tapir_raw_socket *s, struct tapir__raw_tx *out)
{
    const uint8_t *m, *data;
    size_t len;
    if (!tapir__packet_ring_peek(&s->tx, sizeof(struct tx_meta), &m, &data, &len))
        return false;
    struct tx_meta meta;
    memcpy(&meta, m, sizeof meta);
    out->dst = meta.dst;
    out->local = meta.local;
    out->ttl = meta.ttl;
    out->data = data;
    out->len = len;
    return true;
}

void tapir__raw_socket_tx_done(struct tapir_raw_socket *s, int rc)
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
