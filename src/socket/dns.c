/* A stub resolver (RFC 1035 §7, RFC 1123 §6.1.3) over the UDP socket API, with the TCP
 * fallback of RFC 7766 for truncated answers and the spoofing defences of RFC 5452. The
 * contract is in tapir/socket/dns.h. */
#include <string.h>

#include "tapir/error.h"
#include "tapir/iface.h"
#include "tapir/socket.h"
#include "tapir/socket/dns.h"
#include "tapir/socket/tcp.h"
#include "tapir/socket/tcp_iface.h"
#include "tapir/socket/udp.h"

enum slot_state {
    SLOT_FREE = 0,
    SLOT_UDP,     /* a query is out over UDP; waiting for the answer or the deadline */
    SLOT_WAITTCP, /* the answer was truncated: waiting for the TCP socket */
    SLOT_TCP,     /* the TCP exchange is this slot's */
    SLOT_DONE,    /* result ready for tapir_dns_result() */
};

/* RFC 6335 §6: the dynamic port range, where random source ports are drawn (RFC 5452 §10). */
#define PORT_MIN   49152u
#define PORT_SPAN  16384u
#define PORT_TRIES 8

void tapir_dns_config_default(struct tapir_dns_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->server_port = TAPIR_DNS_PORT;
    /* Each round doubles the wait, as RFC 1536 §1 and common stub resolvers do. */
    cfg->timeouts_us[0] = 1000000;
    cfg->timeouts_us[1] = 2000000;
    cfg->timeouts_us[2] = 4000000;
    cfg->rounds = 3;
    cfg->tcp_timeout_us = 5000000;
    cfg->recursion_desired = true;
}

int tapir_dns_init(struct tapir_dns_resolver *r, const struct tapir_dns_config *cfg,
                   struct tapir_iface *iface, struct tapir_udp_socket *udp,
                   struct tapir_tcp_socket *tcp, struct tapir_dns_query *slots, unsigned slot_count,
                   uint8_t *udp_buf, size_t udp_len, uint8_t *tcp_buf, size_t tcp_len)
{
    if (!cfg || !iface || !udp || !slots || slot_count == 0 || !cfg->rng.fill ||
        cfg->server_count == 0 || cfg->server_count > TAPIR_DNS_MAX_SERVERS || cfg->rounds == 0 ||
        cfg->rounds > TAPIR_DNS_MAX_ROUNDS || cfg->server_port == 0 || !udp_buf ||
        udp_len < TAPIR_DNS_UDP_MAX || (tcp && (!tcp_buf || tcp_len < 2 + 512)))
        return TAPIR_EINVAL;
    for (unsigned i = 0; i < cfg->server_count; i++)
        if (cfg->servers[i].version != TAPIR_IP_V4 && cfg->servers[i].version != TAPIR_IP_V6)
            return TAPIR_EINVAL;
    memset(r, 0, sizeof *r);
    r->cfg = *cfg;
    r->iface = iface;
    r->udp = udp;
    r->tcp = tcp;
    r->slots = slots;
    r->slot_count = slot_count;
    memset(slots, 0, sizeof *slots * slot_count);
    r->udp_buf = udp_buf;
    r->udp_len = udp_len;
    r->tcp_buf = tcp_buf;
    r->tcp_len = tcp_len;
    r->tcp_owner = -1;
    tapir_iface_add_socket(iface, &udp->link);
    return 0;
}

static bool slot_active(const struct tapir_dns_query *q)
{
    return q->state == SLOT_UDP || q->state == SLOT_WAITTCP || q->state == SLOT_TCP;
}

static uint16_t random16(struct tapir_dns_resolver *r)
{
    uint8_t b[2];
    r->cfg.rng.fill(r->cfg.rng.ctx, b, sizeof b);
    return (uint16_t)(b[0] << 8 | b[1]);
}

/* A query ID from the rng, unlike any other query's in flight (their answers would
 * otherwise be indistinguishable by ID). */
