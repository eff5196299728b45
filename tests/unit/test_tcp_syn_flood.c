/* SYN cookies under a flood (RFC 4987 §3.6): a listener whose backlog of 2 is taken by
 * handshakes that never complete answers 10,000 spoofed SYNs (raw frames injected into
 * stack A through the pair's other end, the answers read raw from it) with cookie
 * SYN-ACKs, keeping nothing; bad cookies get RSTs, good ones with no free socket are
 * dropped; a real client then connects through a cookie and moves data both ways. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "../src/socket/tcp_internal.h"
#include "netsim.h"
#include "tapir/error.h"
#include "tapir/priv/tcp_syncookie.h"
#include "tapir/socket/tcp.h"
#include "tapir/socket/tcp_iface.h"
#include "tapir/wire/checksum.h"
#include "tapir/wire/ethernet.h"
#include "tapir/wire/ip.h"
#include "tapir/wire/ipv4.h"
#include "tapir/wire/ipv6.h"
#include "tapir/wire/tcp.h"

#define FLOOD     10000
#define CHUNK     200 /* frames per injection: the pair holds 256 each way */
#define BACKLOG   2
#define SOCK_BUF  (64 * 1024)
#define ISN_FIXED 0x12345678u

/* ---- raw frames: into A from B's end, and out of B's end ---- */

static void inject_tcp(struct netsim *n, const struct tapir_ip_addr *src,
                       const struct tapir_ip_addr *dst, const struct tapir_tcp_repr *tcp)
{
    static uint8_t seg[2048], pkt[2048], frame[2048];
    struct tapir_pseudo_header ph = {.src = *src, .dst = *dst, .protocol = TAPIR_IP_PROTO_TCP};
    int tl = tapir_tcp_emit(tcp, &ph, seg, sizeof seg);
    assert_true(tl > 0);
    int pl;
    if (src->version == TAPIR_IP_V4) {
        struct tapir_ipv4_repr ip;
        memset(&ip, 0, sizeof ip);
        ip.src = src->v4;
        ip.dst = dst->v4;
        ip.protocol = TAPIR_IP_PROTO_TCP;
        ip.ttl = 64;
        ip.payload = seg;
        ip.payload_len = (size_t)tl;
        pl = tapir_ipv4_emit(&ip, pkt, sizeof pkt);
    } else {
        struct tapir_ipv6_repr ip;
        memset(&ip, 0, sizeof ip);
        ip.src = src->v6;
        ip.dst = dst->v6;
        ip.next_header = TAPIR_IP_PROTO_TCP;
        ip.hop_limit = 64;
        ip.payload = seg;
        ip.payload_len = (size_t)tl;
        pl = tapir_ipv6_emit(&ip, pkt, sizeof pkt);
    }
    assert_true(pl > 0);
    struct tapir_eth_repr eth = {
        .src = {{2, 0, 0, 0, 0, 2}},
        .dst = {{2, 0, 0, 0, 0, 1}},
        .ethertype = src->version == TAPIR_IP_V4 ? TAPIR_ETHERTYPE_IPV4 : TAPIR_ETHERTYPE_IPV6,
        .payload = pkt,
        .payload_len = (size_t)pl,
    };
    int fl = tapir_eth_emit(&eth, frame, sizeof frame);
    assert_true(fl > 0);
    struct tapir_frame f;
    memset(&f, 0, sizeof f);
    f.data = frame;
    f.cap = f.len = (size_t)fl;
    assert_int_equal(tapir_device_tx(&n->pair.b.dev, &f, 1), 1);
}

/* Let A take everything injected (B is not polled: what A sends waits at B's end). */
static void poll_a(struct netsim *n)
{
    for (int i = 0; i < 100 && n->pair.a.rxq.len > 0; i++)
        tapir_iface_poll(&n->a.iface, n->clock.now_us);
    assert_int_equal(n->pair.a.rxq.len, 0);
    tapir_iface_poll(&n->a.iface, n->clock.now_us);
}

struct seen {
    struct tapir_ip_addr src, dst;
    struct tapir_tcp_repr tcp; /* payload not kept */
};

/* Read every frame waiting at B's end; the TCP segments (checksums verified) go to `out`.
 * Any other frame fails the test. Returns the count. */
