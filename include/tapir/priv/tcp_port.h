/* tapir — private: ephemeral (client) port selection, RFC 6056 §3.3.4 Algorithm 4.
 *
 * A client's local port is the one part of the 4-tuple an off-path attacker must guess
 * to inject into or reset a connection (RFC 6056 §1), so it should be unpredictable; and
 * successive connections to one destination should not reuse a port soon, or a
 * lingering TIME-WAIT (or a peer's) refuses the new connection. Algorithm 4 ("double-hash
 * port selection") does both:
 *
 *     offset = F(local IP, remote IP, remote port, secret)           (per destination)
 *     index  = G(local IP, remote IP, remote port, secret)           (per destination)
 *     port   = min + (offset + table[index]) mod (max - min + 1),   table[index] += 1
 *
 * tried until the port is free for this tuple. Each destination starts at its own secret
 * offset and walks the range one port at a time from where its last connection stopped,
 * so it gets every port of the range before any repeats. The counters are spread over
 * TAPIR_TCP_PORT_TABLE_LEN buckets: unlike Algorithm 3 (§3.3.3), whose single counter
 * advances with every connection the host makes, a destination learns nothing of the
 * connections made to others, except the few that share its bucket.
 *
 * F and G are one SipHash-2-4 of the tuple without the local port (the low and high 32
 * bits of the result); RFC 6056 wants two keys, and these are two independent outputs of
 * one keyed PRF. The table starts from the secret as well (RFC 6056 fills it at random),
 * so nothing here needs a random source.
 *
 * A destination that shares a bucket with others sees its counter move with their
 * connections; with enough addresses and ports of its own, an attacker can find which of
 * its destinations share buckets, a map that depends only on the secret and so identifies
 * the host until the secret changes (Kol, Klein and Gilad, "Device Tracking via Linux's New
 * TCP Source Port Selection Algorithm", USENIX Security 2023). Linux answered in 2022 with
 * 2^16 buckets and small random increments. Here a larger table
 * (-DTAPIR_TCP_PORT_TABLE_LEN=65536, two bytes an entry) and re-initialising with a fresh
 * secret from time to time do the same work; random increments are left out so that one
 * destination is sure to get every port of the range before any repeats.
 */
#ifndef TAPIR_PRIV_TCP_PORT_H
#define TAPIR_PRIV_TCP_PORT_H

#include <stdbool.h>
#include <stdint.h>

#include "tapir/priv/siphash.h"
#include "tapir/priv/tcp_isn.h"

/* Buckets of the perturbation table (RFC 6056 TABLE_LENGTH); 2 bytes each. */
#ifndef TAPIR_TCP_PORT_TABLE_LEN
#define TAPIR_TCP_PORT_TABLE_LEN 4096
#endif

/* The default range: IANA's Dynamic and/or Private Ports (RFC 6335 §6), which RFC 6056
 * §3.2 recommends widening to 1024-65535 where the host can. */
#define TAPIR_TCP_EPHEMERAL_MIN 49152
#define TAPIR_TCP_EPHEMERAL_MAX 65535

struct tapir__tcp_ports {
    struct tapir__siphash_key key;
    uint16_t min, max; /* the range, inclusive */
    /* Per-bucket counters, kept reduced modulo the range size so the walk never jumps
     * when a counter wraps. */
    uint16_t table[TAPIR_TCP_PORT_TABLE_LEN];
};

/* Set up selection over min..max (inclusive) under `key`. Returns 0, or TAPIR_EINVAL when
 * min is 0 or above max. Changing the range or the key means calling this again, which
 * starts every destination afresh. */
int tapir__tcp_ports_init(struct tapir__tcp_ports *p, const struct tapir__siphash_key *key,
                          uint16_t min, uint16_t max);

/* Choose a local port for a connection on `t`, whose local_port is ignored. `in_use` is
 * asked about each candidate, given `t` with local_port set to it, and returns true when
 * that port cannot be used for this tuple (RFC 6056's check_suitable_port, inverted);
 * it is called at most max - min + 1 times and may not call back into `p`. Returns the
 * port (1..65535), or TAPIR_EAGAIN when every port of the range is in use for this
 * tuple. */
int tapir__tcp_port_pick(struct tapir__tcp_ports *p, const struct tapir__tcp_tuple *t,
                         bool (*in_use)(void *ctx, const struct tapir__tcp_tuple *candidate),
                         void *ctx);

#endif
