/* TCP segment arrival (RFC 9293 §3.10.7), with RFC 5961's defences and RFC 7323's
 * timestamps. */
#include <string.h>

#include "tcp_internal.h"
#include "tcp_recovery.h"

static uint32_t seg_len(const struct tapir_tcp_repr *seg)
{
    return (uint32_t)seg->payload_len + ((seg->flags & TAPIR_TCP_SYN) ? 1u : 0u) +
           ((seg->flags & TAPIR_TCP_FIN) ? 1u : 0u);
}

/* The receive window we offer: the free space of the receive buffer. */
static uint32_t rcv_wnd(const struct tapir_tcp_socket *s)
{
    size_t free_space = tapir__byte_ring_free(&s->rx);
    return free_space > UINT32_MAX / 2 ? UINT32_MAX / 2 : (uint32_t)free_space;
}

/* Options of a SYN or SYN-ACK: what both sides will use (RFC 7323 §1.3, RFC 2018 §2:
 * each only when both offered it). */
static void take_syn_options(struct tapir_tcp_socket *s, const struct tapir_tcp_repr *seg,
                             bool we_offered_all)
{
    if (seg->has_mss && seg->mss > 0)
        s->peer_mss = seg->mss;
    s->wscale_ok = seg->has_wscale && we_offered_all;
    s->snd_wscale = s->wscale_ok ? (seg->wscale > 14 ? 14 : seg->wscale) : 0;
    if (!s->wscale_ok)
        s->rcv_wscale = 0;
    s->ts_ok = seg->has_timestamps && we_offered_all;
    if (s->ts_ok)
        s->ts_recent = seg->ts_val;
    s->sack_ok = seg->sack_permitted && we_offered_all && !s->cfg.no_sack;
    /* The segment size we send: the smaller MSS, less the timestamp option we will carry
     * (RFC 6691). */
    uint16_t mss = s->mss < s->peer_mss ? s->mss : s->peer_mss;
    if (s->ts_ok)
        mss = (uint16_t)(mss - 12);
    s->mss = mss;
    tapir__cc_init(&s->cc, s->cfg.cc, s->mss);
}

static void update_window(struct tapir_tcp_socket *s, const struct tapir_tcp_repr *seg)
{
    /* RFC 9293 §3.10.7.4: only a segment newer than the last window update changes it. */
    if (seq_lt(s->snd_wl1, seg->seq) || (s->snd_wl1 == seg->seq && seq_le(s->snd_wl2, seg->ack))) {
        uint32_t wnd = (uint32_t)seg->window << ((seg->flags & TAPIR_TCP_SYN) ? 0 : s->snd_wscale);
        s->snd_wnd = wnd;
        if (wnd > s->max_snd_wnd)
            s->max_snd_wnd = wnd;
        s->snd_wl1 = seg->seq;
        s->snd_wl2 = seg->ack;
    }
}

static void arm_rto(struct tapir_tcp_socket *s, tapir_instant now)
{
    s->rto_at = now + tapir__rto_current(&s->rto);
}

/* New data acknowledged: free it, time it, grow the window, re-arm the timer. */
static void ack_advance(struct tapir_tcp_socket *s, tapir_instant now,
                        const struct tapir_tcp_repr *seg)
{
    uint32_t acked = seg->ack - s->snd_una;
    uint32_t in_flight = s->snd_max - s->snd_una;
    /* Sequence space our SYN or FIN took holds no byte of the send buffer. */
    uint32_t data = acked;
    if (s->snd_una == s->iss && data > 0)
        data--; /* the SYN */
    size_t queued = tapir__byte_ring_len(&s->tx);
    if (data > queued)
        data = (uint32_t)queued; /* the rest acknowledges our FIN */
    tapir__byte_ring_consume(&s->tx, data);
    s->snd_una = seg->ack;
    s->soft_error = 0; /* something got through (tcp_icmp.c) */
    if (seq_lt(s->snd_nxt, s->snd_una))
        s->snd_nxt = s->snd_una;
    s->stats.bytes_sent += data;

    /* RTT: from the transmission log in microseconds, else from the echoed timestamp
     * (RFC 7323 §4, millisecond ticks), else from the one timed segment if it was not
     * retransmitted (Karn's rule: rtt_active is cleared on retransmission). */
    tapir_instant rtt = tapir__tcp_rec_rtt_sample(s, seg->ack, now);
    if (rtt < 0 && s->ts_ok && seg->has_timestamps && seg->ts_ecr != 0)
        rtt = (tapir_instant)(tapir__tcp_ts_now(s, now) - seg->ts_ecr) * 1000;
    else if (rtt < 0 && s->rtt_active && seq_gt(seg->ack, s->rtt_seq))
        rtt = now - s->rtt_start;
    if (rtt >= 0)
        tapir__rto_sample(&s->rto, rtt);
    if (s->rtt_active && seq_gt(seg->ack, s->rtt_seq))
        s->rtt_active = false;

    /* In recovery this only notes that new data arrived; the recovery's own window
     * arithmetic is tcp_recovery.c's. */
    tapir__cc_on_ack(&s->cc, acked, now, tapir__rto_srtt(&s->rto), in_flight);
    s->retries = 0;
    if (s->snd_una == s->snd_max)
        s->rto_at = TAPIR_INSTANT_NEVER;
    else
        arm_rto(s, now);
}

