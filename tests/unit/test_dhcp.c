/* The DHCP client on stack A of the in-memory pair, on the virtual clock; the test plays
 * the server through a UDP socket on stack B (port 67) and plays the application on A
 * (applies leases, sends the ARP probes the client asks for). Exact messages (xid, flags,
 * options, secs, addresses), the retransmission schedule, renew at T1 (unicast), rebind at
 * T2 (broadcast), expiry, NAK, an ARP conflict and DECLINE, release. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "netsim.h"
#include "tapir/error.h"
#include "tapir/socket/dhcp.h"
#include "tapir/socket/udp.h"
#include "tapir/wire/arp.h"
#include "tapir/wire/dhcpv4.h"
#include "tapir/wire/ethernet.h"

/* ctest-case: dhcp_dora test_dora */
/* ctest-case: dhcp_retransmit test_retransmit */
/* ctest-case: dhcp_renew_rebind test_renew_rebind */
/* ctest-case: dhcp_expiry test_expiry */
/* ctest-case: dhcp_nak test_nak */
/* ctest-case: dhcp_conflict test_conflict */
/* ctest-case: dhcp_release test_release */

#define S    ((tapir_instant)1000000)
#define QLEN 65536

struct msg {
    struct tapir_udp_meta meta;
    uint8_t buf[1500];
    size_t len;
    struct tapir_dhcpv4_repr r;
};

struct h {
    struct netsim n;
    struct tapir_udp_socket cs, ss;
    uint8_t *bufs[4];
    struct tapir_dhcp_client c;
    struct tapir_prng prng;
    struct tapir_dhcp_event ev[64];
    unsigned nev;
    tapir_instant probe_at[8]; /* ARP probes A put on the wire */
    unsigned probes;
    bool applied;
    struct tapir_ipv4_addr applied_addr;
};

static struct h *H; /* for the frame filter */

static struct tapir_ipv4_addr a4(const char *t)
{
    struct tapir_ipv4_addr a;
    assert_int_equal(tapir_ipv4_addr_parse(t, &a), 0);
    return a;
}

static void assert_a4(const struct tapir_ipv4_addr *a, const char *t)
{
    struct tapir_ipv4_addr b = a4(t);
    assert_memory_equal(a, &b, 4);
}

static void assert_ip(const struct tapir_ip_addr *a, const char *t)
{
    assert_int_equal(a->version, TAPIR_IP_V4);
    assert_a4(&a->v4, t);
}

/* Watches A's frames for ARP probes (sender IP 0.0.0.0); drops nothing. */
static bool watch(void *ctx, const uint8_t *frame, size_t len)
{
    (void)ctx;
    struct tapir_eth_repr e;
    struct tapir_arp_repr arp;
    static const struct tapir_ipv4_addr zero;
    if (tapir_eth_parse(frame, len, &e) == 0 && e.ethertype == TAPIR_ETHERTYPE_ARP &&
        tapir_arp_parse(e.payload, e.payload_len, &arp) == 0 &&
        memcmp(&arp.sender_ip, &zero, 4) == 0 && H->probes < 8)
        H->probe_at[H->probes++] = H->n.clock.now_us;
    return false;
}

static void setup(struct h *h, const struct tapir_dhcp_config *cfg_in)
{
    memset(h, 0, sizeof *h);
    H = h;
    netsim_init(&h->n, NULL, 1500);
    h->n.drop_a_tx = watch;
    struct tapir_ip_addr a1 = netsim_ip("192.168.69.1");
    assert_int_equal(tapir_iface_del_ip(&h->n.a.iface, &a1), 0);
    for (int i = 0; i < 4; i++)
        h->bufs[i] = malloc(QLEN);
    assert_int_equal(tapir_udp_socket_init(&h->cs, h->bufs[0], QLEN, h->bufs[1], QLEN), 0);
    assert_int_equal(tapir_udp_bind(&h->cs, &h->n.a.iface, NULL, 68), 0);
    tapir_iface_add_socket(&h->n.a.iface, &h->cs.link);
    assert_int_equal(tapir_udp_socket_init(&h->ss, h->bufs[2], QLEN, h->bufs[3], QLEN), 0);
    assert_int_equal(tapir_udp_bind(&h->ss, &h->n.b.iface, NULL, 67), 0);
    h->ss.broadcast = true;
    tapir_iface_add_socket(&h->n.b.iface, &h->ss.link);

    tapir_prng_seed(&h->prng, 42);
    struct tapir_dhcp_config cfg;
    if (cfg_in)
        cfg = *cfg_in;
    else
        tapir_dhcp_config_default(&cfg);
    cfg.mac = *tapir_iface_mac(&h->n.a.iface);
    cfg.rng = tapir_prng_source(&h->prng);
    assert_int_equal(tapir_dhcp_start(&h->c, &h->cs, &cfg, h->n.clock.now_us), 0);
}

