/* The device description up and ns share: name, kind, owner, addresses, NAT. */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "tap.h"

void tap_spec_init(struct tap_spec *s)
{
    memset(s, 0, sizeof *s);
    strcpy(s->name, "tap0");
    s->owner = -1;
    s->group = -1;
}

int tap_parse_name(const char *text, char out[IFNAMSIZ])
{
    size_t n = strlen(text);
    /* The kernel takes almost any byte; this set is what is safe to print, to embed in an
     * nftables table name and to read back from the alias. */
    if (n == 0 || n >= IFNAMSIZ || strcmp(text, ".") == 0 || strcmp(text, "..") == 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        char c = text[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '.' || c == '-'))
            return -1;
    }
    memcpy(out, text, n + 1);
    return 0;
}

int tap_spec_add_addr(struct tap_spec *s, int family, const char *text)
{
    char buf[INET6_ADDRSTRLEN + 8];
    unsigned max = family == AF_INET ? 32 : 128;
    unsigned count = 0;
    for (unsigned i = 0; i < s->n_addrs; i++)
        count += s->addrs[i].family == family;
    if (count >= TAP_MAX_ADDRS || strlen(text) >= sizeof buf)
        return -1;
    strcpy(buf, text);
    char *slash = strchr(buf, '/');
    unsigned long len = max;
    if (slash) {
        char *end;
        *slash = '\0';
        errno = 0;
        len = strtoul(slash + 1, &end, 10);
        if (errno || end == slash + 1 || *end || len > max || slash[1] == '-')
            return -1;
    }
    struct tap_addr *a = &s->addrs[s->n_addrs];
    memset(a, 0, sizeof *a);
    if (inet_pton(family, buf, a->bytes) != 1)
        return -1;
    a->family = family;
    a->prefix = (unsigned)len;
    s->n_addrs++;
    if (family == AF_INET)
        s->addr4_given = true;
    else
        s->addr6_given = true;
    return 0;
}

void tap_spec_defaults(struct tap_spec *s)
{
    if (!s->addr4_given) {
        tap_spec_add_addr(s, AF_INET, "192.168.69.100/24");
        s->addr4_given = false;
    }
    if (!s->addr6_given) {
        if (!s->tun)
            tap_spec_add_addr(s, AF_INET6, "fe80::100/64");
        tap_spec_add_addr(s, AF_INET6, "fdaa::100/64");
        s->addr6_given = false;
    }
}

void tap_addr_format(const struct tap_addr *a, char *buf, size_t len)
{
    char text[INET6_ADDRSTRLEN];
    if (!inet_ntop(a->family, a->bytes, text, sizeof text))
        strcpy(text, "?");
    snprintf(buf, len, "%s/%u", text, a->prefix);
}

int tap_parse_name_only(int argc, char **argv, const char *cmd, void (*usage)(FILE *),
                        char name[IFNAMSIZ])
{
    static const struct option opts[] = {
        {"name", required_argument, NULL, 'n'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "n:h", opts, NULL)) != -1) {
        switch (c) {
        case 'n':
            if (tap_parse_name(optarg, name) != 0) {
                tap_err("invalid --name '%s': 1 to 15 of letters, digits, '_', '.', '-'", optarg);
                return 2;
            }
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind != argc) {
        tap_err("%s: unexpected argument '%s'", cmd, argv[optind]);
        usage(stderr);
        return 2;
    }
    return -1;
}