static unsigned collect(struct netsim *n, struct seen *out, unsigned max)
{
    static uint8_t mem[64][2048];
    struct tapir_frame f[64];
    unsigned count = 0;
    for (;;) {
        for (int i = 0; i < 64; i++) {
            memset(&f[i], 0, sizeof f[i]);
            f[i].data = mem[i];
            f[i].cap = sizeof mem[i];
        }
        int got = tapir_device_rx(&n->pair.b.dev, f, 64);
        assert_true(got >= 0);
        if (got == 0)
            return count;
        for (int i = 0; i < got; i++) {
            struct tapir_eth_repr eth;
            assert_int_equal(tapir_eth_parse(f[i].data, f[i].len, &eth), 0);
            struct seen s;
            memset(&s, 0, sizeof s);
            const uint8_t *l4;
            size_t l4_len;
            if (eth.ethertype == TAPIR_ETHERTYPE_IPV4) {
                struct tapir_ipv4_repr ip;
                assert_int_equal(tapir_ipv4_parse(eth.payload, eth.payload_len, &ip), 0);
                assert_int_equal(ip.protocol, TAPIR_IP_PROTO_TCP);
                s.src.version = s.dst.version = TAPIR_IP_V4;
                s.src.v4 = ip.src;
                s.dst.v4 = ip.dst;
                l4 = ip.payload;
                l4_len = ip.payload_len;
            } else {
                assert_int_equal(eth.ethertype, TAPIR_ETHERTYPE_IPV6);
                struct tapir_ipv6_repr ip;
                assert_int_equal(tapir_ipv6_parse(eth.payload, eth.payload_len, &ip), 0);
                assert_int_equal(ip.upper_protocol, TAPIR_IP_PROTO_TCP);
                s.src.version = s.dst.version = TAPIR_IP_V6;
                s.src.v6 = ip.src;
                s.dst.v6 = ip.dst;
                l4 = ip.payload;
                l4_len = ip.payload_len;
            }
            struct tapir_pseudo_header ph = {
                .src = s.src, .dst = s.dst, .protocol = TAPIR_IP_PROTO_TCP};
            assert_int_equal(tapir_tcp_parse(l4, l4_len, &ph, &s.tcp), 0);
            s.tcp.payload = NULL;
            s.tcp.options = NULL;
            s.tcp.options_len = 0;
            assert_true(count < max);
            out[count++] = s;
        }
    }
}

/* ---- the listener ---- */

struct server {
    struct tapir_tcp_socket listener, pool[BACKLOG];
    struct tapir_tcp_socket *backlog[BACKLOG];
    uint8_t *mem;
    uint8_t index_mem[4096] __attribute__((aligned(16)));
};

static void server_open(struct netsim *n, struct server *sv, const char *addr, uint16_t port)
{
    memset(sv, 0, sizeof *sv);
    sv->mem = malloc((BACKLOG + 1) * 2 * SOCK_BUF);
    assert_non_null(sv->mem);
    uint8_t *m = sv->mem;
    assert_int_equal(tapir_tcp_socket_init(&sv->listener, NULL, m, 1024, m + 1024, 1024), 0);
    m += 2 * SOCK_BUF;
    for (int i = 0; i < BACKLOG; i++, m += 2 * SOCK_BUF) {
        assert_int_equal(
            tapir_tcp_socket_init(&sv->pool[i], NULL, m, SOCK_BUF, m + SOCK_BUF, SOCK_BUF), 0);
        sv->backlog[i] = &sv->pool[i];
    }
    struct tapir_tcp_endpoint local = {.addr = netsim_ip(addr), .port = port};
    assert_int_equal(tapir_tcp_listen(&sv->listener, &local, sv->backlog, BACKLOG), 0);
    tapir_iface_add_socket(&n->a.iface, &sv->listener.link);
}

static void server_close(struct netsim *n, struct server *sv)
{
    tapir_iface_remove_socket(&n->a.iface, &sv->listener.link);
    free(sv->mem);
}

/* A SYN from a spoofed peer. */
static struct tapir_tcp_repr syn_from(uint16_t sport, uint16_t dport, uint32_t seq)
{
    struct tapir_tcp_repr t;
    memset(&t, 0, sizeof t);
    t.src_port = sport;
    t.dst_port = dport;
    t.seq = seq;
    t.flags = TAPIR_TCP_SYN;
    t.window = 65535;
    return t;
}

