#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "golden.h"
#include "wire_slices.h"

void golden_load(const char *name, struct golden *g)
{
    char path[4096], err[PCAP_ERRBUF_SIZE];
    snprintf(path, sizeof path, "%s/%s", TAPIR_TEST_DATA, name);
    pcap_t *p = pcap_open_offline(path, err);
    if (!p)
        fail_msg("cannot open golden capture %s: %s", path, err);
    memset(g, 0, sizeof *g);
    g->linktype = pcap_datalink(p);
    struct pcap_pkthdr *h;
    const u_char *data;
    size_t cap = 0;
    while (pcap_next_ex(p, &h, &data) == 1) {
        if (g->count == cap) {
            cap = cap ? cap * 2 : 16;
            g->frames = realloc(g->frames, cap * sizeof *g->frames);
            assert_non_null(g->frames);
        }
        g->frames[g->count].data = exact_copy(data, h->caplen);
        g->frames[g->count].len = h->caplen;
        g->count++;
    }
    pcap_close(p);
    if (g->count == 0)
        fail_msg("golden capture %s holds no packets", path);
}

void golden_free(struct golden *g)
{
    for (size_t i = 0; i < g->count; i++)
        free(g->frames[i].data);
    free(g->frames);
    memset(g, 0, sizeof *g);
}

int golden_layer(const struct golden *g, size_t from, int layer, uint8_t **out, size_t *out_len)
{
    for (size_t i = from; i < g->count; i++) {
        struct tapir_dissection d;
        golden_dissect(g, i, &d);
        for (size_t k = 0; k < d.count; k++) {
            if (d.layers[k].layer != layer || d.layers[k].error != 0)
                continue;
            *out = exact_copy(g->frames[i].data + d.layers[k].offset, d.layers[k].len);
            *out_len = d.layers[k].len;
            return (int)i;
        }
    }
    return -1;
}

uint8_t *exact_copy(const void *data, size_t len)
{
    uint8_t *p = malloc(len ? len : 1);
    assert_non_null(p);
    if (len)
        memcpy(p, data, len);
    return p;
}

void assert_text_eq(const char *got, const char *expected)
{
    if (strcmp(got, expected) != 0)
        fail_msg("printer output differs\n--- expected:\n%s\n--- got:\n%s", expected, got);
}
