/* DNS messages against golden packets from dnsmasq (tests/data/dns_*.pcap, see
 * tests/data/capture/dns.sh): every field of every message, names through compression
 * pointers, the query emitter byte for byte, a rebuild of every message without
 * compression that parses to the same content, every truncation, crafted malformed names
 * (loops, forward pointers, reserved label types, over-long names) and records, the text
 * forms of names, and the printers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "golden.h"
#include "wire_slices.h"
#include "tapir/error.h"
#include "tapir/wire/dns.h"

static struct tapir_dns_name name_of(const char *text)
{
    struct tapir_dns_name n;
    assert_int_equal(tapir_dns_name_from_text(text, &n), 0);
    return n;
}

static void assert_name(const struct tapir_dns_name *n, const char *text)
{
    char buf[TAPIR_DNS_NAME_STRLEN];
    tapir_dns_name_to_text(n, buf, sizeof buf);
    assert_text_eq(buf, text);
}

/* The DNS message of frame `i` of `file`, as an exact-size heap copy. */
static uint8_t *golden_dns(const char *file, size_t i, size_t *len)
{
    struct golden g;
    golden_load(file, &g);
    size_t n;
    const uint8_t *p = golden_at(&g, i, TAPIR_LAYER_DNS, &n);
    struct tapir_dissection d;
    golden_dissect(&g, i, &d);
    const struct tapir_layer_span *s = dissection_find(&d, TAPIR_LAYER_DNS);
    assert_int_equal(s->error, 0);
    *len = s->len;
    uint8_t *copy = exact_copy(p, s->len);
    (void)n;
    golden_free(&g);
    return copy;
}

static void assert_question(struct tapir_dns_cursor *c, const char *name, uint16_t type)
{
    struct tapir_dns_question q;
    assert_int_equal(tapir_dns_next_question(c, &q), 1);
    assert_name(&q.name, name);
    assert_int_equal(q.type, type);
    assert_int_equal(q.qclass, TAPIR_DNS_CLASS_IN);
}

static void next_rr(struct tapir_dns_cursor *c, struct tapir_dns_rr *rr, uint8_t section,
                    const char *name, uint16_t type)
{
    assert_int_equal(tapir_dns_next_rr(c, rr), 1);
    assert_int_equal(rr->section, section);
    assert_name(&rr->name, name);
    assert_int_equal(rr->type, type);
}

static void assert_rdata_text(const struct tapir_dns_rr *rr, const char *text)
{
    char buf[1024];
    print_to(buf, sizeof buf, tapir_dns_print_rdata, rr);
    assert_text_eq(buf, text);
}

