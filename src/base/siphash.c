/* SipHash-2-4 (see include/tapir/priv/siphash.h), written from the specification in §2 of
 * the paper (Aumasson and Bernstein 2012): "2-4" means two SipRounds per message word
 * (compression) and four at the end (finalization). */
#include "tapir/priv/siphash.h"

/* The initialization constants (paper §2) spell "somepseudorandomlygeneratedbytes" in
 * ASCII, read as four big-endian words: nothing up the designers' sleeves. */
#define SIP_C0 0x736f6d6570736575ull /* "somepseu" */
#define SIP_C1 0x646f72616e646f6dull /* "dorandom" */
#define SIP_C2 0x6c7967656e657261ull /* "lygenera" */
#define SIP_C3 0x7465646279746573ull /* "tedbytes" */

#define COMPRESSION_ROUNDS  2
#define FINALIZATION_ROUNDS 4

static uint64_t rotl(uint64_t x, unsigned b)
{
    return x << b | x >> (64 - b);
}

/* Little-endian, as the paper reads both the key and the message words. */
static uint64_t load_le64(const uint8_t *p)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < 8; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

/* SipRound (paper §2): two add-rotate-xor half-rounds working on (v0, v1)
 * and (v2, v3) in parallel, then crossing over. */
static void sip_round(struct tapir__siphash *s)
{
    s->v0 += s->v1;
    s->v2 += s->v3;
    s->v1 = rotl(s->v1, 13);
    s->v3 = rotl(s->v3, 16);
    s->v1 ^= s->v0;
    s->v3 ^= s->v2;
    s->v0 = rotl(s->v0, 32);
    s->v2 += s->v1;
    s->v0 += s->v3;
    s->v1 = rotl(s->v1, 17);
    s->v3 = rotl(s->v3, 21);
    s->v1 ^= s->v2;
    s->v3 ^= s->v0;
    s->v2 = rotl(s->v2, 32);
}

/* Compression of one message word m (paper §2): v3 ^= m, c rounds, v0 ^= m. */
static void compress(struct tapir__siphash *s, uint64_t m)
{
    s->v3 ^= m;
    for (int i = 0; i < COMPRESSION_ROUNDS; i++)
        sip_round(s);
    s->v0 ^= m;
}

void tapir__siphash_init(struct tapir__siphash *s, const struct tapir__siphash_key *key)
{
    uint64_t k0 = load_le64(key->bytes);
    uint64_t k1 = load_le64(key->bytes + 8);
    s->v0 = k0 ^ SIP_C0;
    s->v1 = k1 ^ SIP_C1;
    s->v2 = k0 ^ SIP_C2;
    s->v3 = k1 ^ SIP_C3;
    s->tail = 0;
    s->len = 0;
}

void tapir__siphash_update(struct tapir__siphash *s, const void *data, size_t len)
{
    const uint8_t *p = data;
    /* Complete a word left over from an earlier call, a byte at a time. */
    while (len > 0 && (s->len & 7) != 0) {
        s->tail |= (uint64_t)*p++ << (8 * (s->len & 7));
        s->len++;
        len--;
        if ((s->len & 7) == 0) {
            compress(s, s->tail);
            s->tail = 0;
        }
    }
    /* Whole words straight from the input. */
    for (; len >= 8; p += 8, len -= 8) {
        compress(s, load_le64(p));
        s->len += 8;
    }
    /* Keep what is left for the next call or for final. */
    for (; len > 0; len--) {
        s->tail |= (uint64_t)*p++ << (8 * (s->len & 7));
        s->len++;
    }
}

uint64_t tapir__siphash_final(struct tapir__siphash *s)
{
    /* The last word holds the remaining 0..7 bytes and, in its top byte, the message
     * length mod 256 (paper §2), so messages that differ only in trailing zero bytes
     * still hash differently. */
    compress(s, s->tail | (s->len & 0xff) << 56);
    /* Finalization (paper §2): the constant 0xff marks the end, then d rounds. */
    s->v2 ^= 0xff;
    for (int i = 0; i < FINALIZATION_ROUNDS; i++)
        sip_round(s);
    return s->v0 ^ s->v1 ^ s->v2 ^ s->v3;
}

uint64_t tapir__siphash24(const struct tapir__siphash_key *key, const void *data, size_t len)
{
    struct tapir__siphash s;
    tapir__siphash_init(&s, key);
    tapir__siphash_update(&s, data, len);
    return tapir__siphash_final(&s);
}
