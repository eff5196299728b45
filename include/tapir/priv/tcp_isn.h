/* tapir — private: TCP initial sequence numbers (RFC 6528), and the connection 4-tuple
 * that every keyed TCP hash (ISNs, SYN cookies, ephemeral ports) reads.
 *
 * RFC 6528 §3: ISN = M + F(localip, localport, remoteip, remoteport, secretkey), where M is
 * a timer that ticks every 4 microseconds and F a pseudorandom function. The timer keeps
 * successive incarnations of one connection moving forward through the sequence space
 * (RFC 9293 §3.4.1, so old duplicates are not taken for new data); F gives every 4-tuple
 * its own unpredictable offset, so an off-path attacker who opens connections of its own
 * learns nothing about the sequence numbers of anyone else's (the attack of Morris 1985
 * and Bellovin 1989 that RFC 6528 answers).
 *
 * F is SipHash-2-4 under a 128-bit secret the caller supplies (the interface draws it from
 * its struct tapir_rng). Because each of the keyed TCP hashes starts its input with its own
 * tag byte (enum tapir__tcp_hash_tag), one secret may serve all of them: their outputs are
 * independent.
 */
#ifndef TAPIR_PRIV_TCP_ISN_H
#define TAPIR_PRIV_TCP_ISN_H

#include <stdint.h>

#include "tapir/addr.h"
#include "tapir/priv/siphash.h"
#include "tapir/time.h"

/* A connection as seen from this host. Ports are in host byte order. `local` and `remote`
 * are of the same family; only the bytes of the family `version` names are read. */
struct tapir__tcp_tuple {
    struct tapir_ip_addr local, remote;
    uint16_t local_port, remote_port;
};

/* The first byte of every keyed TCP hash input: domain separation between the uses. */
enum tapir__tcp_hash_tag {
    TAPIR__TCP_HASH_ISN = 1,         /* F of RFC 6528 */
    TAPIR__TCP_HASH_COOKIE_BASE = 2, /* SYN cookie: the per-connection offset */
    TAPIR__TCP_HASH_COOKIE_MAC = 3,  /* SYN cookie: the time slot and MSS check */
    TAPIR__TCP_HASH_PORT = 4,        /* RFC 6056 F (offset) and G (table index) */
    TAPIR__TCP_HASH_PORT_TABLE = 5,  /* RFC 6056 perturbation table entries */
    TAPIR__TCP_HASH_TS_OFFSET = 6,   /* a SYN-cookie connection's timestamp offset */
    TAPIR__TCP_HASH_DEMUX = 7,       /* the interface's demultiplexing index */
};

/* RFC 6528 §3: M ticks every 4 microseconds, 250,000 times a second, and wraps after
 * 2^32 ticks (about 4.8 hours). */
#define TAPIR_TCP_ISN_TICK_US 4

/* Start a SipHash under `key` over the tag byte and the tuple, encoded as: tag, local
 * version, local address (4 or 16 bytes; none for another version), remote version,
 * remote address, local port, remote port (big-endian). The caller may append more
 * fields before tapir__siphash_final(). */
void tapir__tcp_tuple_hash_init(struct tapir__siphash *s, const struct tapir__siphash_key *key,
                                uint8_t tag, const struct tapir__tcp_tuple *t);

/* M: `now` in 4-microsecond ticks, modulo 2^32 (rounded down, also before the origin, so
 * it advances by exactly 250,000 every second everywhere). */
uint32_t tapir__tcp_isn_clock(tapir_instant now);

/* The ISN for a connection on `t` opened (or answered) at `now`: M + F, modulo 2^32.
 * The same tuple, key and time always give the same value. */
uint32_t tapir__tcp_isn(const struct tapir__siphash_key *key, const struct tapir__tcp_tuple *t,
                        tapir_instant now);

#endif