static void test_dns_golden_a(void **state)
{
    (void)state;
    size_t len;
    uint8_t *m = golden_dns("dns_a.pcap", 0, &len);
    struct tapir_dns_repr r;
    assert_int_equal(tapir_dns_parse(m, len, &r), 0);
    assert_int_equal(len, 24);
    assert_int_equal(r.len, 24);
    assert_int_equal(r.id, 4660);
    assert_false(r.qr);
    assert_true(r.rd);
    assert_false(r.aa || r.tc || r.ra || r.z || r.ad || r.cd);
    assert_int_equal(r.opcode, 0);
    assert_int_equal(r.rcode, 0);
    assert_int_equal(r.count[0], 1);
    assert_int_equal(r.count[1] + r.count[2] + r.count[3], 0);
    assert_int_equal(tapir_dns_header_len(&r), 12);
    struct tapir_dns_cursor c;
    tapir_dns_cursor_init(&c, &r);
    assert_question(&c, "a.test.", TAPIR_DNS_TYPE_A);
    struct tapir_dns_rr rr;
    assert_int_equal(tapir_dns_next_rr(&c, &rr), 0);

    /* The emitter writes the python stub's query byte for byte (0xa5 prefill). */
    uint8_t out[64];
    memset(out, 0xa5, sizeof out);
    struct tapir_dns_name qn = name_of("a.test");
    assert_int_equal(tapir_dns_emit_query(4660, true, &qn, TAPIR_DNS_TYPE_A, out, sizeof out), 24);
    assert_memory_equal(out, m, 24);
    assert_int_equal(out[24], 0xa5);
    for (size_t cap = 0; cap < 24; cap++)
        assert_int_equal(tapir_dns_emit_query(4660, true, &qn, 1, out, cap), TAPIR_ENOBUFS);
    struct tapir_dns_name bad = {.len = 2, .wire = {64, 0}};
    assert_int_equal(tapir_dns_emit_query(1, true, &bad, 1, out, sizeof out), TAPIR_EINVAL);
    free(m);

    m = golden_dns("dns_a.pcap", 1, &len);
    assert_int_equal(tapir_dns_parse(m, len, &r), 0);
    assert_int_equal(len, 40);
    assert_int_equal(r.id, 4660);
    assert_true(r.qr && r.aa && r.rd && r.ra);
    assert_false(r.tc);
    assert_int_equal(r.count[1], 1);
    /* The answer's owner is a pointer to the question's name (RFC 1035 §4.1.4). */
    assert_int_equal(m[24], 0xc0);
    assert_int_equal(m[25], 12);
    tapir_dns_cursor_init(&c, &r);
    assert_question(&c, "a.test.", TAPIR_DNS_TYPE_A);
    next_rr(&c, &rr, TAPIR_DNS_ANSWER, "a.test.", TAPIR_DNS_TYPE_A);
    assert_int_equal(rr.rclass, TAPIR_DNS_CLASS_IN);
    assert_int_equal(rr.ttl, 0);
    assert_int_equal(rr.rdlen, 4);
    assert_ptr_equal(rr.rdata, m + 36);
    assert_memory_equal(rr.data.a.bytes, ((uint8_t[]){192, 168, 69, 7}), 4);
    assert_int_equal(tapir_dns_next_rr(&c, &rr), 0);
    assert_prints(tapir_dns_print, &r, "4660* 1/0/0 A 192.168.69.7 (40)");
    assert_prints(tapir_dns_print_verbose, &r,
                  "DNS\n  id: 4660\n  flags: 0x8580 (response, opcode 0, AA, RD, RA)\n"
                  "  rcode: NoError (0)\n"
                  "  counts: 1 question, 1 answer, 0 authority, 0 additional\n"
                  "  question: a.test. IN A\n  answer: a.test. 0 IN A 192.168.69.7\n"
                  "  length: 40\n");
    free(m);
}

static void test_dns_golden_aaaa(void **state)
{
    (void)state;
    size_t len;
    uint8_t *m = golden_dns("dns_aaaa_ipv6.pcap", 1, &len);
    struct tapir_dns_repr r;
    assert_int_equal(tapir_dns_parse(m, len, &r), 0);
    assert_int_equal(r.id, 4661);
    struct tapir_dns_cursor c;
    tapir_dns_cursor_init(&c, &r);
    struct tapir_dns_rr rr;
    next_rr(&c, &rr, TAPIR_DNS_ANSWER, "a.test.", TAPIR_DNS_TYPE_AAAA);
    assert_int_equal(rr.rdlen, 16);
    assert_ipv6_addr(&rr.data.aaaa, "fdaa::7");
    assert_rdata_text(&rr, "fdaa::7");
    free(m);
}

static void test_dns_golden_cname_chain(void **state)
{
    (void)state;
    size_t len;
    uint8_t *m = golden_dns("dns_cname.pcap", 1, &len);
    struct tapir_dns_repr r;
    assert_int_equal(tapir_dns_parse(m, len, &r), 0);
    assert_int_equal(len, 103);
    assert_int_equal(r.count[1], 4);
    struct tapir_dns_cursor c;
    tapir_dns_cursor_init(&c, &r);
    /* next_rr skips the question by itself. */
    static const char *const chain[][2] = {
        {"c1.test.", "c2.test."}, {"c2.test.", "c3.test."}, {"c3.test.", "a.test."}};
    struct tapir_dns_rr rr;
    for (int i = 0; i < 3; i++) {
        next_rr(&c, &rr, TAPIR_DNS_ANSWER, chain[i][0], TAPIR_DNS_TYPE_CNAME);
        assert_name(&rr.data.target, chain[i][1]);
        assert_rdata_text(&rr, chain[i][1]);
    }
    next_rr(&c, &rr, TAPIR_DNS_ANSWER, "a.test.", TAPIR_DNS_TYPE_A);
    assert_int_equal(tapir_dns_next_rr(&c, &rr), 0);
    assert_prints(tapir_dns_print, &r,
                  "4662* 4/0/0 CNAME c2.test., CNAME c3.test., CNAME a.test., A 192.168.69.7 "
                  "(103)");
    free(m);
}

