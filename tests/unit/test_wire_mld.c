/* Multicast Listener Discovery (RFC 2710, RFC 3810) against golden messages captured from
 * Linux (tests/data/mld_*.pcap, see tests/data/capture/icmpv6_ndp.sh): parse queries,
 * reports and done, walk the records, emit identical bytes (also from reprs built by hand),
 * reject every truncation and the malformed messages, print as tcpdump. */
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
#include "tapir/wire/icmpv6.h"
#include "tapir/wire/mld.h"

/* MLD travels with hop limit 1 (the interface checks it), behind a Hop-by-Hop header that
 * carries the Router Alert option (RFC 2711); the message follows that header. */
static void check_mld_ip(const struct wire_slice *m)
{
    const uint8_t *ip = m->frame + m->ip;
    assert_int_equal(ip[6], 0); /* Hop-by-Hop */
    assert_int_equal(ip[7], 1);
    assert_int_equal(ip[40], TAPIR_IP_PROTO_ICMPV6);
    assert_int_equal(ip[42], 5); /* Router Alert */
    assert_int_equal(m->offset, m->ip + 40 + ((size_t)ip[41] + 1) * 8);
}

/* MLD message `index` of `file`, its IPv6 header checked, parsed with the checksum. */
static void load_mld(const char *file, size_t index, struct wire_slice *m,
                     struct tapir_mld_repr *mld)
{
    golden_slice_file(file, index, TAPIR_LAYER_ICMPV6, m);
    check_mld_ip(m);
    struct tapir_icmpv6_repr icmp;
    assert_int_equal(tapir_icmpv6_parse(m->bytes, m->len, &m->ph, &icmp), 0);
    assert_int_equal(tapir_mld_parse(&icmp, mld), 0);
}

/* MLD parse of raw bytes, checksum not verified (for corrupted copies). */
static int parse_raw(const uint8_t *buf, size_t len, struct tapir_mld_repr *mld)
{
    struct tapir_icmpv6_repr icmp;
    int rc = tapir_icmpv6_parse(buf, len, NULL, &icmp);
    return rc != 0 ? rc : tapir_mld_parse(&icmp, mld);
}

static void assert_same(const struct tapir_mld_repr *a, const struct tapir_mld_repr *b)
{
    assert_int_equal(a->type, b->type);
    assert_int_equal(a->code, b->code);
    assert_int_equal(a->version, b->version);
    assert_int_equal(a->max_resp_code, b->max_resp_code);
    assert_int_equal(a->reserved, b->reserved);
    assert_memory_equal(&a->mcast_addr, &b->mcast_addr, 16);
    assert_int_equal(a->qflags, b->qflags);
    assert_int_equal(a->qqic, b->qqic);
    assert_int_equal(a->num_sources, b->num_sources);
    if (a->num_sources > 0)
        assert_memory_equal(a->sources, b->sources, 16 * (size_t)a->num_sources);
    assert_int_equal(a->num_records, b->num_records);
    assert_int_equal(a->records_len, b->records_len);
    if (a->records_len > 0)
        assert_memory_equal(a->records, b->records, a->records_len);
    assert_int_equal(a->extra_len, b->extra_len);
}

/* Every golden message: parse; emit with the pseudo-header reproduces the bytes (and
 * without, all but a zero checksum); parse back to the same repr; a short buffer is refused;
 * every truncation is refused by the checksum, and without it by the MLD parser (a query cut
 * to 24 bytes reads as an MLDv1 query, as RFC 3810 §8.1 says); the one-line text is
 * tcpdump's, from both printers. */