static uint16_t fresh_id(struct tapir_dns_resolver *r, const struct tapir_dns_query *self)
{
    for (;;) {
        uint16_t id = random16(r);
        bool taken = false;
        for (unsigned i = 0; i < r->slot_count; i++)
            if (&r->slots[i] != self && slot_active(&r->slots[i]) && r->slots[i].id == id)
                taken = true;
        if (!taken)
            return id;
    }
}

/* RFC 5452 §9.2: a random source port, drawn from the rng; the interface's ephemeral
 * choice only when every draw is taken. */
static int bind_random_port(struct tapir_dns_resolver *r)
{
    if (r->udp->local_port != 0)
        tapir_udp_close(r->udp);
    for (int i = 0; i < PORT_TRIES; i++) {
        uint16_t port = (uint16_t)(PORT_MIN + tapir_rng_below(&r->cfg.rng, PORT_SPAN));
        int rc = tapir_udp_bind(r->udp, r->iface, NULL, port);
        if (rc != TAPIR_EADDRINUSE)
            return rc;
    }
    return tapir_udp_bind(r->udp, r->iface, NULL, 0);
}

static void finish(struct tapir_dns_resolver *r, struct tapir_dns_query *q, int status)
{
    q->result.status = status;
    q->state = SLOT_DONE;
    if (r->tcp_owner == (int)(q - r->slots))
        r->tcp_owner = -1;
}

static void send_udp(struct tapir_dns_resolver *r, struct tapir_dns_query *q, tapir_instant now)
{
    uint8_t msg[TAPIR_DNS_HEADER_LEN + TAPIR_DNS_MAX_NAME + 4];
    int len = tapir_dns_emit_query(q->id, r->cfg.recursion_desired, &q->qname, q->result.type, msg,
                                   sizeof msg);
    q->state = SLOT_UDP;
    q->asked |= (uint8_t)(1u << q->server);
    q->deadline = now + r->cfg.timeouts_us[q->round];
    q->sent_at = now;
    if (len > 0 && tapir_udp_send(r->udp, &r->cfg.servers[q->server], r->cfg.server_port, msg,
                                  (size_t)len) == len)
        r->stats.queries_sent++;
    else
        r->stats.send_failures++; /* it times out like a lost datagram */
}

/* Move on to the next server that has not failed this query, or the next round; finish
 * when the rounds are spent. */
static void next_server(struct tapir_dns_resolver *r, struct tapir_dns_query *q, tapir_instant now)
{
    unsigned all = (1u << r->cfg.server_count) - 1;
    if ((q->failed & all) == all) {
        finish(r, q, TAPIR_ESERVFAIL);
        return;
    }
    do {
        if (++q->server >= r->cfg.server_count) {
            q->server = 0;
            if (++q->round >= r->cfg.rounds) {
                finish(r, q, q->failed != 0 ? TAPIR_ESERVFAIL : TAPIR_ETIMEDOUT);
                return;
            }
        }
    } while (q->failed & (1u << q->server));
    send_udp(r, q, now);
}

/* Ask `name` afresh: new ID, first server, first round (RFC 1034 §5.3.3 step 1). */
static void start(struct tapir_dns_resolver *r, struct tapir_dns_query *q, tapir_instant now)
{
    q->id = fresh_id(r, q);
    q->server = 0;
    q->round = 0;
    q->asked = 0;
    q->failed = 0;
    send_udp(r, q, now);
}

int tapir_dns_query(struct tapir_dns_resolver *r, const char *name, uint16_t type,
                    tapir_instant now)
{
    struct tapir_dns_name qname;
    if (!name || tapir_dns_name_from_text(name, &qname) != 0)
        return TAPIR_EINVAL;
    int free_slot = -1;
    bool busy = false;
    for (unsigned i = 0; i < r->slot_count; i++) {
        if (slot_active(&r->slots[i]))
            busy = true;
        else if (r->slots[i].state == SLOT_FREE && free_slot < 0)
            free_slot = (int)i;
    }
    if (free_slot < 0)
        return TAPIR_EAGAIN;
    /* A fresh port whenever nothing else is in flight on the socket (RFC 5452 §9.2). */
    if (!busy || r->udp->local_port == 0) {
        int rc = bind_random_port(r);
        if (rc != 0)
            return rc;
    }
    struct tapir_dns_query *q = &r->slots[free_slot];
    memset(q, 0, sizeof *q);
    q->qname = qname;
    q->result.name = qname;
    q->result.type = type;
    start(r, q, now);
    return free_slot;
}

