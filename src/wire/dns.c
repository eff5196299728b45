/* DNS messages (RFC 1035 §4): validation of a whole message, names with compression
 * (RFC 1035 §4.1.4), the records a stub resolver meets, the query it sends, and the
 * tcpdump-like printers. */
#include <string.h>

#include "bytes.h"
#include "tapir/error.h"
#include "tapir/wire/dns.h"

/* ---- names -------------------------------------------------------------------------- */

int tapir_dns_name_decode(const uint8_t *msg, size_t len, size_t off, struct tapir_dns_name *out,
                          size_t *next)
{
    size_t pos = off;
    /* Where the label sequence being read begins: a pointer must land strictly before it
     * (RFC 1035 §4.1.4 says pointers refer to a *prior* occurrence). Each jump then moves
     * this start strictly back, so no sequence of pointers can loop; the count below is a
     * second, explicit bound. */
    size_t seg_start = off;
    unsigned jumps = 0;
    bool jumped = false;
    size_t n = 0;
    for (;;) {
        if (pos >= len)
            return TAPIR_ETRUNCATED;
        uint8_t b = msg[pos];
        switch (b & 0xc0) {
        case 0x00:
            if (b == 0) {
                out->wire[n++] = 0;
                out->len = (uint8_t)n;
                if (!jumped && next != NULL)
                    *next = pos + 1;
                return 0;
            }
            if (pos + 1 + b > len)
                return TAPIR_ETRUNCATED;
            /* This label plus at least the root label must fit in 255 octets. */
            if (n + 1 + b + 1 > TAPIR_DNS_MAX_NAME)
                return TAPIR_EBADTOTALLEN;
            memcpy(out->wire + n, msg + pos, 1 + (size_t)b);
            n += 1 + (size_t)b;
            pos += 1 + (size_t)b;
            break;
        case 0xc0: {
            if (pos + 2 > len)
                return TAPIR_ETRUNCATED;
            size_t target = (size_t)(load_be16(msg + pos) & 0x3fff);
            if (target >= seg_start || ++jumps > TAPIR_DNS_MAX_POINTERS)
                return TAPIR_EBADFIELD;
            if (!jumped && next != NULL)
                *next = pos + 2;
            jumped = true;
            seg_start = target;
            pos = target;
            break;
        }
        default:
            /* 0x40 (extended label types, RFC 6891 §5, none in use) and 0x80 (reserved). */
            return TAPIR_EUNSUPPORTED;
        }
    }
}

static bool plain_char(uint8_t c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '*' || c == '/';
}

void tapir_dns_name_print(struct tapir_text *t, const struct tapir_dns_name *name)
{
    size_t pos = 0;
    if (name->len <= 1) {
        tapir_text_puts(t, ".");
        return;
    }
    while (pos < name->len && name->wire[pos] != 0) {
        uint8_t l = name->wire[pos++];
        for (uint8_t i = 0; i < l && pos < name->len; i++, pos++) {
            uint8_t c = name->wire[pos];
            if (plain_char(c))
                tapir_text_printf(t, "%c", c);
            else if (c > 0x20 && c < 0x7f)
                tapir_text_printf(t, "\\%c", c); /* RFC 1035 §5.1: "\X" quotes X */
            else
                tapir_text_printf(t, "\\%03u", c);
        }
        tapir_text_puts(t, ".");
    }
}

int tapir_dns_name_to_text(const struct tapir_dns_name *name, char *out, size_t cap)
{
    struct tapir_text t;
    tapir_text_init(&t, out, cap);
    tapir_dns_name_print(&t, name);
    return (int)t.len;
}

