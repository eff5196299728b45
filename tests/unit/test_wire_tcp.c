/* TCP against golden segments captured from Linux (tests/data/tcp_*.pcap): a whole
 * connection over IPv4 and IPv6, RSTs, SACK blocks and an unknown option. Parse with and
 * without the pseudo-header, emit identical bytes (raw options, and the Linux layout built
 * from the parsed fields), reject every truncation and each corruption with its own error,
 * print as tcpdump -nS does. */
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
#include "tapir/wire/tcp.h"
#include "wire/bytes.h"

#define PROTO_TCP 6

/* Every field but the pointers, and the bytes they point at; an option's values only when
 * it is present (a repr may hold values for an option it does not carry). */
static void assert_tcp_fields_equal(const struct tapir_tcp_repr *a, const struct tapir_tcp_repr *b)
{
    assert_int_equal(a->src_port, b->src_port);
    assert_int_equal(a->dst_port, b->dst_port);
    assert_int_equal(a->seq, b->seq);
    assert_int_equal(a->ack, b->ack);
    assert_int_equal(a->flags, b->flags);
    assert_int_equal(a->window, b->window);
    assert_int_equal(a->urgent, b->urgent);
    assert_int_equal(a->has_mss, b->has_mss);
    if (a->has_mss)
        assert_int_equal(a->mss, b->mss);
    assert_int_equal(a->has_wscale, b->has_wscale);
    if (a->has_wscale)
        assert_int_equal(a->wscale, b->wscale);
    assert_int_equal(a->sack_permitted, b->sack_permitted);
    assert_int_equal(a->has_timestamps, b->has_timestamps);
    if (a->has_timestamps) {
        assert_int_equal(a->ts_val, b->ts_val);
        assert_int_equal(a->ts_ecr, b->ts_ecr);
    }
    assert_int_equal(a->sack_count, b->sack_count);
    for (size_t i = 0; i < a->sack_count; i++) {
        assert_int_equal(a->sack[i].left, b->sack[i].left);
        assert_int_equal(a->sack[i].right, b->sack[i].right);
    }
    assert_int_equal(a->payload_len, b->payload_len);
    if (a->payload_len > 0)
        assert_memory_equal(a->payload, b->payload, a->payload_len);
}

/* tcpdump -nS -r tests/data/<file> output, the text after "IP a.p > b.q: ". */
static const char *const tcp_ipv4_lines[] = {
    "Flags [S], seq 3511668213, win 64240, options [mss 1460,sackOK,TS val 1232799077 ecr "
    "0,nop,wscale 10], length 0",
    "Flags [S.], seq 1152552002, ack 3511668214, win 65160, options [mss 1460,sackOK,TS val "
    "2910231607 ecr 1232799077,nop,wscale 10], length 0",
    "Flags [.], ack 1152552003, win 63, options [nop,nop,TS val 1232799077 ecr 2910231607], "
    "length 0",
    "Flags [P.], seq 3511668214:3511668226, ack 1152552003, win 63, options [nop,nop,TS val "
    "1232799078 ecr 2910231607], length 12",
    "Flags [.], ack 3511668226, win 64, options [nop,nop,TS val 2910231608 ecr 1232799078], "
    "length 0",
    "Flags [P.], seq 1152552003:1152552011, ack 3511668226, win 64, options [nop,nop,TS val "
    "2910231608 ecr 1232799078], length 8",
    "Flags [.], ack 1152552011, win 63, options [nop,nop,TS val 1232799078 ecr 2910231608], "
    "length 0",
    "Flags [P.], seq 3511668226:3511668233, ack 1152552011, win 63, options [nop,nop,TS val "
    "1232799078 ecr 2910231608], length 7",
    "Flags [P.], seq 1152552011:1152552611, ack 3511668233, win 64, options [nop,nop,TS val "
    "2910231608 ecr 1232799078], length 600",
    "Flags [F.], seq 3511668233, ack 1152552611, win 63, options [nop,nop,TS val 1232799078 "
    "ecr 2910231608], length 0",
    "Flags [F.], seq 1152552611, ack 3511668234, win 64, options [nop,nop,TS val 2910231608 "
    "ecr 1232799078], length 0",
    "Flags [.], ack 1152552612, win 63, options [nop,nop,TS val 1232799078 ecr 2910231608], "
    "length 0",
};

static const char *const tcp_ipv6_lines[] = {
    "Flags [S], seq 273567742, win 64800, options [mss 1440,sackOK,TS val 2832533998 ecr "
    "0,nop,wscale 10], length 0",
    "Flags [S.], seq 508810563, ack 273567743, win 64260, options [mss 1440,sackOK,TS val "
    "3120929040 ecr 2832533998,nop,wscale 10], length 0",
    "Flags [.], ack 508810564, win 64, options [nop,nop,TS val 2832533998 ecr 3120929040], "
    "length 0",
    "Flags [P.], seq 273567743:273567755, ack 508810564, win 64, options [nop,nop,TS val "
    "2832533998 ecr 3120929040], length 12",
    "Flags [.], ack 273567755, win 63, options [nop,nop,TS val 3120929040 ecr 2832533998], "
    "length 0",
    "Flags [P.], seq 508810564:508810572, ack 273567755, win 63, options [nop,nop,TS val "
    "3120929040 ecr 2832533998], length 8",
    "Flags [.], ack 508810572, win 64, options [nop,nop,TS val 2832533998 ecr 3120929040], "
    "length 0",
    "Flags [P.], seq 273567755:273567762, ack 508810572, win 64, options [nop,nop,TS val "
    "2832533998 ecr 3120929040], length 7",
    "Flags [P.], seq 508810572:508811172, ack 273567762, win 63, options [nop,nop,TS val "
    "3120929040 ecr 2832533998], length 600",
    "Flags [F.], seq 273567762, ack 508811172, win 64, options [nop,nop,TS val 2832533998 ecr "
    "3120929040], length 0",
    "Flags [F.], seq 508811172, ack 273567763, win 63, options [nop,nop,TS val 3120929040 ecr "
    "2832533998], length 0",
    "Flags [.], ack 508811173, win 64, options [nop,nop,TS val 2832533998 ecr 3120929040], "
    "length 0",
};

