/* IGMP (RFC 2236, RFC 3376) against golden messages captured from Linux (tests/data/igmp_*.pcap,
 * see tests/data/capture/igmp.sh): parse queries, reports and leaves of every version, walk
 * the records, emit identical bytes (also from reprs built by hand), reject every truncation
 * and the malformed messages, print as tcpdump. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "golden.h"
#include "wire_slices.h"
#include "tapir/error.h"
#include "tapir/wire/igmp.h"

static struct tapir_ipv4_addr ipv4(const char *text)
{
    struct tapir_ipv4_addr a;
    assert_int_equal(tapir_ipv4_addr_parse(text, &a), 0);
    return a;
}

static void assert_ipv4(const struct tapir_ipv4_addr *a, const char *text)
{
    struct tapir_ipv4_addr want = ipv4(text);
    assert_memory_equal(a->bytes, want.bytes, 4);
}

/* IGMP travels with TTL 1 and the Router Alert option (RFC 2236 §2, RFC 3376 §4; Linux
 * writes 94 04 00 00) in a 24-byte header. */
static void check_igmp_ip(const struct wire_slice *m)
{
    const uint8_t *ip = m->frame + m->ip;
    assert_int_equal(ip[0], 0x46);
    assert_int_equal(ip[8], 1);
    assert_int_equal(ip[9], TAPIR_IP_PROTO_IGMP);
    static const uint8_t ra[4] = {0x94, 0x04, 0x00, 0x00};
    assert_memory_equal(ip + 20, ra, 4);
    assert_int_equal(m->offset, m->ip + 24);
}

static void load_igmp(const char *file, size_t index, struct wire_slice *m,
                      struct tapir_igmp_repr *igmp)
{
    golden_slice_file(file, index, TAPIR_LAYER_IGMP, m);
    check_igmp_ip(m);
    assert_int_equal(tapir_igmp_parse(m->bytes, m->len, true, igmp), 0);
}

static void assert_same(const struct tapir_igmp_repr *a, const struct tapir_igmp_repr *b)
{
    assert_int_equal(a->type, b->type);
    assert_int_equal(a->version, b->version);
    assert_int_equal(a->max_resp_code, b->max_resp_code);
    assert_memory_equal(&a->group, &b->group, 4);
    assert_int_equal(a->qflags, b->qflags);
    assert_int_equal(a->qqic, b->qqic);
    assert_int_equal(a->num_sources, b->num_sources);
    if (a->num_sources > 0)
        assert_memory_equal(a->sources, b->sources, 4 * (size_t)a->num_sources);
    assert_int_equal(a->reserved, b->reserved);
    assert_int_equal(a->num_records, b->num_records);
    assert_int_equal(a->records_len, b->records_len);
    if (a->records_len > 0)
        assert_memory_equal(a->records, b->records, a->records_len);
    assert_int_equal(a->extra_len, b->extra_len);
    assert_int_equal(a->checksum, b->checksum);
}

/* Every golden message: parse with the checksum; emit reproduces the bytes (0xa5 prefill:
 * nothing left unwritten) and parses back to the same repr; a short buffer is refused; every
 * truncation is refused (a v3 query cut to 8 bytes is a v2 query whose checksum fails, as
 * RFC 3376 §7.1 reads it); the one-line text is tcpdump's. */
static void check_message(const struct golden *g, size_t i, const void *arg)
{
    const char *const *lines = arg;
    struct wire_slice m;
    golden_slice(g, i, TAPIR_LAYER_IGMP, &m);
    check_igmp_ip(&m);
    struct tapir_igmp_repr igmp, igmp2;
    assert_int_equal(tapir_igmp_parse(m.bytes, m.len, true, &igmp), 0);
    assert_int_equal(tapir_igmp_header_len(&igmp), m.len);
    assert_int_equal(igmp.extra_len, 0);

    uint8_t *out = malloc(m.len + 4);
    memset(out, 0xa5, m.len + 4);
    assert_int_equal(tapir_igmp_emit(&igmp, out, m.len + 4), (int)m.len);
    assert_memory_equal(out, m.bytes, m.len);
    assert_int_equal(out[m.len], 0xa5);
    assert_int_equal(tapir_igmp_parse(out, m.len, true, &igmp2), 0);
    assert_same(&igmp, &igmp2);
    assert_int_equal(tapir_igmp_emit(&igmp, out, m.len - 1), TAPIR_ENOBUFS);
    free(out);

    for (size_t cut = 0; cut < m.len; cut++) {
        uint8_t *p = exact_copy(m.bytes, cut);
        int rc = tapir_igmp_parse(p, cut, true, &igmp2);
        bool v2_query = igmp.type == TAPIR_IGMP_QUERY && cut == 8;
        assert_int_equal(rc, v2_query ? TAPIR_EBADCHECKSUM : TAPIR_ETRUNCATED);
        rc = tapir_igmp_parse(p, cut, false, &igmp2);
        assert_int_equal(rc, v2_query ? 0 : TAPIR_ETRUNCATED);
        free(p);
    }
    assert_prints(tapir_igmp_print, &igmp, lines[i]);
    wire_slice_free(&m);
}

