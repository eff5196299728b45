/* ICMP for IPv4 (RFC 792, RFC 1122 §3.2.2): echo replies, errors about what we received,
 * messages for echo sockets, and the rate limit shared with ICMPv6. */
#include <string.h>

#include "../socket/icmp_internal.h"
#include "iface_internal.h"
#include "iface_udp.h"
#include "tapir/wire/icmpv4.h"
#include "tapir/wire/icmpv6.h"
#include "tapir/wire/ipv4.h"

/* RFC 1812 §4.3.2.3 / RFC 1122 §3.2.2: quote as much of the offending datagram as keeps
 * the error within 576 bytes. */
#define ICMPV4_ERROR_MAX_QUOTE (576 - 20 - 8)

/* A token bucket: `burst` errors at once, one more every `interval`. */
bool tapir__icmp_rate_ok(struct tapir_iface *iface, tapir_instant now)
{
    double burst = iface->cfg.icmp_error_burst;
    if (iface->cfg.icmp_error_interval_us > 0 && now > iface->icmp_tokens_at) {
        iface->icmp_tokens +=
            (double)(now - iface->icmp_tokens_at) / (double)iface->cfg.icmp_error_interval_us;
        if (iface->icmp_tokens > burst)
            iface->icmp_tokens = burst;
    }
    iface->icmp_tokens_at = now;
    if (iface->icmp_tokens < 1.0) {
        tapir__drop(iface, TAPIR_DROP_ICMP_RATE_LIMITED);
        return false;
    }
    iface->icmp_tokens -= 1.0;
    return true;
}

/* RFC 1122 §3.2.2 (IPv4) and RFC 4443 §2.4(e) (IPv6): never answer an error with an
 * error, nor a datagram sent to a multicast/broadcast address, nor a non-initial
 * fragment, nor one whose source does not name a single host. */
static bool error_allowed(const struct tapir__ip_info *ip)
{
    if (ip->dst_multicast || ip->packet_len == 0)
        return false;
    if (ip->src.version == TAPIR_IP_V4) {
        const uint8_t *s = ip->src.v4.bytes;
        if ((s[0] & 0xf0) >= 0xe0 || s[0] == 0 || s[0] == 127)
            return false;
        struct tapir_ipv4_repr quoted;
        if (tapir_ipv4_quoted_parse(ip->packet, ip->packet_len, &quoted) != 0)
            return false;
        if (quoted.frag_offset != 0)
            return false;
        if (quoted.protocol == TAPIR_IP_PROTO_ICMP && quoted.payload_len > 0 &&
            (tapir_icmpv4_is_error(quoted.payload[0]) || quoted.payload[0] > 18))
            return false;
        return true;
    }
    const uint8_t *s = ip->src.v6.bytes;
    static const uint8_t unspecified[16];
    if (s[0] == 0xff || memcmp(s, unspecified, 16) == 0)
        return false;
    /* RFC 4443 §2.4(e.1): never about an ICMPv6 error. */
    const uint8_t *p = ip->packet;
    if (ip->packet_len > 40 && p[6] == TAPIR_IP_PROTO_ICMPV6 && tapir_icmpv6_is_error(p[40]))
        return false;
    return true;
}

void tapir__icmp_error(struct tapir_iface *iface, tapir_instant now,
                       const struct tapir__ip_info *ip, uint8_t type, uint8_t code, uint32_t info)
{
    if (!error_allowed(ip) || !tapir__icmp_rate_ok(iface, now))
        return;
    /* From the address the datagram was sent to when it is ours, else the one we would
     * use to reach its sender. */
    struct tapir_ip_addr src;
    if (tapir_iface_has_ip(iface, &ip->dst))
        src = ip->dst;
    else if (tapir__select_source(iface, &ip->src, &src) != 0)
        return;
    if (ip->src.version == TAPIR_IP_V6) {
        tapir__icmpv6_error(iface, now, ip, &src, type, code, info);
        return;
    }
    struct tapir_icmpv4_repr icmp;
    memset(&icmp, 0, sizeof icmp);
    icmp.type = type;
    icmp.code = code;
    if (type == TAPIR_ICMPV4_DEST_UNREACHABLE && code == 4)
        icmp.next_hop_mtu = (uint16_t)info;
    if (type == TAPIR_ICMPV4_PARAM_PROBLEM)
        icmp.pointer = (uint8_t)info;
    icmp.data = ip->packet;
    icmp.data_len =
        ip->packet_len < ICMPV4_ERROR_MAX_QUOTE ? ip->packet_len : ICMPV4_ERROR_MAX_QUOTE;
    uint8_t *upper = iface->datagram + TAPIR__IP_ROOM;
    int n = tapir_icmpv4_emit(&icmp, upper, 65535);
    if (n < 0)
        return;
    const uint8_t *dg;
    int len = tapir__finish_ip(iface, &src, &ip->src, TAPIR_IP_PROTO_ICMP, 0, (size_t)n, &dg);
    if (len < 0)
        return;
    if (tapir__send_ip(iface, now, dg, (size_t)len) == 0)
        iface->stats.icmp_errors_sent++;
}

