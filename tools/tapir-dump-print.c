/* tapir-dump: printing one packet with tapir's own wire printers (tapir_frame_print):
 * a tcpdump-like line, every field with -v, the bytes with -x.
 *
 * Ethernet and raw-IP records go to the printer as they are. A Linux cooked record (any
 * interface, SLL2, or SLL from a file) starts with the interface and direction as
 * tcpdump shows them ("tap0  In  IP ..."); its network-layer packet is printed as raw IP
 * when it is IPv4 or IPv6, and otherwise (ARP, ...) behind an Ethernet header made up
 * from the cooked one, so the same whole-frame printer decodes it. */
#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <string.h>
#include <time.h>

#include "tapir-dump.h"
#include "tapir/wire/dissect.h"
#include "tapir/wire/ethernet.h"

#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_IPV6 0x86dd
#define ETH_HLEN_      14

static char line[1u << 18];
static uint8_t synth[ETH_HLEN_ + DUMP_SNAPLEN_MAX];

static uint16_t be16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The fields of a Linux cooked header, v1 or v2. */
struct cooked {
    uint16_t protocol;
    uint32_t ifindex; /* 0 in v1, which has none */
    uint16_t hatype;
    uint8_t pkttype;
    uint8_t halen;
    const uint8_t *addr;
    size_t hdr_len;
};

static bool parse_cooked(int linktype, const struct dump_packet *p, struct cooked *c)
{
    const uint8_t *d = p->data;
    if (linktype == DUMP_LINKTYPE_SLL2) {
        if (p->caplen < DUMP_SLL2_LEN)
            return false;
        *c =
            (struct cooked){be16(d), be32(d + 4), be16(d + 8), d[10], d[11], d + 12, DUMP_SLL2_LEN};
    } else {
        if (p->caplen < DUMP_SLL_LEN)
            return false;
        *c = (struct cooked){be16(d + 14),         0,     be16(d + 2), (uint8_t)be16(d),
                             (uint8_t)be16(d + 4), d + 6, DUMP_SLL_LEN};
    }
    if (c->halen > 8)
        c->halen = 8;
    return true;
}

static const char *direction(uint8_t pkttype)
{
    switch (pkttype) {
    case PACKET_HOST:
        return "In";
    case PACKET_BROADCAST:
        return "B";
    case PACKET_MULTICAST:
        return "M";
    case PACKET_OTHERHOST:
        return "P";
    case PACKET_OUTGOING:
        return "Out";
    default:
        return "?";
    }
}

static void print_hwaddr(struct tapir_text *t, const struct cooked *c)
{
    for (unsigned i = 0; i < c->halen; i++)
        tapir_text_printf(t, "%s%02x", i ? ":" : "", c->addr[i]);
}

static void print_ethertype(struct tapir_text *t, uint16_t type)
{
    const char *name = tapir_ethertype_name(type);
    tapir_text_printf(t, "ethertype %s (0x%04x)", name ? name : "Unknown", type);
}

/* The packet above the cooked header, printed by protocol. */
static void print_cooked_payload(struct tapir_text *t, const struct cooked *c,
                                 const uint8_t *payload, size_t len, unsigned flags)
{
    flags &= ~(unsigned)TAPIR_PRINT_LINK; /* the cooked header was the link header */
    if (c->protocol == ETHERTYPE_IPV4 || c->protocol == ETHERTYPE_IPV6) {
        tapir_frame_print(t, payload, len, TAPIR_MEDIUM_IP, flags);
        return;
    }
    if (c->protocol < 0x0600) { /* an 802.2/802.3 pseudo-protocol, not an ethertype */
        if (!(flags & TAPIR_PRINT_VERBOSE))
            tapir_text_printf(t, "protocol 0x%04x, length %zu", c->protocol, len);
        return;
    }
    /* Ethernet header: broadcast destination (unknown), source from the cooked header
     * when it is a MAC, and the protocol as ethertype. */
    memset(synth, 0xff, 6);
    memset(synth + 6, 0, 6);
    if (c->halen == 6)
        memcpy(synth + 6, c->addr, 6);
    synth[12] = (uint8_t)(c->protocol >> 8);
    synth[13] = (uint8_t)c->protocol;
    if (len > DUMP_SNAPLEN_MAX)
        len = DUMP_SNAPLEN_MAX;
    memcpy(synth + ETH_HLEN_, payload, len);
    if (!(flags & TAPIR_PRINT_VERBOSE)) {
        tapir_frame_print(t, synth, ETH_HLEN_ + len, TAPIR_MEDIUM_ETHERNET, flags);
        return;
    }
    /* Verbose: skip the made-up Ethernet block (its first line and its indented fields). */
    char block[1u << 16];
    struct tapir_text v;
    tapir_text_init(&v, block, sizeof block);
    tapir_frame_print(&v, synth, ETH_HLEN_ + len, TAPIR_MEDIUM_ETHERNET, flags);
    const char *s = strchr(block, '\n');
    while (s && s[1] == ' ' && s[2] == ' ')
        s = strchr(s + 1, '\n');
    tapir_text_puts(t, s ? s + 1 : block);
}

