/* TCP on the interface: demultiplexing segments to sockets, resets for closed ports
 * (RFC 9293 §3.10.7.1), and sending what the sockets produce. */
#include <string.h>

#include "../socket/tcp_internal.h"
#include "iface_internal.h"
#include "iface_tcp_scale.h"
#include "tapir/wire/ip.h"

static struct tapir_pseudo_header pseudo(const struct tapir_ip_addr *src,
                                         const struct tapir_ip_addr *dst)
{
    struct tapir_pseudo_header ph;
    memset(&ph, 0, sizeof ph);
    ph.src = *src;
    ph.dst = *dst;
    ph.protocol = TAPIR_IP_PROTO_TCP;
    return ph;
}

/* Build and send one segment (its payload is at `payload`, inside the datagram scratch
 * beyond the largest header, and moves into place as the header is written). */
static int send_segment(struct tapir_iface *iface, tapir_instant now,
                        const struct tapir__tcp_out *out)
{
    struct tapir_pseudo_header ph = pseudo(&out->src, &out->dst);
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

void tapir__tcp_segment_input(struct tapir_iface *iface, tapir_instant now,
                              const struct tapir__ip_info *ip, const uint8_t *buf, size_t len)
{
    struct tapir_pseudo_header ph = pseudo(&ip->src, &ip->dst);
    struct tapir_tcp_repr seg;
    if (tapir_tcp_parse(buf, len, &ph, &seg) != 0) {
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
    struct tapir_tcp_socket *to = match ? match : listener;
    int rc = to ? tapir__tcp_input(to, now, &ip->src, &ip->dst, &seg, &env) : TAPIR__TCP_REJECT;
    if (child)
        tapir__tcp_demux_track(iface, child, &to->link); /* a listener's new connection */
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
    for (int i = 0; i < 256 && tapir__tcp_dispatch(s, now, &out, area, cap) == 1; i++)
        send_segment(iface, now, &out);
}

void tapir__tcp_sockets_poll(struct tapir_iface *iface, tapir_instant now)
{
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
    tapir_instant at = TAPIR_INSTANT_NEVER;
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