static const char *const tcp_rst_lines[] = {
    "Flags [S], seq 1389386118, win 64240, options [mss 1460,sackOK,TS val 669478812 ecr "
    "0,nop,wscale 10], length 0",
    "Flags [R.], seq 0, ack 1389386119, win 0, length 0",
    "Flags [S], seq 2440124484, win 64800, options [mss 1440,sackOK,TS val 3910967983 ecr "
    "0,nop,wscale 10], length 0",
    "Flags [R.], seq 0, ack 2440124485, win 0, length 0",
};

static const char *const tcp_sack_lines[] = {
    "Flags [S], seq 1000, win 64240, options [mss 1460,sackOK,TS val 100 ecr 0,nop,wscale 7], "
    "length 0",
    "Flags [S.], seq 4274399673, ack 1001, win 65160, options [mss 1460,sackOK,TS val "
    "2981467403 ecr 100,nop,wscale 10], length 0",
    "Flags [.], ack 4274399674, win 502, options [nop,nop,TS val 101 ecr 2981467403], length 0",
    "Flags [P.], seq 1101:1151, ack 4274399674, win 502, options [nop,nop,TS val 102 ecr "
    "2981467403], length 50",
    "Flags [.], ack 1001, win 64, options [nop,nop,TS val 2981467543 ecr 101,nop,nop,sack 1 "
    "{1101:1151}], length 0",
    "Flags [P.], seq 1201:1251, ack 4274399674, win 502, options [nop,nop,TS val 103 ecr "
    "2981467403], length 50",
    "Flags [.], ack 1001, win 64, options [nop,nop,TS val 2981467667 ecr 101,nop,nop,sack 2 "
    "{1201:1251}{1101:1151}], length 0",
    "Flags [P.], seq 1001:1101, ack 4274399674, win 502, options [nop,nop,TS val 104 ecr "
    "2981467403], length 100",
    "Flags [.], ack 1151, win 64, options [nop,nop,TS val 2981467791 ecr 104,nop,nop,sack 1 "
    "{1201:1251}], length 0",
    "Flags [P.], seq 1151:1201, ack 4274399674, win 502, options [nop,nop,TS val 105 ecr "
    "2981467403], length 50",
    "Flags [.], ack 1251, win 64, options [nop,nop,TS val 2981467915 ecr 105], length 0",
    "Flags [R], seq 1251, win 0, length 0",
};

static const char *const tcp_unknown_opt_lines[] = {
    "Flags [S], seq 5000, win 29200, options [mss 1400,unknown-99 0xdeadbeef,nop,wscale "
    "3,eol], length 0",
    "Flags [S.], seq 1229485291, ack 5001, win 64240, options [mss 1460,nop,wscale 10], length "
    "0",
    "Flags [R], seq 5001, win 0, length 0",
};

static const struct tcp_capture {
    const char *file;
    const char *const *lines;
    size_t count;
} golden_tcp[] = {
    {"tcp_ipv4.pcap", tcp_ipv4_lines, 12},
    {"tcp_ipv6.pcap", tcp_ipv6_lines, 12},
    {"tcp_rst.pcap", tcp_rst_lines, 4},
    {"tcp_sack.pcap", tcp_sack_lines, 12},
    {"tcp_unknown_opt.pcap", tcp_unknown_opt_lines, 3},
};