static void check_message(const struct golden *g, size_t i, const void *arg)
{
    const char *const *lines = arg;
    struct wire_slice m;
    golden_slice(g, i, TAPIR_LAYER_ICMPV6, &m);
    check_mld_ip(&m);
    struct tapir_icmpv6_repr icmp;
    struct tapir_mld_repr mld, mld2;
    assert_int_equal(tapir_icmpv6_parse(m.bytes, m.len, &m.ph, &icmp), 0);
    assert_int_equal(tapir_mld_parse(&icmp, &mld), 0);
    assert_int_equal(tapir_mld_header_len(&mld), m.len);
    assert_int_equal(mld.extra_len, 0);

    uint8_t *out = malloc(m.len);
    memset(out, 0xa5, m.len);
    assert_int_equal(tapir_mld_emit(&mld, &m.ph, out, m.len), (int)m.len);
    assert_memory_equal(out, m.bytes, m.len);
    assert_int_equal(parse_raw(out, m.len, &mld2), 0);
    assert_same(&mld, &mld2);
    memset(out, 0xa5, m.len);
    assert_int_equal(tapir_mld_emit(&mld, NULL, out, m.len), (int)m.len);
    assert_int_equal(out[2] | out[3], 0);
    assert_memory_equal(out + 4, m.bytes + 4, m.len - 4);
    assert_int_equal(tapir_mld_emit(&mld, &m.ph, out, m.len - 1), TAPIR_ENOBUFS);
    free(out);

    for (size_t cut = 0; cut < m.len; cut++) {
        uint8_t *p = exact_copy(m.bytes, cut);
        assert_int_equal(tapir_icmpv6_parse(p, cut, &m.ph, &icmp),
                         cut < 8 ? TAPIR_ETRUNCATED : TAPIR_EBADCHECKSUM);
        bool v1_query = mld.type == TAPIR_ICMPV6_MLD_QUERY && cut == TAPIR_MLD_V1_LEN;
        assert_int_equal(parse_raw(p, cut, &mld2), v1_query ? 0 : TAPIR_ETRUNCATED);
        if (v1_query)
            assert_int_equal(mld2.version, 1);
        free(p);
    }

    assert_prints(tapir_mld_print, &mld, lines[i]);
    assert_int_equal(tapir_icmpv6_parse(m.bytes, m.len, &m.ph, &icmp), 0);
    assert_prints(tapir_icmpv6_print, &icmp, lines[i]);
    wire_slice_free(&m);
}

static void test_v1_golden(void **state)
{
    (void)state;
    static const char *const lines[] = {
        "ICMP6, multicast listener querymax resp delay: 500 addr: ::, length 24",
        "ICMP6, multicast listener reportmax resp delay: 0 addr: ff02::1:ff00:100, length 24",
        "ICMP6, multicast listener reportmax resp delay: 0 addr: ff02::1:ff00:2, length 24",
        "ICMP6, multicast listener reportmax resp delay: 0 addr: ff15::1234, length 24",
        "ICMP6, multicast listener reportmax resp delay: 0 addr: ff15::1234, length 24",
        "ICMP6, multicast listener donemax resp delay: 0 addr: ff15::1234, length 24",
    };
    golden_each("mld_v1.pcap", 6, check_message, lines);

    struct wire_slice m;
    struct tapir_mld_repr mld;
    load_mld("mld_v1.pcap", 0, &m, &mld);
    assert_int_equal(mld.type, TAPIR_ICMPV6_MLD_QUERY);
    assert_int_equal(mld.version, 1);
    assert_int_equal(mld.max_resp_code, 500);
    assert_int_equal(tapir_mld_max_resp_delay_ms(&mld), 500);
    assert_ipv6_addr(&mld.mcast_addr, "::");
    assert_prints(tapir_mld_print_verbose, &mld,
                  "MLDv1 query\n"
                  "  code: 0\n"
                  "  max response delay: 500 ms\n"
                  "  reserved: 0x0000\n"
                  "  multicast address: ::\n");
    /* Built by hand: scapy's query exactly. */
    struct tapir_mld_repr q = {.type = TAPIR_ICMPV6_MLD_QUERY, .version = 1, .max_resp_code = 500};
    uint8_t out[24];
    assert_int_equal(tapir_mld_emit(&q, &m.ph, out, sizeof out), 24);
    assert_memory_equal(out, m.bytes, 24);
    wire_slice_free(&m);

    load_mld("mld_v1.pcap", 3, &m, &mld);
    assert_int_equal(mld.type, TAPIR_ICMPV6_MLD_REPORT);
    assert_int_equal(mld.version, 1);
    assert_int_equal(mld.max_resp_code, 0);
    assert_ipv6_addr(&mld.mcast_addr, "ff15::1234");
    assert_memory_equal(m.ph.dst.v6.bytes, mld.mcast_addr.bytes, 16); /* sent to the group */
    struct tapir_mld_repr report = {
        .type = TAPIR_ICMPV6_MLD_REPORT, .version = 1, .mcast_addr = ipv6_addr("ff15::1234")};
    assert_int_equal(tapir_mld_emit(&report, &m.ph, out, sizeof out), 24);
    assert_memory_equal(out, m.bytes, 24);
    wire_slice_free(&m);

    load_mld("mld_v1.pcap", 5, &m, &mld);
    assert_int_equal(mld.type, TAPIR_ICMPV6_MLD_DONE);
    assert_ipv6_addr(&mld.mcast_addr, "ff15::1234");
    assert_ipv6_addr(&m.ph.dst.v6, "ff02::2"); /* all routers */
    assert_prints(tapir_mld_print_verbose, &mld,
                  "MLDv1 done\n"
                  "  code: 0\n"
                  "  max response delay: 0 ms\n"
                  "  reserved: 0x0000\n"
                  "  multicast address: ff15::1234\n");
    wire_slice_free(&m);
}

