/* TCP loss recovery: SACK-based recovery (RFC 6675), RACK-TLP (RFC 8985) and NewReno
 * (RFC 6582) for peers without SACK. What the sender does is described in
 * tcp_recovery.h; the scoreboard is tcp_sack.c, the transmission log and RACK tcp_rack.c. */
#include "tcp_recovery.h"

#include <string.h>

static bool data_state(const struct tapir_tcp_socket *s)
{
    return s->state >= TAPIR_TCP_ESTABLISHED && s->state != TAPIR_TCP_TIME_WAIT;
}

void tapir__tcp_rec_init(struct tapir_tcp_socket *s)
{
    struct tapir__tcp_recovery *r = &s->rec;
    memset(r, 0, sizeof *r);
    tapir__sack_board_init(&r->sack);
    tapir__txlog_init(&r->log);
    tapir__rack_init(&r->rack);
    r->state = TAPIR__REC_OPEN;
    r->rack_at = r->pto_at = TAPIR_INSTANT_NEVER;
    s->dupacks = 0;
}

uint32_t tapir__tcp_rec_pipe(const struct tapir_tcp_socket *s)
{
    return tapir__txlog_pipe(&s->rec.log);
}

tapir_instant tapir__tcp_rec_rtt_sample(const struct tapir_tcp_socket *s, uint32_t ack,
                                        tapir_instant now)
{
    const struct tapir__txlog *log = &s->rec.log;
    tapir_instant sample = -1;
    for (unsigned i = 0; i < log->count; i++) {
        const struct tapir__seg *g = tapir__txlog_cat(log, i);
        if (seq_lt(ack, tapir__seg_end(g)))
            break;
        if (g->flags & TAPIR__SEG_EVER_RETRANS)
            return -1; /* Karn: the ACK may answer either transmission */
        if (sample < 0 && !(g->flags & TAPIR__SEG_SACKED))
            sample = now - g->xmit_us;
    }
    return sample;
}

int tapir__tcp_rec_check(const struct tapir_tcp_socket *s)
{
    if (!data_state(s) && s->rec.log.count == 0)
        return 0;
    return tapir__txlog_check(&s->rec.log, s->snd_una, s->snd_max);
}

static uint32_t flight(const struct tapir_tcp_socket *s)
{
    return s->snd_max - s->snd_una;
}

/* SRTT for RACK and TLP: -1 before the first sample. */
static tapir_instant srtt(const struct tapir_tcp_socket *s)
{
    return s->rto.has_sample ? tapir__rto_srtt(&s->rto) : -1;
}

/* --- Recovery entry and exit. --- */

static void enter_recovery(struct tapir_tcp_socket *s)
{
    struct tapir__tcp_recovery *r = &s->rec;
    if (r->state != TAPIR__REC_OPEN)
        return;
    /* RFC 6582 §3.2 step 2 / RFC 6675 §5: one reduction per window of data. */
    if (r->had_recovery && seq_lt(s->snd_una, s->recover))
        return;
    r->state = TAPIR__REC_FAST;
    r->had_recovery = true;
    s->recover = s->snd_max;
    tapir__cc_on_congestion_event(&s->cc, flight(s));
    r->rexmit_credit = true;
    r->probe_due = false;
    r->pto_at = TAPIR_INSTANT_NEVER;
    /* A probe's episode ends here: the recovery handles the loss and made the reduction. */
    r->tlp_active = false;
    r->counters.recoveries++;
    s->stats.fast_retransmits++;
}

static void exit_recovery(struct tapir_tcp_socket *s)
{
    struct tapir__tcp_recovery *r = &s->rec;
    if (r->state == TAPIR__REC_FAST)
        tapir__cc_on_recovery_exit(&s->cc);
    r->state = TAPIR__REC_OPEN;
    r->rexmit_credit = false;
    s->dupacks = 0;
    tapir__rack_on_recovery_exit(&r->rack);
}

/* --- What an ACK delivered. --- */

struct delivery {
    struct tapir__rack *rack;
    tapir_instant now;
};

static void delivered(void *ctx, const struct tapir__seg *g)
{
    struct delivery *d = ctx;
    tapir__rack_on_delivered(d->rack, g, d->now);
}

