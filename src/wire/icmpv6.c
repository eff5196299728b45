/* ICMPv6 (RFC 4443): the common header, echo and error messages; NDP and MLD bodies are
 * handed to ndp.c and mld.c. */
#include <string.h>

#include "bytes.h"
#include "emit.h"
#include "tapir/error.h"
#include "tapir/wire/icmpv6.h"
#include "tapir/wire/mld.h"
#include "tapir/wire/ndp.h"

#define IPV6_HEADER_LEN 40

/* The pseudo-header sum for an ICMPv6 message of `len` bytes, or -1 when `ph` is not IPv6.
 * The next header is always 58 (RFC 4443 §2.3), whatever ph->protocol says. */
static int pseudo_sum(const struct tapir_pseudo_header *ph, size_t len, uint64_t *acc)
{
    if (ph->src.version != TAPIR_IP_V6 || ph->dst.version != TAPIR_IP_V6)
        return -1;
    *acc = tapir_csum_pseudo_ipv6(&ph->src.v6, &ph->dst.v6, TAPIR_IP_PROTO_ICMPV6, (uint32_t)len);
    return 0;
}

int tapir_icmpv6_parse(const uint8_t *buf, size_t len, const struct tapir_pseudo_header *ph,
                       struct tapir_icmpv6_repr *out)
{
    if (len < TAPIR_ICMPV6_HEADER_LEN)
        return TAPIR_ETRUNCATED;
    if (ph != NULL) {
        uint64_t acc;
        if (pseudo_sum(ph, len, &acc) != 0)
            return TAPIR_EINVAL;
        /* Summed over a message holding its checksum, the result is 0 (RFC 1071). */
        if (tapir_csum_finish(tapir_csum_add(acc, buf, len)) != 0)
            return TAPIR_EBADCHECKSUM;
    }
    struct tapir_icmpv6_repr r;
    r.type = buf[0];
    r.code = buf[1];
    r.checksum = load_be16(buf + 2);
    r.rest = load_be32(buf + 4);
    r.data = buf + TAPIR_ICMPV6_HEADER_LEN;
    r.data_len = len - TAPIR_ICMPV6_HEADER_LEN;
    *out = r;
    return 0;
}

size_t tapir_icmpv6_header_len(const struct tapir_icmpv6_repr *repr)
{
    (void)repr;
    return TAPIR_ICMPV6_HEADER_LEN;
}

int tapir_icmpv6_emit(const struct tapir_icmpv6_repr *repr, const struct tapir_pseudo_header *ph,
                      uint8_t *buf, size_t cap)
{
    size_t total = TAPIR_ICMPV6_HEADER_LEN + repr->data_len;
    if (cap < TAPIR_ICMPV6_HEADER_LEN || cap - TAPIR_ICMPV6_HEADER_LEN < repr->data_len)
        return TAPIR_ENOBUFS;
    uint64_t acc = 0;
    if (ph != NULL && pseudo_sum(ph, total, &acc) != 0)
        return TAPIR_EINVAL;

    place_payload(buf, TAPIR_ICMPV6_HEADER_LEN, repr->data, repr->data_len);
    buf[0] = repr->type;
    buf[1] = repr->code;
    store_be16(buf + 2, 0);
    store_be32(buf + 4, repr->rest);
    if (ph != NULL)
        store_be16(buf + 2, tapir_csum_finish(tapir_csum_add(acc, buf, total)));
    return (int)total;
}

const char *tapir_icmpv6_type_name(uint8_t type)
{
    /* tcpdump's names (print-icmp6.c), so the one-line printer reads as tcpdump does;
     * the printer adds tcpdump's " in-transit" to type 3. */
    switch (type) {
    case TAPIR_ICMPV6_DST_UNREACH:
        return "destination unreachable";
    case TAPIR_ICMPV6_PACKET_TOO_BIG:
        return "packet too big";
    case TAPIR_ICMPV6_TIME_EXCEEDED:
        return "time exceeded";
    case TAPIR_ICMPV6_PARAM_PROBLEM:
        return "parameter problem";
    case TAPIR_ICMPV6_ECHO_REQUEST:
        return "echo request";
    case TAPIR_ICMPV6_ECHO_REPLY:
        return "echo reply";
    case TAPIR_ICMPV6_MLD_QUERY:
        return "multicast listener query";
    case TAPIR_ICMPV6_MLD_REPORT:
        return "multicast listener report";
    case TAPIR_ICMPV6_MLD_DONE:
        return "multicast listener done";
    case TAPIR_ICMPV6_ROUTER_SOLICIT:
        return "router solicitation";
    case TAPIR_ICMPV6_ROUTER_ADVERT:
        return "router advertisement";
    case TAPIR_ICMPV6_NEIGHBOR_SOLICIT:
        return "neighbor solicitation";
    case TAPIR_ICMPV6_NEIGHBOR_ADVERT:
        return "neighbor advertisement";
    case TAPIR_ICMPV6_REDIRECT:
        return "redirect";
    case TAPIR_ICMPV6_MLD2_REPORT:
        return "multicast listener report v2";
    default:
        return NULL;
    }
}