static void teardown(struct h *h)
{
    netsim_free(&h->n);
    for (int i = 0; i < 4; i++)
        free(h->bufs[i]);
}

/* The application's side of one round: settle the link, take the client's events and
 * apply them to A, report a conflict, settle again. */
static void app_round(struct h *h)
{
    tapir_instant now = h->n.clock.now_us;
    struct tapir_iface *a = &h->n.a.iface;
    for (int round = 0; round < 4; round++) {
        netsim_settle(&h->n);
        struct tapir_dhcp_event ev;
        while (tapir_dhcp_poll(&h->c, now, &ev) > 0) {
            assert_true(h->nev < 64);
            h->ev[h->nev++] = ev;
            if (ev.kind == TAPIR_DHCP_EV_PROBE) {
                assert_int_equal(tapir_iface_arp_probe(a, &ev.probe, now), 0);
            } else if (ev.kind == TAPIR_DHCP_EV_LEASE) {
                assert_int_equal(
                    tapir_iface_add_ipv4(a, &ev.lease.address, ev.lease.prefix_len, now), 0);
                h->applied = true;
                h->applied_addr = ev.lease.address;
                tapir_iface_arp_probe_stop(a);
            } else if (ev.kind == TAPIR_DHCP_EV_LOST) {
                struct tapir_ip_addr old = {.version = TAPIR_IP_V4, .v4 = ev.lease.address};
                netsim_settle(&h->n); /* a RELEASE leaves from the address first */
                assert_int_equal(tapir_iface_del_ip(a, &old), 0);
                h->applied = false;
            }
        }
        struct tapir_ipv4_addr p;
        if (tapir_dhcp_probing(&h->c, &p) && tapir_iface_arp_conflict(a, &p)) {
            assert_int_equal(tapir_dhcp_probe_conflict(&h->c, now), 0);
            tapir_iface_arp_probe_stop(a);
            continue;
        }
        netsim_settle(&h->n);
    }
}

/* Move the virtual clock to `t`, stopping at every deadline of the stacks and client. */
static void run_until(struct h *h, tapir_instant t)
{
    app_round(h);
    for (int i = 0; i < 100000 && h->n.clock.now_us < t; i++) {
        tapir_instant now = h->n.clock.now_us;
        tapir_instant at = tapir_iface_poll_at(&h->n.a.iface, now);
        tapir_instant bt = tapir_iface_poll_at(&h->n.b.iface, now);
        tapir_instant ct = tapir_dhcp_poll_at(&h->c);
        if (bt < at)
            at = bt;
        if (ct < at)
            at = ct;
        if (at <= now)
            at = now + 1;
        h->n.clock.now_us = at < t ? at : t;
        app_round(h);
    }
}

/* Run until the server socket has a message or `limit` passes; true if one came. */
static bool server_wait(struct h *h, struct msg *m, tapir_instant limit)
{
    app_round(h);
    for (int i = 0; i < 100000; i++) {
        int n = tapir_udp_recv(&h->ss, &m->meta, m->buf, sizeof m->buf);
        if (n >= 0) {
            m->len = (size_t)n;
            assert_int_equal(tapir_dhcpv4_parse(m->buf, m->len, &m->r), 0);
            return true;
        }
        if (h->n.clock.now_us >= limit)
            return false;
        tapir_instant now = h->n.clock.now_us;
        tapir_instant at = tapir_dhcp_poll_at(&h->c);
        tapir_instant it = tapir_iface_poll_at(&h->n.a.iface, now);
        if (it < at)
            at = it;
        if (at <= now)
            at = now + 1;
        run_until(h, at < limit ? at : limit);
    }
    fail_msg("server_wait did not end");
    return false;
}