static void test_v1_golden(void **state)
{
    (void)state;
    static const char *const lines[] = {
        "igmp query v1",
        "igmp v1 report 239.1.2.4",
        "igmp v1 report 239.1.2.3",
        "igmp v1 report 239.1.2.3",
    };
    golden_each("igmp_v1.pcap", 4, check_message, lines);
    struct wire_slice m;
    struct tapir_igmp_repr igmp;
    load_igmp("igmp_v1.pcap", 0, &m, &igmp);
    assert_int_equal(igmp.type, TAPIR_IGMP_QUERY);
    assert_int_equal(igmp.version, 1);
    assert_int_equal(tapir_igmp_max_resp_time_ds(&igmp), 100);
    wire_slice_free(&m);
    load_igmp("igmp_v1.pcap", 1, &m, &igmp);
    assert_int_equal(igmp.type, TAPIR_IGMP_V1_REPORT);
    assert_int_equal(igmp.version, 1);
    assert_ipv4(&igmp.group, "239.1.2.4");
    struct tapir_igmp_repr r = {.type = TAPIR_IGMP_V1_REPORT, .version = 1, .group = igmp.group};
    uint8_t out[8];
    assert_int_equal(tapir_igmp_emit(&r, out, sizeof out), 8);
    assert_memory_equal(out, m.bytes, 8);
    wire_slice_free(&m);
}

static void test_v2_golden(void **state)
{
    (void)state;
    static const char *const lines[] = {
        "igmp query v2 [max resp time 10]", "igmp v2 report 239.1.2.4", "igmp v2 report 239.1.2.3",
        "igmp v2 report 239.1.2.3",         "igmp leave 239.1.2.3",
    };
    golden_each("igmp_v2.pcap", 5, check_message, lines);

    struct wire_slice m;
    struct tapir_igmp_repr igmp;
    load_igmp("igmp_v2.pcap", 0, &m, &igmp);
    assert_int_equal(igmp.version, 2);
    assert_int_equal(igmp.max_resp_code, 10);
    assert_int_equal(tapir_igmp_max_resp_time_ds(&igmp), 10);
    assert_ipv4(&igmp.group, "0.0.0.0");
    assert_prints(tapir_igmp_print_verbose, &igmp,
                  "IGMPv2 query\n"
                  "  checksum: 0xeef5\n"
                  "  max resp code: 10 (1.0 s)\n"
                  "  group: 0.0.0.0\n");
    wire_slice_free(&m);

    /* The leave, built by hand: exactly Linux's bytes. */
    load_igmp("igmp_v2.pcap", 4, &m, &igmp);
    assert_int_equal(igmp.type, TAPIR_IGMP_V2_LEAVE);
    assert_int_equal(m.frame[m.ip + 19], 2); /* to all-routers, 224.0.0.2 (RFC 2236 §3) */
    struct tapir_igmp_repr r = {
        .type = TAPIR_IGMP_V2_LEAVE, .version = 2, .group = ipv4("239.1.2.3")};
    uint8_t out[12];
    memset(out, 0xa5, sizeof out);
    assert_int_equal(tapir_igmp_emit(&r, out, sizeof out), 8);
    assert_memory_equal(out, m.bytes, 8);
    assert_int_equal(out[8], 0xa5);
    assert_prints(tapir_igmp_print_verbose, &igmp,
                  "IGMPv2 leave\n"
                  "  checksum: 0xf7fa\n"
                  "  unused: 0\n"
                  "  group: 239.1.2.3\n");
    wire_slice_free(&m);
}