/* RFC 4443's names of the error codes, for the verbose printer. */
static const char *code_name(uint8_t type, uint8_t code)
{
    static const char *const unreach[] = {
        "no route to destination",
        "communication with destination administratively prohibited",
        "beyond scope of source address",
        "address unreachable",
        "port unreachable",
        "source address failed ingress/egress policy",
        "reject route to destination",
    };
    static const char *const time_exceeded[] = {
        "hop limit exceeded in transit",
        "fragment reassembly time exceeded",
    };
    static const char *const param[] = {
        "erroneous header field encountered", "unrecognized next header type encountered",
        "unrecognized IPv6 option encountered",
        "IPv6 first fragment has incomplete IPv6 header chain", /* RFC 7112 §4 */
    };
    switch (type) {
    case TAPIR_ICMPV6_DST_UNREACH:
        return code < sizeof unreach / sizeof unreach[0] ? unreach[code] : NULL;
    case TAPIR_ICMPV6_TIME_EXCEEDED:
        return code < sizeof time_exceeded / sizeof time_exceeded[0] ? time_exceeded[code] : NULL;
    case TAPIR_ICMPV6_PARAM_PROBLEM:
        return code < sizeof param / sizeof param[0] ? param[code] : NULL;
    default:
        return NULL;
    }
}

/* What the printers show of an error's invoking packet: its addresses and, past any
 * extension headers, the upper-layer protocol and destination port (as tcpdump's
 * get_upperlayer() finds them). */
struct invoking {
    bool has_addrs; /* at least an IPv6 header's worth of data */
    struct tapir_ipv6_addr src, dst;
    uint8_t next_header;
    bool has_port; /* TCP or UDP found, with its destination port */
    uint8_t proto;
    uint16_t dport;
};

static void read_invoking(const struct tapir_icmpv6_repr *r, struct invoking *inv)
{
    memset(inv, 0, sizeof *inv);
    const uint8_t *p = r->data;
    size_t len = r->data_len;
    if (len < IPV6_HEADER_LEN)
        return;
    inv->has_addrs = true;
    inv->next_header = p[6];
    memcpy(inv->src.bytes, p + 8, 16);
    memcpy(inv->dst.bytes, p + 24, 16);

    uint8_t nh = p[6];
    size_t off = IPV6_HEADER_LEN;
    while (off < len) {
        switch (nh) {
        case 6:  /* TCP */
        case 17: /* UDP: both have the destination port at offset 2 */
            if (len - off >= 4) {
                inv->has_port = true;
                inv->proto = nh;
                inv->dport = load_be16(p + off + 2);
            }
            return;
        case 0:  /* Hop-by-Hop options */
        case 43: /* Routing */
        case 60: /* Destination options: length in 8-octet units, less one (RFC 8200 §4.3) */
            if (len - off < 2)
                return;
            nh = p[off];
            off += ((size_t)p[off + 1] + 1) * 8;
            break;
        case 44: /* Fragment: only the first fragment holds the upper-layer header */
            if (len - off < 4 || (load_be16(p + off + 2) & 0xfff8) != 0)
                return;
            nh = p[off];
            off += 8;
            break;
        case 51: /* AH: length in 4-octet units, less two (RFC 4302 §2.2) */
            if (len - off < 2)
                return;
            nh = p[off];
            off += ((size_t)p[off + 1] + 2) * 4;
            break;
        default:
            return;
        }
    }
}

/* The part of tcpdump's line after "ICMP6, <type name>" for an error message; returns false
 * where tcpdump stops with "[|icmp6]" (the invoking packet too short). */