static const uint8_t prl[] = {1, 3, 6, 15, 26, 51, 58, 59};

/* What every client message carries. */
static void check_client_msg(struct h *h, const struct msg *m, uint8_t type)
{
    const struct tapir_dhcpv4_repr *r = &m->r;
    assert_int_equal(m->len, 300);
    assert_int_equal(m->meta.remote_port, 68);
    assert_int_equal(r->op, 1);
    assert_int_equal(r->htype, 1);
    assert_int_equal(r->hlen, 6);
    assert_int_equal(r->hops, 0);
    assert_int_equal(r->message_type, type);
    assert_memory_equal(r->chaddr, tapir_iface_mac(&h->n.a.iface)->bytes, 6);
    static const uint8_t zero10[10];
    assert_memory_equal(r->chaddr + 6, zero10, 10);
    uint8_t cid[7] = {1};
    memcpy(cid + 1, tapir_iface_mac(&h->n.a.iface)->bytes, 6);
    assert_int_equal(r->client_id.len, 7);
    assert_memory_equal(r->client_id.data, cid, 7);
    if (type == TAPIR_DHCPV4_DISCOVER || type == TAPIR_DHCPV4_REQUEST) {
        assert_int_equal(r->param_request.len, sizeof prl);
        assert_memory_equal(r->param_request.data, prl, sizeof prl);
        assert_int_equal(r->max_message_size, 1500);
    }
    assert_a4(&r->yiaddr, "0.0.0.0");
    assert_a4(&r->siaddr, "0.0.0.0");
    assert_a4(&r->giaddr, "0.0.0.0");
}

struct reply_opts {
    uint32_t lease, t1, t2;
    bool unicast; /* to yiaddr instead of broadcast */
};

/* The server answers request `q` with `type` offering 192.168.69.50. */
static void server_reply(struct h *h, const struct msg *q, uint8_t type, const struct reply_opts *o)
{
    struct tapir_dhcpv4_repr r;
    memset(&r, 0, sizeof r);
    r.op = 2;
    r.htype = 1;
    r.hlen = 6;
    r.xid = q->r.xid;
    r.flags = q->r.flags;
    memcpy(r.chaddr, q->r.chaddr, 16);
    r.message_type = type;
    r.present = TAPIR_DHCPV4_HAS_SERVER_ID;
    r.server_id = a4("192.168.69.100");
    static const char msg[] = "no";
    if (type == TAPIR_DHCPV4_NAK) {
        r.message.data = (const uint8_t *)msg;
        r.message.len = 2;
    } else {
        r.yiaddr = a4("192.168.69.50");
        r.present |= TAPIR_DHCPV4_HAS_LEASE_TIME | TAPIR_DHCPV4_HAS_T1 | TAPIR_DHCPV4_HAS_T2 |
                     TAPIR_DHCPV4_HAS_SUBNET_MASK | TAPIR_DHCPV4_HAS_MTU;
        r.lease_time_s = o ? o->lease : 120;
        r.t1_s = o ? o->t1 : 20;
        r.t2_s = o ? o->t2 : 40;
        r.subnet_mask = a4("255.255.255.0");
        r.mtu = 1400;
        r.router_count = 1;
        r.routers[0] = a4("192.168.69.100");
        r.dns_count = 2;
        r.dns[0] = a4("192.168.69.100");
        r.dns[1] = a4("192.168.69.101");
    }
    uint8_t buf[600];
    int n = tapir_dhcpv4_emit(&r, buf, sizeof buf);
    assert_true(n > 0);
    struct tapir_ip_addr to = netsim_ip(o && o->unicast ? "192.168.69.50" : "255.255.255.255");
    assert_int_equal(tapir_udp_send(&h->ss, &to, 68, buf, (size_t)n), n);
    app_round(h);
}

static unsigned count_events(struct h *h, uint8_t kind)
{
    unsigned n = 0;
    for (unsigned i = 0; i < h->nev; i++)
        n += h->ev[i].kind == kind;
    return n;
}

