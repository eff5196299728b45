/* The TCP sender's transmission log, RACK loss detection and the TLP timeout (RFC 8985);
 * the contract is in include/tapir/priv/tcp_rack.h. */
#include "tapir/priv/tcp_rack.h"

#include <string.h>

#include "tapir/priv/tcp_sack.h" /* TAPIR__SACK_DUPTHRESH */

static bool lt(uint32_t a, uint32_t b)
{
    return (int32_t)(a - b) < 0;
}

void tapir__txlog_init(struct tapir__txlog *log)
{
    memset(log, 0, sizeof *log);
}

/* Add (sign 1) or remove (sign -1) `n` bytes of `g`'s states to the totals. */
static void account(struct tapir__txlog *log, const struct tapir__seg *g, uint32_t n, int sign)
{
    uint32_t d = sign > 0 ? n : (uint32_t)-n;
    log->bytes += d;
    if (g->flags & TAPIR__SEG_SACKED)
        log->sacked += d;
    if (g->flags & TAPIR__SEG_LOST)
        log->lost += d;
    if (g->flags & TAPIR__SEG_RETRANS)
        log->retrans += d;
}

struct tapir__seg *tapir__txlog_append(struct tapir__txlog *log, uint32_t seq, uint16_t len,
                                       bool fin, tapir_instant now)
{
    if (tapir__txlog_full(log))
        return NULL;
    struct tapir__seg *g = &log->segs[(log->head + log->count) % TAPIR_TCP_TXLOG_SEGS];
    g->xmit_us = now;
    g->order = log->next_order++;
    g->seq = seq;
    g->len = len;
    g->flags = fin ? TAPIR__SEG_FIN : 0;
    log->count++;
    account(log, g, tapir__seg_size(g), 1);
    return g;
}

void tapir__txlog_set(struct tapir__txlog *log, struct tapir__seg *g, uint8_t flags)
{
    uint32_t size = tapir__seg_size(g);
    if (g->flags & TAPIR__SEG_SACKED)
        flags &= (uint8_t) ~(TAPIR__SEG_LOST | TAPIR__SEG_RETRANS); /* SACKED wins */
    if ((flags & TAPIR__SEG_SACKED) && !(g->flags & TAPIR__SEG_SACKED)) {
        tapir__txlog_clear(log, g, TAPIR__SEG_LOST | TAPIR__SEG_RETRANS);
        log->sacked += size;
        log->segs_sacked++;
        flags &= (uint8_t) ~(TAPIR__SEG_LOST | TAPIR__SEG_RETRANS);
    }
    if ((flags & TAPIR__SEG_LOST) && !(g->flags & TAPIR__SEG_LOST))
        log->lost += size;
    if ((flags & TAPIR__SEG_RETRANS) && !(g->flags & TAPIR__SEG_RETRANS))
        log->retrans += size;
    g->flags |= flags;
}

void tapir__txlog_clear(struct tapir__txlog *log, struct tapir__seg *g, uint8_t flags)
{
    uint32_t size = tapir__seg_size(g);
    uint8_t on = g->flags & flags;
    if (on & TAPIR__SEG_SACKED) {
        log->sacked -= size;
        log->segs_sacked--;
    }
    if (on & TAPIR__SEG_LOST)
        log->lost -= size;
    if (on & TAPIR__SEG_RETRANS)
        log->retrans -= size;
    g->flags &= (uint8_t)~flags;
}

void tapir__txlog_retransmitted(struct tapir__txlog *log, struct tapir__seg *g, tapir_instant now)
{
    g->xmit_us = now;
    g->order = log->next_order++;
    uint8_t add = TAPIR__SEG_EVER_RETRANS;
    if (g->flags & TAPIR__SEG_LOST)
        add |= TAPIR__SEG_RETRANS;
    tapir__txlog_set(log, g, add);
}

void tapir__txlog_ack(struct tapir__txlog *log, uint32_t una,
                      void (*delivered)(void *ctx, const struct tapir__seg *g), void *ctx)
{
    while (log->count > 0) {
        struct tapir__seg *g = &log->segs[log->head];
        if (!lt(una, tapir__seg_end(g))) {
            if (!(g->flags & TAPIR__SEG_SACKED) && delivered)
                delivered(ctx, g);
            account(log, g, tapir__seg_size(g), -1);
            if (g->flags & TAPIR__SEG_SACKED)
                log->segs_sacked--;
            log->head = (log->head + 1) % TAPIR_TCP_TXLOG_SEGS;
            log->count--;
            continue;
        }
        if (lt(g->seq, una)) {
            /* Part of the record acknowledged (the peer took less than we sent, or a
             * window probe): its rest stays, with the same state. */
            uint32_t k = una - g->seq;
            account(log, g, k, -1);
            g->seq = una;
            g->len = (uint16_t)(g->len - k);
        }
        break;
    }
    if (log->count == 0)
        log->head = 0;
}

int tapir__txlog_check(const struct tapir__txlog *log, uint32_t una, uint32_t snd_max)
{
    uint32_t bytes = 0, sacked = 0, lost = 0, retrans = 0;
    unsigned segs_sacked = 0;
    uint32_t at = una;
    for (unsigned i = 0; i < log->count; i++) {
        const struct tapir__seg *g = tapir__txlog_cat(log, i);
        uint32_t size = tapir__seg_size(g);
        if (g->seq != at)
            return -2;
        if (size == 0)
            return -3;
        if ((g->flags & TAPIR__SEG_SACKED) && (g->flags & (TAPIR__SEG_LOST | TAPIR__SEG_RETRANS)))
            return -4;
        if ((g->flags & TAPIR__SEG_RETRANS) && !(g->flags & TAPIR__SEG_LOST))
            return -4;
        if ((g->flags & TAPIR__SEG_FIN) && i + 1 != log->count)
            return -5;
        at += size;
        bytes += size;
        if (g->flags & TAPIR__SEG_SACKED) {
            sacked += size;
            segs_sacked++;
        }
        if (g->flags & TAPIR__SEG_LOST)
            lost += size;
        if (g->flags & TAPIR__SEG_RETRANS)
            retrans += size;
    }
    if (at != snd_max)
        return -6;
    if (bytes != log->bytes || sacked != log->sacked || lost != log->lost ||
        retrans != log->retrans || segs_sacked != log->segs_sacked)
        return -1;
    return 0;
}