/* ---- answers ---------------------------------------------------------------------------- */

/* RFC 5452 §9.1 / RFC 1035 §7.3: exactly one question, ours. */
static bool question_matches(const struct tapir_dns_repr *m, const struct tapir_dns_query *q)
{
    if (m->count[TAPIR_DNS_QUESTION] != 1)
        return false;
    struct tapir_dns_cursor c;
    tapir_dns_cursor_init(&c, m);
    struct tapir_dns_question qq;
    return tapir_dns_next_question(&c, &qq) == 1 && qq.type == q->result.type &&
           qq.qclass == TAPIR_DNS_CLASS_IN && tapir_dns_name_equal(&qq.name, &q->qname);
}

static void add_address(struct tapir_dns_result *res, const struct tapir_dns_rr *rr)
{
    res->total++;
    if (res->count >= TAPIR_DNS_MAX_ADDRS)
        return;
    struct tapir_dns_addr *a = &res->addrs[res->count++];
    memset(a, 0, sizeof *a);
    if (rr->type == TAPIR_DNS_TYPE_A) {
        a->addr.version = TAPIR_IP_V4;
        a->addr.v4 = rr->data.a;
    } else {
        a->addr.version = TAPIR_IP_V6;
        a->addr.v6 = rr->data.aaaa;
    }
    a->ttl = rr->ttl;
}

/* Records of the type asked owned by `name`, stored; returns how many. */
static unsigned take_records(const struct tapir_dns_repr *m, const struct tapir_dns_name *name,
                             struct tapir_dns_result *res)
{
    unsigned n = 0;
    struct tapir_dns_cursor c;
    tapir_dns_cursor_init(&c, m);
    struct tapir_dns_rr rr;
    while (tapir_dns_next_rr(&c, &rr) == 1 && rr.section == TAPIR_DNS_ANSWER) {
        if (rr.type != res->type || rr.rclass != TAPIR_DNS_CLASS_IN ||
            !tapir_dns_name_equal(&rr.name, name))
            continue;
        n++;
        if (rr.type == TAPIR_DNS_TYPE_A || rr.type == TAPIR_DNS_TYPE_AAAA)
            add_address(res, &rr);
        else
            res->total++;
    }
    return n;
}

/* The CNAME owned by `name` in the answer section, if any. */
static bool find_cname(const struct tapir_dns_repr *m, const struct tapir_dns_name *name,
                       struct tapir_dns_rr *out)
{
    struct tapir_dns_cursor c;
    tapir_dns_cursor_init(&c, m);
    while (tapir_dns_next_rr(&c, out) == 1 && out->section == TAPIR_DNS_ANSWER)
        if (out->type == TAPIR_DNS_TYPE_CNAME && out->rclass == TAPIR_DNS_CLASS_IN &&
            tapir_dns_name_equal(&out->name, name))
            return true;
    return false;
}

/* A matched answer with rcode NOERROR or NXDOMAIN: follow the CNAME chain from the name
 * asked (RFC 1034 §3.6.2, §5.3.3 step 3) and decide. */
static void resolve(struct tapir_dns_resolver *r, struct tapir_dns_query *q,
                    const struct tapir_dns_repr *m, tapir_instant now)
{
    struct tapir_dns_result *res = &q->result;
    struct tapir_dns_name cur = q->qname;
    for (;;) {
        if (take_records(m, &cur, res) > 0) {
            finish(r, q, 0);
            return;
        }
        struct tapir_dns_rr rr;
        if (res->type == TAPIR_DNS_TYPE_CNAME || !find_cname(m, &cur, &rr))
            break;
        if (res->cname_count >= TAPIR_DNS_MAX_CNAMES) {
            finish(r, q, TAPIR_EINVAL); /* too long, or a loop */
            return;
        }
        res->cnames[res->cname_count].target = rr.data.target;
        res->cnames[res->cname_count].ttl = rr.ttl;
        res->cname_count++;
        cur = rr.data.target;
    }
    /* RFC 6604 §3: the rcode speaks of the last name of the chain. */
    if (m->rcode == TAPIR_DNS_RCODE_NXDOMAIN) {
        finish(r, q, TAPIR_ENXDOMAIN);
    } else if (!tapir_dns_name_equal(&cur, &q->qname)) {
        /* The chain ends on a name this answer has nothing more for: ask for it. */
        q->qname = cur;
        start(r, q, now);
    } else {
        finish(r, q, TAPIR_ENODATA);
    }
}

