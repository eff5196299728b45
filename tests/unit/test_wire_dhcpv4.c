/* DHCPv4 against golden messages (tests/data/dhcpv4_dora.pcap: busybox udhcpc and dnsmasq;
 * dhcpv4_nak.pcap: dnsmasq's NAK to a scapy INIT-REBOOT request): every decoded field,
 * emit and parse again to the same repr, every truncation before END rejected, each
 * malformation with its own error, option overload, and the printers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "golden.h"
#include "tapir/error.h"
#include "tapir/wire/dhcpv4.h"
#include "wire/bytes.h"
#include "wire_slices.h"

/* The DHCP message of frame `i` of `file`: an exact-size heap copy of the UDP payload. */
static uint8_t *load_dhcp(const char *file, size_t i, size_t *len)
{
    struct wire_slice s;
    golden_slice_file(file, i, TAPIR_LAYER_UDP, &s);
    *len = s.len - 8;
    uint8_t *p = exact_copy(s.bytes + 8, *len);
    wire_slice_free(&s);
    return p;
}

static struct tapir_ipv4_addr a4(const char *text)
{
    struct tapir_ipv4_addr a;
    assert_int_equal(tapir_ipv4_addr_parse(text, &a), 0);
    return a;
}

static void assert_addr(const struct tapir_ipv4_addr *a, const char *text)
{
    struct tapir_ipv4_addr want = a4(text);
    assert_memory_equal(a->bytes, want.bytes, 4);
}

static const uint8_t mac1[6] = {2, 0, 0, 0, 0, 1};

/* The fields emit writes, compared between two reprs. */
static void assert_same(const struct tapir_dhcpv4_repr *a, const struct tapir_dhcpv4_repr *b)
{
    assert_int_equal(a->op, b->op);
    assert_int_equal(a->htype, b->htype);
    assert_int_equal(a->hlen, b->hlen);
    assert_int_equal(a->hops, b->hops);
    assert_int_equal(a->xid, b->xid);
    assert_int_equal(a->secs, b->secs);
    assert_int_equal(a->flags, b->flags);
    assert_memory_equal(&a->ciaddr, &b->ciaddr, 4);
    assert_memory_equal(&a->yiaddr, &b->yiaddr, 4);
    assert_memory_equal(&a->siaddr, &b->siaddr, 4);
    assert_memory_equal(&a->giaddr, &b->giaddr, 4);
    assert_memory_equal(a->chaddr, b->chaddr, 16);
    assert_int_equal(a->message_type, b->message_type);
    assert_int_equal(a->present & ~TAPIR_DHCPV4_HAS_OVERLOAD,
                     b->present & ~TAPIR_DHCPV4_HAS_OVERLOAD);
    assert_memory_equal(&a->subnet_mask, &b->subnet_mask, 4);
    assert_memory_equal(&a->broadcast, &b->broadcast, 4);
    assert_memory_equal(&a->requested_ip, &b->requested_ip, 4);
    assert_memory_equal(&a->server_id, &b->server_id, 4);
    assert_int_equal(a->lease_time_s, b->lease_time_s);
    assert_int_equal(a->t1_s, b->t1_s);
    assert_int_equal(a->t2_s, b->t2_s);
    assert_int_equal(a->mtu, b->mtu);
    assert_int_equal(a->max_message_size, b->max_message_size);
    assert_int_equal(a->router_count, b->router_count);
    assert_memory_equal(a->routers, b->routers, 4u * a->router_count);
    assert_int_equal(a->dns_count, b->dns_count);
    assert_memory_equal(a->dns, b->dns, 4u * a->dns_count);
    const struct tapir_dhcpv4_bytes *x[] = {&a->param_request, &a->client_id,    &a->hostname,
                                            &a->domain_name,   &a->vendor_class, &a->message};
    const struct tapir_dhcpv4_bytes *y[] = {&b->param_request, &b->client_id,    &b->hostname,
                                            &b->domain_name,   &b->vendor_class, &b->message};
    for (size_t i = 0; i < 6; i++) {
        assert_int_equal(x[i]->len, y[i]->len);
        if (x[i]->len)
            assert_memory_equal(x[i]->data, y[i]->data, x[i]->len);
    }
}

