/* tapir — the Internet Group Management Protocol: IGMPv1 (RFC 1112 appendix I), IGMPv2
 * (RFC 2236 §2) query, report and leave, IGMPv3 (RFC 3376 §4) query and report.
 *
 * An IGMP message is the payload of an IPv4 datagram of protocol 2. The checksum covers the
 * whole message (RFC 2236 §2.3, RFC 3376 §4.1.2): parse() verifies it unless asked not to,
 * emit() computes it. No allocation: the sources of a query and the group records of a
 * report stay in the message; parse() has walked and bounds-checked them all, and
 * tapir_igmp_record_next() walks them again for the caller:
 *
 *     size_t off = 0;
 *     struct tapir_igmp_record rec;
 *     while (tapir_igmp_record_next(&igmp, &off, &rec) > 0)
 *         ... rec.type, rec.group, rec.num_sources, tapir_igmp_source(rec.sources, i) ...
 *
 * To build a report, write the records with tapir_igmp_record_emit() (at buf + 8, or
 * anywhere: emit() moves them into place) and set records/records_len/num_records.
 *
 * Version of a query (RFC 3376 §7.1): 8 bytes with Max Resp Code 0 is IGMPv1, 8 bytes with a
 * non-zero code IGMPv2, 12 or more bytes IGMPv3; 9-11 bytes is none of them ("MUST be
 * silently ignored") and parses as TAPIR_ETRUNCATED. Reports: type 0x12 is IGMPv1, 0x16
 * IGMPv2, 0x22 IGMPv3; 0x17 (leave) is IGMPv2.
 *
 * Bytes after the fields a message defines are to be ignored (RFC 2236 §2.5, RFC 3376
 * §4.1.10, §4.2.16); they are kept in `extra` so emit() reproduces the message.
 *
 * Left to the interface, as they need the IPv4 header (RFC 2236 §2, RFC 3376 §4): TTL 1,
 * the Router Alert option (RFC 2113), and the destinations (224.0.0.22 for IGMPv3 reports,
 * 224.0.0.2 for leaves, the group for v1/v2 reports).
 */
#ifndef TAPIR_WIRE_IGMP_H
#define TAPIR_WIRE_IGMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "tapir/addr.h"
#include "tapir/text.h"

#define TAPIR_IGMP_V2_LEN         8    /* every IGMPv1/v2 message (RFC 2236 §2) */
#define TAPIR_IGMP_V3_QUERY_LEN   12   /* IGMPv3 query without sources (RFC 3376 §4.1) */
#define TAPIR_IGMP_V3_REPORT_LEN  8    /* IGMPv3 report without records (RFC 3376 §4.2) */
#define TAPIR_IGMP_RECORD_LEN     8    /* a group record without sources or aux data */
#define TAPIR_IGMP_QUERY_S        0x08 /* Suppress Router-Side Processing (§4.1.5) */
#define TAPIR_IGMP_QUERY_QRV_MASK 0x07 /* Querier's Robustness Variable (§4.1.6) */

/* Message types (RFC 3376 §4, RFC 2236 §2.1). */
enum tapir_igmp_type {
    TAPIR_IGMP_QUERY = 0x11,
    TAPIR_IGMP_V1_REPORT = 0x12,
    TAPIR_IGMP_V2_REPORT = 0x16,
    TAPIR_IGMP_V2_LEAVE = 0x17,
    TAPIR_IGMP_V3_REPORT = 0x22,
};

/* Group record types (RFC 3376 §4.2.12): the same numbers as MLDv2's. */
enum tapir_igmp_record_type {
    TAPIR_IGMP_MODE_IS_INCLUDE = 1,
    TAPIR_IGMP_MODE_IS_EXCLUDE = 2,
    TAPIR_IGMP_CHANGE_TO_INCLUDE = 3,
    TAPIR_IGMP_CHANGE_TO_EXCLUDE = 4,
    TAPIR_IGMP_ALLOW_NEW_SOURCES = 5,
    TAPIR_IGMP_BLOCK_OLD_SOURCES = 6,
};

struct tapir_igmp_repr {
    uint8_t type;    /* enum tapir_igmp_type */
    uint8_t version; /* 1, 2 or 3, from type and length as above; emit() writes by it */
    /* The second byte: a query's Max Resp Code (v2: tenths of a second; v3: decode with
     * tapir_igmp_max_resp_time_ds; v1: 0), "unused" in v1/v2 reports and leaves, Reserved
     * in a v3 report. Sent as 0 where unused. */
    uint8_t max_resp_code;
    /* v1/v2 messages and v3 queries: the group (0.0.0.0 in a general query). */
    struct tapir_ipv4_addr group;
    /* IGMPv3 query (§4.1.5-4.1.8). */
    uint8_t qflags; /* Resv (4 bits) | S | QRV, as on the wire */
    uint8_t qqic;   /* Querier's Query Interval Code: decode with tapir_igmp_qqi_s */
    uint16_t num_sources;
    const uint8_t *sources; /* num_sources addresses of 4 bytes */
    /* IGMPv3 report (§4.2). */
    uint16_t reserved; /* the 16 bits before the record count */
    uint16_t num_records;
    const uint8_t *records; /* num_records records, records_len bytes in all */
    size_t records_len;
    /* Bytes after the message's fields (see above); NULL/0 when building a message. */
    const uint8_t *extra;
    size_t extra_len;
    uint16_t checksum; /* as received (parse); emit() computes its own */
};