/* Checks segment `i` of a golden capture every way. */
static void check_segment(const struct golden *g, size_t i, const void *arg)
{
    const struct tcp_capture *c = arg;
    const char *line = c->lines[i];
    /* Whether the option layout tapir builds from the fields is the one on the wire: true
     * for everything Linux sent, not for scapy's SYN with option kind 99. */
    bool built_same = !(strcmp(c->file, "tcp_unknown_opt.pcap") == 0 && i == 0);
    struct wire_slice s;
    golden_slice(g, i, TAPIR_LAYER_TCP, &s);
    size_t len = s.len;
    uint8_t *seg = exact_copy(s.bytes, len);
    struct tapir_tcp_repr r, r2;
    assert_int_equal(tapir_tcp_parse(seg, len, &s.ph, &r), 0);
    assert_int_equal(tapir_tcp_parse(seg, len, NULL, &r2), 0);
    assert_tcp_fields_equal(&r, &r2);
    size_t hlen = (size_t)(seg[12] >> 4) * 4;
    assert_int_equal(tapir_tcp_header_len(&r), hlen);
    assert_int_equal(r.checksum, load_be16(seg + 16));
    assert_int_equal(r.options_len, hlen - 20);
    if (hlen > 20)
        assert_ptr_equal(r.options, seg + 20);
    else
        assert_null(r.options);
    assert_ptr_equal(r.payload, seg + hlen);
    assert_int_equal(r.payload_len, len - hlen);

    /* Raw options: the same bytes, checksum recomputed from the pseudo-header. */
    uint8_t *out = malloc(len + 4);
    memset(out, 0xa5, len + 4);
    assert_int_equal(tapir_tcp_emit(&r, &s.ph, out, len + 4), (int)len);
    assert_memory_equal(out, seg, len);
    assert_int_equal(out[len], 0xa5);
    assert_int_equal(tapir_tcp_parse(out, len, &s.ph, &r2), 0);
    assert_tcp_fields_equal(&r, &r2);
    for (size_t cap = 0; cap < len; cap++)
        assert_int_equal(tapir_tcp_emit(&r, &s.ph, out, cap), TAPIR_ENOBUFS);
    /* Without a pseudo-header the checksum field is left 0. */
    assert_int_equal(tapir_tcp_emit(&r, NULL, out, len), (int)len);
    assert_int_equal(load_be16(out + 16), 0);
    assert_memory_equal(out + 18, seg + 18, len - 18);

    /* Options built from the parsed fields. */
    struct tapir_tcp_repr b = r;
    b.options = NULL;
    b.options_len = 0;
    size_t blen = tapir_tcp_header_len(&b) + r.payload_len;
    uint8_t *bout = malloc(blen + 4);
    memset(bout, 0xa5, blen + 4);
    assert_int_equal(tapir_tcp_emit(&b, &s.ph, bout, blen + 4), (int)blen);
    assert_int_equal(bout[blen], 0xa5);
    if (built_same) {
        assert_int_equal(blen, len);
        assert_memory_equal(bout, seg, len);
    }
    assert_int_equal(tapir_tcp_parse(bout, blen, &s.ph, &r2), 0);
    assert_tcp_fields_equal(&r, &r2);
    free(bout);

    /* Emitting in place over the parsed segment works. */
    assert_int_equal(tapir_tcp_emit(&r, &s.ph, seg, len), (int)len);
    assert_memory_equal(seg, s.bytes, len);

    /* Every truncation: within the fixed header, within the options, within the data
     * (which only the checksum can tell). */
    for (size_t cut = 0; cut < len; cut++) {
        uint8_t *p = exact_copy(seg, cut);
        if (cut < hlen) {
            assert_int_equal(tapir_tcp_parse(p, cut, NULL, &r2), TAPIR_ETRUNCATED);
            assert_int_equal(tapir_tcp_parse(p, cut, &s.ph, &r2), TAPIR_ETRUNCATED);
        } else {
            assert_int_equal(tapir_tcp_parse(p, cut, NULL, &r2), 0);
            assert_int_equal(r2.payload_len, cut - hlen);
            assert_int_equal(tapir_tcp_parse(p, cut, &s.ph, &r2), TAPIR_EBADCHECKSUM);
        }
        free(p);
    }

    assert_prints(tapir_tcp_print, &r, line);
    /* The built layout prints the same as the wire one (Linux's layout is tapir's). */
    if (built_same)
        assert_prints(tapir_tcp_print, &b, line);
    free(out);
    free(seg);
    wire_slice_free(&s);
}

static void test_tcp_golden(void **state)
{
    (void)state;
    for (size_t f = 0; f < sizeof golden_tcp / sizeof golden_tcp[0]; f++)
        golden_each(golden_tcp[f].file, golden_tcp[f].count, check_segment, &golden_tcp[f]);
}

/* Parses segment `index` of `file` (verified) into *r; the bytes stay valid until
 * wire_slice_free(s). */
static void parse_golden(const char *file, size_t index, struct wire_slice *s,
                         struct tapir_tcp_repr *r)
{
    golden_slice_file(file, index, TAPIR_LAYER_TCP, s);
    assert_int_equal(tapir_tcp_parse(s->bytes, s->len, &s->ph, r), 0);
}

static void test_tcp_fields(void **state)
{
    (void)state;
    struct wire_slice s;
    struct tapir_tcp_repr r;

    /* Linux's SYN: every option it offers. */
    parse_golden("tcp_ipv4.pcap", 0, &s, &r);
    assert_int_equal(r.src_port, 40100);
    assert_int_equal(r.dst_port, 40200);
    assert_int_equal(r.seq, 3511668213u);
    assert_int_equal(r.ack, 0);
    assert_int_equal(r.flags, TAPIR_TCP_SYN);
    assert_int_equal(r.window, 64240);
    assert_int_equal(r.urgent, 0);
    assert_int_equal(r.checksum, 0x1983);
    assert_true(r.has_mss);
    assert_int_equal(r.mss, 1460);
    assert_true(r.has_wscale);
    assert_int_equal(r.wscale, 10);
    assert_true(r.sack_permitted);
    assert_true(r.has_timestamps);
    assert_int_equal(r.ts_val, 1232799077u);
    assert_int_equal(r.ts_ecr, 0);
    assert_int_equal(r.sack_count, 0);
    assert_int_equal(r.options_len, 20);
    assert_int_equal(r.payload_len, 0);
    assert_int_equal(tapir_tcp_options_len(&r), 20);
    wire_slice_free(&s);

    /* The 600-byte reply. */
    parse_golden("tcp_ipv4.pcap", 8, &s, &r);
    assert_int_equal(r.flags, TAPIR_TCP_PSH | TAPIR_TCP_ACK);
    assert_int_equal(r.payload_len, 600);
    for (size_t i = 0; i < 600; i++)
        assert_int_equal(r.payload[i], i % 251);
    assert_false(r.has_mss || r.has_wscale || r.sack_permitted);
    assert_true(r.has_timestamps);
    assert_int_equal(r.ts_val, 2910231608u);
    assert_int_equal(r.ts_ecr, 1232799078u);
    wire_slice_free(&s);

    /* IPv6: the request, and the MSS of a 1500-byte link less 60 bytes of headers. */
    parse_golden("tcp_ipv6.pcap", 3, &s, &r);
    assert_int_equal(r.payload_len, 12);
    assert_memory_equal(r.payload, "hello tapir\n", 12);
    wire_slice_free(&s);
    parse_golden("tcp_ipv6.pcap", 0, &s, &r);
    assert_int_equal(r.mss, 1440);
    wire_slice_free(&s);

    /* The RST+ACK from a closed port: no options at all. */
    parse_golden("tcp_rst.pcap", 1, &s, &r);
    assert_int_equal(r.flags, TAPIR_TCP_RST | TAPIR_TCP_ACK);
    assert_int_equal(r.seq, 0);
    assert_int_equal(r.ack, 1389386119u);
    assert_int_equal(r.window, 0);
    assert_null(r.options);
    assert_int_equal(r.options_len, 0);
    assert_int_equal(tapir_tcp_header_len(&r), 20);
    wire_slice_free(&s);

    /* SACK: one block, then two (most recent first, RFC 2018 §4), then one again. */
    parse_golden("tcp_sack.pcap", 4, &s, &r);
    assert_int_equal(r.ack, 1001);
    assert_int_equal(r.sack_count, 1);
    assert_int_equal(r.sack[0].left, 1101);
    assert_int_equal(r.sack[0].right, 1151);
    assert_true(r.has_timestamps);
    assert_int_equal(r.ts_ecr, 101);
    assert_int_equal(r.options_len, 24);
    wire_slice_free(&s);
    parse_golden("tcp_sack.pcap", 6, &s, &r);
    assert_int_equal(r.sack_count, 2);
    assert_int_equal(r.sack[0].left, 1201);
    assert_int_equal(r.sack[0].right, 1251);
    assert_int_equal(r.sack[1].left, 1101);
    assert_int_equal(r.sack[1].right, 1151);
    assert_int_equal(r.options_len, 32);
    wire_slice_free(&s);
    parse_golden("tcp_sack.pcap", 8, &s, &r);
    assert_int_equal(r.ack, 1151);
    assert_int_equal(r.sack_count, 1);
    assert_int_equal(r.sack[0].left, 1201);
    wire_slice_free(&s);

    /* The unknown option (kind 99, 6 bytes) is skipped by its length; what follows it is
     * still read, and the EOL padding ends the list. */
    parse_golden("tcp_unknown_opt.pcap", 0, &s, &r);
    assert_true(r.has_mss);
    assert_int_equal(r.mss, 1400);
    assert_true(r.has_wscale);
    assert_int_equal(r.wscale, 3);
    assert_false(r.sack_permitted || r.has_timestamps);
    assert_int_equal(r.options_len, 16);
    assert_int_equal(r.options[4], 99);
    /* Built from the fields, the same options take Linux's shorter layout. */
    struct tapir_tcp_repr b = r;
    b.options = NULL;
    assert_int_equal(tapir_tcp_options_len(&b), 8);
    wire_slice_free(&s);
}

