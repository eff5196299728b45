/* tapir — private: what an interface keeps for TCP (struct tapir_iface embeds it).
 *
 * The secret. One 128-bit SipHash key per interface, drawn from the interface's struct
 * tapir_rng at init, keys every TCP hash (include/tapir/priv/tcp_isn.h): initial sequence
 * numbers for active and passive opens (RFC 6528), SYN cookies (RFC 4987 §3.6), ephemeral
 * ports (RFC 6056 Algorithm 4), a cookie connection's timestamp offset and the
 * demultiplexing hash. RFC 6528 §3 wants the key per boot or per interface; replacing it
 * would invalidate the cookies in flight and restart every port sequence, so it stays for
 * the interface's life.
 *
 * The port selector (struct tapir__tcp_ports) is set up on the first
 * tapir_tcp_connect_iface() (it costs a few thousand hashes; interfaces that never connect
 * never pay them).
 *
 * The demultiplexing index (optional; src/iface/iface_tcp_demux.c). Without it every
 * segment walks the registered sockets and every listener's backlog, which is fine for a
 * few dozen connections and quadratic for thousands. With it, a keyed hash of the 4-tuple
 * finds the connection in O(1). It lives in caller memory (tapir_iface_tcp_index_size()
 * bytes for `max` connections): `max` entries and the next power of two >= max buckets of
 * chains. The interface enters every connected socket it sees (registered ones, a
 * listener's children, tapir_tcp_connect_iface()) and re-enters a socket whose 4-tuple
 * changed (tuple_gen). Entries are never trusted: a lookup checks the socket's state and
 * tuple, so an entry left behind by a socket that closed or was re-initialised (an
 * "orphan") misleads nothing; orphans are swept when the entries run out.
 * Each entry names its owner, the registered socket through which the interface reached
 * it (itself, or the listener of a child); tapir_iface_remove_socket() removes the
 * owner's entries, so the caller may free a socket once its owner is removed (as with the
 * socket list itself). When the entries are exhausted by live connections, the index says
 * so (overflow) and lookups fall back to the walk: slower, never wrong.
 */
#ifndef TAPIR_PRIV_TCP_IFACE_H
#define TAPIR_PRIV_TCP_IFACE_H

#include <stdbool.h>
#include <stdint.h>

#include "tapir/priv/siphash.h"
#include "tapir/priv/tcp_port.h"

struct tapir_tcp_socket;

struct tapir__tcp_demux_entry {
    struct tapir_tcp_socket *sock;
    const void *owner; /* the registered socket's link */
    uint32_t hash;     /* of the tuple it was entered under */
    uint32_t gen;      /* the socket's tuple_gen then */
    uint32_t next;     /* the next entry of the chain (or of the free list), +1; 0 ends */
};

struct tapir__tcp_demux {
    struct tapir__tcp_demux_entry *entries; /* NULL: no index */
    uint32_t *buckets;                      /* chain heads, entry index + 1; 0: empty */
    uint32_t entry_count, bucket_mask;
    uint32_t free_head; /* +1; 0: none free */
    uint32_t used;
    bool overflow; /* a connection could not be entered: lookups also walk */
};

struct tapir__iface_tcp {
    struct tapir__siphash_key key;
    bool ports_ready; /* ports set up (on the first connect, or by a range) */
    struct tapir__tcp_ports ports;
    struct tapir__tcp_demux demux;
};

#endif
