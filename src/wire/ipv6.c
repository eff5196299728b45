/* IPv6 (RFC 8200): fixed header, extension-header walk, emit, printers, and the two
 * extension headers the layers above build (Fragment, Hop-by-Hop Router Alert). */
#include <string.h>

#include "bytes.h"
#include "emit.h"
#include "tapir/error.h"
#include "tapir/wire/ipv6.h"

/* Hop-by-Hop, Routing and Destination Options carry their length in 8-octet units, not
 * counting the first 8 octets (RFC 8200 §4.3, §4.4, §4.6). */
#define EXT_UNIT          8
#define RTALERT_DATA_LEN  2 /* RFC 2711 §2.1 */
#define JUMBO_DATA_LEN    4 /* RFC 2675 §2 */
#define FRAG_OFFSET_MASK  0xfff8
#define FRAG_RESERVED_BIT 0x0006
#define FRAG_MORE_BIT     0x0001

static bool is_options_header(uint8_t nh)
{
    return nh == TAPIR_IPV6_NH_HOPOPTS || nh == TAPIR_IPV6_NH_DSTOPTS;
}

/* Walk the TLV options of a Hop-by-Hop or Destination Options header (RFC 8200 §4.2):
 * `opt` is the header after its Next Header and length octets. Every option must end
 * inside the header; the few whose length is fixed by their RFC are held to it. */
static int check_options(const uint8_t *opt, size_t len, bool *jumbo)
{
    size_t i = 0;
    while (i < len) {
        uint8_t type = opt[i];
        if (type == TAPIR_IPV6_OPT_PAD1) {
            i++;
            continue;
        }
        if (len - i < 2)
            return TAPIR_EBADOPTION;
        size_t olen = opt[i + 1];
        if (len - i - 2 < olen)
            return TAPIR_EBADOPTION;
        if (type == TAPIR_IPV6_OPT_ROUTER_ALERT && olen != RTALERT_DATA_LEN)
            return TAPIR_EBADOPTION;
        if (type == TAPIR_IPV6_OPT_JUMBO) {
            if (olen != JUMBO_DATA_LEN)
                return TAPIR_EBADOPTION;
            *jumbo = true;
        }
        i += 2 + olen;
    }
    return 0;
}

/* Payload Length 0 with a Hop-by-Hop header: a jumbogram (RFC 2675 §3) if the header holds
 * a Jumbo Payload option, else a Payload Length that cannot hold the header it announces.
 * The header is read from the buffer, since Payload Length gives no bound; a buffer that
 * ends inside it is truncated, like any packet cut short. */
static int check_zero_length_hbh(const uint8_t *ext, size_t avail)
{
    if (avail < 2)
        return TAPIR_ETRUNCATED;
    size_t hlen = ((size_t)ext[1] + 1) * EXT_UNIT;
    if (avail < hlen)
        return TAPIR_ETRUNCATED;
    bool jumbo = false;
    int rc = check_options(ext + 2, hlen - 2, &jumbo);
    if (rc != 0)
        return rc;
    return jumbo ? TAPIR_EUNSUPPORTED : TAPIR_EBADTOTALLEN;
}

/* Walk the extension headers in ext[0..plen) (RFC 8200 §4), filling the ext, fragment,
 * upper-layer and payload fields of r. plen has already been checked against the buffer,
 * so a header that does not fit is a Payload Length inconsistent with the headers. */