static void test_v2_query_golden(void **state)
{
    (void)state;
    static const char *const lines[] = {
        "ICMP6, multicast listener query v2 [gaddr ::], length 28",
        "ICMP6, multicast listener report v2, 4 group record(s), length 88",
        "ICMP6, multicast listener query v2 [gaddr ff15::1234, 2 source(s)], length 60",
        "ICMP6, multicast listener report v2, 1 group record(s), length 28",
    };
    golden_each("mld_v2_query.pcap", 4, check_message, lines);

    struct wire_slice m;
    struct tapir_mld_repr mld;
    load_mld("mld_v2_query.pcap", 0, &m, &mld);
    assert_int_equal(mld.type, TAPIR_ICMPV6_MLD_QUERY);
    assert_int_equal(mld.version, 2);
    assert_int_equal(mld.max_resp_code, 500);
    assert_int_equal(tapir_mld_max_resp_delay_ms(&mld), 500);
    assert_ipv6_addr(&mld.mcast_addr, "::");
    assert_int_equal(mld.qflags, 2); /* S 0, QRV 2 */
    assert_int_equal(mld.qqic, 125);
    assert_int_equal(tapir_mld_qqi_s(&mld), 125);
    assert_int_equal(mld.num_sources, 0);
    assert_prints(tapir_mld_print_verbose, &mld,
                  "MLDv2 query\n"
                  "  code: 0\n"
                  "  max response code: 500 (500 ms)\n"
                  "  reserved: 0x0000\n"
                  "  multicast address: ::\n"
                  "  flags: 0x02 (S 0, QRV 2)\n"
                  "  QQIC: 125 (125 s)\n"
                  "  sources: 0\n");
    struct tapir_mld_repr q = {.type = TAPIR_ICMPV6_MLD_QUERY,
                               .version = 2,
                               .max_resp_code = 500,
                               .qflags = 2,
                               .qqic = 125};
    uint8_t out[64];
    memset(out, 0xa5, sizeof out);
    assert_int_equal(tapir_mld_emit(&q, &m.ph, out, sizeof out), 28);
    assert_memory_equal(out, m.bytes, 28);
    assert_int_equal(out[28], 0xa5);
    wire_slice_free(&m);

    /* The current-state report answering it: one is_ex record per group. */
    load_mld("mld_v2_query.pcap", 1, &m, &mld);
    assert_int_equal(mld.type, TAPIR_ICMPV6_MLD2_REPORT);
    assert_int_equal(mld.num_records, 4);
    assert_int_equal(mld.records_len, 80);
    assert_ptr_equal(mld.records, m.bytes + 8);
    static const char *const groups[] = {"ff15::5678", "ff15::1234", "ff02::1:ff00:100",
                                         "ff02::1:ff00:2"};
    size_t off = 0, n = 0;
    struct tapir_mld_record rec;
    while (tapir_mld_record_next(&mld, &off, &rec) > 0) {
        assert_true(n < 4);
        assert_int_equal(rec.type, TAPIR_MLD_MODE_IS_EXCLUDE);
        assert_int_equal(rec.aux_len, 0);
        assert_int_equal(rec.num_sources, 0);
        assert_ipv6_addr(&rec.mcast_addr, groups[n]);
        assert_int_equal(tapir_mld_record_len(&rec), 20);
        n++;
    }
    assert_int_equal(n, 4);
    assert_int_equal(off, 80);
    assert_int_equal(tapir_mld_record_next(&mld, &off, &rec), 0);
    assert_prints(tapir_mld_print_verbose, &mld,
                  "MLDv2 report\n"
                  "  code: 0\n"
                  "  reserved: 0x0000\n"
                  "  records: 4\n"
                  "  record: mode is exclude (is_ex) (2), ff15::5678, 0 source(s), aux "
                  "data 0 word(s)\n"
                  "  record: mode is exclude (is_ex) (2), ff15::1234, 0 source(s), aux "
                  "data 0 word(s)\n"
                  "  record: mode is exclude (is_ex) (2), ff02::1:ff00:100, 0 source(s), "
                  "aux data 0 word(s)\n"
                  "  record: mode is exclude (is_ex) (2), ff02::1:ff00:2, 0 source(s), "
                  "aux data 0 word(s)\n");
    wire_slice_free(&m);

    /* A group-and-source-specific query. */
    load_mld("mld_v2_query.pcap", 2, &m, &mld);
    assert_ipv6_addr(&mld.mcast_addr, "ff15::1234");
    assert_int_equal(mld.num_sources, 2);
    assert_ptr_equal(mld.sources, m.bytes + 28);
    struct tapir_ipv6_addr s1 = tapir_mld_source(mld.sources, 1);
    assert_ipv6_addr(&s1, "fdaa::2");
    assert_prints(tapir_mld_print_verbose, &mld,
                  "MLDv2 query\n"
                  "  code: 0\n"
                  "  max response code: 500 (500 ms)\n"
                  "  reserved: 0x0000\n"
                  "  multicast address: ff15::1234\n"
                  "  flags: 0x02 (S 0, QRV 2)\n"
                  "  QQIC: 125 (125 s)\n"
                  "  sources: 2\n"
                  "    source: fdaa::1\n"
                  "    source: fdaa::2\n");
    uint8_t sources[32];
    struct tapir_ipv6_addr a1 = ipv6_addr("fdaa::1"), a2 = ipv6_addr("fdaa::2");
    memcpy(sources, a1.bytes, 16);
    memcpy(sources + 16, a2.bytes, 16);
    q.mcast_addr = mld.mcast_addr;
    q.num_sources = 2;
    q.sources = sources;
    assert_int_equal(tapir_mld_header_len(&q), 60);
    assert_int_equal(tapir_mld_emit(&q, &m.ph, out, sizeof out), 60);
    assert_memory_equal(out, m.bytes, 60);
    wire_slice_free(&m);
}

