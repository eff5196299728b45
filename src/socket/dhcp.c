/* The DHCPv4 client (RFC 2131 §4.4) over a UDP socket, with the RFC 5227 §2.1 address
 * probe driven through events. See include/tapir/socket/dhcp.h for the contract. */
#include <string.h>

#include "tapir/error.h"
#include "tapir/socket/dhcp.h"
#include "tapir/wire/dhcpv4.h"

#define SECOND_US ((tapir_instant)1000000)

/* RFC 2131 §4.1: the first retransmission after 4 s, doubling to 64 s, each ±1 s. */
#define RETRANS_FIRST_US  (4 * SECOND_US)
#define RETRANS_MAX_US    (64 * SECOND_US)
#define RETRANS_JITTER_US SECOND_US
/* REQUESTING / INIT-REBOOT: transmissions before going back to INIT (waits of 4, 8, 16,
 * 32 and 64 s). */
#define REQUEST_TRIES 5
/* §4.4.5: retransmit in RENEWING/REBINDING after half the remaining time, at least 60 s. */
#define RENEW_MIN_US (60 * SECOND_US)
/* §3.1 step 5: wait at least ten seconds after a DECLINE before restarting. */
#define DECLINE_WAIT_US (10 * SECOND_US)
/* RFC 5227 §1.1: PROBE_WAIT 1 s, PROBE_NUM 3, PROBE_MIN 1 s, PROBE_MAX 2 s,
 * ANNOUNCE_WAIT 2 s. */
#define PROBE_WAIT_US    SECOND_US
#define PROBE_NUM        3
#define PROBE_MIN_US     SECOND_US
#define PROBE_MAX_US     (2 * SECOND_US)
#define ANNOUNCE_WAIT_US (2 * SECOND_US)

#define MAX_MESSAGE 576 /* what we build and what we read: RFC 2131 §2 minimum */

static const struct tapir_ipv4_addr any4;
static const struct tapir_ipv4_addr broadcast4 = {{255, 255, 255, 255}};

/* The options we ask for (RFC 2132 §9.8). */
static const uint8_t param_request[] = {
    TAPIR_DHCPV4_OPT_SUBNET_MASK, TAPIR_DHCPV4_OPT_ROUTER, TAPIR_DHCPV4_OPT_DNS,
    TAPIR_DHCPV4_OPT_DOMAIN_NAME, TAPIR_DHCPV4_OPT_MTU,    TAPIR_DHCPV4_OPT_LEASE_TIME,
    TAPIR_DHCPV4_OPT_T1,          TAPIR_DHCPV4_OPT_T2,
};

const char *tapir_dhcp_state_name(enum tapir_dhcp_state state)
{
    static const char *const names[] = {
        [TAPIR_DHCP_INIT] = "INIT",
        [TAPIR_DHCP_INIT_REBOOT] = "INIT-REBOOT",
        [TAPIR_DHCP_REBOOTING] = "REBOOTING",
        [TAPIR_DHCP_SELECTING] = "SELECTING",
        [TAPIR_DHCP_REQUESTING] = "REQUESTING",
        [TAPIR_DHCP_PROBING] = "PROBING",
        [TAPIR_DHCP_BOUND] = "BOUND",
        [TAPIR_DHCP_RENEWING] = "RENEWING",
        [TAPIR_DHCP_REBINDING] = "REBINDING",
        [TAPIR_DHCP_DECLINED] = "DECLINED",
        [TAPIR_DHCP_STOPPED] = "STOPPED",
    };
    if ((unsigned)state < sizeof names / sizeof names[0] && names[state])
        return names[state];
    return "?";
}

void tapir_dhcp_config_default(struct tapir_dhcp_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->probe = true;
    cfg->max_message_size = 1500;
}

static bool is_zero(const struct tapir_ipv4_addr *a)
{
    return memcmp(a, &any4, sizeof *a) == 0;
}

static bool addr_eq(const struct tapir_ipv4_addr *a, const struct tapir_ipv4_addr *b)
{
    return memcmp(a, b, sizeof *a) == 0;
}

