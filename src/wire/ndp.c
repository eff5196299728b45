/* Neighbor Discovery messages and options (RFC 4861 §4). */
#include <string.h>

#include "bytes.h"
#include "tapir/error.h"
#include "tapir/wire/ndp.h"

#define OPT_UNIT 8 /* option lengths count 8-octet units (§4.6) */

static bool is_multicast(const struct tapir_ipv6_addr *a)
{
    return a->bytes[0] == 0xff; /* ff00::/8, RFC 4291 §2.7 */
}

static bool is_link_local(const struct tapir_ipv6_addr *a)
{
    return a->bytes[0] == 0xfe && (a->bytes[1] & 0xc0) == 0x80; /* fe80::/10 */
}

/* Fixed length of each message, ICMPv6 header included, or 0 for a type that is not NDP. */
static size_t fixed_len(uint8_t type)
{
    switch (type) {
    case TAPIR_ICMPV6_ROUTER_SOLICIT:
        return TAPIR_NDP_RS_LEN;
    case TAPIR_ICMPV6_ROUTER_ADVERT:
        return TAPIR_NDP_RA_LEN;
    case TAPIR_ICMPV6_NEIGHBOR_SOLICIT:
        return TAPIR_NDP_NS_LEN;
    case TAPIR_ICMPV6_NEIGHBOR_ADVERT:
        return TAPIR_NDP_NA_LEN;
    case TAPIR_ICMPV6_REDIRECT:
        return TAPIR_NDP_REDIRECT_LEN;
    default:
        return 0;
    }
}

/* One option at p (left bytes remain in the message). Returns its length or an error. */
static int parse_option(const uint8_t *p, size_t left, struct tapir_ndp_option *opt)
{
    if (left < 2)
        return TAPIR_EBADOPTION;
    size_t len = (size_t)p[1] * OPT_UNIT;
    /* "Nodes MUST silently discard an ND packet that contains an option with length zero"
     * (§4.6), and one that does not fit is just as unreadable. */
    if (len == 0 || len > left)
        return TAPIR_EBADOPTION;

    memset(opt, 0, sizeof *opt);
    opt->type = p[0];
    switch (opt->type) {
    case TAPIR_NDP_OPT_SOURCE_LL_ADDR:
    case TAPIR_NDP_OPT_TARGET_LL_ADDR:
        /* An Ethernet address: 6 bytes, so one unit (RFC 2464 §6). */
        if (len != OPT_UNIT)
            return TAPIR_EBADOPTION;
        memcpy(opt->ll_addr.bytes, p + 2, 6);
        break;
    case TAPIR_NDP_OPT_PREFIX_INFO:
        if (len != 4 * OPT_UNIT || p[2] > 128) /* §4.6.2: length 4, prefix length 0-128 */
            return TAPIR_EBADOPTION;
        opt->prefix.prefix_len = p[2];
        opt->prefix.flags = p[3];
        opt->prefix.valid_lifetime_s = load_be32(p + 4);
        opt->prefix.preferred_lifetime_s = load_be32(p + 8);
        opt->prefix.reserved = load_be32(p + 12);
        memcpy(opt->prefix.prefix.bytes, p + 16, 16);
        break;
    case TAPIR_NDP_OPT_MTU:
        if (len != OPT_UNIT) /* §4.6.4 */
            return TAPIR_EBADOPTION;
        opt->mtu.reserved = load_be16(p + 2);
        opt->mtu.mtu = load_be32(p + 4);
        break;
    default:
        /* The redirected header, and any option tapir does not know: "Receivers MUST
         * silently ignore any options they do not recognize" (§4.6); kept for emit(). */
        opt->raw.data = p + 2;
        opt->raw.len = len - 2;
        break;
    }
    return (int)len;
}

