/* Variable-length records in a byte ring (see include/tapir/priv/packet_ring.h). */
#include <string.h>

#include "tapir/error.h"
#include "tapir/priv/packet_ring.h"

/* Each record: an 8-byte header {meta_len, data_len}, the metadata, the data, padded to
 * 8 bytes so the next header is aligned. A header with meta_len SKIP marks "the rest of
 * the buffer is unused; continue at 0". */
#define ALIGN 8u
#define SKIP  UINT32_MAX

struct record_header {
    uint32_t meta_len;
    uint32_t data_len;
};

static size_t align_up(size_t n)
{
    return (n + ALIGN - 1) & ~(size_t)(ALIGN - 1);
}

static size_t record_size(size_t meta_len, size_t data_len)
{
    return align_up(sizeof(struct record_header) + meta_len + data_len);
}

void tapir__packet_ring_init(struct tapir__packet_ring *r, void *buf, size_t cap)
{
    memset(r, 0, sizeof *r);
    r->buf = buf;
    r->cap = cap & ~(size_t)(ALIGN - 1);
}

#define NOWHERE ((size_t)-1)

/* Where a record of `size` bytes would start now, or NOWHERE. */
static size_t placement(const struct tapir__packet_ring *r, size_t size)
{
    if (size > r->cap)
        return NOWHERE;
    if (r->count == 0)
        return 0; /* empty: restart at 0 so the whole buffer is usable */
    if (r->tail > r->head || (r->tail == r->head && r->used == 0)) {
        size_t to_end = r->cap - r->tail;
        if (size <= to_end)
            return r->tail;
        /* Wrap: the tail-to-end gap is skipped; the record must fit before head. */
        return size <= r->head ? 0 : NOWHERE;
    }
    /* tail <= head with records in between: the free gap is [tail, head). */
    return size <= r->head - r->tail ? r->tail : NOWHERE;
}

bool tapir__packet_ring_fits(const struct tapir__packet_ring *r, size_t meta_len, size_t data_len)
{
    if (meta_len >= SKIP || data_len > UINT32_MAX)
        return false;
    return placement(r, record_size(meta_len, data_len)) != NOWHERE;
}

int tapir__packet_ring_push(struct tapir__packet_ring *r, const void *meta, size_t meta_len,
                            const void *data, size_t data_len)
{
    if (!tapir__packet_ring_fits(r, meta_len, data_len))
        return TAPIR_ENOBUFS;
    size_t size = record_size(meta_len, data_len);
    size_t at = placement(r, size);
    if (r->count == 0) {
        r->head = r->tail = r->used = 0;
    } else if (at == 0 && r->tail != 0) {
        /* Mark the skipped tail (at least one header long: cap and offsets are aligned
         * and records are whole headers) so the reader jumps over it. */
        struct record_header mark = {SKIP, 0};
        memcpy(r->buf + r->tail, &mark, sizeof mark);
        r->used += r->cap - r->tail;
    }
    struct record_header h = {(uint32_t)meta_len, (uint32_t)data_len};
    memcpy(r->buf + at, &h, sizeof h);
    if (meta_len)
        memcpy(r->buf + at + sizeof h, meta, meta_len);
    if (data_len)
        memcpy(r->buf + at + sizeof h + meta_len, data, data_len);
    r->tail = at + size;
    if (r->tail == r->cap)
        r->tail = 0;
    r->used += size;
    r->count++;
    return 0;
}

/* Offset of the oldest record, past a skip marker; adds the skipped bytes to *skipped. */
static size_t head_record(const struct tapir__packet_ring *r, size_t *skipped)
{
    struct record_header h;
    memcpy(&h, r->buf + r->head, sizeof h);
    if (h.meta_len == SKIP) {
        *skipped = r->cap - r->head;
        return 0;
    }
    *skipped = 0;
    return r->head;
}

bool tapir__packet_ring_peek(const struct tapir__packet_ring *r, size_t meta_len,
                             const uint8_t **meta, const uint8_t **data, size_t *data_len)
{
    if (r->count == 0)
        return false;
    size_t skipped;
    size_t at = head_record(r, &skipped);
    struct record_header h;
    memcpy(&h, r->buf + at, sizeof h);
    (void)meta_len; /* the stored length is authoritative */
    *meta = r->buf + at + sizeof h;
    *data = r->buf + at + sizeof h + h.meta_len;
    *data_len = h.data_len;
    return true;
}

void tapir__packet_ring_pop(struct tapir__packet_ring *r)
{
    if (r->count == 0)
        return;
    size_t skipped;
    size_t at = head_record(r, &skipped);
    struct record_header h;
    memcpy(&h, r->buf + at, sizeof h);
    size_t size = record_size(h.meta_len, h.data_len);
    r->used -= skipped + size;
    r->count--;
    r->head = at + size;
    if (r->head == r->cap)
        r->head = 0;
    if (r->count == 0)
        r->head = r->tail = r->used = 0;
}

size_t tapir__packet_ring_pop_into(struct tapir__packet_ring *r, void *buf, size_t cap)
{
    const uint8_t *meta, *data;
    size_t len;
    if (!tapir__packet_ring_peek(r, 0, &meta, &data, &len))
        return 0;
    if (buf && cap)
        memcpy(buf, data, len < cap ? len : cap);
    tapir__packet_ring_pop(r);
    return len;
}

int tapir__packet_ring_take(struct tapir__packet_ring *r, void *meta, size_t meta_len, void *buf,
                            size_t cap)
{
    const uint8_t *m, *data;
    size_t len;
    if (!tapir__packet_ring_peek(r, meta_len, &m, &data, &len))
        return TAPIR_EAGAIN;
    if (meta)
        memcpy(meta, m, meta_len);
    return (int)tapir__packet_ring_pop_into(r, buf, cap);
}