int tapir_dns_name_from_text(const char *text, struct tapir_dns_name *out)
{
    size_t n = 0;
    const char *p = text;
    if (p[0] == '.' && p[1] == '\0') {
        out->wire[0] = 0;
        out->len = 1;
        return 0;
    }
    while (*p != '\0') {
        size_t len_at = n++;
        size_t label = 0;
        while (*p != '\0' && *p != '.') {
            unsigned c = (unsigned char)*p++;
            if (c == '\\') {
                if (p[0] >= '0' && p[0] <= '9') {
                    if (!(p[1] >= '0' && p[1] <= '9' && p[2] >= '0' && p[2] <= '9'))
                        return TAPIR_EINVAL;
                    c = (unsigned)(p[0] - '0') * 100 + (unsigned)(p[1] - '0') * 10 +
                        (unsigned)(p[2] - '0');
                    if (c > 255)
                        return TAPIR_EINVAL;
                    p += 3;
                } else if (*p != '\0') {
                    c = (unsigned char)*p++;
                } else {
                    return TAPIR_EINVAL;
                }
            }
            if (++label > TAPIR_DNS_MAX_LABEL)
                return TAPIR_EINVAL;
            if (n + 1 >= TAPIR_DNS_MAX_NAME) /* room for this byte and the root */
                return TAPIR_EBADTOTALLEN;
            out->wire[n++] = (uint8_t)c;
        }
        if (label == 0)
            return TAPIR_EINVAL; /* "a..b", ".a" */
        out->wire[len_at] = (uint8_t)label;
        if (*p == '.')
            p++;
    }
    if (n == 0)
        return TAPIR_EINVAL; /* "" */
    out->wire[n++] = 0;
    out->len = (uint8_t)n;
    return 0;
}

static uint8_t ascii_lower(uint8_t c)
{
    return (c >= 'A' && c <= 'Z') ? (uint8_t)(c + 32) : c;
}

bool tapir_dns_name_equal(const struct tapir_dns_name *a, const struct tapir_dns_name *b)
{
    if (a->len != b->len)
        return false;
    /* Length bytes are below 64, so lowering them changes nothing. */
    for (size_t i = 0; i < a->len; i++)
        if (ascii_lower(a->wire[i]) != ascii_lower(b->wire[i]))
            return false;
    return true;
}

/* ---- records -------------------------------------------------------------------------- */

/* A name that must end exactly at `end` (rdata fields): a name running past the rdata is a
 * malformed record, not a truncated message. */
static int rdata_name(const uint8_t *msg, size_t end, size_t *pos, struct tapir_dns_name *out)
{
    int rc = tapir_dns_name_decode(msg, end, *pos, out, pos);
    return rc == TAPIR_ETRUNCATED ? TAPIR_EBADFIELD : rc;
}

/* Validates the rdata at msg[off..off+rdlen) for `type` and decodes what rr->data holds. */
static int parse_rdata(const uint8_t *msg, size_t off, uint16_t rdlen, struct tapir_dns_rr *rr)
{
    size_t end = off + rdlen;
    size_t pos = off;
    int rc;
    switch (rr->type) {
    case TAPIR_DNS_TYPE_A:
        if (rdlen != 4)
            return TAPIR_EBADFIELD;
        memcpy(rr->data.a.bytes, msg + off, 4);
        return 0;
    case TAPIR_DNS_TYPE_AAAA:
        if (rdlen != 16)
            return TAPIR_EBADFIELD;
        memcpy(rr->data.aaaa.bytes, msg + off, 16);
        return 0;
    case TAPIR_DNS_TYPE_CNAME:
    case TAPIR_DNS_TYPE_NS:
    case TAPIR_DNS_TYPE_PTR:
        rc = rdata_name(msg, end, &pos, &rr->data.target);
        break;
    case TAPIR_DNS_TYPE_MX:
        if (rdlen < 2)
            return TAPIR_EBADFIELD;
        rr->data.mx.preference = load_be16(msg + off);
        pos += 2;
        rc = rdata_name(msg, end, &pos, &rr->data.mx.exchange);
        break;
    case TAPIR_DNS_TYPE_SOA:
        rc = rdata_name(msg, end, &pos, &rr->data.soa.mname);
        if (rc == 0)
            rc = rdata_name(msg, end, &pos, &rr->data.soa.rname);
        if (rc == 0 && end - pos != 20)
            return TAPIR_EBADFIELD;
        if (rc == 0) {
            rr->data.soa.serial = load_be32(msg + pos);
            rr->data.soa.refresh = load_be32(msg + pos + 4);
            rr->data.soa.retry = load_be32(msg + pos + 8);
            rr->data.soa.expire = load_be32(msg + pos + 12);
            rr->data.soa.minimum = load_be32(msg + pos + 16);
            pos = end;
        }
        break;
    case TAPIR_DNS_TYPE_TXT:
        /* RFC 1035 §3.3.14: one or more <character-string>s, a length byte each. */
        while (pos < end) {
            if (pos + 1 + msg[pos] > end)
                return TAPIR_EBADFIELD;
            pos += 1 + (size_t)msg[pos];
        }
        return 0;
    default:
        return 0; /* kept as raw rdata */
    }
    if (rc != 0)
        return rc;
    return pos == end ? 0 : TAPIR_EBADFIELD;
}

