/* tapir — ICMP for IPv4 (RFC 792; fragmentation needed with next-hop MTU, RFC 1191).
 *
 * See tapir/wire/ethernet.h for the function pattern. Every message is an 8-byte header
 * (type, code, checksum and four type-specific bytes, "rest of header") followed by data:
 * the echoed bytes of an echo, or for an error message the invoking datagram's IP header
 * and at least its first 8 payload bytes.
 */
#ifndef TAPIR_WIRE_ICMPV4_H
#define TAPIR_WIRE_ICMPV4_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tapir/addr.h"
#include "tapir/text.h"

#define TAPIR_ICMPV4_HEADER_LEN 8

enum tapir_icmpv4_type {
    TAPIR_ICMPV4_ECHO_REPLY = 0,
    TAPIR_ICMPV4_DEST_UNREACHABLE = 3,
    TAPIR_ICMPV4_SOURCE_QUENCH = 4, /* deprecated, RFC 6633 */
    TAPIR_ICMPV4_REDIRECT = 5,
    TAPIR_ICMPV4_ECHO_REQUEST = 8,
    TAPIR_ICMPV4_ROUTER_ADVERT = 9,   /* RFC 1256 */
    TAPIR_ICMPV4_ROUTER_SOLICIT = 10, /* RFC 1256 */
    TAPIR_ICMPV4_TIME_EXCEEDED = 11,
    TAPIR_ICMPV4_PARAM_PROBLEM = 12,
    TAPIR_ICMPV4_TIMESTAMP = 13,
    TAPIR_ICMPV4_TIMESTAMP_REPLY = 14,
    TAPIR_ICMPV4_INFO_REQUEST = 15,
    TAPIR_ICMPV4_INFO_REPLY = 16,
    TAPIR_ICMPV4_ADDR_MASK_REQUEST = 17, /* RFC 950 */
    TAPIR_ICMPV4_ADDR_MASK_REPLY = 18,
};

/* Destination unreachable codes (RFC 792; 4 with RFC 1191; 6-12 RFC 1122 §3.2.2.1;
 * 13-15 RFC 1812 §5.2.7.1). */
enum tapir_icmpv4_unreach_code {
    TAPIR_ICMPV4_UNREACH_NET = 0,
    TAPIR_ICMPV4_UNREACH_HOST = 1,
    TAPIR_ICMPV4_UNREACH_PROTOCOL = 2,
    TAPIR_ICMPV4_UNREACH_PORT = 3,
    TAPIR_ICMPV4_UNREACH_FRAG_NEEDED = 4, /* DF set; next_hop_mtu says what fits */
    TAPIR_ICMPV4_UNREACH_SRC_ROUTE_FAILED = 5,
    TAPIR_ICMPV4_UNREACH_NET_UNKNOWN = 6,
    TAPIR_ICMPV4_UNREACH_HOST_UNKNOWN = 7,
    TAPIR_ICMPV4_UNREACH_ISOLATED = 8,
    TAPIR_ICMPV4_UNREACH_NET_PROHIBITED = 9,
    TAPIR_ICMPV4_UNREACH_HOST_PROHIBITED = 10,
    TAPIR_ICMPV4_UNREACH_NET_TOS = 11,
    TAPIR_ICMPV4_UNREACH_HOST_TOS = 12,
    TAPIR_ICMPV4_UNREACH_ADMIN_PROHIBITED = 13,
    TAPIR_ICMPV4_UNREACH_PRECEDENCE_VIOLATION = 14,
    TAPIR_ICMPV4_UNREACH_PRECEDENCE_CUTOFF = 15,
};

enum tapir_icmpv4_redirect_code {
    TAPIR_ICMPV4_REDIRECT_NET = 0,
    TAPIR_ICMPV4_REDIRECT_HOST = 1,
    TAPIR_ICMPV4_REDIRECT_TOS_NET = 2,
    TAPIR_ICMPV4_REDIRECT_TOS_HOST = 3,
};

