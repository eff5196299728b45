/* Multicast Listener Discovery: MLDv1 (RFC 2710 §3) and MLDv2 (RFC 3810 §5). */
#include <string.h>

#include "bytes.h"
#include "membership.h"
#include "tapir/error.h"
#include "tapir/wire/mld.h"

#define ADDR_LEN 16

static bool is_multicast(const struct tapir_ipv6_addr *a)
{
    return a->bytes[0] == 0xff;
}

static bool is_unspecified(const struct tapir_ipv6_addr *a)
{
    static const struct tapir_ipv6_addr zero;
    return memcmp(a, &zero, sizeof zero) == 0;
}

/* body + off, or NULL when nothing is there (a hand-made repr may have no data at all). */
static const uint8_t *at(const uint8_t *body, size_t off, size_t len)
{
    return off < len ? body + off : NULL;
}

_Static_assert(TAPIR_MLD_RECORD_LEN == GROUP_RECORD_TYPE_LEN + ADDR_LEN,
               "the fixed part of a record");

static size_t read_record(const uint8_t *p, size_t left, struct tapir_mld_record *rec)
{
    return group_record_read(p, left, ADDR_LEN, &rec->type, &rec->aux_len, &rec->num_sources,
                             rec->mcast_addr.bytes, &rec->sources, &rec->aux);
}

int tapir_mld_parse(const struct tapir_icmpv6_repr *icmp, struct tapir_mld_repr *out)
{
    size_t len = TAPIR_ICMPV6_HEADER_LEN + icmp->data_len;
    const uint8_t *body = icmp->data;
    struct tapir_mld_repr r;
    memset(&r, 0, sizeof r);
    r.type = icmp->type;
    r.code = icmp->code;

    switch (icmp->type) {
    case TAPIR_ICMPV6_MLD_QUERY:
        /* RFC 3810 §8.1: the length tells the version; 25-27 bytes is neither. */
        if (len < TAPIR_MLD_V1_LEN || (len > TAPIR_MLD_V1_LEN && len < TAPIR_MLD_V2_QUERY_LEN))
            return TAPIR_ETRUNCATED;
        r.version = len == TAPIR_MLD_V1_LEN ? 1 : 2;
        break;
    case TAPIR_ICMPV6_MLD_REPORT:
    case TAPIR_ICMPV6_MLD_DONE:
        if (len < TAPIR_MLD_V1_LEN)
            return TAPIR_ETRUNCATED;
        r.version = 1;
        break;
    case TAPIR_ICMPV6_MLD2_REPORT:
        r.version = 2;
        break;
    default:
        return TAPIR_EINVAL;
    }

    if (r.type == TAPIR_ICMPV6_MLD2_REPORT) {
        /* §5.2: Reserved (16 bits), Nr of Mcast Address Records (16 bits), the records. */
        r.reserved = (uint16_t)(icmp->rest >> 16);
        r.num_records = (uint16_t)icmp->rest;
        size_t off = 0;
        for (unsigned i = 0; i < r.num_records; i++) {
            struct tapir_mld_record rec;
            size_t n = read_record(body + off, icmp->data_len - off, &rec);
            if (n == 0)
                return TAPIR_ETRUNCATED;
            off += n;
        }
        r.records = body;
        r.records_len = off;
        r.extra = at(body, off, icmp->data_len);
        r.extra_len = icmp->data_len - off;
        *out = r;
        return 0;
    }

    /* Queries (v1, v2) and v1 reports/done: Maximum Response Code/Delay, Reserved, the
     * multicast address (RFC 2710 §3, RFC 3810 §5.1). */
    r.max_resp_code = (uint16_t)(icmp->rest >> 16);
    r.reserved = (uint16_t)icmp->rest;
    memcpy(r.mcast_addr.bytes, body, ADDR_LEN);
    if (r.type == TAPIR_ICMPV6_MLD_QUERY) {
        /* :: in a general query, the group in a specific one (RFC 3810 §5.1.5). */
        if (!is_unspecified(&r.mcast_addr) && !is_multicast(&r.mcast_addr))
            return TAPIR_EBADFIELD;
    } else if (!is_multicast(&r.mcast_addr)) {
        return TAPIR_EBADFIELD; /* RFC 2710 §3.6: a specific multicast address */
    }

    size_t off = ADDR_LEN;
    if (r.version == 2) {
        r.qflags = body[16];
        r.qqic = body[17];
        r.num_sources = load_be16(body + 18);
        off = TAPIR_MLD_V2_QUERY_LEN - TAPIR_ICMPV6_HEADER_LEN;
        size_t sources_len = (size_t)r.num_sources * ADDR_LEN;
        if (icmp->data_len - off < sources_len)
            return TAPIR_ETRUNCATED;
        r.sources = body + off;
        off += sources_len;
    }
    r.extra = at(body, off, icmp->data_len);
    r.extra_len = icmp->data_len - off;
    *out = r;
    return 0;
}

