/* Fuzz the virtio-net header parser (src/phy/vnet.c): the input is a header and the frame
 * after it, as a TAP with IFF_VNET_HDR hands them over. Never crash, never read past the
 * input; a header that parses describes a checksum field inside the frame when it says
 * NEEDS_CSUM, has a segment size with GSO, and builds back to the same 10 bytes (hdr_len
 * aside, which build recomputes from the frame); a failed parse leaves no offload field
 * set. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tapir/error.h"
#include "tapir/phy/vnet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct tapir_frame f;
    memset(&f, 0xa5, sizeof f);
    size_t frame_len = size > TAPIR_VNET_HDR_LEN ? size - TAPIR_VNET_HDR_LEN : 0;
    int rc = tapir_vnet_hdr_parse(data, size, frame_len, &f);
    if (rc != 0) {
        if (f.flags || f.gso_type || f.gso_size || f.csum_start || f.csum_offset)
            abort();
        return 0;
    }
    if ((f.flags & TAPIR_FRAME_CSUM_PARTIAL) &&
        (size_t)f.csum_start + f.csum_offset + 2 > frame_len)
        abort();
    if (f.gso_type != TAPIR_GSO_NONE && f.gso_size == 0)
        abort();
    /* Build it back: a received DATA_VALID frame is not something one sends, and GSO
     * without a partial checksum is refused by build by design. */
    f.data = (uint8_t *)(uintptr_t)(data + TAPIR_VNET_HDR_LEN);
    f.len = frame_len;
    f.cap = frame_len;
    f.flags &= (uint8_t)~TAPIR_FRAME_CSUM_VALID;
    uint8_t out[TAPIR_VNET_HDR_LEN + 8];
    memset(out, 0xa5, sizeof out);
    int n = tapir_vnet_hdr_build(&f, out, sizeof out);
    if (n == TAPIR_VNET_HDR_LEN) {
        struct tapir_frame g;
        memset(&g, 0, sizeof g);
        if (tapir_vnet_hdr_parse(out, (size_t)n, frame_len, &g) != 0)
            abort();
        if (g.flags != f.flags || g.gso_type != f.gso_type || g.gso_size != f.gso_size ||
            g.csum_start != f.csum_start || g.csum_offset != f.csum_offset)
            abort();
        if (out[TAPIR_VNET_HDR_LEN] != 0xa5)
            abort(); /* wrote past the header */
    } else if (n != TAPIR_EINVAL) {
        abort();
    }
    return 0;
}