static int walk_extensions(const uint8_t *ext, size_t plen, struct tapir_ipv6_repr *r)
{
    size_t off = 0;
    uint8_t nh = r->next_header;
    for (;;) {
        size_t hlen;
        bool stop_after = false;
        if (nh == TAPIR_IPV6_NH_HOPOPTS || nh == TAPIR_IPV6_NH_ROUTING ||
            nh == TAPIR_IPV6_NH_DSTOPTS) {
            /* RFC 8200 §4.1: Hop-by-Hop only immediately after the fixed header. */
            if (nh == TAPIR_IPV6_NH_HOPOPTS && r->ext_count > 0)
                return TAPIR_EBADOPTION;
            if (plen - off < 2)
                return TAPIR_EBADTOTALLEN;
            hlen = ((size_t)ext[off + 1] + 1) * EXT_UNIT;
            if (plen - off < hlen)
                return TAPIR_EBADTOTALLEN;
            if (is_options_header(nh)) {
                bool jumbo = false;
                int rc = check_options(ext + off + 2, hlen - 2, &jumbo);
                if (rc != 0)
                    return rc;
                /* RFC 2675 §3: a Jumbo Payload option needs Payload Length 0 (and then
                 * we never get here); one in Destination Options is misplaced too. */
                if (jumbo)
                    return TAPIR_EBADOPTION;
            }
        } else if (nh == TAPIR_IPV6_NH_FRAGMENT) {
            /* One Fragment header per packet: a second cannot be reassembled sensibly
             * and the repr has room for one. */
            if (r->has_fragment)
                return TAPIR_EUNSUPPORTED;
            hlen = TAPIR_IPV6_FRAG_HEADER_LEN;
            if (plen - off < hlen)
                return TAPIR_EBADTOTALLEN;
            uint16_t offlg = load_be16(ext + off + 2);
            r->has_fragment = true;
            r->frag_offset = offlg & FRAG_OFFSET_MASK;
            r->more_frags = (offlg & FRAG_MORE_BIT) != 0;
            r->frag_ident = load_be32(ext + off + 4);
            /* RFC 8200 §4.5: only the first fragment starts with the headers of the
             * fragmentable part; later ones are opaque slices of it. */
            stop_after = r->frag_offset != 0;
        } else {
            break; /* upper layer, No Next Header, AH, ESP or unknown: the walk ends */
        }
        if (r->ext_count == TAPIR_IPV6_MAX_EXT)
            return TAPIR_EUNSUPPORTED;
        r->exts[r->ext_count].type = nh;
        r->exts[r->ext_count].offset = (uint16_t)off;
        r->exts[r->ext_count].len = (uint16_t)hlen;
        r->ext_count++;
        nh = ext[off];
        off += hlen;
        if (stop_after)
            break;
    }
    r->upper_protocol = nh;
    r->ext = ext;
    r->ext_len = off;
    r->payload = ext + off;
    r->payload_len = plen - off;
    return 0;
}

int tapir_ipv6_parse(const uint8_t *buf, size_t len, struct tapir_ipv6_repr *out)
{
    if (len < TAPIR_IPV6_HEADER_LEN)
        return TAPIR_ETRUNCATED;
    if (buf[0] >> 4 != 6)
        return TAPIR_EBADVERSION;
    size_t plen = load_be16(buf + 4);
    uint8_t nh = buf[6];
    if (plen == 0 && nh == TAPIR_IPV6_NH_HOPOPTS)
        return check_zero_length_hbh(buf + TAPIR_IPV6_HEADER_LEN, len - TAPIR_IPV6_HEADER_LEN);
    /* Checked before any extension header, so a packet cut short is always truncated;
     * bytes past Payload Length are link padding and are dropped. */
    if (plen > len - TAPIR_IPV6_HEADER_LEN)
        return TAPIR_ETRUNCATED;

    struct tapir_ipv6_repr r;
    memset(&r, 0, sizeof r);
    uint32_t vtf = load_be32(buf);
    r.traffic_class = (uint8_t)(vtf >> 20);
    r.flow_label = vtf & 0xfffff;
    r.next_header = nh;
    r.hop_limit = buf[7];
    memcpy(r.src.bytes, buf + 8, 16);
    memcpy(r.dst.bytes, buf + 24, 16);
    int rc = walk_extensions(buf + TAPIR_IPV6_HEADER_LEN, plen, &r);
    if (rc != 0)
        return rc;
    *out = r;
    return 0;
}

size_t tapir_ipv6_header_len(const struct tapir_ipv6_repr *r)
{
    return TAPIR_IPV6_HEADER_LEN + r->ext_len;
}

