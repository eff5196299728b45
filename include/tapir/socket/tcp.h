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
 * the path MTU from ICMP. See docs/architecture.md for what remains.
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
    enum tapir__cc_algo cc;     /* CUBIC by default */
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

/* No more sending: a FIN follows the queued data (half-close). */
int tapir_tcp_shutdown(struct tapir_tcp_socket *s);
/* shutdown() plus: the socket goes to CLOSED by itself after the closing handshake. */
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