static const struct tapir_dhcp_event *last_event(struct h *h, uint8_t kind)
{
    for (unsigned i = h->nev; i-- > 0;)
        if (h->ev[i].kind == kind)
            return &h->ev[i];
    fail_msg("no event of kind %u", kind);
    return NULL;
}

/* DISCOVER, OFFER, REQUEST, ACK and the probe, checked field by field; returns with the
 * client BOUND to 192.168.69.50 and *req the REQUEST the ACK answered. */
static void dora(struct h *h, struct msg *req)
{
    tapir_instant t0 = h->n.clock.now_us;
    struct msg d;
    assert_true(server_wait(h, &d, t0 + S));
    check_client_msg(h, &d, TAPIR_DHCPV4_DISCOVER);
    assert_ip(&d.meta.remote, "0.0.0.0");
    assert_ip(&d.meta.local, "255.255.255.255");
    assert_int_equal(d.r.flags, TAPIR_DHCPV4_FLAG_BROADCAST);
    assert_int_equal(d.r.secs, 0);
    assert_int_equal(d.r.present, TAPIR_DHCPV4_HAS_MAX_MESSAGE_SIZE);
    assert_a4(&d.r.ciaddr, "0.0.0.0");
    assert_int_equal(h->n.clock.now_us, t0);
    assert_int_equal(tapir_dhcp_state(&h->c), TAPIR_DHCP_SELECTING);

    server_reply(h, &d, TAPIR_DHCPV4_OFFER, NULL);
    assert_true(server_wait(h, req, h->n.clock.now_us + S));
    check_client_msg(h, req, TAPIR_DHCPV4_REQUEST);
    assert_int_equal(req->r.xid, d.r.xid);
    assert_ip(&req->meta.remote, "0.0.0.0");
    assert_ip(&req->meta.local, "255.255.255.255");
    assert_int_equal(req->r.flags, TAPIR_DHCPV4_FLAG_BROADCAST);
    assert_int_equal(req->r.present, TAPIR_DHCPV4_HAS_MAX_MESSAGE_SIZE |
                                         TAPIR_DHCPV4_HAS_SERVER_ID |
                                         TAPIR_DHCPV4_HAS_REQUESTED_IP);
    assert_a4(&req->r.requested_ip, "192.168.69.50");
    assert_a4(&req->r.server_id, "192.168.69.100");
    assert_a4(&req->r.ciaddr, "0.0.0.0");
    assert_int_equal(tapir_dhcp_state(&h->c), TAPIR_DHCP_REQUESTING);

    tapir_instant acked = h->n.clock.now_us;
    server_reply(h, req, TAPIR_DHCPV4_ACK, NULL);
    assert_int_equal(tapir_dhcp_state(&h->c), TAPIR_DHCP_PROBING);
    assert_int_equal(h->probes, 0);
    assert_false(h->applied);
    /* RFC 5227: first probe within PROBE_WAIT, three 1..2 s apart, bound 2 s after. */
    run_until(h, acked + 7 * S);
    assert_int_equal(h->probes, 3);
    assert_true(h->probe_at[0] - acked <= S);
    for (int i = 1; i < 3; i++) {
        tapir_instant gap = h->probe_at[i] - h->probe_at[i - 1];
        assert_true(gap >= S && gap <= 2 * S);
    }
    assert_int_equal(count_events(h, TAPIR_DHCP_EV_LEASE), 1);
    const struct tapir_dhcp_event *e = last_event(h, TAPIR_DHCP_EV_LEASE);
    assert_int_equal(e->at, h->probe_at[2] + 2 * S);
    assert_true(h->applied);
    assert_int_equal(tapir_dhcp_state(&h->c), TAPIR_DHCP_BOUND);
    const struct tapir_dhcp_lease *l = &e->lease;
    assert_a4(&l->address, "192.168.69.50");
    assert_int_equal(l->prefix_len, 24);
    assert_a4(&l->server, "192.168.69.100");
    assert_true(l->has_router);
    assert_a4(&l->router, "192.168.69.100");
    assert_int_equal(l->dns_count, 2);
    assert_a4(&l->dns[1], "192.168.69.101");
    assert_int_equal(l->mtu, 1400);
    assert_int_equal(l->lease_time_s, 120);
    assert_int_equal(l->t1_s, 20);
    assert_int_equal(l->t2_s, 40);
    /* Lease times count from the REQUEST (RFC 2131 §4.4.1). */
    assert_int_equal(l->acquired_at, acked);
    assert_int_equal(l->t1_at, acked + 20 * S);
    assert_int_equal(l->t2_at, acked + 40 * S);
    assert_int_equal(l->expires_at, acked + 120 * S);
    struct tapir_ip_addr a = netsim_ip("192.168.69.50");
    assert_true(tapir_iface_has_ip(&h->n.a.iface, &a));
}

