/* The Internet Group Management Protocol: IGMPv1/v2 (RFC 2236 §2) and IGMPv3 (RFC 3376 §4). */
#include <string.h>

#include "bytes.h"
#include "membership.h"
#include "tapir/error.h"
#include "tapir/wire/checksum.h"
#include "tapir/wire/igmp.h"

#define ADDR_LEN 4

static bool is_multicast(const struct tapir_ipv4_addr *a)
{
    return (a->bytes[0] & 0xf0) == 0xe0;
}

static bool is_zero(const struct tapir_ipv4_addr *a)
{
    return (a->bytes[0] | a->bytes[1] | a->bytes[2] | a->bytes[3]) == 0;
}

/* buf + off, or NULL when nothing is there (a hand-made repr may have no data at all). */
static const uint8_t *at(const uint8_t *buf, size_t off, size_t len)
{
    return off < len ? buf + off : NULL;
}

_Static_assert(TAPIR_IGMP_RECORD_LEN == GROUP_RECORD_TYPE_LEN + ADDR_LEN,
               "the fixed part of a record");

static size_t read_record(const uint8_t *p, size_t left, struct tapir_igmp_record *rec)
{
    return group_record_read(p, left, ADDR_LEN, &rec->type, &rec->aux_len, &rec->num_sources,
                             rec->group.bytes, &rec->sources, &rec->aux);
}

int tapir_igmp_parse(const uint8_t *buf, size_t len, bool verify_checksum,
                     struct tapir_igmp_repr *out)
{
    if (len < TAPIR_IGMP_V2_LEN)
        return TAPIR_ETRUNCATED;
    struct tapir_igmp_repr r;
    memset(&r, 0, sizeof r);
    r.type = buf[0];
    r.max_resp_code = buf[1];
    r.checksum = load_be16(buf + 2);

    switch (r.type) {
    case TAPIR_IGMP_QUERY:
        /* RFC 3376 §7.1: the length (and for 8 bytes the code) tells the version. */
        if (len > TAPIR_IGMP_V2_LEN && len < TAPIR_IGMP_V3_QUERY_LEN)
            return TAPIR_ETRUNCATED;
        if (len >= TAPIR_IGMP_V3_QUERY_LEN)
            r.version = 3;
        else
            r.version = r.max_resp_code == 0 ? 1 : 2;
        break;
    case TAPIR_IGMP_V1_REPORT:
        r.version = 1;
        break;
    case TAPIR_IGMP_V2_REPORT:
    case TAPIR_IGMP_V2_LEAVE:
        r.version = 2;
        break;
    case TAPIR_IGMP_V3_REPORT:
        r.version = 3;
        break;
    default:
        return TAPIR_EINVAL;
    }

    size_t off;
    if (r.type == TAPIR_IGMP_V3_REPORT) {
        /* §4.2: Reserved (16 bits), Number of Group Records (16 bits), the records. */
        r.reserved = load_be16(buf + 4);
        r.num_records = load_be16(buf + 6);
        off = TAPIR_IGMP_V3_REPORT_LEN;
        for (unsigned i = 0; i < r.num_records; i++) {
            struct tapir_igmp_record rec;
            size_t n = read_record(buf + off, len - off, &rec);
            if (n == 0)
                return TAPIR_ETRUNCATED;
            off += n;
        }
        r.records = at(buf, TAPIR_IGMP_V3_REPORT_LEN, off);
        r.records_len = off - TAPIR_IGMP_V3_REPORT_LEN;
    } else {
        memcpy(r.group.bytes, buf + 4, ADDR_LEN);
        off = TAPIR_IGMP_V2_LEN;
        if (r.version == 3) {
            /* §4.1.4-4.1.8: Resv|S|QRV, QQIC, Number of Sources, the sources. */
            r.qflags = buf[8];
            r.qqic = buf[9];
            r.num_sources = load_be16(buf + 10);
            off = TAPIR_IGMP_V3_QUERY_LEN;
            size_t sources_len = (size_t)r.num_sources * ADDR_LEN;
            if (len - off < sources_len)
                return TAPIR_ETRUNCATED;
            r.sources = at(buf, off, off + sources_len);
            off += sources_len;
        }
    }
    /* The checksum covers the whole IGMP message, extra bytes included (RFC 3376 §4.1.2:
     * "the entire IGMP message"). */
    if (verify_checksum && tapir_checksum(buf, len) != 0)
        return TAPIR_EBADCHECKSUM;

