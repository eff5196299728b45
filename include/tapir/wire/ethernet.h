/* tapir — Ethernet II framing (IEEE 802.3 with EtherType), with 802.1Q tags reported.
 *
 * Wire functions follow one pattern, shared by every protocol under tapir/wire/:
 *
 *   parse(buf, len, &repr)  checks every length before reading, fills a validated repr and
 *                           returns 0, or a negative TAPIR_E* naming what is wrong. The
 *                           repr's `payload` points into `buf` (nothing is copied).
 *   header_len(&repr)       the exact number of bytes emit() writes before the payload.
 *   emit(&repr, buf, cap)   writes header_len() bytes, then the payload: the payload is
 *                           copied (memmove) from repr.payload unless it already sits at
 *                           buf + header_len(), or is NULL, in which case the caller put it
 *                           there. Returns the total length written, or TAPIR_ENOBUFS.
 *   print(t, &repr)         one tcpdump-like line (no newline).
 *   print_verbose(t, &repr) every field: a title line, then one "  name: value" line each.
 */
#ifndef TAPIR_WIRE_ETHERNET_H
#define TAPIR_WIRE_ETHERNET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tapir/addr.h"
#include "tapir/text.h"

#define TAPIR_ETH_HEADER_LEN  14
#define TAPIR_ETH_VLAN_LEN    4
#define TAPIR_ETH_MIN_FRAME   60 /* without FCS; shorter frames are padded on the wire */
#define TAPIR_ETH_MAX_PAYLOAD 1500

enum tapir_ethertype {
    TAPIR_ETHERTYPE_IPV4 = 0x0800,
    TAPIR_ETHERTYPE_ARP = 0x0806,
    TAPIR_ETHERTYPE_VLAN = 0x8100, /* IEEE 802.1Q */
    TAPIR_ETHERTYPE_IPV6 = 0x86dd,
};

struct tapir_eth_repr {
    struct tapir_mac_addr dst;
    struct tapir_mac_addr src;
    uint16_t ethertype; /* of the payload, after any 802.1Q tag */
    bool has_vlan;      /* an 802.1Q tag was present (parse) / is to be written (emit) */
    uint16_t vlan_tci;  /* tag control: PCP (3 bits), DEI (1), VLAN ID (12) */
    const uint8_t *payload;
    size_t payload_len;
};

/* Errors: TAPIR_ETRUNCATED (shorter than the header or the tag), TAPIR_EUNSUPPORTED (an
 * 802.3 length field instead of an EtherType, or a second, stacked tag). */
int tapir_eth_parse(const uint8_t *buf, size_t len, struct tapir_eth_repr *out);
size_t tapir_eth_header_len(const struct tapir_eth_repr *repr);
int tapir_eth_emit(const struct tapir_eth_repr *repr, uint8_t *buf, size_t cap);

/* "02:00:00:00:00:02 > 02:00:00:00:00:01, ethertype IPv4 (0x0800), length 98" */
void tapir_eth_print(struct tapir_text *t, const struct tapir_eth_repr *repr);
void tapir_eth_print_verbose(struct tapir_text *t, const struct tapir_eth_repr *repr);

/* "IPv4", "ARP", "IPv6", "802.1Q", or NULL when unknown. */
const char *tapir_ethertype_name(uint16_t ethertype);

bool tapir_mac_is_broadcast(const struct tapir_mac_addr *mac);
bool tapir_mac_is_multicast(const struct tapir_mac_addr *mac); /* includes broadcast */

#endif
