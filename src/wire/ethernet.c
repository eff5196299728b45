/* Ethernet II frames, with one 802.1Q tag skipped and reported. */
#include <string.h>

#include "bytes.h"
#include "emit.h"
#include "tapir/error.h"
#include "tapir/wire/ethernet.h"

/* EtherType values below 0x0600 are IEEE 802.3 length fields (IEEE 802.3 §3.2.6). */
#define ETHERTYPE_MIN 0x0600

int tapir_eth_parse(const uint8_t *buf, size_t len, struct tapir_eth_repr *out)
{
    if (len < TAPIR_ETH_HEADER_LEN)
        return TAPIR_ETRUNCATED;

    struct tapir_eth_repr r;
    memset(&r, 0, sizeof r);
    memcpy(r.dst.bytes, buf, 6);
    memcpy(r.src.bytes, buf + 6, 6);
    r.ethertype = load_be16(buf + 12);
    size_t hlen = TAPIR_ETH_HEADER_LEN;

    if (r.ethertype == TAPIR_ETHERTYPE_VLAN) {
        if (len < TAPIR_ETH_HEADER_LEN + TAPIR_ETH_VLAN_LEN)
            return TAPIR_ETRUNCATED;
        r.has_vlan = true;
        r.vlan_tci = load_be16(buf + 14);
        r.ethertype = load_be16(buf + 16);
        hlen += TAPIR_ETH_VLAN_LEN;
        /* Stacked tags (QinQ) are not something a host stack sees. */
        if (r.ethertype == TAPIR_ETHERTYPE_VLAN || r.ethertype == 0x88a8)
            return TAPIR_EUNSUPPORTED;
    }
    if (r.ethertype < ETHERTYPE_MIN)
        return TAPIR_EUNSUPPORTED;

    r.payload = buf + hlen;
    r.payload_len = len - hlen;
    *out = r;
    return 0;
}

size_t tapir_eth_header_len(const struct tapir_eth_repr *repr)
{
    return TAPIR_ETH_HEADER_LEN + (repr->has_vlan ? TAPIR_ETH_VLAN_LEN : 0);
}

int tapir_eth_emit(const struct tapir_eth_repr *repr, uint8_t *buf, size_t cap)
{
    size_t hlen = tapir_eth_header_len(repr);
    if (cap < hlen || cap - hlen < repr->payload_len)
        return TAPIR_ENOBUFS;

    place_payload(buf, hlen, repr->payload, repr->payload_len);
    memcpy(buf, repr->dst.bytes, 6);
    memcpy(buf + 6, repr->src.bytes, 6);
    if (repr->has_vlan) {
        store_be16(buf + 12, TAPIR_ETHERTYPE_VLAN);
        store_be16(buf + 14, repr->vlan_tci);
        store_be16(buf + 16, repr->ethertype);
    } else {
        store_be16(buf + 12, repr->ethertype);
    }
    return (int)(hlen + repr->payload_len);
}

const char *tapir_ethertype_name(uint16_t ethertype)
{
    switch (ethertype) {
    case TAPIR_ETHERTYPE_IPV4:
        return "IPv4";
    case TAPIR_ETHERTYPE_ARP:
        return "ARP";
    case TAPIR_ETHERTYPE_VLAN:
        return "802.1Q";
    case TAPIR_ETHERTYPE_IPV6:
        return "IPv6";
    default:
        return NULL;
    }
}

static void print_ethertype(struct tapir_text *t, uint16_t ethertype)
{
    const char *name = tapir_ethertype_name(ethertype);
    tapir_text_printf(t, "%s (0x%04x)", name ? name : "Unknown", ethertype);
}

void tapir_eth_print(struct tapir_text *t, const struct tapir_eth_repr *repr)
{
    char src[TAPIR_MAC_STRLEN], dst[TAPIR_MAC_STRLEN];
    tapir_text_printf(t, "%s > %s, ", tapir_mac_format(&repr->src, src),
                      tapir_mac_format(&repr->dst, dst));
    if (repr->has_vlan)
        tapir_text_printf(t, "vlan %u, p %u, ", repr->vlan_tci & 0x0fff, repr->vlan_tci >> 13);
    tapir_text_puts(t, "ethertype ");
    print_ethertype(t, repr->ethertype);
    tapir_text_printf(t, ", length %zu", tapir_eth_header_len(repr) + repr->payload_len);
}

void tapir_eth_print_verbose(struct tapir_text *t, const struct tapir_eth_repr *repr)
{
    char mac[TAPIR_MAC_STRLEN];
    tapir_text_puts(t, "Ethernet II\n");
    tapir_text_printf(t, "  destination: %s\n", tapir_mac_format(&repr->dst, mac));
    tapir_text_printf(t, "  source: %s\n", tapir_mac_format(&repr->src, mac));
    if (repr->has_vlan) {
        tapir_text_printf(t, "  802.1Q tag: tci 0x%04x, priority %u, dei %u, vlan %u\n",
                          repr->vlan_tci, repr->vlan_tci >> 13, (repr->vlan_tci >> 12) & 1,
                          repr->vlan_tci & 0x0fff);
    }
    tapir_text_puts(t, "  ethertype: ");
    print_ethertype(t, repr->ethertype);
    tapir_text_printf(t, "\n  header length: %zu\n  payload length: %zu\n",
                      tapir_eth_header_len(repr), repr->payload_len);
}

bool tapir_mac_is_broadcast(const struct tapir_mac_addr *mac)
{
    static const uint8_t all_ones[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    return memcmp(mac->bytes, all_ones, 6) == 0;
}

bool tapir_mac_is_multicast(const struct tapir_mac_addr *mac)
{
    /* The I/G bit: least significant bit of the first octet (IEEE 802 §8.2). */
    return (mac->bytes[0] & 1) != 0;
}
