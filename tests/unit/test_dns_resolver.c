/* The stub resolver on stack A against fake DNS servers on stack B (UDP sockets on
 * 192.168.69.100:53, 192.168.69.101:53 and [fdaa::100]:53, a TCP listener on port 53),
 * on the virtual clock: query IDs and source ports drawn from the rng, answers with the
 * wrong ID, question, source address or port ignored and counted, the next server asked
 * exactly when the last one's time is up and every round's timing, SERVFAIL moving on at
 * once, NXDOMAIN / NODATA, CNAME chains inside the answer and across a new query, a loop,
 * a truncated answer retried over TCP, AAAA over IPv6, and two queries at once. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "netsim.h"
#include "tapir/error.h"
#include "tapir/socket/dns.h"
#include "tapir/socket/tcp.h"
#include "tapir/socket/udp.h"
#include "tapir/wire/dns.h"

/* ctest-case: dns_resolver_basic test_basic_* */
/* ctest-case: dns_resolver_mismatch test_mismatch* */
/* ctest-case: dns_resolver_timing test_timing_* */
/* ctest-case: dns_resolver_answers test_answer_* */
/* ctest-case: dns_resolver_tcp test_tcp_* */

#define SEC      1000000
#define QLEN     (1 << 16)
#define MAX_SEEN 32

struct fake;
/* Builds the reply to query `q` (asking `name`/`type`) into `out`; returns its length, or
 * 0 to stay silent. May send extra datagrams itself. */
typedef int (*reply_fn)(struct fake *f, const struct tapir_dns_repr *q,
                        const struct tapir_dns_question *qq, uint8_t *out, size_t cap);

struct fake {
    struct tapir_udp_socket s;
    uint8_t rx[QLEN], tx[QLEN];
    reply_fn reply;
    void *ctx;
    unsigned seen;
    struct {
        tapir_instant at;
        uint16_t id, port;
        struct tapir_dns_name name;
        uint16_t type;
        bool rd;
    } q[MAX_SEEN];
};

struct env {
    struct netsim n;
    struct fake srv[3]; /* .100, .101, fdaa::100 */
    struct tapir_udp_socket cu;
    uint8_t cu_rx[QLEN], cu_tx[QLEN];
    struct tapir_tcp_socket ct;
    uint8_t ct_rx[QLEN], ct_tx[QLEN];
    struct tapir_dns_query slots[4];
    uint8_t ubuf[2048], tbuf[QLEN];
    struct tapir_dns_resolver r;
    struct tapir_dns_config cfg;
    struct tapir_prng prng, twin; /* the resolver's rng, and a copy that predicts it */
    /* TCP server on B. */
    bool tcp_on;
    struct tapir_tcp_socket listener, pool[2], *backlog[2];
    uint8_t *tcp_mem;
    reply_fn tcp_reply;
    unsigned tcp_seen;
};

static struct env *E;

static void fake_open(struct env *e, struct fake *f, const char *addr)
{
    memset(f, 0, sizeof *f);
    assert_int_equal(tapir_udp_socket_init(&f->s, f->rx, QLEN, f->tx, QLEN), 0);
    struct tapir_ip_addr a = netsim_ip(addr);
    assert_int_equal(tapir_udp_bind(&f->s, &e->n.b.iface, &a, 53), 0);
    tapir_iface_add_socket(&e->n.b.iface, &f->s.link);
}

static void env_open(struct env *e, const char *const *servers, unsigned count)
{
    memset(e, 0, sizeof *e);
    E = e;
    netsim_init(&e->n, NULL, 0);
    struct tapir_ip_addr extra = netsim_ip("192.168.69.101");
    assert_int_equal(tapir_iface_add_ipv4(&e->n.b.iface, &extra.v4, 24, 0), 0);
    fake_open(e, &e->srv[0], "192.168.69.100");
    fake_open(e, &e->srv[1], "192.168.69.101");
    fake_open(e, &e->srv[2], "fdaa::100");
    assert_int_equal(tapir_udp_socket_init(&e->cu, e->cu_rx, QLEN, e->cu_tx, QLEN), 0);
    assert_int_equal(tapir_tcp_socket_init(&e->ct, NULL, e->ct_rx, QLEN, e->ct_tx, QLEN), 0);
    tapir_prng_seed(&e->prng, 0x5eed);
    tapir_prng_seed(&e->twin, 0x5eed);
    tapir_dns_config_default(&e->cfg);
    for (unsigned i = 0; i < count; i++)
        e->cfg.servers[i] = netsim_ip(servers[i]);
    e->cfg.server_count = count;
    e->cfg.rng = tapir_prng_source(&e->prng);
    assert_int_equal(tapir_dns_init(&e->r, &e->cfg, &e->n.a.iface, &e->cu, &e->ct, e->slots, 4,
                                    e->ubuf, sizeof e->ubuf, e->tbuf, sizeof e->tbuf),
                     0);
    netsim_settle(&e->n);
}

