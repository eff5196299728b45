/* Fuzz the ICMPv6 parser: never crash, never read past the input; whatever parses must emit
 * back to the same bytes (the checksum aside: without a pseudo-header emit writes 0 there),
 * emit with a pseudo-header to a message whose checksum verifies, and parse again to the
 * same repr. Both printers run, NDP and MLD bodies included. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tapir/error.h"
#include "tapir/wire/icmpv6.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void same_or_abort(const struct tapir_icmpv6_repr *a, const struct tapir_icmpv6_repr *b)
{
    if (a->type != b->type || a->code != b->code || a->rest != b->rest ||
        a->data_len != b->data_len || memcmp(a->data, b->data, a->data_len) != 0)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t out[65536];
    struct tapir_icmpv6_repr r, r2;
    if (tapir_icmpv6_parse(data, size, NULL, &r) != 0)
        return 0;
    if (size > sizeof out || tapir_icmpv6_header_len(&r) != 8)
        abort();

    if (tapir_icmpv6_emit(&r, NULL, out, sizeof out) != (int)size || out[2] != 0 || out[3] != 0 ||
        memcmp(out, data, 2) != 0 || memcmp(out + 4, data + 4, size - 4) != 0)
        abort();
    if (tapir_icmpv6_emit(&r, NULL, out, size - 1) != TAPIR_ENOBUFS)
        abort();

    struct tapir_pseudo_header ph;
    memset(&ph, 0, sizeof ph);
    ph.src.version = ph.dst.version = TAPIR_IP_V6;
    ph.src.v6.bytes[0] = 0xfe, ph.src.v6.bytes[1] = 0x80, ph.src.v6.bytes[15] = 1;
    ph.dst.v6.bytes[0] = 0xff, ph.dst.v6.bytes[1] = 0x02, ph.dst.v6.bytes[15] = 1;
    if (tapir_icmpv6_emit(&r, &ph, out, sizeof out) != (int)size)
        abort();
    if (tapir_icmpv6_parse(out, size, &ph, &r2) != 0)
        abort();
    same_or_abort(&r, &r2);

    char text[1024];
    struct tapir_text t;
    tapir_text_init(&t, text, sizeof text);
    tapir_icmpv6_print(&t, &r);
    tapir_text_init(&t, text, sizeof text);
    tapir_icmpv6_print_verbose(&t, &r);
    return 0;
}