static uint32_t random32(struct tapir_dhcp_client *c)
{
    uint32_t v;
    c->cfg.rng.fill(c->cfg.rng.ctx, &v, sizeof v);
    return v;
}

/* Uniform in [0, bound_us]. */
static tapir_instant random_us(struct tapir_dhcp_client *c, tapir_instant bound_us)
{
    return (tapir_instant)tapir_rng_below(&c->cfg.rng, (uint32_t)bound_us + 1);
}

/* The wait after transmission number `tries` (1-based), RFC 2131 §4.1. */
static tapir_instant backoff(struct tapir_dhcp_client *c, unsigned tries)
{
    tapir_instant base = RETRANS_FIRST_US;
    for (unsigned i = 1; i < tries && base < RETRANS_MAX_US; i++)
        base *= 2;
    if (base > RETRANS_MAX_US)
        base = RETRANS_MAX_US;
    return base - RETRANS_JITTER_US + random_us(c, 2 * RETRANS_JITTER_US);
}

static void push_event(struct tapir_dhcp_client *c, const struct tapir_dhcp_event *ev)
{
    if (c->ev_count == TAPIR_DHCP_EVENT_QUEUE) {
        c->stats.events_dropped++;
        return;
    }
    c->events[(c->ev_head + c->ev_count) % TAPIR_DHCP_EVENT_QUEUE] = *ev;
    c->ev_count++;
}

static void emit_event(struct tapir_dhcp_client *c, enum tapir_dhcp_event_kind kind,
                       tapir_instant now, const struct tapir_dhcp_lease *lease,
                       const struct tapir_ipv4_addr *probe, uint8_t reason)
{
    struct tapir_dhcp_event ev;
    memset(&ev, 0, sizeof ev);
    ev.kind = (uint8_t)kind;
    ev.reason = reason;
    ev.at = now;
    if (lease)
        ev.lease = *lease;
    if (probe)
        ev.probe = *probe;
    push_event(c, &ev);
}

/* ---- messages ---------------------------------------------------------------------- */

/* The parts every message from us shares (RFC 2131 §4.4.1 table 5). */
static void base_repr(struct tapir_dhcp_client *c, struct tapir_dhcpv4_repr *r, uint8_t type,
                      tapir_instant now)
{
    memset(r, 0, sizeof *r);
    r->op = TAPIR_DHCPV4_BOOTREQUEST;
    r->htype = 1;
    r->hlen = 6;
    r->xid = c->xid;
    tapir_instant secs = (now - c->started_at) / SECOND_US;
    r->secs = (uint16_t)(secs > 0xffff ? 0xffff : secs);
    memcpy(r->chaddr, c->cfg.mac.bytes, 6);
    r->message_type = type;
    r->client_id.data = c->cfg.client_id;
    r->client_id.len = c->cfg.client_id_len;
    if (type == TAPIR_DHCPV4_DISCOVER || type == TAPIR_DHCPV4_REQUEST) {
        r->param_request.data = param_request;
        r->param_request.len = sizeof param_request;
        r->present |= TAPIR_DHCPV4_HAS_MAX_MESSAGE_SIZE;
        r->max_message_size = c->cfg.max_message_size;
    }
}

/* Queue `r` on the socket to dst:67, from `src` (NULL: the interface chooses). */
static void send_repr(struct tapir_dhcp_client *c, const struct tapir_dhcpv4_repr *r,
                      const struct tapir_ipv4_addr *dst, const struct tapir_ipv4_addr *src)
{
    uint8_t buf[MAX_MESSAGE];
    int n = tapir_dhcpv4_emit(r, buf, sizeof buf);
    if (n < 0) {
        c->stats.send_failed++;
        return;
    }
    struct tapir_ip_addr to = {.version = TAPIR_IP_V4, .v4 = *dst};
    struct tapir_udp_send_opts opts;
    memset(&opts, 0, sizeof opts);
    if (src) {
        opts.local.version = TAPIR_IP_V4;
        opts.local.v4 = *src;
    }
    if (tapir_udp_send_opts(c->udp, &to, TAPIR_DHCPV4_SERVER_PORT, buf, (size_t)n, &opts) < 0) {
        c->stats.send_failed++;
        return;
    }
    switch (r->message_type) {
    case TAPIR_DHCPV4_DISCOVER:
        c->stats.discovers++;
        break;
    case TAPIR_DHCPV4_REQUEST:
        c->stats.requests++;
        break;
    case TAPIR_DHCPV4_DECLINE:
        c->stats.declines++;
        break;
    default:
        c->stats.releases++;
        break;
    }
}

