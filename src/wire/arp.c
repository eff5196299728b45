/* ARP for IPv4 over Ethernet (RFC 826). */
#include <string.h>

#include "bytes.h"
#include "tapir/error.h"
#include "tapir/wire/arp.h"

#define ARP_HTYPE_ETHERNET 1
#define ARP_PTYPE_IPV4     0x0800

int tapir_arp_parse(const uint8_t *buf, size_t len, struct tapir_arp_repr *out)
{
    /* The fixed part (types, lengths, operation) comes first: check it, then the
     * addresses whose lengths it announces. */
    if (len < 8)
        return TAPIR_ETRUNCATED;
    uint16_t htype = load_be16(buf);
    uint16_t ptype = load_be16(buf + 2);
    uint8_t hlen = buf[4], plen = buf[5];
    if (htype != ARP_HTYPE_ETHERNET || ptype != ARP_PTYPE_IPV4 || hlen != 6 || plen != 4)
        return TAPIR_EUNSUPPORTED;
    if (len < TAPIR_ARP_LEN)
        return TAPIR_ETRUNCATED;

    struct tapir_arp_repr r;
    r.operation = load_be16(buf + 6);
    if (r.operation != TAPIR_ARP_REQUEST && r.operation != TAPIR_ARP_REPLY)
        return TAPIR_EBADFIELD;
    memcpy(r.sender_mac.bytes, buf + 8, 6);
    memcpy(r.sender_ip.bytes, buf + 14, 4);
    memcpy(r.target_mac.bytes, buf + 18, 6);
    memcpy(r.target_ip.bytes, buf + 24, 4);
    *out = r;
    return 0;
}

size_t tapir_arp_header_len(const struct tapir_arp_repr *repr)
{
    (void)repr;
    return TAPIR_ARP_LEN;
}

int tapir_arp_emit(const struct tapir_arp_repr *repr, uint8_t *buf, size_t cap)
{
    if (cap < TAPIR_ARP_LEN)
        return TAPIR_ENOBUFS;
    store_be16(buf, ARP_HTYPE_ETHERNET);
    store_be16(buf + 2, ARP_PTYPE_IPV4);
    buf[4] = 6;
    buf[5] = 4;
    store_be16(buf + 6, repr->operation);
    memcpy(buf + 8, repr->sender_mac.bytes, 6);
    memcpy(buf + 14, repr->sender_ip.bytes, 4);
    memcpy(buf + 18, repr->target_mac.bytes, 6);
    memcpy(buf + 24, repr->target_ip.bytes, 4);
    return TAPIR_ARP_LEN;
}

void tapir_arp_print(struct tapir_text *t, const struct tapir_arp_repr *repr)
{
    char a[TAPIR_IPV4_STRLEN], b[TAPIR_IPV4_STRLEN], mac[TAPIR_MAC_STRLEN];
    if (repr->operation == TAPIR_ARP_REQUEST) {
        static const struct tapir_mac_addr zero;
        tapir_text_printf(t, "Request who-has %s ", tapir_ipv4_format(&repr->target_ip, a));
        /* As tcpdump does: a target MAC that is not all zeros is worth showing. */
        if (memcmp(&repr->target_mac, &zero, sizeof zero) != 0)
            tapir_text_printf(t, "(%s) ", tapir_mac_format(&repr->target_mac, mac));
        tapir_text_printf(t, "tell %s, length %d", tapir_ipv4_format(&repr->sender_ip, b),
                          TAPIR_ARP_LEN);
    } else {
        tapir_text_printf(t, "Reply %s is-at %s, length %d", tapir_ipv4_format(&repr->sender_ip, a),
                          tapir_mac_format(&repr->sender_mac, mac), TAPIR_ARP_LEN);
    }
}

void tapir_arp_print_verbose(struct tapir_text *t, const struct tapir_arp_repr *repr)
{
    char ip[TAPIR_IPV4_STRLEN], mac[TAPIR_MAC_STRLEN];
    tapir_text_puts(t, "ARP\n");
    tapir_text_printf(t, "  hardware type: Ethernet (%d)\n", ARP_HTYPE_ETHERNET);
    tapir_text_printf(t, "  protocol type: IPv4 (0x%04x)\n", ARP_PTYPE_IPV4);
    tapir_text_puts(t, "  hardware size: 6\n  protocol size: 4\n");
    tapir_text_printf(t, "  operation: %s (%u)\n",
                      repr->operation == TAPIR_ARP_REQUEST ? "request" : "reply", repr->operation);
    tapir_text_printf(t, "  sender MAC: %s\n", tapir_mac_format(&repr->sender_mac, mac));
    tapir_text_printf(t, "  sender IP: %s\n", tapir_ipv4_format(&repr->sender_ip, ip));
    tapir_text_printf(t, "  target MAC: %s\n", tapir_mac_format(&repr->target_mac, mac));
    tapir_text_printf(t, "  target IP: %s\n", tapir_ipv4_format(&repr->target_ip, ip));
}
