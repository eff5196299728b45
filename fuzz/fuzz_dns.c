/* Fuzz the DNS message parser: never crash, never read past the input (names with any
 * pointers, any counts); whatever parses walks to the end with the cursor (which cannot
 * fail after a parse), decodes no name longer than 255 octets, prints, and rebuilt
 * without compression parses again to the same questions and records. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tapir/error.h"
#include "tapir/wire/dns.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The rdata the builder takes: names written out in full. */
static uint16_t plain_rdata(const struct tapir_dns_rr *rr, uint8_t *out)
{
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
    case TAPIR_DNS_TYPE_SOA: {
        size_t n = 0;
        memcpy(out, rr->data.soa.mname.wire, rr->data.soa.mname.len);
        n += rr->data.soa.mname.len;
        memcpy(out + n, rr->data.soa.rname.wire, rr->data.soa.rname.len);
        n += rr->data.soa.rname.len;
        memcpy(out + n, rr->rdata + rr->rdlen - 20, 20);
        return (uint16_t)(n + 20);
    }
    default:
        memcpy(out, rr->rdata, rr->rdlen);
        return rr->rdlen;
    }
}

static void check_name(const struct tapir_dns_name *n)
{
    if (n->len < 1 || n->wire[n->len - 1] != 0)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct tapir_dns_repr r, r2;
    if (tapir_dns_parse(data, size, &r) != 0)
        return 0;
    if (r.len > size || r.len < TAPIR_DNS_HEADER_LEN || r.msg != data)
        abort();

    static uint8_t out[65536 * 2];
    struct tapir_dns_builder b;
    if (tapir_dns_builder_init(&b, &r, out, sizeof out) != 0)
        abort();
    struct tapir_dns_cursor c;
    tapir_dns_cursor_init(&c, &r);
    struct tapir_dns_question q;
    unsigned nq = 0, nrr = 0;
    while (tapir_dns_next_question(&c, &q) == 1) {
        check_name(&q.name);
        if (tapir_dns_builder_question(&b, &q.name, q.type, q.qclass) != 0)
            abort();
        nq++;
    }
    static uint8_t rd[65536 + 600];
    struct tapir_dns_rr rr;
    while (tapir_dns_next_rr(&c, &rr) == 1) {
        check_name(&rr.name);
        if (rr.rdata < data || rr.rdata + rr.rdlen > data + r.len)
            abort();
        uint16_t n = plain_rdata(&rr, rd);
        if (tapir_dns_builder_rr(&b, rr.section, &rr.name, rr.type, rr.rclass, rr.ttl, rd, n) != 0)
            abort();
        nrr++;
    }
    if (nq != r.count[0] || nrr != (unsigned)r.count[1] + r.count[2] + r.count[3])
        abort();
    int len = tapir_dns_builder_finish(&b);
    if (len < TAPIR_DNS_HEADER_LEN || tapir_dns_parse(out, (size_t)len, &r2) != 0 ||
        memcmp(r2.count, r.count, sizeof r.count) != 0 || r2.id != r.id)
        abort();
    struct tapir_dns_cursor c1, c2;
    tapir_dns_cursor_init(&c1, &r);
    tapir_dns_cursor_init(&c2, &r2);
    struct tapir_dns_question q2;
    while (tapir_dns_next_question(&c1, &q) == 1)
        if (tapir_dns_next_question(&c2, &q2) != 1 || !tapir_dns_name_equal(&q.name, &q2.name) ||
            q.type != q2.type || q.qclass != q2.qclass)
            abort();
    struct tapir_dns_rr rr2;
    while (tapir_dns_next_rr(&c1, &rr) == 1) {
        if (tapir_dns_next_rr(&c2, &rr2) != 1 || !tapir_dns_name_equal(&rr.name, &rr2.name) ||
            rr.type != rr2.type || rr.rclass != rr2.rclass || rr.ttl != rr2.ttl)
            abort();
        char t1[4096], t2[4096];
        struct tapir_text t;
        tapir_text_init(&t, t1, sizeof t1);
        tapir_dns_print_rdata(&t, &rr);
        tapir_text_init(&t, t2, sizeof t2);
        tapir_dns_print_rdata(&t, &rr2);
        if (strcmp(t1, t2) != 0)
            abort();
    }

    /* Names to text and back. */
    tapir_dns_cursor_init(&c, &r);
    if (tapir_dns_next_question(&c, &q) == 1) {
        char text[TAPIR_DNS_NAME_STRLEN];
        int tl = tapir_dns_name_to_text(&q.name, text, sizeof text);
        struct tapir_dns_name back;
        if (tl <= 0 || (size_t)tl >= sizeof text || tapir_dns_name_from_text(text, &back) != 0 ||
            back.len != q.name.len || memcmp(back.wire, q.name.wire, q.name.len) != 0)
            abort();
    }

    static char text[1 << 20];
    struct tapir_text t;
    tapir_text_init(&t, text, sizeof text);
    tapir_dns_print(&t, &r);
    tapir_text_init(&t, text, sizeof text);
    tapir_dns_print_verbose(&t, &r);
    return 0;
}
