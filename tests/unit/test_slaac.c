/* IPv6 autoconfiguration and neighbour unreachability detection on the in-memory pair.
 *
 * Stack A runs with slaac on; stack B plays the router (its link-local address
 * fe80::ff:fe00:2 is the advertised router): the test builds router advertisements with
 * the wire emitters and puts them on the link from B's side. Every frame A transmits is
 * recorded with its virtual time, so solicitation counts and timers are checked exactly:
 * the router solicitations, duplicate address detection (one NS from ::, the address
 * preferred one RetransTimer later), lifetimes (deprecated, then removed), the two-hour
 * rule, the MTU option, the default router, duplicates found by an NA and by another
 * node's DAD, static addresses usable at once, and the NUD states with their timers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "netsim.h"
#include "tapir/error.h"
#include "tapir/socket/icmp.h"
#include "tapir/wire/ethernet.h"
#include "tapir/wire/icmpv6.h"
#include "tapir/wire/ipv6.h"
#include "tapir/wire/ndp.h"

#define S  ((tapir_instant)TAPIR_US_PER_S)
#define MS ((tapir_instant)TAPIR_US_PER_MS)

/* ---- what A sends ---- */

struct rec {
    tapir_instant at;
    struct tapir_mac_addr eth_dst;
    struct tapir_ipv6_addr src, dst;
    size_t ip_len;
    uint8_t hop_limit;
    bool fragment;
    uint8_t icmp_type; /* 0 when not ICMPv6 (or a fragment) */
    struct tapir_ipv6_addr target;
    bool has_sll;
};

static struct rec recs[1024];
static unsigned nrec;
static unsigned ra_mark; /* nrec when the last RA was injected */
static bool drop_all;    /* A's frames vanish (the neighbour is unreachable) */

static bool record(void *ctx, const uint8_t *frame, size_t len)
{
    struct netsim *n = ctx;
    struct tapir_eth_repr eth;
    struct tapir_ipv6_repr ip;
    if (tapir_eth_parse(frame, len, &eth) != 0 || eth.ethertype != TAPIR_ETHERTYPE_IPV6 ||
        tapir_ipv6_parse(eth.payload, eth.payload_len, &ip) != 0 || nrec == 1024)
        return drop_all;
    struct rec *r = &recs[nrec++];
    memset(r, 0, sizeof *r);
    r->at = n->clock.now_us;
    r->eth_dst = eth.dst;
    r->src = ip.src;
    r->dst = ip.dst;
    r->ip_len = eth.payload_len;
    r->hop_limit = ip.hop_limit;
    r->fragment = ip.has_fragment;
    struct tapir_icmpv6_repr icmp;
    if (!ip.has_fragment && ip.upper_protocol == TAPIR_IP_PROTO_ICMPV6 &&
        tapir_icmpv6_parse(ip.payload, ip.payload_len, NULL, &icmp) == 0) {
        r->icmp_type = icmp.type;
        struct tapir_ndp_repr nd;
        if (icmp.type >= 133 && icmp.type <= 137 && tapir_ndp_parse(&icmp, &nd) == 0) {
            r->target = nd.target;
            r->has_sll = tapir_ndp_find_option(&nd, TAPIR_NDP_OPT_SOURCE_LL_ADDR) != NULL;
        }
    }
    return drop_all;
}

static unsigned count_type(uint8_t type, unsigned from)
{
    unsigned c = 0;
    for (unsigned i = from; i < nrec; i++)
        c += recs[i].icmp_type == type;
    return c;
}

/* Duplicate address detection probes: solicitations from the unspecified address. */
static unsigned count_dad(unsigned from)
{
    static const struct tapir_ipv6_addr unspecified;
    unsigned c = 0;
    for (unsigned i = from; i < nrec; i++)
        c += recs[i].icmp_type == TAPIR_ICMPV6_NEIGHBOR_SOLICIT &&
             memcmp(&recs[i].src, &unspecified, 16) == 0;
    return c;
}

/* The index of the k-th record (from `from`) of `type`; fails when there is none. */
static const struct rec *nth_of(uint8_t type, unsigned from, unsigned k)
{
    for (unsigned i = from; i < nrec; i++)
        if (recs[i].icmp_type == type && k-- == 0)
            return &recs[i];
    fail_msg("no ICMPv6 type %u number %u", type, k);
    return NULL;
}

static struct tapir_ipv6_addr v6(const char *text)
{
    return netsim_ip(text).v6;
}

static void assert_v6(const struct tapir_ipv6_addr *a, const char *text)
{
    struct tapir_ipv6_addr want = v6(text);
    if (memcmp(a, &want, 16) != 0) {
        char got[TAPIR_IPV6_STRLEN];
        fail_msg("address %s, expected %s", tapir_ipv6_format(a, got), text);
    }
}

/* ---- what the "router" (B's side) sends ---- */

static const char *const router_ll = "fe80::ff:fe00:2"; /* B's link-local (MAC ...:02) */
/* What the next advertisement carries besides its options. */
static uint8_t ra_hop_limit;
static uint32_t ra_reachable_ms, ra_retrans_ms;
static const struct tapir_mac_addr b_mac = {{0x02, 0, 0, 0, 0, 0x02}};

