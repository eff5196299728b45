/* TCP timers and robustness: the persist timer (zero-window probes, RFC 9293 §3.8.6.1),
 * keepalive (RFC 9293 §3.8.4, RFC 1122 §4.2.3.6), PAWS (RFC 7323 §5), silly window
 * syndrome avoidance on both sides (RFC 9293 §3.8.6.2), and the path MTU learnt from ICMP
 * (RFC 1191, RFC 8201). tcp_input.c and tcp_output.c call in at a few points; the
 * decisions are made here.
 *
 * Probes. A persist or keepalive probe is <SEQ=SND.UNA-1><CTL=ACK> without data, as Linux
 * sends both: the sequence number is one the peer has already acknowledged, so the segment
 * is unacceptable and RFC 9293 §3.10.7.4 has the peer answer it with an ACK that carries
 * its current window. RFC 9293 §3.8.6.1 also allows probing with one octet of new data;
 * an empty probe takes no sequence space, so it never mixes with the retransmission
 * timer, the duplicate-ACK count or the congestion window, and a window that opened is
 * used at once when the answer arrives. Both kinds of probe count in probes_out, which
 * every segment from the peer clears (Linux's icsk_probes_out).
 */
#include "tcp_internal.h"
#include "tcp_recovery.h"

/* RFC 7323 §5.5: after 24 days without a segment, the peer's millisecond timestamp clock
 * may have moved by 2^31, so TS.Recent no longer orders anything and is not used. */
#define PAWS_IDLE_US (24 * 86400 * (tapir_instant)TAPIR_US_PER_S)

/* RFC 5961 §7 / RFC 7323 §5.3: the ACKs that answer refused segments are throttled, as
 * Linux does (tcp_invalid_ratelimit, 500 ms): a peer whose timestamps we refuse (a forged
 * segment may have pushed TS.Recent ahead of its clock) answers our ACK with an ACK we
 * refuse again, and without a limit the two would exchange ACKs forever. Only segments
 * without data, SYN or FIN are throttled: those are what an ACK loop is made of. */
#define PAWS_ACK_INTERVAL_US (500 * (tapir_instant)TAPIR_US_PER_MS)

/* RFC 1191 §3 / RFC 8201 §4: the smallest path MTU we believe. IPv6 guarantees 1280; for
 * IPv4 we keep 576 (RFC 1122's EMTU_R), as Linux keeps 552, rather than RFC 1191's 68: a
 * forged ICMP message must not be able to make us send 28-byte segments. Our IPv4 packets
 * do not set DF, so a real path below 576 fragments them instead. */
#define MIN_PMTU_V4 576u
#define MIN_PMTU_V6 1280u

void tapir__tcp_timers_reset(struct tapir_tcp_socket *s)
{
    s->persist_at = TAPIR_INSTANT_NEVER;
    s->persist_backoff = 0;
    s->probes_out = 0;
    s->send_probe = false;
    s->persist_force = false;
}

/* ---- PAWS and liveness ---- */

bool tapir__tcp_timers_input(struct tapir_tcp_socket *s, tapir_instant now,
                             const struct tapir_tcp_repr *seg)
{
    /* RFC 7323 §5.3 R1: a segment (not a RST) whose TSval is older than TS.Recent is an
     * old duplicate: answer with an ACK and drop it. SEG.TSval < TS.Recent is compared
     * modulo 2^32 (§5.2). */
    if (s->state >= TAPIR_TCP_SYN_RECEIVED && s->ts_ok && seg->has_timestamps &&
        !(seg->flags & TAPIR_TCP_RST) && seq_lt(seg->ts_val, s->ts_recent)) {
        /* §5.5: TS.Recent is invalid after 24 days idle; the segment is taken and its
         * TSval becomes the reference. (A handshake is never that old.) */
        bool stale = s->state != TAPIR_TCP_SYN_RECEIVED && now - s->last_rx_at > PAWS_IDLE_US;
        if (!stale) {
            bool pure = seg->payload_len == 0 && !(seg->flags & (TAPIR_TCP_SYN | TAPIR_TCP_FIN));
            if (!pure || s->paws_ack_at == 0 || now - s->paws_ack_at >= PAWS_ACK_INTERVAL_US) {
                s->ack_now = true;
                s->paws_ack_at = now;
            }
            s->stats.paws_drops++;
            return true;
        }
        s->ts_recent = seg->ts_val;
    }
    /* The peer is alive: what the keepalive timer measures idleness from, and what
     * answers the probes of both timers. */
    s->last_rx_at = now;
    s->probes_out = 0;
    return false;
}

