/* tapir — TCP sockets (RFC 9293), IPv4 and IPv6.
 *
 * A socket is a caller-allocated struct with caller-provided receive and send buffers.
 * Like every socket it is registered with an interface, which hands it the segments of
 * its connection and asks it, when polled, for the segments it wants to send; the socket
 * never calls the interface.
 *
 * Listening: a listening socket holds a backlog of caller-initialised sockets; each SYN
 * takes a free one, which tapir_tcp_accept() hands to the caller once established. When
 * none is free, the SYN is answered with a SYN cookie (RFC 4987 §3.6, src/socket/
 * tcp_cookie.c) and nothing is kept; the ACK that returns a valid cookie takes a socket
 * that has become free by then. Connections the interface opens with everything chosen
 * for them (port, ISN, source) and the demultiplexing index for many connections are in
 * tapir/socket/tcp_iface.h.
 * Everything is non-blocking: calls that cannot proceed return TAPIR_EAGAIN; poll the
 * interface and retry (tapir_tcp_can_send/can_recv say when).
 *
 * This is the first part of the engine: handshakes (active, passive, simultaneous), data
 * both ways with out-of-order reassembly, MSS/window scale/timestamps/SACK-permitted
 * negotiation, retransmission on RTO (RFC 6298) with congestion control (CUBIC or
 * NewReno), loss recovery (SACK-based, RFC 6675, with RACK-TLP, RFC 8985; NewReno, RFC 6582,
 * without SACK: src/socket/tcp_recovery.h), the close states and the RST rules with RFC
 * 5961 challenge ACKs; the persist and keepalive timers, PAWS, silly-window avoidance and
 * the path MTU from ICMP, ICMP soft and hard errors (below), the RTO of RFC 6298 §5.7 after
 * a handshake that timed out, and the orphaned FIN-WAIT-2 timeout (tapir_tcp_close()). See
 * docs/architecture.md for what remains.
 *
 * TIME-WAIT: a socket registered with an interface never stays in TIME-WAIT. When it
 * gets there, the interface keeps a small record of the connection for time_wait_us
 * (tapir/priv/tcp_timewait.h) and the socket is CLOSED at once: what was received can
 * still be read, and the socket and its buffers may be re-initialised and used again.
 */
#ifndef TAPIR_SOCKET_TCP_H
#define TAPIR_SOCKET_TCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tapir/addr.h"
#include "tapir/priv/assembler.h"
#include "tapir/priv/ring.h"
#include "tapir/priv/tcp_cc.h"
#include "tapir/priv/tcp_recovery.h"
#include "tapir/priv/tcp_rto.h"
#include "tapir/socket.h"
#include "tapir/time.h"

enum tapir_tcp_state {
    TAPIR_TCP_CLOSED = 0,
    TAPIR_TCP_LISTEN,
    TAPIR_TCP_SYN_SENT,
    TAPIR_TCP_SYN_RECEIVED,
    TAPIR_TCP_ESTABLISHED,
    TAPIR_TCP_FIN_WAIT_1,
    TAPIR_TCP_FIN_WAIT_2,
    TAPIR_TCP_CLOSE_WAIT,
    TAPIR_TCP_CLOSING,
    TAPIR_TCP_LAST_ACK,
    TAPIR_TCP_TIME_WAIT,
};

const char *tapir_tcp_state_name(enum tapir_tcp_state state);

struct tapir_tcp_endpoint {
    struct tapir_ip_addr addr;
    uint16_t port;
};

struct tapir_tcp_trace_point; /* below, with the tracing calls */

