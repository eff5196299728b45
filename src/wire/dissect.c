/* Whole-frame dissection: the walk from the link header down through every layer tapir
 * parses. The printers in print_frame.c use the same walk. */
#include <string.h>

#include "tapir/error.h"
#include "tapir/wire/arp.h"
#include "tapir/wire/dissect.h"
#include "tapir/wire/ethernet.h"

static const char *const layer_names[TAPIR_LAYER_COUNT_] = {
    [TAPIR_LAYER_ETHERNET] = "ethernet", [TAPIR_LAYER_ARP] = "arp",
    [TAPIR_LAYER_IPV4] = "ipv4",         [TAPIR_LAYER_IPV6] = "ipv6",
    [TAPIR_LAYER_ICMPV4] = "icmpv4",     [TAPIR_LAYER_ICMPV6] = "icmpv6",
    [TAPIR_LAYER_UDP] = "udp",           [TAPIR_LAYER_TCP] = "tcp",
    [TAPIR_LAYER_PAYLOAD] = "payload",
};

const char *tapir_layer_name(enum tapir_layer layer)
{
    if ((unsigned)layer >= TAPIR_LAYER_COUNT_)
        return "unknown";
    return layer_names[layer];
}

static int record(struct tapir_dissection *d, enum tapir_layer layer, int error, size_t offset,
                  size_t len)
{
    if (d->count < TAPIR_DISSECT_MAX_LAYERS) {
        d->layers[d->count].layer = (uint8_t)layer;
        d->layers[d->count].error = error;
        d->layers[d->count].offset = offset;
        d->layers[d->count].len = len;
        d->count++;
    }
    return error;
}

int tapir_dissect(const uint8_t *frame, size_t len, enum tapir_medium medium,
                  struct tapir_dissection *out)
{
    memset(out, 0, sizeof *out);
    if (medium != TAPIR_MEDIUM_ETHERNET)
        return record(out, TAPIR_LAYER_PAYLOAD, TAPIR_EUNSUPPORTED, 0, len);

    struct tapir_eth_repr eth;
    int rc = tapir_eth_parse(frame, len, &eth);
    if (record(out, TAPIR_LAYER_ETHERNET, rc, 0, len) != 0)
        return rc;
    size_t off = tapir_eth_header_len(&eth);
    switch (eth.ethertype) {
    case TAPIR_ETHERTYPE_ARP: {
        struct tapir_arp_repr arp;
        rc = tapir_arp_parse(eth.payload, eth.payload_len, &arp);
        return record(out, TAPIR_LAYER_ARP, rc, off, eth.payload_len);
    }
    default:
        record(out, TAPIR_LAYER_PAYLOAD, 0, off, eth.payload_len);
        return 0;
    }
}
