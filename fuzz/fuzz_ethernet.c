/* Fuzz the Ethernet parser: never crash, never read past the input, and whatever parses
 * must emit back to the same header bytes and parse again to the same repr. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tapir/wire/ethernet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct tapir_eth_repr r, r2;
    if (tapir_eth_parse(data, size, &r) != 0)
        return 0;
    uint8_t out[2048];
    if (size > sizeof out)
        return 0;
    if (tapir_eth_emit(&r, out, sizeof out) != (int)size || memcmp(out, data, size) != 0)
        abort();
    if (tapir_eth_parse(out, size, &r2) != 0 || r2.ethertype != r.ethertype ||
        r2.vlan_tci != r.vlan_tci || r2.payload_len != r.payload_len)
        abort();
    char text[512];
    struct tapir_text t;
    tapir_text_init(&t, text, sizeof text);
    tapir_eth_print(&t, &r);
    tapir_eth_print_verbose(&t, &r);
    return 0;
}
