/* ICMP for IPv4 (RFC 792, RFC 1191). */
#include <string.h>

#include "bytes.h"
#include "emit.h"
#include "tapir/error.h"
#include "tapir/wire/checksum.h"
#include "tapir/wire/icmpv4.h"
#include "tapir/wire/ipv4.h"

/* RFC 792: an error quotes "the internet header plus the first 64 bits of the original
 * datagram's data". */
#define QUOTED_PAYLOAD_MIN 8

bool tapir_icmpv4_is_error(uint8_t type)
{
    switch (type) {
    case TAPIR_ICMPV4_DEST_UNREACHABLE:
    case TAPIR_ICMPV4_SOURCE_QUENCH:
    case TAPIR_ICMPV4_REDIRECT:
    case TAPIR_ICMPV4_TIME_EXCEEDED:
    case TAPIR_ICMPV4_PARAM_PROBLEM:
        return true;
    default:
        return false;
    }
}

/* Types whose four bytes are an identifier and a sequence number (RFC 792, RFC 950). */
static bool has_ident_seq(uint8_t type)
{
    switch (type) {
    case TAPIR_ICMPV4_ECHO_REPLY:
    case TAPIR_ICMPV4_ECHO_REQUEST:
    case TAPIR_ICMPV4_TIMESTAMP:
    case TAPIR_ICMPV4_TIMESTAMP_REPLY:
    case TAPIR_ICMPV4_INFO_REQUEST:
    case TAPIR_ICMPV4_INFO_REPLY:
    case TAPIR_ICMPV4_ADDR_MASK_REQUEST:
    case TAPIR_ICMPV4_ADDR_MASK_REPLY:
        return true;
    default:
        return false;
    }
}

static bool has_mtu(uint8_t type, uint8_t code)
{
    return type == TAPIR_ICMPV4_DEST_UNREACHABLE && code == TAPIR_ICMPV4_UNREACH_FRAG_NEEDED;
}

/* The invoking datagram of an error message, as far as it was quoted. */
static int read_quoted(const struct tapir_icmpv4_repr *r, struct tapir_ipv4_repr *inner)
{
    if (r->data == NULL)
        return TAPIR_ETRUNCATED;
    int rc = tapir_ipv4_quoted_parse(r->data, r->data_len, inner);
    if (rc != 0)
        return rc;
    /* At least 8 payload bytes, or all of them when the datagram carried fewer. */
    size_t hlen = tapir_ipv4_header_len(inner);
    size_t total = load_be16(r->data + 2);
    size_t want = total - hlen < QUOTED_PAYLOAD_MIN ? total - hlen : QUOTED_PAYLOAD_MIN;
    if (inner->payload_len < want)
        return TAPIR_ETRUNCATED;
    return 0;
}

int tapir_icmpv4_parse(const uint8_t *buf, size_t len, struct tapir_icmpv4_repr *out)
{
    if (len < TAPIR_ICMPV4_HEADER_LEN)
        return TAPIR_ETRUNCATED;
    /* RFC 792: the checksum covers the whole message, header and data. */
    if (tapir_checksum(buf, len) != 0)
        return TAPIR_EBADCHECKSUM;

    struct tapir_icmpv4_repr r;
    memset(&r, 0, sizeof r);
    r.type = buf[0];
    r.code = buf[1];
    r.rest = load_be32(buf + 4);
    if (has_ident_seq(r.type)) {
        r.ident = load_be16(buf + 4);
        r.seq = load_be16(buf + 6);
    } else if (has_mtu(r.type, r.code)) {
        r.next_hop_mtu = load_be16(buf + 6);
    } else if (r.type == TAPIR_ICMPV4_PARAM_PROBLEM) {
        r.pointer = buf[4];
    } else if (r.type == TAPIR_ICMPV4_REDIRECT) {
        memcpy(r.gateway.bytes, buf + 4, 4);
    }
    r.data = buf + TAPIR_ICMPV4_HEADER_LEN;
    r.data_len = len - TAPIR_ICMPV4_HEADER_LEN;

    if (tapir_icmpv4_is_error(r.type)) {
        struct tapir_ipv4_repr inner;
        int rc = read_quoted(&r, &inner);
        if (rc != 0)
            return rc;
    }
    *out = r;
    return 0;
}

size_t tapir_icmpv4_header_len(const struct tapir_icmpv4_repr *repr)
{
    (void)repr;
    return TAPIR_ICMPV4_HEADER_LEN;
}

