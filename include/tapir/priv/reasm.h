/* tapir — private: IPv4 and IPv6 fragment reassembly state.
 *
 * Declared in a public header only because struct tapir_iface embeds it (the caller
 * allocates the interface); applications never touch it.
 *
 * Bounded in every dimension: TAPIR_REASM_SLOTS datagrams at once, each with its own
 * buffer of TAPIR_REASM_BUF_LEN bytes carved from the interface's memory block, at most
 * TAPIR_REASM_MAX_FRAGS fragments each, and a deadline after which an incomplete
 * datagram is discarded.
 */
#ifndef TAPIR_PRIV_REASM_H
#define TAPIR_PRIV_REASM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tapir/addr.h"
#include "tapir/opt.h"
#include "tapir/time.h"

/* Largest reassembled payload (above the IP header) we hold: an IPv4 datagram is at most
 * 65535 bytes including its header, an IPv6 payload at most 65535 bytes. */
#define TAPIR_REASM_BUF_LEN 65536

struct tapir__reasm_range {
    uint16_t first; /* byte offset in the reassembled payload */
    uint16_t last;  /* inclusive */
};

struct tapir__reasm_slot {
    bool used;
    uint8_t version;  /* 4 or 6 */
    uint8_t protocol; /* IPv4 protocol / IPv6 next header after the fragment header */
    uint32_t ident;
    struct tapir_ip_addr src, dst;
    tapir_instant deadline;
    uint32_t total_len; /* payload length once the last fragment (MF=0) arrived, else 0 */
    bool have_last;
    unsigned range_count;
    struct tapir__reasm_range ranges[TAPIR_REASM_MAX_FRAGS];
    /* The first fragment's IPv4 header (with options) or IPv6 header through the Fragment
     * header, so ICMP time exceeded can quote it (RFC 792, RFC 8200 §4.5) and a delivered
     * IPv4 datagram keeps TTL/TOS. */
    uint8_t header[60];
    uint8_t header_len;
    uint8_t *buf; /* TAPIR_REASM_BUF_LEN bytes */
};

struct tapir__reasm_stats {
    uint64_t completed, overlaps, too_many, oversize, no_slot, timeouts, malformed;
};

struct tapir__reasm {
    struct tapir__reasm_slot slots[TAPIR_REASM_SLOTS];
    tapir_instant timeout_us;
    struct tapir__reasm_stats stats;
};

/* What one fragment did. */
enum tapir__reasm_result {
    TAPIR__REASM_PENDING = 0,   /* stored; datagram not complete yet */
    TAPIR__REASM_COMPLETE = 1,  /* `out` holds the whole payload */
    TAPIR__REASM_OVERLAP = -1,  /* overlap: the datagram was discarded (RFC 5722) */
    TAPIR__REASM_TOO_MANY = -2, /* more than TAPIR_REASM_MAX_FRAGS: discarded */
    TAPIR__REASM_OVERSIZE = -3, /* offset + length beyond 65535: discarded */
    TAPIR__REASM_NO_SLOT = -4,  /* every slot busy with another datagram */
    TAPIR__REASM_MALFORMED = -5 /* a non-last fragment whose length is not a multiple of 8,
                                   an empty one, a last fragment disagreeing with an earlier
                                   last one, data beyond the last fragment's end, or a bad
                                   argument: discarded */
};

/* Where a completed datagram's payload is: valid until the next call on `r`. */
struct tapir__reasm_out {
    const uint8_t *payload;
    size_t payload_len;
    uint8_t protocol;
};

/* `mem` holds TAPIR_REASM_SLOTS * TAPIR_REASM_BUF_LEN bytes. */
void tapir__reasm_init(struct tapir__reasm *r, uint8_t *mem, tapir_instant timeout_us);

/* Add one fragment: `src`/`dst`/`protocol`/`ident` identify the datagram (RFC 791 §2.3;
 * RFC 8200 §4.5 without protocol), `offset` is in bytes, `more` is the MF/M flag,
 * `payload` the fragment's data. `header`/`header_len` (this fragment's IPv4 header, or
 * its IPv6 header through the Fragment header) are kept from the fragment at offset 0, for
 * the ICMP time exceeded a timeout sends. A duplicate of an already-received range with the
 * same bytes is ignored as PENDING; any other overlap discards the datagram.
 * An atomic fragment (offset 0, no more) is complete by itself and never touches a slot
 * (RFC 6946): then `out->payload` is `payload` itself. A datagram whose deadline has passed
 * is never joined; its slot is reused (counted as a timeout, with no expired copy). */
int tapir__reasm_add(struct tapir__reasm *r, tapir_instant now, uint8_t version,
                     const struct tapir_ip_addr *src, const struct tapir_ip_addr *dst,
                     uint8_t protocol, uint32_t ident, uint32_t offset, bool more,
                     const uint8_t *payload, size_t payload_len, const uint8_t *header,
                     size_t header_len, struct tapir__reasm_out *out);

/* Discard datagrams whose deadline has passed; returns how many. When `expired` is not
 * NULL, the first expired IPv4 slot that had its first fragment is copied there (for an
 * ICMP time exceeded, code 1, RFC 792) before it is freed: `expired->used` says whether one
 * was, and its `buf` (the first 8 data bytes for the quote) is readable until the next call
 * on `r`. */
unsigned tapir__reasm_expire(struct tapir__reasm *r, tapir_instant now,
                             struct tapir__reasm_slot *expired);

/* The earliest deadline, or TAPIR_INSTANT_NEVER. */
tapir_instant tapir__reasm_poll_at(const struct tapir__reasm *r);

#endif
