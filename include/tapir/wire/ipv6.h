/* tapir — IPv6 (RFC 8200): the fixed header and the walk over its extension headers.
 *
 * The functions follow the pattern described in tapir/wire/ethernet.h. Parsing walks the
 * extension-header chain (Hop-by-Hop, Routing, Fragment, Destination Options) up to the
 * upper-layer protocol, validates every header's length and every TLV option, and keeps
 * the raw extension bytes so emit() reproduces them exactly. (The address text parser is
 * tapir_ipv6_addr_parse() in tapir/addr.h.)
 */
#ifndef TAPIR_WIRE_IPV6_H
#define TAPIR_WIRE_IPV6_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tapir/addr.h"
#include "tapir/text.h"

#define TAPIR_IPV6_HEADER_LEN 40
#define TAPIR_IPV6_MIN_MTU    1280 /* RFC 8200 §5 */
#define TAPIR_IPV6_MAX_EXT    8    /* extension headers a packet may carry; more: unsupported */

/* Next Header values this module knows (IANA "Assigned Internet Protocol Numbers"). */
enum tapir_ipv6_next_header {
    TAPIR_IPV6_NH_HOPOPTS = 0, /* Hop-by-Hop Options, RFC 8200 §4.3 */
    TAPIR_IPV6_NH_TCP = 6,
    TAPIR_IPV6_NH_UDP = 17,
    TAPIR_IPV6_NH_ROUTING = 43,  /* RFC 8200 §4.4 */
    TAPIR_IPV6_NH_FRAGMENT = 44, /* RFC 8200 §4.5 */
    TAPIR_IPV6_NH_ESP = 50,
    TAPIR_IPV6_NH_AH = 51,
    TAPIR_IPV6_NH_ICMPV6 = 58,
    TAPIR_IPV6_NH_NONE = 59,    /* No Next Header, RFC 8200 §4.7 */
    TAPIR_IPV6_NH_DSTOPTS = 60, /* Destination Options, RFC 8200 §4.6 */
};

/* Option types inside Hop-by-Hop and Destination Options headers. */
enum tapir_ipv6_option {
    TAPIR_IPV6_OPT_PAD1 = 0x00,         /* RFC 8200 §4.2 */
    TAPIR_IPV6_OPT_PADN = 0x01,         /* RFC 8200 §4.2 */
    TAPIR_IPV6_OPT_ROUTER_ALERT = 0x05, /* RFC 2711 */
    TAPIR_IPV6_OPT_JUMBO = 0xc2,        /* RFC 2675 (jumbograms are not supported) */
};

struct tapir_ipv6_repr {
    struct tapir_ipv6_addr src, dst;
    uint8_t traffic_class;
    uint32_t flow_label; /* 20 bits */
    uint8_t hop_limit;
    uint8_t next_header;    /* the fixed header's Next Header field */
    uint8_t upper_protocol; /* after walking every extension header (59 = no next header) */
    /* Raw extension-header bytes between the fixed header and the upper layer, kept for
     * exact re-emit. Points into the parsed buffer. */
    const uint8_t *ext;
    size_t ext_len;
    /* What the walk found, in order; offsets relative to ext, len = the header's size. */
    size_t ext_count;
    struct tapir_ipv6_ext {
        uint8_t type; /* this header's protocol number: 0, 43, 44 or 60 */
        uint16_t offset;
        uint16_t len;
    } exts[TAPIR_IPV6_MAX_EXT];
    /* From the Fragment header, if there is one. frag_offset is in bytes (a multiple of
     * 8). With frag_offset != 0 the walk stops after the Fragment header: upper_protocol
     * is that header's Next Header but the payload is a slice of the fragmentable part,
     * not an upper-layer header. */
    bool has_fragment;
    uint16_t frag_offset;
    bool more_frags;
    uint32_t frag_ident;
    /* The upper-layer bytes after the extension headers, trimmed to Payload Length (link
     * padding is not part of it). Points into the parsed buffer. */
    const uint8_t *payload;
    size_t payload_len;
};

