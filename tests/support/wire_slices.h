/* Test support: golden frames cut into their layers by the library's own dissector
 * (tapir_dissect), the pseudo-header a frame's IP layer gives its upper layer, and the
 * print-and-compare steps every wire test repeats. */
#ifndef TAPIR_TEST_WIRE_SLICES_H
#define TAPIR_TEST_WIRE_SLICES_H

#include <stddef.h>
#include <stdint.h>

#include "golden.h"
#include "tapir/addr.h"
#include "tapir/text.h"
#include "tapir/wire/checksum.h"
#include "tapir/wire/dissect.h"
#include "tapir/wire/ipv4.h"
#include "tapir/wire/ipv6.h"

/* What the frames of `g` start with: Ethernet for DLT_EN10MB, else raw IP. */
enum tapir_medium golden_medium(const struct golden *g);

/* Dissects frame `i` of `g` into *d; fails the test if there is no frame `i`. Returns what
 * tapir_dissect() returned (0, or the first layer's error). */
int golden_dissect(const struct golden *g, size_t i, struct tapir_dissection *d);

/* The first span of `layer` in `d`, parsed or not; fails the test if there is none. */
const struct tapir_layer_span *dissection_find(const struct tapir_dissection *d,
                                               enum tapir_layer layer);

/* Frame `i` of `g` from the start of `layer` to the end of the frame (link padding
 * included; the golden frames have none), pointing into the frame: valid until
 * golden_free(g), and as ASan-guarded as the frame's own end. The layer need not parse
 * (the IPv4 tests also cut the packet the strict parser refuses). */
const uint8_t *golden_at(const struct golden *g, size_t i, enum tapir_layer layer, size_t *len);

/* golden_at() of frame `i`'s IPv4 or IPv6 layer, which must parse into *r. */
const uint8_t *golden_ipv4(const struct golden *g, size_t i, size_t *len,
                           struct tapir_ipv4_repr *r);
const uint8_t *golden_ipv6(const struct golden *g, size_t i, size_t *len,
                           struct tapir_ipv6_repr *r);

/* The pseudo-header frame `i` of `g` gives its upper layer: the addresses of its IPv4 or
 * IPv6 header and the upper-layer protocol (IPv6: after the extension headers). Fails the
 * test unless the frame has an IP layer that parses. */
void golden_pseudo_header(const struct golden *g, size_t i, struct tapir_pseudo_header *ph);

/* One layer of a golden frame, cut out with what the layers below it say about it. Free
 * with wire_slice_free(). */
struct wire_slice {
    uint8_t *bytes;   /* exact-size heap copy of the layer, so ASan sees an overread */
    size_t len;       /* start of the layer to the end of its data (IP's length fields) */
    uint8_t *frame;   /* heap copy of the whole frame, for checks on the headers below */
    size_t frame_len; /* the layer is frame[offset, offset + len) */
    size_t offset;    /* of the layer in the frame */
    size_t ip;        /* of the frame's IP header in the frame */
    struct tapir_pseudo_header ph; /* of the frame's IP layer */
};

/* Cuts `layer` (an upper layer: ICMPv4, ICMPv6, UDP, TCP, IGMP) out of frame `i` of `g`. Fails
 * the test unless every layer of the frame parses (transport checksums verified against
 * the pseudo-header) and the frame has `layer` right above its IP layer. */
void golden_slice(const struct golden *g, size_t i, enum tapir_layer layer, struct wire_slice *out);

/* golden_slice() of frame `index` of capture `file`: loads, cuts, frees the capture. */
void golden_slice_file(const char *file, size_t index, enum tapir_layer layer,
                       struct wire_slice *out);

void wire_slice_free(struct wire_slice *s);

/* Loads capture `file`, asserts that it holds `count` frames and calls check(g, i, arg)
 * on each frame in turn. */
void golden_each(const char *file, size_t count,
                 void (*check)(const struct golden *g, size_t i, const void *arg), const void *arg);

/* An IPv6 address from its text form; fails the test if it does not parse. */
struct tapir_ipv6_addr ipv6_addr(const char *text);

/* Asserts that *a is the address `text` names. */
void assert_ipv6_addr(const struct tapir_ipv6_addr *a, const char *text);

/* Writes print(&t, repr), any tapir_*_print or tapir_*_print_verbose, into buf[cap] and
 * asserts that the text was not cut short. */
#define print_to(buf, cap, print, repr)                                                            \
    do {                                                                                           \
        struct tapir_text print_to_text_;                                                          \
        tapir_text_init(&print_to_text_, (buf), (cap));                                            \
        print(&print_to_text_, (repr));                                                            \
        assert_true(tapir_text_complete(&print_to_text_));                                         \
    } while (0)

/* Asserts that print(&t, repr) writes exactly `expected`. */
#define assert_prints(print, repr, expected)                                                       \
    do {                                                                                           \
        char assert_prints_buf_[4096];                                                             \
        print_to(assert_prints_buf_, sizeof assert_prints_buf_, print, repr);                      \
        assert_text_eq(assert_prints_buf_, (expected));                                            \
    } while (0)

#endif