static void inject_nd(struct netsim *n, const char *src, const char *dst,
                      const struct tapir_ndp_repr *nd)
{
    static uint8_t buf[2048];
    struct tapir_pseudo_header ph;
    memset(&ph, 0, sizeof ph);
    ph.src = netsim_ip(src);
    ph.dst = netsim_ip(dst);
    ph.protocol = TAPIR_IP_PROTO_ICMPV6;
    int m = tapir_ndp_emit(nd, &ph, buf + 54, sizeof buf - 54);
    assert_true(m > 0);
    struct tapir_ipv6_repr ip;
    memset(&ip, 0, sizeof ip);
    ip.src = ph.src.v6;
    ip.dst = ph.dst.v6;
    ip.next_header = ip.upper_protocol = TAPIR_IP_PROTO_ICMPV6;
    ip.hop_limit = 255;
    ip.payload = buf + 54;
    ip.payload_len = (size_t)m;
    assert_int_equal(tapir_ipv6_emit(&ip, buf + 14, sizeof buf - 14), 40 + m);
    struct tapir_eth_repr eth;
    memset(&eth, 0, sizeof eth);
    struct tapir_ip_addr d = netsim_ip(dst);
    if (d.v6.bytes[0] == 0xff) {
        eth.dst.bytes[0] = eth.dst.bytes[1] = 0x33;
        memcpy(eth.dst.bytes + 2, d.v6.bytes + 12, 4);
    } else {
        eth.dst = *tapir_iface_mac(&n->a.iface);
    }
    eth.src = b_mac;
    eth.ethertype = TAPIR_ETHERTYPE_IPV6;
    eth.payload = buf + 14;
    eth.payload_len = 40 + (size_t)m;
    int len = tapir_eth_emit(&eth, buf, sizeof buf);
    assert_true(len > 0);
    struct tapir_frame f = {.data = buf, .cap = sizeof buf, .len = (size_t)len};
    assert_int_equal(tapir_device_tx(&n->pair.b.dev, &f, 1), 1);
}

struct pio {
    const char *prefix;
    uint8_t flags;
    uint32_t valid_s, preferred_s;
};

#define LA (TAPIR_NDP_PREFIX_ONLINK | TAPIR_NDP_PREFIX_AUTONOMOUS)

/* A router advertisement from B's link-local address to all-nodes, then A polls it. */
static void inject_ra(struct netsim *n, uint16_t router_lifetime_s, uint32_t mtu,
                      const struct pio *p, unsigned np)
{
    struct tapir_ndp_repr nd;
    memset(&nd, 0, sizeof nd);
    nd.type = TAPIR_ICMPV6_ROUTER_ADVERT;
    nd.cur_hop_limit = ra_hop_limit;
    nd.reachable_time_ms = ra_reachable_ms;
    nd.retrans_timer_ms = ra_retrans_ms;
    nd.router_lifetime_s = router_lifetime_s;
    struct tapir_ndp_option *o = &nd.options[nd.option_count++];
    o->type = TAPIR_NDP_OPT_SOURCE_LL_ADDR;
    o->ll_addr = b_mac;
    if (mtu) {
        o = &nd.options[nd.option_count++];
        o->type = TAPIR_NDP_OPT_MTU;
        o->mtu.mtu = mtu;
    }
    for (unsigned i = 0; i < np; i++) {
        o = &nd.options[nd.option_count++];
        o->type = TAPIR_NDP_OPT_PREFIX_INFO;
        o->prefix.prefix_len = 64;
        o->prefix.flags = p[i].flags;
        o->prefix.valid_lifetime_s = p[i].valid_s;
        o->prefix.preferred_lifetime_s = p[i].preferred_s;
        o->prefix.prefix = v6(p[i].prefix);
    }
    ra_mark = nrec;
    inject_nd(n, router_ll, "ff02::1", &nd);
    netsim_settle(n);
}

/* ---- A's addresses ---- */

static bool addr_info(struct netsim *n, const char *text, struct tapir_ipv6_addr_info *out)
{
    struct tapir_ipv6_addr_info all[16];
    unsigned c = tapir_iface_ipv6_addrs(&n->a.iface, all, 16);
    assert_true(c <= 16);
    struct tapir_ipv6_addr want = v6(text);
    for (unsigned i = 0; i < c; i++) {
        if (memcmp(&all[i].addr, &want, 16) == 0) {
            *out = all[i];
            return true;
        }
    }
    return false;
}

/* -1 when A has no such address, else its enum tapir_ipv6_addr_state. */
static int addr_state(struct netsim *n, const char *text)
{
    struct tapir_ipv6_addr_info info;
    return addr_info(n, text, &info) ? (int)info.state : -1;
}

static bool a_has(struct netsim *n, const char *text)
{
    struct tapir_ip_addr a = netsim_ip(text);
    return tapir_iface_has_ip(&n->a.iface, &a);
}

/* The netsim pair with A restarted with slaac on (and its static addresses again when
 * `with_static`), A's transmissions recorded. */