/* Mark SACKED every record the scoreboard now covers, in sequence order (one pass over
 * the records and the ranges together). */
static void mark_sacked(struct tapir_tcp_socket *s, tapir_instant now)
{
    struct tapir__tcp_recovery *r = &s->rec;
    const struct tapir__sack_board *b = &r->sack;
    unsigned ri = 0;
    for (unsigned i = 0; i < r->log.count && ri < b->count; i++) {
        struct tapir__seg *g = tapir__txlog_at(&r->log, i);
        uint32_t end = tapir__seg_end(g);
        while (ri < b->count && seq_le(b->r[ri].end, g->seq))
            ri++;
        if (ri == b->count)
            break;
        if (g->flags & TAPIR__SEG_SACKED)
            continue;
        if (seq_le(b->r[ri].start, g->seq) && seq_le(end, b->r[ri].end)) {
            tapir__txlog_set(&r->log, g, TAPIR__SEG_SACKED);
            tapir__rack_on_delivered(&r->rack, g, now);
        }
    }
}

/* Mark `g` lost (clearing RETRANS: it is due for retransmission again). */
static void mark_lost(struct tapir__tcp_recovery *r, struct tapir__seg *g)
{
    tapir__txlog_clear(&r->log, g, TAPIR__SEG_RETRANS);
    tapir__txlog_set(&r->log, g, TAPIR__SEG_LOST);
}

/* RACK, then RFC 6675 IsLost while RACK has seen no reordering (or alone with
 * cfg.no_rack); arms the reordering timer. Returns the records newly marked. */
static unsigned detect_losses(struct tapir_tcp_socket *s, tapir_instant now)
{
    struct tapir__tcp_recovery *r = &s->rec;
    unsigned marked = 0, marked_rexmit = 0;
    if (!s->cfg.no_rack) {
        tapir_instant reo =
            tapir__rack_reo_wnd(&r->rack, r->state != TAPIR__REC_OPEN, r->log.segs_sacked, srtt(s));
        tapir_instant wait =
            tapir__rack_detect_loss(&r->rack, &r->log, now, reo, &marked, &marked_rexmit);
        r->counters.rack_marked += marked;
        r->counters.lost_rexmits += marked_rexmit;
        r->rack_at = wait > 0 ? now + wait : TAPIR_INSTANT_NEVER;
    }
    if ((!r->rack.reord || s->cfg.no_rack) && r->sack.count > 0) {
        /* IsLost is monotonic (fewer SACKed bytes lie above a higher hole): walk up from
         * the front and stop at the first hole it does not condemn. */
        for (unsigned i = 0; i < r->log.count; i++) {
            struct tapir__seg *g = tapir__txlog_at(&r->log, i);
            if (g->flags & (TAPIR__SEG_SACKED | TAPIR__SEG_LOST))
                continue;
            if (!tapir__sack_is_lost(&r->sack, g->seq, s->mss))
                break;
            mark_lost(r, g);
            r->counters.sack_marked++;
            marked++;
        }
    }
    return marked;
}

/* NewReno (RFC 6582 §3.2) for a connection without SACK. */
static void newreno(struct tapir_tcp_socket *s, bool advanced, uint32_t acked, bool dup)
{
    struct tapir__tcp_recovery *r = &s->rec;
    struct tapir__seg *head = r->log.count ? tapir__txlog_at(&r->log, 0) : NULL;
    if (advanced) {
        s->dupacks = 0;
        if (r->state == TAPIR__REC_FAST && head) {
            /* Step 5, a partial ACK: deflate, and retransmit the first unacknowledged
             * segment at once. */
            tapir__cc_recovery_partial_ack(&s->cc, acked);
            mark_lost(r, head);
            r->rexmit_credit = true;
            r->counters.newreno_marked++;
        }
        return;
    }
    if (!dup || !head)
        return;
    s->dupacks++;
    if (r->state == TAPIR__REC_FAST) {
        tapir__cc_recovery_inflate(&s->cc, s->mss); /* step 4 */
    } else if (r->state == TAPIR__REC_OPEN && s->dupacks == TAPIR__SACK_DUPTHRESH) {
        /* Steps 1-2: the third duplicate; `recover` guards against a second reduction for
         * the same window (enter_recovery() checks it). */
        enter_recovery(s);
        if (r->state == TAPIR__REC_FAST) {
            mark_lost(r, head);
            r->counters.newreno_marked++;
            tapir__cc_recovery_inflate(&s->cc, TAPIR__SACK_DUPTHRESH * (uint32_t)s->mss);
        }
    }
}

