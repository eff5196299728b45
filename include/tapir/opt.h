/* tapir — compile-time limits, each overridable with -D (lwIP's opt.h pattern).
 *
 * These bound every table in the caller-allocated structs: nothing in tapir grows. */
#ifndef TAPIR_OPT_H
#define TAPIR_OPT_H

/* Addresses and routes per interface. IPv6 needs room for the link-local address, the
 * static ones and (later) SLAAC addresses. */
#ifndef TAPIR_IFACE_MAX_IPV4
#define TAPIR_IFACE_MAX_IPV4 4
#endif
#ifndef TAPIR_IFACE_MAX_IPV6
#define TAPIR_IFACE_MAX_IPV6 8
#endif
#ifndef TAPIR_IFACE_MAX_ROUTES
#define TAPIR_IFACE_MAX_ROUTES 8
#endif
/* Multicast groups joined (besides all-nodes and solicited-node, which are implicit). */
#ifndef TAPIR_IFACE_MAX_GROUPS
#define TAPIR_IFACE_MAX_GROUPS 8
#endif

/* Neighbour cache entries (ARP and NDP share the table). */
#ifndef TAPIR_NEIGHBOR_CACHE_SIZE
#define TAPIR_NEIGHBOR_CACHE_SIZE 64
#endif
/* The queue of datagrams waiting for neighbour resolution, in maximum-size datagrams
 * (small ones share the space: the queue is a ring of whole datagrams). */
#ifndef TAPIR_NEIGHBOR_PENDING
#define TAPIR_NEIGHBOR_PENDING 4
#endif

/* Frames moved per device call. */
#ifndef TAPIR_RX_BATCH
#define TAPIR_RX_BATCH 32
#endif
#ifndef TAPIR_TX_BATCH
#define TAPIR_TX_BATCH 64
#endif

/* Datagrams being reassembled at once, and fragments accepted per datagram. */
#ifndef TAPIR_REASM_SLOTS
#define TAPIR_REASM_SLOTS 4
#endif
#ifndef TAPIR_REASM_MAX_FRAGS
#define TAPIR_REASM_MAX_FRAGS 64
#endif

/* Out-of-order byte ranges a TCP receiver keeps per connection (the assembler); a segment
 * that would need one more is dropped and the peer retransmits it later. The range that
 * starts at the next expected byte is extra, so in-order data is never refused. */
#ifndef TAPIR_ASSEMBLER_MAX_RANGES
#define TAPIR_ASSEMBLER_MAX_RANGES 32
#endif

/* TIME-WAIT records an interface keeps (tapir/priv/tcp_timewait.h: about 90 bytes each);
 * when all are in use, the oldest gives way to the next connection that enters TIME-WAIT. */
#ifndef TAPIR_TCP_TIME_WAIT_SLOTS
#define TAPIR_TCP_TIME_WAIT_SLOTS 64
#endif

#endif