static void test_dns_golden_nxdomain_txt_mx_ptr(void **state)
{
    (void)state;
    size_t len;
    struct tapir_dns_repr r;
    struct tapir_dns_cursor c;
    struct tapir_dns_rr rr;

    uint8_t *m = golden_dns("dns_nxdomain.pcap", 1, &len);
    assert_int_equal(tapir_dns_parse(m, len, &r), 0);
    assert_int_equal(r.rcode, TAPIR_DNS_RCODE_NXDOMAIN);
    assert_int_equal(r.count[1] + r.count[2] + r.count[3], 0);
    assert_prints(tapir_dns_print, &r, "4663 NXDomain 0/0/0 (30)");
    free(m);

    m = golden_dns("dns_edns.pcap", 0, &len);
    assert_int_equal(tapir_dns_parse(m, len, &r), 0);
    assert_int_equal(r.count[3], 1);
    tapir_dns_cursor_init(&c, &r);
    next_rr(&c, &rr, TAPIR_DNS_ADDITIONAL, ".", TAPIR_DNS_TYPE_OPT);
    assert_int_equal(rr.rclass, 1232); /* RFC 6891 §6.1.2: the UDP payload size */
    assert_int_equal(rr.rdlen, 0);
    assert_prints(tapir_dns_print, &r, "4664+ [1au] TXT? t.test. (35)");
    free(m);

    m = golden_dns("dns_edns.pcap", 1, &len);
    assert_int_equal(tapir_dns_parse(m, len, &r), 0);
    tapir_dns_cursor_init(&c, &r);
    next_rr(&c, &rr, TAPIR_DNS_ANSWER, "t.test.", TAPIR_DNS_TYPE_TXT);
    assert_int_equal(rr.rdlen, 26);
    assert_rdata_text(&rr, "\"hello world\" \"second string\"");
    next_rr(&c, &rr, TAPIR_DNS_ADDITIONAL, ".", TAPIR_DNS_TYPE_OPT);
    free(m);

    m = golden_dns("dns_mx_ptr.pcap", 1, &len);
    assert_int_equal(tapir_dns_parse(m, len, &r), 0);
    tapir_dns_cursor_init(&c, &r);
    next_rr(&c, &rr, TAPIR_DNS_ANSWER, "test.", TAPIR_DNS_TYPE_MX);
    assert_int_equal(rr.data.mx.preference, 10);
    assert_name(&rr.data.mx.exchange, "mail.test.");
    assert_rdata_text(&rr, "10 mail.test.");
    next_rr(&c, &rr, TAPIR_DNS_ADDITIONAL, "mail.test.", TAPIR_DNS_TYPE_A);
    assert_rdata_text(&rr, "192.168.69.25");
    assert_prints(tapir_dns_print, &r, "4665* 1/0/1 MX mail.test. 10 (63)");
    free(m);

    m = golden_dns("dns_mx_ptr.pcap", 3, &len);
    assert_int_equal(tapir_dns_parse(m, len, &r), 0);
    tapir_dns_cursor_init(&c, &r);
    assert_question(&c, "7.69.168.192.in-addr.arpa.", TAPIR_DNS_TYPE_PTR);
    next_rr(&c, &rr, TAPIR_DNS_ANSWER, "7.69.168.192.in-addr.arpa.", TAPIR_DNS_TYPE_PTR);
    assert_name(&rr.data.target, "a.test.");
    free(m);
}

/* The UDP answer that did not fit in 512 bytes (TC), and the whole answer over TCP. */
static void test_dns_golden_truncated_answer(void **state)
{
    (void)state;
    size_t len;
    struct tapir_dns_repr r;
    uint8_t *m = golden_dns("dns_tc.pcap", 1, &len);
    assert_int_equal(tapir_dns_parse(m, len, &r), 0);
    assert_true(r.tc);
    assert_int_equal(len, 506);
    assert_int_equal(r.count[1], 30);
    free(m);

    struct golden g;
    golden_load("dns_tc.pcap", &g);
    assert_int_equal(g.count, 12);
    golden_free(&g);
    m = golden_dns("dns_tc.pcap", 7, &len);
    assert_int_equal(tapir_dns_parse(m, len, &r), 0);
    assert_false(r.tc);
    assert_int_equal(r.id, 4668);
    assert_int_equal(len, 666);
    assert_int_equal(r.count[1], 40);
    struct tapir_dns_cursor c;
    tapir_dns_cursor_init(&c, &r);
    struct tapir_dns_rr rr;
    unsigned seen = 0;
    uint64_t mask = 0;
    while (tapir_dns_next_rr(&c, &rr) == 1) {
        assert_int_equal(rr.type, TAPIR_DNS_TYPE_A);
        assert_int_equal(rr.data.a.bytes[0], 10);
        mask |= 1ull << rr.data.a.bytes[3];
        seen++;
    }
    assert_int_equal(seen, 40);
    assert_int_equal(mask, ((1ull << 41) - 1) & ~1ull); /* 10.0.0.1 .. 10.0.0.40, once each */
    free(m);
}

