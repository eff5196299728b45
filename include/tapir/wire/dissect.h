/* tapir — whole-frame dissection and printing, across every wire module.
 *
 * tapir_dissect() walks a frame from its link header down through the layers tapir knows
 * and records where each starts; the printers use it to write tcpdump-like lines (the
 * sniffer, the apps' -v trace) and every field of every layer (verbose). Nothing is
 * copied; a layer that fails to parse ends the walk and its error is recorded.
 */
#ifndef TAPIR_WIRE_DISSECT_H
#define TAPIR_WIRE_DISSECT_H

#include <stddef.h>
#include <stdint.h>

#include "tapir/text.h"

/* What a device's frames start with. */
enum tapir_medium {
    TAPIR_MEDIUM_ETHERNET = 1, /* TAP, AF_PACKET, loopback, pair */
    TAPIR_MEDIUM_IP = 2,       /* TUN: IPv4 or IPv6 by the version nibble */
};

enum tapir_layer {
    TAPIR_LAYER_ETHERNET,
    TAPIR_LAYER_ARP,
    TAPIR_LAYER_IPV4,
    TAPIR_LAYER_IPV6,
    TAPIR_LAYER_ICMPV4,
    TAPIR_LAYER_ICMPV6,
    TAPIR_LAYER_UDP,
    TAPIR_LAYER_TCP,
    TAPIR_LAYER_IGMP,
    TAPIR_LAYER_DHCPV4,  /* UDP to or from port 67 or 68 */
    TAPIR_LAYER_PAYLOAD, /* bytes above the last header tapir parses */
    /* DNS: a message on UDP or TCP port 53 (over TCP: after the 2-byte length prefix, and
     * only a segment that holds one whole message). */
    TAPIR_LAYER_DNS,
    TAPIR_LAYER_COUNT_
};

#define TAPIR_DISSECT_MAX_LAYERS 8

struct tapir_dissection {
    size_t count; /* layers recorded, including a failing one */
    struct tapir_layer_span {
        uint8_t layer; /* enum tapir_layer */
        int error;     /* 0, or the TAPIR_E* its parser returned */
        size_t offset; /* from the start of the frame */
        size_t len;    /* bytes from offset to the end of this layer's data */
    } layers[TAPIR_DISSECT_MAX_LAYERS];
};

/* "ethernet", "arp", "ipv4", ... (the names the fuzz harnesses and corpora use). */
const char *tapir_layer_name(enum tapir_layer layer);

/* Returns 0 when every layer parsed, else the first layer's error (also recorded). */
int tapir_dissect(const uint8_t *frame, size_t len, enum tapir_medium medium,
                  struct tapir_dissection *out);

enum tapir_print_flags {
    TAPIR_PRINT_LINK = 1 << 0,    /* include the link header (tcpdump -e) */
    TAPIR_PRINT_VERBOSE = 1 << 1, /* every field of every layer, one per line */
    /* The TCP/UDP checksum is not filled in yet (a capture of a sender that leaves it to
     * offload: AF_PACKET's TP_STATUS_CSUMNOTREADY): do not call it bad. */
    TAPIR_PRINT_CSUM_NOT_READY = 1 << 2,
};

/* One tcpdump-like line (no newline), or with TAPIR_PRINT_VERBOSE a block of lines.
 * A layer that does not parse is shown as "[bad <layer>: <reason>]". */
void tapir_frame_print(struct tapir_text *t, const uint8_t *frame, size_t len,
                       enum tapir_medium medium, unsigned flags);

#endif
