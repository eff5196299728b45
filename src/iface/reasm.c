/* IPv4 and IPv6 fragment reassembly (RFC 791 §3.2, RFC 8200 §4.5, RFC 5722, RFC 6946).
 *
 * Each datagram in progress owns a slot: a fixed buffer of TAPIR_REASM_BUF_LEN bytes (so
 * every fragment is copied straight to its final place) and the list of fragments received
 * so far, kept as disjoint byte ranges sorted by offset.
 *
 * Ranges are never merged: each stored range is exactly one received fragment. That is what
 * lets an exact duplicate (a retransmission, or a copy made by the network) be told apart
 * from an overlap: the first is ignored, the second discards the whole datagram. RFC 5722
 * requires the discard for IPv6; we apply it to IPv4 too, as Linux and the BSDs do, since
 * overlapping IPv4 fragments only ever come from bugs or from attacks that rely on the
 * receiver's choice of which copy wins (RFC 1858 §3, RFC 3128).
 *
 * Because the ranges are disjoint and all lie inside [0, total length), they cover the
 * datagram exactly when their lengths add up to the total length; this replaces RFC 791's
 * bit table and RFC 815's hole descriptors, which exist to cope with overlaps we refuse.
 */
#include <string.h>

#include "tapir/priv/reasm.h"

/* IPv4 Total Length (header included, RFC 791 §3.1) and IPv6 Payload Length (RFC 8200
 * §3) are both 16-bit fields. */
#define IP_MAX_LEN 65535u

/* Fragment offsets count 8-byte units (RFC 791 §3.1, RFC 8200 §4.5), so every fragment but
 * the last carries a multiple of 8 bytes. */
#define FRAG_UNIT 8u

static void count(struct tapir__reasm *r, int result)
{
    switch (result) {
    case TAPIR__REASM_COMPLETE:
        r->stats.completed++;
        break;
    case TAPIR__REASM_OVERLAP:
        r->stats.overlaps++;
        break;
    case TAPIR__REASM_TOO_MANY:
        r->stats.too_many++;
        break;
    case TAPIR__REASM_OVERSIZE:
        r->stats.oversize++;
        break;
    case TAPIR__REASM_NO_SLOT:
        r->stats.no_slot++;
        break;
    case TAPIR__REASM_MALFORMED:
        r->stats.malformed++;
        break;
    default:
        break;
    }
}

/* Discard the datagram in `s` (if any) because of `result`, and report it. */
static int discard(struct tapir__reasm *r, struct tapir__reasm_slot *s, int result)
{
    if (s != NULL)
        s->used = false;
    count(r, result);
    return result;
}

static bool slot_matches(const struct tapir__reasm_slot *s, uint8_t version,
                         const struct tapir_ip_addr *src, const struct tapir_ip_addr *dst,
                         uint8_t protocol, uint32_t ident)
{
    if (!s->used || s->version != version || s->ident != ident)
        return false;
    /* The protocol is part of the IPv4 key (RFC 791 §2.3); IPv6 keys on addresses and
     * Identification only, and takes the next header from the first fragment, since the
     * fragment headers of other fragments may carry different values (RFC 8200 §4.5). */
    if (version == 4 && s->protocol != protocol)
        return false;
    return tapir_ip_equal(&s->src, src) && tapir_ip_equal(&s->dst, dst);
}

/* One past the highest byte received so far. */
static uint32_t slot_extent(const struct tapir__reasm_slot *s)
{
    if (s->range_count == 0)
        return 0;
    return (uint32_t)s->ranges[s->range_count - 1].last + 1;
}

static tapir_instant deadline_after(tapir_instant now, tapir_instant timeout_us)
{
    if (timeout_us > 0 && now > TAPIR_INSTANT_NEVER - timeout_us)
        return TAPIR_INSTANT_NEVER;
    return now + timeout_us;
}

void tapir__reasm_init(struct tapir__reasm *r, uint8_t *mem, tapir_instant timeout_us)
{
    memset(r, 0, sizeof *r);
    for (size_t i = 0; i < TAPIR_REASM_SLOTS; i++)
        r->slots[i].buf = mem + i * TAPIR_REASM_BUF_LEN;
    r->timeout_us = timeout_us;
}

/* Find the slot of a datagram, or NULL. A datagram whose deadline has passed is dead (RFC
 * 1122 §3.3.2: its fragments are discarded): it is never joined, and its slot is freed
 * and counted as a timeout here when the caller has not yet run tapir__reasm_expire. */
static struct tapir__reasm_slot *find_slot(struct tapir__reasm *r, tapir_instant now,
                                           uint8_t version, const struct tapir_ip_addr *src,
                                           const struct tapir_ip_addr *dst, uint8_t protocol,
                                           uint32_t ident)
{
    for (size_t i = 0; i < TAPIR_REASM_SLOTS; i++) {
        struct tapir__reasm_slot *s = &r->slots[i];
        if (!slot_matches(s, version, src, dst, protocol, ident))
            continue;
        if (now >= s->deadline) {
            s->used = false;
            r->stats.timeouts++;
            return NULL;
        }
        return s;
    }
    return NULL;
}

