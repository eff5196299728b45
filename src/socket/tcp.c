/* TCP sockets: the public calls and the connection set-up they share with input and
 * output (tcp_input.c, tcp_output.c). */
#include <string.h>

#include "tcp_internal.h"
#include "tcp_recovery.h"

static const char *const state_names[] = {
    [TAPIR_TCP_CLOSED] = "CLOSED",           [TAPIR_TCP_LISTEN] = "LISTEN",
    [TAPIR_TCP_SYN_SENT] = "SYN-SENT",       [TAPIR_TCP_SYN_RECEIVED] = "SYN-RECEIVED",
    [TAPIR_TCP_ESTABLISHED] = "ESTABLISHED", [TAPIR_TCP_FIN_WAIT_1] = "FIN-WAIT-1",
    [TAPIR_TCP_FIN_WAIT_2] = "FIN-WAIT-2",   [TAPIR_TCP_CLOSE_WAIT] = "CLOSE-WAIT",
    [TAPIR_TCP_CLOSING] = "CLOSING",         [TAPIR_TCP_LAST_ACK] = "LAST-ACK",
    [TAPIR_TCP_TIME_WAIT] = "TIME-WAIT",
};

const char *tapir_tcp_state_name(enum tapir_tcp_state state)
{
    if ((unsigned)state >= sizeof state_names / sizeof state_names[0])
        return "?";
    return state_names[state];
}

void tapir_tcp_config_default(struct tapir_tcp_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->min_rto_us = 200 * (tapir_instant)TAPIR_US_PER_MS;
    cfg->max_rto_us = 60 * (tapir_instant)TAPIR_US_PER_S;
    cfg->time_wait_us = 60 * (tapir_instant)TAPIR_US_PER_S;
    cfg->max_retries = 15;
    cfg->syn_retries = 6;
    cfg->cc = TAPIR__CC_CUBIC;
    cfg->keepalive_idle_us = 7200 * (tapir_instant)TAPIR_US_PER_S;
    cfg->keepalive_interval_us = 75 * (tapir_instant)TAPIR_US_PER_S;
    cfg->keepalive_probes = 9;
    cfg->fin_wait2_timeout_us = 60 * (tapir_instant)TAPIR_US_PER_S; /* tcp_lifecycle.c */
}

static void reset_timers(struct tapir_tcp_socket *s)
{
    s->rto_at = s->delack_at = s->time_wait_at = TAPIR_INSTANT_NEVER;
    s->rtt_active = false;
    s->retries = 0;
    tapir__tcp_timers_reset(s);
}

int tapir_tcp_socket_init(struct tapir_tcp_socket *s, const struct tapir_tcp_config *cfg,
                          void *rx_buf, size_t rx_len, void *tx_buf, size_t tx_len)
{
    if (!rx_buf || !tx_buf || rx_len == 0 || tx_len == 0)
        return TAPIR_EINVAL;
    memset(s, 0, sizeof *s);
    s->link.kind = TAPIR_SOCKET_TCP;
    if (cfg)
        s->cfg = *cfg;
    else
        tapir_tcp_config_default(&s->cfg);
    tapir__byte_ring_init(&s->rx, rx_buf, rx_len);
    tapir__byte_ring_init(&s->tx, tx_buf, tx_len);
    tapir__assembler_init(&s->ooo);
    s->state = TAPIR_TCP_CLOSED;
    reset_timers(s);
    return 0;
}

void tapir__tcp_set_state(struct tapir_tcp_socket *s, enum tapir_tcp_state state)
{
    s->state = (uint8_t)state;
    if (state == TAPIR_TCP_CLOSED) {
        reset_timers(s);
        /* A child that ends before the application accepted it goes back to the pool. */
        if (s->parent && !s->accepted)
            s->parent = NULL;
    }
}

/* RFC 7323 §2.3: the smallest shift that lets the whole receive buffer be advertised. */
static uint8_t window_scale_for(size_t buffer)
{
    uint8_t shift = 0;
    while (shift < 14 && (buffer >> shift) > 65535)
        shift++;
    return shift;
}

