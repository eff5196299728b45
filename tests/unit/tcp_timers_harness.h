/* Shared by the timer and robustness tests (test_tcp_rto_backoff.c, _lost_synack,
 * _lost_final_ack, _persist, _keepalive, _time_wait, _rfc5961, _paws, _pmtu): two stacks
 * on the in-memory pair (netsim), a listener on A:80 with a small pool and a client on
 * B:40000, every TCP segment each stack transmits logged with its virtual time, and a way
 * to hand an interface a segment made by hand.
 *
 * Include after cmocka.h. Everything is static inline, so each test uses what it needs. */
#ifndef TCP_TIMERS_HARNESS_H
#define TCP_TIMERS_HARNESS_H

#include <stdlib.h>
#include <string.h>

#include "iface/iface_internal.h"
#include "netsim.h"
#include "socket/tcp_internal.h"
#include "tapir/error.h"
#include "tapir/socket/tcp.h"
#include "tapir/wire/dissect.h"
#include "tapir/wire/ip.h"
#include "tapir/wire/tcp.h"

#define TT_LOG_MAX 8192
#define TT_POOL    2
#define TT_MS      ((tapir_instant)TAPIR_US_PER_MS)
#define TT_S       ((tapir_instant)TAPIR_US_PER_S)

/* One transmitted TCP segment, as the wire saw it. */
struct tt_seg {
    tapir_instant at;
    uint16_t sport, dport;
    uint32_t seq, ack;
    uint16_t flags, window;
    size_t payload_len;
    bool has_ts;
    uint32_t ts_val, ts_ecr;
    size_t ip_len; /* the whole IP datagram */
};

struct tt_log {
    const struct tapir_virtual_clock *clock;
    unsigned count;
    struct tt_seg segs[TT_LOG_MAX];
};

struct tt {
    struct netsim n;
    struct tapir_tcp_socket listener, pool[TT_POOL], client;
    struct tapir_tcp_socket *backlog[TT_POOL];
    struct tapir_tcp_socket *server; /* accepted */
    uint8_t *mem;
    struct tt_log a_tx, b_tx; /* what A and B transmitted */
    struct tapir_ip_addr a_ip, b_ip;
};

static inline void tt_trace(void *ctx, enum tapir_trace_dir dir, const uint8_t *frame, size_t len,
                            enum tapir_medium medium)
{
    struct tt_log *log = ctx;
    if (dir != TAPIR_TRACE_TX || log->count == TT_LOG_MAX)
        return;
    struct tapir_dissection d;
    tapir_dissect(frame, len, medium, &d);
    size_t ip_len = 0;
    for (size_t i = 0; i < d.count; i++) {
        if (d.layers[i].layer == TAPIR_LAYER_IPV4 || d.layers[i].layer == TAPIR_LAYER_IPV6)
            ip_len = d.layers[i].len;
        if (d.layers[i].layer != TAPIR_LAYER_TCP || d.layers[i].error != 0)
            continue;
        struct tapir_tcp_repr r;
        if (tapir_tcp_parse(frame + d.layers[i].offset, d.layers[i].len, NULL, &r) != 0)
            return;
        struct tt_seg *s = &log->segs[log->count++];
        s->at = log->clock->now_us;
        s->sport = r.src_port;
        s->dport = r.dst_port;
        s->seq = r.seq;
        s->ack = r.ack;
        s->flags = r.flags;
        s->window = r.window;
        s->payload_len = r.payload_len;
        s->has_ts = r.has_timestamps;
        s->ts_val = r.ts_val;
        s->ts_ecr = r.ts_ecr;
        s->ip_len = ip_len;
    }
}

static inline void tt_sock_init(struct tapir_tcp_socket *s, const struct tapir_tcp_config *cfg,
                                size_t buf, uint8_t **mem)
{
    assert_int_equal(tapir_tcp_socket_init(s, cfg, *mem, buf, *mem + buf, buf), 0);
    *mem += 2 * buf;
}

/* Two stacks (A with a fault injector on its side when `fault`), logging, and the sockets:
 * A's listener and pool with `srv_cfg` and buffers of `srv_buf` bytes each way, B's client
 * with `cli_cfg` and `cli_buf` (NULL configs take the defaults). */