/* Where the END option of the options field is. */
static size_t end_offset(const uint8_t *p, size_t len)
{
    size_t i = TAPIR_DHCPV4_MIN_LEN;
    while (i < len && p[i] != 255)
        i += p[i] == 0 ? 1 : 2 + (size_t)p[i + 1];
    assert_true(i < len);
    return i;
}

/* Round trip, truncations and buffer sizes, shared by every golden message. */
static void check_common(const uint8_t *msg, size_t len, const struct tapir_dhcpv4_repr *r)
{
    size_t hl = tapir_dhcpv4_header_len(r);
    assert_true(hl >= TAPIR_DHCPV4_BOOTP_MIN_LEN);
    uint8_t *out = malloc(hl + 4);
    memset(out, 0xa5, hl + 4);
    assert_int_equal(tapir_dhcpv4_emit(r, out, hl + 4), (int)hl);
    assert_int_equal(out[hl], 0xa5);
    struct tapir_dhcpv4_repr r2;
    assert_int_equal(tapir_dhcpv4_parse(out, hl, &r2), 0);
    assert_same(r, &r2);
    assert_int_equal(r2.unknown_options, 0);
    /* The fixed header is carried over byte for byte. */
    assert_memory_equal(out, msg, TAPIR_DHCPV4_MIN_LEN);
    assert_int_equal(tapir_dhcpv4_emit(r, out, hl - 1), TAPIR_ENOBUFS);
    free(out);

    /* Every cut up to and including END is refused as truncated; after END there is only
     * padding, which may be cut. */
    size_t end = end_offset(msg, len);
    for (size_t cut = 0; cut < len; cut++) {
        uint8_t *p = exact_copy(msg, cut);
        int rc = tapir_dhcpv4_parse(p, cut, &r2);
        if (cut <= end)
            assert_int_equal(rc, TAPIR_ETRUNCATED);
        else
            assert_int_equal(rc, 0);
        free(p);
    }
}

static void assert_print(void (*fn)(struct tapir_text *, const struct tapir_dhcpv4_repr *),
                         const struct tapir_dhcpv4_repr *r, const char *want)
{
    char buf[4096];
    struct tapir_text t;
    tapir_text_init(&t, buf, sizeof buf);
    fn(&t, r);
    assert_text_eq(buf, want);
}

static void test_dhcpv4_discover(void **state)
{
    (void)state;
    size_t len;
    uint8_t *m = load_dhcp("dhcpv4_dora.pcap", 0, &len);
    struct tapir_dhcpv4_repr r;
    assert_int_equal(tapir_dhcpv4_parse(m, len, &r), 0);
    assert_int_equal(len, 300);
    assert_int_equal(r.op, TAPIR_DHCPV4_BOOTREQUEST);
    assert_int_equal(r.htype, 1);
    assert_int_equal(r.hlen, 6);
    assert_int_equal(r.xid, 0x7e0c2b09);
    assert_int_equal(r.flags, 0);
    assert_memory_equal(r.chaddr, mac1, 6);
    assert_int_equal(r.message_type, TAPIR_DHCPV4_DISCOVER);
    assert_int_equal(r.present, TAPIR_DHCPV4_HAS_MAX_MESSAGE_SIZE);
    assert_int_equal(r.max_message_size, 576);
    static const uint8_t prl[] = {1, 3, 6, 12, 15, 26, 28, 42};
    assert_int_equal(r.param_request.len, sizeof prl);
    assert_memory_equal(r.param_request.data, prl, sizeof prl);
    static const uint8_t cid[] = {1, 2, 0, 0, 0, 0, 1};
    assert_int_equal(r.client_id.len, sizeof cid);
    assert_memory_equal(r.client_id.data, cid, sizeof cid);
    assert_int_equal(r.vendor_class.len, 12);
    assert_memory_equal(r.vendor_class.data, "udhcp 1.35.0", 12);
    assert_int_equal(r.unknown_options, 0);
    check_common(m, len, &r);
    assert_print(tapir_dhcpv4_print, &r, "DHCP-DISCOVER xid 0x7e0c2b09 from 02:00:00:00:00:01");
    free(m);
}

/* dnsmasq counts a configured T1/T2 from the lease's first grant, so the renewal's ACK
 * (a second later) says 19 / 39. */