static void env_close(struct env *e)
{
    if (e->tcp_on)
        free(e->tcp_mem);
    netsim_free(&e->n);
}

/* The next port and ID the resolver will draw (bind first, then the ID). */
static void predict_port(struct env *e, uint16_t *port)
{
    struct tapir_rng rng = tapir_prng_source(&e->twin);
    *port = (uint16_t)(49152 + tapir_rng_below(&rng, 16384));
}
static uint16_t predict_id(struct env *e)
{
    struct tapir_rng rng = tapir_prng_source(&e->twin);
    uint8_t b[2];
    rng.fill(rng.ctx, b, 2);
    return (uint16_t)(b[0] << 8 | b[1]);
}

static void fake_step(struct fake *f)
{
    static uint8_t buf[QLEN], out[QLEN];
    struct tapir_udp_meta meta;
    int n;
    while ((n = tapir_udp_recv(&f->s, &meta, buf, sizeof buf)) >= 0) {
        struct tapir_dns_repr q;
        assert_int_equal(tapir_dns_parse(buf, (size_t)n, &q), 0);
        struct tapir_dns_cursor c;
        tapir_dns_cursor_init(&c, &q);
        struct tapir_dns_question qq;
        assert_int_equal(tapir_dns_next_question(&c, &qq), 1);
        if (f->seen < MAX_SEEN) {
            f->q[f->seen].at = E->n.clock.now_us;
            f->q[f->seen].id = q.id;
            f->q[f->seen].port = meta.remote_port;
            f->q[f->seen].name = qq.name;
            f->q[f->seen].type = qq.type;
            f->q[f->seen].rd = q.rd;
        }
        f->seen++;
        if (!f->reply)
            continue;
        int len = f->reply(f, &q, &qq, out, sizeof out);
        if (len > 0)
            assert_int_equal(
                tapir_udp_send(&f->s, &meta.remote, meta.remote_port, out, (size_t)len), len);
    }
}

static void tcp_server_step(struct env *e)
{
    if (!e->tcp_on)
        return;
    struct tapir_tcp_socket *c;
    while ((c = tapir_tcp_accept(&e->listener)) != NULL) {
        (void)c;
    }
    for (int i = 0; i < 2; i++) {
        struct tapir_tcp_socket *s = &e->pool[i];
        if (tapir_tcp_state(s) != TAPIR_TCP_ESTABLISHED &&
            tapir_tcp_state(s) != TAPIR_TCP_CLOSE_WAIT)
            continue;
        static uint8_t in[QLEN], out[QLEN];
        int n = tapir_tcp_recv(s, in, sizeof in);
        if (n < 2)
            continue;
        size_t mlen = (size_t)in[0] << 8 | in[1];
        assert_int_equal((size_t)n, mlen + 2); /* one whole message, in one piece here */
        struct tapir_dns_repr q;
        assert_int_equal(tapir_dns_parse(in + 2, mlen, &q), 0);
        struct tapir_dns_cursor cur;
        tapir_dns_cursor_init(&cur, &q);
        struct tapir_dns_question qq;
        assert_int_equal(tapir_dns_next_question(&cur, &qq), 1);
        e->tcp_seen++;
        int len = e->tcp_reply(NULL, &q, &qq, out + 2, sizeof out - 2);
        out[0] = (uint8_t)(len >> 8);
        out[1] = (uint8_t)len;
        assert_int_equal(tapir_tcp_send(s, out, (size_t)len + 2), len + 2);
        tapir_tcp_close(s);
    }
}

static void tcp_server_open(struct env *e, reply_fn reply)
{
    e->tcp_on = true;
    e->tcp_reply = reply;
    e->tcp_mem = malloc(6 * QLEN);
    uint8_t *m = e->tcp_mem;
    assert_int_equal(tapir_tcp_socket_init(&e->listener, NULL, m, QLEN, m + QLEN, QLEN), 0);
    for (int i = 0; i < 2; i++) {
        m += 2 * QLEN;
        assert_int_equal(tapir_tcp_socket_init(&e->pool[i], NULL, m, QLEN, m + QLEN, QLEN), 0);
        e->backlog[i] = &e->pool[i];
    }
    struct tapir_tcp_endpoint any = {.addr = netsim_ip("192.168.69.100"), .port = 53};
    assert_int_equal(tapir_tcp_listen(&e->listener, &any, e->backlog, 2), 0);
    tapir_iface_add_socket(&e->n.b.iface, &e->listener.link);
}

/* Everything that happens at this instant: stacks, servers, resolver, until quiet. */
static void step(struct env *e)
{
    for (int i = 0; i < 6; i++) {
        netsim_settle(&e->n);
        for (int k = 0; k < 3; k++)
            fake_step(&e->srv[k]);
        tcp_server_step(e);
        netsim_settle(&e->n);
        tapir_dns_poll(&e->r, e->n.clock.now_us);
    }
}