static struct tapir__tcp_tuple tuple(const struct tapir_ip_addr *local, uint16_t lport,
                                     const struct tapir_ip_addr *remote, uint16_t rport)
{
    struct tapir__tcp_tuple t;
    memset(&t, 0, sizeof t);
    t.local = *local;
    t.remote = *remote;
    t.local_port = lport;
    t.remote_port = rport;
    return t;
}

/* What one spoofed SYN of the flood offered. */
struct flood_syn {
    struct tapir_ip_addr src;
    struct tapir_tcp_repr syn;
    uint32_t cookie;
};

static struct tapir_ip_addr spoofed_v4(uint32_t i)
{
    struct tapir_ip_addr a = {.version = TAPIR_IP_V4};
    a.v4.bytes[0] = 10;
    a.v4.bytes[1] = (uint8_t)(i >> 14);
    a.v4.bytes[2] = (uint8_t)(i >> 6);
    a.v4.bytes[3] = (uint8_t)((i & 63) * 4 + 1);
    return a;
}

/* The socket's bytes with its counters zeroed. */
static size_t socket_bytes_but_stats(const struct tapir_tcp_socket *s, uint8_t *out)
{
    memcpy(out, s, sizeof *s);
    memset(out + offsetof(struct tapir_tcp_socket, stats), 0, sizeof s->stats);
    return sizeof *s;
}

/* Moves `total` bytes from `from` to `to` (pattern i*13+k), checking every byte. */
static void transfer(struct netsim *n, struct tapir_tcp_socket *from, struct tapir_tcp_socket *to,
                     size_t total, uint8_t k)
{
    static uint8_t chunk[16384];
    size_t sent = 0, got = 0;
    for (int round = 0; round < 100000 && got < total; round++) {
        while (sent < total) {
            size_t want = total - sent < sizeof chunk ? total - sent : sizeof chunk;
            for (size_t i = 0; i < want; i++)
                chunk[i] = (uint8_t)((sent + i) * 13 + k);
            int w = tapir_tcp_send(from, chunk, want);
            assert_true(w >= 0);
            sent += (size_t)w;
            if ((size_t)w < want)
                break;
        }
        netsim_settle(n);
        int r;
        while ((r = tapir_tcp_recv(to, chunk, sizeof chunk)) > 0) {
            for (int i = 0; i < r; i++)
                if (chunk[i] != (uint8_t)((got + (size_t)i) * 13 + k))
                    fail_msg("byte %zu differs", got + (size_t)i);
            got += (size_t)r;
        }
        netsim_advance(n, 50 * TAPIR_US_PER_MS);
    }
    assert_int_equal(got, total);
}

static size_t scaled(size_t bytes)
{
    const char *s = getenv("TAPIR_TEST_SCALE");
    double f = s ? atof(s) : 1.0;
    size_t v = (size_t)((double)bytes * (f > 0 ? f : 1.0));
    return v > 0 ? v : 1;
}