static void setup(struct netsim *n, bool with_static)
{
    netsim_init(n, NULL, 0);
    struct tapir_iface_config cfg = n->a.iface.cfg;
    cfg.slaac = true;
    assert_int_equal(tapir_iface_init(&n->a.iface, &cfg, n->clock.now_us), 0);
    struct tapir_ip_addr a4 = netsim_ip("192.168.69.1");
    assert_int_equal(tapir_iface_add_ipv4(&n->a.iface, &a4.v4, 24, n->clock.now_us), 0);
    if (with_static) {
        struct tapir_ip_addr a6 = netsim_ip("fdaa::1");
        assert_int_equal(tapir_iface_add_ipv6(&n->a.iface, &a6.v6, 64, n->clock.now_us), 0);
    }
    nrec = 0;
    drop_all = false;
    ra_hop_limit = 0;
    ra_reachable_ms = ra_retrans_ms = 0;
    n->drop_a_tx = record;
    n->drop_ctx = n;
}

/* Advance until the clock reads `at` exactly. */
static void advance_to(struct netsim *n, tapir_instant at)
{
    assert_true(at >= n->clock.now_us);
    netsim_advance(n, at - n->clock.now_us);
    assert_int_equal(n->clock.now_us, at);
}

/* ---- echo ---- */

#define QLEN (1 << 18)

struct pinger {
    struct tapir_icmp_socket sock;
    uint8_t *rx, *tx;
};

static void pinger_open(struct pinger *p, struct netsim_node *node)
{
    p->rx = malloc(QLEN);
    p->tx = malloc(QLEN);
    assert_int_equal(
        tapir_icmp_socket_init(&p->sock, TAPIR_IP_V6, 0x4242, p->rx, QLEN, p->tx, QLEN), 0);
    tapir_iface_add_socket(&node->iface, &p->sock.link);
}

static void pinger_close(struct pinger *p, struct netsim_node *node)
{
    tapir_iface_remove_socket(&node->iface, &p->sock.link);
    free(p->rx);
    free(p->tx);
}

static void ping(struct pinger *p, const char *dst, uint16_t seq, size_t len)
{
    static uint8_t data[4000];
    memset(data, 0x5a, len);
    struct tapir_ip_addr d = netsim_ip(dst);
    assert_int_equal(tapir_icmp_send_echo(&p->sock, &d, seq, data, len), 0);
}

/* True when a reply numbered `seq` is waiting (consumed). */
static bool got_reply(struct pinger *p, uint16_t seq)
{
    static uint8_t buf[4000];
    struct tapir_icmp_meta m;
    while (tapir_icmp_can_recv(&p->sock)) {
        if (tapir_icmp_recv(&p->sock, &m, buf, sizeof buf) >= 0 && m.type == 129 && m.seq == seq)
            return true;
    }
    return false;
}

/* ---- the tests ---- */

/* The link-local address goes through DAD (one NS from :: after a random delay below 1 s,
 * preferred exactly 1 s later), then three router solicitations 4 s apart, and no more;
 * the static address answers from the first instant. */
static void test_rs_and_link_local_dad(void **state)
{
    (void)state;
    static struct netsim n;
    setup(&n, true);
    tapir_instant t0 = n.clock.now_us;
    const char *ll = "fe80::ff:fe00:1";
    assert_int_equal(addr_state(&n, ll), TAPIR_IPV6_ADDR_TENTATIVE);
    assert_false(a_has(&n, ll));
    assert_int_equal(addr_state(&n, "fdaa::1"), TAPIR_IPV6_ADDR_PREFERRED);

    /* The static address works before any time passes. */
    struct pinger pb;
    pinger_open(&pb, &n.b);
    ping(&pb, "fdaa::1", 1, 32);
    netsim_settle(&n);
    assert_true(got_reply(&pb, 1));
    assert_int_equal(n.clock.now_us, t0);
    assert_int_equal(count_type(TAPIR_ICMPV6_NEIGHBOR_SOLICIT, 0), 0); /* B asked; A answered */

    netsim_advance(&n, 1 * S);
    assert_int_equal(count_type(TAPIR_ICMPV6_NEIGHBOR_SOLICIT, 0), 1);
    const struct rec *ns = nth_of(TAPIR_ICMPV6_NEIGHBOR_SOLICIT, 0, 0);
    assert_true(ns->at >= t0 && ns->at < t0 + 1 * S);
    assert_v6(&ns->src, "::");
    assert_v6(&ns->dst, "ff02::1:ff00:1");
    assert_v6(&ns->target, ll);
    assert_false(ns->has_sll);
    assert_memory_equal(ns->eth_dst.bytes, "\x33\x33\xff\x00\x00\x01", 6);
    assert_int_equal(count_type(TAPIR_ICMPV6_ROUTER_SOLICIT, 0), 0);

    advance_to(&n, ns->at + 1 * S - 1);
    assert_int_equal(addr_state(&n, ll), TAPIR_IPV6_ADDR_TENTATIVE);
    uint32_t gen = tapir_iface_ipv6_generation(&n.a.iface);
    advance_to(&n, ns->at + 1 * S);
    assert_int_equal(addr_state(&n, ll), TAPIR_IPV6_ADDR_PREFERRED);
    assert_true(a_has(&n, ll));
    assert_true(tapir_iface_ipv6_generation(&n.a.iface) != gen);

    /* The solicitations: at once, then 4 s apart, from the link-local address with our
     * link-layer address, to all-routers. */
    tapir_instant t_ns = ns->at;
    advance_to(&n, t_ns + 60 * S);
    assert_int_equal(count_type(TAPIR_ICMPV6_ROUTER_SOLICIT, 0), 3);
    assert_int_equal(count_dad(0), 1);
    for (unsigned k = 0; k < 3; k++) {
        const struct rec *rs = nth_of(TAPIR_ICMPV6_ROUTER_SOLICIT, 0, k);
        assert_int_equal(rs->at, t_ns + 1 * S + (tapir_instant)k * 4 * S);
        assert_v6(&rs->src, ll);
        assert_v6(&rs->dst, "ff02::2");
        assert_true(rs->has_sll);
    }
    struct tapir_ipv6_link_info link;
    tapir_iface_ipv6_link(&n.a.iface, &link);
    assert_int_equal(link.rs_sent, 3);
    assert_int_equal(link.ra_received, 0);
    pinger_close(&pb, &n.b);
    netsim_free(&n);
}