void tapir__tcp_setup_connection(struct tapir_tcp_socket *s, unsigned mtu)
{
    s->tuple_gen++; /* a new 4-tuple: the interface re-indexes the socket */
    s->mtu = (uint16_t)(mtu ? mtu : 1500);
    unsigned ip = s->remote.addr.version == TAPIR_IP_V6 ? 40 : 20;
    /* RFC 9293 §3.7.1: MSS = MTU - fixed IP and TCP headers. */
    s->mss = (uint16_t)(s->mtu - ip - 20);
    s->peer_mss = 536; /* RFC 9293 §3.7.1 default until the peer says */
    s->rcv_wscale = window_scale_for(s->rx.cap);
    tapir__rto_init(&s->rto, s->cfg.min_rto_us, s->cfg.max_rto_us, 1000);
    tapir__cc_init(&s->cc, s->cfg.cc, s->mss);
    tapir__assembler_init(&s->ooo);
    tapir__tcp_rec_init(s);
    tapir__tcp_lifecycle_setup(s);
}

int tapir_tcp_listen(struct tapir_tcp_socket *s, const struct tapir_tcp_endpoint *local,
                     struct tapir_tcp_socket **backlog, unsigned backlog_len)
{
    if (s->state != TAPIR_TCP_CLOSED || local->port == 0 || !backlog || backlog_len == 0)
        return TAPIR_EINVAL;
    s->local = *local;
    s->backlog = backlog;
    s->backlog_len = backlog_len;
    for (unsigned i = 0; i < backlog_len; i++)
        if (backlog[i] == s || backlog[i]->state != TAPIR_TCP_CLOSED)
            return TAPIR_EINVAL;
    tapir__tcp_set_state(s, TAPIR_TCP_LISTEN);
    return 0;
}

struct tapir_tcp_socket *tapir_tcp_accept(struct tapir_tcp_socket *listener)
{
    if (listener->state != TAPIR_TCP_LISTEN)
        return NULL;
    for (unsigned i = 0; i < listener->backlog_len; i++) {
        struct tapir_tcp_socket *c = listener->backlog[i];
        if (c->parent == listener && !c->accepted && c->state >= TAPIR_TCP_ESTABLISHED) {
            c->accepted = true;
            return c;
        }
    }
    return NULL;
}

int tapir_tcp_connect(struct tapir_tcp_socket *s, const struct tapir_tcp_endpoint *local,
                      const struct tapir_tcp_endpoint *remote, uint32_t isn, unsigned mtu,
                      tapir_instant now)
{
    if (s->state != TAPIR_TCP_CLOSED || local->port == 0 || remote->port == 0 ||
        local->addr.version != remote->addr.version)
        return TAPIR_EINVAL;
    s->local = *local;
    s->remote = *remote;
    s->error = 0;
    tapir__tcp_setup_connection(s, mtu);
    s->iss = isn;
    s->snd_una = s->snd_nxt = s->snd_max = isn;
    s->ts_base = (uint32_t)(now / 1000);
    s->send_syn = true;
    tapir__tcp_set_state(s, TAPIR_TCP_SYN_SENT);
    return 0;
}

bool tapir__tcp_can_queue(const struct tapir_tcp_socket *s)
{
    switch (s->state) {
    case TAPIR_TCP_SYN_SENT:
    case TAPIR_TCP_SYN_RECEIVED:
    case TAPIR_TCP_ESTABLISHED:
    case TAPIR_TCP_CLOSE_WAIT:
        return !s->fin_queued;
    default:
        return false;
    }
}

struct tapir_tcp_socket *tapir__tcp_free_child(const struct tapir_tcp_socket *listener)
{
    for (unsigned i = 0; i < listener->backlog_len; i++) {
        struct tapir_tcp_socket *b = listener->backlog[i];
        if (b->state == TAPIR_TCP_CLOSED && b->parent == NULL && !b->accepted)
            return b;
    }
    return NULL;
}