int tapir_ipv6_emit(const struct tapir_ipv6_repr *r, uint8_t *buf, size_t cap)
{
    /* Payload Length is 16 bits; jumbograms are not written. */
    if (r->ext_len > 0xffff || r->payload_len > 0xffff - r->ext_len)
        return TAPIR_EINVAL;
    size_t hlen = tapir_ipv6_header_len(r);
    if (cap < hlen || cap - hlen < r->payload_len)
        return TAPIR_ENOBUFS;

    place_payload(buf, hlen, r->payload, r->payload_len);
    place_payload(buf, TAPIR_IPV6_HEADER_LEN, r->ext, r->ext_len);
    store_be32(buf,
               (uint32_t)6 << 28 | (uint32_t)r->traffic_class << 20 | (r->flow_label & 0xfffff));
    store_be16(buf + 4, (uint16_t)(r->ext_len + r->payload_len));
    buf[6] = r->next_header;
    buf[7] = r->hop_limit;
    memcpy(buf + 8, r->src.bytes, 16);
    memcpy(buf + 24, r->dst.bytes, 16);
    return (int)(hlen + r->payload_len);
}

int tapir_ipv6_frag_emit(const struct tapir_ipv6_frag_header *f, uint8_t *buf, size_t cap)
{
    if (f->offset & ~FRAG_OFFSET_MASK)
        return TAPIR_EINVAL;
    if (cap < TAPIR_IPV6_FRAG_HEADER_LEN)
        return TAPIR_ENOBUFS;
    buf[0] = f->next_header;
    buf[1] = 0; /* reserved */
    store_be16(buf + 2, (uint16_t)(f->offset | (f->more ? FRAG_MORE_BIT : 0)));
    store_be32(buf + 4, f->ident);
    return TAPIR_IPV6_FRAG_HEADER_LEN;
}

int tapir_ipv6_hbh_router_alert_emit(uint8_t next_header, uint16_t value, uint8_t *buf, size_t cap)
{
    if (cap < TAPIR_IPV6_RTALERT_HBH_LEN)
        return TAPIR_ENOBUFS;
    buf[0] = next_header;
    buf[1] = 0; /* 8 octets: no units beyond the first */
    buf[2] = TAPIR_IPV6_OPT_ROUTER_ALERT;
    buf[3] = RTALERT_DATA_LEN;
    store_be16(buf + 4, value);
    buf[6] = TAPIR_IPV6_OPT_PADN; /* PadN with no data fills the last two octets */
    buf[7] = 0;
    return TAPIR_IPV6_RTALERT_HBH_LEN;
}

/* ---- printing ---- */

/* tcpdump's names (its ipproto_values table), so the one-line text reads the same; it has
 * none for 59 and 60. */
static const char *proto_name(uint8_t p)
{
    switch (p) {
    case 0:
        return "Options";
    case 1:
        return "ICMP";
    case 2:
        return "IGMP";
    case 4:
        return "IPIP";
    case 6:
        return "TCP";
    case 17:
        return "UDP";
    case 33:
        return "DCCP";
    case 41:
        return "IPv6";
    case 43:
        return "Routing";
    case 44:
        return "Fragment";
    case 46:
        return "RSVP";
    case 47:
        return "GRE";
    case 50:
        return "ESP";
    case 51:
        return "AH";
    case 58:
        return "ICMPv6";
    case 89:
        return "OSPF";
    case 103:
        return "PIM";
    case 132:
        return "SCTP";
    case 135:
        return "Mobility";
    default:
        return NULL;
    }
}

/* Fuller names for the verbose printer. */
static const char *verbose_proto_name(uint8_t p)
{
    switch (p) {
    case TAPIR_IPV6_NH_HOPOPTS:
        return "Hop-by-Hop Options";
    case TAPIR_IPV6_NH_NONE:
        return "No Next Header";
    case TAPIR_IPV6_NH_DSTOPTS:
        return "Destination Options";
    default: {
        const char *name = proto_name(p);
        return name ? name : "unknown";
    }
    }
}

static const char *option_name(uint8_t type)
{
    switch (type) {
    case TAPIR_IPV6_OPT_PAD1:
        return "Pad1";
    case TAPIR_IPV6_OPT_PADN:
        return "PadN";
    case TAPIR_IPV6_OPT_ROUTER_ALERT:
        return "Router Alert";
    case TAPIR_IPV6_OPT_JUMBO:
        return "Jumbo Payload";
    default:
        return "unknown";
    }
}

/* One extension header as the printers see it: its bytes, bounded by the repr. */
struct ext_view {
    const uint8_t *p;
    size_t len;
};