/* Bring A's link-local address up (2 s), then advertise `p`; returns the RA's time. */
static tapir_instant up_and_advertise(struct netsim *n, uint16_t router_lifetime_s, uint32_t mtu,
                                      const struct pio *p, unsigned np)
{
    netsim_advance(n, 2 * S);
    assert_int_equal(addr_state(n, "fe80::ff:fe00:1"), TAPIR_IPV6_ADDR_PREFERRED);
    inject_ra(n, router_lifetime_s, mtu, p, np);
    return n->clock.now_us;
}

static void test_ra_forms_address(void **state)
{
    (void)state;
    static struct netsim n;
    setup(&n, true);
    const char *addr = "fdab::ff:fe00:1";
    const struct pio p = {"fdab::", LA, 7200, 3600};
    tapir_instant t = up_and_advertise(&n, 1800, 1400, &p, 1);
    unsigned mark = ra_mark;
    assert_int_equal(count_type(TAPIR_ICMPV6_ROUTER_SOLICIT, 0), 1);

    /* Tentative, one NS at once (no random delay after start), preferred 1 s later. */
    assert_int_equal(addr_state(&n, addr), TAPIR_IPV6_ADDR_TENTATIVE);
    assert_false(a_has(&n, addr));
    advance_to(&n, t + 1 * S - 1);
    assert_int_equal(count_type(TAPIR_ICMPV6_NEIGHBOR_SOLICIT, mark), 1);
    const struct rec *ns = nth_of(TAPIR_ICMPV6_NEIGHBOR_SOLICIT, mark, 0);
    assert_int_equal(ns->at, t);
    assert_v6(&ns->src, "::");
    assert_v6(&ns->target, addr);
    assert_v6(&ns->dst, "ff02::1:ff00:1");
    assert_int_equal(addr_state(&n, addr), TAPIR_IPV6_ADDR_TENTATIVE);
    advance_to(&n, t + 1 * S);
    struct tapir_ipv6_addr_info info;
    assert_true(addr_info(&n, addr, &info));
    assert_int_equal(info.state, TAPIR_IPV6_ADDR_PREFERRED);
    assert_int_equal(info.origin, TAPIR_IPV6_ADDR_SLAAC);
    assert_int_equal(info.prefix_len, 64);
    assert_int_equal(info.preferred_until, t + 3600 * S);
    assert_int_equal(info.valid_until, t + 7200 * S);
    assert_true(a_has(&n, addr));
    assert_int_equal(count_dad(mark), 1);

    /* The RA's other contents. */
    struct tapir_ipv6_link_info link;
    tapir_iface_ipv6_link(&n.a.iface, &link);
    assert_int_equal(link.mtu, 1400);
    assert_int_equal(link.ra_mtu, 1400);
    assert_int_equal(link.on_link_prefixes, 1);
    assert_int_equal(link.ra_received, 1);
    struct tapir_ipv6_router_info r[4];
    assert_int_equal(tapir_iface_ipv6_routers(&n.a.iface, r, 4), 1);
    assert_v6(&r[0].addr, router_ll);
    assert_int_equal(r[0].until, t + 1800 * S);
    /* The router's link-layer address was recorded (STALE: not confirmed). */
    struct tapir_ip_addr rip = netsim_ip(router_ll);
    assert_int_equal(tapir_iface_neighbor_state(&n.a.iface, &rip), TAPIR_NEIGHBOR_STALE);

    /* The address answers: B reaches it over the on-link prefix. */
    struct tapir_ip_addr pfx = netsim_ip("fdab::");
    assert_int_equal(tapir_iface_add_route(&n.b.iface, &pfx, 64, NULL), 0);
    struct pinger pb;
    pinger_open(&pb, &n.b);
    ping(&pb, addr, 7, 100);
    netsim_settle(&n);
    assert_true(got_reply(&pb, 7));

    /* The MTU option is in force: 1500 bytes of echo leave A in fragments of at most 1400. */
    struct pinger pa;
    pinger_open(&pa, &n.a);
    mark = nrec;
    ping(&pa, "fdaa::100", 8, 1500);
    netsim_settle(&n);
    assert_true(got_reply(&pa, 8));
    unsigned frags = 0;
    for (unsigned i = mark; i < nrec; i++) {
        assert_true(recs[i].ip_len <= 1400);
        frags += recs[i].fragment;
    }
    assert_int_equal(frags, 2);

    /* An RA ended the solicitations. */
    netsim_advance(&n, 20 * S);
    assert_int_equal(count_type(TAPIR_ICMPV6_ROUTER_SOLICIT, 0), 1);
    /* An MTU above the link's is ignored; below the IPv6 minimum too. */
    inject_ra(&n, 1800, 9000, NULL, 0);
    inject_ra(&n, 1800, 1000, NULL, 0);
    tapir_iface_ipv6_link(&n.a.iface, &link);
    assert_int_equal(link.mtu, 1400);
    pinger_close(&pa, &n.a);
    pinger_close(&pb, &n.b);
    netsim_free(&n);
}