/* One record at *off: name, fixed fields, rdata. */
static int parse_rr(const uint8_t *msg, size_t len, size_t *off, struct tapir_dns_rr *rr)
{
    int rc = tapir_dns_name_decode(msg, len, *off, &rr->name, off);
    if (rc != 0)
        return rc;
    if (len - *off < 10)
        return TAPIR_ETRUNCATED;
    const uint8_t *p = msg + *off;
    rr->type = load_be16(p);
    rr->rclass = load_be16(p + 2);
    rr->ttl = load_be32(p + 4);
    rr->rdlen = load_be16(p + 8);
    *off += 10;
    if (len - *off < rr->rdlen)
        return TAPIR_ETRUNCATED;
    rr->rdata = msg + *off;
    rc = parse_rdata(msg, *off, rr->rdlen, rr);
    *off += rr->rdlen;
    return rc;
}

static int parse_question(const uint8_t *msg, size_t len, size_t *off, struct tapir_dns_question *q)
{
    int rc = tapir_dns_name_decode(msg, len, *off, &q->name, off);
    if (rc != 0)
        return rc;
    if (len - *off < 4)
        return TAPIR_ETRUNCATED;
    q->type = load_be16(msg + *off);
    q->qclass = load_be16(msg + *off + 2);
    *off += 4;
    return 0;
}

int tapir_dns_parse(const uint8_t *buf, size_t len, struct tapir_dns_repr *out)
{
    if (len < TAPIR_DNS_HEADER_LEN)
        return TAPIR_ETRUNCATED;
    struct tapir_dns_repr r;
    r.id = load_be16(buf);
    uint16_t flags = load_be16(buf + 2);
    r.qr = flags & 0x8000;
    r.opcode = (uint8_t)((flags >> 11) & 0xf);
    r.aa = flags & 0x0400;
    r.tc = flags & 0x0200;
    r.rd = flags & 0x0100;
    r.ra = flags & 0x0080;
    r.z = flags & 0x0040;
    r.ad = flags & 0x0020;
    r.cd = flags & 0x0010;
    r.rcode = (uint8_t)(flags & 0xf);
    for (int i = 0; i < 4; i++)
        r.count[i] = load_be16(buf + 4 + 2 * i);

    size_t off = TAPIR_DNS_HEADER_LEN;
    for (unsigned i = 0; i < r.count[TAPIR_DNS_QUESTION]; i++) {
        struct tapir_dns_question q;
        int rc = parse_question(buf, len, &off, &q);
        if (rc != 0)
            return rc;
    }
    for (int s = TAPIR_DNS_ANSWER; s <= TAPIR_DNS_ADDITIONAL; s++) {
        for (unsigned i = 0; i < r.count[s]; i++) {
            struct tapir_dns_rr rr;
            int rc = parse_rr(buf, len, &off, &rr);
            if (rc != 0)
                return rc;
        }
    }
    r.msg = buf;
    r.len = off;
    r.size = len;
    *out = r;
    return 0;
}

size_t tapir_dns_header_len(const struct tapir_dns_repr *repr)
{
    (void)repr;
    return TAPIR_DNS_HEADER_LEN;
}

void tapir_dns_cursor_init(struct tapir_dns_cursor *c, const struct tapir_dns_repr *repr)
{
    c->repr = repr;
    c->off = TAPIR_DNS_HEADER_LEN;
    c->section = TAPIR_DNS_QUESTION;
    c->left = repr->count[TAPIR_DNS_QUESTION];
}

int tapir_dns_next_question(struct tapir_dns_cursor *c, struct tapir_dns_question *out)
{
    if (c->section != TAPIR_DNS_QUESTION || c->left == 0)
        return 0;
    /* The message was validated by tapir_dns_parse, so this cannot fail. */
    if (parse_question(c->repr->msg, c->repr->size, &c->off, out) != 0)
        return 0;
    c->left--;
    return 1;
}