static void test_syn_flood(void **state)
{
    (void)state;
    static struct netsim n;
    netsim_init(&n, NULL, 0);
    netsim_settle(&n);
    struct tapir_iface *a = &n.a.iface;
    struct tapir_ip_addr gw = netsim_ip("192.168.69.100");
    assert_int_equal(tapir_iface_set_default_gateway(a, &gw), 0);
    static struct server sv;
    server_open(&n, &sv, "192.168.69.1", 80);
    assert_int_equal(tapir_iface_tcp_index(a, sv.index_mem, sizeof sv.index_mem, 16), 0);
    struct tapir_ip_addr me = netsim_ip("192.168.69.1");

    /* Two handshakes that never complete take the whole backlog. Their SYN-ACKs go by
     * the gateway, B, which drops them (not its address). */
    struct tapir_ip_addr ghost[BACKLOG];
    for (unsigned i = 0; i < BACKLOG; i++) {
        ghost[i] = spoofed_v4(0xff0000 + i);
        struct tapir_tcp_repr syn = syn_from((uint16_t)(5000 + i), 80, 1000 * (i + 1));
        inject_tcp(&n, &ghost[i], &me, &syn);
        netsim_settle(&n); /* the first resolves the gateway */
    }
    for (unsigned i = 0; i < BACKLOG; i++)
        assert_int_equal(tapir_tcp_state(&sv.pool[i]), TAPIR_TCP_SYN_RECEIVED);
    assert_int_equal(tapir_iface_stats(&n.b.iface)->drops[TAPIR_DROP_IPV4_OTHER_HOST], BACKLOG);
    assert_int_equal(a->tcp.demux.used, BACKLOG);

    /* What must not change while the flood lasts: the listener (but its counters), the
     * backlog sockets, the index. */
    static uint8_t before[BACKLOG + 1][sizeof(struct tapir_tcp_socket)];
    static uint8_t after[sizeof(struct tapir_tcp_socket)];
    size_t sz = socket_bytes_but_stats(&sv.listener, before[0]);
    for (unsigned i = 0; i < BACKLOG; i++)
        memcpy(before[i + 1], &sv.pool[i], sizeof sv.pool[i]);
    static uint8_t index_before[4096];
    memcpy(index_before, sv.index_mem, sizeof index_before);

    /* The flood: every SYN gets a cookie SYN-ACK built from it alone. A third carry no
     * Timestamps option, so their SYN-ACKs offer neither window scaling nor SACK. */
    static struct flood_syn fs[FLOOD];
    static struct seen got[CHUNK + 8];
    struct tapir_prng rnd;
    tapir_prng_seed(&rnd, 42);
    static const uint16_t peer_mss[] = {536, 1200, 1300, 1440, 1460, 8960};
    unsigned with_ts = 0;
    for (unsigned base = 0; base < FLOOD; base += CHUNK) {
        for (unsigned i = base; i < base + CHUNK; i++) {
            uint64_t r = tapir_prng_next(&rnd);
            fs[i].src = spoofed_v4(i);
            fs[i].syn = syn_from((uint16_t)(1024 + r % 64000), 80, (uint32_t)(r >> 32));
            fs[i].syn.has_mss = true;
            fs[i].syn.mss = peer_mss[i % 6];
            if (i % 3 != 0) {
                fs[i].syn.has_timestamps = true;
                fs[i].syn.ts_val = (uint32_t)r;
                fs[i].syn.has_wscale = i % 5 != 0;
                fs[i].syn.wscale = (uint8_t)(i % 15);
                fs[i].syn.sack_permitted = i % 2 == 0;
                with_ts++;
            }
            inject_tcp(&n, &fs[i].src, &me, &fs[i].syn);
        }
        poll_a(&n);
        assert_int_equal(collect(&n, got, CHUNK + 8), CHUNK);
        for (unsigned j = 0; j < CHUNK; j++) {
            const struct flood_syn *f = &fs[base + j];
            const struct tapir_tcp_repr *t = &got[j].tcp;
            assert_true(tapir_ip_equal(&got[j].dst, &f->src));
            assert_int_equal(t->flags, TAPIR_TCP_SYN | TAPIR_TCP_ACK);
            assert_int_equal(t->dst_port, f->syn.src_port);
            assert_int_equal(t->ack, f->syn.seq + 1);
            assert_true(t->has_mss);
            assert_int_equal(t->mss, 1460);
            struct tapir__tcp_tuple tt = tuple(&me, 80, &f->src, f->syn.src_port);
            int mss = tapir__syncookie_check(&a->tcp.key, &tt, f->syn.seq + 1, t->seq + 1,
                                             n.clock.now_us);
            unsigned idx = tapir__syncookie_mss_index(TAPIR_IP_V4, f->syn.mss);
            assert_int_equal(mss, tapir__syncookie_mss(TAPIR_IP_V4, idx));
            fs[base + j].cookie = t->seq;
            bool ts = f->syn.has_timestamps;
            assert_int_equal(t->has_timestamps, ts);
            assert_int_equal(t->has_wscale, ts && f->syn.has_wscale);
            assert_int_equal(t->sack_permitted, ts && f->syn.sack_permitted);
            if (ts) {
                /* 64 KiB buffers: our shift is 1; the peer's choices ride in the TSval. */
                if (t->has_wscale)
                    assert_int_equal(t->wscale, 1);
                assert_int_equal(t->ts_ecr, f->syn.ts_val);
                struct tapir__syncookie_opts o;
                tapir__syncookie_ts_decode(t->ts_val, &o);
                assert_int_equal(o.wscale_ok, f->syn.has_wscale);
                if (o.wscale_ok)
                    assert_int_equal(o.wscale, f->syn.wscale > 14 ? 14 : f->syn.wscale);
                assert_int_equal(o.sack_ok, f->syn.sack_permitted);
            }
        }
        n.clock.now_us += 1000; /* the flood lasts 50 ms */
    }
    assert_int_equal(with_ts, FLOOD - (FLOOD + 2) / 3);
    assert_int_equal(sv.listener.stats.syncookies_sent, FLOOD);

    /* Nothing was kept: listener, backlog and index are byte for byte as before. */
    assert_int_equal(socket_bytes_but_stats(&sv.listener, after), sz);
    assert_memory_equal(after, before[0], sz);
    for (unsigned i = 0; i < BACKLOG; i++)
        assert_memory_equal(&sv.pool[i], before[i + 1], sizeof sv.pool[i]);
    assert_memory_equal(sv.index_mem, index_before, sizeof index_before);

    /* 1,000 ACKs with a wrong cookie (or the right cookie with a sequence number that is
     * not the SYN's + 1) get RSTs; 100 good ones find no socket and are dropped, silently. */
    unsigned bad = 0;
    for (unsigned base = 0; base < 1000; base += CHUNK) {
        for (unsigned i = base; i < base + CHUNK; i++) {
            struct tapir_tcp_repr ack = syn_from(fs[i].syn.src_port, 80, fs[i].syn.seq + 1);
            ack.flags = TAPIR_TCP_ACK;
            ack.ack = fs[i].cookie + 1;
            if (i % 2)
                ack.ack += 1u + (i % 7); /* off by a little */
            else
                ack.seq += 1; /* the cookie, but not for this SYN */
            inject_tcp(&n, &fs[i].src, &me, &ack);
            bad++;
        }
        poll_a(&n);
        assert_int_equal(collect(&n, got, CHUNK + 8), CHUNK);
        for (unsigned j = 0; j < CHUNK; j++) {
            unsigned i = base + j;
            assert_int_equal(got[j].tcp.flags, TAPIR_TCP_RST);
            uint32_t sent_ack = fs[i].cookie + 1 + ((i % 2) ? 1u + (i % 7) : 0);
            assert_int_equal(got[j].tcp.seq, sent_ack); /* <SEQ=SEG.ACK><CTL=RST> */
            assert_true(tapir_ip_equal(&got[j].dst, &fs[i].src));
        }
    }
    for (unsigned i = 1000; i < 1100; i++) {
        struct tapir_tcp_repr ack = syn_from(fs[i].syn.src_port, 80, fs[i].syn.seq + 1);
        ack.flags = TAPIR_TCP_ACK;
        ack.ack = fs[i].cookie + 1;
        inject_tcp(&n, &fs[i].src, &me, &ack);
    }
    poll_a(&n);
    assert_int_equal(collect(&n, got, CHUNK + 8), 0);
    assert_int_equal(sv.listener.stats.syncookies_rejected, bad);
    assert_int_equal(sv.listener.stats.syncookies_no_socket, 100);
    assert_int_equal(sv.listener.stats.syncookies_accepted, 0);
    assert_int_equal(socket_bytes_but_stats(&sv.listener, after), sz);
    assert_memory_equal(after, before[0], sz);
    for (unsigned i = 0; i < BACKLOG; i++)
        assert_memory_equal(&sv.pool[i], before[i + 1], sizeof sv.pool[i]);
    assert_memory_equal(sv.index_mem, index_before, sizeof index_before);

    /* A real client. Its SYN finds the backlog full: cookie SYN-ACK. Before its ACK
     * arrives, a RST from the first ghost frees that ghost's socket, which the ACK then
     * takes. */
    static uint8_t cmem[2 * SOCK_BUF];
    static struct tapir_tcp_socket client;
    assert_int_equal(
        tapir_tcp_socket_init(&client, NULL, cmem, SOCK_BUF, cmem + SOCK_BUF, SOCK_BUF), 0);
    struct tapir_tcp_endpoint srv = {.addr = me, .port = 80};
    assert_int_equal(tapir_tcp_connect_iface(&n.b.iface, &client, &srv, n.clock.now_us), 0);
    tapir_iface_poll(&n.b.iface, n.clock.now_us); /* the SYN */
    tapir_iface_poll(&n.a.iface, n.clock.now_us); /* the cookie SYN-ACK */
    assert_int_equal(sv.listener.stats.syncookies_sent, FLOOD + 1);
    struct tapir_tcp_repr rst = syn_from(5000, 80, 1000 + 1);
    rst.flags = TAPIR_TCP_RST;
    inject_tcp(&n, &ghost[0], &me, &rst);
    tapir_iface_poll(&n.b.iface, n.clock.now_us); /* the ACK, behind the RST */
    uint32_t synack_tsval = client.ts_recent;
    netsim_settle(&n);
    assert_int_equal(tapir_tcp_state(&client), TAPIR_TCP_ESTABLISHED);
    assert_int_equal(sv.listener.stats.syncookies_accepted, 1);
    struct tapir_tcp_socket *child = tapir_tcp_accept(&sv.listener);
    assert_ptr_equal(child, &sv.pool[0]);
    assert_null(tapir_tcp_accept(&sv.listener));
    assert_int_equal(tapir_tcp_state(child), TAPIR_TCP_ESTABLISHED);
    assert_int_equal(tapir_tcp_state(&sv.pool[1]), TAPIR_TCP_SYN_RECEIVED);
    assert_int_equal(child->iss, client.irs); /* the cookie */
    assert_int_equal(child->irs, client.iss);
    /* The options came back from the cookie and the echoed TSval. */
    assert_int_equal(child->peer_mss, 1460);
    assert_int_equal(child->mss, 1448);
    assert_int_equal(client.mss, 1448);
    assert_true(child->ts_ok && child->wscale_ok && child->sack_ok);
    assert_true(client.ts_ok && client.wscale_ok && client.sack_ok);
    assert_int_equal(child->snd_wscale, client.rcv_wscale);
    assert_int_equal(child->rcv_wscale, 1);
    assert_int_equal(client.snd_wscale, 1);
    assert_int_equal(child->remote.port, client.local.port);
    /* The child took the ghost's socket, and its index entry, moved to the new tuple. */
    assert_int_equal(a->tcp.demux.used, BACKLOG);
    /* The child's clock goes on from the cookie SYN-ACK's TSval (the peer's PAWS). */
    assert_true(seq_ge(tapir__tcp_ts_now(child, n.clock.now_us), synack_tsval));
    assert_true(tapir__tcp_ts_now(child, n.clock.now_us) - synack_tsval < 64);

    size_t bytes = scaled(300000);
    transfer(&n, &client, child, bytes, 1);
    transfer(&n, child, &client, bytes, 2);
    assert_int_equal(client.stats.retransmissions + child->stats.retransmissions, 0);
    assert_int_equal(child->stats.bytes_received, bytes);
    assert_int_equal(client.stats.bytes_received, bytes);
    tapir_tcp_close(&client);
    netsim_settle(&n);
    tapir_tcp_close(child);
    netsim_settle(&n);
    assert_int_equal(tapir_tcp_state(child), TAPIR_TCP_CLOSED);
    assert_int_equal(tapir_tcp_state(&client), TAPIR_TCP_CLOSED); /* TIME-WAIT: a record */
    assert_int_equal(tapir__tcp_tw_count(&n.b.iface.tcp_time_wait), 1);

    tapir_iface_remove_socket(&n.b.iface, &client.link);
    server_close(&n, &sv);
    netsim_free(&n);
}

