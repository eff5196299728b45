/* TCP super-segments on a device that offloads segmentation (a TAP or TUN opened with
 * IFF_VNET_HDR, TAPIR_DEVICE_CAP_GSO | TAPIR_DEVICE_CAP_CSUM_TX).
 *
 * The way out: a TCP socket may put many MSS of payload in one segment (tcp_output.c,
 * up to tapir__tcp_gso_max()); the interface sends it as one frame whose metadata has
 * the meaning of the virtio-net header (include/tapir/device.h, virtio v1.2 §5.1.6.2):
 *   gso_type TCPV4/TCPV6, gso_size = the MSS, so the device (the kernel's tcp_gso_segment)
 *   cuts it into segments of gso_size bytes of payload, each with the TCP header copied,
 *   the sequence number advanced, PSH/FIN only on the last;
 *   CSUM_PARTIAL with csum_start = the TCP header's offset and csum_offset = 16: the TCP
 *   checksum field holds the pseudo-header sum over the whole super-segment's length,
 *   folded and not complemented (Linux's CHECKSUM_PARTIAL convention): the segmenter
 *   adjusts it for each segment's length and finishes the sum;
 *   the IPv4 header complete, its checksum computed; the IPv4 identification is the
 *   first of the segments', which the kernel increments segment by segment (no
 *   SKB_GSO_TCP_FIXEDID), so the interface skips as many identifications as there are
 *   segments (RFC 6864: unique per source, destination and protocol within a datagram's
 *   lifetime).
 * A super-segment to a neighbour not yet resolved cannot carry metadata through the
 * neighbour queue: it gets a full checksum instead and is sent as one IP datagram, which
 * the interface fragments when the neighbour answers. Correct, slow, rare (the first
 * flight after a neighbour entry expired).
 *
 * The way in: a super-frame is accepted as one IP packet longer than the MTU (the frame
 * buffers hold 65535 bytes of IP packet when the device has GSO), and a frame whose
 * checksum the device vouched for (CSUM_VALID) or left partial (CSUM_PARTIAL: the kernel
 * sent it on a virtual link and never computed the sum) is not verified.
 */
#include <string.h>

#include "iface_pseudo.h"
#include "../socket/tcp_internal.h"
#include "iface_internal.h"
#include "tapir/wire/checksum.h"
#include "tapir/wire/ethernet.h"
#include "tapir/wire/ip.h"

/* The IP packet is at most 65535 bytes (IPv4 total length, IPv6 payload length less
 * its 40-byte header is tighter still for IPv4): keep the largest headers out of it. */
#define GSO_MAX_PAYLOAD (65535u - 40u - 60u)

uint32_t tapir__tcp_gso_max(const struct tapir_iface *iface)
{
    const unsigned need = TAPIR_DEVICE_CAP_GSO | TAPIR_DEVICE_CAP_CSUM_TX;
    if ((iface->cfg.device->caps & need) != need)
        return 0;
    /* Frame buffers sized at init for super-frames (a device's caps cannot grow later). */
    size_t link = iface->cfg.device->medium == TAPIR_MEDIUM_IP ? 0 : TAPIR_ETH_HEADER_LEN;
    if (iface->frame_size < 65535 + link)
        return 0;
    return GSO_MAX_PAYLOAD;
}

bool tapir__rx_csum_trusted(struct tapir_iface *iface)
{
    if (!(iface->rx_frame_flags & (TAPIR_FRAME_CSUM_VALID | TAPIR_FRAME_CSUM_PARTIAL)))
        return false;
    iface->stats.csum_offloaded_rx++;
    return true;
}

int tapir__tcp_send_gso(struct tapir_iface *iface, tapir_instant now,
                        const struct tapir__tcp_out *out)
{
    struct tapir_pseudo_header ph = tapir__pseudo(&out->src, &out->dst, TAPIR_IP_PROTO_TCP);
    uint8_t *upper = iface->datagram + TAPIR__IP_ROOM;
    /* No checksum yet (NULL pseudo-header): one of the two below goes in. */
    int n = tapir_tcp_emit(&out->tcp, NULL, upper, GSO_MAX_PAYLOAD + 60);
    if (n < 0)
        return n;
    upper[16] = upper[17] = 0;
    uint64_t acc = tapir_csum_pseudo(&ph, (uint32_t)n);
    bool v4 = out->dst.version == TAPIR_IP_V4;
    size_t thl = (size_t)(upper[12] >> 4) * 4;
    size_t payload = (size_t)n - thl;
    unsigned segs = (unsigned)((payload + out->gso_size - 1) / out->gso_size);
    bool offload = tapir__tcp_gso_max(iface) != 0 && tapir__link_ready(iface, now, &out->dst);
    uint16_t sum;
    if (offload) {
        /* tapir_csum_finish() complements: undo it for the bare pseudo-header sum. */
        sum = (uint16_t)~tapir_csum_finish(acc);
    } else {
        sum = tapir_csum_finish(tapir_csum_add(acc, upper, (size_t)n));
    }
    /* tapir_csum_finish() gives the value as load_be16 reads it: store big-endian. */
    upper[16] = (uint8_t)(sum >> 8);
    upper[17] = (uint8_t)sum;

    const uint8_t *dg;
    int len = tapir__finish_ip(iface, &out->src, &out->dst, TAPIR_IP_PROTO_TCP, 0, (size_t)n, &dg);
    if (len < 0)
        return len;
    if (!offload)
        return tapir__send_ip(iface, now, dg, (size_t)len);
    if (v4)
        iface->next_ipv4_ident = (uint16_t)(iface->next_ipv4_ident + segs - 1);
    iface->tx_offload.flags = TAPIR_FRAME_CSUM_PARTIAL;
    iface->tx_offload.gso_type = v4 ? TAPIR_GSO_TCPV4 : TAPIR_GSO_TCPV6;
    iface->tx_offload.gso_size = out->gso_size;
    iface->tx_offload.csum_start = (uint16_t)(len - n);
    iface->tx_offload.csum_offset = 16;
    uint64_t before = iface->stats.tx_frames;
    int rc = tapir__send_ip(iface, now, dg, (size_t)len);
    if (iface->stats.tx_frames != before) {
        iface->stats.gso_frames_sent++;
        iface->stats.gso_segments_sent += segs;
    }
    memset(&iface->tx_offload, 0, sizeof iface->tx_offload);
    return rc;
}