static const struct {
    const char *file;
    size_t index;
} all_messages[] = {
    {"dns_a.pcap", 0},         {"dns_a.pcap", 1},        {"dns_aaaa_ipv6.pcap", 0},
    {"dns_aaaa_ipv6.pcap", 1}, {"dns_cname.pcap", 0},    {"dns_cname.pcap", 1},
    {"dns_nxdomain.pcap", 0},  {"dns_nxdomain.pcap", 1}, {"dns_edns.pcap", 0},
    {"dns_edns.pcap", 1},      {"dns_mx_ptr.pcap", 0},   {"dns_mx_ptr.pcap", 1},
    {"dns_mx_ptr.pcap", 2},    {"dns_mx_ptr.pcap", 3},   {"dns_tc.pcap", 0},
    {"dns_tc.pcap", 1},        {"dns_tc.pcap", 5},       {"dns_tc.pcap", 7},
};

/* Uncompressed rdata for a record, as the builder takes it. */
static uint16_t plain_rdata(const struct tapir_dns_rr *rr, uint8_t *out)
{
    size_t n = 0;
    switch (rr->type) {
    case TAPIR_DNS_TYPE_CNAME:
    case TAPIR_DNS_TYPE_NS:
    case TAPIR_DNS_TYPE_PTR:
        memcpy(out, rr->data.target.wire, rr->data.target.len);
        return rr->data.target.len;
    case TAPIR_DNS_TYPE_MX:
        out[0] = (uint8_t)(rr->data.mx.preference >> 8);
        out[1] = (uint8_t)rr->data.mx.preference;
        memcpy(out + 2, rr->data.mx.exchange.wire, rr->data.mx.exchange.len);
        return (uint16_t)(2 + rr->data.mx.exchange.len);
    default:
        memcpy(out + n, rr->rdata, rr->rdlen);
        return rr->rdlen;
    }
}

/* Every message rebuilt without compression parses to the same questions and records;
 * queries (which have nothing to compress) come back byte for byte. */
static void test_dns_rebuild_round_trip(void **state)
{
    (void)state;
    for (size_t k = 0; k < sizeof all_messages / sizeof all_messages[0]; k++) {
        size_t len;
        uint8_t *m = golden_dns(all_messages[k].file, all_messages[k].index, &len);
        struct tapir_dns_repr r, r2;
        assert_int_equal(tapir_dns_parse(m, len, &r), 0);
        static uint8_t out[4096];
        memset(out, 0xa5, sizeof out);
        struct tapir_dns_builder b;
        assert_int_equal(tapir_dns_builder_init(&b, &r, out, sizeof out), 0);
        struct tapir_dns_cursor c;
        tapir_dns_cursor_init(&c, &r);
        struct tapir_dns_question q;
        while (tapir_dns_next_question(&c, &q) == 1)
            assert_int_equal(tapir_dns_builder_question(&b, &q.name, q.type, q.qclass), 0);
        struct tapir_dns_rr rr;
        uint8_t rd[512];
        while (tapir_dns_next_rr(&c, &rr) == 1) {
            uint16_t n = plain_rdata(&rr, rd);
            assert_int_equal(
                tapir_dns_builder_rr(&b, rr.section, &rr.name, rr.type, rr.rclass, rr.ttl, rd, n),
                0);
        }
        int olen = tapir_dns_builder_finish(&b);
        assert_true(olen >= (int)len);
        assert_int_equal(out[olen], 0xa5);
        if (!r.qr)
            assert_memory_equal(out, m, len);
        assert_memory_equal(out, m, 4); /* id and flags */
        assert_int_equal(tapir_dns_parse(out, (size_t)olen, &r2), 0);
        assert_memory_equal(r2.count, r.count, sizeof r.count);

        struct tapir_dns_cursor c1, c2;
        tapir_dns_cursor_init(&c1, &r);
        tapir_dns_cursor_init(&c2, &r2);
        struct tapir_dns_question q2;
        while (tapir_dns_next_question(&c1, &q) == 1) {
            assert_int_equal(tapir_dns_next_question(&c2, &q2), 1);
            assert_true(tapir_dns_name_equal(&q.name, &q2.name));
            assert_int_equal(q.type, q2.type);
        }
        struct tapir_dns_rr rr2;
        while (tapir_dns_next_rr(&c1, &rr) == 1) {
            assert_int_equal(tapir_dns_next_rr(&c2, &rr2), 1);
            assert_true(tapir_dns_name_equal(&rr.name, &rr2.name));
            assert_int_equal(rr.type, rr2.type);
            assert_int_equal(rr.rclass, rr2.rclass);
            assert_int_equal(rr.ttl, rr2.ttl);
            char t1[1024], t2[1024];
            print_to(t1, sizeof t1, tapir_dns_print_rdata, &rr);
            print_to(t2, sizeof t2, tapir_dns_print_rdata, &rr2);
            assert_text_eq(t2, t1);
        }
        assert_int_equal(tapir_dns_next_rr(&c2, &rr2), 0);
        free(m);
    }
}

