/* Text forms of MAC, IPv4 and IPv6 addresses. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "tapir/addr.h"

#include "addr_internal.h"
#include "tapir/error.h"

char *tapir_mac_format(const struct tapir_mac_addr *mac, char out[TAPIR_MAC_STRLEN])
{
    const uint8_t *b = mac->bytes;
    snprintf(out, TAPIR_MAC_STRLEN, "%02x:%02x:%02x:%02x:%02x:%02x", b[0], b[1], b[2], b[3], b[4],
             b[5]);
    return out;
}

char *tapir_ipv4_format(const struct tapir_ipv4_addr *addr, char out[TAPIR_IPV4_STRLEN])
{
    const uint8_t *b = addr->bytes;
    snprintf(out, TAPIR_IPV4_STRLEN, "%u.%u.%u.%u", b[0], b[1], b[2], b[3]);
    return out;
}

/* RFC 5952 §4: lower-case hex, no leading zeros, the longest run of two or more zero
 * groups replaced by "::" (the first such run on a tie), and the IPv4-mapped form
 * ::ffff:a.b.c.d written with a dotted quad (§5). */
char *tapir_ipv6_format(const struct tapir_ipv6_addr *addr, char out[TAPIR_IPV6_STRLEN])
{
    uint16_t g[8];
    for (int i = 0; i < 8; i++)
        g[i] = (uint16_t)(addr->bytes[2 * i] << 8 | addr->bytes[2 * i + 1]);

    static const uint8_t mapped_prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (memcmp(addr->bytes, mapped_prefix, 12) == 0) {
        const uint8_t *b = addr->bytes + 12;
        snprintf(out, TAPIR_IPV6_STRLEN, "::ffff:%u.%u.%u.%u", b[0], b[1], b[2], b[3]);
        return out;
    }

    int best = -1, best_len = 0;
    for (int i = 0; i < 8;) {
        if (g[i] != 0) {
            i++;
            continue;
        }
        int j = i;
        while (j < 8 && g[j] == 0)
            j++;
        if (j - i > best_len && j - i >= 2) {
            best = i;
            best_len = j - i;
        }
        i = j;
    }

    size_t n = 0;
    for (int i = 0; i < 8; i++) {
        if (i == best) {
            n += (size_t)snprintf(out + n, TAPIR_IPV6_STRLEN - n, "::");
            i += best_len - 1;
            continue;
        }
        if (i > 0 && i != best + best_len)
            n += (size_t)snprintf(out + n, TAPIR_IPV6_STRLEN - n, ":");
        n += (size_t)snprintf(out + n, TAPIR_IPV6_STRLEN - n, "%x", g[i]);
    }
    return out;
}

char *tapir_ip_format(const struct tapir_ip_addr *addr, char out[TAPIR_IP_STRLEN])
{
    if (addr->version == TAPIR_IP_V4)
        return tapir_ipv4_format(&addr->v4, out);
    if (addr->version == TAPIR_IP_V6)
        return tapir_ipv6_format(&addr->v6, out);
    snprintf(out, TAPIR_IP_STRLEN, "(none)");
    return out;
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int tapir_mac_addr_parse(const char *text, struct tapir_mac_addr *out)
{
    struct tapir_mac_addr mac;
    const char *p = text;
    for (int i = 0; i < 6; i++) {
        int hi = hex_digit(p[0]);
        int lo = hi >= 0 ? hex_digit(p[1]) : -1;
        if (lo < 0)
            return TAPIR_EINVAL;
        mac.bytes[i] = (uint8_t)(hi << 4 | lo);
        p += 2;
        if (i < 5) {
            if (*p != ':' && *p != '-')
                return TAPIR_EINVAL;
            p++;
        }
    }
    if (*p != '\0')
        return TAPIR_EINVAL;
    *out = mac;
    return 0;
}

/* inet_pton is plain libc (no allocation, no I/O) and accepts exactly the standard
 * forms: dotted quad for IPv4, RFC 4291 §2.2 text for IPv6. */
int tapir_ipv4_addr_parse(const char *text, struct tapir_ipv4_addr *out)
{
    return inet_pton(AF_INET, text, out->bytes) == 1 ? 0 : TAPIR_EINVAL;
}

int tapir_ipv6_addr_parse(const char *text, struct tapir_ipv6_addr *out)
{
    return inet_pton(AF_INET6, text, out->bytes) == 1 ? 0 : TAPIR_EINVAL;
}

int tapir_ip_addr_parse(const char *text, struct tapir_ip_addr *out)
{
    struct tapir_ip_addr a;
    memset(&a, 0, sizeof a);
    if (tapir_ipv4_addr_parse(text, &a.v4) == 0) {
        a.version = TAPIR_IP_V4;
    } else if (tapir_ipv6_addr_parse(text, &a.v6) == 0) {
        a.version = TAPIR_IP_V6;
    } else {
        return TAPIR_EINVAL;
    }
    *out = a;
    return 0;
}

bool tapir_ip_equal(const struct tapir_ip_addr *a, const struct tapir_ip_addr *b)
{
    if (a->version != b->version)
        return false;
    if (a->version == TAPIR_IP_V4)
        return memcmp(a->v4.bytes, b->v4.bytes, 4) == 0;
    if (a->version == TAPIR_IP_V6)
        return memcmp(a->v6.bytes, b->v6.bytes, 16) == 0;
    return true;
}

bool tapir_ip_is_multicast(const struct tapir_ip_addr *a)
{
    return tapir__ip_is_multicast(a);
}
