/* tapir-dig: ask DNS servers for a name's addresses through tapir's stub resolver and
 * print the answer as `dig +noall +answer` does: the CNAME chain, then the records. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/options.h"
#include "common/resolve.h"
#include "common/runtime.h"
#include "tapir/error.h"

static void usage(FILE *out)
{
    fputs("usage: tapir-dig [OPTIONS] NAME [@SERVER] [-t A|AAAA]\n"
          "Resolve NAME with tapir's stub resolver and print the answer like\n"
          "`dig +noall +answer`: one line per record (name, TTL, class, type, data), the\n"
          "CNAME chain first. @SERVER asks that server instead of the --dns list.\n"
          "  -t TYPE            A (default) or AAAA\n"
          "Exit status: 0 with an answer (or none of that type), 1 when the name does not\n"
          "exist (NXDOMAIN), 2 when no server answered in time, failed, or on errors.\n\n",
          out);
    app_common_usage(out);
}

static void print_line(const struct tapir_dns_name *owner, uint32_t ttl, const char *type,
                       const char *data)
{
    char name[TAPIR_DNS_NAME_STRLEN];
    tapir_dns_name_to_text(owner, name, sizeof name);
    printf("%s\t%u\tIN\t%s\t%s\n", name, ttl, type, data);
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        APP_COMMON_LONG_OPTIONS,
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct app_common opt;
    app_common_defaults(&opt);
    uint16_t type = TAPIR_DNS_TYPE_A;
    const char *name = NULL;
    struct tapir_ip_addr server;
    unsigned nserver = 0;
    int c;
    /* "-" first: options and operands in any order (NAME, @SERVER, -t A). */
    while ((c = getopt_long(argc, argv, "-t:vh", longopts, NULL)) != -1) {
        switch (c) {
        case 'h':
            usage(stdout);
            return 0;
        case 't':
            if (strcmp(optarg, "A") == 0 || strcmp(optarg, "a") == 0) {
                type = TAPIR_DNS_TYPE_A;
            } else if (strcmp(optarg, "AAAA") == 0 || strcmp(optarg, "aaaa") == 0) {
                type = TAPIR_DNS_TYPE_AAAA;
            } else {
                fprintf(stderr, "tapir-dig: type '%s': A or AAAA\n", optarg);
                return 2;
            }
            break;
        case 1:
            if (optarg[0] == '@') {
                if (tapir_ip_addr_parse(optarg + 1, &server) != 0) {
                    fprintf(stderr, "tapir-dig: '%s' is not a server address\n", optarg + 1);
                    return 2;
                }
                nserver = 1;
            } else if (!name) {
                name = optarg;
            } else {
                fprintf(stderr, "tapir-dig: more than one name\n");
                return 2;
            }
            break;
        default: {
            int r = app_common_option(&opt, "tapir-dig", c, optarg);
            if (r == 1)
                break;
            if (r == 0)
                usage(stderr);
            return 2;
        }
        }
    }
    struct tapir_dns_name check;
    if (!name || tapir_dns_name_from_text(name, &check) != 0) {
        fprintf(stderr, "tapir-dig: %s\n", name ? "not a valid name" : "missing name");
        return 2;
    }

    static struct app_runtime rt;
    int rc = app_runtime_open(&rt, "tapir-dig", &opt);
    if (rc != 0)
        return rc;
    static struct tapir_dns_result res;
    rc = app_dns_lookup(&rt, name, type, nserver ? &server : NULL, nserver, &res);

    const struct tapir_dns_name *owner = &res.name;
    for (unsigned i = 0; i < res.cname_count; i++) {
        char target[TAPIR_DNS_NAME_STRLEN];
        tapir_dns_name_to_text(&res.cnames[i].target, target, sizeof target);
        print_line(owner, res.cnames[i].ttl, "CNAME", target);
        owner = &res.cnames[i].target;
    }
    for (unsigned i = 0; i < res.count; i++) {
        char addr[TAPIR_IP_STRLEN];
        tapir_ip_format(&res.addrs[i].addr, addr);
        print_line(owner, res.addrs[i].ttl, res.addrs[i].addr.version == TAPIR_IP_V4 ? "A" : "AAAA",
                   addr);
    }
    fflush(stdout);
    char srv[TAPIR_IP_STRLEN];
    if (rc == 0 || rc == TAPIR_ENXDOMAIN || rc == TAPIR_ENODATA)
        fprintf(stderr, ";; SERVER: %s#53 (%s)\n", tapir_ip_format(&res.server, srv),
                res.over_tcp ? "TCP" : "UDP");
    if (res.total > res.count)
        fprintf(stderr, ";; %u more records not shown\n", res.total - res.count);
    if (rc != 0)
        fprintf(stderr, "tapir-dig: %s: %s\n", name, tapir_strerror(rc));
    app_runtime_close(&rt);
    if (rc == 0 || rc == TAPIR_ENODATA)
        return 0;
    return rc == TAPIR_ENXDOMAIN ? 1 : 2;
}