struct tapir_tcp_config {
    bool nodelay;               /* no Nagle (RFC 896) */
    tapir_instant min_rto_us;   /* 200 ms, as Linux */
    tapir_instant max_rto_us;   /* 60 s */
    tapir_instant time_wait_us; /* 2 * MSL; 60 s as Linux */
    unsigned max_retries;       /* RTOs in a row before the connection is dropped: 15 */
    /* SYN (and SYN-ACK) retransmissions before an opening connection gives up: 6, as
     * Linux's tcp_syn_retries, so a silent host fails a connect in 123 s (1 + 2 + ... +
     * 32 + 60 s, the last wait capped by the 60 s maximum RTO) instead of the 15 data
     * retries' quarter of an hour (RFC 9293 §3.8.3 asks R2 for a SYN of at least 3
     * minutes, a SHOULD Linux does not follow either). */
    unsigned syn_retries;
    enum tapir__cc_algo cc; /* CUBIC by default */
    /* Scale/API: an optional per-connection trace, called at each ACK the connection
     * takes (see struct tapir_tcp_trace_point). A listener's children inherit it. */
    void (*trace)(void *ctx, const struct tapir_tcp_trace_point *point);
    void *trace_ctx;
    /* Timers: keepalive (RFC 9293 §3.8.4, RFC 1122 §4.2.3.6), off by default. After
     * keepalive_idle_us with nothing from the peer (and nothing of ours in flight or
     * queued), a probe goes every keepalive_interval_us; when keepalive_probes of them
     * went unanswered, the connection ends with TAPIR_ETIMEDOUT. */
    bool keepalive;
    tapir_instant keepalive_idle_us;     /* 2 h: RFC 1122 wants no less by default */
    tapir_instant keepalive_interval_us; /* 75 s, as Linux */
    unsigned keepalive_probes;           /* 9, as Linux */
    bool no_sack; /* neither offer nor accept SACK (RFC 2018): NewReno recovery */
    bool no_rack; /* no RACK-TLP (RFC 8985): RFC 6675 DupThresh detection only */
    /* Lifecycle (tcp_lifecycle.c): how long a connection the application has closed
     * (tapir_tcp_close()) may sit in FIN-WAIT-2 waiting for the peer's FIN before it is
     * given up; 60 s, as Linux's tcp_fin_timeout. 0: no limit. A half-closed connection
     * (tapir_tcp_shutdown() only) still reads, so it waits for as long as the peer sends. */
    tapir_instant fin_wait2_timeout_us;
};

void tapir_tcp_config_default(struct tapir_tcp_config *cfg);

struct tapir_tcp_stats {
    uint64_t bytes_sent, bytes_received;
    uint64_t segments_sent, segments_received;
    uint64_t retransmissions, rto_expirations, fast_retransmits;
    uint64_t out_of_order_segments, sack_blocks_seen;
    uint64_t challenge_acks;
    /* Scale/API. A listener's SYN cookies (RFC 4987 §3.6): SYN-ACKs sent statelessly
     * because the backlog was full, ACKs whose cookie made a connection, ACKs whose cookie
     * was valid but found no free socket (dropped; the peer retransmits), and ACKs with
     * no valid cookie (answered by RST). */
    uint64_t syncookies_sent, syncookies_accepted, syncookies_no_socket, syncookies_rejected;
    /* Filled by tapir_tcp_get_stats() from the live estimators (0 in tapir_tcp_stats()). */
    uint64_t srtt_us, rttvar_us, rto_us; /* RFC 6298 */
    uint32_t cwnd, ssthresh;             /* bytes (RFC 5681); ssthresh UINT32_MAX at first */
    /* Timers (tcp_timers.c). */
    uint64_t persist_probes;   /* zero-window probes sent */
    uint64_t keepalive_probes; /* keepalive probes sent */
    uint64_t paws_drops;       /* segments refused for an old timestamp (RFC 7323 §5) */
    uint64_t mss_reductions;   /* path MTU lowered by ICMP (RFC 1191, RFC 8201) */
    /* ICMP errors and lifecycle (tcp_icmp.c, tcp_lifecycle.c). */
    uint64_t icmp_soft_errors;   /* soft errors recorded (tapir_tcp_soft_error()) */
    uint64_t icmp_hard_errors;   /* hard errors (protocol or port unreachable) taken */
    uint64_t icmp_out_of_window; /* errors ignored: the quoted sequence number was not in
                                  * flight (RFC 5927 §4.1) */
    uint64_t fin_wait2_timeouts; /* orphaned connections given up in FIN-WAIT-2 */
};

struct tapir_tcp_socket {
    struct tapir_socket_link link; /* first: the interface's list */
    struct tapir_tcp_config cfg;
    uint8_t state; /* enum tapir_tcp_state */
    int error;     /* why the connection ended: 0, TAPIR_ECONNRESET, TAPIR_ETIMEDOUT ... */
    struct tapir_tcp_endpoint local, remote;
    uint16_t mtu; /* of the interface, set on connect/accept */

    /* Send sequence space (RFC 9293 §3.3.1). */
    uint32_t iss, snd_una, snd_nxt, snd_max, snd_wnd, snd_wl1, snd_wl2;
    uint32_t max_snd_wnd;
    /* Receive sequence space. */
    uint32_t irs, rcv_nxt, rcv_adv; /* rcv_adv: right edge last advertised */

    /* Negotiated options. */
    uint16_t mss; /* what we send per segment */
    uint16_t peer_mss;
    uint8_t snd_wscale, rcv_wscale;
    bool wscale_ok, ts_ok, sack_ok;
    uint32_t ts_recent;
    uint32_t ts_base; /* our TSval origin */