/* The printers only read what the repr's ext_len covers, even for a hand-built repr. */
static bool ext_at(const struct tapir_ipv6_repr *r, size_t i, struct ext_view *v)
{
    const struct tapir_ipv6_ext *e = &r->exts[i];
    if (r->ext == NULL || e->offset > r->ext_len || e->len > r->ext_len - e->offset || e->len < 2)
        return false;
    v->p = r->ext + e->offset;
    v->len = e->len;
    return true;
}

/* tcpdump's option text: "(padn)", "(rtalert: 0x0000) ", "(opt_type 0x1e: len=2)". */
static void print_options_brief(struct tapir_text *t, const uint8_t *opt, size_t len)
{
    size_t i = 0;
    while (i < len) {
        uint8_t type = opt[i];
        if (type == TAPIR_IPV6_OPT_PAD1) {
            tapir_text_puts(t, "(pad1)");
            i++;
            continue;
        }
        if (len - i < 2 || len - i - 2 < opt[i + 1])
            break;
        size_t olen = opt[i + 1];
        if (type == TAPIR_IPV6_OPT_PADN)
            tapir_text_puts(t, "(padn)");
        else if (type == TAPIR_IPV6_OPT_ROUTER_ALERT && olen == RTALERT_DATA_LEN)
            tapir_text_printf(t, "(rtalert: 0x%04x) ", load_be16(opt + i + 2));
        else if (type == TAPIR_IPV6_OPT_JUMBO && olen == JUMBO_DATA_LEN)
            tapir_text_printf(t, "(jumbo: %u) ", (unsigned)load_be32(opt + i + 2));
        else
            tapir_text_printf(t, "(opt_type 0x%02x: len=%zu)", type, olen);
        i += 2 + olen;
    }
}

static void print_routing_brief(struct tapir_text *t, const uint8_t *p, size_t len)
{
    char addr[TAPIR_IPV6_STRLEN];
    struct tapir_ipv6_addr a;
    uint8_t type = p[2];
    tapir_text_printf(t, "RT6 (len=%u, type=%u%s, segleft=%u", p[1], type,
                      type == 0 ? " [Deprecated]" : "", p[3]);
    if (type == 0 || type == 2) {
        /* RFC 2460 §4.4 type 0, RFC 6275 §6.4 type 2: 4 reserved octets, addresses. */
        tapir_text_printf(t, ", rsv=0x%x", (unsigned)load_be32(p + 4));
        for (size_t i = 0; 8 + 16 * (i + 1) <= len; i++) {
            memcpy(a.bytes, p + 8 + 16 * i, 16);
            tapir_text_printf(t, ", [%zu]%s", i, tapir_ipv6_format(&a, addr));
        }
    } else if (type == 4) {
        /* RFC 8754 §2: Segment Routing header. */
        unsigned last = p[4];
        tapir_text_printf(t, ", last-entry=%u, flags=0x%x, tag=%x", last, p[5], load_be16(p + 6));
        for (size_t i = 0; i <= last && 8 + 16 * (i + 1) <= len; i++) {
            memcpy(a.bytes, p + 8 + 16 * i, 16);
            tapir_text_printf(t, ", [%zu]%s", i, tapir_ipv6_format(&a, addr));
        }
    }
    tapir_text_puts(t, ")");
}

