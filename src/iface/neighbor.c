/* The neighbour cache: lookups, learning, and the queue of datagrams waiting for
 * unresolved neighbours. Sending the requests (ARP or NS) and the waiting datagrams is the
 * interface's job (iface_neighbor.c); this file only keeps the table and the queue. */
#include <string.h>

#include "iface_internal.h"

void tapir__nb_init(struct tapir__neighbor_cache *c, uint8_t *queue_mem, size_t queue_cap,
                    size_t datagram_max)
{
    memset(c, 0, sizeof *c);
    tapir__packet_ring_init(&c->queue, queue_mem, queue_cap);
    c->datagram_max = datagram_max;
}

struct tapir__neighbor *tapir__nb_find(struct tapir__neighbor_cache *c,
                                       const struct tapir_ip_addr *ip)
{
    for (unsigned i = 0; i < TAPIR_NEIGHBOR_CACHE_SIZE; i++) {
        struct tapir__neighbor *n = &c->entries[i];
        if (n->state != TAPIR__NEIGHBOR_FREE && tapir_ip_equal(&n->ip, ip))
            return n;
    }
    return NULL;
}

static void entry_free(struct tapir__neighbor_cache *c, struct tapir__neighbor *n)
{
    (void)c; /* only INCOMPLETE entries have queued datagrams, and they are never freed
              * here: tapir__nb_alloc skips them, resolution sends or drops the queue */
    memset(n, 0, sizeof *n);
}

/* A free entry, or the least recently used resolved/failed one (never an entry still
 * resolving, whose queued packet would be lost). */
struct tapir__neighbor *tapir__nb_alloc(struct tapir__neighbor_cache *c,
                                        const struct tapir_ip_addr *ip, tapir_instant now)
{
    struct tapir__neighbor *victim = NULL;
    for (unsigned i = 0; i < TAPIR_NEIGHBOR_CACHE_SIZE; i++) {
        struct tapir__neighbor *n = &c->entries[i];
        if (n->state == TAPIR__NEIGHBOR_FREE) {
            victim = n;
            break;
        }
        if (n->state != TAPIR__NEIGHBOR_INCOMPLETE &&
            (victim == NULL || n->last_used < victim->last_used))
            victim = n;
    }
    if (victim == NULL)
        return NULL;
    entry_free(c, victim);
    victim->ip = *ip;
    victim->last_used = now;
    return victim;
}

uint16_t tapir__nb_index(const struct tapir__neighbor_cache *c, const struct tapir__neighbor *n)
{
    return (uint16_t)(n - c->entries);
}

int tapir__nb_queue(struct tapir__neighbor_cache *c, struct tapir__neighbor *n,
                    const uint8_t *datagram, size_t len, unsigned *evicted)
{
    *evicted = 0;
    if (len > c->datagram_max)
        return TAPIR_DROP_TOO_BIG;
    uint16_t idx = tapir__nb_index(c, n);
    /* Full: the oldest waiting datagrams, whoever they wait for, give way to the newest
     * (RFC 1122 §2.3.2.2 keeps the newest). */
    while (!tapir__packet_ring_fits(&c->queue, sizeof idx, len)) {
        const uint8_t *meta, *data;
        size_t dlen;
        if (!tapir__packet_ring_peek(&c->queue, sizeof idx, &meta, &data, &dlen))
            return TAPIR_DROP_NEIGHBOR_NO_SLOT; /* cannot happen: len fits an empty ring */
        uint16_t owner;
        memcpy(&owner, meta, sizeof owner);
        if (owner < TAPIR_NEIGHBOR_CACHE_SIZE && c->entries[owner].queued > 0)
            c->entries[owner].queued--;
        tapir__packet_ring_pop(&c->queue);
        (*evicted)++;
    }
    tapir__packet_ring_push(&c->queue, &idx, sizeof idx, datagram, len);
    n->queued++;
    return -1;
}

unsigned tapir__nb_queue_take(struct tapir__neighbor_cache *c, uint16_t *owner, uint8_t *buf,
                              size_t *len)
{
    const uint8_t *meta, *data;
    size_t dlen;
    if (!tapir__packet_ring_peek(&c->queue, sizeof *owner, &meta, &data, &dlen))
        return 0;
    memcpy(owner, meta, sizeof *owner);
    memcpy(buf, data, dlen);
    *len = dlen;
    tapir__packet_ring_pop(&c->queue);
    return 1;
}

void tapir__nb_queue_put(struct tapir__neighbor_cache *c, uint16_t owner, const uint8_t *buf,
                         size_t len)
{
    /* Room is certain: the record was just taken out of the same ring... unless the ring
     * wrapped differently; then the datagram is lost, which the owner's count says. */
    if (tapir__packet_ring_push(&c->queue, &owner, sizeof owner, buf, len) != 0 &&
        owner < TAPIR_NEIGHBOR_CACHE_SIZE && c->entries[owner].queued > 0)
        c->entries[owner].queued--;
}

size_t tapir__nb_queue_count(const struct tapir__neighbor_cache *c)
{
    return c->queue.count;
}

void tapir__nb_expire(struct tapir__neighbor_cache *c, struct tapir__neighbor *n)
{
    entry_free(c, n);
}
