/* The shared option parser of the apps. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "options.h"

void app_common_defaults(struct app_common *c)
{
    memset(c, 0, sizeof *c);
    c->device_kind = APP_DEVICE_TAP;
    c->device_name = "tap0";
    tapir_ipv4_addr_parse("192.168.69.1", &c->ip);
    c->ip_prefix = 24;
    c->has_ip = true;
    tapir_ipv6_addr_parse("fdaa::1", &c->ip6);
    c->ip6_prefix = 64;
    c->has_ip6 = true;
    tapir_ipv4_addr_parse("192.168.69.100", &c->gw);
    c->has_gw = true;
    tapir_ipv6_addr_parse("fe80::100", &c->gw6);
    c->has_gw6 = true;
    tapir_mac_addr_parse("02:00:00:00:00:01", &c->mac);
    c->seed = 1;
    c->slaac = true;
}

int app_parse_double(const char *text, double min, double max, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (errno != 0 || end == text || *end != '\0' || !(v >= min && v <= max))
        return -1;
    *out = v;
    return 0;
}

int app_parse_unsigned(const char *text, unsigned long max, unsigned long *out)
{
    char *end;
    errno = 0;
    if (text[0] == '-')
        return -1;
    unsigned long v = strtoul(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || v > max)
        return -1;
    *out = v;
    return 0;
}

/* "ADDR/LEN" with LEN at most `max_len`; a missing /LEN takes the host prefix. */
static int parse_cidr(const char *text, int v6, void *addr, unsigned *prefix)
{
    char buf[64];
    if (strlen(text) >= sizeof buf)
        return -1;
    strcpy(buf, text);
    unsigned max = v6 ? 128 : 32;
    char *slash = strchr(buf, '/');
    unsigned long len = max;
    if (slash) {
        *slash = '\0';
        if (app_parse_unsigned(slash + 1, max, &len) != 0)
            return -1;
    }
    int rc = v6 ? tapir_ipv6_addr_parse(buf, addr) : tapir_ipv4_addr_parse(buf, addr);
    if (rc != 0)
        return -1;
    *prefix = (unsigned)len;
    return 0;
}

static int bad(const char *prog, const char *opt, const char *arg, const char *want)
{
    fprintf(stderr, "%s: invalid value '%s' for --%s: expected %s\n", prog, arg, opt, want);
    return -1;
}

