/* tapir-host: the stack as a host on a network. It answers ARP, NDP and ping (and, as
 * later services land, more) until stopped or --duration runs out. */
#include <stdio.h>
#include <stdlib.h>

#include "tapir/error.h"

#include "common/runtime.h"
#include "common/tcp_service.h"

static void usage(FILE *out)
{
    fputs("usage: tapir-host [OPTIONS]\n"
          "Run tapir as a host on a TAP/TUN device or raw interface: it answers ARP,\n"
          "neighbour discovery and ping on its addresses until SIGINT/SIGTERM or\n"
          "--duration. Counters are printed as 'name value' lines on exit.\n\n"
          "Services (TCP, IPv4 and IPv6):\n"
          "  --echo PORT        send back what arrives (RFC 862)\n"
          "  --discard PORT     read and drop what arrives (RFC 863)\n"
          "  --source PORT      send bytes i mod 251 until the peer closes\n\n",
          out);
    app_common_usage(out);
}

int main(int argc, char **argv)
{
    enum { OPT_ECHO = 2000, OPT_DISCARD, OPT_SOURCE };
    static const struct option longopts[] = {
        APP_COMMON_LONG_OPTIONS,
        {"echo", required_argument, NULL, OPT_ECHO},
        {"discard", required_argument, NULL, OPT_DISCARD},
        {"source", required_argument, NULL, OPT_SOURCE},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct app_common opt;
    app_common_defaults(&opt);
    unsigned long ports[3] = {0, 0, 0};
    int c;
    while ((c = getopt_long(argc, argv, "vh", longopts, NULL)) != -1) {
        if (c == 'h') {
            usage(stdout);
            return 0;
        }
        if (c >= OPT_ECHO && c <= OPT_SOURCE) {
            if (app_parse_unsigned(optarg, 65535, &ports[c - OPT_ECHO]) != 0 ||
                ports[c - OPT_ECHO] == 0) {
                fprintf(stderr, "tapir-host: invalid port '%s': 1 to 65535\n", optarg);
                return 2;
            }
            continue;
        }
        int r = app_common_option(&opt, "tapir-host", c, optarg);
        if (r == 1)
            continue;
        if (r == 0)
            usage(stderr);
        return 2;
    }
    if (optind < argc) {
        fprintf(stderr, "tapir-host: unexpected argument '%s'\n", argv[optind]);
        usage(stderr);
        return 2;
    }
    static struct app_runtime rt;
    int rc = app_runtime_open(&rt, "tapir-host", &opt);
    if (rc != 0)
        return rc;
    static struct tcp_service services[3];
    for (int i = 0; i < 3; i++) {
        if (!ports[i])
            continue;
        rc = tcp_service_start(&services[i], &rt.iface, (enum tcp_service_kind)i,
                               (uint16_t)ports[i]);
        if (rc != 0) {
            fprintf(stderr, "tapir-host: cannot start a service on port %lu: %s\n", ports[i],
                    tapir_strerror(rc));
            app_runtime_close(&rt);
            return 2;
        }
    }
    while (!app_runtime_stopping(&rt)) {
        app_runtime_step(&rt, TAPIR_INSTANT_NEVER);
        for (int i = 0; i < 3; i++)
            if (ports[i])
                tcp_service_run(&services[i]);
    }
    for (int i = 0; i < 3; i++) {
        if (ports[i]) {
            tcp_service_print_counters(&services[i]);
            tcp_service_stop(&services[i], &rt.iface);
        }
    }
    app_runtime_close(&rt);
    return 0;
}