/* Payload and FIN of an acceptable segment, trimmed to the window. */
/* RFC 9293 §3.8.6.3 / RFC 5681 §4.2: ACK at least every second full segment, and within
 * 40 ms (Linux's minimum delayed-ACK time) otherwise. */
#define DELAYED_ACK_US (40 * (tapir_instant)TAPIR_US_PER_MS)

static void take_text(struct tapir_tcp_socket *s, tapir_instant now,
                      const struct tapir_tcp_repr *seg)
{
    uint32_t seq = seg->seq;
    const uint8_t *data = seg->payload;
    uint32_t len = (uint32_t)seg->payload_len;
    if (seg->flags & TAPIR_TCP_SYN)
        seq++;
    if (seq_lt(seq, s->rcv_nxt)) {
        uint32_t skip = s->rcv_nxt - seq;
        if (skip >= len) {
            len = 0;
        } else {
            data += skip;
            len -= skip;
        }
        seq = s->rcv_nxt;
    }
    /* RFC 1122 §4.2.2.13: new data for an application that closed the connection (and
     * so reads no more) is lost: say so with a RST, as Linux does. */
    if (len > 0 && s->orphan) {
        tapir_tcp_abort(s);
        return;
    }
    uint32_t off = seq - s->rcv_nxt;
    bool whole = true; /* every byte kept, so a FIN after them can count */
    if (len > 0) {
        size_t stored = tapir__byte_ring_write_at(&s->rx, off, data, len);
        if (stored < len) {
            len = (uint32_t)stored; /* beyond the window: trimmed */
            whole = false;
        }
        if (len > 0 && tapir__assembler_add(&s->ooo, off, len) != 0) {
            len = 0; /* too many holes: dropped, the peer will resend */
            whole = false;
        }
        if (off > 0 && len > 0) {
            s->stats.out_of_order_segments++;
            s->rec.dupacks_owed++; /* RFC 5681 §4.2: an immediate duplicate ACK for each */
        }
        uint32_t ready = tapir__assembler_front(&s->ooo);
        if (ready > 0) {
            tapir__byte_ring_commit(&s->rx, ready);
            s->rec.dupacks_owed = 0; /* what they would repeat is no longer the ACK */
            tapir__assembler_advance(&s->ooo, ready);
            s->rcv_nxt += ready;
            s->stats.bytes_received += ready;
            /* A hole filled: ACK at once (RFC 5681 §4.2); else every second segment.
             * More ready than this segment brought means it closed a gap. */
            bool plain_in_order = off == 0 && ready == len && s->ooo.count == 0;
            if (!plain_in_order || ++s->segs_since_ack >= 2)
                s->ack_now = true;
            else if (s->delack_at == TAPIR_INSTANT_NEVER)
                s->delack_at = now + DELAYED_ACK_US;
        }
    }
    /* The FIN counts once everything before it arrived; one beyond a hole is kept until
     * the hole fills (and the SACK blocks cover it, as Linux's do). */
    if ((seg->flags & TAPIR_TCP_FIN) && !s->fin_received && whole) {
        s->rec.fin_early = true;
        s->rec.fin_seq = seg->seq + seg_len(seg) - 1;
        if (len == 0 && s->rec.fin_seq != s->rcv_nxt)
            s->rec.dupacks_owed++; /* a FIN alone beyond a hole is out of order too */
    }
    if (s->rec.fin_early && !s->fin_received && s->rec.fin_seq == s->rcv_nxt && s->ooo.count == 0) {
        s->rec.fin_early = false;
        s->rcv_nxt++;
        s->fin_received = true;
        s->ack_now = true;
        switch (s->state) {
        case TAPIR_TCP_SYN_RECEIVED:
        case TAPIR_TCP_ESTABLISHED:
            tapir__tcp_set_state(s, TAPIR_TCP_CLOSE_WAIT);
            break;
        case TAPIR_TCP_FIN_WAIT_1:
            /* Our FIN not yet acknowledged: simultaneous close. */
            tapir__tcp_set_state(s, TAPIR_TCP_CLOSING);
            break;
        case TAPIR_TCP_FIN_WAIT_2:
            tapir__tcp_set_state(s, TAPIR_TCP_TIME_WAIT);
            break;
        default:
            break;
        }
    }
}

