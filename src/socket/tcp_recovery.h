/* Internal: a TCP socket's loss recovery, as tcp_input.c and tcp_output.c drive it
 * (src/socket/tcp_recovery.c).
 *
 * What the sender does:
 * - Every segment sent goes into the transmission log (tcp_rack.h) with its time; every
 *   ACK removes what it acknowledges cumulatively, and with SACK (RFC 2018) its blocks
 *   feed the scoreboard (tcp_sack.h), which marks the records they cover SACKED.
 * - With SACK, loss is detected by RACK (RFC 8985 §6: a record sent before a delivered one,
 *   older than RACK.rtt + reo_wnd, is lost; the reordering timer waits for the rest) and
 *   by RFC 6675 IsLost (DupThresh SACKed ranges, or more than 2 SMSS, above a hole) while
 *   RACK has seen no reordering (once it has, its wider window decides alone). With
 *   cfg.no_rack, IsLost alone (plain RFC 6675) and no loss probe.
 * - Without SACK, NewReno (RFC 6582): the third duplicate ACK marks the first
 *   unacknowledged segment lost; each partial ACK in recovery marks the next one.
 * - The first loss of a window enters fast recovery once: recover = SND.MAX and
 *   tapir__cc_on_congestion_event() (RFC 6675 §5 step 4, RFC 6582 §3.2 step 2); a NewReno
 *   recovery inflates cwnd by 3 SMSS, then 1 SMSS per further duplicate ACK, and deflates
 *   on partial ACKs (RFC 6582 §3.2 steps 3-5). Recovery ends when SND.UNA reaches
 *   recover (RFC 6675 §5, RFC 6582 step 3): tapir__cc_on_recovery_exit().
 * - What to send (RFC 6675 §4 NextSeg, §5 step C): the lowest record that is LOST and not
 *   yet retransmitted, when cwnd - pipe leaves room for it (the first retransmission of a
 *   recovery, of a partial ACK and of a timeout goes regardless: RFC 6675 §5 step 4.3,
 *   RFC 6582 step 5, RFC 6298 §5.4); otherwise new data within cwnd - pipe and the peer's
 *   window. NextSeg's rules 3 and 4 (retransmitting what is not yet deemed lost, and the
 *   rescue retransmission) are left to the loss probe, as RFC 8985 §7 intends.
 * - Pipe (RFC 6675 SetPipe) is always the sender's measure of what is in flight, also
 *   outside recovery (it equals FlightSize when nothing is SACKED or LOST), so that after a
 *   timeout the retransmissions are clocked by the ACKs in slow start instead of
 *   go-back-N.
 * - A retransmission timeout marks the first record lost and every other one older than
 *   RACK.rtt + reo_wnd (RFC 8985 §6.3), unless the peer reneged (the first record is
 *   SACKED: RFC 2018 §8), in which case the scoreboard is forgotten.
 * - TLP (RFC 8985 §7), with SACK only: with data in flight, the probe timeout is armed
 *   after new data is sent and after ACKs of new data, and, unlike §7.2, during fast
 *   recovery as well (restarted by every ACK and transmission there; tcp_recovery.c says
 *   why); when it fires, one segment goes regardless of cwnd: the last record again, even
 *   when new data waits (unlike §7.3; tcp_output.c says why). An ACK past the probe that
 *   acknowledges new data without a D-SACK means the probe repaired a loss: one cwnd
 *   reduction (congestion event and immediate exit, as Linux does).
 *
 * And what the receiver does for the peer's recovery (tcp_input.c, tcp_output.c):
 * - one pure duplicate ACK per out-of-order segment (RFC 5681 §4.2), counted in
 *   rec.dupacks_owed and forgotten when RCV.NXT moves (they would repeat an old ACK), so
 *   a peer without SACK sees its three duplicates even when a whole batch arrives at once;
 * - an immediate ACK for a segment that fills a hole (RFC 5681 §4.2);
 * - SACK blocks on a data segment only as many as fit the MSS beside its payload;
 * - a FIN that arrives beyond a hole is kept and counts when the hole fills; the SACK block
 *   that ends at it covers it (as Linux's do), and a lone one gets a block of its own.
 */
#ifndef TAPIR_SOCKET_TCP_RECOVERY_H
#define TAPIR_SOCKET_TCP_RECOVERY_H

#include "tcp_internal.h"

/* A new connection (tapir__tcp_setup_connection()). */
void tapir__tcp_rec_init(struct tapir_tcp_socket *s);

/* An acceptable ACK in a synchronized state, after SND.UNA moved (from `prior_una`; the
 * socket's ack_advance() ran) and before the window update. `dup`: a duplicate ACK by
 * RFC 5681 §2's definition. */
void tapir__tcp_rec_on_ack(struct tapir_tcp_socket *s, tapir_instant now,
                           const struct tapir_tcp_repr *seg, uint32_t prior_una, bool dup);

/* The retransmission timer expired in a synchronized state (after the backoff and
 * tapir__cc_on_rto()). */
void tapir__tcp_rec_on_rto(struct tapir_tcp_socket *s, tapir_instant now);

/* Run the RACK reordering timer and the probe timeout. */
void tapir__tcp_rec_timers(struct tapir_tcp_socket *s, tapir_instant now);

/* 0 when a retransmission, probe or owed ACK is due now, else the earliest of the two
 * timers (TAPIR_INSTANT_NEVER when off). */
tapir_instant tapir__tcp_rec_poll_at(const struct tapir_tcp_socket *s);

/* The record to retransmit now (NextSeg rule 1, or the probe's last record when `probe`),
 * or NULL. */
const struct tapir__seg *tapir__tcp_rec_next(const struct tapir_tcp_socket *s, bool probe);

/* Room for new data: min(cwnd - pipe, the peer's window beyond SND.MAX), 0 when the log is
 * full; cwnd's part is 0 below one SMSS unless `unsent` fits (no runt segments for cwnd's
 * sake). */
uint32_t tapir__tcp_rec_send_room(const struct tapir_tcp_socket *s, size_t unsent);

/* A segment [seq, seq + len (+ FIN)) went out: new data, or a retransmission of a record. */
void tapir__tcp_rec_sent(struct tapir_tcp_socket *s, tapir_instant now, uint32_t seq, uint32_t len,
                         bool fin, bool rexmit);

/* A pure ACK went out (receiver side: one owed duplicate ACK paid when `owed_only`). */
void tapir__tcp_rec_ack_sent(struct tapir_tcp_socket *s, bool owed_only);

/* RFC 6675 pipe, in bytes. */
/* An RTT sample for the RTO estimator from the ACK `ack` (RFC 6298 §3 with Karn's rule,
 * measured as Linux does from transmission times rather than the millisecond timestamp
 * clock, which reads 0 on a fast path): now minus the send time of the oldest record the
 * ACK newly acknowledges that was never SACKed, when none of those it acknowledges was
 * retransmitted. -1 when the ACK gives no such sample. */
tapir_instant tapir__tcp_rec_rtt_sample(const struct tapir_tcp_socket *s, uint32_t ack,
                                        tapir_instant now);

uint32_t tapir__tcp_rec_pipe(const struct tapir_tcp_socket *s);

/* Check the log against SND.UNA/SND.MAX (tapir__txlog_check()); for tests. */
int tapir__tcp_rec_check(const struct tapir_tcp_socket *s);

#endif
