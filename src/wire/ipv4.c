/* The IPv4 header (RFC 791). */
#include <string.h>

#include "bytes.h"
#include "emit.h"
#include "tapir/error.h"
#include "tapir/wire/checksum.h"
#include "tapir/wire/ipv4.h"

/* The 16-bit word at offset 6: three flag bits, then the offset in 8-byte units
 * (RFC 791 §3.1). */
#define FLAG_RESERVED 0x8000
#define FLAG_DF       0x4000
#define FLAG_MF       0x2000
#define OFFSET_MASK   0x1fff

#define MAX_HEADER_LEN (TAPIR_IPV4_HEADER_LEN + TAPIR_IPV4_MAX_OPTIONS_LEN)

/* The checks both parsers share: version, header length, total length against the
 * buffer. Returns 0 with *hlen and *total set, or the error. The strict parser wants the
 * whole datagram present; the quoted one only the header. */
static int check_lengths(const uint8_t *buf, size_t len, bool whole, size_t *hlen, size_t *total)
{
    if (len < TAPIR_IPV4_HEADER_LEN)
        return TAPIR_ETRUNCATED;
    if (buf[0] >> 4 != 4)
        return TAPIR_EBADVERSION;
    size_t h = (size_t)(buf[0] & 0x0f) * 4;
    if (h < TAPIR_IPV4_HEADER_LEN)
        return TAPIR_EBADHEADERLEN;
    if (h > len)
        return TAPIR_ETRUNCATED;
    size_t t = load_be16(buf + 2);
    if (t < h)
        return TAPIR_EBADTOTALLEN;
    if (whole && t > len)
        return TAPIR_ETRUNCATED;
    *hlen = h;
    *total = t;
    return 0;
}

/* Fills every field from a header whose lengths check_lengths() accepted. */
static void read_header(const uint8_t *buf, size_t len, size_t hlen, size_t total,
                        struct tapir_ipv4_repr *r)
{
    memset(r, 0, sizeof *r);
    r->tos = buf[1];
    r->ident = load_be16(buf + 4);
    uint16_t frag = load_be16(buf + 6);
    r->dont_frag = (frag & FLAG_DF) != 0;
    r->more_frags = (frag & FLAG_MF) != 0;
    r->frag_offset = (uint16_t)((frag & OFFSET_MASK) * 8);
    r->ttl = buf[8];
    r->protocol = buf[9];
    memcpy(r->src.bytes, buf + 12, 4);
    memcpy(r->dst.bytes, buf + 16, 4);
    if (hlen > TAPIR_IPV4_HEADER_LEN) {
        r->options = buf + TAPIR_IPV4_HEADER_LEN;
        r->options_len = hlen - TAPIR_IPV4_HEADER_LEN;
    }
    size_t end = total < len ? total : len;
    r->payload = buf + hlen;
    r->payload_len = end - hlen;
}

/* RFC 791 §3.1: two kinds of option. End of list and no-operation are a single octet;
 * every other option is type, length (counting the type and length octets, so >= 2) and
 * data, and must end inside the header. Nothing after an end of list is read. */
static bool options_valid(const uint8_t *opt, size_t len)
{
    size_t i = 0;
    while (i < len) {
        uint8_t type = opt[i];
        if (type == TAPIR_IPV4_OPT_EOL)
            return true;
        if (type == TAPIR_IPV4_OPT_NOP) {
            i++;
            continue;
        }
        if (len - i < 2)
            return false;
        uint8_t olen = opt[i + 1];
        if (olen < 2 || olen > len - i)
            return false;
        i += olen;
    }
    return true;
}

