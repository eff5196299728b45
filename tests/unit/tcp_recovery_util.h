/* Shared by the TCP loss-recovery tests (test_tcp_loss_*.c, test_tcp_lost_*.c,
 * test_tcp_newreno_*.c, test_tcp_transfer_*.c): a connection between the two netsim stacks,
 * a drop rule for chosen data segments, and byte-exact transfers with an FNV-1a hash of
 * each stream. Include after cmocka. Everything is static inline so each test uses what
 * it needs. */
#ifndef TAPIR_TEST_TCP_RECOVERY_UTIL_H
#define TAPIR_TEST_TCP_RECOVERY_UTIL_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netsim.h"
#include "socket/tcp_recovery.h"
#include "tapir/error.h"
#include "tapir/socket/tcp.h"
#include "tapir/wire/dissect.h"
#include "tapir/wire/tcp.h"

/* --- A connection: A (the server, accepted from a listener on port 80) and B (the
 * client). A's transmissions pass netsim's drop filter, so the scenario tests make A the
 * sender. --- */

struct rc_conn {
    struct tapir_tcp_socket listener, pool[2], client;
    struct tapir_tcp_socket *backlog[2];
    struct tapir_tcp_socket *server;
    uint8_t *mem;
    size_t buf;
};

static inline void rc_sock_init(struct tapir_tcp_socket *s, const struct tapir_tcp_config *cfg,
                                uint8_t **mem, size_t buf)
{
    assert_int_equal(tapir_tcp_socket_init(s, cfg, *mem, buf, *mem + buf, buf), 0);
    *mem += 2 * buf;
}

/* Connect B (client config `ccfg`, NULL: defaults) to A's listener (`scfg`), both with
 * `buf`-byte buffers, over IPv6 when `v6`; returns with both ESTABLISHED. */
static inline void rc_open(struct netsim *n, struct rc_conn *c, bool v6, size_t buf,
                           const struct tapir_tcp_config *scfg, const struct tapir_tcp_config *ccfg)
{
    memset(c, 0, sizeof *c);
    c->buf = buf;
    c->mem = malloc(4 * 2 * buf);
    assert_non_null(c->mem);
    uint8_t *m = c->mem;
    rc_sock_init(&c->listener, scfg, &m, buf);
    for (int i = 0; i < 2; i++) {
        rc_sock_init(&c->pool[i], scfg, &m, buf);
        c->backlog[i] = &c->pool[i];
    }
    rc_sock_init(&c->client, ccfg, &m, buf);
    const char *a = v6 ? "fdaa::1" : "192.168.69.1";
    const char *b = v6 ? "fdaa::100" : "192.168.69.100";
    struct tapir_tcp_endpoint any = {.addr = netsim_ip(a), .port = 80};
    assert_int_equal(tapir_tcp_listen(&c->listener, &any, c->backlog, 2), 0);
    tapir_iface_add_socket(&n->a.iface, &c->listener.link);
    tapir_iface_add_socket(&n->b.iface, &c->client.link);
    struct tapir_tcp_endpoint local = {.addr = netsim_ip(b), .port = 40000};
    struct tapir_tcp_endpoint remote = {.addr = netsim_ip(a), .port = 80};
    assert_int_equal(
        tapir_tcp_connect(&c->client, &local, &remote, 0xfffff000u, 1500, n->clock.now_us), 0);
    /* 10 ms at a time (more than one when the fault injector delays frames). */
    for (int i = 0; i < 100 && tapir_tcp_state(&c->client) != TAPIR_TCP_ESTABLISHED; i++)
        netsim_advance(n, 10 * TAPIR_US_PER_MS);
    assert_int_equal(tapir_tcp_state(&c->client), TAPIR_TCP_ESTABLISHED);
    c->server = tapir_tcp_accept(&c->listener);
    for (int i = 0; i < 100 && !c->server; i++) {
        netsim_advance(n, 10 * TAPIR_US_PER_MS);
        c->server = tapir_tcp_accept(&c->listener);
    }
    assert_non_null(c->server);
    assert_int_equal(tapir_tcp_state(c->server), TAPIR_TCP_ESTABLISHED);
}

static inline void rc_close(struct netsim *n, struct rc_conn *c)
{
    tapir_iface_remove_socket(&n->a.iface, &c->listener.link);
    tapir_iface_remove_socket(&n->b.iface, &c->client.link);
    free(c->mem);
}

/* --- The byte streams: byte i of stream `seed` comes from splitmix64(seed + i / 8), so a
 * byte out of place anywhere changes the bytes compared and the hash. --- */

static inline uint64_t rc_splitmix(uint64_t x)
{
    x += 0x9e3779b97f4a7c15u;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9u;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebu;
    return x ^ (x >> 31);
}

