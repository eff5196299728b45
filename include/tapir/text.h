/* tapir — a bounded text builder used by every printer.
 *
 * The caller owns the buffer. Appends never write past `cap`; the text is always
 * NUL-terminated; `len` counts what would have been written had there been room, so
 * `len >= cap` means the output was cut (as with snprintf).
 */
#ifndef TAPIR_TEXT_H
#define TAPIR_TEXT_H

#include <stdbool.h>
#include <stddef.h>

struct tapir_text {
    char *buf;
    size_t cap;
    size_t len;
};

void tapir_text_init(struct tapir_text *t, char *buf, size_t cap);

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
void tapir_text_printf(struct tapir_text *t, const char *fmt, ...);

void tapir_text_puts(struct tapir_text *t, const char *s);

/* Append `len` bytes as lower-case hex, `sep` between bytes (0 for none). */
void tapir_text_hex(struct tapir_text *t, const void *data, size_t len, char sep);

/* True when everything appended so far fitted. */
bool tapir_text_complete(const struct tapir_text *t);

#endif