static bool acceptable(const struct tapir_tcp_socket *s, const struct tapir_tcp_repr *seg)
{
    /* RFC 9293 §3.10.7.4, the four cases of the acceptability test. */
    uint32_t len = seg_len(seg);
    uint32_t wnd = rcv_wnd(s);
    if (len == 0 && wnd == 0)
        return seg->seq == s->rcv_nxt;
    if (len == 0)
        return seq_le(s->rcv_nxt, seg->seq) && seq_lt(seg->seq, s->rcv_nxt + wnd);
    if (wnd == 0)
        return false;
    uint32_t last = seg->seq + len - 1;
    return (seq_le(s->rcv_nxt, seg->seq) && seq_lt(seg->seq, s->rcv_nxt + wnd)) ||
           (seq_le(s->rcv_nxt, last) && seq_lt(last, s->rcv_nxt + wnd));
}

static int listen_input(struct tapir_tcp_socket *s, tapir_instant now,
                        const struct tapir_ip_addr *src, const struct tapir_ip_addr *dst,
                        const struct tapir_tcp_repr *seg, const struct tapir__tcp_env *env)
{
    if (seg->flags & TAPIR_TCP_RST)
        return TAPIR__TCP_TAKEN;
    if (seg->flags & TAPIR_TCP_ACK)
        return tapir__tcp_cookie_ack(s, now, src, dst, seg, env); /* REJECT unless a cookie */
    if (!(seg->flags & TAPIR_TCP_SYN))
        return TAPIR__TCP_TAKEN;
    struct tapir_tcp_socket *c = tapir__tcp_free_child(s);
    if (!c)
        return tapir__tcp_cookie_syn(s, now, src, dst, seg, env); /* backlog full */
    tapir__tcp_adopt_child(s, c, src, dst, seg, env->mtu);
    c->irs = seg->seq;
    c->rcv_nxt = seg->seq + 1;
    c->rcv_adv = c->rcv_nxt; /* nothing offered yet (receiver SWS, tcp_timers.c) */
    c->iss = env->isn;
    c->snd_una = c->snd_nxt = c->snd_max = env->isn;
    c->ts_base = (uint32_t)(now / 1000);
    /* Every option the SYN offers is offered back (the listener rule). */
    take_syn_options(c, seg, true);
    c->snd_wnd = seg->window;
    c->max_snd_wnd = c->snd_wnd; /* RFC 5961 §5.2 and sender SWS (tcp_timers.c) need it */
    c->snd_wl1 = seg->seq;
    c->snd_wl2 = 0;
    c->send_syn = true;
    tapir__tcp_set_state(c, TAPIR_TCP_SYN_RECEIVED);
    if (env->child)
        *env->child = c;
    return TAPIR__TCP_TAKEN;
}

static int syn_sent_input(struct tapir_tcp_socket *s, tapir_instant now,
                          const struct tapir_tcp_repr *seg)
{
    bool has_ack = (seg->flags & TAPIR_TCP_ACK) != 0;
    if (has_ack && (seq_le(seg->ack, s->iss) || seq_gt(seg->ack, s->snd_max)))
        return (seg->flags & TAPIR_TCP_RST) ? TAPIR__TCP_TAKEN : TAPIR__TCP_REJECT;
    if (seg->flags & TAPIR_TCP_RST) {
        if (has_ack) {
            s->error = TAPIR_ECONNREFUSED;
            tapir__tcp_set_state(s, TAPIR_TCP_CLOSED);
        }
        return TAPIR__TCP_TAKEN;
    }
    if (!(seg->flags & TAPIR_TCP_SYN))
        return TAPIR__TCP_TAKEN;
    s->irs = seg->seq;
    s->rcv_nxt = seg->seq + 1;
    s->rcv_adv = s->rcv_nxt; /* nothing offered yet (receiver SWS, tcp_timers.c) */
    take_syn_options(s, seg, true);
    s->snd_wnd = seg->window;
    s->max_snd_wnd = s->snd_wnd; /* RFC 5961 §5.2 and sender SWS (tcp_timers.c) need it */
    s->snd_wl1 = seg->seq;
    s->snd_wl2 = seg->ack;
    if (has_ack) {
        ack_advance(s, now, seg);
        s->snd_wnd = (uint32_t)seg->window; /* a SYN's window is never scaled */
        tapir__tcp_set_state(s, TAPIR_TCP_ESTABLISHED);
        s->ack_now = true;
        take_text(s, now, seg);
    } else {
        /* Simultaneous open (RFC 9293 §3.5, figure 8): SYN-ACK from SYN-RECEIVED. */
        s->snd_nxt = s->iss;
        s->send_syn = true;
        tapir__tcp_set_state(s, TAPIR_TCP_SYN_RECEIVED);
    }
    return TAPIR__TCP_TAKEN;
}

