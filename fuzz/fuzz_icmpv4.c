/* Fuzz the ICMPv4 parser: never crash, never read past the input; whatever parses emits
 * back to the same message and parses again to the same repr; both printers run on it.
 *
 * Random bytes almost never carry a right checksum, which would keep the fuzzer away from
 * the quoted-datagram checks and the printers; so every input is also tried with its
 * checksum put right. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tapir/wire/checksum.h"
#include "tapir/wire/icmpv4.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Equal, or differing only in a checksum field of 0xffff (the other form of zero,
 * RFC 1624 §3) that emit() writes 0x0000. */
static bool same_message(const uint8_t *out, const uint8_t *in, size_t len)
{
    if (memcmp(out, in, len) == 0)
        return true;
    return memcmp(out, in, 2) == 0 && memcmp(out + 4, in + 4, len - 4) == 0 && in[2] == 0xff &&
           in[3] == 0xff && out[2] == 0 && out[3] == 0;
}

static void check(const uint8_t *data, size_t size)
{
    struct tapir_icmpv4_repr r, r2;
    if (tapir_icmpv4_parse(data, size, &r) != 0)
        return;
    if (r.data_len != size - TAPIR_ICMPV4_HEADER_LEN)
        abort();
    uint8_t *out = malloc(size);
    if (!out)
        return;
    if (tapir_icmpv4_emit(&r, out, size) != (int)size || !same_message(out, data, size))
        abort();
    if (tapir_icmpv4_parse(out, size, &r2) != 0 || r2.type != r.type || r2.code != r.code ||
        r2.ident != r.ident || r2.seq != r.seq || r2.next_hop_mtu != r.next_hop_mtu ||
        r2.pointer != r.pointer || memcmp(&r2.gateway, &r.gateway, 4) != 0 || r2.rest != r.rest ||
        r2.data_len != r.data_len)
        abort();
    free(out);
    char text[1024];
    struct tapir_text t;
    tapir_text_init(&t, text, sizeof text);
    tapir_icmpv4_print(&t, &r);
    tapir_icmpv4_print_verbose(&t, &r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check(data, size);
    if (size < TAPIR_ICMPV4_HEADER_LEN)
        return 0;
    uint8_t *fixed = malloc(size);
    if (!fixed)
        return 0;
    memcpy(fixed, data, size);
    fixed[2] = fixed[3] = 0;
    uint16_t sum = tapir_checksum(fixed, size);
    fixed[2] = (uint8_t)(sum >> 8);
    fixed[3] = (uint8_t)sum;
    check(fixed, size);
    free(fixed);
    return 0;
}