/* Run until `end` (absolute), stepping to every deadline of the stacks and the resolver. */
static void run_until(struct env *e, tapir_instant end)
{
    step(e);
    for (int i = 0; i < 100000 && e->n.clock.now_us < end; i++) {
        tapir_instant at = tapir_dns_poll_at(&e->r);
        tapir_instant t = tapir_iface_poll_at(&e->n.a.iface, e->n.clock.now_us);
        if (t < at)
            at = t;
        t = tapir_iface_poll_at(&e->n.b.iface, e->n.clock.now_us);
        if (t < at)
            at = t;
        if (at <= e->n.clock.now_us)
            at = e->n.clock.now_us + 1;
        e->n.clock.now_us = at < end ? at : end;
        step(e);
    }
}

/* Run until the query is done (at most `limit` from now); returns its status. */
static int wait_result(struct env *e, int h, struct tapir_dns_result *res, tapir_instant limit)
{
    tapir_instant end = e->n.clock.now_us + limit;
    step(e);
    for (int i = 0; i < 100000; i++) {
        int rc = tapir_dns_result(&e->r, h, res);
        if (rc != TAPIR_EAGAIN)
            return rc;
        if (e->n.clock.now_us >= end)
            break;
        tapir_instant at = tapir_dns_poll_at(&e->r);
        tapir_instant t = tapir_iface_poll_at(&e->n.a.iface, e->n.clock.now_us);
        if (t < at)
            at = t;
        t = tapir_iface_poll_at(&e->n.b.iface, e->n.clock.now_us);
        if (t < at)
            at = t;
        if (at <= e->n.clock.now_us)
            at = e->n.clock.now_us + 1;
        e->n.clock.now_us = at < end ? at : end;
        step(e);
    }
    return TAPIR_EAGAIN;
}

/* ---- answers the fake servers give ---------------------------------------------------- */

static struct tapir_dns_name N(const char *text) {
    struct tapir_dns_name n;
    assert_int_equal(tapir_dns_name_from_text(text, &n), 0);
    return n;
}

static void
reply_start(struct tapir_dns_builder *b, const struct tapir_dns_repr *q,
            const struct tapir_dns_question *qq, uint8_t rcode, uint8_t *out, size_t cap)
{
    struct tapir_dns_repr h = {.id = q->id, .qr = true, .rd = q->rd, .ra = true, .rcode = rcode};
    tapir_dns_builder_init(b, &h, out, cap);
    tapir_dns_builder_question(b, &qq->name, qq->type, qq->qclass);
}

static void add_a(struct tapir_dns_builder *b, const char *name, uint8_t last, uint32_t ttl)
{
    struct tapir_dns_name n = N(name);
    uint8_t a[4] = {192, 0, 2, last};
    tapir_dns_builder_rr(b, TAPIR_DNS_ANSWER, &n, TAPIR_DNS_TYPE_A, 1, ttl, a, 4);
}

static void add_cname(struct tapir_dns_builder *b, const char *name, const char *target,
                      uint32_t ttl)
{
    struct tapir_dns_name n = N(name), t = N(target);
    tapir_dns_builder_rr(b, TAPIR_DNS_ANSWER, &n, TAPIR_DNS_TYPE_CNAME, 1, ttl, t.wire, t.len);
}

static bool asks(const struct tapir_dns_question *qq, const char *name)
{
    struct tapir_dns_name n = N(name);
    return tapir_dns_name_equal(&qq->name, &n);
}

/* a.test A 192.0.2.1 (TTL 300); anything else NXDOMAIN. */
static int reply_simple(struct fake *f, const struct tapir_dns_repr *q,
                        const struct tapir_dns_question *qq, uint8_t *out, size_t cap)
{
    (void)f;
    struct tapir_dns_builder b;
    bool known = asks(qq, "a.test");
    reply_start(&b, q, qq, known ? 0 : TAPIR_DNS_RCODE_NXDOMAIN, out, cap);
    if (known && qq->type == TAPIR_DNS_TYPE_A)
        add_a(&b, "a.test", 1, 300);
    if (known && qq->type == TAPIR_DNS_TYPE_AAAA) {
        struct tapir_ipv6_addr a6 = netsim_ip("2001:db8::1").v6;
        tapir_dns_builder_rr(&b, TAPIR_DNS_ANSWER, &qq->name, TAPIR_DNS_TYPE_AAAA, 1, 600, a6.bytes,
                             16);
    }
    return tapir_dns_builder_finish(&b);
}

/* ---- tests ------------------------------------------------------------------------------ */

