/* TIME-WAIT records (see tapir/priv/tcp_timewait.h for what they are and the rules they
 * follow). Pure state: the interface finds the record and sends what it answers. */
#include <string.h>

#include "tapir/priv/tcp_timewait.h"
#include "tcp_internal.h"

void tapir__tcp_tw_init(struct tapir__tcp_tw_table *t)
{
    memset(t, 0, sizeof *t);
}

static void tw_delete(struct tapir__tcp_tw_table *t, struct tapir__tcp_tw *tw)
{
    tw->used = false;
    t->count--;
}

struct tapir__tcp_tw *tapir__tcp_tw_enter(struct tapir__tcp_tw_table *t,
                                          const struct tapir_tcp_socket *s, tapir_instant now)
{
    struct tapir__tcp_tw *tw = NULL, *oldest = NULL;
    for (unsigned i = 0; i < TAPIR_TCP_TIME_WAIT_SLOTS; i++) {
        struct tapir__tcp_tw *e = &t->entries[i];
        if (!e->used) {
            if (!tw)
                tw = e;
            continue;
        }
        /* A record already there for the same 4-tuple is replaced. */
        if (e->local_port == s->local.port && e->remote_port == s->remote.port &&
            tapir_ip_equal(&e->local, &s->local.addr) &&
            tapir_ip_equal(&e->remote, &s->remote.addr)) {
            tw_delete(t, e);
            tw = e;
            break;
        }
        if (!oldest || e->deadline < oldest->deadline)
            oldest = e;
    }
    if (!tw) {
        tw_delete(t, oldest); /* full: the oldest gives way (see the header) */
        tw = oldest;
    }
    memset(tw, 0, sizeof *tw);
    tw->used = true;
    t->count++;
    tw->local = s->local.addr;
    tw->remote = s->remote.addr;
    tw->local_port = s->local.port;
    tw->remote_port = s->remote.port;
    tw->snd_nxt = s->snd_max;
    tw->rcv_nxt = s->rcv_nxt;
    tw->rcv_wnd = (uint32_t)tapir__tcp_rcv_window(s);
    tw->rcv_wscale = s->rcv_wscale;
    tw->ts_ok = s->ts_ok;
    tw->ts_recent = s->ts_recent;
    tw->ts_base = s->ts_base;
    tw->period_us = s->cfg.time_wait_us;
    tw->deadline = now + tw->period_us;
    return tw;
}

static int tw_index(const struct tapir__tcp_tw_table *t, const struct tapir_ip_addr *local,
                    uint16_t lport, const struct tapir_ip_addr *remote, uint16_t rport)
{
    if (t->count == 0)
        return -1;
    for (unsigned i = 0; i < TAPIR_TCP_TIME_WAIT_SLOTS; i++) {
        const struct tapir__tcp_tw *e = &t->entries[i];
        if (e->used && e->local_port == lport && e->remote_port == rport &&
            tapir_ip_equal(&e->local, local) && tapir_ip_equal(&e->remote, remote))
            return (int)i;
    }
    return -1;
}

struct tapir__tcp_tw *tapir__tcp_tw_find(struct tapir__tcp_tw_table *t,
                                         const struct tapir_ip_addr *local, uint16_t lport,
                                         const struct tapir_ip_addr *remote, uint16_t rport)
{
    int i = tw_index(t, local, lport, remote, rport);
    return i < 0 ? NULL : &t->entries[i];
}

bool tapir__tcp_tw_holds(const struct tapir__tcp_tw_table *t, const struct tapir_ip_addr *local,
                         uint16_t lport, const struct tapir_ip_addr *remote, uint16_t rport)
{
    return tw_index(t, local, lport, remote, rport) >= 0;
}

void tapir__tcp_tw_ack(const struct tapir__tcp_tw *tw, tapir_instant now,
                       struct tapir__tcp_out *out)
{
    memset(out, 0, sizeof *out);
    out->src = tw->local;
    out->dst = tw->remote;
    struct tapir_tcp_repr *t = &out->tcp;
    t->src_port = tw->local_port;
    t->dst_port = tw->remote_port;
    t->seq = tw->snd_nxt;
    t->ack = tw->rcv_nxt;
    t->flags = TAPIR_TCP_ACK;
    uint32_t w = tw->rcv_wnd >> tw->rcv_wscale;
    t->window = (uint16_t)(w > 65535 ? 65535 : w);
    if (tw->ts_ok) {
        t->has_timestamps = true;
        t->ts_val = (uint32_t)(now / 1000) - tw->ts_base + 1; /* as tapir__tcp_ts_now() */
        t->ts_ecr = tw->ts_recent;
    }
}