static inline void tt_init(struct tt *t, bool fault, const struct tapir_tcp_config *srv_cfg,
                           size_t srv_buf, const struct tapir_tcp_config *cli_cfg, size_t cli_buf)
{
    memset(t, 0, sizeof *t);
    struct tapir_fault_options fo;
    memset(&fo, 0, sizeof fo);
    fo.seed = 1;
    netsim_init(&t->n, fault ? &fo : NULL, 0);
    /* Neighbour entries that outlive every test, so a silent peer's retransmissions keep
     * reaching the wire (and the log) instead of waiting on ARP after 60 s. */
    t->n.a.iface.cfg.neighbor_lifetime_us = 1000000 * TT_S;
    t->n.b.iface.cfg.neighbor_lifetime_us = 1000000 * TT_S;
    t->a_tx.clock = t->b_tx.clock = &t->n.clock;
    t->n.a.iface.cfg.trace = tt_trace;
    t->n.a.iface.cfg.trace_ctx = &t->a_tx;
    t->n.b.iface.cfg.trace = tt_trace;
    t->n.b.iface.cfg.trace_ctx = &t->b_tx;
    t->mem = malloc((TT_POOL + 1) * 2 * srv_buf + 2 * cli_buf);
    assert_non_null(t->mem);
    uint8_t *m = t->mem;
    tt_sock_init(&t->listener, srv_cfg, srv_buf, &m);
    for (int i = 0; i < TT_POOL; i++) {
        tt_sock_init(&t->pool[i], srv_cfg, srv_buf, &m);
        t->backlog[i] = &t->pool[i];
    }
    tt_sock_init(&t->client, cli_cfg, cli_buf, &m);
    netsim_settle(&t->n);
}

/* Each stack knows the other's MAC for both its addresses, so no ARP or NDP exchange
 * shifts the first segments (or is lost to an injected fault). */
static inline void tt_learn_neighbors(struct tt *t)
{
    const char *a[] = {"192.168.69.1", "fdaa::1"}, *b[] = {"192.168.69.100", "fdaa::100"};
    tapir_instant now = t->n.clock.now_us;
    for (int i = 0; i < 2; i++) {
        struct tapir_ip_addr ai = netsim_ip(a[i]), bi = netsim_ip(b[i]);
        tapir__neighbor_learn(&t->n.a.iface, now, &bi, tapir_iface_mac(&t->n.b.iface), true);
        tapir__neighbor_learn(&t->n.b.iface, now, &ai, tapir_iface_mac(&t->n.a.iface), true);
    }
}

/* One poll of one stack (and of the fault injector), for tests that step the exchange
 * segment by segment. */
static inline void tt_poll(struct tt *t, struct netsim_node *node)
{
    tapir_iface_poll(&node->iface, t->n.clock.now_us);
    if (t->n.has_fault)
        tapir_fault_poll(&t->n.fault);
}

/* Segments in `log` from index `from` on whose flags, masked by `mask`, equal `flags`. */
static inline unsigned tt_count_flags(const struct tt_log *log, unsigned from, uint16_t mask,
                                      uint16_t flags)
{
    unsigned n = 0;
    for (unsigned i = from; i < log->count; i++)
        n += (log->segs[i].flags & mask) == flags;
    return n;
}

/* The index of the first segment in `log` from `from` on with these flags, or -1. */
static inline int tt_find_flags(const struct tt_log *log, unsigned from, uint16_t mask,
                                uint16_t flags)
{
    for (unsigned i = from; i < log->count; i++)
        if ((log->segs[i].flags & mask) == flags)
            return (int)i;
    return -1;
}

/* A listens on a_addr:80, B's client connects from b_addr:40000 with `isn` (the SYN goes
 * out at the next poll). */
static inline void tt_connect(struct tt *t, const char *a_addr, const char *b_addr, uint32_t isn)
{
    t->a_ip = netsim_ip(a_addr);
    t->b_ip = netsim_ip(b_addr);
    struct tapir_tcp_endpoint any = {.addr = t->a_ip, .port = 80};
    assert_int_equal(tapir_tcp_listen(&t->listener, &any, t->backlog, TT_POOL), 0);
    tapir_iface_add_socket(&t->n.a.iface, &t->listener.link);
    tapir_iface_add_socket(&t->n.b.iface, &t->client.link);
    struct tapir_tcp_endpoint local = {.addr = t->b_ip, .port = 40000};
    struct tapir_tcp_endpoint remote = {.addr = t->a_ip, .port = 80};
    assert_int_equal(tapir_tcp_connect(&t->client, &local, &remote, isn, 1500, t->n.clock.now_us),
                     0);
}

