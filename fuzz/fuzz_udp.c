/* Fuzz the UDP parser, with no pseudo-header and with a fixed IPv4 and IPv6 one (those of
 * ns B -> ns A in the golden captures, so the seeds sent that way verify): never crash,
 * never read past the input; whatever parses must emit back to the same bytes (exactly when
 * the checksum was verified, else all but the checksum field) and parse again to the same
 * repr; both printers run. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tapir/error.h"
#include "tapir/wire/udp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct tapir_pseudo_header ph_v4 = {
    .src = {.version = TAPIR_IP_V4, .v4 = {{192, 168, 69, 100}}},
    .dst = {.version = TAPIR_IP_V4, .v4 = {{192, 168, 69, 1}}},
    .protocol = 17,
};
static const struct tapir_pseudo_header ph_v6 = {
    .src = {.version = TAPIR_IP_V6, .v6 = {{0xfd, 0xaa, [14] = 0x01, [15] = 0x00}}},
    .dst = {.version = TAPIR_IP_V6, .v6 = {{0xfd, 0xaa, [15] = 0x01}}},
    .protocol = 17,
};

static void check(const uint8_t *data, size_t size, const struct tapir_pseudo_header *ph)
{
    static uint8_t out[65536];
    struct tapir_udp_repr r, r2;
    if (tapir_udp_parse(data, size, ph, &r) != 0)
        return;
    /* Verification only ever removes datagrams. */
    if (ph != NULL && tapir_udp_parse(data, size, NULL, &r2) != 0)
        abort();
    size_t len = 8 + r.payload_len;
    if (len > size || r.payload != data + 8)
        abort();

    /* A checksum that was verified is recomputed to the same value (a computed 0 goes out
     * as 0xffff, which is the only other value that verifies); one that was not checked,
     * or is 0 ("none"), is emitted as 0. */
    const struct tapir_pseudo_header *eph = (ph != NULL && r.checksum != 0) ? ph : NULL;
    if (tapir_udp_emit(&r, eph, out, sizeof out) != (int)len)
        abort();
    if (eph != NULL) {
        if (memcmp(out, data, len) != 0)
            abort();
    } else if (memcmp(out, data, 6) != 0 || out[6] != 0 || out[7] != 0 ||
               memcmp(out + 8, data + 8, len - 8) != 0) {
        abort();
    }
    if (tapir_udp_parse(out, len, eph, &r2) != 0 || r2.src_port != r.src_port ||
        r2.dst_port != r.dst_port || r2.payload_len != r.payload_len ||
        r2.checksum != (eph != NULL ? r.checksum : 0) ||
        memcmp(r2.payload, r.payload, r.payload_len) != 0)
        abort();
    /* Too small a buffer is refused. */
    if (tapir_udp_emit(&r, eph, out, len - 1) != TAPIR_ENOBUFS)
        abort();

    char text[1024];
    struct tapir_text t;
    tapir_text_init(&t, text, sizeof text);
    tapir_udp_print(&t, &r);
    tapir_text_init(&t, text, sizeof text);
    tapir_udp_print_verbose(&t, &r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check(data, size, NULL);
    check(data, size, &ph_v4);
    check(data, size, &ph_v6);
    return 0;
}