static uint32_t seg_len(const struct tapir_tcp_repr *seg)
{
    return (uint32_t)seg->payload_len + ((seg->flags & TAPIR_TCP_SYN) ? 1u : 0u) +
           ((seg->flags & TAPIR_TCP_FIN) ? 1u : 0u);
}

/* RFC 9293 §3.10.7.4's four cases, against the window the socket last offered. */
static bool acceptable(const struct tapir__tcp_tw *tw, const struct tapir_tcp_repr *seg)
{
    uint32_t len = seg_len(seg), wnd = tw->rcv_wnd;
    if (len == 0 && wnd == 0)
        return seg->seq == tw->rcv_nxt;
    if (len == 0)
        return seq_le(tw->rcv_nxt, seg->seq) && seq_lt(seg->seq, tw->rcv_nxt + wnd);
    if (wnd == 0)
        return false;
    uint32_t last = seg->seq + len - 1;
    return (seq_le(tw->rcv_nxt, seg->seq) && seq_lt(seg->seq, tw->rcv_nxt + wnd)) ||
           (seq_le(tw->rcv_nxt, last) && seq_lt(last, tw->rcv_nxt + wnd));
}

static enum tapir__tcp_tw_verdict answer(const struct tapir__tcp_tw *tw, tapir_instant now,
                                         struct tapir__tcp_out *out)
{
    tapir__tcp_tw_ack(tw, now, out);
    return TAPIR__TW_ACK;
}

enum tapir__tcp_tw_verdict tapir__tcp_tw_input(struct tapir__tcp_tw_table *t,
                                               struct tapir__tcp_tw *tw, tapir_instant now,
                                               const struct tapir_tcp_repr *seg,
                                               struct tapir__tcp_out *out)
{
    bool rst = (seg->flags & TAPIR_TCP_RST) != 0;
    bool syn = (seg->flags & TAPIR_TCP_SYN) != 0;
    bool ts = tw->ts_ok && seg->has_timestamps;
    /* RFC 7323 §5.3 R1 (RSTs excepted). */
    if (ts && !rst && seq_lt(seg->ts_val, tw->ts_recent))
        return answer(tw, now, out);
    if (syn && !rst && !(seg->flags & TAPIR_TCP_ACK)) {
        /* A new incarnation of the connection (RFC 6191 with timestamps, RFC 1122
         * §4.2.2.13 without): the record makes way for it. */
        bool fresh = ts ? seq_gt(seg->ts_val, tw->ts_recent) : seq_gt(seg->seq, tw->rcv_nxt);
        if (fresh) {
            tw_delete(t, tw);
            return TAPIR__TW_REOPEN;
        }
        return answer(tw, now, out); /* RFC 5961 §4: a challenge ACK */
    }
    if (!acceptable(tw, seg)) {
        if (rst)
            return TAPIR__TW_DROP;
        /* The peer's FIN again (our ACK of it was lost): acknowledge it and restart the
         * 2 MSL timer. */
        if ((seg->flags & TAPIR_TCP_FIN) && seg->seq + seg_len(seg) == tw->rcv_nxt)
            tw->deadline = now + tw->period_us;
        return answer(tw, now, out);
    }
    if (rst) {
        /* RFC 5961 §3.2: only an exact RST ends TIME-WAIT; others get a challenge. */
        if (seg->seq == tw->rcv_nxt) {
            tw_delete(t, tw);
            return TAPIR__TW_RESET;
        }
        return answer(tw, now, out);
    }
    if (syn)
        return answer(tw, now, out); /* RFC 5961 §4 */
    if (!(seg->flags & TAPIR_TCP_ACK))
        return TAPIR__TW_DROP;
    if (seq_gt(seg->ack, tw->snd_nxt))
        return answer(tw, now, out); /* acknowledges what was never sent */
    if (seg->flags & TAPIR_TCP_FIN) {
        tw->deadline = now + tw->period_us;
        return answer(tw, now, out);
    }
    return TAPIR__TW_DROP;
}

unsigned tapir__tcp_tw_expire(struct tapir__tcp_tw_table *t, tapir_instant now)
{
    unsigned n = 0;
    for (unsigned i = 0; i < TAPIR_TCP_TIME_WAIT_SLOTS && t->count > 0; i++) {
        struct tapir__tcp_tw *e = &t->entries[i];
        if (e->used && e->deadline <= now) {
            tw_delete(t, e);
            n++;
        }
    }
    return n;
}

tapir_instant tapir__tcp_tw_poll_at(const struct tapir__tcp_tw_table *t)
{
    tapir_instant at = TAPIR_INSTANT_NEVER;
    for (unsigned i = 0; i < TAPIR_TCP_TIME_WAIT_SLOTS && t->count > 0; i++) {
        const struct tapir__tcp_tw *e = &t->entries[i];
        if (e->used && e->deadline < at)
            at = e->deadline;
    }
    return at;
}