    /* Buffers: the send ring holds [snd_una, snd_una + len); the receive ring holds bytes
     * from rcv_nxt - unread on, with out-of-order data written beyond its end and
     * tracked by the assembler. */
    struct tapir__byte_ring tx, rx;
    struct tapir__assembler ooo;
    bool fin_queued;   /* shutdown/close called: a FIN follows the queued data */
    bool fin_sent;     /* our FIN has a sequence number (snd_max includes it) */
    bool fin_received; /* the peer's FIN was taken in order */

    /* What the next dispatch must send. */
    bool ack_now, send_syn, send_rst, challenge_ack;
    unsigned segs_since_ack;
    unsigned dupacks;
    uint32_t recover; /* RFC 6582 */

    /* Timers (TAPIR_INSTANT_NEVER when off). */
    tapir_instant rto_at, delack_at, time_wait_at;
    unsigned retries;
    tapir_instant rtt_start; /* timing one segment (Karn) */
    uint32_t rtt_seq;
    bool rtt_active;
    struct tapir__rto rto;
    struct tapir__cc cc;

    /* Listening: the backlog of sockets to hand out, and the parent of a child. */
    struct tapir_tcp_socket **backlog;
    unsigned backlog_len;
    struct tapir_tcp_socket *parent;
    bool accepted;

    struct tapir_tcp_stats stats;

    /* Scale/API: the interface's demultiplexing index (src/iface/iface_tcp_demux.c).
     * tuple_gen moves whenever the socket takes a new 4-tuple; demux_node is the index
     * entry the interface keeps for it (+1; 0: none). Only the interface writes it. */
    uint32_t tuple_gen;
    uint32_t demux_node;
    /* Timers and robustness (tcp_timers.c): persist, keepalive, PAWS, SWS avoidance. */
    tapir_instant persist_at;  /* next zero-window probe or SWS override, or NEVER */
    unsigned persist_backoff;  /* doublings of the persist interval since the stall began */
    unsigned probes_out;       /* persist or keepalive probes sent since the peer last spoke */
    tapir_instant last_rx_at;  /* when the last segment came from the peer */
    bool send_probe;           /* the next dispatch sends <SEQ=SND.UNA-1><CTL=ACK> */
    bool persist_force;        /* the persist timer lets a small segment out (SWS override) */
    tapir_instant paws_ack_at; /* when an ACK last answered a PAWS-refused segment, or 0 */
    /* Loss recovery (tcp_recovery.c, tcp_sack.c, tcp_rack.c): the SACK scoreboard, the
     * transmission log, RACK-TLP and the recovery state; `recover` and `dupacks` above are
     * its too. */
    struct tapir__tcp_recovery rec;
    /* Lifecycle and ICMP errors (tcp_lifecycle.c, tcp_icmp.c). */
    bool syn_timed_out;         /* the SYN or SYN-ACK timer fired (RFC 6298 §5.7) */
    bool orphan;                /* tapir_tcp_close() was called: the application reads no more */
    tapir_instant fin_wait2_at; /* when an orphan in FIN-WAIT-2 is given up (NEVER: not armed) */
    int soft_error;             /* the last ICMP soft error (RFC 9293 §3.9.2.2), or 0 */
    /* Offload: the most payload one segment may carry, set by the interface before each
     * dispatch when its device cuts super-segments (GSO); 0 or less than the MSS: one MSS.
     * A super-segment is one record of the transmission log (at most 65535 bytes) and is
     * retransmitted whole. */
    uint32_t gso_max;
};

/* Initialise a closed socket over caller buffers (the sizes bound the windows). */
int tapir_tcp_socket_init(struct tapir_tcp_socket *s, const struct tapir_tcp_config *cfg,
                          void *rx_buf, size_t rx_len, void *tx_buf, size_t tx_len);

/* Listen on `local` (an unspecified address of a version listens on every address of that
 * version). `backlog` holds `backlog_len` initialised, closed sockets that incoming
 * connections take. */
int tapir_tcp_listen(struct tapir_tcp_socket *s, const struct tapir_tcp_endpoint *local,
                     struct tapir_tcp_socket **backlog, unsigned backlog_len);

/* An established connection from the backlog not yet handed out, or NULL. */
struct tapir_tcp_socket *tapir_tcp_accept(struct tapir_tcp_socket *listener);

/* Start connecting from `local` (address and port both required) to `remote`, with
 * initial sequence number `isn` and the interface's `mtu`. The SYN goes out at the next
 * poll. tapir_tcp_connect_iface() (tapir/socket/tcp_iface.h) chooses the address, an
 * RFC 6056 port and an RFC 6528 ISN instead. */