static inline void rc_gen(uint64_t seed, uint64_t off, uint8_t *out, size_t n)
{
    size_t i = 0;
    while (i < n) {
        uint64_t pos = off + i;
        uint64_t w = rc_splitmix(seed + pos / 8);
        for (unsigned k = (unsigned)(pos % 8); k < 8 && i < n; k++, i++)
            out[i] = (uint8_t)(w >> (8 * k));
    }
}

#define RC_FNV_OFFSET 0xcbf29ce484222325u
#define RC_FNV_PRIME  0x100000001b3u

static inline uint64_t rc_fnv(uint64_t h, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * RC_FNV_PRIME;
    return h;
}

/* FNV-1a 64 of the first `total` bytes of stream `seed`, computed apart from any transfer. */
static inline uint64_t rc_expected_hash(uint64_t seed, uint64_t total)
{
    static uint8_t chunk[65536];
    uint64_t h = RC_FNV_OFFSET;
    for (uint64_t off = 0; off < total; off += sizeof chunk) {
        size_t k = total - off < sizeof chunk ? (size_t)(total - off) : sizeof chunk;
        rc_gen(seed, off, chunk, k);
        h = rc_fnv(h, chunk, k);
    }
    return h;
}

/* One direction of a transfer. */
struct rc_stream {
    struct tapir_tcp_socket *from, *to;
    uint64_t seed, total, sent, got;
    uint64_t hash; /* FNV-1a 64 of what arrived */
};

static inline void rc_stream_init(struct rc_stream *st, struct tapir_tcp_socket *from,
                                  struct tapir_tcp_socket *to, uint64_t seed, uint64_t total)
{
    memset(st, 0, sizeof *st);
    st->from = from;
    st->to = to;
    st->seed = seed;
    st->total = total;
    st->hash = RC_FNV_OFFSET;
}

/* Queue as much as the send buffer takes. */
static inline void rc_stream_push(struct rc_stream *st)
{
    static uint8_t chunk[65536];
    while (st->sent < st->total) {
        size_t k =
            st->total - st->sent < sizeof chunk ? (size_t)(st->total - st->sent) : sizeof chunk;
        rc_gen(st->seed, st->sent, chunk, k);
        int w = tapir_tcp_send(st->from, chunk, k);
        assert_true(w >= 0);
        st->sent += (uint64_t)w;
        if ((size_t)w < k)
            break;
    }
}

/* Read everything ready, checking every byte against the stream. */
static inline void rc_stream_pull(struct rc_stream *st)
{
    static uint8_t chunk[65536], want[65536];
    int r;
    while ((r = tapir_tcp_recv(st->to, chunk, sizeof chunk)) > 0) {
        rc_gen(st->seed, st->got, want, (size_t)r);
        if (memcmp(chunk, want, (size_t)r) != 0) {
            for (int i = 0; i < r; i++)
                if (chunk[i] != want[i])
                    fail_msg("stream %" PRIu64 ": byte %" PRIu64 " differs", st->seed,
                             st->got + (uint64_t)i);
        }
        st->hash = rc_fnv(st->hash, chunk, (size_t)r);
        st->got += (uint64_t)r;
    }
    assert_true(st->got <= st->total);
}

static inline bool rc_stream_done(const struct rc_stream *st)
{
    return st->got == st->total;
}

/* Run the streams (both at once) until all arrived or `max_us` of virtual time passed,
 * advancing the clock `step_us` whenever nothing is left to do at once. */
static inline void rc_run(struct netsim *n, struct rc_stream *st, unsigned count,
                          tapir_instant step_us, tapir_instant max_us)
{
    tapir_instant end = n->clock.now_us + max_us;
    for (;;) {
        bool done = true;
        for (unsigned i = 0; i < count; i++)
            rc_stream_push(&st[i]);
        netsim_settle(n);
        for (unsigned i = 0; i < count; i++) {
            rc_stream_pull(&st[i]);
            done = done && rc_stream_done(&st[i]);
        }
        if (done || n->clock.now_us >= end)
            break;
        netsim_settle(n);
        netsim_advance(n, step_us);
    }
    for (unsigned i = 0; i < count; i++)
        assert_int_equal(st[i].got, st[i].total);
}

/* TAPIR_TEST_SCALE (e.g. 0.25 under ASan) times `bytes`. */
static inline uint64_t rc_scaled(uint64_t bytes)
{
    const char *e = getenv("TAPIR_TEST_SCALE");
    double f = e ? strtod(e, NULL) : 1.0;
    if (!(f > 0))
        f = 1.0;
    uint64_t v = (uint64_t)((double)bytes * f);
    return v > 0 ? v : 1;
}

