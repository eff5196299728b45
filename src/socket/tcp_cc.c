/* TCP congestion control: the part common to every algorithm (RFC 5681, RFC 6928,
 * RFC 3465, RFC 6582's window arithmetic). The algorithms are in tcp_cc_newreno.c and
 * tcp_cc_cubic.c; include/tapir/priv/tcp_cc.h documents the behaviour and the contract
 * with the socket.
 */
#include "tapir/priv/tcp_cc.h"

#include "tapir/error.h"

/* RFC 6928 §2: IW = min(10 * MSS, max(2 * MSS, 14600)). */
#define IW_SEGMENTS 10u
#define IW_BYTES    14600u

static uint32_t min_u32(uint32_t a, uint32_t b)
{
    return a < b ? a : b;
}

/* cwnd + n, capped at TAPIR__CC_CWND_MAX. */
static uint32_t grow(uint32_t cwnd, uint64_t n)
{
    uint64_t v = (uint64_t)cwnd + n;
    return v > TAPIR__CC_CWND_MAX ? TAPIR__CC_CWND_MAX : (uint32_t)v;
}

int tapir__cc_init(struct tapir__cc *cc, enum tapir__cc_algo algo, uint32_t mss)
{
    const struct tapir__cc_ops *ops;
    switch (algo) {
    case TAPIR__CC_CUBIC:
        ops = &tapir__cc_cubic_ops;
        break;
    case TAPIR__CC_NEWRENO:
        ops = &tapir__cc_newreno_ops;
        break;
    default:
        return TAPIR_EINVAL;
    }
    if (mss == 0 || mss > TAPIR__CC_MSS_MAX)
        return TAPIR_EINVAL;

    *cc = (struct tapir__cc){.ops = ops, .algo = algo, .mss = mss};
    uint32_t two = 2 * mss;
    cc->iw = min_u32(IW_SEGMENTS * mss, two > IW_BYTES ? two : IW_BYTES);
    cc->cwnd = cc->iw;
    cc->ssthresh = UINT32_MAX; /* RFC 5681 §3.1: "arbitrarily high" */
    if (ops->init)
        ops->init(cc);
    return 0;
}

void tapir__cc_on_ack(struct tapir__cc *cc, uint32_t bytes_acked, tapir_instant now,
                      tapir_instant rtt_us, uint32_t in_flight)
{
    if (bytes_acked == 0)
        return;
    /* New data arrived: a later timeout is a new loss episode (RFC 5681 §3.1). */
    cc->rto_pending = false;
    /* In recovery the window belongs to RFC 6582's arithmetic (the inflate/deflate calls). */
    if (cc->in_recovery)
        return;
    /* Not cwnd-limited (RFC 7661 §4.1's half-window threshold): no growth. */
    if (2 * (uint64_t)in_flight < cc->cwnd) {
        if (cc->ops->app_limited)
            cc->ops->app_limited(cc, now);
        return;
    }

    uint32_t acked = bytes_acked;
    if (cc->cwnd < cc->ssthresh) {
        /* Slow start with appropriate byte counting (RFC 5681 §3.1, RFC 3465 §2.3 after a
         * timeout; tcp_cc.h on why there is no cap otherwise). */
        uint32_t inc = cc->after_rto ? min_u32(acked, cc->mss) : acked;
        uint32_t room = cc->ssthresh - cc->cwnd;
        if (inc < room) {
            cc->cwnd = grow(cc->cwnd, inc);
            return;
        }
        /* ssthresh reached: the rest of this ACK counts in congestion avoidance. */
        cc->cwnd = cc->ssthresh;
        cc->after_rto = false;
        acked -= room;
        if (acked == 0)
            return;
    }
    if (rtt_us < 0)
        rtt_us = 0;
    cc->ops->cong_avoid(cc, acked, now, rtt_us);
    if (cc->cwnd > TAPIR__CC_CWND_MAX)
        cc->cwnd = TAPIR__CC_CWND_MAX;
}

bool tapir__cc_on_congestion_event(struct tapir__cc *cc, uint32_t in_flight)
{
    if (cc->in_recovery)
        return false;
    cc->ssthresh = cc->ops->ssthresh(cc, in_flight);
    cc->cwnd = min_u32(cc->ssthresh, TAPIR__CC_CWND_MAX);
    cc->in_recovery = true;
    cc->after_rto = false;
    cc->congestion_events++;
    return true;
}

void tapir__cc_recovery_inflate(struct tapir__cc *cc, uint32_t bytes)
{
    if (cc->in_recovery)
        cc->cwnd = grow(cc->cwnd, bytes);
}

void tapir__cc_recovery_partial_ack(struct tapir__cc *cc, uint32_t bytes_acked)
{
    if (!cc->in_recovery)
        return;
    uint32_t cwnd = cc->cwnd > bytes_acked ? cc->cwnd - bytes_acked : 0;
    if (bytes_acked >= cc->mss)
        cwnd = grow(cwnd, cc->mss);
    cc->cwnd = cwnd < cc->mss ? cc->mss : cwnd;
}

void tapir__cc_on_recovery_exit(struct tapir__cc *cc)
{
    if (!cc->in_recovery)
        return;
    cc->in_recovery = false;
    cc->cwnd = cc->ssthresh;
}

void tapir__cc_on_rto(struct tapir__cc *cc, uint32_t in_flight)
{
    if (!cc->rto_pending && !cc->in_recovery)
        cc->ssthresh = cc->ops->ssthresh(cc, in_flight);
    cc->cwnd = cc->mss; /* the loss window, LW = 1 SMSS */
    cc->in_recovery = false;
    cc->rto_pending = true;
    cc->after_rto = true;
    cc->timeouts++;
    if (cc->ops->on_rto)
        cc->ops->on_rto(cc);
}

void tapir__cc_after_idle(struct tapir__cc *cc, tapir_instant idle_us, tapir_instant rto_us)
{
    if (idle_us <= 0)
        return;
    bool restarted = false;
    if (idle_us > rto_us && cc->cwnd > cc->iw) {
        cc->cwnd = cc->iw; /* RFC 5681 §4.1: RW = min(IW, cwnd) */
        restarted = true;
    }
    if (cc->ops->after_idle)
        cc->ops->after_idle(cc, idle_us, restarted);
}

uint32_t tapir__cc_cwnd(const struct tapir__cc *cc)
{
    return cc->cwnd;
}

uint32_t tapir__cc_ssthresh(const struct tapir__cc *cc)
{
    return cc->ssthresh;
}

bool tapir__cc_in_recovery(const struct tapir__cc *cc)
{
    return cc->in_recovery;
}

bool tapir__cc_in_slow_start(const struct tapir__cc *cc)
{
    return cc->cwnd < cc->ssthresh;
}

const char *tapir__cc_name(const struct tapir__cc *cc)
{
    return cc->ops->name;
}