static void test_v3_query_golden(void **state)
{
    (void)state;
    static const char *const lines[] = {
        "igmp query v3 [max resp time 1.0s]",
        "igmp v3 report, 2 group record(s)",
        "igmp query v3 [max resp time 1.0s] [gaddr 239.1.2.3, 2 source(s)]",
        "igmp v3 report, 1 group record(s)",
    };
    golden_each("igmp_v3_query.pcap", 4, check_message, lines);

    struct wire_slice m;
    struct tapir_igmp_repr igmp;
    load_igmp("igmp_v3_query.pcap", 0, &m, &igmp);
    assert_int_equal(igmp.version, 3);
    assert_int_equal(igmp.max_resp_code, 10);
    assert_int_equal(igmp.qflags, 2);
    assert_int_equal(igmp.qqic, 125);
    assert_int_equal(tapir_igmp_qqi_s(&igmp), 125);
    struct tapir_igmp_repr q = {
        .type = TAPIR_IGMP_QUERY, .version = 3, .max_resp_code = 10, .qflags = 2, .qqic = 125};
    uint8_t out[64];
    memset(out, 0xa5, sizeof out);
    assert_int_equal(tapir_igmp_emit(&q, out, sizeof out), 12);
    assert_memory_equal(out, m.bytes, 12);
    assert_int_equal(out[12], 0xa5);
    wire_slice_free(&m);

    /* The current-state report: is_ex {} for each joined group. */
    load_igmp("igmp_v3_query.pcap", 1, &m, &igmp);
    assert_int_equal(igmp.type, TAPIR_IGMP_V3_REPORT);
    assert_int_equal(igmp.num_records, 2);
    assert_int_equal(igmp.records_len, 16);
    assert_ptr_equal(igmp.records, m.bytes + 8);
    static const char *const groups[] = {"239.1.2.4", "239.1.2.3"};
    size_t off = 0, n = 0;
    struct tapir_igmp_record rec;
    while (tapir_igmp_record_next(&igmp, &off, &rec) > 0) {
        assert_true(n < 2);
        assert_int_equal(rec.type, TAPIR_IGMP_MODE_IS_EXCLUDE);
        assert_int_equal(rec.num_sources, 0);
        assert_ipv4(&rec.group, groups[n]);
        n++;
    }
    assert_int_equal(n, 2);
    assert_prints(tapir_igmp_print_verbose, &igmp,
                  "IGMPv3 report\n"
                  "  checksum: 0xf7f2\n"
                  "  reserved: 0x00 0x0000\n"
                  "  records: 2\n"
                  "  record: mode is exclude (is_ex) (2), 239.1.2.4, 0 source(s), aux data 0 "
                  "word(s)\n"
                  "  record: mode is exclude (is_ex) (2), 239.1.2.3, 0 source(s), aux data 0 "
                  "word(s)\n");
    /* Built by hand: the records written with record_emit at out + 8. */
    struct tapir_igmp_record r1 = {.type = TAPIR_IGMP_MODE_IS_EXCLUDE, .group = ipv4("239.1.2.4")};
    struct tapir_igmp_record r2 = {.type = TAPIR_IGMP_MODE_IS_EXCLUDE, .group = ipv4("239.1.2.3")};
    memset(out, 0xa5, sizeof out);
    assert_int_equal(tapir_igmp_record_emit(&r1, out + 8, 8), 8);
    assert_int_equal(tapir_igmp_record_emit(&r2, out + 16, 7), TAPIR_ENOBUFS);
    assert_int_equal(tapir_igmp_record_emit(&r2, out + 16, 8), 8);
    struct tapir_igmp_repr rep = {
        .type = TAPIR_IGMP_V3_REPORT, .version = 3, .num_records = 2, .records_len = 16};
    assert_int_equal(tapir_igmp_emit(&rep, out, sizeof out), 24);
    assert_memory_equal(out, m.bytes, 24);
    wire_slice_free(&m);

    /* The group-and-source-specific query. */
    load_igmp("igmp_v3_query.pcap", 2, &m, &igmp);
    assert_ipv4(&igmp.group, "239.1.2.3");
    assert_int_equal(igmp.num_sources, 2);
    assert_ptr_equal(igmp.sources, m.bytes + 12);
    struct tapir_ipv4_addr s1 = tapir_igmp_source(igmp.sources, 1);
    assert_ipv4(&s1, "192.168.69.2");
    assert_prints(tapir_igmp_print_verbose, &igmp,
                  "IGMPv3 query\n"
                  "  checksum: 0xf01c\n"
                  "  max resp code: 10 (1.0 s)\n"
                  "  group: 239.1.2.3\n"
                  "  flags: 0x02 (S 0, QRV 2)\n"
                  "  QQIC: 125 (125 s)\n"
                  "  sources: 2\n"
                  "    source: 192.168.69.1\n"
                  "    source: 192.168.69.2\n");
    uint8_t sources[8];
    struct tapir_ipv4_addr a1 = ipv4("192.168.69.1"), a2 = ipv4("192.168.69.2");
    memcpy(sources, a1.bytes, 4);
    memcpy(sources + 4, a2.bytes, 4);
    q.group = igmp.group;
    q.num_sources = 2;
    q.sources = sources;
    assert_int_equal(tapir_igmp_header_len(&q), 20);
    assert_int_equal(tapir_igmp_emit(&q, out, sizeof out), 20);
    assert_memory_equal(out, m.bytes, 20);
    wire_slice_free(&m);
}