static void test_dora(void **state)
{
    (void)state;
    struct h *h = malloc(sizeof *h);
    setup(h, NULL);
    struct msg req;
    dora(h, &req);
    assert_int_equal(tapir_dhcp_stats(&h->c)->discovers, 1);
    assert_int_equal(tapir_dhcp_stats(&h->c)->requests, 1);
    /* Nothing more is sent before T1. */
    struct msg m;
    assert_false(server_wait(h, &m, req.meta.received_at + 20 * S - 1));
    teardown(h);
    free(h);
}

static void test_retransmit(void **state)
{
    (void)state;
    struct h *h = malloc(sizeof *h);
    setup(h, NULL);
    tapir_instant t0 = h->n.clock.now_us, prev = t0;
    struct msg m;
    assert_true(server_wait(h, &m, t0));
    uint32_t xid = m.r.xid;
    /* RFC 2131 §4.1: 4, 8, 16, 32, 64, 64 s, each ±1 s; the same xid; secs counts. */
    static const int waits[] = {4, 8, 16, 32, 64, 64};
    for (int i = 0; i < 6; i++) {
        assert_true(server_wait(h, &m, prev + (waits[i] + 1) * S));
        tapir_instant gap = m.meta.received_at - prev;
        assert_true(gap >= (waits[i] - 1) * S && gap <= (waits[i] + 1) * S);
        check_client_msg(h, &m, TAPIR_DHCPV4_DISCOVER);
        assert_int_equal(m.r.xid, xid);
        assert_int_equal(m.r.secs, (m.meta.received_at - t0) / S);
        prev = m.meta.received_at;
    }
    assert_int_equal(tapir_dhcp_stats(&h->c)->discovers, 7);

    /* REQUESTING: answer the offer, then ignore the REQUESTs: 4, 8, 16, 32 s apart, and
     * 64 s after the fifth the client starts over with a new DISCOVER and xid. */
    server_reply(h, &m, TAPIR_DHCPV4_OFFER, NULL);
    assert_true(server_wait(h, &m, h->n.clock.now_us));
    assert_int_equal(m.r.message_type, TAPIR_DHCPV4_REQUEST);
    prev = m.meta.received_at;
    static const int rwaits[] = {4, 8, 16, 32};
    for (int i = 0; i < 4; i++) {
        assert_true(server_wait(h, &m, prev + (rwaits[i] + 1) * S));
        tapir_instant gap = m.meta.received_at - prev;
        assert_true(gap >= (rwaits[i] - 1) * S && gap <= (rwaits[i] + 1) * S);
        assert_int_equal(m.r.message_type, TAPIR_DHCPV4_REQUEST);
        assert_int_equal(m.r.xid, xid);
        prev = m.meta.received_at;
    }
    assert_true(server_wait(h, &m, prev + 65 * S));
    tapir_instant gap = m.meta.received_at - prev;
    assert_true(gap >= 63 * S && gap <= 65 * S);
    assert_int_equal(m.r.message_type, TAPIR_DHCPV4_DISCOVER);
    assert_int_not_equal(m.r.xid, xid);
    assert_int_equal(m.r.secs, 0);
    teardown(h);
    free(h);
}