static void test_v2_report_golden(void **state)
{
    (void)state;
    static const char *const lines[] = {
        "ICMP6, multicast listener report v2, 1 group record(s), length 28",
        "ICMP6, multicast listener report v2, 1 group record(s), length 28",
        "ICMP6, multicast listener report v2, 1 group record(s), length 44",
        "ICMP6, multicast listener report v2, 1 group record(s), length 44",
        "ICMP6, multicast listener report v2, 1 group record(s), length 28",
        "ICMP6, multicast listener report v2, 1 group record(s), length 28",
        "ICMP6, multicast listener report v2, 1 group record(s), length 44",
        "ICMP6, multicast listener report v2, 1 group record(s), length 44",
    };
    golden_each("mld_v2_report.pcap", 8, check_message, lines);

    /* Join, source-specific join, leave, source-specific leave; each sent twice. */
    static const struct {
        uint8_t type;
        const char *group;
        uint16_t sources;
    } want[] = {
        {TAPIR_MLD_CHANGE_TO_EXCLUDE, "ff15::1234", 0},
        {TAPIR_MLD_ALLOW_NEW_SOURCES, "ff35::1234", 1},
        {TAPIR_MLD_CHANGE_TO_INCLUDE, "ff15::1234", 0},
        {TAPIR_MLD_BLOCK_OLD_SOURCES, "ff35::1234", 1},
    };
    for (size_t i = 0; i < 8; i++) {
        struct wire_slice m;
        struct tapir_mld_repr mld;
        load_mld("mld_v2_report.pcap", i, &m, &mld);
        assert_ipv6_addr(&m.ph.dst.v6, "ff02::16"); /* all MLDv2-capable routers */
        assert_int_equal(mld.version, 2);
        assert_int_equal(mld.num_records, 1);
        size_t off = 0;
        struct tapir_mld_record rec;
        assert_int_equal(tapir_mld_record_next(&mld, &off, &rec), 1);
        assert_int_equal(rec.type, want[i / 2].type);
        assert_ipv6_addr(&rec.mcast_addr, want[i / 2].group);
        assert_int_equal(rec.num_sources, want[i / 2].sources);
        assert_int_equal(tapir_mld_record_next(&mld, &off, &rec), 0);
        if (i == 2) {
            struct tapir_ipv6_addr s = tapir_mld_source(rec.sources, 0);
            assert_ipv6_addr(&s, "fdaa::1");
            assert_prints(tapir_mld_print_verbose, &mld,
                          "MLDv2 report\n"
                          "  code: 0\n"
                          "  reserved: 0x0000\n"
                          "  records: 1\n"
                          "  record: allow new sources (allow) (5), ff35::1234, 1 "
                          "source(s), aux data 0 word(s)\n"
                          "    source: fdaa::1\n");

            /* Built by hand: the record written where the report's records go. */
            uint8_t out[64];
            struct tapir_ipv6_addr src = ipv6_addr("fdaa::1");
            struct tapir_mld_record r = {.type = TAPIR_MLD_ALLOW_NEW_SOURCES,
                                         .num_sources = 1,
                                         .mcast_addr = ipv6_addr("ff35::1234"),
                                         .sources = src.bytes};
            memset(out, 0xa5, sizeof out);
            assert_int_equal(tapir_mld_record_emit(&r, out + 8, sizeof out - 8), 36);
            assert_int_equal(tapir_mld_record_emit(&r, out + 8, 35), TAPIR_ENOBUFS);
            struct tapir_mld_repr report = {.type = TAPIR_ICMPV6_MLD2_REPORT,
                                            .version = 2,
                                            .num_records = 1,
                                            .records = out + 8,
                                            .records_len = 36};
            assert_int_equal(tapir_mld_emit(&report, &m.ph, out, sizeof out), 44);
            assert_memory_equal(out, m.bytes, 44);
            assert_int_equal(out[44], 0xa5);
        }
        wire_slice_free(&m);
    }
}

