/* tapir-mcast: join a multicast group with tapir's stack and print the UDP datagrams sent
 * to it.
 *
 *   tapir-mcast GROUP PORT        e.g. 239.1.2.3 5000, or ff15::1234 5000
 *
 * Joining sends the IGMPv3 / MLDv2 reports (src/iface/iface_multicast.c); leaving on exit
 * sends the leave. The UDP socket is bound to the group itself, so it takes only that
 * group's datagrams on the port, not unicast or other groups. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/runtime.h"
#include "tapir/error.h"
#include "tapir/socket/udp.h"

#define MAX_DATAGRAM 65527

static void usage(FILE *out)
{
    fputs("usage: tapir-mcast [OPTIONS] GROUP PORT\n"
          "Join the multicast GROUP (IPv4 224.0.0.0/4 or IPv6 ff00::/8) on tapir's stack and\n"
          "print each UDP datagram sent to GROUP:PORT as\n"
          "  from SRC port P: N bytes: TEXT\n"
          "until --count datagrams arrived, --duration passed or SIGINT; the group is left\n"
          "on exit (a leave report goes out). 'joined GROUP' is printed once the join\n"
          "report is queued.\n"
          "  --count N       exit after N datagrams (status 1 if fewer arrived)\n"
          "  --hex           print the bytes in hex instead of as text\n"
          "Exit status: 0 success, 1 fewer datagrams than --count, 2 usage or device.\n\n",
          out);
    app_common_usage(out);
}

static void print_datagram(const struct tapir_udp_meta *m, const uint8_t *buf, int n, bool hex)
{
    char from[TAPIR_IP_STRLEN];
    tapir_ip_format(&m->remote, from);
    printf("from %s port %u: %d bytes: ", from, m->remote_port, n);
    for (int i = 0; i < n; i++) {
        if (hex)
            printf("%02x", buf[i]);
        else
            putchar(buf[i] >= 0x20 && buf[i] < 0x7f ? buf[i] : '.');
    }
    putchar('\n');
    fflush(stdout);
}

int main(int argc, char **argv)
{
    enum { OPT_COUNT = 3000, OPT_HEX };
    static const struct option longopts[] = {
        APP_COMMON_LONG_OPTIONS,
        {"count", required_argument, NULL, OPT_COUNT},
        {"hex", no_argument, NULL, OPT_HEX},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct app_common opt;
    app_common_defaults(&opt);
    unsigned long count = 0, port = 0;
    bool hex = false;
    int c;
    while ((c = getopt_long(argc, argv, "vh", longopts, NULL)) != -1) {
        if (c == 'h') {
            usage(stdout);
            return 0;
        }
        if (c == OPT_HEX) {
            hex = true;
            continue;
        }
        if (c == OPT_COUNT) {
            if (app_parse_unsigned(optarg, 1000000000, &count) != 0 || count == 0) {
                fprintf(stderr, "tapir-mcast: invalid --count '%s': 1 or more\n", optarg);
                return 2;
            }
            continue;
        }
        int r = app_common_option(&opt, "tapir-mcast", c, optarg);
        if (r == 1)
            continue;
        if (r == 0)
            usage(stderr);
        return 2;
    }
    if (argc - optind != 2) {
        usage(stderr);
        return 2;
    }
    struct tapir_ip_addr group;
    bool is_group = tapir_ip_addr_parse(argv[optind], &group) == 0 && tapir_ip_is_multicast(&group);
    if (!is_group) {
        fprintf(stderr,
                "tapir-mcast: '%s' is not a multicast group (224.0.0.0/4 or ff00::/8, e.g. "
                "239.1.2.3 or ff15::1234)\n",
                argv[optind]);
        return 2;
    }
    if (app_parse_unsigned(argv[optind + 1], 65535, &port) != 0 || port == 0) {
        fprintf(stderr, "tapir-mcast: invalid port '%s': 1 to 65535\n", argv[optind + 1]);
        return 2;
    }

    static struct app_runtime rt;
    int rc = app_runtime_open(&rt, "tapir-mcast", &opt);
    if (rc != 0)
        return rc;
    size_t qlen = 4 * (MAX_DATAGRAM + TAPIR_UDP_RECORD_OVERHEAD);
    uint8_t *rxq = malloc(qlen), *txq = malloc(4096), *buf = malloc(MAX_DATAGRAM);
    int status = 2;
    static struct tapir_udp_socket sock;
    bool bound = false, joined = false;
    if (!rxq || !txq || !buf) {
        fprintf(stderr, "tapir-mcast: out of memory\n");
        goto out;
    }
    tapir_udp_socket_init(&sock, rxq, qlen, txq, 4096);
    rc = tapir_udp_bind(&sock, &rt.iface, &group, (uint16_t)port);
    if (rc != 0) {
        fprintf(stderr, "tapir-mcast: cannot bind %s port %lu: %s\n", argv[optind], port,
                tapir_strerror(rc));
        goto out;
    }
    tapir_iface_add_socket(&rt.iface, &sock.link);
    bound = true;
    rc = tapir_iface_join_group(&rt.iface, &group, app_now());
    if (rc != 0) {
        fprintf(stderr, "tapir-mcast: cannot join %s: %s\n", argv[optind], tapir_strerror(rc));
        goto out;
    }
    joined = true;
    printf("joined %s\n", argv[optind]);
    fflush(stdout);

    unsigned long got = 0;
    while (!app_runtime_stopping(&rt) && (count == 0 || got < count)) {
        app_runtime_step(&rt, TAPIR_INSTANT_NEVER);
        struct tapir_udp_meta m;
        int n;
        while ((count == 0 || got < count) &&
               (n = tapir_udp_recv(&sock, &m, buf, MAX_DATAGRAM)) >= 0) {
            got++;
            print_datagram(&m, buf, n, hex);
        }
    }
    fprintf(stderr, "received %lu datagrams\n", got);
    status = count && got < count ? 1 : 0;

out:
    if (joined) {
        /* Leave, and poll once more so the leave report goes out before the device closes. */
        tapir_iface_leave_group(&rt.iface, &group, app_now());
        tapir_iface_poll(&rt.iface, app_now());
    }
    if (bound)
        tapir_iface_remove_socket(&rt.iface, &sock.link);
    app_runtime_close(&rt);
    free(rxq);
    free(txq);
    free(buf);
    return status;
}