static bool print_error_details(struct tapir_text *t, const struct tapir_icmpv6_repr *r)
{
    struct invoking inv;
    char a[TAPIR_IPV6_STRLEN], b[TAPIR_IPV6_STRLEN];
    read_invoking(r, &inv);
    if (!inv.has_addrs)
        return false;
    tapir_ipv6_format(&inv.dst, a);

    switch (r->type) {
    case TAPIR_ICMPV6_DST_UNREACH:
        switch (r->code) {
        case TAPIR_ICMPV6_UNREACH_NO_ROUTE:
            tapir_text_printf(t, ", unreachable route %s", a);
            break;
        case TAPIR_ICMPV6_UNREACH_ADMIN:
            /* sic: tcpdump's table has a leading space in this one */
            tapir_text_printf(t, ",  unreachable prohibited %s", a);
            break;
        case TAPIR_ICMPV6_UNREACH_BEYOND_SCOPE:
            tapir_text_printf(t, ", beyond scope %s, source address %s", a,
                              tapir_ipv6_format(&inv.src, b));
            break;
        case TAPIR_ICMPV6_UNREACH_ADDR:
            tapir_text_printf(t, ", unreachable address %s", a);
            break;
        case TAPIR_ICMPV6_UNREACH_PORT:
            tapir_text_puts(t, ", unreachable port");
            if (!inv.has_port)
                return false;
            tapir_text_printf(t, ", %s %s port %u", a, inv.proto == 6 ? "tcp" : "udp", inv.dport);
            break;
        default:
            tapir_text_printf(t, ", unknown unreach code (%u)", r->code);
            break;
        }
        break;
    case TAPIR_ICMPV6_TIME_EXCEEDED:
        if (r->code == TAPIR_ICMPV6_HOP_LIMIT_EXCEEDED)
            tapir_text_printf(t, " for %s", a);
        else if (r->code == TAPIR_ICMPV6_REASSEMBLY_TIME_EXCEEDED)
            tapir_text_puts(t, " (reassembly)");
        else
            tapir_text_printf(t, ", unknown code (%u)", r->code);
        break;
    case TAPIR_ICMPV6_PARAM_PROBLEM: {
        static const char *const what[] = {"erroneous", "next header", "option"};
        if (r->code < 3)
            tapir_text_printf(t, ", %s - octet %u", what[r->code], r->rest);
        else
            tapir_text_printf(t, ", code-#%u", r->code);
        break;
    }
    default:
        break;
    }
    return true;
}

void tapir_icmpv6_print(struct tapir_text *t, const struct tapir_icmpv6_repr *repr)
{
    size_t len = TAPIR_ICMPV6_HEADER_LEN + repr->data_len;
    const char *name = tapir_icmpv6_type_name(repr->type);

    switch (repr->type) {
    case TAPIR_ICMPV6_ROUTER_SOLICIT:
    case TAPIR_ICMPV6_ROUTER_ADVERT:
    case TAPIR_ICMPV6_NEIGHBOR_SOLICIT:
    case TAPIR_ICMPV6_NEIGHBOR_ADVERT:
    case TAPIR_ICMPV6_REDIRECT: {
        struct tapir_ndp_repr nd;
        if (tapir_ndp_parse(repr, &nd) == 0) {
            tapir_ndp_print(t, &nd);
            return;
        }
        break;
    }
    case TAPIR_ICMPV6_MLD_QUERY:
    case TAPIR_ICMPV6_MLD_REPORT:
    case TAPIR_ICMPV6_MLD_DONE:
    case TAPIR_ICMPV6_MLD2_REPORT: {
        struct tapir_mld_repr mld;
        if (tapir_mld_parse(repr, &mld) == 0) {
            tapir_mld_print(t, &mld);
            return;
        }
        break;
    }
    default:
        break;
    }

    if (name == NULL) {
        tapir_text_printf(t, "ICMP6, unknown icmp6 type (%u), length %zu", repr->type, len);
        return;
    }
    /* tcpdump calls type 3 "time exceeded in-transit", whatever the code. */
    tapir_text_printf(t, "ICMP6, %s%s", name,
                      repr->type == TAPIR_ICMPV6_TIME_EXCEEDED ? " in-transit" : "");
    switch (repr->type) {
    case TAPIR_ICMPV6_ECHO_REQUEST:
    case TAPIR_ICMPV6_ECHO_REPLY:
        tapir_text_printf(t, ", id %u, seq %u", tapir_icmpv6_echo_id(repr),
                          tapir_icmpv6_echo_seq(repr));
        break;
    case TAPIR_ICMPV6_PACKET_TOO_BIG:
        tapir_text_printf(t, ", mtu %u", repr->rest);
        break;
    case TAPIR_ICMPV6_DST_UNREACH:
    case TAPIR_ICMPV6_TIME_EXCEEDED:
    case TAPIR_ICMPV6_PARAM_PROBLEM:
        if (!print_error_details(t, repr)) {
            tapir_text_puts(t, "[|icmp6]");
            return;
        }
        break;
    default:
        /* An NDP or MLD message whose body did not parse. */
        tapir_text_puts(t, " [malformed]");
        break;
    }
    tapir_text_printf(t, ", length %zu", len);
}