static void send_discover(struct tapir_dhcp_client *c, tapir_instant now)
{
    struct tapir_dhcpv4_repr r;
    base_repr(c, &r, TAPIR_DHCPV4_DISCOVER, now);
    /* We cannot receive unicast before we have the address: ask for broadcast replies
     * (RFC 2131 §4.1). */
    r.flags = TAPIR_DHCPV4_FLAG_BROADCAST;
    send_repr(c, &r, &broadcast4, &any4);
}

/* REQUEST in SELECTING, INIT-REBOOT, RENEWING or REBINDING (RFC 2131 §4.3.2). */
static void send_request(struct tapir_dhcp_client *c, tapir_instant now)
{
    struct tapir_dhcpv4_repr r;
    base_repr(c, &r, TAPIR_DHCPV4_REQUEST, now);
    switch (c->state) {
    case TAPIR_DHCP_REQUESTING:
        /* SELECTING: server id and requested address, ciaddr 0, broadcast. */
        r.flags = TAPIR_DHCPV4_FLAG_BROADCAST;
        r.present |= TAPIR_DHCPV4_HAS_SERVER_ID | TAPIR_DHCPV4_HAS_REQUESTED_IP;
        r.server_id = c->offer.server;
        r.requested_ip = c->offer.address;
        send_repr(c, &r, &broadcast4, &any4);
        break;
    case TAPIR_DHCP_REBOOTING:
        /* INIT-REBOOT: the requested address, no server id, ciaddr 0, broadcast. */
        r.flags = TAPIR_DHCPV4_FLAG_BROADCAST;
        r.present |= TAPIR_DHCPV4_HAS_REQUESTED_IP;
        r.requested_ip = c->offer.address;
        send_repr(c, &r, &broadcast4, &any4);
        break;
    case TAPIR_DHCP_RENEWING:
        /* ciaddr, neither option; unicast to the server from our address. */
        r.ciaddr = c->lease.address;
        send_repr(c, &r, &c->lease.server, NULL);
        break;
    default: /* REBINDING: the same, broadcast */
        r.ciaddr = c->lease.address;
        send_repr(c, &r, &broadcast4, &c->lease.address);
        break;
    }
    if (c->tries == 0)
        c->sent_at = now; /* lease times count from the first transmission (§4.4.1) */
    c->tries++;
}

/* ---- state changes ------------------------------------------------------------------ */

static void enter_init(struct tapir_dhcp_client *c, tapir_instant now)
{
    c->state = TAPIR_DHCP_INIT;
    c->next_at = now;
    c->tries = 0;
}

/* INIT: a new transaction with a DISCOVER (RFC 2131 §4.4.1). */
static void start_selecting(struct tapir_dhcp_client *c, tapir_instant now)
{
    c->xid = random32(c);
    c->started_at = now;
    c->state = TAPIR_DHCP_SELECTING;
    c->tries = 1;
    send_discover(c, now);
    c->next_at = now + backoff(c, 1);
}

static void start_reboot(struct tapir_dhcp_client *c, tapir_instant now)
{
    c->xid = random32(c);
    c->started_at = now;
    memset(&c->offer, 0, sizeof c->offer);
    c->offer.address = c->cfg.requested;
    c->state = TAPIR_DHCP_REBOOTING;
    c->tries = 0;
    send_request(c, now);
    c->next_at = now + backoff(c, 1);
}

static void bind_lease(struct tapir_dhcp_client *c, tapir_instant now)
{
    c->lease = c->offer;
    c->bound = true;
    c->state = TAPIR_DHCP_BOUND;
    c->next_at = c->lease.t1_at;
    emit_event(c, TAPIR_DHCP_EV_LEASE, now, &c->lease, NULL, 0);
}

