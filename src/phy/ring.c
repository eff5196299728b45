/* Frame slots in caller storage and the bounded frame ring over them. */
#include <string.h>

#include "ring.h"
#include "tapir/error.h"

void tapir_frames_carve(struct tapir_frame *frames, unsigned count, uint8_t *buf, size_t frame_cap)
{
    for (unsigned i = 0; i < count; i++) {
        memset(&frames[i], 0, sizeof frames[i]);
        frames[i].data = buf + (size_t)i * frame_cap;
        frames[i].cap = frame_cap;
    }
}

void tapir__frame_copy(struct tapir_frame *dst, const struct tapir_frame *src)
{
    if (src->len)
        memcpy(dst->data, src->data, src->len);
    dst->len = src->len;
    dst->flags = src->flags;
    dst->gso_type = src->gso_type;
    dst->gso_size = src->gso_size;
    dst->csum_start = src->csum_start;
    dst->csum_offset = src->csum_offset;
}

int tapir__ring_init(struct tapir_frame_ring *r, struct tapir_frame *slots, unsigned count)
{
    if (!slots || count == 0)
        return TAPIR_EINVAL;
    for (unsigned i = 0; i < count; i++)
        if (!slots[i].data && slots[i].cap)
            return TAPIR_EINVAL;
    r->slots = slots;
    r->count = count;
    r->head = 0;
    r->len = 0;
    return 0;
}

int tapir__ring_put(struct tapir_frame_ring *r, struct tapir_phy_stats *stats,
                    const struct tapir_frame *frames, int n)
{
    int taken = 0;
    for (; taken < n; taken++) {
        const struct tapir_frame *f = &frames[taken];
        if (r->len == r->count) {
            stats->tx_full += (uint64_t)(n - taken);
            break;
        }
        struct tapir_frame *slot = &r->slots[(r->head + r->len) % r->count];
        if (f->len > slot->cap) {
            stats->tx_dropped++;
            continue;
        }
        tapir__frame_copy(slot, f);
        r->len++;
        stats->tx_frames++;
        stats->tx_bytes += f->len;
    }
    return taken;
}

int tapir__ring_get(struct tapir_frame_ring *r, struct tapir_phy_stats *stats,
                    struct tapir_frame *frames, int n)
{
    int filled = 0;
    while (filled < n && r->len > 0) {
        const struct tapir_frame *slot = &r->slots[r->head];
        r->head = (r->head + 1) % r->count;
        r->len--;
        if (slot->len > frames[filled].cap) {
            stats->rx_dropped++;
            continue;
        }
        tapir__frame_copy(&frames[filled], slot);
        stats->rx_frames++;
        stats->rx_bytes += slot->len;
        filled++;
    }
    return filled;
}