int tapir_dns_next_rr(struct tapir_dns_cursor *c, struct tapir_dns_rr *out)
{
    struct tapir_dns_question q;
    while (tapir_dns_next_question(c, &q) == 1) {
    }
    while (c->left == 0) {
        if (c->section >= TAPIR_DNS_ADDITIONAL)
            return 0;
        c->section++;
        c->left = c->repr->count[c->section];
    }
    if (parse_rr(c->repr->msg, c->repr->size, &c->off, out) != 0)
        return 0;
    out->section = c->section;
    c->left--;
    return 1;
}

/* ---- emitting ------------------------------------------------------------------------- */

static bool name_valid(const struct tapir_dns_name *name)
{
    if (name->len < 1)
        return false;
    size_t pos = 0;
    while (pos < name->len) {
        uint8_t l = name->wire[pos];
        if (l == 0)
            return pos + 1 == name->len;
        if (l > TAPIR_DNS_MAX_LABEL)
            return false;
        pos += 1 + (size_t)l;
    }
    return false;
}

static uint16_t header_flags(const struct tapir_dns_repr *h)
{
    return (uint16_t)((h->qr ? 0x8000 : 0) | (h->opcode & 0xf) << 11 | (h->aa ? 0x0400 : 0) |
                      (h->tc ? 0x0200 : 0) | (h->rd ? 0x0100 : 0) | (h->ra ? 0x0080 : 0) |
                      (h->z ? 0x0040 : 0) | (h->ad ? 0x0020 : 0) | (h->cd ? 0x0010 : 0) |
                      (h->rcode & 0xf));
}

int tapir_dns_builder_init(struct tapir_dns_builder *b, const struct tapir_dns_repr *h,
                           uint8_t *buf, size_t cap)
{
    b->buf = buf;
    b->cap = cap;
    b->len = 0;
    b->section = TAPIR_DNS_QUESTION;
    b->error = 0;
    if (cap < TAPIR_DNS_HEADER_LEN)
        return b->error = TAPIR_ENOBUFS;
    store_be16(buf, h->id);
    store_be16(buf + 2, header_flags(h));
    memset(buf + 4, 0, 8);
    b->len = TAPIR_DNS_HEADER_LEN;
    return 0;
}

static void bump_count(struct tapir_dns_builder *b, unsigned section)
{
    uint8_t *p = b->buf + 4 + 2 * section;
    store_be16(p, (uint16_t)(load_be16(p) + 1));
}

int tapir_dns_builder_question(struct tapir_dns_builder *b, const struct tapir_dns_name *name,
                               uint16_t type, uint16_t qclass)
{
    if (b->error != 0)
        return b->error;
    if (b->section != TAPIR_DNS_QUESTION || !name_valid(name))
        return TAPIR_EINVAL;
    if (b->cap - b->len < (size_t)name->len + 4)
        return b->error = TAPIR_ENOBUFS;
    memcpy(b->buf + b->len, name->wire, name->len);
    b->len += name->len;
    store_be16(b->buf + b->len, type);
    store_be16(b->buf + b->len + 2, qclass);
    b->len += 4;
    bump_count(b, TAPIR_DNS_QUESTION);
    return 0;
}

int tapir_dns_builder_rr(struct tapir_dns_builder *b, enum tapir_dns_section section,
                         const struct tapir_dns_name *name, uint16_t type, uint16_t rclass,
                         uint32_t ttl, const void *rdata, uint16_t rdlen)
{
    if (b->error != 0)
        return b->error;
    if (section < TAPIR_DNS_ANSWER || section > TAPIR_DNS_ADDITIONAL || section < b->section ||
        !name_valid(name))
        return TAPIR_EINVAL;
    if (b->cap - b->len < (size_t)name->len + 10 + rdlen)
        return b->error = TAPIR_ENOBUFS;
    b->section = (uint8_t)section;
    memcpy(b->buf + b->len, name->wire, name->len);
    b->len += name->len;
    uint8_t *p = b->buf + b->len;
    store_be16(p, type);
    store_be16(p + 2, rclass);
    store_be32(p + 4, ttl);
    store_be16(p + 8, rdlen);
    if (rdlen > 0)
        memcpy(p + 10, rdata, rdlen);
    b->len += 10 + (size_t)rdlen;
    bump_count(b, section);
    return 0;
}

