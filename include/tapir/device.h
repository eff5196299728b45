/* tapir — the device interface: how frames get in and out of the stack.
 *
 * A device moves whole frames (Ethernet frames, or bare IP packets for TUN) between the
 * stack and something else: a TAP or TUN file descriptor, an AF_PACKET socket, an
 * in-memory peer. Middleware (pcap writer, fault injector) wraps a device and is itself a
 * device. The interface (src/iface) sees only this header, never a concrete device.
 *
 * Buffers belong to the caller: rx() fills frames whose `data`/`cap` the caller set, and
 * tx() sends frames without keeping any pointer after it returns.
 */
#ifndef TAPIR_DEVICE_H
#define TAPIR_DEVICE_H

#include <stddef.h>
#include <stdint.h>

#include "tapir/wire/dissect.h" /* enum tapir_medium */

/* Offload metadata, with the meaning of the virtio-net header (virtio spec §5.1.6), so
 * that TAP with IFF_VNET_HDR can move 64 KiB GSO super-frames without the core changing.
 * Devices without offload set and expect all of it zero. */
enum tapir_gso_type {
    TAPIR_GSO_NONE = 0,
    TAPIR_GSO_TCPV4 = 1,
    TAPIR_GSO_TCPV6 = 4,
    TAPIR_GSO_UDP_L4 = 5,
};

enum tapir_frame_flags {
    TAPIR_FRAME_CSUM_PARTIAL = 1 << 0, /* checksum at csum_start+csum_offset still to do */
    TAPIR_FRAME_CSUM_VALID = 1 << 1,   /* rx: the sender vouched for the checksums */
};

struct tapir_frame {
    uint8_t *data; /* the caller's buffer */
    size_t cap;    /* its size (rx: room the device may fill) */
    size_t len;    /* bytes of frame (rx: set by the device; tx: set by the caller) */
    uint8_t flags; /* enum tapir_frame_flags */
    uint8_t gso_type;
    uint16_t gso_size; /* segment payload size when gso_type != NONE */
    uint16_t csum_start;
    uint16_t csum_offset;
};

struct tapir_device_ops {
    /* Receive up to n frames into frames[0..n) (each with data/cap set by the caller).
     * Returns how many were filled, 0 if none is waiting, or -errno / TAPIR_E*. */
    int (*rx)(void *ctx, struct tapir_frame *frames, int n);
    /* Transmit up to n frames. Returns how many were taken (fewer when the device is
     * full: the caller retries the rest later), or -errno / TAPIR_E*. */
    int (*tx)(void *ctx, const struct tapir_frame *frames, int n);
    /* A file descriptor that polls readable when rx() has frames, or -1. */
    int (*fd)(void *ctx);
};

enum tapir_device_caps {
    TAPIR_DEVICE_CAP_GSO = 1 << 0,     /* tx/rx accept GSO super-frames */
    TAPIR_DEVICE_CAP_CSUM_TX = 1 << 1, /* tx accepts CSUM_PARTIAL */
};

struct tapir_device {
    const struct tapir_device_ops *ops;
    void *ctx;
    enum tapir_medium medium;
    unsigned mtu;  /* largest IP packet the device carries (1500 on Ethernet) */
    unsigned caps; /* enum tapir_device_caps */
};

/* Convenience wrappers: device->ops->rx(device->ctx, ...). */
static inline int tapir_device_rx(const struct tapir_device *d, struct tapir_frame *f, int n)
{
    return d->ops->rx(d->ctx, f, n);
}

static inline int tapir_device_tx(const struct tapir_device *d, const struct tapir_frame *f, int n)
{
    return d->ops->tx(d->ctx, f, n);
}

static inline int tapir_device_fd(const struct tapir_device *d)
{
    return d->ops->fd ? d->ops->fd(d->ctx) : -1;
}

#endif