/* ---- The persist timer ---- */

/* RFC 1122 §4.2.2.17: the first probe one RTO after the window closed, then exponential
 * backoff; capped at the maximum RTO (60 s by default; Linux caps at 120 s). */
static tapir_instant persist_interval(const struct tapir_tcp_socket *s)
{
    tapir_instant max = s->rto.max_us;
    tapir_instant t = tapir__rto_current(&s->rto);
    for (unsigned i = 0; i < s->persist_backoff && t < max; i++)
        t *= 2;
    return t < max ? t : max;
}

static void persist_fire(struct tapir_tcp_socket *s)
{
    s->persist_at = TAPIR_INSTANT_NEVER;
    if (s->snd_una != s->snd_max)
        return; /* data is in flight again: the retransmission timer watches it */
    s->persist_backoff++;
    if (s->snd_wnd > 0) {
        /* The window is open but too small for the sender's SWS rule: this is the
         * override timeout of RFC 9293 §3.8.6.2.1 (4), and what may go, goes. */
        s->persist_force = true;
        return;
    }
    /* RFC 1122 §4.2.2.17: the connection stays open as long as the probes are answered;
     * when max_retries of them in a row go unanswered the peer is gone (as Linux's
     * tcp_probe_timer decides, with the same limit as for retransmissions). */
    if (s->probes_out >= s->cfg.max_retries) {
        s->error = tapir__tcp_timeout_error(s); /* an ICMP soft error, if one came */
        tapir__tcp_set_state(s, TAPIR_TCP_CLOSED);
        return;
    }
    s->send_probe = true;
    s->probes_out++;
    s->stats.persist_probes++;
}

void tapir__tcp_persist_update(struct tapir_tcp_socket *s, tapir_instant now, bool stalled)
{
    s->persist_force = false; /* an override lets out at most one segment */
    if (!stalled) {
        s->persist_at = TAPIR_INSTANT_NEVER;
        s->persist_backoff = 0;
        return;
    }
    if (s->persist_at == TAPIR_INSTANT_NEVER)
        s->persist_at = now + persist_interval(s);
}

/* ---- Keepalive ---- */

/* When the next keepalive probe (or the verdict) is due: keepalive_idle_us after the peer
 * last spoke, then every keepalive_interval_us. Only while the connection is idle: with
 * data in flight or queued, the retransmission and persist timers watch the peer. */
static tapir_instant keepalive_at(const struct tapir_tcp_socket *s)
{
    if (!s->cfg.keepalive)
        return TAPIR_INSTANT_NEVER;
    if (s->state != TAPIR_TCP_ESTABLISHED && s->state != TAPIR_TCP_CLOSE_WAIT &&
        s->state != TAPIR_TCP_FIN_WAIT_2)
        return TAPIR_INSTANT_NEVER;
    if (s->snd_una != s->snd_max || tapir__byte_ring_len(&s->tx) > 0)
        return TAPIR_INSTANT_NEVER;
    return s->last_rx_at + s->cfg.keepalive_idle_us +
           (tapir_instant)s->probes_out * s->cfg.keepalive_interval_us;
}

void tapir__tcp_timers_run(struct tapir_tcp_socket *s, tapir_instant now)
{
    if (s->persist_at <= now)
        persist_fire(s);
    if (s->state == TAPIR_TCP_CLOSED || keepalive_at(s) > now)
        return;
    /* RFC 1122 §4.2.3.6: keepalive_probes unanswered probes, one interval apart, and the
     * connection is dead. No RST: the peer is presumed gone (as when the retransmission
     * timer gives up). */
    if (s->probes_out >= s->cfg.keepalive_probes) {
        s->error = tapir__tcp_timeout_error(s); /* an ICMP soft error, if one came */
        tapir__tcp_set_state(s, TAPIR_TCP_CLOSED);
        return;
    }
    s->send_probe = true;
    s->probes_out++;
    s->stats.keepalive_probes++;
}

tapir_instant tapir__tcp_timers_poll_at(const struct tapir_tcp_socket *s)
{
    tapir_instant at = s->persist_at;
    tapir_instant k = keepalive_at(s);
    return k < at ? k : at;
}

/* ---- Silly window syndrome avoidance ---- */

/* The segment size the peer sends us (Eff.snd.MSS seen from its side): what our SYN
 * announced, less the timestamp option it carries. */
static size_t rcv_mss(const struct tapir_tcp_socket *s)
{
    unsigned ip = s->remote.addr.version == TAPIR_IP_V6 ? 40 : 20;
    unsigned mtu = s->mtu ? s->mtu : 1500;
    size_t mss = mtu > ip + 20 + 12 ? mtu - ip - 20 : 536;
    return s->ts_ok ? mss - 12 : mss;
}