/* The header with a zero checksum: `rest`, then the type's decoded fields over it. */
static void build_header(const struct tapir_icmpv4_repr *repr, uint8_t hdr[8])
{
    hdr[0] = repr->type;
    hdr[1] = repr->code;
    store_be16(hdr + 2, 0);
    store_be32(hdr + 4, repr->rest);
    if (has_ident_seq(repr->type)) {
        store_be16(hdr + 4, repr->ident);
        store_be16(hdr + 6, repr->seq);
    } else if (has_mtu(repr->type, repr->code)) {
        store_be16(hdr + 6, repr->next_hop_mtu);
    } else if (repr->type == TAPIR_ICMPV4_PARAM_PROBLEM) {
        hdr[4] = repr->pointer;
    } else if (repr->type == TAPIR_ICMPV4_REDIRECT) {
        memcpy(hdr + 4, repr->gateway.bytes, 4);
    }
}

uint16_t tapir_icmpv4_checksum(const struct tapir_icmpv4_repr *repr)
{
    uint8_t hdr[TAPIR_ICMPV4_HEADER_LEN];
    build_header(repr, hdr);
    uint64_t acc = tapir_csum_add(0, hdr, sizeof hdr);
    if (repr->data != NULL)
        acc = tapir_csum_add(acc, repr->data, repr->data_len);
    return tapir_csum_finish(acc);
}

int tapir_icmpv4_emit(const struct tapir_icmpv4_repr *repr, uint8_t *buf, size_t cap)
{
    if (cap < TAPIR_ICMPV4_HEADER_LEN || cap - TAPIR_ICMPV4_HEADER_LEN < repr->data_len)
        return TAPIR_ENOBUFS;
    place_payload(buf, TAPIR_ICMPV4_HEADER_LEN, repr->data, repr->data_len);
    build_header(repr, buf);
    /* Summed in place: the data may have been put there by the caller (data NULL). */
    store_be16(buf + 2, tapir_checksum(buf, TAPIR_ICMPV4_HEADER_LEN + repr->data_len));
    return (int)(TAPIR_ICMPV4_HEADER_LEN + repr->data_len);
}

/* ---- names --------------------------------------------------------------------------- */

const char *tapir_icmpv4_type_name(uint8_t type)
{
    switch (type) {
    case TAPIR_ICMPV4_ECHO_REPLY:
        return "echo reply";
    case TAPIR_ICMPV4_DEST_UNREACHABLE:
        return "destination unreachable";
    case TAPIR_ICMPV4_SOURCE_QUENCH:
        return "source quench";
    case TAPIR_ICMPV4_REDIRECT:
        return "redirect";
    case TAPIR_ICMPV4_ECHO_REQUEST:
        return "echo request";
    case TAPIR_ICMPV4_ROUTER_ADVERT:
        return "router advertisement";
    case TAPIR_ICMPV4_ROUTER_SOLICIT:
        return "router solicitation";
    case TAPIR_ICMPV4_TIME_EXCEEDED:
        return "time exceeded";
    case TAPIR_ICMPV4_PARAM_PROBLEM:
        return "parameter problem";
    case TAPIR_ICMPV4_TIMESTAMP:
        return "timestamp request";
    case TAPIR_ICMPV4_TIMESTAMP_REPLY:
        return "timestamp reply";
    case TAPIR_ICMPV4_INFO_REQUEST:
        return "information request";
    case TAPIR_ICMPV4_INFO_REPLY:
        return "information reply";
    case TAPIR_ICMPV4_ADDR_MASK_REQUEST:
        return "address mask request";
    case TAPIR_ICMPV4_ADDR_MASK_REPLY:
        return "address mask reply";
    default:
        return NULL;
    }
}

const char *tapir_icmpv4_code_name(uint8_t type, uint8_t code)
{
    static const char *const unreach[] = {
        "net unreachable",
        "host unreachable",
        "protocol unreachable",
        "port unreachable",
        "fragmentation needed",
        "source route failed",
        "destination network unknown",
        "destination host unknown",
        "source host isolated",
        "network administratively prohibited",
        "host administratively prohibited",
        "network unreachable for TOS",
        "host unreachable for TOS",
        "communication administratively prohibited",
        "host precedence violation",
        "precedence cutoff in effect",
    };
    static const char *const redirect[] = {"network", "host", "TOS and network", "TOS and host"};
    static const char *const exceeded[] = {"TTL exceeded in transit",
                                           "fragment reassembly time exceeded"};
    static const char *const param[] = {"pointer indicates the error", "missing a required option",
                                        "bad length"};
#define PICK(table) (code < sizeof table / sizeof table[0] ? table[code] : NULL)
    switch (type) {
    case TAPIR_ICMPV4_DEST_UNREACHABLE:
        return PICK(unreach);
    case TAPIR_ICMPV4_REDIRECT:
        return PICK(redirect);
    case TAPIR_ICMPV4_TIME_EXCEEDED:
        return PICK(exceeded);
    case TAPIR_ICMPV4_PARAM_PROBLEM:
        return PICK(param);
    default:
        return NULL;
    }
#undef PICK
}