int tapir_ipv4_parse(const uint8_t *buf, size_t len, struct tapir_ipv4_repr *out)
{
    size_t hlen, total;
    int rc = check_lengths(buf, len, true, &hlen, &total);
    if (rc != 0)
        return rc;
    /* RFC 1071: the sum over the header, checksum included, verifies to zero. */
    if (tapir_checksum(buf, hlen) != 0)
        return TAPIR_EBADCHECKSUM;
    /* RFC 791 §3.1: "Bit 0: reserved, must be zero". */
    if (load_be16(buf + 6) & FLAG_RESERVED)
        return TAPIR_EBADFIELD;
    if (!options_valid(buf + TAPIR_IPV4_HEADER_LEN, hlen - TAPIR_IPV4_HEADER_LEN))
        return TAPIR_EBADOPTION;

    struct tapir_ipv4_repr r;
    read_header(buf, len, hlen, total, &r);
    /* A fragment reaching past the largest datagram could never be reassembled (and is
     * the classic "ping of death"): RFC 791 caps a datagram at 65535 octets. */
    if ((size_t)r.frag_offset + r.payload_len > TAPIR_IPV4_MAX_LEN)
        return TAPIR_EBADTOTALLEN;
    *out = r;
    return 0;
}

int tapir_ipv4_quoted_parse(const uint8_t *buf, size_t len, struct tapir_ipv4_repr *out)
{
    size_t hlen, total;
    int rc = check_lengths(buf, len, false, &hlen, &total);
    if (rc != 0)
        return rc;
    read_header(buf, len, hlen, total, out);
    return 0;
}

size_t tapir_ipv4_header_len(const struct tapir_ipv4_repr *repr)
{
    return TAPIR_IPV4_HEADER_LEN + repr->options_len;
}

static bool repr_writable(const struct tapir_ipv4_repr *repr)
{
    return repr->options_len <= TAPIR_IPV4_MAX_OPTIONS_LEN && repr->options_len % 4 == 0 &&
           (repr->options_len == 0 || repr->options != NULL) && repr->frag_offset % 8 == 0 &&
           repr->payload_len <= TAPIR_IPV4_MAX_LEN - tapir_ipv4_header_len(repr);
}

/* Writes the header of a writable repr into hdr, checksum included; returns its length. */
static size_t build_header(const struct tapir_ipv4_repr *repr, uint8_t hdr[MAX_HEADER_LEN])
{
    size_t hlen = tapir_ipv4_header_len(repr);
    uint16_t frag = (uint16_t)(repr->frag_offset / 8);
    if (repr->dont_frag)
        frag |= FLAG_DF;
    if (repr->more_frags)
        frag |= FLAG_MF;
    hdr[0] = (uint8_t)(0x40 | hlen / 4);
    hdr[1] = repr->tos;
    store_be16(hdr + 2, (uint16_t)(hlen + repr->payload_len));
    store_be16(hdr + 4, repr->ident);
    store_be16(hdr + 6, frag);
    hdr[8] = repr->ttl;
    hdr[9] = repr->protocol;
    store_be16(hdr + 10, 0);
    memcpy(hdr + 12, repr->src.bytes, 4);
    memcpy(hdr + 16, repr->dst.bytes, 4);
    if (repr->options_len > 0)
        memcpy(hdr + TAPIR_IPV4_HEADER_LEN, repr->options, repr->options_len);
    store_be16(hdr + 10, tapir_checksum(hdr, hlen));
    return hlen;
}

uint16_t tapir_ipv4_header_checksum(const struct tapir_ipv4_repr *repr)
{
    /* For a repr emit() would refuse, the checksum of the fixed header alone. */
    struct tapir_ipv4_repr r = *repr;
    if (!repr_writable(&r)) {
        r.options = NULL;
        r.options_len = 0;
        r.frag_offset &= (uint16_t)~7u;
        if (r.payload_len > TAPIR_IPV4_MAX_LEN - TAPIR_IPV4_HEADER_LEN)
            r.payload_len = TAPIR_IPV4_MAX_LEN - TAPIR_IPV4_HEADER_LEN;
    }
    uint8_t hdr[MAX_HEADER_LEN];
    build_header(&r, hdr);
    return load_be16(hdr + 10);
}