/* A segment carrying `opts` (n bytes, a multiple of 4) as its options, parsed unverified. */
static int parse_with_options(const uint8_t *opts, size_t n, struct tapir_tcp_repr *r)
{
    struct tapir_tcp_repr base = {
        .src_port = 1,
        .dst_port = 2,
        .seq = 3,
        .flags = TAPIR_TCP_SYN,
        .window = 4,
        .options = opts,
        .options_len = n,
    };
    uint8_t buf[TAPIR_TCP_MAX_HEADER_LEN];
    int len = tapir_tcp_emit(&base, NULL, buf, sizeof buf);
    assert_int_equal(len, 20 + (int)n);
    uint8_t *p = exact_copy(buf, (size_t)len);
    int rc = tapir_tcp_parse(p, (size_t)len, NULL, r);
    free(p);
    r->options = NULL; /* pointed into the freed copy */
    r->payload = NULL;
    return rc;
}

static void test_tcp_bad_options(void **state)
{
    (void)state;
    struct tapir_tcp_repr r;
    static const struct {
        const char *what;
        uint8_t opts[40];
        size_t len;
    } bad[] = {
        {"mss length 3", {2, 3, 5, 1}, 4},
        {"mss length 5", {2, 5, 5, 180, 0, 1, 1, 1}, 8},
        {"wscale length 2", {1, 3, 2, 7}, 4},
        {"wscale length 4", {3, 4, 7, 0}, 4},
        {"sackOK length 3", {4, 3, 0, 1}, 4},
        {"TS length 9", {1, 1, 8, 9, 0, 0, 0, 1, 0, 0, 0, 2}, 12},
        {"TS length 11", {1, 8, 11, 0, 0, 0, 1, 0, 0, 0, 2, 0}, 12},
        {"SACK with no block", {1, 1, 5, 2}, 4},
        {"SACK length 9", {1, 1, 5, 9, 0, 0, 0, 1, 0, 0, 0, 1}, 12},
        {"SACK length 11", {5, 11, 0, 0, 0, 1, 0, 0, 0, 1, 0, 1}, 12},
        {"length 0", {8, 0, 1, 1}, 4},
        {"length 1", {99, 1, 1, 1}, 4},
        {"length past the header", {1, 1, 99, 3}, 4},
        {"mss past the header", {1, 1, 2, 4}, 4},
        {"no length byte", {1, 1, 1, 2}, 4},
        {"no length byte, unknown kind", {1, 1, 1, 200}, 4},
        {"a good option, then a bad one", {2, 4, 5, 180, 1, 1, 3, 2}, 8},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int rc = parse_with_options(bad[i].opts, bad[i].len, &r);
        if (rc != TAPIR_EBADOPTION)
            fail_msg("%s: got %d", bad[i].what, rc);
    }

    /* Four SACK blocks (34 bytes) fit; the option cannot be longer in 40 bytes. */
    uint8_t four[36] = {1, 1, 5, 34};
    for (size_t i = 0; i < 8; i++)
        store_be32(four + 4 + 4 * i, (uint32_t)(1000 + 100 * i));
    assert_int_equal(parse_with_options(four, sizeof four, &r), 0);
    assert_int_equal(r.sack_count, 4);
    assert_int_equal(r.sack[3].left, 1600);
    assert_int_equal(r.sack[3].right, 1700);

    /* EOL ends the list: what follows is not looked at. */
    static const uint8_t eol[] = {2, 4, 5, 180, 0, 0xff, 0xff, 0xff};
    assert_int_equal(parse_with_options(eol, sizeof eol, &r), 0);
    assert_true(r.has_mss);
    assert_int_equal(r.mss, 1460);
    /* Unknown kinds are skipped by their length, wherever they are, even with no data. */
    static const uint8_t unknown[] = {200, 6, 1, 2, 3, 4, 3, 3, 5, 253, 2, 1};
    assert_int_equal(parse_with_options(unknown, sizeof unknown, &r), 0);
    assert_true(r.has_wscale);
    assert_int_equal(r.wscale, 5);
    /* A window scale above 14 is kept as sent (RFC 7323 §2.3 clamping is the engine's). */
    static const uint8_t ws15[] = {1, 3, 3, 15};
    assert_int_equal(parse_with_options(ws15, sizeof ws15, &r), 0);
    assert_int_equal(r.wscale, 15);
    /* A repeated option: the last one counts. */
    static const uint8_t twice[] = {2, 4, 1, 0, 2, 4, 2, 0};
    assert_int_equal(parse_with_options(twice, sizeof twice, &r), 0);
    assert_int_equal(r.mss, 512);
    /* Only NOPs. */
    static const uint8_t nops[] = {1, 1, 1, 1};
    assert_int_equal(parse_with_options(nops, sizeof nops, &r), 0);
    assert_false(r.has_mss || r.has_wscale || r.has_timestamps || r.sack_permitted);
}