static void test_v3_report_golden(void **state)
{
    (void)state;
    static const char *const lines[] = {
        "igmp v3 report, 1 group record(s)", "igmp v3 report, 1 group record(s)",
        "igmp v3 report, 1 group record(s)", "igmp v3 report, 1 group record(s)",
        "igmp v3 report, 1 group record(s)", "igmp v3 report, 1 group record(s)",
        "igmp v3 report, 1 group record(s)", "igmp v3 report, 1 group record(s)",
    };
    golden_each("igmp_v3_report.pcap", 8, check_message, lines);
    /* Join (to_ex {}), source-specific join (allow {s}), leave (to_in {}), leave (block {s}). */
    static const struct {
        uint8_t type;
        const char *group;
        uint16_t sources;
    } want[] = {{TAPIR_IGMP_CHANGE_TO_EXCLUDE, "239.1.2.3", 0},
                {TAPIR_IGMP_ALLOW_NEW_SOURCES, "232.1.1.1", 1},
                {TAPIR_IGMP_CHANGE_TO_INCLUDE, "239.1.2.3", 0},
                {TAPIR_IGMP_BLOCK_OLD_SOURCES, "232.1.1.1", 1}};
    for (size_t i = 0; i < 8; i++) {
        struct wire_slice m;
        struct tapir_igmp_repr igmp;
        load_igmp("igmp_v3_report.pcap", i, &m, &igmp);
        assert_int_equal(m.frame[m.ip + 19], 22); /* 224.0.0.22 (RFC 3376 §4.2.14) */
        size_t off = 0;
        struct tapir_igmp_record rec;
        assert_int_equal(tapir_igmp_record_next(&igmp, &off, &rec), 1);
        assert_int_equal(rec.type, want[i / 2].type);
        assert_ipv4(&rec.group, want[i / 2].group);
        assert_int_equal(rec.num_sources, want[i / 2].sources);
        if (rec.num_sources) {
            struct tapir_ipv4_addr s = tapir_igmp_source(rec.sources, 0);
            assert_ipv4(&s, "192.168.69.1");
        }
        assert_int_equal(tapir_igmp_record_next(&igmp, &off, &rec), 0);
        wire_slice_free(&m);
    }
}

/* Frame `index` of `file`, its IGMP byte `at` set to `value`, parsed without the checksum. */
static int parse_corrupted(const char *file, size_t index, size_t at, uint8_t value)
{
    struct wire_slice m;
    struct tapir_igmp_repr igmp;
    load_igmp(file, index, &m, &igmp);
    assert_true(at < m.len);
    m.bytes[at] = value;
    int rc = tapir_igmp_parse(m.bytes, m.len, false, &igmp);
    int with = tapir_igmp_parse(m.bytes, m.len, true, &igmp);
    /* With the checksum on, the corruption is caught first or by the same check. */
    assert_true(with == TAPIR_EBADCHECKSUM || with == rc);
    wire_slice_free(&m);
    return rc;
}

