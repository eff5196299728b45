/* TCP sockets, the rest of the public API: zero-copy receive and send over the byte rings
 * (include/tapir/priv/ring.h), statistics with the live estimators, and the
 * per-connection trace. */
#include <string.h>

#include "tapir/text.h"
#include "tcp_internal.h"

static int clip_int(size_t n)
{
    return (int)(n > (size_t)INT32_MAX ? INT32_MAX : n);
}

/* What a read that found nothing returns, as tapir_tcp_recv() does. */
static int nothing_to_read(const struct tapir_tcp_socket *s)
{
    if (s->fin_received)
        return 0;
    if (s->error)
        return s->error;
    if (s->state == TAPIR_TCP_CLOSED)
        return TAPIR_EINVAL;
    return TAPIR_EAGAIN;
}

int tapir_tcp_peek(const struct tapir_tcp_socket *s, struct tapir_tcp_spans *out)
{
    memset(out, 0, sizeof *out);
    size_t len = tapir__byte_ring_len(&s->rx);
    if (len == 0)
        return nothing_to_read(s);
    struct tapir__ring_span spans[2];
    out->count = tapir__byte_ring_readable_spans(&s->rx, 0, len, spans);
    for (unsigned i = 0; i < out->count; i++) {
        out->span[i].data = spans[i].data;
        out->span[i].len = spans[i].len;
    }
    return clip_int(len);
}

int tapir_tcp_consume(struct tapir_tcp_socket *s, size_t n)
{
    size_t done = tapir__byte_ring_consume(&s->rx, n);
    if (done > 0) {
        /* Reading opens the window: as tapir_tcp_recv(), tell the peer when that is worth
         * an update of its own (RFC 9293 §3.8.6.2.2, tcp_timers.c). */
        if (tapir__tcp_window_update_due(s))
            s->ack_now = true;
    }
    return clip_int(done);
}

int tapir_tcp_send_reserve(struct tapir_tcp_socket *s, struct tapir_tcp_wspans *out)
{
    memset(out, 0, sizeof *out);
    if (!tapir__tcp_can_queue(s))
        return s->error ? s->error : TAPIR_EINVAL;
    size_t room = tapir__byte_ring_free(&s->tx);
    struct tapir__ring_wspan spans[2];
    out->count = tapir__byte_ring_writable_spans(&s->tx, 0, room, spans);
    for (unsigned i = 0; i < out->count; i++) {
        out->span[i].data = spans[i].data;
        out->span[i].len = spans[i].len;
    }
    return clip_int(room);
}

int tapir_tcp_send_commit(struct tapir_tcp_socket *s, size_t n)
{
    if (!tapir__tcp_can_queue(s))
        return s->error ? s->error : TAPIR_EINVAL;
    return clip_int(tapir__byte_ring_commit(&s->tx, n));
}

void tapir_tcp_get_stats(const struct tapir_tcp_socket *s, struct tapir_tcp_stats *out)
{
    *out = s->stats;
    out->srtt_us = (uint64_t)tapir__rto_srtt(&s->rto);
    out->rttvar_us = s->rto.has_sample ? (uint64_t)s->rto.rttvar_us : 0;
    out->rto_us = (uint64_t)tapir__rto_current(&s->rto);
    out->cwnd = tapir__cc_cwnd(&s->cc);
    out->ssthresh = tapir__cc_ssthresh(&s->cc);
}

void tapir__tcp_trace_ack(const struct tapir_tcp_socket *s, tapir_instant now,
                          const struct tapir_tcp_repr *seg)
{
    if (!s->cfg.trace)
        return;
    struct tapir_tcp_trace_point p;
    memset(&p, 0, sizeof p);
    p.socket = s;
    p.time_us = now;
    p.cwnd = tapir__cc_cwnd(&s->cc);
    p.ssthresh = tapir__cc_ssthresh(&s->cc);
    p.srtt_us = (uint64_t)tapir__rto_srtt(&s->rto);
    p.rttvar_us = s->rto.has_sample ? (uint64_t)s->rto.rttvar_us : 0;
    p.rto_us = (uint64_t)tapir__rto_current(&s->rto);
    p.in_flight = s->snd_max - s->snd_una;
    p.snd_una = s->snd_una;
    p.snd_wnd = s->snd_wnd;
    p.ack = seg->ack;
    s->cfg.trace(s->cfg.trace_ctx, &p);
}

static int text_result(const struct tapir_text *t)
{
    return clip_int(t->len);
}

int tapir_tcp_trace_csv_header(char *buf, size_t cap)
{
    struct tapir_text t;
    tapir_text_init(&t, buf, cap);
    tapir_text_puts(&t, "time_us,cwnd,ssthresh,srtt_us,rttvar_us,rto_us,in_flight,snd_una,"
                        "snd_wnd,ack\n");
    return text_result(&t);
}

int tapir_tcp_trace_csv(const struct tapir_tcp_trace_point *p, char *buf, size_t cap)
{
    struct tapir_text t;
    tapir_text_init(&t, buf, cap);
    tapir_text_printf(&t, "%lld,%lu,%lu,%llu,%llu,%llu,%lu,%lu,%lu,%lu\n", (long long)p->time_us,
                      (unsigned long)p->cwnd, (unsigned long)p->ssthresh,
                      (unsigned long long)p->srtt_us, (unsigned long long)p->rttvar_us,
                      (unsigned long long)p->rto_us, (unsigned long)p->in_flight,
                      (unsigned long)p->snd_una, (unsigned long)p->snd_wnd, (unsigned long)p->ack);
    return text_result(&t);
}
