/* tapir — private: the neighbour cache shared by ARP (IPv4) and NDP (IPv6).
 *
 * Declared in a public header only because struct tapir_iface embeds it. Each entry maps
 * an IP address to a MAC. While an entry resolves, the datagrams sent to it wait, in
 * order, in one queue shared by all entries (a ring of whole datagrams carved from the
 * interface's memory, TAPIR_NEIGHBOR_PENDING maximum-size datagrams' worth), at most
 * TAPIR_NEIGHBOR_QUEUE_MAX per entry: RFC 1122 §2.3.2.2 asks to keep at least the
 * newest; keeping a burst (Linux keeps up to 100) means a program that sends several
 * datagrams before the first answer loses none. When the queue is full the oldest give way.
 */
#ifndef TAPIR_PRIV_NEIGHBOR_H
#define TAPIR_PRIV_NEIGHBOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tapir/addr.h"
#include "tapir/opt.h"
#include "tapir/priv/packet_ring.h"
#include "tapir/time.h"

/* Datagrams one unresolved neighbour may have waiting. */
#ifndef TAPIR_NEIGHBOR_QUEUE_MAX
#define TAPIR_NEIGHBOR_QUEUE_MAX 32
#endif

enum tapir__neighbor_state {
    TAPIR__NEIGHBOR_FREE = 0,
    TAPIR__NEIGHBOR_INCOMPLETE, /* request sent, no answer yet */
    TAPIR__NEIGHBOR_REACHABLE,  /* answered; valid until expires_at */
    TAPIR__NEIGHBOR_FAILED,     /* no answer after the last request; until expires_at */
    /* IPv6 neighbour unreachability detection (RFC 4861 §7.3.2; src/iface/iface_nud.c):
     * REACHABLE lasts until reachable_until; STALE entries go at expires_at unless used;
     * DELAY and PROBE run on next_request_at, `requests` counting the probes. */
    TAPIR__NEIGHBOR_STALE,
    TAPIR__NEIGHBOR_DELAY,
    TAPIR__NEIGHBOR_PROBE,
};

struct tapir__neighbor {
    uint8_t state;
    uint8_t requests; /* requests sent in this resolution */
    uint16_t queued;  /* datagrams waiting for this entry in the cache's queue */
    struct tapir_ip_addr ip;
    struct tapir_mac_addr mac;
    tapir_instant expires_at;      /* REACHABLE/FAILED: when the entry goes */
    tapir_instant next_request_at; /* INCOMPLETE: when to ask again (or give up) */
    tapir_instant last_used;
    tapir_instant reachable_until; /* NUD: end of REACHABLE */
};

struct tapir__neighbor_cache {
    struct tapir__neighbor entries[TAPIR_NEIGHBOR_CACHE_SIZE];
    /* Datagrams waiting for resolution: records {entry index (uint16_t), datagram}, in the
     * order they were sent. */
    struct tapir__packet_ring queue;
    size_t datagram_max; /* the largest datagram queued */
};

#endif