void tapir__rack_init(struct tapir__rack *r)
{
    memset(r, 0, sizeof *r);
    r->min_rtt_us = -1;
    r->reo_wnd_mult = 1;
}

void tapir__rack_on_delivered(struct tapir__rack *r, const struct tapir__seg *g, tapir_instant now)
{
    tapir_instant rtt = now - g->xmit_us;
    if (rtt < 0)
        rtt = 0;
    bool ambiguous = (g->flags & TAPIR__SEG_EVER_RETRANS) != 0;
    if (!ambiguous && (r->min_rtt_us < 0 || rtt <= r->min_rtt_us ||
                       now - r->min_rtt_at > TAPIR__RACK_MIN_RTT_WIN_US)) {
        r->min_rtt_us = rtt;
        r->min_rtt_at = now;
    }
    /* Steps 1-2: a retransmission acknowledged sooner than any RTT may be the original's
     * ACK; it says nothing about when the retransmission arrived. */
    bool usable = !ambiguous || r->min_rtt_us < 0 || rtt >= r->min_rtt_us;
    if (usable && (!r->has_seg || tapir__rack_sent_after(g->order, r->order))) {
        r->has_seg = true;
        r->xmit_us = g->xmit_us;
        r->order = g->order;
        r->end_seq = tapir__seg_end(g);
        r->rtt_us = rtt;
    }
    /* Step 3: a never-retransmitted segment delivered below the highest delivered one
     * arrived out of order. */
    uint32_t end = tapir__seg_end(g);
    if (!r->has_fack || lt(r->fack, end)) {
        r->has_fack = true;
        r->fack = end;
    } else if (lt(end, r->fack) && !ambiguous) {
        r->reord = true;
    }
}

void tapir__rack_on_ack(struct tapir__rack *r, uint32_t snd_una)
{
    if (r->dsack_round_valid && !lt(snd_una, r->dsack_round))
        r->dsack_round_valid = false;
}

void tapir__rack_on_dsack(struct tapir__rack *r, uint32_t snd_una, uint32_t snd_max)
{
    tapir__rack_on_ack(r, snd_una);
    if (r->dsack_round_valid)
        return; /* one widening per round trip */
    r->dsack_round_valid = true;
    r->dsack_round = snd_max;
    if (r->reo_wnd_mult < 64)
        r->reo_wnd_mult++;
    r->reo_wnd_persist = 16;
}

void tapir__rack_on_recovery_exit(struct tapir__rack *r)
{
    if (--r->reo_wnd_persist <= 0) {
        r->reo_wnd_persist = 0;
        r->reo_wnd_mult = 1;
    }
}

tapir_instant tapir__rack_reo_wnd(const struct tapir__rack *r, bool in_recovery,
                                  unsigned segs_sacked, tapir_instant srtt_us)
{
    if (!r->reord && (in_recovery || segs_sacked >= TAPIR__SACK_DUPTHRESH))
        return 0;
    if (r->min_rtt_us < 0)
        return 0;
    tapir_instant w = r->min_rtt_us * (tapir_instant)r->reo_wnd_mult / 4;
    if (srtt_us > 0 && w > srtt_us)
        w = srtt_us;
    return w;
}

tapir_instant tapir__rack_detect_loss(const struct tapir__rack *r, struct tapir__txlog *log,
                                      tapir_instant now, tapir_instant reo_wnd, unsigned *marked,
                                      unsigned *marked_rexmit)
{
    *marked = *marked_rexmit = 0;
    if (!r->has_seg)
        return 0;
    tapir_instant timeout = 0;
    for (unsigned i = 0; i < log->count; i++) {
        struct tapir__seg *g = tapir__txlog_at(log, i);
        if (g->flags & TAPIR__SEG_SACKED)
            continue;
        if ((g->flags & TAPIR__SEG_LOST) && !(g->flags & TAPIR__SEG_RETRANS))
            continue; /* already waiting for its retransmission */
        if (!tapir__rack_sent_after(r->order, g->order))
            continue;
        tapir_instant remaining = g->xmit_us + r->rtt_us + reo_wnd - now;
        if (remaining <= 0) {
            if (g->flags & TAPIR__SEG_RETRANS)
                (*marked_rexmit)++;
            tapir__txlog_clear(log, g, TAPIR__SEG_RETRANS);
            tapir__txlog_set(log, g, TAPIR__SEG_LOST);
            (*marked)++;
        } else if (remaining > timeout) {
            timeout = remaining;
        }
    }
    return timeout;
}

tapir_instant tapir__tlp_pto_at(tapir_instant now, tapir_instant srtt_us, bool one_segment,
                                tapir_instant rto_at)
{
    tapir_instant pto;
    if (srtt_us < 0)
        pto = TAPIR_US_PER_S;
    else
        pto = 2 * srtt_us + (one_segment ? TAPIR__TLP_WCDELACK_US : TAPIR__TLP_EXTRA_US);
    if (pto < TAPIR__TLP_MIN_PTO_US)
        pto = TAPIR__TLP_MIN_PTO_US;
    tapir_instant at = now + pto;
    return at < rto_at ? at : rto_at;
}
