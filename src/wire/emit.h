/* Internal: shared step of every emit(): put the payload after the header. */
#ifndef TAPIR_WIRE_EMIT_H
#define TAPIR_WIRE_EMIT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Copy `payload` to `buf + header_len` unless it is already there or is NULL (the caller
 * placed it). memmove, because a caller may build a packet in place over its own input. */
static inline void place_payload(uint8_t *buf, size_t header_len, const uint8_t *payload,
                                 size_t payload_len)
{
    if (payload != NULL && payload != buf + header_len && payload_len > 0)
        memmove(buf + header_len, payload, payload_len);
}

#endif