/* ---- printing ------------------------------------------------------------------------ */

/* The one-line texts are tcpdump's (print-icmp.c, icmp_print), with -n: ports as numbers. */

static void print_unreachable(struct tapir_text *t, const struct tapir_icmpv4_repr *r,
                              const struct tapir_ipv4_repr *in, const char *dst)
{
    /* "net %s unreachable" and the like: a prefix, the address, a suffix. */
    static const struct {
        const char *pre, *post;
    } forms[] = {
        [TAPIR_ICMPV4_UNREACH_NET] = {"net ", " unreachable"},
        [TAPIR_ICMPV4_UNREACH_HOST] = {"host ", " unreachable"},
        [TAPIR_ICMPV4_UNREACH_SRC_ROUTE_FAILED] = {"", " unreachable - source route failed"},
        [TAPIR_ICMPV4_UNREACH_NET_UNKNOWN] = {"net ", " unreachable - unknown"},
        [TAPIR_ICMPV4_UNREACH_HOST_UNKNOWN] = {"host ", " unreachable - unknown"},
        [TAPIR_ICMPV4_UNREACH_ISOLATED] = {"", " unreachable - source host isolated"},
        [TAPIR_ICMPV4_UNREACH_NET_PROHIBITED] = {"net ", " unreachable - admin prohibited"},
        [TAPIR_ICMPV4_UNREACH_HOST_PROHIBITED] = {"host ", " unreachable - admin prohibited"},
        [TAPIR_ICMPV4_UNREACH_NET_TOS] = {"net ", " unreachable - tos prohibited"},
        [TAPIR_ICMPV4_UNREACH_HOST_TOS] = {"host ", " unreachable - tos prohibited"},
        [TAPIR_ICMPV4_UNREACH_ADMIN_PROHIBITED] = {"host ",
                                                   " unreachable - admin prohibited filter"},
        [TAPIR_ICMPV4_UNREACH_PRECEDENCE_VIOLATION] = {"host ",
                                                       " unreachable - host precedence violation"},
        [TAPIR_ICMPV4_UNREACH_PRECEDENCE_CUTOFF] = {"host ", " unreachable - precedence cutoff"},
    };
    switch (r->code) {
    case TAPIR_ICMPV4_UNREACH_PROTOCOL:
        tapir_text_printf(t, "%s protocol %u unreachable", dst, in->protocol);
        return;
    case TAPIR_ICMPV4_UNREACH_PORT: {
        if (in->payload_len < 4) {
            tapir_text_puts(t, "[|icmp]");
            return;
        }
        /* TCP and UDP both put the destination port at offset 2. */
        unsigned port = load_be16(in->payload + 2);
        if (in->protocol == TAPIR_IP_PROTO_TCP)
            tapir_text_printf(t, "%s tcp port %u unreachable", dst, port);
        else if (in->protocol == TAPIR_IP_PROTO_UDP)
            tapir_text_printf(t, "%s udp port %u unreachable", dst, port);
        else
            tapir_text_printf(t, "%s protocol %u port %u unreachable", dst, in->protocol, port);
        return;
    }
    case TAPIR_ICMPV4_UNREACH_FRAG_NEEDED:
        if (r->next_hop_mtu != 0)
            tapir_text_printf(t, "%s unreachable - need to frag (mtu %u)", dst, r->next_hop_mtu);
        else
            tapir_text_printf(t, "%s unreachable - need to frag", dst);
        return;
    default:
        if (r->code < sizeof forms / sizeof forms[0] && forms[r->code].pre != NULL)
            tapir_text_printf(t, "%s%s%s", forms[r->code].pre, dst, forms[r->code].post);
        else
            tapir_text_printf(t, "%s unreachable - #%u", dst, r->code);
        return;
    }
}

