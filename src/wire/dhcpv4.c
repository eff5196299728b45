/* DHCPv4 messages: the BOOTP header (RFC 951, RFC 1542 §3.2.1), the magic cookie and the
 * options a client uses (RFC 2131, RFC 2132), with option overload (RFC 2131 §4.1). */
#include <string.h>

#include "bytes.h"
#include "tapir/error.h"
#include "tapir/wire/dhcpv4.h"

/* Offsets in the fixed header (RFC 2131 §2, figure 1). */
#define OFF_XID    4
#define OFF_SECS   8
#define OFF_FLAGS  10
#define OFF_CIADDR 12
#define OFF_YIADDR 16
#define OFF_SIADDR 20
#define OFF_GIADDR 24
#define OFF_CHADDR 28
#define OFF_SNAME  44
#define OFF_FILE   108
#define OFF_COOKIE 236

/* Decoded options seen so far, so a second instance is caught (bit per option code). */
struct seen {
    uint64_t bits[4];
};

static bool seen_once(struct seen *s, uint8_t code)
{
    uint64_t bit = (uint64_t)1 << (code % 64);
    if (s->bits[code / 64] & bit)
        return false;
    s->bits[code / 64] |= bit;
    return true;
}

static void load_addr(struct tapir_ipv4_addr *a, const uint8_t *p)
{
    memcpy(a->bytes, p, 4);
}

/* A list of addresses: a multiple of 4, at least one (RFC 2132 §3.5, §3.8). */
static int load_addr_list(struct tapir_ipv4_addr *out, uint8_t *count, const uint8_t *v,
                          uint8_t len)
{
    if (len < 4 || len % 4 != 0)
        return TAPIR_EBADOPTION;
    unsigned n = len / 4;
    if (n > TAPIR_DHCPV4_MAX_ADDRS)
        n = TAPIR_DHCPV4_MAX_ADDRS;
    for (unsigned i = 0; i < n; i++)
        load_addr(&out[i], v + 4 * i);
    *count = (uint8_t)n;
    return 0;
}

static int fixed(uint8_t len, uint8_t want)
{
    return len == want ? 0 : TAPIR_EBADOPTION;
}

/* Decode one option into `r`. `in_options`: found in the options field itself, the only
 * place overload may appear (RFC 2131 §4.1). */