/* Every prefix of every golden message is refused as truncated, read from an exact-size
 * buffer (ASan sees any read past it). */
static void test_dns_every_truncation(void **state)
{
    (void)state;
    for (size_t k = 0; k < sizeof all_messages / sizeof all_messages[0]; k++) {
        size_t len;
        uint8_t *m = golden_dns(all_messages[k].file, all_messages[k].index, &len);
        for (size_t cut = 0; cut < len; cut++) {
            uint8_t *p = exact_copy(m, cut);
            struct tapir_dns_repr r;
            if (tapir_dns_parse(p, cut, &r) != TAPIR_ETRUNCATED)
                fail_msg("%s #%zu cut at %zu: not TAPIR_ETRUNCATED", all_messages[k].file,
                         all_messages[k].index, cut);
            free(p);
        }
        /* Bytes after the last record are not part of the message. */
        uint8_t *p = malloc(len + 3);
        memcpy(p, m, len);
        memset(p + len, 0, 3);
        struct tapir_dns_repr r;
        assert_int_equal(tapir_dns_parse(p, len + 3, &r), 0);
        assert_int_equal(r.len, len);
        free(p);
        free(m);
    }
}

/* A message with one question whose name is `name` (raw wire bytes placed at offset 12,
 * followed by type A class IN), parsed. */
static int parse_question_bytes(const uint8_t *name, size_t nlen)
{
    uint8_t *msg = malloc(12 + nlen + 4);
    memset(msg, 0, 12);
    msg[5] = 1; /* one question */
    memcpy(msg + 12, name, nlen);
    memcpy(msg + 12 + nlen, "\0\1\0\1", 4);
    struct tapir_dns_repr r;
    int rc = tapir_dns_parse(msg, 12 + nlen + 4, &r);
    free(msg);
    return rc;
}

