/* Fuzz a TCP-style receive path: a byte ring (src/storage/ring.c) and an out-of-order
 * assembler (src/storage/assembler.c) driven together by a sequence of operations, each
 * checked against a reference model in plain arrays; any disagreement aborts.
 *
 * Input: byte 0 picks the ring's capacity (1..256); then operations, an opcode byte and
 * two argument bytes each (a missing argument reads as 0):
 *   0 segment      bytes [a, a+b) of the stream beyond the receive point: write_at + add
 *   1 zero-copy    the same through writable spans
 *   2 deliver      front, commit, advance
 *   3 in order     write(b bytes) at the receive point, then advance the assembler by it
 *   4 read         read(b) and compare with the stream
 *   5 peek         peek(a, b) and readable_spans(a, b)
 *   6 consume      consume(b)
 *   7 garbage      write_at(a, 0xee...) into offsets the assembler has not recorded
 *   8 sack         recent(b % 40) in recency order
 * The stream's byte at absolute offset i is stream_byte(i), so any byte taken from the
 * wrong place, or committed without having been recorded, shows up when read. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tapir/error.h"
#include "tapir/priv/assembler.h"
#include "tapir/priv/ring.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CAP_MAX 256
#define MAX     TAPIR_ASSEMBLER_MAX_RANGES

static uint8_t stream_byte(uint32_t i)
{
    return (uint8_t)(i * 31 + (i >> 8) * 7 + 1);
}

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond))                                                                               \
            abort();                                                                               \
    } while (0)

/* The model: absolute counters, and by offset from the receive point which bytes the
 * assembler should have recorded and the recency stamp of the range holding each. */
struct model {
    size_t cap;
    uint32_t read, rcv; /* absolute: bytes read by the application, next expected byte */
    bool have[CAP_MAX + 1];
    uint32_t stamp[CAP_MAX + 1];
    uint32_t clock;
};

static size_t model_free(const struct model *m)
{
    return m->cap - (m->rcv - m->read);
}

/* Drop offsets [0, n) and shift the rest down (advance). */
static void model_shift(struct model *m, size_t n)
{
    if (n > CAP_MAX)
        n = CAP_MAX;
    memmove(m->have, m->have + n, (CAP_MAX + 1 - n) * sizeof m->have[0]);
    memset(m->have + CAP_MAX + 1 - n, 0, n * sizeof m->have[0]);
    memmove(m->stamp, m->stamp + n, (CAP_MAX + 1 - n) * sizeof m->stamp[0]);
}

static uint32_t model_front(const struct model *m)
{
    uint32_t n = 0;
    while (n <= CAP_MAX && m->have[n])
        n++;
    return n;
}

/* Runs of `have` starting beyond offset 0. */
static unsigned runs_beyond(const bool *have)
{
    unsigned runs = 0;
    for (size_t k = 1; k <= CAP_MAX; k++)
        runs += have[k] && !have[k - 1];
    return runs;
}

/* Record [off, off + n) as the assembler should: refused when it needs one range too many
 * beyond offset 0, else the whole run holding it becomes the most recent. Returns the
 * expected result. */
static int model_add(struct model *m, size_t off, size_t n)
{
    bool with[CAP_MAX + 1];
    memcpy(with, m->have, sizeof with);
    for (size_t k = off; k < off + n; k++)
        with[k] = true;
    if (runs_beyond(with) > MAX)
        return TAPIR_ENOBUFS;
    memcpy(m->have, with, sizeof with);
    size_t lo = off, hi = off + n;
    while (lo > 0 && m->have[lo - 1])
        lo--;
    while (hi <= CAP_MAX && m->have[hi])
        hi++;
    m->clock++;
    for (size_t k = lo; k < hi; k++)
        m->stamp[k] = m->clock;
    return 0;
}

static void check_assembler(const struct tapir__assembler *a, const struct model *m)
{
    /* The ranges are exactly the runs of `have`, in order. */
    unsigned idx = 0;
    for (size_t k = 0; k <= CAP_MAX;) {
        if (!m->have[k]) {
            k++;
            continue;
        }
        size_t e = k;
        while (e <= CAP_MAX && m->have[e])
            e++;
        struct tapir__assembler_range r;
        CHECK(tapir__assembler_range(a, idx++, &r));
        CHECK(r.start == k && r.end == e);
        k = e;
    }
    CHECK(tapir__assembler_count(a) == idx);
    CHECK(tapir__assembler_front(a) == model_front(m));
    CHECK(idx <= MAX + 1);
}

static void check_recent(const struct tapir__assembler *a, const struct model *m, unsigned max)
{
    struct tapir__assembler_range got[MAX + 2];
    unsigned n = tapir__assembler_recent(a, got, max);
    unsigned count = tapir__assembler_count(a);
    CHECK(n == (max < count ? max : count));
    for (unsigned i = 0; i < n; i++) {
        CHECK(got[i].start < got[i].end && got[i].end <= CAP_MAX + 1);
        CHECK(m->have[got[i].start]);
        CHECK(got[i].start == 0 || !m->have[got[i].start - 1]);
        if (i > 0)
            CHECK(m->stamp[got[i].start] < m->stamp[got[i - 1].start]);
    }
    /* The first is the most recent of all. */
    if (n > 0) {
        for (size_t k = 0; k <= CAP_MAX; k++)
            CHECK(!m->have[k] || m->stamp[k] <= m->stamp[got[0].start]);
    }
}

