/* tapir — DHCPv4 messages: the BOOTP header (RFC 951, RFC 1542) with the DHCP magic cookie
 * and options (RFC 2131, RFC 2132). See tapir/wire/ethernet.h for the function pattern.
 *
 * The repr holds the fixed header and the options a client needs, decoded; every other
 * option is counted (unknown_options) and shown by the verbose printer from the parsed
 * bytes, but not kept for emit. Parsing follows option overload (52, RFC 2131 §4.1: the
 * options field first, then `file`, then `sname`). Emit writes the options field only
 * (never overloads), in a fixed order with the message type first, and pads the message to
 * the 300 bytes of RFC 1542 §3.2.1 that some relays and servers still require.
 *
 * Not supported: options split into several instances (RFC 3396 long options) — a second
 * instance of a decoded option is refused with TAPIR_EBADOPTION.
 */
#ifndef TAPIR_WIRE_DHCPV4_H
#define TAPIR_WIRE_DHCPV4_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tapir/addr.h"
#include "tapir/text.h"

#define TAPIR_DHCPV4_SERVER_PORT 67
#define TAPIR_DHCPV4_CLIENT_PORT 68

#define TAPIR_DHCPV4_FIXED_LEN      236 /* op .. file (RFC 2131 §2, figure 1) */
#define TAPIR_DHCPV4_MIN_LEN        240 /* the fixed header and the magic cookie */
#define TAPIR_DHCPV4_BOOTP_MIN_LEN  300 /* emit pads to this (RFC 1542 §3.2.1) */
#define TAPIR_DHCPV4_SNAME_LEN      64
#define TAPIR_DHCPV4_FILE_LEN       128
#define TAPIR_DHCPV4_MAGIC_COOKIE   0x63825363u /* RFC 2131 §3 */
#define TAPIR_DHCPV4_FLAG_BROADCAST 0x8000u     /* RFC 2131 §2, figure 2 */
/* Routers and DNS servers kept per message; later ones in the option are ignored. */
#define TAPIR_DHCPV4_MAX_ADDRS 3

enum tapir_dhcpv4_op {
    TAPIR_DHCPV4_BOOTREQUEST = 1,
    TAPIR_DHCPV4_BOOTREPLY = 2,
};

/* Option 53 (RFC 2132 §9.6). */
enum tapir_dhcpv4_message_type {
    TAPIR_DHCPV4_DISCOVER = 1,
    TAPIR_DHCPV4_OFFER = 2,
    TAPIR_DHCPV4_REQUEST = 3,
    TAPIR_DHCPV4_DECLINE = 4,
    TAPIR_DHCPV4_ACK = 5,
    TAPIR_DHCPV4_NAK = 6,
    TAPIR_DHCPV4_RELEASE = 7,
    TAPIR_DHCPV4_INFORM = 8,
};

/* Option codes (RFC 2132). */
enum tapir_dhcpv4_option {
    TAPIR_DHCPV4_OPT_PAD = 0,
    TAPIR_DHCPV4_OPT_SUBNET_MASK = 1,
    TAPIR_DHCPV4_OPT_ROUTER = 3,
    TAPIR_DHCPV4_OPT_DNS = 6,
    TAPIR_DHCPV4_OPT_HOSTNAME = 12,
    TAPIR_DHCPV4_OPT_DOMAIN_NAME = 15,
    TAPIR_DHCPV4_OPT_MTU = 26,
    TAPIR_DHCPV4_OPT_BROADCAST = 28,
    TAPIR_DHCPV4_OPT_REQUESTED_IP = 50,
    TAPIR_DHCPV4_OPT_LEASE_TIME = 51,
    TAPIR_DHCPV4_OPT_OVERLOAD = 52,
    TAPIR_DHCPV4_OPT_MESSAGE_TYPE = 53,
    TAPIR_DHCPV4_OPT_SERVER_ID = 54,
    TAPIR_DHCPV4_OPT_PARAM_REQUEST = 55,
    TAPIR_DHCPV4_OPT_MESSAGE = 56,
    TAPIR_DHCPV4_OPT_MAX_MESSAGE_SIZE = 57,
    TAPIR_DHCPV4_OPT_T1 = 58,
    TAPIR_DHCPV4_OPT_T2 = 59,
    TAPIR_DHCPV4_OPT_VENDOR_CLASS = 60,
    TAPIR_DHCPV4_OPT_CLIENT_ID = 61,
    TAPIR_DHCPV4_OPT_END = 255,
};

/* Which optional fields a repr carries (bits of `present`). The message type, routers and
 * DNS servers are present when non-zero / counted. */
enum tapir_dhcpv4_present {
    TAPIR_DHCPV4_HAS_SUBNET_MASK = 1u << 0,
    TAPIR_DHCPV4_HAS_BROADCAST = 1u << 1,
    TAPIR_DHCPV4_HAS_REQUESTED_IP = 1u << 2,
    TAPIR_DHCPV4_HAS_SERVER_ID = 1u << 3,
    TAPIR_DHCPV4_HAS_LEASE_TIME = 1u << 4,
    TAPIR_DHCPV4_HAS_T1 = 1u << 5,
    TAPIR_DHCPV4_HAS_T2 = 1u << 6,
    TAPIR_DHCPV4_HAS_MTU = 1u << 7,
    TAPIR_DHCPV4_HAS_MAX_MESSAGE_SIZE = 1u << 8,
    TAPIR_DHCPV4_HAS_OVERLOAD = 1u << 9, /* parse only: emit never overloads */
};

