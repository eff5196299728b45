/* tapir — private: a ring of variable-length records in a caller-provided byte buffer.
 *
 * Datagram sockets queue whole packets (a small metadata struct plus the data) without a
 * slot size fixed in advance: each record is stored contiguously, so a reader gets one
 * pointer per record. A record that would straddle the end of the buffer starts again at
 * offset 0 instead, and the skipped tail counts as used until the reader passes it.
 */
#ifndef TAPIR_PRIV_PACKET_RING_H
#define TAPIR_PRIV_PACKET_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct tapir__packet_ring {
    uint8_t *buf;
    size_t cap;
    size_t head;  /* offset of the oldest record */
    size_t tail;  /* offset where the next record goes */
    size_t used;  /* bytes in use, including skipped tails */
    size_t count; /* records */
};

void tapir__packet_ring_init(struct tapir__packet_ring *r, void *buf, size_t cap);

/* Reserve room for a record of meta_len + data_len bytes and copy both in. Returns 0, or
 * TAPIR_ENOBUFS when the ring lacks room now (or could never hold it). */
int tapir__packet_ring_push(struct tapir__packet_ring *r, const void *meta, size_t meta_len,
                            const void *data, size_t data_len);

/* The oldest record: its metadata (meta_len bytes, as pushed) and its data. Returns false
 * when the ring is empty. */
bool tapir__packet_ring_peek(const struct tapir__packet_ring *r, size_t meta_len,
                             const uint8_t **meta, const uint8_t **data, size_t *data_len);

/* Drop the oldest record. */
void tapir__packet_ring_pop(struct tapir__packet_ring *r);

/* Copy the oldest record's data into buf[cap] (cut to cap; nothing when buf is NULL or cap
 * 0) and drop the record: the end of every datagram socket's recv, which reads the metadata
 * with peek first. Returns the data's whole length (0 when the ring is empty). */
size_t tapir__packet_ring_pop_into(struct tapir__packet_ring *r, void *buf, size_t cap);

/* What a datagram socket's recv does: copy the oldest record's metadata (meta_len bytes,
 * unless `meta` is NULL) and up to `cap` bytes of its data out, drop it, and return the
 * data's full length; TAPIR_EAGAIN when the ring is empty. */
int tapir__packet_ring_take(struct tapir__packet_ring *r, void *meta, size_t meta_len, void *buf,
                            size_t cap);

/* True if a record of this size would fit now. */
bool tapir__packet_ring_fits(const struct tapir__packet_ring *r, size_t meta_len, size_t data_len);

#endif
