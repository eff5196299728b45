/* tapir — private: a byte ring buffer over caller memory (TCP send and receive buffers).
 *
 * Declared in a public header only because sockets embed it (the caller allocates them);
 * applications never touch it.
 *
 * Ownership. The ring never allocates and never owns its memory: `buf` (cap bytes, any
 * capacity, a power of two or not, 0 included) belongs to the caller, who keeps it alive
 * and unmoved for as long as the ring is used and touches it only through the spans the
 * ring hands out. The ring itself is the 4-word struct below.
 *
 * Layout. The ring holds a run of *unread* bytes: `len` of them, the first at buf[head],
 * continuing at buf[0] after buf[cap - 1] (wrap). Behind the last unread byte lies the
 * *free space*, cap - len bytes, ending just before buf[head]. Every operation names bytes
 * by their offset in one of the two runs, never by buffer position:
 *   - read offsets count from the first unread byte (0 .. len);
 *   - write offsets count from the end of the unread bytes, the "receive point"
 *     (0 .. cap - len), the same origin the out-of-order assembler
 *     (include/tapir/priv/assembler.h) uses for its ranges.
 * A run that crosses the end of `buf` is handed out as two spans: the first up to
 * buf[cap - 1], the second from buf[0]. Nothing ever moves the bytes: reading or
 * consuming only advances `head`, so bytes already in the free space (written with
 * write_at() or through writable spans but not committed) keep their offsets from the
 * receive point, and readable spans stay valid while their bytes stay unread. The ring
 * writes only where it is asked to: write(), write_at() and commit() never touch unread
 * bytes, and read()/consume() never touch the free space.
 *
 * Every length argument is clipped to what exists (len or free space) and the functions
 * return what they did, so none of them fails.
 */
#ifndef TAPIR_PRIV_RING_H
#define TAPIR_PRIV_RING_H

#include <stddef.h>
#include <stdint.h>

/* The names say byte_ring because src/phy already has a frame ring (tapir__ring_*). */
struct tapir__byte_ring {
    uint8_t *buf;
    size_t cap;
    size_t head; /* buffer position of the first unread byte, < cap (0 when cap is 0) */
    size_t len;  /* unread bytes */
};

/* Contiguous unread bytes: read only. */
struct tapir__ring_span {
    const uint8_t *data;
    size_t len;
};

/* Contiguous free space: the caller may write here, then commit(). */
struct tapir__ring_wspan {
    uint8_t *data;
    size_t len;
};

/* An empty ring over buf[0 .. cap). buf may be NULL only when cap is 0. */
void tapir__byte_ring_init(struct tapir__byte_ring *r, void *buf, size_t cap);

/* Unread bytes, and free space (cap - len). */
size_t tapir__byte_ring_len(const struct tapir__byte_ring *r);
size_t tapir__byte_ring_free(const struct tapir__byte_ring *r);

/* Append: copies min(n, free) bytes of src at the receive point and commits them (they
 * become unread). Returns the count copied. */
size_t tapir__byte_ring_write(struct tapir__byte_ring *r, const void *src, size_t n);

/* Copies min(n, len) unread bytes into dst and consumes them. Returns the count. */
size_t tapir__byte_ring_read(struct tapir__byte_ring *r, void *dst, size_t n);

/* Copies unread bytes [off, off + n) into dst without consuming them, clipped to the
 * unread bytes (so 0 when off >= len): the send buffer's retransmission reads the segment
 * at `off` this way. Returns the count. */
size_t tapir__byte_ring_peek(const struct tapir__byte_ring *r, size_t off, void *dst, size_t n);

/* Drops the first min(n, len) unread bytes (acknowledged data, or data the application
 * read through readable spans). Returns the count. */
size_t tapir__byte_ring_consume(struct tapir__byte_ring *r, size_t n);

/* Zero-copy read: unread bytes [off, off + n), clipped to the unread bytes, as at most two
 * spans (two when they cross the end of buf). Returns how many spans were filled (0, 1 or
 * 2); their lengths add up to min(n, len - off); unused entries are {NULL, 0}. The spans
 * stay valid, with the same bytes, until those bytes are consumed. */
unsigned tapir__byte_ring_readable_spans(const struct tapir__byte_ring *r, size_t off, size_t n,
                                         struct tapir__ring_span out[2]);

/* Zero-copy write: free space [off, off + n) behind the receive point, clipped to the free
 * space, as at most two spans; same return and conventions as readable_spans(). With off 0
 * this is where the next in-order bytes go. The caller writes the bytes there and later
 * commits them; until then the ring ignores them (len does not change) but never
 * overwrites them unless asked to write at the same offsets. */
unsigned tapir__byte_ring_writable_spans(struct tapir__byte_ring *r, size_t off, size_t n,
                                         struct tapir__ring_wspan out[2]);

/* Copies src into free space [off, off + n) behind the receive point without committing
 * it, clipped to the free space (0 when off >= free): out-of-order data goes to its place
 * this way while the assembler records which ranges are valid. Returns the count copied. */
size_t tapir__byte_ring_write_at(struct tapir__byte_ring *r, size_t off, const void *src, size_t n);

/* Makes the first min(n, free) bytes behind the receive point unread, as they are in the
 * buffer (written through writable spans or write_at()): the receive point moves by that
 * much, so every offset into the free space drops by it. Returns the count. */
size_t tapir__byte_ring_commit(struct tapir__byte_ring *r, size_t n);

#endif
