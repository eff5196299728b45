/* Internal: TCP at scale on the interface (iface_tcp_demux.c, iface_tcp_connect.c): the
 * demultiplexing index, and the RFC 6528 ISN for a tuple. */
#ifndef TAPIR_IFACE_TCP_SCALE_H
#define TAPIR_IFACE_TCP_SCALE_H

#include "iface_internal.h"
#include "tapir/socket/tcp.h"

/* The connection that owns src:sport -> dst:dport (any state but CLOSED and LISTEN), or
 * NULL. When `listener` is not NULL it is set, if no connection matched, to the first
 * registered listener for dst:dport (or NULL), and with an index the registered sockets
 * are walked on a miss (connections not yet entered, and the listeners); when `listener`
 * is NULL, an index that is complete answers alone. */
struct tapir_tcp_socket *tapir__tcp_demux_find(const struct tapir_iface *iface,
                                               const struct tapir_ip_addr *src, uint16_t sport,
                                               const struct tapir_ip_addr *dst, uint16_t dport,
                                               struct tapir_tcp_socket **listener);

/* Enter a connected socket into the index (reached through registered socket `owner`)
 * unless it is there under its current tuple. No-op without an index. Returns false when
 * it could not be entered (the index then walks, see include/tapir/priv/tcp_iface.h). */
bool tapir__tcp_demux_track(struct tapir_iface *iface, struct tapir_tcp_socket *s,
                            const struct tapir_socket_link *owner);

/* A full walk of the sockets starts / ended; `failures` tracks that failed during it: with
 * none, the index holds every connection and lookups stop walking. */
void tapir__tcp_demux_walk_done(struct tapir_iface *iface, unsigned failures);

/* Remove every entry `owner` brought in (tapir_iface_remove_socket()). */
void tapir__tcp_demux_forget(struct tapir_iface *iface, const struct tapir_socket_link *owner);

/* RFC 6528 ISN for the connection local:lport <-> remote:rport at `now`, under the
 * interface's secret. */
uint32_t tapir__iface_tcp_isn(const struct tapir_iface *iface, const struct tapir_ip_addr *local,
                              uint16_t lport, const struct tapir_ip_addr *remote, uint16_t rport,
                              tapir_instant now);

#endif
