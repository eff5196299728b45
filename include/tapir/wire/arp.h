/* tapir — ARP for IPv4 over Ethernet (RFC 826). Other hardware/protocol pairs are
 * reported as TAPIR_EUNSUPPORTED. See tapir/wire/ethernet.h for the function pattern. */
#ifndef TAPIR_WIRE_ARP_H
#define TAPIR_WIRE_ARP_H

#include <stddef.h>
#include <stdint.h>

#include "tapir/addr.h"
#include "tapir/text.h"

#define TAPIR_ARP_LEN 28 /* Ethernet/IPv4 ARP packet */

enum tapir_arp_op {
    TAPIR_ARP_REQUEST = 1,
    TAPIR_ARP_REPLY = 2,
};

struct tapir_arp_repr {
    uint16_t operation; /* enum tapir_arp_op */
    struct tapir_mac_addr sender_mac;
    struct tapir_ipv4_addr sender_ip;
    struct tapir_mac_addr target_mac;
    struct tapir_ipv4_addr target_ip;
};

/* Errors: TAPIR_ETRUNCATED; TAPIR_EUNSUPPORTED for hardware type other than Ethernet (1),
 * protocol other than IPv4, or address lengths other than 6 and 4; TAPIR_EBADFIELD for an
 * operation other than request or reply. Bytes after the 28 (Ethernet padding) are ignored. */
int tapir_arp_parse(const uint8_t *buf, size_t len, struct tapir_arp_repr *out);
size_t tapir_arp_header_len(const struct tapir_arp_repr *repr);
int tapir_arp_emit(const struct tapir_arp_repr *repr, uint8_t *buf, size_t cap);

/* "Request who-has 192.168.69.1 tell 192.168.69.100, length 28" /
 * "Reply 192.168.69.1 is-at 02:00:00:00:00:01, length 28" (tcpdump's words). */
void tapir_arp_print(struct tapir_text *t, const struct tapir_arp_repr *repr);
void tapir_arp_print_verbose(struct tapir_text *t, const struct tapir_arp_repr *repr);

#endif