static void test_basic_a_with_random_id_and_port(void **state)
{
    (void)state;
    static struct env e;
    env_open(&e, (const char *[]){"192.168.69.100"}, 1);
    e.srv[0].reply = reply_simple;

    uint16_t port;
    predict_port(&e, &port);
    uint16_t id = predict_id(&e);
    int h = tapir_dns_query(&e.r, "a.test", TAPIR_DNS_TYPE_A, e.n.clock.now_us);
    assert_int_equal(h, 0);
    struct tapir_dns_result res;
    assert_int_equal(wait_result(&e, h, &res, 10 * SEC), 0);
    assert_int_equal(e.srv[0].seen, 1);
    assert_int_equal(e.srv[0].q[0].id, id);
    assert_int_equal(e.srv[0].q[0].port, port);
    assert_true(e.srv[0].q[0].rd);
    assert_int_equal(e.srv[0].q[0].type, TAPIR_DNS_TYPE_A);
    assert_true(port >= 49152);
    assert_int_equal(res.count, 1);
    assert_int_equal(res.total, 1);
    assert_int_equal(res.addrs[0].addr.version, TAPIR_IP_V4);
    assert_memory_equal(res.addrs[0].addr.v4.bytes, ((uint8_t[]){192, 0, 2, 1}), 4);
    assert_int_equal(res.addrs[0].ttl, 300);
    assert_int_equal(res.cname_count, 0);
    assert_false(res.over_tcp);
    assert_true(tapir_ip_equal(&res.server, &e.cfg.servers[0]));
    /* The slot is free again. */
    assert_int_equal(tapir_dns_result(&e.r, h, &res), TAPIR_EINVAL);

    /* The next query, with nothing else in flight, gets a fresh port and ID. */
    uint16_t port2;
    predict_port(&e, &port2);
    uint16_t id2 = predict_id(&e);
    assert_int_not_equal(port2, port);
    h = tapir_dns_query(&e.r, "A.TEST.", TAPIR_DNS_TYPE_A, e.n.clock.now_us);
    assert_int_equal(wait_result(&e, h, &res, 10 * SEC), 0);
    assert_int_equal(e.srv[0].q[1].id, id2);
    assert_int_equal(e.srv[0].q[1].port, port2);
    assert_int_equal(tapir_dns_stats(&e.r)->queries_sent, 2);
    assert_int_equal(tapir_dns_stats(&e.r)->answers, 2);
    assert_int_equal(tapir_dns_stats(&e.r)->mismatched, 0);
    env_close(&e);
}

static void test_basic_aaaa_over_ipv6(void **state)
{
    (void)state;
    static struct env e;
    env_open(&e, (const char *[]){"fdaa::100"}, 1);
    e.srv[2].reply = reply_simple;
    int h = tapir_dns_query(&e.r, "a.test", TAPIR_DNS_TYPE_AAAA, e.n.clock.now_us);
    struct tapir_dns_result res;
    assert_int_equal(wait_result(&e, h, &res, 10 * SEC), 0);
    assert_int_equal(e.srv[2].seen, 1);
    assert_int_equal(res.count, 1);
    assert_int_equal(res.addrs[0].addr.version, TAPIR_IP_V6);
    struct tapir_ip_addr want = netsim_ip("2001:db8::1");
    assert_true(tapir_ip_equal(&res.addrs[0].addr, &want));
    assert_int_equal(res.addrs[0].ttl, 600);
    env_close(&e);
}

/* Four wrong answers before the right one: another ID, another question, another source
 * port, another source address. Each is counted and ignored. */
static int reply_with_decoys(struct fake *f, const struct tapir_dns_repr *q,
                             const struct tapir_dns_question *qq, uint8_t *out, size_t cap)
{
    struct tapir_dns_builder b;
    static uint8_t d[512];
    struct tapir_udp_meta meta;
    (void)meta;
    const struct tapir_ip_addr to = netsim_ip("192.168.69.1");
    uint16_t port = f->q[f->seen - 1].port;
    /* Wrong ID. */
    struct tapir_dns_repr bad = *q;
    bad.id = (uint16_t)(q->id + 1);
    reply_start(&b, &bad, qq, 0, d, sizeof d);
    add_a(&b, "a.test", 66, 1);
    assert_int_equal(tapir_udp_send(&f->s, &to, port, d, (size_t)tapir_dns_builder_finish(&b)),
                     tapir_dns_builder_finish(&b));
    /* Wrong question. */
    struct tapir_dns_question other = *qq;
    other.name = N("b.test");
    reply_start(&b, q, &other, 0, d, sizeof d);
    add_a(&b, "b.test", 67, 1);
    tapir_udp_send(&f->s, &to, port, d, (size_t)tapir_dns_builder_finish(&b));
    /* Right question, wrong type. */
    other = *qq;
    other.type = TAPIR_DNS_TYPE_AAAA;
    reply_start(&b, q, &other, 0, d, sizeof d);
    tapir_udp_send(&f->s, &to, port, d, (size_t)tapir_dns_builder_finish(&b));
    /* From another address of B (.101: not a server we asked). */
    reply_start(&b, q, qq, 0, d, sizeof d);
    add_a(&b, "a.test", 68, 1);
    tapir_udp_send(&E->srv[1].s, &to, port, d, (size_t)tapir_dns_builder_finish(&b));
    /* From another port of the right address. */
    static struct tapir_udp_socket other_port;
    static uint8_t orx[4096], otx[4096];
    tapir_udp_socket_init(&other_port, orx, sizeof orx, otx, sizeof otx);
    struct tapir_ip_addr me = netsim_ip("192.168.69.100");
    assert_int_equal(tapir_udp_bind(&other_port, &E->n.b.iface, &me, 5353), 0);
    tapir_iface_add_socket(&E->n.b.iface, &other_port.link);
    tapir_udp_send(&other_port, &to, port, d, (size_t)tapir_dns_builder_finish(&b));
    /* A query, not a response. */
    struct tapir_dns_repr notresp = *q;
    notresp.qr = false;
    reply_start(&b, &notresp, qq, 0, d, sizeof d);
    d[2] &= 0x7f;
    tapir_udp_send(&f->s, &to, port, d, (size_t)tapir_dns_builder_finish(&b));
    /* Then the real one. */
    return reply_simple(f, q, qq, out, cap);
}