size_t tapir_mld_record_len(const struct tapir_mld_record *rec)
{
    return group_record_len(ADDR_LEN, rec->num_sources, rec->aux_len);
}

int tapir_mld_record_next(const struct tapir_mld_repr *repr, size_t *offset,
                          struct tapir_mld_record *rec)
{
    /* The records were validated by parse (or written by tapir_mld_record_emit), but the
     * walk checks again so that a hand-made repr cannot send it out of bounds. */
    if (repr->records == NULL || *offset >= repr->records_len)
        return 0;
    size_t n = read_record(repr->records + *offset, repr->records_len - *offset, rec);
    if (n == 0)
        return 0;
    *offset += n;
    return 1;
}

int tapir_mld_record_emit(const struct tapir_mld_record *rec, uint8_t *buf, size_t cap)
{
    return group_record_emit(buf, cap, ADDR_LEN, rec->type, rec->aux_len, rec->num_sources,
                             rec->mcast_addr.bytes, rec->sources, rec->aux);
}

/* Length of the fields before sources/records/extra, ICMPv6 header included, or 0 for a
 * type and version that do not go together. */
static size_t fixed_len(const struct tapir_mld_repr *repr)
{
    switch (repr->type) {
    case TAPIR_ICMPV6_MLD_QUERY:
        if (repr->version == 1)
            return TAPIR_MLD_V1_LEN;
        return repr->version == 2 ? TAPIR_MLD_V2_QUERY_LEN : 0;
    case TAPIR_ICMPV6_MLD_REPORT:
    case TAPIR_ICMPV6_MLD_DONE:
        return repr->version == 1 ? TAPIR_MLD_V1_LEN : 0;
    case TAPIR_ICMPV6_MLD2_REPORT:
        return repr->version == 2 ? TAPIR_MLD_V2_REPORT_LEN : 0;
    default:
        return 0;
    }
}

static bool is_v2_query(const struct tapir_mld_repr *repr)
{
    return repr->type == TAPIR_ICMPV6_MLD_QUERY && repr->version == 2;
}

size_t tapir_mld_header_len(const struct tapir_mld_repr *repr)
{
    size_t len = fixed_len(repr) + repr->extra_len;
    if (is_v2_query(repr))
        len += (size_t)repr->num_sources * ADDR_LEN;
    if (repr->type == TAPIR_ICMPV6_MLD2_REPORT)
        len += repr->records_len;
    return len;
}

static void place(uint8_t *dst, const uint8_t *src, size_t len)
{
    if (len > 0 && src != NULL && src != dst)
        memmove(dst, src, len);
}

int tapir_mld_emit(const struct tapir_mld_repr *repr, const struct tapir_pseudo_header *ph,
                   uint8_t *buf, size_t cap)
{
    size_t fixed = fixed_len(repr);
    /* A v1 query with more bytes would read back as a v2 query (or as neither). */
    if (fixed == 0 ||
        (repr->type == TAPIR_ICMPV6_MLD_QUERY && repr->version == 1 && repr->extra_len > 0))
        return TAPIR_EINVAL;
    size_t total = tapir_mld_header_len(repr);
    if (cap < total)
        return TAPIR_ENOBUFS;

    struct tapir_icmpv6_repr icmp = {.type = repr->type, .code = repr->code};
    uint8_t *body = buf + TAPIR_ICMPV6_HEADER_LEN;
    size_t off = fixed; /* where sources/records and then extra go */
    if (repr->type == TAPIR_ICMPV6_MLD2_REPORT) {
        icmp.rest = (uint32_t)repr->reserved << 16 | repr->num_records;
        place(buf + off + repr->records_len, repr->extra, repr->extra_len);
        place(buf + off, repr->records, repr->records_len);
    } else {
        icmp.rest = (uint32_t)repr->max_resp_code << 16 | repr->reserved;
        if (is_v2_query(repr)) {
            size_t sources_len = (size_t)repr->num_sources * ADDR_LEN;
            place(buf + off + sources_len, repr->extra, repr->extra_len);
            place(buf + off, repr->sources, sources_len);
            body[16] = repr->qflags;
            body[17] = repr->qqic;
            store_be16(body + 18, repr->num_sources);
        } else {
            place(buf + off, repr->extra, repr->extra_len);
        }
        memcpy(body, repr->mcast_addr.bytes, ADDR_LEN);
    }
    icmp.data = NULL; /* in place */
    icmp.data_len = total - TAPIR_ICMPV6_HEADER_LEN;
    return tapir_icmpv6_emit(&icmp, ph, buf, cap);
}