void tapir_ipv6_print(struct tapir_text *t, const struct tapir_ipv6_repr *r)
{
    char src[TAPIR_IPV6_STRLEN], dst[TAPIR_IPV6_STRLEN];
    const char *name = proto_name(r->next_header);
    tapir_text_puts(t, "IP6 (");
    if (r->traffic_class != 0)
        tapir_text_printf(t, "class 0x%02x, ", r->traffic_class);
    if ((r->flow_label & 0xfffff) != 0)
        tapir_text_printf(t, "flowlabel 0x%05x, ", (unsigned)(r->flow_label & 0xfffff));
    tapir_text_printf(t, "hlim %u, next-header %s (%u) payload length: %zu) %s > %s", r->hop_limit,
                      name ? name : "unknown", r->next_header, r->ext_len + r->payload_len,
                      tapir_ipv6_format(&r->src, src), tapir_ipv6_format(&r->dst, dst));

    size_t count = r->ext_count < TAPIR_IPV6_MAX_EXT ? r->ext_count : TAPIR_IPV6_MAX_EXT;
    for (size_t i = 0; i < count; i++) {
        struct ext_view v;
        tapir_text_puts(t, i == 0 ? ": " : " ");
        if (!ext_at(r, i, &v)) {
            tapir_text_puts(t, "[|ext]");
            break;
        }
        switch (r->exts[i].type) {
        case TAPIR_IPV6_NH_HOPOPTS:
            tapir_text_puts(t, "HBH ");
            print_options_brief(t, v.p + 2, v.len - 2);
            break;
        case TAPIR_IPV6_NH_DSTOPTS:
            tapir_text_puts(t, "DSTOPT ");
            print_options_brief(t, v.p + 2, v.len - 2);
            break;
        case TAPIR_IPV6_NH_ROUTING:
            if (v.len >= 8)
                print_routing_brief(t, v.p, v.len);
            break;
        case TAPIR_IPV6_NH_FRAGMENT:
            if (v.len >= TAPIR_IPV6_FRAG_HEADER_LEN) {
                /* tcpdump: identification, offset, and the bytes after this header. */
                size_t end = r->exts[i].offset + (size_t)v.len;
                size_t rest = r->ext_len + r->payload_len - end;
                tapir_text_printf(t, "frag (0x%08x:%u|%zu)", (unsigned)load_be32(v.p + 4),
                                  load_be16(v.p + 2) & FRAG_OFFSET_MASK, rest);
            }
            break;
        default:
            tapir_text_printf(t, "[ext %u]", r->exts[i].type);
            break;
        }
    }
}

/* RFC 2711 §2.1 values. */
static const char *rtalert_meaning(uint16_t value)
{
    switch (value) {
    case 0:
        return " (MLD)";
    case 1:
        return " (RSVP)";
    case 2:
        return " (Active Networks)";
    default:
        return "";
    }
}

static void print_options_verbose(struct tapir_text *t, const uint8_t *opt, size_t len)
{
    size_t i = 0;
    while (i < len) {
        uint8_t type = opt[i];
        if (type == TAPIR_IPV6_OPT_PAD1) {
            tapir_text_puts(t, "    option: Pad1 (0x00)\n");
            i++;
            continue;
        }
        if (len - i < 2 || len - i - 2 < opt[i + 1]) {
            tapir_text_puts(t, "    option: [truncated]\n");
            break;
        }
        size_t olen = opt[i + 1];
        /* The two high bits say what a node that does not know the option does with
         * the packet (RFC 8200 §4.2), the third whether it may change en route. */
        tapir_text_printf(t, "    option: %s (0x%02x), action %u, change %u, length %zu",
                          option_name(type), type, type >> 6, (type >> 5) & 1, olen);
        if (type == TAPIR_IPV6_OPT_ROUTER_ALERT && olen == RTALERT_DATA_LEN) {
            uint16_t value = load_be16(opt + i + 2);
            tapir_text_printf(t, ", value %u%s\n", value, rtalert_meaning(value));
        } else if (type == TAPIR_IPV6_OPT_JUMBO && olen == JUMBO_DATA_LEN) {
            tapir_text_printf(t, ", jumbo payload length %u\n", (unsigned)load_be32(opt + i + 2));
        } else if (olen > 0) {
            tapir_text_puts(t, ", data ");
            tapir_text_hex(t, opt + i + 2, olen, 0);
            tapir_text_puts(t, "\n");
        } else {
            tapir_text_puts(t, "\n");
        }
        i += 2 + olen;
    }
}

static void print_routing_verbose(struct tapir_text *t, const uint8_t *p, size_t len)
{
    char addr[TAPIR_IPV6_STRLEN];
    struct tapir_ipv6_addr a;
    uint8_t type = p[2];
    tapir_text_printf(t, "    routing type: %u%s\n", type,
                      type == 0     ? " (source route, deprecated by RFC 5095)"
                      : type == 2   ? " (Mobile IPv6)"
                      : type == 4   ? " (segment routing)"
                      : type >= 253 ? " (experimental, RFC 4727)"
                                    : "");
    tapir_text_printf(t, "    segments left: %u\n", p[3]);
    if (type == 0 || type == 2) {
        tapir_text_printf(t, "    reserved: 0x%08x\n", (unsigned)load_be32(p + 4));
        for (size_t i = 0; 8 + 16 * (i + 1) <= len; i++) {
            memcpy(a.bytes, p + 8 + 16 * i, 16);
            tapir_text_printf(t, "    address[%zu]: %s\n", i, tapir_ipv6_format(&a, addr));
        }
    } else if (type == 4) {
        tapir_text_printf(t, "    last entry: %u\n    flags: 0x%02x\n    tag: 0x%04x\n", p[4], p[5],
                          load_be16(p + 6));
        for (size_t i = 0; 8 + 16 * (i + 1) <= len; i++) {
            memcpy(a.bytes, p + 8 + 16 * i, 16);
            tapir_text_printf(t, "    segment[%zu]: %s\n", i, tapir_ipv6_format(&a, addr));
        }
    } else {
        tapir_text_puts(t, "    type-specific data: ");
        tapir_text_hex(t, p + 4, len - 4, 0);
        tapir_text_puts(t, "\n");
    }
}

