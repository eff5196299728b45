/* Fuzz the IPv6 parser and its extension-header walk: never crash, never read past the
 * input, and whatever parses must emit back to the same bytes (fixed header, extension
 * headers, payload up to Payload Length) and parse again to the same key fields. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tapir/error.h"
#include "tapir/wire/ipv6.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct tapir_ipv6_repr r, r2;
    if (tapir_ipv6_parse(data, size, &r) != 0)
        return 0;

    /* The packet as parsed: trimmed to Payload Length, link padding dropped. */
    size_t len = tapir_ipv6_header_len(&r) + r.payload_len;
    if (len > size || r.ext != data + TAPIR_IPV6_HEADER_LEN || r.payload != r.ext + r.ext_len)
        abort();
    static uint8_t out[65536 + TAPIR_IPV6_HEADER_LEN];
    if (tapir_ipv6_emit(&r, out, sizeof out) != (int)len || memcmp(out, data, len) != 0)
        abort();
    if (tapir_ipv6_emit(&r, out, len - 1) != TAPIR_ENOBUFS)
        abort();
    if (tapir_ipv6_emit(&r, out, sizeof out) != (int)len)
        abort();
    if (tapir_ipv6_parse(out, len, &r2) != 0 || r2.upper_protocol != r.upper_protocol ||
        r2.next_header != r.next_header || r2.ext_len != r.ext_len || r2.ext_count != r.ext_count ||
        r2.payload_len != r.payload_len || r2.has_fragment != r.has_fragment ||
        r2.frag_offset != r.frag_offset || r2.more_frags != r.more_frags ||
        r2.frag_ident != r.frag_ident || r2.flow_label != r.flow_label ||
        r2.traffic_class != r.traffic_class ||
        memcmp(r2.exts, r.exts, r.ext_count * sizeof r.exts[0]) != 0)
        abort();

    char text[1024];
    struct tapir_text t;
    tapir_text_init(&t, text, sizeof text);
    tapir_ipv6_print(&t, &r);
    tapir_text_init(&t, text, sizeof text);
    tapir_ipv6_print_verbose(&t, &r);
    return 0;
}
