/* tapir — UDP (RFC 768), over IPv4 and IPv6 (RFC 8200 §8.1). See tapir/wire/ethernet.h for
 * the function pattern.
 *
 * The checksum covers a pseudo-header built from the IP layer (struct tapir_pseudo_header,
 * tapir/wire/checksum.h), so parse and emit take one:
 *   parse: ph NULL = do not verify; otherwise the checksum must verify, except that a zero
 *          checksum over IPv4 means "none was computed" (RFC 768) and is accepted, while over
 *          IPv6 it is an error (RFC 8200 §8.1: the checksum is mandatory).
 *   emit:  ph NULL = write checksum 0 (meaningful only over IPv4: "no checksum"); otherwise
 *          compute it, and send a computed 0 as 0xffff (RFC 768: 0 is reserved for "none").
 */
#ifndef TAPIR_WIRE_UDP_H
#define TAPIR_WIRE_UDP_H

#include <stddef.h>
#include <stdint.h>

#include "tapir/text.h"
#include "tapir/wire/checksum.h"

#define TAPIR_UDP_HEADER_LEN  8
#define TAPIR_UDP_MAX_PAYLOAD (65535 - TAPIR_UDP_HEADER_LEN) /* the length field is 16 bits */

struct tapir_udp_repr {
    uint16_t src_port;
    uint16_t dst_port;
    const uint8_t *payload; /* into the parsed buffer; its length is the length field - 8 */
    size_t payload_len;
    uint16_t checksum; /* as found on parse (0 = none); ignored on emit */
};

/* `buf`/`len` are the IP payload. Bytes after the datagram's length field (link padding) are
 * not part of it and are ignored.
 * Errors: TAPIR_ETRUNCATED (len < 8, or the length field says more than len);
 * TAPIR_EBADTOTALLEN (length field < 8; this includes the IPv6 jumbogram form of RFC 2675,
 * length 0, which tapir does not support); TAPIR_EBADCHECKSUM (with `ph`: does not verify,
 * or zero over IPv6); TAPIR_EINVAL (`ph` is neither both-IPv4 nor both-IPv6). */
int tapir_udp_parse(const uint8_t *buf, size_t len, const struct tapir_pseudo_header *ph,
                    struct tapir_udp_repr *out);

/* Always TAPIR_UDP_HEADER_LEN. */
size_t tapir_udp_header_len(const struct tapir_udp_repr *repr);

/* Writes the header (length field 8 + payload_len) and the payload; returns the datagram
 * length. Errors: TAPIR_ENOBUFS; TAPIR_EINVAL (payload longer than TAPIR_UDP_MAX_PAYLOAD,
 * or a `ph` of mixed or unknown family). */
int tapir_udp_emit(const struct tapir_udp_repr *repr, const struct tapir_pseudo_header *ph,
                   uint8_t *buf, size_t cap);

/* tcpdump's words after "IP a.p > b.q: ": "UDP, length 32" (the payload length). */
void tapir_udp_print(struct tapir_text *t, const struct tapir_udp_repr *repr);
void tapir_udp_print_verbose(struct tapir_text *t, const struct tapir_udp_repr *repr);

#endif