int tapir_ipv4_emit(const struct tapir_ipv4_repr *repr, uint8_t *buf, size_t cap)
{
    if (!repr_writable(repr))
        return TAPIR_EINVAL;
    size_t hlen = tapir_ipv4_header_len(repr);
    if (cap < hlen || cap - hlen < repr->payload_len)
        return TAPIR_ENOBUFS;

    /* The header is built aside first: the options may point into buf (a packet rebuilt
     * in place), and placing the payload must not overwrite them before they are read. */
    uint8_t hdr[MAX_HEADER_LEN];
    build_header(repr, hdr);
    place_payload(buf, hlen, repr->payload, repr->payload_len);
    memcpy(buf, hdr, hlen);
    return (int)(hlen + repr->payload_len);
}

const char *tapir_ip_protocol_name(uint8_t protocol)
{
    switch (protocol) {
    case TAPIR_IP_PROTO_ICMP:
        return "ICMP";
    case TAPIR_IP_PROTO_IGMP:
        return "IGMP";
    case TAPIR_IP_PROTO_TCP:
        return "TCP";
    case TAPIR_IP_PROTO_UDP:
        return "UDP";
    case TAPIR_IP_PROTO_ICMPV6:
        return "ICMPv6";
    default:
        return NULL;
    }
}

/* ---- printing ------------------------------------------------------------------------ */

/* The options the way tcpdump's ip_optprint() writes them (print-ip.c), so the lines read
 * the same. Reads stay inside each option even where its length fields are inconsistent
 * (tcpdump would read on into the next option there). */

static void print_ipv4_at(struct tapir_text *t, const uint8_t *p)
{
    char s[TAPIR_IPV4_STRLEN];
    struct tapir_ipv4_addr a;
    memcpy(a.bytes, p, 4);
    tapir_text_puts(t, tapir_ipv4_format(&a, s));
}

/* Record route and the source routes (RFC 791 §3.1): pointer, then addresses; those
 * before the pointer (already filled in) are followed by a comma. */
static void print_route(struct tapir_text *t, const uint8_t *opt, unsigned olen)
{
    if (olen < 3) {
        tapir_text_printf(t, " [bad length %u]", olen);
        return;
    }
    if ((olen + 1) & 3)
        tapir_text_printf(t, " [bad length %u]", olen);
    unsigned ptr = opt[2] - 1u;
    if (ptr < 3 || ((ptr + 1) & 3) || ptr > olen + 1)
        tapir_text_printf(t, " [bad ptr %u]", opt[2]);
    for (unsigned i = 3; i + 4 <= olen; i += 4) {
        tapir_text_puts(t, " ");
        print_ipv4_at(t, opt + i);
        if (ptr > i)
            tapir_text_puts(t, ",");
    }
}

/* Internet timestamp (RFC 791 §3.1): pointer, overflow and flag, then timestamps
 * (flag 0) or address and timestamp pairs (flags 1 and 3). "^" marks the pointer. */
static void print_timestamp(struct tapir_text *t, const uint8_t *opt, unsigned olen)
{
    if (olen < 4) {
        tapir_text_printf(t, "[bad length %u]", olen);
        return;
    }
    tapir_text_puts(t, " TS{");
    unsigned flag = opt[3] & 0x0f;
    unsigned hoplen = flag != 0 ? 8 : 4;
    if ((olen - 4) & (hoplen - 1))
        tapir_text_printf(t, "[bad length %u]", olen);
    unsigned ptr = opt[2] - 1u;
    unsigned i = 0;
    if (ptr < 4 || ((ptr - 4) & (hoplen - 1)) || ptr > olen + 1)
        tapir_text_printf(t, "[bad ptr %u]", opt[2]);
    static const char *const flags[] = {"TSONLY", "TS+ADDR", NULL, "PRESPEC"};
    if (flag < 4 && flags[flag] != NULL) {
        tapir_text_puts(t, flags[flag]);
        const char *sep = " ";
        for (i = 4; i < olen; i += hoplen) {
            if (ptr == i)
                sep = " ^ ";
            if (i + hoplen > olen)
                break;
            tapir_text_printf(t, "%s%u@", sep, load_be32(opt + i + hoplen - 4));
            if (hoplen == 8)
                print_ipv4_at(t, opt + i);
            sep = " ";
        }
    } else {
        tapir_text_printf(t, "[bad ts type %u]", flag);
    }
    tapir_text_puts(t, ptr == i ? " ^ " : "");
    if (opt[3] >> 4)
        tapir_text_printf(t, " [%u hops not recorded]} ", opt[3] >> 4);
    else
        tapir_text_puts(t, "}");
}