uint32_t tapir_mld_max_resp_delay_ms(const struct tapir_mld_repr *repr)
{
    uint32_t code = repr->max_resp_code;
    /* RFC 3810 §5.1.3: from 32768 on, a floating-point value 1|exp(3)|mant(12). */
    if (repr->version == 1 || code < 32768)
        return code;
    return ((code & 0x0fff) | 0x1000) << (((code >> 12) & 0x7) + 3);
}

uint32_t tapir_mld_qqi_s(const struct tapir_mld_repr *repr)
{
    /* RFC 3810 §5.1.9: from 128 on, 1|exp(3)|mant(4). */
    return membership_code8(repr->qqic);
}

void tapir_mld_print(struct tapir_text *t, const struct tapir_mld_repr *repr)
{
    char a[TAPIR_IPV6_STRLEN];
    size_t len = tapir_mld_header_len(repr);
    const char *name = tapir_icmpv6_type_name(repr->type);
    tapir_text_printf(t, "ICMP6, %s", name ? name : "unknown");
    if (repr->type == TAPIR_ICMPV6_MLD2_REPORT) {
        tapir_text_printf(t, ", %u group record(s)", repr->num_records);
    } else if (repr->version == 2) {
        tapir_text_printf(t, " v2 [gaddr %s", tapir_ipv6_format(&repr->mcast_addr, a));
        if (repr->num_sources > 0)
            tapir_text_printf(t, ", %u source(s)", repr->num_sources);
        tapir_text_puts(t, "]");
    } else {
        /* sic: tcpdump 4.99's mld6_print() follows the type name with no space. */
        tapir_text_printf(t, "max resp delay: %u addr: %s", repr->max_resp_code,
                          tapir_ipv6_format(&repr->mcast_addr, a));
    }
    tapir_text_printf(t, ", length %zu", len);
}

static void print_sources(struct tapir_text *t, const uint8_t *sources, unsigned n,
                          const char *indent)
{
    char a[TAPIR_IPV6_STRLEN];
    if (sources == NULL)
        return;
    for (unsigned i = 0; i < n; i++) {
        struct tapir_ipv6_addr s = tapir_mld_source(sources, i);
        tapir_text_printf(t, "%ssource: %s\n", indent, tapir_ipv6_format(&s, a));
    }
}

void tapir_mld_print_verbose(struct tapir_text *t, const struct tapir_mld_repr *repr)
{
    char a[TAPIR_IPV6_STRLEN];
    static const char *const kind[] = {"query", "report", "done"};
    if (repr->type == TAPIR_ICMPV6_MLD2_REPORT)
        tapir_text_puts(t, "MLDv2 report\n");
    else if (repr->type >= TAPIR_ICMPV6_MLD_QUERY && repr->type <= TAPIR_ICMPV6_MLD_DONE)
        tapir_text_printf(t, "MLDv%u %s\n", repr->version,
                          kind[repr->type - TAPIR_ICMPV6_MLD_QUERY]);
    else
        tapir_text_printf(t, "MLD type %u\n", repr->type);
    tapir_text_printf(t, "  code: %u\n", repr->code);

    if (repr->type == TAPIR_ICMPV6_MLD2_REPORT) {
        tapir_text_printf(t, "  reserved: 0x%04x\n", repr->reserved);
        tapir_text_printf(t, "  records: %u\n", repr->num_records);
        size_t off = 0;
        struct tapir_mld_record rec;
        while (tapir_mld_record_next(repr, &off, &rec) > 0) {
            membership_print_record(t, rec.type, tapir_ipv6_format(&rec.mcast_addr, a),
                                    rec.num_sources, rec.aux_len);
            print_sources(t, rec.sources, rec.num_sources, "    ");
            membership_print_aux(t, rec.aux, rec.aux_len);
        }
    } else {
        if (repr->version == 2)
            tapir_text_printf(t, "  max response code: %u (%u ms)\n", repr->max_resp_code,
                              tapir_mld_max_resp_delay_ms(repr));
        else
            tapir_text_printf(t, "  max response delay: %u ms\n", repr->max_resp_code);
        tapir_text_printf(t, "  reserved: 0x%04x\n", repr->reserved);
        tapir_text_printf(t, "  multicast address: %s\n", tapir_ipv6_format(&repr->mcast_addr, a));
        if (repr->version == 2) {
            tapir_text_printf(t, "  flags: 0x%02x (S %u, QRV %u)\n", repr->qflags,
                              (repr->qflags & TAPIR_MLD_QUERY_S) ? 1u : 0u,
                              repr->qflags & TAPIR_MLD_QUERY_QRV_MASK);
            tapir_text_printf(t, "  QQIC: %u (%u s)\n", repr->qqic, tapir_mld_qqi_s(repr));
            tapir_text_printf(t, "  sources: %u\n", repr->num_sources);
            print_sources(t, repr->sources, repr->num_sources, "    ");
        }
    }
    if (repr->extra_len > 0)
        tapir_text_printf(t, "  additional data: %zu byte(s)\n", repr->extra_len);
}
