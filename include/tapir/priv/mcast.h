/* tapir — multicast group membership state of an interface (IGMP and MLD, host side).
 *
 * Part of struct tapir_iface; the caller allocates it but never touches it: use
 * tapir_iface_join_group() / tapir_iface_leave_group() (tapir/iface.h). The logic is in
 * src/iface/iface_multicast.c. */
#ifndef TAPIR_PRIV_MCAST_H
#define TAPIR_PRIV_MCAST_H

#include <stdbool.h>
#include <stdint.h>

#include "tapir/addr.h"
#include "tapir/opt.h"
#include "tapir/time.h"

/* One group we are a member of, or have just left and still announce the leave for. */
struct tapir__mcast_group {
    struct tapir_ip_addr addr; /* version TAPIR_IP_NONE: a free slot */
    uint16_t refs;             /* joins minus leaves; 0 while the leave is still being sent */
    /* State-change reports (RFC 3376 §5.1, RFC 3810 §6.1): how many are still to go, when
     * the next one is due. */
    uint8_t changes_left;
    bool change_pending;
    tapir_instant change_at;
    /* The answer to a group-specific query (RFC 3376 §5.2 rules 3 and 4). */
    bool query_pending;
    tapir_instant query_at;
};

/* Per address family (0: IGMP over IPv4, 1: MLD over IPv6). */
struct tapir__mcast_family {
    /* The answer to a general query: the interface timer of RFC 3376 §5.2. */
    bool general_pending;
    tapir_instant general_at;
    /* Older Version Querier Present timers (RFC 3376 §7.2.1, RFC 3810 §8.2.1): until then
     * we speak IGMPv1 / IGMPv2 (v1_until is IPv4 only) or MLDv1 (v2_until). */
    tapir_instant v1_until, v2_until;
    uint8_t robustness;        /* the querier's QRV when it sent one, else 0: the default 2 */
    uint32_t query_interval_s; /* the querier's QQI when it sent one, else 0: 125 s */
};

struct tapir__mcast {
    struct tapir__mcast_group groups[TAPIR_IFACE_MAX_GROUPS];
    struct tapir__mcast_family family[2];
};

#endif
