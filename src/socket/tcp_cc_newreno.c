/* NewReno congestion control: RFC 5681's congestion avoidance and ssthresh. Slow start,
 * timeouts and the recovery window (RFC 6582) are common to every algorithm (tcp_cc.c);
 * RFC 6582's partial/full ACK logic is the socket's.
 */
#include "tapir/priv/tcp_cc.h"

static void newreno_init(struct tapir__cc *cc)
{
    cc->u.newreno.bytes_acked = 0;
}

/* RFC 5681 §3.1, the byte-counting form of congestion avoidance: count the bytes
 * acknowledged, and each time they reach cwnd, take cwnd off the count and add 1 SMSS.
 * A flow that gets a full window acknowledged per RTT grows by exactly 1 SMSS per RTT,
 * whatever the ACK pattern (delayed or stretch ACKs). */
static void newreno_cong_avoid(struct tapir__cc *cc, uint32_t bytes_acked, tapir_instant now,
                               tapir_instant rtt_us)
{
    (void)now;
    (void)rtt_us;
    uint64_t count = (uint64_t)cc->u.newreno.bytes_acked + bytes_acked;
    uint64_t steps = count / cc->cwnd;
    cc->u.newreno.bytes_acked = (uint32_t)(count % cc->cwnd);
    uint64_t cwnd = cc->cwnd + steps * cc->mss;
    cc->cwnd = cwnd > TAPIR__CC_CWND_MAX ? TAPIR__CC_CWND_MAX : (uint32_t)cwnd;
}

/* RFC 5681 §3.1 eq. 4 (timeout) and §3.2 step 2 (fast retransmit):
 * ssthresh = max(FlightSize / 2, 2 * SMSS). */
static uint32_t newreno_ssthresh(struct tapir__cc *cc, uint32_t in_flight)
{
    cc->u.newreno.bytes_acked = 0;
    uint32_t half = in_flight / 2;
    return half > 2 * cc->mss ? half : 2 * cc->mss;
}

static void newreno_on_rto(struct tapir__cc *cc)
{
    cc->u.newreno.bytes_acked = 0;
}

const struct tapir__cc_ops tapir__cc_newreno_ops = {
    .name = "newreno",
    .init = newreno_init,
    .cong_avoid = newreno_cong_avoid,
    .ssthresh = newreno_ssthresh,
    .on_rto = newreno_on_rto,
};
