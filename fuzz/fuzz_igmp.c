/* Fuzz the IGMP parser. The input is an IGMP message: parse it (checksum not verified) and
 * walk the records; whatever parses must emit back to the same bytes (the checksum aside:
 * emit computes a correct one), parse again with the checksum verified to the same repr,
 * and emit the same bytes again. Printers run into a 1 KiB buffer. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tapir/error.h"
#include "tapir/wire/igmp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t out[65536], again[65536];
    struct tapir_igmp_repr igmp, igmp2;
    if (size > sizeof out || tapir_igmp_parse(data, size, false, &igmp) != 0)
        return 0;
    if (tapir_igmp_header_len(&igmp) != size)
        abort();
    /* A message whose checksum verifies parses the same with verification. */
    if (tapir_igmp_parse(data, size, true, &igmp2) == 0 && igmp2.num_records != igmp.num_records)
        abort();

    size_t off = 0, n = 0;
    struct tapir_igmp_record rec;
    while (tapir_igmp_record_next(&igmp, &off, &rec) > 0)
        n++;
    if (igmp.type == TAPIR_IGMP_V3_REPORT && (n != igmp.num_records || off != igmp.records_len))
        abort();

    if (tapir_igmp_emit(&igmp, out, sizeof out) != (int)size || memcmp(out, data, 2) != 0 ||
        memcmp(out + 4, data + 4, size - 4) != 0)
        abort();
    if (tapir_igmp_emit(&igmp, again, size - 1) != TAPIR_ENOBUFS)
        abort();
    if (tapir_igmp_parse(out, size, true, &igmp2) != 0)
        abort();
    if (igmp2.type != igmp.type || igmp2.version != igmp.version ||
        igmp2.num_records != igmp.num_records || igmp2.num_sources != igmp.num_sources ||
        igmp2.extra_len != igmp.extra_len)
        abort();
    if (tapir_igmp_emit(&igmp2, again, sizeof again) != (int)size || memcmp(again, out, size) != 0)
        abort();

    char text[1024];
    struct tapir_text t;
    tapir_text_init(&t, text, sizeof text);
    tapir_igmp_print(&t, &igmp);
    tapir_text_init(&t, text, sizeof text);
    tapir_igmp_print_verbose(&t, &igmp);
    return 0;
}