static void check_dnsmasq_reply(const struct tapir_dhcpv4_repr *r, uint32_t t1, uint32_t t2)
{
    assert_int_equal(r->op, TAPIR_DHCPV4_BOOTREPLY);
    assert_int_equal(r->xid, 0x7e0c2b09);
    assert_addr(&r->yiaddr, "192.168.69.50");
    assert_addr(&r->siaddr, "192.168.69.100");
    assert_addr(&r->server_id, "192.168.69.100");
    assert_int_equal(r->lease_time_s, 120);
    assert_int_equal(r->t1_s, t1);
    assert_int_equal(r->t2_s, t2);
    assert_addr(&r->subnet_mask, "255.255.255.0");
    assert_addr(&r->broadcast, "192.168.69.255");
    assert_int_equal(r->mtu, 1400);
    assert_int_equal(r->domain_name.len, 10);
    assert_memory_equal(r->domain_name.data, "tapir.test", 10);
    assert_int_equal(r->dns_count, 2);
    assert_addr(&r->dns[0], "192.168.69.100");
    assert_addr(&r->dns[1], "192.168.69.101");
    assert_int_equal(r->router_count, 1);
    assert_addr(&r->routers[0], "192.168.69.100");
    assert_int_equal(r->present, TAPIR_DHCPV4_HAS_SERVER_ID | TAPIR_DHCPV4_HAS_LEASE_TIME |
                                     TAPIR_DHCPV4_HAS_T1 | TAPIR_DHCPV4_HAS_T2 |
                                     TAPIR_DHCPV4_HAS_SUBNET_MASK | TAPIR_DHCPV4_HAS_BROADCAST |
                                     TAPIR_DHCPV4_HAS_MTU);
}

static void test_dhcpv4_dora(void **state)
{
    (void)state;
    static const struct {
        size_t index;
        uint8_t type;
        const char *line;
    } frames[] = {
        {1, TAPIR_DHCPV4_OFFER,
         "DHCP-OFFER 192.168.69.50 xid 0x7e0c2b09 to 02:00:00:00:00:01 server 192.168.69.100 "
         "lease 120s"},
        {2, TAPIR_DHCPV4_REQUEST,
         "DHCP-REQUEST xid 0x7e0c2b09 from 02:00:00:00:00:01 requested 192.168.69.50 server "
         "192.168.69.100"},
        {3, TAPIR_DHCPV4_ACK,
         "DHCP-ACK 192.168.69.50 xid 0x7e0c2b09 to 02:00:00:00:00:01 server 192.168.69.100 "
         "lease 120s"},
        {4, TAPIR_DHCPV4_REQUEST,
         "DHCP-REQUEST xid 0x7e0c2b09 from 02:00:00:00:00:01 ciaddr 192.168.69.50"},
        {5, TAPIR_DHCPV4_ACK,
         "DHCP-ACK 192.168.69.50 xid 0x7e0c2b09 to 02:00:00:00:00:01 server 192.168.69.100 "
         "lease 120s"},
        {6, TAPIR_DHCPV4_RELEASE,
         "DHCP-RELEASE xid 0xc9f64e6b from 02:00:00:00:00:01 ciaddr 192.168.69.50 server "
         "192.168.69.100"},
    };
    for (size_t i = 0; i < sizeof frames / sizeof frames[0]; i++) {
        size_t len;
        uint8_t *m = load_dhcp("dhcpv4_dora.pcap", frames[i].index, &len);
        struct tapir_dhcpv4_repr r;
        assert_int_equal(tapir_dhcpv4_parse(m, len, &r), 0);
        assert_int_equal(r.message_type, frames[i].type);
        if (r.op == TAPIR_DHCPV4_BOOTREPLY)
            check_dnsmasq_reply(&r, frames[i].index == 5 ? 19 : 20, frames[i].index == 5 ? 39 : 40);
        if (frames[i].index == 2) {
            /* RFC 2131 §4.3.2 SELECTING: requested address and server id, no ciaddr. */
            assert_addr(&r.requested_ip, "192.168.69.50");
            assert_addr(&r.ciaddr, "0.0.0.0");
        }
        if (frames[i].index == 4) {
            /* RENEWING: ciaddr, neither requested address nor server id. */
            assert_addr(&r.ciaddr, "192.168.69.50");
            assert_int_equal(
                r.present & (TAPIR_DHCPV4_HAS_REQUESTED_IP | TAPIR_DHCPV4_HAS_SERVER_ID), 0);
        }
        check_common(m, len, &r);
        assert_print(tapir_dhcpv4_print, &r, frames[i].line);
        free(m);
    }
}

