/* TCP on the interface: demultiplexing segments to sockets, resets for closed ports
 * (RFC 9293 §3.10.7.1), and sending what the sockets produce. */
#include <string.h>

#include "iface_pseudo.h"
#include "../socket/tcp_internal.h"
#include "iface_internal.h"
#include "iface_tcp_scale.h"
#include "tapir/wire/ip.h"

/* Build and send one segment (its payload is at `payload`, inside the datagram scratch
 * beyond the largest header, and moves into place as the header is written). */
static int send_segment(struct tapir_iface *iface, tapir_instant now,
                        const struct tapir__tcp_out *out)
{
    if (out->gso_size && out->tcp.payload_len > out->gso_size)
        return tapir__tcp_send_gso(iface, now, out); /* iface_gso.c */
    struct tapir_pseudo_header ph = tapir__pseudo(&out->src, &out->dst, TAPIR_IP_PROTO_TCP);
    uint8_t *upper = iface->datagram + TAPIR__IP_ROOM;
    int n = tapir_tcp_emit(&out->tcp, &ph, upper, 65535 - 40);
    if (n < 0)
        return n;
    const uint8_t *dg;
    int len = tapir__finish_ip(iface, &out->src, &out->dst, TAPIR_IP_PROTO_TCP, 0, (size_t)n, &dg);
    if (len < 0)
        return len;
    return tapir__send_ip(iface, now, dg, (size_t)len);
}

/* Where dispatch puts payload: past the IP room and the largest TCP header. */
static uint8_t *payload_area(struct tapir_iface *iface, size_t *cap)
{
    *cap = 65535 - 60 - 40;
    return iface->datagram + TAPIR__IP_ROOM + 60;
}

/* A socket reached TIME-WAIT: a compact record takes over (tapir/priv/tcp_timewait.h),
 * sends the ACK the socket still owed the peer's FIN, and the socket closes at once. */
static void time_wait_enter(struct tapir_iface *iface, tapir_instant now,
                            struct tapir_tcp_socket *s)
{
    struct tapir__tcp_tw *tw = tapir__tcp_tw_enter(&iface->tcp_time_wait, s, now);
    if (s->ack_now || s->challenge_ack || s->delack_at != TAPIR_INSTANT_NEVER) {
        struct tapir__tcp_out out;
        tapir__tcp_tw_ack(tw, now, &out);
        if (send_segment(iface, now, &out) == 0)
            s->stats.segments_sent++;
    }
    s->ack_now = s->challenge_ack = false;
    tapir__tcp_set_state(s, TAPIR_TCP_CLOSED);
}

/* A segment no connection owns: does a TIME-WAIT record answer it? True when the segment
 * is consumed; false when there is no record or the record gave way to a new SYN. */
static bool time_wait_input(struct tapir_iface *iface, tapir_instant now,
                            const struct tapir__ip_info *ip, const struct tapir_tcp_repr *seg)
{
    struct tapir__tcp_tw *tw =
        tapir__tcp_tw_find(&iface->tcp_time_wait, &ip->dst, seg->dst_port, &ip->src, seg->src_port);
    if (!tw)
        return false;
    struct tapir__tcp_out out;
    switch (tapir__tcp_tw_input(&iface->tcp_time_wait, tw, now, seg, &out)) {
    case TAPIR__TW_ACK:
        send_segment(iface, now, &out);
        return true;
    case TAPIR__TW_REOPEN:
        return false;
    default:
        return true;
    }
}

void tapir__tcp_segment_input(struct tapir_iface *iface, tapir_instant now,
                              const struct tapir__ip_info *ip, const uint8_t *buf, size_t len)
{
    struct tapir_pseudo_header ph = tapir__pseudo(&ip->src, &ip->dst, TAPIR_IP_PROTO_TCP);
    struct tapir_tcp_repr seg;
    if (tapir_tcp_parse(buf, len, ip->csum_trusted ? NULL : &ph, &seg) != 0) {
        tapir__drop(iface, TAPIR_DROP_TCP_MALFORMED);
        return;
    }
    struct tapir_tcp_socket *child = NULL;
    struct tapir__tcp_out reply;
    struct tapir__tcp_env env = {
        .mtu = iface->mtu, .key = &iface->tcp.key, .reply = &reply, .child = &child};
    /* RFC 6528: a SYN may open a connection; its ISN comes from the tuple and the clock. */
    if ((seg.flags & (TAPIR_TCP_SYN | TAPIR_TCP_ACK)) == TAPIR_TCP_SYN)
        env.isn = tapir__iface_tcp_isn(iface, &ip->dst, seg.dst_port, &ip->src, seg.src_port, now);

    struct tapir_tcp_socket *listener;
    struct tapir_tcp_socket *match =
        tapir__tcp_demux_find(iface, &ip->src, seg.src_port, &ip->dst, seg.dst_port, &listener);
    /* No connection owns the 4-tuple: a TIME-WAIT record may (tcp_timewait.c). */
    if (!match && time_wait_input(iface, now, ip, &seg))
        return;
    struct tapir_tcp_socket *to = match ? match : listener;
    uint32_t una = match ? match->snd_una : 0;
    int rc = to ? tapir__tcp_input(to, now, &ip->src, &ip->dst, &seg, &env) : TAPIR__TCP_REJECT;
    /* New data acknowledged: the peer is reachable (RFC 4861 §7.3.1 upper-layer hint). */
    if (match && match->snd_una != una)
        tapir__nud_confirm(iface, now, &ip->src);
    if (child)
        tapir__tcp_demux_track(iface, child, &to->link); /* a listener's new connection */
    if (to && to->state == TAPIR_TCP_TIME_WAIT)
        time_wait_enter(iface, now, to);
    if (rc == TAPIR__TCP_REPLY) {
        send_segment(iface, now, &reply); /* a SYN cookie SYN-ACK: nothing kept */
        return;
    }
    if (rc != TAPIR__TCP_REJECT)
        return;
    if (!to)
        tapir__drop(iface, TAPIR_DROP_NO_SOCKET);
    /* Never a reset to a broadcast or multicast destination (RFC 1122 §4.2.3.10). */
    struct tapir__tcp_out out;
    memset(&out, 0, sizeof out);
    if (ip->dst_multicast || !tapir__tcp_reset_for(&seg, &out.tcp))
        return;
    out.src = ip->dst;
    out.dst = ip->src;
    send_segment(iface, now, &out);
}

