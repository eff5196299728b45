/* SYN cookies at the listener (RFC 4987 §3.6): when no backlog socket is free, a SYN is
 * answered by a SYN-ACK built from the listener and the SYN alone, whose ISN is the cookie
 * (include/tapir/priv/tcp_syncookie.h); nothing is kept. The ACK that completes such a
 * handshake carries the cookie back (SEG.ACK - 1): once it checks, the connection is set
 * up in a free backlog socket, with the MSS the cookie names and the window scale and
 * SACK choices the timestamp echo carries.
 *
 * What the cookie SYN-ACK offers must be recomputable when the ACK comes, from the
 * listener alone (the socket that will hold the connection is not chosen yet):
 *   - our window scale: the smallest shift that covers the largest receive buffer of the
 *     backlog (RFC 7323 §2.3), so whichever socket takes the connection is served; a
 *     smaller buffer merely advertises with a coarser scale;
 *   - the SYN-ACK's window: the smallest receive buffer of the backlog (at most 65535,
 *     RFC 7323 §2.2: a SYN's window is not scaled), so no child is promised more;
 *   - our timestamp clock: milliseconds less a keyed per-tuple offset, which the child
 *     keeps, so its TSvals continue from the SYN-ACK's (RFC 7323 §5.4; the peer's PAWS
 *     check would drop segments whose TSval went backwards).
 * Without a Timestamps option in the SYN nothing can carry the peer's Window Scale and
 * SACK-Permitted, so the cookie SYN-ACK offers neither (RFC 4987 §3.6 names this cost).
 */
#include <string.h>

#include "tapir/priv/tcp_syncookie.h"
#include "tcp_internal.h"

/* What a cookie SYN-ACK offers: computed again, the same, when the ACK comes. */
struct cookie_profile {
    uint8_t wscale;
    uint16_t window;
};

static struct cookie_profile profile_of(const struct tapir_tcp_socket *listener)
{
    size_t largest = 0, smallest = SIZE_MAX;
    for (unsigned i = 0; i < listener->backlog_len; i++) {
        size_t cap = listener->backlog[i]->rx.cap;
        if (cap > largest)
            largest = cap;
        if (cap < smallest)
            smallest = cap;
    }
    struct cookie_profile p = {.wscale = 0, .window = 0};
    /* RFC 7323 §2.3, as tcp.c chooses for a connection's own buffer. */
    while (p.wscale < 14 && (largest >> p.wscale) > 65535)
        p.wscale++;
    p.window = (uint16_t)(smallest > 65535 ? 65535 : smallest);
    return p;
}

static struct tapir__tcp_tuple tuple_of(const struct tapir_ip_addr *src,
                                        const struct tapir_ip_addr *dst,
                                        const struct tapir_tcp_repr *seg)
{
    struct tapir__tcp_tuple t;
    memset(&t, 0, sizeof t);
    t.local = *dst;
    t.remote = *src;
    t.local_port = seg->dst_port;
    t.remote_port = seg->src_port;
    return t;
}

/* The connection's timestamp origin (ts_base of tapir__tcp_ts_now()), from the tuple. */
static uint32_t ts_base_of(const struct tapir__siphash_key *key, const struct tapir__tcp_tuple *t)
{
    struct tapir__siphash h;
    tapir__tcp_tuple_hash_init(&h, key, TAPIR__TCP_HASH_TS_OFFSET, t);
    return (uint32_t)tapir__siphash_final(&h);
}

static unsigned mtu_or_default(unsigned mtu)
{
    return mtu ? mtu : 1500;
}

