/* Internal: big-endian loads and stores through byte pointers.
 *
 * Packet fields are always read and written through these, never by casting a buffer to a
 * struct: no alignment traps, no padding surprises, no strict-aliasing undefined behaviour.
 * Callers have already checked the length; these do no checking of their own. */
#ifndef TAPIR_WIRE_BYTES_H
#define TAPIR_WIRE_BYTES_H

#include <stdint.h>

static inline uint16_t load_be16(const uint8_t *p)
{
    return (uint16_t)((uint16_t)p[0] << 8 | p[1]);
}

static inline uint32_t load_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void store_be16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static inline void store_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

#endif