/* RFC 8985 §7.4: did the probe repair a loss? */
static void tlp_on_ack(struct tapir_tcp_socket *s, bool advanced, bool pure_dup, bool dsack)
{
    struct tapir__tcp_recovery *r = &s->rec;
    if (!r->tlp_active || seq_lt(s->snd_una, r->tlp_end_seq))
        return;
    if (r->tlp_is_retrans && !dsack) {
        if (advanced && seq_gt(s->snd_una, r->tlp_end_seq)) {
            /* Acknowledged beyond the probe with no D-SACK for it: only the probe arrived,
             * the original was lost and the probe repaired it. Reduce cwnd once, as a
             * recovery would have. An ACK of exactly the probe's end is no verdict yet:
             * it may be the original's, with the probe's D-SACK still to come (as Linux's
             * tcp_process_tlp_ack reads it). */
            if (r->state == TAPIR__REC_OPEN && !tapir__cc_in_recovery(&s->cc)) {
                tapir__cc_on_congestion_event(&s->cc, flight(s));
                tapir__cc_on_recovery_exit(&s->cc);
                r->counters.tlp_recoveries++;
            }
        } else if (!pure_dup) {
            return; /* no verdict yet */
        }
    }
    r->tlp_active = false;
}

/* Arm the probe timeout (RFC 8985 §7.2) when the conditions hold, else disarm it.
 *
 * Unlike RFC 8985 §7.2, which arms the PTO only outside recovery, the PTO also runs during
 * fast recovery, restarted by every ACK and every (re)transmission, so it fires only when
 * the connection falls silent with data outstanding: the retransmission of a hole and
 * everything sent after it lost, or the ACKs for them lost. RACK cannot see such a loss
 * (nothing later is delivered) and without a probe only the RTO ends the silence. Where the
 * round trip is tens of microseconds and the RTO at least 200 ms, that silence costs
 * thousands of round trips; at 5 % loss each way it was most of a transfer's time. The
 * probe follows §7.3 (new data first, else the last segment again), and one probe is
 * outstanding at a time, so a probe that is lost too still ends in an RTO. */
static void arm_pto(struct tapir_tcp_socket *s, tapir_instant now)
{
    struct tapir__tcp_recovery *r = &s->rec;
    if (!s->sack_ok || s->cfg.no_rack || r->state == TAPIR__REC_LOSS || r->tlp_active ||
        r->log.count == 0 || !data_state(s)) {
        r->pto_at = TAPIR_INSTANT_NEVER;
        return;
    }
    /* In recovery the receiver answers at once: a retransmission fills a hole and out-of-
     * order data is acknowledged immediately (RFC 5681 §4.2), so no delayed ACK is waited
     * for. */
    bool one = r->state == TAPIR__REC_OPEN && r->log.bytes - r->log.sacked <= s->mss;
    r->pto_at = tapir__tlp_pto_at(now, srtt(s), one, s->rto_at);
}