static int parse_corrupted(const char *file, size_t index, size_t at, uint8_t value)
{
    struct wire_slice m;
    struct tapir_mld_repr mld;
    load_mld(file, index, &m, &mld);
    m.bytes[at] = value;
    int rc = parse_raw(m.bytes, m.len, &mld);
    wire_slice_free(&m);
    return rc;
}

static void test_corruptions(void **state)
{
    (void)state;
    /* A query's address is :: or multicast; a report's or done's is multicast. */
    assert_int_equal(parse_corrupted("mld_v1.pcap", 0, 8, 0xfd), TAPIR_EBADFIELD);
    assert_int_equal(parse_corrupted("mld_v1.pcap", 1, 8, 0xfd), TAPIR_EBADFIELD);
    assert_int_equal(parse_corrupted("mld_v1.pcap", 5, 8, 0), TAPIR_EBADFIELD);
    assert_int_equal(parse_corrupted("mld_v2_query.pcap", 2, 8, 0xfe), TAPIR_EBADFIELD);
    /* Counts that run past the end: sources of a query, records, a record's sources and
     * aux data. */
    assert_int_equal(parse_corrupted("mld_v2_query.pcap", 2, 27, 3), TAPIR_ETRUNCATED);
    assert_int_equal(parse_corrupted("mld_v2_query.pcap", 0, 26, 0xff), TAPIR_ETRUNCATED);
    assert_int_equal(parse_corrupted("mld_v2_query.pcap", 1, 7, 5), TAPIR_ETRUNCATED);
    assert_int_equal(parse_corrupted("mld_v2_report.pcap", 2, 11, 2), TAPIR_ETRUNCATED);
    assert_int_equal(parse_corrupted("mld_v2_report.pcap", 2, 9, 1), TAPIR_ETRUNCATED);
    /* Fewer records than there is room for: the rest is additional data. */
    struct wire_slice m;
    struct tapir_mld_repr mld;
    load_mld("mld_v2_query.pcap", 1, &m, &mld);
    m.bytes[7] = 3;
    assert_int_equal(parse_raw(m.bytes, m.len, &mld), 0);
    assert_int_equal(mld.records_len, 60);
    assert_int_equal(mld.extra_len, 20);
    assert_ptr_equal(mld.extra, m.bytes + 68);
    uint8_t out[128];
    assert_int_equal(tapir_mld_emit(&mld, NULL, out, sizeof out), 88);
    assert_memory_equal(out + 4, m.bytes + 4, 84);
    assert_prints(tapir_mld_print, &mld,
                  "ICMP6, multicast listener report v2, 3 group record(s), length 88");
    wire_slice_free(&m);

    /* The code is ignored by receivers: kept, not checked. */
    load_mld("mld_v1.pcap", 1, &m, &mld);
    m.bytes[1] = 9;
    assert_int_equal(parse_raw(m.bytes, m.len, &mld), 0);
    assert_int_equal(mld.code, 9);
    assert_int_equal(tapir_mld_emit(&mld, NULL, out, sizeof out), 24);
    assert_int_equal(out[1], 9);
    /* Not an MLD message at all. */
    struct tapir_icmpv6_repr echo = {
        .type = TAPIR_ICMPV6_ECHO_REPLY, .data = m.bytes + 8, .data_len = 16};
    assert_int_equal(tapir_mld_parse(&echo, &mld), TAPIR_EINVAL);
    wire_slice_free(&m);
}