static void test_corruptions(void **state)
{
    (void)state;
    /* Unknown type; a query's group 0.0.0.0 or multicast; a report's/leave's multicast. */
    assert_int_equal(parse_corrupted("igmp_v2.pcap", 1, 0, 0x13), TAPIR_EINVAL);
    assert_int_equal(parse_corrupted("igmp_v2.pcap", 0, 4, 10), TAPIR_EBADFIELD);
    assert_int_equal(parse_corrupted("igmp_v2.pcap", 1, 4, 10), TAPIR_EBADFIELD);
    assert_int_equal(parse_corrupted("igmp_v2.pcap", 4, 4, 0), TAPIR_EBADFIELD);
    assert_int_equal(parse_corrupted("igmp_v1.pcap", 1, 4, 192), TAPIR_EBADFIELD);
    assert_int_equal(parse_corrupted("igmp_v3_query.pcap", 2, 4, 192), TAPIR_EBADFIELD);
    /* Counts that run past the end: sources of a query, records, a record's sources, aux. */
    assert_int_equal(parse_corrupted("igmp_v3_query.pcap", 2, 11, 3), TAPIR_ETRUNCATED);
    assert_int_equal(parse_corrupted("igmp_v3_query.pcap", 0, 10, 1), TAPIR_ETRUNCATED);
    assert_int_equal(parse_corrupted("igmp_v3_query.pcap", 1, 7, 3), TAPIR_ETRUNCATED);
    assert_int_equal(parse_corrupted("igmp_v3_report.pcap", 2, 11, 2), TAPIR_ETRUNCATED);
    assert_int_equal(parse_corrupted("igmp_v3_report.pcap", 2, 9, 1), TAPIR_ETRUNCATED);
    /* A checksum off by one bit. */
    struct wire_slice m;
    struct tapir_igmp_repr igmp;
    load_igmp("igmp_v2.pcap", 1, &m, &igmp);
    m.bytes[3] ^= 1;
    assert_int_equal(tapir_igmp_parse(m.bytes, m.len, true, &igmp), TAPIR_EBADCHECKSUM);
    assert_int_equal(tapir_igmp_parse(m.bytes, m.len, false, &igmp), 0);
    wire_slice_free(&m);

    /* Fewer records than there is room for: the rest is additional data, under the
     * checksum (RFC 3376 §4.1.2: the entire message). */
    load_igmp("igmp_v3_query.pcap", 1, &m, &igmp);
    m.bytes[7] = 1;
    assert_int_equal(tapir_igmp_parse(m.bytes, m.len, false, &igmp), 0);
    assert_int_equal(igmp.records_len, 8);
    assert_int_equal(igmp.extra_len, 8);
    assert_ptr_equal(igmp.extra, m.bytes + 16);
    uint8_t out[64];
    assert_int_equal(tapir_igmp_emit(&igmp, out, sizeof out), 24);
    assert_memory_equal(out + 4, m.bytes + 4, 20);
    assert_int_equal(tapir_igmp_parse(out, 24, true, &igmp), 0);
    wire_slice_free(&m);
}

static void test_additional_data(void **state)
{
    (void)state;
    /* A v2 report of 12 bytes (RFC 2236 §2.5: longer messages are accepted, the rest
     * ignored): kept for emit, shown by tcpdump as [len 12]. */
    struct wire_slice m;
    struct tapir_igmp_repr igmp;
    load_igmp("igmp_v2.pcap", 1, &m, &igmp);
    uint8_t msg[12];
    memcpy(msg, m.bytes, 8);
    memset(msg + 8, 0, 4);
    assert_int_equal(tapir_igmp_parse(msg, sizeof msg, true, &igmp), 0);
    assert_int_equal(igmp.extra_len, 4);
    assert_prints(tapir_igmp_print, &igmp, "igmp v2 report 239.1.2.4 [len 12]");
    uint8_t out[16];
    assert_int_equal(tapir_igmp_emit(&igmp, out, sizeof out), 12);
    assert_memory_equal(out, msg, 12);
    wire_slice_free(&m);
    /* A query of 9-11 bytes is no version at all (RFC 3376 §7.1). */
    load_igmp("igmp_v3_query.pcap", 0, &m, &igmp);
    for (size_t len = 9; len < 12; len++)
        assert_int_equal(tapir_igmp_parse(m.bytes, len, false, &igmp), TAPIR_ETRUNCATED);
    wire_slice_free(&m);
}

