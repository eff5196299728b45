/* What a TCP socket sends, and its timers: SYN and SYN-ACK with options, data within
 * the windows (with Nagle), FIN, ACKs (delayed or immediate, with SACK blocks), RST, and
 * retransmission when the RTO fires (RFC 6298 §5). */
#include <string.h>

#include "tcp_internal.h"
#include "tcp_recovery.h"

/* Common fields of every segment of this connection. */
static void begin(const struct tapir_tcp_socket *s, tapir_instant now, struct tapir__tcp_out *out,
                  uint16_t flags, uint32_t seq)
{
    memset(out, 0, sizeof *out);
    out->src = s->local.addr;
    out->dst = s->remote.addr;
    struct tapir_tcp_repr *t = &out->tcp;
    t->src_port = s->local.port;
    t->dst_port = s->remote.port;
    t->seq = seq;
    t->flags = flags;
    if (flags & TAPIR_TCP_ACK)
        t->ack = s->rcv_nxt;
    size_t free_space = tapir__byte_ring_free(&s->rx);
    if (flags & TAPIR_TCP_SYN) {
        /* RFC 7323 §2.2: the window of a SYN is never scaled. */
        t->window = (uint16_t)(free_space > 65535 ? 65535 : free_space);
    } else {
        size_t w = tapir__tcp_rcv_window(s) >> s->rcv_wscale; /* receiver SWS avoidance */
        t->window = (uint16_t)(w > 65535 ? 65535 : w);
    }
    if (s->ts_ok || ((flags & TAPIR_TCP_SYN) && !(flags & TAPIR_TCP_ACK))) {
        t->has_timestamps = true;
        t->ts_val = tapir__tcp_ts_now(s, now);
        t->ts_ecr = (flags & TAPIR_TCP_ACK) ? s->ts_recent : 0;
    }
}

static void add_syn_options(const struct tapir_tcp_socket *s, struct tapir_tcp_repr *t, bool reply)
{
    t->has_mss = true;
    /* Our MSS before the timestamp deduction: what we can receive. */
    unsigned ip = s->remote.addr.version == TAPIR_IP_V6 ? 40 : 20;
    t->mss = (uint16_t)(s->mtu - ip - 20);
    /* A reply offers each option only when the SYN did (RFC 7323 §1.3, RFC 2018 §2). */
    if (!reply || s->wscale_ok) {
        t->has_wscale = true;
        t->wscale = s->rcv_wscale;
    }
    t->sack_permitted = (!reply || s->sack_ok) && !s->cfg.no_sack;
    if (reply && !s->ts_ok)
        t->has_timestamps = false;
}

/* SACK blocks for the out-of-order data we hold (RFC 2018 §4: most recent first; three
 * fit beside the timestamp option, four without). A data segment carries only the blocks
 * that fit in the MSS beside its payload (each takes 8 bytes, the option 4 more with its
 * NOPs), so it never exceeds the MTU; the pure ACKs carry the rest. */
static void add_sack(const struct tapir_tcp_socket *s, struct tapir_tcp_repr *t)
{
    if (!s->sack_ok || (s->ooo.count == 0 && !s->rec.fin_early))
        return;
    unsigned max = s->ts_ok ? 3 : 4;
    if (t->payload_len > 0) {
        size_t room = s->mss > t->payload_len ? s->mss - t->payload_len : 0;
        size_t fit = room >= 12 ? (room - 4) / 8 : 0;
        if (fit < max)
            max = (unsigned)fit;
        if (max == 0)
            return;
    }
    struct tapir__assembler_range r[TAPIR_TCP_MAX_SACK];
    unsigned n = tapir__assembler_recent(&s->ooo, r, max);
    bool fin_told = !s->rec.fin_early;
    for (unsigned i = 0; i < n; i++) {
        t->sack[i].left = s->rcv_nxt + r[i].start;
        t->sack[i].right = s->rcv_nxt + r[i].end;
        if (!fin_told && t->sack[i].right == s->rec.fin_seq) {
            t->sack[i].right++; /* the FIN we hold right after this range */
            fin_told = true;
        }
    }
    if (!fin_told && n < max) { /* a FIN alone beyond a hole: a block of its own */
        t->sack[n].left = s->rec.fin_seq;
        t->sack[n].right = s->rec.fin_seq + 1;
        n++;
    }
    t->sack_count = (uint8_t)n;
}