static void check_ring(const struct tapir__byte_ring *r, const struct model *m)
{
    size_t len = m->rcv - m->read;
    CHECK(tapir__byte_ring_len(r) == len);
    CHECK(tapir__byte_ring_free(r) == m->cap - len);
    struct tapir__ring_span s[2];
    unsigned count = tapir__byte_ring_readable_spans(r, 0, SIZE_MAX, s);
    CHECK(s[0].len + s[1].len == len);
    CHECK(count == (len == 0 ? 0u : (s[1].len ? 2u : 1u)));
    size_t k = 0;
    for (unsigned i = 0; i < count; i++) {
        for (size_t j = 0; j < s[i].len; j++, k++)
            CHECK(s[i].data[j] == stream_byte(m->read + (uint32_t)k));
    }
}

/* Stream bytes for absolute offsets [from, from + n) into out. */
static void stream_bytes(uint8_t *out, uint32_t from, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = stream_byte(from + (uint32_t)i);
}

static void add_and_check(struct tapir__assembler *a, struct model *m, size_t off, size_t n)
{
    if (n == 0)
        return;
    struct tapir__assembler before = *a;
    int want = model_add(m, off, n);
    int got = tapir__assembler_add(a, (uint32_t)off, (uint32_t)n);
    CHECK(got == want);
    if (got != 0)
        CHECK(memcmp(&before, a, sizeof before) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    static uint8_t buf[CAP_MAX];
    memset(buf, 0xa5, sizeof buf);
    struct model m;
    memset(&m, 0, sizeof m);
    m.cap = (size_t)data[0] + 1;
    struct tapir__byte_ring ring;
    tapir__byte_ring_init(&ring, buf, m.cap);
    struct tapir__assembler as;
    tapir__assembler_init(&as);

    for (size_t at = 1; at < size; at += 3) {
        uint8_t op = data[at];
        size_t a = at + 1 < size ? data[at + 1] : 0;
        size_t b = at + 2 < size ? data[at + 2] : 0;
        uint8_t tmp[CAP_MAX + 1];
        size_t space = model_free(&m);
        size_t n = a < space ? (b < space - a ? b : space - a) : 0;
        switch (op % 9) {
        case 0: /* a segment into the ring at its offset */
            stream_bytes(tmp, m.rcv + (uint32_t)a, b);
            CHECK(tapir__byte_ring_write_at(&ring, a, tmp, b) == n);
            add_and_check(&as, &m, a, n);
            break;
        case 1: { /* the same through writable spans */
            struct tapir__ring_wspan w[2];
            unsigned count = tapir__byte_ring_writable_spans(&ring, a, b, w);
            CHECK(w[0].len + w[1].len == n);
            CHECK(count == (n == 0 ? 0u : (w[1].len ? 2u : 1u)));
            stream_bytes(tmp, m.rcv + (uint32_t)a, n);
            if (count > 0)
                memcpy(w[0].data, tmp, w[0].len);
            if (count > 1)
                memcpy(w[1].data, tmp + w[0].len, w[1].len);
            add_and_check(&as, &m, a, n);
            break;
        }
        case 2: { /* deliver the front */
            uint32_t front = tapir__assembler_front(&as);
            CHECK(front == model_front(&m));
            CHECK(tapir__byte_ring_commit(&ring, front) == front);
            tapir__assembler_advance(&as, front);
            m.rcv += front;
            model_shift(&m, front);
            break;
        }
        case 3: { /* in-order bytes written directly; the assembler skips them */
            size_t c = b < space ? b : space;
            stream_bytes(tmp, m.rcv, b);
            CHECK(tapir__byte_ring_write(&ring, tmp, b) == c);
            tapir__assembler_advance(&as, (uint32_t)c);
            m.rcv += (uint32_t)c;
            model_shift(&m, c);
            break;
        }
        case 4: { /* the application reads */
            size_t len = m.rcv - m.read, c = b < len ? b : len;
            CHECK(tapir__byte_ring_read(&ring, tmp, b) == c);
            for (size_t i = 0; i < c; i++)
                CHECK(tmp[i] == stream_byte(m.read + (uint32_t)i));
            m.read += (uint32_t)c;
            break;
        }
        case 5: { /* peek, by copy and by spans */
            size_t len = m.rcv - m.read;
            size_t c = a < len ? (b < len - a ? b : len - a) : 0;
            CHECK(tapir__byte_ring_peek(&ring, a, tmp, b) == c);
            for (size_t i = 0; i < c; i++)
                CHECK(tmp[i] == stream_byte(m.read + (uint32_t)(a + i)));
            struct tapir__ring_span s[2];
            unsigned count = tapir__byte_ring_readable_spans(&ring, a, b, s);
            CHECK(s[0].len + s[1].len == c);
            CHECK(count == (c == 0 ? 0u : (s[1].len ? 2u : 1u)));
            if (count > 0)
                CHECK(memcmp(s[0].data, tmp, s[0].len) == 0);
            if (count > 1)
                CHECK(s[1].data == buf && memcmp(s[1].data, tmp + s[0].len, s[1].len) == 0);
            break;
        }
        case 6: { /* consume without copying */
            size_t len = m.rcv - m.read, c = b < len ? b : len;
            CHECK(tapir__byte_ring_consume(&ring, b) == c);
            m.read += (uint32_t)c;
            break;
        }
        case 7: { /* junk where nothing was recorded: must never be committed */
            size_t c = 0;
            while (c < n && !m.have[a + c])
                c++;
            memset(tmp, 0xee, c);
            CHECK(tapir__byte_ring_write_at(&ring, a, tmp, c) == c);
            break;
        }
        default:
            check_recent(&as, &m, b % 40);
            break;
        }
        check_ring(&ring, &m);
        check_assembler(&as, &m);
        check_recent(&as, &m, MAX + 2);
    }
    return 0;
}