static void test_records_and_emit_errors(void **state)
{
    (void)state;
    uint8_t recs[64], aux[4] = {1, 2, 3, 4}, srcs[8];
    struct tapir_ipv4_addr s1 = ipv4("10.0.0.1"), s2 = ipv4("10.0.0.2");
    memcpy(srcs, s1.bytes, 4);
    memcpy(srcs + 4, s2.bytes, 4);
    struct tapir_igmp_record r1 = {.type = TAPIR_IGMP_MODE_IS_INCLUDE,
                                   .aux_len = 1,
                                   .num_sources = 2,
                                   .group = ipv4("232.0.0.1"),
                                   .sources = srcs,
                                   .aux = aux};
    assert_int_equal(tapir_igmp_record_len(&r1), 8 + 8 + 4);
    assert_int_equal(tapir_igmp_record_emit(&r1, recs, sizeof recs), 20);
    struct tapir_igmp_repr rep = {.type = TAPIR_IGMP_V3_REPORT,
                                  .version = 3,
                                  .num_records = 1,
                                  .records = recs,
                                  .records_len = 20};
    uint8_t out[64];
    assert_int_equal(tapir_igmp_emit(&rep, out, sizeof out), 28);
    struct tapir_igmp_repr igmp;
    assert_int_equal(tapir_igmp_parse(out, 28, true, &igmp), 0);
    assert_prints(tapir_igmp_print_verbose, &igmp,
                  "IGMPv3 report\n"
                  "  checksum: 0xdcf0\n"
                  "  reserved: 0x00 0x0000\n"
                  "  records: 1\n"
                  "  record: mode is include (is_in) (1), 232.0.0.1, 2 source(s), aux data 1 "
                  "word(s)\n"
                  "    source: 10.0.0.1\n"
                  "    source: 10.0.0.2\n"
                  "    aux data: 01020304\n");
    /* A hand-made repr whose records are shorter than they say: the walk stops. */
    rep.records_len = 19;
    size_t off = 0;
    struct tapir_igmp_record rec;
    assert_int_equal(tapir_igmp_record_next(&rep, &off, &rec), 0);

    /* Type/version pairs that do not go together; queries that would read back as another
     * version. */
    struct tapir_igmp_repr r = {.type = TAPIR_IGMP_V2_REPORT, .version = 3};
    assert_int_equal(tapir_igmp_emit(&r, out, sizeof out), TAPIR_EINVAL);
    r = (struct tapir_igmp_repr){.type = TAPIR_IGMP_V1_REPORT, .version = 2};
    assert_int_equal(tapir_igmp_emit(&r, out, sizeof out), TAPIR_EINVAL);
    r = (struct tapir_igmp_repr){.type = 0x42, .version = 2};
    assert_int_equal(tapir_igmp_emit(&r, out, sizeof out), TAPIR_EINVAL);
    r = (struct tapir_igmp_repr){.type = TAPIR_IGMP_QUERY, .version = 1, .max_resp_code = 10};
    assert_int_equal(tapir_igmp_emit(&r, out, sizeof out), TAPIR_EINVAL);
    r = (struct tapir_igmp_repr){.type = TAPIR_IGMP_QUERY, .version = 2};
    assert_int_equal(tapir_igmp_emit(&r, out, sizeof out), TAPIR_EINVAL);
    r.max_resp_code = 100;
    r.extra = aux;
    r.extra_len = 4;
    assert_int_equal(tapir_igmp_emit(&r, out, sizeof out), TAPIR_EINVAL);
    r.extra_len = 0;
    assert_int_equal(tapir_igmp_emit(&r, out, 7), TAPIR_ENOBUFS);
    assert_int_equal(tapir_igmp_emit(&r, out, 8), 8);
    assert_prints(tapir_igmp_print, &r, "igmp query v2");

    /* Max Resp Code and QQIC: linear below 128, then 1|exp(3)|mant(4) (RFC 3376 §4.1.1,
     * §4.1.7); tcpdump's text for long times. */
    struct tapir_igmp_repr q = {.type = TAPIR_IGMP_QUERY, .version = 3, .max_resp_code = 127};
    assert_int_equal(tapir_igmp_max_resp_time_ds(&q), 127);
    q.max_resp_code = 0x80;
    assert_int_equal(tapir_igmp_max_resp_time_ds(&q), 128);
    q.max_resp_code = 0xff;
    assert_int_equal(tapir_igmp_max_resp_time_ds(&q), 0x1fu << 10);
    assert_prints(tapir_igmp_print, &q, "igmp query v3 [max resp time 52m54s]");
    q.max_resp_code = 100;
    assert_prints(tapir_igmp_print, &q, "igmp query v3");
    q.qqic = 0x8f;
    assert_int_equal(tapir_igmp_qqi_s(&q), 248);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_v1_golden),
        cmocka_unit_test(test_v2_golden),
        cmocka_unit_test(test_v3_query_golden),
        cmocka_unit_test(test_v3_report_golden),
        cmocka_unit_test(test_corruptions),
        cmocka_unit_test(test_additional_data),
        cmocka_unit_test(test_records_and_emit_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