/* tt_connect, the handshake, and accept(). */
static inline void tt_open(struct tt *t, const char *a_addr, const char *b_addr, uint32_t isn)
{
    tt_connect(t, a_addr, b_addr, isn);
    netsim_settle(&t->n);
    assert_int_equal(tapir_tcp_state(&t->client), TAPIR_TCP_ESTABLISHED);
    t->server = tapir_tcp_accept(&t->listener);
    assert_non_null(t->server);
    assert_int_equal(tapir_tcp_state(t->server), TAPIR_TCP_ESTABLISHED);
}

static inline void tt_free(struct tt *t)
{
    tapir_iface_remove_socket(&t->n.a.iface, &t->listener.link);
    tapir_iface_remove_socket(&t->n.b.iface, &t->client.link);
    free(t->mem);
    netsim_free(&t->n);
}

/* Hand `node` the segment `seg` from src to dst as if it had just arrived (checksum made
 * right); whatever the interface answers goes out at its next poll. */
static inline void tt_inject(struct tt *t, struct netsim_node *node,
                             const struct tapir_ip_addr *src, const struct tapir_ip_addr *dst,
                             const struct tapir_tcp_repr *seg)
{
    static uint8_t buf[65536];
    struct tapir_pseudo_header ph;
    memset(&ph, 0, sizeof ph);
    ph.src = *src;
    ph.dst = *dst;
    ph.protocol = TAPIR_IP_PROTO_TCP;
    int n = tapir_tcp_emit(seg, &ph, buf, sizeof buf);
    assert_true(n > 0);
    struct tapir__ip_info ip;
    memset(&ip, 0, sizeof ip);
    ip.src = *src;
    ip.dst = *dst;
    ip.ttl = 64;
    tapir__tcp_segment_input(&node->iface, t->n.clock.now_us, &ip, buf, (size_t)n);
}

/* A segment B -> A of the accepted connection (ports 40000 -> 80), for tt_inject. */
static inline struct tapir_tcp_repr tt_seg_to_a(uint16_t flags, uint32_t seq, uint32_t ack)
{
    struct tapir_tcp_repr r;
    memset(&r, 0, sizeof r);
    r.src_port = 40000;
    r.dst_port = 80;
    r.flags = flags;
    r.seq = seq;
    r.ack = ack;
    r.window = 1000;
    return r;
}

/* Segments in `log` from index `from` on that carry a payload. */
static inline unsigned tt_count_data(const struct tt_log *log, unsigned from)
{
    unsigned n = 0;
    for (unsigned i = from; i < log->count; i++)
        n += log->segs[i].payload_len > 0;
    return n;
}

/* Send `total` bytes (pattern (i * 7 + 3), i counted from `offset`) from `from`, read them
 * at `to` and check each, advancing the clock 10 ms at a time for at most `max_us`.
 * Returns the bytes received. */
static inline size_t tt_pump(struct tt *t, struct tapir_tcp_socket *from,
                             struct tapir_tcp_socket *to, size_t total, size_t offset,
                             tapir_instant max_us)
{
    static uint8_t chunk[65536];
    size_t sent = 0, got = 0;
    tapir_instant end = t->n.clock.now_us + max_us;
    while (got < total && t->n.clock.now_us < end) {
        while (sent < total) {
            size_t k = total - sent < sizeof chunk ? total - sent : sizeof chunk;
            for (size_t i = 0; i < k; i++)
                chunk[i] = (uint8_t)((offset + sent + i) * 7 + 3);
            int w = tapir_tcp_send(from, chunk, k);
            assert_true(w >= 0);
            sent += (size_t)w;
            if ((size_t)w < k)
                break;
        }
        netsim_settle(&t->n);
        int r;
        while ((r = tapir_tcp_recv(to, chunk, sizeof chunk)) > 0) {
            for (int i = 0; i < r; i++)
                if (chunk[i] != (uint8_t)((offset + got + (size_t)i) * 7 + 3))
                    fail_msg("byte %zu differs", got + (size_t)i);
            got += (size_t)r;
        }
        netsim_settle(&t->n);
        if (got < total)
            netsim_advance(&t->n, 10 * TT_MS);
    }
    return got;
}

#endif