void tapir_ipv6_print_verbose(struct tapir_text *t, const struct tapir_ipv6_repr *r)
{
    char ip[TAPIR_IPV6_STRLEN];
    tapir_text_puts(t, "IPv6\n  version: 6\n");
    tapir_text_printf(t, "  traffic class: 0x%02x (DSCP %u, ECN %u)\n", r->traffic_class,
                      r->traffic_class >> 2, r->traffic_class & 3);
    tapir_text_printf(t, "  flow label: 0x%05x\n", (unsigned)(r->flow_label & 0xfffff));
    tapir_text_printf(t, "  payload length: %zu\n", r->ext_len + r->payload_len);
    tapir_text_printf(t, "  next header: %s (%u)\n", verbose_proto_name(r->next_header),
                      r->next_header);
    tapir_text_printf(t, "  hop limit: %u\n", r->hop_limit);
    tapir_text_printf(t, "  source: %s\n", tapir_ipv6_format(&r->src, ip));
    tapir_text_printf(t, "  destination: %s\n", tapir_ipv6_format(&r->dst, ip));

    size_t count = r->ext_count < TAPIR_IPV6_MAX_EXT ? r->ext_count : TAPIR_IPV6_MAX_EXT;
    for (size_t i = 0; i < count; i++) {
        struct ext_view v;
        uint8_t type = r->exts[i].type;
        tapir_text_printf(t, "  extension header: %s (%u)\n", verbose_proto_name(type), type);
        if (!ext_at(r, i, &v)) {
            tapir_text_puts(t, "    [outside the extension bytes]\n");
            continue;
        }
        tapir_text_printf(t, "    offset: %u\n    length: %zu\n", r->exts[i].offset, v.len);
        tapir_text_printf(t, "    next header: %s (%u)\n", verbose_proto_name(v.p[0]), v.p[0]);
        if (is_options_header(type)) {
            print_options_verbose(t, v.p + 2, v.len - 2);
        } else if (type == TAPIR_IPV6_NH_ROUTING && v.len >= 8) {
            print_routing_verbose(t, v.p, v.len);
        } else if (type == TAPIR_IPV6_NH_FRAGMENT && v.len >= TAPIR_IPV6_FRAG_HEADER_LEN) {
            uint16_t offlg = load_be16(v.p + 2);
            tapir_text_printf(t, "    fragment offset: %u\n", offlg & FRAG_OFFSET_MASK);
            tapir_text_printf(t, "    more fragments: %u\n", offlg & FRAG_MORE_BIT);
            tapir_text_printf(t, "    identification: 0x%08x\n", (unsigned)load_be32(v.p + 4));
            /* Both reserved fields are reported, not judged (RFC 8200 §4.5). */
            tapir_text_printf(t, "    reserved: 0x%02x, res 0x%x\n", v.p[1],
                              (offlg & FRAG_RESERVED_BIT) >> 1);
        }
    }
    tapir_text_printf(t, "  upper-layer protocol: %s (%u)\n", verbose_proto_name(r->upper_protocol),
                      r->upper_protocol);
    tapir_text_printf(t, "  header length: %zu\n", tapir_ipv6_header_len(r));
    /* A non-first fragment carries a slice of the fragmentable part, not an upper-layer
     * header, so its payload is named for what it is. */
    if (r->has_fragment && r->frag_offset != 0)
        tapir_text_printf(t, "  fragment data length: %zu\n", r->payload_len);
    else
        tapir_text_printf(t, "  upper-layer length: %zu\n", r->payload_len);
}