static const char *option_name(uint8_t type)
{
    switch (type) {
    case TAPIR_IPV4_OPT_EOL:
        return "EOL";
    case TAPIR_IPV4_OPT_NOP:
        return "NOP";
    case TAPIR_IPV4_OPT_TS:
        return "timestamp";
    case TAPIR_IPV4_OPT_SECURITY:
        return "security";
    case TAPIR_IPV4_OPT_RR:
        return "RR";
    case TAPIR_IPV4_OPT_SSRR:
        return "SSRR";
    case TAPIR_IPV4_OPT_LSRR:
        return "LSRR";
    case TAPIR_IPV4_OPT_RA:
        return "RA";
    case 82:
        return "traceroute"; /* RFC 1393 */
    default:
        return NULL;
    }
}

static void print_options(struct tapir_text *t, const uint8_t *opt, size_t len)
{
    const char *sep = "";
    size_t i = 0;
    while (i < len) {
        uint8_t type = opt[i];
        const char *name = option_name(type);
        tapir_text_puts(t, sep);
        sep = ",";
        if (name)
            tapir_text_puts(t, name);
        else
            tapir_text_printf(t, "unknown %u", type);
        if (type == TAPIR_IPV4_OPT_EOL)
            return;
        if (type == TAPIR_IPV4_OPT_NOP) {
            i++;
            continue;
        }
        if (len - i < 2) {
            /* tcpdump would show the octet after the options as the length. */
            tapir_text_puts(t, " [bad length]");
            return;
        }
        unsigned olen = opt[i + 1];
        if (olen < 2 || olen > len - i) {
            tapir_text_printf(t, " [bad length %u]", olen);
            return;
        }
        const uint8_t *o = opt + i;
        switch (type) {
        case TAPIR_IPV4_OPT_TS:
            print_timestamp(t, o, olen);
            break;
        case TAPIR_IPV4_OPT_RR:
        case TAPIR_IPV4_OPT_SSRR:
        case TAPIR_IPV4_OPT_LSRR:
            print_route(t, o, olen);
            break;
        case TAPIR_IPV4_OPT_RA:
            if (olen < 4)
                tapir_text_printf(t, " [bad length %u]", olen);
            else if (load_be16(o + 2) != 0)
                tapir_text_printf(t, " value %u", load_be16(o + 2));
            break;
        default:
            break;
        }
        i += olen;
    }
}

/* tcpdump's ECN names (RFC 3168 §5). */
static const char *const ecn_names[4] = {"Not-ECT", "ECT(1)", "ECT(0)", "CE"};

void tapir_ipv4_print(struct tapir_text *t, const struct tapir_ipv4_repr *repr)
{
    tapir_text_printf(t, "IP (tos 0x%x", repr->tos);
    if (repr->tos & 3)
        tapir_text_printf(t, ",%s", ecn_names[repr->tos & 3]);
    /* tcpdump leaves out a zero TTL. */
    if (repr->ttl >= 1)
        tapir_text_printf(t, ", ttl %u", repr->ttl);
    const char *flags =
        repr->more_frags ? (repr->dont_frag ? "+, DF" : "+") : (repr->dont_frag ? "DF" : "none");
    const char *name = tapir_ip_protocol_name(repr->protocol);
    tapir_text_printf(t, ", id %u, offset %u, flags [%s], proto %s (%u), length %zu", repr->ident,
                      repr->frag_offset, flags, name ? name : "unknown", repr->protocol,
                      tapir_ipv4_header_len(repr) + repr->payload_len);
    if (repr->options_len > 0 && repr->options != NULL) {
        tapir_text_puts(t, ", options (");
        print_options(t, repr->options, repr->options_len);
        tapir_text_puts(t, ")");
    }
    char src[TAPIR_IPV4_STRLEN], dst[TAPIR_IPV4_STRLEN];
    tapir_text_printf(t, ") %s > %s", tapir_ipv4_format(&repr->src, src),
                      tapir_ipv4_format(&repr->dst, dst));
}