/* --- Dropping chosen data segments of A's. --- */

/* A TCP segment's sequence number and payload length, if `frame` is one. */
static inline bool rc_tcp_of(const uint8_t *frame, size_t len, uint32_t *seq, size_t *payload)
{
    struct tapir_dissection d;
    tapir_dissect(frame, len, TAPIR_MEDIUM_ETHERNET, &d);
    for (size_t i = 0; i < d.count; i++) {
        if (d.layers[i].layer != TAPIR_LAYER_TCP || d.layers[i].error)
            continue;
        struct tapir_tcp_repr t;
        if (tapir_tcp_parse(frame + d.layers[i].offset, d.layers[i].len, NULL, &t) != 0)
            return false;
        *seq = t.seq;
        *payload = t.payload_len;
        return true;
    }
    return false;
}

#define RC_MAX_DROPS 8

/* Drop the data segments that start at seq[i], each its first times[i] transmissions. */
struct rc_dropper {
    unsigned count;
    uint32_t seq[RC_MAX_DROPS];
    unsigned times[RC_MAX_DROPS];
    unsigned dropped[RC_MAX_DROPS];
    unsigned data_frames; /* data segments A sent while the dropper was on */
};

static inline bool rc_drop(void *ctx, const uint8_t *frame, size_t len)
{
    struct rc_dropper *d = ctx;
    uint32_t seq;
    size_t payload;
    if (!rc_tcp_of(frame, len, &seq, &payload) || payload == 0)
        return false;
    d->data_frames++;
    for (unsigned i = 0; i < d->count; i++) {
        if (d->seq[i] == seq && d->dropped[i] < d->times[i]) {
            d->dropped[i]++;
            return true;
        }
    }
    return false;
}

/* Grow A's cwnd to `segments` full segments by moving data A -> B without loss. */
static inline void rc_warm_up(struct netsim *n, struct rc_conn *c, unsigned segments)
{
    struct tapir_tcp_socket *s = c->server;
    static uint8_t chunk[65536];
    for (int round = 0; round < 200 && tapir__cc_cwnd(&s->cc) < segments * (uint32_t)s->mss;
         round++) {
        /* A whole cwnd each round: growth needs a cwnd-limited flow (tcp_cc.h). */
        size_t k = tapir__cc_cwnd(&s->cc) / s->mss * (size_t)s->mss;
        if (k > sizeof chunk)
            k = sizeof chunk;
        memset(chunk, 0x5a, k);
        assert_int_equal(tapir_tcp_send(s, chunk, k), (int)k);
        netsim_settle(n);
        while (tapir_tcp_recv(&c->client, chunk, sizeof chunk) > 0)
            ;
        netsim_settle(n);
    }
    assert_true(tapir__cc_cwnd(&s->cc) >= segments * (uint32_t)s->mss);
    /* Slow start doubles cwnd per round (B's one ACK per batch is a stretch ACK, counted in
     * full): trim it to exactly `segments`, so a scenario's flight is what it says. */
    s->cc.cwnd = segments * (uint32_t)s->mss;
    assert_int_equal(s->snd_una, s->snd_max);
    assert_int_equal(s->stats.retransmissions, 0);
}

/* --- Large transfers through the fault injector. --- */

struct rc_transfer_opts {
    bool v6;
    double drop_pct, duplicate_pct, reorder_pct, corrupt_pct; /* each direction */
    tapir_instant delay_us;                                   /* each direction */
    uint64_t seed;
    bool lossy; /* frames are lost (dropped or corrupted): retransmissions must happen */
};

static inline void rc_print_side(const char *who, const struct tapir_tcp_socket *s)
{
    const struct tapir__rec_counters *k = &s->rec.counters;
    printf("  %s: %" PRIu64 " segments, %" PRIu64 " retransmissions, %" PRIu64
           " RTOs, %u fast recoveries, RACK marked %u (%u lost retransmissions), IsLost %u, "
           "NewReno %u, %u probes (%u repaired a loss), %u D-SACKs, cwnd %u\n",
           who, s->stats.segments_sent, s->stats.retransmissions, s->stats.rto_expirations,
           k->recoveries, k->rack_marked, k->lost_rexmits, k->sack_marked, k->newreno_marked,
           k->tlp_probes, k->tlp_recoveries, k->dsacks, tapir__cc_cwnd(&s->cc));
}

/* 64 MiB (times TAPIR_TEST_SCALE) each way at once between A and B, 128 KiB buffers,
 * through the fault injector on A's side with `o`'s settings in both directions: both
 * streams byte-exact (every byte compared, and the FNV-1a 64 of each stream against one
 * computed apart), the log consistent at the end, and retransmissions when frames were
 * lost, none when none were. Prints the virtual time and the counts. */