int tapir_ndp_parse(const struct tapir_icmpv6_repr *icmp, struct tapir_ndp_repr *out)
{
    size_t fixed = fixed_len(icmp->type);
    if (fixed == 0)
        return TAPIR_EINVAL;
    /* §6.1.1, §6.1.2, §7.1.1, §7.1.2, §8.1: "ICMP Code is 0" and "ICMP length (derived
     * from the IP length) is N or more octets". */
    if (icmp->code != 0)
        return TAPIR_EBADFIELD;
    if (icmp->data_len < fixed - TAPIR_ICMPV6_HEADER_LEN)
        return TAPIR_ETRUNCATED;

    struct tapir_ndp_repr r;
    memset(&r, 0, sizeof r);
    r.type = icmp->type;
    const uint8_t *body = icmp->data; /* the fixed part after the 8-byte header */
    switch (icmp->type) {
    case TAPIR_ICMPV6_ROUTER_ADVERT:
        r.cur_hop_limit = (uint8_t)(icmp->rest >> 24);
        r.flags = (uint8_t)(icmp->rest >> 16);
        r.router_lifetime_s = (uint16_t)icmp->rest;
        r.reachable_time_ms = load_be32(body);
        r.retrans_timer_ms = load_be32(body + 4);
        break;
    case TAPIR_ICMPV6_NEIGHBOR_ADVERT:
        r.flags = (uint8_t)(icmp->rest >> 24);
        r.reserved = icmp->rest & 0xffffff;
        memcpy(r.target.bytes, body, 16);
        break;
    case TAPIR_ICMPV6_NEIGHBOR_SOLICIT:
        r.reserved = icmp->rest;
        memcpy(r.target.bytes, body, 16);
        break;
    case TAPIR_ICMPV6_REDIRECT:
        r.reserved = icmp->rest;
        memcpy(r.target.bytes, body, 16);
        memcpy(r.destination.bytes, body + 16, 16);
        break;
    default: /* router solicitation */
        r.reserved = icmp->rest;
        break;
    }

    /* §7.1.1, §7.1.2: "Target Address is not a multicast address". */
    if ((r.type == TAPIR_ICMPV6_NEIGHBOR_SOLICIT || r.type == TAPIR_ICMPV6_NEIGHBOR_ADVERT) &&
        is_multicast(&r.target))
        return TAPIR_EBADFIELD;
    /* §8.1: the destination is not multicast; the target is link-local (a better router)
     * or the destination itself (the destination is on-link). */
    if (r.type == TAPIR_ICMPV6_REDIRECT &&
        (is_multicast(&r.destination) ||
         (!is_link_local(&r.target) && memcmp(&r.target, &r.destination, 16) != 0)))
        return TAPIR_EBADFIELD;

    size_t left = icmp->data_len - (fixed - TAPIR_ICMPV6_HEADER_LEN);
    const uint8_t *p = left > 0 ? body + (fixed - TAPIR_ICMPV6_HEADER_LEN) : NULL;
    while (left > 0) {
        if (r.option_count == TAPIR_NDP_MAX_OPTIONS)
            return TAPIR_EUNSUPPORTED;
        int n = parse_option(p, left, &r.options[r.option_count]);
        if (n < 0)
            return n;
        r.option_count++;
        p += n;
        left -= (size_t)n;
    }
    *out = r;
    return 0;
}

size_t tapir_ndp_option_len(const struct tapir_ndp_option *opt)
{
    switch (opt->type) {
    case TAPIR_NDP_OPT_SOURCE_LL_ADDR:
    case TAPIR_NDP_OPT_TARGET_LL_ADDR:
    case TAPIR_NDP_OPT_MTU:
        return OPT_UNIT;
    case TAPIR_NDP_OPT_PREFIX_INFO:
        return 4 * OPT_UNIT;
    default:
        return opt->raw.len + 2;
    }
}

size_t tapir_ndp_header_len(const struct tapir_ndp_repr *repr)
{
    size_t len = fixed_len(repr->type);
    size_t count = repr->option_count;
    if (count > TAPIR_NDP_MAX_OPTIONS)
        count = TAPIR_NDP_MAX_OPTIONS;
    for (size_t i = 0; i < count; i++)
        len += tapir_ndp_option_len(&repr->options[i]);
    return len;
}

