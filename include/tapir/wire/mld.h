/* tapir — Multicast Listener Discovery: MLDv1 (RFC 2710) query, report and done, MLDv2
 * (RFC 3810) query and report.
 *
 * An MLD message is an ICMPv6 message (tapir/wire/icmpv6.h): parse the ICMPv6 header first
 * (verifying the checksum), then the body with tapir_mld_parse(). tapir_mld_emit() writes the
 * whole ICMPv6 message. No allocation: the sources of a query and the records of a report
 * stay in the message; parse() has walked and bounds-checked them all, and
 * tapir_mld_record_next() walks them again for the caller:
 *
 *     size_t off = 0;
 *     struct tapir_mld_record rec;
 *     while (tapir_mld_record_next(&mld, &off, &rec) > 0)
 *         ... rec.type, rec.mcast_addr, rec.num_sources, tapir_mld_source(rec.sources, i) ...
 *
 * To build a report, write the records with tapir_mld_record_emit() (at buf + 8, or anywhere:
 * emit() moves them into place) and set records/records_len/num_records.
 *
 * Version (RFC 3810 §8.1): a query of exactly 24 bytes is MLDv1, of 28 or more MLDv2; 25-27
 * bytes is neither and is TAPIR_ETRUNCATED. Reports of type 131 and done are MLDv1, type 143
 * is an MLDv2 report.
 *
 * Additional data after the fields a message defines is to be ignored by receivers
 * (RFC 3810 §5.1.12, §5.2.11); it is kept in `extra` so emit() reproduces the message.
 * The code field is ignored by receivers (RFC 2710 §3.2, RFC 3810 §5.1.2): kept, not checked.
 *
 * Left to the interface, as they need the IPv6 header (RFC 2710 §5 and §3, RFC 3810 §5 and
 * §6.2): a link-local source (or :: for some reports), hop limit 1, and the Router Alert
 * option in a Hop-by-Hop header.
 */
#ifndef TAPIR_WIRE_MLD_H
#define TAPIR_WIRE_MLD_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "tapir/addr.h"
#include "tapir/text.h"
#include "tapir/wire/checksum.h"
#include "tapir/wire/icmpv6.h"

#define TAPIR_MLD_V1_LEN         24   /* every MLDv1 message (RFC 2710 §3) */
#define TAPIR_MLD_V2_QUERY_LEN   28   /* MLDv2 query without sources (RFC 3810 §5.1) */
#define TAPIR_MLD_V2_REPORT_LEN  8    /* MLDv2 report without records (RFC 3810 §5.2) */
#define TAPIR_MLD_RECORD_LEN     20   /* a record without sources or aux data (§5.2.4) */
#define TAPIR_MLD_QUERY_S        0x08 /* Suppress Router-Side Processing (§5.1.7) */
#define TAPIR_MLD_QUERY_QRV_MASK 0x07 /* Querier's Robustness Variable (§5.1.8) */

/* Multicast Address Record types (RFC 3810 §5.2.12). */
enum tapir_mld_record_type {
    TAPIR_MLD_MODE_IS_INCLUDE = 1,
    TAPIR_MLD_MODE_IS_EXCLUDE = 2,
    TAPIR_MLD_CHANGE_TO_INCLUDE = 3,
    TAPIR_MLD_CHANGE_TO_EXCLUDE = 4,
    TAPIR_MLD_ALLOW_NEW_SOURCES = 5,
    TAPIR_MLD_BLOCK_OLD_SOURCES = 6,
};

struct tapir_mld_repr {
    uint8_t type;    /* TAPIR_ICMPV6_MLD_QUERY, _REPORT, _DONE or _MLD2_REPORT */
    uint8_t code;    /* sent as 0 */
    uint8_t version; /* 1 or 2, from type and length as above; emit() writes by it */
    /* Queries: Maximum Response Delay in ms (v1) or Maximum Response Code (v2, decode with
     * tapir_mld_max_resp_delay_ms); v1 report/done: the same field, sent as 0. Unused by v2
     * reports. */
    uint16_t max_resp_code;
    /* v1 messages and v2 queries: the 16 bits after max_resp_code; v2 report: the 16 bits
     * before the record count. */
    uint16_t reserved;
    struct tapir_ipv6_addr mcast_addr; /* v1 messages, v2 query (:: for a general query) */
    /* MLDv2 query (§5.1.7-5.1.10). */
    uint8_t qflags; /* reserved (4 bits) | S | QRV, as on the wire */
    uint8_t qqic;   /* Querier's Query Interval Code: decode with tapir_mld_qqi_s */
    uint16_t num_sources;
    const uint8_t *sources; /* num_sources addresses of 16 bytes */
    /* MLDv2 report (§5.2). */
    uint16_t num_records;
    const uint8_t *records; /* num_records records, records_len bytes in all */
    size_t records_len;
    /* Bytes after the message's fields (see above); NULL/0 when building a message. */
    const uint8_t *extra;
    size_t extra_len;
};