static void test_dhcpv4_nak(void **state)
{
    (void)state;
    size_t len;
    uint8_t *m = load_dhcp("dhcpv4_nak.pcap", 0, &len);
    struct tapir_dhcpv4_repr r;
    /* scapy's request: not padded to 300 bytes, flags broadcast. */
    assert_int_equal(tapir_dhcpv4_parse(m, len, &r), 0);
    assert_int_equal(len, 255);
    assert_int_equal(r.flags, TAPIR_DHCPV4_FLAG_BROADCAST);
    assert_addr(&r.requested_ip, "10.9.9.9");
    check_common(m, len, &r);
    free(m);

    m = load_dhcp("dhcpv4_nak.pcap", 1, &len);
    assert_int_equal(tapir_dhcpv4_parse(m, len, &r), 0);
    assert_int_equal(r.message_type, TAPIR_DHCPV4_NAK);
    assert_int_equal(r.xid, 0x7a9e1c05);
    assert_addr(&r.yiaddr, "0.0.0.0");
    assert_addr(&r.server_id, "192.168.69.100");
    assert_int_equal(r.message.len, 13);
    assert_memory_equal(r.message.data, "wrong network", 13);
    check_common(m, len, &r);
    assert_print(tapir_dhcpv4_print, &r,
                 "DHCP-NAK xid 0x7a9e1c05 to 02:00:00:00:00:01 server 192.168.69.100 [broadcast] "
                 "\"wrong network\"");
    assert_print(tapir_dhcpv4_print_verbose, &r,
                 "DHCPv4\n  op: 2 (reply)\n  htype: 1\n  hlen: 6\n  hops: 0\n"
                 "  xid: 0x7a9e1c05\n  secs: 0\n  flags: 0x8000 (broadcast)\n"
                 "  ciaddr: 0.0.0.0\n  yiaddr: 0.0.0.0\n  siaddr: 0.0.0.0\n  giaddr: 0.0.0.0\n"
                 "  chaddr: 02:00:00:00:00:01\n  message type: DHCP-NAK\n"
                 "  server id: 192.168.69.100\n  message: \"wrong network\"\n");
    free(m);
}

/* A message built from scratch, the way the client builds one: exact bytes. */
static void test_dhcpv4_emit_exact(void **state)
{
    (void)state;
    static const uint8_t prl[] = {1, 3, 6, 15, 26, 51, 58, 59};
    static const uint8_t cid[] = {1, 2, 0, 0, 0, 0, 1};
    struct tapir_dhcpv4_repr r;
    memset(&r, 0, sizeof r);
    r.op = TAPIR_DHCPV4_BOOTREQUEST;
    r.htype = 1;
    r.hlen = 6;
    r.xid = 0x01020304;
    r.secs = 3;
    r.flags = TAPIR_DHCPV4_FLAG_BROADCAST;
    memcpy(r.chaddr, mac1, 6);
    r.message_type = TAPIR_DHCPV4_REQUEST;
    r.present = TAPIR_DHCPV4_HAS_REQUESTED_IP | TAPIR_DHCPV4_HAS_SERVER_ID |
                TAPIR_DHCPV4_HAS_MAX_MESSAGE_SIZE;
    r.requested_ip = a4("192.168.69.50");
    r.server_id = a4("192.168.69.100");
    r.max_message_size = 1500;
    r.param_request.data = prl;
    r.param_request.len = sizeof prl;
    r.client_id.data = cid;
    r.client_id.len = sizeof cid;
    uint8_t out[400];
    memset(out, 0xa5, sizeof out);
    assert_int_equal(tapir_dhcpv4_header_len(&r), 300);
    assert_int_equal(tapir_dhcpv4_emit(&r, out, sizeof out), 300);
    uint8_t want[300];
    memset(want, 0, sizeof want);
    static const uint8_t head[] = {1, 1, 6, 0, 1, 2, 3, 4, 0, 3, 0x80, 0};
    memcpy(want, head, sizeof head);
    memcpy(want + 28, mac1, 6);
    static const uint8_t opts[] = {0x63, 0x82, 0x53, 0x63, 53, 1,   3,  61,  7,    1,    2,
                                   0,    0,    0,    0,    1,  50,  4,  192, 168,  69,   50,
                                   54,   4,    192,  168,  69, 100, 57, 2,   0x05, 0xdc, 55,
                                   8,    1,    3,    6,    15, 26,  51, 58,  59,   255};
    memcpy(want + 236, opts, sizeof opts);
    assert_memory_equal(out, want, 300);
    assert_int_equal(out[300], 0xa5);
    char buf[256];
    struct tapir_text t;
    tapir_text_init(&t, buf, sizeof buf);
    struct tapir_dhcpv4_repr p;
    assert_int_equal(tapir_dhcpv4_parse(out, 300, &p), 0);
    tapir_dhcpv4_print(&t, &p);
    assert_text_eq(buf, "DHCP-REQUEST xid 0x01020304 from 02:00:00:00:00:01 requested "
                        "192.168.69.50 server 192.168.69.100 [broadcast]");
    /* Bad arguments. */
    r.op = 3;
    assert_int_equal(tapir_dhcpv4_emit(&r, out, sizeof out), TAPIR_EINVAL);
    r.op = 1;
    r.dns_count = 4;
    assert_int_equal(tapir_dhcpv4_emit(&r, out, sizeof out), TAPIR_EINVAL);
}