static int decode_option(struct tapir_dhcpv4_repr *r, struct seen *seen, uint8_t code,
                         const uint8_t *v, uint8_t len, bool in_options)
{
    int rc = 0;
    struct tapir_dhcpv4_bytes *bytes = NULL;
    uint8_t min_bytes = 1;
    switch (code) {
    case TAPIR_DHCPV4_OPT_MESSAGE_TYPE:
        if ((rc = fixed(len, 1)) == 0 && v[0] == 0)
            rc = TAPIR_EBADOPTION;
        if (rc == 0)
            r->message_type = v[0];
        break;
    case TAPIR_DHCPV4_OPT_SUBNET_MASK:
    case TAPIR_DHCPV4_OPT_BROADCAST:
    case TAPIR_DHCPV4_OPT_REQUESTED_IP:
    case TAPIR_DHCPV4_OPT_SERVER_ID:
        if ((rc = fixed(len, 4)) != 0)
            break;
        if (code == TAPIR_DHCPV4_OPT_SUBNET_MASK) {
            load_addr(&r->subnet_mask, v);
            r->present |= TAPIR_DHCPV4_HAS_SUBNET_MASK;
        } else if (code == TAPIR_DHCPV4_OPT_BROADCAST) {
            load_addr(&r->broadcast, v);
            r->present |= TAPIR_DHCPV4_HAS_BROADCAST;
        } else if (code == TAPIR_DHCPV4_OPT_REQUESTED_IP) {
            load_addr(&r->requested_ip, v);
            r->present |= TAPIR_DHCPV4_HAS_REQUESTED_IP;
        } else {
            load_addr(&r->server_id, v);
            r->present |= TAPIR_DHCPV4_HAS_SERVER_ID;
        }
        break;
    case TAPIR_DHCPV4_OPT_LEASE_TIME:
    case TAPIR_DHCPV4_OPT_T1:
    case TAPIR_DHCPV4_OPT_T2:
        if ((rc = fixed(len, 4)) != 0)
            break;
        if (code == TAPIR_DHCPV4_OPT_LEASE_TIME) {
            r->lease_time_s = load_be32(v);
            r->present |= TAPIR_DHCPV4_HAS_LEASE_TIME;
        } else if (code == TAPIR_DHCPV4_OPT_T1) {
            r->t1_s = load_be32(v);
            r->present |= TAPIR_DHCPV4_HAS_T1;
        } else {
            r->t2_s = load_be32(v);
            r->present |= TAPIR_DHCPV4_HAS_T2;
        }
        break;
    case TAPIR_DHCPV4_OPT_MTU:
        /* RFC 2132 §5.1: the minimum legal value is 68. */
        if ((rc = fixed(len, 2)) == 0 && load_be16(v) < 68)
            rc = TAPIR_EBADOPTION;
        if (rc == 0) {
            r->mtu = load_be16(v);
            r->present |= TAPIR_DHCPV4_HAS_MTU;
        }
        break;
    case TAPIR_DHCPV4_OPT_MAX_MESSAGE_SIZE:
        /* RFC 2132 §9.10: the minimum legal value is 576. */
        if ((rc = fixed(len, 2)) == 0 && load_be16(v) < 576)
            rc = TAPIR_EBADOPTION;
        if (rc == 0) {
            r->max_message_size = load_be16(v);
            r->present |= TAPIR_DHCPV4_HAS_MAX_MESSAGE_SIZE;
        }
        break;
    case TAPIR_DHCPV4_OPT_OVERLOAD:
        if (!in_options || (rc = fixed(len, 1)) != 0 || v[0] < 1 || v[0] > 3) {
            rc = TAPIR_EBADOPTION;
            break;
        }
        r->overload = v[0];
        r->present |= TAPIR_DHCPV4_HAS_OVERLOAD;
        break;
    case TAPIR_DHCPV4_OPT_ROUTER:
        rc = load_addr_list(r->routers, &r->router_count, v, len);
        break;
    case TAPIR_DHCPV4_OPT_DNS:
        rc = load_addr_list(r->dns, &r->dns_count, v, len);
        break;
    case TAPIR_DHCPV4_OPT_PARAM_REQUEST:
        bytes = &r->param_request;
        break;
    case TAPIR_DHCPV4_OPT_CLIENT_ID:
        bytes = &r->client_id;
        min_bytes = 2; /* RFC 2132 §9.14: a type and at least one byte */
        break;
    case TAPIR_DHCPV4_OPT_HOSTNAME:
        bytes = &r->hostname;
        break;
    case TAPIR_DHCPV4_OPT_DOMAIN_NAME:
        bytes = &r->domain_name;
        break;
    case TAPIR_DHCPV4_OPT_VENDOR_CLASS:
        bytes = &r->vendor_class;
        break;
    case TAPIR_DHCPV4_OPT_MESSAGE:
        bytes = &r->message;
        break;
    default:
        r->unknown_options++;
        return 0;
    }
    if (bytes != NULL) {
        if (len < min_bytes)
            return TAPIR_EBADOPTION;
        bytes->data = v;
        bytes->len = len;
    }
    if (rc == 0 && !seen_once(seen, code))
        rc = TAPIR_EBADOPTION; /* RFC 3396 concatenation is not supported */
    return rc;
}

/* Walk one region of options to its END. `missing_end` is the error when the region ends
 * first: truncation for the options field (the message was cut), a malformed option for
 * an overloaded fixed-size field (RFC 2131 §4.1: it MUST end with END). */
static int walk_region(struct tapir_dhcpv4_repr *r, struct seen *seen, const uint8_t *p, size_t len,
                       bool in_options, int missing_end)
{
    size_t i = 0;
    while (i < len) {
        uint8_t code = p[i];
        if (code == TAPIR_DHCPV4_OPT_PAD) {
            i++;
            continue;
        }
        if (code == TAPIR_DHCPV4_OPT_END)
            return 0;
        if (i + 2 > len || i + 2 + p[i + 1] > len)
            return in_options ? TAPIR_ETRUNCATED : TAPIR_EBADOPTION;
        int rc = decode_option(r, seen, code, p + i + 2, p[i + 1], in_options);
        if (rc != 0)
            return rc;
        i += 2 + (size_t)p[i + 1];
    }
    return missing_end;
}