/* A free slot (or a dead one, reclaimed as above), set up for a new datagram; NULL when
 * every slot holds a live datagram. A live datagram is never evicted for a new one: that
 * would let a flood of first fragments starve every real datagram. */
static struct tapir__reasm_slot *new_slot(struct tapir__reasm *r, tapir_instant now,
                                          uint8_t version, const struct tapir_ip_addr *src,
                                          const struct tapir_ip_addr *dst, uint8_t protocol,
                                          uint32_t ident)
{
    struct tapir__reasm_slot *s = NULL;
    for (size_t i = 0; i < TAPIR_REASM_SLOTS && s == NULL; i++) {
        if (!r->slots[i].used)
            s = &r->slots[i];
    }
    for (size_t i = 0; i < TAPIR_REASM_SLOTS && s == NULL; i++) {
        if (now >= r->slots[i].deadline) {
            s = &r->slots[i];
            r->stats.timeouts++;
        }
    }
    if (s == NULL)
        return NULL;

    uint8_t *buf = s->buf;
    memset(s, 0, sizeof *s);
    s->buf = buf;
    s->used = true;
    s->version = version;
    /* For IPv6 the protocol comes from the fragment at offset 0, whenever it arrives. */
    s->protocol = version == 4 ? protocol : 0;
    s->ident = ident;
    s->src = *src;
    s->dst = *dst;
    /* The timer starts with the first fragment and is not restarted by later ones (RFC
     * 8200 §4.5; RFC 1122 §3.3.2 allows either for IPv4, and a fixed deadline bounds how
     * long a trickle of fragments can hold a slot). */
    s->deadline = deadline_after(now, r->timeout_us);
    return s;
}