struct tapir_igmp_record {
    uint8_t type;    /* enum tapir_igmp_record_type; unknown types are ignored (§4.2.12) */
    uint8_t aux_len; /* aux data length, in 32-bit words */
    uint16_t num_sources;
    struct tapir_ipv4_addr group;
    const uint8_t *sources; /* num_sources addresses of 4 bytes */
    const uint8_t *aux;     /* aux_len * 4 bytes */
};

/* Parses the IGMP message in buf[len] (the IPv4 payload, up to its total length). With
 * `verify_checksum` false the checksum is not checked (to show a damaged message). Errors:
 * TAPIR_ETRUNCATED (shorter than 8 bytes, a query of 9-11 bytes, a v3 report or query whose
 * sources/records run past the end as their counts say), TAPIR_EBADCHECKSUM,
 * TAPIR_EINVAL (a type not listed above), TAPIR_EBADFIELD (a query's group neither 0.0.0.0
 * nor multicast, a report's or leave's group not multicast; RFC 2236 §2.4, RFC 3376 §4.1.3). */
int tapir_igmp_parse(const uint8_t *buf, size_t len, bool verify_checksum,
                     struct tapir_igmp_repr *out);

/* The whole message length: fixed part, sources/records and extra. */
size_t tapir_igmp_header_len(const struct tapir_igmp_repr *repr);

/* Writes the whole message with its checksum. Sources, records and extra are copied
 * (memmove) unless already in place or NULL. Returns its length, TAPIR_ENOBUFS, or
 * TAPIR_EINVAL (a type/version pair that does not go together, a v1/v2 query with extra
 * bytes, which would read back as a v3 query or as nothing, a v1 query with a non-zero Max
 * Resp Code or a v2 query with a zero one, which would read back as the other version). */
int tapir_igmp_emit(const struct tapir_igmp_repr *repr, uint8_t *buf, size_t cap);

/* The record at *offset (start at 0): fills `rec`, advances *offset and returns 1; returns 0
 * after the last record. Never reads outside the records. */
int tapir_igmp_record_next(const struct tapir_igmp_repr *repr, size_t *offset,
                           struct tapir_igmp_record *rec);
size_t tapir_igmp_record_len(const struct tapir_igmp_record *rec);
/* Writes one record: sources and aux data are copied (memmove) from the record's pointers
 * unless already in place or NULL (the caller put them there). Returns its length or
 * TAPIR_ENOBUFS. */
int tapir_igmp_record_emit(const struct tapir_igmp_record *rec, uint8_t *buf, size_t cap);

/* The i-th address of a sources array (of a query or a record). */
static inline struct tapir_ipv4_addr tapir_igmp_source(const uint8_t *sources, size_t i)
{
    struct tapir_ipv4_addr a;
    memcpy(a.bytes, sources + 4 * i, 4);
    return a;
}

/* Max Resp Time in tenths of a second: v2 the code itself, v3 decoded (RFC 3376 §4.1.1:
 * from 128 on 1|exp(3)|mant(4)); v1 queries have none and give 100 (10 s, RFC 2236 §4). */
uint32_t tapir_igmp_max_resp_time_ds(const struct tapir_igmp_repr *repr);
/* Querier's Query Interval in seconds, decoded from QQIC (RFC 3376 §4.1.7). */
uint32_t tapir_igmp_qqi_s(const struct tapir_igmp_repr *repr);

/* tcpdump 4.99's words: "igmp query v1", "igmp query v2 [max resp time 10]" (v2: the raw
 * code, left out when it is 100), "igmp query v3 [max resp time 1.0s] [gaddr 239.1.2.3,
 * 2 source(s)]" (v3: the decoded time, left out at 10 s), "igmp v1 report 239.1.2.3",
 * "igmp v2 report 239.1.2.3", "igmp leave 239.1.2.3", "igmp v3 report, 1 group record(s)";
 * " [len N]" after a v1/v2 message longer than 8 bytes. */
void tapir_igmp_print(struct tapir_text *t, const struct tapir_igmp_repr *repr);
/* "IGMPv3 report" etc., then every field, each source and each record. */
void tapir_igmp_print_verbose(struct tapir_text *t, const struct tapir_igmp_repr *repr);

#endif