static void lose_lease(struct tapir_dhcp_client *c, tapir_instant now, uint8_t reason)
{
    if (c->bound)
        emit_event(c, TAPIR_DHCP_EV_LOST, now, &c->lease, NULL, reason);
    c->bound = false;
    memset(&c->lease, 0, sizeof c->lease);
}

/* The next retransmission while RENEWING (until T2) or REBINDING (until expiry). */
static tapir_instant renew_retry_at(tapir_instant now, tapir_instant limit)
{
    if (limit == TAPIR_INSTANT_NEVER)
        return now + RENEW_MIN_US;
    tapir_instant wait = limit > now ? (limit - now) / 2 : 0;
    if (wait < RENEW_MIN_US)
        wait = RENEW_MIN_US;
    return now + wait < limit ? now + wait : limit;
}

static void start_renewal(struct tapir_dhcp_client *c, tapir_instant now, uint8_t state)
{
    /* One transaction from T1 to the ACK: REBINDING keeps the xid, the secs base and the
     * time of the first REQUEST, from which the new lease counts (§4.4.1, §4.4.5). */
    if (state == TAPIR_DHCP_RENEWING) {
        c->xid = random32(c);
        c->started_at = now;
        c->tries = 0;
    }
    c->state = state;
    send_request(c, now);
    if (state == TAPIR_DHCP_RENEWING) {
        emit_event(c, TAPIR_DHCP_EV_RENEWING, now, &c->lease, NULL, 0);
        c->next_at = renew_retry_at(now, c->lease.t2_at);
    } else {
        emit_event(c, TAPIR_DHCP_EV_REBINDING, now, &c->lease, NULL, 0);
        c->next_at = renew_retry_at(now, c->lease.expires_at);
    }
}

static void on_timer(struct tapir_dhcp_client *c, tapir_instant now)
{
    switch (c->state) {
    case TAPIR_DHCP_INIT:
        start_selecting(c, now);
        break;
    case TAPIR_DHCP_INIT_REBOOT:
        start_reboot(c, now);
        break;
    case TAPIR_DHCP_SELECTING:
        /* Offers may never come: keep asking, at most every 64 s. */
        c->tries++;
        send_discover(c, now);
        c->next_at = now + backoff(c, c->tries);
        break;
    case TAPIR_DHCP_REQUESTING:
    case TAPIR_DHCP_REBOOTING:
        if (c->tries >= REQUEST_TRIES) {
            /* §3.1 step 5 / §3.2 step 3: no answer, restart. */
            enter_init(c, now);
            break;
        }
        send_request(c, now);
        c->next_at = now + backoff(c, c->tries);
        break;
    case TAPIR_DHCP_PROBING:
        if (c->probes_sent < PROBE_NUM) {
            c->probes_sent++;
            emit_event(c, TAPIR_DHCP_EV_PROBE, now, NULL, &c->offer.address, 0);
            c->next_at = now + (c->probes_sent < PROBE_NUM
                                    ? PROBE_MIN_US + random_us(c, PROBE_MAX_US - PROBE_MIN_US)
                                    : ANNOUNCE_WAIT_US);
        } else {
            bind_lease(c, now);
        }
        break;
    case TAPIR_DHCP_BOUND:
        start_renewal(c, now, TAPIR_DHCP_RENEWING);
        break;
    case TAPIR_DHCP_RENEWING:
        if (now >= c->lease.t2_at) {
            start_renewal(c, now, TAPIR_DHCP_REBINDING);
        } else {
            send_request(c, now);
            c->next_at = renew_retry_at(now, c->lease.t2_at);
        }
        break;
    case TAPIR_DHCP_REBINDING:
        if (now >= c->lease.expires_at) {
            /* §4.4.5: the lease ran out; stop using the address and start over. */
            lose_lease(c, now, TAPIR_DHCP_LOST_EXPIRED);
            enter_init(c, now);
        } else {
            send_request(c, now);
            c->next_at = renew_retry_at(now, c->lease.expires_at);
        }
        break;
    case TAPIR_DHCP_DECLINED:
        enter_init(c, now);
        break;
    default:
        c->next_at = TAPIR_INSTANT_NEVER;
        break;
    }
}