static void test_tcp_corruptions(void **state)
{
    (void)state;
    struct wire_slice s;
    golden_slice_file("tcp_ipv4.pcap", 0, TAPIR_LAYER_TCP, &s); /* the SYN, 40 bytes */
    assert_int_equal(s.len, 40);
    uint8_t *p = exact_copy(s.bytes, s.len);
    struct tapir_tcp_repr r;

    /* Data offset below 5 words. */
    for (uint8_t doff = 0; doff < 5; doff++) {
        p[12] = (uint8_t)(doff << 4);
        assert_int_equal(tapir_tcp_parse(p, s.len, NULL, &r), TAPIR_EBADHEADERLEN);
    }
    /* Data offset past the segment (11 words = 44 bytes > 40). */
    for (uint8_t doff = 11; doff <= 15; doff++) {
        p[12] = (uint8_t)(doff << 4);
        assert_int_equal(tapir_tcp_parse(p, s.len, NULL, &r), TAPIR_ETRUNCATED);
    }
    memcpy(p, s.bytes, s.len);

    /* Any flipped bit outside the data offset: the checksum no longer verifies. */
    for (size_t at = 0; at < s.len; at++) {
        if (at == 12)
            continue;
        p[at] ^= 0x01;
        assert_int_equal(tapir_tcp_parse(p, s.len, &s.ph, &r), TAPIR_EBADCHECKSUM);
        p[at] ^= 0x01;
    }
    /* The checksum is checked before the options are: a bad option in a segment whose
     * checksum fails reports the checksum. */
    p[21] = 3; /* mss length 3 */
    assert_int_equal(tapir_tcp_parse(p, s.len, &s.ph, &r), TAPIR_EBADCHECKSUM);
    assert_int_equal(tapir_tcp_parse(p, s.len, NULL, &r), TAPIR_EBADOPTION);
    memcpy(p, s.bytes, s.len);

    /* The wrong pseudo-header, and malformed ones. */
    assert_int_equal(tapir_tcp_parse(p, s.len, &s.ph, &r), 0);
    struct tapir_pseudo_header ph = s.ph;
    ph.protocol = 17;
    assert_int_equal(tapir_tcp_parse(p, s.len, &ph, &r), TAPIR_EBADCHECKSUM);
    ph = s.ph;
    ph.dst.v4.bytes[0] ^= 0x80;
    assert_int_equal(tapir_tcp_parse(p, s.len, &ph, &r), TAPIR_EBADCHECKSUM);
    ph = s.ph;
    ph.src.version = TAPIR_IP_V6;
    assert_int_equal(tapir_tcp_parse(p, s.len, &ph, &r), TAPIR_EINVAL);
    assert_int_equal(tapir_tcp_emit(&r, &ph, p, s.len), TAPIR_EINVAL);
    ph.src.version = ph.dst.version = 0;
    assert_int_equal(tapir_tcp_parse(p, s.len, &ph, &r), TAPIR_EINVAL);
    free(p);
    wire_slice_free(&s);
}

static void ph_v6(struct tapir_pseudo_header *ph)
{
    memset(ph, 0, sizeof *ph);
    ph->src.version = ph->dst.version = TAPIR_IP_V6;
    ph->src.v6.bytes[0] = ph->dst.v6.bytes[0] = 0xfd;
    ph->src.v6.bytes[1] = ph->dst.v6.bytes[1] = 0xaa;
    ph->src.v6.bytes[15] = 1;
    ph->dst.v6.bytes[15] = 2;
    ph->protocol = PROTO_TCP;
}