static void test_renew_rebind(void **state)
{
    (void)state;
    struct h *h = malloc(sizeof *h);
    setup(h, NULL);
    struct msg req, m;
    dora(h, &req);
    tapir_instant acked = req.meta.received_at;

    /* T1: a REQUEST unicast to the server from our address, ciaddr set, no server id or
     * requested address, no broadcast flag. */
    assert_true(server_wait(h, &m, acked + 20 * S));
    assert_int_equal(m.meta.received_at, acked + 20 * S);
    check_client_msg(h, &m, TAPIR_DHCPV4_REQUEST);
    assert_ip(&m.meta.remote, "192.168.69.50");
    assert_ip(&m.meta.local, "192.168.69.100");
    assert_a4(&m.r.ciaddr, "192.168.69.50");
    assert_int_equal(m.r.flags, 0);
    assert_int_equal(m.r.secs, 0);
    assert_int_equal(m.r.present, TAPIR_DHCPV4_HAS_MAX_MESSAGE_SIZE);
    assert_int_equal(tapir_dhcp_state(&h->c), TAPIR_DHCP_RENEWING);
    assert_int_equal(count_events(h, TAPIR_DHCP_EV_RENEWING), 1);
    uint32_t renew_xid = m.r.xid;
    assert_int_not_equal(renew_xid, req.r.xid);

    /* Unanswered: the next try would be 60 s away, after T2, so the next message is the
     * broadcast of REBINDING at T2. */
    assert_true(server_wait(h, &m, acked + 40 * S));
    assert_int_equal(m.meta.received_at, acked + 40 * S);
    check_client_msg(h, &m, TAPIR_DHCPV4_REQUEST);
    assert_ip(&m.meta.remote, "192.168.69.50");
    assert_ip(&m.meta.local, "255.255.255.255");
    assert_a4(&m.r.ciaddr, "192.168.69.50");
    assert_int_equal(m.r.xid, renew_xid);
    assert_int_equal(m.r.secs, 20);
    assert_int_equal(tapir_dhcp_state(&h->c), TAPIR_DHCP_REBINDING);
    assert_int_equal(count_events(h, TAPIR_DHCP_EV_REBINDING), 1);

    /* The ACK (unicast) extends the lease from the first REQUEST of the renewal. */
    struct reply_opts o = {120, 60, 100, true};
    server_reply(h, &m, TAPIR_DHCPV4_ACK, &o);
    assert_int_equal(tapir_dhcp_state(&h->c), TAPIR_DHCP_BOUND);
    const struct tapir_dhcp_event *e = last_event(h, TAPIR_DHCP_EV_RENEWED);
    assert_int_equal(e->lease.acquired_at, acked + 20 * S);
    assert_int_equal(e->lease.t1_at, acked + 80 * S);
    assert_int_equal(e->lease.t2_at, acked + 120 * S);
    assert_int_equal(e->lease.expires_at, acked + 140 * S);

    /* Renewing again at the new T1, and answered. */
    assert_true(server_wait(h, &m, acked + 80 * S));
    assert_int_equal(m.meta.received_at, acked + 80 * S);
    assert_ip(&m.meta.local, "192.168.69.100");
    server_reply(h, &m, TAPIR_DHCPV4_ACK, &o);
    assert_int_equal(count_events(h, TAPIR_DHCP_EV_RENEWED), 2);
    assert_int_equal(tapir_dhcp_state(&h->c), TAPIR_DHCP_BOUND);
    teardown(h);
    free(h);
}