int tapir_dhcpv4_parse(const uint8_t *buf, size_t len, struct tapir_dhcpv4_repr *out)
{
    if (len < TAPIR_DHCPV4_MIN_LEN)
        return TAPIR_ETRUNCATED;
    struct tapir_dhcpv4_repr r;
    memset(&r, 0, sizeof r);
    r.op = buf[0];
    r.htype = buf[1];
    r.hlen = buf[2];
    r.hops = buf[3];
    if (r.op != TAPIR_DHCPV4_BOOTREQUEST && r.op != TAPIR_DHCPV4_BOOTREPLY)
        return TAPIR_EBADFIELD;
    if (r.hlen > 16)
        return TAPIR_EBADFIELD;
    /* RFC 2131 §3: without the cookie the vendor area is not DHCP options. */
    if (load_be32(buf + OFF_COOKIE) != TAPIR_DHCPV4_MAGIC_COOKIE)
        return TAPIR_EUNSUPPORTED;
    r.xid = load_be32(buf + OFF_XID);
    r.secs = load_be16(buf + OFF_SECS);
    r.flags = load_be16(buf + OFF_FLAGS);
    load_addr(&r.ciaddr, buf + OFF_CIADDR);
    load_addr(&r.yiaddr, buf + OFF_YIADDR);
    load_addr(&r.siaddr, buf + OFF_SIADDR);
    load_addr(&r.giaddr, buf + OFF_GIADDR);
    memcpy(r.chaddr, buf + OFF_CHADDR, 16);
    r.sname = buf + OFF_SNAME;
    r.file = buf + OFF_FILE;
    r.options = buf + TAPIR_DHCPV4_MIN_LEN;
    r.options_len = len - TAPIR_DHCPV4_MIN_LEN;

    struct seen seen;
    memset(&seen, 0, sizeof seen);
    int rc = walk_region(&r, &seen, r.options, r.options_len, true, TAPIR_ETRUNCATED);
    /* RFC 2131 §4.1: options continue in `file`, then in `sname`. */
    if (rc == 0 && (r.overload & 1))
        rc = walk_region(&r, &seen, r.file, TAPIR_DHCPV4_FILE_LEN, false, TAPIR_EBADOPTION);
    if (rc == 0 && (r.overload & 2))
        rc = walk_region(&r, &seen, r.sname, TAPIR_DHCPV4_SNAME_LEN, false, TAPIR_EBADOPTION);
    if (rc != 0)
        return rc;
    *out = r;
    return 0;
}

/* The options emit writes, in order, each as code, length, value. */
struct emit_opt {
    uint8_t code, len;
    const uint8_t *value;
    uint8_t scratch[4];
};

