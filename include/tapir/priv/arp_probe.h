/* tapir — private: the interface's record of an address being probed (RFC 5227 §2.1).
 *
 * Declared in a public header only because struct tapir_iface embeds it; use
 * tapir_iface_arp_probe() / tapir_iface_arp_conflict() (include/tapir/iface.h). */
#ifndef TAPIR_PRIV_ARP_PROBE_H
#define TAPIR_PRIV_ARP_PROBE_H

#include <stdbool.h>

#include "tapir/addr.h"

struct tapir__arp_probe {
    bool active;                 /* an address is being watched */
    bool conflict;               /* another host claimed it since the first probe */
    struct tapir_ipv4_addr addr; /* the address probed */
    struct tapir_mac_addr by;    /* who claimed it (valid with conflict) */
    unsigned probes_sent;
};

#endif