void tapir_ipv4_print_verbose(struct tapir_text *t, const struct tapir_ipv4_repr *repr)
{
    char ip[TAPIR_IPV4_STRLEN];
    size_t hlen = tapir_ipv4_header_len(repr);
    tapir_text_puts(t, "IPv4\n  version: 4\n");
    tapir_text_printf(t, "  header length: %zu (IHL %zu)\n", hlen, hlen / 4);
    tapir_text_printf(t, "  tos: 0x%02x (DSCP %u, ECN %s)\n", repr->tos, repr->tos >> 2,
                      ecn_names[repr->tos & 3]);
    tapir_text_printf(t, "  total length: %zu\n", hlen + repr->payload_len);
    tapir_text_printf(t, "  identification: %u (0x%04x)\n", repr->ident, repr->ident);
    unsigned flags = (repr->dont_frag ? 2u : 0u) | (repr->more_frags ? 1u : 0u);
    static const char *const flag_names[4] = {"none", "MF", "DF", "DF, MF"};
    tapir_text_printf(t, "  flags: 0x%x (%s)\n", flags, flag_names[flags]);
    tapir_text_printf(t, "  fragment offset: %u\n", repr->frag_offset);
    tapir_text_printf(t, "  ttl: %u\n", repr->ttl);
    const char *name = tapir_ip_protocol_name(repr->protocol);
    tapir_text_printf(t, "  protocol: %s (%u)\n", name ? name : "unknown", repr->protocol);
    tapir_text_printf(t, "  header checksum: 0x%04x\n", tapir_ipv4_header_checksum(repr));
    tapir_text_printf(t, "  source: %s\n", tapir_ipv4_format(&repr->src, ip));
    tapir_text_printf(t, "  destination: %s\n", tapir_ipv4_format(&repr->dst, ip));
    if (repr->options_len > 0 && repr->options != NULL) {
        tapir_text_printf(t, "  options (%zu bytes): ", repr->options_len);
        tapir_text_hex(t, repr->options, repr->options_len, 0);
        tapir_text_puts(t, "\n");
    } else {
        tapir_text_puts(t, "  options: none\n");
    }
    tapir_text_printf(t, "  payload length: %zu\n", repr->payload_len);
}

/* ---- addresses ----------------------------------------------------------------------- */

bool tapir_ipv4_is_fragment(const struct tapir_ipv4_repr *repr)
{
    return repr->more_frags || repr->frag_offset != 0;
}

bool tapir_ipv4_is_unspecified(const struct tapir_ipv4_addr *addr)
{
    static const uint8_t zero[4];
    return memcmp(addr->bytes, zero, 4) == 0;
}

bool tapir_ipv4_is_broadcast(const struct tapir_ipv4_addr *addr)
{
    static const uint8_t ones[4] = {255, 255, 255, 255};
    return memcmp(addr->bytes, ones, 4) == 0;
}

bool tapir_ipv4_is_multicast(const struct tapir_ipv4_addr *addr)
{
    return (addr->bytes[0] & 0xf0) == 0xe0; /* class D, RFC 5771 */
}

bool tapir_ipv4_is_loopback(const struct tapir_ipv4_addr *addr)
{
    return addr->bytes[0] == 127; /* RFC 1122 §3.2.1.3 (g) */
}

bool tapir_ipv4_is_link_local(const struct tapir_ipv4_addr *addr)
{
    return addr->bytes[0] == 169 && addr->bytes[1] == 254; /* RFC 3927 */
}

bool tapir_ipv4_addr_equal(const struct tapir_ipv4_addr *a, const struct tapir_ipv4_addr *b)
{
    return memcmp(a->bytes, b->bytes, 4) == 0;
}