static void test_additional_data(void **state)
{
    (void)state;
    /* An MLDv1 report of 30 bytes, an MLDv2 query with 4 bytes after its sources: the extra
     * bytes are ignored (RFC 3810 §5.1.12, §5.2.11) but kept for emit(). */
    struct wire_slice m;
    struct tapir_mld_repr mld;
    load_mld("mld_v1.pcap", 3, &m, &mld);
    uint8_t v1[30];
    memcpy(v1, m.bytes, 24);
    memset(v1 + 24, 0x77, 6);
    assert_int_equal(parse_raw(v1, sizeof v1, &mld), 0);
    assert_int_equal(mld.extra_len, 6);
    assert_int_equal(tapir_mld_header_len(&mld), 30);
    uint8_t out[80];
    assert_int_equal(tapir_mld_emit(&mld, NULL, out, sizeof out), 30);
    assert_memory_equal(out + 4, v1 + 4, 26);
    assert_prints(tapir_mld_print_verbose, &mld,
                  "MLDv1 report\n"
                  "  code: 0\n"
                  "  max response delay: 0 ms\n"
                  "  reserved: 0x0000\n"
                  "  multicast address: ff15::1234\n"
                  "  additional data: 6 byte(s)\n");
    wire_slice_free(&m);

    load_mld("mld_v2_query.pcap", 2, &m, &mld);
    uint8_t v2[64];
    memcpy(v2, m.bytes, 60);
    memset(v2 + 60, 0x55, 4);
    assert_int_equal(parse_raw(v2, sizeof v2, &mld), 0);
    assert_int_equal(mld.num_sources, 2);
    assert_int_equal(mld.extra_len, 4);
    assert_int_equal(tapir_mld_emit(&mld, NULL, out, sizeof out), 64);
    assert_memory_equal(out + 4, v2 + 4, 60);
    wire_slice_free(&m);

    /* 25-27 bytes: neither an MLDv1 nor an MLDv2 query (RFC 3810 §8.1). */
    for (size_t len = 25; len < 28; len++)
        assert_int_equal(parse_raw(v2, len, &mld), TAPIR_ETRUNCATED);
}