/* ---- replies ------------------------------------------------------------------------ */

static uint8_t mask_to_prefix(const struct tapir_ipv4_addr *m)
{
    uint32_t v = (uint32_t)m->bytes[0] << 24 | (uint32_t)m->bytes[1] << 16 |
                 (uint32_t)m->bytes[2] << 8 | m->bytes[3];
    uint8_t n = 0;
    while (n < 32 && (v & (0x80000000u >> n)))
        n++;
    /* A mask that is not a run of ones is no prefix (RFC 950 allowed it; nobody uses it). */
    if (n < 32 && (v << n) != 0)
        return 0;
    return n;
}

static tapir_instant at_or_never(tapir_instant from, uint32_t secs)
{
    if (secs == 0xffffffffu)
        return TAPIR_INSTANT_NEVER; /* infinite lease (RFC 2132 §9.2) */
    return from + (tapir_instant)secs * SECOND_US;
}

/* The lease an ACK (or OFFER) describes; times count from `from`. */
static void lease_from(struct tapir_dhcp_lease *l, const struct tapir_dhcpv4_repr *r,
                       tapir_instant from)
{
    memset(l, 0, sizeof *l);
    l->address = r->yiaddr;
    l->server = r->server_id;
    if (r->present & TAPIR_DHCPV4_HAS_SUBNET_MASK)
        l->prefix_len = mask_to_prefix(&r->subnet_mask);
    if (r->router_count) {
        l->has_router = true;
        l->router = r->routers[0];
    }
    l->dns_count = r->dns_count > TAPIR_DHCP_MAX_DNS ? TAPIR_DHCP_MAX_DNS : r->dns_count;
    memcpy(l->dns, r->dns, 4u * l->dns_count);
    if (r->present & TAPIR_DHCPV4_HAS_MTU)
        l->mtu = r->mtu;
    uint32_t lease = r->lease_time_s;
    l->lease_time_s = lease;
    /* §4.4.5: T1 defaults to half the lease, T2 to 0.875 of it; inconsistent values are
     * replaced by the defaults. */
    uint32_t t1 = (r->present & TAPIR_DHCPV4_HAS_T1) ? r->t1_s : lease / 2;
    uint32_t t2 =
        (r->present & TAPIR_DHCPV4_HAS_T2) ? r->t2_s : (uint32_t)((uint64_t)lease * 7 / 8);
    if (lease != 0xffffffffu && (t2 > lease || t1 > t2)) {
        t1 = lease / 2;
        t2 = (uint32_t)((uint64_t)lease * 7 / 8);
    }
    l->t1_s = t1;
    l->t2_s = t2;
    l->acquired_at = from;
    l->expires_at = at_or_never(from, lease);
    l->t1_at = lease == 0xffffffffu ? TAPIR_INSTANT_NEVER : at_or_never(from, t1);
    l->t2_at = lease == 0xffffffffu ? TAPIR_INSTANT_NEVER : at_or_never(from, t2);
}

static void on_ack_requesting(struct tapir_dhcp_client *c, const struct tapir_dhcpv4_repr *r,
                              tapir_instant now)
{
    lease_from(&c->offer, r, c->sent_at);
    if (!c->cfg.probe) {
        bind_lease(c, now);
        return;
    }
    /* RFC 2131 §4.4.1 / RFC 5227 §2.1.1: check the address before using it; the first
     * probe after a random 0..PROBE_WAIT. */
    c->state = TAPIR_DHCP_PROBING;
    c->probes_sent = 0;
    c->next_at = now + random_us(c, PROBE_WAIT_US);
}

