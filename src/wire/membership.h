/* Internal: what IGMPv3 (RFC 3376) and MLDv2 (RFC 3810) share, for igmp.c and mld.c.
 *
 * The group record (RFC 3376 §4.2.4, RFC 3810 §5.2.4): Record Type, Aux Data Len (32-bit
 * words), Number of Sources, the group address, the source addresses, the aux data. The two
 * differ only in the address length (4 or 16 bytes), which the callers pass in along with
 * where their own record struct keeps each field. */
#ifndef TAPIR_WIRE_MEMBERSHIP_H
#define TAPIR_WIRE_MEMBERSHIP_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "bytes.h"
#include "tapir/error.h"
#include "tapir/text.h"

/* Record Type, Aux Data Len, Number of Sources: the 4 bytes before the group address. */
#define GROUP_RECORD_TYPE_LEN 4

static inline size_t group_record_len(size_t addr_len, uint16_t num_sources, uint8_t aux_len)
{
    return GROUP_RECORD_TYPE_LEN + addr_len + (size_t)num_sources * addr_len + (size_t)aux_len * 4;
}

/* Reads the record at `p` (left bytes remain) into the fields given; returns its length, or
 * 0 if it does not fit. The fixed fields are filled even when the rest does not fit. */
static inline size_t group_record_read(const uint8_t *p, size_t left, size_t addr_len,
                                       uint8_t *type, uint8_t *aux_len, uint16_t *num_sources,
                                       uint8_t *addr, const uint8_t **sources, const uint8_t **aux)
{
    size_t fixed = GROUP_RECORD_TYPE_LEN + addr_len;
    if (left < fixed)
        return 0;
    *type = p[0];
    *aux_len = p[1];
    *num_sources = load_be16(p + 2);
    memcpy(addr, p + GROUP_RECORD_TYPE_LEN, addr_len);
    size_t len = group_record_len(addr_len, *num_sources, *aux_len);
    if (len > left)
        return 0;
    *sources = p + fixed;
    *aux = *sources + (size_t)*num_sources * addr_len;
    return len;
}

/* Writes one record into buf[cap]; sources and aux are moved into place unless NULL (the
 * caller put them there). Returns its length or TAPIR_ENOBUFS. */
static inline int group_record_emit(uint8_t *buf, size_t cap, size_t addr_len, uint8_t type,
                                    uint8_t aux_len, uint16_t num_sources, const uint8_t *addr,
                                    const uint8_t *sources, const uint8_t *aux)
{
    size_t len = group_record_len(addr_len, num_sources, aux_len);
    if (cap < len)
        return TAPIR_ENOBUFS;
    size_t fixed = GROUP_RECORD_TYPE_LEN + addr_len;
    size_t sources_len = (size_t)num_sources * addr_len;
    /* Aux data first: moving the sources forward must not overwrite it. */
    if (aux != NULL && aux_len > 0 && aux != buf + fixed + sources_len)
        memmove(buf + fixed + sources_len, aux, (size_t)aux_len * 4);
    if (sources != NULL && sources_len > 0 && sources != buf + fixed)
        memmove(buf + fixed, sources, sources_len);
    buf[0] = type;
    buf[1] = aux_len;
    store_be16(buf + 2, num_sources);
    memcpy(buf + GROUP_RECORD_TYPE_LEN, addr, addr_len);
    return (int)len;
}

/* An 8-bit code (IGMPv3 Max Resp Code and QQIC, RFC 3376 §4.1.1 and §4.1.7; MLDv2 QQIC,
 * RFC 3810 §5.1.9): below 128 the value itself, from 128 on a floating-point value
 * 1|exp(3)|mant(4), (mant | 0x10) << (exp + 3). */
static inline uint32_t membership_code8(uint8_t code)
{
    if (code < 128)
        return code;
    return ((uint32_t)(code & 0x0f) | 0x10) << (((code >> 4) & 0x7) + 3);
}

/* The record types (RFC 3376 §4.2.12, RFC 3810 §5.2.12) with tcpdump's short names, or NULL
 * for another number. */
static inline const char *membership_record_type_name(uint8_t type)
{
    static const char *const names[] = {
        NULL,
        "mode is include (is_in)",
        "mode is exclude (is_ex)",
        "change to include (to_in)",
        "change to exclude (to_ex)",
        "allow new sources (allow)",
        "block old sources (block)",
    };
    return type < sizeof names / sizeof names[0] ? names[type] : NULL;
}

/* The verbose line of one record (`addr` its group, formatted); its sources follow it. */
static inline void membership_print_record(struct tapir_text *t, uint8_t type, const char *addr,
                                           uint16_t num_sources, uint8_t aux_len)
{
    const char *name = membership_record_type_name(type);
    tapir_text_printf(t, "  record: %s (%u), %s, %u source(s), aux data %u word(s)\n",
                      name ? name : "unknown", type, addr, num_sources, aux_len);
}

/* The record's aux data in hex, after its sources; nothing when there is none. */
static inline void membership_print_aux(struct tapir_text *t, const uint8_t *aux, uint8_t aux_len)
{
    if (aux_len > 0) {
        tapir_text_puts(t, "    aux data: ");
        tapir_text_hex(t, aux, (size_t)aux_len * 4, 0);
        tapir_text_puts(t, "\n");
    }
}

#endif
