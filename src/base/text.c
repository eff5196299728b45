/* The bounded text builder behind every printer. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "tapir/text.h"

void tapir_text_init(struct tapir_text *t, char *buf, size_t cap)
{
    t->buf = buf;
    t->cap = cap;
    t->len = 0;
    if (cap > 0)
        buf[0] = '\0';
}

/* Room left for characters, keeping one byte for the NUL. */
static size_t room(const struct tapir_text *t)
{
    if (t->cap == 0 || t->len >= t->cap - 1)
        return 0;
    return t->cap - 1 - t->len;
}

void tapir_text_printf(struct tapir_text *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    size_t at = t->len < t->cap ? t->len : (t->cap ? t->cap - 1 : 0);
    int n = vsnprintf(t->cap ? t->buf + at : NULL, t->cap ? t->cap - at : 0, fmt, ap);
    va_end(ap);
    if (n > 0)
        t->len += (size_t)n;
}

void tapir_text_puts(struct tapir_text *t, const char *s)
{
    size_t n = strlen(s);
    size_t r = room(t);
    size_t copy = n < r ? n : r;
    if (copy > 0) {
        memcpy(t->buf + t->len, s, copy);
        t->buf[t->len + copy] = '\0';
    }
    t->len += n;
}

void tapir_text_hex(struct tapir_text *t, const void *data, size_t len, char sep)
{
    static const char digits[] = "0123456789abcdef";
    const unsigned char *p = data;
    for (size_t i = 0; i < len; i++) {
        char s[4];
        size_t k = 0;
        if (sep && i > 0)
            s[k++] = sep;
        s[k++] = digits[p[i] >> 4];
        s[k++] = digits[p[i] & 15];
        s[k] = '\0';
        tapir_text_puts(t, s);
    }
}

bool tapir_text_complete(const struct tapir_text *t)
{
    return t->len < t->cap;
}