static void test_dns_malformed_names(void **state)
{
    (void)state;
    /* A pointer to itself, and forward. */
    assert_int_equal(parse_question_bytes((const uint8_t *)"\xc0\x0c", 2), TAPIR_EBADFIELD);
    assert_int_equal(parse_question_bytes((const uint8_t *)"\xc0\x0e\x00", 3), TAPIR_EBADFIELD);
    /* A label then a pointer back to that label: before the pointer, but not before the
     * label sequence that holds it; it would loop. */
    assert_int_equal(parse_question_bytes((const uint8_t *)"\x01"
                                                           "a"
                                                           "\xc0\x0c",
                                          4),
                     TAPIR_EBADFIELD);
    /* The same with a 63-byte label: refused at the pointer (not later, for the length a
     * loop would build up). */
    uint8_t loop63[66];
    loop63[0] = 63;
    memset(loop63 + 1, 'y', 63);
    loop63[64] = 0xc0;
    loop63[65] = 12;
    assert_int_equal(parse_question_bytes(loop63, sizeof loop63), TAPIR_EBADFIELD);
    /* Reserved label types 01 and 10 (RFC 1035 §4.1.4, RFC 6891 §5). */
    assert_int_equal(parse_question_bytes((const uint8_t *)"\x41"
                                                           "a\x00",
                                          3),
                     TAPIR_EUNSUPPORTED);
    assert_int_equal(parse_question_bytes((const uint8_t *)"\x80\x00", 2), TAPIR_EUNSUPPORTED);

    /* 255 octets is the most: labels 63, 63, 63, 61 and the root; one more is refused. */
    uint8_t n[300];
    for (int last = 61; last <= 62; last++) {
        size_t pos = 0;
        const int sizes[] = {63, 63, 63, last};
        for (int i = 0; i < 4; i++) {
            n[pos++] = (uint8_t)sizes[i];
            memset(n + pos, 'x', (size_t)sizes[i]);
            pos += (size_t)sizes[i];
        }
        n[pos++] = 0;
        assert_int_equal(pos, (size_t)(194 + last));
        assert_int_equal(parse_question_bytes(n, pos), last == 61 ? 0 : TAPIR_EBADTOTALLEN);
    }

    /* A chain of pointers, each to the one before: TAPIR_DNS_MAX_POINTERS jumps pass, one
     * more is refused. buf[0] is the root; buf[2k] points to buf[2k-2]. */
    uint8_t chain[2 * 70 + 2];
    memset(chain, 0, sizeof chain);
    for (int k = 1; k <= 70; k++) {
        chain[2 * k] = 0xc0;
        chain[2 * k + 1] = (uint8_t)(2 * k - 2);
    }
    struct tapir_dns_name out;
    size_t next = 0;
    assert_int_equal(
        tapir_dns_name_decode(chain, sizeof chain, 2 * TAPIR_DNS_MAX_POINTERS, &out, &next), 0);
    assert_int_equal(out.len, 1);
    assert_int_equal(next, 2 * TAPIR_DNS_MAX_POINTERS + 2);
    assert_int_equal(
        tapir_dns_name_decode(chain, sizeof chain, 2 * TAPIR_DNS_MAX_POINTERS + 2, &out, &next),
        TAPIR_EBADFIELD);
    /* A pointer cut after its first byte, and a label cut short. */
    assert_int_equal(tapir_dns_name_decode((const uint8_t *)"\x00\xc0", 2, 1, &out, NULL),
                     TAPIR_ETRUNCATED);
    assert_int_equal(tapir_dns_name_decode((const uint8_t *)"\x03"
                                                            "ab",
                                           3, 0, &out, NULL),
                     TAPIR_ETRUNCATED);
}

/* One answer record of `type` with the given rdata after a question for "a.", parsed. */
static int parse_answer(uint16_t type, const void *rdata, uint16_t rdlen)
{
    uint8_t buf[600];
    struct tapir_dns_repr h = {.id = 1, .qr = true};
    struct tapir_dns_builder b;
    tapir_dns_builder_init(&b, &h, buf, sizeof buf);
    struct tapir_dns_name a = name_of("a.");
    tapir_dns_builder_question(&b, &a, type, 1);
    tapir_dns_builder_rr(&b, TAPIR_DNS_ANSWER, &a, type, 1, 60, rdata, rdlen);
    int len = tapir_dns_builder_finish(&b);
    assert_true(len > 0);
    uint8_t *p = exact_copy(buf, (size_t)len);
    struct tapir_dns_repr r;
    int rc = tapir_dns_parse(p, (size_t)len, &r);
    free(p);
    return rc;
}

/* A pointer may land on bytes whose labels run past the last record (found by the
 * fuzzer): the cursor must read the name as the parser did. Here the question's name
 * points at the flags' low byte, a 16-byte label over the counts and past the question. */
static void test_dns_name_past_last_record(void **state)
{
    (void)state;
    static const uint8_t msg[] = {0x00, 0x01, 0x00, 0x10, 0x00, 0x01, 0,    0,    0,    0,   0,
                                  0,    0xc0, 0x03, 0x00, 0x01, 0x00, 0x01, 0xaa, 0xbb, 0x00};
    uint8_t *m = exact_copy(msg, sizeof msg);
    struct tapir_dns_repr r;
    assert_int_equal(tapir_dns_parse(m, sizeof msg, &r), 0);
    assert_int_equal(r.len, 18);
    assert_int_equal(r.size, 21);
    struct tapir_dns_cursor c;
    tapir_dns_cursor_init(&c, &r);
    struct tapir_dns_question q;
    assert_int_equal(tapir_dns_next_question(&c, &q), 1);
    assert_int_equal(q.name.len, 18);
    assert_int_equal(q.name.wire[0], 16);
    assert_int_equal(q.type, 1);
    free(m);
}