/* A minimal message with `opts` (the options field after the cookie) in a 300-byte
 * buffer; returns the buffer. */
static uint8_t *build(const uint8_t *opts, size_t n, size_t *len)
{
    *len = 300;
    uint8_t *p = calloc(1, 300);
    p[0] = 2;
    p[1] = 1;
    p[2] = 6;
    store_be32(p + 236, TAPIR_DHCPV4_MAGIC_COOKIE);
    memcpy(p + 240, opts, n);
    return p;
}

static int parse_opts(const uint8_t *opts, size_t n)
{
    size_t len;
    uint8_t *p = build(opts, n, &len);
    struct tapir_dhcpv4_repr r;
    int rc = tapir_dhcpv4_parse(p, len, &r);
    free(p);
    return rc;
}

static void test_dhcpv4_malformed(void **state)
{
    (void)state;
    size_t len;
    uint8_t *m = load_dhcp("dhcpv4_dora.pcap", 1, &len);
    struct tapir_dhcpv4_repr r;
    m[0] = 3;
    assert_int_equal(tapir_dhcpv4_parse(m, len, &r), TAPIR_EBADFIELD);
    m[0] = 2;
    m[2] = 17;
    assert_int_equal(tapir_dhcpv4_parse(m, len, &r), TAPIR_EBADFIELD);
    m[2] = 6;
    m[239] ^= 1;
    assert_int_equal(tapir_dhcpv4_parse(m, len, &r), TAPIR_EUNSUPPORTED);
    m[239] ^= 1;
    assert_int_equal(tapir_dhcpv4_parse(m, len, &r), 0);
    free(m);

#define OPTS(...) parse_opts((const uint8_t[]){__VA_ARGS__}, sizeof((const uint8_t[]){__VA_ARGS__}))
    assert_int_equal(OPTS(53, 1, 5, 255), 0);
    assert_int_equal(OPTS(53, 1, 0, 255), TAPIR_EBADOPTION);           /* type 0 */
    assert_int_equal(OPTS(53, 2, 5, 5, 255), TAPIR_EBADOPTION);        /* length */
    assert_int_equal(OPTS(53, 1, 5, 53, 1, 5, 255), TAPIR_EBADOPTION); /* twice */
    assert_int_equal(OPTS(54, 3, 1, 2, 3, 255), TAPIR_EBADOPTION);
    assert_int_equal(OPTS(51, 5, 0, 0, 0, 0, 0, 255), TAPIR_EBADOPTION);
    assert_int_equal(OPTS(26, 2, 0, 67, 255), TAPIR_EBADOPTION); /* MTU below 68 */
    assert_int_equal(OPTS(26, 2, 0, 68, 255), 0);
    assert_int_equal(OPTS(57, 2, 0x02, 0x3f, 255), TAPIR_EBADOPTION); /* 575 */
    assert_int_equal(OPTS(3, 6, 1, 2, 3, 4, 5, 6, 255), TAPIR_EBADOPTION);
    assert_int_equal(OPTS(6, 0, 255), TAPIR_EBADOPTION);
    assert_int_equal(OPTS(61, 1, 1, 255), TAPIR_EBADOPTION); /* client id below 2 */
    assert_int_equal(OPTS(15, 0, 255), TAPIR_EBADOPTION);
    assert_int_equal(OPTS(52, 1, 4, 255), TAPIR_EBADOPTION);
    assert_int_equal(OPTS(99, 0, 0, 0, 255), 0); /* unknown, empty: fine */
    /* No END in the whole options field (zeros are pads): truncated. */
    uint8_t *p = build((const uint8_t[]){53, 1, 1}, 3, &len);
    assert_int_equal(tapir_dhcpv4_parse(p, len, &r), TAPIR_ETRUNCATED);
    free(p);
    /* An option whose length runs past the end. */
    p = build((const uint8_t[]){0}, 1, &len);
    p[298] = 12;
    p[299] = 1;
    assert_int_equal(tapir_dhcpv4_parse(p, len, &r), TAPIR_ETRUNCATED);
    p[299] = 0;
    assert_int_equal(tapir_dhcpv4_parse(p, len, &r), TAPIR_EBADOPTION);
    free(p);

    /* More DNS servers than kept: the first three, no error. */
    p = build((const uint8_t[]){6, 16, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 255}, 19,
              &len);
    assert_int_equal(tapir_dhcpv4_parse(p, len, &r), 0);
    assert_int_equal(r.dns_count, 3);
    assert_addr(&r.dns[2], "3.3.3.3");
    free(p);
}

