/* A byte ring over caller memory (see include/tapir/priv/ring.h). */
#include <string.h>

#include "tapir/priv/ring.h"

static size_t min_size(size_t a, size_t b)
{
    return a < b ? a : b;
}

/* Buffer position of the byte `i` bytes after the first unread one, for i <= cap (so
 * head + i < 2 * cap, and one subtraction replaces a modulo: the capacity need not be a
 * power of two). */
static size_t position(const struct tapir__byte_ring *r, size_t i)
{
    size_t p = r->head + i;
    return p >= r->cap ? p - r->cap : p;
}

/* The n bytes starting i bytes after the first unread one (i + n <= cap) as one or two
 * pieces of the buffer: [*first, *first + *first_len) and then [0, n - *first_len). */
static void pieces(const struct tapir__byte_ring *r, size_t i, size_t n, size_t *first,
                   size_t *first_len)
{
    *first = position(r, i);
    *first_len = min_size(n, r->cap - *first);
}

static void copy_in(struct tapir__byte_ring *r, size_t i, const uint8_t *src, size_t n)
{
    if (n == 0)
        return;
    size_t at, k;
    pieces(r, i, n, &at, &k);
    memcpy(r->buf + at, src, k);
    if (k < n)
        memcpy(r->buf, src + k, n - k);
}

static void copy_out(const struct tapir__byte_ring *r, size_t i, uint8_t *dst, size_t n)
{
    if (n == 0)
        return;
    size_t at, k;
    pieces(r, i, n, &at, &k);
    memcpy(dst, r->buf + at, k);
    if (k < n)
        memcpy(dst + k, r->buf, n - k);
}

void tapir__byte_ring_init(struct tapir__byte_ring *r, void *buf, size_t cap)
{
    r->buf = buf;
    r->cap = cap;
    r->head = 0;
    r->len = 0;
}

size_t tapir__byte_ring_len(const struct tapir__byte_ring *r)
{
    return r->len;
}

size_t tapir__byte_ring_free(const struct tapir__byte_ring *r)
{
    return r->cap - r->len;
}

size_t tapir__byte_ring_write_at(struct tapir__byte_ring *r, size_t off, const void *src, size_t n)
{
    size_t space = r->cap - r->len;
    if (off >= space)
        return 0;
    n = min_size(n, space - off);
    copy_in(r, r->len + off, src, n);
    return n;
}

size_t tapir__byte_ring_commit(struct tapir__byte_ring *r, size_t n)
{
    n = min_size(n, r->cap - r->len);
    r->len += n;
    return n;
}

size_t tapir__byte_ring_write(struct tapir__byte_ring *r, const void *src, size_t n)
{
    return tapir__byte_ring_commit(r, tapir__byte_ring_write_at(r, 0, src, n));
}

size_t tapir__byte_ring_peek(const struct tapir__byte_ring *r, size_t off, void *dst, size_t n)
{
    if (off >= r->len)
        return 0;
    n = min_size(n, r->len - off);
    copy_out(r, off, dst, n);
    return n;
}

size_t tapir__byte_ring_consume(struct tapir__byte_ring *r, size_t n)
{
    n = min_size(n, r->len);
    /* head stays where it is when the ring empties: resetting it to 0 would move the
     * uncommitted bytes in the free space away from their offsets. */
    r->head = position(r, n);
    r->len -= n;
    return n;
}

size_t tapir__byte_ring_read(struct tapir__byte_ring *r, void *dst, size_t n)
{
    return tapir__byte_ring_consume(r, tapir__byte_ring_peek(r, 0, dst, n));
}

/* Bytes [i, i + n) after the first unread one (i + n <= cap, n > 0) as one or two spans. */
static unsigned span_pieces(const struct tapir__byte_ring *r, size_t i, size_t n, uint8_t **data,
                            size_t *lens)
{
    size_t at, k;
    pieces(r, i, n, &at, &k);
    data[0] = r->buf + at;
    lens[0] = k;
    if (k == n)
        return 1;
    data[1] = r->buf;
    lens[1] = n - k;
    return 2;
}

unsigned tapir__byte_ring_readable_spans(const struct tapir__byte_ring *r, size_t off, size_t n,
                                         struct tapir__ring_span out[2])
{
    out[0] = (struct tapir__ring_span){NULL, 0};
    out[1] = (struct tapir__ring_span){NULL, 0};
    if (off >= r->len || n == 0)
        return 0;
    uint8_t *data[2];
    size_t lens[2];
    unsigned count = span_pieces(r, off, min_size(n, r->len - off), data, lens);
    for (unsigned i = 0; i < count; i++)
        out[i] = (struct tapir__ring_span){data[i], lens[i]};
    return count;
}

unsigned tapir__byte_ring_writable_spans(struct tapir__byte_ring *r, size_t off, size_t n,
                                         struct tapir__ring_wspan out[2])
{
    out[0] = (struct tapir__ring_wspan){NULL, 0};
    out[1] = (struct tapir__ring_wspan){NULL, 0};
    size_t space = r->cap - r->len;
    if (off >= space || n == 0)
        return 0;
    uint8_t *data[2];
    size_t lens[2];
    unsigned count = span_pieces(r, r->len + off, min_size(n, space - off), data, lens);
    for (unsigned i = 0; i < count; i++)
        out[i] = (struct tapir__ring_wspan){data[i], lens[i]};
    return count;
}
