/* tapir — TCP sockets (RFC 9293), IPv4 and IPv6.
 *
 * A socket is a caller-allocated struct with caller-provided receive and send buffers.
 * Like every socket it is registered with an interface, which hands it the segments of
 * its connection and asks it, when polled, for the segments it wants to send; the socket
 * never calls the interface.
 *
 * Listening: a listening socket holds a backlog of caller-initialised sockets; each SYN
 * takes a free one, which tapir_tcp_accept() hands to the caller once established.
 * Everything is non-blocking: calls that cannot proceed return TAPIR_EAGAIN; poll the
 * interface and retry (tapir_tcp_can_send/can_recv say when).
 *
 * This is the first part of the engine: handshakes (active, passive, simultaneous), data
 * both ways with out-of-order reassembly, MSS/window scale/timestamps/SACK-permitted
 * negotiation, retransmission on RTO (RFC 6298) with congestion control (CUBIC or
 * NewReno), loss recovery (SACK-based, RFC 6675, with RACK-TLP, RFC 8985; NewReno, RFC 6582,
 * without SACK: src/socket/tcp_recovery.h), the close states and the RST rules with RFC
 * 5961 challenge ACKs. See docs/architecture.md for what remains.
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

struct tapir_tcp_config {
    bool nodelay;               /* no Nagle (RFC 896) */
    tapir_instant min_rto_us;   /* 200 ms, as Linux */
    tapir_instant max_rto_us;   /* 60 s */
    tapir_instant time_wait_us; /* 2 * MSL; 60 s as Linux */
    unsigned max_retries;       /* RTOs in a row before the connection is dropped: 15 */
    enum tapir__cc_algo cc;     /* CUBIC by default */
    bool no_sack;               /* neither offer nor accept SACK (RFC 2018): NewReno recovery */
    bool no_rack;               /* no RACK-TLP (RFC 8985): RFC 6675 DupThresh detection only */
};

void tapir_tcp_config_default(struct tapir_tcp_config *cfg);

struct tapir_tcp_stats {
    uint64_t bytes_sent, bytes_received;
    uint64_t segments_sent, segments_received;
    uint64_t retransmissions, rto_expirations, fast_retransmits;
    uint64_t out_of_order_segments, sack_blocks_seen;
    uint64_t challenge_acks;
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

    /* Loss recovery (tcp_recovery.c, tcp_sack.c, tcp_rack.c): the SACK scoreboard, the
     * transmission log, RACK-TLP and the recovery state; `recover` and `dupacks` above are
     * its too. */
    struct tapir__tcp_recovery rec;
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

/* Start connecting from `local` (address and port both required for now) to `remote`.
 * `isn` is the initial sequence number (the caller draws it; RFC 6528 generation is a
 * later step) and `mtu` the interface's. The SYN goes out at the next poll. */
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

enum tapir_tcp_state tapir_tcp_state(const struct tapir_tcp_socket *s);
bool tapir_tcp_can_send(const struct tapir_tcp_socket *s);
bool tapir_tcp_can_recv(const struct tapir_tcp_socket *s);
bool tapir_tcp_is_open(const struct tapir_tcp_socket *s);
const struct tapir_tcp_stats *tapir_tcp_stats(const struct tapir_tcp_socket *s);

#endif