size_t tapir__tcp_rcv_window(const struct tapir_tcp_socket *s)
{
    size_t wnd = tapir__byte_ring_free(&s->rx);
    size_t max = (size_t)65535 << s->rcv_wscale;
    if (wnd > max)
        wnd = max;
    wnd = (wnd >> s->rcv_wscale) << s->rcv_wscale; /* what the scaled field can say */
    /* RFC 9293 §3.8.6.2.2: the right edge RCV.NXT + RCV.WND advances only by at least
     * min(RCV.BUFF / 2, Eff.snd.MSS); smaller gains wait, the last edge is kept. */
    uint32_t edge = s->rcv_nxt + (uint32_t)wnd;
    if (seq_gt(edge, s->rcv_adv)) {
        size_t step = s->rx.cap / 2 < rcv_mss(s) ? s->rx.cap / 2 : rcv_mss(s);
        if (edge - s->rcv_adv < step)
            return seq_gt(s->rcv_adv, s->rcv_nxt) ? s->rcv_adv - s->rcv_nxt : 0;
    }
    return wnd;
}

bool tapir__tcp_window_update_due(const struct tapir_tcp_socket *s)
{
    /* Only while the peer may still send. */
    if (s->state != TAPIR_TCP_ESTABLISHED && s->state != TAPIR_TCP_FIN_WAIT_1 &&
        s->state != TAPIR_TCP_FIN_WAIT_2)
        return false;
    /* RFC 9293 §3.8.6.2.2 lets the edge move; an ACK of its own is worth it when the
     * window at least doubles (Linux's tcp_cleanup_rbuf rule): a closed or nearly closed
     * window reopening, never each read of a busy stream. */
    size_t open = seq_gt(s->rcv_adv, s->rcv_nxt) ? s->rcv_adv - s->rcv_nxt : 0;
    size_t wnd = tapir__tcp_rcv_window(s);
    return wnd > open && wnd >= 2 * open;
}

bool tapir__tcp_sws_hold(const struct tapir_tcp_socket *s, size_t n, size_t unsent)
{
    /* RFC 9293 §3.8.6.2.1: send when (1) a full segment can go, (2) everything queued
     * can go (we treat all data as pushed, as the sockets API does), (3) at least half the
     * largest window the peer offered can go, or (4) the override timeout (the persist
     * timer here) fired. Otherwise wait: an ACK in flight will bring more room, and with
     * nothing in flight the persist timer forces the segment out. */
    if (n >= s->mss || n >= unsent || s->persist_force)
        return false;
    return n < s->max_snd_wnd / 2;
}

/* ---- Path MTU ---- */

int tapir__tcp_path_mtu(struct tapir_tcp_socket *s, unsigned mtu, uint32_t seq)
{
    if (s->state < TAPIR_TCP_ESTABLISHED || s->state == TAPIR_TCP_TIME_WAIT)
        return 0;
    /* RFC 5927 §4.1: a message about this connection quotes a sequence number in flight;
     * anything else is stale or forged. */
    if (seq_lt(seq, s->snd_una) || !seq_lt(seq, s->snd_max))
        return 0;
    bool v6 = s->remote.addr.version == TAPIR_IP_V6;
    unsigned floor = v6 ? MIN_PMTU_V6 : MIN_PMTU_V4;
    if (mtu < floor)
        mtu = floor;
    /* RFC 1191 §6.3 / RFC 8201 §5.2: the MSS is the path MTU less the IP and TCP headers
     * (and the timestamp option every segment carries, RFC 6691). It only goes down
     * here: a larger MTU is never taken from ICMP. */
    unsigned mss = mtu - (v6 ? 40u : 20u) - 20u - (s->ts_ok ? 12u : 0u);
    if (mss >= s->mss)
        return 0;
    s->mss = (uint16_t)mss;
    s->cc.mss = mss; /* the congestion window counts in the new segment size */
    /* The larger segments in flight were dropped at the narrow hop: send them again now
     * in the new size (RFC 1191 §6.5), without a congestion response, since nothing was
     * lost to congestion (Linux's tcp_simple_retransmit). No RTT sample from them (Karn). */
    /* The transmission log holds segments of the old size: start it afresh and send the
     * flight again from SND.UNA as new segments in the new size. */
    tapir__tcp_rec_init(s);
    s->snd_nxt = s->snd_una;
    s->rtt_active = false;
    s->stats.mss_reductions++;
    return 1;
}
