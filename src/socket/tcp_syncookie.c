/* TCP SYN cookies, RFC 4987 §3.6 (see include/tapir/priv/tcp_syncookie.h for the layout
 * and its reasons). */
#include "tapir/error.h"
#include "tapir/priv/tcp_syncookie.h"

#define SLOT_SHIFT 24               /* the slot counter's place: the top byte */
#define SLOT_MASK  0xffu            /* ... 8 bits of it */
#define MAC_SHIFT  2                /* the MAC sits above the MSS index */
#define MAC_MASK   ((1u << 22) - 1) /* 22 bits of MAC */
#define MSS_MASK   (TAPIR_SYNCOOKIE_MSS_COUNT - 1)
#define MAX_AGE    1 /* slots: the current one and the one before */

_Static_assert(TAPIR_SYNCOOKIE_MSS_COUNT == 1 << MAC_SHIFT, "the MSS index fills 2 bits");

static const uint16_t mss_v4[TAPIR_SYNCOOKIE_MSS_COUNT] = {536, 1300, 1440, 1460};
static const uint16_t mss_v6[TAPIR_SYNCOOKIE_MSS_COUNT] = {1220, 1420, 1440, 8940};

static const uint16_t *mss_table(uint8_t version)
{
    return version == TAPIR_IP_V6 ? mss_v6 : mss_v4;
}

uint16_t tapir__syncookie_mss(uint8_t version, unsigned index)
{
    return index < TAPIR_SYNCOOKIE_MSS_COUNT ? mss_table(version)[index] : 0;
}

unsigned tapir__syncookie_mss_index(uint8_t version, uint16_t peer_mss)
{
    const uint16_t *table = mss_table(version);
    unsigned i = TAPIR_SYNCOOKIE_MSS_COUNT - 1;
    while (i > 0 && table[i] > peer_mss)
        i--;
    return i;
}

/* floor(now / 64 s): continuous across the clock's origin, like the ISN clock. */
static int64_t slot_of(tapir_instant now)
{
    int64_t slot = now / TAPIR_SYNCOOKIE_SLOT_US;
    if (now % TAPIR_SYNCOOKIE_SLOT_US < 0)
        slot--;
    return slot;
}

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static uint32_t cookie_base(const struct tapir__siphash_key *key, const struct tapir__tcp_tuple *t,
                            uint32_t syn_seq)
{
    struct tapir__siphash s;
    uint8_t buf[4];
    tapir__tcp_tuple_hash_init(&s, key, TAPIR__TCP_HASH_COOKIE_BASE, t);
    put_be32(buf, syn_seq);
    tapir__siphash_update(&s, buf, sizeof buf);
    return (uint32_t)tapir__siphash_final(&s);
}

/* The MAC covers the whole slot number, not only the 8 bits the cookie shows, so a cookie
 * 256 slots old does not pass for a current one. */
static uint32_t cookie_mac(const struct tapir__siphash_key *key, const struct tapir__tcp_tuple *t,
                           uint32_t syn_seq, int64_t slot, unsigned mss_index)
{
    struct tapir__siphash s;
    uint8_t buf[4 + 8 + 1];
    uint64_t u = (uint64_t)slot;
    tapir__tcp_tuple_hash_init(&s, key, TAPIR__TCP_HASH_COOKIE_MAC, t);
    put_be32(buf, syn_seq);
    put_be32(buf + 4, (uint32_t)(u >> 32));
    put_be32(buf + 8, (uint32_t)u);
    buf[12] = (uint8_t)mss_index;
    tapir__siphash_update(&s, buf, sizeof buf);
    return (uint32_t)tapir__siphash_final(&s) & MAC_MASK;
}

uint32_t tapir__syncookie_encode(const struct tapir__siphash_key *key,
                                 const struct tapir__tcp_tuple *t, uint32_t syn_seq,
                                 unsigned mss_index, tapir_instant now)
{
    int64_t slot = slot_of(now);
    mss_index &= MSS_MASK;
    uint32_t low = ((uint32_t)slot & SLOT_MASK) << SLOT_SHIFT |
                   cookie_mac(key, t, syn_seq, slot, mss_index) << MAC_SHIFT | mss_index;
    return cookie_base(key, t, syn_seq) + low;
}

int tapir__syncookie_check(const struct tapir__siphash_key *key, const struct tapir__tcp_tuple *t,
                           uint32_t seg_seq, uint32_t seg_ack, tapir_instant now)
{
    /* The SYN and our SYN-ACK each took one sequence number (RFC 9293 §3.4). */
    uint32_t syn_seq = seg_seq - 1;
    uint32_t low = (seg_ack - 1) - cookie_base(key, t, syn_seq);

    int64_t slot_now = slot_of(now);
    uint32_t age = ((uint32_t)slot_now - (low >> SLOT_SHIFT)) & SLOT_MASK;
    if (age > MAX_AGE)
        return TAPIR_EBADFIELD;

    unsigned mss_index = low & MSS_MASK;
    if ((low >> MAC_SHIFT & MAC_MASK) != cookie_mac(key, t, syn_seq, slot_now - age, mss_index))
        return TAPIR_EBADFIELD;
    return tapir__syncookie_mss(t->local.version, mss_index);
}

/* ---- options in the timestamp ---- */

#define TS_WSCALE_MASK 0x0fu /* bits 0-3: shift count, or TS_NO_WSCALE */
#define TS_NO_WSCALE   0x0fu
#define TS_SACK        0x10u
#define TS_ECN         0x20u
#define TS_OPT_MASK    ((1u << TAPIR_SYNCOOKIE_TS_BITS) - 1)
#define WSCALE_MAX     14 /* RFC 7323 §2.3 */

uint32_t tapir__syncookie_ts_encode(uint32_t ts_now, const struct tapir__syncookie_opts *o)
{
    uint32_t opts = TS_NO_WSCALE;
    if (o->wscale_ok)
        opts = o->wscale > WSCALE_MAX ? WSCALE_MAX : o->wscale;
    if (o->sack_ok)
        opts |= TS_SACK;
    if (o->ecn_ok)
        opts |= TS_ECN;
    uint32_t ts = (ts_now & ~TS_OPT_MASK) | opts;
    /* Never ahead of the clock: step back one 64-tick block if the bits put it there. */
    if (ts > ts_now)
        ts -= 1u << TAPIR_SYNCOOKIE_TS_BITS;
    return ts;
}

void tapir__syncookie_ts_decode(uint32_t tsecr, struct tapir__syncookie_opts *o)
{
    uint32_t ws = tsecr & TS_WSCALE_MASK;
    o->wscale_ok = ws != TS_NO_WSCALE;
    o->wscale = o->wscale_ok ? (uint8_t)ws : 0;
    o->sack_ok = (tsecr & TS_SACK) != 0;
    o->ecn_ok = (tsecr & TS_ECN) != 0;
}
