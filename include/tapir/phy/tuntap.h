/* tapir — TAP and TUN devices on /dev/net/tun.
 *
 * A TAP carries Ethernet frames (medium TAPIR_MEDIUM_ETHERNET), a TUN bare IPv4/IPv6
 * packets (TAPIR_MEDIUM_IP). tapir_tuntap_open() attaches to an existing device (such as a
 * persistent TAP created for the user with `ip tuntap add NAME mode tap user $USER`) or
 * creates one when the process may (CAP_NET_ADMIN in the device's network namespace). A
 * device the call created disappears when it is closed. The device is opened with
 * IFF_NO_PI and O_NONBLOCK; bringing the interface up and addressing it is left to the
 * administrator (tapir-tap) or the test.
 *
 * rx() reads up to n frames, one read() each (readv()/writev() with the virtio-net header
 * first when opened with vnet_hdr), and stops at the first EAGAIN (returning 0
 * when nothing waits). tx() writes up to n frames, one write() each, and stops at the
 * first EAGAIN (the caller retries the rest). A frame longer than the caller's buffer is
 * discarded and counted in stats.rx_dropped, so give each rx buffer at least mtu + 18
 * bytes on a TAP (Ethernet header and one VLAN tag) and mtu bytes on a TUN.
 */
#ifndef TAPIR_PHY_TUNTAP_H
#define TAPIR_PHY_TUNTAP_H

#include <stdbool.h>

#include "tapir/device.h"
#include "tapir/phy/common.h"

struct tapir_tuntap_options {
    /* Interface name (at most 15 bytes). NULL or "" lets the kernel pick tapN / tunN. */
    const char *name;
    /* true: a TUN (IP packets); false: a TAP (Ethernet frames). */
    bool tun;
    /* Offloads: IFF_VNET_HDR, a 10-byte virtio-net header before each frame
     * (tapir/phy/vnet.h), and TUNSETOFFLOAD with TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6. The
     * kernel then hands us TCP super-frames up to 64 KiB (gso_type, gso_size) and partial
     * or already-verified checksums (frame flags), and takes the same from us: the
     * device's caps become TAPIR_DEVICE_CAP_GSO | TAPIR_DEVICE_CAP_CSUM_TX. Each rx buffer
     * must then hold a whole super-frame: 65535 + 18 bytes on a TAP (an IP packet of
     * 65535 bytes behind an Ethernet header and one VLAN tag), 65535 on a TUN; a frame
     * that does not fit is discarded and counted in stats.rx_dropped. */
    bool vnet_hdr;
    /* 0: take the MTU the interface has. Otherwise set the interface's MTU to this
     * (SIOCSIFMTU, needs CAP_NET_ADMIN) before reading it back. */
    unsigned mtu;
};

struct tapir_tuntap {
    struct tapir_device dev;   /* hand &dev to the stack; ctx points at this struct */
    int fd;                    /* the /dev/net/tun file descriptor, -1 once closed */
    char name[TAPIR_IFNAMSIZ]; /* the interface's name as the kernel reports it */
    struct tapir_phy_stats stats;
    /* Offload: opened with IFF_VNET_HDR (every read and write carries the header). */
    bool vnet_hdr;
};

/* Opens or creates the TAP/TUN `opt` describes (NULL: a TAP with a kernel-chosen name)
 * into caller storage `t`, which must stay in place until tapir_tuntap_close().
 * Returns 0, or:
 *   TAPIR_ENOTUNDEV    /dev/net/tun does not exist;
 *   TAPIR_ENOPERM_TUN  no permission to open /dev/net/tun, to attach to the named device
 *                      or to create one (the text names the three ways to get it);
 *   TAPIR_EINVAL       a name too long;
 *   TAPIR_EUNSUPPORTED opt->vnet_hdr, and this kernel's tun driver lacks IFF_VNET_HDR,
 *                      TUNSETVNETHDRSZ or the TSO offloads (open again without);
 *   -errno             anything else (-EBUSY: the device is attached elsewhere; -EINVAL
 *                      from the kernel: the named device exists as the other kind;
 *                      -EPERM: setting opt->mtu needs CAP_NET_ADMIN, set it with
 *                      `ip link set NAME mtu N` instead).
 * On failure nothing stays open. */
int tapir_tuntap_open(struct tapir_tuntap *t, const struct tapir_tuntap_options *opt);

/* Closes the file descriptor (a device this process created goes away). Safe to call
 * twice. Returns 0 or -errno from close(). */
int tapir_tuntap_close(struct tapir_tuntap *t);

#endif