static void test_expiry(void **state)
{
    (void)state;
    struct h *h = malloc(sizeof *h);
    setup(h, NULL);
    struct msg req, m;
    dora(h, &req);
    tapir_instant acked = req.meta.received_at;
    /* Nobody answers: T1 (20 s), T2 (40 s), REBINDING retries at max(60 s, half the
     * rest) capped by expiry: 100 s; at 120 s the lease is lost and DISCOVER starts. */
    static const struct {
        int at;
        const char *local;
    } expect[] = {{20, "192.168.69.100"}, {40, "255.255.255.255"}, {100, "255.255.255.255"}};
    for (int i = 0; i < 3; i++) {
        assert_true(server_wait(h, &m, acked + expect[i].at * S));
        assert_int_equal(m.meta.received_at, acked + expect[i].at * S);
        assert_int_equal(m.r.message_type, TAPIR_DHCPV4_REQUEST);
        assert_ip(&m.meta.local, expect[i].local);
    }
    assert_int_equal(count_events(h, TAPIR_DHCP_EV_LOST), 0);
    assert_true(server_wait(h, &m, acked + 120 * S));
    assert_int_equal(m.meta.received_at, acked + 120 * S);
    assert_int_equal(m.r.message_type, TAPIR_DHCPV4_DISCOVER);
    assert_ip(&m.meta.remote, "0.0.0.0");
    const struct tapir_dhcp_event *e = last_event(h, TAPIR_DHCP_EV_LOST);
    assert_int_equal(e->reason, TAPIR_DHCP_LOST_EXPIRED);
    assert_int_equal(e->at, acked + 120 * S);
    assert_a4(&e->lease.address, "192.168.69.50");
    assert_false(h->applied);
    struct tapir_ip_addr a = netsim_ip("192.168.69.50");
    assert_false(tapir_iface_has_ip(&h->n.a.iface, &a));
    assert_int_equal(tapir_dhcp_state(&h->c), TAPIR_DHCP_SELECTING);
    teardown(h);
    free(h);
}

static void test_nak(void **state)
{
    (void)state;
    struct h *h = malloc(sizeof *h);
    struct tapir_dhcp_config cfg;
    tapir_dhcp_config_default(&cfg);
    cfg.requested = a4("10.9.9.9");
    setup(h, &cfg);
    /* INIT-REBOOT: REQUEST with the old address, no server id, broadcast. */
    struct msg m;
    assert_true(server_wait(h, &m, h->n.clock.now_us));
    check_client_msg(h, &m, TAPIR_DHCPV4_REQUEST);
    assert_int_equal(m.r.present,
                     TAPIR_DHCPV4_HAS_MAX_MESSAGE_SIZE | TAPIR_DHCPV4_HAS_REQUESTED_IP);
    assert_a4(&m.r.requested_ip, "10.9.9.9");
    assert_a4(&m.r.ciaddr, "0.0.0.0");
    assert_ip(&m.meta.remote, "0.0.0.0");
    assert_int_equal(m.r.flags, TAPIR_DHCPV4_FLAG_BROADCAST);
    uint32_t xid = m.r.xid;
    /* A reply with another xid is ignored. */
    struct msg other = m;
    other.r.xid ^= 1;
    server_reply(h, &other, TAPIR_DHCPV4_NAK, NULL);
    assert_int_equal(tapir_dhcp_state(&h->c), TAPIR_DHCP_REBOOTING);
    assert_int_equal(tapir_dhcp_stats(&h->c)->ignored, 1);
    /* The NAK: back to INIT, a DISCOVER at once with a new xid. */
    server_reply(h, &m, TAPIR_DHCPV4_NAK, NULL);
    assert_int_equal(count_events(h, TAPIR_DHCP_EV_NAK), 1);
    assert_int_equal(count_events(h, TAPIR_DHCP_EV_LOST), 0);
    tapir_instant nak_at = h->n.clock.now_us;
    assert_true(server_wait(h, &m, nak_at));
    assert_int_equal(m.r.message_type, TAPIR_DHCPV4_DISCOVER);
    assert_int_not_equal(m.r.xid, xid);
    assert_int_equal(tapir_dhcp_state(&h->c), TAPIR_DHCP_SELECTING);
    teardown(h);
    free(h);

    /* A NAK while RENEWING: the lease is lost at once. */
    h = malloc(sizeof *h);
    setup(h, NULL);
    struct msg req;
    dora(h, &req);
    assert_true(server_wait(h, &m, req.meta.received_at + 20 * S));
    server_reply(h, &m, TAPIR_DHCPV4_NAK, NULL);
    const struct tapir_dhcp_event *e = last_event(h, TAPIR_DHCP_EV_LOST);
    assert_int_equal(e->reason, TAPIR_DHCP_LOST_NAK);
    assert_false(h->applied);
    assert_true(server_wait(h, &m, h->n.clock.now_us));
    assert_int_equal(m.r.message_type, TAPIR_DHCPV4_DISCOVER);
    teardown(h);
    free(h);
}

