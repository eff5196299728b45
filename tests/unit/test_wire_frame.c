/* The whole-frame printer and dissector over every golden capture: each frame's one-line
 * text and its verbose text (-e -v) must equal tests/data/decoded/<capture>[.verbose].txt,
 * written by tapir-decode and checked line by line against `tcpdump -nS -r` (where they
 * differ, on purpose: fragments are named as such, extension headers are listed without
 * their fields, a checksum that fails is flagged). Every dissected layer must lie inside
 * the frame and follow the one before. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "golden.h"
#include "wire_slices.h"
#include "tapir/wire/dissect.h"

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open %s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

/* Prints every frame of `g` with `flags`, one block per frame ending in a newline. */
static char *print_all(const struct golden *g, unsigned flags)
{
    size_t cap = 1 << 20;
    char *out = malloc(cap);
    assert_non_null(out);
    size_t len = 0;
    for (size_t i = 0; i < g->count; i++) {
        struct tapir_text t;
        tapir_text_init(&t, out + len, cap - len - 1);
        tapir_frame_print(&t, g->frames[i].data, g->frames[i].len, golden_medium(g), flags);
        assert_true(tapir_text_complete(&t));
        len += t.len;
        out[len++] = '\n';
        out[len] = '\0';
    }
    return out;
}

static void check_dissection(const struct golden *g, const char *name)
{
    for (size_t i = 0; i < g->count; i++) {
        struct tapir_dissection d;
        golden_dissect(g, i, &d);
        assert_true(d.count >= 1);
        size_t prev = 0;
        for (size_t k = 0; k < d.count; k++) {
            const struct tapir_layer_span *s = &d.layers[k];
            if (s->offset < prev || s->offset + s->len > g->frames[i].len)
                fail_msg("%s frame %zu: layer %zu (%s) at %zu+%zu outside the frame", name, i, k,
                         tapir_layer_name((enum tapir_layer)s->layer), s->offset, s->len);
            prev = s->offset;
        }
    }
}

static void compare(const char *name, const char *suffix, unsigned flags, const struct golden *g)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/decoded/%s%s.txt", TAPIR_TEST_DATA, name, suffix);
    char *want = read_file(path);
    char *got = print_all(g, flags);
    if (strcmp(want, got) != 0)
        fail_msg("%s%s differs\n--- expected:\n%s\n--- got:\n%s", name, suffix, want, got);
    free(want);
    free(got);
}

static void test_every_capture(void **state)
{
    (void)state;
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/decoded", TAPIR_TEST_DATA);
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *e;
    int captures = 0;
    while ((e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name);
        if (n < 5 || strcmp(e->d_name + n - 4, ".txt") != 0 || strstr(e->d_name, ".verbose."))
            continue;
        char name[256];
        snprintf(name, sizeof name, "%.*s", (int)(n - 4), e->d_name);
        char pcap[300];
        snprintf(pcap, sizeof pcap, "%s.pcap", name);
        struct golden g;
        golden_load(pcap, &g);
        compare(name, "", 0, &g);
        compare(name, ".verbose", TAPIR_PRINT_LINK | TAPIR_PRINT_VERBOSE, &g);
        check_dissection(&g, name);
        golden_free(&g);
        captures++;
    }
    closedir(d);
    assert_true(captures >= 30);
}

/* A frame cut anywhere prints without overrunning the text buffer or the frame, and a
 * tiny text buffer is never overrun either. */
static void test_truncated_frames_and_small_buffers(void **state)
{
    (void)state;
    struct golden g;
    golden_load("tcp_sack.pcap", &g);
    for (size_t i = 0; i < g.count; i++) {
        for (size_t cut = 0; cut <= g.frames[i].len; cut++) {
            uint8_t *p = exact_copy(g.frames[i].data, cut);
            char small[16];
            struct tapir_text t;
            tapir_text_init(&t, small, sizeof small);
            tapir_frame_print(&t, p, cut, TAPIR_MEDIUM_ETHERNET, TAPIR_PRINT_VERBOSE);
            assert_int_equal(strlen(small) < sizeof small, 1);
            assert_false(cut > 60 && tapir_text_complete(&t));
            free(p);
        }
    }
    golden_free(&g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_capture),
        cmocka_unit_test(test_truncated_frames_and_small_buffers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
