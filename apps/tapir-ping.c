/* tapir-ping: ping from the userspace stack, with iputils ping's output. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/resolve.h"
#include "common/runtime.h"
#include "tapir/error.h"
#include "tapir/socket/icmp.h"
#include "tapir/wire/icmpv4.h"

#define MAX_DATA      65507
#define SEQ_WINDOW    65536 /* send times kept per sequence number */
#define PATTERN_START 8     /* the first 8 data bytes carry the send time */

static void usage(FILE *out)
{
    fputs("usage: tapir-ping [OPTIONS] DEST\n"
          "Send ICMP echo requests to DEST (an IPv4 or IPv6 address, or a name resolved\n"
          "through the --dns servers) from tapir's own\n"
          "stack and print the replies as iputils ping does.\n"
          "  -c COUNT    stop after COUNT replies or requests (default: until stopped)\n"
          "  -i SECONDS  interval between requests, fractions allowed (default 1)\n"
          "  -s SIZE     data bytes per request (default 56)\n"
          "  -W SECONDS  how long to wait for replies after the last request (default 10)\n"
          "  -6          DEST is IPv6 (implied by an IPv6 address)\n"
          "Exit status: 0 if any reply arrived, 1 if none, 2 on error.\n\n",
          out);
    app_common_usage(out);
}

struct ping_state {
    struct tapir_icmp_socket sock;
    struct tapir_ip_addr dst;
    char dst_text[TAPIR_IP_STRLEN];
    size_t size;
    unsigned long count; /* 0: unlimited */
    double interval_s, wait_s;
    unsigned long sent, received, errors, corrupted;
    double rtt_min, rtt_max, rtt_sum, rtt_sum2;
    tapir_instant *sent_at; /* per sequence number */
    uint8_t *data;
    /* DEST given as a name: resolved once the interface is up (apps/common/resolve.c). */
    const char *host;
    bool want6;
};

static const char *error_text(uint8_t version, uint8_t type, uint8_t code)
{
    if (version == TAPIR_IP_V4) {
        if (type == 3) {
            switch (code) {
            case 0:
                return "Destination Net Unreachable";
            case 1:
                return "Destination Host Unreachable";
            case 2:
                return "Destination Protocol Unreachable";
            case 3:
                return "Destination Port Unreachable";
            case 4:
                return "Frag needed and DF set";
            default:
                return "Destination Unreachable";
            }
        }
        if (type == 11)
            return code == 0 ? "Time to live exceeded" : "Frag reassembly time exceeded";
        if (type == 12)
            return "Parameter problem";
        return "Error";
    }
    switch (type) {
    case 1:
        return code == 4 ? "Destination unreachable: Port unreachable" : "Destination unreachable";
    case 2:
        return "Packet too big";
    case 3:
        return "Time exceeded: Hop limit";
    case 4:
        return "Parameter problem";
    default:
        return "Error";
    }
}

static void handle_message(struct ping_state *p, tapir_instant now)
{
    struct tapir_icmp_meta m;
    int n;
    while ((n = tapir_icmp_recv(&p->sock, &m, p->data + MAX_DATA, MAX_DATA)) >= 0) {
        char from[TAPIR_IP_STRLEN];
        tapir_ip_format(&m.src, from);
        bool reply = (p->dst.version == TAPIR_IP_V4 && m.type == 0) ||
                     (p->dst.version == TAPIR_IP_V6 && m.type == 129);
        if (!reply) {
            p->errors++;
            printf("From %s icmp_seq=%u %s\n", from, m.seq,
                   error_text(p->dst.version, m.type, m.code));
            continue;
        }
        /* A reply must carry exactly the data sent: check every byte after the stamp. */
        const uint8_t *got = p->data + MAX_DATA;
        size_t len = (size_t)n;
        bool ok = len == p->size;
        for (size_t i = PATTERN_START; ok && i < len; i++)
            ok = got[i] == (uint8_t)i;
        tapir_instant sent = p->sent_at[m.seq];
        double ms = sent ? (double)(now - sent) / 1000.0 : 0.0;
        p->received++;
        if (!ok)
            p->corrupted++;
        if (ms < p->rtt_min || p->received == 1)
            p->rtt_min = ms;
        if (ms > p->rtt_max)
            p->rtt_max = ms;
        p->rtt_sum += ms;
        p->rtt_sum2 += ms * ms;
        printf("%zu bytes from %s: icmp_seq=%u ttl=%u time=%.3f ms%s\n", len + 8, from, m.seq,
               m.ttl, ms, ok ? "" : " (BAD DATA)");
    }
    fflush(stdout);
}