static void test_records(void **state)
{
    (void)state;
    /* A report built by hand: a record with two sources and aux data, then one without. */
    uint8_t recs[128], aux[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    struct tapir_ipv6_addr s1 = ipv6_addr("fdaa::1"), s2 = ipv6_addr("fdaa::2");
    uint8_t srcs[32]; /* sources are consecutive 16-byte addresses */
    memcpy(srcs, s1.bytes, 16);
    memcpy(srcs + 16, s2.bytes, 16);
    struct tapir_mld_record r1 = {.type = TAPIR_MLD_MODE_IS_INCLUDE,
                                  .aux_len = 2,
                                  .num_sources = 2,
                                  .mcast_addr = ipv6_addr("ff3e::1"),
                                  .sources = srcs,
                                  .aux = aux};
    struct tapir_mld_record r2 = {.type = 42, .mcast_addr = ipv6_addr("ff05::2")};
    assert_int_equal(tapir_mld_record_len(&r1), 20 + 32 + 8);
    int n1 = tapir_mld_record_emit(&r1, recs, sizeof recs);
    assert_int_equal(n1, 60);
    int n2 = tapir_mld_record_emit(&r2, recs + n1, sizeof recs - (size_t)n1);
    assert_int_equal(n2, 20);
    struct tapir_mld_repr rep = {.type = TAPIR_ICMPV6_MLD2_REPORT,
                                 .version = 2,
                                 .num_records = 2,
                                 .records = recs,
                                 .records_len = 80};
    uint8_t out[128], back[128];
    memset(out, 0xa5, sizeof out);
    assert_int_equal(tapir_mld_emit(&rep, NULL, out, sizeof out), 88);
    struct tapir_mld_repr mld;
    assert_int_equal(parse_raw(out, 88, &mld), 0);
    size_t off = 0;
    struct tapir_mld_record rec;
    assert_int_equal(tapir_mld_record_next(&mld, &off, &rec), 1);
    assert_int_equal(rec.aux_len, 2);
    assert_memory_equal(rec.aux, aux, 8);
    assert_int_equal(tapir_mld_record_next(&mld, &off, &rec), 1);
    assert_int_equal(rec.type, 42);
    assert_int_equal(tapir_mld_record_next(&mld, &off, &rec), 0);
    assert_int_equal(tapir_mld_emit(&mld, NULL, back, sizeof back), 88);
    assert_memory_equal(back, out, 88);
    assert_prints(tapir_mld_print_verbose, &mld,
                  "MLDv2 report\n"
                  "  code: 0\n"
                  "  reserved: 0x0000\n"
                  "  records: 2\n"
                  "  record: mode is include (is_in) (1), ff3e::1, 2 source(s), aux data 2 "
                  "word(s)\n"
                  "    source: fdaa::1\n"
                  "    source: fdaa::2\n"
                  "    aux data: 0102030405060708\n"
                  "  record: unknown (42), ff05::2, 0 source(s), aux data 0 word(s)\n");

    /* A hand-made repr whose records are shorter than their count: the walk stops. */
    rep.records_len = 70;
    off = 0;
    assert_int_equal(tapir_mld_record_next(&rep, &off, &rec), 1);
    assert_int_equal(tapir_mld_record_next(&rep, &off, &rec), 0);
    rep.records = NULL;
    off = 0;
    assert_int_equal(tapir_mld_record_next(&rep, &off, &rec), 0);
}

static void test_emit_errors_and_codes(void **state)
{
    (void)state;
    uint8_t out[64];
    struct tapir_mld_repr r = {.type = TAPIR_ICMPV6_MLD_REPORT, .version = 2};
    assert_int_equal(tapir_mld_emit(&r, NULL, out, sizeof out), TAPIR_EINVAL);
    r.type = TAPIR_ICMPV6_MLD2_REPORT;
    r.version = 1;
    assert_int_equal(tapir_mld_emit(&r, NULL, out, sizeof out), TAPIR_EINVAL);
    r.type = TAPIR_ICMPV6_MLD_QUERY;
    r.version = 3;
    assert_int_equal(tapir_mld_emit(&r, NULL, out, sizeof out), TAPIR_EINVAL);
    r.version = 1;
    uint8_t extra[4] = {0};
    r.extra = extra;
    r.extra_len = sizeof extra;
    assert_int_equal(tapir_mld_emit(&r, NULL, out, sizeof out), TAPIR_EINVAL);
    r.type = TAPIR_ICMPV6_ECHO_REQUEST;
    assert_int_equal(tapir_mld_emit(&r, NULL, out, sizeof out), TAPIR_EINVAL);
    r = (struct tapir_mld_repr){.type = TAPIR_ICMPV6_MLD_DONE, .version = 1};
    assert_int_equal(tapir_mld_emit(&r, NULL, out, 23), TAPIR_ENOBUFS);
    struct tapir_pseudo_header ph;
    memset(&ph, 0, sizeof ph);
    assert_int_equal(tapir_mld_emit(&r, &ph, out, sizeof out), TAPIR_EINVAL);

    /* Maximum Response Code and QQIC: linear below 32768 / 128, then 1|exp|mant
     * (RFC 3810 §5.1.3, §5.1.9). MLDv1 has no such encoding. */
    struct tapir_mld_repr q = {.type = TAPIR_ICMPV6_MLD_QUERY, .version = 2};
    q.max_resp_code = 32767;
    assert_int_equal(tapir_mld_max_resp_delay_ms(&q), 32767);
    q.max_resp_code = 0x8000;
    assert_int_equal(tapir_mld_max_resp_delay_ms(&q), 32768);
    q.max_resp_code = 0xffff;
    assert_int_equal(tapir_mld_max_resp_delay_ms(&q), 0x1fffu << 10);
    q.version = 1;
    assert_int_equal(tapir_mld_max_resp_delay_ms(&q), 0xffff);
    q.qqic = 127;
    assert_int_equal(tapir_mld_qqi_s(&q), 127);
    q.qqic = 0x80;
    assert_int_equal(tapir_mld_qqi_s(&q), 128);
    q.qqic = 0xff;
    assert_int_equal(tapir_mld_qqi_s(&q), 0x1fu << 10);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_v1_golden),
        cmocka_unit_test(test_v2_query_golden),
        cmocka_unit_test(test_v2_report_golden),
        cmocka_unit_test(test_corruptions),
        cmocka_unit_test(test_additional_data),
        cmocka_unit_test(test_records),
        cmocka_unit_test(test_emit_errors_and_codes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
