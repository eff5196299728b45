/* tapir — the IPv4 header (RFC 791), options kept as raw bytes.
 *
 * See tapir/wire/ethernet.h for the function pattern (parse, header_len, emit, print,
 * print_verbose). The repr carries the fields a host stack reads and writes; the version,
 * header length, total length and header checksum are derived: emit() writes 4, 5 plus the
 * options' words, the header plus payload length, and the checksum of what it wrote.
 */
#ifndef TAPIR_WIRE_IPV4_H
#define TAPIR_WIRE_IPV4_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tapir/addr.h"
#include "tapir/text.h"
#include "tapir/wire/ip.h"

#define TAPIR_IPV4_HEADER_LEN      20    /* without options */
#define TAPIR_IPV4_MAX_OPTIONS_LEN 40    /* IHL is 4 bits: at most 15 words */
#define TAPIR_IPV4_MAX_LEN         65535 /* the total length field is 16 bits */

/* Option types (RFC 791 §3.1; router alert RFC 2113): copied flag, class and number in one
 * octet, as they appear on the wire. */
enum tapir_ipv4_option {
    TAPIR_IPV4_OPT_EOL = 0,        /* end of option list, one octet */
    TAPIR_IPV4_OPT_NOP = 1,        /* no operation, one octet */
    TAPIR_IPV4_OPT_RR = 7,         /* record route */
    TAPIR_IPV4_OPT_TS = 68,        /* internet timestamp */
    TAPIR_IPV4_OPT_SECURITY = 130, /* RFC 1108 */
    TAPIR_IPV4_OPT_LSRR = 131,     /* loose source and record route */
    TAPIR_IPV4_OPT_SSRR = 137,     /* strict source and record route */
    TAPIR_IPV4_OPT_RA = 148,       /* router alert */
};

struct tapir_ipv4_repr {
    struct tapir_ipv4_addr src, dst;
    uint8_t protocol; /* enum tapir_ip_protocol */
    uint8_t ttl;
    uint8_t tos; /* DSCP (6 high bits) and ECN (2 low bits), RFC 2474 / RFC 3168 */
    uint16_t ident;
    bool dont_frag, more_frags;
    uint16_t frag_offset; /* in bytes (the field times 8), so a multiple of 8 */
    /* Raw option bytes (IHL > 5), padding included, so emit() re-creates them exactly.
     * options_len is a multiple of 4, at most 40. NULL with options_len 0 when none. */
    const uint8_t *options;
    size_t options_len;
    /* The payload up to the total length: bytes after it (Ethernet padding) are not in it. */
    const uint8_t *payload;
    size_t payload_len;
};

/* Errors, in the order checked:
 *   TAPIR_ETRUNCATED     fewer than 20 bytes (a 0-byte buffer included)
 *   TAPIR_EBADVERSION    version is not 4
 *   TAPIR_EBADHEADERLEN  IHL < 5
 *   TAPIR_ETRUNCATED     IHL * 4 > len
 *   TAPIR_EBADTOTALLEN   total length < IHL * 4
 *   TAPIR_ETRUNCATED     total length > len
 *   TAPIR_EBADCHECKSUM   header checksum does not verify
 *   TAPIR_EBADFIELD      the reserved flag bit is set
 *   TAPIR_EBADOPTION     an option's length is < 2 or runs past the header
 *   TAPIR_EBADTOTALLEN   fragment offset + payload length > 65535
 * Bytes after the total length are ignored (Ethernet pads short frames). */
int tapir_ipv4_parse(const uint8_t *buf, size_t len, struct tapir_ipv4_repr *out);

/* The lenient parse for a datagram quoted in an ICMP error (RFC 792): the quote is usually
 * cut short, so only the fixed header and the options must be present, and neither the
 * checksum nor the options are checked. The payload is what was quoted of the original
 * payload, up to its total length. Errors: TAPIR_ETRUNCATED (fewer than 20 bytes, or than
 * IHL * 4), TAPIR_EBADVERSION, TAPIR_EBADHEADERLEN, TAPIR_EBADTOTALLEN (total < IHL * 4). */
int tapir_ipv4_quoted_parse(const uint8_t *buf, size_t len, struct tapir_ipv4_repr *out);

/* 20 + options_len. */
size_t tapir_ipv4_header_len(const struct tapir_ipv4_repr *repr);

/* Writes the header (checksum computed) and places the payload; returns header + payload
 * length. TAPIR_EINVAL when the repr cannot be written: options_len not a multiple of 4 or
 * above 40, frag_offset not a multiple of 8, or header + payload above 65535.
 * TAPIR_ENOBUFS when cap is too small. */
int tapir_ipv4_emit(const struct tapir_ipv4_repr *repr, uint8_t *buf, size_t cap);

/* tcpdump -v's IP header line, then the addresses:
 * "IP (tos 0x0, ttl 64, id 4660, offset 0, flags [DF], proto ICMP (1), length 84)
 *  192.168.69.100 > 192.168.69.1" (one line; options shown as tcpdump shows them). */
void tapir_ipv4_print(struct tapir_text *t, const struct tapir_ipv4_repr *repr);
void tapir_ipv4_print_verbose(struct tapir_text *t, const struct tapir_ipv4_repr *repr);

/* "ICMP", "IGMP", "TCP", "UDP", "ICMPv6", or NULL when unknown. */
const char *tapir_ip_protocol_name(uint8_t protocol);

/* The header checksum emit() writes for this repr (host order). */
uint16_t tapir_ipv4_header_checksum(const struct tapir_ipv4_repr *repr);

/* A fragment: more fragments follow, or it is not the first (RFC 791 §2.3). */
bool tapir_ipv4_is_fragment(const struct tapir_ipv4_repr *repr);

bool tapir_ipv4_is_unspecified(const struct tapir_ipv4_addr *addr); /* 0.0.0.0 */
bool tapir_ipv4_is_broadcast(const struct tapir_ipv4_addr *addr);   /* 255.255.255.255 */
bool tapir_ipv4_is_multicast(const struct tapir_ipv4_addr *addr);   /* 224.0.0.0/4 */
bool tapir_ipv4_is_loopback(const struct tapir_ipv4_addr *addr);    /* 127.0.0.0/8 */
bool tapir_ipv4_is_link_local(const struct tapir_ipv4_addr *addr);  /* 169.254.0.0/16 */
bool tapir_ipv4_addr_equal(const struct tapir_ipv4_addr *a, const struct tapir_ipv4_addr *b);

#endif
