/* tapir — private: TIME-WAIT as compact records kept by the interface.
 *
 * Declared in a public header only because struct tapir_iface embeds the table (the
 * caller allocates the interface); applications never touch it.
 *
 * Why. RFC 9293 §3.6 keeps a connection that closed actively in TIME-WAIT for 2 MSL, so
 * that a lost final ACK can be sent again when the peer retransmits its FIN, and so that
 * old duplicates of the connection die before its 4-tuple is used again. None of that
 * needs the socket's buffers. When a socket reaches TIME-WAIT, the interface copies what
 * the state needs into a record (the 4-tuple, SND.NXT, RCV.NXT, the window last offered,
 * TS.Recent and our timestamp origin, the deadline) and the socket goes to CLOSED at once:
 * the caller may re-initialise or reuse it and its buffers immediately. The record is
 * about 90 bytes; a socket with its buffers is kilobytes to megabytes.
 *
 * What a record does with a segment for its 4-tuple (no live socket owns it): RFC 9293
 * §3.10.7.4 for TIME-WAIT, with RFC 7323 and RFC 5961:
 *   - PAWS (RFC 7323 §5.3): a timestamp older than TS.Recent: an ACK, dropped;
 *   - a SYN without ACK that is clearly new (its TSval above TS.Recent, or, without
 *     timestamps, its sequence number beyond RCV.NXT: RFC 6191, RFC 1122 §4.2.2.13): the
 *     record is deleted and the SYN goes on to a listener; any other SYN: a challenge ACK
 *     (RFC 5961 §4);
 *   - unacceptable (RFC 9293 §3.10.7.4's four cases against the window last offered): an
 *     ACK unless it is a RST; a retransmission of the peer's FIN also restarts the 2 MSL
 *     timer ("Acknowledge it, and restart the 2 MSL timeout");
 *   - a RST: exactly at RCV.NXT deletes the record, elsewhere in the window gets a
 *     challenge ACK (RFC 5961 §3.2). RFC 9293 keeps this rule for TIME-WAIT; RFC 1337's
 *     advice to ignore RSTs there is not taken (Linux does not by default either);
 *   - acceptable: a FIN is acknowledged and restarts the timer; an ACK of something never
 *     sent is answered by an ACK; anything else is dropped.
 * The answer is always <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK> with the window last offered
 * and, when negotiated, timestamps (TSval from our clock, TSecr = TS.Recent).
 *
 * When the table is full, the record with the earliest deadline (the oldest) gives way to
 * the new one: it is the closest to expiring anyway, and refusing the new record would
 * mean the newest connection, whose peer is the likeliest to still retransmit its FIN,
 * gets no TIME-WAIT at all (what Linux does when tcp_max_tw_buckets is reached).
 * TAPIR_TCP_TIME_WAIT_SLOTS (tapir/opt.h) sizes the table.
 */
#ifndef TAPIR_PRIV_TCP_TIMEWAIT_H
#define TAPIR_PRIV_TCP_TIMEWAIT_H

#include <stdbool.h>
#include <stdint.h>

#include "tapir/addr.h"
#include "tapir/opt.h"
#include "tapir/time.h"

struct tapir__tcp_tw {
    struct tapir_ip_addr local, remote;
    uint16_t local_port, remote_port;
    uint32_t snd_nxt;   /* our FIN + 1 */
    uint32_t rcv_nxt;   /* the peer's FIN + 1 */
    uint32_t rcv_wnd;   /* bytes last offered (for the acceptability test) */
    uint32_t ts_recent; /* RFC 7323 TS.Recent */
    uint32_t ts_base;   /* our timestamp clock's origin (tapir__tcp_ts_now) */
    uint8_t rcv_wscale;
    bool ts_ok;
    bool used;
    tapir_instant deadline;  /* when the record expires */
    tapir_instant period_us; /* 2 MSL: time_wait_us of the socket's configuration */
};

struct tapir__tcp_tw_table {
    struct tapir__tcp_tw entries[TAPIR_TCP_TIME_WAIT_SLOTS];
    unsigned count; /* records in use */
};

struct tapir_tcp_socket;
struct tapir_tcp_repr;
struct tapir__tcp_out;

/* What tapir__tcp_tw_input() decided. */
enum tapir__tcp_tw_verdict {
    TAPIR__TW_DROP = 0,   /* nothing to send */
    TAPIR__TW_ACK = 1,    /* send the ACK written to `out` */
    TAPIR__TW_REOPEN = 2, /* a new SYN: the record is gone, hand the SYN to a listener */
    TAPIR__TW_RESET = 3,  /* an exact RST: the record is gone */
};

/* A table with no record (a zeroed table is one too). */
void tapir__tcp_tw_init(struct tapir__tcp_tw_table *t);

/* Take over the TIME-WAIT state of `s` (which the caller then closes): a record expiring
 * time_wait_us after `now`. Evicts the oldest record when the table is full. Returns the
 * record. */
struct tapir__tcp_tw *tapir__tcp_tw_enter(struct tapir__tcp_tw_table *t,
                                          const struct tapir_tcp_socket *s, tapir_instant now);

/* The record of local:lport <-> remote:rport, or NULL. */
struct tapir__tcp_tw *tapir__tcp_tw_find(struct tapir__tcp_tw_table *t,
                                         const struct tapir_ip_addr *local, uint16_t lport,
                                         const struct tapir_ip_addr *remote, uint16_t rport);

/* Does a record hold local:lport <-> remote:rport? (An ephemeral port in TIME-WAIT is
 * not handed out again for the same peer.) */
bool tapir__tcp_tw_holds(const struct tapir__tcp_tw_table *t, const struct tapir_ip_addr *local,
                         uint16_t lport, const struct tapir_ip_addr *remote, uint16_t rport);

/* A segment for the record's 4-tuple (checksum verified), following the rules above.
 * `out` receives the ACK when the verdict is TAPIR__TW_ACK. */
enum tapir__tcp_tw_verdict tapir__tcp_tw_input(struct tapir__tcp_tw_table *t,
                                               struct tapir__tcp_tw *tw, tapir_instant now,
                                               const struct tapir_tcp_repr *seg,
                                               struct tapir__tcp_out *out);

/* The record's ACK (also the one the socket owed the peer's FIN when it handed over). */
void tapir__tcp_tw_ack(const struct tapir__tcp_tw *tw, tapir_instant now,
                       struct tapir__tcp_out *out);

/* Delete the records whose deadline is at or before `now`; returns how many. */
unsigned tapir__tcp_tw_expire(struct tapir__tcp_tw_table *t, tapir_instant now);

/* The earliest deadline, or TAPIR_INSTANT_NEVER. */
tapir_instant tapir__tcp_tw_poll_at(const struct tapir__tcp_tw_table *t);

static inline unsigned tapir__tcp_tw_count(const struct tapir__tcp_tw_table *t)
{
    return t->count;
}

#endif