static size_t collect(const struct tapir_dhcpv4_repr *r, struct emit_opt *o)
{
    size_t n = 0;
#define ADD_BYTES(c, p, l)                                                                         \
    do {                                                                                           \
        o[n].code = (c);                                                                           \
        o[n].len = (uint8_t)(l);                                                                   \
        o[n].value = (p);                                                                          \
        n++;                                                                                       \
    } while (0)
#define ADD_U32(c, v)                                                                              \
    do {                                                                                           \
        store_be32(o[n].scratch, (v));                                                             \
        ADD_BYTES(c, o[n].scratch, 4);                                                             \
    } while (0)
#define ADD_U16(c, v)                                                                              \
    do {                                                                                           \
        store_be16(o[n].scratch, (v));                                                             \
        ADD_BYTES(c, o[n].scratch, 2);                                                             \
    } while (0)
    uint32_t p = r->present;
    /* The message type first: some servers look for it there. */
    if (r->message_type != 0) {
        o[n].scratch[0] = r->message_type;
        ADD_BYTES(TAPIR_DHCPV4_OPT_MESSAGE_TYPE, o[n].scratch, 1);
    }
    if (r->client_id.len)
        ADD_BYTES(TAPIR_DHCPV4_OPT_CLIENT_ID, r->client_id.data, r->client_id.len);
    if (p & TAPIR_DHCPV4_HAS_REQUESTED_IP)
        ADD_BYTES(TAPIR_DHCPV4_OPT_REQUESTED_IP, r->requested_ip.bytes, 4);
    if (p & TAPIR_DHCPV4_HAS_SERVER_ID)
        ADD_BYTES(TAPIR_DHCPV4_OPT_SERVER_ID, r->server_id.bytes, 4);
    if (p & TAPIR_DHCPV4_HAS_LEASE_TIME)
        ADD_U32(TAPIR_DHCPV4_OPT_LEASE_TIME, r->lease_time_s);
    if (p & TAPIR_DHCPV4_HAS_T1)
        ADD_U32(TAPIR_DHCPV4_OPT_T1, r->t1_s);
    if (p & TAPIR_DHCPV4_HAS_T2)
        ADD_U32(TAPIR_DHCPV4_OPT_T2, r->t2_s);
    if (p & TAPIR_DHCPV4_HAS_SUBNET_MASK)
        ADD_BYTES(TAPIR_DHCPV4_OPT_SUBNET_MASK, r->subnet_mask.bytes, 4);
    if (p & TAPIR_DHCPV4_HAS_BROADCAST)
        ADD_BYTES(TAPIR_DHCPV4_OPT_BROADCAST, r->broadcast.bytes, 4);
    if (r->router_count)
        ADD_BYTES(TAPIR_DHCPV4_OPT_ROUTER, r->routers[0].bytes, 4 * r->router_count);
    if (r->dns_count)
        ADD_BYTES(TAPIR_DHCPV4_OPT_DNS, r->dns[0].bytes, 4 * r->dns_count);
    if (r->domain_name.len)
        ADD_BYTES(TAPIR_DHCPV4_OPT_DOMAIN_NAME, r->domain_name.data, r->domain_name.len);
    if (r->hostname.len)
        ADD_BYTES(TAPIR_DHCPV4_OPT_HOSTNAME, r->hostname.data, r->hostname.len);
    if (p & TAPIR_DHCPV4_HAS_MTU)
        ADD_U16(TAPIR_DHCPV4_OPT_MTU, r->mtu);
    if (p & TAPIR_DHCPV4_HAS_MAX_MESSAGE_SIZE)
        ADD_U16(TAPIR_DHCPV4_OPT_MAX_MESSAGE_SIZE, r->max_message_size);
    if (r->param_request.len)
        ADD_BYTES(TAPIR_DHCPV4_OPT_PARAM_REQUEST, r->param_request.data, r->param_request.len);
    if (r->vendor_class.len)
        ADD_BYTES(TAPIR_DHCPV4_OPT_VENDOR_CLASS, r->vendor_class.data, r->vendor_class.len);
    if (r->message.len)
        ADD_BYTES(TAPIR_DHCPV4_OPT_MESSAGE, r->message.data, r->message.len);
#undef ADD_BYTES
#undef ADD_U32
#undef ADD_U16
    return n;
}

#define MAX_EMIT_OPTS 24

static size_t options_len(const struct emit_opt *o, size_t n)
{
    size_t len = 1; /* END */
    for (size_t i = 0; i < n; i++)
        len += 2 + (size_t)o[i].len;
    return len;
}

size_t tapir_dhcpv4_header_len(const struct tapir_dhcpv4_repr *repr)
{
    struct emit_opt o[MAX_EMIT_OPTS];
    size_t len = TAPIR_DHCPV4_MIN_LEN + options_len(o, collect(repr, o));
    return len < TAPIR_DHCPV4_BOOTP_MIN_LEN ? TAPIR_DHCPV4_BOOTP_MIN_LEN : len;
}

