/* Fuzz the IPv4 parsers: never crash, never read past the input; whatever the strict
 * parser accepts emits back to the same datagram (header and payload up to the total
 * length) and parses again to the same repr. The lenient (quoted) parser and both printers
 * run on everything they accept.
 *
 * Random bytes almost never carry a right header checksum, which would keep the fuzzer in
 * front of the option and fragment checks; so every input is also tried with its checksum
 * put right. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tapir/wire/checksum.h"
#include "tapir/wire/ipv4.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void print_both(const struct tapir_ipv4_repr *r)
{
    char text[1024];
    struct tapir_text t;
    tapir_text_init(&t, text, sizeof text);
    tapir_ipv4_print(&t, r);
    tapir_ipv4_print_verbose(&t, r);
}

/* The emitted bytes must equal the input's, but for one allowed difference: a checksum
 * field of 0xffff, the other form of zero (RFC 1624 §3), is written 0x0000. */
static bool same_datagram(const uint8_t *out, const uint8_t *in, size_t len)
{
    if (memcmp(out, in, len) == 0)
        return true;
    return memcmp(out, in, 10) == 0 && memcmp(out + 12, in + 12, len - 12) == 0 && in[10] == 0xff &&
           in[11] == 0xff && out[10] == 0 && out[11] == 0;
}

static void check(const uint8_t *data, size_t size)
{
    struct tapir_ipv4_repr r, r2;
    if (tapir_ipv4_quoted_parse(data, size, &r) == 0)
        print_both(&r);
    if (tapir_ipv4_parse(data, size, &r) != 0)
        return;
    size_t total = tapir_ipv4_header_len(&r) + r.payload_len;
    if (total > size || r.options_len > TAPIR_IPV4_MAX_OPTIONS_LEN)
        abort();
    static uint8_t out[TAPIR_IPV4_MAX_LEN];
    if (tapir_ipv4_emit(&r, out, sizeof out) != (int)total || !same_datagram(out, data, total))
        abort();
    if (tapir_ipv4_parse(out, total, &r2) != 0 || memcmp(&r.src, &r2.src, 4) != 0 ||
        memcmp(&r.dst, &r2.dst, 4) != 0 || r2.protocol != r.protocol || r2.ttl != r.ttl ||
        r2.tos != r.tos || r2.ident != r.ident || r2.dont_frag != r.dont_frag ||
        r2.more_frags != r.more_frags || r2.frag_offset != r.frag_offset ||
        r2.options_len != r.options_len || r2.payload_len != r.payload_len ||
        (r.options_len && memcmp(r2.options, r.options, r.options_len) != 0))
        abort();
    print_both(&r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check(data, size);
    if (size < TAPIR_IPV4_HEADER_LEN || size > TAPIR_IPV4_MAX_LEN)
        return 0;
    size_t hlen = (size_t)(data[0] & 0x0f) * 4;
    if (hlen < TAPIR_IPV4_HEADER_LEN || hlen > size)
        return 0;
    uint8_t *fixed = malloc(size);
    if (!fixed)
        return 0;
    memcpy(fixed, data, size);
    fixed[10] = fixed[11] = 0;
    uint16_t sum = tapir_checksum(fixed, hlen);
    fixed[10] = (uint8_t)(sum >> 8);
    fixed[11] = (uint8_t)sum;
    check(fixed, size);
    free(fixed);
    return 0;
}
