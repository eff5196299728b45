/* tapir — an AF_PACKET raw socket bound to one interface.
 *
 * The device sees every frame arriving on the interface (ETH_P_ALL) but not those it or
 * the host send (PACKET_IGNORE_OUTGOING), and transmits whole frames on it. rx and tx
 * are batched with recvmmsg()/sendmmsg() on a non-blocking socket. The medium follows the
 * interface's hardware type: Ethernet (ARPHRD_ETHER, ARPHRD_LOOPBACK) or IP
 * (ARPHRD_NONE, e.g. a TUN or WireGuard interface); other types are refused.
 *
 * The stack answers for its own MAC address, which the interface does not have: set
 * `promisc` so the NIC passes frames addressed to it (the kernel drops the membership
 * when the socket closes).
 *
 * Opening needs CAP_NET_RAW in the interface's network namespace.
 *
 * rx(): a frame longer than the caller's buffer (for example a GRO super-frame) is
 * discarded and counted in stats.rx_dropped. To keep the frames it returns contiguous,
 * rx() may exchange the data/cap pairs of frames[0..n) among themselves: every buffer
 * stays in the caller's array, but not necessarily at the index it was given. Read
 * frames[i].data, not the buffer you put at i.
 */
#ifndef TAPIR_PHY_PACKET_H
#define TAPIR_PHY_PACKET_H

#include <stdbool.h>

#include "tapir/device.h"
#include "tapir/phy/common.h"

struct tapir_packet_options {
    const char *ifname; /* the interface to bind (required, at most 15 bytes) */
    bool promisc;       /* put the interface in promiscuous mode while open */
    unsigned mtu;       /* 0: the interface's MTU; otherwise report this one instead */
};

struct tapir_packet {
    struct tapir_device dev; /* hand &dev to the stack; ctx points at this struct */
    int fd;                  /* the socket, -1 once closed */
    int ifindex;
    char name[TAPIR_IFNAMSIZ];
    struct tapir_phy_stats stats;
};

/* Opens a raw socket bound to opt->ifname into caller storage `p`, which must stay in
 * place until tapir_packet_close(). Returns 0, or:
 *   TAPIR_ENOPERM_RAW  no permission for an AF_PACKET socket (needs CAP_NET_RAW);
 *   TAPIR_ENODEV       no interface by that name;
 *   TAPIR_EINVAL       no name, or a name too long;
 *   TAPIR_EUNSUPPORTED the interface's hardware type is neither Ethernet nor raw IP;
 *   -errno             anything else.
 * On failure nothing stays open. */
int tapir_packet_open(struct tapir_packet *p, const struct tapir_packet_options *opt);

/* Closes the socket. Safe to call twice. Returns 0 or -errno from close(). */
int tapir_packet_close(struct tapir_packet *p);

#endif
