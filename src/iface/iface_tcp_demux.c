/* TCP demultiplexing: which socket a segment belongs to. By walking the registered sockets
 * and the listeners' backlogs, or through the optional index: chained buckets of a keyed
 * hash of the 4-tuple, in caller memory (include/tapir/priv/tcp_iface.h explains the
 * entries, their owners, orphans and overflow). The hash is SipHash under the interface's
 * secret, so a peer cannot choose tuples that pile into one chain (hash flooding). */
#include <string.h>

#include "../socket/tcp_internal.h"
#include "iface_tcp_scale.h"
#include "tapir/priv/tcp_isn.h"
#include "tapir/socket/tcp_iface.h"

#define MAX_CONNECTIONS (1u << 30)

static uint32_t buckets_for(unsigned max_connections)
{
    uint32_t n = 1;
    while (n < max_connections)
        n <<= 1;
    return n;
}

size_t tapir_iface_tcp_index_size(unsigned max_connections)
{
    if (max_connections == 0 || max_connections > MAX_CONNECTIONS)
        return 0;
    return (size_t)max_connections * sizeof(struct tapir__tcp_demux_entry) +
           (size_t)buckets_for(max_connections) * sizeof(uint32_t);
}

int tapir_iface_tcp_index(struct tapir_iface *iface, void *mem, size_t len,
                          unsigned max_connections)
{
    size_t need = tapir_iface_tcp_index_size(max_connections);
    if (need == 0 || !mem || len < need ||
        (uintptr_t)mem % _Alignof(struct tapir__tcp_demux_entry) != 0)
        return TAPIR_EINVAL;
    struct tapir__tcp_demux *d = &iface->tcp.demux;
    memset(mem, 0, need);
    d->entries = mem;
    d->buckets = (uint32_t *)(d->entries + max_connections);
    d->entry_count = max_connections;
    d->bucket_mask = buckets_for(max_connections) - 1;
    /* The free list runs through every entry in order. */
    for (uint32_t i = 0; i < max_connections; i++)
        d->entries[i].next = i + 1 < max_connections ? i + 2 : 0;
    d->free_head = 1;
    d->used = 0;
    /* Open connections are entered at the next poll; until then, lookups walk. */
    d->overflow = true;
    return 0;
}

static uint32_t tuple_hash(const struct tapir_iface *iface, const struct tapir_ip_addr *local,
                           uint16_t lport, const struct tapir_ip_addr *remote, uint16_t rport)
{
    struct tapir__tcp_tuple t;
    memset(&t, 0, sizeof t);
    t.local = *local;
    t.remote = *remote;
    t.local_port = lport;
    t.remote_port = rport;
    struct tapir__siphash h;
    tapir__tcp_tuple_hash_init(&h, &iface->tcp.key, TAPIR__TCP_HASH_DEMUX, &t);
    return (uint32_t)tapir__siphash_final(&h);
}

static struct tapir__tcp_demux_entry *entry(const struct tapir__tcp_demux *d, uint32_t idx)
{
    return &d->entries[idx - 1];
}

/* Is `s` entered, under its current tuple? */
static bool entered(const struct tapir__tcp_demux *d, const struct tapir_tcp_socket *s)
{
    uint32_t idx = s->demux_node;
    return idx != 0 && idx <= d->entry_count && entry(d, idx)->sock == s &&
           entry(d, idx)->gen == s->tuple_gen;
}

/* Take entry idx out of its chain (it stays allocated). */
static void unlink_entry(struct tapir__tcp_demux *d, uint32_t idx)
{
    uint32_t *link = &d->buckets[entry(d, idx)->hash & d->bucket_mask];
    while (*link != 0 && *link != idx)
        link = &entry(d, *link)->next;
    if (*link == idx)
        *link = entry(d, idx)->next;
    entry(d, idx)->next = 0;
}

static void free_entry(struct tapir__tcp_demux *d, uint32_t idx)
{
    struct tapir__tcp_demux_entry *e = entry(d, idx);
    unlink_entry(d, idx);
    if (e->sock->demux_node == idx)
        e->sock->demux_node = 0;
    e->sock = NULL;
    e->owner = NULL;
    e->next = d->free_head;
    d->free_head = idx;
    d->used--;
}

/* Free the entries that no longer stand for a connection: orphans (the socket was
 * re-initialised or entered again elsewhere, or took another tuple) and closed sockets. */