static void take_answer(struct tapir_dns_resolver *r, struct tapir_dns_query *q,
                        const struct tapir_dns_repr *m, unsigned server, bool over_tcp,
                        tapir_instant now)
{
    r->stats.answers++;
    q->result.server = r->cfg.servers[server];
    q->result.over_tcp = over_tcp;
    if (m->rcode != TAPIR_DNS_RCODE_NOERROR && m->rcode != TAPIR_DNS_RCODE_NXDOMAIN) {
        /* RFC 1035 §7.3 / RFC 2308 §2.1: this server cannot help; the next one may. */
        r->stats.server_failures++;
        q->failed |= (uint8_t)(1u << server);
        q->server = (uint8_t)server;
        next_server(r, q, now);
        return;
    }
    if (m->tc && !over_tcp) {
        /* RFC 7766 §5 / RFC 1123 §6.1.3.2: ask the same server again over TCP. */
        r->stats.truncated++;
        q->server = (uint8_t)server;
        if (!r->tcp) {
            q->failed |= (uint8_t)(1u << server);
            next_server(r, q, now);
            return;
        }
        q->state = SLOT_WAITTCP;
        return;
    }
    resolve(r, q, m, now);
}

/* A datagram from `from`:`port`: the slot it answers, or NULL. */
static struct tapir_dns_query *match_udp(struct tapir_dns_resolver *r,
                                         const struct tapir_dns_repr *m,
                                         const struct tapir_ip_addr *from, uint16_t port,
                                         unsigned *server)
{
    if (port != r->cfg.server_port)
        return NULL;
    for (unsigned i = 0; i < r->slot_count; i++) {
        struct tapir_dns_query *q = &r->slots[i];
        if (q->state != SLOT_UDP || q->id != m->id)
            continue;
        for (unsigned s = 0; s < r->cfg.server_count; s++) {
            if ((q->asked & (1u << s)) && tapir_ip_equal(&r->cfg.servers[s], from) &&
                question_matches(m, q)) {
                *server = s;
                return q;
            }
        }
    }
    return NULL;
}

static void drain_udp(struct tapir_dns_resolver *r, tapir_instant now)
{
    struct tapir_udp_meta meta;
    int n;
    while ((n = tapir_udp_recv(r->udp, &meta, r->udp_buf, r->udp_len)) >= 0) {
        struct tapir_dns_repr m;
        size_t len = (size_t)n < r->udp_len ? (size_t)n : r->udp_len;
        if (tapir_dns_parse(r->udp_buf, len, &m) != 0 || !m.qr || m.opcode != 0) {
            r->stats.malformed++;
            continue;
        }
        unsigned server;
        struct tapir_dns_query *q = match_udp(r, &m, &meta.remote, meta.remote_port, &server);
        if (!q) {
            r->stats.mismatched++;
            continue;
        }
        take_answer(r, q, &m, server, false, now);
    }
    /* RFC 1122 §4.1.3.3: ICMP errors reach the application. Port or host unreachable
     * for the server a query is waiting on, about a datagram sent since it asked: that
     * server is no use for this query, so the next one is asked now rather than after the
     * timeout. Other errors (and a neighbour that never answered) are left to it. */
    int err = tapir_udp_take_error(r->udp);
    struct tapir_udp_icmp_error icmp;
    if ((err != TAPIR_ECONNREFUSED && err != TAPIR_EHOSTUNREACH) ||
        !tapir_udp_last_icmp(r->udp, &icmp) || icmp.remote_port != r->cfg.server_port)
        return;
    for (unsigned i = 0; i < r->slot_count; i++) {
        struct tapir_dns_query *q = &r->slots[i];
        if (q->state == SLOT_UDP && icmp.received_at >= q->sent_at &&
            tapir_ip_equal(&icmp.remote, &r->cfg.servers[q->server])) {
            r->stats.unreachable++;
            q->failed |= (uint8_t)(1u << q->server);
            next_server(r, q, now);
        }
    }
}