enum tapir_icmpv4_time_exceeded_code {
    TAPIR_ICMPV4_TTL_EXCEEDED = 0,        /* in transit */
    TAPIR_ICMPV4_REASSEMBLY_EXCEEDED = 1, /* fragment reassembly time */
};

enum tapir_icmpv4_param_problem_code {
    TAPIR_ICMPV4_PARAM_POINTER = 0,        /* pointer indicates the error */
    TAPIR_ICMPV4_PARAM_MISSING_OPTION = 1, /* RFC 1108 */
    TAPIR_ICMPV4_PARAM_BAD_LENGTH = 2,     /* RFC 1812 §5.2.7.3 */
};

struct tapir_icmpv4_repr {
    uint8_t type; /* enum tapir_icmpv4_type */
    uint8_t code;
    /* The four bytes after the checksum, decoded by type; a field not used by the type is
     * zero after parse and ignored by emit:
     *   ident, seq      echo request/reply, timestamp, information, address mask
     *   next_hop_mtu    destination unreachable, code 4 (RFC 1191 §4)
     *   pointer         parameter problem: the octet of the invoking header in error
     *   gateway         redirect: the router to use */
    uint16_t ident;
    uint16_t seq;
    uint16_t next_hop_mtu;
    uint8_t pointer;
    struct tapir_ipv4_addr gateway;
    /* The same four bytes raw, host order (as load_be32 reads them). emit() writes `rest`
     * and then the decoded field(s) of the type over the bits they cover, so `rest` only
     * supplies what the type leaves unused (or all four bytes for a type decoded by none of
     * the above): a parsed message re-emits exactly; a built one leaves rest 0. */
    uint32_t rest;
    /* Everything after the 8-byte header. */
    const uint8_t *data;
    size_t data_len;
};

/* Errors: TAPIR_ETRUNCATED (fewer than 8 bytes); TAPIR_EBADCHECKSUM (the checksum over the
 * whole message, RFC 792, does not verify). For an error message (destination unreachable,
 * source quench, redirect, time exceeded, parameter problem) the data must be the invoking
 * datagram as tapir_ipv4_quoted_parse() reads it, with at least 8 of its payload bytes (or
 * all of them if it had fewer), as RFC 792 requires and Linux checks before acting on one:
 * otherwise that parse's error, or TAPIR_ETRUNCATED when the payload bytes are missing.
 * The whole buffer is the message: there is no length field to trim to. */
int tapir_icmpv4_parse(const uint8_t *buf, size_t len, struct tapir_icmpv4_repr *out);
size_t tapir_icmpv4_header_len(const struct tapir_icmpv4_repr *repr); /* 8 */

/* Writes the header, places the data and computes the checksum over both; returns
 * 8 + data_len, or TAPIR_ENOBUFS. */
int tapir_icmpv4_emit(const struct tapir_icmpv4_repr *repr, uint8_t *buf, size_t cap);

/* The checksum emit() writes for this repr (host order). */
uint16_t tapir_icmpv4_checksum(const struct tapir_icmpv4_repr *repr);

/* tcpdump's text after "IP a > b: " (with -n): "ICMP echo request, id 7, seq 1, length 64",
 * "ICMP 192.168.69.1 udp port 9 unreachable, length 42",
 * "ICMP 192.168.70.2 unreachable - need to frag (mtu 1280), length 556",
 * "ICMP time exceeded in-transit, length 92", "ICMP parameter problem - octet 20, length 72". */
void tapir_icmpv4_print(struct tapir_text *t, const struct tapir_icmpv4_repr *repr);
void tapir_icmpv4_print_verbose(struct tapir_text *t, const struct tapir_icmpv4_repr *repr);

/* "echo request", "destination unreachable", ... or NULL when unknown. */
const char *tapir_icmpv4_type_name(uint8_t type);
/* "port unreachable", "fragmentation needed", ... or NULL when unknown for the type. */
const char *tapir_icmpv4_code_name(uint8_t type, uint8_t code);

/* An error message, whose data is the invoking datagram (RFC 1122 §3.2.2). */
bool tapir_icmpv4_is_error(uint8_t type);

#endif
