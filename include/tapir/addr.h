/* tapir — link-layer and IP addresses, and their text forms.
 *
 * Addresses are stored as bytes in network order, never as host integers, so copying
 * them to and from packets is a plain memcpy and no byte-order mistake is possible.
 */
#ifndef TAPIR_ADDR_H
#define TAPIR_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct tapir_mac_addr {
    uint8_t bytes[6];
};

struct tapir_ipv4_addr {
    uint8_t bytes[4];
};

struct tapir_ipv6_addr {
    uint8_t bytes[16];
};

enum tapir_ip_version {
    TAPIR_IP_NONE = 0,
    TAPIR_IP_V4 = 4,
    TAPIR_IP_V6 = 6,
};

/* Either family; `version` says which member is meaningful. */
struct tapir_ip_addr {
    uint8_t version; /* enum tapir_ip_version */
    union {
        struct tapir_ipv4_addr v4;
        struct tapir_ipv6_addr v6;
    };
};

/* Buffer sizes for the text forms, including the terminating NUL. */
#define TAPIR_MAC_STRLEN  18 /* "02:00:00:00:00:01" */
#define TAPIR_IPV4_STRLEN 16 /* "255.255.255.255" */
#define TAPIR_IPV6_STRLEN 46 /* "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255" */
#define TAPIR_IP_STRLEN   TAPIR_IPV6_STRLEN

/* Formatters write a NUL-terminated string into `out` (which must hold the size above)
 * and return `out`, so they can be used directly as printf arguments. IPv6 is written in
 * the canonical form of RFC 5952 (lower case, longest run of zero groups compressed). */
char *tapir_mac_format(const struct tapir_mac_addr *mac, char out[TAPIR_MAC_STRLEN]);
char *tapir_ipv4_format(const struct tapir_ipv4_addr *addr, char out[TAPIR_IPV4_STRLEN]);
char *tapir_ipv6_format(const struct tapir_ipv6_addr *addr, char out[TAPIR_IPV6_STRLEN]);
char *tapir_ip_format(const struct tapir_ip_addr *addr, char out[TAPIR_IP_STRLEN]);

/* Parsers accept the usual text forms and return 0, or TAPIR_EINVAL for anything else.
 * tapir_ip_addr_parse accepts either family. */
int tapir_mac_addr_parse(const char *text, struct tapir_mac_addr *out);
int tapir_ipv4_addr_parse(const char *text, struct tapir_ipv4_addr *out);
int tapir_ipv6_addr_parse(const char *text, struct tapir_ipv6_addr *out);
int tapir_ip_addr_parse(const char *text, struct tapir_ip_addr *out);

bool tapir_ip_equal(const struct tapir_ip_addr *a, const struct tapir_ip_addr *b);

/* A multicast group: 224.0.0.0/4 (RFC 5771) or ff00::/8 (RFC 4291 §2.7). */
bool tapir_ip_is_multicast(const struct tapir_ip_addr *a);

#endif
