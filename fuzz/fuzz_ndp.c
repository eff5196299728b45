/* Fuzz the NDP parser. The input is an ICMPv6 message: parse its header (checksum not
 * verified), then the NDP body; whatever parses must emit back to the same bytes (the
 * checksum aside) and parse again to a repr that emits the same bytes. Printers run into a
 * 1 KiB buffer. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tapir/error.h"
#include "tapir/wire/icmpv6.h"
#include "tapir/wire/ndp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t out[65536], again[65536];
    struct tapir_icmpv6_repr icmp, icmp2;
    struct tapir_ndp_repr nd, nd2;
    if (tapir_icmpv6_parse(data, size, NULL, &icmp) != 0 || tapir_ndp_parse(&icmp, &nd) != 0)
        return 0;
    if (size > sizeof out || tapir_ndp_header_len(&nd) != size)
        abort();

    if (tapir_ndp_emit(&nd, NULL, out, sizeof out) != (int)size || out[2] != 0 || out[3] != 0 ||
        memcmp(out, data, 2) != 0 || memcmp(out + 4, data + 4, size - 4) != 0)
        abort();
    if (tapir_ndp_emit(&nd, NULL, again, size - 1) != TAPIR_ENOBUFS)
        abort();
    if (tapir_icmpv6_parse(out, size, NULL, &icmp2) != 0 || tapir_ndp_parse(&icmp2, &nd2) != 0)
        abort();
    if (nd2.type != nd.type || nd2.option_count != nd.option_count || nd2.flags != nd.flags)
        abort();
    if (tapir_ndp_emit(&nd2, NULL, again, sizeof again) != (int)size ||
        memcmp(again, out, size) != 0)
        abort();

    char text[1024];
    struct tapir_text t;
    tapir_text_init(&t, text, sizeof text);
    tapir_ndp_print(&t, &nd);
    tapir_text_init(&t, text, sizeof text);
    tapir_ndp_print_verbose(&t, &nd);
    tapir_text_init(&t, text, sizeof text);
    tapir_icmpv6_print(&t, &icmp);
    tapir_text_init(&t, text, sizeof text);
    tapir_icmpv6_print_verbose(&t, &icmp);
    return 0;
}