void tapir__icmp_meta_init(struct tapir_icmp_meta *m, const struct tapir__ip_info *ip, uint8_t type,
                           uint8_t code, tapir_instant now)
{
    memset(m, 0, sizeof *m);
    m->src = ip->src;
    m->dst = ip->dst;
    m->type = type;
    m->code = code;
    m->ttl = ip->ttl;
    m->received_at = now;
}

bool tapir__icmp_deliver(struct tapir_iface *iface, uint8_t version,
                         const struct tapir_icmp_meta *m, const uint8_t *data, size_t len)
{
    for (struct tapir_socket_link *l = iface->sockets; l; l = l->next) {
        if (l->kind != TAPIR_SOCKET_ICMP)
            continue;
        struct tapir_icmp_socket *s = (struct tapir_icmp_socket *)l;
        if (tapir__icmp_socket_matches(s, version, m->ident)) {
            tapir__icmp_socket_deliver(s, m, data, len);
            return true;
        }
    }
    return false;
}

static void echo_reply_v4(struct tapir_iface *iface, tapir_instant now,
                          const struct tapir__ip_info *ip, const struct tapir_icmpv4_repr *req)
{
    struct tapir_icmpv4_repr rep = *req;
    rep.type = TAPIR_ICMPV4_ECHO_REPLY;
    rep.code = 0;
    rep.rest = 0;
    uint8_t *upper = iface->datagram + TAPIR__IP_ROOM;
    int n = tapir_icmpv4_emit(&rep, upper, 65535 - 20);
    if (n < 0)
        return;
    const uint8_t *dg;
    int len = tapir__finish_ip(iface, &ip->dst, &ip->src, TAPIR_IP_PROTO_ICMP, 0, (size_t)n, &dg);
    if (len >= 0 && tapir__send_ip(iface, now, dg, (size_t)len) == 0)
        iface->stats.echo_replies_sent++;
}

/* RFC 1191 §5: a router that does not report the next-hop MTU leaves the sender to guess
 * the next plateau below the datagram's total length (the table of RFC 1191 §7). */
static unsigned mtu_plateau(unsigned total_len)
{
    static const unsigned plateaus[] = {32000, 17914, 8166, 4352, 2002, 1492, 1006, 508, 296, 68};
    for (unsigned i = 0; i < sizeof plateaus / sizeof plateaus[0]; i++)
        if (plateaus[i] < total_len)
            return plateaus[i];
    return 68;
}