int tapir_tcp_connect(struct tapir_tcp_socket *s, const struct tapir_tcp_endpoint *local,
                      const struct tapir_tcp_endpoint *remote, uint32_t isn, unsigned mtu,
                      tapir_instant now);

/* Queue up to len bytes; returns the count taken (0 when the buffer is full: retry after
 * a poll), or TAPIR_EINVAL when the connection cannot send any more. */
int tapir_tcp_send(struct tapir_tcp_socket *s, const void *data, size_t len);

/* Copy out up to cap received bytes; returns the count, 0 at end of stream (the peer
 * closed and everything was read), TAPIR_EAGAIN when nothing is ready yet, or the
 * connection's error. */
int tapir_tcp_recv(struct tapir_tcp_socket *s, void *buf, size_t cap);

/* No more sending: a FIN follows the queued data (half-close). The socket still receives
 * until the peer's FIN, however long that takes, and goes to CLOSED by itself after the
 * closing handshake. */
int tapir_tcp_shutdown(struct tapir_tcp_socket *s);
/* shutdown() plus: the application is done with the connection and reads no more. Data
 * still unread, or data arriving afterwards, would be lost: then the connection is reset
 * instead (a RST to the peer, CLOSED at once; RFC 1122 §4.2.2.13, as Linux does). Such an orphaned
 * connection does not wait forever for a peer that never sends its FIN: after
 * cfg.fin_wait2_timeout_us in FIN-WAIT-2 (60 s by default, Linux's tcp_fin_timeout) it
 * goes to CLOSED silently, with error TAPIR_ETIMEDOUT and stats.fin_wait2_timeouts
 * counted, and the socket is free (a later segment of the peer meets a RST, as for any
 * closed port). The time counts from reaching FIN-WAIT-2, or from this call when the
 * connection was already there. May be called after shutdown(). */
int tapir_tcp_close(struct tapir_tcp_socket *s);
/* Send RST and drop everything now. */
void tapir_tcp_abort(struct tapir_tcp_socket *s);

/* Bytes tapir_tcp_send() would take now. */
size_t tapir_tcp_send_space(const struct tapir_tcp_socket *s);

/* Make a CLOSED socket new again, keeping its configuration and buffers (a server gives
 * a finished connection's socket back to its listener this way). TAPIR_EINVAL if open. */
int tapir_tcp_socket_reset(struct tapir_tcp_socket *s);

enum tapir_tcp_state tapir_tcp_state(const struct tapir_tcp_socket *s);
bool tapir_tcp_can_send(const struct tapir_tcp_socket *s);
bool tapir_tcp_can_recv(const struct tapir_tcp_socket *s);
bool tapir_tcp_is_open(const struct tapir_tcp_socket *s);
const struct tapir_tcp_stats *tapir_tcp_stats(const struct tapir_tcp_socket *s);

/* ICMP errors (src/socket/tcp_icmp.c; RFC 9293 §3.9.2.2, RFC 1122 §4.2.3.9, RFC 5461,
 * RFC 5927). The interface hands every ICMP or ICMPv6 error that quotes one of our
 * segments to the connection of the quoted 4-tuple. It is taken only when the quoted
 * sequence number is one in flight, SND.UNA =< SEG.SEQ < SND.MAX (RFC 5927 §4.1); any
 * other is ignored and counted (stats.icmp_out_of_window, and the interface's
 * TAPIR_DROP_ICMP_OUT_OF_WINDOW), so a blind attacker must guess a sequence number.
 *
 * Soft errors: the destination cannot be reached at the moment, which may be a routing
 * transient. RFC 9293 §3.9.2.2 lists IPv4 Destination Unreachable codes 0 (net), 1 (host)
 * and 5 (source route failed), Time Exceeded and Parameter Problem, and for ICMPv6
 * Destination Unreachable codes 0 (no route) and 3 (address unreachable), Time Exceeded and
 * Parameter Problem. We also count as soft the Destination Unreachable codes it does not
 * classify (IPv4 6-15: unknown, isolated, administratively prohibited, TOS, precedence;
 * ICMPv6 1, 2, 5, 6: prohibited, beyond scope, policy, reject route): they say the same
 * thing and prove no more. A soft error never ends the connection (MUST-56), in any
 * state: it is recorded (tapir_tcp_soft_error(), stats.icmp_soft_errors) as
 * TAPIR_EHOSTUNREACH (Linux tells ENETUNREACH and EPROTO apart; we have one code for
 * "an ICMP error said so"), and reported if and when the connection times out:
 * a connection whose retransmissions, persist or keepalive probes go unanswered ends with
 * the recorded error instead of TAPIR_ETIMEDOUT (RFC 1122 §4.2.3.9's DISCUSSION; Linux
 * does the same, so a connect() that times out after a host unreachable reports
 * EHOSTUNREACH). An ACK of new data clears the record (something got through, as
 * Linux's tcp_ack clears sk_err_soft). Unlike Linux, which ends a connection attempt at
 * the first soft error (RFC 5461 §4 calls this common), we keep trying in SYN-SENT too, as
 * MUST-56 says: the error only replaces TAPIR_ETIMEDOUT at the end.
 *
 * Hard errors: IPv4 Destination Unreachable 2 (protocol) and 3 (port), ICMPv6 4 (port;
 * RFC 4443 §3.1), each an end host's answer that nothing listens. In SYN-SENT and
 * SYN-RECEIVED they end the connection attempt (SHLD-26) with TAPIR_ECONNREFUSED, as a
 * RST would (Linux: ECONNREFUSED for a port, ENOPROTOOPT for a protocol; we have one
 * code for both); a passive open's child goes back to its listener's pool silently. In
 * the synchronized states they are recorded as soft errors (TAPIR_ECONNREFUSED) and do not
 * abort: RFC 5927 §7.2, and RFC 9293's note that implementations do this, as Linux and the
 * BSDs do, since a forged message could otherwise reset any connection whose 4-tuple is
 * known. Code 4 (fragmentation needed) and ICMPv6 Packet Too Big lower the MSS instead
 * (the path MTU, see stats.mss_reductions). Source Quench is ignored (MUST-55), as are
 * redirects. */