static void test_mismatched_answers_ignored(void **state)
{
    (void)state;
    static struct env e;
    env_open(&e, (const char *[]){"192.168.69.100"}, 1);
    e.srv[0].reply = reply_with_decoys;
    int h = tapir_dns_query(&e.r, "a.test", TAPIR_DNS_TYPE_A, e.n.clock.now_us);
    struct tapir_dns_result res;
    assert_int_equal(wait_result(&e, h, &res, 10 * SEC), 0);
    assert_int_equal(res.count, 1);
    assert_int_equal(res.addrs[0].addr.v4.bytes[3], 1);
    const struct tapir_dns_stats *st = tapir_dns_stats(&e.r);
    assert_int_equal(st->mismatched, 5);
    assert_int_equal(st->malformed, 1);
    assert_int_equal(st->answers, 1);
    env_close(&e);
}

/* .100 never answers; .101 does. The query goes to .101 exactly one second later. */
static void test_timing_next_server_after_timeout(void **state)
{
    (void)state;
    static struct env e;
    env_open(&e, (const char *[]){"192.168.69.100", "192.168.69.101"}, 2);
    e.srv[1].reply = reply_simple;
    tapir_instant t0 = e.n.clock.now_us;
    int h = tapir_dns_query(&e.r, "a.test", TAPIR_DNS_TYPE_A, t0);
    struct tapir_dns_result res;
    assert_int_equal(wait_result(&e, h, &res, 10 * SEC), 0);
    assert_int_equal(e.srv[0].seen, 1);
    assert_int_equal(e.srv[0].q[0].at, t0);
    assert_int_equal(e.srv[1].seen, 1);
    assert_int_equal(e.srv[1].q[0].at, t0 + SEC);
    assert_int_equal(e.n.clock.now_us, t0 + SEC);
    /* The same query (ID, port) to both servers. */
    assert_int_equal(e.srv[1].q[0].id, e.srv[0].q[0].id);
    assert_int_equal(e.srv[1].q[0].port, e.srv[0].q[0].port);
    assert_true(tapir_ip_equal(&res.server, &e.cfg.servers[1]));
    assert_int_equal(tapir_dns_stats(&e.r)->timeouts, 1);
    env_close(&e);
}

/* Nobody answers: rounds of 1 s, 2 s, 4 s over both servers, then TAPIR_ETIMEDOUT. */
static void test_timing_every_round(void **state)
{
    (void)state;
    static struct env e;
    env_open(&e, (const char *[]){"192.168.69.100", "192.168.69.101"}, 2);
    tapir_instant t0 = e.n.clock.now_us;
    int h = tapir_dns_query(&e.r, "a.test", TAPIR_DNS_TYPE_A, t0);
    struct tapir_dns_result res;
    run_until(&e, t0 + 14 * SEC - 1);
    assert_int_equal(tapir_dns_result(&e.r, h, &res), TAPIR_EAGAIN);
    assert_int_equal(wait_result(&e, h, &res, 10 * SEC), TAPIR_ETIMEDOUT);
    assert_int_equal(res.status, TAPIR_ETIMEDOUT);
    assert_int_equal(e.n.clock.now_us, t0 + 14 * SEC);
    static const tapir_instant at0[] = {0, 2 * SEC, 6 * SEC}, at1[] = {SEC, 4 * SEC, 10 * SEC};
    assert_int_equal(e.srv[0].seen, 3);
    assert_int_equal(e.srv[1].seen, 3);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(e.srv[0].q[i].at, t0 + at0[i]);
        assert_int_equal(e.srv[1].q[i].at, t0 + at1[i]);
    }
    assert_int_equal(tapir_dns_stats(&e.r)->timeouts, 6);
    assert_int_equal(tapir_dns_stats(&e.r)->queries_sent, 6);
    env_close(&e);
}

