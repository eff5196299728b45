/* The neighbour cache: lookups, learning, and the queue of one datagram per unresolved
 * neighbour. Sending the requests (ARP or NS) is the interface's job (iface_neighbor.c);
 * this file only keeps the table. */
#include <string.h>

#include "iface_internal.h"

void tapir__nb_init(struct tapir__neighbor_cache *c, uint8_t *pending_mem, size_t pending_cap)
{
    memset(c, 0, sizeof *c);
    c->pending_cap = pending_cap;
    for (unsigned i = 0; i < TAPIR_NEIGHBOR_PENDING; i++)
        c->pending[i].buf = pending_mem + (size_t)i * pending_cap;
    for (unsigned i = 0; i < TAPIR_NEIGHBOR_CACHE_SIZE; i++)
        c->entries[i].pending = -1;
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

void tapir__nb_release_pending(struct tapir__neighbor_cache *c, struct tapir__neighbor *n)
{
    if (n->pending >= 0) {
        c->pending[n->pending].used = false;
        n->pending = -1;
    }
}

static void entry_free(struct tapir__neighbor_cache *c, struct tapir__neighbor *n)
{
    tapir__nb_release_pending(c, n);
    memset(n, 0, sizeof *n);
    n->pending = -1;
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

int tapir__nb_queue(struct tapir__neighbor_cache *c, struct tapir__neighbor *n,
                    const uint8_t *datagram, size_t len)
{
    if (len > c->pending_cap)
        return TAPIR_DROP_TOO_BIG;
    int replaced = 0;
    if (n->pending < 0) {
        for (int i = 0; i < TAPIR_NEIGHBOR_PENDING; i++) {
            if (!c->pending[i].used) {
                n->pending = (int8_t)i;
                c->pending[i].used = true;
                break;
            }
        }
        if (n->pending < 0)
            return TAPIR_DROP_NEIGHBOR_NO_SLOT;
    } else {
        replaced = 1; /* the older datagram gives way to the newer (RFC 1122 §2.3.2.2) */
    }
    struct tapir__neighbor_pending *p = &c->pending[n->pending];
    memcpy(p->buf, datagram, len);
    p->len = len;
    return replaced ? TAPIR_DROP_NEIGHBOR_REPLACED : -1;
}

void tapir__nb_expire(struct tapir__neighbor_cache *c, struct tapir__neighbor *n)
{
    entry_free(c, n);
}
