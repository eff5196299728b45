/* Test support: golden packets (captured from Linux, stored as pcap under tests/data/)
 * and assertions shared by the wire tests. */
#ifndef TAPIR_TEST_GOLDEN_H
#define TAPIR_TEST_GOLDEN_H

#include <stddef.h>
#include <stdint.h>

struct golden_frame {
    uint8_t *data;
    size_t len;
};

struct golden {
    int linktype; /* DLT_EN10MB (1) or DLT_RAW (101) / LINKTYPE_RAW (101) */
    size_t count;
    struct golden_frame *frames;
};

/* Loads tests/data/<name> (a pcap file); fails the current test when it cannot. */
void golden_load(const char *name, struct golden *g);
void golden_free(struct golden *g);

/* Finds the first frame of `g` whose dissection has a layer `layer` that parses, and
 * returns a heap copy of that layer's bytes (start of layer to end of its data) in
 * out and out_len. Returns the frame index, or -1 if none has it. Free with free(). */
int golden_layer(const struct golden *g, size_t from, int layer, uint8_t **out, size_t *out_len);

/* A heap buffer of exactly `len` bytes holding a copy of `data`, so ASan sees reads one
 * past the end. */
uint8_t *exact_copy(const void *data, size_t len);

/* Asserts that the printer's text equals `expected`, showing both on failure. */
void assert_text_eq(const char *got, const char *expected);

#endif