int app_common_option(struct app_common *c, const char *prog, int code, const char *arg)
{
    unsigned long n;
    switch (code) {
    case APP_OPT_TAP:
    case APP_OPT_TUN:
    case APP_OPT_RAW:
        c->device_kind = code == APP_OPT_TAP   ? APP_DEVICE_TAP
                         : code == APP_OPT_TUN ? APP_DEVICE_TUN
                                               : APP_DEVICE_RAW;
        if (arg[0] == '\0' || strlen(arg) >= 16)
            return bad(prog,
                       code == APP_OPT_TAP   ? "tap"
                       : code == APP_OPT_TUN ? "tun"
                                             : "raw",
                       arg, "an interface name of 1 to 15 characters");
        c->device_name = arg;
        return 1;
    case APP_OPT_IP:
        if (parse_cidr(arg, 0, &c->ip, &c->ip_prefix) != 0)
            return bad(prog, "ip", arg, "an IPv4 address with prefix, like 192.168.69.1/24");
        c->has_ip = true;
        return 1;
    case APP_OPT_IP6:
        if (parse_cidr(arg, 1, &c->ip6, &c->ip6_prefix) != 0)
            return bad(prog, "ip6", arg, "an IPv6 address with prefix, like fdaa::1/64");
        c->has_ip6 = true;
        return 1;
    case APP_OPT_GW:
        if (tapir_ipv4_addr_parse(arg, &c->gw) != 0)
            return bad(prog, "gw", arg, "an IPv4 address");
        c->has_gw = true;
        return 1;
    case APP_OPT_GW6:
        if (tapir_ipv6_addr_parse(arg, &c->gw6) != 0)
            return bad(prog, "gw6", arg, "an IPv6 address");
        c->has_gw6 = true;
        return 1;
    case APP_OPT_MAC:
        if (tapir_mac_addr_parse(arg, &c->mac) != 0 || (c->mac.bytes[0] & 1))
            return bad(prog, "mac", arg, "a unicast MAC like 02:00:00:00:00:01");
        return 1;
    case APP_OPT_MTU:
        if (app_parse_unsigned(arg, 65535, &n) != 0 || n < 1280)
            return bad(prog, "mtu", arg, "a number from 1280 (the IPv6 minimum) to 65535");
        c->mtu = (unsigned)n;
        return 1;
    case APP_OPT_PCAP:
        c->pcap_path = arg;
        return 1;
    case APP_OPT_DROP:
    case APP_OPT_DUP:
    case APP_OPT_REORDER:
    case APP_OPT_CORRUPT: {
        static const char *const names[] = {"drop", "dup", "reorder", "corrupt"};
        double *slot[] = {&c->drop_pct, &c->dup_pct, &c->reorder_pct, &c->corrupt_pct};
        int i = code - APP_OPT_DROP;
        if (app_parse_double(arg, 0, 100, slot[i]) != 0)
            return bad(prog, names[i], arg, "a percentage from 0 to 100, like 2.5");
        return 1;
    }
    case APP_OPT_SEED: {
        char *end;
        errno = 0;
        unsigned long long v = strtoull(arg, &end, 0);
        if (errno != 0 || end == arg || *end != '\0' || arg[0] == '-')
            return bad(prog, "seed", arg, "a non-negative integer");
        c->seed = v;
        return 1;
    }
    case APP_OPT_DURATION:
        if (app_parse_double(arg, 0, 1e9, &c->duration_s) != 0)
            return bad(prog, "duration", arg, "a number of seconds, like 10 or 0.5");
        return 1;
    case APP_OPT_JOIN: {
        struct tapir_ip_addr g;
        bool mcast = tapir_ip_addr_parse(arg, &g) == 0 && tapir_ip_is_multicast(&g);
        if (!mcast || c->join_count == APP_MAX_JOINS)
            return bad(prog, "join", arg,
                       "a multicast group like 239.1.2.3 or ff15::1234 (at most 8)");
        c->joins[c->join_count++] = g;
        return 1;
    }
    case APP_OPT_NO_SLAAC:
        c->slaac = false;
        return 1;
    case APP_OPT_OFFLOAD:
    case APP_OPT_NO_OFFLOAD:
        c->offload = code == APP_OPT_OFFLOAD ? APP_OFFLOAD_ON : APP_OFFLOAD_OFF;
        return 1;
    case 'v':
        c->verbose++;
        return 1;
    case APP_OPT_DNS:
        if (c->dns_count >= sizeof c->dns / sizeof c->dns[0])
            return bad(prog, "dns", arg, "at most 3 servers");
        if (tapir_ip_addr_parse(arg, &c->dns[c->dns_count]) != 0)
            return bad(prog, "dns", arg, "an IPv4 or IPv6 address");
        c->dns_count++;
        return 1;
    default:
        return 0;
    }
}

void app_common_usage(FILE *out)
{
    fputs("Device (one of; the host side is never configured by tapir):\n"
          "  --tap NAME         a TAP device (default tap0), Ethernet frames\n"
          "  --tun NAME         a TUN device, bare IP packets\n"
          "  --raw IFACE        an AF_PACKET socket on an existing interface\n"
          "Addresses:\n"
          "  --ip ADDR/LEN      IPv4 address (default 192.168.69.1/24)\n"
          "  --ip6 ADDR/LEN     IPv6 address (default fdaa::1/64); fe80:: comes from the MAC\n"
          "  --gw ADDR          IPv4 default gateway (default 192.168.69.100)\n"
          "  --gw6 ADDR         IPv6 default gateway (default fe80::100)\n"
          "  --mac MAC          link-layer address (default 02:00:00:00:00:01)\n"
          "  --mtu N            IP MTU (default: the device's)\n"
          "  --no-slaac         no IPv6 autoconfiguration: no router solicitations, RAs\n"
          "                     ignored, fe80:: usable at once without DAD\n"
          "  --dns ADDR         DNS server, repeatable up to 3, tried in order (default: --gw)\n"
          "  --offload          TAP/TUN: insist on IFF_VNET_HDR offloads (64 KiB TCP\n"
          "                     super-frames, partial checksums); default: when the kernel\n"
          "                     has them\n"
          "  --no-offload       TAP/TUN: plain frames, one MTU each\n"
          "Capture and faults (faults apply in each direction):\n"
          "  --pcap FILE        write every frame in and out to a pcap file\n"
          "  --drop PCT         drop PCT percent of frames\n"
          "  --dup PCT          duplicate PCT percent of frames\n"
          "  --reorder PCT      delay PCT percent of frames behind the next one\n"
          "  --corrupt PCT      flip one bit in PCT percent of frames\n"
          "  --seed N           seed for faults and all randomness (default 1)\n"
          "Running:\n"
          "  --duration SECONDS stop after this long (default: until SIGINT/SIGTERM)\n"
          "  --join GROUP       join a multicast group at start (IGMP/MLD); repeatable\n"
          "  -v, --verbose      print every frame decoded\n"
          "  -h, --help         this help\n"
          "Exit status: 0 on success or when stopped, 2 on a usage or privilege error.\n",
          out);
}