static int reply_servfail(struct fake *f, const struct tapir_dns_repr *q,
                          const struct tapir_dns_question *qq, uint8_t *out, size_t cap)
{
    (void)f;
    struct tapir_dns_builder b;
    reply_start(&b, q, qq, TAPIR_DNS_RCODE_SERVFAIL, out, cap);
    return tapir_dns_builder_finish(&b);
}

/* SERVFAIL moves on to the next server at once; when every server fails, ESERVFAIL. */
static void test_timing_servfail_next_at_once(void **state)
{
    (void)state;
    static struct env e;
    env_open(&e, (const char *[]){"192.168.69.100", "192.168.69.101"}, 2);
    e.srv[0].reply = reply_servfail;
    e.srv[1].reply = reply_simple;
    tapir_instant t0 = e.n.clock.now_us;
    int h = tapir_dns_query(&e.r, "a.test", TAPIR_DNS_TYPE_A, t0);
    struct tapir_dns_result res;
    assert_int_equal(wait_result(&e, h, &res, 10 * SEC), 0);
    assert_int_equal(e.srv[1].q[0].at, t0);
    assert_int_equal(tapir_dns_stats(&e.r)->server_failures, 1);

    e.srv[1].reply = reply_servfail;
    h = tapir_dns_query(&e.r, "a.test", TAPIR_DNS_TYPE_A, e.n.clock.now_us);
    t0 = e.n.clock.now_us;
    assert_int_equal(wait_result(&e, h, &res, 10 * SEC), TAPIR_ESERVFAIL);
    assert_int_equal(e.n.clock.now_us, t0);
    assert_int_equal(e.srv[0].seen, 2);
    assert_int_equal(e.srv[1].seen, 2);
    env_close(&e);
}

/* Nothing listens on .101:53: B's port unreachable makes the resolver ask .100 at once,
 * not a second later. */
static void test_timing_port_unreachable_next_at_once(void **state)
{
    (void)state;
    static struct env e;
    env_open(&e, (const char *[]){"192.168.69.101", "192.168.69.100"}, 2);
    tapir_iface_remove_socket(&e.n.b.iface, &e.srv[1].s.link);
    e.srv[0].reply = reply_simple;
    tapir_instant t0 = e.n.clock.now_us;
    int h = tapir_dns_query(&e.r, "a.test", TAPIR_DNS_TYPE_A, t0);
    struct tapir_dns_result res;
    assert_int_equal(wait_result(&e, h, &res, 10 * SEC), 0);
    assert_int_equal(e.n.clock.now_us, t0);
    assert_int_equal(e.srv[0].seen, 1);
    assert_int_equal(e.srv[0].q[0].at, t0);
    assert_int_equal(tapir_dns_stats(&e.r)->unreachable, 1);
    assert_int_equal(tapir_dns_stats(&e.r)->timeouts, 0);
    env_close(&e);
}

static void test_answer_nxdomain_and_nodata(void **state)
{
    (void)state;
    static struct env e;
    env_open(&e, (const char *[]){"192.168.69.100"}, 1);
    e.srv[0].reply = reply_simple;
    struct tapir_dns_result res;
    int h = tapir_dns_query(&e.r, "missing.test", TAPIR_DNS_TYPE_A, e.n.clock.now_us);
    assert_int_equal(wait_result(&e, h, &res, 10 * SEC), TAPIR_ENXDOMAIN);
    assert_int_equal(res.count, 0);
    /* a.test exists; asking for MX gets an empty answer. */
    h = tapir_dns_query(&e.r, "a.test", TAPIR_DNS_TYPE_MX, e.n.clock.now_us);
    assert_int_equal(wait_result(&e, h, &res, 10 * SEC), TAPIR_ENODATA);
    assert_int_equal(e.srv[0].seen, 2);
    /* Malformed names are refused before anything is sent. */
    assert_int_equal(tapir_dns_query(&e.r, "a..test", TAPIR_DNS_TYPE_A, 0), TAPIR_EINVAL);
    assert_int_equal(e.srv[0].seen, 2);
    env_close(&e);
}

/* c1 -> c2 -> c3 -> a.test in one answer; d1 -> c3 in one, then c3 asked again. */
static int reply_chains(struct fake *f, const struct tapir_dns_repr *q,
                        const struct tapir_dns_question *qq, uint8_t *out, size_t cap)
{
    (void)f;
    struct tapir_dns_builder b;
    reply_start(&b, q, qq, 0, out, cap);
    if (asks(qq, "c1.test")) {
        add_cname(&b, "c1.test", "c2.test", 10);
        add_cname(&b, "c2.test", "c3.test", 20);
        add_cname(&b, "c3.test", "a.test", 30);
        add_a(&b, "a.test", 7, 40);
        add_a(&b, "a.test", 8, 40);
    } else if (asks(qq, "d1.test")) {
        add_cname(&b, "d1.test", "c3.test", 50);
    } else if (asks(qq, "c3.test")) {
        add_cname(&b, "c3.test", "a.test", 30);
        add_a(&b, "a.test", 9, 60);
    } else if (asks(qq, "loop1.test")) {
        add_cname(&b, "loop1.test", "loop2.test", 1);
        add_cname(&b, "loop2.test", "loop1.test", 1);
    } else if (asks(qq, "dangling.test")) {
        add_cname(&b, "dangling.test", "gone.test", 1);
        out[3] = TAPIR_DNS_RCODE_NXDOMAIN | 0x80;
    }
    return tapir_dns_builder_finish(&b);
}

