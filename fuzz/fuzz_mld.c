/* Fuzz the MLD parser. The input is an ICMPv6 message: parse its header (checksum not
 * verified), then the MLD body, and walk the records; whatever parses must emit back to the
 * same bytes (the checksum aside) and parse again to a repr that emits the same bytes.
 * Printers run into a 1 KiB buffer. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tapir/error.h"
#include "tapir/wire/icmpv6.h"
#include "tapir/wire/mld.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t out[65536], again[65536];
    struct tapir_icmpv6_repr icmp, icmp2;
    struct tapir_mld_repr mld, mld2;
    if (tapir_icmpv6_parse(data, size, NULL, &icmp) != 0 || tapir_mld_parse(&icmp, &mld) != 0)
        return 0;
    if (size > sizeof out || tapir_mld_header_len(&mld) != size)
        abort();

    /* parse() walked every record; the iterator must find exactly num_records of them,
     * ending at records_len. */
    size_t off = 0, n = 0;
    struct tapir_mld_record rec;
    while (tapir_mld_record_next(&mld, &off, &rec) > 0)
        n++;
    if (mld.type == TAPIR_ICMPV6_MLD2_REPORT && (n != mld.num_records || off != mld.records_len))
        abort();

    if (tapir_mld_emit(&mld, NULL, out, sizeof out) != (int)size || out[2] != 0 || out[3] != 0 ||
        memcmp(out, data, 2) != 0 || memcmp(out + 4, data + 4, size - 4) != 0)
        abort();
    if (tapir_mld_emit(&mld, NULL, again, size - 1) != TAPIR_ENOBUFS)
        abort();
    if (tapir_icmpv6_parse(out, size, NULL, &icmp2) != 0 || tapir_mld_parse(&icmp2, &mld2) != 0)
        abort();
    if (mld2.type != mld.type || mld2.version != mld.version ||
        mld2.num_records != mld.num_records || mld2.num_sources != mld.num_sources)
        abort();
    if (tapir_mld_emit(&mld2, NULL, again, sizeof again) != (int)size ||
        memcmp(again, out, size) != 0)
        abort();

    char text[1024];
    struct tapir_text t;
    tapir_text_init(&t, text, sizeof text);
    tapir_mld_print(&t, &mld);
    tapir_text_init(&t, text, sizeof text);
    tapir_mld_print_verbose(&t, &mld);
    tapir_text_init(&t, text, sizeof text);
    tapir_icmpv6_print(&t, &icmp);
    tapir_text_init(&t, text, sizeof text);
    tapir_icmpv6_print_verbose(&t, &icmp);
    return 0;
}