/* Off-link destinations go to the advertised router; a zero router lifetime, or its
 * expiry, ends that. */
static void test_default_router(void **state)
{
    (void)state;
    static struct netsim n;
    setup(&n, true);
    const struct pio p = {"fdab::", LA, 7200, 3600};
    up_and_advertise(&n, 1800, 0, &p, 1);
    netsim_advance(&n, 1 * S);
    struct pinger pa;
    pinger_open(&pa, &n.a);
    unsigned mark = nrec;
    ping(&pa, "2001:db8::1", 1, 10);
    netsim_settle(&n);
    assert_int_equal(count_type(TAPIR_ICMPV6_ECHO_REQUEST, mark), 1);
    const struct rec *e = nth_of(TAPIR_ICMPV6_ECHO_REQUEST, mark, 0);
    assert_v6(&e->dst, "2001:db8::1");
    assert_memory_equal(e->eth_dst.bytes, b_mac.bytes, 6);
    assert_int_equal(e->hop_limit, 64);

    /* Cur Hop Limit, Reachable Time and Retrans Timer are taken (RFC 4861 §6.3.4). */
    ra_hop_limit = 17;
    ra_reachable_ms = 10000;
    ra_retrans_ms = 500;
    inject_ra(&n, 1800, 0, NULL, 0);
    struct tapir_ipv6_link_info link;
    tapir_iface_ipv6_link(&n.a.iface, &link);
    assert_int_equal(link.hop_limit, 17);
    assert_true(link.reachable_time_us >= 5 * S && link.reachable_time_us < 15 * S);
    assert_int_equal(link.retrans_timer_us, 500 * MS);
    mark = nrec;
    ping(&pa, "2001:db8::1", 3, 10);
    netsim_settle(&n);
    assert_int_equal(nth_of(TAPIR_ICMPV6_ECHO_REQUEST, mark, 0)->hop_limit, 17);
    /* NDP keeps 255 whatever the advertised hop limit. */
    mark = nrec;
    ping(&pa, "fdab::300", 4, 10);
    netsim_settle(&n);
    assert_int_equal(nth_of(TAPIR_ICMPV6_NEIGHBOR_SOLICIT, mark, 0)->hop_limit, 255);

    /* Lifetime 0: the router is gone, off-link traffic has no route. */
    inject_ra(&n, 0, 0, NULL, 0);
    struct tapir_ipv6_router_info r[4];
    assert_int_equal(tapir_iface_ipv6_routers(&n.a.iface, r, 4), 0);
    uint64_t no_route = tapir_iface_stats(&n.a.iface)->drops[TAPIR_DROP_NO_ROUTE];
    ping(&pa, "2001:db8::1", 2, 10);
    netsim_settle(&n);
    assert_int_equal(tapir_iface_stats(&n.a.iface)->drops[TAPIR_DROP_NO_ROUTE], no_route + 1);

    /* A 10 s lifetime runs out at exactly 10 s. */
    inject_ra(&n, 10, 0, NULL, 0);
    tapir_instant t = n.clock.now_us;
    assert_int_equal(tapir_iface_ipv6_routers(&n.a.iface, r, 4), 1);
    advance_to(&n, t + 10 * S - 1);
    assert_int_equal(tapir_iface_ipv6_routers(&n.a.iface, r, 4), 1);
    advance_to(&n, t + 10 * S);
    assert_int_equal(tapir_iface_ipv6_routers(&n.a.iface, r, 4), 0);
    pinger_close(&pa, &n.a);
    netsim_free(&n);
}

/* Preferred 10 s, valid 30 s: deprecated at 10 s (new traffic takes the static address),
 * removed at 30 s, with the on-link prefix. */
