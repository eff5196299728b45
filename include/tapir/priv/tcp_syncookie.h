/* tapir — private: TCP SYN cookies (RFC 4987 §3.6), in the style of Linux.
 *
 * Under a SYN flood a listener answers a SYN without keeping any state: what it must
 * remember (that it sent a SYN-ACK to this peer, recently, and the peer's MSS) is folded
 * into its own ISN, the cookie, and comes back in the ACK that completes the handshake as
 * SEG.ACK - 1. The listener checks the cookie and only then creates the connection.
 *
 * The cookie ISN (32 bits):
 *
 *     cookie = base + (slot mod 256) << 24 + mac << 2 + mss_index        (modulo 2^32)
 *
 *   base       low 32 bits of SipHash(key, COOKIE_BASE tag, tuple, peer ISN): a per-
 *              connection secret offset, so the cookie looks as random as an RFC 6528 ISN
 *              and shows neither the time nor the MSS;
 *   slot       floor(now / 64 s), the coarse time counter;
 *   mac        22 bits of SipHash(key, COOKIE_MAC tag, tuple, peer ISN, slot, mss_index);
 *   mss_index  2 bits: which entry of the MSS table (tapir__syncookie_mss).
 *
 * Checking subtracts base, reads the slot from the top byte (accepting the current slot and
 * the one before, so a cookie lives between 64 and 128 seconds), and recomputes the MAC
 * for that slot and the index in the low bits: one hash for the base, one for the MAC.
 * This is Linux's layout (net/ipv4/syncookies.c: hash + count << 24 + (hash + data) mod
 * 2^24) with two changes: the peer's ISN is hashed rather than added, and the MSS index is
 * covered by the MAC rather than added to it. In Linux a peer that moves its ACK number or
 * its sequence number by one or two can still pass, with another MSS; here any change of
 * tuple, peer ISN, ACK number or key fails (with the odds below).
 *
 * Strength: for a given tuple and peer ISN exactly 2 slots x 4 indices = 8 of the 2^32
 * ACK numbers are accepted at any moment, so a blind guess succeeds with probability
 * 8 / 2^32 = 2^-29. The peer's ISN is part of the hash, so a guesser must also match the
 * sequence number of its ACK with its SYN, as a genuine peer does.
 *
 * What a cookie cannot carry: the peer's Window Scale, SACK-Permitted and ECN choices.
 * When the SYN carries a Timestamps option they travel in the low bits of our TSval
 * (tapir__syncookie_ts_encode), which the peer echoes in the ACK's TSecr (RFC 7323 §3),
 * as Linux does; without timestamps a cookie connection runs without window scaling and
 * SACK (RFC 4987 §3.6 names this cost). Our own window scale must then be one the listener
 * can recompute from its configuration when the ACK comes.
 */
#ifndef TAPIR_PRIV_TCP_SYNCOOKIE_H
#define TAPIR_PRIV_TCP_SYNCOOKIE_H

#include <stdbool.h>
#include <stdint.h>

#include "tapir/priv/siphash.h"
#include "tapir/priv/tcp_isn.h"
#include "tapir/time.h"

/* The time slot: a cookie is accepted in its own slot and the next. */
#define TAPIR_SYNCOOKIE_SLOT_US (64 * (tapir_instant)TAPIR_US_PER_S)
/* Entries in each family's MSS table (2 bits of the cookie). */
#define TAPIR_SYNCOOKIE_MSS_COUNT 4

/* The MSS of table entry `index` (0..3) for `version` (4 or 6; anything else reads the IPv4
 * table), or 0 for an index out of range. The tables are Linux's:
 *   IPv4: 536 (the RFC 9293 §3.7.1 default), 1300 (tunnels, VPNs), 1440 (PPPoE and the
 *         like), 1460 (Ethernet);
 *   IPv6: 1220 (the 1280-byte minimum link MTU of RFC 8200 §5), 1420, 1440, 8940 (9000-byte
 *         jumbo frames); each is an MTU less 60 bytes of IPv6 and TCP header. */
uint16_t tapir__syncookie_mss(uint8_t version, unsigned index);

/* The index to encode for a peer that advertised `peer_mss`: the largest table entry not
 * above it. A peer advertising less than the smallest entry gets index 0 all the same,
 * since every IPv4 host accepts 576-byte datagrams and every IPv6 path carries 1280 bytes;
 * a listener that will not take that risk answers such a SYN without a cookie. */
unsigned tapir__syncookie_mss_index(uint8_t version, uint16_t peer_mss);

/* The cookie ISN to send in a SYN-ACK for a SYN received on `t` (local = us) at `now`
 * with sequence number `syn_seq` (the peer's ISN), remembering `mss_index` (taken modulo
 * TAPIR_SYNCOOKIE_MSS_COUNT). */
uint32_t tapir__syncookie_encode(const struct tapir__siphash_key *key,
                                 const struct tapir__tcp_tuple *t, uint32_t syn_seq,
                                 unsigned mss_index, tapir_instant now);

/* Check the ACK that completes a cookie handshake: `seg_seq` and `seg_ack` are its
 * sequence and acknowledgment numbers as received (this function subtracts the 1 the SYN
 * and the SYN-ACK each consumed). Returns the MSS encoded in the cookie (> 0), or
 * TAPIR_EBADFIELD when the ACK does not carry a cookie made under `key` for this tuple and
 * peer ISN in the current or the previous slot. */
int tapir__syncookie_check(const struct tapir__siphash_key *key, const struct tapir__tcp_tuple *t,
                           uint32_t seg_seq, uint32_t seg_ack, tapir_instant now);

/* ---- TCP options in the timestamp --------------------------------------------------
 *
 * The low 6 bits of the SYN-ACK's TSval (Linux's encoding, net/ipv4/syncookies.c):
 *
 *     bits 0-3  the peer's Window Scale shift count, 0..14, or 15 when its SYN carried no
 *               Window Scale option (RFC 7323 §2.3 caps the shift at 14, so 15 is free);
 *     bit 4     the SYN carried SACK-Permitted (RFC 2018 §2);
 *     bit 5     the SYN asked for ECN (ECE and CWR set, RFC 3168 §6.1.1).
 *
 * The upper bits are the listener's timestamp clock, rounded down so the TSval sent is
 * never later than the clock: the segments after the handshake carry the clock itself, and
 * the peer's PAWS check (RFC 7323 §5) would drop one whose TSval went back behind the
 * SYN-ACK's. The bits are not authenticated: a peer that alters them in its TSecr changes
 * only its own connection's options, which its SYN could have set anyway.
 */
#define TAPIR_SYNCOOKIE_TS_BITS 6

struct tapir__syncookie_opts {
    bool wscale_ok; /* the SYN carried Window Scale */
    uint8_t wscale; /* its shift count (the encoder treats > 14 as 14, RFC 7323 §2.3) */
    bool sack_ok;   /* the SYN carried SACK-Permitted */
    bool ecn_ok;    /* the SYN was an ECN-setup SYN */
};

/* The TSval for the cookie SYN-ACK: `ts_now` (the listener's timestamp clock) with the
 * options in its low 6 bits, at most `ts_now` (modulo 2^32) and less than 64 below it. */
uint32_t tapir__syncookie_ts_encode(uint32_t ts_now, const struct tapir__syncookie_opts *o);

/* The options from the TSecr of the ACK that completes the handshake. Every 6-bit value
 * decodes; wscale is 0 when wscale_ok is false. */
void tapir__syncookie_ts_decode(uint32_t tsecr, struct tapir__syncookie_opts *o);

#endif