int tapir_dhcpv4_emit(const struct tapir_dhcpv4_repr *repr, uint8_t *buf, size_t cap)
{
    if ((repr->op != TAPIR_DHCPV4_BOOTREQUEST && repr->op != TAPIR_DHCPV4_BOOTREPLY) ||
        repr->hlen > 16 || repr->router_count > TAPIR_DHCPV4_MAX_ADDRS ||
        repr->dns_count > TAPIR_DHCPV4_MAX_ADDRS)
        return TAPIR_EINVAL;
    struct emit_opt o[MAX_EMIT_OPTS];
    size_t n = collect(repr, o);
    size_t total = TAPIR_DHCPV4_MIN_LEN + options_len(o, n);
    if (total < TAPIR_DHCPV4_BOOTP_MIN_LEN)
        total = TAPIR_DHCPV4_BOOTP_MIN_LEN;
    if (cap < total)
        return TAPIR_ENOBUFS;

    /* Variable values are copied from the caller's memory, which must not be `buf`
     * (a repr parsed from `buf` cannot be emitted over it). */
    memset(buf, 0, total);
    buf[0] = repr->op;
    buf[1] = repr->htype;
    buf[2] = repr->hlen;
    buf[3] = repr->hops;
    store_be32(buf + OFF_XID, repr->xid);
    store_be16(buf + OFF_SECS, repr->secs);
    store_be16(buf + OFF_FLAGS, repr->flags);
    memcpy(buf + OFF_CIADDR, repr->ciaddr.bytes, 4);
    memcpy(buf + OFF_YIADDR, repr->yiaddr.bytes, 4);
    memcpy(buf + OFF_SIADDR, repr->siaddr.bytes, 4);
    memcpy(buf + OFF_GIADDR, repr->giaddr.bytes, 4);
    memcpy(buf + OFF_CHADDR, repr->chaddr, 16);
    /* Overloaded fields held options, which emit places in the options field instead. */
    if (repr->sname != NULL && !(repr->overload & 2))
        memcpy(buf + OFF_SNAME, repr->sname, TAPIR_DHCPV4_SNAME_LEN);
    if (repr->file != NULL && !(repr->overload & 1))
        memcpy(buf + OFF_FILE, repr->file, TAPIR_DHCPV4_FILE_LEN);
    store_be32(buf + OFF_COOKIE, TAPIR_DHCPV4_MAGIC_COOKIE);
    uint8_t *p = buf + TAPIR_DHCPV4_MIN_LEN;
    for (size_t i = 0; i < n; i++) {
        p[0] = o[i].code;
        p[1] = o[i].len;
        if (o[i].len)
            memcpy(p + 2, o[i].value, o[i].len);
        p += 2 + o[i].len;
    }
    *p = TAPIR_DHCPV4_OPT_END; /* the rest is pad (zeros) */
    return (int)total;
}

const char *tapir_dhcpv4_type_name(uint8_t message_type)
{
    static const char *const names[] = {
        "BOOTP",    "DHCP-DISCOVER", "DHCP-OFFER",   "DHCP-REQUEST", "DHCP-DECLINE",
        "DHCP-ACK", "DHCP-NAK",      "DHCP-RELEASE", "DHCP-INFORM",
    };
    if (message_type < sizeof names / sizeof names[0])
        return names[message_type];
    return NULL;
}

static void print_type(struct tapir_text *t, uint8_t type)
{
    const char *name = tapir_dhcpv4_type_name(type);
    if (name)
        tapir_text_puts(t, name);
    else
        tapir_text_printf(t, "DHCP-TYPE-%u", type);
}

static void print_chaddr(struct tapir_text *t, const struct tapir_dhcpv4_repr *r)
{
    if (r->htype == 1 && r->hlen == 6) {
        char mac[TAPIR_MAC_STRLEN];
        struct tapir_mac_addr m;
        memcpy(m.bytes, r->chaddr, 6);
        tapir_text_puts(t, tapir_mac_format(&m, mac));
    } else {
        tapir_text_hex(t, r->chaddr, r->hlen, ':');
    }
}

static bool is_zero(const struct tapir_ipv4_addr *a)
{
    return (a->bytes[0] | a->bytes[1] | a->bytes[2] | a->bytes[3]) == 0;
}

static void print_addr(struct tapir_text *t, const char *label, const struct tapir_ipv4_addr *a)
{
    char s[TAPIR_IPV4_STRLEN];
    tapir_text_printf(t, "%s%s", label, tapir_ipv4_format(a, s));
}

/* Printable text, quoted; other bytes as \xNN. */
static void print_quoted(struct tapir_text *t, const struct tapir_dhcpv4_bytes *b)
{
    tapir_text_puts(t, "\"");
    for (size_t i = 0; i < b->len; i++) {
        uint8_t c = b->data[i];
        if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\')
            tapir_text_printf(t, "%c", c);
        else
            tapir_text_printf(t, "\\x%02x", c);
    }
    tapir_text_puts(t, "\"");
}

void tapir_dhcpv4_print(struct tapir_text *t, const struct tapir_dhcpv4_repr *r)
{
    print_type(t, r->message_type);
    if (r->op == TAPIR_DHCPV4_BOOTREPLY) {
        if (!is_zero(&r->yiaddr))
            print_addr(t, " ", &r->yiaddr);
        tapir_text_printf(t, " xid 0x%08x to ", r->xid);
        print_chaddr(t, r);
    } else {
        tapir_text_printf(t, " xid 0x%08x from ", r->xid);
        print_chaddr(t, r);
        if (!is_zero(&r->ciaddr))
            print_addr(t, " ciaddr ", &r->ciaddr);
        if (r->present & TAPIR_DHCPV4_HAS_REQUESTED_IP)
            print_addr(t, " requested ", &r->requested_ip);
    }
    if (r->present & TAPIR_DHCPV4_HAS_SERVER_ID)
        print_addr(t, " server ", &r->server_id);
    if (r->present & TAPIR_DHCPV4_HAS_LEASE_TIME)
        tapir_text_printf(t, " lease %us", (unsigned)r->lease_time_s);
    if (r->flags & TAPIR_DHCPV4_FLAG_BROADCAST)
        tapir_text_puts(t, " [broadcast]");
    if (r->message.len) {
        tapir_text_puts(t, " ");
        print_quoted(t, &r->message);
    }
}