static void test_lifetimes_expire(void **state)
{
    (void)state;
    static struct netsim n;
    setup(&n, true);
    const char *addr = "fdab::ff:fe00:1";
    const struct pio p = {"fdab::", LA, 30, 10};
    tapir_instant t = up_and_advertise(&n, 1800, 0, &p, 1);
    advance_to(&n, t + 1 * S);
    assert_int_equal(addr_state(&n, addr), TAPIR_IPV6_ADDR_PREFERRED);

    struct pinger pa;
    pinger_open(&pa, &n.a);
    unsigned mark = nrec;
    ping(&pa, "fdab::200", 1, 10); /* on-link by the L flag: resolved directly */
    netsim_settle(&n);
    const struct rec *ns = nth_of(TAPIR_ICMPV6_NEIGHBOR_SOLICIT, mark, 0);
    assert_v6(&ns->target, "fdab::200");
    assert_v6(&ns->src, addr);

    advance_to(&n, t + 10 * S - 1);
    assert_int_equal(addr_state(&n, addr), TAPIR_IPV6_ADDR_PREFERRED);
    advance_to(&n, t + 10 * S);
    assert_int_equal(addr_state(&n, addr), TAPIR_IPV6_ADDR_DEPRECATED);
    assert_true(a_has(&n, addr)); /* still ours: existing traffic continues */
    mark = nrec;
    ping(&pa, "fdab::201", 2, 10);
    netsim_settle(&n);
    ns = nth_of(TAPIR_ICMPV6_NEIGHBOR_SOLICIT, mark, 0);
    assert_v6(&ns->target, "fdab::201");
    assert_v6(&ns->src, "fdaa::1"); /* RFC 6724 rule 3 */

    advance_to(&n, t + 30 * S - 1);
    assert_int_equal(addr_state(&n, addr), TAPIR_IPV6_ADDR_DEPRECATED);
    struct tapir_ipv6_link_info link;
    tapir_iface_ipv6_link(&n.a.iface, &link);
    assert_int_equal(link.on_link_prefixes, 1);
    advance_to(&n, t + 30 * S);
    assert_int_equal(addr_state(&n, addr), -1);
    assert_false(a_has(&n, addr));
    tapir_iface_ipv6_link(&n.a.iface, &link);
    assert_int_equal(link.on_link_prefixes, 0);
    pinger_close(&pa, &n.a);
    netsim_free(&n);
}

/* RFC 4862 §5.5.3 (e): an RA may not cut a valid lifetime below two hours. */
static void test_two_hour_rule(void **state)
{
    (void)state;
    static struct netsim n;
    setup(&n, false);
    const char *addr = "fdac::ff:fe00:1";
    struct pio p = {"fdac::", TAPIR_NDP_PREFIX_AUTONOMOUS, 3 * 3600, 3600};
    tapir_instant t1 = up_and_advertise(&n, 0, 0, &p, 1);
    advance_to(&n, t1 + 2 * S);
    struct tapir_ipv6_addr_info info;
    assert_true(addr_info(&n, addr, &info));
    assert_int_equal(info.state, TAPIR_IPV6_ADDR_PREFERRED);
    assert_int_equal(info.valid_until, t1 + 3 * 3600 * S);
    /* No L flag: the prefix is not on-link (RFC 5942). */
    struct tapir_ipv6_link_info link;
    tapir_iface_ipv6_link(&n.a.iface, &link);
    assert_int_equal(link.on_link_prefixes, 0);

    /* 60 s while 3 h remain: cut to 2 h, not to 60 s. */
    p.valid_s = 60;
    p.preferred_s = 30;
    inject_ra(&n, 0, 0, &p, 1);
    tapir_instant t2 = n.clock.now_us;
    assert_true(addr_info(&n, addr, &info));
    assert_int_equal(info.valid_until, t2 + 2 * 3600 * S);
    assert_int_equal(info.preferred_until, t2 + 30 * S); /* the preferred lifetime follows */

    /* 60 s again while at most 2 h remain: ignored. */
    advance_to(&n, t2 + 100 * S);
    assert_int_equal(addr_state(&n, addr), TAPIR_IPV6_ADDR_DEPRECATED);
    inject_ra(&n, 0, 0, &p, 1);
    tapir_instant t3 = n.clock.now_us;
    assert_true(addr_info(&n, addr, &info));
    assert_int_equal(info.valid_until, t2 + 2 * 3600 * S);
    assert_int_equal(info.state, TAPIR_IPV6_ADDR_PREFERRED); /* preferred again for 30 s */
    assert_int_equal(info.preferred_until, t3 + 30 * S);

    /* More than 2 h: taken as is. */
    p.valid_s = 5 * 3600;
    inject_ra(&n, 0, 0, &p, 1);
    assert_true(addr_info(&n, addr, &info));
    assert_int_equal(info.valid_until, n.clock.now_us + 5 * 3600 * S);

    /* Preferred beyond valid: the option is ignored. */
    p.valid_s = 100;
    p.preferred_s = 200;
    tapir_instant before = info.valid_until;
    inject_ra(&n, 0, 0, &p, 1);
    assert_true(addr_info(&n, addr, &info));
    assert_int_equal(info.valid_until, before);
    netsim_free(&n);
}

/* B owns the address A would form: B's NA to A's DAD probe makes it a duplicate, never
 * assigned, never retried. Another node's DAD (an NS from ::) has the same effect. */