/* Let one socket send what it has (bounded, so one flow cannot starve the rest). */
static void drain(struct tapir_iface *iface, tapir_instant now, struct tapir_tcp_socket *s)
{
    size_t cap;
    uint8_t *area = payload_area(iface, &cap);
    struct tapir__tcp_out out;
    s->gso_max = tapir__tcp_gso_max(iface); /* iface_gso.c */
    for (int i = 0; i < 256 && tapir__tcp_dispatch(s, now, &out, area, cap) == 1; i++)
        send_segment(iface, now, &out);
}

void tapir__tcp_sockets_poll(struct tapir_iface *iface, tapir_instant now)
{
    tapir__tcp_tw_expire(&iface->tcp_time_wait, now);
    unsigned untracked = 0; /* connections the demultiplexing index could not take */
    for (struct tapir_socket_link *l = iface->sockets; l; l = l->next) {
        if (l->kind != TAPIR_SOCKET_TCP)
            continue;
        struct tapir_tcp_socket *s = (struct tapir_tcp_socket *)l;
        if (s->state == TAPIR_TCP_LISTEN) {
            for (unsigned i = 0; i < s->backlog_len; i++) {
                if (s->backlog[i]->parent == s) {
                    untracked += !tapir__tcp_demux_track(iface, s->backlog[i], l);
                    drain(iface, now, s->backlog[i]);
                }
            }
        } else {
            untracked += !tapir__tcp_demux_track(iface, s, l);
            drain(iface, now, s);
        }
    }
    tapir__tcp_demux_walk_done(iface, untracked);
}

tapir_instant tapir__tcp_sockets_poll_at(const struct tapir_iface *iface)
{
    tapir_instant at = tapir__tcp_tw_poll_at(&iface->tcp_time_wait);
    for (const struct tapir_socket_link *l = iface->sockets; l; l = l->next) {
        if (l->kind != TAPIR_SOCKET_TCP)
            continue;
        const struct tapir_tcp_socket *s = (const struct tapir_tcp_socket *)l;
        if (s->state == TAPIR_TCP_LISTEN) {
            for (unsigned i = 0; i < s->backlog_len; i++) {
                if (s->backlog[i]->parent != s)
                    continue;
                tapir_instant t = tapir__tcp_poll_at(s->backlog[i]);
                if (t < at)
                    at = t;
            }
        } else {
            tapir_instant t = tapir__tcp_poll_at(s);
            if (t < at)
                at = t;
        }
    }
    return at;
}

bool tapir__tcp_icmp_error(struct tapir_iface *iface, const struct tapir_ip_addr *local,
                           const struct tapir_ip_addr *remote, const uint8_t *tcp, size_t len,
                           uint8_t version, uint8_t type, uint8_t code, uint32_t info)
{
    /* The quoted segment's first 8 bytes: ports and sequence number (RFC 792 quotes at
     * least that much, RFC 4443 more). */
    if (len < 8)
        return false;
    uint16_t lport = (uint16_t)(tcp[0] << 8 | tcp[1]);
    uint16_t rport = (uint16_t)(tcp[2] << 8 | tcp[3]);
    uint32_t seq = (uint32_t)tcp[4] << 24 | (uint32_t)tcp[5] << 16 | (uint32_t)tcp[6] << 8 | tcp[7];
    struct tapir_tcp_socket *s = tapir__tcp_demux_find(iface, remote, rport, local, lport, NULL);
    if (!s)
        return false;
    switch (tapir__tcp_icmp_input(s, version, type, code, info, seq)) { /* tcp_icmp.c */
    case TAPIR__TCP_ICMP_IGNORED:
        return false;
    case TAPIR__TCP_ICMP_STALE:
        tapir__drop(iface, TAPIR_DROP_ICMP_OUT_OF_WINDOW);
        return true;
    default:
        return true;
    }
}