void tapir_icmpv6_print_verbose(struct tapir_text *t, const struct tapir_icmpv6_repr *repr)
{
    const char *name = tapir_icmpv6_type_name(repr->type);
    const char *code = code_name(repr->type, repr->code);
    tapir_text_puts(t, "ICMPv6\n");
    tapir_text_printf(t, "  type: %s (%u)\n", name ? name : "unknown", repr->type);
    if (code)
        tapir_text_printf(t, "  code: %s (%u)\n", code, repr->code);
    else
        tapir_text_printf(t, "  code: %u\n", repr->code);
    tapir_text_printf(t, "  checksum: 0x%04x\n", repr->checksum);

    switch (repr->type) {
    case TAPIR_ICMPV6_ECHO_REQUEST:
    case TAPIR_ICMPV6_ECHO_REPLY:
        tapir_text_printf(t, "  identifier: %u\n  sequence: %u\n", tapir_icmpv6_echo_id(repr),
                          tapir_icmpv6_echo_seq(repr));
        break;
    case TAPIR_ICMPV6_PACKET_TOO_BIG:
        tapir_text_printf(t, "  MTU: %u\n", repr->rest);
        break;
    case TAPIR_ICMPV6_PARAM_PROBLEM:
        tapir_text_printf(t, "  pointer: %u\n", repr->rest);
        break;
    case TAPIR_ICMPV6_DST_UNREACH:
    case TAPIR_ICMPV6_TIME_EXCEEDED:
        tapir_text_printf(t, "  unused: 0x%08x\n", repr->rest);
        break;
    default:
        tapir_text_printf(t, "  rest: 0x%08x\n", repr->rest);
        break;
    }
    tapir_text_printf(t, "  data length: %zu\n", repr->data_len);

    if (tapir_icmpv6_is_error(repr->type)) {
        struct invoking inv;
        char a[TAPIR_IPV6_STRLEN], b[TAPIR_IPV6_STRLEN];
        read_invoking(repr, &inv);
        if (inv.has_addrs) {
            tapir_text_printf(t, "  invoking packet: %s > %s, next header %u",
                              tapir_ipv6_format(&inv.src, a), tapir_ipv6_format(&inv.dst, b),
                              inv.next_header);
            if (inv.has_port)
                tapir_text_printf(t, ", %s port %u", inv.proto == 6 ? "tcp" : "udp", inv.dport);
            tapir_text_puts(t, "\n");
        }
        return;
    }

    int err = 0;
    switch (repr->type) {
    case TAPIR_ICMPV6_ROUTER_SOLICIT:
    case TAPIR_ICMPV6_ROUTER_ADVERT:
    case TAPIR_ICMPV6_NEIGHBOR_SOLICIT:
    case TAPIR_ICMPV6_NEIGHBOR_ADVERT:
    case TAPIR_ICMPV6_REDIRECT: {
        struct tapir_ndp_repr nd;
        err = tapir_ndp_parse(repr, &nd);
        if (err == 0)
            tapir_ndp_print_verbose(t, &nd);
        break;
    }
    case TAPIR_ICMPV6_MLD_QUERY:
    case TAPIR_ICMPV6_MLD_REPORT:
    case TAPIR_ICMPV6_MLD_DONE:
    case TAPIR_ICMPV6_MLD2_REPORT: {
        struct tapir_mld_repr mld;
        err = tapir_mld_parse(repr, &mld);
        if (err == 0)
            tapir_mld_print_verbose(t, &mld);
        break;
    }
    default:
        break;
    }
    if (err != 0) {
        const char *e = tapir_error_name(err);
        tapir_text_printf(t, "  body: malformed (%s)\n", e ? e : "?");
    }
}