/* Parse the fixed header and walk the extension headers. Errors:
 *   TAPIR_ETRUNCATED    shorter than 40 bytes, or than Payload Length says (whatever the
 *                       damage, a packet cut short always gives this);
 *   TAPIR_EBADVERSION   version is not 6;
 *   TAPIR_EBADTOTALLEN  an extension header runs past Payload Length;
 *   TAPIR_EBADOPTION    Hop-by-Hop anywhere but first (RFC 8200 §4.1), an option running
 *                       past its header, a Router Alert whose length is not 2, a Jumbo
 *                       Payload option with a non-zero Payload Length (RFC 2675 §3);
 *   TAPIR_EUNSUPPORTED  a jumbogram (Payload Length 0 with a Jumbo Payload option),
 *                       more than TAPIR_IPV6_MAX_EXT extension headers, or a second
 *                       Fragment header.
 * AH, ESP and unknown Next Header values end the walk: upper_protocol is that value and
 * payload starts at that header. */
int tapir_ipv6_parse(const uint8_t *buf, size_t len, struct tapir_ipv6_repr *out);

/* 40 + ext_len. */
size_t tapir_ipv6_header_len(const struct tapir_ipv6_repr *r);

/* Writes the fixed header (version 6, Payload Length = ext_len + payload_len), then the
 * ext_len extension bytes from r->ext (copied unless NULL or already in place at buf + 40),
 * then the payload as ethernet.h describes. upper_protocol, exts and the fragment fields
 * are not used: the raw ext bytes are what is written. Returns the total length, or
 * TAPIR_ENOBUFS, or TAPIR_EINVAL when ext_len + payload_len exceeds 65535. */
int tapir_ipv6_emit(const struct tapir_ipv6_repr *r, uint8_t *buf, size_t cap);

/* tcpdump -v's IPv6 line, e.g.
 *   "IP6 (flowlabel 0x60eaa, hlim 64, next-header ICMPv6 (58) payload length: 64)
 *    fdaa::100 > fdaa::1"
 * and, when there are extension headers, ": " and tcpdump's text for each, e.g.
 *   "... fdaa::100 > fdaa::1: frag (0x1b60e74c:0|1448)"
 *   "... fe80::ff:fe00:2 > ff02::16: HBH (rtalert: 0x0000) (padn)"
 * No trailing separator: a caller printing the upper layer after it appends ": " when
 * ext_count == 0 and " " otherwise, as tcpdump does. */
void tapir_ipv6_print(struct tapir_text *t, const struct tapir_ipv6_repr *r);
/* Every fixed-header field, then each extension header and its fields and options. */
void tapir_ipv6_print_verbose(struct tapir_text *t, const struct tapir_ipv6_repr *r);

/* Building extension headers for emit: each writes one header into buf and returns its
 * length, or TAPIR_ENOBUFS when cap is too small. Put the result in repr.ext. */

#define TAPIR_IPV6_FRAG_HEADER_LEN 8

/* A Fragment header (RFC 8200 §4.5). */
struct tapir_ipv6_frag_header {
    uint8_t next_header; /* of the original packet's fragmentable part */
    uint16_t offset;     /* bytes; a multiple of 8 */
    bool more;           /* M flag */
    uint32_t ident;
};

/* Returns 8, TAPIR_ENOBUFS, or TAPIR_EINVAL when offset is not a multiple of 8. */
int tapir_ipv6_frag_emit(const struct tapir_ipv6_frag_header *f, uint8_t *buf, size_t cap);

#define TAPIR_IPV6_RTALERT_HBH_LEN 8
#define TAPIR_IPV6_RTALERT_MLD     0 /* RFC 2711 §2.1: the packet contains an MLD message */

/* A Hop-by-Hop header holding a Router Alert option with `value` and a PadN to fill the 8
 * bytes (RFC 2711; MLD, RFC 3810 §5), exactly as Linux writes it: nh 00 05 02 vv vv 01 00.
 * Returns 8 or TAPIR_ENOBUFS. */
int tapir_ipv6_hbh_router_alert_emit(uint8_t next_header, uint16_t value, uint8_t *buf, size_t cap);

#endif