static void note_ack_sent(struct tapir_tcp_socket *s)
{
    s->ack_now = false;
    s->challenge_ack = false;
    s->segs_since_ack = 0;
    s->delack_at = TAPIR_INSTANT_NEVER;
    s->rcv_adv = s->rcv_nxt + (uint32_t)tapir__tcp_rcv_window(s);
}

static void on_rto(struct tapir_tcp_socket *s, tapir_instant now)
{
    s->stats.rto_expirations++;
    bool opening = s->state == TAPIR_TCP_SYN_SENT || s->state == TAPIR_TCP_SYN_RECEIVED;
    if (++s->retries > (opening ? s->cfg.syn_retries : s->cfg.max_retries)) {
        s->error = tapir__tcp_timeout_error(s); /* an ICMP soft error, if one came */
        tapir__tcp_set_state(s, TAPIR_TCP_CLOSED);
        return;
    }
    /* RFC 6298 §5.5-5.7: back off, resend from the first unacknowledged byte, and RFC
     * 5681 §3.1: cwnd to one segment. */
    tapir__rto_backoff(&s->rto);
    tapir__cc_on_rto(&s->cc, s->snd_max - s->snd_una);
    s->rtt_active = false;
    if (s->state == TAPIR_TCP_SYN_SENT || s->state == TAPIR_TCP_SYN_RECEIVED) {
        s->send_syn = true;
        s->syn_timed_out = true; /* RFC 6298 §5.7 (tcp_lifecycle.c) */
    } else {
        tapir__tcp_rec_on_rto(s, now); /* what is lost now (tcp_recovery.c) */
    }
    s->rto_at = now + tapir__rto_current(&s->rto);
}

static void run_timers(struct tapir_tcp_socket *s, tapir_instant now)
{
    tapir__tcp_lifecycle_run(s, now); /* RFC 6298 §5.7, the FIN-WAIT-2 timeout */
    if (s->state == TAPIR_TCP_CLOSED)
        return;
    if (s->time_wait_at <= now) {
        tapir__tcp_set_state(s, TAPIR_TCP_CLOSED);
        return;
    }
    if (s->rto_at <= now)
        on_rto(s, now);
    tapir__tcp_rec_timers(s, now); /* RACK reordering timer, loss probe */
    if (s->delack_at <= now) {
        s->ack_now = true;
        s->delack_at = TAPIR_INSTANT_NEVER;
    }
    tapir__tcp_timers_run(s, now); /* persist and keepalive */
}

/* How much may go now: unsent bytes the windows let out, or a due FIN; honours Nagle.
 * Shared by send_data() and poll_at(), so the caller never spins on held data. */
static size_t sendable(const struct tapir_tcp_socket *s, bool *fin_out)
{
    size_t queued = tapir__byte_ring_len(&s->tx);
    uint32_t sent = s->snd_nxt - s->snd_una;
    size_t unsent = queued > sent ? queued - sent : 0;
    uint32_t fin_seq = tapir__tcp_fin_seq(s);
    bool fin_due = s->fin_queued && seq_le(s->snd_nxt, fin_seq) &&
                   (s->state == TAPIR_TCP_ESTABLISHED || s->state == TAPIR_TCP_CLOSE_WAIT ||
                    s->state == TAPIR_TCP_FIN_WAIT_1 || s->state == TAPIR_TCP_CLOSING ||
                    s->state == TAPIR_TCP_LAST_ACK);
    *fin_out = false;
    if (unsent == 0 && !fin_due)
        return 0;
    /* cwnd - pipe (RFC 6675) and the peer's window; 0 while the log is full. */
    uint32_t room = tapir__tcp_rec_send_room(s, unsent);
    if (room == 0 && tapir__txlog_full(&s->rec.log))
        return 0;
    /* Offload: up to gso_max in one super-segment, whole MSS multiples unless it ends the
     * queued data (what MSS-sized sending would put on the wire, in fewer segments). */
    size_t max = s->gso_max > s->mss ? s->gso_max : s->mss;
    size_t n = unsent < max ? unsent : max;
    if (n > room)
        n = room;
    if (n > s->mss && n < unsent)
        n -= n % s->mss;
    bool fin = fin_due && n == unsent;
    /* Sender SWS avoidance (RFC 9293 §3.8.6.2.1, tcp_timers.c). */
    if (n > 0 && tapir__tcp_sws_hold(s, n, unsent))
        return 0;
    /* Nagle (RFC 896, RFC 9293 §3.7.4): a small segment waits while data is in flight. */
    if (!s->cfg.nodelay && n < s->mss && n == unsent && sent > 0 && !fin &&
        seq_ge(s->snd_nxt, s->snd_max))
        return 0;
    *fin_out = fin;
    return n;
}

