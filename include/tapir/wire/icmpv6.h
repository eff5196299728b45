/* tapir — ICMPv6 (RFC 4443): the common 8-byte header of every message, with echo, the four
 * error messages, and the Neighbor Discovery (tapir/wire/ndp.h) and Multicast Listener
 * Discovery (tapir/wire/mld.h) messages recognised by type. See tapir/wire/ethernet.h for the
 * function pattern.
 *
 * Layering: this module reads and writes the header that all ICMPv6 messages share (type,
 * code, checksum and the 4-byte type-specific "rest" word); everything after those 8 bytes
 * is `data`. NDP bodies (types 133-137) are parsed from a parsed repr with tapir_ndp_parse()
 * and MLD bodies (130-132, 143) with tapir_mld_parse(); tapir_ndp_emit()/tapir_mld_emit()
 * write whole messages, header included. The printers here recognise those types and call
 * the NDP/MLD printers, so one call prints any ICMPv6 message.
 *
 * Length: every message is at least 8 bytes. RFC 4443 §2.1 defines only the 4-byte base,
 * but every message defined since (RFC 4443, 4861, 2710, 3810, ...) has the 4-byte rest
 * word, so a shorter message is TAPIR_ETRUNCATED whatever its type, unknown types included.
 *
 * Checksum (RFC 4443 §2.3): over the IPv6 pseudo-header (RFC 8200 §8.1, next header 58) and
 * the whole message. `ph` gives the addresses; its `protocol` is ignored (58 is used) and
 * both addresses must be IPv6, else TAPIR_EINVAL. ph == NULL: parse does not verify, emit
 * writes 0.
 *
 * What is left to the caller (the interface): the IPv6 layer (a message is the IPv6 payload
 * after any extension headers), rate limiting and the size limit of error messages
 * (§2.4(e), (f)), and the rule that unknown error types go up and unknown informational
 * types are dropped (§2.4(a), (b)).
 */
#ifndef TAPIR_WIRE_ICMPV6_H
#define TAPIR_WIRE_ICMPV6_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tapir/text.h"
#include "tapir/wire/checksum.h"
#include "tapir/wire/ip.h" /* TAPIR_IP_PROTO_ICMPV6 */

#define TAPIR_ICMPV6_HEADER_LEN 8

enum tapir_icmpv6_type {
    /* Errors (RFC 4443 §3): the data is as much of the invoking packet as fits. */
    TAPIR_ICMPV6_DST_UNREACH = 1,
    TAPIR_ICMPV6_PACKET_TOO_BIG = 2, /* rest = MTU */
    TAPIR_ICMPV6_TIME_EXCEEDED = 3,
    TAPIR_ICMPV6_PARAM_PROBLEM = 4, /* rest = pointer (offset of the bad octet) */
    /* Informational (RFC 4443 §4): rest = identifier << 16 | sequence number. */
    TAPIR_ICMPV6_ECHO_REQUEST = 128,
    TAPIR_ICMPV6_ECHO_REPLY = 129,
    /* MLD (RFC 2710, RFC 3810): tapir/wire/mld.h. */
    TAPIR_ICMPV6_MLD_QUERY = 130,
    TAPIR_ICMPV6_MLD_REPORT = 131,
    TAPIR_ICMPV6_MLD_DONE = 132,
    /* NDP (RFC 4861): tapir/wire/ndp.h. */
    TAPIR_ICMPV6_ROUTER_SOLICIT = 133,
    TAPIR_ICMPV6_ROUTER_ADVERT = 134,
    TAPIR_ICMPV6_NEIGHBOR_SOLICIT = 135,
    TAPIR_ICMPV6_NEIGHBOR_ADVERT = 136,
    TAPIR_ICMPV6_REDIRECT = 137,
    TAPIR_ICMPV6_MLD2_REPORT = 143,
};