static void print_cooked(struct tapir_text *t, int linktype, const struct dump_packet *p,
                         unsigned flags)
{
    struct cooked c;
    if (!parse_cooked(linktype, p, &c)) {
        tapir_text_printf(t, "[|cooked] length %u", p->len);
        return;
    }
    const uint8_t *payload = p->data + c.hdr_len;
    size_t len = p->caplen - c.hdr_len;
    char ifname[IF_NAMESIZE] = "";
    if (c.ifindex == 0 || !if_indextoname(c.ifindex, ifname))
        snprintf(ifname, sizeof ifname, "%s", c.ifindex ? "?" : "");
    if (flags & TAPIR_PRINT_VERBOSE) {
        tapir_text_printf(t, "Linux cooked v%d\n", linktype == DUMP_LINKTYPE_SLL2 ? 2 : 1);
        if (linktype == DUMP_LINKTYPE_SLL2)
            tapir_text_printf(t, "  interface: %s (ifindex %u)\n", ifname, c.ifindex);
        tapir_text_printf(t, "  direction: %s (%u)\n", direction(c.pkttype), c.pkttype);
        tapir_text_printf(t, "  protocol: 0x%04x\n  hardware type: %u\n  address: ", c.protocol,
                          c.hatype);
        print_hwaddr(t, &c);
        tapir_text_puts(t, "\n");
        print_cooked_payload(t, &c, payload, len, flags);
        return;
    }
    /* tcpdump's "-i any" prefix: the interface, then the direction, each padded. */
    if (linktype == DUMP_LINKTYPE_SLL2)
        tapir_text_printf(t, "%-5s ", ifname);
    tapir_text_printf(t, "%-3s ", direction(c.pkttype));
    if (flags & TAPIR_PRINT_LINK) {
        if (linktype == DUMP_LINKTYPE_SLL2)
            tapir_text_printf(t, "ifindex %u ", c.ifindex);
        print_hwaddr(t, &c);
        tapir_text_puts(t, c.halen ? " " : "");
        print_ethertype(t, c.protocol);
        tapir_text_printf(t, ", length %u: ", p->len);
    }
    print_cooked_payload(t, &c, payload, len, flags);
}

/* Where the network layer starts, for -x. */
static size_t link_header_len(int linktype, const struct dump_packet *p)
{
    size_t n = 0;
    switch (linktype) {
    case DUMP_LINKTYPE_ETHERNET:
        n = ETH_HLEN_;
        break;
    case DUMP_LINKTYPE_SLL2:
        n = DUMP_SLL2_LEN;
        break;
    case DUMP_LINKTYPE_SLL:
        n = DUMP_SLL_LEN;
        break;
    default:
        break;
    }
    return n < p->caplen ? n : p->caplen;
}

static void hexdump(FILE *out, const uint8_t *p, size_t len)
{
    for (size_t i = 0; i < len; i += 16) {
        fprintf(out, "\t0x%04zx: ", i);
        for (size_t k = i; k < i + 16 && k < len; k++)
            fprintf(out, "%s%02x", (k & 1) ? "" : " ", p[k]);
        fputc('\n', out);
    }
}

static void print_time(struct tapir_text *t, const struct dump_packet *p)
{
    time_t sec = (time_t)p->sec;
    struct tm tm;
    localtime_r(&sec, &tm);
    tapir_text_printf(t, "%02d:%02d:%02d.%06u ", tm.tm_hour, tm.tm_min, tm.tm_sec, p->nsec / 1000);
}

static void print_body(struct tapir_text *t, int linktype, const struct dump_packet *p,
                       unsigned flags)
{
    switch (linktype) {
    case DUMP_LINKTYPE_ETHERNET:
        tapir_frame_print(t, p->data, p->caplen, TAPIR_MEDIUM_ETHERNET, flags);
        break;
    case DUMP_LINKTYPE_RAW:
    case DUMP_LINKTYPE_IPV4:
    case DUMP_LINKTYPE_IPV6:
    case 12: /* DLT_RAW as some systems number it */
    case 14:
        tapir_frame_print(t, p->data, p->caplen, TAPIR_MEDIUM_IP, flags);
        break;
    case DUMP_LINKTYPE_SLL2:
    case DUMP_LINKTYPE_SLL:
        print_cooked(t, linktype, p, flags);
        break;
    default:
        tapir_text_printf(t, "link type %d (not decoded), length %u", linktype, p->len);
        break;
    }
}

void dump_print(FILE *out, const struct dump_print_options *o, int linktype,
                const struct dump_packet *p)
{
    struct tapir_text t;
    tapir_text_init(&t, line, sizeof line);
    if (!o->no_time)
        print_time(&t, p);
    unsigned flags = o->flags | (p->csum_not_ready ? TAPIR_PRINT_CSUM_NOT_READY : 0u);
    /* The one-line summary always; with -v the frame's size and every field follow. */
    print_body(&t, linktype, p, flags & ~(unsigned)TAPIR_PRINT_VERBOSE);
    tapir_text_puts(&t, "\n");
    if (o->flags & TAPIR_PRINT_VERBOSE) {
        tapir_text_printf(&t, "Frame\n  length: %u\n  captured: %u\n", p->len, p->caplen);
        print_body(&t, linktype, p, flags);
    }
    fputs(line, out);
    if (!tapir_text_complete(&t))
        fputs(" [output cut]\n", out);
    if (o->hex) {
        size_t skip = o->hex > 1 ? 0 : link_header_len(linktype, p);
        hexdump(out, p->data + skip, p->caplen - skip);
    }
}