void tapir__tcp_rec_on_ack(struct tapir_tcp_socket *s, tapir_instant now,
                           const struct tapir_tcp_repr *seg, uint32_t prior_una, bool dup)
{
    struct tapir__tcp_recovery *r = &s->rec;
    uint32_t una = s->snd_una;
    bool advanced = seq_gt(una, prior_una);

    /* What the ACK delivered: cumulatively, then selectively (in sequence order, as RACK's
     * reordering detection wants). */
    struct delivery d = {&r->rack, now};
    tapir__txlog_ack(&r->log, una, delivered, &d);
    tapir__sack_board_advance(&r->sack, una);
    tapir__rack_on_ack(&r->rack, una);
    struct tapir__sack_update u;
    memset(&u, 0, sizeof u);
    if (s->sack_ok && seg->sack_count > 0) {
        tapir__sack_board_update(&r->sack, seg->sack, seg->sack_count, seg->ack, una, s->snd_max,
                                 &u);
        if (u.newly_sacked > 0)
            mark_sacked(s, now);
        if (u.dsack) {
            r->counters.dsacks++;
            tapir__rack_on_dsack(&r->rack, una, s->snd_max);
        }
        r->counters.sack_invalid += u.invalid;
    }

    tlp_on_ack(s, advanced, dup && u.newly_sacked == 0, u.dsack);

    if (r->state != TAPIR__REC_OPEN && seq_ge(una, s->recover))
        exit_recovery(s);

    if (s->sack_ok) {
        if (detect_losses(s, now) > 0)
            enter_recovery(s);
    } else {
        newreno(s, advanced, una - prior_una, dup);
    }
    if (advanced || r->pto_at == TAPIR_INSTANT_NEVER || r->state == TAPIR__REC_FAST)
        arm_pto(s, now);
}

void tapir__tcp_rec_on_rto(struct tapir_tcp_socket *s, tapir_instant now)
{
    struct tapir__tcp_recovery *r = &s->rec;
    /* RFC 2018 §8: the data at SND.UNA was SACKED yet never acknowledged: the peer dropped
     * what it had reported. Forget every SACK. */
    if (r->log.count > 0 && (tapir__txlog_at(&r->log, 0)->flags & TAPIR__SEG_SACKED)) {
        tapir__sack_board_init(&r->sack);
        for (unsigned i = 0; i < r->log.count; i++)
            tapir__txlog_clear(&r->log, tapir__txlog_at(&r->log, i), TAPIR__SEG_SACKED);
        r->counters.reneged++;
    }
    /* RFC 8985 §6.3: the first record was sent an RTO ago; the others are lost if older than
     * RACK.rtt + reo_wnd (all of them before RACK has a sample). */
    tapir_instant reo = tapir__rack_reo_wnd(&r->rack, true, r->log.segs_sacked, srtt(s));
    for (unsigned i = 0; i < r->log.count; i++) {
        struct tapir__seg *g = tapir__txlog_at(&r->log, i);
        if (g->flags & TAPIR__SEG_SACKED)
            continue;
        if (i == 0 || !r->rack.has_seg || now - g->xmit_us >= r->rack.rtt_us + reo)
            mark_lost(r, g);
    }
    r->state = TAPIR__REC_LOSS;
    r->had_recovery = true;
    s->recover = s->snd_max;
    s->dupacks = 0;
    r->rexmit_credit = true; /* RFC 6298 §5.4: the first one goes at once */
    r->probe_due = false;
    r->tlp_active = false;
    r->pto_at = r->rack_at = TAPIR_INSTANT_NEVER;
    s->rtt_active = false;
}

void tapir__tcp_rec_timers(struct tapir_tcp_socket *s, tapir_instant now)
{
    struct tapir__tcp_recovery *r = &s->rec;
    if (!data_state(s)) {
        r->rack_at = r->pto_at = TAPIR_INSTANT_NEVER;
        return;
    }
    if (r->rack_at <= now) {
        r->rack_at = TAPIR_INSTANT_NEVER;
        if (s->sack_ok && detect_losses(s, now) > 0)
            enter_recovery(s);
    }
    if (r->pto_at <= now) {
        r->pto_at = TAPIR_INSTANT_NEVER;
        if (s->sack_ok && r->state != TAPIR__REC_LOSS && !r->tlp_active && r->log.count > 0)
            r->probe_due = true;
    }
}

/* --- What to send. --- */

