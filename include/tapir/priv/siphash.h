/* tapir — private: SipHash-2-4, a keyed pseudorandom function for short inputs.
 *
 * SipHash (Aumasson and Bernstein, "SipHash: a fast short-input PRF", INDOCRYPT 2012) maps
 * a 128-bit secret key and a byte string to 64 bits. Without the key, its outputs cannot be
 * predicted or steered, which is what TCP needs for initial sequence numbers (RFC 6528),
 * SYN cookies (RFC 4987 §3.6) and ephemeral port offsets (RFC 6056 §3.3): an off-path
 * attacker who sees some outputs learns nothing about the others. It is the function Linux
 * uses for the same three jobs.
 *
 * The state is declared here so callers can hash a message given in pieces without
 * copying it into one buffer; they never read its fields.
 */
#ifndef TAPIR_PRIV_SIPHASH_H
#define TAPIR_PRIV_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

/* The 128-bit key, as bytes: the paper reads them as two little-endian words k0 (bytes
 * 0..7) and k1 (bytes 8..15). Filled from the caller's struct tapir_rng. */
struct tapir__siphash_key {
    uint8_t bytes[16];
};

struct tapir__siphash {
    uint64_t v0, v1, v2, v3; /* the four state words of the paper */
    uint64_t tail;           /* bytes of an incomplete word, little-endian */
    uint64_t len;            /* bytes hashed so far (only len mod 256 enters the hash) */
};

/* Start a hash under `key`. */
void tapir__siphash_init(struct tapir__siphash *s, const struct tapir__siphash_key *key);

/* Append `len` bytes. Pieces may have any length: hashing "ab" then "c" gives the same
 * result as hashing "abc". */
void tapir__siphash_update(struct tapir__siphash *s, const void *data, size_t len);

/* Finish and return the 64-bit result. `s` is spent: init it again before reuse. */
uint64_t tapir__siphash_final(struct tapir__siphash *s);

/* The whole thing at once: SipHash-2-4(key, data[0..len)). */
uint64_t tapir__siphash24(const struct tapir__siphash_key *key, const void *data, size_t len);

#endif