static void test_conflict(void **state)
{
    (void)state;
    struct h *h = malloc(sizeof *h);
    setup(h, NULL);
    /* B already uses the address it will offer: it defends it against A's probe. */
    struct tapir_ipv4_addr taken = a4("192.168.69.50");
    assert_int_equal(tapir_iface_add_ipv4(&h->n.b.iface, &taken, 24, h->n.clock.now_us), 0);
    struct msg d, req, m;
    assert_true(server_wait(h, &d, h->n.clock.now_us));
    server_reply(h, &d, TAPIR_DHCPV4_OFFER, NULL);
    assert_true(server_wait(h, &req, h->n.clock.now_us));
    tapir_instant acked = h->n.clock.now_us;
    server_reply(h, &req, TAPIR_DHCPV4_ACK, NULL);
    /* The first probe is answered: DECLINE, broadcast from 0.0.0.0, then nothing for
     * 10 s, then a new DISCOVER. */
    assert_true(server_wait(h, &m, acked + S));
    assert_int_equal(h->probes, 1);
    check_client_msg(h, &m, TAPIR_DHCPV4_DECLINE);
    assert_int_equal(m.meta.received_at, h->probe_at[0]);
    assert_ip(&m.meta.remote, "0.0.0.0");
    assert_ip(&m.meta.local, "255.255.255.255");
    assert_int_equal(m.r.present, TAPIR_DHCPV4_HAS_REQUESTED_IP | TAPIR_DHCPV4_HAS_SERVER_ID);
    assert_a4(&m.r.requested_ip, "192.168.69.50");
    assert_a4(&m.r.server_id, "192.168.69.100");
    assert_a4(&m.r.ciaddr, "0.0.0.0");
    assert_int_equal(m.r.xid, req.r.xid);
    assert_int_equal(count_events(h, TAPIR_DHCP_EV_DECLINED), 1);
    assert_int_equal(count_events(h, TAPIR_DHCP_EV_LEASE), 0);
    assert_false(h->applied);
    assert_int_equal(tapir_dhcp_state(&h->c), TAPIR_DHCP_DECLINED);
    tapir_instant declined = m.meta.received_at;
    assert_true(server_wait(h, &m, declined + 10 * S));
    assert_int_equal(m.meta.received_at, declined + 10 * S);
    assert_int_equal(m.r.message_type, TAPIR_DHCPV4_DISCOVER);
    teardown(h);
    free(h);
}

static void test_release(void **state)
{
    (void)state;
    struct h *h = malloc(sizeof *h);
    setup(h, NULL);
    struct msg req, m;
    dora(h, &req);
    assert_int_equal(tapir_dhcp_release(&h->c, h->n.clock.now_us), 0);
    app_round(h);
    assert_true(server_wait(h, &m, h->n.clock.now_us));
    check_client_msg(h, &m, TAPIR_DHCPV4_RELEASE);
    assert_ip(&m.meta.remote, "192.168.69.50");
    assert_ip(&m.meta.local, "192.168.69.100");
    assert_a4(&m.r.ciaddr, "192.168.69.50");
    assert_int_equal(m.r.present, TAPIR_DHCPV4_HAS_SERVER_ID);
    assert_int_equal(m.r.secs, 0);
    const struct tapir_dhcp_event *e = last_event(h, TAPIR_DHCP_EV_LOST);
    assert_int_equal(e->reason, TAPIR_DHCP_LOST_RELEASED);
    assert_false(h->applied);
    assert_int_equal(tapir_dhcp_state(&h->c), TAPIR_DHCP_STOPPED);
    assert_int_equal(tapir_dhcp_poll_at(&h->c), TAPIR_INSTANT_NEVER);
    assert_false(server_wait(h, &m, h->n.clock.now_us + 200 * S));
    teardown(h);
    free(h);
}

int main(int argc, char **argv)
{
    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dora),         cmocka_unit_test(test_retransmit),
        cmocka_unit_test(test_renew_rebind), cmocka_unit_test(test_expiry),
        cmocka_unit_test(test_nak),          cmocka_unit_test(test_conflict),
        cmocka_unit_test(test_release),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