int tapir_dns_builder_finish(struct tapir_dns_builder *b)
{
    return b->error != 0 ? b->error : (int)b->len;
}

int tapir_dns_emit_query(uint16_t id, bool rd, const struct tapir_dns_name *qname, uint16_t qtype,
                         uint8_t *buf, size_t cap)
{
    if (!name_valid(qname))
        return TAPIR_EINVAL;
    struct tapir_dns_repr h = {.id = id, .rd = rd};
    struct tapir_dns_builder b;
    tapir_dns_builder_init(&b, &h, buf, cap);
    tapir_dns_builder_question(&b, qname, qtype, TAPIR_DNS_CLASS_IN);
    return tapir_dns_builder_finish(&b);
}

/* ---- printing ------------------------------------------------------------------------- */

const char *tapir_dns_type_name(uint16_t type)
{
    switch (type) {
    case TAPIR_DNS_TYPE_A:
        return "A";
    case TAPIR_DNS_TYPE_NS:
        return "NS";
    case TAPIR_DNS_TYPE_CNAME:
        return "CNAME";
    case TAPIR_DNS_TYPE_SOA:
        return "SOA";
    case TAPIR_DNS_TYPE_PTR:
        return "PTR";
    case TAPIR_DNS_TYPE_MX:
        return "MX";
    case TAPIR_DNS_TYPE_TXT:
        return "TXT";
    case TAPIR_DNS_TYPE_AAAA:
        return "AAAA";
    case TAPIR_DNS_TYPE_OPT:
        return "OPT";
    case TAPIR_DNS_TYPE_ANY:
        return "ANY";
    default:
        return NULL;
    }
}

const char *tapir_dns_rcode_name(uint8_t rcode)
{
    static const char *const names[] = {"NoError", "FormErr", "ServFail", "NXDomain",
                                        "NotImp",  "Refused", "YXDomain", "YXRRSet",
                                        "NXRRSet", "NotAuth", "NotZone"};
    return rcode < sizeof names / sizeof names[0] ? names[rcode] : NULL;
}

static void print_type(struct tapir_text *t, uint16_t type)
{
    const char *name = tapir_dns_type_name(type);
    if (name)
        tapir_text_puts(t, name);
    else
        tapir_text_printf(t, "Type%u", type); /* tcpdump's form */
}

static void print_strings(struct tapir_text *t, const uint8_t *p, size_t len)
{
    size_t pos = 0;
    while (pos < len) {
        size_t n = p[pos++];
        tapir_text_puts(t, pos > 1 ? " \"" : "\"");
        for (size_t i = 0; i < n && pos < len; i++, pos++) {
            uint8_t c = p[pos];
            if (c == '"' || c == '\\')
                tapir_text_printf(t, "\\%c", c);
            else if (c >= 0x20 && c < 0x7f)
                tapir_text_printf(t, "%c", c);
            else
                tapir_text_printf(t, "\\%03u", c);
        }
        tapir_text_puts(t, "\"");
    }
}

void tapir_dns_print_rdata(struct tapir_text *t, const struct tapir_dns_rr *rr)
{
    char a[TAPIR_IP_STRLEN];
    switch (rr->type) {
    case TAPIR_DNS_TYPE_A:
        tapir_text_puts(t, tapir_ipv4_format(&rr->data.a, a));
        break;
    case TAPIR_DNS_TYPE_AAAA:
        tapir_text_puts(t, tapir_ipv6_format(&rr->data.aaaa, a));
        break;
    case TAPIR_DNS_TYPE_CNAME:
    case TAPIR_DNS_TYPE_NS:
    case TAPIR_DNS_TYPE_PTR:
        tapir_dns_name_print(t, &rr->data.target);
        break;
    case TAPIR_DNS_TYPE_MX:
        tapir_text_printf(t, "%u ", rr->data.mx.preference);
        tapir_dns_name_print(t, &rr->data.mx.exchange);
        break;
    case TAPIR_DNS_TYPE_SOA:
        tapir_dns_name_print(t, &rr->data.soa.mname);
        tapir_text_puts(t, " ");
        tapir_dns_name_print(t, &rr->data.soa.rname);
        tapir_text_printf(t, " %u %u %u %u %u", rr->data.soa.serial, rr->data.soa.refresh,
                          rr->data.soa.retry, rr->data.soa.expire, rr->data.soa.minimum);
        break;
    case TAPIR_DNS_TYPE_TXT:
        print_strings(t, rr->rdata, rr->rdlen);
        break;
    default:
        /* RFC 3597 §5: the generic form of data of an unknown type. */
        tapir_text_printf(t, "\\# %u", rr->rdlen);
        if (rr->rdlen > 0) {
            tapir_text_puts(t, " ");
            tapir_text_hex(t, rr->rdata, rr->rdlen, 0);
        }
        break;
    }
}