/* Option overload (RFC 2131 §4.1): options continue in file, then sname. */
static void test_dhcpv4_overload(void **state)
{
    (void)state;
    size_t len;
    uint8_t *p = build((const uint8_t[]){53, 1, 5, 52, 1, 3, 255}, 7, &len);
    static const uint8_t in_file[] = {51, 4, 0, 0, 0, 120, 54, 4, 10, 0, 0, 1, 255};
    static const uint8_t in_sname[] = {1, 4, 255, 255, 255, 0, 255};
    memcpy(p + 108, in_file, sizeof in_file);
    memcpy(p + 44, in_sname, sizeof in_sname);
    struct tapir_dhcpv4_repr r;
    assert_int_equal(tapir_dhcpv4_parse(p, len, &r), 0);
    assert_int_equal(r.overload, 3);
    assert_int_equal(r.lease_time_s, 120);
    assert_addr(&r.server_id, "10.0.0.1");
    assert_addr(&r.subnet_mask, "255.255.255.0");
    assert_int_equal(r.message_type, TAPIR_DHCPV4_ACK);

    /* Emit puts everything in the options field, sname and file zeroed. */
    uint8_t out[400];
    int n = tapir_dhcpv4_emit(&r, out, sizeof out);
    assert_int_equal(n, 300);
    struct tapir_dhcpv4_repr r2;
    assert_int_equal(tapir_dhcpv4_parse(out, (size_t)n, &r2), 0);
    assert_same(&r, &r2);
    assert_int_equal(r2.overload, 0);
    static const uint8_t zeros[192];
    assert_memory_equal(out + 44, zeros, 192);

    /* Only the file overloaded: sname's bytes are not read. */
    p[245] = 1;
    assert_int_equal(tapir_dhcpv4_parse(p, len, &r), 0);
    assert_int_equal(r.present & TAPIR_DHCPV4_HAS_SUBNET_MASK, 0);
    p[245] = 3;
    /* The sname region without its END. */
    memset(p + 44, 1, 64);
    p[44] = 12;
    p[45] = 62;
    assert_int_equal(tapir_dhcpv4_parse(p, len, &r), TAPIR_EBADOPTION);
    memcpy(p + 44, in_sname, sizeof in_sname);
    memset(p + 44 + sizeof in_sname, 0, 64 - sizeof in_sname);
    /* Overload named inside an overloaded field. */
    p[108 + 12] = 52;
    p[108 + 13] = 1;
    p[108 + 14] = 1;
    p[108 + 15] = 255;
    assert_int_equal(tapir_dhcpv4_parse(p, len, &r), TAPIR_EBADOPTION);
    free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dhcpv4_discover),  cmocka_unit_test(test_dhcpv4_dora),
        cmocka_unit_test(test_dhcpv4_nak),       cmocka_unit_test(test_dhcpv4_emit_exact),
        cmocka_unit_test(test_dhcpv4_malformed), cmocka_unit_test(test_dhcpv4_overload),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