int tapir__reasm_add(struct tapir__reasm *r, tapir_instant now, uint8_t version,
                     const struct tapir_ip_addr *src, const struct tapir_ip_addr *dst,
                     uint8_t protocol, uint32_t ident, uint32_t offset, bool more,
                     const uint8_t *payload, size_t payload_len, const uint8_t *header,
                     size_t header_len, struct tapir__reasm_out *out)
{
    if (out == NULL)
        return discard(r, NULL, TAPIR__REASM_MALFORMED);
    memset(out, 0, sizeof *out);
    if ((version != 4 && version != 6) || src == NULL || dst == NULL ||
        (payload == NULL && payload_len > 0))
        return discard(r, NULL, TAPIR__REASM_MALFORMED);
    /* The first fragment's headers are kept for the ICMP quote (RFC 792, RFC 8200 §4.5):
     * IPv4's with its options, IPv6's fixed header with the extension headers up to the
     * Fragment header; at most 60 bytes (a longer IPv6 chain is not quoted). */
    if (header_len > sizeof r->slots[0].header)
        header_len = version == 6 ? 0 : header_len;
    if (header_len > sizeof r->slots[0].header || (header_len > 0 && header == NULL))
        return discard(r, NULL, TAPIR__REASM_MALFORMED);

    /* The reassembled IPv4 datagram carries the first fragment's header, which must fit
     * in the 65535-byte Total Length with the payload. Until the first fragment is seen,
     * this fragment's header is the best lower bound (options not copied into later
     * fragments only make the first header longer, RFC 791 §3.1). */
    uint32_t limit = IP_MAX_LEN - (version == 4 ? (uint32_t)header_len : 0u);

    /* An atomic fragment (offset 0, no more fragments) is a whole datagram: processed in
     * isolation, never joined to nor disturbing fragments with the same key (RFC 6946
     * §4), and needing no slot. (In IPv4 such a packet is simply not fragmented.) */
    if (offset == 0 && !more) {
        if (payload_len > limit)
            return discard(r, NULL, TAPIR__REASM_OVERSIZE);
        out->payload = payload;
        out->payload_len = payload_len;
        out->protocol = protocol;
        count(r, TAPIR__REASM_COMPLETE);
        return TAPIR__REASM_COMPLETE;
    }

    struct tapir__reasm_slot *s = find_slot(r, now, version, src, dst, protocol, ident);

    /* Size and shape; each failure discards the datagram the fragment belongs to. */
    uint32_t extent = 0;
    if (s != NULL) {
        if (version == 4 && s->header_len > 0 && offset != 0)
            limit = IP_MAX_LEN - s->header_len;
        extent = s->have_last ? s->total_len : slot_extent(s);
    }
    if (payload_len > limit || offset > limit - payload_len || extent > limit)
        return discard(r, s, TAPIR__REASM_OVERSIZE);
    const uint32_t end = offset + (uint32_t)payload_len;
    /* RFC 8200 §4.5 and RFC 791 §3.2: a fragment other than the last must carry a multiple
     * of 8 bytes. An empty fragment carries nothing to place and can only end a datagram
     * at a point another fragment already claims; Linux drops such a queue too. */
    if (offset % FRAG_UNIT != 0 || payload_len == 0 || (more && payload_len % FRAG_UNIT != 0))
        return discard(r, s, TAPIR__REASM_MALFORMED);

    if (s == NULL) {
        s = new_slot(r, now, version, src, dst, protocol, ident);
        if (s == NULL)
            return discard(r, NULL, TAPIR__REASM_NO_SLOT);
    }

    /* Where the new range goes, and whether it touches any stored one. */
    unsigned pos = 0;
    while (pos < s->range_count && s->ranges[pos].first < offset)
        pos++;
    for (unsigned i = pos > 0 ? pos - 1 : 0; i < s->range_count; i++) {
        const struct tapir__reasm_range *g = &s->ranges[i];
        if (g->first >= end)
            break;
        if ((uint32_t)g->last + 1 <= offset)
            continue;
        /* An exact copy of a fragment we hold is harmless and ignored, provided it agrees
         * on being the last fragment or not. Anything else overlapping discards the
         * datagram (RFC 5722 §4). */
        bool same = g->first == offset && (uint32_t)g->last + 1 == end &&
                    memcmp(s->buf + offset, payload, payload_len) == 0;
        if (!same)
            return discard(r, s, TAPIR__REASM_OVERLAP);
        bool was_last = s->have_last && end == s->total_len;
        if (was_last == more)
            return discard(r, s, TAPIR__REASM_MALFORMED);
        return TAPIR__REASM_PENDING;
    }

    /* The last fragment fixes the total length: there can be only one end, and no data
     * may lie beyond it. Neither RFC 791 nor RFC 8200 says what to do when fragments
     * contradict each other about the end; no correct datagram can come of them, so the
     * datagram is discarded, as Linux does. Having passed the overlap test, no stored
     * range can end exactly at this fragment's end. */
    if (!more) {
        if (s->have_last ? end != s->total_len : slot_extent(s) > end)
            return discard(r, s, TAPIR__REASM_MALFORMED);
    } else if (s->have_last && end >= s->total_len) {
        return discard(r, s, TAPIR__REASM_MALFORMED);
    }

    if (s->range_count >= TAPIR_REASM_MAX_FRAGS)
        return discard(r, s, TAPIR__REASM_TOO_MANY);

    memmove(&s->ranges[pos + 1], &s->ranges[pos], (s->range_count - pos) * sizeof s->ranges[0]);
    s->ranges[pos].first = (uint16_t)offset;
    s->ranges[pos].last = (uint16_t)(end - 1);
    s->range_count++;
    memcpy(s->buf + offset, payload, payload_len);
    if (!more) {
        s->have_last = true;
        s->total_len = end;
    }
    if (offset == 0) {
        if (version == 6)
            s->protocol = protocol;
        if (header_len > 0)
            memcpy(s->header, header, header_len);
        s->header_len = (uint8_t)header_len;
    }

    if (!s->have_last)
        return TAPIR__REASM_PENDING;
    uint32_t have = 0;
    for (unsigned i = 0; i < s->range_count; i++)
        have += (uint32_t)s->ranges[i].last - s->ranges[i].first + 1;
    if (have != s->total_len)
        return TAPIR__REASM_PENDING;

    /* Complete. The slot is free again, but nothing writes its buffer before the next
     * call on `r`, which is how long the header promises the payload stays readable. */
    s->used = false;
    out->payload = s->buf;
    out->payload_len = s->total_len;
    out->protocol = s->protocol;
    count(r, TAPIR__REASM_COMPLETE);
    return TAPIR__REASM_COMPLETE;
}

unsigned tapir__reasm_expire(struct tapir__reasm *r, tapir_instant now,
                             struct tapir__reasm_slot *expired)
{
    unsigned n = 0;
    if (expired != NULL)
        expired->used = false;
    for (size_t i = 0; i < TAPIR_REASM_SLOTS; i++) {
        struct tapir__reasm_slot *s = &r->slots[i];
        if (!s->used || now < s->deadline)
            continue;
        /* RFC 1122 §3.3.2 / RFC 792 and RFC 8200 §4.5: a Time Exceeded (fragment
         * reassembly) goes back only when the first fragment arrived, quoting it. */
        if (expired != NULL && !expired->used && s->header_len > 0)
            *expired = *s;
        s->used = false;
        r->stats.timeouts++;
        n++;
    }
    return n;
}

tapir_instant tapir__reasm_poll_at(const struct tapir__reasm *r)
{
    tapir_instant at = TAPIR_INSTANT_NEVER;
    for (size_t i = 0; i < TAPIR_REASM_SLOTS; i++) {
        if (r->slots[i].used && r->slots[i].deadline < at)
            at = r->slots[i].deadline;
    }
    return at;
}