static void send_one(struct ping_state *p, tapir_instant now)
{
    uint16_t seq = (uint16_t)(p->sent + 1);
    for (size_t i = 0; i < p->size; i++)
        p->data[i] = (uint8_t)i;
    for (size_t i = 0; i < PATTERN_START && i < p->size; i++)
        p->data[i] = (uint8_t)((uint64_t)now >> (8 * i));
    int rc = tapir_icmp_send_echo(&p->sock, &p->dst, seq, p->data, p->size);
    if (rc != 0) {
        fprintf(stderr, "tapir-ping: sending to %s: %s\n", p->dst_text, tapir_strerror(rc));
        return;
    }
    p->sent_at[seq] = now;
    p->sent++;
}

static int parse_args(int argc, char **argv, struct app_common *opt, struct ping_state *p)
{
    static const struct option longopts[] = {
        APP_COMMON_LONG_OPTIONS,
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    bool want6 = false;
    unsigned long n;
    int c;
    while ((c = getopt_long(argc, argv, "c:i:s:W:6vh", longopts, NULL)) != -1) {
        switch (c) {
        case 'h':
            usage(stdout);
            exit(0);
        case 'c':
            if (app_parse_unsigned(optarg, 1000000000ul, &n) != 0 || n == 0) {
                fprintf(stderr, "tapir-ping: invalid count '%s': a positive number\n", optarg);
                return 2;
            }
            p->count = n;
            break;
        case 'i':
            if (app_parse_double(optarg, 0.001, 3600, &p->interval_s) != 0) {
                fprintf(stderr, "tapir-ping: invalid interval '%s': seconds from 0.001\n", optarg);
                return 2;
            }
            break;
        case 's':
            if (app_parse_unsigned(optarg, MAX_DATA, &n) != 0) {
                fprintf(stderr, "tapir-ping: invalid size '%s': 0 to %d bytes\n", optarg, MAX_DATA);
                return 2;
            }
            p->size = n;
            break;
        case 'W':
            if (app_parse_double(optarg, 0, 3600, &p->wait_s) != 0) {
                fprintf(stderr, "tapir-ping: invalid timeout '%s': seconds\n", optarg);
                return 2;
            }
            break;
        case '6':
            want6 = true;
            break;
        default: {
            int r = app_common_option(opt, "tapir-ping", c, optarg);
            if (r == 1)
                break;
            if (r == 0)
                usage(stderr);
            return 2;
        }
        }
    }
    if (optind != argc - 1) {
        fprintf(stderr, "tapir-ping: %s\n",
                optind >= argc ? "missing destination" : "more than one destination");
        usage(stderr);
        return 2;
    }
    p->want6 = want6;
    struct tapir_dns_name name;
    if (tapir_ip_addr_parse(argv[optind], &p->dst) != 0 &&
        tapir_dns_name_from_text(argv[optind], &name) == 0) {
        p->host = argv[optind];
        return 0;
    }
    if (tapir_ip_addr_parse(argv[optind], &p->dst) != 0 ||
        (want6 && p->dst.version != TAPIR_IP_V6)) {
        fprintf(stderr, "tapir-ping: '%s' is not an %s address\n", argv[optind],
                want6 ? "IPv6" : "IPv4 or IPv6");
        return 2;
    }
    if (p->dst.version == TAPIR_IP_V6 && p->size > 65527 - 0) {
        fprintf(stderr, "tapir-ping: size too large for IPv6\n");
        return 2;
    }
    tapir_ip_format(&p->dst, p->dst_text);
    return 0;
}

int main(int argc, char **argv)
{
    static struct ping_state p;
    p.size = 56;
    p.interval_s = 1;
    p.wait_s = 10;
    struct app_common opt;
    app_common_defaults(&opt);
    int rc = parse_args(argc, argv, &opt, &p);
    if (rc != 0)
        return rc;

    p.sent_at = calloc(SEQ_WINDOW, sizeof *p.sent_at);
    p.data = malloc(2 * MAX_DATA);
    size_t qlen = 4 * (MAX_DATA + 128);
    void *rxq = malloc(qlen), *txq = malloc(qlen);
    if (!p.sent_at || !p.data || !rxq || !txq) {
        fprintf(stderr, "tapir-ping: out of memory\n");
        return 2;
    }
    static struct app_runtime rt;
    rc = app_runtime_open(&rt, "tapir-ping", &opt);
    if (rc != 0) {
        /* No device: free what was allocated, so LeakSanitizer has nothing to report. */
        free(p.sent_at);
        free(p.data);
        free(rxq);
        free(txq);
        return rc;
    }
    if (p.host) {
        if (app_resolve_host(&rt, p.host, p.want6 ? 6 : 0, &p.dst) != 0) {
            app_runtime_close(&rt);
            free(p.sent_at);
            free(p.data);
            free(rxq);
            free(txq);
            return 2;
        }
        tapir_ip_format(&p.dst, p.dst_text);
    }
    const char *shown = p.host ? p.host : p.dst_text;
    tapir_icmp_socket_init(&p.sock, (enum tapir_ip_version)p.dst.version, (uint16_t)getpid(), rxq,
                           qlen, txq, qlen);
    tapir_iface_add_socket(&rt.iface, &p.sock.link);

    if (p.dst.version == TAPIR_IP_V4)
        printf("PING %s (%s) %zu(%zu) bytes of data.\n", shown, p.dst_text, p.size, p.size + 28);
    else
        printf("PING %s(%s) %zu data bytes\n", shown, p.dst_text, p.size);
    fflush(stdout);

    tapir_instant start = app_now();
    tapir_instant next_send = start, last_sent_at = 0;
    tapir_instant interval = (tapir_instant)(p.interval_s * 1e6);
    while (!app_runtime_stopping(&rt)) {
        tapir_instant now = app_now();
        bool all_sent = p.count && p.sent >= p.count;
        if (!all_sent && now >= next_send) {
            send_one(&p, now);
            last_sent_at = now;
            next_send += interval;
            if (next_send < now)
                next_send = now + interval;
        }
        app_runtime_step(&rt,
                         all_sent ? last_sent_at + (tapir_instant)(p.wait_s * 1e6) : next_send);
        handle_message(&p, app_now());
        if (p.count && (p.received + p.errors >= p.count))
            break;
        if (all_sent && app_now() >= last_sent_at + (tapir_instant)(p.wait_s * 1e6))
            break;
    }
    tapir_instant elapsed_ms = (app_now() - start) / 1000;

    printf("\n--- %s ping statistics ---\n", p.dst_text);
    unsigned long loss = p.sent ? (unsigned long)((p.sent - p.received) * 100 / p.sent) : 0;
    printf("%lu packets transmitted, %lu received", p.sent, p.received);
    if (p.errors)
        printf(", +%lu errors", p.errors);
    if (p.corrupted)
        printf(", %lu corrupted", p.corrupted);
    printf(", %lu%% packet loss, time %lldms\n", loss, (long long)elapsed_ms);
    if (p.received) {
        double avg = p.rtt_sum / (double)p.received;
        double var = p.rtt_sum2 / (double)p.received - avg * avg;
        printf("rtt min/avg/max/mdev = %.3f/%.3f/%.3f/%.3f ms\n", p.rtt_min, avg, p.rtt_max,
               sqrt(var > 0 ? var : 0));
    }
    fflush(stdout);
    tapir_iface_remove_socket(&rt.iface, &p.sock.link);
    app_runtime_close(&rt);
    free(p.sent_at);
    free(p.data);
    free(rxq);
    free(txq);
    return p.received ? 0 : 1;
}