static void test_duplicate_detected(void **state)
{
    (void)state;
    static struct netsim n;
    setup(&n, true);
    const char *addr = "fdab::ff:fe00:1";
    struct tapir_ip_addr taken = netsim_ip(addr);
    assert_int_equal(tapir_iface_add_ipv6(&n.b.iface, &taken.v6, 64, n.clock.now_us), 0);
    const struct pio p = {"fdab::", LA, 7200, 3600};
    uint32_t gen0 = tapir_iface_ipv6_generation(&n.a.iface);
    tapir_instant t = up_and_advertise(&n, 1800, 0, &p, 1);
    assert_int_equal(count_dad(ra_mark), 1);
    struct tapir_ipv6_addr_info info;
    assert_true(addr_info(&n, addr, &info));
    assert_int_equal(info.state, TAPIR_IPV6_ADDR_DUPLICATE);
    assert_int_equal(n.clock.now_us, t); /* at once: B answered the probe */
    assert_false(a_has(&n, addr));
    struct tapir_ipv6_link_info link;
    tapir_iface_ipv6_link(&n.a.iface, &link);
    assert_int_equal(link.dad_duplicates, 1);
    assert_true(tapir_iface_ipv6_generation(&n.a.iface) != gen0);

    advance_to(&n, t + 5 * S);
    assert_int_equal(addr_state(&n, addr), TAPIR_IPV6_ADDR_DUPLICATE);
    assert_false(a_has(&n, addr));
    inject_ra(&n, 1800, 0, &p, 1);
    netsim_advance(&n, 2 * S);
    assert_int_equal(count_dad(ra_mark), 0);
    assert_int_equal(addr_state(&n, addr), TAPIR_IPV6_ADDR_DUPLICATE);

    /* Another node probing for the address A is probing for. */
    const struct pio q = {"fdad::", LA, 7200, 3600};
    inject_ra(&n, 1800, 0, &q, 1);
    assert_int_equal(addr_state(&n, "fdad::ff:fe00:1"), TAPIR_IPV6_ADDR_TENTATIVE);
    struct tapir_ndp_repr nd;
    memset(&nd, 0, sizeof nd);
    nd.type = TAPIR_ICMPV6_NEIGHBOR_SOLICIT;
    nd.target = v6("fdad::ff:fe00:1");
    inject_nd(&n, "::", "ff02::1:ff00:1", &nd);
    netsim_settle(&n);
    assert_int_equal(addr_state(&n, "fdad::ff:fe00:1"), TAPIR_IPV6_ADDR_DUPLICATE);
    netsim_advance(&n, 2 * S);
    assert_false(a_has(&n, "fdad::ff:fe00:1"));
    tapir_iface_ipv6_link(&n.a.iface, &link);
    assert_int_equal(link.dad_duplicates, 2);
    netsim_free(&n);
}

/* The link-local address is taken: it is never assigned, the solicitations go from ::
 * without a link-layer option, and no address is built on the same identifier. */
static void test_link_local_duplicate(void **state)
{
    (void)state;
    static struct netsim n;
    setup(&n, true);
    const char *ll = "fe80::ff:fe00:1";
    struct tapir_ip_addr taken = netsim_ip(ll);
    n.b.iface.cfg.announce = false; /* B answers A's probe (no unsolicited NA first) */
    assert_int_equal(tapir_iface_add_ipv6(&n.b.iface, &taken.v6, 64, n.clock.now_us), 0);
    netsim_advance(&n, 1 * S);
    assert_int_equal(count_dad(0), 1);
    assert_int_equal(addr_state(&n, ll), TAPIR_IPV6_ADDR_DUPLICATE);
    assert_false(a_has(&n, ll));
    const struct rec *ns = nth_of(TAPIR_ICMPV6_NEIGHBOR_SOLICIT, 0, 0);
    const struct rec *rs = nth_of(TAPIR_ICMPV6_ROUTER_SOLICIT, 0, 0);
    assert_int_equal(rs->at, ns->at); /* at once: the duplicate ended DAD */
    assert_v6(&rs->src, "::");
    assert_false(rs->has_sll);
    const struct pio p = {"fdab::", LA, 7200, 3600};
    inject_ra(&n, 1800, 0, &p, 1);
    netsim_advance(&n, 2 * S);
    assert_int_equal(addr_state(&n, "fdab::ff:fe00:1"), -1);
    assert_int_equal(count_dad(ra_mark), 0);
    assert_true(a_has(&n, "fdaa::1")); /* static addresses are unaffected */
    netsim_free(&n);
}

/* RFC 4861 §7.3: REACHABLE for ReachableTime, STALE, DELAY on use, a unicast probe
 * 5 s later answered (REACHABLE again); unanswered, three probes 1 s apart and the
 * entry goes. */
