/* tapir-host: the stack as a host on a network. It answers ARP, NDP and ping (and, as
 * later services land, more) until stopped or --duration runs out. */
#include <stdio.h>
#include <stdlib.h>

#include "common/runtime.h"

static void usage(FILE *out)
{
    fputs("usage: tapir-host [OPTIONS]\n"
          "Run tapir as a host on a TAP/TUN device or raw interface: it answers ARP,\n"
          "neighbour discovery and ping on its addresses until SIGINT/SIGTERM or\n"
          "--duration. Counters are printed as 'name value' lines on exit.\n\n",
          out);
    app_common_usage(out);
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
    int c;
    while ((c = getopt_long(argc, argv, "vh", longopts, NULL)) != -1) {
        if (c == 'h') {
            usage(stdout);
            return 0;
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
    while (!app_runtime_stopping(&rt))
        app_runtime_step(&rt, TAPIR_INSTANT_NEVER);
    app_runtime_close(&rt);
    return 0;
}
