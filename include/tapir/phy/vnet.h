/* tapir — the virtio-net header a TAP/TUN opened with IFF_VNET_HDR puts before each frame.
 *
 * With IFF_VNET_HDR every read() and write() on the device starts with a struct
 * virtio_net_hdr (virtio spec v1.2 §5.1.6, the legacy 10-byte form the kernel uses by
 * default, TUNSETVNETHDRSZ): flags, gso_type, hdr_len, gso_size, csum_start, csum_offset,
 * the 16-bit fields in the host's byte order (a legacy device on a little-endian host;
 * drivers/net/tun.c tun_is_little_endian()). Its meaning is the one struct tapir_frame's
 * offload fields already carry (include/tapir/device.h):
 *   VIRTIO_NET_HDR_F_NEEDS_CSUM (1)  <-> TAPIR_FRAME_CSUM_PARTIAL: the checksum at
 *        csum_start + csum_offset holds only the pseudo-header sum; the receiver of the
 *        frame may trust the data, a forwarder must finish the sum;
 *   VIRTIO_NET_HDR_F_DATA_VALID (2)  <-> TAPIR_FRAME_CSUM_VALID (rx only): the kernel
 *        checked the checksums;
 *   gso_type TCPV4 (1), UDP (3, UFO: refused here), TCPV6 (4), UDP_L4 (5), with the ECN
 *        bit (0x80) refused: we never turn on TUN_F_TSO_ECN or UFO, so the kernel never
 *        sends them;
 *   gso_size: the payload of each segment the super-frame stands for;
 *   hdr_len: the bytes of headers (link + IP + TCP), a hint the kernel recomputes; built
 *        from the frame, ignored on parse.
 * Pure functions over byte spans, no I/O: tested without a device.
 */
#ifndef TAPIR_PHY_VNET_H
#define TAPIR_PHY_VNET_H

#include <stddef.h>
#include <stdint.h>

#include "tapir/device.h"

/* sizeof(struct virtio_net_hdr), the size the kernel reads and writes by default. */
#define TAPIR_VNET_HDR_LEN 10

/* The flags and GSO types on the wire (linux/virtio_net.h). */
#define TAPIR_VNET_F_NEEDS_CSUM 1
#define TAPIR_VNET_F_DATA_VALID 2
#define TAPIR_VNET_GSO_NONE     0
#define TAPIR_VNET_GSO_TCPV4    1
#define TAPIR_VNET_GSO_UDP      3
#define TAPIR_VNET_GSO_TCPV6    4
#define TAPIR_VNET_GSO_UDP_L4   5
#define TAPIR_VNET_GSO_ECN      0x80

/* Reads the header at buf[0..len) into f's offload fields (flags, gso_type, gso_size,
 * csum_start, csum_offset; data/cap/len untouched). Returns 0, or:
 *   TAPIR_ETRUNCATED    len < TAPIR_VNET_HDR_LEN;
 *   TAPIR_EUNSUPPORTED  a GSO type we never asked for (UFO, ECN) or an unknown flag;
 *   TAPIR_EBADFIELD     GSO without a segment size, or NEEDS_CSUM whose checksum field
 *                       (csum_start + csum_offset + 2) lies beyond `frame_len`.
 * On failure f's offload fields are all zero. */
int tapir_vnet_hdr_parse(const uint8_t *buf, size_t len, size_t frame_len, struct tapir_frame *f);

/* Writes the header for frame f (its offload fields, and its bytes for hdr_len) into
 * buf[0..cap). Returns TAPIR_VNET_HDR_LEN, or TAPIR_ENOBUFS (cap too small), TAPIR_EINVAL
 * (GSO without CSUM_PARTIAL or without gso_size: the kernel refuses such a frame; or a
 * checksum field beyond the frame). A frame without offload gets an all-zero header. */
int tapir_vnet_hdr_build(const struct tapir_frame *f, uint8_t *buf, size_t cap);

#endif