static void test_dns_malformed_records(void **state)
{
    (void)state;
    assert_int_equal(parse_answer(TAPIR_DNS_TYPE_A, "\1\2\3\4", 4), 0);
    assert_int_equal(parse_answer(TAPIR_DNS_TYPE_A, "\1\2\3\4\5", 5), TAPIR_EBADFIELD);
    assert_int_equal(parse_answer(TAPIR_DNS_TYPE_A, "\1\2\3", 3), TAPIR_EBADFIELD);
    assert_int_equal(parse_answer(TAPIR_DNS_TYPE_AAAA, "\1\2\3\4", 4), TAPIR_EBADFIELD);
    /* A CNAME whose name does not fill its rdata, or runs past it. */
    assert_int_equal(parse_answer(TAPIR_DNS_TYPE_CNAME, "\1b\0", 3), 0);
    assert_int_equal(parse_answer(TAPIR_DNS_TYPE_CNAME, "\1b\0\0", 4), TAPIR_EBADFIELD);
    assert_int_equal(parse_answer(TAPIR_DNS_TYPE_CNAME, "\1b", 2), TAPIR_EBADFIELD);
    /* A CNAME pointing back at the question's name (offset 12) is fine. */
    assert_int_equal(parse_answer(TAPIR_DNS_TYPE_CNAME, "\xc0\x0c", 2), 0);
    assert_int_equal(parse_answer(TAPIR_DNS_TYPE_MX, "\0", 1), TAPIR_EBADFIELD);
    assert_int_equal(parse_answer(TAPIR_DNS_TYPE_MX, "\0\x0a\0", 3), 0);
    /* SOA: two names and exactly 20 bytes. */
    uint8_t soa[24] = {0, 0};
    assert_int_equal(parse_answer(TAPIR_DNS_TYPE_SOA, soa, 22), 0);
    assert_int_equal(parse_answer(TAPIR_DNS_TYPE_SOA, soa, 23), TAPIR_EBADFIELD);
    assert_int_equal(parse_answer(TAPIR_DNS_TYPE_SOA, soa, 21), TAPIR_EBADFIELD);
    /* TXT strings must end inside the rdata. */
    assert_int_equal(parse_answer(TAPIR_DNS_TYPE_TXT, "\2hi\0", 4), 0);
    assert_int_equal(parse_answer(TAPIR_DNS_TYPE_TXT, "\3hi", 3), TAPIR_EBADFIELD);
    /* An unknown type keeps any rdata, printed in RFC 3597's generic form. */
    assert_int_equal(parse_answer(99, "\x0a\0\0\1", 4), 0);
    struct tapir_dns_rr rr = {.type = 99, .rdata = (const uint8_t *)"\x0a\0\0\1", .rdlen = 4};
    assert_rdata_text(&rr, "\\# 4 0a000001");
}

static void test_dns_name_text(void **state)
{
    (void)state;
    struct tapir_dns_name n;
    assert_int_equal(tapir_dns_name_from_text("a.test", &n), 0);
    assert_int_equal(n.len, 8);
    assert_memory_equal(n.wire, "\1a\4test\0", 8);
    struct tapir_dns_name n2;
    assert_int_equal(tapir_dns_name_from_text("A.TEST.", &n2), 0);
    assert_true(tapir_dns_name_equal(&n, &n2));
    assert_int_equal(tapir_dns_name_from_text("a.tesu", &n2), 0);
    assert_false(tapir_dns_name_equal(&n, &n2));
    assert_int_equal(tapir_dns_name_from_text(".", &n), 0);
    assert_int_equal(n.len, 1);
    assert_name(&n, ".");
    /* Escapes both ways (RFC 1035 §5.1). */
    assert_int_equal(tapir_dns_name_from_text("a\\.b.\\032x", &n), 0);
    assert_memory_equal(n.wire, "\3a.b\2 x\0", 8);
    assert_name(&n, "a\\.b.\\032x.");
    /* Refused: empty labels, a 64-byte label, over 255 octets, bad escapes. */
    assert_int_equal(tapir_dns_name_from_text("", &n), TAPIR_EINVAL);
    assert_int_equal(tapir_dns_name_from_text("a..b", &n), TAPIR_EINVAL);
    assert_int_equal(tapir_dns_name_from_text(".a", &n), TAPIR_EINVAL);
    assert_int_equal(tapir_dns_name_from_text("a\\", &n), TAPIR_EINVAL);
    assert_int_equal(tapir_dns_name_from_text("a\\25", &n), TAPIR_EINVAL);
    assert_int_equal(tapir_dns_name_from_text("a\\256", &n), TAPIR_EINVAL);
    char text[400];
    memset(text, 'x', 64);
    text[64] = 0;
    assert_int_equal(tapir_dns_name_from_text(text, &n), TAPIR_EINVAL);
    text[63] = 0;
    assert_int_equal(tapir_dns_name_from_text(text, &n), 0);
    /* 63.63.63.61 is 255 octets on the wire; 63.63.63.62 is one too many. */
    memset(text, 'x', sizeof text);
    text[63] = text[127] = text[191] = '.';
    text[253] = 0;
    assert_int_equal(tapir_dns_name_from_text(text, &n), 0);
    assert_int_equal(n.len, 255);
    text[253] = 'x';
    text[254] = 0;
    assert_int_equal(tapir_dns_name_from_text(text, &n), TAPIR_EBADTOTALLEN);
}

