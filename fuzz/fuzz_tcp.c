/* Fuzz the TCP parser, with no pseudo-header and with a fixed IPv4 and IPv6 one (those of
 * ns B -> ns A in the golden captures, so the seeds sent that way verify): never crash,
 * never read past the input. Whatever parses must
 *   - emit with its raw options back to the same bytes (exactly when the checksum was
 *     verified, else all but the checksum field) and parse again to the same repr;
 *   - emit with options built from the parsed fields (or be refused only because they do
 *     not fit in 40 bytes) and parse back to the same fields;
 * and both printers run on both forms. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tapir/error.h"
#include "tapir/wire/tcp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct tapir_pseudo_header ph_v4 = {
    .src = {.version = TAPIR_IP_V4, .v4 = {{192, 168, 69, 100}}},
    .dst = {.version = TAPIR_IP_V4, .v4 = {{192, 168, 69, 1}}},
    .protocol = 6,
};
static const struct tapir_pseudo_header ph_v6 = {
    .src = {.version = TAPIR_IP_V6, .v6 = {{0xfd, 0xaa, [14] = 0x01, [15] = 0x00}}},
    .dst = {.version = TAPIR_IP_V6, .v6 = {{0xfd, 0xaa, [15] = 0x01}}},
    .protocol = 6,
};

static bool same_header(const struct tapir_tcp_repr *a, const struct tapir_tcp_repr *b)
{
    return a->src_port == b->src_port && a->dst_port == b->dst_port && a->seq == b->seq &&
           a->ack == b->ack && a->flags == b->flags && a->window == b->window &&
           a->urgent == b->urgent && a->payload_len == b->payload_len &&
           memcmp(a->payload, b->payload, a->payload_len) == 0;
}

static bool same_options(const struct tapir_tcp_repr *a, const struct tapir_tcp_repr *b)
{
    if (a->has_mss != b->has_mss || (a->has_mss && a->mss != b->mss))
        return false;
    if (a->has_wscale != b->has_wscale || (a->has_wscale && a->wscale != b->wscale))
        return false;
    if (a->sack_permitted != b->sack_permitted || a->has_timestamps != b->has_timestamps)
        return false;
    if (a->has_timestamps && (a->ts_val != b->ts_val || a->ts_ecr != b->ts_ecr))
        return false;
    if (a->sack_count != b->sack_count)
        return false;
    for (size_t i = 0; i < a->sack_count; i++) {
        if (a->sack[i].left != b->sack[i].left || a->sack[i].right != b->sack[i].right)
            return false;
    }
    return true;
}

static void print_both(const struct tapir_tcp_repr *r)
{
    char text[1024];
    struct tapir_text t;
    tapir_text_init(&t, text, sizeof text);
    tapir_tcp_print(&t, r);
    tapir_text_init(&t, text, sizeof text);
    tapir_tcp_print_verbose(&t, r);
}

static void check(const uint8_t *data, size_t size, const struct tapir_pseudo_header *ph)
{
    static uint8_t out[65536];
    struct tapir_tcp_repr r, r2;
    if (tapir_tcp_parse(data, size, ph, &r) != 0)
        return;
    if (ph != NULL && tapir_tcp_parse(data, size, NULL, &r2) != 0)
        abort();
    if (r.sack_count > TAPIR_TCP_MAX_SACK || r.options_len > TAPIR_TCP_MAX_OPTIONS_LEN ||
        r.options_len % 4 != 0 || tapir_tcp_header_len(&r) + r.payload_len != size)
        abort();
    print_both(&r);
    if (size > 65535)
        return; /* no IP packet carries more; emit refuses it */

    /* Raw options: the same bytes. */
    if (tapir_tcp_emit(&r, ph, out, sizeof out) != (int)size)
        abort();
    if (memcmp(out, data, 16) != 0 || memcmp(out + 18, data + 18, size - 18) != 0)
        abort();
    /* No pseudo-header: the field is left 0. A verified checksum recomputes to itself, up to
     * the two forms of zero (0x0000 and 0xffff both verify when the sum is zero). */
    uint16_t got = (uint16_t)(out[16] << 8 | out[17]);
    uint16_t had = (uint16_t)(data[16] << 8 | data[17]);
    bool both_zero = (got == 0 || got == 0xffff) && (had == 0 || had == 0xffff);
    if (ph == NULL ? got != 0 : (got != had && !both_zero))
        abort();
    if (tapir_tcp_parse(out, size, ph, &r2) != 0 || !same_header(&r, &r2) ||
        !same_options(&r, &r2) || r2.options_len != r.options_len ||
        (r.options_len > 0 && memcmp(r2.options, r.options, r.options_len) != 0))
        abort();
    if (tapir_tcp_emit(&r, ph, out, size - 1) != TAPIR_ENOBUFS)
        abort();

    /* Options built from the fields. */
    struct tapir_tcp_repr b = r;
    b.options = NULL;
    b.options_len = 0;
    print_both(&b);
    int n = tapir_tcp_emit(&b, ph, out, sizeof out);
    if (n == TAPIR_EINVAL) {
        if (tapir_tcp_options_len(&b) <= TAPIR_TCP_MAX_OPTIONS_LEN &&
            tapir_tcp_header_len(&b) + b.payload_len <= 65535)
            abort();
        return;
    }
    if (n < 0 || (size_t)n != tapir_tcp_header_len(&b) + b.payload_len)
        abort();
    if (tapir_tcp_parse(out, (size_t)n, ph, &r2) != 0 || !same_header(&r, &r2) ||
        !same_options(&r, &r2))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check(data, size, NULL);
    check(data, size, &ph_v4);
    check(data, size, &ph_v6);
    return 0;
}