/* One answer the way tcpdump shows it without -v: " A 192.0.2.1", " MX mail.test. 10". */
static void print_rr_short(struct tapir_text *t, const struct tapir_dns_rr *rr)
{
    tapir_text_puts(t, " ");
    print_type(t, rr->type);
    switch (rr->type) {
    case TAPIR_DNS_TYPE_MX:
        tapir_text_puts(t, " ");
        tapir_dns_name_print(t, &rr->data.mx.exchange);
        tapir_text_printf(t, " %u", rr->data.mx.preference);
        break;
    case TAPIR_DNS_TYPE_SOA:
        break; /* tcpdump shows SOA fields only with -v */
    case TAPIR_DNS_TYPE_OPT:
        tapir_text_printf(t, " UDPsize=%u", rr->rclass);
        break;
    case TAPIR_DNS_TYPE_A:
    case TAPIR_DNS_TYPE_AAAA:
    case TAPIR_DNS_TYPE_CNAME:
    case TAPIR_DNS_TYPE_NS:
    case TAPIR_DNS_TYPE_PTR:
    case TAPIR_DNS_TYPE_TXT:
        tapir_text_puts(t, " ");
        tapir_dns_print_rdata(t, rr);
        break;
    default:
        break;
    }
}

static const char *opcode_suffix(uint8_t opcode)
{
    /* tcpdump's ns_ops. */
    static const char *const ops[16] = {"",      " inv_q", " stat", " op3", " notify", " update",
                                        " op6",  " op7",   " op8",  " op9", " op10",   " op11",
                                        " op12", " op13",  " op14", " op15"};
    return ops[opcode & 0xf];
}

void tapir_dns_print(struct tapir_text *t, const struct tapir_dns_repr *repr)
{
    struct tapir_dns_cursor c;
    tapir_dns_cursor_init(&c, repr);
    struct tapir_dns_question q;
    tapir_text_printf(t, "%u%s", repr->id, opcode_suffix(repr->opcode));
    if (!repr->qr) {
        tapir_text_printf(t, "%s%s", repr->rd ? "+" : "", repr->cd ? "%" : "");
        /* tcpdump flags bits a query should not carry: AA, TC, RA, Z, RCODE. */
        uint16_t odd = (uint16_t)(load_be16(repr->msg + 2) & 0x06cf);
        if (odd != 0)
            tapir_text_printf(t, " [b2&3=0x%x]", odd);
        if (repr->count[TAPIR_DNS_QUESTION] != 1)
            tapir_text_printf(t, " [%uq]", repr->count[TAPIR_DNS_QUESTION]);
        if (repr->count[TAPIR_DNS_ANSWER] != 0)
            tapir_text_printf(t, " [%ua]", repr->count[TAPIR_DNS_ANSWER]);
        if (repr->count[TAPIR_DNS_AUTHORITY] != 0)
            tapir_text_printf(t, " [%un]", repr->count[TAPIR_DNS_AUTHORITY]);
        if (repr->count[TAPIR_DNS_ADDITIONAL] != 0)
            tapir_text_printf(t, " [%uau]", repr->count[TAPIR_DNS_ADDITIONAL]);
        if (tapir_dns_next_question(&c, &q) == 1) {
            tapir_text_puts(t, " ");
            print_type(t, q.type);
            if (q.qclass != TAPIR_DNS_CLASS_IN)
                tapir_text_printf(t, " (Class %u)", q.qclass);
            tapir_text_puts(t, "? ");
            tapir_dns_name_print(t, &q.name);
        }
    } else {
        if (repr->rcode != 0) {
            const char *rc = tapir_dns_rcode_name(repr->rcode);
            if (rc)
                tapir_text_printf(t, " %s", rc);
            else
                tapir_text_printf(t, " Resp%u", repr->rcode);
        }
        tapir_text_printf(t, "%s%s%s", repr->aa ? "*" : "", repr->ra ? "" : "-",
                          repr->tc ? "|" : "");
        if (repr->count[TAPIR_DNS_QUESTION] != 1)
            tapir_text_printf(t, " [%uq]", repr->count[TAPIR_DNS_QUESTION]);
        tapir_text_printf(t, " %u/%u/%u", repr->count[TAPIR_DNS_ANSWER],
                          repr->count[TAPIR_DNS_AUTHORITY], repr->count[TAPIR_DNS_ADDITIONAL]);
        struct tapir_dns_rr rr;
        for (unsigned i = 0; i < repr->count[TAPIR_DNS_ANSWER]; i++) {
            if (tapir_dns_next_rr(&c, &rr) != 1)
                break;
            if (i > 0)
                tapir_text_puts(t, ",");
            print_rr_short(t, &rr);
        }
    }
    tapir_text_printf(t, " (%zu)", repr->size);
}

