/* Internal: how the interface drives TCP sockets, and what the TCP files share. */
#ifndef TAPIR_SOCKET_TCP_INTERNAL_H
#define TAPIR_SOCKET_TCP_INTERNAL_H

#include "tapir/error.h"
#include "tapir/priv/siphash.h"
#include "tapir/socket/tcp.h"
#include "tapir/wire/tcp.h"

/* Sequence-number comparisons modulo 2^32 (RFC 9293 §3.4). */
static inline bool seq_lt(uint32_t a, uint32_t b)
{
    return (int32_t)(a - b) < 0;
}
static inline bool seq_le(uint32_t a, uint32_t b)
{
    return (int32_t)(a - b) <= 0;
}
static inline bool seq_gt(uint32_t a, uint32_t b)
{
    return (int32_t)(a - b) > 0;
}
static inline bool seq_ge(uint32_t a, uint32_t b)
{
    return (int32_t)(a - b) >= 0;
}

/* What the interface gives a socket along with a segment. */
struct tapir__tcp_out;
struct tapir__tcp_env {
    uint32_t isn; /* an initial sequence number, should the segment open a connection */
    unsigned mtu; /* the interface's */
    /* Scale/API (all may be NULL: no SYN cookies, no reply, no child reported). */
    const struct tapir__siphash_key *key; /* the interface's TCP secret, for SYN cookies */
    struct tapir__tcp_out *reply;         /* a listener's stateless reply (TAPIR__TCP_REPLY) */
    struct tapir_tcp_socket **child;      /* set to the child a listener's input set up */
};

/* A segment a socket wants sent: endpoints and the TCP repr (its payload points into the
 * buffer the interface passed to dispatch). */
struct tapir__tcp_out {
    struct tapir_ip_addr src, dst;
    struct tapir_tcp_repr tcp;
    /* Offload: a super-segment (payload over one MSS, allowed by the socket's gso_max)
     * carries the MSS here, the size of the segments the device cuts it into; else 0. */
    uint16_t gso_size;
};

/* Input results. */
#define TAPIR__TCP_TAKEN  0
#define TAPIR__TCP_REJECT 1 /* answer with the RST of RFC 9293 §3.10.7.1 */
#define TAPIR__TCP_REPLY  2 /* send env->reply now (a SYN cookie SYN-ACK) */

/* Does this connected socket own the 4-tuple? */
bool tapir__tcp_matches(const struct tapir_tcp_socket *s, const struct tapir_ip_addr *src,
                        uint16_t sport, const struct tapir_ip_addr *dst, uint16_t dport);
/* Does this listening socket listen on dst:dport? */
bool tapir__tcp_listens(const struct tapir_tcp_socket *s, const struct tapir_ip_addr *dst,
                        uint16_t dport);

/* Process one segment (already checksum-verified) of this socket. */
int tapir__tcp_input(struct tapir_tcp_socket *s, tapir_instant now, const struct tapir_ip_addr *src,
                     const struct tapir_ip_addr *dst, const struct tapir_tcp_repr *seg,
                     const struct tapir__tcp_env *env);

/* Run the timers and produce the next segment to send into `out` (payload copied into
 * `buf`). Returns 1 when there is one, 0 when nothing is due. */
int tapir__tcp_dispatch(struct tapir_tcp_socket *s, tapir_instant now, struct tapir__tcp_out *out,
                        uint8_t *buf, size_t cap);

/* The next instant a timer of this socket fires, or TAPIR_INSTANT_NEVER. */
tapir_instant tapir__tcp_poll_at(const struct tapir_tcp_socket *s);

/* The reset that answers a segment no connection takes (RFC 9293 §3.10.7.1): false when
 * the segment is itself a RST (never answered). */
bool tapir__tcp_reset_for(const struct tapir_tcp_repr *seg, struct tapir_tcp_repr *rst);

/* Shared by the TCP files. */
/* The states in which send() takes more data. */
bool tapir__tcp_can_queue(const struct tapir_tcp_socket *s);
/* A backlog socket free for a new connection, or NULL. */
struct tapir_tcp_socket *tapir__tcp_free_child(const struct tapir_tcp_socket *listener);
/* Make `c` the listener's child for the connection `seg` opens (src/dst its addresses):
 * endpoints, configuration, fresh buffers and per-connection set-up. The caller then sets
 * the sequence numbers (from the SYN, or from a SYN cookie). */
void tapir__tcp_adopt_child(struct tapir_tcp_socket *listener, struct tapir_tcp_socket *c,
                            const struct tapir_ip_addr *src, const struct tapir_ip_addr *dst,
                            const struct tapir_tcp_repr *seg, unsigned mtu);
void tapir__tcp_set_state(struct tapir_tcp_socket *s, enum tapir_tcp_state state);
void tapir__tcp_setup_connection(struct tapir_tcp_socket *s, unsigned mtu);
uint32_t tapir__tcp_ts_now(const struct tapir_tcp_socket *s, tapir_instant now);
/* Scale/API (tcp_cookie.c, tcp_api.c). A listener with no free backlog socket answers a
 * SYN with a cookie SYN-ACK in env->reply (TAPIR__TCP_REPLY; TAPIR__TCP_TAKEN, dropped,
 * without env->key or env->reply). */
