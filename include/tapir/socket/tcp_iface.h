/* tapir — TCP connections the interface sets up: connect with everything chosen by the
 * interface, ephemeral port ranges, and the demultiplexing index for many connections.
 *
 * These are interface calls (like tapir_iface_add_socket()): a socket still never calls
 * the interface. The interface keeps one TCP secret (include/tapir/priv/tcp_iface.h), so
 * its initial sequence numbers follow RFC 6528 for active and passive opens alike, its
 * listeners answer SYN floods with cookies (RFC 4987 §3.6) and its client ports follow
 * RFC 6056 Algorithm 4.
 */
#ifndef TAPIR_SOCKET_TCP_IFACE_H
#define TAPIR_SOCKET_TCP_IFACE_H

#include <stddef.h>
#include <stdint.h>

#include "tapir/iface.h"
#include "tapir/socket/tcp.h"

/* Connect `s` (closed, initialised) to `remote`, choosing everything else: the source
 * address by the interface's source selection, a local port by RFC 6056 Algorithm 4 that
 * no socket of the interface uses with this remote end (registered sockets and listeners'
 * children, and the interface's TIME-WAIT records), the ISN by RFC 6528, the MSS from the interface's MTU.
 * The socket is registered with the interface (if it was not) and the SYN goes out at the
 * next poll. Returns 0; TAPIR_EINVAL (socket not closed, remote port 0, no IP version),
 * TAPIR_ENOADDR (no address to send from), TAPIR_EAGAIN (every port of the range is taken
 * for this remote end). With a demultiplexing index, a socket connected by
 * tapir_tcp_connect() counts as using its port from the next poll on (when it is entered;
 * its SYN leaves no earlier). */
int tapir_tcp_connect_iface(struct tapir_iface *iface, struct tapir_tcp_socket *s,
                            const struct tapir_tcp_endpoint *remote, tapir_instant now);

/* The ephemeral port range (inclusive). Default TAPIR_TCP_EPHEMERAL_MIN..MAX, 49152..65535
 * (RFC 6335 §6). Setting it restarts every destination's sequence. TAPIR_EINVAL when min is
 * 0 or above max. */
int tapir_iface_tcp_port_range(struct tapir_iface *iface, uint16_t min, uint16_t max);

/* Bytes of memory the demultiplexing index needs for up to `max_connections` connections
 * (32-byte entries, and a power of two of 4-byte buckets). */
size_t tapir_iface_tcp_index_size(unsigned max_connections);

/* Give the interface a demultiplexing index in `mem` (`len` bytes, aligned for a pointer,
 * kept by the caller for the interface's life or until replaced). Connections already
 * open are entered at the next poll. Size it for the connections that will be open at
 * once (listeners' children included; TIME-WAIT is kept apart, as records of
 * tapir/priv/tcp_timewait.h); beyond that, lookups still work, by
 * walking the sockets. Returns 0, or TAPIR_EINVAL when max_connections is 0 or above 2^30
 * or `len` is short. See include/tapir/priv/tcp_iface.h for how it works. */
int tapir_iface_tcp_index(struct tapir_iface *iface, void *mem, size_t len,
                          unsigned max_connections);

#endif