const struct tapir_ndp_option *tapir_ndp_find_option(const struct tapir_ndp_repr *repr,
                                                     uint8_t type)
{
    for (size_t i = 0; i < repr->option_count && i < TAPIR_NDP_MAX_OPTIONS; i++) {
        if (repr->options[i].type == type)
            return &repr->options[i];
    }
    return NULL;
}

static void emit_option(const struct tapir_ndp_option *opt, uint8_t *p)
{
    size_t len = tapir_ndp_option_len(opt);
    p[0] = opt->type;
    p[1] = (uint8_t)(len / OPT_UNIT);
    switch (opt->type) {
    case TAPIR_NDP_OPT_SOURCE_LL_ADDR:
    case TAPIR_NDP_OPT_TARGET_LL_ADDR:
        memcpy(p + 2, opt->ll_addr.bytes, 6);
        break;
    case TAPIR_NDP_OPT_PREFIX_INFO:
        p[2] = opt->prefix.prefix_len;
        p[3] = opt->prefix.flags;
        store_be32(p + 4, opt->prefix.valid_lifetime_s);
        store_be32(p + 8, opt->prefix.preferred_lifetime_s);
        store_be32(p + 12, opt->prefix.reserved);
        memcpy(p + 16, opt->prefix.prefix.bytes, 16);
        break;
    case TAPIR_NDP_OPT_MTU:
        store_be16(p + 2, opt->mtu.reserved);
        store_be32(p + 4, opt->mtu.mtu);
        break;
    default:
        /* NULL: the caller put the bytes there; memmove: rebuilding in place. */
        if (opt->raw.data != NULL && opt->raw.len > 0 && opt->raw.data != p + 2)
            memmove(p + 2, opt->raw.data, opt->raw.len);
        break;
    }
}

int tapir_ndp_emit(const struct tapir_ndp_repr *repr, const struct tapir_pseudo_header *ph,
                   uint8_t *buf, size_t cap)
{
    size_t fixed = fixed_len(repr->type);
    if (fixed == 0 || repr->option_count > TAPIR_NDP_MAX_OPTIONS)
        return TAPIR_EINVAL;
    for (size_t i = 0; i < repr->option_count; i++) {
        size_t len = tapir_ndp_option_len(&repr->options[i]);
        /* A raw option must fill whole units, and its length must fit the length byte. */
        if (len % OPT_UNIT != 0 || len > 255 * OPT_UNIT)
            return TAPIR_EINVAL;
    }
    size_t total = tapir_ndp_header_len(repr);
    if (cap < total)
        return TAPIR_ENOBUFS;

    uint8_t *p = buf + fixed;
    for (size_t i = 0; i < repr->option_count; i++) {
        emit_option(&repr->options[i], p);
        p += tapir_ndp_option_len(&repr->options[i]);
    }

    uint8_t *body = buf + TAPIR_ICMPV6_HEADER_LEN;
    struct tapir_icmpv6_repr icmp = {.type = repr->type, .code = 0};
    switch (repr->type) {
    case TAPIR_ICMPV6_ROUTER_ADVERT:
        icmp.rest = (uint32_t)repr->cur_hop_limit << 24 | (uint32_t)repr->flags << 16 |
                    repr->router_lifetime_s;
        store_be32(body, repr->reachable_time_ms);
        store_be32(body + 4, repr->retrans_timer_ms);
        break;
    case TAPIR_ICMPV6_NEIGHBOR_ADVERT:
        icmp.rest = (uint32_t)repr->flags << 24 | (repr->reserved & 0xffffff);
        memcpy(body, repr->target.bytes, 16);
        break;
    case TAPIR_ICMPV6_NEIGHBOR_SOLICIT:
        icmp.rest = repr->reserved;
        memcpy(body, repr->target.bytes, 16);
        break;
    case TAPIR_ICMPV6_REDIRECT:
        icmp.rest = repr->reserved;
        memcpy(body, repr->target.bytes, 16);
        memcpy(body + 16, repr->destination.bytes, 16);
        break;
    default: /* router solicitation */
        icmp.rest = repr->reserved;
        break;
    }
    /* The body is in place: the ICMPv6 emit writes the header and the checksum over it. */
    icmp.data = NULL;
    icmp.data_len = total - TAPIR_ICMPV6_HEADER_LEN;
    return tapir_icmpv6_emit(&icmp, ph, buf, cap);
}