static const char *option_name(uint8_t code)
{
    switch (code) {
    case 1:
        return "subnet mask";
    case 2:
        return "time offset";
    case 3:
        return "router";
    case 6:
        return "dns";
    case 12:
        return "hostname";
    case 15:
        return "domain name";
    case 26:
        return "mtu";
    case 28:
        return "broadcast";
    case 42:
        return "ntp";
    case 50:
        return "requested address";
    case 51:
        return "lease time";
    case 52:
        return "overload";
    case 53:
        return "message type";
    case 54:
        return "server id";
    case 55:
        return "parameter request";
    case 56:
        return "message";
    case 57:
        return "max message size";
    case 58:
        return "renewal time (T1)";
    case 59:
        return "rebinding time (T2)";
    case 60:
        return "vendor class";
    case 61:
        return "client id";
    default:
        return NULL;
    }
}

static void print_addr_list(struct tapir_text *t, const char *label,
                            const struct tapir_ipv4_addr *a, unsigned n)
{
    tapir_text_printf(t, "  %s:", label);
    for (unsigned i = 0; i < n; i++)
        print_addr(t, i ? ", " : " ", &a[i]);
    tapir_text_puts(t, "\n");
}

/* Options decode_option() keeps in a field (the others only count as unknown). */
static bool decoded(uint8_t code)
{
    switch (code) {
    case 1:
    case 3:
    case 6:
    case 12:
    case 15:
    case 26:
    case 28:
    case 50:
    case 51:
    case 52:
    case 53:
    case 54:
    case 55:
    case 56:
    case 57:
    case 58:
    case 59:
    case 60:
    case 61:
        return true;
    default:
        return false;
    }
}

/* The options no field holds, from the parsed bytes (regions already validated). */
static void print_unknown_region(struct tapir_text *t, const uint8_t *p, size_t len)
{
    size_t i = 0;
    while (i < len && p[i] != TAPIR_DHCPV4_OPT_END) {
        if (p[i] == TAPIR_DHCPV4_OPT_PAD) {
            i++;
            continue;
        }
        if (i + 2 > len || i + 2 + p[i + 1] > len)
            return;
        uint8_t code = p[i], l = p[i + 1];
        if (!decoded(code)) {
            const char *name = option_name(code);
            if (name)
                tapir_text_printf(t, "  option %u (%s): ", code, name);
            else
                tapir_text_printf(t, "  option %u: ", code);
            tapir_text_hex(t, p + i + 2, l, 0);
            tapir_text_puts(t, "\n");
        }
        i += 2 + (size_t)l;
    }
}

static void print_name_field(struct tapir_text *t, const char *label, const uint8_t *f, size_t n)
{
    size_t len = 0;
    while (len < n && f[len] != 0)
        len++;
    if (len == 0)
        return;
    struct tapir_dhcpv4_bytes b = {f, (uint8_t)(len > 255 ? 255 : len)};
    tapir_text_printf(t, "  %s: ", label);
    print_quoted(t, &b);
    tapir_text_puts(t, "\n");
}

