#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "wire_slices.h"

enum tapir_medium golden_medium(const struct golden *g)
{
    return g->linktype == 1 ? TAPIR_MEDIUM_ETHERNET : TAPIR_MEDIUM_IP;
}

int golden_dissect(const struct golden *g, size_t i, struct tapir_dissection *d)
{
    assert_true(i < g->count);
    return tapir_dissect(g->frames[i].data, g->frames[i].len, golden_medium(g), d);
}

/* The first span in `d` whose layer is `a` or `b`; fails the test if there is none. */
static const struct tapir_layer_span *find_either(const struct tapir_dissection *d,
                                                  enum tapir_layer a, enum tapir_layer b)
{
    size_t k = 0;
    while (k < d->count && d->layers[k].layer != a && d->layers[k].layer != b)
        k++;
    if (k == d->count)
        print_error("the frame has no %s layer\n", tapir_layer_name(a));
    assert_true(k < d->count);
    return &d->layers[k];
}

const struct tapir_layer_span *dissection_find(const struct tapir_dissection *d,
                                               enum tapir_layer layer)
{
    return find_either(d, layer, layer);
}

/* The frame's IPv4 or IPv6 layer. */
static const struct tapir_layer_span *find_ip(const struct tapir_dissection *d)
{
    return find_either(d, TAPIR_LAYER_IPV4, TAPIR_LAYER_IPV6);
}

const uint8_t *golden_at(const struct golden *g, size_t i, enum tapir_layer layer, size_t *len)
{
    struct tapir_dissection d;
    golden_dissect(g, i, &d);
    const struct tapir_layer_span *s = dissection_find(&d, layer);
    /* The layers below it parsed, so the frame says where it starts. */
    for (const struct tapir_layer_span *below = d.layers; below < s; below++)
        assert_int_equal(below->error, 0);
    assert_true(s->offset <= g->frames[i].len);
    *len = g->frames[i].len - s->offset;
    return g->frames[i].data + s->offset;
}

const uint8_t *golden_ipv4(const struct golden *g, size_t i, size_t *len, struct tapir_ipv4_repr *r)
{
    const uint8_t *ip = golden_at(g, i, TAPIR_LAYER_IPV4, len);
    assert_int_equal(tapir_ipv4_parse(ip, *len, r), 0);
    return ip;
}

const uint8_t *golden_ipv6(const struct golden *g, size_t i, size_t *len, struct tapir_ipv6_repr *r)
{
    const uint8_t *ip = golden_at(g, i, TAPIR_LAYER_IPV6, len);
    assert_int_equal(tapir_ipv6_parse(ip, *len, r), 0);
    return ip;
}

void golden_pseudo_header(const struct golden *g, size_t i, struct tapir_pseudo_header *ph)
{
    struct tapir_dissection d;
    golden_dissect(g, i, &d);
    size_t len;
    memset(ph, 0, sizeof *ph);
    if (find_ip(&d)->layer == TAPIR_LAYER_IPV4) {
        struct tapir_ipv4_repr r;
        golden_ipv4(g, i, &len, &r);
        ph->src.version = ph->dst.version = TAPIR_IP_V4;
        ph->src.v4 = r.src;
        ph->dst.v4 = r.dst;
        ph->protocol = r.protocol;
    } else {
        struct tapir_ipv6_repr r;
        golden_ipv6(g, i, &len, &r);
        ph->src.version = ph->dst.version = TAPIR_IP_V6;
        ph->src.v6 = r.src;
        ph->dst.v6 = r.dst;
        ph->protocol = r.upper_protocol;
    }
}

/* The IP protocol number that carries `layer`. */
static uint8_t protocol_of(enum tapir_layer layer)
{
    switch (layer) {
    case TAPIR_LAYER_ICMPV4:
        return TAPIR_IP_PROTO_ICMP;
    case TAPIR_LAYER_ICMPV6:
        return TAPIR_IP_PROTO_ICMPV6;
    case TAPIR_LAYER_UDP:
        return TAPIR_IP_PROTO_UDP;
    case TAPIR_LAYER_TCP:
        return TAPIR_IP_PROTO_TCP;
    case TAPIR_LAYER_IGMP:
        return TAPIR_IP_PROTO_IGMP;
    default:
        fail_msg("%s is not an upper layer", tapir_layer_name(layer));
        return 0;
    }
}

void golden_slice(const struct golden *g, size_t i, enum tapir_layer layer, struct wire_slice *out)
{
    struct tapir_dissection d;
    assert_int_equal(golden_dissect(g, i, &d), 0);
    const struct tapir_layer_span *ip = find_ip(&d);
    const struct tapir_layer_span *s = dissection_find(&d, layer);
    assert_ptr_equal(s, ip + 1);
    const struct golden_frame *f = &g->frames[i];
    assert_true(s->offset + s->len <= f->len);
    memset(out, 0, sizeof *out);
    golden_pseudo_header(g, i, &out->ph);
    assert_int_equal(out->ph.protocol, protocol_of(layer));
    out->bytes = exact_copy(f->data + s->offset, s->len);
    out->len = s->len;
    out->frame = exact_copy(f->data, f->len);
    out->frame_len = f->len;
    out->offset = s->offset;
    out->ip = ip->offset;
}

void golden_slice_file(const char *file, size_t index, enum tapir_layer layer,
                       struct wire_slice *out)
{
    struct golden g;
    golden_load(file, &g);
    golden_slice(&g, index, layer, out);
    golden_free(&g);
}

void wire_slice_free(struct wire_slice *s)
{
    free(s->bytes);
    free(s->frame);
    memset(s, 0, sizeof *s);
}

void golden_each(const char *file, size_t count,
                 void (*check)(const struct golden *g, size_t i, const void *arg), const void *arg)
{
    struct golden g;
    golden_load(file, &g);
    assert_int_equal(g.count, count);
    for (size_t i = 0; i < g.count; i++)
        check(&g, i, arg);
    golden_free(&g);
}

struct tapir_ipv6_addr ipv6_addr(const char *text)
{
    struct tapir_ipv6_addr a;
    assert_int_equal(tapir_ipv6_addr_parse(text, &a), 0);
    return a;
}

void assert_ipv6_addr(const struct tapir_ipv6_addr *a, const char *text)
{
    struct tapir_ipv6_addr want = ipv6_addr(text);
    assert_memory_equal(a->bytes, want.bytes, 16);
}