    if (r.type == TAPIR_IGMP_QUERY) {
        /* 0.0.0.0 in a general query, the group in a specific one (RFC 3376 §4.1.3). */
        if (!is_zero(&r.group) && !is_multicast(&r.group))
            return TAPIR_EBADFIELD;
    } else if (r.type != TAPIR_IGMP_V3_REPORT && !is_multicast(&r.group)) {
        return TAPIR_EBADFIELD; /* RFC 2236 §2.4: the group being reported or left */
    }
    r.extra = at(buf, off, len);
    r.extra_len = len - off;
    *out = r;
    return 0;
}

size_t tapir_igmp_record_len(const struct tapir_igmp_record *rec)
{
    return group_record_len(ADDR_LEN, rec->num_sources, rec->aux_len);
}

int tapir_igmp_record_next(const struct tapir_igmp_repr *repr, size_t *offset,
                           struct tapir_igmp_record *rec)
{
    /* Validated by parse (or written by tapir_igmp_record_emit), but checked again so that a
     * hand-made repr cannot send the walk out of bounds. */
    if (repr->records == NULL || *offset >= repr->records_len)
        return 0;
    size_t n = read_record(repr->records + *offset, repr->records_len - *offset, rec);
    if (n == 0)
        return 0;
    *offset += n;
    return 1;
}

int tapir_igmp_record_emit(const struct tapir_igmp_record *rec, uint8_t *buf, size_t cap)
{
    return group_record_emit(buf, cap, ADDR_LEN, rec->type, rec->aux_len, rec->num_sources,
                             rec->group.bytes, rec->sources, rec->aux);
}

/* Length of the fixed part, or 0 for a type and version that do not go together. */
static size_t fixed_len(const struct tapir_igmp_repr *repr)
{
    switch (repr->type) {
    case TAPIR_IGMP_QUERY:
        if (repr->version == 1 || repr->version == 2)
            return TAPIR_IGMP_V2_LEN;
        return repr->version == 3 ? TAPIR_IGMP_V3_QUERY_LEN : 0;
    case TAPIR_IGMP_V1_REPORT:
        return repr->version == 1 ? TAPIR_IGMP_V2_LEN : 0;
    case TAPIR_IGMP_V2_REPORT:
    case TAPIR_IGMP_V2_LEAVE:
        return repr->version == 2 ? TAPIR_IGMP_V2_LEN : 0;
    case TAPIR_IGMP_V3_REPORT:
        return repr->version == 3 ? TAPIR_IGMP_V3_REPORT_LEN : 0;
    default:
        return 0;
    }
}

static bool is_v3_query(const struct tapir_igmp_repr *repr)
{
    return repr->type == TAPIR_IGMP_QUERY && repr->version == 3;
}

size_t tapir_igmp_header_len(const struct tapir_igmp_repr *repr)
{
    size_t len = fixed_len(repr) + repr->extra_len;
    if (is_v3_query(repr))
        len += (size_t)repr->num_sources * ADDR_LEN;
    if (repr->type == TAPIR_IGMP_V3_REPORT)
        len += repr->records_len;
    return len;
}

static void place(uint8_t *dst, const uint8_t *src, size_t len)
{
    if (len > 0 && src != NULL && src != dst)
        memmove(dst, src, len);
}