static void test_tcp_build_options(void **state)
{
    (void)state;
    struct tapir_tcp_repr r = {
        .src_port = 40100,
        .dst_port = 80,
        .seq = 1,
        .flags = TAPIR_TCP_SYN,
        .window = 64240,
        .has_mss = true,
        .mss = 1460,
        .sack_permitted = true,
        .has_timestamps = true,
        .ts_val = 1,
        .ts_ecr = 0,
        .has_wscale = true,
        .wscale = 7,
    };
    uint8_t out[80];
    struct tapir_tcp_repr back;
    struct tapir_pseudo_header ph;
    ph_v6(&ph);

    /* Linux's SYN: mss, sackOK, TS, nop, wscale. */
    static const uint8_t syn[] = {2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0,
                                  0, 1, 0,    0,    0, 0, 1, 3,  3, 7};
    assert_int_equal(tapir_tcp_options_len(&r), 20);
    assert_int_equal(tapir_tcp_header_len(&r), 40);
    memset(out, 0xa5, sizeof out);
    assert_int_equal(tapir_tcp_emit(&r, &ph, out, sizeof out), 40);
    assert_int_equal(out[12], 0xa0);
    assert_int_equal(out[13], 0x02);
    assert_memory_equal(out + 20, syn, sizeof syn);
    assert_int_equal(out[40], 0xa5);
    assert_int_equal(tapir_tcp_parse(out, 40, &ph, &back), 0);
    assert_tcp_fields_equal(&r, &back);

    assert_prints(tapir_tcp_print, &r,
                  "Flags [S], seq 1, win 64240, options [mss 1460,sackOK,TS val 1 ecr "
                  "0,nop,wscale 7], length 0");

    /* Each option alone. */
    struct tapir_tcp_repr none = {.flags = TAPIR_TCP_ACK};
    assert_int_equal(tapir_tcp_options_len(&none), 0);
    assert_int_equal(tapir_tcp_header_len(&none), 20);
    static const struct {
        struct tapir_tcp_repr r;
        uint8_t opts[12];
        size_t len;
    } alone[] = {
        {{.flags = TAPIR_TCP_ACK,
          .has_timestamps = true,
          .ts_val = 0x01020304,
          .ts_ecr = 0x05060708},
         {1, 1, 8, 10, 1, 2, 3, 4, 5, 6, 7, 8},
         12},
        {{.flags = TAPIR_TCP_ACK, .sack_permitted = true}, {1, 1, 4, 2}, 4},
        {{.flags = TAPIR_TCP_ACK, .has_wscale = true, .wscale = 14}, {1, 3, 3, 14}, 4},
        {{.flags = TAPIR_TCP_ACK, .has_mss = true, .mss = 536}, {2, 4, 2, 24}, 4},
    };
    for (size_t i = 0; i < sizeof alone / sizeof alone[0]; i++) {
        assert_int_equal(tapir_tcp_emit(&alone[i].r, NULL, out, sizeof out),
                         20 + (int)alone[i].len);
        assert_memory_equal(out + 20, alone[i].opts, alone[i].len);
    }

    /* An ACK with timestamps and SACK: nop, nop, TS, nop, nop, sack. Three blocks fill the
     * 40 bytes; a fourth does not fit. */
    struct tapir_tcp_repr ack = {
        .flags = TAPIR_TCP_ACK,
        .ack = 1001,
        .window = 64,
        .has_timestamps = true,
        .ts_val = 7,
        .ts_ecr = 8,
        .sack_count = 3,
        .sack = {{1101, 1151}, {1201, 1251}, {1301, 1351}},
    };
    assert_int_equal(tapir_tcp_options_len(&ack), 40);
    assert_int_equal(tapir_tcp_emit(&ack, &ph, out, sizeof out), 60);
    static const uint8_t ack_head[] = {1, 1, 8, 10, 0, 0, 0, 7, 0, 0, 0, 8, 1, 1, 5, 26};
    assert_memory_equal(out + 20, ack_head, sizeof ack_head);
    assert_int_equal(tapir_tcp_parse(out, 60, &ph, &back), 0);
    assert_tcp_fields_equal(&ack, &back);
    assert_prints(tapir_tcp_print, &ack,
                  "Flags [.], ack 1001, win 64, options [nop,nop,TS val 7 ecr 8,nop,nop,"
                  "sack 3 {1101:1151}{1201:1251}{1301:1351}], length 0");
    ack.sack_count = 4;
    ack.sack[3] = (struct tapir_tcp_sack_block){1401, 1451};
    assert_int_equal(tapir_tcp_options_len(&ack), 48);
    assert_int_equal(tapir_tcp_header_len(&ack), 68);
    assert_int_equal(tapir_tcp_emit(&ack, &ph, out, sizeof out), TAPIR_EINVAL);
    /* Without timestamps, four blocks fit. */
    ack.has_timestamps = false;
    assert_int_equal(tapir_tcp_options_len(&ack), 36);
    assert_int_equal(tapir_tcp_emit(&ack, &ph, out, sizeof out), 56);
    assert_int_equal(tapir_tcp_parse(out, 56, &ph, &back), 0);
    assert_tcp_fields_equal(&ack, &back);
    ack.sack_count = 5;
    assert_int_equal(tapir_tcp_emit(&ack, &ph, out, sizeof out), TAPIR_EINVAL);

    /* Everything at once: with two SACK blocks it is exactly 40 bytes, with three too many. */
    r.sack_count = 2;
    r.sack[0] = (struct tapir_tcp_sack_block){10, 20};
    r.sack[1] = (struct tapir_tcp_sack_block){30, 40};
    assert_int_equal(tapir_tcp_emit(&r, &ph, out, sizeof out), 60);
    assert_int_equal(tapir_tcp_parse(out, 60, &ph, &back), 0);
    assert_tcp_fields_equal(&r, &back);
    r.sack_count = 3;
    assert_int_equal(tapir_tcp_emit(&r, &ph, out, sizeof out), TAPIR_EINVAL);
}