static void print_class(struct tapir_text *t, uint16_t rclass)
{
    if (rclass == TAPIR_DNS_CLASS_IN)
        tapir_text_puts(t, "IN");
    else
        tapir_text_printf(t, "CLASS%u", rclass); /* RFC 3597 §5 */
}

void tapir_dns_print_verbose(struct tapir_text *t, const struct tapir_dns_repr *repr)
{
    static const char *const section_names[4] = {"question", "answer", "authority", "additional"};
    tapir_text_puts(t, "DNS\n");
    tapir_text_printf(t, "  id: %u\n", repr->id);
    tapir_text_printf(t, "  flags: 0x%04x (%s, opcode %u%s%s%s%s%s%s%s)\n",
                      load_be16(repr->msg + 2), repr->qr ? "response" : "query", repr->opcode,
                      repr->aa ? ", AA" : "", repr->tc ? ", TC" : "", repr->rd ? ", RD" : "",
                      repr->ra ? ", RA" : "", repr->z ? ", Z" : "", repr->ad ? ", AD" : "",
                      repr->cd ? ", CD" : "");
    const char *rc = tapir_dns_rcode_name(repr->rcode);
    tapir_text_printf(t, "  rcode: %s (%u)\n", rc ? rc : "unknown", repr->rcode);
    tapir_text_printf(t, "  counts: %u question, %u answer, %u authority, %u additional\n",
                      repr->count[0], repr->count[1], repr->count[2], repr->count[3]);
    struct tapir_dns_cursor c;
    tapir_dns_cursor_init(&c, repr);
    struct tapir_dns_question q;
    while (tapir_dns_next_question(&c, &q) == 1) {
        tapir_text_puts(t, "  question: ");
        tapir_dns_name_print(t, &q.name);
        tapir_text_puts(t, " ");
        print_class(t, q.qclass);
        tapir_text_puts(t, " ");
        print_type(t, q.type);
        tapir_text_puts(t, "\n");
    }
    struct tapir_dns_rr rr;
    while (tapir_dns_next_rr(&c, &rr) == 1) {
        tapir_text_printf(t, "  %s: ", section_names[rr.section]);
        tapir_dns_name_print(t, &rr.name);
        if (rr.type == TAPIR_DNS_TYPE_OPT) {
            /* RFC 6891 §6.1.3: class and TTL carry EDNS fields. */
            tapir_text_printf(t,
                              " OPT udp-size %u ext-rcode %u version %u flags 0x%04x "
                              "rdlen %u\n",
                              rr.rclass, rr.ttl >> 24, (rr.ttl >> 16) & 0xff, rr.ttl & 0xffff,
                              rr.rdlen);
            continue;
        }
        tapir_text_printf(t, " %u ", rr.ttl);
        print_class(t, rr.rclass);
        tapir_text_puts(t, " ");
        print_type(t, rr.type);
        tapir_text_puts(t, " ");
        tapir_dns_print_rdata(t, &rr);
        tapir_text_puts(t, "\n");
    }
    tapir_text_printf(t, "  length: %zu\n", repr->size);
}
