/* UDP datagrams (RFC 768) and their checksum over the IPv4 or IPv6 pseudo-header
 * (RFC 768, RFC 8200 §8.1). */
#include <string.h>

#include "bytes.h"
#include "emit.h"
#include "tapir/error.h"
#include "tapir/wire/udp.h"

/* A pseudo-header must name one family for both addresses; anything else is a caller bug,
 * and summing it would quietly produce a checksum no receiver accepts. */
static bool ph_valid(const struct tapir_pseudo_header *ph)
{
    return ph->src.version == ph->dst.version &&
           (ph->src.version == TAPIR_IP_V4 || ph->src.version == TAPIR_IP_V6);
}

int tapir_udp_parse(const uint8_t *buf, size_t len, const struct tapir_pseudo_header *ph,
                    struct tapir_udp_repr *out)
{
    if (len < TAPIR_UDP_HEADER_LEN)
        return TAPIR_ETRUNCATED;
    if (ph != NULL && !ph_valid(ph))
        return TAPIR_EINVAL;

    uint16_t length = load_be16(buf + 4);
    /* RFC 768: the length counts the header, so it is at least 8. */
    if (length < TAPIR_UDP_HEADER_LEN)
        return TAPIR_EBADTOTALLEN;
    if (length > len)
        return TAPIR_ETRUNCATED;

    struct tapir_udp_repr r;
    r.src_port = load_be16(buf);
    r.dst_port = load_be16(buf + 2);
    r.checksum = load_be16(buf + 6);
    r.payload = buf + TAPIR_UDP_HEADER_LEN;
    r.payload_len = length - TAPIR_UDP_HEADER_LEN;

    if (ph != NULL) {
        if (r.checksum == 0) {
            /* RFC 768: zero means the sender computed none, which IPv4 allows; RFC 8200
             * §8.1: over IPv6 the checksum is mandatory and a zero one is discarded. */
            if (ph->src.version == TAPIR_IP_V6)
                return TAPIR_EBADCHECKSUM;
        } else {
            /* The pseudo-header carries the UDP length field (RFC 768), and the sum runs
             * over exactly the datagram it delimits. */
            uint64_t acc = tapir_csum_pseudo(ph, length);
            acc = tapir_csum_add(acc, buf, length);
            if (tapir_csum_finish(acc) != 0)
                return TAPIR_EBADCHECKSUM;
        }
    }
    *out = r;
    return 0;
}

size_t tapir_udp_header_len(const struct tapir_udp_repr *repr)
{
    (void)repr;
    return TAPIR_UDP_HEADER_LEN;
}

int tapir_udp_emit(const struct tapir_udp_repr *repr, const struct tapir_pseudo_header *ph,
                   uint8_t *buf, size_t cap)
{
    if (repr->payload_len > TAPIR_UDP_MAX_PAYLOAD)
        return TAPIR_EINVAL;
    if (ph != NULL && !ph_valid(ph))
        return TAPIR_EINVAL;
    size_t total = TAPIR_UDP_HEADER_LEN + repr->payload_len;
    if (cap < total)
        return TAPIR_ENOBUFS;

    place_payload(buf, TAPIR_UDP_HEADER_LEN, repr->payload, repr->payload_len);
    store_be16(buf, repr->src_port);
    store_be16(buf + 2, repr->dst_port);
    store_be16(buf + 4, (uint16_t)total);
    store_be16(buf + 6, 0);
    if (ph != NULL) {
        uint64_t acc = tapir_csum_pseudo(ph, (uint32_t)total);
        uint16_t sum = tapir_csum_finish(tapir_csum_add(acc, buf, total));
        /* RFC 768: a computed zero is sent as all ones, since zero means "no checksum". */
        store_be16(buf + 6, sum == 0 ? 0xffff : sum);
    }
    return (int)total;
}

void tapir_udp_print(struct tapir_text *t, const struct tapir_udp_repr *repr)
{
    tapir_text_printf(t, "UDP, length %zu", repr->payload_len);
}

void tapir_udp_print_verbose(struct tapir_text *t, const struct tapir_udp_repr *repr)
{
    tapir_text_puts(t, "UDP\n");
    tapir_text_printf(t, "  source port: %u\n", repr->src_port);
    tapir_text_printf(t, "  destination port: %u\n", repr->dst_port);
    tapir_text_printf(t, "  length: %zu\n", TAPIR_UDP_HEADER_LEN + repr->payload_len);
    tapir_text_printf(t, "  checksum: 0x%04x%s\n", repr->checksum,
                      repr->checksum == 0 ? " (none)" : "");
    tapir_text_printf(t, "  payload length: %zu\n", repr->payload_len);
}