int tapir_igmp_emit(const struct tapir_igmp_repr *repr, uint8_t *buf, size_t cap)
{
    size_t fixed = fixed_len(repr);
    if (fixed == 0)
        return TAPIR_EINVAL;
    if (repr->type == TAPIR_IGMP_QUERY && repr->version < 3 &&
        (repr->extra_len > 0 || (repr->version == 1) != (repr->max_resp_code == 0)))
        return TAPIR_EINVAL; /* it would read back as another version (RFC 3376 §7.1) */
    size_t total = tapir_igmp_header_len(repr);
    if (cap < total)
        return TAPIR_ENOBUFS;

    size_t off = fixed; /* where sources/records and then extra go */
    if (repr->type == TAPIR_IGMP_V3_REPORT) {
        place(buf + off + repr->records_len, repr->extra, repr->extra_len);
        place(buf + off, repr->records, repr->records_len);
        store_be16(buf + 4, repr->reserved);
        store_be16(buf + 6, repr->num_records);
    } else {
        if (is_v3_query(repr)) {
            size_t sources_len = (size_t)repr->num_sources * ADDR_LEN;
            place(buf + off + sources_len, repr->extra, repr->extra_len);
            place(buf + off, repr->sources, sources_len);
            buf[8] = repr->qflags;
            buf[9] = repr->qqic;
            store_be16(buf + 10, repr->num_sources);
        } else {
            place(buf + off, repr->extra, repr->extra_len);
        }
        memcpy(buf + 4, repr->group.bytes, ADDR_LEN);
    }
    buf[0] = repr->type;
    buf[1] = repr->max_resp_code;
    store_be16(buf + 2, 0);
    store_be16(buf + 2, tapir_checksum(buf, total));
    return (int)total;
}

uint32_t tapir_igmp_max_resp_time_ds(const struct tapir_igmp_repr *repr)
{
    if (repr->version == 1)
        return 100; /* RFC 2236 §4: a v1 query means 10 s */
    if (repr->version == 2)
        return repr->max_resp_code;
    /* RFC 3376 §4.1.1: from 128 on, a floating-point value 1|exp(3)|mant(4). */
    return membership_code8(repr->max_resp_code);
}

uint32_t tapir_igmp_qqi_s(const struct tapir_igmp_repr *repr)
{
    /* RFC 3376 §4.1.7: the same encoding as the Max Resp Code. */
    return membership_code8(repr->qqic);
}

/* tcpdump's unsigned_relts_print(): "1m40s", "0s". */
static void print_relts(struct tapir_text *t, uint32_t secs)
{
    static const uint32_t lengths[] = {31536000, 604800, 86400, 3600, 60, 1};
    static const char units[] = "ywdhms";
    if (secs == 0) {
        tapir_text_puts(t, "0s");
        return;
    }
    for (size_t i = 0; i < sizeof lengths / sizeof lengths[0]; i++) {
        if (secs >= lengths[i]) {
            tapir_text_printf(t, "%u%c", secs / lengths[i], units[i]);
            secs %= lengths[i];
        }
    }
}

void tapir_igmp_print(struct tapir_text *t, const struct tapir_igmp_repr *repr)
{
    char a[TAPIR_IPV4_STRLEN];
    size_t len = tapir_igmp_header_len(repr);
    tapir_ipv4_format(&repr->group, a);
    switch (repr->type) {
    case TAPIR_IGMP_QUERY:
        tapir_text_puts(t, "igmp query");
        if (repr->version == 3) {
            tapir_text_puts(t, " v3");
            uint32_t mrt = tapir_igmp_max_resp_time_ds(repr);
            if (repr->max_resp_code != 100) {
                tapir_text_puts(t, " [max resp time ");
                if (mrt < 600)
                    tapir_text_printf(t, "%u.%us", mrt / 10, mrt % 10);
                else
                    print_relts(t, mrt / 10);
                tapir_text_puts(t, "]");
            }
            if (is_zero(&repr->group))
                return;
            tapir_text_printf(t, " [gaddr %s", a);
            if (repr->num_sources > 0)
                tapir_text_printf(t, ", %u source(s)", repr->num_sources);
            tapir_text_puts(t, "]");
            return;
        }
        if (repr->version == 2) {
            tapir_text_puts(t, " v2");
            if (repr->max_resp_code != 100)
                tapir_text_printf(t, " [max resp time %u]", repr->max_resp_code);
        } else {
            tapir_text_puts(t, " v1");
        }
        if (!is_zero(&repr->group))
            tapir_text_printf(t, " [gaddr %s]", a);
        break;
    case TAPIR_IGMP_V1_REPORT:
        tapir_text_printf(t, "igmp v1 report %s", a);
        break;
    case TAPIR_IGMP_V2_REPORT:
        tapir_text_printf(t, "igmp v2 report %s", a);
        break;
    case TAPIR_IGMP_V2_LEAVE:
        tapir_text_printf(t, "igmp leave %s", a);
        break;
    case TAPIR_IGMP_V3_REPORT:
        tapir_text_printf(t, "igmp v3 report, %u group record(s)", repr->num_records);
        return;
    default:
        tapir_text_printf(t, "igmp-%u", repr->type);
        return;
    }
    if (len != TAPIR_IGMP_V2_LEN)
        tapir_text_printf(t, " [len %zu]", len);
}