/* Codes of the error messages (RFC 4443 §3.1, §3.3, §3.4; RFC 7112 §4). */
enum tapir_icmpv6_unreach_code {
    TAPIR_ICMPV6_UNREACH_NO_ROUTE = 0,
    TAPIR_ICMPV6_UNREACH_ADMIN = 1,
    TAPIR_ICMPV6_UNREACH_BEYOND_SCOPE = 2,
    TAPIR_ICMPV6_UNREACH_ADDR = 3,
    TAPIR_ICMPV6_UNREACH_PORT = 4,
    TAPIR_ICMPV6_UNREACH_POLICY = 5,
    TAPIR_ICMPV6_UNREACH_REJECT_ROUTE = 6,
};
enum tapir_icmpv6_time_exceeded_code {
    TAPIR_ICMPV6_HOP_LIMIT_EXCEEDED = 0,
    TAPIR_ICMPV6_REASSEMBLY_TIME_EXCEEDED = 1,
};
enum tapir_icmpv6_param_problem_code {
    TAPIR_ICMPV6_PARAM_BAD_HEADER = 0,
    TAPIR_ICMPV6_PARAM_UNKNOWN_NEXT_HEADER = 1,
    TAPIR_ICMPV6_PARAM_UNKNOWN_OPTION = 2,
    TAPIR_ICMPV6_PARAM_INCOMPLETE_CHAIN = 3,
};

struct tapir_icmpv6_repr {
    uint8_t type; /* enum tapir_icmpv6_type, or any other value */
    uint8_t code;
    uint16_t checksum; /* as received; emit() computes it (or writes 0) and ignores this */
    /* The 4 type-specific bytes after the checksum, host order: the echo identifier and
     * sequence number (see the helpers below), the MTU of packet too big, the pointer of
     * parameter problem, the NA flags, the RA fields, or unused/reserved bits, which are
     * kept so that emit() reproduces them. */
    uint32_t rest;
    const uint8_t *data; /* the bytes after the 8-byte header, pointing into the buffer */
    size_t data_len;
};

static inline uint16_t tapir_icmpv6_echo_id(const struct tapir_icmpv6_repr *r)
{
    return (uint16_t)(r->rest >> 16);
}

static inline uint16_t tapir_icmpv6_echo_seq(const struct tapir_icmpv6_repr *r)
{
    return (uint16_t)r->rest;
}

/* The rest word of an echo request/reply. */
static inline uint32_t tapir_icmpv6_echo_rest(uint16_t id, uint16_t seq)
{
    return (uint32_t)id << 16 | seq;
}

/* Error messages are types 0-127 (RFC 4443 §2.1). */
static inline bool tapir_icmpv6_is_error(uint8_t type)
{
    return type < 128;
}

/* `buf`/`len` is the whole message (the IPv6 payload after extension headers).
 * Errors: TAPIR_ETRUNCATED (< 8 bytes), TAPIR_EBADCHECKSUM (ph given and the sum does not
 * verify), TAPIR_EINVAL (ph not IPv6). Codes and types are not checked here: RFC 4443 gives
 * unknown ones to the upper layer; the NDP and MLD parsers check their own. */
int tapir_icmpv6_parse(const uint8_t *buf, size_t len, const struct tapir_pseudo_header *ph,
                       struct tapir_icmpv6_repr *out);
size_t tapir_icmpv6_header_len(const struct tapir_icmpv6_repr *repr); /* always 8 */
/* Writes the header and the data (placed as ethernet.h says), then the checksum if ph is
 * given. Returns 8 + data_len, TAPIR_ENOBUFS or TAPIR_EINVAL (ph not IPv6). */
int tapir_icmpv6_emit(const struct tapir_icmpv6_repr *repr, const struct tapir_pseudo_header *ph,
                      uint8_t *buf, size_t cap);

/* tcpdump's text after "IP6 a > b: ", e.g. "ICMP6, echo request, id 7, seq 1, length 64",
 * "ICMP6, packet too big, mtu 1280, length 1240", "ICMP6, destination unreachable,
 * unreachable port, fdaa::1 udp port 4444, length 61", and for NDP/MLD types the NDP/MLD
 * printers' line ("ICMP6, neighbor solicitation, who has fdaa::1, length 32"). */
void tapir_icmpv6_print(struct tapir_text *t, const struct tapir_icmpv6_repr *repr);
/* "ICMPv6" and the header fields, then for NDP/MLD types the body as
 * tapir_ndp_print_verbose()/tapir_mld_print_verbose() write it. */
void tapir_icmpv6_print_verbose(struct tapir_text *t, const struct tapir_icmpv6_repr *repr);

/* "echo request", "neighbor solicitation", ... or NULL for a type tapir does not know. */
const char *tapir_icmpv6_type_name(uint8_t type);

#endif