static void test_tcp_emit_raw(void **state)
{
    (void)state;
    uint8_t out[80];
    struct tapir_tcp_repr back;
    struct tapir_pseudo_header ph;
    ph_v6(&ph);
    static const uint8_t payload[] = "data";

    /* Raw options of a length that is not whole words are padded with EOL. */
    static const uint8_t three[] = {1, 1, 1};
    struct tapir_tcp_repr r = {
        .src_port = 1,
        .dst_port = 2,
        .seq = 0xfffffffe,
        .ack = 9,
        .flags = TAPIR_TCP_ACK | TAPIR_TCP_AE | 0x800, /* and a reserved bit */
        .window = 5,
        .urgent = 6,
        .options = three,
        .options_len = 3,
        .payload = payload,
        .payload_len = 4,
    };
    assert_int_equal(tapir_tcp_options_len(&r), 4);
    assert_int_equal(tapir_tcp_header_len(&r), 24);
    memset(out, 0xa5, sizeof out);
    assert_int_equal(tapir_tcp_emit(&r, &ph, out, sizeof out), 28);
    static const uint8_t head[] = {0, 1, 0, 2, 0xff, 0xff, 0xff, 0xfe, 0, 0, 0, 9, 0x69, 0x10};
    assert_memory_equal(out, head, sizeof head);
    assert_int_equal(load_be16(out + 18), 6);
    assert_memory_equal(out + 20, "\x01\x01\x01\x00", 4);
    assert_memory_equal(out + 24, "data", 4);
    assert_int_equal(out[28], 0xa5);
    assert_int_equal(tapir_tcp_parse(out, 28, &ph, &back), 0);
    assert_int_equal(back.flags, TAPIR_TCP_ACK | TAPIR_TCP_AE | 0x800);
    assert_int_equal(back.options_len, 4);

    /* The payload already in place (NULL) is left where it is. */
    r.payload = NULL;
    assert_int_equal(tapir_tcp_emit(&r, &ph, out, sizeof out), 28);
    assert_memory_equal(out + 24, "data", 4);
    assert_int_equal(tapir_tcp_parse(out, 28, &ph, &back), 0);

    /* More than 40 bytes of raw options cannot be written; nor can an over-long segment. */
    static const uint8_t many[44] = {0};
    r.options = many;
    r.options_len = 41;
    assert_int_equal(tapir_tcp_header_len(&r), 61);
    assert_int_equal(tapir_tcp_emit(&r, NULL, out, sizeof out), TAPIR_EINVAL);
    r.options_len = 40;
    assert_int_equal(tapir_tcp_emit(&r, NULL, out, 63), TAPIR_ENOBUFS);
    assert_int_equal(tapir_tcp_emit(&r, NULL, out, 64), 64);
    r.options_len = 0;
    r.payload_len = 65535 - 20 + 1;
    assert_int_equal(tapir_tcp_emit(&r, NULL, out, sizeof out), TAPIR_EINVAL);
}

static void print_raw(const uint8_t *opts, size_t n, char *buf, size_t cap)
{
    struct tapir_tcp_repr r = {
        .seq = 1,
        .ack = 2,
        .flags = TAPIR_TCP_SYN,
        .window = 100,
        .options = opts,
        .options_len = n,
    };
    struct tapir_text t;
    tapir_text_init(&t, buf, cap);
    tapir_tcp_print(&t, &r);
}

/* Options tcpdump decodes that tapir only prints, each against what tcpdump 4.99.3 -nS
 * printed for the same bytes (crafted with scapy, not part of the golden set). */
static void test_tcp_print_options(void **state)
{
    (void)state;
    static const struct {
        uint8_t opts[40];
        size_t len;
        const char *text;
    } cases[] = {
        {{6, 6, 0, 0, 0, 9, 7, 6, 0, 0, 0, 10}, 12, "echo 9,echoreply 10"},
        {{11, 6, 0, 0, 1, 0, 12, 6, 0, 0, 0, 1, 13, 6, 0, 0, 0, 2, 1, 1},
         20,
         "cc 256,ccnew 1, 2,nop,nop"},
        {{19, 18, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 1, 1},
         20,
         "md5 shared secret not supplied with -M, can't check - "
         "000102030405060708090a0b0c0d0e0f,nop,nop"},
        {{20, 4, 0xab, 7}, 4, "scps cap ab id 7"},
        {{28, 4, 0x01, 0x2d}, 4, "uto 0x12d 9000"},
        {{28, 4, 0x01, 0x2c}, 4, "uto 0x12c 150"},
        {{29, 8, 3, 4, 0xaa, 0xbb, 0xcc, 0xdd}, 8, "tcp-ao keyid 3 rnextkeyid 4 mac 0xaabbccdd"},
        {{29, 3, 3, 0}, 4, "tcp-ao (invalid),eol"},
        {{34, 2, 1, 1}, 4, "tfo  cookiereq,nop,nop"},
        {{34, 10, 1, 2, 3, 4, 5, 6, 7, 8, 1, 1}, 12, "tfo  cookie 0102030405060708,nop,nop"},
        {{254, 4, 0xf9, 0x89}, 4, "exp-tfo cookiereq"},
        {{254, 8, 0x12, 0x34, 1, 2, 3, 4}, 8, "exp-1234"},
        {{253, 2, 1, 1}, 4, "unknown-253,nop,nop"},
        {{5, 2, 1, 1}, 4, "sack 0 ,nop,nop"},
        {{5, 5, 1, 2, 3, 1, 1, 1}, 8, "sack invalid sack,nop,nop,nop"},
        {{2, 4, 5, 0xb4, 0, 0, 0, 0}, 8, "mss 1460,eol"},
        /* Not tcpdump's text: a fixed-size kind with another length is shown by its bytes
         * (tcpdump reads it at its usual size and goes on from there: "wscale 7[len 4],eol"),
         * and a malformed list stops at "[bad opt]". */
        {{3, 4, 7, 0}, 4, "wscale 0x0700[len 4]"},
        {{1, 2, 1, 1}, 4, "nop,[bad opt]"},
    };
    char buf[512], expect[512];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        print_raw(cases[i].opts, cases[i].len, buf, sizeof buf);
        snprintf(expect, sizeof expect, "Flags [S], seq 1, win 100, options [%s], length 0",
                 cases[i].text);
        assert_text_eq(buf, expect);
    }
}

