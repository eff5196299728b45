/* The TCP retransmission timeout estimator (RFC 6298, RFC 7323 Appendix G).
 *
 * The gains alpha = 1/8 and beta = 1/4 (RFC 6298 §2.3), divided by N for timestamp
 * samples (RFC 7323 Appendix G), are applied as exact fractions in 64-bit integers:
 *     RTTVAR = ((4N - 1) RTTVAR + |SRTT - R'|) / 4N
 *     SRTT   = ((8N - 1) SRTT   + R')          / 8N
 * which for N = 1 are the RFC's 3/4, 1/4 and 7/8, 1/8. Samples are bounded by the maximum
 * RTO (at most one day, 2^37 us) and N by 2^16, so no product reaches 2^57.
 */
#include <limits.h>

#include "tapir/priv/tcp_rto.h"

#include "tapir/error.h"

#define K_RTTVAR 4 /* RFC 6298 §2.2 */

static tapir_instant clamp(const struct tapir__rto *r, tapir_instant v)
{
    if (v < r->min_us)
        return r->min_us;
    if (v > r->max_us)
        return r->max_us;
    return v;
}

/* RFC 6298 §2.2/§2.3: RTO = SRTT + max(G, K * RTTVAR), then §2.4/§2.5's bounds. */
static void recompute(struct tapir__rto *r)
{
    tapir_instant var = K_RTTVAR * r->rttvar_us;
    if (var < r->granularity_us)
        var = r->granularity_us;
    r->base_us = clamp(r, r->srtt_us + var);
    r->current_us = r->base_us;
    r->backoffs = 0;
}

void tapir__rto_init(struct tapir__rto *r, tapir_instant min_rto_us, tapir_instant max_rto_us,
                     tapir_instant granularity_us)
{
    r->min_us = min_rto_us > 0 ? min_rto_us : TAPIR__RTO_MIN_DEFAULT_US;
    r->max_us = max_rto_us > 0 ? max_rto_us : TAPIR__RTO_MAX_DEFAULT_US;
    if (r->max_us > TAPIR__RTO_MAX_LIMIT_US)
        r->max_us = TAPIR__RTO_MAX_LIMIT_US;
    if (r->min_us > r->max_us)
        r->min_us = r->max_us;
    r->granularity_us = granularity_us > 0 ? granularity_us : TAPIR__RTO_GRANULARITY_DEFAULT_US;
    r->srtt_us = 0;
    r->rttvar_us = 0;
    r->has_sample = false;
    r->base_us = clamp(r, TAPIR__RTO_INITIAL_US);
    r->current_us = r->base_us;
    r->backoffs = 0;
}

int tapir__rto_sample_ts(struct tapir__rto *r, tapir_instant rtt_us, uint32_t expected_samples)
{
    if (rtt_us < 0)
        return TAPIR_EINVAL;
    if (rtt_us > r->max_us)
        rtt_us = r->max_us;
    if (!r->has_sample) {
        /* RFC 6298 §2.2 */
        r->srtt_us = rtt_us;
        r->rttvar_us = rtt_us / 2;
        r->has_sample = true;
    } else {
        /* RFC 6298 §2.3 (with RFC 7323 Appendix G's alpha' and beta'): RTTVAR is updated
         * first, from the SRTT before this sample. */
        tapir_instant n = expected_samples == 0 ? 1 : (tapir_instant)expected_samples;
        if (n > (tapir_instant)TAPIR__RTO_MAX_EXPECTED_SAMPLES)
            n = TAPIR__RTO_MAX_EXPECTED_SAMPLES;
        tapir_instant delta = r->srtt_us > rtt_us ? r->srtt_us - rtt_us : rtt_us - r->srtt_us;
        r->rttvar_us = ((4 * n - 1) * r->rttvar_us + delta) / (4 * n);
        r->srtt_us = ((8 * n - 1) * r->srtt_us + rtt_us) / (8 * n);
    }
    recompute(r);
    return 0;
}

int tapir__rto_sample(struct tapir__rto *r, tapir_instant rtt_us)
{
    return tapir__rto_sample_ts(r, rtt_us, 1);
}

uint32_t tapir__rto_expected_samples(uint64_t flight_size, uint32_t smss)
{
    if (smss == 0)
        return 1;
    uint64_t per = 2 * (uint64_t)smss;
    uint64_t n = (flight_size + per - 1) / per;
    if (n < 1)
        return 1;
    if (n > TAPIR__RTO_MAX_EXPECTED_SAMPLES)
        return TAPIR__RTO_MAX_EXPECTED_SAMPLES;
    return (uint32_t)n;
}

tapir_instant tapir__rto_current(const struct tapir__rto *r)
{
    return r->current_us;
}

void tapir__rto_backoff(struct tapir__rto *r)
{
    /* RFC 6298 §5.5; current_us <= max_us <= 2^37, so doubling cannot overflow. */
    tapir_instant next = 2 * r->current_us;
    r->current_us = next > r->max_us ? r->max_us : next;
    if (r->backoffs < UINT_MAX)
        r->backoffs++;
}

void tapir__rto_syn_fallback(struct tapir__rto *r)
{
    if (r->base_us < TAPIR__RTO_SYN_FALLBACK_US)
        r->base_us =
            TAPIR__RTO_SYN_FALLBACK_US > r->max_us ? r->max_us : TAPIR__RTO_SYN_FALLBACK_US;
    r->current_us = r->base_us;
    r->backoffs = 0;
}

tapir_instant tapir__rto_srtt(const struct tapir__rto *r)
{
    return r->has_sample ? r->srtt_us : 0;
}