int tapir__tcp_cookie_syn(struct tapir_tcp_socket *listener, tapir_instant now,
                          const struct tapir_ip_addr *src, const struct tapir_ip_addr *dst,
                          const struct tapir_tcp_repr *seg, const struct tapir__tcp_env *env);
/* An ACK that reached a listener: a valid cookie sets up an established child from a free
 * backlog socket (TAPIR__TCP_TAKEN; also when no socket is free, the ACK then dropped);
 * anything else is TAPIR__TCP_REJECT (a RST answers it). */
int tapir__tcp_cookie_ack(struct tapir_tcp_socket *listener, tapir_instant now,
                          const struct tapir_ip_addr *src, const struct tapir_ip_addr *dst,
                          const struct tapir_tcp_repr *seg, const struct tapir__tcp_env *env);
/* The per-connection trace at an ACK (no-op without cfg.trace). */
void tapir__tcp_trace_ack(const struct tapir_tcp_socket *s, tapir_instant now,
                          const struct tapir_tcp_repr *seg);

/* The FIN's sequence number once one is queued: right after the queued data. */
static inline uint32_t tapir__tcp_fin_seq(const struct tapir_tcp_socket *s)
{
    return s->snd_una + (uint32_t)tapir__byte_ring_len(&s->tx);
}

/* ---- Timers and robustness (tcp_timers.c) ---- */

/* Put the persist and keepalive state back to idle (init, and on reaching CLOSED). */
void tapir__tcp_timers_reset(struct tapir_tcp_socket *s);
/* First look at a segment of a connection that is not listening: PAWS (RFC 7323 §5.3 R1)
 * and the liveness the keepalive and persist timers watch. True when the segment must be
 * dropped (an ACK is then due). */
bool tapir__tcp_timers_input(struct tapir_tcp_socket *s, tapir_instant now,
                             const struct tapir_tcp_repr *seg);
/* Fire the persist and keepalive timers that are due (may end the connection). */
void tapir__tcp_timers_run(struct tapir_tcp_socket *s, tapir_instant now);
/* After each dispatch: `stalled` says unsent data waits on the windows with nothing in
 * flight; arms the persist timer (first probe one RTO later) or disarms it. */
void tapir__tcp_persist_update(struct tapir_tcp_socket *s, tapir_instant now, bool stalled);
/* The earliest persist or keepalive deadline, or TAPIR_INSTANT_NEVER. */
tapir_instant tapir__tcp_timers_poll_at(const struct tapir_tcp_socket *s);
/* The receive window to advertise in bytes, after receiver SWS avoidance (RFC 9293
 * §3.8.6.2.2) and rounded down to the window scale. */
size_t tapir__tcp_rcv_window(const struct tapir_tcp_socket *s);
/* The application read: is the window now worth a window update of its own? */
bool tapir__tcp_window_update_due(const struct tapir_tcp_socket *s);
/* Sender SWS avoidance (RFC 9293 §3.8.6.2.1): must `n` bytes (less than an MSS and less
 * than the `unsent` bytes queued, so cut short by the windows) wait for more room? */
bool tapir__tcp_sws_hold(const struct tapir_tcp_socket *s, size_t n, size_t unsent);
/* An ICMP "fragmentation needed" / "packet too big" quoting this connection's segment
 * `seq` reports a path MTU of `mtu`: lower the MSS to fit (RFC 1191 §6.3, RFC 8201 §5.2).
 * Returns 1 when the MSS went down, 0 when the message was ignored. */
int tapir__tcp_path_mtu(struct tapir_tcp_socket *s, unsigned mtu, uint32_t seq);

/* ---- Lifecycle (tcp_lifecycle.c) and ICMP errors (tcp_icmp.c) ---- */

/* Per-connection set-up of both (connect and a listener's child). */
void tapir__tcp_lifecycle_setup(struct tapir_tcp_socket *s);
/* Before the other timers at each dispatch: the RTO of RFC 6298 §5.7 once data may flow
 * after a handshake that timed out, and the orphaned FIN-WAIT-2 timeout (may close). */
void tapir__tcp_lifecycle_run(struct tapir_tcp_socket *s, tapir_instant now);
/* Its next deadline, or TAPIR_INSTANT_NEVER (0 when the FIN-WAIT-2 timer waits to be
 * armed by the next dispatch). */
tapir_instant tapir__tcp_lifecycle_poll_at(const struct tapir_tcp_socket *s);
/* The error a connection ends with when the peer stopped answering (retransmission,
 * persist or keepalive timeout): the recorded ICMP soft error, else TAPIR_ETIMEDOUT. */
int tapir__tcp_timeout_error(const struct tapir_tcp_socket *s);

/* What tapir__tcp_icmp_input() did with an ICMP error. */
#define TAPIR__TCP_ICMP_TAKEN   0
#define TAPIR__TCP_ICMP_STALE   1 /* quoted sequence number not in flight: ignored */
#define TAPIR__TCP_ICMP_IGNORED 2 /* a type or code TCP does not act on (redirect, quench) */
/* An ICMP (version TAPIR_IP_V4) or ICMPv6 (TAPIR_IP_V6) error of `type` and `code` quoting
 * this connection's segment `seq`; `info` is the path MTU of a "fragmentation needed" or
 * "packet too big". See tapir/socket/tcp.h for what each does. */
int tapir__tcp_icmp_input(struct tapir_tcp_socket *s, uint8_t version, uint8_t type, uint8_t code,
                          uint32_t info, uint32_t seq);

#endif