static void sweep(struct tapir__tcp_demux *d)
{
    for (uint32_t idx = 1; idx <= d->entry_count; idx++) {
        const struct tapir__tcp_demux_entry *e = entry(d, idx);
        if (e->sock && (e->sock->demux_node != idx || e->sock->tuple_gen != e->gen ||
                        e->sock->state == TAPIR_TCP_CLOSED))
            free_entry(d, idx);
    }
}

static uint32_t alloc_entry(struct tapir__tcp_demux *d)
{
    if (d->free_head == 0)
        sweep(d);
    uint32_t idx = d->free_head;
    if (idx == 0)
        return 0;
    d->free_head = entry(d, idx)->next;
    entry(d, idx)->next = 0;
    d->used++;
    return idx;
}

bool tapir__tcp_demux_track(struct tapir_iface *iface, struct tapir_tcp_socket *s,
                            const struct tapir_socket_link *owner)
{
    struct tapir__tcp_demux *d = &iface->tcp.demux;
    if (!d->entries || s->state == TAPIR_TCP_CLOSED || s->state == TAPIR_TCP_LISTEN ||
        entered(d, s))
        return true;
    uint32_t idx = s->demux_node;
    if (idx != 0 && idx <= d->entry_count && entry(d, idx)->sock == s) {
        unlink_entry(d, idx); /* entered under an older tuple: move it */
    } else {
        idx = alloc_entry(d);
        if (idx == 0) {
            d->overflow = true;
            return false;
        }
    }
    struct tapir__tcp_demux_entry *e = entry(d, idx);
    e->sock = s;
    e->owner = owner;
    e->gen = s->tuple_gen;
    e->hash = tuple_hash(iface, &s->local.addr, s->local.port, &s->remote.addr, s->remote.port);
    uint32_t *head = &d->buckets[e->hash & d->bucket_mask];
    e->next = *head;
    *head = idx;
    s->demux_node = idx;
    return true;
}

void tapir__tcp_demux_walk_done(struct tapir_iface *iface, unsigned failures)
{
    iface->tcp.demux.overflow = failures > 0;
}

void tapir__tcp_demux_forget(struct tapir_iface *iface, const struct tapir_socket_link *owner)
{
    struct tapir__tcp_demux *d = &iface->tcp.demux;
    if (!d->entries)
        return;
    for (uint32_t idx = 1; idx <= d->entry_count; idx++)
        if (entry(d, idx)->sock && entry(d, idx)->owner == owner)
            free_entry(d, idx);
}

/* The walk: registered sockets, and (when `children`) each listener's backlog. */
static struct tapir_tcp_socket *walk(const struct tapir_iface *iface,
                                     const struct tapir_ip_addr *src, uint16_t sport,
                                     const struct tapir_ip_addr *dst, uint16_t dport, bool children,
                                     struct tapir_tcp_socket **listener)
{
    for (struct tapir_socket_link *l = iface->sockets; l; l = l->next) {
        if (l->kind != TAPIR_SOCKET_TCP)
            continue;
        struct tapir_tcp_socket *s = (struct tapir_tcp_socket *)l;
        if (tapir__tcp_matches(s, src, sport, dst, dport))
            return s;
        if (s->state != TAPIR_TCP_LISTEN)
            continue;
        for (unsigned i = 0; children && i < s->backlog_len; i++) {
            struct tapir_tcp_socket *c = s->backlog[i];
            if (c->parent == s && tapir__tcp_matches(c, src, sport, dst, dport))
                return c;
        }
        if (listener && !*listener && tapir__tcp_listens(s, dst, dport))
            *listener = s;
    }
    return NULL;
}

struct tapir_tcp_socket *tapir__tcp_demux_find(const struct tapir_iface *iface,
                                               const struct tapir_ip_addr *src, uint16_t sport,
                                               const struct tapir_ip_addr *dst, uint16_t dport,
                                               struct tapir_tcp_socket **listener)
{
    const struct tapir__tcp_demux *d = &iface->tcp.demux;
    if (listener)
        *listener = NULL;
    if (!d->entries)
        return walk(iface, src, sport, dst, dport, true, listener);
    uint32_t h = tuple_hash(iface, dst, dport, src, sport);
    for (uint32_t idx = d->buckets[h & d->bucket_mask]; idx != 0; idx = entry(d, idx)->next) {
        const struct tapir__tcp_demux_entry *e = entry(d, idx);
        if (e->hash == h && tapir__tcp_matches(e->sock, src, sport, dst, dport))
            return e->sock;
    }
    if (!listener && !d->overflow)
        return NULL;
    /* A miss: the listeners (and registered connections not entered yet) are found by
     * the walk, the children too while the index is incomplete. */
    return walk(iface, src, sport, dst, dport, d->overflow, listener);
}
