/* Fuzz the ARP parser: whatever parses emits the same 28 bytes and parses to the same repr. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tapir/wire/arp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct tapir_arp_repr r, r2;
    if (tapir_arp_parse(data, size, &r) != 0)
        return 0;
    uint8_t out[TAPIR_ARP_LEN];
    if (tapir_arp_emit(&r, out, sizeof out) != TAPIR_ARP_LEN ||
        memcmp(out, data, TAPIR_ARP_LEN) != 0)
        abort();
    if (tapir_arp_parse(out, sizeof out, &r2) != 0 || memcmp(&r, &r2, sizeof r) != 0)
        abort();
    char text[512];
    struct tapir_text t;
    tapir_text_init(&t, text, sizeof text);
    tapir_arp_print(&t, &r);
    tapir_arp_print_verbose(&t, &r);
    return 0;
}