/* The next segment of data (and maybe the FIN): a retransmission of a record deemed lost
 * (tcp_recovery.c), else a loss probe, else new data if the windows allow.
 *
 * The loss probe repeats the last record sent, even when new data waits. RFC 8985 §7.3
 * prefers new data; we do not, because a repeat draws an immediate ACK from every
 * receiver (a duplicate segment is acknowledged at once, RFC 9293 §3.10.7.4, and Linux
 * then acknowledges the next segments at once too), while one new segment waits for the
 * receiver's delayed ACK, up to 40 ms on Linux, 200 ms allowed. When the last segment
 * was lost the repeat repairs it directly; when only its ACK was lost, the repeat costs
 * one segment and comes back as a D-SACK. Against Linux at 5 % loss each way this made
 * the sender three to five times faster. */
static int send_data(struct tapir_tcp_socket *s, tapir_instant now, struct tapir__tcp_out *out,
                     uint8_t *buf, size_t cap)
{
    uint32_t seq = s->snd_nxt;
    size_t n;
    bool fin;
    const struct tapir__seg *g = tapir__tcp_rec_next(s, false);
    if (!g)
        g = tapir__tcp_rec_next(s, true);
    if (!g) {
        n = sendable(s, &fin);
        if (n > cap)
            n = cap;
        if (n == 0 && !fin)
            return 0; /* nothing, or the windows are closed (persist probes come later) */
    }
    bool retransmit = g != NULL;
    if (g) {
        seq = g->seq;
        n = g->len;
        fin = (g->flags & TAPIR__SEG_FIN) != 0;
    }
    size_t queued = tapir__byte_ring_len(&s->tx);
    uint32_t off = seq - s->snd_una;

    uint16_t flags = TAPIR_TCP_ACK;
    if (n > 0 && off + n == queued)
        flags |= TAPIR_TCP_PSH;
    if (fin)
        flags |= TAPIR_TCP_FIN;
    begin(s, now, out, flags, seq);
    if (n > 0)
        tapir__byte_ring_peek(&s->tx, off, buf, n);
    out->tcp.payload = buf;
    out->tcp.payload_len = n;
    if (n > s->mss)
        out->gso_size = s->mss; /* a super-segment, new or retransmitted */
    add_sack(s, &out->tcp);

    if (retransmit) {
        s->stats.retransmissions++;
    } else {
        if (!s->rtt_active && n > 0) {
            s->rtt_active = true;
            s->rtt_seq = s->snd_nxt;
            s->rtt_start = now;
        }
        s->snd_nxt += (uint32_t)n + (fin ? 1u : 0u);
        if (seq_gt(s->snd_nxt, s->snd_max))
            s->snd_max = s->snd_nxt;
    }
    if (fin && !s->fin_sent) {
        s->fin_sent = true;
        if (s->state == TAPIR_TCP_ESTABLISHED)
            tapir__tcp_set_state(s, TAPIR_TCP_FIN_WAIT_1);
        else if (s->state == TAPIR_TCP_CLOSE_WAIT)
            tapir__tcp_set_state(s, TAPIR_TCP_LAST_ACK);
    }
    if (s->rto_at == TAPIR_INSTANT_NEVER)
        s->rto_at = now + tapir__rto_current(&s->rto);
    tapir__tcp_rec_sent(s, now, seq, (uint32_t)n, fin, retransmit);
    note_ack_sent(s);
    return 1;
}