static void on_reply(struct tapir_dhcp_client *c, const struct tapir_dhcpv4_repr *r,
                     tapir_instant now)
{
    if (r->op != TAPIR_DHCPV4_BOOTREPLY || r->xid != c->xid ||
        memcmp(r->chaddr, c->cfg.mac.bytes, 6) != 0) {
        c->stats.ignored++;
        return;
    }
    uint8_t type = r->message_type;
    if (type == TAPIR_DHCPV4_OFFER && c->state == TAPIR_DHCP_SELECTING) {
        /* §4.4.1: take the first acceptable offer; it must name its server. */
        if (is_zero(&r->yiaddr) || !(r->present & TAPIR_DHCPV4_HAS_SERVER_ID)) {
            c->stats.ignored++;
            return;
        }
        c->stats.offers++;
        lease_from(&c->offer, r, now);
        c->state = TAPIR_DHCP_REQUESTING;
        c->tries = 0;
        send_request(c, now);
        c->next_at = now + backoff(c, 1);
        return;
    }
    bool requesting = c->state == TAPIR_DHCP_REQUESTING || c->state == TAPIR_DHCP_REBOOTING;
    bool renewing = c->state == TAPIR_DHCP_RENEWING || c->state == TAPIR_DHCP_REBINDING;
    if (type == TAPIR_DHCPV4_ACK && (requesting || renewing)) {
        if (is_zero(&r->yiaddr) ||
            (c->state == TAPIR_DHCP_REQUESTING && (r->present & TAPIR_DHCPV4_HAS_SERVER_ID) &&
             !addr_eq(&r->server_id, &c->offer.server))) {
            c->stats.ignored++;
            return;
        }
        c->stats.acks++;
        if (requesting) {
            on_ack_requesting(c, r, now);
            return;
        }
        struct tapir_dhcp_lease l;
        lease_from(&l, r, c->sent_at);
        if (!(r->present & TAPIR_DHCPV4_HAS_SERVER_ID))
            l.server = c->lease.server;
        if (!addr_eq(&l.address, &c->lease.address)) {
            /* A different address: the old one is gone, the new one is a new lease. */
            lose_lease(c, now, TAPIR_DHCP_LOST_NAK);
            c->offer = l;
            bind_lease(c, now);
            return;
        }
        c->lease = l;
        c->state = TAPIR_DHCP_BOUND;
        c->next_at = c->lease.t1_at;
        emit_event(c, TAPIR_DHCP_EV_RENEWED, now, &c->lease, NULL, 0);
        return;
    }
    if (type == TAPIR_DHCPV4_NAK && (requesting || renewing)) {
        /* §3.1 step 5, §3.2: start over (and stop using the address, if bound). */
        c->stats.naks++;
        emit_event(c, TAPIR_DHCP_EV_NAK, now, NULL, NULL, 0);
        lose_lease(c, now, TAPIR_DHCP_LOST_NAK);
        enter_init(c, now);
        return;
    }
    c->stats.ignored++;
}

static void drain_socket(struct tapir_dhcp_client *c, tapir_instant now)
{
    uint8_t buf[1500];
    struct tapir_udp_meta meta;
    for (int i = 0; i < 64; i++) {
        int n = tapir_udp_recv(c->udp, &meta, buf, sizeof buf);
        if (n < 0)
            return;
        struct tapir_dhcpv4_repr r;
        if (meta.remote_port != TAPIR_DHCPV4_SERVER_PORT || (size_t)n > sizeof buf ||
            tapir_dhcpv4_parse(buf, (size_t)n, &r) != 0) {
            c->stats.ignored++;
            continue;
        }
        on_reply(c, &r, now);
    }
}

/* ---- API ------------------------------------------------------------------------------ */

int tapir_dhcp_start(struct tapir_dhcp_client *c, struct tapir_udp_socket *udp,
                     const struct tapir_dhcp_config *cfg, tapir_instant now)
{
    if (udp == NULL || udp->local_port != TAPIR_DHCPV4_CLIENT_PORT || cfg->rng.fill == NULL ||
        cfg->client_id_len > sizeof cfg->client_id || cfg->client_id_len == 1)
        return TAPIR_EINVAL;
    memset(c, 0, sizeof *c);
    c->cfg = *cfg;
    if (c->cfg.max_message_size < MAX_MESSAGE)
        c->cfg.max_message_size = MAX_MESSAGE;
    if (c->cfg.client_id_len == 0) {
        /* RFC 2132 §9.14: hardware type 1 (Ethernet) and the MAC. */
        c->cfg.client_id[0] = 1;
        memcpy(c->cfg.client_id + 1, cfg->mac.bytes, 6);
        c->cfg.client_id_len = 7;
    }
    c->udp = udp;
    udp->broadcast = true; /* every message before BOUND goes to 255.255.255.255 */
    c->state = is_zero(&cfg->requested) ? TAPIR_DHCP_INIT : TAPIR_DHCP_INIT_REBOOT;
    c->next_at = now;
    return 0;
}