static void print_redirect(struct tapir_text *t, const struct tapir_icmpv4_repr *r, const char *dst)
{
    char gw[TAPIR_IPV4_STRLEN];
    tapir_ipv4_format(&r->gateway, gw);
    switch (r->code) {
    case TAPIR_ICMPV4_REDIRECT_NET:
        tapir_text_printf(t, "redirect %s to net %s", dst, gw);
        break;
    case TAPIR_ICMPV4_REDIRECT_HOST:
        tapir_text_printf(t, "redirect %s to host %s", dst, gw);
        break;
    case TAPIR_ICMPV4_REDIRECT_TOS_NET:
        tapir_text_printf(t, "redirect-tos %s to net %s", dst, gw);
        break;
    case TAPIR_ICMPV4_REDIRECT_TOS_HOST:
        tapir_text_printf(t, "redirect-tos %s to host %s", dst, gw);
        break;
    default:
        tapir_text_printf(t, "redirect-#%u %s to %s", r->code, dst, gw);
        break;
    }
}

/* RFC 1256 §3: number of addresses, entry size in words (2), lifetime; then entries of
 * address and preference. */
static void print_router_advert(struct tapir_text *t, const struct tapir_icmpv4_repr *r)
{
    unsigned num = r->rest >> 24, size = (r->rest >> 16) & 0xff, life = r->rest & 0xffff;
    tapir_text_puts(t, "router advertisement lifetime ");
    if (life < 60)
        tapir_text_printf(t, "%u", life);
    else if (life < 3600)
        tapir_text_printf(t, "%u:%02u", life / 60, life % 60);
    else
        tapir_text_printf(t, "%u:%02u:%02u", life / 3600, life % 3600 / 60, life % 60);
    tapir_text_printf(t, " %u:", num);
    if (size != 2) {
        tapir_text_printf(t, " [size %u]", size);
        return;
    }
    for (size_t i = 0; i < num; i++) {
        if (r->data == NULL || r->data_len < (i + 1) * 8) {
            tapir_text_puts(t, " [|icmp]");
            return;
        }
        const uint8_t *e = r->data + i * 8;
        struct tapir_ipv4_addr a;
        char s[TAPIR_IPV4_STRLEN];
        memcpy(a.bytes, e, 4);
        tapir_text_printf(t, " {%s %u}", tapir_ipv4_format(&a, s), load_be32(e + 4));
    }
}

/* Milliseconds since midnight UT (RFC 792 timestamp) as tcpdump shows them. */
static void print_ms_of_day(struct tapir_text *t, const char *label, uint32_t ms)
{
    uint32_t s = ms / 1000, m = s / 60, h = m / 60;
    tapir_text_printf(t, "%s%02u:%02u:%02u.%03u", label, (unsigned)h, (unsigned)(m % 60),
                      (unsigned)(s % 60), (unsigned)(ms % 1000));
}

static void print_summary(struct tapir_text *t, const struct tapir_icmpv4_repr *r)
{
    struct tapir_ipv4_repr in;
    char dst[TAPIR_IPV4_STRLEN];
    bool error = tapir_icmpv4_is_error(r->type);
    if (error) {
        if (read_quoted(r, &in) != 0) {
            tapir_text_puts(t, "[|icmp]");
            return;
        }
        tapir_ipv4_format(&in.dst, dst);
    }
    switch (r->type) {
    case TAPIR_ICMPV4_ECHO_REQUEST:
    case TAPIR_ICMPV4_ECHO_REPLY:
        tapir_text_printf(t, "echo %s, id %u, seq %u",
                          r->type == TAPIR_ICMPV4_ECHO_REQUEST ? "request" : "reply", r->ident,
                          r->seq);
        break;
    case TAPIR_ICMPV4_DEST_UNREACHABLE:
        print_unreachable(t, r, &in, dst);
        break;
    case TAPIR_ICMPV4_REDIRECT:
        print_redirect(t, r, dst);
        break;
    case TAPIR_ICMPV4_ROUTER_ADVERT:
        print_router_advert(t, r);
        break;
    case TAPIR_ICMPV4_TIME_EXCEEDED:
        if (r->code == TAPIR_ICMPV4_TTL_EXCEEDED)
            tapir_text_puts(t, "time exceeded in-transit");
        else if (r->code == TAPIR_ICMPV4_REASSEMBLY_EXCEEDED)
            tapir_text_puts(t, "ip reassembly time exceeded");
        else
            tapir_text_printf(t, "time exceeded-#%u", r->code);
        break;
    case TAPIR_ICMPV4_PARAM_PROBLEM:
        if (r->code != 0)
            tapir_text_printf(t, "parameter problem - code %u", r->code);
        else
            tapir_text_printf(t, "parameter problem - octet %u", r->pointer);
        break;
    case TAPIR_ICMPV4_ADDR_MASK_REPLY:
        if (r->data == NULL || r->data_len < 4)
            tapir_text_puts(t, "[|icmp]");
        else
            tapir_text_printf(t, "address mask is 0x%08x", load_be32(r->data));
        break;
    case TAPIR_ICMPV4_TIMESTAMP:
        tapir_text_printf(t, "time stamp query id %u seq %u", r->ident, r->seq);
        break;
    case TAPIR_ICMPV4_TIMESTAMP_REPLY:
        if (r->data == NULL || r->data_len < 12) {
            tapir_text_puts(t, "[|icmp]");
            break;
        }
        tapir_text_printf(t, "time stamp reply id %u seq %u: ", r->ident, r->seq);
        print_ms_of_day(t, "org ", load_be32(r->data));
        print_ms_of_day(t, ", recv ", load_be32(r->data + 4));
        print_ms_of_day(t, ", xmit ", load_be32(r->data + 8));
        break;
    case TAPIR_ICMPV4_SOURCE_QUENCH:
        tapir_text_puts(t, "source quench");
        break;
    case TAPIR_ICMPV4_ROUTER_SOLICIT:
        tapir_text_puts(t, "router solicitation");
        break;
    case TAPIR_ICMPV4_INFO_REQUEST:
        tapir_text_puts(t, "information request");
        break;
    case TAPIR_ICMPV4_INFO_REPLY:
        tapir_text_puts(t, "information reply");
        break;
    case TAPIR_ICMPV4_ADDR_MASK_REQUEST:
        tapir_text_puts(t, "address mask request");
        break;
    default:
        tapir_text_printf(t, "type-#%u", r->type);
        break;
    }
}