struct tapir_mld_record {
    uint8_t type;    /* enum tapir_mld_record_type; unknown types are to be ignored (§5.2.12) */
    uint8_t aux_len; /* aux data length, in 32-bit words */
    uint16_t num_sources;
    struct tapir_ipv6_addr mcast_addr;
    const uint8_t *sources; /* num_sources addresses of 16 bytes */
    const uint8_t *aux;     /* aux_len * 4 bytes */
};

/* Errors: TAPIR_EINVAL (not type 130-132 or 143), TAPIR_ETRUNCATED (shorter than the fixed
 * part, a query of 25-27 bytes, or sources/records running past the end as their counts
 * say), TAPIR_EBADFIELD (a query's address neither :: nor multicast, a v1 report's or
 * done's address not multicast; RFC 2710 §3.6, RFC 3810 §5.1.5). */
int tapir_mld_parse(const struct tapir_icmpv6_repr *icmp, struct tapir_mld_repr *out);

/* The whole message length, ICMPv6 header, sources/records and extra included. */
size_t tapir_mld_header_len(const struct tapir_mld_repr *repr);

/* Writes the whole ICMPv6 message, checksum computed with `ph` (0 when NULL). Sources,
 * records and extra are copied (memmove) unless already in place or NULL. Returns its length,
 * TAPIR_ENOBUFS, or TAPIR_EINVAL (bad type/version pair, an MLDv1 query with extra bytes,
 * which would read back as something else, or ph not IPv6). */
int tapir_mld_emit(const struct tapir_mld_repr *repr, const struct tapir_pseudo_header *ph,
                   uint8_t *buf, size_t cap);

/* The record at *offset (start at 0): fills `rec`, advances *offset and returns 1; returns 0
 * after the last record (num_records of them). Never reads outside the records. */
int tapir_mld_record_next(const struct tapir_mld_repr *repr, size_t *offset,
                          struct tapir_mld_record *rec);
size_t tapir_mld_record_len(const struct tapir_mld_record *rec);
/* Writes one record: sources and aux data are copied (memmove) from the record's pointers
 * unless already in place or NULL (the caller put them there). Returns its length or
 * TAPIR_ENOBUFS. */
int tapir_mld_record_emit(const struct tapir_mld_record *rec, uint8_t *buf, size_t cap);

/* The i-th address of a sources array (of a query or a record). */
static inline struct tapir_ipv6_addr tapir_mld_source(const uint8_t *sources, size_t i)
{
    struct tapir_ipv6_addr a;
    memcpy(a.bytes, sources + 16 * i, 16);
    return a;
}

/* Maximum Response Delay in ms: v1 the field itself; v2 decoded from the code (§5.1.3). */
uint32_t tapir_mld_max_resp_delay_ms(const struct tapir_mld_repr *repr);
/* Querier's Query Interval in seconds, decoded from QQIC (§5.1.9). */
uint32_t tapir_mld_qqi_s(const struct tapir_mld_repr *repr);

/* tcpdump's line, e.g. "ICMP6, multicast listener report v2, 1 group record(s), length 28",
 * "ICMP6, multicast listener query v2 [gaddr ff15::1234, 2 source(s)], length 60", and for
 * MLDv1 "ICMP6, multicast listener reportmax resp delay: 0 addr: ff15::1234, length 24"
 * (sic: tcpdump 4.99 writes no space before "max"). */
void tapir_mld_print(struct tapir_text *t, const struct tapir_mld_repr *repr);
/* "MLDv1 ..."/"MLDv2 ...", then every field, each source and each record. */
void tapir_mld_print_verbose(struct tapir_text *t, const struct tapir_mld_repr *repr);

#endif