void tapir__tcp_adopt_child(struct tapir_tcp_socket *listener, struct tapir_tcp_socket *c,
                            const struct tapir_ip_addr *src, const struct tapir_ip_addr *dst,
                            const struct tapir_tcp_repr *seg, unsigned mtu)
{
    c->parent = listener;
    c->cfg = listener->cfg;
    c->local.addr = *dst;
    c->local.port = seg->dst_port;
    c->remote.addr = *src;
    c->remote.port = seg->src_port;
    c->error = 0;
    c->fin_queued = c->fin_sent = c->fin_received = false;
    c->ack_now = c->send_syn = c->send_rst = c->challenge_ack = false;
    c->segs_since_ack = c->dupacks = 0;
    tapir__byte_ring_init(&c->rx, c->rx.buf, c->rx.cap);
    tapir__byte_ring_init(&c->tx, c->tx.buf, c->tx.cap);
    tapir__tcp_setup_connection(c, mtu);
}

int tapir_tcp_send(struct tapir_tcp_socket *s, const void *data, size_t len)
{
    if (!tapir__tcp_can_queue(s))
        return s->error ? s->error : TAPIR_EINVAL;
    size_t n = tapir__byte_ring_write(&s->tx, data, len);
    return (int)(n > (size_t)INT32_MAX ? INT32_MAX : n);
}

int tapir_tcp_recv(struct tapir_tcp_socket *s, void *buf, size_t cap)
{
    size_t n = tapir__byte_ring_read(&s->rx, buf, cap);
    if (n > 0) {
        /* Reading opens the window: tell the peer if it had been closing (RFC 9293
         * §3.8.6.2.2, tcp_timers.c). */
        if (tapir__tcp_window_update_due(s))
            s->ack_now = true;
        return (int)(n > (size_t)INT32_MAX ? INT32_MAX : n);
    }
    if (cap == 0)
        return 0;
    if (s->fin_received)
        return 0;
    if (s->error)
        return s->error;
    if (s->state == TAPIR_TCP_CLOSED)
        return TAPIR_EINVAL;
    return TAPIR_EAGAIN;
}

int tapir_tcp_shutdown(struct tapir_tcp_socket *s)
{
    switch (s->state) {
    case TAPIR_TCP_LISTEN:
    case TAPIR_TCP_SYN_SENT:
        tapir__tcp_set_state(s, TAPIR_TCP_CLOSED);
        return 0;
    case TAPIR_TCP_SYN_RECEIVED:
    case TAPIR_TCP_ESTABLISHED:
    case TAPIR_TCP_CLOSE_WAIT:
        s->fin_queued = true; /* the FIN goes after the queued data (tcp_output.c) */
        return 0;
    default:
        return 0;
    }
}

int tapir_tcp_close(struct tapir_tcp_socket *s)
{
    /* RFC 1122 §4.2.2.13: closing with received data unread loses it; a RST tells the
     * peer so (instead of a FIN that would look like an orderly end), as Linux does. */
    bool synchronized = s->state >= TAPIR_TCP_SYN_RECEIVED && s->state != TAPIR_TCP_TIME_WAIT;
    if (synchronized && tapir__byte_ring_len(&s->rx) > 0) {
        tapir_tcp_abort(s);
        return 0;
    }
    /* An orphan from now on: the FIN-WAIT-2 timeout applies (tcp_lifecycle.c). */
    if (s->state != TAPIR_TCP_CLOSED && s->state != TAPIR_TCP_LISTEN)
        s->orphan = true;
    return tapir_tcp_shutdown(s);
}

void tapir_tcp_abort(struct tapir_tcp_socket *s)
{
    /* RFC 9293 §3.10.5: a RST to the peer of a synchronized connection, then CLOSED. */
    bool synchronized = s->state >= TAPIR_TCP_SYN_RECEIVED && s->state != TAPIR_TCP_TIME_WAIT;
    tapir__tcp_set_state(s, TAPIR_TCP_CLOSED);
    s->send_rst = synchronized;
    tapir__byte_ring_consume(&s->tx, tapir__byte_ring_len(&s->tx));
}