/* ---- TCP (RFC 7766) ---------------------------------------------------------------------- */

/* Give the TCP socket up after an exchange: a close (FIN) when it went well, an abort
 * otherwise; it is taken again once CLOSED. */
static void tcp_release(struct tapir_dns_resolver *r, bool ok)
{
    if (ok)
        tapir_tcp_close(r->tcp);
    else
        tapir_tcp_abort(r->tcp);
    r->tcp_owner = -1;
    r->tcp_closing = true;
}

static void tcp_failed(struct tapir_dns_resolver *r, struct tapir_dns_query *q, tapir_instant now)
{
    tcp_release(r, false);
    q->failed |= (uint8_t)(1u << q->server);
    next_server(r, q, now);
}

/* Connect for slot `q` if the socket is free. */
static void tcp_acquire(struct tapir_dns_resolver *r, struct tapir_dns_query *q, tapir_instant now)
{
    struct tapir_tcp_socket *t = r->tcp;
    if (tapir_tcp_state(t) != TAPIR_TCP_CLOSED) {
        /* Still closing the last exchange; give it a moment, then cut it short. */
        if (r->tcp_closing && now >= r->tcp_deadline)
            tapir_tcp_abort(t);
        return;
    }
    /* Re-initialising clears the socket's link: take it off the interface first. */
    tapir_iface_remove_socket(r->iface, &t->link);
    if (tapir_tcp_socket_reset(t) != 0)
        return; /* a RST still to go out */
    struct tapir_tcp_endpoint remote = {.addr = r->cfg.servers[q->server],
                                        .port = r->cfg.server_port};
    r->tcp_closing = false;
    r->tcp_owner = (int)(q - r->slots);
    r->tcp_have = 0;
    r->tcp_sent = false;
    r->tcp_deadline = now + r->cfg.tcp_timeout_us;
    q->state = SLOT_TCP;
    q->id = fresh_id(r, q); /* RFC 5452 §9.2: a new ID for the new message */
    r->stats.tcp_queries++;
    if (tapir_tcp_connect_iface(r->iface, t, &remote, now) != 0)
        tcp_failed(r, q, now);
}

static void tcp_progress(struct tapir_dns_resolver *r, struct tapir_dns_query *q, tapir_instant now)
{
    struct tapir_tcp_socket *t = r->tcp;
    enum tapir_tcp_state st = tapir_tcp_state(t);
    if (!r->tcp_sent && (st == TAPIR_TCP_ESTABLISHED || st == TAPIR_TCP_CLOSE_WAIT)) {
        uint8_t msg[2 + TAPIR_DNS_HEADER_LEN + TAPIR_DNS_MAX_NAME + 4];
        int len = tapir_dns_emit_query(q->id, r->cfg.recursion_desired, &q->qname, q->result.type,
                                       msg + 2, sizeof msg - 2);
        if (len < 0 || tapir_tcp_send_space(t) < (size_t)len + 2) {
            tcp_failed(r, q, now);
            return;
        }
        msg[0] = (uint8_t)(len >> 8);
        msg[1] = (uint8_t)len;
        tapir_tcp_send(t, msg, (size_t)len + 2);
        r->tcp_sent = true;
    }
    bool eof = false;
    for (;;) {
        if (r->tcp_have >= r->tcp_len) {
            tcp_failed(r, q, now); /* the answer does not fit the caller's buffer */
            return;
        }
        int n = tapir_tcp_recv(t, r->tcp_buf + r->tcp_have, r->tcp_len - r->tcp_have);
        if (n <= 0) {
            eof = n != TAPIR_EAGAIN; /* end of stream, or the connection's error */
            break;
        }
        r->tcp_have += (size_t)n;
        if (r->tcp_have < 2)
            continue;
        size_t mlen = (size_t)r->tcp_buf[0] << 8 | r->tcp_buf[1];
        if (mlen + 2 > r->tcp_len) {
            tcp_failed(r, q, now);
            return;
        }
        if (r->tcp_have < mlen + 2)
            continue;
        struct tapir_dns_repr m;
        if (tapir_dns_parse(r->tcp_buf + 2, mlen, &m) != 0 || !m.qr || m.opcode != 0) {
            r->stats.malformed++;
            tcp_failed(r, q, now);
        } else if (m.id != q->id || !question_matches(&m, q)) {
            r->stats.mismatched++;
            tcp_failed(r, q, now);
        } else {
            tcp_release(r, true);
            r->tcp_deadline = now + r->cfg.timeouts_us[0];
            take_answer(r, q, &m, q->server, true, now);
        }
        return;
    }
    if (eof || (st == TAPIR_TCP_CLOSED && t->error != 0) || now >= r->tcp_deadline)
        tcp_failed(r, q, now); /* refused, reset, closed early or too slow */
}