/* The soft error recorded since the peer last acknowledged new data (see above), or 0. */
int tapir_tcp_soft_error(const struct tapir_tcp_socket *s);

/* ---- Scale/API: zero-copy I/O, statistics, tracing (src/socket/tcp_api.c) ---------- */

/* At most two contiguous runs of bytes (two when they cross the end of the ring). */
struct tapir_tcp_spans {
    struct {
        const uint8_t *data;
        size_t len;
    } span[2];
    unsigned count;
};
struct tapir_tcp_wspans {
    struct {
        uint8_t *data;
        size_t len;
    } span[2];
    unsigned count;
};

/* Zero-copy receive: the received bytes in order, in place in the receive buffer, as one
 * or two spans. Returns their total (> 0), or what tapir_tcp_recv() would return with
 * nothing to read: 0 at end of stream, TAPIR_EAGAIN, or the connection's error. The bytes
 * stay put, and the spans valid, until tapir_tcp_consume() releases them. */
int tapir_tcp_peek(const struct tapir_tcp_socket *s, struct tapir_tcp_spans *out);
/* Release the first n received bytes (clipped to what is there), opening the window as
 * tapir_tcp_recv() does. Returns the count released. */
int tapir_tcp_consume(struct tapir_tcp_socket *s, size_t n);

/* Zero-copy send: the free space of the send buffer, as one or two spans the caller
 * writes into before tapir_tcp_send_commit(). Returns the total (0 when full: retry after
 * a poll), or TAPIR_EINVAL / the connection's error when it cannot send any more. */
int tapir_tcp_send_reserve(struct tapir_tcp_socket *s, struct tapir_tcp_wspans *out);
/* Queue the first n bytes written into the reserved spans (clipped to the free space).
 * Returns the count queued, or the error tapir_tcp_send() would return. */
int tapir_tcp_send_commit(struct tapir_tcp_socket *s, size_t n);

/* The counters, plus the estimators as they are now (srtt, rttvar, rto, cwnd, ssthresh). */
void tapir_tcp_get_stats(const struct tapir_tcp_socket *s, struct tapir_tcp_stats *out);

/* One trace record, handed to cfg.trace at each acceptable ACK a synchronized connection
 * takes (the handshake's last ACK included; the SYN-ACK of an active open is not traced). */
struct tapir_tcp_trace_point {
    const struct tapir_tcp_socket *socket;
    tapir_instant time_us;
    uint32_t cwnd, ssthresh; /* bytes */
    uint64_t srtt_us, rttvar_us, rto_us;
    uint32_t in_flight; /* bytes sent and not acknowledged (SND.MAX - SND.UNA) */
    uint32_t snd_una, snd_wnd, ack;
};

/* The CSV header line and one CSV line per point, each ending in "\n", written like
 * snprintf: returns the full length (>= cap means it was cut; always NUL-terminated when
 * cap > 0). */
int tapir_tcp_trace_csv_header(char *buf, size_t cap);
int tapir_tcp_trace_csv(const struct tapir_tcp_trace_point *point, char *buf, size_t cap);

#endif