/* Without timestamps a cookie cannot carry the peer's window scale and SACK choices: the
 * SYN-ACK offers neither and the connection runs without (IPv6, MSS from the v6 table). */
static void test_cookie_without_timestamps_v6(void **state)
{
    (void)state;
    static struct netsim n;
    netsim_init(&n, NULL, 0);
    netsim_settle(&n);
    struct tapir_iface *a = &n.a.iface;
    struct tapir_ip_addr gw = netsim_ip("fdaa::100");
    assert_int_equal(tapir_iface_set_default_gateway(a, &gw), 0);
    static struct server sv;
    server_open(&n, &sv, "fdaa::1", 8080);
    struct tapir_ip_addr me = netsim_ip("fdaa::1");
    struct tapir_ip_addr ghost = netsim_ip("2001:db8::1"), peer = netsim_ip("2001:db8::2");

    for (unsigned i = 0; i < BACKLOG; i++) {
        struct tapir_tcp_repr syn = syn_from((uint16_t)(7000 + i), 8080, 500 + i);
        inject_tcp(&n, &ghost, &me, &syn);
    }
    netsim_settle(&n); /* A resolves B by NDP on the way */
    assert_int_equal(tapir_tcp_state(&sv.pool[1]), TAPIR_TCP_SYN_RECEIVED);

    static struct seen got[8];
    struct tapir_tcp_repr syn = syn_from(40000, 8080, 0xfffffffeu); /* the seq wraps */
    syn.has_mss = true;
    syn.mss = 1440;
    syn.has_wscale = true;
    syn.wscale = 7;
    syn.sack_permitted = true;
    inject_tcp(&n, &peer, &me, &syn);
    poll_a(&n);
    assert_int_equal(collect(&n, got, 8), 1);
    const struct tapir_tcp_repr *sa = &got[0].tcp;
    assert_int_equal(sa->flags, TAPIR_TCP_SYN | TAPIR_TCP_ACK);
    assert_false(sa->has_timestamps);
    assert_false(sa->has_wscale);
    assert_false(sa->sack_permitted);
    assert_int_equal(sa->mss, 1440);
    assert_int_equal(sa->ack, 0xffffffffu);
    uint32_t cookie = sa->seq;

    /* A RST frees a socket; the ACK carries "hello". */
    struct tapir_tcp_repr rst = syn_from(7000, 8080, 501);
    rst.flags = TAPIR_TCP_RST;
    inject_tcp(&n, &ghost, &me, &rst);
    struct tapir_tcp_repr ack = syn_from(40000, 8080, 0xffffffffu);
    ack.flags = TAPIR_TCP_ACK | TAPIR_TCP_PSH;
    ack.ack = cookie + 1;
    ack.window = 1000;
    ack.payload = (const uint8_t *)"hello";
    ack.payload_len = 5;
    inject_tcp(&n, &peer, &me, &ack);
    poll_a(&n);
    assert_int_equal(collect(&n, got, 8), 0); /* the data's ACK is delayed */
    struct tapir_tcp_socket *c = tapir_tcp_accept(&sv.listener);
    assert_ptr_equal(c, &sv.pool[0]);
    assert_int_equal(tapir_tcp_state(c), TAPIR_TCP_ESTABLISHED);
    assert_false(c->ts_ok || c->wscale_ok || c->sack_ok);
    assert_int_equal(c->rcv_wscale, 0);
    assert_int_equal(c->peer_mss, 1440);
    assert_int_equal(c->mss, 1440);
    assert_int_equal(c->iss, cookie);
    assert_int_equal(c->snd_wnd, 1000);
    char buf[16];
    assert_int_equal(tapir_tcp_recv(c, buf, sizeof buf), 5);
    assert_memory_equal(buf, "hello", 5);
    n.clock.now_us += 40 * TAPIR_US_PER_MS;
    poll_a(&n);
    assert_int_equal(collect(&n, got, 8), 1);
    assert_int_equal(got[0].tcp.flags, TAPIR_TCP_ACK);
    assert_int_equal(got[0].tcp.seq, cookie + 1);
    assert_int_equal(got[0].tcp.ack, 4); /* 0xffffffff + 5, wrapped */
    assert_false(got[0].tcp.has_timestamps);
    assert_int_equal(got[0].tcp.window, 65535); /* unscaled: 64 KiB, capped */
    assert_int_equal(sv.listener.stats.syncookies_sent, 1);
    assert_int_equal(sv.listener.stats.syncookies_accepted, 1);
    server_close(&n, &sv);
    netsim_free(&n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_syn_flood),
        cmocka_unit_test(test_cookie_without_timestamps_v6),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