void tapir_dhcpv4_print_verbose(struct tapir_text *t, const struct tapir_dhcpv4_repr *r)
{
    tapir_text_puts(t, "DHCPv4\n");
    tapir_text_printf(t, "  op: %u (%s)\n", r->op,
                      r->op == TAPIR_DHCPV4_BOOTREQUEST ? "request" : "reply");
    tapir_text_printf(t, "  htype: %u\n  hlen: %u\n  hops: %u\n", r->htype, r->hlen, r->hops);
    tapir_text_printf(t, "  xid: 0x%08x\n  secs: %u\n", r->xid, r->secs);
    tapir_text_printf(t, "  flags: 0x%04x%s\n", r->flags,
                      (r->flags & TAPIR_DHCPV4_FLAG_BROADCAST) ? " (broadcast)" : "");
    print_addr(t, "  ciaddr: ", &r->ciaddr);
    print_addr(t, "\n  yiaddr: ", &r->yiaddr);
    print_addr(t, "\n  siaddr: ", &r->siaddr);
    print_addr(t, "\n  giaddr: ", &r->giaddr);
    tapir_text_puts(t, "\n  chaddr: ");
    print_chaddr(t, r);
    tapir_text_puts(t, "\n");
    if (r->sname != NULL && !(r->overload & 2))
        print_name_field(t, "sname", r->sname, TAPIR_DHCPV4_SNAME_LEN);
    if (r->file != NULL && !(r->overload & 1))
        print_name_field(t, "file", r->file, TAPIR_DHCPV4_FILE_LEN);
    tapir_text_puts(t, "  message type: ");
    print_type(t, r->message_type);
    tapir_text_puts(t, "\n");
    uint32_t p = r->present;
    if (p & TAPIR_DHCPV4_HAS_OVERLOAD)
        tapir_text_printf(t, "  overload: %u\n", r->overload);
    if (r->client_id.len) {
        tapir_text_puts(t, "  client id: ");
        tapir_text_hex(t, r->client_id.data, r->client_id.len, ':');
        tapir_text_puts(t, "\n");
    }
    if (p & TAPIR_DHCPV4_HAS_REQUESTED_IP)
        print_addr_list(t, "requested address", &r->requested_ip, 1);
    if (p & TAPIR_DHCPV4_HAS_SERVER_ID)
        print_addr_list(t, "server id", &r->server_id, 1);
    if (p & TAPIR_DHCPV4_HAS_LEASE_TIME)
        tapir_text_printf(t, "  lease time: %u s\n", (unsigned)r->lease_time_s);
    if (p & TAPIR_DHCPV4_HAS_T1)
        tapir_text_printf(t, "  renewal time (T1): %u s\n", (unsigned)r->t1_s);
    if (p & TAPIR_DHCPV4_HAS_T2)
        tapir_text_printf(t, "  rebinding time (T2): %u s\n", (unsigned)r->t2_s);
    if (p & TAPIR_DHCPV4_HAS_SUBNET_MASK)
        print_addr_list(t, "subnet mask", &r->subnet_mask, 1);
    if (p & TAPIR_DHCPV4_HAS_BROADCAST)
        print_addr_list(t, "broadcast", &r->broadcast, 1);
    if (r->router_count)
        print_addr_list(t, "router", r->routers, r->router_count);
    if (r->dns_count)
        print_addr_list(t, "dns", r->dns, r->dns_count);
    if (r->domain_name.len) {
        tapir_text_puts(t, "  domain name: ");
        print_quoted(t, &r->domain_name);
        tapir_text_puts(t, "\n");
    }
    if (r->hostname.len) {
        tapir_text_puts(t, "  hostname: ");
        print_quoted(t, &r->hostname);
        tapir_text_puts(t, "\n");
    }
    if (p & TAPIR_DHCPV4_HAS_MTU)
        tapir_text_printf(t, "  mtu: %u\n", r->mtu);
    if (p & TAPIR_DHCPV4_HAS_MAX_MESSAGE_SIZE)
        tapir_text_printf(t, "  max message size: %u\n", r->max_message_size);
    if (r->param_request.len) {
        tapir_text_puts(t, "  parameter request:");
        for (size_t i = 0; i < r->param_request.len; i++) {
            uint8_t c = r->param_request.data[i];
            const char *name = option_name(c);
            if (name)
                tapir_text_printf(t, "%s %s (%u)", i ? "," : "", name, c);
            else
                tapir_text_printf(t, "%s %u", i ? "," : "", c);
        }
        tapir_text_puts(t, "\n");
    }
    if (r->vendor_class.len) {
        tapir_text_puts(t, "  vendor class: ");
        print_quoted(t, &r->vendor_class);
        tapir_text_puts(t, "\n");
    }
    if (r->message.len) {
        tapir_text_puts(t, "  message: ");
        print_quoted(t, &r->message);
        tapir_text_puts(t, "\n");
    }
    if (r->options != NULL) {
        print_unknown_region(t, r->options, r->options_len);
        if (r->overload & 1)
            print_unknown_region(t, r->file, TAPIR_DHCPV4_FILE_LEN);
        if (r->overload & 2)
            print_unknown_region(t, r->sname, TAPIR_DHCPV4_SNAME_LEN);
    }
}