const char *tapir_ndp_option_name(uint8_t type)
{
    switch (type) {
    case TAPIR_NDP_OPT_SOURCE_LL_ADDR:
        return "source link-layer address";
    case TAPIR_NDP_OPT_TARGET_LL_ADDR:
        return "target link-layer address";
    case TAPIR_NDP_OPT_PREFIX_INFO:
        return "prefix information";
    case TAPIR_NDP_OPT_REDIRECTED_HEADER:
        return "redirected header";
    case TAPIR_NDP_OPT_MTU:
        return "MTU";
    default:
        return NULL;
    }
}

void tapir_ndp_print(struct tapir_text *t, const struct tapir_ndp_repr *repr)
{
    char a[TAPIR_IPV6_STRLEN], b[TAPIR_IPV6_STRLEN];
    const char *name = tapir_icmpv6_type_name(repr->type);
    tapir_text_printf(t, "ICMP6, %s", name ? name : "unknown");
    switch (repr->type) {
    case TAPIR_ICMPV6_NEIGHBOR_SOLICIT:
        tapir_text_printf(t, ", who has %s", tapir_ipv6_format(&repr->target, a));
        break;
    case TAPIR_ICMPV6_NEIGHBOR_ADVERT:
        tapir_text_printf(t, ", tgt is %s", tapir_ipv6_format(&repr->target, a));
        break;
    case TAPIR_ICMPV6_REDIRECT:
        tapir_text_printf(t, ", %s to %s", tapir_ipv6_format(&repr->destination, a),
                          tapir_ipv6_format(&repr->target, b));
        break;
    default:
        break;
    }
    tapir_text_printf(t, ", length %zu", tapir_ndp_header_len(repr));
}

/* "[a, b]" or "[none]" for the set bits of `flags` named in `names` (most significant
 * first, NULL for bits without a name). */
static void print_flag_names(struct tapir_text *t, uint8_t flags, const char *const names[8])
{
    bool any = false;
    tapir_text_puts(t, "[");
    for (int bit = 0; bit < 8; bit++) {
        if ((flags & (0x80 >> bit)) && names[bit]) {
            tapir_text_printf(t, "%s%s", any ? ", " : "", names[bit]);
            any = true;
        }
    }
    tapir_text_puts(t, any ? "]" : "none]");
}

static void print_lifetime(struct tapir_text *t, const char *what, uint32_t s)
{
    if (s == TAPIR_NDP_INFINITE_LIFETIME)
        tapir_text_printf(t, ", %s infinity", what);
    else
        tapir_text_printf(t, ", %s %u s", what, s);
}

