/* Connection lifetime rules beside RFC 9293's state machine: the retransmission timeout
 * once data flows after a handshake that timed out (RFC 6298 §5.7), the orphaned
 * FIN-WAIT-2 timeout, and the error a connection reports when the peer stopped answering.
 * tcp_output.c calls in before its timers at each dispatch.
 *
 * RFC 6298 §5.7: "If the timer expires awaiting the ACK of a SYN segment and the TCP
 * implementation is using an RTO less than 3 seconds, the RTO MUST be re-initialized to
 * 3 seconds when data transmission begins (i.e., after the three-way handshake
 * completes)." A SYN that needed the timer says the path may be slower than the 1 s
 * initial RTO assumed; 3 s is the old initial value (Appendix A). We apply it at the
 * first dispatch in a synchronized state, after the handshake's last segment has been
 * taken, so the sample that segment may carry (a timestamp echo, RFC 7323 §4) still feeds
 * SRTT and RTTVAR but does not lift the 3 s; the first sample from data recomputes the RTO
 * from them (tapir__rto_sample(), tapir/priv/tcp_rto.h). Linux falls back only when the
 * handshake gave no sample at all (tcp_init_transfer, TCP_TIMEOUT_FALLBACK); the RFC makes
 * no such exception, and the cost of following it is one 3 s timer should the first data
 * segment be lost.
 *
 * Orphans. tapir_tcp_close() says the application is done: nothing more will be read.
 * In FIN-WAIT-2 the connection then only waits for the peer's FIN, which a peer that
 * crashed, or that never closes, will never send; RFC 9293 sets no limit (the state may
 * legitimately last as long as the peer sends), so, as every stack does (Linux's
 * tcp_fin_timeout, 60 s; the BSDs' tcp_finwait2_timeout), a closed connection gets
 * cfg.fin_wait2_timeout_us and is then dropped without a segment (as Linux's FIN-WAIT-2
 * timewait socket expires). A half-closed connection (tapir_tcp_shutdown() alone) is still
 * read by the application and is never timed out here.
 */
#include "tcp_internal.h"

void tapir__tcp_lifecycle_setup(struct tapir_tcp_socket *s)
{
    s->syn_timed_out = false;
    s->orphan = false;
    s->fin_wait2_at = TAPIR_INSTANT_NEVER;
    s->soft_error = 0;
}

static bool fin_wait2_watched(const struct tapir_tcp_socket *s)
{
    return s->orphan && s->state == TAPIR_TCP_FIN_WAIT_2 && s->cfg.fin_wait2_timeout_us > 0;
}

void tapir__tcp_lifecycle_run(struct tapir_tcp_socket *s, tapir_instant now)
{
    if (s->syn_timed_out && s->state >= TAPIR_TCP_ESTABLISHED) {
        s->syn_timed_out = false;
        tapir__rto_syn_fallback(&s->rto);
    }
    if (!fin_wait2_watched(s))
        return;
    /* Armed at the first dispatch in FIN-WAIT-2 after close(): the instant the state was
     * reached (the dispatch follows the input that reached it), or of the close() call. */
    if (s->fin_wait2_at == TAPIR_INSTANT_NEVER) {
        s->fin_wait2_at = now + s->cfg.fin_wait2_timeout_us;
        return;
    }
    if (s->fin_wait2_at > now)
        return;
    s->stats.fin_wait2_timeouts++;
    s->error = TAPIR_ETIMEDOUT;
    tapir__tcp_set_state(s, TAPIR_TCP_CLOSED);
}

tapir_instant tapir__tcp_lifecycle_poll_at(const struct tapir_tcp_socket *s)
{
    if (!fin_wait2_watched(s))
        return TAPIR_INSTANT_NEVER;
    return s->fin_wait2_at == TAPIR_INSTANT_NEVER ? 0 : s->fin_wait2_at;
}

int tapir__tcp_timeout_error(const struct tapir_tcp_socket *s)
{
    return s->soft_error ? s->soft_error : TAPIR_ETIMEDOUT;
}