static inline void rc_transfer_test(const char *name, const struct rc_transfer_opts *o)
{
    static struct netsim n;
    struct tapir_fault_options fo;
    memset(&fo, 0, sizeof fo);
    fo.seed = o->seed;
    netsim_init(&n, &fo, 0);
    static struct rc_conn c;
    rc_open(&n, &c, o->v6, 128 * 1024, NULL, NULL);
    struct tapir_fault_dir_options d = {
        .drop_pct = o->drop_pct,
        .duplicate_pct = o->duplicate_pct,
        .reorder_pct = o->reorder_pct,
        .corrupt_pct = o->corrupt_pct,
        .delay_us = o->delay_us,
    };
    n.fault.rx.opt = d;
    n.fault.tx.opt = d;

    uint64_t total = rc_scaled(64u << 20);
    struct rc_stream st[2];
    rc_stream_init(&st[0], c.server, &c.client, 101, total);
    rc_stream_init(&st[1], &c.client, c.server, 202, total);
    tapir_instant t0 = n.clock.now_us;
    rc_run(&n, st, 2, TAPIR_US_PER_MS, 3600 * (tapir_instant)TAPIR_US_PER_S);
    tapir_instant took = n.clock.now_us - t0;
    netsim_advance(&n, TAPIR_US_PER_S); /* the last ACKs */

    assert_int_equal(st[0].hash, rc_expected_hash(101, total));
    assert_int_equal(st[1].hash, rc_expected_hash(202, total));
    assert_int_equal(c.server->snd_una, c.server->snd_max);
    assert_int_equal(c.client.snd_una, c.client.snd_max);
    assert_int_equal(tapir__tcp_rec_check(c.server), 0);
    assert_int_equal(tapir__tcp_rec_check(&c.client), 0);
    assert_int_equal(tapir_tcp_state(c.server), TAPIR_TCP_ESTABLISHED);
    assert_int_equal(tapir_tcp_state(&c.client), TAPIR_TCP_ESTABLISHED);

    uint64_t rexmit = c.server->stats.retransmissions + c.client.stats.retransmissions;
    printf("%s (%s): %" PRIu64 " bytes each way in %.3f s of virtual time\n", name,
           o->v6 ? "IPv6" : "IPv4", total, (double)took / TAPIR_US_PER_S);
    printf("  FNV-1a A->B %016" PRIx64 ", B->A %016" PRIx64 "\n", st[0].hash, st[1].hash);
    rc_print_side("A", c.server);
    rc_print_side("B", &c.client);
    const struct tapir_fault_counters *tx = &n.fault.tx.counters, *rx = &n.fault.rx.counters;
    printf("  faults A->B: %" PRIu64 " frames, %" PRIu64 " dropped, %" PRIu64
           " duplicated, %" PRIu64 " reordered, %" PRIu64 " corrupted\n",
           tx->received, tx->dropped, tx->duplicated, tx->reordered, tx->corrupted);
    printf("  faults B->A: %" PRIu64 " frames, %" PRIu64 " dropped, %" PRIu64
           " duplicated, %" PRIu64 " reordered, %" PRIu64 " corrupted\n",
           rx->received, rx->dropped, rx->duplicated, rx->reordered, rx->corrupted);
    for (int i = 0; i < 2; i++) {
        const struct tapir_iface_stats *is = tapir_iface_stats(i ? &n.b.iface : &n.a.iface);
        printf("  stack %c drops:", i ? 'B' : 'A');
        for (int k = 0; k < TAPIR_DROP_COUNT_; k++)
            if (is->drops[k])
                printf(" [%d]=%" PRIu64, k, is->drops[k]);
        printf("\n");
    }
    /* No segment ever exceeded the MTU (options and payload within the MSS). */
    assert_int_equal(tapir_iface_stats(&n.a.iface)->fragments_sent, 0);
    assert_int_equal(tapir_iface_stats(&n.b.iface)->fragments_sent, 0);
    if (o->lossy) {
        assert_true(tx->dropped + rx->dropped + tx->corrupted + rx->corrupted > 0);
        assert_true(rexmit > 0);
    }
    if (o->drop_pct == 0 && o->corrupt_pct == 0 && o->reorder_pct == 0) {
        /* Nothing lost and nothing out of order: nothing to repair. */
        assert_int_equal(rexmit, 0);
        assert_int_equal(c.server->stats.rto_expirations + c.client.stats.rto_expirations, 0);
    }
    rc_close(&n, &c);
    netsim_free(&n);
}

#endif