static void test_tcp_print_flags(void **state)
{
    (void)state;
    struct tapir_text t;
    const uint8_t x = 'x';
    struct tapir_tcp_repr r = {
        .src_port = 1,
        .dst_port = 2,
        .seq = 1,
        .ack = 2,
        .window = 3,
        .urgent = 77,
        .flags = 0xff,
        .payload = &x,
        .payload_len = 1,
    };
    assert_prints(tapir_tcp_print, &r, "Flags [FSRP.UEW], seq 1:2, ack 2, win 3, urg 77, length 1");

    /* No flag at all; and AE alone, which tcpdump 4.99 does not show either. */
    r.flags = 0;
    r.payload_len = 0;
    assert_prints(tapir_tcp_print, &r, "Flags [none], win 3, length 0");
    r.flags = TAPIR_TCP_AE;
    assert_prints(tapir_tcp_print, &r, "Flags [none], win 3, length 0");

    /* The end of the data wraps around the sequence space. */
    static const uint8_t ten[10] = "0123456789";
    r.flags = TAPIR_TCP_ACK;
    r.seq = 4294967290u;
    r.payload = ten;
    r.payload_len = 10;
    assert_prints(tapir_tcp_print, &r, "Flags [.], seq 4294967290:4, ack 2, win 3, length 10");

    /* A printer cut short by a small buffer stays NUL-terminated. */
    char small[16];
    tapir_text_init(&t, small, sizeof small);
    tapir_tcp_print(&t, &r);
    assert_false(tapir_text_complete(&t));
    assert_int_equal(strlen(small), sizeof small - 1);
}

static void test_tcp_verbose(void **state)
{
    (void)state;
    struct wire_slice s;
    struct tapir_tcp_repr r;

    parse_golden("tcp_ipv4.pcap", 0, &s, &r);
    assert_prints(tapir_tcp_print_verbose, &r,
                  "TCP\n"
                  "  source port: 40100\n"
                  "  destination port: 40200\n"
                  "  sequence number: 3511668213\n"
                  "  acknowledgment number: 0\n"
                  "  header length: 40\n"
                  "  flags: 0x002 (SYN)\n"
                  "  window: 64240\n"
                  "  checksum: 0x1983\n"
                  "  urgent pointer: 0\n"
                  "  options length: 20\n"
                  "  option: mss 1460\n"
                  "  option: sackOK\n"
                  "  option: TS val 1232799077 ecr 0\n"
                  "  option: nop\n"
                  "  option: wscale 10\n"
                  "  payload length: 0\n");
    wire_slice_free(&s);

    parse_golden("tcp_sack.pcap", 6, &s, &r);
    assert_prints(tapir_tcp_print_verbose, &r,
                  "TCP\n"
                  "  source port: 40300\n"
                  "  destination port: 40400\n"
                  "  sequence number: 4274399674\n"
                  "  acknowledgment number: 1001\n"
                  "  header length: 52\n"
                  "  flags: 0x010 (ACK)\n"
                  "  window: 64\n"
                  "  checksum: 0x5206\n"
                  "  urgent pointer: 0\n"
                  "  options length: 32\n"
                  "  option: nop\n"
                  "  option: nop\n"
                  "  option: TS val 2981467667 ecr 101\n"
                  "  option: nop\n"
                  "  option: nop\n"
                  "  option: sack 2 {1201:1251}{1101:1151}\n"
                  "  payload length: 0\n");
    wire_slice_free(&s);

    parse_golden("tcp_unknown_opt.pcap", 0, &s, &r);
    r.flags |= TAPIR_TCP_AE | 0x400 | TAPIR_TCP_ECE | TAPIR_TCP_CWR;
    assert_prints(tapir_tcp_print_verbose, &r,
                  "TCP\n"
                  "  source port: 40401\n"
                  "  destination port: 40300\n"
                  "  sequence number: 5000\n"
                  "  acknowledgment number: 0\n"
                  "  header length: 36\n"
                  "  flags: 0x5c2 (SYN, ECE, CWR, AE, reserved 0x400)\n"
                  "  window: 29200\n"
                  "  checksum: 0x96bb\n"
                  "  urgent pointer: 0\n"
                  "  options length: 16\n"
                  "  option: mss 1400\n"
                  "  option: unknown-99 0xdeadbeef\n"
                  "  option: nop\n"
                  "  option: wscale 3\n"
                  "  option: eol\n"
                  "  payload length: 0\n");
    wire_slice_free(&s);

    /* No flags; a malformed raw list. */
    static const uint8_t bad[] = {2, 9, 0, 0};
    struct tapir_tcp_repr z = {.options = bad, .options_len = sizeof bad};
    assert_prints(tapir_tcp_print_verbose, &z,
                  "TCP\n"
                  "  source port: 0\n"
                  "  destination port: 0\n"
                  "  sequence number: 0\n"
                  "  acknowledgment number: 0\n"
                  "  header length: 24\n"
                  "  flags: 0x000 (none)\n"
                  "  window: 0\n"
                  "  checksum: 0x0000\n"
                  "  urgent pointer: 0\n"
                  "  options length: 4\n"
                  "  option: [bad opt]\n"
                  "  payload length: 0\n");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tcp_golden),        cmocka_unit_test(test_tcp_fields),
        cmocka_unit_test(test_tcp_bad_options),   cmocka_unit_test(test_tcp_corruptions),
        cmocka_unit_test(test_tcp_build_options), cmocka_unit_test(test_tcp_emit_raw),
        cmocka_unit_test(test_tcp_print_options), cmocka_unit_test(test_tcp_print_flags),
        cmocka_unit_test(test_tcp_verbose),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
