/* tapir — Neighbor Discovery for IPv6 (RFC 4861): router solicitation and advertisement,
 * neighbor solicitation and advertisement, redirect, and their options.
 *
 * An NDP message is an ICMPv6 message (tapir/wire/icmpv6.h). Parse the ICMPv6 header first,
 * with the pseudo-header so the checksum is verified, then the body:
 *
 *     struct tapir_icmpv6_repr icmp;
 *     struct tapir_ndp_repr nd;
 *     if (tapir_icmpv6_parse(buf, len, &ph, &icmp) == 0 && tapir_ndp_parse(&icmp, &nd) == 0)
 *         ...
 *
 * tapir_ndp_emit() writes the whole ICMPv6 message (header, body, options, checksum), so an
 * interface builds an NS, NA, RS or RA from this repr alone.
 *
 * Options are kept in wire order in a fixed array (no allocation), each decoded when tapir
 * knows its type and kept as raw bytes otherwise, so that emit() reproduces what parse() read
 * byte for byte, unknown options (RDNSS, nonce, ...) included. Reserved fields are kept for
 * the same reason; a sender sets them to 0.
 *
 * parse() does the validity checks of RFC 4861 §6.1.1, §6.1.2, §7.1.1, §7.1.2 and §8.1 that
 * need only the ICMPv6 message: code 0, the message at least as long as its fixed part,
 * every option of non-zero length and inside the message, NS/NA targets not multicast, a
 * redirect's destination not multicast and its target link-local or equal to the
 * destination. The checks that need the IPv6 header are the interface's:
 *   - IP hop limit 255 for every NDP message (so it came from the link);
 *   - RS: an unspecified source means no source link-layer address option (§6.1.1);
 *   - RA: the source is link-local (§6.1.2);
 *   - NS: an unspecified source means a solicited-node multicast destination and no source
 *     link-layer address option (§7.1.1);
 *   - NA: a multicast destination means the Solicited flag is 0 (§7.1.2);
 *   - Redirect: the source is link-local and is the current first-hop router for the
 *     destination (§8.1).
 */
#ifndef TAPIR_WIRE_NDP_H
#define TAPIR_WIRE_NDP_H

#include <stddef.h>
#include <stdint.h>

#include "tapir/addr.h"
#include "tapir/text.h"
#include "tapir/wire/checksum.h"
#include "tapir/wire/icmpv6.h"

/* Options are stored in a fixed array; a message with more is TAPIR_EUNSUPPORTED. */
#define TAPIR_NDP_MAX_OPTIONS 16

/* Fixed part of each message, ICMPv6 header included (RFC 4861 §4.1-4.5). */
#define TAPIR_NDP_RS_LEN       8
#define TAPIR_NDP_RA_LEN       16
#define TAPIR_NDP_NS_LEN       24
#define TAPIR_NDP_NA_LEN       24
#define TAPIR_NDP_REDIRECT_LEN 40

/* RA flags (the byte after Cur Hop Limit): M and O (RFC 4861 §4.2), H (RFC 6275 §7.1), the
 * default router preference (RFC 4191 §2.2: 01 high, 00 medium, 11 low). */
#define TAPIR_NDP_RA_MANAGED    0x80
#define TAPIR_NDP_RA_OTHER      0x40
#define TAPIR_NDP_RA_HOME_AGENT 0x20
#define TAPIR_NDP_RA_PRF_MASK   0x18

/* NA flags: the top byte of the word after the checksum (RFC 4861 §4.4). */
#define TAPIR_NDP_NA_ROUTER    0x80
#define TAPIR_NDP_NA_SOLICITED 0x40
#define TAPIR_NDP_NA_OVERRIDE  0x20

/* Prefix information flags (RFC 4861 §4.6.2; R of RFC 6275 §7.2). */
#define TAPIR_NDP_PREFIX_ONLINK     0x80
#define TAPIR_NDP_PREFIX_AUTONOMOUS 0x40
#define TAPIR_NDP_PREFIX_ROUTER     0x20

#define TAPIR_NDP_INFINITE_LIFETIME 0xffffffffu

enum tapir_ndp_option_type {
    TAPIR_NDP_OPT_SOURCE_LL_ADDR = 1,    /* §4.6.1, length 1 (8 bytes) on Ethernet */
    TAPIR_NDP_OPT_TARGET_LL_ADDR = 2,    /* §4.6.1, length 1 */
    TAPIR_NDP_OPT_PREFIX_INFO = 3,       /* §4.6.2, length 4 */
    TAPIR_NDP_OPT_REDIRECTED_HEADER = 4, /* §4.6.3, any length */
    TAPIR_NDP_OPT_MTU = 5,               /* §4.6.4, length 1 */
};