size_t tapir_tcp_send_space(const struct tapir_tcp_socket *s)
{
    return tapir__tcp_can_queue(s) ? tapir__byte_ring_free(&s->tx) : 0;
}

int tapir_tcp_socket_reset(struct tapir_tcp_socket *s)
{
    if (s->state != TAPIR_TCP_CLOSED || s->send_rst)
        return TAPIR_EINVAL;
    struct tapir_tcp_config cfg = s->cfg;
    return tapir_tcp_socket_init(s, &cfg, s->rx.buf, s->rx.cap, s->tx.buf, s->tx.cap);
}

enum tapir_tcp_state tapir_tcp_state(const struct tapir_tcp_socket *s)
{
    return (enum tapir_tcp_state)s->state;
}

bool tapir_tcp_can_send(const struct tapir_tcp_socket *s)
{
    return tapir__tcp_can_queue(s) && s->state != TAPIR_TCP_SYN_SENT &&
           tapir__byte_ring_free(&s->tx) > 0;
}

bool tapir_tcp_can_recv(const struct tapir_tcp_socket *s)
{
    return tapir__byte_ring_len(&s->rx) > 0 || s->fin_received || s->error;
}

bool tapir_tcp_is_open(const struct tapir_tcp_socket *s)
{
    return s->state != TAPIR_TCP_CLOSED && s->state != TAPIR_TCP_TIME_WAIT;
}

const struct tapir_tcp_stats *tapir_tcp_stats(const struct tapir_tcp_socket *s)
{
    return &s->stats;
}

uint32_t tapir__tcp_ts_now(const struct tapir_tcp_socket *s, tapir_instant now)
{
    /* RFC 7323 §5.4: a millisecond clock; offset so it starts near 1. */
    return (uint32_t)(now / 1000) - s->ts_base + 1;
}

bool tapir__tcp_matches(const struct tapir_tcp_socket *s, const struct tapir_ip_addr *src,
                        uint16_t sport, const struct tapir_ip_addr *dst, uint16_t dport)
{
    return s->state != TAPIR_TCP_CLOSED && s->state != TAPIR_TCP_LISTEN && s->local.port == dport &&
           s->remote.port == sport && tapir_ip_equal(&s->local.addr, dst) &&
           tapir_ip_equal(&s->remote.addr, src);
}

bool tapir__tcp_listens(const struct tapir_tcp_socket *s, const struct tapir_ip_addr *dst,
                        uint16_t dport)
{
    if (s->state != TAPIR_TCP_LISTEN || s->local.port != dport ||
        s->local.addr.version != dst->version)
        return false;
    static const struct tapir_ip_addr any4 = {.version = TAPIR_IP_V4};
    static const struct tapir_ip_addr any6 = {.version = TAPIR_IP_V6};
    return tapir_ip_equal(&s->local.addr, dst) || tapir_ip_equal(&s->local.addr, &any4) ||
           tapir_ip_equal(&s->local.addr, &any6);
}

bool tapir__tcp_reset_for(const struct tapir_tcp_repr *seg, struct tapir_tcp_repr *rst)
{
    if (seg->flags & TAPIR_TCP_RST)
        return false;
    memset(rst, 0, sizeof *rst);
    rst->src_port = seg->dst_port;
    rst->dst_port = seg->src_port;
    if (seg->flags & TAPIR_TCP_ACK) {
        /* <SEQ=SEG.ACK><CTL=RST> */
        rst->seq = seg->ack;
        rst->flags = TAPIR_TCP_RST;
    } else {
        /* <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK> */
        uint32_t len = (uint32_t)seg->payload_len + ((seg->flags & TAPIR_TCP_SYN) ? 1 : 0) +
                       ((seg->flags & TAPIR_TCP_FIN) ? 1 : 0);
        rst->ack = seg->seq + len;
        rst->flags = TAPIR_TCP_RST | TAPIR_TCP_ACK;
    }
    return true;
}