static void print_option(struct tapir_text *t, const struct tapir_ndp_option *opt)
{
    static const char *const prefix_flags[8] = {"onlink", "auto", "router"};
    char a[TAPIR_IPV6_STRLEN], mac[TAPIR_MAC_STRLEN];
    const char *name = tapir_ndp_option_name(opt->type);
    tapir_text_printf(t, "  option: %s (%u), length %zu: ", name ? name : "unknown", opt->type,
                      tapir_ndp_option_len(opt));
    switch (opt->type) {
    case TAPIR_NDP_OPT_SOURCE_LL_ADDR:
    case TAPIR_NDP_OPT_TARGET_LL_ADDR:
        tapir_text_puts(t, tapir_mac_format(&opt->ll_addr, mac));
        break;
    case TAPIR_NDP_OPT_PREFIX_INFO:
        tapir_text_printf(t, "%s/%u, flags 0x%02x ", tapir_ipv6_format(&opt->prefix.prefix, a),
                          opt->prefix.prefix_len, opt->prefix.flags);
        print_flag_names(t, opt->prefix.flags, prefix_flags);
        print_lifetime(t, "valid lifetime", opt->prefix.valid_lifetime_s);
        print_lifetime(t, "preferred lifetime", opt->prefix.preferred_lifetime_s);
        tapir_text_printf(t, ", reserved 0x%08x", opt->prefix.reserved);
        break;
    case TAPIR_NDP_OPT_MTU:
        tapir_text_printf(t, "%u, reserved 0x%04x", opt->mtu.mtu, opt->mtu.reserved);
        break;
    case TAPIR_NDP_OPT_REDIRECTED_HEADER:
        /* 6 reserved bytes, then the packet (§4.6.3). */
        if (opt->raw.len >= 6) {
            tapir_text_printf(t, "%zu bytes of the redirected packet, reserved ", opt->raw.len - 6);
            tapir_text_hex(t, opt->raw.data, 6, 0);
        }
        break;
    default:
        tapir_text_hex(t, opt->raw.data, opt->raw.len, 0);
        break;
    }
    tapir_text_puts(t, "\n");
}

void tapir_ndp_print_verbose(struct tapir_text *t, const struct tapir_ndp_repr *repr)
{
    static const char *const ra_flags[8] = {"managed", "other stateful", "home agent"};
    static const char *const na_flags[8] = {"router", "solicited", "override"};
    static const char *const prf[4] = {"medium", "high", "reserved", "low"}; /* RFC 4191 */
    char a[TAPIR_IPV6_STRLEN];
    const char *name = tapir_icmpv6_type_name(repr->type);
    tapir_text_printf(t, "NDP %s\n", name ? name : "unknown");
    switch (repr->type) {
    case TAPIR_ICMPV6_ROUTER_ADVERT:
        tapir_text_printf(t, "  cur hop limit: %u\n", repr->cur_hop_limit);
        tapir_text_printf(t, "  flags: 0x%02x ", repr->flags);
        print_flag_names(t, repr->flags, ra_flags);
        tapir_text_printf(t, "\n  router preference: %s\n",
                          prf[(repr->flags & TAPIR_NDP_RA_PRF_MASK) >> 3]);
        tapir_text_printf(t, "  router lifetime: %u s\n", repr->router_lifetime_s);
        tapir_text_printf(t, "  reachable time: %u ms\n", repr->reachable_time_ms);
        tapir_text_printf(t, "  retrans timer: %u ms\n", repr->retrans_timer_ms);
        break;
    case TAPIR_ICMPV6_NEIGHBOR_ADVERT:
        tapir_text_printf(t, "  flags: 0x%02x ", repr->flags);
        print_flag_names(t, repr->flags, na_flags);
        tapir_text_printf(t, "\n  reserved: 0x%06x\n", repr->reserved & 0xffffff);
        tapir_text_printf(t, "  target: %s\n", tapir_ipv6_format(&repr->target, a));
        break;
    case TAPIR_ICMPV6_NEIGHBOR_SOLICIT:
        tapir_text_printf(t, "  reserved: 0x%08x\n", repr->reserved);
        tapir_text_printf(t, "  target: %s\n", tapir_ipv6_format(&repr->target, a));
        break;
    case TAPIR_ICMPV6_REDIRECT:
        tapir_text_printf(t, "  reserved: 0x%08x\n", repr->reserved);
        tapir_text_printf(t, "  target: %s\n", tapir_ipv6_format(&repr->target, a));
        tapir_text_printf(t, "  destination: %s\n", tapir_ipv6_format(&repr->destination, a));
        break;
    default:
        tapir_text_printf(t, "  reserved: 0x%08x\n", repr->reserved);
        break;
    }
    for (size_t i = 0; i < repr->option_count && i < TAPIR_NDP_MAX_OPTIONS; i++)
        print_option(t, &repr->options[i]);
}