static void run_tcp(struct tapir_dns_resolver *r, tapir_instant now)
{
    if (!r->tcp)
        return;
    if (r->tcp_owner >= 0) {
        tcp_progress(r, &r->slots[r->tcp_owner], now);
        if (r->tcp_owner >= 0)
            return;
    }
    for (unsigned i = 0; i < r->slot_count && r->tcp_owner < 0; i++)
        if (r->slots[i].state == SLOT_WAITTCP)
            tcp_acquire(r, &r->slots[i], now);
    if (r->tcp_owner >= 0)
        tcp_progress(r, &r->slots[r->tcp_owner], now);
}

/* ---- the rest ---------------------------------------------------------------------------- */

void tapir_dns_poll(struct tapir_dns_resolver *r, tapir_instant now)
{
    drain_udp(r, now);
    run_tcp(r, now);
    for (unsigned i = 0; i < r->slot_count; i++) {
        struct tapir_dns_query *q = &r->slots[i];
        if (q->state == SLOT_UDP && now >= q->deadline) {
            r->stats.timeouts++;
            next_server(r, q, now);
        }
    }
}

tapir_instant tapir_dns_poll_at(const struct tapir_dns_resolver *r)
{
    tapir_instant at = TAPIR_INSTANT_NEVER;
    for (unsigned i = 0; i < r->slot_count; i++) {
        const struct tapir_dns_query *q = &r->slots[i];
        if (q->state == SLOT_UDP && q->deadline < at)
            at = q->deadline;
    }
    if (r->tcp && (r->tcp_owner >= 0 || r->tcp_closing) && r->tcp_deadline < at) {
        bool waiting = false;
        for (unsigned i = 0; i < r->slot_count; i++)
            waiting |= r->slots[i].state == SLOT_WAITTCP;
        if (r->tcp_owner >= 0 || waiting)
            at = r->tcp_deadline;
    }
    return at;
}

int tapir_dns_result(struct tapir_dns_resolver *r, int handle, struct tapir_dns_result *out)
{
    if (handle < 0 || (unsigned)handle >= r->slot_count || r->slots[handle].state == SLOT_FREE)
        return TAPIR_EINVAL;
    struct tapir_dns_query *q = &r->slots[handle];
    if (q->state != SLOT_DONE)
        return TAPIR_EAGAIN;
    if (out)
        *out = q->result;
    q->state = SLOT_FREE;
    return q->result.status;
}

void tapir_dns_cancel(struct tapir_dns_resolver *r, int handle)
{
    if (handle < 0 || (unsigned)handle >= r->slot_count)
        return;
    struct tapir_dns_query *q = &r->slots[handle];
    if (q->state == SLOT_TCP)
        tcp_release(r, false);
    q->state = SLOT_FREE;
}

const struct tapir_dns_stats *tapir_dns_stats(const struct tapir_dns_resolver *r)
{
    return &r->stats;
}