void tapir_icmpv4_print(struct tapir_text *t, const struct tapir_icmpv4_repr *repr)
{
    tapir_text_puts(t, "ICMP ");
    print_summary(t, repr);
    tapir_text_printf(t, ", length %zu", TAPIR_ICMPV4_HEADER_LEN + repr->data_len);
}

void tapir_icmpv4_print_verbose(struct tapir_text *t, const struct tapir_icmpv4_repr *r)
{
    const char *name = tapir_icmpv4_type_name(r->type);
    const char *code = tapir_icmpv4_code_name(r->type, r->code);
    tapir_text_puts(t, "ICMPv4\n");
    tapir_text_printf(t, "  type: %s (%u)\n", name ? name : "unknown", r->type);
    if (code)
        tapir_text_printf(t, "  code: %s (%u)\n", code, r->code);
    else
        tapir_text_printf(t, "  code: %u\n", r->code);
    tapir_text_printf(t, "  checksum: 0x%04x\n", tapir_icmpv4_checksum(r));

    if (has_ident_seq(r->type)) {
        tapir_text_printf(t, "  identifier: %u (0x%04x)\n  sequence: %u\n", r->ident, r->ident,
                          r->seq);
    } else if (has_mtu(r->type, r->code)) {
        tapir_text_printf(t, "  unused: 0x%04x\n  next-hop MTU: %u\n", r->rest >> 16,
                          r->next_hop_mtu);
    } else if (r->type == TAPIR_ICMPV4_PARAM_PROBLEM) {
        tapir_text_printf(t, "  pointer: %u\n  unused: 0x%06x\n", r->pointer, r->rest & 0xffffff);
    } else if (r->type == TAPIR_ICMPV4_REDIRECT) {
        char gw[TAPIR_IPV4_STRLEN];
        tapir_text_printf(t, "  gateway: %s\n", tapir_ipv4_format(&r->gateway, gw));
    } else if (tapir_icmpv4_is_error(r->type)) {
        tapir_text_printf(t, "  unused: 0x%08x\n", r->rest);
    } else {
        tapir_text_printf(t, "  rest of header: 0x%08x\n", r->rest);
    }

    struct tapir_ipv4_repr in;
    if (tapir_icmpv4_is_error(r->type) && read_quoted(r, &in) == 0) {
        char src[TAPIR_IPV4_STRLEN], dst[TAPIR_IPV4_STRLEN];
        const char *proto = tapir_ip_protocol_name(in.protocol);
        tapir_text_printf(t,
                          "  invoking datagram: %s > %s, proto %s (%u), id %u, length %u, "
                          "%zu payload bytes quoted\n",
                          tapir_ipv4_format(&in.src, src), tapir_ipv4_format(&in.dst, dst),
                          proto ? proto : "unknown", in.protocol, in.ident, load_be16(r->data + 2),
                          in.payload_len);
    }
    tapir_text_printf(t, "  data length: %zu\n", r->data_len);
}