static void test_nud_states(void **state)
{
    (void)state;
    static struct netsim n;
    netsim_init(&n, NULL, 0); /* slaac off: NUD is on by default regardless */
    netsim_settle(&n);
    nrec = 0;
    drop_all = false;
    n.drop_a_tx = record;
    n.drop_ctx = &n;
    struct tapir_ip_addr b = netsim_ip("fdaa::100");
    struct pinger pa;
    pinger_open(&pa, &n.a);
    ping(&pa, "fdaa::100", 1, 10);
    netsim_settle(&n);
    assert_true(got_reply(&pa, 1));
    tapir_instant t = n.clock.now_us;
    assert_int_equal(tapir_iface_neighbor_state(&n.a.iface, &b), TAPIR_NEIGHBOR_REACHABLE);
    struct tapir_ipv6_link_info link;
    tapir_iface_ipv6_link(&n.a.iface, &link);
    tapir_instant reach = link.reachable_time_us;
    assert_true(reach >= 15 * S && reach < 45 * S); /* 30 s x [0.5, 1.5) */
    assert_int_equal(link.retrans_timer_us, 1 * S);

    advance_to(&n, t + reach - 1);
    assert_int_equal(tapir_iface_neighbor_state(&n.a.iface, &b), TAPIR_NEIGHBOR_REACHABLE);
    advance_to(&n, t + reach);
    assert_int_equal(tapir_iface_neighbor_state(&n.a.iface, &b), TAPIR_NEIGHBOR_STALE);

    /* Used while STALE: sent at once with the cached address, DELAY for 5 s. */
    unsigned mark = nrec;
    ping(&pa, "fdaa::100", 2, 10);
    netsim_settle(&n);
    assert_true(got_reply(&pa, 2));
    tapir_instant u = n.clock.now_us;
    assert_int_equal(count_type(TAPIR_ICMPV6_NEIGHBOR_SOLICIT, mark), 0);
    assert_int_equal(tapir_iface_neighbor_state(&n.a.iface, &b), TAPIR_NEIGHBOR_DELAY);
    advance_to(&n, u + 5 * S - 1);
    assert_int_equal(tapir_iface_neighbor_state(&n.a.iface, &b), TAPIR_NEIGHBOR_DELAY);
    assert_int_equal(count_type(TAPIR_ICMPV6_NEIGHBOR_SOLICIT, mark), 0);
    advance_to(&n, u + 5 * S);
    /* The probe is unicast to the cached address; B's solicited NA confirms. */
    assert_int_equal(count_type(TAPIR_ICMPV6_NEIGHBOR_SOLICIT, mark), 1);
    const struct rec *ns = nth_of(TAPIR_ICMPV6_NEIGHBOR_SOLICIT, mark, 0);
    assert_int_equal(ns->at, u + 5 * S);
    assert_v6(&ns->dst, "fdaa::100");
    assert_v6(&ns->target, "fdaa::100");
    assert_memory_equal(ns->eth_dst.bytes, b_mac.bytes, 6);
    assert_int_equal(tapir_iface_neighbor_state(&n.a.iface, &b), TAPIR_NEIGHBOR_REACHABLE);

    /* Now B is unreachable (A's frames are lost). */
    advance_to(&n, u + 5 * S + reach);
    assert_int_equal(tapir_iface_neighbor_state(&n.a.iface, &b), TAPIR_NEIGHBOR_STALE);
    drop_all = true;
    mark = nrec;
    ping(&pa, "fdaa::100", 3, 10);
    netsim_settle(&n);
    tapir_instant v = n.clock.now_us;
    assert_int_equal(tapir_iface_neighbor_state(&n.a.iface, &b), TAPIR_NEIGHBOR_DELAY);
    advance_to(&n, v + 5 * S);
    assert_int_equal(tapir_iface_neighbor_state(&n.a.iface, &b), TAPIR_NEIGHBOR_PROBE);
    advance_to(&n, v + 7 * S);
    assert_int_equal(count_type(TAPIR_ICMPV6_NEIGHBOR_SOLICIT, mark), 3);
    for (unsigned k = 0; k < 3; k++) {
        ns = nth_of(TAPIR_ICMPV6_NEIGHBOR_SOLICIT, mark, k);
        assert_int_equal(ns->at, v + 5 * S + (tapir_instant)k * S);
        assert_v6(&ns->dst, "fdaa::100");
    }
    advance_to(&n, v + 8 * S - 1);
    assert_int_equal(tapir_iface_neighbor_state(&n.a.iface, &b), TAPIR_NEIGHBOR_PROBE);
    advance_to(&n, v + 8 * S);
    assert_int_equal(tapir_iface_neighbor_state(&n.a.iface, &b), TAPIR_EINVAL);
    assert_int_equal(count_type(TAPIR_ICMPV6_NEIGHBOR_SOLICIT, mark), 3);
    pinger_close(&pa, &n.a);
    netsim_free(&n);
}

/* ctest-case: slaac_rs_dad test_rs_and_link_local_dad */
/* ctest-case: slaac_ra_address test_ra_forms_address */
/* ctest-case: slaac_default_router test_default_router */
/* ctest-case: slaac_lifetimes test_lifetimes_expire */
/* ctest-case: slaac_two_hour_rule test_two_hour_rule */
/* ctest-case: slaac_duplicate test_duplicate_detected */
/* ctest-case: slaac_link_local_duplicate test_link_local_duplicate */
/* ctest-case: nud_states test_nud_states */
int main(int argc, char **argv)
{
    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rs_and_link_local_dad), cmocka_unit_test(test_ra_forms_address),
        cmocka_unit_test(test_default_router),        cmocka_unit_test(test_lifetimes_expire),
        cmocka_unit_test(test_two_hour_rule),         cmocka_unit_test(test_duplicate_detected),
        cmocka_unit_test(test_link_local_duplicate),  cmocka_unit_test(test_nud_states),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