static void test_dns_builder_rules(void **state)
{
    (void)state;
    uint8_t buf[64];
    struct tapir_dns_repr h = {.id = 7, .qr = true, .rcode = 3};
    struct tapir_dns_builder b;
    struct tapir_dns_name a = name_of("a.");
    assert_int_equal(tapir_dns_builder_init(&b, &h, buf, 11), TAPIR_ENOBUFS);
    assert_int_equal(tapir_dns_builder_init(&b, &h, buf, sizeof buf), 0);
    assert_int_equal(tapir_dns_builder_rr(&b, TAPIR_DNS_AUTHORITY, &a, 1, 1, 0, "1234", 4), 0);
    /* Sections go in order; a question after records is refused. */
    assert_int_equal(tapir_dns_builder_rr(&b, TAPIR_DNS_ANSWER, &a, 1, 1, 0, "1234", 4),
                     TAPIR_EINVAL);
    assert_int_equal(tapir_dns_builder_question(&b, &a, 1, 1), TAPIR_EINVAL);
    assert_int_equal(tapir_dns_builder_rr(&b, TAPIR_DNS_QUESTION, &a, 1, 1, 0, NULL, 0),
                     TAPIR_EINVAL);
    /* Out of room: the error sticks. */
    uint8_t big[64] = {0};
    assert_int_equal(tapir_dns_builder_rr(&b, TAPIR_DNS_ADDITIONAL, &a, 99, 1, 0, big, 60),
                     TAPIR_ENOBUFS);
    assert_int_equal(tapir_dns_builder_rr(&b, TAPIR_DNS_ADDITIONAL, &a, 1, 1, 0, "1234", 4),
                     TAPIR_ENOBUFS);
    assert_int_equal(tapir_dns_builder_finish(&b), TAPIR_ENOBUFS);

    assert_int_equal(tapir_dns_builder_init(&b, &h, buf, sizeof buf), 0);
    assert_int_equal(tapir_dns_builder_rr(&b, TAPIR_DNS_AUTHORITY, &a, 1, 1, 300, "1234", 4), 0);
    int len = tapir_dns_builder_finish(&b);
    assert_int_equal(len, 12 + 3 + 10 + 4);
    assert_memory_equal(buf, "\0\7\x80\3\0\0\0\0\0\1\0\0", 12);
    struct tapir_dns_repr r;
    assert_int_equal(tapir_dns_parse(buf, (size_t)len, &r), 0);
    assert_prints(tapir_dns_print, &r, "7 NXDomain- [0q] 0/1/0 (29)");
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dns_golden_a),
        cmocka_unit_test(test_dns_golden_aaaa),
        cmocka_unit_test(test_dns_golden_cname_chain),
        cmocka_unit_test(test_dns_golden_nxdomain_txt_mx_ptr),
        cmocka_unit_test(test_dns_golden_truncated_answer),
        cmocka_unit_test(test_dns_rebuild_round_trip),
        cmocka_unit_test(test_dns_every_truncation),
        cmocka_unit_test(test_dns_malformed_names),
        cmocka_unit_test(test_dns_name_past_last_record),
        cmocka_unit_test(test_dns_malformed_records),
        cmocka_unit_test(test_dns_name_text),
        cmocka_unit_test(test_dns_builder_rules),
    };
    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