static void print_sources(struct tapir_text *t, const uint8_t *sources, unsigned n,
                          const char *indent)
{
    char a[TAPIR_IPV4_STRLEN];
    if (sources == NULL)
        return;
    for (unsigned i = 0; i < n; i++) {
        struct tapir_ipv4_addr s = tapir_igmp_source(sources, i);
        tapir_text_printf(t, "%ssource: %s\n", indent, tapir_ipv4_format(&s, a));
    }
}

void tapir_igmp_print_verbose(struct tapir_text *t, const struct tapir_igmp_repr *repr)
{
    char a[TAPIR_IPV4_STRLEN];
    switch (repr->type) {
    case TAPIR_IGMP_QUERY:
        tapir_text_printf(t, "IGMPv%u query\n", repr->version);
        break;
    case TAPIR_IGMP_V1_REPORT:
    case TAPIR_IGMP_V2_REPORT:
    case TAPIR_IGMP_V3_REPORT:
        tapir_text_printf(t, "IGMPv%u report\n", repr->version);
        break;
    case TAPIR_IGMP_V2_LEAVE:
        tapir_text_puts(t, "IGMPv2 leave\n");
        break;
    default:
        tapir_text_printf(t, "IGMP type 0x%02x\n", repr->type);
        break;
    }
    tapir_text_printf(t, "  checksum: 0x%04x\n", repr->checksum);
    if (repr->type == TAPIR_IGMP_V3_REPORT) {
        tapir_text_printf(t, "  reserved: 0x%02x 0x%04x\n", repr->max_resp_code, repr->reserved);
        tapir_text_printf(t, "  records: %u\n", repr->num_records);
        size_t off = 0;
        struct tapir_igmp_record rec;
        while (tapir_igmp_record_next(repr, &off, &rec) > 0) {
            membership_print_record(t, rec.type, tapir_ipv4_format(&rec.group, a), rec.num_sources,
                                    rec.aux_len);
            print_sources(t, rec.sources, rec.num_sources, "    ");
            membership_print_aux(t, rec.aux, rec.aux_len);
        }
    } else {
        if (repr->type == TAPIR_IGMP_QUERY)
            tapir_text_printf(t, "  max resp code: %u (%u.%u s)\n", repr->max_resp_code,
                              tapir_igmp_max_resp_time_ds(repr) / 10,
                              tapir_igmp_max_resp_time_ds(repr) % 10);
        else
            tapir_text_printf(t, "  unused: %u\n", repr->max_resp_code);
        tapir_text_printf(t, "  group: %s\n", tapir_ipv4_format(&repr->group, a));
        if (repr->version == 3) {
            tapir_text_printf(t, "  flags: 0x%02x (S %u, QRV %u)\n", repr->qflags,
                              (repr->qflags & TAPIR_IGMP_QUERY_S) ? 1u : 0u,
                              repr->qflags & TAPIR_IGMP_QUERY_QRV_MASK);
            tapir_text_printf(t, "  QQIC: %u (%u s)\n", repr->qqic, tapir_igmp_qqi_s(repr));
            tapir_text_printf(t, "  sources: %u\n", repr->num_sources);
            print_sources(t, repr->sources, repr->num_sources, "    ");
        }
    }
    if (repr->extra_len > 0)
        tapir_text_printf(t, "  additional data: %zu byte(s)\n", repr->extra_len);
}
