/* The virtio-net header of IFF_VNET_HDR devices (include/tapir/phy/vnet.h). */
#include <stdbool.h>
#include <string.h>

#include "frame.h"
#include "tapir/error.h"
#include "tapir/phy/vnet.h"

/* Host byte order: a legacy virtio-net header on this host (see the header). */
static uint16_t get16(const uint8_t *b)
{
    uint16_t v;
    memcpy(&v, b, 2);
    return v;
}

static void put16(uint8_t *b, uint16_t v)
{
    memcpy(b, &v, 2);
}

int tapir_vnet_hdr_parse(const uint8_t *buf, size_t len, size_t frame_len, struct tapir_frame *f)
{
    tapir__frame_clear_offload(f);
    if (len < TAPIR_VNET_HDR_LEN)
        return TAPIR_ETRUNCATED;
    uint8_t flags = buf[0];
    uint8_t gso = buf[1];
    uint16_t gso_size = get16(buf + 4);
    uint16_t start = get16(buf + 6);
    uint16_t offset = get16(buf + 8);
    if (flags & ~(TAPIR_VNET_F_NEEDS_CSUM | TAPIR_VNET_F_DATA_VALID))
        return TAPIR_EUNSUPPORTED;
    uint8_t type;
    switch (gso) {
    case TAPIR_VNET_GSO_NONE:
        type = TAPIR_GSO_NONE;
        break;
    case TAPIR_VNET_GSO_TCPV4:
        type = TAPIR_GSO_TCPV4;
        break;
    case TAPIR_VNET_GSO_TCPV6:
        type = TAPIR_GSO_TCPV6;
        break;
    case TAPIR_VNET_GSO_UDP_L4:
        type = TAPIR_GSO_UDP_L4;
        break;
    default: /* UFO, ECN: never enabled by TUNSETOFFLOAD here */
        return TAPIR_EUNSUPPORTED;
    }
    if (type != TAPIR_GSO_NONE && gso_size == 0)
        return TAPIR_EBADFIELD;
    if ((flags & TAPIR_VNET_F_NEEDS_CSUM) && (size_t)start + offset + 2 > frame_len)
        return TAPIR_EBADFIELD;
    if (flags & TAPIR_VNET_F_NEEDS_CSUM) {
        f->flags |= TAPIR_FRAME_CSUM_PARTIAL;
        f->csum_start = start;
        f->csum_offset = offset;
    }
    if (flags & TAPIR_VNET_F_DATA_VALID)
        f->flags |= TAPIR_FRAME_CSUM_VALID;
    f->gso_type = type;
    f->gso_size = type != TAPIR_GSO_NONE ? gso_size : 0;
    return 0;
}

int tapir_vnet_hdr_build(const struct tapir_frame *f, uint8_t *buf, size_t cap)
{
    if (cap < TAPIR_VNET_HDR_LEN)
        return TAPIR_ENOBUFS;
    memset(buf, 0, TAPIR_VNET_HDR_LEN);
    bool partial = (f->flags & TAPIR_FRAME_CSUM_PARTIAL) != 0;
    if (partial && (size_t)f->csum_start + f->csum_offset + 2 > f->len)
        return TAPIR_EINVAL;
    uint8_t gso;
    switch (f->gso_type) {
    case TAPIR_GSO_NONE:
        gso = TAPIR_VNET_GSO_NONE;
        break;
    case TAPIR_GSO_TCPV4:
        gso = TAPIR_VNET_GSO_TCPV4;
        break;
    case TAPIR_GSO_TCPV6:
        gso = TAPIR_VNET_GSO_TCPV6;
        break;
    case TAPIR_GSO_UDP_L4:
        gso = TAPIR_VNET_GSO_UDP_L4;
        break;
    default:
        return TAPIR_EINVAL;
    }
    /* GSO needs the partial checksum: every segment's sum is finished by whoever cuts
     * the super-frame (the kernel refuses GSO without NEEDS_CSUM for TCP). */
    if (gso != TAPIR_VNET_GSO_NONE && (!partial || f->gso_size == 0))
        return TAPIR_EINVAL;
    uint16_t hdr_len = 0;
    if (partial) {
        buf[0] = TAPIR_VNET_F_NEEDS_CSUM;
        put16(buf + 6, f->csum_start);
        put16(buf + 8, f->csum_offset);
        hdr_len = (uint16_t)(f->csum_start + f->csum_offset + 2);
    }
    if (gso != TAPIR_VNET_GSO_NONE) {
        buf[1] = gso;
        put16(buf + 4, f->gso_size);
        /* The headers end with the transport header: TCP's data offset, UDP's 8. */
        size_t l4 = f->csum_start;
        size_t end = gso == TAPIR_VNET_GSO_UDP_L4 ? l4 + 8
                     : l4 + 12 < f->len           ? l4 + (size_t)(f->data[l4 + 12] >> 4) * 4
                                                  : 0;
        if (end > hdr_len && end <= f->len)
            hdr_len = (uint16_t)end;
    }
    put16(buf + 2, hdr_len);
    return TAPIR_VNET_HDR_LEN;
}