const struct tapir__seg *tapir__tcp_rec_next(const struct tapir_tcp_socket *s, bool probe)
{
    const struct tapir__tcp_recovery *r = &s->rec;
    if (probe)
        return r->probe_due && r->log.count > 0 ? tapir__txlog_cat(&r->log, r->log.count - 1)
                                                : NULL;
    if (r->log.lost == r->log.retrans)
        return NULL; /* every lost record has its retransmission in flight */
    uint32_t cwnd = tapir__cc_cwnd(&s->cc), pipe = tapir__txlog_pipe(&r->log);
    uint32_t room = cwnd > pipe ? cwnd - pipe : 0;
    for (unsigned i = 0; i < r->log.count; i++) {
        const struct tapir__seg *g = tapir__txlog_cat(&r->log, i);
        if ((g->flags & (TAPIR__SEG_LOST | TAPIR__SEG_RETRANS)) != TAPIR__SEG_LOST)
            continue;
        if (r->rexmit_credit || room >= tapir__seg_size(g))
            return g;
        return NULL; /* in order: nothing beyond the first hole goes before it */
    }
    return NULL;
}

uint32_t tapir__tcp_rec_send_room(const struct tapir_tcp_socket *s, size_t unsent)
{
    const struct tapir__tcp_recovery *r = &s->rec;
    if (tapir__txlog_full(&r->log))
        return 0;
    uint32_t sent = flight(s);
    uint32_t wroom = s->snd_wnd > sent ? s->snd_wnd - sent : 0;
    uint32_t cwnd = tapir__cc_cwnd(&s->cc), pipe = tapir__txlog_pipe(&r->log);
    uint32_t croom = cwnd > pipe ? cwnd - pipe : 0;
    if (croom < s->mss && croom < unsent)
        croom = 0;
    return wroom < croom ? wroom : croom;
}

/* Find the record that starts at `seq` (binary search: the records are in sequence
 * order). */
static struct tapir__seg *find(struct tapir__tcp_recovery *r, uint32_t seq)
{
    unsigned lo = 0, hi = r->log.count;
    while (lo < hi) {
        unsigned mid = lo + (hi - lo) / 2;
        struct tapir__seg *g = tapir__txlog_at(&r->log, mid);
        if (g->seq == seq)
            return g;
        if (seq_lt(g->seq, seq))
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

void tapir__tcp_rec_sent(struct tapir_tcp_socket *s, tapir_instant now, uint32_t seq, uint32_t len,
                         bool fin, bool rexmit)
{
    struct tapir__tcp_recovery *r = &s->rec;
    bool probe = r->probe_due;
    if (rexmit) {
        struct tapir__seg *g = find(r, seq);
        if (g)
            tapir__txlog_retransmitted(&r->log, g, now);
        r->rexmit_credit = false;
        s->rtt_active = false; /* Karn: the timed segment may be this one */
    } else {
        tapir__txlog_append(&r->log, seq, (uint16_t)len, fin, now);
    }
    if (probe) {
        r->probe_due = false;
        r->tlp_active = true;
        /* A probe sent in recovery never draws a reduction of its own (the recovery made
         * one): it is judged like a probe of new data. */
        r->tlp_is_retrans = rexmit && r->state == TAPIR__REC_OPEN;
        r->tlp_end_seq = seq + len + (fin ? 1u : 0u);
        r->counters.tlp_probes++;
        /* RFC 8985 §7.3: after the probe, the RTO guards the flight. */
        s->rto_at = now + tapir__rto_current(&s->rto);
        r->pto_at = TAPIR_INSTANT_NEVER;
    } else if (!rexmit || r->state == TAPIR__REC_FAST) {
        arm_pto(s, now);
    }
}

void tapir__tcp_rec_ack_sent(struct tapir_tcp_socket *s, bool owed_only)
{
    if (owed_only && s->rec.dupacks_owed > 0)
        s->rec.dupacks_owed--;
}

tapir_instant tapir__tcp_rec_poll_at(const struct tapir_tcp_socket *s)
{
    const struct tapir__tcp_recovery *r = &s->rec;
    if (s->state == TAPIR_TCP_CLOSED || s->state == TAPIR_TCP_LISTEN)
        return TAPIR_INSTANT_NEVER;
    if (r->dupacks_owed > 0 && s->state != TAPIR_TCP_SYN_SENT)
        return 0;
    if (!data_state(s))
        return TAPIR_INSTANT_NEVER;
    if (tapir__tcp_rec_next(s, false) || (r->probe_due && r->log.count > 0))
        return 0;
    return r->rack_at < r->pto_at ? r->rack_at : r->pto_at;
}