/* The persist timer's condition: data waits on the windows and nothing is in flight, so
 * no ACK will come to open them. */
static bool persist_stalled(const struct tapir_tcp_socket *s)
{
    if (s->state < TAPIR_TCP_ESTABLISHED || s->state == TAPIR_TCP_TIME_WAIT ||
        s->snd_una != s->snd_max || tapir__byte_ring_len(&s->tx) == 0)
        return false;
    bool fin;
    return sendable(s, &fin) == 0 && !fin;
}

int tapir__tcp_dispatch(struct tapir_tcp_socket *s, tapir_instant now, struct tapir__tcp_out *out,
                        uint8_t *buf, size_t cap)
{
    if (s->send_rst) {
        /* abort(): <SEQ=SND.NXT><CTL=RST> (RFC 9293 §3.10.5). */
        s->send_rst = false;
        begin(s, now, out, TAPIR_TCP_RST, s->snd_nxt);
        out->tcp.has_timestamps = false;
        out->tcp.window = 0;
        s->stats.segments_sent++;
        return 1;
    }
    if (s->state == TAPIR_TCP_CLOSED || s->state == TAPIR_TCP_LISTEN)
        return 0;
    run_timers(s, now);
    if (s->state == TAPIR_TCP_CLOSED)
        return 0;

    int made = 0;
    if (s->send_syn && (s->state == TAPIR_TCP_SYN_SENT || s->state == TAPIR_TCP_SYN_RECEIVED)) {
        bool reply = s->state == TAPIR_TCP_SYN_RECEIVED;
        begin(s, now, out, reply ? TAPIR_TCP_SYN | TAPIR_TCP_ACK : TAPIR_TCP_SYN, s->iss);
        add_syn_options(s, &out->tcp, reply);
        s->send_syn = false;
        if (seq_gt(s->iss + 1, s->snd_max))
            s->snd_max = s->iss + 1;
        else
            s->stats.retransmissions++;
        s->snd_nxt = s->iss + 1;
        if (s->rto_at == TAPIR_INSTANT_NEVER)
            s->rto_at = now + tapir__rto_current(&s->rto);
        note_ack_sent(s);
        made = 1;
    } else if (s->state >= TAPIR_TCP_ESTABLISHED && s->state != TAPIR_TCP_TIME_WAIT) {
        made = send_data(s, now, out, buf, cap);
    }
    if (!made && s->send_probe) {
        /* A persist or keepalive probe (tcp_timers.c): <SEQ=SND.UNA-1><CTL=ACK>, empty. */
        s->send_probe = false;
        begin(s, now, out, TAPIR_TCP_ACK, s->snd_una - 1);
        note_ack_sent(s);
        made = 1;
    }
    tapir__tcp_persist_update(s, now, persist_stalled(s));
    if (!made && (s->ack_now || s->challenge_ack || s->rec.dupacks_owed > 0) &&
        s->state != TAPIR_TCP_SYN_SENT) {
        bool owed_only = !s->ack_now && !s->challenge_ack;
        begin(s, now, out, TAPIR_TCP_ACK, s->snd_nxt);
        add_sack(s, &out->tcp);
        note_ack_sent(s);
        tapir__tcp_rec_ack_sent(s, owed_only);
        made = 1;
    }
    if (made)
        s->stats.segments_sent++;
    return made;
}

tapir_instant tapir__tcp_poll_at(const struct tapir_tcp_socket *s)
{
    if (s->send_rst || s->ack_now || s->challenge_ack || s->send_syn)
        return 0;
    bool fin;
    if (s->state >= TAPIR_TCP_ESTABLISHED && s->state != TAPIR_TCP_TIME_WAIT &&
        (sendable(s, &fin) > 0 || fin))
        return 0;
    tapir_instant at = tapir__tcp_rec_poll_at(s);
    if (s->rto_at < at)
        at = s->rto_at;
    if (s->delack_at < at)
        at = s->delack_at;
    if (s->time_wait_at < at)
        at = s->time_wait_at;
    tapir_instant t = tapir__tcp_timers_poll_at(s);
    if (t < at)
        at = t;
    t = tapir__tcp_lifecycle_poll_at(s);
    return t < at ? t : at;
}