int tapir__tcp_input(struct tapir_tcp_socket *s, tapir_instant now, const struct tapir_ip_addr *src,
                     const struct tapir_ip_addr *dst, const struct tapir_tcp_repr *seg,
                     const struct tapir__tcp_env *env)
{
    s->stats.segments_received++;
    if (s->state == TAPIR_TCP_LISTEN)
        return listen_input(s, now, src, dst, seg, env);
    /* PAWS, and the liveness the persist and keepalive timers watch (tcp_timers.c). */
    if (tapir__tcp_timers_input(s, now, seg))
        return TAPIR__TCP_TAKEN;
    if (s->state == TAPIR_TCP_SYN_SENT)
        return syn_sent_input(s, now, seg);
    if (s->state == TAPIR_TCP_CLOSED)
        return TAPIR__TCP_REJECT;

    /* Our SYN-ACK was lost and the peer sent its SYN again: answer with the SYN-ACK at
     * once (as Linux's tcp_check_req does), not with the bare ACK below, which a peer in
     * SYN-SENT ignores. */
    if (s->state == TAPIR_TCP_SYN_RECEIVED &&
        (seg->flags & (TAPIR_TCP_SYN | TAPIR_TCP_ACK | TAPIR_TCP_RST)) == TAPIR_TCP_SYN &&
        seg->seq == s->irs) {
        s->send_syn = true;
        return TAPIR__TCP_TAKEN;
    }
    /* Simultaneous open (RFC 9293 §3.5, figure 8, line 6): in SYN-RECEIVED the peer's
     * SYN-ACK acknowledges our SYN. Its SYN lies below RCV.NXT, so the acceptability test
     * would discard its ACK; take the ACK, become ESTABLISHED and acknowledge it. */
    if (s->state == TAPIR_TCP_SYN_RECEIVED &&
        (seg->flags & (TAPIR_TCP_SYN | TAPIR_TCP_ACK | TAPIR_TCP_RST)) ==
            (TAPIR_TCP_SYN | TAPIR_TCP_ACK) &&
        seg->seq == s->irs && seq_gt(seg->ack, s->snd_una) && seq_le(seg->ack, s->snd_max)) {
        ack_advance(s, now, seg);
        s->snd_wnd = (uint32_t)seg->window; /* a SYN's window is never scaled */
        s->snd_wl1 = seg->seq;
        s->snd_wl2 = seg->ack;
        tapir__tcp_set_state(s, TAPIR_TCP_ESTABLISHED);
        s->ack_now = true;
        return TAPIR__TCP_TAKEN;
    }
    /* 1. Sequence number check; an unacceptable segment gets an ACK (unless a RST). */
    if (!acceptable(s, seg)) {
        if (!(seg->flags & TAPIR_TCP_RST))
            s->ack_now = true;
        return TAPIR__TCP_TAKEN;
    }
    if (s->ts_ok && seg->has_timestamps && seq_le(seg->seq, s->rcv_nxt) &&
        seq_ge(seg->ts_val, s->ts_recent))
        s->ts_recent = seg->ts_val; /* RFC 7323 §4.3 */

    /* 2. RST: RFC 5961 §3.2: reset only on an exact match, else a challenge ACK. */
    if (seg->flags & TAPIR_TCP_RST) {
        if (seg->seq != s->rcv_nxt) {
            s->challenge_ack = true;
            s->stats.challenge_acks++;
            return TAPIR__TCP_TAKEN;
        }
        s->error = s->state == TAPIR_TCP_SYN_RECEIVED && s->parent ? 0 : TAPIR_ECONNRESET;
        tapir__tcp_set_state(s, TAPIR_TCP_CLOSED);
        return TAPIR__TCP_TAKEN;
    }
    /* 3. SYN in a synchronized state: RFC 5961 §4, a challenge ACK, nothing else. */
    if (seg->flags & TAPIR_TCP_SYN && s->state != TAPIR_TCP_SYN_RECEIVED) {
        s->challenge_ack = true;
        s->stats.challenge_acks++;
        return TAPIR__TCP_TAKEN;
    }
    /* 4. ACK. */
    if (!(seg->flags & TAPIR_TCP_ACK))
        return TAPIR__TCP_TAKEN;
    /* RFC 5961 §5.2: an ACK too old (before SND.UNA - MAX.SND.WND) or for data never
     * sent gets a challenge ACK and is dropped. */
    uint32_t oldest = s->snd_una - s->max_snd_wnd;
    if (seq_gt(seg->ack, s->snd_max) || seq_lt(seg->ack, oldest)) {
        s->challenge_ack = true;
        s->stats.challenge_acks++;
        return TAPIR__TCP_TAKEN;
    }
    if (s->state == TAPIR_TCP_SYN_RECEIVED) {
        if (!seq_gt(seg->ack, s->snd_una))
            return TAPIR__TCP_REJECT;
        tapir__tcp_set_state(s, TAPIR_TCP_ESTABLISHED);
        s->snd_wl1 = seg->seq - 1; /* force the window update below */
    }
    bool fin_was_sent = s->fin_sent;
    uint32_t fin_seq = tapir__tcp_fin_seq(s);
    uint32_t prior_una = s->snd_una;
    bool dup = false;
    if (seq_gt(seg->ack, s->snd_una)) {
        ack_advance(s, now, seg);
    } else if (seg->ack == s->snd_una && seg->payload_len == 0 && s->snd_max != s->snd_una &&
               !(seg->flags & TAPIR_TCP_FIN) &&
               (uint32_t)seg->window << s->snd_wscale == s->snd_wnd) {
        dup = true; /* RFC 5681 §2's definition of a duplicate */
    }
    tapir__tcp_rec_on_ack(s, now, seg, prior_una, dup);
    update_window(s, seg);
    if (seg->sack_count > 0)
        s->stats.sack_blocks_seen += seg->sack_count;
    tapir__tcp_trace_ack(s, now, seg);

    bool fin_acked = fin_was_sent && seq_gt(s->snd_una, fin_seq);
    switch (s->state) {
    case TAPIR_TCP_FIN_WAIT_1:
        if (fin_acked)
            tapir__tcp_set_state(s, TAPIR_TCP_FIN_WAIT_2);
        break;
    case TAPIR_TCP_CLOSING:
        if (fin_acked)
            tapir__tcp_set_state(s, TAPIR_TCP_TIME_WAIT);
        break;
    case TAPIR_TCP_LAST_ACK:
        if (fin_acked) {
            tapir__tcp_set_state(s, TAPIR_TCP_CLOSED);
            return TAPIR__TCP_TAKEN;
        }
        break;
    case TAPIR_TCP_TIME_WAIT:
        /* A retransmitted FIN: acknowledge it and restart the 2 MSL timer. */
        if (seg->flags & TAPIR_TCP_FIN) {
            s->ack_now = true;
            s->time_wait_at = now + s->cfg.time_wait_us;
        }
        return TAPIR__TCP_TAKEN;
    default:
        break;
    }

    /* 5-7. Text and FIN, in the states that still receive. */
    switch (s->state) {
    case TAPIR_TCP_ESTABLISHED:
    case TAPIR_TCP_FIN_WAIT_1:
    case TAPIR_TCP_FIN_WAIT_2:
        take_text(s, now, seg);
        break;
    case TAPIR_TCP_CLOSE_WAIT:
    case TAPIR_TCP_CLOSING:
    case TAPIR_TCP_LAST_ACK:
        /* The peer already sent its FIN: anything more is a retransmission. */
        if (seg_len(seg) > 0)
            s->ack_now = true;
        break;
    default:
        break;
    }
    if (s->state == TAPIR_TCP_FIN_WAIT_1 && fin_acked && s->fin_received)
        tapir__tcp_set_state(s, TAPIR_TCP_TIME_WAIT);
    if (s->state == TAPIR_TCP_TIME_WAIT)
        s->time_wait_at = now + s->cfg.time_wait_us;
    return TAPIR__TCP_TAKEN;
}