/* A variable-length option's value (into the parsed buffer, or the caller's on emit);
 * len 0 = absent. */
struct tapir_dhcpv4_bytes {
    const uint8_t *data;
    uint8_t len;
};

struct tapir_dhcpv4_repr {
    uint8_t op; /* enum tapir_dhcpv4_op */
    uint8_t htype, hlen, hops;
    uint32_t xid;
    uint16_t secs;
    uint16_t flags; /* TAPIR_DHCPV4_FLAG_BROADCAST; the other bits must be zero */
    struct tapir_ipv4_addr ciaddr, yiaddr, siaddr, giaddr;
    uint8_t chaddr[16]; /* hlen bytes meaningful (an Ethernet MAC: htype 1, hlen 6) */
    /* The 64-byte sname and 128-byte file fields in the parsed buffer (NULL on emit:
     * zeros). When overload says they carry options, they are not names. */
    const uint8_t *sname;
    const uint8_t *file;

    uint8_t message_type; /* enum tapir_dhcpv4_message_type; 0 = none (plain BOOTP) */
    uint32_t present;     /* enum tapir_dhcpv4_present */
    struct tapir_ipv4_addr subnet_mask, broadcast, requested_ip, server_id;
    uint32_t lease_time_s, t1_s, t2_s; /* 51, 58, 59; 0xffffffff = infinite */
    uint16_t mtu;                      /* 26: at least 68 */
    uint16_t max_message_size;         /* 57: at least 576 */
    uint8_t overload;                  /* 52: 1 file, 2 sname, 3 both */
    struct tapir_ipv4_addr routers[TAPIR_DHCPV4_MAX_ADDRS];
    uint8_t router_count;
    struct tapir_ipv4_addr dns[TAPIR_DHCPV4_MAX_ADDRS];
    uint8_t dns_count;
    struct tapir_dhcpv4_bytes param_request; /* 55: option codes */
    struct tapir_dhcpv4_bytes client_id;     /* 61: type byte, then the identifier */
    struct tapir_dhcpv4_bytes hostname;      /* 12 */
    struct tapir_dhcpv4_bytes domain_name;   /* 15 */
    struct tapir_dhcpv4_bytes vendor_class;  /* 60 */
    struct tapir_dhcpv4_bytes message;       /* 56: text, e.g. why a NAK */

    /* Parse only: the options field (after the cookie, to the end of the buffer), for
     * the verbose printer; and how many options were not decoded. */
    const uint8_t *options;
    size_t options_len;
    unsigned unknown_options;
};

/* `buf`/`len` is the UDP payload.
 * Errors: TAPIR_ETRUNCATED (shorter than 240 bytes, an option's length runs past the end,
 * or no END option before the end); TAPIR_EBADFIELD (op not 1 or 2, hlen over 16);
 * TAPIR_EUNSUPPORTED (no DHCP magic cookie: plain BOOTP); TAPIR_EBADOPTION (a decoded
 * option of the wrong length or a forbidden value — message type 0, MTU below 68, maximum
 * message size below 576, overload not 1..3 or outside the options field —, a decoded
 * option twice, or an overloaded sname/file without its END). Bytes after END are padding
 * and ignored. */
int tapir_dhcpv4_parse(const uint8_t *buf, size_t len, struct tapir_dhcpv4_repr *out);

/* What emit writes: the header, cookie, options, END, padded to at least 300 bytes. */
size_t tapir_dhcpv4_header_len(const struct tapir_dhcpv4_repr *repr);

/* Writes the message; returns its length. Option values are copied from where the repr
 * points, which must not be `buf` itself. Errors: TAPIR_ENOBUFS; TAPIR_EINVAL (op not 1/2,
 * hlen over 16, more than TAPIR_DHCPV4_MAX_ADDRS routers or DNS servers). */
int tapir_dhcpv4_emit(const struct tapir_dhcpv4_repr *repr, uint8_t *buf, size_t cap);

/* "DHCP-DISCOVER", "DHCP-ACK", ... ("DHCP-TYPE-9" for others, "BOOTP" without a type). */
const char *tapir_dhcpv4_type_name(uint8_t message_type);

/* One line:
 *   requests: "DHCP-REQUEST xid 0x5a3c1f00 from 02:00:00:00:00:01 requested 192.168.69.50
 *              server 192.168.69.100"
 *   replies:  "DHCP-ACK 192.168.69.50 xid 0x5a3c1f00 to 02:00:00:00:00:01 server
 *              192.168.69.100 lease 120s"; a NAK adds its message in quotes. */
void tapir_dhcpv4_print(struct tapir_text *t, const struct tapir_dhcpv4_repr *repr);
void tapir_dhcpv4_print_verbose(struct tapir_text *t, const struct tapir_dhcpv4_repr *repr);

#endif