static void assert_cname(const struct tapir_dns_result *res, unsigned i, const char *target,
                         uint32_t ttl)
{
    struct tapir_dns_name t = N(target);
    assert_true(tapir_dns_name_equal(&res->cnames[i].target, &t));
    assert_int_equal(res->cnames[i].ttl, ttl);
}

static void test_answer_cname_chains(void **state)
{
    (void)state;
    static struct env e;
    env_open(&e, (const char *[]){"192.168.69.100"}, 1);
    e.srv[0].reply = reply_chains;
    struct tapir_dns_result res;
    int h = tapir_dns_query(&e.r, "c1.test", TAPIR_DNS_TYPE_A, e.n.clock.now_us);
    assert_int_equal(wait_result(&e, h, &res, 10 * SEC), 0);
    assert_int_equal(e.srv[0].seen, 1);
    assert_int_equal(res.cname_count, 3);
    assert_cname(&res, 0, "c2.test", 10);
    assert_cname(&res, 1, "c3.test", 20);
    assert_cname(&res, 2, "a.test", 30);
    assert_int_equal(res.count, 2);
    assert_int_equal(res.addrs[0].addr.v4.bytes[3], 7);
    assert_int_equal(res.addrs[1].addr.v4.bytes[3], 8);

    /* The chain stops at c3.test without an address: c3.test is asked next, with a new
     * ID, and its chain continues the first. */
    h = tapir_dns_query(&e.r, "d1.test", TAPIR_DNS_TYPE_A, e.n.clock.now_us);
    assert_int_equal(wait_result(&e, h, &res, 10 * SEC), 0);
    assert_int_equal(e.srv[0].seen, 3);
    struct tapir_dns_name c3 = N("c3.test"), d1 = N("d1.test");
    assert_true(tapir_dns_name_equal(&e.srv[0].q[1].name, &d1));
    assert_true(tapir_dns_name_equal(&e.srv[0].q[2].name, &c3));
    assert_int_not_equal(e.srv[0].q[1].id, e.srv[0].q[2].id);
    assert_int_equal(res.cname_count, 2);
    assert_cname(&res, 0, "c3.test", 50);
    assert_cname(&res, 1, "a.test", 30);
    assert_int_equal(res.count, 1);
    assert_int_equal(res.addrs[0].addr.v4.bytes[3], 9);
    assert_true(tapir_dns_name_equal(&res.name, &d1));

    /* A loop ends at the bound; a chain into a name that does not exist is NXDOMAIN. */
    h = tapir_dns_query(&e.r, "loop1.test", TAPIR_DNS_TYPE_A, e.n.clock.now_us);
    assert_int_equal(wait_result(&e, h, &res, 10 * SEC), TAPIR_EINVAL);
    assert_int_equal(res.cname_count, TAPIR_DNS_MAX_CNAMES);
    assert_int_equal(e.srv[0].seen, 4);
    h = tapir_dns_query(&e.r, "dangling.test", TAPIR_DNS_TYPE_A, e.n.clock.now_us);
    assert_int_equal(wait_result(&e, h, &res, 10 * SEC), TAPIR_ENXDOMAIN);
    assert_int_equal(res.cname_count, 1);
    env_close(&e);
}

/* Two queries at once share the socket; the answers come back in the other order. */
static struct tapir_udp_meta held_meta;
static uint8_t held[512];
static int held_len;
static int reply_hold_first(struct fake *f, const struct tapir_dns_repr *q,
                            const struct tapir_dns_question *qq, uint8_t *out, size_t cap)
{
    int len = reply_simple(f, q, qq, out, cap);
    if (f->seen == 2) {
        memcpy(held, out, (size_t)len);
        held_len = len;
        return 0; /* answered after the second */
    }
    return len;
}