void tapir__icmpv4_input(struct tapir_iface *iface, tapir_instant now,
                         const struct tapir__ip_info *ip, const uint8_t *buf, size_t len)
{
    struct tapir_icmpv4_repr icmp;
    if (tapir_icmpv4_parse(buf, len, &icmp) != 0) {
        tapir__drop(iface, TAPIR_DROP_ICMP_MALFORMED);
        return;
    }
    struct tapir_icmp_meta m;
    tapir__icmp_meta_init(&m, ip, icmp.type, icmp.code, now);

    switch (icmp.type) {
    case TAPIR_ICMPV4_ECHO_REQUEST:
        /* Echo to broadcast or multicast is not answered, as Linux does by default
         * (icmp_echo_ignore_broadcasts): it is the amplifier of smurf attacks. */
        if (ip->dst_multicast) {
            tapir__drop(iface, TAPIR_DROP_ICMP_UNHANDLED);
            return;
        }
        echo_reply_v4(iface, now, ip, &icmp);
        return;
    case TAPIR_ICMPV4_ECHO_REPLY:
        m.ident = icmp.ident;
        m.seq = icmp.seq;
        if (!tapir__icmp_deliver(iface, TAPIR_IP_V4, &m, icmp.data, icmp.data_len))
            tapir__drop(iface, TAPIR_DROP_ICMP_UNHANDLED);
        return;
    default:
        break;
    }
    if (tapir_icmpv4_is_error(icmp.type)) {
        /* Which of our echo requests does it quote? (RFC 792: header + 8 bytes.) */
        struct tapir_ipv4_repr q;
        /* About one of our TCP segments (RFC 1122 §4.2.3.9): its connection takes soft and
         * hard errors, and fragmentation needed (RFC 1191) lowers its MSS. */
        if (tapir_ipv4_quoted_parse(icmp.data, icmp.data_len, &q) == 0 &&
            q.protocol == TAPIR_IP_PROTO_TCP) {
            struct tapir_ip_addr local = {.version = TAPIR_IP_V4, .v4 = q.src};
            struct tapir_ip_addr remote = {.version = TAPIR_IP_V4, .v4 = q.dst};
            unsigned mtu = 0;
            if (icmp.type == TAPIR_ICMPV4_DEST_UNREACHABLE && icmp.code == 4) {
                mtu = icmp.next_hop_mtu;
                if (mtu == 0) /* a router from before RFC 1191 */
                    mtu = mtu_plateau((unsigned)(icmp.data[2] << 8 | icmp.data[3]));
            }
            if (tapir__tcp_icmp_error(iface, &local, &remote, q.payload, q.payload_len, TAPIR_IP_V4,
                                      icmp.type, icmp.code, mtu))
                return;
        }
        /* About a datagram of one of our UDP sockets: reported there. */
        uint32_t info = icmp.type == TAPIR_ICMPV4_PARAM_PROBLEM ? icmp.pointer : icmp.next_hop_mtu;
        if (tapir__udp_icmpv4_error(iface, now, ip, icmp.type, icmp.code, info, icmp.data,
                                    icmp.data_len))
            return;
        if (tapir_ipv4_quoted_parse(icmp.data, icmp.data_len, &q) == 0 &&
            q.protocol == TAPIR_IP_PROTO_ICMP && q.payload_len >= 8 &&
            q.payload[0] == TAPIR_ICMPV4_ECHO_REQUEST) {
            m.ident = (uint16_t)(q.payload[4] << 8 | q.payload[5]);
            m.seq = (uint16_t)(q.payload[6] << 8 | q.payload[7]);
            m.info = icmp.type == TAPIR_ICMPV4_PARAM_PROBLEM ? icmp.pointer : icmp.next_hop_mtu;
            if (tapir__icmp_deliver(iface, TAPIR_IP_V4, &m, icmp.data, icmp.data_len))
                return;
        }
    }
    tapir__drop(iface, TAPIR_DROP_ICMP_UNHANDLED);
}

/* Send what the echo sockets queued. A request whose neighbour is unresolved waits in
 * the neighbour queue, so the socket's queue always drains. */
void tapir__icmp_sockets_poll(struct tapir_iface *iface, tapir_instant now)
{
    for (struct tapir_socket_link *l = iface->sockets; l; l = l->next) {
        if (l->kind != TAPIR_SOCKET_ICMP)
            continue;
        struct tapir_icmp_socket *s = (struct tapir_icmp_socket *)l;
        struct tapir__icmp_tx tx;
        while (tapir__icmp_socket_peek_tx(s, &tx)) {
            int rc = tapir__icmp_send_echo(iface, now, s->ident, &tx);
            tapir__icmp_socket_tx_done(s, rc);
        }
    }
}

int tapir__icmp_send_echo(struct tapir_iface *iface, tapir_instant now, uint16_t ident,
                          const struct tapir__icmp_tx *tx)
{
    struct tapir_ip_addr src;
    int rc = tapir__select_source(iface, &tx->dst, &src);
    if (rc != 0) {
        tapir__drop(iface, TAPIR_DROP_NO_SOURCE);
        return rc;
    }
    if (tx->dst.version == TAPIR_IP_V6)
        return tapir__icmpv6_send_echo(iface, now, &src, ident, tx);
    struct tapir_icmpv4_repr icmp;
    memset(&icmp, 0, sizeof icmp);
    icmp.type = TAPIR_ICMPV4_ECHO_REQUEST;
    icmp.ident = ident;
    icmp.seq = tx->seq;
    icmp.data = tx->data;
    icmp.data_len = tx->len;
    uint8_t *upper = iface->datagram + TAPIR__IP_ROOM;
    int n = tapir_icmpv4_emit(&icmp, upper, 65535 - 20);
    if (n < 0)
        return n;
    const uint8_t *dg;
    int len =
        tapir__finish_ip(iface, &src, &tx->dst, TAPIR_IP_PROTO_ICMP, tx->hop_limit, (size_t)n, &dg);
    if (len < 0)
        return len;
    return tapir__send_ip(iface, now, dg, (size_t)len);
}
