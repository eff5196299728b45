/* tapir-dhcp: obtain a DHCPv4 lease with tapir's client, keep it (renewing and
 * rebinding) until stopped or --duration, and release it on exit. One line per event on
 * stdout (see apps/common/dhcp_app.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tapir/error.h"

#include "common/dhcp_app.h"
#include "common/runtime.h"

static void usage(FILE *out)
{
    fputs("usage: tapir-dhcp [OPTIONS]\n"
          "Obtain an IPv4 address with DHCP (RFC 2131) on a TAP/TUN device or raw\n"
          "interface, print 'lease ADDR/LEN router R dns D lease-time S', renew until\n"
          "SIGINT/SIGTERM or --duration, then release the lease.\n\n"
          "  --request ADDR     start in INIT-REBOOT asking for ADDR (a previous lease)\n"
          "  --no-probe         bind without the ARP probe of RFC 5227\n\n"
          "--ip and --gw are ignored: the lease provides them.\n\n",
          out);
    app_common_usage(out);
}

int main(int argc, char **argv)
{
    enum { OPT_REQUEST = 2000, OPT_NO_PROBE };
    static const struct option longopts[] = {
        APP_COMMON_LONG_OPTIONS,
        {"request", required_argument, NULL, OPT_REQUEST},
        {"no-probe", no_argument, NULL, OPT_NO_PROBE},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct app_common opt;
    app_common_defaults(&opt);
    struct tapir_ipv4_addr requested;
    bool has_requested = false, probe = true;
    int c;
    while ((c = getopt_long(argc, argv, "vh", longopts, NULL)) != -1) {
        if (c == 'h') {
            usage(stdout);
            return 0;
        }
        if (c == OPT_REQUEST) {
            if (tapir_ipv4_addr_parse(optarg, &requested) != 0) {
                fprintf(stderr, "tapir-dhcp: invalid address '%s'\n", optarg);
                return 2;
            }
            has_requested = true;
            continue;
        }
        if (c == OPT_NO_PROBE) {
            probe = false;
            continue;
        }
        int r = app_common_option(&opt, "tapir-dhcp", c, optarg);
        if (r == 1)
            continue;
        if (r == 0)
            usage(stderr);
        return 2;
    }
    if (optind < argc) {
        fprintf(stderr, "tapir-dhcp: unexpected argument '%s'\n", argv[optind]);
        usage(stderr);
        return 2;
    }
    /* The lease configures the interface: no static address or gateway. */
    opt.has_ip = false;
    opt.has_gw = false;
    static struct app_runtime rt;
    int rc = app_runtime_open(&rt, "tapir-dhcp", &opt);
    if (rc != 0)
        return rc;
    static struct dhcp_app d;
    rc = dhcp_app_start(&d, &rt.iface, tapir_prng_source(&rt.prng),
                        has_requested ? &requested : NULL, probe, app_now());
    if (rc != 0) {
        fprintf(stderr, "tapir-dhcp: cannot start the client: %s\n", tapir_strerror(rc));
        app_runtime_close(&rt);
        return 2;
    }
    while (!app_runtime_stopping(&rt)) {
        dhcp_app_run(&d, app_now());
        app_runtime_step(&rt, dhcp_app_poll_at(&d));
    }
    dhcp_app_run(&d, app_now());
    bool got = d.leases > 0;
    dhcp_app_stop(&d, app_now());
    const struct tapir_dhcp_stats *s = tapir_dhcp_stats(&d.client);
    fprintf(stderr,
            "dhcp_discovers %llu\ndhcp_requests %llu\ndhcp_declines %llu\n"
            "dhcp_releases %llu\ndhcp_offers %llu\ndhcp_acks %llu\ndhcp_naks %llu\n"
            "dhcp_ignored %llu\n",
            (unsigned long long)s->discovers, (unsigned long long)s->requests,
            (unsigned long long)s->declines, (unsigned long long)s->releases,
            (unsigned long long)s->offers, (unsigned long long)s->acks, (unsigned long long)s->naks,
            (unsigned long long)s->ignored);
    app_runtime_close(&rt);
    return got ? 0 : 1;
}