static void test_answer_concurrent(void **state)
{
    (void)state;
    static struct env e;
    env_open(&e, (const char *[]){"192.168.69.100"}, 1);
    e.srv[0].reply = reply_hold_first;
    struct tapir_dns_result res;
    /* A first query resolves the server's link address: while it is unresolved, the
     * interface holds one datagram for it, and would drop the other. */
    int h0 = tapir_dns_query(&e.r, "a.test", TAPIR_DNS_TYPE_A, e.n.clock.now_us);
    assert_int_equal(wait_result(&e, h0, &res, 10 * SEC), 0);
    int h1 = tapir_dns_query(&e.r, "a.test", TAPIR_DNS_TYPE_A, e.n.clock.now_us);
    int h2 = tapir_dns_query(&e.r, "a.test", TAPIR_DNS_TYPE_AAAA, e.n.clock.now_us);
    assert_int_not_equal(h1, h2);
    assert_int_equal(wait_result(&e, h2, &res, 10 * SEC), 0);
    assert_int_equal(res.addrs[0].addr.version, TAPIR_IP_V6);
    assert_int_equal(tapir_dns_result(&e.r, h1, &res), TAPIR_EAGAIN);
    /* Both went from one port, with different IDs. */
    assert_int_equal(e.srv[0].seen, 3);
    assert_int_equal(e.srv[0].q[1].port, e.srv[0].q[2].port);
    assert_int_not_equal(e.srv[0].q[1].id, e.srv[0].q[2].id);
    struct tapir_ip_addr to = netsim_ip("192.168.69.1");
    (void)held_meta;
    assert_int_equal(tapir_udp_send(&e.srv[0].s, &to, e.srv[0].q[1].port, held, (size_t)held_len),
                     held_len);
    assert_int_equal(wait_result(&e, h1, &res, 10 * SEC), 0);
    assert_int_equal(res.addrs[0].addr.version, TAPIR_IP_V4);
    env_close(&e);
}

/* big.test has 45 addresses: over UDP, a truncated answer with 20; over TCP, all. */
static int reply_big(struct fake *f, const struct tapir_dns_repr *q,
                     const struct tapir_dns_question *qq, uint8_t *out, size_t cap)
{
    struct tapir_dns_builder b;
    reply_start(&b, q, qq, 0, out, cap);
    unsigned n = f ? 20 : 45; /* f is NULL for the TCP server */
    for (unsigned i = 1; i <= n; i++)
        add_a(&b, "big.test", (uint8_t)i, 100 + i);
    if (f)
        out[2] |= 0x02; /* TC */
    return tapir_dns_builder_finish(&b);
}

static void test_tcp_after_truncated_answer(void **state)
{
    (void)state;
    static struct env e;
    env_open(&e, (const char *[]){"192.168.69.100"}, 1);
    e.srv[0].reply = reply_big;
    tcp_server_open(&e, reply_big);
    int h = tapir_dns_query(&e.r, "big.test", TAPIR_DNS_TYPE_A, e.n.clock.now_us);
    struct tapir_dns_result res;
    assert_int_equal(wait_result(&e, h, &res, 10 * SEC), 0);
    assert_int_equal(e.srv[0].seen, 1);
    assert_int_equal(e.tcp_seen, 1);
    assert_true(res.over_tcp);
    assert_int_equal(res.count, 45);
    assert_int_equal(res.total, 45);
    for (unsigned i = 0; i < 45; i++) {
        assert_int_equal(res.addrs[i].addr.v4.bytes[3], i + 1);
        assert_int_equal(res.addrs[i].ttl, 101 + i);
    }
    const struct tapir_dns_stats *st = tapir_dns_stats(&e.r);
    assert_int_equal(st->truncated, 1);
    assert_int_equal(st->tcp_queries, 1);

    /* Again: the TCP socket is taken again once the last exchange closed. */
    run_until(&e, e.n.clock.now_us + 2 * SEC);
    h = tapir_dns_query(&e.r, "big.test", TAPIR_DNS_TYPE_A, e.n.clock.now_us);
    assert_int_equal(wait_result(&e, h, &res, 10 * SEC), 0);
    assert_int_equal(e.tcp_seen, 2);
    assert_int_equal(res.count, 45);
    env_close(&e);
}

/* TC, but nothing listens on TCP: the RST makes it a failure of that server. */
static void test_tcp_refused(void **state)
{
    (void)state;
    static struct env e;
    env_open(&e, (const char *[]){"192.168.69.100"}, 1);
    e.srv[0].reply = reply_big;
    int h = tapir_dns_query(&e.r, "big.test", TAPIR_DNS_TYPE_A, e.n.clock.now_us);
    tapir_instant t0 = e.n.clock.now_us;
    struct tapir_dns_result res;
    assert_int_equal(wait_result(&e, h, &res, 10 * SEC), TAPIR_ESERVFAIL);
    assert_int_equal(e.n.clock.now_us, t0);
    env_close(&e);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_basic_a_with_random_id_and_port),
        cmocka_unit_test(test_basic_aaaa_over_ipv6),
        cmocka_unit_test(test_mismatched_answers_ignored),
        cmocka_unit_test(test_timing_next_server_after_timeout),
        cmocka_unit_test(test_timing_every_round),
        cmocka_unit_test(test_timing_servfail_next_at_once),
        cmocka_unit_test(test_timing_port_unreachable_next_at_once),
        cmocka_unit_test(test_answer_nxdomain_and_nodata),
        cmocka_unit_test(test_answer_cname_chains),
        cmocka_unit_test(test_answer_concurrent),
        cmocka_unit_test(test_tcp_after_truncated_answer),
        cmocka_unit_test(test_tcp_refused),
    };
    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