int tapir_dhcp_poll(struct tapir_dhcp_client *c, tapir_instant now, struct tapir_dhcp_event *ev)
{
    if (c->udp != NULL && c->state != TAPIR_DHCP_STOPPED) {
        drain_socket(c, now);
        /* Bounded: each step moves next_at forward or changes state. */
        for (int i = 0; i < 8 && c->next_at <= now; i++)
            on_timer(c, now);
    }
    if (c->ev_count == 0)
        return 0;
    *ev = c->events[c->ev_head];
    c->ev_head = (c->ev_head + 1) % TAPIR_DHCP_EVENT_QUEUE;
    c->ev_count--;
    return 1;
}

tapir_instant tapir_dhcp_poll_at(const struct tapir_dhcp_client *c)
{
    if (c->ev_count > 0)
        return 0;
    if (c->state == TAPIR_DHCP_STOPPED || c->udp == NULL)
        return TAPIR_INSTANT_NEVER;
    return c->next_at;
}

bool tapir_dhcp_probing(const struct tapir_dhcp_client *c, struct tapir_ipv4_addr *addr)
{
    if (c->state != TAPIR_DHCP_PROBING)
        return false;
    if (addr)
        *addr = c->offer.address;
    return true;
}

int tapir_dhcp_probe_conflict(struct tapir_dhcp_client *c, tapir_instant now)
{
    if (c->state != TAPIR_DHCP_PROBING)
        return TAPIR_EINVAL;
    /* RFC 2131 §3.1 step 5 / §4.4.1: DECLINE the address (broadcast, ciaddr 0, the
     * address in option 50, the server's id), then start again after ten seconds. */
    struct tapir_dhcpv4_repr r;
    base_repr(c, &r, TAPIR_DHCPV4_DECLINE, now);
    r.secs = 0;
    r.present |= TAPIR_DHCPV4_HAS_REQUESTED_IP | TAPIR_DHCPV4_HAS_SERVER_ID;
    r.requested_ip = c->offer.address;
    r.server_id = c->offer.server;
    send_repr(c, &r, &broadcast4, &any4);
    emit_event(c, TAPIR_DHCP_EV_DECLINED, now, NULL, &c->offer.address, 0);
    c->state = TAPIR_DHCP_DECLINED;
    c->next_at = now + DECLINE_WAIT_US;
    return 0;
}

int tapir_dhcp_release(struct tapir_dhcp_client *c, tapir_instant now)
{
    if (c->bound) {
        /* §4.4.6: RELEASE unicast to the server, ciaddr ours, a new xid, secs 0. */
        c->xid = random32(c);
        struct tapir_dhcpv4_repr r;
        base_repr(c, &r, TAPIR_DHCPV4_RELEASE, now);
        r.secs = 0;
        r.ciaddr = c->lease.address;
        r.present |= TAPIR_DHCPV4_HAS_SERVER_ID;
        r.server_id = c->lease.server;
        send_repr(c, &r, &c->lease.server, &c->lease.address);
        lose_lease(c, now, TAPIR_DHCP_LOST_RELEASED);
    }
    c->state = TAPIR_DHCP_STOPPED;
    c->next_at = TAPIR_INSTANT_NEVER;
    return 0;
}

enum tapir_dhcp_state tapir_dhcp_state(const struct tapir_dhcp_client *c)
{
    return (enum tapir_dhcp_state)c->state;
}

const struct tapir_dhcp_lease *tapir_dhcp_lease(const struct tapir_dhcp_client *c)
{
    return c->bound ? &c->lease : NULL;
}

const struct tapir_dhcp_stats *tapir_dhcp_stats(const struct tapir_dhcp_client *c)
{
    return &c->stats;
}