struct tapir_ndp_prefix_info {
    uint8_t prefix_len;
    uint8_t flags;                 /* TAPIR_NDP_PREFIX_*, with the reserved bits as received */
    uint32_t valid_lifetime_s;     /* TAPIR_NDP_INFINITE_LIFETIME: forever */
    uint32_t preferred_lifetime_s; /* idem */
    uint32_t reserved;             /* Reserved2 */
    struct tapir_ipv6_addr prefix;
};

struct tapir_ndp_mtu {
    uint16_t reserved;
    uint32_t mtu;
};

/* The option's content after its type and length bytes. REDIRECTED_HEADER: 6 reserved
 * bytes, then the invoking packet (§4.6.3); unknown types: whatever they hold. `len` + 2 is
 * a multiple of 8. emit() copies `data` unless it is NULL (the caller put it in place). */
struct tapir_ndp_raw_option {
    const uint8_t *data;
    size_t len;
};

struct tapir_ndp_option {
    uint8_t type; /* enum tapir_ndp_option_type, or any other value (kept raw) */
    union {
        struct tapir_mac_addr ll_addr;       /* SOURCE_LL_ADDR, TARGET_LL_ADDR */
        struct tapir_ndp_prefix_info prefix; /* PREFIX_INFO */
        struct tapir_ndp_mtu mtu;            /* MTU */
        struct tapir_ndp_raw_option raw;     /* REDIRECTED_HEADER and unknown types */
    };
};

struct tapir_ndp_repr {
    uint8_t type; /* TAPIR_ICMPV6_ROUTER_SOLICIT ... TAPIR_ICMPV6_REDIRECT; code is always 0 */
    /* RA (§4.2). */
    uint8_t cur_hop_limit;
    uint16_t router_lifetime_s;
    uint32_t reachable_time_ms;
    uint32_t retrans_timer_ms;
    /* RA: TAPIR_NDP_RA_* with the reserved bits; NA: TAPIR_NDP_NA_* and the 5 reserved bits
     * that share their byte. Unused by other types. */
    uint8_t flags;
    /* RS, NS, Redirect: the 32-bit Reserved field; NA: the low 24 bits of its Reserved
     * field (the top ones are in `flags`). Unused by RA. */
    uint32_t reserved;
    struct tapir_ipv6_addr target;      /* NS, NA, Redirect */
    struct tapir_ipv6_addr destination; /* Redirect */
    size_t option_count;
    struct tapir_ndp_option options[TAPIR_NDP_MAX_OPTIONS];
};

/* Errors: TAPIR_EINVAL (icmp is not type 133-137), TAPIR_EBADFIELD (code not 0, multicast
 * target, bad redirect target/destination), TAPIR_ETRUNCATED (shorter than the fixed part),
 * TAPIR_EBADOPTION (an option of length 0, running past the end, or of a known type with
 * the wrong length: link-layer addresses are Ethernet's, RFC 2464 §6), TAPIR_EUNSUPPORTED
 * (more than TAPIR_NDP_MAX_OPTIONS options). Option pointers point into icmp->data. */
int tapir_ndp_parse(const struct tapir_icmpv6_repr *icmp, struct tapir_ndp_repr *out);

/* The whole message length, ICMPv6 header and options included (NDP has no payload). */
size_t tapir_ndp_header_len(const struct tapir_ndp_repr *repr);

/* Writes the whole ICMPv6 message, checksum computed with `ph` (0 when NULL). Returns its
 * length, TAPIR_ENOBUFS, or TAPIR_EINVAL (not an NDP type, too many options, a raw option
 * whose length + 2 is not a multiple of 8 or is over 2040, or ph not IPv6). */
int tapir_ndp_emit(const struct tapir_ndp_repr *repr, const struct tapir_pseudo_header *ph,
                   uint8_t *buf, size_t cap);

/* Bytes the option takes on the wire (a multiple of 8). */
size_t tapir_ndp_option_len(const struct tapir_ndp_option *opt);

/* The first option of `type`, or NULL. */
const struct tapir_ndp_option *tapir_ndp_find_option(const struct tapir_ndp_repr *repr,
                                                     uint8_t type);

/* tcpdump's line: "ICMP6, router solicitation, length 16", "ICMP6, neighbor solicitation,
 * who has fdaa::1, length 32", "ICMP6, neighbor advertisement, tgt is fdaa::1, length 32",
 * "ICMP6, redirect, fdaa::3 to fdaa::3, length 160". */
void tapir_ndp_print(struct tapir_text *t, const struct tapir_ndp_repr *repr);
/* "NDP <message>", then every field and one "  option: ..." line per option. */
void tapir_ndp_print_verbose(struct tapir_text *t, const struct tapir_ndp_repr *repr);

/* "source link-layer address", ... or NULL for an unknown option type. */
const char *tapir_ndp_option_name(uint8_t type);

#endif