int tapir__tcp_cookie_syn(struct tapir_tcp_socket *listener, tapir_instant now,
                          const struct tapir_ip_addr *src, const struct tapir_ip_addr *dst,
                          const struct tapir_tcp_repr *seg, const struct tapir__tcp_env *env)
{
    if (!env->key || !env->reply)
        return TAPIR__TCP_TAKEN; /* no secret: the SYN is dropped, the peer retries */
    struct tapir__tcp_tuple t = tuple_of(src, dst, seg);
    uint16_t peer_mss = seg->has_mss && seg->mss > 0 ? seg->mss : 536; /* RFC 9293 §3.7.1 */
    unsigned mss_index = tapir__syncookie_mss_index(dst->version, peer_mss);
    struct cookie_profile p = profile_of(listener);

    struct tapir__tcp_out *out = env->reply;
    memset(out, 0, sizeof *out);
    out->src = *dst;
    out->dst = *src;
    struct tapir_tcp_repr *r = &out->tcp;
    r->src_port = seg->dst_port;
    r->dst_port = seg->src_port;
    r->seq = tapir__syncookie_encode(env->key, &t, seg->seq, mss_index, now);
    r->ack = seg->seq + 1;
    r->flags = TAPIR_TCP_SYN | TAPIR_TCP_ACK;
    r->window = p.window;
    r->has_mss = true;
    unsigned ip = dst->version == TAPIR_IP_V6 ? 40 : 20;
    r->mss = (uint16_t)(mtu_or_default(env->mtu) - ip - 20); /* what we can receive */
    if (seg->has_timestamps) {
        struct tapir__syncookie_opts o = {
            .wscale_ok = seg->has_wscale,
            .wscale = seg->wscale,
            .sack_ok = seg->sack_permitted,
        };
        /* As tapir__tcp_ts_now() will count for the connection. */
        uint32_t ts_now = (uint32_t)(now / 1000) - ts_base_of(env->key, &t) + 1;
        r->has_timestamps = true;
        r->ts_val = tapir__syncookie_ts_encode(ts_now, &o);
        r->ts_ecr = seg->ts_val;
        r->has_wscale = seg->has_wscale;
        r->wscale = seg->has_wscale ? p.wscale : 0;
        r->sack_permitted = seg->sack_permitted;
    }
    listener->stats.syncookies_sent++;
    return TAPIR__TCP_REPLY;
}

int tapir__tcp_cookie_ack(struct tapir_tcp_socket *listener, tapir_instant now,
                          const struct tapir_ip_addr *src, const struct tapir_ip_addr *dst,
                          const struct tapir_tcp_repr *seg, const struct tapir__tcp_env *env)
{
    if (!env->key || (seg->flags & TAPIR_TCP_SYN))
        return TAPIR__TCP_REJECT;
    struct tapir__tcp_tuple t = tuple_of(src, dst, seg);
    int mss = tapir__syncookie_check(env->key, &t, seg->seq, seg->ack, now);
    if (mss < 0) {
        listener->stats.syncookies_rejected++;
        return TAPIR__TCP_REJECT;
    }
    struct tapir_tcp_socket *c = tapir__tcp_free_child(listener);
    if (!c) {
        /* Still full: drop the ACK, as Linux does. The peer believes it is connected and
         * resends its first data (same sequence number, so the cookie checks again while
         * it lives), or its ACK along with it. */
        listener->stats.syncookies_no_socket++;
        return TAPIR__TCP_TAKEN;
    }

    /* The child, as listen_input() would have set it up from the SYN and our SYN-ACK. */
    tapir__tcp_adopt_child(listener, c, src, dst, seg, mtu_or_default(env->mtu));
    c->irs = seg->seq - 1;
    c->rcv_nxt = seg->seq;
    c->rcv_adv = c->rcv_nxt; /* the SYN-ACK's offer was not kept (receiver SWS, tcp_timers.c) */
    c->iss = seg->ack - 1;
    c->snd_una = c->iss;
    c->snd_nxt = c->snd_max = seg->ack;
    c->ts_base = ts_base_of(env->key, &t);

    /* The options: the MSS from the cookie, the rest from the echoed TSval. */
    struct tapir__syncookie_opts o;
    memset(&o, 0, sizeof o);
    c->ts_ok = seg->has_timestamps;
    if (c->ts_ok) {
        tapir__syncookie_ts_decode(seg->ts_ecr, &o);
        c->ts_recent = seg->ts_val;
    }
    c->peer_mss = (uint16_t)mss;
    c->wscale_ok = o.wscale_ok;
    c->snd_wscale = o.wscale_ok ? o.wscale : 0;
    c->rcv_wscale = o.wscale_ok ? profile_of(listener).wscale : 0;
    c->sack_ok = o.sack_ok;
    uint16_t m = c->mss < c->peer_mss ? c->mss : c->peer_mss;
    if (c->ts_ok)
        m = (uint16_t)(m - 12); /* RFC 6691 */
    c->mss = m;
    tapir__cc_init(&c->cc, c->cfg.cc, c->mss);
    c->snd_wnd = c->max_snd_wnd = 0;
    c->snd_wl1 = seg->seq - 1;
    c->snd_wl2 = c->iss;
    tapir__tcp_set_state(c, TAPIR_TCP_SYN_RECEIVED);
    listener->stats.syncookies_accepted++;
    if (env->child)
        *env->child = c;

    /* The ACK itself then completes the handshake the ordinary way (and delivers any data
     * it carries). Its TSecr is the encoded TSval, up to 63 ms behind our clock: not an
     * RTT sample, so it goes in without it (tcp_input.c samples no TSecr of 0). */
    struct tapir_tcp_repr ack = *seg;
    ack.ts_ecr = 0;
    tapir__tcp_input(c, now, src, dst, &ack, env);
    return TAPIR__TCP_TAKEN;
}
